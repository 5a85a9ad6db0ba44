/* SPDX-License-Identifier: ISC */
/* One buffered stdout for ike-decode: hand-written number, hex and address formatters. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "base/exits.h"
#include "base/log.h"
#include "out.h"

char		 out_buf[OUT_CAP];
size_t		 out_len;

static const char hexd[] = "0123456789abcdef";

static void
write_all(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(STDOUT_FILENO, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			out_len = 0;	/* nothing more to write */
			die(EXIT_LOCAL, "stdout: %s", strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

void
out_flush(void)
{
	size_t n = out_len;

	out_len = 0;
	if (n > 0)
		write_all(out_buf, n);
}

void
out_mem_big(const void *p, size_t n)
{
	out_flush();
	write_all(p, n);
}

static const char digits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* put_u writes v in decimal at d and returns how many digits. */
static inline size_t
put_u(char *d, uint64_t v)
{
	char	 t[20];
	size_t	 i = 20;

	if (v < 10) {
		d[0] = (char)('0' + v);
		return 1;
	}
	if (v < 100) {
		memcpy(d, digits2 + 2 * v, 2);
		return 2;
	}
	while (v >= 100) {
		i -= 2;
		memcpy(t + i, digits2 + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		i -= 2;
		memcpy(t + i, digits2 + 2 * v, 2);
	} else
		t[--i] = (char)('0' + v);
	memcpy(d, t + i, 20 - i);
	return 20 - i;
}

void
out_u(uint64_t v)
{
	out_len += put_u(out_room(20), v);
}

void
out_u_pad(uint64_t v, int width)
{
	uint64_t	 t = v;
	int		 digits = 1;

	while (t >= 10) {
		t /= 10;
		digits++;
	}
	for (; digits < width; digits++)
		out_c('0');
	out_u(v);
}

void
out_x(uint64_t v, int digits)
{
	char *d = out_room((size_t)digits);

	for (int i = digits - 1; i >= 0; i--) {
		d[i] = hexd[v & 0xf];
		v >>= 4;
	}
	out_len += (size_t)digits;
}

void
out_hex(const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t	 k = n > OUT_CAP / 4 ? OUT_CAP / 4 : n;
		char	*d = out_room(2 * k);

		for (size_t i = 0; i < k; i++) {
			d[2 * i] = hexd[p[i] >> 4];
			d[2 * i + 1] = hexd[p[i] & 0xf];
		}
		out_len += 2 * k;
		p += k;
		n -= k;
	}
}

/* dec8[v] is v in decimal, padded with NULs to 4 bytes; dec8_len[v] its length. */
static char	 dec8[256][4];
static uint8_t	 dec8_len[256];

static void
dec8_init(void)
{
	for (int v = 0; v < 256; v++)
		dec8_len[v] = (uint8_t)put_u(dec8[v], (uint64_t)v);
}

void
out_ip4(const uint8_t a[4])
{
	char	*d = out_room(16);
	size_t	 n;

	if (dec8_len[0] == 0)
		dec8_init();
	memcpy(d, dec8[a[0]], 4);
	n = dec8_len[a[0]];
	for (int i = 1; i < 4; i++) {
		d[n++] = '.';
		memcpy(d + n, dec8[a[i]], 4);
		n += dec8_len[a[i]];
	}
	out_len += n;
}

void
out_ip6(const uint8_t a[16])
{
	char t[INET6_ADDRSTRLEN];

	if (inet_ntop(AF_INET6, a, t, sizeof(t)) == NULL)
		out_s("?");
	else
		out_s(t);
}

void
out_ip(int af, const uint8_t *a)
{
	if (af == AF_INET6)
		out_ip6(a);
	else
		out_ip4(a);
}

/* Formatting a time costs a localtime_r/gmtime_r call; packets come in bursts
 * within one second, so the last second's text is kept. */
struct tcache {
	time_t	 sec;
	bool	 valid;
	char	 txt[24];
	size_t	 n;
};

static void
put2(char *d, int v)
{
	d[0] = (char)('0' + v / 10);
	d[1] = (char)('0' + v % 10);
}

void
out_time_local(const struct timeval *tv)
{
	static struct tcache	 c;
	struct tm		 tm;

	if (!c.valid || c.sec != tv->tv_sec) {
		time_t s = tv->tv_sec;

		if (localtime_r(&s, &tm) == NULL)
			memset(&tm, 0, sizeof(tm));
		put2(c.txt, tm.tm_hour);
		c.txt[2] = ':';
		put2(c.txt + 3, tm.tm_min);
		c.txt[5] = ':';
		put2(c.txt + 6, tm.tm_sec);
		c.txt[8] = '.';
		c.n = 9;
		c.sec = tv->tv_sec;
		c.valid = true;
	}
	out_mem(c.txt, c.n);
	out_u_pad((uint64_t)tv->tv_usec, 6);
}

void
out_time_iso(const struct timeval *tv)
{
	static struct tcache	 c;
	struct tm		 tm;

	if (!c.valid || c.sec != tv->tv_sec) {
		time_t	 s = tv->tv_sec;
		int	 y;

		if (gmtime_r(&s, &tm) == NULL)
			memset(&tm, 0, sizeof(tm));
		y = tm.tm_year + 1900;
		if (y < 0 || y > 9999)
			y = 0;
		put2(c.txt, y / 100);
		put2(c.txt + 2, y % 100);
		c.txt[4] = '-';
		put2(c.txt + 5, tm.tm_mon + 1);
		c.txt[7] = '-';
		put2(c.txt + 8, tm.tm_mday);
		c.txt[10] = 'T';
		put2(c.txt + 11, tm.tm_hour);
		c.txt[13] = ':';
		put2(c.txt + 14, tm.tm_min);
		c.txt[16] = ':';
		put2(c.txt + 17, tm.tm_sec);
		c.txt[19] = '.';
		c.n = 20;
		c.sec = tv->tv_sec;
		c.valid = true;
	}
	out_mem(c.txt, c.n);
	out_u_pad((uint64_t)tv->tv_usec, 6);
	out_c('Z');
}

/* utf8_len returns the length of the valid UTF-8 sequence of 2 to 4 bytes at
 * p (n bytes left), or 0: no overlong forms, surrogates or values past U+10FFFF. */
static size_t
utf8_len(const uint8_t *p, size_t n)
{
	size_t		 len;
	uint32_t	 c;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff) || (c >= 0x80 && c < 0xa0))
		return 0;
	return len;
}

void
out_jstr(const void *s, size_t n)
{
	const uint8_t	*p = s;
	size_t		 u;

	out_c('"');
	for (size_t i = 0; i < n; i++) {
		uint8_t	 c = p[i];
		size_t	 run = i;

		/* copy a run of bytes that need no escape in one go */
		while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' &&
		    p[run] != '\\')
			run++;
		if (run > i) {
			out_mem(p + i, run - i);
			i = run - 1;
			continue;
		}
		if (c == '"' || c == '\\') {
			out_c('\\');
			out_c((char)c);
		} else if (c >= 0x80 && (u = utf8_len(p + i, n - i)) > 0) {
			out_mem(p + i, u);
			i += u - 1;
		} else {
			out_s("\\u00");
			out_c(hexd[c >> 4]);
			out_c(hexd[c & 0xf]);
		}
	}
	out_c('"');
}

void
out_jstrz(const char *s)
{
	out_jstr(s, strlen(s));
}

void
out_printable(const uint8_t *p, size_t n)
{
	size_t u;

	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x80 && (u = utf8_len(p + i, n - i)) > 0) {
			out_mem(p + i, u);
			i += u - 1;
		} else
			out_c(p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.');
	}
}
