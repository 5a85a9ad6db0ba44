#!/usr/bin/env bats
# auto-strongswan.bats: lifetimes acted on.  ike-initiate --lifetime or
# --lifetime-packets sets up an SA with strongSwan 5.9.8 (charon with
# kernel-libipsec) as the responder; esp-tun carries it and counts its
# packets; `ike-rekey --auto` watches the Child SA and, at its soft limit,
# rekeys it through esp-tun's port while pings run.
#
#   ns ikx-ID-l: ike-initiate, esp-tun, ike-rekey --auto    ns ikx-ID-r: charon
#
# Checked: the Child SA file has the hard limit and a soft one of 80-90% of
# it; within the time (or packets) of the soft limit plus a few seconds
# ike-rekey --auto prints soft-expired then rekeyed; charon's only
# INSTALLED Child SA then has the new SPIs, crosswise those of the new file
# that ike.sa's child= names (which has the limits again, with a fresh
# created=); every ping is answered, before, during and after the rekey;
# SIGTERM ends ike-rekey --auto with exit 0.  Every wait is bounded; every
# program is stopped by pid.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan, TUN)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	I=$IKEKIT_BIN/ike-initiate
	K=$IKEKIT_BIN/ike-rekey
	[ -x "$I" ] && [ -x "$K" ] || fail "ike-initiate or ike-rekey not built (run make)"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-initiate.bash
	. "$HERE/lib-initiate.bash"
	# shellcheck source=tests/interop/lib-esptun.bash
	. "$HERE/lib-esptun.bash"
	IKX_PROG=auto-strongswan
	AUTO='' PING=''
	ikx_init || fail "ikx_init failed"
	ikx_responder_up || fail "strongSwan responder did not come up"
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
}

