#!/bin/bash
# tests/bench/tunnel.sh: the tunnel throughput benchmark (see README.md here).
# Root only (network namespaces, TUN); without root it says so and exits 0.
#
# Each configuration gets its own pair of network namespaces A and B, made for
# the run (tnb-PID-CFG-a / -b; strongSwan's are tests/interop/lib.bash's
# ikx-PID-l / -r), joined by a veth (MTU 1500, made inside A: nothing appears
# in the root namespace), 192.0.2.1/24 <-> 192.0.2.2/24; the tunnels' inner
# devices have MTU 1400:
#
#   veth    bare veth, no tunnel (iperf3 to 192.0.2.2)
#   wg      wireguard-go pair (keys from wg genkey), 10.93.0.1/24 <-> .2/24
#   swan    strongSwan charon pair, kernel-libipsec (ESP in userspace, TUN
#           ipsec0), AES-256-GCM, ESP in UDP 4500; 10.91.1.1 <-> 10.91.2.1
#   gcm     esp-tun, AES-256-GCM, ESP in UDP 4500, 10.92.0.1/24 <-> .2/24
#   raw     esp-tun, AES-256-GCM, raw ESP (IP protocol 50)
#   chacha  esp-tun, ChaCha20-Poly1305, UDP
#   cbc     esp-tun, AES-256-CBC + HMAC-SHA-256-128, UDP
#   null    build/tools/esp-tun-null (esp-tun with the cipher replaced by a
#           copy; same I/O, same options), AES-256-GCM SA files, UDP
#
# esp-tun's SA files (man/ike-state.5) are written here for both ends, with
# keys and SPIs from `openssl rand` made for the run, in a state folder under
# /dev/shm (0700, files 0600); each end runs
#   esp-tun -S DIR --sa CFG --dev et0 --mtu 1400 --addr 10.92.0.X/24 --json
# and the benchmark waits (10 s at most) for its "up" event, then checks the
# tunnel with pings of 1400-byte packets (DF set).
#
# Rounds: every configuration, in turn, ROUNDS times (interleaved, so a slow
# minute of the shared machine hits them all alike): iperf3 TCP (1 stream,
# SECS s, server in B) then, unless UDP_SECS=0, an iperf3 UDP flood (-u -b 0
# -l 1372: 1400-byte inner packets, UDP_SECS s). Around each run: CPU time of
# each tunnel process (utime + stime of all threads, /proc/PID/stat) and the
# inner devices' counters (A: packets the kernel handed to the tunnel; B:
# packets the tunnel delivered). Prints a table (medians, min..max), the
# ratios of esp-tun AES-GCM to wireguard-go, strongSwan and the null tunnel
# against their goals, and esp-tun --stats of both ends with the kernel's
# drop counters that explain packets lost outside esp-tun.
#
# Knobs (environment): B (build folder), SECS (6), UDP_SECS (3; 0: no UDP
# flood), ROUNDS (3), CONFIGS (the list above, in that order; any subset),
# PIN=1 (side A: iperf3 client + tunnel A on CPU 0; side B on CPU 1),
# TCP_CC (iperf3 -C: the TCP congestion control, e.g. cubic; default the
# system's, printed in the report),
# CHARON (/usr/lib/ipsec/charon), ESPTUN / ESPTUN_NULL (the binaries;
# default $B/bin/esp-tun, $B/tools/esp-tun-null), TUN_KEEP=1 (keep the run
# folder: results, logs, iperf3 JSON; the state folder with its keys, and
# the WireGuard private keys, are always removed).
#
# Not pass/fail: exit 0 when every selected configuration ran (whatever the
# figures), 1 when one could not be set up or a run failed (the others are
# still measured and reported), or a tool is missing. A missing
# esp-tun-null only skips its configuration.
set -u
set -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
ESPTUN=${ESPTUN:-$B/bin/esp-tun}
ESPTUN_NULL=${ESPTUN_NULL:-$B/tools/esp-tun-null}
CHARON=${CHARON:-/usr/lib/ipsec/charon}
secs=${SECS:-6}
usecs=${UDP_SECS:-3}
rounds=${ROUNDS:-3}
configs=${CONFIGS:-veth wg swan gcm raw chacha cbc null}
pin=${PIN:-0}
cc=${TCP_CC:-}
export IKX_PROG=tunnel	# lib.bash's log prefix

log() { echo "tunnel: $*" >&2; }
die() { log "$*"; exit 1; }

if [ "$(id -u)" != 0 ]; then
	log "not root: no network namespaces, tunnel benchmark skipped"
	exit 0
fi
for v in "$secs" "$usecs" "$rounds"; do
	case $v in '' | *[!0-9]*) die "SECS, UDP_SECS and ROUNDS must be whole numbers" ;; esac
done
[ "$secs" -ge 1 ] && [ "$rounds" -ge 1 ] || die "SECS and ROUNDS must be at least 1"
for c in $configs; do
	case $c in veth | wg | swan | gcm | raw | chacha | cbc | null) ;;
	*) die "unknown configuration '$c' (veth wg swan gcm raw chacha cbc null)" ;; esac
