/* SPDX-License-Identifier: ISC */
/* Known answers for AES-GCM, ChaCha20-Poly1305, AES-CBC/CTR, and SK payload protection. */
#include "buf/buf.h"
#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/integ.h"
#include "crypto/keys.h"
#include "crypto/sk.h"
#include "names/ikev2.h"
#include "test.h"
#include "test_crypto_vec.h"

static struct vec	 v[VEC_MAX];

/* aead_file seals and opens every record of a KEY/SALT/IV/AAD/PLAINTEXT/
 * CIPHERTEXT/ICV-or-TAG file, and checks that a changed tag fails. */
static int
aead_file(const char *file, int want_n)
{
	int	 n, i, bad = 0;

	if ((n = vec_load(file, v, VEC_MAX)) != want_n)
		return -1;
	for (i = 0; i < n && !bad; i++) {
		size_t		 kl, sl, il, al, pl, cl, tl;
		uint8_t		*k = vec_get(&v[i], "KEY", &kl), *s = vec_get(&v[i], "SALT", &sl);
		uint8_t		*iv = vec_get(&v[i], "IV", &il), *aad = vec_get(&v[i], "AAD", &al);
		uint8_t		*pt = vec_get(&v[i], "PLAINTEXT", &pl);
		uint8_t		*ct = vec_get(&v[i], "CIPHERTEXT", &cl);
		uint8_t		*tag = vec_get(&v[i], "ICV", &tl), key[40], out[512], icv[16];
		uint16_t	 encr;
		struct aead	 se, op;

		if (tag == NULL)
			tag = vec_get(&v[i], "TAG", &tl);
		encr = strstr(file, "chacha") != NULL ? IKEV2_ENCR_CHACHA20_POLY1305 :
		    tl == 8 ? IKEV2_ENCR_AES_GCM_8 : tl == 12 ? IKEV2_ENCR_AES_GCM_12 :
		    IKEV2_ENCR_AES_GCM_16;
		memcpy(key, k, kl);
		memcpy(key + kl, s, sl);	/* keying material = key | salt */
		if (aead_init(&se, encr, key, kl + sl, true) != IKE_OK ||
		    aead_init(&op, encr, key, kl + sl, false) != IKE_OK)
			bad = 1;
		else if (il != 8 || cl != pl || aead_seal(&se, iv, aad, al, pt, pl,
		    out, icv) != IKE_OK || memcmp(out, ct, cl) != 0 ||
		    memcmp(icv, tag, tl) != 0)
			bad = 2;
		else if (aead_open(&op, iv, aad, al, ct, cl, tag, out) != IKE_OK ||
		    memcmp(out, pt, pl) != 0)
			bad = 3;
		else {
			/* the same contexts again, then a bad tag */
			tag[0] ^= 1;
			if (aead_seal(&se, iv, aad, al, pt, pl, out, icv) != IKE_OK ||
			    memcmp(icv, tag, tl) == 0 ||
			    aead_open(&op, iv, aad, al, ct, cl, tag, out) != IKE_EINTEG)
				bad = 4;
			else {
				size_t	 z;

				for (z = 0; z < pl; z++)	/* nothing left */
					if (out[z] != 0)
						bad = 5;
			}
		}
		if (bad)
			fprintf(stderr, "%s: %s fails (%d)\n", file, v[i].title, bad);
		aead_free(&se);
		aead_free(&op);
		free(k); free(s); free(iv); free(aad); free(pt); free(ct); free(tag);
	}
	vec_free(v, n);
	return bad;
}

TEST(gcm_spec_in_rfc4106_layout)
{
	ASSERT_EQ(aead_file("gcm-spec-rfc4106-layout.txt", 14), 0);
}

TEST(rfc7634_rfc7539_chacha20_poly1305)
{
	ASSERT_EQ(aead_file("rfc7634-chacha20-poly1305.txt", 4), 0);
}

