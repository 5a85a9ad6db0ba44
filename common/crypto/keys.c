/* SPDX-License-Identifier: ISC */
/* SKEYSEED and the SK_* keys of an IKE SA, and the KEYMAT of a Child SA. */
#include <string.h>

#include "crypto/internal.h"
#include "crypto/keys.h"
#include "crypto/prf.h"
#include "crypto/secret.h"
#include "names/ikev2.h"

enum {
	SEED_MAX_LEN = 2 * NONCE_MAX_LEN + 16,			/* Ni | Nr | SPIi | SPIr */
	KEYMAT_MAX_LEN = 64 + 2 * 64 + 2 * ENCR_KEY_MAX_LEN + 2 * 64,
};

static bool
aes_keybits_ok(uint16_t keybits)
{
	return keybits == 128 || keybits == 192 || keybits == 256;
}

bool
encr_supported(uint16_t encr, uint16_t keybits)
{
	switch (encr) {
	case IKEV2_ENCR_NULL:
		return keybits == 0;
	case IKEV2_ENCR_AES_CBC:
	case IKEV2_ENCR_AES_CTR:
	case IKEV2_ENCR_AES_GCM_8:
	case IKEV2_ENCR_AES_GCM_12:
	case IKEV2_ENCR_AES_GCM_16:
		return aes_keybits_ok(keybits);
	case IKEV2_ENCR_CHACHA20_POLY1305:
		/* RFC 7634 2: no Key Length attribute; accept 256 too */
		return keybits == 0 || keybits == 256;
	default:
		return false;
	}
}

bool
encr_is_aead(uint16_t encr)
{
	return encr == IKEV2_ENCR_AES_GCM_8 || encr == IKEV2_ENCR_AES_GCM_12 ||
	    encr == IKEV2_ENCR_AES_GCM_16 || encr == IKEV2_ENCR_CHACHA20_POLY1305;
}

size_t
encr_key_len(uint16_t encr, uint16_t keybits)
{
	if (!encr_supported(encr, keybits))
		return 0;
	switch (encr) {
	case IKEV2_ENCR_NULL:
		return 0;
	case IKEV2_ENCR_AES_CBC:
		return keybits / 8;
	case IKEV2_ENCR_CHACHA20_POLY1305:
		return 32 + AEAD_SALT_LEN;
	default:
		/* AES-CTR nonce, AES-GCM salt */
		return keybits / 8 + AEAD_SALT_LEN;
	}
}

size_t
integ_key_len(uint16_t integ)
{
	switch (integ) {
	case IKEV2_AUTH_HMAC_SHA1_96:		return 20;
	case IKEV2_AUTH_AES_XCBC_96:		return 16;
	case IKEV2_AUTH_HMAC_SHA2_256_128:	return 32;
	case IKEV2_AUTH_HMAC_SHA2_384_192:	return 48;
	case IKEV2_AUTH_HMAC_SHA2_512_256:	return 64;
	default:				return 0;
	}
}

size_t
integ_icv_len(uint16_t integ)
{
	switch (integ) {
	case IKEV2_AUTH_HMAC_SHA1_96:		return 12;
	case IKEV2_AUTH_AES_XCBC_96:		return 12;
	case IKEV2_AUTH_HMAC_SHA2_256_128:	return 16;
	case IKEV2_AUTH_HMAC_SHA2_384_192:	return 24;
	case IKEV2_AUTH_HMAC_SHA2_512_256:	return 32;
	default:				return 0;
	}
}

/* suite_lens checks a cipher/integrity pair and returns its key lengths. */
static enum ike_err
suite_lens(uint16_t encr, uint16_t keybits, uint16_t integ, bool ike,
    size_t *e_len, size_t *a_len)
{
	if (!encr_supported(encr, keybits) || (ike && encr == IKEV2_ENCR_NULL))
		return IKE_EUNSUPP;
	*e_len = encr_key_len(encr, keybits);
	*a_len = integ_key_len(integ);
	if (encr_is_aead(encr) ? integ != IKEV2_AUTH_NONE : *a_len == 0)
		return IKE_EUNSUPP;
	return IKE_OK;
}

