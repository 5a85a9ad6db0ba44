/* SPDX-License-Identifier: ISC */
/* The Certificate and Certificate Request payloads (RFC 7296 3.6, 3.7). */
#ifndef IKEKIT_CODEC_CERT_H
#define IKEKIT_CODEC_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

enum { CERTREQ_HASH_LEN = 20 };	/* SHA-1 of a CA's SubjectPublicKeyInfo */

struct cert_pld {
	uint8_t		 enc;		/* IKEV2_CERT_* */
	struct rd	 data;		/* certificate data, or CA hashes */
};

/* cert_parse reads a CERT body: encoding and nonempty data. Returns
 * IKE_ETRUNC or IKE_ESYNTAX. */
enum ike_err	 cert_parse(struct rd *body, struct cert_pld *out);

/* certreq_parse reads a CERTREQ body: encoding and CA data, which may be
 * empty; for X509_CERT_SIGNATURE it must be whole 20-byte hashes. */
enum ike_err	 certreq_parse(struct rd *body, struct cert_pld *out);

/* cert_put writes a CERT or CERTREQ body. */
void		 cert_put(struct wr *w, uint8_t enc, const void *data, size_t len);

#endif
