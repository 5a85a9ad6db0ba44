/* SPDX-License-Identifier: ISC */
/* The IKE SA in memory, SK message framing, NAT-D hashes, identities, TS lists, and the initiator's step function. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "codec/hdr.h"
#include "codec/msg.h"
#include "crypto/dh.h"
#include "crypto/hash.h"
#include "crypto/secret.h"
#include "crypto/sk.h"
#include "names/ikev2.h"
#include "names/names.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"

enum { XCHG_MAX_RETRY = 4 };

static const char *const state_names[] = {
	[SA_IDLE] = "idle", [SA_INIT_SENT] = "sa-init-sent",
	[SA_INIT_DONE] = "sa-init", [SA_AUTH_SENT] = "auth-sent",
	[SA_ESTABLISHED] = "established", [SA_FAILED] = "failed",
	[SA_EAP] = "eap",
};

void
pt_wipe(uint8_t *pt, size_t cap, size_t len)
{
	wipe(pt, len < cap ? len : cap);
}

void
psk_wipe(struct psk *p)
{
	wipe(p, sizeof(*p));
}

void
ike_sa_init(struct ike_sa *sa, enum ike_role role)
{
	memset(sa, 0, sizeof(*sa));
	sa->role = role;
}

void
ike_sa_wipe(struct ike_sa *sa)
{
	ike_sa_drop_init(sa);
	dh_free(sa->dh);
	sa->dh = NULL;
	ike_keys_wipe(&sa->keys);
	child_keys_wipe(&sa->child.keys);
	eap_end(sa);
	wipe(sa, sizeof(*sa));
}

void
ike_sa_drop_init(struct ike_sa *sa)
{
	if (sa->init_req != NULL) {
		wipe(sa->init_req, 2 * XCHG_MSG_MAX);
		free(sa->init_req);
	}
	sa->init_req = sa->init_resp = NULL;
	sa->init_req_len = sa->init_resp_len = 0;
}

const char *
ike_sa_state_name(enum ike_sa_state s)
{
	if ((unsigned)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "unknown";
	return state_names[s];
}

void
xchg_set(struct ike_sa *sa, enum ike_sa_state s)
{
	if (sa->state != s)
		log_debug("IKE SA %016llx: %s -> %s",
		    (unsigned long long)sa->ispi, ike_sa_state_name(sa->state),
		    ike_sa_state_name(s));
	sa->state = s;
	if (s == SA_ESTABLISHED || s == SA_FAILED)
		eap_end(sa);	/* IKE_AUTH is over: EAP's secrets go */
}

bool
xchg_nat(const struct ike_sa *sa)
{
	return sa->nat_local || sa->nat_remote;
}

bool
xchg_match(const struct ike_sa *sa, struct rd in)
{
	struct ike_hdr	 h;

	if (hdr_parse(&in, &h) != IKE_OK)
		return false;
	if (h.ispi != sa->ispi || (h.flags & IKEV2_FLAG_RESPONSE) == 0 ||
	    h.msgid != sa->msgid)
		return false;
	if (sa->state == SA_INIT_SENT)
		return h.exch == IKEV2_EXCH_IKE_SA_INIT;
	if (sa->state == SA_AUTH_SENT || sa->state == SA_EAP)
		return h.exch == IKEV2_EXCH_IKE_AUTH && h.rspi == sa->rspi;
	return false;
}

void
xchg_hdr(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exch,
    bool response, uint32_t msgid, uint8_t next)
{
	memset(h, 0, sizeof(*h));
	h->ispi = sa->ispi;
	h->rspi = sa->rspi;
	h->next = next;
	h->major = 2;
	h->exch = exch;
	h->flags = (uint8_t)((sa->role == ROLE_INITIATOR ? IKEV2_FLAG_INITIATOR : 0) |
	    (response ? IKEV2_FLAG_RESPONSE : 0));
	h->msgid = msgid;
}

