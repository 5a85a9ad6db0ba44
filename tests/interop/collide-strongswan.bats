#!/usr/bin/env bats
# collide-strongswan.bats: simultaneous rekeys with strongSwan 5.9.8 (RFC
# 7296 2.8.1, 2.8.2, 2.25).  Both ends rekey the same SA at the same moment
# (`ike-rekey` on the left, `swanctl --rekey` on the right) while esp-tun
# carries the SA.  To make the requests cross on the wire every time, the
# link goes through tests/tools/lossy-bridge.py (lib-lossy.bash) with no
# loss and --collide-ms: the first CREATE_CHILD_SA request of one direction
# is held until the other direction's has passed.
#
#   ns ikx-ID-l: ike-initiate, ike-rekey, esp-tun   ns ikx-ID-m: bridge   ns ikx-ID-r: charon
#
# Checked:
#   - Child SA collisions, COLLIDE_RUNS (10) of them, more (up to 20) until
#     both outcomes were seen: ike-rekey exits 0; the bridge saw the
#     requests cross each time; charon's verdict ("CHILD_SA rekey collision
#     won/lost" in its log) is the opposite of ike-rekey's (--json
#     "collision"), or ike-rekey saw none and charon lost (charon deleted
#     its redundant SA before ike-rekey looked: nothing left to settle);
#     then exactly one Child SA is left, the same at both ends (our state
#     dir against `swanctl --list-sas`, SPIs crossed), it is the one
#     ike-rekey named (and ike.sa's child= names it), not the old one, and
#     pings through esp-tun are answered.  Printed: how many times ours won and lost;
#   - IKE SA collisions, COLLIDE_IKE_RUNS (4): `ike-rekey --ike` and
#     `swanctl --rekey --ike`: ike-rekey exits 0 and reports the collision,
#     charon's verdict is the opposite (charon's "peer did not notice"
#     counts as its loss: our Delete of the old SA came first); then one IKE
#     SA at each end, the same SPIs in ike.sa and at charon, one Child SA,
#     the same at both ends, pings pass, esp-tun still runs;
#   - the peer's Delete of the Child SA crossing our rekey of it (the bridge
#     holds our request until charon's INFORMATIONAL request has passed;
#     a second Child SA, charon's, keeps esp-tun running): esp-tun answers
#     the Delete, ike-rekey exits 3 (EXIT_REFUSED) naming the peer's Notify
#     and saying the peer deleted it; the other Child SA alone is left at
#     both ends and carries pings;
#   - our Delete of the Child SA crossing charon's rekey of it (charon's
#     request held until ours has passed): esp-tun answers that rekey with
#     TEMPORARY_FAILURE (RFC 7296 2.25.1), the Delete completes, and no
#     Child SA is left at either end.
#
# Every wait is bounded; processes are stopped by pid.  On failure the
# test's files (state dir, outputs, charon's log, the bridge's log) are
# copied to ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

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
	IKX_PROG=collide
	LOSSY_DROP=0 LOSSY_DUP=0 LOSSY_REORDER_MS=0 LOSSY_MATCH=ike LOSSY_COLLIDE_MS=3000
	case $BATS_TEST_DESCRIPTION in *"Delete"*) LOSSY_COLLIDE_INFO=1 ;; esac
	ikx_init || fail "ikx_init failed"
	ikx_responder_up || fail "strongSwan responder behind the bridge did not come up"
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
}

