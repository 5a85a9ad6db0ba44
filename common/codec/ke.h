/* SPDX-License-Identifier: ISC */
/* The Key Exchange payload (RFC 7296 3.4). */
#ifndef IKEKIT_CODEC_KE_H
#define IKEKIT_CODEC_KE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

struct ke_pld {
	uint16_t	 group;		/* IKEV2_DH_* */
	struct rd	 data;		/* key exchange data, not copied */
};

/* ke_parse reads a KE body: group, 2 reserved bytes, nonempty data. Whether
 * the data length fits the group is the caller's (IKE_EBADKE). Returns
 * IKE_ETRUNC or IKE_ESYNTAX (empty data). */
enum ike_err	 ke_parse(struct rd *body, struct ke_pld *out);

/* ke_put writes a KE body. */
void		 ke_put(struct wr *w, uint16_t group, const void *data, size_t len);

#endif
