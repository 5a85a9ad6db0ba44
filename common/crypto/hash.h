/* SPDX-License-Identifier: ISC */
/* Plain hashes outside the PRFs: SHA-1 for NAT detection (RFC 7296 2.23). */
#ifndef IKEKIT_CRYPTO_HASH_H
#define IKEKIT_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum { SHA1_LEN = 20 };

/* hash_sha1 writes SHA-1(p[0..n)) to out (20 bytes). Returns IKE_ECRYPTO if
 * OpenSSL fails. */
enum ike_err	 hash_sha1(const uint8_t *p, size_t n, uint8_t out[SHA1_LEN]);

#endif
