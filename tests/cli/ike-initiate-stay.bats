#!/usr/bin/env bats
# ike-initiate-stay.bats: ike-initiate --stay on loopback against ike-respond:
# --stay with --until is a usage error; after establishing it prints the SA
# and keeps running; SIGTERM or SIGINT sends a Delete of the IKE SA
# (ike-respond reports "deleted"), empties the state dir and exits 0, with a
# "deleted" event (--json: on stdout; else on stderr); a peer gone silent
# makes that exit 4 after --timeout; --pcap holds the stay's messages too.
# strongSwan's DPD and Deletes are in
# tests/interop/stay-strongswan.bats.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load lib

setup() {
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	R=$IKEKIT_BIN/ike-respond
	I=$IKEKIT_BIN/ike-initiate
	T=$BATS_TEST_TMPDIR
	[ -x "$I" ] || fail "ike-initiate not built: $I (run make)"
	printf 'lab-psk\n' >"$T/psk"
	chmod 600 "$T/psk"
	RPID=
	IPID=
}

teardown() {
	if [ -n "$IPID" ] && [ "$(cat "/proc/$IPID/comm" 2>/dev/null)" = ike-initiate ]; then
		kill -KILL "$IPID" 2>/dev/null
	fi
	if [ -n "$RPID" ] && [ "$(cat "/proc/$RPID/comm" 2>/dev/null)" = ike-respond ]; then
		kill -KILL "$RPID" 2>/dev/null
	fi
}

# respond : ike-respond in the background on 127.0.0.1:PORT (RPID)
respond() {
	local i=0
	PORT=$(port_pair)
	"$R" --local "127.0.0.1:$PORT" --psk-file "$T/psk" --ike aes256gcm16-prfsha256-x25519 \
		--esp aes256gcm16 --ts 10.2.0.0/16 -S "$T/rstate" >"$T/rout" 2>"$T/rerr" &
	RPID=$!
	until ss -Hlun 2>/dev/null | grep -q "127.0.0.1:$((PORT + 1)) "; do
		i=$((i + 1))
		[ $i -lt 100 ] && [ -d "/proc/$RPID" ] || { cat "$T/rerr"; return 1; }
		sleep 0.05
	done
}

# stop_respond : SIGTERM to ike-respond, and wait
stop_respond() {
	kill -TERM "$RPID"
	wait "$RPID" || true
	RPID=
}

# stay ARGS... : ike-initiate --stay in the background (IPID) until it has
# printed the SA on stdout (T/out)
stay() {
	local i=0
	rm -f "$T/out" "$T/err"		# not the last run's: see below
	"$I" --peer "127.0.0.1:$PORT" --psk-file "$T/psk" --ike aes256gcm16-prfsha256-x25519 \
		--esp aes256gcm16 --ts 10.1.0.0/16=10.2.0.0/16 -S "$T/istate" --name s1 \
		--stay -v "$@" >"$T/out" 2>"$T/err" &
	IPID=$!
	until [ -s "$T/out" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] && [ -d "/proc/$IPID" ] || { cat "$T/err"; return 1; }
		sleep 0.05
	done
}

ike_decode() { "$IKEKIT_BIN/ike-decode" "$@"; }

# stop_stay SIGNAL : send it to ike-initiate, wait (at most 10 s), sets STATUS
stop_stay() {
	local i=0
	kill "-$1" "$IPID"
	while [ "$(cat "/proc/$IPID/comm" 2>/dev/null)" = ike-initiate ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "ike-initiate still runs 10 s after SIG$1"
		sleep 0.1
	done
	STATUS=0
	wait "$IPID" || STATUS=$?
	IPID=
}

@test "--stay with --until is a usage error (exit 2)" {
	local u
	for u in sa-init auth; do
		run --separate-stderr "$I" --peer 127.0.0.1 --psk-file "$T/psk" \
			--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
			--ts 10.1.0.0/16=10.2.0.0/16 --stay --until "$u"
		assert_failure 2
		[[ $stderr == *"--stay and --until: choose one"* ]]
		[[ $stderr == *"usage: ike-initiate"* ]]
	done
}

@test "--help lists --stay" {
	run "$I" --help
	assert_success
	assert_output --partial "[--stay]"
}

@test "--stay: SIGTERM deletes the IKE SA at the peer, empties the state dir, exit 0 (--json event)" {
	respond
	stay --json --timeout 5
	[ "$(sed -n 1p "$T/out" | jq -r .name)" = s1 ]
	[ -f "$T/istate/s1/ike.sa" ]
	sleep 0.3
	grep -q '^established ' "$T/rout"
	stop_stay TERM
	assert_equal "$STATUS" 0
	[ "$(sed -n 2p "$T/out" | jq -c .)" = '{"event":"deleted","name":"s1","by":"us"}' ]
	[ -z "$(ls -A "$T/istate")" ] || fail "state left: $(ls -AR "$T/istate")"
	grep -q 'sending INFORMATIONAL request 2: Delete of the IKE SA' "$T/err"
	sleep 0.3
	grep -q '^deleted ' "$T/rout" || fail "ike-respond: $(cat "$T/rout" "$T/rerr")"
	stop_respond
}

@test "--stay: SIGINT does the same; without --json stdout holds only the SA name" {
	respond
	stay --timeout 5
	stop_stay INT
	assert_equal "$STATUS" 0
	assert_equal "$(cat "$T/out")" s1
	grep -q '^ike-initiate: s1: IKE SA deleted on a signal$' "$T/err"
	[ -z "$(ls -A "$T/istate")" ]
	stop_respond
}

@test "--stay: no answer to our Delete is exit 4 after --timeout; the state dir is emptied anyway" {
	respond
	stay --timeout 1
	stop_respond
	stop_stay TERM
	assert_equal "$STATUS" 4
	grep -q 'INFORMATIONAL: no answer to our Delete within 1 s' "$T/err"
	[ -z "$(ls -A "$T/istate")" ]
}

@test "--stay --pcap: the capture holds the exchanges, then the stay's Delete and its answer, written as they go" {
	respond
	stay --timeout 5 --pcap "$T/stay.pcap"
	sleep 0.3
	# while it stays, the capture already holds the two exchanges
	run ike_decode "$T/stay.pcap"
	assert_equal "$(grep -c 'IKE_SA_INIT' <<<"$output")" 2
	assert_equal "$(grep -c 'IKE_AUTH' <<<"$output")" 2
	stop_stay TERM
	assert_equal "$STATUS" 0
	run ike_decode "$T/stay.pcap"
	assert_equal "$(grep -c 'INFORMATIONAL' <<<"$output")" 2
	assert_equal "$(grep -c 'INFORMATIONAL.*msgid 2' <<<"$output")" 2
	stop_respond
}
