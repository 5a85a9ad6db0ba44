#!/usr/bin/env bats
# revocation.bats: --crl, --ocsp and --revocation of ike-initiate(8) and
# ike-respond(8). Option errors (exit 2; an unreadable or wrong CRL file exit
# 5 or 2 as "program: FILE: why"), then loopback exchanges between the two
# programs with a lab CA made here by openssl (alice and bob good, carol
# revoked for keyCompromise): a revoked certificate is refused by a CRL (PEM
# or DER) and by OCSP (openssl ocsp, ephemeral port, a bounded number of
# requests) on either side, with AUTHENTICATION_FAILED sent by ike-respond and
# exit 3 from ike-initiate, each naming why; a good one is accepted; an
# expired CRL and a responder that is down or silent are an unknown status,
# refused under strict and ifuri and let in under relaxed. As root the
# programs and the OCSP responder run in a network namespace of their own
# (openssl ocsp listens on every address); else on the host's loopback.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

# The lab PKI, once for the file: openssl ca keeps the index openssl ocsp
# answers from.
setup_file() {
	local p=$BATS_FILE_TMPDIR/pki n ext
	mkdir -p "$p" && cd "$p" || return 1
	cat >ca.cnf <<'CNF'
[ca]
default_ca = lab
[lab]
database = index.txt
serial = serial
new_certs_dir = .
default_md = sha256
policy = any
unique_subject = no
default_days = 30
default_crl_days = 1
[any]
organizationName = optional
commonName = supplied
[leaf]
subjectAltName = IP:127.0.0.1
[ocspsign]
extendedKeyUsage = OCSPSigning
[aia]
authorityInfoAccess = OCSP;URI:http://127.0.0.1:9/ocsp
CNF
	: >index.txt
	echo 01 >serial
	{
		for n in ca otherca; do
			openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$n.key" &&
				openssl req -x509 -new -key "$n.key" -out "$n.crt" -days 30 \
					-subj "/O=ikekit revocation lab/CN=$n" \
					-addext basicConstraints=critical,CA:TRUE \
					-addext keyUsage=critical,keyCertSign,cRLSign || return 1
		done
		for n in alice bob carol ocsp erin; do
			ext=leaf
			[ "$n" != ocsp ] || ext=ocspsign
			[ "$n" != erin ] || ext=aia
			openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$n.key" &&
				openssl req -new -key "$n.key" -subj "/O=ikekit revocation lab/CN=$n" -out "$n.csr" &&
				openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -extensions "$ext" \
					-notext -in "$n.csr" -out "$n.crt" || return 1
		done
		openssl ca -config ca.cnf -cert ca.crt -keyfile ca.key -revoke carol.crt \
			-crl_reason keyCompromise &&
			openssl ca -config ca.cnf -cert ca.crt -keyfile ca.key -gencrl -out ca.crl &&
			openssl crl -in ca.crl -outform DER -out ca.crl.der || return 1
		# past its nextUpdate (openssl ca cannot date one back), listing carol;
		# and one in ca's name signed by otherca's key
		python3 - ca.crt ca.key otherca.key "$(openssl x509 -in carol.crt -noout -serial)" <<'PY'
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

ca = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
now = datetime.datetime.now(datetime.timezone.utc)
day = datetime.timedelta(days=1)
carol = int(sys.argv[4].split("=")[1], 16)
for keyfile, out, last, nxt in ((sys.argv[2], "expired.crl", now - 3 * day, now - 2 * day),
                                (sys.argv[3], "forged.crl", now - day, now + day)):
    key = serialization.load_pem_private_key(open(keyfile, "rb").read(), None)
    rev = x509.RevokedCertificateBuilder().serial_number(carol).revocation_date(now - 4 * day).build()
    b = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
         .last_update(last).next_update(nxt).add_revoked_certificate(rev))
    open(out, "wb").write(b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
PY
	} >openssl.log 2>&1 || { cat openssl.log >&2; return 1; }
	chmod 600 ./*.key
}

setup() {
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	I=$IKEKIT_BIN/ike-initiate
	R=$IKEKIT_BIN/ike-respond
	T=$BATS_TEST_TMPDIR
	P=$BATS_FILE_TMPDIR/pki
	[ -x "$I" ] && [ -x "$R" ] || fail "not built (run make)"
	[ -f "$P/ca.crl" ] || fail "no lab PKI"
	PROPS=(--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16)
	IARGS=("${PROPS[@]}" --ts 10.1.0.0/16=10.2.0.0/16 -S "$T/state-i" --timeout 5)
	RARGS=("${PROPS[@]}" --ts 10.2.0.0/16 -S "$T/state-r")
	NS=()
	NSNAME=
	if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
		NSNAME=ikrev-$BATS_ROOT_PID-$BATS_SUITE_TEST_NUMBER
		if ip netns add "$NSNAME" 2>/dev/null; then
			ip -n "$NSNAME" link set lo up || fail "lo up in $NSNAME"
			NS=(ip netns exec "$NSNAME")
		else
			NSNAME=
		fi
	fi
}

# stop FILE COMM: kill the process whose pid FILE holds, if it is still COMM
stop() {
	local pid
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -f "$1"
}

teardown() {
	stop "$T/r.pid" ike-respond
	stop "$T/ocsp.pid" timeout
	stop "$T/hole.pid" timeout
	[ -z "$NSNAME" ] || ip netns del "$NSNAME"
	true
}

# free_port: a port no socket of the namespace (or host) uses, TCP or UDP
# (ss, not python: its start costs a second on a loaded machine)
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		"${NS[@]}" ss -Hantu "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

cred() {	# cred NAME: --cert/--key of a lab certificate, --ca ca
	printf '%s\n' --cert "$P/$1.crt" --key "$P/$1.key" --ca "$P/ca.crt"
}

# wait_for PATTERN FILE: true once FILE has a line matching PATTERN (3 s at
# most: ike-respond logs after it sent the answer that ends the initiator)
wait_for() {
	for _ in $(seq 30); do
		grep -q -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	grep -q -- "$1" "$2"
}

# respond NAME ARGS...: ike-respond on a free loopback port with NAME's
# certificate and ARGS
respond() {
	local name=$1
	shift
	PORT=$(free_port)
	# shellcheck disable=SC2046
	"${NS[@]}" "$R" --local "127.0.0.1:$PORT" $(cred "$name") "${RARGS[@]}" "$@" \
		</dev/null >"$T/r.out" 2>"$T/r.err" 3>&- &
	echo $! >"$T/r.pid"
	for _ in $(seq 30); do
		"${NS[@]}" ss -Hlun "sport = :$PORT" | grep -q . && return 0
		sleep 0.1
	done
	fail "ike-respond did not start: $(cat "$T/r.err")"
}

# initiate NAME ARGS...: ike-initiate with NAME's certificate toward respond's
initiate() {
	local name=$1
	shift
	# shellcheck disable=SC2046
	"${NS[@]}" timeout -k 2 20 "$I" --peer "127.0.0.1:$PORT" --local "127.0.0.1:$(free_port)" \
		$(cred "$name") "${IARGS[@]}" "$@"
}

# ocsp_start: openssl ocsp answering from the lab index on an ephemeral
# port (OCSP_URL), signed by the delegated ocsp certificate, for at most 8
# requests and 60 s
ocsp_start() {
	"${NS[@]}" timeout 60 openssl ocsp -index "$P/index.txt" -port 0 -CA "$P/ca.crt" \
		-rsigner "$P/ocsp.crt" -rkey "$P/ocsp.key" -nrequest 8 </dev/null >"$T/ocsp.log" 2>&1 3>&- &
	echo $! >"$T/ocsp.pid"
	for _ in $(seq 50); do
		OCSP_PORT=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\) PID=.*/\1/p' "$T/ocsp.log")
		[ -z "$OCSP_PORT" ] || break
		sleep 0.1
	done
	[ -n "$OCSP_PORT" ] || fail "openssl ocsp did not start: $(cat "$T/ocsp.log")"
	OCSP_URL=http://127.0.0.1:$OCSP_PORT/
}

