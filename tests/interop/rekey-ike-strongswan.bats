#!/usr/bin/env bats
# rekey-ike-strongswan.bats: `ike-rekey --ike` (our rekey of the IKE SA,
# RFC 7296 1.3.2, 2.18) against strongSwan 5.9.8 as responder, on an SA that
# ike-initiate made.  charon runs with dpd_delay = 2s: it checks our
# liveness on whatever IKE SA it has.
#
# Alone: exit 0 and the --json event; charon has exactly one IKE SA, with
# the SPIs that ike.sa now holds (the old one gone at both ends after our
# Delete), and the Child SA still installed with the same SPIs; a Child SA
# rekey on the new IKE SA (message IDs from 0); then an esp-tun started on
# it carries pings and answers charon's liveness checks (2 or more in 6 s,
# none retransmitted).  Through a running esp-tun (--dpd-delay 1) under
# pings: none lost, esp-tun takes the new IKE SA (an ike-rekeyed event) for
# its own liveness checks (2 or more in 5 s, all answered, no "dead"), a
# Child SA rekey and finally the Delete of the IKE SA (esp-tun exits 0).
# (Each side's liveness checks keep the other's quiet, so each test looks
# at one direction.)
#
#   ns ikx-ID-l: ike-initiate, ike-rekey, esp-tun     ns ikx-ID-r: charon
#   192.0.2.1, inner 10.91.1.1                         192.0.2.2, inner 10.91.2.1
#
# Every wait is bounded; esp-tun is stopped by pid.  On failure the test's
# files go to ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	I=$IKEKIT_BIN/ike-initiate
	K=$IKEKIT_BIN/ike-rekey
	[ -x "$I" ] && [ -x "$K" ] || fail "not built (run make)"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-initiate.bash
	. "$HERE/lib-initiate.bash"
	# shellcheck source=tests/interop/lib-esptun.bash
	. "$HERE/lib-esptun.bash"
	IKX_PROG=rekey-ike-strongswan
	IKX_RESPONDER_DPD_DELAY=2s
	ikx_init || fail "ikx_init failed"
	ikx_responder_up || fail "strongSwan responder did not come up"
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
	run --separate-stderr ikx_in left timeout -k 2 12 "$I" --peer "$IKX_ADDR_right" \
		--psk-file "$W/psk" --ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" \
		--timeout 8 --encap --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --name s
	# shellcheck disable=SC2154 # stderr: set by run --separate-stderr
	[ "$status" = 0 ] || fail "ike-initiate: exit $status: $stderr"
	OLD=$(ike_spis)
	CHILDREN=$(ours)
}

