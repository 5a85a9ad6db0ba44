/* SPDX-License-Identifier: ISC */
/* AUTH values computed from a pre-shared key. */
#include "crypto/auth.h"
#include "crypto/prf.h"
#include "crypto/secret.h"

enum ike_err
psk_auth(uint16_t prf_id, const uint8_t *psk, size_t psk_len,
    const uint8_t *signed_octets, size_t len, uint8_t *out)
{
	static const char	 pad[] = "Key Pad for IKEv2";	/* 17 octets, no NUL */
	uint8_t			 k[PRF_MAX_LEN];
	enum ike_err		 e;

	if (prf_len(prf_id) == 0)
		return IKE_EUNSUPP;
	if (psk == NULL || psk_len == 0 || (signed_octets == NULL && len != 0))
		return IKE_EINVAL;
	/* AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) */
	e = prf(prf_id, psk, psk_len, (const uint8_t *)pad, sizeof(pad) - 1, k);
	if (e == IKE_OK)
		e = prf(prf_id, k, prf_len(prf_id), signed_octets, len, out);
	wipe(k, sizeof(k));
	return e;
}
