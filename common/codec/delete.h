/* SPDX-License-Identifier: ISC */
/* The Delete payload (RFC 7296 3.11). */
#ifndef IKEKIT_CODEC_DELETE_H
#define IKEKIT_CODEC_DELETE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

struct delete_pld {
	uint8_t		 proto;		/* IKEV2_PROTO_* */
	uint8_t		 spi_len;
	uint16_t	 n_spi;
	struct rd	 spis;		/* n_spi * spi_len bytes */
};

/* delete_parse reads a Delete body: IKE has SPI size 0 and no SPIs; AH and ESP
 * have SPI size 4 and n_spi >= 1 SPIs filling the rest exactly. Returns
 * IKE_ETRUNC or IKE_ESYNTAX. */
enum ike_err	 delete_parse(struct rd *body, struct delete_pld *out);

/* delete_spi32 sets out to SPI number i of an AH/ESP delete; false if none. */
bool		 delete_spi32(const struct delete_pld *d, size_t i, uint32_t *out);

/* delete_put writes a Delete body for IKE (n 0) or AH/ESP (n 4-byte SPIs). */
void		 delete_put(struct wr *w, uint8_t proto, const uint32_t *spis,
		    size_t n);

#endif
