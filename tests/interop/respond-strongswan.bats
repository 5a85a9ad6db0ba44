#!/usr/bin/env bats
# respond-strongswan.bats: ike-respond answering strongSwan 5.9.8 as INITIATOR
# (charon with kernel-libipsec: NAT-D faked, so IKE_AUTH and everything after
# comes over UDP 4500 with the non-ESP marker).
#
#   ns ikx-ID-l: charon (initiator)           ns ikx-ID-r: ike-respond
#   192.0.2.1 ikxID-l  <------ veth ------>  ikxID-r 192.0.2.2
#   tunnel 10.91.1.0/24 <=================> 10.91.2.0/24
#
# Suites establish (swanctl lists the SA ESTABLISHED with the IKE SPIs and,
# crosswise, the Child SPIs ike-respond wrote to its state dir, and the
# algorithms asked for): AES-GCM/x25519, AES-CBC/modp2048, ChaCha20-Poly1305/
# ecp256, AES-GCM/PRF-SHA384/ecp384, AES-CBC/SHA-384/modp3072, and AES-GCM/
# x25519 over IPv6 (2001:db8::1 <-> 2001:db8::2, fd00:91:1::/64 <=>
# fd00:91:2::/64: the test whose name has "IPv6"); ike-decode decrypts every
# SK payload of ike-respond's --pcap with its --keys-out files; charon's DPD
# (dpd_delay = 2s) is answered and the SA stays up; `swanctl --terminate`
# makes ike-respond remove the SA from its state dir.  Refusals: a wrong PSK
# on charon's side is AUTHENTICATION_FAILED, no common IKE proposal
# NO_PROPOSAL_CHOSEN in IKE_SA_INIT, a remote_ts outside ike-respond's --ts
# TS_UNACCEPTABLE (no CHILD SA).  On failure the test's files are copied to
# ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	R=$IKEKIT_BIN/ike-respond
	D=$IKEKIT_BIN/ike-decode
	[ -x "$R" ] || fail "ike-respond not built: $R (run make)"
	[ -x "$D" ] || fail "ike-decode not built: $D (run make)"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-respond.bash
	. "$HERE/lib-respond.bash"
	IKX_PROG=respond-strongswan
	case $BATS_TEST_DESCRIPTION in *IPv6*) ikx_family 6 || fail "ikx_family 6" ;; esac
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
}

