/* SPDX-License-Identifier: ISC */
/* SK/SKF framing (RFC 7296 3.14, RFC 7383 2.5) and reassembly of fragments (2.6). */
#include <string.h>

#include "codec/sk.h"
#include "names/ikev2.h"

enum ike_err
skf_parse(struct rd *body, struct skf_pld *out)
{
	struct rd r = *body;

	/* Fragment Number | Total Fragments | IV | Encrypted | ICV */
	if (!rd_u16(&r, &out->num) || !rd_u16(&r, &out->total))
		return IKE_ETRUNC;
	/* 2.5: 1 <= Fragment Number <= Total Fragments */
	if (out->num == 0 || out->num > out->total)
		return IKE_ESYNTAX;
	rd_rest(&r, &out->enc);
	*body = r;
	return IKE_OK;
}

void
skf_put(struct wr *w, uint16_t num, uint16_t total)
{
	wr_u16(w, num);
	wr_u16(w, total);
}

void
skf_reasm_init(struct skf_reasm *s, void *buf, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->buf = buf;
	s->cap = cap;
}

enum ike_err
skf_reasm_add(struct skf_reasm *s, const struct skf_pld *f, uint8_t next,
    struct rd plain, bool *complete)
{
	struct wr	 st;
	size_t		 i;

	*complete = s->total != 0 && s->n_have == s->total;
	if (f->num == 0 || f->num > f->total)
		return IKE_ESYNTAX;
	/* 2.5: only the first fragment names the inner first payload */
	if ((f->num == 1) != (next != IKEV2_PAYLOAD_NONE))
		return IKE_ESYNTAX;
	if (f->total > SKF_MAX_FRAGS)
		return IKE_ETOOBIG;
	if (*complete)
		return IKE_OK;
	/* 2.6: a larger total is a new fragmentation of a retransmission:
	 * start over; a smaller one belongs to an older one: ignore it */
	if (f->total > s->total) {
		for (i = 0; i < SKF_MAX_FRAGS; i++)
			s->have[i] = false;
		s->n_have = 0;
		s->used = 0;
		s->total = f->total;
	} else if (f->total < s->total)
		return IKE_OK;
	if (s->have[f->num - 1])
		return IKE_OK;
	st = wr_init(s->buf, s->cap);
	st.len = s->used;
	wr_bytes(&st, plain.p, plain.len);
	if (!wr_ok(&st))
		return IKE_ETOOBIG;
	s->off[f->num - 1] = s->used;
	s->len[f->num - 1] = plain.len;
	s->used = st.len;
	s->have[f->num - 1] = true;
	s->n_have++;
	if (f->num == 1)
		s->first_next = next;
	*complete = s->n_have == s->total;
	return IKE_OK;
}

enum ike_err
skf_reasm_join(const struct skf_reasm *s, struct wr *w, uint8_t *out_next)
{
	struct rd	 all = rd_init(s->buf, s->used), frag;
	uint16_t	 i;

	if (s->total == 0 || s->n_have != s->total)
		return IKE_ESYNTAX;
	for (i = 0; i < s->total; i++) {
		if (!rd_sub(&all, &frag, s->off[i], s->len[i]))
			return IKE_ESYNTAX;
		wr_bytes(w, frag.p, frag.len);
	}
	if (!wr_ok(w))
		return IKE_ETOOBIG;
	*out_next = s->first_next;
	return IKE_OK;
}
