#!/bin/bash
# make-corpus: regenerate tests/fuzz/corpus/ from tests/vectors/ (needs tshark
# and xxd); the hand-made seeds are written here too. Run from anywhere.
set -eu
cd "$(dirname "$0")/../.."
V=tests/vectors
C=tests/fuzz/corpus
# regress-* are inputs that once found a bug: kept, never regenerated
find "$C" -type f ! -name 'regress-*' -delete 2>/dev/null || true
mkdir -p "$C"/fuzz_msg "$C"/fuzz_sk "$C"/fuzz_esp "$C"/fuzz_keys \
	"$C"/fuzz_pkt "$C"/fuzz_pcap "$C"/fuzz_skf "$C"/fuzz_cookie \
	"$C"/fuzz_ccsa "$C"/fuzz_state "$C"/fuzz_xchg "$C"/fuzz_strings \
	"$C"/fuzz_eap

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

# fuzz_ccsa: [op][tweak][first inner type][inner payloads] (fuzz_ccsa.c):
# op 04 answers a request of the IKE initiator (00: of the responder), 01
# reads the answer to our request (21, 41: with PFS x25519, P-256), 06
# answers an INFORMATIONAL request, 07 refuses; +08 the CBC suite, +18 the
# GCM one as ike_sa_load leaves it; op 84 and 81: a captured message as it
# is; tweak 08 refuses IKE SA rekeys. The inner payloads are the SK bodies
# of strongswan-gcm and -cbc (ike-decode -v decrypts them), and ikekit's
# own PFS exchanges (x25519, P-256, MODP-2048).
ccsa() {
	local name=$1
	shift
	printf '%s' "$@" | bin "$C/fuzz_ccsa/$name"
}
# strongSwan: N(REKEY_SA) SA No TSi TSr, and its answer SA No TSi TSr
SS_REKEY=292100000c0304400955b6f0e0280000240000002001030402b4e4fcf10300000c
SS_REKEY=${SS_REKEY}01000014800e010000000008050000002c00002449dc6cfbfe13c294eeba
SS_REKEY=${SS_REKEY}3ade4be06c891b2a553729137abdda66822402301fec2d00001801000000
SS_REKEY=${SS_REKEY}070000100000ffff0a5b01000a5b01ff0000001801000000070000100000
SS_REKEY=${SS_REKEY}ffff0a5b02000a5b02ff
ccsa gcm-11-rekey 0400 "$SS_REKEY"
ccsa gcm-11-rekey-by-r 0000 "$SS_REKEY"
ccsa gcm-11-open-ts 0440 "$SS_REKEY"
SS_ANSWER=212800002400000020010304026d50496b0300000c01000014800e0100000000
SS_ANSWER=${SS_ANSWER}08050000002c0000244052adb739b943ff869a6e6ef9640a6b8b8637af
SS_ANSWER=${SS_ANSWER}6d6c779ba83c41c777ba3c362d00001801000000070000100000ffff0a5b
SS_ANSWER=${SS_ANSWER}01000a5b01ff0000001801000000070000100000ffff0a5b02000a5b02ff
ccsa gcm-12-answer 0100 "$SS_ANSWER"
# ... its proposal without SPI
ccsa gcm-12-answer-no-spi 0100 21280000200000001c01030002 \
	"${SS_ANSWER#212800002400000020010304026d50496b}"
ccsa cbc-11-rekey 0c10 292100000c03044009ddf8453d2800002c00000028010304039 \
	42cf9120300000c0100000c800e0100030000080300000c00000008050000002c00002 \
	4354553990611e39ad2a1a5ecb87a0eea7b5231105a8fcd6f65489b45e7ae813b2d000 \
	01801000000070000100000ffff0a5b01000a5b01ff0000001801000000070000100000 \
	ffff0a5b02000a5b02ff
ccsa cbc-12-answer 0910 212800002c0000002801030403daf623700300000c0100000c800e \
	0100030000080300000c00000008050000002c000024afe85217a89b0a684edd7c12dc5 \
	75b9f17ed653cf98f28a47359d290c2c4374a2d00001801000000070000100000ffff0a \
	5b01000a5b01ff0000001801000000070000100000ffff0a5b02000a5b02ff
