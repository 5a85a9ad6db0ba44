/* SPDX-License-Identifier: ISC */
/* IKE_SA_INIT (RFC 7296 1.2, 2.6, 2.23): request, response, COOKIE and INVALID_KE retries, SKEYSEED. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "codec/chain.h"
#include "codec/hdr.h"
#include "codec/ke.h"
#include "codec/nonce.h"
#include "codec/notify.h"
#include "codec/sa_pld.h"
#include "crypto/dh.h"
#include "crypto/dh_reuse.h"
#include "crypto/keys.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "names/names.h"
#include "proposal/proposal.h"
#include "exchange/cert_auth.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"

/* What an IKE_SA_INIT message carries that we look at. */
struct init_msg {
	struct ike_hdr	 hdr;
	struct sa_pld	 sa;
	bool		 has_sa, has_ke, has_nonce, has_cookie;
	bool		 has_natd_s, has_natd_d, frag;
	struct ke_pld	 ke;
	struct rd	 nonce, cookie;
	uint8_t		 natd_s[NATD_HASH_LEN], natd_d[NATD_HASH_LEN];
	uint16_t	 error;		/* first error Notify */
	uint16_t	 ke_group;	/* its INVALID_KE_PAYLOAD data */
	uint16_t	 hash_algs;	/* SIGNATURE_HASH_ALGORITHMS (RFC 7427) */
	uint8_t		 crit_type;	/* IKE_EUNSUPP_CRIT: the payload type */
	char		 why[SIG_WHY_LEN];	/* what was wrong, for the log */
};

/* bad notes why m is refused (for the responder's debug log) and returns e. */
static enum ike_err __attribute__((format(printf, 3, 4)))
bad(struct init_msg *m, enum ike_err e, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	return e;
}

/* pld_name returns a payload type's name for the log, or "type N". */
static const char *
pld_name(uint8_t type, char *buf, size_t n)
{
	const char *name = ikev2_payload_abbr(type);

	if (name != NULL)
		return name;
	snprintf(buf, n, "type %u", type);
	return buf;
}

