#!/usr/bin/env bats
# pool-strongswan.bats: a road-warrior gateway: one strongSwan 5.9.8 charon
# with 21 connections (distinct local IDs, vips = 0.0.0.0) against
# ike-respond --pool 10.3.0.0/24.
#
#   ns ikx-ID-l                               ns ikx-ID-r
#   192.0.2.1 ikxID-l  <------ veth ------>  ikxID-r 192.0.2.2
#   20 virtual IPs from 10.3.0.0/24 <=====>  10.91.2.0/24
#
# 20 connections are initiated at once: all are established with 20
# distinct pool addresses, the same in swanctl --list-sas and in
# ike-respond's state dir.  ike-respond is restarted (SIGTERM, then the same
# state dir): the 21st connection gets an address none of the 20 holds.
# A client that comes back (its old IKE SA deleted, also after a restart
# that took the SA back) gets the address it held again while that is free; other
# clients get addresses nobody held first.
# On failure the test's files are copied to
# ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

N=20

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan)"
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	R=$IKEKIT_BIN/ike-respond
	[ -x "$R" ] || fail "not built (run make)"
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
	# shellcheck source=tests/interop/lib-respond.bash
	. "$HERE/lib-respond.bash"
	IKX_PROG=pool-strongswan
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
	ikx_init || fail "ikx_init failed"
}

teardown() {
	if ikx_failed; then
		cp "$(ikx_dir left)/charon.log" "$W/charon-left.log" 2>/dev/null
		ikx_sw left --list-sas >"$W/list-sas-left.txt" 2>&1
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$W"/ 2>/dev/null
		ikx_keep
	fi
	ikx_respond_stop
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# swan_conf COUNT : the left swanctl.conf, connections c1..cCOUNT, each with
# its own local ID (rw-N@example.org) asking for a virtual IP
swan_conf() {
	local sd sub i
	sd="$(ikx_dir left)/swanctl"
	for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$sd/$sub"
	done
	(
		umask 077
		echo "connections {"
		for i in $(seq 1 "$1"); do
			cat <<CONF
  c$i {
    version = 2
    local_addrs = $IKX_ADDR_left
    remote_addrs = $IKX_ADDR_right
    proposals = aes256gcm16-prfsha256-x25519
    encap = yes
    mobike = no
    unique = never
    vips = 0.0.0.0
    local {
      auth = psk
      id = rw-$i@example.org
    }
    remote {
      auth = psk
      id = %any
    }
    children {
      net {
        remote_ts = $IKX_NET_right
        esp_proposals = aes256gcm16
        mode = tunnel
        start_action = none
      }
    }
  }
CONF
		done
		cat <<CONF
}
secrets {
  ike-any {
    secret = "$IKX_PSK"
  }
}
CONF
	) >"$sd/swanctl.conf"
}

respond() {
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
		--ts "$IKX_NET_right" -S "$W/state" --pool 10.3.0.0/24 -v ||
		fail "ike-respond did not start"
}

# swan_initiate CONNECTION : charon (left) initiates it, output to
# $W/initiate-CONNECTION.out
swan_initiate() {
	ikx_sw left --initiate --ike "$1" --child net --timeout 20 >"$W/initiate-$1.out" 2>&1
}

# swan_vips : charon's virtual IPs, one a line, sorted ("local
# 'rw-1@example.org' @ 192.0.2.1[4500] [10.3.0.1]")
swan_vips() {
	ikx_sw left --list-sas 2>/dev/null |
		sed -n 's/^  local .*\] \[\([0-9.]*\)\]$/\1/p' | sort
}

# state_vips : the vip= of the state dir's SAs, one a line, sorted
state_vips() {
	cat "$W"/state/*/ike.sa 2>/dev/null | sed -n 's/^vip=//p' | sort
}

# swan_vip CONNECTION : the virtual IP of charon's SA of CONNECTION
swan_vip() {
	ikx_sw left --list-sas --ike "$1" 2>/dev/null |
		sed -n 's/^  local .*\] \[\([0-9.]*\)\]$/\1/p'
}

# no_state_with ADDR : no SA of the state dir has vip=ADDR
no_state_with() {
	! grep -qxF "vip=$1" "$W"/state/*/ike.sa 2>/dev/null
}

