/* SPDX-License-Identifier: ISC */
/* Known answers for prf, prf+, the integrity transforms and psk_auth. */
#include "crypto/auth.h"
#include "crypto/integ.h"
#include "crypto/keys.h"
#include "crypto/prf.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "test.h"
#include "test_crypto_vec.h"

static struct vec	 v[VEC_MAX];

/* hmac_file checks every Key/Msg/MD record of an RFC 4231 / RFC 2202 file. */
static int
hmac_file(const char *file, uint16_t prf_id, int want_n)
{
	int	 n, i, bad = 0;

	if ((n = vec_load(file, v, VEC_MAX)) != want_n) {
		fprintf(stderr, "%s: %d records, want %d\n", file, n, want_n);
		return 1;
	}
	for (i = 0; i < n; i++) {
		size_t	 kl, ml, dl;
		uint8_t	*k = vec_get(&v[i], "Key", &kl), *m = vec_get(&v[i], "Msg", &ml);
		uint8_t	*md = vec_get(&v[i], "MD", &dl), out[PRF_MAX_LEN];

		if (k == NULL || m == NULL || md == NULL || dl != prf_len(prf_id) ||
		    prf(prf_id, k, kl, m, ml, out) != IKE_OK ||
		    memcmp(out, md, dl) != 0) {
			fprintf(stderr, "%s: case %d fails\n", file, i + 1);
			bad = 1;
		}
		free(k);
		free(m);
		free(md);
	}
	vec_free(v, n);
	return bad;
}

TEST(rfc4231_hmac_sha2_prf)
{
	ASSERT_EQ(hmac_file("rfc4231-hmac-sha256.txt", IKEV2_PRF_HMAC_SHA2_256, 6), 0);
	ASSERT_EQ(hmac_file("rfc4231-hmac-sha384.txt", IKEV2_PRF_HMAC_SHA2_384, 6), 0);
	ASSERT_EQ(hmac_file("rfc4231-hmac-sha512.txt", IKEV2_PRF_HMAC_SHA2_512, 6), 0);
}

TEST(rfc2202_hmac_sha1_prf)
{
	ASSERT_EQ(hmac_file("rfc2202-hmac-sha1.txt", IKEV2_PRF_HMAC_SHA1, 7), 0);
}

static uint16_t
prf_of(const char *title)
{
	if (strstr(title, "SHA2_256") != NULL) return IKEV2_PRF_HMAC_SHA2_256;
	if (strstr(title, "SHA2_384") != NULL) return IKEV2_PRF_HMAC_SHA2_384;
	if (strstr(title, "SHA2_512") != NULL) return IKEV2_PRF_HMAC_SHA2_512;
	return 0;
}

static uint16_t
integ_of(const char *title)
{
	if (strstr(title, "SHA2_256_128") != NULL) return IKEV2_AUTH_HMAC_SHA2_256_128;
	if (strstr(title, "SHA2_384_192") != NULL) return IKEV2_AUTH_HMAC_SHA2_384_192;
	if (strstr(title, "SHA2_512_256") != NULL) return IKEV2_AUTH_HMAC_SHA2_512_256;
	return 0;
}

TEST(rfc4868_prf_and_truncated_integrity)
{
	int	 n, i, n_prf = 0, n_integ = 0, bad = 0;

	n = vec_load("rfc4868-hmac-sha2-prf-and-integrity.txt", v, VEC_MAX);
	ASSERT_EQ(n, 24);
	for (i = 0; i < n; i++) {
		size_t	 kl, dl, ol;
		uint8_t	*k = vec_get(&v[i], "KEY", &kl), *d = vec_get(&v[i], "DATA", &dl);
		uint8_t	*want, out[PRF_MAX_LEN];
		uint16_t id;

		if ((want = vec_get(&v[i], "PRF_OUT", &ol)) != NULL) {
			id = prf_of(v[i].title);
			n_prf++;
			if (ol != prf_len(id) || prf(id, k, kl, d, dl, out) != IKE_OK ||
			    memcmp(out, want, ol) != 0)
				bad = i + 1;
		} else if ((want = vec_get(&v[i], "TRUNCATED_MAC", &ol)) != NULL) {
			id = integ_of(v[i].title);
			n_integ++;
			if (ol != integ_icv_len(id) || kl != integ_key_len(id) ||
			    integ_mac(id, k, kl, d, dl, out) != IKE_OK ||
			    memcmp(out, want, ol) != 0)
				bad = i + 1;
		} else
			bad = i + 1;
		free(k);
		free(d);
		free(want);
		if (bad)
			fprintf(stderr, "failed: %s\n", v[i].title);
		ASSERT_EQ(bad, 0);
	}
	vec_free(v, n);
	ASSERT_EQ(n_prf, 15);
	ASSERT_EQ(n_integ, 9);
}

