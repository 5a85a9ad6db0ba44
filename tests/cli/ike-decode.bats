#!/usr/bin/env bats
# ike-decode.bats: every documented behaviour and error of ike-decode(1).
#
# Inputs: the real strongSwan captures in tests/vectors/decode/strongswan-*/
# (with their Wireshark key tables), the hand-made ones in
# tests/vectors/decode/cli/ (make-fixtures.py makes them) and
# tests/vectors/pcap/. Golden outputs: tests/vectors/decode/strongswan-*.txt
# and .jsonl (per verbosity) and cli/*.txt, .jsonl; after a deliberate change
# of the output, regenerate them with UPDATE_GOLDEN=1 bats tests/cli/ike-decode.bats
# and check the diff (the -v fields were checked against tshark -V).

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	D=$IKEKIT_BIN/ike-decode
	V=$IKEKIT_TOP/tests/vectors/decode
	C=$V/cli
	P=$IKEKIT_TOP/tests/vectors/pcap
	GCM=$V/strongswan-gcm
	T=$BATS_TEST_TMPDIR
	export TZ=UTC
	unset IKE_STATE_DIR
	[ -x "$D" ] || fail "ike-decode not built: $D (run make)"
}

# golden [--stdin FILE] NAME ARGS... : ike-decode ARGS (reading FILE, else
# nothing, on stdin) must print exactly the file NAME
golden() {
	local in=/dev/null want
	if [ "$1" = --stdin ]; then
		in=$2
		shift 2
	fi
	want=$1
	shift
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		"$D" "$@" <"$in" >"$want"
	fi
	run --separate-stderr "$D" "$@" <"$in"
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	diff -u "$want" <(printf '%s\n' "$output") || fail "output differs from $want"
}

