#!/usr/bin/env bats
# eap-tls-strongswan.bats: EAP-TLS (RFC 5216, and TLS 1.3) in IKE_AUTH (RFC 7296 2.16)
# between our programs and strongSwan 5.9.8 (plugins eap-identity, eap-tls;
# its libtls offers TLS 1.2 by default, as we do), the responder
# authenticated by its certificate (auth = pubkey), the initiator by its own
# certificate inside EAP-TLS (a CA made per run by lib-cert.bash):
#
#   ns ikx-ID-l (192.0.2.1)                  ns ikx-ID-r (192.0.2.2)
#   ike-initiate --eap-method tls  ------>   charon (remote auth = eap-tls)
#   charon (local auth = eap-tls)  ------>   ike-respond --eap-method tls
#
# Each way the IKE SA comes up with the same SPIs on both sides and its
# Child SA INSTALLED, charon logging EAP_TLS success; a client certificate
# of another CA (stranger) is refused: exit 3 naming AUTHENTICATION_FAILED
# for ike-initiate, "EAP-TLS: client certificate: ..." logged by
# ike-respond, no SA on either side. A strongSwan whose libtls offers up to
# TLS 1.3 (libtls.version_max): ike-initiate agrees on 1.3 with it and keys
# the MSK as the early draft of RFC 9190 it follows (no commitment message
# came), or on 1.2 with --eap-tls-max 1.2; ike-respond (1.2 by default: see
# eap_tls.c) agrees on 1.2 with it. On failure the test's files are copied
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
	# charon with the EAP-TLS plugins: lib.bash's strongswan.conf, one line
	# more; with TLS_MAX its libtls offers TLS up to that version
	eval "ikx__plain_conf() $(declare -f ikx_write_strongswan_conf | tail -n +2)"
	ikx_write_strongswan_conf() {
		ikx__plain_conf "$1" &&
			sed -i 's/^  load = random nonce /  load = random nonce eap-identity eap-tls /' \
				"$(ikx_dir "$1")/strongswan.conf" || return 1
		[ -z "${TLS_MAX:-}" ] ||
			printf 'libtls {\n  version_max = %s\n}\n' "$TLS_MAX" >>"$(ikx_dir "$1")/strongswan.conf"
	}
	IKX_PROG=eap-tls-strongswan
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
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$W"/ 2>/dev/null
		ikx_keep
	fi
	ikx_respond_stop
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# tls_charon SIDE ROLE [CERT] : SIDE's charon; responder: its certificate,
# the peer by EAP-TLS (any EAP identity its certificate names); initiator:
# EAP-TLS with CERT (default SIDE), its address as IKE ID and EAP identity
tls_charon() {
	local side=$1 role=$2 cert=${3:-$1} other sd sub mine peer
	other=$(ikx_other "$side")
	sd="$(ikx_dir "$side")/swanctl"
	ikx_charon_start "$side" || return 1
	for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$sd/$sub"
	done
	cp "$P/ca.crt" "$sd/x509ca/" || return 1
	cp "$P/$cert.crt" "$sd/x509/" && (umask 077 && cp "$P/$cert.key" "$sd/private/") || return 1
	if [ "$role" = responder ]; then
		mine="auth = pubkey
      certs = $cert.crt
      id = $(ikx_var ADDR "$side")"
		peer="auth = eap-tls
      eap_id = %any"
	else
		mine="auth = eap-tls
      certs = $cert.crt
      id = $(ikx_var ADDR "$side")"
		peer="auth = pubkey
      id = $(ikx_var ADDR "$other")"
	fi
	(
		umask 077
		cat >"$sd/swanctl.conf" <<CONF
connections {
  ikx {
    version = 2
    local_addrs = $(ikx_var ADDR "$side")
    remote_addrs = $([ "$role" = responder ] && echo %any || ikx_var ADDR "$other")
    proposals = $IKX_IKE_PROPOSALS
    encap = yes
    mobike = no
    unique = never
    local {
      $mine
    }
    remote {
      $peer
    }
    children {
      net {
        local_ts = $(ikx_var NET "$side")
        remote_ts = $(ikx_var NET "$other")
        esp_proposals = $IKX_ESP_PROPOSALS
        mode = tunnel
        start_action = none
      }
    }
  }
}
CONF
	)
	ikx_load "$side"
}

# initiate CERT ARGS... : ike-initiate (left) by EAP-TLS with CERT, trusting ca
initiate() {
	local cert=$1
	shift
	ikx_in left timeout -k 2 15 "$I" --peer "$IKX_ADDR_right" --eap-method tls \
		--cert "$P/$cert.crt" --key "$P/$cert.key" --ca "$P/ca.crt" \
		--ike "$IKX_IKE_PROPOSALS" --esp "$IKX_ESP_PROPOSALS" \
		--ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" --timeout 10 "$@"
}

