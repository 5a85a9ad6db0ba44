#!/usr/bin/env bats
# esptun-rekey.bats: esp-tun following its state directory: Child SA rekeys
# under a running TCP transfer, the last Child SA or the SA going, SIGHUP,
# a new Child SA waiting for its peer, a writer holding the SA's lock, lost
# inotify events.
#
#   ns ikx-ID-l: esp-tun (-S W/left)            ns ikx-ID-r: esp-tun (-S W/right)
#   192.0.2.1 ikxID-l  <------- veth ------->  ikxID-r 192.0.2.2
#   10.91.1.1 (lo) - esp0 ====== ESP ====== esp0 - 10.91.2.1 (lo)
#
# The SAs are written by hand (ike-state(5)) with fixed lab keys: SA "lab",
# AES-GCM-256; Child SA generation G is "net" (G = 0) or "net-G", SPIs
# 0xc0deGG01 (the left's inbound) / 0xc0deGG02, keys of its own.  Files are
# written as ike-state(5) says: a temporary file renamed over, under the
# SA's flock.  A rekey is done the way ike-rekey and its peer do it: the new
# Child SA file first on the receiving side of the transfer (the rekey's
# responder, which installs it before it answers), then on the sending side
# (the initiator, once answered); 1.2 s later the old Child SA files go, in
# the same order (the responder gets the initiator's Delete first).  Their
# .stats files stay: the old SA's last counters.
#
# Checked (esp-tun -v --json at both ends):
#   - a bounded TCP transfer (tcpxfer.py, sha256 at both ends) with one
#     rekey (at 15 % acknowledged; ESP in UDP, raw ESP) or two in a row (ESP
#     in UDP right -> left, raw ESP left -> right), the last old Child SA
#     removed while the data still flows: it completes in at most
#     ESPTUN_REKEY_SLOWDOWN (2) times the same transfer without a rekey,
#     measured just before in the same test (both printed); of this
#     transfer the first Child SA carried at least 15 % and the last one at
#     least 5 % (the old SA's counters as written last); every generation
#     has in and out packets at both ends; on the last Child SA the receiver
#     got every packet the sender sent (but for its kernel's socket buffer
#     drops); no drop_spi, drop_integ or drop_replay at either end; the
#     sender's TCP retransmissions
#     (nstat TcpRetransSegs) are printed beside the data packets lost before
#     an esp-tun (at the sender's TUN queue, at the receiver's full socket
#     buffer), which account for nearly all of them without a rekey;
#   - the last Child SA file removed: esp-tun exits 0 ("no Child SA left"
#     with -v, no event); the SA's directory renamed away (as sd_remove_sa
#     does) or its ike.sa removed: a "deleted" event, exit 0;
#   - SIGHUP: a Child SA file that inotify did not bring (written in place:
#     the IN_CREATE came while it was incomplete) is loaded, listed by
#     --stats and used both ways;
#   - a new Child SA on one side only (the first half of a rekey) does not
#     take that side's traffic: pings both ways, no drop_spi at the peer;
#   - another program holding the SA's lock 3 s after writing a Child SA
#     file does not stall the data path (pings, round trips < 500 ms);
#   - inotify events lost (the queue overflowed while esp-tun was stopped):
#     the directory is read again, the new Child SA loaded.
#   - raw ESP follows a move recorded in ike.sa and the Child SA file at
#     both ends (new addresses in another subnet, the old ones then
#     removed): pings both ways, no drops; esp-tun without capabilities,
#     its keeper (esp-tun-raw) with CAP_NET_RAW alone and 4 descriptors,
#     gone once esp-tun is killed.
# The transfer's size: ESPTUN_REKEY_BYTES, else sized to last about
# ESPTUN_REKEY_SECS seconds (6 + 6 per rekey: an old Child SA goes 2 s
# after its Delete, and an ASan build on a busy machine is slow to get
# there) from a 64 MiB transfer, and once more if it came out much shorter
# (48 MiB to 4 GiB).  Every wait is
# bounded; processes are stopped by pid.  On failure the test's files go to
# ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TUN, raw sockets)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib.bash
	. "$HERE/lib.bash"
	# shellcheck source=tests/interop/lib-esptun.bash
	. "$HERE/lib-esptun.bash"
	E=$ESPTUN
	[ -x "$E" ] || fail "esp-tun not built: $E (run make)"
	IKX_PROG=esptun-rekey
	ikx_init || fail "ikx_init failed"
	ikx_netns_up || fail "namespaces did not come up"
	SLOWDOWN=${ESPTUN_REKEY_SLOWDOWN:-2}
}