done
need=(iperf3 jq openssl ip taskset timeout ping)
case " $configs " in *" wg "*) need+=(wireguard-go wg) ;; esac
case " $configs " in *" swan "*) need+=("$CHARON" swanctl) ;; esac
for c in "${need[@]}"; do
	command -v "$c" >/dev/null 2>&1 || die "$c: not installed"
done
[ -c /dev/net/tun ] || die "/dev/net/tun missing"
[ "$(nproc)" -ge 2 ] || pin=0

id=$$
[ ${#id} -le 7 ] || die "pid $id too long for interface names"
run=$(mktemp -d "${TMPDIR:-/tmp}/ikekit-tun.XXXXXX") || die "mktemp failed"
state=$(mktemp -d /dev/shm/ikekit-tun.XXXXXX) || die "mktemp in /dev/shm failed"
chmod 700 "$run" "$state"
mkdir -p "$run/pids" "$run/json" && mkdir -m 700 "$state/a" "$state/b" || die "mkdir failed"
hz=$(getconf CLK_TCK)
made_ns=()
wg_devs=()
wg_dir_existed=0
[ -d /var/run/wireguard ] && wg_dir_existed=1
swan_up=0

# per configuration: namespaces, inner devices, iperf3 server address, tunnel
# process names (pid files), a label, and its status ("" = fine)
declare -A NSA NSB DEVA DEVB DST SRC TUNA TUNB LABEL STATUS
LABEL[veth]="bare veth (no tunnel)"
LABEL[wg]="wireguard-go"
LABEL[swan]="strongSwan libipsec AES-GCM"
LABEL[gcm]="esp-tun AES-256-GCM, UDP"
LABEL[raw]="esp-tun AES-256-GCM, raw ESP"
LABEL[chacha]="esp-tun ChaCha20-Poly1305"
LABEL[cbc]="esp-tun AES-CBC+HMAC-SHA256"
LABEL[null]="esp-tun-null (copy), UDP"

# --- processes: by pid file ($run/pids/NAME.pid: "PID COMM") ----------------

# start NAME COMM NS CMD... : CMD in NS in the background (ip netns exec and
# taskset exec, so $! becomes CMD); waits (2 s) until it has exec'd into COMM
start() {
	local name=$1 comm=$2 ns=$3 pid i=0; shift 3
	ip netns exec "$ns" "$@" </dev/null >"$run/$name.out" 2>"$run/$name.err" &
	pid=$!
	echo "$pid $comm" >"$run/pids/$name.pid"
	while [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "$comm" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! [ -d "/proc/$pid" ]; then
			return 1
		fi
		sleep 0.01
	done
}

# alive NAME : its process runs under the name it was started as
alive() {
	local pid comm
	[ -f "$run/pids/$1.pid" ] || return 1
	read -r pid comm <"$run/pids/$1.pid"
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ]
}
pidof_() { local pid comm; read -r pid comm <"$run/pids/$1.pid" && echo "$pid"; }

# stop NAME : TERM, wait up to 5 s, then KILL
stop() {
	local f=$run/pids/$1.pid pid comm i=0
	[ -f "$f" ] || return 0
	read -r pid comm <"$f"
	if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ]; then
		kill -TERM "$pid" 2>/dev/null
		while [ -d "/proc/$pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ]; then
			log "$comm ($pid) ignored TERM, sending KILL"
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	rm -f "$f"
}

# cpu_ticks PID : utime + stime (all threads), in clock ticks
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo -; }

cleanup() {
	local f ns
	for f in "$run"/pids/*.pid; do
		[ -f "$f" ] || continue
		stop "$(basename "$f" .pid)"
	done
	if [ "$swan_up" = 1 ]; then
		ikx_down
	fi
	for ns in "${made_ns[@]}"; do
		if [ -n "$(ip netns pids "$ns" 2>/dev/null)" ]; then
			log "processes still in $ns: $(ip netns pids "$ns" | tr '\n' ' ')"
		fi
		ip netns del "$ns" 2>/dev/null
	done
	# wireguard-go removes its socket on TERM; not after a KILL
	for f in "${wg_devs[@]}"; do
		rm -f "/var/run/wireguard/$f.sock"
	done
	[ "$wg_dir_existed" = 1 ] || rmdir /var/run/wireguard 2>/dev/null
	rm -rf "$state"
	if [ "${TUN_KEEP:-0}" = 1 ]; then
		log "kept $run"
	else
		rm -rf "$run"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# fail CFG MESSAGE : mark CFG as not measurable, say why
fail() { STATUS[$1]=$2; log "${LABEL[$1]}: $2"; }

# --- namespaces -------------------------------------------------------------

# ns_pair CFG INDEX : namespaces A and B of CFG, veth between them
ns_pair() {
	local cfg=$1 a=tnb-$id-$1-a b=tnb-$id-$1-b va=tb$id${2}a vb=tb$id${2}b ns
	for ns in "$a" "$b"; do
		[ -e "/run/netns/$ns" ] && { fail "$cfg" "namespace $ns exists already"; return 1; }
		ip netns add "$ns" || { fail "$cfg" "ip netns add $ns failed"; return 1; }
		made_ns+=("$ns")
		# no IPv6: nothing but the benchmark's packets in the tunnels
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null &&
			ip -n "$ns" link set lo up || { fail "$cfg" "setting up $ns failed"; return 1; }
	done
	ip -n "$a" link add "$va" mtu 1500 type veth peer name "$vb" netns "$b" &&
		ip -n "$a" addr add 192.0.2.1/24 dev "$va" && ip -n "$b" addr add 192.0.2.2/24 dev "$vb" &&
		ip -n "$a" link set "$va" up && ip -n "$b" link set "$vb" up ||
		{ fail "$cfg" "veth failed"; return 1; }
	ip netns exec "$a" ping -c1 -W2 -q 192.0.2.2 >/dev/null || { fail "$cfg" "veth does not answer"; return 1; }
	NSA[$cfg]=$a NSB[$cfg]=$b DEVA[$cfg]=$va DEVB[$cfg]=$vb
}

# check_path CFG : pings A -> B through the tunnel: 5 s for the first answer,
# then three of 1400 bytes with DF (the inner MTU, no fragmentation)
check_path() {
	local cfg=$1 i=0 src=()
	[ -n "${SRC[$cfg]:-}" ] && src=(-I "${SRC[$cfg]}")
	until ip netns exec "${NSA[$cfg]}" ping -c1 -W1 -q "${src[@]}" "${DST[$cfg]}" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 5 ] || { fail "$cfg" "no answer from ${DST[$cfg]} through the tunnel"; return 1; }
	done
	ip netns exec "${NSA[$cfg]}" ping -c3 -i0.2 -W2 -q -s 1372 -M "do" "${src[@]}" "${DST[$cfg]}" \
		>"$run/ping-$cfg.out" 2>&1 ||
		{ fail "$cfg" "1400-byte pings (DF) through the tunnel failed: $(tail -2 "$run/ping-$cfg.out" | tr '\n' ' ')"; return 1; }
}

# iperf3 server of CFG in B, bound to its address
server_start() {
	local cfg=$1 i=0 tset=()
	[ "$pin" = 1 ] && tset=(taskset -c 1)
	start "srv-$cfg" iperf3 "${NSB[$cfg]}" "${tset[@]}" iperf3 -s -B "${DST[$cfg]}" ||
		{ fail "$cfg" "iperf3 server did not start: $(cat "$run/srv-$cfg.err")"; return 1; }
	until ip netns exec "${NSB[$cfg]}" ss -Hltn 2>/dev/null | grep -q "${DST[$cfg]}:5201 "; do
		i=$((i + 1))
		[ $i -lt 100 ] || { fail "$cfg" "iperf3 server not listening after 5 s"; return 1; }
		sleep 0.05
	done
}

# --- configurations -----------------------------------------------------------

setup_veth() {
	ns_pair veth 0 || return 1
	DST[veth]=192.0.2.2
	server_start veth
}

setup_wg() {
	local s other dev
	ns_pair wg 1 || return 1
	(umask 077 && for s in a b; do
		wg genkey >"$run/wg-$s.key" && wg pubkey <"$run/wg-$s.key" >"$run/wg-$s.pub" || exit 1
	done) || { fail wg "wg genkey failed"; return 1; }
	for s in a b; do
		# the UAPI socket folder (/var/run/wireguard) is shared by all
		# namespaces: names unique to the run
		dev=tw$id$s
		[ -e "/var/run/wireguard/$dev.sock" ] && { fail wg "/var/run/wireguard/$dev.sock exists"; return 1; }
		wg_devs+=("$dev")
		if [ $s = a ]; then DEVA[wg]=$dev; else DEVB[wg]=$dev; fi
		start "wg-$s" wireguard-go "tnb-$id-wg-$s" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$dev" ||
			{ fail wg "wireguard-go did not start: $(cat "$run/wg-$s.err")"; return 1; }
	done
	for s in a b; do
		dev=tw$id$s
		ikx_until 5 test -S "/var/run/wireguard/$dev.sock" || { fail wg "no UAPI socket for $dev after 5 s"; return 1; }
		if [ $s = a ]; then other=b; else other=a; fi
		ip netns exec "tnb-$id-wg-$s" wg set "$dev" listen-port 51820 private-key "$run/wg-$s.key" \
			peer "$(cat "$run/wg-$other.pub")" endpoint "192.0.2.$([ $s = a ] && echo 2 || echo 1):51820" \
			allowed-ips "10.93.0.$([ $s = a ] && echo 2 || echo 1)/32" &&
			ip -n "tnb-$id-wg-$s" addr add "10.93.0.$([ $s = a ] && echo 1 || echo 2)/24" dev "$dev" &&
			ip -n "tnb-$id-wg-$s" link set "$dev" mtu 1400 up || { fail wg "configuring $dev failed"; return 1; }
	done
	rm -f "$run"/wg-?.key	# wireguard-go has them now
	TUNA[wg]=wg-a TUNB[wg]=wg-b DST[wg]=10.93.0.2
	check_path wg && server_start wg
}

setup_swan() {
	# tests/interop/lib.bash: its own namespaces (ikx-PID-l/-r), charons, PSK
	ikx_init || { fail swan "ikx_init failed"; return 1; }
	swan_up=1
	ikx_suite gcm || { fail swan "ikx_suite failed"; return 1; }
	ikx_up >"$run/swan-up.out" 2>&1 || { fail swan "ikx_up failed: $(tail -3 "$run/swan-up.out" | tr '\n' ' ')"; return 1; }
	ikx_initiate >"$run/swan-initiate.out" 2>&1 ||
		{ fail swan "swanctl --initiate failed: $(tail -3 "$run/swan-initiate.out" | tr '\n' ' ')"; return 1; }
	NSA[swan]=$IKX_NS_left NSB[swan]=$IKX_NS_right DEVA[swan]=ipsec0 DEVB[swan]=ipsec0
	DST[swan]=$IKX_HOST_right SRC[swan]=$IKX_HOST_left
	# charon's pid files, in the same "PID COMM" form as ours (not removed by
	# our cleanup: ikx_down stops the charons)
	echo "$(cat "$(ikx_dir left)/charon.pid") charon" >"$run/charon-a.pid"
	echo "$(cat "$(ikx_dir right)/charon.pid") charon" >"$run/charon-b.pid"
	TUNA[swan]=../charon-a TUNB[swan]=../charon-b
	check_path swan && server_start swan
}

# hexkey BYTES : random key as lower-case hex (empty for 0)
hexkey() { [ "$1" -gt 0 ] && openssl rand -hex "$1" || true; }
# spi : random SPI, 0x10000000 and up
spi() { printf '0x%08x' $((0x$(openssl rand -hex 4) | 0x10000000)); }

# write_side DIR NAME ROLE ENCAP LOCAL REMOTE LTS RTS SPI_IN SPI_OUT
#            KEY_IN_E KEY_IN_A KEY_OUT_E KEY_OUT_A   (uses suite_*, ike_*)
write_side() {
	local d=$1/$2 port=4500 nat=yes
	[ "$4" = none ] && port=500 nat=no
	mkdir -m 700 "$d" || return 1
	(
		umask 077
		cat >"$d/ike.sa" <<EOF || exit 1
# written by tests/bench/tunnel.sh: keys made for this run
version=1
name=$2
state=established
role=$3
ispi=$ike_ispi
rspi=$ike_rspi
local=$5:$port
remote=$6:$port
encr=ENCR_AES_GCM_16
encr_keybits=256
integ=AUTH_NONE
prf=PRF_HMAC_SHA2_256
dh=CURVE25519
sk_d=$ike_skd
sk_ai=
sk_ar=
sk_ei=$ike_skei
sk_er=$ike_sker
sk_pi=$ike_skpi
sk_pr=$ike_skpr
nat=$nat
local_id=$5
remote_id=$6
child=net
EOF
		cat >"$d/child.net.sa" <<EOF || exit 1
# written by tests/bench/tunnel.sh: keys made for this run
version=1
name=net
ike=$2
spi_in=$9
spi_out=${10}
encr=$suite_encr
encr_keybits=$suite_bits
integ=$suite_integ
esn=0
key_in_e=${11}
key_in_a=${12}
key_out_e=${13}
key_out_a=${14}
local=$5
remote=$6
local_ts=$7
remote_ts=$8
mode=tunnel
encap=$4
EOF
	)
}

# write_sa CFG SUITE ENCAP : the SA files of both ends, $state/{a,b}/CFG
write_sa() {
	local ke ka spi_ab spi_ba kab_e kab_a kba_e kba_a
	case $2 in
	gcm) suite_encr=ENCR_AES_GCM_16 suite_bits=256 suite_integ=AUTH_NONE ke=36 ka=0 ;;
	chacha) suite_encr=ENCR_CHACHA20_POLY1305 suite_bits=0 suite_integ=AUTH_NONE ke=36 ka=0 ;;
	cbc) suite_encr=ENCR_AES_CBC suite_bits=256 suite_integ=AUTH_HMAC_SHA2_256_128 ke=32 ka=32 ;;
	esac
	ike_ispi=$(openssl rand -hex 8) ike_rspi=$(openssl rand -hex 8)
	ike_skd=$(hexkey 32) ike_skei=$(hexkey 36) ike_sker=$(hexkey 36)
	ike_skpi=$(hexkey 32) ike_skpr=$(hexkey 32)
	# A -> B: SPI chosen by B (B's spi_in, A's spi_out), and its keys
	spi_ab=$(spi) spi_ba=$(spi)
	while [ "$spi_ba" = "$spi_ab" ]; do spi_ba=$(spi); done
	kab_e=$(hexkey $ke) kab_a=$(hexkey $ka) kba_e=$(hexkey $ke) kba_a=$(hexkey $ka)
	write_side "$state/a" "$1" initiator "$3" 192.0.2.1 192.0.2.2 10.92.0.1/32 10.92.0.2/32 \
		"$spi_ba" "$spi_ab" "$kba_e" "$kba_a" "$kab_e" "$kab_a" &&
		write_side "$state/b" "$1" responder "$3" 192.0.2.2 192.0.2.1 10.92.0.2/32 10.92.0.1/32 \
			"$spi_ab" "$spi_ba" "$kab_e" "$kab_a" "$kba_e" "$kba_a"
}

# setup_esptun CFG INDEX BINARY SUITE ENCAP
setup_esptun() {
	local cfg=$1 bin=$3 comm s i addr
	comm=$(basename "$bin")
	comm=${comm:0:15}
	if ! [ -x "$bin" ]; then
		if [ "$cfg" = null ]; then
			STATUS[$cfg]="skipped: $bin not built"
			log "${LABEL[$cfg]}: skipped, $bin not built"
		else
			fail "$cfg" "$bin not built"
		fi
		return 1
	fi
	ns_pair "$cfg" "$2" || return 1
	write_sa "$cfg" "$4" "$5" || { fail "$cfg" "writing the SA files failed"; return 1; }
	for s in a b; do
		addr=10.92.0.$([ $s = a ] && echo 1 || echo 2)/24
		start "$cfg-$s" "$comm" "tnb-$id-$cfg-$s" "$bin" -S "$state/$s" --sa "$cfg" --dev et0 \
			--mtu 1400 --addr "$addr" --json ||
			{ fail "$cfg" "$comm ($s) did not start: $(tail -3 "$run/$cfg-$s.err" | tr '\n' ' ')"; return 1; }
	done
	for s in a b; do
		i=0
		until grep -q '"event" *: *"up"' "$run/$cfg-$s.out" 2>/dev/null ||
			grep -q ': up on ' "$run/$cfg-$s.err" 2>/dev/null; do
			i=$((i + 1))
			if [ $i -gt 200 ] || ! alive "$cfg-$s"; then
				fail "$cfg" "$comm ($s): no \"up\" event$(alive "$cfg-$s" && echo " after 10 s" ||
					echo ", exited"): $(tail -3 "$run/$cfg-$s.err" | tr '\n' ' ')"
				return 1
			fi
			sleep 0.05
		done
	done
	NSA[$cfg]=tnb-$id-$cfg-a NSB[$cfg]=tnb-$id-$cfg-b DEVA[$cfg]=et0 DEVB[$cfg]=et0
	TUNA[$cfg]=$cfg-a TUNB[$cfg]=$cfg-b DST[$cfg]=10.92.0.2
	check_path "$cfg" && server_start "$cfg"
}

# --- measuring ----------------------------------------------------------------

# counters NS DEV : "tx_packets tx_dropped rx_packets rx_bytes" of DEV
counters() {
	ip -n "$1" -j -s link show dev "$2" 2>/dev/null |
		jq -r '.[0].stats64 | "\(.tx.packets) \(.tx.dropped) \(.rx.packets) \(.rx.bytes)"' 2>/dev/null ||
		echo "- - - -"
}
tunpid() { [ -n "${1:-}" ] && [ -f "$run/pids/$1.pid" ] && pidof_ "$1"; }

# measure CFG ROUND tcp|udp : one iperf3 run; appends to $run/results
#   cfg round kind secs bps cpuA cpuB a_tx_pkts a_tx_drop b_rx_pkts b_rx_bytes lost%
measure() {
	local cfg=$1 r=$2 kind=$3 t=$secs pa pb ca0 cb0 ca1 cb1 a0 b0 a1 b1 json tset=() opts=() rc
	local x0 xd0 y0 yb0 x1 xd1 y1 yb1 res
	[ "$kind" = udp ] && t=$usecs opts=(-u -b 0 -l 1372)
	[ -n "${SRC[$cfg]:-}" ] && opts+=(-B "${SRC[$cfg]}")
	[ "$kind" = tcp ] && [ -n "$cc" ] && opts+=(-C "$cc")
	[ "$pin" = 1 ] && tset=(taskset -c 0)
	pa=$(tunpid "${TUNA[$cfg]:-}") pb=$(tunpid "${TUNB[$cfg]:-}")
	for p in a b; do
		if [ -n "${TUNA[$cfg]:-}" ] && ! alive "$([ $p = a ] && echo "${TUNA[$cfg]}" || echo "${TUNB[$cfg]}")"; then
			fail "$cfg" "tunnel process ($p) is gone: $(tail -3 "$run/${TUNA[$cfg]%-a}-$p.err" 2>/dev/null | tr '\n' ' ')"
			return 1
		fi
	done
	json=$run/json/$cfg-$r-$kind.json
	a0=$(counters "${NSA[$cfg]}" "${DEVA[$cfg]}") b0=$(counters "${NSB[$cfg]}" "${DEVB[$cfg]}")
	ca0=$([ -n "$pa" ] && cpu_ticks "$pa" || echo -) cb0=$([ -n "$pb" ] && cpu_ticks "$pb" || echo -)
	timeout $((t + 20)) ip netns exec "${NSA[$cfg]}" "${tset[@]}" iperf3 -c "${DST[$cfg]}" -t "$t" -J \
		--connect-timeout 5000 "${opts[@]}" >"$json" 2>"$run/iperf3-client.err"
	rc=$?
	ca1=$([ -n "$pa" ] && cpu_ticks "$pa" || echo -) cb1=$([ -n "$pb" ] && cpu_ticks "$pb" || echo -)
	a1=$(counters "${NSA[$cfg]}" "${DEVA[$cfg]}") b1=$(counters "${NSB[$cfg]}" "${DEVB[$cfg]}")
	res=$(jq -r 'if .error then "error \(.error)" else
		"ok \(.end.sum_sent.seconds) \(.end.sum_received.bits_per_second) \(.end.sum_received.lost_percent // "-")" end' \
		"$json" 2>/dev/null)
	if [ $rc -ne 0 ] || [ "${res%% *}" != ok ]; then
		log "${LABEL[$cfg]}, round $r, $kind: iperf3 failed (exit $rc): ${res:-$(tail -2 "$run/iperf3-client.err" | tr '\n' ' ')}"
		echo "$cfg $r $kind failed" >>"$run/results"
		# a server left in the middle of a test refuses the next one
		stop "srv-$cfg"
		server_start "$cfg" || true
		return 1
	fi
	read -r x0 xd0 _ _ <<<"$a0"
	read -r _ _ y0 yb0 <<<"$b0"
	read -r x1 xd1 _ _ <<<"$a1"
	read -r _ _ y1 yb1 <<<"$b1"
	read -r _ s bps lost <<<"$res"
	echo "$cfg $r $kind $s $bps $(dif "$ca0" "$ca1") $(dif "$cb0" "$cb1") $(dif "$x0" "$x1") \
$(dif "$xd0" "$xd1") $(dif "$y0" "$y1") $(dif "$yb0" "$yb1") $lost" >>"$run/results"
}
dif() { if [ "$1" = - ] || [ "$2" = - ]; then echo -; else echo $(($2 - $1)); fi; }

# --- main ---------------------------------------------------------------------

# shellcheck source=tests/interop/lib.bash
. "$top/tests/interop/lib.bash"

t_start=$(date +%s)
n=0
for c in $configs; do n=$((n + 1)); done
est=$(((secs + usecs + (usecs > 0 ? 1 : 0)) * rounds * n + 15))
log "configurations: $configs; $rounds round(s) of ${secs} s TCP$([ "$usecs" -gt 0 ] && echo " + ${usecs} s UDP flood"); about $est s"
log "run folder $run"
: >"$run/results"
: >"$run/medians"
: >"$run/kdrops"
for c in $configs; do
	STATUS[$c]=
	case $c in
	veth) setup_veth ;;
	wg) setup_wg ;;
	swan) setup_swan ;;
	gcm) setup_esptun gcm 3 "$ESPTUN" gcm udp ;;
	raw) setup_esptun raw 4 "$ESPTUN" gcm none ;;
	chacha) setup_esptun chacha 5 "$ESPTUN" chacha udp ;;
	cbc) setup_esptun cbc 6 "$ESPTUN" cbc udp ;;
	null) setup_esptun null 7 "$ESPTUN_NULL" gcm udp ;;
	esac
	[ -z "${STATUS[$c]}" ] && log "${LABEL[$c]}: up"
done
if [ "$pin" = 1 ]; then
	for c in $configs; do
		[ -z "${STATUS[$c]}" ] && [ -n "${TUNA[$c]:-}" ] || continue
		taskset -a -p -c 0 "$(tunpid "${TUNA[$c]}")" >/dev/null &&
			taskset -a -p -c 1 "$(tunpid "${TUNB[$c]}")" >/dev/null || log "${LABEL[$c]}: pinning failed"
	done
fi

t_runs=$(date +%s)
for ((r = 1; r <= rounds; r++)); do
	for c in $configs; do
		[ -z "${STATUS[$c]}" ] || continue
		measure "$c" "$r" tcp || continue
		[ "$usecs" -gt 0 ] && measure "$c" "$r" udp
	done
	log "round $r of $rounds done ($(($(date +%s) - t_runs)) s)"
done

# esp-tun's own counters: stop the tunnels first (they write them at exit)
for c in $configs; do
	case $c in gcm | raw | chacha | cbc | null) ;; *) continue ;; esac
	[ -n "${TUNA[$c]:-}" ] || continue
	for s in a b; do
		# drops of esp-tun's own sockets (UDP port 4500, raw IP protocol
		# 50: the last column of /proc/net/{udp,raw}) and of its TUN queue
		udpd=$(ip netns exec "tnb-$id-$c-$s" cat /proc/net/udp 2>/dev/null |
			awk '$2 ~ /:1194$/ { d += $NF } END { print d + 0 }')
		rawd=$(ip netns exec "tnb-$id-$c-$s" cat /proc/net/raw 2>/dev/null |
			awk '$2 ~ /:0032$/ { d += $NF } END { print d + 0 }')
		tund=$(counters "tnb-$id-$c-$s" et0 | cut -d' ' -f2)
		if [ "$c" = raw ]; then
			echo "$c $s raw socket drops $rawd, TUN queue drops $tund" >>"$run/kdrops"
		else
			echo "$c $s UDP 4500 socket drops $udpd, TUN queue drops $tund" >>"$run/kdrops"
		fi
		stop "$c-$s"
	done
done
t_end=$(date +%s)

# --- report ---------------------------------------------------------------------

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
echo
echo "tunnel benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs (${cpu:-unknown}), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(iperf3 --version | head -1 | cut -d' ' -f1-2); $(wireguard-go --version 2>/dev/null | head -1);" \
	"strongSwan $("$CHARON" --version 2>/dev/null | awk '{ print $NF }')"
echo "$rounds round(s), configurations interleaved: iperf3 TCP 1 stream ${secs} s$([ "$usecs" -gt 0 ] && echo ", UDP flood (-b 0 -l 1372) ${usecs} s");" \
	"inner MTU 1400, veth MTU 1500; TCP congestion control ${cc:-$(sysctl -n net.ipv4.tcp_congestion_control 2>/dev/null)};" \
	"pinning: $([ "$pin" = 1 ] && echo "A on CPU 0, B on CPU 1" || echo none)"
echo "took $((t_end - t_start)) s (setup $((t_runs - t_start)) s, runs $((t_end - t_runs)) s)"
echo
awk -v hz="$hz" -v cfgs="$configs" -v rounds="$rounds" -v out="$run/medians" '
function med(list,   n, v, i, j, t) {
	n = split(list, v, " "); if (n == 0) return ""
	for (i = 2; i <= n; i++) { t = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
	lo = v[1]; hi = v[n]
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function add(k, x) { if (x != "") L[k] = L[k] " " x }
$4 == "failed" { F[$1]++; next }
{
	c = $1; k = $3; s = $4
	if (k == "tcp") {
		add(c SUBSEP "gbps", $5 / 1e9)
		add(c SUBSEP "r" $2, $5 / 1e9)
		if ($10 != "-" && c != "veth") add(c SUBSEP "kpps", $10 / s / 1e3)
		if ($6 != "-") add(c SUBSEP "cpua", 100 * $6 / hz / s)
		if ($7 != "-") add(c SUBSEP "cpub", 100 * $7 / hz / s)
	} else {
		add(c SUBSEP "ugbps", $11 * 8 / s / 1e9)
		add(c SUBSEP "ukpps", $10 / s / 1e3)
		add(c SUBSEP "loss", $12)
		if ($6 != "-" && $8 > 0) add(c SUBSEP "usa", 1e6 * $6 / hz / $8)
		if ($7 != "-" && $10 > 0) add(c SUBSEP "usb", 1e6 * $7 / hz / $10)
	}
}
END {
	label["veth"] = "bare veth (no tunnel)"; label["wg"] = "wireguard-go"
	label["swan"] = "strongSwan libipsec AES-GCM"; label["gcm"] = "esp-tun AES-256-GCM, UDP"
	label["raw"] = "esp-tun AES-256-GCM, raw ESP"; label["chacha"] = "esp-tun ChaCha20-Poly1305"
	label["cbc"] = "esp-tun AES-CBC+HMAC-SHA256"; label["null"] = "esp-tun-null (copy), UDP"
	printf "%-30s %-22s %6s %9s | %-20s %6s %6s %11s\n", "config", "TCP Gbit/s (min..max)", "kpps",
		"CPU% A/B", "UDP Gbit/s (min..max)", "kpps", "loss%", "us/pkt A/B"
	n = split(cfgs, C, " ")
	for (i = 1; i <= n; i++) {
		c = C[i]
		if (L[c SUBSEP "gbps"] == "") { printf "%-30s %s\n", label[c], "(not measured)"; continue }
		g = med(L[c SUBSEP "gbps"]); glo = lo; ghi = hi
		tcp = sprintf("%.2f (%.2f..%.2f)", g, glo, ghi)
		kp = L[c SUBSEP "kpps"] == "" ? "-" : sprintf("%.0f", med(L[c SUBSEP "kpps"]))
		cp = L[c SUBSEP "cpua"] == "" ? "-" : sprintf("%.0f/%.0f", med(L[c SUBSEP "cpua"]), med(L[c SUBSEP "cpub"]))
		u = "-"; uk = "-"; lp = "-"; us = "-"
		if (L[c SUBSEP "ugbps"] != "") {
			ug = med(L[c SUBSEP "ugbps"]); u = sprintf("%.2f (%.2f..%.2f)", ug, lo, hi)
			uk = sprintf("%.0f", med(L[c SUBSEP "ukpps"])); lp = sprintf("%.0f", med(L[c SUBSEP "loss"]))
			if (L[c SUBSEP "usa"] != "") us = sprintf("%.2f/%.2f", ua = med(L[c SUBSEP "usa"]), ub = med(L[c SUBSEP "usb"]))
		}
		printf "%-30s %-22s %6s %9s | %-20s %6s %6s %11s%s\n", label[c], tcp, kp, cp, u, uk, lp, us,
			(F[c] ? sprintf("  (%d run(s) failed)", F[c]) : "")
		print c, g, (us == "-" ? "- -" : ua " " ub) >out
		for (r = 1; r <= rounds; r++) { if (L[c SUBSEP "r" r] == "") continue; print c, "r" r, L[c SUBSEP "r" r] + 0 >out }
	}
}' "$run/results"
echo "(TCP: iperf3 receiver Gbit/s; kpps: inner packets out of the tunnel at B; CPU%: each"
echo " tunnel process, all threads, of one CPU; UDP: out of the tunnel at B, IP bytes of 1400-byte"
echo " packets; loss%: iperf3's; us/pkt: CPU of tunnel A per packet it read from its TUN / of"
echo " tunnel B per packet it wrote, kernel work done in its context included)"
for c in $configs; do
	[ -n "${STATUS[$c]}" ] && echo "${LABEL[$c]}: ${STATUS[$c]}"
done

echo
printf '%-40s %8s %14s %10s  %s\n' "ratio" "TCP" "(per round)" "us/pkt A/B" "goal (TCP)"
ratio() {
	local other=$1 label=$2 goal=$3
	awk -v o="$other" -v label="$label" -v goal="$goal" '
	$1 == "gcm" && $2 !~ /^r/ { g = $2; ga = $3; gb = $4; next }
	$1 == "gcm" { R[$2] = $3; next }
	$1 == o && $2 !~ /^r/ { x = $2; xa = $3; xb = $4; next }
	$1 == o { S[$2] = $3 }
	END {
		if (g == "" || x == "" || x == 0) { printf "%-40s %8s %14s %10s  >= %sx (not measured)\n", label, "n/a", "", "", goal; exit }
		lo = ""; hi = ""
		for (k in R) if (k in S && S[k] > 0) { q = R[k] / S[k]; if (lo == "" || q < lo) lo = q; if (hi == "" || q > hi) hi = q }
		us = (ga != "-" && xa != "-" && xa > 0 && xb > 0) ? sprintf("%.2f/%.2f", ga / xa, gb / xb) : "-"
		printf "%-40s %7.2fx %14s %10s  >= %sx %s\n", label, g / x, (lo == "" ? "" : sprintf("(%.2f..%.2f)", lo, hi)), us, goal,
			(g / x >= goal ? "(met)" : "(below goal)")
	}' "$run/medians" 2>/dev/null
}
ratio wg "esp-tun AES-GCM / wireguard-go" 3
ratio swan "esp-tun AES-GCM / strongSwan libipsec" 5
ratio null "esp-tun AES-GCM / esp-tun-null" 0.75
echo "(TCP: ratio of the TCP medians; per round: the same ratio round by round; us/pkt A/B: the"
echo " UDP flood's CPU per packet, esp-tun AES-GCM / the other: below 1 = esp-tun is cheaper)"
# other esp-tun variants against AES-GCM, for reading (no goals)
awk '$2 !~ /^r/ { g[$1] = $2 } END {
	if (g["gcm"] == "") exit
	if (g["raw"] != "") printf "esp-tun raw ESP / UDP: %.2fx", g["raw"] / g["gcm"]
	if (g["chacha"] != "") printf "; ChaCha20-Poly1305 / AES-GCM: %.2fx", g["chacha"] / g["gcm"]
	if (g["cbc"] != "") printf "; AES-CBC+HMAC / AES-GCM: %.2fx", g["cbc"] / g["gcm"]
	if (g["raw"] g["chacha"] g["cbc"] != "") printf " (TCP medians)\n"
}' "$run/medians" 2>/dev/null

# esp-tun --stats of both ends, and the kernel's counters that explain
# packets lost outside esp-tun: its socket's receive buffer full at the
# receiving end (UDP 4500 or raw IP protocol 50; the kernel counts a dropped
# UDP GRO batch once, so with GRO the lost packets are several times the
# count), or its TUN queue full at the sending end (packets esp-tun never
# read, so not in its counters). esp-tun's drop_* should be 0.
shown=0
for c in $configs; do
	case $c in gcm | raw | chacha | cbc | null) ;; *) continue ;; esac
	[ -d "$state/a/$c" ] && [ -n "${TUNA[$c]:-}" ] || continue
	if [ $shown = 0 ]; then
		echo
		echo "esp-tun --stats after the runs (a: 10.92.0.1, iperf3 client; b: 10.92.0.2, server)"
		shown=1
	fi
	[ "$c" = null ] && bin=$ESPTUN_NULL || bin=$ESPTUN
	for s in a b; do
		"$bin" -S "$state/$s" --stats --sa "$c" 2>&1 | sed "s/^/$c $s: /"
		"$bin" -S "$state/$s" --stats --sa "$c" --json >"$run/stats-$c-$s.json" 2>/dev/null
	done
	# "out in drops" of each end
	read -r oa ia da <<<"$(jq -r '"\(.out_packets) \(.in_packets) \([to_entries[] |
		select((.key | startswith("drop_")) and .value != 0) | "\(.key)=\(.value)"] | join(",") |
		if . == "" then "none" else . end)"' "$run/stats-$c-a.json" 2>/dev/null | head -1)"
	read -r ob ib db <<<"$(jq -r '"\(.out_packets) \(.in_packets) \([to_entries[] |
		select((.key | startswith("drop_")) and .value != 0) | "\(.key)=\(.value)"] | join(",") |
		if . == "" then "none" else . end)"' "$run/stats-$c-b.json" 2>/dev/null | head -1)"
	if [ -z "${ob:-}" ] || [ -z "${oa:-}" ]; then
		echo "$c: no --stats --json from both ends"
		continue
	fi
	echo "$c: a -> b: $oa sent, $ib received, $((oa - ib)) lost; b -> a: $ob sent, $ia received, $((ob - ia)) lost;" \
		"esp-tun drops: a $da, b $db"
	echo "$c: kernel: a: $(grep "^$c a " "$run/kdrops" | cut -d' ' -f3-); b: $(grep "^$c b " "$run/kdrops" | cut -d' ' -f3-)"
done
if [ $shown = 1 ]; then
	echo "(kernel: drops at esp-tun's socket when its receive buffer is full, counted once per"
	echo " UDP GRO batch of up to 64 packets; at its TUN queue: packets it never read, in no counter of its)"
fi

fails=0
for c in $configs; do
	case ${STATUS[$c]} in '' | skipped:*) ;; *) fails=1 ;; esac
	grep -q "^$c [0-9]* [a-z]* failed" "$run/results" && fails=1
done
exit $fails
