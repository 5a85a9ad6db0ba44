/* SPDX-License-Identifier: ISC */
/* When to send a request again (RFC 7296 2.1): one schedule for every program that waits for an answer. */
#ifndef IKEKIT_EXCHANGE_RETX_H
#define IKEKIT_EXCHANGE_RETX_H

#include <stdbool.h>
#include <stdint.h>

enum {
	RETX_FIRST_MS	= 500,		/* the first retransmission, ... */
	RETX_MAX_MS	= 8000,		/* ... doubling up to this */
};

/* A request in flight: sent at retx_start, again whenever retx_due says,
 * given up at retx_over. Times are net_now_ms() milliseconds. */
struct retx {
	int64_t		 next_ms;	/* the next retransmission */
	int64_t		 end_ms;	/* no answer by then: give up */
	int		 rto_ms;	/* the wait before next_ms */
};

/* retx_start times a request sent at now, to be given up timeout_ms
 * later. */
void	 retx_start(struct retx *r, int64_t now, int64_t timeout_ms);

/* retx_due tells whether the request must be sent again at now (not once
 * it is over), and if so times the next one, twice as far. */
bool	 retx_due(struct retx *r, int64_t now);

/* retx_over tells whether the request is given up at now. */
bool	 retx_over(const struct retx *r, int64_t now);

/* retx_wait is how long to wait at now for an answer before retx_due or
 * retx_over has something to say: 0 to next_ms or end_ms, whichever is
 * first. */
int	 retx_wait(const struct retx *r, int64_t now);

#endif
