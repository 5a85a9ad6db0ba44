/* SPDX-License-Identifier: ISC */
/* Virtual IPs (RFC 7296 2.19, 3.15): the initiator's CFG_REQUEST and reply, the responder's pools and CFG_REPLY. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/log.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "exchange/cp.h"

static size_t
fam_len(uint8_t fam)
{
	return fam == 6 ? 16 : 4;
}

/* addr_add sets out = a + n (len bytes, big-endian). */
static void
addr_add(uint8_t *out, const uint8_t *a, size_t len, uint32_t n)
{
	uint32_t	 carry = n;
	size_t		 i;

	memcpy(out, a, len);
	for (i = len; i > 0 && carry != 0; i--) {
		carry += out[i - 1];
		out[i - 1] = (uint8_t)carry;
		carry >>= 8;
	}
}

/* parse_addr reads an IPv4 or IPv6 address; fam 0 if it is neither. */
static void
parse_addr(const char *s, uint8_t *fam, uint8_t out[16])
{
	memset(out, 0, 16);
	*fam = 0;
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, out) == 1)
			*fam = 6;
	} else if (inet_pton(AF_INET, s, out) == 1)
		*fam = 4;
}

enum ike_err
cp_pool_parse(struct cp_cfg *c, const char *s, char *err, size_t errlen)
{
	char		 buf[64], *slash, *end;
	uint8_t		 fam, net[16];
	struct cp_pool	*p;
	unsigned long	 prefix;
	unsigned	 bits, host, i;
	uint64_t	 total;
	size_t		 len;

	if (strlen(s) >= sizeof(buf) || (slash = strchr(s, '/')) == NULL)
		goto bad;
	snprintf(buf, sizeof(buf), "%s", s);
	buf[slash - s] = '\0';
	parse_addr(buf, &fam, net);
	errno = 0;
	prefix = strtoul(slash + 1, &end, 10);
	bits = fam == 6 ? 128 : 32;
	if (fam == 0 || errno != 0 || *end != '\0' || slash[1] < '0' ||
	    slash[1] > '9' || prefix == 0 || prefix > bits)
		goto bad;
	len = fam_len(fam);
	for (i = (unsigned)prefix; i < bits; i++)
		if (net[i / 8] & (0x80 >> (i % 8))) {
			snprintf(err, errlen, "'%s': host bits set", s);
			return IKE_EINVAL;
		}
	p = &c->pool[fam == 6];
	if (p->fam != 0) {
		snprintf(err, errlen, "'%s': only one IPv%u pool", s, fam);
		return IKE_EINVAL;
	}
	host = bits - (unsigned)prefix;
	total = host >= 32 ? UINT64_MAX : (uint64_t)1 << host;
	/* leave out the network (and IPv4's broadcast) address */
	if (fam == 4 && host >= 2)
		total -= 2;
	else if (fam == 6 && host >= 2)
		total -= 1;
	memset(p, 0, sizeof(*p));
	p->fam = fam;
	p->prefix = (uint8_t)prefix;
	addr_add(p->base, net, len, host >= 2 ? 1 : 0);
	p->size = total > CP_POOL_MAX ? CP_POOL_MAX : (uint32_t)total;
	if ((p->used = calloc((p->size + 7) / 8, 1)) == NULL) {
		p->fam = 0;
		snprintf(err, errlen, "out of memory");
		return IKE_ENOMEM;
	}
	return IKE_OK;
bad:
	snprintf(err, errlen, "'%s': not ADDRESS/PREFIX", s);
	return IKE_EINVAL;
}

enum ike_err
cp_dns_add(struct cp_cfg *c, const char *s)
{
	struct cp_addr	*d;

	if (c->n_dns == CP_DNS_MAX)
		return IKE_EINVAL;
	d = &c->dns[c->n_dns];
	memset(d, 0, sizeof(*d));
	parse_addr(s, &d->fam, d->addr);
	if (d->fam == 0)
		return IKE_EINVAL;
	c->n_dns++;
	return IKE_OK;
}

void
cp_cfg_free(struct cp_cfg *c)
{
	int	 i;

	for (i = 0; i < 2; i++) {
		free(c->pool[i].used);
		free(c->pool[i].owner);
		memset(&c->pool[i], 0, sizeof(c->pool[i]));
	}
}

/* owner_key digests an identity's text (NULL: none) into key; false for
 * none. The pools keep digests: 16 bytes an address, whatever the ID. */
