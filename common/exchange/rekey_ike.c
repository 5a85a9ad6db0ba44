/* SPDX-License-Identifier: ISC */
/* CREATE_CHILD_SA rekeying the IKE SA (RFC 7296 1.3.2, 2.18), as its responder. */
#include <string.h>

#include "codec/chain.h"
#include "codec/ke.h"
#include "codec/nonce.h"
#include "crypto/dh.h"
#include "crypto/keys.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"

enum { DH_SHARED_MAX = 512, KE_MAX = 1024 };

/* like_ours is the one proposal a rekey may choose: the SA's own suite
 * with the group of the peer's KE (the PRF stays: SKEYSEED is made with
 * the old SA's, RFC 7296 2.18). */
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
