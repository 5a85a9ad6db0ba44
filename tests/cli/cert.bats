#!/usr/bin/env bats
# cert.bats: --cert, --key and --ca of ike-initiate(8) and ike-respond(8):
# unreadable or wrong files (exit 5, "program: FILE: why"), a key that is not
# the certificate's (exit 2), option combinations (exit 2), the group-readable
# key warning, and a loopback exchange between the two programs with the lab
# certificates of tests/vectors/certs (RFC 7427 signatures, subject DN IDs),
# including a certificate from another CA (AUTHENTICATION_FAILED, exit 3).

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	I=$IKEKIT_BIN/ike-initiate
	R=$IKEKIT_BIN/ike-respond
	T=$BATS_TEST_TMPDIR
	V=$IKEKIT_TOP/tests/vectors/certs
	[ -x "$I" ] && [ -x "$R" ] || fail "not built (run make)"
	cp "$V"/*.pem "$T"/
	chmod 600 "$T"/*.key.pem
	PROPS=(--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16)
	IARGS=("${PROPS[@]}" --ts 10.1.0.0/16=10.2.0.0/16 -S "$T/state-i" --timeout 3)
	RARGS=("${PROPS[@]}" --ts 10.2.0.0/16 -S "$T/state-r")
}

teardown() {
	if [ -f "$T/r.pid" ]; then
		kill "$(cat "$T/r.pid")" 2>/dev/null
		wait "$(cat "$T/r.pid")" 2>/dev/null
	fi
	true
}

free_port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cred() {	# cred NAME: --cert/--key of a lab certificate, --ca ca
	printf '%s\n' --cert "$T/$1.crt.pem" --key "$T/$1.key.pem" --ca "$T/ca.crt.pem"
}

@test "both programs: a missing key or certificate file is exit 5 naming it" {
	local p
	for p in "$I --peer 127.0.0.1 ${IARGS[*]}" "$R --local 127.0.0.1:1 ${RARGS[*]}"; do
		# shellcheck disable=SC2086
		run $p --cert "$T/rsa.crt.pem" --key "$T/nope.pem" --ca "$T/ca.crt.pem"
		assert_failure 5
		assert_output --regexp "^ike-(initiate|respond): $T/nope.pem: No such file or directory\$"
		# shellcheck disable=SC2086
		run $p --cert "$T/nope.pem" --key "$T/rsa.key.pem" --ca "$T/ca.crt.pem"
		assert_failure 5
		assert_output --partial ": $T/nope.pem: No such file or directory"
		# shellcheck disable=SC2086
		run $p --cert "$T" --key "$T/rsa.key.pem" --ca "$T/ca.crt.pem"
		assert_failure 5
		assert_output --partial ": $T: Is a directory"
		# shellcheck disable=SC2086
		run $p --cert "$T/rsa.crt.pem" --key "$T/rsa.key.pem" --ca "$T/gone.pem"
		assert_failure 5
		assert_output --partial ": $T/gone.pem: No such file or directory"
	done
}

@test "a file without PEM of the right kind is exit 5 saying so" {
	printf 'hello\n' >"$T/junk.pem"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" --cert "$T/junk.pem" --key "$T/rsa.key.pem" --ca "$T/ca.crt.pem"
	assert_failure 5
	assert_output "ike-initiate: $T/junk.pem: no PEM certificate in it"
	# a certificate where the key should be
	run "$R" --local 127.0.0.1:1 "${RARGS[@]}" --cert "$T/rsa.crt.pem" --key "$T/rsa.crt.pem" --ca "$T/ca.crt.pem"
	assert_failure 5
	assert_output --partial "ike-respond: $T/rsa.crt.pem: no PEM private key in it"
}

@test "a key that is not the certificate's is exit 2 naming the key" {
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" --cert "$T/rsa.crt.pem" --key "$T/ec256.key.pem" --ca "$T/ca.crt.pem"
	assert_failure 2
	assert_output "ike-initiate: $T/ec256.key.pem: key does not match the certificate's public key"
	run "$R" --local 127.0.0.1:1 "${RARGS[@]}" --cert "$T/ec256.crt.pem" --key "$T/rsa.key.pem" --ca "$T/ca.crt.pem"
	assert_failure 2
	assert_output "ike-respond: $T/rsa.key.pem: key does not match the certificate's public key"
}

@test "option combinations: --cert needs --key and --ca, not --psk-file (exit 2)" {
	printf 'k\n' >"$T/psk"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" --cert "$T/rsa.crt.pem" --ca "$T/ca.crt.pem"
	assert_failure 2
	assert_line --index 0 "ike-initiate: missing --key (the private key of --cert)"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" --cert "$T/rsa.crt.pem" --key "$T/rsa.key.pem"
	assert_failure 2
	assert_line --index 0 "ike-initiate: missing --ca (to check the peer's certificate)"
	run "$R" --local 127.0.0.1:1 "${RARGS[@]}" --psk-file "$T/psk" --cert "$T/rsa.crt.pem" --key "$T/rsa.key.pem" --ca "$T/ca.crt.pem"
	assert_failure 2
	assert_line --index 0 "ike-respond: --psk-file and --cert/--key: choose one"
	run "$R" --local 127.0.0.1:1 "${RARGS[@]}" --key "$T/rsa.key.pem" --ca "$T/ca.crt.pem"
	assert_failure 2
	assert_line --index 0 "ike-respond: missing --cert (the certificate of --key)"
}

@test "a group-readable key file is warned about" {
	chmod 640 "$T/rsa.key.pem"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" --cert "$T/rsa.crt.pem" --key "$T/rsa.key.pem" --ca "$T/ca.crt.pem" --until sa-init --timeout 1
	assert_line --index 0 "ike-initiate: $T/rsa.key.pem: warning: key file is readable by group or others"
}

# wait_for PATTERN FILE: true once FILE has a line matching PATTERN (3 s at
# most): ike-respond logs an event after it sent the answer that ends the
# initiator's run, so the line may come a moment after ike-initiate exits
wait_for() {
	local i
	for i in $(seq 30); do
		grep -q "$1" "$2" && return 0
		sleep 0.1
	done
	grep -q "$1" "$2"
}

# respond NAME: ike-respond on a free loopback port with NAME's certificate
respond() {
	PORT=$(free_port)
	# shellcheck disable=SC2046
	"$R" --local "127.0.0.1:$PORT" $(cred "$1") "${RARGS[@]}" >"$T/r.out" 2>"$T/r.err" &
	echo $! >"$T/r.pid"
	sleep 0.3
}

@test "loopback: ike-initiate (RSA) <-> ike-respond (ECDSA, Ed25519) with certificates" {
	local who
	for who in ec256 ed25519; do
		respond "$who"
		# shellcheck disable=SC2046
		run --separate-stderr "$I" --peer "127.0.0.1:$PORT" --local "127.0.0.1:$(free_port)" $(cred rsa) "${IARGS[@]}"
		assert_success
		spis=$output
		grep -q "^remote_id=O=ikekit unit-test lab (not secret), CN=$who\$" "$T/state-i/$spis/ike.sa"
		wait_for "^established $spis " "$T/r.out"
		kill "$(cat "$T/r.pid")"; wait "$(cat "$T/r.pid")" 2>/dev/null || true
		rm -f "$T/r.pid"
	done
}

@test "loopback: a certificate of another CA is AUTHENTICATION_FAILED (exit 3), both sides say why" {
	respond ec256
	run --separate-stderr "$I" --peer "127.0.0.1:$PORT" --local "127.0.0.1:$(free_port)" \
		--cert "$T/stranger.crt.pem" --key "$T/stranger.key.pem" --ca "$T/ca.crt.pem" "${IARGS[@]}"
	assert_failure 3
	[[ $stderr == *"IKE_AUTH: peer sent AUTHENTICATION_FAILED"* ]]
	sleep 0.2
	grep -q "IKE_AUTH: peer not authenticated: certificate not trusted: unable to get local issuer certificate" "$T/r.err"
	wait_for "AUTHENTICATION_FAILED" "$T/r.out"
	# the initiator refuses a responder its --ca does not vouch for
	run --separate-stderr "$I" --peer "127.0.0.1:$PORT" --local "127.0.0.1:$(free_port)" \
		--cert "$T/rsa.crt.pem" --key "$T/rsa.key.pem" --ca "$T/otherca.crt.pem" "${IARGS[@]}"
	assert_failure 3
	[[ $stderr == *"IKE_AUTH: peer not authenticated: certificate not trusted: unable to get local issuer certificate"* ]]
}

@test "loopback: an expired certificate is refused" {
	respond ec256
	run --separate-stderr "$I" --peer "127.0.0.1:$PORT" --local "127.0.0.1:$(free_port)" \
		--cert "$T/expired.crt.pem" --key "$T/expired.key.pem" --ca "$T/ca.crt.pem" "${IARGS[@]}"
	assert_failure 3
	sleep 0.2
	grep -q "certificate not trusted: certificate has expired" "$T/r.err"
}

@test "--cert, --key and --ca are in --help, the man pages and both completions" {
	local p opt
	for p in ike-initiate ike-respond; do
		run "$IKEKIT_BIN/$p" --help
		assert_success
		for opt in cert key ca; do
			assert_output --partial -- "--$opt file"
			grep -q -- "^\.It Fl -$opt Ar file" "$IKEKIT_TOP/man/$p.8" || fail "$p.8: --$opt"
			grep -q -- "--$opt" "$IKEKIT_TOP/completions/bash/$p" || fail "bash $p: --$opt"
			grep -q -- "--$opt=" "$IKEKIT_TOP/completions/zsh/_$p" || fail "zsh $p: --$opt"
		done
	done
}
