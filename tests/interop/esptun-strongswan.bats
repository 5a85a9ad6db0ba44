#!/usr/bin/env bats
# esptun-strongswan.bats: esp-tun carrying the Child SA that ike-initiate set
# up with strongSwan 5.9.8 (charon with kernel-libipsec: its ESP is in
# userspace too, on its own TUN ipsec0) as the responder.
#
#   ns ikx-ID-l: ike-initiate, then esp-tun    ns ikx-ID-r: charon (responder)
#   192.0.2.1 ikxID-l  <------- veth ------->  ikxID-r 192.0.2.2
#   10.91.1.1 (lo) - esp0 == ESP in UDP 4500 == ipsec0 - 10.91.2.1 (lo)
#
# ike-initiate --encap writes the SA to the state dir and exits; then
# `esp-tun -S DIR --sa site-b` (or the pipe `ike-initiate ... | esp-tun --sa -`)
# carries the traffic of 10.91.1.0/24 <=> 10.91.2.0/24 (IPv6: fd00:91:1::/64
# <=> fd00:91:2::/64 over 2001:db8::1 <-> 2001:db8::2, tests whose name has
# "IPv6").  Checked, for AES-GCM, ChaCha20-Poly1305 and AES-CBC/HMAC-SHA-256:
# pings both ways, every one answered, through the routes esp-tun made;
# esp-tun's counters (--stats --json) equal charon's crosswise, SPIs, packets
# and inner bytes (`swanctl --list-sas`; the packets the kernel dropped at
# charon's full socket buffer under bulk TCP, UdpRcvbufErrors, accounted for);
# 4 MiB of TCP each way with the same SHA-256 at both ends
# (tests/tools/tcpxfer.py).  The pipe `ike-initiate [--json] ... | esp-tun
# --sa -`; beside `ike-initiate --stay`, which holds the IKE port without
# SO_REUSEPORT, esp-tun exits 5 saying so (esp-tun(8)).  With charon's dpd_delay = 2s (tests whose name has "DPD")
# esp-tun answers every liveness check for 10 s: no retransmission in
# charon's log.  `swanctl --terminate --ike` on charon: esp-tun answers the
# Delete, exits 0 with a "deleted" event and the SA leaves the state dir.
# SIGTERM: exit 0, the TUN device gone, the counters file written at exit.
# Without --json: the up line on stderr, `--stats` in text.  Every wait is
# bounded; esp-tun and every helper are stopped by pid.  On failure the
# test's files (state dir, esp-tun's output, charon's log and SAs) are
# copied to ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan, TUN)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	I=$IKEKIT_BIN/ike-initiate
	[ -x "$I" ] || fail "ike-initiate not built: $I (run make)"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-initiate.bash
	. "$HERE/lib-initiate.bash"
	# shellcheck source=tests/interop/lib-esptun.bash
	. "$HERE/lib-esptun.bash"
	E=$ESPTUN
	[ -x "$E" ] || fail "esp-tun not built: $E (run make)"
	IKX_PROG=esptun-strongswan
	case $BATS_TEST_DESCRIPTION in *IPv6*) ikx_family 6 || fail "ikx_family 6" ;; esac
	case $BATS_TEST_DESCRIPTION in *DPD*) IKX_RESPONDER_DPD_DELAY=2s ;; esac
	case $BATS_TEST_DESCRIPTION in *"rekeys the Child SA"*) IKX_RESPONDER_CHILD_REKEY=3s ;; esac
	case $BATS_TEST_DESCRIPTION in *"rekeys the IKE SA"*) IKX_RESPONDER_IKE_REKEY=3s ;; esac
	ikx_init || fail "ikx_init failed"
	ikx_responder_up || fail "strongSwan responder did not come up"
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
}

