/* SPDX-License-Identifier: ISC */
/* prf and prf+ over HMAC-SHA1/SHA2 (EVP_MAC), AES-XCBC-PRF-128 and AES-CMAC-PRF-128. */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "base/log.h"
#include "crypto/internal.h"
#include "crypto/prf.h"
#include "crypto/secret.h"
#include "names/ikev2.h"

static EVP_MAC		*hmac_alg, *cmac_alg;
static pthread_once_t	 mac_once = PTHREAD_ONCE_INIT;

/* Keyless HMAC contexts with the digest already set, one per digest, made
 * once: EVP_MAC_CTX_dup of these skips the digest fetch by name that costs
 * more than the HMAC itself on IKE-sized inputs. Only ever read. */
static const char *const hmac_mds[] = { "SHA1", "SHA2-256", "SHA2-384", "SHA2-512" };
static EVP_MAC_CTX	*hmac_tmpl[4];

static void
mac_fetch(void)
{
	OSSL_PARAM	 params[2];
	size_t		 i;

	hmac_alg = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	cmac_alg = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_CMAC, NULL);
	if (hmac_alg == NULL)
		return;
	for (i = 0; i < sizeof(hmac_mds) / sizeof(hmac_mds[0]); i++) {
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_MAC_PARAM_DIGEST, (char *)hmac_mds[i], 0);
		params[1] = OSSL_PARAM_construct_end();
		if ((hmac_tmpl[i] = EVP_MAC_CTX_new(hmac_alg)) != NULL &&
		    !EVP_MAC_CTX_set_params(hmac_tmpl[i], params)) {
			EVP_MAC_CTX_free(hmac_tmpl[i]);
			hmac_tmpl[i] = NULL;
		}
	}
}

/* hmac_ctx_new returns a new HMAC context for digest md, not yet keyed. */
static EVP_MAC_CTX *
hmac_ctx_new(const char *md, bool *need_params)
{
	size_t	 i;

	pthread_once(&mac_once, mac_fetch);
	*need_params = false;
	for (i = 0; i < sizeof(hmac_mds) / sizeof(hmac_mds[0]); i++)
		if (strcmp(md, hmac_mds[i]) == 0 && hmac_tmpl[i] != NULL)
			return EVP_MAC_CTX_dup(hmac_tmpl[i]);
	*need_params = true;
	return hmac_alg != NULL ? EVP_MAC_CTX_new(hmac_alg) : NULL;
}

EVP_MAC *
mac_hmac(void)
{
	pthread_once(&mac_once, mac_fetch);
	return hmac_alg;
}

EVP_MAC *
mac_cmac(void)
{
	pthread_once(&mac_once, mac_fetch);
	return cmac_alg;
}

enum ike_err
crypto_fail(const char *what)
{
	unsigned long	 code;
	char		 msg[256];

	code = ERR_get_error();
	if (code != 0) {
		ERR_error_string_n(code, msg, sizeof(msg));
		log_debug("crypto: %s: %s", what, msg);
	} else
		log_debug("crypto: %s failed", what);
	ERR_clear_error();
	return IKE_ECRYPTO;
}

const char *
prf_digest_name(uint16_t prf_id, size_t *out_len)
{
	switch (prf_id) {
	case IKEV2_PRF_HMAC_SHA1:	*out_len = 20; return "SHA1";
	case IKEV2_PRF_HMAC_SHA2_256:	*out_len = 32; return "SHA2-256";
	case IKEV2_PRF_HMAC_SHA2_384:	*out_len = 48; return "SHA2-384";
	case IKEV2_PRF_HMAC_SHA2_512:	*out_len = 64; return "SHA2-512";
	default:			*out_len = 0; return NULL;
	}
}

size_t
prf_len(uint16_t prf_id)
{
	size_t	 n;

	if (prf_id == IKEV2_PRF_AES128_XCBC || prf_id == IKEV2_PRF_AES128_CMAC)
		return 16;
	(void)prf_digest_name(prf_id, &n);
	return n;
}

size_t
prf_key_len(uint16_t prf_id)
{
	return prf_len(prf_id);
}

bool
prf_fixed_key(uint16_t prf_id)
{
	return prf_id == IKEV2_PRF_AES128_XCBC || prf_id == IKEV2_PRF_AES128_CMAC;
}