static bool
owner_key(const char *who, uint8_t key[CP_OWNER_LEN])
{
	static const uint8_t	 zero[CP_OWNER_LEN];

	if (who == NULL || who[0] == '\0')
		return false;
	crypto_generichash(key, CP_OWNER_LEN, (const uint8_t *)who,
	    strlen(who), NULL, 0);
	if (ct_eq(key, zero, CP_OWNER_LEN))
		key[0] = 1;		/* all zero means nobody */
	return true;
}

static bool
is_used(const struct cp_pool *p, uint32_t i)
{
	return (p->used[i / 8] & (1u << (i % 8))) != 0;
}

static bool
is_owned(const struct cp_pool *p, uint32_t i)
{
	static const uint8_t	 zero[CP_OWNER_LEN];

	return p->owner != NULL && !ct_eq(p->owner[i], zero, CP_OWNER_LEN);
}

/* lease marks address i of p leased into a (owned by key, if any: without
 * memory for the owners it is just not remembered). */
static void
lease(struct cp_pool *p, uint32_t i, const uint8_t *key, struct cp_addr *a)
{
	p->used[i / 8] |= (uint8_t)(1u << (i % 8));
	p->n_used++;
	if (key != NULL && p->owner == NULL)
		p->owner = calloc(p->size, CP_OWNER_LEN);
	if (key != NULL && p->owner != NULL)
		memcpy(p->owner[i], key, CP_OWNER_LEN);
	memset(a, 0, sizeof(*a));
	a->fam = p->fam;
	a->prefix = p->prefix;
	a->index = i;
	addr_add(a->addr, p->base, fam_len(p->fam), i);
}

/* pool_take leases an address of p into a for key (NULL: anonymous): the
 * one key held last if it is free, else the next free one nobody held,
 * else the next free one; false when full. */
static bool
pool_take(struct cp_pool *p, struct cp_addr *a, const uint8_t *key)
{
	uint32_t	 i, k;
	int		 pass;

	if (p->fam == 0 || p->n_used >= p->size)
		return false;
	for (i = 0; key != NULL && p->owner != NULL && i < p->size; i++)
		if (!is_used(p, i) && ct_eq(p->owner[i], key, CP_OWNER_LEN)) {
			lease(p, i, key, a);
			return true;
		}
	for (pass = 0; pass < 2; pass++)
		for (k = 0; k < p->size; k++) {
			i = (p->next + k) % p->size;
			if (is_used(p, i) || (pass == 0 && is_owned(p, i)))
				continue;
			p->next = (i + 1) % p->size;
			lease(p, i, key, a);
			return true;
		}
	return false;
}

void
cp_lease_release(struct cp_cfg *c, struct cp_vip *v)
{
	struct cp_pool	*p;
	uint32_t	 i;
	int		 k;

	for (k = 0; k < 2; k++) {
		if (v->addr[k].fam == 0)
			continue;
		i = v->addr[k].index;
		p = c != NULL ? &c->pool[v->addr[k].fam == 6] : NULL;
		if (p != NULL && p->fam == v->addr[k].fam && i < p->size &&
		    (p->used[i / 8] & (1u << (i % 8)))) {
			p->used[i / 8] &= (uint8_t)~(1u << (i % 8));
			p->n_used--;
		}
		memset(&v->addr[k], 0, sizeof(v->addr[k]));
	}
}

/* pool_index sets *i to a's place in p; false when a is not one of p's. */
static bool
pool_index(const struct cp_pool *p, const uint8_t *a, uint32_t *i)
{
	size_t		 len = fam_len(p->fam), k;
	uint8_t		 d[16];
	int		 borrow = 0, v;
	uint32_t	 n = 0;

	for (k = len; k > 0; k--) {		/* d = a - base */
		v = a[k - 1] - p->base[k - 1] - borrow;
		borrow = v < 0;
		d[k - 1] = (uint8_t)(v + (borrow ? 256 : 0));
	}
	if (borrow)
		return false;
	for (k = 0; k < len - 4; k++)
		if (d[k] != 0)
			return false;
	for (k = len - 4; k < len; k++)
		n = n << 8 | d[k];
	if (n >= p->size)
		return false;
	*i = n;
	return true;
}

int
cp_lease_mark(struct cp_cfg *c, const char *list, struct cp_vip *out)
{
	return cp_lease_mark_id(c, list, NULL, out);
}

