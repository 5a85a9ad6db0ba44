/* SPDX-License-Identifier: ISC */
/* Wireshark's ikev2_decryption_table and esp_sa UAT files: reading and writing. */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/secret.h"
#include "keys/internal.h"
#include "keys/keys.h"
#include "names/ikev2.h"

enum {
	UAT_FIELDS		= 8,	/* both tables, in Wireshark 4.0 */
	UAT_FIELDS_MAX		= 32,
	ADDR_STR_MAX		= 64,
};

/*
 * Algorithm names as Wireshark 4.0 spells them (epan/dissectors/packet-isakmp.c
 * vs_ikev2_encr_algs/vs_ikev2_auth_algs, packet-ipsec.c esp_encryption_type_vals
 * / esp_authentication_type_vals). One row per key length: ESP names do not
 * carry the AES key size, the key length picks it. Rows with unsupp set are
 * names Wireshark knows that we cannot use (no IANA number, or no checking).
 */
struct alg {
	const char	*name;
	uint16_t	 id;
	uint16_t	 keybits;
	uint8_t		 key_len;	/* with salt or nonce */
	bool		 unsupp;
};

static const struct alg ike_encr[] = {
	{ "3DES [RFC2451]",				IKEV2_ENCR_3DES, 192, 24, false },
	{ "AES-CBC-128 [RFC3602]",			IKEV2_ENCR_AES_CBC, 128, 16, false },
	{ "AES-CBC-192 [RFC3602]",			IKEV2_ENCR_AES_CBC, 192, 24, false },
	{ "AES-CBC-256 [RFC3602]",			IKEV2_ENCR_AES_CBC, 256, 32, false },
	{ "NULL [RFC2410]",				IKEV2_ENCR_NULL, 0, 0, false },
	{ "AES-CTR-128 [RFC5930]",			IKEV2_ENCR_AES_CTR, 128, 20, false },
	{ "AES-CTR-192 [RFC5930]",			IKEV2_ENCR_AES_CTR, 192, 28, false },
	{ "AES-CTR-256 [RFC5930]",			IKEV2_ENCR_AES_CTR, 256, 36, false },
	{ "AES-GCM-128 with 16 octet ICV [RFC5282]",	IKEV2_ENCR_AES_GCM_16, 128, 20, false },
	{ "AES-GCM-192 with 16 octet ICV [RFC5282]",	IKEV2_ENCR_AES_GCM_16, 192, 28, false },
	{ "AES-GCM-256 with 16 octet ICV [RFC5282]",	IKEV2_ENCR_AES_GCM_16, 256, 36, false },
	{ "AES-GCM-128 with 8 octet ICV [RFC5282]",	IKEV2_ENCR_AES_GCM_8, 128, 20, false },
	{ "AES-GCM-192 with 8 octet ICV [RFC5282]",	IKEV2_ENCR_AES_GCM_8, 192, 28, false },
	{ "AES-GCM-256 with 8 octet ICV [RFC5282]",	IKEV2_ENCR_AES_GCM_8, 256, 36, false },
	{ "AES-GCM-128 with 12 octet ICV [RFC5282]",	IKEV2_ENCR_AES_GCM_12, 128, 20, false },
	{ "AES-GCM-192 with 12 octet ICV [RFC5282]",	IKEV2_ENCR_AES_GCM_12, 192, 28, false },
	{ "AES-GCM-256 with 12 octet ICV [RFC5282]",	IKEV2_ENCR_AES_GCM_12, 256, 36, false },
	/* RFC 5282 7.1: AES-CCM takes a 3-byte salt */
	{ "AES-CCM-128 with 16 octet ICV [RFC5282]",	IKEV2_ENCR_AES_CCM_16, 128, 19, false },
	{ "AES-CCM-192 with 16 octet ICV [RFC5282]",	IKEV2_ENCR_AES_CCM_16, 192, 27, false },
	{ "AES-CCM-256 with 16 octet ICV [RFC5282]",	IKEV2_ENCR_AES_CCM_16, 256, 35, false },
	{ "AES-CCM-128 with 8 octet ICV [RFC5282]",	IKEV2_ENCR_AES_CCM_8, 128, 19, false },
	{ "AES-CCM-192 with 8 octet ICV [RFC5282]",	IKEV2_ENCR_AES_CCM_8, 192, 27, false },
	{ "AES-CCM-256 with 8 octet ICV [RFC5282]",	IKEV2_ENCR_AES_CCM_8, 256, 35, false },
	{ "AES-CCM-128 with 12 octet ICV [RFC5282]",	IKEV2_ENCR_AES_CCM_12, 128, 19, false },
	{ "AES-CCM-192 with 12 octet ICV [RFC5282]",	IKEV2_ENCR_AES_CCM_12, 192, 27, false },
	{ "AES-CCM-256 with 12 octet ICV [RFC5282]",	IKEV2_ENCR_AES_CCM_12, 256, 35, false },
	/* Our extension: Wireshark 4.0 has no ChaCha20-Poly1305 for IKEv2. */
	{ "CHACHA20-POLY1305 [RFC7634]",		IKEV2_ENCR_CHACHA20_POLY1305, 256, 36, false },
	{ NULL, 0, 0, 0, false }
};

