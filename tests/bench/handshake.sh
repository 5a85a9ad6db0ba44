#!/bin/bash
# tests/bench/handshake.sh: the handshake benchmark (`make bench` runs it after
# run.sh; see README.md here). Root only (network namespaces); without root it
# says so and exits 0.
#
# In three network namespaces made for the run (names hsb-PID-*, removed at
# the end, every process stopped by pid):
#
#   ns hsb-PID-c (client)                    ns hsb-PID-s: charon (responder)
#   192.0.2.1     hsPID-cs  <-- veth -->  hsPID-sc  192.0.2.2
#   198.51.100.1  hsPID-cr  <-- veth -->  hsPID-rc  198.51.100.2
#                                            ns hsb-PID-r: ike-respond
#
# it measures, X25519 + PSK throughout (IKE aes256gcm16-prfsha256-x25519,
# ESP aes256gcm16):
#   1. the X25519 ceiling: dh_new + dh_public + dh_shared per second on one
#      core (build/tools/ike-flood --ceiling); the state directory's cost per
#      SA that comes up and is deleted (sd_create_sa + sd_remove_sa on tmpfs,
#      ike-flood --state-ceiling), which with the X25519 ceiling bounds what a
#      responder keeping its SAs there can reach;
#      handshakes/s (IKE_SA_INIT + IKE_AUTH) of ike-respond and of charon
#      (strongSwan, kernel-libipsec: it also installs a CHILD SA in libipsec
#      per handshake) under the same load generator, build/tools/ike-flood:
#      HS_CONC initiators at once for HS_SECS seconds, each deleting its SA
#      (INFORMATIONAL Delete) once up and starting the next; the responder is
#      pinned to CPU 1 and the flood to CPU 0 (HS_PIN=0: no pinning), and the
#      responder's CPU time is read from /proc, so the figures are also given
#      per CPU-second; ike-respond is run with its state directory on tmpfs
#      (as /run normally is), again on the disk (fsync per SA), and on
#      tmpfs with --dh-reuse HS_DH_REUSE (a key pair per 10 s, RFC 7296 2.12);
#   2. the latency of one ike-initiate establishing with charon (HS_LAT_RUNS
#      runs; process wall time and, from a tcpdump capture, IKE_SA_INIT
#      request to IKE_AUTH response on the wire) and of charon -> charon
#      (swanctl --initiate, same two figures);
#   3. memory per established SA: RSS growth of a fresh ike-respond while the
#      flood brings up HS_MEM_SAS SAs and keeps them (ike-respond's table has
#      a fixed bound, SA_TABLE_MAX: the flood stops when it stops answering,
#      and the count reached is reported), and of charon at that same count.
#
# Knobs (environment): B (build folder), CHARON (/usr/lib/ipsec/charon),
# HS_SECS (8), HS_CONC (48; ike-respond keeps at most 64 half-open SAs),
# HS_LAT_RUNS (30), HS_MEM_SAS (10000), HS_PIN (1), HS_DH_REUSE (10),
# HS_ONLY=mem (part 3 for ike-respond only: no charon, no parts 1, 2),
# HS_KEEP=1 (keep the run
# folder), HS_PERF=1 (perf record ike-respond during its flood and print
# the top of the profile). Not pass/fail: exit 0 unless something could not be set up.
set -u
set -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
respond=$B/bin/ike-respond
initiate=$B/bin/ike-initiate
flood=$B/tools/ike-flood
CHARON=${CHARON:-/usr/lib/ipsec/charon}
secs=${HS_SECS:-8}
conc=${HS_CONC:-48}
lat_runs=${HS_LAT_RUNS:-30}
mem_sas=${HS_MEM_SAS:-10000}
pin=${HS_PIN:-1}
DH_REUSE=${HS_DH_REUSE:-10}
only=${HS_ONLY:-}
case $only in '' | mem) ;; *) echo "handshake: HS_ONLY: mem or unset" >&2; exit 1 ;; esac
IKE=aes256gcm16-prfsha256-x25519
ESP=aes256gcm16

