/* SPDX-License-Identifier: ISC */
/* Delete payload (RFC 7296 3.11): SPI size per protocol, SPI count against bytes. */
#include "codec/delete.h"
#include "names/ikev2.h"

enum ike_err
delete_parse(struct rd *body, struct delete_pld *out)
{
	struct rd r = *body;

	/* Protocol ID | SPI Size | Num of SPIs | SPIs */
	if (!rd_u8(&r, &out->proto) || !rd_u8(&r, &out->spi_len) ||
	    !rd_u16(&r, &out->n_spi))
		return IKE_ETRUNC;
	switch (out->proto) {
	case IKEV2_PROTO_IKE:
		/* the IKE SA is the one the message is on: no SPIs */
		if (out->spi_len != 0 || out->n_spi != 0)
			return IKE_ESYNTAX;
		break;
	case IKEV2_PROTO_AH:
	case IKEV2_PROTO_ESP:
		if (out->spi_len != 4 || out->n_spi == 0)
			return IKE_ESYNTAX;
		break;
	default:
		return IKE_ESYNTAX;
	}
	if (r.len < (size_t)out->n_spi * out->spi_len)
		return IKE_ETRUNC;
	if (r.len != (size_t)out->n_spi * out->spi_len)
		return IKE_ESYNTAX;
	rd_rest(&r, &out->spis);
	*body = r;
	return IKE_OK;
}

bool
delete_spi32(const struct delete_pld *d, size_t i, uint32_t *out)
{
	struct rd r;

	if (d->spi_len != 4 || i >= d->n_spi)
		return false;
	if (!rd_sub(&d->spis, &r, i * 4, 4))
		return false;
	return rd_u32(&r, out);
}

void
delete_put(struct wr *w, uint8_t proto, const uint32_t *spis, size_t n)
{
	size_t i;

	if (n > UINT16_MAX) {
		w->err = true;
		return;
	}
	wr_u8(w, proto);
	wr_u8(w, n == 0 ? 0 : 4);
	wr_u16(w, (uint16_t)n);
	for (i = 0; i < n; i++)
		wr_u32(w, spis[i]);
}