static const struct alg ike_integ[] = {
	{ "NONE [RFC4306]",				IKEV2_AUTH_NONE, 0, 0, false },
	{ "HMAC_MD5_96 [RFC2403]",			IKEV2_AUTH_HMAC_MD5_96, 0, 16, false },
	{ "HMAC_SHA1_96 [RFC2404]",			IKEV2_AUTH_HMAC_SHA1_96, 0, 20, false },
	{ "HMAC_MD5_128 [RFC4595]",			IKEV2_AUTH_HMAC_MD5_128, 0, 16, false },
	{ "HMAC_SHA1_160 [RFC4595]",			IKEV2_AUTH_HMAC_SHA1_160, 0, 20, false },
	{ "HMAC_SHA2_256_128 [RFC4868]",		IKEV2_AUTH_HMAC_SHA2_256_128, 0, 32, false },
	{ "HMAC_SHA2_384_192 [RFC4868]",		IKEV2_AUTH_HMAC_SHA2_384_192, 0, 48, false },
	{ "HMAC_SHA2_512_256 [RFC4868]",		IKEV2_AUTH_HMAC_SHA2_512_256, 0, 64, false },
	{ "HMAC_SHA2_256_96 [draft-ietf-ipsec-ciph-sha-256-00]", 0, 0, 0, true },
	{ "ANY 64-bits of Authentication [No Checking]", 0, 0, 0, true },
	{ "ANY 96-bits of Authentication [No Checking]", 0, 0, 0, true },
	{ "ANY 128-bits of Authentication [No Checking]", 0, 0, 0, true },
	{ "ANY 160-bits of Authentication [No Checking]", 0, 0, 0, true },
	{ "ANY 192-bits of Authentication [No Checking]", 0, 0, 0, true },
	{ "ANY 256-bits of Authentication [No Checking]", 0, 0, 0, true },
	{ NULL, 0, 0, 0, false }
};