teardown() {
	esptun_down
	if ikx_failed; then
		cp "$(ikx_dir right)/charon.log" "$W/charon-right.log" 2>/dev/null
		ikx_sw right --list-sas >"$W/list-sas.txt" 2>&1
		cp -a "$(esptun_dir)" "$W/esptun" 2>/dev/null
		{ ikx_in left ip addr; ikx_in left ip route; ikx_in left ip -6 route; } >"$W/left-ip.txt" 2>&1
		ikx_keep
	fi
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# kv FILE KEY : the value of KEY in a state file
kv() { sed -n "s/^$2=//p" "$1"; }

# initiate_args IKE ESP : ike-initiate's command line toward the responder
initiate_args() {
	INIT=("$I" --peer "$IKX_ADDR_right" --psk-file "$W/psk" --ts "$IKX_NET_left=$IKX_NET_right"
		-S "$W/state" --timeout 8 --encap --ike "$1" --esp "$2" --name site-b)
}

# sa_up IKE ESP : ike-initiate sets up SA site-b (and exits); CHILD is the
# name of its Child SA
sa_up() {
	initiate_args "$1" "$2"
	run --separate-stderr ikx_in left timeout -k 2 12 "${INIT[@]}"
	# shellcheck disable=SC2154 # stderr: set by run --separate-stderr
	printf '%s\n' "$stderr" >"$W/initiate.err"
	[ "$status" = 0 ] || fail "ike-initiate: exit $status: $stderr"
	assert_output site-b
	CHILD=$(kv "$W/state/site-b/ike.sa" child)
	[ -n "$CHILD" ] && [ -f "$W/state/site-b/child.$CHILD.sa" ] || fail "no Child SA in the state dir"
	[ "$(kv "$W/state/site-b/child.$CHILD.sa" encap)" = udp ] || fail "Child SA not UDP-encapsulated"
}

# tun_up ARGS... : esp-tun -S W/state --sa site-b ARGS in the left namespace,
# until its up event; DEV is its TUN device
tun_up() {
	esptun_start L left -S "$W/state" --sa site-b "$@" || fail "esp-tun did not come up"
	DEV=$(esptun_dev L)
	[ -n "$DEV" ] || fail "no device in the up event: $(cat "$(esptun_dir)/L.out" "$(esptun_dir)/L.err")"
	ikx_in left ip link show dev "$DEV" >/dev/null 2>&1 || fail "no device $DEV in the left namespace"
}

# check_up_event : the JSON up event names the SA, its device and its child
check_up_event() {
	local ev
	ev=$(esptun_events L | head -n 1)
	[ "$(jq -r .event <<<"$ev")" = up ] || fail "first event: $ev"
	[ "$(jq -r .name <<<"$ev")" = site-b ] || fail "up event: $ev"
	[ "$(jq -r .dev <<<"$ev")" = "$DEV" ] || fail "up event: $ev"
	[ "$(jq -c .children <<<"$ev")" = "[\"$CHILD\"]" ] || fail "up event: $ev (child $CHILD)"
}

# check_route : the remote inner host is routed into the TUN, from the local
# inner host (the address of this host inside local_ts)
check_route() {
	local r
	r=$(ikx_in left ip route get "$IKX_HOST_right" 2>&1)
	grep -q " dev $DEV " <<<"$r" || fail "route to $IKX_HOST_right not via $DEV: $r"
	grep -q " src $IKX_HOST_left " <<<"$r" || fail "route to $IKX_HOST_right not from $IKX_HOST_left: $r"
}

# agree : esp-tun's counters and SPIs are charon's, crosswise (charon's
# inbound SA is our outbound one); bytes are inner bytes on both sides.
# Packets the kernel dropped at a full socket receive buffer on the way
# (esptun_rx_drops of the receiving side) are accounted for: then the
# receiver has that many packets less, and fewer bytes.
agree() {
	local ours swan s_in s_inb s_inp s_out s_outb s_outp lost_l lost_r inp inb outp outb
	ours=$(esptun_stats "$W/state" site-b 2>/dev/null) || return 1
	[ "$(jq -s length <<<"$ours")" = 1 ] || return 1
	swan=$(esptun_swan_child right)
	[ "$(wc -l <<<"$swan")" = 1 ] || return 1
	read -r s_in s_inb s_inp s_out s_outb s_outp <<<"$swan"
	lost_l=$(esptun_rx_drops left) lost_r=$(esptun_rx_drops right)
	inp=$(jq -r .in_packets <<<"$ours") inb=$(jq -r .in_bytes <<<"$ours")
	outp=$(jq -r .out_packets <<<"$ours") outb=$(jq -r .out_bytes <<<"$ours")
	[ "$(jq -r .child <<<"$ours")" = "$CHILD" ] &&
		[ "$(esptun_hex8 "$(jq -r .spi_in <<<"$ours")")" = "$s_out" ] &&
		[ "$(esptun_hex8 "$(jq -r .spi_out <<<"$ours")")" = "$s_in" ] &&
		[ $((inp + lost_l)) = "$s_outp" ] &&
		{ [ "$inb" = "$s_outb" ] || { [ "$lost_l" -gt 0 ] && [ "$inb" -lt "$s_outb" ]; }; } &&
		[ $((s_inp + lost_r)) = "$outp" ] &&
		{ [ "$s_inb" = "$outb" ] || { [ "$lost_r" -gt 0 ] && [ "$s_inb" -lt "$outb" ]; }; }
}

# check_agree MIN : within 5 s esp-tun's counters equal charon's (agree),
# with at least MIN packets each way; no packet dropped for a bad SPI,
# replay, ICV, selector or format
check_agree() {
	local f n
	ikx_until 5 agree ||
		fail "esp-tun's counters are not charon's: esp-tun: $(esptun_stats "$W/state" site-b 2>&1)
charon (in-spi bytes packets out-spi bytes packets): $(esptun_swan_child right)
dropped at full socket buffers: left $(esptun_rx_drops left), right $(esptun_rx_drops right)"
	n=$(esptun_rx_drops right)
	[ "$n" = 0 ] || echo "# charon's socket dropped $n of esp-tun's packets (receive buffer full)" >&3
	n=$(esptun_rx_drops left)
	[ "$n" = 0 ] || echo "# esp-tun's socket dropped $n of charon's packets (receive buffer full)" >&3
	esptun_field_ge "$W/state" site-b in_packets "$1" || fail "esp-tun: in_packets < $1"
	esptun_field_ge "$W/state" site-b out_packets "$1" || fail "esp-tun: out_packets < $1"
	for f in drop_replay drop_integ drop_spi drop_policy drop_malformed; do
		esptun_field_is "$W/state" site-b "$f" 0 ||
			fail "esp-tun: $f = $(esptun_sum "$W/state" site-b "$f")"
	done
}

# ping_both IKE ESP SWAN-ESP : the whole ping check for one suite
ping_both() {
	sa_up "$1" "$2"
	tun_up --json
	check_up_event
	check_route
	assert_equal "$(ikx_esp_proposal_any right)" "$3"
	esptun_ping left 3 || fail "ping left -> right"
	esptun_ping right 3 || fail "ping right -> left"
	check_agree 6
}

# tcp_both IKE ESP : 4 MiB of TCP each way
tcp_both() {
	sa_up "$1" "$2"
	tun_up --json
	esptun_xfer left right 4194304 || fail "TCP left -> right"
	esptun_xfer right left 4194304 || fail "TCP right -> left"
	check_agree 100
}

@test "esp-tun -> strongSwan, aes256gcm16: ping both ways, counters and SPIs equal charon's" {
	ping_both aes256gcm16-prfsha256-x25519 aes256gcm16 ESP:AES_GCM_16-256
}

@test "esp-tun -> strongSwan, chacha20poly1305: ping both ways, counters and SPIs equal charon's" {
	ping_both chacha20poly1305-prfsha256-x25519 chacha20poly1305 ESP:CHACHA20_POLY1305
}

@test "esp-tun -> strongSwan, aes256-sha256: ping both ways, counters and SPIs equal charon's" {
	ping_both aes256-sha256-x25519 aes256-sha256 ESP:AES_CBC-256/HMAC_SHA2_256_128
}

@test "esp-tun -> strongSwan, aes256gcm16: 4 MiB of TCP each way, same SHA-256 at both ends" {
	tcp_both aes256gcm16-prfsha256-x25519 aes256gcm16
}

@test "esp-tun -> strongSwan, chacha20poly1305: 4 MiB of TCP each way, same SHA-256 at both ends" {
	tcp_both chacha20poly1305-prfsha256-x25519 chacha20poly1305
}

@test "esp-tun -> strongSwan, aes256-sha256: 4 MiB of TCP each way, same SHA-256 at both ends" {
	tcp_both aes256-sha256-x25519 aes256-sha256
}

@test "esp-tun -> strongSwan over IPv6: ping and 2 MiB of TCP both ways (fd00:91:1::/64 <=> fd00:91:2::/64)" {
	[ "$IKX_FAMILY" = 6 ] && [ "$IKX_HOST_left" = fd00:91:1::1 ] || fail "not the IPv6 topology"
	sa_up aes256gcm16-prfsha256-x25519 aes256gcm16
	[ "$(kv "$W/state/site-b/ike.sa" remote)" = "[2001:db8::2]:4500" ]
	tun_up --json
	check_up_event
	check_route
	esptun_ping left 3 || fail "ping left -> right"
	esptun_ping right 3 || fail "ping right -> left"
	esptun_xfer left right 2097152 || fail "TCP left -> right"
	esptun_xfer right left 2097152 || fail "TCP right -> left"
	check_agree 100
}

# pipe_test ARGS... : `ike-initiate ARGS | esp-tun --sa -`, pings both ways,
# the counters agree, SIGTERM is exit 0
pipe_test() {
	local ev
	initiate_args aes256gcm16-prfsha256-x25519 aes256gcm16
	esptun_start_pipe P left "${INIT[@]}" "$@" -- "$E" -S "$W/state" --sa - --json ||
		fail "ike-initiate | esp-tun did not come up: $(cat "$(esptun_dir)/P.ike.err" 2>/dev/null)"
	ev=$(esptun_events P | head -n 1)
	[ "$(jq -r .name <<<"$ev")" = site-b ] || fail "up event: $ev"
	DEV=$(jq -r .dev <<<"$ev")
	CHILD=$(kv "$W/state/site-b/ike.sa" child)
	[ "$(jq -c .children <<<"$ev")" = "[\"$CHILD\"]" ] || fail "up event: $ev (child $CHILD)"
	check_route
	esptun_ping left 3 || fail "ping left -> right"
	esptun_ping right 3 || fail "ping right -> left"
	check_agree 6
	[ ! -s "$(esptun_dir)/P.ike.err" ] || fail "ike-initiate: $(cat "$(esptun_dir)/P.ike.err")"
	esptun_stop P || fail "esp-tun did not stop on SIGTERM"
	assert_equal "$ESPTUN_STATUS" 0
}

@test "esp-tun -> strongSwan: ike-initiate ... | esp-tun --sa - : ping both ways, SIGTERM exit 0" {
	pipe_test
}

@test "esp-tun -> strongSwan: ike-initiate --json ... | esp-tun --sa - (the JSON record): ping both ways, SIGTERM exit 0" {
	pipe_test --json
}

@test "esp-tun -> strongSwan: beside ike-initiate --stay (which holds the IKE port) esp-tun exits 5 naming it, the SA stays up" {
	local ispi rspi
	initiate_args aes256gcm16-prfsha256-x25519 aes256gcm16
	# esp-tun(8): "its bind fails and it exits 5"
	! esptun_start_pipe P left "${INIT[@]}" --stay -- "$E" -S "$W/state" --sa - --json 2>"$W/start.err" ||
		fail "esp-tun came up beside ike-initiate --stay"
	ikx_until 10 eval '! esptun_running P' || fail "esp-tun still runs"
	grep -qF 'esp-tun: site-b: UDP: bind 192.0.2.1:4500: Address already in use (another program holds it without SO_REUSEPORT: ike-initiate --stay?)' \
		"$(esptun_dir)/P.err" || fail "esp-tun's stderr: $(cat "$(esptun_dir)/P.err")"
	[ -z "$(ikx_in left ip -o link show type tun)" ] || fail "a TUN device is left: $(ikx_in left ip -o link show type tun)"
	# ike-initiate --stay goes on: charon still has the SA
	esptun_running P-ike || fail "ike-initiate --stay exited: $(cat "$(esptun_dir)/P.ike.err")"
	ispi=$(kv "$W/state/site-b/ike.sa" ispi) rspi=$(kv "$W/state/site-b/ike.sa" rspi)
	run ikx_ike_spis_any right
	assert_output "${ispi}_${rspi}"
	# its SIGTERM deletes the SA at both ends; the pipeline's status is esp-tun's
	kill -TERM "$(esptun_pid P-ike)"
	esptun_wait_exit P 10 || fail "the pipeline did not end"
	assert_equal "$ESPTUN_STATUS" 5
	ikx_until 5 eval '[ -z "$(ikx_ike_spis_any right)" ]' || fail "charon still has the IKE SA"
}

@test "esp-tun -> strongSwan DPD every 2 s: esp-tun answers each liveness check for 10 s, the SA stays up" {
	local ispi rspi n
	sa_up aes256gcm16-prfsha256-x25519 aes256gcm16
	ispi=$(kv "$W/state/site-b/ike.sa" ispi) rspi=$(kv "$W/state/site-b/ike.sa" rspi)
	tun_up --json -v
	sleep 10
	esptun_running L || fail "esp-tun exited: $(cat "$(esptun_dir)/L.err")"
	run ikx_ike_spis_any right
	assert_output "${ispi}_${rspi}"
	run ikx_child_spis_any right
	assert_output "$(kv "$W/state/site-b/child.$CHILD.sa" spi_out | sed 's/^0x//')/$(kv "$W/state/site-b/child.$CHILD.sa" spi_in | sed 's/^0x//')"
	# charon: "generating INFORMATIONAL request N [ ]", then "parsed
	# INFORMATIONAL response N [ ]" for each, never a retransmission
	n=$(ikx_log_grep right 'parsed INFORMATIONAL response [0-9]+ \[ \]' | wc -l)
	[ "$n" -ge 3 ] || fail "charon saw $n DPD responses in 10 s (dpd_delay 2s)"
	! ikx_log_grep right 'retransmit' >/dev/null || fail "charon retransmitted: $(ikx_log_grep right retransmit)"
	# and ESP still goes both ways
	esptun_ping left 2 || fail "ping left -> right after 10 s"
	esptun_ping right 2 || fail "ping right -> left after 10 s"
	esptun_stop L || fail "esp-tun did not stop on SIGTERM"
	assert_equal "$ESPTUN_STATUS" 0
}

@test "esp-tun -> strongSwan: swanctl --terminate --ike: esp-tun exits 0 with a deleted event, the SA leaves the state dir" {
	local ev
	sa_up aes256gcm16-prfsha256-x25519 aes256gcm16
	tun_up --json
	esptun_ping left 2 || fail "ping left -> right"
	# swanctl returns once esp-tun has answered charon's Delete
	ikx_sw right --terminate --ike ikx --timeout 10 >"$W/terminate.out" 2>&1 ||
		fail "swanctl --terminate: $(cat "$W/terminate.out")"
	esptun_wait_exit L 10 || fail "esp-tun still runs after the peer deleted the IKE SA"
	assert_equal "$ESPTUN_STATUS" 0
	ev=$(esptun_events L | sed -n 2p)
	[ "$(jq -r .event <<<"$ev")" = deleted ] || fail "second event: '$ev' (stdout: $(cat "$(esptun_dir)/L.out"))"
	[ "$(jq -r .name <<<"$ev")" = site-b ] || fail "deleted event: $ev"
	[ ! -e "$W/state/site-b" ] || fail "SA left in the state dir: $(ls -A "$W/state/site-b")"
	! ikx_in left ip link show dev "$DEV" >/dev/null 2>&1 || fail "$DEV still exists"
	[ -z "$(ikx_ike_spis_any right)" ] || fail "charon still has the IKE SA"
	# charon: our empty response to its Delete, no retransmission
	ikx_log_grep right 'parsed INFORMATIONAL response [0-9]+ \[ \]' >/dev/null ||
		fail "charon got no answer to its Delete"
	! ikx_log_grep right 'retransmit' >/dev/null || fail "charon retransmitted its Delete"
}

@test "esp-tun -> strongSwan: SIGTERM: exit 0, the TUN device and its route gone, counters written at exit" {
	local f k
	sa_up aes256gcm16-prfsha256-x25519 aes256gcm16
	# counters written every 30 s: the ones we see come from the exit
	tun_up --json --stats-interval 30
	esptun_ping left 3 || fail "ping left -> right"
	esptun_stop L || fail "esp-tun did not stop on SIGTERM"
	assert_equal "$ESPTUN_STATUS" 0
	! ikx_in left ip link show dev "$DEV" >/dev/null 2>&1 || fail "$DEV still exists after exit"
	! ikx_in left ip route get "$IKX_HOST_right" 2>/dev/null | grep -q " dev $DEV " ||
		fail "a route via $DEV is left"
	f=$W/state/site-b/child.$CHILD.stats
	[ -f "$f" ] || fail "no counters file $f: $(ls -A "$W/state/site-b")"
	[ "$(stat -c %a "$f")" = 600 ] || fail "$f: mode $(stat -c %a "$f")"
	for k in in_packets in_bytes out_packets out_bytes drop_replay drop_integ drop_spi \
		drop_policy drop_malformed drop_nosa; do
		grep -q "^$k=[0-9][0-9]*$" "$f" || fail "$f has no $k: $(cat "$f")"
	done
	# 3 echo requests out, 3 replies in, 84 bytes each (IPv4 + ICMP + 56)
	assert_equal "$(kv "$f" out_packets)" 3
	assert_equal "$(kv "$f" in_packets)" 3
	assert_equal "$(kv "$f" out_bytes)" 252
	assert_equal "$(kv "$f" in_bytes)" 252
	# --stats reads the same file after the exit
	assert_equal "$(esptun_sum "$W/state" site-b out_packets)" 3
	assert_equal "$(esptun_sum "$W/state" site-b in_bytes)" 252
}

@test "esp-tun -> strongSwan: without --json the up event is a line on stderr; --stats prints a line per Child SA" {
	local line
	sa_up aes256gcm16-prfsha256-x25519 aes256gcm16
	tun_up
	[ -z "$(cat "$(esptun_dir)/L.out")" ] || fail "stdout without --json: $(cat "$(esptun_dir)/L.out")"
	grep -qx "esp-tun: site-b: up on $DEV (1 Child SA)" "$(esptun_dir)/L.err" ||
		fail "stderr: $(cat "$(esptun_dir)/L.err")"
	esptun_ping left 3 || fail "ping left -> right"
	ikx_until 5 esptun_field_is "$W/state" site-b in_packets 3 || fail "in_packets did not reach 3"
	run --separate-stderr "$E" -S "$W/state" --stats --sa site-b
	assert_success
	[ "$(wc -l <<<"$output")" = 1 ] || fail "--stats: $output"
	line=$output
	[[ $line == "site-b/$CHILD in 3 pkts 252 B out 3 pkts 252 B drops replay 0 integ 0"* ]] ||
		fail "--stats: '$line'"
}

# every Child SA charon lists is in our state dir, SPIs crossed
charon_children_ours() {
	local pairs pair in out
	pairs=$(ikx_child_spis_any right)
	[ -n "$pairs" ] || return 1
	for pair in $pairs; do
		in=${pair%/*} out=${pair#*/}
		cat "$W"/state/site-b/child.*.sa 2>/dev/null | grep -qx "spi_in=0x$out" &&
			cat "$W"/state/site-b/child.*.sa 2>/dev/null | grep -qx "spi_out=0x$in" || return 1
	done
}

@test "esp-tun -> strongSwan rekeys the Child SA every 3 s: esp-tun answers each CREATE_CHILD_SA, carries the new SA, pings and TCP go on without loss" {
	local n first newest
	sa_up aes256gcm16-prfsha256-x25519 aes256gcm16
	first=$CHILD
	tun_up --json -v
	# 40 pings over 8 s: through two or three rekeys, none lost
	run ikx_in left timeout 20 ping -c 40 -i 0.2 -W 1 -I "$IKX_HOST_left" "$IKX_HOST_right"
	assert_line --partial "40 packets transmitted, 40 received"
	esptun_xfer left right 4194304 || fail "TCP left -> right across rekeys"
	n=$(ikx_log_grep right 'parsed CREATE_CHILD_SA response [0-9]+ \[ SA No TSi TSr \]' | wc -l)
	[ "$n" -ge 2 ] || fail "charon completed $n rekeys"
	! ikx_log_grep right 'retransmit' >/dev/null || fail "charon retransmitted: $(ikx_log_grep right retransmit)"
	# each rekey: a child-up event, then the old SA deleted by charon
	[ "$(esptun_events L | grep -c '"event":"child-up"')" -ge 2 ] || fail "child-up events: $(cat "$(esptun_dir)/L.out")"
	[ ! -f "$W/state/site-b/child.$first.sa" ] || fail "the first Child SA's file is still there"
	# every Child SA charon has installed is in our state dir, SPIs
	# crossed (ours is written before we answer, removed after its Delete)
	newest=$(esptun_events L | grep '"event":"child-up"' | tail -n 1 | jq -r .child)
	[ -n "$newest" ] || fail "no child-up event"
	# charon rekeys every 3 s: a listing may catch an SA whose Delete is
	# under way, so the two views must agree at one moment within 5 s
	ikx_until 5 charon_children_ours ||
		fail "charon's Child SAs [$(ikx_child_spis_any right)] are not all in our state dir: $(cat "$W"/state/site-b/child.*.sa 2>/dev/null | grep spi_)"
	esptun_running L || fail "esp-tun exited: $(cat "$(esptun_dir)/L.err")"
	esptun_stop L
	assert_equal "$ESPTUN_STATUS" 0
}

@test "esp-tun -> strongSwan, --dpd-delay 2: its liveness checks answered while the peer lives; charon killed: exit 4 within delay + timeout, a dead event, the SA removed" {
	local n t0
	sa_up aes256gcm16-prfsha256-x25519 aes256gcm16
	tun_up --json -v --dpd-delay 2 --dpd-timeout 3
	sleep 7
	esptun_running L || fail "esp-tun exited: $(cat "$(esptun_dir)/L.err")"
	n=$(ikx_log_grep right 'parsed INFORMATIONAL request [0-9]+ \[ \]' | wc -l)
	[ "$n" -ge 2 ] || fail "charon saw $n liveness checks in 7 s"
	[ "$(kv "$W/state/site-b/ike.sa" msgid_out)" -ge 4 ] || fail "msgid_out not recorded"
	# killed, charon says nothing more (stopped, it would send a Delete)
	local pid
	pid=$(cat "$(ikx_dir right)/charon.pid")
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = charon ] || fail "no charon at pid $pid"
	kill -KILL "$pid"
	t0=$SECONDS
	esptun_wait_exit L 15 || fail "esp-tun still runs 15 s after the peer died"
	assert_equal "$ESPTUN_STATUS" 4
	[ $((SECONDS - t0)) -le 8 ] || fail "noticed after $((SECONDS - t0)) s (delay 2 + timeout 3)"
	esptun_events L | grep -q '"event":"dead"' || fail "no dead event: $(cat "$(esptun_dir)/L.out")"
	[ ! -d "$W/state/site-b" ] || fail "the SA stays in the state dir"
}

