/* SPDX-License-Identifier: ISC */
/* EAP in IKE_AUTH (RFC 7296 2.16): the EAP state, what both roles' methods share, AUTH with the MSK, and the IKE_AUTH messages that carry EAP; eap_server.c and eap_peer.c run the methods, eap_cfg.c reads the configuration. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "codec/auth_pld.h"
#include "codec/cert.h"
#include "codec/eap.h"
#include "codec/id.h"
#include "codec/notify.h"
#include "crypto/hash.h"
#include "crypto/prf.h"
#include "crypto/secret.h"
#include "crypto/sig.h"
#include "names/ikev2.h"
#include "exchange/eap_auth.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"

void
eap_state_wipe(struct eap_state *st)
{
	free(st->first);
	eap_tls_free(st->tls);
	wipe(st, sizeof(*st));
}

/* eap_out writes one EAP message into st->out. */
void
eap_out(struct eap_state *st, uint8_t code, uint8_t id, uint8_t type,
    const uint8_t *data, size_t len)
{
	struct eap_pld	 e;
	struct wr	 w = wr_init(st->out, sizeof(st->out));

	memset(&e, 0, sizeof(e));
	e.code = code;
	e.id = id;
	e.type = type;
	e.data = rd_init(data, len);
	eap_put(&w, &e);
	st->out_len = wr_ok(&w) ? w.len : 0;
}

/* ms_user returns the user name MS-CHAPv2 hashes: without a "DOMAIN\"
 * prefix (RFC 2759 4). */
const char *
ms_user(const char *name)
{
	const char	*bs = strrchr(name, '\\');

	return bs != NULL ? bs + 1 : name;
}

enum ike_err
eap_md5_value(uint8_t id, const char *pass, const uint8_t *chal,
    size_t chal_len, uint8_t out[16])
{
	uint8_t		 buf[1 + EAP_PASS_MAX + 255];
	struct wr	 w = wr_init(buf, sizeof(buf));
	enum ike_err	 e;

	/* RFC 1994 4.1: MD5(Identifier | secret | Challenge) */
	wr_u8(&w, id);
	wr_bytes(&w, pass, strlen(pass));
	wr_bytes(&w, chal, chal_len);
	e = wr_ok(&w) ? hash_md5(buf, w.len, out) : IKE_ETOOBIG;
	wipe(buf, sizeof(buf));
	return e;
}

/* ---- in IKE_AUTH ---- */

/* auth_key is AUTH's shared secret: the MSK, or SK_pi / SK_pr (by_i: the
 * initiator's AUTH) for a method without one (RFC 7296 2.16). */
static void
auth_key(const struct ike_sa *sa, bool by_i, struct psk *k)
{
	memset(k, 0, sizeof(*k));
	if (sa->eap.st != NULL && sa->eap.st->has_msk) {
		memcpy(k->key, sa->eap.st->msk, EAP_MSK_LEN);
		k->len = EAP_MSK_LEN;
	} else {
		memcpy(k->key, by_i ? sa->keys.sk_pi : sa->keys.sk_pr,
		    sa->keys.p_len);
		k->len = sa->keys.p_len;
	}
}

enum ike_err
eap_put_auth(const struct ike_sa *sa, struct skb *b)
{
	uint8_t		 body[4 + IKE_ID_MAX_LEN], auth[PRF_MAX_LEN];
	struct wr	 w = wr_init(body, sizeof(body));
	size_t		 auth_len = 0;
	struct psk	 k;
	enum ike_err	 e;

	id_put(&w, sa->local_id.type, sa->local_id.data, sa->local_id.len);
	if (sa->local_id.type == 0 || !wr_ok(&w))
		return IKE_EINVAL;
	auth_key(sa, sa->role == ROLE_INITIATOR, &k);
	e = ike_auth_psk(sa, &k, true, body, w.len, auth, &auth_len);
	psk_wipe(&k);
	if (e == IKE_OK) {
		chain_open(&b->c, IKEV2_PAYLOAD_AUTH, false);
		auth_put(&b->w, IKEV2_AUTHM_SHARED_KEY, auth, auth_len);
	}
	wipe(auth, sizeof(auth));
	return e;
}

enum ike_err
eap_check_auth(struct ike_sa *sa, const struct auth_pld *auth, struct rd id)
{
	uint8_t		 want[PRF_MAX_LEN];
	size_t		 want_len = 0;
	struct psk	 k;
	enum ike_err	 e;

	if (auth->method != IKEV2_AUTHM_SHARED_KEY) {
		snprintf(sa->auth_why, sizeof(sa->auth_why), "AUTH method %u "
		    "after EAP, not a shared key MIC", auth->method);
		return IKE_EAUTH;
	}
	auth_key(sa, sa->role == ROLE_RESPONDER, &k);
	e = ike_auth_psk(sa, &k, false, id.p, id.len, want, &want_len);
	psk_wipe(&k);
	if (e == IKE_OK && (auth->data.len != want_len ||
	    !ct_eq(auth->data.p, want, want_len))) {
		snprintf(sa->auth_why, sizeof(sa->auth_why), "AUTH with the %s "
		    "does not verify", sa->eap.st != NULL && sa->eap.st->has_msk ?
		    "EAP MSK" : "SK_p key");
		e = IKE_EAUTH;
	}
	wipe(want, sizeof(want));
	return e;
}