static int
cipher_file(const char *file, uint16_t encr, int want_n)
{
	int	 n, i, bad = 0;

	if ((n = vec_load(file, v, VEC_MAX)) != want_n)
		return -1;
	for (i = 0; i < n && !bad; i++) {
		size_t		 kl, nl = 0, il, pl, cl;
		uint8_t		*k = vec_get(&v[i], "KEY", &kl), *no = vec_get(&v[i], "NONCE", &nl);
		uint8_t		*iv = vec_get(&v[i], "IV", &il), *pt = vec_get(&v[i], "PLAINTEXT", &pl);
		uint8_t		*ct = vec_get(&v[i], "CIPHERTEXT", &cl), key[36], out[256];
		struct cipher	 e, d;

		memcpy(key, k, kl);
		if (no != NULL)
			memcpy(key + kl, no, nl);	/* key | nonce (RFC 3686) */
		if (cipher_init(&e, encr, key, kl + nl, true) != IKE_OK ||
		    cipher_init(&d, encr, key, kl + nl, false) != IKE_OK)
			bad = 1;
		else if (cipher_run(&e, iv, pt, pl, out) != IKE_OK ||
		    memcmp(out, ct, cl) != 0)
			bad = 2;
		else if (cipher_run(&d, iv, ct, cl, out) != IKE_OK ||
		    memcmp(out, pt, pl) != 0)
			bad = 3;
		if (bad)
			fprintf(stderr, "%s: %s fails (%d)\n", file, v[i].title, bad);
		cipher_free(&e);
		cipher_free(&d);
		free(k); free(no); free(iv); free(pt); free(ct);
	}
	vec_free(v, n);
	return bad;
}

TEST(rfc3602_aes_cbc)
{
	ASSERT_EQ(cipher_file("rfc3602-aes-cbc.txt", IKEV2_ENCR_AES_CBC, 3), 0);
}

TEST(rfc3686_aes_ctr)
{
	ASSERT_EQ(cipher_file("rfc3686-aes-ctr.txt", IKEV2_ENCR_AES_CTR, 9), 0);
}

/* RFC 7634 appendix B: the IKEv2 example, an INFORMATIONAL request whose SK
 * payload holds one Notify. msg = IKE header | SK header | IV | ct | tag. */
static const char rfc7634_ike_msg[] =
    "c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d72e20250000000009000000452900 0029"
    "1011121314151617"
    "610394701f8d017f7c12924889"
    "6b71bfe25236efd7cdc67066906315b2";
static const char rfc7634_key[] =
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3";

TEST(rfc7634_ikev2_sk_decrypt_and_encrypt)
{
	uint8_t			 msg[69], key[36], out[64], buf[128];
	struct sk_cipher	 c = { IKEV2_ENCR_CHACHA20_POLY1305, 0,
	    IKEV2_AUTH_NONE, key, 36, NULL, 0 };
	struct wr		 w;
	size_t			 n;

	ASSERT_EQ(test_unhex(msg, sizeof(msg), rfc7634_ike_msg), 69);
	test_unhex(key, sizeof(key), rfc7634_key);
	ASSERT_EQ(sk_decrypt(&c, msg, 69, 32, out, sizeof(out), &n), IKE_OK);
	ASSERT_EQ(n, 12);
	ASSERT_MEM(out, "\x00\x00\x00\x0c\x00\x00\x40\x01\x00\x00\x00\x0a", 12);
	/* the same bytes from sk_encrypt_iv with the example's IV */
	ASSERT_EQ(sk_sealed_len(&c, 12), 8 + 13 + 16);
	w = wr_init(buf, sizeof(buf));
	wr_bytes(&w, msg, 32);
	ASSERT_EQ(sk_encrypt_iv(&c, &w, msg + 32, out, 12), IKE_OK);
	ASSERT_EQ(w.len, 69);
	ASSERT_MEM(buf, msg, 69);
	/* tamper with the header (AAD), IV, ciphertext and tag */
	msg[17] ^= 1;
	ASSERT_EQ(sk_decrypt(&c, msg, 69, 32, out, sizeof(out), &n), IKE_EINTEG);
	msg[17] ^= 1;
	msg[33] ^= 1;
	ASSERT_EQ(sk_decrypt(&c, msg, 69, 32, out, sizeof(out), &n), IKE_EINTEG);
	msg[33] ^= 1;
	msg[45] ^= 0x80;
	ASSERT_EQ(sk_decrypt(&c, msg, 69, 32, out, sizeof(out), &n), IKE_EINTEG);
	msg[45] ^= 0x80;
	msg[68] ^= 1;
	ASSERT_EQ(sk_decrypt(&c, msg, 69, 32, out, sizeof(out), &n), IKE_EINTEG);
	msg[68] ^= 1;
	ASSERT_EQ(sk_decrypt(&c, msg, 69, 32, out, 12, &n), IKE_ETOOBIG);
	ASSERT_EQ(sk_decrypt(&c, msg, 32 + 8 + 16, 32, out, sizeof(out), &n),
	    IKE_ETRUNC);
	ASSERT_EQ(sk_decrypt(&c, msg, 69, 32, out, sizeof(out), &n), IKE_OK);
}

