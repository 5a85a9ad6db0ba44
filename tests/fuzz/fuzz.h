/* SPDX-License-Identifier: ISC */
/* Helpers shared by the libFuzzer targets: oracle checks that abort loudly. */
#ifndef IKEKIT_TESTS_FUZZ_H
#define IKEKIT_TESTS_FUZZ_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "buf/buf.h"

/* FUZZ_CHECK aborts (a crash libFuzzer reports and saves) when an oracle fails. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: oracle failed: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

/* rd_eq returns whether a and b hold the same bytes. */
static inline bool
rd_eq(struct rd a, struct rd b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* fuzz_hex decodes the fixed hex string s into out (cap bytes) and returns
 * the length; a bad string is a bug in the target, so it aborts. */
static inline size_t
fuzz_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t	 n = strlen(s) / 2, i;
	int	 hi, lo;

	FUZZ_CHECK(strlen(s) % 2 == 0 && n <= cap);
	for (i = 0; i < n; i++) {
		hi = hex_digit(s[2 * i]);
		lo = hex_digit(s[2 * i + 1]);
		FUZZ_CHECK(hi >= 0 && lo >= 0);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n;
}

#endif
