/* SPDX-License-Identifier: ISC */
/* The Identification payloads IDi and IDr (RFC 7296 3.5). */
#ifndef IKEKIT_CODEC_ID_H
#define IKEKIT_CODEC_ID_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

struct id_pld {
	uint8_t		 type;		/* IKEV2_ID_* */
	struct rd	 data;		/* identification data, not copied */
};

/* id_parse reads an ID body: type, 3 reserved bytes, data. Checks the data
 * length for the type: 4 for ID_IPV4_ADDR, 16 for ID_IPV6_ADDR, 0 for ID_NULL,
 * nonempty otherwise. The whole body is RestOfIDPayload for AUTH (2.15).
 * Returns IKE_ETRUNC or IKE_ESYNTAX. */
enum ike_err	 id_parse(struct rd *body, struct id_pld *out);

/* id_put writes an ID body. */
void		 id_put(struct wr *w, uint8_t type, const void *data, size_t len);

#endif
