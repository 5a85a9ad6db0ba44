# charon-keys.awk: strongSwan charon key log -> Wireshark key records.
#
#   awk -v out=DIR -f charon-keys.awk charon.log
#
# writes DIR/ikev2_decryption_table and DIR/esp_sa in the format Wireshark
# keeps in its profile (one UAT record per line), which is also what
# `ike-decode --keys DIR` reads:
#   ikev2_decryption_table: ISPI,RSPI,SK_ei,SK_er,"ENCR",SK_ai,SK_ar,"INTEG"
#       (SPIs and keys unquoted hex; SK_ai/SK_ar empty for AEAD)
#   esp_sa: "IPv4"|"IPv6","SRC","DST","0xSPI","ENCR","0xKEY","INTEG","0xKEY|"
# AES-GCM keys include the 4-byte salt, ChaCha20-Poly1305 keys the 4-byte
# nonce salt, as charon logs them.
#
# The log must come from filelog with ike = 4 (Sk_* hex dumps), chd = 4 (ESP
# keys, "adding inbound/outbound ESP SA" + "SPI 0x..., src A dst B"), mgr = 2
# ("checkin IKEv2 SA NAME[N] with SPIs I_i R_r", the only line with the IKE
# SPIs) and ike_name = yes (the "<name|N>" tag: N is the IKE SA's unique id,
# the same before the name is known, "<N>").
#
# How records are put together (per worker thread, the "NN[XXX]" field):
#  - a hex dump ("NAME => n bytes @ ADDR" then "  off: XX XX ...") is stored
#    under the thread and NAME;
#  - Sk_ei/Sk_er/Sk_ai/Sk_ar of a thread go with the next "checkin ... with
#    SPIs" line of that thread whose responder SPI is not zero (for an IKE
#    rekey that is the new SA, "NAME[N+1]"); Sk_ei is the key of whoever
#    initiated that IKE SA, which is what both readers expect;
#  - a CHILD key block goes with the next inbound and outbound "SPI" lines of
#    the same thread.  The "initiator" key protects what the initiator of the
#    exchange that made the CHILD SA sends.  This log's side initiated that
#    exchange if the thread's last "parsed ..." line was a response (keys are
#    derived while handling the response) and responded if it was a request;
#  - algorithms: the last "selected proposal: IKE:/ESP:" of the same IKE SA
#    (unique id), else the last one in the log.
# Algorithms Wireshark 4.0 cannot decrypt (ChaCha20-Poly1305 in IKEv2 and
# ESP) get the names later Wireshark versions / ike-decode use, see
# ike_encr()/esp_encr().

function thread(   t) { t = $2; sub(/\[.*/, "", t); return t }
# unique id of the IKE SA a line is about ("<ikx|3>" or "<3>"), "" if none
function uid(   t) {
	if ($3 !~ /^<.*>$/) return ""
	t = $3; gsub(/[<>]/, "", t); sub(/.*\|/, "", t); return t
}
function fail(msg) { print "charon-keys.awk: " msg > "/dev/stderr"; bad = 1 }

function ike_encr(a,   p) {
	if (a ~ /^AES_GCM_(8|12|16)_(128|192|256)$/) {
		split(a, p, "_"); return "AES-GCM-" p[4] " with " p[3] " octet ICV [RFC5282]"
	}
	if (a ~ /^AES_CCM_(8|12|16)_(128|192|256)$/) {
		split(a, p, "_"); return "AES-CCM-" p[4] " with " p[3] " octet ICV [RFC5282]"
	}
	if (a ~ /^AES_CBC_(128|192|256)$/) { split(a, p, "_"); return "AES-CBC-" p[3] " [RFC3602]" }
	if (a ~ /^AES_CTR_(128|192|256)$/) { split(a, p, "_"); return "AES-CTR-" p[3] " [RFC5930]" }
	if (a == "3DES_CBC") return "3DES [RFC2451]"
	# not in Wireshark 4.0's table: our name for it
	if (a == "CHACHA20_POLY1305") return "CHACHA20-POLY1305 [RFC7634]"
	fail("IKE encryption " a ": no Wireshark name known")
	return a
}
function ike_integ(a) {
	if (a == "" || a == "none") return "NONE [RFC4306]"
	if (a ~ /^HMAC_SHA2_(256_128|384_192|512_256)$/) return a " [RFC4868]"
	if (a == "HMAC_SHA1_96") return a " [RFC2404]"
	if (a == "HMAC_MD5_96") return a " [RFC2403]"
	fail("IKE integrity " a ": no Wireshark name known")
	return a
}
function esp_encr(a,   p) {
	if (a ~ /^AES_GCM_(8|12|16)_/) { split(a, p, "_"); return "AES-GCM with " p[3] " octet ICV [RFC4106]" }
	if (a ~ /^AES_CBC_/) return "AES-CBC [RFC3602]"
	if (a ~ /^AES_CTR_/) return "AES-CTR [RFC3686]"
	if (a == "3DES_CBC") return "TripleDES-CBC [RFC2451]"
	if (a == "NULL") return "NULL"
	# Wireshark >= 4.2 name (4.0 has none)
	if (a == "CHACHA20_POLY1305") return "ChaCha20 with Poly1305 [RFC7634]"
	fail("ESP encryption " a ": no Wireshark name known")
	return a
}
function esp_integ(a) {
	if (a == "" || a == "none") return "NULL"
	if (a == "HMAC_SHA2_256_128") return "HMAC-SHA-256-128 [RFC4868]"
	if (a == "HMAC_SHA2_384_192") return "HMAC-SHA-384-192 [RFC4868]"
	if (a == "HMAC_SHA2_512_256") return "HMAC-SHA-512-256 [RFC4868]"
	if (a == "HMAC_SHA1_96") return "HMAC-SHA-1-96 [RFC2404]"
	if (a == "HMAC_MD5_96") return "HMAC-MD5-96 [RFC2403]"
	fail("ESP integrity " a ": no Wireshark name known")
	return a
}
# "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519"
function proposal(kind, s,   n, i, f, e, g) {
	sub(/^[A-Z]+:/, "", s); n = split(s, f, "/")
	e = f[1]; g = "none"
	for (i = 2; i <= n; i++) if (f[i] ~ /^(HMAC|AES_XCBC|AES_CMAC)/) g = f[i]
	encr[kind, uid()] = e; integ[kind, uid()] = g
	encr[kind, ""] = e; integ[kind, ""] = g
}
function alg(arr, kind, u) { return ((kind, u) in arr) ? arr[kind, u] : arr[kind, ""] }

BEGIN {
	if (out == "") { print "charon-keys.awk: -v out=DIR missing" > "/dev/stderr"; exit 2 }
	ikef = out "/ikev2_decryption_table"; espf = out "/esp_sa"
	printf "" > ikef; printf "" > espf
	nike = nesp = 0
}

/selected proposal: IKE:/ { proposal("IKE", $NF); next }
/selected proposal: ESP:/ { proposal("ESP", $NF); next }
/\[ENC\] .*parsed [A-Z_]+ (request|response) / {
	lastdir[thread()] = ($0 ~ / response /) ? "response" : "request"
	next
}
/ => [0-9]+ bytes @ / {
	name = $0; sub(/ => .*/, "", name); sub(/^.*\] (<[^>]*> )?/, "", name)
	cur = thread() SUBSEP name; val[cur] = ""; next
}
cur != "" && /^[^ ]+ [0-9]+\[[A-Z]+\] (<[^>]*> )? *[0-9]+: [0-9A-F][0-9A-F] / {
	h = $0; sub(/^.*\] (<[^>]*> )? *[0-9]+: /, "", h); h = substr(h, 1, 47); gsub(/ /, "", h)
	val[cur] = val[cur] tolower(h); next
}
{ cur = "" }

