#!/usr/bin/env bats
# esp-tun.bats: esp-tun(8) as a user sees it.  Without root: every usage
# error (exit 2), the state directory and SA errors (exit 5), malformed
# ike.sa, Child SA and counters files (exit 1, file:line), and --stats on
# hand-written counters.  With root, in throw-away network namespaces (this
# side NS, 10.99.0.1 on a veth; the peer NSP, 10.99.0.2): the up event, the
# TUN device's MTU, addresses and routes, --no-config, SIGTERM, the
# counters and reserved sequence numbers, and against a peer in Python
# (AES-GCM ESP and IKE with the hand-written keys): ESP both ways, replays,
# bad ICVs, unknown SPIs and selectors, NAT keepalives, liveness checks,
# CREATE_CHILD_SA and Deletes, following the state directory.  Keys must
# appear in no output.  esp-tun against itself and strongSwan is in
# tests/interop/esptun-*.bats.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load lib

# the keys of the hand-written SAs (36 bytes: AES-256 key and 4-byte salt)
K_IN_E=41e24cf57a09a53b5c1f54363354fb480b2398c9b09cd5c2783deecb37ee3cb130c5ba34
K_OUT_E=1d655c29922efe52e1ae60c3dfd5f990772a70efc259ab5accf7f3abbe5bbff08e7203cf
SK_EI=3b8637e69b94cba8ba6ba97242a14614128181c3647fb1ff5c06a9507192d8f33021ad15
SK_ER=de9289eb1fde066ebcb483e0994c6993bf46faf21c97d525b2ff96977f9c2a6ad3112ceb
SK_D=79432f102ce26b6b5d8ae7661865917d3abb80e295470572b70742cd36e88f97
SK_PI=86c3208ab203cca6cedbee41eb3f9fdce24970d688506fb9252007ce14695f3a
SK_PR=deb84b2709adf812b4f80fd606f07cb136e22887ad0937c68fc765bf2989dac0

setup() {
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	E=$IKEKIT_BIN/esp-tun
	T=$BATS_TEST_TMPDIR
	S=$T/state
	[ -x "$E" ] || fail "esp-tun not built: $E (run make)"
	NS= NSP= PID= PEER= HOLDER=
}

teardown() {
	local p
	for p in "$PID:esp-tun" "$PEER:timeout" "$HOLDER:python3"; do
		stop_pid "${p%%:*}" "${p#*:}"
	done
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null || true
	[ -z "$NSP" ] || ip netns del "$NSP" 2>/dev/null || true
}

