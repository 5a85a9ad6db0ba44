/* SPDX-License-Identifier: ISC */
/* A one-line summary of the packet a decrypted ESP packet carried (RFC 4303 2.6). */
#include <string.h>

#include "decode.h"

enum {
	NH_IPV4		= 4,
	NH_IPV6		= 41,
	NH_NONE		= 59,	/* dummy packet (RFC 4303 2.6) */
	P_ICMP		= 1,
	P_TCP		= 6,
	P_UDP		= 17,
	P_ICMPV6	= 58,
	P_SCTP		= 132,
	V6_HOPOPTS	= 0,
	V6_ROUTING	= 43,
	V6_FRAGMENT	= 44,
	V6_DSTOPTS	= 60,
	V6_EXT_MAX	= 8,
};

/* l4 reads ports or the ICMP type from a transport header. */
static void
l4(struct rd r, struct dinner *out)
{
	uint16_t	 sp, dp;
	uint8_t		 t, c;

	switch (out->proto) {
	case P_TCP:
	case P_UDP:
	case P_SCTP:
		if (rd_u16(&r, &sp) && rd_u16(&r, &dp)) {
			out->sport = sp;
			out->dport = dp;
			out->has_ports = true;
		}
		break;
	case P_ICMP:
	case P_ICMPV6:
		if (rd_u8(&r, &t) && rd_u8(&r, &c)) {
			out->icmp_type = t;
			out->icmp_code = c;
			out->has_icmp = true;
		}
		break;
	}
}

static void
ipv4(struct rd r, struct dinner *out)
{
	struct rd	 all = r, body;
	uint8_t		 vihl, proto;
	uint16_t	 tot, frag;
	size_t		 hl;

	if (!rd_u8(&r, &vihl) || !rd_skip(&r, 1) || !rd_u16(&r, &tot) ||
	    !rd_skip(&r, 2) || !rd_u16(&r, &frag) || !rd_skip(&r, 1) ||
	    !rd_u8(&r, &proto) || !rd_skip(&r, 2) || !rd_copy(&r, out->src, 4) ||
	    !rd_copy(&r, out->dst, 4)) {
		out->bad = "truncated IPv4 header";
		return;
	}
	out->version = 4;
	out->proto = proto;
	out->length = tot;
	hl = (size_t)(vihl & 0xf) * 4;
	if (hl < 20 || hl > all.len || !rd_sub(&all, &body, hl, all.len - hl)) {
		out->bad = "bad IPv4 header length";
		return;
	}
	if ((frag & 0x1fff) == 0)	/* only the first fragment has ports */
		l4(body, out);
}

static void
ipv6(struct rd r, struct dinner *out)
{
	uint16_t	 plen;
	uint8_t		 nh, len;

	if (!rd_skip(&r, 4) || !rd_u16(&r, &plen) || !rd_u8(&r, &nh) || !rd_skip(&r, 1) ||
	    !rd_copy(&r, out->src, 16) || !rd_copy(&r, out->dst, 16)) {
		out->bad = "truncated IPv6 header";
		return;
	}
	out->version = 6;
	out->length = 40u + plen;
	for (int i = 0; i < V6_EXT_MAX; i++) {
		if (nh != V6_HOPOPTS && nh != V6_ROUTING && nh != V6_DSTOPTS &&
		    nh != V6_FRAGMENT)
			break;
		if (nh == V6_FRAGMENT) {
			uint16_t off;
			struct rd f = r;

			if (!rd_u8(&f, &nh) || !rd_skip(&f, 1) || !rd_u16(&f, &off))
				break;
			out->proto = nh;
			if ((off & 0xfff8) != 0)
				return;		/* not the first fragment: no ports */
			r = f;
			(void)rd_skip(&r, 4);
			continue;
		}
		if (!rd_u8(&r, &nh) || !rd_u8(&r, &len) ||
		    !rd_skip(&r, (size_t)len * 8 + 6)) {
			out->bad = "truncated IPv6 extension header";
			return;
		}
	}
	out->proto = nh;
	l4(r, out);
}

void
inner_parse(const uint8_t *p, size_t n, uint8_t nh, struct dinner *out)
{
	struct rd r = rd_init(p, n);

	memset(out, 0, sizeof(*out));
	out->next_hdr = nh;
	switch (nh) {
	case NH_IPV4:
		ipv4(r, out);
		break;
	case NH_IPV6:
		ipv6(r, out);
		break;
	case NH_NONE:
		out->proto = nh;
		break;
	default:		/* transport mode: the transport header itself */
		out->proto = nh;
		out->length = (uint32_t)n;
		l4(r, out);
		break;
	}
}
