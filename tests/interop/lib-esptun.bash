# shellcheck shell=bash
# lib-esptun.bash: esp-tun (the userspace ESP data path over a TUN device) in
# the interop namespaces of lib.bash.  Source it after lib-initiate.bash
# (charon responder on the right, ike-initiate on the left) or
# lib-respond.bash (ike-respond on the right), which bring lib.bash; it
# changes neither.  Bash only:
#
#   . tests/interop/lib-initiate.bash; . tests/interop/lib-esptun.bash
#   ikx_init; ikx_responder_up; ike-initiate ... -S DIR --name site-b
#   esptun_start L left -S DIR --sa site-b --json   # waits for its "up" event
#   esptun_ping left 3; esptun_ping right 3         # through the tunnel, all answered
#   esptun_xfer left right 4194304                  # TCP, sha256 at both ends
#   esptun_sum DIR site-b in_packets                # esp-tun --stats --json
#   esptun_stop L; echo "$ESPTUN_STATUS"            # TERM, bounded wait, exit status
#   esptun_down; ikx_down                           # teardown: everything, by pid
#
# Every process started here is recorded as IKX_RUN/esptun/ID.pid (its pid),
# ID.comm (the name /proc/PID/comm must show before it is signalled) and
# ID.wait (the pid whose `wait` gives its exit status: the same pid, or the
# shell of a pipeline that exec'd into it); esp-tun's stdout and stderr are
# IKX_RUN/esptun/ID.out and ID.err.  esptun_down stops all of them (TERM, 5 s,
# KILL) after checking the name; never by name alone.  Every wait is bounded.
#
# Knobs: ESPTUN (the binary; default IKEKIT_BIN/esp-tun), IKX_PY (python3),
# IKX_TCPXFER (tests/tools/tcpxfer.py).

ESPTUN=${ESPTUN:-${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}/esp-tun}
IKX_TCPXFER=${IKX_TCPXFER:-$IKEKIT_TOP/tests/tools/tcpxfer.py}
# the interpreter itself rather than a wrapper script (pyenv's shim), so
# that the pid recorded is python's and its comm is known
IKX_PY=${IKX_PY:-$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo python3)}

esptun_dir() { printf '%s/esptun' "$IKX_RUN"; }