# stop_pid PID COMM : KILL PID if it is still COMM (never by name alone)
stop_pid() {
	[ -n "$1" ] || return 0
	if [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; then
		kill -KILL "$1" 2>/dev/null || true
	fi
	return 0
}

# --- state files (ike-state(5)), written by hand -----------------------------

# put FILE : standard input to FILE, mode 0600, replaced atomically (as
# the programs write state files, so that esp-tun never reads half of one)
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

# mkike [SA] : S/SA/ike.sa, an established IKE SA that esp-tun initiated,
# from 10.99.0.1:4500 to 10.99.0.2:4500, AES-GCM-16 256
mkike() {
	local sa=${1:-site}
	mkdir -p -m 700 "$S" "$S/$sa"
	chmod 700 "$S" "$S/$sa"
	put "$S/$sa/ike.sa" <<EOT
version=1
name=$sa
state=established
role=initiator
ispi=1122334455667788
rspi=99aabbccddeeff00
local=10.99.0.1:4500
remote=10.99.0.2:4500
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
local=10.99.0.1
remote=10.99.0.2
local_ts=10.1.0.0/16
remote_ts=10.2.0.0/16
mode=tunnel
encap=udp
EOT
}

mkstate() {
	mkike "${1:-site}" && mkchild "${1:-site}" "${2:-net}"
}

# mkstats SA CHILD : S/SA/child.CHILD.stats as esp-tun writes it, with
# distinct counters (the value of a counter is its position, 1 to 12)
mkstats() {
	put "$S/$1/child.$2.stats" <<EOT
version=1
name=$2
ike=$1
spi_in=0xc0ffee01
spi_out=0xc2d3e4f5
seq_out=1048576
in_packets=12
in_bytes=1008
out_packets=3
out_bytes=252
drop_replay=1
drop_integ=2
drop_spi=3
drop_policy=4
drop_nosa=5
drop_malformed=6
drop_seq=7
drop_expired=8
pid=4242
EOT
}

# kv FILE KEY : the value of KEY in FILE

# --- the command line -------------------------------------------------------

@test "--help prints the synopsis on stdout and exits 0" {
	run --separate-stderr "$E" --help
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	assert_line --index 0 'usage: esp-tun --sa name | - [-hv] [--addr addr[/len]] [--child name]'
	assert_line '       esp-tun --stats [--json] [--sa name] [-S dir]'
	run "$E" -h
	assert_success
	assert_line --index 0 --partial 'usage: esp-tun --sa name | -'
}

@test "an unknown option is a usage error (exit 2): the synopsis on stderr, nothing on stdout" {
	run --separate-stderr "$E" --bogus
	assert_failure 2
	assert_output ""
	[[ $stderr == *"unrecognized option '--bogus'"* ]] || fail "stderr: $stderr"
	[[ $stderr == *"usage: esp-tun --sa name | -"* ]] || fail "stderr: $stderr"
	run --separate-stderr "$E" -q --sa site
	assert_failure 2
	[[ $stderr == *"invalid option -- 'q'"* ]] || fail "stderr: $stderr"
}

@test "without --sa (and without --stats): exit 2" {
	run --separate-stderr "$E" -S "$S"
	assert_failure 2
	assert_output ""
	[ "${stderr_lines[0]}" = "esp-tun: --sa is required" ] || fail "stderr: $stderr"
	[ "${stderr_lines[1]}" = "usage: esp-tun --sa name | - [-hv] [--addr addr[/len]] [--child name]" ]
}

@test "--sa and --child take SA names only (1 to 64 of A-Za-z0-9._-, no leading dot): exit 2" {
	local long
	long=$(printf 'a%.0s' {1..65})
	for n in ../etc .hidden "a/b" "" "$long" "sp ace"; do
		run --separate-stderr "$E" --sa "$n"
		assert_failure 2
		[ "${stderr_lines[0]}" = "esp-tun: --sa: \"$n\" is not an SA name" ] || fail "--sa '$n': $stderr"
		run --separate-stderr "$E" --sa site --child "$n"
		assert_failure 2
		[ "${stderr_lines[0]}" = "esp-tun: --child: \"$n\" is not a Child SA name" ] || fail "--child '$n': $stderr"
	done
}

@test "--dev: empty, 16 characters or more, with '/', ':' or a blank: exit 2" {
	for d in "" 0123456789abcdef x/y "a:b" "a b"; do
		run --separate-stderr "$E" --sa site --dev "$d"
		assert_failure 2
		[ "${stderr_lines[0]}" = "esp-tun: --dev: \"$d\" is not an interface name" ] || fail "--dev '$d': $stderr"
	done
}

@test "--mtu, --keepalive, --stats-interval, --replay-window, --dpd-delay, --dpd-timeout out of range or not a number: exit 2 with the range" {
	local a
	# OPTION VALUE MIN MAX
	while read -r o v min max; do
		[ "$v" = "''" ] && v=
		run --separate-stderr "$E" --sa site "$o" "$v"
		assert_failure 2
		assert_output ""
		[ "${stderr_lines[0]}" = "esp-tun: $o: \"$v\" is not a number from $min to $max" ] ||
			fail "$o '$v': $stderr"
		[[ ${stderr_lines[1]} == "usage: esp-tun"* ]]
	done <<'EOT'
--mtu 575 576 9000
--mtu 9001 576 9000
--mtu 1400x 576 9000
--mtu '' 576 9000
--mtu abc 576 9000
--keepalive -1 0 3600
--keepalive 3601 0 3600
--keepalive 2s 0 3600
--stats-interval 0 1 3600
--stats-interval 3601 1 3600
--stats-interval x 1 3600
--replay-window -64 0 65536
--replay-window 65600 0 65536
--replay-window 1k 0 65536
--dpd-delay -1 0 86400
--dpd-delay 86401 0 86400
--dpd-timeout 0 1 3600
--dpd-timeout 3601 1 3600
--dpd-timeout 5m 1 3600
EOT
	for a in 32 100 65535 1; do
		run --separate-stderr "$E" --sa site --replay-window "$a"
		assert_failure 2
		[ "${stderr_lines[0]}" = "esp-tun: --replay-window: \"$a\" is not 0 or a multiple of 64 from 64 to 65536" ] ||
			fail "--replay-window $a: $stderr"
	done
}

@test "the limits of each number are accepted (then the missing state dir: exit 5)" {
	for a in "--mtu 576" "--mtu 9000" "--keepalive 0" "--keepalive 3600" "--stats-interval 1" \
		"--stats-interval 3600" "--replay-window 0" "--replay-window 64" "--replay-window 65536" \
		"--dpd-delay 0" "--dpd-delay 86400" "--dpd-timeout 1" "--dpd-timeout 3600"; do
		# shellcheck disable=SC2086 # option and value
		run --separate-stderr "$E" -S "$T/nope" --sa site $a
		assert_failure 5
		[ "$stderr" = "esp-tun: $T/nope: No such file or directory" ] || fail "$a: $stderr"
	done
}

@test "--addr: not ADDRESS[/LENGTH] is exit 2; at most 8" {
	for a in 10.1.0.300 10.1.0.5/33 10.1.0.5/ 10.1.0.5/x fd00::1/129 host "" 10.1.0.5/-1; do
		run --separate-stderr "$E" --sa site --addr "$a"
		assert_failure 2
		[ "${stderr_lines[0]}" = "esp-tun: --addr: \"$a\" is not ADDRESS[/LENGTH]" ] || fail "--addr '$a': $stderr"
	done
	local args=() i
	for i in 1 2 3 4 5 6 7 8 9; do args+=(--addr "10.1.0.$i"); done
	run --separate-stderr "$E" --sa site "${args[@]}"
	assert_failure 2
	[ "${stderr_lines[0]}" = "esp-tun: --addr: at most 8 addresses" ] || fail "$stderr"
	# well-formed ones pass (the state dir is what fails)
	run --separate-stderr "$E" -S "$T/nope" --sa site --addr 10.1.0.5/24 --addr fd00:1::5/64 --addr 10.1.0.6
	assert_failure 5
}

@test "an argument that is not an option: exit 2" {
	run --separate-stderr "$E" --sa site extra
	assert_failure 2
	[ "${stderr_lines[0]}" = 'esp-tun: unexpected argument "extra"' ] || fail "$stderr"
}

@test "--stats needs a name with --sa, not -: exit 2; a bad name: exit 2" {
	run --separate-stderr "$E" --stats --sa -
	assert_failure 2
	[ "${stderr_lines[0]}" = 'esp-tun: --stats: --sa needs a name, not "-"' ] || fail "$stderr"
	run --separate-stderr "$E" --stats --sa ../x
	assert_failure 2
	[ "${stderr_lines[0]}" = 'esp-tun: --sa: "../x" is not an SA name' ] || fail "$stderr"
}

@test "--sa - reads the name from the first line of stdin: empty stdin or a bad name is exit 2" {
	run --separate-stderr "$E" -S "$S" --sa - </dev/null
	assert_failure 2
	[ "$stderr" = "esp-tun: --sa -: no SA name on standard input" ] || fail "$stderr"
	run --separate-stderr "$E" -S "$S" --sa - <<<"../x"
	assert_failure 2
	[ "$stderr" = 'esp-tun: --sa -: "../x" is not an SA name' ] || fail "$stderr"
	run --separate-stderr "$E" -S "$S" --sa - <<<""
	assert_failure 2
	[ "$stderr" = 'esp-tun: --sa -: "" is not an SA name' ] || fail "$stderr"
	# the name of ike-initiate's output, with or without --json, is looked up
	mkdir -m 700 "$S"
	run --separate-stderr "$E" -S "$S" --sa - < <(printf 'site-b\nvip=10.3.7.1\n')
	assert_failure 5
	[ "$stderr" = "esp-tun: site-b: no such SA in the state directory" ] || fail "$stderr"
	run --separate-stderr "$E" -S "$S" --sa - <<<'{"name":"site-c","state":"established","ispi":"1122334455667788"}'
	assert_failure 5
	[ "$stderr" = "esp-tun: site-c: no such SA in the state directory" ] || fail "$stderr"
}

@test "the state directory: missing, group-writable or not set are errors; IKE_STATE_DIR is the default" {
	run --separate-stderr "$E" -S "$T/nope" --sa site
	assert_failure 5
	[ "$stderr" = "esp-tun: $T/nope: No such file or directory" ] || fail "$stderr"
	mkdir -m 700 "$S"
	chmod 770 "$S"
	run --separate-stderr "$E" -S "$S" --sa site
	assert_failure 5
	[ "$stderr" = "esp-tun: $S: writable by group or others (mode 0770); chmod 700 it" ] || fail "$stderr"
	chmod 700 "$S"
	run --separate-stderr "$E" -S "$S" --sa site
	assert_failure 5
	[ "$stderr" = "esp-tun: site: no such SA in the state directory" ] || fail "$stderr"
	IKE_STATE_DIR=$S run --separate-stderr "$E" --sa site
	assert_failure 5
	[ "$stderr" = "esp-tun: site: no such SA in the state directory" ] || fail "$stderr"
	# neither -S, IKE_STATE_DIR nor (not root) XDG_RUNTIME_DIR
	local as=()
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || skip "setpriv missing"
		as=(setpriv --reuid 65534 --regid 65534 --clear-groups)
	fi
	run --separate-stderr "${as[@]}" env -u IKE_STATE_DIR -u XDG_RUNTIME_DIR "$E" --sa site
	assert_failure 2
	[ "$stderr" = "esp-tun: state directory: not set (IKE_STATE_DIR or -S)" ] || fail "$stderr"
}

@test "a malformed ike.sa is exit 1, naming the file (and the line where there is one)" {
	local k v want
	# KEY VALUE MESSAGE (after "esp-tun: site/ike.sa")
	while IFS='|' read -r k v want; do
		rm -rf "$S"
		mkstate
		setkv "$S/site/ike.sa" "$k" "$v"
		run --separate-stderr "$E" -S "$S" --sa site
		assert_failure 1
		assert_output ""
		[ "$stderr" = "esp-tun: site/ike.sa$want" ] || fail "$k=$v: $stderr"
	done <<'EOT'
role|boss|:24: role: "boss" is not one of the known words
state|rekeyed|:24: state: "rekeyed" is not one of the known words
ispi|1122|:24: ispi: not 16 hex digits
encr|ENCR_BOGUS|:24: encr: unknown transform "ENCR_BOGUS"
nat|maybe|:24: nat: "maybe" is not one of the known words
sk_ei|abc|:24: sk_ei: not an even number of hex digits, at most 36 bytes
sk_er|00|: sk_ei, sk_er: wrong length for the cipher
msgid_in|-1|:24: msgid_in: "-1" is not a number up to 4294967295
local|10.99.0.1|: local: "10.99.0.1" is not ADDRESS:PORT
remote|[fd00::2]:4500|: local and remote are not of one family
version|2|: format version not supported (only 1)
EOT
	rm -rf "$S"
	mkstate
	delkv "$S/site/ike.sa" role
	run --separate-stderr "$E" -S "$S" --sa site
	assert_failure 1
	[ "$stderr" = "esp-tun: site/ike.sa: role: missing" ] || fail "$stderr"
	echo "no equals sign" >>"$S/site/ike.sa"
	run --separate-stderr "$E" -S "$S" --sa site
	assert_failure 1
	[ "$stderr" = "esp-tun: site/ike.sa: malformed (a line without '=', a repeated or too long value, or no version)" ] ||
		fail "$stderr"
}

@test "a malformed Child SA file is exit 1, naming the file (and the line where there is one)" {
	local k v want
	while IFS='|' read -r k v want; do
		rm -rf "$S"
		mkstate
		setkv "$S/site/child.net.sa" "$k" "$v"
		run --separate-stderr "$E" -S "$S" --sa site
		assert_failure 1
		assert_output ""
		[ "$stderr" = "esp-tun: site/child.net.sa$want" ] || fail "$k=$v: $stderr"
	done <<'EOT'
spi_in|zz|:19: spi_in: not 0x8 hex digits
spi_out|0xc2d3|:19: spi_out: not 0x8 hex digits
encr|ENCR_BOGUS|:19: encr: unknown transform "ENCR_BOGUS"
esn|7|:19: esn: "7" is not a number up to 1
encap|tcp|:19: encap: "tcp" is not one of the known words
mode|transport|:19: mode: "transport" is not one of the known words
key_in_e|abc|:19: key_in_e: not an even number of hex digits, at most 36 bytes
lifetime_secs|soon|:20: lifetime_secs: "soon" is not a number up to 4294967295
local_ts|10.1.0.0/33|: local_ts: '10.1.0.0/33': not an address, prefix or range
version|2|: format version not supported (only 1)
EOT
}

@test "keys that do not fit the Child SA's transforms, and ESN without a replay window: exit 1" {
	mkstate
	# a 128-bit AES-GCM key is 20 bytes, not 36
	setkv "$S/site/child.net.sa" encr_keybits 128
	run --separate-stderr "$E" -S "$S" --sa site
	assert_failure 1
	[ "$stderr" = "esp-tun: site/child.net.sa: net: the keys do not fit the transforms (wrong key length)" ] ||
		fail "$stderr"
	# AES-CBC with HMAC-SHA-256 needs a 32-byte integrity key
	mkchild
	setkv "$S/site/child.net.sa" encr ENCR_AES_CBC
	setkv "$S/site/child.net.sa" key_in_e "${K_IN_E:0:64}"
	setkv "$S/site/child.net.sa" key_out_e "${K_OUT_E:0:64}"
	setkv "$S/site/child.net.sa" integ AUTH_HMAC_SHA2_256_128
	run --separate-stderr "$E" -S "$S" --sa site
	assert_failure 1
	[ "$stderr" = "esp-tun: site/child.net.sa: net: the keys do not fit the transforms (wrong key length)" ] ||
		fail "$stderr"
	# an AEAD cipher with an integrity transform
	mkchild
	setkv "$S/site/child.net.sa" integ AUTH_HMAC_SHA2_256_128
	run --separate-stderr "$E" -S "$S" --sa site
	assert_failure 1
	[ "$stderr" = "esp-tun: site/child.net.sa: net: the keys do not fit the transforms (combination not supported)" ] ||
		fail "$stderr"
	mkchild
	setkv "$S/site/child.net.sa" esn 1
	run --separate-stderr "$E" -S "$S" --sa site --replay-window 0
	assert_failure 1
	[ "$stderr" = "esp-tun: site/child.net.sa: extended sequence numbers need a replay window" ] || fail "$stderr"
}

@test "an IKE SA without a Child SA, or without the --child asked for: exit 1" {
	mkike
	run --separate-stderr "$E" -S "$S" --sa site
	assert_failure 1
	[ "$stderr" = "esp-tun: site: no Child SA" ] || fail "$stderr"
	mkchild
	run --separate-stderr "$E" -S "$S" --sa site --child other
	assert_failure 1
	[ "$stderr" = "esp-tun: site: no such Child SA" ] || fail "$stderr"
}

@test "a UDP-encapsulated Child SA of an IKE SA on port 500: exit 1" {
	mkstate
	setkv "$S/site/ike.sa" local 10.99.0.1:500
	setkv "$S/site/ike.sa" remote 10.99.0.2:500
	run --separate-stderr "$E" -S "$S" --sa site
	assert_failure 1
	[ "$stderr" = "esp-tun: site: a Child SA is UDP-encapsulated but the IKE SA is on port 500, not the NAT-T port" ] ||
		fail "$stderr"
}

@test "a malformed counters file of the Child SA: exit 1 (its sequence numbers are unknown)" {
	mkstate
	mkstats site net
	setkv "$S/site/child.net.stats" in_packets abc
	run --separate-stderr "$E" -S "$S" --sa site
	assert_failure 1
	[ "$stderr" = 'esp-tun: site/child.net.stats:19: in_packets: "abc" is not a number up to 18446744073709551615' ] ||
		fail "$stderr"
	mkstats site net
	delkv "$S/site/child.net.stats" seq_out
	run --separate-stderr "$E" -S "$S" --sa site
	assert_failure 1
	[ "$stderr" = "esp-tun: site/child.net.stats: seq_out: missing" ] || fail "$stderr"
}

# --- --stats ----------------------------------------------------------------

@test "--stats prints each Child SA's counters: a line of text, or with --json an object" {
	mkstate
	mkstats site net
	run --separate-stderr "$E" -S "$S" --stats
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	assert_output "site/net in 12 pkts 1008 B out 3 pkts 252 B drops replay 1 integ 2 spi 3 policy 4 nosa 5 malformed 6 seq 7 expired 8"
	run --separate-stderr "$E" -S "$S" --stats --json
	assert_success
	assert_output '{"name":"site","child":"net","spi_in":"0xc0ffee01","spi_out":"0xc2d3e4f5","in_packets":12,"in_bytes":1008,"out_packets":3,"out_bytes":252,"drop_replay":1,"drop_integ":2,"drop_spi":3,"drop_policy":4,"drop_nosa":5,"drop_malformed":6,"drop_seq":7,"drop_expired":8}'
	# a counter missing from the file is 0
	delkv "$S/site/child.net.stats" drop_expired
	delkv "$S/site/child.net.stats" drop_replay
	run "$E" -S "$S" --stats
	assert_output "site/net in 12 pkts 1008 B out 3 pkts 252 B drops replay 0 integ 2 spi 3 policy 4 nosa 5 malformed 6 seq 7 expired 0"
	run "$E" -S "$S" --stats --json
	assert_output --partial '"drop_replay":0,'
	assert_output --partial '"drop_expired":0}'
}

@test "--stats: every SA of the state directory, or only --sa; a Child SA never carried has no line" {
	mkstate site
	mkstats site net
	mkstate other
	mkchild other second 0xc0ffee02
	mkstats other second
	IKE_STATE_DIR=$S run --separate-stderr "$E" --stats
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line "site/net in 12 pkts 1008 B out 3 pkts 252 B drops replay 1 integ 2 spi 3 policy 4 nosa 5 malformed 6 seq 7 expired 8"
	assert_line "other/second in 12 pkts 1008 B out 3 pkts 252 B drops replay 1 integ 2 spi 3 policy 4 nosa 5 malformed 6 seq 7 expired 8"
	run --separate-stderr "$E" -S "$S" --stats --sa other --json
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_output --partial '{"name":"other","child":"second",'
	# nothing carried yet, or nothing at all
	rm "$S"/*/child.*.stats
	run --separate-stderr "$E" -S "$S" --stats
	assert_success
	assert_output ""
	[ -z "$stderr" ]
}

@test "--stats: a missing state directory is exit 5; an SA that is not there is named on stderr" {
	run --separate-stderr "$E" -S "$T/nope" --stats
	assert_failure 5
	[ "$stderr" = "esp-tun: $T/nope: No such file or directory" ] || fail "$stderr"
	mkdir -m 700 "$S"
	# (the exit status is 0 here: see esp-tun(8) EXIT STATUS)
	run --separate-stderr "$E" -S "$S" --stats --sa nosuch
	assert_output ""
	[ "$stderr" = "esp-tun: nosuch: no such SA in the state directory" ] || fail "$stderr"
}

# --- running it, in network namespaces (root) -------------------------------

# need_net : skip unless root with TUN devices and network namespaces; then
# NS (this side: v0 10.99.0.1/24) and NSP (the peer: v1 10.99.0.2/24)
need_net() {
	[ "$(id -u)" = 0 ] || skip "needs root (TUN device, network namespaces)"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"
	command -v ip >/dev/null || skip "no ip(8)"
	NS=etun$$-$BATS_TEST_NUMBER-l
	ip netns add "$NS" 2>/dev/null || { NS=; skip "cannot add a network namespace"; }
	NSP=etun$$-$BATS_TEST_NUMBER-p
	ip netns add "$NSP" || fail "ip netns add $NSP"
	ip -n "$NS" link set lo up
	ip -n "$NSP" link set lo up
	ip -n "$NS" link add v0 type veth peer name v1 netns "$NSP" || fail "no veth"
	ip -n "$NS" addr add 10.99.0.1/24 dev v0
	ip -n "$NSP" addr add 10.99.0.2/24 dev v1
	ip -n "$NS" link set v0 up
	ip -n "$NSP" link set v1 up
}

# running : esp-tun (PID) runs, and is not a zombie
running() {
	[ -n "$PID" ] && [ "$(cat "/proc/$PID/comm" 2>/dev/null)" = esp-tun ] &&
		! grep -q '^State:[[:space:]]*Z' "/proc/$PID/status" 2>/dev/null
}

# up_seen : esp-tun has printed its up event (stdout with --json, else stderr)
up_seen() {
	grep -q '^{"event":"up",' "$T/out" 2>/dev/null || grep -q '^esp-tun: [^ ]*: up on ' "$T/err" 2>/dev/null
}

# start ARGS... : esp-tun ARGS in NS, in the background (PID; stdin from
# STDIN, else /dev/null; T/out, T/err); waits (10 s) for its up event
start() {
	local i
	# gone before the start: the child truncates them only once it runs,
	# and up_seen must not find the last run's up event meanwhile
	rm -f "$T/out" "$T/err"
	ip netns exec "$NS" "$E" "$@" <"${STDIN:-/dev/null}" >"$T/out" 2>"$T/err" 3>&- &
	PID=$!
	for ((i = 0; i < 100; i++)); do
		up_seen && return 0
		if ! running && [ "$(cat "/proc/$PID/comm" 2>/dev/null)" != ip ]; then
			sleep 0.1
			up_seen && return 0
			fail "esp-tun exited before its up event: $(cat "$T/out" "$T/err")"
		fi
		sleep 0.1
	done
	fail "no up event within 10 s: $(cat "$T/out" "$T/err")"
}

# wait_exit [SECS] : wait (10 s) for esp-tun to exit; STATUS is its status
wait_exit() {
	local i
	for ((i = 0; i < ${1:-10} * 10; i++)); do
		running || break
		sleep 0.1
	done
	running && fail "esp-tun still runs after ${1:-10} s"
	STATUS=0
	wait "$PID" || STATUS=$?
	PID=
}

# stop : SIGTERM, then wait_exit
stop() {
	running || fail "esp-tun is not running: $(cat "$T/out" "$T/err")"
	kill -TERM "$PID"
	wait_exit
}

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

# send_udp DST : one UDP datagram from NS to DST port 9 (routed into the TUN)
send_udp() {
	ip netns exec "$NS" python3 -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"esp-tun bats", (sys.argv[1], 9))' "$1"
}

# need_peer : need_net, and Python with the cryptography module for the peer
need_peer() {
	python3 -c 'import cryptography.hazmat.primitives.ciphers.aead' 2>/dev/null ||
		skip "python3 cryptography module missing (the peer's AES-GCM)"
	need_net
	peer_script >"$T/peer.py"
}

# peer ARGS... : the peer (T/peer.py S site net ARGS) in NSP, at most 20 s
peer() {
	ip netns exec "$NSP" timeout 20 python3 "$T/peer.py" "$S" site net "$@"
}

# peer_recv SECS N : the peer receiving in the background (PEER) into
# T/peer until N datagrams or SECS; returns once it listens
peer_recv() {
	ip netns exec "$NSP" timeout 20 python3 "$T/peer.py" "$S" site net recv "$1" "$2" >"$T/peer" 2>&1 3>&- &
	PEER=$!
	until_true 10 grep -q '^listening$' "$T/peer" || fail "peer: $(cat "$T/peer")"
}

# peer_serve SECS N : as peer_recv, and esp-tun's IKE requests answered
# (empty; a CREATE_CHILD_SA with an SA payload)
peer_serve() {
	ip netns exec "$NSP" timeout 20 python3 "$T/peer.py" "$S" site net serve "$1" "$2" >"$T/peer" 2>&1 3>&- &
	PEER=$!
	until_true 10 grep -q '^listening$' "$T/peer" || fail "peer: $(cat "$T/peer")"
}

# peer_done : wait for the background peer (it stops by itself)
peer_done() {
	wait "$PEER" || true
	PEER=
}

# peer_script : the peer of the hand-written SAs, in Python (AES-GCM-16 only):
#   recv SECS N     print each datagram received (ESP decrypted with
#                   key_out_e), at most N, after a line "listening"
#   serve SECS N    recv, and esp-tun's IKE requests answered
#   seal EXCH MSGID print in hex an empty request of esp-tun's (sk_ei)
#   ike STEP...     IKE requests, each answer decrypted and printed: STEP is
#                   liveness:ID, create:ID (CREATE_CHILD_SA), delete-ike:ID,
#                   delete-child:ID (spi_out) or again (the last one again)
#   esp TUNADDR STEP...  ESP with key_in_e: echo:SEQ (an ICMP echo request
#                   from the peer's side to TUNADDR; esp-tun's ESP reply
#                   printed), again, spi:SEQ (unknown SPI), icv:SEQ (bad
#                   ICV), policy:SEQ (inner source outside remote_ts)
peer_script() {
	cat <<'EOF'
import os, socket, struct, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

d, sa, child, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]

def kv(path):
    out = {}
    for line in open(path):
        if '=' in line and not line.lstrip().startswith('#'):
            k, v = line.split('=', 1)
            out[k.strip()] = v.strip()
    return out

ike = kv(os.path.join(d, sa, 'ike.sa'))
ch = kv(os.path.join(d, sa, 'child.%s.sa' % child))

def hostport(s):
    h, p = s.rsplit(':', 1)
    return h.strip('[]'), int(p)

def gcm(keyhex):
    k = bytes.fromhex(keyhex)
    return AESGCM(k[:-4]), k[-4:]

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def echo(src, dst):
    icmp = struct.pack('!BBHHH', 8, 0, 0, 0x4242, 1) + b'esp-tun bats'
    icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + icmp

def describe(inner):
    if len(inner) >= 20 and inner[0] >> 4 == 4:
        what = 'proto %d' % inner[9]
        if inner[9] == 1:
            what = 'icmp type %d' % inner[20]
        return '%s > %s %s' % (socket.inet_ntoa(inner[12:16]), socket.inet_ntoa(inner[16:20]), what)
    return 'ip version %d' % (inner[0] >> 4)

def esp_open(pkt):
    a, salt = gcm(ch['key_out_e'])
    spi, seq = struct.unpack('!II', pkt[:8])
    try:
        pt = a.decrypt(salt + pkt[8:16], pkt[16:], pkt[:8])
    except Exception:
        return 'esp spi 0x%08x seq %d: does not decrypt' % (spi, seq)
    pad, nh = pt[-2], pt[-1]
    return 'esp spi 0x%08x seq %d nh %d %s' % (spi, seq, nh, describe(pt[:-2 - pad]))

def ike_open(msg):
    a, salt = gcm(ike['sk_ei'])
    exch, flags, msgid = struct.unpack('!BBI', msg[18:24])
    first, _, sk_len = struct.unpack('!BBH', msg[28:32])
    try:
        pt = a.decrypt(salt + msg[32:40], msg[40:28 + sk_len], msg[:32])
    except Exception:
        return 'ike: does not decrypt'
    pt = pt[:len(pt) - 1 - pt[-1]]
    out, t = [], first
    while t != 0:
        nxt, _, plen = struct.unpack('!BBH', pt[:4])
        body = pt[4:plen]
        if t == 41:
            out.append('N(%d)' % struct.unpack('!H', body[2:4]))
        elif t == 42:
            proto, spisz, n = struct.unpack('!BBH', body[:4])
            spis = ''.join(',0x' + body[4 + i * spisz:4 + (i + 1) * spisz].hex() for i in range(n))
            out.append('D(%d%s)' % (proto, spis))
        else:
            out.append(str(t))
        t, pt = nxt, pt[plen:]
    return 'ike exch %d flags 0x%02x msgid %d [%s]' % (exch, flags, msgid, ' '.join(out))

def show(pkt):
    if pkt == b'\xff':
        return 'keepalive'
    if pkt[:4] == b'\0\0\0\0':
        return ike_open(pkt[4:])
    return esp_open(pkt)

# this side is the IKE responder: esp-tun's ike.sa says role=initiator
# (mine: as esp-tun seals, with sk_ei and the I flag: its requests)
def ike_seal(exch, msgid, first, payloads, flags=0, mine=False):
    a, salt = gcm(ike['sk_ei' if mine else 'sk_er'])
    pt = payloads + b'\0'
    sk_len = 4 + 8 + len(pt) + 16
    hdr = bytes.fromhex(ike['ispi'] + ike['rspi']) + struct.pack('!BBBBII', 46, 0x20, exch, flags, msgid, 28 + sk_len)
    skh = struct.pack('!BBH', first, 0, sk_len)
    iv = os.urandom(8)
    return hdr + skh + iv + a.encrypt(salt + iv, pt, hdr + skh)

def ike_request(step):
    kind, msgid = step.split(':')
    msgid = int(msgid)
    if kind == 'liveness':
        return ike_seal(37, msgid, 0, b'')
    if kind == 'create':
        return ike_seal(36, msgid, 0, b'')
    if kind == 'delete-ike':
        return ike_seal(37, msgid, 42, struct.pack('!BBHBBH', 0, 0, 8, 1, 0, 0))
    if kind == 'delete-child':
        return ike_seal(37, msgid, 42, struct.pack('!BBHBBHI', 0, 0, 12, 3, 4, 1, int(ch['spi_out'], 16)))
    sys.exit('unknown step ' + step)

def esp_seal(spi, seq, inner, bad_icv=False):
    a, salt = gcm(ch['key_in_e'])
    padn = (4 - (len(inner) + 2) % 4) % 4
    pt = inner + bytes(range(1, padn + 1)) + bytes([padn, 4])
    hdr = struct.pack('!II', spi, seq)
    iv = os.urandom(8)
    ct = a.encrypt(salt + iv, pt, hdr)
    if bad_icv:
        ct = ct[:-1] + bytes([ct[-1] ^ 1])
    return hdr + iv + ct

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(hostport(ike['remote']))
s.connect(hostport(ike['local']))

def answer():
    s.settimeout(3)
    try:
        return show(s.recv(65536))
    except socket.timeout:
        return 'no answer'

# serve: esp-tun's requests answered, empty or (CREATE_CHILD_SA) with an
# SA payload: the Child SA made
def serve(msg):
    exch, flags, msgid = struct.unpack('!BBI', msg[18:24])
    if flags & 0x20:
        return None
    body = b''
    if exch == 36:
        body = struct.pack('!BBHBBBB', 0, 0, 20, 1, 3, 4, 1) + os.urandom(4) + struct.pack('!BBHBBH', 0, 0, 8, 1, 0, 20)
        body = struct.pack('!BBH', 0, 0, 4 + len(body)) + body
    return ike_seal(exch, msgid, 33 if body else 0, body, 0x20)

if cmd == 'seal':
    print(ike_seal(int(args[0]), int(args[1]), 0, b'', 0x08, True).hex())
elif cmd == 'serve':
    print('listening', flush=True)
    s.settimeout(float(args[0]))
    for _ in range(int(args[1])):
        try:
            pkt = s.recv(65536)
        except socket.timeout:
            break
        print(show(pkt), flush=True)
        out = serve(pkt[4:]) if pkt[:4] == b'\0\0\0\0' else None
        if out is not None:
            s.send(b'\0\0\0\0' + out)
elif cmd == 'recv':
    print('listening', flush=True)
    s.settimeout(float(args[0]))
    for _ in range(int(args[1])):
        try:
            print(show(s.recv(65536)), flush=True)
        except socket.timeout:
            break
elif cmd == 'ike':
    last = None
    for step in args:
        if step != 'again':
            last = ike_request(step)
        s.send(b'\0\0\0\0' + last)
        print(step + ': ' + answer(), flush=True)
elif cmd == 'esp':
    spi_in = int(ch['spi_in'], 16)
    tun, them = args[0], ch['remote_ts'].split('/')[0].rsplit('.', 1)[0] + '.1'
    last = None
    for step in args[1:]:
        if step != 'again':
            kind, seq = step.split(':')
            seq = int(seq)
            if kind == 'echo':
                last = esp_seal(spi_in, seq, echo(them, tun))
            elif kind == 'spi':
                last = esp_seal(spi_in ^ 0xffff, seq, echo(them, tun))
            elif kind == 'icv':
                last = esp_seal(spi_in, seq, echo(them, tun), bad_icv=True)
            elif kind == 'policy':
                last = esp_seal(spi_in, seq, echo('10.5.0.1', tun))
        s.send(last)
        print(step + ': ' + (answer() if step.startswith('echo:') else 'sent'), flush=True)
EOF
}

@test "up: the TUN device with --mtu, each --addr and a route per remote selector; capabilities dropped; SIGTERM: exit 0, counters written" {
	need_net
	mkstate
	setkv "$S/site/child.net.sa" local_ts 10.1.0.0/16,fd00:1::/48
	setkv "$S/site/child.net.sa" remote_ts 10.2.0.0/16,fd00:2::/48
	start -S "$S" --sa site --dev et0 --mtu 1300 --addr 10.1.0.5 --addr fd00:1::5/64
	[ "$(cat "$T/err")" = "esp-tun: site: up on et0 (1 Child SA)" ] || fail "stderr: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "stdout: $(cat "$T/out")"
	run ip -n "$NS" -o link show et0
	assert_output --regexp '<POINTOPOINT,[A-Z,]*[<,]UP[,>].* mtu 1300 '
	run ip -n "$NS" -o -4 addr show dev et0
	assert_output --partial "inet 10.1.0.5/32 "
	run ip -n "$NS" -o -6 addr show dev et0 scope global
	assert_output --partial "inet6 fd00:1::5/64 "
	run ip -n "$NS" -4 route show dev et0
	assert_output "10.2.0.0/16 proto static scope link src 10.1.0.5 "
	run ip -n "$NS" -6 route show fd00:2::/48
	assert_output --regexp '^fd00:2::/48 dev et0 .*src fd00:1::5 '
	# the selectors do not cover the peer: no host route for it
	run ip -n "$NS" route show 10.99.0.2/32
	assert_output ""
	# still root, without any capability
	grep -qx 'Uid:[[:space:]]*0[[:space:]]*0[[:space:]]*0[[:space:]]*0' "/proc/$PID/status"
	grep -qx 'CapEff:[[:space:]]*0000000000000000' "/proc/$PID/status"
	grep -qx 'CapPrm:[[:space:]]*0000000000000000' "/proc/$PID/status"
	grep -qx 'CapBnd:[[:space:]]*0000000000000000' "/proc/$PID/status"
	grep -qx 'NoNewPrivs:[[:space:]]*1' "/proc/$PID/status"
	local pid=$PID f=$S/site/child.net.stats
	stop
	assert_equal "$STATUS" 0
	! ip -n "$NS" link show et0 2>/dev/null || fail "et0 outlived esp-tun"
	[ "$(stat -c %a "$f")" = 600 ]
	assert_equal "$(kv "$f" version)" 1
	assert_equal "$(kv "$f" name)" net
	assert_equal "$(kv "$f" ike)" site
	assert_equal "$(kv "$f" spi_in)" 0xc0ffee01
	assert_equal "$(kv "$f" spi_out)" 0xc2d3e4f5
	assert_equal "$(kv "$f" seq_out)" 1048576
	assert_equal "$(kv "$f" out_packets)" 0
	assert_equal "$(kv "$f" pid)" "$pid"
}

@test "--json: the up event is one object on stdout (device esp0 by default), nothing on stderr; --sa - takes the name from stdin" {
	need_net
	mkstate
	printf 'site\nvip=10.1.7.1\n' >"$T/stdin"
	STDIN=$T/stdin start -S "$S" --sa - --json
	assert_equal "$(cat "$T/out")" '{"event":"up","name":"site","dev":"esp0","children":["net"]}'
	[ ! -s "$T/err" ] || fail "stderr: $(cat "$T/err")"
	run ip -n "$NS" -o link show esp0
	assert_success
	stop
	assert_equal "$STATUS" 0
	# the SIGTERM adds no event
	assert_equal "$(wc -l <"$T/out")" 1
}

@test "two Child SAs, and --child: only that one" {
	need_net
	mkstate
	mkchild site two 0xc0ffee02
	start -S "$S" --sa site --json
	run cat "$T/out"
	assert_output --regexp '^\{"event":"up","name":"site","dev":"esp0","children":\[("net","two"|"two","net")\]\}$'
	stop
	start -S "$S" --sa site --child two
	assert_equal "$(cat "$T/err")" "esp-tun: site: up on esp0 (1 Child SA)"
	stop
	[ -e "$S/site/child.two.stats" ]
	assert_equal "$(kv "$S/site/child.two.stats" spi_in)" 0xc0ffee02
}

@test "without --addr: an initiator's vip= is the address and the routes' src; a responder's is not; else src is this host's address in local_ts" {
	need_net
	mkstate
	setkv "$S/site/ike.sa" vip 10.1.7.1
	start -S "$S" --sa site --dev et0
	run ip -n "$NS" -o -4 addr show dev et0
	assert_output --partial "inet 10.1.7.1/32 "
	run ip -n "$NS" -4 route show dev et0
	assert_output "10.2.0.0/16 proto static scope link src 10.1.7.1 "
	stop
	# --addr wins over vip=
	start -S "$S" --sa site --dev et0 --addr 10.1.0.9
	run ip -n "$NS" -o -4 addr show dev et0
	refute_output --partial "10.1.7.1"
	assert_output --partial "inet 10.1.0.9/32 "
	stop
	# a responder's vip= is the address it leased to the peer
	setkv "$S/site/ike.sa" role responder
	ip -n "$NS" addr add 10.1.0.1/24 dev v0
	start -S "$S" --sa site --dev et0
	run ip -n "$NS" -o -4 addr show dev et0
	assert_output ""
	run ip -n "$NS" -4 route show dev et0
	assert_output "10.2.0.0/16 proto static scope link src 10.1.0.1 "
	stop
	# no address inside local_ts at all: no src
	ip -n "$NS" addr del 10.1.0.1/24 dev v0
	start -S "$S" --sa site --dev et0
	run ip -n "$NS" -4 route show dev et0
	assert_output "10.2.0.0/16 proto static scope link "
	stop
}

@test "a remote selector of 0.0.0.0/0: two /1 routes, the default route kept, a host route for the peer that outlives esp-tun" {
	need_net
	mkstate
	setkv "$S/site/child.net.sa" remote_ts 0.0.0.0/0
	ip -n "$NS" route add default via 10.99.0.254
	start -S "$S" --sa site --dev et0 --addr 10.1.0.5
	run ip -n "$NS" -4 route show dev et0
	assert_line "0.0.0.0/1 proto static scope link src 10.1.0.5 "
	assert_line "128.0.0.0/1 proto static scope link src 10.1.0.5 "
	assert_equal "${#lines[@]}" 2
	run ip -n "$NS" -4 route show default
	assert_output "default via 10.99.0.254 dev v0 "
	run ip -n "$NS" -4 route show 10.99.0.2/32
	assert_output --regexp '^10\.99\.0\.2 dev v0 '
	stop
	assert_equal "$STATUS" 0
	run ip -n "$NS" -4 route show 10.99.0.2/32
	assert_output --regexp '^10\.99\.0\.2 dev v0 '
	run ip -n "$NS" -4 route show default
	assert_output "default via 10.99.0.254 dev v0 "
}

@test "--no-config: the TUN device is created down, with its default MTU, no address and no route" {
	need_net
	mkstate
	setkv "$S/site/child.net.sa" remote_ts 0.0.0.0/0
	setkv "$S/site/ike.sa" vip 10.1.7.1
	start -S "$S" --sa site --dev et0 --no-config --mtu 1300 --addr 10.1.0.5
	run ip -n "$NS" -o link show et0
	assert_output --partial "mtu 1500 "
	assert_output --partial "state DOWN"
	run ip -n "$NS" -o addr show dev et0
	assert_output ""
	run ip -n "$NS" route show dev et0
	assert_output ""
	run ip -n "$NS" route show 10.99.0.2/32
	assert_output ""
	# the operator's configuration works as esp-tun's would
	ip -n "$NS" link set et0 up
	ip -n "$NS" addr add 10.1.0.5/32 dev et0
	ip -n "$NS" route add 10.2.0.0/16 dev et0 src 10.1.0.5
	stop
	assert_equal "$STATUS" 0
}

@test "--dev: a name taken by another kind of device or a TUN device in use, an IPv6 --addr under --mtu 1280: exit 5" {
	need_net
	mkstate
	run --separate-stderr ip netns exec "$NS" "$E" -S "$S" --sa site --dev v0
	assert_failure 5
	[ "$stderr" = "esp-tun: TUN device v0: File exists" ] || fail "$stderr"
	run --separate-stderr ip netns exec "$NS" "$E" -S "$S" --sa site --dev et0 --addr fd00:1::5 --mtu 1000
	assert_failure 5
	[ "$stderr" = "esp-tun: et0: address fd00:1::5: Invalid argument" ] || fail "$stderr"
	# another SA's esp-tun on a TUN device in use
	mkstate other
	start -S "$S" --sa site --dev et0
	run --separate-stderr ip netns exec "$NS" "$E" -S "$S" --sa other --dev et0
	assert_failure 5
	[ "$stderr" = "esp-tun: TUN device et0: Device or resource busy" ] || fail "$stderr"
	stop
}

@test "the IKE SA's port held without SO_REUSEPORT (as ike-initiate --stay holds it): exit 5, saying so" {
	need_net
	mkstate
	ip netns exec "$NS" python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.0.1", 4500)); s.connect(("10.99.0.2", 4500))
print("bound", flush=True); time.sleep(20)' >"$T/holder" 3>&- &
	HOLDER=$!
	until_true 10 grep -q bound "$T/holder" || fail "the holder did not bind"
	run --separate-stderr ip netns exec "$NS" "$E" -S "$S" --sa site
	assert_failure 5
	[ "$stderr" = "esp-tun: site: UDP: bind 10.99.0.1:4500: Address already in use (another program holds it without SO_REUSEPORT: ike-initiate --stay?)" ] ||
		fail "$stderr"
	kill "$HOLDER"
	wait "$HOLDER" || true
	HOLDER=
	# a socket with SO_REUSEPORT (as ike-respond's) shares it
	ip netns exec "$NS" python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(("10.99.0.1", 4500))
print("bound", flush=True); time.sleep(20)' >"$T/holder" 3>&- &
	HOLDER=$!
	until_true 10 grep -q bound "$T/holder" || fail "the holder did not bind"
	start -S "$S" --sa site
	stop
	assert_equal "$STATUS" 0
}

@test "no key from the state files in stdout, stderr (-v -v), /proc/PID/cmdline or --stats" {
	need_peer
	mkstate
	start -S "$S" --sa site --dev et0 --addr 10.1.0.5 -v -v --json
	peer ike liveness:0 >"$T/peer.out"
	peer esp 10.1.0.5 echo:1 icv:2 >>"$T/peer.out"
	tr '\0' ' ' <"/proc/$PID/cmdline" >"$T/cmdline"
	stop
	assert_equal "$STATUS" 0
	"$E" -S "$S" --stats --json >"$T/stats"
	"$E" -S "$S" --stats >>"$T/stats"
	# the peer's exchanges did happen (so -v had something to say)
	grep -q 'liveness:0: ike exch 37 flags 0x28 msgid 0 \[\]' "$T/peer.out" || fail "$(cat "$T/peer.out")"
	grep -q 'request 0 (liveness check): answered' "$T/err" || fail "stderr: $(cat "$T/err")"
	local k f
	for k in "$K_IN_E" "$K_OUT_E" "$SK_EI" "$SK_ER" "$SK_D" "$SK_PI" "$SK_PR"; do
		for f in out err cmdline stats; do
			! grep -qiF "${k:0:16}" "$T/$f" || fail "key ${k:0:16}... in $f"
			! grep -qiF "${k: -16}" "$T/$f" || fail "key ...${k: -16} in $f"
		done
	done
}

@test "ESP out: a packet into the TUN reaches the peer under spi_out, numbered from 1; a restart goes on past seq_out" {
	need_peer
	mkstate
	start -S "$S" --sa site --dev et0 --addr 10.1.0.5
	peer_recv 5 2
	send_udp 10.2.0.1
	send_udp 10.2.3.4
	peer_done
	run cat "$T/peer"
	assert_line --index 1 "esp spi 0xc2d3e4f5 seq 1 nh 4 10.1.0.5 > 10.2.0.1 proto 17"
	assert_line --index 2 "esp spi 0xc2d3e4f5 seq 2 nh 4 10.1.0.5 > 10.2.3.4 proto 17"
	stop
	assert_equal "$STATUS" 0
	assert_equal "$(kv "$S/site/child.net.stats" out_packets)" 2
	assert_equal "$(kv "$S/site/child.net.stats" out_bytes)" 80
	assert_equal "$(kv "$S/site/child.net.stats" seq_out)" 1048576
	# numbers below seq_out may have been sent: the next run starts above,
	# and reserves the next 2^20 before it sends
	# -v: a send error is logged (this step failed once in CI, cause unknown)
	start -v -S "$S" --sa site --dev et0 --addr 10.1.0.5
	assert_equal "$(kv "$S/site/child.net.stats" seq_out)" 2097152
	assert_equal "$(kv "$S/site/child.net.stats" out_packets)" 2
	peer_recv 5 1
	send_udp 10.2.0.1
	peer_done
	grep -q ' seq ' "$T/peer" || fail "nothing reached the peer after the restart:
peer: $(cat "$T/peer")
esp-tun: $(cat "$T/err")
routes: $(ip -n "$NS" route show 2>&1; ip -n "$NS" addr show dev et0 2>&1)
stats: $(stop; cat "$S/site/child.net.stats")"
	run cat "$T/peer"
	assert_line --index 1 "esp spi 0xc2d3e4f5 seq 1048577 nh 4 10.1.0.5 > 10.2.0.1 proto 17"
	stop
	assert_equal "$(kv "$S/site/child.net.stats" out_packets)" 3
}

@test "counters of another Child SA of the same name (another spi_in) are not carried over" {
	need_net
	mkstate
	mkstats site net
	setkv "$S/site/child.net.stats" spi_in 0xdeadbeef
	setkv "$S/site/child.net.stats" seq_out 5000000
	start -S "$S" --sa site --dev et0
	stop
	assert_equal "$(kv "$S/site/child.net.stats" spi_in)" 0xc0ffee01
	assert_equal "$(kv "$S/site/child.net.stats" seq_out)" 1048576
	assert_equal "$(kv "$S/site/child.net.stats" in_packets)" 0
	# the same SA's are
	mkstats site net
	setkv "$S/site/child.net.stats" seq_out 5000000
	start -S "$S" --sa site --dev et0
	stop
	assert_equal "$(kv "$S/site/child.net.stats" seq_out)" 6048576
	assert_equal "$(kv "$S/site/child.net.stats" in_packets)" 12
	assert_equal "$(kv "$S/site/child.net.stats" drop_integ)" 2
}

@test "outbound packets outside every Child SA's selectors are dropped (drop_nosa), never sent" {
	need_peer
	mkstate
	start -S "$S" --sa site --dev et0 --addr 10.1.0.5 --stats-interval 3600
	ip -n "$NS" route add 10.9.0.0/16 dev et0 src 10.1.0.5
	peer_recv 2 1
	send_udp 10.9.0.1
	send_udp 10.9.0.2
	send_udp 10.9.0.3
	peer_done
	run cat "$T/peer"
	assert_output "listening"
	stop
	assert_equal "$(kv "$S/site/child.net.stats" out_packets)" 0
	[ "$(kv "$S/site/child.net.stats" drop_nosa)" -ge 3 ] ||
		fail "drop_nosa $(kv "$S/site/child.net.stats" drop_nosa)"
}

@test "ESP in: decrypted into the TUN (the kernel's echo reply comes back as ESP); replay, unknown SPI, bad ICV and selectors counted" {
	need_peer
	mkstate
	start -S "$S" --sa site --dev et0 --addr 10.1.0.5 --stats-interval 3600
	run peer esp 10.1.0.5 echo:1 again spi:2 icv:2 policy:3 echo:2
	assert_success
	assert_line --index 0 "echo:1: esp spi 0xc2d3e4f5 seq 1 nh 4 10.1.0.5 > 10.2.0.1 icmp type 0"
	assert_line --index 1 "again: sent"
	assert_line --index 2 "spi:2: sent"
	assert_line --index 3 "icv:2: sent"
	assert_line --index 4 "policy:3: sent"
	# seq 2 failed its ICV: the window did not move, seq 2 is still new
	assert_line --index 5 "echo:2: esp spi 0xc2d3e4f5 seq 2 nh 4 10.1.0.5 > 10.2.0.1 icmp type 0"
	stop
	assert_equal "$STATUS" 0
	local f=$S/site/child.net.stats
	assert_equal "$(kv "$f" in_packets)" 2
	assert_equal "$(kv "$f" in_bytes)" 80
	assert_equal "$(kv "$f" out_packets)" 2
	assert_equal "$(kv "$f" drop_replay)" 1
	assert_equal "$(kv "$f" drop_spi)" 1
	assert_equal "$(kv "$f" drop_integ)" 1
	assert_equal "$(kv "$f" drop_policy)" 1
	assert_equal "$(kv "$f" drop_malformed)" 0
}

@test "--replay-window 0: a replayed packet is accepted" {
	need_peer
	mkstate
	start -S "$S" --sa site --dev et0 --addr 10.1.0.5 --replay-window 0
	run peer esp 10.1.0.5 echo:1 again
	assert_success
	stop
	assert_equal "$(kv "$S/site/child.net.stats" in_packets)" 2
	assert_equal "$(kv "$S/site/child.net.stats" drop_replay)" 0
}

@test "NAT keepalives: with nat=yes, one byte 0xff after --keepalive seconds of silence; none with nat=no" {
	need_peer
	mkstate
	setkv "$S/site/ike.sa" nat yes
	start -S "$S" --sa site --dev et0 --keepalive 1
	peer_recv 3 1
	peer_done
	run cat "$T/peer"
	assert_line --index 1 keepalive
	stop
	setkv "$S/site/ike.sa" nat no
	start -S "$S" --sa site --dev et0 --keepalive 1
	peer_recv 3 1
	peer_done
	run cat "$T/peer"
	assert_output listening
	stop
}

@test "IKE: liveness checks answered (a retransmission with the same answer), an empty CREATE_CHILD_SA refused with INVALID_SYNTAX, msgid_in recorded" {
	need_peer
	mkstate
	start -S "$S" --sa site --dev et0 --json
	run peer ike liveness:0 again create:1 liveness:2
	assert_success
	# exchange 37 INFORMATIONAL, 36 CREATE_CHILD_SA; flags: response, initiator
	assert_line --index 0 "liveness:0: ike exch 37 flags 0x28 msgid 0 []"
	assert_line --index 1 "again: ike exch 37 flags 0x28 msgid 0 []"
	assert_line --index 2 "create:1: ike exch 36 flags 0x28 msgid 1 [N(7)]"
	assert_line --index 3 "liveness:2: ike exch 37 flags 0x28 msgid 2 []"
	assert_equal "$(kv "$S/site/ike.sa" msgid_in)" 3
	assert_equal "$(kv "$S/site/ike.sa" msgid_out)" 2
	# an old message ID (not the last one) gets nothing
	run peer ike liveness:1
	assert_output "liveness:1: no answer"
	running || fail "esp-tun exited: $(cat "$T/err")"
	stop
	assert_equal "$STATUS" 0
	assert_equal "$(wc -l <"$T/out")" 1
}

@test "IKE: the answer is kept in ike.sa (last_resp) with msgid_in; killed (SIGKILL) and restarted, esp-tun answers the retransmission from it" {
	need_peer
	mkstate
	start -S "$S" --sa site --dev et0 --json
	run peer ike liveness:0
	assert_output "liveness:0: ike exch 37 flags 0x28 msgid 0 []"
	local f=$S/site/ike.sa resp
	resp=$(kv "$f" last_resp)
	# our SPIs, SK first, exchange 37, flags I|R, message ID 0
	[[ $resp == 112233445566778899aabbccddeeff002e20252800000000* ]] || fail "last_resp=$resp"
	assert_equal "$(kv "$f" msgid_in)" 1
	kill -KILL "$PID"
	wait_exit
	start -S "$S" --sa site --dev et0 --json
	# message ID 0 is behind msgid_in: only the kept answer can answer it
	run peer ike liveness:0
	assert_output "liveness:0: ike exch 37 flags 0x28 msgid 0 []"
	run peer ike liveness:1
	assert_output "liveness:1: ike exch 37 flags 0x28 msgid 1 []"
	[[ $(kv "$f" last_resp) == 112233445566778899aabbccddeeff002e20252800000001* ]] || fail "last_resp=$(kv "$f" last_resp)"
	assert_equal "$(kv "$f" msgid_in)" 2
	stop
	assert_equal "$STATUS" 0
}

# no_journal FILE : FILE has no pending_* line
no_journal() { ! grep -q '^pending_' "$1"; }

@test "IKE: a request an earlier program left in the journal (pending_*) goes again first; the Child SA the peer made for it is deleted there; the journal goes" {
	need_peer
	mkstate
	local f=$S/site/ike.sa req
	req=$(peer seal 36 2)
	[ -n "$req" ] || fail "no request sealed"
	setkv "$f" msgid_out 3
	setkv "$f" pending_msgid 2
	setkv "$f" pending_what child
	setkv "$f" pending_spi 0xabcdef01
	setkv "$f" pending_req "$req"
	peer_serve 5 2
	start -S "$S" --sa site --dev et0 --json
	until_true 5 no_journal "$f" || fail "the journal stays: $(grep '^pending_' "$f")"
	peer_done
	run cat "$T/peer"
	assert_line --index 1 "ike exch 36 flags 0x08 msgid 2 []"
	assert_line --index 2 "ike exch 37 flags 0x08 msgid 3 [D(3,0xabcdef01)]"
	assert_equal "${#lines[@]}" 3
	assert_equal "$(kv "$f" msgid_out)" 4
	running || fail "esp-tun exited: $(cat "$T/err")"
	stop
	assert_equal "$STATUS" 0
}

@test "--dpd-delay: the liveness check is journaled in ike.sa before it leaves, sent again, and the journal goes with its answer" {
	need_peer
	mkstate
	local f=$S/site/ike.sa req
	peer_recv 3 1
	start -S "$S" --sa site --dev et0 --json --dpd-delay 1 --dpd-timeout 20
	peer_done
	run cat "$T/peer"
	assert_line --index 1 "ike exch 37 flags 0x08 msgid 2 []"
	assert_equal "$(kv "$f" pending_msgid)" 2
	assert_equal "$(kv "$f" pending_what)" check
	assert_equal "$(kv "$f" msgid_out)" 3
	req=$(kv "$f" pending_req)
	[[ $req == 112233445566778899aabbccddeeff002e20250800000002* ]] || fail "pending_req=$req"
	# the retransmissions: the same request, now answered
	peer_serve 10 1
	until_true 10 no_journal "$f" || fail "the journal stays: $(grep '^pending_' "$f")"
	peer_done
	run cat "$T/peer"
	assert_line --index 1 "ike exch 37 flags 0x08 msgid 2 []"
	assert_equal "$(kv "$f" msgid_out)" 3
	running || fail "esp-tun exited: $(cat "$T/err")"
	stop
	assert_equal "$STATUS" 0
}

@test "IKE: the peer's Delete of the IKE SA: an empty answer, a deleted event, exit 0, the SA gone from the state dir" {
	need_peer
	mkstate
	start -S "$S" --sa site --dev et0 --json --stats-interval 3600
	run peer ike delete-ike:0
	assert_output "delete-ike:0: ike exch 37 flags 0x28 msgid 0 []"
	wait_exit
	assert_equal "$STATUS" 0
	run cat "$T/out"
	assert_line --index 1 '{"event":"deleted","name":"site"}'
	assert_equal "${#lines[@]}" 2
	[ ! -e "$S/site" ] || fail "the SA is still there: $(ls -A "$S/site")"
	run ls -A "$S"
	assert_output ""
	# in text, on stderr
	mkstate
	start -S "$S" --sa site --dev et0 --stats-interval 3600
	run peer ike delete-ike:0
	wait_exit
	assert_equal "$STATUS" 0
	assert_equal "$(cat "$T/err")" "esp-tun: site: up on et0 (1 Child SA)
esp-tun: site: IKE SA deleted"
}

@test "IKE: a Delete right after a liveness check gives one deleted event" {
	need_peer
	mkstate
	start -S "$S" --sa site --dev et0 --json
	run peer ike liveness:0 delete-ike:1
	wait_exit
	assert_equal "$STATUS" 0
	assert_equal "$(grep -c '"event":"deleted"' "$T/out")" 1
}

@test "IKE: the peer's Delete of the Child SA: our SPI deleted in the answer, a deleted-child event, its files gone; no Child SA left: exit 0" {
	need_peer
	mkstate
	start -S "$S" --sa site --dev et0 --json
	run peer ike delete-child:0
	assert_output "delete-child:0: ike exch 37 flags 0x28 msgid 0 [D(3,0xc0ffee01)]"
	wait_exit
	assert_equal "$STATUS" 0
	run cat "$T/out"
	assert_line --index 1 '{"event":"deleted-child","name":"site","child":"net"}'
	assert_equal "${#lines[@]}" 2
	# the IKE SA stays, with the message ID used
	[ -e "$S/site/ike.sa" ]
	[ ! -e "$S/site/child.net.sa" ]
	[ ! -e "$S/site/child.net.stats" ]
	assert_equal "$(kv "$S/site/ike.sa" msgid_in)" 1
}

@test "following the state dir: a new Child SA file is carried, SIGHUP, a removed one dropped, the last one gone: exit 0" {
	need_net
	mkstate
	start -S "$S" --sa site --dev et0 --json
	mkchild site two 0xc0ffee02
	# carried: its counters are written (sequence numbers reserved)
	until_true 5 test -e "$S/site/child.two.stats" || fail "child.two not carried"
	assert_equal "$(kv "$S/site/child.two.stats" spi_in)" 0xc0ffee02
	rm "$S/site/child.net.sa"
	sleep 0.5
	running || fail "esp-tun exited with a Child SA left: $(cat "$T/err")"
	# SIGHUP looks again (nothing changed: it keeps running)
	kill -HUP "$PID"
	sleep 0.3
	running || fail "SIGHUP stopped it"
	rm "$S/site/child.two.sa"
	wait_exit 5
	assert_equal "$STATUS" 0
	# no event for that
	assert_equal "$(wc -l <"$T/out")" 1
}

@test "following the state dir: the SA leaving it is a deleted event and exit 0" {
	need_net
	mkstate
	start -S "$S" --sa site --dev et0 --json
	# as the programs remove an SA: renamed out of sight first
	mv "$S/site" "$S/.del.site"
	wait_exit 5
	assert_equal "$STATUS" 0
	run cat "$T/out"
	assert_line --index 1 '{"event":"deleted","name":"site"}'
	mv "$S/.del.site" "$S/site"
	start -S "$S" --sa site --dev et0
	rm "$S/site/ike.sa"
	wait_exit 5
	assert_equal "$STATUS" 0
	[[ $(cat "$T/err") == *"esp-tun: site: IKE SA deleted" ]] || fail "stderr: $(cat "$T/err")"
}

@test "lifetimes: soft-expired, then expired events; past the hard limit nothing is sent (drop_expired)" {
	need_net
	mkstate
	setkv "$S/site/child.net.sa" lifetime_packets 3
	setkv "$S/site/child.net.sa" soft_packets 1
	start -S "$S" --sa site --dev et0 --addr 10.1.0.5 --json
	send_udp 10.2.0.1
	until_true 5 grep -q soft-expired "$T/out" || fail "no soft-expired event: $(cat "$T/out")"
	send_udp 10.2.0.1
	send_udp 10.2.0.1
	until_true 5 grep -q '"event":"expired"' "$T/out" || fail "no expired event: $(cat "$T/out")"
	send_udp 10.2.0.1
	sleep 0.3
	running || fail "esp-tun exited: $(cat "$T/err")"
	stop
	assert_equal "$STATUS" 0
	run cat "$T/out"
	assert_line --index 1 '{"event":"soft-expired","name":"site","child":"net"}'
	assert_line --index 2 '{"event":"expired","name":"site","child":"net"}'
	assert_equal "$(kv "$S/site/child.net.stats" out_packets)" 3
	assert_equal "$(kv "$S/site/child.net.stats" drop_expired)" 1
	assert_equal "$(kv "$S/site/child.net.stats" expired)" hard
}

@test "a second esp-tun for the same SA is refused (exit 5), so no sequence number is sent twice with one key" {
	need_net
	mkstate
	start -S "$S" --sa site --dev et0 --addr 10.1.0.5
	run --separate-stderr ip netns exec "$NS" "$E" -S "$S" --sa site --dev et1 --addr 10.1.0.6 </dev/null
	assert_failure 5
	assert_equal "$stderr" "esp-tun: site: another esp-tun carries this SA"
	# the first one still runs and keeps its reservation
	kill -0 "$PID"
	stop
	assert_equal "$STATUS" 0
	assert_equal "$(kv "$S/site/child.net.stats" seq_out)" 1048576
}
