/* SPDX-License-Identifier: ISC */
/* Authentication payload (RFC 7296 3.8), with RFC 7427 signature framing. */
#include "codec/auth_pld.h"
#include "names/ikev2.h"

enum ike_err
auth_parse(struct rd *body, struct auth_pld *out)
{
	struct rd	 r = *body, d;
	uint8_t		 alg_len;

	/* Auth Method | RESERVED (3) | Authentication Data */
	if (!rd_u8(&r, &out->method) || !rd_skip(&r, 3))
		return IKE_ETRUNC;
	if (r.len == 0)
		return IKE_ESYNTAX;
	rd_rest(&r, &out->data);
	out->sig_alg = rd_init(NULL, 0);
	out->sig = rd_init(NULL, 0);
	if (out->method == IKEV2_AUTHM_DIGITAL_SIG) {
		/* RFC 7427 3: ASN.1 Length | AlgorithmIdentifier | Signature */
		d = out->data;
		if (!rd_u8(&d, &alg_len) || alg_len == 0)
			return IKE_ESYNTAX;
		if (!rd_split(&d, &out->sig_alg, alg_len))
			return IKE_ETRUNC;
		if (d.len == 0)
			return IKE_ESYNTAX;
		rd_rest(&d, &out->sig);
	}
	*body = r;
	return IKE_OK;
}

void
auth_put(struct wr *w, uint8_t method, const void *data, size_t len)
{
	wr_u8(w, method);
	wr_zero(w, 3);
	wr_bytes(w, data, len);
}

void
auth_put_sig(struct wr *w, const void *alg, size_t alg_len, const void *sig,
    size_t sig_len)
{
	if (alg_len > UINT8_MAX) {
		w->err = true;
		return;
	}
	wr_u8(w, IKEV2_AUTHM_DIGITAL_SIG);
	wr_zero(w, 3);
	wr_u8(w, (uint8_t)alg_len);
	wr_bytes(w, alg, alg_len);
	wr_bytes(w, sig, sig_len);
}
