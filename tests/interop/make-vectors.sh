#!/bin/bash
# make-vectors.sh [SUITE...]: (re)make the bundled real strongSwan captures in
# tests/vectors/decode/strongswan-SUITE/ (default: gcm cbc chacha frag ipv6)
# with capture.sh.  Kept per suite: capture.pcap, ikev2_decryption_table,
# esp_sa, and charon-messages.log (only the "generating/parsed ... [ payloads ]"
# lines of the initiator's log, and its "splitting IKE message" / "reassembled
# fragmented IKE message" lines: no keys, no PSK).  Needs root.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
[ $# -gt 0 ] || set -- gcm cbc chacha frag ipv6
tmp=$(mktemp -d /tmp/ikx-vectors.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
for suite in "$@"; do
	"$HERE/capture.sh" "$suite" "$tmp/$suite" || exit 1
	dst=$TOP/tests/vectors/decode/strongswan-$suite
	mkdir -p "$dst" || exit 1
	cp "$tmp/$suite/capture.pcap" "$tmp/$suite/ikev2_decryption_table" "$tmp/$suite/esp_sa" "$dst/" || exit 1
	grep -E '\[ENC\] <[^>]*> ((generating|parsed) [A-Z_]+ (request|response) [0-9]+ \[|splitting IKE message|received fragment .*reassembled)' \
		"$tmp/$suite/charon-left.log" | sed -E 's/^[0-9:]+ [0-9]+//' >"$dst/charon-messages.log" || exit 1
	chmod 644 "$dst"/*
	echo "make-vectors.sh: $dst" >&2
done