struct sk_case {
	uint16_t	 encr, keybits, integ;
};

static const struct sk_case sk_cases[] = {
	{ IKEV2_ENCR_AES_CBC, 128, IKEV2_AUTH_HMAC_SHA1_96 },
	{ IKEV2_ENCR_AES_CBC, 128, IKEV2_AUTH_AES_XCBC_96 },
	{ IKEV2_ENCR_AES_CBC, 192, IKEV2_AUTH_HMAC_SHA2_256_128 },
	{ IKEV2_ENCR_AES_CBC, 256, IKEV2_AUTH_HMAC_SHA2_256_128 },
	{ IKEV2_ENCR_AES_CBC, 256, IKEV2_AUTH_HMAC_SHA2_384_192 },
	{ IKEV2_ENCR_AES_CBC, 256, IKEV2_AUTH_HMAC_SHA2_512_256 },
	{ IKEV2_ENCR_AES_CTR, 128, IKEV2_AUTH_HMAC_SHA2_256_128 },
	{ IKEV2_ENCR_AES_CTR, 256, IKEV2_AUTH_HMAC_SHA2_512_256 },
	{ IKEV2_ENCR_AES_GCM_8, 128, IKEV2_AUTH_NONE },
	{ IKEV2_ENCR_AES_GCM_12, 192, IKEV2_AUTH_NONE },
	{ IKEV2_ENCR_AES_GCM_16, 128, IKEV2_AUTH_NONE },
	{ IKEV2_ENCR_AES_GCM_16, 256, IKEV2_AUTH_NONE },
	{ IKEV2_ENCR_CHACHA20_POLY1305, 0, IKEV2_AUTH_NONE },
};

/* sk_msg writes a fake IKE header and SK header (the AAD) with the lengths
 * for pt_len inner bytes, plus the 4 SKF bytes if skf, and seals pt. */
static enum ike_err
sk_msg(const struct sk_cipher *c, struct wr *w, const uint8_t *pt,
    size_t pt_len, bool skf)
{
	size_t	 body = sk_sealed_len(c, pt_len), hdr = 4 + (skf ? 4 : 0), i;

	for (i = 0; i < 16; i++)
		wr_u8(w, (uint8_t)(0xa0 + i));		/* SPIs */
	wr_u8(w, skf ? 53 : 46);			/* next: SKF / SK */
	wr_u8(w, 0x20);
	wr_u8(w, 37);					/* INFORMATIONAL */
	wr_u8(w, 0x08);
	wr_u32(w, 7);
	wr_u32(w, (uint32_t)(28 + hdr + body));
	wr_u8(w, 41);					/* inner: Notify */
	wr_u8(w, 0);
	wr_u16(w, (uint16_t)(hdr + body));
	if (skf) {
		wr_u16(w, 1);				/* fragment 1 */
		wr_u16(w, 1);				/* of 1 */
	}
	return sk_encrypt(c, w, pt, pt_len);
}

