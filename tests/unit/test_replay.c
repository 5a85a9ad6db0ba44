/* SPDX-License-Identifier: ISC */
/* ESP anti-replay window: RFC 4303 3.4.3 edges, ESN inference (A2.2), and a random run against a set-of-seen model. */
#include <stdbool.h>

#include "crypto/replay.h"
#include "test.h"

/* check_update runs one authentic packet through check and update. */
static enum replay_verdict
check_update(struct replay *w, uint64_t s)
{
	enum replay_verdict	 v;
	uint64_t		 got;

	if ((v = replay_check(w, (uint32_t)s, &got)) != REPLAY_OK)
		return v;
	if (got != s)
		return (enum replay_verdict)99;	/* inferred wrong */
	return replay_update(w, s);
}

TEST(replay_in_order)
{
	struct replay	 w;
	uint64_t	 s, got;

	ASSERT_EQ(replay_init(&w, 64, false), IKE_OK);
	for (s = 1; s <= 1000; s++) {
		ASSERT_EQ(replay_check(&w, (uint32_t)s, &got), REPLAY_OK);
		ASSERT_EQ(got, s);
		ASSERT_EQ(replay_update(&w, s), REPLAY_OK);
		ASSERT_EQ(w.top, s);
	}
	for (s = 1000 - 63; s <= 1000; s++)
		ASSERT_EQ(replay_check(&w, (uint32_t)s, &got), REPLAY_DUP);
	ASSERT_EQ(replay_check(&w, 1000 - 64, &got), REPLAY_OLD);
	ASSERT_EQ(replay_check(&w, 1001, &got), REPLAY_OK);
	replay_free(&w);
}

TEST(replay_duplicates)
{
	struct replay	 w;
	uint64_t	 got;

	ASSERT_EQ(replay_init(&w, 64, false), IKE_OK);
	ASSERT_EQ(check_update(&w, 5), REPLAY_OK);
	ASSERT_EQ(replay_check(&w, 5, &got), REPLAY_DUP);
	ASSERT_EQ(replay_update(&w, 5), REPLAY_DUP);
	ASSERT_EQ(check_update(&w, 6), REPLAY_OK);
	ASSERT_EQ(replay_check(&w, 5, &got), REPLAY_DUP);
	ASSERT_EQ(replay_check(&w, 6, &got), REPLAY_DUP);
	ASSERT_EQ(replay_check(&w, 4, &got), REPLAY_OK);
	replay_free(&w);
}

TEST(replay_out_of_order_in_window)
{
	static const uint64_t	 order[] = { 10, 8, 9, 3, 7, 70, 12, 11, 69 };
	struct replay		 w;
	uint64_t		 got;
	size_t			 i;

	ASSERT_EQ(replay_init(&w, 64, false), IKE_OK);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		ASSERT_EQ(check_update(&w, order[i]), REPLAY_OK);
	ASSERT_EQ(w.top, 70);
	/* 3 was recorded, but top 70 pushed it out: 70 - 3 >= 64 */
	ASSERT_EQ(replay_check(&w, 3, &got), REPLAY_OLD);
	ASSERT_EQ(replay_check(&w, 6, &got), REPLAY_OLD);
	ASSERT_EQ(replay_check(&w, 7, &got), REPLAY_DUP);
	for (i = 4; i < sizeof(order) / sizeof(order[0]); i++)
		ASSERT_EQ(replay_check(&w, (uint32_t)order[i], &got),
		    REPLAY_DUP);
	for (got = 13; got < 69; got++)
		ASSERT_EQ(check_update(&w, got), REPLAY_OK);
	ASSERT_EQ(check_update(&w, 71), REPLAY_OK);
	ASSERT_EQ(replay_check(&w, 7, &got), REPLAY_OLD);
	ASSERT_EQ(replay_check(&w, 8, &got), REPLAY_DUP);
	replay_free(&w);
}

/* top - (size - 1) is the last number in the window, top - size the first
 * one out, for each window size and wherever top sits in its word. */
