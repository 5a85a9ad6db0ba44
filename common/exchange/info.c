/* SPDX-License-Identifier: ISC */
/* INFORMATIONAL requests on an established IKE SA, responder side of the exchange (RFC 7296 1.4). */
#include <string.h>

#include "codec/delete.h"
#include "codec/msg.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"

enum ike_err
info_respond(struct ike_sa *sa, struct rd in, struct wr *out,
    struct info_req *req)
{
	uint8_t		 pt[XCHG_OUT_MAX];
	struct ike_msg	 m;
	struct pld_iter	 it;
	struct pld	 p;
	struct delete_pld d;
	struct rd	 body;
	struct skb	 b;
	size_t		 pt_len = 0, i;
	uint32_t	 spi, ours[INFO_DEL_MAX];
	size_t		 n_ours = 0;
	uint8_t		 first = 0;
	enum ike_err	 e;

	out->len = 0;
	memset(req, 0, sizeof(*req));
	if (sa->state != SA_ESTABLISHED)
		return IKE_EINVAL;
	if ((e = sk_open(sa, in, &m, pt, sizeof(pt), &pt_len, &first)) != IKE_OK)
		goto done;
	if (m.hdr.exch != IKEV2_EXCH_INFORMATIONAL ||
	    (m.hdr.flags & IKEV2_FLAG_RESPONSE) != 0 || m.hdr.msgid != sa->msgid) {
		e = IKE_ESYNTAX;
		goto done;
	}
	req->empty = true;
	pld_iter_init_inner(&it, rd_init(pt, pt_len), first);
	while (e == IKE_OK && pld_next(&it, &p)) {
		req->empty = false;
		if (p.type != IKEV2_PAYLOAD_DELETE)
			continue;
		body = p.body;
		if ((e = delete_parse(&body, &d)) != IKE_OK)
			break;
		if (d.proto == IKEV2_PROTO_IKE) {
			req->delete_ike = true;
			continue;
		}
		if (d.proto != IKEV2_PROTO_ESP)
			continue;
		for (i = 0; delete_spi32(&d, i, &spi); i++) {
			if (req->n_del < INFO_DEL_MAX)
				req->del_spi[req->n_del++] = spi;
			/* RFC 7296 1.4.1: answer with the SPIs of our inbound
			 * SAs of the pairs deleted */
			if (spi == sa->child.spi_out && sa->child.spi_in != 0 &&
			    n_ours < INFO_DEL_MAX)
				ours[n_ours++] = sa->child.spi_in;
		}
	}
	if (e == IKE_OK)
		e = it.err;
	if (e != IKE_OK)
		goto done;
	skb_init(&b);
	if (!req->delete_ike && n_ours > 0) {
		chain_open(&b.c, IKEV2_PAYLOAD_DELETE, false);
		delete_put(&b.w, IKEV2_PROTO_ESP, ours, n_ours);
		req->child_gone = true;
	}
	if ((e = skb_seal(sa, &b, IKEV2_EXCH_INFORMATIONAL, true, sa->msgid, out)) !=
	    IKE_OK)
		goto done;
	sa->msgid++;
done:
	wipe(pt, sizeof(pt));
	return e;
}
