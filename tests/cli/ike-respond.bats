#!/usr/bin/env bats
# ike-respond.bats: the command line of ike-respond(8) on loopback: usage
# errors (exit 2), a missing key file (exit 5), bad proposal strings, a port
# already taken (exit 5), SIGTERM (exit 0), ike-initiate establishing an
# SA against it (both state directories agree on the SPIs), its SAs and
# --pool leases taken back from the state dir after a restart, SIGHUP re-reading
# certificates and EAP secrets, --dh-reuse, a forged request that does
# not move the SA, and refused events limited to 10 a second.  strongSwan as
# initiator is in tests/interop/respond-strongswan.bats.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load lib

setup() {
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	R=$IKEKIT_BIN/ike-respond
	I=$IKEKIT_BIN/ike-initiate
	T=$BATS_TEST_TMPDIR
	[ -x "$R" ] || fail "ike-respond not built: $R (run make)"
	printf 'lab-psk\n' >"$T/psk"
	chmod 600 "$T/psk"
	ARGS=(--psk-file "$T/psk" --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16
		--ts 10.2.0.0/16 -S "$T/state")
	PID=
}

teardown() {
	if [ -n "$PID" ] && [ "$(cat "/proc/$PID/comm" 2>/dev/null)" = ike-respond ]; then
		kill -KILL "$PID" 2>/dev/null
	fi
}

# start PORT ARGS... : ike-respond in the background on 127.0.0.1:PORT
start() {
	local port=$1 i=0; shift
	"$R" --local "127.0.0.1:$port" "$@" >"$T/out" 2>"$T/err" &
	PID=$!
	until ss -Hlun 2>/dev/null | grep -q "127.0.0.1:$((port + 1)) "; do
		i=$((i + 1))
		[ $i -lt 100 ] && [ -d "/proc/$PID" ] || { cat "$T/err"; return 1; }
		sleep 0.05
	done
}

# stop : SIGTERM, wait, sets STATUS
stop() {
	kill -TERM "$PID"
	STATUS=0
	wait "$PID" || STATUS=$?
	PID=
}

@test "--help prints the synopsis on stdout and exits 0" {
	run "$R" --help
	assert_success
	assert_line --index 0 --partial "usage: ike-respond --local"
}

