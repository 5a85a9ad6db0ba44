#!/usr/bin/env bats
# crash-safety.bats: each program killed with SIGKILL at random points of its
# run, CRASH_RUNS times (default 10, to stay within ~4 min; 100 by hand): after every kill the state
# directory passes state-check (tests/tools/state-check.c: every ike.sa
# loads, every Child SA and stats file parses and belongs to its IKE SA,
# modes 0600/0700, temporary files only as leftovers), and the next command
# succeeds.
#
#   ns ikx-ID-l: our programs (or charon, initiator)   ns ikx-ID-r: charon (or ike-respond)
#   192.0.2.1, inner 10.91.1.1                          192.0.2.2, inner 10.91.2.1
#
# 1. ike-initiate against charon: then ike-initiate with the same --name
#    succeeds and leaves exactly its own Child SA under that name.
# 2. ike-respond under ike-flood's establish/delete load: restarted on the
#    same state dir it serves again (charon's swanctl --initiate succeeds
#    and the SA is in the state dir).
# 3. ike-rekey of the Child SA: the next ike-rekey succeeds (message IDs
#    still usable) and charon's Child SAs are the state dir's.
# 3b. ike-rekey --ike (the IKE SA): the next --ike succeeds (a request
#    left out is sent again and its new IKE SA recorded), no journal is
#    left (neither the request nor the Delete of the old IKE SA,
#    old_ike_delete, sent again by the next run), and charon has exactly one IKE SA, ike.sa's, and the Child SAs
#    of the state dir.
# 4. esp-tun under pings while ike-rekey rekeys through it: a restarted
#    esp-tun carries pings, and no ESP sequence number is sent twice with
#    one SPI (the capture of the whole test).
# Each delay is uniform over the program's measured run time, or for half
# the runs over its last third (where the state files are written). A line
# "# crash NAME: runs R, killed while running K, syscall at kill: ...,
# leftovers L" goes to the TAP output (fd 3).

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	IKEKIT_TOOLS=${IKEKIT_TOOLS:-$IKEKIT_TOP/build/tools}
	I=$IKEKIT_BIN/ike-initiate
	K=$IKEKIT_BIN/ike-rekey
	R=$IKEKIT_BIN/ike-respond
	SC=$IKEKIT_TOOLS/state-check
	FLOOD=$IKEKIT_TOOLS/ike-flood
	[ -x "$I" ] && [ -x "$K" ] && [ -x "$R" ] || fail "not built (run make)"
	[ -x "$SC" ] && [ -x "$FLOOD" ] || fail "tools not built: $SC, $FLOOD"
	RUNS=${CRASH_RUNS:-10}
	case $RUNS in '' | *[!0-9]*) fail "CRASH_RUNS: not a number: $RUNS" ;; esac
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	case $BATS_TEST_DESCRIPTION in
	*ike-respond*)
		# shellcheck source=tests/interop/lib-respond.bash
		. "$HERE/lib-respond.bash" ;;
	*)
		# shellcheck source=tests/interop/lib-initiate.bash
		. "$HERE/lib-initiate.bash" ;;
	esac
	# shellcheck source=tests/interop/lib-esptun.bash
	. "$HERE/lib-esptun.bash"
	IKX_PROG=crash-safety
	ikx_init || fail "ikx_init failed"
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
	KILLED=0 LEFT=0 FAILS=0 SYSCALLS=
}

