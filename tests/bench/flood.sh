#!/bin/bash
# tests/bench/flood.sh: ike-respond under spoofed IKE_SA_INIT floods, with
# figures; not pass/fail (exit 0 unless something could not be set up).
# Root only (network namespaces, raw sockets); without root it says so and
# exits 0.  The topology of tests/interop/flood-respond.bats (lib-respond.bash):
#
#   ns ikx-ID-l: charon (initiator), spoof-flood   ns ikx-ID-r: ike-respond
#   192.0.2.1  <------------------ veth ------------------>  192.0.2.2
#   198.51.100.0/24 routed back from the right to the left, counted there
#
# 1. strongSwan's connect time (swanctl --initiate, then --terminate) with
#    no flood, FL_CONNECTS times: median and maximum;
# 2. for each rate of FL_RATES (packets/s; 0: as fast as spoof-flood can
#    send), a blind flood of FL_SECS seconds (build/tools/spoof-flood) while
#    strongSwan connects and disconnects in a loop: requests sent and
#    answered per second, cookies, unanswered, ike-respond's CPU (% of one
#    core, from /proc/PID/stat), VmRSS before and VmHWM after, strongSwan's
#    connects (succeeded / tried, median and maximum ms);
# 3. an on-path flood that returns every cookie (spoof-flood
#    --echo-cookies) until the half-open table is full (--half-open-max,
#    FL_HOM): memory per half-open SA, and whether strongSwan still
#    connects while the table is full (it should not, until the half-open
#    SAs expire after 30 s: the figure says how the bound behaves).
# ike-respond runs without -v (as in production: -v writes a line per
# cookie); with FL_PIN=1 (default, 2 CPUs or more) it is pinned to CPU 1
# and spoof-flood to CPU 0.
#
# Knobs (environment): B (build folder), FL_RATES ("2000 10000 0"), FL_SECS
# (8), FL_CONNECTS (5), FL_THR (--cookie-threshold, 10), FL_HOM
# (--half-open-max, 1024), FL_PIN (1), IKX_KEEP=1 (keep the run folder).
set -u
set -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
respond=$B/bin/ike-respond
flood=$B/tools/spoof-flood
rates=${FL_RATES:-2000 10000 0}
secs=${FL_SECS:-8}
connects=${FL_CONNECTS:-5}
thr=${FL_THR:-10}
hom=${FL_HOM:-1024}
pin=${FL_PIN:-1}
prefix=198.51.100.0/24

log() { echo "flood: $*" >&2; }
die() { log "$*"; exit 1; }

if [ "$(id -u)" != 0 ]; then
	log "not root: no network namespaces, flood benchmark skipped"
	exit 0
fi
for f in "$respond" "$flood"; do
	[ -x "$f" ] || die "$f: not built (make all)"
done
command -v taskset >/dev/null 2>&1 || pin=0
[ "$(nproc)" -ge 2 ] || pin=0

