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
# A wrong PSK is exit 3 naming AUTHENTICATION_FAILED.  On failure the test's
# files are copied to ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

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
	ikx_init || fail "ikx_init failed"
	ikx_responder_up || fail "strongSwan responder did not come up"
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
}

teardown() {
	if [ -n "${IKX_RUN:-}" ] && [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -d "${W:-}" ]; then
		local name dst
		cp "$(ikx_dir right)/charon.log" "$W/charon-right.log" 2>/dev/null
		ikx_sw right --list-sas >"$W/list-sas.txt" 2>&1
		name=$(printf '%s' "$BATS_TEST_DESCRIPTION" | tr -cs 'A-Za-z0-9_.-' '-' | sed 's/-*$//')
		dst=${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/$name
		rm -rf "$dst"
		mkdir -p "$dst" && cp -a "$W"/. "$dst"/ && echo "# artifacts: $dst" >&3
	fi
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# initiate ARGS... : ike-initiate in the left namespace toward the responder
initiate() {
	ikx_in left timeout -k 2 12 "$I" --peer "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" --timeout 8 "$@"
}

# kv FILE KEY : the value of KEY in a state file
kv() { sed -n "s/^$2=//p" "$1"; }

# established IKE ESP : the whole check for one suite
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
	[ "$(kv "$ike_file" remote)" = "$IKX_ADDR_right:4500" ]
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

	# ike-decode decrypts every SK payload of the run's capture with --keys-out
	[ -s "$W/keys/ikev2_decryption_table" ] && [ -s "$W/keys/esp_sa" ]
	run "$D" --keys "$W/keys" --json "$W/run.pcap"
	assert_success
	printf '%s\n' "$output" >"$W/decode.jsonl"
	[ "$(jq -s 'length' "$W/decode.jsonl")" -eq 4 ]
	[ "$(jq -s '[.[] | select(.natt)] | length' "$W/decode.jsonl")" -eq 2 ]
	[ "$(jq -s '[.[].payloads[] | select(.name == "SK")] | length' "$W/decode.jsonl")" -eq 2 ]
	[ "$(jq -s '[.[].payloads[] | select(.name == "SK" and .decrypted == true)] | length' "$W/decode.jsonl")" -eq 2 ]
	# and the state directory gives ike-decode the same keys
	run "$D" -S "$W/state" --decrypt --json "$W/run.pcap"
	assert_success
	[ "$(jq -s '[.[].payloads[] | select(.name == "SK" and .decrypted == true)] | length' <<<"$output")" -eq 2 ]
}

@test "ike-initiate -> strongSwan: aes256gcm16-prfsha256-x25519 / aes256gcm16" {
	established aes256gcm16-prfsha256-x25519 aes256gcm16
}

@test "ike-initiate -> strongSwan: aes128-sha256-modp2048 / aes128-sha256" {
	established aes128-sha256-modp2048 aes128-sha256
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
