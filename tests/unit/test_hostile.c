/* SPDX-License-Identifier: ISC */
/* Unit tests for the responder's answers to hostile IKE_SA_INIT and IKE_AUTH requests: what is answered, what is dropped, what is left behind. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <string.h>

#include "test.h"
#include "buf/buf.h"
#include "codec/chain.h"
#include "codec/hdr.h"
#include "codec/ke.h"
#include "codec/msg.h"
#include "codec/nonce.h"
#include "codec/notify.h"
#include "codec/sa_pld.h"
#include "crypto/dh.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"

static const char	 SUITE[] = "aes256gcm16-prfsha256-x25519";
static uint8_t		 msg[XCHG_OUT_MAX], out[XCHG_OUT_MAX], pt[XCHG_OUT_MAX];

static int
cfg(struct xchg_cfg *c, struct psk *p, const char *me, const char *peer,
    const char *ts_l, const char *ts_r)
{
	char	 err[PROPOSAL_ERR_MAX];

	memset(c, 0, sizeof(*c));
	memset(p, 0, sizeof(*p));
	memcpy(p->key, "hostile-psk", 11);
	p->len = 11;
	c->psk = p;
	c->af = AF_INET;
	inet_pton(AF_INET, me, c->local_addr);
	inet_pton(AF_INET, peer, c->peer_addr);
	c->local_port = c->peer_port = 500;
	return proposal_parse(&c->ike, IKEV2_PROTO_IKE, SUITE, err,
	    sizeof(err)) == IKE_OK &&
	    proposal_parse(&c->esp, IKEV2_PROTO_ESP, "aes256gcm16", err,
	    sizeof(err)) == IKE_OK &&
	    ike_id_parse(&c->local_id, me) == IKE_OK &&
	    ts_parse_list(&c->ts_local, ts_l, err, sizeof(err)) == IKE_OK &&
	    ts_parse_list(&c->ts_remote, ts_r, err, sizeof(err)) == IKE_OK;
}

/* What request() puts in an IKE_SA_INIT request besides SA, KE, Nonce. */
struct shape {
	size_t		 ke_len;	/* 0: 32 random bytes (X25519) */
	bool		 ke_zero;	/* the all-zero X25519 value */
	bool		 no_ke;
	bool		 two_sa;
	uint8_t		 crit;		/* an unknown payload of this type, critical */
};

/* request writes an IKE_SA_INIT request of shape s to msg; its length. */
static size_t
request(const struct xchg_cfg *c, const struct shape *s)
{
	struct wr	 w = wr_init(msg, sizeof(msg));
	struct ike_hdr	 h;
	struct chain	 ch;
	uint8_t		 ke[64], n[32];
	size_t		 off, kl = s->ke_len ? s->ke_len : 32;

	memset(&h, 0, sizeof(h));
	h.ispi = 0x1122334455667788ULL;
	h.major = IKEV2_MAJOR;
	h.exch = IKEV2_EXCH_IKE_SA_INIT;
	h.flags = IKEV2_FLAG_INITIATOR;
	memset(ke, s->ke_zero ? 0 : 0x5a, sizeof(ke));
	memset(n, 0x33, sizeof(n));
	off = hdr_put(&w, &h);
	chain_init(&ch, &w, off + HDR_NEXT_AT);
	chain_open(&ch, IKEV2_PAYLOAD_SA, false);
	sa_pld_put(&w, &c->ike);
	if (s->two_sa) {
		chain_open(&ch, IKEV2_PAYLOAD_SA, false);
		sa_pld_put(&w, &c->ike);
	}
	if (!s->no_ke) {
		chain_open(&ch, IKEV2_PAYLOAD_KE, false);
		ke_put(&w, IKEV2_DH_CURVE25519, ke, kl);
	}
	chain_open(&ch, IKEV2_PAYLOAD_NONCE, false);
	nonce_put(&w, n, sizeof(n));
	if (s->crit != 0) {
		chain_open(&ch, s->crit, true);
		wr_bytes(&w, "x", 1);
	}
	chain_close(&ch);
	hdr_finish(&w, off);
	return wr_ok(&w) ? w.len : 0;
}

/* respond runs sa_init_respond on a request of shape s; *out_len is what
 * it would send. */
static enum ike_err
respond(struct ike_sa *sa, const struct shape *s, size_t *out_len)
{
	struct xchg_cfg	 c;
	struct psk	 p;
	struct wr	 w = wr_init(out, sizeof(out));
	size_t		 len;
	enum ike_err	 e;

	*out_len = 0;
	if (!cfg(&c, &p, "192.0.2.2", "192.0.2.1", "10.2.0.0/16", "10.1.0.0/16") ||
	    (len = request(&c, s)) == 0)
		return IKE_EINVAL;
	ike_sa_init(sa, ROLE_RESPONDER);
	e = sa_init_respond(sa, &c, rd_init(msg, len), &w);
	*out_len = w.len;
	return e;
}

