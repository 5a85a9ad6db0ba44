/* SPDX-License-Identifier: ISC */
/* Proposal strings to and from SA payload proposals, and choosing one (RFC 7296 2.7, 3.3). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crypto/dh.h"
#include "crypto/keys.h"
#include "crypto/prf.h"
#include "names/names.h"
#include "proposal/internal.h"
#include "proposal/proposal.h"

enum { N_TYPES = 5 };	/* ENCR PRF INTEG DH ESN: the types we know */

/* The order transforms are stored and sent in, and the order they print in
 * (strongSwan's: encryption, integrity, PRF, DH, ESN). */
static const uint8_t store_order[N_TYPES] = {
	IKEV2_XFORM_ENCR, IKEV2_XFORM_PRF, IKEV2_XFORM_INTEG, IKEV2_XFORM_DH,
	IKEV2_XFORM_ESN,
};
static const uint8_t print_order[N_TYPES] = {
	IKEV2_XFORM_ENCR, IKEV2_XFORM_INTEG, IKEV2_XFORM_PRF, IKEV2_XFORM_DH,
	IKEV2_XFORM_ESN,
};

/* The PRF an integrity keyword implies in an IKE proposal without one. */
static const struct {
	uint16_t	 integ, prf;
} integ_prf[] = {
	{ IKEV2_AUTH_HMAC_SHA1_96,	IKEV2_PRF_HMAC_SHA1 },
	{ IKEV2_AUTH_HMAC_SHA2_256_128,	IKEV2_PRF_HMAC_SHA2_256 },
	{ IKEV2_AUTH_HMAC_SHA2_384_192,	IKEV2_PRF_HMAC_SHA2_384 },
	{ IKEV2_AUTH_HMAC_SHA2_512_256,	IKEV2_PRF_HMAC_SHA2_512 },
	{ IKEV2_AUTH_AES_XCBC_96,	IKEV2_PRF_AES128_XCBC },
};

static bool
known_type(uint8_t type)
{
	return type >= IKEV2_XFORM_ENCR && type <= IKEV2_XFORM_ESN;
}

static __attribute__((format(printf, 3, 4))) enum ike_err
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return IKE_EINVAL;
}

/* ---- parsing ---------------------------------------------------------- */

/* What one proposal string names, sorted by type while it is read. */
struct kw_set {
	const struct prop_kw	*kw[N_TYPES + 1][SA_MAX_XFORMS];
	uint8_t			 n[N_TYPES + 1];
	unsigned		 total;
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* trim narrows [*s, *s + *len) to leave out blanks at both ends. */
static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_blank((*s)[*len - 1]))
		(*len)--;
}

static bool
kw_set_has(const struct kw_set *ks, const struct prop_kw *kw)
{
	uint8_t i;

	for (i = 0; i < ks->n[kw->type]; i++) {
		const struct prop_kw *o = ks->kw[kw->type][i];

		if (o->id == kw->id && o->key_len == kw->key_len)
			return true;
	}
	return false;
}

