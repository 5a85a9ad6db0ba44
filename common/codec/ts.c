/* SPDX-License-Identifier: ISC */
/* Traffic Selector payloads (RFC 7296 3.13): count, selector lengths, ranges. */
#include <string.h>

#include "codec/ts.h"
#include "names/ikev2.h"

/* sel_parse reads one selector (3.13.1): TS Type | IP Protocol ID |
 * Selector Length | Start Port | End Port | Starting Address | Ending Address. */
static enum ike_err
sel_parse(struct rd *r, struct ts *t)
{
	struct rd	 s = *r, body;
	uint16_t	 len;
	size_t		 alen;

	if (!rd_u8(&s, &t->type) || !rd_u8(&s, &t->ipproto) ||
	    !rd_u16(&s, &len))
		return IKE_ETRUNC;
	switch (t->type) {
	case IKEV2_TS_IPV4_ADDR_RANGE:
		alen = 4;
		if (len != TS_IPV4_LEN)
			return IKE_ESYNTAX;
		break;
	case IKEV2_TS_IPV6_ADDR_RANGE:
		alen = 16;
		if (len != TS_IPV6_LEN)
			return IKE_ESYNTAX;
		break;
	default:
		/* kept but not understood: the caller refuses it */
		alen = 0;
		if (len < 4)
			return IKE_ESYNTAX;
		break;
	}
	if (!rd_split(&s, &body, len - 4u))
		return IKE_ETRUNC;
	memset(t->start, 0, sizeof(t->start));
	memset(t->end, 0, sizeof(t->end));
	t->addr_len = (uint8_t)alen;
	t->start_port = t->end_port = 0;
	if (alen != 0) {
		(void)rd_u16(&body, &t->start_port);
		(void)rd_u16(&body, &t->end_port);
		(void)rd_copy(&body, t->start, alen);
		(void)rd_copy(&body, t->end, alen);
	}
	*r = s;
	return IKE_OK;
}

enum ike_err
ts_parse(struct rd *body, struct ts_pld *out)
{
	struct rd	 r = *body;
	uint8_t		 n, i;
	enum ike_err	 e;

	/* Number of TSs | RESERVED (3) | <Traffic Selectors> */
	if (!rd_u8(&r, &n) || !rd_skip(&r, 3))
		return IKE_ETRUNC;
	if (n == 0)
		return IKE_ESYNTAX;
	if (n > TS_MAX)
		return IKE_ETOOBIG;
	out->n_ts = 0;
	for (i = 0; i < n; i++) {
		if ((e = sel_parse(&r, &out->ts[i])) != IKE_OK)
			return e;
		out->n_ts++;
	}
	if (r.len != 0)
		return IKE_ESYNTAX;	/* more than the count says */
	*body = r;
	return IKE_OK;
}

void
ts_put(struct wr *w, const struct ts_pld *t)
{
	uint8_t i;

	wr_u8(w, t->n_ts);
	wr_zero(w, 3);
	for (i = 0; i < t->n_ts && i < TS_MAX; i++) {
		const struct ts *s = &t->ts[i];

		if (s->addr_len != 4 && s->addr_len != 16) {
			w->err = true;
			return;
		}
		wr_u8(w, s->addr_len == 4 ? IKEV2_TS_IPV4_ADDR_RANGE :
		    IKEV2_TS_IPV6_ADDR_RANGE);
		wr_u8(w, s->ipproto);
		wr_u16(w, s->addr_len == 4 ? TS_IPV4_LEN : TS_IPV6_LEN);
		wr_u16(w, s->start_port);
		wr_u16(w, s->end_port);
		wr_bytes(w, s->start, s->addr_len);
		wr_bytes(w, s->end, s->addr_len);
	}
}
