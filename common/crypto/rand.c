/* SPDX-License-Identifier: ISC */
/* Randomness: a fast-key-erasure ChaCha20 generator seeded from the kernel (as OpenBSD's arc4random), so that SPIs, nonces and keys of a busy responder cost no system call each. */
#include <sys/mman.h>

#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "base/clock.h"
#include "crypto/secret.h"

enum {
	RNG_BUF		= 512,		/* bytes made per ChaCha20 key */
	RNG_DIRECT	= 256,		/* larger asks go to the kernel */
	RNG_RESEED_BYTES = 1 << 20,	/* fresh kernel seed this often ... */
	RNG_RESEED_MS	= 1000,		/* ... or this often (a VM restored
					 * twice from a snapshot diverges) */
};

struct rng {
	uint8_t		 key[crypto_stream_chacha20_ietf_KEYBYTES];
	uint8_t		 buf[RNG_BUF];
	size_t		 avail;		/* unused bytes, at the end of buf */
	size_t		 since_seed;
	int64_t		 seeded_ms;
	bool		 ready;		/* false in a child: MADV_WIPEONFORK
					 * zeroes the page across fork() */
};

static struct rng	*rng;		/* a page of its own */
static bool		 rng_off;	/* no such page: the kernel each time */

/* rng_page maps the generator's state where a fork child sees zeroes and
 * a core dump nothing; NULL where the kernel cannot (before Linux 4.14). */
static struct rng *
rng_page(void)
{
	size_t	 len = sizeof(struct rng);
	void	*p;

	if (rng != NULL || rng_off)
		return rng;
	rng_off = true;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, len, MADV_WIPEONFORK) != 0) {
		munmap(p, len);
		return NULL;
	}
	(void)madvise(p, len, MADV_DONTDUMP);
	rng_off = false;
	return rng = p;
}

/* refill makes the next RNG_BUF bytes and a new key from the current key,
 * which is then gone: what was handed out cannot be recomputed. */
static void
refill(struct rng *r)
{
	static const uint8_t	 nonce[crypto_stream_chacha20_ietf_NONCEBYTES];
	uint8_t			 out[sizeof(r->key) + RNG_BUF];

	crypto_stream_chacha20_ietf(out, sizeof(out), nonce, r->key);
	memcpy(r->key, out, sizeof(r->key));
	memcpy(r->buf, out + sizeof(r->key), RNG_BUF);
	sodium_memzero(out, sizeof(out));
	r->avail = RNG_BUF;
}

static void
seed(struct rng *r, int64_t now)
{
	randombytes_buf(r->key, sizeof(r->key));
	r->since_seed = 0;
	r->seeded_ms = now;
	r->ready = true;
	refill(r);
}

void
rand_bytes(void *p, size_t n)
{
	struct rng	*r;
	uint8_t		*out = p, *from;
	int64_t		 now;
	size_t		 k;

	/* randombytes_buf works before sodium_init too, but init picks the
	 * best source once */
	(void)crypto_init();
	if (n > RNG_DIRECT || (r = rng_page()) == NULL) {
		randombytes_buf(p, n);
		return;
	}
	now = mono_ms();
	if (!r->ready || r->since_seed >= RNG_RESEED_BYTES ||
	    now - r->seeded_ms >= RNG_RESEED_MS || now < r->seeded_ms)
		seed(r, now);
	while (n > 0) {
		if (r->avail == 0)
			refill(r);
		k = n < r->avail ? n : r->avail;
		from = r->buf + RNG_BUF - r->avail;
		memcpy(out, from, k);
		sodium_memzero(from, k);	/* handed out: not kept */
		out += k;
		n -= k;
		r->avail -= k;
		r->since_seed += k;
	}
}
