/* SPDX-License-Identifier: ISC */
/* INFORMATIONAL on an established IKE SA (RFC 7296 1.4): answering the peer's requests, and our own Delete. */
#include <string.h>

#include "codec/delete.h"
#include "codec/hdr.h"
#include "codec/msg.h"
#include "codec/notify.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "exchange/internal.h"
#include "exchange/mobike.h"
#include "exchange/xchg.h"

enum ike_err
info_respond(struct ike_sa *sa, struct rd in, struct wr *out,
    struct info_req *req)
{
	struct child_pair	 p = { sa->child.spi_out, sa->child.spi_in };

	return info_respond_pairs(sa, in, out, req, &p, sa->child.spi_in != 0);
}

enum ike_err
info_open(const struct ike_sa *sa, struct rd in, bool response,
    uint32_t msgid, uint8_t *pt, size_t cap, size_t *pt_len, uint8_t *first)
{
	struct ike_msg	 m;
	struct ike_hdr	 h;
	struct rd	 hr = in;

	/* RFC 7296 2.2: a response carries our request's message ID */
	if (hdr_parse(&hr, &h) != IKE_OK || h.ispi != sa->ispi ||
	    h.rspi != sa->rspi || h.exch != IKEV2_EXCH_INFORMATIONAL ||
	    ((h.flags & IKEV2_FLAG_RESPONSE) != 0) != response ||
	    h.msgid != msgid)
		return IKE_ESYNTAX;
	return sk_open(sa, in, &m, pt, cap, pt_len, first);
}

enum ike_err
info_respond_pairs(struct ike_sa *sa, struct rd in, struct wr *out,
    struct info_req *req, const struct child_pair *pairs, size_t n_pairs)
{
	uint8_t		 pt[XCHG_OUT_MAX];
	size_t		 pt_len = 0;
	uint8_t		 first = 0;
	enum ike_err	 e;

	out->len = 0;
	memset(req, 0, sizeof(*req));
	if (sa->state != SA_ESTABLISHED)
		return IKE_EINVAL;
	if ((e = info_open(sa, in, false, *ike_sa_peer_msgid(sa), pt,
	    sizeof(pt), &pt_len, &first)) == IKE_OK)
		e = info_answer(sa, pt, pt_len, first, out, req, pairs,
		    n_pairs);
	pt_wipe(pt, sizeof(pt), in.len);
	return e;
}

enum ike_err
info_answer(struct ike_sa *sa, const uint8_t *pt, size_t pt_len,
    uint8_t first, struct wr *out, struct info_req *req,
    const struct child_pair *pairs, size_t n_pairs)
{
	struct pld_iter	 it;
	struct pld	 p;
	struct delete_pld d;
	struct rd	 body;
	struct skb	 b;
	size_t		 i, k;
	uint32_t	 spi, ours[INFO_DEL_MAX];
	size_t		 n_ours = 0;
	enum ike_err	 e = IKE_OK;

	out->len = 0;
	memset(req, 0, sizeof(*req));
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
			for (k = 0; k < n_pairs; k++)
				if (spi == pairs[k].spi_out &&
				    n_ours < INFO_DEL_MAX)
					ours[n_ours++] = pairs[k].spi_in;
		}
	}
	if (e == IKE_OK)
		e = it.err;
	if (e != IKE_OK)
		return e;
	skb_init(&b);
	if (!req->delete_ike && n_ours > 0) {
		chain_open(&b.c, IKEV2_PAYLOAD_DELETE, false);
		delete_put(&b.w, IKEV2_PROTO_ESP, ours, n_ours);
		req->child_gone = true;
	}
	if ((e = skb_seal(sa, &b, IKEV2_EXCH_INFORMATIONAL, true,
	    *ike_sa_peer_msgid(sa), out)) != IKE_OK)
		return e;
	(*ike_sa_peer_msgid(sa))++;
	return IKE_OK;
}

enum ike_err
info_refuse(struct ike_sa *sa, struct rd in, uint16_t notify, struct wr *out)
{
	uint8_t		 pt[XCHG_OUT_MAX];
	struct ike_msg	 m;
	struct skb	 b;
	size_t		 pt_len = 0;
	uint8_t		 first = 0;
	enum ike_err	 e;

	out->len = 0;
	if (sa->state != SA_ESTABLISHED)
		return IKE_EINVAL;
	if ((e = sk_open(sa, in, &m, pt, sizeof(pt), &pt_len, &first)) != IKE_OK)
		goto done;
	if ((m.hdr.flags & IKEV2_FLAG_RESPONSE) != 0 ||
	    m.hdr.msgid != *ike_sa_peer_msgid(sa)) {
		e = IKE_ESYNTAX;
		goto done;
	}
	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&b.w, 0, NULL, 0, notify, NULL, 0);
	if ((e = skb_seal(sa, &b, m.hdr.exch, true, *ike_sa_peer_msgid(sa),
	    out)) != IKE_OK)
		goto done;
	(*ike_sa_peer_msgid(sa))++;
done:
	pt_wipe(pt, sizeof(pt), in.len);
	return e;
}

enum ike_err
info_create(struct ike_sa *sa, bool delete_ike, struct wr *out)
{
	return info_create_delete(sa, delete_ike, NULL, 0, out);
}

enum ike_err
info_create_delete(struct ike_sa *sa, bool delete_ike, const uint32_t *spis,
    size_t n_spis, struct wr *out)
{
	struct skb	 b;

	out->len = 0;
	if (sa->keys.e_len == 0 || n_spis > INFO_DEL_MAX)
		return IKE_EINVAL;
	skb_init(&b);
	if (delete_ike) {
		chain_open(&b.c, IKEV2_PAYLOAD_DELETE, false);
		delete_put(&b.w, IKEV2_PROTO_IKE, NULL, 0);
	} else if (n_spis > 0) {
		chain_open(&b.c, IKEV2_PAYLOAD_DELETE, false);
		delete_put(&b.w, IKEV2_PROTO_ESP, spis, n_spis);
	}
	return skb_seal(sa, &b, IKEV2_EXCH_INFORMATIONAL, false,
	    *ike_sa_own_msgid(sa), out);
}

enum ike_err
info_consume(struct ike_sa *sa, struct rd in)
{
	uint8_t		 pt[XCHG_OUT_MAX];
	size_t		 pt_len = 0;
	uint8_t		 first = 0;
	enum ike_err	 e;

	if (sa->keys.e_len == 0)
		return IKE_EINVAL;
	e = info_open(sa, in, true, *ike_sa_own_msgid(sa), pt, sizeof(pt),
	    &pt_len, &first);
	pt_wipe(pt, sizeof(pt), in.len);
	if (e != IKE_OK)
		return e;
	(*ike_sa_own_msgid(sa))++;
	return IKE_OK;
}
