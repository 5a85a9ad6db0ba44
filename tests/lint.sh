#!/bin/bash
# lint: man pages (mandoc -Tlint), shell scripts (shellcheck), the layering of
# common/ (a folder includes only folders below it), and no memcmp() where
# MACs, ICVs or AUTH values are compared (crypto/, exchange/): ct_eq() instead.
set -u
cd "$(dirname "$0")/.." || exit 2
rc=0
fail() { echo "lint: $*" >&2; rc=1; }

# 1. man pages
for m in man/*.[158]; do
	[ -e "$m" ] || continue
	out=$(mandoc -Tlint -W warning "$m" 2>&1) || true
	[ -z "$out" ] || fail "$out"
done

# 2. shell
mapfile -t scripts < <(grep -rlE '^#!.*\b(ba)?sh\b' tests .ci completions/bash 2>/dev/null | grep -v '\.bats$')
if [ ${#scripts[@]} -gt 0 ]; then
	shellcheck -x -S warning "${scripts[@]}" || fail "shellcheck found problems"
fi

# 3. layers: rank of each folder of common/ (DESIGN.md "common/ is layered")
declare -A rank=([base]=0 [buf]=1 [names]=2 [codec]=3 [crypto]=4 [keys]=5
		 [proposal]=5 [sa]=6 [exchange]=7 [io]=8)
for f in common/*/*.[ch]; do
	dir=${f#common/}; dir=${dir%%/*}
	[ -n "${rank[$dir]+x}" ] || { fail "$f: folder $dir has no rank in tests/lint.sh"; continue; }
	while read -r inc; do
		[ "$inc" = "$dir" ] && continue
		[ -n "${rank[$inc]+x}" ] || continue
		[ "${rank[$inc]}" -lt "${rank[$dir]}" ] ||
			fail "$f includes $inc/, a layer not below $dir/"
	done < <(sed -n 's|^#include "\([a-z]*\)/.*|\1|p' "$f")
done

# 4. constant-time compares
if grep -nE '\bmemcmp\(' common/crypto/*.c common/exchange/*.c 2>/dev/null; then
	fail "memcmp() in crypto/ or exchange/: compare secrets with ct_eq()"
fi

[ $rc = 0 ] && echo "lint: ok"
exit $rc
