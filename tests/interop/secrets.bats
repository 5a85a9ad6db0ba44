#!/usr/bin/env bats
# secrets.bats: the toolkit keeps its secrets.  One real run of every
# program, each with -v and --json where it has them, all output kept:
#
#   1. ike-initiate -> strongSwan (responder): once with --stay (SIGTERM ends
#      it), once as `ike-initiate | esp-tun`, pings through the tunnel,
#      esp-tun --stats (text and --json), two ike-rekey through the running
#      esp-tun, then ike-rekey --delete --ike; ike-decode -i on the veth all
#      along;
#   2. strongSwan (initiator) -> ike-respond, esp-tun on that SA, pings,
#      ike-rekey;
#   3. ike-decode of the captures (--pcap of each program, and the wire)
#      without keys and with them (--keys of the --keys-out files, -S of the
#      state dirs), text, -v, -vvv (the library's debug lines), --json.
#
# While they run, a sampler copies /proc/PID/cmdline and /proc/PID/environ of
# every ikekit program in the test's namespaces (every 50 ms; ike-rekey,
# short-lived, is made to wait 2 s for the SA's lock, which the test holds).
# The state dirs and --keys-out dirs are listed (modes) and copied after each
# step.  Checked afterwards:
#   - modes: every directory of the state dirs and --keys-out dirs is 0700
#     and every file 0600 (ike.sa, child.*.sa, child.*.stats, the
#     Wireshark key files, one of which was there before as 0644 with other
#     contents); esp-tun's socket no group or other write (connect) bit;
#   - every secret read back from those copies (ike.sa sk_d, sk_ai, sk_ar,
#     sk_ei, sk_er, sk_pi, sk_pr, pending_dh_priv; child.*.sa key_in_e/a, key_out_e/a: see
#     ike-state(5)) and the PSK: as raw bytes and as hexadecimal (either
#     case, plain or with ':' or ' ' between bytes), whole or any 8 bytes of
#     it, in no program's stdout, stderr or JSON, in no capture, and in no
#     sampled cmdline or environ (each program sampled at least once); a
#     control first: the search finds them in a state file, in upper-case
#     hex with colons, and a 12-byte piece of the PSK in a line of text;
#     strongSwan's own log, which we set to print keys, is not looked at;
#   - ike-initiate, ike-decode, ike-rekey and esp-tun mark themselves not
#     dumpable (PR_SET_DUMPABLE 0: no core file): run as nobody, blocked
#     opening a FIFO given as their key file or reading SA names from one
#     (`-`), their /proc/PID/environ belongs to root (a plain `sleep` as
#     nobody, the control, owns its own).
#
#   ns ikx-ID-l: ike-initiate, esp-tun, ike-rekey,   ns ikx-ID-r: charon (1),
#                ike-decode -i; charon (2)                ike-respond, esp-tun (2)
#   192.0.2.1, inner 10.91.1.1                        192.0.2.2, inner 10.91.2.1

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

PROGS='ike-initiate ike-respond ike-rekey esp-tun ike-decode'

# ---- the run (setup_file) ---------------------------------------------------

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan)"
	export SEC_W=$BATS_FILE_TMPDIR/w
	mkdir -p "$SEC_W"/out "$SEC_W"/proc "$SEC_W"/snap
	if ! (sec_run) >"$SEC_W/run.log" 2>&1; then
		sec_artifacts
		echo "# the run failed; its log:" >&3
		sed 's/^/#   /' "$SEC_W/run.log" >&3
		return 1
	fi
}

teardown_file() {
	[ ! -e "$BATS_FILE_TMPDIR/failed" ] || sec_artifacts
}

# sec_artifacts : keep the run's files (no keys of any real peer: lab SAs)
sec_artifacts() {
	local dst=${IKEKIT_ARTIFACTS:-${IKEKIT_TOP:-$BATS_TEST_DIRNAME/../..}/artifacts}/secrets
	rm -rf "$dst"
	mkdir -p "$dst" && cp -a "$SEC_W"/. "$dst"/ 2>/dev/null && echo "# artifacts: $dst" >&3
}

