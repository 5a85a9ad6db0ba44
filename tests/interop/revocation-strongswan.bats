#!/usr/bin/env bats
# revocation-strongswan.bats: --crl and --ocsp (ike-respond(8),
# ike-initiate(8)) against strongSwan 5.9.8 with certificates (auth =
# pubkey), with the lab PKI of lib-cert.bash (ECDSA P-256, made per run) and
# a CRL made from it by openssl ca:
#
#   ns ikx-ID-l (192.0.2.1)                  ns ikx-ID-r (192.0.2.2)
#   charon (initiator, "left")  -------->    ike-respond --crl | --ocsp
#   ike-initiate --crl  ---------------->    charon (responder, "right")
#
# Each side first succeeds with a CRL that lists nobody (the control), then,
# the other side's certificate revoked (keyCompromise), refuses it: ike-respond
# sends AUTHENTICATION_FAILED (charon logs receiving it) and logs
# "peer certificate CN=left: revoked (keyCompromise, DATE) by CRL";
# ike-initiate exits 3 naming why. The OCSP case has openssl ocsp answer
# ike-respond in the right namespace. On failure the test's files are copied
# to ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	I=$IKEKIT_BIN/ike-initiate
	R=$IKEKIT_BIN/ike-respond
	[ -x "$I" ] && [ -x "$R" ] || fail "not built (run make)"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-cert.bash
	. "$HERE/lib-cert.bash"
	IKX_PROG=revocation-strongswan
	ikx_init || fail "ikx_init failed"
	ikx_netns_up || fail "namespaces"
	P=$IKX_RUN/cpki
	ikx_cert_pki ecdsa || fail "pki"
}

