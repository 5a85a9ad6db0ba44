/* SPDX-License-Identifier: ISC */
/* libFuzzer target: sk_decrypt of fuzzed IKE messages with the keys of the strongSwan captures, and an SK/SKF encrypt-decrypt round trip. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "crypto/keys.h"
#include "crypto/sk.h"

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

enum {
	MSG_MAX		= 65536,
	PT_MAX		= 8192,
	SENTINEL	= 0xa5,
	N_SUITES	= 3,
};

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The IKE SA keys of tests/vectors/decode/strongswan-{gcm,cbc,chacha}/
 * ikev2_decryption_table: two IKE SAs per capture (before and after the
 * rekey), so the captured messages decrypt and the fuzzer starts from real
 * inner chains.
 */
struct suite {
	uint16_t	 encr, keybits, integ;
	const char	*ei[2], *er[2], *ai[2], *ar[2];
};

static const struct suite suites[N_SUITES] = {
	{ IKEV2_ENCR_AES_GCM_16, 256, IKEV2_AUTH_NONE,
	  { "1cdd773434a1d6a8692f44c992d321995927e8fb54ca056083009f7cafc8a648"
	    "a2b0dcb3",
	    "fbddd10b20b19c1d963d53d7e0c37e3f1c515993b16931e438589cb7258b939a"
	    "0c527df2" },
	  { "39342272b1309dd55f95eb1fe4dc94eaeba4d9b9b4668159bebacfe03248ae1e"
	    "30420b59",
	    "fa0d69fe465e19ba41d8656f75a57929703684a3806310b051ae851e9ff0b8bc"
	    "a224232f" },
	  { "", "" }, { "", "" } },
	{ IKEV2_ENCR_AES_CBC, 256, IKEV2_AUTH_HMAC_SHA2_256_128,
	  { "a37b175bb3a21164e5727a839ab349dcec23996d69af8c37a05ca23710d795cb",
	    "35015dfb6b52fc6c785d760fa67811f493cebe4c1c20595e714e53fbf1637481" },
	  { "4d7ef7a4a43cba93b567d29c3eeed0c54d8e7322dce9a33603ae94dcbc539ee1",
	    "224a8586ce73b6f18d7ce32806ac52113379f4891cd2a027fb9fcef1dce77312" },
	  { "be88adc4b6d34d89bcbd93cbecd58997f7c986498d0baaf5f652fe12f7cba118",
	    "3640e4c8ce990d73b08b90735d14e678d96c13672f0331594ef678a6d9708312" },
	  { "cae560e1a96852864020a08bfca29c35583cb9abc50386295475e5ee3962c75c",
	    "2b81d2b89b892ccc380f723a4d76fb902593f5f27695134d79fdf92f51a13fc7" } },
	{ IKEV2_ENCR_CHACHA20_POLY1305, 0, IKEV2_AUTH_NONE,
	  { "e35ffdb5b48c5b928e93036901b7cbbc0c8b7890180daf7ce908d465ca5265af"
	    "c7894482",
	    "485243cdaa1dfa2ef8fd3aff8120510bffbbb9f87f482b852a4fe00a97259644"
	    "b92fd445" },
	  { "67acc63269f7c0259d584215c33ba67e32dff85770d4193cea50572cdd79c634"
	    "35c9ae69",
	    "ede82414504f8b8913bc5dd2d14f34c97059de26358bd49ff750d21ac0a294f2"
	    "f09a2293" },
	  { "", "" }, { "", "" } },
};

static uint8_t	 out[MSG_MAX], msg[MSG_MAX + 256];

/* unhex decodes the hex string s into out (at most 64 bytes). */
static size_t
unhex(const char *s, uint8_t *o)
{
	size_t		 i, n = strlen(s) / 2;
	unsigned	 v;

	CHECK(n <= 64);
	for (i = 0; i < n; i++) {
		CHECK(sscanf(s + 2 * i, "%2x", &v) == 1);
		o[i] = (uint8_t)v;
	}
	return n;
}

/* walk_inner iterates a decrypted chain and checks it against chain_parse. */
static void
walk_inner(const uint8_t *pt, size_t len, uint8_t first)
{
	static struct pld	 all[PLD_MAX];
	struct pld_iter		 it;
	struct pld		 p;
	size_t			 n = 0, n2;
	enum ike_err		 e;

	pld_iter_init_inner(&it, rd_init(pt, len), first);
	while (pld_next(&it, &p)) {
		CHECK(p.type != IKEV2_PAYLOAD_SK && p.type != IKEV2_PAYLOAD_SKF);
		CHECK(p.off >= PLD_HDR_LEN && p.off + p.body.len <= len);
		CHECK(p.body.p == pt + p.off);
		n++;
	}
	CHECK(n <= PLD_MAX);
	e = chain_parse(rd_init(pt, len), first, true, all, PLD_MAX, &n2);
	CHECK(e == it.err);
	if (e == IKE_OK)
		CHECK(n2 == n);
}

/* no_plaintext checks that a failed decryption left only the sentinel or
 * zeros in out. */