static const struct alg esp_encr[] = {
	{ "NULL",					IKEV2_ENCR_NULL, 0, 0, false },
	{ "TripleDES-CBC [RFC2451]",			IKEV2_ENCR_3DES, 192, 24, false },
	{ "AES-CBC [RFC3602]",				IKEV2_ENCR_AES_CBC, 128, 16, false },
	{ "AES-CBC [RFC3602]",				IKEV2_ENCR_AES_CBC, 192, 24, false },
	{ "AES-CBC [RFC3602]",				IKEV2_ENCR_AES_CBC, 256, 32, false },
	{ "AES-CTR [RFC3686]",				IKEV2_ENCR_AES_CTR, 128, 20, false },
	{ "AES-CTR [RFC3686]",				IKEV2_ENCR_AES_CTR, 192, 28, false },
	{ "AES-CTR [RFC3686]",				IKEV2_ENCR_AES_CTR, 256, 36, false },
	{ "AES-GCM with 16 octet ICV [RFC4106]",	IKEV2_ENCR_AES_GCM_16, 128, 20, false },
	{ "AES-GCM with 16 octet ICV [RFC4106]",	IKEV2_ENCR_AES_GCM_16, 192, 28, false },
	{ "AES-GCM with 16 octet ICV [RFC4106]",	IKEV2_ENCR_AES_GCM_16, 256, 36, false },
	{ "AES-GCM with 8 octet ICV [RFC4106]",		IKEV2_ENCR_AES_GCM_8, 128, 20, false },
	{ "AES-GCM with 8 octet ICV [RFC4106]",		IKEV2_ENCR_AES_GCM_8, 192, 28, false },
	{ "AES-GCM with 8 octet ICV [RFC4106]",		IKEV2_ENCR_AES_GCM_8, 256, 36, false },
	{ "AES-GCM with 12 octet ICV [RFC4106]",	IKEV2_ENCR_AES_GCM_12, 128, 20, false },
	{ "AES-GCM with 12 octet ICV [RFC4106]",	IKEV2_ENCR_AES_GCM_12, 192, 28, false },
	{ "AES-GCM with 12 octet ICV [RFC4106]",	IKEV2_ENCR_AES_GCM_12, 256, 36, false },
	/* deprecated in Wireshark (no ICV length; strongSwan's save-keys
	 * writes it): read as the 16-octet ICV */
	{ "AES-GCM [RFC4106]",				IKEV2_ENCR_AES_GCM_16, 128, 20, false },
	{ "AES-GCM [RFC4106]",				IKEV2_ENCR_AES_GCM_16, 192, 28, false },
	{ "AES-GCM [RFC4106]",				IKEV2_ENCR_AES_GCM_16, 256, 36, false },
	/* Wireshark 4.2's spelling (4.0 has none), then our alias */
	{ "ChaCha20 with Poly1305 [RFC7634]",		IKEV2_ENCR_CHACHA20_POLY1305, 256, 36, false },
	{ "ChaCha20-Poly1305 [RFC7634]",		IKEV2_ENCR_CHACHA20_POLY1305, 256, 36, false },
	{ "DES-CBC [RFC2405]",				0, 0, 0, true },
	{ "CAST5-CBC [RFC2144]",			0, 0, 0, true },
	{ "BLOWFISH-CBC [RFC2451]",			0, 0, 0, true },
	{ "TWOFISH-CBC",				0, 0, 0, true },
	{ NULL, 0, 0, 0, false }
};

static const struct alg esp_integ[] = {
	{ "NULL",					IKEV2_AUTH_NONE, 0, 0, false },
	{ "HMAC-SHA-1-96 [RFC2404]",			IKEV2_AUTH_HMAC_SHA1_96, 0, 20, false },
	{ "HMAC-SHA-256-128 [RFC4868]",			IKEV2_AUTH_HMAC_SHA2_256_128, 0, 32, false },
	{ "HMAC-SHA-384-192 [RFC4868]",			IKEV2_AUTH_HMAC_SHA2_384_192, 0, 48, false },
	{ "HMAC-SHA-512-256 [RFC4868]",			IKEV2_AUTH_HMAC_SHA2_512_256, 0, 64, false },
	{ "HMAC-MD5-96 [RFC2403]",			IKEV2_AUTH_HMAC_MD5_96, 0, 16, false },
	{ "HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]", 0, 0, 0, true },
	{ "MAC-RIPEMD-160-96 [RFC2857]",		0, 0, 0, true },
	{ "ANY 64 bit authentication [no checking]",	0, 0, 0, true },
	{ "ANY 96 bit authentication [no checking]",	0, 0, 0, true },
	{ "ANY 128 bit authentication [no checking]",	0, 0, 0, true },
	{ "ANY 192 bit authentication [no checking]",	0, 0, 0, true },
	{ "ANY 256 bit authentication [no checking]",	0, 0, 0, true },
	{ NULL, 0, 0, 0, false }
};

/* short_len returns the length of name without its " [RFC...]" suffix. */
static size_t
short_len(const char *name)
{
	const char *b = strstr(name, " [");

	return b != NULL ? (size_t)(b - name) : strlen(name);
}

