/* SPDX-License-Identifier: ISC */
/* MS-CHAPv2 (RFC 2759) and its keys (RFC 3079) for EAP-MSCHAPv2: MD4 and DES from OpenSSL's legacy provider. */
#ifndef IKEKIT_CRYPTO_MSCHAP_H
#define IKEKIT_CRYPTO_MSCHAP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum {
	MSCHAP_CHALLENGE_LEN	= 16,	/* each side's challenge */
	MSCHAP_NT_RESPONSE_LEN	= 24,
	MSCHAP_HASH_LEN		= 16,	/* NtPasswordHash: MD4 of UTF-16LE */
	MSCHAP_AUTH_RESP_LEN	= 42,	/* "S=" and 40 upper-case hex digits */
	MSCHAP_MSK_LEN		= 64,
	MSCHAP_PASSWORD_MAX	= 256,	/* characters (RFC 2759 8.1) */
};

/* mschap_nt_response computes the peer's NT-Response (RFC 2759 8.1) from
 * the authenticator's and the peer's challenges, the user name as sent
 * (bytes) and the password (UTF-8; ASCII and the BMP). IKE_EINVAL for a
 * password that is not such UTF-8 or too long; IKE_EUNSUPP when OpenSSL's
 * legacy provider (MD4, DES) cannot be loaded. */
enum ike_err	 mschap_nt_response(const uint8_t *auth_challenge,
		    const uint8_t *peer_challenge, const char *user,
		    const char *password, uint8_t out[MSCHAP_NT_RESPONSE_LEN]);

/* mschap_auth_response computes the authenticator's response ("S=" and
 * 40 hex digits, NUL-terminated: 43 bytes) to nt_response (RFC 2759 8.7). */
enum ike_err	 mschap_auth_response(const char *password,
		    const uint8_t *nt_response, const uint8_t *peer_challenge,
		    const uint8_t *auth_challenge, const char *user,
		    char out[MSCHAP_AUTH_RESP_LEN + 1]);

/* mschap_msk derives the 64-byte MSK of EAP-MSCHAPv2: the authenticator's
 * MasterReceiveKey and MasterSendKey (RFC 3079 3.3, 3.4, 128-bit keys),
 * then 32 zero bytes. Both ends compute the same MSK. */
enum ike_err	 mschap_msk(const char *password, const uint8_t *nt_response,
		    uint8_t out[MSCHAP_MSK_LEN]);

/* mschap_master_key is RFC 3079 3.4's GetMasterKey (for the known-answer
 * tests and mschap_msk). */
enum ike_err	 mschap_master_key(const char *password,
		    const uint8_t *nt_response, uint8_t out[16]);

#endif
