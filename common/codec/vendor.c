/* SPDX-License-Identifier: ISC */
/* Vendor ID payload (RFC 7296 3.12). */
#include "codec/vendor.h"

enum ike_err
vendor_parse(struct rd *body, struct rd *out)
{
	if (body->len == 0)
		return IKE_ESYNTAX;
	rd_rest(body, out);
	return IKE_OK;
}

void
vendor_put(struct wr *w, const void *vid, size_t len)
{
	wr_bytes(w, vid, len);
}
