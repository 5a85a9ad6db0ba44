#!/usr/bin/env bats
# rekey-strongswan.bats: ike-rekey against strongSwan 5.9.8 as responder,
# on an SA that ike-initiate made: Child SA rekeys with and without PFS,
# alone and through a running esp-tun carrying traffic, a second Child SA
# (--add-child), refusals, Deletes of the Child SA and of the IKE SA, and a
# peer that is gone.  After each step
# swanctl --list-sas must agree with our state directory.
#
#   ns ikx-ID-l: ike-initiate, ike-rekey, esp-tun     ns ikx-ID-r: charon
#   192.0.2.1, inner 10.91.1.1                         192.0.2.2, inner 10.91.2.1

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	I=$IKEKIT_BIN/ike-initiate
	K=$IKEKIT_BIN/ike-rekey
	[ -x "$I" ] && [ -x "$K" ] || fail "not built (run make)"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-initiate.bash
	. "$HERE/lib-initiate.bash"
	# shellcheck source=tests/interop/lib-esptun.bash
	. "$HERE/lib-esptun.bash"
	IKX_PROG=rekey-strongswan
	# charon takes PFS with X25519 when the test is about PFS
	case $BATS_TEST_DESCRIPTION in *"PFS x25519"*)
		IKX_RESPONDER_ESP_PROPOSALS=aes256gcm16-x25519,aes256gcm16 ;;
	esac
	ikx_init || fail "ikx_init failed"
	ikx_responder_up || fail "strongSwan responder did not come up"
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
	run --separate-stderr ikx_in left timeout -k 2 12 "$I" --peer "$IKX_ADDR_right" \
		--psk-file "$W/psk" --ts "$IKX_NET_left=$IKX_NET_right" -S "$W/state" \
		--timeout 8 --encap --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --name s
	# shellcheck disable=SC2154 # stderr: set by run --separate-stderr
	[ "$status" = 0 ] || fail "ike-initiate: exit $status: $stderr"
	FIRST=$(kv "$W/state/s/ike.sa" child)
}

