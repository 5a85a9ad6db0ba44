/* SPDX-License-Identifier: ISC */
/* State files being built: key=value lines in a kvbuf, keys checked, values that cannot break a line (ike-state(5)). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "crypto/secret.h"
#include "sa/statedir.h"

void
kv_init(struct kvbuf *b)
{
	b->len = 0;
	b->err = IKE_OK;
	b->buf[0] = '\0';
}

void
kv_wipe(struct kvbuf *b)
{
	wipe(b, sizeof(*b));
}

static bool
key_ok(const char *key)
{
	size_t i;

	for (i = 0; key[i] != '\0'; i++)
		if (i >= SD_KEY_MAX || !((key[i] >= 'a' && key[i] <= 'z') ||
		    (key[i] >= '0' && key[i] <= '9') || key[i] == '_'))
			return false;
	return i > 0;
}

bool
kv_has(const struct kvbuf *b, const char *key)
{
	size_t		 klen = strlen(key), at = 0;
	const char	*nl;

	while (at < b->len) {
		if (b->len - at > klen && b->buf[at + klen] == '=' &&
		    memcmp(b->buf + at, key, klen) == 0)
			return true;
		/* memchr: a file is ~50 lines, each checked for every key */
		if ((nl = memchr(b->buf + at, '\n', b->len - at)) == NULL)
			break;
		at = (size_t)(nl - b->buf) + 1;
	}
	return false;
}

/* kv_begin checks key and writes "key=" to b, or sets b->err. */
static bool
kv_begin(struct kvbuf *b, const char *key)
{
	size_t klen;

	if (b->err != IKE_OK)
		return false;
	if (key == NULL || !key_ok(key) || kv_has(b, key)) {
		b->err = IKE_EINVAL;
		return false;
	}
	klen = strlen(key);
	if (SD_KV_BUF - b->len < klen + 2) {
		b->err = IKE_ETOOBIG;
		return false;
	}
	memcpy(b->buf + b->len, key, klen);
	b->len += klen;
	b->buf[b->len++] = '=';
	return true;
}

/* kv_put appends n bytes of a value; kv_end the newline. On overflow they
 * set b->err (sd_write then writes nothing). */
static void
kv_put(struct kvbuf *b, const char *p, size_t n)
{
	if (b->err != IKE_OK)
		return;
	if (SD_KV_BUF - b->len < n + 1) {	/* room for the newline */
		b->err = IKE_ETOOBIG;
		return;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void
kv_end(struct kvbuf *b)
{
	kv_put(b, "\n", 1);
}

void
kv_str(struct kvbuf *b, const char *key, const char *value)
{
	size_t n;

	if (b->err == IKE_OK && (value == NULL ||
	    strpbrk(value, "\r\n") != NULL || isblank((unsigned char)value[0]) ||
	    ((n = strlen(value)) > 0 && isblank((unsigned char)value[n - 1])))) {
		b->err = IKE_EINVAL;
		return;
	}
	if (!kv_begin(b, key))
		return;
	kv_put(b, value, strlen(value));
	kv_end(b);
}

void
kv_u64(struct kvbuf *b, const char *key, uint64_t v)
{
	char	s[24];
	int	n;

	if (!kv_begin(b, key))
		return;
	n = snprintf(s, sizeof(s), "%" PRIu64, v);
	kv_put(b, s, (size_t)n);
	kv_end(b);
}

void
kv_hex(struct kvbuf *b, const char *key, const uint8_t *bytes, size_t len)
{
	static const char	 digits[] = "0123456789abcdef";
	char			 pair[2];
	size_t			 i;

	if (!kv_begin(b, key))
		return;
	for (i = 0; i < len; i++) {
		pair[0] = digits[bytes[i] >> 4];
		pair[1] = digits[bytes[i] & 0x0f];
		kv_put(b, pair, 2);
	}
	wipe(pair, sizeof(pair));
	kv_end(b);
}

void
kv_spi64(struct kvbuf *b, const char *key, uint64_t spi)
{
	char	s[24];
	int	n;

	if (!kv_begin(b, key))
		return;
	n = snprintf(s, sizeof(s), "%016" PRIx64, spi);
	kv_put(b, s, (size_t)n);
	kv_end(b);
}

void
kv_spi32(struct kvbuf *b, const char *key, uint32_t spi)
{
	char	s[16];
	int	n;

	if (!kv_begin(b, key))
		return;
	n = snprintf(s, sizeof(s), "0x%08" PRIx32, spi);
	kv_put(b, s, (size_t)n);
	kv_end(b);
}