teardown() {
	if ikx_failed; then
		cp "$(ikx_dir left)/charon.log" "$W/charon-left.log" 2>/dev/null
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$W"/ 2>/dev/null
		ikx_sw left --list-sas >"$W/list-sas.txt" 2>&1
		ikx_keep
	fi
	ikx_respond_stop
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# up IKE ESP : charon (left) with these proposals, ike-respond (right) with
# the same (or RESP_IKE, RESP_ESP, RESP_TS when set), state dir $W/state,
# capture $W/respond.pcap, keys $W/keys
up() {
	IKX_IKE_PROPOSALS=$1 IKX_ESP_PROPOSALS=$2
	ikx_init || fail "ikx_init failed"
	ikx_initiator_up || fail "strongSwan initiator did not come up"
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ike "${RESP_IKE:-$1}" --esp "${RESP_ESP:-$2}" --ts "${RESP_TS:-$IKX_NET_right}" \
		-S "$W/state" --pcap "$W/respond.pcap" --keys-out "$W/keys" -v ||
		fail "ike-respond did not start"
}

initiate() {
	ikx_sw left --initiate --ike ikx --child net --timeout 8 >"$W/initiate.out" 2>&1
}

# our_sas : "ispi_rspi" of each SA in the state dir
our_sas() {
	local f
	for f in "$W"/state/*/ike.sa; do
		[ -f "$f" ] || continue
		printf '%s_%s\n' "$(sed -n 's/^ispi=//p' "$f")" "$(sed -n 's/^rspi=//p' "$f")"
	done
}

# established IKE ESP [SWAN-IKE SWAN-ESP] : initiate, then both sides agree
# on the IKE and ESP SPIs; SWAN-IKE / SWAN-ESP: the algorithms strongSwan must
# list for the IKE SA ("AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519") and the
# Child SA ("ESP:AES_GCM_16-256")
established() {
	up "$1" "$2"
	initiate || { cat "$W/initiate.out" >&3; fail "swanctl --initiate failed"; }
	local theirs ours child f
	theirs=$(ikx_respond_peer_spis)
	ours=$(our_sas)
	[ -n "$theirs" ] || fail "no ESTABLISHED IKE SA on strongSwan's side"
	[ "$(wc -l <<<"$theirs")" -eq 1 ] || fail "strongSwan lists several IKE SAs: $theirs"
	assert_equal "$ours" "$theirs"
	# strongSwan lists in/out as seen from the left: its in = our out
	child=$(ikx_child_spis left)
	f=$(ls "$W"/state/*/child.*.sa)
	[ "$(wc -l <<<"$f")" -eq 1 ] || fail "several Child SA files: $f"
	assert_equal "$child" "$(sed -n 's/^spi_out=0x//p' "$f")/$(sed -n 's/^spi_in=0x//p' "$f")"
	grep -q '^role=responder$' "$W"/state/*/ike.sa || fail "role is not responder"
	grep '^established ' "$IKX_RUN/respond.out" |
		grep -qF " peer $(ikx_respond_hostport "$IKX_ADDR_left" 4500) " ||
		fail "no 'established' line: $(cat "$IKX_RUN/respond.out")"
	# the algorithms asked for, as strongSwan reports them
	if [ $# -ge 4 ]; then
		assert_equal "$(ikx_respond_peer_ike_alg)" "$3"
		assert_equal "$(ikx_respond_peer_esp_alg)" "$4"
	fi
	# our selectors: as offered, ours narrowed to --ts
	[ "$(sed -n 's/^local_ts=//p' "$f")" = "$IKX_NET_right" ] ||
		fail "local_ts=$(sed -n 's/^local_ts=//p' "$f"), expected $IKX_NET_right"
	[ "$(sed -n 's/^remote_ts=//p' "$f")" = "$IKX_NET_left" ] ||
		fail "remote_ts=$(sed -n 's/^remote_ts=//p' "$f"), expected $IKX_NET_left"
}

# decoded MIN : stop ike-respond (its --pcap and --keys-out complete), then
# ike-decode decrypts every SK payload of the capture (at least MIN) with the
# --keys-out files; IKE_SA_INIT and IKE_AUTH, request and response, in it
decoded() {
	local n_sk n_dec
	ikx_respond_stop
	[ -s "$W/respond.pcap" ] || fail "no --pcap written"
	[ -s "$W/keys/ikev2_decryption_table" ] || fail "no ikev2_decryption_table in --keys-out"
	[ -s "$W/keys/esp_sa" ] || fail "no esp_sa in --keys-out"
	run --separate-stderr "$D" --keys "$W/keys" --json "$W/respond.pcap"
	printf '%s\n' "$output" >"$W/decode.jsonl"
	printf '%s\n' "$stderr" >"$W/decode.err"
	assert_success
	n_sk=$(jq -s '[.[].payloads[]? | select(.name == "SK" or .name == "SKF")] | length' "$W/decode.jsonl")
	n_dec=$(jq -s '[.[].payloads[]? | select((.name == "SK" or .name == "SKF") and .decrypted == true)] | length' "$W/decode.jsonl")
	[ "$n_sk" -ge "$1" ] || fail "only $n_sk SK payloads in the capture"
	[ "$n_dec" -eq "$n_sk" ] || fail "$n_dec of $n_sk SK payloads decrypted"
	[ "$(jq -s '[.[] | select(.exchange == "IKE_SA_INIT")] | length' "$W/decode.jsonl")" -eq 2 ] ||
		fail "not 2 IKE_SA_INIT messages in the capture"
	[ "$(jq -s '[.[] | select(.exchange == "IKE_AUTH")] | length' "$W/decode.jsonl")" -eq 2 ] ||
		fail "not 2 IKE_AUTH messages in the capture"
	# each decrypted message's inner payloads are those strongSwan logged for
	# it ("generating" its requests, "parsed" our responses; N(...) -> N)
	local line want got
	while IFS= read -r line; do
		got=${line#*|}
		case ${line%%|*} in
		*" request "*) want="generating ${line%%|*}" ;;
		*) want="parsed ${line%%|*}" ;;
		esac
		want=$(grep -F "$want [" "$(ikx_dir left)/charon.log" | head -1 |
			sed 's/.*\[ \(.*\)\]$/\1/; s/([^)]*)//g' | tr -s ' ' | sed 's/ *$//')
		[ "$got" = "$want" ] ||
			fail "${line%%|*}: ike-decode '$got', strongSwan logged '$want'"
	done < <(jq -r 'select(any(.payloads[]?; .name == "SK")) |
		"\(.exchange) \(if .response then "response" else "request" end) \(.msgid)|" +
		([.payloads[] | select(.name == "SK") | .payloads[]?.name] | join(" "))' "$W/decode.jsonl")
}

@test "aes256gcm16-prfsha256-x25519 / aes256gcm16: strongSwan establishes with ike-respond" {
	established aes256gcm16-prfsha256-x25519 aes256gcm16 \
		AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519 ESP:AES_GCM_16-256
}

@test "aes128-sha256-modp2048 / aes128-sha256: strongSwan establishes with ike-respond" {
	established aes128-sha256-modp2048 aes128-sha256 \
		AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048 ESP:AES_CBC-128/HMAC_SHA2_256_128
}

@test "chacha20poly1305-prfsha256-ecp256 / chacha20poly1305: strongSwan establishes with ike-respond" {
	established chacha20poly1305-prfsha256-ecp256 chacha20poly1305 \
		CHACHA20_POLY1305/PRF_HMAC_SHA2_256/ECP_256 ESP:CHACHA20_POLY1305
	decoded 2
}

@test "aes256gcm16-prfsha384-ecp384 / aes256gcm16: strongSwan establishes with ike-respond" {
	established aes256gcm16-prfsha384-ecp384 aes256gcm16 \
		AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384 ESP:AES_GCM_16-256
	decoded 2
}

@test "aes256-sha384-modp3072 / aes256-sha384: strongSwan establishes with ike-respond" {
	established aes256-sha384-modp3072 aes256-sha384 \
		AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/MODP_3072 ESP:AES_CBC-256/HMAC_SHA2_384_192
	decoded 2
}

@test "over IPv6: aes256gcm16-prfsha256-x25519 / aes256gcm16: strongSwan establishes with ike-respond" {
	[ "$IKX_FAMILY" = 6 ] && [ "$IKX_ADDR_right" = 2001:db8::2 ] || fail "not IPv6"
	established aes256gcm16-prfsha256-x25519 aes256gcm16 \
		AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519 ESP:AES_GCM_16-256
	ikx_sw left --list-sas >"$W/list-sas.txt" 2>&1
	grep -qF "remote '2001:db8::2' @ 2001:db8::2[4500]" "$W/list-sas.txt" ||
		fail "strongSwan's SA is not with 2001:db8::2[4500]: $(cat "$W/list-sas.txt")"
	grep -q '^remote=\[2001:db8::1\]:4500$' "$W"/state/*/ike.sa ||
		fail "ike.sa: $(grep '^remote=' "$W"/state/*/ike.sa)"
	decoded 2
	# IPv6 outer addresses in the capture (the set-up's four messages; a
	# liveness check of charon's may follow on a busy machine) and the
	# esp_sa records
	[ "$(jq -s '[.[] | select((.exchange == "IKE_SA_INIT" or .exchange == "IKE_AUTH") and (.src == "2001:db8::1" or .src == "2001:db8::2"))] | length' "$W/decode.jsonl")" -eq 4 ] ||
		fail "outer addresses: $(jq -c '[.src, .dst]' "$W/decode.jsonl" | tr '\n' ' ')"
	grep -q '"IPv6","2001:db8::1","2001:db8::2"' "$W/keys/esp_sa" || fail "esp_sa: $(cat "$W/keys/esp_sa")"
	grep -q '"IPv6","2001:db8::2","2001:db8::1"' "$W/keys/esp_sa" || fail "esp_sa: $(cat "$W/keys/esp_sa")"
}