teardown() {
	esptun_down
	if ikx_failed; then
		cp "$(ikx_dir right)/charon.log" "$W/charon-right.log" 2>/dev/null
		ikx_sw right --list-sas >"$W/list-sas.txt" 2>&1
		cp -a "$(esptun_dir)" "$W/esptun" 2>/dev/null
		ikx_keep
	fi
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

kv() { sed -n "s/^$2=//p" "$1"; }

# rekey ARGS... : ike-rekey ARGS in the left namespace, bounded
rekey() {
	run --separate-stderr ikx_in left timeout -k 2 30 "$K" -S "$W/state" "$@"
}

# agree : charon's installed Child SAs are exactly ours, SPIs crossed
agree() {
	local ours theirs f
	ours=$(for f in "$W"/state/s/child.*.sa; do
		[ -f "$f" ] && printf '%s/%s\n' "$(kv "$f" spi_out | sed 's/^0x//')" "$(kv "$f" spi_in | sed 's/^0x//')"
	done | sort)
	theirs=$(ikx_child_spis_any right | sort)
	[ "$ours" = "$theirs" ] || fail "state dir [$ours] but charon [$theirs]"
}

# until_agree : agree, allowing charon a moment to finish the old SA's Delete
until_agree() {
	local i
	for i in $(seq 1 40); do
		agree 2>/dev/null && return 0
		sleep 0.1
	done
	agree
}

@test "ike-rekey -> strongSwan: a Child SA rekey, then the old one deleted; the state dir and charon agree" {
	rekey s
	[ "$status" = 0 ] || fail "exit $status: $stderr"
	local new=$output
	[ "$new" != "$FIRST" ] || fail "the same Child SA"
	[ -f "$W/state/s/child.$new.sa" ] || fail "no child.$new.sa"
	[ ! -f "$W/state/s/child.$FIRST.sa" ] || fail "the old Child SA's file stays"
	assert_equal "$(kv "$W/state/s/ike.sa" child)" "$new"
	# IKE_AUTH was 1; the rekey 2, the Delete 3
	assert_equal "$(kv "$W/state/s/ike.sa" msgid_out)" 4
	until_agree
	ikx_log_grep right 'parsed CREATE_CHILD_SA request 2 \[ N\(REKEY_SA\) SA No TSi TSr \]' >/dev/null ||
		fail "charon did not log our rekey request"
	# and again, from the new one
	rekey s --json
	[ "$status" = 0 ] || fail "second rekey: exit $status: $stderr"
	assert_equal "$(head -n 1 <<<"$output" | jq -r .old)" "$new"
	assert_equal "$(tail -n 1 <<<"$output" | jq -c .)" "{\"event\":\"deleted\",\"name\":\"s\",\"child\":\"$new\"}"
	until_agree
}

@test "ike-rekey --add-child -> strongSwan: a second Child SA with narrower selectors; both SAs agree, child= stays; then each rekeyed or deleted alone" {
	local added
	rekey s --add-child "$IKX_HOST_left/32=$IKX_HOST_right/32" --json
	[ "$status" = 0 ] || fail "exit $status: $stderr"
	assert_equal "$(jq -r .event <<<"$output")" added
	added=$(jq -r .child <<<"$output")
	[ -f "$W/state/s/child.$added.sa" ] || fail "no child.$added.sa"
	assert_equal "$(kv "$W/state/s/child.$added.sa" local_ts)" "$IKX_HOST_left/32"
	assert_equal "$(kv "$W/state/s/child.$added.sa" remote_ts)" "$IKX_HOST_right/32"
	assert_equal "$(kv "$W/state/s/ike.sa" child)" "$FIRST"
	assert_equal "$(kv "$W/state/s/ike.sa" pending_what)" ""
	until_agree
	[ "$(ikx_child_spis_any right | wc -l)" = 2 ] || fail "charon: $(ikx_child_spis_any right)"
	ikx_log_grep right 'parsed CREATE_CHILD_SA request 2 \[ SA No TSi TSr \]' >/dev/null ||
		fail "charon did not log a CREATE_CHILD_SA without REKEY_SA"
	# with two, --child says which
	rekey s
	assert_failure 1
	[[ $stderr == *"several Child SAs"* ]] || fail "$stderr"
	rekey s --child "$FIRST"
	[ "$status" = 0 ] || fail "rekey of $FIRST: exit $status: $stderr"
	until_agree
	rekey s --delete --child "$added"
	[ "$status" = 0 ] || fail "delete of $added: exit $status: $stderr"
	[ ! -f "$W/state/s/child.$added.sa" ] || fail "child.$added.sa stays"
	until_agree
	[ "$(ikx_child_spis_any right | wc -l)" = 1 ] || fail "charon: $(ikx_child_spis_any right)"
}

@test "ike-rekey -> strongSwan: through a running esp-tun, under pings: none lost, esp-tun carries the new SA" {
	local pp new
	esptun_start L left -S "$W/state" --sa s --json || fail "esp-tun did not come up"
	ikx_in left ping -c 30 -i 0.2 -W 1 -I "$IKX_HOST_left" "$IKX_HOST_right" >"$W/ping.out" 2>&1 &
	pp=$!
	sleep 1
	rekey s
	[ "$status" = 0 ] || fail "exit $status: $stderr"
	new=$output
	sleep 1
	rekey s
	[ "$status" = 0 ] || fail "second rekey: exit $status: $stderr"
	wait "$pp"
	grep -q '30 packets transmitted, 30 received' "$W/ping.out" || fail "$(cat "$W/ping.out")"
	until_agree
	esptun_running L || fail "esp-tun exited: $(cat "$(esptun_dir)/L.err")"
	# the newest SA carries traffic at both ends
	esptun_ping left 3 || fail "ping after the rekeys"
	sleep 1.2
	[ "$(esptun_sum "$W/state" s out_packets)" -gt 0 ] || fail "no counters"
	[ ! -f "$W/state/s/child.$new.sa" ] || fail "the first rekey's SA was not deleted by the second"
	esptun_stop L
	assert_equal "$ESPTUN_STATUS" 0
}

@test "ike-rekey -> strongSwan: --pfs x25519 (PFS x25519 accepted): a KE both ways, the SAs agree" {
	rekey s --pfs x25519
	[ "$status" = 0 ] || fail "exit $status: $stderr"
	ikx_log_grep right 'parsed CREATE_CHILD_SA request 2 \[ N\(REKEY_SA\) SA No KE TSi TSr \]' >/dev/null ||
		fail "no KE in our request"
	ikx_log_grep right 'generating CREATE_CHILD_SA response 2 \[ SA No KE TSi TSr \]' >/dev/null ||
		fail "no KE in charon's answer"
	until_agree
}

@test "ike-rekey -> strongSwan: --pfs x25519 where charon takes no PFS: exit 3 NO_PROPOSAL_CHOSEN, the old SA stays" {
	rekey s --pfs x25519
	assert_equal "$status" 3
	assert_equal "$stderr" "ike-rekey: s: CREATE_CHILD_SA: peer sent NO_PROPOSAL_CHOSEN"
	assert_output ""
	[ -f "$W/state/s/child.$FIRST.sa" ] || fail "the old Child SA's file went"
	[ "$(ls "$W"/state/s/child.*.sa | wc -l)" = 1 ] || fail "a new Child SA file: $(ls "$W/state/s")"
	until_agree
	# the message ID was used all the same: the next request goes on
	rekey s
	[ "$status" = 0 ] || fail "a rekey after the refusal: exit $status: $stderr"
	until_agree
}

@test "ike-rekey --delete -> strongSwan: the Child SA goes at both ends; then --delete --ike: the IKE SA" {
	rekey s --delete
	[ "$status" = 0 ] || fail "exit $status: $stderr"
	[ ! -f "$W/state/s/child.$FIRST.sa" ] || fail "the Child SA's file stays"
	[ -z "$(kv "$W/state/s/ike.sa" child)" ] || fail "ike.sa still names the Child SA"
	ikx_until 5 test -z "$(ikx_child_spis_any right)" || fail "charon keeps $(ikx_child_spis_any right)"
	rekey s --delete --ike
	[ "$status" = 0 ] || fail "exit $status: $stderr"
	[ ! -d "$W/state/s" ] || fail "the SA directory stays"
	ikx_until 5 test -z "$(ikx_ike_spis_any right)" || fail "charon keeps the IKE SA"
}

@test "ike-rekey --delete --ike -> strongSwan through a running esp-tun: esp-tun exits 0 as the SA leaves" {
	esptun_start L left -S "$W/state" --sa s --json || fail "esp-tun did not come up"
	rekey s --delete --ike
	[ "$status" = 0 ] || fail "exit $status: $stderr"
	esptun_wait_exit L 10 || fail "esp-tun still runs"
	assert_equal "$ESPTUN_STATUS" 0
	ikx_until 5 test -z "$(ikx_ike_spis_any right)" || fail "charon keeps the IKE SA"
}

@test "ike-rekey -> a peer that is gone: exit 4 within --timeout, the SA untouched" {
	ikx_charon_stop right
	local t0=$SECONDS
	rekey s --timeout 2
	assert_equal "$status" 4
	assert_equal "$stderr" "ike-rekey: s: CREATE_CHILD_SA: no answer within 2 s"
	[ $((SECONDS - t0)) -le 5 ] || fail "took $((SECONDS - t0)) s"
	[ -f "$W/state/s/child.$FIRST.sa" ] || fail "the Child SA's file went"
}
