/* SPDX-License-Identifier: ISC */
/* Whole-message parsing for decoders: the header and every payload in order. */
#ifndef IKEKIT_CODEC_MSG_H
#define IKEKIT_CODEC_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"
#include "codec/chain.h"
#include "codec/hdr.h"

struct ike_msg {
	struct ike_hdr	 hdr;
	size_t		 n_pld;
	struct pld	 pld[PLD_MAX];	/* off is from the message start */
	int		 sk;		/* index of SK or SKF in pld, or -1 */
	uint8_t		 sk_next;	/* SK/SKF next: the first inner payload */
	uint16_t	 frag_num;	/* SKF only, else 0 */
	uint16_t	 frag_total;
	struct rd	 sk_body;	/* IV | ciphertext | ICV */
	size_t		 sk_off;	/* offset of sk_body in the message: bytes
					 * [0, sk_off) are the associated data */
};

/* msg_parse parses the IKE header and the clear payload chain of msg (one
 * whole message, no non-ESP marker). Payload bodies point into msg; nothing is
 * copied. Errors are hdr_parse's and pld_next's (out->hdr is filled as far as
 * hdr_parse got, and out->n_pld counts the payloads read before the error);
 * an SKF with a bad fragment number is IKE_ESYNTAX. */
enum ike_err	 msg_parse(struct rd msg, struct ike_msg *out);

#endif
