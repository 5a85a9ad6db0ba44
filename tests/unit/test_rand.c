/* SPDX-License-Identifier: ISC */
/* rand_bytes (the buffered generator: fresh bytes every call, never the same in a fork child) and dh_reuse (one key pair for a while, then a new one). */
#include <sys/wait.h>

#include <unistd.h>

#include "crypto/dh.h"
#include "crypto/dh_reuse.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "test.h"

static int
popcount(const uint8_t *p, size_t n)
{
	int	 c = 0;

	while (n-- > 0)
		c += __builtin_popcount(*p++);
	return c;
}

/* Sizes around the buffer and the direct path; no two asks alike, the
 * bits about half set (a stuck generator or an all-zero buffer fails). */
TEST(rand_bytes_fresh)
{
	static const size_t	 sizes[] = { 1, 8, 32, 255, 256, 257, 511,
				    512, 513, 4096 };
	static uint8_t		 a[4097], b[4097];
	size_t			 i, n, bits;
	int			 k;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		rand_bytes(a, n);
		rand_bytes(b, n);
		if (n >= 8)
			ASSERT(memcmp(a, b, n) != 0);
		ASSERT(a[n] == 0 && b[n] == 0);	/* nothing past n */
		if (n >= 256) {
			bits = (size_t)popcount(a, n);
			ASSERT(bits > n * 8 * 4 / 10 && bits < n * 8 * 6 / 10);
		}
	}
	/* many small asks: 1 MiB of output crosses a reseed */
	memset(b, 0, 32);
	for (k = 0; k < 40000; k++) {
		rand_bytes(a, 32);
		ASSERT(memcmp(a, b, 32) != 0);
		memcpy(b, a, 32);
	}
}

/* A fork child must not repeat its parent's next bytes (the state page is
 * wiped across fork), nor a second child the first's. */
TEST(rand_bytes_fork)
{
	uint8_t		 mine[32], theirs[2][32];
	int		 fds[2], i, st;
	pid_t		 pid;

	rand_bytes(mine, 8);		/* the generator is seeded and in use */
	for (i = 0; i < 2; i++) {
		ASSERT(pipe(fds) == 0);
		fflush(NULL);
		pid = fork();
		ASSERT(pid >= 0);
		if (pid == 0) {
			rand_bytes(mine, sizeof(mine));
			_exit(write(fds[1], mine, sizeof(mine)) ==
			    (ssize_t)sizeof(mine) ? 0 : 1);
		}
		close(fds[1]);
		ASSERT(read(fds[0], theirs[i], sizeof(theirs[i])) ==
		    (ssize_t)sizeof(theirs[i]));
		close(fds[0]);
		ASSERT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0);
	}
	rand_bytes(mine, sizeof(mine));
	ASSERT(memcmp(mine, theirs[0], sizeof(mine)) != 0);
	ASSERT(memcmp(mine, theirs[1], sizeof(mine)) != 0);
	ASSERT(memcmp(theirs[0], theirs[1], sizeof(mine)) != 0);
}

static void
pub(struct dh *d, uint8_t *out)
{
	size_t	 n;

	memset(out, 0, DH_PUB_MAX_LEN);
	(void)dh_public(d, out, DH_PUB_MAX_LEN, &n);
}

/* Without max_ms every key pair is new; with it, the same one per group
 * until it is max_ms old; holders keep theirs after the cache lets go;
 * two SAs on one key pair still get their own shared secrets. */
TEST(dh_reuse_lifetime)
{
	struct dh_reuse	 r;
	struct dh	*a, *b, *c, *peer;
	static uint8_t	 pa[DH_PUB_MAX_LEN], pb[DH_PUB_MAX_LEN],
			 pc[DH_PUB_MAX_LEN], pp[DH_PUB_MAX_LEN];
	uint8_t		 s1[DH_SHARED_MAX_LEN], s2[DH_SHARED_MAX_LEN];
	size_t		 n1, n2;

	memset(&r, 0, sizeof(r));
	ASSERT_EQ(dh_reuse_get(&r, IKEV2_DH_CURVE25519, &a), IKE_OK);
	ASSERT_EQ(dh_reuse_get(&r, IKEV2_DH_CURVE25519, &b), IKE_OK);
	pub(a, pa);
	pub(b, pb);
	ASSERT(memcmp(pa, pb, 32) != 0);
	dh_free(a);
	dh_free(b);
	ASSERT(r.pair[0].d == NULL);
	ASSERT_EQ(dh_reuse_get(NULL, IKEV2_DH_ECP_256, &a), IKE_OK);
	dh_free(a);

	r.max_ms = 10000;
	ASSERT_EQ(dh_reuse_get(&r, IKEV2_DH_CURVE25519, &a), IKE_OK);
	ASSERT_EQ(dh_reuse_get(&r, IKEV2_DH_CURVE25519, &b), IKE_OK);
	ASSERT_EQ(dh_reuse_get(&r, IKEV2_DH_ECP_256, &c), IKE_OK);
	ASSERT_EQ(dh_group(c), IKEV2_DH_ECP_256);
	pub(a, pa);
	pub(b, pb);
	ASSERT(memcmp(pa, pb, 32) == 0);
	dh_free(c);
	/* two peers, one key pair of ours: two secrets */
	ASSERT_EQ(dh_new(&peer, IKEV2_DH_CURVE25519), IKE_OK);
	pub(peer, pp);
	ASSERT_EQ(dh_shared(a, pp, 32, s1, sizeof(s1), &n1), IKE_OK);
	dh_free(peer);
	ASSERT_EQ(dh_new(&peer, IKEV2_DH_CURVE25519), IKE_OK);
	pub(peer, pp);
	ASSERT_EQ(dh_shared(b, pp, 32, s2, sizeof(s2), &n2), IKE_OK);
	dh_free(peer);
	ASSERT(n1 == 32 && n2 == 32 && memcmp(s1, s2, 32) != 0);
	dh_free(b);

	r.pair[0].born_ms -= 20000;	/* as if made 20 s ago */
	r.pair[1].born_ms -= 20000;
	dh_reuse_expire(&r);		/* both groups' pairs go from the cache */
	ASSERT(r.pair[0].d == NULL && r.pair[1].d == NULL);
	pub(a, pc);			/* a holder keeps its own */
	ASSERT(memcmp(pa, pc, 32) == 0);
	ASSERT_EQ(dh_reuse_get(&r, IKEV2_DH_CURVE25519, &b), IKE_OK);
	pub(b, pb);
	ASSERT(memcmp(pa, pb, 32) != 0);
	dh_free(a);
	dh_free(b);
	/* too old at the next get: replaced there too */
	r.pair[0].born_ms -= 20000;
	ASSERT_EQ(dh_reuse_get(&r, IKEV2_DH_CURVE25519, &a), IKE_OK);
	pub(a, pa);
	ASSERT(memcmp(pa, pb, 32) != 0);
	dh_free(a);
	dh_reuse_clear(&r);
	ASSERT(r.pair[0].d == NULL);
	ASSERT_EQ(dh_reuse_get(&r, 9999, &a), IKE_EUNSUPP);
}
