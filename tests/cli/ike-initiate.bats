#!/usr/bin/env bats
# ike-initiate.bats: the command line of ike-initiate(8) without a peer:
# usage errors (exit 2), a missing key file (exit 5), bad proposal strings,
# and a timeout (exit 4) against a loopback port that never answers.
# The exchanges with a real peer are in tests/interop/initiate-strongswan.bats.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	I=$IKEKIT_BIN/ike-initiate
	T=$BATS_TEST_TMPDIR
	[ -x "$I" ] || fail "ike-initiate not built: $I (run make)"
	printf 'lab-psk\n' >"$T/psk"
	chmod 600 "$T/psk"
	ARGS=(--psk-file "$T/psk" --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16
		--ts 10.1.0.0/16=10.2.0.0/16 -S "$T/state")
}

# a UDP port on 127.0.0.1 that nobody listens on (bound, then released)
quiet_port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

@test "--help prints the synopsis on stdout and exits 0" {
	run "$I" --help
	assert_success
	assert_line --index 0 --partial "usage: ike-initiate --peer"
	run "$I" -h
	assert_success
}

@test "an unknown option is a usage error (exit 2)" {
	run --separate-stderr "$I" --bogus
	assert_failure 2
	assert_output ""
	[[ $stderr == *"usage: ike-initiate"* ]]
}

@test "missing --peer, --psk-file, --ike, --esp or --ts: exit 2 naming it" {
	run "$I" "${ARGS[@]}"
	assert_failure 2
	assert_line --index 0 "ike-initiate: missing --peer"
	run "$I" --peer 127.0.0.1 --ike aes128-sha256-modp2048 --esp aes128-sha256 --ts 10.1.0.0/16=10.2.0.0/16
	assert_failure 2
	assert_line --index 0 "ike-initiate: missing --psk-file or --cert"
	run "$I" --peer 127.0.0.1 --psk-file "$T/psk" --esp aes128-sha256 --ts 10.1.0.0/16=10.2.0.0/16
	assert_failure 2
	assert_line --index 0 "ike-initiate: missing --ike"
	run "$I" --peer 127.0.0.1 --psk-file "$T/psk" --ike aes128-sha256-modp2048 --ts 10.1.0.0/16=10.2.0.0/16
	assert_failure 2
	assert_line --index 0 "ike-initiate: missing --esp"
	run "$I" --peer 127.0.0.1 --psk-file "$T/psk" --ike aes128-sha256-modp2048 --esp aes128-sha256
	assert_failure 2
	assert_line --index 0 "ike-initiate: missing --ts"
}

@test "bad option values are usage errors naming the option" {
	run "$I" "${ARGS[@]}" --peer 192.0.2.300
	assert_failure 2
	assert_line --index 0 "ike-initiate: --peer: '192.0.2.300': not an address"
	run "$I" "${ARGS[@]}" --peer 127.0.0.1 --until never
	assert_failure 2
	assert_line --index 0 "ike-initiate: --until: 'never': not sa-init or auth"
	run "$I" "${ARGS[@]}" --peer 127.0.0.1 --timeout 0
	assert_failure 2
	assert_line --index 0 --partial "ike-initiate: --timeout: '0': not a number of seconds"
	run "$I" "${ARGS[@]}" --peer 127.0.0.1 --ts 10.1.0.0/16
	assert_failure 2
	assert_line --index 0 "ike-initiate: --ts: '10.1.0.0/16': not LOCAL=REMOTE"
	run "$I" "${ARGS[@]}" --peer 127.0.0.1 --ts 10.1.0.0/33=10.2.0.0/16
	assert_failure 2
	assert_line --index 0 "ike-initiate: --ts: '10.1.0.0/33': not an address, prefix or range"
	run "$I" "${ARGS[@]}" --peer 127.0.0.1 --name ../evil
	assert_failure 2
	assert_line --index 0 --partial "ike-initiate: --name: '../evil':"
}

@test "a bad proposal string is a usage error with the parser's message" {
	run "$I" "${ARGS[@]}" --peer 127.0.0.1 --ike aes256gcm16-prfsha256-foo
	assert_failure 2
	assert_line --index 0 "ike-initiate: --ike: proposal 1, algorithm 3: foo: unknown algorithm"
	run "$I" "${ARGS[@]}" --peer 127.0.0.1 --esp aes128-modp1024
	assert_failure 2
	assert_line --index 0 --partial "ike-initiate: --esp: proposal 1, algorithm 2: modp1024:"
}

@test "a missing PSK file is a local error (exit 5) naming the file" {
	run "$I" "${ARGS[@]}" --peer 127.0.0.1 --psk-file "$T/nope"
	assert_failure 5
	assert_output "ike-initiate: $T/nope: No such file or directory"
}

@test "an empty PSK file is refused (exit 1)" {
	: >"$T/empty"
	chmod 600 "$T/empty"
	run "$I" "${ARGS[@]}" --peer 127.0.0.1 --psk-file "$T/empty"
	assert_failure 1
	assert_output "ike-initiate: $T/empty: empty key file"
}

@test "no answer: exit 4 after --timeout seconds, with retransmissions" {
	local port start
	port=$(quiet_port)
	chmod 644 "$T/psk"
	start=$SECONDS
	run --separate-stderr "$I" "${ARGS[@]}" --peer "127.0.0.1:$port" --local 127.0.0.1 \
		--timeout 1 --pcap "$T/run.pcap" -v
	assert_failure 4
	assert_output ""
	[[ $stderr == *"ike-initiate: $T/psk: warning: key file is readable by group or others"* ]]
	[[ $stderr == *"ike-initiate: 127.0.0.1:$port: IKE_SA_INIT: no answer within 1 s"* ]]
	[[ $stderr == *"retransmitting"* ]]
	[ $((SECONDS - start)) -le 3 ]
	# nothing written to the state directory
	[ ! -e "$T/state" ] || [ -z "$(ls -A "$T/state")" ]
	# the pcap holds the request and its retransmission(s)
	[ -s "$T/run.pcap" ]
	run "$IKEKIT_BIN/ike-decode" -t "$T/run.pcap"
	assert_success
	assert_line --index 0 --partial "IKE_SA_INIT I request msgid 0"
	[ "${#lines[@]}" -ge 2 ]
}

@test "--lifetime, --lifetime-bytes, --lifetime-packets: not a count from 1 is a usage error naming the option" {
	local v
	for v in 0 -1 x 10s '' 4294967296; do
		run --separate-stderr timeout 5 "$I" "${ARGS[@]}" --peer 127.0.0.1 --lifetime "$v"
		assert_failure 2
		[[ $stderr == "ike-initiate: --lifetime: '$v': not a number of seconds from 1 to 4294967295"* ]] || fail "$v: $stderr"
	done
	for v in 0 x 18446744073709551616; do
		run --separate-stderr timeout 5 "$I" "${ARGS[@]}" --peer 127.0.0.1 --lifetime-bytes "$v"
		assert_failure 2
		[[ $stderr == "ike-initiate: --lifetime-bytes: '$v': not a count from 1"* ]] || fail "$v: $stderr"
		run --separate-stderr timeout 5 "$I" "${ARGS[@]}" --peer 127.0.0.1 --lifetime-packets "$v"
		assert_failure 2
		[[ $stderr == "ike-initiate: --lifetime-packets: '$v': not a count from 1"* ]] || fail "$v: $stderr"
	done
	run "$I" --help
	assert_output --partial "[--lifetime secs] [--lifetime-bytes n]"
}