enum ike_err
hmac_v(const char *md, const uint8_t *key, size_t key_len,
    const struct iov *v, size_t n_v, uint8_t *out)
{
	EVP_MAC_CTX	*ctx;
	OSSL_PARAM	 params[2];
	enum ike_err	 e = IKE_OK;
	size_t		 i, n;
	bool		 need_params;
	static const uint8_t empty[1];

	if ((ctx = hmac_ctx_new(md, &need_params)) == NULL)
		return crypto_fail("HMAC context");
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* A zero-length HMAC key is legal; OpenSSL wants a non-NULL pointer. */
	if (!EVP_MAC_init(ctx, key_len ? key : empty, key_len,
	    need_params ? params : NULL)) {
		e = crypto_fail("HMAC init");
		goto out;
	}
	for (i = 0; i < n_v; i++) {
		if (v[i].len != 0 && !EVP_MAC_update(ctx, v[i].p, v[i].len)) {
			e = crypto_fail("HMAC update");
			goto out;
		}
	}
	if (!EVP_MAC_final(ctx, out, &n, EVP_MAC_CTX_get_mac_size(ctx)))
		e = crypto_fail("HMAC final");
out:
	EVP_MAC_CTX_free(ctx);
	return e;
}

/* AES-128-ECB of one block, with a context the caller keeps. */
static bool
aes_block(EVP_CIPHER_CTX *c, const uint8_t in[AES_BLOCK_LEN],
    uint8_t out[AES_BLOCK_LEN])
{
	int	 n;

	return EVP_EncryptUpdate(c, out, &n, in, AES_BLOCK_LEN) && n == AES_BLOCK_LEN;
}

static EVP_CIPHER_CTX *
aes_ecb_new(const uint8_t key[16])
{
	EVP_CIPHER_CTX	*c;

	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return NULL;
	if (!EVP_EncryptInit_ex2(c, EVP_aes_128_ecb(), key, NULL, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(c, 0)) {
		EVP_CIPHER_CTX_free(c);
		return NULL;
	}
	return c;
}

enum ike_err
xcbc_mac_v(const uint8_t key[XCBC_KEY_LEN], const struct iov *v, size_t n_v,
    uint8_t out[XCBC_MAC_LEN])
{
	EVP_CIPHER_CTX	*k, *k1 = NULL;
	uint8_t		 k1b[16], k2[16], k3[16], blk[16], e[16], tmp[16];
	size_t		 fill = 0, i, j, off;
	enum ike_err	 err = IKE_OK;
	bool		 have = false;	/* blk holds a full block not yet MACed */

	/* RFC 3566 4: K1 = E(K, 0x01..), K2 = E(K, 0x02..), K3 = E(K, 0x03..) */
	if ((k = aes_ecb_new(key)) == NULL)
		return crypto_fail("XCBC key");
	memset(tmp, 0x01, 16);
	if (!aes_block(k, tmp, k1b))
		goto fail;
	memset(tmp, 0x02, 16);
	if (!aes_block(k, tmp, k2))
		goto fail;
	memset(tmp, 0x03, 16);
	if (!aes_block(k, tmp, k3))
		goto fail;
	if ((k1 = aes_ecb_new(k1b)) == NULL)
		goto fail;

	/* E[i] = E(K1, M[i] ^ E[i-1]) for all but the last block, which is
	 * kept back in blk until we know it is the last. */
	memset(e, 0, sizeof(e));
	for (i = 0; i < n_v; i++) {
		for (off = 0; off < v[i].len; ) {
			if (have) {
				for (j = 0; j < 16; j++)
					tmp[j] = blk[j] ^ e[j];
				if (!aes_block(k1, tmp, e))
					goto fail;
				have = false;
				fill = 0;
			}
			while (fill < 16 && off < v[i].len)
				blk[fill++] = v[i].p[off++];
			if (fill == 16)
				have = true;
		}
	}
	if (have) {
		/* complete last block: M[n] ^ E[n-1] ^ K2 */
		for (j = 0; j < 16; j++)
			tmp[j] = blk[j] ^ e[j] ^ k2[j];
	} else {
		/* partial (or empty) last block: pad 0x80 0x00.., use K3 */
		blk[fill] = 0x80;
		for (j = fill + 1; j < 16; j++)
			blk[j] = 0;
		for (j = 0; j < 16; j++)
			tmp[j] = blk[j] ^ e[j] ^ k3[j];
	}
	if (!aes_block(k1, tmp, out))
		goto fail;
	goto out;
fail:
	err = crypto_fail("AES-XCBC");
out:
	EVP_CIPHER_CTX_free(k);
	EVP_CIPHER_CTX_free(k1);
	wipe(k1b, sizeof(k1b));
	wipe(k2, sizeof(k2));
	wipe(k3, sizeof(k3));
	wipe(blk, sizeof(blk));
	wipe(tmp, sizeof(tmp));
	wipe(e, sizeof(e));
	return err;
}

static enum ike_err
cmac_v(const uint8_t key[16], const struct iov *v, size_t n_v, uint8_t out[16])
{
	EVP_MAC		*alg;
	EVP_MAC_CTX	*ctx;
	OSSL_PARAM	 params[2];
	enum ike_err	 e = IKE_OK;
	size_t		 i, n;

	if ((alg = mac_cmac()) == NULL)
		return crypto_fail("CMAC fetch");
	if ((ctx = EVP_MAC_CTX_new(alg)) == NULL)
		return crypto_fail("EVP_MAC_CTX_new");
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
	    (char *)"AES-128-CBC", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, key, 16, params)) {
		e = crypto_fail("CMAC init");
		goto out;
	}
	for (i = 0; i < n_v; i++) {
		if (v[i].len != 0 && !EVP_MAC_update(ctx, v[i].p, v[i].len)) {
			e = crypto_fail("CMAC update");
			goto out;
		}
	}
	if (!EVP_MAC_final(ctx, out, &n, 16))
		e = crypto_fail("CMAC final");
