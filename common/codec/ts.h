/* SPDX-License-Identifier: ISC */
/* The Traffic Selector payloads TSi and TSr (RFC 7296 3.13). */
#ifndef IKEKIT_CODEC_TS_H
#define IKEKIT_CODEC_TS_H

#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

enum {
	TS_MAX		= 16,
	TS_IPV4_LEN	= 16,	/* selector length of TS_IPV4_ADDR_RANGE */
	TS_IPV6_LEN	= 40,	/* and of TS_IPV6_ADDR_RANGE */
};

struct ts {
	uint8_t		 type;		/* IKEV2_TS_* */
	uint8_t		 ipproto;	/* 0 = any */
	uint16_t	 start_port, end_port;
	uint8_t		 addr_len;	/* 4, 16, or 0 for another type */
	uint8_t		 start[16], end[16];
};

struct ts_pld {
	uint8_t		 n_ts;
	struct ts	 ts[TS_MAX];
};

/* ts_parse reads a TS body: a count >= 1 and that many selectors, no bytes
 * left over. Selector length must be 16 for IPv4 and 40 for IPv6 ranges; other
 * types are kept with addr_len 0 so the caller can refuse them. Returns
 * IKE_ETRUNC, IKE_ESYNTAX, or IKE_ETOOBIG (more than TS_MAX). */
enum ike_err	 ts_parse(struct rd *body, struct ts_pld *out);

/* ts_put writes a TS body; a selector with addr_len 4 or 16 is written as an
 * IPv4 or IPv6 range whatever its type field says. */
void		 ts_put(struct wr *w, const struct ts_pld *t);

#endif
