/* SPDX-License-Identifier: ISC */
/* The clocks the load tools measure with: monotonic wall time, and the process's own CPU time. */
#ifndef IKEKIT_TESTS_TOOLS_CLOCK_H
#define IKEKIT_TESTS_TOOLS_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline double
cpu_secs(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