/checkin IKEv2 SA .* with SPIs [0-9a-f]+_i [0-9a-f]+_r$/ {
	t = thread()
	if (!((t SUBSEP "Sk_ei secret") in val)) next
	ispi = $(NF - 1); sub(/_i$/, "", ispi); rspi = $NF; sub(/_r$/, "", rspi)
	if (rspi ~ /^0+$/) next
	u = uid()
	printf "%s,%s,%s,%s,\"%s\",%s,%s,\"%s\"\n", ispi, rspi, val[t, "Sk_ei secret"], val[t, "Sk_er secret"], \
		ike_encr(alg(encr, "IKE", u)), val[t, "Sk_ai secret"], val[t, "Sk_ar secret"], \
		ike_integ(alg(integ, "IKE", u)) > ikef
	nike++
	delete val[t, "Sk_ei secret"]; delete val[t, "Sk_er secret"]
	delete val[t, "Sk_ai secret"]; delete val[t, "Sk_ar secret"]
	next
}

/\[CHD\] .*adding inbound ESP SA/ { dir[thread()] = "in"; next }
/\[CHD\] .*(adding|registering) outbound ESP SA/ { dir[thread()] = "out"; next }
/\[CHD\] .*  SPI 0x[0-9a-f]+, src [0-9a-f.:]+ dst [0-9a-f.:]+$/ {
	t = thread(); d = dir[t]; dir[t] = ""
	if (d == "") next
	# the outbound SA of a rekey is "registered", then "added": once only
	if (!((t SUBSEP "encryption initiator key") in val)) next
	if ((t, d) in spi) next
	s = $0; sub(/.*SPI /, "", s); sub(/,.*/, "", s)
	spi[t, d] = s; src[t, d] = $(NF - 2); dst[t, d] = $NF
	if (!((t, "in") in spi) || !((t, "out") in spi)) next
	if (!(t in lastdir)) fail("thread " t ": CHILD keys without a parsed message before them")
	# this side sends with the initiator key if it initiated the exchange
	ours = (lastdir[t] == "response") ? "initiator" : "responder"
	theirs = (ours == "initiator") ? "responder" : "initiator"
	u = uid()
	for (k = 1; k <= 2; k++) {
		d = (k == 1) ? "out" : "in"; who = (d == "out") ? ours : theirs
		ik = val[t, "integrity " who " key"]
		printf "\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"0x%s\",\"%s\",\"%s\"\n", \
			(src[t, d] ~ /:/ ? "IPv6" : "IPv4"), src[t, d], dst[t, d], \
			spi[t, d], esp_encr(alg(encr, "ESP", u)), val[t, "encryption " who " key"], \
			esp_integ(alg(integ, "ESP", u)), (ik == "" ? "" : "0x" ik) > espf
		nesp++
	}
	delete spi[t, "in"]; delete spi[t, "out"]
	delete val[t, "encryption initiator key"]; delete val[t, "encryption responder key"]
	delete val[t, "integrity initiator key"]; delete val[t, "integrity responder key"]
	next
}

END {
	close(ikef); close(espf)
	if (nike == 0) fail("no IKE SA keys found (filelog ike = 4, mgr = 2, ike_name = yes?)")
	if (nesp == 0) fail("no ESP SA keys found (filelog chd = 4?)")
	exit bad
}
