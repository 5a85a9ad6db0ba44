# shellcheck shell=bash
# lib.bash: helpers shared by the cli suites (bats `load lib`): free ports,
# state file values, an ike-respond with an SA from ike-initiate on loopback.

# port_pair : two consecutive free UDP ports on 127.0.0.1 (an IKE port and
# its NAT-T port, as ike-respond --local takes them): prints the first
port_pair() {
	python3 -c '
import socket
for _ in range(100):
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0))
    p = a.getsockname()[1]
    if p >= 65534: continue
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        b.bind(("127.0.0.1", p + 1))
    except OSError:
        continue
    print(p); break'
}

# kv FILE KEY : the value of KEY in state file FILE
kv() { sed -n "s/^$2=//p" "$1"; }

# resp_up : ike-respond (--json, -v) on 127.0.0.1:RP and RP+1 (RPID), an SA
# from ike-initiate (MOBIKE on both sides) from 127.0.0.1:IP; RNAME is its
# name in ike-respond's state dir RS, the initiator's ike.sa is IS
resp_up() {
	local i=0
	python3 -c 'import cryptography.hazmat.primitives.ciphers.aead' 2>/dev/null ||
		skip "python3 cryptography module missing (the peer's AES-GCM)"
	[ -x "$IKEKIT_BIN/ike-respond" ] && [ -x "$IKEKIT_BIN/ike-initiate" ] ||
		fail "ike-respond or ike-initiate not built (run make)"
	printf 'lab-psk\n' >"$T/psk"
	chmod 600 "$T/psk"
	RP=$(port_pair)
	IP=$(port_pair)
	RS=$T/rstate
	"$IKEKIT_BIN/ike-respond" --local "127.0.0.1:$RP" --psk-file "$T/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --ts 10.2.0.0/16 \
		-S "$RS" --json -v >"$T/rout" 2>"$T/rerr" 3>&- &
	RPID=$!
	until ss -Hlun 2>/dev/null | grep -q "127.0.0.1:$((RP + 1)) "; do
		i=$((i + 1))
		[ $i -lt 100 ] && [ -d "/proc/$RPID" ] || fail "ike-respond: $(cat "$T/rerr")"
		sleep 0.05
	done
	run --separate-stderr "$IKEKIT_BIN/ike-initiate" --peer "127.0.0.1:$RP" \
		--local "127.0.0.1:$IP" --psk-file "$T/psk" --ike aes256gcm16-prfsha256-x25519 \
		--esp aes256gcm16 --ts 10.1.0.0/16=10.2.0.0/16 -S "$T/istate" --name s --timeout 5
	assert_success
	IS=$T/istate/s/ike.sa
	RNAME=$(ls "$RS")
	[ -n "$RNAME" ] || fail "no SA in ike-respond's state dir"
	assert_equal "$(kv "$IS" mobike)" yes
	assert_equal "$(kv "$RS/$RNAME/ike.sa" mobike)" yes
	assert_equal "$(kv "$RS/$RNAME/ike.sa" remote)" "127.0.0.1:$IP"
}

resp_down() {
	if [ -n "$RPID" ] && [ "$(cat "/proc/$RPID/comm" 2>/dev/null)" = ike-respond ]; then
		kill -TERM "$RPID"
		wait "$RPID" || true
	fi
	RPID=
}