/* add_kw reads one keyword into ks; num and pos name it in messages. */
static enum ike_err
add_kw(struct kw_set *ks, uint8_t proto, unsigned num, unsigned pos,
    const char *w, size_t len, char *err, size_t errlen)
{
	const struct prop_kw	*kw;
	int			 wl = len < KW_NAME_MAX ? (int)len : KW_NAME_MAX;
	const char		*more = len < KW_NAME_MAX ? "" : "...";

	if (len == 0)
		return fail(err, errlen,
		    "proposal %u, algorithm %u: empty algorithm name", num, pos);
	kw = len < KW_NAME_MAX ? prop_kw_find(w, len) : NULL;
	if (kw == NULL)
		return fail(err, errlen,
		    "proposal %u, algorithm %u: %.*s%s: unknown algorithm",
		    num, pos, wl, w, more);
	if (kw->flags & KW_WEAK)
		return fail(err, errlen, "proposal %u, algorithm %u: %.*s: "
		    "weak algorithm, refused (RFC 8247)", num, pos, wl, w);
	if (kw->flags & KW_UNIMPL)
		return fail(err, errlen, "proposal %u, algorithm %u: %.*s: "
		    "not implemented", num, pos, wl, w);
	if (kw->type == IKEV2_XFORM_PRF && proto != IKEV2_PROTO_IKE)
		return fail(err, errlen, "proposal %u, algorithm %u: %.*s: "
		    "a PRF belongs in IKE proposals only", num, pos, wl, w);
	if (kw->type == IKEV2_XFORM_ESN && proto == IKEV2_PROTO_IKE)
		return fail(err, errlen, "proposal %u, algorithm %u: %.*s: "
		    "ESN belongs in ESP proposals only", num, pos, wl, w);
	if (kw->type == IKEV2_XFORM_ENCR && kw->id == IKEV2_ENCR_NULL &&
	    proto == IKEV2_PROTO_IKE)
		return fail(err, errlen, "proposal %u, algorithm %u: %.*s: "
		    "IKE proposals need real encryption", num, pos, wl, w);
	if (kw_set_has(ks, kw))
		return fail(err, errlen, "proposal %u, algorithm %u: %.*s: "
		    "given twice", num, pos, wl, w);
	if (ks->total == SA_MAX_XFORMS)
		return fail(err, errlen, "proposal %u: too many algorithms "
		    "(at most %d)", num, SA_MAX_XFORMS);
	ks->kw[kw->type][ks->n[kw->type]++] = kw;
	ks->total++;
	return IKE_OK;
}

/* check_set applies strongSwan's check_proposal() rules (see proposal.h)
 * and adds the implied PRFs and ESN NO. */
static enum ike_err
check_set(struct kw_set *ks, uint8_t proto, unsigned num, char *err,
    size_t errlen)
{
	const struct prop_kw	*aead = NULL, *classic = NULL;
	uint8_t			 i;
	size_t			 j;

	if (ks->n[IKEV2_XFORM_ENCR] == 0)
		return fail(err, errlen, "proposal %u: no encryption algorithm",
		    num);
	for (i = 0; i < ks->n[IKEV2_XFORM_ENCR]; i++) {
		const struct prop_kw *kw = ks->kw[IKEV2_XFORM_ENCR][i];

		if (encr_is_aead(kw->id)) {
			if (aead == NULL)
				aead = kw;
		} else if (classic == NULL)
			classic = kw;
	}
	if (aead != NULL && classic != NULL)
		return fail(err, errlen, "proposal %u: %s is AEAD and %s is "
		    "not: give them separate proposals", num, aead->name,
		    classic->name);
	if (aead != NULL && ks->n[IKEV2_XFORM_INTEG] > 0)
		return fail(err, errlen, "proposal %u: %s: no integrity "
		    "algorithm with AEAD %s: give them separate proposals", num,
		    ks->kw[IKEV2_XFORM_INTEG][0]->name, aead->name);
	if (classic != NULL && ks->n[IKEV2_XFORM_INTEG] == 0)
		return fail(err, errlen, "proposal %u: %s needs an integrity "
		    "algorithm", num, classic->name);

	if (proto == IKEV2_PROTO_IKE) {
		/* strongSwan: "No explicit PRF found. We assume the same
		 * algorithm as used for integrity checking." */
		if (ks->n[IKEV2_XFORM_PRF] == 0) {
			for (i = 0; i < ks->n[IKEV2_XFORM_INTEG]; i++) {
				uint16_t integ = ks->kw[IKEV2_XFORM_INTEG][i]->id;

				for (j = 0; j < sizeof(integ_prf) /
				    sizeof(integ_prf[0]); j++) {
					const struct prop_kw *p;
					const char *name;

					if (integ_prf[j].integ != integ)
						continue;
					name = prop_kw_name(IKEV2_XFORM_PRF,
					    integ_prf[j].prf, 0);
					p = prop_kw_find(name, strlen(name));
					ks->kw[IKEV2_XFORM_PRF]
					    [ks->n[IKEV2_XFORM_PRF]++] = p;
					ks->total++;
				}
			}
		}
		if (ks->n[IKEV2_XFORM_PRF] == 0)
			return fail(err, errlen, "proposal %u: AEAD %s needs a "
			    "PRF in an IKE proposal (such as prfsha256)", num,
			    aead != NULL ? aead->name : "cipher");
		if (ks->n[IKEV2_XFORM_DH] == 0)
			return fail(err, errlen, "proposal %u: no DH group "
			    "(IKE needs one, such as x25519)", num);
	} else if (ks->n[IKEV2_XFORM_ESN] == 0) {
		/* strongSwan: "ESN not specified, assume not supported" */
		ks->kw[IKEV2_XFORM_ESN][ks->n[IKEV2_XFORM_ESN]++] =
		    prop_kw_find("noesn", 5);
		ks->total++;
	}
	if (ks->total > SA_MAX_XFORMS)
		return fail(err, errlen, "proposal %u: too many algorithms "
		    "(at most %d)", num, SA_MAX_XFORMS);
	return IKE_OK;
}

