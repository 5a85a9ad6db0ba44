#!/usr/bin/env bats
# vip-cookie.bats: ike-initiate --vip/--vip6 against ike-respond --pool/--dns
# on loopback (the address printed, recorded in both state dirs, used as
# TSi; distinct addresses; INTERNAL_ADDRESS_FAILURE when the pool is
# exhausted or absent), ike-respond --cookie-threshold (a COOKIE round seen
# in the pcap and the log) and --half-open-max, and the usage errors of
# each new option.  strongSwan in both roles is in
# tests/interop/cp-strongswan.bats.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load lib

setup() {
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	R=$IKEKIT_BIN/ike-respond
	I=$IKEKIT_BIN/ike-initiate
	D=$IKEKIT_BIN/ike-decode
	T=$BATS_TEST_TMPDIR
	[ -x "$R" ] || fail "ike-respond not built: $R (run make)"
	printf 'lab-psk\n' >"$T/psk"
	chmod 600 "$T/psk"
	RARGS=(--psk-file "$T/psk" --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16
		--ts 10.2.0.0/16 -S "$T/state")
	PID=
}

teardown() {
	if [ -n "$PID" ] && [ "$(cat "/proc/$PID/comm" 2>/dev/null)" = ike-respond ]; then
		kill -KILL "$PID" 2>/dev/null
	fi
}

# start ARGS... : ike-respond in the background on 127.0.0.1:$PORT
start() {
	local i=0
	PORT=$(port_pair)
	"$R" --local "127.0.0.1:$PORT" "${RARGS[@]}" "$@" >"$T/out" 2>"$T/err" &
	PID=$!
	until ss -Hlun 2>/dev/null | grep -q "127.0.0.1:$((PORT + 1)) "; do
		i=$((i + 1))
		[ $i -lt 100 ] && [ -d "/proc/$PID" ] || { cat "$T/err"; return 1; }
		sleep 0.05
	done
}

stop() {
	kill -TERM "$PID"
	STATUS=0
	wait "$PID" || STATUS=$?
	PID=
}

# initiate STATEDIR ARGS... : ike-initiate against the responder
initiate() {
	local sd=$1; shift
	run --separate-stderr "$I" --peer "127.0.0.1:$PORT" --psk-file "$T/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
		-S "$T/$sd" --timeout 5 "$@"
}

@test "--help shows the new options of both programs" {
	run "$R" --help
	assert_success
	assert_output --partial "[--cookie-threshold n]"
	assert_output --partial "[--dns addr]"
	assert_output --partial "[--half-open-max n]"
	assert_output --partial "[--pool addr/prefix]"
	run "$I" --help
	assert_success
	assert_output --partial "[--vip]"
	assert_output --partial "[--vip6]"
}