@test "20 clients at once get 20 distinct pool addresses; after a restart a 21st gets none of them" {
	local i pids=() fails=0 a b c
	ikx_netns_up || fail "namespaces"
	ikx_charon_start left || fail "charon did not start"
	swan_conf $((N + 1))
	ikx_load left || fail "swanctl --load-all failed"
	respond
	for i in $(seq 1 $N); do
		swan_initiate "c$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || fails=$((fails + 1))
	done
	[ "$fails" = 0 ] || fail "$fails of $N swanctl --initiate failed"
	a=$(swan_vips)
	b=$(state_vips)
	printf '%s\n' "$a" >"$W/vips-swan.txt"
	printf '%s\n' "$b" >"$W/vips-state.txt"
	assert_equal "$(printf '%s\n' "$a" | grep -c '^10\.3\.0\.')" $N
	assert_equal "$(printf '%s\n' "$a" | uniq | wc -l)" $N
	assert_equal "$b" "$a"
	assert_equal "$(grep -c '^established ' "$IKX_RUN/respond.out")" $N
	# restart on the same state dir: the 20 leases are taken back
	ikx_respond_stop
	respond
	grep -q "^ike-respond: $N leases of SAs in .* kept until their files go" \
		"$IKX_RUN/respond.err" || fail "leases not taken back: $(cat "$IKX_RUN/respond.err")"
	swan_initiate "c$((N + 1))" || fail "swanctl --initiate c$((N + 1)) failed"
	c=$(ikx_sw left --list-sas --ike "c$((N + 1))" 2>/dev/null |
		sed -n 's/^  local .*\] \[\([0-9.]*\)\]$/\1/p')
	[[ $c == 10.3.0.* ]] || fail "c$((N + 1)) has no pool address: '$c'"
	if printf '%s\n' "$a" | grep -qxF "$c"; then
		fail "c$((N + 1)) got $c, held by one of the first $N"
	fi
	grep -q "^established .* vip $c\$" "$IKX_RUN/respond.out"
}

@test "a client that comes back gets its address again, also after a restart" {
	local a1 a2 a3 a4 again
	ikx_netns_up || fail "namespaces"
	ikx_charon_start left || fail "charon did not start"
	swan_conf 4
	ikx_load left || fail "swanctl --load-all failed"
	respond
	swan_initiate c1 || fail "c1"
	swan_initiate c2 || fail "c2"
	a1=$(swan_vip c1)
	a2=$(swan_vip c2)
	[[ $a1 == 10.3.0.* && $a2 == 10.3.0.* && $a1 != "$a2" ]] || fail "c1 '$a1', c2 '$a2'"
	# c1 goes (charon deletes it): its address is free but remembered
	ikx_sw left --terminate --ike c1 --timeout 10 >/dev/null 2>&1 || fail "terminate c1"
	ikx_until 5 no_state_with "$a1" || fail "ike-respond still has c1's SA"
	swan_initiate c3 || fail "c3"
	a3=$(swan_vip c3)
	[[ $a3 == 10.3.0.* && $a3 != "$a1" && $a3 != "$a2" ]] || fail "c3 got '$a3' (c1 had $a1)"
	swan_initiate c1 || fail "c1 again"
	again=$(swan_vip c1)
	[ "$again" = "$a1" ] || fail "c1 came back to '$again', not $a1"
	grep -q "^established .* vip $a1\$" "$IKX_RUN/respond.out"
	# restart: the SAs come back, with who holds each address; c1 goes
	# (charon deletes it, the new ike-respond answers: its files go); a
	# new client (c4) does not get c1's address (the first free one), and
	# c1 gets it once more
	ikx_respond_stop
	respond
	grep -q "3 SAs taken back from" "$IKX_RUN/respond.err" ||
		fail "not 3 SAs taken back: $(cat "$IKX_RUN/respond.err")"
	ikx_sw left --terminate --ike c1 --timeout 10 >/dev/null 2>&1 || fail "terminate c1 after the restart"
	ikx_until 5 no_state_with "$a1" || fail "c1's Delete not answered after the restart"
	ikx_until 5 grep -q "files gone: its lease goes back" "$IKX_RUN/respond.err" ||
		fail "lease of $a1 not given back: $(cat "$IKX_RUN/respond.err")"
	swan_initiate c4 || fail "c4"
	a4=$(swan_vip c4)
	[[ $a4 == 10.3.0.* && $a4 != "$a1" ]] || fail "c4 got '$a4' (c1 had $a1)"
	swan_initiate c1 || fail "c1 after the restart"
	again=$(swan_vip c1)
	[ "$again" = "$a1" ] || fail "after the restart c1 got '$again', not $a1"
	[ "$(swan_vip c3)" = "$a3" ] || fail "c3 lost $a3"
}
