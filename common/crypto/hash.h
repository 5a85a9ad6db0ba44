/* SPDX-License-Identifier: ISC */
/* Plain hashes outside the PRFs: SHA-1 for NAT detection (RFC 7296 2.23), MD5 for EAP-MD5 (RFC 3748 5.4). */
#ifndef IKEKIT_CRYPTO_HASH_H
#define IKEKIT_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum { SHA1_LEN = 20, MD5_LEN = 16 };

/* hash_sha1 writes SHA-1(p[0..n)) to out (20 bytes). Returns IKE_ECRYPTO if
 * OpenSSL fails. */
enum ike_err	 hash_sha1(const uint8_t *p, size_t n, uint8_t out[SHA1_LEN]);

/* hash_md5 writes MD5(p[0..n)) to out: EAP-MD5 only (RFC 1994 4.1). */
enum ike_err	 hash_md5(const uint8_t *p, size_t n, uint8_t out[MD5_LEN]);

#endif
