/* SPDX-License-Identifier: ISC */
/* CREATE_CHILD_SA for Child SAs (RFC 7296 1.3.1, 1.3.3, 2.17): a new or rekeyed Child SA, with or without PFS, in both roles. */
#include <string.h>

#include "codec/ke.h"
#include "codec/nonce.h"
#include "codec/notify.h"
#include "crypto/dh.h"
#include "crypto/keys.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"
#include "exchange/collide.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"

enum { DH_SHARED_MAX = 512, KE_MAX = 1024 };

/* The inner payloads of a CREATE_CHILD_SA message. */
struct ccsa_msg {
	struct ike_hdr	 hdr;
	bool		 has_sa, has_nonce, has_ke, has_tsi, has_tsr;
	bool		 rekey;
	uint32_t	 rekey_spi;
	struct sa_pld	 sa;
	struct rd	 nonce;
	struct ke_pld	 ke;
	struct ts_pld	 tsi, tsr;
	uint16_t	 error;		/* first error Notify */
	uint16_t	 ke_group;	/* INVALID_KE_PAYLOAD's group */
	bool		 decrypted;	/* authenticated: from the peer */
};

static enum ike_err
parse(const struct ike_sa *sa, struct rd in, uint8_t *pt, size_t cap,
    struct ccsa_msg *out)
{
	struct ike_msg		 m;
	struct pld_iter		 it;
	struct pld		 p;
	struct notify_pld	 n;
	struct rd		 body;
	size_t			 pt_len = 0;
	uint8_t			 first = 0;
	enum ike_err		 e = IKE_OK;

	memset(out, 0, sizeof(*out));
	/* nothing that does not authenticate (no SK, fragments, too short,
	 * a bad ICV) is the peer's: IKE_EINTEG, whatever was wrong */
	if (sk_open(sa, in, &m, pt, cap, &pt_len, &first) != IKE_OK)
		return IKE_EINTEG;
	out->decrypted = true;
	out->hdr = m.hdr;
	if (m.hdr.exch != IKEV2_EXCH_CREATE_CHILD_SA)
		return IKE_ESYNTAX;
	pld_iter_init_inner(&it, rd_init(pt, pt_len), first);
	while (e == IKE_OK && pld_next(&it, &p)) {
		body = p.body;
		switch (p.type) {
		case IKEV2_PAYLOAD_SA:
			out->has_sa = true;
			e = sa_pld_parse(&body, &out->sa);
			break;
		case IKEV2_PAYLOAD_NONCE:
			out->has_nonce = true;
			e = nonce_parse(&body, &out->nonce);
			break;
		case IKEV2_PAYLOAD_KE:
			out->has_ke = true;
			e = ke_parse(&body, &out->ke);
			break;
		case IKEV2_PAYLOAD_TSI:
			out->has_tsi = true;
			e = ts_parse(&body, &out->tsi);
			break;
		case IKEV2_PAYLOAD_TSR:
			out->has_tsr = true;
			e = ts_parse(&body, &out->tsr);
			break;
		case IKEV2_PAYLOAD_NOTIFY:
			if ((e = notify_parse(&body, &n)) != IKE_OK)
				break;
			if (n.type == IKEV2_N_REKEY_SA && n.proto == IKEV2_PROTO_ESP &&
			    notify_spi32(&n, &out->rekey_spi))
				out->rekey = true;
			else if (notify_is_error(n.type) && out->error == 0) {
				out->error = n.type;
				if (n.type == IKEV2_N_INVALID_KE_PAYLOAD &&
				    n.data.len == 2)
					out->ke_group = (uint16_t)(n.data.p[0] << 8 |
					    n.data.p[1]);
			}
			break;
		default:
			break;
		}
	}
	if (e == IKE_OK)
		e = it.err;
	return e;
}

void
ccsa_wipe(struct ccsa *c)
{
	dh_free(c->dh);
	child_keys_wipe(&c->child.keys);
	wipe(c, sizeof(*c));
}

/* spi_bytes writes spi to a proposal's 4-byte SPI. */
static void
spi_put(struct sa_prop *p, uint32_t spi)
{
	int	 i;

	p->spi_len = 4;
	for (i = 0; i < 4; i++)
		p->spi[i] = (uint8_t)(spi >> (24 - 8 * i));
}