void
sk_dir(const struct ike_sa *sa, bool from_i, struct sk_cipher *c)
{
	memset(c, 0, sizeof(*c));
	c->encr = sa->suite.encr;
	c->keybits = sa->suite.encr_keybits;
	c->integ = sa->suite.integ;
	c->ekey = from_i ? sa->keys.sk_ei : sa->keys.sk_er;
	c->ekey_len = sa->keys.e_len;
	if (sa->keys.a_len != 0) {
		c->akey = from_i ? sa->keys.sk_ai : sa->keys.sk_ar;
		c->akey_len = sa->keys.a_len;
	}
}

void
skb_init(struct skb *b)
{
	b->w = wr_init(b->buf, sizeof(b->buf));
	wr_u8(&b->w, IKEV2_PAYLOAD_NONE);
	chain_init(&b->c, &b->w, 0);
}

enum ike_err
skb_seal(const struct ike_sa *sa, struct skb *b, uint8_t exch, bool response,
    uint32_t msgid, struct wr *out)
{
	struct ike_hdr	 h;
	struct sk_cipher c;
	size_t		 off, sealed, pt_len;
	enum ike_err	 e;

	chain_close(&b->c);
	if (!wr_ok(&b->w)) {
		e = IKE_ETOOBIG;
		goto out;
	}
	pt_len = b->w.len - 1;
	sk_dir(sa, sa->role == ROLE_INITIATOR, &c);
	if ((sealed = sk_sealed_len(&c, pt_len)) == 0) {
		e = IKE_EUNSUPP;
		goto out;
	}
	xchg_hdr(sa, &h, exch, response, msgid, IKEV2_PAYLOAD_SK);
	off = hdr_put(out, &h);
	/* SK generic header: the first inner type, its length with the body */
	wr_u8(out, b->buf[0]);
	wr_u8(out, 0);
	wr_u16(out, (uint16_t)(PLD_HDR_LEN + sealed));
	if (!wr_ok(out) || PLD_HDR_LEN + sealed > UINT16_MAX) {
		e = IKE_ETOOBIG;
		goto out;
	}
	wr_u32_at(out, off + HDR_LEN_AT, (uint32_t)(out->len - off + sealed));
	e = sk_encrypt(&c, out, b->buf + 1, pt_len);
out:
	wipe(b->buf, b->w.len);	/* what was written, not all its room */
	return e;
}

enum ike_err
sk_open(const struct ike_sa *sa, struct rd in, struct ike_msg *m, uint8_t *pt,
    size_t cap, size_t *pt_len, uint8_t *first)
{
	struct sk_cipher c;
	enum ike_err	 e;

	if ((e = msg_parse(in, m)) != IKE_OK)
		return e;
	if (m->sk < 0)
		return IKE_ESYNTAX;
	if (m->pld[m->sk].type != IKEV2_PAYLOAD_SK)
		return IKE_EUNSUPP;	/* RFC 7383 fragments: not yet */
	sk_dir(sa, sa->role != ROLE_INITIATOR, &c);
	if ((e = sk_decrypt(&c, in.p, in.len, m->sk_off, pt, cap, pt_len)) != IKE_OK)
		return e;
	*first = m->sk_next;
	return IKE_OK;
}

enum ike_err
natd_hash(uint64_t ispi, uint64_t rspi, int af, const uint8_t *addr,
    uint16_t port, uint8_t out[NATD_HASH_LEN])
{
	uint8_t		 buf[8 + 8 + 16 + 2];
	struct wr	 w = wr_init(buf, sizeof(buf));

	/* HASH = SHA-1(SPIi | SPIr | IP | Port) */
	wr_u64(&w, ispi);
	wr_u64(&w, rspi);
	wr_bytes(&w, addr, af == AF_INET6 ? 16 : 4);
	wr_u16(&w, port);
	return hash_sha1(buf, w.len, out);
}

/* retry_ok returns whether group is offered in one of cfg's proposals. */
static bool
group_offered(const struct xchg_cfg *cfg, uint16_t group)
{
	size_t		 i, j;

	for (i = 0; i < cfg->ike.n_props; i++)
		for (j = 0; j < cfg->ike.props[i].n_xforms; j++)
			if (cfg->ike.props[i].xforms[j].type == IKEV2_XFORM_DH &&
			    cfg->ike.props[i].xforms[j].id == group)
				return true;
	return false;
}