teardown() {
	# an ike-rekey stopped for a test and not killed yet
	if [ -n "${KILL_PID:-}" ] && [ "$(cat "/proc/$KILL_PID/comm" 2>/dev/null)" = ike-rekey ]; then
		kill -9 "$KILL_PID" 2>/dev/null
	fi
	esptun_down
	if ikx_failed; then
		lossy_bridge_running && lossy_bridge_stop 2>/dev/null
		cp "$(ikx_dir right)/charon.log" "$W/charon-right.log" 2>/dev/null
		cp "$IKX_RUN"/lossy-bridge.* "$W/" 2>/dev/null
		ikx_sw right --list-sas >"$W/list-sas.txt" 2>&1
		cp -a "$(esptun_dir)" "$W/esptun" 2>/dev/null
		ikx_keep
	fi
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

kv() { sed -n "s/^$2=//p" "$1"; }

# sa_up NAME : ike-initiate sets up SA NAME through the bridge, then esp-tun
# carries it
sa_up() {
	run --separate-stderr ikx_in left timeout -k 2 40 "$I" -v --peer "$IKX_ADDR_right" \
		--psk-file "$W/psk" --ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" \
		--timeout 30 --encap --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --name "$1"
	# shellcheck disable=SC2154 # stderr: set by run --separate-stderr
	[ "$status" = 0 ] || fail "ike-initiate $1: exit $status: $stderr"
	esptun_start L left -S "$W/state" --sa "$1" --json -v || fail "esp-tun did not come up"
}

# swan_children : "in/out" of charon's installed Child SAs of the IKE SA
# in our ike.sa
swan_children() {
	local i r
	i=$(kv "$W/state/s/ike.sa" ispi) r=$(kv "$W/state/s/ike.sa" rspi)
	ikx_sw right --list-sas 2>/dev/null | awk -v i="$i" -v r="$r" '
		/^[^ ]/ { s = $0; gsub(/[*]/, "", s); ours = index(s, i "_i") && index(s, r "_r"); on = 0; next }
		!ours { next }
		/^  [^ ]+: #[0-9]+, .*INSTALLED/ { on = 1; next }
		/^  [^ ]/ { on = 0 }
		on && $1 == "in"  { x = $2; sub(/,$/, "", x) }
		on && $1 == "out" { o = $2; sub(/,$/, "", o); print x "/" o; on = 0 }' | sort
}

# ours : "in/out" as charon sees our Child SAs (its in = our out)
ours() {
	local f
	for f in "$W/state/s"/child.*.sa; do
		[ -f "$f" ] || continue
		printf '%s/%s\n' "$(esptun_hex8 "$(kv "$f" spi_out)")" "$(esptun_hex8 "$(kv "$f" spi_in)")"
	done | sort
}

# agree [N] : N (1) Child SAs in our state dir, and charon's installed
# Child SAs of that IKE SA (and no other) are exactly them; one IKE SA at
# charon, ours
agree() {
	local a b n=${1:-1} ike
	a=$(ours) b=$(swan_children)
	ike=$(ikx_ike_spis right)
	if [ "$ike" = "$(kv "$W/state/s/ike.sa" ispi)_$(kv "$W/state/s/ike.sa" rspi)" ] &&
		[ "$(grep -c . <<<"$a")" = "$n" ] && [ "$a" = "$b" ] &&
		[ "$(ikx_child_spis_any right | grep -c .)" = "$n" ]; then
		return 0
	fi
	echo "state dir [$a] ike [$(kv "$W/state/s/ike.sa" ispi)]; charon [$b] ike [$ike] all [$(ikx_child_spis_any right | tr '\n' ' ')]" >"$W/disagree.txt"
	return 1
}

# both_rekey N ARGS... : ike-rekey ARGS on the left and, at the same moment,
# swanctl RK_SW on the right (first when RK_SW_FIRST is 1: a request the
# bridge holds); RK_STATUS, RK_OUT, RK_ERR
both_rekey() {
	local n=$1 kp; shift
	if [ "${RK_SW_FIRST:-0}" = 1 ]; then
		ikx_sw right "${RK_SW[@]}" >"$W/swanctl-$n.out" 2>&1 || { cat "$W/swanctl-$n.out" >&2; fail "swanctl ${RK_SW[*]}"; }
	fi
	ikx_in left timeout -k 2 60 "$K" -v --json -S "$W/state" --timeout 20 "$@" \
		>"$W/rekey-$n.out" 2>"$W/rekey-$n.err" &
	kp=$!
	if [ "${RK_SW_FIRST:-0}" != 1 ]; then
		# our request journaled, so sent or about to be (the bridge
		# holds it until charon's passes): a slow start (ASan, a busy
		# machine) must not let charon's go first and alone
		ikx_until 10 grep -q '^pending_msgid=' "$W/state/s/ike.sa" || :
		ikx_sw right "${RK_SW[@]}" >"$W/swanctl-$n.out" 2>&1 || { cat "$W/swanctl-$n.out" >&2; fail "swanctl ${RK_SW[*]}"; }
	fi
	RK_STATUS=0
	wait "$kp" || RK_STATUS=$?
	RK_OUT=$(cat "$W/rekey-$n.out") RK_ERR=$(cat "$W/rekey-$n.err")
}

crossed() { jq -r '.crossed' <<<"$LOSSY_COUNTERS"; }

# swan_verdicts WHAT : how many times charon logged "WHAT rekey collision
# won" and "... lost" (WHAT: CHILD_SA or IKE_SA), as "WON LOST"; "peer did
# not notice WHAT rekey collision" counts as lost: our Delete of the old SA
# came before charon took the answer to its own rekey, and charon dropped
# its new SA for ours
swan_verdicts() {
	local w l
	w=$(ikx_log_grep right "$1 rekey collision won" | wc -l)
	l=$(ikx_log_grep right "$1 rekey collision lost|peer did not notice $1 rekey collision" | wc -l)
	echo "$w $l"
}

# swan_settled WHAT WON LOST : charon logged one more verdict than WON LOST
swan_settled() {
	local w l
	read -r w l <<<"$(swan_verdicts "$1")"
	[ $((w + l)) -gt $(($2 + $3)) ]
}

# outcome WHAT WON LOST OURS : charon's verdict of the collision after
# WON LOST, as ours ("won": charon lost); it must match what ike-rekey
# said (OURS: won, lost, or none when the peer's redundant SA was deleted
# before ike-rekey looked, which only a losing peer does)
outcome() {
	local w l ours=$4 v
	ikx_until 10 swan_settled "$1" "$2" "$3" || { echo "charon logged no verdict"; return 1; }
	read -r w l <<<"$(swan_verdicts "$1")"
	if [ "$l" -gt "$3" ]; then v=won; else v=lost; fi
	[ "$ours" = "$v" ] || { [ "$ours" = none ] && [ "$v" = won ]; } ||
		{ echo "ike-rekey said $ours, charon's verdict makes it $v"; return 1; }
	echo "$v"
}

@test "Child SA rekeys collide: one new Child SA survives at both ends, the nonces decide, pings pass" {
	local n=0 won=0 lost=0 silent=0 runs=${COLLIDE_RUNS:-10} v child old sw sl
	sa_up s
	ikx_until 10 agree || fail "after set-up: $(cat "$W/disagree.txt")"
	RK_SW=(--rekey --child net)
	while [ $n -lt "$runs" ] || { [ $n -lt 20 ] && { [ $won = 0 ] || [ $lost = 0 ]; }; }; do
		n=$((n + 1))
		old=$(ours)
		read -r sw sl <<<"$(swan_verdicts CHILD_SA)"
		both_rekey "$n" s
		[ "$RK_STATUS" = 0 ] || fail "run $n: ike-rekey exit $RK_STATUS: $RK_ERR"
		v=$(jq -r 'select(.event == "rekeyed") | .collision // "none"' <<<"$RK_OUT")
		child=$(jq -r 'select(.event == "rekeyed") | .child' <<<"$RK_OUT")
		[ "$v" != none ] || silent=$((silent + 1))
		v=$(outcome CHILD_SA "$sw" "$sl" "$v") || fail "run $n: $v: $RK_OUT $RK_ERR"
		case $v in
		won) won=$((won + 1)) ;;
		lost) lost=$((lost + 1)) ;;
		esac
		echo "$n $v $child" >>"$W/runs.txt"
		ikx_until 20 agree || fail "run $n ($v): not one Child SA at both ends: $(cat "$W/disagree.txt")"
		[ -f "$W/state/s/child.$child.sa" ] || fail "run $n ($v): ike-rekey named $child, the state dir has $(ls "$W/state/s")"
		[ "$(kv "$W/state/s/ike.sa" child)" = "$child" ] || fail "run $n ($v): ike.sa's child= is not $child: $(kv "$W/state/s/ike.sa" child)"
		[ "$(ours)" != "$old" ] || fail "run $n: the old Child SA is still the one"
		esptun_ping left 3 || fail "run $n ($v): pings through esp-tun"
	done
	echo "# $n Child SA collisions: ours won $won, lost $lost ($silent won with nothing left to settle: charon had deleted its SA first)" >&3
	[ $won -gt 0 ] && [ $lost -gt 0 ] || fail "one outcome only in $n runs: won $won, lost $lost"
	esptun_running L || fail "esp-tun exited: $(cat "$(esptun_dir)/L.err")"
	! ikx_log_grep right 'giving up after' >/dev/null || fail "charon gave up"
	lossy_bridge_stop || fail "bridge"
	echo "# bridge: $LOSSY_COUNTERS" >&3
	[ "$(crossed)" = "$n" ] || fail "the requests crossed $(crossed) times in $n runs"
}

