/* SPDX-License-Identifier: ISC */
/* Known answers for SKEYSEED, the SK_* keys and Child SA KEYMAT (NIST CAVS IKEv2 KDF). */
#include "crypto/keys.h"
#include "crypto/prf.h"
#include "names/ikev2.h"
#include "test.h"
#include "test_crypto_vec.h"

static struct vec	 v[VEC_MAX];

/* The CAVS record: SHA-1, 64-bit nonces, 256-bit g^ir, 1056-bit DKMs. */
struct cavs {
	uint8_t	*ni, *nr, *gir, *gir_new, *spii, *spir, *skeyseed, *dkm, *cdkm,
		*cdkm_dh, *rekey;
	size_t	 ni_len, nr_len, gir_len, gir_new_len, spi_len, skeyseed_len,
		 dkm_len, cdkm_len, cdkm_dh_len, rekey_len;
};

static int
cavs_load(struct cavs *c)
{
	int	 n, i;
	size_t	 l;

	n = vec_load("ikev2-kdf-cavs-sha1.txt", v, VEC_MAX);
	for (i = 0; i < n; i++)
		if (vec_field_find(&v[i], "SKEYSEED") != NULL)
			break;
	if (i == n)
		return -1;
	c->ni = vec_get(&v[i], "Ni", &c->ni_len);
	c->nr = vec_get(&v[i], "Nr", &c->nr_len);
	c->gir = vec_get(&v[i], "g^ir", &c->gir_len);
	c->gir_new = vec_get(&v[i], "g^ir (new)", &c->gir_new_len);
	c->spii = vec_get(&v[i], "SPIi", &c->spi_len);
	c->spir = vec_get(&v[i], "SPIr", &l);
	c->skeyseed = vec_get(&v[i], "SKEYSEED", &c->skeyseed_len);
	c->dkm = vec_get(&v[i], "DKM", &c->dkm_len);
	c->cdkm = vec_get(&v[i], "DKM(Child SA)", &c->cdkm_len);
	c->cdkm_dh = vec_get(&v[i], "DKM(Child SA D-H)", &c->cdkm_dh_len);
	c->rekey = vec_get(&v[i], "SKEYSEED(Rekey)", &c->rekey_len);
	vec_free(v, n);
	if (c->rekey == NULL || c->spir == NULL || c->spi_len != 8 || l != 8)
		return -1;
	return 0;
}

static void
cavs_free(struct cavs *c)
{
	free(c->ni); free(c->nr); free(c->gir); free(c->gir_new); free(c->spii);
	free(c->spir); free(c->skeyseed); free(c->dkm); free(c->cdkm);
	free(c->cdkm_dh); free(c->rekey);
}

static uint64_t
be64(const uint8_t *p)
{
	uint64_t	 x = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		x = x << 8 | p[i];
	return x;
}

/* HMAC-SHA1 PRF, HMAC-SHA1-96 (20-byte keys), AES-128-CBC: SK_d 20 +
 * SK_a 2*20 + SK_e 2*16 + SK_p 2*20 = 132 bytes = the CAVS DKM length. */
static const struct ike_suite cavs_suite = {
	IKEV2_ENCR_AES_CBC, 128, IKEV2_AUTH_HMAC_SHA1_96, IKEV2_PRF_HMAC_SHA1,
	IKEV2_DH_MODP_2048,
};

static void
keys_flat(const struct ike_keys *k, uint8_t *out)
{
	size_t	 o = 0;

	memcpy(out + o, k->sk_d, k->d_len);	o += k->d_len;
	memcpy(out + o, k->sk_ai, k->a_len);	o += k->a_len;
	memcpy(out + o, k->sk_ar, k->a_len);	o += k->a_len;
	memcpy(out + o, k->sk_ei, k->e_len);	o += k->e_len;
	memcpy(out + o, k->sk_er, k->e_len);	o += k->e_len;
	memcpy(out + o, k->sk_pi, k->p_len);	o += k->p_len;
	memcpy(out + o, k->sk_pr, k->p_len);
}

TEST(cavs_skeyseed_and_dkm)
{
	struct cavs	 c;
	struct ike_keys	 k;
	uint8_t		 seed[20], flat[132];

	ASSERT_EQ(cavs_load(&c), 0);
	ASSERT_EQ(c.dkm_len, 132);
	ASSERT_EQ(ike_keys_skeyseed(seed, IKEV2_PRF_HMAC_SHA1, c.ni, c.ni_len,
	    c.nr, c.nr_len, c.gir, c.gir_len), IKE_OK);
	ASSERT_MEM(seed, c.skeyseed, 20);
	ASSERT_EQ(ike_keys_derive(&k, &cavs_suite, c.ni, c.ni_len, c.nr, c.nr_len,
	    c.gir, c.gir_len, be64(c.spii), be64(c.spir)), IKE_OK);
	ASSERT_EQ(k.d_len, 20);
	ASSERT_EQ(k.a_len, 20);
	ASSERT_EQ(k.e_len, 16);
	ASSERT_EQ(k.p_len, 20);
	keys_flat(&k, flat);
	ASSERT_MEM(flat, c.dkm, 132);
	ike_keys_wipe(&k);
	ASSERT_EQ(k.d_len, 0);
	cavs_free(&c);
}