teardown() {
	if ikx_failed; then
		local s
		for s in left right; do
			cp "$(ikx_dir $s)/charon.log" "$W/charon-$s.log" 2>/dev/null
		done
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$IKX_RUN/ocsp.log" "$W"/ 2>/dev/null
		ikx_keep
	fi
	ikx_respond_stop
	[ -z "${IKX_RUN:-}" ] || ikx_stop "$IKX_RUN/ocsp.pid" timeout
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# ca ARGS... : openssl ca with lib-cert.bash's lab CA and database
ca() {
	openssl ca -config "$P/ca.cnf" -cert "$P/ca.crt" -keyfile "$P/ca.key" "$@" \
		>>"$W/openssl.log" 2>&1 || { cat "$W/openssl.log" >&2; return 1; }
}

# crl FILE: the lab CA's CRL now, good for a day
crl() {
	ca -gencrl -crldays 1 -out "$1"
}

# revoke NAME: NAME's certificate is revoked for keyCompromise
revoke() {
	ca -revoke "$P/$1.crt" -crl_reason keyCompromise
}

# respond ARGS... : ike-respond (right) with the right certificate
respond() {
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --cert "$P/right.crt" \
		--key "$P/right.key" --ca "$P/ca.crt" --ike "$IKX_IKE_PROPOSALS" \
		--esp "$IKX_ESP_PROPOSALS" --ts "$IKX_NET_right" -S "$W/state-r" "$@"
}

# initiate ARGS... : ike-initiate (left) with the left certificate
initiate() {
	ikx_in left timeout -k 2 15 "$I" --peer "$IKX_ADDR_right" --cert "$P/left.crt" \
		--key "$P/left.key" --ca "$P/ca.crt" --ike "$IKX_IKE_PROPOSALS" \
		--esp "$IKX_ESP_PROPOSALS" --ts "$IKX_NET_left=$IKX_NET_right" \
		-S "$W/state-i" --timeout 8 "$@"
}

@test "ike-respond refuses strongSwan's revoked certificate by CRL: AUTHENTICATION_FAILED in charon's log" {
	ikx_cert_charon left initiator left || fail "charon"
	crl "$W/none.crl" || fail "crl"
	respond --crl "$W/none.crl" --revocation strict || fail "ike-respond did not start"
	run ikx_sw left --initiate --ike ikx --child net --timeout 10
	assert_success
	[ -n "$(ikx_respond_peer_spis)" ] || fail "no ESTABLISHED SA in swanctl"
	ikx_respond_stop
	ikx_sw left --terminate --ike ikx --timeout 5 >/dev/null 2>&1 || true

	revoke left && crl "$W/left.crl" || fail "crl"
	respond --crl "$W/left.crl" || fail "ike-respond did not start"
	run ikx_sw left --initiate --ike ikx --child net --timeout 10
	assert_failure
	grep -qE ": IKE_AUTH: peer not authenticated: peer certificate CN=left: revoked \(keyCompromise, [0-9-]+ [0-9:]+ UTC\) by CRL\$" \
		"$IKX_RUN/respond.err" || fail "respond.err: $(cat "$IKX_RUN/respond.err")"
	grep -q " AUTHENTICATION_FAILED\$" "$IKX_RUN/respond.out" || fail "no refused event"
	ikx_log_grep left "received AUTHENTICATION_FAILED notify error" >/dev/null ||
		fail "charon did not get AUTHENTICATION_FAILED"
	[ -z "$(ikx_respond_peer_spis)" ] || fail "an SA is up"
}

@test "ike-respond refuses strongSwan's revoked certificate by OCSP (openssl ocsp, delegated signer)" {
	local port=
	ikx_cert_charon left initiator left || fail "charon"
	# a delegated OCSP signer of the lab CA, then left revoked in its index
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$P/ocsp.key" 2>>"$W/openssl.log" &&
		openssl req -new -key "$P/ocsp.key" -subj "/O=ikekit interop lab/CN=ocsp" \
			-out "$P/ocsp.csr" 2>>"$W/openssl.log" &&
		printf 'extendedKeyUsage = OCSPSigning\n' >"$P/ocsp.ext" &&
		ca -batch -notext -days 30 -extfile "$P/ocsp.ext" -in "$P/ocsp.csr" -out "$P/ocsp.crt" &&
		revoke left || fail "ocsp signer"
	# not through ikx_in: a function in the background is a subshell, and
	# its pid not the one to stop
	ip netns exec "$IKX_NS_right" timeout 60 openssl ocsp -index "$P/index.txt" -port 0 \
		-CA "$P/ca.crt" -rsigner "$P/ocsp.crt" -rkey "$P/ocsp.key" -nrequest 4 \
		</dev/null >"$IKX_RUN/ocsp.log" 2>&1 3>&- &
	echo $! >"$IKX_RUN/ocsp.pid"
	ikx_wait_exec "$(cat "$IKX_RUN/ocsp.pid")" timeout || fail "openssl ocsp did not start"
	for _ in $(seq 50); do
		port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\) PID=.*/\1/p' "$IKX_RUN/ocsp.log")
		[ -z "$port" ] || break
		sleep 0.1
	done
	[ -n "$port" ] || fail "openssl ocsp did not start: $(cat "$IKX_RUN/ocsp.log")"
	respond --ocsp "http://127.0.0.1:$port/" --revocation strict || fail "ike-respond did not start"
	run ikx_sw left --initiate --ike ikx --child net --timeout 10
	assert_failure
	grep -qE ": IKE_AUTH: peer not authenticated: peer certificate CN=left: revoked \(keyCompromise, [0-9-]+ [0-9:]+ UTC\) by OCSP\$" \
		"$IKX_RUN/respond.err" || fail "respond.err: $(cat "$IKX_RUN/respond.err")"
	ikx_log_grep left "received AUTHENTICATION_FAILED notify error" >/dev/null ||
		fail "charon did not get AUTHENTICATION_FAILED"
}

@test "ike-initiate refuses a strongSwan responder whose certificate is revoked (exit 3, says why)" {
	ikx_cert_charon right responder right || fail "charon"
	crl "$W/none.crl" || fail "crl"
	run --separate-stderr initiate --crl "$W/none.crl" --revocation strict
	assert_success
	[ "$(ikx_ike_spis_any right)" = "${output/-/_}" ] || fail "strongSwan lists '$(ikx_ike_spis_any right)'"

	revoke right && crl "$W/right.crl" || fail "crl"
	run --separate-stderr initiate --crl "$W/right.crl" --name second
	assert_failure 3
	# shellcheck disable=SC2154 # run --separate-stderr sets it
	[[ $stderr =~ ^"ike-initiate: $IKX_ADDR_right: IKE_AUTH: peer not authenticated: peer certificate CN=right: revoked (keyCompromise, "[0-9-]+" "[0-9:]+" UTC) by CRL"$ ]] ||
		fail "stderr: $stderr"
	[ ! -e "$W/state-i/second" ] || fail "state recorded"
}
