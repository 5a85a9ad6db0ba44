# shellcheck shell=bash
# lib-lossy.bash: lib.bash's two namespaces with a lossy link between them: a
# third namespace in the middle where tests/tools/lossy-bridge.py forwards
# every frame from one veth to the other, dropping, duplicating and delaying
# (reordering) those of UDP 500/4500 (the kernel here has neither netem nor
# nftables).  Source it after lib.bash or lib-initiate.bash (bash only); it
# wraps two of lib.bash's functions and changes nothing else, so every ikx_*
# helper (ikx_up, ikx_responder_up, ...) builds this topology:
#
#   . tests/interop/lib-initiate.bash; . tests/interop/lib-lossy.bash
#   LOSSY_DROP=0.3 LOSSY_DUP=0.1 LOSSY_REORDER_MS=300
#   ikx_init; ikx_responder_up            # the bridge runs from here on
#   ...; lossy_bridge_stop; echo "$LOSSY_COUNTERS"
#   ikx_down                              # stops the bridge too, by pid
#
#   ns ikx-ID-l                    ns ikx-ID-m                    ns ikx-ID-r
#   192.0.2.1 ikxID-l <-veth-> ikxID-ml [bridge] ikxID-mr <-veth-> ikxID-r 192.0.2.2
#   10.91.1.1 on lo                (no addresses)                 10.91.2.1 on lo
#
# The addresses, names and sysctls of the left and right namespaces are
# lib.bash's (also IPv6, IKX_FAMILY=6): ikx_netns_up makes them as lib.bash
# does, then moves the right end of the veth into the middle namespace (as
# ikxID-ml) and joins a new veth pair ikxID-mr <-> ikxID-r, addressed as the
# old one was.  The middle namespace is in IKX_RUN/netns, so ikx_down deletes
# it; the bridge is a background process of ikx_bg (IKX_RUN/pids), so
# ikx_down stops it by pid.  ARP, neighbour discovery and ICMP pass
# untouched: ikx_netns_up's ping check then goes through the bridge.
#
# Knobs (read when ikx_netns_up runs): LOSSY_DROP (0.30), LOSSY_DUP (0.10),
# LOSSY_REORDER_MS (300), LOSSY_SEED (default: random, written to
# IKX_RUN/lossy-seed), LOSSY_ESP (1: IP protocol 50 too), LOSSY_MATCH (udp:
# every UDP 500/4500 frame, ESP in UDP too; ike: IKE messages only),
# LOSSY_MAX_SECS (900), LOSSY_BRIDGE (tests/tools/lossy-bridge.py),
# LOSSY_CHARON_RETRANSMIT ("TIMEOUT BASE TRIES LIMIT": charon's
# retransmit_timeout, retransmit_base, retransmit_tries, retransmit_limit;
# default "1.0 1.4 20 4": a request sent again after 1, 1.4, 2, 2.7, 3.8 s
# and then every 4 s, 21 tries in about 75 s, where charon's defaults wait
# 4 s first, then 7.2, 13, 23, 42 s, 6 tries in 165 s; a try gets through
# with 0.49 at 30 % loss each way, so 21 fail with 7e-7 and 6 with 0.018;
# empty: charon's defaults), LOSSY_HALF_OPEN (120: charon's
# half_open_timeout, in s), LOSSY_COLLIDE_MS (0: off; else the bridge
# holds the first CREATE_CHILD_SA request of each direction until the other
# direction's one has passed, at most that long: rekeys that cross, RFC 7296
# 2.8), LOSSY_COLLIDE_INFO (1: an INFORMATIONAL request releases it too).
# The
# bridge's per-frame log (lossy-bridge.py --log) is IKX_RUN/lossy-bridge.log,
# its counters IKX_RUN/lossy-bridge.out.

LOSSY_BRIDGE=${LOSSY_BRIDGE:-${IKEKIT_TOP:?}/tests/tools/lossy-bridge.py}
LOSSY_CHARON_RETRANSMIT=${LOSSY_CHARON_RETRANSMIT-1.0 1.4 20 4}
IKX_PY=${IKX_PY:-$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo python3)}

