#!/bin/bash
# tshark-fields.sh PCAP [KEYDIR]: the per-frame fields the interop tests
# cross-check, as tshark (Wireshark 4.0) sees them, decrypting with the keys in
# KEYDIR/ikev2_decryption_table and KEYDIR/esp_sa when given.
# decode-fields.sh prints the same line format from `ike-decode --json`.
#
# One line per frame, space-separated columns, "-" where a column does not apply:
#   FRAME ike   ISPI RSPI EXCH MSGID FLAGS PAYLOADS - -  -
#   FRAME esp   -    -    -    -     -     -        SPI SEQ INNER
#   FRAME ikev1 ISPI RSPI EXCH MSGID -     -        -   -   -
#   FRAME keepalive|other - - - - - - - - -
#     ISPI, RSPI  16 lower-case hex digits
#     EXCH        exchange type number (34 IKE_SA_INIT, 35 IKE_AUTH, 36 CREATE_CHILD_SA, 37 INFORMATIONAL)
#     MSGID       message ID, decimal
#     FLAGS       two characters: I (initiator bit) or -, R (response bit) or -
#     PAYLOADS    payload type numbers in wire order, comma-separated; an SK
#                 (46) or SKF (53) payload that was decrypted is followed by
#                 its inner payload types in parentheses ("46(35,36,39)",
#                 "46()" when it holds none); not decrypted: just "46".
#                 An SKF payload has its fragment number and total in
#                 brackets before that: "53[2/4]()" (a fragment that does not
#                 complete its message: no inner payloads), "53[4/4](35,37,...)"
#                 (the last one: the payloads of the reassembled message).
#                 Substructures tshark also counts as payloads (proposal 2,
#                 transform 3) are left out.
#     SPI         0x + 8 lower-case hex digits;  SEQ  decimal
#     INNER       decrypted ESP: SRC>DST:PROTO of the inner IP header; else -
#
# tshark details: -T fields -E occurrence=a -E aggregator=, prints every
# occurrence of a field, comma-separated, in dissection order (so ip.src is
# "outer,inner" for decrypted ESP, and isakmp.typepayload lists the outer
# payloads, then the decrypted inner ones); a decrypted SK payload is
# recognised by isakmp.enc.pad_length, a field that exists only in decrypted
# data.  Keys: see ikx_tshark in lib.bash (a temporary WIRESHARK_CONFIG_DIR
# holding the two files plus "esp.enable_encryption_decode: TRUE").
set -u
set -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
IKX_PROG=tshark-fields.sh
# shellcheck source=tests/interop/lib.bash
. "$HERE/lib.bash"

if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "usage: tshark-fields.sh PCAP [KEYDIR]" >&2; exit 2; fi
pcap=$1 keys=${2:-}
[ -r "$pcap" ] || { echo "tshark-fields.sh: $pcap: cannot read" >&2; exit 2; }
if [ -n "$keys" ] && ! [ -r "$keys/ikev2_decryption_table" ] && ! [ -r "$keys/esp_sa" ]; then
	echo "tshark-fields.sh: $keys: no ikev2_decryption_table or esp_sa" >&2; exit 2
fi

fields=(frame.number frame.protocols isakmp.version isakmp.ispi isakmp.rspi
	isakmp.exchangetype isakmp.messageid isakmp.flag_i isakmp.flag_r
	isakmp.typepayload isakmp.enc.pad_length isakmp.ike.nat_keepalive
	esp.spi esp.sequence ip.src ip.dst ip.proto ipv6.src ipv6.dst ipv6.nxt
	isakmp.frag.number isakmp.frag.total)
args=(-r "$pcap" -n -T fields -E occurrence=a -E 'aggregator=,' -E 'separator=|' -E header=n)
for f in "${fields[@]}"; do args+=(-e "$f"); done

ikx_tshark "$keys" "${args[@]}" | awk -F'|' '
# "0x0000002a" or "42" -> 42 (POSIX awk has no strtonum)
function num(s,   i, c, v) {
	if (s !~ /^0[xX]/) return s + 0
	v = 0
	for (i = 3; i <= length(s); i++) { c = index("0123456789abcdef", tolower(substr(s, i, 1))); v = v * 16 + c - 1 }
	return v
}
function nth(s, n,   a) { if (s == "") return ""; split(s, a, ","); return a[n] }
function count(s,   a) { if (s == "") return 0; return split(s, a, ",") }
function payloads(types, dec, fnum, ftot,   a, n, i, out, inner, t) {
	n = split(types, a, ","); out = ""; inner = 0
	for (i = 1; i <= n; i++) {
		t = a[i] + 0
		if (t >= 1 && t <= 32) continue          # proposal/transform substructures
		if (inner) { out = out (inner++ > 1 ? "," : "") t; continue }
		out = out (out == "" ? "" : ",") t
		if (t == 53) out = out "[" fnum "/" ftot "]"
		if ((t == 46 || t == 53) && dec) { out = out "("; inner = 1 }
	}
	if (inner) out = out ")"
	return out == "" ? "-" : out
}
{
	frame = $1; protos = ":" $2 ":"
	if (protos ~ /:isakmp:/) {
		if ($3 != "" && int(num($3) / 16) == 1) {
			printf "%s ikev1 %s %s %d %d - - - - -\n", frame, $4, $5, num($6), num($7)
			next
		}
		kind = "ike"
		flags = ($8 == "1" ? "I" : "-") ($9 == "1" ? "R" : "-")
		printf "%s %s %s %s %d %d %s %s - - -\n", frame, kind, $4, $5, num($6), num($7), flags, \
			payloads($10, $11 != "", $21, $22)
		next
	}
	if (protos ~ /:esp:/) {
		# the inner header: the first ip/ipv6 after esp in frame.protocols;
		# its fields are the 2nd occurrence if the outer header is of the
		# same family, else the 1st of the other family
		inner = "-"
		outer6 = (protos ~ /^[^:]*:([a-z0-9_]+:)*ipv6:/ && protos !~ /^[^:]*:([a-z0-9_]+:)*ip:([a-z0-9_]+:)*esp:/)
		after = protos; sub(/^.*:esp:/, ":", after)
		if (after ~ /^:ipv6:/) {
			k = outer6 ? 2 : 1
			if (count($18) >= k) inner = nth($18, k) ">" nth($19, k) ":" nth($20, k)
		} else if (after ~ /^:ip:/) {
			k = outer6 ? 1 : 2
			if (count($15) >= k) inner = nth($15, k) ">" nth($16, k) ":" nth($17, k)
		}
		printf "%s esp - - - - - - %s %d %s\n", frame, tolower($13), $14, inner
		next
	}
	printf "%s %s - - - - - - - - -\n", frame, ($12 != "" ? "keepalive" : "other")
}'