@test "ike-decode decrypts the whole --pcap of a session (DPD, Delete) with the --keys-out files" {
	established aes256gcm16-prfsha256-x25519 aes256gcm16 \
		AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519 ESP:AES_GCM_16-256
	# one DPD exchange (dpd_delay = 2s), then charon's Delete
	ikx_until 5 grep -q '^dpd ' "$IKX_RUN/respond.out" || fail "no dpd event within 5 s"
	ikx_sw left --terminate --ike ikx --timeout 5 >"$W/terminate.out" 2>&1 ||
		{ cat "$W/terminate.out" >&3; fail "swanctl --terminate failed"; }
	ikx_until 5 grep -q '^deleted ' "$IKX_RUN/respond.out" || fail "no 'deleted' event"
	decoded 4
	[ "$(jq -s '[.[] | select(.exchange == "INFORMATIONAL")] | length' "$W/decode.jsonl")" -ge 4 ] ||
		fail "fewer than 4 INFORMATIONAL messages (DPD, Delete)"
	jq -e -s 'any(.[]; .exchange == "INFORMATIONAL" and (.response | not) and
		any(.payloads[]?; .name == "SK" and any(.payloads[]?; .name == "D")))' "$W/decode.jsonl" >/dev/null ||
		fail "the Delete request is not decrypted"
}

@test "charon's DPD liveness checks are answered and the SA stays up" {
	established aes256gcm16-prfsha256-x25519 aes256gcm16
	sleep 6.5
	[ -n "$(ikx_respond_peer_spis)" ] || fail "SA no longer ESTABLISHED after 6 s"
	assert_equal "$(ikx_respond_peer_spis)" "$(our_sas)"
	run grep -c '^dpd ' "$IKX_RUN/respond.out"
	[ "$output" -ge 2 ] || fail "ike-respond logged $output dpd events"
}