teardown() {
	esptun_down
	if ikx_failed; then
		cp "$(ikx_dir right)/charon.log" "$W/charon-right.log" 2>/dev/null
		cp "$(ikx_dir left)/charon.log" "$W/charon-left.log" 2>/dev/null
		cp -a "$(esptun_dir)" "$W/esptun" 2>/dev/null
		cp "$IKX_RUN"/*.out "$IKX_RUN"/*.err "$W"/ 2>/dev/null
		ikx_keep
	fi
	if [ -n "${IKX_RUN:-}" ]; then
		ikx_respond_stop 2>/dev/null
		ikx_down
	fi
}

kv() { sed -n "s/^$2=//p" "$1"; }

# now_ms : wall clock in milliseconds, in NOW
now_ms() { local t=${EPOCHREALTIME/./}; NOW=$((t / 1000)); }

# delay_ms RUN T : the run's delay in ms (in DELAY): odd runs uniform over [0, T],
# even runs over the last third of it (the state writes come last)
delay_ms() {
	local r=$((RANDOM * 32768 + RANDOM))
	if [ $(($1 % 2)) = 1 ]; then
		DELAY=$((r % ($2 + 1)))
	else
		DELAY=$((r % ($2 / 3 + 1) + $2 * 2 / 3))
	fi
}

# bg_left CMD... : CMD in the left namespace in the background, its pid
# (ip's, which execs into CMD) in BGPID; waits (2 s at most) for the exec,
# so that a delay counts from when CMD runs
bg_left() {
	local comm='' i=0 want=${1##*/}
	ip netns exec "$IKX_NS_left" "$@" </dev/null &
	BGPID=$!
	while [ "$comm" != "${want:0:15}" ] && [ $i -lt 2000 ]; do
		{ read -r comm <"/proc/$BGPID/comm"; } 2>/dev/null || return 0
		msleep 1
		i=$((i + 1))
	done
}

# msleep MS : a sleep without a fork (read's timeout on a FIFO nobody
# writes), so that short delays are what they say
msleep() {
	local s
	if [ -z "${NAP_FD:-}" ]; then
		mkfifo "$W/nap" && exec {NAP_FD}<>"$W/nap" || return 1
	fi
	printf -v s '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
	read -r -t "$s" -u "$NAP_FD" _ || :
}

# kill9 PID COMM : SIGKILL to PID if it is COMM (or still `ip`, before its
# exec), then reap it; counts a kill that found it running, and the system
# call it was in (/proc/PID/syscall: 1 write, 74 fsync, 82 rename, 257
# openat, 264/316 renameat, 7 poll...; "running" when on a CPU)
kill9() {
	local pid=$1 comm sc=''
	# builtins only: a fork here would let the program run on
	{ read -r comm <"/proc/$pid/comm"; } 2>/dev/null || :
	if [ "$comm" = "$2" ] || [ "$comm" = ip ]; then
		{ read -r sc _ <"/proc/$pid/syscall"; } 2>/dev/null || :
		kill -KILL "$pid" 2>/dev/null && KILLED=$((KILLED + 1)) SYSCALLS="$SYSCALLS ${sc:-?}"
	fi
	wait "$pid" 2>/dev/null || :
}

# check N : state-check of $W/state after run N; leftovers counted
check() {
	local out
	out=$("$SC" "$W/state" 2>&1)
	local rc=$?
	LEFT=$((LEFT + $(grep -c ': leftover: ' <<<"$out")))
	if [ $rc != 0 ]; then
		FAILS=$((FAILS + 1))
		printf 'run %s: state-check: exit %s\n%s\n' "$1" "$rc" "$out" >>"$W/failures"
		cp -a "$W/state" "$W/state-run$1" 2>/dev/null
		return 1
	fi
}

# failed N WHAT : record a failed next command
failed() {
	FAILS=$((FAILS + 1))
	printf 'run %s: %s\n' "$1" "$2" >>"$W/failures"
}

# report NAME : the counts, then fail if any run failed
report() {
	local tally
	tally=$(tr ' ' '\n' <<<"$SYSCALLS" | grep . | sort | uniq -c | awk '{ printf "%s%s:%s", s, $2, $1; s = " " }')
	echo "# crash $1: runs $RUNS, killed while running $KILLED, syscall at kill [$tally], leftovers $LEFT, failures $FAILS" >&3
	[ "$FAILS" = 0 ] || fail "$(head -c 4000 "$W/failures")"
}

initiate() {
	ikx_in left timeout -k 2 12 "$I" --peer "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" --timeout 5 --encap \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 "$@"
}

# one_child N SA : SA's dir holds exactly the Child SA its ike.sa names
one_child() {
	local files named
	files=$(cd "$W/state/$2" && ls child.*.sa 2>/dev/null)
	named=$(kv "$W/state/$2/ike.sa" child)
	[ "$files" = "child.$named.sa" ] || { failed "$1" "$2: Child SA files [$files], ike.sa names [$named]"; return 1; }
}

