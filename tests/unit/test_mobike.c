/* SPDX-License-Identifier: ISC */
/* Unit tests for MOBIKE (RFC 4555): MOBIKE_SUPPORTED in IKE_AUTH, UPDATE_SA_ADDRESSES built, answered and read, COOKIE2 checked, NAT detection hashes, the move recorded in the state files. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "test.h"
#include "buf/buf.h"
#include "codec/chain.h"
#include "codec/msg.h"
#include "codec/notify.h"
#include "exchange/internal.h"
#include "exchange/mobike.h"
#include "exchange/xchg.h"
#include "names/ikev2.h"
#include "sa/statedir.h"
#include "xchg_cfg.h"

struct ends {
	struct xchg_cfg	 ci, cr;
	struct psk	 psk;
	struct ike_sa	 i, r;
	uint8_t		 req[XCHG_OUT_MAX], resp[XCHG_OUT_MAX];
	size_t		 req_len, resp_len;
};

/* up runs IKE_SA_INIT and IKE_AUTH, MOBIKE offered by i and r as told. */
static int
up(struct ends *e, bool mi, bool mr)
{
	struct wr	 w, w2;

	memset(e, 0, sizeof(*e));
	e->psk.len = 7;
	memcpy(e->psk.key, "lab-psk", 7);
	if (!cfg(&e->ci, "192.0.2.1", "192.0.2.2", "10.1.0.0/16",
	    "10.2.0.0/16") || !cfg(&e->cr, "192.0.2.2", "192.0.2.1",
	    "10.2.0.0/16", "10.1.0.0/16"))
		return 0;
	e->ci.psk = e->cr.psk = &e->psk;
	e->ci.mobike = mi;
	e->cr.mobike = mr;
	ike_sa_init(&e->i, ROLE_INITIATOR);
	ike_sa_init(&e->r, ROLE_RESPONDER);
	w = wr_init(e->req, sizeof(e->req));
	w2 = wr_init(e->resp, sizeof(e->resp));
	if (sa_init_create(&e->i, &e->ci, &w) != IKE_OK ||
	    sa_init_respond(&e->r, &e->cr, rd_init(e->req, w.len), &w2) !=
	    IKE_OK || sa_init_consume(&e->i, &e->ci, rd_init(e->resp, w2.len)) !=
	    IKE_OK)
		return 0;
	w = wr_init(e->req, sizeof(e->req));
	w2 = wr_init(e->resp, sizeof(e->resp));
	return auth_create(&e->i, &e->ci, &w) == IKE_OK &&
	    auth_respond(&e->r, &e->cr, rd_init(e->req, w.len), &w2) ==
	    IKE_OK && auth_consume(&e->i, &e->ci, rd_init(e->resp, w2.len)) ==
	    IKE_OK && e->i.state == SA_ESTABLISHED;
}

static void
down(struct ends *e)
{
	ike_sa_wipe(&e->i);
	ike_sa_wipe(&e->r);
}

static void
path(struct mobike_path *p, const char *local, uint16_t lport,
    const char *remote, uint16_t rport)
{
	memset(p, 0, sizeof(*p));
	p->af = AF_INET;
	inet_pton(AF_INET, local, p->local);
	inet_pton(AF_INET, remote, p->remote);
	p->lport = lport;
	p->rport = rport;
}

/* move has i send UPDATE_SA_ADDRESSES from new:4500 and r answer it as
 * received from seen:sport; fills u and rq. */
static enum ike_err
move(struct ends *e, struct mobike_update *u, struct mobike_req *rq,
    const char *seen, uint16_t sport, bool fake_i, bool fake_r)
{
	struct mobike_path	 rp;
	struct wr		 w;
	enum ike_err		 err;

	memset(u, 0, sizeof(*u));
	path(&u->path, "192.0.2.9", 4500, "192.0.2.2", 4500);
	u->fake_natd = fake_i;
	w = wr_init(e->req, sizeof(e->req));
	if ((err = mobike_update_create(&e->i, u, &w)) != IKE_OK)
		return err;
	e->req_len = w.len;
	path(&rp, "192.0.2.2", 4500, seen, sport);
	w = wr_init(e->resp, sizeof(e->resp));
	if ((err = mobike_respond(&e->r, rd_init(e->req, e->req_len), &rp,
	    fake_r, &w, rq)) != IKE_OK)
		return err;
	e->resp_len = w.len;
	return IKE_OK;
}