TEST(sp800_135_prf_plus)
{
	int	 n, i;

	n = vec_load("ikev2-prfplus-sp800-135.txt", v, VEC_MAX);
	ASSERT_EQ(n, 7);
	for (i = 0; i < n; i++) {
		size_t	 kl, sl, ol;
		uint8_t	*k = vec_get(&v[i], "KEY(SKEYSEED)", &kl);
		uint8_t	*s = vec_get(&v[i], "SEED(Ni|Nr|SPIi|SPIr)", &sl);
		uint8_t	*want = vec_get(&v[i], "PRF_PLUS_OUT", &ol), out[512];
		int	 ok;

		ok = k != NULL && s != NULL && want != NULL && ol <= sizeof(out) &&
		    prf_plus(prf_of(v[i].title), k, kl, s, sl, out, ol) == IKE_OK &&
		    memcmp(out, want, ol) == 0;
		free(k);
		free(s);
		free(want);
		if (!ok)
			fprintf(stderr, "failed: %s\n", v[i].title);
		ASSERT(ok);
	}
	vec_free(v, n);
}

TEST(prf_plus_block_limit)
{
	static uint8_t	 out[255 * 32 + 1];
	static const uint8_t key[4] = "key", seed[4] = "sed";
	uint8_t		 t1[32], t255[32];
	uint8_t		 buf[32 + 3 + 1];

	/* 255 blocks is the most prf+ can give (RFC 7296 2.13) */
	ASSERT_EQ(prf_plus(IKEV2_PRF_HMAC_SHA2_256, key, 3, seed, 3, out,
	    255 * 32), IKE_OK);
	ASSERT_EQ(prf_plus(IKEV2_PRF_HMAC_SHA2_256, key, 3, seed, 3, out,
	    255 * 32 + 1), IKE_EINVAL);
	/* T1 = prf(K, S | 0x01) and T255 = prf(K, T254 | S | 0xff) */
	ASSERT_EQ(prf_plus(IKEV2_PRF_HMAC_SHA2_256, key, 3, seed, 3, out,
	    255 * 32), IKE_OK);
	memcpy(buf, seed, 3);
	buf[3] = 1;
	ASSERT_EQ(prf(IKEV2_PRF_HMAC_SHA2_256, key, 3, buf, 4, t1), IKE_OK);
	ASSERT_MEM(out, t1, 32);
	memcpy(buf, out + 253 * 32, 32);
	memcpy(buf + 32, seed, 3);
	buf[35] = 0xff;
	ASSERT_EQ(prf(IKEV2_PRF_HMAC_SHA2_256, key, 3, buf, 36, t255), IKE_OK);
	ASSERT_MEM(out + 254 * 32, t255, 32);
}

TEST(prf_unsupported_and_lengths)
{
	uint8_t	 out[64];

	ASSERT_EQ(prf_len(IKEV2_PRF_HMAC_SHA1), 20);
	ASSERT_EQ(prf_len(IKEV2_PRF_HMAC_SHA2_512), 64);
	ASSERT_EQ(prf_len(IKEV2_PRF_AES128_XCBC), 16);
	ASSERT_EQ(prf_len(1 /* HMAC_MD5 */), 0);
	ASSERT_EQ(prf_len(999), 0);
	ASSERT_EQ(prf(999, (const uint8_t *)"k", 1, (const uint8_t *)"d", 1, out),
	    IKE_EUNSUPP);
	ASSERT_EQ(prf_plus(999, (const uint8_t *)"k", 1, (const uint8_t *)"d", 1,
	    out, 10), IKE_EUNSUPP);
	ASSERT_EQ(integ_mac(IKEV2_AUTH_HMAC_SHA2_256_128, (const uint8_t *)"short",
	    5, (const uint8_t *)"d", 1, out), IKE_EINVAL);
	ASSERT_EQ(integ_mac(IKEV2_AUTH_NONE, NULL, 0, (const uint8_t *)"d", 1, out),
	    IKE_EUNSUPP);
}

