#!/usr/bin/env bats
# stay-strongswan.bats: ike-initiate --stay answers strongSwan 5.9.8 (the
# responder) for as long as the SA lives; strongSwan checks our liveness
# every 2 s (dpd_delay = 2s in its swanctl.conf).
#
#   ns ikx-ID-l: ike-initiate --stay          ns ikx-ID-r: charon (responder)
#   192.0.2.1 ikxID-l  <------ veth ------>  ikxID-r 192.0.2.2
#   tunnel 10.91.1.0/24 <=================> 10.91.2.0/24
#
# DPD: after 7 s strongSwan still lists the SA ESTABLISHED, its log shows
# its empty INFORMATIONAL requests answered (no retransmission), and our -v
# log shows them as liveness checks.  `swanctl --terminate --ike` on the
# responder: ike-initiate answers the Delete, leaves the state dir empty and
# exits 0 with a "deleted" event (--json on stdout, else on stderr).  SIGTERM
# to ike-initiate: it sends a Delete of the IKE SA, strongSwan's SA goes,
# exit 0.  Each within 15 s; processes are stopped by pid.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	I=$IKEKIT_BIN/ike-initiate
	[ -x "$I" ] || fail "ike-initiate not built: $I (run make)"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	PID=
	# shellcheck source=tests/interop/lib-initiate.bash
	. "$HERE/lib-initiate.bash"
	IKX_PROG=stay-strongswan
	IKX_RESPONDER_DPD_DELAY=2s
	ikx_init || fail "ikx_init failed"
	ikx_responder_up || fail "strongSwan responder did not come up"
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
}

teardown() {
	if [ -n "$PID" ] && [ "$(cat "/proc/$PID/comm" 2>/dev/null)" = ike-initiate ]; then
		kill -KILL "$PID" 2>/dev/null
	fi
	if ikx_failed; then
		cp "$(ikx_dir right)/charon.log" "$W/charon-right.log" 2>/dev/null
		ikx_sw right --list-sas >"$W/list-sas.txt" 2>&1
		ikx_keep
	fi
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# stay ARGS... : ike-initiate --stay -v in the left namespace, in the
# background (PID), until it has printed the SA on stdout (W/out)
stay() {
	local i=0
	# not ikx_in: a function in the background is a subshell, and PID must
	# be ike-initiate's (ip netns exec execs it)
	ip netns exec "$(ikx_var NS left)" "$I" --peer "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" --timeout 5 \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --name site-b \
		--stay -v "$@" >"$W/out" 2>"$W/err" &
	PID=$!
	ikx_wait_exec "$PID" ike-initiate || fail "pid $PID is not ike-initiate"
	until [ -s "$W/out" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] && [ -d "/proc/$PID" ] || { cat "$W/err"; fail "no SA on stdout"; }
		sleep 0.1
	done
}

# wait_stay : wait for ike-initiate (at most 15 s), sets STATUS
wait_stay() {
	local i=0
	while [ -d "/proc/$PID" ] && [ "$(cat "/proc/$PID/comm" 2>/dev/null)" = ike-initiate ]; do
		i=$((i + 1))
		[ $i -lt 150 ] || fail "ike-initiate still runs after 15 s"
		sleep 0.1
	done
	STATUS=0
	wait "$PID" || STATUS=$?
	PID=
}

no_ike_right() { [ -z "$(ikx_ike_spis_any right)" ]; }

@test "ike-initiate --stay -> strongSwan: DPD every 2 s is answered, the SA stays ESTABLISHED" {
	local ispi rspi n
	stay --pcap "$W/stay.pcap"
	assert_equal "$(cat "$W/out")" site-b
	ispi=$(sed -n 's/^ispi=//p' "$W/state/site-b/ike.sa")
	rspi=$(sed -n 's/^rspi=//p' "$W/state/site-b/ike.sa")
	sleep 7
	[ -d "/proc/$PID" ] || fail "ike-initiate exited: $(cat "$W/err")"
	run ikx_ike_spis_any right
	assert_output "${ispi}_${rspi}"
	# charon: "generating INFORMATIONAL request 0 [ ]" ... "parsed
	# INFORMATIONAL response 0 [ ]", never a retransmission
	n=$(ikx_log_grep right 'parsed INFORMATIONAL response [0-9]+ \[ \]' | wc -l)
	[ "$n" -ge 2 ] || fail "strongSwan saw $n DPD responses"
	! ikx_log_grep right 'retransmit' >/dev/null
	n=$(grep -c 'INFORMATIONAL request [0-9]* (liveness check): answered' "$W/err")
	[ "$n" -ge 2 ] || fail "ike-initiate answered $n liveness checks"
	kill -TERM "$PID"
	wait_stay
	assert_equal "$STATUS" 0
	# --pcap: each liveness check and its answer, then our Delete and its
	run "$IKEKIT_BIN/ike-decode" "$W/stay.pcap"
	n=$(grep -c 'INFORMATIONAL' <<<"$output")
	[ "$n" -ge 6 ] && [ $((n % 2)) = 0 ] || fail "$n INFORMATIONAL messages in the capture: $output"
}

@test "ike-initiate --stay -> strongSwan: swanctl --terminate --ike: exit 0, state dir entry gone" {
	stay --json
	[ -f "$W/state/site-b/ike.sa" ]
	ikx_sw right --terminate --ike ikx --timeout 10 >"$W/terminate.out" 2>&1 ||
		fail "terminate: $(cat "$W/terminate.out")"
	wait_stay
	assert_equal "$STATUS" 0
	[ -z "$(ls -A "$W/state")" ] || fail "state left: $(ls -AR "$W/state")"
	# stdout: the SA, then the event
	[ "$(sed -n 1p "$W/out" | jq -r .name)" = site-b ]
	[ "$(sed -n 2p "$W/out" | jq -c .)" = '{"event":"deleted","name":"site-b","by":"peer"}' ]
	grep -q 'INFORMATIONAL request [0-9]* (Delete of the IKE SA): answered' "$W/err"
	ikx_until 5 no_ike_right
}

@test "ike-initiate --stay -> strongSwan: SIGTERM sends a Delete, strongSwan's SA goes, exit 0" {
	stay
	[ -n "$(ikx_ike_spis_any right)" ]
	kill -TERM "$PID"
	wait_stay
	assert_equal "$STATUS" 0
	grep -q 'site-b: IKE SA deleted on a signal' "$W/err"
	[ -z "$(ls -A "$W/state")" ] || fail "state left: $(ls -AR "$W/state")"
	ikx_until 5 no_ike_right || fail "strongSwan still has the IKE SA"
	ikx_log_grep right 'parsed INFORMATIONAL request 2 \[ D \]' >/dev/null
}