TEST(negotiated_only_when_both_send_it)
{
	struct ends	 e;

	ASSERT(up(&e, true, true));
	ASSERT(e.i.mobike);
	ASSERT(e.r.mobike);
	down(&e);
	ASSERT(up(&e, true, false));
	ASSERT(!e.i.mobike);
	ASSERT(!e.r.mobike);
	down(&e);
	ASSERT(up(&e, false, true));
	ASSERT(!e.i.mobike);
	ASSERT(!e.r.mobike);
	down(&e);
}

TEST(update_built_answered_and_read)
{
	struct ends		 e;
	struct mobike_update	 u;
	struct mobike_req	 rq;
	uint32_t		 own, peer;

	ASSERT(up(&e, true, true));
	own = e.i.msgid;
	peer = e.r.msgid;
	ASSERT_EQ(move(&e, &u, &rq, "192.0.2.9", 4500, false, false), IKE_OK);
	ASSERT_EQ(u.msgid, own);
	ASSERT(rq.mobike);
	ASSERT(rq.update);
	ASSERT(rq.natd);
	ASSERT(!rq.nat_local);
	ASSERT(!rq.nat_remote);
	ASSERT_EQ(e.r.msgid, peer + 1);
	ASSERT(e.resp_len > 0);
	/* the same request again: an older message ID now, no update */
	{
		struct mobike_path	 rp;
		struct mobike_req	 rq2;
		uint8_t			 tmp[XCHG_OUT_MAX];
		struct wr		 w = wr_init(tmp, sizeof(tmp));

		path(&rp, "192.0.2.2", 4500, "198.51.100.1", 4500);
		ASSERT(mobike_respond(&e.r, rd_init(e.req, e.req_len), &rp,
		    false, &w, &rq2) != IKE_OK);
		ASSERT(!rq2.update);
		ASSERT_EQ(w.len, 0);
	}
	ASSERT_EQ(mobike_update_consume(&e.i, &u, rd_init(e.resp, e.resp_len)),
	    IKE_OK);
	ASSERT_EQ(e.i.msgid, own + 1);
	ASSERT(!u.nat_local);
	ASSERT(!u.nat_remote);
	/* the answer again: not awaited any more */
	ASSERT_EQ(mobike_update_consume(&e.i, &u, rd_init(e.resp, e.resp_len)),
	    IKE_ESYNTAX);
	ASSERT_EQ(e.i.msgid, own + 1);
	down(&e);
}

TEST(nat_detected_both_ways)
{
	struct ends		 e;
	struct mobike_update	 u;
	struct mobike_req	 rq;

	ASSERT(up(&e, true, true));
	/* a NAT in front of the new address: r sees another source */
	ASSERT_EQ(move(&e, &u, &rq, "198.51.100.7", 31000, false, false),
	    IKE_OK);
	ASSERT(rq.update);
	ASSERT(rq.nat_remote);
	ASSERT(!rq.nat_local);
	ASSERT_EQ(mobike_update_consume(&e.i, &u, rd_init(e.resp, e.resp_len)),
	    IKE_OK);
	ASSERT(u.nat_local);
	ASSERT(!u.nat_remote);
	down(&e);
}

TEST(faked_nat_keeps_encapsulation)
{
	struct ends		 e;
	struct mobike_update	 u;
	struct mobike_req	 rq;

	ASSERT(up(&e, true, true));
	ASSERT_EQ(move(&e, &u, &rq, "192.0.2.9", 4500, true, true), IKE_OK);
	ASSERT(rq.nat_remote);		/* i's faked source */
	ASSERT(rq.nat_local);		/* r's own fake */
	ASSERT_EQ(mobike_update_consume(&e.i, &u, rd_init(e.resp, e.resp_len)),
	    IKE_OK);
	ASSERT(u.nat_local);
	ASSERT(u.nat_remote);		/* r's faked source */
	down(&e);
}

