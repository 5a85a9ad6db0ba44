/* SPDX-License-Identifier: ISC */
/* One buffered stdout for ike-decode: hand-written number, hex and address formatters. */
#ifndef IKEKIT_IKE_DECODE_OUT_H
#define IKEKIT_IKE_DECODE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/*
 * Everything ike-decode prints as a result goes through these functions into
 * one static buffer, written to stdout with write(2) when it fills, at
 * out_flush() and at exit. Nothing here allocates. A failed write (other than
 * EPIPE, which ends the program quietly like a killed pipe reader) exits 5.
 */

enum { OUT_CAP = 1 << 18 };

/* The buffer; only the inline functions below touch it directly. */
extern char	 out_buf[OUT_CAP];
extern size_t	 out_len;

/* out_flush writes what is buffered to stdout. */
void	 out_flush(void);

/* out_room makes sure n (<= OUT_CAP) more bytes fit and returns where they go. */
static inline char *
out_room(size_t n)
{
	if (out_len + n > OUT_CAP)
		out_flush();
	return out_buf + out_len;
}

static inline void
out_c(char c)
{
	*out_room(1) = c;
	out_len++;
}

/* out_mem_big writes n bytes that may exceed half the buffer. */
void	 out_mem_big(const void *p, size_t n);

static inline void
out_mem(const void *p, size_t n)
{
	if (n > OUT_CAP / 2) {
		out_mem_big(p, n);
		return;
	}
	__builtin_memcpy(out_room(n), p, n);
	out_len += n;
}

/* out_s prints a string; with a literal, the length is known at compile time. */
#define out_s(s)	out_mem((s), __builtin_strlen(s))
/* out_u prints v in decimal; out_u_pad pads with zeros to at least width. */
void	 out_u(uint64_t v);
void	 out_u_pad(uint64_t v, int width);
/* out_x prints v as exactly digits lower-case hex digits (most significant first). */
void	 out_x(uint64_t v, int digits);
/* out_hex prints n bytes as lower-case hex, no separators. */
void	 out_hex(const uint8_t *p, size_t n);
/* out_ip4 and out_ip6 print an address as inet_ntop(3) would (RFC 5952 for v6). */
void	 out_ip4(const uint8_t a[4]);
void	 out_ip6(const uint8_t a[16]);
/* out_ip prints a 4- or 16-byte address by af (AF_INET or AF_INET6). */
void	 out_ip(int af, const uint8_t *a);
/* out_time_local prints HH:MM:SS.uuuuuu in local time (tcpdump's default). */
void	 out_time_local(const struct timeval *tv);
/* out_time_iso prints 2026-11-24T19:50:01.123456Z (UTC). */
void	 out_time_iso(const struct timeval *tv);
/* out_jstr prints s (n bytes) as a JSON string with quotes. Valid UTF-8 passes
 * through (but for C1 controls); control characters and bytes that are not
 * valid UTF-8 are escaped as \u00XX, so the output is always valid UTF-8. */
void	 out_jstr(const void *s, size_t n);
void	 out_jstrz(const char *s);
/* out_printable prints n bytes, replacing control characters and bytes that
 * are not valid UTF-8 by '.'. */
void	 out_printable(const uint8_t *p, size_t n);

#endif
