#!/usr/bin/env bats
# decode-strongswan.bats: ike-decode against real strongSwan sessions.
#
#  - bundled captures (tests/vectors/decode/strongswan-SUITE/): the per-frame
#    fields of tshark-fields.sh and decode-fields.sh are identical (for
#    chacha, which tshark 4.0 cannot decrypt, the outer fields);
#  - ike-decode decrypts every SK payload and every ESP packet, and the inner
#    payload types of each IKE message are those strongSwan logged for it;
#  - a key with one hex digit flipped gives "decrypted": false with an
#    integrity error for exactly the packets that key protects;
#  - frag (IKE_AUTH in RFC 7383 SKF fragments): each fragment decrypted, the
#    fragment numbers and totals as strongSwan logged them, the message
#    reassembled on the fragment that completes it;
#  - ipv6 (IPv6 outer addresses and inner traffic): as gcm;
#  - live: capture.sh makes a fresh session between two charons in network
#    namespaces (root only), and the same checks run on it.
# On failure the test's files (pcap, keys, logs, both field lists, ike-decode's
# JSON) are copied to ${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/TEST-NAME/.

bats_load_library bats-support
bats_load_library bats-assert

setup() {
	HERE=$BATS_TEST_DIRNAME
	IKEKIT_TOP=${IKEKIT_TOP:-$(cd "$HERE/../.." && pwd)}
	VEC=$IKEKIT_TOP/tests/vectors/decode
	IKE_DECODE=${IKE_DECODE:-${IKEKIT_BIN:-$IKEKIT_TOP/build/bin}/ike-decode}
	export IKEKIT_TOP IKE_DECODE
	W=$BATS_TEST_TMPDIR/work
	mkdir -p "$W"
}

teardown() {
	if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -d "${W:-}" ]; then
		local name dst
		name=$(printf '%s' "$BATS_TEST_DESCRIPTION" | tr -cs 'A-Za-z0-9_.-' '-' | sed 's/-*$//')
		dst=${IKEKIT_ARTIFACTS:-$IKEKIT_TOP/artifacts}/$name
		rm -rf "$dst"
		mkdir -p "$dst" && cp -a "$W"/. "$dst"/ &&
			echo "# artifacts: $dst" >&3
	fi
}

need_decode() {
	[ -x "$IKE_DECODE" ] || fail "ike-decode not built: $IKE_DECODE (run make)"
}

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces for strongSwan)"
}

