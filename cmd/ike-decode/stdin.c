/* SPDX-License-Identifier: ISC */
/* Raw IKE messages from a stream: binary back to back, or hex text one per line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/hex.h"
#include "names/ikev2.h"
#include "stdin.h"

enum { DETECT_LEN = 256, IKE_LEN_AT = 24 };

void
stdin_open(struct stdin_src *s, int fd)
{
	s->fd = fd;
	s->decided = s->hex = s->eof = false;
	s->lineno = 0;
	s->off = s->len = 0;
}

bool
stdin_is_hex(const struct stdin_src *s)
{
	return s->hex;
}

/* fill reads until at least want unread bytes are buffered or the input ends;
 * it returns false on a read error (errno set). */
static bool
fill(struct stdin_src *s, size_t want)
{
	ssize_t n;

	if (s->len - s->off >= want || s->eof)
		return true;
	if (s->off > 0) {
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	while (s->len < want && s->len < sizeof(s->buf)) {
		n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (n == 0) {
			s->eof = true;
			break;
		}
		s->len += (size_t)n;
	}
	return true;
}

/* detect tells hex text from binary. Every binary IKE message has zero bytes
 * (the top half of its length field, as messages fit in 64 KiB), and text
 * has none and no bytes above 0x7f. */
static void
detect(struct stdin_src *s)
{
	size_t n = s->len - s->off;

	if (n > DETECT_LEN)
		n = DETECT_LEN;
	s->hex = n > 0;
	for (size_t i = 0; i < n && s->hex; i++)
		s->hex = s->buf[s->off + i] != 0 && s->buf[s->off + i] < 0x80;
	s->decided = true;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* plausible tells whether p (n bytes) starts like an IKE header: version 1.x or
 * 2.x and a length of at least a header, equal to n when exact. */
static bool
plausible(const uint8_t *p, size_t n, bool exact)
{
	uint32_t len;

	if (n < IKE_HDR_LEN || ((p[17] >> 4) != 1 && (p[17] >> 4) != 2))
		return false;
	len = be32(p + IKE_LEN_AT);
	return exact ? len == n : len >= IKE_HDR_LEN;
}

/* has_marker tells whether the message at p starts with the non-ESP marker of
 * RFC 3948: four zero bytes, after which a header makes sense where it did
 * not without them (an initiator SPI may start with four zero bytes too). */
static bool
has_marker(const uint8_t *p, size_t n, bool exact)
{
	return n >= NON_ESP_MARKER_LEN + IKE_HDR_LEN && be32(p) == 0 &&
	    plausible(p + NON_ESP_MARKER_LEN, n - NON_ESP_MARKER_LEN, exact) &&
	    !plausible(p, n, exact);
}

/* is_capture tells whether p starts with the magic number of a pcap file (either
 * byte order, micro- or nanosecond) or of a pcapng section header. */
static bool
is_capture(const uint8_t *p, size_t n)
{
	static const uint8_t magic[][4] = {
		{ 0xa1, 0xb2, 0xc3, 0xd4 }, { 0xd4, 0xc3, 0xb2, 0xa1 },
		{ 0xa1, 0xb2, 0x3c, 0x4d }, { 0x4d, 0x3c, 0xb2, 0xa1 },
		{ 0x0a, 0x0d, 0x0d, 0x0a },
	};

	for (size_t i = 0; n >= 4 && i < sizeof(magic) / sizeof(magic[0]); i++)
		if (memcmp(p, magic[i], 4) == 0)
			return true;
	return false;
}

static enum stdin_res
next_binary(struct stdin_src *s, struct rd *out, bool *natt, char *err, size_t errlen)
{
	const uint8_t	*p;
	size_t		 have, skip = 0;
	uint32_t	 mlen;

	if (!fill(s, NON_ESP_MARKER_LEN + IKE_HDR_LEN))
		goto ioerr;
	have = s->len - s->off;
	if (have == 0)
		return RAW_EOF;
	p = s->buf + s->off;
	*natt = has_marker(p, have, false);
	if (*natt)
		skip = NON_ESP_MARKER_LEN;
	if (have < skip + IKE_HDR_LEN) {
		snprintf(err, errlen, "truncated input: %zu bytes left, less than an IKE header",
		    have);
		return RAW_FATAL;
	}
	p += skip;
	mlen = be32(p + IKE_LEN_AT);
	if (mlen < IKE_HDR_LEN || mlen > RAW_MSG_CAP) {
		snprintf(err, errlen, "message length %u in the IKE header is out of range "
		    "(%d..%d): not binary IKE messages?", mlen, IKE_HDR_LEN, RAW_MSG_CAP);
		return RAW_FATAL;
	}
	if (!fill(s, skip + mlen))
		goto ioerr;
	have = s->len - s->off;
	if (have < skip + mlen) {
		snprintf(err, errlen, "truncated input: message of %u bytes has only %zu",
		    mlen, have - skip);
		return RAW_FATAL;
	}
	*out = rd_init(s->buf + s->off + skip, mlen);
	s->off += skip + mlen;
	return RAW_MSG;
ioerr:
	snprintf(err, errlen, "read: %s", strerror(errno));
	return RAW_IOERR;
}

/* next_line sets *line/n to the next line without its '\n'; false at EOF. */
static bool
next_line(struct stdin_src *s, const uint8_t **line, size_t *n, char *err, size_t errlen,
    enum stdin_res *res)
{
	const uint8_t	*nl;
	size_t		 have;

	for (;;) {
		have = s->len - s->off;
		nl = memchr(s->buf + s->off, '\n', have);
		if (nl != NULL || s->eof)
			break;
		if (have == sizeof(s->buf)) {
			snprintf(err, errlen, "%lu: line longer than %zu bytes", s->lineno + 1,
			    sizeof(s->buf));
			*res = RAW_FATAL;
			return false;
		}
		if (!fill(s, have + 1)) {
			snprintf(err, errlen, "read: %s", strerror(errno));
			*res = RAW_IOERR;
			return false;
		}
	}
	if (have == 0) {
		*res = RAW_EOF;
		return false;
	}
	*line = s->buf + s->off;
	*n = nl != NULL ? (size_t)(nl - *line) : have;
	s->off += *n + (nl != NULL);
	s->lineno++;
	return true;
}

static enum stdin_res
next_hex(struct stdin_src *s, struct rd *out, bool *natt, char *err, size_t errlen)
{
	const uint8_t	*line;
	size_t		 n, i, m;
	int		 hi;
	enum stdin_res	 res;

	for (;;) {
		if (!next_line(s, &line, &n, err, errlen, &res))
			return res;
		i = 0;
		while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		if (i == n || line[i] == '#')
			continue;		/* blank line or comment */
		if (n - i >= 2 && line[i] == '0' && (line[i + 1] == 'x' || line[i + 1] == 'X'))
			i += 2;
		m = 0;
		hi = -1;
		for (; i < n; i++) {
			int v = hex_digit(line[i]);

			if (v < 0) {
				if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' ||
				    line[i] == ':')
					continue;
				snprintf(err, errlen, "%lu: not a hex digit: '%c'", s->lineno,
				    line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?');
				return RAW_SKIP;
			}
			if (hi < 0) {
				hi = v;
				continue;
			}
			if (m == sizeof(s->msg)) {
				snprintf(err, errlen, "%lu: message longer than %zu bytes",
				    s->lineno, sizeof(s->msg));
				return RAW_SKIP;
			}
			s->msg[m++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
		if (hi >= 0) {
			snprintf(err, errlen, "%lu: odd number of hex digits", s->lineno);
			return RAW_SKIP;
		}
		break;
	}
	*natt = has_marker(s->msg, m, true);
	if (*natt)
		*out = rd_init(s->msg + NON_ESP_MARKER_LEN, m - NON_ESP_MARKER_LEN);
	else
		*out = rd_init(s->msg, m);
	return RAW_MSG;
}

enum stdin_res
stdin_next(struct stdin_src *s, struct rd *out, bool *natt, char *err, size_t errlen)
{
	if (!s->decided) {
		if (!fill(s, DETECT_LEN)) {
			snprintf(err, errlen, "read: %s", strerror(errno));
			return RAW_IOERR;
		}
		detect(s);
		if (!s->hex && is_capture(s->buf + s->off, s->len - s->off)) {
			snprintf(err, errlen, "a capture file, not raw IKE messages: read it "
			    "as a file (ike-decode /dev/stdin)");
			return RAW_FATAL;
		}
	}
	if (s->hex)
		return next_hex(s, out, natt, err, errlen);
	return next_binary(s, out, natt, err, errlen);
}