# sec_run : the whole session, in a subshell of its own (its EXIT trap tears
# everything down whatever happens)
sec_run() {
	set -u
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	IKEKIT_BIN=${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}
	I=$IKEKIT_BIN/ike-initiate R=$IKEKIT_BIN/ike-respond K=$IKEKIT_BIN/ike-rekey
	D=$IKEKIT_BIN/ike-decode
	local p
	for p in $PROGS; do
		[ -x "$IKEKIT_BIN/$p" ] || { echo "$p not built in $IKEKIT_BIN" >&2; return 1; }
	done
	W=$SEC_W O=$SEC_W/out
	# a fresh random PSK each run (no '"': swanctl.conf quotes it); not
	# exported, or every program would have it in its environ
	IKX_PSK=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
	# shellcheck source=tests/interop/lib-initiate.bash
	. "$HERE/lib-initiate.bash"
	# shellcheck source=tests/interop/lib-respond.bash
	. "$HERE/lib-respond.bash"
	# shellcheck source=tests/interop/lib-esptun.bash
	. "$HERE/lib-esptun.bash"
	IKX_PROG=secrets
	ikx_init || return 1
	trap 'sec_down' EXIT
	(umask 077 && printf '%s\n' "$IKX_PSK" >"$W/psk")
	sec_nodump || return 1
	ikx_responder_up || return 1
	sec_sampler_start || return 1
	sec_part_initiate || return 1
	sec_part_respond || return 1
	sec_sampler_stop
	sec_part_decode || return 1
}

sec_down() {
	local f
	set +e		# (the EXIT trap may run with bats' errexit on)
	sec_sampler_stop
	for f in "$IKX_RUN"/sec/*.pid; do
		[ -f "$f" ] && sec_bg_stop "$(basename "$f" .pid)"
	done
	esptun_down
	[ ! -d "$(esptun_dir)" ] || cp -a "$(esptun_dir)" "$W/esptun"
	ikx_respond_stop
	ikx_down
}

# sec_snap TAG : modes and copies of the state and key dirs now
sec_snap() {
	local d
	for d in "$W"/sa "$W"/sb "$W"/keys-*; do
		[ -e "$d" ] || continue
		find "$d" -printf '%m %y %p\n' >>"$W/snap/modes"
		mkdir -p "$W/snap/$1" && cp -a "$d" "$W/snap/$1/" || return 1
	done
}

# sec_bg ID SIDE CMD... : CMD in SIDE's namespace in the background, stdout
# to O/ID.out, stderr to O/ID.err; its pid and name in IKX_RUN/sec/ID.{pid,comm}
sec_bg() {
	local id=$1 side=$2 pid comm; shift 2
	comm=${1##*/}
	mkdir -p "$IKX_RUN/sec"
	ip netns exec "$(ikx_var NS "$side")" "$@" </dev/null >"$O/$id.out" 2>"$O/$id.err" &
	pid=$!
	echo "$pid" >"$IKX_RUN/sec/$id.pid" && echo "$comm" >"$IKX_RUN/sec/$id.comm"
	ikx_wait_exec "$pid" "$comm" || { cat "$O/$id.err" >&2; ikx_fail "$id did not start"; return 1; }
}

# sec_bg_stop ID : TERM (5 s, then KILL), by pid after checking its name
sec_bg_stop() { ikx_stop "$IKX_RUN/sec/$1.pid" "$(cat "$IKX_RUN/sec/$1.comm")"; }

# sec_run_fg ID SIDE CMD... : CMD in SIDE's namespace, bounded, output kept;
# fails if it fails
sec_run_fg() {
	local id=$1 side=$2 rc=0; shift 2
	ikx_in "$side" timeout -k 2 30 "$@" </dev/null >"$O/$id.out" 2>"$O/$id.err" || rc=$?
	[ $rc = 0 ] || { cat "$O/$id.err" >&2; ikx_fail "$id: exit $rc ($*)"; return 1; }
}