TEST(replay_window_edge)
{
	static const uint32_t	 sizes[] = { 64, 128, 192, 1024, 65536 };
	struct replay		 w;
	uint64_t		 got, top, sz, off;
	size_t			 i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		sz = sizes[i];
		for (off = 0; off < 64; off += 21) {
			top = 3 * sz + 1000 + off;
			ASSERT_EQ(replay_init(&w, sizes[i], false), IKE_OK);
			ASSERT_EQ(check_update(&w, top), REPLAY_OK);
			ASSERT_EQ(replay_check(&w, (uint32_t)(top - sz + 1), &got),
			    REPLAY_OK);
			ASSERT_EQ(replay_check(&w, (uint32_t)(top - sz), &got),
			    REPLAY_OLD);
			ASSERT_EQ(replay_update(&w, top - sz), REPLAY_OLD);
			ASSERT_EQ(check_update(&w, top - sz + 1), REPLAY_OK);
			ASSERT_EQ(replay_check(&w, (uint32_t)(top - sz + 1), &got),
			    REPLAY_DUP);
			/* one more: the edge moves by one */
			ASSERT_EQ(check_update(&w, top + 1), REPLAY_OK);
			ASSERT_EQ(replay_check(&w, (uint32_t)(top - sz + 1), &got),
			    REPLAY_OLD);
			ASSERT_EQ(replay_check(&w, (uint32_t)(top - sz + 2), &got),
			    REPLAY_OK);
			replay_free(&w);
		}
	}
}

/* A full window of 64, 1024 and 65536: every number seen, then the window
 * slides by one and by half. */
TEST(replay_full_windows)
{
	static const uint32_t	 sizes[] = { 64, 1024, 65536 };
	struct replay		 w;
	uint64_t		 got, s, sz, base = 777;
	size_t			 i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		sz = sizes[i];
		ASSERT_EQ(replay_init(&w, sizes[i], false), IKE_OK);
		/* backwards: top first, then every number down to the edge */
		for (s = base + sz - 1; s >= base; s--)
			ASSERT_EQ(check_update(&w, s), REPLAY_OK);
		for (s = base; s < base + sz; s++)
			ASSERT_EQ(replay_check(&w, (uint32_t)s, &got), REPLAY_DUP);
		ASSERT_EQ(replay_check(&w, (uint32_t)base - 1, &got), REPLAY_OLD);
		ASSERT_EQ(check_update(&w, base + sz), REPLAY_OK);
		ASSERT_EQ(replay_check(&w, (uint32_t)base, &got), REPLAY_OLD);
		ASSERT_EQ(check_update(&w, base + sz + sz / 2), REPLAY_OK);
		for (s = base + sz / 2 + 1; s <= base + sz; s++)
			ASSERT_EQ(replay_check(&w, (uint32_t)s, &got), REPLAY_DUP);
		for (s = base + sz + 1; s < base + sz + sz / 2; s++)
			ASSERT_EQ(replay_check(&w, (uint32_t)s, &got), REPLAY_OK);
		ASSERT_EQ(replay_check(&w, (uint32_t)(base + sz / 2), &got),
		    REPLAY_OLD);
		replay_free(&w);
	}
}

/* After every number up to n is seen, a jump of d: in the new window the
 * numbers up to n are duplicates and those above are new, whatever bits
 * the reused ring words held from a lap before. */
TEST(replay_jumps_clear_the_ring)
{
	static const uint32_t	 sizes[] = { 64, 128, 1024 };
	struct replay		 w;
	uint64_t		 got, s, n, d, top, sz;
	size_t			 i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		sz = sizes[i];
		for (n = sz + 1; n < 2 * sz + 64; n += 13) {
			for (d = 1; d < 3 * sz; d += d < 140 ? 1 : 37) {
				ASSERT_EQ(replay_init(&w, sizes[i], false),
				    IKE_OK);
				for (s = 1; s <= n; s++)
					ASSERT_EQ(replay_update(&w, s), REPLAY_OK);
				top = n + d;
				ASSERT_EQ(check_update(&w, top), REPLAY_OK);
				for (s = top - sz + 1; s < top; s++)
					ASSERT_EQ(replay_check(&w, (uint32_t)s,
					    &got), s <= n ? REPLAY_DUP : REPLAY_OK);
				ASSERT_EQ(replay_check(&w, (uint32_t)(top - sz),
				    &got), REPLAY_OLD);
				replay_free(&w);
			}
		}
	}
}