TEST(sk_round_trip_and_tamper_every_suite)
{
	uint8_t		 ek[36], ak[64], pt[100], buf[512], out[512];
	size_t		 i, j, n, len, off;

	for (i = 0; i < sizeof(ek); i++)
		ek[i] = (uint8_t)(i * 7);
	for (i = 0; i < sizeof(ak); i++)
		ak[i] = (uint8_t)(i * 11 + 1);
	for (i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)i;
	for (i = 0; i < sizeof(sk_cases) / sizeof(sk_cases[0]); i++) {
		const struct sk_case	*t = &sk_cases[i];
		struct sk_cipher	 c = { t->encr, t->keybits, t->integ, ek,
		    encr_key_len(t->encr, t->keybits), ak, integ_key_len(t->integ) };

		for (j = 0; j < 4; j++) {
			size_t	 pt_len = j == 0 ? 0 : j == 1 ? 1 : j == 2 ? 15 : 100;
			bool	 skf = j == 3;
			struct wr w = wr_init(buf, sizeof(buf));
			size_t	 icv = t->integ != IKEV2_AUTH_NONE ?
			    integ_icv_len(t->integ) : t->encr == IKEV2_ENCR_AES_GCM_8 ?
			    8 : t->encr == IKEV2_ENCR_AES_GCM_12 ? 12 : 16;

			if (sk_msg(&c, &w, pt, pt_len, skf) != IKE_OK || !wr_ok(&w)) {
				fprintf(stderr, "case %zu/%zu: encrypt\n", i, j);
				ASSERT(0);
			}
			len = w.len;
			off = 32 + (skf ? 4 : 0);
			ASSERT_EQ(len, off + sk_sealed_len(&c, pt_len));
			if (t->encr == IKEV2_ENCR_AES_CBC)
				ASSERT_EQ((len - off - 16 - icv) % 16, 0);
			ASSERT_EQ(sk_decrypt(&c, buf, len, off, out, sizeof(out), &n),
			    IKE_OK);
			ASSERT_EQ(n, pt_len);
			ASSERT(pt_len == 0 || memcmp(out, pt, pt_len) == 0);
			/* header (AAD / HMAC'ed), IV, first ciphertext byte, ICV */
			buf[20] ^= 1;
			ASSERT_EQ(sk_decrypt(&c, buf, len, off, out, sizeof(out), &n),
			    IKE_EINTEG);
			buf[20] ^= 1;
			buf[off] ^= 1;
			ASSERT_EQ(sk_decrypt(&c, buf, len, off, out, sizeof(out), &n),
			    IKE_EINTEG);
			buf[off] ^= 1;
			buf[len - icv - 1] ^= 1;
			ASSERT_EQ(sk_decrypt(&c, buf, len, off, out, sizeof(out), &n),
			    IKE_EINTEG);
			buf[len - icv - 1] ^= 1;
			buf[len - 1] ^= 1;
			ASSERT_EQ(sk_decrypt(&c, buf, len, off, out, sizeof(out), &n),
			    IKE_EINTEG);
			buf[len - 1] ^= 1;
			/* the AEAD's AAD boundary matters: SKF bytes are in it
			 * (with an HMAC the ICV covers everything anyway) */
			if (skf && t->integ == IKEV2_AUTH_NONE)
				ASSERT(sk_decrypt(&c, buf, len, off - 4, out, sizeof(out),
				    &n) != IKE_OK);
			ASSERT_EQ(sk_decrypt(&c, buf, len, off, out, sizeof(out), &n),
			    IKE_OK);
		}
	}
}

