/* SPDX-License-Identifier: ISC */
/* The SA payload (RFC 7296 3.3): proposals, transforms and their attributes. */
#ifndef IKEKIT_CODEC_SA_PLD_H
#define IKEKIT_CODEC_SA_PLD_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

enum {
	SA_MAX_PROPS	= 16,
	SA_MAX_XFORMS	= 32,
	SA_MAX_SPI	= 8,
	PROP_MORE	= 2,	/* "last" byte of a proposal that is not last */
	XFORM_MORE	= 3,	/* same for a transform */
};

struct sa_xform {
	uint8_t		 type;		/* IKEV2_XFORM_* */
	uint16_t	 id;
	uint16_t	 key_len;	/* Key Length attribute in bits; 0 = absent */
	bool		 unknown_attr;	/* has an attribute we do not know: the
					 * proposal must be rejected (3.3.6) */
};

struct sa_prop {
	uint8_t		 num;
	uint8_t		 proto;		/* IKEV2_PROTO_* */
	uint8_t		 spi_len;
	uint8_t		 spi[SA_MAX_SPI];
	uint8_t		 n_xforms;
	struct sa_xform	 xforms[SA_MAX_XFORMS];
};

struct sa_pld {
	uint8_t		 n_props;
	struct sa_prop	 props[SA_MAX_PROPS];
};

/* sa_pld_parse reads an SA payload body into out and consumes body.
 * Checks: at least one proposal; "last" (0 or 2) against bytes left;
 * proposal numbers nonzero and each one more than the last (a reply's single
 * proposal may carry any number); protocol IKE/AH/ESP; SPI size 0 or 8 for
 * IKE, 4 for AH/ESP; declared transform count against those found; transform
 * "last" (0 or 3); Key Length attribute in TV format, at most once; no bytes
 * left over. Returns IKE_ETRUNC, IKE_ESYNTAX, or IKE_ETOOBIG when more than
 * SA_MAX_PROPS or SA_MAX_XFORMS. */
enum ike_err	 sa_pld_parse(struct rd *body, struct sa_pld *out);

/* sa_pld_put writes sa as an SA payload body (without the generic header),
 * computing "last" flags, lengths and counts; numbers are written as given. */
void		 sa_pld_put(struct wr *w, const struct sa_pld *sa);

/* sa_prop_add_xform appends a transform to p; false if p is full. */
bool		 sa_prop_add_xform(struct sa_prop *p, uint8_t type, uint16_t id,
		    uint16_t key_len);

/* sa_prop_find returns the first transform of type in p, or NULL. */
const struct sa_xform *sa_prop_find(const struct sa_prop *p, uint8_t type);

#endif
