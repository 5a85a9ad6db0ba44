/* SPDX-License-Identifier: ISC */
/* Constant-time compares, zeroisation and no core dumps, through libsodium and prctl(2). */
#include <sys/prctl.h>

#include <sodium.h>

#include "crypto/secret.h"

bool
crypto_init(void)
{
	/* 0: initialised now, 1: already initialised, -1: failure. */
	return sodium_init() >= 0;
}

bool
ct_eq(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void
wipe(void *p, size_t n)
{
	if (p != NULL && n != 0)
		sodium_memzero(p, n);
}

bool
secret_nodump(void)
{
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
}
