#!/usr/bin/env bats
# frag-strongswan.bats: IKE fragmentation (RFC 7383) with strongSwan 5.9.8:
# IKE_AUTH with RSA-2048 certificates (lib-cert.bash) is larger than a small
# MTU, so both sides send it in SKF fragments, each encrypted on its own:
#
#   ns ikx-ID-l (192.0.2.1)                        ns ikx-ID-r (192.0.2.2)
#   ike-initiate --frag-mtu 576  --------------->  charon, fragment_size 512
#   charon, fragment_size 512  ----------------->  ike-respond --frag-mtu 576
#
# Each way the SA is ESTABLISHED in swanctl with the SPIs we recorded, and
# charon's log says it reassembled our fragments ("received fragment #n of
# n, reassembled fragmented IKE message") and split its own message ("splitting
# IKE message ... into N fragments").  On failure the test's files are copied
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
	IKX_PROG=frag-strongswan
	IKX_FRAGMENT_SIZE=512
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

# frag_charon SIDE ROLE : lib-cert.bash's charon with fragmentation = yes
frag_charon() {
	local conf
	ikx_cert_charon "$1" "$2" "$1" || return 1
	conf="$(ikx_dir "$1")/swanctl/swanctl.conf"
	sed -i 's/^    mobike = no$/&\n    fragmentation = yes/' "$conf" &&
		grep -q 'fragmentation = yes' "$conf" && ikx_load "$1"
}

@test "ike-initiate --frag-mtu 576 -> strongSwan (fragment_size 512): RSA certificates, fragments both ways" {
	ikx_cert_pki rsa || fail "pki"
	frag_charon right responder || fail "charon"
	run --separate-stderr ikx_in left timeout -k 2 12 "$I" --peer "$IKX_ADDR_right" \
		--cert "$P/left.crt" --key "$P/left.key" --ca "$P/ca.crt" \
		--ike "$IKX_IKE_PROPOSALS" --esp "$IKX_ESP_PROPOSALS" \
		--ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" --timeout 8 \
		--frag-mtu 576 -v
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_success
	[ "$(ikx_ike_spis_any right)" = "${output/-/_}" ] ||
		fail "strongSwan lists '$(ikx_ike_spis_any right)', we wrote '$output'"
	[[ $stderr == *"message 1 of "*" bytes sent as "*" fragments"* ]] || fail "we did not fragment"
	[[ $stderr == *"message 1 reassembled from "*" fragments"* ]] || fail "we reassembled nothing"
	ikx_log_grep right "received fragment #[0-9]+ of [0-9]+, reassembled fragmented IKE message" >/dev/null ||
		fail "charon did not reassemble our fragments"
	ikx_log_grep right "splitting IKE message .* into [0-9]+ fragments" >/dev/null ||
		fail "charon did not fragment its response"
}

@test "strongSwan (fragment_size 512) -> ike-respond --frag-mtu 576: RSA certificates, fragments both ways" {
	ikx_cert_pki rsa || fail "pki"
	frag_charon left initiator || fail "charon"
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --cert "$P/right.crt" \
		--key "$P/right.key" --ca "$P/ca.crt" --ike "$IKX_IKE_PROPOSALS" \
		--esp "$IKX_ESP_PROPOSALS" --ts "$IKX_NET_right" -S "$W/state" \
		--frag-mtu 576 -v ||
		fail "ike-respond did not start"
	run ikx_sw left --initiate --ike ikx --child net --timeout 10
	assert_success
	spis=$(ikx_respond_peer_spis)
	[ -n "$spis" ] || fail "no ESTABLISHED SA in swanctl"
	grep -q "^established ${spis/_/-} " "$IKX_RUN/respond.out"
	ikx_log_grep left "splitting IKE message .* into [0-9]+ fragments" >/dev/null ||
		fail "charon did not fragment its request"
	grep -q "reassembled from [0-9]* fragments" "$IKX_RUN/respond.err" ||
		fail "ike-respond reassembled nothing"
	ikx_log_grep left "received fragment #[0-9]+ of [0-9]+, reassembled fragmented IKE message" >/dev/null ||
		fail "charon did not reassemble our fragments"
}