teardown() {
	esptun_down
	if ikx_failed; then
		local s
		cp -a "$(esptun_dir)" "$W/esptun" 2>/dev/null
		for s in left right; do
			{ ikx_in "$s" ip addr; ikx_in "$s" ip route; ikx_in "$s" nstat -asz; } >"$W/$s-ip.txt" 2>&1
		done
		ikx_keep
	fi
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# --- state files ----------------------------------------------------------------

# lab_key LABEL : 36 fixed bytes in hex (AES-256 key and 4-byte GCM salt)
lab_key() { printf '%s%s' "$(printf 'ikekit esp-tun lab %s' "$1" | sha256sum | cut -c1-64)" 5a17c0de; }

# child_name GEN : the Child SA of generation GEN
child_name() { if [ "$1" = 0 ]; then echo net; else echo "net-$1"; fi; }

# spi_of SIDE GEN : SIDE's inbound SPI of generation GEN
spi_of() { if [ "$1" = left ]; then printf '0xc0de%02x01' "$2"; else printf '0xc0de%02x02' "$2"; fi; }

# put SADIR FILE : stdin as SADIR/FILE, the way ike-state(5) replaces a file:
# FILE.tmp.PID written, then renamed over FILE under the SA's lock
put() {
	local tmp=$1/$2.tmp.$$
	(umask 077 && cat >"$tmp") || return 1
	(umask 077 && flock -w 5 "$1" mv -f "$tmp" "$1/$2") || { rm -f "$tmp"; return 1; }
}

# unput SADIR FILE : remove SADIR/FILE under the SA's lock
unput() { (umask 077 && flock -w 5 "$1" rm -f "$1/$2"); }

# ike_file SIDE ENCAP : W/SIDE/lab/ike.sa
ike_file() {
	local side=$1 encap=$2 other port nat role
	other=$(ikx_other "$side")
	if [ "$encap" = udp ]; then port=4500 nat=yes; else port=500 nat=no; fi
	if [ "$side" = left ]; then role=initiator; else role=responder; fi
	mkdir -p "$W/$side/lab" && chmod 700 "$W/$side" "$W/$side/lab" || return 1
	put "$W/$side/lab" ike.sa <<-EOF
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
}

# child_text SIDE ENCAP GEN : the Child SA file of generation GEN for SIDE
child_text() {
	local side=$1 encap=$2 gen=$3 other kin kout
	other=$(ikx_other "$side")
	kin=$(lab_key "gen $gen $other-to-$side") kout=$(lab_key "gen $gen $side-to-$other")
	cat <<-EOF
	version=1
	name=$(child_name "$gen")
	ike=lab
	spi_in=$(spi_of "$side" "$gen")
	spi_out=$(spi_of "$other" "$gen")
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
	local_ts=$(ikx_var NET "$side")
	remote_ts=$(ikx_var NET "$other")
	mode=tunnel
	encap=$encap
	EOF
}

# child_put SIDE ENCAP GEN : install Child SA generation GEN on SIDE
child_put() { child_text "$@" | put "$W/$1/lab" "child.$(child_name "$3").sa"; }

# child_rm SIDE GEN : remove Child SA generation GEN on SIDE
child_rm() { unput "$W/$1/lab" "child.$(child_name "$2").sa"; }

# lab_pair ENCAP : ike.sa and Child SA generation 0 at both ends
lab_pair() {
	local s
	for s in left right; do
		ike_file "$s" "$1" && child_put "$s" "$1" 0 || fail "cannot write the state files of $s"
	done
}

# tun_pair : esp-tun -v --json at both ends (L left, R right)
tun_pair() {
	esptun_start L left -S "$W/left" --sa lab --json -v || fail "esp-tun did not come up on the left"
	esptun_start R right -S "$W/right" --sa lab --json -v || fail "esp-tun did not come up on the right"
}

# tun_id SIDE : the esp-tun of SIDE
tun_id() { if [ "$1" = left ]; then echo L; else echo R; fi; }

# --- counters -------------------------------------------------------------------

# child_stat SIDE GEN FIELD : FIELD of Child SA generation GEN as SIDE's esp-tun
# wrote it last (its .stats file: still there once the Child SA is gone);
# empty when there is none
child_stat() {
	esptun_stats "$W/$1" lab 2>/dev/null |
		jq -r --arg c "$(child_name "$2")" --arg s "$(spi_of "$1" "$2")" --arg f "$3" \
			'select(.child == $c and .spi_in == $s) | .[$f]'
}

# drops SIDE : "drop_spi=N drop_integ=N drop_replay=N", summed over every
# Child SA's stats file of SIDE
drops() {
	esptun_stats "$W/$1" lab 2>/dev/null |
		jq -rs '"drop_spi=\([.[].drop_spi] | add // 0) drop_integ=\([.[].drop_integ] | add // 0) drop_replay=\([.[].drop_replay] | add // 0)"'
}

# loaded SIDE GEN : SIDE's esp-tun logged (-v) that it loaded generation GEN
loaded() {
	grep -q "Child SA $(child_name "$2"): in $(spi_of "$1" "$2") " "$(esptun_dir)/$(tun_id "$1").err"
}

# retrans SIDE : TCP segments retransmitted in SIDE's namespace so far
retrans() {
	ikx_in "$1" nstat -asz TcpRetransSegs 2>/dev/null | awk '$1 == "TcpRetransSegs" { n = $2 } END { print n + 0 }'
}

# tun_drops SIDE : packets the kernel dropped at the queue of SIDE's TUN
# device (the inner packets it routed there faster than esp-tun read them)
tun_drops() {
	local n
	n=$(ikx_in "$1" cat "/sys/class/net/$(esptun_dev "$(tun_id "$1")")/statistics/tx_dropped" 2>/dev/null)
	echo "${n:-0}"
}

# --- a TCP transfer in the background --------------------------------------------

# xfer_start FROM TO BYTES PORT : tcpxfer.py recv on TO's inner host, then
# send (in the background) from FROM's; XFER_T0: when it started (ms)
xfer_start() {
	local from=$1 to=$2 bytes=$3 port=$4 d tag
	d=$(esptun_dir)
	tag=xfer-$port
	XFER_TAG=$tag XFER_FROM=$from XFER_TO=$to XFER_BYTES=$bytes XFER_PORT=$port
	ip netns exec "$(ikx_var NS "$to")" "$IKX_PY" "$IKX_TCPXFER" recv "$(ikx_var HOST "$to")" \
		"$port" --timeout 90 --ready "$d/$tag.ready" </dev/null >"$d/$tag.recv" 2>"$d/$tag.recv.err" &
	esptun_record "$tag-recv" $! "$(esptun_comm "$IKX_PY")" || return 1
	ikx_until 10 test -e "$d/$tag.ready" || {
		cat "$d/$tag.recv.err" >&2; ikx_fail "tcpxfer recv did not listen within 10 s"; return 1; }
	XFER_RT0=$(retrans "$from")
	XFER_L0=("$(tun_drops "$from")" "$(esptun_rx_drops "$to")")
	XFER_T0=$(date +%s%3N)
	ip netns exec "$(ikx_var NS "$from")" "$IKX_PY" "$IKX_TCPXFER" send "$(ikx_var HOST "$to")" "$port" \
		--bind "$(ikx_var HOST "$from")" --bytes "$bytes" --timeout 80 \
		</dev/null >"$d/$tag.send" 2>"$d/$tag.send.err" &
	esptun_record "$tag-send" $! "$(esptun_comm "$IKX_PY")"
}

# xfer_running : the sender of the last xfer_start runs
xfer_running() { esptun_running "$XFER_TAG-send"; }

# xfer_acked : the bytes of the last xfer_start the receiver acknowledged so far
xfer_acked() {
	ikx_in "$XFER_FROM" ss -Htin state established "( dport = :$XFER_PORT )" 2>/dev/null |
		sed -n 's/.*bytes_acked:\([0-9]*\).*/\1/p' | head -n 1
}

# xfer_wait_acked PERCENT : wait (60 s) until PERCENT % of the transfer is
# acknowledged; fails if the sender ended first
xfer_wait_acked() {
	local want=$((XFER_BYTES * $1 / 100)) end=$((SECONDS + 60)) a
	while :; do
		a=$(xfer_acked)
		[ -n "$a" ] && [ "$a" -ge "$want" ] && return 0
		xfer_running || { ikx_fail "the transfer ended before $1 % was acknowledged"; return 1; }
		[ $SECONDS -lt $end ] || { ikx_fail "$1 % of the transfer not acknowledged within 60 s (${a:-0} bytes)"; return 1; }
		sleep 0.02
	done
}

# xfer_finish : wait (90 s) for the transfer of the last xfer_start; both
# ends must report BYTES and the same sha256.  XFER_MS: its duration,
# XFER_RETRANS: the sender's TCP retransmissions meanwhile, XFER_LOST: the
# data packets lost meanwhile on their way into an esp-tun, at the sender's
# TUN queue (tun_drops) or the receiver's full socket buffer
# (esptun_rx_drops); XFER_LOST_WHERE: which
xfer_finish() {
	local d tag=$XFER_TAG end=$((SECONDS + 90)) pid rc=0 sent got i=0
	d=$(esptun_dir)
	while xfer_running; do
		[ $SECONDS -lt $end ] || { ikx_fail "the transfer still runs after 90 s"; return 1; }
		sleep 0.02
	done
	XFER_MS=$(($(date +%s%3N) - XFER_T0))
	pid=$(esptun_pid "$tag-send")
	wait "$pid" 2>/dev/null || rc=$?
	XFER_RETRANS=$(($(retrans "$XFER_FROM") - XFER_RT0))
	local q=$(($(tun_drops "$XFER_FROM") - XFER_L0[0])) b=$(($(esptun_rx_drops "$XFER_TO") - XFER_L0[1]))
	XFER_LOST=$((q + b))
	XFER_LOST_WHERE="$q at $XFER_FROM's TUN queue, $b at $XFER_TO's socket buffer"
	pid=$(esptun_pid "$tag-recv")
	while esptun_running "$tag-recv" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	ikx_stop "$d/$tag-recv.pid" "$(esptun_comm "$IKX_PY")"
	wait "$pid" 2>/dev/null
	sent=$(cat "$d/$tag.send") got=$(cat "$d/$tag.recv")
	if [ "$rc" != 0 ] || [ "$sent" != "$got" ] || [ "${sent%% sha256 *}" != "bytes $XFER_BYTES" ]; then
		cat "$d/$tag.send.err" "$d/$tag.recv.err" >&2
		ikx_fail "TCP $XFER_FROM -> $XFER_TO: exit $rc, sent '$sent', received '$got' (expected $XFER_BYTES bytes)"
		return 1
	fi
	ikx_log "TCP $XFER_FROM -> $XFER_TO: $got in $XFER_MS ms, $XFER_RETRANS retransmitted, $XFER_LOST lost before esp-tun"
}

# XFER_PORT_NEXT: each transfer on a port of its own
XFER_PORT_NEXT=5001

# xfer FROM TO BYTES : one transfer in the foreground (xfer_start, xfer_finish)
xfer() {
	xfer_start "$1" "$2" "$3" "$XFER_PORT_NEXT" || return 1
	XFER_PORT_NEXT=$((XFER_PORT_NEXT + 1))
	xfer_finish
}

# baseline FROM TO MS : the transfer without a rekey, of about MS
# milliseconds (ESPTUN_REKEY_SECS overrides), sized from a 64 MiB one and
# once more if it was much shorter (or of ESPTUN_REKEY_BYTES); sets BYTES
# and BASE_MS (its duration), BASE_RETRANS, BASE_LOST (see xfer_finish)
baseline() {
	local from=$1 to=$2 ms=$3
	[ -z "${ESPTUN_REKEY_SECS:-}" ] || ms=$((ESPTUN_REKEY_SECS * 1000))
	if [ -n "${ESPTUN_REKEY_BYTES:-}" ]; then
		BYTES=$ESPTUN_REKEY_BYTES
		xfer "$from" "$to" "$BYTES" || return 1
	else
		xfer "$from" "$to" $((64 << 20)) || return 1
		BYTES=$((64 << 20))
		for _ in 1 2; do
			# BYTES * ms / XFER_MS, MiB-aligned, 48 MiB to 4 GiB
			BYTES=$(((BYTES >> 20) * ms / (XFER_MS > 0 ? XFER_MS : 1) << 20))
			[ "$BYTES" -ge $((48 << 20)) ] || BYTES=$((48 << 20))
			[ "$BYTES" -le $((4 << 30)) ] || BYTES=$((4 << 30))
			xfer "$from" "$to" "$BYTES" || return 1
			[ $((XFER_MS * 10)) -lt $((ms * 7)) ] || break
		done
	fi
	BASE_MS=$XFER_MS BASE_RETRANS=$XFER_RETRANS BASE_LOST=$XFER_LOST BASE_LOST_WHERE=$XFER_LOST_WHERE
}

# --- the rekey ------------------------------------------------------------------

# gone SIDE GEN : SIDE's esp-tun logged (-v) that it dropped generation GEN
gone() {
	grep -q "Child SA $(child_name "$2") left the state directory" "$(esptun_dir)/$(tun_id "$1").err"
}

# rekey ENCAP GEN RECEIVER : Child SA generation GEN replaces GEN-1 as a
# rekey does: the new file on RECEIVER (the side the transfer goes to)
# first, then on the other; 1.2 s later the old files go, in the same
# order (the rekey's responder, which wrote its file first, gets the
# initiator's Delete first).  Both esp-tuns must have loaded the new one
# and dropped the old one (-v log)
rekey() {
	local encap=$1 gen=$2 rx=$3 tx s
	tx=$(ikx_other "$rx")
	child_put "$rx" "$encap" "$gen" && child_put "$tx" "$encap" "$gen" ||
		fail "cannot write Child SA $(child_name "$gen")"
	for s in "$rx" "$tx"; do
		ikx_until 5 loaded "$s" "$gen" || fail "the $s esp-tun did not load $(child_name "$gen")"
	done
	sleep 1.2
	child_rm "$rx" $((gen - 1)) && child_rm "$tx" $((gen - 1)) ||
		fail "cannot remove Child SA $(child_name $((gen - 1)))"
	for s in "$rx" "$tx"; do
		ikx_until 5 gone "$s" $((gen - 1)) || fail "the $s esp-tun did not drop $(child_name $((gen - 1)))"
	done
}

# rekey_under_xfer ENCAP FROM REKEYS : a TCP transfer FROM -> the other side
# without a rekey, then the same with REKEYS rekeys (the first at 15 %
# acknowledged, each next one once the last is done); the checks of the
# header
rekey_under_xfer() {
	local encap=$1 from=$2 n=$3 to g s f v sent0 got0 lost0
	to=$(ikx_other "$from")
	lab_pair "$encap"
	tun_pair
	esptun_ping left 2 || fail "ping left -> right"
	baseline "$from" "$to" $((6000 + 6000 * n)) || fail "the transfer without a rekey failed"
	echo "# $encap, $from -> $to, $((BYTES >> 20)) MiB without a rekey: $BASE_MS ms, $BASE_RETRANS TCP segments retransmitted ($((BASE_RETRANS - BASE_LOST)) beyond the $BASE_LOST data packets lost before esp-tun: $BASE_LOST_WHERE)" >&3
	# what Child SA net carried so far (counters are written every second)
	sleep 1.2
	sent0=$(child_stat "$from" 0 out_bytes) got0=$(child_stat "$to" 0 in_bytes)
	[ -n "$sent0" ] && [ -n "$got0" ] || fail "no counters for net: $(esptun_stats "$W/$from" lab 2>&1)"
	lost0=$(esptun_rx_drops "$to")
	xfer_start "$from" "$to" "$BYTES" "$XFER_PORT_NEXT" || fail "the transfer with rekeys did not start"
	XFER_PORT_NEXT=$((XFER_PORT_NEXT + 1))
	for g in $(seq 1 "$n"); do
		[ "$g" != 1 ] || xfer_wait_acked 15 || fail "before rekey $g"
		echo "# rekey $g at $(($(xfer_acked) * 100 / BYTES)) % acknowledged, $(($(date +%s%3N) - XFER_T0)) ms" >&3
		rekey "$encap" "$g" "$to"
	done
	# the old Child SAs went while the data still flowed
	xfer_running || fail "the transfer ended before the last old Child SA went: make it longer (ESPTUN_REKEY_SECS)"
	xfer_finish || fail "the transfer with $n rekey(s) failed"
	# (raw sockets' drops are counted only while they are open)
	lost0=$(($(esptun_rx_drops "$to") - lost0))
	echo "# $encap, $from -> $to, $((BYTES >> 20)) MiB with $n rekey(s): $XFER_MS ms ($((XFER_MS * 100 / BASE_MS)) % of $BASE_MS), $XFER_RETRANS TCP segments retransmitted ($((XFER_RETRANS - XFER_LOST)) beyond the $XFER_LOST data packets lost before esp-tun: $XFER_LOST_WHERE)" >&3
	[ "$XFER_MS" -le $((BASE_MS * SLOWDOWN)) ] ||
		fail "the transfer with $n rekey(s) took $XFER_MS ms, more than $SLOWDOWN x $BASE_MS ms without"
	# the last counters: esp-tun writes them when it stops
	esptun_stop L || fail "the left esp-tun did not stop"
	assert_equal "$ESPTUN_STATUS" 0
	esptun_stop R || fail "the right esp-tun did not stop"
	assert_equal "$ESPTUN_STATUS" 0
	for s in left right; do
		esptun_stats "$W/$s" lab |
			jq -r '"\(.child) in \(.spi_in) out \(.spi_out): in \(.in_packets) pkts \(.in_bytes) B, out \(.out_packets) pkts \(.out_bytes) B, drops spi \(.drop_spi) integ \(.drop_integ) replay \(.drop_replay)"' |
			sort | sed "s/^/#   $s: /" >&3
	done
	v="# shares of the data (inner bytes sent by $from):"
	for g in $(seq 0 "$n"); do
		f=$(child_stat "$from" "$g" out_bytes)
		[ "$g" != 0 ] || f=$((f - sent0))
		v="$v $(child_name "$g") $((f * 100 / BYTES)) %"
	done
	echo "$v" >&3
	# every generation carried its part: the data one way, the ACKs back
	for g in $(seq 0 "$n"); do
		for s in left right; do
			for f in in_packets out_packets; do
				v=$(child_stat "$s" "$g" "$f")
				[ -n "$v" ] && [ "$v" -gt 0 ] || fail "$s: Child SA $(child_name "$g"): $f '$v'"
			done
		done
	done
	# of this transfer, the first Child SA carried the part before the
	# first rekey (15 % acknowledged: its last counters say so), the last
	# one the part after the last rekey
	v=$(($(child_stat "$from" 0 out_bytes) - sent0))
	[ "$v" -ge $((BYTES * 15 / 100)) ] || fail "$from: Child SA net sent $v bytes of it, less than 15 % of $BYTES"
	v=$(($(child_stat "$to" 0 in_bytes) - got0))
	[ "$v" -ge $((BYTES * 15 / 100)) ] || fail "$to: Child SA net received $v bytes of it, less than 15 % of $BYTES"
	v=$(child_stat "$to" "$n" in_bytes)
	[ "$v" -ge $((BYTES / 20)) ] ||
		fail "$to: Child SA $(child_name "$n") received $v bytes, less than 5 % of $BYTES"
	# nothing lost between the two esp-tuns on the last Child SA (its
	# counters are the final ones): what the sender sent on it the
	# receiver received, but for its kernel's socket buffer drops
	v=$(($(child_stat "$from" "$n" out_packets) - $(child_stat "$to" "$n" in_packets)))
	[ "$v" -ge 0 ] && [ "$v" -le "$lost0" ] ||
		fail "$(child_name "$n"): $from sent $(child_stat "$from" "$n" out_packets) packets, $to received $(child_stat "$to" "$n" in_packets), $lost0 dropped at its socket buffer"
	# no drops at either end: the side that switches first still takes
	# the old SA's packets for a while (esp-tun(8), DRAIN), and a new SA
	# sends only once the peer has it
	for s in left right; do
		assert_equal "$(drops "$s")" "drop_spi=0 drop_integ=0 drop_replay=0"
	done
}

# --- tests ----------------------------------------------------------------------

@test "rekey under a TCP transfer, ESP in UDP: the new Child SA takes over, the old one goes, no drops, no stall" {
	rekey_under_xfer udp left 1
}

@test "rekey under a TCP transfer, raw ESP: the new Child SA takes over, the old one goes, no drops, no stall" {
	rekey_under_xfer none left 1
}

@test "two rekeys in a row under a TCP transfer right -> left, ESP in UDP: no drops, no stall" {
	rekey_under_xfer udp right 2
}

@test "two rekeys in a row under a TCP transfer left -> right, raw ESP: no drops, no stall" {
	rekey_under_xfer none left 2
}

@test "the last Child SA file removed: esp-tun exits 0, no Child SA left, no event" {
	local s
	lab_pair udp
	tun_pair
	esptun_ping left 2 || fail "ping left -> right"
	for s in right left; do
		child_rm "$s" 0 || fail "cannot remove the Child SA of $s"
		esptun_wait_exit "$(tun_id "$s")" 5 || fail "the $s esp-tun still runs"
		assert_equal "$ESPTUN_STATUS" 0
		grep -q ': no Child SA left$' "$(esptun_dir)/$(tun_id "$s").err" ||
			fail "$s: no 'no Child SA left': $(cat "$(esptun_dir)/$(tun_id "$s").err")"
		assert_equal "$(esptun_events "$(tun_id "$s")" | jq -r .event | tr '\n' ' ')" "up "
	done
}

@test "the SA's directory renamed away (sd_remove_sa) or its ike.sa removed: a deleted event, exit 0, nothing written back" {
	local s
	lab_pair udp
	tun_pair
	esptun_ping left 2 || fail "ping left -> right"
	# right: as sd_remove_sa does it: under the SA's lock, the directory
	# renamed to .del.NAME.PID, then emptied and removed
	flock -w 5 "$W/right/lab" mv "$W/right/lab" "$W/right/.del.lab.$$" ||
		fail "cannot rename the SA's directory"
	rm -rf "$W/right/.del.lab.$$"
	# left: only ike.sa removed
	unput "$W/left/lab" ike.sa || fail "cannot remove ike.sa"
	for s in right left; do
		esptun_wait_exit "$(tun_id "$s")" 5 || fail "the $s esp-tun still runs"
		assert_equal "$ESPTUN_STATUS" 0
		assert_equal "$(esptun_events "$(tun_id "$s")" | jq -r .event | tr '\n' ' ')" "up deleted "
		assert_equal "$(esptun_events "$(tun_id "$s")" | jq -r 'select(.event == "deleted") | .name')" lab
	done
	# the right esp-tun made no new SA directory (no counters written back)
	assert_equal "$(ls -A "$W/right")" ""
}

# ping_x FROM SRC DST : 3 pings from SRC to DST in FROM's namespace, all answered
ping_x() {
	local out
	out=$(ikx_in "$1" timeout 20 ping -c 3 -i 0.2 -W 2 -I "$2" "$3" 2>&1)
	grep -q '^3 packets transmitted, 3 received' <<<"$out" || { echo "$out" >&2; return 1; }
}

@test "SIGHUP: a Child SA file that inotify did not bring (written in place) is loaded, listed and used" {
	local lts=10.91.11.0/24 rts=10.91.12.0/24 before
	lab_pair udp
	tun_pair
	esptun_ping left 2 || fail "ping left -> right"
	ikx_until 5 esptun_field_is "$W/left" lab out_packets 2 || fail "left out_packets is not 2"
	# a second Child SA, net-9, for two other networks (so that it is the
	# only one for their packets, whatever esp-tun does with a new Child
	# SA beside an older one), with their hosts and routes
	ikx_in left ip addr add 10.91.11.1/32 dev lo && ikx_in right ip addr add 10.91.12.1/32 dev lo &&
		ikx_in left ip route add "$rts" dev "$(esptun_dev L)" src 10.91.11.1 &&
		ikx_in right ip route add "$lts" dev "$(esptun_dev R)" src 10.91.12.1 ||
		fail "cannot add the hosts and routes of net-9"
	# left: written in place, not renamed into place: the IN_CREATE comes
	# while the file is still incomplete (skipped with a warning); the rest
	# of it is no event that esp-tun watches
	child_text left udp 9 | sed "s|^local_ts=.*|local_ts=$lts|; s|^remote_ts=.*|remote_ts=$rts|" >"$W/net-9.left"
	(umask 077 && { head -n 4 "$W/net-9.left"; sleep 0.5; tail -n +5 "$W/net-9.left"; } >"$W/left/lab/child.net-9.sa") ||
		fail "cannot write child.net-9.sa"
	# right: as a rekey writes it (renamed: inotify)
	child_text right udp 9 | sed "s|^local_ts=.*|local_ts=$rts|; s|^remote_ts=.*|remote_ts=$lts|" |
		put "$W/right/lab" child.net-9.sa || fail "cannot write the right's net-9"
	ikx_until 5 loaded right 9 || fail "the right esp-tun did not load net-9"
	sleep 1.5
	loaded left 9 && fail "the left esp-tun loaded net-9 without SIGHUP: the test's premise no longer holds"
	[ -z "$(child_stat left 9 in_packets)" ] || fail "the left esp-tun lists net-9 before SIGHUP"
	grep -q 'child.net-9.sa' "$(esptun_dir)/L.err" || echo "# (no warning about the incomplete file)" >&3
	before=$(child_stat left 0 out_packets)
	esptun_running L || fail "the left esp-tun exited"
	kill -HUP "$(esptun_pid L)"
	ikx_until 5 loaded left 9 || fail "the left esp-tun did not load net-9 on SIGHUP"
	# listed (its counters are written once it is loaded) ...
	ikx_until 5 eval '[ -n "$(child_stat left 9 out_packets)" ]' || fail "esp-tun --stats does not list net-9"
	# ... and used, both ways
	ping_x left 10.91.11.1 10.91.12.1 || fail "ping 10.91.11.1 -> 10.91.12.1 on net-9"
	ping_x right 10.91.12.1 10.91.11.1 || fail "ping 10.91.12.1 -> 10.91.11.1 on net-9"
	ikx_until 5 eval '[ "$(child_stat left 9 out_packets)" = 6 ]' ||
		fail "left net-9 out_packets '$(child_stat left 9 out_packets)', expected 6"
	ikx_until 5 eval '[ "$(child_stat right 9 in_packets)" = 6 ]' ||
		fail "right net-9 in_packets '$(child_stat right 9 in_packets)', expected 6"
	assert_equal "$(child_stat left 0 out_packets)" "$before"
	esptun_running L || fail "the left esp-tun exited"
	assert_equal "$(drops left)" "drop_spi=0 drop_integ=0 drop_replay=0"
	assert_equal "$(drops right)" "drop_spi=0 drop_integ=0 drop_replay=0"
}

# --- a new Child SA waits for its peer; the lock; lost events -------------------

@test "a new Child SA sends only once the peer has it: with the new file on one side only, traffic both ways still flows" {
	lab_pair udp
	tun_pair
	esptun_ping left 2 || fail "ping left -> right"
	# the first half of a rekey: the new Child SA on the right only
	child_put right udp 1 || fail "cannot write net-1"
	ikx_until 5 loaded right 1 || fail "the right esp-tun did not load net-1"
	esptun_ping right 3 || fail "ping right -> left with net-1 on the right only"
	esptun_ping left 3 || fail "ping left -> right with net-1 on the right only"
	sleep 1.2
	assert_equal "$(drops left)" "drop_spi=0 drop_integ=0 drop_replay=0"
}

@test "a writer holding the SA's lock (after writing a Child SA file) does not stall the data path" {
	local max
	lab_pair udp
	tun_pair
	esptun_ping left 2 || fail "ping left -> right"
	# a Child SA that takes none of the pings (other selectors), written
	# by a program that keeps the SA's lock 3 s after the rename (any
	# program working on the SA may hold it that long)
	(
		umask 077
		tmp=$W/right/lab/child.net-1.sa.tmp.$BASHPID
		flock -w 5 9 || exit 1
		child_text right udp 1 |
			sed "s|^local_ts=.*|local_ts=10.91.102.0/24|; s|^remote_ts=.*|remote_ts=10.91.101.0/24|" \
			>"$tmp" && mv -f "$tmp" "$W/right/lab/child.net-1.sa" || exit 1
		sleep 3
	) 9<"$W/right/lab" 2>"$W/locker.err" &
	esptun_record locker $! bash
	sleep 0.3
	run ikx_in left timeout 10 ping -c 10 -i 0.2 -W 2 -I "$IKX_HOST_left" "$IKX_HOST_right"
	printf '%s\n' "$output" >"$W/ping-locked.out"
	ikx_until 6 eval '! esptun_running locker' || fail "the lock holder still runs"
	[[ $output == *"10 packets transmitted, 10 received"* ]] || fail "pings lost while the lock was held: $output"
	max=$(sed -n 's|^rtt .* = [^/]*/[^/]*/\([0-9]*\).*|\1|p' <<<"$output")
	[ "${max:-9999}" -lt 500 ] || fail "round trips up to $max ms while another program held the SA's lock"
}

# resed SIDE FILE SED : FILE of SIDE's SA rewritten by sed, as any writer does
resed() { sed "$3" "$W/$1/lab/$2" | put "$W/$1/lab" "$2"; }

# capeff PID : the effective capabilities of PID (hex)
capeff() { awk '$1 == "CapEff:" { print $2 }' "/proc/$1/status"; }

# children PID : the processes whose parent is PID
children() {
	local f
	for f in /proc/[0-9]*/stat; do
		awk -v p="$1" '{ sub(/^.*\) /, ""); if ($2 == p) { split(FILENAME, a, "/"); print a[3] } }' "$f" 2>/dev/null
	done
}

@test "raw ESP follows ike.sa to new addresses (MOBIKE without NAT) after esp-tun gave up its privileges" {
	local s keeper new_left=198.51.100.1 new_right=198.51.100.2
	lab_pair none
	# with MOBIKE the IKE SA is on port 4500 even without NAT (RFC 4555 3.3)
	for s in left right; do
		resed "$s" ike.sa 's/^\(local\|remote\)=\(.*\):500$/\1=\2:4500/' || fail "cannot write $s's ike.sa"
	done
	tun_pair
	esptun_ping left 2 || fail "ping left -> right"
	# no capability left: a new raw socket is out of reach, but for the
	# keeper, which holds CAP_NET_RAW (bit 13) alone and no descriptor
	# but stdin, stdout, stderr and its socket to esp-tun
	for s in L R; do
		[ "$(capeff "$(esptun_pid $s)")" = 0000000000000000 ] ||
			fail "esp-tun $s has capabilities $(capeff "$(esptun_pid $s)")"
	done
	keeper=$(children "$(esptun_pid L)")
	[ -n "$keeper" ] && [ "$(cat "/proc/$keeper/comm")" = esp-tun-raw ] ||
		fail "no keeper under esp-tun L: '$keeper'"
	assert_equal "$(capeff "$keeper")" 0000000000002000
	assert_equal "$(ls /proc/"$keeper"/fd | sort -n | tr '\n' ' ')" "0 1 2 3 "
	# another subnet: removing a primary address removes its secondaries
	ikx_in left ip addr add $new_left/24 dev "$IKX_VETH_left" || fail "cannot add $new_left"
	ikx_in right ip addr add $new_right/24 dev "$IKX_VETH_right" || fail "cannot add $new_right"
	# the move as ike-rekey --move-to records it at both ends
	resed left ike.sa "s/^local=.*/local=$new_left:4500/; s/^remote=.*/remote=$new_right:4500/" &&
		resed left child.net.sa "s/^local=.*/local=$new_left/; s/^remote=.*/remote=$new_right/" &&
		resed right ike.sa "s/^local=.*/local=$new_right:4500/; s/^remote=.*/remote=$new_left:4500/" &&
		resed right child.net.sa "s/^local=.*/local=$new_right/; s/^remote=.*/remote=$new_left/" ||
		fail "cannot record the move"
	for s in L R; do
		ikx_until 5 eval "esptun_events $s | grep -q '\"event\":\"moved\"'" ||
			fail "esp-tun $s did not move: $(cat "$(esptun_dir)/$s.err")"
	done
	! grep -q "ESP socket" "$(esptun_dir)/L.err" "$(esptun_dir)/R.err" ||
		fail "$(grep -h "ESP socket" "$(esptun_dir)/L.err" "$(esptun_dir)/R.err")"
	# the old addresses go: ESP can only take the new ones
	ikx_in left ip addr del "$IKX_ADDR_left/24" dev "$IKX_VETH_left" || fail "cannot remove $IKX_ADDR_left"
	ikx_in right ip addr del "$IKX_ADDR_right/24" dev "$IKX_VETH_right" || fail "cannot remove $IKX_ADDR_right"
	esptun_ping left 3 || fail "ping left -> right after the move: $(cat "$(esptun_dir)/ping-left.out")"
	esptun_ping right 3 || fail "ping right -> left after the move"
	esptun_running L && esptun_running R || fail "an esp-tun exited"
	assert_equal "$(drops left)" "drop_spi=0 drop_integ=0 drop_replay=0"
	assert_equal "$(drops right)" "drop_spi=0 drop_integ=0 drop_replay=0"
	# the keeper dies with esp-tun, even a killed one
	kill -KILL "$(esptun_pid L)"
	ikx_until 5 test ! -e "/proc/$keeper" || fail "the keeper outlived esp-tun"
}

@test "inotify events lost (queue overflow): esp-tun reads the directory again" {
	local q
	q=$(cat /proc/sys/fs/inotify/max_queued_events)
	[ "$q" -le 200000 ] || skip "max_queued_events $q: too many events to make"
	lab_pair udp
	tun_pair
	esptun_ping left 2 || fail "ping left -> right"
	# while the left esp-tun is stopped, more events than its queue holds,
	# then the new Child SA file (its event lost)
	esptun_running L || fail "the left esp-tun exited"
	kill -STOP "$(esptun_pid L)"
	"$IKX_PY" - "$W/left/lab" $((q + 16)) <<-'PY' || { kill -CONT "$(esptun_pid L)"; fail "cannot make the events"; }
	import os, sys
	d, n = sys.argv[1], int(sys.argv[2])
	for i in range(n):
	    open(os.path.join(d, "junk.%d" % i), "w").close()
	for i in range(n):
	    os.unlink(os.path.join(d, "junk.%d" % i))
	PY
	child_put left udp 1 || { kill -CONT "$(esptun_pid L)"; fail "cannot write net-1"; }
	kill -CONT "$(esptun_pid L)"
	ikx_until 5 loaded left 1 || fail "the left esp-tun did not load net-1 after its inotify queue overflowed"
}