static uint32_t
spi_get(const struct sa_prop *p)
{
	return (uint32_t)p->spi[0] << 24 | (uint32_t)p->spi[1] << 16 |
	    (uint32_t)p->spi[2] << 8 | p->spi[3];
}

static uint32_t
new_spi(void)
{
	uint32_t	 spi = 0;

	/* 1-255 are reserved (RFC 4303 2.1) */
	while (spi < 256)
		rand_bytes(&spi, sizeof(spi));
	return spi;
}

/* derive fills c->child from the chosen proposal and the exchange's nonces
 * and, with PFS, the new shared secret (RFC 7296 2.17). */
static enum ike_err
derive(struct ike_sa *sa, struct ccsa *c, const struct sa_prop *chosen,
    const struct rd *peer_ke)
{
	struct child_sa	*ch = &c->child;
	uint8_t		 g[DH_SHARED_MAX];
	size_t		 g_len = 0;
	enum ike_err	 e;

	if (chosen->proto != IKEV2_PROTO_ESP || chosen->spi_len != 4 ||
	    !proposal_supported(chosen))
		return IKE_ENOPROP;
	ch->chosen = *chosen;
	ch->spi_out = spi_get(chosen);
	ch->encr = proposal_encr(chosen, &ch->keybits);
	ch->integ = proposal_integ(chosen);
	ch->esn = proposal_esn(chosen);
	if (c->dh != NULL) {
		g_len = dh_shared_len(dh_group(c->dh));
		if (g_len > sizeof(g))
			return IKE_EUNSUPP;
		if ((e = dh_shared(c->dh, peer_ke->p, peer_ke->len, g,
		    sizeof(g), &g_len)) != IKE_OK)
			return e;
	}
	e = child_keys_derive(&ch->keys, sa->suite.prf, sa->keys.sk_d,
	    sa->keys.d_len, c->dh != NULL ? g : NULL, g_len, c->ni, c->ni_len,
	    c->nr, c->nr_len, ch->encr, ch->keybits, ch->integ);
	wipe(g, sizeof(g));
	return e;
}

/* put_ke adds our KE payload. */
static enum ike_err
put_ke(struct skb *b, const struct dh *dh)
{
	uint8_t		 ke[KE_MAX];
	size_t		 len = 0;
	enum ike_err	 e;

	if ((e = dh_public(dh, ke, sizeof(ke), &len)) != IKE_OK)
		return e;
	chain_open(&b->c, IKEV2_PAYLOAD_KE, false);
	ke_put(&b->w, dh_group(dh), ke, len);
	return IKE_OK;
}

enum ike_err
ccsa_create(struct ike_sa *sa, struct ccsa *c, const struct sa_pld *esp,
    uint16_t pfs_group, uint32_t rekey_spi, const struct ts_pld *tsi,
    const struct ts_pld *tsr, struct wr *out)
{
	struct skb	 b;
	uint8_t		 spi[4];
	size_t		 i;
	enum ike_err	 e;

	out->len = 0;
	if (sa->state != SA_ESTABLISHED)
		return IKE_EINVAL;
	memset(c, 0, sizeof(*c));
	c->we_initiated = true;
	c->rekey_spi = rekey_spi;
	c->child.spi_in = new_spi();
	c->offered = *esp;
	proposal_strip_dh(&c->offered);
	for (i = 0; i < c->offered.n_props; i++) {
		spi_put(&c->offered.props[i], c->child.spi_in);
		/* PFS (RFC 7296 1.3.1): the group in every proposal */
		if (pfs_group != 0 && !sa_prop_add_xform(&c->offered.props[i],
		    IKEV2_XFORM_DH, pfs_group, 0))
			return IKE_ETOOBIG;
	}
	if (pfs_group != 0 && (e = dh_new(&c->dh, pfs_group)) != IKE_OK)
		return e;
	c->ni_len = IKE_NONCE_LEN;
	rand_bytes(c->ni, c->ni_len);
	c->child.tsi = *tsi;
	c->child.tsr = *tsr;

	skb_init(&b);
	if (rekey_spi != 0) {
		for (i = 0; i < 4; i++)
			spi[i] = (uint8_t)(rekey_spi >> (24 - 8 * i));
		chain_open(&b.c, IKEV2_PAYLOAD_NOTIFY, false);
		notify_put(&b.w, IKEV2_PROTO_ESP, spi, 4, IKEV2_N_REKEY_SA,
		    NULL, 0);
	}
	chain_open(&b.c, IKEV2_PAYLOAD_SA, false);
	sa_pld_put(&b.w, &c->offered);
	chain_open(&b.c, IKEV2_PAYLOAD_NONCE, false);
	nonce_put(&b.w, c->ni, c->ni_len);
	if (c->dh != NULL && (e = put_ke(&b, c->dh)) != IKE_OK) {
		wipe(b.buf, sizeof(b.buf));
		return e;
	}
	chain_open(&b.c, IKEV2_PAYLOAD_TSI, false);
	ts_put(&b.w, tsi);
	chain_open(&b.c, IKEV2_PAYLOAD_TSR, false);
	ts_put(&b.w, tsr);
	c->msgid = *ike_sa_own_msgid(sa);
	return skb_seal(sa, &b, IKEV2_EXCH_CREATE_CHILD_SA, false, c->msgid, out);
}

