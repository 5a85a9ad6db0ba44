/* SPDX-License-Identifier: ISC */
/* The Configuration payload (RFC 7296 3.15) and its attributes. */
#ifndef IKEKIT_CODEC_CP_H
#define IKEKIT_CODEC_CP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

enum { CP_MAX_ATTRS = 32 };

struct cp_attr {
	uint16_t	 type;		/* IKEV2_CP_*, the reserved bit cleared */
	struct rd	 value;
};

struct cp_pld {
	uint8_t		 cfg_type;	/* IKEV2_CFG_* */
	uint8_t		 n_attrs;
	struct cp_attr	 attrs[CP_MAX_ATTRS];
};

/* cp_parse reads a CP body: CFG type, 3 reserved bytes, attributes. Known
 * attributes have their length checked (empty in a request, else e.g. 4 for
 * INTERNAL_IP4_ADDRESS, 17 for INTERNAL_IP6_ADDRESS, 8 for
 * INTERNAL_IP4_SUBNET). Returns IKE_ETRUNC, IKE_ESYNTAX, or IKE_ETOOBIG. */
enum ike_err	 cp_parse(struct rd *body, struct cp_pld *out);

/* cp_put writes a CP body. */
void		 cp_put(struct wr *w, const struct cp_pld *cp);

#endif
