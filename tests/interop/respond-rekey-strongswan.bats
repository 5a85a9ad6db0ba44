#!/usr/bin/env bats
# respond-rekey-strongswan.bats: ike-respond answering the CREATE_CHILD_SA
# requests of strongSwan 5.9.8 as INITIATOR on the SAs it owns (no esp-tun
# running), with charon's rekey_time short (rand_time 0):
#
#   - Child SA rekeys every 3 s without PFS (no KE in charon's request), a
#     second Child SA ("net2", swanctl --initiate --child net2) whose
#     remote_ts 10.91.4.0/22 is narrowed into our --ts to 10.91.4.0/24, made
#     and rekeyed with PFS (esp_proposals with x25519: a KE both ways);
#   - IKE SA rekeys every 3 s: ike.sa takes the new SPIs, the Child SA stays,
#     the old IKE SA answers charon's Delete of it (charon then lists one IKE
#     SA), twice in a row; every SK payload of ike-respond's --pcap decrypts
#     with its --keys-out files (the new IKE SAs' keys are exported).
#
#   - ike-respond stopped and started again: it takes the SA back from the
#     state dir (a "resumed" event), and answers charon's liveness checks and
#     Child SA rekeys on it;
#   - an IKE SA rekey that esp-tun answered while it carried the SA: once
#     esp-tun stops, ike-respond finds the new SPIs in ike.sa when charon's
#     requests come with them, and answers.
#
# After each, swanctl --list-sas and ike-respond's state dir agree (IKE SPIs,
# the Child SAs' SPIs crosswise, no file left of an old Child SA), each
# change has its event line, and an esp-tun started later on the SA carries
# pings both ways (it takes over the rekeys from then on).
#
#   ns ikx-ID-l: charon (initiator)           ns ikx-ID-r: ike-respond, esp-tun
#   192.0.2.1 ikxID-l  <------ veth ------>  ikxID-r 192.0.2.2
#   tunnel 10.91.1.0/24 <=================> 10.91.2.0/24 (and 10.91.4.0/24)
#
# Every wait is bounded; programs are stopped by pid.  On failure the test's
# files go to ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

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
	[ -x "$R" ] && [ -x "$D" ] && [ -x "$IKEKIT_BIN/esp-tun" ] || fail "not built (run make)"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-respond.bash
	. "$HERE/lib-respond.bash"
	# shellcheck source=tests/interop/lib-esptun.bash
	. "$HERE/lib-esptun.bash"
	IKX_PROG=respond-rekey-strongswan
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
}

