/* SPDX-License-Identifier: ISC */
/* Diffie-Hellman for IKEv2 KE payloads: MODP 14-16, ECP 19-21, Curve25519/448. */
#ifndef IKEKIT_CRYPTO_DH_H
#define IKEKIT_CRYPTO_DH_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum {
	DH_PUB_MAX_LEN = 512,		/* MODP-4096 */
	DH_SHARED_MAX_LEN = 512,
};

struct dh;

/* dh_new makes a fresh key pair for group (IKEV2_DH_*) in *out. Returns
 * IKE_EUNSUPP for groups other than 14, 15, 16, 19, 20, 21, 31, 32,
 * IKE_ENOMEM or IKE_ECRYPTO on failure. Free with dh_free(). */
enum ike_err	 dh_new(struct dh **out, uint16_t group);

/* dh_new_from_private is dh_new with a given private value (for known-answer
 * tests): the scalar for ECP (big-endian, field length), the RFC 7748 string
 * for X25519/X448, the exponent for MODP (big-endian, at most the prime's
 * length). Returns IKE_EINVAL for a wrong length or an invalid value. */
enum ike_err	 dh_new_from_private(struct dh **out, uint16_t group,
		    const uint8_t *priv, size_t len);

/* dh_export_private writes d's private value into out (cap bytes) in the
 * form dh_new_from_private takes (ECP: the scalar, field length; MODP: the
 * exponent, the prime's length; X25519/X448: the raw string) and sets
 * *out_len: for a key pair that must outlive the program (an exchange
 * journaled in the state directory). Wipe out after use. IKE_ETOOBIG if
 * cap is short. dh_import_private is dh_new_from_private. */
enum ike_err	 dh_export_private(const struct dh *d, uint8_t *out,
		    size_t cap, size_t *out_len);
enum ike_err	 dh_import_private(struct dh **out, uint16_t group,
		    const uint8_t *priv, size_t len);

/* dh_pub_len returns the KE payload data length of group (RFC 7296 3.4,
 * RFC 5903 7, RFC 8031 3), or 0 if unsupported; it is also the length of the
 * shared secret for MODP and Curve25519/448, and twice it for ECP. */
size_t	 dh_pub_len(uint16_t group);

/* dh_shared_len returns the length of g^ir for group, or 0 if unsupported. */
size_t	 dh_shared_len(uint16_t group);

/* dh_group returns the group of d. */
uint16_t	 dh_group(const struct dh *d);

/* dh_public writes our public value as KE payload data (MODP: zero-padded
 * to the prime's length; ECP: x | y; X25519/X448: u) and sets *out_len.
 * Returns IKE_ETOOBIG if cap is too small. */
enum ike_err	 dh_public(const struct dh *d, uint8_t *out, size_t cap,
		    size_t *out_len);

/* dh_shared computes g^ir from the peer's KE data into out (MODP: padded to
 * the prime's length; ECP: x only, RFC 5903 7). It checks the peer value
 * (RFC 6989): MODP 1 < y < p-1; ECP a point on the curve; X25519/X448 a
 * non-zero result. A wrong length or a failed check gives IKE_EBADKE, a
 * small cap IKE_ETOOBIG. */
enum ike_err	 dh_shared(struct dh *d, const uint8_t *peer, size_t peer_len,
		    uint8_t *out, size_t cap, size_t *out_len);

/* dh_ref returns d with one more holder: dh_free frees it (and wipes the
 * private value) when the last holder lets go. NULL is fine for dh_free. */
struct dh	*dh_ref(struct dh *d);
void	 dh_free(struct dh *d);

#endif
