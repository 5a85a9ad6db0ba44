/* SPDX-License-Identifier: ISC */
/* Signatures for AUTH (RFC 7296 2.15, RFC 7427), keys and X.509 chains through OpenSSL 3 EVP and X509_STORE. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/internal.h"
#include "crypto/revoke.h"
#include "crypto/secret.h"
#include "crypto/sig.h"
#include "names/ikev2.h"

/* RFC 7427 appendix A; Ed25519 from RFC 8420 3. */
static const uint8_t alg_rsa256[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
	0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
static const uint8_t alg_rsa384[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
	0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00 };
static const uint8_t alg_rsa512[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
	0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00 };
static const uint8_t alg_pss256[] = { 0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48,
	0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d,
	0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
	0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
	0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x20 };
static const uint8_t alg_ec256[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
	0xce, 0x3d, 0x04, 0x03, 0x02 };
static const uint8_t alg_ec384[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
	0xce, 0x3d, 0x04, 0x03, 0x03 };
static const uint8_t alg_ec512[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
	0xce, 0x3d, 0x04, 0x03, 0x04 };
static const uint8_t alg_ed25519[] = { 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70 };

enum key_kind { KEY_NONE, KEY_RSA, KEY_P256, KEY_P384, KEY_ED25519 };

static const struct alg_info {
	const uint8_t	*der;
	size_t		 len;
	enum key_kind	 key;		/* KEY_P256 stands for any ECDSA key */
	uint8_t		 hash;		/* enum sig_hash */
	const char	*md;		/* NULL: no digest (Ed25519) */
	bool		 pss;
} algs[SIG_ALG_COUNT] = {
	[SIG_ALG_RSA_SHA256] = { alg_rsa256, sizeof(alg_rsa256), KEY_RSA,
	    SIG_HASH_SHA2_256, "SHA256", false },
	[SIG_ALG_RSA_SHA384] = { alg_rsa384, sizeof(alg_rsa384), KEY_RSA,
	    SIG_HASH_SHA2_384, "SHA384", false },
	[SIG_ALG_RSA_SHA512] = { alg_rsa512, sizeof(alg_rsa512), KEY_RSA,
	    SIG_HASH_SHA2_512, "SHA512", false },
	[SIG_ALG_RSA_PSS_SHA256] = { alg_pss256, sizeof(alg_pss256), KEY_RSA,
	    SIG_HASH_SHA2_256, "SHA256", true },
	[SIG_ALG_ECDSA_SHA256] = { alg_ec256, sizeof(alg_ec256), KEY_P256,
	    SIG_HASH_SHA2_256, "SHA256", false },
	[SIG_ALG_ECDSA_SHA384] = { alg_ec384, sizeof(alg_ec384), KEY_P256,
	    SIG_HASH_SHA2_384, "SHA384", false },
	[SIG_ALG_ECDSA_SHA512] = { alg_ec512, sizeof(alg_ec512), KEY_P256,
	    SIG_HASH_SHA2_512, "SHA512", false },
	[SIG_ALG_ED25519] = { alg_ed25519, sizeof(alg_ed25519), KEY_ED25519,
	    SIG_HASH_IDENTITY, NULL, false },
};

struct sig_cred {
	EVP_PKEY	*key;
	X509		*certs[SIG_CERTS_MAX];
	size_t		 n_certs;
	uint8_t		*der[SIG_CERTS_MAX];
	size_t		 der_len[SIG_CERTS_MAX];
	X509_STORE	*store;
	uint8_t		 ca_hash[SIG_CA_MAX * SHA1_LEN];
	size_t		 n_ca;
	struct revoke	*rv;		/* revocation settings, or NULL */
};

struct sig_peer {
	X509		*cert;
	STACK_OF(X509)	*untrusted;
};

static void
say(char *why, size_t n, const char *what, const char *detail)
{
	if (why != NULL && n != 0)
		snprintf(why, n, "%s%s%s", what, detail != NULL ? ": " : "",
		    detail != NULL ? detail : "");
}

uint16_t
sig_hash_mask(const uint8_t *p, size_t len)
{
	uint16_t	 mask = 0, id;
	size_t		 i;

	for (i = 0; i + 2 <= len; i += 2) {
		id = (uint16_t)(p[i] << 8 | p[i + 1]);
		if (id >= SIG_HASH_SHA2_256 && id <= SIG_HASH_IDENTITY)
			mask |= (uint16_t)(1u << id);
	}
	return mask;
}

size_t
sig_hash_put(uint8_t out[8])
{
	static const uint8_t ids[8] = { 0, SIG_HASH_SHA2_256, 0, SIG_HASH_SHA2_384,
		0, SIG_HASH_SHA2_512, 0, SIG_HASH_IDENTITY };

	memcpy(out, ids, sizeof(ids));
	return sizeof(ids);
}

const uint8_t *
sig_alg_der(enum sig_alg a, size_t *out_len)
{
	if (a <= SIG_ALG_NONE || a >= SIG_ALG_COUNT) {
		*out_len = 0;
		return NULL;
	}
	*out_len = algs[a].len;
	return algs[a].der;
}

enum sig_alg
sig_alg_find(const uint8_t *p, size_t len)
{
	int	 a;

	for (a = SIG_ALG_NONE + 1; a < SIG_ALG_COUNT; a++)
		if (algs[a].len == len && ct_eq(algs[a].der, p, len))
			return (enum sig_alg)a;
	return SIG_ALG_NONE;
}

/* key_kind returns what k is: RSA, one of our curves, Ed25519 or NONE. */
static enum key_kind
key_kind(EVP_PKEY *k)
{
	char	 curve[64];
	size_t	 n = 0;

	if (k == NULL)
		return KEY_NONE;
	if (EVP_PKEY_is_a(k, "RSA"))
		return KEY_RSA;
	if (EVP_PKEY_is_a(k, "ED25519"))
		return KEY_ED25519;
	if (EVP_PKEY_is_a(k, "EC") && EVP_PKEY_get_utf8_string_param(k,
	    OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve), &n) == 1) {
		if (strcmp(curve, "prime256v1") == 0 || strcmp(curve, "P-256") == 0)
			return KEY_P256;
		if (strcmp(curve, "secp384r1") == 0 || strcmp(curve, "P-384") == 0)
			return KEY_P384;
	}
	ERR_clear_error();
	return KEY_NONE;
}

