/* SPDX-License-Identifier: ISC */
/* ike-rekey answers the peer's requests that reach its own socket while it waits (beside ike-respond): a crossing rekey of a Child SA, a Delete, a liveness check. */
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "codec/hdr.h"
#include "crypto/secret.h"
#include "exchange/collide.h"
#include "exchange/record.h"
#include "io/net.h"
#include "names/ikev2.h"
#include "names/names.h"
#include "rekey.h"

enum {
	ANSWER_LOCK_MS	= 1000,
	KIDS_MAX	= 16,
};

/* What the SA holds while one request is answered. */
struct held {
	struct ike_sa		 sa;
	struct ike_sa_file	 f;
	struct child_file	 kids[KIDS_MAX];
	struct child_pair	 pairs[KIDS_MAX];
	size_t			 n;
};

/* kid_add reads Child SA name of l into h (each_child); false once full. */
static bool
kid_add(struct sd_lock *l, const char *name, void *arg)
{
	struct held	*h = arg;

	if (h->n >= KIDS_MAX)
		return false;
	if (child_file_read(l, name, &h->kids[h->n])) {
		h->pairs[h->n] = (struct child_pair){ h->kids[h->n].spi_out,
		    h->kids[h->n].spi_in };
		h->n++;
	}
	return true;
}

/* kids_load reads every Child SA file of l into h. */
static void
kids_load(struct sd_lock *l, struct held *h)
{
	h->n = 0;
	(void)each_child(l, kid_add, h);
}

/* policy makes what a rekey of one of h's Child SAs may take: their
 * transforms, and their selectors (a rekey keeps them, RFC 7296 2.8). */
static void
policy(const struct held *h, struct sa_pld *esp, struct ts_pld *lts,
    struct ts_pld *rts)
{
	const struct child_file	*c;
	struct sa_prop		*p;
	size_t			 i;
	int			 k;

	memset(esp, 0, sizeof(*esp));
	memset(lts, 0, sizeof(*lts));
	memset(rts, 0, sizeof(*rts));
	for (i = 0; i < h->n; i++) {
		c = &h->kids[i];
		if (esp->n_props < SA_MAX_PROPS) {
			p = &esp->props[esp->n_props++];
			p->num = (uint8_t)esp->n_props;
			p->proto = IKEV2_PROTO_ESP;
			(void)sa_prop_add_xform(p, IKEV2_XFORM_ENCR, c->encr,
			    c->keybits);
			if (c->integ != IKEV2_AUTH_NONE)
				(void)sa_prop_add_xform(p, IKEV2_XFORM_INTEG,
				    c->integ, 0);
			(void)sa_prop_add_xform(p, IKEV2_XFORM_ESN,
			    c->esn ? 1 : 0, 0);
		}
		for (k = 0; k < c->local_ts.n_ts && lts->n_ts < TS_MAX; k++)
			lts->ts[lts->n_ts++] = c->local_ts.ts[k];
		for (k = 0; k < c->remote_ts.n_ts && rts->n_ts < TS_MAX; k++)
			rts->ts[rts->n_ts++] = c->remote_ts.ts[k];
	}
}

/* rekeyed records the Child SA that the peer's rekey of old made (c), as
 * esp-tun does: with peer_rekey_of and rekey_nonce for the nonce rule
 * (collide.h), and ike.sa's child= following it. */
static enum ike_err
rekeyed(struct sd_lock *l, struct held *h, const struct child_file *old,
    const struct ccsa *c)
{
	struct kvbuf	*b;
	struct sa_where	 w;
	uint8_t		 a[16];
	uint16_t	 port;
	char		 name[16], file[SD_FILE_MAX], la[64], ra[64];
	int		 af = 0;
	bool		 hp, moved;
	enum ike_err	 e;

	if (!net_parse_hostport(h->f.local, &af, a, &port, &hp))
		return IKE_EINVAL;
	net_format_hostport(af, a, 0, false, la, sizeof(la));
	if (!net_parse_hostport(h->f.remote, &af, a, &port, &hp))
		return IKE_EINVAL;
	net_format_hostport(af, a, 0, false, ra, sizeof(ra));
	snprintf(name, sizeof(name), "%08x", c->child.spi_in);
	w = (struct sa_where){ h->f.name, name, NULL, NULL, la, ra, old->encap,
	    NULL, old->life };
	if ((b = malloc(sizeof(*b))) == NULL)
		return IKE_ENOMEM;
	kv_init(b);
	child_record(b, &c->child, false, &w);
	collide_child_record(b, old->name, c);
	snprintf(file, sizeof(file), "child.%s.sa", name);
	e = sd_write(l, file, b);
	kv_wipe(b);
	free(b);
	if (e == IKE_OK)
		e = child_follow(l, old->name, name, &moved);
	log_debug("%s: the peer rekeyed %s into %s", h->f.name, old->name, name);
	return e;
}

