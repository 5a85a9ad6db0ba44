/* SPDX-License-Identifier: ISC */
/* Bounded reader and writer; every other function is built on rd_take() and room(). */
#include <string.h>

#include "buf.h"

struct rd
rd_init(const void *p, size_t n)
{
	struct rd r = { p, n };

	if (p == NULL)
		r.len = 0;
	return r;
}

static bool
rd_be(struct rd *r, size_t n, uint64_t *out)
{
	const uint8_t	*p;
	uint64_t	 v = 0;
	size_t		 i;

	if ((p = rd_take(r, n)) == NULL)
		return false;
	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	*out = v;
	return true;
}

bool
rd_u24(struct rd *r, uint32_t *out)
{
	uint64_t v;

	if (!rd_be(r, 3, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool
rd_u64(struct rd *r, uint64_t *out)
{
	return rd_be(r, 8, out);
}

bool
rd_split(struct rd *r, struct rd *out, size_t n)
{
	const uint8_t *p;

	if ((p = rd_take(r, n)) == NULL)
		return false;
	out->p = p;
	out->len = n;
	return true;
}

bool
rd_copy(struct rd *r, void *out, size_t n)
{
	const uint8_t *p;

	if ((p = rd_take(r, n)) == NULL)
		return false;
	if (n > 0)
		memcpy(out, p, n);
	return true;
}

bool
rd_sub(const struct rd *r, struct rd *out, size_t off, size_t n)
{
	struct rd c = *r;

	return rd_skip(&c, off) && rd_split(&c, out, n);
}

void
rd_rest(struct rd *r, struct rd *out)
{
	*out = *r;
	r->p += r->len;
	r->len = 0;
}

size_t
rd_off(const struct rd *outer, const struct rd *inner)
{
	return (size_t)(inner->p - outer->p);
}

struct wr
wr_init(void *buf, size_t cap)
{
	struct wr w = { buf, cap, 0, false };

	return w;
}

/* room returns where n more bytes go and counts them, or NULL (setting err). */
static uint8_t *
room(struct wr *w, size_t n)
{
	uint8_t *p;

	if (w->err || n > w->cap - w->len) {
		w->err = true;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

static void
put_be(uint8_t *p, size_t n, uint64_t v)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static void
wr_be(struct wr *w, size_t n, uint64_t v)
{
	uint8_t *p;

	if ((p = room(w, n)) != NULL)
		put_be(p, n, v);
}

void wr_u8(struct wr *w, uint8_t v)	{ wr_be(w, 1, v); }
void wr_u16(struct wr *w, uint16_t v)	{ wr_be(w, 2, v); }
void wr_u24(struct wr *w, uint32_t v)	{ wr_be(w, 3, v); }
void wr_u32(struct wr *w, uint32_t v)	{ wr_be(w, 4, v); }
void wr_u64(struct wr *w, uint64_t v)	{ wr_be(w, 8, v); }

void
wr_bytes(struct wr *w, const void *p, size_t n)
{
	uint8_t *d;

	if ((d = room(w, n)) != NULL && n > 0)
		memcpy(d, p, n);
}

void
wr_zero(struct wr *w, size_t n)
{
	uint8_t *d;

	if ((d = room(w, n)) != NULL && n > 0)
		memset(d, 0, n);
}

size_t
wr_hole(struct wr *w, size_t n)
{
	size_t off = w->len;

	wr_zero(w, n);
	return off;
}

uint8_t *
wr_ptr(struct wr *w, size_t off, size_t n)
{
	if (w->err || off > w->len || n > w->len - off)
		return NULL;
	return w->buf + off;
}

static void
wr_be_at(struct wr *w, size_t off, size_t n, uint64_t v)
{
	uint8_t *p;

	if ((p = wr_ptr(w, off, n)) == NULL) {
		w->err = true;
		return;
	}
	put_be(p, n, v);
}

void wr_u8_at(struct wr *w, size_t off, uint8_t v)	{ wr_be_at(w, off, 1, v); }
void wr_u16_at(struct wr *w, size_t off, uint16_t v)	{ wr_be_at(w, off, 2, v); }
void wr_u32_at(struct wr *w, size_t off, uint32_t v)	{ wr_be_at(w, off, 4, v); }

bool
wr_ok(const struct wr *w)
{
	return !w->err;
}