enum ike_err
ccsa_consume(struct ike_sa *sa, struct ccsa *c, struct rd in)
{
	uint8_t		 pt[XCHG_OUT_MAX];
	struct ccsa_msg	 m;
	struct ike_hdr	 h;
	struct rd	 hr = in;
	enum ike_err	 e;

	if (hdr_parse(&hr, &h) != IKE_OK || h.ispi != sa->ispi ||
	    h.rspi != sa->rspi || h.exch != IKEV2_EXCH_CREATE_CHILD_SA ||
	    (h.flags & IKEV2_FLAG_RESPONSE) == 0 || h.msgid != c->msgid)
		return IKE_ESYNTAX;		/* not the answer: keep waiting */
	/* one that does not decrypt may be forged: IKE_EINTEG, keep waiting;
	 * one that does is the answer, and the exchange is over */
	e = parse(sa, in, pt, sizeof(pt), &m);
	if (m.decrypted)
		(*ike_sa_own_msgid(sa))++;
	if (e != IKE_OK) {
		e = m.decrypted ? IKE_EPROTO : e;
		goto out;
	}
	if (m.error != 0) {
		sa->peer_notify = m.error;
		sa->want_group = m.ke_group;
		e = IKE_EREFUSED;
		goto out;
	}
	if (!m.has_sa || !m.has_nonce || !m.has_tsi || !m.has_tsr ||
	    m.sa.n_props != 1 || m.has_ke != (c->dh != NULL) ||
	    !proposal_accept_reply(&c->offered, &m.sa.props[0]) ||
	    m.nonce.len > sizeof(c->nr) ||
	    (c->dh != NULL && m.ke.group != dh_group(c->dh))) {
		e = IKE_EPROTO;
		goto out;
	}
	/* the responder may narrow, never widen (RFC 7296 2.9) */
	if (!ts_within(&m.tsi, &c->child.tsi) ||
	    !ts_within(&m.tsr, &c->child.tsr)) {
		e = IKE_ETS;
		goto out;
	}
	c->child.tsi = m.tsi;
	c->child.tsr = m.tsr;
	c->nr_len = m.nonce.len;
	memcpy(c->nr, m.nonce.p, c->nr_len);
	if ((e = derive(sa, c, &m.sa.props[0], &m.ke.data)) == IKE_ENOPROP ||
	    e == IKE_EBADKE)
		e = IKE_EPROTO;
out:
	pt_wipe(pt, sizeof(pt), in.len);
	return e;
}

enum ike_err
ccsa_seal(struct ike_sa *sa, struct skb *b, struct wr *out)
{
	enum ike_err	 e;

	if ((e = skb_seal(sa, b, IKEV2_EXCH_CREATE_CHILD_SA, true,
	    *ike_sa_peer_msgid(sa), out)) == IKE_OK)
		(*ike_sa_peer_msgid(sa))++;
	return e;
}