@test "option errors: value, combinations, CRL files (exit 2 or 5, program: FILE: why)" {
	local p out
	printf 'k\n' >"$T/psk"
	printf 'hello\n' >"$T/junk.crl"
	for p in "$I --peer 127.0.0.1 ${IARGS[*]}" "$R --local 127.0.0.1:1 ${RARGS[*]}"; do
		# shellcheck disable=SC2086
		run $p --psk-file "$T/psk" --crl "$P/ca.crl"
		assert_failure 2
		assert_line --index 0 --regexp "^ike-(initiate|respond): --crl, --ocsp, --ocsp-aia and --revocation go with --cert\$"
		# shellcheck disable=SC2086,SC2046
		run $p $(cred alice) --revocation maybe
		assert_failure 2
		assert_line --index 0 --partial ": --revocation: 'maybe': not strict, ifuri or relaxed"
		# shellcheck disable=SC2086,SC2046
		run $p $(cred alice) --ocsp ftp://127.0.0.1/
		assert_failure 2
		assert_line --index 0 --partial ": --ocsp: 'ftp://127.0.0.1/': not an http:// URL"
		# shellcheck disable=SC2086,SC2046
		run $p $(cred alice) --ocsp https://127.0.0.1/
		assert_failure 2
		assert_line --index 0 --partial ": --ocsp: 'https://127.0.0.1/': https is not supported"
		# shellcheck disable=SC2086,SC2046
		run $p $(cred alice) --crl "$T/nope.crl"
		assert_failure 5
		assert_output --regexp "^ike-(initiate|respond): $T/nope.crl: No such file or directory\$"
		# shellcheck disable=SC2086,SC2046
		run $p $(cred alice) --crl "$P/ca.crl" --crl "$T/junk.crl"
		assert_failure 5
		assert_output --regexp "^ike-(initiate|respond): $T/junk.crl: no CRL in it \\(PEM or DER\\)\$"
		# shellcheck disable=SC2086,SC2046
		run $p $(cred alice) --crl "$T"
		assert_failure 5
		assert_output --partial ": $T: Is a directory"
		# shellcheck disable=SC2086,SC2046
		run $p $(cred alice) --crl "$P/forged.crl"
		assert_failure 2
		assert_output --regexp "^ike-(initiate|respond): $P/forged.crl: CRL of O=ikekit revocation lab, CN=ca: not signed by that --ca certificate\$"
		# shellcheck disable=SC2086,SC2046
		run $p $(cred alice) $(for _ in $(seq 17); do printf -- '--crl %s ' "$P/ca.crl"; done)
		assert_failure 2
		assert_line --index 0 --partial ": --crl: '$P/ca.crl': at most 16 files"
	done
	# strict with nothing to ask refuses every peer: said at the start
	# shellcheck disable=SC2046
	run --separate-stderr "$I" --peer 127.0.0.1:9 "${IARGS[@]}" $(cred alice) --revocation strict \
		--until sa-init --timeout 1
	assert_failure 4
	# shellcheck disable=SC2154 # run --separate-stderr sets it
	out=${stderr%%$'\n'*}
	[ "$out" = "ike-initiate: warning: --revocation strict without --crl, --ocsp or --ocsp-aia refuses every peer" ] ||
		fail "stderr: $stderr"
}

