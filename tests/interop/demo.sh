#!/bin/bash
# demo.sh (make demo): a real IPsec tunnel between two strongSwan peers in
# network namespaces, captured on the wire, then taken apart by ike-decode:
# first as anyone on the path sees it, then decrypted with the session's keys.
# Narration on stderr ("demo: ..."), ike-decode's output on stdout.  Leaves
# ./demo-out/ (capture.pcap, ikev2_decryption_table, esp_sa, charon logs with
# the lab PSK) for you to look at.  Needs root.  Exit 0 only if every step worked.
#   sudo make demo            # or: sudo tests/interop/demo.sh [OUTDIR]
set -u
set -o pipefail
IKX_PROG=demo
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/interop/lib.bash
. "$HERE/lib.bash"
TOP=$IKEKIT_TOP
case ${B:-build} in
/*) bdir=$B ;;
*) bdir=$TOP/${B:-build} ;;
esac
IKE_DECODE=${IKE_DECODE:-${IKEKIT_BIN:-$bdir/bin}/ike-decode}
out=${1:-demo-out}

say() { echo "demo: $*" >&2; }
die() { echo "demo: FAILED: $*" >&2; exit 1; }
show() { echo "demo: \$ $*" >&2; "$@"; }

if ! ikx_is_root; then
	echo "demo: needs root: it creates network namespaces and runs two strongSwan daemons" >&2
	echo "demo: run it as: sudo make demo" >&2
	exit 1
fi
[ -x "$IKE_DECODE" ] || die "$IKE_DECODE is not built (run make)"
for t in /usr/lib/ipsec/charon swanctl tcpdump editcap; do
	command -v "$t" >/dev/null || [ -x "$t" ] ||
		die "$t missing (Debian: strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-extra-plugins tcpdump tshark)"
done
mkdir -p "$out" || die "cannot make $out"
out=$(cd "$out" && pwd)
rm -f "$out/capture.pcap" "$out/ike-auth.pcap" "$out/ikev2_decryption_table" "$out/esp_sa"

ikx_init || die "cannot make a runtime folder"
trap 'ikx_down; say "namespaces and daemons gone"' EXIT
trap 'exit 1' INT TERM HUP

say "two network namespaces, $IKX_NS_left (192.0.2.1, inner host 10.91.1.1) and $IKX_NS_right (192.0.2.2, inner host 10.91.2.1), joined by a veth pair"
say "one strongSwan charon in each, with a PSK and aes256gcm16-prfsha256-x25519; they log their keys (lab only)"
ikx_up || die "could not start the two peers"
say "tcpdump on the left veth, writing $out/capture.pcap"
ikx_capture_start "$out/capture.pcap" || die "tcpdump did not start"
say "left initiates: IKE_SA_INIT on UDP 500, then IKE_AUTH on 4500 (charon pretends NAT: ESP goes in UDP)"
ikx_initiate || die "the tunnel did not come up"
ikx_sw left --list-sas --ike ikx | sed "s/^/demo:   /" >&2 || die "swanctl --list-sas failed"
say "3 pings from 10.91.1.1 to 10.91.2.1, through the tunnel"
ikx_ping 3 || die "ping through the tunnel failed"
sed -n '/packets transmitted/p' "$IKX_RUN/ping.out" | sed 's/^/demo:   /' >&2
say "left closes the tunnel (INFORMATIONAL delete)"
ikx_terminate || die "terminate failed"
ikx_capture_stop
chown "$(id -u):$(id -g)" "$out/capture.pcap"
{ cp "$(ikx_dir left)/charon.log" "$out/charon-left.log" && cp "$(ikx_dir right)/charon.log" "$out/charon-right.log"; } ||
	die "cannot copy the logs"
ikx_keys "$out/charon-left.log" "$out" || die "no keys in charon's log"
say "keys from the initiator's log, in Wireshark's format: $out/ikev2_decryption_table, $out/esp_sa"
say "stopping the peers"
ikx_down
trap - EXIT

echo >&2
say "1. what anyone on the path sees: the IKE_SA_INIT in clear, then only encrypted SK payloads and ESP"
show "$IKE_DECODE" "$out/capture.pcap" || die "ike-decode failed"
echo >&2
say "2. the same capture decrypted with the keys: payloads inside SK, the ICMP packets inside ESP"
show "$IKE_DECODE" --keys "$out" "$out/capture.pcap" || die "ike-decode --keys failed"
echo >&2
say "3. the IKE_AUTH exchange (frames 3 and 4) in detail"
editcap -r "$out/capture.pcap" "$out/ike-auth.pcap" 3-4 || die "editcap failed"
show "$IKE_DECODE" --keys "$out" -v "$out/ike-auth.pcap" || die "ike-decode -v failed"
echo >&2
say "4. the same as JSON lines, for scripts"
echo "demo: \$ $IKE_DECODE --keys $out --json $out/capture.pcap | head -4" >&2
"$IKE_DECODE" --keys "$out" --json "$out/capture.pcap" >"$out/decode.json" || die "ike-decode --json failed"
head -4 "$out/decode.json"
echo >&2
say "done. Look at $out/: capture.pcap (open it in Wireshark with these key files), ikev2_decryption_table, esp_sa"
say "try: $IKE_DECODE --keys $out -v $out/capture.pcap | less"
exit 0