# sec_hold_lock DIR : hold the SA's lock (flock of DIR) for 2 s, in the
# background, so that the next ike-rekey waits for it long enough to be
# sampled (it takes the lock first, ike-rekey(8)); returns once it is held
sec_hold_lock() {
	rm -f "$W/held"
	flock -x "$1" sh -c 'touch "$1"; sleep 2' sh "$W/held" &
	ikx_until 5 test -e "$W/held"
}

# ---- /proc sampler ------------------------------------------------------------

# every 50 ms: each new ikekit program in our namespaces (and every 10th
# round the known ones again), its cmdline and environ
# (NULs made newlines) to W/proc/COMM.PID.{cmdline,environ}.  Candidates are
# found by name (pgrep: fast) and kept only if in one of our namespaces.
sec_sampler_start() {
	local nsids
	nsids=" $(for ns in "$IKX_NS_left" "$IKX_NS_right"; do
		ip netns exec "$ns" readlink /proc/self/ns/net
	done | tr '\n' ' ')"
	case $nsids in *"net:["*"net:["*) ;; *) ikx_fail "namespace ids: '$nsids'"; return 1 ;; esac
	: >"$W/proc/.run"
	(
		end=$((SECONDS + 150)) n=0
		re="^($(echo "$PROGS" | tr ' ' '|'))\$"
		while [ -e "$W/proc/.run" ] && [ $SECONDS -lt $end ]; do
			n=$((n + 1))
			for pid in $(pgrep -- "$re"); do
				case $nsids in *" $(readlink "/proc/$pid/ns/net" 2>/dev/null) "*) ;; *) continue ;; esac
				comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
				# a new process at once, the others again every 10th round
				[ ! -e "$W/proc/$comm.$pid.environ" ] || [ $((n % 10)) = 0 ] || continue
				if tr '\0' '\n' <"/proc/$pid/cmdline" >"$W/proc/.c" 2>/dev/null &&
					tr '\0' '\n' <"/proc/$pid/environ" >"$W/proc/.e" 2>/dev/null &&
					[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ] && [ -s "$W/proc/.c" ]; then
					mv "$W/proc/.c" "$W/proc/$comm.$pid.cmdline"
					mv "$W/proc/.e" "$W/proc/$comm.$pid.environ"
				fi
			done
			sleep 0.05
		done
	) &
	echo $! >"$W/proc/.pid"
}

sec_sampler_stop() {
	local pid i=0
	[ -e "$W/proc/.pid" ] || return 0
	rm -f "$W/proc/.run"
	pid=$(cat "$W/proc/.pid")
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	rm -f "$W/proc/.pid" "$W/proc/.c" "$W/proc/.e"
}

# sec_sampled COMM : the sampler has seen COMM (waits up to 3 s)
sec__has() { compgen -G "$W/proc/$1.*.environ" >/dev/null; }
sec_sampled() { ikx_until 3 sec__has "$1" || { ikx_fail "$1 never sampled"; return 1; }; }

# ---- 1. ike-initiate -> strongSwan ----------------------------------------------

