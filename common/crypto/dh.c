/* SPDX-License-Identifier: ISC */
/* Diffie-Hellman: MODP and ECP through OpenSSL EVP, X25519 through libsodium, X448 EVP. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <sodium.h>

#include "base/log.h"
#include "crypto/dh.h"
#include "crypto/internal.h"
#include "crypto/secret.h"
#include "names/ikev2.h"

enum dh_kind { DH_MODP, DH_ECP, DH_X25519, DH_X448 };

struct dh_group {
	uint16_t	 id;
	enum dh_kind	 kind;
	const char	*name;		/* OpenSSL group or algorithm name */
	int		 nid;		/* ECP: curve NID */
	size_t		 pub_len, shared_len;
};

static const struct dh_group groups[] = {
	{ IKEV2_DH_MODP_2048, DH_MODP, "modp_2048", 0, 256, 256 },
	{ IKEV2_DH_MODP_3072, DH_MODP, "modp_3072", 0, 384, 384 },
	{ IKEV2_DH_MODP_4096, DH_MODP, "modp_4096", 0, 512, 512 },
	{ IKEV2_DH_ECP_256, DH_ECP, "P-256", NID_X9_62_prime256v1, 64, 32 },
	{ IKEV2_DH_ECP_384, DH_ECP, "P-384", NID_secp384r1, 96, 48 },
	{ IKEV2_DH_ECP_521, DH_ECP, "P-521", NID_secp521r1, 132, 66 },
	{ IKEV2_DH_CURVE25519, DH_X25519, "X25519", 0, 32, 32 },
	{ IKEV2_DH_CURVE448, DH_X448, "X448", 0, 56, 56 },
};

struct dh {
	const struct dh_group	*g;
	unsigned		 refs;		/* dh_ref; freed at 0 */
	EVP_PKEY		*pkey;		/* MODP, ECP, X448 */
	uint8_t			 x_priv[32];	/* X25519 */
	uint8_t			 x_pub[32];
};

static const struct dh_group *
group_find(uint16_t id)
{
	size_t	 i;

	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

size_t
dh_pub_len(uint16_t group)
{
	const struct dh_group	*g = group_find(group);

	return g != NULL ? g->pub_len : 0;
}

size_t
dh_shared_len(uint16_t group)
{
	const struct dh_group	*g = group_find(group);

	return g != NULL ? g->shared_len : 0;
}

uint16_t
dh_group(const struct dh *d)
{
	return d->g->id;
}

static enum ike_err
dh_alloc(struct dh **out, uint16_t group)
{
	const struct dh_group	*g;

	*out = NULL;
	if ((g = group_find(group)) == NULL)
		return IKE_EUNSUPP;
	if (!crypto_init())
		return IKE_ECRYPTO;
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return IKE_ENOMEM;
	(*out)->g = g;
	(*out)->refs = 1;
	return IKE_OK;
}

enum ike_err
dh_new(struct dh **out, uint16_t group)
{
	struct dh		*d;
	EVP_PKEY_CTX		*pc = NULL;
	OSSL_PARAM		 params[2];
	enum ike_err		 e;

	*out = NULL;
	if ((e = dh_alloc(&d, group)) != IKE_OK)
		return e;
	switch (d->g->kind) {
	case DH_X25519:
		rand_bytes(d->x_priv, sizeof(d->x_priv));
		if (crypto_scalarmult_base(d->x_pub, d->x_priv) != 0)
			e = IKE_ECRYPTO;
		break;
	case DH_X448:
		if ((d->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "X448")) == NULL)
			e = crypto_fail("X448 keygen");
		break;
	case DH_MODP:
	case DH_ECP:
		pc = EVP_PKEY_CTX_new_from_name(NULL,
		    d->g->kind == DH_MODP ? "DH" : "EC", NULL);
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_PKEY_PARAM_GROUP_NAME, (char *)d->g->name, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (pc == NULL || EVP_PKEY_keygen_init(pc) <= 0 ||
		    EVP_PKEY_CTX_set_params(pc, params) <= 0 ||
		    EVP_PKEY_generate(pc, &d->pkey) <= 0)
			e = crypto_fail("DH keygen");
		EVP_PKEY_CTX_free(pc);
		break;
	}
	if (e != IKE_OK) {
		dh_free(d);
		return e;
	}
	*out = d;
	return IKE_OK;
}

