/* SPDX-License-Identifier: ISC */
/* CREATE_CHILD_SA rekeying the IKE SA (RFC 7296 1.3.2, 2.18), in both roles. */
#include <string.h>

#include "codec/chain.h"
#include "codec/hdr.h"
#include "codec/ke.h"
#include "codec/msg.h"
#include "codec/nonce.h"
#include "codec/notify.h"
#include "crypto/dh.h"
#include "crypto/keys.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"

enum { DH_SHARED_MAX = 512, KE_MAX = 1024 };

/* like_ours is the one proposal of a rekey, offered or accepted: the SA's
 * own suite with the group of the KE (the PRF stays: SKEYSEED is made
 * with the old SA's, RFC 7296 2.18). */
static void
like_ours(const struct ike_sa *sa, uint16_t group, struct sa_pld *out)
{
	struct sa_prop	*p = &out->props[0];

	memset(out, 0, sizeof(*out));
	out->n_props = 1;
	p->num = 1;
	p->proto = IKEV2_PROTO_IKE;
	(void)sa_prop_add_xform(p, IKEV2_XFORM_ENCR, sa->suite.encr,
	    sa->suite.encr_keybits);
	(void)sa_prop_add_xform(p, IKEV2_XFORM_PRF, sa->suite.prf, 0);
	if (sa->suite.integ != IKEV2_AUTH_NONE)
		(void)sa_prop_add_xform(p, IKEV2_XFORM_INTEG, sa->suite.integ, 0);
	(void)sa_prop_add_xform(p, IKEV2_XFORM_DH, group, 0);
}

static uint64_t
spi64(const struct sa_prop *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p->spi[i];
	return v;
}

enum ike_err
ike_rekey_respond(struct ike_sa *sa, const struct ike_rekey_req *r,
    struct wr *out, struct ike_sa *nsa)
{
	struct sa_pld	 mine, reply;
	struct dh	*dh = NULL;
	struct skb	 b;
	uint8_t		 g[DH_SHARED_MAX], ke[KE_MAX];
	size_t		 g_len = 0, ke_len = 0;
	uint16_t	 group;
	uint64_t	 spi = 0;
	enum ike_err	 e;
	int		 i;