/* parse_one reads the proposal s[0..len) as number num into p. */
static enum ike_err
parse_one(struct sa_prop *p, uint8_t proto, unsigned num, const char *s,
    size_t len, char *err, size_t errlen)
{
	struct kw_set	 ks;
	unsigned	 pos = 0;
	uint8_t		 t, i;
	enum ike_err	 e;

	trim(&s, &len);
	if (len == 0)
		return fail(err, errlen, "proposal %u: empty proposal", num);
	memset(&ks, 0, sizeof(ks));
	for (;;) {
		const char	*dash = memchr(s, '-', len);
		size_t		 wlen = dash != NULL ? (size_t)(dash - s) : len;
		const char	*w = s;

		trim(&w, &wlen);
		e = add_kw(&ks, proto, num, ++pos, w, wlen, err, errlen);
		if (e != IKE_OK)
			return e;
		if (dash == NULL)
			break;
		len -= (size_t)(dash - s) + 1;
		s = dash + 1;
	}
	if ((e = check_set(&ks, proto, num, err, errlen)) != IKE_OK)
		return e;

	memset(p, 0, sizeof(*p));
	p->num = (uint8_t)num;
	p->proto = proto;
	for (t = 0; t < N_TYPES; t++) {
		uint8_t type = store_order[t];

		for (i = 0; i < ks.n[type]; i++)
			(void)sa_prop_add_xform(p, type, ks.kw[type][i]->id,
			    ks.kw[type][i]->key_len);
	}
	return IKE_OK;
}

enum ike_err
proposal_parse(struct sa_pld *out, uint8_t proto, const char *s, char *err,
    size_t errlen)
{
	unsigned	 num = 0;
	enum ike_err	 e;

	out->n_props = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (proto != IKEV2_PROTO_IKE && proto != IKEV2_PROTO_ESP)
		return fail(err, errlen, "protocol %u: only IKE and ESP "
		    "proposals are supported", proto);
	if (s == NULL || s[strspn(s, " \t")] == '\0')
		return fail(err, errlen, "empty proposal string");
	for (;;) {
		const char	*comma = strchr(s, ',');
		size_t		 len = comma != NULL ? (size_t)(comma - s) :
				    strlen(s);

		if (++num > SA_MAX_PROPS) {
			out->n_props = 0;
			return fail(err, errlen, "too many proposals (at most "
			    "%d)", SA_MAX_PROPS);
		}
		e = parse_one(&out->props[num - 1], proto, num, s, len, err,
		    errlen);
		if (e != IKE_OK) {
			out->n_props = 0;
			return e;
		}
		out->n_props = (uint8_t)num;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	return IKE_OK;
}

/* ---- printing --------------------------------------------------------- */

/* An snprintf-like appender: len counts what the whole text needs. */
struct out {
	char	*buf;
	size_t	 n, len;
};

static __attribute__((format(printf, 2, 3))) void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;
	size_t	 at = o->len < o->n ? o->len : (o->n > 0 ? o->n - 1 : 0);

	va_start(ap, fmt);
	r = vsnprintf(o->n > 0 ? o->buf + at : NULL, o->n > at ? o->n - at : 0,
	    fmt, ap);
	va_end(ap);
	if (r > 0)
		o->len += (size_t)r;
}

