# shellcheck shell=bash
# lib-respond.bash: strongSwan as a pure INITIATOR toward ike-respond (the
# lab's initiator-only recipe on top of lib.bash, which this file sources and
# does not change).  Source it (bash only):
#
#   . tests/interop/lib-respond.bash
#   ikx_init; ikx_initiator_up            # left side: charon + connection "ikx"
#   ikx_respond_start ARGS...             # ike-respond in the right namespace
#   ikx_sw left --initiate --ike ikx --child net
#   ikx_respond_stop; ikx_down
#
#   ns ikx-ID-l (charon, initiator)          ns ikx-ID-r (ike-respond)
#   192.0.2.1 ikxID-l  <---- veth ---->  ikxID-r 192.0.2.2
#
# The connection has dpd_delay = IKX_DPD_DELAY (2s), so charon sends liveness
# checks, and announces no MOBIKE (mobike = no).  Knobs: IKX_PSK (charon's
# key), IKX_IKE_PROPOSALS, IKX_ESP_PROPOSALS, IKX_DPD_DELAY, IKX_REMOTE_TS
# (charon's remote_ts; default IKX_NET_right).  `ikx_family 6` before
# ikx_init: the same over IPv6 (2001:db8::1 <-> 2001:db8::2).
# IKX_INITIATOR_CHILD_REKEY (unset: charon's default; "3s": it rekeys each
# Child SA 3 s after it is made, then deletes the old one),
# IKX_INITIATOR_IKE_REKEY (the same for the IKE SA), IKX_CHILD2_REMOTE_TS
# (set: a second child "net2", local_ts IKX_NET_left, remote_ts this, ESP
# proposals IKX_CHILD2_ESP_PROPOSALS or IKX_ESP_PROPOSALS; swanctl
# --initiate --child net2 makes it with CREATE_CHILD_SA).

# shellcheck source=tests/interop/lib.bash
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.bash"

IKX_DPD_DELAY=${IKX_DPD_DELAY:-2s}
IKX_REMOTE_TS=${IKX_REMOTE_TS:-}

# ikx_write_initiator_conf : connection "ikx"/child "net" on the left toward
# 192.0.2.2, any IDr (none sent), the PSK for every identity
ikx_write_initiator_conf() {
	local sd sub
	sd="$(ikx_dir left)/swanctl"
	for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$sd/$sub"
	done
	case $IKX_PSK in *\"*) ikx_fail "IKX_PSK must not contain '\"'"; return 1 ;; esac
	(
		umask 077
		cat >"$sd/swanctl.conf" <<CONF
connections {
  ikx {
    version = 2
    local_addrs = $IKX_ADDR_left
    remote_addrs = $IKX_ADDR_right
    proposals = $IKX_IKE_PROPOSALS
    encap = yes
    mobike = no
    unique = never
    dpd_delay = $IKX_DPD_DELAY
$( [ -z "${IKX_INITIATOR_IKE_REKEY:-}" ] || printf '    rekey_time = %s\n    over_time = 60s\n    rand_time = 0\n' "$IKX_INITIATOR_IKE_REKEY")
    local {
      auth = psk
      id = $IKX_ADDR_left
    }
    remote {
      auth = psk
      id = %any
    }
    children {
      net {
        local_ts = $IKX_NET_left
        remote_ts = ${IKX_REMOTE_TS:-$IKX_NET_right}
        esp_proposals = $IKX_ESP_PROPOSALS
        mode = tunnel
        start_action = none
$( [ -z "${IKX_INITIATOR_CHILD_REKEY:-}" ] || printf '        rekey_time = %s\n        life_time = 60s\n        rand_time = 0\n' "$IKX_INITIATOR_CHILD_REKEY")
      }
$( [ -z "${IKX_CHILD2_REMOTE_TS:-}" ] || printf '      net2 {\n        local_ts = %s\n        remote_ts = %s\n        esp_proposals = %s\n        mode = tunnel\n        start_action = none\n%s\n      }\n' \
	"$IKX_NET_left" "$IKX_CHILD2_REMOTE_TS" "${IKX_CHILD2_ESP_PROPOSALS:-$IKX_ESP_PROPOSALS}" \
	"$( [ -z "${IKX_INITIATOR_CHILD_REKEY:-}" ] || printf '        rekey_time = %s\n        life_time = 60s\n        rand_time = 0\n' "$IKX_INITIATOR_CHILD_REKEY")")
    }
  }
}
secrets {
  ike-any {
    secret = "$IKX_PSK"
  }
}
CONF
	)
}