/* gone_kids forgets the Child SAs the peer deleted (req: their outbound
 * SPIs, our spi_out) and ike.sa's child= when it named one. */
static void
gone_kids(struct sd_lock *l, struct held *h, const struct info_req *req)
{
	const char	*drop[2] = { NULL, NULL };
	char		 file[SD_FILE_MAX];
	struct kvbuf	 b;
	size_t		 i, k;

	for (i = 0; i < h->n; i++)
		for (k = 0; k < req->n_del; k++) {
			if (h->kids[i].spi_out != req->del_spi[k])
				continue;
			snprintf(file, sizeof(file), "child.%s.sa",
			    h->kids[i].name);
			(void)sd_remove(l, file);
			snprintf(file, sizeof(file), "child.%s.stats",
			    h->kids[i].name);
			(void)sd_remove(l, file);
			if (strcmp(h->f.child, h->kids[i].name) == 0)
				drop[0] = "child";
			log_debug("%s: the peer deleted %s", h->f.name,
			    h->kids[i].name);
		}
	if (drop[0] != NULL) {
		kv_init(&b);
		(void)sd_update(l, "ike.sa", &b, drop);
	}
}

/* record keeps the peer's counter past the request answered, and the
 * answer for its retransmission (RFC 7296 2.1), as esp-tun does. */
static void
record(struct sd_lock *l, struct ike_sa *sa, const uint8_t *out, size_t len)
{
	static const char *const drop[] = { "last_resp", NULL };
	struct kvbuf	 b;
	enum ike_err	 e;

	kv_init(&b);
	msgid_record(&b, sa);
	kv_hex(&b, "last_resp", out, len);
	if ((e = sd_update(l, "ike.sa", &b, NULL)) == IKE_ETOOBIG) {
		kv_init(&b);
		msgid_record(&b, sa);
		e = sd_update(l, "ike.sa", &b, drop);
	}
	kv_wipe(&b);
	if (e != IKE_OK)
		log_warn("%s/ike.sa: message IDs: %s", l->name, strerror(errno));
}

/* create_child answers the peer's CREATE_CHILD_SA: a rekey of one of our
 * Child SAs, unless RFC 7296 2.25 has it wait for our request (collide.h)
 * or it asks for more than a rekey of a Child SA (a new one, a rekey of
 * the IKE SA): TEMPORARY_FAILURE, and the peer tries again, when
 * ike-respond has the port again. */
static enum ike_err
create_child(struct sd_lock *l, struct held *h, struct rd in, struct wr *w)
{
	static struct ccsa	 c;
	struct sa_pld		 esp;
	struct ts_pld		 lts, rts;
	struct ccsa_policy	 pol = { &esp, &lts, &rts, h->pairs, h->n,
	    NULL };
	struct pending		 p;
	enum collide_req	 kind;
	const struct child_file	*old = NULL;
	char			 err[512];
	size_t			 i;
	uint32_t		 rspi = 0, rspi_in = 0;
	uint16_t		 refusal = 0;
	enum ike_err		 e;

	if ((e = ccsa_peek(&h->sa, in, &kind, &rspi)) == IKE_EINTEG)
		return e;
	if (e == IKE_OK) {
		for (i = 0; rspi != 0 && i < h->n; i++)
			if (h->kids[i].spi_out == rspi) {
				rspi_in = h->kids[i].spi_in;
				old = &h->kids[i];
			}
		if (kind != COLLIDE_REQ_REKEY_CHILD)
			refusal = IKEV2_N_TEMPORARY_FAILURE;
		else if (pending_load(l, &h->sa, &p, NULL, err, sizeof(err)) ==
		    IKE_OK)
			refusal = collide_refusal(kind, rspi_in, p.what, p.spi);
		if (refusal != 0) {
			log_debug("%s: CREATE_CHILD_SA crossing our request: "
			    "%s", h->f.name, ikev2_notify_name(refusal));
			return collide_refuse(&h->sa, refusal, w);
		}
	}
	policy(h, &esp, &lts, &rts);
	e = ccsa_respond(&h->sa, &pol, in, w, &c);
	if (e == IKE_OK && !c.ike_rekeyed && old != NULL &&
	    c.rekey_spi == old->spi_out && (e = rekeyed(l, h, old, &c)) !=
	    IKE_OK) {
		log_warn("%s: the peer's rekey of %s: %s", h->f.name,
		    old->name, e == IKE_EIO ? strerror(errno) : ike_strerror(e));
		w->len = 0;		/* unanswered: the peer sends it again */
	}
	ccsa_wipe(&c);
	return e;
}