/* key_fromdata builds an EVP_PKEY of type "DH" or "EC" in group name from
 * the optional public (octets for EC, number for DH) and private values. */
static EVP_PKEY *
key_fromdata(const char *type, const char *name, const BIGNUM *pub_bn,
    const uint8_t *pub_oct, size_t pub_oct_len, const BIGNUM *priv)
{
	OSSL_PARAM_BLD	*b;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*pc = NULL;
	EVP_PKEY	*k = NULL;
	int		 sel = priv != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;

	if ((b = OSSL_PARAM_BLD_new()) == NULL)
		return NULL;
	if (!OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
	    name, 0))
		goto out;
	if (pub_bn != NULL &&
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PUB_KEY, pub_bn))
		goto out;
	if (pub_oct != NULL && !OSSL_PARAM_BLD_push_octet_string(b,
	    OSSL_PKEY_PARAM_PUB_KEY, pub_oct, pub_oct_len))
		goto out;
	if (priv != NULL &&
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, priv))
		goto out;
	if ((params = OSSL_PARAM_BLD_to_param(b)) == NULL)
		goto out;
	if ((pc = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pc) <= 0 ||
	    EVP_PKEY_fromdata(pc, &k, sel, params) <= 0)
		k = NULL;
out:
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);	/* clears the private value first */
	OSSL_PARAM_BLD_free(b);
	return k;
}

/* modp_prime returns the prime of MODP group name (caller frees). */
static BIGNUM *
modp_prime(const struct dh_group *g, const EVP_PKEY *have)
{
	EVP_PKEY	*k = NULL;
	BIGNUM		*p = NULL;
	EVP_PKEY_CTX	*pc;
	OSSL_PARAM	 params[2];

	if (have != NULL) {
		if (!EVP_PKEY_get_bn_param(have, OSSL_PKEY_PARAM_FFC_P, &p))
			return NULL;
		return p;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)g->name, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(pc) > 0 &&
	    EVP_PKEY_fromdata(pc, &k, EVP_PKEY_KEY_PARAMETERS, params) > 0)
		(void)EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_FFC_P, &p);
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(pc);
	return p;
}

/* modp_from_private makes a MODP key pair with exponent x: y = 2^x mod p. */
static enum ike_err
modp_from_private(struct dh *d, const uint8_t *priv, size_t len)
{
	BIGNUM		*p = NULL, *x = NULL, *y = NULL, *two = NULL;
	BN_CTX		*bc = NULL;
	enum ike_err	 e = IKE_EINVAL;

	if (len == 0 || len > d->g->pub_len)
		return IKE_EINVAL;
	if ((p = modp_prime(d->g, NULL)) == NULL ||
	    (x = BN_secure_new()) == NULL || (y = BN_new()) == NULL ||
	    (two = BN_new()) == NULL || (bc = BN_CTX_secure_new()) == NULL ||
	    BN_bin2bn(priv, (int)len, x) == NULL || !BN_set_word(two, 2)) {
		e = crypto_fail("MODP private");
		goto out;
	}
	if (BN_is_zero(x) || BN_cmp(x, p) >= 0)
		goto out;
	BN_set_flags(x, BN_FLG_CONSTTIME);
	if (!BN_mod_exp(y, two, x, p, bc)) {
		e = crypto_fail("MODP exp");
		goto out;
	}
	if ((d->pkey = key_fromdata("DH", d->g->name, y, NULL, 0, x)) == NULL)
		e = crypto_fail("MODP fromdata");
	else
		e = IKE_OK;
out:
	BN_free(p);
	BN_clear_free(x);
	BN_free(y);
	BN_free(two);
	BN_CTX_free(bc);
	return e;
}