/* name_is matches a table name, ignoring case, with or without the suffix. */
static bool
name_is(const char *tab, const char *given)
{
	size_t n = short_len(tab);

	if (strcasecmp(tab, given) == 0)
		return true;
	return strlen(given) == n && strncasecmp(tab, given, n) == 0;
}

/* alg_find returns the first row named name, or NULL. */
static const struct alg *
alg_find(const struct alg *tab, const char *name)
{
	for (; tab->name != NULL; tab++)
		if (name_is(tab->name, name))
			return tab;
	return NULL;
}

/* alg_find_len returns the row named like a whose key length is len. */
static const struct alg *
alg_find_len(const struct alg *tab, const struct alg *a, size_t len)
{
	for (; tab->name != NULL; tab++)
		if (strcmp(tab->name, a->name) == 0 && tab->key_len == len)
			return tab;
	return NULL;
}

/* alg_needs writes the key lengths of the rows named like a: "16, 24 or 32". */
static void
alg_needs(const struct alg *tab, const struct alg *a, char *out, size_t outlen)
{
	const struct alg	*r;
	size_t			 n = 0, i = 0, used = 0;

	for (r = tab; r->name != NULL; r++)
		if (strcmp(r->name, a->name) == 0)
			n++;
	out[0] = '\0';
	for (r = tab; r->name != NULL; r++) {
		if (strcmp(r->name, a->name) != 0)
			continue;
		i++;
		used += (size_t)snprintf(out + used, outlen - used, "%s%u",
		    i == 1 ? "" : i == n ? " or " : ", ", r->key_len);
		if (used >= outlen)
			return;
	}
}

int
keys_encr_len(uint16_t encr, uint16_t keybits)
{
	const struct alg *a;

	if (encr == IKEV2_ENCR_CHACHA20_POLY1305 && keybits == 0)
		keybits = 256;		/* no Key Length attribute */
	for (a = ike_encr; a->name != NULL; a++)
		if (!a->unsupp && a->id == encr && a->keybits == keybits)
			return a->key_len;
	return -1;
}

int
keys_integ_len(uint16_t integ)
{
	const struct alg *a;

	for (a = ike_integ; a->name != NULL; a++)
		if (!a->unsupp && a->id == integ)
			return a->key_len;
	return -1;
}

static bool
is_aead(uint16_t encr)
{
	switch (encr) {
	case IKEV2_ENCR_AES_GCM_8:
	case IKEV2_ENCR_AES_GCM_12:
	case IKEV2_ENCR_AES_GCM_16:
	case IKEV2_ENCR_AES_CCM_8:
	case IKEV2_ENCR_AES_CCM_12:
	case IKEV2_ENCR_AES_CCM_16:
	case IKEV2_ENCR_CHACHA20_POLY1305:
		return true;
	default:
		return false;
	}
}

/* A field of a UAT line, unquoted and unescaped in place. */
struct field {
	char	*s;
	size_t	 len;
};

/*
 * uat_split cuts line into comma-separated fields. A field is either a quoted
 * string (escapes \\ \" \' \n \r \t \xNN, as Wireshark's uat_undquote and
 * uat_esc write them) or bare text (hex bytes, in Wireshark's own files);
 * blanks around fields are dropped. Each field is NUL-terminated in place.
 */
