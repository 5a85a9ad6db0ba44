/* SPDX-License-Identifier: ISC */
/* The Authentication payload (RFC 7296 3.8, RFC 7427 3 digital signatures). */
#ifndef IKEKIT_CODEC_AUTH_PLD_H
#define IKEKIT_CODEC_AUTH_PLD_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

struct auth_pld {
	uint8_t		 method;	/* IKEV2_AUTHM_* */
	struct rd	 data;		/* authentication data after the header */
	/* IKEV2_AUTHM_DIGITAL_SIG only, else empty: */
	struct rd	 sig_alg;	/* DER AlgorithmIdentifier */
	struct rd	 sig;		/* the signature value */
};

/* auth_parse reads an AUTH body: method, 3 reserved bytes, nonempty data; for
 * DIGITAL_SIG it splits data into ASN.1 length, AlgorithmIdentifier and
 * signature (RFC 7427 3), each nonempty. Returns IKE_ETRUNC or IKE_ESYNTAX. */
enum ike_err	 auth_parse(struct rd *body, struct auth_pld *out);

/* auth_put writes an AUTH body with data as is. */
void		 auth_put(struct wr *w, uint8_t method, const void *data, size_t len);

/* auth_put_sig writes a DIGITAL_SIG AUTH body: length, alg, sig. */
void		 auth_put_sig(struct wr *w, const void *alg, size_t alg_len,
		    const void *sig, size_t sig_len);

#endif