sec_part_initiate() {
	local ike=(--peer "$IKX_ADDR_right" --psk-file "$W/psk" --ts "$IKX_NET_left=$IKX_NET_right"
		--ike aes256-sha256-x25519 --esp aes256-sha256 --encap -S "$W/sa" --timeout 8 -v)
	# the wire (for ike-decode later), and ike-decode on it all along: a
	# long-running ike-decode to sample
	ikx_capture_start "$O/wire.pcap" || return 1
	sec_bg decode-live left "$D" -v -i "$IKX_VETH_left" || return 1
	sleep 0.5
	# a key file there before, readable by all, other contents
	mkdir -m 700 "$W/keys-a1" && echo stale >"$W/keys-a1/ikev2_decryption_table" &&
		chmod 644 "$W/keys-a1/ikev2_decryption_table" || return 1

	# --stay: runs until SIGTERM, which sends a Delete
	sec_bg initiate-stay left "$I" "${ike[@]}" --json --stay --name a1 \
		--keys-out "$W/keys-a1" --pcap "$W/out/a1.pcap" || return 1
	ikx_until 15 grep -q '"name":"a1"' "$O/initiate-stay.out" ||
		{ cat "$O/initiate-stay.err" >&2; ikx_fail "ike-initiate --stay: not established"; return 1; }
	sec_sampled ike-initiate || return 1
	sec_snap a1 || return 1
	sec_bg_stop initiate-stay

	# ike-initiate | esp-tun, then traffic, counters, rekeys, the end
	esptun_start_pipe A left "$I" "${ike[@]}" --name a2 --keys-out "$W/keys-a2" \
		--pcap "$W/out/a2.pcap" -- "$ESPTUN" -S "$W/sa" --sa - -v --json || return 1
	sec_sampled esp-tun || return 1
	esptun_ping left 3 || return 1
	sleep 1.2	# the counters are written every second
	sec_snap a2 || return 1
	sec_run_fg stats-a2 left "$ESPTUN" -S "$W/sa" --stats --sa a2 || return 1
	sec_run_fg stats-a2-json left "$ESPTUN" -S "$W/sa" --stats --json || return 1
	sec_hold_lock "$W/sa/a2"
	sec_run_fg rekey-a2-json left "$K" -S "$W/sa" -v --json a2 || return 1
	sec_snap a2-rekey1 || return 1
	sec_run_fg rekey-a2-text left "$K" -S "$W/sa" -v a2 || return 1
	sec_snap a2-rekey2 || return 1
	esptun_ping left 3 || return 1
	sleep 1.2
	sec_snap a2-traffic || return 1
	sec_run_fg stats-a2-after left "$ESPTUN" -S "$W/sa" --stats --json --sa a2 || return 1
	sec_run_fg delete-a2 left "$K" -S "$W/sa" -v --json --delete --ike a2 || return 1
	esptun_wait_exit A 10 || return 1
	ikx_capture_stop
	sec_bg_stop decode-live
	cp "$(esptun_dir)"/A.out "$O/esptun-a2.out" && cp "$(esptun_dir)"/A.err "$O/esptun-a2.err" &&
		cp "$(esptun_dir)"/A.ike.err "$O/initiate-a2.err" || return 1
}

# ---- 2. strongSwan -> ike-respond ------------------------------------------------

sec_part_respond() {
	local name
	ikx_charon_stop right
	ikx_charon_start left && ikx_write_initiator_conf && ikx_load left || return 1
	ikx_respond_start "$R" --local "$IKX_ADDR_right" --psk-file "$W/psk" \
		--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 --ts "$IKX_NET_right" \
		-S "$W/sb" --keys-out "$W/keys-b" --pcap "$O/b.pcap" -v --json || return 1
	sec_sampled ike-respond || return 1
	ikx_sw left --initiate --ike ikx --child net --timeout 10 >"$IKX_RUN/initiate.out" 2>&1 ||
		{ cat "$IKX_RUN/initiate.out" >&2; ikx_fail "charon's initiate failed"; return 1; }
	ikx_until 5 grep -q '"event":"established"' "$IKX_RUN/respond.out" ||
		{ ikx_fail "ike-respond: no established event"; return 1; }
	name=$(jq -r 'select(.event == "established") | .name' "$IKX_RUN/respond.out" | head -n 1)
	[ -f "$W/sb/$name/ike.sa" ] || { ikx_fail "no SA '$name' in $W/sb"; return 1; }
	sec_snap b || return 1
	esptun_start B right -S "$W/sb" --sa "$name" -v --json || return 1
	esptun_ping right 3 || return 1
	sleep 1.2
	sec_snap b-traffic || return 1
	sec_run_fg stats-b right "$ESPTUN" -S "$W/sb" --stats --json --sa "$name" || return 1
	sec_hold_lock "$W/sb/$name"
	sec_run_fg rekey-b right "$K" -S "$W/sb" -v --json "$name" || return 1
	sec_snap b-rekey || return 1
	esptun_ping right 3 || return 1
	esptun_stop B || return 1
	ikx_respond_stop
	cp "$(esptun_dir)"/B.out "$O/esptun-b.out" && cp "$(esptun_dir)"/B.err "$O/esptun-b.err" &&
		cp "$IKX_RUN/respond.out" "$O/respond.out" && cp "$IKX_RUN/respond.err" "$O/respond.err" &&
		sec_snap end
}

