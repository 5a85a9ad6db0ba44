/* SPDX-License-Identifier: ISC */
/* Whole-message parse for decoders: header, clear payloads, where SK's body starts. */
#include "codec/msg.h"
#include "codec/sk.h"

enum ike_err
msg_parse(struct rd msg, struct ike_msg *out)
{
	struct rd	 r = msg;
	struct pld_iter	 it;
	struct pld	 p;
	enum ike_err	 e;

	out->n_pld = 0;
	out->sk = -1;
	out->sk_next = IKEV2_PAYLOAD_NONE;
	out->frag_num = out->frag_total = 0;
	out->sk_body = rd_init(NULL, 0);
	out->sk_off = 0;
	if ((e = hdr_parse(&r, &out->hdr)) != IKE_OK)
		return e;
	pld_iter_init(&it, r, out->hdr.next);
	it.base = msg;
	while (pld_next(&it, &p)) {
		if (p.type == IKEV2_PAYLOAD_SK) {
			out->sk_body = p.body;
			out->sk_off = p.off;
		} else if (p.type == IKEV2_PAYLOAD_SKF) {
			struct skf_pld	 f;
			struct rd	 b = p.body;

			if ((e = skf_parse(&b, &f)) != IKE_OK)
				return e;
			out->frag_num = f.num;
			out->frag_total = f.total;
			out->sk_body = f.enc;
			/* RFC 7383 2.5: the fragment fields are authenticated */
			out->sk_off = rd_off(&msg, &f.enc);
		}
		if (p.type == IKEV2_PAYLOAD_SK || p.type == IKEV2_PAYLOAD_SKF) {
			out->sk = (int)out->n_pld;
			out->sk_next = p.next;
		}
		out->pld[out->n_pld++] = p;
	}
	return it.err;
}
