/* SPDX-License-Identifier: ISC */
/* The IKEv2 pseudo-random functions and prf+ (RFC 7296 2.13, RFC 4868, 4434, 4615). */
#ifndef IKEKIT_CRYPTO_PRF_H
#define IKEKIT_CRYPTO_PRF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum {
	PRF_MAX_LEN = 64,		/* HMAC-SHA2-512 */
	PRF_PLUS_MAX_BLOCKS = 255,	/* RFC 7296 2.13: the counter is one octet */
};

/* prf_len returns the output length in bytes of PRF transform prf_id
 * (IKEV2_PRF_*), or 0 if it is not supported. */
size_t	 prf_len(uint16_t prf_id);

/* prf_key_len returns the PRF's preferred key length, which is also the
 * length of SK_d, SK_pi and SK_pr (RFC 7296 2.14): the output length for the
 * HMACs, 16 for AES-XCBC-PRF-128 and AES-CMAC-PRF-128; 0 if unsupported. */
size_t	 prf_key_len(uint16_t prf_id);

/* prf_fixed_key returns whether prf_id takes a fixed-size key, so that
 * SKEYSEED takes half of its key from Ni and half from Nr (RFC 7296 2.14). */
bool	 prf_fixed_key(uint16_t prf_id);

/* prf computes prf(key, data) into out, which must hold prf_len(prf_id)
 * bytes. Keys of any length are accepted: HMAC hashes or pads them, and the
 * AES PRFs apply the key rules of RFC 4434 / RFC 4615. Returns IKE_EUNSUPP for
 * an unknown prf_id, IKE_ECRYPTO if OpenSSL fails. */
enum ike_err	 prf(uint16_t prf_id, const uint8_t *key, size_t key_len,
		    const uint8_t *data, size_t data_len, uint8_t *out);

/* prf_plus computes out_len bytes of prf+(key, seed) (RFC 7296 2.13):
 * T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n). Returns IKE_EINVAL if
 * out_len needs more than 255 blocks; on any error out is wiped. */
enum ike_err	 prf_plus(uint16_t prf_id, const uint8_t *key, size_t key_len,
		    const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);

#endif
