/* SPDX-License-Identifier: ISC */
/* When to send a request again (RFC 7296 2.1): one schedule for every program that waits for an answer. */
#include "exchange/retx.h"

void
retx_start(struct retx *r, int64_t now, int64_t timeout_ms)
{
	r->rto_ms = RETX_FIRST_MS;
	r->next_ms = now + r->rto_ms;
	r->end_ms = now + timeout_ms;
}

bool
retx_due(struct retx *r, int64_t now)
{
	if (now < r->next_ms || retx_over(r, now))
		return false;
	r->rto_ms = r->rto_ms * 2 < RETX_MAX_MS ? r->rto_ms * 2 : RETX_MAX_MS;
	r->next_ms = now + r->rto_ms;
	return true;
}

bool
retx_over(const struct retx *r, int64_t now)
{
	return now >= r->end_ms;
}

int
retx_wait(const struct retx *r, int64_t now)
{
	int64_t	 t = (r->next_ms < r->end_ms ? r->next_ms : r->end_ms) - now;

	return t < 0 ? 0 : t > 0x7fffffff ? 0x7fffffff : (int)t;
}
