/* SPDX-License-Identifier: ISC */
/* Secrets: constant-time compares, zeroisation, no core dumps and the one randomness source. */
#ifndef IKEKIT_CRYPTO_SECRET_H
#define IKEKIT_CRYPTO_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* crypto_init initialises libsodium; every entry point that needs randomness or
 * X25519 calls it first. It is idempotent and thread-safe; it returns false only
 * if libsodium cannot start (no entropy source). */
bool	 crypto_init(void);

/* ct_eq returns whether the n bytes at a and b are equal, in time that depends
 * only on n. Use it for every MAC, ICV, AUTH value and cookie. */
bool	 ct_eq(const void *a, const void *b, size_t n);

/* wipe zeroes n bytes at p in a way the compiler cannot elide. */
void	 wipe(void *p, size_t n);

/* secret_nodump marks the process not dumpable (prctl PR_SET_DUMPABLE 0):
 * no core file, and /proc/PID/mem, environ, fd and ptrace only for root,
 * so that the keys a program holds do not end up in a crash report. Each
 * program calls it first thing; false if the kernel refused. */
bool	 secret_nodump(void);

/* rand_bytes fills p with n random bytes (rand.c; calls crypto_init): a
 * ChaCha20 generator with key erasure seeded from the kernel, for small
 * asks; larger ones straight from libsodium's randombytes_buf. Not for
 * threads. */
void	 rand_bytes(void *p, size_t n);

#endif