@test "ike-initiate -> strongSwan: EAP-TLS" {
	tls_charon right responder || fail "charon"
	# no --id: the certificate's DN is the IKE ID and, as text, the EAP
	# identity strongSwan asks for and finds in the certificate
	run --separate-stderr initiate left
	# shellcheck disable=SC2154 # stderr: set by run --separate-stderr
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_success
	[ -n "$output" ] || fail "no SA name printed"
	[ "$(ikx_ike_spis_any right)" = "${output/-/_}" ] ||
		fail "strongSwan lists '$(ikx_ike_spis_any right)', we wrote '$output'"
	[ "$(ikx_child_spis_any right | wc -l)" -eq 1 ] || fail "no Child SA INSTALLED"
	ikx_log_grep right "EAP method EAP_TLS succeeded" >/dev/null ||
		fail "charon did not log EAP_TLS success"
}

@test "ike-initiate -> strongSwan: an untrusted client certificate is exit 3" {
	tls_charon right responder || fail "charon"
	run --separate-stderr initiate stranger --id "$IKX_ADDR_left"
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_failure 3
	[[ $stderr == *AUTHENTICATION_FAILED* ]] || fail "stderr: $stderr"
	[ -z "$(ikx_ike_spis_any right)" ] || fail "strongSwan has an SA"
	ikx_log_grep right "EAP method EAP_TLS failed for peer" >/dev/null ||
		fail "charon did not log the EAP_TLS failure"
	ikx_log_grep right "no trusted certificate found .* to verify TLS peer" >/dev/null ||
		fail "charon did not refuse the client certificate"
}

# respond: ike-respond (right) offering EAP-TLS, its certificate right
respond() {
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --cert "$P/right.crt" \
		--key "$P/right.key" --id "$IKX_ADDR_right" --ca "$P/ca.crt" \
		--eap-method tls --ike "$IKX_IKE_PROPOSALS" \
		--esp "$IKX_ESP_PROPOSALS" --ts "$IKX_NET_right" -S "$W/state"
}

@test "strongSwan -> ike-respond: EAP-TLS" {
	local spis
	tls_charon left initiator || fail "charon"
	respond || fail "ike-respond did not start"
	run ikx_sw left --initiate --ike ikx --child net --timeout 10
	assert_success
	spis=$(ikx_respond_peer_spis)
	[ -n "$spis" ] || fail "no ESTABLISHED SA in swanctl"
	[ -f "$W/state/${spis/_/-}/ike.sa" ] || fail "no state for $spis: $(ls "$W/state")"
	grep -q "^established ${spis/_/-} " "$IKX_RUN/respond.out"
	[ "$(ikx_child_spis left | wc -l)" -eq 1 ] || fail "no Child SA INSTALLED"
	ikx_log_grep left "authentication of '$IKX_ADDR_right' with .* successful" >/dev/null ||
		fail "charon did not authenticate our certificate"
	ikx_log_grep left "EAP method EAP_TLS succeeded" >/dev/null ||
		fail "charon did not log EAP_TLS success"
}

@test "strongSwan -> ike-respond: an untrusted client certificate is refused" {
	tls_charon left initiator stranger || fail "charon"
	respond || fail "ike-respond did not start"
	run ikx_sw left --initiate --ike ikx --child net --timeout 10
	assert_failure
	[ -z "$(ikx_respond_peer_spis)" ] || fail "an SA is up"
	ikx_until 3 grep -q "EAP-TLS: client certificate: " "$IKX_RUN/respond.err" ||
		fail "ike-respond did not say why: $(cat "$IKX_RUN/respond.err")"
	[ -z "$(find "$W/state" -name ike.sa 2>/dev/null)" ] || fail "ike-respond keeps an SA"
}

@test "strongSwan offering TLS 1.3 (libtls.version_max): 1.3 with ike-initiate (the draft's MSK), 1.2 with ike-respond" {
	local spis
	TLS_MAX=1.3
	tls_charon right responder || fail "charon right"
	run --separate-stderr initiate left -v
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_success
	[ "$(ikx_ike_spis_any right)" = "${output/-/_}" ] || fail "SPIs differ"
	ikx_log_grep right "negotiated TLS 1.3 using" >/dev/null || fail "charon right: not TLS 1.3"
	[[ $stderr == *"EAP-TLS: TLSv1.3, the MSK as in RFC 9190's early draft (no commitment message came)"* ]] ||
		fail "ike-initiate: $stderr"
	# capped at 1.2: 1.2
	run --separate-stderr initiate left --eap-tls-max 1.2
	assert_success
	[ "$(ikx_log_grep right "negotiated TLS 1.2 using" | wc -l)" = 1 ] || fail "charon right: not TLS 1.2"
	ikx_charon_stop right	# its port is ike-respond's now
	tls_charon left initiator || fail "charon left"
	respond || fail "ike-respond did not start"
	run ikx_sw left --initiate --ike ikx --child net --timeout 10
	assert_success
	spis=$(ikx_respond_peer_spis)
	[ -n "$spis" ] && [ -f "$W/state/${spis/_/-}/ike.sa" ] || fail "no SA for '$spis'"
	ikx_log_grep left "negotiated TLS 1.2 using" >/dev/null || fail "charon left: not TLS 1.2"
}