	out->len = 0;
	ike_sa_init(nsa, ROLE_RESPONDER);
	/* RFC 7296 1.3.2: a KE, of a group we take; else ask for ours (or
	 * X25519 when the loaded SA does not say) */
	if (!r->has_ke || dh_pub_len(r->ke_group) == 0) {
		e = ccsa_refuse(sa, IKEV2_N_INVALID_KE_PAYLOAD, sa->suite.dh != 0 ?
		    sa->suite.dh : IKEV2_DH_CURVE25519, 0, out);
		return e == IKE_OK ? IKE_EBADKE : e;
	}
	like_ours(sa, r->ke_group, &mine);
	memset(&reply, 0, sizeof(reply));
	if (proposal_select(&mine, &r->sa, &reply.props[0], NULL) != IKE_OK ||
	    reply.props[0].spi_len != 8 || spi64(&reply.props[0]) == 0 ||
	    proposal_ike_suite(&reply.props[0], &nsa->suite) != IKE_OK) {
		e = ccsa_refuse(sa, IKEV2_N_NO_PROPOSAL_CHOSEN, 0, 0, out);
		return e == IKE_OK ? IKE_ENOPROP : e;
	}
	group = proposal_dh_group(&reply.props[0]);
	if ((e = dh_new(&dh, group)) != IKE_OK)
		return e;
	g_len = dh_shared_len(group);
	if (g_len > sizeof(g) || (e = dh_shared(dh, r->ke.p, r->ke.len, g,
	    sizeof(g), &g_len)) != IKE_OK) {
		dh_free(dh);
		e = ccsa_refuse(sa, IKEV2_N_INVALID_SYNTAX, 0, 0, out);
		return e == IKE_OK ? IKE_EBADKE : e;
	}
	/* the new SA's initiator is the one who rekeyed it (2.18) */
	nsa->ispi = spi64(&reply.props[0]);
	while (spi == 0)
		rand_bytes(&spi, sizeof(spi));
	nsa->rspi = spi;
	nsa->chosen = reply.props[0];
	nsa->ni_len = r->nonce.len;
	memcpy(nsa->ni, r->nonce.p, nsa->ni_len);
	nsa->nr_len = IKE_NONCE_LEN;
	rand_bytes(nsa->nr, nsa->nr_len);
	e = ike_keys_derive_rekey(&nsa->keys, &nsa->suite, sa->keys.sk_d,
	    sa->keys.d_len, g, g_len, nsa->ni, nsa->ni_len, nsa->nr,
	    nsa->nr_len, nsa->ispi, nsa->rspi);
	wipe(g, sizeof(g));
	if (e == IKE_OK)
		e = dh_public(dh, ke, sizeof(ke), &ke_len);
	dh_free(dh);
	if (e != IKE_OK) {
		ike_sa_wipe(nsa);
		return e;
	}
	for (i = 0; i < 8; i++)
		reply.props[0].spi[i] = (uint8_t)(spi >> (56 - 8 * i));
	reply.n_props = 1;
	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_SA, false);
	sa_pld_put(&b.w, &reply);
	chain_open(&b.c, IKEV2_PAYLOAD_NONCE, false);
	nonce_put(&b.w, nsa->nr, nsa->nr_len);
	chain_open(&b.c, IKEV2_PAYLOAD_KE, false);
	ke_put(&b.w, group, ke, ke_len);
	if ((e = ccsa_seal(sa, &b, out)) != IKE_OK) {
		ike_sa_wipe(nsa);
		return e;
	}
	/* RFC 7296 2.18: the new SA counts messages from 0 */
	nsa->state = SA_ESTABLISHED;
	nsa->msgid = nsa->peer_msgid = 0;
	nsa->dh_group = group;
	return IKE_OK;
}

void
ike_rekey_wipe(struct ike_rekey *k)
{
	dh_free(k->dh);
	wipe(k, sizeof(*k));
}

enum ike_err
ike_rekey_create(struct ike_sa *sa, struct ike_rekey *k, uint16_t group,
    struct wr *out)
{
	struct sa_prop	*p;
	struct skb	 b;
	uint8_t		 ke[KE_MAX];
	size_t		 ke_len = 0;
	int		 i;
	enum ike_err	 e;

	out->len = 0;
	memset(k, 0, sizeof(*k));
	if (sa->state != SA_ESTABLISHED)
		return IKE_EINVAL;
	if (group == 0)
		group = sa->suite.dh != 0 ? sa->suite.dh : IKEV2_DH_CURVE25519;
	if ((e = dh_new(&k->dh, group)) != IKE_OK)
		return e;
	k->group = group;
	while (k->spi == 0)
		rand_bytes(&k->spi, sizeof(k->spi));
	like_ours(sa, group, &k->offered);
	p = &k->offered.props[0];
	p->spi_len = 8;
	for (i = 0; i < 8; i++)
		p->spi[i] = (uint8_t)(k->spi >> (56 - 8 * i));
	k->ni_len = IKE_NONCE_LEN;
	rand_bytes(k->ni, k->ni_len);
	if ((e = dh_public(k->dh, ke, sizeof(ke), &ke_len)) != IKE_OK)
		return e;
	/* RFC 7296 1.3.2: SA, Ni, KEi; no selectors */
	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_SA, false);
	sa_pld_put(&b.w, &k->offered);
	chain_open(&b.c, IKEV2_PAYLOAD_NONCE, false);
	nonce_put(&b.w, k->ni, k->ni_len);
	chain_open(&b.c, IKEV2_PAYLOAD_KE, false);
	ke_put(&b.w, group, ke, ke_len);
	k->msgid = *ike_sa_own_msgid(sa);
	return skb_seal(sa, &b, IKEV2_EXCH_CREATE_CHILD_SA, false, k->msgid,
	    out);
}

