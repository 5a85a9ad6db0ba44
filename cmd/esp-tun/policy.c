/* SPDX-License-Identifier: ISC */
/* Traffic selectors against IP packets: which Child SA sends a packet, and whether one received may pass. */
#include <netinet/in.h>

#include <string.h>

#include "esptun.h"

/* What a selector looks at in an IP packet. */
struct flow {
	int		 af;
	const uint8_t	*src, *dst;
	uint8_t		 proto;
	uint16_t	 sport, dport;	/* 0 when not TCP/UDP/SCTP or a later
					 * fragment: only "any port" matches */
	bool		 ports;
};

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* flow_of reads pkt's addresses, protocol and ports; false if it is not a
 * whole IPv4 or IPv6 header. Extension headers of IPv6 are not walked: the
 * protocol is the first Next Header. */
static bool
flow_of(const uint8_t *pkt, size_t len, struct flow *f)
{
	size_t	 hl;

	memset(f, 0, sizeof(*f));
	if (len < 20)
		return false;
	switch (pkt[0] >> 4) {
	case 4:
		hl = (size_t)(pkt[0] & 0x0f) * 4;
		if (hl < 20 || len < hl)
			return false;
		f->af = AF_INET;
		f->src = pkt + 12;
		f->dst = pkt + 16;
		f->proto = pkt[9];
		/* ports only in the first fragment */
		if ((be16(pkt + 6) & 0x1fff) == 0 && len >= hl + 4) {
			f->ports = true;
			f->sport = be16(pkt + hl);
			f->dport = be16(pkt + hl + 2);
		}
		return true;
	case 6:
		if (len < 40)
			return false;
		f->af = AF_INET6;
		f->src = pkt + 8;
		f->dst = pkt + 24;
		f->proto = pkt[6];
		if (len >= 44) {
			f->ports = true;
			f->sport = be16(pkt + 40);
			f->dport = be16(pkt + 42);
		}
		return true;
	default:
		return false;
	}
}

static bool
has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
}

bool
ts_contains(const struct ts_pld *ts, int af, const uint8_t *addr,
    uint8_t proto, uint16_t port)
{
	const struct ts	*s;
	size_t		 alen = af == AF_INET ? 4 : 16;
	bool		 any_port;
	int		 i;

	for (i = 0; i < ts->n_ts; i++) {
		s = &ts->ts[i];
		any_port = s->start_port == 0 && s->end_port == 0xffff;
		if (s->addr_len != alen ||
		    (s->ipproto != 0 && s->ipproto != proto) ||
		    memcmp(addr, s->start, alen) < 0 ||
		    memcmp(addr, s->end, alen) > 0)
			continue;
		if (any_port || (port >= s->start_port && port <= s->end_port))
			return true;
	}
	return false;
}

/* matches tells whether f goes from local to remote selectors (out) or the
 * other way (in). */
static bool
matches(const struct child *c, const struct flow *f, bool out)
{
	const struct ts_pld	*from = out ? &c->local_ts : &c->remote_ts;
	const struct ts_pld	*to = out ? &c->remote_ts : &c->local_ts;
	bool			 p = f->ports && has_ports(f->proto);

	return ts_contains(from, f->af, f->src, f->proto, p ? f->sport : 0) &&
	    ts_contains(to, f->af, f->dst, f->proto, p ? f->dport : 0);
}

/* rank orders the Child SAs that may send a packet: live and known to
 * the peer, then live, then expired. */
static int
rank(const struct child *c)
{
	if (c->expiry == HARD_EXPIRED)
		return 0;
	return c->warm ? 2 : 1;
}

struct child *
policy_out(struct tunnel *t, const uint8_t *pkt, size_t len)
{
	struct child	*best = NULL, *c;
	struct flow	 f;
	size_t		 i;

	if (!flow_of(pkt, len, &f))
		return NULL;
	/* during a rekey both SAs match: the newer sends (RFC 7296 2.8)
	 * once the peer has it, unless its hard lifetime is over and an
	 * older one's is not */
	for (i = 0; i < t->n_child; i++) {
		c = t->child[i];
		if (c->drain_ms != 0 || !matches(c, &f, true))
			continue;
		if (best == NULL || rank(c) > rank(best) ||
		    (rank(c) == rank(best) && c->gen > best->gen))
			best = c;
	}
	return best;
}

bool
policy_in(const struct child *c, const uint8_t *pkt, size_t len)
{
	struct flow	 f;

	return flow_of(pkt, len, &f) && matches(c, &f, false);
}
