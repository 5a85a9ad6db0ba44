#!/usr/bin/env bats
# cert-strongswan.bats: IKE_AUTH with certificates (RFC 7296 2.15, RFC 7427
# signatures) between our programs and strongSwan 5.9.8 (auth = pubkey, its
# certificate and key in swanctl's x509/ and private/ folders, the CA in
# x509ca/), both ways, with a CA made per run (lib-cert.bash):
#
#   ns ikx-ID-l (192.0.2.1)                  ns ikx-ID-r (192.0.2.2)
#   ike-initiate  ---------------------->    charon (responder)
#   charon (initiator)  ---------------->    ike-respond
#
# Our ID is the certificate's subject DN (the default), strongSwan's its
# address (in its subjectAltName).  RSA-2048, ECDSA P-256 and Ed25519 keys
# establish (swanctl lists the SA ESTABLISHED with the SPIs we recorded); a
# certificate from another CA and an expired one are refused: on our side
# with exit 3 (ike-initiate) or a log line naming why (ike-respond), on
# strongSwan's with AUTHENTICATION_FAILED.  On failure the test's files are
# copied to ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

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
	IKX_PROG=cert-strongswan
	ikx_init || fail "ikx_init failed"
	ikx_netns_up || fail "namespaces"
	P=$IKX_RUN/cpki
}