enum ike_err
eap_put_id(struct ike_sa *sa, const struct xchg_cfg *cfg, struct skb *b,
    const struct ike_id *idr)
{
	const uint8_t	*h;
	size_t		 len = 0;

	if (cfg->local_id.type == 0)
		return IKE_EINVAL;
	/* IDi, CERTREQ (the responder then sends its CERT), [IDr] */
	chain_open(&b->c, IKEV2_PAYLOAD_IDI, false);
	id_put(&b->w, cfg->local_id.type, cfg->local_id.data, cfg->local_id.len);
	if (cfg->cred != NULL &&
	    (h = sig_cred_ca_hashes(cfg->cred, &len)) != NULL) {
		chain_open(&b->c, IKEV2_PAYLOAD_CERTREQ, false);
		cert_put(&b->w, IKEV2_CERT_X509_CERT_SIGNATURE, h, len);
	}
	if (idr != NULL) {
		chain_open(&b->c, IKEV2_PAYLOAD_IDR, false);
		id_put(&b->w, idr->type, idr->data, idr->len);
	}
	sa->local_id = cfg->local_id;
	return IKE_OK;
}

/* eap_new allocates sa's EAP state when EAP starts. */
static enum ike_err
eap_new(struct ike_sa *sa)
{
	eap_end(sa);
	if ((sa->eap.st = calloc(1, sizeof(*sa->eap.st))) == NULL)
		return IKE_ENOMEM;
	return IKE_OK;
}

void
eap_end(struct ike_sa *sa)
{
	if (sa->eap.st == NULL)
		return;
	sa->eap.phase = sa->eap.st->phase;
	eap_state_wipe(sa->eap.st);
	free(sa->eap.st);
	sa->eap.st = NULL;
}

/* peer_step feeds the server's EAP message to the peer; sa->auth_why says
 * why it failed (then EAP is over: its state is freed). */
static enum ike_err
peer_step(struct ike_sa *sa, const struct xchg_cfg *cfg,
    const struct eap_pld *m)
{
	struct eap_state	*st = sa->eap.st;
	enum ike_err		 e;

	e = eap_peer_input(st, cfg->eap, m);
	sa->eap.phase = st->phase;
	if (e != IKE_OK) {
		snprintf(sa->auth_why, sizeof(sa->auth_why), "%s",
		    st->why[0] != '\0' ? st->why : ike_strerror(e));
		log_debug("IKE_AUTH: EAP: %s", sa->auth_why);
		eap_end(sa);
		return e;
	}
	if (st->phase != EAP_PH_SUCCESS && st->out_len == 0)
		return IKE_ESYNTAX;
	sa->msgid++;
	xchg_set(sa, SA_EAP);
	return IKE_OK;
}

/* other_id copies the other end's IKE ID (for EAP-TLS) into st. */
static void
other_id(struct eap_state *st, const struct ike_sa *sa)
{
	st->other.type = sa->peer_id.type;
	st->other.len = sa->peer_id.len;
	memcpy(st->other.data, sa->peer_id.data, sizeof(st->other.data));
}

enum ike_err
eap_first(struct ike_sa *sa, const struct xchg_cfg *cfg,
    const struct auth_msg *m)
{
	enum ike_err	 e;

	if (sa->role != ROLE_INITIATOR || sa->state != SA_AUTH_SENT)
		return IKE_EINVAL;
	if ((e = eap_new(sa)) != IKE_OK)
		return e;
	sa->eap.st->phase = EAP_PH_RUN;
	sa->eap.st->cred = cfg->cred;
	other_id(sa->eap.st, sa);
	return peer_step(sa, cfg, &m->eap);
}

enum ike_err
eap_create(struct ike_sa *sa, const struct xchg_cfg *cfg, struct wr *out)
{
	struct eap_state	*st = sa->eap.st;
	struct skb		 b;
	enum ike_err		 e = IKE_OK;

	(void)cfg;
	if (st == NULL)
		return IKE_EINVAL;
	skb_init(&b);
	if (st->phase == EAP_PH_SUCCESS)	/* SK{ AUTH } with the MSK */
		e = eap_put_auth(sa, &b);
	else if (st->phase == EAP_PH_RUN && st->out_len > 0) {
		chain_open(&b.c, IKEV2_PAYLOAD_EAP, false);
		wr_bytes(&b.w, st->out, st->out_len);
	} else
		e = IKE_EINVAL;
	if (e != IKE_OK) {
		wipe(b.buf, sizeof(b.buf));
		return e;
	}
	if ((e = skb_seal(sa, &b, IKEV2_EXCH_IKE_AUTH, false, sa->msgid,
	    out)) != IKE_OK)
		return e;
	if (st->phase == EAP_PH_SUCCESS)
		sa->eap.phase = st->phase = EAP_PH_AUTH_SENT;
	return IKE_OK;
}