enum ike_err
ike_keys_skeyseed(uint8_t *out, uint16_t prf_id, const uint8_t *ni,
    size_t ni_len, const uint8_t *nr, size_t nr_len, const uint8_t *g_ir,
    size_t g_ir_len)
{
	uint8_t		 key[2 * NONCE_MAX_LEN];
	size_t		 half;
	enum ike_err	 e;

	if (prf_len(prf_id) == 0)
		return IKE_EUNSUPP;
	if (ni == NULL || nr == NULL || g_ir == NULL || ni_len > NONCE_MAX_LEN ||
	    nr_len > NONCE_MAX_LEN || g_ir_len == 0)
		return IKE_EINVAL;
	if (prf_fixed_key(prf_id)) {
		/* RFC 7296 2.14: half the key bits from Ni, half from Nr,
		 * taking the first bits of each. */
		half = prf_key_len(prf_id) / 2;
		if (ni_len < half || nr_len < half)
			return IKE_EINVAL;
		ni_len = nr_len = half;
	}
	memcpy(key, ni, ni_len);
	memcpy(key + ni_len, nr, nr_len);
	/* SKEYSEED = prf(Ni | Nr, g^ir) */
	e = prf(prf_id, key, ni_len + nr_len, g_ir, g_ir_len, out);
	wipe(key, sizeof(key));
	return e;
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* sk_expand fills out from SKEYSEED:
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
static enum ike_err
sk_expand(struct ike_keys *out, const struct ike_suite *s,
    const uint8_t *skeyseed, size_t skeyseed_len, const uint8_t *ni,
    size_t ni_len, const uint8_t *nr, size_t nr_len, uint64_t ispi,
    uint64_t rspi)
{
	uint8_t		 seed[SEED_MAX_LEN], km[KEYMAT_MAX_LEN], *p = km;
	size_t		 seed_len, d, a, e, total;
	enum ike_err	 err;

	d = prf_key_len(s->prf);
	if ((err = suite_lens(s->encr, s->encr_keybits, s->integ, true, &e,
	    &a)) != IKE_OK)
		return err;
	memcpy(seed, ni, ni_len);
	memcpy(seed + ni_len, nr, nr_len);
	put_u64(seed + ni_len + nr_len, ispi);
	put_u64(seed + ni_len + nr_len + 8, rspi);
	seed_len = ni_len + nr_len + 16;
	total = d + 2 * a + 2 * e + 2 * d;
	err = prf_plus(s->prf, skeyseed, skeyseed_len, seed, seed_len, km, total);
	if (err == IKE_OK) {
		memcpy(out->sk_d, p, d);	p += d;
		memcpy(out->sk_ai, p, a);	p += a;
		memcpy(out->sk_ar, p, a);	p += a;
		memcpy(out->sk_ei, p, e);	p += e;
		memcpy(out->sk_er, p, e);	p += e;
		memcpy(out->sk_pi, p, d);	p += d;
		memcpy(out->sk_pr, p, d);
		out->d_len = out->p_len = d;
		out->a_len = a;
		out->e_len = e;
	}
	wipe(km, sizeof(km));
	return err;
}

static bool
nonces_ok(const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	return ni != NULL && nr != NULL && ni_len <= NONCE_MAX_LEN &&
	    nr_len <= NONCE_MAX_LEN;
}

enum ike_err
ike_keys_derive(struct ike_keys *out, const struct ike_suite *s,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    const uint8_t *g_ir, size_t g_ir_len, uint64_t ispi, uint64_t rspi)
{
	uint8_t		 skeyseed[PRF_MAX_LEN];
	enum ike_err	 e;

	ike_keys_wipe(out);
	if (!nonces_ok(ni, ni_len, nr, nr_len))
		return IKE_EINVAL;
	e = ike_keys_skeyseed(skeyseed, s->prf, ni, ni_len, nr, nr_len, g_ir,
	    g_ir_len);
	if (e == IKE_OK)
		e = sk_expand(out, s, skeyseed, prf_len(s->prf), ni, ni_len, nr,
		    nr_len, ispi, rspi);
	wipe(skeyseed, sizeof(skeyseed));
	if (e != IKE_OK)
		ike_keys_wipe(out);
	return e;
}

enum ike_err
ike_keys_derive_rekey(struct ike_keys *out, const struct ike_suite *s,
    const uint8_t *old_sk_d, size_t old_d_len, const uint8_t *g_ir,
    size_t g_ir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
    size_t nr_len, uint64_t ispi, uint64_t rspi)
{
	uint8_t		 skeyseed[PRF_MAX_LEN];
	struct iov	 v[3];
	enum ike_err	 e;

	ike_keys_wipe(out);
	if (prf_len(s->prf) == 0)
		return IKE_EUNSUPP;
	if (!nonces_ok(ni, ni_len, nr, nr_len) || old_sk_d == NULL ||
	    old_d_len == 0 || (g_ir == NULL && g_ir_len != 0))
		return IKE_EINVAL;
	/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) */
	v[0].p = g_ir;
	v[0].len = g_ir_len;
	v[1].p = ni;
	v[1].len = ni_len;
	v[2].p = nr;
	v[2].len = nr_len;
	e = prf_v(s->prf, old_sk_d, old_d_len, v, 3, skeyseed);
	if (e == IKE_OK)
		e = sk_expand(out, s, skeyseed, prf_len(s->prf), ni, ni_len, nr,
		    nr_len, ispi, rspi);
	wipe(skeyseed, sizeof(skeyseed));
	if (e != IKE_OK)
		ike_keys_wipe(out);
	return e;
}

