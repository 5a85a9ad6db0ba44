#!/usr/bin/env bats
# frag.bats: --frag-mtu of ike-initiate(8) and ike-respond(8) (IKE
# fragmentation, RFC 7383): the option's range (exit 2), and a loopback
# exchange with certificates and --frag-mtu 576 whose IKE_AUTH request and
# response travel as SKF fragments that ike-decode(1) reassembles.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load lib

setup() {
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	I=$IKEKIT_BIN/ike-initiate
	R=$IKEKIT_BIN/ike-respond
	D=$IKEKIT_BIN/ike-decode
	T=$BATS_TEST_TMPDIR
	V=$IKEKIT_TOP/tests/vectors/certs
	[ -x "$I" ] && [ -x "$R" ] || fail "not built (run make)"
	cp "$V"/*.pem "$T"/
	chmod 600 "$T"/*.key.pem
	PROPS=(--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16)
	PID=
}

teardown() {
	if [ -n "$PID" ] && [ "$(cat "/proc/$PID/comm" 2>/dev/null)" = ike-respond ]; then
		kill -KILL "$PID" 2>/dev/null
	fi
	true
}

cred() {	# cred NAME: --cert/--key of a lab certificate, --ca ca
	printf '%s\n' --cert "$T/$1.crt.pem" --key "$T/$1.key.pem" --ca "$T/ca.crt.pem"
}

@test "--frag-mtu: 0 or 256 to 65535, else exit 2; both --help show it" {
	local v
	for v in 255 65536 x -1 ''; do
		run "$I" --peer 127.0.0.1 --psk-file /nonexistent "${PROPS[@]}" --ts 10.1.0.0/16=10.2.0.0/16 --frag-mtu "$v"
		assert_failure 2
		assert_line --index 0 --partial "ike-initiate: --frag-mtu: '$v'"
		run "$R" --local 127.0.0.1:1 --psk-file /nonexistent "${PROPS[@]}" --ts 10.2.0.0/16 --frag-mtu "$v"
		assert_failure 2
		assert_line --index 0 --partial "ike-respond: --frag-mtu"
	done
	run "$I" --help
	assert_output --partial "[--frag-mtu bytes]"
	run "$R" --help
	assert_output --partial "[--frag-mtu bytes]"
}

@test "loopback with certificates and --frag-mtu 576: IKE_AUTH both ways in SKF fragments" {
	local i=0 spis
	PORT=$(port_pair)
	# shellcheck disable=SC2046
	"$R" --local "127.0.0.1:$PORT" $(cred ec256) "${PROPS[@]}" --ts 10.2.0.0/16 \
		-S "$T/state-r" --frag-mtu 576 -v >"$T/r.out" 2>"$T/r.err" &
	PID=$!
	until ss -Hlun 2>/dev/null | grep -q "127.0.0.1:$((PORT + 1)) "; do
		i=$((i + 1))
		[ $i -lt 100 ] && [ -d "/proc/$PID" ] || { cat "$T/r.err"; fail "ike-respond did not start"; }
		sleep 0.05
	done
	# shellcheck disable=SC2046
	run --separate-stderr "$I" --peer "127.0.0.1:$PORT" $(cred rsa) "${PROPS[@]}" \
		--ts 10.1.0.0/16=10.2.0.0/16 -S "$T/state-i" --timeout 5 --frag-mtu 576 \
		--pcap "$T/run.pcap" --keys-out "$T/keys" -v
	assert_success
	spis=$output
	sleep 0.2
	grep -q "^established $spis " "$T/r.out"
	kill -TERM "$PID"
	wait "$PID" || true
	PID=
	grep -q "reassembled from 3 fragments" "$T/r.err"
	[[ $stderr == *"reassembled from 2 fragments"* ]]
	run "$D" --keys "$T/keys" "$T/run.pcap"
	assert_success
	assert_line --index 2 --partial "IKE_AUTH I request msgid 1 spi ${spis%-*}/${spis#*-} [ SKF(1/3) ]"
	assert_line --index 4 --regexp 'IKE_AUTH I request .*\[ SKF\(3/3\)\{ IDi CERT CERTREQ AUTH SA TSi TSr N\(MOBIKE_SUPPORTED\) \} \]$'
	assert_line --index 5 --partial "IKE_AUTH R response msgid 1"
	assert_line --index 6 --regexp 'IKE_AUTH R response .*\[ SKF\(2/2\)\{ IDr CERT AUTH SA TSi TSr N\(MOBIKE_SUPPORTED\) \} \]$'
	# every datagram fits 576 bytes (raw IP in the capture)
	run python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
off, big = 24, 0
while off < len(d):
    n = struct.unpack_from("<I", d, off + 8)[0]
    big = max(big, n)
    off += 16 + n
print(big)' "$T/run.pcap"
	assert_success
	[ "$output" -le 576 ] && [ "$output" -gt 500 ]
}