enum ike_err
ike_rekey_restore(const struct ike_sa *sa, struct ike_rekey *k, uint32_t msgid,
    uint64_t spi, uint16_t group, const uint8_t *priv, size_t priv_len,
    const uint8_t *ni, size_t ni_len)
{
	struct sa_prop	*p;
	enum ike_err	 e;
	int		 i;

	memset(k, 0, sizeof(*k));
	if (spi == 0 || ni_len < NONCE_MIN_LEN || ni_len > sizeof(k->ni) ||
	    dh_pub_len(group) == 0)
		return IKE_EINVAL;
	if ((e = dh_import_private(&k->dh, group, priv, priv_len)) != IKE_OK)
		return e;
	k->msgid = msgid;
	k->spi = spi;
	k->group = group;
	/* the offer is a function of the SA and the group: as it was sent */
	like_ours(sa, group, &k->offered);
	p = &k->offered.props[0];
	p->spi_len = 8;
	for (i = 0; i < 8; i++)
		p->spi[i] = (uint8_t)(spi >> (56 - 8 * i));
	memcpy(k->ni, ni, ni_len);
	k->ni_len = ni_len;
	return IKE_OK;
}

/* The answer to our rekey, as far as it matters. */
struct rekey_resp {
	bool		 has_sa, has_nonce, has_ke;
	struct sa_pld	 sa;
	struct rd	 nonce;
	struct ke_pld	 ke;
	uint16_t	 error;		/* first error Notify */
	uint16_t	 ke_group;	/* INVALID_KE_PAYLOAD's group */
};

static enum ike_err
resp_parse(const uint8_t *pt, size_t pt_len, uint8_t first,
    struct rekey_resp *m)
{
	struct pld_iter		 it;
	struct pld		 p;
	struct notify_pld	 n;
	struct rd		 body;
	enum ike_err		 e = IKE_OK;

	memset(m, 0, sizeof(*m));
	pld_iter_init_inner(&it, rd_init(pt, pt_len), first);
	while (e == IKE_OK && pld_next(&it, &p)) {
		body = p.body;
		switch (p.type) {
		case IKEV2_PAYLOAD_SA:
			m->has_sa = true;
			e = sa_pld_parse(&body, &m->sa);
			break;
		case IKEV2_PAYLOAD_NONCE:
			m->has_nonce = true;
			e = nonce_parse(&body, &m->nonce);
			break;
		case IKEV2_PAYLOAD_KE:
			m->has_ke = true;
			e = ke_parse(&body, &m->ke);
			break;
		case IKEV2_PAYLOAD_NOTIFY:
			if ((e = notify_parse(&body, &n)) != IKE_OK ||
			    !notify_is_error(n.type) || m->error != 0)
				break;
			m->error = n.type;
			if (n.type == IKEV2_N_INVALID_KE_PAYLOAD &&
			    n.data.len == 2)
				m->ke_group = (uint16_t)(n.data.p[0] << 8 |
				    n.data.p[1]);
			break;
		default:
			break;
		}
	}
	return e == IKE_OK ? it.err : e;
}

/* derive_new makes nsa from the accepted answer m: we are the new SA's
 * initiator (RFC 7296 2.18). */
