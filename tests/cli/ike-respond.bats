#!/usr/bin/env bats
# ike-respond.bats: the command line of ike-respond(8) on loopback: usage
# errors (exit 2), a missing key file (exit 5), bad proposal strings, a port
# already taken (exit 5), SIGTERM (exit 0), and ike-initiate establishing an
# SA against it (both state directories agree on the SPIs).  strongSwan as
# initiator is in tests/interop/respond-strongswan.bats.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

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

# two consecutive free UDP ports on 127.0.0.1: prints the first
port_pair() {
	python3 -c '
import socket
for _ in range(100):
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0))
    p = a.getsockname()[1]
    if p >= 65534: continue
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        b.bind(("127.0.0.1", p + 1))
    except OSError:
        continue
    print(p); break'
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
