/* SPDX-License-Identifier: ISC */
/* IKE_AUTH with a pre-shared key (RFC 7296 1.2, 2.15): SK{ ID AUTH SA TSi TSr } both ways. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "codec/auth_pld.h"
#include "codec/cert.h"
#include "codec/chain.h"
#include "codec/cp.h"
#include "codec/eap.h"
#include "codec/id.h"
#include "codec/msg.h"
#include "codec/notify.h"
#include "codec/sa_pld.h"
#include "codec/ts.h"
#include "crypto/auth.h"
#include "crypto/prf.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "names/names.h"
#include "proposal/proposal.h"
#include "exchange/cert_auth.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"

enum { ID_BODY_MAX = 4 + IKE_ID_MAX_LEN };

/* auth_open decrypts in into pt and fills out->hdr; pt_len and first
 * are the plaintext's length and first inner payload type. Its errors are
 * sk_open's: the message is not ours or was changed, and gets no answer. */
static enum ike_err
auth_open(const struct ike_sa *sa, struct rd in, uint8_t *pt, size_t cap,
    size_t *pt_len, uint8_t *first, struct auth_msg *out)
{
	static struct ike_msg	 m;
	enum ike_err		 e;

	memset(out, 0, sizeof(*out));
	*pt_len = 0;
	*first = 0;
	if ((e = sk_open(sa, in, &m, pt, cap, pt_len, first)) != IKE_OK)
		return e;
	out->hdr = m.hdr;
	return IKE_OK;
}

/* auth_inner collects the inner payloads of the plaintext pt (views into
 * it). On error out->bad_n and out->bad_type say which payload it was (1
 * is the first), the type also for IKE_EUNSUPP_CRIT (RFC 7296 2.5). */
static enum ike_err
auth_inner(const uint8_t *pt, size_t pt_len, uint8_t first,
    struct auth_msg *out)
{
	struct pld_iter		 it;
	struct pld		 p;
	struct notify_pld	 n;
	struct cert_pld		 c;
	struct rd		 body;
	uint8_t			 type;
	enum ike_err		 e = IKE_OK;

	memset(&p, 0, sizeof(p));
	pld_iter_init_inner(&it, rd_init(pt, pt_len), first);
	for (;;) {
		type = it.next;		/* what pld_next reads, if it fails */
		if (!pld_next(&it, &p)) {
			e = it.err;
			if (e == IKE_EUNSUPP_CRIT)
				type = p.type;
			break;
		}
		type = p.type;
		body = p.body;
		switch (p.type) {
		case IKEV2_PAYLOAD_IDI:
			out->idi = p.body;
			out->has_idi = true;
			e = id_parse(&body, &out->idi_p);
			break;
		case IKEV2_PAYLOAD_IDR:
			out->idr = p.body;
			out->has_idr = true;
			e = id_parse(&body, &out->idr_p);
			break;
		case IKEV2_PAYLOAD_AUTH:
			out->has_auth = true;
			e = auth_parse(&body, &out->auth);
			break;
		case IKEV2_PAYLOAD_SA:
			out->has_sa = true;
			e = sa_pld_parse(&body, &out->sa);
			break;
		case IKEV2_PAYLOAD_TSI:
			out->has_tsi = true;
			e = ts_parse(&body, &out->tsi);
			break;
		case IKEV2_PAYLOAD_TSR:
			out->has_tsr = true;
			e = ts_parse(&body, &out->tsr);
			break;
		case IKEV2_PAYLOAD_EAP:
			if (out->has_eap)
				break;	/* one per message (RFC 7296 2.16) */
			out->has_eap = true;
			e = eap_parse(&body, &out->eap);
			break;
		case IKEV2_PAYLOAD_CP:
			if (out->has_cp)
				break;	/* one is enough (3.15: at most one) */
			out->has_cp = true;
			e = cp_parse(&body, &out->cp);
			break;
		case IKEV2_PAYLOAD_CERT:
			if ((e = cert_parse(&body, &c)) == IKE_OK &&
			    c.enc == IKEV2_CERT_X509_CERT_SIGNATURE &&
			    out->n_certs < SIG_CERTS_MAX)
				out->certs[out->n_certs++] = c.data;
			break;
		case IKEV2_PAYLOAD_NOTIFY:
			if ((e = notify_parse(&body, &n)) == IKE_OK &&
			    notify_is_error(n.type) && out->error == 0)
				out->error = n.type;
			if (e == IKE_OK && n.type == IKEV2_N_MOBIKE_SUPPORTED)
				out->mobike = true;
			break;
		default:
			break;
		}
		if (e != IKE_OK)
			break;
	}
	if (e != IKE_OK) {
		out->bad_n = it.n;
		out->bad_type = type;
	}
	return e;
}