TEST(cavs_child_dkm)
{
	struct cavs		 c;
	struct child_keys	 ck;
	uint8_t			 flat[128];

	ASSERT_EQ(cavs_load(&c), 0);
	/* SK_d is the first 20 bytes of DKM; AES-256-CBC + HMAC-SHA2-256
	 * takes 2 * (32 + 32) = 128 of the 132 KEYMAT bytes. */
	ASSERT_EQ(child_keys_derive(&ck, IKEV2_PRF_HMAC_SHA1, c.dkm, 20, NULL, 0,
	    c.ni, c.ni_len, c.nr, c.nr_len, IKEV2_ENCR_AES_CBC, 256,
	    IKEV2_AUTH_HMAC_SHA2_256_128), IKE_OK);
	ASSERT_EQ(ck.e_len, 32);
	ASSERT_EQ(ck.a_len, 32);
	memcpy(flat, ck.ei, 32);
	memcpy(flat + 32, ck.ai, 32);
	memcpy(flat + 64, ck.er, 32);
	memcpy(flat + 96, ck.ar, 32);
	ASSERT_MEM(flat, c.cdkm, 128);

	/* with PFS: KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr); AES-GCM-16
	 * with a 256-bit key takes 2 * 36 bytes (key | salt) */
	ASSERT_EQ(child_keys_derive(&ck, IKEV2_PRF_HMAC_SHA1, c.dkm, 20,
	    c.gir_new, c.gir_new_len, c.ni, c.ni_len, c.nr, c.nr_len,
	    IKEV2_ENCR_AES_GCM_16, 256, IKEV2_AUTH_NONE), IKE_OK);
	ASSERT_EQ(ck.e_len, 36);
	ASSERT_EQ(ck.a_len, 0);
	ASSERT_MEM(ck.ei, c.cdkm_dh, 36);
	ASSERT_MEM(ck.er, c.cdkm_dh + 36, 36);
	child_keys_wipe(&ck);
	ASSERT_EQ(ck.e_len, 0);
	cavs_free(&c);
}

TEST(cavs_rekey_skeyseed)
{
	struct cavs	 c;
	struct ike_keys	 k;
	uint8_t		 seed[32], km[132], flat[132];

	ASSERT_EQ(cavs_load(&c), 0);
	/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr); the SK_* follow
	 * from it as prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). */
	ASSERT_EQ(ike_keys_derive_rekey(&k, &cavs_suite, c.dkm, 20, c.gir_new,
	    c.gir_new_len, c.ni, c.ni_len, c.nr, c.nr_len, be64(c.spii),
	    be64(c.spir)), IKE_OK);
	memcpy(seed, c.ni, 8);
	memcpy(seed + 8, c.nr, 8);
	memcpy(seed + 16, c.spii, 8);
	memcpy(seed + 24, c.spir, 8);
	ASSERT_EQ(prf_plus(IKEV2_PRF_HMAC_SHA1, c.rekey, 20, seed, 32, km, 132),
	    IKE_OK);
	keys_flat(&k, flat);
	ASSERT_MEM(flat, km, 132);
	ike_keys_wipe(&k);
	cavs_free(&c);
}

TEST(key_lengths)
{
	ASSERT_EQ(encr_key_len(IKEV2_ENCR_AES_CBC, 128), 16);
	ASSERT_EQ(encr_key_len(IKEV2_ENCR_AES_CBC, 256), 32);
	ASSERT_EQ(encr_key_len(IKEV2_ENCR_AES_CTR, 128), 20);
	ASSERT_EQ(encr_key_len(IKEV2_ENCR_AES_GCM_16, 128), 20);
	ASSERT_EQ(encr_key_len(IKEV2_ENCR_AES_GCM_8, 256), 36);
	ASSERT_EQ(encr_key_len(IKEV2_ENCR_CHACHA20_POLY1305, 0), 36);
	ASSERT_EQ(encr_key_len(IKEV2_ENCR_AES_CBC, 100), 0);
	ASSERT_EQ(encr_key_len(IKEV2_ENCR_NULL, 0), 0);
	ASSERT(encr_supported(IKEV2_ENCR_NULL, 0));
	ASSERT(!encr_supported(3 /* 3DES */, 0));
	ASSERT_EQ(integ_key_len(IKEV2_AUTH_HMAC_SHA2_256_128), 32);
	ASSERT_EQ(integ_icv_len(IKEV2_AUTH_HMAC_SHA2_256_128), 16);
	ASSERT_EQ(integ_key_len(IKEV2_AUTH_HMAC_SHA2_512_256), 64);
	ASSERT_EQ(integ_icv_len(IKEV2_AUTH_HMAC_SHA2_384_192), 24);
	ASSERT_EQ(integ_icv_len(IKEV2_AUTH_HMAC_SHA1_96), 12);
	ASSERT_EQ(integ_key_len(IKEV2_AUTH_NONE), 0);
}