static void
out_init(struct out *o, char *buf, size_t n)
{
	o->buf = buf;
	o->n = n;
	o->len = 0;
	if (n > 0)
		buf[0] = '\0';
}

static void
format_short(struct out *o, const struct sa_prop *p)
{
	const char	*sep = "";
	uint8_t		 t, i;

	for (t = 0; t <= N_TYPES; t++) {
		for (i = 0; i < p->n_xforms; i++) {
			const struct sa_xform	*x = &p->xforms[i];
			const char		*name;

			/* the known types in print order, then the rest */
			if (t < N_TYPES ? x->type != print_order[t] :
			    known_type(x->type))
				continue;
			name = prop_kw_name(x->type, x->id, x->key_len);
			if (name != NULL)
				out_printf(o, "%s%s", sep, name);
			else if (x->key_len != 0)
				out_printf(o, "%sUNKNOWN_%u_%u_%u", sep, x->type,
				    x->id, x->key_len);
			else
				out_printf(o, "%sUNKNOWN_%u_%u", sep, x->type,
				    x->id);
			sep = "-";
		}
	}
}

size_t
proposal_format(const struct sa_prop *p, char *buf, size_t n)
{
	struct out o;

	out_init(&o, buf, n);
	format_short(&o, p);
	return o.len;
}

size_t
proposal_format_pld(const struct sa_pld *sa, char *buf, size_t n)
{
	struct out	 o;
	uint8_t		 i;

	out_init(&o, buf, n);
	for (i = 0; i < sa->n_props; i++) {
		if (i > 0)
			out_printf(&o, ",");
		format_short(&o, &sa->props[i]);
	}
	return o.len;
}

size_t
proposal_format_long(const struct sa_prop *p, char *buf, size_t n)
{
	struct out	 o;
	const char	*proto = ikev2_proto_name(p->proto);
	const char	*sep = "";
	uint8_t		 t, i;

	out_init(&o, buf, n);
	if (proto != NULL)
		out_printf(&o, "%s:", proto);
	else
		out_printf(&o, "PROTO_%u:", p->proto);
	for (t = 0; t <= N_TYPES; t++) {
		for (i = 0; i < p->n_xforms; i++) {
			const struct sa_xform	*x = &p->xforms[i];
			const char		*name;

			if (t < N_TYPES ? x->type != print_order[t] :
			    known_type(x->type))
				continue;
			name = ikev2_xform_id_name(x->type, x->id);
			if (name != NULL)
				out_printf(&o, "%s%s", sep, name);
			else
				out_printf(&o, "%sUNKNOWN_%u_%u", sep, x->type,
				    x->id);
			if (x->key_len != 0)
				out_printf(&o, "_%u", x->key_len);
			sep = "/";
		}
	}
	return o.len;
}

/* ---- selection -------------------------------------------------------- */

static bool
has_type(const struct sa_prop *p, uint8_t type)
{
	return sa_prop_find(p, type) != NULL;
}

static bool
has_xform(const struct sa_prop *p, uint8_t type, uint16_t id,
    uint16_t key_len)
{
	uint8_t i;

	for (i = 0; i < p->n_xforms; i++) {
		const struct sa_xform *x = &p->xforms[i];

		if (x->type == type && x->id == id && x->key_len == key_len &&
		    !x->unknown_attr)
			return true;
	}
	return false;
}

/* none_type says whether an absent type reads as ID 0 (INTEG NONE, DH
 * NONE, ESN NO): RFC 7296 3.3.3 lets NONE be offered or left out. */
