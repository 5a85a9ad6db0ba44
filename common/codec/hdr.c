/* SPDX-License-Identifier: ISC */
/* The IKE header (RFC 7296 3.1): parse with version and length checks, write, patch. */
#include "codec/hdr.h"

enum ike_err
hdr_parse(struct rd *r, struct ike_hdr *out)
{
	struct rd	 h = *r;
	size_t		 msg_len = r->len;
	uint8_t		 ver = 0;

	if (msg_len < IKE_HDR_LEN)
		return IKE_ETRUNC;
	/*
	 *  IKE SA Initiator's SPI (8) | IKE SA Responder's SPI (8) |
	 *  Next Payload | MjVer | MnVer | Exchange Type | Flags | Message ID |
	 *  Length
	 */
	(void)rd_u64(&h, &out->ispi);
	(void)rd_u64(&h, &out->rspi);
	(void)rd_u8(&h, &out->next);
	(void)rd_u8(&h, &ver);
	(void)rd_u8(&h, &out->exch);
	(void)rd_u8(&h, &out->flags);
	(void)rd_u32(&h, &out->msgid);
	(void)rd_u32(&h, &out->len);
	out->major = ver >> 4;
	out->minor = ver & 0x0f;
	/* RFC 7296 2.5: a major version we do not speak (1 is IKEv1) */
	if (out->major != IKEV2_MAJOR)
		return IKE_EUNSUPP;
	/* the length field covers the whole message, header included */
	if (out->len > msg_len)
		return IKE_ETRUNC;
	if (out->len != msg_len)
		return IKE_ESYNTAX;
	*r = h;
	return IKE_OK;
}

size_t
hdr_put(struct wr *w, const struct ike_hdr *h)
{
	size_t off = w->len;

	wr_u64(w, h->ispi);
	wr_u64(w, h->rspi);
	wr_u8(w, h->next);
	wr_u8(w, (uint8_t)(h->major << 4 | (h->minor & 0x0f)));
	wr_u8(w, h->exch);
	wr_u8(w, h->flags);
	wr_u32(w, h->msgid);
	wr_u32(w, h->len);
	return off;
}

void
hdr_finish(struct wr *w, size_t hdr_off)
{
	if (w->len < hdr_off + IKE_HDR_LEN || w->len - hdr_off > UINT32_MAX) {
		w->err = true;
		return;
	}
	wr_u32_at(w, hdr_off + HDR_LEN_AT, (uint32_t)(w->len - hdr_off));
}