TEST(cookie2_mismatch_refused)
{
	struct ends		 e;
	struct mobike_update	 u;
	struct mobike_req	 rq;
	uint32_t		 own;

	ASSERT(up(&e, true, true));
	own = e.i.msgid;
	ASSERT_EQ(move(&e, &u, &rq, "192.0.2.9", 4500, false, false), IKE_OK);
	u.cookie2[3] ^= 0x40;		/* not what the peer echoes */
	ASSERT_EQ(mobike_update_consume(&e.i, &u, rd_init(e.resp, e.resp_len)),
	    IKE_EPROTO);
	ASSERT_EQ(e.i.msgid, own + 1);	/* the exchange is over all the same */
	down(&e);
}

TEST(answer_checked_before_taken)
{
	struct ends		 e;
	struct mobike_update	 u;
	struct mobike_req	 rq;
	uint32_t		 own;

	ASSERT(up(&e, true, true));
	own = e.i.msgid;
	ASSERT_EQ(move(&e, &u, &rq, "192.0.2.9", 4500, false, false), IKE_OK);
	/* a changed byte: does not decrypt, keep waiting */
	e.resp[e.resp_len - 1] ^= 1;
	ASSERT_EQ(mobike_update_consume(&e.i, &u, rd_init(e.resp, e.resp_len)),
	    IKE_EINTEG);
	ASSERT_EQ(e.i.msgid, own);
	e.resp[e.resp_len - 1] ^= 1;
	/* the request itself is no answer */
	ASSERT_EQ(mobike_update_consume(&e.i, &u, rd_init(e.req, e.req_len)),
	    IKE_ESYNTAX);
	ASSERT_EQ(mobike_update_consume(&e.i, &u, rd_init(e.resp, e.resp_len)),
	    IKE_OK);
	down(&e);
}

TEST(forged_request_not_answered)
{
	struct ends		 e;
	struct mobike_update	 u;
	struct mobike_path	 rp;
	struct mobike_req	 rq;
	struct wr		 w;
	uint32_t		 peer;

	ASSERT(up(&e, true, true));
	peer = e.r.msgid;
	memset(&u, 0, sizeof(u));
	path(&u.path, "192.0.2.9", 4500, "192.0.2.2", 4500);
	w = wr_init(e.req, sizeof(e.req));
	ASSERT_EQ(mobike_update_create(&e.i, &u, &w), IKE_OK);
	e.req_len = w.len;
	e.req[e.req_len - 5] ^= 0x10;	/* in the ICV */
	path(&rp, "192.0.2.2", 4500, "203.0.113.66", 4500);
	w = wr_init(e.resp, sizeof(e.resp));
	ASSERT(mobike_respond(&e.r, rd_init(e.req, e.req_len), &rp,
	    false, &w, &rq) != IKE_OK);
	ASSERT(!rq.update);
	ASSERT_EQ(w.len, 0);
	ASSERT_EQ(e.r.msgid, peer);
	down(&e);
}

TEST(ordinary_informational_left_to_info_respond)
{
	struct ends		 e;
	struct mobike_path	 rp;
	struct mobike_req	 rq;
	struct info_req		 ir;
	struct wr		 w;
	uint32_t		 peer;

	ASSERT(up(&e, true, true));
	peer = e.r.msgid;
	w = wr_init(e.req, sizeof(e.req));
	ASSERT_EQ(info_create(&e.i, false, &w), IKE_OK);	/* liveness */
	e.req_len = w.len;
	path(&rp, "192.0.2.2", 4500, "192.0.2.1", 4500);
	w = wr_init(e.resp, sizeof(e.resp));
	ASSERT_EQ(mobike_respond(&e.r, rd_init(e.req, e.req_len), &rp, false,
	    &w, &rq), IKE_OK);
	ASSERT(!rq.mobike);
	ASSERT_EQ(w.len, 0);
	ASSERT_EQ(e.r.msgid, peer);
	w = wr_init(e.resp, sizeof(e.resp));
	ASSERT_EQ(info_respond(&e.r, rd_init(e.req, e.req_len), &w, &ir),
	    IKE_OK);
	ASSERT(ir.empty);
	down(&e);
}