TEST(replay_big_jump)
{
	struct replay	 w;
	uint64_t	 got, s;

	ASSERT_EQ(replay_init(&w, 1024, false), IKE_OK);
	for (s = 1; s <= 5000; s++)
		ASSERT_EQ(check_update(&w, s), REPLAY_OK);
	ASSERT_EQ(check_update(&w, 1000000), REPLAY_OK);
	for (s = 1; s <= 5000; s++)
		ASSERT_EQ(replay_check(&w, (uint32_t)s, &got), REPLAY_OLD);
	ASSERT_EQ(replay_check(&w, 1000000 - 1024, &got), REPLAY_OLD);
	for (s = 1000000 - 1023; s < 1000000; s++)
		ASSERT_EQ(replay_check(&w, (uint32_t)s, &got), REPLAY_OK);
	ASSERT_EQ(replay_check(&w, 1000000, &got), REPLAY_DUP);
	for (s = 1; s <= 5000; s++)
		ASSERT_EQ(replay_update(&w, s), REPLAY_OLD);
	/* the largest number there is without ESN */
	ASSERT_EQ(check_update(&w, UINT32_MAX), REPLAY_OK);
	ASSERT_EQ(replay_check(&w, UINT32_MAX, &got), REPLAY_DUP);
	ASSERT_EQ(replay_check(&w, UINT32_MAX - 1, &got), REPLAY_OK);
	ASSERT_EQ(got, UINT32_MAX - 1);
	ASSERT_EQ(replay_check(&w, 1, &got), REPLAY_OLD);
	replay_free(&w);
}

