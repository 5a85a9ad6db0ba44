# shellcheck shell=bash
# lib.bash: the interop harness. Two network namespaces joined by a veth, one
# strongSwan charon (kernel-libipsec: ESP in userspace, ESP-in-UDP/4500) in
# each, swanctl helpers, a tcpdump capture in the left namespace, and the
# converter from charon's key log to Wireshark's key files (the files
# `ike-decode --keys DIR` reads too).  Source it (bash only):
#
#   . tests/interop/lib.bash
#   ikx_init                  # names, run dir; installs nothing yet
#   trap ikx_down EXIT        # (or call ikx_down from bats teardown)
#   ikx_suite gcm             # proposals etc. (gcm|cbc|chacha|frag|ipv6)
#   ikx_up                    # namespaces + both charons + configs loaded
#   ikx_capture_start "$out/capture.pcap"
#   ikx_initiate; ikx_ping 3; ikx_rekey_child; ikx_rekey_ike; ikx_terminate
#   ikx_capture_stop
#   ikx_keys "$(ikx_dir left)/charon.log" "$out"     # ikev2_decryption_table, esp_sa
#   ikx_tshark "$out" -r "$out/capture.pcap" ...      # tshark with those keys
#   ikx_down
#
# Topology (names unique per run: IKX_ID, the pid of the shell that called ikx_init):
#   ns ikx-ID-l: veth ikxID-l 192.0.2.1/24, inner host 10.91.1.1 (on lo), net 10.91.1.0/24
#   ns ikx-ID-r: veth ikxID-r 192.0.2.2/24, inner host 10.91.2.1 (on lo), net 10.91.2.0/24
# Runtime files under IKX_RUN (a fresh mktemp -d below /tmp): per side
# strongswan.conf, swanctl/swanctl.conf, charon.vici, charon.log, charon.pid,
# run/ (bind-mounted over /run in that charon's mount namespace, because
# charon's /var/run/charon.pid is hard-wired).
#
# Knobs: IKX_PSK (lab key), IKX_IKE_PROPOSALS / IKX_ESP_PROPOSALS (or
# ikx_suite), IKX_AUTH (psk | pubkey: a lab CA and RSA certificates made with
# openssl in IKX_RUN/pki), IKX_FRAGMENT_SIZE (charon.fragment_size; empty:
# charon's default), IKX_FAMILY (4 | 6: IPv6 outer addresses and inner
# networks, see ikx_family), CHARON (/usr/lib/ipsec/charon), IKX_KEEP=1
# (ikx_down keeps IKX_RUN), IKX_WIRE (0: no capture of the run, see
# ikx_wire_start).  Every wait is bounded; processes are stopped by pid
# after checking /proc/PID/comm, never by name.

IKX_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$IKX_LIB_DIR/../.." && pwd)}
CHARON=${CHARON:-/usr/lib/ipsec/charon}
IKX_PSK=${IKX_PSK:-ikekit-interop-lab-psk-not-secret}
IKX_IKE_PROPOSALS=${IKX_IKE_PROPOSALS:-aes256gcm16-prfsha256-x25519}
IKX_ESP_PROPOSALS=${IKX_ESP_PROPOSALS:-aes256gcm16}
IKX_AUTH=${IKX_AUTH:-psk}
IKX_FRAGMENT_SIZE=${IKX_FRAGMENT_SIZE:-}
IKX_FAMILY=${IKX_FAMILY:-4}

# read through ikx_var
# shellcheck disable=SC2034
IKX_ADDR_left=192.0.2.1   IKX_ADDR_right=192.0.2.2
IKX_HOST_left=10.91.1.1   IKX_HOST_right=10.91.2.1
# shellcheck disable=SC2034
IKX_NET_left=10.91.1.0/24 IKX_NET_right=10.91.2.0/24
IKX_PLEN=24

