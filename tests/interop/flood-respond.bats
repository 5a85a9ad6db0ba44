#!/usr/bin/env bats
# flood-respond.bats: ike-respond under a bounded IKE_SA_INIT flood from
# spoofed sources (tests/tools/spoof-flood: well-formed requests, X25519,
# random hosts of 198.51.100.0/24 and random ports, sent with IP_HDRINCL),
# while strongSwan 5.9.8 connects as a real initiator.
#
#   ns ikx-ID-l: charon (initiator) and spoof-flood   ns ikx-ID-r: ike-respond
#   192.0.2.1 ikxID-l  <----------- veth ----------->  ikxID-r 192.0.2.2
#   198.51.100.0/24 is routed back from the right to 192.0.2.1, where no
#   address takes it (no forwarding): the answers die there, after
#   spoof-flood --listen has counted them off the veth by kind.
#
# 1. A blind flood: the first --cookie-threshold requests are answered
#    normally and every later one with N(COOKIE) (a spoofed source never
#    returns it, so no state is made past the threshold); VmHWM of
#    ike-respond stays within RSS_BOUND_KB of its VmRSS before the flood;
#    strongSwan, started during the flood, returns the cookie and is
#    established (swanctl lists it, ike-respond's state dir has the same
#    SPIs); the threshold's half-open SAs expire (HALF_OPEN_MS, 30 s, in
#    cmd/ike-respond/respond.h), after which ike-respond again answers the
#    threshold's worth of requests normally and the next with a cookie, and
#    still answers strongSwan's Delete.
# 2. An on-path flood (spoof-flood --echo-cookies: it sees the answers and
#    returns each cookie): half-open SAs then stop at --half-open-max
#    (exactly that many normal answers, the rest refused and counted), and
#    memory stays within the same bound.
# strongSwan 5.9.8 sometimes drops the answer to its cookie'd request when
# it comes back within a millisecond ("ignoring request with ID 0, already
# processing": the IKE SA is still checked out by the thread that sent it)
# and gets it on its retransmission 4 s later (ike-respond resends its kept
# answer): the flood lasts SECS (16 s) so that even two such losses end
# before it does.  Figures (rates, CPU, memory, connect times) go to fd 3 as
# "# flood: ...".  Whole file: about 55 s. On failure the test's files are copied to
# ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

# --cookie-threshold and --half-open-max (not the defaults, 10 and 64)
THR=12
HOM=40
# Memory of ike-respond (/proc/PID/status): VmHWM after the flood minus
# VmRSS before it at most RSS_BOUND_KB: HOM half-open SAs of about 10 kB
# each (struct slot 4.3 kB, RealMessage1+2 4 kB, the X25519 key, the kept
# response) plus heap and code touched the first time (the cookie path);
# and once the table is as full as the flood can make it (after its
# first second, or its first run), VmHWM grows by at most GROW_BOUND_KB
# however many requests follow.
RSS_BOUND_KB=2048
GROW_BOUND_KB=128
PREFIX=198.51.100.0/24
RATE=${FLOOD_RATE:-3000}
SECS=${FLOOD_SECS:-16}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, raw sockets)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	IKEKIT_TOOLS=${IKEKIT_TOOLS:-$IKEKIT_BIN/../tools}
	R=$IKEKIT_BIN/ike-respond
	F=$IKEKIT_TOOLS/spoof-flood
	[ -x "$R" ] || fail "ike-respond not built: $R (run make)"
	[ -x "$F" ] || fail "spoof-flood not built: $F (run make)"
	# under ASan (make SAN=1) memory is redzones and quarantine: the
	# bounds below are for the real build only
	SAN=0
	! ldd "$R" 2>/dev/null | grep -q libasan || SAN=1
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-respond.bash
	. "$HERE/lib-respond.bash"
	IKX_PROG=flood-respond
	IKX_WIRE=0	# no capture of the run: it would take CPU from the figures
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
	FLOOD_PID=
}

