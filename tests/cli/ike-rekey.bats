#!/usr/bin/env bats
# ike-rekey.bats: ike-rekey(8) as a user sees it.  Without a peer: every
# usage error (exit 2), the state directory, a missing SA, a busy lock or
# port (exit 5), malformed ike.sa and Child SA files (exit 1, file:line),
# several or no Child SAs.  Against a peer in Python on loopback (AES-GCM
# IKE with the hand-written keys of tests/cli/esp-tun.bats; it answers
# CREATE_CHILD_SA with its own SPI, nonce and, with PFS, KE, and derives
# the new Child SA's keys itself): a rekey (the new file, its SPIs and
# keys, ike.sa's child= and msgid_out, the old files gone), PFS, --esp,
# the responder's side, a refusal (exit 3), no answer (exit 4), --delete
# of a Child SA and of the IKE SA, names on stdin, and the way through
# esp-tun's port (a stand-in esp-tun holding .esp-tun and .esp-tun.sock).
# The exchanges with strongSwan are in tests/interop/rekey-strongswan.bats.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load lib

# the keys of the hand-written SAs (as in esp-tun.bats)
K_IN_E=41e24cf57a09a53b5c1f54363354fb480b2398c9b09cd5c2783deecb37ee3cb130c5ba34
K_OUT_E=1d655c29922efe52e1ae60c3dfd5f990772a70efc259ab5accf7f3abbe5bbff08e7203cf
SK_EI=3b8637e69b94cba8ba6ba97242a14614128181c3647fb1ff5c06a9507192d8f33021ad15
SK_ER=de9289eb1fde066ebcb483e0994c6993bf46faf21c97d525b2ff96977f9c2a6ad3112ceb
SK_D=79432f102ce26b6b5d8ae7661865917d3abb80e295470572b70742cd36e88f97
SK_PI=86c3208ab203cca6cedbee41eb3f9fdce24970d688506fb9252007ce14695f3a
SK_PR=deb84b2709adf812b4f80fd606f07cb136e22887ad0937c68fc765bf2989dac0

USAGE1='usage: ike-rekey [-hv] [--child name] [--esp proposals] [--json]'

setup() {
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	R=$IKEKIT_BIN/ike-rekey
	T=$BATS_TEST_TMPDIR
	S=$T/state
	[ -x "$R" ] || fail "ike-rekey not built: $R (run make)"
	LOCAL=10.99.0.1:4500 REMOTE=10.99.0.2:4500
	PEER='' HOLDER='' NS=''
}

teardown() {
	stop_pid "$PEER" timeout
	stop_pid "${AUTO:-}" ike-rekey
	stop_pid "$HOLDER" python3
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null || true
}

