/* SPDX-License-Identifier: ISC */
/* Bounded reader and writer over bytes: the only pointer arithmetic on wire data. */
#ifndef IKEKIT_BUF_BUF_H
#define IKEKIT_BUF_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A reader is a view: it owns nothing, and a call moves it forward only when it
 * succeeds. A failed call leaves both the reader and its outputs untouched. */
struct rd {
	const uint8_t	*p;
	size_t		 len;
};

/* rd_init returns a reader over n bytes at p. */
struct rd	 rd_init(const void *p, size_t n);

/* rd_take returns the next n bytes of r and advances it past them, or NULL
 * (changing nothing) if fewer remain. It is the one bounds check every reader
 * is built on; inline because decoders call it per field. */
static inline const uint8_t *
rd_take(struct rd *r, size_t n)
{
	const uint8_t *p;

	if (n > r->len)
		return NULL;
	p = r->p;
	r->p += n;
	r->len -= n;
	return p;
}

/* rd_u8, rd_u16, rd_u24, rd_u32 and rd_u64 read a number in network order. */
static inline bool
rd_u8(struct rd *r, uint8_t *out)
{
	const uint8_t *p = rd_take(r, 1);

	if (p == NULL)
		return false;
	*out = p[0];
	return true;
}

static inline bool
rd_u16(struct rd *r, uint16_t *out)
{
	const uint8_t *p = rd_take(r, 2);

	if (p == NULL)
		return false;
	*out = (uint16_t)(p[0] << 8 | p[1]);
	return true;
}

static inline bool
rd_u32(struct rd *r, uint32_t *out)
{
	const uint8_t *p = rd_take(r, 4);

	if (p == NULL)
		return false;
	*out = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return true;
}

static inline bool
rd_skip(struct rd *r, size_t n)
{
	return rd_take(r, n) != NULL;
}

bool	 rd_u24(struct rd *r, uint32_t *out);
bool	 rd_u64(struct rd *r, uint64_t *out);
/* rd_split sets out to the next n bytes of r and advances r past them. */
bool	 rd_split(struct rd *r, struct rd *out, size_t n);
/* rd_copy copies the next n bytes of r to out. */
bool	 rd_copy(struct rd *r, void *out, size_t n);
/* rd_peek_u8/u16/u32 read without advancing. */
static inline bool
rd_peek_u8(const struct rd *r, uint8_t *out)
{
	struct rd c = *r;

	return rd_u8(&c, out);
}

static inline bool
rd_peek_u16(const struct rd *r, uint16_t *out)
{
	struct rd c = *r;

	return rd_u16(&c, out);
}

static inline bool
rd_peek_u32(const struct rd *r, uint32_t *out)
{
	struct rd c = *r;

	return rd_u32(&c, out);
}
/* rd_sub sets out to the n bytes at offset off of r without advancing r. */
bool	 rd_sub(const struct rd *r, struct rd *out, size_t off, size_t n);
/* rd_rest sets out to everything left and empties r. */
void	 rd_rest(struct rd *r, struct rd *out);
/* rd_off returns how far inner.p is from outer.p (inner must lie in outer). */
size_t	 rd_off(const struct rd *outer, const struct rd *inner);

/* A writer fills a fixed buffer. The first overflow sets err; later writes do
 * nothing, so the caller checks wr_ok() once at the end. */
struct wr {
	uint8_t	*buf;
	size_t	 cap, len;
	bool	 err;
};

struct wr	 wr_init(void *buf, size_t cap);
void	 wr_u8(struct wr *w, uint8_t v);
void	 wr_u16(struct wr *w, uint16_t v);
void	 wr_u24(struct wr *w, uint32_t v);
void	 wr_u32(struct wr *w, uint32_t v);
void	 wr_u64(struct wr *w, uint64_t v);
void	 wr_bytes(struct wr *w, const void *p, size_t n);
void	 wr_zero(struct wr *w, size_t n);
/* wr_hole reserves n zero bytes and returns their offset, to fill later. */
size_t	 wr_hole(struct wr *w, size_t n);
void	 wr_u8_at(struct wr *w, size_t off, uint8_t v);
void	 wr_u16_at(struct wr *w, size_t off, uint16_t v);
void	 wr_u32_at(struct wr *w, size_t off, uint32_t v);
/* wr_ptr returns a pointer to offset off, or NULL if off+n is past len. */
uint8_t	*wr_ptr(struct wr *w, size_t off, size_t n);
bool	 wr_ok(const struct wr *w);

#endif