@test "crash: ike-initiate killed at random points; state-check passes, the same --name then succeeds" {
	local i t0 t pid d
	ikx_responder_up || fail "strongSwan responder did not come up"
	# T: the longest of three whole runs, started as the killed ones are
	t=0
	for i in 1 2 3; do
		bg_left "$I" --peer "$IKX_ADDR_right" --psk-file "$W/psk" \
			--ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" --timeout 5 --encap \
			--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --name c >/dev/null 2>"$W/first.err"
		now_ms
		t0=$NOW
		wait "$BGPID" || fail "ike-initiate: $(cat "$W/first.err")"
		now_ms
		d=$((NOW - t0))
		[ "$d" -le "$t" ] || t=$d
	done
	check 0 || fail "$(cat "$W/failures")"
	for i in $(seq 1 "$RUNS"); do
		delay_ms "$i" "$t"
		bg_left "$I" --peer "$IKX_ADDR_right" --psk-file "$W/psk" \
			--ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" --timeout 5 --encap \
			--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --name c >/dev/null 2>>"$W/killed.err"
		pid=$BGPID
		msleep "$DELAY"
		kill9 "$pid" ike-initiate
		check "$i" || :
		if ! initiate --name c >/dev/null 2>"$W/next.err"; then
			failed "$i" "ike-initiate after the kill: $(cat "$W/next.err")"
			continue
		fi
		check "$i.next" && one_child "$i" c || :
	done
	report "ike-initiate (T=${t}ms)"
}

