/* SPDX-License-Identifier: ISC */
/* Nonce payload (RFC 7296 3.9): 16 to 256 bytes. */
#include "codec/nonce.h"

enum ike_err
nonce_parse(struct rd *body, struct rd *out)
{
	if (body->len < NONCE_MIN_LEN || body->len > NONCE_MAX_LEN)
		return IKE_ESYNTAX;
	rd_rest(body, out);
	return IKE_OK;
}

void
nonce_put(struct wr *w, const void *nonce, size_t len)
{
	wr_bytes(w, nonce, len);
}
