/* SPDX-License-Identifier: ISC */
/* AES-CBC and AES-CTR over OpenSSL EVP without EVP padding; the key is set once. */
#include <string.h>

#include <openssl/evp.h>

#include "crypto/cipher.h"
#include "crypto/internal.h"
#include "crypto/secret.h"
#include "names/ikev2.h"

enum ike_err
cipher_init(struct cipher *c, uint16_t encr, const uint8_t *key,
    size_t key_len, bool encrypt)
{
	const EVP_CIPHER	*alg;
	size_t			 k = key_len;

	memset(c, 0, sizeof(*c));
	if (encr != IKEV2_ENCR_AES_CBC && encr != IKEV2_ENCR_AES_CTR)
		return IKE_EUNSUPP;
	if (key == NULL)
		return IKE_EINVAL;
	if (encr == IKEV2_ENCR_AES_CTR) {
		if (k < CTR_NONCE_LEN)
			return IKE_EINVAL;
		k -= CTR_NONCE_LEN;
		/* RFC 3686 5.1: the nonce is the last 4 bytes of the key */
		memcpy(c->nonce, key + k, CTR_NONCE_LEN);
		alg = k == 16 ? EVP_aes_128_ctr() : k == 24 ? EVP_aes_192_ctr() :
		    k == 32 ? EVP_aes_256_ctr() : NULL;
		c->iv_len = CTR_IV_LEN;
		c->block_len = 1;
	} else {
		alg = k == 16 ? EVP_aes_128_cbc() : k == 24 ? EVP_aes_192_cbc() :
		    k == 32 ? EVP_aes_256_cbc() : NULL;
		c->iv_len = CBC_IV_LEN;
		c->block_len = 16;
	}
	if (alg == NULL)
		return IKE_EINVAL;
	c->encr = encr;
	c->encrypt = encrypt;
	if ((c->ctx = EVP_CIPHER_CTX_new()) == NULL)
		return IKE_ENOMEM;
	if (!EVP_CipherInit_ex2(c->ctx, alg, key, NULL, encrypt ? 1 : 0, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(c->ctx, 0)) {
		cipher_free(c);
		return crypto_fail("cipher init");
	}
	return IKE_OK;
}

enum ike_err
cipher_run(struct cipher *c, const uint8_t *iv, const uint8_t *in, size_t len,
    uint8_t *out)
{
	uint8_t		 blk[16];
	const uint8_t	*ivp = iv;
	int		 n = 0, fin;

	if (c->ctx == NULL || len % c->block_len != 0 || len > INT32_MAX)
		return IKE_EINVAL;
	if (c->encr == IKEV2_ENCR_AES_CTR) {
		/* RFC 3686 4: counter block = nonce | IV | 00000001 */
		memcpy(blk, c->nonce, CTR_NONCE_LEN);
		memcpy(blk + CTR_NONCE_LEN, iv, CTR_IV_LEN);
		memcpy(blk + 12, "\0\0\0\1", 4);
		ivp = blk;
	}
	if (!EVP_CipherInit_ex2(c->ctx, NULL, NULL, ivp, c->encrypt ? 1 : 0,
	    NULL) ||
	    (len != 0 && !EVP_CipherUpdate(c->ctx, out, &n, in, (int)len)) ||
	    !EVP_CipherFinal_ex(c->ctx, out + n, &fin))
		return crypto_fail("cipher");
	return IKE_OK;
}

void
cipher_free(struct cipher *c)
{
	EVP_CIPHER_CTX_free(c->ctx);
	wipe(c, sizeof(*c));
}