# strongSwan's IKE SA rekey: SA No KE; answered, refused, as a loaded SA
# answers it, and refused as any request by info_refuse; then its answer
SS_IKE=21280000300000002c0101080348ac3843533656b40300000c01000014800e0100
SS_IKE=${SS_IKE}0300000802000005000000080400001f22000024d88bccbfa4440d214108
SS_IKE=${SS_IKE}aa5f470e529a581ec1407fb6dbfcaa5246c12a87706000000028001f0000
SS_IKE=${SS_IKE}18e9c8b1fdb11e4d93b37ad09fcebdff6c3feb6571c0e831bd98b5691e5a
SS_IKE=${SS_IKE}1c26
ccsa gcm-21-ike-rekey 0400 "$SS_IKE"
ccsa gcm-21-ike-rekey-refused 0408 "$SS_IKE"
ccsa gcm-21-ike-rekey-loaded 1c00 "$SS_IKE"
ccsa gcm-21-refused 0700 "$SS_IKE"
# ... with the all-zero public value (a low-order point)
ccsa gcm-21-ike-rekey-zero-ke 0400 "$(printf '%s' "$SS_IKE" |
	sed 's/\(00000028001f0000\)[0-9a-f]\{64\}/\1'"$(printf '%064d' 0)"'/')"
ccsa gcm-22-answer 0100 21280000300000002c0101080363607e0371c718ff0300000c0100 \
	0014800e01000300000802000005000000080400001f22000024e506241a911d910418b \
	2d6e7726d627e0b0e6971dcc3783f59b5a650dfb1541000000028001f000015a25f65f1 \
	841baef050fb3ed222ffdce0f9945e1e4211358478d74962ef4726
# INFORMATIONAL: D(ESP) of the rekeyed SA, D(IKE), empty
ccsa gcm-13-delete 0600 2a0000000c0304000155b6f0e0
ccsa gcm-23-delete-ike 0600 2a0000000801000000
ccsa empty 060000
# MOBIKE (op +20: mobike_respond first): N(UPDATE_SA_ADDRESSES), both NAT
# detection hashes and COOKIE2; COOKIE2 alone; NAT detection alone; as
# each end of the IKE SA
MB_UPD=29000008000040102900001c00004004000102030405060708090a0b0c0d0e0f10111213
MB_UPD=${MB_UPD}2900001c000040051415161718191a1b1c1d1e1f2021222324252627
MB_UPD=${MB_UPD}0000001800004011000102030405060708090a0b0c0d0e0f
MB_C2=0000001800004011
MB_C2=${MB_C2}6465666768696a6b6c6d6e6f70717273
MB_NATD=2900001c000040040000000000000000000000000000000000000000
MB_NATD=${MB_NATD}0000001c000040050000000000000000000000000000000000000000
for r in 0 1; do
	op=$((r ? 26 : 22))
	ccsa mobike-update-$r "${op}0029" "$MB_UPD"
	ccsa mobike-cookie2-$r "${op}0029" "$MB_C2"
	ccsa mobike-natd-$r "${op}0029" "$MB_NATD"
done
# error answers: NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD(x25519), and a
# TS_UNACCEPTABLE beside a REKEY_SA
ccsa no-proposal 0100 29000000080000000e
ccsa invalid-ke 2100 290000000a00000011001f
ccsa ts-unacceptable 0108 29 2900000800000026 0000000c0304400955b6f0e0
# ikekit's own: with PFS x25519 (request and answer), P-256, MODP-2048
PFS_REQ=$(printf '%s' \
	'292100000c0304400955b6f0e02800008002000028010304034d099ad6030000' \
	'0c01000014800e01000300000805000000000000080400001f02000030020304' \
	'044d099ad60300000c0100000c800e0100030000080300000c03000008050000' \
	'00000000080400001f00000024030304034d099ad6030000080100001c030000' \
	'0805000000000000080400001f220000240ab4165653ebd1e3b2fc485252a884' \
	'19f745aff34d5063926fbd43016f2680422c000028001f0000ec2895e03fb95b' \
	'51c72f708b870c5b53e16a3a126b4ba634f4fd132d125bb0332d000018010000' \
	'00070000100000ffff0a5b01000a5b01ff0000001801000000070000100000ff' \
	'ff0a5b02000a5b02ff')
