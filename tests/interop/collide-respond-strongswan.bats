#!/usr/bin/env bats
# collide-respond-strongswan.bats: simultaneous rekeys of a Child SA with
# strongSwan 5.9.8 (RFC 7296 2.8.1) while ike-respond, not esp-tun, owns
# the SA.  charon (left) set up the IKE SA with ike-respond (right);
# `ike-rekey` (right, on ike-respond's state dir) and `swanctl --rekey`
# (left) rekey its Child SA at the same moment.  ike-rekey sends from a
# connected socket on ike-respond's port, so charon's crossing request
# comes to it: it answers it (cmd/ike-rekey/answer.c) as esp-tun would,
# and the nonce rule settles the collision.  The link goes through
# tests/tools/lossy-bridge.py (lib-lossy.bash) with no loss and
# --collide-ms, so that the two CREATE_CHILD_SA requests cross every time.
#
#   ns ikx-ID-l: charon (initiator)   ns ikx-ID-m: bridge   ns ikx-ID-r: ike-respond, ike-rekey
#
# Checked:
#   - COLLIDE_RESPOND_RUNS (6) collisions, more (up to 12) until both
# outcomes were seen: ike-rekey exits 0 with "collision":"won" or "lost"
# in --json, the opposite of charon's verdict ("CHILD_SA rekey collision
# won/lost" in its log); then one Child SA at both ends, the same (our
# state dir against `swanctl --list-sas`, SPIs crossed), the one ike-rekey
# named, and ike.sa's child= names it; the bridge saw the requests cross
# each time; ike-respond still runs and answers charon afterwards (a
# liveness check, charon's dpd_delay 2 s, and the next run);
#   - charon's Delete of the Child SA crossing our rekey of it (the bridge
#     holds our request until charon's INFORMATIONAL has passed):
#     ike-rekey answers the Delete, exits 3 naming the peer's Notify and
#     saying the peer deleted it; no Child SA is left at either end, the
#     IKE SA stays, and charon's next Child SA goes through ike-respond.
#
# Every wait is bounded; processes are stopped by pid.  On failure the
# test's files are copied to ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	R=$IKEKIT_BIN/ike-respond
	K=$IKEKIT_BIN/ike-rekey
	[ -x "$R" ] && [ -x "$K" ] || fail "not built (run make)"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-respond.bash
	. "$HERE/lib-respond.bash"
	# shellcheck source=tests/interop/lib-lossy.bash
	. "$HERE/lib-lossy.bash"
	IKX_PROG=collide-respond
	LOSSY_DROP=0 LOSSY_DUP=0 LOSSY_REORDER_MS=0 LOSSY_MATCH=ike LOSSY_COLLIDE_MS=3000
	case $BATS_TEST_DESCRIPTION in *"Delete"*) LOSSY_COLLIDE_INFO=1 ;; esac
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
}