/* ecp_from_private makes an ECP key pair with scalar k: Q = k G. */
static enum ike_err
ecp_from_private(struct dh *d, const uint8_t *priv, size_t len)
{
	EC_GROUP	*grp = NULL;
	EC_POINT	*q = NULL;
	BIGNUM		*k = NULL;
	BN_CTX		*bc = NULL;
	uint8_t		 pub[1 + 2 * 66];
	size_t		 n;
	enum ike_err	 e = IKE_EINVAL;

	if (len != d->g->shared_len)
		return IKE_EINVAL;
	if ((grp = EC_GROUP_new_by_curve_name(d->g->nid)) == NULL ||
	    (q = EC_POINT_new(grp)) == NULL || (k = BN_secure_new()) == NULL ||
	    (bc = BN_CTX_new()) == NULL ||
	    BN_bin2bn(priv, (int)len, k) == NULL) {
		e = crypto_fail("ECP private");
		goto out;
	}
	if (BN_is_zero(k) || BN_cmp(k, EC_GROUP_get0_order(grp)) >= 0)
		goto out;
	if (!EC_POINT_mul(grp, q, k, NULL, NULL, bc) ||
	    (n = EC_POINT_point2oct(grp, q, POINT_CONVERSION_UNCOMPRESSED, pub,
	    sizeof(pub), bc)) == 0) {
		e = crypto_fail("ECP mul");
		goto out;
	}
	if ((d->pkey = key_fromdata("EC", d->g->name, NULL, pub, n, k)) == NULL)
		e = crypto_fail("ECP fromdata");
	else
		e = IKE_OK;
out:
	EC_POINT_free(q);
	EC_GROUP_free(grp);
	BN_clear_free(k);
	BN_CTX_free(bc);
	return e;
}

enum ike_err
dh_new_from_private(struct dh **out, uint16_t group, const uint8_t *priv,
    size_t len)
{
	struct dh	*d;
	enum ike_err	 e;

	*out = NULL;
	if ((e = dh_alloc(&d, group)) != IKE_OK)
		return e;
	if (priv == NULL)
		e = IKE_EINVAL;
	else switch (d->g->kind) {
	case DH_X25519:
		if (len != sizeof(d->x_priv))
			e = IKE_EINVAL;
		else {
			memcpy(d->x_priv, priv, len);
			if (crypto_scalarmult_base(d->x_pub, d->x_priv) != 0)
				e = IKE_ECRYPTO;
		}
		break;
	case DH_X448:
		if (len != d->g->shared_len)
			e = IKE_EINVAL;
		else if ((d->pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "X448",
		    NULL, priv, len)) == NULL)
			e = crypto_fail("X448 private");
		break;
	case DH_MODP:
		e = modp_from_private(d, priv, len);
		break;
	case DH_ECP:
		e = ecp_from_private(d, priv, len);
		break;
	}
	if (e != IKE_OK) {
		dh_free(d);
		return e;
	}
	*out = d;
	return IKE_OK;
}

enum ike_err
dh_export_private(const struct dh *d, uint8_t *out, size_t cap,
    size_t *out_len)
{
	BIGNUM		*x = NULL;
	size_t		 n;
	enum ike_err	 e = IKE_OK;

	/* MODP: the exponent padded to the prime; the others: field length */
	n = d->g->kind == DH_MODP ? d->g->pub_len : d->g->shared_len;
	if (cap < n)
		return IKE_ETOOBIG;
	switch (d->g->kind) {
	case DH_X25519:
		memcpy(out, d->x_priv, n);
		break;
	case DH_X448:
		if (!EVP_PKEY_get_raw_private_key(d->pkey, out, &n) ||
		    n != d->g->shared_len)
			e = crypto_fail("X448 private");
		break;
	case DH_MODP:
	case DH_ECP:
		if (!EVP_PKEY_get_bn_param(d->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &x) ||
		    BN_bn2binpad(x, out, (int)n) != (int)n)
			e = crypto_fail("DH private");
		BN_clear_free(x);
		break;
	}
	if (e != IKE_OK) {
		wipe(out, cap);
		return e;
	}
	*out_len = n;
	return IKE_OK;
}