# ---- 3. ike-decode of the captures ---------------------------------------------------

sec_part_decode() {
	local f n=0 args
	for f in "$O"/a1.pcap "$O"/b.pcap "$O"/wire.pcap; do
		n=$((n + 1))
		for args in "" "-v" "-vvv" "--json" "--json -vv"; do
			# shellcheck disable=SC2086 # args: options, split on purpose
			sec_decode "nokeys-$n${args// /}" $args "$f" || return 1
		done
	done
	# with the keys: the decrypted payloads (IKE and ESP), never the keys
	for args in "-vvv" "--json -vv"; do
		# shellcheck disable=SC2086 # args: options, split on purpose
		sec_decode "keys${args// /}" $args --keys "$W/keys-a1" "$O/a1.pcap" &&
			sec_decode "S-b${args// /}" $args -S "$W/snap/b-traffic/sb" --decrypt "$O/b.pcap" &&
			sec_decode "S-wire${args// /}" $args -S "$W/snap/a2-traffic/sa" --decrypt "$O/wire.pcap" ||
			return 1
	done
	grep -q '"decrypted":true' "$O/decode-keys--json-vv.out" ||
		{ ikx_fail "ike-decode --keys decrypted nothing"; return 1; }
	grep -q '"decrypted":true' "$O/decode-S-wire--json-vv.out" ||
		{ ikx_fail "ike-decode -S decrypted nothing of the wire"; return 1; }
}

# sec_decode ID ARGS... : ike-decode ARGS, bounded, output to O/decode-ID.*
sec_decode() {
	local id=$1 rc=0; shift
	timeout 30 "$D" "$@" >"$O/decode-$id.out" 2>"$O/decode-$id.err" || rc=$?
	[ $rc = 0 ] || { cat "$O/decode-$id.err" >&2; ikx_fail "ike-decode $*: exit $rc"; return 1; }
}

# ---- core dumps --------------------------------------------------------------------

# sec_nodump : ike-initiate and ike-decode as nobody, each blocked in open()
# of a FIFO given as its key file, ike-rekey and esp-tun reading SA names
# from a FIFO we hold open: /proc/PID/environ belongs to root when the
# process is not dumpable; the control (sleep) owns its own
sec_nodump() {
	local d pid owner uid comm names
	d=$(mktemp -d /tmp/ikx-nodump.XXXXXX) || return 1
	chmod 711 "$d" && mkfifo -m 666 "$d/fifo" "$d/names" &&
		install -d -m 700 -o 65534 -g 65534 "$d/s" || { rm -rf "$d"; return 1; }
	exec {names}<>"$d/names"	# read-write: no EOF, no blocking open
	for comm in sleep ike-initiate ike-decode ike-rekey esp-tun; do
		case $comm in
		sleep) setpriv --reuid=65534 --regid=65534 --clear-groups sleep 10 & ;;
		ike-initiate) setpriv --reuid=65534 --regid=65534 --clear-groups "$I" \
			--peer 192.0.2.2 --psk-file "$d/fifo" --ts 10.0.0.0/8=10.0.0.0/8 \
			--ike aes256gcm16-prfsha256-x25519 --esp aes256gcm16 -S "$d/s" \
			</dev/null >/dev/null 2>"$W/out/nodump-$comm.err" & ;;
		ike-decode) setpriv --reuid=65534 --regid=65534 --clear-groups "$D" \
			--ike-keys "$d/fifo" - </dev/null >/dev/null 2>"$W/out/nodump-$comm.err" & ;;
		ike-rekey) setpriv --reuid=65534 --regid=65534 --clear-groups "$K" \
			-S "$d/s" - <&"$names" >/dev/null 2>"$W/out/nodump-$comm.err" & ;;
		esp-tun) setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$IKEKIT_BIN/esp-tun" -S "$d/s" --sa - <&"$names" >/dev/null \
			2>"$W/out/nodump-$comm.err" & ;;
		esac
		pid=$!
		if ikx_wait_exec "$pid" "$comm"; then
			sleep 0.2
			uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
			owner=$(stat -c %u "/proc/$pid/environ")
			echo "$comm uid=$uid environ-owner=$owner" >>"$W/nodump"
		fi
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ] && kill -KILL "$pid"
		wait "$pid" 2>/dev/null
	done
	exec {names}>&-
	rm -rf "$d"
}