@test "IKE SA rekeys collide: one IKE SA survives at both ends with the Child SA, pings pass" {
	local n=0 runs=${COLLIDE_IKE_RUNS:-4} v won=0 lost=0 old sw sl
	sa_up s
	ikx_until 10 agree || fail "after set-up: $(cat "$W/disagree.txt")"
	RK_SW=(--rekey --ike ikx)
	while [ $n -lt "$runs" ]; do
		n=$((n + 1))
		old=$(kv "$W/state/s/ike.sa" ispi)
		read -r sw sl <<<"$(swan_verdicts IKE_SA)"
		both_rekey "$n" --ike s
		[ "$RK_STATUS" = 0 ] || fail "run $n: ike-rekey --ike exit $RK_STATUS: $RK_ERR"
		v=$(jq -r 'select(.event == "ike-rekeyed") | .collision // "none"' <<<"$RK_OUT")
		[ "$v" != none ] || fail "run $n: no collision seen by ike-rekey: $RK_OUT $RK_ERR"
		v=$(outcome IKE_SA "$sw" "$sl" "$v") || fail "run $n: $v: $RK_OUT $RK_ERR"
		case $v in
		won) won=$((won + 1)) ;;
		lost) lost=$((lost + 1)) ;;
		esac
		echo "$n $v" >>"$W/runs.txt"
		ikx_until 20 agree || fail "run $n ($v): not one IKE SA and one Child SA at both ends: $(cat "$W/disagree.txt")"
		[ "$(kv "$W/state/s/ike.sa" ispi)" != "$old" ] || fail "run $n: the old IKE SA is still the one"
		esptun_ping left 3 || fail "run $n ($v): pings through esp-tun"
		esptun_running L || fail "run $n ($v): esp-tun exited: $(cat "$(esptun_dir)/L.err")"
	done
	echo "# $n IKE SA collisions: ours won $won, lost $lost" >&3
	lossy_bridge_stop || fail "bridge"
	[ "$(crossed)" = "$n" ] || fail "the requests crossed $(crossed) times in $n runs"
}

