/* SPDX-License-Identifier: ISC */
/* AUTH payload values: shared-key MIC (RFC 7296 2.15); RFC 7427 signatures come later. */
#ifndef IKEKIT_CRYPTO_AUTH_H
#define IKEKIT_CRYPTO_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* psk_auth computes AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"),
 * <SignedOctets>) (RFC 7296 2.15) into out (prf_len(prf_id) bytes). Compare
 * a peer's AUTH with ct_eq(). Returns IKE_EUNSUPP for an unknown PRF,
 * IKE_EINVAL for an empty PSK. */
enum ike_err	 psk_auth(uint16_t prf_id, const uint8_t *psk, size_t psk_len,
		    const uint8_t *signed_octets, size_t len, uint8_t *out);

#endif