enum ike_err
ccsa_refuse(struct ike_sa *sa, uint16_t type, uint16_t group, uint32_t spi,
    struct wr *out)
{
	struct skb	 b;
	uint8_t		 data[2] = { (uint8_t)(group >> 8), (uint8_t)group };
	uint8_t		 s[4];
	int		 i;

	for (i = 0; i < 4; i++)
		s[i] = (uint8_t)(spi >> (24 - 8 * i));
	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&b.w, spi != 0 ? IKEV2_PROTO_ESP : 0, spi != 0 ? s : NULL,
	    spi != 0 ? 4 : 0, type, group != 0 ? data : NULL, group != 0 ? 2 : 0);
	return ccsa_seal(sa, &b, out);
}

static enum ike_err
refuse(struct ike_sa *sa, uint16_t type, uint16_t group, struct wr *out)
{
	return ccsa_refuse(sa, type, group, 0, out);
}

/* acceptable makes our proposals for a request: ours without DH, or, when
 * the peer sends a KE of a group we implement, each with that group. */
static void
acceptable(const struct sa_pld *esp, const struct ccsa_msg *m,
    struct sa_pld *out)
{
	size_t	 i;

	*out = *esp;
	proposal_strip_dh(out);
	if (!m->has_ke || dh_pub_len(m->ke.group) == 0)
		return;
	for (i = 0; i < out->n_props; i++)
		(void)sa_prop_add_xform(&out->props[i], IKEV2_XFORM_DH,
		    m->ke.group, 0);
}

enum ike_err
ccsa_peek(const struct ike_sa *sa, struct rd in, enum collide_req *kind,
    uint32_t *rekey_spi)
{
	uint8_t		 pt[XCHG_OUT_MAX];
	struct ccsa_msg	 m;
	enum ike_err	 e;

	*kind = COLLIDE_REQ_CHILD;
	*rekey_spi = 0;
	if ((e = parse(sa, in, pt, sizeof(pt), &m)) == IKE_OK &&
	    ((m.hdr.flags & IKEV2_FLAG_RESPONSE) != 0 || !m.has_sa))
		e = IKE_ESYNTAX;
	if (e == IKE_OK) {
		/* as ccsa_respond tells them apart */
		if (m.sa.props[0].proto == IKEV2_PROTO_IKE && !m.has_tsi &&
		    !m.has_tsr)
			*kind = COLLIDE_REQ_REKEY_IKE;
		else if (m.rekey && m.rekey_spi != 0) {
			*kind = COLLIDE_REQ_REKEY_CHILD;
			*rekey_spi = m.rekey_spi;
		}
	}
	pt_wipe(pt, sizeof(pt), in.len);
	return e;
}

enum ike_err
collide_refuse(struct ike_sa *sa, uint16_t type, struct wr *out)
{
	return ccsa_refuse(sa, type, 0, 0, out);
}

enum ike_err
ccsa_respond(struct ike_sa *sa, const struct ccsa_policy *pol, struct rd in,
    struct wr *out, struct ccsa *c)
{
	uint8_t		 pt[XCHG_OUT_MAX];
	struct ccsa_msg	 m;
	struct sa_pld	 mine, reply;
	struct skb	 b;
	uint16_t	 group;
	size_t		 i;
	bool		 known = false;
	enum ike_err	 e;