teardown() {
	esptun_down
	if ikx_failed; then
		cp "$(ikx_dir left)/charon.log" "$W/charon-left.log" 2>/dev/null
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$W"/ 2>/dev/null
		ikx_sw left --list-sas >"$W/list-sas.txt" 2>&1
		cp -a "$(esptun_dir)" "$W/esptun" 2>/dev/null
		ikx_keep
	fi
	ikx_respond_stop
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

kv() { sed -n "s/^$2=//p" "$1"; }

# up : charon (left) with the knobs set by the test, ike-respond (right) for
# 10.91.2.0/24 and 10.91.4.0/24, state dir $W/state; the first IKE SA and
# Child SA "net" up; NAME is its name in the state dir
up() {
	IKX_IKE_PROPOSALS=aes256gcm16-prfsha256-x25519 IKX_ESP_PROPOSALS=aes256gcm16
	ikx_init || fail "ikx_init failed"
	ikx_initiator_up || fail "strongSwan initiator did not come up"
	respond_up
	ikx_sw left --initiate --ike ikx --child net --timeout 8 >"$W/initiate.out" 2>&1 ||
		{ cat "$W/initiate.out" >&3; fail "swanctl --initiate failed"; }
	ikx_until 5 at_least established 1 || fail "no established event"
	NAME=$(events established | jq -r .name)
}

# respond_up : ike-respond (right) for 10.91.2.0/24 and 10.91.4.0/24, state
# dir $W/state; again after respond_restart (its first run's output is then
# in $W/respond-1.out, .err)
respond_up() {
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ike "$IKX_IKE_PROPOSALS" --esp aes256gcm16 --ts "$IKX_NET_right,10.91.4.0/24" \
		-S "$W/state" --pcap "$W/respond.pcap" --keys-out "$W/keys" --json -v ||
		fail "ike-respond did not start"
}

respond_restart() {
	ikx_respond_stop || fail "ike-respond did not stop"
	cp "$IKX_RUN/respond.out" "$W/respond-1.out"
	cp "$IKX_RUN/respond.err" "$W/respond-1.err"
	respond_up
}

# events WHAT : ike-respond's events WHAT so far, one JSON object a line
events() { jq -c --arg e "$1" 'select(.event == $e)' "$IKX_RUN/respond.out" 2>/dev/null; }
n_events() { events "$1" | wc -l; }
# at_least WHAT N : N events WHAT or more (for ikx_until: evaluated each time)
at_least() { [ "$(n_events "$1")" -ge "$2" ]; }
# child_up JQ-FILTER : a child-up event passes the filter (e.g. a rekey)
child_up() { [ -n "$(events child-up | jq -r "select($1) | .child.name")" ]; }

# swan_children : "in/out" of each INSTALLED CHILD SA of charon, sorted
swan_children() {
	ikx_sw left --list-sas 2>/dev/null | awk '
		/^  [^ ]+: #[0-9]+, .*INSTALLED/ { on = 1; next }
		/^  [^ ]/ { on = 0 }
		on && $1 == "in"  { i = $2; sub(/,$/, "", i) }
		on && $1 == "out" { o = $2; sub(/,$/, "", o); print i "/" o; on = 0 }' | sort
}

# our_children : the same from our state dir (charon's in is our out)
our_children() {
	local f
	for f in "$W/state/$NAME"/child.*.sa; do
		[ -f "$f" ] || continue
		printf '%s/%s\n' "$(kv "$f" spi_out 2>/dev/null | sed 's/^0x//')" \
			"$(kv "$f" spi_in 2>/dev/null | sed 's/^0x//')"
	done | sort
}

# esptun_made N : esp-tun made N Child SAs (answering rekeys)
esptun_made() { [ "$(esptun_events E | jq -s '[.[] | select(.event == "child-up")] | length')" -ge "$1" ]; }

# rekeys_of_esptun : ike-respond answered the rekey of a Child SA that
# esp-tun made
rekeys_of_esptun() {
	local c
	for c in $(esptun_events E | jq -r 'select(.event == "child-up") | .child'); do
		child_up ".rekeys.spi_in == \"0x$c\"" && return 0
	done
	return 1
}

# esptun_rekeyed_ike : esp-tun answered an IKE SA rekey
esptun_rekeyed_ike() { [ -n "$(esptun_events E | jq -r 'select(.event == "ike-rekeyed") | .event')" ]; }

# answered_after_resume : a liveness check or an IKE SA rekey answered by
# ike-respond after its resumed event
answered_after_resume() {
	jq -r '.event' "$IKX_RUN/respond.out" 2>/dev/null |
		sed -n '/^resumed$/,$p' | grep -qx -e dpd -e ike-rekeyed
}

# two_children : agree, with two Child SAs, one of them for 10.91.4.0/24
two_children() {
	agree && [ "$(our_children | wc -l)" = 2 ] &&
		[ "$(grep -ls '^local_ts=10.91.4.0/24$' "$W/state/$NAME"/child.*.sa | wc -l)" = 1 ]
}

# one_ike_sa : charon lists one IKE SA, in any state
one_ike_sa() { [ "$(ikx_sw left --list-sas 2>/dev/null | grep -c '^ikx: #')" = 1 ]; }

our_ike() { printf '%s_%s' "$(kv "$W/state/$NAME/ike.sa" ispi)" "$(kv "$W/state/$NAME/ike.sa" rspi)"; }

# agree : charon has one IKE SA, ours, and the same Child SAs as our files
# (none left over on either side)
agree() {
	local theirs kids
	theirs=$(ikx_respond_peer_spis)
	kids=$(swan_children)
	[ -n "$kids" ] && [ "$theirs" = "$(our_ike)" ] && [ "$kids" = "$(our_children)" ]
}

# agree_now : agree within 5 s (charon's Delete of the old SA may be under
# way), or fail showing both sides
agree_now() {
	ikx_until 5 agree ||
		fail "$1: charon: $(ikx_respond_peer_spis) $(swan_children | tr '\n' ' '); ours: $(our_ike) $(our_children | tr '\n' ' ')"
}

# named_here : ike.sa's child= names a Child SA that is there (it follows
# the peer's rekeys of it: ike-rekey --auto watches it)
named_here() {
	local c
	c=$(kv "$W/state/$NAME/ike.sa" child)
	[ -n "$c" ] && [ -f "$W/state/$NAME/child.$c.sa" ]
}

# carried : esp-tun started on the SA now carries pings both ways
carried() {
	esptun_start E right -S "$W/state" --sa "$NAME" --json -v || fail "esp-tun did not come up"
	esptun_ping left 3 || fail "pings left -> right"
	esptun_ping right 3 || fail "pings right -> left"
}

@test "charon rekeys the Child SA (no PFS), makes a second one narrowed into --ts and rekeys it with PFS: swanctl and the state dir agree after each; esp-tun then carries them" {
	IKX_INITIATOR_CHILD_REKEY=3s IKX_CHILD2_REMOTE_TS=10.91.4.0/22
	IKX_CHILD2_ESP_PROPOSALS=aes256gcm16-x25519
	up
	local first f net2
	first=$(our_children)
	# the first rekey of "net": a child-up naming the old one, then its Delete
	ikx_until 10 child_up .rekeys || fail "no Child SA rekey within 10 s"
	ikx_until 5 at_least deleted-child 1 || fail "the old Child SA was not deleted"
	agree_now "after the rekey of net"
	[ "$(our_children)" != "$first" ] || fail "the Child SA did not change"
	ikx_until 5 named_here || fail "ike.sa's child= names a Child SA gone: $(ls "$W/state/$NAME")"
	ikx_respond_log_grep 'generating CREATE_CHILD_SA request [0-9]+ \[ N\(REKEY_SA\) SA No TSi TSr \]' >/dev/null ||
		fail "charon's rekey of net: not SA, Ni, TSi, TSr without KE"
	# a second Child SA, with PFS, its TSr narrowed to 10.91.4.0/24
	ikx_sw left --initiate --ike ikx --child net2 --timeout 8 >"$W/initiate2.out" 2>&1 ||
		{ cat "$W/initiate2.out" >&3; fail "swanctl --initiate --child net2 failed"; }
	ikx_until 5 child_up '.rekeys == null' || fail "no child-up event for net2"
	ikx_respond_log_grep 'generating CREATE_CHILD_SA request [0-9]+ \[ SA No KE TSi TSr \]' >/dev/null ||
		fail "charon's net2: no KE in its request"
	net2=$(events child-up | jq -r 'select(.rekeys == null) | .child.name')
	# (its rekey is 3 s away: the file is there)
	f=$W/state/$NAME/child.$net2.sa
	[ "$(kv "$f" local_ts)" = 10.91.4.0/24 ] && [ "$(kv "$f" remote_ts)" = "$IKX_NET_left" ] ||
		fail "net2's file: $(cat "$f" 2>&1 | grep _ts)"
	ikx_sw left --list-sas 2>/dev/null | awk '/^  net2: #[0-9]+, .*INSTALLED/ { on = 1; next }
		/^  [^ ]/ { on = 0 } on && $1 == "remote" { print $2 }' | grep -qx '10.91.4.0/24' ||
		fail "charon's net2 is not narrowed to 10.91.4.0/24: $(ikx_sw left --list-sas)"
	# its rekey, with a KE both ways
	ikx_until 10 child_up ".rekeys.spi_in == \"0x$net2\"" || fail "net2 not rekeyed within 10 s"
	ikx_respond_log_grep 'generating CREATE_CHILD_SA request [0-9]+ \[ N\(REKEY_SA\) SA No KE TSi TSr \]' >/dev/null ||
		fail "charon's rekey of net2: no KE"
	ikx_respond_log_grep 'parsed CREATE_CHILD_SA response [0-9]+ \[ SA No KE TSi TSr \]' >/dev/null ||
		fail "our answer to the PFS rekey: no KE"
	agree_now "after the rekey of net2"
	# (rekeys go on every 3 s: these hold between two of them)
	ikx_until 5 two_children || fail "not 2 Child SAs, one for 10.91.4.0/24: $(our_children)"
	[ -z "$(events refused)" ] || fail "refused: $(events refused)"
	# one event per change: each child-up of a rekey has its deleted-child
	[ "$(n_events child-up)" -ge 3 ] || fail "events: $(cat "$IKX_RUN/respond.out")"
	carried
	[ "$(esptun_events E | jq -s '[.[] | select(.event == "up")][0].children | length')" -ge 2 ] ||
		fail "esp-tun does not carry both Child SAs: $(esptun_events E)"
	# esp-tun answers the rekeys while it runs; once it stops, ike-respond
	# answers them again, on Child SAs that esp-tun made (read from their files)
	ikx_until 10 esptun_made 2 || fail "esp-tun answered no rekeys: $(esptun_events E)"
	ikx_until 5 named_here || fail "after esp-tun's rekeys, child= names a Child SA gone: $(ls "$W/state/$NAME")"
	esptun_stop E || fail "esp-tun did not stop"
	ikx_until 10 rekeys_of_esptun || fail "ike-respond did not rekey a Child SA that esp-tun made"
	ikx_until 5 two_children || fail "after esp-tun stopped: $(our_children)"
	ikx_until 5 named_here || fail "after ike-respond's rekeys, child= names a Child SA gone: $(ls "$W/state/$NAME")"
	[ -z "$(events refused)" ] || fail "refused: $(events refused)"
}

@test "charon rekeys the IKE SA twice: ike.sa takes the new SPIs and keys, the Child SA stays, the old IKE SA answers its Delete; esp-tun then carries the SA; the capture decrypts" {
	IKX_INITIATOR_IKE_REKEY=3s
	up
	local old kids n_sk n_dec
	old=$(our_ike) kids=$(our_children)
	agree_now "after IKE_AUTH"
	ikx_until 10 at_least ike-rekeyed 1 || fail "no IKE SA rekey within 10 s"
	agree_now "after the IKE SA rekey"
	[ "$(our_ike)" != "$old" ] || fail "ike.sa keeps the old SPIs"
	assert_equal "$(events ike-rekeyed | head -n 1 | jq -r '.old_ispi + "_" + .old_rspi')" "$old"
	assert_equal "$(our_children)" "$kids"
	# the old IKE SA's Delete answered: charon forgets it
	ikx_until 5 one_ike_sa ||
		fail "charon still lists the old IKE SA: $(ikx_sw left --list-sas)"
	grep -q 'IKE SA [0-9a-f/]*, rekeyed, deleted' "$IKX_RUN/respond.err" ||
		fail "the old IKE SA's Delete not seen"
	# again, on the new IKE SA (message IDs from 0)
	old=$(events ike-rekeyed | head -n 1 | jq -r '.ispi + "_" + .rspi')
	ikx_until 10 at_least ike-rekeyed 2 || fail "no second IKE SA rekey within 10 s"
	assert_equal "$(events ike-rekeyed | sed -n 2p | jq -r '.old_ispi + "_" + .old_rspi')" "$old"
	agree_now "after the second IKE SA rekey"
	[ "$(our_ike)" != "$old" ] || fail "ike.sa keeps the SPIs of the first rekey"
	assert_equal "$(our_children)" "$kids"
	[ -z "$(events refused)" ] || fail "refused: $(events refused)"
	[ "$(n_events deleted)" = 0 ] || fail "a deleted event: $(events deleted)"
	carried
	esptun_stop E || fail "esp-tun did not stop"
	ikx_respond_stop
	# the capture, decrypted with --keys-out: the rekeyed IKE SAs' too
	run --separate-stderr "$D" --keys "$W/keys" --json "$W/respond.pcap"
	assert_success
	printf '%s\n' "$output" >"$W/decode.jsonl"
	n_sk=$(jq -s '[.[].payloads[]? | select(.name == "SK")] | length' "$W/decode.jsonl")
	n_dec=$(jq -s '[.[].payloads[]? | select(.name == "SK" and .decrypted == true)] | length' "$W/decode.jsonl")
	[ "$(jq -s '[.[] | select(.exchange == "CREATE_CHILD_SA")] | length' "$W/decode.jsonl")" -ge 4 ] ||
		fail "not 2 CREATE_CHILD_SA exchanges in the capture"
	[ "$n_sk" -ge 8 ] && [ "$n_dec" = "$n_sk" ] || fail "$n_dec of $n_sk SK payloads decrypted"
}

@test "ike-respond stopped and started again takes its SA back from the state dir: charon's liveness checks and Child SA rekeys are answered" {
	IKX_INITIATOR_CHILD_REKEY=6s
	up
	local ike kids
	agree_now "after IKE_AUTH"
	ike=$(our_ike) kids=$(our_children)
	respond_restart
	ikx_until 3 at_least resumed 1 || fail "no resumed event: $(cat "$IKX_RUN/respond.err")"
	assert_equal "$(events resumed | jq -r '.ispi + "_" + .rspi')" "$ike"
	assert_equal "$(events resumed | jq -r .name)" "$NAME"
	grep -q '1 SAs taken back from' "$IKX_RUN/respond.err" ||
		fail "no line on stderr: $(cat "$IKX_RUN/respond.err")"
	# charon checks liveness after 2 s of silence: the new process answers
	ikx_until 8 at_least dpd 1 || fail "no liveness check answered after the restart"
	ikx_until 12 child_up ".rekeys.spi_in != null" || fail "no Child SA rekey answered after the restart"
	ikx_until 5 at_least deleted-child 1 || fail "the old Child SA was not deleted"
	agree_now "after the rekey"
	[ "$(our_children)" != "$kids" ] || fail "the Child SA did not change"
	assert_equal "$(our_ike)" "$ike"
	ikx_until 5 named_here || fail "child= names a Child SA gone: $(ls "$W/state/$NAME")"
	[ -z "$(events refused)" ] || fail "refused: $(events refused)"
	[ "$(n_events deleted)" = 0 ] || fail "a deleted event: $(events deleted)"
}

@test "an IKE SA rekey that esp-tun answered: once esp-tun stops, ike-respond takes the new SPIs from ike.sa when charon's requests come with them" {
	IKX_INITIATOR_IKE_REKEY=5s
	up
	local old new
	old=$(our_ike)
	agree_now "after IKE_AUTH"
	carried
	ikx_until 12 esptun_rekeyed_ike || fail "esp-tun answered no IKE SA rekey: $(esptun_events E)"
	agree_now "after esp-tun's IKE SA rekey"
	new=$(our_ike)
	[ "$new" != "$old" ] || fail "ike.sa keeps the old SPIs"
	[ "$(n_events ike-rekeyed)" = 0 ] || fail "ike-respond answered the rekey itself"
	esptun_stop E || fail "esp-tun did not stop"
	# charon's next request (a liveness check, or its next rekey) comes
	# with SPIs ike-respond's table does not have
	ikx_until 10 at_least resumed 1 || fail "ike-respond did not take the rekeyed IKE SA: $(cat "$IKX_RUN/respond.err" | tail -5)"
	assert_equal "$(events resumed | head -n 1 | jq -r '.old_ispi + "_" + .old_rspi')" "$old"
	assert_equal "$(events resumed | head -n 1 | jq -r '.ispi + "_" + .rspi')" "$new"
	ikx_until 10 answered_after_resume || fail "nothing answered on the rekeyed IKE SA: $(cat "$IKX_RUN/respond.out")"
	agree_now "after ike-respond took it again"
	[ -z "$(events refused)" ] || fail "refused: $(events refused)"
	[ "$(n_events deleted)" = 0 ] || fail "a deleted event: $(events deleted)"
}
