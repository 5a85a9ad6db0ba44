#!/usr/bin/env bats
# esptun-pair.bats: esp-tun at both ends, and hostile input on its data path.
#
#   ns ikx-ID-l: esp-tun (-S W/left)            ns ikx-ID-r: esp-tun (-S W/right)
#   192.0.2.1 ikxID-l  <------- veth ------->  ikxID-r 192.0.2.2
#   10.91.1.1 (lo) - esp0 ====== ESP ====== esp0 - 10.91.2.1 (lo)
#
# The SAs come from IKE (ike-initiate on the left, ike-respond on the right,
# stopped once the SA is up, or left running beside esp-tun: both on port
# 4500, esp-tun gets its peer's datagrams, ike-respond serves a new SA) or
# are written by hand as state files (ike-state(5)) with fixed lab keys: SA
# "lab", Child SA "net", AES-GCM-256, SPIs 0xc0de0001 (left's inbound) /
# 0xc0de0002.
# Checked: ESP in UDP (encap=udp, ike-initiate --encap) and raw ESP (encap=none,
# no NAT), each seen as such on the veth: pings both ways and 4 MiB of TCP each
# way with the same SHA-256 at both ends, the two esp-tuns' counters equal
# crosswise.  Hostile input (hand-written SAs): the ESP packets of 5 pings,
# captured on the veth, sent again from the left namespace through raw
# sockets (same addresses and UDP ports; no socket takes esp-tun's port) to
# the right esp-tun:
#   - as they were (UDP and raw ESP): drop_replay +5, nothing else moves, no
#     packet on the right TUN; with --replay-window 0 (the control) the same
#     packets are accepted and reach the TUN;
#   - sequence number past the window and one ICV bit flipped: drop_integ +5,
#     the window unchanged (pings still answered);
#   - SPI changed: drop_spi +5;
#   - cut to 20 bytes, no room for an ICV: drop_malformed (or drop_integ) +5;
# packets from the TUN that no selector matches (a destination outside
# remote_ts routed into the TUN, a source outside local_ts): drop_nosa, and
# nothing at all on the veth; a peer whose selectors are wider than ours
# (its packet decrypts, its inner source is outside our remote_ts):
# drop_policy, nothing on the TUN; --keepalive 1: a one-byte 0xff datagram
# from port 4500 every second, which the receiver does not count.  Counters
# are read with `esp-tun --stats --json` (written every second), summed over
# the Child SAs; the packets the kernel dropped at a full socket buffer
# (esptun_rx_drops) are accounted for.  Every wait is bounded;
# processes are stopped by pid.  On failure the test's files go to
# ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

# the counters of a Child SA (esp-tun --stats --json)
FIELDS=(in_packets in_bytes out_packets out_bytes drop_replay drop_integ drop_spi
	drop_policy drop_nosa drop_malformed)

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TUN, raw sockets)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	I=$IKEKIT_BIN/ike-initiate
	R=$IKEKIT_BIN/ike-respond
	[ -x "$I" ] || fail "ike-initiate not built: $I (run make)"
	[ -x "$R" ] || fail "ike-respond not built: $R (run make)"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-respond.bash
	. "$HERE/lib-respond.bash"
	# shellcheck source=tests/interop/lib-esptun.bash
	. "$HERE/lib-esptun.bash"
	E=$ESPTUN
	[ -x "$E" ] || fail "esp-tun not built: $E (run make)"
	IKX_PROG=esptun-pair
	ikx_init || fail "ikx_init failed"
	ikx_netns_up || fail "namespaces did not come up"
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
}

