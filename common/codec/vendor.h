/* SPDX-License-Identifier: ISC */
/* The Vendor ID payload (RFC 7296 3.12). */
#ifndef IKEKIT_CODEC_VENDOR_H
#define IKEKIT_CODEC_VENDOR_H

#include <stddef.h>

#include "base/err.h"
#include "buf/buf.h"

/* vendor_parse sets out to the whole (nonempty) body and consumes it. */
enum ike_err	 vendor_parse(struct rd *body, struct rd *out);

/* vendor_put writes a Vendor ID body. */
void		 vendor_put(struct wr *w, const void *vid, size_t len);

#endif
