/* SPDX-License-Identifier: ISC */
/* The monotonic clock in milliseconds, for timeouts and lifetimes. */
#ifndef IKEKIT_BASE_CLOCK_H
#define IKEKIT_BASE_CLOCK_H

#include <stdint.h>

/* mono_ms returns CLOCK_MONOTONIC in milliseconds: it never jumps with the
 * wall clock, so deadlines made from it hold. */
int64_t	 mono_ms(void);

#endif
