/* SPDX-License-Identifier: ISC */
/* The EAP payload (RFC 7296 3.16): one EAP message (RFC 3748 4). */
#ifndef IKEKIT_CODEC_EAP_H
#define IKEKIT_CODEC_EAP_H

#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

struct eap_pld {
	uint8_t		 code;		/* IKEV2_EAP_* */
	uint8_t		 id;
	uint16_t	 len;		/* EAP length, equal to the body */
	uint8_t		 type;		/* Request/Response (and 5, 6): method; else 0 */
	struct rd	 data;		/* after the type */
};

/* eap_parse reads an EAP body; its Length must equal the body; Success and
 * Failure are exactly 4 bytes; the others carry a type. Returns IKE_ETRUNC
 * or IKE_ESYNTAX. */
enum ike_err	 eap_parse(struct rd *body, struct eap_pld *out);

/* eap_put writes an EAP message (length computed; type only when the code
 * carries one). */
void		 eap_put(struct wr *w, const struct eap_pld *e);

#endif
