#!/usr/bin/env bats
# hostile-respond.bats: ike-respond against the catalogue of hand-built hostile
# IKEv2 messages in tests/tools/hostile.py (run `hostile.py list` for it), then
# a real strongSwan 5.9.8 initiator against the same process.
#
#   ns ikx-ID-l: hostile.py, charon (initiator)   ns ikx-ID-r: ike-respond -v
#   192.0.2.1 ikxID-l  <--------- veth --------->  ikxID-r 192.0.2.2
#
# hostile.py sends each entry from a fresh UDP socket and checks, within
# bounded waits: the answer RFC 7296 calls for (a clear Notify such as
# UNSUPPORTED_CRITICAL_PAYLOAD with the payload type, INVALID_KE_PAYLOAD naming
# our group, NO_PROPOSAL_CHOSEN, INVALID_MAJOR_VERSION with 2.0 in the header;
# an encrypted one for a decrypted IKE_AUTH: INVALID_SYNTAX,
# UNSUPPORTED_CRITICAL_PAYLOAD, AUTHENTICATION_FAILED; the cached response
# byte for byte for a replayed IKE_AUTH; or nothing at all), and a -v line of
# ike-respond naming the reason (its peer's port or SA name in it).  Then:
# the same ike-respond (same pid) lets strongSwan establish; its counters
# (printed on SIGTERM) count the unknown SPIs, ESP packets and keepalives
# sent.  --half-open-max 8: more than 8 refusals and drops went through the
# half-open table before later entries and strongSwan are answered, so an
# unauthenticated error leaves no state behind.  Every datagram is in the
# pcap hostile.py writes: `ike-decode`, `-v`, `--json` and `--keys` read it
# with status 0, and `hostile.py check-decode` checks that every malformed one
# is labelled malformed with a reason (inner ones with the keys).  A second
# test: without -v, the same kinds of messages write nothing to stderr.
# On failure the test's files go to ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

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
	H=$IKEKIT_TOP/tests/tools/hostile.py
	[ -x "$R" ] || fail "ike-respond not built: $R (run make)"
	[ -x "$D" ] || fail "ike-decode not built: $D (run make)"
	python3 -c 'import cryptography' 2>/dev/null || skip "python3-cryptography missing"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-respond.bash
	. "$HERE/lib-respond.bash"
	IKX_PROG=hostile-respond
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
}

