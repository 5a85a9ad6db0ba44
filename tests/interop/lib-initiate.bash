# shellcheck shell=bash
# lib-initiate.bash: strongSwan as a pure responder for ike-initiate (the lab's
# responder-only recipe on top of lib.bash, which this file sources and does
# not change).  Source it (bash only):
#
#   . tests/interop/lib-initiate.bash
#   ikx_init; ikx_responder_up            # right side: charon + "any" connection
#   ikx_initiate_ours ARGS...             # ike-initiate in the left namespace
#   ikx_down
#
# Topology (lib.bash):
#
#   ns ikx-ID-l (empty: ike-initiate)        ns ikx-ID-r (charon, responder)
#   192.0.2.1 ikxID-l  <---- veth ---->  ikxID-r 192.0.2.2
#   10.91.1.1 on lo                          10.91.2.1 on lo
#
# charon runs kernel-libipsec, so it fakes NAT-D and expects IKE_AUTH on UDP
# 4500 with the non-ESP marker.  Knobs: IKX_PSK, IKX_RESPONDER_IKE_PROPOSALS,
# IKX_RESPONDER_ESP_PROPOSALS (broad lists by default, like the lab's, plus
# modp4096), IKX_FAMILY (or ikx_family 6 before ikx_responder_up: IPv6 outer
# addresses 2001:db8::1/2 and tunnel fd00:91:1::/64 = fd00:91:2::/64, lib.bash),
# IKX_RESPONDER_DPD_DELAY (unset: no dpd_delay line; "2s": charon checks our
# liveness with an empty INFORMATIONAL request after 2 s without traffic),
# IKX_RESPONDER_CHILD_REKEY (unset: charon's default; "4s": it rekeys the
# Child SA every 4 s with CREATE_CHILD_SA, then deletes the old one),
# IKX_RESPONDER_IKE_REKEY (the same for the IKE SA).

# shellcheck source=tests/interop/lib.bash
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.bash"

IKX_RESPONDER_IKE_PROPOSALS=${IKX_RESPONDER_IKE_PROPOSALS:-aes256gcm16-aes128gcm16-chacha20poly1305-prfsha256-prfsha384-prfsha512-x25519-ecp256-ecp384-modp2048-modp3072-modp4096-x448,aes256-aes128-sha256-sha384-sha512-prfsha256-prfsha384-prfsha512-x25519-ecp256-ecp384-modp2048-modp3072-modp4096-x448}
IKX_RESPONDER_ESP_PROPOSALS=${IKX_RESPONDER_ESP_PROPOSALS:-aes256gcm16-aes128gcm16-chacha20poly1305,aes256-aes128-sha256-sha384-sha512}

# ikx_write_responder_conf : connection "ikx" on the right, any initiator
# address, any IDi, IDr = 192.0.2.2, the PSK for every identity
ikx_write_responder_conf() {
	local sd sub
	sd="$(ikx_dir right)/swanctl"
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
    local_addrs = $IKX_ADDR_right
    remote_addrs = %any
    proposals = $IKX_RESPONDER_IKE_PROPOSALS
    encap = yes
    unique = never
    fragmentation = yes
$( [ -z "${IKX_RESPONDER_DPD_DELAY:-}" ] || printf '    dpd_delay = %s\n' "$IKX_RESPONDER_DPD_DELAY")
$( [ -z "${IKX_RESPONDER_IKE_REKEY:-}" ] || printf '    rekey_time = %s\n    over_time = 60s\n    rand_time = 0\n' "$IKX_RESPONDER_IKE_REKEY")
    local {
      auth = psk
      id = $IKX_ADDR_right
    }
    remote {
      auth = psk
      id = %any
    }
    children {
      net {
        local_ts = $IKX_NET_right
        remote_ts = $IKX_NET_left
        esp_proposals = $IKX_RESPONDER_ESP_PROPOSALS
        mode = tunnel
$( [ -z "${IKX_RESPONDER_CHILD_REKEY:-}" ] || printf '        rekey_time = %s\n        life_time = 60s\n        rand_time = 0\n' "$IKX_RESPONDER_CHILD_REKEY")
      }
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

# ikx_responder_up : namespaces, the right charon with the responder config
ikx_responder_up() {
	[ -n "${IKX_RUN:-}" ] || ikx_init || return 1
	ikx_netns_up || return 1
	ikx_charon_start right || return 1
	ikx_write_responder_conf || return 1
	ikx_load right
}

# ikx_ike_spis_any SIDE : "ispi_rspi" of each ESTABLISHED IKE SA of any name
# (swanctl: "ikx: #1, ESTABLISHED, IKEv2, 37b79fdbd912a38b_i* c2653435efeb4637_r")
ikx_ike_spis_any() {
	ikx_sw "$1" --list-sas 2>/dev/null |
		awk '/^[^ ].*: #[0-9]+, ESTABLISHED/ {
			i = $5; r = $6; gsub(/[*]/, "", i); gsub(/[*]/, "", r)
			sub(/_i$/, "", i); sub(/_r$/, "", r); print i "_" r }'
}

# ikx_child_spis_any SIDE : "in/out" of each INSTALLED CHILD SA
ikx_child_spis_any() {
	ikx_sw "$1" --list-sas 2>/dev/null | awk '
		/^  [^ ]+: #[0-9]+, .*INSTALLED/ { on = 1; next }
		/^  [^ ]/ { on = 0 }
		on && $1 == "in"  { i = $2; sub(/,$/, "", i) }
		on && $1 == "out" { o = $2; sub(/,$/, "", o); print i "/" o; on = 0 }'
}

# ikx_hostport ADDR PORT : "ADDR:PORT", "[ADDR]:PORT" for IPv6 (as ike.sa has it)
ikx_hostport() {
	case $1 in
	*:*) printf '[%s]:%s' "$1" "$2" ;;
	*) printf '%s:%s' "$1" "$2" ;;
	esac
}

# ikx_ike_proposal_any SIDE : the algorithm line of each ESTABLISHED IKE SA
# (swanctl: "  CHACHA20_POLY1305/PRF_HMAC_SHA2_256/ECP_256")
ikx_ike_proposal_any() {
	ikx_sw "$1" --list-sas 2>/dev/null | awk '
		/^[^ ].*: #[0-9]+, ESTABLISHED/ { on = 1; next }
		/^[^ ]/ { on = 0 }
		on && /^  [A-Z0-9_-]+(\/[A-Z0-9_-]+)+$/ { print $1; on = 0 }'
}

# ikx_esp_proposal_any SIDE : the "ESP:..." of each INSTALLED CHILD SA
# (swanctl: "  net: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256")
ikx_esp_proposal_any() {
	ikx_sw "$1" --list-sas 2>/dev/null |
		awk '/^  [^ ]+: #[0-9]+, .*INSTALLED/ { print $NF }'
}

# ikx_log_grep SIDE ERE : the lines of SIDE's charon.log matching ERE
ikx_log_grep() { grep -E "$2" "$(ikx_dir "$1")/charon.log"; }