enum ike_err
eap_consume(struct ike_sa *sa, const struct xchg_cfg *cfg, struct rd in)
{
	uint8_t		 pt[XCHG_OUT_MAX];
	struct auth_msg	 m;
	enum ike_err	 e;

	if (sa->eap.st == NULL)
		return IKE_EINVAL;
	if ((e = auth_parse_msg(sa, in, pt, sizeof(pt), &m)) != IKE_OK)
		goto out;
	if ((m.hdr.flags & IKEV2_FLAG_RESPONSE) == 0 || m.hdr.msgid != sa->msgid) {
		e = IKE_ESYNTAX;
		goto out;
	}
	if (m.error != 0) {
		sa->peer_notify = m.error;
		e = IKE_EREFUSED;
		goto out;
	}
	sa->eap.st->cred = cfg->cred;
	e = m.has_eap ? peer_step(sa, cfg, &m.eap) : IKE_ESYNTAX;
out:
	pt_wipe(pt, sizeof(pt), in.len);
	return e;
}

/* refuse answers with SK{ N(type) } and ends the IKE SA. */
static enum ike_err
refuse(struct ike_sa *sa, struct wr *out, uint16_t type, enum ike_err err)
{
	struct skb	 b;
	enum ike_err	 e;

	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&b.w, 0, NULL, 0, type, NULL, 0);
	out->len = 0;
	if ((e = skb_seal(sa, &b, IKEV2_EXCH_IKE_AUTH, true, sa->msgid, out)) !=
	    IKE_OK)
		return e;
	xchg_set(sa, SA_FAILED);
	return err;
}

enum ike_err
eap_start(struct ike_sa *sa, const struct xchg_cfg *cfg, struct rd in,
    struct skb *b)
{
	struct eap_state	*st;
	enum ike_err		 e;

	if ((e = eap_new(sa)) != IKE_OK)
		return e;
	st = sa->eap.st;
	if ((st->first = malloc(in.len)) == NULL)
		return IKE_ENOMEM;
	memcpy(st->first, in.p, in.len);
	st->first_len = in.len;
	st->cred = cfg->cred;
	other_id(st, sa);
	eap_server_start(st, cfg->eap);
	sa->eap.phase = st->phase;
	chain_open(&b->c, IKEV2_PAYLOAD_EAP, false);
	wr_bytes(&b->w, st->out, st->out_len);
	return IKE_OK;
}

enum ike_err
eap_respond(struct ike_sa *sa, const struct xchg_cfg *cfg,
    const struct auth_msg *m, struct wr *out, bool *done)
{
	struct eap_state	*st = sa->eap.st;
	struct skb		 b;
	enum ike_err		 e;

	*done = false;
	if (st == NULL)
		return IKE_EINVAL;
	if (st->phase == EAP_PH_SUCCESS && m->has_auth && !m->has_eap) {
		*done = true;
		return IKE_OK;
	}
	st->cred = cfg->cred;
	e = st->phase != EAP_PH_RUN || !m->has_eap ? IKE_ESYNTAX :
	    eap_server_input(st, cfg->eap, &m->eap);
	sa->eap.phase = st->phase;
	if (e != IKE_OK) {
		snprintf(sa->auth_why, sizeof(sa->auth_why), "%s",
		    !m->has_eap ? "no EAP payload" : "not the EAP answer "
		    "expected");
		return refuse(sa, out, IKEV2_N_AUTHENTICATION_FAILED, IKE_EAUTH);
	}
	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_EAP, false);
	wr_bytes(&b.w, st->out, st->out_len);
	if ((e = skb_seal(sa, &b, IKEV2_EXCH_IKE_AUTH, true, sa->msgid, out)) !=
	    IKE_OK)
		return e;
	sa->msgid++;
	if (st->phase == EAP_PH_FAILED) {
		char	 user[65];
		size_t	 i;

		/* the name is the peer's: printable characters only */
		for (i = 0; st->user[i] != '\0' && i + 1 < sizeof(user); i++)
			user[i] = isprint((unsigned char)st->user[i]) ?
			    st->user[i] : '?';
		user[i] = '\0';
		snprintf(sa->auth_why, sizeof(sa->auth_why), "EAP: user '%s': %s",
		    user, st->why);
		xchg_set(sa, SA_FAILED);
		return IKE_EAUTH;
	}
	return IKE_OK;
}