# ikx_family 4|6 : the addresses of the topology.  6: veth 2001:db8::1/64 ⇄
# 2001:db8::2/64, inner hosts fd00:91:1::1 / fd00:91:2::1, tunnel
# fd00:91:1::/64 ⇄ fd00:91:2::/64 (IPv6 is then enabled in the namespaces, with
# duplicate address detection off, and roam_events = no still keeps link-local
# addresses from becoming MOBIKE updates)
# (IKX_ADDR_*, IKX_HOST_*, IKX_NET_* are read through ikx_var)
# shellcheck disable=SC2034
ikx_family() {
	case $1 in
	4)
		IKX_FAMILY=4 IKX_PLEN=24
		IKX_ADDR_left=192.0.2.1   IKX_ADDR_right=192.0.2.2
		IKX_HOST_left=10.91.1.1   IKX_HOST_right=10.91.2.1
		IKX_NET_left=10.91.1.0/24 IKX_NET_right=10.91.2.0/24 ;;
	6)
		IKX_FAMILY=6 IKX_PLEN=64
		IKX_ADDR_left=2001:db8::1      IKX_ADDR_right=2001:db8::2
		IKX_HOST_left=fd00:91:1::1     IKX_HOST_right=fd00:91:2::1
		IKX_NET_left=fd00:91:1::/64    IKX_NET_right=fd00:91:2::/64 ;;
	*) ikx_fail "unknown address family '$1' (4, 6)"; return 1 ;;
	esac
}
[ "$IKX_FAMILY" = 4 ] || ikx_family "$IKX_FAMILY"

ikx_log() { echo "${IKX_PROG:-${0##*/}}: $*" >&2; }
ikx_fail() { ikx_log "$*"; return 1; }

# ikx_var NAME SIDE -> value of IKX_NAME_SIDE
ikx_var() { local v="IKX_${1}_$2"; printf '%s' "${!v}"; }
ikx_other() { if [ "$1" = left ]; then echo right; else echo left; fi; }
ikx_dir() { printf '%s/%s' "$IKX_RUN" "$1"; }
ikx_uri() { printf 'unix://%s/charon.vici' "$(ikx_dir "$1")"; }

# ikx_is_root: true when we may make namespaces
ikx_is_root() { [ "$(id -u)" = 0 ]; }

# ikx_init : choose this run's names (from the calling shell's pid, unique
# among running processes) and make its runtime folder
ikx_init() {
	IKX_ID=$BASHPID
	IKX_NS_left=ikx-$IKX_ID-l IKX_NS_right=ikx-$IKX_ID-r
	IKX_VETH_left=ikx$IKX_ID-l IKX_VETH_right=ikx$IKX_ID-r
	[ ${#IKX_VETH_left} -le 15 ] || { ikx_fail "IKX_ID '$IKX_ID' too long for an interface name"; return 1; }
	IKX_RUN=$(mktemp -d "/tmp/ikx-$IKX_ID.XXXXXX") || return 1
	chmod 700 "$IKX_RUN"
}

# ikx_suite gcm|cbc|chacha|frag|ipv6 : the proposals of one cipher suite
# (frag: gcm with certificates and fragment_size 512, so IKE_AUTH is sent in
# SKF fragments, RFC 7383; ipv6: gcm over IPv6, see ikx_family)
ikx_suite() {
	IKX_AUTH=psk IKX_FRAGMENT_SIZE=
	ikx_family 4
	case $1 in
	gcm)    IKX_IKE_PROPOSALS=aes256gcm16-prfsha256-x25519 IKX_ESP_PROPOSALS=aes256gcm16 ;;
	cbc)    IKX_IKE_PROPOSALS=aes256-sha256-x25519 IKX_ESP_PROPOSALS=aes256-sha256 ;;
	chacha) IKX_IKE_PROPOSALS=chacha20poly1305-prfsha256-x448 IKX_ESP_PROPOSALS=chacha20poly1305 ;;
	frag)   IKX_IKE_PROPOSALS=aes256gcm16-prfsha256-x25519 IKX_ESP_PROPOSALS=aes256gcm16
	        IKX_AUTH=pubkey IKX_FRAGMENT_SIZE=512 ;;
	ipv6)   IKX_IKE_PROPOSALS=aes256gcm16-prfsha256-x25519 IKX_ESP_PROPOSALS=aes256gcm16
	        ikx_family 6 ;;
	*) ikx_fail "unknown suite '$1' (gcm, cbc, chacha, frag, ipv6)"; return 1 ;;
	esac
}