@test "an unknown option or an argument is a usage error (exit 2)" {
	run --separate-stderr "$R" --bogus
	assert_failure 2
	[[ $stderr == *"usage: ike-respond"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 "${ARGS[@]}" extra
	assert_failure 2
	[[ $stderr == *"unexpected argument 'extra'"* ]]
}

@test "each required option is asked for by name (exit 2)" {
	run --separate-stderr "$R" "${ARGS[@]}"
	assert_failure 2
	[[ $stderr == *"missing --local"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --ts 10.2.0.0/16
	assert_failure 2
	[[ $stderr == *"missing --psk-file"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 --psk-file "$T/psk" --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16
	assert_failure 2
	[[ $stderr == *"missing --ts"* ]]
}

@test "bad --local, proposals and selectors are usage errors (exit 2)" {
	run --separate-stderr "$R" --local nowhere "${ARGS[@]}"
	assert_failure 2
	[[ $stderr == *"--local: 'nowhere'"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 "${ARGS[@]}" --ike aes999-prfsha256-x25519
	assert_failure 2
	[[ $stderr == *"--ike:"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 "${ARGS[@]}" --esp bogus
	assert_failure 2
	[[ $stderr == *"--esp:"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 "${ARGS[@]}" --ts 10.2.0.0/16=10.1.0.0/16
	assert_failure 2
	[[ $stderr == *"--ts:"* ]]
}

@test "a missing PSK file is a local error (exit 5) naming the file" {
	run --separate-stderr "$R" --local 127.0.0.1 "${ARGS[@]}" --psk-file "$T/nope"
	assert_failure 5
	[[ $stderr == *"$T/nope"* ]]
}

@test "a second ike-respond on the same state directory is exit 5" {
	local port
	port=$(port_pair)
	start "$port" "${ARGS[@]}"
	run --separate-stderr "$R" --local "127.0.0.1:$((port + 2))" "${ARGS[@]}"
	assert_failure 5
	[[ $stderr == *"another ike-respond serves this state directory"* ]]
	stop
	assert_equal "$STATUS" 0
}

@test "a port already taken by another program is exit 5" {
	local port
	port=$(port_pair)
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").close()
time.sleep(10)' "$port" "$BATS_TEST_TMPDIR/bound" &
	local holder=$! i
	# the port is taken once the holder says so (python may start slowly)
	for ((i = 0; i < 100; i++)); do
		[ -e "$BATS_TEST_TMPDIR/bound" ] && break
		sleep 0.1
	done
	[ -e "$BATS_TEST_TMPDIR/bound" ] || fail "the holder did not bind in 10 s"
	run --separate-stderr timeout 10 "$R" --local "127.0.0.1:$port" "${ARGS[@]}"
	kill "$holder"
	wait "$holder" || true
	assert_failure 5
	[[ $stderr == *"bind: Address already in use"* ]]
}

@test "SIGTERM and SIGINT stop it with exit 0; SIGHUP does not" {
	local port
	port=$(port_pair)
	start "$port" "${ARGS[@]}"
	kill -HUP "$PID"
	sleep 0.2
	[ -d "/proc/$PID" ] || fail "SIGHUP stopped it"
	stop
	assert_equal "$STATUS" 0
	start "$port" "${ARGS[@]}"
	kill -INT "$PID"
	STATUS=0
	wait "$PID" || STATUS=$?
	PID=
	assert_equal "$STATUS" 0
}

@test "ike-initiate establishes against it; both state dirs agree, the PSK is in no output" {
	local port ri rr ci cr
	port=$(port_pair)
	start "$port" "${ARGS[@]}" --json
	run --separate-stderr "$I" --peer "127.0.0.1:$port" --psk-file "$T/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
		--ts 10.1.0.0/16=10.0.0.0/8 -S "$T/istate" --timeout 5
	assert_success
	sleep 0.2
	stop
	assert_equal "$STATUS" 0
	name=$(ls "$T/state")
	assert_equal "$name" "$(ls "$T/istate")"
	ri=$T/state/$name/ike.sa ci=$T/istate/$name/ike.sa
	grep -qx 'role=responder' "$ri"
	assert_equal "$(grep -E '^(ispi|rspi)=' "$ri")" "$(grep -E '^(ispi|rspi)=' "$ci")"
	rr=$(ls "$T"/state/"$name"/child.*.sa) cr=$(ls "$T"/istate/"$name"/child.*.sa)
	assert_equal "$(sed -n 's/^spi_in=//p' "$rr")" "$(sed -n 's/^spi_out=//p' "$cr")"
	assert_equal "$(sed -n 's/^spi_out=//p' "$rr")" "$(sed -n 's/^spi_in=//p' "$cr")"
	assert_equal "$(sed -n 's/^key_in_e=//p' "$rr")" "$(sed -n 's/^key_out_e=//p' "$cr")"
	# the responder narrowed TSr 10.0.0.0/8 to its 10.2.0.0/16
	grep -qx 'local_ts=10.2.0.0/16' "$rr"
	grep -qx 'remote_ts=10.2.0.0/16' "$cr"
	grep -q "\"event\":\"established\",\"name\":\"$name\"" "$T/out"
	! grep -q lab-psk "$T/out" "$T/err"
}

# --- the initiator's rekeys and Deletes (ike-rekey against ike-respond) -------

kv() { sed -n "s/^$2=//p" "$1"; }

# peer_up PORT : ike-respond (--json, -v, --keys-out, --pcap) on PORT and
# an SA "s" from ike-initiate on a port of its own; NAME is its name here;
# ike-rekey then sends to PORT+1
peer_up() {
	local lport
	start "$1" "${ARGS[@]}" --json -v --keys-out "$T/keys" --pcap "$T/r.pcap" ||
		fail "ike-respond did not start"
	lport=$(port_pair)
	run --separate-stderr "$I" --peer "127.0.0.1:$1" --local "127.0.0.1:$lport" \
		--psk-file "$T/psk" --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
		--ts 10.1.0.0/16=10.2.0.0/16 -S "$T/istate" --name s --timeout 5
	assert_success
	NAME=$(ls "$T/state")
	[ -n "$NAME" ] || fail "no SA in ike-respond's state dir"
	# off port 500 ike-rekey speaks NAT-T (the non-ESP marker): to our
	# NAT-T port then, as after a move there (ike-respond answers anywhere)
	sed -i "s/^remote=127.0.0.1:$1\$/remote=127.0.0.1:$(($1 + 1))/" "$T/istate/s/ike.sa"
	grep -qx "remote=127.0.0.1:$(($1 + 1))" "$T/istate/s/ike.sa" || fail "ike.sa: no remote= to move"
}

# children DIR A B : "spi_A spi_B key_A_e key_B_e" of each Child SA file of DIR
children() {
	local f
	for f in "$1"/child.*.sa; do
		[ -f "$f" ] || continue
		printf '%s %s %s %s\n' "$(kv "$f" "spi_$2")" "$(kv "$f" "spi_$3")" \
			"$(kv "$f" "key_$2_e")" "$(kv "$f" "key_$3_e")"
	done | sort
}

# agree : both state dirs hold the same IKE SA (SPIs, keys) and the same
# Child SAs, crosswise (our inbound SPI and keys are the initiator's outbound)
agree() {
	local r=$T/state/$NAME/ike.sa i=$T/istate/s/ike.sa k
	for k in ispi rspi sk_d sk_ei sk_er; do
		[ "$(kv "$r" $k)" = "$(kv "$i" $k)" ] || { echo "ike.sa: $k differs"; return 1; }
	done
	[ -n "$(children "$T/state/$NAME" in out)" ] || { echo "no Child SA"; return 1; }
	[ "$(children "$T/state/$NAME" in out)" = "$(children "$T/istate/s" out in)" ] ||
		{ echo "Child SAs differ: $(ls "$T/state/$NAME") / $(ls "$T/istate/s")"; return 1; }
}

# events WHAT : ike-respond's --json events WHAT so far, compact, one a line
events() { jq -c --arg e "$1" 'select(.event == $e)' "$T/out"; }

@test "the initiator's rekeys are answered: Child SA, with PFS, IKE SA, then a Child SA on the new IKE SA; the state dirs agree after each, one event per change" {
	local port K=$IKEKIT_BIN/ike-rekey old oldike c1 n
	[ -x "$K" ] || fail "ike-rekey not built"
	port=$(port_pair)
	peer_up "$port"
	sleep 0.2
	agree || fail "after IKE_AUTH: $(agree)"
	old=$(kv "$T/state/$NAME"/child.*.sa spi_in)
	# a Child SA rekey: the new one recorded, the old one's file gone
	run --separate-stderr "$K" -S "$T/istate" --timeout 5 s
	assert_success
	agree || fail "after the Child SA rekey: $(agree)"
	[ ! -e "$T/state/$NAME/child.${old#0x}.sa" ] || fail "the old Child SA's file is left"
	# ike.sa's child= follows the rekey (ike-rekey --auto watches it)
	n=$(kv "$T/state/$NAME"/child.*.sa spi_in)
	assert_equal "$(kv "$T/state/$NAME/ike.sa" child)" "${n#0x}"
	c1=$(events child-up)
	[ "$(wc -l <<<"$c1")" = 1 ] || fail "child-up events: $c1"
	assert_equal "$(jq -r .rekeys.spi_in <<<"$c1")" "$old"
	assert_equal "$(jq -r .child.spi_in <<<"$c1")" "$(kv "$T/state/$NAME"/child.*.sa spi_in)"
	assert_equal "$(events deleted-child | jq -r .child.spi_in)" "$old"
	# with PFS (a KE of x25519): the same
	run --separate-stderr "$K" -S "$T/istate" --timeout 5 --pfs x25519 s
	assert_success
	agree || fail "after the Child SA rekey with PFS: $(agree)"
	[ "$(events child-up | wc -l)" = 2 ] || fail "not 2 child-up events"
	# the IKE SA: new SPIs and keys in ike.sa, the Child SA stays
	oldike=$(kv "$T/state/$NAME/ike.sa" ispi)/$(kv "$T/state/$NAME/ike.sa" rspi)
	c1=$(children "$T/state/$NAME" in out)
	run --separate-stderr "$K" -S "$T/istate" --timeout 5 --ike s
	assert_success
	agree || fail "after the IKE SA rekey: $(agree)"
	assert_equal "$(children "$T/state/$NAME" in out)" "$c1"
	[ "$(kv "$T/state/$NAME/ike.sa" ispi)/$(kv "$T/state/$NAME/ike.sa" rspi)" != "$oldike" ] ||
		fail "ike.sa keeps the old SPIs"
	assert_equal "$(kv "$T/state/$NAME/ike.sa" msgid_in)" 0
	n=$(events ike-rekeyed)
	[ "$(wc -l <<<"$n")" = 1 ] || fail "ike-rekeyed events: $n"
	assert_equal "$(jq -r '.old_ispi + "/" + .old_rspi' <<<"$n")" "$oldike"
	# a Child SA rekey on the new IKE SA (message IDs from 0)
	run --separate-stderr "$K" -S "$T/istate" --timeout 5 s
	assert_success
	agree || fail "after a Child SA rekey on the new IKE SA: $(agree)"
	assert_equal "$(kv "$T/state/$NAME/ike.sa" msgid_in)" 2
	# one event per change: 3 Child SAs up and 3 deleted, nothing refused
	[ "$(events child-up | wc -l)" = 3 ] && [ "$(events deleted-child | wc -l)" = 3 ] ||
		fail "events: $(cat "$T/out")"
	[ -z "$(events refused)" ] || fail "refused: $(events refused)"
	run --separate-stderr "$K" -S "$T/istate" --timeout 5 --delete --ike s
	assert_success
	sleep 0.2
	[ ! -e "$T/state/$NAME" ] || fail "the SA is still in the state dir"
	[ "$(events deleted | wc -l)" = 1 ] || fail "deleted events: $(events deleted)"
	stop
	assert_equal "$STATUS" 0
	# --keys-out: each Child SA's two ESP lines (4 Child SAs), each IKE SA's line
	# (ike-decode takes only ports 500 and 4500: the capture is decoded in
	# tests/interop/respond-rekey-strongswan.bats)
	assert_equal "$(wc -l <"$T/keys/esp_sa")" 8
	grep -qi "^${oldike%/*},${oldike#*/}," "$T/keys/ikev2_decryption_table" || fail "no line of the first IKE SA"
	grep -qi "^$(jq -r .ispi <<<"$n"),$(jq -r .rspi <<<"$n")," "$T/keys/ikev2_decryption_table" ||
		fail "no line of the IKE SA made by the rekey"
	! grep -q lab-psk "$T/out" "$T/err"
}

@test "started again on its state dir, it takes its SA back: the initiator's rekeys and Delete are answered; an initiator's SA and one of another address are not taken" {
	local port K=$IKEKIT_BIN/ike-rekey ike
	[ -x "$K" ] || fail "ike-rekey not built"
	port=$(port_pair)
	peer_up "$port"
	sleep 0.2
	agree || fail "after IKE_AUTH: $(agree)"
	ike=$(kv "$T/state/$NAME/ike.sa" ispi)
	stop
	assert_equal "$STATUS" 0
	# not ours: an initiator's SA, and a responder's on another address
	cp -a "$T/istate/s" "$T/state/theirs"
	cp -a "$T/state/$NAME" "$T/state/elsewhere"
	sed -i "s/^local=127.0.0.1:/local=127.0.0.2:/" "$T/state/elsewhere/ike.sa"
	start "$port" "${ARGS[@]}" --json -v || fail "ike-respond did not start again"
	sleep 0.2
	grep -q "ike-respond: 1 SAs taken back from $T/state\$" "$T/err" || fail "stderr: $(cat "$T/err")"
	[ "$(events resumed | wc -l)" = 1 ] || fail "events: $(cat "$T/out")"
	assert_equal "$(events resumed | jq -r '.name + " " + .ispi')" "$NAME $ike"
	grep -q "theirs: not taken: theirs/ike.sa: not a responder's IKE SA on 127.0.0.1:$port" "$T/err" ||
		fail "stderr: $(cat "$T/err")"
	grep -q "elsewhere: not taken: elsewhere/ike.sa: not a responder's IKE SA" "$T/err" ||
		fail "stderr: $(cat "$T/err")"
	rm -r "${T:?}/state/theirs" "${T:?}/state/elsewhere"
	# the initiator goes on with the SA: a Child SA rekey, an IKE SA rekey
	run --separate-stderr "$K" -S "$T/istate" --timeout 5 s
	assert_success
	agree || fail "after the Child SA rekey: $(agree)"
	run --separate-stderr "$K" -S "$T/istate" --timeout 5 --ike s
	assert_success
	agree || fail "after the IKE SA rekey: $(agree)"
	[ "$(kv "$T/state/$NAME/ike.sa" ispi)" != "$ike" ] || fail "ike.sa keeps the old SPIs"
	[ "$(events child-up | wc -l)" = 1 ] && [ "$(events ike-rekeyed | wc -l)" = 1 ] ||
		fail "events: $(cat "$T/out")"
	run --separate-stderr "$K" -S "$T/istate" --timeout 5 --delete --ike s
	assert_success
	sleep 0.2
	[ ! -e "$T/state/$NAME" ] || fail "the SA is still in the state dir"
	[ "$(events deleted | wc -l)" = 1 ] || fail "deleted events: $(events deleted)"
	[ -z "$(events refused)" ] || fail "refused: $(events refused)"
	stop
	assert_equal "$STATUS" 0
}

@test "a retransmitted CREATE_CHILD_SA gets the response already sent, byte for byte (a Child SA rekey and an IKE SA rekey); no second SA is made" {
	local port K=$IKEKIT_BIN/ike-rekey kpid st what opt
	[ -x "$K" ] || fail "ike-rekey not built"
	port=$(port_pair)
	peer_up "$port"
	for what in child ike; do
		# ike-respond held still while ike-rekey sends its request twice
		kill -STOP "$PID"
		opt=()
		[ "$what" = child ] || opt=(--ike)
		"$K" -S "$T/istate" --timeout 8 "${opt[@]}" s \
			>"$T/rekey.out" 2>"$T/rekey.err" &
		kpid=$!
		sleep 1
		kill -CONT "$PID"
		st=0
		wait "$kpid" || st=$?
		[ "$st" = 0 ] || fail "ike-rekey ($what): exit $st: $(cat "$T/rekey.err")"
		agree || fail "after the $what rekey: $(agree)"
	done
	[ "$(grep -c 'CREATE_CHILD_SA request [0-9]* retransmitted: response resent' "$T/err")" -ge 2 ] ||
		fail "no retransmission answered: $(cat "$T/err")"
	[ "$(events child-up | wc -l)" = 1 ] && [ "$(events ike-rekeyed | wc -l)" = 1 ] ||
		fail "events: $(cat "$T/out")"
	stop
	assert_equal "$STATUS" 0
	# each CREATE_CHILD_SA response went out twice, the same bytes
	python3 - "$T/r.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
e = '<' if d[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
off, resp = 24, {}
while off + 16 <= len(d):
    n = struct.unpack(e + 'I', d[off + 8:off + 12])[0]
    f = d[off + 16:off + 16 + n]
    off += 16 + n
    ip = f[(f[0] & 15) * 4:] if f and f[0] >> 4 == 4 else None
    if ip is None:
        continue
    ike = ip[8:]
    if ike[:4] == b'\0\0\0\0':
        ike = ike[4:]
    if len(ike) >= 28 and ike[18] == 36 and ike[19] & 0x20:
        resp.setdefault((ike[:16], ike[20:24]), []).append(bytes(ike))
if len(resp) != 2:
    sys.exit('CREATE_CHILD_SA responses: %d exchanges, not 2' % len(resp))
for k, v in resp.items():
    if len(v) < 2 or len(set(v)) != 1:
        sys.exit('msgid %d: %d responses, %d different' % (struct.unpack('!I', k[1])[0], len(v), len(set(v))))
PY
}

@test "--pool across a restart: the state dir's leases are taken back; removing an SA's files frees its address" {
	local port name
	port=$(port_pair)
	start "$port" "${ARGS[@]}" --pool 10.3.7.8/31
	run --separate-stderr "$I" --peer "127.0.0.1:$port" --psk-file "$T/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 -S "$T/i1" \
		--timeout 5 --vip --ts =10.2.0.0/16
	assert_success
	name=${lines[0]}
	assert_equal "${lines[1]}" "vip=10.3.7.8"
	stop
	grep -qx 'vip=10.3.7.8' "$T/state/$name/ike.sa"
	# restarted on the same state dir: 10.3.7.8 is still the peer's
	start "$port" "${ARGS[@]}" --pool 10.3.7.8/31 -v
	run --separate-stderr "$I" --peer "127.0.0.1:$port" --psk-file "$T/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 -S "$T/i2" \
		--timeout 5 --vip --ts =10.2.0.0/16
	assert_success
	assert_equal "${lines[1]}" "vip=10.3.7.9"
	grep -q "1 leases of SAs in .* kept until their files go" "$T/err"
	run --separate-stderr "$I" --peer "127.0.0.1:$port" --psk-file "$T/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 -S "$T/i3" \
		--timeout 5 --vip --ts =10.2.0.0/16
	assert_failure 3
	# the pool is full; the first SA's files go (as ike-state or esp-tun
	# would remove them): its address is handed out again
	rm -r "${T:?}/state/$name"
	sleep 1.5
	run --separate-stderr "$I" --peer "127.0.0.1:$port" --psk-file "$T/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 -S "$T/i3" \
		--timeout 5 --vip --ts =10.2.0.0/16
	assert_success
	assert_equal "${lines[1]}" "vip=10.3.7.8"
	stop
	assert_equal "$STATUS" 0
}

@test "--lifetime, --lifetime-bytes, --lifetime-packets: bad values are usage errors; each side records its own limits, with soft ones 80-90% of them" {
	local port v ci cr s
	# bounded: a value taken would start it
	for v in 0 x 4294967296; do
		run --separate-stderr timeout 5 "$R" --local 127.0.0.1 "${ARGS[@]}" --lifetime "$v"
		assert_failure 2
		[[ $stderr == "ike-respond: --lifetime: '$v': not a number of seconds from 1 to 4294967295"* ]] || fail "$v: $stderr"
	done
	for v in 0 x 18446744073709551616; do
		run --separate-stderr timeout 5 "$R" --local 127.0.0.1 "${ARGS[@]}" --lifetime-packets "$v"
		assert_failure 2
		[[ $stderr == "ike-respond: --lifetime-packets: '$v': not a count from 1"* ]] || fail "$v: $stderr"
		run --separate-stderr timeout 5 "$R" --local 127.0.0.1 "${ARGS[@]}" --lifetime-bytes "$v"
		assert_failure 2
		[[ $stderr == "ike-respond: --lifetime-bytes: '$v': not a count from 1"* ]] || fail "$v: $stderr"
	done
	port=$(port_pair)
	start "$port" "${ARGS[@]}" --lifetime 50 --lifetime-bytes 5000
	run --separate-stderr "$I" --peer "127.0.0.1:$port" --psk-file "$T/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
		--ts 10.1.0.0/16=10.2.0.0/16 -S "$T/istate" --timeout 5 \
		--lifetime 100 --lifetime-packets 1000
	assert_success
	sleep 0.2
	stop
	assert_equal "$STATUS" 0
	ci=$(ls "$T"/istate/*/child.*.sa) cr=$(ls "$T"/state/*/child.*.sa)
	# the initiator's
	assert_equal "$(kv "$ci" lifetime_secs)" 100
	assert_equal "$(kv "$ci" lifetime_packets)" 1000
	assert_equal "$(kv "$ci" lifetime_bytes)" ""
	assert_equal "$(kv "$ci" soft_bytes)" ""
	s=$(kv "$ci" soft_secs)
	[ "$s" -ge 80 ] && [ "$s" -le 90 ] || fail "soft_secs=$s"
	s=$(kv "$ci" soft_packets)
	[ "$s" -ge 800 ] && [ "$s" -le 900 ] || fail "soft_packets=$s"
	# the responder's
	assert_equal "$(kv "$cr" lifetime_secs)" 50
	assert_equal "$(kv "$cr" lifetime_bytes)" 5000
	assert_equal "$(kv "$cr" lifetime_packets)" ""
	s=$(kv "$cr" soft_secs)
	[ "$s" -ge 40 ] && [ "$s" -le 45 ] || fail "soft_secs=$s"
	s=$(kv "$cr" soft_bytes)
	[ "$s" -ge 4000 ] && [ "$s" -le 4500 ] || fail "soft_bytes=$s"
	[ -n "$(kv "$cr" created)" ] || fail "no created="
}

# wait_line N ERE FILE : FILE has at least N lines matching ERE within 5 s
wait_line() {
	local i
	for i in $(seq 50); do
		[ "$(grep -cE "$2" "$3")" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "no $1 lines '$2' in $3: $(cat "$3")"
}

@test "SIGHUP re-reads --cert/--key/--ca; a file that no longer loads keeps the old ones; SAs stay" {
	local V=$IKEKIT_TOP/tests/vectors/certs port s1 s2 s3
	cp "$V"/ca.crt.pem "$V"/rsa.*.pem "$T"/
	cp "$V"/ec256.crt.pem "$T/r.crt.pem"
	cp "$V"/ec256.key.pem "$T/r.key.pem"
	chmod 600 "$T"/*.key.pem
	port=$(port_pair)
	start "$port" --cert "$T/r.crt.pem" --key "$T/r.key.pem" --ca "$T/ca.crt.pem" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --ts 10.2.0.0/16 -S "$T/state"
	cert_initiate() {
		run --separate-stderr "$I" --peer "127.0.0.1:$port" --cert "$T/rsa.crt.pem" \
			--key "$T/rsa.key.pem" --ca "$T/ca.crt.pem" --ike aes256gcm16-prfsha256-x25519 \
			--esp aes256gcm16 --ts 10.1.0.0/16=10.2.0.0/16 -S "$T/$1" --timeout 5
	}
	cert_initiate i1
	assert_success
	s1=$output
	grep -q "^remote_id=.*CN=ec256\$" "$T/i1/$s1/ike.sa"
	# a new certificate and key (another key type): the next peer sees it
	cp "$V"/ed25519.crt.pem "$T/r.crt.pem"
	cp "$V"/ed25519.key.pem "$T/r.key.pem"
	kill -HUP "$PID"
	wait_line 1 "^ike-respond: $T/r.crt.pem: certificates, key and CA re-read\$" "$T/err"
	cert_initiate i2
	assert_success
	s2=$output
	grep -q "^remote_id=.*CN=ed25519\$" "$T/i2/$s2/ike.sa"
	# a broken certificate file: a warning, the old one stays
	printf 'junk\n' >"$T/r.crt.pem"
	kill -HUP "$PID"
	wait_line 1 "^ike-respond: $T/r.crt.pem: no PEM certificate in it; certificates not re-read: the old ones stay\$" "$T/err"
	cert_initiate i3
	assert_success
	s3=$output
	grep -q "^remote_id=.*CN=ed25519\$" "$T/i3/$s3/ike.sa"
	# the first SA was not touched
	[ -f "$T/state/$s1/ike.sa" ]
	grep -q "^local_id=.*CN=ec256\$" "$T/state/$s1/ike.sa"
	[ -d /proc/"$PID" ]
	stop
	assert_equal "$STATUS" 0
	assert_equal "$(grep -c '^established ' "$T/out")" 3
}

@test "SIGHUP re-reads --eap-secrets; a file that no longer loads keeps the old users" {
	local V=$IKEKIT_TOP/tests/vectors/certs port
	cp "$V"/ca.crt.pem "$V"/ec256.*.pem "$T"/
	chmod 600 "$T"/*.key.pem
	printf 'carol : old-pass\n' >"$T/secrets"
	printf 'old-pass\n' >"$T/pw-old"
	printf 'new-pass\n' >"$T/pw-new"
	chmod 600 "$T/secrets" "$T/pw-old" "$T/pw-new"
	port=$(port_pair)
	start "$port" --cert "$T/ec256.crt.pem" --key "$T/ec256.key.pem" --ca "$T/ca.crt.pem" \
		--eap-secrets "$T/secrets" --ike aes256gcm16-prfsha256-x25519 \
		--esp aes256gcm16 --ts 10.2.0.0/16 -S "$T/state"
	eap_initiate() {
		run --separate-stderr "$I" --peer "127.0.0.1:$port" --eap-id carol \
			--ca "$T/ca.crt.pem" --eap-password-file "$T/pw-$1" \
			--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
			--ts 10.1.0.0/16=10.2.0.0/16 -S "$T/i-$1" --timeout 5
	}
	eap_initiate old
	assert_success
	printf 'carol : new-pass\n' >"$T/secrets"
	kill -HUP "$PID"
	wait_line 1 "^ike-respond: $T/secrets: 1 users re-read\$" "$T/err"
	eap_initiate old
	assert_failure 3
	eap_initiate new
	assert_success
	printf 'carol new-pass\n' >"$T/secrets"	# no ':'
	kill -HUP "$PID"
	wait_line 1 "^ike-respond: $T/secrets: line 1: .*; users not re-read: the old ones stay\$" "$T/err"
	eap_initiate new
	assert_success
	if grep -qE 'old-pass|new-pass' "$T/err" "$T/out"; then
		fail "a password was logged"
	fi
	stop
	assert_equal "$STATUS" 0
}

# resp_kes PCAP : the KE data (hex) of each IKE_SA_INIT response in PCAP
# (ike-respond's --pcap: raw IPv4, UDP, IKE), one a line
resp_kes() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
at = 24
while at + 16 <= len(d):
    n = struct.unpack_from("<I", d, at + 8)[0]
    pkt = d[at + 16:at + 16 + n]; at += 16 + n
    ike = pkt[(pkt[0] & 15) * 4 + 8:]
    if ike[:4] == b"\0\0\0\0": ike = ike[4:]
    if len(ike) < 28 or ike[18] != 34 or not ike[19] & 0x20: continue
    nxt, off = ike[16], 28
    while nxt and off + 4 <= len(ike):
        ln = struct.unpack_from(">H", ike, off + 2)[0]
        if nxt == 34: print(ike[off + 8:off + ln].hex())
        nxt, off = ike[off], off + ln
PY
}

@test "--dh-reuse: one key pair answers every IKE_SA_INIT for its lifetime, each SA still gets its own keys; without it a key pair per SA; bad values are usage errors" {
	local port n kes
	for bad in -1 301 x ''; do
		run --separate-stderr "$R" --local 127.0.0.1 "${ARGS[@]}" --dh-reuse "$bad"
		assert_failure 2
		[[ $stderr == *"--dh-reuse"* ]]
	done
	for reuse in 60 0; do
		port=$(port_pair)
		rm -rf "$T/state" "$T/istate"
		start "$port" "${ARGS[@]}" --dh-reuse "$reuse" --pcap "$T/r$reuse.pcap"
		for n in a b c; do
			run --separate-stderr "$I" --peer "127.0.0.1:$port" --psk-file "$T/psk" \
				--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
				--ts 10.1.0.0/16=10.2.0.0/16 -S "$T/istate" --name $n --timeout 5
			assert_success
		done
		stop
		kes=$(resp_kes "$T/r$reuse.pcap")
		assert_equal "$(wc -l <<<"$kes")" 3
		[[ $kes =~ ^[0-9a-f]{64} ]] || fail "no KE data: $kes"
		if [ "$reuse" = 60 ]; then
			assert_equal "$(sort -u <<<"$kes" | wc -l)" 1
		else
			assert_equal "$(sort -u <<<"$kes" | wc -l)" 3
		fi
		# three SAs, three SK_d (the nonces differ)
		assert_equal "$(cat "$T"/istate/*/ike.sa | sed -n 's/^sk_d=//p' | sort -u | wc -l)" 3
	done
}

# relay_forge LPORT RPORT RPID : a UDP relay on 127.0.0.3:LPORT and
# 127.0.0.3:4500 (the NAT-T port an initiator floats to: the relay is a
# NAT) to ike-respond on RPORT and RPORT+1 (pid RPID); the moment it has the IKE_AUTH
# request it stops ike-respond, passes the request on and sends an
# INFORMATIONAL request of that SA from 127.0.0.2 whose SK cannot verify,
# then lets ike-respond go on: both are read in one round. Runs 10 s.
relay_forge() {
	python3 - "$@" <<'PY' &
import os, select, signal, socket, struct, sys, time
lp, rp, rpid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
up, down, client = [], [], {}
for i in range(2):
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.3", (lp, 4500)[i])); up.append(a)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", 0)); down.append(b)
end, forged = time.time() + 10, False
while time.time() < end:
    for s in select.select(up + down, [], [], 0.2)[0]:
        d, src = s.recvfrom(65535)
        if s in up:
            i = up.index(s); client[i] = src
            ike = d[4:] if i == 1 else d
            if len(ike) >= 28 and ike[18] == 35 and not forged:
                forged = True
                os.kill(rpid, signal.SIGSTOP)
                down[i].sendto(d, ("127.0.0.1", rp + i))
                sk = struct.pack(">BBH", 0, 0, 52) + bytes(48)
                f = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); f.bind(("127.0.0.2", 0))
                f.sendto(b"\0\0\0\0" * i + ike[:16] + struct.pack(">BBBBII", 46, 0x20, 37, 8, 2, 80) + sk,
                         ("127.0.0.1", rp + i))
                time.sleep(0.1)
                os.kill(rpid, signal.SIGCONT)
            else:
                down[i].sendto(d, ("127.0.0.1", rp + i))
        else:
            i = down.index(s)
            if i in client: up[i].sendto(d, client[i])
PY
	RELAY=$!
}

@test "a request that does not verify does not move the SA: after the IKE_AUTH, a forged request in the same round leaves ike.sa's remote= alone" {
	local port lport
	port=$(port_pair)
	lport=$(port_pair)
	start "$port" "${ARGS[@]}" -v
	relay_forge "$lport" "$port" "$PID"
	sleep 0.5
	run --separate-stderr "$I" --peer "127.0.0.3:$lport" --psk-file "$T/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
		--ts 10.1.0.0/16=10.2.0.0/16 -S "$T/istate" --name s --timeout 5
	assert_success
	kill "$RELAY" 2>/dev/null; wait "$RELAY" 2>/dev/null || :
	stop
	grep -Eq 'INFORMATIONAL( \(MOBIKE\))? dropped: integrity check failed' "$T/err" || fail "no forgery seen: $(cat "$T/err")"
	run sed -n 's/^remote=//p' "$T"/state/*/ike.sa
	assert_output --regexp '^127\.0\.0\.1:[0-9]+$'
}

@test "refused IKE_SA_INIT events are at most 10 a second; the number left out is on stderr; others are still served" {
	local port n
	port=$(port_pair)
	start "$port" "${ARGS[@]}"
	# one refused request as ike-initiate sends it, kept in a capture ...
	run --separate-stderr "$I" --peer "127.0.0.1:$port" --psk-file "$T/psk" \
		--ike aes128-sha256-modp2048 --esp aes256gcm16 --pcap "$T/bad.pcap" \
		--ts 10.1.0.0/16=10.2.0.0/16 -S "$T/istate" --timeout 5
	assert_failure 3
	# ... then sent again 200 times with other SPIs, at once
	python3 - "$T/bad.pcap" "$port" <<'PY'
import socket, struct, sys
d = open(sys.argv[1], "rb").read()
n = struct.unpack_from("<I", d, 24 + 8)[0]
pkt = d[40:40 + n]
ike = pkt[(pkt[0] & 15) * 4 + 8:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(200):
    s.sendto(struct.pack(">Q", 0x1000 + i) + ike[8:], ("127.0.0.1", int(sys.argv[2])))
PY
	sleep 1.2
	run --separate-stderr "$I" --peer "127.0.0.1:$port" --psk-file "$T/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
		--ts 10.1.0.0/16=10.2.0.0/16 -S "$T/istate" --timeout 5
	assert_success
	stop
	n=$(grep -c '^refused .* NO_PROPOSAL_CHOSEN' "$T/out")
	[ "$n" -ge 10 ] && [ "$n" -le 30 ] || fail "$n refused events"
	grep -q 'refusals of IKE_SA_INIT not written as events (more than 10 a second)' "$T/err" ||
		fail "no count of those left out: $(cat "$T/err")"
	grep -q '^established ' "$T/out"
}