enum ike_err
auth_parse_msg(const struct ike_sa *sa, struct rd in, uint8_t *pt, size_t cap,
    struct auth_msg *out)
{
	size_t		 pt_len;
	uint8_t		 first;
	enum ike_err	 e;

	if ((e = auth_open(sa, in, pt, cap, &pt_len, &first, out)) != IKE_OK)
		return e;
	if (out->hdr.exch != IKEV2_EXCH_IKE_AUTH)
		return IKE_ESYNTAX;
	return auth_inner(pt, pt_len, first, out);
}

enum ike_err
ike_auth_psk(const struct ike_sa *sa, const struct psk *psk, bool mine,
    const uint8_t *id_body, size_t id_len, uint8_t *out, size_t *out_len)
{
	uint8_t		 octets[XCHG_MSG_MAX + NONCE_MAX_LEN + PRF_MAX_LEN];
	struct wr	 w = wr_init(octets, sizeof(octets));
	bool		 by_i = (sa->role == ROLE_INITIATOR) == mine;
	uint8_t		 maced[PRF_MAX_LEN];
	size_t		 plen = prf_len(sa->suite.prf);
	enum ike_err	 e;

	if (plen == 0)
		return IKE_EUNSUPP;
	if (psk == NULL || psk->len == 0)
		return IKE_EINVAL;
	/* InitiatorSignedOctets = RealMessage1 | NonceRData | prf(SK_pi, IDi')
	 * ResponderSignedOctets = RealMessage2 | NonceIData | prf(SK_pr, IDr') */
	if ((e = prf(sa->suite.prf, by_i ? sa->keys.sk_pi : sa->keys.sk_pr,
	    sa->keys.p_len, id_body, id_len, maced)) != IKE_OK)
		goto out;
	if (sa->init_req == NULL) {	/* dropped: the SA is up */
		e = IKE_EINVAL;
		goto out;
	}
	if (by_i) {
		wr_bytes(&w, sa->init_req, sa->init_req_len);
		wr_bytes(&w, sa->nr, sa->nr_len);
	} else {
		wr_bytes(&w, sa->init_resp, sa->init_resp_len);
		wr_bytes(&w, sa->ni, sa->ni_len);
	}
	wr_bytes(&w, maced, plen);
	if (!wr_ok(&w)) {
		e = IKE_ETOOBIG;
		goto out;
	}
	/* AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) */
	if ((e = psk_auth(sa->suite.prf, psk->key, psk->len, octets, w.len,
	    out)) == IKE_OK)
		*out_len = plen;
out:
	wipe(maced, sizeof(maced));
	wipe(octets, sizeof(octets));
	return e;
}

/* id_body writes an ID payload body for id into buf; returns its length. */
static size_t
id_body(const struct ike_id *id, uint8_t *buf, size_t cap)
{
	struct wr	 w = wr_init(buf, cap);

	id_put(&w, id->type, id->data, id->len);
	return wr_ok(&w) ? w.len : 0;
}

/* put_id_auth adds our ID (type IDi or IDr), then IDr naming the peer
 * when idr is not NULL, then our AUTH over our ID to b. */