enum ike_err
sig_cred_new(struct sig_cred **out)
{
	if ((*out = OPENSSL_zalloc(sizeof(**out))) == NULL)
		return IKE_ENOMEM;
	return IKE_OK;
}

void
sig_cred_free(struct sig_cred *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	EVP_PKEY_free(c->key);
	for (i = 0; i < c->n_certs; i++) {
		X509_free(c->certs[i]);
		OPENSSL_free(c->der[i]);
	}
	X509_STORE_free(c->store);
	revoke_free(c->rv);
	OPENSSL_clear_free(c, sizeof(*c));
}

/* no_pass refuses to ask for a passphrase (no prompt on a terminal). */
static int
no_pass(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;
}

enum ike_err
sig_cred_key(struct sig_cred *c, const char *pem, size_t len)
{
	BIO		*b;
	EVP_PKEY	*k;

	if (len > INT32_MAX || (b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return IKE_ENOMEM;
	k = PEM_read_bio_PrivateKey(b, NULL, no_pass, NULL);
	BIO_free(b);
	if (k == NULL) {
		ERR_clear_error();
		return IKE_ESYNTAX;
	}
	if (key_kind(k) == KEY_NONE) {
		EVP_PKEY_free(k);
		return IKE_EUNSUPP;
	}
	EVP_PKEY_free(c->key);
	c->key = k;
	return IKE_OK;
}

/* read_certs reads every PEM certificate of pem into out (at most max). */
static enum ike_err
read_certs(const char *pem, size_t len, X509 **out, size_t max, size_t *n)
{
	BIO	*b;
	X509	*x;

	*n = 0;
	if (len > INT32_MAX || (b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return IKE_ENOMEM;
	while ((x = PEM_read_bio_X509(b, NULL, no_pass, NULL)) != NULL) {
		if (*n == max) {
			X509_free(x);
			BIO_free(b);
			while (*n > 0)
				X509_free(out[--*n]);
			return IKE_ETOOBIG;
		}
		out[(*n)++] = x;
	}
	ERR_clear_error();		/* the end of the text */
	BIO_free(b);
	return *n == 0 ? IKE_ESYNTAX : IKE_OK;
}

enum ike_err
sig_cred_certs(struct sig_cred *c, const char *pem, size_t len)
{
	X509		*x[SIG_CERTS_MAX];
	size_t		 n = 0, i;
	int		 l;
	uint8_t		*p;
	enum ike_err	 e;

	if (c->n_certs != 0)
		return IKE_EINVAL;
	if ((e = read_certs(pem, len, x, SIG_CERTS_MAX, &n)) != IKE_OK)
		return e;
	for (i = 0; i < n; i++) {
		p = NULL;
		if ((l = i2d_X509(x[i], &p)) <= 0) {
			e = crypto_fail("i2d_X509");
			X509_free(x[i]);
			continue;
		}
		c->certs[c->n_certs] = x[i];
		c->der[c->n_certs] = p;
		c->der_len[c->n_certs++] = (size_t)l;
	}
	return e;
}

enum ike_err
sig_cred_ca(struct sig_cred *c, const char *pem, size_t len)
{
	X509		*x[SIG_CA_MAX];
	size_t		 n = 0, i;
	int		 l;
	uint8_t		*spki;
	enum ike_err	 e;

	if ((e = read_certs(pem, len, x, SIG_CA_MAX, &n)) != IKE_OK)
		return e;
	if (c->store == NULL && (c->store = X509_STORE_new()) == NULL)
		e = crypto_fail("X509_STORE_new");
	for (i = 0; i < n; i++) {
		if (e == IKE_OK && X509_STORE_add_cert(c->store, x[i]) != 1)
			e = crypto_fail("X509_STORE_add_cert");
		/* CERTREQ: SHA-1 of the SubjectPublicKeyInfo (RFC 7296 3.7) */
		spki = NULL;
		if (e == IKE_OK && c->n_ca < SIG_CA_MAX &&
		    (l = i2d_PUBKEY(X509_get0_pubkey(x[i]), &spki)) > 0) {
			e = hash_sha1(spki, (size_t)l, c->ca_hash + c->n_ca * SHA1_LEN);
			if (e == IKE_OK)
				c->n_ca++;
		}
		OPENSSL_free(spki);
		X509_free(x[i]);
	}
	return e;
}

/* cred_rv returns c's revocation settings, made on first use. */
static struct revoke *
cred_rv(struct sig_cred *c)
{
	if (c->rv == NULL && revoke_new(&c->rv) != IKE_OK)
		return NULL;
	return c->rv;
}

enum ike_err
sig_cred_crl_file(struct sig_cred *c, const char *path, char *why,
    size_t why_len)
{
	if (cred_rv(c) == NULL)
		return IKE_ENOMEM;
	return revoke_crl_file(c->rv, c->store, path, why, why_len);
}

enum ike_err
sig_cred_crl(struct sig_cred *c, const uint8_t *p, size_t len, char *why,
    size_t why_len)
{
	if (cred_rv(c) == NULL)
		return IKE_ENOMEM;
	return revoke_crl_add(c->rv, c->store, p, len, why, why_len);
}

enum ike_err
sig_cred_ocsp(struct sig_cred *c, const char *url, bool aia, char *why,
    size_t why_len)
{
	if (cred_rv(c) == NULL)
		return IKE_ENOMEM;
	return revoke_ocsp_set(c->rv, url, aia, why, why_len);
}

enum ike_err
sig_cred_revocation(struct sig_cred *c, enum sig_revocation pol)
{
	if (cred_rv(c) == NULL)
		return IKE_ENOMEM;
	revoke_policy_set(c->rv, pol);
	return IKE_OK;
}

bool
sig_cred_revocation_source(const struct sig_cred *c)
{
	return c != NULL && revoke_has_source(c->rv);
}

enum ike_err
sig_cred_check(const struct sig_cred *c)
{
	if (c->key == NULL || c->n_certs == 0)
		return IKE_OK;
	if (EVP_PKEY_eq(c->key, X509_get0_pubkey(c->certs[0])) != 1) {
		ERR_clear_error();
		return IKE_EINVAL;
	}
	return IKE_OK;
}

bool
sig_cred_has_key(const struct sig_cred *c)
{
	return c != NULL && c->key != NULL && c->n_certs != 0;
}

EVP_PKEY *
sig_cred_pkey(const struct sig_cred *c)
{
	return c != NULL ? c->key : NULL;
}

const uint8_t *
sig_cred_cert(const struct sig_cred *c, size_t i, size_t *out_len)
{
	if (i >= c->n_certs) {
		*out_len = 0;
		return NULL;
	}
	*out_len = c->der_len[i];
	return c->der[i];
}

const uint8_t *
sig_cred_ca_hashes(const struct sig_cred *c, size_t *out_len)
{
	*out_len = c->n_ca * SHA1_LEN;
	return c->n_ca != 0 ? c->ca_hash : NULL;
}

enum ike_err
sig_cred_subject(const struct sig_cred *c, uint8_t *out, size_t cap,
    size_t *out_len)
{
	const uint8_t	*der = NULL;
	size_t		 len = 0;

	if (c->n_certs == 0)
		return IKE_EINVAL;
	if (X509_NAME_get0_der(X509_get_subject_name(c->certs[0]), &der,
	    &len) != 1)
		return crypto_fail("X509_NAME_get0_der");
	if (len > cap)
		return IKE_ETOOBIG;
	memcpy(out, der, len);
	*out_len = len;
	return IKE_OK;
}

/* ec_coord_len returns the length of r or s in a classic ECDSA AUTH. */
static size_t
ec_coord_len(enum key_kind k)
{
	return k == KEY_P384 ? 48 : 32;
}

/* ecdsa_der_to_rs turns an ECDSA-Sig-Value into r | s of n bytes each. */
static enum ike_err
ecdsa_der_to_rs(const uint8_t *der, size_t der_len, size_t n, uint8_t *out,
    size_t cap)
{
	const unsigned char	*p = der;
	ECDSA_SIG		*s;
	const BIGNUM		*r, *sv;
	enum ike_err		 e = IKE_OK;

	if (cap < 2 * n)
		return IKE_ETOOBIG;
	if ((s = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) == NULL)
		return crypto_fail("d2i_ECDSA_SIG");
	ECDSA_SIG_get0(s, &r, &sv);
	if (BN_bn2binpad(r, out, (int)n) < 0 || BN_bn2binpad(sv, out + n, (int)n) < 0)
		e = crypto_fail("BN_bn2binpad");
	ECDSA_SIG_free(s);
	return e;
}

/* ecdsa_rs_to_der turns r | s into an ECDSA-Sig-Value (OPENSSL_free it). */
static enum ike_err
ecdsa_rs_to_der(const uint8_t *rs, size_t len, uint8_t **out, size_t *out_len)
{
	ECDSA_SIG	*s;
	BIGNUM		*r, *sv;
	int		 l;

	if (len == 0 || len % 2 != 0)
		return IKE_EAUTH;
	r = BN_bin2bn(rs, (int)(len / 2), NULL);
	sv = BN_bin2bn(rs + len / 2, (int)(len / 2), NULL);
	if (r == NULL || sv == NULL || (s = ECDSA_SIG_new()) == NULL) {
		BN_free(r);
		BN_free(sv);
		return crypto_fail("ECDSA_SIG_new");
	}
	(void)ECDSA_SIG_set0(s, r, sv);
	*out = NULL;
	l = i2d_ECDSA_SIG(s, out);
	ECDSA_SIG_free(s);
	if (l <= 0)
		return crypto_fail("i2d_ECDSA_SIG");
	*out_len = (size_t)l;
	return IKE_OK;
}

/* pick chooses the algorithm for key kind k and the peer's hash mask. */
static enum sig_alg
pick(enum key_kind k, uint16_t mask)
{
	static const enum sig_alg rsa[] = { SIG_ALG_RSA_SHA256, SIG_ALG_RSA_SHA384,
		SIG_ALG_RSA_SHA512 };
	static const enum sig_alg ec[] = { SIG_ALG_ECDSA_SHA256,
		SIG_ALG_ECDSA_SHA384, SIG_ALG_ECDSA_SHA512 };
	size_t	 i;

	switch (k) {
	case KEY_RSA:
		for (i = 0; i < 3; i++)
			if (mask & (1u << algs[rsa[i]].hash))
				return rsa[i];
		return SIG_ALG_NONE;
	case KEY_P256:
	case KEY_P384:
		/* the hash that goes with the curve first (RFC 5480 4) */
		if (k == KEY_P384 && (mask & (1u << SIG_HASH_SHA2_384)))
			return SIG_ALG_ECDSA_SHA384;
		for (i = 0; i < 3; i++)
			if (mask & (1u << algs[ec[i]].hash))
				return ec[i];
		return SIG_ALG_NONE;
	case KEY_ED25519:
		return (mask & (1u << SIG_HASH_IDENTITY)) ? SIG_ALG_ED25519 :
		    SIG_ALG_NONE;
	default:
		return SIG_ALG_NONE;
	}
}

/* do_sign signs data with key k, digest md (NULL: none), PSS or not. */
static enum ike_err
do_sign(EVP_PKEY *k, const char *md, bool pss, const uint8_t *data,
    size_t len, uint8_t *sig, size_t cap, size_t *sig_len)
{
	EVP_MD_CTX	*ctx;
	EVP_PKEY_CTX	*pctx = NULL;
	size_t		 n = 0;
	enum ike_err	 e = IKE_OK;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return IKE_ENOMEM;
	if (EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, k, NULL) != 1 ||
	    (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1)) ||
	    EVP_DigestSign(ctx, NULL, &n, data, len) != 1) {
		e = crypto_fail("EVP_DigestSign");
		goto out;
	}
	if (n > cap) {
		e = IKE_ETOOBIG;
		goto out;
	}
	if (EVP_DigestSign(ctx, sig, &n, data, len) != 1) {
		e = crypto_fail("EVP_DigestSign");
		goto out;
	}
	*sig_len = n;
out:
	EVP_MD_CTX_free(ctx);
	return e;
}

enum ike_err
sig_sign(const struct sig_cred *c, uint16_t hash_mask, const uint8_t *data,
    size_t len, uint8_t *out_method, enum sig_alg *out_alg, uint8_t *sig,
    size_t cap, size_t *sig_len)
{
	uint8_t		 der[SIG_MAX_LEN];
	size_t		 der_len = 0;
	enum key_kind	 k;
	enum sig_alg	 a;
	enum ike_err	 e;

	if (!sig_cred_has_key(c))
		return IKE_EINVAL;
	k = key_kind(c->key);
	*out_alg = SIG_ALG_NONE;
	if (hash_mask != 0 || k == KEY_ED25519) {
		if (hash_mask == 0)
			hash_mask = 1u << SIG_HASH_IDENTITY;
		if ((a = pick(k, hash_mask)) == SIG_ALG_NONE)
			return IKE_EUNSUPP;
		*out_method = IKEV2_AUTHM_DIGITAL_SIG;
		*out_alg = a;
		return do_sign(c->key, algs[a].md, algs[a].pss, data, len, sig,
		    cap, sig_len);
	}
	/* no SIGNATURE_HASH_ALGORITHMS: the methods of RFC 7296 and RFC 4754 */
	if (k == KEY_RSA) {
		*out_method = IKEV2_AUTHM_RSA_SIG;
		return do_sign(c->key, "SHA1", false, data, len, sig, cap, sig_len);
	}
	*out_method = k == KEY_P384 ? IKEV2_AUTHM_ECDSA_384 : IKEV2_AUTHM_ECDSA_256;
	if ((e = do_sign(c->key, k == KEY_P384 ? "SHA384" : "SHA256", false, data,
	    len, der, sizeof(der), &der_len)) != IKE_OK)
		return e;
	e = ecdsa_der_to_rs(der, der_len, ec_coord_len(k), sig, cap);
	if (e == IKE_OK)
		*sig_len = 2 * ec_coord_len(k);
	return e;
}

enum ike_err
sig_peer_new(struct sig_peer **out, const uint8_t *const *certs,
    const size_t *lens, size_t n, char *why, size_t why_len)
{
	struct sig_peer		*p;
	const unsigned char	*q;
	X509			*x;
	size_t			 i;

	*out = NULL;
	if (n == 0) {
		say(why, why_len, "no certificate", NULL);
		return IKE_EAUTH;
	}
	if ((p = OPENSSL_zalloc(sizeof(*p))) == NULL ||
	    (p->untrusted = sk_X509_new_null()) == NULL) {
		OPENSSL_free(p);
		return IKE_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		q = certs[i];
		x = lens[i] <= INT32_MAX ? d2i_X509(NULL, &q, (long)lens[i]) : NULL;
		if (x == NULL || q != certs[i] + lens[i]) {
			X509_free(x);
			ERR_clear_error();
			say(why, why_len, "certificate is not DER X.509", NULL);
			sig_peer_free(p);
			return IKE_ESYNTAX;
		}
		if (i == 0)
			p->cert = x;
		else if (sk_X509_push(p->untrusted, x) <= 0) {
			X509_free(x);
			sig_peer_free(p);
			return IKE_ENOMEM;
		}
	}
	*out = p;
	return IKE_OK;
}

void
sig_peer_free(struct sig_peer *p)
{
	if (p == NULL)
		return;
	X509_free(p->cert);
	sk_X509_pop_free(p->untrusted, X509_free);
	OPENSSL_free(p);
}

enum ike_err
sig_peer_validate(const struct sig_peer *p, const struct sig_cred *c,
    char *why, size_t why_len)
{
	X509_STORE_CTX	*ctx;
	enum ike_err	 e = IKE_OK;

	if (c == NULL || c->store == NULL) {
		say(why, why_len, "no trust anchors (--ca)", NULL);
		return IKE_EAUTH;
	}
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		return IKE_ENOMEM;
	if (X509_STORE_CTX_init(ctx, c->store, p->cert, p->untrusted) != 1 ||
	    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY) != 1) {
		e = crypto_fail("X509_STORE_CTX_init");
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		say(why, why_len, "certificate not trusted",
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		ERR_clear_error();
		e = IKE_EAUTH;
	}
out:
	X509_STORE_CTX_free(ctx);
	return e;
}

enum ike_err
sig_peer_revocation(const struct sig_peer *p, const struct sig_cred *c,
    char *why, size_t why_len)
{
	X509_STORE_CTX	*ctx;
	enum ike_err	 e;

	if (c == NULL || c->rv == NULL)
		return IKE_OK;
	if (c->store == NULL) {
		say(why, why_len, "no trust anchors (--ca)", NULL);
		return IKE_EAUTH;
	}
	/* the chain again: sig_peer_validate keeps none */
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		return IKE_ENOMEM;
	if (X509_STORE_CTX_init(ctx, c->store, p->cert, p->untrusted) != 1 ||
	    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY) != 1) {
		e = crypto_fail("X509_STORE_CTX_init");
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		say(why, why_len, "certificate not trusted",
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		ERR_clear_error();
		e = IKE_EAUTH;
		goto out;
	}
	e = revoke_chain(c->rv, c->store, X509_STORE_CTX_get0_chain(ctx),
	    time(NULL), why, why_len);
out:
	X509_STORE_CTX_free(ctx);
	return e;
}

enum ike_err
sig_peer_id_match(const struct sig_peer *p, uint8_t id_type, const uint8_t *id,
    size_t id_len, char *why, size_t why_len)
{
	const unsigned char	*q = id;
	X509_NAME		*dn;
	char			 s[SIG_DN_MAX_LEN + 1];
	int			 r = 0;

	switch (id_type) {
	case IKEV2_ID_DER_ASN1_DN:
		if ((dn = d2i_X509_NAME(NULL, &q, (long)id_len)) != NULL &&
		    q == id + id_len)
			r = X509_NAME_cmp(dn, X509_get_subject_name(p->cert)) == 0;
		X509_NAME_free(dn);
		break;
	case IKEV2_ID_IPV4_ADDR:
	case IKEV2_ID_IPV6_ADDR:
		r = X509_check_ip(p->cert, id, id_len, 0) == 1;
		break;
	case IKEV2_ID_FQDN:
	case IKEV2_ID_RFC822_ADDR:
		if (id_len == 0 || id_len > SIG_DN_MAX_LEN ||
		    memchr(id, '\0', id_len) != NULL)
			break;
		memcpy(s, id, id_len);
		s[id_len] = '\0';
		r = (id_type == IKEV2_ID_FQDN ? X509_check_host(p->cert, s, id_len,
		    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL) :
		    X509_check_email(p->cert, s, id_len,
		    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT)) == 1;
		break;
	default:
		say(why, why_len, "certificate cannot vouch for this ID type", NULL);
		return IKE_EAUTH;
	}
	ERR_clear_error();
	if (r != 1) {
		say(why, why_len, id_type == IKEV2_ID_DER_ASN1_DN ?
		    "ID does not match the certificate's subject" :
		    "ID is not in the certificate's subjectAltName", NULL);
		return IKE_EAUTH;
	}
	return IKE_OK;
}

/* do_verify checks sig over data with key k, digest md (NULL: none). */
static enum ike_err
do_verify(EVP_PKEY *k, const char *md, bool pss, const uint8_t *sig,
    size_t sig_len, const uint8_t *data, size_t len)
{
	EVP_MD_CTX	*ctx;
	EVP_PKEY_CTX	*pctx = NULL;
	enum ike_err	 e = IKE_OK;
	int		 r;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return IKE_ENOMEM;
	if (EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, k, NULL) != 1 ||
	    (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL) != 1))) {
		e = crypto_fail("EVP_DigestVerifyInit");
		goto out;
	}
	r = EVP_DigestVerify(ctx, sig, sig_len, data, len);
	ERR_clear_error();
	if (r != 1)
		e = IKE_EAUTH;
