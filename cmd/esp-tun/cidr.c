/* SPDX-License-Identifier: ISC */
/* esp-tun: an address range (a traffic selector) as the prefixes that cover it. */
#include <sys/socket.h>
#include <errno.h>
#include <string.h>

#include "cidr.h"

/* Bit i of a, counted from the most significant bit of a[0]. */
static int
bit_get(const uint8_t *a, int i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

static void
bit_set(uint8_t *a, int i)
{
	a[i / 8] |= 1 << (7 - i % 8);
}

int
range_to_prefixes(int af, const uint8_t *start, const uint8_t *end,
    void (*fn)(const uint8_t *prefix, int len, void *arg), void *arg)
{
	uint8_t	 cur[16], last[16], next[16];
	size_t	 n, i;
	int	 bits, len;

	if (af != AF_INET && af != AF_INET6) {
		errno = EINVAL;
		return -1;
	}
	n = af == AF_INET6 ? 16 : 4;
	bits = (int)n * 8;
	if (memcmp(start, end, n) > 0) {
		errno = EINVAL;
		return -1;
	}
	memcpy(cur, start, n);
	for (;;) {
		/* Grow the block at cur one bit at a time while cur stays its
		 * first address (that bit is 0) and its last address, last,
		 * stays within end. */
		memcpy(last, cur, n);
		for (len = bits; len > 0 && bit_get(cur, len - 1) == 0; len--) {
			memcpy(next, last, n);
			bit_set(next, len - 1);
			if (memcmp(next, end, n) > 0)
				break;
			memcpy(last, next, n);
		}
		fn(cur, len, arg);
		if (memcmp(last, end, n) == 0)
			return 0;
		/* cur = last + 1; last < end, so this does not wrap. */
		memcpy(cur, last, n);
		for (i = n; i-- > 0 && ++cur[i] == 0;)
			;
	}
}