ccsa pfs-x25519-req 0400 "$PFS_REQ"
# the same with the all-zero public value (a low-order point)
ccsa pfs-x25519-req-zero-ke 0400 "$(printf '%s' "$PFS_REQ" |
	sed 's/\(2c000028001f0000\)[0-9a-f]\{64\}/\1'"$(printf '%064d' 0)"'/')"
ccsa pfs-x25519-answer 2100 \
	'212800002c0000002801030403750138820300000c01000014800e0100030000' \
	'080400001f0000000805000000220000241a2502430061a6bd087cbd9bc24200' \
	'7ccb69221326ae51d3112d9bceaae045ee2c000028001f0000f337c08fe4bfd5' \
	'6ca612c10a506a18b166ea87bd98116f245950e49c1c907e632d000018010000' \
	'00070000100000ffff0a5b01000a5b01ff0000001801000000070000100000ff' \
	'ff0a5b02000a5b02ff'
ccsa pfs-p256-answer 4100 \
	'212800002c0000002801030403a30c14a70300000c01000014800e0100030000' \
	'080400001300000008050000002200002433f15e6aee1223b98395faf4cfb1ac' \
	'0c8d8f15b5d735c415934e305348c0a6e22c00004800130000c6b84775013207' \
	'47fc973ce01dbf6ce19f95a4bb16f58748214db488086440fe8fdf438961c92c' \
	'b72f0a7d2482d4c8476fbc76abc271f06ac6b89a0d373502072d000018010000' \
	'00070000100000ffff0a5b01000a5b01ff0000001801000000070000100000ff' \
	'ff0a5b02000a5b02ff'
ccsa pfs-modp2048-req 0400 \
	'292100000c0304400955b6f0e0280000800200002801030403363a76b5030000' \
	'0c01000014800e01000300000805000000000000080400000e02000030020304' \
	'04363a76b50300000c0100000c800e0100030000080300000c03000008050000' \
	'00000000080400000e0000002403030403363a76b5030000080100001c030000' \
	'0805000000000000080400000e2200002461a3666136f0c8a6a59e7c242fd81d' \
	'1dd03a8114281ad196a4276c21ed57bdbf2c000108000e000056bd6c651a3e2e' \
	'c46281bb39f0d9cf635af2e2ecfba804049759be99ba727d2320966aeae46f82' \
	'd924fcabf0ec206b9266633175adedc0bee3521ece11b293fdaf1b2fb55782c9' \
	'510c3adcb6e9e3f127b966608428db732ea8b599751b9ec6994b645e6e823164' \
	'b03d4679a9143d291cf6a3bb61e6c1d2d818e0e4e35144bad3beeecdd307fcfc' \
	'e38d5a07fe351222e62eaf4520dd7d373fb458b44b53c48f3626d2ad4f2253b8' \
	'd1cbe55b211e938a93083e8ec5a9aeff930175db8afdb6d5fcf2dfe041a283b7' \
	'236ab3f998f429cd49143d2d822d367c1e1d27ed22015fbcccc853852fbfb99f' \
	'5ac011a908299e8178188b6d6d9aaca000ce4cd024681dfd172d000018010000' \
	'00070000100000ffff0a5b01000a5b01ff0000001801000000070000100000ff' \
	'ff0a5b02000a5b02ff'
# whole captured messages: the request to answer, the answer to read
{ printf '840000'; ike gcm 11; } | bin "$C/fuzz_ccsa/raw-gcm-11"
{ printf '810000'; ike gcm 12; } | bin "$C/fuzz_ccsa/raw-gcm-12"
{ printf '8c1000'; ike cbc 11; } | bin "$C/fuzz_ccsa/raw-cbc-11"