static bool
uat_split(char *line, struct field *f, size_t max, size_t *n, const char **why)
{
	char	*p = line, *o;
	uint8_t	 b;
	size_t	 blen;

	*n = 0;
	for (;;) {
		p += strspn(p, " \t");
		if (*n == max) {
			*why = "too many fields";
			return false;
		}
		f[*n].s = o = p;
		if (*p == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\0') {
					*why = "unterminated quoted string";
					return false;
				}
				if (*p != '\\') {
					*o++ = *p;
					continue;
				}
				switch (*++p) {
				case '\\': case '"': case '\'':	*o++ = *p; break;
				case 'n':	*o++ = '\n'; break;
				case 'r':	*o++ = '\r'; break;
				case 't':	*o++ = '\t'; break;
				case 'x':
					if (p[1] == '\0' || !hex_decode(p + 1, 2,
					    &b, 1, &blen, why)) {
						*why = "bad \\x escape in quoted string";
						return false;
					}
					*o++ = (char)b;
					p += 2;
					break;
				default:
					*why = "bad escape in quoted string";
					return false;
				}
			}
			p++;
			f[*n].len = (size_t)(o - f[*n].s);
			p += strspn(p, " \t");
			if (*p != ',' && *p != '\0') {
				*why = "text after a quoted string";
				return false;
			}
		} else {
			p += strcspn(p, ",");
			o = p;
			while (o > f[*n].s && (o[-1] == ' ' || o[-1] == '\t'))
				o--;
			f[*n].len = (size_t)(o - f[*n].s);
		}
		(*n)++;
		if (*p == '\0') {
			*o = '\0';
			return true;
		}
		*o = '\0';	/* o <= p: overwrites the comma at worst */
		p++;
	}
}

/* hex_field decodes a hex field, with an optional 0x. */
static enum ike_err
hex_field(const struct field *f, const char *what, uint8_t *out, size_t cap,
    size_t *out_len, struct kfile *kf, char *err, size_t errlen)
{
	const char	*s = f->s, *why;
	size_t		 n = f->len;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (!hex_decode(s, n, out, cap, out_len, &why))
		return kerr(err, errlen, kf->path, kf->line, "%s: %s", what, why);
	return IKE_OK;
}

/* spi_field reads an IKE SPI: 8 bytes of hex. */
static enum ike_err
spi_field(const struct field *f, const char *what, uint64_t *out,
    struct kfile *kf, char *err, size_t errlen)
{
	uint8_t		b[8];
	size_t		n = 0, i;
	enum ike_err	e;

	if ((e = hex_field(f, what, b, sizeof(b), &n, kf, err, errlen)) != IKE_OK)
		return kerr(err, errlen, kf->path, kf->line,
		    "%s: not 16 hex digits", what);
	if (n != sizeof(b))
		return kerr(err, errlen, kf->path, kf->line,
		    "%s: not 16 hex digits", what);
	*out = 0;
	for (i = 0; i < n; i++)
		*out = *out << 8 | b[i];
	return IKE_OK;
}

