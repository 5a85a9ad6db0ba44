/* SPDX-License-Identifier: ISC */
/* ike-respond's SA table: slots made on demand, two hash indexes (SPIs; half-open by initiator SPI and peer), an age list. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/secret.h"
#include "respond.h"

/* bucket hashes what identifies a slot with the table's SipHash key: the
 * initiator picks ispi (and its address), so the index must not be
 * predictable to it. */
static size_t
bucket(const struct table *t, uint64_t ispi, uint64_t rspi,
    const uint8_t *peer, uint16_t pport)
{
	uint8_t		 in[8 + 8 + 16 + 2], h[crypto_shorthash_BYTES];
	uint64_t	 v;
	size_t		 n = 16;

	memcpy(in, &ispi, 8);
	memcpy(in + 8, &rspi, 8);
	if (peer != NULL) {
		memcpy(in + 16, peer, 16);
		memcpy(in + 32, &pport, 2);
		n = sizeof(in);
	}
	crypto_shorthash(h, in, n, t->key);
	memcpy(&v, h, sizeof(v));
	return (size_t)v & t->mask;
}

bool
table_init(struct table *t, size_t max)
{
	size_t	 buckets = 16;

	memset(t, 0, sizeof(*t));
	while (buckets < max && buckets < ((size_t)1 << 30))
		buckets <<= 1;
	t->mask = buckets - 1;
	t->max = max;
	rand_bytes(t->key, sizeof(t->key));
	t->by_spi = calloc(buckets, sizeof(*t->by_spi));
	t->by_half = calloc(buckets, sizeof(*t->by_half));
	if (t->by_spi == NULL || t->by_half == NULL) {
		table_free(t);
		return false;
	}
	return true;
}

void
table_free(struct table *t)
{
	struct slot	*sl;

	if (t->by_spi != NULL)
		while ((sl = table_first(t)) != NULL)
			table_remove(t, sl);
	free(t->by_spi);
	free(t->by_half);
	wipe(t, sizeof(*t));
}

struct slot *
table_new(struct table *t)
{
	struct slot	*sl;

	if (t->n >= t->max || (sl = calloc(1, sizeof(*sl))) == NULL)
		return NULL;
	t->n++;
	return sl;
}

void
table_add(struct table *t, struct slot *sl)
{
	size_t	 b;

	b = bucket(t, sl->sa.ispi, sl->sa.rspi, NULL, 0);
	sl->next_spi = t->by_spi[b];
	t->by_spi[b] = sl;
	sl->linked = true;
	b = sl->hb = bucket(t, sl->sa.ispi, 0, sl->peer, sl->pport);
	sl->next_half = t->by_half[b];
	t->by_half[b] = sl;
	sl->older = t->newest;
	sl->newer = NULL;
	if (t->newest != NULL)
		t->newest->newer = sl;
	else
		t->oldest = sl;
	t->newest = sl;
	sl->half = true;
}

void
table_link(struct table *t, struct slot *sl)
{
	size_t	 b;

	if (sl->linked)
		return;
	b = bucket(t, sl->sa.ispi, sl->sa.rspi, NULL, 0);
	sl->next_spi = t->by_spi[b];
	t->by_spi[b] = sl;
	sl->linked = true;
}

void
table_up(struct table *t, struct slot *sl)
{
	struct slot	**pp;

	if (!sl->half)
		return;
	pp = &t->by_half[sl->hb];
	while (*pp != NULL && *pp != sl)
		pp = &(*pp)->next_half;
	if (*pp == sl)
		*pp = sl->next_half;
	if (sl->older != NULL)
		sl->older->newer = sl->newer;
	else
		t->oldest = sl->newer;
	if (sl->newer != NULL)
		sl->newer->older = sl->older;
	else
		t->newest = sl->older;
	sl->next_half = sl->older = sl->newer = NULL;
	sl->half = false;
}

void
table_unlink(struct table *t, struct slot *sl)
{
	struct slot	**pp;

	table_up(t, sl);
	if (!sl->linked)
		return;
	pp = &t->by_spi[bucket(t, sl->sa.ispi, sl->sa.rspi, NULL, 0)];
	while (*pp != NULL && *pp != sl)
		pp = &(*pp)->next_spi;
	if (*pp == sl)
		*pp = sl->next_spi;
	sl->next_spi = NULL;
	sl->linked = false;
}

void
table_remove(struct table *t, struct slot *sl)
{
	table_unlink(t, sl);
	ike_sa_wipe(&sl->sa);
	free(sl->last);
	wipe(sl, sizeof(*sl));
	free(sl);
	t->n--;
}

struct slot *
table_find(const struct table *t, uint64_t ispi, uint64_t rspi)
{
	struct slot	*sl;

	for (sl = t->by_spi[bucket(t, ispi, rspi, NULL, 0)]; sl != NULL;
	    sl = sl->next_spi)
		if (sl->sa.ispi == ispi && sl->sa.rspi == rspi)
			return sl;
	return NULL;
}

struct slot *
table_find_half(const struct table *t, uint64_t ispi, const uint8_t *peer,
    uint16_t pport)
{
	struct slot	*sl;

	for (sl = t->by_half[bucket(t, ispi, 0, peer, pport)]; sl != NULL;
	    sl = sl->next_half)
		if (sl->sa.ispi == ispi && sl->pport == pport &&
		    memcmp(sl->peer, peer, sizeof(sl->peer)) == 0 &&
		    sl->sa.state == SA_INIT_DONE)
			return sl;
	return NULL;
}

struct slot *
table_oldest_half(const struct table *t)
{
	return t->oldest;
}

/* from_bucket returns the first SA of the SPI index from bucket i on. */
static struct slot *
from_bucket(const struct table *t, size_t i)
{
	for (; i <= t->mask; i++)
		if (t->by_spi[i] != NULL)
			return t->by_spi[i];
	return NULL;
}

struct slot *
table_first(const struct table *t)
{
	return from_bucket(t, 0);
}

struct slot *
table_next(const struct table *t, const struct slot *sl)
{
	if (sl->next_spi != NULL)
		return sl->next_spi;
	return from_bucket(t, bucket(t, sl->sa.ispi, sl->sa.rspi, NULL, 0) + 1);
}

bool
slot_keep(struct slot *sl, const uint8_t *msg, size_t len)
{
	uint8_t	*p;

	if (len > sl->last_len || sl->last == NULL) {
		if ((p = malloc(len > 0 ? len : 1)) == NULL)
			return false;
		free(sl->last);
		sl->last = p;
	}
	memcpy(sl->last, msg, len);
	sl->last_len = len;
	return true;
}
