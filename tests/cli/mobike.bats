#!/usr/bin/env bats
# mobike.bats: ike-rekey --move-to (RFC 4555 MOBIKE) as a user sees it.
# Without a peer: usage errors (exit 2: a bad address, other options), an
# SA without mobike=yes and an address of the other family (exit 1), an
# address that is not this host's (exit 5), ike.sa left as it was.
# Against a peer in Python on loopback (AES-GCM IKE with the hand-written
# keys of tests/cli/esp-tun.bats): the request comes from the new address
# and port 4500 behind the non-ESP marker with UPDATE_SA_ADDRESSES, NAT
# detection (its source hash faked: the Child SA is UDP-encapsulated) and
# COOKIE2; answered, ike.sa and the Child SA file have the new address, the
# journal is gone; an answer with another COOKIE2 (exit 1), a refusal
# (UNACCEPTABLE_ADDRESSES, exit 3) and no answer (exit 4, the journal kept)
# leave ike.sa's addresses alone.  The peer moving, against ike-respond
# (an SA from ike-initiate on loopback, then a Python initiator with its
# keys sending from another loopback address): malformed UPDATE_SA_ADDRESSES
# answered INVALID_SYNTAX with nothing moved; a well-formed one answered,
# then ike-respond's return routability check (COOKIE2) to the new address:
# answered, ike.sa moves; unanswered or with another COOKIE2, it stays (a
# move-failed event).  The exchange with strongSwan is in
# tests/interop/mobike-strongswan.bats.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load lib

K_IN_E=41e24cf57a09a53b5c1f54363354fb480b2398c9b09cd5c2783deecb37ee3cb130c5ba34
K_OUT_E=1d655c29922efe52e1ae60c3dfd5f990772a70efc259ab5accf7f3abbe5bbff08e7203cf
SK_EI=3b8637e69b94cba8ba6ba97242a14614128181c3647fb1ff5c06a9507192d8f33021ad15
SK_ER=de9289eb1fde066ebcb483e0994c6993bf46faf21c97d525b2ff96977f9c2a6ad3112ceb
SK_D=79432f102ce26b6b5d8ae7661865917d3abb80e295470572b70742cd36e88f97
SK_PI=86c3208ab203cca6cedbee41eb3f9fdce24970d688506fb9252007ce14695f3a
SK_PR=deb84b2709adf812b4f80fd606f07cb136e22887ad0937c68fc765bf2989dac0

setup() {
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	R=$IKEKIT_BIN/ike-rekey
	T=$BATS_TEST_TMPDIR
	S=$T/state
	[ -x "$R" ] || fail "ike-rekey not built: $R (run make)"
	LOCAL=127.0.0.1:4500 REMOTE=127.0.0.1:4501
	# a loopback address of its own per run: port 4500 on it is ours
	NEW=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
	PEER='' RPID=''
}

teardown() {
	if [ -n "$PEER" ] && [ "$(cat "/proc/$PEER/comm" 2>/dev/null)" = timeout ]; then
		kill -KILL "$PEER" 2>/dev/null || true
	fi
	if [ -n "$RPID" ] && [ "$(cat "/proc/$RPID/comm" 2>/dev/null)" = ike-respond ]; then
		kill -KILL "$RPID" 2>/dev/null || true
	fi
}

put() { cat >"$1.tmp" && chmod 600 "$1.tmp" && mv -f "$1.tmp" "$1"; }

# mkstate [MOBIKE] : S/site, an established IKE SA from LOCAL to REMOTE with
# one UDP-encapsulated Child SA; mobike=MOBIKE unless empty
mkstate() {
	mkdir -p "$S/site" && chmod 700 "$S" "$S/site"
	put "$S/site/ike.sa" <<EOT
version=1
name=site
state=established
role=initiator
ispi=1122334455667788
rspi=99aabbccddeeff00
local=$LOCAL
remote=$REMOTE
encr=ENCR_AES_GCM_16
encr_keybits=256
integ=AUTH_NONE
prf=PRF_HMAC_SHA2_256
dh=CURVE25519
nat=no
${1:+mobike=$1}
child=net
sk_d=$SK_D
sk_ai=
sk_ar=
sk_ei=$SK_EI
sk_er=$SK_ER
sk_pi=$SK_PI
sk_pr=$SK_PR
msgid_out=2
msgid_in=0
EOT
	put "$S/site/child.net.sa" <<EOT
version=1
name=net
ike=site
spi_in=0xc0ffee01
spi_out=0xc2d3e4f5
encr=ENCR_AES_GCM_16
encr_keybits=256
integ=AUTH_NONE
esn=0
key_in_e=$K_IN_E
key_in_a=
key_out_e=$K_OUT_E
key_out_a=
local=${LOCAL%:*}
remote=${REMOTE%:*}
local_ts=10.1.0.0/16
remote_ts=10.2.0.0/16
mode=tunnel
encap=udp
EOT
}

