#!/usr/bin/env bats
# chain-strongswan.bats: IKE_AUTH longer than 4 KiB with strongSwan 5.9.8.
# Each end authenticates with a chain of RSA-4096 certificates (leaf and
# three intermediates; the root is the only anchor), so each IKE_AUTH
# message is about 6 KB:
#
#   ns ikx-ID-l (192.0.2.1)                        ns ikx-ID-r (192.0.2.2)
#   ike-initiate --frag-mtu 1280  ------------->  charon, fragment_size 1280
#   charon, fragment_size 1280  --------------->  ike-respond --frag-mtu 1280
#   ike-initiate (no fragmentation) ----------->  charon, fragmentation = no
#
# With fragmentation the message goes in SKF fragments (RFC 7383) both ways
# and is joined again on each side; without it, in one UDP datagram (IP
# fragments). Each time the SA is ESTABLISHED in swanctl with the SPIs we
# recorded, and the logs show that both messages were over 4096 bytes. On
# failure the test's files are copied to
# ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

# shellcheck disable=SC2154 # $stderr: set by bats' run --separate-stderr
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

# the lab PKI, once for the file (RSA-4096 keys take seconds each): a root,
# three intermediates below it, each with its own key (a CERTREQ names a
# CA by its key), and the two ends below the last one with one key
setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	local p=$BATS_FILE_TMPDIR/chain n up k
	mkdir -p "$p" && chmod 700 "$p" || return 1
	{
		for k in root inter1 inter2 inter3 end; do
			openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 \
				-out "$p/$k.key" || exit 1
		done
		openssl req -x509 -new -key "$p/root.key" -out "$p/ca.crt" -days 30 \
			-subj "/O=ikekit chain lab/CN=root" \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign || exit 1
		cp "$p/ca.crt" "$p/root.crt"
		printf '%s\n' 'basicConstraints = critical,CA:TRUE' \
			'keyUsage = critical,keyCertSign,cRLSign' >"$p/ca.ext"
		up=root
		for n in inter1 inter2 inter3; do
			openssl req -new -key "$p/$n.key" -subj "/O=ikekit chain lab/CN=$n" \
				-out "$p/$n.csr" &&
				openssl x509 -req -in "$p/$n.csr" -CA "$p/$up.crt" -CAkey "$p/$up.key" \
					-CAcreateserial -days 30 -extfile "$p/ca.ext" -out "$p/$n.crt" || exit 1
			up=$n
		done
		for n in left:192.0.2.1 right:192.0.2.2; do
			k=${n%%:*}
			printf 'subjectAltName = IP:%s\n' "${n#*:}" >"$p/$k.ext"
			openssl req -new -key "$p/end.key" -subj "/O=ikekit chain lab/CN=$k" \
				-out "$p/$k.csr" &&
				openssl x509 -req -in "$p/$k.csr" -CA "$p/inter3.crt" \
					-CAkey "$p/inter3.key" -CAcreateserial -days 30 \
					-extfile "$p/$k.ext" -out "$p/$k.crt" || exit 1
			cp "$p/end.key" "$p/$k.key"
			# ours: the leaf, then the intermediates up to the root
			cat "$p/$k.crt" "$p/inter3.crt" "$p/inter2.crt" "$p/inter1.crt" >"$p/$k.chain"
		done
	} >"$p/openssl.out" 2>&1 || { cat "$p/openssl.out" >&3; return 1; }
	chmod 600 "$p"/*.key
}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	I=$IKEKIT_BIN/ike-initiate
	R=$IKEKIT_BIN/ike-respond
	[ -x "$I" ] && [ -x "$R" ] || fail "not built (run make)"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-cert.bash
	. "$HERE/lib-cert.bash"
	IKX_PROG=chain-strongswan
	IKX_FRAGMENT_SIZE=1280
	ikx_init || fail "ikx_init failed"
	ikx_netns_up || fail "namespaces"
	P=$IKX_RUN/cpki
	mkdir -p "$P" && chmod 700 "$P" && cp -p "$BATS_FILE_TMPDIR/chain"/* "$P"/ ||
		fail "no lab PKI (setup_file)"
}

teardown() {
	if ikx_failed; then
		local s
		for s in left right; do
			cp "$(ikx_dir $s)/charon.log" "$W/charon-$s.log" 2>/dev/null
		done
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$W"/ 2>/dev/null
		ikx_keep
	fi
	ikx_respond_stop
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# chain_charon SIDE ROLE yes|no : lib-cert.bash's charon with SIDE's leaf,
# the intermediates beside the root (so that it sends them) and
# fragmentation as asked
chain_charon() {
	local conf sd
	ikx_cert_charon "$1" "$2" "$1" || return 1
	sd="$(ikx_dir "$1")/swanctl"
	conf=$sd/swanctl.conf
	cp "$P/inter1.crt" "$P/inter2.crt" "$P/inter3.crt" "$sd/x509ca/" &&
		sed -i "s/^    mobike = no\$/&\\n    fragmentation = $3/" "$conf" &&
		grep -q "fragmentation = $3" "$conf" && ikx_load "$1"
}

# big_in_log SIDE WHAT : charon's log on SIDE has a line matching WHAT
# about more than 4096 bytes ("sending packet: ... (N bytes)", "splitting
# IKE message (N bytes)", "reassembled fragmented IKE message (N bytes)")
big_in_log() {
	local log; log="$(ikx_dir "$1")/charon.log"
	awk -v what="$2" '$0 ~ what {
		if (match($0, /\(([0-9]+) bytes\)/)) {
			n = substr($0, RSTART + 1, RLENGTH - 8) + 0
			if (n > 4096) big = 1
		}
	} END { exit !big }' "$log"
}

@test "ike-initiate --frag-mtu 1280 -> strongSwan: RSA-4096 chains, IKE_AUTH over 4 KiB in fragments both ways" {
	chain_charon right responder yes || fail "charon"
	run --separate-stderr ikx_in left timeout -k 2 20 "$I" --peer "$IKX_ADDR_right" \
		--cert "$P/left.chain" --key "$P/left.key" --ca "$P/ca.crt" \
		--ike "$IKX_IKE_PROPOSALS" --esp "$IKX_ESP_PROPOSALS" \
		--ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" --timeout 15 \
		--frag-mtu 1280 -v
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_success
	[ "$(ikx_ike_spis_any right)" = "${output/-/_}" ] ||
		fail "strongSwan lists '$(ikx_ike_spis_any right)', we wrote '$output'"
	len=$(sed -n 's/.*message 1 of \([0-9]*\) bytes sent as [0-9]* fragments.*/\1/p' <<<"$stderr" | head -1)
	[ -n "$len" ] && [ "$len" -gt 4096 ] || fail "our IKE_AUTH went whole or short ('$len' bytes)"
	[[ $stderr == *"message 1 reassembled from "*" fragments"* ]] || fail "we reassembled nothing"
	ikx_log_grep right "received fragment #[0-9]+ of [0-9]+, reassembled fragmented IKE message" >/dev/null ||
		fail "charon did not reassemble our fragments"
	big_in_log right "splitting IKE message" || fail "charon's IKE_AUTH was not over 4096 bytes in fragments"
	big_in_log right "reassembled fragmented IKE message" ||
		fail "charon did not join a message over 4096 bytes"
}

