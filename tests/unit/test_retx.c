/* SPDX-License-Identifier: ISC */
/* The retransmission schedule: 0.5 s, doubling to 8 s, within the deadline. */
#include "exchange/retx.h"
#include "test.h"

/* The resends of a request given up after 30 s: at 0.5, 1.5, 3.5, 7.5,
 * 15.5, 23.5 s (8 s apart from the fifth on), then over at 30 s. */
TEST(retx_schedule)
{
	static const int64_t	 want[] = { 500, 1500, 3500, 7500, 15500, 23500 };
	struct retx		 r;
	int64_t			 t;
	size_t			 n = 0;

	retx_start(&r, 0, 30000);
	ASSERT_EQ(retx_wait(&r, 0), 500);
	ASSERT(!retx_due(&r, 0));
	ASSERT(!retx_due(&r, 499));
	for (t = 0; t < 30000; t++) {
		if (!retx_due(&r, t))
			continue;
		ASSERT(n < sizeof(want) / sizeof(want[0]));
		ASSERT_EQ(t, want[n]);
		n++;
	}
	ASSERT_EQ(n, 6);
	ASSERT(!retx_over(&r, 29999));
	ASSERT(retx_over(&r, 30000));
	ASSERT(!retx_due(&r, 31500));	/* over: no more resends */
	ASSERT_EQ(retx_wait(&r, 30000), 0);
}

/* The wait is to the next resend or the deadline, whichever comes first,
 * never negative; a late caller gets one resend, timed from when it asks. */
TEST(retx_wait_and_late)
{
	struct retx	 r;

	retx_start(&r, 1000, 700);
	ASSERT_EQ(retx_wait(&r, 1000), 500);
	ASSERT_EQ(retx_wait(&r, 1400), 100);
	ASSERT_EQ(retx_wait(&r, 1600), 0);	/* late for the resend */
	retx_start(&r, 1000, 300);
	ASSERT_EQ(retx_wait(&r, 1000), 300);	/* the deadline first */
	ASSERT_EQ(retx_wait(&r, 5000), 0);
	retx_start(&r, 0, 60000);
	ASSERT(retx_due(&r, 9000));		/* woke late: one resend */
	ASSERT(!retx_due(&r, 9001));
	ASSERT_EQ(retx_wait(&r, 9000), 1000);	/* then 1 s later */
}
