/* SPDX-License-Identifier: ISC */
/* The ESP anti-replay window: ESN inference, then a bit test in a ring of 64-bit words. */
#include <stdlib.h>
#include <string.h>

#include "crypto/replay.h"

/* With the window off, ESN still needs a window to infer from: half the
 * sequence space puts the guess nearest the highest number seen. */
#define INFER_NONE	((uint64_t)1 << 31)

enum ike_err
replay_init(struct replay *w, uint32_t size, bool esn)
{
	uint32_t	 words, n;

	memset(w, 0, sizeof(*w));
	w->esn = esn;
	if (size % 64 != 0 || size > REPLAY_SIZE_MAX)
		return IKE_EINVAL;
	w->size = size;
	if (size == 0)
		return IKE_OK;
	/* The window spans size / 64 + 1 words when top is not the last bit
	 * of its word; a power of two turns the ring index into a mask. */
	words = size / 64 + 1;
	for (n = 1; n < words; n <<= 1)
		;
	if ((w->ring = calloc(n, sizeof(*w->ring))) == NULL) {
		w->size = 0;
		return IKE_ENOMEM;
	}
	w->mask = n - 1;
	return IKE_OK;
}

void
replay_free(struct replay *w)
{
	free(w->ring);
	memset(w, 0, sizeof(*w));
}

/* verdict is the window test of RFC 4303 3.4.3 for a full number s. */
static enum replay_verdict
verdict(const struct replay *w, uint64_t s)
{
	if (s == 0)
		return REPLAY_OLD;
	if (s > w->top)
		return REPLAY_OK;
	if (w->top - s >= w->size)
		return REPLAY_OLD;
	if (w->ring[(s >> 6) & w->mask] >> (s & 63) & 1)
		return REPLAY_DUP;
	return REPLAY_OK;
}

enum replay_verdict
replay_check(const struct replay *w, uint32_t seq_lo, uint64_t *seq)
{
	uint64_t	 win, base;
	uint32_t	 off;

	if (!w->esn) {
		*seq = seq_lo;
		return w->size == 0 ? REPLAY_OK : verdict(w, seq_lo);
	}
	/* RFC 4303 A2.2 in one step instead of its two cases: the number is
	 * the one congruent to seq_lo in [base, base + 2^32), base being the
	 * left edge of the window. base wraps below 0 early in the SA (case
	 * B with Th = 0); a number that then stays below 1 was never sent. */
	win = w->size != 0 ? w->size : INFER_NONE;
	base = w->top - (win - 1);
	off = seq_lo - (uint32_t)base;
	if (w->top < win - 1 && off < win - 1 - w->top) {
		*seq = seq_lo;
		return w->size == 0 ? REPLAY_OK : REPLAY_OLD;
	}
	*seq = base + off;
	return w->size == 0 ? REPLAY_OK : verdict(w, *seq);
}

enum replay_verdict
replay_update(struct replay *w, uint64_t seq)
{
	enum replay_verdict	 v;
	uint64_t		 n, first, words;

	if (w->size == 0) {
		if (seq > w->top)
			w->top = seq;
		return REPLAY_OK;
	}
	if ((v = verdict(w, seq)) != REPLAY_OK)
		return v;
	if (seq > w->top) {
		/* The words of the blocks between the old top and the new one
		 * come into the window and still hold bits from a lap ago.
		 * Past a whole window only the last size / 64 + 1 matter: the
		 * others are cleared when top reaches them. */
		n = (seq >> 6) - (w->top >> 6);
		words = w->size / 64 + 1;
		if (n > words)
			n = words;
		first = ((seq >> 6) - n + 1) & w->mask;
		if (first + n <= (uint64_t)w->mask + 1)
			memset(w->ring + first, 0, n * sizeof(*w->ring));
		else {
			memset(w->ring + first, 0,
			    (w->mask + 1 - first) * sizeof(*w->ring));
			memset(w->ring, 0,
			    (n - (w->mask + 1 - first)) * sizeof(*w->ring));
		}
		w->top = seq;
	}
	w->ring[(seq >> 6) & w->mask] |= (uint64_t)1 << (seq & 63);
	return REPLAY_OK;
}