enum ike_err
dh_import_private(struct dh **out, uint16_t group, const uint8_t *priv,
    size_t len)
{
	return dh_new_from_private(out, group, priv, len);
}

enum ike_err
dh_public(const struct dh *d, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t		 pt[1 + 2 * 66];
	BIGNUM		*y = NULL;
	size_t		 n = d->g->pub_len;
	enum ike_err	 e = IKE_OK;

	if (cap < n)
		return IKE_ETOOBIG;
	switch (d->g->kind) {
	case DH_X25519:
		memcpy(out, d->x_pub, n);
		break;
	case DH_X448:
		if (!EVP_PKEY_get_raw_public_key(d->pkey, out, &n) ||
		    n != d->g->pub_len)
			e = crypto_fail("X448 public");
		break;
	case DH_MODP:
		/* RFC 7296 3.4: zero-padded to the length of the prime */
		if (!EVP_PKEY_get_bn_param(d->pkey, OSSL_PKEY_PARAM_PUB_KEY, &y) ||
		    BN_bn2binpad(y, out, (int)n) != (int)n)
			e = crypto_fail("MODP public");
		BN_free(y);
		break;
	case DH_ECP:
		/* RFC 5903 7: x | y, without the 0x04 of SEC 1 */
		if (!EVP_PKEY_get_octet_string_param(d->pkey,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt), &n) ||
		    n != 1 + d->g->pub_len || pt[0] != 0x04)
			e = crypto_fail("ECP public");
		else
			memcpy(out, pt + 1, d->g->pub_len);
		n = d->g->pub_len;
		break;
	}
	if (e == IKE_OK)
		*out_len = n;
	return e;
}

/* modp_peer checks 1 < y < p-1 (RFC 6989 2.1: enough for the safe-prime
 * groups 14-16; the y^q test is for groups 22-24 only) and makes the key. */
static enum ike_err
modp_peer(const struct dh *d, const uint8_t *peer, size_t len, EVP_PKEY **out)
{
	BIGNUM		*p, *y = NULL;
	enum ike_err	 e = IKE_EBADKE;

	if ((p = modp_prime(d->g, d->pkey)) == NULL)
		return crypto_fail("MODP prime");
	if ((y = BN_bin2bn(peer, (int)len, NULL)) == NULL || !BN_sub_word(p, 1)) {
		e = crypto_fail("MODP peer");
		goto out;
	}
	/* p now holds p-1 */
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, p) >= 0) {
		log_debug("dh: MODP peer value out of range");
		goto out;
	}
	if ((*out = key_fromdata("DH", d->g->name, y, NULL, 0, NULL)) == NULL)
		e = crypto_fail("MODP peer key");
	else
		e = IKE_OK;
out:
	BN_free(p);
	BN_free(y);
	return e;
}

/* ecp_peer decodes x | y, which checks the point is on the curve (RFC 6989
 * 2.3; the ECP groups have cofactor 1, so no order check is needed). */
