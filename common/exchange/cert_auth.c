/* SPDX-License-Identifier: ISC */
/* IKE_AUTH with certificates (RFC 7296 2.15, 3.6, 3.7; RFC 7427): CERT, CERTREQ, signature AUTH, peer checks. */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "codec/auth_pld.h"
#include "codec/cert.h"
#include "codec/id.h"
#include "codec/notify.h"
#include "crypto/prf.h"
#include "crypto/secret.h"
#include "crypto/sig.h"
#include "names/ikev2.h"
#include "exchange/cert_auth.h"

enum { OCTETS_MAX = XCHG_MSG_MAX + NONCE_MAX_LEN + PRF_MAX_LEN };

/* signed_octets writes our (mine) or the peer's signed octets to out:
 *   RealMessage1 | NonceRData | prf(SK_pi, IDi')	(the initiator's)
 *   RealMessage2 | NonceIData | prf(SK_pr, IDr')	(the responder's) */
static enum ike_err
signed_octets(const struct ike_sa *sa, bool mine, const uint8_t *id_body,
    size_t id_len, uint8_t *out, size_t cap, size_t *out_len)
{
	struct wr	 w = wr_init(out, cap);
	bool		 by_i = (sa->role == ROLE_INITIATOR) == mine;
	uint8_t		 maced[PRF_MAX_LEN];
	size_t		 plen = prf_len(sa->suite.prf);
	enum ike_err	 e;

	if (plen == 0)
		return IKE_EUNSUPP;
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
	if (!wr_ok(&w))
		e = IKE_ETOOBIG;
	*out_len = w.len;
out:
	wipe(maced, sizeof(maced));
	return e;
}

void
cert_init_put(const struct ike_sa *sa, const struct xchg_cfg *cfg,
    struct chain *c, struct wr *w)
{
	uint8_t		 ids[8];
	const uint8_t	*h;
	size_t		 n, h_len = 0;

