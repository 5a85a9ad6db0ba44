#!/usr/bin/env bats
# lossy-rekey.bats: rekeys against strongSwan 5.9.8 over a lossy link.  A
# userspace bridge in a middle namespace (tests/tools/lossy-bridge.py, set
# up by lib-lossy.bash) drops 30 % of the UDP 500/4500 frames each way,
# sends 10 % twice and delays each by 0 to 300 ms so that they overtake one
# another, from before the IKE SA is set up to the end.
#
#   ns ikx-ID-l: ike-initiate, ike-rekey, esp-tun   ns ikx-ID-m: bridge   ns ikx-ID-r: charon
#   192.0.2.1, inner 10.91.1.1  <-- veth --> [drop dup delay] <-- veth -->  192.0.2.2, 10.91.2.1
#
# Checked:
#   - `ike-initiate --encap` sets the SA up with its own retransmissions;
#     then LOSSY_RUNS (20) Child SA rekeys `ike-rekey -v NAME --timeout
#     LOSSY_REKEY_TIMEOUT (90)`, one after the other: each must exit 0, and
#     then charon's installed Child SAs of that IKE SA must be exactly the one
#     of our state dir, SPIs crossed (swanctl --list-sas); at most 1 % of the
#     runs may fail (none of 20; a failed run is replaced by a fresh SA so
#     that the next run is counted on its own).  The bridge dropped
#     LOSSY_DROP +- 0.15 of the frames it could drop (when it saw 50 or
#     more).  Printed: runs, failures, retransmissions, times, the bridge's
#     counters (also to LOSSY_REPORT if set, with one line per run);
#   - charon rekeying the Child SA every 4 s (rekey_time) while esp-tun
#     carries it, ESP in UDP through the same lossy link: esp-tun answers
#     every CREATE_CHILD_SA and Delete (charon never gives up), makes one new
#     Child SA per rekey (child-up events = rekeys charon completed: a
#     retransmitted request is answered again, not made into a second SA),
#     the state dir follows (charon's Child SAs are ours once charon is
#     idle), some pings pass under loss, and all of them once the loss is
#     turned off (SIGUSR1 to the bridge).
#
# Why --timeout 90: ike-rekey sends a request at 0 s and again after 0.5,
# 1, 2, 4 s and then every 8 s (0.5 1.5 3.5 7.5 15.5 23.5 ... 87.5 s): 15
# tries within 90 s.  A try gets through when the request and the answer
# both do, 0.7 x 0.7 = 0.49 (charon answers each copy of a request it has
# answered again; a duplicate never saves a dropped frame), so an exchange
# fails with 0.51^15 = 4e-5, a rekey (CREATE_CHILD_SA and the INFORMATIONAL
# Delete) with 8e-5: 0.2 % that one of 20 runs fails, 4e-5 that 2 of 100 do.
# With --timeout 60 (11 tries) it would be 1.2e-3 a rekey, 2.4 % for 20
# runs.  Most rekeys take 1 to 5 s; an exchange needs 6 tries or more
# (15.5 s) with 0.51^5 = 3.5 %, so about one rekey in 15 takes that long.
#
# Knobs: LOSSY_RUNS, LOSSY_REKEY_TIMEOUT, LOSSY_SEED (the bridge's seed;
# default random, printed), LOSSY_REPORT (a file: the summary lines), and
# lib-lossy.bash's (LOSSY_DROP, LOSSY_DUP, LOSSY_REORDER_MS, ...).  Every
# wait is bounded; processes are stopped by pid.  On failure the test's
# files (state dir, outputs, charon's log, the bridge's log and counters)
# are copied to ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan, raw sockets)"
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
	# shellcheck source=tests/interop/lib-lossy.bash
	. "$HERE/lib-lossy.bash"
	IKX_PROG=lossy-rekey
	RUNS=${LOSSY_RUNS:-20}
	TMO=${LOSSY_REKEY_TIMEOUT:-90}
	LOSSY_DROP=${LOSSY_DROP:-0.30} LOSSY_DUP=${LOSSY_DUP:-0.10} LOSSY_REORDER_MS=${LOSSY_REORDER_MS:-300}
	case $BATS_TEST_DESCRIPTION in *"strongSwan rekeys"*) IKX_RESPONDER_CHILD_REKEY=4s ;; esac
	ikx_init || fail "ikx_init failed"
	ikx_responder_up || fail "strongSwan responder behind the lossy bridge did not come up"
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
}