teardown() {
	if ikx_failed; then
		lossy_bridge_running && lossy_bridge_stop 2>/dev/null
		cp "$(ikx_dir left)/charon.log" "$W/charon-left.log" 2>/dev/null
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$IKX_RUN"/lossy-bridge.* "$W"/ 2>/dev/null
		ikx_sw left --list-sas >"$W/list-sas.txt" 2>&1
		ikx_keep
	fi
	ikx_respond_stop
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

kv() { sed -n "s/^$2=//p" "$1"; }

swan_log_grep() { grep -E "$1" "$(ikx_dir left)/charon.log"; }

# charon's installed Child SAs, "in/out"
swan_children() {
	ikx_sw left --list-sas 2>/dev/null | awk '
		/^  [^ ]+: #[0-9]+, .*INSTALLED/ { on = 1; next }
		/^  [^ ]/ { on = 0 }
		on && $1 == "in"  { i = $2; sub(/,$/, "", i) }
		on && $1 == "out" { o = $2; sub(/,$/, "", o); print i "/" o; on = 0 }' | sort
}

# ours, as charon sees them (its in = our out)
our_children() {
	local f
	for f in "$W/state/$NAME"/child.*.sa; do
		[ -f "$f" ] || continue
		printf '%s/%s\n' "$(kv "$f" spi_out | sed 's/^0x//')" "$(kv "$f" spi_in | sed 's/^0x//')"
	done | sort
}

our_ike() { printf '%s_%s' "$(kv "$W/state/$NAME/ike.sa" ispi)" "$(kv "$W/state/$NAME/ike.sa" rspi)"; }

# agree : one IKE SA, ours, and one Child SA, the same, at both ends
agree() {
	local a b
	a=$(our_children) b=$(swan_children)
	if [ "$(ikx_respond_peer_spis)" = "$(our_ike)" ] && [ "$(grep -c . <<<"$a")" = 1 ] &&
		[ "$a" = "$b" ] && [ "$(ikx_sw left --list-sas 2>/dev/null | grep -c '^  [^ ]*: #[0-9]*,')" = 1 ]; then
		return 0
	fi
	echo "state dir [$a] ike [$(our_ike)]; charon [$b] ike [$(ikx_respond_peer_spis)] all [$(ikx_sw left --list-sas 2>/dev/null | grep -c '^  [^ ]*: #[0-9]*,')]" >"$W/disagree.txt"
	return 1
}

# swan_verdicts : charon's "CHILD_SA rekey collision won" and "... lost"
# lines (its "peer did not notice" counts as lost) as "WON LOST"
swan_verdicts() {
	echo "$(swan_log_grep 'CHILD_SA rekey collision won' | wc -l) $(swan_log_grep 'CHILD_SA rekey collision lost|peer did not notice CHILD_SA rekey collision' | wc -l)"
}

swan_settled() {
	local w l
	read -r w l <<<"$(swan_verdicts)"
	[ $((w + l)) -gt $(($1 + $2)) ]
}

crossed() { jq -r '.crossed' <<<"$LOSSY_COUNTERS"; }

# up : charon (left) sets up the IKE SA NAME and Child SA net with
# ike-respond (right), through the bridge
up() {
	IKX_IKE_PROPOSALS=aes256gcm16-prfsha256-x25519 IKX_ESP_PROPOSALS=aes256gcm16
	ikx_init || fail "ikx_init failed"
	ikx_initiator_up || fail "strongSwan initiator behind the bridge did not come up"
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ike "$IKX_IKE_PROPOSALS" --esp aes256gcm16 --ts "$IKX_NET_right" \
		-S "$W/state" --json -v || fail "ike-respond did not start"
	ikx_sw left --initiate --ike ikx --child net --timeout 8 >"$W/initiate.out" 2>&1 ||
		fail "swanctl --initiate: $(cat "$W/initiate.out")"
	ikx_until 5 eval '[ -n "$(jq -r "select(.event == \"established\") | .name" "$IKX_RUN/respond.out" 2>/dev/null)" ]' ||
		fail "no established event"
	NAME=$(jq -r 'select(.event == "established") | .name' "$IKX_RUN/respond.out" | head -n 1)
	ikx_until 10 agree || fail "after set-up: $(cat "$W/disagree.txt")"
}

@test "beside ike-respond: Child SA rekeys collide, ike-rekey answers charon's, one new Child SA survives at both ends" {
	local n=0 won=0 lost=0 runs=${COLLIDE_RESPOND_RUNS:-6} kp v child sw sl w l st
	up
	while [ $n -lt "$runs" ] || { [ $n -lt 12 ] && { [ $won = 0 ] || [ $lost = 0 ]; }; }; do
		n=$((n + 1))
		read -r sw sl <<<"$(swan_verdicts)"
		ikx_in right timeout -k 2 60 "$K" -v --json -S "$W/state" --timeout 20 "$NAME" \
			>"$W/rekey-$n.out" 2>"$W/rekey-$n.err" &
		kp=$!
		# our request journaled, so sent or about to be (the bridge
		# holds it until charon's passes)
		ikx_until 10 grep -q '^pending_msgid=' "$W/state/$NAME/ike.sa" || :
		ikx_sw left --rekey --child net >"$W/swanctl-$n.out" 2>&1 || fail "swanctl --rekey: $(cat "$W/swanctl-$n.out")"
		st=0
		wait "$kp" || st=$?
		[ "$st" = 0 ] || fail "run $n: ike-rekey exit $st: $(cat "$W/rekey-$n.err")"
		v=$(jq -r 'select(.event == "rekeyed") | .collision // "none"' "$W/rekey-$n.out")
		child=$(jq -r 'select(.event == "rekeyed") | .child' "$W/rekey-$n.out")
		case $v in won | lost) ;; *) fail "run $n: no collision in --json: $(cat "$W/rekey-$n.out" "$W/rekey-$n.err")" ;; esac
		grep -q "the peer's request [0-9]* *: answered\|the peer's request [0-9]*: answered" "$W/rekey-$n.err" ||
			fail "run $n: ike-rekey answered no request of charon: $(cat "$W/rekey-$n.err")"
		ikx_until 10 swan_settled "$sw" "$sl" || fail "run $n: charon logged no verdict"
		read -r w l <<<"$(swan_verdicts)"
		if [ "$l" -gt "$sl" ]; then
			[ "$v" = won ] || fail "run $n: ike-rekey says $v, charon lost"
			won=$((won + 1))
		else
			[ "$v" = lost ] || fail "run $n: ike-rekey says $v, charon won"
			lost=$((lost + 1))
		fi
		echo "$n $v $child" >>"$W/runs.txt"
		ikx_until 20 agree || fail "run $n ($v): not one Child SA at both ends: $(cat "$W/disagree.txt")"
		[ -f "$W/state/$NAME/child.$child.sa" ] || fail "run $n ($v): ike-rekey named $child, the state dir has $(ls "$W/state/$NAME")"
		[ "$(kv "$W/state/$NAME/ike.sa" child)" = "$child" ] || fail "run $n ($v): ike.sa's child= is $(kv "$W/state/$NAME/ike.sa" child), not $child"
		! grep -q '^pending_' "$W/state/$NAME/ike.sa" || fail "run $n ($v): a journal is left"
	done
	echo "# $n Child SA collisions beside ike-respond: ours won $won, lost $lost" >&3
	[ $won -gt 0 ] && [ $lost -gt 0 ] || fail "one outcome only in $n runs: won $won, lost $lost"
	# ike-respond has the port again: charon's liveness checks answered
	sleep 5
	ikx_until 5 agree || fail "at the end: $(cat "$W/disagree.txt")"
	[ -d "/proc/$(cat "$IKX_RUN/respond.pid")" ] || fail "ike-respond exited: $(tail -n 5 "$IKX_RUN/respond.err")"
	! swan_log_grep 'giving up after' >/dev/null || fail "charon gave up on a request"
	lossy_bridge_stop || fail "bridge"
	echo "# bridge: $LOSSY_COUNTERS" >&3
	[ "$(crossed)" = "$n" ] || fail "the requests crossed $(crossed) times in $n runs"
}

