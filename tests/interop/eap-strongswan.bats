#!/usr/bin/env bats
# eap-strongswan.bats: EAP in IKE_AUTH (RFC 7296 2.16) between our programs
# and strongSwan 5.9.8 (plugins eap-identity, eap-mschapv2, eap-md5), the
# responder authenticated by its certificate (auth = pubkey, a CA made per
# run by lib-cert.bash), the initiator by EAP (the account carol):
#
#   ns ikx-ID-l (192.0.2.1)                  ns ikx-ID-r (192.0.2.2)
#   ike-initiate --eap-id carol  -------->   charon (remote auth = eap-*)
#   charon (local auth = eap-*)  -------->   ike-respond --eap-secrets
#
# EAP-MSCHAPv2 (its MSK keys the AUTH payloads) and EAP-MD5 (no MSK: SK_pi
# and SK_pr do) establish: swanctl lists the IKE SA ESTABLISHED with the SPIs
# we recorded and its Child SA INSTALLED; a wrong password is refused (exit 3
# naming AUTHENTICATION_FAILED on our side, a log line naming the user on
# ike-respond's).  On failure the test's files are copied to
# ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

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
	# charon with the EAP plugins: lib.bash's strongswan.conf, one line more
	eval "ikx__plain_conf() $(declare -f ikx_write_strongswan_conf | tail -n +2)"
	ikx_write_strongswan_conf() {
		ikx__plain_conf "$1" &&
			sed -i 's/^  load = random nonce /  load = random nonce eap-identity eap-mschapv2 eap-md5 md5 /' \
				"$(ikx_dir "$1")/strongswan.conf"
	}
	IKX_PROG=eap-strongswan
	ikx_init || fail "ikx_init failed"
	ikx_netns_up || fail "namespaces"
	P=$IKX_RUN/cpki
	ikx_cert_pki ecdsa || fail "pki"
	(umask 077 && printf '# user : password\ncarol : %s\n' "$PASS" >"$W/secrets")
}

PASS='Tr0ub4dor&3 horse'

teardown() {
	if ikx_failed; then
		local s
		for s in left right; do
			cp "$(ikx_dir $s)/charon.log" "$W/charon-$s.log" 2>/dev/null
		done
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$W"/ 2>/dev/null
		rm -f "$W/secrets"
		ikx_keep
	fi
	ikx_respond_stop
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# eap_charon SIDE ROLE METHOD SECRET : SIDE's charon; responder: its
# certificate, the peer by EAP METHOD with carol's SECRET; initiator: EAP
# METHOD as carol, the other side by certificate
eap_charon() {
	local side=$1 role=$2 method=$3 secret=$4 other sd sub mine peer
	other=$(ikx_other "$side")
	sd="$(ikx_dir "$side")/swanctl"
	ikx_charon_start "$side" || return 1
	for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$sd/$sub"
	done
	cp "$P/ca.crt" "$sd/x509ca/" || return 1
	if [ "$role" = responder ]; then
		cp "$P/$side.crt" "$sd/x509/" && (umask 077 && cp "$P/$side.key" "$sd/private/") || return 1
		mine="auth = pubkey
      certs = $side.crt
      id = $(ikx_var ADDR "$side")"
		peer="auth = eap-$method
      eap_id = %any"
	else
		mine="auth = eap-$method
      eap_id = carol"
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
secrets {
  eap-carol {
    id = carol
    secret = "$secret"
  }
}
CONF
	)
	ikx_load "$side"
}

# initiate ARGS... : ike-initiate (left) as carol, trusting ca
initiate() {
	ikx_in left timeout -k 2 15 "$I" --peer "$IKX_ADDR_right" --eap-id carol \
		--ca "$P/ca.crt" --ike "$IKX_IKE_PROPOSALS" --esp "$IKX_ESP_PROPOSALS" \
		--ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" --timeout 10 "$@"
}

# to_strongswan METHOD METHODS NAME : ike-initiate (taking METHODS) -> charon
# (asking for METHOD, EAP_NAME in its log): established
to_strongswan() {
	eap_charon right responder "$1" "$PASS" || fail "charon"
	run --separate-stderr initiate --eap-secrets "$W/secrets" --eap-method "$2"
	# shellcheck disable=SC2154 # stderr: set by run --separate-stderr
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_success
	[ -n "$output" ] || fail "no SA name printed"
	[ "$(ikx_ike_spis_any right)" = "${output/-/_}" ] ||
		fail "strongSwan lists '$(ikx_ike_spis_any right)', we wrote '$output'"
	[ "$(ikx_child_spis_any right | wc -l)" -eq 1 ] || fail "no Child SA INSTALLED"
	ikx_log_grep right "EAP method EAP_$3 succeeded" >/dev/null ||
		fail "charon did not log EAP_$3 success"
}