TEST(bad_suites_are_errors)
{
	static const uint8_t n16[16] = { 1 }, gir[32] = { 2 };
	struct ike_keys		 k;
	struct child_keys	 ck;
	struct ike_suite	 s = cavs_suite;

	s.integ = IKEV2_AUTH_NONE;		/* CBC needs integrity */
	ASSERT_EQ(ike_keys_derive(&k, &s, n16, 16, n16, 16, gir, 32, 1, 2),
	    IKE_EUNSUPP);
	s = cavs_suite;
	s.encr = IKEV2_ENCR_AES_GCM_16;		/* AEAD with integrity */
	ASSERT_EQ(ike_keys_derive(&k, &s, n16, 16, n16, 16, gir, 32, 1, 2),
	    IKE_EUNSUPP);
	s = cavs_suite;
	s.encr = IKEV2_ENCR_NULL;		/* no NULL cipher for IKE */
	s.encr_keybits = 0;
	ASSERT_EQ(ike_keys_derive(&k, &s, n16, 16, n16, 16, gir, 32, 1, 2),
	    IKE_EUNSUPP);
	s = cavs_suite;
	s.prf = 1;				/* HMAC-MD5 */
	ASSERT_EQ(ike_keys_derive(&k, &s, n16, 16, n16, 16, gir, 32, 1, 2),
	    IKE_EUNSUPP);
	s = cavs_suite;
	ASSERT_EQ(ike_keys_derive(&k, &s, n16, 300, n16, 16, gir, 32, 1, 2),
	    IKE_EINVAL);
	ASSERT_EQ(ike_keys_derive(&k, &s, n16, 16, n16, 16, NULL, 0, 1, 2),
	    IKE_EINVAL);
	ASSERT_EQ(k.d_len, 0);
	ASSERT_EQ(child_keys_derive(&ck, IKEV2_PRF_HMAC_SHA1, n16, 16, NULL, 0,
	    n16, 16, n16, 16, IKEV2_ENCR_AES_CBC, 99, IKEV2_AUTH_HMAC_SHA1_96),
	    IKE_EUNSUPP);
	ASSERT_EQ(child_keys_derive(&ck, IKEV2_PRF_HMAC_SHA1, NULL, 0, NULL, 0,
	    n16, 16, n16, 16, IKEV2_ENCR_AES_CBC, 128, IKEV2_AUTH_HMAC_SHA1_96),
	    IKE_EINVAL);
	/* ESP with ENCR_NULL and integrity is fine: only integrity keys */
	ASSERT_EQ(child_keys_derive(&ck, IKEV2_PRF_HMAC_SHA1, n16, 16, NULL, 0,
	    n16, 16, n16, 16, IKEV2_ENCR_NULL, 0, IKEV2_AUTH_HMAC_SHA2_256_128),
	    IKE_OK);
	ASSERT_EQ(ck.e_len, 0);
	ASSERT_EQ(ck.a_len, 32);
}

/* RFC 7296 2.14: a PRF with a fixed key size (AES-XCBC-PRF-128) keys
 * SKEYSEED with the first 8 bytes of Ni and the first 8 bytes of Nr. */
TEST(skeyseed_fixed_key_prf)
{
	uint8_t	 ni[32], nr[32], gir[32], key[16], want[16], got[16];
	size_t	 i;

	for (i = 0; i < 32; i++) {
		ni[i] = (uint8_t)i;
		nr[i] = (uint8_t)(0x80 + i);
		gir[i] = (uint8_t)(0x40 + i);
	}
	memcpy(key, ni, 8);
	memcpy(key + 8, nr, 8);
	ASSERT_EQ(prf(IKEV2_PRF_AES128_XCBC, key, 16, gir, 32, want), IKE_OK);
	ASSERT_EQ(ike_keys_skeyseed(got, IKEV2_PRF_AES128_XCBC, ni, 32, nr, 32,
	    gir, 32), IKE_OK);
	ASSERT_MEM(got, want, 16);
	ASSERT_EQ(ike_keys_skeyseed(got, IKEV2_PRF_AES128_CMAC, ni, 4, nr, 32,
	    gir, 32), IKE_EINVAL);
}
