/* SPDX-License-Identifier: ISC */
/* Helpers shared by the files of crypto/ only: OpenSSL errors, MAC handles, XCBC. */
#ifndef IKEKIT_CRYPTO_INTERNAL_H
#define IKEKIT_CRYPTO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "base/err.h"

enum {
	AES_BLOCK_LEN = 16,
	XCBC_KEY_LEN = 16,
	XCBC_MAC_LEN = 16,
	NONCE_MAX_LEN = 256,		/* RFC 7296 3.9: at most 256 octets */
	DH_SECRET_MAX_LEN = 512,	/* MODP-4096 */
};

/* crypto_fail drains OpenSSL's error queue into one debug line naming what
 * failed, and returns IKE_ECRYPTO. */
enum ike_err	 crypto_fail(const char *what);

/* mac_hmac and mac_cmac return the fetched EVP_MAC (fetched once, kept for
 * the life of the process), or NULL if the provider lacks it. */
EVP_MAC		*mac_hmac(void);
EVP_MAC		*mac_cmac(void);

/* prf_digest_name and integ_digest_name return the OpenSSL digest name of an
 * HMAC-based PRF or integrity transform and set *out_len to the digest
 * length; NULL (and 0) for other transforms. */
const char	*prf_digest_name(uint16_t prf_id, size_t *out_len);
const char	*integ_digest_name(uint16_t integ, size_t *out_len);

/* A piece of a message that is MACed without first being copied together. */
struct iov {
	const uint8_t	*p;
	size_t		 len;
};

/* hmac_v computes HMAC(md, key, pieces...) into out (the digest's length). */
enum ike_err	 hmac_v(const char *md, const uint8_t *key, size_t key_len,
		    const struct iov *v, size_t n_v, uint8_t *out);

/* xcbc_mac_v computes AES-XCBC-MAC (RFC 3566) with a 16-byte key over the
 * pieces; out gets 16 bytes (callers truncate). */
enum ike_err	 xcbc_mac_v(const uint8_t key[XCBC_KEY_LEN], const struct iov *v,
		    size_t n_v, uint8_t out[XCBC_MAC_LEN]);

/* prf_v is prf() over several pieces (RFC 7296 notation "a | b | c"). */
enum ike_err	 prf_v(uint16_t prf_id, const uint8_t *key, size_t key_len,
		    const struct iov *v, size_t n_v, uint8_t *out);

#endif