out:
	EVP_MAC_CTX_free(ctx);
	return e;
}

/* aes_prf runs AES-XCBC-PRF-128 (RFC 4434) or AES-CMAC-PRF-128 (RFC 4615). */
static enum ike_err
aes_prf(uint16_t prf_id, const uint8_t *key, size_t key_len,
    const struct iov *v, size_t n_v, uint8_t out[16])
{
	static const uint8_t zero[16];
	uint8_t		 k[16];
	struct iov	 kv = { key, key_len };
	enum ike_err	 e = IKE_OK;
	bool		 xcbc = prf_id == IKEV2_PRF_AES128_XCBC;

	if (key_len == 16)
		memcpy(k, key, 16);
	else if (xcbc && key_len < 16) {
		/* RFC 4434 2: shorter keys are padded with zeros */
		memset(k, 0, sizeof(k));
		if (key_len != 0)
			memcpy(k, key, key_len);
	} else if (xcbc)
		/* RFC 4434 2: K = AES-XCBC-PRF-128(0^128, key) */
		e = xcbc_mac_v(zero, &kv, 1, k);
	else
		/* RFC 4615 3: K = AES-CMAC(0^128, VK, VKlen) */
		e = cmac_v(zero, &kv, 1, k);
	if (e == IKE_OK)
		e = xcbc ? xcbc_mac_v(k, v, n_v, out) : cmac_v(k, v, n_v, out);
	wipe(k, sizeof(k));
	return e;
}

enum ike_err
prf_v(uint16_t prf_id, const uint8_t *key, size_t key_len,
    const struct iov *v, size_t n_v, uint8_t *out)
{
	const char	*md;
	size_t		 n;

	if (key == NULL && key_len != 0)
		return IKE_EINVAL;
	if (prf_fixed_key(prf_id))
		return aes_prf(prf_id, key, key_len, v, n_v, out);
	if ((md = prf_digest_name(prf_id, &n)) == NULL)
		return IKE_EUNSUPP;
	return hmac_v(md, key, key_len, v, n_v, out);
}

enum ike_err
prf(uint16_t prf_id, const uint8_t *key, size_t key_len,
    const uint8_t *data, size_t data_len, uint8_t *out)
{
	struct iov	 v = { data, data_len };

	if (data == NULL && data_len != 0)
		return IKE_EINVAL;
	return prf_v(prf_id, key, key_len, &v, 1, out);
}

enum ike_err
prf_plus(uint16_t prf_id, const uint8_t *key, size_t key_len,
    const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
	uint8_t		 t[PRF_MAX_LEN], n = 1;
	struct iov	 v[3];
	size_t		 hlen, done = 0, take;
	enum ike_err	 e = IKE_OK;

	if ((hlen = prf_len(prf_id)) == 0)
		return IKE_EUNSUPP;
	if (out_len > hlen * PRF_PLUS_MAX_BLOCKS ||
	    (seed == NULL && seed_len != 0))
		return IKE_EINVAL;
	/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n) */
	while (done < out_len) {
		v[0].p = t;
		v[0].len = n == 1 ? 0 : hlen;
		v[1].p = seed;
		v[1].len = seed_len;
		v[2].p = &n;
		v[2].len = 1;
		if ((e = prf_v(prf_id, key, key_len, v, 3, t)) != IKE_OK) {
			wipe(out, out_len);
			break;
		}
		take = out_len - done < hlen ? out_len - done : hlen;
		memcpy(out + done, t, take);
		done += take;
		n++;
	}
	wipe(t, sizeof(t));
	return e;
}