teardown() {
	if ikx_failed; then
		local s
		for s in left right; do
			cp "$(ikx_dir $s)/charon.log" "$W/charon-$s.log" 2>/dev/null
		done
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$W"/ 2>/dev/null
		ikx_keep
	fi
	ikx_respond_stop
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# initiate NAME ARGS... : ike-initiate (left) with NAME's certificate
initiate() {
	local name=$1; shift
	ikx_in left timeout -k 2 12 "$I" --peer "$IKX_ADDR_right" --cert "$P/$name.crt" \
		--key "$P/$name.key" --ca "$P/ca.crt" --ike "$IKX_IKE_PROPOSALS" \
		--esp "$IKX_ESP_PROPOSALS" --ts "$IKX_NET_left=$IKX_NET_right" \
		-S "$W/state" --timeout 8 "$@"
}

# to_strongswan KIND : ike-initiate -> charon, both with KIND keys: established
to_strongswan() {
	ikx_cert_pki "$1" || fail "pki"
	ikx_cert_charon right responder right || fail "charon"
	run --separate-stderr initiate left
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_success
	[ "$(ikx_ike_spis_any right)" = "${output/-/_}" ] ||
		fail "strongSwan lists '$(ikx_ike_spis_any right)', we wrote '$output'"
	grep -q "^remote_id=$IKX_ADDR_right\$" "$W/state/$output/ike.sa"
	ikx_log_grep right "authentication of 'O=ikekit interop lab, CN=left' with .* successful" >/dev/null ||
		fail "charon did not authenticate our DN"
}

# from_strongswan KIND : charon -> ike-respond, both with KIND keys: established
from_strongswan() {
	ikx_cert_pki "$1" || fail "pki"
	ikx_cert_charon left initiator left || fail "charon"
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --cert "$P/right.crt" \
		--key "$P/right.key" --ca "$P/ca.crt" --ike "$IKX_IKE_PROPOSALS" \
		--esp "$IKX_ESP_PROPOSALS" --ts "$IKX_NET_right" -S "$W/state" ||
		fail "ike-respond did not start"
	run ikx_sw left --initiate --ike ikx --child net --timeout 10
	assert_success
	spis=$(ikx_respond_peer_spis)
	[ -n "$spis" ] || fail "no ESTABLISHED SA in swanctl"
	[ -f "$W/state/${spis/_/-}/ike.sa" ] || fail "no state for $spis: $(ls "$W/state")"
	grep -q "^established ${spis/_/-} " "$IKX_RUN/respond.out"
	ikx_log_grep left "authentication of 'O=ikekit interop lab, CN=right' with .* successful" >/dev/null ||
		fail "charon did not authenticate our DN"
}

@test "ike-initiate -> strongSwan: RSA-2048 certificates" {
	to_strongswan rsa
}

@test "ike-initiate -> strongSwan: ECDSA P-256 certificates" {
	to_strongswan ecdsa
}

@test "ike-initiate -> strongSwan: Ed25519 certificates" {
	to_strongswan ed25519
}

@test "strongSwan -> ike-respond: RSA-2048 certificates" {
	from_strongswan rsa
}

@test "strongSwan -> ike-respond: ECDSA P-256 certificates" {
	from_strongswan ecdsa
}

@test "strongSwan -> ike-respond: Ed25519 certificates" {
	from_strongswan ed25519
}

@test "ike-initiate refuses strongSwan's certificate from another CA (exit 3, says why)" {
	ikx_cert_pki ecdsa || fail "pki"
	ikx_cert_charon right responder stranger || fail "charon"
	run --separate-stderr initiate left
	assert_failure 3
	[ "$stderr" = "ike-initiate: $IKX_ADDR_right: IKE_AUTH: peer not authenticated: certificate not trusted: unable to get local issuer certificate" ] ||
		fail "stderr: $stderr"
	[ ! -e "$W/state" ] || [ -z "$(ls -A "$W/state")" ] || fail "state recorded"
}

@test "strongSwan refuses our expired certificate: ike-initiate exit 3 AUTHENTICATION_FAILED" {
	ikx_cert_pki ecdsa || fail "pki"
	ikx_cert_charon right responder right || fail "charon"
	run --separate-stderr initiate expired
	assert_failure 3
	[ "$stderr" = "ike-initiate: $IKX_ADDR_right: IKE_AUTH: peer sent AUTHENTICATION_FAILED" ] ||
		fail "stderr: $stderr"
	ikx_log_grep right "expired" >/dev/null || fail "charon log does not say expired"
}

@test "ike-respond refuses strongSwan's certificate from another CA and an expired one" {
	local cert
	ikx_cert_pki ecdsa || fail "pki"
	ikx_cert_charon left initiator stranger || fail "charon"
	# the expired certificate, loaded next to it under another connection
	cp "$P/expired.crt" "$(ikx_dir left)/swanctl/x509/" &&
		cp "$P/expired.key" "$(ikx_dir left)/swanctl/private/" &&
		sed -e 's/^  ikx {/  old {/' -e 's/stranger.crt/expired.crt/' \
			"$(ikx_dir left)/swanctl/swanctl.conf" >>"$(ikx_dir left)/swanctl/swanctl.conf" &&
		ikx_load left || fail "second connection"
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --cert "$P/right.crt" \
		--key "$P/right.key" --ca "$P/ca.crt" --ike "$IKX_IKE_PROPOSALS" \
		--esp "$IKX_ESP_PROPOSALS" --ts "$IKX_NET_right" -S "$W/state" ||
		fail "ike-respond did not start"
	for cert in ikx old; do
		run ikx_sw left --initiate --ike "$cert" --child net --timeout 10
		assert_failure
	done
	grep -q "AUTHENTICATION_FAILED" "$IKX_RUN/respond.out" || fail "no refused event"
	grep -q "IKE_AUTH: peer not authenticated: certificate not trusted: unable to get local issuer certificate" \
		"$IKX_RUN/respond.err" || fail "no log line for the other CA"
	grep -q "IKE_AUTH: peer not authenticated: certificate not trusted: certificate has expired" \
		"$IKX_RUN/respond.err" || fail "no log line for the expired certificate"
	ikx_log_grep left "received AUTHENTICATION_FAILED notify error" >/dev/null ||
		fail "charon did not get AUTHENTICATION_FAILED"
	[ -z "$(ikx_respond_peer_spis)" ] || fail "an SA is up"
}