bool
answer_request(struct answerer *an, struct link *k, struct rd in)
{
	static struct held	 h;
	static uint8_t		 out[XCHG_OUT_MAX];
	struct wr		 w = wr_init(out, sizeof(out));
	struct sd_lock		 l;
	struct info_req		 req;
	struct ike_hdr		 hd;
	struct rd		 r = in;
	char			 err[512];
	uint32_t		*ctr, want, lmsgid = 0;
	size_t			 llen = 0;
	bool			 answered = false;
	enum ike_err		 e;

	if (hdr_parse(&r, &hd) != IKE_OK ||
	    (hd.flags & IKEV2_FLAG_RESPONSE) != 0)
		return false;
	if (sd_lock_sa_timeout(an->sd, an->name, false, ANSWER_LOCK_MS, &l) !=
	    IKE_OK) {
		log_debug("%s: the peer's request %u: %s", an->name, hd.msgid,
		    strerror(errno));
		return false;
	}
	memset(&req, 0, sizeof(req));
	if (ike_sa_load(&l, &h.sa, &h.f, err, sizeof(err)) != IKE_OK) {
		log_warn("%s", err);
		goto out;
	}
	/* only requests of the IKE SA as ike.sa has it now */
	if (hd.ispi != h.sa.ispi || hd.rspi != h.sa.rspi)
		goto out;
	ctr = ike_sa_peer_msgid(&h.sa);
	want = *ctr;
	if (hd.msgid + 1 == want && last_resp_load(&l, &h.sa, out, sizeof(out),
	    &llen, &lmsgid) == IKE_OK && llen > 0 && lmsgid == hd.msgid) {
		log_debug("%s: the peer's request %u again: answered again",
		    an->name, hd.msgid);
		(void)link_send(k, out, llen);
		goto out;
	}
	if (hd.msgid < want)
		goto out;
	/* ahead: ike-respond keeps its counter in memory; only a request
	 * that verifies moves ours (as esp-tun, RFC 7296 2.3) */
	*ctr = hd.msgid;
	kids_load(&l, &h);
	if (hd.exch == IKEV2_EXCH_CREATE_CHILD_SA)
		e = create_child(&l, &h, in, &w);
	else if (hd.exch == IKEV2_EXCH_INFORMATIONAL)
		e = info_respond_pairs(&h.sa, in, &w, &req, h.pairs, h.n);
	else
		e = IKE_EUNSUPP;	/* IKE_SA_INIT, IKE_AUTH: not ours */
	if (w.len == 0) {
		log_debug("%s: the peer's request %u: %s, dropped", an->name,
		    hd.msgid, ike_strerror(e));
		goto out;
	}
	answered = true;
	if (req.delete_ike)
		an->gone = true;
	else {
		if (req.n_del > 0)
			gone_kids(&l, &h, &req);
		record(&l, &h.sa, out, w.len);
	}
	(void)link_send(k, out, w.len);
	log_debug("%s: the peer's request %u%s: answered", an->name, hd.msgid,
	    req.delete_ike ? " (Delete of the IKE SA)" : req.n_del > 0 ?
	    " (Delete of a Child SA)" : req.empty ? " (liveness check)" :
	    e != IKE_OK ? " (refused)" : "");
out:
	sd_unlock(&l);
	ike_sa_wipe(&h.sa);
	wipe(&h.kids, sizeof(h.kids));
	wipe(out, sizeof(out));
	if (answered && an->gone) {
		log_warn("%s: the peer deleted the IKE SA", an->name);
		if (sd_remove_sa(an->sd, an->name) != IKE_OK && errno != ENOENT)
			log_warn("%s: removing the SA: %s", an->name,
			    strerror(errno));
	}
	return answered;
}