static enum ike_err
ikev2_line(struct keytab *t, char *line, struct kfile *kf, char *err,
    size_t errlen)
{
	struct field		 f[UAT_FIELDS_MAX];
	struct ike_sa_key	 k;
	const struct alg	*enc, *integ;
	const char		*why;
	size_t			 n, ei, er, ai, ar;
	enum ike_err		 e;

	memset(&k, 0, sizeof(k));
	if (!uat_split(line, f, UAT_FIELDS_MAX, &n, &why))
		return kerr(err, errlen, kf->path, kf->line, "%s", why);
	if (n < UAT_FIELDS)
		return kerr(err, errlen, kf->path, kf->line,
		    "expected 8 fields, found %zu", n);
	if ((enc = alg_find(ike_encr, f[4].s)) == NULL)
		return kerr(err, errlen, kf->path, kf->line,
		    "unknown encryption algorithm \"%.80s\"", f[4].s);
	if (enc->unsupp)
		return kerr(err, errlen, kf->path, kf->line,
		    "encryption algorithm \"%s\" is not supported", enc->name);
	if ((integ = alg_find(ike_integ, f[7].s)) == NULL)
		return kerr(err, errlen, kf->path, kf->line,
		    "unknown integrity algorithm \"%.80s\"", f[7].s);
	if (integ->unsupp)
		return kerr(err, errlen, kf->path, kf->line,
		    "integrity algorithm \"%s\" is not supported", integ->name);
	if ((e = spi_field(&f[0], "ISPI", &k.ispi, kf, err, errlen)) != IKE_OK ||
	    (e = spi_field(&f[1], "RSPI", &k.rspi, kf, err, errlen)) != IKE_OK ||
	    (e = hex_field(&f[2], "SK_ei", k.sk_ei, sizeof(k.sk_ei), &ei, kf,
	    err, errlen)) != IKE_OK ||
	    (e = hex_field(&f[3], "SK_er", k.sk_er, sizeof(k.sk_er), &er, kf,
	    err, errlen)) != IKE_OK ||
	    (e = hex_field(&f[5], "SK_ai", k.sk_ai, sizeof(k.sk_ai), &ai, kf,
	    err, errlen)) != IKE_OK ||
	    (e = hex_field(&f[6], "SK_ar", k.sk_ar, sizeof(k.sk_ar), &ar, kf,
	    err, errlen)) != IKE_OK)
		goto out;
	e = IKE_EINVAL;
	if (ei != enc->key_len || er != enc->key_len) {
		kerr(err, errlen, kf->path, kf->line, "%s is %zu bytes, %.*s "
		    "needs %u", ei != enc->key_len ? "SK_ei" : "SK_er",
		    ei != enc->key_len ? ei : er, (int)short_len(enc->name),
		    enc->name, enc->key_len);
		goto out;
	}
	if (is_aead(enc->id) && integ->id != IKEV2_AUTH_NONE) {
		kerr(err, errlen, kf->path, kf->line, "%.*s takes integrity "
		    "NONE, not %.*s", (int)short_len(enc->name), enc->name,
		    (int)short_len(integ->name), integ->name);
		goto out;
	}
	if (ai != integ->key_len || ar != integ->key_len) {
		kerr(err, errlen, kf->path, kf->line, "%s is %zu bytes, %.*s "
		    "needs %u", ai != integ->key_len ? "SK_ai" : "SK_ar",
		    ai != integ->key_len ? ai : ar, (int)short_len(integ->name),
		    integ->name, integ->key_len);
		goto out;
	}
	k.encr = enc->id;
	k.encr_keybits = enc->keybits;
	k.integ = integ->id;
	k.e_len = ei;
	k.a_len = ai;
	e = keytab_add_ike(t, &k);
out:
	wipe(&k, sizeof(k));
	wipe(f, sizeof(f));
	return e;
}

/* load runs one_line over every record line of path. */
static enum ike_err
load(struct keytab *t, const char *path, char *err, size_t errlen,
    enum ike_err (*one_line)(struct keytab *, char *, struct kfile *, char *,
    size_t))
{
	struct kfile	 kf;
	enum ike_err	 e;
	char		*line;
	int		 rc;

	if ((e = kfile_open(&kf, path, err, errlen)) != IKE_OK)
		return e;
	while ((rc = kfile_next(&kf, &line, err, errlen)) == 1) {
		if (blank_or_comment(line))
			continue;
		if ((e = one_line(t, line, &kf, err, errlen)) != IKE_OK)
			break;
	}
	if (rc < 0)
		e = IKE_EIO;
	kfile_close(&kf);
	return e;
}

enum ike_err
keytab_load_ikev2(struct keytab *t, const char *path, char *err, size_t errlen)
{
	return load(t, path, err, errlen, ikev2_line);
}

/* addr_field reads "*" or an address of family af. */
static enum ike_err
addr_field(const struct field *f, const char *what, int af, uint8_t *out,
    bool *any, struct kfile *kf, char *err, size_t errlen)
{
	if (strcmp(f->s, "*") == 0) {
		*any = true;
		return IKE_OK;
	}
	if (strchr(f->s, '*') != NULL)
		return kerr(err, errlen, kf->path, kf->line,
		    "%s: partial wildcards are not supported (only \"*\")",
		    what);
	if (inet_pton(af, f->s, out) != 1)
		return kerr(err, errlen, kf->path, kf->line,
		    "%s: \"%.64s\" is not an %s address", what, f->s,
		    af == AF_INET ? "IPv4" : "IPv6");
	return IKE_OK;
}

/* esp_key reads an ESP key: 0x and hex, or else the string's own bytes
 * (Wireshark's compute_ascii_key). */
