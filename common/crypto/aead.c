/* SPDX-License-Identifier: ISC */
/* AEAD seal/open over OpenSSL EVP: the key is set once, each packet sets a nonce. */
#include <string.h>

#include <openssl/evp.h>

#include "crypto/aead.h"
#include "crypto/internal.h"
#include "crypto/secret.h"
#include "names/ikev2.h"

enum ike_err
aead_init(struct aead *a, uint16_t encr, const uint8_t *key, size_t key_len,
    bool encrypt)
{
	const EVP_CIPHER	*c;
	size_t			 k;

	memset(a, 0, sizeof(*a));
	switch (encr) {
	case IKEV2_ENCR_AES_GCM_8:	a->icv_len = 8; break;
	case IKEV2_ENCR_AES_GCM_12:	a->icv_len = 12; break;
	case IKEV2_ENCR_AES_GCM_16:	a->icv_len = 16; break;
	case IKEV2_ENCR_CHACHA20_POLY1305: a->icv_len = 16; break;
	default:			return IKE_EUNSUPP;
	}
	if (key == NULL || key_len < sizeof(a->salt))
		return IKE_EINVAL;
	k = key_len - sizeof(a->salt);
	if (encr == IKEV2_ENCR_CHACHA20_POLY1305)
		c = k == 32 ? EVP_chacha20_poly1305() : NULL;
	else
		c = k == 16 ? EVP_aes_128_gcm() : k == 24 ? EVP_aes_192_gcm() :
		    k == 32 ? EVP_aes_256_gcm() : NULL;
	if (c == NULL)
		return IKE_EINVAL;
	a->encr = encr;
	a->encrypt = encrypt;
	/* RFC 4106 4, RFC 7634 2: the salt is the last 4 bytes of the key */
	memcpy(a->salt, key + k, sizeof(a->salt));
	if ((a->ctx = EVP_CIPHER_CTX_new()) == NULL)
		return IKE_ENOMEM;
	if (!EVP_CipherInit_ex2(a->ctx, c, key, NULL, encrypt ? 1 : 0, NULL)) {
		aead_free(a);
		return crypto_fail("AEAD init");
	}
	return IKE_OK;
}

/* aead_start sets the nonce salt | iv and feeds the associated data. */
static bool
aead_start(struct aead *a, const uint8_t iv[AEAD_IV_LEN], const uint8_t *aad,
    size_t aad_len)
{
	uint8_t		 nonce[AEAD_NONCE_LEN];
	int		 n;

	memcpy(nonce, a->salt, sizeof(a->salt));
	memcpy(nonce + sizeof(a->salt), iv, AEAD_IV_LEN);
	if (!EVP_CipherInit_ex2(a->ctx, NULL, NULL, nonce, a->encrypt ? 1 : 0,
	    NULL))
		return false;
	return aad_len == 0 || EVP_CipherUpdate(a->ctx, NULL, &n, aad, (int)aad_len);
}

enum ike_err
aead_seal(struct aead *a, const uint8_t iv[AEAD_IV_LEN], const uint8_t *aad,
    size_t aad_len, const uint8_t *pt, size_t len, uint8_t *ct, uint8_t *icv)
{
	int	 n = 0, fin;

	if (a->ctx == NULL || !a->encrypt || len > INT32_MAX)
		return IKE_EINVAL;
	if (!aead_start(a, iv, aad, aad_len) ||
	    (len != 0 && !EVP_EncryptUpdate(a->ctx, ct, &n, pt, (int)len)) ||
	    !EVP_EncryptFinal_ex(a->ctx, ct + n, &fin) ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, (int)a->icv_len,
	    icv) <= 0)
		return crypto_fail("AEAD seal");
	return IKE_OK;
}

enum ike_err
aead_open(struct aead *a, const uint8_t iv[AEAD_IV_LEN], const uint8_t *aad,
    size_t aad_len, const uint8_t *ct, size_t len, const uint8_t *icv,
    uint8_t *pt)
{
	int	 n = 0, fin;

	if (a->ctx == NULL || a->encrypt || len > INT32_MAX)
		return IKE_EINVAL;
	if (!aead_start(a, iv, aad, aad_len) ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, (int)a->icv_len,
	    (void *)icv) <= 0 ||
	    (len != 0 && !EVP_DecryptUpdate(a->ctx, pt, &n, ct, (int)len))) {
		wipe(pt, len);
		return crypto_fail("AEAD open");
	}
	if (EVP_DecryptFinal_ex(a->ctx, pt + n, &fin) <= 0) {
		/* a tag mismatch: never hand out the unauthenticated text */
		wipe(pt, len);
		return IKE_EINTEG;
	}
	return IKE_OK;
}

void
aead_free(struct aead *a)
{
	EVP_CIPHER_CTX_free(a->ctx);
	wipe(a, sizeof(*a));
}