TEST(no_mobike_no_move)
{
	struct ends		 e;
	struct mobike_update	 u;
	struct mobike_path	 rp;
	struct mobike_req	 rq;
	struct wr		 w;

	ASSERT(up(&e, true, false));
	memset(&u, 0, sizeof(u));
	path(&u.path, "192.0.2.9", 4500, "192.0.2.2", 4500);
	w = wr_init(e.req, sizeof(e.req));
	ASSERT_EQ(mobike_update_create(&e.i, &u, &w), IKE_EINVAL);
	ASSERT_EQ(w.len, 0);
	path(&rp, "192.0.2.2", 4500, "192.0.2.9", 4500);
	ASSERT_EQ(mobike_respond(&e.r, rd_init(e.req, 0), &rp, false, &w, &rq),
	    IKE_EINVAL);
	down(&e);
}

/* A notify for crafted(): type, data and its length. */
struct nt {
	uint16_t	 type;
	const uint8_t	*data;
	size_t		 len;
};

/* crafted has sa (the initiator) seal an INFORMATIONAL request with the n
 * notifies of nt at its next message ID into e->req. */
static int
crafted(struct ends *e, struct ike_sa *sa, const struct nt *nt, size_t n)
{
	struct skb	 b;
	struct wr	 w = wr_init(e->req, sizeof(e->req));
	size_t		 k;

	skb_init(&b);
	for (k = 0; k < n; k++) {
		chain_open(&b.c, IKEV2_PAYLOAD_NOTIFY, false);
		notify_put(&b.w, 0, NULL, 0, nt[k].type, nt[k].data, nt[k].len);
	}
	if (skb_seal(sa, &b, IKEV2_EXCH_INFORMATIONAL, false,
	    *ike_sa_own_msgid(sa), &w) != IKE_OK)
		return 0;
	e->req_len = w.len;
	return 1;
}

/* notify_of decrypts r's answer in e->resp as i and returns its first
 * Notify's type (0: none, -1: does not open). */
static int
notify_of(struct ends *e)
{
	uint8_t			 pt[XCHG_OUT_MAX];
	struct ike_msg		 m;
	struct pld_iter		 it;
	struct pld		 p;
	struct notify_pld	 n;
	struct rd		 body;
	size_t			 pt_len = 0;
	uint8_t			 first = 0;

	if (sk_open(&e->i, rd_init(e->resp, e->resp_len), &m, pt, sizeof(pt),
	    &pt_len, &first) != IKE_OK ||
	    (m.hdr.flags & IKEV2_FLAG_RESPONSE) == 0)
		return -1;
	pld_iter_init_inner(&it, rd_init(pt, pt_len), first);
	while (pld_next(&it, &p))
		if (p.type == IKEV2_PAYLOAD_NOTIFY) {
			body = p.body;
			return notify_parse(&body, &n) == IKE_OK ? n.type : -1;
		}
	return 0;
}

/* One malformed UPDATE_SA_ADDRESSES after another, each authentic: each is
 * answered N(INVALID_SYNTAX), the counter moves, nothing is updated. */