static enum ike_err
put_id_auth(struct ike_sa *sa, const struct xchg_cfg *cfg, struct skb *b,
    uint8_t type, const struct ike_id *idr)
{
	uint8_t		 body[ID_BODY_MAX], auth[PRF_MAX_LEN];
	size_t		 body_len, auth_len = 0;
	enum ike_err	 e;

	if (sa->state == SA_EAP)	/* EAP's last exchange: AUTH only */
		return eap_put_auth(sa, b);
	if (cfg->cred != NULL)
		return cert_id_auth(sa, cfg, b, type, idr);
	if (cfg->local_id.type == 0 ||
	    (body_len = id_body(&cfg->local_id, body, sizeof(body))) == 0)
		return IKE_EINVAL;
	if ((e = ike_auth_psk(sa, cfg->psk, true, body, body_len, auth,
	    &auth_len)) != IKE_OK)
		return e;
	chain_open(&b->c, type, false);
	wr_bytes(&b->w, body, body_len);
	if (idr != NULL) {
		chain_open(&b->c, IKEV2_PAYLOAD_IDR, false);
		id_put(&b->w, idr->type, idr->data, idr->len);
	}
	chain_open(&b->c, IKEV2_PAYLOAD_AUTH, false);
	auth_put(&b->w, IKEV2_AUTHM_SHARED_KEY, auth, auth_len);
	wipe(auth, sizeof(auth));
	sa->local_id = cfg->local_id;
	return IKE_OK;
}

/* check_auth verifies the peer's AUTH over its ID body in constant time. */
static enum ike_err
check_auth(struct ike_sa *sa, const struct xchg_cfg *cfg,
    const struct auth_msg *m, struct rd id)
{
	uint8_t		 want[PRF_MAX_LEN];
	size_t		 want_len = 0;
	enum ike_err	 e;

	if (sa->state == SA_EAP)	/* after EAP: the MSK's AUTH */
		return eap_check_auth(sa, &m->auth, id);
	if (cfg->cred != NULL)
		return cert_check(sa, cfg, &m->auth, id, m->certs, m->n_certs);
	if (m->auth.method != IKEV2_AUTHM_SHARED_KEY)
		return IKE_EAUTH;
	if ((e = ike_auth_psk(sa, cfg->psk, false, id.p, id.len, want,
	    &want_len)) != IKE_OK)
		return e;
	if (m->auth.data.len != want_len ||
	    !ct_eq(m->auth.data.p, want, want_len))
		e = IKE_EAUTH;
	wipe(want, sizeof(want));
	return e;
}

/* id_equal returns whether the ID payload p names id (cfg's type 0: any). */
static bool
id_equal(const struct ike_id *id, const struct id_pld *p)
{
	return id->type == 0 || (id->type == p->type && id->len == p->data.len &&
	    (id->len == 0 || ct_eq(id->data, p->data.p, id->len)));
}

static void
id_store(struct ike_id *out, const struct id_pld *p)
{
	memset(out, 0, sizeof(*out));
	out->type = p->type;
	out->len = p->data.len > sizeof(out->data) ? sizeof(out->data) : p->data.len;
	memcpy(out->data, p->data.p, out->len);
}

/* put_mobike adds N(MOBIKE_SUPPORTED) to b when cfg wants MOBIKE (RFC 4555
 * 4.1: in IKE_AUTH, both ways). */
static void
put_mobike(const struct xchg_cfg *cfg, struct skb *b)
{
	if (!cfg->mobike)
		return;
	chain_open(&b->c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&b->w, 0, NULL, 0, IKEV2_N_MOBIKE_SUPPORTED, NULL, 0);
}

