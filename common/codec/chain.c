/* SPDX-License-Identifier: ISC */
/* Generic payload chain (RFC 7296 3.2): the iterator with a sticky error, and the writer. */
#include "codec/chain.h"

bool
pld_known(uint8_t type)
{
	return (type >= IKEV2_PAYLOAD_SA && type <= IKEV2_PAYLOAD_EAP) ||
	    type == IKEV2_PAYLOAD_SKF;
}

void
pld_iter_init(struct pld_iter *it, struct rd chain, uint8_t first)
{
	it->base = chain;
	it->rest = chain;
	it->next = first;
	it->inner = false;
	it->n = 0;
	it->err = IKE_OK;
}

void
pld_iter_init_inner(struct pld_iter *it, struct rd chain, uint8_t first)
{
	pld_iter_init(it, chain, first);
	it->inner = true;
}

/* fail sets the sticky error and ends the iteration. */
static bool
fail(struct pld_iter *it, enum ike_err e)
{
	it->err = e;
	it->next = IKEV2_PAYLOAD_NONE;
	return false;
}

bool
pld_next(struct pld_iter *it, struct pld *out)
{
	struct rd	 r = it->rest, body;
	uint8_t		 next, flags;
	uint16_t	 len;
	uint8_t		 type = it->next;

	if (it->err != IKE_OK)
		return false;
	if (type == IKEV2_PAYLOAD_NONE) {
		/* the last payload must end the message */
		if (it->rest.len != 0)
			return fail(it, IKE_ESYNTAX);
		return false;
	}
	if (++it->n > PLD_MAX)
		return fail(it, IKE_ELOOP);
	/* Next Payload | C | RESERVED | Payload Length */
	if (!rd_u8(&r, &next) || !rd_u8(&r, &flags) || !rd_u16(&r, &len))
		return fail(it, IKE_ETRUNC);
	if (len < PLD_HDR_LEN)
		return fail(it, IKE_ESYNTAX);
	if (!rd_split(&r, &body, len - PLD_HDR_LEN))
		return fail(it, IKE_ETRUNC);
	if (!pld_known(type) && (flags & IKEV2_CRITICAL)) {
		out->type = type;
		out->next = next;
		out->critical = true;
		out->body = body;
		out->off = rd_off(&it->base, &body);
		return fail(it, IKE_EUNSUPP_CRIT);
	}
	if (type == IKEV2_PAYLOAD_SK || type == IKEV2_PAYLOAD_SKF) {
		/* 3.14: SK is the last payload; its next is the inner first */
		if (it->inner || r.len != 0)
			return fail(it, IKE_ESYNTAX);
		it->next = IKEV2_PAYLOAD_NONE;
	} else
		it->next = next;
	it->rest = r;
	out->type = type;
	out->next = next;
	out->critical = (flags & IKEV2_CRITICAL) != 0;
	out->body = body;
	out->off = rd_off(&it->base, &body);
	return true;
}

enum ike_err
chain_parse(struct rd chain, uint8_t first, bool inner, struct pld *out,
    size_t max, size_t *out_n)
{
	struct pld_iter	 it;
	struct pld	 p;
	size_t		 n = 0;

	pld_iter_init(&it, chain, first);
	it.inner = inner;
	while (pld_next(&it, &p)) {
		if (n == max) {
			*out_n = n;
			return IKE_ELOOP;
		}
		out[n++] = p;
	}
	*out_n = n;
	return it.err;
}

void
chain_init(struct chain *c, struct wr *w, size_t next_at)
{
	c->w = w;
	c->next_at = next_at;
	c->start = 0;
	c->open = false;
}

/* end patches the open payload's length. */
static void
end(struct chain *c)
{
	size_t len;

	if (!c->open)
		return;
	c->open = false;
	len = c->w->len - c->start;
	if (c->w->err || len > UINT16_MAX) {
		c->w->err = true;
		return;
	}
	wr_u16_at(c->w, c->start + 2, (uint16_t)len);
}

void
chain_open(struct chain *c, uint8_t type, bool critical)
{
	end(c);
	wr_u8_at(c->w, c->next_at, type);
	c->start = c->w->len;
	c->next_at = c->w->len;
	c->open = true;
	wr_u8(c->w, IKEV2_PAYLOAD_NONE);	/* Next Payload, patched later */
	wr_u8(c->w, critical ? IKEV2_CRITICAL : 0);
	(void)wr_hole(c->w, 2);			/* Payload Length */
}

void
chain_close(struct chain *c)
{
	end(c);
}