static enum ike_err
derive_new(const struct ike_sa *sa, const struct ike_rekey *k,
    const struct rekey_resp *m, struct ike_sa *nsa)
{
	const struct sa_prop	*p = &m->sa.props[0];
	uint8_t			 g[DH_SHARED_MAX];
	size_t			 g_len;
	enum ike_err		 e;

	if (proposal_ike_suite(p, &nsa->suite) != IKE_OK)
		return IKE_EPROTO;
	g_len = dh_shared_len(k->group);
	if (g_len > sizeof(g) || dh_shared(k->dh, m->ke.data.p, m->ke.data.len,
	    g, sizeof(g), &g_len) != IKE_OK) {
		wipe(g, sizeof(g));
		return IKE_EPROTO;
	}
	nsa->ispi = k->spi;
	nsa->rspi = spi64(p);
	nsa->chosen = *p;
	nsa->ni_len = k->ni_len;
	memcpy(nsa->ni, k->ni, k->ni_len);
	nsa->nr_len = m->nonce.len;
	memcpy(nsa->nr, m->nonce.p, m->nonce.len);
	e = ike_keys_derive_rekey(&nsa->keys, &nsa->suite, sa->keys.sk_d,
	    sa->keys.d_len, g, g_len, nsa->ni, nsa->ni_len, nsa->nr,
	    nsa->nr_len, nsa->ispi, nsa->rspi);
	wipe(g, sizeof(g));
	if (e != IKE_OK)
		return e;
	nsa->local_id = sa->local_id;
	nsa->peer_id = sa->peer_id;
	nsa->nat_local = sa->nat_local;
	nsa->mobike = sa->mobike;	/* RFC 4555: the new IKE SA keeps it */
	nsa->nat_remote = sa->nat_remote;
	nsa->dh_group = k->group;
	/* RFC 7296 2.18: the new SA counts messages from 0 */
	nsa->msgid = nsa->peer_msgid = 0;
	nsa->state = SA_ESTABLISHED;
	return IKE_OK;
}

enum ike_err
ike_rekey_consume(struct ike_sa *sa, struct ike_rekey *k, struct rd in,
    struct ike_sa *nsa)
{
	uint8_t			 pt[XCHG_OUT_MAX];
	struct rekey_resp	 m;
	struct ike_msg		 msg;
	struct ike_hdr		 h;
	struct rd		 hr = in;
	size_t			 pt_len = 0;
	uint8_t			 first = 0;
	enum ike_err		 e;

	ike_sa_init(nsa, ROLE_INITIATOR);
	if (hdr_parse(&hr, &h) != IKE_OK || h.ispi != sa->ispi ||
	    h.rspi != sa->rspi || h.exch != IKEV2_EXCH_CREATE_CHILD_SA ||
	    (h.flags & IKEV2_FLAG_RESPONSE) == 0 || h.msgid != k->msgid ||
	    k->msgid != *ike_sa_own_msgid(sa) || k->dh == NULL)
		return IKE_ESYNTAX;	/* not the answer (or one taken) */
	/* one that does not decrypt may be forged: keep waiting; one that
	 * does is the answer, and the exchange is over */
	if (sk_open(sa, in, &msg, pt, sizeof(pt), &pt_len, &first) != IKE_OK) {
		pt_wipe(pt, sizeof(pt), in.len);
		return IKE_EINTEG;
	}
	(*ike_sa_own_msgid(sa))++;
	if (resp_parse(pt, pt_len, first, &m) != IKE_OK)
		e = IKE_EPROTO;
	else if (m.error != 0) {
		sa->peer_notify = m.error;
		sa->want_group = m.ke_group;
		e = IKE_EREFUSED;
	} else if (!m.has_sa || !m.has_nonce || !m.has_ke ||
	    m.sa.n_props != 1 ||
	    !proposal_accept_reply(&k->offered, &m.sa.props[0]) ||
	    m.sa.props[0].spi_len != 8 || spi64(&m.sa.props[0]) == 0 ||
	    m.nonce.len > sizeof(nsa->nr) || m.ke.group != k->group)
		e = IKE_EPROTO;
	else
		e = derive_new(sa, k, &m, nsa);
	pt_wipe(pt, sizeof(pt), in.len);
	if (e != IKE_OK)
		ike_sa_wipe(nsa);
	return e;
}