enum ike_err
auth_create(struct ike_sa *sa, const struct xchg_cfg *cfg, struct wr *out)
{
	struct skb	 b;
	struct sa_pld	 offer;
	enum ike_err	 e;

	if (sa->role == ROLE_INITIATOR && sa->state == SA_EAP)
		return eap_create(sa, cfg, out);	/* EAP's later rounds */
	if (sa->role != ROLE_INITIATOR || sa->state != SA_INIT_DONE)
		return IKE_EINVAL;
	if (cfg->ts_local.n_ts == 0 || cfg->ts_remote.n_ts == 0 ||
	    cfg->esp.n_props == 0)
		return IKE_EINVAL;
	while (sa->child.spi_in < 256)
		rand_bytes(&sa->child.spi_in, sizeof(sa->child.spi_in));
	skb_init(&b);
	/* SK{ IDi [IDr] AUTH SA TSi TSr }; with EAP no AUTH (RFC 7296 2.16) */
	if ((e = cfg->eap != NULL ? eap_put_id(sa, cfg, &b,
	    cfg->peer_id.type != 0 ? &cfg->peer_id : NULL) :
	    put_id_auth(sa, cfg, &b, IKEV2_PAYLOAD_IDI,
	    cfg->peer_id.type != 0 ? &cfg->peer_id : NULL)) != IKE_OK) {
		wipe(b.buf, sizeof(b.buf));
		return e;
	}
	if (cfg->vip_req != 0)
		cp_request_put(&b.c, &b.w, cfg->vip_req);	/* [CP(CFG_REQUEST)] */
	child_offer(&offer, cfg, sa->child.spi_in);
	chain_open(&b.c, IKEV2_PAYLOAD_SA, false);
	sa_pld_put(&b.w, &offer);
	chain_open(&b.c, IKEV2_PAYLOAD_TSI, false);
	ts_put(&b.w, &cfg->ts_local);
	chain_open(&b.c, IKEV2_PAYLOAD_TSR, false);
	ts_put(&b.w, &cfg->ts_remote);
	put_mobike(cfg, &b);
	if ((e = skb_seal(sa, &b, IKEV2_EXCH_IKE_AUTH, false, sa->msgid, out)) != IKE_OK)
		return e;
	xchg_set(sa, SA_AUTH_SENT);
	return IKE_OK;
}

/* refused maps the peer's error Notify to our error. */
static enum ike_err
refused(uint16_t type)
{
	switch (type) {
	case IKEV2_N_NO_PROPOSAL_CHOSEN:
		return IKE_ENOPROP;
	case IKEV2_N_TS_UNACCEPTABLE:
		return IKE_ETS;
	default:
		return IKE_EREFUSED;
	}
}

enum ike_err
auth_consume(struct ike_sa *sa, const struct xchg_cfg *cfg, struct rd in)
{
	uint8_t		 pt[XCHG_OUT_MAX];
	struct auth_msg	 m;
	struct sa_pld	 offer;
	const struct sa_prop *p;
	uint8_t		 peer[ID_BODY_MAX];
	bool		 fin = sa->state == SA_EAP;	/* answer to EAP's AUTH */
	enum ike_err	 e;

	if (sa->role != ROLE_INITIATOR || (sa->state != SA_AUTH_SENT && !fin))
		return IKE_EINVAL;
	if (fin && sa->eap.phase != EAP_PH_AUTH_SENT)
		return eap_consume(sa, cfg, in);
	if ((e = auth_parse_msg(sa, in, pt, sizeof(pt), &m)) != IKE_OK)
		goto out;
	if ((m.hdr.flags & IKEV2_FLAG_RESPONSE) == 0 || m.hdr.msgid != sa->msgid) {
		e = IKE_ESYNTAX;
		goto out;
	}
	if (cfg->mobike && m.mobike)
		sa->mobike = true;	/* in any of its IKE_AUTH answers */
	if (m.error != 0) {
		sa->peer_notify = m.error;
		log_debug("IKE_AUTH: peer sent %s", ikev2_notify_name(m.error) ?
		    ikev2_notify_name(m.error) : "an error");
		e = refused(m.error);
		goto out;
	}
	if (cfg->eap != NULL && !fin) {
		/* RFC 7296 2.16: IDr, CERT, AUTH (the responder's), EAP */
		if (!m.has_idr || !m.has_auth || !m.has_eap)
			e = IKE_ESYNTAX;
		else if (!id_equal(&cfg->peer_id, &m.idr_p) ||
		    (e = check_auth(sa, cfg, &m, m.idr)) != IKE_OK)
			e = e != IKE_OK ? e : IKE_EAUTH;
		else {
			id_store(&sa->peer_id, &m.idr_p);
			e = eap_first(sa, cfg, &m);
		}
		goto out;
	}
	if ((!fin && !m.has_idr) || !m.has_auth || !m.has_sa || !m.has_tsi ||
	    !m.has_tsr || m.sa.n_props != 1) {
		e = IKE_ESYNTAX;
		goto out;
	}
	if (fin)	/* no IDr: the AUTH is over the one of the first answer */
		m.idr = rd_init(peer, id_body(&sa->peer_id, peer, sizeof(peer)));
	if ((!fin && !id_equal(&cfg->peer_id, &m.idr_p)) ||
	    (e = check_auth(sa, cfg, &m, m.idr)) != IKE_OK) {
		e = e != IKE_OK ? e : IKE_EAUTH;
		goto out;
	}
	if (!fin)
		id_store(&sa->peer_id, &m.idr_p);
	child_offer(&offer, cfg, sa->child.spi_in);
	p = &m.sa.props[0];
	if (!proposal_accept_reply(&offer, p)) {
		e = IKE_ENOPROP;
		goto out;
	}
	if (!ts_within(&m.tsi, &cfg->ts_local) || !ts_within(&m.tsr, &cfg->ts_remote)) {
		e = IKE_ETS;
		goto out;
	}
	sa->child.tsi = m.tsi;
	sa->child.tsr = m.tsr;
	if (cfg->vip_req != 0 && m.has_cp)
		cp_reply_read(&m.cp, &sa->vip);
	if ((e = child_derive(sa, p)) != IKE_OK)
		goto out;
	sa->msgid++;
	xchg_set(sa, SA_ESTABLISHED);	/* with EAP: its state freed */
out:
	pt_wipe(pt, sizeof(pt), in.len);
	return e;
}