out:
	EVP_MD_CTX_free(ctx);
	return e;
}

enum ike_err
sig_peer_verify(const struct sig_peer *p, uint8_t method, const uint8_t *alg,
    size_t alg_len, const uint8_t *sig, size_t sig_len, const uint8_t *data,
    size_t len, char *why, size_t why_len)
{
	EVP_PKEY	*k = X509_get0_pubkey(p->cert);
	enum key_kind	 kind = key_kind(k);
	enum sig_alg	 a;
	uint8_t		*der = NULL;
	size_t		 der_len = 0;
	bool		 ok_key;
	enum ike_err	 e;

	switch (method) {
	case IKEV2_AUTHM_DIGITAL_SIG:
		if ((a = sig_alg_find(alg, alg_len)) == SIG_ALG_NONE) {
			say(why, why_len, "unknown signature algorithm", NULL);
			return IKE_EUNSUPP;
		}
		ok_key = algs[a].key == kind || (algs[a].key == KEY_P256 &&
		    kind == KEY_P384);
		if (!ok_key) {
			say(why, why_len, "signature algorithm does not fit the "
			    "certificate's key", NULL);
			return IKE_EAUTH;
		}
		e = do_verify(k, algs[a].md, algs[a].pss, sig, sig_len, data, len);
		break;
	case IKEV2_AUTHM_RSA_SIG:
		if (kind != KEY_RSA) {
			say(why, why_len, "RSA signature, certificate key is not RSA",
			    NULL);
			return IKE_EAUTH;
		}
		e = do_verify(k, "SHA1", false, sig, sig_len, data, len);
		break;
	case IKEV2_AUTHM_ECDSA_256:
	case IKEV2_AUTHM_ECDSA_384:
		if (kind != (method == IKEV2_AUTHM_ECDSA_256 ? KEY_P256 : KEY_P384)) {
			say(why, why_len, "ECDSA method does not fit the "
			    "certificate's key", NULL);
			return IKE_EAUTH;
		}
		if (sig_len != 2 * ec_coord_len(kind)) {
			e = IKE_EAUTH;
			break;
		}
		if ((e = ecdsa_rs_to_der(sig, sig_len, &der, &der_len)) != IKE_OK)
			break;
		e = do_verify(k, kind == KEY_P384 ? "SHA384" : "SHA256", false, der,
		    der_len, data, len);
		OPENSSL_free(der);
		break;
	default:
		say(why, why_len, "AUTH method is not a signature we know", NULL);
		return IKE_EUNSUPP;
	}
	if (e == IKE_EAUTH)
		say(why, why_len, "signature does not verify with the "
		    "certificate's key", NULL);
	return e;
}

