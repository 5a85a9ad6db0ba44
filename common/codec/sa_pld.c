/* SPDX-License-Identifier: ISC */
/* SA payload (RFC 7296 3.3): proposals, transforms, attributes, with every count checked. */
#include <string.h>

#include "codec/sa_pld.h"
#include "names/ikev2.h"

enum {
	PROP_HDR_LEN	= 8,	/* last, reserved, length, num, proto, spi size, n */
	XFORM_HDR_LEN	= 8,	/* last, reserved, length, type, reserved, id */
};

/* substruc reads the shape proposals and transforms share (3.3.1, 3.3.2):
 * Last Substruc | RESERVED | Length, and sets body to the rest of it. */
static enum ike_err
substruc(struct rd *r, uint8_t *last, struct rd *body, size_t min)
{
	struct rd	 s = *r;
	uint16_t	 len;

	if (!rd_u8(&s, last) || !rd_skip(&s, 1) || !rd_u16(&s, &len))
		return IKE_ETRUNC;
	if (len < min)
		return IKE_ESYNTAX;
	if (!rd_split(&s, body, len - 4))
		return IKE_ETRUNC;
	*r = s;
	return IKE_OK;
}

/* last_ok checks the "last" byte against what is left (3.3.1). */
static bool
last_ok(uint8_t last, uint8_t more, size_t left)
{
	if (last == 0)
		return left == 0;
	return last == more && left != 0;
}

/* attrs_parse reads a transform's attributes (3.3.5): AF=1 is TV with the
 * value in the length field, AF=0 is TLV. */
static enum ike_err
attrs_parse(struct rd *r, struct sa_xform *x)
{
	bool have_kl = false;

	while (r->len != 0) {
		uint16_t	 t, v;
		struct rd	 val;

		if (!rd_u16(r, &t) || !rd_u16(r, &v))
			return IKE_ETRUNC;
		if (!(t & IKEV2_ATTR_AF) && !rd_split(r, &val, v))
			return IKE_ETRUNC;
		switch (t & ~IKEV2_ATTR_AF) {
		case IKEV2_ATTR_KEY_LENGTH:
			/* Key Length is TV only, once */
			if (!(t & IKEV2_ATTR_AF) || have_kl || v == 0)
				return IKE_ESYNTAX;
			have_kl = true;
			x->key_len = v;
			break;
		default:
			x->unknown_attr = true;
			break;
		}
	}
	return IKE_OK;
}

static enum ike_err
xform_parse(struct rd *r, struct sa_xform *x)
{
	uint8_t		 type;
	uint16_t	 id;

	/* Transform Type | RESERVED | Transform ID | Transform Attributes */
	if (!rd_u8(r, &type) || !rd_skip(r, 1) || !rd_u16(r, &id))
		return IKE_ETRUNC;
	memset(x, 0, sizeof(*x));
	x->type = type;
	x->id = id;
	return attrs_parse(r, x);
}

/* spi_len_ok checks the SPI size for the protocol (3.3.1). */
static bool
spi_len_ok(uint8_t proto, uint8_t len)
{
	switch (proto) {
	case IKEV2_PROTO_IKE:
		/* 0 in IKE_SA_INIT, 8 when rekeying the IKE SA */
		return len == 0 || len == 8;
	case IKEV2_PROTO_AH:
	case IKEV2_PROTO_ESP:
		return len == 4;
	default:
		return false;
	}
}

static enum ike_err
prop_parse(struct rd *r, struct sa_prop *p)
{
	uint8_t		 n_xforms, i;
	enum ike_err	 e;

	/* Proposal Num | Protocol ID | SPI Size | Num Transforms | SPI */
	if (!rd_u8(r, &p->num) || !rd_u8(r, &p->proto) ||
	    !rd_u8(r, &p->spi_len) || !rd_u8(r, &n_xforms))
		return IKE_ETRUNC;
	if (!spi_len_ok(p->proto, p->spi_len))
		return IKE_ESYNTAX;
	if (!rd_copy(r, p->spi, p->spi_len))
		return IKE_ETRUNC;
	if (n_xforms > SA_MAX_XFORMS)
		return IKE_ETOOBIG;
	p->n_xforms = 0;
	for (i = 0; r->len != 0; i++) {
		struct rd	 body;
		uint8_t		 last;

		if (i == n_xforms)
			return IKE_ESYNTAX;	/* more than declared */
		if ((e = substruc(r, &last, &body, XFORM_HDR_LEN)) != IKE_OK)
			return e;
		if (!last_ok(last, XFORM_MORE, r->len))
			return IKE_ESYNTAX;
		if ((e = xform_parse(&body, &p->xforms[i])) != IKE_OK)
			return e;
		p->n_xforms++;
	}
	if (p->n_xforms != n_xforms)
		return IKE_ESYNTAX;	/* fewer than declared */
	return IKE_OK;
}

