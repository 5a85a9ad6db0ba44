#!/bin/bash
# make-corpus: regenerate tests/fuzz/corpus/ from tests/vectors/ (needs tshark
# and xxd); the hand-made seeds are written here too. Run from anywhere.
set -eu
cd "$(dirname "$0")/../.."
V=tests/vectors
C=tests/fuzz/corpus
rm -rf "$C"
mkdir -p "$C"/fuzz_msg "$C"/fuzz_sk "$C"/fuzz_esp "$C"/fuzz_keys \
	"$C"/fuzz_pkt "$C"/fuzz_pcap "$C"/fuzz_skf "$C"/fuzz_cookie

# udp NAME FRAME: the UDP payload of frame FRAME of strongswan-NAME as hex
udp() {
	tshark -r "$V/decode/strongswan-$1/capture.pcap" -T fields \
		-e udp.payload -Y "frame.number == $2" 2>/dev/null
}
# ike NAME FRAME: the same without a non-ESP marker
ike() {
	local h
	h=$(udp "$1" "$2")
	case $h in 00000000*) h=${h#00000000} ;; esac
	printf '%s\n' "$h"
}
bin() { xxd -r -p > "$1"; }

# fuzz_msg: whole messages, one with its non-ESP marker, and the CLI fixtures
for f in 1 2 3 4 11 13; do ike gcm "$f" | bin "$C/fuzz_msg/gcm-$f"; done
udp gcm 3 | bin "$C/fuzz_msg/gcm-3-natt"
ike chacha 21 | bin "$C/fuzz_msg/chacha-21"
printf 'ff' | bin "$C/fuzz_msg/keepalive"
for f in ids ikev1 skf-badnum sa_init; do
	grep -v '^#' "$V/decode/cli/$f.hex" | head -n 1 | tr -d ': \n' |
		bin "$C/fuzz_msg/cli-$f"
done
# fuzz_cookie: IKE_SA_INIT requests (the responder has no state yet) and
# a CP(CFG_REQUEST) body asking for IPv4, its DNS and IPv6
ike gcm 1 | bin "$C/fuzz_cookie/gcm-1"
cp "$C/fuzz_msg/cli-sa_init" "$C/fuzz_cookie/cli-sa_init"
printf '01000000000100000003000000080000' | bin "$C/fuzz_cookie/cp-request"
# an inner chain: [first type] Notify(MOBIKE_SUPPORTED) + Delete(ESP, 1 SPI)
printf '292a00000800004011000000100304000112345678' |
	bin "$C/fuzz_msg/inner-chain"

# fuzz_sk: [suite | sa<<2 | responder<<3][offset][message]; suites gcm 0,
# cbc 1, chacha 2; frames 3 and 13 are the initiator's, 4 and 14 the
# responder's, all under the first IKE SA
sk() { { printf '%02x00' "$2"; ike "$1" "$3"; } | bin "$C/fuzz_sk/$1-$3"; }
sk gcm 0 3; sk gcm 8 4; sk gcm 0 13; sk gcm 8 14
sk cbc 1 3; sk cbc 9 4; sk chacha 2 3; sk chacha 10 4

# fuzz_esp: [kind][seq_hi][ESP from the SPI]; kinds gcm 0, cbc 1, chacha 2
esp() { { printf '%02x00' "$2"; udp "$1" "$3"; } | bin "$C/fuzz_esp/$1-$2-$3"; }
esp gcm 0 5; esp cbc 1 5; esp chacha 2 5; esp cbc 3 5

# fuzz_keys: Wireshark tables, and a state directory split at NUL bytes
cp "$V/keys/esp_sa" "$C/fuzz_keys/esp_sa"
cp "$V/keys/ikev2_decryption_table" "$C/fuzz_keys/ikev2_decryption_table"
cp "$V/decode/strongswan-cbc/ikev2_decryption_table" "$C/fuzz_keys/cbc-ikev2"
cp "$V/decode/strongswan-chacha/esp_sa" "$C/fuzz_keys/chacha-esp"
K32=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
K16=000102030405060708090a0b0c0d0e0f
{
	printf 'version=1\nname=site-b\nispi=0123456789abcdef\n'
	printf 'rspi=fedcba9876543210\nlocal=192.0.2.1:4500\n'
	printf 'remote=192.0.2.2:4500\nencr=ENCR_AES_CBC\nencr_keybits=256\n'
	printf 'integ=AUTH_HMAC_SHA2_256_128\n'
	printf 'sk_ai=%s\nsk_ar=%s\nsk_ei=%s\nsk_er=%s\n' "$K32" "$K32" "$K32" "$K32"
	printf '\0'
	printf 'version=1\nname=net\nspi_in=0xc0ffee01\nspi_out=0xc0ffee02\n'
	printf 'encr=ENCR_AES_GCM_16\nencr_keybits=128\ninteg=AUTH_NONE\nesn=1\n'
	printf 'key_in_e=%sa0a1a2a3\nkey_out_e=%sb0b1b2b3\n' "$K16" "$K16"
	printf '\0'
	printf 'version=1\nname=web\nspi_in=0x10\nspi_out=0x11\n'
	printf 'local=[2001:db8::1]:500\nremote=[2001:db8::2]:500\n'
	printf 'encr=ENCR_CHACHA20_POLY1305\ninteg=AUTH_NONE\n'
	printf 'key_in_e=%sa0a1a2a3\nkey_out_e=%sb0b1b2b3\n' "$K32" "$K32"
} > "$C/fuzz_keys/statedir"

# fuzz_pkt: [link type index][frame]; 0 NULL, 1 EN10MB, 2 RAW, 7 IPV4
frame() {
	tshark -r "$1" -x -Y "frame.number == $2" \
		2>/dev/null | sed -n 's/^[0-9a-f]\{4\}  \(\([0-9a-f][0-9a-f] \)*\).*/\1/p' |
		tr -d ' \n'
}
pkt() { { printf '%02x' "$2"; frame "$1" "$3"; } | bin "$C/fuzz_pkt/$4"; }
pkt "$V/decode/strongswan-gcm/capture.pcap" 1 1 eth-ike
pkt "$V/decode/strongswan-gcm/capture.pcap" 1 3 eth-natt
pkt "$V/decode/strongswan-gcm/capture.pcap" 1 5 eth-esp
pkt "$V/decode/cli/esp.pcap" 2 1 raw-esp
pkt "$V/pcap/ike-vlan.pcapng" 1 1 vlan-ike

# fuzz_pcap: small captures as they are
cp "$V/pcap/ike-vlan.pcapng" "$V/pcap/truncated.pcap" \
	"$V/pcap/unknown-linktype.pcap" "$V/decode/cli/esp.pcap" \
	"$V/decode/cli/skf.pcap" "$V/decode/cli/mixed.pcap" "$C/fuzz_pcap/"

# fuzz_skf: [cap/8] then [next][len][num16 total16 plain]
{
	printf 'ff'
	printf '2909000100030000000000'	# 1/3 with next Notify
	printf '000700030003bbbbbb'	# 3/3
	printf '000600020003cccc'	# 2/3
} | bin "$C/fuzz_skf/three"
{
	printf '20'
	printf '2905000100020a'		# 1/2
	printf '2905000100040b'		# 1/4: larger total, start over
	printf '000500020002cc'		# 2/2: smaller, ignored
	printf '000400000001'		# bad number
} | bin "$C/fuzz_skf/restart"
du -sb "$C"