# ikx_sw SIDE ARGS... : swanctl against SIDE's charon
ikx_sw() {
	local side=$1; shift
	STRONGSWAN_CONF="$(ikx_dir "$side")/strongswan.conf" \
		timeout 30 swanctl "$@" --uri "$(ikx_uri "$side")"
}

# ikx_in SIDE CMD... : run CMD inside SIDE's namespace
ikx_in() { local ns; ns=$(ikx_var NS "$1"); shift; ip netns exec "$ns" "$@"; }

# --- namespaces -------------------------------------------------------------

ikx_netns_up() {
	ikx_is_root || { ikx_fail "must run as root (network namespaces, TUN)"; return 1; }
	[ -c /dev/net/tun ] || { ikx_fail "/dev/net/tun missing (kernel-libipsec needs TUN)"; return 1; }
	local s ns dev
	for s in left right; do
		ns=$(ikx_var NS $s)
		if [ -e "/run/netns/$ns" ]; then
			ikx_fail "namespace $ns exists already (another run with IKX_ID=$IKX_ID?)"; return 1
		fi
		ip netns add "$ns" || { ikx_fail "ip netns add $ns failed"; return 1; }
		echo "$ns" >>"$IKX_RUN/netns"
		if [ "$IKX_FAMILY" = 6 ]; then
			# IPv6 on, but no duplicate address detection (addresses
			# usable at once, not "tentative"); set before the veth
			# arrives so it inherits it.  roam_events = no keeps the
			# link-local addresses out of charon's MOBIKE logic.
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
				net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.all.accept_dad=0 \
				net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.accept_ra=0 || return 1
		else
			# no IPv6 at all (IPv4 tests): a link-local address
			# appearing on the veth a second after link-up is a roam event for
			# charon, which then sends a MOBIKE update in the middle of a capture
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
				net.ipv6.conf.default.disable_ipv6=1 || return 1
		fi
		ip -n "$ns" link set lo up || return 1
	done
	# create the pair inside the left namespace: nothing ever appears in the
	# root namespace, so an interrupted run leaves nothing behind there
	ip -n "$IKX_NS_left" link add "$IKX_VETH_left" type veth peer name "$IKX_VETH_right" \
		netns "$IKX_NS_right" || { ikx_fail "veth creation failed"; return 1; }
	for s in left right; do
		ns=$(ikx_var NS $s) dev=$(ikx_var VETH $s)
		if [ "$IKX_FAMILY" = 6 ]; then
			ip -n "$ns" addr add "$(ikx_var ADDR $s)/$IKX_PLEN" dev "$dev" nodad || return 1
			ip -n "$ns" addr add "$(ikx_var HOST $s)/128" dev lo nodad || return 1
		else
			ip -n "$ns" addr add "$(ikx_var ADDR $s)/$IKX_PLEN" dev "$dev" || return 1
			ip -n "$ns" addr add "$(ikx_var HOST $s)/32" dev lo || return 1
		fi
		ip -n "$ns" link set "$dev" up || return 1
	done
	ikx_in left timeout 5 ping -c1 -W2 -q "$IKX_ADDR_right" >/dev/null ||
		{ ikx_fail "veth $IKX_ADDR_left -> $IKX_ADDR_right does not answer"; return 1; }
	ikx_wire_start
}

# ikx_wire_start : under bats (or with IKX_WIRE=1; IKX_WIRE=0: never), the
# IKE and ESP packets of the whole run on the left veth go to
# IKX_RUN/wire.pcap, which ikx_keep keeps with a failed test's files; our
# keys are in the state dir there (ike-decode -S DIR --decrypt wire.pcap),
# charon's in its log
ikx_wire_start() {
	[ "${IKX_WIRE:-${BATS_TEST_NAME:+1}}" = 1 ] || return 0
	ikx__tcpdump tcpdump-wire "$IKX_RUN/wire.pcap" \
		'udp port 500 or udp port 4500 or ip proto 50 or ip6 proto 50' ||
		ikx_log "no capture of the run: $(cat "$IKX_RUN/tcpdump-wire.out" 2>/dev/null)"
	return 0
}