# swan_child_id : charon's unique id of its one Child SA
swan_child_id() {
	ikx_sw left --list-sas 2>/dev/null | awk '/^  [^ ]+: #[0-9]+,/ { id = $2; gsub(/[#,]/, "", id); print id; exit }'
}

@test "beside ike-respond: charon's Delete of the Child SA crosses our rekey of it: ike-rekey answers it, exits 3" {
	local id old st kp
	up
	old=$(kv "$W/state/$NAME/ike.sa" child)
	id=$(swan_child_id)
	[ -n "$id" ] || fail "charon's Child SA id not found"
	ikx_in right timeout -k 2 60 "$K" -v --json -S "$W/state" --timeout 10 "$NAME" \
		>"$W/rekey.out" 2>"$W/rekey.err" &
	kp=$!
	# our request journaled: the bridge holds it until charon's Delete
	# has passed
	ikx_until 10 grep -q '^pending_msgid=' "$W/state/$NAME/ike.sa" || :
	ikx_sw left --terminate --child-id "$id" --timeout 10 >"$W/swanctl.out" 2>&1 || fail "swanctl --terminate: $(cat "$W/swanctl.out")"
	st=0
	wait "$kp" || st=$?
	[ "$st" = 3 ] || fail "ike-rekey exit $st (3 expected): $(cat "$W/rekey.out" "$W/rekey.err")"
	grep -q "(Delete of a Child SA): answered" "$W/rekey.err" || fail "ike-rekey did not answer the Delete: $(cat "$W/rekey.err")"
	grep -Eq 'peer sent (CHILD_SA_NOT_FOUND|TEMPORARY_FAILURE)' "$W/rekey.err" || fail "no Notify named: $(cat "$W/rekey.err")"
	grep -q "$old: deleted by the peer meanwhile" "$W/rekey.err" || fail "not said that the peer deleted it: $(cat "$W/rekey.err")"
	[ ! -e "$W/state/$NAME/child.$old.sa" ] || fail "$old is still in the state dir"
	ikx_until 10 eval '[ -z "$(swan_children)" ] && [ -z "$(our_children)" ]' ||
		fail "Child SAs left: charon [$(swan_children | tr '\n' ' ')] ours [$(our_children | tr '\n' ' ')]"
	[ "$(ikx_respond_peer_spis)" = "$(our_ike)" ] || fail "the IKE SA: charon [$(ikx_respond_peer_spis)] ours [$(our_ike)]"
	! grep -q '^pending_' "$W/state/$NAME/ike.sa" || fail "a journal is left"
	# ike-respond has the port again: charon's next Child SA through it
	ikx_sw left --initiate --child net --ike ikx --timeout 10 >"$W/again.out" 2>&1 || fail "a new Child SA: $(cat "$W/again.out")"
	ikx_until 10 eval '[ -n "$(swan_children)" ] && [ "$(swan_children)" = "$(our_children)" ]' ||
		fail "after a new Child SA: charon [$(swan_children | tr '\n' ' ')] ours [$(our_children | tr '\n' ' ')]"
	lossy_bridge_stop || fail "bridge"
	[ "$(crossed)" = 1 ] || fail "the requests crossed $(crossed) times"
}
