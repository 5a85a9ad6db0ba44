#!/bin/bash
# decode-fields.sh PCAP [KEYDIR]: the per-frame fields the interop tests
# cross-check, as ike-decode sees them: `ike-decode [--keys KEYDIR] --json PCAP`
# (schema: doc/decode-json.md) turned by jq into the line format of
# tshark-fields.sh (see there):
#   FRAME ike ISPI RSPI EXCH MSGID FLAGS PAYLOADS - - -
#   FRAME esp - - - - - - SPI SEQ INNER
#   FRAME ikev1 ISPI RSPI EXCH MSGID - - - - -
#   FRAME keepalive|other|malformed - - - - - - - - -
# An ike line whose decoding stopped early ("malformed" member) gets a 12th
# column "malformed", so it never compares equal to tshark's line.
# The binary: $IKE_DECODE, else ${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}/ike-decode.
# Exit: ike-decode's status if it failed (lines printed so far are kept), 2 usage.
set -u
set -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
IKE_DECODE=${IKE_DECODE:-${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}/ike-decode}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "usage: decode-fields.sh PCAP [KEYDIR]" >&2; exit 2; fi
pcap=$1 keys=${2:-}
[ -r "$pcap" ] || { echo "decode-fields.sh: $pcap: cannot read" >&2; exit 2; }
[ -x "$IKE_DECODE" ] || { echo "decode-fields.sh: $IKE_DECODE: not built (make)" >&2; exit 2; }

args=(--json)
[ -n "$keys" ] && args+=(--keys "$keys")

# shellcheck disable=SC2016 # jq program, not shell
jqprog='
def dash: if . == null or . == "" then "-" else tostring end;
def plist:
  if (. // []) | length == 0 then "-"
  else [ .[] | (.type | tostring)
         + (if .type == 53 then "[\(.fragment)/\(.total)]" else "" end)
         + (if (.type == 46 or .type == 53) and .decrypted == true
            then "(" + ([ (.payloads // [])[] | .type | tostring ] | join(",")) + ")"
            else "" end) ] | join(",")
  end;
def flags: (if .initiator then "I" else "-" end) + (if .response then "R" else "-" end);
if .kind == "ike" then
  [ (.frame | tostring), "ike", .ispi, .rspi, (.exchange_type | dash), (.msgid | dash),
    flags, (.payloads | plist), "-", "-", "-" ]
  + (if .malformed then ["malformed"] else [] end)
elif .kind == "esp" then
  [ (.frame | tostring), "esp", "-", "-", "-", "-", "-", "-",
    (.spi | ascii_downcase), (.seq | dash),
    (if .decrypted == true and .inner != null
     then "\(.inner.src)>\(.inner.dst):\(.inner.proto)" else "-" end) ]
elif .kind == "ikev1" then
  [ (.frame | tostring), "ikev1", .ispi, .rspi, (.exchange_type | dash), (.msgid | dash),
    "-", "-", "-", "-", "-" ]
else
  [ (.frame | tostring), .kind, "-", "-", "-", "-", "-", "-", "-", "-", "-" ]
end
| join(" ")'

"$IKE_DECODE" "${args[@]}" "$pcap" | jq -r "$jqprog"
st=("${PIPESTATUS[@]}")
if [ "${st[0]}" != 0 ]; then
	echo "decode-fields.sh: ike-decode exited ${st[0]}" >&2
	exit "${st[0]}"
fi
[ "${st[1]}" = 0 ] || { echo "decode-fields.sh: jq failed on ike-decode's output" >&2; exit 1; }
exit 0