@test "bad --pool, --dns, --cookie-threshold, --half-open-max: exit 2 naming them" {
	run --separate-stderr "$R" --local 127.0.0.1 "${RARGS[@]}" --pool 10.3.7.0
	assert_failure 2
	[[ $stderr == *"ike-respond: --pool: '10.3.7.0': not ADDRESS/PREFIX"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 "${RARGS[@]}" --pool 10.3.7.1/28
	assert_failure 2
	[[ $stderr == *"ike-respond: --pool: '10.3.7.1/28': host bits set"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 "${RARGS[@]}" --pool 10.3.7.0/33
	assert_failure 2
	[[ $stderr == *"--pool: '10.3.7.0/33': not ADDRESS/PREFIX"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 "${RARGS[@]}" --pool 10.3.7.0/28 --pool 10.4.0.0/16
	assert_failure 2
	[[ $stderr == *"--pool: '10.4.0.0/16': only one IPv4 pool"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 "${RARGS[@]}" --pool 10.3.7.0/28 --pool fd00::/64 --pool 10.4.0.0/16
	assert_failure 2
	[[ $stderr == *"--pool: '10.4.0.0/16': one IPv4 and one IPv6 pool at most"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 "${RARGS[@]}" --dns dns.example
	assert_failure 2
	[[ $stderr == *"ike-respond: --dns: 'dns.example': not an address"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 "${RARGS[@]}" --dns 1.1.1.1 --dns 1.0.0.1 --dns 8.8.8.8 --dns 8.8.4.4 --dns 9.9.9.9
	assert_failure 2
	[[ $stderr == *"--dns: at most 4 servers"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 "${RARGS[@]}" --cookie-threshold -1
	assert_failure 2
	[[ $stderr == *"ike-respond: --cookie-threshold: '-1': not a number from 0 to 1024"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 "${RARGS[@]}" --cookie-threshold many
	assert_failure 2
	[[ $stderr == *"--cookie-threshold: 'many'"* ]]
	run --separate-stderr "$R" --local 127.0.0.1 "${RARGS[@]}" --half-open-max 0
	assert_failure 2
	[[ $stderr == *"ike-respond: --half-open-max: '0': not a number from 1 to 1024"* ]]
	[[ $stderr == *"usage: ike-respond"* ]]
}

@test "--vip: the pool's first address is printed, recorded in both state dirs and is TSi" {
	local name ci ri
	start --pool 10.3.7.0/28 --dns 10.3.0.53 --json
	initiate istate --vip --ts =10.2.0.0/16
	assert_success
	name=${lines[0]}
	assert_equal "${lines[1]}" "vip=10.3.7.1"
	sleep 0.2
	stop
	assert_equal "$STATUS" 0
	ci=$T/istate/$name ri=$T/state/$name
	grep -qx 'vip=10.3.7.1' "$ci/ike.sa"
	grep -qx 'dns=10.3.0.53' "$ci/ike.sa"
	grep -qx 'vip=10.3.7.1' "$ri/ike.sa"
	grep -qx 'local_ts=10.3.7.1/32' "$ci"/child.*.sa
	grep -qx 'remote_ts=10.3.7.1/32' "$ri"/child.*.sa
	grep -q "\"event\":\"established\",\"name\":\"$name\".*\"vip\":\"10.3.7.1\"" "$T/out"
}

@test "--vip --json, two SAs: distinct addresses; --vip6 gets one from the IPv6 pool" {
	local a b
	start --pool 10.3.7.0/28 --pool fd00::/120 --dns 10.3.0.53 --dns fd00::53
	initiate i1 --vip --ts =10.2.0.0/16 --json
	assert_success
	a=$(jq -r .vip <<<"$output")
	initiate i2 --vip --ts =10.2.0.0/16 --json
	assert_success
	b=$(jq -r .vip <<<"$output")
	assert_equal "$a" 10.3.7.1
	assert_equal "$b" 10.3.7.2
	assert_equal "$(jq -c .dns <<<"$output")" '["10.3.0.53"]'
	initiate i3 --vip6 --ts =10.2.0.0/16 --json
	assert_success
	assert_equal "$(jq -r .vip6 <<<"$output")" "fd00::1"
	assert_equal "$(jq -r .child.local_ts <<<"$output")" "fd00::1/128"
	assert_equal "$(jq -c .dns <<<"$output")" '["fd00::53"]'
	stop
	grep -q "established .* vip 10.3.7.1" "$T/out"
	grep -q "established .* vip 10.3.7.2" "$T/out"
	grep -q "established .* vip fd00::1" "$T/out"
}

@test "pool exhausted: the second peer gets INTERNAL_ADDRESS_FAILURE (exit 3), logged" {
	start --pool 10.3.7.9/32
	initiate i1 --vip --ts =10.2.0.0/16
	assert_success
	assert_line --index 1 "vip=10.3.7.9"
	initiate i2 --vip --ts =10.2.0.0/16
	assert_failure 3
	[[ $stderr == *"IKE_AUTH: peer sent INTERNAL_ADDRESS_FAILURE"* ]]
	[ ! -d "$T/i2" ] || [ -z "$(ls "$T/i2")" ]
	stop
	grep -q "refused .* INTERNAL_ADDRESS_FAILURE" "$T/out"
	grep -q "no address for the peer's CFG_REQUEST (pool exhausted): INTERNAL_ADDRESS_FAILURE" "$T/err"
	# RFC 7296 2.21.2: the IKE SA stayed up without its Child SA, so the
	# Delete ike-initiate sends before giving up was answered
	grep -q "^deleted " "$T/out"
}

@test "no --pool: a peer asking for an address gets INTERNAL_ADDRESS_FAILURE; one not asking is served" {
	start
	initiate i1 --vip --ts =10.2.0.0/16
	assert_failure 3
	[[ $stderr == *"peer sent INTERNAL_ADDRESS_FAILURE"* ]]
	initiate i2 --ts 10.1.0.0/16=10.2.0.0/16
	assert_success
	assert_equal "${#lines[@]}" 1
	! grep -q '^vip=' "$T/i2"/*/ike.sa
	stop
	grep -q "(no --pool): INTERNAL_ADDRESS_FAILURE" "$T/err"
}

@test "--cookie-threshold 0: every IKE_SA_INIT gets N(COOKIE) first, and the SA is established" {
	start --cookie-threshold 0 -v
	initiate istate --ts 10.1.0.0/16=10.2.0.0/16 --pcap "$T/i.pcap"
	assert_success
	stop
	assert_equal "$STATUS" 0
	grep -q "asking for a cookie" "$T/err"
	grep -q "1 cookies asked" "$T/err"
	run "$D" "$T/i.pcap"
	assert_success
	assert_line --index 1 --regexp 'IKE_SA_INIT R response .*\[ N\(COOKIE\) \]$'
	assert_line --index 2 --regexp 'IKE_SA_INIT I request .*\[ N\(COOKIE\) SA KE No'
	assert_line --index 4 --partial "IKE_AUTH I request"
}

@test "default --cookie-threshold (10): one initiator gets no cookie" {
	start -v
	initiate istate --ts 10.1.0.0/16=10.2.0.0/16 --pcap "$T/i.pcap"
	assert_success
	stop
	! grep -q "asking for a cookie" "$T/err"
	run "$D" "$T/i.pcap"
	refute_output --partial "N(COOKIE)"
}

@test "--half-open-max 1: a second half-open SA is not answered" {
	start --half-open-max 1 --cookie-threshold 1024
	initiate i1 --ts 10.1.0.0/16=10.2.0.0/16 --until sa-init
	assert_success
	initiate i2 --ts 10.1.0.0/16=10.2.0.0/16 --until sa-init --timeout 1
	assert_failure 4
	[[ $stderr == *"IKE_SA_INIT: no answer within 1 s"* ]]
	stop
}

@test "ike-initiate --vip with --ts without '=' is still a usage error" {
	run --separate-stderr "$I" --peer 127.0.0.1 --psk-file "$T/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --vip --ts 10.2.0.0/16
	assert_failure 2
	[[ $stderr == *"--ts: '10.2.0.0/16': not LOCAL=REMOTE"* ]]
}

@test "each new option is in the man page and in both completions" {
	local opt
	for opt in cookie-threshold dns half-open-max pool; do
		grep -q -- "^\.It Fl -$opt" "$IKEKIT_TOP/man/ike-respond.8" || fail "--$opt not in ike-respond.8"
		grep -q -- "--$opt" "$IKEKIT_TOP/completions/bash/ike-respond" || fail "--$opt not in bash completion"
		grep -q -- "--$opt" "$IKEKIT_TOP/completions/zsh/_ike-respond" || fail "--$opt not in zsh completion"
	done
	for opt in vip vip6; do
		grep -q -- "^\.It Fl -$opt\$" "$IKEKIT_TOP/man/ike-initiate.8" || fail "--$opt not in ike-initiate.8"
		grep -q -- "--$opt\\b" "$IKEKIT_TOP/completions/bash/ike-initiate" || fail "--$opt not in bash completion"
		grep -q -- "--$opt\\[" "$IKEKIT_TOP/completions/zsh/_ike-initiate" || fail "--$opt not in zsh completion"
	done
	grep -q '^\.It Cm vip$' "$IKEKIT_TOP/man/ike-state.5"
}
