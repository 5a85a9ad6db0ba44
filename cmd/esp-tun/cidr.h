/* SPDX-License-Identifier: ISC */
/* esp-tun: an address range (a traffic selector) as the prefixes that cover it. */
#ifndef IKEKIT_CMD_ESP_TUN_CIDR_H
#define IKEKIT_CMD_ESP_TUN_CIDR_H

#include <stdint.h>

/* range_to_prefixes calls fn once for each prefix of the smallest list of
 * prefixes that covers exactly the addresses start..end (both included),
 * lowest first: prefix is the network address (4 bytes for AF_INET, 16 for
 * AF_INET6, network order; valid only during the call), len its length.
 * A range makes at most 2 * 32 (IPv4) or 2 * 128 (IPv6) prefixes; the whole
 * space is one, 0.0.0.0/0 or ::/0. Returns 0, or -1 with errno EINVAL for
 * another af or start after end (fn not called). */
int	 range_to_prefixes(int af, const uint8_t *start, const uint8_t *end,
	    void (*fn)(const uint8_t *prefix, int len, void *arg), void *arg);

#endif