/* A correctly authenticated body whose Pad Length is too big is an error. */
TEST(sk_bad_padding)
{
	uint8_t			 key[20], ak[32], msg[128], ct[32], out[64];
	struct sk_cipher	 c = { IKEV2_ENCR_AES_GCM_16, 128, IKEV2_AUTH_NONE,
	    key, 20, NULL, 0 };
	struct sk_cipher	 cbc = { IKEV2_ENCR_AES_CBC, 128,
	    IKEV2_AUTH_HMAC_SHA2_256_128, key, 16, ak, 32 };
	struct aead		 a;
	struct cipher		 ci;
	size_t			 n;

	memset(key, 0x42, sizeof(key));
	memset(ak, 0x24, sizeof(ak));
	memset(msg, 0x11, 32);			/* header: AAD */
	memset(msg + 32, 0x01, 8);		/* IV */
	memset(ct, 0, sizeof(ct));
	ct[3] = 4;				/* pad length 4 > 3 bytes before it */
	ASSERT_EQ(aead_init(&a, c.encr, key, 20, true), IKE_OK);
	ASSERT_EQ(aead_seal(&a, msg + 32, msg, 32, ct, 4, msg + 40, msg + 44),
	    IKE_OK);
	aead_free(&a);
	ASSERT_EQ(sk_decrypt(&c, msg, 60, 32, out, sizeof(out), &n), IKE_ESYNTAX);
	ct[3] = 3;				/* exactly fills: empty payload */
	ASSERT_EQ(aead_init(&a, c.encr, key, 20, true), IKE_OK);
	ASSERT_EQ(aead_seal(&a, msg + 32, msg, 32, ct, 4, msg + 40, msg + 44),
	    IKE_OK);
	aead_free(&a);
	ASSERT_EQ(sk_decrypt(&c, msg, 60, 32, out, sizeof(out), &n), IKE_OK);
	ASSERT_EQ(n, 0);

	/* CBC: one block ending in pad length 16, with a valid HMAC */
	memset(msg + 32, 0x05, 16);		/* IV */
	memset(ct, 0, 16);
	ct[15] = 16;
	ASSERT_EQ(cipher_init(&ci, IKEV2_ENCR_AES_CBC, key, 16, true), IKE_OK);
	ASSERT_EQ(cipher_run(&ci, msg + 32, ct, 16, msg + 48), IKE_OK);
	cipher_free(&ci);
	ASSERT_EQ(integ_mac(cbc.integ, ak, 32, msg, 64, msg + 64), IKE_OK);
	ASSERT_EQ(sk_decrypt(&cbc, msg, 80, 32, out, sizeof(out), &n), IKE_ESYNTAX);
	/* and a ciphertext that is not whole blocks */
	ASSERT_EQ(sk_decrypt(&cbc, msg, 79, 32, out, sizeof(out), &n), IKE_ESYNTAX);
}

TEST(sk_bad_keys_and_transforms)
{
	uint8_t			 key[40] = { 0 }, buf[256], out[256];
	struct sk_cipher	 c = { IKEV2_ENCR_AES_GCM_16, 128, IKEV2_AUTH_NONE,
	    key, 19, NULL, 0 };
	struct wr		 w = wr_init(buf, sizeof(buf));
	size_t			 n;

	ASSERT_EQ(sk_encrypt(&c, &w, key, 4), IKE_EINVAL);	/* 19 != 16 + 4 */
	c.keybits = 0;
	ASSERT_EQ(sk_encrypt(&c, &w, key, 4), IKE_EINVAL);	/* 15-byte key */
	c.ekey_len = 20;
	c.integ = IKEV2_AUTH_HMAC_SHA2_256_128;			/* AEAD + integ */
	ASSERT_EQ(sk_encrypt(&c, &w, key, 4), IKE_EUNSUPP);
	c.encr = 3;						/* 3DES */
	ASSERT_EQ(sk_encrypt(&c, &w, key, 4), IKE_EUNSUPP);
	ASSERT_EQ(sk_sealed_len(&c, 4), 0);
	c.encr = IKEV2_ENCR_AES_CBC;
	c.keybits = 128;
	c.ekey_len = 16;
	c.akey = key;
	c.akey_len = 31;					/* HMAC key 32 */
	ASSERT_EQ(sk_encrypt(&c, &w, key, 4), IKE_EINVAL);
	c.integ = IKEV2_AUTH_NONE;				/* CBC alone */
	ASSERT_EQ(sk_encrypt(&c, &w, key, 4), IKE_EUNSUPP);
	c.encr = IKEV2_ENCR_NULL;
	ASSERT_EQ(sk_decrypt(&c, buf, 64, 32, out, sizeof(out), &n), IKE_EUNSUPP);
	ASSERT_EQ(w.len, 0);
	/* no room */
	c = (struct sk_cipher){ IKEV2_ENCR_AES_GCM_16, 128, IKEV2_AUTH_NONE, key,
	    20, NULL, 0 };
	w = wr_init(buf, 40);
	wr_zero(&w, 32);
	ASSERT_EQ(sk_encrypt(&c, &w, key, 4), IKE_ETOOBIG);
}
