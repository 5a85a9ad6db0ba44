/* SPDX-License-Identifier: ISC */
/* Typed values of state-file lines read by sd_read, with file:line errors. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "names/names.h"
#include "sa/kvget.h"

static enum ike_err
fail(const struct kvget *g, const struct sd_kv *kv, const char *key,
    const char *fmt, ...)
{
	char	 why[128];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (kv != NULL && kv->line != 0)
		snprintf(g->err, g->errlen, "%s:%u: %s: %s", g->file, kv->line,
		    key, why);
	else
		snprintf(g->err, g->errlen, "%s: %s: %s", g->file, key, why);
	return IKE_EINVAL;
}

const struct sd_kv *
kvg_find(const struct kvget *g, const char *key)
{
	size_t	 i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->kv[i].key, key) == 0)
			return g->kv[i].line != 0 ? &g->kv[i] : NULL;
	return NULL;
}

enum ike_err
kvg_str(const struct kvget *g, const char *key, bool optional, const char **out)
{
	const struct sd_kv	*kv = kvg_find(g, key);

	if (kv == NULL)
		return optional ? IKE_OK : fail(g, NULL, key, "missing");
	*out = kv->val;
	return IKE_OK;
}

enum ike_err
kvg_u64(const struct kvget *g, const char *key, bool optional, uint64_t max,
    uint64_t *out)
{
	const struct sd_kv	*kv = kvg_find(g, key);
	unsigned long long	 v;
	char			*end;

	if (kv == NULL)
		return optional ? IKE_OK : fail(g, NULL, key, "missing");
	errno = 0;
	v = strtoull(kv->val, &end, 0);
	if (kv->val[0] == '\0' || kv->val[0] == '-' || *end != '\0' ||
	    errno != 0 || v > max)
		return fail(g, kv, key, "\"%.32s\" is not a number up to %llu",
		    kv->val, (unsigned long long)max);
	*out = v;
	return IKE_OK;
}

/* hex_bytes decodes the hex digits of s (even in number) into out. */
static bool
hex_bytes(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t	 n = strlen(s), i;
	int	 hi, lo;

	if (n % 2 != 0 || n / 2 > cap)
		return false;
	for (i = 0; i < n / 2; i++) {
		if ((hi = hex_digit(s[2 * i])) < 0 ||
		    (lo = hex_digit(s[2 * i + 1])) < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return true;
}

static enum ike_err
spi(const struct kvget *g, const char *key, const char *prefix, size_t digits,
    uint64_t *out)
{
	const struct sd_kv	*kv = kvg_find(g, key);
	const char		*s;
	uint8_t			 b[8];
	size_t			 n = 0, i;

	if (kv == NULL)
		return fail(g, NULL, key, "missing");
	s = kv->val;
	if (strncmp(s, prefix, strlen(prefix)) != 0 ||
	    strlen(s += strlen(prefix)) != digits ||
	    !hex_bytes(s, b, sizeof(b), &n))
		return fail(g, kv, key, "not %s%zu hex digits", prefix, digits);
	*out = 0;
	for (i = 0; i < n; i++)
		*out = *out << 8 | b[i];
	return IKE_OK;
}

enum ike_err
kvg_spi64(const struct kvget *g, const char *key, uint64_t *out)
{
	return spi(g, key, "", 16, out);
}

enum ike_err
kvg_spi32(const struct kvget *g, const char *key, uint32_t *out)
{
	uint64_t	 v = 0;
	enum ike_err	 e;

	if ((e = spi(g, key, "0x", 8, &v)) == IKE_OK)
		*out = (uint32_t)v;
	return e;
}

enum ike_err
kvg_hex(const struct kvget *g, const char *key, uint8_t *out, size_t cap,
    size_t *len)
{
	const struct sd_kv	*kv = kvg_find(g, key);

	if (kv == NULL)
		return fail(g, NULL, key, "missing");
	if (!hex_bytes(kv->val, out, cap, len))
		return fail(g, kv, key, "not an even number of hex digits, "
		    "at most %zu bytes", cap);
	return IKE_OK;
}

enum ike_err
kvg_xform(const struct kvget *g, const char *key, unsigned type, uint16_t *out)
{
	const struct sd_kv	*kv = kvg_find(g, key);
	unsigned		 v;

	if (kv == NULL)
		return fail(g, NULL, key, "missing");
	if (!ikev2_xform_id_lookup(type, kv->val, &v))
		return fail(g, kv, key, "unknown transform \"%.40s\"", kv->val);
	*out = (uint16_t)v;
	return IKE_OK;
}

enum ike_err
kvg_word(const struct kvget *g, const char *key, const char *const *words,
    int *index)
{
	const struct sd_kv	*kv = kvg_find(g, key);
	int			 i;

	if (kv == NULL)
		return fail(g, NULL, key, "missing");
	for (i = 0; words[i] != NULL; i++)
		if (strcmp(kv->val, words[i]) == 0) {
			*index = i;
			return IKE_OK;
		}
	return fail(g, kv, key, "\"%.32s\" is not one of the known words",
	    kv->val);
}
