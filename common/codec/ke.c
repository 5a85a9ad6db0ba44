/* SPDX-License-Identifier: ISC */
/* Key Exchange payload (RFC 7296 3.4). */
#include "codec/ke.h"

enum ike_err
ke_parse(struct rd *body, struct ke_pld *out)
{
	struct rd r = *body;

	/* Diffie-Hellman Group Num | RESERVED | Key Exchange Data */
	if (!rd_u16(&r, &out->group) || !rd_skip(&r, 2))
		return IKE_ETRUNC;
	if (r.len == 0)
		return IKE_ESYNTAX;
	rd_rest(&r, &out->data);
	*body = r;
	return IKE_OK;
}

void
ke_put(struct wr *w, uint16_t group, const void *data, size_t len)
{
	wr_u16(w, group);
	wr_u16(w, 0);
	wr_bytes(w, data, len);
}