# bundled SUITE : copy the bundled capture of SUITE into $W (so a failure keeps it)
bundled() {
	cp "$VEC/strongswan-$1"/* "$W"/
}

# live SUITE : a fresh strongSwan session into $W (capture.sh, bounded in time)
live() {
	run timeout -k 10 60 "$HERE/capture.sh" "$1" "$W"
	assert_success
	grep -E '\[ENC\] <[^>]*> ((generating|parsed) [A-Z_]+ (request|response) [0-9]+ \[|splitting IKE message|received fragment .*reassembled)' \
		"$W/charon-left.log" >"$W/charon-messages.log"
}

# fields : tshark-fields.sh and decode-fields.sh on $W into $W/tshark.txt, $W/decode.txt
fields() {
	run "$HERE/tshark-fields.sh" "$W/capture.pcap" "$W"
	assert_success
	printf '%s\n' "$output" >"$W/tshark.txt"
	[ -s "$W/tshark.txt" ] || fail "tshark printed nothing"
	run "$HERE/decode-fields.sh" "$W/capture.pcap" "$W"
	printf '%s\n' "$output" >"$W/decode.txt"
	assert_success
}

# same_fields : tshark and ike-decode agree on every frame (diff on failure)
same_fields() {
	fields
	run diff -u "$W/tshark.txt" "$W/decode.txt"
	assert_success
}

# same_outer_fields : as same_fields, without what tshark 4.0 cannot decrypt
same_outer_fields() {
	fields
	awk '$2 == "ike" { gsub(/\([0-9,]*\)/, "", $8) } $2 == "esp" { $11 = "-" } { print }' \
		"$W/decode.txt" >"$W/decode-outer.txt"
	run diff -u "$W/tshark.txt" "$W/decode-outer.txt"
	assert_success
	# and tshark really decrypted nothing we might have missed
	run awk '($2 == "ike" && $8 ~ /\(/) || ($2 == "esp" && $11 != "-")' "$W/tshark.txt"
	assert_output ''
}

# decode_json [KEYDIR] : ike-decode --json on $W/capture.pcap into $W/decode.json
decode_json() {
	run "$IKE_DECODE" --json --keys "${1:-$W}" "$W/capture.pcap"
	printf '%s\n' "$output" >"$W/decode${2:-}.json"
	# a wrong key is not a reason to crash
	[ "$status" -lt 128 ] || fail "ike-decode died with status $status"
}

# log_sk_frames : how many SK/SKF payloads (frames) strongSwan's log says the
# capture has: one per encrypted message, one per fragment of a fragmented
# one (its "[ EF(i/n) ]" lines replace the line with the whole message)
log_sk_frames() {
	sed -nE 's/.*\] <[^>]*> (generating|parsed) ([A-Z_]+) (request|response) ([0-9]+) \[ ?(.*)\]$/\2 \5/p' \
		"$W/charon-messages.log" | awk '
		$1 == "IKE_SA_INIT" { next }
		$2 ~ /^EF\(/ { n++; if ($2 ~ /^EF\(1\//) n-- ; next }
		{ n++ }
		END { print n + 0 }'
}

# all_decrypted N_SK N_ESP [HOST1 HOST2 PROTO] : every SK/SKF payload and every
# ESP packet decrypted, and there are N_SK encrypted IKE messages (fragments
# counted one by one) and N_ESP ESP packets carrying PROTO (1) between the
# inner hosts HOST1 and HOST2 (10.91.1.1, 10.91.2.1)
all_decrypted() {
	decode_json
	run jq -rs '[.[] | select(.kind == "ike") | .payloads[]? | select(.type == 46 or .type == 53)
		| select(.decrypted != true)] | length' "$W/decode.json"
	assert_output 0
	run jq -rs '[.[] | select(.kind == "esp") | select(.decrypted != true)] | length' "$W/decode.json"
	assert_output 0
	run jq -rs '[.[] | select(.kind == "ike") | .payloads[]? | select(.type == 46 or .type == 53)] | length' \
		"$W/decode.json"
	assert_output "$1"
	run jq -rs '[.[] | select(.kind == "esp")] | length' "$W/decode.json"
	assert_output "$2"
	# the tunnel carried pings between the two inner hosts
	run jq -rs --arg h1 "${3:-10.91.1.1}" --arg h2 "${4:-10.91.2.1}" --argjson p "${5:-1}" \
		'[.[] | select(.kind == "esp") | .inner | select(.proto != $p or
		([.src, .dst] | sort) != ([$h1, $h2] | sort))] | length' "$W/decode.json"
	assert_output 0
}

# payloads_match_log : the inner payload types ike-decode found in each
# encrypted IKE message are those strongSwan logged for it (same order); a
# fragmented message counts once, with the payloads of the reassembled message
# (strongSwan's line for the whole message, ike-decode's fragment that
# completes it)
payloads_match_log() {
	sed -nE 's/.*\] <[^>]*> (generating|parsed) ([A-Z_]+) (request|response) ([0-9]+) \[ ?(.*)\]$/\2 \3 \4 \5/p' \
		"$W/charon-messages.log" | awk '
		$1 == "IKE_SA_INIT" || $4 ~ /^EF\(/ { next }
		{
			s = ""
			for (i = 4; i <= NF; i++) {
				n = $i; sub(/\(.*/, "", n)
				t = (n == "SA") ? 33 : (n == "KE") ? 34 : (n == "IDi") ? 35 : (n == "IDr") ? 36 : \
				    (n == "CERT") ? 37 : (n == "CERTREQ") ? 38 : (n == "AUTH") ? 39 : (n == "No") ? 40 : \
				    (n == "N") ? 41 : (n == "D") ? 42 : (n == "V") ? 43 : (n == "TSi") ? 44 : \
				    (n == "TSr") ? 45 : (n ~ /^CP/) ? 47 : (n == "EAP") ? 48 : ("?" n)
				s = s (s == "" ? "" : ",") t
			}
			print $1, $2, $3, s
		}' >"$W/log-payloads.txt"
	[ -s "$W/log-payloads.txt" ] || fail "no IKE messages in strongSwan's log"
	jq -r 'select(.kind == "ike" and .exchange_type != 34)
		| select(all(.payloads[]?; .type != 53 or .reassembled == true))
		| "\(.exchange) \(if .response then "response" else "request" end) \(.msgid) "
		  + ([.payloads[]? | select(.type == 46 or .type == 53) | (.payloads // [])[] | .type | tostring]
		     | join(","))' "$W/decode.json" >"$W/decode-payloads.txt"
	run diff -u "$W/log-payloads.txt" "$W/decode-payloads.txt"
	assert_success
}

# frags_match_log : the SKF fragments ike-decode shows are the fragments
# strongSwan logged ("[ EF(i/n) ]") message by message; the initiator's
# "splitting IKE message ... into N fragments" and "received fragment #n of n,
# reassembled" lines match the fragmented messages it sent and received; each
# fragmented message is reassembled exactly once, on its last fragment on the
# wire, and the other fragments carry no payloads; there is at least one
# fragmented message each way
frags_match_log() {
	local left
	left=$(jq -r 'select(.kind == "ike") | .src' "$W/decode.json" | head -1)
	sed -nE 's/.*\] <[^>]*> (generating|parsed) ([A-Z_]+) (request|response) ([0-9]+) \[ EF\(([0-9]+)\/([0-9]+)\) \]$/\2 \3 \4 \5\/\6/p' \
		"$W/charon-messages.log" | sort >"$W/log-frags.txt"
	[ -s "$W/log-frags.txt" ] || fail "strongSwan logged no fragments (EF)"
	jq -r 'select(.kind == "ike") | . as $m | .payloads[]? | select(.type == 53)
		| "\($m.exchange) \(if $m.response then "response" else "request" end) \($m.msgid) \(.fragment)/\(.total)"' \
		"$W/decode.json" | sort >"$W/decode-frags.txt"
	run diff -u "$W/log-frags.txt" "$W/decode-frags.txt"
	assert_success
	# totals of the messages the initiator split / reassembled, in order
	run sed -nE 's/.*splitting IKE message \([0-9]+ bytes\) into ([0-9]+) fragments$/sent \1/p;
		s/.*received fragment #[0-9]+ of ([0-9]+), reassembled .*/received \1/p' "$W/charon-messages.log"
	printf '%s\n' "$output" >"$W/log-splits.txt"
	jq -r --arg left "$left" 'select(.kind == "ike") | .src as $src | .payloads[]?
		| select(.type == 53 and .fragment == 1) | "\(if $src == $left then "sent" else "received" end) \(.total)"' \
		"$W/decode.json" >"$W/decode-splits.txt"
	run diff -u "$W/log-splits.txt" "$W/decode-splits.txt"
	assert_success
	run grep -c '^sent' "$W/decode-splits.txt"
	[ "$output" -ge 1 ] || fail "no fragmented message from the initiator"
	run grep -c '^received' "$W/decode-splits.txt"
	[ "$output" -ge 1 ] || fail "no fragmented message to the initiator"
	# reassembled once per message, on its last frame; no payloads before
	run jq -rs '[.[] | select(.kind == "ike") | . as $m | .payloads[]? | select(.type == 53)
		| {k: "\($m.ispi) \($m.response) \($m.msgid)", f: $m.frame, r: (.reassembled == true),
		   n: ((.payloads // []) | length)}]
		| group_by(.k) | map(sort_by(.f)
		  | select((map(select(.r)) | length) != 1 or (last | .r | not) or (last | .n == 0)
		           or (.[:-1] | any(.n > 0))) | .[0].k) | join(";")' "$W/decode.json"
	assert_output ''
}

# flip FILE LINE FIELD : flip the last hex digit of FIELD (comma-separated) on LINE
flip() {
	awk -F, -v OFS=, -v l="$2" -v f="$3" 'NR == l {
		v = $f; q = ""
		if (v ~ /"$/) { q = "\""; v = substr(v, 1, length(v) - 1) }
		c = substr(v, length(v)); d = index("0123456789abcdef", tolower(c)) - 1
		if (d < 0) { print "flip: not hex: " $f > "/dev/stderr"; exit 1 }
		$f = substr(v, 1, length(v) - 1) substr("1032547698badcfe", d + 1, 1) q
	} { print }' "$1" >"$1.new" && mv "$1.new" "$1"
}

# wrong_keys IKEFIELD ESPFIELD : flip IKEFIELD (3 SK_ei, 6 SK_ai) of the first
# IKE SA and ESPFIELD (6 encryption, 8 integrity key) of the first ESP SA;
# exactly the packets they protect must fail with an integrity error
wrong_keys() {
	local ispi spi
	mkdir -p "$W/wrong"
	cp "$W/ikev2_decryption_table" "$W/esp_sa" "$W/wrong/"
	flip "$W/wrong/ikev2_decryption_table" 1 "$1"
	flip "$W/wrong/esp_sa" 1 "$2"
	run diff "$W/ikev2_decryption_table" "$W/wrong/ikev2_decryption_table"
	assert_failure
	ispi=$(head -1 "$W/ikev2_decryption_table" | cut -d, -f1)
	spi=$(head -1 "$W/esp_sa" | cut -d, -f4 | tr -d '"')
	decode_json "$W/wrong" -wrong
	# the first IKE SA's initiator sends with SK_ei/SK_ai: its requests fail
	run jq -rs --arg ispi "$ispi" '[.[] | select(.kind == "ike" and .ispi == $ispi and .initiator)
		| .payloads[]? | select(.type == 46 or .type == 53)] as $bad
		| [($bad | length > 0),
		   ($bad | all(.decrypted == false and (.error | test("integrity"; "i"))
		               and (.payloads // [] | length) == 0))] | @tsv' "$W/decode-wrong.json"
	assert_output "$(printf 'true\ttrue')"
	# everything else still decrypts
	run jq -rs --arg ispi "$ispi" '[.[] | select(.kind == "ike" and (.ispi != $ispi or (.initiator | not)))
		| .payloads[]? | select(.type == 46 or .type == 53) | select(.decrypted != true)] | length' "$W/decode-wrong.json"
	assert_output 0
	# ESP: that SPI fails with an integrity error, the others decrypt
	run jq -rs --arg spi "$spi" '[.[] | select(.kind == "esp" and (.spi | ascii_downcase) == $spi)] as $bad
		| [($bad | length > 0),
		   ($bad | all(.decrypted == false and (.error | test("integrity"; "i")) and .inner == null))] | @tsv' \
		"$W/decode-wrong.json"
	assert_output "$(printf 'true\ttrue')"
	run jq -rs --arg spi "$spi" '[.[] | select(.kind == "esp" and (.spi | ascii_downcase) != $spi)
		| select(.decrypted != true)] | length' "$W/decode-wrong.json"
	assert_output 0
}

# deep_fields [4|6] : beyond the line format, the decoded contents of the IKE
# messages agree with tshark: IKE length, notify types, ID data (IPv4, or IPv6
# with 6), traffic selector ranges, Delete SPIs (frame by frame, in wire order)
deep_fields() {
	local af=ipv${1:-4}
	"$HERE/tshark-fields.sh" "$W/capture.pcap" "$W" >/dev/null || fail "tshark-fields.sh failed"
	# shellcheck source=tests/interop/lib.bash
	. "$HERE/lib.bash"
	ikx_tshark "$W" -r "$W/capture.pcap" -n -T fields -E occurrence=a -E 'aggregator=,' \
		-e frame.number -e isakmp.length -e isakmp.notify.msgtype -e "isakmp.id.data.${af}_addr" \
		-e "isakmp.ts.start_$af" -e "isakmp.ts.end_$af" -e isakmp.delete.spi |
		awk -F'\t' -v OFS='\t' '{ n = split($7, a, ","); $7 = ""
			for (i = 1; i <= n; i++) $7 = $7 (i > 1 ? "," : "") "0x" tolower(a[i]); print }' \
		>"$W/tshark-deep.txt" || fail "tshark failed"
	"$IKE_DECODE" --json -v --keys "$W" "$W/capture.pcap" >"$W/decode-v.json" || fail "ike-decode -v failed"
	jq -r '[.frame, (if .kind == "ike" then .length else "" end),
		([.. | objects | select(.type == 41 and .notify_type) | .notify_type | tostring] | join(",")),
		([.. | objects | select(.type == 35 or .type == 36) | .id] | join(",")),
		([.. | objects | .selectors? // empty | .[] | .start] | join(",")),
		([.. | objects | .selectors? // empty | .[] | .end] | join(",")),
		([.. | objects | select(.type == 42) | .spis? // empty | .[] | ascii_downcase] | join(","))]
		| @tsv' "$W/decode-v.json" >"$W/decode-deep.txt" || fail "jq failed"
	run diff -u "$W/tshark-deep.txt" "$W/decode-deep.txt"
	assert_success
}

# same_outer_addrs 4|6 : the outer (first) IP header's addresses of every
# frame are the same for tshark (ip.src/ip.dst or ipv6.src/ipv6.dst) and
# ike-decode (.src/.dst); the line format leaves them out
same_outer_addrs() {
	local ip=ip
	[ "$1" = 6 ] && ip=ipv6
	# shellcheck source=tests/interop/lib.bash
	. "$HERE/lib.bash"
	ikx_tshark "$W" -r "$W/capture.pcap" -n -T fields -E occurrence=f \
		-e frame.number -e "$ip.src" -e "$ip.dst" | tr '\t' ' ' >"$W/tshark-addrs.txt" ||
		fail "tshark failed"
	"$IKE_DECODE" --json --keys "$W" "$W/capture.pcap" | jq -r '"\(.frame) \(.src) \(.dst)"' \
		>"$W/decode-addrs.txt" || fail "ike-decode failed"
	run grep -c ' 2001:db8::[12] 2001:db8::[12]$' "$W/tshark-addrs.txt"
	[ "$1" != 6 ] || [ "$output" -gt 0 ] || fail "no IPv6 outer addresses in tshark's output"
	run diff -u "$W/tshark-addrs.txt" "$W/decode-addrs.txt"
	assert_success
}

# --- bundled captures ---------------------------------------------------------

@test "gcm bundled: tshark and ike-decode agree on every frame" {
	need_decode
	bundled gcm
	same_fields
}

@test "cbc bundled: tshark and ike-decode agree on every frame" {
	need_decode
	bundled cbc
	same_fields
}

@test "gcm bundled: notifies, IDs, traffic selectors, Delete SPIs, lengths agree with tshark" {
	need_decode
	bundled gcm
	deep_fields
}

@test "cbc bundled: notifies, IDs, traffic selectors, Delete SPIs, lengths agree with tshark" {
	need_decode
	bundled cbc
	deep_fields
}

@test "chacha bundled: outer fields agree with tshark (which cannot decrypt ChaCha20)" {
	need_decode
	bundled chacha
	same_outer_fields
}

@test "gcm bundled: everything decrypted, inner payloads as strongSwan logged them" {
	need_decode
	bundled gcm
	all_decrypted 12 18
	payloads_match_log
}

@test "cbc bundled: everything decrypted, inner payloads as strongSwan logged them" {
	need_decode
	bundled cbc
	all_decrypted 12 18
	payloads_match_log
}

@test "chacha bundled: everything decrypted, inner payloads as strongSwan logged them" {
	need_decode
	bundled chacha
	all_decrypted 12 18
	payloads_match_log
}

@test "gcm bundled: a flipped SK_ei / ESP key digit gives integrity errors, not garbage" {
	need_decode
	bundled gcm
	wrong_keys 3 6
}

@test "cbc bundled: a flipped SK_ai / ESP integrity key digit gives integrity errors" {
	need_decode
	bundled cbc
	wrong_keys 6 8
}

@test "cbc bundled: a flipped SK_ei digit (integrity intact) never yields payloads that pass as valid" {
	need_decode
	bundled cbc
	local ispi
	mkdir -p "$W/wrong"
	cp "$W/ikev2_decryption_table" "$W/esp_sa" "$W/wrong/"
	flip "$W/wrong/ikev2_decryption_table" 1 3
	ispi=$(head -1 "$W/ikev2_decryption_table" | cut -d, -f1)
	decode_json "$W/wrong" -wrong
	# CBC with the right SK_ai: the ICV passes, the plaintext is garbage.  Each
	# such message must be reported undecryptable or malformed, never as a
	# clean decode.
	run jq -rs --arg ispi "$ispi" '[.[] | select(.kind == "ike" and .ispi == $ispi and .initiator
		and .exchange_type != 34)] as $all
		| [($all | length), ($all | map(select((.payloads[0].decrypted == true) and (.malformed | not))
		   | .frame | tostring) | join(","))] | @tsv' "$W/decode-wrong.json"
	# 5 requests from the first IKE SA's initiator, none decoded cleanly
	assert_output "$(printf '5\t')"
}

@test "chacha bundled: a flipped SK_ei / ESP key digit gives integrity errors, not garbage" {
	need_decode
	bundled chacha
	wrong_keys 3 6
}

@test "frag bundled: tshark and ike-decode agree on every frame, SKF fragments included" {
	need_decode
	bundled frag
	same_fields
	run grep -c ' 53\[' "$W/tshark.txt"
	[ "$output" -ge 4 ] || fail "only $output SKF frames in the capture"
}

@test "frag bundled: notifies, IDs, traffic selectors, Delete SPIs, lengths agree with tshark" {
	need_decode
	bundled frag
	deep_fields
}

@test "frag bundled: every fragment decrypted, reassembled as strongSwan logged it" {
	need_decode
	bundled frag
	all_decrypted "$(log_sk_frames)" 18
	payloads_match_log
	frags_match_log
}

@test "frag bundled: a flipped SK_ei / ESP key digit gives integrity errors, not garbage" {
	need_decode
	bundled frag
	wrong_keys 3 6
}

@test "ipv6 bundled: tshark and ike-decode agree on every frame" {
	need_decode
	bundled ipv6
	same_fields
	run awk '$2 == "esp" && $11 !~ /^fd00:91:[12]::1>fd00:91:[12]::1:58$/' "$W/tshark.txt"
	assert_output ''
	same_outer_addrs 6
}

@test "ipv6 bundled: notifies, IDs, traffic selectors, Delete SPIs, lengths agree with tshark" {
	need_decode
	bundled ipv6
	deep_fields 6
}

@test "ipv6 bundled: everything decrypted, inner payloads as strongSwan logged them" {
	need_decode
	bundled ipv6
	all_decrypted 12 18 fd00:91:1::1 fd00:91:2::1 58
	payloads_match_log
}

@test "ipv6 bundled: a flipped SK_ei / ESP key digit gives integrity errors, not garbage" {
	need_decode
	bundled ipv6
	wrong_keys 3 6
}

# --- live strongSwan sessions ---------------------------------------------------

@test "gcm live: fresh strongSwan session, tshark and ike-decode agree, all decrypted" {
	need_root
	need_decode
	live gcm
	same_fields
	all_decrypted 12 18
	payloads_match_log
}

@test "cbc live: fresh strongSwan session, tshark and ike-decode agree, all decrypted" {
	need_root
	need_decode
	live cbc
	same_fields
	all_decrypted 12 18
	payloads_match_log
}

@test "chacha live: fresh strongSwan session, outer fields as tshark, all decrypted as logged" {
	need_root
	need_decode
	live chacha
	same_outer_fields
	all_decrypted 12 18
	payloads_match_log
}

@test "frag live: fresh strongSwan session with IKE_AUTH in SKF fragments, as tshark and as logged" {
	need_root
	need_decode
	live frag
	same_fields
	all_decrypted "$(log_sk_frames)" 18
	payloads_match_log
	frags_match_log
}

@test "ipv6 live: fresh strongSwan session over IPv6, tshark and ike-decode agree, all decrypted" {
	need_root
	need_decode
	live ipv6
	same_fields
	same_outer_addrs 6
	all_decrypted 12 18 fd00:91:1::1 fd00:91:2::1 58
	payloads_match_log
}