enum ike_err
sa_pld_parse(struct rd *body, struct sa_pld *out)
{
	struct rd	 r = *body;
	enum ike_err	 e;

	out->n_props = 0;
	if (r.len == 0)
		return IKE_ESYNTAX;
	while (r.len != 0) {
		struct sa_prop	*p;
		struct rd	 pb;
		uint8_t		 last;

		if (out->n_props == SA_MAX_PROPS)
			return IKE_ETOOBIG;
		if ((e = substruc(&r, &last, &pb, PROP_HDR_LEN)) != IKE_OK)
			return e;
		if (!last_ok(last, PROP_MORE, r.len))
			return IKE_ESYNTAX;
		p = &out->props[out->n_props];
		if ((e = prop_parse(&pb, p)) != IKE_OK)
			return e;
		/* 3.3.1: numbered from 1, each one more than the one before
		 * (a reply's one proposal keeps the number it had) */
		if (p->num == 0 || (out->n_props > 0 &&
		    p->num != out->props[out->n_props - 1].num + 1))
			return IKE_ESYNTAX;
		out->n_props++;
	}
	*body = r;
	return IKE_OK;
}

void
sa_pld_put(struct wr *w, const struct sa_pld *sa)
{
	uint8_t i, j;

	for (i = 0; i < sa->n_props; i++) {
		const struct sa_prop	*p = &sa->props[i];
		size_t			 start = w->len;

		wr_u8(w, i + 1 == sa->n_props ? 0 : PROP_MORE);
		wr_u8(w, 0);
		(void)wr_hole(w, 2);
		wr_u8(w, p->num);
		wr_u8(w, p->proto);
		wr_u8(w, p->spi_len);
		wr_u8(w, p->n_xforms);
		if (p->spi_len > SA_MAX_SPI)
			w->err = true;
		else
			wr_bytes(w, p->spi, p->spi_len);
		for (j = 0; j < p->n_xforms; j++) {
			const struct sa_xform	*x = &p->xforms[j];

			wr_u8(w, j + 1 == p->n_xforms ? 0 : XFORM_MORE);
			wr_u8(w, 0);
			wr_u16(w, x->key_len != 0 ? XFORM_HDR_LEN + 4 :
			    XFORM_HDR_LEN);
			wr_u8(w, x->type);
			wr_u8(w, 0);
			wr_u16(w, x->id);
			if (x->key_len != 0) {
				wr_u16(w, IKEV2_ATTR_AF | IKEV2_ATTR_KEY_LENGTH);
				wr_u16(w, x->key_len);
			}
		}
		if (w->len - start > UINT16_MAX)
			w->err = true;
		else
			wr_u16_at(w, start + 2, (uint16_t)(w->len - start));
	}
}

bool
sa_prop_add_xform(struct sa_prop *p, uint8_t type, uint16_t id,
    uint16_t key_len)
{
	struct sa_xform *x;

	if (p->n_xforms >= SA_MAX_XFORMS)
		return false;
	x = &p->xforms[p->n_xforms++];
	memset(x, 0, sizeof(*x));
	x->type = type;
	x->id = id;
	x->key_len = key_len;
	return true;
}

const struct sa_xform *
sa_prop_find(const struct sa_prop *p, uint8_t type)
{
	uint8_t i;

	for (i = 0; i < p->n_xforms; i++)
		if (p->xforms[i].type == type)
			return &p->xforms[i];
	return NULL;
}