static bool
none_type(uint8_t type)
{
	return type == IKEV2_XFORM_INTEG || type == IKEV2_XFORM_DH ||
	    type == IKEV2_XFORM_ESN;
}

/* match builds in c the peer's offer off narrowed by our proposal m, one
 * transform per type, the peer's first choice first; false if off is not
 * acceptable under m. */
static bool
match(const struct sa_prop *m, const struct sa_prop *off, struct sa_prop *c)
{
	uint8_t t, i;

	if (m->proto != off->proto)
		return false;
	for (i = 0; i < off->n_xforms; i++)
		if (!known_type(off->xforms[i].type))
			return false;	/* 3.3.6: unknown type, whole proposal */
	memset(c, 0, sizeof(*c));
	c->num = off->num;
	c->proto = off->proto;
	c->spi_len = off->spi_len <= SA_MAX_SPI ? off->spi_len : 0;
	memcpy(c->spi, off->spi, c->spi_len);
	for (t = 0; t < N_TYPES; t++) {
		uint8_t		 type = store_order[t];
		bool		 in_m = has_type(m, type);
		bool		 in_off = has_type(off, type);
		bool		 found = false;

		if (!in_m && !in_off)
			continue;
		for (i = 0; i < off->n_xforms && !found; i++) {
			const struct sa_xform *x = &off->xforms[i];

			/* 3.3.6: an unknown attribute voids the transform */
			if (x->type != type || x->unknown_attr ||
			    !has_xform(m, type, x->id, x->key_len))
				continue;
			(void)sa_prop_add_xform(c, type, x->id, x->key_len);
			found = true;
		}
		if (found)
			continue;
		if (!none_type(type))
			return false;
		if (!in_off && has_xform(m, type, 0, 0))
			continue;	/* NONE left out by the peer */
		if (in_m || !has_xform(off, type, 0, 0))
			return false;
		/* NONE offered, and NONE is all we take */
		(void)sa_prop_add_xform(c, type, 0, 0);
	}
	return c->n_xforms > 0;
}

enum ike_err
proposal_select(const struct sa_pld *mine, const struct sa_pld *offered,
    struct sa_prop *chosen, uint8_t *chosen_num)
{
	struct sa_prop	 c;
	uint8_t		 i, j;

	/* 2.7: the initiator's order is its preference; take its first
	 * proposal that any of ours accepts */
	for (i = 0; i < offered->n_props; i++) {
		for (j = 0; j < mine->n_props; j++) {
			if (!match(&mine->props[j], &offered->props[i], &c))
				continue;
			*chosen = c;
			if (chosen_num != NULL)
				*chosen_num = c.num;
			return IKE_OK;
		}
	}
	return IKE_ENOPROP;
}

bool
proposal_accept_reply(const struct sa_pld *offered, const struct sa_prop *reply)
{
	const struct sa_prop	*o = NULL;
	uint8_t			 i, j, t;

	for (i = 0; i < offered->n_props && o == NULL; i++)
		if (offered->props[i].num == reply->num &&
		    offered->props[i].proto == reply->proto)
			o = &offered->props[i];
	if (o == NULL || reply->n_xforms == 0)
		return false;
	/* 2.7: exactly one transform of each type, each one we offered */
	for (i = 0; i < reply->n_xforms; i++) {
		const struct sa_xform *x = &reply->xforms[i];

		if (!known_type(x->type) || x->unknown_attr ||
		    !has_xform(o, x->type, x->id, x->key_len))
			return false;
		for (j = 0; j < i; j++)
			if (reply->xforms[j].type == x->type)
				return false;
	}
	/* and every type we offered, unless it could be NONE */
	for (t = 0; t < N_TYPES; t++) {
		uint8_t type = store_order[t];

		if (has_type(o, type) && !has_type(reply, type) &&
		    !(none_type(type) && has_xform(o, type, 0, 0)))
			return false;
	}
	return true;
}