/* RFC 3566 4.6 test cases for AES-XCBC-MAC-96 (key 000102...0f). */
TEST(rfc3566_aes_xcbc_mac_96)
{
	static const struct { size_t len; const char *mac; } tc[] = {
		{ 0, "75f0251d528ac01c4573dfd5" },
		{ 3, "5b376580ae2f19afe7219cee" },
		{ 16, "d2a246fa349b68a79998a439" },
		{ 20, "47f51b4564966215b8985c63" },
		{ 32, "f54f0ec8d2b9f3d36807734b" },
		{ 34, "becbb3bccdb518a30677d548" },
	};
	uint8_t	 key[16], msg[34], want[12], out[12];
	size_t	 i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		test_unhex(want, sizeof(want), tc[i].mac);
		ASSERT_EQ(integ_mac(IKEV2_AUTH_AES_XCBC_96, key, 16, msg, tc[i].len,
		    out), IKE_OK);
		ASSERT_MEM(out, want, 12);
	}
}

/* RFC 4434 4 (AES-XCBC-PRF-128) and RFC 4615 4 (AES-CMAC-PRF-128): message
 * 000102...13, keys of 16, 10 and 18 bytes. */
TEST(rfc4434_rfc4615_aes_prfs)
{
	static const struct { uint16_t id; size_t key_len; const char *out; } tc[] = {
		{ IKEV2_PRF_AES128_XCBC, 16, "47f51b4564966215b8985c63055ed308" },
		{ IKEV2_PRF_AES128_XCBC, 10, "0fa087af7d866e7653434e602fdde835" },
		{ IKEV2_PRF_AES128_XCBC, 18, "8cd3c93ae598a9803006ffb67c40e9e4" },
		{ IKEV2_PRF_AES128_CMAC, 16, "980ae87b5f4c9c5214f5b6a8455e4c2d" },
		{ IKEV2_PRF_AES128_CMAC, 10, "290d9e112edb09ee141fcf64c0b72f3d" },
		{ IKEV2_PRF_AES128_CMAC, 18, "84a348a4a45d235babfffc0d2b4da09a" },
	};
	uint8_t	 key[18], msg[20], want[16], out[16];
	size_t	 i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	key[16] = 0xed;
	key[17] = 0xcb;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		test_unhex(want, sizeof(want), tc[i].out);
		ASSERT_EQ(prf(tc[i].id, key, tc[i].key_len, msg, sizeof(msg), out),
		    IKE_OK);
		if (memcmp(out, want, 16) != 0)
			fprintf(stderr, "case %zu\n", i);
		ASSERT_MEM(out, want, 16);
	}
}

/* AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>); the
 * expected value was computed independently with Python's hmac module. */
TEST(psk_auth_known_answer)
{
	static const uint8_t psk[] = "secret", so[] = "signed octets";
	uint8_t	 out[32], want[32];

	test_unhex(want, sizeof(want),
	    "19bfdf542bd49158a67d4ee9591023e030135080fbbbf4fb49b495179c71f6c6");
	ASSERT_EQ(psk_auth(IKEV2_PRF_HMAC_SHA2_256, psk, 6, so, 13, out), IKE_OK);
	ASSERT_MEM(out, want, 32);
	ASSERT_EQ(psk_auth(IKEV2_PRF_HMAC_SHA2_256, psk, 0, so, 13, out), IKE_EINVAL);
	ASSERT_EQ(psk_auth(999, psk, 6, so, 13, out), IKE_EUNSUPP);
}

TEST(secret_helpers)
{
	uint8_t	 a[32], b[32], z[32];

	ASSERT(crypto_init());
	ASSERT(crypto_init());		/* idempotent */
	memset(z, 0, sizeof(z));
	rand_bytes(a, sizeof(a));
	rand_bytes(b, sizeof(b));
	ASSERT(memcmp(a, b, sizeof(a)) != 0);
	ASSERT(memcmp(a, z, sizeof(a)) != 0);
	ASSERT(ct_eq(a, a, sizeof(a)));
	memcpy(b, a, sizeof(a));
	b[31] ^= 0x80;
	ASSERT(!ct_eq(a, b, sizeof(a)));
	ASSERT(ct_eq(a, b, 0));
	wipe(a, sizeof(a));
	ASSERT_MEM(a, z, sizeof(a));
	wipe(NULL, 0);
}