@test "CRL: ike-respond refuses a revoked initiator (AUTHENTICATION_FAILED, says why), accepts a good one" {
	respond alice --crl "$P/ca.crl"
	run --separate-stderr initiate carol
	assert_failure 3
	[ "$stderr" = "ike-initiate: 127.0.0.1:$PORT: IKE_AUTH: peer sent AUTHENTICATION_FAILED" ] || fail "stderr: $stderr"
	wait_for "IKE_AUTH: peer not authenticated: peer certificate CN=carol: revoked (keyCompromise, [0-9-]* [0-9:]* UTC) by CRL\$" "$T/r.err" ||
		fail "r.err: $(cat "$T/r.err")"
	wait_for " AUTHENTICATION_FAILED\$" "$T/r.out"
	run --separate-stderr initiate bob
	assert_success
	wait_for "^established $output " "$T/r.out"
}

@test "CRL: ike-initiate refuses a revoked responder (exit 3, says why), DER CRL, default ifuri" {
	respond carol
	run --separate-stderr initiate alice --crl "$P/ca.crl.der"
	assert_failure 3
	[[ $stderr =~ ^"ike-initiate: 127.0.0.1:$PORT: IKE_AUTH: peer not authenticated: peer certificate CN=carol: revoked (keyCompromise, "[0-9-]+" "[0-9:]+" UTC) by CRL"$ ]] ||
		fail "stderr: $stderr"
	[ ! -d "$T/state-i" ] || [ -z "$(ls "$T/state-i")" ] || fail "state recorded"
	stop "$T/r.pid" ike-respond
	respond bob
	run --separate-stderr initiate alice --crl "$P/ca.crl.der" --revocation strict
	assert_success
}