teardown() {
	esptun_down
	if ikx_failed; then
		cp "$(ikx_dir right)/charon.log" "$W/charon-right.log" 2>/dev/null
		ikx_sw right --list-sas >"$W/list-sas.txt" 2>&1
		cp -a "$(esptun_dir)" "$W/esptun" 2>/dev/null
		ikx_keep
	fi
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

kv() { sed -n "s/^$2=//p" "$1"; }

# ike_spis : "ispi_rspi" of ike.sa
ike_spis() { printf '%s_%s' "$(kv "$W/state/s/ike.sa" ispi)" "$(kv "$W/state/s/ike.sa" rspi)"; }

# ours : "out/in" of each Child SA of the state dir, as charon lists them
ours() {
	local f
	for f in "$W"/state/s/child.*.sa; do
		[ -f "$f" ] && printf '%s/%s\n' "$(kv "$f" spi_out | sed 's/^0x//')" "$(kv "$f" spi_in | sed 's/^0x//')"
	done | sort
}

# rekey ARGS... : ike-rekey ARGS in the left namespace, bounded
rekey() {
	run --separate-stderr ikx_in left timeout -k 2 30 "$K" -S "$W/state" "$@"
}

# one_ike : charon has exactly one IKE SA, ike.sa's
one_ike() { [ "$(ikx_ike_spis_any right)" = "$(ike_spis)" ]; }

# same_children : charon's installed Child SAs are exactly ours
same_children() { [ "$(ikx_child_spis_any right | sort)" = "$(ours)" ]; }

# mark : the next charon log line is where since() starts
mark() { MARK=$(($(wc -l <"$(ikx_dir right)/charon.log") + 1)); }

# since ERE : charon's log lines since mark() that match ERE
since() { tail -n "+$MARK" "$(ikx_dir right)/charon.log" | grep -E "$1"; }

# check_rekeyed : the IKE SA rekeyed: new SPIs in ike.sa, charon has only
# those, the Child SAs unchanged at both ends
check_rekeyed() {
	[ "$(ike_spis)" != "$OLD" ] || fail "ike.sa keeps the old SPIs"
	ikx_until 5 one_ike || fail "charon has [$(ikx_ike_spis_any right)], ike.sa $(ike_spis)"
	assert_equal "$(ours)" "$CHILDREN"
	same_children || fail "charon's Child SAs [$(ikx_child_spis_any right)], ours [$(ours)]"
	ikx_log_grep right 'parsed CREATE_CHILD_SA request [0-9]+ \[ SA No KE \]' >/dev/null ||
		fail "charon did not log our rekey request"
	ikx_log_grep right 'generating CREATE_CHILD_SA response [0-9]+ \[ SA No KE \]' >/dev/null ||
		fail "charon did not answer it"
	ikx_log_grep right 'parsed INFORMATIONAL request [0-9]+ \[ D \]' >/dev/null ||
		fail "charon got no Delete of the old IKE SA"
}

# check_dpd WHAT : since mark(), at least 2 liveness checks (WHAT: request,
# ours; response, charon's answered) on the IKE SA of ike.sa, the only one
# charon has, and nothing retransmitted
check_dpd() {
	[ "$(since "parsed INFORMATIONAL $1 [0-9]+ \\[ \\]" | wc -l)" -ge 2 ] ||
		fail "not 2 liveness checks ($1) in charon's log: $(since INFORMATIONAL)"
	! since 'retransmit' >/dev/null || fail "charon retransmitted: $(since retransmit)"
	one_ike || fail "charon has [$(ikx_ike_spis_any right)], ike.sa $(ike_spis)"
}

@test "ike-rekey --ike -> strongSwan: the new IKE SPIs at both ends, the old SA gone, the Child SA kept; then a Child SA rekey, and esp-tun on the new SA: pings and DPD both ways" {
	rekey --ike --json s
	[ "$status" = 0 ] || fail "exit $status: $stderr"
	[ -z "$stderr" ] || fail "stderr: $stderr"
	assert_equal "$(jq -r .event <<<"$output")" ike-rekeyed
	assert_equal "$(jq -r '.ispi + "_" + .rspi' <<<"$output")" "$(ike_spis)"
	assert_equal "$(jq -r '.old_ispi + "_" + .old_rspi' <<<"$output")" "$OLD"
	check_rekeyed
	assert_equal "$(kv "$W/state/s/ike.sa" msgid_out)" 0
	# a Child SA rekey on the new IKE SA: its message IDs from 0
	rekey s
	[ "$status" = 0 ] || fail "Child SA rekey: exit $status: $stderr"
	ikx_log_grep right 'parsed CREATE_CHILD_SA request 0 \[ N\(REKEY_SA\) SA No TSi TSr \]' >/dev/null ||
		fail "no Child SA rekey at message ID 0"
	assert_equal "$(kv "$W/state/s/ike.sa" msgid_out)" 2
	ikx_until 5 same_children || fail "charon's Child SAs [$(ikx_child_spis_any right)], ours [$(ours)]"
	# esp-tun on it: traffic, and charon's liveness checks answered (the
	# one it sent while nobody answered first, retransmitted)
	esptun_start L left -S "$W/state" --sa s --json || fail "esp-tun did not come up"
	esptun_ping left 3 || fail "ping through esp-tun"
	mark
	ikx_until 15 since 'parsed INFORMATIONAL response [0-9]+ \[ \]' >/dev/null ||
		fail "charon's liveness check not answered: $(since INFORMATIONAL)"
	mark
	sleep 6
	esptun_running L || fail "esp-tun exited: $(cat "$(esptun_dir)/L.err")"
	check_dpd response
	esptun_ping left 3 || fail "ping after the liveness checks"
	esptun_stop L
	assert_equal "$ESPTUN_STATUS" 0
}

@test "ike-rekey --ike -> strongSwan through a running esp-tun, under pings: none lost; esp-tun takes the new IKE SA for DPD both ways, a Child SA rekey and the IKE SA's Delete" {
	local pp
	esptun_start L left -S "$W/state" --sa s --json --dpd-delay 1 --dpd-timeout 5 ||
		fail "esp-tun did not come up"
	esptun_ping left 3 || fail "ping before the rekey"
	ikx_in left ping -c 30 -i 0.2 -W 1 -I "$IKX_HOST_left" "$IKX_HOST_right" >"$W/ping.out" 2>&1 &
	pp=$!
	sleep 1
	rekey --ike s
	[ "$status" = 0 ] || fail "exit $status: $stderr"
	assert_output s
	wait "$pp"
	grep -q '30 packets transmitted, 30 received' "$W/ping.out" || fail "$(cat "$W/ping.out")"
	check_rekeyed
	esptun_events L | grep -q '"event":"ike-rekeyed"' || fail "no ike-rekeyed event: $(cat "$(esptun_dir)/L.out")"
	# esp-tun's liveness checks on the new SA for 5 s
	mark
	sleep 5
	esptun_running L || fail "esp-tun exited: $(cat "$(esptun_dir)/L.err")"
	check_dpd request
	! esptun_events L | grep -q '"event":"dead"' || fail "esp-tun deemed the peer dead"
	esptun_ping left 3 || fail "ping after the rekey"
	# a Child SA rekey through esp-tun, on the new IKE SA
	rekey s
	[ "$status" = 0 ] || fail "Child SA rekey: exit $status: $stderr"
	ikx_until 5 same_children || fail "charon's Child SAs [$(ikx_child_spis_any right)], ours [$(ours)]"
	esptun_ping left 3 || fail "ping after the Child SA rekey"
	# the end: the new IKE SA's Delete, answered to esp-tun, which exits
	rekey --delete --ike s
	[ "$status" = 0 ] || fail "Delete: exit $status: $stderr"
	esptun_wait_exit L 10 || fail "esp-tun still runs"
	assert_equal "$ESPTUN_STATUS" 0
	ikx_until 5 test -z "$(ikx_ike_spis_any right)" || fail "charon keeps the IKE SA"
}