teardown() {
	esptun_down
	ikx_respond_stop
	if ikx_failed; then
		local s
		cp -a "$(esptun_dir)" "$W/esptun" 2>/dev/null
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$W"/ 2>/dev/null
		for s in left right; do
			{ ikx_in "$s" ip addr; ikx_in "$s" ip route; } >"$W/$s-ip.txt" 2>&1
		done
		ikx_keep
	fi
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

kv() { sed -n "s/^$2=//p" "$1"; }

# ike_pair [ARGS...] : ike-respond on the right, ike-initiate ARGS on the
# left (AES-GCM); once the SA is up ike-respond is stopped (the SA stays in
# its state dir), unless KEEP_RESPOND=1.  LSA/RSA: the SA's name in W/left
# and W/right
ike_pair() {
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --ts "$IKX_NET_right" \
		-S "$W/right" -v || fail "ike-respond did not start"
	run --separate-stderr ikx_in left timeout -k 2 12 "$I" --peer "$IKX_ADDR_right" \
		--psk-file "$W/psk" --ts "$IKX_NET_left=$IKX_NET_right" -S "$W/left" --timeout 8 \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --name site-b "$@"
	# shellcheck disable=SC2154 # stderr: set by run --separate-stderr
	printf '%s\n' "$stderr" >"$W/initiate.err"
	[ "$status" = 0 ] || fail "ike-initiate: exit $status: $stderr"
	ikx_until 5 grep -q '^established ' "$IKX_RUN/respond.out" ||
		fail "ike-respond: no established event: $(cat "$IKX_RUN/respond.out" "$IKX_RUN/respond.err")"
	[ "${KEEP_RESPOND:-0}" = 1 ] || ikx_respond_stop
	LSA=site-b
	RSA=$(awk '$1 == "established" { print $2; exit }' "$IKX_RUN/respond.out")
	[ -f "$W/right/$RSA/ike.sa" ] || fail "no SA $RSA in ike-respond's state dir"
}

# lab_key LABEL : 36 fixed bytes in hex (AES-256 key and 4-byte GCM salt)
lab_key() { printf '%s%s' "$(printf 'ikekit esp-tun lab %s' "$1" | sha256sum | cut -c1-64)" 5a17c0de; }

# hand_sa DIR SIDE ENCAP [LOCAL-TS [REMOTE-TS]] : SA "lab" with Child SA
# "net", written by hand; the selectors default to the topology's networks
hand_sa() {
	local dir=$1 side=$2 encap=$3 lts=${4:-} rts=${5:-} other port nat role spi_in spi_out kin kout
	other=$(ikx_other "$side")
	lts=${lts:-$(ikx_var NET "$side")} rts=${rts:-$(ikx_var NET "$other")}
	if [ "$encap" = udp ]; then port=4500 nat=yes; else port=500 nat=no; fi
	if [ "$side" = left ]; then
		role=initiator spi_in=0xc0de0001 spi_out=0xc0de0002
		kin=$(lab_key right-to-left) kout=$(lab_key left-to-right)
	else
		role=responder spi_in=0xc0de0002 spi_out=0xc0de0001
		kin=$(lab_key left-to-right) kout=$(lab_key right-to-left)
	fi
	(
		umask 077
		mkdir -p "$dir/lab" || exit 1
		cat >"$dir/lab/ike.sa" <<-EOF || exit 1
		version=1
		name=lab
		state=established
		role=$role
		ispi=1a2b3c4d5e6f7081
		rspi=8f7e6d5c4b3a2910
		local=$(ikx_var ADDR "$side"):$port
		remote=$(ikx_var ADDR "$other"):$port
		encr=ENCR_AES_GCM_16
		encr_keybits=256
		integ=AUTH_NONE
		prf=PRF_HMAC_SHA2_256
		dh=CURVE25519
		sk_d=$(lab_key sk_d | cut -c1-64)
		sk_ai=
		sk_ar=
		sk_ei=$(lab_key sk_ei)
		sk_er=$(lab_key sk_er)
		sk_pi=$(lab_key sk_pi | cut -c1-64)
		sk_pr=$(lab_key sk_pr | cut -c1-64)
		nat=$nat
		local_id=$(ikx_var ADDR "$side")
		remote_id=$(ikx_var ADDR "$other")
		child=net
		EOF
		cat >"$dir/lab/child.net.sa" <<-EOF
		version=1
		name=net
		ike=lab
		spi_in=$spi_in
		spi_out=$spi_out
		encr=ENCR_AES_GCM_16
		encr_keybits=256
		integ=AUTH_NONE
		esn=0
		key_in_e=$kin
		key_in_a=
		key_out_e=$kout
		key_out_a=
		local=$(ikx_var ADDR "$side")
		remote=$(ikx_var ADDR "$other")
		local_ts=$lts
		remote_ts=$rts
		mode=tunnel
		encap=$encap
		EOF
	)
}

# hand_pair ENCAP : the hand-written SA at both ends
hand_pair() {
	hand_sa "$W/left" left "$1" && hand_sa "$W/right" right "$1" || fail "cannot write the state files"
	LSA=lab RSA=lab
}

# tun_pair ARGS... : esp-tun ARGS at both ends (L left, R right); LDEV, RDEV
tun_pair() {
	esptun_start L left -S "$W/left" --sa "$LSA" --json "$@" || fail "esp-tun did not come up on the left"
	esptun_start R right -S "$W/right" --sa "$RSA" --json "$@" || fail "esp-tun did not come up on the right"
	LDEV=$(esptun_dev L) RDEV=$(esptun_dev R)
	[ -n "$LDEV" ] && [ -n "$RDEV" ] || fail "no device in the up events"
}

# crosswise : the left esp-tun's outbound counters are the right one's
# inbound ones, and the other way round; packets the receiving kernel dropped
# at a full socket buffer (esptun_rx_drops) are accounted for
crosswise() {
	local lost_l lost_r
	lost_l=$(esptun_rx_drops left) lost_r=$(esptun_rx_drops right)
	[ "$(esptun_sum "$W/left" "$LSA" out_packets)" = "$(($(esptun_sum "$W/right" "$RSA" in_packets) + lost_r))" ] &&
		[ "$(esptun_sum "$W/right" "$RSA" out_packets)" = "$(($(esptun_sum "$W/left" "$LSA" in_packets) + lost_l))" ] &&
		{ [ "$lost_r" -gt 0 ] ||
			[ "$(esptun_sum "$W/left" "$LSA" out_bytes)" = "$(esptun_sum "$W/right" "$RSA" in_bytes)" ]; } &&
		{ [ "$lost_l" -gt 0 ] ||
			[ "$(esptun_sum "$W/right" "$RSA" out_bytes)" = "$(esptun_sum "$W/left" "$LSA" in_bytes)" ]; }
}

# counters DIR SA : "FIELD=VALUE" for each of FIELDS, summed over the Child SAs
counters() {
	local out f
	out=$(esptun_stats "$1" "$2") || return 1
	for f in "${FIELDS[@]}"; do
		printf '%s=%s\n' "$f" "$(jq -rs --arg f "$f" '[.[] | .[$f] // 0] | add // 0' <<<"$out")"
	done
}

# moved BEFORE AFTER : the counters that differ, "FIELD+DELTA" sorted
moved() {
	LC_ALL=C join -t= <(LC_ALL=C sort <<<"$1") <(LC_ALL=C sort <<<"$2") |
		awk -F= '$3 != $2 { printf "%s%+d\n", $1, $3 - $2 }' | LC_ALL=C sort
}

# traffic ENCAP : pings both ways and 4 MiB of TCP each way; on the veth
# only ESP of that encapsulation; both esp-tuns' counters agree
traffic() {
	local udp raw
	esptun_capture_start wire left "$IKX_VETH_left" "$W/wire.pcap" 'udp port 4500 or ip proto 50' ||
		fail "tcpdump did not start"
	esptun_ping left 3 || fail "ping left -> right"
	esptun_ping right 3 || fail "ping right -> left"
	esptun_capture_stop wire
	udp=$(esptun_pcap_count "$W/wire.pcap" 'udp port 4500 and greater 100')
	raw=$(esptun_pcap_count "$W/wire.pcap" 'ip proto 50')
	if [ "$1" = udp ]; then
		[ "$udp" -ge 12 ] && [ "$raw" = 0 ] || fail "on the veth: $udp ESP-in-UDP, $raw raw ESP packets"
	else
		[ "$raw" -ge 12 ] && [ "$udp" = 0 ] || fail "on the veth: $udp ESP-in-UDP, $raw raw ESP packets"
	fi
	esptun_xfer left right 4194304 || fail "TCP left -> right"
	esptun_xfer right left 4194304 || fail "TCP right -> left"
	# counters are written every second: after the transfers, and once more
	ikx_until 5 esptun_field_ge "$W/left" "$LSA" out_packets 100 || fail "left: out_packets < 100"
	ikx_until 5 esptun_field_ge "$W/right" "$RSA" out_packets 100 || fail "right: out_packets < 100"
	sleep 1.2
	ikx_until 5 crosswise || fail "counters differ: left $(counters "$W/left" "$LSA" | tr '\n' ' ')
right $(counters "$W/right" "$RSA" | tr '\n' ' ')
dropped at full socket buffers: left $(esptun_rx_drops left), right $(esptun_rx_drops right)"
}

# sent_pings ENCAP [ESPTUN-ARGS...] : hand-written SAs, esp-tun at both ends,
# 5 pings left -> right with the left veth captured: W/sent.pcap holds the 5
# ESP packets of the echo requests; BEFORE: the right esp-tun's counters
# once it counted them
sent_pings() {
	local encap=$1; shift
	hand_pair "$encap"
	tun_pair "$@"
	esptun_capture_start sent left "$IKX_VETH_left" "$W/sent.pcap" \
		"src host $IKX_ADDR_left and (udp port 4500 or ip proto 50)" || fail "tcpdump did not start"
	esptun_ping left 5 || fail "ping left -> right"
	esptun_capture_stop sent
	# (counters are written every second: wait for the last of them)
	local side f
	for side in right left; do
		for f in in_packets out_packets; do
			ikx_until 5 esptun_field_is "$W/$side" lab "$f" 5 ||
				fail "$side esp-tun: $f $(esptun_sum "$W/$side" lab "$f"), expected 5"
		done
	done
	BEFORE=$(counters "$W/right" lab) || fail "esp-tun --stats failed"
}

# resend EXPECT-MOVED TUN-PACKETS INJECT-ARGS... : the 5 packets of
# W/sent.pcap sent again (changed by INJECT-ARGS) to the right esp-tun; then
# (within 5 s, and still 1.5 s later) its counters moved by exactly
# EXPECT-MOVED (moved's format, one per line; or alternatives separated by
# "|") and TUN-PACKETS packets reached the right TUN; MOVED: what moved
resend() {
	local expect=$1 tun=$2 after got n alt ok=; shift 2
	# what esp-tun writes to the TUN for the right inner host (not the
	# kernel's answers going the other way)
	esptun_capture_start tun right "$RDEV" "$W/tun.pcap" "dst host $IKX_HOST_right" ||
		fail "tcpdump on $RDEV did not start"
	run --separate-stderr esptun_inject left "$W/sent.pcap" --src "$IKX_ADDR_left" --dst "$IKX_ADDR_right" "$@"
	printf '%s\n' "$output" "$stderr" >"$W/inject.out"
	[ "$status" = 0 ] || fail "inject: $stderr"
	[ "$(tail -n 1 <<<"$output")" = "sent 5" ] || fail "inject: $output (5 ESP packets expected)"
	ikx_until 5 eval '[ -n "$(moved "$BEFORE" "$(counters "$W/right" lab)")" ]' || true
	sleep 1.5   # one more stats interval: nothing else comes
	esptun_capture_stop tun
	after=$(counters "$W/right" lab) || fail "esp-tun --stats failed"
	got=$(moved "$BEFORE" "$after")
	alt=$expect
	while :; do
		[ "$got" = "${alt%%|*}" ] && ok=1
		[ "$alt" = "${alt#*|}" ] && break
		alt=${alt#*|}
	done
	[ -n "$ok" ] ||
		fail "right esp-tun counters moved by '$(tr '\n' ' ' <<<"$got")', expected '$(tr '\n' ' ' <<<"$expect")'"
	MOVED=$got
	n=$(esptun_pcap_count "$W/tun.pcap")
	[ "$n" = "$tun" ] || fail "$n packets reached the right TUN $RDEV, expected $tun"
	esptun_running R || fail "the right esp-tun exited: $(cat "$(esptun_dir)/R.err")"
}

@test "esp-tun <-> esp-tun, IKE SA from ike-initiate --encap / ike-respond, ESP in UDP: ping, 4 MiB TCP each way" {
	ike_pair --encap
	[ "$(kv "$W/left/site-b/ike.sa" remote)" = "$IKX_ADDR_right:4500" ]
	[ "$(kv "$W/left/site-b/child.$(kv "$W/left/site-b/ike.sa" child).sa" encap)" = udp ]
	[ "$(kv "$W/right/$RSA/child.$(kv "$W/right/$RSA/ike.sa" child).sa" encap)" = udp ]
	tun_pair
	traffic udp
}

@test "esp-tun <-> esp-tun, IKE SA from ike-initiate / ike-respond without NAT, raw ESP: ping, 4 MiB TCP each way" {
	ike_pair
	[ "$(kv "$W/left/site-b/ike.sa" nat)" = no ]
	[ "$(kv "$W/left/site-b/child.$(kv "$W/left/site-b/ike.sa" child).sa" encap)" = none ]
	[ "$(kv "$W/right/$RSA/child.$(kv "$W/right/$RSA/ike.sa" child).sa" encap)" = none ]
	tun_pair
	traffic none
}

@test "esp-tun beside a running ike-respond (both on port 4500): esp-tun gets its peer's ESP, ike-respond serves a new SA" {
	local n
	KEEP_RESPOND=1 ike_pair --encap
	tun_pair
	esptun_ping left 3 || fail "ping left -> right"
	esptun_ping right 3 || fail "ping right -> left"
	# a second IKE SA from the left: esp-tun holds the left port 4500, so
	# ike-initiate takes one the kernel picks; ike-respond answers it
	run --separate-stderr ikx_in left timeout -k 2 12 "$I" --peer "$IKX_ADDR_right" \
		--psk-file "$W/psk" --ts "$IKX_NET_left=$IKX_NET_right" -S "$W/left2" --timeout 8 \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --name site-c --encap
	[ "$status" = 0 ] || fail "second ike-initiate: exit $status: $stderr"
	ikx_until 5 eval '[ "$(grep -c "^established " "$IKX_RUN/respond.out")" = 2 ]' ||
		fail "ike-respond: $(cat "$IKX_RUN/respond.out")"
	esptun_ping left 3 || fail "ping left -> right after the second SA"
	esptun_running R || fail "the right esp-tun exited: $(cat "$(esptun_dir)/R.err")"
	# ike-respond saw none of the first SA's ESP (-v: its counters at exit)
	ikx_respond_stop
	n=$(sed -n 's/.*stopping: \([0-9]*\) ESP,.*/\1/p' "$IKX_RUN/respond.err")
	[ "$n" = 0 ] || fail "ike-respond got '$n' ESP packets: $(cat "$IKX_RUN/respond.err")"
}

@test "esp-tun <-> esp-tun, hand-written SAs (fixed keys), ESP in UDP and raw ESP: pings both ways" {
	local encap
	for encap in udp none; do
		rm -rf "$W/left" "$W/right"
		hand_pair "$encap"
		tun_pair
		esptun_ping left 3 || fail "encap=$encap: ping left -> right"
		esptun_ping right 3 || fail "encap=$encap: ping right -> left"
		# 3 requests and 3 replies each way, 84 bytes each; counters are
		# written every second
		ikx_until 5 esptun_field_is "$W/left" lab out_packets 6 ||
			fail "encap=$encap: left out_packets $(esptun_sum "$W/left" lab out_packets), expected 6"
		ikx_until 5 esptun_field_is "$W/right" lab out_packets 6 ||
			fail "encap=$encap: right out_packets $(esptun_sum "$W/right" lab out_packets), expected 6"
		ikx_until 5 crosswise || fail "encap=$encap: counters differ"
		assert_equal "$(esptun_sum "$W/left" lab in_bytes)" 504
		assert_equal "$(esptun_sum "$W/right" lab in_bytes)" 504
		esptun_stop L || fail "encap=$encap: left esp-tun did not stop"
		assert_equal "$ESPTUN_STATUS" 0
		esptun_stop R || fail "encap=$encap: right esp-tun did not stop"
		assert_equal "$ESPTUN_STATUS" 0
	done
}

@test "replay, ESP in UDP: 5 packets sent again: drop_replay +5, nothing reaches the TUN" {
	sent_pings udp
	resend "drop_replay+5" 0
}

@test "replay, raw ESP: 5 packets sent again: drop_replay +5, nothing reaches the TUN" {
	sent_pings none
	resend "drop_replay+5" 0
}

@test "replay control, --replay-window 0: the same 5 packets sent again are accepted and reach the TUN" {
	sent_pings udp --replay-window 0
	# 5 echo requests in (84 bytes each), 5 replies out
	resend "$(printf '%s\n' in_bytes+420 in_packets+5 out_bytes+420 out_packets+5)" 5
}

@test "corrupted ICV, sequence number past the window: drop_integ +5, nothing reaches the TUN, the window does not move" {
	sent_pings udp
	resend "drop_integ+5" 0 --seq-add 2000 --flip-icv
	# had the window moved to the forged numbers, the next genuine packets
	# would be replays
	esptun_ping left 3 || fail "ping left -> right after the forged packets"
	esptun_ping right 3 || fail "ping right -> left after the forged packets"
}

@test "unknown SPI: drop_spi +5, nothing reaches the TUN" {
	sent_pings udp
	resend "drop_spi+5" 0 --spi-xor 0x5a000000
}

@test "packets from the TUN outside the traffic selectors: drop_nosa, nothing on the veth" {
	local before after n
	hand_pair udp
	tun_pair
	esptun_ping left 2 || fail "ping left -> right"
	ikx_until 5 esptun_field_is "$W/left" lab out_packets 2 || fail "left out_packets is not 2"
	# the replies counted too (the file is written every second): else one
	# counted late moves in_packets between the snapshots
	ikx_until 5 esptun_field_is "$W/left" lab in_packets 2 || fail "left in_packets is not 2"
	ikx_in left ip route add 10.99.0.0/24 dev "$LDEV" src "$IKX_HOST_left" ||
		fail "cannot route 10.99.0.0/24 into $LDEV"
	before=$(counters "$W/left" lab) || fail "esp-tun --stats failed"
	# anything but ARP and NAT keepalives (UDP length 9) on the veth
	esptun_capture_start veth left "$IKX_VETH_left" "$W/veth.pcap" \
		'not arp and not (udp port 4500 and udp[4:2] = 9)' || fail "tcpdump did not start"
	# a destination outside remote_ts (10.91.2.0/24) ...
	run ikx_in left timeout 10 ping -c 3 -i 0.2 -W 1 -I "$IKX_HOST_left" 10.99.0.1
	[[ $output == *"3 packets transmitted, 0 received"* ]] || fail "ping 10.99.0.1: $output"
	# ... and a source outside local_ts (10.91.1.0/24)
	run ikx_in left timeout 10 ping -c 3 -i 0.2 -W 1 -I "$IKX_ADDR_left" "$IKX_HOST_right"
	[[ $output == *"3 packets transmitted, 0 received"* ]] || fail "ping from $IKX_ADDR_left: $output"
	ikx_until 5 esptun_field_ge "$W/left" lab drop_nosa 6 || true
	sleep 1.5
	esptun_capture_stop veth
	after=$(counters "$W/left" lab) || fail "esp-tun --stats failed"
	assert_equal "$(moved "$before" "$after")" "drop_nosa+6"
	n=$(esptun_pcap_count "$W/veth.pcap")
	[ "$n" = 0 ] || fail "$n packets left on the veth: $(tcpdump -r "$W/veth.pcap" -n 2>/dev/null | head -5)"
	# the tunnel itself still works
	esptun_ping left 2 || fail "ping left -> right afterwards"
}

@test "truncated ESP packets (shorter than IV and ICV), sequence number past the window: dropped and counted, nothing reaches the TUN" {
	sent_pings udp
	# SPI, sequence number, 8-byte IV and 4 bytes: no room for an ICV
	resend "drop_malformed+5|drop_integ+5" 0 --seq-add 2000 --truncate 20
	echo "# counted as $MOVED" >&3
	esptun_ping left 3 || fail "ping left -> right after the truncated packets"
}

@test "inner source outside the receiver's selectors (the sender's are wider): drop_policy +3, nothing reaches the TUN" {
	local before after n
	# the left side may send from 10.91.0.0/16, the right accepts 10.91.1.0/24
	hand_sa "$W/left" left udp 10.91.0.0/16 "$IKX_NET_right" && hand_sa "$W/right" right udp ||
		fail "cannot write the state files"
	LSA=lab RSA=lab
	ikx_in left ip addr add 10.91.9.1/32 dev lo || fail "cannot add 10.91.9.1"
	tun_pair
	esptun_ping left 2 || fail "ping left -> right"
	ikx_until 5 esptun_field_is "$W/right" lab out_packets 2 || fail "right out_packets is not 2"
	BEFORE=$(counters "$W/right" lab) || fail "esp-tun --stats failed"
	before=$(counters "$W/left" lab) || fail "esp-tun --stats failed"
	esptun_capture_start tun right "$RDEV" "$W/tun.pcap" "dst host $IKX_HOST_right" ||
		fail "tcpdump on $RDEV did not start"
	run ikx_in left timeout 10 ping -c 3 -i 0.2 -W 1 -I 10.91.9.1 "$IKX_HOST_right"
	[[ $output == *"3 packets transmitted, 0 received"* ]] || fail "ping from 10.91.9.1: $output"
	ikx_until 5 esptun_field_ge "$W/right" lab drop_policy 3 || true
	sleep 1.5
	esptun_capture_stop tun
	after=$(counters "$W/right" lab) || fail "esp-tun --stats failed"
	assert_equal "$(moved "$BEFORE" "$after")" "drop_policy+3"
	# the left esp-tun sent them: its selectors allow them
	assert_equal "$(moved "$before" "$(counters "$W/left" lab)")" "$(printf '%s\n' out_bytes+252 out_packets+3)"
	n=$(esptun_pcap_count "$W/tun.pcap")
	[ "$n" = 0 ] || fail "$n packets reached the right TUN $RDEV"
}

@test "NAT keepalives: --keepalive 1 sends a 0xff byte from port 4500 to the peer's every second; the receiver counts nothing" {
	local n before
	hand_pair udp
	tun_pair --keepalive 1
	ikx_until 5 esptun_field_is "$W/right" lab in_packets 0 || fail "right in_packets is not 0"
	before=$(counters "$W/right" lab) || fail "esp-tun --stats failed"
	esptun_capture_start ka left "$IKX_VETH_left" "$W/keepalive.pcap" 'udp port 4500' ||
		fail "tcpdump did not start"
	sleep 3.5
	esptun_capture_stop ka
	n=$(esptun_pcap_count "$W/keepalive.pcap" \
		"src host $IKX_ADDR_left and dst host $IKX_ADDR_right and udp src port 4500 and udp dst port 4500 and udp[4:2] = 9 and udp[8] = 0xff")
	[ "$n" -ge 2 ] && [ "$n" -le 6 ] || fail "$n keepalives from the left in 3.5 s: $(tcpdump -r "$W/keepalive.pcap" -n 2>/dev/null)"
	# nothing else on port 4500 (no ESP: no traffic)
	assert_equal "$(esptun_pcap_count "$W/keepalive.pcap" 'not udp[4:2] = 9')" 0
	sleep 1.2
	assert_equal "$(moved "$before" "$(counters "$W/right" lab)")" ""
}