static void
no_plaintext(size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		CHECK(out[i] == SENTINEL || out[i] == 0);
}

/* open_msg decrypts m (body_off from msg_parse or the fallback byte) and
 * walks what it holds. */
static void
open_msg(const struct sk_cipher *c, const uint8_t *m, size_t len, uint8_t b)
{
	static struct ike_msg	 im;
	size_t			 body_off, n = 0;
	uint8_t			 first;
	enum ike_err		 e;

	if (msg_parse(rd_init(m, len), &im) == IKE_OK && im.sk >= 0) {
		body_off = im.sk_off;
		first = im.sk_next;
	} else {
		body_off = b < len ? b : len;
		first = b;
	}
	memset(out, SENTINEL, len);
	e = sk_decrypt(c, m, len, body_off, out, sizeof(out), &n);
	if (e != IKE_OK) {
		no_plaintext(len);
		return;
	}
	CHECK(n <= len - body_off);
	walk_inner(out, n, first);
}

/* round_trip seals pt in an SK (or SKF 1 of 1) message, opens it again, and
 * checks that a flipped bit anywhere is an integrity failure. */
static void
round_trip(const struct sk_cipher *c, bool skf, uint8_t first,
    const uint8_t *pt, size_t pt_len, unsigned flip)
{
	static struct ike_msg	 im;
	static const uint8_t	 iv[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	struct ike_hdr		 h;
	struct wr		 w = wr_init(msg, sizeof(msg));
	size_t			 sealed, sk_len, body_off, n = 0, pos;
	enum ike_err		 e;

	sealed = sk_sealed_len(c, pt_len);
	CHECK(sealed > pt_len);
	sk_len = PLD_HDR_LEN + (skf ? SKF_HDR_LEN : 0) + sealed;
	if (sk_len > UINT16_MAX)
		return;
	memset(&h, 0, sizeof(h));
	h.ispi = 0x601fee23b87c4f91ULL;
	h.rspi = 0x56a30934935d0c36ULL;
	h.next = skf ? IKEV2_PAYLOAD_SKF : IKEV2_PAYLOAD_SK;
	h.major = IKEV2_MAJOR;
	h.exch = IKEV2_EXCH_INFORMATIONAL;
	h.flags = IKEV2_FLAG_INITIATOR;
	h.msgid = 7;
	h.len = (uint32_t)(IKE_HDR_LEN + sk_len);
	(void)hdr_put(&w, &h);
	wr_u8(&w, first);
	wr_u8(&w, 0);
	wr_u16(&w, (uint16_t)sk_len);
	if (skf)
		skf_put(&w, 1, 1);
	body_off = w.len;
	CHECK(sk_encrypt_iv(c, &w, iv, pt, pt_len) == IKE_OK);
	CHECK(wr_ok(&w) && w.len == h.len);

	CHECK(msg_parse(rd_init(msg, w.len), &im) == IKE_OK);
	CHECK(im.sk == 0 && im.sk_off == body_off && im.sk_next == first);
	CHECK(im.sk_body.len == sealed);
	memset(out, SENTINEL, w.len);
	CHECK(sk_decrypt(c, msg, w.len, body_off, out, sizeof(out), &n) ==
	    IKE_OK);
	CHECK(n == pt_len && (n == 0 || memcmp(out, pt, n) == 0));
	walk_inner(out, n, first);

	/* every byte is authenticated: header, SK header, IV, data, ICV */
	pos = flip % w.len;
	msg[pos] ^= (uint8_t)(1u << (flip >> 16 & 7));
	memset(out, SENTINEL, w.len);
	e = sk_decrypt(c, msg, w.len, body_off, out, sizeof(out), &n);
	CHECK(e == IKE_EINTEG);
	no_plaintext(w.len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t			 ek[64], ak[64];
	struct sk_cipher	 c;
	const struct suite	*s;
	unsigned		 sel, sa, dir;
	const uint8_t		*rest;
	size_t			 len;

	if (size < 2 || size - 2 > MSG_MAX)
		return 0;
	sel = data[0];
	s = &suites[(sel & 3) % N_SUITES];
	sa = sel >> 2 & 1;
	dir = sel >> 3 & 1;
	rest = data + 2;
	len = size - 2;

	memset(&c, 0, sizeof(c));
	c.encr = s->encr;
	c.keybits = s->keybits;
	c.integ = s->integ;
	c.ekey = ek;
	c.ekey_len = unhex(dir ? s->er[sa] : s->ei[sa], ek);
	if (s->integ != IKEV2_AUTH_NONE) {
		c.akey = ak;
		c.akey_len = unhex(dir ? s->ar[sa] : s->ai[sa], ak);
	}
	CHECK(c.ekey_len == encr_key_len(c.encr, c.keybits));

	open_msg(&c, rest, len, data[1]);
	if (len <= PT_MAX)
		round_trip(&c, sel >> 4 & 1, data[1], rest, len,
		    (unsigned)data[1] * 131 + (unsigned)len + (sel >> 5 << 16));
	return 0;
}