/* respond_error_data seals SK{ [IDr AUTH] N(type, data) } into out and
 * returns err. */
static enum ike_err
respond_error_data(struct ike_sa *sa, const struct xchg_cfg *cfg,
    struct wr *out, bool with_auth, uint16_t type, const void *data,
    size_t len, enum ike_err err)
{
	struct skb	 b;
	enum ike_err	 e;

	child_keys_wipe(&sa->child.keys);	/* no Child SA: none of its keys */
	skb_init(&b);
	if (with_auth && (e = put_id_auth(sa, cfg, &b, IKEV2_PAYLOAD_IDR,
	    NULL)) != IKE_OK) {
		wipe(b.buf, sizeof(b.buf));
		return e;
	}
	chain_open(&b.c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&b.w, 0, NULL, 0, type, data, len);
	out->len = 0;
	if ((e = skb_seal(sa, &b, IKEV2_EXCH_IKE_AUTH, true, sa->msgid, out)) != IKE_OK)
		return e;
	if (with_auth) {
		/* RFC 7296 2.21.2: the peer is authenticated, so the IKE SA
		 * is up even though its Child SA is refused */
		sa->msgid++;
		xchg_set(sa, SA_ESTABLISHED);
	} else
		xchg_set(sa, SA_FAILED);
	return err;
}

/* respond_error seals SK{ [IDr AUTH] N(type) } into out and returns err. */
static enum ike_err
respond_error(struct ike_sa *sa, const struct xchg_cfg *cfg, struct wr *out,
    bool with_auth, uint16_t type, enum ike_err err)
{
	return respond_error_data(sa, cfg, out, with_auth, type, NULL, 0, err);
}

enum ike_err
auth_respond(struct ike_sa *sa, const struct xchg_cfg *cfg, struct rd in,
    struct wr *out)
{
	uint8_t		 pt[XCHG_OUT_MAX], *pt1 = NULL;	/* pt1: EAP's
					 * first request, read again */
	size_t		 pt1_len = 0;
	struct auth_msg	 m, fin;
	struct sa_pld	 reply;
	struct ts_pld	 vip_ts, tsi;
	struct skb	 b;
	enum ike_err	 e;
	size_t		 i, pt_len;
	uint8_t		 first;
	bool		 vip, done = false;
	char		 who[300];	/* the peer's ID as text */