enum xchg_wait
xchg_step(struct xchg *x, struct rd in, struct wr *out)
{
	struct ike_sa	*sa = x->sa;
	enum ike_err	 e;

	out->len = 0;
	switch (sa->state) {
	case SA_IDLE:
		e = sa_init_create(sa, x->cfg, out);
		break;
	case SA_INIT_SENT:
		if (!xchg_match(sa, in))
			return XCHG_RECV;
		e = sa_init_consume(sa, x->cfg, in);
		if (e == IKE_EBADKE && group_offered(x->cfg, sa->want_group) &&
		    sa->want_group != sa->dh_group && x->n_retry < XCHG_MAX_RETRY) {
			x->n_retry++;
			sa->dh_group = sa->want_group;
			xchg_set(sa, SA_IDLE);
			e = sa_init_create(sa, x->cfg, out);
			break;
		}
		if (e == IKE_OK && sa->state == SA_IDLE) {	/* COOKIE */
			if (x->n_retry++ >= XCHG_MAX_RETRY) {
				e = IKE_EREFUSED;
				break;
			}
			e = sa_init_create(sa, x->cfg, out);
			break;
		}
		if (e != IKE_OK)
			break;
		if (x->until_init)
			return XCHG_DONE;
		e = auth_create(sa, x->cfg, out);
		break;
	case SA_AUTH_SENT:
	case SA_EAP:
		if (!xchg_match(sa, in))
			return XCHG_RECV;
		if ((e = auth_consume(sa, x->cfg, in)) != IKE_OK)
			break;
		if (sa->state == SA_ESTABLISHED)
			return XCHG_DONE;
		e = auth_create(sa, x->cfg, out);	/* EAP: the next round */
		break;
	case SA_INIT_DONE:
		if (x->until_init)
			return XCHG_DONE;
		e = auth_create(sa, x->cfg, out);
		break;
	case SA_ESTABLISHED:
		return XCHG_DONE;
	default:
		e = IKE_EINVAL;
		break;
	}
	if (e != IKE_OK) {
		x->err = e;
		xchg_set(sa, SA_FAILED);
		return XCHG_FAIL;
	}
	return XCHG_SEND;
}

enum ike_err
ike_id_parse(struct ike_id *out, const char *s)
{
	size_t		 n = strlen(s);
	const char	*at;

	memset(out, 0, sizeof(*out));
	/* a DN's text may be longer than its DER (escapes, quotes) */
	if (n == 0 || n > 4 * IKE_ID_MAX_LEN)
		return IKE_EINVAL;
	if (s[0] != '@' && strchr(s, '=') != NULL) {
		/* a distinguished name, "O=lab, CN=moon" */
		out->type = IKEV2_ID_DER_ASN1_DN;
		return sig_dn_parse(s, out->data, sizeof(out->data), &out->len);
	}
	if (n > IKE_ID_MAX_LEN + (s[0] == '@'))	/* the '@' is not sent */
		return IKE_EINVAL;
	if (inet_pton(AF_INET, s, out->data) == 1) {
		out->type = IKEV2_ID_IPV4_ADDR;
		out->len = 4;
	} else if (inet_pton(AF_INET6, s, out->data) == 1) {
		out->type = IKEV2_ID_IPV6_ADDR;
		out->len = 16;
	} else if (s[0] == '@') {
		if (n == 1)
			return IKE_EINVAL;
		out->type = IKEV2_ID_FQDN;
		out->len = n - 1;
		memcpy(out->data, s + 1, n - 1);
	} else {
		at = strchr(s, '@');
		out->type = at != NULL ? IKEV2_ID_RFC822_ADDR : IKEV2_ID_FQDN;
		out->len = n;
		memcpy(out->data, s, n);
	}
	return IKE_OK;
}