/* ---- a chosen proposal ------------------------------------------------ */

uint16_t
proposal_encr(const struct sa_prop *p, uint16_t *out_keybits)
{
	const struct sa_xform *x = sa_prop_find(p, IKEV2_XFORM_ENCR);

	if (out_keybits != NULL)
		*out_keybits = x != NULL ? x->key_len : 0;
	return x != NULL ? x->id : 0;
}

static uint16_t
xform_id(const struct sa_prop *p, uint8_t type)
{
	const struct sa_xform *x = sa_prop_find(p, type);

	return x != NULL ? x->id : 0;
}

uint16_t
proposal_prf(const struct sa_prop *p)
{
	return xform_id(p, IKEV2_XFORM_PRF);
}

uint16_t
proposal_integ(const struct sa_prop *p)
{
	return xform_id(p, IKEV2_XFORM_INTEG);
}

uint16_t
proposal_dh_group(const struct sa_prop *p)
{
	return xform_id(p, IKEV2_XFORM_DH);
}

bool
proposal_esn(const struct sa_prop *p)
{
	return xform_id(p, IKEV2_XFORM_ESN) == IKEV2_ESN_YES;
}

bool
proposal_supported(const struct sa_prop *p)
{
	const struct sa_xform	*x;
	uint8_t			 count[N_TYPES + 1] = { 0 };
	bool			 ike = p->proto == IKEV2_PROTO_IKE, aead;
	uint8_t			 i;

	if (!ike && p->proto != IKEV2_PROTO_ESP)
		return false;
	for (i = 0; i < p->n_xforms; i++) {
		x = &p->xforms[i];
		if (!known_type(x->type) || x->unknown_attr ||
		    ++count[x->type] > 1)
			return false;
	}
	/* encryption: always, and real for IKE */
	if ((x = sa_prop_find(p, IKEV2_XFORM_ENCR)) == NULL ||
	    !encr_supported(x->id, x->key_len) ||
	    (ike && x->id == IKEV2_ENCR_NULL))
		return false;
	aead = encr_is_aead(x->id);
	/* integrity exactly when the cipher is not AEAD (NONE may be said) */
	x = sa_prop_find(p, IKEV2_XFORM_INTEG);
	if (aead ? x != NULL && x->id != IKEV2_AUTH_NONE :
	    x == NULL || integ_key_len(x->id) == 0)
		return false;
	x = sa_prop_find(p, IKEV2_XFORM_PRF);
	if (ike ? x == NULL || prf_len(x->id) == 0 : x != NULL)
		return false;
	x = sa_prop_find(p, IKEV2_XFORM_DH);
	if (ike ? x == NULL || dh_pub_len(x->id) == 0 :
	    x != NULL && x->id != IKEV2_DH_NONE && dh_pub_len(x->id) == 0)
		return false;
	x = sa_prop_find(p, IKEV2_XFORM_ESN);
	if (ike ? x != NULL :
	    x != NULL && x->id != IKEV2_ESN_NO && x->id != IKEV2_ESN_YES)
		return false;
	return true;
}

enum ike_err
proposal_ike_suite(const struct sa_prop *p, struct ike_suite *out)
{
	if (p->proto != IKEV2_PROTO_IKE || !proposal_supported(p))
		return IKE_ENOPROP;
	out->encr = proposal_encr(p, &out->encr_keybits);
	out->integ = proposal_integ(p);
	out->prf = proposal_prf(p);
	out->dh = proposal_dh_group(p);
	return IKE_OK;
}

void
proposal_strip_dh(struct sa_pld *sa)
{
	uint8_t i, j, k;

	for (i = 0; i < sa->n_props; i++) {
		struct sa_prop *p = &sa->props[i];

		for (j = k = 0; j < p->n_xforms; j++)
			if (p->xforms[j].type != IKEV2_XFORM_DH)
				p->xforms[k++] = p->xforms[j];
		p->n_xforms = k;
	}
}
