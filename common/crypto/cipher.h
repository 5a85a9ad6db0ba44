/* SPDX-License-Identifier: ISC */
/* AES-CBC (RFC 3602) and AES-CTR (RFC 3686, 5930) with a re-used EVP context. */
#ifndef IKEKIT_CRYPTO_CIPHER_H
#define IKEKIT_CRYPTO_CIPHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "base/err.h"

enum {
	CBC_IV_LEN = 16,
	CTR_IV_LEN = 8,
	CTR_NONCE_LEN = 4,
};

/* One direction of a non-AEAD cipher key; IKE/ESP do their own padding. */
struct cipher {
	EVP_CIPHER_CTX	*ctx;
	uint16_t	 encr;
	size_t		 iv_len, block_len;
	uint8_t		 nonce[CTR_NONCE_LEN];	/* AES-CTR */
	bool		 encrypt;
};

/* cipher_init sets c up for IKEV2_ENCR_AES_CBC (key of 16, 24 or 32 bytes)
 * or IKEV2_ENCR_AES_CTR (key | 4-byte nonce), to encrypt or to decrypt.
 * Returns IKE_EUNSUPP or IKE_EINVAL for other transforms or key lengths. */
enum ike_err	 cipher_init(struct cipher *c, uint16_t encr, const uint8_t *key,
		    size_t key_len, bool encrypt);

/* cipher_run en- or decrypts len bytes of in into out (which may be in)
 * with the iv_len-byte IV iv; for CBC len must be a multiple of 16. */
enum ike_err	 cipher_run(struct cipher *c, const uint8_t *iv, const uint8_t *in,
		    size_t len, uint8_t *out);

/* cipher_free frees the context and wipes c. */
void	 cipher_free(struct cipher *c);

#endif