static enum ike_err
esp_key(const struct field *f, const char *what, uint8_t *out, size_t cap,
    size_t *out_len, struct kfile *kf, char *err, size_t errlen)
{
	if (f->len >= 2 && f->s[0] == '0' && (f->s[1] == 'x' || f->s[1] == 'X'))
		return hex_field(f, what, out, cap, out_len, kf, err, errlen);
	if (f->len > cap)
		return kerr(err, errlen, kf->path, kf->line, "%s: too long",
		    what);
	memcpy(out, f->s, f->len);
	*out_len = f->len;
	return IKE_OK;
}

static enum ike_err
esp_line(struct keytab *t, char *line, struct kfile *kf, char *err,
    size_t errlen)
{
	struct field		 f[UAT_FIELDS_MAX];
	struct esp_sa_key	 k;
	const struct alg	*enc, *integ, *row;
	const char		*why;
	char			*end, needs[64];
	unsigned long		 spi;
	size_t			 n;
	enum ike_err		 e;

	memset(&k, 0, sizeof(k));
	if (!uat_split(line, f, UAT_FIELDS_MAX, &n, &why))
		return kerr(err, errlen, kf->path, kf->line, "%s", why);
	if (n < UAT_FIELDS)
		return kerr(err, errlen, kf->path, kf->line,
		    "expected 8 fields, found %zu", n);
	if (strcasecmp(f[0].s, "IPv4") == 0)
		k.af = AF_INET;
	else if (strcasecmp(f[0].s, "IPv6") == 0)
		k.af = AF_INET6;
	else
		return kerr(err, errlen, kf->path, kf->line,
		    "protocol \"%.16s\" is not IPv4 or IPv6", f[0].s);
	if ((e = addr_field(&f[1], "source", k.af, k.src, &k.any_src, kf, err,
	    errlen)) != IKE_OK || (e = addr_field(&f[2], "destination", k.af,
	    k.dst, &k.any_dst, kf, err, errlen)) != IKE_OK)
		return e;
	if (strcmp(f[3].s, "*") == 0)
		return kerr(err, errlen, kf->path, kf->line,
		    "SPI: wildcard is not supported");
	errno = 0;
	spi = strtoul(f[3].s, &end, 0);
	if (f[3].len == 0 || *end != '\0' || errno != 0 || spi > UINT32_MAX ||
	    f[3].s[0] == '-')
		return kerr(err, errlen, kf->path, kf->line,
		    "SPI: \"%.16s\" is not a 32-bit number", f[3].s);
	k.spi = (uint32_t)spi;
	if ((enc = alg_find(esp_encr, f[4].s)) == NULL)
		return kerr(err, errlen, kf->path, kf->line,
		    "unknown encryption algorithm \"%.80s\"", f[4].s);
	if (enc->unsupp)
		return kerr(err, errlen, kf->path, kf->line,
		    "encryption algorithm \"%s\" is not supported", enc->name);
	if ((integ = alg_find(esp_integ, f[6].s)) == NULL)
		return kerr(err, errlen, kf->path, kf->line,
		    "unknown authentication algorithm \"%.80s\"", f[6].s);
	if (integ->unsupp)
		return kerr(err, errlen, kf->path, kf->line,
		    "authentication algorithm \"%s\" is not supported",
		    integ->name);
	if ((e = esp_key(&f[5], "encryption key", k.ekey, sizeof(k.ekey),
	    &k.e_len, kf, err, errlen)) != IKE_OK ||
	    (e = esp_key(&f[7], "authentication key", k.akey, sizeof(k.akey),
	    &k.a_len, kf, err, errlen)) != IKE_OK)
		goto out;
	e = IKE_EINVAL;
	if ((row = alg_find_len(esp_encr, enc, k.e_len)) == NULL) {
		alg_needs(esp_encr, enc, needs, sizeof(needs));
		kerr(err, errlen, kf->path, kf->line, "encryption key is %zu "
		    "bytes, %.*s needs %s", k.e_len, (int)short_len(enc->name),
		    enc->name, needs);
		goto out;
	}
	if (is_aead(row->id) && integ->id != IKEV2_AUTH_NONE) {
		kerr(err, errlen, kf->path, kf->line, "%.*s takes "
		    "authentication NULL, not %.*s", (int)short_len(enc->name),
		    enc->name, (int)short_len(integ->name), integ->name);
		goto out;
	}
	if (k.a_len != integ->key_len) {
		kerr(err, errlen, kf->path, kf->line, "authentication key is "
		    "%zu bytes, %.*s needs %u", k.a_len,
		    (int)short_len(integ->name), integ->name, integ->key_len);
		goto out;
	}
	k.encr = row->id;
	k.encr_keybits = row->keybits;
	k.integ = integ->id;
	e = keytab_add_esp(t, &k);
out:
	wipe(&k, sizeof(k));
	wipe(f, sizeof(f));
	return e;
}

