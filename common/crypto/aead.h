/* SPDX-License-Identifier: ISC */
/* AES-GCM (RFC 4106, 5282) and ChaCha20-Poly1305 (RFC 7634) with a re-used EVP context. */
#ifndef IKEKIT_CRYPTO_AEAD_H
#define IKEKIT_CRYPTO_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "base/err.h"

enum {
	AEAD_IV_LEN = 8,		/* the explicit IV on the wire */
	AEAD_NONCE_LEN = 12,		/* salt | IV */
};

/* One direction of an AEAD key. The key schedule is made once by aead_init;
 * aead_seal/aead_open then only set the nonce, and do not allocate. */
struct aead {
	EVP_CIPHER_CTX	*ctx;
	uint16_t	 encr;
	size_t		 icv_len;
	uint8_t		 salt[4];
	bool		 encrypt;
};

/* aead_init sets a up for encr (IKEV2_ENCR_AES_GCM_8/12/16 or
 * IKEV2_ENCR_CHACHA20_POLY1305) with key = cipher key | 4-byte salt, to seal
 * (encrypt true) or to open. Returns IKE_EUNSUPP for another encr, IKE_EINVAL
 * for a wrong key length. Free with aead_free(). */
enum ike_err	 aead_init(struct aead *a, uint16_t encr, const uint8_t *key,
		    size_t key_len, bool encrypt);

/* aead_seal encrypts len bytes of pt into ct (which may be pt) with nonce
 * salt | iv and associated data aad, and writes icv_len bytes of ICV. */
enum ike_err	 aead_seal(struct aead *a, const uint8_t iv[AEAD_IV_LEN],
		    const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t len,
		    uint8_t *ct, uint8_t *icv);

/* aead_open decrypts len bytes of ct into pt (which may be ct) and checks
 * icv; on a mismatch it returns IKE_EINTEG and wipes pt. */
enum ike_err	 aead_open(struct aead *a, const uint8_t iv[AEAD_IV_LEN],
		    const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t len,
		    const uint8_t *icv, uint8_t *pt);

/* aead_free frees the context (OpenSSL clears the key schedule) and wipes a. */
void	 aead_free(struct aead *a);

#endif
