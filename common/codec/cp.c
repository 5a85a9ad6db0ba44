/* SPDX-License-Identifier: ISC */
/* Configuration payload (RFC 7296 3.15): CFG type and attributes with their lengths. */
#include "codec/cp.h"
#include "names/ikev2.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

enum { CP_ATTR_R = 0x8000 };	/* the reserved bit before Attribute Type */

/* Value length of each known attribute when not empty (3.15.1); 0xffff is
 * any length, and mult says it is whole units of that many bytes. */
static const struct {
	uint16_t	 type;
	uint16_t	 len;
	uint8_t		 mult;
} attr_lens[] = {
	{ IKEV2_CP_INTERNAL_IP4_ADDRESS,	 4, 0 },
	{ IKEV2_CP_INTERNAL_IP4_NETMASK,	 4, 0 },
	{ IKEV2_CP_INTERNAL_IP4_DNS,		 4, 0 },
	{ IKEV2_CP_INTERNAL_IP4_NBNS,		 4, 0 },
	{ IKEV2_CP_INTERNAL_IP4_DHCP,		 4, 0 },
	{ IKEV2_CP_APPLICATION_VERSION,		 0xffff, 0 },
	{ IKEV2_CP_INTERNAL_IP6_ADDRESS,	17, 0 },	/* address | prefix */
	{ IKEV2_CP_INTERNAL_IP6_DNS,		16, 0 },
	{ IKEV2_CP_INTERNAL_IP6_DHCP,		16, 0 },
	{ IKEV2_CP_INTERNAL_IP4_SUBNET,		 8, 0 },	/* address | mask */
	{ IKEV2_CP_SUPPORTED_ATTRIBUTES,	 0xffff, 2 },
	{ IKEV2_CP_INTERNAL_IP6_SUBNET,		17, 0 },
};

static bool
attr_len_ok(uint16_t type, size_t len)
{
	size_t i;

	if (len == 0)
		return true;	/* a request asks with empty values */
	for (i = 0; i < NELEM(attr_lens); i++) {
		if (attr_lens[i].type != type)
			continue;
		if (attr_lens[i].mult != 0 && len % attr_lens[i].mult != 0)
			return false;
		return attr_lens[i].len == 0xffff || attr_lens[i].len == len;
	}
	return true;
}

enum ike_err
cp_parse(struct rd *body, struct cp_pld *out)
{
	struct rd r = *body;

	/* CFG Type | RESERVED (3) | Configuration Attributes */
	if (!rd_u8(&r, &out->cfg_type) || !rd_skip(&r, 3))
		return IKE_ETRUNC;
	out->n_attrs = 0;
	while (r.len != 0) {
		struct cp_attr	*a;
		uint16_t	 t, len;

		if (out->n_attrs == CP_MAX_ATTRS)
			return IKE_ETOOBIG;
		a = &out->attrs[out->n_attrs];
		/* R | Attribute Type (15) | Length | Value */
		if (!rd_u16(&r, &t) || !rd_u16(&r, &len))
			return IKE_ETRUNC;
		if (!rd_split(&r, &a->value, len))
			return IKE_ETRUNC;
		a->type = t & ~CP_ATTR_R;
		if (!attr_len_ok(a->type, len))
			return IKE_ESYNTAX;
		out->n_attrs++;
	}
	*body = r;
	return IKE_OK;
}

void
cp_put(struct wr *w, const struct cp_pld *cp)
{
	uint8_t i;

	wr_u8(w, cp->cfg_type);
	wr_zero(w, 3);
	for (i = 0; i < cp->n_attrs && i < CP_MAX_ATTRS; i++) {
		const struct cp_attr *a = &cp->attrs[i];

		if (a->value.len > UINT16_MAX) {
			w->err = true;
			return;
		}
		wr_u16(w, a->type & ~CP_ATTR_R);
		wr_u16(w, (uint16_t)a->value.len);
		wr_bytes(w, a->value.p, a->value.len);
	}
}
