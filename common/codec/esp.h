/* SPDX-License-Identifier: ISC */
/* The ESP header (RFC 4303 2): SPI and sequence number. */
#ifndef IKEKIT_CODEC_ESP_H
#define IKEKIT_CODEC_ESP_H

#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

struct esp_hdr {
	uint32_t	 spi, seq;
};

/* esp_hdr_parse reads the 8-byte ESP header and advances r to the payload.
 * Returns IKE_ETRUNC, or IKE_ESYNTAX for SPI 0..255 (reserved, RFC 4303 2.1). */
enum ike_err	 esp_hdr_parse(struct rd *r, struct esp_hdr *out);

/* esp_hdr_put writes the ESP header. */
void		 esp_hdr_put(struct wr *w, const struct esp_hdr *h);

#endif