static enum ike_err
init_parse(struct rd in, struct init_msg *out)
{
	struct pld_iter		 it;
	struct pld		 p;
	struct notify_pld	 n;
	struct rd		 r = in, body;
	char			 nb[16];
	uint8_t			 type;
	bool			 dup = false;
	enum ike_err		 e = IKE_OK;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	if ((e = hdr_parse(&r, &out->hdr)) != IKE_OK)
		return bad(out, e, "header: length %u, message %zu bytes",
		    out->hdr.len, in.len);
	if (out->hdr.exch != IKEV2_EXCH_IKE_SA_INIT || out->hdr.msgid != 0)
		return bad(out, IKE_ESYNTAX, "exchange %u, message ID %u",
		    out->hdr.exch, out->hdr.msgid);
	pld_iter_init(&it, r, out->hdr.next);
	for (;;) {
		type = it.next;		/* what pld_next reads, if it fails */
		if (!pld_next(&it, &p))
			break;
		type = p.type;
		body = p.body;
		switch (p.type) {
		case IKEV2_PAYLOAD_SA:
			if (!(dup = out->has_sa))
				e = sa_pld_parse(&body, &out->sa);
			out->has_sa = true;
			break;
		case IKEV2_PAYLOAD_KE:
			if (!(dup = out->has_ke))
				e = ke_parse(&body, &out->ke);
			out->has_ke = true;
			break;
		case IKEV2_PAYLOAD_NONCE:
			if (!(dup = out->has_nonce))
				e = nonce_parse(&body, &out->nonce);
			out->has_nonce = true;
			break;
		case IKEV2_PAYLOAD_NOTIFY:
			if ((e = notify_parse(&body, &n)) != IKE_OK)
				break;
			if (notify_is_error(n.type)) {
				if (out->error == 0)
					out->error = n.type;
				if (n.type == IKEV2_N_INVALID_KE_PAYLOAD)
					(void)rd_u16(&n.data, &out->ke_group);
				break;
			}
			switch (n.type) {
			case IKEV2_N_COOKIE:
				out->cookie = n.data;
				out->has_cookie = true;
				break;
			case IKEV2_N_NAT_DETECTION_SOURCE_IP:
				/* several are allowed (multi-homed); keep the first */
				if (!out->has_natd_s)
					(void)rd_copy(&n.data, out->natd_s, NATD_HASH_LEN);
				out->has_natd_s = true;
				break;
			case IKEV2_N_NAT_DETECTION_DESTINATION_IP:
				(void)rd_copy(&n.data, out->natd_d, NATD_HASH_LEN);
				out->has_natd_d = true;
				break;
			case IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED:
				out->frag = true;
				break;
			case IKEV2_N_SIGNATURE_HASH_ALGORITHMS:
				out->hash_algs = sig_hash_mask(n.data.p, n.data.len);
				break;
			default:
				break;
			}
			break;
		default:
			break;		/* VID, unknown non-critical ones: ignored */
		}
		if (e != IKE_OK || dup)
			break;
	}
	if (dup)
		return bad(out, IKE_ESYNTAX, "payload %u: a second %s payload",
		    it.n, pld_name(type, nb, sizeof(nb)));
	if (e != IKE_OK)
		return bad(out, e == IKE_ETOOBIG ? IKE_ESYNTAX : e,
		    "payload %u (%s): %s", it.n, pld_name(type, nb, sizeof(nb)),
		    ike_strerror(e));
	if (it.err == IKE_EUNSUPP_CRIT) {
		/* RFC 7296 2.5: named in UNSUPPORTED_CRITICAL_PAYLOAD */
		out->crit_type = p.type;
		return bad(out, it.err, "payload %u: type %u, critical, unknown",
		    it.n, p.type);
	}
	if (it.err != IKE_OK)
		return bad(out, it.err, "payload %u (%s): %s", it.n,
		    type != IKEV2_PAYLOAD_NONE ? pld_name(type, nb, sizeof(nb)) :
		    "after the last", ike_strerror(it.err));
	return IKE_OK;
}

/* put_natd writes both NAT detection notifies for sa's SPIs, from our point
 * of view (source = us). With fake the source hash is random. */
static enum ike_err
put_natd(const struct ike_sa *sa, const struct xchg_cfg *cfg, struct chain *c,
    struct wr *w, bool fake)
{
	uint8_t		 h[NATD_HASH_LEN];
	uint64_t	 rspi = sa->role == ROLE_INITIATOR && sa->state != SA_INIT_DONE ?
			    0 : sa->rspi;
	enum ike_err	 e;