int
cp_lease_mark_id(struct cp_cfg *c, const char *list, const char *who,
    struct cp_vip *out)
{
	char		 buf[128], *tok, *save;
	struct cp_pool	*p;
	uint8_t		 fam, a[16], key[CP_OWNER_LEN];
	uint32_t	 i;
	int		 n = 0;
	bool		 has_key = owner_key(who, key);

	memset(out, 0, sizeof(*out));
	if (strlen(list) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		parse_addr(tok, &fam, a);
		if (fam == 0)
			return -1;
		p = &c->pool[fam == 6];
		if (p->fam != fam || out->addr[fam == 6].fam != 0 ||
		    !pool_index(p, a, &i))
			continue;		/* not ours (any more) */
		if (is_used(p, i))
			continue;		/* another SA has it */
		lease(p, i, has_key ? key : NULL, &out->addr[fam == 6]);
		n++;
	}
	return n;
}

void
cp_addr_format(const struct cp_addr *a, char *buf, size_t n)
{
	if (n == 0)
		return;
	buf[0] = '\0';
	if (a->fam != 0 && inet_ntop(a->fam == 6 ? AF_INET6 : AF_INET, a->addr,
	    buf, (socklen_t)n) == NULL)
		buf[0] = '\0';
}

static void
attr_put(struct wr *w, uint16_t type, const void *v, size_t len)
{
	wr_u16(w, type);
	wr_u16(w, (uint16_t)len);
	wr_bytes(w, v, len);
}

void
cp_request_put(struct chain *c, struct wr *w, uint8_t vip_req)
{
	chain_open(c, IKEV2_PAYLOAD_CP, false);
	/* CFG Type | RESERVED | empty attributes: "give me one" (3.15.1) */
	wr_u8(w, IKEV2_CFG_REQUEST);
	wr_zero(w, 3);
	if (vip_req & VIP_REQ_4) {
		attr_put(w, IKEV2_CP_INTERNAL_IP4_ADDRESS, NULL, 0);
		attr_put(w, IKEV2_CP_INTERNAL_IP4_DNS, NULL, 0);
	}
	if (vip_req & VIP_REQ_6) {
		attr_put(w, IKEV2_CP_INTERNAL_IP6_ADDRESS, NULL, 0);
		attr_put(w, IKEV2_CP_INTERNAL_IP6_DNS, NULL, 0);
	}
}

/* mask_prefix counts the leading ones of an IPv4 netmask. */
static uint8_t
mask_prefix(const uint8_t m[4])
{
	uint8_t	 n = 0;
	int	 i;

	for (i = 0; i < 32 && (m[i / 8] & (0x80 >> (i % 8))); i++)
		n++;
	return n;
}

void
cp_reply_read(const struct cp_pld *cp, struct cp_vip *out)
{
	uint8_t	 i;

	memset(out, 0, sizeof(*out));
	if (cp->cfg_type != IKEV2_CFG_REPLY)
		return;
	for (i = 0; i < cp->n_attrs; i++) {
		const struct cp_attr	*a = &cp->attrs[i];
		struct cp_addr		*d;

		switch (a->type) {
		case IKEV2_CP_INTERNAL_IP4_ADDRESS:
			if (a->value.len == 4 && out->addr[0].fam == 0) {
				out->addr[0].fam = 4;
				out->addr[0].prefix = 32;
				memcpy(out->addr[0].addr, a->value.p, 4);
			}
			break;
		case IKEV2_CP_INTERNAL_IP4_NETMASK:
			if (a->value.len == 4 && out->addr[0].fam == 4)
				out->addr[0].prefix = mask_prefix(a->value.p);
			break;
		case IKEV2_CP_INTERNAL_IP6_ADDRESS:
			if (a->value.len == 17 && out->addr[1].fam == 0) {
				out->addr[1].fam = 6;
				memcpy(out->addr[1].addr, a->value.p, 16);
				out->addr[1].prefix = a->value.p[16] > 128 ? 128 :
				    a->value.p[16];
			}
			break;
		case IKEV2_CP_INTERNAL_IP4_DNS:
		case IKEV2_CP_INTERNAL_IP6_DNS:
			if (a->value.len == 0 || out->n_dns == CP_DNS_MAX)
				break;
			d = &out->dns[out->n_dns++];
			d->fam = a->type == IKEV2_CP_INTERNAL_IP6_DNS ? 6 : 4;
			memcpy(d->addr, a->value.p, fam_len(d->fam));
			break;
		default:
			break;
		}
	}
}

