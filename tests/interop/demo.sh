#!/bin/bash
# demo.sh (make demo): a real IPsec tunnel made by ikekit's own programs with
# a strongSwan peer, in network namespaces: ike-initiate sets up the SA,
# esp-tun carries pings through it over a TUN device, the wire is captured,
# then ike-decode takes the capture apart: first as anyone on the path sees
# it, then decrypted with the keys ike-initiate exported for this run.
# Narration on stderr ("demo: ..."), ike-decode's output on stdout.  Leaves
# ./demo-out/ (capture.pcap, ikev2_decryption_table, esp_sa, esp-tun's
# counters, charon's log with the lab PSK) for you to look at.  Needs root.
# Exit 0 only if every step worked.
#   sudo make demo            # or: sudo tests/interop/demo.sh [OUTDIR]
set -u
set -o pipefail
IKX_PROG=demo
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/interop/lib-initiate.bash
. "$HERE/lib-initiate.bash"
# shellcheck source=tests/interop/lib-esptun.bash
. "$HERE/lib-esptun.bash"
TOP=$IKEKIT_TOP
case ${B:-build} in
/*) bdir=$B ;;
*) bdir=$TOP/${B:-build} ;;
esac
BIN=${IKEKIT_BIN:-$bdir/bin}
IKE_DECODE=${IKE_DECODE:-$BIN/ike-decode}
INITIATE=$BIN/ike-initiate
ESPTUN=$BIN/esp-tun
out=${1:-demo-out}

say() { echo "demo: $*" >&2; }
die() { echo "demo: FAILED: $*" >&2; exit 1; }
show() { echo "demo: \$ $*" >&2; "$@"; }

if ! ikx_is_root; then
	echo "demo: needs root: it creates network namespaces, TUN devices and runs strongSwan" >&2
	echo "demo: run it as: sudo make demo" >&2
	exit 1
fi
for p in "$IKE_DECODE" "$INITIATE" "$ESPTUN"; do
	[ -x "$p" ] || die "$p is not built (run make)"
done
for t in /usr/lib/ipsec/charon swanctl tcpdump editcap; do
	command -v "$t" >/dev/null || [ -x "$t" ] ||
		die "$t missing (Debian: strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-extra-plugins tcpdump tshark)"
done
mkdir -p "$out" || die "cannot make $out"
out=$(cd "$out" && pwd)
rm -f "$out/capture.pcap" "$out/ike-auth.pcap" "$out/ikev2_decryption_table" "$out/esp_sa" \
	"$out/decode.json" "$out/esp-tun.stats"

ikx_init || die "cannot make a runtime folder"
trap 'esptun_down; ikx_down; say "namespaces, TUN devices and daemons gone"' EXIT
trap 'exit 1' INT TERM HUP
state=$IKX_RUN/state
psk=$IKX_RUN/psk
(umask 077 && printf '%s\n' "$IKX_PSK" >"$psk") || die "cannot write the PSK file"

say "two network namespaces, $IKX_NS_left (192.0.2.1, inner host 10.91.1.1) and $IKX_NS_right (192.0.2.2, inner host 10.91.2.1), joined by a veth pair"
say "right: strongSwan's charon as responder (PSK, kernel-libipsec); left: nothing but ikekit"
ikx_responder_up || die "could not start strongSwan"
say "tcpdump on the left veth, writing $out/capture.pcap"
ikx_capture_start "$out/capture.pcap" || die "tcpdump did not start"
say "left: ike-initiate sets up the IKE SA and its Child SA (IKE_SA_INIT on UDP 500, IKE_AUTH on 4500),"
say "      prints the SA's name, and esp-tun carries it over a TUN device:"
say "\$ ike-initiate --peer 192.0.2.2 --psk-file psk --encap --ts 10.91.1.0/24=10.91.2.0/24 \\"
say "      --name demo -S state --keys-out $out | esp-tun -S state --sa -"
esptun_start_pipe demo left "$INITIATE" --peer "$IKX_ADDR_right" --psk-file "$psk" --encap \
	--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
	--ts "$IKX_NET_left=$IKX_NET_right" --name demo -S "$state" --keys-out "$out" -- \
	"$ESPTUN" -S "$state" --sa - ||
	{ cat "$(esptun_dir)/demo.ike.err" "$(esptun_dir)/demo.err" >&2 2>/dev/null; die "the tunnel did not come up"; }
sed 's/^/demo:   /' "$(esptun_dir)/demo.err" >&2
ikx_sw right --list-sas | sed "s/^/demo:   strongSwan: /" >&2 || die "swanctl --list-sas failed"
say "3 pings from 10.91.1.1 to 10.91.2.1, and 3 back, through the tunnel"
esptun_ping left 3 || die "ping through the tunnel failed"
esptun_ping right 3 || die "ping back through the tunnel failed"
sleep 1.2	# esp-tun writes its counters every second
show "$ESPTUN" -S "$state" --stats --sa demo | tee "$out/esp-tun.stats" >&2 || die "esp-tun --stats failed"
say "strongSwan ends the SA (INFORMATIONAL Delete); esp-tun answers it and exits"
ikx_sw right --terminate --ike ikx >/dev/null 2>&1 || die "swanctl --terminate failed"
esptun_wait_exit demo 15 || die "esp-tun did not exit after the peer's Delete"
[ "$ESPTUN_STATUS" = 0 ] || die "esp-tun exited $ESPTUN_STATUS"
tail -n 1 "$(esptun_dir)/demo.err" | sed 's/^/demo:   /' >&2
ikx_capture_stop
chown "$(id -u):$(id -g)" "$out/capture.pcap"
cp "$(ikx_dir right)/charon.log" "$out/charon-right.log" || die "cannot copy the log"
say "keys of this run, in Wireshark's format (ike-initiate --keys-out): $out/ikev2_decryption_table, $out/esp_sa"
say "stopping strongSwan"
esptun_down
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
