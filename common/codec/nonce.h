/* SPDX-License-Identifier: ISC */
/* The Nonce payload (RFC 7296 3.9). */
#ifndef IKEKIT_CODEC_NONCE_H
#define IKEKIT_CODEC_NONCE_H

#include <stddef.h>

#include "base/err.h"
#include "buf/buf.h"

enum { NONCE_MIN_LEN = 16, NONCE_MAX_LEN = 256 };

/* nonce_parse sets out to the whole body, which must be 16..256 bytes
 * (IKE_ESYNTAX otherwise), and consumes it. */
enum ike_err	 nonce_parse(struct rd *body, struct rd *out);

/* nonce_put writes a Nonce body. */
void		 nonce_put(struct wr *w, const void *nonce, size_t len);

#endif
