#!/bin/bash
# tests/bench/run.sh: the decode benchmark (`make bench`; see README.md here).
#
# Generates a capture of IKEv2 and ESP-in-UDP traffic with its Wireshark key
# files (build/tools/gen-ike-pcap), then times, each the median of
# BENCH_RUNS runs, output to /dev/null:
#   ike-decode, ike-decode -v, ike-decode --keys, ike-decode --keys -v
#   tshark, tshark -V, tshark with the keys, tshark -V with the keys
# and prints packets/s and the ratios ike-decode / tshark against the goals
# (50x plain, 20x decrypting). Not pass/fail: the exit status is 0 unless a
# tool is missing or a run fails.
#
# A tshark mode whose whole run would take more than TSHARK_BUDGET seconds
# (found by timing prefixes of TSHARK_PROBE, 2 x TSHARK_PROBE, ... packets) is
# timed on a prefix of the same file (tshark -c N), and ike-decode is then
# timed on the same prefix (ike-decode -c N) for that ratio; the table marks
# both. The file mixes its packets evenly (SAs in interleaved groups of 64),
# so a prefix has the same mix of IKE and ESP as the whole.
#
# Knobs (environment): B (build folder, default build), BENCH_SAS (2816 IKE
# SAs), BENCH_ESP (100 ESP packets per SA; 2816 x ~106.5 = ~300k packets),
# BENCH_SEED (1), BENCH_RUNS (3), TSHARK_BUDGET (15 s), TSHARK_PROBE (10000),
# BENCH_KEEP=1 (keep the temporary folder and say where).
set -u
set -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
decode=$B/bin/ike-decode
gen=$B/tools/gen-ike-pcap
sas=${BENCH_SAS:-2816}
esp=${BENCH_ESP:-100}
seed=${BENCH_SEED:-1}
runs=${BENCH_RUNS:-3}
budget=${TSHARK_BUDGET:-15}
probe=${TSHARK_PROBE:-10000}

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$decode" ] || die "$decode: not built (make all)"
[ -x "$gen" ] || die "$gen: not built (make all)"
have_tshark=true
command -v tshark >/dev/null 2>&1 || have_tshark=false

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ikekit-bench.XXXXXX") || die "mktemp failed"
cleanup() {
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pcap=$tmp/bench.pcap keys=$tmp/keys
# Wireshark configuration folders: one empty (no personal preferences), one
# holding the key files and the preference that turns ESP decryption on.
plaincfg=$tmp/ws-plain keycfg=$tmp/ws-keys
mkdir -p "$plaincfg" "$keycfg" || die "mkdir failed"

echo "bench: generating $sas IKE SAs x $esp ESP packets (seed $seed) ..."
gen_out=$("$gen" -n "$sas" -e "$esp" -s "$seed" "$pcap" "$keys") || die "gen-ike-pcap failed"
total=${gen_out%% packets*}
cp "$keys/ikev2_decryption_table" "$keys/esp_sa" "$keycfg/" || die "cp failed"
printf '%s\n' 'esp.enable_encryption_decode: TRUE' \
	'esp.enable_authentication_check: TRUE' >"$keycfg/preferences"

# timed_run CFG CMD... : runs CMD once (WIRESHARK_CONFIG_DIR=CFG, output
# to /dev/null) and prints "WALL CPU" in seconds (CPU = user + sys).
timed_run() {
	local cfg=$1 t rc; shift
	t=$( { TIMEFORMAT='%R %U %S'; time WIRESHARK_CONFIG_DIR=$cfg "$@" >/dev/null 2>"$tmp/stderr"; } 2>&1 )
	rc=$?
	if [ $rc != 0 ]; then
		echo "bench: failed ($rc): $*" >&2
		sed 's/^/bench:   /' "$tmp/stderr" >&2
		return 1
	fi
	awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' <<<"$t"
}

# measure TOOL MODE COUNT CFG CMD... : the median (by wall clock) of $runs
# runs, appended to the results as "TOOL|MODE|COUNT|WALL|CPU".
measure() {
	local tool=$1 mode=$2 count=$3 cfg=$4 i line; shift 4
	: >"$tmp/runs"
	for ((i = 0; i < runs; i++)); do
		line=$(timed_run "$cfg" "$@") || return 1
		echo "$line" >>"$tmp/runs"
	done
	line=$(sort -n "$tmp/runs" | awk -v n="$runs" 'NR == int((n + 1) / 2)')
	printf '%s|%s|%s|%s|%s\n' "$tool" "$mode" "$count" "${line% *}" "${line#* }" >>"$tmp/results"
	printf '  %-10s %-12s %8s packets  %7.3f s\n' "$tool" "$mode" "$count" "${line% *}"
}

# tshark_count CFG ARGS... : how many packets to give tshark in this mode: all
# of them if a whole run fits in $budget seconds, else a prefix that does.
# Runs over $probe, 2 x $probe, ... packets until one takes over a quarter of
# the budget: doubling the count then at most quadruples the time, even when,
# as when decrypting with Wireshark's linear ESP SA lookup, later packets cost
# more than earlier ones.
tshark_count() {
	local cfg=$1 c=$probe line; shift
	while [ "$c" -lt "$total" ]; do
		line=$(timed_run "$cfg" tshark -n -r "$pcap" -c "$c" "$@") || return 1
		if awk -v w="${line% *}" -v b="$budget" 'BEGIN { exit !(w * 4 > b) }'; then
			echo "$c"
			return
		fi
		c=$((c * 2))
	done
	echo "$total"
}

# versus TSHARK-MODE TSHARK-ARGS -- IKE-DECODE-MODE IKE-DECODE-ARGS: times
# tshark in one mode and, if that was on a prefix, ike-decode in the matching
# mode on the same prefix (ike-decode -c N), so the ratio compares the same
# packets.
versus() {
	local tmode=$1 cfg=$plaincfg c; shift
	local -a targs=() iargs=()
	while [ "$1" != -- ]; do targs+=("$1"); shift; done
	shift
	local imode=$1; shift
	iargs=("$@")
	case $tmode in *keys*) cfg=$keycfg ;; esac
	c=$(tshark_count "$cfg" "${targs[@]}") || return 1
	measure tshark "$tmode" "$c" "$cfg" tshark -n -r "$pcap" -c "$c" "${targs[@]}" || return 1
	[ "$c" = "$total" ] ||
		measure ike-decode "$imode" "$c" "$plaincfg" "$decode" -c "$c" "${iargs[@]}" "$pcap"
}