@test "OCSP: revoked refused on either side, good accepted (openssl ocsp, delegated signer)" {
	ocsp_start
	respond alice --ocsp "$OCSP_URL" --revocation strict
	run --separate-stderr initiate carol
	assert_failure 3
	[ "$stderr" = "ike-initiate: 127.0.0.1:$PORT: IKE_AUTH: peer sent AUTHENTICATION_FAILED" ] || fail "stderr: $stderr"
	wait_for "IKE_AUTH: peer not authenticated: peer certificate CN=carol: revoked (keyCompromise, .* UTC) by OCSP\$" "$T/r.err" ||
		fail "r.err: $(cat "$T/r.err")"
	run --separate-stderr initiate bob
	assert_success
	wait_for "^established $output " "$T/r.out"
	stop "$T/r.pid" ike-respond
	respond carol
	run --separate-stderr initiate alice --ocsp "$OCSP_URL"
	assert_failure 3
	[[ $stderr == *": IKE_AUTH: peer not authenticated: peer certificate CN=carol: revoked (keyCompromise, "*" UTC) by OCSP" ]] ||
		fail "stderr: $stderr"
	stop "$T/r.pid" ike-respond
	respond alice
	run --separate-stderr initiate bob --ocsp "$OCSP_URL" --revocation strict -v
	assert_success
	[[ $stderr == *"peer certificate CN=alice: not revoked (OCSP)"* ]] || fail "stderr: $stderr"
}

@test "OCSP responder down: strict and ifuri refuse saying why, relaxed accepts with a warning; --ocsp-aia asks the certificate's own first" {
	local down url
	down=$(free_port)
	url=http://127.0.0.1:$down/ocsp
	respond alice
	run --separate-stderr initiate bob --ocsp "$url" --revocation strict
	assert_failure 3
	[ "$stderr" = "ike-initiate: 127.0.0.1:$PORT: IKE_AUTH: peer not authenticated: peer certificate CN=alice: revocation status unknown (OCSP $url: Connection refused), refused by --revocation strict" ] ||
		fail "stderr: $stderr"
	run --separate-stderr initiate bob --ocsp "$url"
	assert_failure 3
	[[ $stderr == *"(OCSP $url: Connection refused), refused by --revocation ifuri" ]] || fail "stderr: $stderr"
	run --separate-stderr initiate bob --ocsp "$url" --revocation relaxed
	assert_success
	[[ $stderr == *"ike-initiate: peer certificate CN=alice: revocation status unknown (OCSP $url: Connection refused), accepted by --revocation relaxed"* ]] ||
		fail "stderr: $stderr"
	# a CRL answers when the responder does not
	run --separate-stderr initiate bob --ocsp "$url" --crl "$P/ca.crl" --revocation strict
	assert_success
	# --ocsp-aia: erin's own responder (port 9, nothing there) comes first
	stop "$T/r.pid" ike-respond
	respond erin
	run --separate-stderr initiate bob --ocsp-aia --ocsp "$url" --revocation strict
	assert_failure 3
	[[ $stderr == *"peer certificate CN=erin: revocation status unknown (OCSP http://127.0.0.1:9/ocsp: Connection refused), refused by --revocation strict" ]] ||
		fail "stderr: $stderr"
	run --separate-stderr initiate bob --ocsp "$url" --revocation strict
	assert_failure 3
	[[ $stderr == *"(OCSP $url: Connection refused)"* ]] || fail "stderr: $stderr"
	# ike-respond: strict refuses, with the reason in its log
	stop "$T/r.pid" ike-respond
	respond alice --ocsp "$url" --revocation strict
	run --separate-stderr initiate bob
	assert_failure 3
	wait_for "peer certificate CN=bob: revocation status unknown (OCSP $url: Connection refused), refused by --revocation strict\$" "$T/r.err" ||
		fail "r.err: $(cat "$T/r.err")"
}