/* dn_value reads one RDN value at *sp into v (cap bytes) as sig_dn_format
 * writes it: "quoted" (with \" and \\ inside) or bare up to the next ',';
 * \XX (hex) or \c escapes a byte in both. It leaves *sp after the value
 * and its ',' and returns false for a bad or too long value. */
static bool
dn_value(const char **sp, char *v, size_t cap)
{
	const char	*s = *sp;
	size_t		 n = 0, keep = 0;
	bool		 quoted = *s == '"';
	int		 hi, lo;
	char		 c;

	s += quoted;
	for (; *s != '\0' && (quoted ? *s != '"' : *s != ','); s++) {
		c = *s;
		if (c == '\\') {
			if (s[1] == '\0')
				return false;
			hi = hex_digit(s[1]);
			lo = hi < 0 ? -1 : hex_digit(s[2]);
			if (lo >= 0) {
				c = (char)(hi << 4 | lo);
				s += 2;
			} else
				c = *++s;
			keep = n + 1;	/* an escaped space stays */
		} else if (c != ' ' || quoted)
			keep = n + 1;
		if (n + 1 >= cap)
			return false;
		v[n++] = c;
	}
	if (quoted && *s++ != '"')
		return false;
	v[quoted ? n : keep] = '\0';	/* bare: trailing spaces dropped */
	while (*s == ' ')
		s++;
	if (*s == ',')
		s++;
	else if (*s != '\0')
		return false;
	*sp = s;
	return true;
}