TEST(malformed_update_answered_invalid_syntax)
{
	static const uint8_t	 c2[16] = { 1, 2, 3 }, c2b[16] = { 4 },
	    shortc[7] = { 9 }, h20[20] = { 5 }, h19[19] = { 6 };
	static const uint8_t	 longc[65] = { 7 };
	const struct nt		 cases[][4] = {
		{ { IKEV2_N_UPDATE_SA_ADDRESSES, NULL, 0 },
		  { IKEV2_N_COOKIE2, c2, sizeof(c2) },
		  { IKEV2_N_COOKIE2, c2b, sizeof(c2b) }, { 0, NULL, 0 } },
		{ { IKEV2_N_UPDATE_SA_ADDRESSES, NULL, 0 },
		  { IKEV2_N_COOKIE2, shortc, sizeof(shortc) }, { 0, NULL, 0 },
		  { 0, NULL, 0 } },
		{ { IKEV2_N_UPDATE_SA_ADDRESSES, NULL, 0 },
		  { IKEV2_N_COOKIE2, longc, sizeof(longc) }, { 0, NULL, 0 },
		  { 0, NULL, 0 } },
		{ { IKEV2_N_UPDATE_SA_ADDRESSES, NULL, 0 },
		  { IKEV2_N_NAT_DETECTION_SOURCE_IP, h19, sizeof(h19) },
		  { IKEV2_N_NAT_DETECTION_DESTINATION_IP, h20, sizeof(h20) },
		  { IKEV2_N_COOKIE2, c2, sizeof(c2) } },
		{ { IKEV2_N_UPDATE_SA_ADDRESSES, NULL, 0 },
		  { IKEV2_N_NAT_DETECTION_SOURCE_IP, h20, sizeof(h20) },
		  { IKEV2_N_NAT_DETECTION_DESTINATION_IP, h19, sizeof(h19) },
		  { 0, NULL, 0 } },
	};
	struct ends		 e;
	struct mobike_path	 rp;
	struct mobike_req	 rq;
	struct info_req		 ir;
	struct wr		 w;
	uint32_t		 peer;
	size_t			 k, n;

	ASSERT(up(&e, true, true));
	path(&rp, "192.0.2.2", 4500, "198.51.100.9", 4500);
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		for (n = 0; n < 4 && cases[k][n].type != 0; n++)
			;
		peer = e.r.msgid;
		ASSERT(crafted(&e, &e.i, cases[k], n));
		w = wr_init(e.resp, sizeof(e.resp));
		/* both doors: MOBIKE only, and the one for any INFORMATIONAL */
		if (k % 2 == 0)
			ASSERT_EQ(mobike_respond(&e.r, rd_init(e.req, e.req_len),
			    &rp, false, &w, &rq), IKE_ESYNTAX);
		else
			ASSERT_EQ(mobike_info_respond(&e.r, rd_init(e.req,
			    e.req_len), &rp, false, &w, &rq, &ir, NULL, 0),
			    IKE_ESYNTAX);
		ASSERT(w.len > 0);
		ASSERT(rq.mobike);
		ASSERT(rq.invalid);
		ASSERT(!rq.update);
		ASSERT(!rq.natd);
		ASSERT_EQ(e.r.msgid, peer + 1);
		e.resp_len = w.len;
		ASSERT_EQ(notify_of(&e), IKEV2_N_INVALID_SYNTAX);
		/* its answer taken: i's counter moves on */
		ASSERT_EQ(info_consume(&e.i, rd_init(e.resp, e.resp_len)),
		    IKE_OK);
	}
	down(&e);
}

/* The same, not authentic (a bit of its ICV changed) or an old message
 * ID: dropped, nothing answered, the counter stays. */
TEST(malformed_forged_or_old_dropped)
{
	static const uint8_t	 c2[16] = { 1 };
	const struct nt		 two[] = {
		{ IKEV2_N_UPDATE_SA_ADDRESSES, NULL, 0 },
		{ IKEV2_N_COOKIE2, c2, sizeof(c2) },
		{ IKEV2_N_COOKIE2, c2, sizeof(c2) } };
	struct ends		 e;
	struct mobike_path	 rp;
	struct mobike_req	 rq;
	struct wr		 w;
	uint32_t		 peer;

	ASSERT(up(&e, true, true));
	path(&rp, "192.0.2.2", 4500, "198.51.100.9", 4500);
	peer = e.r.msgid;
	ASSERT(crafted(&e, &e.i, two, 3));
	e.req[e.req_len - 3] ^= 0x01;
	w = wr_init(e.resp, sizeof(e.resp));
	ASSERT_EQ(mobike_respond(&e.r, rd_init(e.req, e.req_len), &rp, false,
	    &w, &rq), IKE_EINTEG);
	ASSERT_EQ(w.len, 0);
	ASSERT(!rq.invalid);
	ASSERT_EQ(e.r.msgid, peer);
	e.req[e.req_len - 3] ^= 0x01;
	e.r.msgid = peer + 1;		/* as if it were answered before */
	ASSERT_EQ(mobike_respond(&e.r, rd_init(e.req, e.req_len), &rp, false,
	    &w, &rq), IKE_ESYNTAX);
	ASSERT_EQ(w.len, 0);
	ASSERT(!rq.invalid);
	ASSERT_EQ(e.r.msgid, peer + 1);
	down(&e);
}