# ikx_initiator_up : namespaces, the left charon with the initiator config
ikx_initiator_up() {
	[ -n "${IKX_RUN:-}" ] || ikx_init || return 1
	ikx_netns_up || return 1
	ikx_charon_start left || return 1
	ikx_write_initiator_conf || return 1
	ikx_load left
}

# ikx_respond_start PROG ARGS... : PROG (ike-respond) in the right namespace,
# stdout to $IKX_RUN/respond.out, stderr to respond.err, pid to respond.pid;
# waits until it listens on UDP 500
ikx_respond_start() {
	local pid i=0
	ip netns exec "$IKX_NS_right" "$@" </dev/null >"$IKX_RUN/respond.out" \
		2>"$IKX_RUN/respond.err" &
	pid=$!
	echo "$pid" >"$IKX_RUN/respond.pid"
	ikx_wait_exec "$pid" ike-respond || { cat "$IKX_RUN/respond.err" >&2; ikx_fail "ike-respond did not start"; return 1; }
	until ikx_in right ss -Hlun 2>/dev/null | grep -qF "$(ikx_respond_hostport "$IKX_ADDR_right" 500) "; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! [ -d "/proc/$pid" ]; then
			cat "$IKX_RUN/respond.err" >&2
			ikx_fail "ike-respond not listening after 5 s"; return 1
		fi
		sleep 0.05
	done
}

# ikx_respond_stop : TERM ike-respond (by pid, after checking its name)
ikx_respond_stop() {
	[ -n "${IKX_RUN:-}" ] || return 0
	ikx_stop "$IKX_RUN/respond.pid" ike-respond
}

# ikx_respond_peer_spis : "ispi_rspi" of each ESTABLISHED IKE SA of the left
# charon ("ikx: #1, ESTABLISHED, IKEv2, 37b79fdbd912a38b_i* c2653435efeb4637_r")
ikx_respond_peer_spis() {
	ikx_sw left --list-sas 2>/dev/null |
		awk '/^[^ ].*: #[0-9]+, ESTABLISHED/ {
			i = $5; r = $6; gsub(/[*]/, "", i); gsub(/[*]/, "", r)
			sub(/_i$/, "", i); sub(/_r$/, "", r); print i "_" r }'
}

# ikx_respond_hostport ADDR PORT : "ADDR:PORT", "[ADDR]:PORT" for IPv6 (as ss,
# ike-respond's event lines and ike.sa write it)
ikx_respond_hostport() {
	case $1 in
	*:*) printf '[%s]:%s' "$1" "$2" ;;
	*) printf '%s:%s' "$1" "$2" ;;
	esac
}

# ikx_respond_peer_ike_alg : the algorithm line of each ESTABLISHED IKE SA of
# the left charon (swanctl: "  AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384")
ikx_respond_peer_ike_alg() {
	ikx_sw left --list-sas 2>/dev/null | awk '
		/^[^ ].*: #[0-9]+, ESTABLISHED/ { on = 1; next }
		/^[^ ]/ { on = 0 }
		on && /^  [A-Z0-9_-]+(\/[A-Z0-9_-]+)+$/ { print $1; on = 0 }'
}

# ikx_respond_peer_esp_alg : the "ESP:..." of each INSTALLED CHILD SA of the
# left charon (swanctl: "  net: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256")
ikx_respond_peer_esp_alg() {
	ikx_sw left --list-sas 2>/dev/null |
		awk '/^  [^ ]+: #[0-9]+, .*INSTALLED/ { print $NF }'
}

# ikx_respond_peer_children : the header line of each CHILD SA the left
# charon lists, whatever its state
ikx_respond_peer_children() {
	ikx_sw left --list-sas 2>/dev/null | grep -E '^  [^ ]+: #[0-9]+, '
}

# ikx_respond_log_grep ERE : the lines of the left charon's log matching ERE
ikx_respond_log_grep() { grep -E "$1" "$(ikx_dir left)/charon.log"; }