/* asks returns whether req has an attribute of type t. */
static bool
asks(const struct cp_pld *req, uint16_t t)
{
	uint8_t	 i;

	for (i = 0; i < req->n_attrs; i++)
		if (req->attrs[i].type == t)
			return true;
	return false;
}

bool
cp_wants_addr(const struct cp_pld *req)
{
	return req->cfg_type == IKEV2_CFG_REQUEST &&
	    (asks(req, IKEV2_CP_INTERNAL_IP4_ADDRESS) ||
	    asks(req, IKEV2_CP_INTERNAL_IP6_ADDRESS));
}

enum ike_err
cp_assign(struct cp_cfg *c, const struct cp_pld *req, struct cp_vip *out)
{
	return cp_assign_id(c, req, out, NULL);
}

enum ike_err
cp_assign_id(struct cp_cfg *c, const struct cp_pld *req, struct cp_vip *out,
    const char *who)
{
	uint8_t	 key[CP_OWNER_LEN];
	bool	 want[2], got = false, has_key = owner_key(who, key);
	int	 k;
	uint8_t	 i;

	memset(out, 0, sizeof(*out));
	if (req->cfg_type != IKEV2_CFG_REQUEST)
		return IKE_OK;
	want[0] = asks(req, IKEV2_CP_INTERNAL_IP4_ADDRESS);
	want[1] = asks(req, IKEV2_CP_INTERNAL_IP6_ADDRESS);
	for (k = 0; k < 2 && c != NULL; k++) {
		if (!want[k] || c->pool[k].fam == 0)
			continue;
		if (pool_take(&c->pool[k], &out->addr[k], has_key ? key :
		    NULL))
			got = true;
		else
			log_debug("CP: IPv%d pool exhausted (%u addresses)",
			    k ? 6 : 4, c->pool[k].size);
	}
	if ((want[0] || want[1]) && !got)
		return IKE_EREFUSED;
	/* strongSwan logs an unasked netmask as a failed attribute */
	out->mask = asks(req, IKEV2_CP_INTERNAL_IP4_NETMASK);
	for (i = 0; c != NULL && i < c->n_dns; i++)
		if ((c->dns[i].fam == 4 && asks(req, IKEV2_CP_INTERNAL_IP4_DNS)) ||
		    (c->dns[i].fam == 6 && asks(req, IKEV2_CP_INTERNAL_IP6_DNS)))
			out->dns[out->n_dns++] = c->dns[i];
	return IKE_OK;
}

void
cp_reply_put(struct chain *c, struct wr *w, const struct cp_vip *v)
{
	uint8_t	 mask[4] = { 0 }, a6[17];
	int	 i;

	chain_open(c, IKEV2_PAYLOAD_CP, false);
	wr_u8(w, IKEV2_CFG_REPLY);
	wr_zero(w, 3);
	if (v->addr[0].fam == 4) {
		attr_put(w, IKEV2_CP_INTERNAL_IP4_ADDRESS, v->addr[0].addr, 4);
		for (i = 0; i < v->addr[0].prefix && i < 32; i++)
			mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		if (v->mask)
			attr_put(w, IKEV2_CP_INTERNAL_IP4_NETMASK, mask, 4);
	}
	if (v->addr[1].fam == 6) {
		memcpy(a6, v->addr[1].addr, 16);
		a6[16] = v->addr[1].prefix;
		attr_put(w, IKEV2_CP_INTERNAL_IP6_ADDRESS, a6, sizeof(a6));
	}
	for (i = 0; i < v->n_dns; i++)
		attr_put(w, v->dns[i].fam == 6 ? IKEV2_CP_INTERNAL_IP6_DNS :
		    IKEV2_CP_INTERNAL_IP4_DNS, v->dns[i].addr,
		    fam_len(v->dns[i].fam));
}

void
cp_vip_ts(const struct cp_vip *v, struct ts_pld *out)
{
	int	 k;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < 2; k++) {
		struct ts	*t;

		if (v->addr[k].fam == 0)
			continue;
		t = &out->ts[out->n_ts++];
		t->type = k ? IKEV2_TS_IPV6_ADDR_RANGE : IKEV2_TS_IPV4_ADDR_RANGE;
		t->ipproto = 0;
		t->start_port = 0;
		t->end_port = 65535;
		t->addr_len = (uint8_t)fam_len(v->addr[k].fam);
		memcpy(t->start, v->addr[k].addr, t->addr_len);
		memcpy(t->end, v->addr[k].addr, t->addr_len);
	}
}