# stopped PID : process PID is stopped (SIGSTOP)
stopped() { [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = T ]; }

@test "a collision's loser or winner killed before the Delete it owes: the next run sends that Delete first" {
	local n=0 won=0 lost=0 kp v at child del spi sw sl w2 l2 mine old theirs
	sa_up s
	ikx_until 10 agree || fail "after set-up: $(cat "$W/disagree.txt")"
	# COLLIDE_KILL_RUNS (4) runs, more (up to 16) until each outcome
	# was seen twice
	while [ $n -lt "${COLLIDE_KILL_RUNS:-4}" ] || { [ $n -lt 16 ] && { [ $won -lt 2 ] || [ $lost -lt 2 ]; }; }; do
		n=$((n + 1))
		read -r sw sl <<<"$(swan_verdicts CHILD_SA)"
		# ike-rekey stops itself (-v and IKEKIT_TEST_STOP): odd runs
		# right after the write that records the outcome and journals
		# the Delete, before it goes; even runs between the new Child
		# SA's file and that write (the SA's lock held)
		if [ $((n % 2)) = 1 ]; then at=delete-owed; else at=recorded; fi
		# (ip netns exec and env exec it: $! is ike-rekey's pid)
		ip netns exec "$(ikx_var NS left)" env IKEKIT_TEST_STOP=$at "$K" -v --json \
			-S "$W/state" --timeout 20 s >"$W/kill-$n.out" 2>"$W/kill-$n.err" &
		kp=$! KILL_PID=$!
		ikx_until 10 grep -q '^pending_msgid=' "$W/state/s/ike.sa" || :
		ikx_sw right --rekey --child net >"$W/swanctl-$n.out" 2>&1 || fail "swanctl --rekey: $(cat "$W/swanctl-$n.out")"
		ikx_until 30 stopped "$kp" || fail "run $n: ike-rekey did not stop: $(cat "$W/kill-$n.err")"
		[ "$(cat "/proc/$kp/comm")" = ike-rekey ] || fail "pid $kp is not ike-rekey"
		kill -9 "$kp"
		wait "$kp" 2>/dev/null || :
		KILL_PID=
		# charon's verdict, ours the opposite
		ikx_until 10 swan_settled CHILD_SA "$sw" "$sl" || fail "run $n: charon logged no verdict"
		read -r w2 l2 <<<"$(swan_verdicts CHILD_SA)"
		if [ "$l2" -gt "$sl" ]; then v=won; else v=lost; fi
		[ $((w2 + l2)) = $((sw + sl + 1)) ] || fail "run $n: charon logged $((w2 + l2 - sw - sl)) verdicts"
		spi=$(kv "$W/state/s/ike.sa" pending_spi)
		mine=$(grep -l "^spi_in=$spi\$" "$W/state/s"/child.*.sa 2>/dev/null | sed 's|.*/child\.||; s|\.sa$||')
		case $at in
		delete-owed)
			# the owed Delete is in the journal: of ours when we
			# lost, of the old one when we won
			[ "$(kv "$W/state/s/ike.sa" pending_what)" = delete ] || fail "run $n ($v): no Delete journaled: $(grep ^pending_ "$W/state/s/ike.sa" | cut -c1-60)"
			del=$mine
			child=$(jq -r 'select(.event == "rekeyed") | .child' "$W/kill-$n.out")
			[ -n "$del" ] || fail "run $n ($v): the journaled Delete ($spi) is of no Child SA here"
			at=$(jq -r 'select(.event == "rekeyed") | .collision // "none"' "$W/kill-$n.out")
			[ "$at" = "$v" ] || { [ "$at" = none ] && [ "$v" = won ]; } || fail "run $n: ike-rekey said $at, charon's verdict makes it $v"
			at=delete-owed
			case $v in
			won) [ "$del" != "$child" ] || fail "run $n: won, yet the Delete is of ours" ;;
			lost) [ "$(jq -r 'select(.event == "rekeyed") | .redundant' "$W/kill-$n.out")" = "$del" ] || fail "run $n: lost, the Delete is not of ours ($del)" ;;
			esac
			;;
		recorded)
			# the CREATE_CHILD_SA still journaled, our new Child SA
			# recorded with what it replaced and our lower nonce
			[ "$(kv "$W/state/s/ike.sa" pending_what)" = child ] || fail "run $n ($v): pending_what is not child: $(grep ^pending_ "$W/state/s/ike.sa" | cut -c1-60)"
			[ -n "$mine" ] || fail "run $n ($v): our new Child SA ($spi) was not recorded"
			old=$(kv "$W/state/s/child.$mine.sa" rekey_of)
			[ -n "$(kv "$W/state/s/child.$mine.sa" rekey_nonce)" ] || fail "run $n: no rekey_nonce in child.$mine.sa"
			theirs=$(grep -l "^peer_rekey_of=$old\$" "$W/state/s"/child.*.sa 2>/dev/null | sed 's|.*/child\.||; s|\.sa$||')
			case $v in
			won) del=$old child=$mine ;;
			lost) del=$mine child=$theirs ;;
			esac
			[ -n "$child" ] || fail "run $n ($v): the peer's Child SA not found"
			;;
		esac
		case $v in won) won=$((won + 1)) ;; lost) lost=$((lost + 1)) ;; esac
		# what the killed run leaves: two Child SAs here once the peer
		# settled its side (deleted the old one or its own); charon
		# still has the one our Delete is to be of (not INSTALLED when
		# it is the old one: REKEYED)
		ikx_until 20 eval '[ "$(ours | grep -c .)" = 2 ]' || fail "run $n ($v): after the kill: $(ours | tr '\n' ' ')"
		[ -f "$W/state/s/child.$del.sa" ] || fail "run $n ($v): $del is gone before the next run"
		spi=$(kv "$W/state/s/child.$del.sa" spi_in)
		ikx_sw right --list-sas 2>/dev/null | grep -q "in  $(esptun_hex8 "$(kv "$W/state/s/child.$del.sa" spi_out)")" ||
			fail "run $n ($v): charon no longer has $del before the next run"
		# the next run, a rekey of the Child SA that stays: the Delete
		# first (charon takes it), then the rekey
		run --separate-stderr ikx_in left timeout -k 2 60 "$K" -v --json -S "$W/state" --timeout 20 --child "$child" s
		[ "$status" = 0 ] || fail "run $n ($v, $at): next ike-rekey exit $status: $stderr"
		grep -q "of an earlier run: sending it again" <<<"$stderr" || fail "run $n ($at): the journaled Delete was not sent first: $stderr"
		[ $at = delete-owed ] || grep -q "owes the Delete of $del" <<<"$stderr" || fail "run $n ($v, $at): not settled from the files: $stderr"
		ikx_until 10 ikx_log_grep right "received DELETE for ESP CHILD_SA with SPI $(esptun_hex8 "$spi")" >/dev/null || fail "run $n ($v, $at): charon got no Delete of $del ($spi)"
		child=$(jq -r 'select(.event == "rekeyed") | .child' <<<"$output")
		echo "$n $at $v $del $child" >>"$W/runs.txt"
		ikx_until 20 agree 1 || fail "run $n ($v, $at): not one Child SA at both ends: $(cat "$W/disagree.txt")"
		[ -f "$W/state/s/child.$child.sa" ] || fail "run $n: $child is not in the state dir"
		[ "$(kv "$W/state/s/ike.sa" child)" = "$child" ] || fail "run $n: child= is not $child"
		! grep -q '^pending_' "$W/state/s/ike.sa" || fail "run $n: a journal is left"
		esptun_ping left 3 || fail "run $n ($v, $at): pings through esp-tun"
	done
	echo "# $n killed collisions: won $won, lost $lost ($(awk '{ print $2 "/" $3 }' "$W/runs.txt" | sort | uniq -c | tr -s ' \n' ' '))" >&3
	[ $won -gt 0 ] && [ $lost -gt 0 ] || fail "one outcome only in $n runs: won $won, lost $lost"
	esptun_running L || fail "esp-tun exited: $(cat "$(esptun_dir)/L.err")"
}