	if (fake)
		rand_bytes(h, sizeof(h));
	else if ((e = natd_hash(sa->ispi, rspi, cfg->af, cfg->local_addr,
	    cfg->local_port, h)) != IKE_OK)
		return e;
	chain_open(c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(w, 0, NULL, 0, IKEV2_N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	if ((e = natd_hash(sa->ispi, rspi, cfg->af, cfg->peer_addr,
	    cfg->peer_port, h)) != IKE_OK)
		return e;
	chain_open(c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(w, 0, NULL, 0, IKEV2_N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
	return IKE_OK;
}

/* check_natd compares the peer's hashes with ours (RFC 7296 2.23): its
 * source hash against the address we see it at, its destination hash
 * against ours. No NAT-D from the peer: no NAT. */
static enum ike_err
check_natd(struct ike_sa *sa, const struct xchg_cfg *cfg,
    const struct init_msg *m, uint64_t rspi)
{
	uint8_t		 h[NATD_HASH_LEN];
	enum ike_err	 e;

	sa->nat_local = cfg->fake_natd;
	sa->nat_remote = false;
	if (m->has_natd_s) {
		if ((e = natd_hash(sa->ispi, rspi, cfg->af, cfg->peer_addr,
		    cfg->peer_port, h)) != IKE_OK)
			return e;
		sa->nat_remote = !ct_eq(h, m->natd_s, sizeof(h));
	}
	if (m->has_natd_d) {
		if ((e = natd_hash(sa->ispi, rspi, cfg->af, cfg->local_addr,
		    cfg->local_port, h)) != IKE_OK)
			return e;
		if (!ct_eq(h, m->natd_d, sizeof(h)))
			sa->nat_local = true;
	}
	if (xchg_nat(sa))
		log_debug("NAT detected: %s%s", sa->nat_local ? "local " : "",
		    sa->nat_remote ? "remote" : "");
	return IKE_OK;
}

/* first_group returns the first DH group of cfg's first proposal that has one. */
static uint16_t
first_group(const struct xchg_cfg *cfg)
{
	size_t	 i;
	uint16_t g;

	for (i = 0; i < cfg->ike.n_props; i++)
		if ((g = proposal_dh_group(&cfg->ike.props[i])) != 0)
			return g;
	return 0;
}

/* derive computes g^ir from the peer's KE and the IKE SA keys. */
static enum ike_err
derive(struct ike_sa *sa, const struct ke_pld *ke)
{
	uint8_t		 gir[DH_SHARED_MAX_LEN];
	size_t		 gir_len = 0;
	enum ike_err	 e;

	if ((e = proposal_ike_suite(&sa->chosen, &sa->suite)) != IKE_OK)
		return e;
	if ((e = dh_shared(sa->dh, ke->data.p, ke->data.len, gir, sizeof(gir),
	    &gir_len)) != IKE_OK)
		goto out;
	/* SKEYSEED = prf(Ni | Nr, g^ir); {SK_d | ...} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
	e = ike_keys_derive(&sa->keys, &sa->suite, sa->ni, sa->ni_len, sa->nr,
	    sa->nr_len, gir, gir_len, sa->ispi, sa->rspi);
out:
	wipe(gir, sizeof(gir));
	dh_free(sa->dh);
	sa->dh = NULL;
	return e;
}

/* init_msgs gives sa room for its two IKE_SA_INIT messages (kept until
 * ike_sa_drop_init); IKE_ENOMEM if there is none. */
static enum ike_err
init_msgs(struct ike_sa *sa)
{
	if (sa->init_req == NULL) {
		if ((sa->init_req = malloc(2 * XCHG_MSG_MAX)) == NULL)
			return IKE_ENOMEM;
		sa->init_resp = sa->init_req + XCHG_MSG_MAX;
	}
	return IKE_OK;
}

enum ike_err
sa_init_create(struct ike_sa *sa, const struct xchg_cfg *cfg, struct wr *out)
{
	struct ike_hdr	 h;
	struct chain	 c;
	uint8_t		 pub[DH_PUB_MAX_LEN];
	size_t		 off, pub_len = 0;
	enum ike_err	 e;

	if (sa->role != ROLE_INITIATOR || sa->state != SA_IDLE)
		return IKE_EINVAL;
	while (sa->ispi == 0)
		rand_bytes(&sa->ispi, sizeof(sa->ispi));
	sa->rspi = 0;
	if (sa->dh_group == 0 && (sa->dh_group = first_group(cfg)) == 0)
		return IKE_EINVAL;
	if (sa->dh != NULL && dh_group(sa->dh) != sa->dh_group) {
		dh_free(sa->dh);
		sa->dh = NULL;
	}
	if (sa->dh == NULL && (e = dh_new(&sa->dh, sa->dh_group)) != IKE_OK)
		return e;
	if ((e = dh_public(sa->dh, pub, sizeof(pub), &pub_len)) != IKE_OK)
		return e;
	if (sa->ni_len == 0) {
		rand_bytes(sa->ni, IKE_NONCE_LEN);
		sa->ni_len = IKE_NONCE_LEN;
	}
	sa->msgid = 0;

	xchg_hdr(sa, &h, IKEV2_EXCH_IKE_SA_INIT, false, 0, IKEV2_PAYLOAD_NONE);
	off = hdr_put(out, &h);
	chain_init(&c, out, off + HDR_NEXT_AT);
	if (sa->cookie_len != 0) {
		/* RFC 7296 2.6: the cookie goes first, the rest unchanged */
		chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
		notify_put(out, 0, NULL, 0, IKEV2_N_COOKIE, sa->cookie, sa->cookie_len);
	}
	chain_open(&c, IKEV2_PAYLOAD_SA, false);
	sa_pld_put(out, &cfg->ike);
	chain_open(&c, IKEV2_PAYLOAD_KE, false);
	ke_put(out, sa->dh_group, pub, pub_len);
	chain_open(&c, IKEV2_PAYLOAD_NONCE, false);
	nonce_put(out, sa->ni, sa->ni_len);
	if ((e = put_natd(sa, cfg, &c, out, cfg->fake_natd)) != IKE_OK)
		return e;
	if (cfg->frag) {
		chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
		notify_put(out, 0, NULL, 0, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED,
		    NULL, 0);
	}
	cert_init_put(sa, cfg, &c, out);
	chain_close(&c);
	hdr_finish(out, off);
	if (!wr_ok(out) || out->len - off > XCHG_MSG_MAX)
		return IKE_ETOOBIG;
	if ((e = init_msgs(sa)) != IKE_OK)
		return e;
	memcpy(sa->init_req, out->buf + off, out->len - off);
	sa->init_req_len = out->len - off;
	xchg_set(sa, SA_INIT_SENT);
	return IKE_OK;
}

enum ike_err
sa_init_consume(struct ike_sa *sa, const struct xchg_cfg *cfg, struct rd in)
{
	struct init_msg	 m;
	const struct sa_prop *p;
	enum ike_err	 e;

	if (sa->role != ROLE_INITIATOR || sa->state != SA_INIT_SENT)
		return IKE_EINVAL;
	if ((e = init_parse(in, &m)) != IKE_OK)
		return e;
	if ((m.hdr.flags & IKEV2_FLAG_RESPONSE) == 0 || m.hdr.ispi != sa->ispi)
		return IKE_ESYNTAX;
	if (m.has_cookie && m.error == 0) {
		/* RFC 7296 2.6: retry with the cookie */
		if (m.cookie.len == 0 || m.cookie.len > sizeof(sa->cookie))
			return IKE_ESYNTAX;
		memcpy(sa->cookie, m.cookie.p, m.cookie.len);
		sa->cookie_len = m.cookie.len;
		log_debug("IKE_SA_INIT: peer asks for a cookie");
		xchg_set(sa, SA_IDLE);
		return IKE_OK;
	}
	if (m.error != 0) {
		sa->peer_notify = m.error;
		if (m.error == IKEV2_N_INVALID_KE_PAYLOAD) {
			sa->want_group = m.ke_group;
			log_debug("IKE_SA_INIT: peer wants KE group %u", m.ke_group);
			return IKE_EBADKE;
		}
		return m.error == IKEV2_N_NO_PROPOSAL_CHOSEN ? IKE_ENOPROP :
		    IKE_EREFUSED;
	}
	if (!m.has_sa || !m.has_ke || !m.has_nonce || m.sa.n_props != 1 ||
	    m.hdr.rspi == 0)
		return IKE_ESYNTAX;
	p = &m.sa.props[0];
	if (!proposal_accept_reply(&cfg->ike, p) || !proposal_supported(p))
		return IKE_ENOPROP;
	if (proposal_dh_group(p) != sa->dh_group || m.ke.group != sa->dh_group)
		return IKE_EBADKE;
	sa->chosen = *p;
	sa->rspi = m.hdr.rspi;
	if (m.nonce.len > sizeof(sa->nr))
		return IKE_ESYNTAX;
	memcpy(sa->nr, m.nonce.p, m.nonce.len);
	sa->nr_len = m.nonce.len;
	sa->peer_frag = m.frag;
	sa->peer_hash_algs = m.hash_algs;
	if ((e = check_natd(sa, cfg, &m, sa->rspi)) != IKE_OK)
		return e;
	if (in.len > XCHG_MSG_MAX)
		return IKE_ETOOBIG;
	if ((e = init_msgs(sa)) != IKE_OK)
		return e;
	memcpy(sa->init_resp, in.p, in.len);
	sa->init_resp_len = in.len;
	if ((e = derive(sa, &m.ke)) != IKE_OK)
		return e;
	sa->msgid = 1;
	xchg_set(sa, SA_INIT_DONE);
	return IKE_OK;
}

/* init_error writes a response with only the Notify type (and data). */
static void
init_error(const struct ike_sa *sa, struct wr *out, uint16_t type,
    const void *data, size_t len)
{
	struct ike_hdr	 h;
	struct chain	 c;
	size_t		 off;

	xchg_hdr(sa, &h, IKEV2_EXCH_IKE_SA_INIT, true, 0, IKEV2_PAYLOAD_NONE);
	h.rspi = 0;
	off = hdr_put(out, &h);
	chain_init(&c, out, off + HDR_NEXT_AT);
	chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(out, 0, NULL, 0, type, data, len);
	chain_close(&c);
	hdr_finish(out, off);
}

/* note copies m's reason to sa->auth_why (the SA's field for what the
 * responder logs of a refused peer) and returns e. */
static enum ike_err
note(struct ike_sa *sa, const struct init_msg *m, enum ike_err e)
{
	snprintf(sa->auth_why, sizeof(sa->auth_why), "%s", m->why);
	return e;
}

enum ike_err
sa_init_respond(struct ike_sa *sa, const struct xchg_cfg *cfg, struct rd in,
    struct wr *out)
{
	struct init_msg	 m;
	struct sa_pld	 reply;
	struct ike_hdr	 h;
	struct chain	 c;
	uint8_t		 pub[DH_PUB_MAX_LEN], grp[2];
	size_t		 off, pub_len = 0;
	uint16_t	 group;
	enum ike_err	 e;

	out->len = 0;
	sa->auth_why[0] = '\0';
	if (sa->role != ROLE_RESPONDER || sa->state != SA_IDLE)
		return IKE_EINVAL;
	e = init_parse(in, &m);
	if (e != IKE_OK && e != IKE_EUNSUPP_CRIT)
		return note(sa, &m, e);
	/* RFC 7296 3.1: a request, from the original initiator, SPIr 0 */
	if ((m.hdr.flags & (IKEV2_FLAG_RESPONSE | IKEV2_FLAG_INITIATOR)) !=
	    IKEV2_FLAG_INITIATOR || m.hdr.rspi != 0 || m.hdr.ispi == 0)
		return note(sa, &m, bad(&m, IKE_ESYNTAX, "flags 0x%02x, SPIs "
		    "%016llx/%016llx", m.hdr.flags, (unsigned long long)m.hdr.ispi,
		    (unsigned long long)m.hdr.rspi));
	sa->ispi = m.hdr.ispi;
	if (e == IKE_EUNSUPP_CRIT) {
		/* RFC 7296 2.5: rejected, the payload type as the data */
		init_error(sa, out, IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD,
		    &m.crit_type, 1);
		return note(sa, &m, wr_ok(out) ? e : IKE_ETOOBIG);
	}
	/* RFC 7296 3.10.1: INVALID_SYNTAX only in an encrypted message, so a
	 * request that lacks a payload is dropped */
	if (!m.has_sa || !m.has_ke || !m.has_nonce)
		return note(sa, &m, bad(&m, IKE_ESYNTAX, "no %s payload",
		    !m.has_sa ? "SA" : !m.has_ke ? "KE" : "Nonce"));
	if (cfg->cookie_len != 0 && (!m.has_cookie ||
	    m.cookie.len != cfg->cookie_len ||
	    !ct_eq(m.cookie.p, cfg->cookie, cfg->cookie_len))) {
		init_error(sa, out, IKEV2_N_COOKIE, cfg->cookie, cfg->cookie_len);
		return wr_ok(out) ? IKE_EREFUSED : IKE_ETOOBIG;
	}
	memset(&reply, 0, sizeof(reply));
	if ((e = proposal_select(&cfg->ike, &m.sa, &reply.props[0], NULL)) != IKE_OK) {
		init_error(sa, out, IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return wr_ok(out) ? IKE_ENOPROP : IKE_ETOOBIG;
	}
	reply.n_props = 1;
	group = proposal_dh_group(&reply.props[0]);
	sa->dh_group = group;		/* named in the log */
	if (m.ke.group != group) {
		grp[0] = (uint8_t)(group >> 8);
		grp[1] = (uint8_t)group;
		init_error(sa, out, IKEV2_N_INVALID_KE_PAYLOAD, grp, sizeof(grp));
		return wr_ok(out) ? IKE_EBADKE : IKE_ETOOBIG;
	}
	/* RFC 7296 3.4: the KE data length is the group's */
	if (m.ke.data.len != dh_pub_len(group))
		return note(sa, &m, bad(&m, IKE_ESYNTAX, "KE of %zu bytes, "
		    "group %u takes %zu", m.ke.data.len, group, dh_pub_len(group)));
	sa->chosen = reply.props[0];
	if (m.nonce.len > sizeof(sa->ni) || in.len > XCHG_MSG_MAX)
		return note(sa, &m, bad(&m, IKE_ETOOBIG, "%zu bytes", in.len));
	memcpy(sa->ni, m.nonce.p, m.nonce.len);
	sa->ni_len = m.nonce.len;
	sa->peer_frag = m.frag;
	sa->peer_hash_algs = m.hash_algs;
	/* the request's hashes were made with SPIr = 0 */
	if ((e = check_natd(sa, cfg, &m, 0)) != IKE_OK)
		return e;
	while (sa->rspi == 0)
		rand_bytes(&sa->rspi, sizeof(sa->rspi));
	rand_bytes(sa->nr, IKE_NONCE_LEN);
	sa->nr_len = IKE_NONCE_LEN;
	if ((e = dh_reuse_get(cfg->dh_reuse, group, &sa->dh)) != IKE_OK ||
	    (e = dh_public(sa->dh, pub, sizeof(pub), &pub_len)) != IKE_OK)
		return e;
	/* the keys before the answer: a KE that is no public value of its
	 * group (RFC 6989) is dropped, not answered and forgotten */
	if ((e = derive(sa, &m.ke)) != IKE_OK) {
		ike_keys_wipe(&sa->keys);
		return note(sa, &m, bad(&m, e == IKE_EBADKE ? IKE_ESYNTAX : e,
		    "KE: %s", e == IKE_EBADKE ? "not a public value of its "
		    "group" : ike_strerror(e)));
	}

	xchg_hdr(sa, &h, IKEV2_EXCH_IKE_SA_INIT, true, 0, IKEV2_PAYLOAD_NONE);
	off = hdr_put(out, &h);
	chain_init(&c, out, off + HDR_NEXT_AT);
	chain_open(&c, IKEV2_PAYLOAD_SA, false);
	sa_pld_put(out, &reply);
	chain_open(&c, IKEV2_PAYLOAD_KE, false);
	ke_put(out, group, pub, pub_len);
	chain_open(&c, IKEV2_PAYLOAD_NONCE, false);
	nonce_put(out, sa->nr, sa->nr_len);
	if ((e = put_natd(sa, cfg, &c, out, cfg->fake_natd)) != IKE_OK ||
	    (e = init_msgs(sa)) != IKE_OK)
		goto fail;
	if (cfg->frag && m.frag) {
		chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
		notify_put(out, 0, NULL, 0, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED,
		    NULL, 0);
	}
	cert_init_put(sa, cfg, &c, out);
	chain_close(&c);
	hdr_finish(out, off);
	if (!wr_ok(out) || out->len - off > XCHG_MSG_MAX) {
		e = IKE_ETOOBIG;
		goto fail;
	}
	memcpy(sa->init_req, in.p, in.len);
	sa->init_req_len = in.len;
	memcpy(sa->init_resp, out->buf + off, out->len - off);
	sa->init_resp_len = out->len - off;
	sa->msgid = 1;
	xchg_set(sa, SA_INIT_DONE);
	return IKE_OK;
fail:
	/* nothing is sent, no keys are kept */
	ike_keys_wipe(&sa->keys);
	out->len = 0;
	return e;
}
