#!/usr/bin/env bats
# respond-crossing.bats: ike-respond and a request of ours journaled in
# ike.sa (RFC 7296 2.25). ike-respond on loopback with an SA from
# ike-initiate; the initiator's side is then played by a Python peer that
# has its keys (AES-GCM IKE) and sends CREATE_CHILD_SA rekeys of a Child SA
# to ike-respond's NAT-T port:
#   - with no request of ours out, the rekey is answered (SA, Nonce, TSi,
#     TSr; no Notify) and the new Child SA file records which one it rekeys
#     (peer_rekey_of, rekey_nonce: what ike-rekey settles a collision by);
#   - while our Delete of that Child SA is journaled (an ike-rekey --delete
#     left unanswered), the peer's rekey of it gets TEMPORARY_FAILURE and
#     no Child SA is made, as esp-tun answers it.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load lib

setup() {
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	T=$BATS_TEST_TMPDIR
	RPID=''
}

teardown() {
	if [ -n "$RPID" ] && [ "$(cat "/proc/$RPID/comm" 2>/dev/null)" = ike-respond ]; then
		kill -KILL "$RPID" 2>/dev/null || true
	fi
}

# rekeyer_script : the initiator, in Python, with the keys of its ike.sa
# (argv 3): one CREATE_CHILD_SA rekey of the Child SA whose inbound SPI on
# its side is argv 4 (hex), message ID argv 5, sent from a port of its own
# to ike-respond's NAT-T port (argv 1, 2); prints the new inbound SPI it
# offered, then the answer: "answer msgid N payloads [types] notify [types]"
rekeyer_script() {
	cat <<'EOF'
import os, socket, struct, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

rhost, rport, sa_file, old, mid = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4], 16), int(sys.argv[5])
kv = dict(l.rstrip('\n').split('=', 1) for l in open(sa_file) if '=' in l)
spis = bytes.fromhex(kv['ispi']) + bytes.fromhex(kv['rspi'])
def gcm(h):
    k = bytes.fromhex(h)
    return AESGCM(k[:-4]), k[-4:]
ei, er = gcm(kv['sk_ei']), gcm(kv['sk_er'])

def pld(nxt, body):
    return struct.pack('!BBH', nxt, 0, 4 + len(body)) + body

def ts(net):
    a = socket.inet_aton(net)
    b = a[:2] + b'\xff\xff'
    return struct.pack('!B3x', 1) + struct.pack('!BBHHH', 7, 0, 16, 0, 65535) + a + b

new = os.urandom(4)
# ENCR_AES_GCM_16 with a 256-bit key, no ESN
xf = [struct.pack('!BBHBBH', 3, 0, 12, 1, 0, 20) + struct.pack('!HH', 0x800e, 256),
      struct.pack('!BBHBBH', 0, 0, 8, 5, 0, 0)]
prop = struct.pack('!BBHBBBB', 0, 0, 8 + 4 + sum(map(len, xf)), 1, 3, 4, len(xf)) + new + b''.join(xf)
# N(REKEY_SA), SA, Ni, TSi, TSr
body = (pld(33, struct.pack('!BBH', 3, 4, 16393) + struct.pack('!I', old)) +
        pld(40, prop) + pld(44, os.urandom(32)) +
        pld(45, ts('10.1.0.0')) + pld(0, ts('10.2.0.0')) + b'\0')
sk_len = 4 + 8 + len(body) + 16
hdr = spis + struct.pack('!BBBBII', 46, 0x20, 36, 0x08, mid, 28 + sk_len)
skh = struct.pack('!BBH', 41, 0, sk_len)
iv = os.urandom(8)
a, salt = ei
msg = b'\0\0\0\0' + hdr + skh + iv + a.encrypt(salt + iv, body, hdr + skh)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
s.settimeout(3)
print(new.hex(), flush=True)
s.sendto(msg, (rhost, rport))
while True:
    d, src = s.recvfrom(65536)
    d = d[4:]
    exch, flags, rmid = struct.unpack('!BBI', d[18:24])
    if not flags & 0x20 or rmid != mid:
        continue
    first, _, sk_len = struct.unpack('!BBH', d[28:32])
    a, salt = er
    pt = a.decrypt(salt + d[32:40], d[40:28 + sk_len], d[:32])
    pt = pt[:len(pt) - 1 - pt[-1]]
    types, notes, t = [], [], first
    while t != 0:
        nxt, _, plen = struct.unpack('!BBH', pt[:4])
        types.append(t)
        if t == 41:
            notes.append(struct.unpack('!H', pt[6:8])[0])
        t, pt = nxt, pt[plen:]
    print('answer msgid %d payloads [%s] notify [%s]' % (rmid, ' '.join(map(str, types)),
          ' '.join(map(str, notes))), flush=True)
    break
EOF
}

# rekey OLD MSGID : the peer's rekey of its Child SA OLD (its inbound SPI)
rekey() {
	run --separate-stderr timeout 10 python3 -c "$(rekeyer_script)" 127.0.0.1 $((RP + 1)) "$IS" "$1" "$2"
}

@test "the peer's Child SA rekey: answered, the new file names what it rekeys; while our Delete of it is journaled: TEMPORARY_FAILURE" {
	local old new r_old f before n=0
	resp_up
	old=$(kv "$T/istate/s/child.$(kv "$IS" child).sa" spi_in)
	r_old=$(kv "$T/istate/s/child.$(kv "$IS" child).sa" spi_out)
	[ -n "$old" ] && [ -n "$r_old" ] || fail "no Child SA in the initiator's state"
	# answered as usual
	rekey "$old" "$(kv "$IS" msgid_out)"
	[ "$status" = 0 ] || fail "the peer: $stderr; ike-respond: $(tail -5 "$T/rerr")"
	new=${lines[0]}
	assert_equal "${lines[1]}" "answer msgid $(kv "$IS" msgid_out) payloads [33 40 44 45] notify []"
	until grep -q '"event":"child-up"' "$T/rout"; do
		n=$((n + 1))
		[ $n -lt 50 ] || fail "no child-up event: $(cat "$T/rout")"
		sleep 0.1
	done
	f=$(grep -l "^spi_out=0x$new$" "$RS/$RNAME"/child.*.sa) || fail "no Child SA file with spi_out=0x$new"
	assert_equal "$(kv "$f" peer_rekey_of)" "${r_old#0x}"
	[ -n "$(kv "$f" rekey_nonce)" ] || fail "no rekey_nonce in $f: $(cat "$f")"
	# our Delete of the new Child SA, unanswered (nobody listens on the
	# initiator's port): journaled in ike.sa
	run "$IKEKIT_BIN/ike-rekey" -S "$RS" --timeout 1 --delete --child "$(basename "$f" .sa | cut -d. -f2)" "$RNAME"
	assert_failure 4
	assert_equal "$(kv "$RS/$RNAME/ike.sa" pending_what)" delete
	before=$(ls "$RS/$RNAME")
	# the peer's rekey of that one crosses it: TEMPORARY_FAILURE (43),
	# no Child SA made
	rekey "$new" $(($(kv "$IS" msgid_out) + 1))
	assert_success
	assert_equal "${lines[1]}" "answer msgid $(($(kv "$IS" msgid_out) + 1)) payloads [41] notify [43]"
	assert_equal "$(ls "$RS/$RNAME")" "$before"
	grep -q '"event":"refused".*TEMPORARY_FAILURE' "$T/rout" || fail "no refused event: $(cat "$T/rout")"
	resp_down
}