# free_remote : REMOTE on a UDP port of 127.0.0.1 nobody uses
free_remote() {
	REMOTE=127.0.0.1:$(python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
}

@test "ike-rekey --move-to: a bad address, other options: usage error (exit 2)" {
	run "$R" -S "$S" --move-to 192.0.2.300 site
	assert_failure 2
	assert_output --partial 'ike-rekey: --move-to: "192.0.2.300" is not an IPv4 or IPv6 address'
	run "$R" -S "$S" --move-to host.example site
	assert_failure 2
	run "$R" -S "$S" --move-to 192.0.2.9 --ike site
	assert_failure 2
	assert_output --partial 'ike-rekey: --move-to takes no --auto, --delete, --ike, --child, --esp or --pfs'
	run "$R" -S "$S" --move-to 192.0.2.9 --child net site
	assert_failure 2
	run "$R" -S "$S" --move-to
	assert_failure 2
	run "$R" --help
	assert_success
	assert_output --partial 'ike-rekey --move-to addr'
}

@test "ike-rekey --move-to: an SA without mobike=yes is refused (exit 1), nothing sent or changed" {
	mkstate
	cp "$S/site/ike.sa" "$T/before"
	run "$R" -S "$S" --move-to 127.0.0.1 site
	assert_failure 1
	assert_output --partial 'ike-rekey: site: --move-to: the IKE SA has no MOBIKE (ike.sa has no mobike=yes'
	cmp "$S/site/ike.sa" "$T/before"
	mkstate no
	run "$R" -S "$S" --move-to 127.0.0.1 site
	assert_failure 1
	assert_output --partial 'has no MOBIKE'
}

@test "ike-rekey --move-to: another family (exit 1), not this host's address (exit 5), no such SA (exit 5)" {
	mkstate yes
	cp "$S/site/ike.sa" "$T/before"
	run "$R" -S "$S" --move-to 2001:db8::9 site
	assert_failure 1
	assert_output --partial 'ike-rekey: site: --move-to: not an address of the SA'"'"'s family (IPv4)'
	run "$R" -S "$S" --move-to 192.0.2.254 site
	assert_failure 5
	assert_output --partial 'ike-rekey: site: --move-to 192.0.2.254: cannot send from that address'
	cmp "$S/site/ike.sa" "$T/before"
	run "$R" -S "$S" --move-to 127.0.0.1 nosuch
	assert_failure 5
	assert_output --partial 'no such SA'
}

# peer_script : a MOBIKE responder on REMOTE in Python for the hand-written
# SA: prints "from ADDR:PORT marker=yes|no [notify types] natd_s=match|other
# natd_d=match|other", then answers as its argument says: ok (NAT detection
# over what it saw, COOKIE2 echoed), badcookie (another COOKIE2), refuse
# (N(UNACCEPTABLE_ADDRESSES)), drop
peer_script() {
	cat <<'EOF'
import hashlib, os, socket, struct, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

remote_port, mode, ski, skr = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', remote_port))
s.settimeout(8)
print('listening', flush=True)
try:
    msg, src = s.recvfrom(65536)
except socket.timeout:
    print('idle', flush=True)
    sys.exit(0)
marker = msg[:4] == b'\0\0\0\0'
if marker:
    msg = msg[4:]
def gcm(h):
    k = bytes.fromhex(h)
    return AESGCM(k[:-4]), k[-4:]
a, salt = gcm(ski)
first, _, sk_len = struct.unpack('!BBH', msg[28:32])
pt = a.decrypt(salt + msg[32:40], msg[40:28 + sk_len], msg[:32])
pt = pt[:len(pt) - 1 - pt[-1]]
pls, t = [], first
while t != 0:
    nxt, _, plen = struct.unpack('!BBH', pt[:4])
    pls.append((t, pt[4:plen]))
    t, pt = nxt, pt[plen:]
notes = {}
for t, body in pls:
    if t == 41:
        notes[struct.unpack('!H', body[2:4])[0]] = body[4:]
spis = msg[:16]
def natd(addr, port):
    return hashlib.sha1(spis + socket.inet_aton(addr) + struct.pack('!H', port)).digest()
exch, flags, msgid = struct.unpack('!BBI', msg[18:24])
print('from %s:%d marker=%s exch %d flags 0x%02x msgid %d [%s] natd_s=%s natd_d=%s' % (
    src[0], src[1], 'yes' if marker else 'no', exch, flags, msgid,
    ' '.join(str(t) for t in sorted(notes)),
    'match' if notes.get(16388) == natd(*src) else 'other',
    'match' if notes.get(16389) == natd('127.0.0.1', remote_port) else 'other'), flush=True)
if mode == 'drop':
    sys.exit(0)
out = []
if mode == 'refuse':
    out.append(struct.pack('!BBH', 0, 0, 40))
else:
    out.append(struct.pack('!BBH', 0, 0, 16388) + natd('127.0.0.1', remote_port))
    out.append(struct.pack('!BBH', 0, 0, 16389) + natd(*src))
    c2 = notes.get(16401, b'')
    if mode == 'badcookie':
        c2 = bytes([c2[0] ^ 1]) + c2[1:]
    out.append(struct.pack('!BBH', 0, 0, 16401) + c2)
b, salt = gcm(skr)
body = b''
for i, n in enumerate(out):
    body += struct.pack('!BBH', 41 if i + 1 < len(out) else 0, 0, 4 + len(n)) + n
body += b'\0'
sk_len = 4 + 8 + len(body) + 16
hdr = msg[:16] + struct.pack('!BBBBII', 46, 0x20, exch, 0x20, msgid, 28 + sk_len)
skh = struct.pack('!BBH', 41, 0, sk_len)
iv = os.urandom(8)
s.sendto(b'\0\0\0\0' + hdr + skh + iv + b.encrypt(salt + iv, body, hdr + skh), src)
EOF
}

# peer MODE : the peer on REMOTE in the background (PEER), until it listens
peer() {
	python3 -c 'import cryptography.hazmat.primitives.ciphers.aead' 2>/dev/null ||
		skip "python3 cryptography module missing (the peer's AES-GCM)"
	peer_script >"$T/peer.py"
	timeout 15 python3 "$T/peer.py" "${REMOTE#*:}" "$1" "$SK_EI" "$SK_ER" >"$T/peer" 2>&1 3>&- &
	PEER=$!
	local i=0
	until grep -q '^listening$' "$T/peer"; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "peer: $(cat "$T/peer")"
		sleep 0.05
	done
}

peer_done() {
	wait "$PEER" || true
	PEER=
}

@test "ike-rekey --move-to: UPDATE_SA_ADDRESSES from the new address, answered: ike.sa and the Child SA follow" {
	free_remote
	mkstate yes
	peer ok
	run --separate-stderr "$R" -S "$S" --move-to "$NEW" site
	peer_done
	assert_success
	assert_output "$NEW:4500"
	# from the new address and port 4500, marker, msgid 2, I flag; notifies
	# NAT_DETECTION_SOURCE/DESTINATION_IP, UPDATE_SA_ADDRESSES, COOKIE2;
	# the source hash faked (the Child SA stays UDP-encapsulated)
	grep -qx "from $NEW:4500 marker=yes exch 37 flags 0x08 msgid 2 \[16388 16389 16400 16401\] natd_s=other natd_d=match" "$T/peer" ||
		fail "peer saw: $(cat "$T/peer")"
	assert_equal "$(kv "$S/site/ike.sa" local)" "$NEW:4500"
	assert_equal "$(kv "$S/site/ike.sa" remote)" "$REMOTE"
	assert_equal "$(kv "$S/site/ike.sa" nat)" yes
	assert_equal "$(kv "$S/site/ike.sa" mobike)" yes
	assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 3
	assert_equal "$(kv "$S/site/ike.sa" pending_msgid)" ""
	assert_equal "$(kv "$S/site/child.net.sa" local)" "$NEW"
	assert_equal "$(kv "$S/site/child.net.sa" spi_in)" 0xc0ffee01
}

@test "ike-rekey --move-to --json: the moved event" {
	free_remote
	mkstate yes
	peer ok
	run --separate-stderr "$R" -S "$S" --json --move-to "$NEW" site
	peer_done
	assert_success
	assert_output "{\"event\":\"moved\",\"name\":\"site\",\"local\":\"$NEW:4500\",\"remote\":\"$REMOTE\",\"nat\":true}"
}

@test "ike-rekey --move-to: an answer without our COOKIE2 is refused (exit 1), ike.sa keeps its addresses" {
	free_remote
	mkstate yes
	peer badcookie
	run "$R" -S "$S" --move-to "$NEW" site
	peer_done
	assert_failure 1
	assert_output --partial 'ike-rekey: site: UPDATE_SA_ADDRESSES: the answer does not echo our COOKIE2'
	assert_equal "$(kv "$S/site/ike.sa" local)" "$LOCAL"
	assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 3
	assert_equal "$(kv "$S/site/ike.sa" pending_msgid)" ""
}

@test "ike-rekey --move-to: refused by the peer (exit 3); no answer (exit 4, the request journaled)" {
	free_remote
	mkstate yes
	peer refuse
	run "$R" -S "$S" --move-to "$NEW" site
	peer_done
	assert_failure 3
	assert_output --partial 'ike-rekey: site: UPDATE_SA_ADDRESSES: peer sent UNACCEPTABLE_ADDRESSES'
	assert_equal "$(kv "$S/site/ike.sa" local)" "$LOCAL"
	assert_equal "$(kv "$S/site/ike.sa" pending_msgid)" ""
	peer drop
	run "$R" -S "$S" --timeout 1 --move-to "$NEW" site
	peer_done
	assert_failure 4
	assert_output --partial 'no answer within 1 s'
	assert_equal "$(kv "$S/site/ike.sa" local)" "$LOCAL"
	assert_equal "$(kv "$S/site/ike.sa" pending_msgid)" 3
	assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 4
	# a journaled request: --move-to leaves it to the next rekey
	run "$R" -S "$S" --move-to "$NEW" site
	assert_failure 1
	assert_output --partial 'still unanswered'
}

# --- the peer moves: ike-respond answers (RFC 4555 3.5) -----------------------

# mover_script : the initiator moving, in Python, with the keys of its
# ike.sa (argv 5): from NEW (argv 3) it sends INFORMATIONAL requests to
# ike-respond's NAT-T port (argv 1, 2) as its mode (argv 4) says, printing
# one line per message it gets: "answer|check from ADDR:PORT exch E flags
# F msgid N [notify types]".  Modes: twocookie, shortcookie, badnatd
# (UPDATE_SA_ADDRESSES malformed so, then a liveness check at the next
# message ID); move (a well-formed UPDATE_SA_ADDRESSES, and the return
# routability check answered, COOKIE2 echoed), silent (the same, the check
# never answered: listens 11 s); badecho (answered with another COOKIE2)
mover_script() {
	cat <<'EOF'
import hashlib, os, socket, struct, sys, time
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

rhost, rport, new, mode, sa_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
kv = dict(l.rstrip('\n').split('=', 1) for l in open(sa_file) if '=' in l)
spis = bytes.fromhex(kv['ispi']) + bytes.fromhex(kv['rspi'])
def gcm(h):
    k = bytes.fromhex(h)
    return AESGCM(k[:-4]), k[-4:]
ei, er = gcm(kv['sk_ei']), gcm(kv['sk_er'])
msgid = int(sys.argv[6]) if len(sys.argv) > 6 else int(kv['msgid_out'])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((new, 0))
me = s.getsockname()

def natd(addr, port):
    return hashlib.sha1(spis + socket.inet_aton(addr) + struct.pack('!H', port)).digest()

def seal(keys, exch, flags, mid, notes):
    body = b''
    for i, (t, d) in enumerate(notes):
        n = struct.pack('!BBH', 0, 0, t) + d
        body += struct.pack('!BBH', 41 if i + 1 < len(notes) else 0, 0, 4 + len(n)) + n
    body += b'\0'
    sk_len = 4 + 8 + len(body) + 16
    hdr = spis + struct.pack('!BBBBII', 46, 0x20, exch, flags, mid, 28 + sk_len)
    skh = struct.pack('!BBH', 41 if notes else 0, 0, sk_len)
    iv = os.urandom(8)
    a, salt = keys
    return b'\0\0\0\0' + hdr + skh + iv + a.encrypt(salt + iv, body, hdr + skh)

def unseal(keys, msg):
    if msg[:4] != b'\0\0\0\0':
        return None
    msg = msg[4:]
    exch, flags, mid = struct.unpack('!BBI', msg[18:24])
    first, _, sk_len = struct.unpack('!BBH', msg[28:32])
    a, salt = keys
    pt = a.decrypt(salt + msg[32:40], msg[40:28 + sk_len], msg[:32])
    pt = pt[:len(pt) - 1 - pt[-1]]
    notes, t = [], first
    while t != 0:
        nxt, _, plen = struct.unpack('!BBH', pt[:4])
        body = pt[4:plen]
        if t == 41:
            notes.append((struct.unpack('!H', body[2:4])[0], body[4 + body[1]:]))
        t, pt = nxt, pt[plen:]
    return exch, flags, mid, notes

def show(what, src, m):
    print('%s from %s:%d exch %d flags 0x%02x msgid %d [%s]' % (what, src[0], src[1],
        m[0], m[1], m[2], ' '.join(str(t) for t, _ in m[3])), flush=True)

def send(notes, mid):
    s.sendto(seal(ei, 37, 0x08, mid, notes), (rhost, rport))

def answer(mid):
    s.settimeout(3)
    while True:
        d, src = s.recvfrom(65536)
        m = unseal(er, d)
        if m and m[1] & 0x20 and m[2] == mid:
            show('answer', src, m)
            return

c2 = os.urandom(16)
print('from %s:%d' % me, flush=True)
if mode in ('twocookie', 'shortcookie', 'badnatd'):
    notes = {'twocookie': [(16400, b''), (16401, c2), (16401, os.urandom(16))],
             'shortcookie': [(16400, b''), (16401, os.urandom(7))],
             'badnatd': [(16400, b''), (16388, natd(*me)[:19]), (16389, natd(rhost, rport)), (16401, c2)]}[mode]
    send(notes, msgid)
    answer(msgid)
    send([], msgid + 1)
    answer(msgid + 1)
    sys.exit(0)
send([(16400, b''), (16388, natd(*me)), (16389, natd(rhost, rport)), (16401, c2)], msgid)
end = time.time() + (11 if mode == 'silent' else 4)
checks = 0
while time.time() < end:
    s.settimeout(max(0.05, end - time.time()))
    try:
        d, src = s.recvfrom(65536)
    except socket.timeout:
        break
    m = unseal(er, d) if d[:4] == b'\0\0\0\0' else None
    if m is None:
        continue
    if m[1] & 0x20:
        show('answer', src, m)
        continue
    checks += 1
    show('check', src, m)
    if mode == 'silent':
        continue
    echo = dict(m[3]).get(16401, b'')
    if mode == 'badecho':
        echo = bytes([echo[0] ^ 1]) + echo[1:]
    s.sendto(seal(ei, 37, 0x28, m[2], [(16401, echo)]), src)
    time.sleep(0.5)
    break
print('checks %d' % checks, flush=True)
EOF
}

# mover MODE [MSGID] : the moving initiator, run to its end (bounded),
# output in $T/mover; its first request at MSGID (else ike.sa's msgid_out)
mover() {
	mover_script >"$T/mover.py"
	timeout 20 python3 "$T/mover.py" 127.0.0.1 "$((RP + 1))" "$NEW" "$1" "$IS" ${2:+"$2"} >"$T/mover" 2>&1 3>&- ||
		fail "mover: $(cat "$T/mover")"
}

# wait_event WHAT : until ike-respond's --json output has event WHAT (12 s)
wait_event() {
	local i=0
	until grep -q "\"event\":\"$1\"" "$T/rout"; do
		i=$((i + 1))
		[ $i -lt 240 ] || fail "no $1 event: $(cat "$T/rout") / $(tail -20 "$T/rerr")"
		sleep 0.05
	done
}

@test "ike-respond: a malformed UPDATE_SA_ADDRESSES that verifies is answered INVALID_SYNTAX (two COOKIE2, a short COOKIE2, a 19-byte NAT detection); nothing moves, the next request is answered" {
	local mode m n=0
	resp_up
	m=$(kv "$IS" msgid_out)
	for mode in twocookie shortcookie badnatd; do
		mover "$mode" $((m + n))
		# the answer goes where the request came from
		grep -qx "answer from 127.0.0.1:$((RP + 1)) exch 37 flags 0x20 msgid $((m + n)) \[7\]" "$T/mover" ||
			fail "$mode: $(cat "$T/mover")"
		# the counter moved: a liveness check next is answered, empty
		grep -qx "answer from 127.0.0.1:$((RP + 1)) exch 37 flags 0x20 msgid $((m + n + 1)) \[\]" "$T/mover" ||
			fail "$mode: $(cat "$T/mover")"
		n=$((n + 2))
	done
	resp_down
	assert_equal "$(grep -c '"event":"refused".*"detail":"INVALID_SYNTAX"' "$T/rout")" 3
	run grep -c '"event":"moved"' "$T/rout"
	assert_output 0
	assert_equal "$(kv "$RS/$RNAME/ike.sa" remote)" "127.0.0.1:$IP"
	assert_equal "$(kv "$RS/$RNAME/ike.sa" pending_msgid)" ""
}

@test "ike-respond: the peer moves: UPDATE_SA_ADDRESSES answered, then our return routability check (COOKIE2) to the new address; answered, ike.sa moves there" {
	local m c
	resp_up
	m=$(kv "$IS" msgid_out)
	mover move
	grep -qx "answer from 127.0.0.1:$((RP + 1)) exch 37 flags 0x20 msgid $m \[16388 16389 16401\]" "$T/mover" ||
		fail "mover: $(cat "$T/mover")"
	# our own request: INFORMATIONAL, neither I nor R, COOKIE2 only
	grep -Eqx "check from 127.0.0.1:$((RP + 1)) exch 37 flags 0x00 msgid [0-9]+ \[16401\]" "$T/mover" ||
		fail "mover: $(cat "$T/mover")"
	c=$(sed -n 's/^check .* msgid \([0-9]*\) .*/\1/p' "$T/mover")
	wait_event moved
	from=$(sed -n 's/^from //p' "$T/mover")
	assert_equal "$(kv "$RS/$RNAME/ike.sa" remote)" "$from"
	assert_equal "$(kv "$RS/$RNAME/ike.sa" pending_msgid)" ""
	assert_equal "$(kv "$RS/$RNAME/ike.sa" msgid_out)" "$((c + 1))"
	assert_equal "$(kv "$RS/$RNAME/child.$(kv "$RS/$RNAME/ike.sa" child).sa" remote)" "$NEW"
	run jq -r 'select(.event == "moved") | .peer' "$T/rout"
	assert_output "$from"
	resp_down
}

@test "ike-respond: the check unanswered (sent again, then given up) or answered with another COOKIE2: the SA stays, a move-failed event" {
	local m c k
	resp_up
	m=$(kv "$IS" msgid_out)
	mover badecho
	wait_event move-failed
	run jq -r 'select(.event == "move-failed") | .detail' "$T/rout"
	assert_output cookie2
	assert_equal "$(kv "$RS/$RNAME/ike.sa" remote)" "127.0.0.1:$IP"
	assert_equal "$(kv "$RS/$RNAME/ike.sa" pending_msgid)" ""
	mover silent $((m + 1))
	# sent, then again at 0.5, 1.5, 3.5 (and 7.5) s, given up at 8 s: the
	# same request each time (the last one may fall past the end when the
	# machine is busy)
	k=$(sed -n 's/^checks //p' "$T/mover")
	[ "$k" -ge 4 ] && [ "$k" -le 5 ] || fail "$k checks: $(cat "$T/mover")"
	run grep -c '^check .* \[16401\]$' "$T/mover"
	assert_output "$k"
	c=$(sed -n 's/^check .* msgid \([0-9]*\) .*/\1/p' "$T/mover" | head -n 1)
	run sh -c "sed -n 's/^check .* msgid \([0-9]*\) .*/\1/p' '$T/mover' | sort -u"
	assert_output "$c"
	wait_event 'move-failed.*"detail":"unanswered'
	run jq -r 'select(.event == "move-failed") | .detail' "$T/rout"
	assert_output "cookie2
unanswered"
	run grep -c '"event":"moved"' "$T/rout"
	assert_output 0
	assert_equal "$(kv "$RS/$RNAME/ike.sa" remote)" "127.0.0.1:$IP"
	# unanswered: the request stays journaled for the next program
	assert_equal "$(kv "$RS/$RNAME/ike.sa" pending_msgid)" "$c"
	assert_equal "$(kv "$RS/$RNAME/ike.sa" pending_what)" check
	resp_down
}