# stop_pid PID COMM : KILL PID if it is still COMM (never by name alone)
stop_pid() {
	[ -n "$1" ] || return 0
	if [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; then
		kill -KILL "$1" 2>/dev/null || true
		wait "$1" 2>/dev/null || true
	fi
	return 0
}

# --- state files (ike-state(5)), written by hand -----------------------------

# put FILE : standard input to FILE, mode 0600, replaced atomically
put() {
	cat >"$1.tmp" && chmod 600 "$1.tmp" && mv -f "$1.tmp" "$1"
}

# setkv FILE KEY VALUE : KEY=VALUE in FILE (the line replaced or added)
setkv() {
	{ grep -v "^$2=" "$1"; printf '%s=%s\n' "$2" "$3"; } | put "$1.new" && mv -f "$1.new" "$1"
}

# delkv FILE KEY : KEY's line gone from FILE
delkv() {
	grep -v "^$2=" "$1" | put "$1.new" && mv -f "$1.new" "$1"
}

# kv FILE KEY : the value of KEY in FILE

# mkike [SA] [ISPI] : S/SA/ike.sa, an established IKE SA that this host
# initiated, from LOCAL to REMOTE, AES-GCM-16 256, our next request ID 2
mkike() {
	local sa=${1:-site} ispi=${2:-1122334455667788}
	mkdir -p -m 700 "$S" "$S/$sa"
	chmod 700 "$S" "$S/$sa"
	put "$S/$sa/ike.sa" <<EOT
version=1
name=$sa
state=established
role=initiator
ispi=$ispi
rspi=99aabbccddeeff00
local=$LOCAL
remote=$REMOTE
encr=ENCR_AES_GCM_16
encr_keybits=256
integ=AUTH_NONE
prf=PRF_HMAC_SHA2_256
dh=CURVE25519
nat=no
child=net
sk_d=$SK_D
sk_ai=
sk_ar=
sk_ei=$SK_EI
sk_er=$SK_ER
sk_pi=$SK_PI
sk_pr=$SK_PR
msgid_out=2
msgid_in=0
EOT
}

# mkchild [SA] [CHILD] [SPI_IN] : S/SA/child.CHILD.sa, ESP in UDP,
# 10.1.0.0/16 (here) <=> 10.2.0.0/16 (the peer)
mkchild() {
	local sa=${1:-site} c=${2:-net} spi=${3:-0xc0ffee01}
	put "$S/$sa/child.$c.sa" <<EOT
version=1
name=$c
ike=$sa
spi_in=$spi
spi_out=0xc2d3e4f5
encr=ENCR_AES_GCM_16
encr_keybits=256
integ=AUTH_NONE
esn=0
key_in_e=$K_IN_E
key_in_a=
key_out_e=$K_OUT_E
key_out_a=
local=${LOCAL%:*}
remote=${REMOTE%:*}
local_ts=10.1.0.0/16
remote_ts=10.2.0.0/16
mode=tunnel
encap=udp
EOT
}

mkstate() {
	mkike "${1:-site}" "${2:-1122334455667788}" && mkchild "${1:-site}"
}

# --- the command line -------------------------------------------------------

@test "--help prints the synopsis on stdout and exits 0" {
	run --separate-stderr "$R" --help
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	assert_equal "${#lines[@]}" 12
	assert_line --index 0 "$USAGE1"
	assert_line --index 1 '                 [--pfs group] [-S dir] [--timeout secs] name | -'
	assert_line --index 2 '       ike-rekey --ike [-hv] [--json] [-S dir] [--timeout secs] name | -'
	assert_line --index 3 '       ike-rekey --delete [-hv] [--child name | --ike] [--json] [-S dir]'
	assert_line --index 4 '                 [--timeout secs] name | -'
	assert_line --index 5 '       ike-rekey --auto [-hv] [--esp proposals] [--json] [--pfs group]'
	assert_line --index 6 '                 [-S dir] [--timeout secs] name'
	assert_line --index 7 '       ike-rekey --move-to addr [-hv] [--json] [-S dir] [--timeout secs]'
	assert_line --index 8 '                 name | -'
	assert_line --index 9 '       ike-rekey --add-child local=remote [-hv] [--child name]'
	assert_line --index 10 '                 [--esp proposals] [--json] [--pfs group] [-S dir]'
	assert_line --index 11 '                 [--timeout secs] name | -'
	run "$R" -h
	assert_success
	assert_line --index 0 "$USAGE1"
}

@test "an unknown option is a usage error (exit 2): the synopsis on stderr, nothing on stdout" {
	run --separate-stderr "$R" --bogus site
	assert_failure 2
	assert_output ""
	[[ $stderr == *"unrecognized option '--bogus'"* ]] || fail "stderr: $stderr"
	[[ $stderr == *"$USAGE1"* ]] || fail "stderr: $stderr"
	run --separate-stderr "$R" -q site
	assert_failure 2
	[[ $stderr == *"invalid option -- 'q'"* ]] || fail "stderr: $stderr"
	run --separate-stderr "$R" --child
	assert_failure 2
	[[ $stderr == *"option '--child' requires an argument"* ]] || fail "stderr: $stderr"
}

@test "no SA name, or more than one: exit 2" {
	run --separate-stderr "$R" -S "$S"
	assert_failure 2
	assert_output ""
	[ "${stderr_lines[0]}" = "ike-rekey: an SA name (or -) is needed" ] || fail "$stderr"
	[ "${stderr_lines[1]}" = "$USAGE1" ] || fail "$stderr"
	run --separate-stderr "$R" -S "$S" site other
	assert_failure 2
	[ "${stderr_lines[0]}" = "ike-rekey: one SA name (or -)" ] || fail "$stderr"
	run --separate-stderr "$R" -S "$S" --delete site -
	assert_failure 2
	[ "${stderr_lines[0]}" = "ike-rekey: one SA name (or -)" ] || fail "$stderr"
}

@test "the SA and --child take names only (1 to 64 of A-Za-z0-9._-, no leading dot): exit 2" {
	local long n
	long=$(printf 'a%.0s' {1..65})
	for n in ../etc .hidden "a/b" "" "$long" "sp ace" "a=b"; do
		run --separate-stderr "$R" -S "$S" -- "$n"
		assert_failure 2
		[ "${stderr_lines[0]}" = "ike-rekey: \"$n\" is not an SA name" ] || fail "SA '$n': $stderr"
		run --separate-stderr "$R" -S "$S" --child "$n" site
		assert_failure 2
		[ "${stderr_lines[0]}" = "ike-rekey: --child: \"$n\" is not a Child SA name" ] || fail "--child '$n': $stderr"
	done
	# 64 characters is a name (then: no such SA)
	mkdir -m 700 "$S"
	run --separate-stderr "$R" -S "$S" "${long:1}"
	assert_failure 5
	[ "$stderr" = "ike-rekey: ${long:1}: no such SA in the state directory" ] || fail "$stderr"
}

@test "--add-child: selectors not LOCAL=REMOTE or not addresses, or with --auto, --delete, --ike or --move-to: exit 2" {
	local a
	for a in 10.1.0.0/16 "10.1.0.0/16=" "=10.2.0.0/16" "10.1.0.0/33=10.2.0.0/16" "x=10.2.0.0/16"; do
		run --separate-stderr "$R" -S "$S" --add-child "$a" site
		assert_failure 2
		assert_output ""
		[[ ${stderr_lines[0]} == "ike-rekey: --add-child: "* ]] || fail "'$a': $stderr"
	done
	for a in --auto --delete --ike "--move-to 127.0.0.2"; do
		# shellcheck disable=SC2086 # --move-to and its address: two words
		run --separate-stderr "$R" -S "$S" --add-child 10.1.0.0/16=10.2.0.0/16 $a site
		assert_failure 2
		[ "${stderr_lines[0]}" = "ike-rekey: --add-child takes no --auto, --delete, --ike or --move-to" ] || fail "$a: $stderr"
	done
}

@test "--ike takes no --esp, --pfs or --child; --delete takes no --esp or --pfs: exit 2" {
	run --separate-stderr "$R" -S "$S" --ike --pfs x25519 site
	assert_failure 2
	assert_output ""
	[ "${stderr_lines[0]}" = "ike-rekey: --ike takes no --esp or --pfs (the IKE SA keeps its transforms and group)" ] || fail "$stderr"
	[ "${stderr_lines[1]}" = "$USAGE1" ] || fail "$stderr"
	run --separate-stderr "$R" -S "$S" --esp aes128gcm16 --ike site
	assert_failure 2
	[ "${stderr_lines[0]}" = "ike-rekey: --ike takes no --esp or --pfs (the IKE SA keeps its transforms and group)" ] || fail "$stderr"
	run --separate-stderr "$R" -S "$S" --ike --child net site
	assert_failure 2
	[ "${stderr_lines[0]}" = "ike-rekey: --ike and --child: one or the other" ] || fail "$stderr"
	run --separate-stderr "$R" -S "$S" --delete --ike --child net site
	assert_failure 2
	[ "${stderr_lines[0]}" = "ike-rekey: --ike and --child: one or the other" ] || fail "$stderr"
	run --separate-stderr "$R" -S "$S" --delete --esp aes128gcm16 site
	assert_failure 2
	[ "${stderr_lines[0]}" = "ike-rekey: --delete takes no --esp or --pfs" ] || fail "$stderr"
	run --separate-stderr "$R" -S "$S" --pfs x25519 --delete --child net site
	assert_failure 2
	[ "${stderr_lines[0]}" = "ike-rekey: --delete takes no --esp or --pfs" ] || fail "$stderr"
}

@test "--esp: a bad proposal string is exit 2 with the proposal parser's message" {
	local p want
	while IFS='|' read -r p want; do
		run --separate-stderr "$R" -S "$S" --esp "$p" site
		assert_failure 2
		assert_output ""
		[ "${stderr_lines[0]}" = "ike-rekey: --esp: $want" ] || fail "--esp '$p': $stderr"
	done <<'EOT'
bogus|proposal 1, algorithm 1: bogus: unknown algorithm
aes128gcm16,aes128-foo|proposal 2, algorithm 2: foo: unknown algorithm
aes128-modp1024|proposal 1, algorithm 2: modp1024: weak algorithm, refused (RFC 8247)
EOT
	# good ones pass (the missing state directory is what fails)
	for p in aes256gcm16 aes128gcm16,aes256-sha256 chacha20poly1305 aes128gcm16-x25519; do
		run --separate-stderr "$R" -S "$T/nope" --esp "$p" site
		assert_failure 5
		[ "$stderr" = "ike-rekey: $T/nope: No such file or directory" ] || fail "--esp $p: $stderr"
	done
}

@test "--pfs: a word that is not a key exchange group (or a weak one) is exit 2; the groups pass" {
	local g
	for g in bogus aes128 x25519-ecp256 modp1024 ecp224 none ""; do
		run --separate-stderr "$R" -S "$S" --pfs "$g" site
		assert_failure 2
		[ "${stderr_lines[0]}" = "ike-rekey: --pfs: \"$g\" is not a key exchange group (x25519, ecp256, modp2048, ...)" ] ||
			fail "--pfs '$g': $stderr"
	done
	for g in x25519 curve25519 x448 ecp256 ecp384 ecp521 modp2048 modp3072 modp4096; do
		run --separate-stderr "$R" -S "$T/nope" --pfs "$g" site
		assert_failure 5
		[ "$stderr" = "ike-rekey: $T/nope: No such file or directory" ] || fail "--pfs $g: $stderr"
	done
}

@test "--timeout: not a number of seconds from 1 to 3600 is exit 2; 1 and 3600 pass" {
	local v
	for v in 0 3601 -1 1x "" 1.5 99999999999999999999; do
		run --separate-stderr "$R" -S "$S" --timeout "$v" site
		assert_failure 2
		[ "${stderr_lines[0]}" = "ike-rekey: --timeout: \"$v\" is not a number of seconds from 1 to 3600" ] ||
			fail "--timeout '$v': $stderr"
	done
	for v in 1 3600; do
		run --separate-stderr "$R" -S "$T/nope" --timeout "$v" site
		assert_failure 5
	done
}

@test "the state directory: missing or group-writable is exit 5, not set is exit 2; IKE_STATE_DIR is the default" {
	run --separate-stderr "$R" -S "$T/nope" site
	assert_failure 5
	assert_output ""
	[ "$stderr" = "ike-rekey: $T/nope: No such file or directory" ] || fail "$stderr"
	mkdir -m 700 "$S"
	chmod 770 "$S"
	run --separate-stderr "$R" -S "$S" site
	assert_failure 5
	[ "$stderr" = "ike-rekey: $S: writable by group or others (mode 0770); chmod 700 it" ] || fail "$stderr"
	chmod 700 "$S"
	IKE_STATE_DIR=$S run --separate-stderr "$R" site
	assert_failure 5
	[ "$stderr" = "ike-rekey: site: no such SA in the state directory" ] || fail "$stderr"
	local as=()
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || skip "setpriv missing"
		as=(setpriv --reuid 65534 --regid 65534 --clear-groups)
	fi
	run --separate-stderr "${as[@]}" env -u IKE_STATE_DIR -u XDG_RUNTIME_DIR "$R" site
	assert_failure 2
	[ "$stderr" = "ike-rekey: state directory: not set (IKE_STATE_DIR or -S)" ] || fail "$stderr"
}

@test "no such SA: exit 5, for a rekey, --delete and --delete --ike" {
	mkstate other
	local a
	for a in "" --delete "--delete --ike"; do
		# shellcheck disable=SC2086 # the options
		run --separate-stderr "$R" -S "$S" $a site
		assert_failure 5
		assert_output ""
		[ "$stderr" = "ike-rekey: site: no such SA in the state directory" ] || fail "'$a': $stderr"
	done
	# the other SA was not touched
	assert_equal "$(kv "$S/other/ike.sa" msgid_out)" 2
}

@test "the SA by the SPIs of its IKE SA (ISPI:RSPI): found among others and rekeyed; malformed: exit 2; none: exit 5" {
	local a
	need_peer
	use_ports
	mkstate
	mkike other 0102030405060708
	for a in 1122334455667788:99aabbccddeeff0 "1122334455667788:99aabbccddeeff0g" ":"; do
		run --separate-stderr "$R" -S "$S" "$a"
		assert_failure 2
		[[ $stderr == "ike-rekey: \"$a\" is not"* ]] || fail "'$a': $stderr"
	done
	run --separate-stderr "$R" -S "$S" 1122334455667788:99aabbccddeeff01
	assert_failure 5
	[ "$stderr" = "ike-rekey: 1122334455667788:99aabbccddeeff01: no SA with these SPIs in the state directory" ] || fail "$stderr"
	# upper case as well: site's, not other's
	peer udp 2 ok ok
	run --separate-stderr "$R" -S "$S" --timeout 5 1122334455667788:99AABBCCDDEEFF00
	peer_done
	assert_success
	[ -f "$S/site/child.$output.sa" ] || fail "no child.$output.sa in site: $(ls "$S/site")"
	assert_equal "$(kv "$S/other/ike.sa" msgid_out)" 2
}

@test "a malformed ike.sa is exit 1, naming the file (and the line where there is one); nothing is written" {
	local k v want
	while IFS='|' read -r k v want; do
		rm -rf "$S"
		mkstate
		setkv "$S/site/ike.sa" "$k" "$v"
		cp "$S/site/ike.sa" "$T/before"
		run --separate-stderr "$R" -S "$S" site
		assert_failure 1
		assert_output ""
		[ "$stderr" = "ike-rekey: site/ike.sa$want" ] || fail "$k=$v: $stderr"
		cmp -s "$S/site/ike.sa" "$T/before" || fail "$k=$v: ike.sa changed"
	done <<'EOT'
role|boss|:24: role: "boss" is not one of the known words
ispi|1122|:24: ispi: not 16 hex digits
encr|ENCR_BOGUS|:24: encr: unknown transform "ENCR_BOGUS"
sk_ei|abc|:24: sk_ei: not an even number of hex digits, at most 36 bytes
msgid_out|-1|:24: msgid_out: "-1" is not a number up to 4294967295
version|2|: format version not supported (only 1)
EOT
	# ADDRESS:PORT of one family (ike-rekey's own check)
	for v in 10.99.0.1 "[fd00::1]:4500"; do
		rm -rf "$S"
		mkstate
		setkv "$S/site/ike.sa" local "$v"
		run --separate-stderr "$R" -S "$S" --delete --ike site
		assert_failure 1
		[ "$stderr" = "ike-rekey: site/ike.sa: local, remote: not ADDRESS:PORT of one family" ] || fail "local=$v: $stderr"
	done
	rm -rf "$S"
	mkstate
	delkv "$S/site/ike.sa" sk_d
	run --separate-stderr "$R" -S "$S" --delete site
	assert_failure 1
	[ "$stderr" = "ike-rekey: site/ike.sa: sk_d: missing" ] || fail "$stderr"
	[ -e "$S/site/child.net.sa" ] || fail "the Child SA file went"
}

@test "a malformed Child SA file is exit 1, naming the file (and the line where there is one)" {
	local k v want
	while IFS='|' read -r k v want; do
		rm -rf "$S"
		mkstate
		setkv "$S/site/child.net.sa" "$k" "$v"
		run --separate-stderr "$R" -S "$S" site
		assert_failure 1
		assert_output ""
		[ "$stderr" = "ike-rekey: site/child.net.sa$want" ] || fail "$k=$v: $stderr"
		assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 2
		# --delete reads it too
		run --separate-stderr "$R" -S "$S" --delete site
		assert_failure 1
		[ "$stderr" = "ike-rekey: site/child.net.sa$want" ] || fail "--delete $k=$v: $stderr"
		[ -e "$S/site/child.net.sa" ] || fail "$k=$v: the file went"
	done <<'EOT'
spi_in|zz|:19: spi_in: not 0x8 hex digits
spi_out|0xc2d3|:19: spi_out: not 0x8 hex digits
encr|ENCR_BOGUS|:19: encr: unknown transform "ENCR_BOGUS"
esn|7|:19: esn: "7" is not a number up to 1
encap|tcp|:19: encap: "tcp" is not one of the known words
local_ts|10.1.0.0/33|: local_ts: '10.1.0.0/33': not an address, prefix or range
EOT
	rm -rf "$S"
	mkstate
	delkv "$S/site/child.net.sa" remote_ts
	run --separate-stderr "$R" -S "$S" site
	assert_failure 1
	[ "$stderr" = "ike-rekey: site/child.net.sa: remote_ts: missing" ] || fail "$stderr"
}

@test "several Child SAs without --child, none at all, or no such --child: exit 1" {
	mkstate
	mkchild site two 0xc0ffee02
	run --separate-stderr "$R" -S "$S" site
	assert_failure 1
	assert_output ""
	[ "$stderr" = "ike-rekey: site: several Child SAs: say which with --child" ] || fail "$stderr"
	run --separate-stderr "$R" -S "$S" --delete site
	assert_failure 1
	[ "$stderr" = "ike-rekey: site: several Child SAs: say which with --child" ] || fail "$stderr"
	run --separate-stderr "$R" -S "$S" --child three site
	assert_failure 1
	[ "$stderr" = "ike-rekey: site/child.three.sa: no such Child SA" ] || fail "$stderr"
	rm "$S/site/child.net.sa" "$S/site/child.two.sa"
	# files that are not Child SAs do not count
	echo x >"$S/site/child.net.stats"
	echo x >"$S/site/child.net.sa.tmp.1"
	run --separate-stderr "$R" -S "$S" site
	assert_failure 1
	[ "$stderr" = "ike-rekey: site: no Child SA" ] || fail "$stderr"
	run --separate-stderr "$R" -S "$S" --delete site
	assert_failure 1
	[ "$stderr" = "ike-rekey: site: no Child SA" ] || fail "$stderr"
	assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 2
}

@test "the SA's lock held by another program: exit 5 after at most 5 s, nothing sent or reserved" {
	mkstate
	python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(15)' "$S/site" >"$T/holder" 3>&- &
	HOLDER=$!
	until_true 5 grep -q locked "$T/holder" || fail "the lock holder did not start"
	local start=$SECONDS
	run --separate-stderr "$R" -S "$S" site
	assert_failure 5
	[ "$stderr" = "ike-rekey: site: its lock is held (another program is working on it)" ] || fail "$stderr"
	[ $((SECONDS - start)) -le 7 ] || fail "took $((SECONDS - start)) s"
	assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 2
}

@test "the IKE SA's port held without SO_REUSEPORT (ike-initiate --stay): exit 5, nothing reserved; held with it (ike-respond): ike-rekey binds beside it" {
	use_ports
	mkstate
	local reuse
	for reuse in 0 1; do
		python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if sys.argv[2] == "1":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("bound", flush=True)
time.sleep(15)' "${LOCAL#*:}" "$reuse" >"$T/holder" 3>&- &
		HOLDER=$!
		until_true 5 grep -q bound "$T/holder" || fail "the port holder did not start"
		run --separate-stderr "$R" -S "$S" --timeout 1 site
		if [ "$reuse" = 0 ]; then
			assert_failure 5
			[ "$stderr" = "ike-rekey: bind port ${LOCAL#*:}: Address already in use (ike-initiate --stay?)" ] ||
				fail "$stderr"
			assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 2
		else
			# bound and sent: no peer answers here
			assert_failure 4
			[ "$stderr" = "ike-rekey: site: CREATE_CHILD_SA: no answer within 1 s" ] || fail "$stderr"
			assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 3
		fi
		stop_pid "$HOLDER" python3
		wait "$HOLDER" 2>/dev/null || true
		HOLDER=
	done
}

# --- against a peer ---------------------------------------------------------

# until_true SECS COMMAND... : run COMMAND every 0.1 s until it succeeds
until_true() {
	local i n=$(($1 * 10))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# use_ports : LOCAL and REMOTE on 127.0.0.1, two UDP ports nobody uses
use_ports() {
	local p
	p=$(python3 -c 'import socket
a, b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM), socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
	LOCAL=127.0.0.1:${p% *} REMOTE=127.0.0.1:${p#* }
}

# need_peer : Python with the cryptography module; T/peer.py
need_peer() {
	python3 -c 'import cryptography.hazmat.primitives.ciphers.aead, cryptography.hazmat.primitives.asymmetric.x25519' 2>/dev/null ||
		skip "python3 cryptography module missing (the peer's AES-GCM and X25519)"
	peer_script >"$T/peer.py"
}

# peer WHERE N STEP... : the peer in the background (PEER, at most 20 s,
# in NS if set) answering N requests (or until 4 s without one) into
# T/peer; returns once it listens.  WHERE: udp (REMOTE of the first SA's
# ike.sa) or esptun:SA (a stand-in esp-tun of SA)
peer() {
	local where=$1 n=$2 ns=()
	shift 2
	[ -z "$NS" ] || ns=(ip netns exec "$NS")
	"${ns[@]}" timeout 20 python3 "$T/peer.py" "$S" "$where" "$n" 4 "$@" >"$T/peer" 2>&1 3>&- &
	PEER=$!
	until_true 10 grep -q '^listening$' "$T/peer" || fail "peer: $(cat "$T/peer")"
}

# peer_done : wait for the peer (it stops after its N requests, or idle)
peer_done() {
	wait "$PEER" || true
	PEER=
}

# peer_script : the peer of the hand-written SAs, in Python (AES-GCM-16 IKE).
# It reads every SA of the state directory at its start, and for each
# request (decrypted with the SA's keys) prints
#   SA: exch E flags 0xFF msgid M [payloads] msgid_out=V lock=free|held
# (V: ike.sa's msgid_out then; lock: whether the SA's lock was free), then
# answers as its next STEP says (the last one repeats):
#   ok[:P]    CREATE_CHILD_SA: choose proposal P (1), the first transform of
#             each type, its own SPI, a nonce, a KE if one came (x25519,
#             ecp256), the selectors asked for; print the Child SA as the
#             requester records it:
#               child spi_in=.. spi_out=.. key_in_e=.. key_in_a=..
#               key_out_e=.. key_out_a=..
#             and for an IKE SA rekey (an IKE proposal) the new IKE SA as
#             the requester records it, then answered on it too:
#               ike ispi=.. rspi=.. sk_d=.. sk_ei=.. sk_er=.. sk_pi=.. sk_pr=..
#             INFORMATIONAL: a Delete of our SPI of a deleted Child SA, or
#             an empty answer
#   refuse:N  SK{ N(N) }
#   badke:G   SK{ N(INVALID_KE_PAYLOAD, group G) }
#   drop      no answer
# With PEER_RAW set, each request also goes to that file in hex, a line
# each.
# Payloads: N(type[,0xspi]) SA(num:proto:0xspi:type.id[/keylen]+...) KE(group)
# N32 (a nonce's length) TSi(ranges) TSr(ranges) D(proto[,0xspi...]).
peer_script() {
	cat <<'EOF'
import fcntl, hashlib, hmac, os, socket, struct, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives import serialization

d, where, count, idle, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5:]

def kv(path):
    out = {}
    for line in open(path):
        if '=' in line and not line.lstrip().startswith('#'):
            k, v = line.split('=', 1)
            out[k.strip()] = v.strip()
    return out

# every SA of the state directory by its SPIs, its Child SAs by spi_in
sas = {}
for name in sorted(os.listdir(d)):
    p = os.path.join(d, name, 'ike.sa')
    if name.startswith('.') or not os.path.exists(p):
        continue
    ike = kv(p)
    ike['dir'], ike['children'] = name, {}
    for f in os.listdir(os.path.join(d, name)):
        if f.startswith('child.') and f.endswith('.sa'):
            c = kv(os.path.join(d, name, f))
            ike['children'][int(c['spi_in'], 16)] = int(c['spi_out'], 16)
    sas[bytes.fromhex(ike['ispi'] + ike['rspi'])] = ike

def hostport(s):
    h, p = s.rsplit(':', 1)
    return h.strip('[]'), int(p)

def gcm(keyhex):
    k = bytes.fromhex(keyhex)
    return AESGCM(k[:-4]), k[-4:]

def prfplus(k, s, n):
    out, t, i = b'', b'', 1
    while len(out) < n:
        t = hmac.new(k, t + s + bytes([i]), hashlib.sha256).digest()
        out, i = out + t, i + 1
    return out[:n]

def payloads(first, pt):
    out, t = [], first
    while t != 0:
        nxt, _, plen = struct.unpack('!BBH', pt[:4])
        out.append((t, pt[4:plen]))
        t, pt = nxt, pt[plen:]
    return out

def transforms(body):
    out = []
    while body:
        _, _, tlen, ttype, _, tid = struct.unpack('!BBHBBH', body[:8])
        attrs = body[8:tlen]
        klen = struct.unpack('!H', attrs[2:4])[0] if len(attrs) >= 4 else 0
        out.append((ttype, tid, klen, body[:tlen]))
        body = body[tlen:]
    return out

def proposals(body):
    out = []
    while body:
        _, _, plen, num, proto, spisz, _ = struct.unpack('!BBHBBBB', body[:8])
        out.append((num, proto, body[8:8 + spisz], transforms(body[8 + spisz:plen])))
        body = body[plen:]
    return out

def ts_text(body):
    n, body, out = body[0], body[4:], []
    for _ in range(n):
        tstype, _, tlen = struct.unpack('!BBH', body[:4])
        if tstype == 7:
            out.append('%s-%s' % (socket.inet_ntoa(body[8:12]), socket.inet_ntoa(body[12:16])))
        else:
            out.append('type%d' % tstype)
        body = body[tlen:]
    return ','.join(out)

def describe(t, body):
    if t == 41:
        _, spisz, ntype = struct.unpack('!BBH', body[:4])
        spi = body[4:4 + spisz]
        return 'N(%d%s)' % (ntype, (',0x' + spi.hex()) if spi else '')
    if t == 33:
        return 'SA(%s)' % ' '.join('%d:%d:0x%s:%s' % (num, proto, spi.hex(), '+'.join(
            '%d.%d%s' % (tt, ti, '/%d' % kl if kl else '') for tt, ti, kl, _ in trs))
            for num, proto, spi, trs in proposals(body))
    if t == 34:
        return 'KE(%d)' % struct.unpack('!H', body[:2])
    if t == 40:
        return 'N%d' % len(body)
    if t in (44, 45):
        return '%s(%s)' % ('TSi' if t == 44 else 'TSr', ts_text(body))
    if t == 42:
        proto, spisz, n = struct.unpack('!BBH', body[:4])
        return 'D(%d%s)' % (proto, ''.join(',0x' + body[4 + i * spisz:8 + i * spisz].hex() for i in range(n)))
    return str(t)

# the requester is the IKE SA's initiator (role=initiator): it sends with
# sk_ei, we answer with sk_er and without the I flag; else the other way
def seal(ike, hdr_in, exch, msgid, pls):
    we_init = ike['role'] == 'responder'
    a, salt = gcm(ike['sk_ei'] if we_init else ike['sk_er'])
    pt = b''
    for i, (t, body) in enumerate(pls):
        nxt = pls[i + 1][0] if i + 1 < len(pls) else 0
        pt += struct.pack('!BBH', nxt, 0, 4 + len(body)) + body
    pt += b'\0'
    sk_len = 4 + 8 + len(pt) + 16
    hdr = hdr_in[:16] + struct.pack('!BBBBII', 46, 0x20, exch, 0x20 | (0x08 if we_init else 0), msgid, 28 + sk_len)
    skh = struct.pack('!BBH', pls[0][0] if pls else 0, 0, sk_len)
    iv = os.urandom(8)
    return hdr + skh + iv + a.encrypt(salt + iv, pt, hdr + skh)

def answer_ccsa(ike, pls, which):
    got = dict(pls)
    props = proposals(got[33])
    num, proto, spi_req, trs = props[which - 1]
    keep, seen = [], set()
    for tr in trs:
        if tr[0] not in seen:
            seen.add(tr[0])
            keep.append(tr)
    my_spi = os.urandom(8 if proto == 1 else 4)
    body = b''.join(bytes([0 if i + 1 == len(keep) else 3]) + tr[3][1:] for i, tr in enumerate(keep))
    out = [(33, struct.pack('!BBHBBBB', 0, 0, 8 + len(my_spi) + len(body), num, proto, len(my_spi), len(keep)) + my_spi + body)]
    nr = os.urandom(32)
    out.append((40, nr))
    shared = b''
    if 34 in got:
        g, data = struct.unpack('!H', got[34][:2])[0], got[34][4:]
        if g == 31:
            k = x25519.X25519PrivateKey.generate()
            shared = k.exchange(x25519.X25519PublicKey.from_public_bytes(data))
            pub = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        elif g == 19:
            k = ec.generate_private_key(ec.SECP256R1())
            shared = k.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b'\x04' + data))
            pub = k.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)[1:]
        else:
            sys.exit('group %d: not in this peer' % g)
        out.append((34, struct.pack('!HH', g, 0) + pub))
    if proto == 1:
        return out + rekey_ike(ike, got[40], nr, spi_req, my_spi, shared)
    out += [(44, got[44]), (45, got[45])]
    # RFC 7296 2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), the
    # requester's (initiator's) keys first
    t = dict((tr[0], (tr[1], tr[2])) for tr in keep)
    encr, kl = t[1]
    elen = {20: kl // 8 + 4, 28: 36, 12: kl // 8}[encr]
    alen = {0: 0, 2: 20, 12: 32, 13: 48, 14: 64}[t.get(3, (0, 0))[0]]
    km = prfplus(bytes.fromhex(ike['sk_d']), shared + got[40] + nr, 2 * (elen + alen))
    ei, ai, er, ar = km[:elen], km[elen:elen + alen], km[elen + alen:2 * elen + alen], km[2 * elen + alen:]
    print('child spi_in=0x%s spi_out=0x%s key_in_e=%s key_in_a=%s key_out_e=%s key_out_a=%s' % (
        spi_req.hex(), my_spi.hex(), er.hex(), ar.hex(), ei.hex(), ai.hex()), flush=True)
    return out

# an IKE SA rekey (RFC 7296 2.18): SKEYSEED = prf(SK_d (old), g^ir | Ni |
# Nr), SK_* = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), the requester the new
# SA's initiator; printed, and the new SA answered from now on
def rekey_ike(ike, ni, nr, spi_i, spi_r, shared):
    seed = hmac.new(bytes.fromhex(ike['sk_d']), shared + ni + nr, hashlib.sha256).digest()
    km = prfplus(seed, ni + nr + spi_i + spi_r, 32 + 36 + 36 + 32 + 32)
    new = dict(ike, ispi=spi_i.hex(), rspi=spi_r.hex(), role='initiator', sk_d=km[:32].hex(),
               sk_ei=km[32:68].hex(), sk_er=km[68:104].hex(), sk_pi=km[104:136].hex(), sk_pr=km[136:].hex())
    sas[spi_i + spi_r] = new
    print('ike ' + ' '.join('%s=%s' % (k, new[k]) for k in ('ispi', 'rspi', 'sk_d', 'sk_ei', 'sk_er', 'sk_pi', 'sk_pr')), flush=True)
    return []

def answer_info(ike, pls):
    for t, body in pls:
        if t == 42 and body[0] == 3:
            spi = int.from_bytes(body[4:8], 'big')
            if spi in ike['children']:
                return [(42, struct.pack('!BBHI', 3, 4, 1, ike['children'][spi]))]
    return []

def lock_state(ike):
    try:
        fd = os.open(os.path.join(d, ike['dir']), os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return 'none'
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return 'free'
    except OSError:
        return 'held'
    finally:
        os.close(fd)

def handle(msg, step):
    if os.environ.get('PEER_RAW'):
        with open(os.environ['PEER_RAW'], 'a') as f:
            f.write(msg.hex() + '\n')
    ike = sas.get(msg[:16])
    if ike is None:
        print('unknown SPIs %s' % msg[:16].hex(), flush=True)
        return None
    exch, flags, msgid = struct.unpack('!BBI', msg[18:24])
    a, salt = gcm(ike['sk_er'] if ike['role'] == 'responder' else ike['sk_ei'])
    first, _, sk_len = struct.unpack('!BBH', msg[28:32])
    try:
        pt = a.decrypt(salt + msg[32:40], msg[40:28 + sk_len], msg[:32])
    except Exception:
        print('%s: does not decrypt' % ike['dir'], flush=True)
        return None
    pls = payloads(first, pt[:len(pt) - 1 - pt[-1]])
    now = kv(os.path.join(d, ike['dir'], 'ike.sa'))
    print('%s: exch %d flags 0x%02x msgid %d [%s] msgid_out=%s lock=%s' % (
        ike['dir'], exch, flags, msgid, ' '.join(describe(t, b) for t, b in pls),
        now.get('msgid_out'), lock_state(ike)), flush=True)
    kind, _, arg = step.partition(':')
    if kind == 'drop':
        return None
    if kind == 'badke':
        return seal(ike, msg, exch, msgid, [(41, struct.pack('!BBHH', 0, 0, 17, int(arg)))])
    if kind == 'refuse':
        # CHILD_SA_NOT_FOUND names the SA of the REKEY_SA (RFC 7296 3.10.1)
        spi = [b[4:8] for t, b in pls if t == 41 and b[2:4] == b'\x40\x09'] if arg == '44' else []
        return seal(ike, msg, exch, msgid, [(41, struct.pack('!BBH', 3 if spi else 0, 4 if spi else 0, int(arg)) + b''.join(spi[:1]))])
    if exch == 36:
        return seal(ike, msg, exch, msgid, answer_ccsa(ike, pls, int(arg or 1)))
    return seal(ike, msg, exch, msgid, answer_info(ike, pls))

esptun = where.startswith('esptun:')
if esptun:
    # a stand-in esp-tun: it holds .esp-tun and reads .esp-tun.sock
    sa = where[7:]
    hold = os.open(os.path.join(d, sa, '.esp-tun'), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(hold, fcntl.LOCK_EX)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = os.path.join(d, sa, '.esp-tun.sock')
    s.bind(path)
    back = os.path.join(d, sa, '.ike.sock')
    marker = False
else:
    first = sas[min(sas, key=lambda k: sas[k]['dir'])]
    local, remote = hostport(first['local']), hostport(first['remote'])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(remote)
    marker = local[1] != 500 and remote[1] != 500
print('listening', flush=True)
s.settimeout(idle)
n = 0
while n < count:
    try:
        msg, src = s.recvfrom(65536)
    except socket.timeout:
        print('idle', flush=True)
        break
    if not esptun and src != local:
        print('from %s:%d, not %s:%d' % (src + local), flush=True)
    if marker:
        if msg[:4] != b'\0\0\0\0':
            print('no non-ESP marker', flush=True)
            continue
        msg = msg[4:]
    elif msg[:4] == b'\0\0\0\0':
        print('a non-ESP marker where none belongs', flush=True)
        continue
    out = handle(msg, steps[min(n, len(steps) - 1)] if steps else 'ok')
    n += 1
    if out is None:
        continue
    if esptun:
        try:
            s.sendto(out, back)
        except OSError as e:
            print('.ike.sock: %s' % e.strerror, flush=True)
    else:
        s.sendto((b'\0\0\0\0' if marker else b'') + out, src)
if esptun:
    os.unlink(path)
EOF
}

# the request of a rekey of the hand-written Child SA: REKEY_SA naming its
# inbound SPI, its transforms (ENCR_AES_GCM_16/256, no ESN) under a new SPI,
# a nonce and its selectors (PROPOSAL: the SA payload's transforms)
rekey_req() {
	local sa=$1 msgid=$2 spi=$3 out=$4 props=${5:-1.20/256+5.0} ke=${6:-}
	printf '%s: exch 36 flags 0x08 msgid %d [N(16393,0xc0ffee01) SA(1:3:%s:%s) N32%s TSi(10.1.0.0-10.1.255.255) TSr(10.2.0.0-10.2.255.255)] msgid_out=%d lock=free' \
		"$sa" "$msgid" "$spi" "$props" "$ke" "$out"
}

# check_child FILE : FILE holds the SPIs and keys the peer printed for it
check_child() {
	local want k
	want=$(sed -n "s/^child \(spi_in=$(kv "$1" spi_in) \)/\1/p" "$T/peer")
	[ -n "$want" ] || fail "the peer made no Child SA: $(cat "$T/peer")"
	for k in $want; do
		assert_equal "${k%%=*}=$(kv "$1" "${k%%=*}")" "$k"
	done
}

@test "rekey: the new Child SA is recorded (its SPIs, the peer's keys, created=), ike.sa's child= follows, then the old one is deleted; msgid_out moves by 2" {
	need_peer
	use_ports
	mkstate
	echo stats >"$S/site/child.net.stats"
	peer udp 2 ok ok
	run --separate-stderr "$R" -S "$S" --timeout 5 site
	peer_done
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	local new=$output spi_in spi_out
	[[ $new =~ ^[0-9a-f]{8}$ ]] || fail "stdout: $output"
	run cat "$T/peer"
	assert_equal "${#lines[@]}" 4
	spi_in=$(sed -n 's/^child spi_in=\(0x[0-9a-f]*\) .*/\1/p' "$T/peer")
	assert_equal "$spi_in" "0x$new"
	# the request under the message ID reserved in ike.sa, the lock let go
	assert_line --index 1 "$(rekey_req site 2 "0x$new" 3)"
	# then the Delete of the old Child SA's inbound SPI
	assert_line --index 3 "site: exch 37 flags 0x08 msgid 3 [D(3,0xc0ffee01)] msgid_out=4 lock=free"
	# the new file: the SPIs and the keys of the exchange (RFC 7296 2.17)
	local f=$S/site/child.$new.sa
	[ -e "$f" ] || fail "no $f: $(ls -A "$S/site")"
	[ "$(stat -c %a "$f")" = 600 ] || fail "mode $(stat -c %a "$f")"
	check_child "$f"
	spi_out=$(kv "$f" spi_out)
	[ "$spi_out" != 0xc2d3e4f5 ] || fail "the old spi_out"
	assert_equal "$(kv "$f" name)" "$new"
	assert_equal "$(kv "$f" ike)" site
	assert_equal "$(kv "$f" encr)" ENCR_AES_GCM_16
	assert_equal "$(kv "$f" encr_keybits)" 256
	assert_equal "$(kv "$f" integ)" AUTH_NONE
	assert_equal "$(kv "$f" esn)" 0
	assert_equal "$(kv "$f" local_ts)" 10.1.0.0/16
	assert_equal "$(kv "$f" remote_ts)" 10.2.0.0/16
	assert_equal "$(kv "$f" encap)" udp
	assert_equal "$(kv "$f" local)" 127.0.0.1
	local now created
	now=$(date +%s) created=$(kv "$f" created)
	[ -n "$created" ] && [ $((now - created)) -ge 0 ] && [ $((now - created)) -le 30 ] || fail "created=$created"
	# ike.sa: child= follows, msgid_out moved by 2, msgid_in untouched
	assert_equal "$(kv "$S/site/ike.sa" child)" "$new"
	assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 4
	assert_equal "$(kv "$S/site/ike.sa" msgid_in)" 0
	# the old Child SA's files are gone; nothing else is left
	run ls -A "$S/site"
	assert_output ".ike-rekey
child.$new.sa
ike.sa"
}

@test "rekey --json --pfs x25519: one JSON line; the KE's shared secret is in the new keys" {
	need_peer
	use_ports
	mkstate
	peer udp 2 ok ok
	run --separate-stderr "$R" -S "$S" --pfs x25519 --json site
	peer_done
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	local new
	new=$(kv "$S/site/ike.sa" child)
	[[ $new =~ ^[0-9a-f]{8}$ ]] || fail "child=$new"
	assert_output "{\"event\":\"rekeyed\",\"name\":\"site\",\"old\":\"net\",\"child\":\"$new\",\"spi_in\":\"0x$new\",\"spi_out\":\"$(kv "$S/site/child.$new.sa" spi_out)\"}
{\"event\":\"deleted\",\"name\":\"site\",\"child\":\"net\"}"
	run cat "$T/peer"
	# the group in the proposal, and a KE of it
	assert_line --index 1 "$(rekey_req site 2 "0x$new" 3 1.20/256+5.0+4.31 ' KE(31)')"
	check_child "$S/site/child.$new.sa"
	[ ! -e "$S/site/child.net.sa" ] || fail "the old Child SA is still there"
}

@test "rekey --esp with two proposals and --pfs ecp256: the peer's choice (AES-CBC, HMAC-SHA-256) is recorded with its keys" {
	need_peer
	use_ports
	mkstate
	peer udp 2 ok:2 ok
	run --separate-stderr "$R" -S "$S" --esp aes128gcm16,aes256-sha256 --pfs ecp256 site
	peer_done
	assert_success
	local new=$output f
	f=$S/site/child.$new.sa
	run cat "$T/peer"
	assert_line --index 1 --partial "SA(1:3:0x$new:1.20/128+5.0+4.19 2:3:0x$new:1.12/256+3.12+5.0+4.19) N32 KE(19) TSi("
	check_child "$f"
	assert_equal "$(kv "$f" encr)" ENCR_AES_CBC
	assert_equal "$(kv "$f" encr_keybits)" 256
	assert_equal "$(kv "$f" integ)" AUTH_HMAC_SHA2_256_128
	assert_equal "$(kv "$f" key_in_a | wc -c)" 65
}

@test "rekey as the IKE SA's responder: no I flag, the responder's keys, msgid_out is its own counter" {
	need_peer
	use_ports
	mkstate
	setkv "$S/site/ike.sa" role responder
	setkv "$S/site/ike.sa" msgid_out 0
	setkv "$S/site/ike.sa" msgid_in 7
	peer udp 2 ok ok
	run --separate-stderr "$R" -S "$S" site
	peer_done
	assert_success
	local new=$output
	run cat "$T/peer"
	assert_line --index 1 "$(rekey_req site 0 "0x$new" 1 | sed 's/flags 0x08/flags 0x00/')"
	assert_line --index 3 "site: exch 37 flags 0x00 msgid 1 [D(3,0xc0ffee01)] msgid_out=2 lock=free"
	check_child "$S/site/child.$new.sa"
	assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 2
	assert_equal "$(kv "$S/site/ike.sa" msgid_in)" 7
}

@test "rekey --child of one of two Child SAs: the other one and ike.sa's child= stay" {
	need_peer
	use_ports
	mkstate
	mkchild site two 0xc0ffee02
	peer udp 2 ok ok
	run --separate-stderr "$R" -S "$S" --child two site
	peer_done
	assert_success
	local new=$output
	run cat "$T/peer"
	assert_line --index 1 --partial "[N(16393,0xc0ffee02) SA(1:3:0x$new:"
	assert_line --index 3 "site: exch 37 flags 0x08 msgid 3 [D(3,0xc0ffee02)] msgid_out=4 lock=free"
	assert_equal "$(kv "$S/site/ike.sa" child)" net
	[ -e "$S/site/child.net.sa" ] || fail "child.net.sa went"
	[ ! -e "$S/site/child.two.sa" ] || fail "child.two.sa stayed"
	[ -e "$S/site/child.$new.sa" ] || fail "no child.$new.sa"
}

@test "a refusal: exit 3 naming the Notify; no new Child SA, the old one stays, its message ID used" {
	need_peer
	use_ports
	mkstate
	local n want
	# NOTIFY MESSAGE
	while read -r n want; do
		peer udp 1 "refuse:$n"
		run --separate-stderr "$R" -S "$S" --timeout 5 site
		peer_done
		assert_failure 3
		assert_output ""
		[ "$stderr" = "ike-rekey: site: CREATE_CHILD_SA: peer sent $want" ] || fail "$n: $stderr"
		run ls -A "$S/site"
		assert_output ".ike-rekey
child.net.sa
ike.sa"
		assert_equal "$(kv "$S/site/ike.sa" child)" net
		# one request only: no Delete after a refusal
		run grep -c 'exch' "$T/peer"
		assert_output 1
		assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 3
		setkv "$S/site/ike.sa" msgid_out 2
	done <<'EOT'
14 NO_PROPOSAL_CHOSEN
38 TS_UNACCEPTABLE
44 CHILD_SA_NOT_FOUND
8191 Notify 8191
EOT
}

@test "no answer: exit 4 within --timeout, retransmitted with the same message ID, which stays reserved" {
	need_peer
	use_ports
	mkstate
	peer udp 10 drop
	local start=$SECONDS
	run --separate-stderr "$R" -S "$S" --timeout 2 site
	[ $((SECONDS - start)) -le 4 ] || fail "took $((SECONDS - start)) s"
	assert_failure 4
	assert_output ""
	[ "$stderr" = "ike-rekey: site: CREATE_CHILD_SA: no answer within 2 s" ] || fail "$stderr"
	sleep 0.3
	stop_pid "$PEER" timeout
	peer_done
	# sent at 0, 0.5 and 1.5 s: the same request each time
	run grep -c "^site: exch 36 flags 0x08 msgid 2 \[N(16393,0xc0ffee01) " "$T/peer"
	[ "$output" -ge 2 ] && [ "$output" -le 4 ] || fail "$(cat "$T/peer")"
	[ "$(grep -c 'exch' "$T/peer")" = "$output" ] || fail "$(cat "$T/peer")"
	[ "$(sed -n 's/.*SA(1:3:\(0x[0-9a-f]*\):.*/\1/p' "$T/peer" | sort -u | wc -l)" = 1 ] || fail "new SPIs: $(cat "$T/peer")"
	assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 3
	run ls -A "$S/site"
	assert_output ".ike-rekey
child.net.sa
ike.sa"
}

@test "a rekey whose Delete is not answered: the new Child SA is printed and kept, the old one's files go, exit 4" {
	need_peer
	use_ports
	mkstate
	peer udp 10 ok drop
	run --separate-stderr "$R" -S "$S" --timeout 1 site
	stop_pid "$PEER" timeout
	peer_done
	assert_failure 4
	local new=$output
	[[ $new =~ ^[0-9a-f]{8}$ ]] || fail "stdout: $output"
	[ "$stderr" = "ike-rekey: site: INFORMATIONAL: no answer within 1 s" ] || fail "$stderr"
	[ -e "$S/site/child.$new.sa" ] || fail "no child.$new.sa"
	[ ! -e "$S/site/child.net.sa" ] || fail "the old Child SA is still there"
	assert_equal "$(kv "$S/site/ike.sa" child)" "$new"
	assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 4
}

@test "journal: an unanswered CREATE_CHILD_SA stays in ike.sa (pending_*); the next run sends those bytes again first, deletes the Child SA the peer made for it, then rekeys" {
	need_peer
	use_ports
	mkstate
	local f=$S/site/ike.sa req spi new
	export PEER_RAW=$T/raw
	# sent at 0 and 0.5 s; the peer stops after those two
	peer udp 2 drop
	run --separate-stderr "$R" -S "$S" --timeout 1 site
	peer_done
	assert_failure 4
	assert_equal "$(kv "$f" msgid_out)" 3
	assert_equal "$(kv "$f" pending_msgid)" 2
	assert_equal "$(kv "$f" pending_what)" child
	req=$(kv "$f" pending_req) spi=$(kv "$f" pending_spi)
	# the request as it went out, each time
	assert_equal "$(sort -u "$T/raw")" "$req"
	grep -q "SA(1:3:$spi:" "$T/peer" || fail "pending_spi=$spi: $(cat "$T/peer")"
	: >"$T/raw"
	peer udp 4 ok
	run --separate-stderr "$R" -S "$S" --timeout 5 site
	peer_done
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	new=$output
	assert_equal "$(head -n 1 "$T/raw")" "$req"
	run grep exch "$T/peer"
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 --partial "site: exch 36 flags 0x08 msgid 2 [N(16393,0xc0ffee01) SA(1:3:$spi:"
	assert_line --index 1 "site: exch 37 flags 0x08 msgid 3 [D(3,$spi)] msgid_out=4 lock=free"
	assert_line --index 2 "$(rekey_req site 4 "0x$new" 5)"
	assert_line --index 3 "site: exch 37 flags 0x08 msgid 5 [D(3,0xc0ffee01)] msgid_out=6 lock=free"
	run grep '^pending_' "$f"
	assert_output ""
	assert_equal "$(kv "$f" msgid_out)" 6
	run ls -A "$S/site"
	assert_output ".ike-rekey
child.$new.sa
ike.sa"
}

@test "journal: a request refused when sent again is not followed by a Delete; one whose Child SA was recorded is not sent again; unanswered again: exit 4, kept (but --delete --ike goes on)" {
	need_peer
	use_ports
	mkstate
	local f=$S/site/ike.sa spi
	# sent at 0 and 0.5 s; the peer stops after those two
	peer udp 2 drop
	run --separate-stderr "$R" -S "$S" --timeout 1 site
	peer_done
	assert_failure 4
	# unanswered again: the journal stays, nothing of its own sent
	# sent at 0 and 0.5 s; the peer stops after those two
	peer udp 2 drop
	run --separate-stderr "$R" -S "$S" --timeout 1 site
	peer_done
	assert_failure 4
	[ "$stderr" = "ike-rekey: site: request 2 of an earlier run: no answer within 1 s" ] || fail "$stderr"
	run grep -c ' msgid 3 ' "$T/peer"
	assert_output 0
	assert_equal "$(kv "$f" pending_msgid)" 2
	# refused: no Delete, then our own rekey at 3
	peer udp 3 refuse:14 ok ok
	run --separate-stderr "$R" -S "$S" --timeout 5 site
	peer_done
	assert_success
	run grep exch "$T/peer"
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --partial "site: exch 36 flags 0x08 msgid 2 ["
	assert_line --index 1 --partial "site: exch 36 flags 0x08 msgid 3 ["
	assert_line --index 2 --partial "site: exch 37 flags 0x08 msgid 4 [D(3,0xc0ffee01)]"
	run grep '^pending_' "$f"
	assert_output ""
	# a Child SA recorded before the kill (its file there): not sent again
	# sent at 0 and 0.5 s; the peer stops after those two
	peer udp 2 drop
	run --separate-stderr "$R" -S "$S" --timeout 1 site
	peer_done
	assert_failure 4
	spi=$(kv "$f" pending_spi)
	[ -n "$spi" ] || fail "no pending_spi"
	mkchild site saved "$spi"
	peer udp 2 ok
	run --separate-stderr "$R" -S "$S" --timeout 5 --child saved site
	peer_done
	assert_success
	run grep exch "$T/peer"
	assert_line --index 0 --partial "site: exch 36 flags 0x08 msgid 6 [N(16393,$spi) "
	run grep '^pending_' "$f"
	assert_output ""
	# --delete --ike goes on after an unanswered journal: the SA goes
	peer udp 2 drop
	run --separate-stderr "$R" -S "$S" --timeout 1 --child "$(kv "$f" child)" site
	peer_done
	assert_failure 4
	assert_equal "$(kv "$f" pending_msgid)" 8
	peer udp 4 drop
	run --separate-stderr "$R" -S "$S" --timeout 1 --delete --ike site
	peer_done
	assert_failure 4
	assert_equal "$stderr" "ike-rekey: site: request 8 of an earlier run: no answer within 1 s
ike-rekey: site: INFORMATIONAL: no answer within 1 s"
	grep -q '^site: exch 37 flags 0x08 msgid 9 \[D(1)\]' "$T/peer" || fail "$(cat "$T/peer")"
	[ ! -e "$S/site" ] || fail "the SA stayed: $(ls -A "$S/site")"
}

@test "--delete: an INFORMATIONAL Delete of our inbound SPI; the Child SA's files and ike.sa's child= go, the IKE SA stays" {
	need_peer
	use_ports
	mkstate
	echo stats >"$S/site/child.net.stats"
	peer udp 1 ok
	run --separate-stderr "$R" -S "$S" --delete site
	peer_done
	assert_success
	assert_output ""
	[ -z "$stderr" ] || fail "stderr: $stderr"
	run cat "$T/peer"
	assert_line --index 1 "site: exch 37 flags 0x08 msgid 2 [D(3,0xc0ffee01)] msgid_out=3 lock=free"
	assert_equal "${#lines[@]}" 2
	run ls -A "$S/site"
	assert_output ".ike-rekey
ike.sa"
	assert_equal "$(kv "$S/site/ike.sa" child)" ""
	assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 3
	# without an answer the files go all the same: exit 4
	mkchild site two 0xc0ffee02
	peer udp 10 drop
	run --separate-stderr "$R" -S "$S" --delete --child two --timeout 1 site
	stop_pid "$PEER" timeout
	peer_done
	assert_failure 4
	[ "$stderr" = "ike-rekey: site: INFORMATIONAL: no answer within 1 s" ] || fail "$stderr"
	grep -q "msgid 3 \[D(3,0xc0ffee02)\]" "$T/peer" || fail "$(cat "$T/peer")"
	[ ! -e "$S/site/child.two.sa" ] || fail "child.two.sa stayed"
	assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 4
}

@test "--delete --ike: an INFORMATIONAL Delete of the IKE SA; the SA leaves the state directory (answered or not)" {
	need_peer
	use_ports
	mkstate
	mkchild site two 0xc0ffee02
	mkstate other 1122334455667799
	peer udp 1 ok
	run --separate-stderr "$R" -S "$S" --delete --ike site
	peer_done
	assert_success
	assert_output ""
	[ -z "$stderr" ] || fail "stderr: $stderr"
	run cat "$T/peer"
	assert_line --index 1 "site: exch 37 flags 0x08 msgid 2 [D(1)] msgid_out=3 lock=free"
	run ls -A "$S"
	assert_output other
	# no answer, and no Child SA: gone all the same, exit 4
	rm "$S/other/child.net.sa"
	peer udp 10 drop
	run --separate-stderr "$R" -S "$S" --delete --ike --timeout 1 other
	stop_pid "$PEER" timeout
	peer_done
	assert_failure 4
	[ "$stderr" = "ike-rekey: other: INFORMATIONAL: no answer within 1 s" ] || fail "$stderr"
	grep -q '^other: exch 37 flags 0x08 msgid 2 \[D(1)\]' "$T/peer" || fail "$(cat "$T/peer")"
	run ls -A "$S"
	assert_output ""
}

@test "- reads SA names from stdin, one a line: each is rekeyed in turn; the exit status is the last failure" {
	need_peer
	use_ports
	mkstate site
	mkstate other 1122334455667799
	peer udp 4 ok
	run --separate-stderr "$R" -S "$S" - < <(printf 'site\n\nother\n')
	peer_done
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	assert_equal "${#lines[@]}" 2
	assert_equal "${lines[0]}" "$(kv "$S/site/ike.sa" child)"
	assert_equal "${lines[1]}" "$(kv "$S/other/ike.sa" child)"
	run grep -c '^site: exch' "$T/peer"
	assert_output 2
	run grep -c '^other: exch' "$T/peer"
	assert_output 2
	check_child "$S/other/child.$(kv "$S/other/ike.sa" child).sa"
	# a missing SA (5), then a bad name (2): the last failure is the status,
	# and the names after them are done
	peer udp 2 ok
	run --separate-stderr "$R" -S "$S" --delete - < <(printf 'nosuch\n../x\nsite\n')
	peer_done
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" 'ike-rekey: nosuch: no such SA in the state directory
ike-rekey: "../x" is not an SA name'
	grep -q '^site: exch 37 flags 0x08 msgid 4 \[D(3,0x' "$T/peer" || fail "$(cat "$T/peer")"
	assert_equal "$(kv "$S/site/ike.sa" child)" ""
	# an empty stdin: nothing to do
	run --separate-stderr "$R" -S "$S" - </dev/null
	assert_success
	assert_output ""
}

@test "esp-tun carries the SA: requests go to its .esp-tun.sock without the marker, responses come back on .ike.sock; the port is not bound" {
	need_peer
	use_ports
	mkstate
	[ ${#S} -lt 80 ] || skip "state directory path too long for a unix socket"
	# a stale .ike.sock (a killed ike-rekey's) is replaced
	: >"$S/site/.ike.sock"
	# the IKE port is held without SO_REUSEPORT, as esp-tun would not hold it
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("bound", flush=True)
time.sleep(15)' "${LOCAL#*:}" >"$T/holder" 3>&- &
	HOLDER=$!
	until_true 5 grep -q bound "$T/holder" || fail "the port holder did not start"
	peer esptun:site 2 ok ok
	run --separate-stderr "$R" -S "$S" --timeout 5 site
	peer_done
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	local new=$output
	run cat "$T/peer"
	assert_equal "${#lines[@]}" 4
	assert_line --index 1 "$(rekey_req site 2 "0x$new" 3)"
	assert_line --index 3 "site: exch 37 flags 0x08 msgid 3 [D(3,0xc0ffee01)] msgid_out=4 lock=free"
	check_child "$S/site/child.$new.sa"
	[ ! -e "$S/site/.ike.sock" ] || fail ".ike.sock left behind"
	# esp-tun holds .esp-tun but its socket is not there: exit 5
	python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(15)' "$S/site/.esp-tun" >"$T/esptun" 3>&- &
	local fake=$!
	until_true 5 grep -q locked "$T/esptun" || fail "the .esp-tun holder did not start"
	run --separate-stderr "$R" -S "$S" --delete --timeout 1 site
	stop_pid "$fake" python3
	assert_failure 5
	[[ $stderr == "ike-rekey: site: INFORMATIONAL: "* ]] || fail "$stderr"
}

@test "on port 500 (root, in a network namespace): no non-ESP marker, and the Child SA stays encap=none" {
	need_peer
	[ "$(id -u)" = 0 ] || skip "needs root (port 500, a network namespace)"
	NS=ikrk$$-$BATS_TEST_NUMBER
	ip netns add "$NS" 2>/dev/null || { NS=; skip "cannot add a network namespace"; }
	ip -n "$NS" link set lo up
	LOCAL=127.0.0.1:500 REMOTE=127.0.0.2:500
	mkstate
	setkv "$S/site/child.net.sa" encap none
	peer udp 2 ok ok
	run --separate-stderr ip netns exec "$NS" "$R" -S "$S" --timeout 5 site
	peer_done
	assert_success
	local new=$output
	run cat "$T/peer"
	assert_equal "${#lines[@]}" 4
	assert_line --index 1 "$(rekey_req site 2 "0x$new" 3)"
	assert_equal "$(kv "$S/site/child.$new.sa" encap)" none
	check_child "$S/site/child.$new.sa"
}

# --- rekeying the IKE SA (--ike) ----------------------------------------------

# ike_req SA MSGID FLAGS OUT GROUP : the peer's line for our IKE SA rekey
# request (its SPI in SPI): SA(our transforms, our new 8-byte SPI, GROUP),
# a nonce, a KE of GROUP
ike_req() {
	local re="^$1: exch 36 flags $3 msgid $2 \\[SA\\(1:1:0x([0-9a-f]{16}):1\\.20/256\\+2\\.5\\+4\\.$5\\) N32 KE\\($5\\)\\] msgid_out=$4 lock=free\$"
	local l
	SPI=
	while IFS= read -r l; do
		if [[ $l =~ $re ]]; then
			SPI=${BASH_REMATCH[1]}
			return 0
		fi
	done <"$T/peer"
	fail "no IKE SA rekey request $2 in: $(cat "$T/peer")"
}

# check_ike : ike.sa holds the new IKE SA the peer printed (SPIs and the keys
# it derived itself), we its initiator, counters from 0; the rest stays
check_ike() {
	local f=$S/site/ike.sa k want
	want=$(sed -n 's/^ike //p' "$T/peer" | tail -n 1)	# its last one
	[ -n "$want" ] || fail "the peer made no IKE SA: $(cat "$T/peer")"
	for k in ispi rspi sk_d sk_ei sk_er sk_pi sk_pr; do
		[[ " $want " == *" $k=$(kv "$f" "$k") "* ]] || fail "$k=$(kv "$f" "$k"), the peer has: $want"
	done
	[ "$(kv "$f" ispi)" != 1122334455667788 ] || fail "the old ispi"
	assert_equal "$(kv "$f" role)" initiator
	assert_equal "$(kv "$f" msgid_out)" 0
	assert_equal "$(kv "$f" msgid_in)" 0
	assert_equal "$(kv "$f" name)" site
	assert_equal "$(kv "$f" child)" net
	assert_equal "$(kv "$f" local)" "$LOCAL"
	assert_equal "$(kv "$f" encr)" ENCR_AES_GCM_16
	! grep -q '^pending_' "$f" || fail "a journal left: $(grep '^pending_' "$f")"
	[ "$(stat -c %a "$f")" = 600 ] || fail "mode $(stat -c %a "$f")"
}

@test "--ike: SA (its own transforms, a new 8-byte SPI), Ni, KE; ike.sa takes the new SPIs and the keys the peer derived, counters from 0; then the old IKE SA's Delete under the old keys" {
	need_peer
	use_ports
	mkstate
	cp "$S/site/child.net.sa" "$T/child.before"
	peer udp 2 ok ok
	run --separate-stderr "$R" -S "$S" --timeout 5 --ike site
	peer_done
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	assert_output site
	run cat "$T/peer"
	assert_equal "${#lines[@]}" 4
	ike_req site 2 0x08 3 31
	assert_equal "$(kv "$S/site/ike.sa" ispi)" "$SPI"
	# the Delete on the old SA, its next message ID, once ike.sa has the new
	assert_line --index 3 "site: exch 37 flags 0x08 msgid 3 [D(1)] msgid_out=0 lock=free"
	check_ike
	assert_equal "$(kv "$S/site/ike.sa" dh)" CURVE25519
	cmp "$T/child.before" "$S/site/child.net.sa" || fail "the Child SA changed"
}

@test "--ike --json as the IKE SA's responder; then a Child SA rekey on the new IKE SA: its keys, message IDs from 0, the I flag" {
	need_peer
	use_ports
	mkstate
	setkv "$S/site/ike.sa" role responder
	setkv "$S/site/ike.sa" msgid_out 0
	setkv "$S/site/ike.sa" msgid_in 7
	peer udp 4 ok ok ok ok
	run --separate-stderr "$R" -S "$S" --timeout 5 --ike --json site
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -r .event <<<"$output")" ike-rekeyed
	assert_equal "$(jq -r .name <<<"$output")" site
	assert_equal "$(jq -r .ispi <<<"$output")" "$(kv "$S/site/ike.sa" ispi)"
	assert_equal "$(jq -r .rspi <<<"$output")" "$(kv "$S/site/ike.sa" rspi)"
	assert_equal "$(jq -r .old_ispi <<<"$output")" 1122334455667788
	assert_equal "$(jq -r .old_rspi <<<"$output")" 99aabbccddeeff00
	ike_req site 0 0x00 1 31
	grep -qxF "site: exch 37 flags 0x00 msgid 1 [D(1)] msgid_out=0 lock=free" "$T/peer" || fail "$(cat "$T/peer")"
	check_ike
	run --separate-stderr "$R" -S "$S" --timeout 5 site
	peer_done
	assert_success
	local new=$output
	grep -qxF "$(rekey_req site 0 "0x$new" 1)" "$T/peer" || fail "$(cat "$T/peer")"
	grep -qxF "site: exch 37 flags 0x08 msgid 1 [D(3,0xc0ffee01)] msgid_out=2 lock=free" "$T/peer" || fail "$(cat "$T/peer")"
	check_child "$S/site/child.$new.sa"
	assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 2
}

@test "--ike: INVALID_KE_PAYLOAD for ecp256: once more with it; NO_PROPOSAL_CHOSEN: exit 3, ike.sa keeps the old SA; the old SA's Delete unanswered: exit 4, the new SA kept" {
	need_peer
	use_ports
	mkstate
	peer udp 3 badke:19 ok ok
	run --separate-stderr "$R" -S "$S" --timeout 5 --ike site
	peer_done
	assert_success
	assert_output site
	ike_req site 2 0x08 3 31
	ike_req site 3 0x08 4 19
	grep -qxF "site: exch 37 flags 0x08 msgid 4 [D(1)] msgid_out=0 lock=free" "$T/peer" || fail "$(cat "$T/peer")"
	check_ike
	assert_equal "$(kv "$S/site/ike.sa" dh)" ECP_256

	rm -rf "$S"
	mkstate
	peer udp 1 refuse:14
	run --separate-stderr "$R" -S "$S" --timeout 5 --ike site
	peer_done
	assert_failure 3
	assert_output ""
	[ "$stderr" = "ike-rekey: site: CREATE_CHILD_SA: peer sent NO_PROPOSAL_CHOSEN" ] || fail "$stderr"
	assert_equal "$(kv "$S/site/ike.sa" ispi)" 1122334455667788
	assert_equal "$(kv "$S/site/ike.sa" sk_d)" "$SK_D"
	assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 3

	rm -rf "$S"
	mkstate
	peer udp 10 ok drop
	run --separate-stderr "$R" -S "$S" --timeout 1 --ike site
	stop_pid "$PEER" timeout
	peer_done
	assert_failure 4
	assert_output site
	[ "$stderr" = "ike-rekey: site: INFORMATIONAL: no answer within 1 s" ] || fail "$stderr"
	check_ike
}

@test "--ike through esp-tun's port: the requests to .esp-tun.sock, the answers on .ike.sock" {
	need_peer
	use_ports
	mkstate
	[ ${#S} -lt 80 ] || skip "state directory path too long for a unix socket"
	peer esptun:site 2 ok ok
	run --separate-stderr "$R" -S "$S" --timeout 5 --ike site
	peer_done
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	ike_req site 2 0x08 3 31
	grep -qxF "site: exch 37 flags 0x08 msgid 3 [D(1)] msgid_out=0 lock=free" "$T/peer" || fail "$(cat "$T/peer")"
	check_ike
	[ ! -e "$S/site/.ike.sock" ] || fail ".ike.sock left behind"
}

# --- --auto: lifetimes acted on ----------------------------------------------

@test "--auto: with --delete, --ike, --child or -: exit 2; no such SA: exit 5" {
	mkstate
	local o
	for o in --delete --ike "--child net"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$R" -S "$S" --auto $o site
		assert_failure 2
		[[ $stderr == "ike-rekey: --auto takes no --delete, --ike or --child"* ]] || fail "$o: $stderr"
	done
	run --separate-stderr "$R" -S "$S" --auto -
	assert_failure 2
	[[ $stderr == "ike-rekey: --auto: one SA name, not -"* ]] || fail "$stderr"
	run --separate-stderr "$R" -S "$S" --auto nosuch
	assert_failure 5
	[ "$stderr" = "ike-rekey: nosuch: no such SA in the state directory" ] || fail "$stderr"
}

# auto_start ARGS... : ike-rekey --auto ARGS in the background (AUTO), its
# events in T/events; auto_wait SECS PATTERN : until T/events has a line
# matching PATTERN
auto_start() {
	rm -f "$T/events" "$T/auto.err"	# not a last run's: the child truncates late
	"$R" -S "$S" --auto "$@" >"$T/events" 2>"$T/auto.err" &
	AUTO=$!
}
auto_wait() {
	until_true "$1" grep -q -- "$2" "$T/events" ||
		fail "no $2 within $1 s: $(cat "$T/events" "$T/auto.err")"
}
# auto_stop : SIGTERM; it exits 0 within 3 s
auto_stop() {
	kill -TERM "$AUTO"
	until_true 3 test ! -e "/proc/$AUTO/comm" -o "$(cat "/proc/$AUTO/stat" 2>/dev/null | awk '{print $3}')" = Z ||
		fail "ike-rekey --auto still running 3 s after SIGTERM"
	wait "$AUTO"
	local rc=$?
	AUTO=
	[ "$rc" = 0 ] || fail "exit $rc: $(cat "$T/auto.err")"
}

@test "--auto: past the soft time limit (90% of lifetime_secs by default): soft-expired, then the rekey; the new Child SA gets the hard limit, a soft one of 80-90% and a fresh created=; SIGTERM: exit 0" {
	need_peer
	use_ports
	mkstate
	local c=$S/site/child.net.sa now new soft
	now=$(date +%s)
	setkv "$c" created $((now - 95))
	setkv "$c" lifetime_secs 100
	peer udp 2 ok
	auto_start --json site
	auto_wait 10 '"event":"rekeyed"'
	auto_stop
	peer_done
	run cat "$T/events"
	assert_line --index 0 '{"event":"soft-expired","name":"site","child":"net","limit":"secs"}'
	new=$(kv "$S/site/ike.sa" child)
	[[ $new =~ ^[0-9a-f]{8}$ ]] || fail "child=$new"
	assert_line --index 1 "{\"event\":\"rekeyed\",\"name\":\"site\",\"child\":\"net\",\"new\":\"$new\"}"
	assert_equal "${#lines[@]}" 2
	[ ! -e "$c" ] || fail "the old Child SA is still there"
	c=$S/site/child.$new.sa
	assert_equal "$(kv "$c" lifetime_secs)" 100
	soft=$(kv "$c" soft_secs)
	[ "$soft" -ge 80 ] && [ "$soft" -le 90 ] || fail "soft_secs=$soft"
	[ "$(kv "$c" created)" -ge "$now" ] || fail "created=$(kv "$c" created), before $now"
	grep -q "^site: exch 36 " "$T/peer" || fail "no CREATE_CHILD_SA: $(cat "$T/peer")"
}

@test "--auto: the soft packet limit from esp-tun's counters (child.NAME.stats); a refused rekey: failed, tried again a second later; text events" {
	need_peer
	use_ports
	mkstate
	local c=$S/site/child.net.sa new soft
	setkv "$c" lifetime_packets 1000
	setkv "$c" soft_packets 50
	put "$S/site/child.net.stats" <<EOT
version=1
name=net
ike=site
spi_in=0xc0ffee01
spi_out=0xc2d3e4f5
seq_out=1048576
in_packets=10
in_bytes=1000
out_packets=60
out_bytes=6000
EOT
	peer udp 3 refuse:14 ok
	auto_start site
	auto_wait 10 '^rekeyed '
	auto_stop
	peer_done
	new=$(kv "$S/site/ike.sa" child)
	run cat "$T/events"
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 'soft-expired site net packets'
	assert_line --index 1 'failed site net 3'
	assert_line --index 2 "rekeyed site net $new"
	c=$S/site/child.$new.sa
	assert_equal "$(kv "$c" lifetime_packets)" 1000
	soft=$(kv "$c" soft_packets)
	[ "$soft" -ge 800 ] && [ "$soft" -le 900 ] || fail "soft_packets=$soft"
	[ ! -e "$S/site/child.net.stats" ] || fail "the old stats are still there"
}

@test "--auto: past the hard limit: the Child SA deleted (child= goes); the SA removed: exit 0 on its own" {
	need_peer
	use_ports
	mkstate
	local c=$S/site/child.net.sa
	setkv "$c" created $(($(date +%s) - 200))
	setkv "$c" lifetime_secs 100
	peer udp 1 ok
	auto_start --json site
	auto_wait 10 '"event":"deleted"'
	peer_done
	assert_equal "$(cat "$T/events")" '{"event":"deleted","name":"site","child":"net","limit":"secs"}'
	grep -q "^site: exch 37 .*\[D(3,0xc0ffee01)\]" "$T/peer" || fail "no Delete: $(cat "$T/peer")"
	[ ! -e "$c" ] || fail "child.net.sa is still there"
	assert_equal "$(kv "$S/site/ike.sa" child)" ""
	rm -rf "${S:?}/site"
	until_true 5 test ! -d "/proc/$AUTO" -o "$(awk '{print $3}' "/proc/$AUTO/stat" 2>/dev/null)" = Z ||
		fail "still running with the SA gone"
	wait "$AUTO"
	assert_equal "$?" 0
	AUTO=
}

@test "--ike journal: unanswered, the rekey stays in ike.sa with its secrets; the next run sends those bytes again, records the IKE SA the peer made (its keys), deletes the old one, then rekeys" {
	need_peer
	use_ports
	mkstate
	local f=$S/site/ike.sa req ispi priv first
	export PEER_RAW=$T/raw
	peer udp 2 drop
	run --separate-stderr "$R" -S "$S" --timeout 1 --ike site
	peer_done
	assert_failure 4
	assert_output ""
	assert_equal "$(kv "$f" ispi)" 1122334455667788
	assert_equal "$(kv "$f" msgid_out)" 3
	assert_equal "$(kv "$f" pending_msgid)" 2
	assert_equal "$(kv "$f" pending_what)" rekey-ike
	assert_equal "$(kv "$f" pending_group)" 31
	[ -z "$(kv "$f" pending_spi)" ] || fail "pending_spi for an IKE SA rekey"
	req=$(kv "$f" pending_req) ispi=$(kv "$f" pending_ike_spi) priv=$(kv "$f" pending_dh_priv)
	[[ $priv =~ ^[0-9a-f]{64}$ ]] || fail "pending_dh_priv: not an X25519 key"
	[[ $(kv "$f" pending_ni) =~ ^[0-9a-f]{64}$ ]] || fail "pending_ni: $(kv "$f" pending_ni)"
	[[ $stderr != *"${priv:0:16}"* ]] || fail "the private key on stderr"
	assert_equal "$(sort -u "$T/raw")" "$req"
	ike_req site 2 0x08 3 31
	assert_equal "$SPI" "$ispi"
	[ "$(stat -c %a "$f")" = 600 ] || fail "mode $(stat -c %a "$f")"

	: >"$T/raw"
	peer udp 4 ok ok ok ok
	run --separate-stderr "$R" -S "$S" --timeout 5 --ike site
	peer_done
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	assert_output site
	assert_equal "$(head -n 1 "$T/raw")" "$req"
	run grep exch "$T/peer"
	assert_equal "${#lines[@]}" 4
	# the Delete of the old SA once ike.sa holds the recovered one; our
	# rekey then on that one, under the keys the peer derived (it decrypts)
	assert_line --index 1 "site: exch 37 flags 0x08 msgid 3 [D(1)] msgid_out=0 lock=free"
	ike_req site 0 0x08 1 31
	assert_line --index 3 "site: exch 37 flags 0x08 msgid 1 [D(1)] msgid_out=0 lock=free"
	# the peer's first new IKE SA is the journaled one
	first=$(sed -n 's/^ike //p' "$T/peer" | head -n 1)
	[[ " $first " == *" ispi=$ispi "* ]] || fail "the recovered IKE SA: $first"
	check_ike
	[ "$(kv "$f" ispi)" != "$ispi" ] || fail "not rekeyed after the recovery"
}

@test "--ike journal: refused when sent again, it goes and the old IKE SA stays for the run's own rekey; a broken one is dropped with a warning that names no secret" {
	need_peer
	use_ports
	mkstate
	local f=$S/site/ike.sa
	peer udp 2 drop
	run --separate-stderr "$R" -S "$S" --timeout 1 --ike site
	peer_done
	assert_failure 4
	assert_equal "$(kv "$f" pending_what)" rekey-ike
	peer udp 3 refuse:14 ok ok
	run --separate-stderr "$R" -S "$S" --timeout 5 --ike site
	peer_done
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	run grep exch "$T/peer"
	assert_equal "${#lines[@]}" 3
	ike_req site 2 0x08 3 31
	ike_req site 3 0x08 4 31
	assert_line --index 2 "site: exch 37 flags 0x08 msgid 4 [D(1)] msgid_out=0 lock=free"
	check_ike

	rm -rf "$S"
	mkstate
	peer udp 2 drop
	run --separate-stderr "$R" -S "$S" --timeout 1 --ike site
	peer_done
	assert_failure 4
	# a private value that is no X25519 key: nobody can finish it
	setkv "$f" pending_dh_priv 00112233445566778899aabbccddeeff
	peer udp 2 ok ok
	run --separate-stderr "$R" -S "$S" --timeout 5 --ike site
	peer_done
	assert_success
	[[ $stderr == "ike-rekey: site: the rekey of the IKE SA an earlier run left cannot be finished ("*"): dropped" ]] || fail "$stderr"
	[[ $stderr != *00112233445566778899* ]] || fail "the value on stderr"
	ike_req site 3 0x08 4 31
	check_ike
}