void
ike_id_format(const struct ike_id *id, char *buf, size_t n)
{
	if (n == 0)
		return;
	buf[0] = '\0';
	switch (id->type) {
	case IKEV2_ID_IPV4_ADDR:
		inet_ntop(AF_INET, id->data, buf, (socklen_t)n);
		break;
	case IKEV2_ID_IPV6_ADDR:
		inet_ntop(AF_INET6, id->data, buf, (socklen_t)n);
		break;
	case IKEV2_ID_FQDN:
	case IKEV2_ID_RFC822_ADDR:
		snprintf(buf, n, "%.*s", (int)id->len, (const char *)id->data);
		break;
	case IKEV2_ID_DER_ASN1_DN:
		sig_dn_format(id->data, id->len, buf, n);
		break;
	case 0:
		snprintf(buf, n, "%%any");
		break;
	default:
		snprintf(buf, n, "%s:%zu bytes",
		    ikev2_id_type_name(id->type) ? ikev2_id_type_name(id->type) :
		    "ID", id->len);
		break;
	}
}

/* ts_addr_cmp compares two addresses of n bytes as numbers (no secrets). */
static int
ts_addr_cmp(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* ts_one reads one selector: ADDR, ADDR/PREFIX or ADDR-ADDR. */
static bool
ts_one(struct ts *t, const char *s)
{
	char		 a[64], b[64];
	const char	*slash = strchr(s, '/'), *dash = strchr(s, '-');
	int		 af, plen = -1, i;
	size_t		 n, alen;
	char		*end;
	long		 v;

	memset(t, 0, sizeof(*t));
	n = slash ? (size_t)(slash - s) : dash ? (size_t)(dash - s) : strlen(s);
	if (n == 0 || n >= sizeof(a))
		return false;
	memcpy(a, s, n);
	a[n] = '\0';
	if (inet_pton(AF_INET, a, t->start) == 1)
		af = AF_INET;
	else if (inet_pton(AF_INET6, a, t->start) == 1)
		af = AF_INET6;
	else
		return false;
	alen = af == AF_INET ? 4 : 16;
	t->type = af == AF_INET ? IKEV2_TS_IPV4_ADDR_RANGE : IKEV2_TS_IPV6_ADDR_RANGE;
	t->addr_len = (uint8_t)alen;
	t->end_port = 65535;
	if (dash != NULL && slash == NULL) {
		if (strlen(dash + 1) >= sizeof(b))
			return false;
		memcpy(b, dash + 1, strlen(dash + 1) + 1);
		if (inet_pton(af, b, t->end) != 1)
			return false;
		return ts_addr_cmp(t->start, t->end, alen) <= 0;
	}
	if (slash != NULL) {
		v = strtol(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || v < 0 ||
		    v > (long)(alen * 8))
			return false;
		plen = (int)v;
	} else
		plen = (int)(alen * 8);
	for (i = 0; i < (int)alen; i++) {
		int	 bits = plen - i * 8;
		uint8_t	 mask = bits >= 8 ? 0xff : bits <= 0 ? 0 :
		    (uint8_t)(0xff << (8 - bits));

		t->start[i] &= mask;
		t->end[i] = (uint8_t)(t->start[i] | (uint8_t)~mask);
	}
	return true;
}

enum ike_err
ts_parse_list(struct ts_pld *out, const char *s, char *err, size_t errlen)
{
	char		 item[160];
	const char	*p = s, *comma;
	size_t		 n;

	memset(out, 0, sizeof(*out));
	do {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (out->n_ts == TS_MAX) {
			snprintf(err, errlen, "more than %d traffic selectors", TS_MAX);
			return IKE_EINVAL;
		}
		if (n >= sizeof(item) || n == 0)
			goto bad;
		memcpy(item, p, n);
		item[n] = '\0';
		if (!ts_one(&out->ts[out->n_ts], item))
			goto bad;
		out->n_ts++;
		p = comma ? comma + 1 : NULL;
	} while (p != NULL);
	return IKE_OK;
bad:
	snprintf(err, errlen, "'%.*s': not an address, prefix or range",
	    (int)(n > 64 ? 64 : n), p);
	memset(out, 0, sizeof(*out));
	return IKE_EINVAL;
}

/* ts_prefix returns the prefix length of t if it is one, else -1. */
static int
ts_prefix(const struct ts *t)
{
	int	 i, bits = 0;
	bool	 host = false;

	for (i = 0; i < t->addr_len; i++) {
		uint8_t	 x = (uint8_t)(t->start[i] ^ t->end[i]);
		uint8_t	 lo = t->start[i] & x;

		if (lo != 0 || (t->end[i] & x) != x)
			return -1;
		if (host) {
			if (x != 0xff)
				return -1;
			continue;
		}
		if (x == 0) {
			bits += 8;
			continue;
		}
		/* x must be 0...01...1 */
		if (((x + 1) & x) != 0)
			return -1;
		bits += 8 - __builtin_popcount(x);
		host = true;
	}
	return bits;
}

void
ts_format_list(const struct ts_pld *t, char *buf, size_t n)
{
	size_t	 i, len = 0;
	char	 a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int	 af, p, r;

	if (n == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < t->n_ts && len < n; i++) {
		const struct ts	*s = &t->ts[i];

		if (s->addr_len != 4 && s->addr_len != 16)
			continue;
		af = s->addr_len == 4 ? AF_INET : AF_INET6;
		inet_ntop(af, s->start, a, sizeof(a));
		inet_ntop(af, s->end, b, sizeof(b));
		if ((p = ts_prefix(s)) >= 0)
			r = snprintf(buf + len, n - len, "%s%s/%d", i ? "," : "", a, p);
		else
			r = snprintf(buf + len, n - len, "%s%s-%s", i ? "," : "", a, b);
		if (r < 0)
			return;
		len += (size_t)r;
	}
}

bool
ts_within(const struct ts_pld *t, const struct ts_pld *allowed)
{
	size_t	 i, j;
	bool	 ok;

	if (allowed->n_ts == 0)
		return true;
	for (i = 0; i < t->n_ts; i++) {
		const struct ts	*s = &t->ts[i];

		ok = false;
		for (j = 0; j < allowed->n_ts && !ok; j++) {
			const struct ts	*a = &allowed->ts[j];

			if (a->addr_len != s->addr_len || s->addr_len == 0)
				continue;
			if ((a->ipproto != 0 && a->ipproto != s->ipproto) ||
			    s->start_port < a->start_port || s->end_port > a->end_port)
				continue;
			ok = ts_addr_cmp(s->start, a->start, s->addr_len) >= 0 &&
			    ts_addr_cmp(s->end, a->end, s->addr_len) <= 0;
		}
		if (!ok)
			return false;
	}
	return true;
}

bool
ts_narrow(const struct ts_pld *t, const struct ts_pld *allowed,
    struct ts_pld *out)
{
	size_t	 i, j;

	if (allowed->n_ts == 0) {
		*out = *t;
		return t->n_ts > 0;
	}
	memset(out, 0, sizeof(*out));
	for (i = 0; i < t->n_ts; i++) {
		const struct ts	*s = &t->ts[i];

		for (j = 0; j < allowed->n_ts && out->n_ts < TS_MAX; j++) {
			const struct ts	*a = &allowed->ts[j];
			struct ts	 n;
			size_t		 al = s->addr_len;

			if (a->addr_len != al || al == 0)
				continue;
			if (a->ipproto != 0 && s->ipproto != 0 &&
			    a->ipproto != s->ipproto)
				continue;
			n = *s;
			n.ipproto = s->ipproto != 0 ? s->ipproto : a->ipproto;
			n.start_port = s->start_port > a->start_port ?
			    s->start_port : a->start_port;
			n.end_port = s->end_port < a->end_port ?
			    s->end_port : a->end_port;
			if (ts_addr_cmp(a->start, s->start, al) > 0)
				memcpy(n.start, a->start, al);
			if (ts_addr_cmp(a->end, s->end, al) < 0)
				memcpy(n.end, a->end, al);
			if (n.start_port > n.end_port ||
			    ts_addr_cmp(n.start, n.end, al) > 0)
				continue;
			out->ts[out->n_ts++] = n;
		}
	}
	return out->n_ts > 0;
}

uint32_t *
ike_sa_own_msgid(struct ike_sa *sa)
{
	return sa->role == ROLE_INITIATOR ? &sa->msgid : &sa->peer_msgid;
}

uint32_t *
ike_sa_peer_msgid(struct ike_sa *sa)
{
	return sa->role == ROLE_INITIATOR ? &sa->peer_msgid : &sa->msgid;
}
