#!/usr/bin/env bats
# cp-strongswan.bats: virtual IPs over the Configuration payload (RFC 7296
# 2.19) and COOKIEs (2.6) against strongSwan 5.9.8 in both roles.
#
#   ns ikx-ID-l                               ns ikx-ID-r
#   192.0.2.1 ikxID-l  <------ veth ------>  ikxID-r 192.0.2.2
#   virtual IP from 10.3.7.0/28 <=========>  10.91.2.0/24
#
# ike-initiate --vip -> charon with pools { p { addrs = 10.3.7.0/28 } } and
# remote_ts dynamic: the address strongSwan lists for the peer ([10.3.7.1]) is
# the one ike-initiate printed and wrote (vip=), and our TSi is narrowed to it.
# charon with vips = 0.0.0.0 -> ike-respond --pool 10.3.7.0/28: charon lists
# the address we leased as its own virtual IP; a second IKE SA gets another.
# charon -> ike-respond --cookie-threshold 0: charon retries with our cookie
# and establishes.  On failure the test's files are copied to
# ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

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
	# shellcheck source=tests/interop/lib-respond.bash
	. "$HERE/lib-respond.bash"
	IKX_PROG=cp-strongswan
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
	ikx_init || fail "ikx_init failed"
}

teardown() {
	if ikx_failed; then
		local s
		for s in left right; do
			cp "$(ikx_dir $s)/charon.log" "$W/charon-$s.log" 2>/dev/null
			ikx_sw $s --list-sas >"$W/list-sas-$s.txt" 2>&1
		done
		cp "$IKX_RUN/respond.out" "$IKX_RUN/respond.err" "$W"/ 2>/dev/null
		ikx_keep
	fi
	ikx_respond_stop
	[ -z "${IKX_RUN:-}" ] || ikx_down
}

# swan_conn NAME SIDE BODY [PROPOSALS] : one connection (psk, any peer ID)
swan_conn() {
	cat <<CONF
  $1 {
    version = 2
    proposals = ${4:-aes256gcm16-prfsha256-x25519}
    encap = yes
    mobike = no
    unique = never
$3
    local {
      auth = psk
      id = $(ikx_var ADDR "$2")
    }
    remote {
      auth = psk
      id = %any
    }
  }
CONF
}

# swan_conf SIDE CONNECTION-BODY [TOP-LEVEL] : swanctl.conf for SIDE with
# connections "ikx" and "ikx2" (the same but for a second IKE proposal, so
# that charon does not reuse ikx's IKE SA for it), and more top-level
# sections
swan_conf() {
	local sd sub
	sd="$(ikx_dir "$1")/swanctl"
	for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$sd/$sub"
	done
	(
		umask 077
		cat >"$sd/swanctl.conf" <<CONF
connections {
$(swan_conn ikx "$1" "$2")
$(swan_conn ikx2 "$1" "$2" aes256gcm16-prfsha256-x25519,aes128gcm16-prfsha256-x25519)
}
secrets {
  ike-any {
    secret = "$IKX_PSK"
  }
}
${3:-}
CONF
	)
}

# swan_up SIDE CONNECTION-BODY [TOP-LEVEL] : namespaces, charon on SIDE
swan_up() {
	ikx_netns_up || return 1
	ikx_charon_start "$1" || return 1
	swan_conf "$@" || return 1
	ikx_load "$1"
}

# strongSwan as responder with a pool; children's remote_ts dynamic (the
# initiator's virtual IP)
responder_with_pool() {
	swan_up right "    local_addrs = $IKX_ADDR_right
    remote_addrs = %any
    pools = p
    children {
      net {
        local_ts = $IKX_NET_right
        esp_proposals = aes256gcm16
        mode = tunnel
      }
    }" "pools {
  p {
    addrs = 10.3.7.0/28
  }
}"
}

# strongSwan as initiator asking for a virtual IP (local_ts dynamic)
initiator_with_vip() {
	swan_up left "    local_addrs = $IKX_ADDR_left
    remote_addrs = $IKX_ADDR_right
    vips = 0.0.0.0
    children {
      net {
        remote_ts = $IKX_NET_right
        esp_proposals = aes256gcm16
        mode = tunnel
        start_action = none
      }
    }"
}

# strongSwan as a plain initiator (no virtual IP)
initiator_plain() {
	swan_up left "    local_addrs = $IKX_ADDR_left
    remote_addrs = $IKX_ADDR_right
    children {
      net {
        local_ts = $IKX_NET_left
        remote_ts = $IKX_NET_right
        esp_proposals = aes256gcm16
        mode = tunnel
        start_action = none
      }
    }"
}

# log_grep SIDE ERE : the lines of SIDE's charon.log matching ERE
log_grep() { grep -E "$2" "$(ikx_dir "$1")/charon.log"; }

respond() {
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
		--ts "$IKX_NET_right" -S "$W/state" -v "$@" || fail "ike-respond did not start"
}

# swan_initiate [CONNECTION] : charon (left) initiates ikx (or CONNECTION)
swan_initiate() {
	ikx_sw left --initiate --ike "${1:-ikx}" --child net --timeout 8 >>"$W/initiate.out" 2>&1
}