	out->len = 0;
	sa->auth_why[0] = '\0';
	if (sa->role != ROLE_RESPONDER || (sa->state != SA_INIT_DONE &&
	    sa->state != SA_EAP))
		return IKE_EINVAL;
	if ((e = auth_open(sa, in, pt, sizeof(pt), &pt_len, &first, &m)) !=
	    IKE_OK) {
		snprintf(sa->auth_why, sizeof(sa->auth_why), "not decrypted");
		goto out;	/* not ours, or changed: dropped, no answer */
	}
	if (m.hdr.exch != IKEV2_EXCH_IKE_AUTH || (m.hdr.flags &
	    (IKEV2_FLAG_RESPONSE | IKEV2_FLAG_INITIATOR)) !=
	    IKEV2_FLAG_INITIATOR || m.hdr.msgid != sa->msgid ||
	    m.hdr.rspi != sa->rspi) {
		snprintf(sa->auth_why, sizeof(sa->auth_why), "exchange %u, "
		    "flags 0x%02x, message ID %u", m.hdr.exch, m.hdr.flags,
		    m.hdr.msgid);
		e = IKE_ESYNTAX;
		goto out;
	}
	/* it decrypted: from here on an error is answered (RFC 7296 2.21.2)
	 * and ends the IKE SA */
	if ((e = auth_inner(pt, pt_len, first, &m)) != IKE_OK) {
		snprintf(sa->auth_why, sizeof(sa->auth_why), "inner payload %u "
		    "(type %u): %s", m.bad_n, m.bad_type, ike_strerror(e));
		if (e == IKE_EUNSUPP_CRIT)	/* 2.5: the type as data */
			e = respond_error_data(sa, cfg, out, false,
			    IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD, &m.bad_type, 1,
			    e);
		else
			e = respond_error(sa, cfg, out, false,
			    IKEV2_N_INVALID_SYNTAX, IKE_ESYNTAX);
		goto out;
	}
	if (sa->state == SA_EAP) {
		if ((e = eap_respond(sa, cfg, &m, out, &done)) != IKE_OK || !done)
			goto out;	/* an EAP round answered, or EAP failed */
		/* after EAP-Success: this AUTH, over the first request's IDi;
		 * that request's SA, TS and CP are answered now */
		fin = m;
		pt1_len = sa->eap.st->first_len;
		if ((pt1 = malloc(pt1_len)) == NULL) {
			e = IKE_ENOMEM;
			goto out;
		}
		if (auth_parse_msg(sa, rd_init(sa->eap.st->first, pt1_len), pt1,
		    pt1_len, &m) != IKE_OK) {
			e = respond_error(sa, cfg, out, false,
			    IKEV2_N_AUTHENTICATION_FAILED, IKE_EAUTH);
			goto out;
		}
		m.auth = fin.auth;
		m.has_auth = fin.has_auth;
	} else if (cfg->eap != NULL && !m.has_auth && m.has_idi && m.has_sa &&
	    m.has_tsi && m.has_tsr) {
		/* no AUTH: the peer asks for EAP (RFC 7296 2.16) */
		if ((m.has_idr && !id_equal(&cfg->local_id, &m.idr_p)) ||
		    !id_equal(&cfg->peer_id, &m.idi_p)) {
			e = respond_error(sa, cfg, out, false,
			    IKEV2_N_AUTHENTICATION_FAILED, IKE_EAUTH);
			goto out;
		}
		id_store(&sa->peer_id, &m.idi_p);
		skb_init(&b);
		if ((e = put_id_auth(sa, cfg, &b, IKEV2_PAYLOAD_IDR, NULL)) !=
		    IKE_OK || (e = eap_start(sa, cfg, in, &b)) != IKE_OK) {
			wipe(b.buf, sizeof(b.buf));
			goto out;
		}
		if ((e = skb_seal(sa, &b, IKEV2_EXCH_IKE_AUTH, true, sa->msgid,
		    out)) != IKE_OK)
			goto out;
		sa->msgid++;
		xchg_set(sa, SA_EAP);
		goto out;
	}
	if (!m.has_idi || !m.has_auth || !m.has_sa || !m.has_tsi || !m.has_tsr) {
		snprintf(sa->auth_why, sizeof(sa->auth_why), "no %s payload",
		    !m.has_idi ? "IDi" : !m.has_auth ? "AUTH" : !m.has_sa ?
		    "SA" : !m.has_tsi ? "TSi" : "TSr");
		e = respond_error(sa, cfg, out, false, IKEV2_N_INVALID_SYNTAX,
		    IKE_ESYNTAX);
		goto out;
	}
	if ((m.has_idr && !id_equal(&cfg->local_id, &m.idr_p)) ||
	    !id_equal(&cfg->peer_id, &m.idi_p) ||
	    (e = check_auth(sa, cfg, &m, m.idi)) != IKE_OK) {
		log_debug("IKE_AUTH: %s", e == IKE_OK ? "identity not accepted" :
		    ike_strerror(e));
		e = respond_error(sa, cfg, out, false,
		    IKEV2_N_AUTHENTICATION_FAILED, IKE_EAUTH);
		goto out;
	}
	id_store(&sa->peer_id, &m.idi_p);
	memset(&reply, 0, sizeof(reply));
	if (proposal_select(&cfg->esp, &m.sa, &reply.props[0], NULL) != IKE_OK ||
	    (e = child_derive(sa, &reply.props[0])) != IKE_OK) {
		e = respond_error(sa, cfg, out, true, IKEV2_N_NO_PROPOSAL_CHOSEN,
		    IKE_ENOPROP);
		goto out;
	}
	/* RFC 7296 3.15.4: an address asked for that we cannot give; the
	 * peer's ID as its SA records it: the address it held last comes back */
	vip = m.has_cp && cp_wants_addr(&m.cp);
	ike_id_format(&sa->peer_id, who, sizeof(who));
	if (vip && (cfg->cp == NULL ||
	    cp_assign_id(cfg->cp, &m.cp, &sa->vip, who) != IKE_OK)) {
		log_debug("IKE_AUTH: no address for the peer's CFG_REQUEST");
		e = respond_error(sa, cfg, out, true,
		    IKEV2_N_INTERNAL_ADDRESS_FAILURE, IKE_EREFUSED);
		goto out;
	}
	/* the peer's TSi becomes its virtual IP (its TSi is 0.0.0.0/0) */
	tsi = m.tsi;
	if (vip)
		cp_vip_ts(&sa->vip, &vip_ts);
	if ((vip && !ts_narrow(&m.tsi, &vip_ts, &tsi)) ||
	    !ts_narrow(&tsi, &cfg->ts_remote, &sa->child.tsi) ||
	    !ts_narrow(&m.tsr, &cfg->ts_local, &sa->child.tsr)) {
		e = respond_error(sa, cfg, out, true, IKEV2_N_TS_UNACCEPTABLE,
		    IKE_ETS);
		goto out;
	}
	reply.n_props = 1;
	while (sa->child.spi_in < 256)
		rand_bytes(&sa->child.spi_in, sizeof(sa->child.spi_in));
	for (i = 0; i < 4; i++)
		reply.props[0].spi[i] = (uint8_t)(sa->child.spi_in >> (24 - 8 * i));

