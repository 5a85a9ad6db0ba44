#!/usr/bin/env bats
# eap.bats: EAP options of ike-initiate(8) (--eap-id, --eap-secrets,
# --eap-password-file, --eap-method) and ike-respond(8) (--eap-secrets,
# --eap-method): option combinations and bad files (exit 2, a secrets file's
# line named, its password never printed), unreadable files (exit 5), the
# loose-permissions warning, and loopback exchanges between the two programs
# (the responder's lab certificate, the initiator by EAP-MSCHAPv2 or EAP-MD5;
# a wrong password is exit 3 naming AUTHENTICATION_FAILED), and EAP-TLS
# (--eap-method tls: its option rules; a loopback exchange after a Nak of
# MS-CHAPv2; a client certificate of another CA, or one that does not name
# the EAP identity, exit 3 with the reason logged by ike-respond; TLS 1.3
# and RFC 9190's MSK when ike-respond --eap-tls-max 1.3 allows it, TLS 1.2
# when either end stays at 1.2: --eap-tls-max).

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
	cp "$V"/ca.crt.pem "$V"/ec256.*.pem "$T"/
	chmod 600 "$T"/*.key.pem
	PW='pa ss:w0rd'
	printf '# lab accounts\n\ncarol : %s\ndave:"  x  "\n' "$PW" >"$T/secrets"
	printf '%s\n' "$PW" >"$T/pw"
	chmod 600 "$T/secrets" "$T/pw"
	PROPS=(--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16)
	IARGS=("${PROPS[@]}" --ts 10.1.0.0/16=10.2.0.0/16 -S "$T/state-i" --timeout 3)
	RARGS=("${PROPS[@]}" --ts 10.2.0.0/16 -S "$T/state-r")
	EAP=(--eap-id carol --ca "$T/ca.crt.pem")
}

teardown() {
	if [ -f "$T/r.pid" ] && [ "$(cat "/proc/$(cat "$T/r.pid")/comm" 2>/dev/null)" = ike-respond ]; then
		kill "$(cat "$T/r.pid")" 2>/dev/null
		wait "$(cat "$T/r.pid")" 2>/dev/null
	fi
	true
}

free_port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

@test "ike-initiate: EAP option combinations are usage errors (exit 2)" {
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" --eap-id carol --eap-secrets "$T/secrets"
	assert_failure 2
	assert_line --index 0 "ike-initiate: missing --ca (to check the peer's certificate)"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" "${EAP[@]}"
	assert_failure 2
	assert_line --index 0 "ike-initiate: --eap-id: give --eap-secrets or --eap-password-file (one)"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" "${EAP[@]}" --eap-secrets "$T/secrets" --eap-password-file "$T/pw"
	assert_failure 2
	assert_line --index 0 "ike-initiate: --eap-id: give --eap-secrets or --eap-password-file (one)"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" "${EAP[@]}" --eap-secrets "$T/secrets" --psk-file "$T/pw"
	assert_failure 2
	assert_line --index 0 "ike-initiate: --eap-id and --psk-file or --cert: choose one"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" --psk-file "$T/pw" --eap-secrets "$T/secrets"
	assert_failure 2
	assert_line --index 0 "ike-initiate: --eap-secrets, --eap-password-file and --eap-method go with --eap-id"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" "${EAP[@]}" --eap-secrets "$T/secrets" --eap-method mschapv2,ttls
	assert_failure 2
	assert_line --index 0 "ike-initiate: --eap-method: 'mschapv2,ttls': not a list of mschapv2, md5, tls"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" --eap-id "" --ca "$T/ca.crt.pem" --eap-secrets "$T/secrets"
	assert_failure 2
	assert_line --index 0 "ike-initiate: --eap-id: '': empty or longer than 255 bytes"
}

@test "ike-respond: EAP option combinations are usage errors (exit 2)" {
	run "$R" --local 127.0.0.1:1 "${RARGS[@]}" --psk-file "$T/pw" --eap-secrets "$T/secrets"
	assert_failure 2
	assert_line --index 0 "ike-respond: --eap-secrets: missing --cert (RFC 7296 2.16: we authenticate by certificate)"
	run "$R" --local 127.0.0.1:1 "${RARGS[@]}" --cert "$T/ec256.crt.pem" --key "$T/ec256.key.pem" \
		--ca "$T/ca.crt.pem" --eap-method md5
	assert_failure 2
	assert_line --index 0 "ike-respond: --eap-method goes with --eap-secrets (tls alone does not)"
	run "$R" --local 127.0.0.1:1 "${RARGS[@]}" --cert "$T/ec256.crt.pem" --key "$T/ec256.key.pem" \
		--eap-secrets "$T/secrets" --eap-method md5,md5
	assert_failure 2
	assert_line --index 0 "ike-respond: --eap-method: 'md5,md5': not a list of mschapv2, md5, tls"
}

@test "EAP-TLS option combinations are usage errors (exit 2)" {
	local cert=(--cert "$T/rsa.crt.pem" --key "$T/rsa.key.pem" --ca "$T/ca.crt.pem")
	cp "$V"/rsa.*.pem "$T"/ && chmod 600 "$T/rsa.key.pem"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" "${cert[@]}" --eap-method tls,md5
	assert_failure 2
	assert_line --index 0 "ike-initiate: --eap-method tls goes alone"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" --ca "$T/ca.crt.pem" --eap-id carol --eap-method tls
	assert_failure 2
	assert_line --index 0 "ike-initiate: --eap-method tls: give --cert and --key (no --psk-file, --eap-secrets, --eap-password-file)"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" "${cert[@]}" --eap-method tls --eap-secrets "$T/secrets"
	assert_failure 2
	assert_line --index 0 "ike-initiate: --eap-method tls: give --cert and --key (no --psk-file, --eap-secrets, --eap-password-file)"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" --cert "$T/rsa.crt.pem" --key "$T/rsa.key.pem" --eap-method tls
	assert_failure 2
	assert_line --index 0 "ike-initiate: missing --ca (to check the peer's certificate)"
	run "$R" --local 127.0.0.1:1 "${RARGS[@]}" --cert "$T/ec256.crt.pem" --key "$T/ec256.key.pem" \
		--ca "$T/ca.crt.pem" --eap-method tls,md5
	assert_failure 2
	assert_line --index 0 "ike-respond: --eap-method goes with --eap-secrets (tls alone does not)"
	run "$R" --local 127.0.0.1:1 "${RARGS[@]}" --cert "$T/ec256.crt.pem" --key "$T/ec256.key.pem" \
		--eap-secrets "$T/secrets" --eap-method mschapv2,tls
	assert_failure 2
	assert_line --index 0 "ike-respond: --eap-method tls: missing --cert or --ca (we authenticate by certificate and check the peer's)"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" "${cert[@]}" --eap-method tls --eap-tls-max 1.4
	assert_failure 2
	assert_line --index 0 "ike-initiate: --eap-tls-max: '1.4': not 1.2 or 1.3"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" "${EAP[@]}" --eap-secrets "$T/secrets" --eap-tls-max 1.3
	assert_failure 2
	assert_line --index 0 "ike-initiate: --eap-tls-max goes with --eap-method tls"
	run "$R" --local 127.0.0.1:1 "${RARGS[@]}" --cert "$T/ec256.crt.pem" --key "$T/ec256.key.pem" \
		--ca "$T/ca.crt.pem" --eap-method tls --eap-tls-max 1
	assert_failure 2
	assert_line --index 0 "ike-respond: --eap-tls-max: '1': not 1.2 or 1.3"
	run "$R" --local 127.0.0.1:1 "${RARGS[@]}" --cert "$T/ec256.crt.pem" --key "$T/ec256.key.pem" \
		--eap-secrets "$T/secrets" --eap-method mschapv2 --eap-tls-max 1.2
	assert_failure 2
	assert_line --index 0 "ike-respond: --eap-tls-max goes with --eap-method tls"
}

@test "both programs: a bad secrets file is exit 2 naming the line, never the password" {
	printf 'carol : %s\nthis line has no colon, %s\n' "$PW" "${PW//:/}" >"$T/bad"
	chmod 600 "$T/bad"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" "${EAP[@]}" --eap-secrets "$T/bad"
	assert_failure 2
	assert_output "ike-initiate: $T/bad: line 2: not NAME : PASSWORD"
	run "$R" --local 127.0.0.1:1 "${RARGS[@]}" --cert "$T/ec256.crt.pem" --key "$T/ec256.key.pem" \
		--eap-secrets "$T/bad"
	assert_failure 2
	assert_output "ike-respond: $T/bad: line 2: not NAME : PASSWORD"
	printf 'carol :\n' >"$T/bad"
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" "${EAP[@]}" --eap-secrets "$T/bad"
	assert_failure 2
	assert_output "ike-initiate: $T/bad: line 1: password empty or longer than 256 bytes"
	# no line for the user
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" --eap-id erin --ca "$T/ca.crt.pem" --eap-secrets "$T/secrets"
	assert_failure 2
	assert_output "ike-initiate: $T/secrets: no line for user 'erin'"
	# unreadable: exit 5 with the system's words
	run "$I" --peer 127.0.0.1 "${IARGS[@]}" "${EAP[@]}" --eap-secrets "$T/gone"
	assert_failure 5
	assert_output "ike-initiate: $T/gone: No such file or directory"
	run "$R" --local 127.0.0.1:1 "${RARGS[@]}" --cert "$T/ec256.crt.pem" --key "$T/ec256.key.pem" \
		--eap-secrets "$T/gone"
	assert_failure 5
	assert_output "ike-respond: $T/gone: No such file or directory"
}

@test "a secrets file readable by group or others is warned about" {
	chmod 644 "$T/secrets"
	run --separate-stderr "$I" --peer "127.0.0.1:$(free_port)" --local 127.0.0.1 \
		"${IARGS[@]}" "${EAP[@]}" --eap-secrets "$T/secrets" --timeout 1
	assert_failure 4
	# shellcheck disable=SC2154 # stderr: set by run --separate-stderr
	[[ $stderr == *"ike-initiate: $T/secrets: warning: secrets file is readable by group or others"* ]] ||
		fail "stderr: $stderr"
	[[ $stderr != *"$PW"* ]]
}

# wait_for PATTERN FILE: true once FILE has a line matching PATTERN (3 s at most)
wait_for() {
	local _
	for _ in $(seq 30); do
		grep -q "$1" "$2" && return 0
		sleep 0.1
	done
	grep -q "$1" "$2"
}

# respond METHODS: ike-respond on a free loopback port, ec256's certificate,
# EAP with the secrets file offering METHODS
respond() {
	PORT=$(free_port)
	"$R" --local "127.0.0.1:$PORT" --cert "$T/ec256.crt.pem" --key "$T/ec256.key.pem" \
		--eap-secrets "$T/secrets" --eap-method "$1" "${RARGS[@]}" >"$T/r.out" 2>"$T/r.err" &
	echo $! >"$T/r.pid"
	local _
	for _ in $(seq 30); do
		[ "$(cat "/proc/$(cat "$T/r.pid")/comm" 2>/dev/null)" = ike-respond ] &&
			ss -Hlun 2>/dev/null | grep -qF "127.0.0.1:$PORT " && return 0
		sleep 0.1
	done
	fail "ike-respond did not start: $(cat "$T/r.err")"
}

@test "loopback: ike-initiate <-> ike-respond with EAP-MSCHAPv2, EAP-MD5 and a Nak" {
	local m spis
	for m in mschapv2 md5 nak; do
		case $m in
		nak) respond mschapv2,md5; set -- --eap-method md5 ;;
		*) respond "$m"; set -- --eap-method "$m" ;;
		esac
		run --separate-stderr "$I" --peer "127.0.0.1:$PORT" --local "127.0.0.1:$(free_port)" \
			"${IARGS[@]}" "${EAP[@]}" --eap-password-file "$T/pw" "$@"
		assert_success
		spis=$output
		[ -f "$T/state-i/$spis/ike.sa" ] || fail "$m: no state for $spis"
		grep -q "^remote_id=O=ikekit unit-test lab (not secret), CN=ec256\$" "$T/state-i/$spis/ike.sa"
		wait_for "^established $spis " "$T/r.out" || fail "$m: $(cat "$T/r.out" "$T/r.err")"
		kill "$(cat "$T/r.pid")"; wait "$(cat "$T/r.pid")" 2>/dev/null || true
		rm -f "$T/r.pid"
	done
}

@test "loopback: a wrong EAP password is exit 3 (AUTHENTICATION_FAILED), ike-respond says why" {
	local m
	for m in mschapv2 md5; do
		respond "$m"
		printf 'wrong\n' >"$T/pw"
		run --separate-stderr "$I" --peer "127.0.0.1:$PORT" --local "127.0.0.1:$(free_port)" \
			"${IARGS[@]}" "${EAP[@]}" --eap-password-file "$T/pw" --eap-method "$m"
		assert_failure 3
		[[ $stderr == *"IKE_AUTH: EAP: peer sent EAP-Failure: AUTHENTICATION_FAILED"* ]] ||
			fail "$m: stderr: $stderr"
		wait_for "peer not authenticated: EAP: user 'carol': wrong password" "$T/r.err" ||
			fail "$m: $(cat "$T/r.err")"
		! grep -q "$PW" "$T/r.err" "$T/r.out"
		kill "$(cat "$T/r.pid")"; wait "$(cat "$T/r.pid")" 2>/dev/null || true
		rm -f "$T/r.pid"
	done
	# an unknown user: the same answer
	respond mschapv2
	run --separate-stderr "$I" --peer "127.0.0.1:$PORT" --local "127.0.0.1:$(free_port)" \
		"${IARGS[@]}" --eap-id erin --ca "$T/ca.crt.pem" --eap-password-file "$T/pw"
	assert_failure 3
	[[ $stderr == *"EAP-Failure: AUTHENTICATION_FAILED"* ]] || fail "stderr: $stderr"
	wait_for "user 'erin': unknown user" "$T/r.err"
}

# respond_tls METHODS [ARGS...]: ike-respond on a free loopback port offering
# METHODS (tls among them) to peers of ca
respond_tls() {
	PORT=$(free_port)
	"$R" --local "127.0.0.1:$PORT" --cert "$T/ec256.crt.pem" --key "$T/ec256.key.pem" \
		--ca "$T/ca.crt.pem" --eap-method "$1" "${@:2}" "${RARGS[@]}" >"$T/r.out" 2>"$T/r.err" &
	echo $! >"$T/r.pid"
	local _
	for _ in $(seq 30); do
		[ "$(cat "/proc/$(cat "$T/r.pid")/comm" 2>/dev/null)" = ike-respond ] &&
			ss -Hlun 2>/dev/null | grep -qF "127.0.0.1:$PORT " && return 0
		sleep 0.1
	done
	fail "ike-respond did not start: $(cat "$T/r.err")"
}

stop_respond() {
	kill "$(cat "$T/r.pid")"; wait "$(cat "$T/r.pid")" 2>/dev/null || true
	rm -f "$T/r.pid"
}

@test "loopback: ike-initiate <-> ike-respond with EAP-TLS; an untrusted or misnamed certificate is exit 3" {
	local spis
	cp "$V"/rsa.*.pem "$V"/stranger.*.pem "$T"/ && chmod 600 "$T"/*.key.pem
	# rsa's DN is our IKE ID and EAP identity; the responder offers
	# MS-CHAPv2 first: our Nak names tls
	respond_tls mschapv2,tls --eap-secrets "$T/secrets"
	run --separate-stderr "$I" --peer "127.0.0.1:$PORT" --local "127.0.0.1:$(free_port)" \
		"${IARGS[@]}" --cert "$T/rsa.crt.pem" --key "$T/rsa.key.pem" --ca "$T/ca.crt.pem" \
		--eap-method tls
	[ "$status" -eq 0 ] || fail "status $status: $stderr $(cat "$T/r.err")"
	spis=$output
	[ -f "$T/state-i/$spis/ike.sa" ] || fail "no state for $spis"
	grep -q "^remote_id=O=ikekit unit-test lab (not secret), CN=ec256\$" "$T/state-i/$spis/ike.sa"
	wait_for "^established $spis " "$T/r.out" || fail "$(cat "$T/r.out" "$T/r.err")"
	stop_respond
	# a certificate of another CA
	respond_tls tls
	run --separate-stderr "$I" --peer "127.0.0.1:$PORT" --local "127.0.0.1:$(free_port)" \
		"${IARGS[@]}" --cert "$T/stranger.crt.pem" --key "$T/stranger.key.pem" \
		--ca "$T/ca.crt.pem" --eap-method tls
	assert_failure 3
	[[ $stderr == *"AUTHENTICATION_FAILED"* ]] || fail "stderr: $stderr"
	wait_for "EAP-TLS: client certificate: " "$T/r.err" || fail "$(cat "$T/r.err")"
	stop_respond
	# an EAP identity the certificate does not name
	respond_tls tls
	run --separate-stderr "$I" --peer "127.0.0.1:$PORT" --local "127.0.0.1:$(free_port)" \
		"${IARGS[@]}" --cert "$T/rsa.crt.pem" --key "$T/rsa.key.pem" \
		--ca "$T/ca.crt.pem" --eap-method tls --eap-id carol@lab.example
	assert_failure 3
	wait_for "user 'carol@lab.example': EAP-TLS: client certificate: " "$T/r.err" ||
		fail "$(cat "$T/r.err")"
}

@test "loopback: EAP-TLS is TLS 1.3 (RFC 9190) when both ends allow it, else 1.2" {
	local max tmax want spis
	cp "$V"/rsa.*.pem "$T"/ && chmod 600 "$T"/*.key.pem
	# ike-respond's --eap-tls-max (default 1.2), ike-initiate's (default 1.3)
	for max in 1.3:- 1.3:1.2 -:- 1.2:1.3; do
		set -- ; [ "${max%:*}" = - ] || set -- --eap-tls-max "${max%:*}"
		respond_tls tls -v "$@"
		tmax=${max#*:}
		set -- ; [ "$tmax" = - ] || set -- --eap-tls-max "$tmax"
		run --separate-stderr "$I" -v --peer "127.0.0.1:$PORT" --local "127.0.0.1:$(free_port)" \
			"${IARGS[@]}" --cert "$T/rsa.crt.pem" --key "$T/rsa.key.pem" --ca "$T/ca.crt.pem" \
			--eap-method tls "$@"
		[ "$status" -eq 0 ] || fail "$max: status $status: $stderr $(cat "$T/r.err")"
		spis=$output
		wait_for "^established $spis " "$T/r.out" || fail "$max: $(cat "$T/r.out" "$T/r.err")"
		want="TLSv1.2, the MSK as in RFC 5216"
		[ "$max" != 1.3:- ] || want="TLSv1.3, the MSK as in RFC 9190"
		[[ $stderr == *"EAP-TLS: $want"* ]] || fail "$max: ike-initiate: $stderr"
		grep -qF "EAP-TLS: $want" "$T/r.err" || fail "$max: ike-respond: $(cat "$T/r.err")"
		stop_respond
	done
}

@test "EAP options are in --help, the man pages and both completions" {
	local p opt opts
	for p in ike-initiate ike-respond; do
		opts="eap-secrets eap-method eap-tls-max"
		[ "$p" = ike-respond ] || opts="$opts eap-id eap-password-file"
		run "$IKEKIT_BIN/$p" --help
		assert_success
		for opt in $opts; do
			assert_output --partial -- "--$opt"
			grep -q -- "^\.It Fl -$opt" "$IKEKIT_TOP/man/$p.8" || fail "man $p: --$opt"
			grep -q -- "--$opt" "$IKEKIT_TOP/completions/bash/$p" || fail "bash $p: --$opt"
			grep -q -- "--$opt=" "$IKEKIT_TOP/completions/zsh/_$p" || fail "zsh $p: --$opt"
		done
	done
}