@test "ike-initiate -> strongSwan: EAP-MSCHAPv2" {
	to_strongswan mschapv2 mschapv2,md5 MSCHAPV2
}

@test "ike-initiate -> strongSwan: EAP-MD5" {
	to_strongswan md5 md5 MD5
}

@test "ike-initiate -> strongSwan: EAP-MD5 when MS-CHAPv2 is preferred" {
	to_strongswan md5 mschapv2,md5 MD5
}

@test "ike-initiate -> strongSwan: a Nak of its only method is exit 3" {
	eap_charon right responder mschapv2 "$PASS" || fail "charon"
	run --separate-stderr initiate --eap-secrets "$W/secrets" --eap-method md5
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_failure 3
	[[ $stderr == *AUTHENTICATION_FAILED* ]] || fail "stderr: $stderr"
	ikx_log_grep right "received EAP_NAK, supported types: EAP_MD5|NAK" >/dev/null ||
		fail "charon saw no Nak"
}

@test "ike-initiate -> strongSwan: wrong EAP password is exit 3" {
	eap_charon right responder mschapv2 "not $PASS" || fail "charon"
	run --separate-stderr initiate --eap-secrets "$W/secrets"
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_failure 3
	[[ $stderr == *AUTHENTICATION_FAILED* ]] || fail "stderr: $stderr"
	[ -z "$(ikx_ike_spis_any right)" ] || fail "strongSwan has an SA"
	[[ $stderr != *"$PASS"* ]] || fail "the password on stderr"
}

@test "ike-initiate -> strongSwan: EAP-MD5 wrong password is exit 3" {
	eap_charon right responder md5 "not $PASS" || fail "charon"
	printf '%s' "$PASS" >"$W/pw"
	chmod 600 "$W/pw"
	run --separate-stderr initiate --eap-password-file "$W/pw"
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_failure 3
	[[ $stderr == *AUTHENTICATION_FAILED* ]] || fail "stderr: $stderr"
}

# from_strongswan METHOD METHODS NAME : charon (taking METHOD) -> ike-respond
# (offering METHODS): established
from_strongswan() {
	eap_charon left initiator "$1" "$PASS" || fail "charon"
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --cert "$P/right.crt" \
		--key "$P/right.key" --id "$IKX_ADDR_right" --eap-secrets "$W/secrets" \
		--eap-method "$2" --ike "$IKX_IKE_PROPOSALS" \
		--esp "$IKX_ESP_PROPOSALS" --ts "$IKX_NET_right" -S "$W/state" ||
		fail "ike-respond did not start"
	run ikx_sw left --initiate --ike ikx --child net --timeout 10
	assert_success
	spis=$(ikx_respond_peer_spis)
	[ -n "$spis" ] || fail "no ESTABLISHED SA in swanctl"
	[ -f "$W/state/${spis/_/-}/ike.sa" ] || fail "no state for $spis: $(ls "$W/state")"
	grep -q "^established ${spis/_/-} " "$IKX_RUN/respond.out"
	[ "$(ikx_child_spis left | wc -l)" -eq 1 ] || fail "no Child SA INSTALLED"
	ikx_log_grep left "authentication of '$IKX_ADDR_right' with .* successful" >/dev/null ||
		fail "charon did not authenticate our certificate"
	ikx_log_grep left "EAP method EAP_$3 succeeded" >/dev/null ||
		fail "charon did not log EAP_$3 success"
}

@test "strongSwan -> ike-respond: EAP-MSCHAPv2" {
	from_strongswan mschapv2 mschapv2 MSCHAPV2
}

@test "strongSwan -> ike-respond: EAP-MD5 after a Nak of MS-CHAPv2" {
	from_strongswan md5 mschapv2,md5 MD5
	ikx_log_grep left "EAP_NAK" >/dev/null || fail "charon sent no Nak"
}

@test "strongSwan -> ike-respond: wrong EAP password refused" {
	eap_charon left initiator mschapv2 "not $PASS" || fail "charon"
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --cert "$P/right.crt" \
		--key "$P/right.key" --id "$IKX_ADDR_right" --eap-secrets "$W/secrets" \
		--ike "$IKX_IKE_PROPOSALS" --esp "$IKX_ESP_PROPOSALS" \
		--ts "$IKX_NET_right" -S "$W/state" || fail "ike-respond did not start"
	run ikx_sw left --initiate --ike ikx --child net --timeout 10
	assert_failure
	[ -z "$(ikx_respond_peer_spis)" ] || fail "an SA is up"
	ikx_until 3 grep -q "user 'carol': wrong password" "$IKX_RUN/respond.err" ||
		fail "ike-respond did not say why: $(cat "$IKX_RUN/respond.err")"
	! grep -q "$PASS" "$IKX_RUN/respond.err" "$IKX_RUN/respond.out"
}