log() { echo "handshake: $*" >&2; }
die() { log "$*"; exit 1; }

if [ "$(id -u)" != 0 ]; then
	log "not root: no network namespaces, handshake benchmark skipped"
	exit 0
fi
for f in "$respond" "$initiate" "$flood"; do
	[ -x "$f" ] || die "$f: not built (make all)"
done
for c in "$CHARON" swanctl tcpdump python3 taskset; do
	command -v "$c" >/dev/null 2>&1 || die "$c: not installed"
done
[ -c /dev/net/tun ] || die "/dev/net/tun missing (kernel-libipsec needs it)"
[ "$(nproc)" -ge 2 ] || pin=0

id=$$
NS_C=hsb-$id-c NS_S=hsb-$id-s NS_R=hsb-$id-r
V_CS=hs$id-cs V_SC=hs$id-sc V_CR=hs$id-cr V_RC=hs$id-rc
[ ${#V_CS} -le 15 ] || die "pid $id too long for interface names"
A_C=192.0.2.1 A_S=192.0.2.2 A_CR=198.51.100.1 A_R=198.51.100.2
NET_C=10.91.1.0/24 NET_S=10.91.2.0/24
run=$(mktemp -d "${TMPDIR:-/tmp}/ikekit-hs.XXXXXX") || die "mktemp failed"
shm=$(mktemp -d /dev/shm/ikekit-hs.XXXXXX) || die "mktemp in /dev/shm failed"
chmod 700 "$run" "$shm"
made_ns=()

# --- processes: by pid file, checked against /proc/PID/comm ----------------

# start NAME COMM NS CMD... : CMD in NS in the background (ip netns exec and
# taskset exec, so $! becomes CMD); pid to $run/NAME.pid
start() {
	local name=$1 comm=$2 ns=$3 pid i=0; shift 3
	ip netns exec "$ns" "$@" </dev/null >"$run/$name.out" 2>"$run/$name.err" &
	pid=$!
	echo "$pid" >"$run/$name.pid"
	while [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "$comm" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! [ -d "/proc/$pid" ]; then
			cat "$run/$name.err" >&2
			return 1
		fi
		sleep 0.01
	done
}

# stop NAME COMM : TERM, wait up to 5 s, then KILL
stop() {
	local f=$run/$1.pid pid i=0
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]; then
		kill -TERM "$pid" 2>/dev/null
		while [ -d "/proc/$pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]; then
			log "$2 ($pid) ignored TERM, sending KILL"
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	rm -f "$f"
}

pidof_() { cat "$run/$1.pid"; }
# cpu_ticks PID : utime + stime (all threads), in clock ticks
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)

cleanup() {
	local ns
	stop tcpdump tcpdump
	stop respond ike-respond
	stop charon-s charon
	stop charon-c charon
	for ns in "${made_ns[@]}"; do
		if [ -n "$(ip netns pids "$ns" 2>/dev/null)" ]; then
			log "processes still in $ns: $(ip netns pids "$ns" | tr '\n' ' ')"
		fi
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$shm"
	if [ "${HS_KEEP:-0}" = 1 ]; then
		log "kept $run"
	else
		rm -rf "$run"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- namespaces -------------------------------------------------------------

for ns in "$NS_C" "$NS_S" "$NS_R"; do
	[ -e "/run/netns/$ns" ] && die "namespace $ns exists already"
	ip netns add "$ns" || die "ip netns add $ns failed"
	made_ns+=("$ns")
	# no IPv6: a link-local address appearing after link-up is a roam
	# event for charon (MOBIKE updates in the middle of a measurement)
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || die "sysctl in $ns failed"
	ip -n "$ns" link set lo up || die "lo up in $ns failed"
done
# made inside the client namespace: nothing ever appears in the root one
ip -n "$NS_C" link add "$V_CS" type veth peer name "$V_SC" netns "$NS_S" &&
	ip -n "$NS_C" link add "$V_CR" type veth peer name "$V_RC" netns "$NS_R" ||
	die "veth creation failed"
ip -n "$NS_C" addr add $A_C/24 dev "$V_CS" && ip -n "$NS_C" addr add $A_CR/24 dev "$V_CR" &&
	ip -n "$NS_C" addr add 10.91.1.1/32 dev lo &&
	ip -n "$NS_S" addr add $A_S/24 dev "$V_SC" && ip -n "$NS_S" addr add 10.91.2.1/32 dev lo &&
	ip -n "$NS_R" addr add $A_R/24 dev "$V_RC" &&
	ip -n "$NS_C" link set "$V_CS" up && ip -n "$NS_C" link set "$V_CR" up &&
	ip -n "$NS_S" link set "$V_SC" up && ip -n "$NS_R" link set "$V_RC" up ||
	die "addresses failed"
ip netns exec "$NS_C" ping -c1 -W2 -q $A_S >/dev/null &&
	ip netns exec "$NS_C" ping -c1 -W2 -q $A_R >/dev/null || die "veths do not answer"

psk='ikekit-handshake-bench-psk-not-secret'
(umask 077 && printf '%s\n' "$psk" >"$run/psk")

# --- charon -------------------------------------------------------------------

# charon_conf SIDE (s: responder, c: initiator for the latency comparison)
charon_conf() {
	local d=$run/charon-$1 sub
	mkdir -p "$d/run" "$d/swanctl"
	for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$d/swanctl/$sub"
	done
	cat >"$d/strongswan.conf" <<EOF
# handshake benchmark charon ($1): quiet logging, DoS thresholds raised
charon {
  load_modular = no
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey curve25519 aes sha2 hmac gcm kdf kernel-libipsec kernel-netlink socket-default vici
  threads = 32
  port = 500
  port_nat_t = 4500
  reuse_ikesa = no
  cookie_threshold = 1000
  cookie_threshold_ip = 1000
  block_threshold = 1001
  init_limit_half_open = 0
  plugins {
    vici {
      socket = unix://$d/charon.vici
    }
    kernel-netlink {
      roam_events = no
    }
  }
  filelog {
    hs {
      path = $d/charon.log
      append = yes
      default = -1
    }
  }
  syslog {
    daemon {
      default = -1
    }
    auth {
      default = -1
    }
  }
}
swanctl {
  load = random openssl pem pkcs1 pkcs8 x509 pubkey
}
EOF
	if [ "$1" = s ]; then
		cat >"$d/swanctl/swanctl.conf" <<EOF
connections {
  bench {
    version = 2
    local_addrs = $A_S
    remote_addrs = %any
    proposals = $IKE
    encap = yes
    mobike = no
    unique = never
    local {
      auth = psk
      id = $A_S
    }
    remote {
      auth = psk
      id = %any
    }
    children {
      net {
        local_ts = $NET_S
        remote_ts = $NET_C
        esp_proposals = $ESP
        mode = tunnel
      }
    }
  }
}
secrets {
  ike-any {
    secret = "$psk"
  }
}
EOF
	else
		cat >"$d/swanctl/swanctl.conf" <<EOF
connections {
  lat {
    version = 2
    local_addrs = $A_C
    remote_addrs = $A_S
    proposals = $IKE
    encap = yes
    mobike = no
    unique = never
    local {
      auth = psk
      id = $A_C
    }
    remote {
      auth = psk
      id = %any
    }
    children {
      net {
        local_ts = $NET_C
        remote_ts = $NET_S
        esp_proposals = $ESP
        mode = tunnel
        start_action = none
      }
    }
  }
}
secrets {
  ike-any {
    secret = "$psk"
  }
}
EOF
	fi
	chmod 600 "$d/swanctl/swanctl.conf"
}

sw() {
	local d=$run/charon-$1; shift
	STRONGSWAN_CONF=$d/strongswan.conf timeout 30 swanctl "$@" --uri "unix://$d/charon.vici"
}

# charon_start SIDE NS CPU : charon with /run bind-mounted to its own folder
# (its pid file is hard-wired), pinned to CPU unless that is empty
charon_start() {
	local d=$run/charon-$1 i=0 tset=()
	[ -n "$3" ] && tset=(taskset -c "$3")
	charon_conf "$1"
	# shellcheck disable=SC2016 # $1, $2 are sh -c's arguments
	STRONGSWAN_CONF=$d/strongswan.conf start "charon-$1" charon "$2" \
		sh -c 'mount --bind "$1" /run && shift && exec "$@"' sh "$d/run" \
		"${tset[@]}" "$CHARON" || { log "charon ($1) did not start"; return 1; }
	until [ -S "$d/charon.vici" ]; do
		i=$((i + 1))
		[ $i -lt 200 ] || { log "charon ($1): no vici socket after 10 s"; return 1; }
		sleep 0.05
	done
	sw "$1" --load-all --noprompt --file "$d/swanctl/swanctl.conf" >"$d/load.out" 2>&1 ||
		{ cat "$d/load.out" >&2; log "swanctl --load-all ($1) failed"; return 1; }
}

rcpu=
fcpu=
if [ "$pin" = 1 ]; then rcpu=1 fcpu=0; fi
tset_r=() tset_f=()
[ -n "$rcpu" ] && tset_r=(taskset -c "$rcpu") tset_f=(taskset -c "$fcpu")

# DoS thresholds raised as charon's are, where ike-respond has them
dos=()
if "$respond" -h 2>&1 | grep -q -- --cookie-threshold; then
	dos=(--cookie-threshold 1000 --half-open-max 1000)
fi

# respond_start STATEDIR [ARGS...] : a fresh ike-respond on 198.51.100.2
respond_start() {
	local i=0 dir=$1
	shift
	mkdir -p "$dir"
	start respond ike-respond "$NS_R" "${tset_r[@]}" "$respond" --local $A_R \
		--psk-file "$run/psk" --ike $IKE --esp $ESP --ts $NET_S -S "$dir" "${dos[@]}" "$@" ||
		{ log "ike-respond did not start"; return 1; }
	until ip netns exec "$NS_R" ss -Hlun 2>/dev/null | grep -q "$A_R:4500 "; do
		i=$((i + 1))
		[ $i -lt 100 ] || { log "ike-respond not listening after 5 s"; return 1; }
		sleep 0.05
	done
}

# flood_run NAME PEER PID ARGS... : the flood against PEER while reading
# PID's CPU time; appends "NAME|flood line|responder cpu s|" to $run/results
flood_run() {
	local name=$1 peer=$2 pid=$3 c0 c1 line; shift 3
	c0=$(cpu_ticks "$pid")
	line=$(ip netns exec "$NS_C" "${tset_f[@]}" "$flood" --peer "$peer" \
		--psk-file "$run/psk" --ike $IKE --esp $ESP --ts "$NET_C=$NET_S" \
		--encap "$@" 2>"$run/flood-$name.err") || { cat "$run/flood-$name.err" >&2; return 1; }
	c1=$(cpu_ticks "$pid")
	echo "$name|$line|$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN { printf "%.3f", (b - a) / hz }')" \
		>>"$run/results"
	log "$name: $line, responder cpu $(tail -1 "$run/results" | cut -d'|' -f3) s"
}

: >"$run/results"
t_start=$(date +%s)
log "namespaces $NS_C $NS_S $NS_R; run folder $run"
if [ -z "$only" ]; then	# parts 1 and 2
charon_start s "$NS_S" "$rcpu" || exit 1
respond_start "$shm/state" || exit 1

# 1. throughput ----------------------------------------------------------------
line=$("${tset_r[@]}" "$flood" --ceiling 2) || die "ceiling failed"
echo "ceiling|$line|" >>"$run/results"
log "$line"
line=$("${tset_r[@]}" "$flood" --state-ceiling 2 "$shm/state-ceiling") || die "state ceiling failed"
echo "state|$line|" >>"$run/results"
log "$line"
if [ "${HS_PERF:-0}" = 1 ] && command -v perf >/dev/null 2>&1; then
	perf record -q -g -o "$run/perf-respond.data" -p "$(pidof_ respond)" \
		>"$run/perf.out" 2>&1 &
	echo $! >"$run/perf.pid"
fi
flood_run respond "$A_R" "$(pidof_ respond)" -c "$conc" -t "$secs" || exit 1
if [ -f "$run/perf.pid" ]; then
	ppid_=$(cat "$run/perf.pid")
	[ "$(cat "/proc/$ppid_/comm" 2>/dev/null)" = perf ] && kill -INT "$ppid_"
	wait "$ppid_" 2>/dev/null
	rm -f "$run/perf.pid"
	{
		perf report -i "$run/perf-respond.data" --stdio --no-children --sort dso \
			-g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -6
		echo "  by system call (kernel samples under it; [other]: user space, softirq)"
		perf report -i "$run/perf-respond.data" --stdio --no-children --sort parent \
			--parent '__x64_sys_[a-z0-9_]+|__do_sys_[a-z0-9_]+' -g none 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -14
	} >"$run/perf-respond.txt"
fi
flood_run charon "$A_S" "$(pidof_ charon-s)" -c "$conc" -t "$secs" || exit 1
stop respond ike-respond
respond_start "$run/state-disk" || exit 1
flood_run respond-disk "$A_R" "$(pidof_ respond)" -c "$conc" -t "$(((secs + 1) / 2))" || exit 1
stop respond ike-respond
if "$respond" -h 2>&1 | grep -q -- --dh-reuse; then
	respond_start "$shm/state-reuse" --dh-reuse "$DH_REUSE" || exit 1
	flood_run respond-reuse "$A_R" "$(pidof_ respond)" -c "$conc" -t "$secs" || exit 1
	stop respond ike-respond
fi

# 2. latency ---------------------------------------------------------------------
start tcpdump tcpdump "$NS_S" tcpdump --immediate-mode -U -n -i "$V_SC" -w "$run/lat.pcap" \
	'udp port 500 or udp port 4500' || die "tcpdump did not start"
sleep 0.5
lat_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", (b - a) / 1e6 }'; }
: >"$run/lat-ours"
for ((i = 0; i < lat_runs; i++)); do
	t0=$(date +%s%N)
	ip netns exec "$NS_C" "$initiate" --peer $A_S --psk-file "$run/psk" --ike $IKE \
		--esp $ESP --ts "$NET_C=$NET_S" -S "$shm/init-state" --timeout 10 \
		>/dev/null 2>>"$run/initiate.err" || { cat "$run/initiate.err" >&2; die "ike-initiate failed"; }
	t1=$(date +%s%N)
	lat_ms "$t0" "$t1" >>"$run/lat-ours"
done
boundary=$(date +%s.%N)
charon_start c "$NS_C" "" || exit 1
: >"$run/lat-charon"
for ((i = 0; i < lat_runs; i++)); do
	t0=$(date +%s%N)
	sw c --initiate --ike lat --child net --timeout 10 >>"$run/swanctl.out" 2>&1 ||
		{ tail "$run/swanctl.out" >&2; die "swanctl --initiate failed"; }
	t1=$(date +%s%N)
	lat_ms "$t0" "$t1" >>"$run/lat-charon"
done
sleep 1.2	# let tcpdump write its last packets (immediate mode, but be safe)
stop tcpdump tcpdump
stop charon-c charon
# on the wire, per IKE SA (initiator SPI): first IKE_SA_INIT request ->
# IKE_AUTH response; "ours" before the boundary, "charon" after
python3 - "$run/lat.pcap" "$boundary" >"$run/lat-wire" <<'PY' || die "pcap parsing failed"
import struct, sys
path, boundary = sys.argv[1], float(sys.argv[2])
d = open(path, 'rb').read()
magic = struct.unpack('<I', d[:4])[0]
e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
nsec = struct.unpack(e + 'I', d[:4])[0] == 0xa1b23c4d
link = struct.unpack(e + 'I', d[20:24])[0]
off, first, done = 24, {}, {}
while off + 16 <= len(d):
    s, us, cap, _ = struct.unpack(e + 'IIII', d[off:off + 16])
    p = d[off + 16:off + 16 + cap]
    off += 16 + cap
    t = s + us / (1e9 if nsec else 1e6)
    if link == 1:
        p = p[14:]
    elif link == 113:
        p = p[16:]
    if len(p) < 28 or p[0] >> 4 != 4 or p[9] != 17:
        continue
    u = p[(p[0] & 15) * 4:]
    dport = struct.unpack('>H', u[2:4])[0]
    sport = struct.unpack('>H', u[0:2])[0]
    ike = u[8:]
    if 4500 in (sport, dport):
        if ike[:4] != b'\0\0\0\0':
            continue
        ike = ike[4:]
    if len(ike) < 28:
        continue
    ispi, exch, flags = ike[:8], ike[18], ike[19]
    if exch == 34 and not flags & 0x20 and ispi not in first:
        first[ispi] = t
    elif exch == 35 and flags & 0x20 and ispi in first and ispi not in done:
        done[ispi] = t
for k, t0 in first.items():
    if k in done:
        print('%s %.3f' % ('ours' if t0 < boundary else 'charon', (done[k] - t0) * 1000))
PY
fi	# parts 1 and 2

# 3. memory per SA -------------------------------------------------------------------
rm -rf "$shm/state"
respond_start "$shm/state" || exit 1
sleep 0.2
rpid=$(pidof_ respond)
m0=$(rss_kb "$rpid")
flood_run mem-respond "$A_R" "$rpid" -c 64 -n "$mem_sas" --keep --timeout 2 --max-timeouts 64 || exit 1
m1=$(rss_kb "$rpid")
sd_kb=$(du -sk "$shm/state" | cut -f1)
sd_files=$(find "$shm/state" -type f | wc -l)
mem_n=$(awk -F'|' '$1 == "mem-respond" { for (i = 1; i <= split($2, f, " "); i++) if (f[i] ~ /^established=/) { sub(/.*=/, "", f[i]); print f[i] } }' "$run/results")
stop respond ike-respond
echo "mem-respond-rss|$m0 $m1 $mem_n $sd_kb $sd_files|" >>"$run/results"
if [ -z "$only" ]; then
# charon at the same count (a fresh charon: its table holds the latency runs' SAs)
stop charon-s charon
rm -f "$run/charon-s/charon.vici"
charon_start s "$NS_S" "$rcpu" || exit 1
sleep 0.5
cpid=$(pidof_ charon-s)
m0=$(rss_kb "$cpid")
flood_run mem-charon "$A_S" "$cpid" -c 64 -n "${mem_n:-1000}" --keep --timeout 5 --max-timeouts 64 || exit 1
sleep 0.5
m1=$(rss_kb "$cpid")
echo "mem-charon-rss|$m0 $m1|" >>"$run/results"
stop charon-s charon
fi
t_end=$(date +%s)

# --- report ------------------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
sver=$("$CHARON" --version 2>/dev/null | head -1)
[ -n "$sver" ] || sver=$(swanctl --version 2>/dev/null | head -1)
echo
echo "handshake benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs (${cpu:-unknown}), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "IKE $IKE, ESP $ESP, PSK; flood: $conc initiators x ${secs} s, each deleting its SA once up;"
echo "ike-respond options: ${dos[*]:-(defaults)}"
echo "pinning: $([ "$pin" = 1 ] && echo "responder CPU 1, flood CPU 0" || echo none); peer: ${sver:-strongSwan}; took $((t_end - t_start)) s"
report() {
	awk -F'|' -v part="$1" -v asked="$mem_sas" -v reuse="$DH_REUSE" '
function kv(s, k,   n, f, i) {
	n = split(s, f, " ")
	for (i = 1; i <= n; i++) if (index(f[i], k "=") == 1) return substr(f[i], length(k) + 2)
	return ""
}
{ line[$1] = $2; rcpu[$1] = $3 }
END {
	ceil = kv(line["ceiling"], "rate"); ceilc = kv(line["ceiling"], "rate_cpu")
	if (part != 1) { mem(); exit }
	printf "\n1. handshakes/s (IKE_SA_INIT + IKE_AUTH; a Delete exchange after each)\n"
	printf "%-26s %8s %8s %9s %9s %7s %7s %7s %6s\n", "responder", "SAs", "secs", "hs/s", "hs/cpu-s",
		"cpu %", "p50 ms", "p99 ms", "lost"
	n = split("respond respond-disk respond-reuse charon", who, " ")
	label["respond"] = "ike-respond (tmpfs state)"; label["respond-disk"] = "ike-respond (disk, fsync)"
	label["respond-reuse"] = "ike-respond --dh-reuse " reuse
	label["charon"] = "charon 5.9 + libipsec"
	for (i = 1; i <= n; i++) {
		w = who[i]; l = line[w]; if (l == "") continue
		est = kv(l, "established"); s = kv(l, "secs")
		rate[w] = kv(l, "rate"); crate[w] = rcpu[w] > 0 ? est / rcpu[w] : 0
		printf "%-26s %8d %8.2f %9.0f %9.0f %7.0f %7s %7s %6d\n", label[w], est, s, rate[w], crate[w],
			(s > 0 ? 100 * rcpu[w] / s : 0), kv(l, "p50_ms"), kv(l, "p99_ms"),
			kv(l, "timeouts") + kv(l, "failed")
		fl[w] = kv(l, "cpu")
	}
	printf "(hs/cpu-s: handshakes per CPU-second of the responder process; cpu %%: its CPU use,\n"
	printf " all threads; lost: handshakes that timed out or failed; flood CPU: %s s / %s s)\n",
		fl["respond"], fl["charon"]
	printf "X25519 ceiling (dh_new + dh_public + dh_shared, one core): %.0f /s, %.0f /cpu-s\n", ceil, ceilc
	statec = kv(line["state"], "rate_cpu")
	if (statec > 0 && ceilc > 0) {
		bound = 1 / (1 / ceilc + 1 / statec)
		printf "state directory (an SA of 2 files made and removed, tmpfs, one core): %.0f /cpu-s\n", statec
		printf "X25519 + state directory, nothing else: %.0f /cpu-s = %.0f%% of the X25519 ceiling\n",
			bound, 100 * bound / ceilc
	}
	printf "\n%-44s %9s %9s  %s\n", "ratio", "wall", "cpu", "goal"
	if (rate["charon"] > 0)
		printf "%-44s %8.1fx %8.1fx  >= 3x %s\n", "ike-respond / charon", rate["respond"] / rate["charon"],
			crate["respond"] / crate["charon"], (crate["respond"] / crate["charon"] >= 3 ? "(met)" : "(below goal)")
	if (ceil > 0)
		printf "%-44s %8.0f%% %8.0f%%  >= 60%% %s\n", "ike-respond / X25519 ceiling", 100 * rate["respond"] / ceil,
			100 * crate["respond"] / ceilc, (crate["respond"] / ceilc >= 0.6 ? "(met)" : "(below goal)")
	if (bound > 0)
		printf "%-44s %9s %8.0f%%  (that bound is %.0f%% of the ceiling)\n", "ike-respond / (X25519 + state directory)",
			"", 100 * crate["respond"] / bound, 100 * bound / ceilc
	if (rate["charon"] > 0 && rate["respond-reuse"] > 0)
		printf "%-44s %8.1fx %8.1fx  >= 3x %s\n", "ike-respond --dh-reuse " reuse " / charon",
			rate["respond-reuse"] / rate["charon"], crate["respond-reuse"] / crate["charon"],
			(crate["respond-reuse"] / crate["charon"] >= 3 ? "(met)" : "(below goal)")
	if (ceil > 0 && rate["respond-reuse"] > 0)
		printf "%-44s %8.0f%% %8.0f%%  (the ceiling makes a key pair per handshake)\n",
			"ike-respond --dh-reuse " reuse " / ceiling", 100 * rate["respond-reuse"] / ceil,
			100 * crate["respond-reuse"] / ceilc
	if (ceil > 0 && rate["respond-disk"] > 0)
		printf "%-44s %8.0f%% %8.0f%%\n", "ike-respond, state on disk / X25519 ceiling",
			100 * rate["respond-disk"] / ceil, 100 * crate["respond-disk"] / ceilc
	ke = kv(line["mem-respond"], "established"); kc = kv(line["mem-charon"], "established")
	if (rcpu["mem-respond"] > 0 && rcpu["mem-charon"] > 0)
		printf "%-44s %9s %8.1fx  (%d / %d SAs kept up: %.0f vs %.0f hs/cpu-s; few samples)\n",
			"ike-respond / charon, no Delete", "", (ke / rcpu["mem-respond"]) / (kc / rcpu["mem-charon"]),
			ke, kc, ke / rcpu["mem-respond"], kc / rcpu["mem-charon"]
}
function mem(   m, c, ce) {
	split(line["mem-respond-rss"], m, " "); split(line["mem-charon-rss"], c, " ")
	printf "\n3. memory per established SA\n"
	if (m[3] > 0) {
		printf "ike-respond: %d SAs up of %s asked%s, RSS %d -> %d KiB: %.1f KiB per SA;\n",
			m[3], asked, (m[3] < asked ? " (its table bound: then no answer)" : ""), m[1], m[2], (m[2] - m[1]) / m[3]
		printf "             state dir (tmpfs) %d KiB in %d files: %.1f KiB per SA more\n", m[4], m[5], m[4] / m[3]
	}
	ce = kv(line["mem-charon"], "established")
	if (ce > 0)
		printf "charon:      %d IKE + CHILD SAs up, RSS %d -> %d KiB: %.1f KiB per SA\n", ce, c[1], c[2],
			(c[2] - c[1]) / ce
}' "$run/results"
}
if [ -n "$only" ]; then
	report 3
	exit 0
fi
report 1
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; else printf "-" }'; }
echo
echo "2. latency of one IKE SA + CHILD SA, median of $lat_runs (ms)"
printf '%-36s %12s %12s\n' "initiator -> charon responder" "wall" "on the wire"
printf '%-36s %12s %12s\n' "ike-initiate (process)" "$(median <"$run/lat-ours")" \
	"$(awk '$1 == "ours" { print $2 }' "$run/lat-wire" | median)"
printf '%-36s %12s %12s\n' "charon (swanctl --initiate)" "$(median <"$run/lat-charon")" \
	"$(awk '$1 == "charon" { print $2 }' "$run/lat-wire" | median)"
echo "(wall: the whole command, process start included; on the wire: IKE_SA_INIT request to"
echo " IKE_AUTH response, from a capture at the responder)"
report 3
if [ -s "$run/perf-respond.txt" ]; then
	echo
	echo "profile of ike-respond under the flood (perf, self time: by object, then by system call)"
	cat "$run/perf-respond.txt"
fi
exit 0