# fuzz_state: ike.sa, then after a NUL byte child.net.sa, as ike_sa_record
# and child_record write them (the IKE SA keys of strongswan-gcm and -cbc),
# one with lifetimes, and ike.sa alone
G_EI=1cdd773434a1d6a8692f44c992d321995927e8fb54ca056083009f7cafc8a648a2b0dcb3
G_ER=39342272b1309dd55f95eb1fe4dc94eaeba4d9b9b4668159bebacfe03248ae1e30420b59
C_EI=a37b175bb3a21164e5727a839ab349dcec23996d69af8c37a05ca23710d795cb
C_ER=4d7ef7a4a43cba93b567d29c3eeed0c54d8e7322dce9a33603ae94dcbc539ee1
C_AI=be88adc4b6d34d89bcbd93cbecd58997f7c986498d0baaf5f652fe12f7cba118
C_AR=cae560e1a96852864020a08bfca29c35583cb9abc50386295475e5ee3962c75c
SK_D=d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef
SK_PI=101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f
SK_PR=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
K_A=404142434445464748494a4b4c4d4e4f
K_B=808182838485868788898a8b8c8d8e8f
K_C=606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f
K_D=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
# ike_sa ROLE ISPI RSPI LOCAL REMOTE ENCR INTEG DH AI AR EI ER OUT IN (keybits:
# $KB, else 256)
ike_sa() {
	printf 'version=1\nname=site-b\nstate=established\nrole=%s\n' "$1"
	printf 'ispi=%s\nrspi=%s\nlocal=%s\nremote=%s\n' "$2" "$3" "$4" "$5"
	printf 'encr=%s\nencr_keybits=%s\ninteg=%s\n' "$6" "${KB:-256}" "$7"
	printf 'prf=PRF_HMAC_SHA2_256\ndh=%s\nnat=no\n' "$8"
	printf 'local_id=192.0.2.1\nremote_id=moon.example\nsk_d=%s\n' "$SK_D"
	printf 'sk_ai=%s\nsk_ar=%s\nsk_ei=%s\nsk_er=%s\n' "$9" "${10}" "${11}" "${12}"
	printf 'sk_pi=%s\nsk_pr=%s\nchild=net\n' "$SK_PI" "$SK_PR"
	printf 'msgid_out=%s\nmsgid_in=%s\n' "${13}" "${14}"
}
{
	ike_sa initiator 601fee23b87c4f91 56a30934935d0c36 192.0.2.1:4500 \
		192.0.2.2:4500 ENCR_AES_GCM_16 AUTH_NONE CURVE25519 '' '' \
		"$G_EI" "$G_ER" 3 0
	printf '\0version=1\nname=net\nike=site-b\nspi_in=0x5ea532ff\n'
	printf 'spi_out=0x55b6f0e0\nencr=ENCR_AES_GCM_16\nencr_keybits=256\n'
	printf 'integ=AUTH_NONE\nesn=0\nkey_in_e=%s%s%s\nkey_in_a=\n' \
		"$K_B" 909192939495969798999a9b9c9d9e9f a0a1a2a3
	printf 'key_out_e=%s%s%s\nkey_out_a=\n' \
		"$K_A" 505152535455565758595a5b5c5d5e5f 60616263
	printf 'local=192.0.2.1\nremote=192.0.2.2\nlocal_ts=10.91.1.0/24\n'
	printf 'remote_ts=10.91.2.0/24\nmode=tunnel\nencap=udp\n'
	printf 'created=1795563178\n'
} > "$C/fuzz_state/gcm"
{
	ike_sa responder 2f1e9d2df25e5a33 080d70fdc1058109 '[2001:db8::2]:500' \
		'[2001:db8::1]:500' ENCR_AES_CBC AUTH_HMAC_SHA2_256_128 MODP_2048 \
		"$C_AI" "$C_AR" "$C_EI" "$C_ER" 1 5
	printf '\0version=1\nname=net\nike=site-b\nspi_in=0x942cf912\n'
	printf 'spi_out=0xddf8453d\nencr=ENCR_AES_CBC\nencr_keybits=128\n'
	printf 'integ=AUTH_HMAC_SHA2_256_128\nesn=1\n'
	printf 'key_in_e=%s\nkey_in_a=%s\nkey_out_e=%s\nkey_out_a=%s\n' \
		"$K_A" "$K_C" "$K_B" "$K_D"
	printf 'local=2001:db8::2\nremote=2001:db8::1\n'
	printf 'local_ts=10.91.2.5-10.91.2.9,2001:db8:2::/48\n'
	printf 'remote_ts=10.91.1.0/24,2001:db8:1::/48\nmode=tunnel\n'
	printf 'encap=none\ncreated=1795563178\nlifetime_secs=3600\n'
	printf 'lifetime_bytes=1000000000\nsoft_secs=3000\nsoft_packets=1000\n'
} > "$C/fuzz_state/cbc"
KB=0 ike_sa responder e0a0088926777203 0b2c87d202e022f7 ' 192.0.2.2:4500' \
	192.0.2.1:4500 ENCR_CHACHA20_POLY1305 AUTH_NONE X25519 '' '' \
	e35ffdb5b48c5b928e93036901b7cbbc0c8b7890180daf7ce908d465ca5265afc7894482 \
	67acc63269f7c0259d584215c33ba67e32dff85770d4193cea50572cdd79c63435c9ae69 \
	2 2 > "$C/fuzz_state/chacha"