	out->len = 0;
	memset(c, 0, sizeof(*c));
	if (sa->state != SA_ESTABLISHED)
		return IKE_EINVAL;
	if ((e = parse(sa, in, pt, sizeof(pt), &m)) != IKE_OK)
		goto out;			/* not decrypted: dropped */
	if ((m.hdr.flags & IKEV2_FLAG_RESPONSE) != 0 ||
	    m.hdr.msgid != *ike_sa_peer_msgid(sa)) {
		e = IKE_ESYNTAX;
		goto out;
	}
	if (!m.has_sa || !m.has_nonce || m.nonce.len > sizeof(c->ni)) {
		e = refuse(sa, IKEV2_N_INVALID_SYNTAX, 0, out);
		e = e == IKE_OK ? IKE_ESYNTAX : e;
		goto out;
	}
	/* an IKE SA rekey (1.3.2): SA, Ni, KEi and no selectors */
	if (m.sa.props[0].proto == IKEV2_PROTO_IKE && pol->new_ike != NULL &&
	    !m.has_tsi && !m.has_tsr) {
		struct ike_rekey_req	 r = { m.sa, m.nonce, m.has_ke,
		    m.ke.group, m.ke.data };

		e = ike_rekey_respond(sa, &r, out, pol->new_ike);
		c->ike_rekeyed = e == IKE_OK;
		goto out;
	}
	if (m.sa.props[0].proto == IKEV2_PROTO_IKE || !m.has_tsi || !m.has_tsr) {
		e = refuse(sa, IKEV2_N_NO_ADDITIONAL_SAS, 0, out);
		e = e == IKE_OK ? IKE_EUNSUPP : e;
		goto out;
	}
	if (m.rekey && m.rekey_spi == 0) {
		e = refuse(sa, IKEV2_N_INVALID_SYNTAX, 0, out);
		e = e == IKE_OK ? IKE_ESYNTAX : e;
		goto out;
	}
	c->rekey_spi = m.rekey ? m.rekey_spi : 0;
	for (i = 0; m.rekey && i < pol->n_pairs; i++)
		known |= pol->pairs[i].spi_out == m.rekey_spi;
	if (m.rekey && !known) {
		e = ccsa_refuse(sa, IKEV2_N_CHILD_SA_NOT_FOUND, 0, m.rekey_spi,
		    out);
		e = e == IKE_OK ? IKE_ENOKEY : e;
		goto out;
	}
	acceptable(pol->esp, &m, &mine);
	memset(&reply, 0, sizeof(reply));
	if (proposal_select(&mine, &m.sa, &reply.props[0], NULL) != IKE_OK) {
		e = refuse(sa, IKEV2_N_NO_PROPOSAL_CHOSEN, 0, out);
		e = e == IKE_OK ? IKE_ENOPROP : e;
		goto out;
	}
	/* PFS with a group other than the KE's: ask for the right one */
	group = proposal_dh_group(&reply.props[0]);
	if (group != 0 && (!m.has_ke || m.ke.group != group)) {
		e = refuse(sa, IKEV2_N_INVALID_KE_PAYLOAD, group, out);
		e = e == IKE_OK ? IKE_EBADKE : e;
		goto out;
	}
	if (!ts_narrow(&m.tsi, pol->ts_remote, &c->child.tsi) ||
	    !ts_narrow(&m.tsr, pol->ts_local, &c->child.tsr)) {
		e = refuse(sa, IKEV2_N_TS_UNACCEPTABLE, 0, out);
		e = e == IKE_OK ? IKE_ETS : e;
		goto out;
	}
	if (group != 0 && (e = dh_new(&c->dh, group)) != IKE_OK)
		goto out;
	c->ni_len = m.nonce.len;
	memcpy(c->ni, m.nonce.p, c->ni_len);
	c->nr_len = IKE_NONCE_LEN;
	rand_bytes(c->nr, c->nr_len);
	if ((e = derive(sa, c, &reply.props[0], &m.ke.data)) != IKE_OK) {
		e = refuse(sa, e == IKE_EBADKE ? IKEV2_N_INVALID_SYNTAX :
		    IKEV2_N_NO_PROPOSAL_CHOSEN, 0, out);
		e = e == IKE_OK ? IKE_ENOPROP : e;
		goto out;
	}
	c->child.spi_in = new_spi();
	spi_put(&reply.props[0], c->child.spi_in);
	reply.n_props = 1;

	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_SA, false);
	sa_pld_put(&b.w, &reply);
	chain_open(&b.c, IKEV2_PAYLOAD_NONCE, false);
	nonce_put(&b.w, c->nr, c->nr_len);
	if (c->dh != NULL && (e = put_ke(&b, c->dh)) != IKE_OK) {
		wipe(b.buf, sizeof(b.buf));
		goto out;
	}
	chain_open(&b.c, IKEV2_PAYLOAD_TSI, false);
	ts_put(&b.w, &c->child.tsi);
	chain_open(&b.c, IKEV2_PAYLOAD_TSR, false);
	ts_put(&b.w, &c->child.tsr);
	e = ccsa_seal(sa, &b, out);
out:
	pt_wipe(pt, sizeof(pt), in.len);
	if (e != IKE_OK)
		child_keys_wipe(&c->child.keys);
	return e;
}