/* dropped checks that nothing is sent and nothing is kept. */
static bool
dropped(const struct ike_sa *sa, size_t out_len)
{
	static const struct ike_keys zero;

	return out_len == 0 && sa->state == SA_IDLE &&
	    memcmp(&sa->keys, &zero, sizeof(zero)) == 0 && sa->auth_why[0] != '\0';
}

/* RFC 7296 2.5: UNSUPPORTED_CRITICAL_PAYLOAD in a clear response, the type
 * as its one byte of data, and no state */
TEST(init_unknown_critical_answered_with_its_type)
{
	static struct ike_msg	 m;
	struct ike_sa		 sa;
	struct shape		 s = { .crit = 200 };
	struct notify_pld	 n;
	struct rd		 b;
	size_t			 len;

	ASSERT_EQ(respond(&sa, &s, &len), IKE_EUNSUPP_CRIT);
	ASSERT(len > 0);
	ASSERT_EQ(msg_parse(rd_init(out, len), &m), IKE_OK);
	ASSERT_EQ(m.hdr.flags, IKEV2_FLAG_RESPONSE);
	ASSERT(m.hdr.ispi == 0x1122334455667788ULL && m.hdr.rspi == 0);
	ASSERT_EQ(m.hdr.msgid, 0);
	ASSERT_EQ(m.n_pld, 1);
	b = m.pld[0].body;
	ASSERT_EQ(notify_parse(&b, &n), IKE_OK);
	ASSERT_EQ(n.type, IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	ASSERT_EQ(n.data.len, 1);
	ASSERT_EQ(n.data.p[0], 200);
	ASSERT_EQ(sa.state, SA_IDLE);
	ike_sa_wipe(&sa);
}

/* RFC 7296 3.10.1: no INVALID_SYNTAX in the clear: dropped, with a reason */
TEST(init_malformed_dropped_with_reason)
{
	static const struct shape shapes[] = {
		{ .ke_len = 31 }, { .ke_len = 33 }, { .ke_zero = true },
		{ .no_ke = true }, { .two_sa = true },
	};
	static const char *const why[] = {
		"KE of 31 bytes", "KE of 33 bytes", "not a public value",
		"no KE payload", "a second SA payload",
	};
	struct ike_sa	 sa;
	size_t		 i, len;
	enum ike_err	 e;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		e = respond(&sa, &shapes[i], &len);
		if (e == IKE_OK || !dropped(&sa, len) ||
		    strstr(sa.auth_why, why[i]) == NULL) {
			fprintf(stderr, "  shape %zu: %d, %zu bytes, '%s'\n", i,
			    (int)e, len, sa.auth_why);
			*failed_ = 1;
		}
		ike_sa_wipe(&sa);
	}
}

/* the genuine request still works with the same builder */
TEST(init_good_request_answered)
{
	struct ike_sa	 sa;
	struct shape	 s = { 0 };
	size_t		 len;

	memset(&s, 0, sizeof(s));
	ASSERT_EQ(respond(&sa, &s, &len), IKE_OK);
	ASSERT(len > 0);
	ASSERT_EQ(sa.state, SA_INIT_DONE);
	ike_sa_wipe(&sa);
}

/* An initiator and a responder past IKE_SA_INIT. */
struct two {
	struct xchg_cfg	 ci, cr;
	struct psk	 pi, pr;
	struct ike_sa	 i, r;
};

static bool
two_init(struct two *t)
{
	struct wr	 w = wr_init(msg, sizeof(msg));
	struct wr	 w2 = wr_init(out, sizeof(out));

	memset(t, 0, sizeof(*t));
	if (!cfg(&t->ci, &t->pi, "192.0.2.1", "192.0.2.2", "10.1.0.0/16",
	    "10.2.0.0/16") ||
	    !cfg(&t->cr, &t->pr, "192.0.2.2", "192.0.2.1", "10.2.0.0/16",
	    "10.1.0.0/16"))
		return false;
	ike_sa_init(&t->i, ROLE_INITIATOR);
	ike_sa_init(&t->r, ROLE_RESPONDER);
	return sa_init_create(&t->i, &t->ci, &w) == IKE_OK &&
	    sa_init_respond(&t->r, &t->cr, rd_init(msg, w.len), &w2) == IKE_OK &&
	    sa_init_consume(&t->i, &t->ci, rd_init(out, w2.len)) == IKE_OK;
}