TEST(replay_size_zero_disables)
{
	struct replay	 w;
	uint64_t	 got;

	ASSERT_EQ(replay_init(&w, 0, false), IKE_OK);
	ASSERT(w.ring == NULL);
	ASSERT_EQ(replay_update(&w, 100), REPLAY_OK);
	ASSERT_EQ(replay_check(&w, 100, &got), REPLAY_OK);
	ASSERT_EQ(replay_update(&w, 100), REPLAY_OK);
	ASSERT_EQ(replay_check(&w, 1, &got), REPLAY_OK);
	ASSERT_EQ(got, 1);
	ASSERT_EQ(replay_update(&w, 1), REPLAY_OK);
	ASSERT_EQ(w.top, 100);
	ASSERT_EQ(replay_check(&w, 0, &got), REPLAY_OK);
	replay_free(&w);

	/* with ESN the high half still follows the highest number seen */
	ASSERT_EQ(replay_init(&w, 0, true), IKE_OK);
	/* nothing exists below 1: epoch 0 even though it is "behind" */
	ASSERT_EQ(replay_check(&w, 0xfffffff0, &got), REPLAY_OK);
	ASSERT_EQ(got, 0xfffffff0);
	ASSERT_EQ(replay_update(&w, 0xfffffff0), REPLAY_OK);
	ASSERT_EQ(replay_check(&w, 5, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x100000005ULL);
	ASSERT_EQ(replay_update(&w, got), REPLAY_OK);
	ASSERT_EQ(w.top, 0x100000005ULL);
	/* nearest the top: behind by up to 2^31 - 1, ahead by up to 2^31 */
	ASSERT_EQ(replay_check(&w, 0xffffff00, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x0ffffff00ULL);
	ASSERT_EQ(replay_check(&w, 0x80000006, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x080000006ULL);
	ASSERT_EQ(replay_check(&w, 0x80000005, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x180000005ULL);
	ASSERT_EQ(replay_check(&w, 0x7fffffff, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x17fffffffULL);
	ASSERT_EQ(replay_update(&w, 0x0ffffff00ULL), REPLAY_OK);
	ASSERT_EQ(w.top, 0x100000005ULL);
	replay_free(&w);
}

TEST(replay_seq_zero)
{
	struct replay	 w;
	uint64_t	 got;

	ASSERT_EQ(replay_init(&w, 64, false), IKE_OK);
	ASSERT_EQ(replay_check(&w, 0, &got), REPLAY_OLD);
	ASSERT_EQ(replay_update(&w, 0), REPLAY_OLD);
	ASSERT_EQ(w.top, 0);
	ASSERT_EQ(check_update(&w, 3), REPLAY_OK);
	ASSERT_EQ(replay_check(&w, 0, &got), REPLAY_OLD);
	ASSERT_EQ(replay_check(&w, 1, &got), REPLAY_OK);
	replay_free(&w);

	/* with ESN, 0 is the number before the first; 2^32 is valid */
	ASSERT_EQ(replay_init(&w, 64, true), IKE_OK);
	ASSERT_EQ(replay_check(&w, 0, &got), REPLAY_OLD);
	ASSERT_EQ(replay_update(&w, 0), REPLAY_OLD);
	ASSERT_EQ(check_update(&w, 0x80000000), REPLAY_OK);
	ASSERT_EQ(check_update(&w, 0xffffffff), REPLAY_OK);
	ASSERT_EQ(replay_check(&w, 0, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x100000000ULL);
	ASSERT_EQ(replay_update(&w, got), REPLAY_OK);
	ASSERT_EQ(replay_check(&w, 0, &got), REPLAY_DUP);
	replay_free(&w);
}

TEST(replay_esn_crossing)
{
	struct replay	 w;
	uint64_t	 got;

	ASSERT_EQ(replay_init(&w, 64, true), IKE_OK);
	/* before anything is seen, numbers "behind" 1 do not exist */
	ASSERT_EQ(replay_check(&w, 0xfffffff0, &got), REPLAY_OLD);
	ASSERT_EQ(replay_check(&w, 0xffffffc1, &got), REPLAY_OLD);
	/* 2^32 - 64 + 1 behind 0 is the edge of case B: ahead */
	ASSERT_EQ(replay_check(&w, 0xffffffc0, &got), REPLAY_OK);
	ASSERT_EQ(got, 0xffffffc0);
	ASSERT_EQ(check_update(&w, 0x80000000), REPLAY_OK);
	ASSERT_EQ(check_update(&w, 0xfffffff0), REPLAY_OK);
	/* case A: in the window, then past 2^32 */
	ASSERT_EQ(replay_check(&w, 0xffffffe0, &got), REPLAY_OK);
	ASSERT_EQ(got, 0xffffffe0);
	ASSERT_EQ(replay_check(&w, 5, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x100000005ULL);
	ASSERT_EQ(replay_update(&w, got), REPLAY_OK);
	ASSERT_EQ(w.top, 0x100000005ULL);
	/* case B: the window spans 0xffffffc6 .. 0x1_00000005 */
	ASSERT_EQ(replay_check(&w, 0xfffffff8, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x0fffffff8ULL);
	ASSERT_EQ(replay_update(&w, got), REPLAY_OK);
	ASSERT_EQ(replay_check(&w, 0xfffffff8, &got), REPLAY_DUP);
	ASSERT_EQ(got, 0x0fffffff8ULL);
	ASSERT_EQ(replay_check(&w, 0xfffffff0, &got), REPLAY_DUP);
	ASSERT_EQ(replay_check(&w, 0xffffffc6, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x0ffffffc6ULL);
	ASSERT_EQ(replay_check(&w, 5, &got), REPLAY_DUP);
	ASSERT_EQ(replay_check(&w, 4, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x100000004ULL);
	/* one left of the window, or further: the rest of epoch 1, ahead */
	ASSERT_EQ(replay_check(&w, 0xffffffc5, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x1ffffffc5ULL);
	ASSERT_EQ(replay_check(&w, 0x80000000, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x180000000ULL);
	/* a whole epoch ahead is as far as inference reaches (A2.2) */
	ASSERT_EQ(replay_check(&w, 6, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x100000006ULL);

	/* case A: far behind the window is the next epoch */
	ASSERT_EQ(check_update(&w, 0x100001000ULL), REPLAY_OK);
	ASSERT_EQ(replay_check(&w, 0x10, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x200000010ULL);
	ASSERT_EQ(replay_check(&w, 0x1000 - 63, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x100001000ULL - 63);
	ASSERT_EQ(replay_check(&w, 0x1000 - 64, &got), REPLAY_OK);
	ASSERT_EQ(got, 0x200001000ULL - 64);
	ASSERT_EQ(replay_check(&w, 0x1000, &got), REPLAY_DUP);
	/* numbers from before the crossing are gone */
	ASSERT_EQ(replay_update(&w, 0x0fffffff8ULL), REPLAY_OLD);
	ASSERT_EQ(replay_update(&w, 0x100000005ULL), REPLAY_OLD);
	replay_free(&w);
}

/* The ICV is checked between check and update, and another copy of the
 * packet may be recorded meanwhile, or the window may move past it. */
TEST(replay_update_racing)
{
	struct replay	 w;
	uint64_t	 a, b;

	ASSERT_EQ(replay_init(&w, 64, false), IKE_OK);
	ASSERT_EQ(replay_check(&w, 7, &a), REPLAY_OK);
	ASSERT_EQ(replay_check(&w, 7, &b), REPLAY_OK);
	ASSERT_EQ(a, 7);
	ASSERT_EQ(b, 7);
	ASSERT_EQ(w.top, 0);
	ASSERT_EQ(replay_update(&w, a), REPLAY_OK);
	ASSERT_EQ(replay_update(&w, b), REPLAY_DUP);
	ASSERT_EQ(w.top, 7);

	ASSERT_EQ(replay_check(&w, 3, &a), REPLAY_OK);
	ASSERT_EQ(check_update(&w, 100), REPLAY_OK);
	ASSERT_EQ(replay_update(&w, a), REPLAY_OLD);
	ASSERT_EQ(replay_check(&w, 50, &a), REPLAY_OK);
	ASSERT_EQ(check_update(&w, 113), REPLAY_OK);
	ASSERT_EQ(replay_update(&w, a), REPLAY_OK);
	ASSERT_EQ(replay_update(&w, a), REPLAY_DUP);
	replay_free(&w);
}

TEST(replay_invalid_sizes)
{
	static const uint32_t	 bad[] = { 1, 32, 63, 65, 100, 1000,
	    65536 + 64, 131072, UINT32_MAX, UINT32_MAX - 63 };
	static const uint32_t	 good[] = { 0, 64, 128, 192, 4096, 65536 - 64,
	    65536 };
	struct replay		 w;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(replay_init(&w, bad[i], false), IKE_EINVAL);
		ASSERT(w.ring == NULL);
		replay_free(&w);
		ASSERT_EQ(replay_init(&w, bad[i], true), IKE_EINVAL);
		replay_free(&w);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ASSERT_EQ(replay_init(&w, good[i], true), IKE_OK);
		ASSERT_EQ(w.size, good[i]);
		ASSERT_EQ(check_update(&w, 1), REPLAY_OK);
		replay_free(&w);
		ASSERT(w.ring == NULL);
	}
	/* replay_free of a zeroed window */
	memset(&w, 0, sizeof(w));
	replay_free(&w);
}

/*
 * The reference: the set of every number recorded, the highest, and
 * RFC 4303 3.4.3 and A2.2 as written (cases A and B); nothing shared with
 * the ring but the meaning.
 */
struct ref {
	uint64_t	 top;
	uint64_t	 size;
	bool		 esn;
	uint64_t	*set;		/* open addressing; 0 is empty */
	size_t		 cap;
};

static size_t
ref_slot(const struct ref *r, uint64_t s)
{
	uint64_t	 h = s * 0x9e3779b97f4a7c15ULL;
	size_t		 i = (size_t)(h >> 20) & (r->cap - 1);

	while (r->set[i] != 0 && r->set[i] != s)
		i = (i + 1) & (r->cap - 1);
	return i;
}

/* ref_infer returns false for a number below 1 (before the SA's first). */
static bool
ref_infer(const struct ref *r, uint32_t lo, uint64_t *s)
{
	uint64_t	 w = r->size != 0 ? r->size : (uint64_t)1 << 31;
	uint32_t	 tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32);
	uint32_t	 bottom = (uint32_t)(tl - w + 1), sh;

	if (!r->esn) {
		*s = lo;
		return true;
	}
	if (tl >= w - 1) {		/* case A */
		sh = lo >= bottom ? th : th + 1;
	} else {			/* case B */
		if (lo >= bottom) {
			if (th == 0) {
				*s = lo;
				return r->size == 0;
			}
			sh = th - 1;
		} else
			sh = th;
	}
	*s = (uint64_t)sh << 32 | lo;
	return true;
}

static enum replay_verdict
ref_verdict(const struct ref *r, uint64_t s)
{
	if (r->size == 0)
		return REPLAY_OK;
	if (s == 0)
		return REPLAY_OLD;
	if (s > r->top)
		return REPLAY_OK;
	if (r->top - s >= r->size)
		return REPLAY_OLD;
	return r->set[ref_slot(r, s)] == s ? REPLAY_DUP : REPLAY_OK;
}

static enum replay_verdict
ref_check(const struct ref *r, uint32_t lo, uint64_t *s)
{
	if (!ref_infer(r, lo, s))
		return REPLAY_OLD;
	return ref_verdict(r, *s);
}

static enum replay_verdict
ref_update(struct ref *r, uint64_t s)
{
	enum replay_verdict	 v;

	if ((v = ref_verdict(r, s)) != REPLAY_OK)
		return v;
	if (r->size != 0)
		r->set[ref_slot(r, s)] = s;
	if (s > r->top)
		r->top = s;
	return REPLAY_OK;
}

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dULL;
}

/* fuzz_run drives the window and the reference with ops random packets
 * whose true numbers stay near top: in order, reordered across the edge,
 * replayed, jumping by up to two windows or far, far behind, forged. A
 * packet authenticates (its ICV would verify) only if the inferred number
 * is its true one. Returns 0 or the line of the first difference. */
static int
fuzz_run(uint32_t size, bool esn, uint64_t start, uint64_t seed, long ops)
{
	enum replay_verdict	 v, rv;
	struct replay		 w;
	struct ref		 r;
	uint64_t		 x = seed, s, got, want, hist[256], sz = size;
	uint64_t		 lim = esn ? UINT64_MAX >> 2 : UINT32_MAX;
	uint64_t		 big = esn ? (uint64_t)1 << 31 : 1 << 14;
	uint64_t		 win = sz != 0 ? sz : (uint64_t)1 << 31;
	long			 i;
	int			 bad = 0, k, nhist = 0;

#define FUZZ_FAIL(cond) do {						\
	if (cond) {							\
		fprintf(stderr, "fuzz size %u esn %d seed %llu op %ld "	\
		    "seq %llx top %llx\n", size, esn,			\
		    (unsigned long long)seed, i, (unsigned long long)s,	\
		    (unsigned long long)r.top);				\
		bad = __LINE__;						\
		goto out;						\
	}								\
} while (0)

	memset(&r, 0, sizeof(r));
	r.size = sz;
	r.esn = esn;
	r.cap = (size_t)1 << 20;
	if (replay_init(&w, size, esn) != IKE_OK ||
	    (r.set = calloc(r.cap, sizeof(*r.set))) == NULL) {
		replay_free(&w);
		return __LINE__;
	}
	i = -1;
	s = start;
	if (start != 0) {
		FUZZ_FAIL(replay_update(&w, start) != ref_update(&r, start));
	}
	for (i = 0; i < ops; i++) {
		k = (int)(rnd(&x) % 100);
		if (k < 35)
			s = r.top + 1 + rnd(&x) % 3;
		else if (k < 50)
			s = r.top - rnd(&x) % (sz + sz / 4 + 2);
		else if (k < 55)
			s = r.top - sz + (rnd(&x) & 1);
		else if (k < 63)
			s = r.top - rnd(&x) % (4 * sz + 1);
		else if (k < 73)
			s = r.top + 1 + rnd(&x) % (2 * sz + 130);
		else if (k < 77)
			s = r.top + 1 + rnd(&x) % big;
		else if (k < 87 && nhist > 0)
			s = hist[rnd(&x) % (uint64_t)(nhist < 256 ? nhist : 256)];
		else if (k < 92)
			s = r.top - ((uint64_t)1 << 32) + rnd(&x) % 4096;
		else
			s = esn ? r.top - rnd(&x) % ((uint64_t)1 << 33) :
			    (uint32_t)rnd(&x);
		/* below 1 (some of them 0 on the wire) or past the end */
		if (s > lim)
			s = rnd(&x) & 1 ? 0 : r.top / 2;

		v = replay_check(&w, (uint32_t)s, &got);
		rv = ref_check(&r, (uint32_t)s, &want);
		FUZZ_FAIL(v != rv);
		if (v != REPLAY_OK)
			continue;
		FUZZ_FAIL(got != want);
		/* A2.2: the true number is found when in the window or ahead */
		if (esn && s >= 1 && s + win > r.top &&
		    s - (r.top - win) <= (uint64_t)1 << 32)
			FUZZ_FAIL(got != s);
		if (!esn)
			FUZZ_FAIL(got != s);
		if (got != s || rnd(&x) % 20 == 0)
			continue;	/* the ICV fails (or a forgery) */
		FUZZ_FAIL(replay_update(&w, got) != ref_update(&r, got));
		if (rnd(&x) % 30 == 0)		/* a copy raced it */
			FUZZ_FAIL(replay_update(&w, got) != ref_update(&r, got));
		FUZZ_FAIL(w.top != r.top);
		hist[nhist++ % 256] = got;
		if (nhist % 2048 == 0) {
			/* the whole window and a word either side */
			for (s = r.top > sz + 64 ? r.top - sz - 64 : 0;
			    s <= r.top + 64; s++) {
				v = replay_check(&w, (uint32_t)s, &got);
				rv = ref_check(&r, (uint32_t)s, &want);
				FUZZ_FAIL(v != rv ||
				    (v != REPLAY_OLD && got != want));
			}
		}
	}
out:
#undef FUZZ_FAIL
	replay_free(&w);
	free(r.set);
	return bad;
}

TEST(replay_random_against_model)
{
	ASSERT_EQ(fuzz_run(64, false, 0, 1, 200000), 0);
	ASSERT_EQ(fuzz_run(1024, false, 0, 2, 200000), 0);
	ASSERT_EQ(fuzz_run(64, true, 0, 3, 200000), 0);
	ASSERT_EQ(fuzz_run(1024, true, 0, 4, 200000), 0);
	/* start near the 2^32 crossing (ESN) or the end (no ESN) */
	ASSERT_EQ(fuzz_run(64, true, 0xffff0000ULL, 5, 200000), 0);
	ASSERT_EQ(fuzz_run(1024, true, 0xfffff000ULL, 6, 200000), 0);
	ASSERT_EQ(fuzz_run(1024, false, 0xfff00000ULL, 7, 200000), 0);
	ASSERT_EQ(fuzz_run(128, true, 0, 8, 50000), 0);
	ASSERT_EQ(fuzz_run(192, false, 0, 9, 50000), 0);
	ASSERT_EQ(fuzz_run(65536, true, 0xfff00000ULL, 10, 20000), 0);
	ASSERT_EQ(fuzz_run(0, true, 0, 11, 50000), 0);
	ASSERT_EQ(fuzz_run(0, false, 0, 12, 50000), 0);
}
