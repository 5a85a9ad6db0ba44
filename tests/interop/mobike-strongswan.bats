#!/usr/bin/env bats
# mobike-strongswan.bats: MOBIKE (RFC 4555) with strongSwan 5.9.8 (charon with
# kernel-libipsec), both ways.
#
#   ns ikx-ID-l                                 ns ikx-ID-r
#   192.0.2.1, then .11 (or .21) ikxID-l <-- veth --> ikxID-r 192.0.2.2
#   10.91.1.1 (lo) == ESP in UDP 4500 == 10.91.2.1 (lo)
#
# 1. ike-initiate (left, --encap) -> charon (right); esp-tun carries the SA;
#    `ike-rekey --move-to 192.0.2.11` under pings every 0.1 s: both ends
#    agreed on MOBIKE (mobike=yes), exit 0 with the "moved" event, ike.sa
#    local=192.0.2.11:4500 and no journal, charon's `swanctl --list-sas` has
#    the IKE SA (same SPIs) between 192.0.2.2 and 192.0.2.11, esp-tun (the
#    same process) prints its "moved" event; at most 5 pings lost across
#    the switch; charon (kernel-libipsec cannot move an SA in place) rekeys
#    the Child SA, esp-tun answers; with 192.0.2.1 removed, pings both ways
#    all answered, esp-tun's counters go on, nothing dropped for replay,
#    ICV or SPI.
# 2. The same SA; 192.0.2.1 removed from the veth (192.0.2.11 promoted):
#    esp-tun hears it (rtnetlink), sends UPDATE_SA_ADDRESSES itself from
#    192.0.2.11, one "moved" event; ike.sa and charon follow; pings.
# 3. charon (left) as the initiator, MOBIKE on and roam_events = yes (its
#    kernel-netlink plugin watches addresses), toward ike-respond (right)
#    with esp-tun carrying the SA; 192.0.2.21 added and 192.0.2.1 removed
#    on charon's side: charon sends UPDATE_SA_ADDRESSES from 192.0.2.21,
#    ike-respond answers, checks the new address (its own INFORMATIONAL
#    with COOKIE2, which charon's log shows received and answered), then
#    records remote=192.0.2.21:4500 (a "moved" event), esp-tun moves its
#    socket; pings both ways.
# Every wait is bounded; esp-tun, ike-respond and ping are stopped by pid.
# On failure the test's files go to
# ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

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
	case $BATS_TEST_DESCRIPTION in
	"strongSwan moves"*)
		# shellcheck source=tests/interop/lib-respond.bash
		. "$HERE/lib-respond.bash" ;;
	*)
		# shellcheck source=tests/interop/lib-initiate.bash
		. "$HERE/lib-initiate.bash" ;;
	esac
	# shellcheck source=tests/interop/lib-esptun.bash
	. "$HERE/lib-esptun.bash"
	[ -x "$ESPTUN" ] || fail "esp-tun not built: $ESPTUN (run make)"
	IKX_PROG=mobike-strongswan
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
	NEW=192.0.2.11
}