# ---- the checks ----------------------------------------------------------------------

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan)"
	W=$SEC_W O=$SEC_W/out
}

teardown() {
	[ -n "${BATS_TEST_COMPLETED:-}" ] || echo failed >"$BATS_FILE_TMPDIR/failed"
}

# secrets : "WHERE NAME HEX" of every key in the snapshots (ike-state(5))
secrets() {
	local f
	for f in "$W"/snap/*/*/*/ike.sa "$W"/snap/*/*/*/child.*.sa; do
		[ -f "$f" ] || continue
		awk -F= -v where="${f#"$W"/snap/}" '
			$1 ~ /^(sk_(d|ai|ar|ei|er|pi|pr)|key_(in|out)_(e|a)|pending_dh_priv)$/ && $2 != "" { print where, $1, $2 }' "$f"
	done | sort -u -k3,3
}

# search_secrets LIST : the secrets (W/secrets, W/psk) found in the files
# named in LIST, one "FILE: what" a line; exit 1 if any.  Every 8-byte window
# of every key and of the PSK is looked for as raw bytes and as hexadecimal
# (any case, plain or with ':' or ' ' between the bytes).
search_secrets() {
	python3 - "$W/secrets" "$W/psk" "$1" <<-'PY'
	import binascii, re, sys
	# every 8-byte window of every key (and of the PSK): raw, and as hex
	# (any case, plain or with ':' or ' ' between the bytes)
	raw, hexs = {}, {}
	def add(key, what):
	    for i in range(len(key) - 7):
	        raw.setdefault(key[i:i + 8], what)
	        hexs.setdefault(key[i:i + 8].hex().encode(), what + " in hex")
	for line in open(sys.argv[1]):
	    where, name, hx = line.split()
	    add(binascii.unhexlify(hx), "%s %s" % (where, name))
	psk = open(sys.argv[2], "rb").read().rstrip(b"\r\n")
	add(psk, "the PSK")
	found = []
	for path in open(sys.argv[3]).read().splitlines():
	    data = open(path, "rb").read()
	    hits = set()
	    for i in range(len(data) - 7):
	        w = raw.get(data[i:i + 8])
	        if w:
	            hits.add(w)
	    for text in (data.lower(), re.sub(rb"(?<=[0-9a-f])[: ](?=[0-9a-f])", b"", data.lower())):
	        for i in range(len(text) - 15):
	            w = hexs.get(text[i:i + 16])
	            if w:
	                hits.add(w)
	    found += ["%s: %s" % (path, w) for w in sorted(hits)]
	print("\n".join(found[:40]))
	print("%d keys' windows, %d files" % (len(raw), len(open(sys.argv[3]).read().splitlines())), file=sys.stderr)
	sys.exit(1 if found else 0)
	PY
}

