/* SPDX-License-Identifier: ISC */
/* Hex digits, for key files, state files and hex input. */
#ifndef IKEKIT_BASE_HEX_H
#define IKEKIT_BASE_HEX_H

/* hex_digit returns the value of hex digit c (either case), or -1. */
static inline int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
