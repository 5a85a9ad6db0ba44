/* SPDX-License-Identifier: ISC */
/* Certificate and Certificate Request payloads (RFC 7296 3.6, 3.7). */
#include "codec/cert.h"
#include "names/ikev2.h"

enum ike_err
cert_parse(struct rd *body, struct cert_pld *out)
{
	struct rd r = *body;

	/* Cert Encoding | Certificate Data */
	if (!rd_u8(&r, &out->enc))
		return IKE_ETRUNC;
	if (r.len == 0)
		return IKE_ESYNTAX;
	rd_rest(&r, &out->data);
	*body = r;
	return IKE_OK;
}

enum ike_err
certreq_parse(struct rd *body, struct cert_pld *out)
{
	struct rd r = *body;

	/* Cert Encoding | Certification Authority */
	if (!rd_u8(&r, &out->enc))
		return IKE_ETRUNC;
	/* 3.7: for X.509, concatenated SHA-1 hashes of CA public keys */
	if (out->enc == IKEV2_CERT_X509_CERT_SIGNATURE &&
	    r.len % CERTREQ_HASH_LEN != 0)
		return IKE_ESYNTAX;
	rd_rest(&r, &out->data);
	*body = r;
	return IKE_OK;
}

void
cert_put(struct wr *w, uint8_t enc, const void *data, size_t len)
{
	wr_u8(w, enc);
	wr_bytes(w, data, len);
}