teardown() {
	esptun_down
	if ikx_failed; then
		lossy_bridge_running && lossy_bridge_stop 2>/dev/null
		cp "$(ikx_dir right)/charon.log" "$W/charon-right.log" 2>/dev/null
		cp "$IKX_RUN"/lossy-bridge.* "$IKX_RUN/lossy-seed" "$W/" 2>/dev/null
		ikx_sw right --list-sas >"$W/list-sas.txt" 2>&1
		cp -a "$(esptun_dir)" "$W/esptun" 2>/dev/null
		ikx_keep
	fi
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

kv() { sed -n "s/^$2=//p" "$1"; }

# say LINE : a summary line, on the TAP stream and in LOSSY_REPORT
say() {
	echo "# $*" >&3
	[ -z "${LOSSY_REPORT:-}" ] || echo "$*" >>"$LOSSY_REPORT"
}

# sa_up NAME : ike-initiate sets up SA NAME through the bridge (its own
# retransmissions, --timeout 90)
sa_up() {
	run --separate-stderr ikx_in left timeout -k 2 100 "$I" -v --peer "$IKX_ADDR_right" \
		--psk-file "$W/psk" --ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" \
		--timeout 90 --encap --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --name "$1"
	# shellcheck disable=SC2154 # stderr: set by run --separate-stderr
	printf '%s\n' "$stderr" >"$W/initiate-$1.err"
	[ "$status" = 0 ] || fail "ike-initiate $1: exit $status: $stderr"
	[ -n "$(kv "$W/state/$1/ike.sa" child)" ] || fail "ike-initiate $1: no Child SA"
}

# swan_children ISPI RSPI : "in/out" of charon's INSTALLED Child SAs of the
# IKE SA with these SPIs
swan_children() {
	ikx_sw right --list-sas 2>/dev/null | awk -v i="$1" -v r="$2" '
		/^[^ ]/ { s = $0; gsub(/[*]/, "", s); ours = index(s, i "_i") && index(s, r "_r"); on = 0; next }
		!ours { next }
		/^  [^ ]+: #[0-9]+, .*INSTALLED/ { on = 1; next }
		/^  [^ ]/ { on = 0 }
		on && $1 == "in"  { x = $2; sub(/,$/, "", x) }
		on && $1 == "out" { o = $2; sub(/,$/, "", o); print x "/" o; on = 0 }' | sort
}

# ours SA : "in/out" as charon sees our Child SAs (its in = our out)
ours() {
	local f
	for f in "$W/state/$1"/child.*.sa; do
		[ -f "$f" ] || continue
		printf '%s/%s\n' "$(esptun_hex8 "$(kv "$f" spi_out)")" "$(esptun_hex8 "$(kv "$f" spi_in)")"
	done | sort
}

# agree SA : SA has one Child SA in our state dir, and charon's installed
# Child SAs of that IKE SA are exactly it
agree() {
	local a b
	a=$(ours "$1")
	b=$(swan_children "$(kv "$W/state/$1/ike.sa" ispi)" "$(kv "$W/state/$1/ike.sa" rspi)")
	[ -n "$a" ] && [ "$(wc -l <<<"$a")" = 1 ] && [ "$a" = "$b" ] && return 0
	echo "state dir [$a], charon [$b]" >"$W/disagree.txt"
	return 1
}

@test "lossy link (30 % loss, 10 % duplicates, reordering): LOSSY_RUNS Child SA rekeys by ike-rekey all converge" {
	local n=0 fails=0 sa=s gen=0 t0 ms st rt tot_rt=0 max_ms=0 sum_ms=0 new err
	say "seed $(cat "$IKX_RUN/lossy-seed"), drop $LOSSY_DROP, dup $LOSSY_DUP, reorder 0-$LOSSY_REORDER_MS ms, $RUNS runs, ike-rekey --timeout $TMO"
	sa_up "$sa"
	agree "$sa" || fail "after ike-initiate: $(cat "$W/disagree.txt")"
	while [ $n -lt "$RUNS" ]; do
		n=$((n + 1))
		rm -f "$W/disagree.txt"
		t0=$(date +%s%N)
		# two exchanges of at most TMO s each
		run --separate-stderr ikx_in left timeout -k 2 $((2 * TMO + 15)) "$K" -v -S "$W/state" \
			--timeout "$TMO" "$sa"
		st=$status new=$output err=$stderr
		ms=$((($(date +%s%N) - t0) / 1000000))
		rt=$(grep -c 'sending again' <<<"$err" || true)
		tot_rt=$((tot_rt + rt)) sum_ms=$((sum_ms + ms))
		[ $ms -le $max_ms ] || max_ms=$ms
		printf '%d %s exit %d %d ms %d retransmissions %s\n' "$n" "$sa" "$st" "$ms" "$rt" "$new" >>"$W/runs.txt"
		printf '%s\n' "$err" >>"$W/rekey-$sa.err"
		if [ "$st" = 0 ] && [ -f "$W/state/$sa/child.$new.sa" ] && ikx_until 5 agree "$sa"; then
			continue
		fi
		fails=$((fails + 1))
		say "run $n failed: exit $st ($(tail -n 1 <<<"$err")); $(cat "$W/disagree.txt" 2>/dev/null)"
		cp "$(ikx_dir right)/charon.log" "$W/charon-right-fail-$n.log"
		# the next run on a fresh SA, so that each is counted alone
		gen=$((gen + 1)) sa=s$gen
		sa_up "$sa"
	done
	[ -z "${LOSSY_REPORT:-}" ] || cat "$W/runs.txt" >>"$LOSSY_REPORT"
	lossy_bridge_stop || fail "bridge"
	say "$n rekeys, $fails failed; $tot_rt retransmissions by ike-rekey; mean $((sum_ms / n)) ms, longest $max_ms ms"
	say "bridge: $LOSSY_COUNTERS"
	local matched dropped
	matched=$(lossy_counter matched) dropped=$(lossy_counter dropped)
	[ "$dropped" -gt 0 ] || fail "the bridge dropped nothing ($LOSSY_COUNTERS)"
	# the share dropped within 0.15 of LOSSY_DROP (more than 3 standard
	# deviations at 50 frames)
	if [ "$matched" -ge 50 ]; then
		awk -v d="$dropped" -v m="$matched" -v p="$LOSSY_DROP" \
			'BEGIN { x = d / m - p; exit !(x <= 0.15 && x >= -0.15) }' ||
			fail "the bridge dropped $dropped of $matched frames (--drop $LOSSY_DROP)"
	fi
	# at most 1 % of the runs (none of fewer than 100)
	[ $((fails * 100)) -le "$n" ] || fail "$fails of $n rekeys did not converge (see runs.txt)"
}

# charon_msgids WHAT : the distinct message IDs of charon's log lines
# "WHAT EXCHANGE request|response ID" (WHAT: generating or parsed) whose
# exchange and kind match the ERE $2 (e.g. 'CREATE_CHILD_SA response')
charon_msgids() {
	ikx_log_grep right "$1 [A-Z_]+ (request|response) [0-9]+" |
		sed -nE "s/.*$1 ($2) ([0-9]+) .*/\\2/p" | sort -un
}

# charon_idle : every request charon made has had its answer
charon_idle() {
	[ -z "$(comm -23 <(charon_msgids generating '[A-Z_]+ request') \
		<(charon_msgids parsed '[A-Z_]+ response'))" ]
}

# rekeys : the number of CREATE_CHILD_SA exchanges charon completed
rekeys() { charon_msgids parsed 'CREATE_CHILD_SA response' | wc -l; }
rekeys_ge() { [ "$(rekeys)" -ge "$1" ]; }

# settled : charon idle, and its Child SAs are our state dir's
settled() { charon_idle && agree s; }

@test "lossy link, ESP in UDP too: strongSwan rekeys every 4 s, esp-tun answers every rekey, the state dir follows, pings pass" {
	local done_n ups pp recv
	say "seed $(cat "$IKX_RUN/lossy-seed"), drop $LOSSY_DROP, dup $LOSSY_DUP, reorder 0-$LOSSY_REORDER_MS ms, charon rekey_time 4s"
	sa_up s
	esptun_start L left -S "$W/state" --sa s --json -v || fail "esp-tun did not come up"
	# pings all along (ESP in UDP meets the same loss): ~16 s
	ikx_in left ping -c 80 -i 0.2 -W 1 -I "$IKX_HOST_left" "$IKX_HOST_right" >"$W/ping-lossy.out" 2>&1 &
	pp=$!
	esptun_record ping-lossy "$pp" ping
	# three rekeys completed by charon (CREATE_CHILD_SA answered), at most 60 s
	ikx_until 60 rekeys_ge 3 || fail "charon completed $(rekeys) rekeys in 60 s"
	wait "$pp"
	recv=$(sed -nE 's/.* ([0-9]+) received.*/\1/p' "$W/ping-lossy.out")
	say "under loss: ${recv:-0} of 80 pings answered"
	[ "${recv:-0}" -ge 8 ] || fail "under loss: $(tail -n 2 "$W/ping-lossy.out")"
	# the loss off: charon finishes what it has in flight, then ours and
	# charon's Child SAs must be the same (charon rekeys again every 4 s:
	# a moment between two rekeys)
	lossy_bridge_signal USR1 || fail "bridge"
	ikx_until 30 settled || fail "not settled in 30 s: $(cat "$W/disagree.txt" 2>/dev/null)"
	! ikx_log_grep right 'giving up after' >/dev/null || fail "charon gave up: $(ikx_log_grep right 'giving up after')"
	done_n=$(rekeys)
	ups=$(esptun_events L | grep -c '"event":"child-up"')
	say "charon: $done_n rekeys, $(ikx_log_grep right 'retransmit [0-9]+ of request' | wc -l) retransmissions; esp-tun: $ups child-up events"
	# one new Child SA per rekey: a rekey between charon_idle and here adds
	# one child-up event first (esp-tun writes before it answers)
	[ "$ups" -ge "$done_n" ] && [ "$ups" -le $((done_n + 1)) ] ||
		fail "charon completed $done_n rekeys, esp-tun made $ups Child SAs: $(esptun_events L)"
	esptun_ping left 10 || fail "pings after the loss was turned off"
	esptun_running L || fail "esp-tun exited: $(cat "$(esptun_dir)/L.err")"
	lossy_bridge_stop || fail "bridge"
	say "bridge: $LOSSY_COUNTERS"
	[ "$(lossy_counter dropped)" -gt 0 ] || fail "the bridge dropped nothing"
	[ "$(lossy_counter reordered)" -gt 0 ] || fail "the bridge reordered nothing"
	esptun_stop L
	assert_equal "$ESPTUN_STATUS" 0
}
