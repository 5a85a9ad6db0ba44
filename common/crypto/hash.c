/* SPDX-License-Identifier: ISC */
/* SHA-1 for NAT detection hashes (RFC 7296 2.23) and MD5 for EAP-MD5, through EVP. */
#include <openssl/evp.h>

#include "crypto/hash.h"
#include "crypto/internal.h"

enum ike_err
hash_sha1(const uint8_t *p, size_t n, uint8_t out[SHA1_LEN])
{
	unsigned int	 len = 0;

	if (EVP_Digest(p, n, out, &len, EVP_sha1(), NULL) != 1 || len != SHA1_LEN)
		return crypto_fail("EVP_Digest(SHA1)");
	return IKE_OK;
}

enum ike_err
hash_md5(const uint8_t *p, size_t n, uint8_t out[MD5_LEN])
{
	unsigned int	 len = 0;

	if (EVP_Digest(p, n, out, &len, EVP_md5(), NULL) != 1 || len != MD5_LEN)
		return crypto_fail("EVP_Digest(MD5)");
	return IKE_OK;
}