teardown() {
	if ikx_failed; then
		cp "$(ikx_dir left)/charon.log" "$W/charon-left.log" 2>/dev/null
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$W"/ 2>/dev/null
		ikx_keep
	fi
	ikx_respond_stop
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# respond ARGS... : ike-respond in the right namespace with the proposals
# hostile.py expects (chacha20poly1305 too: a Key Length on it is refused)
respond() {
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ike aes256gcm16-prfsha256-x25519,chacha20poly1305-prfsha256-x25519 \
		--esp aes256gcm16 --ts "$IKX_NET_right" --half-open-max 8 -S "$W/state" "$@" ||
		fail "ike-respond did not start"
	PID=$(cat "$IKX_RUN/respond.pid")
}

# hostile ARGS... : hostile.py run in the left namespace (at most 50 s)
hostile() {
	ikx_in left timeout 50 python3 "$H" run --target "$IKX_ADDR_right" \
		--source "$IKX_ADDR_left" --psk-file "$W/psk" --log "$IKX_RUN/respond.err" \
		--out "$W/hostile" "$@" >"$W/hostile.out" 2>&1
}

# alive : the ike-respond started by respond, same pid, still running
alive() {
	[ "$(cat "/proc/$PID/comm" 2>/dev/null)" = ike-respond ] ||
		fail "ike-respond ($PID) is gone: $(tail -5 "$IKX_RUN/respond.err")"
}

@test "hostile messages: each answered as RFC 7296 says or dropped, and logged; the same ike-respond then serves strongSwan" {
	local n_cases n_ok theirs ours stop f
	ikx_init || fail "ikx_init failed"
	ikx_initiator_up || fail "strongSwan initiator did not come up"
	respond -v --pcap "$W/respond.pcap"
	n_cases=$(python3 "$H" list | wc -l)
	[ "$n_cases" -ge 50 ] || fail "only $n_cases entries in the catalogue"

	hostile || { grep -v '^ok ' "$W/hostile.out" >&3; fail "hostile.py: entries failed"; }
	n_ok=$(grep -c '^ok ' "$W/hostile.out")
	assert_equal "$n_ok" "$n_cases"
	grep -qx "summary: $n_cases passed, 0 failed" "$W/hostile.out" || fail "$(tail -1 "$W/hostile.out")"
	alive

	# the pcap of every datagram: each reading exits 0, malformed ones labelled
	run --separate-stderr "$D" "$W/hostile/hostile.pcap"
	assert_success
	printf '%s\n' "$output" >"$W/decode.txt"
	grep -q ' malformed: ' "$W/decode.txt" || fail "ike-decode labelled nothing malformed"
	run --separate-stderr "$D" -v "$W/hostile/hostile.pcap"
	assert_success
	printf '%s\n' "$output" >"$W/decode-v.txt"
	run --separate-stderr "$D" --json "$W/hostile/hostile.pcap"
	assert_success
	printf '%s\n' "$output" >"$W/decode.jsonl"
	run --separate-stderr "$D" --keys "$W/hostile/keys" --json "$W/hostile/hostile.pcap"
	assert_success
	printf '%s\n' "$output" >"$W/decode-keys.jsonl"
	run python3 "$H" check-decode "$W/hostile" "$W/decode.jsonl" "$W/decode-keys.jsonl"
	printf '%s\n' "$output" >"$W/check-decode.out"
	assert_success
	# the same process lets strongSwan in
	ikx_sw left --initiate --ike ikx --child net --timeout 8 >"$W/initiate.out" 2>&1 ||
		{ cat "$W/initiate.out" >&3; fail "swanctl --initiate failed"; }
	alive
	theirs=$(ikx_respond_peer_spis)
	[ -n "$theirs" ] || fail "no ESTABLISHED IKE SA on strongSwan's side"
	ours=$(for f in "$W"/state/*/ike.sa; do
		printf '%s_%s\n' "$(sed -n 's/^ispi=//p' "$f")" "$(sed -n 's/^rspi=//p' "$f")"
	done)
	# hostile.py deleted the two SAs it set up: strongSwan's is the only one
	assert_equal "$ours" "$theirs"
	ikx_until 5 grep -q "^established .* peer $IKX_ADDR_left:4500 " "$IKX_RUN/respond.out" ||
		fail "no 'established' event: $(cat "$IKX_RUN/respond.out")"

	# its counters, printed when it stops
	ikx_respond_stop
	stop=$(grep 'stopping:' "$IKX_RUN/respond.err") || fail "no 'stopping:' line"
	[[ $stop =~ ([0-9]+)\ ESP,\ ([0-9]+)\ keepalives,\ ([0-9]+)\ unknown\ SPIs ]] ||
		fail "counters: $stop"
	[ "${BASH_REMATCH[1]}" -ge 2 ] || fail "ESP counted ${BASH_REMATCH[1]}: $stop"
	[ "${BASH_REMATCH[2]}" -ge 1 ] || fail "keepalives counted ${BASH_REMATCH[2]}: $stop"
	[ "${BASH_REMATCH[3]}" -ge 3 ] || fail "unknown SPIs counted ${BASH_REMATCH[3]}: $stop"
	# ike-respond's own --pcap (complete once it stopped) reads too
	run --separate-stderr "$D" -v "$W/respond.pcap"
	assert_success
	printf '%s\n' "$output" >"$W/respond-decode.txt"
}

@test "hostile messages without -v: ike-respond writes nothing to stderr and survives" {
	ikx_init || fail "ikx_init failed"
	ikx_netns_up || fail "namespaces did not come up"
	respond
	# one entry of each way to be dropped or refused, in clear and in SK
	hostile --silent --only '^(empty-datagram|header-length-larger|ikev1-main-mode|major-version-3|sa-init-response-flag|sa-init-nonzero-rspi|unknown-spis-informational|chain-65-payloads|unknown-critical|duplicate-sa|ke-x25519-zero|ke-group-not-proposed|sa-keylen-0|no-acceptable-proposal|oversized-datagram-5000|natt-esp-unknown-spi|natt-keepalive|auth-bad-icv|auth-msgid-too-far-ahead|skf-number-0|inner-unknown-critical|inner-missing-auth)$' ||
		{ grep -v '^ok ' "$W/hostile.out" >&3; fail "hostile.py --silent: entries failed"; }
	grep -qx 'summary: 22 passed, 0 failed' "$W/hostile.out" || fail "$(tail -1 "$W/hostile.out")"
	alive
	[ ! -s "$IKX_RUN/respond.err" ] || fail "stderr: $(head -5 "$IKX_RUN/respond.err")"
}
