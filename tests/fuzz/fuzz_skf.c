/* SPDX-License-Identifier: ISC */
/* Fuzzes SKF parsing and reassembly (RFC 7383) on fragments cut from the input, against a model. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "codec/sk.h"
#include "fuzz.h"
#include "names/ikev2.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

enum { JOIN_MAX = 65536 };

/* The model: what RFC 7383 2.6 and skf_reasm_add's comment say is kept. */
struct model {
	uint16_t	 total, n_have;
	uint8_t		 first_next;
	bool		 have[SKF_MAX_FRAGS];
	struct rd	 frag[SKF_MAX_FRAGS];
	size_t		 used;
};

static uint8_t	 store[SKF_MAX_FRAGS * 256], joined[JOIN_MAX], want[JOIN_MAX];

static enum ike_err
model_add(struct model *m, size_t cap, const struct skf_pld *f, uint8_t next,
    struct rd plain)
{
	bool complete = m->total != 0 && m->n_have == m->total;

	if (f->num == 0 || f->num > f->total ||
	    (f->num == 1) != (next != IKEV2_PAYLOAD_NONE))
		return IKE_ESYNTAX;
	if (f->total > SKF_MAX_FRAGS)
		return IKE_ETOOBIG;
	if (complete)
		return IKE_OK;
	if (f->total > m->total) {
		memset(m->have, 0, sizeof(m->have));
		m->n_have = 0;
		m->used = 0;
		m->total = f->total;
	} else if (f->total < m->total)
		return IKE_OK;
	if (m->have[f->num - 1])
		return IKE_OK;
	if (plain.len > cap - m->used)
		return IKE_ETOOBIG;
	m->frag[f->num - 1] = plain;
	m->have[f->num - 1] = true;
	m->n_have++;
	m->used += plain.len;
	if (f->num == 1)
		m->first_next = next;
	return IKE_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct skf_reasm	 s;
	static struct model	 m;
	struct rd		 in = rd_init(data, size), body, raw;
	struct skf_pld		 f;
	struct wr		 w;
	size_t			 cap, i, wlen;
	uint8_t			 c, next, len, out_next = 0;
	bool			 complete = false, mcomplete;
	enum ike_err		 e, me;

	/* [cap/8] then records [next][len][len bytes: SKF body] */
	if (!rd_u8(&in, &c))
		return 0;
	cap = (size_t)c * 8 + (c & 7);
	skf_reasm_init(&s, store, cap);
	memset(&m, 0, sizeof(m));
	while (rd_u8(&in, &next) && rd_u8(&in, &len) &&
	    rd_split(&in, &body, len)) {
		raw = body;
		if (skf_parse(&body, &f) != IKE_OK) {
			/* what the parser refuses, reassembly refuses too */
			if (!rd_u16(&raw, &f.num) || !rd_u16(&raw, &f.total))
				continue;
			f.enc = raw;
			FUZZ_CHECK(f.num == 0 || f.num > f.total);
			FUZZ_CHECK(skf_reasm_add(&s, &f, next, f.enc,
			    &complete) == IKE_ESYNTAX);
			continue;
		}
		FUZZ_CHECK(body.len == 0 && f.num >= 1 && f.num <= f.total);
		me = model_add(&m, cap, &f, next, f.enc);
		e = skf_reasm_add(&s, &f, next, f.enc, &complete);
		FUZZ_CHECK(e == me);
		mcomplete = m.total != 0 && m.n_have == m.total;
		FUZZ_CHECK(complete == mcomplete);
		FUZZ_CHECK(s.used <= s.cap && s.n_have <= s.total);
	}

	/* join: the model's fragments in order, or ESYNTAX if incomplete */
	mcomplete = m.total != 0 && m.n_have == m.total;
	w = wr_init(joined, (size_t)data[0] * 4);
	e = skf_reasm_join(&s, &w, &out_next);
	if (!mcomplete) {
		FUZZ_CHECK(e == IKE_ESYNTAX);
		return 0;
	}
	for (i = 0, wlen = 0; i < m.total; i++) {
		if (m.frag[i].len > 0)
			memcpy(want + wlen, m.frag[i].p, m.frag[i].len);
		wlen += m.frag[i].len;
	}
	if (wlen > w.cap) {
		FUZZ_CHECK(e == IKE_ETOOBIG);
		return 0;
	}
	FUZZ_CHECK(e == IKE_OK);
	FUZZ_CHECK(out_next == m.first_next && out_next != IKEV2_PAYLOAD_NONE);
	FUZZ_CHECK(w.len == wlen && (wlen == 0 || memcmp(joined, want, wlen) == 0));
	return 0;
}