# esptun_comm PATH : the name /proc/PID/comm shows for a program run as PATH
esptun_comm() { local b=${1##*/}; printf '%s' "${b:0:15}"; }

# esptun_record ID PID COMM [WAITPID] : remember a process (see above)
esptun_record() {
	local d; d=$(esptun_dir)
	mkdir -p "$d" || return 1
	echo "$2" >"$d/$1.pid" && echo "$3" >"$d/$1.comm" && echo "${4:-$2}" >"$d/$1.wait"
}

esptun_pid() { cat "$(esptun_dir)/$1.pid" 2>/dev/null; }

# esptun_running ID : the recorded process runs (named as recorded, not a zombie)
esptun_running() {
	local d pid; d=$(esptun_dir)
	pid=$(esptun_pid "$1")
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$(cat "$d/$1.comm" 2>/dev/null)" ] &&
		! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
}

# esptun__up_event ID : esp-tun has printed its "up" event: the JSON line on
# stdout (--json) or "esp-tun: SA: up on DEV (N Child SA)" on stderr
esptun__up_event() {
	local d; d=$(esptun_dir)
	jq -Rne '[inputs | fromjson? | select(type == "object" and .event == "up")] | length > 0' \
		<"$d/$1.out" >/dev/null 2>&1 ||
		grep -qE '^esp-tun: [^ ]+: up on [^ ]+ ' "$d/$1.err" 2>/dev/null
}

# esptun_wait_up ID [SECS] : wait (10 s) for the up event of esp-tun ID
esptun_wait_up() {
	local id=$1 end d
	d=$(esptun_dir)
	end=$((SECONDS + ${2:-10}))
	until esptun__up_event "$id"; do
		if ! esptun_running "$id"; then
			sleep 0.2   # its last words
			esptun__up_event "$id" && return 0
			cat "$d/$id.out" "$d/$id.err" >&2 2>/dev/null
			ikx_fail "esp-tun ($id) exited before its up event"; return 1
		fi
		if [ $SECONDS -ge "$end" ]; then
			cat "$d/$id.out" "$d/$id.err" >&2 2>/dev/null
			ikx_fail "esp-tun ($id): no up event within ${2:-10} s"; return 1
		fi
		sleep 0.05
	done
}

# esptun_start ID SIDE ARGS... : esp-tun ARGS in SIDE's namespace, in the
# background; waits for its up event
esptun_start() {
	local id=$1 side=$2 d pid; shift 2
	d=$(esptun_dir)
	mkdir -p "$d" || return 1
	ip netns exec "$(ikx_var NS "$side")" "$ESPTUN" "$@" </dev/null >"$d/$id.out" 2>"$d/$id.err" &
	pid=$!
	esptun_record "$id" "$pid" esp-tun || return 1
	echo "$side" >"$d/$id.side"
	if ! ikx_wait_exec "$pid" esp-tun; then
		sleep 0.1
		cat "$d/$id.out" "$d/$id.err" >&2 2>/dev/null
		ikx_fail "esp-tun ($id) did not start"; return 1
	fi
	esptun_wait_up "$id"
}

# esptun_start_pipe ID SIDE INITIATE-ARGS... -- ESPTUN-ARGS... : the pipeline
# `ike-initiate INITIATE-ARGS | esp-tun ESPTUN-ARGS` in SIDE's namespace, in
# the background (ike-initiate's stdout is esp-tun's stdin; its stderr goes to
# ID.ike.err); records esp-tun (ID, waited for through the pipeline's shell)
# and ike-initiate (ID-ike); waits for esp-tun's up event
esptun_start_pipe() {
	local id=$1 side=$2 d wpid n=0 a i; shift 2
	d=$(esptun_dir)
	mkdir -p "$d" || return 1
	for a in "$@"; do [ "$a" = -- ] && break; n=$((n + 1)); done
	[ $n -lt $# ] || { ikx_fail "esptun_start_pipe: no -- between the two commands"; return 1; }
	rm -f "$d/$id.pid" "$d/$id-ike.pid"
	# each side of the pipe writes its pid, then execs: the pids are the
	# programs'; the shell's exit status is esp-tun's (the last command)
	# shellcheck disable=SC2016 # expanded by that shell
	ip netns exec "$(ikx_var NS "$side")" bash -c '
		d=$1 id=$2 n=$3 ike=$4; shift 4
		{ echo $BASHPID >"$d/$id-ike.pid.new"; exec "${@:1:n}" 2>"$d/$id.ike.err"; } |
			{ echo $BASHPID >"$d/$id.pid.new"; exec "${@:n+2}"; }
	' sh "$d" "$id" "$n" ike "$@" </dev/null >"$d/$id.out" 2>"$d/$id.err" &
	wpid=$!
	echo "$wpid" >"$d/$id.wait"
	i=0
	until [ -s "$d/$id.pid.new" ] && [ -s "$d/$id-ike.pid.new" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || { ikx_fail "pipeline ($id) did not start"; return 1; }
		sleep 0.02
	done
	esptun_record "$id" "$(cat "$d/$id.pid.new")" esp-tun "$wpid" &&
		esptun_record "$id-ike" "$(cat "$d/$id-ike.pid.new")" ike-initiate || return 1
	echo "$side" >"$d/$id.side"
	ikx_wait_exec "$(esptun_pid "$id")" esp-tun ||
		{ cat "$d/$id.err" >&2; ikx_fail "esp-tun ($id) did not start"; return 1; }
	# ike-initiate has up to its --timeout to set up the SA
	esptun_wait_up "$id" 20
}

# esptun_dev ID : the TUN device named in the up event
esptun_dev() {
	local d; d=$(esptun_dir)
	{
		jq -Rr 'fromjson? | select(type == "object" and .event == "up") | .dev' <"$d/$1.out" 2>/dev/null
		sed -nE 's/^esp-tun: [^ ]+: up on ([^ ]+) .*/\1/p' "$d/$1.err" 2>/dev/null
	} | head -n 1
}

# esptun_events ID : esp-tun's --json event lines (stdout), compact, one a line
esptun_events() { jq -Rc 'fromjson? | select(type == "object" and has("event"))' <"$(esptun_dir)/$1.out" 2>/dev/null; }

# esptun_wait_exit ID [SECS] : wait (10 s) for esp-tun ID to exit, and for
# the pipeline that holds it if any; sets ESPTUN_STATUS to its exit status;
# fails (without waiting longer) if either still runs
esptun_wait_exit() {
	local id=$1 end wpid d
	d=$(esptun_dir)
	end=$((SECONDS + ${2:-10}))
	wpid=$(cat "$d/$id.wait" 2>/dev/null)
	while esptun_running "$id" ||
		{ [ -n "$wpid" ] && kill -0 "$wpid" 2>/dev/null &&
			! grep -q '^State:[[:space:]]*Z' "/proc/$wpid/status" 2>/dev/null; }; do
		[ $SECONDS -lt "$end" ] || { ikx_fail "esp-tun ($id) still runs after ${2:-10} s"; return 1; }
		sleep 0.05
	done
	ESPTUN_STATUS=0
	wait "$wpid" 2>/dev/null || ESPTUN_STATUS=$?
	# (127: not our child: status unknown)
	export ESPTUN_STATUS
}

# esptun_stop ID [SECS] : TERM to esp-tun ID (by pid, name checked), then
# esptun_wait_exit (5 s); ESPTUN_STATUS is its exit status
esptun_stop() {
	local id=$1 pid
	esptun_running "$id" || { ikx_fail "esp-tun ($id) is not running"; return 1; }
	pid=$(esptun_pid "$id")
	kill -TERM "$pid" 2>/dev/null
	esptun_wait_exit "$id" "${2:-5}"
}

# esptun_down : stop every process recorded here (teardown; before ikx_down)
esptun_down() {
	[ -n "${IKX_RUN:-}" ] && [ -d "$(esptun_dir)" ] || return 0
	local f
	for f in "$(esptun_dir)"/*.pid; do
		[ -f "$f" ] || continue
		ikx_stop "$f" "$(cat "${f%.pid}.comm" 2>/dev/null)"
	done
	return 0
}

# --- counters -----------------------------------------------------------------

# esptun_stats DIR SA : `esp-tun -S DIR --stats --sa SA --json`, one JSON
# object per Child SA
esptun_stats() { timeout 10 "$ESPTUN" -S "$1" --stats --sa "$2" --json; }

# esptun_sum DIR SA FIELD : FIELD summed over the Child SAs of SA
esptun_sum() {
	local out
	out=$(esptun_stats "$1" "$2") || { ikx_fail "esp-tun --stats failed for $2"; return 1; }
	jq -rs --arg f "$3" '[.[] | .[$f] // 0] | add // 0' <<<"$out"
}

# esptun_field_is DIR SA FIELD VALUE : true when esptun_sum is VALUE
esptun_field_is() { [ "$(esptun_sum "$1" "$2" "$3" 2>/dev/null)" = "$4" ]; }
# esptun_field_ge DIR SA FIELD VALUE : true when esptun_sum is at least VALUE
esptun_field_ge() {
	local v; v=$(esptun_sum "$1" "$2" "$3" 2>/dev/null)
	case $v in '' | *[!0-9]*) return 1 ;; esac
	[ "$v" -ge "$4" ]
}

# esptun_swan_child SIDE : per INSTALLED CHILD SA of SIDE's charon, one line
# "IN-SPI IN-BYTES IN-PACKETS OUT-SPI OUT-BYTES OUT-PACKETS" (SPIs as 8 hex
# digits; swanctl: "    in  9df98307,    252 bytes,     3 packets,     1s ago")
esptun_swan_child() {
	ikx_sw "$1" --list-sas 2>/dev/null | awk '
		/^  [^ ]+: #[0-9]+, .*INSTALLED/ { on = 1; next }
		/^  [^ ]/ { on = 0 }
		on && $1 == "in"  { s = $2; sub(/,$/, "", s); i = s " " ($3 + 0) " " ($5 + 0) }
		on && $1 == "out" { s = $2; sub(/,$/, "", s); print i, s, $3 + 0, $5 + 0; on = 0 }'
}

# esptun_rx_drops SIDE : datagrams the kernel of SIDE's namespace dropped
# because a socket's receive buffer was full: UDP (RcvbufErrors, IPv4 and
# IPv6) and raw IP sockets (the drops column of /proc/net/raw and raw6).
# (charon's kernel-libipsec reads its UDP socket more slowly than esp-tun
# sends under bulk TCP: those packets never reach charon's counters.)
esptun_rx_drops() {
	ikx_in "$1" cat /proc/net/snmp /proc/net/snmp6 /proc/net/raw /proc/net/raw6 2>/dev/null | awk '
		$1 == "Udp:" && !c { for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") c = i; next }
		$1 == "Udp:" && c { n += $c; next }
		$1 == "Udp6RcvbufErrors" { n += $2; next }
		$1 ~ /^[0-9]+:$/ && NF >= 13 { n += $NF }
		END { print n + 0 }'
}

# esptun_hex8 SPI : "0xA1B2..." or "a1b2c3d4" as 8 lower-case hex digits
esptun_hex8() {
	local s=${1#0x}; s=${s#0X}
	case $s in '' | *[!0-9a-fA-F]*) printf 'bad-spi(%s)' "$1"; return 1 ;; esac
	printf '%08x' "$((16#$s))"
}

# --- traffic --------------------------------------------------------------------

# esptun_ping SIDE [COUNT] : COUNT (3) pings from SIDE's inner host to the
# other side's, through the tunnel; every one must be answered
esptun_ping() {
	local side=$1 n=${2:-3} other out
	other=$(ikx_other "$side")
	out="$(esptun_dir)/ping-$side.out"
	mkdir -p "$(esptun_dir)"
	ikx_in "$side" timeout 20 ping -c "$n" -i 0.2 -W 2 -I "$(ikx_var HOST "$side")" \
		"$(ikx_var HOST "$other")" >"$out" 2>&1
	if ! grep -q "^$n packets transmitted, $n received" "$out"; then
		cat "$out" >&2
		ikx_fail "ping $(ikx_var HOST "$side") -> $(ikx_var HOST "$other"): not all $n answered through the tunnel"
		return 1
	fi
}

# esptun_xfer FROM TO BYTES [PORT] : TCP from FROM's inner host to TO's
# (tcpxfer.py, port 5001), BYTES pseudo-random bytes; both ends must report
# the same count (BYTES) and SHA-256.  At most 60 s (+10).
esptun_xfer() {
	local from=$1 to=$2 bytes=$3 port=${4:-5001} d tag rdy rpid sent got i=0
	d=$(esptun_dir)
	mkdir -p "$d" || return 1
	tag=xfer-$from-$to-$port
	rdy=$d/$tag.ready
	rm -f "$rdy"
	ip netns exec "$(ikx_var NS "$to")" "$IKX_PY" "$IKX_TCPXFER" recv "$(ikx_var HOST "$to")" \
		"$port" --timeout 60 --ready "$rdy" </dev/null >"$d/$tag.recv" 2>"$d/$tag.recv.err" &
	rpid=$!
	esptun_record "$tag" "$rpid" "$(esptun_comm "$IKX_PY")"
	ikx_until 10 test -e "$rdy" || {
		cat "$d/$tag.recv.err" >&2; ikx_fail "tcpxfer recv did not listen within 10 s"; return 1; }
	ikx_in "$from" timeout -k 2 70 "$IKX_PY" "$IKX_TCPXFER" send "$(ikx_var HOST "$to")" "$port" \
		--bind "$(ikx_var HOST "$from")" --bytes "$bytes" --timeout 60 \
		</dev/null >"$d/$tag.send" 2>"$d/$tag.send.err"
	# the receiver has read all once the sender returned; else stop it
	while kill -0 "$rpid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	ikx_stop "$d/$tag.pid" "$(esptun_comm "$IKX_PY")"
	wait "$rpid" 2>/dev/null
	sent=$(cat "$d/$tag.send") got=$(cat "$d/$tag.recv")
	if [ "$sent" != "$got" ] || [ "${sent%% sha256 *}" != "bytes $bytes" ]; then
		cat "$d/$tag.send.err" "$d/$tag.recv.err" >&2
		ikx_fail "TCP $(ikx_var HOST "$from") -> $(ikx_var HOST "$to"): sent '$sent', received '$got' (expected $bytes bytes)"
		return 1
	fi
	ikx_log "TCP $from -> $to: $got"
}

# --- captures -------------------------------------------------------------------

# esptun_capture_start ID SIDE IFACE FILE [FILTER...] : tcpdump on IFACE of
# SIDE's namespace into FILE, until esptun_capture_stop ID
esptun_capture_start() {
	local id=$1 side=$2 ifc=$3 file=$4 i=0; shift 4
	ikx_bg "tcpdump-$id" "$side" tcpdump --immediate-mode -U -n -s 0 -i "$ifc" -w "$file" "$@" ||
		{ cat "$IKX_RUN/tcpdump-$id.out" >&2; ikx_fail "tcpdump ($id) did not start"; return 1; }
	until grep -q 'listening on' "$IKX_RUN/tcpdump-$id.out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! ikx_alive "$IKX_RUN/pids/tcpdump-$id.pid" tcpdump; then
			cat "$IKX_RUN/tcpdump-$id.out" >&2
			ikx_fail "tcpdump ($id) not listening after 5 s"; return 1
		fi
		sleep 0.05
	done
}

# esptun_capture_stop ID : let the last packets be written, stop tcpdump
esptun_capture_stop() {
	sleep 0.5
	ikx_stop "$IKX_RUN/pids/tcpdump-$1.pid" tcpdump
}

# esptun_pcap_count FILE [FILTER...] : the number of packets in FILE
esptun_pcap_count() {
	local f=$1; shift
	tcpdump -r "$f" -n "$@" 2>/dev/null | wc -l
}

# --- hostile input --------------------------------------------------------------

# esptun_inject SIDE PCAP [--src A] [--dst A] [--seq-add N] [--flip-icv]
#     [--spi-xor X] [--truncate N] [--max N] : from SIDE's namespace, send
# again the ESP packets of PCAP (IPv4; ESP in UDP on port 4500 or IP protocol
# 50) from --src to --dst, with the same addresses and UDP ports, through raw
# sockets (so no socket is bound to the port of the esp-tun that sent them).
# Changes: --seq-add N: sequence numbers become (highest of the selection) +
# N + i (i = 0, 1, ...: past every one received); --flip-icv: one bit of the
# last 16 bytes (the ICV) flipped; --spi-xor X: SPI xor X; --truncate N: only
# the first N bytes of each ESP packet; --max N: only the first N packets.
# Prints one line per packet sent ("udp|esp SPI SEQ LEN") and "sent N"; exit
# 1 if none matched.
esptun_inject() {
	local side=$1; shift
	ikx_in "$side" "$IKX_PY" - "$@" <<'PY'
import argparse, socket, struct, sys, time

p = argparse.ArgumentParser(prog="esptun_inject")
p.add_argument("pcap")
p.add_argument("--src")
p.add_argument("--dst")
p.add_argument("--seq-add", type=int)
p.add_argument("--flip-icv", action="store_true")
p.add_argument("--spi-xor", type=lambda s: int(s, 0), default=0)
p.add_argument("--max", type=int, default=0)
p.add_argument("--truncate", type=int, default=0)
a = p.parse_args()

def frames(path):
    data = open(path, "rb").read()
    m = data[:4]
    if m in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif m in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit("esptun_inject: %s: not a pcap file" % path)
    lt = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        f = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if lt == 1:                      # Ethernet
            et, l3 = struct.unpack("!H", f[12:14])[0], f[14:]
            if et == 0x8100:
                et, l3 = struct.unpack("!H", f[16:18])[0], f[18:]
        elif lt == 113:                  # Linux cooked
            et, l3 = struct.unpack("!H", f[14:16])[0], f[16:]
        elif lt in (12, 101):            # raw IP
            et, l3 = 0x0800, f
        else:
            sys.exit("esptun_inject: link type %d not handled" % lt)
        if et == 0x0800 and l3 and l3[0] >> 4 == 4:
            yield l3

sel = []
for ip in frames(a.pcap):
    ihl, tot, proto = (ip[0] & 15) * 4, struct.unpack("!H", ip[2:4])[0], ip[9]
    src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
    if (a.src and src != a.src) or (a.dst and dst != a.dst):
        continue
    if struct.unpack("!H", ip[6:8])[0] & 0x3FFF:
        continue                         # a fragment
    pl = ip[ihl:tot]
    if proto == 17 and len(pl) >= 8:
        sp, dp = struct.unpack("!HH", pl[:4])
        esp = pl[8:]
        # ESP in UDP: not a keepalive (0xff), not IKE (non-ESP marker 0)
        if 4500 in (sp, dp) and len(esp) >= 8 and esp[:4] != b"\0\0\0\0":
            sel.append(("udp", dst, sp, dp, bytearray(esp)))
    elif proto == 50 and len(pl) >= 8:
        sel.append(("esp", dst, 0, 0, bytearray(pl)))
if a.max:
    sel = sel[:a.max]
if not sel:
    sys.exit("esptun_inject: no ESP packet in %s matches" % a.pcap)
top = max(struct.unpack("!I", s[4][4:8])[0] for s in sel)
raw = {}
for i, (kind, dst, sp, dp, esp) in enumerate(sel):
    if a.spi_xor:
        spi = struct.unpack("!I", esp[:4])[0] ^ a.spi_xor
        esp[:4] = struct.pack("!I", spi)
    if a.seq_add is not None:
        esp[4:8] = struct.pack("!I", (top + a.seq_add + i) & 0xFFFFFFFF)
    if a.flip_icv:
        esp[len(esp) - 1 - (i % 16)] ^= 0x80
    if a.truncate:
        del esp[a.truncate:]
    if kind == "udp":
        s = raw.setdefault(kind, socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP))
        # checksum 0: none (IPv4)
        s.sendto(struct.pack("!HHHH", sp, dp, 8 + len(esp), 0) + bytes(esp), (dst, 0))
    else:
        s = raw.setdefault(kind, socket.socket(socket.AF_INET, socket.SOCK_RAW, 50))
        s.sendto(bytes(esp), (dst, 0))
    print("%s 0x%08x %d %d" % (kind, struct.unpack("!I", esp[:4])[0],
                               struct.unpack("!I", esp[4:8])[0], len(esp)))
    time.sleep(0.01)
print("sent %d" % len(sel))
PY
}