/* mobike_info_respond: a MOBIKE request answered as such, an ordinary
 * Delete as info_respond_pairs would, each decrypted once. */
TEST(info_respond_both_kinds)
{
	struct ends		 e;
	struct mobike_update	 u;
	struct mobike_path	 rp;
	struct mobike_req	 rq;
	struct info_req		 ir;
	struct child_pair	 pair;
	struct wr		 w;
	uint32_t		 peer, spi;

	ASSERT(up(&e, true, true));
	pair = (struct child_pair){ e.r.child.spi_out, e.r.child.spi_in };
	peer = e.r.msgid;
	memset(&u, 0, sizeof(u));
	path(&u.path, "192.0.2.9", 4500, "192.0.2.2", 4500);
	w = wr_init(e.req, sizeof(e.req));
	ASSERT_EQ(mobike_update_create(&e.i, &u, &w), IKE_OK);
	e.req_len = w.len;
	path(&rp, "192.0.2.2", 4500, "192.0.2.9", 4500);
	w = wr_init(e.resp, sizeof(e.resp));
	ASSERT_EQ(mobike_info_respond(&e.r, rd_init(e.req, e.req_len), &rp,
	    false, &w, &rq, &ir, &pair, 1), IKE_OK);
	ASSERT(rq.mobike);
	ASSERT(rq.update);
	ASSERT(!ir.empty);		/* not filled: not an info_answer */
	ASSERT(!ir.child_gone);
	e.resp_len = w.len;
	ASSERT_EQ(mobike_update_consume(&e.i, &u, rd_init(e.resp, e.resp_len)),
	    IKE_OK);
	/* a Delete of the Child SA: ours named back */
	spi = e.i.child.spi_in;
	w = wr_init(e.req, sizeof(e.req));
	ASSERT_EQ(info_create_delete(&e.i, false, &spi, 1, &w), IKE_OK);
	e.req_len = w.len;
	w = wr_init(e.resp, sizeof(e.resp));
	ASSERT_EQ(mobike_info_respond(&e.r, rd_init(e.req, e.req_len), &rp,
	    false, &w, &rq, &ir, &pair, 1), IKE_OK);
	ASSERT(!rq.mobike);
	ASSERT(ir.child_gone);
	ASSERT_EQ(ir.n_del, 1);
	ASSERT_EQ(ir.del_spi[0], spi);
	ASSERT_EQ(e.r.msgid, peer + 2);
	ASSERT(w.len > 0);
	e.resp_len = w.len;
	/* without MOBIKE on the SA: no MOBIKE answer, an INFORMATIONAL one */
	e.r.mobike = false;
	w = wr_init(e.req, sizeof(e.req));
	ASSERT_EQ(info_create(&e.i, false, &w), IKE_OK);
	ASSERT_EQ(info_consume(&e.i, rd_init(e.resp, e.resp_len)), IKE_OK);
	w = wr_init(e.req, sizeof(e.req));
	ASSERT_EQ(info_create(&e.i, false, &w), IKE_OK);
	e.req_len = w.len;
	w = wr_init(e.resp, sizeof(e.resp));
	ASSERT_EQ(mobike_info_respond(&e.r, rd_init(e.req, e.req_len), &rp,
	    false, &w, &rq, &ir, &pair, 1), IKE_OK);
	ASSERT(!rq.mobike);
	ASSERT(ir.empty);
	down(&e);
}

/* The return routability check: r asks, i (the peer that moved) echoes
 * the COOKIE2 as any MOBIKE request is answered; forged, wrong and missing
 * echoes. */