# ike_spis_now : ike.sa's ISPI_RSPI, read once
ike_spis_now() {
	awk -F= '$1 == "ispi" { i = $2 } $1 == "rspi" { r = $2 } END { print i "_" r }' \
		"$W/state/site-b/ike.sa"
}

# same_ike_sa : charon has the IKE SA ike.sa has
same_ike_sa() { ikx_ike_spis_any right | grep -qx "$(ike_spis_now)"; }

@test "esp-tun -> strongSwan rekeys the IKE SA every 3 s: esp-tun answers, ike.sa takes the new SPIs and keys, the old SA's Delete is answered, DPD and pings go on" {
	local ispi n
	sa_up aes256gcm16-prfsha256-x25519 aes256gcm16
	ispi=$(kv "$W/state/site-b/ike.sa" ispi)
	tun_up --json -v --dpd-delay 1 --dpd-timeout 5
	run ikx_in left timeout 20 ping -c 40 -i 0.2 -W 1 -I "$IKX_HOST_left" "$IKX_HOST_right"
	assert_line --partial "40 packets transmitted, 40 received"
	n=$(ikx_log_grep right 'parsed CREATE_CHILD_SA response [0-9]+ \[ SA No KE \]' | wc -l)
	[ "$n" -ge 2 ] || fail "charon completed $n IKE SA rekeys"
	! ikx_log_grep right 'retransmit' >/dev/null || fail "charon retransmitted: $(ikx_log_grep right retransmit)"
	[ "$(esptun_events L | grep -c '"event":"ike-rekeyed"')" -ge 2 ] || fail "events: $(cat "$(esptun_dir)/L.out")"
	# the IKE SA in the state dir is the one charon has now (both read
	# at once: charon rekeys it every 3 s)
	[ "$(kv "$W/state/site-b/ike.sa" ispi)" != "$ispi" ] || fail "ike.sa keeps the first SPIs"
	ikx_until 5 same_ike_sa ||
		fail "ike.sa: $(ike_spis_now); charon: $(ikx_ike_spis_any right | tr '\n' ' ')"
	esptun_running L || fail "esp-tun exited: $(cat "$(esptun_dir)/L.err")"
	# and ike-rekey works on the rekeyed SA through esp-tun
	run --separate-stderr ikx_in left timeout 20 "$IKEKIT_BIN/ike-rekey" -S "$W/state" site-b
	[ "$status" = 0 ] || fail "ike-rekey: exit $status: $stderr"
	esptun_ping left 3 || fail "ping after ike-rekey"
	esptun_stop L
	assert_equal "$ESPTUN_STATUS" 0
}