	if (cfg->cred == NULL)
		return;
	n = sig_hash_put(ids);
	chain_open(c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(w, 0, NULL, 0, IKEV2_N_SIGNATURE_HASH_ALGORITHMS, ids, n);
	if (sa->role == ROLE_RESPONDER &&
	    (h = sig_cred_ca_hashes(cfg->cred, &h_len)) != NULL) {
		chain_open(c, IKEV2_PAYLOAD_CERTREQ, false);
		cert_put(w, IKEV2_CERT_X509_CERT_SIGNATURE, h, h_len);
	}
}

enum ike_err
cert_id_auth(struct ike_sa *sa, const struct xchg_cfg *cfg, struct skb *b,
    uint8_t type, const struct ike_id *idr)
{
	uint8_t		 body[4 + IKE_ID_MAX_LEN], octets[OCTETS_MAX];
	uint8_t		 sig[SIG_MAX_LEN], method = 0;
	const uint8_t	*p, *alg;
	size_t		 body_len, octets_len = 0, sig_len = 0, len, alg_len, i;
	enum sig_alg	 a = SIG_ALG_NONE;
	struct wr	 w = wr_init(body, sizeof(body));
	enum ike_err	 e;

	if (cfg->local_id.type == 0 || !sig_cred_has_key(cfg->cred))
		return IKE_EINVAL;
	id_put(&w, cfg->local_id.type, cfg->local_id.data, cfg->local_id.len);
	if (!wr_ok(&w))
		return IKE_EINVAL;
	body_len = w.len;
	if ((e = signed_octets(sa, true, body, body_len, octets, sizeof(octets),
	    &octets_len)) != IKE_OK)
		goto out;
	if ((e = sig_sign(cfg->cred, sa->peer_hash_algs, octets, octets_len,
	    &method, &a, sig, sizeof(sig), &sig_len)) != IKE_OK)
		goto out;
	/* IDx, CERT..., [CERTREQ], [IDr], AUTH (RFC 7296 1.2) */
	chain_open(&b->c, type, false);
	wr_bytes(&b->w, body, body_len);
	for (i = 0; (p = sig_cred_cert(cfg->cred, i, &len)) != NULL; i++) {
		chain_open(&b->c, IKEV2_PAYLOAD_CERT, false);
		cert_put(&b->w, IKEV2_CERT_X509_CERT_SIGNATURE, p, len);
	}
	if (sa->role == ROLE_INITIATOR &&
	    (p = sig_cred_ca_hashes(cfg->cred, &len)) != NULL) {
		chain_open(&b->c, IKEV2_PAYLOAD_CERTREQ, false);
		cert_put(&b->w, IKEV2_CERT_X509_CERT_SIGNATURE, p, len);
	}
	if (idr != NULL) {
		chain_open(&b->c, IKEV2_PAYLOAD_IDR, false);
		id_put(&b->w, idr->type, idr->data, idr->len);
	}
	chain_open(&b->c, IKEV2_PAYLOAD_AUTH, false);
	if (method == IKEV2_AUTHM_DIGITAL_SIG) {
		alg = sig_alg_der(a, &alg_len);
		auth_put_sig(&b->w, alg, alg_len, sig, sig_len);
	} else
		auth_put(&b->w, method, sig, sig_len);
	log_debug("IKE_AUTH: signed with AUTH method %u%s", method,
	    a != SIG_ALG_NONE ? " (RFC 7427)" : "");
	sa->local_id = cfg->local_id;
out:
	wipe(octets, sizeof(octets));
	return e;
}

enum ike_err
cert_check(struct ike_sa *sa, const struct xchg_cfg *cfg,
    const struct auth_pld *auth, struct rd id_body, const struct rd *certs,
    size_t n_certs)
{
	const uint8_t	*ders[SIG_CERTS_MAX];
	size_t		 lens[SIG_CERTS_MAX], octets_len = 0, i;
	uint8_t		 octets[OCTETS_MAX];
	struct sig_peer	*peer = NULL;
	struct id_pld	 id;
	struct rd	 r = id_body, sig;
	char		*why = sa->auth_why;
	size_t		 why_len = sizeof(sa->auth_why);
	enum ike_err	 e;

	why[0] = '\0';
	if (auth->method == IKEV2_AUTHM_SHARED_KEY) {
		snprintf(why, why_len, "peer used a pre-shared key, we want a "
		    "certificate");
		return IKE_EAUTH;
	}
	if ((e = id_parse(&r, &id)) != IKE_OK)
		return e;
	for (i = 0; i < n_certs && i < SIG_CERTS_MAX; i++) {
		ders[i] = certs[i].p;
		lens[i] = certs[i].len;
	}
	if ((e = sig_peer_new(&peer, ders, lens, i, why, why_len)) != IKE_OK ||
	    (e = sig_peer_validate(peer, cfg->cred, why, why_len)) != IKE_OK ||
	    (e = sig_peer_id_match(peer, id.type, id.data.p, id.data.len, why,
	    why_len)) != IKE_OK)
		goto out;
	if ((e = signed_octets(sa, false, id_body.p, id_body.len, octets,
	    sizeof(octets), &octets_len)) != IKE_OK)
		goto out;
	sig = auth->method == IKEV2_AUTHM_DIGITAL_SIG ? auth->sig : auth->data;
	if ((e = sig_peer_verify(peer, auth->method, auth->sig_alg.p,
	    auth->sig_alg.len, sig.p, sig.len, octets, octets_len, why,
	    why_len)) != IKE_OK)
		goto out;
	/* last: only a peer that holds the key makes us ask a responder */
	e = sig_peer_revocation(peer, cfg->cred, why, why_len);
out:
	if (e != IKE_OK && why[0] == '\0')
		snprintf(why, why_len, "%s", ike_strerror(e));
	if (e != IKE_OK)
		log_debug("IKE_AUTH: peer not authenticated: %s", why);
	sig_peer_free(peer);
	wipe(octets, sizeof(octets));
	return e;
}