/* auth_with sends the responder SK{ IDi, [type (critical) | a payload
 * whose length runs past the end] } and returns what auth_respond did;
 * *n_type and *n_data get the first Notify of its (decrypted) answer. */
static enum ike_err
auth_with(struct two *t, uint8_t crit, bool overrun, bool bad_icv,
    size_t *out_len, uint16_t *n_type, int *n_data)
{
	static struct ike_msg	 m;
	struct skb		 b;
	struct wr		 w = wr_init(msg, sizeof(msg));
	struct wr		 w2 = wr_init(out, sizeof(out));
	struct pld_iter		 it;
	struct pld		 p;
	struct notify_pld	 n;
	struct rd		 body;
	size_t			 pt_len = 0;
	uint8_t			 first = 0;
	enum ike_err		 e;

	*n_type = 0;
	*n_data = -1;
	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_IDI, false);
	wr_bytes(&b.w, "\x02\0\0\0hostile", 11);
	if (crit != 0) {
		chain_open(&b.c, crit, true);
		wr_bytes(&b.w, "x", 1);
	}
	if (overrun) {
		chain_open(&b.c, IKEV2_PAYLOAD_AUTH, false);
		wr_bytes(&b.w, "\x02\0\0\0abcdefgh", 12);
	}
	chain_close(&b.c);
	if (overrun)		/* AUTH's length says 200 */
		wr_u16_at(&b.w, b.c.start + 2, 200);
	if (skb_seal(&t->i, &b, IKEV2_EXCH_IKE_AUTH, false, 1, &w) != IKE_OK)
		return IKE_EINVAL;
	if (bad_icv)
		msg[w.len - 1] ^= 1;
	e = auth_respond(&t->r, &t->cr, rd_init(msg, w.len), &w2);
	*out_len = w2.len;
	if (w2.len == 0 || sk_open(&t->i, rd_init(out, w2.len), &m, pt,
	    sizeof(pt), &pt_len, &first) != IKE_OK)
		return e;
	pld_iter_init_inner(&it, rd_init(pt, pt_len), first);
	while (pld_next(&it, &p))
		if (p.type == IKEV2_PAYLOAD_NOTIFY && *n_type == 0) {
			body = p.body;
			if (notify_parse(&body, &n) == IKE_OK) {
				*n_type = n.type;
				*n_data = n.data.len == 1 ? n.data.p[0] : -1;
			}
		}
	return e;
}

/* RFC 7296 2.5 inside SK: the type in an encrypted UNSUPPORTED_CRITICAL_PAYLOAD,
 * and the exchange (and so the IKE SA) fails */
TEST(auth_unknown_critical_answered_encrypted)
{
	struct two	 t;
	size_t		 len;
	uint16_t	 nt;
	int		 nd;

	ASSERT(two_init(&t));
	ASSERT_EQ(auth_with(&t, 201, false, false, &len, &nt, &nd), IKE_EUNSUPP_CRIT);
	ASSERT(len > 0);
	ASSERT_EQ(nt, IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	ASSERT_EQ(nd, 201);
	ASSERT_EQ(t.r.state, SA_FAILED);
	ASSERT(strstr(t.r.auth_why, "inner payload 2 (type 201)") != NULL);
	ike_sa_wipe(&t.i);
	ike_sa_wipe(&t.r);
}

/* a decrypted inner chain that overruns: encrypted INVALID_SYNTAX */
TEST(auth_inner_overrun_answered_invalid_syntax)
{
	struct two	 t;
	size_t		 len;
	uint16_t	 nt;
	int		 nd;

	ASSERT(two_init(&t));
	ASSERT_EQ(auth_with(&t, 0, true, false, &len, &nt, &nd), IKE_ESYNTAX);
	ASSERT(len > 0);
	ASSERT_EQ(nt, IKEV2_N_INVALID_SYNTAX);
	ASSERT_EQ(t.r.state, SA_FAILED);
	ASSERT(strstr(t.r.auth_why, "inner payload 2 (type 39): truncated") != NULL);
	ike_sa_wipe(&t.i);
	ike_sa_wipe(&t.r);
}

/* the same with a bad ICV: not ours, dropped, the SA as it was */
TEST(auth_bad_icv_dropped_nothing_moves)
{
	struct two	 t;
	size_t		 len;
	uint16_t	 nt;
	int		 nd;

	ASSERT(two_init(&t));
	ASSERT(auth_with(&t, 201, false, true, &len, &nt, &nd) != IKE_OK);
	ASSERT_EQ(len, 0);
	ASSERT_EQ(t.r.state, SA_INIT_DONE);
	ASSERT_EQ(t.r.msgid, 1);
	ike_sa_wipe(&t.i);
	ike_sa_wipe(&t.r);
}
