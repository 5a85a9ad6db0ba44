/* SPDX-License-Identifier: ISC */
/* ESP header (RFC 4303 2): SPI and sequence number. */
#include "codec/esp.h"
#include "names/ikev2.h"

enum ike_err
esp_hdr_parse(struct rd *r, struct esp_hdr *out)
{
	struct rd	 h = *r;
	struct esp_hdr	 e;

	if (!rd_u32(&h, &e.spi) || !rd_u32(&h, &e.seq))
		return IKE_ETRUNC;
	/* 2.1: SPIs 1..255 are reserved, 0 is local use (the non-ESP marker) */
	if (e.spi <= 255)
		return IKE_ESYNTAX;
	*out = e;
	*r = h;
	return IKE_OK;
}

void
esp_hdr_put(struct wr *w, const struct esp_hdr *h)
{
	wr_u32(w, h->spi);
	wr_u32(w, h->seq);
}
