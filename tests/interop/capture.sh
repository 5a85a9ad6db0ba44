#!/bin/bash
# capture.sh SUITE OUTDIR: a real IKEv2 session between two strongSwan charons
# (network namespaces, kernel-libipsec), captured on the initiator's veth, with
# the keys to decrypt it.
#
#   sudo tests/interop/capture.sh gcm out/     # aes256gcm16-prfsha256-x25519 / esp aes256gcm16
#   sudo tests/interop/capture.sh cbc out/     # aes256-sha256-x25519 / esp aes256-sha256
#   sudo tests/interop/capture.sh chacha out/  # chacha20poly1305-prfsha256-x448 / esp chacha20poly1305
#   sudo tests/interop/capture.sh frag out/    # gcm, RSA certificates, fragment_size 512: IKE_AUTH in SKF fragments
#   sudo tests/interop/capture.sh ipv6 out/    # gcm, IPv6 outer (2001:db8::1/2) and inner (fd00:91:1::/64, fd00:91:2::/64)
#
# Session: IKE_SA_INIT, IKE_AUTH (with CHILD SA), 3 pings through the tunnel,
# CHILD_SA rekey (+ INFORMATIONAL delete), 3 pings, IKE SA rekey (+ delete),
# 3 pings, terminate (INFORMATIONAL delete).
# Writes OUTDIR/capture.pcap, OUTDIR/ikev2_decryption_table, OUTDIR/esp_sa
# (Wireshark key files, also read by `ike-decode --keys OUTDIR`),
# OUTDIR/charon-left.log (initiator's log, holds keys and the lab PSK) and
# OUTDIR/charon-right.log.  Tears everything down, also on failure or signal.
# Exit: 0 done, 1 failure, 2 usage, 77 not root.
set -u
IKX_PROG=capture.sh
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/interop/lib.bash
. "$HERE/lib.bash"

usage() { echo "usage: capture.sh gcm|cbc|chacha|frag|ipv6 OUTDIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
suite=$1 out=$2
ikx_suite "$suite" 2>/dev/null || usage
ikx_is_root || { ikx_log "needs root (network namespaces, TUN)"; exit 77; }
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)

ikx_init || exit 1
trap 'ikx_down' EXIT
trap 'exit 1' INT TERM HUP

step() { ikx_log "$suite: $*"; }

ikx_up || exit 1
ikx_capture_start "$out/capture.pcap.tmp" || exit 1
step "initiate"
ikx_initiate || exit 1
ikx_ping 3 || exit 1
step "rekey CHILD SA"
ikx_rekey_child || exit 1
ikx_ping 3 || exit 1
step "rekey IKE SA"
ikx_rekey_ike || exit 1
ikx_ping 3 || exit 1
step "terminate"
ikx_terminate || exit 1
ikx_capture_stop
mv "$out/capture.pcap.tmp" "$out/capture.pcap" && chown "$(id -u):$(id -g)" "$out/capture.pcap" || exit 1

(umask 077 && cp "$(ikx_dir left)/charon.log" "$out/charon-left.log" &&
	cp "$(ikx_dir right)/charon.log" "$out/charon-right.log") || exit 1
ikx_keys "$out/charon-left.log" "$out" || { ikx_fail "no keys in the initiator's log"; exit 1; }
n=$(tcpdump -n -r "$out/capture.pcap" 2>/dev/null | wc -l)
step "$n packets in $out/capture.pcap; keys in $out/{ikev2_decryption_table,esp_sa}"
exit 0