/* dn_name_ok returns whether s is an attribute name as RFC 4514 3 has
 * them: a keyword ("CN", "emailAddress") or a dotted OID ("2.5.4.3"). */
static bool
dn_name_ok(const char *s)
{
	bool	 oid = *s >= '0' && *s <= '9', dot = true;

	if (!oid && !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return false;
	for (; *s != '\0'; s++) {
		if (oid && *s == '.') {
			if (dot)
				return false;
			dot = true;
		} else if (*s >= '0' && *s <= '9')
			dot = false;
		else if (oid || !((*s >= 'A' && *s <= 'Z') ||
		    (*s >= 'a' && *s <= 'z') || *s == '-'))
			return false;
	}
	return !oid || !dot;
}

enum ike_err
sig_dn_parse(const char *s, uint8_t *out, size_t cap, size_t *out_len)
{
	X509_NAME	*dn;
	char		 name[64], value[256];
	const char	*eq;
	unsigned char	*der = NULL;
	size_t		 n;
	int		 l;
	enum ike_err	 e = IKE_EINVAL;

	if (strchr(s, '=') == NULL)
		return IKE_EINVAL;
	if ((dn = X509_NAME_new()) == NULL)
		return IKE_ENOMEM;
	/* "C=CH, O=strongSwan, CN=moon": RDNs in order, ", " or "," between */
	while (*s != '\0') {
		while (*s == ' ')
			s++;
		if ((eq = strchr(s, '=')) == NULL || eq == s)
			goto out;
		for (n = (size_t)(eq - s); n > 0 && s[n - 1] == ' '; n--)
			;
		if (n >= sizeof(name))
			goto out;
		memcpy(name, s, n);
		name[n] = '\0';
		for (s = eq + 1; *s == ' '; s++)
			;
		if (!dn_name_ok(name) || !dn_value(&s, value, sizeof(value)) ||
		    value[0] == '\0' ||
		    X509_NAME_add_entry_by_txt(dn, name, MBSTRING_UTF8,
		    (const unsigned char *)value, -1, -1, 0) != 1)
			goto out;
	}
	if ((l = i2d_X509_NAME(dn, &der)) <= 0 || (size_t)l > cap) {
		e = l <= 0 ? IKE_EINVAL : IKE_ETOOBIG;
		goto out;
	}
	memcpy(out, der, (size_t)l);
	*out_len = (size_t)l;
	e = IKE_OK;
out:
	ERR_clear_error();
	OPENSSL_free(der);
	X509_NAME_free(dn);
	return e;
}

void
sig_dn_format(const uint8_t *der, size_t len, char *buf, size_t n)
{
	const unsigned char	*q = der;
	X509_NAME		*dn;
	BIO			*b;
	char			*p;
	long			 l;

	if (n == 0)
		return;
	buf[0] = '\0';
	if ((dn = d2i_X509_NAME(NULL, &q, (long)len)) == NULL ||
	    (b = BIO_new(BIO_s_mem())) == NULL) {
		X509_NAME_free(dn);
		ERR_clear_error();
		snprintf(buf, n, "(bad DN)");
		return;
	}
	/* strongSwan's way: "O=lab, CN=moon" */
	if (X509_NAME_print_ex(b, dn, 0, (XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ &
	    ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT) >= 0 &&
	    (l = BIO_get_mem_data(b, &p)) >= 0)
		snprintf(buf, n, "%.*s", (int)l, p);
	BIO_free(b);
	X509_NAME_free(dn);
	ERR_clear_error();
}