# mkstate KEYDIR STATEDIR: an ike-state(5) directory with the first IKE SA and
# the first Child SA of a strongswan-* key table pair (initiator's view)
mkstate() {
	local k=$1 s=$2
	mkdir -p -m 700 "$s/site"
	IFS=, read -r ispi rspi ei er _ < "$k/ikev2_decryption_table"
	cat >"$s/site/ike.sa" <<EOT
version=1
name=site
state=established
role=initiator
ispi=$ispi
rspi=$rspi
local=192.0.2.1:4500
remote=192.0.2.2:4500
encr=ENCR_AES_GCM_16
encr_keybits=256
integ=AUTH_NONE
prf=PRF_HMAC_SHA2_256
dh=CURVE25519
sk_ei=$ei
sk_er=$er
sk_ai=
sk_ar=
EOT
	local out in
	out=$(sed -n 1p "$k/esp_sa" | tr -d '"')
	in=$(sed -n 2p "$k/esp_sa" | tr -d '"')
	cat >"$s/site/child.net.sa" <<EOT
version=1
name=net
ike=site
spi_in=$(cut -d, -f4 <<<"$in")
spi_out=$(cut -d, -f4 <<<"$out")
encr=ENCR_AES_GCM_16
encr_keybits=256
integ=AUTH_NONE
esn=0
key_in_e=$(cut -d, -f6 <<<"$in" | sed 's/^0x//')
key_in_a=
key_out_e=$(cut -d, -f6 <<<"$out" | sed 's/^0x//')
key_out_a=
local=192.0.2.1
remote=192.0.2.2
mode=tunnel
encap=udp
EOT
	chmod 600 "$s/site"/*.sa
}

# --- options and usage ------------------------------------------------------

@test "--help prints the synopsis on stdout and exits 0" {
	run --separate-stderr "$D" --help
	assert_success
	assert_line --index 0 'usage: ike-decode [-htv] [-c count] [--decrypt] [--esp-keys file]'
	assert_line --partial '[file | - | -r file | -i interface] [expression]'
	assert_line '       ike-decode --version'
	[ -z "$stderr" ]
	run "$D" -h
	assert_success
	assert_line --index 0 --partial 'usage: ike-decode'
}

@test "an unknown option prints the synopsis on stderr and exits 2" {
	run --separate-stderr "$D" --bogus "$GCM/capture.pcap"
	assert_failure 2
	assert_output ''
	[[ $stderr == *"unrecognized option '--bogus'"* ]]
	[[ $stderr == *"usage: ike-decode [-htv]"* ]]
}

@test "no input is a usage error (exit 2)" {
	run --separate-stderr "$D" -v
	assert_failure 2
	[[ ${stderr%%$'\n'*} == "ike-decode: no input: give a file, '-' or -i interface" ]]
	[[ $stderr == *"usage: ike-decode"* ]]
}

@test "-c needs a positive number (exit 2)" {
	for bad in abc 0 -1 12x ''; do
		run --separate-stderr "$D" -c "$bad" "$GCM/capture.pcap"
		assert_failure 2
		[[ ${stderr%%$'\n'*} == "ike-decode: -c: '$bad': not a positive number" ]]
	done
}

@test "-i and -r together are a usage error (exit 2)" {
	run --separate-stderr "$D" -i lo -r "$GCM/capture.pcap"
	assert_failure 2
	[[ ${stderr%%$'\n'*} == "ike-decode: -i and -r: give one input" ]]
}

@test "a filter with stdin input is a usage error (exit 2)" {
	run --separate-stderr "$D" - udp port 500 <"$C/sa_init.hex"
	assert_failure 2
	[[ ${stderr%%$'\n'*} == "ike-decode: udp port 500: a filter needs a capture (a file or -i)" ]]
}

@test "--version prints the version and exits 0" {
	run "$D" --version
	assert_success
	assert_output --regexp '^ike-decode \(ikekit\) [0-9][0-9.a-z-]*$'
}

@test "every option is in the synopsis or man page, and in both completions" {
	local man=$IKEKIT_TOP/man/ike-decode.1 opt
	run "$D" --help
	for opt in decrypt esp-keys ike-keys json keys version; do
		[[ $output == *"--$opt"* ]] || fail "--$opt not in the synopsis"
	done
	for opt in count decrypt esp-keys help ike-keys interface json keys no-time read \
	    state-dir verbose version; do
		grep -q "^\.It .*Fl -$opt\b" "$man" || fail "--$opt not described in $man"
		grep -q -- "--$opt" "$IKEKIT_TOP/completions/bash/ike-decode" ||
			fail "--$opt not in the bash completion"
		grep -q -- "--$opt" "$IKEKIT_TOP/completions/zsh/_ike-decode" ||
			fail "--$opt not in the zsh completion"
	done
	for opt in c h i r S t v; do
		grep -q "^\.It Fl $opt\b" "$man" || fail "-$opt not described in $man"
		[[ $output == *"-$opt"* || $output == *"[-htv]"* ]] || fail "-$opt not in the synopsis"
	done
}

# --- inputs and their errors --------------------------------------------------

@test "an unreadable capture exits 5 naming the file" {
	run --separate-stderr "$D" "$T/nonexistent.pcap"
	assert_failure 5
	assert_output ''
	[ "$stderr" = "ike-decode: $T/nonexistent.pcap: No such file or directory" ]
}

@test "a file that is not a capture exits 5" {
	printf 'hello\n' >"$T/text.pcap"
	run --separate-stderr "$D" "$T/text.pcap"
	assert_failure 5
	[ "$stderr" = "ike-decode: $T/text.pcap: unknown file format" ]
}

@test "a capture of an unknown link type exits 1" {
	run --separate-stderr "$D" "$P/unknown-linktype.pcap"
	assert_failure 1
	[ "$stderr" = "ike-decode: $P/unknown-linktype.pcap: unsupported link type USB_LINUX (189)" ]
}

@test "a truncated capture prints what it can, then says so and exits 1" {
	head -c 3000 "$GCM/capture.pcap" >"$T/cut.pcap"
	run --separate-stderr "$D" -t "$T/cut.pcap"
	assert_failure 1
	[ "${#lines[@]}" = 13 ]
	assert_line --index 0 --partial 'IKE_SA_INIT I request msgid 0'
	assert_line --index 12 --partial 'INFORMATIONAL I request msgid 3'
	[ "$stderr" = "ike-decode: $T/cut.pcap: truncated capture: truncated dump file; tried to read 115 captured bytes, only got 105" ]
	run --separate-stderr "$D" "$P/truncated.pcap"
	assert_failure 1
	[[ $stderr == "ike-decode: $P/truncated.pcap: truncated capture: "* ]]
}

@test "a pcapng capture with a VLAN tag is read" {
	run "$D" -t "$P/ike-vlan.pcapng"
	assert_success
	assert_output --regexp '^[0-9.]+:500 > [0-9.]+:500 IKE_SA_INIT '
}

@test "a filter expression selects packets, with FILE or -r FILE" {
	run "$D" -t "$GCM/capture.pcap" udp port 500
	assert_success
	[ "${#lines[@]}" = 2 ]
	assert_line --index 1 --partial '192.0.2.2:500 > 192.0.2.1:500 IKE_SA_INIT R response'
	run "$D" -t -r "$GCM/capture.pcap" src host 192.0.2.2 and udp port 4500
	assert_success
	[ "${#lines[@]}" = 15 ]
	refute_line --partial '192.0.2.1:4500 >'
}

@test "a bad filter expression exits 2" {
	run --separate-stderr "$D" "$GCM/capture.pcap" udp port
	assert_failure 2
	[[ $stderr == "ike-decode: $GCM/capture.pcap: filter: "* ]]
}

@test "-c stops after COUNT packets" {
	run "$D" -c 3 "$GCM/capture.pcap"
	assert_success
	[ "${#lines[@]}" = 3 ]
	run "$D" --count=1 --json "$GCM/capture.pcap"
	assert_success
	[ "${#lines[@]}" = 1 ]
}

@test "text lines start with the UTC time (TZ) and -t leaves it out" {
	run "$D" -c 1 "$GCM/capture.pcap"
	assert_output --regexp '^19:58:03\.039536 192\.0\.2\.1:500 > 192\.0\.2\.2:500 IKE_SA_INIT'
	TZ=Europe/Paris run "$D" -c 1 "$GCM/capture.pcap"
	assert_output --regexp '^20:58:03\.039536 '
	run "$D" -t -c 1 "$GCM/capture.pcap"
	assert_output --regexp '^192\.0\.2\.1:500 > 192\.0\.2\.2:500 IKE_SA_INIT I request msgid 0 spi 601fee23b87c4f91/0000000000000000 \[ SA KE No N\(NAT_DETECTION_SOURCE_IP\) '
}

@test "a write error on stdout exits 5" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr bash -c '"$0" "$1" >/dev/full' "$D" "$GCM/capture.pcap"
	assert_failure 5
	[ "$stderr" = "ike-decode: stdout: No space left on device" ]
}

# --- what a capture shows -----------------------------------------------------

@test "golden: strongswan-gcm without keys (SK payloads and ESP not decrypted)" {
	golden "$V/strongswan-gcm-nokeys.txt" "$GCM/capture.pcap"
	assert_line --partial 'IKE_AUTH I request msgid 1 spi 601fee23b87c4f91/56a30934935d0c36 [ SK ]'
	assert_line --partial 'ESP spi 0x5ea532ff seq 1 length 120'
	refute_output --partial 'cannot decrypt'
	golden "$V/strongswan-gcm-nokeys.jsonl" --json "$GCM/capture.pcap"
}

@test "golden: strongswan-gcm text, decrypted with --keys" {
	golden "$V/strongswan-gcm.txt" --keys "$GCM" "$GCM/capture.pcap"
	assert_line --partial 'IKE_AUTH I request msgid 1 spi 601fee23b87c4f91/56a30934935d0c36 [ SK{ IDi IDr AUTH SA TSi TSr N(MOBIKE_SUPPORTED) N(NO_ADDITIONAL_ADDRESSES) N(MULTIPLE_AUTH_SUPPORTED) N(EAP_ONLY_AUTHENTICATION) N(IKEV2_MESSAGE_ID_SYNC_SUPPORTED) } ]'
	assert_line --partial 'ESP spi 0x5ea532ff seq 1 length 120 { 10.91.1.1 > 10.91.2.1 ICMP echo request length 84 }'
	assert_line --partial 'ESP spi 0x55b6f0e0 seq 1 length 120 { 10.91.2.1 > 10.91.1.1 ICMP echo reply length 84 }'
}

@test "golden: strongswan-gcm -v tree" {
	golden "$V/strongswan-gcm-v.txt" -v --keys "$GCM" "$GCM/capture.pcap"
}

@test "golden: strongswan-gcm --json and --json -v" {
	golden "$V/strongswan-gcm.jsonl" --json --keys "$GCM" "$GCM/capture.pcap"
	golden "$V/strongswan-gcm-v.jsonl" --json -v --keys "$GCM" "$GCM/capture.pcap"
}

@test "golden: strongswan-cbc (AES-CBC + HMAC-SHA2-256) text, -v, --json, --json -v" {
	local s=$V/strongswan-cbc
	golden "$V/strongswan-cbc.txt" --keys "$s" "$s/capture.pcap"
	golden "$V/strongswan-cbc-v.txt" -v --keys "$s" "$s/capture.pcap"
	golden "$V/strongswan-cbc.jsonl" --json --keys "$s" "$s/capture.pcap"
	golden "$V/strongswan-cbc-v.jsonl" --json -v --keys "$s" "$s/capture.pcap"
}

@test "golden: strongswan-chacha (ChaCha20-Poly1305, X448) text, -v, --json, --json -v" {
	local s=$V/strongswan-chacha
	golden "$V/strongswan-chacha.txt" --keys "$s" "$s/capture.pcap"
	golden "$V/strongswan-chacha-v.txt" -v --keys "$s" "$s/capture.pcap"
	golden "$V/strongswan-chacha.jsonl" --json --keys "$s" "$s/capture.pcap"
	golden "$V/strongswan-chacha-v.jsonl" --json -v --keys "$s" "$s/capture.pcap"
}

@test "-v shows transforms by name with key length, KE group, IDs, TS, delete SPIs" {
	run "$D" -v --keys "$GCM" "$GCM/capture.pcap"
	assert_success
	assert_line '      ENCR ENCR_AES_GCM_16 keylen 256'
	assert_line '      PRF PRF_HMAC_SHA2_256'
	assert_line '      DH CURVE25519'
	assert_line '  KE group CURVE25519 length 32'
	assert_line '  No length 32 ae9b11e892e957bade9d81726d0a61b5369095c3c4848fb3fabb2f245ed88b14'
	assert_line '  N NAT_DETECTION_SOURCE_IP data edefef10e51df98f18f318cb211aefc480991ef5'
	assert_line '    IDi ID_IPV4_ADDR 192.0.2.1'
	assert_line '    AUTH SHARED_KEY length 32'
	assert_line '      proposal 1 ESP spi 0x55b6f0e0'
	assert_line '    TSi 10.91.1.0-10.91.1.255 proto 0 port 0-65535'
	assert_line '    N REKEY_SA ESP spi 0x55b6f0e0'
	assert_line '    D ESP spi 0x55b6f0e0'
	refute_line --partial 'KE group CURVE25519 length 32 data'
}

@test "-v renders identities by type: FQDN, DN, RFC822, IPv4, IPv6, KEY_ID, NULL" {
	golden --stdin "$C/ids.hex" "$C/ids-v.txt" -v -
	assert_line '  IDi ID_FQDN bücher.example'
	assert_line '  IDr ID_DER_ASN1_DN CN=léft,O=Ex Co'
	assert_line '  IDi ID_IPV6_ADDR 2001:db8::1'
	assert_line '  IDi ID_KEY_ID length 2 0x6b31'
	assert_line '  IDi ID_NULL'
	# not a DN: shown in hex
	assert_line '  IDr ID_DER_ASN1_DN length 5 0x3005626164'
	golden --stdin "$C/ids.hex" "$C/ids-v.jsonl" --json -v -
	run jq -r '.payloads[1].id' "$C/ids-v.jsonl"
	assert_output 'CN=léft,O=Ex Co'
}

@test "identities cannot send control characters to the terminal" {
	# an ID_FQDN of "a ESC [2J b"
	run "$D" -v - <<<'0000010000000000 0000000000000002 23 20 25 08 00000000 0000002a 0000000e 02000000 611b5b324a62'
	assert_success
	assert_line '  IDi ID_FQDN a.[2Jb'
	run "$D" --json -v - <<<'0000010000000000 0000000000000002 23 20 25 08 00000000 0000002a 0000000e 02000000 611b5b324a62'
	assert_output --partial '"id":"a\u001b[2Jb"'
}

@test "-vv adds key exchange data in hex" {
	run "$D" -vv -c 1 "$GCM/capture.pcap"
	assert_success
	assert_line --regexp '^  KE group CURVE25519 length 32 data [0-9a-f]{64}$'
	run "$D" -vv --json -c 1 "$GCM/capture.pcap"
	[ "$(jq -r '.payloads[1].data | length' <<<"$output")" = 64 ]
}

@test "--json: one valid object per packet, fields per doc/decode-json.md" {
	run "$D" --json --keys "$GCM" "$GCM/capture.pcap"
	assert_success
	[ "${#lines[@]}" = 32 ]
	jq -e . <<<"$output" >/dev/null
	run jq -r 'select(.frame == 3) | [.time, .src, .dst, .sport, .dport, .kind, .natt,
		.ispi, .rspi, .exchange, .exchange_type, .initiator, .response, .msgid, .length,
		.payloads[0].name, .payloads[0].decrypted, (.payloads[0].payloads | length)] | @tsv' <<<"$output"
	assert_output "$(printf '%s\t' 2026-11-24T19:58:03.041870Z 192.0.2.1 192.0.2.2 4500 4500 ike true \
		601fee23b87c4f91 56a30934935d0c36 IKE_AUTH 35 true false 1 245 SK true)11"
	run jq -r 'select(.kind == "esp") | "\(.spi) \(.seq) \(.decrypted) \(.inner.src)>\(.inner.dst):\(.inner.proto)"' <<<"$(
		"$D" --json --keys "$GCM" "$GCM/capture.pcap")"
	assert_line --index 0 '0x5ea532ff 1 true 10.91.1.1>10.91.2.1:1'
	[ "${#lines[@]}" = 18 ]
}

@test "--json | jq selects an exchange (the DESIGN.md pipeline)" {
	run bash -c '"$0" --json --keys "$1" "$1/capture.pcap" | jq -c "select(.exchange==\"IKE_AUTH\") | .frame"' "$D" "$GCM"
	assert_success
	assert_output $'3\n4'
}

# --- decryption ---------------------------------------------------------------

@test "--ike-keys and --esp-keys read single Wireshark files" {
	run "$D" -t --ike-keys "$GCM/ikev2_decryption_table" "$GCM/capture.pcap"
	assert_success
	assert_line --partial '[ SK{ IDr AUTH SA TSi TSr N(MOBIKE_SUPPORTED) N(NO_ADDITIONAL_ADDRESSES) } ]'
	assert_line --partial 'ESP spi 0x5ea532ff seq 1 length 120 cannot decrypt: no key for SPI 0x5ea532ff'
	run "$D" -t --esp-keys "$GCM/esp_sa" "$GCM/capture.pcap"
	assert_success
	assert_line --partial 'IKE_AUTH I request msgid 1 spi 601fee23b87c4f91/56a30934935d0c36 [ SK ] cannot decrypt: no key for SPIs 601fee23b87c4f91/56a30934935d0c36'
	assert_line --partial '{ 10.91.1.1 > 10.91.2.1 ICMP echo request length 84 }'
}

@test "decrypted ESP shows the inner packet: IPv4/IPv6, ports, ICMP type, transport mode, dummy" {
	golden "$C/esp.txt" -t --keys "$C/esp-keys" "$C/esp.pcap"
	assert_line --index 0 '192.0.2.1:4500 > 192.0.2.2:4500 ESP spi 0xc0ffee02 seq 1 length 76 { 10.1.0.1:40000 > 10.2.0.1:443 TCP length 40 }'
	assert_line --index 2 --partial '{ fd00::1 > fd00::2 ICMPv6 echo request length 48 }'
	assert_line --index 3 --partial '{ [fd00::1]:1234 > [fd00::2]:4321 UDP length 49 }'
	assert_line --index 4 --partial '{ dummy }'
	assert_line --index 5 --partial '{ TCP port 1111 > 22 length 20 }'
	assert_line --index 6 '192.0.2.1 > 192.0.2.2 ESP spi 0xc0ffee02 seq 7 length 76 { 10.1.0.1:40000 > 10.2.0.1:443 TCP length 40 }'
	assert_line --index 7 --partial 'ESP spi 0xdeadbeef seq 1 length 76 cannot decrypt: no key for SPI 0xdeadbeef'
	golden "$C/esp.jsonl" --json --keys "$C/esp-keys" "$C/esp.pcap"
	run jq -c 'select(.frame == 4) | .inner' "$C/esp.jsonl"
	assert_output '{"version":6,"src":"fd00::1","dst":"fd00::2","proto":17,"sport":1234,"dport":4321,"length":49}'
}

@test "a message of an SA without a key: cannot decrypt: no key for SPIs" {
	run "$D" -t --keys "$C/skf-keys" "$C/skf.pcap"
	assert_success
	assert_line --index 4 '192.0.2.1:4500 > 192.0.2.2:4500 INFORMATIONAL I request msgid 2 spi 2122232425262728/3132333435363738 [ SK ] cannot decrypt: no key for SPIs 2122232425262728/3132333435363738'
	run "$D" --json -c 5 --keys "$C/skf-keys" "$C/skf.pcap"
	run jq -r 'select(.frame == 5) | .payloads[0] | "\(.decrypted) \(.error)"' <<<"$output"
	assert_output 'false no key for this SA'
}

@test "a wrong key: cannot decrypt: integrity check failed, never garbage" {
	mkdir "$T/k"
	# flip the first hex digit of SK_ei of the first IKE SA and of the first ESP key
	awk -F, 'NR == 1 { $3 = (substr($3, 1, 1) == "0" ? "1" : "0") substr($3, 2) } 1' OFS=, \
		"$GCM/ikev2_decryption_table" >"$T/k/ikev2_decryption_table"
	awk -F, 'NR == 1 { $6 = "\"0x" (substr($6, 4, 1) == "0" ? "1" : "0") substr($6, 5) } 1' OFS=, \
		"$GCM/esp_sa" >"$T/k/esp_sa"
	run "$D" -t --keys "$T/k" "$GCM/capture.pcap"
	assert_success
	assert_line --index 2 '192.0.2.1:4500 > 192.0.2.2:4500 IKE_AUTH I request msgid 1 spi 601fee23b87c4f91/56a30934935d0c36 [ SK ] cannot decrypt: integrity check failed'
	# the responder's direction (SK_er) still decrypts
	assert_line --index 3 --partial '[ SK{ IDr AUTH SA TSi TSr'
	assert_line --index 4 '192.0.2.1:4500 > 192.0.2.2:4500 ESP spi 0x5ea532ff seq 1 length 120 cannot decrypt: integrity check failed'
	assert_line --index 5 --partial '{ 10.91.2.1 > 10.91.1.1 ICMP echo reply length 84 }'
	run bash -c '"$0" --json --keys "$1" "$2" | jq -r "select(.frame == 3 or .frame == 5) | .payloads[0].error // .error"' \
		"$D" "$T/k" "$GCM/capture.pcap"
	assert_output $'integrity check failed\nintegrity check failed'
}

@test "-vvv adds the library's debug messages on stderr" {
	mkdir "$T/k"
	awk -F, 'NR == 1 { $3 = (substr($3, 1, 1) == "0" ? "1" : "0") substr($3, 2) } 1' OFS=, \
		"$GCM/ikev2_decryption_table" >"$T/k/ikev2_decryption_table"
	run --separate-stderr "$D" -vvv -c 3 --keys "$T/k" "$GCM/capture.pcap"
	assert_success
	[ "$stderr" = "ike-decode: sk: ICV mismatch" ]
	run --separate-stderr "$D" -vv -c 3 --keys "$T/k" "$GCM/capture.pcap"
	[ -z "$stderr" ]
}

@test "a bad key file line is reported with its file and line number (exit 2)" {
	mkdir "$T/k"
	{ head -n 1 "$GCM/ikev2_decryption_table"; echo '# comment'; echo 'zz,not,a,key'; } \
		>"$T/k/ikev2_decryption_table"
	run --separate-stderr "$D" --keys "$T/k" "$GCM/capture.pcap"
	assert_failure 2
	assert_output ''
	[[ $stderr == "ike-decode: $T/k/ikev2_decryption_table:3: "* ]]
	[ "$(printf '%s\n' "$stderr" | wc -l)" = 1 ]
	{ head -n 1 "$GCM/esp_sa"; echo '"IPv4","192.0.2.1"'; } >"$T/esp_sa"
	run --separate-stderr "$D" --esp-keys "$T/esp_sa" "$GCM/capture.pcap"
	assert_failure 2
	[[ $stderr == "ike-decode: $T/esp_sa:2: "* ]]
}

@test "an unreadable key file or key directory exits 5" {
	run --separate-stderr "$D" --ike-keys "$T/none" "$GCM/capture.pcap"
	assert_failure 5
	[ "$stderr" = "ike-decode: $T/none: No such file or directory" ]
	run --separate-stderr "$D" --keys "$T" "$GCM/capture.pcap"
	assert_failure 5
	[ "$stderr" = "ike-decode: $T: no ikev2_decryption_table or esp_sa" ]
}

@test "key material never appears in any output" {
	local out k
	out=$("$D" -vv --keys "$GCM" "$GCM/capture.pcap"; "$D" --json -vv --keys "$GCM" "$GCM/capture.pcap")
	for k in $(cut -d, -f3,4,6,7 "$GCM/ikev2_decryption_table" | tr ',' ' ') \
	    $(cut -d, -f6 "$GCM/esp_sa" | tr -d '"' | sed 's/^0x//'); do
		[ -n "$k" ] || continue
		[[ $out != *"${k:0:16}"* ]] || fail "key material ${k:0:8}... printed"
	done
}

@test "--decrypt reads the state directory of -S; -S alone does not decrypt" {
	run --separate-stderr "$D" -S "$T/nostate" --decrypt "$GCM/capture.pcap"
	assert_failure 5
	assert_output ''
	[[ $stderr == "ike-decode: $T/nostate"* ]]
	run "$D" -t -S "$T/nostate" "$GCM/capture.pcap"
	assert_success
	assert_line --index 2 --partial '[ SK ]'
	refute_output --partial 'cannot decrypt'
}

@test "-S DIR --decrypt decrypts with the keys of the SAs in DIR (ike-state(5))" {
	mkstate "$GCM" "$T/state"
	run "$D" -t -S "$T/state" --decrypt "$GCM/capture.pcap"
	assert_success
	assert_line --index 2 --partial '[ SK{ IDi IDr AUTH SA TSi TSr '
	assert_line --index 4 --partial 'ESP spi 0x5ea532ff seq 1 length 120 { 10.91.1.1 > 10.91.2.1 ICMP echo request length 84 }'
	assert_line --index 5 --partial 'ESP spi 0x55b6f0e0 seq 1 length 120 { 10.91.2.1 > 10.91.1.1 ICMP echo reply length 84 }'
	# the Child SA after the rekey and the rekeyed IKE SA are not in it
	assert_line --index 14 --partial 'ESP spi 0x6d50496b seq 1 length 120 cannot decrypt: no key for SPI 0x6d50496b'
	assert_line --index 30 --partial '[ SK ] cannot decrypt: no key for SPIs 48ac3843533656b4/63607e0371c718ff'
	run "$D" -t --state-dir="$T/state" --decrypt -c 3 "$GCM/capture.pcap"
	assert_line --index 2 --partial '[ SK{ IDi IDr AUTH SA TSi TSr '
}

@test "--decrypt without -S uses IKE_STATE_DIR" {
	IKE_STATE_DIR=$T/envstate run --separate-stderr "$D" --decrypt "$GCM/capture.pcap"
	assert_failure 5
	[[ $stderr == "ike-decode: $T/envstate"* ]]
	mkdir -m 700 "$T/empty"
	IKE_STATE_DIR=$T/empty run "$D" -t --decrypt -c 3 "$GCM/capture.pcap"
	assert_success
	assert_line --index 2 --partial '[ SK ] cannot decrypt: no key for SPIs 601fee23b87c4f91/56a30934935d0c36'
}

@test "SKF fragments: each shown, the last one reassembled with the inner payloads" {
	golden "$C/skf-v.txt" -v --keys "$C/skf-keys" "$C/skf.pcap"
	assert_line --index 0 --partial 'IKE_AUTH I request msgid 1 spi 0102030405060708/1112131415161718 [ SKF(1/3) ]'
	assert_line '  SKF fragment 2/3 decrypted, waiting for the other fragments'
	assert_line --partial '[ SKF(3/3){ IDi AUTH CP SA TSi TSr } ]'
	assert_line '    IDi ID_FQDN left.example'
	assert_line '      INTERNAL_IP4_ADDRESS'
	golden "$C/skf-v.jsonl" --json -v --keys "$C/skf-keys" "$C/skf.pcap"
	run jq -c '.payloads[0] | [.fragment, .total, .decrypted, .reassembled, (.payloads | length?)]' \
		"$C/skf-v.jsonl"
	assert_line --index 0 '[1,3,true,null,0]'
	assert_line --index 2 '[3,3,true,true,6]'
}

@test "an SKF fragment number past the total is malformed" {
	run "$D" --keys "$C/skf-keys" - <"$C/skf-badnum.hex"
	assert_success
	assert_output 'IKE_AUTH I request msgid 1 spi 0102030405060708/1112131415161718 [ ] malformed: payload 1 (SKF): fragment number 5 of 3'
}

@test "SKF fragments without keys are listed with their numbers" {
	run "$D" -t -c 3 "$C/skf.pcap"
	assert_success
	assert_line --index 2 --partial '[ SKF(3/3) ]'
	run "$D" --json -c 1 "$C/skf.pcap"
	[ "$(jq -c '.payloads[0] | [.type, .name, .fragment, .total, .decrypted]' <<<"$output")" = '[53,"SKF",1,3,false]' ]
}

# --- odd packets ------------------------------------------------------------------

@test "golden: a capture of odd packets (IKEv1, malformed, keepalive, IPv6, raw ESP, other)" {
	golden "$C/mixed-v.txt" -v "$C/mixed.pcap"
	golden "$C/mixed-v.jsonl" --json -v "$C/mixed.pcap"
}

@test "IKEv1 is labelled IKEv1, not decoded as IKEv2" {
	run "$D" -t -c 1 "$C/mixed.pcap"
	assert_success
	assert_output '192.0.2.1:500 > 192.0.2.2:500 IKEv1 Main Mode msgid 0 spi 1111111111111111/0000000000000000'
	run "$D" --json -c 1 "$C/mixed.pcap"
	[ "$(jq -c '[.kind, .ispi, .exchange_type, .msgid]' <<<"$output")" = '["ikev1","1111111111111111",2,0]' ]
}

@test "malformed messages are labelled with where and why, and decoding continues" {
	run "$D" -t "$C/mixed.pcap"
	assert_success
	[ "${#lines[@]}" = 12 ]
	assert_line --index 2 '192.0.2.1:500 > 192.0.2.2:500 INFORMATIONAL I request msgid 7 spi 2222222222222222/3333333333333333 [ N(INITIAL_CONTACT) V ] malformed: payload 3 (TSi): selector 1: length 20 != 16'
	assert_line --index 3 --partial '[ N(INITIAL_CONTACT) ] malformed: 12 bytes after the last payload'
	assert_line --index 4 --partial '[ N(INITIAL_CONTACT) ] malformed: payload 2 (N): payload length 40 exceeds the 12 bytes left'
	assert_line --index 8 --partial '[ N(INITIAL_CONTACT) ] malformed: payload 2 (type 99): unsupported critical payload'
	assert_line --index 11 '192.0.2.1:500 > 192.0.2.2:500 malformed: IKE header: truncated: 20 of 28 bytes'
	run "$D" --json "$C/mixed.pcap"
	run jq -r 'select(.malformed) | "\(.frame) \(.kind) \(.malformed)"' <<<"$output"
	assert_line --index 0 '3 ike payload 3 (TSi): selector 1: length 20 != 16'
	assert_line --index 4 '12 malformed IKE header: truncated: 20 of 28 bytes'
}

@test "NAT keepalive, IKE after the non-ESP marker, IPv6, raw ESP and other traffic" {
	run "$D" -t "$C/mixed.pcap"
	assert_line --index 5 '192.0.2.1:4500 > 192.0.2.2:4500 NAT-keepalive'
	assert_line --index 6 --partial '192.0.2.1:4500 > 192.0.2.2:4500 IKE_SA_INIT I request'
	assert_line --index 7 --partial '[2001:db8::1]:500 > [2001:db8::2]:500 IKE_SA_INIT I request'
	assert_line --index 9 '192.0.2.1 > 192.0.2.2 ESP spi 0xc0ffee01 seq 5 length 56'
	assert_line --index 10 '192.0.2.1:5353 > 192.0.2.2:53 other: UDP: not port 500 or 4500'
	run "$D" --json "$C/mixed.pcap"
	run jq -r '"\(.frame) \(.kind) \(.natt // "-") \(.src)"' <<<"$output"
	assert_line --index 5 '6 keepalive - 192.0.2.1'
	assert_line --index 6 '7 ike true 192.0.2.1'
	assert_line --index 7 '8 ike - 2001:db8::1'
	assert_line --index 10 '11 other - 192.0.2.1'
}

# --- stdin ----------------------------------------------------------------------

@test "stdin: hex text, one message per line, colons, spaces and comments ignored" {
	run --separate-stderr "$D" - <"$C/sa_init.hex"
	assert_success
	[ "${#lines[@]}" = 2 ]
	assert_line --index 0 'IKE_SA_INIT I request msgid 0 spi 601fee23b87c4f91/0000000000000000 [ SA KE No N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP) N(IKEV2_FRAGMENTATION_SUPPORTED) N(SIGNATURE_HASH_ALGORITHMS) N(REDIRECT_SUPPORTED) ]'
	assert_line --index 1 --partial 'IKE_SA_INIT R response msgid 0 spi 601fee23b87c4f91/56a30934935d0c36 [ SA KE No '
	printf '0x%s\n' "$(sed -n 2p "$C/sa_init.hex" | tr -d :)" >"$T/one.hex"
	run "$D" -v - <"$T/one.hex"
	assert_success
	assert_line '      ENCR ENCR_AES_GCM_16 keylen 256'
}

@test "stdin: binary messages back to back, with or without the non-ESP marker" {
	run "$D" - <"$C/sa_init.bin"
	assert_success
	assert_output "$("$D" - <"$C/sa_init.hex")"
	{ printf '\0\0\0\0'; head -c 232 "$C/sa_init.bin"; } >"$T/marker.bin"
	run "$D" --json - <"$T/marker.bin"
	assert_success
	[ "$(jq -c '[.frame, .kind, .natt, .exchange, has("time"), has("src")]' <<<"$output")" = '[1,"ike",true,"IKE_SA_INIT",false,false]' ]
}

@test "stdin: an initiator SPI starting with four zero bytes is not a non-ESP marker" {
	run "$D" - <<<'0000000000000001 0000000000000002 00 20 25 08 00000000 0000001c'
	assert_success
	assert_output 'INFORMATIONAL I request msgid 0 spi 0000000000000001/0000000000000002 [ ]'
	run "$D" --json - <<<'00000000 0000000000000001 0000000000000002 00 20 25 08 00000000 0000001c'
	[ "$(jq -c '[.natt, .ispi]' <<<"$output")" = '[true,"0000000000000001"]' ]
}

@test "an unknown exchange type is shown by number" {
	run "$D" - <<<'0000010000000000 0000000000000002 00 20 63 28 00000007 0000001c'
	assert_success
	assert_output 'exchange 99 I response msgid 7 spi 0000010000000000/0000000000000002 [ ]'
	run "$D" --json - <<<'0000010000000000 0000000000000002 00 20 63 28 00000007 0000001c'
	[ "$(jq -c '[has("exchange"), .exchange_type, .initiator, .response]' <<<"$output")" = '[false,99,true,true]' ]
}

@test "stdin: JSON objects have no time and no addresses" {
	run "$D" --json - <"$C/sa_init.hex"
	assert_success
	[ "$(jq -c 'keys_unsorted[:3]' <<<"${lines[0]}")" = '["frame","kind","ispi"]' ]
	[ "$(jq -c '.frame' <<<"${lines[1]}")" = 2 ]
}

@test "stdin: IKEv1 is labelled" {
	run "$D" - <"$C/ikev1.hex"
	assert_success
	assert_output 'IKEv1 Main Mode msgid 0 spi 1111111111111111/0000000000000000'
}

@test "stdin: a bad hex line is reported with its line number, skipped, exit 1" {
	{ echo 'zz'; sed -n 2p "$C/sa_init.hex"; echo '0a0'; } >"$T/bad.hex"
	run --separate-stderr "$D" - <"$T/bad.hex"
	assert_failure 1
	[ "${#lines[@]}" = 1 ]
	assert_output --partial 'IKE_SA_INIT I request msgid 0'
	[ "$stderr" = "ike-decode: stdin:1: not a hex digit: 'z'
ike-decode: stdin:3: odd number of hex digits" ]
}

@test "stdin: binary input cut in a message prints what came before, exit 1" {
	head -c 300 "$C/sa_init.bin" >"$T/cut.bin"
	run --separate-stderr "$D" - <"$T/cut.bin"
	assert_failure 1
	[ "${#lines[@]}" = 1 ]
	[ "$stderr" = "ike-decode: stdin: truncated input: message of 240 bytes has only 68" ]
}

@test "stdin: a short hex message is malformed, empty input prints nothing" {
	run "$D" - <<<'0102030405'
	assert_success
	assert_output 'malformed: IKE header: truncated: 5 of 28 bytes'
	run "$D" - </dev/null
	assert_success
	assert_output ''
}

@test "stdin: a header whose length is not the message's is malformed" {
	printf '%s\n' "$(head -c 28 "$C/sa_init.bin" | od -An -tx1 | tr -d ' \n')" >"$T/short.hex"
	run "$D" - <"$T/short.hex"
	assert_success
	assert_output 'IKE_SA_INIT I request msgid 0 spi 601fee23b87c4f91/0000000000000000 [ ] malformed: IKE header: length 232, but the message has 28 bytes'
}

@test "stdin: a capture is refused with a hint, and read as /dev/stdin" {
	run --separate-stderr "$D" - <"$GCM/capture.pcap"
	assert_failure 1
	assert_output ''
	[ "$stderr" = "ike-decode: stdin: a capture file, not raw IKE messages: read it as a file (ike-decode /dev/stdin)" ]
	run bash -c 'cat "$1" | "$0" -t /dev/stdin udp port 500' "$D" "$GCM/capture.pcap"
	assert_success
	[ "${#lines[@]}" = 2 ]
}

@test "stdin that cannot be read exits 5" {
	run --separate-stderr "$D" - <"$T"
	assert_failure 5
	[ "$stderr" = "ike-decode: stdin: read: Is a directory" ]
}

@test "stdin: -c stops after COUNT messages" {
	run "$D" -c 1 - <"$C/sa_init.bin"
	assert_success
	[ "${#lines[@]}" = 1 ]
}

# --- live capture -------------------------------------------------------------------

@test "-i captures live with a filter and stops after -c packets (root only)" {
	[ "$(id -u)" = 0 ] || skip "live capture needs root"
	command -v timeout >/dev/null || skip "no timeout(1)"
	local pid i
	timeout 10 "$D" -t -c 1 -i lo udp dst port 500 and dst host 127.0.0.1 >"$T/live.txt" 2>"$T/live.err" &
	pid=$!
	# send until the capture has started (it may take a moment to open)
	for i in $(seq 1 40); do
		kill -0 "$pid" 2>/dev/null || break
		head -c 232 "$C/sa_init.bin" >/dev/udp/127.0.0.1/500 2>/dev/null || true
		sleep 0.1
	done
	wait "$pid"
	[ -z "$(cat "$T/live.err")" ] || fail "$(cat "$T/live.err")"
	run cat "$T/live.txt"
	assert_output --regexp '^127\.0\.0\.1:[0-9]+ > 127\.0\.0\.1:500 IKE_SA_INIT I request msgid 0 spi 601fee23b87c4f91/0000000000000000 '
}

@test "-i: SIGTERM ends a live capture with status 0 (root only)" {
	[ "$(id -u)" = 0 ] || skip "live capture needs root"
	local pid rc=0 i mask
	"$D" -i lo udp port 9 >"$T/live.txt" 2>"$T/live.err" &
	pid=$!
	# wait until its SIGTERM handler is in place (bit 14 of SigCgt)
	for i in $(seq 1 50); do
		mask=$(awk '/^SigCgt:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || break
		[ -n "$mask" ] && (( 0x$mask & (1 << 14) )) && break
		sleep 0.1
	done
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || fail "exit status $rc"
	[ -z "$(cat "$T/live.err")" ] || fail "$(cat "$T/live.err")"
}

@test "-i on an interface that does not exist exits 5" {
	run --separate-stderr "$D" -i no-such-if0
	assert_failure 5
	[[ $stderr == "ike-decode: no-such-if0: "* ]]
}