# fuzz_xchg: [op][tweak][first][bytes] (fuzz_xchg.c): the genuine messages
# of each step and suite (op +40, no edit), strongSwan's IKE_SA_INIT
# request answered and its answer read as they are (op 80, 81), and its
# request's payloads behind our own header (op 00)
for s in 0 1 2 3; do
	for op in 0 1 2 3; do
		printf '%02x0000' $((0x40 | s << 2 | op)) |
			bin "$C/fuzz_xchg/genuine-$s-$op"
	done
done
{ printf '8000'; ike gcm 1; } | bin "$C/fuzz_xchg/gcm-1-raw"
{ printf '8100'; ike gcm 2; } | bin "$C/fuzz_xchg/gcm-2-raw"
SS_INIT=$(ike gcm 1)
printf '0000%s%s' "$(printf '%s' "$SS_INIT" | cut -c 33-34)" \
	"$(printf '%s' "$SS_INIT" | cut -c 57-)" | bin "$C/fuzz_xchg/gcm-1-chain"

# fuzz_strings: [kind % 5][string]: IKE and ESP proposals, selectors,
# identities (address, @fqdn, rfc822, DN with quoted and escaped values),
# pools (kind 5 is 0 again: printf cannot pass a NUL byte on)
str() { { printf "\\$1"; printf '%s' "$3"; } > "$C/fuzz_strings/$2"; }
str 005 ike 'aes256gcm16-prfsha256-x25519,aes128-sha256-modp2048'
str 001 esp 'aes256gcm16,aes128-sha256-esn-noesn,chacha20poly1305'
str 002 ts '10.1.0.0/16,fd00::/64,10.0.0.1-10.0.0.9'
str 003 id-fqdn '@moon.strongswan.org'
str 003 id-mail 'carol@strongswan.org'
str 003 id-v6 '2001:db8::1'
str 003 id-dn 'C=CH, O="Example, Inc.", CN=a\+b\09'
str 004 pool '10.3.0.0/24'
str 004 pool6 'fd00:3::/120'

# fuzz_eap: [op][bytes] (fuzz_eap.c): a genuine conversation of each method
# set (op 2, 6, 10, 14: no damage), one with the server's MS-CHAPv2
# Challenge damaged, EAP-Identity and an MD5 Request fed to the peer, a
# Response/Identity fed to the server, and a secrets file
for op in 02 06 0a 0e; do printf '%s' "$op" | bin "$C/fuzz_eap/conv-$op"; done
printf '02011008' | bin "$C/fuzz_eap/conv-damaged"
printf '01000501010005' | bin "$C/fuzz_eap/peer-identity"
printf '050015010200150410000102030405060708090a0b0c0d0e0f' |
	bin "$C/fuzz_eap/peer-md5"
printf '00000a0201000a016361726f6c' | bin "$C/fuzz_eap/server-identity"
{ printf '\003'; printf '# lab\ncarol : carol-pass\ndave:"  x "\n'; } \
	> "$C/fuzz_eap/secrets"

du -sb "$C"