# --- processes (by pid file, never by name) ---------------------------------

# ikx_alive PIDFILE COMM : true if the pid in PIDFILE runs and is named COMM
ikx_alive() {
	local pid
	[ -f "$1" ] || return 1
	pid=$(cat "$1" 2>/dev/null)
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]
}

# ikx_stop PIDFILE COMM : TERM, wait up to 5 s, then KILL; removes PIDFILE
ikx_stop() {
	local pid i=0
	if ikx_alive "$1" "$2"; then
		pid=$(cat "$1")
		kill -TERM "$pid" 2>/dev/null
		while [ -d "/proc/$pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		if [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]; then
			ikx_log "$2 ($pid) ignored TERM, sending KILL"
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	rm -f "$1"
}

# ikx_wait_exec PID NAME : wait (≤2 s) until PID has exec'd into NAME
ikx_wait_exec() {
	local i=0
	while [ "$(cat "/proc/$1/comm" 2>/dev/null)" != "$2" ] && [ $i -lt 100 ]; do
		[ -d "/proc/$1" ] || return 1
		sleep 0.02; i=$((i + 1))
	done
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}

# --- configuration ------------------------------------------------------------

# ikx_write_strongswan_conf SIDE
ikx_write_strongswan_conf() {
	local d; d=$(ikx_dir "$1")
	cat >"$d/strongswan.conf" <<EOF
# ikekit interop charon ($1 side of run $IKX_ID), used via STRONGSWAN_CONF:
# /etc/strongswan.conf and /etc/strongswan.d are never read.
charon {
  # kernel-libipsec before kernel-netlink: ESP in userspace (no ESP/GCM in
  # this kernel); kernel-netlink only serves addresses and routes
  load_modular = no
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey curve25519 aes sha2 hmac gcm chapoly kdf kernel-libipsec kernel-netlink socket-default vici
  threads = 32
$( [ -z "$IKX_FRAGMENT_SIZE" ] || printf '  # IKE messages larger than this (IP datagram) go in SKF fragments\n  fragment_size = %s\n' "$IKX_FRAGMENT_SIZE")
  port = 500
  port_nat_t = 4500
  plugins {
    vici {
      socket = unix://$d/charon.vici
    }
    kernel-netlink {
      # no MOBIKE address updates on interface/route events (ipsec0 and its
      # routes come and go with the tunnel): captures stay the same each run
      roam_events = no
    }
  }
  filelog {
    ikx {
      path = $d/charon.log
      time_format = %H:%M:%S
      ike_name = yes
      append = yes
      flush_line = yes
      default = 1
      # ike 4: SK_* (and the PSK: lab keys only); chd 4: ESP keys;
      # mgr 2: "checkin IKEv2 SA ... with SPIs", the IKE SPIs of those keys;
      # enc 1: "parsed IKE_AUTH request 1 [ IDi ... ]"
      ike = 4
      chd = 4
      mgr = 2
      knl = 2
      enc = 1
      net = 1
      cfg = 1
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
}

# ikx_pki : a lab CA and one RSA-2048 certificate per side (subject CN and
# subjectAltName IP = the side's address, its IKE ID) in IKX_RUN/pki; made
# fresh each run, never kept.  Big enough (CERT + CERTREQ + AUTH) to make
# IKE_AUTH exceed a small fragment_size.
ikx_pki() {
	local p=$IKX_RUN/pki s
	[ -f "$p/right.crt" ] && return 0
	mkdir -p "$p" && chmod 700 "$p" || return 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$p/ca.key" -out "$p/ca.crt" \
		-subj "/O=ikekit interop lab/CN=ikx lab CA" -days 30 \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		>"$p/openssl.out" 2>&1 || { cat "$p/openssl.out" >&2; ikx_fail "openssl: CA failed"; return 1; }
	for s in left right; do
		printf 'subjectAltName = IP:%s\n' "$(ikx_var ADDR $s)" >"$p/$s.ext" || return 1
		if ! openssl req -new -newkey rsa:2048 -nodes -keyout "$p/$s.key" -out "$p/$s.csr" \
			-subj "/O=ikekit interop lab/CN=$(ikx_var ADDR $s)" >>"$p/openssl.out" 2>&1 ||
			! openssl x509 -req -in "$p/$s.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial \
				-days 30 -extfile "$p/$s.ext" -out "$p/$s.crt" >>"$p/openssl.out" 2>&1; then
			cat "$p/openssl.out" >&2; ikx_fail "openssl: certificate for $s failed"; return 1
		fi
	done
}

# ikx_write_swanctl_conf SIDE : connection "ikx", child "net"
ikx_write_swanctl_conf() {
	local side=$1 other sd sub
	other=$(ikx_other "$side")
	sd="$(ikx_dir "$side")/swanctl"
	# swanctl --file scans the file's folder for these
	for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$sd/$sub"
	done
	if [ "$IKX_AUTH" = pubkey ]; then
		ikx_pki || return 1
		cp "$IKX_RUN/pki/ca.crt" "$sd/x509ca/" && cp "$IKX_RUN/pki/$side.crt" "$sd/x509/" &&
			(umask 077 && cp "$IKX_RUN/pki/$side.key" "$sd/private/") || return 1
	fi
	case $IKX_PSK in *\"*) ikx_fail "IKX_PSK must not contain '\"'"; return 1 ;; esac
	(
		umask 077
		cat >"$sd/swanctl.conf" <<EOF
connections {
  ikx {
    version = 2
    local_addrs = $(ikx_var ADDR "$side")
    remote_addrs = $(ikx_var ADDR "$other")
    proposals = $IKX_IKE_PROPOSALS
    encap = yes
    unique = never
    fragmentation = yes
    local {
      auth = $IKX_AUTH
      id = $(ikx_var ADDR "$side")$( [ "$IKX_AUTH" != pubkey ] || printf '\n      certs = %s.crt' "$side")
    }
    remote {
      auth = $IKX_AUTH
      id = $(ikx_var ADDR "$other")
    }
    children {
      net {
        local_ts = $(ikx_var NET "$side")
        remote_ts = $(ikx_var NET "$other")
        esp_proposals = $IKX_ESP_PROPOSALS
        mode = tunnel
        start_action = none
      }
    }
  }
}
secrets {
  ike-ikx {
    id-local = $(ikx_var ADDR "$side")
    id-remote = $(ikx_var ADDR "$other")
    secret = "$IKX_PSK"
  }
}
EOF
	)
}

# ikx_load SIDE : load swanctl.conf into SIDE's charon
ikx_load() {
	local d; d=$(ikx_dir "$1")
	ikx_sw "$1" --load-all --noprompt --file "$d/swanctl/swanctl.conf" >"$d/swanctl-load.out" 2>&1 ||
		{ cat "$d/swanctl-load.out" >&2; ikx_fail "swanctl --load-all failed on $1"; }
}

# --- charon -------------------------------------------------------------------

# ikx_charon_start SIDE
ikx_charon_start() {
	local d i=0 pid
	d=$(ikx_dir "$1")
	mkdir -p "$d/run"
	ikx_write_strongswan_conf "$1" || return 1
	: >"$d/charon.log"
	# 'ip netns exec' makes a private mount namespace; bind our folder over
	# /run there.  ip, sh and charon exec in turn, so $! is charon's pid.
	# shellcheck disable=SC2016 # $1, $2 are sh -c's arguments
	STRONGSWAN_CONF="$d/strongswan.conf" ip netns exec "$(ikx_var NS "$1")" \
		sh -c 'mount --bind "$1" /run && exec "$2"' sh "$d/run" "$CHARON" \
		</dev/null >"$d/charon.out" 2>&1 &
	pid=$!
	echo "$pid" >"$d/charon.pid"
	until [ -S "$d/charon.vici" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! [ -d "/proc/$pid" ]; then
			cat "$d/charon.out" "$d/charon.log" >&2 2>/dev/null
			ikx_fail "charon on $1 did not come up within 10 s (see $d/charon.log)"; return 1
		fi
		sleep 0.05
	done
	ikx_wait_exec "$pid" charon || { ikx_fail "pid $pid of $1 is not a charon"; return 1; }
}

ikx_charon_stop() { ikx_stop "$(ikx_dir "$1")/charon.pid" charon; }

# ikx_up : namespaces, both charons, configurations loaded (nothing initiated)
ikx_up() {
	[ -n "${IKX_RUN:-}" ] || ikx_init || return 1
	ikx_netns_up || return 1
	local side
	for side in left right; do
		ikx_charon_start "$side" || return 1
		ikx_write_swanctl_conf "$side" || return 1
		ikx_load "$side" || return 1
	done
}

# ikx_down : stop everything this run started, delete its namespaces and (unless
# IKX_KEEP=1) its runtime folder.  Idempotent, safe on a half-made setup.
ikx_down() {
	[ -n "${IKX_RUN:-}" ] && [ -d "$IKX_RUN" ] || return 0
	local f name ns left_over
	for f in "$IKX_RUN"/pids/*.pid; do
		[ -f "$f" ] || continue
		name=$(basename "$f" .pid)     # COMM-purpose.pid, COMM in .comm
		ikx_stop "$f" "$(cat "${f%.pid}.comm" 2>/dev/null || echo "${name%%-*}")"
	done
	ikx_charon_stop left
	ikx_charon_stop right
	if [ -f "$IKX_RUN/netns" ]; then
		while read -r ns; do
			left_over=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
			[ -z "$left_over" ] || ikx_log "still running in $ns (not stopped): $left_over"
			ip netns del "$ns" 2>/dev/null
		done <"$IKX_RUN/netns"
		rm -f "$IKX_RUN/netns"
	fi
	if [ "${IKX_KEEP:-0}" = 1 ]; then
		ikx_log "kept $IKX_RUN"
	else
		case $IKX_RUN in /tmp/ikx-?*) rm -rf "$IKX_RUN" ;; esac
	fi
	return 0
}

# ikx_failed : in a bats teardown, the test ran (IKX_RUN, W) and failed:
# the cue to gather what explains the failure into W, then ikx_keep
ikx_failed() {
	[ -n "${IKX_RUN:-}" ] && [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -d "${W:-}" ]
}

# ikx_keep : W, and the run's capture (ikx_wire_start), copied to
# ${IKEKIT_ARTIFACTS:-IKEKIT_TOP/artifacts}/TEST-NAME (the test's
# description, made a file name), which the TAP stream names
ikx_keep() {
	local name dst
	if [ -f "$IKX_RUN/pids/tcpdump-wire.pid" ]; then
		ikx_stop "$IKX_RUN/pids/tcpdump-wire.pid" tcpdump
		cp "$IKX_RUN/wire.pcap" "$W/wire.pcap" 2>/dev/null
	fi
	name=$(printf '%s' "$BATS_TEST_DESCRIPTION" | tr -cs 'A-Za-z0-9_.-' '-' | sed 's/-*$//')
	dst=${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/$name
	rm -rf "$dst"
	mkdir -p "$dst" && cp -a "$W"/. "$dst"/ && echo "# artifacts: $dst" >&3
}

# --- background helpers and capture -------------------------------------------

# ikx_bg NAME SIDE CMD... : CMD in SIDE's namespace, in the background; output
# to $IKX_RUN/NAME.out, pid to $IKX_RUN/pids/NAME.pid and the command's name
# (what /proc/PID/comm will say: at most 15 bytes) to pids/NAME.comm
ikx_bg() {
	local name=$1 side=$2 pid comm; shift 2
	comm=$(basename "$1")
	comm=${comm:0:15}
	mkdir -p "$IKX_RUN/pids"
	ip netns exec "$(ikx_var NS "$side")" "$@" </dev/null >"$IKX_RUN/$name.out" 2>&1 &
	pid=$!
	echo "$pid" >"$IKX_RUN/pids/$name.pid"
	echo "$comm" >"$IKX_RUN/pids/$name.comm"
	ikx_wait_exec "$pid" "$comm"
}

# ikx__tcpdump NAME FILE FILTER : tcpdump (ikx_bg NAME) on the left veth,
# every packet FILTER takes written to FILE as it comes
ikx__tcpdump() {
	ikx_bg "$1" left tcpdump --immediate-mode -U -n -s 0 -i "$IKX_VETH_left" -w "$2" "$3"
}

# ikx_capture_start FILE : tcpdump on the left veth, IKE and ESP only
ikx_capture_start() {
	local i=0
	ikx__tcpdump tcpdump-cap "$1" 'udp port 500 or udp port 4500 or ip proto 50' ||
		{ cat "$IKX_RUN/tcpdump-cap.out" >&2; ikx_fail "tcpdump did not start"; return 1; }
	# "listening on ..." once the filter is attached
	until grep -q 'listening on' "$IKX_RUN/tcpdump-cap.out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! ikx_alive "$IKX_RUN/pids/tcpdump-cap.pid" tcpdump; then
			cat "$IKX_RUN/tcpdump-cap.out" >&2
			ikx_fail "tcpdump not listening after 5 s"; return 1
		fi
		sleep 0.05
	done
}

# ikx_capture_stop : wait for the last packets to be written, stop tcpdump
ikx_capture_stop() {
	sleep 1.2
	ikx_stop "$IKX_RUN/pids/tcpdump-cap.pid" tcpdump
}

# --- swanctl steps (left initiates) -------------------------------------------

# ikx_child_spis SIDE : "in/out" SPIs of the INSTALLED CHILD SAs, one per line
ikx_child_spis() {
	ikx_sw "$1" --list-sas --ike ikx 2>/dev/null | awk '
		/^  net: #[0-9]+, .*INSTALLED/ { on = 1; next }
		/^  [^ ]/ { on = 0 }
		on && $1 == "in"  { i = $2; sub(/,$/, "", i) }
		on && $1 == "out" { o = $2; sub(/,$/, "", o); print i "/" o; on = 0 }'
}

# ikx_ike_spis SIDE : "ispi_rspi" of each ESTABLISHED IKE SA, one per line
# (swanctl: "ikx: #1, ESTABLISHED, IKEv2, 37b79fdbd912a38b_i* c2653435efeb4637_r")
ikx_ike_spis() {
	ikx_sw "$1" --list-sas --ike ikx 2>/dev/null |
		awk '/^ikx: #[0-9]+, ESTABLISHED/ {
			i = $5; r = $6; gsub(/[*]/, "", i); gsub(/[*]/, "", r)
			sub(/_i$/, "", i); sub(/_r$/, "", r); print i "_" r }'
}

# ikx_until SECONDS CMD... : retry CMD every 0.1 s until it succeeds or time is up
ikx_until() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

ikx_initiate() {
	ikx_sw left --initiate --ike ikx --child net --timeout 10 >"$IKX_RUN/initiate.out" 2>&1 ||
		{ cat "$IKX_RUN/initiate.out" >&2; ikx_fail "initiate failed"; return 1; }
	ikx_until 10 ikx__child_count_is 1 ||
		{ ikx_fail "no CHILD SA installed after initiate"; return 1; }
}
ikx__child_count_is() { [ "$(ikx_child_spis left | wc -l)" -eq "$1" ]; }

# ikx_ping [COUNT] : ping the right inner host from the left one, through the tunnel
ikx_ping() {
	ikx_in left timeout 15 ping -c "${1:-3}" -i 0.2 -W 2 -I "$IKX_HOST_left" "$IKX_HOST_right" \
		>"$IKX_RUN/ping.out" 2>&1 ||
		{ cat "$IKX_RUN/ping.out" >&2; ikx_fail "no answer from $IKX_HOST_right through the tunnel"; return 1; }
}

# ikx_rekey_child : CHILD_SA rekey from the left; waits for the new SA
ikx_rekey_child() {
	local old
	old=$(ikx_child_spis left)
	[ -n "$old" ] || { ikx_fail "no CHILD SA to rekey"; return 1; }
	ikx_sw left --rekey --child net >"$IKX_RUN/rekey-child.out" 2>&1 ||
		{ cat "$IKX_RUN/rekey-child.out" >&2; ikx_fail "rekey --child failed"; return 1; }
	ikx_until 10 ikx__child_changed "$old" ||
		{ ikx_fail "CHILD SA not rekeyed within 10 s"; return 1; }
	# the old SA's INFORMATIONAL delete follows the rekey at once; let it pass
	ikx_until 5 ikx__log_has right "CHILD_SA closed" || true
}
ikx__child_changed() { local n; n=$(ikx_child_spis left); [ -n "$n" ] && ! grep -qxF "$1" <<<"$n"; }
ikx__log_has() { grep -q "$2" "$(ikx_dir "$1")/charon.log"; }

# ikx_rekey_ike : IKE SA rekey from the left; waits until the old SA is gone
ikx_rekey_ike() {
	local old
	old=$(ikx_ike_spis left)
	if [ -z "$old" ] || [ "$(wc -l <<<"$old")" != 1 ]; then
		ikx_fail "not exactly one IKE SA to rekey"; return 1
	fi
	ikx_sw left --rekey --ike ikx >"$IKX_RUN/rekey-ike.out" 2>&1 ||
		{ cat "$IKX_RUN/rekey-ike.out" >&2; ikx_fail "rekey --ike failed"; return 1; }
	ikx_until 10 ikx__ike_replaced "$old" ||
		{ ikx_fail "IKE SA not rekeyed within 10 s"; return 1; }
}
ikx__ike_replaced() {
	local n; n=$(ikx_ike_spis left)
	[ -n "$n" ] && [ "$(wc -l <<<"$n")" = 1 ] && [ "$n" != "$1" ] &&
		[ "$(ikx_ike_spis right)" = "$n" ]
}

ikx_terminate() {
	ikx_sw left --terminate --ike ikx --timeout 10 >"$IKX_RUN/terminate.out" 2>&1 ||
		{ cat "$IKX_RUN/terminate.out" >&2; ikx_fail "terminate failed"; return 1; }
	ikx_until 5 ikx__no_ike right || { ikx_fail "right still has an IKE SA after terminate"; return 1; }
}
ikx__no_ike() { [ -z "$(ikx_ike_spis "$1")" ]; }

# --- keys -----------------------------------------------------------------------

# ikx_keys LOG OUTDIR : charon key log -> OUTDIR/ikev2_decryption_table and
# OUTDIR/esp_sa (Wireshark's UAT files, also read by `ike-decode --keys DIR`)
ikx_keys() {
	mkdir -p "$2" || return 1
	(umask 077 && awk -v out="$2" -f "$IKX_LIB_DIR/charon-keys.awk" "$1")
}

# ikx_tshark KEYDIR TSHARK-ARGS... : tshark with the keys of KEYDIR.
# The two files are copied into a fresh, otherwise empty Wireshark personal
# configuration folder (WIRESHARK_CONFIG_DIR), with a "preferences" file that
# turns on ESP decryption (and ICV checking): so tshark reads exactly the files
# ike-decode reads, in the format Wireshark keeps in a profile, and nothing of
# the user's own configuration.  (Equivalent: one
# -o 'uat:ikev2_decryption_table:RECORD' / -o 'uat:esp_sa:RECORD' per line.)
ikx_tshark() {
	local keys=$1 cfg rc f; shift
	cfg=$(mktemp -d "${TMPDIR:-/tmp}/ikx-wireshark.XXXXXX") || return 1
	# records with algorithms Wireshark 4.0 does not know (ChaCha20-Poly1305,
	# RFC 7634) are left out: tshark would reject the whole line with an error
	if [ -n "$keys" ]; then
		for f in ikev2_decryption_table esp_sa; do
			[ -r "$keys/$f" ] && grep -v 'RFC7634' "$keys/$f" >"$cfg/$f"
		done
	fi
	printf '%s\n' 'esp.enable_encryption_decode: TRUE' \
		'esp.enable_authentication_check: TRUE' >"$cfg/preferences"
	WIRESHARK_CONFIG_DIR=$cfg timeout 60 tshark "$@" 2> >(grep -v '^Running as user' >&2)
	rc=$?
	rm -rf "$cfg"
	return $rc
}
