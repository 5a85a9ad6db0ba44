#!/usr/bin/env bats
# initiate-strongswan.bats: ike-initiate against strongSwan 5.9.8 as responder
# (charon with kernel-libipsec, which fakes NAT-D, so IKE_AUTH goes over UDP
# 4500 with the non-ESP marker).
#
#   ns ikx-ID-l: ike-initiate                 ns ikx-ID-r: charon (responder)
#   192.0.2.1 ikxID-l  <------ veth ------>  ikxID-r 192.0.2.2
#   tunnel 10.91.1.0/24 <=================> 10.91.2.0/24
#
# For each suite: the SA is ESTABLISHED in `swanctl --list-sas` with the SPIs
# ike-initiate wrote to the state directory (IKE and ESP), and ike-decode
# decrypts every SK payload of the run's own --pcap with its --keys-out files.
# strongSwan lists the algorithms asked for.  Suites: AES-GCM, AES-CBC/HMAC and
# ChaCha20-Poly1305 with x25519, x448, ecp256, ecp384, modp2048/3072/4096, an
# INVALID_KE_PAYLOAD retry, and two suites over IPv6 (2001:db8::1 <->
# 2001:db8::2, fd00:91:1::/64 <=> fd00:91:2::/64: tests whose name has
# "IPv6").  Refusals: a wrong PSK is exit
# 3 naming AUTHENTICATION_FAILED, no common IKE or ESP proposal exit 3 naming
# NO_PROPOSAL_CHOSEN, selectors outside strongSwan's exit 3 naming
# TS_UNACCEPTABLE (those two after our Delete of the IKE SA strongSwan set up,
# RFC 7296 2.21.2: it lists none afterwards); a silent peer is exit 4 within --timeout.  --json holds no
# key, the state files are 0600 in 0700 folders.  On failure the test's files
# are copied to ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	I=$IKEKIT_BIN/ike-initiate
	D=$IKEKIT_BIN/ike-decode
	[ -x "$I" ] || fail "ike-initiate not built: $I (run make)"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-initiate.bash
	. "$HERE/lib-initiate.bash"
	IKX_PROG=initiate-strongswan
	case $BATS_TEST_DESCRIPTION in *IPv6*) ikx_family 6 || fail "ikx_family 6" ;; esac
	ikx_init || fail "ikx_init failed"
	ikx_responder_up || fail "strongSwan responder did not come up"
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
}