static enum ike_err
ecp_peer(const struct dh *d, const uint8_t *peer, size_t len, EVP_PKEY **out)
{
	uint8_t		 pt[1 + 2 * 66];
	EVP_PKEY_CTX	*pc;
	int		 ok;

	pt[0] = 0x04;
	memcpy(pt + 1, peer, len);
	if ((*out = key_fromdata("EC", d->g->name, NULL, pt, len + 1, NULL)) ==
	    NULL) {
		(void)crypto_fail("ECP peer");
		return IKE_EBADKE;
	}
	/* the quick check: not infinity, coordinates in range, on curve */
	if ((pc = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL)) == NULL)
		return crypto_fail("ECP check");
	ok = EVP_PKEY_public_check_quick(pc);
	EVP_PKEY_CTX_free(pc);
	if (ok != 1) {
		(void)crypto_fail("ECP peer check");
		EVP_PKEY_free(*out);
		*out = NULL;
		return IKE_EBADKE;
	}
	return IKE_OK;
}

enum ike_err
dh_shared(struct dh *d, const uint8_t *peer, size_t peer_len, uint8_t *out,
    size_t cap, size_t *out_len)
{
	EVP_PKEY	*pk = NULL;
	EVP_PKEY_CTX	*pc = NULL;
	OSSL_PARAM	 params[2];
	unsigned int	 pad = 1;
	size_t		 n = d->g->shared_len;
	enum ike_err	 e = IKE_OK;

	if (peer == NULL || peer_len != d->g->pub_len) {
		log_debug("dh: group %u: peer value of %zu bytes, want %zu",
		    d->g->id, peer_len, d->g->pub_len);
		return IKE_EBADKE;
	}
	if (cap < n)
		return IKE_ETOOBIG;
	switch (d->g->kind) {
	case DH_X25519:
		/* crypto_scalarmult fails on an all-zero result (RFC 8031 2) */
		if (crypto_scalarmult(out, d->x_priv, peer) != 0) {
			wipe(out, n);
			return IKE_EBADKE;
		}
		*out_len = n;
		return IKE_OK;
	case DH_X448:
		if ((pk = EVP_PKEY_new_raw_public_key_ex(NULL, "X448", NULL, peer,
		    peer_len)) == NULL)
			e = IKE_EBADKE;
		break;
	case DH_MODP:
		e = modp_peer(d, peer, peer_len, &pk);
		break;
	case DH_ECP:
		e = ecp_peer(d, peer, peer_len, &pk);
		break;
	}
	if (e != IKE_OK)
		return e;
	/* MODP: g^ir zero-padded to the prime's length (RFC 7296 2.14) */
	params[0] = OSSL_PARAM_construct_uint(OSSL_EXCHANGE_PARAM_PAD, &pad);
	params[1] = OSSL_PARAM_construct_end();
	if ((pc = EVP_PKEY_CTX_new_from_pkey(NULL, d->pkey, NULL)) == NULL ||
	    EVP_PKEY_derive_init(pc) <= 0 ||
	    (d->g->kind == DH_MODP && EVP_PKEY_CTX_set_params(pc, params) <= 0) ||
	    /* the peer was checked above: skip OpenSSL's y^q / order test */
	    EVP_PKEY_derive_set_peer_ex(pc, pk, 0) <= 0) {
		e = crypto_fail("DH derive init");
		goto out;
	}
	if (EVP_PKEY_derive(pc, out, &n) <= 0) {
		/* X448 fails here on an all-zero result */
		(void)crypto_fail("DH derive");
		e = d->g->kind == DH_X448 ? IKE_EBADKE : IKE_ECRYPTO;
		goto out;
	}
	if (n != d->g->shared_len || sodium_is_zero(out, n)) {
		wipe(out, cap < d->g->shared_len ? cap : d->g->shared_len);
		e = IKE_EBADKE;
		goto out;
	}
	*out_len = n;
out:
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(pk);
	return e;
}

struct dh *
dh_ref(struct dh *d)
{
	d->refs++;
	return d;
}

void
dh_free(struct dh *d)
{
	if (d == NULL || --d->refs > 0)
		return;
	EVP_PKEY_free(d->pkey);		/* OpenSSL clears private values */
	wipe(d, sizeof(*d));
	free(d);
}