# swan_child_id SPI : charon's unique id of the Child SA whose inbound SPI
# is SPI (8 hex digits)
swan_child_id() {
	ikx_sw right --list-sas 2>/dev/null | awk -v s="$1" '
		/^  [^ ]+: #[0-9]+,/ { id = $2; gsub(/[#,]/, "", id) }
		$1 == "in" { x = $2; sub(/,$/, "", x); if (x == s) print id }'
}

@test "the peer's Delete of the Child SA crosses our rekey of it: answered, ike-rekey exits 3" {
	local first id
	sa_up s
	ikx_until 10 agree || fail "after set-up: $(cat "$W/disagree.txt")"
	first=$(kv "$W/state/s/ike.sa" child)
	# a second Child SA, made by charon (a config "host" of the inner hosts
	# alone: charon makes no duplicate of net), so that esp-tun has one
	# left (it exits with none) to take the answer to our rekey
	sed -i "s|^    children {\$|&\n      host {\n        local_ts = $IKX_HOST_right\n        remote_ts = $IKX_HOST_left\n        esp_proposals = $IKX_RESPONDER_ESP_PROPOSALS\n      }|" \
		"$(ikx_dir right)/swanctl/swanctl.conf"
	ikx_load right || fail "swanctl --load-all"
	ikx_sw right --initiate --child host --ike ikx --timeout 10 >"$W/second.out" 2>&1 || fail "a second Child SA: $(cat "$W/second.out")"
	ikx_until 10 agree 2 || fail "two Child SAs: $(cat "$W/disagree.txt")"
	id=$(swan_child_id "$(esptun_hex8 "$(kv "$W/state/s/child.$first.sa" spi_out)")")
	[ -n "$id" ] || fail "charon's id of $first not found"
	RK_SW=(--terminate --child-id "$id" --timeout 10)
	both_rekey 1 --child "$first" s
	[ "$RK_STATUS" = 3 ] || fail "ike-rekey exit $RK_STATUS (3 expected): $RK_OUT $RK_ERR"
	grep -Eq 'peer sent (CHILD_SA_NOT_FOUND|TEMPORARY_FAILURE)' <<<"$RK_ERR" || fail "no Notify named: $RK_ERR"
	grep -q "$first: deleted by the peer meanwhile" <<<"$RK_ERR" || fail "not said that the peer deleted it: $RK_ERR"
	ikx_until 10 agree 1 || fail "not the other Child SA alone: $(cat "$W/disagree.txt")"
	[ ! -e "$W/state/s/child.$first.sa" ] || fail "$first is still in the state dir"
	esptun_events L | grep -q '"event":"deleted-child","name":"s","child":"'"$first"'"' || fail "esp-tun did not take the Delete: $(esptun_events L)"
	esptun_ping left 3 || fail "pings on the other Child SA"
	lossy_bridge_stop || fail "bridge"
	[ "$(crossed)" = 1 ] || fail "the requests crossed $(crossed) times"
}

@test "our Delete of the Child SA crosses the peer's rekey of it: TEMPORARY_FAILURE, then the Delete" {
	sa_up s
	ikx_until 10 agree || fail "after set-up: $(cat "$W/disagree.txt")"
	RK_SW=(--rekey --child net) RK_SW_FIRST=1
	both_rekey 1 --delete s
	[ "$RK_STATUS" = 0 ] || fail "ike-rekey --delete exit $RK_STATUS: $RK_ERR"
	grep -q 'TEMPORARY_FAILURE' "$(esptun_dir)/L.err" || fail "esp-tun did not answer TEMPORARY_FAILURE: $(tail -n 20 "$(esptun_dir)/L.err")"
	ikx_log_grep right 'TEMP_FAIL|TEMPORARY_FAILURE' >/dev/null || fail "charon did not get TEMPORARY_FAILURE"
	ikx_until 15 agree 0 || fail "a Child SA is left: $(cat "$W/disagree.txt")"
	lossy_bridge_stop || fail "bridge"
	[ "$(crossed)" = 1 ] || fail "the requests crossed $(crossed) times"
}