teardown() {
	stop_ping
	esptun_down
	[ "$(type -t ikx_respond_stop)" != function ] || ikx_respond_stop
	if ikx_failed; then
		cp "$(ikx_dir right)/charon.log" "$W/charon-right.log" 2>/dev/null
		cp "$(ikx_dir left)/charon.log" "$W/charon-left.log" 2>/dev/null
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$W"/ 2>/dev/null
		ikx_sw right --list-sas >"$W/list-sas.txt" 2>&1
		ikx_sw left --list-sas >"$W/list-sas-left.txt" 2>&1
		cp -a "$(esptun_dir)" "$W/esptun" 2>/dev/null
		{ ikx_in left ip addr; ikx_in left ip route; } >"$W/left-ip.txt" 2>&1
		ikx_keep
	fi
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# kv FILE KEY : the value of KEY in a state file
kv() { sed -n "s/^$2=//p" "$1"; }

# stop_ping : the background ping, if it still runs (by pid, name checked)
stop_ping() {
	[ -n "${PING_PID:-}" ] || return 0
	if [ "$(cat "/proc/$PING_PID/comm" 2>/dev/null)" = ping ]; then
		kill -TERM "$PING_PID" 2>/dev/null
	fi
	PING_PID=
}

# swan_addrs : "LOCAL REMOTE" of charon's established IKE SA ("  local
# '192.0.2.2' @ 192.0.2.2[4500]", "  remote '192.0.2.1' @ 192.0.2.11[4500]")
swan_addrs() {
	ikx_sw right --list-sas 2>/dev/null | awk '
		$1 == "local" && $3 == "@" { l = $4 }
		$1 == "remote" && $3 == "@" { r = $4 }
		END { print l, r }'
}

swan_moved() { [ "$(swan_addrs)" = "192.0.2.2[4500] ${NEW}[4500]" ]; }

# swan_settled : charon has no exchange under way and one Child SA of ours
swan_settled() {
	! ikx_sw right --list-sas 2>/dev/null | grep -qE '^  (active|queued|passive): ' && child_known
}

# child_known : charon has one INSTALLED Child SA, and it is one of ours
# (the one from before the move, or the one charon rekeyed it into:
# kernel-libipsec cannot move an SA in place, so charon rekeys it)
child_known() {
	local s in out f
	s=$(ikx_child_spis_any right)
	[ "$(wc -l <<<"$s")" = 1 ] && [ -n "$s" ] || return 1
	in=${s%/*} out=${s#*/}
	for f in "$W"/state/site-b/child.*.sa; do
		[ "$(kv "$f" spi_in)" = "0x$out" ] && [ "$(kv "$f" spi_out)" = "0x$in" ] && return 0
	done
	return 1
}

@test "ike-rekey --move-to: strongSwan follows the IKE SA to our second address, esp-tun goes on sending from it" {
	local ike0 ev lost sent got
	ikx_init || fail "ikx_init failed"
	ikx_responder_up || fail "strongSwan responder did not come up"
	run --separate-stderr ikx_in left timeout -k 2 12 "$I" --peer "$IKX_ADDR_right" \
		--psk-file "$W/psk" --ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" \
		--timeout 8 --encap --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --name site-b
	# shellcheck disable=SC2154 # stderr: set by run --separate-stderr
	[ "$status" = 0 ] || fail "ike-initiate: exit $status: $stderr"
	[ "$(kv "$W/state/site-b/ike.sa" mobike)" = yes ] || fail "no mobike=yes in ike.sa: $(cat "$W/state/site-b/ike.sa" | grep -v '^sk_')"
	assert_equal "$(swan_addrs)" "192.0.2.2[4500] 192.0.2.1[4500]"
	ike0=$(ikx_ike_spis_any right)
	[ -n "$ike0" ] || fail "no IKE SA at charon"
	child_known || fail "charon's Child SA is not ours: $(ikx_child_spis_any right)"
	# a secondary address of the veth's subnet; promoted when the primary
	# goes (else Linux removes it with the primary)
	ikx_in left sysctl -qw "net.ipv4.conf.$IKX_VETH_left.promote_secondaries=1" || fail "sysctl"
	ikx_in left ip addr add "$NEW/24" dev "$IKX_VETH_left" || fail "second address"

	esptun_start L left -S "$W/state" --sa site-b --json || fail "esp-tun did not come up"
	esptun_ping left 3 || fail "ping before the move"

	# pings every 0.1 s across the move
	# shellcheck disable=SC2016 # expanded by that shell
	ikx_in left bash -c 'echo $$ >"$1"; shift; exec ping "$@"' sh "$W/ping.pid" \
		-c 40 -i 0.1 -W 1 -w 20 -I "$IKX_HOST_left" "$IKX_HOST_right" >"$W/ping-move.out" 2>&1 &
	ikx_until 3 test -s "$W/ping.pid" || fail "ping did not start"
	PING_PID=$(cat "$W/ping.pid")
	sleep 1
	run --separate-stderr ikx_in left timeout -k 2 20 "$K" -S "$W/state" --json --move-to "$NEW" site-b
	[ "$status" = 0 ] || fail "ike-rekey --move-to: exit $status: $stderr"
	[ "$(jq -r .event <<<"$output")" = moved ] || fail "ike-rekey output: $output"
	[ "$(jq -r .local <<<"$output")" = "$NEW:4500" ] || fail "ike-rekey output: $output"
	assert_equal "$(kv "$W/state/site-b/ike.sa" local)" "$NEW:4500"
	assert_equal "$(kv "$W/state/site-b/ike.sa" remote)" "192.0.2.2:4500"
	[ -z "$(kv "$W/state/site-b/ike.sa" pending_msgid)" ] || fail "journal left in ike.sa"
	ikx_until 5 swan_moved || fail "charon's IKE SA is not on $NEW: $(swan_addrs)"
	assert_equal "$(ikx_ike_spis_any right)" "$ike0"
	ikx_until 5 esptun_running L || fail "esp-tun is gone"
	ev=$(esptun_events L | jq -c 'select(.event == "moved")' | head -n 1)
	[ "$(jq -r .local <<<"$ev")" = "$NEW:4500" ] || fail "no moved event from esp-tun: $(esptun_events L)"

	# the ping across the move: at most the switch lost
	local i=0
	while [ "$(cat "/proc/$PING_PID/comm" 2>/dev/null)" = ping ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
	stop_ping
	sent=$(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' "$W/ping-move.out")
	got=$(sed -nE 's/.* ([0-9]+) received.*/\1/p' "$W/ping-move.out")
	[ -n "$sent" ] && [ -n "$got" ] || fail "ping: $(cat "$W/ping-move.out")"
	lost=$((sent - got))
	echo "# pings across the move: $got of $sent answered" >&3
	[ "$lost" -le 5 ] || fail "lost $lost of $sent pings across the move"

	# charon (kernel-libipsec cannot move an SA in place) rekeys the Child
	# SA for the new addresses: its CREATE_CHILD_SA met ike-rekey's socket
	# first, esp-tun answers the retransmission 4 s later
	ikx_until 15 swan_settled || fail "charon did not settle: $(ikx_sw right --list-sas 2>&1)"
	# the old address gone: everything goes by the new one
	ikx_in left ip addr del "$IKX_ADDR_left/24" dev "$IKX_VETH_left" || fail "removing the old address"
	esptun_ping left 5 || fail "ping left -> right after the old address went"
	esptun_ping right 5 || fail "ping right -> left after the old address went"
	# (charon rekeyed the Child SA: the counters are the new one's)
	ikx_until 5 esptun_field_ge "$W/state" site-b out_packets 10 || fail "esp-tun's counters did not go on"
	local f
	for f in drop_replay drop_integ drop_spi; do
		esptun_field_is "$W/state" site-b "$f" 0 ||
			fail "esp-tun: $f = $(esptun_sum "$W/state" site-b "$f")"
	done
	ikx_until 15 child_known || fail "charon's Child SA is not ours: $(ikx_child_spis_any right)"
	assert_equal "$(ikx_ike_spis_any right)" "$ike0"
}

@test "our address goes away: esp-tun notices (rtnetlink) and moves the IKE SA to our other address itself" {
	local ev
	ikx_init || fail "ikx_init failed"
	ikx_responder_up || fail "strongSwan responder did not come up"
	run --separate-stderr ikx_in left timeout -k 2 12 "$I" --peer "$IKX_ADDR_right" \
		--psk-file "$W/psk" --ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" \
		--timeout 8 --encap --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --name site-b
	[ "$status" = 0 ] || fail "ike-initiate: exit $status"
	[ "$(kv "$W/state/site-b/ike.sa" mobike)" = yes ] || fail "no mobike=yes in ike.sa"
	esptun_start L left -S "$W/state" --sa site-b --json || fail "esp-tun did not come up"
	esptun_ping left 3 || fail "ping before the move"
	ikx_in left sysctl -qw "net.ipv4.conf.$IKX_VETH_left.promote_secondaries=1" || fail "sysctl"
	ikx_in left ip addr add "$NEW/24" dev "$IKX_VETH_left" || fail "second address"
	ikx_in left ip addr del "$IKX_ADDR_left/24" dev "$IKX_VETH_left" || fail "removing the old address"
	ikx_until 10 swan_moved || fail "charon's IKE SA is not on $NEW: $(swan_addrs)"
	ikx_until 5 test "$(kv "$W/state/site-b/ike.sa" local)" = "$NEW:4500" ||
		fail "ike.sa: local=$(kv "$W/state/site-b/ike.sa" local)"
	[ -z "$(kv "$W/state/site-b/ike.sa" pending_msgid)" ] || fail "journal left in ike.sa"
	ev=$(esptun_events L | jq -c 'select(.event == "moved")')
	[ "$(wc -l <<<"$ev")" = 1 ] && [ "$(jq -r .local <<<"$ev")" = "$NEW:4500" ] ||
		fail "not one moved event from esp-tun: $(esptun_events L)"
	ikx_until 15 swan_settled || fail "charon did not settle: $(ikx_sw right --list-sas 2>&1)"
	esptun_ping left 5 || fail "ping left -> right after the move"
	esptun_ping right 5 || fail "ping right -> left after the move"
	esptun_running L || fail "esp-tun is gone"
}

# swan_left_addrs : "LOCAL REMOTE" of the left charon's IKE SA
swan_left_addrs() {
	ikx_sw left --list-sas 2>/dev/null | awk '
		$1 == "local" && $3 == "@" { l = $4 }
		$1 == "remote" && $3 == "@" { r = $4 }
		END { print l, r }'
}

# left_settled : the left charon has no exchange under way, one Child SA
left_settled() {
	local s
	s=$(ikx_sw left --list-sas 2>/dev/null)
	! grep -qE '^  (active|queued|passive): ' <<<"$s" &&
		[ "$(grep -cE '^  [^ ]+: #[0-9]+, .*INSTALLED' <<<"$s")" = 1 ]
}

remote_is() { [ "$(kv "$W/state/$NAME/ike.sa" remote)" = "$1" ]; }
moved_event() { esptun_events E | jq -e --arg r "$1" 'select(.event == "moved" and .remote == $r)' >/dev/null; }

@test "strongSwan moves: charon (initiator, MOBIKE, roaming) changes its address; ike-respond answers, ike.sa and esp-tun follow" {
	local peer2=192.0.2.21
	# charon notices address changes only with roam events (kernel-netlink)
	eval "ikx__orig_$(declare -f ikx_write_strongswan_conf)"
	ikx_write_strongswan_conf() {
		ikx__orig_ikx_write_strongswan_conf "$@" &&
			sed -i 's/roam_events = no/roam_events = yes/' "$(ikx_dir "$1")/strongswan.conf"
	}
	IKX_IKE_PROPOSALS=aes256gcm16-prfsha256-x25519 IKX_ESP_PROPOSALS=aes256gcm16 IKX_DPD_DELAY=30s
	ikx_init || fail "ikx_init failed"
	ikx_initiator_up || fail "strongSwan initiator did not come up"
	grep -q 'roam_events = yes' "$(ikx_dir left)/strongswan.conf" || fail "roam_events not set"
	# lib-respond's connection has mobike = no; here yes, from either address
	sed -i -e 's/mobike = no/mobike = yes/' \
		-e "s/local_addrs = $IKX_ADDR_left\$/local_addrs = $IKX_ADDR_left, $peer2/" \
		"$(ikx_dir left)/swanctl/swanctl.conf"
	ikx_load left || fail "swanctl --load-all"
	ikx_respond_start "$IKEKIT_BIN/ike-respond" --local "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ike "$IKX_IKE_PROPOSALS" --esp aes256gcm16 --ts "$IKX_NET_right" -S "$W/state" --json -v ||
		fail "ike-respond did not start"
	ikx_sw left --initiate --ike ikx --child net --timeout 8 >"$W/initiate.out" 2>&1 ||
		fail "swanctl --initiate: $(cat "$W/initiate.out")"
	ikx_until 5 grep -q '"event":"established"' "$IKX_RUN/respond.out" || fail "no established event"
	NAME=$(jq -r 'select(.event == "established") | .name' "$IKX_RUN/respond.out" | head -n 1)
	[ "$(kv "$W/state/$NAME/ike.sa" mobike)" = yes ] || fail "no mobike=yes in ike.sa"
	assert_equal "$(kv "$W/state/$NAME/ike.sa" remote)" "$IKX_ADDR_left:4500"
	esptun_start E right -S "$W/state" --sa "$NAME" --json || fail "esp-tun did not come up"
	esptun_ping left 3 || fail "ping before the move"
	esptun_ping right 3 || fail "ping before the move"

	# charon's address changes: the new one first, then the old one goes
	ikx_in left sysctl -qw "net.ipv4.conf.$IKX_VETH_left.promote_secondaries=1" || fail "sysctl"
	ikx_in left ip addr add "$peer2/24" dev "$IKX_VETH_left" || fail "new address"
	ikx_in left ip addr del "$IKX_ADDR_left/24" dev "$IKX_VETH_left" || fail "removing the old address"
	ikx_until 20 remote_is "$peer2:4500" ||
		fail "ike.sa's remote is $(kv "$W/state/$NAME/ike.sa" remote), charon: $(swan_left_addrs)"
	assert_equal "$(swan_left_addrs)" "${peer2}[4500] 192.0.2.2[4500]"
	grep -q '"event":"moved"' "$IKX_RUN/respond.out" || fail "no moved event from ike-respond"
	# the return routability check (RFC 4555 3.5): ike-respond's own
	# INFORMATIONAL request with COOKIE2 to the new address, which charon
	# took and answered (COOKIE2 echoed) before the SA moved
	grep -Eq "parsed INFORMATIONAL request [0-9]+ \[ N\(COOKIE2\) \]" "$(ikx_dir left)/charon.log" ||
		fail "charon got no INFORMATIONAL with COOKIE2"
	grep -Eq "generating INFORMATIONAL response [0-9]+ \[ N\(COOKIE2\) \]" "$(ikx_dir left)/charon.log" ||
		fail "charon did not answer the check"
	grep -q 'return routability check [0-9]* answered' "$IKX_RUN/respond.err" ||
		fail "ike-respond saw no answer to its check: $(grep -i 'routab' "$IKX_RUN/respond.err")"
	ikx_until 5 moved_event "$peer2:4500" || fail "esp-tun did not move: $(esptun_events E)"
	ikx_until 15 left_settled || fail "charon did not settle: $(ikx_sw left --list-sas 2>&1)"
	esptun_ping left 5 || fail "ping left -> right after the move"
	esptun_ping right 5 || fail "ping right -> left after the move"
	esptun_running E || fail "esp-tun is gone"
}
