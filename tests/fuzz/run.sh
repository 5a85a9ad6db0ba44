#!/bin/bash
# run.sh BINS...: for each libFuzzer binary build-fuzz/fuzz_NAME, replay
# tests/fuzz/regress/fuzz_NAME/* (a crash fails), then fuzz for $FUZZ_SECS
# seconds on a temporary copy of tests/fuzz/corpus/fuzz_NAME; one summary line
# per target, then "fuzz: N passed, N failed". Exits 1 if any target failed.
set -u
FUZZ_SECS=${FUZZ_SECS:-60}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ikekit-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# stat LOG NAME: the last value of libFuzzer's final stat NAME, or "-"
stat() {
	sed -n "s/^stat::$2:[[:space:]]*\\([0-9]*\\).*/\\1/p" "$1" | tail -n 1 |
		grep . || echo -
}
# cov LOG KEY: the last "cov: N" or "ft: N" from the progress lines
cov() {
	grep -o "$2: [0-9]*" "$1" | tail -n 1 | sed 's/.*: //' | grep . || echo -
}

if [ $# -eq 0 ]; then
	echo "usage: run.sh build-fuzz/fuzz_NAME..." >&2
	exit 2
fi
pass=0
fail=0
printf '%-12s %10s %8s %6s %6s  %s\n' target execs exec/s cov ft result
for bin in "$@"; do
	name=$(basename "$bin")
	log=$tmp/$name.log
	result=ok
	if [ ! -x "$bin" ]; then
		result="FAIL (no binary)"
	fi
	# 1. crash regressions, replayed one by one
	if [ "$result" = ok ] && [ -d "$here/regress/$name" ]; then
		for f in "$here/regress/$name"/*; do
			[ -f "$f" ] || continue
			if ! "$bin" "$f" > "$tmp/$name.regress.log" 2>&1; then
				result="FAIL (regress: $(basename "$f"))"
				cat "$tmp/$name.regress.log" >&2
				break
			fi
		done
	fi
	# 2. fuzzing on a copy of the seeds; crash files go to the temp dir
	if [ "$result" = ok ]; then
		mkdir -p "$tmp/$name.corpus" "$tmp/$name.artifacts"
		if [ -d "$here/corpus/$name" ]; then
			cp -R "$here/corpus/$name/." "$tmp/$name.corpus/"
		fi
		if ! "$bin" -max_total_time="$FUZZ_SECS" -print_final_stats=1 \
		    -artifact_prefix="$tmp/$name.artifacts/" \
		    "$tmp/$name.corpus" > "$log" 2>&1; then
			result=FAIL
			grep -A40 -m1 -E '^==[0-9]+==ERROR|oracle failed|runtime error|deadly signal' \
				"$log" >&2
			for a in "$tmp/$name.artifacts"/*; do
				[ -f "$a" ] || continue
				echo "$name: crash input (hex): $(xxd -p "$a" | tr -d '\n' | head -c 4000)" >&2
			done
		fi
	fi
	if [ -f "$log" ]; then
		printf '%-12s %10s %8s %6s %6s  %s\n' "$name" \
			"$(stat "$log" number_of_executed_units)" \
			"$(stat "$log" average_exec_per_sec)" \
			"$(cov "$log" cov)" "$(cov "$log" ft)" "$result"
	else
		printf '%-12s %10s %8s %6s %6s  %s\n' "$name" - - - - "$result"
	fi
	if [ "$result" = ok ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