@test "secrets: state and key dirs are 0700, their files 0600 (also a --keys-out file that was 0644)" {
	[ -s "$W/snap/modes" ] || fail "no listing"
	local bad
	# (esp-tun's socket: connecting takes write permission, so none for
	# group and others)
	bad=$(awk '$2 == "d" && $1 != "700" || $2 == "f" && $1 != "600" ||
		$2 == "s" && $1 !~ /^[67][0145][0145]$/ || $2 !~ /^[dfs]$/' "$W/snap/modes" | sort -u)
	[ -z "$bad" ] || fail "modes: $bad"
	# not vacuous: each kind of file was there
	grep -qE ' f .*/sa/a1/ike\.sa$' "$W/snap/modes" || fail "no ike.sa listed"
	grep -qE ' f .*/sa/a2/child\.[^/]+\.sa$' "$W/snap/modes" || fail "no child.*.sa listed"
	grep -qE ' f .*/sa/a2/child\.[^/]+\.stats$' "$W/snap/modes" || fail "no esp-tun stats file listed"
	grep -qE ' f .*/sb/[^/]+/child\.[^/]+\.stats$' "$W/snap/modes" || fail "no stats file of the responder's SA"
	grep -qE ' d .*/sa$' "$W/snap/modes" || fail "state dir itself not listed"
	for f in keys-a1 keys-a2 keys-b; do
		grep -qE " f .*/$f/ikev2_decryption_table\$" "$W/snap/modes" || fail "$f: no ikev2_decryption_table"
		grep -qE " f .*/$f/esp_sa\$" "$W/snap/modes" || fail "$f: no esp_sa"
	done
	! grep -qx stale "$W/snap/a1/keys-a1/ikev2_decryption_table" || fail "the old key file was kept"
}

@test "secrets: no key byte and not the PSK in any output, JSON, counters, capture or /proc sample" {
	local n_ike n_child
	secrets >"$W/secrets"
	n_ike=$(grep -c ' sk_d ' "$W/secrets")
	n_child=$(grep -c ' key_in_e ' "$W/secrets")
	# a1, a2, b; a2's Child SAs: 1 + 2 rekeys, b's: 1 + 1
	[ "$n_ike" -ge 3 ] || fail "only $n_ike IKE SAs' keys read back: $(cat "$W/secrets")"
	[ "$n_child" -ge 6 ] || fail "only $n_child Child SAs' keys read back"
	# every output kept, and the samples (not strongSwan's log, not the key
	# and state files)
	ls "$O"/*.out "$O"/*.err "$O"/*.pcap "$W"/proc/*.cmdline "$W"/proc/*.environ >"$W/searched"
	# every program sampled (ike-rekey while it waits for the SA's lock)
	for p in $PROGS; do
		grep -q "/$p\\.[0-9]*\\.environ\$" "$W/searched" || fail "$p was never sampled in /proc"
	done
	[ "$(wc -l <"$W/searched")" -ge 40 ] || fail "too few files searched: $(cat "$W/searched")"
	# the control: the search finds what is there
	mkdir -p "$W/control"
	cp "$(ls "$W"/snap/a2-traffic/sa/a2/child.*.sa | head -n 1)" "$W/control/child.sa"
	sed -n 's/^sk_ei=//p' "$W/snap/a2-traffic/sa/a2/ike.sa" | tr a-f A-F | sed 's/../&:/g' >"$W/control/colons"
	{ printf 'log: '; head -c 12 "$W/psk"; echo; } >"$W/control/psk-part"
	ls "$W"/control/* >"$W/control.list"
	run search_secrets "$W/control.list"
	[ "$status" = 1 ] || fail "control: nothing found"
	for f in child.sa colons psk-part; do
		grep -q "^$W/control/$f: " <<<"$output" || fail "control: not found in $f: $output"
	done
	run search_secrets "$W/searched"
	[ "$status" = 0 ] || fail "secrets found: $output"
}

@test "secrets: ike-initiate, ike-decode, ike-rekey and esp-tun are not dumpable (no core file)" {
	[ -s "$W/nodump" ] || fail "no result"
	grep -qx 'sleep uid=65534 environ-owner=65534' "$W/nodump" ||
		fail "control: $(cat "$W/nodump")"
	grep -qx 'ike-initiate uid=65534 environ-owner=0' "$W/nodump" ||
		fail "ike-initiate: $(cat "$W/nodump")"
	grep -qx 'ike-decode uid=65534 environ-owner=0' "$W/nodump" ||
		fail "ike-decode: $(cat "$W/nodump")"
	grep -qx 'ike-rekey uid=65534 environ-owner=0' "$W/nodump" ||
		fail "ike-rekey: $(cat "$W/nodump")"
	grep -qx 'esp-tun uid=65534 environ-owner=0' "$W/nodump" ||
		fail "esp-tun: $(cat "$W/nodump")"
}