@test "swanctl --terminate: ike-respond removes the SA from its state dir" {
	established aes256gcm16-prfsha256-x25519 aes256gcm16
	ikx_sw left --terminate --ike ikx --timeout 5 >"$W/terminate.out" 2>&1 ||
		{ cat "$W/terminate.out" >&3; fail "swanctl --terminate failed"; }
	ikx_until 5 test -z "$(our_sas)" || fail "SA still in the state dir: $(our_sas)"
	grep -q '^deleted ' "$IKX_RUN/respond.out" || fail "no 'deleted' line"
	grep -q 'INFORMATIONAL response 2 \[ \]' "$(ikx_dir left)/charon.log" ||
		grep -q 'IKE_SA ikx\[1\] state change: DELETING => DESTROYING' "$(ikx_dir left)/charon.log" ||
		fail "charon did not see our answer to its Delete"
}

@test "wrong PSK on strongSwan's side: AUTHENTICATION_FAILED, nothing established" {
	IKX_PSK=not-the-right-key-at-all
	printf "%s\n" ikekit-interop-lab-psk-not-secret >"$W/psk"
	up aes256gcm16-prfsha256-x25519 aes256gcm16
	run initiate
	assert_failure
	[ -z "$(ikx_respond_peer_spis)" ] || fail "strongSwan has an IKE SA"
	grep -q 'AUTHENTICATION_FAILED' "$IKX_RUN/respond.out" ||
		fail "ike-respond did not log AUTHENTICATION_FAILED: $(cat "$IKX_RUN/respond.out")"
	[ -z "$(our_sas)" ] || fail "ike-respond wrote an SA"
	grep -q 'AUTHENTICATION_FAILED' "$(ikx_dir left)/charon.log" || fail "charon saw no AUTHENTICATION_FAILED"
}

@test "no common IKE proposal: strongSwan gets N(NO_PROP) and fails, ike-respond refuses" {
	# ike-respond accepts none of strongSwan's (AES-GCM/x25519)
	RESP_IKE=aes128-sha256-modp2048
	up aes256gcm16-prfsha256-x25519 aes256gcm16
	run initiate
	assert_failure
	ikx_respond_log_grep 'parsed IKE_SA_INIT response 0 \[ N\(NO_PROP\) \]' >/dev/null ||
		fail "charon did not parse N(NO_PROP): $(ikx_respond_log_grep 'IKE_SA_INIT response')"
	ikx_respond_log_grep 'received NO_PROPOSAL_CHOSEN notify error' >/dev/null ||
		fail "charon did not log NO_PROPOSAL_CHOSEN"
	[ -z "$(ikx_respond_peer_spis)" ] || fail "strongSwan has an IKE SA"
	ikx_until 2 grep -q '^refused .*NO_PROPOSAL_CHOSEN' "$IKX_RUN/respond.out" ||
		fail "ike-respond logged no refusal: $(cat "$IKX_RUN/respond.out")"
	[ -z "$(our_sas)" ] || fail "ike-respond wrote an SA: $(our_sas)"
}

@test "selectors outside ike-respond's --ts: strongSwan gets TS_UNACCEPTABLE, no CHILD SA" {
	# strongSwan asks for 10.91.1.0/24 === 10.91.2.0/24; we serve 10.91.9.0/24 only.
	# (strongSwan then keeps the IKE SA, "failed to establish CHILD_SA, keeping
	# IKE_SA", while ike-respond forgets it, as its man page says: not checked here)
	RESP_TS=10.91.9.0/24
	up aes256gcm16-prfsha256-x25519 aes256gcm16
	run initiate
	assert_failure
	ikx_respond_log_grep 'parsed IKE_AUTH response 1 \[ .*N\(TS_UNACCEPT\)' >/dev/null ||
		fail "charon did not parse N(TS_UNACCEPT): $(ikx_respond_log_grep 'IKE_AUTH response')"
	ikx_respond_log_grep 'received TS_UNACCEPTABLE notify, no CHILD_SA built' >/dev/null ||
		fail "charon did not log TS_UNACCEPTABLE"
	[ -z "$(ikx_respond_peer_children)" ] || fail "strongSwan lists a CHILD SA: $(ikx_respond_peer_children)"
	ikx_until 2 grep -q '^refused .*TS_UNACCEPTABLE' "$IKX_RUN/respond.out" ||
		fail "ike-respond logged no refusal: $(cat "$IKX_RUN/respond.out")"
	[ -z "$(ls "$W"/state/*/child.*.sa 2>/dev/null)" ] || fail "ike-respond wrote a Child SA"
}