@test "crash: ike-respond killed under establish/delete load; state-check passes, restarted it serves strongSwan again" {
	local i t pid theirs tp
	ikx_initiator_up || fail "strongSwan initiator did not come up"
	# the load: 4 initiators at a time, each establishing then deleting
	# SAs; recorded so that teardown (esptun_down) stops it
	ip netns exec "$IKX_NS_left" "$FLOOD" --peer "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ike "$IKX_IKE_PROPOSALS" --esp "$IKX_ESP_PROPOSALS" \
		--ts "$IKX_NET_left=$IKX_NET_right" --local "$IKX_ADDR_left" -c 4 -t 600 \
		--timeout 1 --max-timeouts 100000000 </dev/null >"$W/flood.out" 2>&1 &
	esptun_record flood $! ike-flood || fail "esptun_record"
	ikx_wait_exec "$(esptun_pid flood)" ike-flood || fail "ike-flood did not start"
	t=400
	for i in $(seq 0 "$RUNS"); do
		ikx_respond_start "$R" --local "$IKX_ADDR_right" --psk-file "$W/psk" \
			--ike "$IKX_IKE_PROPOSALS" --esp "$IKX_ESP_PROPOSALS" --ts "$IKX_NET_right" \
			-S "$W/state" || { failed "$i" "ike-respond did not start: $(cat "$IKX_RUN/respond.err")"; break; }
		pid=$(cat "$IKX_RUN/respond.pid")
		# it serves strongSwan: the SA is established and in the state dir
		if ! ikx_sw left --initiate --ike ikx --child net --timeout 5 >"$W/initiate.out" 2>&1; then
			failed "$i" "swanctl --initiate after the restart: $(tail -n 3 "$W/initiate.out")"
		else
			theirs=$(ikx_respond_peer_spis | tail -n 1)
			grep -qs "^ispi=${theirs%_*}\$" "$W"/state/*/ike.sa ||
				failed "$i" "strongSwan's SA $theirs is not in the state dir"
		fi
		ikx_sw left --terminate --ike ikx --timeout 2 >/dev/null 2>&1 &
		tp=$!
		[ "$i" = "$RUNS" ] && { wait "$tp" || :; break; }
		delay_ms "$i" "$t"
		msleep "$DELAY"
		kill9 "$pid" ike-respond
		rm -f "$IKX_RUN/respond.pid"
		wait "$tp" || :
		check "$i" || :
	done
	ikx_respond_stop
	esptun_down
	check end || :
	report "ike-respond (T=${t}ms)"
}

# agree N : charon's installed Child SAs are exactly the state dir's
agree() {
	local ours theirs f i
	for i in $(seq 1 30); do
		ours=$(for f in "$W"/state/s/child.*.sa; do
			[ -f "$f" ] && printf '%s/%s\n' "$(kv "$f" spi_out | sed 's/^0x//')" "$(kv "$f" spi_in | sed 's/^0x//')"
		done | sort)
		theirs=$(ikx_child_spis_any right | sort)
		[ "$ours" = "$theirs" ] && return 0
		sleep 0.1
	done
	failed "$1" "state dir [$ours] but charon [$theirs]"
	return 1
}

@test "crash: ike-rekey killed mid-rekey; state-check passes, the next ike-rekey succeeds, charon agrees" {
	local i t0 t pid bad=0
	ikx_responder_up || fail "strongSwan responder did not come up"
	initiate --name s >/dev/null 2>"$W/first.err" || fail "ike-initiate: $(cat "$W/first.err")"
	bg_left "$K" -S "$W/state" --timeout 3 s >/dev/null 2>"$W/first.err"
	now_ms
	t0=$NOW
	wait "$BGPID" || fail "ike-rekey: $(cat "$W/first.err")"
	now_ms
	t=$((NOW - t0))
	for i in $(seq 1 "$RUNS"); do
		delay_ms "$i" "$t"
		bg_left "$K" -S "$W/state" --timeout 3 s >/dev/null 2>>"$W/killed.err"
		pid=$BGPID
		msleep "$DELAY"
		kill9 "$pid" ike-rekey
		check "$i" || :
		if ! ikx_in left timeout 10 "$K" -S "$W/state" --timeout 3 s >/dev/null 2>"$W/next.err"; then
			failed "$i" "ike-rekey after the kill: $(cat "$W/next.err")"
			# an SA that no longer answers stays so: no use going on
			bad=$((bad + 1))
			[ "$bad" -lt 3 ] || { failed "$i" "3 failures in a row: stopped"; break; }
			continue
		fi
		bad=0
		check "$i.next" || :
		agree "$i" || :
	done
	report "ike-rekey (T=${t}ms)"
}

# one_ike N : charon has exactly one IKE SA (of any state), ESTABLISHED, with
# the SPIs of our ike.sa (waits up to 15 s: an old IKE SA whose Delete a
# killed run did not send goes at strongSwan's own timeout)
one_ike() {
	local ours theirs i
	for i in $(seq 1 75); do
		ours="ESTABLISHED $(kv "$W/state/s/ike.sa" ispi)_$(kv "$W/state/s/ike.sa" rspi)"
		theirs=$(ikx_sw right --list-sas 2>/dev/null | awk '/^[^ ].*: #[0-9]+, / {
			i = $5; r = $6; s = $3; gsub(/[*]/, "", i); gsub(/[*]/, "", r)
			sub(/_i$/, "", i); sub(/_r$/, "", r); sub(/,$/, "", s); print s " " i "_" r }')
		# ours, established; another IKE SA only while charon tears it
		# down: the old one, when the kill came between the new ike.sa
		# and the old SA's Delete (not journaled: man ike-rekey(8))
		grep -qxF "$ours" <<<"$theirs" &&
			! grep -v -xF "$ours" <<<"$theirs" | grep -qv '^\(REKEYED\|DELETING\) ' &&
			return 0
		sleep 0.2
	done
	failed "$1" "ike.sa [$ours] but charon [$(tr '\n' ';' <<<"$theirs")]"
	return 1
}

@test "crash: ike-rekey --ike killed mid-rekey; state-check passes, the next --ike succeeds, charon has our IKE SA (others only being deleted) and the Child SA" {
	local i t0 t pid bad=0 resent=0
	ikx_responder_up || fail "strongSwan responder did not come up"
	initiate --name s >/dev/null 2>"$W/first.err" || fail "ike-initiate: $(cat "$W/first.err")"
	bg_left "$K" -S "$W/state" --timeout 3 --ike s >/dev/null 2>"$W/first.err"
	now_ms
	t0=$NOW
	wait "$BGPID" || fail "ike-rekey --ike: $(cat "$W/first.err")"
	now_ms
	t=$((NOW - t0))
	for i in $(seq 1 "$RUNS"); do
		delay_ms "$i" "$t"
		bg_left "$K" -S "$W/state" --timeout 3 --ike s >/dev/null 2>>"$W/killed.err"
		pid=$BGPID
		msleep "$DELAY"
		kill9 "$pid" ike-rekey
		check "$i" || :
		if ! ikx_in left timeout 20 "$K" -v -S "$W/state" --timeout 3 --ike s >/dev/null 2>"$W/next.err"; then
			failed "$i" "ike-rekey --ike after the kill: $(cat "$W/next.err")"
			bad=$((bad + 1))
			[ "$bad" -lt 3 ] || { failed "$i" "3 failures in a row: stopped"; break; }
			continue
		fi
		bad=0
		check "$i.next" || :
		! grep -q '^pending_' "$W/state/s/ike.sa" || failed "$i" "a journal left: $(grep -c '^pending_' "$W/state/s/ike.sa") lines"
		# the journaled Delete of the old IKE SA, sent again and answered
		! grep -q '^old_ike_' "$W/state/s/ike.sa" || failed "$i" "the Delete of an old IKE SA left in ike.sa"
		! grep -q 'Delete of the old IKE SA an earlier run left' "$W/next.err" || resent=$((resent + 1))
		one_ike "$i" || :
		agree "$i" || :
	done
	echo "# crash ike-rekey --ike: the Delete of the old IKE SA a killed run journaled sent again by the next run $resent times" >&3
	report "ike-rekey --ike (T=${t}ms)"
}

@test "crash: esp-tun killed while rekeyed and writing stats; state-check passes, restarted it carries pings, no sequence number twice" {
	local i t pid pp rk f n
	ikx_responder_up || fail "strongSwan responder did not come up"
	esptun_capture_start C left "$IKX_VETH_left" "$W/esp.pcap" "src host $IKX_ADDR_left and udp port 4500" ||
		fail "tcpdump"
	initiate --name s >/dev/null 2>"$W/first.err" || fail "ike-initiate: $(cat "$W/first.err")"
	t=1200
	for i in $(seq 0 "$RUNS"); do
		esptun_start L left -S "$W/state" --sa s --json || { failed "$i" "esp-tun did not come up"; break; }
		pid=$(esptun_pid L)
		# it carries traffic after the previous kill
		esptun_ping left 2 2>>"$W/ping.err" || failed "$i" "no pings through the restarted esp-tun"
		[ "$i" = "$RUNS" ] && break
		ikx_in left ping -q -c 400 -i 0.005 -W 1 -I "$IKX_HOST_left" "$IKX_HOST_right" >/dev/null 2>&1 &
		pp=$!
		msleep 300
		ikx_in left timeout 10 "$K" -S "$W/state" --timeout 2 s >/dev/null 2>>"$W/rekey.err" &
		rk=$!
		delay_ms "$i" "$t"
		msleep "$DELAY"
		kill9 "$pid" esp-tun
		wait "$pp" || :
		wait "$rk" || :
		rm -f "$(esptun_dir)/L.pid"
		check "$i" || :
		# a rekey cut off by the kill may leave two Child SAs: keep the one ike.sa names
		for f in "$W"/state/s/child.*.sa; do
			n=${f##*/child.} n=${n%.sa}
			[ "$n" = "$(kv "$W/state/s/ike.sa" child)" ] ||
				ikx_in left timeout 10 "$K" -S "$W/state" --timeout 2 --delete --child "$n" s >/dev/null 2>>"$W/rekey.err"
		done
	done
	esptun_stop L
	esptun_capture_stop C
	# (SPI, sequence number) of every ESP packet we sent: none twice
	tcpdump -n -r "$W/esp.pcap" 2>/dev/null | grep -o 'ESP(spi=0x[0-9a-f]*,seq=0x[0-9a-f]*)' |
		sort | uniq -d >"$W/dups"
	[ ! -s "$W/dups" ] || failed all "sequence numbers sent twice: $(head -n 5 "$W/dups")"
	[ "$(tcpdump -n -r "$W/esp.pcap" 2>/dev/null | grep -c 'ESP(spi=')" -gt 0 ] || failed all "no ESP captured"
	report "esp-tun (T=${t}ms)"
}
