#!/bin/bash
# lint: man pages (mandoc -Tlint), shell scripts (shellcheck), the layering of
# common/ (a folder includes only folders below it), and no memcmp() where
# MACs, ICVs, AUTH values, cookies or keys may be compared (common/, cmd/):
# ct_eq() instead, with an explicit allow-list of compares of public bytes.
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

# 4. constant-time compares.  MACs, ICVs, AUTH values, cookies and keys are
# compared with ct_eq() (sodium_memcmp: time independent of the bytes), never
# with memcmp(), bcmp() or a str*cmp(), which return at the first byte that
# differs.  memcmp/bcmp are checked in all of common/ and cmd/; the str*cmp
# family in crypto/ and exchange/, where the secrets are.  The compares below
# are on public bytes, each allowed by file and by the exact text of the call
# (so a new compare in the same file is not covered), with the reason.  An
# entry that matches nothing any more is reported, so the list stays exact.
ct_allow=(
	# addresses of a key table record vs a packet's (public, on the wire)
	'common/keys/keys.c	memcmp(k->src, src, alen)'
	'common/keys/keys.c	memcmp(k->dst, dst, alen)'
	'cmd/ike-decode/decrypt.c	memcmp(t->src, pk->src, n) == 0 && memcmp(t->dst, pk->dst, n)'
	# a state file's key name at a line's start: stops at or before the
	# "=", so the value after it (maybe a key) never counts
	'common/sa/kvbuf.c	memcmp(b->buf + at, key, klen)'
	# selector ranges: IP addresses of the tunnel's traffic
	'cmd/esp-tun/cidr.c	memcmp(start, end, n)'
	'cmd/esp-tun/cidr.c	memcmp(next, end, n)'
	'cmd/esp-tun/cidr.c	memcmp(last, end, n)'
	'cmd/esp-tun/policy.c	memcmp(addr, s->start, alen)'
	'cmd/esp-tun/policy.c	memcmp(addr, s->end, alen)'
	# file magic numbers (pcap, pcapng)
	'cmd/ike-decode/stdin.c	memcmp(p, magic[i], 4)'
	# the non-ESP marker (RFC 3948: four zero bytes)
	'cmd/ike-rekey/link.c	memcmp(buf, "\0\0\0\0", 4)'
	# the peer's address in the half-open SA table
	'cmd/ike-respond/table.c	memcmp(sl->peer, peer, sizeof(sl->peer))'
	# state file names, and a Child SA's name in another's file
	# (simultaneous rekeys)
	'common/exchange/collide.c	strncmp(d->d_name, "child.", 6)'
	'common/exchange/collide.c	strcmp(d->d_name + len - 3, ".sa")'
	'common/exchange/collide.c	strcmp(val, old)'
	# ike.sa's child=: a Child SA's name
	'common/exchange/record.c	strcmp(val, old)'
	'common/exchange/rekey_journal.c	strcmp(cur, name)'
	'common/exchange/rekey_journal.c	strcmp(cur, old)'
	'common/exchange/rekey_journal.c	strcmp(cur, theirs)'
	# algorithm and curve names
	'common/crypto/prf.c	strcmp(md, hmac_mds[i])'
	'common/crypto/sig.c	strcmp(curve, "prime256v1") == 0 || strcmp(curve, "P-256")'
	'common/crypto/sig.c	strcmp(curve, "secp384r1") == 0 || strcmp(curve, "P-384")'
	# EAP: method names and TLS versions of an option, user names (not
	# secret), the error code of a peer's MS-CHAPv2 Failure message
	'common/exchange/eap_cfg.c	strcmp(s, "1.2") != 0 && strcmp(s, "1.3")'
	'common/exchange/eap_cfg.c	strcmp(s, "1.3")'
	'common/exchange/eap_cfg.c	strncmp(p, "mschapv2", 8)'
	'common/exchange/eap_cfg.c	strncmp(p, "md5", 3)'
	'common/exchange/eap_cfg.c	strncmp(p, "tls", 3)'
	'common/exchange/eap_cfg.c	strncmp(u->u[i].name, name, n)'
	'common/exchange/eap_peer.c	strcmp(msg, "E=691")'
)
declare -A ct_used=()
ct_check() {
	local hit=$1 file text i entry
	file=${hit%%:*}
	text=${hit#*:*:}
	for i in "${!ct_allow[@]}"; do
		entry=${ct_allow[$i]}
		if [ "$file" = "${entry%%	*}" ] && [[ $text == *"${entry#*	}"* ]]; then
			ct_used[$i]=1
			return 0
		fi
	done
	fail "$hit: compare secrets with ct_eq(); if these bytes are public, add the call to ct_allow in tests/lint.sh with the reason"
}
while IFS= read -r hit; do
	ct_check "$hit"
done < <(grep -nE '\b(memcmp|bcmp)[[:space:]]*\(' common/*/*.[ch] cmd/*/*.[ch] 2>/dev/null
	grep -nE '\b(strn?cmp|strn?casecmp)[[:space:]]*\(' common/crypto/*.[ch] common/exchange/*.[ch] 2>/dev/null)
for i in "${!ct_allow[@]}"; do
	[ -n "${ct_used[$i]+x}" ] || fail "tests/lint.sh: ct_allow entry matches no compare any more: ${ct_allow[$i]}"
done

[ $rc = 0 ] && echo "lint: ok"
exit $rc
