#!/usr/bin/env bats
# respond-strongswan.bats: ike-respond answering strongSwan 5.9.8 as INITIATOR
# (charon with kernel-libipsec: NAT-D faked, so IKE_AUTH and everything after
# comes over UDP 4500 with the non-ESP marker).
#
#   ns ikx-ID-l: charon (initiator)           ns ikx-ID-r: ike-respond
#   192.0.2.1 ikxID-l  <------ veth ------>  ikxID-r 192.0.2.2
#   tunnel 10.91.1.0/24 <=================> 10.91.2.0/24
#
# Two suites establish (swanctl lists the SA ESTABLISHED with the SPIs
# ike-respond wrote to its state dir); charon's DPD (dpd_delay = 2s) is
# answered and the SA stays up; `swanctl --terminate` makes ike-respond remove
# the SA from its state dir; a wrong PSK on charon's side is refused with
# AUTHENTICATION_FAILED.  On failure the test's files are copied to
# ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	R=$IKEKIT_BIN/ike-respond
	[ -x "$R" ] || fail "ike-respond not built: $R (run make)"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-respond.bash
	. "$HERE/lib-respond.bash"
	IKX_PROG=respond-strongswan
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
}

teardown() {
	if [ -n "${IKX_RUN:-}" ] && [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -d "${W:-}" ]; then
		local name dst
		cp "$(ikx_dir left)/charon.log" "$W/charon-left.log" 2>/dev/null
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$W"/ 2>/dev/null
		ikx_sw left --list-sas >"$W/list-sas.txt" 2>&1
		name=$(printf '%s' "$BATS_TEST_DESCRIPTION" | tr -cs 'A-Za-z0-9_.-' '-' | sed 's/-*$//')
		dst=${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/$name
		rm -rf "$dst"
		mkdir -p "$dst" && cp -a "$W"/. "$dst"/ && echo "# artifacts: $dst" >&3
	fi
	ikx_respond_stop
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# up IKE ESP : charon (left) with these proposals, ike-respond (right) with
# the same, state dir $W/state
up() {
	IKX_IKE_PROPOSALS=$1 IKX_ESP_PROPOSALS=$2
	ikx_init || fail "ikx_init failed"
	ikx_initiator_up || fail "strongSwan initiator did not come up"
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ike "$1" --esp "$2" --ts "$IKX_NET_right" -S "$W/state" -v ||
		fail "ike-respond did not start"
}

initiate() {
	ikx_sw left --initiate --ike ikx --child net --timeout 8 >"$W/initiate.out" 2>&1
}

# our_sas : "ispi_rspi" of each SA in the state dir
our_sas() {
	local f
	for f in "$W"/state/*/ike.sa; do
		[ -f "$f" ] || continue
		printf '%s_%s\n' "$(sed -n 's/^ispi=//p' "$f")" "$(sed -n 's/^rspi=//p' "$f")"
	done
}

# established IKE ESP : initiate, then both sides agree on the IKE and ESP SPIs
established() {
	up "$1" "$2"
	initiate || { cat "$W/initiate.out" >&3; fail "swanctl --initiate failed"; }
	local theirs ours child
	theirs=$(ikx_respond_peer_spis)
	ours=$(our_sas)
	[ -n "$theirs" ] || fail "no ESTABLISHED IKE SA on strongSwan's side"
	assert_equal "$ours" "$theirs"
	# strongSwan lists in/out as seen from the left: its in = our out
	child=$(ikx_child_spis left)
	f=$(ls "$W"/state/*/child.*.sa)
	assert_equal "$child" "$(sed -n 's/^spi_out=0x//p' "$f")/$(sed -n 's/^spi_in=0x//p' "$f")"
	grep -q '^role=responder$' "$W"/state/*/ike.sa || fail "role is not responder"
	grep -q "^established .* peer 192.0.2.1:4500 " "$IKX_RUN/respond.out" ||
		fail "no 'established' line: $(cat "$IKX_RUN/respond.out")"
}

@test "aes256gcm16-prfsha256-x25519 / aes256gcm16: strongSwan establishes with ike-respond" {
	established aes256gcm16-prfsha256-x25519 aes256gcm16
}

@test "aes128-sha256-modp2048 / aes128-sha256: strongSwan establishes with ike-respond" {
	established aes128-sha256-modp2048 aes128-sha256
}

@test "charon's DPD liveness checks are answered and the SA stays up" {
	established aes256gcm16-prfsha256-x25519 aes256gcm16
	sleep 6.5
	[ -n "$(ikx_respond_peer_spis)" ] || fail "SA no longer ESTABLISHED after 6 s"
	assert_equal "$(ikx_respond_peer_spis)" "$(our_sas)"
	run grep -c '^dpd ' "$IKX_RUN/respond.out"
	[ "$output" -ge 2 ] || fail "ike-respond logged $output dpd events"
}

@test "swanctl --terminate: ike-respond removes the SA from its state dir" {
	established aes256gcm16-prfsha256-x25519 aes256gcm16
	ikx_sw left --terminate --ike ikx --timeout 5 >"$W/terminate.out" 2>&1 ||
		{ cat "$W/terminate.out" >&3; fail "swanctl --terminate failed"; }
	ikx_until 5 test -z "$(our_sas)" || fail "SA still in the state dir: $(our_sas)"
	grep -q '^deleted ' "$IKX_RUN/respond.out" || fail "no 'deleted' line"
	grep -q 'INFORMATIONAL response 2 \[ \]' "$(ikx_dir left)/charon.log" ||
		grep -q 'IKE_SA ikx\[1\] state change: DELETING => DESTROYING' "$(ikx_dir left)/charon.log" ||
		fail "charon did not see our answer to its Delete"
}

@test "wrong PSK on strongSwan's side: AUTHENTICATION_FAILED, nothing established" {
	IKX_PSK=not-the-right-key-at-all
	printf "%s\n" ikekit-interop-lab-psk-not-secret >"$W/psk"
	up aes256gcm16-prfsha256-x25519 aes256gcm16
	run initiate
	assert_failure
	[ -z "$(ikx_respond_peer_spis)" ] || fail "strongSwan has an IKE SA"
	grep -q 'AUTHENTICATION_FAILED' "$IKX_RUN/respond.out" ||
		fail "ike-respond did not log AUTHENTICATION_FAILED: $(cat "$IKX_RUN/respond.out")"
	[ -z "$(our_sas)" ] || fail "ike-respond wrote an SA"
	grep -q 'AUTHENTICATION_FAILED' "$(ikx_dir left)/charon.log" || fail "charon saw no AUTHENTICATION_FAILED"
}