# lib.bash's own versions, called by the wrappers below (not when these
# are already the wrappers: this file sourced twice)
declare -F ikx_netns_up >/dev/null || { echo "lib-lossy.bash: source lib.bash first" >&2; return 1; }
if ! declare -f ikx_netns_up | grep -q lossy__direct_netns_up; then
	eval "$(declare -f ikx_netns_up | sed '1s/^ikx_netns_up/lossy__direct_netns_up/')"
	eval "$(declare -f ikx_write_strongswan_conf | sed '1s/^ikx_write_strongswan_conf/lossy__direct_strongswan_conf/')"
fi

# lossy_names : the middle namespace and its two interfaces (from IKX_ID)
lossy_names() {
	IKX_NS_mid=ikx-$IKX_ID-m
	LOSSY_IF_left=ikx$IKX_ID-ml LOSSY_IF_right=ikx$IKX_ID-mr
	[ ${#LOSSY_IF_left} -le 15 ] || { ikx_fail "IKX_ID '$IKX_ID' too long for an interface name"; return 1; }
}

# ikx_netns_up : lib.bash's namespaces, then the middle one inserted and the
# bridge started in it
ikx_netns_up() {
	local dev nsl nsr addr i=0
	lossy__direct_netns_up || return 1
	dev=$(ikx_var VETH right) nsl=$(ikx_var NS left) nsr=$(ikx_var NS right) addr=$(ikx_var ADDR right)
	lossy_names || return 1
	if [ -e "/run/netns/$IKX_NS_mid" ]; then
		ikx_fail "namespace $IKX_NS_mid exists already (another run with IKX_ID=$IKX_ID?)"; return 1
	fi
	ip netns add "$IKX_NS_mid" || { ikx_fail "ip netns add $IKX_NS_mid failed"; return 1; }
	echo "$IKX_NS_mid" >>"$IKX_RUN/netns"
	# the middle sends nothing of its own: no IPv6 (no link-local
	# addresses, router or neighbour solicitations), no addresses at all
	ip netns exec "$IKX_NS_mid" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || return 1
	ip -n "$IKX_NS_mid" link set lo up || return 1
	# the right end of lib.bash's pair becomes the middle's left interface
	ip -n "$nsr" link set "$dev" netns "$IKX_NS_mid" || { ikx_fail "moving $dev failed"; return 1; }
	ip -n "$IKX_NS_mid" link set "$dev" name "$LOSSY_IF_left" || return 1
	ip -n "$IKX_NS_mid" link add "$LOSSY_IF_right" type veth peer name "$dev" \
		netns "$nsr" || { ikx_fail "veth creation failed"; return 1; }
	if [ "$IKX_FAMILY" = 6 ]; then
		ip -n "$nsr" addr add "$addr/$IKX_PLEN" dev "$dev" nodad || return 1
	else
		ip -n "$nsr" addr add "$addr/$IKX_PLEN" dev "$dev" || return 1
	fi
	ip -n "$nsr" link set "$dev" up || return 1
	ip -n "$IKX_NS_mid" link set "$LOSSY_IF_left" up || return 1
	ip -n "$IKX_NS_mid" link set "$LOSSY_IF_right" up || return 1
	# the left cached the old right end's link address
	ip -n "$nsl" neigh flush all 2>/dev/null
	lossy_bridge_start || return 1
	until ikx_in left timeout 3 ping -c1 -W1 -q "$addr" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 5 ] || { ikx_fail "$(ikx_var ADDR left) -> $addr does not answer through the bridge"; return 1; }
		sleep 0.2
	done
}

# ikx_write_strongswan_conf SIDE : lib.bash's, then charon's half-open
# timeout and retransmission settings (LOSSY_CHARON_RETRANSMIT) in second
# charon sections, which strongSwan merges into the first.  The half-open
# timeout is LOSSY_HALF_OPEN (120 s) rather than charon's 30: at 30 % loss
# each way an IKE_SA_INIT sometimes takes 30 s (its answers lost five times
# or more), and charon then drops the half-open SA just after answering, so
# that every IKE_AUTH meets an unknown SPI and ike-initiate --timeout 90
# runs out (seen in CI, seed 521678606).
ikx_write_strongswan_conf() {
	local t b n l
	lossy__direct_strongswan_conf "$@" || return 1
	cat >>"$(ikx_dir "$1")/strongswan.conf" <<EOF
# lib-lossy.bash: a half-open IKE SA outlives ike-initiate --timeout
charon {
  half_open_timeout = ${LOSSY_HALF_OPEN:-120}
}
EOF
	[ -n "$LOSSY_CHARON_RETRANSMIT" ] || return 0
	read -r t b n l <<<"$LOSSY_CHARON_RETRANSMIT"
	cat >>"$(ikx_dir "$1")/strongswan.conf" <<EOF
# lib-lossy.bash: retransmissions for a lossy link
charon {
  retransmit_timeout = $t
  retransmit_base = $b
  retransmit_tries = $n
  retransmit_limit = ${l:-0}
}
EOF
}

# lossy_bridge_start : the bridge in the middle namespace, with the knobs;
# waits (5 s) until its sockets are bound
lossy_bridge_start() {
	local seed=${LOSSY_SEED:-$(( (RANDOM << 15) | RANDOM ))} rdy=$IKX_RUN/lossy-bridge.ready i=0
	local -a opt=(--drop "${LOSSY_DROP:-0.30}" --dup "${LOSSY_DUP:-0.10}"
		--reorder-ms "${LOSSY_REORDER_MS:-300}" --seed "$seed" --match "${LOSSY_MATCH:-udp}"
		--max-secs "${LOSSY_MAX_SECS:-900}" --ready "$rdy" --log "$IKX_RUN/lossy-bridge.log" --json)
	[ "${LOSSY_ESP:-0}" != 1 ] || opt+=(--esp)
	[ "${LOSSY_COLLIDE_MS:-0}" = 0 ] || opt+=(--collide-ms "$LOSSY_COLLIDE_MS")
	[ "${LOSSY_COLLIDE_INFO:-0}" != 1 ] || opt+=(--collide-info)
	echo "$seed" >"$IKX_RUN/lossy-seed"
	rm -f "$rdy"
	ikx_bg lossy-bridge mid "$IKX_PY" "$LOSSY_BRIDGE" "$LOSSY_IF_left" "$LOSSY_IF_right" "${opt[@]}" ||
		{ cat "$IKX_RUN/lossy-bridge.out" >&2; ikx_fail "lossy-bridge did not start"; return 1; }
	until [ -e "$rdy" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! lossy_bridge_running; then
			cat "$IKX_RUN/lossy-bridge.out" >&2
			ikx_fail "lossy-bridge not ready after 5 s"; return 1
		fi
		sleep 0.05
	done
}

lossy_bridge_running() { ikx_alive "$IKX_RUN/pids/lossy-bridge.pid" "$(cat "$IKX_RUN/pids/lossy-bridge.comm" 2>/dev/null)"; }

# lossy_bridge_signal SIG : send SIG (USR1: loss off, USR2: on) to the bridge
lossy_bridge_signal() {
	lossy_bridge_running || { ikx_fail "lossy-bridge is not running"; return 1; }
	kill -"$1" "$(cat "$IKX_RUN/pids/lossy-bridge.pid")"
}

# lossy_bridge_stop : stop the bridge (TERM, by pid); LOSSY_COUNTERS is the
# JSON object of counters it printed
lossy_bridge_stop() {
	lossy_bridge_running || { ikx_fail "lossy-bridge is not running"; return 1; }
	ikx_stop "$IKX_RUN/pids/lossy-bridge.pid" "$(cat "$IKX_RUN/pids/lossy-bridge.comm")"
	LOSSY_COUNTERS=$(grep '^{' "$IKX_RUN/lossy-bridge.out" | tail -n 1)
	[ -n "$LOSSY_COUNTERS" ] || { cat "$IKX_RUN/lossy-bridge.out" >&2; ikx_fail "lossy-bridge printed no counters"; return 1; }
}

# lossy_counter NAME : one counter of LOSSY_COUNTERS
lossy_counter() { jq -r --arg k "$1" '.[$k]' <<<"$LOSSY_COUNTERS"; }