teardown() {
	if [ -n "$FLOOD_PID" ] && [ "$(cat "/proc/$FLOOD_PID/comm" 2>/dev/null)" = timeout ]; then
		kill -TERM "$FLOOD_PID" 2>/dev/null
		wait "$FLOOD_PID" 2>/dev/null || true
	fi
	if ikx_failed; then
		cp "$(ikx_dir left)/charon.log" "$W/charon-left.log" 2>/dev/null
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$W"/ 2>/dev/null
		ikx_sw left --list-sas >"$W/list-sas.txt" 2>&1
		ikx_keep
	fi
	ikx_respond_stop
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# up CHARON : namespaces (and the left charon when CHARON is 1), the prefix
# routed back to the left, ike-respond on the right with -v (it logs its
# counters when it stops)
up() {
	ikx_init || fail "ikx_init failed"
	if [ "$1" = 1 ]; then
		ikx_initiator_up || fail "strongSwan initiator did not come up"
	else
		ikx_netns_up || fail "namespaces did not come up"
	fi
	ip -n "$IKX_NS_right" route add "$PREFIX" via "$IKX_ADDR_left" ||
		fail "route to $PREFIX"
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ike "$IKX_IKE_PROPOSALS" --esp "$IKX_ESP_PROPOSALS" --ts "$IKX_NET_right" \
		--cookie-threshold "$THR" --half-open-max "$HOM" -S "$W/state" -v ||
		fail "ike-respond did not start"
	RPID=$(cat "$IKX_RUN/respond.pid")
}

# flood OUT ARGS... : spoof-flood in the left namespace, listening on its veth;
# its key=value line goes to OUT
flood() {
	local out=$1; shift
	ikx_in left timeout 60 "$F" --peer "$IKX_ADDR_right" --prefix "$PREFIX" \
		--listen "$IKX_VETH_left" "$@" >"$out" 2>&1
}

# flood_bg OUT ARGS... : the same in the background (FLOOD_PID: timeout's pid)
flood_bg() {
	local out=$1; shift
	# not through ikx_in: a function in the background is a subshell
	ip netns exec "$IKX_NS_left" timeout 60 "$F" --peer "$IKX_ADDR_right" \
		--prefix "$PREFIX" --listen "$IKX_VETH_left" "$@" >"$out" 2>&1 &
	FLOOD_PID=$!
	ikx_wait_exec "$FLOOD_PID" timeout || fail "spoof-flood did not start"
}

flood_wait() {
	local st=0
	wait "$FLOOD_PID" || st=$?
	FLOOD_PID=
	[ "$st" = 0 ] || fail "spoof-flood failed ($st): $(cat "$1")"
}

# kv KEY FILE : the value of KEY in spoof-flood's line
kv() {
	local v
	v=$(grep '^spoof-flood ' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p")
	[ -n "$v" ] || { echo "no $1= in $(cat "$2")" >&2; return 1; }
	printf '%s' "$v"
}

# mem FIELD : VmRSS or VmHWM of ike-respond in kB
mem() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$RPID/status"; }

# ticks : ike-respond's user + system CPU time in clock ticks
ticks() { awk '{ print $14 + $15 }' "/proc/$RPID/stat"; }

now_ms() { date +%s%3N; }

# connect : swanctl --initiate, its wall time in ms in CONNECT_MS
connect() {
	local t0
	t0=$(now_ms)
	ikx_sw left --initiate --ike ikx --child net --timeout 15 >"$W/initiate.out" 2>&1 ||
		{ cat "$W/initiate.out" >&3; fail "swanctl --initiate failed"; }
	CONNECT_MS=$(($(now_ms) - t0))
}

# our_sas : "ispi_rspi" of each SA in the state dir
our_sas() {
	local f
	for f in "$W"/state/*/ike.sa; do
		[ -f "$f" ] || continue
		printf '%s_%s\n' "$(sed -n 's/^ispi=//p' "$f")" "$(sed -n 's/^rspi=//p' "$f")"
	done
}

terminate() {
	ikx_sw left --terminate --ike ikx --timeout 5 >"$W/terminate.out" 2>&1 ||
		{ cat "$W/terminate.out" >&3; fail "swanctl --terminate failed"; }
	ikx_until 5 test -z "$(our_sas)" || fail "SA still in the state dir: $(our_sas)"
}

# expired : how many half-open SAs ike-respond let expire (its -v log)
expired() { grep -c 'half-open SA expired' "$IKX_RUN/respond.err"; }
expired_at_least() { [ "$(expired)" -ge "$1" ]; }

# counter TEXT : the number before TEXT in ike-respond's "stopping:" line
counter() {
	sed -n "s/.*stopping:.* \([0-9][0-9]*\) $1.*/\1/p" "$IKX_RUN/respond.err"
}

@test "blind spoofed flood: cookies from --cookie-threshold on, memory bounded, strongSwan connects, half-open SAs expire" {
	local base_ms rss0 hwm0 t0 c0 t_flood mid1 hwm_mid mid2 rss1 hwm1 c1 t1 sent cookies \
		theirs ours asked
	up 1
	# warm-up: one connection without the flood (every code path touched
	# once before memory is measured), then gone again
	connect
	base_ms=$CONNECT_MS
	ikx_until 5 test -n "$(our_sas)" || fail "no SA in the state dir"
	terminate
	! grep -q 'N(COOKIE)' "$(ikx_dir left)/charon.log" || fail "a cookie before the flood"

	rss0=$(mem VmRSS) hwm0=$(mem VmHWM) c0=$(ticks) t0=$(now_ms)
	t_flood=$SECONDS
	flood_bg "$W/flood.out" --rate "$RATE" -t "$SECS"
	sleep 1
	mid1=$(mem VmRSS) hwm_mid=$(mem VmHWM)
	connect
	mid2=$(mem VmRSS)
	[ -d "/proc/$FLOOD_PID" ] || fail "strongSwan connected only after the flood ($CONNECT_MS ms)"
	flood_wait "$W/flood.out"
	c1=$(ticks) t1=$(now_ms) rss1=$(mem VmRSS) hwm1=$(mem VmHWM)
	[ -d "/proc/$RPID" ] || fail "ike-respond died during the flood"

	sent=$(kv sent "$W/flood.out")
	cookies=$(kv cookie "$W/flood.out")
	echo "# flood: $(cat "$W/flood.out")" >&3
	echo "# flood: ike-respond cpu $(( (c1 - c0) * 1000 / $(getconf CLK_TCK) )) ms in $((t1 - t0)) ms;" \
		"VmRSS kB before $rss0 (VmHWM $hwm0), during $mid1 (VmHWM $hwm_mid) $mid2, after $rss1 (VmHWM $hwm1);" \
		"strongSwan connect ms: $base_ms without the flood, $CONNECT_MS during it" >&3
	# cookies engaged exactly at the threshold: THR normal answers, then cookies
	[ "$sent" -ge $((THR * 20)) ] || fail "only $sent requests sent"
	assert_equal "$(kv normal_before_cookie "$W/flood.out")" "$THR"
	assert_equal "$(kv normal "$W/flood.out")" "$THR"
	assert_equal "$(kv other "$W/flood.out")" 0
	[ "$cookies" -gt 0 ] || fail "no cookie sent"
	# nearly every request answered (some may be lost when a core is busy)
	[ "$(kv answered "$W/flood.out")" -ge $((sent * 9 / 10)) ] ||
		fail "under 90% answered: $(cat "$W/flood.out")"
	# memory: the half-open table is bounded, nothing else grows per request
	[ "$SAN" = 1 ] || [ $((hwm1 - rss0)) -le "$RSS_BOUND_KB" ] ||
		fail "VmHWM grew by $((hwm1 - rss0)) kB (bound $RSS_BOUND_KB kB)"
	[ "$SAN" = 1 ] || [ $((hwm1 - hwm_mid)) -le "$GROW_BOUND_KB" ] ||
		fail "VmHWM grew by $((hwm1 - hwm_mid)) kB after the first second (bound $GROW_BOUND_KB kB)"

	# strongSwan came through: it returned the cookie and is established,
	# and ike-respond's state dir holds the same SA
	grep -q 'parsed IKE_SA_INIT response 0 \[ N(COOKIE) \]' "$(ikx_dir left)/charon.log" ||
		fail "strongSwan got no cookie during the flood"
	theirs=$(ikx_respond_peer_spis)
	[ -n "$theirs" ] || fail "no ESTABLISHED IKE SA on strongSwan's side"
	ikx_until 5 test -n "$(our_sas)" || fail "no SA in the state dir"
	ours=$(our_sas)
	assert_equal "$ours" "$theirs"

	# the threshold's half-open SAs expire (30 s after the flood began)
	ikx_until $((t_flood + 40 - SECONDS)) expired_at_least "$THR" ||
		fail "$(expired) of $THR half-open SAs expired within 40 s"
	assert_equal "$(expired)" "$THR"
	# ... so the table is empty again: THR normal answers, then a cookie
	flood "$W/after.out" --rate 200 -n $((THR + 1)) --wait 0.5 ||
		fail "spoof-flood failed: $(cat "$W/after.out")"
	echo "# flood: after expiry: $(cat "$W/after.out")" >&3
	assert_equal "$(kv normal "$W/after.out")" "$THR"
	assert_equal "$(kv cookie "$W/after.out")" 1
	# and it still serves its SA: strongSwan's Delete is answered
	terminate
	ikx_respond_stop
	asked=$(counter 'cookies asked')
	echo "# flood: ike-respond: $(grep 'stopping:' "$IKX_RUN/respond.err")" >&3
	# every cookie seen by the flood, one to strongSwan, one after expiry
	# (strongSwan's retransmits and answers lost on the way may add more)
	[ -n "$asked" ] && [ "$asked" -ge $((cookies + 2)) ] ||
		fail "ike-respond counted $asked cookies; the flood saw $cookies"
	assert_equal "$(counter 'half-open refused')" 0
}

@test "on-path flood returning cookies: half-open SAs stop at --half-open-max, memory bounded" {
	local rss0 hwm_a hwm_b rss_b refused echoed
	up 0
	# warm-up: THR normal answers and a cookie (those SAs stay half-open:
	# the test is over before they expire)
	flood "$W/warm.out" --rate 500 -n $((THR + 1)) --wait 0.3 ||
		fail "spoof-flood failed: $(cat "$W/warm.out")"
	assert_equal "$(kv normal "$W/warm.out")" "$THR"
	rss0=$(mem VmRSS)
	# the cookies returned are accepted until HOM SAs are half-open
	flood "$W/flood1.out" --rate 1000 -n 1000 --echo-cookies ||
		fail "spoof-flood failed: $(cat "$W/flood1.out")"
	hwm_a=$(mem VmHWM)
	# then none is, however many
	flood "$W/flood2.out" --rate 1000 -n 1000 --echo-cookies ||
		fail "spoof-flood failed: $(cat "$W/flood2.out")"
	rss_b=$(mem VmRSS) hwm_b=$(mem VmHWM)
	[ -d "/proc/$RPID" ] || fail "ike-respond died during the flood"
	echo "# flood: echo 1: $(cat "$W/flood1.out")" >&3
	echo "# flood: echo 2: $(cat "$W/flood2.out")" >&3
	echo "# flood: echo: VmRSS kB before $rss0, VmHWM after run 1 $hwm_a, after run 2 $hwm_b (VmRSS $rss_b)" >&3
	[ "$(kv echoed "$W/flood1.out")" -gt $((HOM * 2)) ] || fail "too few cookies returned"
	assert_equal "$(kv normal "$W/flood1.out")" $((HOM - THR))
	[ "$(kv echoed "$W/flood2.out")" -gt $((HOM * 2)) ] || fail "too few cookies returned"
	assert_equal "$(kv normal "$W/flood2.out")" 0
	[ "$SAN" = 1 ] || [ $((hwm_b - rss0)) -le "$RSS_BOUND_KB" ] ||
		fail "VmHWM grew by $((hwm_b - rss0)) kB (bound $RSS_BOUND_KB kB)"
	[ "$SAN" = 1 ] || [ $((hwm_b - hwm_a)) -le "$GROW_BOUND_KB" ] ||
		fail "VmHWM grew by $((hwm_b - hwm_a)) kB in the second run (bound $GROW_BOUND_KB kB)"
	ikx_respond_stop
	refused=$(counter 'half-open refused')
	echoed=$(($(kv echoed "$W/flood1.out") + $(kv echoed "$W/flood2.out")))
	echo "# flood: echo: ike-respond: $(grep 'stopping:' "$IKX_RUN/respond.err")" >&3
	# every returned cookie past the bound was refused (lost ones aside)
	[ -n "$refused" ] && [ "$refused" -le $((echoed - HOM + THR)) ] &&
		[ "$refused" -ge $(((echoed - HOM + THR) * 9 / 10)) ] ||
		fail "$refused half-open refused; $echoed cookies returned"
}