	skb_init(&b);
	if ((e = put_id_auth(sa, cfg, &b, IKEV2_PAYLOAD_IDR, NULL)) != IKE_OK) {
		wipe(b.buf, sizeof(b.buf));
		goto out;
	}
	if (vip)
		cp_reply_put(&b.c, &b.w, &sa->vip);	/* CP(CFG_REPLY) */
	chain_open(&b.c, IKEV2_PAYLOAD_SA, false);
	sa_pld_put(&b.w, &reply);
	chain_open(&b.c, IKEV2_PAYLOAD_TSI, false);
	ts_put(&b.w, &sa->child.tsi);
	chain_open(&b.c, IKEV2_PAYLOAD_TSR, false);
	ts_put(&b.w, &sa->child.tsr);
	/* MOBIKE only when the initiator offered it (RFC 4555 4.1) */
	if (m.mobike)
		put_mobike(cfg, &b);
	sa->mobike = cfg->mobike && m.mobike;
	if ((e = skb_seal(sa, &b, IKEV2_EXCH_IKE_AUTH, true, sa->msgid, out)) != IKE_OK)
		goto out;
	sa->msgid++;
	xchg_set(sa, SA_ESTABLISHED);
out:
	if (pt1 != NULL) {	/* EAP's state went with SA_ESTABLISHED or
				 * SA_FAILED */
		wipe(pt1, pt1_len);
		free(pt1);
	}
	pt_wipe(pt, sizeof(pt), in.len);
	return e;
}