teardown() {
	stop_pid "$PING" ping
	stop_pid "$AUTO" ike-rekey
	esptun_down
	if ikx_failed; then
		cp "$(ikx_dir right)/charon.log" "$W/charon-right.log" 2>/dev/null
		ikx_sw right --list-sas >"$W/list-sas.txt" 2>&1
		cp -a "$(esptun_dir)" "$W/esptun" 2>/dev/null
		ikx_keep
	fi
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# stop_pid PID COMM : KILL PID if it is still COMM (never by name alone)
stop_pid() {
	[ -n "$1" ] || return 0
	if [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; then
		kill -KILL "$1" 2>/dev/null || true
		wait "$1" 2>/dev/null || true
	fi
	return 0
}

kv() { sed -n "s/^$2=//p" "$1"; }

# sa_up LIMIT-OPTION... : ike-initiate sets up SA site-b with them; CHILD
# is its Child SA
sa_up() {
	run --separate-stderr ikx_in left timeout -k 2 12 "$I" --peer "$IKX_ADDR_right" \
		--psk-file "$W/psk" --ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" \
		--timeout 8 --encap --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
		--name site-b "$@"
	# shellcheck disable=SC2154 # stderr: set by run --separate-stderr
	[ "$status" = 0 ] || fail "ike-initiate: exit $status: $stderr"
	CHILD=$(kv "$W/state/site-b/ike.sa" child)
	[ -f "$W/state/site-b/child.$CHILD.sa" ] || fail "no Child SA in the state dir"
	esptun_start L left -S "$W/state" --sa site-b --json || fail "esp-tun did not come up"
}

# check_limit FILE KEY HARD : FILE has lifetime_KEY=HARD and soft_KEY in
# [80%, 90%] of it
check_limit() {
	local soft
	assert_equal "$(kv "$1" "lifetime_$2")" "$3"
	soft=$(kv "$1" "soft_$2")
	[ -n "$soft" ] && [ $((soft * 10)) -ge $(($3 * 8)) ] && [ $((soft * 10)) -le $(($3 * 9)) ] ||
		fail "$1: soft_$2=$soft for lifetime_$2=$3"
}

# auto_start : ike-rekey --auto --json site-b in the left namespace (AUTO)
auto_start() {
	ip netns exec "$(ikx_var NS left)" "$K" -S "$W/state" --auto --json site-b \
		>"$W/auto.out" 2>"$W/auto.err" &
	AUTO=$!
}

# auto_stop : SIGTERM; exit 0 within 5 s
auto_stop() {
	local i=0
	kill -TERM "$AUTO"
	while [ "$(cat "/proc/$AUTO/comm" 2>/dev/null)" = ike-rekey ] &&
		[ "$(awk '{ print $3 }' "/proc/$AUTO/stat" 2>/dev/null)" != Z ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ $i -lt 50 ] || fail "ike-rekey --auto still running 5 s after SIGTERM"
	wait "$AUTO"
	local rc=$?
	AUTO=
	[ "$rc" = 0 ] || fail "ike-rekey --auto: exit $rc: $(cat "$W/auto.err")"
}

# swan_has IN/OUT : charon's only INSTALLED Child SA is IN/OUT
swan_has() { [ "$(ikx_child_spis_any right)" = "$1" ]; }

# rekeyed LIMIT : the events soft-expired (LIMIT) and rekeyed of CHILD; the
# new Child SA is ike.sa's, charon has it (and no other), and it has the
# limits again
rekeyed() {
	local new f now
	now=$(date +%s)
	assert_equal "$(jq -c 'select(.event == "soft-expired")' "$W/auto.out" | head -n 1)" \
		"{\"event\":\"soft-expired\",\"name\":\"site-b\",\"child\":\"$CHILD\",\"limit\":\"$1\"}"
	new=$(jq -r 'select(.event == "rekeyed") | .new' "$W/auto.out" | head -n 1)
	[ "$(jq -r 'select(.event == "rekeyed") | .child' "$W/auto.out" | head -n 1)" = "$CHILD" ] ||
		fail "events: $(cat "$W/auto.out")"
	[ "$(jq -c 'select(.event == "failed" or .event == "deleted")' "$W/auto.out")" = "" ] ||
		fail "events: $(cat "$W/auto.out")"
	f=$W/state/site-b/child.$new.sa
	[ "$(kv "$W/state/site-b/ike.sa" child)" = "$new" ] || fail "ike.sa: child=$(kv "$W/state/site-b/ike.sa" child), not $new"
	[ ! -e "$W/state/site-b/child.$CHILD.sa" ] || fail "the old Child SA is still there"
	ikx_until 5 swan_has "$(esptun_hex8 "$(kv "$f" spi_out)")/$(esptun_hex8 "$(kv "$f" spi_in)")" ||
		fail "charon's Child SAs: $(ikx_child_spis_any right); ours: $(kv "$f" spi_in)/$(kv "$f" spi_out)"
	[ $((now - $(kv "$f" created))) -le 12 ] || fail "created=$(kv "$f" created), now $now"
	NEW=$new
}

@test "ike-initiate --lifetime 8 -> strongSwan; ike-rekey --auto rekeys through esp-tun at the soft limit (7 s) under pings: charon and the state dir agree, every ping answered" {
	sa_up --lifetime 8
	check_limit "$W/state/site-b/child.$CHILD.sa" secs 8
	auto_start
	# 12 s of pings, the rekey at about 7 s
	ikx_in left timeout 30 ping -c 60 -i 0.2 -W 2 -I "$IKX_HOST_left" "$IKX_HOST_right" >"$W/ping.out" 2>&1 &
	PING=$!
	ikx_until 12 grep -q '"event":"rekeyed"' "$W/auto.out" ||
		fail "no rekey within 12 s: $(cat "$W/auto.out" "$W/auto.err")"
	rekeyed secs
	check_limit "$W/state/site-b/child.$NEW.sa" secs 8
	wait "$PING"
	PING=
	grep -q '^60 packets transmitted, 60 received' "$W/ping.out" || fail "$(tail -n 3 "$W/ping.out")"
	esptun_field_ge "$W/state" site-b in_packets 1 || fail "no packet on the new Child SA"
	auto_stop
}

@test "ike-initiate --lifetime-packets 60 -> strongSwan; ike-rekey --auto rekeys once esp-tun has counted 48-54 packets, before the hard limit; every ping answered, then pings on the new Child SA" {
	sa_up --lifetime-packets 60
	check_limit "$W/state/site-b/child.$CHILD.sa" packets 60
	auto_start
	# past the soft limit (at most 54), short of the hard one
	ikx_in left timeout 20 ping -c 56 -i 0.05 -W 2 -I "$IKX_HOST_left" "$IKX_HOST_right" >"$W/ping.out" 2>&1 ||
		fail "$(tail -n 3 "$W/ping.out")"
	grep -q '^56 packets transmitted, 56 received' "$W/ping.out" || fail "$(tail -n 3 "$W/ping.out")"
	ikx_until 10 grep -q '"event":"rekeyed"' "$W/auto.out" ||
		fail "no rekey within 10 s: $(cat "$W/auto.out" "$W/auto.err")"
	rekeyed packets
	check_limit "$W/state/site-b/child.$NEW.sa" packets 60
	esptun_ping left 5 || fail "ping on the new Child SA"
	auto_stop
}
