/* SPDX-License-Identifier: ISC */
/* Integrity transforms: HMAC-SHA1-96, HMAC-SHA2 (RFC 4868), AES-XCBC-96 (RFC 3566). */
#ifndef IKEKIT_CRYPTO_INTEG_H
#define IKEKIT_CRYPTO_INTEG_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "base/err.h"

/* One integrity key. For the HMACs the EVP_MAC_CTX keeps the key and each
 * integ_run() restarts it (EVP_MAC_init with a NULL key), so nothing is
 * allocated per packet. */
struct integ {
	EVP_MAC_CTX	*mac;
	uint16_t	 id;
	size_t		 icv_len;
	uint8_t		 xcbc_key[16];
};

/* integ_init sets i up for transform id (IKEV2_AUTH_*) with key, which must
 * be integ_key_len(id) bytes. Returns IKE_EUNSUPP or IKE_EINVAL. */
enum ike_err	 integ_init(struct integ *i, uint16_t id, const uint8_t *key,
		    size_t key_len);

/* integ_run computes the ICV (icv_len bytes, truncated as the transform says)
 * over a | b (b may be NULL) into icv. */
enum ike_err	 integ_run(struct integ *i, const uint8_t *a, size_t a_len,
		    const uint8_t *b, size_t b_len, uint8_t *icv);

/* integ_free frees the context and wipes i. */
void	 integ_free(struct integ *i);

/* integ_mac is the one-shot form: init, run over data, free. */
enum ike_err	 integ_mac(uint16_t id, const uint8_t *key, size_t key_len,
		    const uint8_t *data, size_t data_len, uint8_t *icv);

#endif
