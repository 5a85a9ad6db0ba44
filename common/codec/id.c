/* SPDX-License-Identifier: ISC */
/* Identification payloads IDi/IDr (RFC 7296 3.5). */
#include "codec/id.h"
#include "names/ikev2.h"

enum ike_err
id_parse(struct rd *body, struct id_pld *out)
{
	struct rd	 r = *body;
	bool		 ok;

	/* ID Type | RESERVED (3) | Identification Data */
	if (!rd_u8(&r, &out->type) || !rd_skip(&r, 3))
		return IKE_ETRUNC;
	switch (out->type) {
	case IKEV2_ID_IPV4_ADDR:
		ok = r.len == 4;
		break;
	case IKEV2_ID_IPV6_ADDR:
		ok = r.len == 16;
		break;
	case IKEV2_ID_NULL:
		ok = r.len == 0;	/* RFC 7619 3 */
		break;
	default:
		ok = r.len != 0;
		break;
	}
	if (!ok)
		return IKE_ESYNTAX;
	rd_rest(&r, &out->data);
	*body = r;
	return IKE_OK;
}

void
id_put(struct wr *w, uint8_t type, const void *data, size_t len)
{
	wr_u8(w, type);
	wr_zero(w, 3);
	wr_bytes(w, data, len);
}