@test "OCSP responder that never answers: refused after the 3 s timeout, not the peer's" {
	local hole start took
	hole=$(free_port)
	# accepts connections into its backlog and never reads them
	"${NS[@]}" timeout 30 python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4); time.sleep(30)' "$hole" </dev/null >/dev/null 2>&1 3>&- &
	echo $! >"$T/hole.pid"
	for _ in $(seq 30); do
		"${NS[@]}" ss -Hltn "sport = :$hole" | grep -q . && break
		sleep 0.1
	done
	respond alice
	start=$(date +%s%N)
	run --separate-stderr initiate bob --ocsp "http://127.0.0.1:$hole/" --revocation strict --timeout 10
	took=$((($(date +%s%N) - start) / 1000000))
	assert_failure 3
	[[ $stderr == *"(OCSP http://127.0.0.1:$hole/: no answer within 3 s), refused by --revocation strict" ]] ||
		fail "stderr: $stderr"
	[ "$took" -ge 2900 ] && [ "$took" -lt 6000 ] || fail "took $took ms"
}

@test "expired CRL: ifuri refuses a good certificate, relaxed lets it in, a listed one stays revoked" {
	respond alice
	run --separate-stderr initiate bob --crl "$P/expired.crl"
	assert_failure 3
	[[ $stderr =~ "peer certificate CN=alice: revocation status unknown (CRL of O=ikekit revocation lab, CN=ca expired "[0-9-]+" "[0-9:]+" UTC), refused by --revocation ifuri"$ ]] ||
		fail "stderr: $stderr"
	run --separate-stderr initiate bob --crl "$P/expired.crl" --revocation relaxed
	assert_success
	stop "$T/r.pid" ike-respond
	respond carol
	run --separate-stderr initiate alice --crl "$P/expired.crl" --revocation relaxed
	assert_failure 3
	[[ $stderr == *"peer certificate CN=carol: revoked (no reason given, "*" UTC) by CRL" ]] || fail "stderr: $stderr"
}

@test "--crl, --ocsp, --ocsp-aia, --revocation are in --help, the man pages and both completions" {
	local p opt
	for p in ike-initiate ike-respond; do
		run "$IKEKIT_BIN/$p" --help
		assert_success
		assert_output --partial -- "--crl file"
		assert_output --partial -- "--ocsp url"
		assert_output --partial -- "--ocsp-aia"
		assert_output --partial -- "--revocation strict | ifuri | relaxed"
		for opt in crl ocsp ocsp-aia revocation; do
			grep -q -- "^\.It Fl -$opt\\b" "$IKEKIT_TOP/man/$p.8" || fail "$p.8: --$opt"
			grep -q -- "--$opt\\b" "$IKEKIT_TOP/completions/bash/$p" || fail "bash $p: --$opt"
			grep -q -- "--${opt}[=[]" "$IKEKIT_TOP/completions/zsh/_$p" || fail "zsh $p: --$opt"
		done
	done
}