TEST(return_routability_check)
{
	struct ends		 e;
	struct mobike_check	 c;
	struct mobike_path	 ip;
	struct mobike_req	 rq;
	struct wr		 w;
	uint32_t		 own, peer;
	uint8_t			 keep[XCHG_OUT_MAX];
	size_t			 keep_len;

	ASSERT(up(&e, true, true));
	own = *ike_sa_own_msgid(&e.r);
	peer = *ike_sa_peer_msgid(&e.i);
	w = wr_init(e.req, sizeof(e.req));
	ASSERT_EQ(mobike_check_create(&e.r, &c, &w), IKE_OK);
	e.req_len = w.len;
	ASSERT_EQ(c.msgid, own);
	ASSERT_EQ(*ike_sa_own_msgid(&e.r), own);	/* the caller's to move */
	/* i answers it (COOKIE2 echoed, no update) */
	path(&ip, "192.0.2.9", 4500, "192.0.2.2", 4500);
	w = wr_init(e.resp, sizeof(e.resp));
	ASSERT_EQ(mobike_respond(&e.i, rd_init(e.req, e.req_len), &ip, false,
	    &w, &rq), IKE_OK);
	ASSERT(rq.mobike);
	ASSERT(!rq.update);
	ASSERT_EQ(*ike_sa_peer_msgid(&e.i), peer + 1);
	e.resp_len = w.len;
	memcpy(keep, e.resp, e.resp_len);
	keep_len = e.resp_len;
	/* forged: keep waiting */
	e.resp[e.resp_len - 2] ^= 4;
	ASSERT_EQ(mobike_check_consume(&e.r, &c, rd_init(e.resp, e.resp_len)),
	    IKE_EINTEG);
	ASSERT_EQ(*ike_sa_own_msgid(&e.r), own);
	/* the request itself: no answer */
	ASSERT_EQ(mobike_check_consume(&e.r, &c, rd_init(e.req, e.req_len)),
	    IKE_ESYNTAX);
	ASSERT_EQ(mobike_check_consume(&e.r, &c, rd_init(keep, keep_len)),
	    IKE_OK);
	ASSERT_EQ(*ike_sa_own_msgid(&e.r), own + 1);
	/* again: answered already */
	ASSERT_EQ(mobike_check_consume(&e.r, &c, rd_init(keep, keep_len)),
	    IKE_ESYNTAX);
	/* a second check whose echo is not ours: over, but refused */
	w = wr_init(e.req, sizeof(e.req));
	ASSERT_EQ(mobike_check_create(&e.r, &c, &w), IKE_OK);
	e.req_len = w.len;
	ASSERT_EQ(c.msgid, own + 1);
	w = wr_init(e.resp, sizeof(e.resp));
	ASSERT_EQ(mobike_respond(&e.i, rd_init(e.req, e.req_len), &ip, false,
	    &w, &rq), IKE_OK);
	e.resp_len = w.len;
	c.cookie2[0] ^= 1;
	ASSERT_EQ(mobike_check_consume(&e.r, &c, rd_init(e.resp, e.resp_len)),
	    IKE_EPROTO);
	ASSERT_EQ(*ike_sa_own_msgid(&e.r), own + 2);
	/* a third answered empty (a peer that ignores COOKIE2): refused */
	w = wr_init(e.req, sizeof(e.req));
	ASSERT_EQ(mobike_check_create(&e.r, &c, &w), IKE_OK);
	e.req_len = w.len;
	w = wr_init(e.resp, sizeof(e.resp));
	{
		struct info_req	 ir;

		e.i.mobike = false;
		ASSERT_EQ(info_respond(&e.i, rd_init(e.req, e.req_len), &w,
		    &ir), IKE_OK);
		e.i.mobike = true;
	}
	e.resp_len = w.len;
	ASSERT_EQ(mobike_check_consume(&e.r, &c, rd_init(e.resp, e.resp_len)),
	    IKE_EPROTO);
	/* no MOBIKE: no check */
	e.r.mobike = false;
	w = wr_init(e.req, sizeof(e.req));
	ASSERT_EQ(mobike_check_create(&e.r, &c, &w), IKE_EINVAL);
	down(&e);
}

/* NAT detection: SHA-1(SPIi | SPIr | IP | Port), RFC 7296 2.23, against
 * OpenSSL's SHA-1 over the bytes laid out by hand */