# swan_vips SIDE : the virtual IPs in SIDE's list-sas ("local '192.0.2.1' @
# 192.0.2.1[4500] [10.3.7.1]" on the initiator, "remote ..." on the responder)
swan_vips() {
	ikx_sw "$1" --list-sas 2>/dev/null |
		sed -n "s/^  $2 .*\\] \\[\\([0-9a-f.:]*\\)\\]\$/\\1/p"
}

@test "ike-initiate --vip: strongSwan's pool address is printed, recorded and used as TSi" {
	responder_with_pool || fail "strongSwan responder did not come up"
	run --separate-stderr ikx_in left timeout -k 2 12 "$I" --peer "$IKX_ADDR_right" \
		--psk-file "$W/psk" --ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 \
		--ts "=$IKX_NET_right" --vip -S "$W/state" --name vpn --timeout 8 --json
	printf '%s\n' "$output" >"$W/initiate.json"
	printf '%s\n' "$stderr" >"$W/initiate.err"
	assert_success
	vip=$(jq -r .vip <<<"$output")
	assert_equal "$vip" 10.3.7.1
	assert_equal "$(jq -r .child.local_ts <<<"$output")" 10.3.7.1/32
	grep -qx 'vip=10.3.7.1' "$W/state/vpn/ike.sa"
	run swan_vips right remote
	assert_output "$vip"
	log_grep right "assigning virtual IP 10.3.7.1 to peer" >/dev/null ||
		fail "charon did not log the assignment"
}

@test "strongSwan vips = 0.0.0.0 gets its address from ike-respond --pool; a second SA another" {
	initiator_with_vip || fail "strongSwan initiator did not come up"
	respond --pool 10.3.7.0/28
	swan_initiate || { cat "$W/initiate.out" >&3; fail "swanctl --initiate failed"; }
	run swan_vips left local
	assert_output 10.3.7.1
	grep -q "^established .* vip 10.3.7.1\$" "$IKX_RUN/respond.out" ||
		fail "no established line with the vip: $(cat "$IKX_RUN/respond.out")"
	grep -qx 'vip=10.3.7.1' "$W"/state/*/ike.sa
	grep -qx 'remote_ts=10.3.7.1/32' "$W"/state/*/child.*.sa
	log_grep left "installing new virtual IP 10.3.7.1" >/dev/null ||
		fail "charon did not install the virtual IP"
	swan_initiate ikx2 || { cat "$W/initiate.out" >&3; fail "second swanctl --initiate failed"; }
	run swan_vips left local
	assert_line 10.3.7.1
	assert_line 10.3.7.2
	assert_equal "$(grep -c '^established ' "$IKX_RUN/respond.out")" 2
}

@test "strongSwan vips = 0.0.0.0 against ike-respond without --pool: INTERNAL_ADDRESS_FAILURE" {
	initiator_with_vip || fail "strongSwan initiator did not come up"
	respond
	run swan_initiate
	grep -q "refused .* INTERNAL_ADDRESS_FAILURE" "$IKX_RUN/respond.out" ||
		fail "ike-respond: $(cat "$IKX_RUN/respond.out")"
	log_grep left "received INTERNAL_ADDRESS_FAILURE notify" >/dev/null ||
		fail "charon saw no INTERNAL_ADDRESS_FAILURE"
	[ -z "$(swan_vips left local)" ] || fail "charon has a virtual IP"
}

@test "ike-respond --cookie-threshold 0: strongSwan retries with the cookie and establishes" {
	initiator_plain || fail "strongSwan initiator did not come up"
	respond --cookie-threshold 0
	swan_initiate || { cat "$W/initiate.out" >&3; fail "swanctl --initiate failed"; }
	[ -n "$(ikx_respond_peer_spis)" ] || fail "no ESTABLISHED IKE SA on strongSwan's side"
	grep -q "asking for a cookie" "$IKX_RUN/respond.err" || fail "no cookie asked"
	log_grep left "received COOKIE notify" >/dev/null ||
		fail "charon's log shows no COOKIE"
	grep -q '^established ' "$IKX_RUN/respond.out"
}

@test "the lease goes back on Delete: a one-address pool serves a second SA after swanctl --terminate" {
	initiator_with_vip || fail "strongSwan initiator did not come up"
	respond --pool 10.3.7.9/32
	swan_initiate || { cat "$W/initiate.out" >&3; fail "swanctl --initiate failed"; }
	run swan_vips left local
	assert_output 10.3.7.9
	# while it is leased, another SA gets INTERNAL_ADDRESS_FAILURE
	run swan_initiate ikx2
	assert_failure
	grep -q "refused .* INTERNAL_ADDRESS_FAILURE" "$IKX_RUN/respond.out" ||
		fail "no refusal: $(cat "$IKX_RUN/respond.out")"
	ikx_sw left --terminate --ike ikx --timeout 5 >"$W/terminate.out" 2>&1 ||
		{ cat "$W/terminate.out" >&3; fail "swanctl --terminate failed"; }
	ikx_until 5 grep -q '^deleted ' "$IKX_RUN/respond.out" || fail "no 'deleted' line"
	ikx_sw left --terminate --ike ikx2 --timeout 5 >/dev/null 2>&1 || true
	swan_initiate ikx2 || { cat "$W/initiate.out" >&3; fail "swanctl --initiate after the Delete failed"; }
	run swan_vips left local
	assert_output 10.3.7.9
}
