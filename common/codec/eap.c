/* SPDX-License-Identifier: ISC */
/* EAP payload (RFC 7296 3.16): one EAP packet whose own Length must match. */
#include "codec/eap.h"
#include "names/ikev2.h"

/* has_type says whether an EAP packet with this code carries a Type byte
 * (RFC 3748 4; RFC 6696 5 for Initiate and Finish). */
static bool
has_type(uint8_t code)
{
	return code != IKEV2_EAP_SUCCESS && code != IKEV2_EAP_FAILURE;
}

enum ike_err
eap_parse(struct rd *body, struct eap_pld *out)
{
	struct rd r = *body;

	/* Code | Identifier | Length | Type | Type_Data */
	if (!rd_u8(&r, &out->code) || !rd_u8(&r, &out->id) ||
	    !rd_u16(&r, &out->len))
		return IKE_ETRUNC;
	if (out->len > body->len)
		return IKE_ETRUNC;
	if (out->len != body->len)
		return IKE_ESYNTAX;
	out->type = 0;
	if (has_type(out->code)) {
		if (!rd_u8(&r, &out->type))
			return IKE_ESYNTAX;	/* Length 4 with no Type */
	} else if (r.len != 0)
		return IKE_ESYNTAX;		/* Success/Failure are 4 bytes */
	rd_rest(&r, &out->data);
	*body = r;
	return IKE_OK;
}

void
eap_put(struct wr *w, const struct eap_pld *e)
{
	size_t len = 4 + (has_type(e->code) ? 1 + e->data.len : 0);

	if (len > UINT16_MAX) {
		w->err = true;
		return;
	}
	wr_u8(w, e->code);
	wr_u8(w, e->id);
	wr_u16(w, (uint16_t)len);
	if (has_type(e->code)) {
		wr_u8(w, e->type);
		wr_bytes(w, e->data.p, e->data.len);
	}
}