# shellcheck source=tests/interop/lib-respond.bash
. "$top/tests/interop/lib-respond.bash"
IKX_PROG=flood
ikx_init || die "ikx_init failed"
fl_pid=
cleanup() {
	if [ -n "$fl_pid" ] && [ "$(cat "/proc/$fl_pid/comm" 2>/dev/null)" = timeout ]; then
		kill -TERM "$fl_pid" 2>/dev/null
		wait "$fl_pid" 2>/dev/null
	fi
	ikx_respond_stop
	ikx_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ikx_initiator_up || die "strongSwan initiator did not come up"
ip -n "$IKX_NS_right" route add "$prefix" via "$IKX_ADDR_left" || die "route to $prefix"
(umask 077 && printf '%s\n' "$IKX_PSK" >"$IKX_RUN/psk")
pin_r=() pin_f=()
if [ "$pin" = 1 ]; then
	pin_r=(taskset -c 1) pin_f=(taskset -c 0)
fi
# respond_up : a fresh ike-respond (an empty half-open table)
respond_up() {
	ikx_respond_stop
	ikx_respond_start "${pin_r[@]}" "$respond" --local "$IKX_ADDR_right" \
		--psk-file "$IKX_RUN/psk" --ike "$IKX_IKE_PROPOSALS" --esp "$IKX_ESP_PROPOSALS" \
		--ts "$IKX_NET_right" --cookie-threshold "$thr" --half-open-max "$hom" \
		-S "$IKX_RUN/state" || die "ike-respond did not start"
	rpid=$(cat "$IKX_RUN/respond.pid")
}
respond_up
hz=$(getconf CLK_TCK)

ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$rpid/stat"; }
mem() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$rpid/status"; }
now_ms() { date +%s%3N; }
kv() { grep '^spoof-flood ' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# connect_once : one swanctl --initiate, then --terminate; prints its ms,
# or "fail"
connect_once() {
	local t0 t1
	t0=$(now_ms)
	if ikx_sw left --initiate --ike ikx --child net --timeout 15 >"$IKX_RUN/init.out" 2>&1; then
		t1=$(now_ms)
		ikx_sw left --terminate --ike ikx --timeout 5 >/dev/null 2>&1
		echo $((t1 - t0))
	else
		ikx_sw left --terminate --ike ikx --timeout 5 >/dev/null 2>&1
		echo fail
	fi
}

# stats : "ok/tried, median M ms, max X ms" of the numbers (and fails) on stdin
stats() {
	sort -n | awk '
		$1 == "fail" { f++; next }
		{ v[n++] = $1 }
		END {
			if (n == 0) { printf "0/%d", f; exit }
			printf "%d/%d, median %d ms, max %d ms", n, n + f, v[int((n - 1) / 2)], v[n - 1]
		}'
}

flood_bg() {
	local out=$1; shift
	ip netns exec "$IKX_NS_left" timeout $((secs + 60)) "${pin_f[@]}" "$flood" \
		--peer "$IKX_ADDR_right" --prefix "$prefix" --listen "$IKX_VETH_left" "$@" \
		>"$out" 2>&1 &
	fl_pid=$!
	ikx_wait_exec "$fl_pid" timeout || die "spoof-flood did not start"
}

log "ike-respond --cookie-threshold $thr --half-open-max $hom, pinned: $pin"
for ((i = 0; i < connects; i++)); do connect_once; done >"$IKX_RUN/base.ms"
printf 'strongSwan connects, no flood: %s\n' "$(stats <"$IKX_RUN/base.ms")"

for rate in $rates; do
	out=$IKX_RUN/flood-$rate.out
	c0=$(ticks) rss0=$(mem VmRSS) t0=$(now_ms)
	flood_bg "$out" --rate "$rate" -t "$secs"
	sleep 1
	: >"$IKX_RUN/during.ms"
	while [ -d "/proc/$fl_pid" ] && [ $(($(now_ms) - t0)) -lt $((secs * 1000 - 500)) ]; do
		connect_once >>"$IKX_RUN/during.ms"
	done
	wait "$fl_pid"
	fl_pid=
	c1=$(ticks) t1=$(now_ms)
	printf 'rate %s/s for %s s: sent %s/s, answered %s/s (%s cookies, %s normal, %s unanswered, %s lost by the listener);' \
		"$( [ "$rate" = 0 ] && echo max || echo "$rate")" "$secs" "$(kv rate_sent "$out")" \
		"$(kv rate_answered "$out")" "$(kv cookie "$out")" "$(kv normal "$out")" \
		"$(kv none "$out")" "$(kv recv_drops "$out")"
	printf ' ike-respond CPU %s%% of a core (%s us per answer), VmRSS %s kB before, VmHWM %s kB after;' \
		"$(awk -v t=$((c1 - c0)) -v hz="$hz" -v ms=$((t1 - t0)) 'BEGIN { printf "%.0f", 100 * t / hz / (ms / 1000) }')" \
		"$(awk -v t=$((c1 - c0)) -v hz="$hz" -v n="$(kv answered "$out")" 'BEGIN { if (n > 0) printf "%.1f", 1e6 * t / hz / n; else print "?" }')" \
		"$rss0" "$(mem VmHWM)"
	printf ' strongSwan connects during it: %s\n' "$(stats <"$IKX_RUN/during.ms")"
	printf '  (%s)\n' "$(cat "$out")"
done

# the on-path flood: every cookie returned until --half-open-max, on a
# fresh ike-respond (its half-open SAs all made now, gone in 30 s)
respond_up
out=$IKX_RUN/echo.out
rss0=$(mem VmRSS)
ip netns exec "$IKX_NS_left" timeout 120 "${pin_f[@]}" "$flood" --peer "$IKX_ADDR_right" \
	--prefix "$prefix" --listen "$IKX_VETH_left" --rate 5000 -n $((hom * 4)) \
	--echo-cookies >"$out" 2>&1 || die "spoof-flood failed: $(cat "$out")"
rss1=$(mem VmRSS)
n=$(kv normal "$out")
printf 'on-path flood returning cookies: %s new half-open SAs (table bound %s), VmRSS %s -> %s kB: %s kB per half-open SA\n' \
	"$n" "$hom" "$rss0" "$rss1" "$(awk -v a="$rss0" -v b="$rss1" -v n="$n" 'BEGIN { if (n > 0) printf "%.1f", (b - a) / n; else print "?" }')"
printf '  (%s)\n' "$(cat "$out")"
t0=$(now_ms)
res=$(ikx_sw left --initiate --ike ikx --child net --timeout 10 >"$IKX_RUN/init.out" 2>&1 && echo ok || echo fail)
printf 'strongSwan connect with the half-open table full: %s after %s ms\n' "$res" $(($(now_ms) - t0))
ikx_sw left --terminate --ike ikx --timeout 5 >/dev/null 2>&1
[ -d "/proc/$rpid" ] && [ "$(cat "/proc/$rpid/comm")" = ike-respond ] ||
	die "ike-respond is gone"
exit 0