: >"$tmp/results"
echo "bench: $gen_out"
echo "bench: timing, median of $runs runs each"
measure ike-decode summary "$total" "$plaincfg" "$decode" "$pcap" || exit 1
measure ike-decode -v "$total" "$plaincfg" "$decode" -v "$pcap" || exit 1
measure ike-decode --keys "$total" "$plaincfg" "$decode" --keys "$keys" "$pcap" || exit 1
measure ike-decode "--keys -v" "$total" "$plaincfg" "$decode" --keys "$keys" -v "$pcap" || exit 1
if $have_tshark; then
	tsv=$(tshark --version 2>/dev/null | head -1)
	# -n: no name resolution, which would time DNS rather than decoding
	versus summary -- summary || exit 1
	versus -V -V -- -v -v || exit 1
	versus keys -- --keys --keys "$keys" || exit 1
	versus "-V keys" -V -- "--keys -v" --keys "$keys" -v || exit 1
else
	tsv="tshark not installed: no ratios"
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
echo
echo "ike-decode benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs (${cpu:-unknown}), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "capture: $gen_out, $(($(stat -c %s "$pcap") / 1000000)) MB"
echo "peer: $tsv"
awk -F'|' -v total="$total" -v runs="$runs" '
function pps(n, s) { return s > 0 ? n / s : 0 }
{
	tool[NR] = $1; mode[NR] = $2; n[NR] = $3; wall[NR] = $4; cpu[NR] = $5
	rate[$1 "|" $2 "|" $3] = pps($3, $4); crate[$1 "|" $2 "|" $3] = pps($3, $5)
	if ($1 == "tshark") tn[$2] = $3
}
END {
	printf "\n%-10s %-10s %8s %9s %11s %8s %11s\n", "tool", "mode", "packets", "seconds",
		"packets/s", "cpu s", "packets/cpu-s"
	for (i = 1; i <= NR; i++) {
		mark = n[i] < total ? "*" : ""
		if (mark != "") prefix = 1
		printf "%-10s %-10s %8s %9.3f %11.0f %8.3f %11.0f\n", tool[i], mode[i], n[i] mark,
			wall[i], pps(n[i], wall[i]), cpu[i], pps(n[i], cpu[i])
	}
	printf "(seconds: wall clock, median of %d runs; cpu s: user + sys of that run; output to /dev/null)\n", runs
	if (prefix)
		printf "* the first N packets of the same file only (-c N): a whole tshark run would exceed the time budget\n"
	if (!("summary" in tn)) exit
	printf "\n%-40s %9s %9s  %s\n", "ratio ike-decode / tshark (packets/s)", "wall", "cpu", "goal"
	row("plain, summary vs summary", "summary", "summary", 50)
	row("plain, -v vs -V", "-v", "-V", 50)
	row("decrypting, --keys vs keys", "--keys", "keys", 20)
	row("decrypting, --keys -v vs -V keys", "--keys -v", "-V keys", 20)
	if (prefix)
		printf "(* on the first N packets: both tools timed on the same packets)\n"
	if (tn["keys"] < total || tn["-V keys"] < total)
		printf "note: tshark decrypting slows down as the file goes on: Wireshark 4.0 finds an ESP SA by a\n" \
			"linear scan of its esp_sa table, and the SAs come in table order, so a prefix\n" \
			"(the first SAs only) flatters tshark; a whole run would give higher ratios\n"
}
function row(what, im, tm, goal,   a, b, r, rc) {
	a = "ike-decode|" im "|" tn[tm]; b = "tshark|" tm "|" tn[tm]
	r = rate[b] > 0 ? rate[a] / rate[b] : 0
	rc = crate[b] > 0 ? crate[a] / crate[b] : 0
	printf "%-40s %8.1fx %8.1fx  >= %dx %s\n", what (tn[tm] < total ? " *" : ""), r, rc, goal,
		(r >= goal ? "(met)" : "(below goal)")
}' "$tmp/results"