enum ike_err
keytab_load_esp(struct keytab *t, const char *path, char *err, size_t errlen)
{
	return load(t, path, err, errlen, esp_line);
}

static int
put_hex(FILE *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fprintf(f, "%02x", p[i]) < 0)
			return -1;
	return 0;
}

static const struct alg *
alg_by_id(const struct alg *tab, uint16_t id, uint16_t keybits, bool any_bits)
{
	if (id == IKEV2_ENCR_CHACHA20_POLY1305 && keybits == 0)
		keybits = 256;
	for (; tab->name != NULL; tab++)
		if (!tab->unsupp && tab->id == id &&
		    (any_bits || tab->keybits == keybits))
			return tab;
	return NULL;
}

int
keytab_write_ikev2(FILE *f, const struct ike_sa_key *k)
{
	const struct alg *enc, *integ;

	if ((enc = alg_by_id(ike_encr, k->encr, k->encr_keybits, false)) ==
	    NULL || (integ = alg_by_id(ike_integ, k->integ, 0, true)) == NULL ||
	    k->e_len > sizeof(k->sk_ei) || k->a_len > sizeof(k->sk_ai)) {
		errno = EINVAL;
		return -1;
	}
	if (fprintf(f, "%016" PRIx64 ",%016" PRIx64 ",", k->ispi, k->rspi) < 0 ||
	    put_hex(f, k->sk_ei, k->e_len) < 0 || fputc(',', f) == EOF ||
	    put_hex(f, k->sk_er, k->e_len) < 0 ||
	    fprintf(f, ",\"%s\",", enc->name) < 0 ||
	    put_hex(f, k->sk_ai, k->a_len) < 0 || fputc(',', f) == EOF ||
	    put_hex(f, k->sk_ar, k->a_len) < 0 ||
	    fprintf(f, ",\"%s\"\n", integ->name) < 0)
		return -1;
	return 0;
}

int
keytab_write_esp(FILE *f, const struct esp_sa_key *k)
{
	const struct alg	*enc, *integ;
	char			 src[ADDR_STR_MAX], dst[ADDR_STR_MAX];

	if ((enc = alg_by_id(esp_encr, k->encr, k->encr_keybits, false)) ==
	    NULL || (integ = alg_by_id(esp_integ, k->integ, 0, true)) == NULL ||
	    k->e_len > sizeof(k->ekey) || k->a_len > sizeof(k->akey) ||
	    (k->af != AF_INET && k->af != AF_INET6)) {
		errno = EINVAL;
		return -1;
	}
	if (k->any_src || k->any_addr)
		strcpy(src, "*");
	else if (inet_ntop(k->af, k->src, src, sizeof(src)) == NULL)
		return -1;
	if (k->any_dst || k->any_addr)
		strcpy(dst, "*");
	else if (inet_ntop(k->af, k->dst, dst, sizeof(dst)) == NULL)
		return -1;
	if (fprintf(f, "\"%s\",\"%s\",\"%s\",\"0x%08" PRIx32 "\",\"%s\",\"0x",
	    k->af == AF_INET ? "IPv4" : "IPv6", src, dst, k->spi,
	    enc->name) < 0 || put_hex(f, k->ekey, k->e_len) < 0 ||
	    fprintf(f, "\",\"%s\",\"0x", integ->name) < 0 ||
	    put_hex(f, k->akey, k->a_len) < 0 || fputs("\"\n", f) == EOF)
		return -1;
	return 0;
}