teardown() {
	if ikx_failed; then
		cp "$(ikx_dir right)/charon.log" "$W/charon-right.log" 2>/dev/null
		ikx_sw right --list-sas >"$W/list-sas.txt" 2>&1
		ikx_keep
	fi
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# initiate ARGS... : ike-initiate in the left namespace toward the responder
# (the last --peer, --ts, --timeout given wins)
initiate() {
	ikx_in left timeout -k 2 12 "$I" --peer "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" --timeout 8 "$@"
}

# refused EXCHANGE NOTIFY ARGS... : ike-initiate ARGS is exit 3 with exactly
# "ike-initiate: PEER: EXCHANGE: peer sent NOTIFY", nothing on stdout, and no
# SA recorded
refused() {
	local exch=$1 notify=$2; shift 2
	run --separate-stderr initiate "$@"
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_failure 3
	assert_output ""
	[ "$stderr" = "ike-initiate: $IKX_ADDR_right: $exch: peer sent $notify" ] ||
		fail "stderr: '$stderr', expected '... $exch: peer sent $notify'"
	[ ! -e "$W/state" ] || [ -z "$(ls -A "$W/state")" ] ||
		fail "state recorded: $(ls -AR "$W/state")"
}

# no_ike_right : strongSwan lists no ESTABLISHED IKE SA
no_ike_right() { [ -z "$(ikx_ike_spis_any right)" ]; }

# kv FILE KEY : the value of KEY in a state file
kv() { sed -n "s/^$2=//p" "$1"; }

# established IKE ESP [SWAN-IKE SWAN-ESP] : the whole check for one suite;
# SWAN-IKE / SWAN-ESP: the algorithms strongSwan must list for the IKE SA
# ("AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519") and the Child SA
# ("ESP:AES_GCM_16-256"), whose DH group ike.sa must name too.  MSGS: the
# IKE messages in the capture (default 4: IKE_SA_INIT and IKE_AUTH)
established() {
	local name ike_file child_file ispi rspi spi_in spi_out
	run --separate-stderr initiate --ike "$1" --esp "$2" --name site-b \
		--pcap "$W/run.pcap" --keys-out "$W/keys" --json
	printf '%s\n' "$output" >"$W/initiate.json"
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_success
	name=$(jq -r .name <<<"$output")
	[ "$name" = site-b ]
	[ "$(jq -r .state <<<"$output")" = established ]
	[ "$(jq -r .nat <<<"$output")" = true ]
	[ "$(jq -r .child.encap <<<"$output")" = udp ]
	# no key in the JSON record
	! grep -qi 'sk_\|key' <<<"$output"

	ike_file=$W/state/site-b/ike.sa
	[ -f "$ike_file" ]
	[ "$(kv "$ike_file" state)" = established ]
	[ "$(kv "$ike_file" remote)" = "$(ikx_hostport "$IKX_ADDR_right" 4500)" ]
	[ "$(kv "$ike_file" local)" = "$(ikx_hostport "$IKX_ADDR_left" 4500)" ]
	[ "$(jq -r .remote <<<"$output")" = "$(ikx_hostport "$IKX_ADDR_right" 4500)" ]
	ispi=$(kv "$ike_file" ispi) rspi=$(kv "$ike_file" rspi)
	child_file=$W/state/site-b/child.$(kv "$ike_file" child).sa
	[ -f "$child_file" ]
	[ "$(kv "$child_file" encap)" = udp ]
	spi_in=$(kv "$child_file" spi_in) spi_out=$(kv "$child_file" spi_out)

	# strongSwan lists the same SPIs: IKE "ispi_i rspi_r", ESP in = our out
	run ikx_ike_spis_any right
	assert_output "${ispi}_${rspi}"
	run ikx_child_spis_any right
	assert_output "${spi_out#0x}/${spi_in#0x}"
	ikx_sw right --list-sas >"$W/list-sas.txt" 2>&1
	grep -q "ESTABLISHED" "$W/list-sas.txt"
	grep -q "INSTALLED, TUNNEL-in-UDP" "$W/list-sas.txt"
	# the algorithms asked for, on both sides
	if [ $# -ge 4 ]; then
		run ikx_ike_proposal_any right
		assert_output "$3"
		run ikx_esp_proposal_any right
		assert_output "$4"
		# (ours "CURVE25519", strongSwan's "CURVE_25519")
		[ "$(kv "$ike_file" dh | tr -d _)" = "$(tr -d _ <<<"${3##*/}")" ] ||
			fail "ike.sa dh=$(kv "$ike_file" dh), strongSwan: ${3##*/}"
	fi
	[ "$(kv "$child_file" local_ts)" = "$IKX_NET_left" ]
	[ "$(kv "$child_file" remote_ts)" = "$IKX_NET_right" ]

	# ike-decode decrypts every SK payload of the run's capture with --keys-out
	[ -s "$W/keys/ikev2_decryption_table" ] && [ -s "$W/keys/esp_sa" ]
	run "$D" --keys "$W/keys" --json "$W/run.pcap"
	assert_success
	printf '%s\n' "$output" >"$W/decode.jsonl"
	[ "$(jq -s 'length' "$W/decode.jsonl")" -eq "${MSGS:-4}" ]
	[ "$(jq -s '[.[] | select(.natt)] | length' "$W/decode.jsonl")" -eq 2 ]
	[ "$(jq -s '[.[].payloads[] | select(.name == "SK")] | length' "$W/decode.jsonl")" -eq 2 ]
	[ "$(jq -s '[.[].payloads[] | select(.name == "SK" and .decrypted == true)] | length' "$W/decode.jsonl")" -eq 2 ]
	# and the state directory gives ike-decode the same keys
	run "$D" -S "$W/state" --decrypt --json "$W/run.pcap"
	assert_success
	[ "$(jq -s '[.[].payloads[] | select(.name == "SK" and .decrypted == true)] | length' <<<"$output")" -eq 2 ]
}

@test "ike-initiate -> strongSwan: aes256gcm16-prfsha256-x25519 / aes256gcm16" {
	established aes256gcm16-prfsha256-x25519 aes256gcm16 \
		AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519 ESP:AES_GCM_16-256
}

@test "ike-initiate -> strongSwan: aes128-sha256-modp2048 / aes128-sha256" {
	established aes128-sha256-modp2048 aes128-sha256 \
		AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048 ESP:AES_CBC-128/HMAC_SHA2_256_128
}

@test "ike-initiate -> strongSwan: chacha20poly1305-prfsha256-ecp256 / chacha20poly1305" {
	established chacha20poly1305-prfsha256-ecp256 chacha20poly1305 \
		CHACHA20_POLY1305/PRF_HMAC_SHA2_256/ECP_256 ESP:CHACHA20_POLY1305
}

@test "ike-initiate -> strongSwan: aes256gcm16-prfsha384-ecp384 / aes256gcm16" {
	established aes256gcm16-prfsha384-ecp384 aes256gcm16 \
		AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384 ESP:AES_GCM_16-256
}

@test "ike-initiate -> strongSwan: chacha20poly1305-prfsha512-x448 / chacha20poly1305" {
	established chacha20poly1305-prfsha512-x448 chacha20poly1305 \
		CHACHA20_POLY1305/PRF_HMAC_SHA2_512/CURVE_448 ESP:CHACHA20_POLY1305
}

@test "ike-initiate -> strongSwan: aes256-sha384-modp3072 / aes256-sha384" {
	established aes256-sha384-modp3072 aes256-sha384 \
		AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/MODP_3072 ESP:AES_CBC-256/HMAC_SHA2_384_192
}

@test "ike-initiate -> strongSwan: aes128gcm16-prfsha512-modp4096 / aes128-sha512" {
	established aes128gcm16-prfsha512-modp4096 aes128-sha512 \
		AES_GCM_16-128/PRF_HMAC_SHA2_512/MODP_4096 ESP:AES_CBC-128/HMAC_SHA2_512_256
}

@test "ike-initiate -> strongSwan over IPv6: aes256gcm16-prfsha256-x25519 / aes256gcm16" {
	[ "$IKX_FAMILY" = 6 ] && [ "$IKX_ADDR_right" = 2001:db8::2 ]
	established aes256gcm16-prfsha256-x25519 aes256gcm16 \
		AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519 ESP:AES_GCM_16-256
	# the capture's outer addresses and the esp_sa records are IPv6
	grep -q '"IPv6","2001:db8::1","2001:db8::2"' "$W/keys/esp_sa"
	grep -q '"IPv6","2001:db8::2","2001:db8::1"' "$W/keys/esp_sa"
}

@test "ike-initiate -> strongSwan over IPv6: chacha20poly1305-prfsha384-ecp384 / aes256-sha256" {
	established chacha20poly1305-prfsha384-ecp384 aes256-sha256 \
		CHACHA20_POLY1305/PRF_HMAC_SHA2_384/ECP_384 ESP:AES_CBC-256/HMAC_SHA2_256_128
}

@test "ike-initiate -> strongSwan: several proposals, strongSwan picks one we offered" {
	# ours first: a group strongSwan does not have, then two it has.  The KE
	# is ecp521's: INVALID_KE_PAYLOAD (ECP_384), and a second IKE_SA_INIT
	MSGS=6 established aes256gcm16-prfsha256-ecp521,aes256gcm16-prfsha384-ecp384,aes128-sha256-modp2048 \
		aes192gcm16,aes256gcm16 AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384 ESP:AES_GCM_16-256
	ikx_log_grep right 'generating IKE_SA_INIT response 0 \[ N\(INVAL_KE\) \]' >/dev/null
	[ "$(jq -s '[.[] | select(.exchange == "IKE_SA_INIT" and .response)] | length' "$W/decode.jsonl")" -eq 2 ]
}

@test "ike-initiate -> strongSwan: wrong PSK is exit 3 naming AUTHENTICATION_FAILED" {
	(umask 077 && printf 'not-the-lab-psk\n' >"$W/psk")
	run --separate-stderr initiate --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16
	assert_failure 3
	assert_output ""
	[ "$stderr" = "ike-initiate: $IKX_ADDR_right: IKE_AUTH: peer sent AUTHENTICATION_FAILED" ]
	[ -z "$(ikx_ike_spis_any right)" ]
	[ ! -e "$W/state" ] || [ -z "$(ls -A "$W/state")" ]
}

@test "ike-initiate -> strongSwan: --until sa-init records the IKE SA only" {
	run --separate-stderr initiate --ike aes128-sha256-modp2048 --until sa-init --name half
	assert_success
	assert_output half
	[ "$(kv "$W/state/half/ike.sa" state)" = sa-init ]
	[ "$(kv "$W/state/half/ike.sa" dh)" = MODP_2048 ]
	[ -z "$(ls "$W/state/half" | grep '^child\.')" ]
}

@test "ike-initiate -> strongSwan: no common IKE proposal is exit 3 naming NO_PROPOSAL_CHOSEN" {
	# all three of ike-initiate's, none of strongSwan's (aes192, sha1, ecp521)
	refused IKE_SA_INIT NO_PROPOSAL_CHOSEN --ike aes192-sha1-ecp521 --esp aes256gcm16
	[ -z "$(ikx_ike_spis_any right)" ]
	ikx_log_grep right 'received proposals: .*AES_CBC_192' >/dev/null
	ikx_log_grep right 'received proposals unacceptable' >/dev/null
	ikx_log_grep right 'generating IKE_SA_INIT response 0 \[ N\(NO_PROP\) \]' >/dev/null
}

@test "ike-initiate -> strongSwan: no common ESP proposal is exit 3 naming NO_PROPOSAL_CHOSEN" {
	refused IKE_AUTH NO_PROPOSAL_CHOSEN --ike aes256gcm16-prfsha256-x25519 --esp aes192gcm16
	ikx_log_grep right 'generating IKE_AUTH response 1 \[ .*N\(NO_PROP\) \]' >/dev/null
	[ -z "$(ikx_child_spis_any right)" ]
	# RFC 7296 2.21.2: the IKE SA was up; our Delete ended it
	ikx_log_grep right 'parsed INFORMATIONAL request 2 \[ D \]' >/dev/null
	ikx_until 5 no_ike_right || fail "strongSwan kept the IKE SA"
}

@test "ike-initiate -> strongSwan: selectors outside strongSwan's are exit 3 naming TS_UNACCEPTABLE" {
	# strongSwan's child allows 10.91.1.0/24 = 10.91.2.0/24 only
	refused IKE_AUTH TS_UNACCEPTABLE --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
		--ts 10.91.1.0/24=10.99.0.0/24
	ikx_log_grep right 'traffic selectors 10\.99\.0\.0/24 === 10\.91\.1\.0/24 unacceptable' >/dev/null
	ikx_log_grep right 'generating IKE_AUTH response 1 \[ .*N\(TS_UNACCEPT\) \]' >/dev/null
	[ -z "$(ikx_child_spis_any right)" ]
	ikx_log_grep right 'parsed INFORMATIONAL request 2 \[ D \]' >/dev/null
	ikx_until 5 no_ike_right || fail "strongSwan kept the IKE SA"
}

@test "ike-initiate -> strongSwan: a silent peer on the link is exit 4 within --timeout 2" {
	local t0 t1 ms
	# 192.0.2.3: on the veth's subnet, nobody there (no ARP answer)
	t0=$(date +%s%N)
	run --separate-stderr initiate --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
		--peer 192.0.2.3 --timeout 2
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	printf '%s\n' "$stderr" >"$W/initiate.err"
	echo "# exit $status after $ms ms: $stderr" >&3
	assert_failure 4
	assert_output ""
	[ "$stderr" = "ike-initiate: 192.0.2.3: IKE_SA_INIT: no answer within 2 s" ] ||
		fail "stderr: '$stderr'"
	[ "$ms" -ge 1900 ] && [ "$ms" -le 3000 ] || fail "took $ms ms"
	[ ! -e "$W/state" ] || [ -z "$(ls -A "$W/state")" ]
}

@test "ike-initiate -> strongSwan: a silent peer over IPv6 is exit 4 within --timeout 2" {
	local t0 t1 ms
	t0=$(date +%s%N)
	run --separate-stderr initiate --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
		--peer 2001:db8::3 --timeout 2
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	printf '%s\n' "$stderr" >"$W/initiate.err"
	echo "# exit $status after $ms ms: $stderr" >&3
	assert_failure 4
	[ "$stderr" = "ike-initiate: 2001:db8::3: IKE_SA_INIT: no answer within 2 s" ] ||
		fail "stderr: '$stderr'"
	[ "$ms" -ge 1900 ] && [ "$ms" -le 3000 ] || fail "took $ms ms"
}

@test "ike-initiate -> strongSwan: --json and -v hold no key, state files 0600 in 0700 folders" {
	local f k v hex=() mode
	# umask 0: the modes must not come from the caller's umask
	run --separate-stderr ikx_in left bash -c 'umask 0 && exec "$@"' sh \
		timeout -k 2 12 "$I" --peer "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" --timeout 8 \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --name site-b --json -v \
		--keys-out "$W/keys"
	printf '%s\n' "$output" >"$W/initiate.json"
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_success
	jq -e . <<<"$output" >/dev/null
	[ "$(jq -r 'type' <<<"$output")" = object ]
	[ "$(jq -r '.child | type' <<<"$output")" = object ]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	# every key of the state files: none in stdout or in the -v trace
	for f in "$W"/state/site-b/*.sa; do
		while IFS='=' read -r k v; do
			case $k in sk_* | key_*) [ -n "$v" ] && hex+=("$k:$v") ;; esac
		done <"$f"
	done
	# (AES-GCM: sk_d, sk_ei, sk_er, sk_pi, sk_pr, key_in_e, key_out_e)
	[ "${#hex[@]}" -ge 7 ] || fail "only ${#hex[@]} keys in the state files"
	for k in "${hex[@]}"; do
		v=${k#*:}
		! grep -qiF "$v" <<<"$output" || fail "${k%%:*} in --json output"
		! grep -qiF "$v" <<<"$stderr" || fail "${k%%:*} in the -v trace"
		# nor a 16-hex-digit piece of it (some other spelling)
		! grep -qiF "${v:0:16}" <<<"$output$stderr" || fail "part of ${k%%:*} printed"
	done
	grep -q '^sk_ei=[0-9a-f]\{72\}$' "$W/state/site-b/ike.sa"
	# modes, whatever the umask: folders 0700, files 0600
	for f in "$W/state" "$W/state/site-b" "$W/keys"; do
		mode=$(stat -c %a "$f")
		[ "$mode" = 700 ] || fail "$f: mode $mode, expected 700"
	done
	while IFS= read -r f; do
		mode=$(stat -c %a "$f")
		[ "$mode" = 600 ] || fail "$f: mode $mode, expected 600"
	done < <(find "$W/state" -type f)
	[ -n "$(find "$W/state" -type f -name ike.sa)" ]
	while IFS= read -r f; do
		mode=$(stat -c %a "$f")
		[ "$mode" = 600 ] || fail "$f: mode $mode, expected 600 (key file)"
	done < <(find "$W/keys" -type f)
}