@test "strongSwan -> ike-respond --frag-mtu 1280: RSA-4096 chains, IKE_AUTH over 4 KiB in fragments both ways" {
	chain_charon left initiator yes || fail "charon"
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --cert "$P/right.chain" \
		--key "$P/right.key" --ca "$P/ca.crt" --ike "$IKX_IKE_PROPOSALS" \
		--esp "$IKX_ESP_PROPOSALS" --ts "$IKX_NET_right" -S "$W/state" \
		--frag-mtu 1280 -v ||
		fail "ike-respond did not start"
	run ikx_sw left --initiate --ike ikx --child net --timeout 15
	assert_success
	spis=$(ikx_respond_peer_spis)
	[ -n "$spis" ] || fail "no ESTABLISHED SA in swanctl"
	grep -q "^established ${spis/_/-} " "$IKX_RUN/respond.out" || fail "ike-respond did not report it"
	big_in_log left "splitting IKE message" || fail "charon's IKE_AUTH was not over 4096 bytes in fragments"
	grep -q "reassembled from [0-9]* fragments" "$IKX_RUN/respond.err" ||
		fail "ike-respond reassembled nothing"
	len=$(sed -n 's/.*message 1 of \([0-9]*\) bytes sent as [0-9]* fragments.*/\1/p' "$IKX_RUN/respond.err" | head -1)
	[ -n "$len" ] && [ "$len" -gt 4096 ] || fail "our IKE_AUTH went whole or short ('$len' bytes)"
	big_in_log left "reassembled fragmented IKE message" ||
		fail "charon did not join a message over 4096 bytes"
}

@test "ike-initiate -> strongSwan, no IKE fragmentation: RSA-4096 chains, IKE_AUTH over 4 KiB whole both ways" {
	chain_charon right responder no || fail "charon"
	run --separate-stderr ikx_in left timeout -k 2 20 "$I" --peer "$IKX_ADDR_right" \
		--cert "$P/left.chain" --key "$P/left.key" --ca "$P/ca.crt" \
		--ike "$IKX_IKE_PROPOSALS" --esp "$IKX_ESP_PROPOSALS" \
		--ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" --timeout 15 -v
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_success
	[ "$(ikx_ike_spis_any right)" = "${output/-/_}" ] ||
		fail "strongSwan lists '$(ikx_ike_spis_any right)', we wrote '$output'"
	[[ $stderr != *"fragments"* ]] || fail "fragments used"
	big_in_log right "received packet:" || fail "charon got no datagram over 4096 bytes"
	big_in_log right "sending packet:" || fail "charon sent no datagram over 4096 bytes"
}