TEST(natd_hash_known_layout)
{
	struct ike_sa	 sa;
	uint8_t		 in[8 + 8 + 4 + 2] = {
	    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	    0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
	    192, 0, 2, 9,
	    0x11, 0x94 };		/* 4500 */
	uint8_t		 addr[4] = { 192, 0, 2, 9 }, got[20], want[20];
	unsigned int	 n = 0;

	ike_sa_init(&sa, ROLE_INITIATOR);
	sa.ispi = 0x0123456789abcdefULL;
	sa.rspi = 0xfedcba9876543210ULL;
	ASSERT_EQ(mobike_natd(&sa, AF_INET, addr, 4500, got), IKE_OK);
	ASSERT(EVP_Digest(in, sizeof(in), want, &n, EVP_sha1(), NULL) == 1);
	ASSERT_EQ(n, 20);
	ASSERT_MEM(got, want, 20);
	/* another port, another hash */
	ASSERT_EQ(mobike_natd(&sa, AF_INET, addr, 500, got), IKE_OK);
	ASSERT(memcmp(got, want, 20) != 0);
	ike_sa_wipe(&sa);
}

/* mobike_record: ike.sa's endpoints and NAT state, the journal dropped in
 * the same update, every other line kept; the Child SA files follow */
static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int
read_file(const char *path, char *buf, size_t n)
{
	FILE	*f = fopen(path, "r");
	size_t	 len;

	if (f == NULL)
		return 0;
	len = fread(buf, 1, n - 1, f);
	buf[len] = '\0';
	fclose(f);
	return 1;
}

TEST(record_moves_ike_sa_and_children)
{
	static const char *const drop[] = { "pending_msgid", NULL };
	char			 top[64], state[96], file[160], buf[2048];
	struct sd		 sd;
	struct sd_lock		 l;
	struct kvbuf		 b;
	struct mobike_path	 p;
	int			 ok;

	snprintf(top, sizeof(top), "/tmp/test_mobike.XXXXXX");
	ASSERT(mkdtemp(top) != NULL);
	snprintf(state, sizeof(state), "%s/state", top);
	ok = sd_open(&sd, state, true) == IKE_OK &&
	    sd_lock_sa(&sd, "site", true, &l) == IKE_OK;
	if (ok) {
		kv_init(&b);
		kv_str(&b, "version", "1");
		kv_str(&b, "local", "192.0.2.1:500");
		kv_str(&b, "remote", "192.0.2.2:500");
		kv_str(&b, "nat", "no");
		kv_str(&b, "mobike", "yes");
		kv_str(&b, "pending_msgid", "2");
		ok = sd_write(&l, "ike.sa", &b) == IKE_OK;
		kv_init(&b);
		kv_str(&b, "version", "1");
		kv_str(&b, "local", "192.0.2.1");
		kv_str(&b, "remote", "192.0.2.2");
		kv_str(&b, "encap", "udp");
		ok = ok && sd_write(&l, "child.net.sa", &b) == IKE_OK;
		path(&p, "192.0.2.9", 4500, "192.0.2.2", 4500);
		ok = ok && mobike_record(&l, &p, true, drop) == IKE_OK;
		sd_unlock(&l);
		sd_close(&sd);
	}
	snprintf(file, sizeof(file), "%s/site/ike.sa", state);
	ok = ok && read_file(file, buf, sizeof(buf)) &&
	    strstr(buf, "\nlocal=192.0.2.9:4500\n") != NULL &&
	    strstr(buf, "\nremote=192.0.2.2:4500\n") != NULL &&
	    strstr(buf, "\nnat=yes\n") != NULL &&
	    strstr(buf, "\nmobike=yes\n") != NULL &&
	    strstr(buf, "pending_msgid") == NULL;
	snprintf(file, sizeof(file), "%s/site/child.net.sa", state);
	ok = ok && read_file(file, buf, sizeof(buf)) &&
	    strstr(buf, "\nlocal=192.0.2.9\n") != NULL &&
	    strstr(buf, "\nremote=192.0.2.2\n") != NULL &&
	    strstr(buf, "\nencap=udp\n") != NULL;
	(void)nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	ASSERT(ok);
}