void
ike_keys_wipe(struct ike_keys *k)
{
	wipe(k, sizeof(*k));
}

enum ike_err
child_keys_derive(struct child_keys *out, uint16_t prf_id, const uint8_t *sk_d,
    size_t d_len, const uint8_t *g_ir, size_t g_ir_len, const uint8_t *ni,
    size_t ni_len, const uint8_t *nr, size_t nr_len, uint16_t encr,
    uint16_t keybits, uint16_t integ)
{
	uint8_t		 seed[DH_SECRET_MAX_LEN + 2 * NONCE_MAX_LEN];
	uint8_t		 km[2 * ENCR_KEY_MAX_LEN + 2 * INTEG_KEY_MAX_LEN], *p = km;
	size_t		 e_len, a_len, seed_len;
	enum ike_err	 e;

	child_keys_wipe(out);
	if (prf_len(prf_id) == 0)
		return IKE_EUNSUPP;
	if ((e = suite_lens(encr, keybits, integ, false, &e_len, &a_len)) !=
	    IKE_OK)
		return e;
	if (!nonces_ok(ni, ni_len, nr, nr_len) || sk_d == NULL || d_len == 0 ||
	    g_ir_len > DH_SECRET_MAX_LEN || (g_ir == NULL && g_ir_len != 0))
		return IKE_EINVAL;
	/* KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) */
	seed_len = 0;
	if (g_ir_len != 0) {
		memcpy(seed, g_ir, g_ir_len);
		seed_len = g_ir_len;
	}
	memcpy(seed + seed_len, ni, ni_len);
	seed_len += ni_len;
	memcpy(seed + seed_len, nr, nr_len);
	seed_len += nr_len;
	e = prf_plus(prf_id, sk_d, d_len, seed, seed_len, km,
	    2 * e_len + 2 * a_len);
	if (e == IKE_OK) {
		/* encr I->R, integ I->R, encr R->I, integ R->I */
		memcpy(out->ei, p, e_len);	p += e_len;
		memcpy(out->ai, p, a_len);	p += a_len;
		memcpy(out->er, p, e_len);	p += e_len;
		memcpy(out->ar, p, a_len);
		out->e_len = e_len;
		out->a_len = a_len;
	}
	wipe(seed, sizeof(seed));
	wipe(km, sizeof(km));
	return e;
}

void
child_keys_wipe(struct child_keys *k)
{
	wipe(k, sizeof(*k));
}
