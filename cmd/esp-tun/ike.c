/* SPDX-License-Identifier: ISC */
/* The peer's IKE requests on the SA that esp-tun carries: liveness checks and Deletes, as ike-initiate --stay answers them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "base/log.h"
#include "codec/hdr.h"
#include "crypto/secret.h"
#include "exchange/collide.h"
#include "exchange/record.h"
#include "io/net.h"
#include "names/ikev2.h"
#include "esptun.h"

static const uint8_t	 non_esp_marker[4];

/* The IKE SA the peer made by rekeying ours while ike-rekey rekeyed it
 * too (RFC 7296 2.8.2): until ike-rekey settles which survives, the
 * peer's Delete of it is answered but does not end the tunnel. */
static uint64_t		 crossed_ispi, crossed_rspi;

/* send_ike sends an IKE message on the SA's UDP socket, behind the non-ESP
 * marker on the NAT-T port (RFC 3948 2.2). */
void
send_ike(struct tunnel *t, const uint8_t *msg, size_t len)
{
	struct iovec	 iov[2] = {
		{ (void *)non_esp_marker, sizeof(non_esp_marker) },
		{ (void *)msg, len },
	};
	struct msghdr	 mh;
	bool		 natt = t->lport != 500 && t->rport != 500;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = natt ? iov : iov + 1;
	mh.msg_iovlen = natt ? 2 : 1;
	if (sendmsg(t->udp_fd, &mh, 0) < 0)
		log_debug("%s: send: %s", t->name, strerror(errno));
}

/* refresh reads the message IDs again under l: another program (ike-rekey)
 * may have used some since we loaded the SA. */
static bool
refresh(struct tunnel *t, struct sd_lock *l)
{
	struct ike_sa		 sa;
	struct ike_sa_file	 f;
	char			 err[512];

	if (ike_sa_load(l, &sa, &f, err, sizeof(err)) != IKE_OK) {
		log_warn("%s", err);
		return false;
	}
	/* another IKE SA: ike-rekey rekeyed ours, and the request was on
	 * the old one (its retransmission gets old_answer) */
	if (sa.ispi != t->ike.ispi || sa.rspi != t->ike.rspi) {
		ike_sa_wipe(&sa);
		ike_follow(t, l);
		return false;
	}
	t->ike.msgid = sa.msgid;
	t->ike.peer_msgid = sa.peer_msgid;
	/* and the Child SA it names: ike-rekey may have named another */
	snprintf(t->ikf.child, sizeof(t->ikf.child), "%s", f.child);
	ike_sa_wipe(&sa);
	return true;
}

/* ike_follow takes the IKE SA of ike.sa under l when it is not the one we
 * carry: ike-rekey rekeyed it (RFC 7296 2.18). The old one is kept until
 * it is replaced in turn: ike-rekey's Delete of it is answered to us, and
 * the peer may still send a request on it. */
void
ike_follow(struct tunnel *t, struct sd_lock *l)
{
	struct ike_sa		 sa;
	struct ike_sa_file	 f;
	char			 err[512];

	if (ike_sa_load(l, &sa, &f, err, sizeof(err)) != IKE_OK) {
		log_debug("%s", err);
		return;
	}
	if (sa.ispi == t->ike.ispi && sa.rspi == t->ike.rspi) {
		ike_sa_wipe(&sa);
		return;
	}
	log_debug("%s: the IKE SA is now %016llx_%016llx", t->name,
	    (unsigned long long)sa.ispi, (unsigned long long)sa.rspi);
	dpd_drop(t);
	ike_sa_wipe(&t->old_ike);
	t->old_ike = t->ike;
	t->ike = sa;
	t->ikf = f;
	event(t, "ike-rekeyed", NULL);
}

/* child_deleted drops the Child SAs whose outbound SPIs the peer deleted,
 * with their files. */
static void
child_deleted(struct tunnel *t, struct sd_lock *l, const struct info_req *req)
{
	struct child	*c;
	char		 file[SD_FILE_MAX];
	size_t		 i, k;

	for (i = 0; i < req->n_del; i++)
		for (k = 0; k < t->n_child; k++) {
			c = t->child[k];
			if (c->spi_out != req->del_spi[i])
				continue;
			event(t, "deleted-child", c->name);
			snprintf(file, sizeof(file), "child.%s.sa", c->name);
			(void)sd_remove(l, file);
			snprintf(file, sizeof(file), "child.%s.stats", c->name);
			(void)sd_remove(l, file);
			child_forget(t, c);
			break;
		}
}

/* gone_child returns the keys to drop from ike.sa: "child" when the peer
 * deletes the Child SA it names (the one made with the IKE SA). */
static const char *const *
gone_child(const struct tunnel *t, const struct info_req *req)
{
	static const char *const child[] = { "child", NULL };
	size_t			 i, k;

	for (i = 0; i < req->n_del; i++)
		for (k = 0; k < t->n_child; k++)
			if (t->child[k]->spi_out == req->del_spi[i] &&
			    strcmp(t->child[k]->name, t->ikf.child) == 0)
				return child;
	return NULL;
}

/* offer_like builds the ESP proposals a rekey may choose from: the
 * transforms of the Child SAs we carry (a rekey keeps them). */
static void
offer_like(const struct tunnel *t, struct sa_pld *esp)
{
	struct sa_prop	*p;
	struct child	*c;
	size_t		 i;

	memset(esp, 0, sizeof(*esp));
	for (i = 0; i < t->n_child && esp->n_props < SA_MAX_PROPS; i++) {
		c = t->child[i];
		p = &esp->props[esp->n_props++];
		p->num = (uint8_t)esp->n_props;
		p->proto = IKEV2_PROTO_ESP;
		(void)sa_prop_add_xform(p, IKEV2_XFORM_ENCR, c->encr, c->keybits);
		if (c->integ != IKEV2_AUTH_NONE)
			(void)sa_prop_add_xform(p, IKEV2_XFORM_INTEG, c->integ, 0);
		(void)sa_prop_add_xform(p, IKEV2_XFORM_ESN, c->esn ? 1 : 0, 0);
	}
}

/* ts_union appends the selectors of from to to, as many as fit. */
static void
ts_union(struct ts_pld *to, const struct ts_pld *from)
{
	int	 i;

	for (i = 0; i < from->n_ts && to->n_ts < TS_MAX; i++)
		to->ts[to->n_ts++] = from->ts[i];
}

/* life_record carries the lifetimes of a rekeyed SA over to its
 * successor (RFC 4301 4.4.2.1), counted from now, with soft limits drawn
 * afresh. */
static void
life_record(struct kvbuf *b, const struct child *old)
{
	const uint64_t	 hard[3] = { old->hard.secs, old->hard.bytes,
			    old->hard.packets };

	child_life_record(b, hard);
}

/* ike_rekeyed records the new IKE SA the peer made by rekeying ours (RFC
 * 7296 2.18) in ike.sa, in place of the old one, whose keys we keep to
 * answer the peer's Delete of it. */
static enum ike_err
ike_rekeyed(struct tunnel *t, struct sd_lock *l, struct ike_sa *nsa,
    struct wr *w)
{
	struct kvbuf		 b;
	enum ike_err		 e;

	kv_init(&b);
	ike_rekey_record(&b, nsa);
	/* for ike-rekey, if its rekey of the old SA crossed this one */
	collide_ike_record(&b, &t->ike, nsa);
	e = sd_update(l, "ike.sa", &b, ike_rekey_drop);
	kv_wipe(&b);
	if (e != IKE_OK) {
		log_warn("%s/ike.sa: the rekeyed IKE SA: %s", t->name,
		    strerror(errno));
		w->len = 0;		/* no answer: the peer tries again */
		return e;
	}
	dpd_drop(t);
	ike_sa_wipe(&t->old_ike);
	t->old_ike = t->ike;
	t->ike = *nsa;
	ike_sa_init(nsa, ROLE_RESPONDER);
	event(t, "ike-rekeyed", NULL);
	return IKE_OK;
}

/* create_child answers the peer's CREATE_CHILD_SA: a rekey of one of our
 * Child SAs, or a new one within their selectors. The new Child SA's
 * file is written and carried before the answer leaves, so that the
 * peer's first packets on it are taken. */
static enum ike_err
create_child(struct tunnel *t, struct sd_lock *l, struct rd in, struct wr *w,
    const struct child_pair *pairs)
{
	struct sa_pld		 esp;
	struct ts_pld		 lts, rts;
	struct ccsa		 c;
	struct ike_sa		 nsa;
	struct ccsa_policy	 pol = { &esp, &lts, &rts, pairs, t->n_child,
	    &nsa };
	struct kvbuf		 b;
	struct sa_where		 where;
	struct child		*old;
	enum pending_what	 ours;
	char			 name[16], file[SD_FILE_MAX], la[64], ra[64];
	size_t			 i;
	uint16_t		 refusal;
	bool			 ours_ike, moved = false;
	enum ike_err		 e;

	/* RFC 7296 2.25: a request crossing one of ours (ike-rekey's
	 * journal) may have to wait: TEMPORARY_FAILURE */
	if ((refusal = collide_crossing(l, &t->ike, in, pairs, t->n_child,
	    &ours)) != 0) {
		log_debug("%s: CREATE_CHILD_SA crossing our request: "
		    "TEMPORARY_FAILURE", t->name);
		e = collide_refuse(&t->ike, refusal, w);
		return e == IKE_OK ? IKE_EUNSUPP : e;
	}
	ours_ike = ours == PENDING_REKEY_IKE;
	offer_like(t, &esp);
	memset(&lts, 0, sizeof(lts));
	memset(&rts, 0, sizeof(rts));
	for (i = 0; i < t->n_child; i++) {
		ts_union(&lts, &t->child[i]->local_ts);
		ts_union(&rts, &t->child[i]->remote_ts);
	}
	ike_sa_init(&nsa, ROLE_RESPONDER);
	if ((e = ccsa_respond(&t->ike, &pol, in, w, &c)) != IKE_OK ||
	    c.ike_rekeyed) {
		if (e == IKE_OK && ours_ike) {
			crossed_ispi = nsa.ispi;
			crossed_rspi = nsa.rspi;
		}
		if (e == IKE_OK)
			e = ike_rekeyed(t, l, &nsa, w);
		ccsa_wipe(&c);
		ike_sa_wipe(&nsa);
		return e;
	}
	old = NULL;
	for (i = 0; i < t->n_child; i++)
		if (c.rekey_spi != 0 && t->child[i]->spi_out == c.rekey_spi)
			old = t->child[i];
	snprintf(name, sizeof(name), "%08x", c.child.spi_in);
	net_format_hostport(t->af, t->local, 0, false, la, sizeof(la));
	net_format_hostport(t->af, t->remote, 0, false, ra, sizeof(ra));
	where = (struct sa_where){ t->name, name, NULL, NULL, la, ra,
	    old != NULL ? old->encap : t->child[0]->encap, NULL, NULL };
	kv_init(&b);
	child_record(&b, &c.child, false, &where);
	if (old != NULL) {
		life_record(&b, old);
		/* for ike-rekey, if its rekey of old crossed this one */
		collide_child_record(&b, old->name, &c);
	}
	snprintf(file, sizeof(file), "child.%s.sa", name);
	if ((e = sd_write(l, file, &b)) != IKE_OK)
		log_warn("%s/%s: %s", t->name, file, strerror(errno));
	kv_wipe(&b);
	ccsa_wipe(&c);
	if (e != IKE_OK) {
		w->len = 0;		/* no answer: the peer retries */
		return e;
	}
	/* a rekey of the Child SA ike.sa names: child= follows */
	if (old != NULL && child_follow(l, old->name, name, &moved) != IKE_OK)
		log_warn("%s/ike.sa: child=: %s", t->name, strerror(errno));
	if (moved)
		snprintf(t->ikf.child, sizeof(t->ikf.child), "%s", name);
	(void)children_scan(t, l);
	event(t, "child-up", name);
	return IKE_OK;
}

/* record_answer records the peer's counter, past the request we answer,
 * with the answer (keep: not when it is of an IKE SA rekeyed since): a
 * restarted esp-tun answers the peer's retransmission of that request
 * from it (RFC 7296 2.1). An answer too long for the file is not kept. */
static void
record_answer(struct tunnel *t, struct sd_lock *l, const uint8_t *out,
    size_t len, bool keep, bool child_gone)
{
	const char	*drop[3] = { NULL, NULL, NULL };
	struct kvbuf	 b;
	size_t		 i = 0;
	enum ike_err	 e;

	if (child_gone)
		drop[i++] = "child";
	kv_init(&b);
	msgid_record(&b, &t->ike);
	if (keep)
		kv_hex(&b, "last_resp", out, len);
	if ((e = sd_update(l, "ike.sa", &b, drop)) == IKE_ETOOBIG && keep) {
		drop[i] = "last_resp";
		kv_init(&b);
		msgid_record(&b, &t->ike);
		e = sd_update(l, "ike.sa", &b, drop);
	}
	kv_wipe(&b);
	if (e != IKE_OK)
		log_warn("%s/ike.sa: message IDs: %s", t->name, strerror(errno));
}

/* respond answers one request under the SA's lock; true when the peer
 * deleted the IKE SA. */
static bool
respond(struct tunnel *t, struct sd_lock *l, const uint8_t *msg, size_t len,
    uint32_t msgid, uint8_t exch)
{
	struct ike_sa	*sa = &t->ike;
	uint8_t		 out[XCHG_OUT_MAX];
	struct wr	 w = wr_init(out, sizeof(out));
	struct info_req	 req;
	struct child_pair pairs[CHILD_MAX];
	size_t		 i;
	uint32_t	 want, *ctr;
	enum ike_err	 e;
	uint64_t	 h_ispi = t->ike.ispi;	/* the SA the request came on */

	if (!refresh(t, l))
		return false;
	ctr = ike_sa_peer_msgid(sa);
	want = *ctr;
	if (msgid < want) {
		log_debug("%s: request %u: expected message ID %u, dropped",
		    t->name, msgid, want);
		return false;
	}
	/* ahead: the program that answered before us did not record them
	 * all (ike-respond keeps them in memory); only a request that
	 * verifies moves the counter */
	*ctr = msgid;
	memset(&req, 0, sizeof(req));
	for (i = 0; i < t->n_child; i++)
		pairs[i] = (struct child_pair){ t->child[i]->spi_out,
		    t->child[i]->spi_in };
	if (exch == IKEV2_EXCH_INFORMATIONAL)
		e = move_respond(t, l, sa, rd_init(msg, len), &w, &req, pairs,
		    t->n_child);
	else if (exch == IKEV2_EXCH_CREATE_CHILD_SA)
		e = create_child(t, l, rd_init(msg, len), &w, pairs);
	else
		e = info_refuse(sa, rd_init(msg, len),
		    IKEV2_N_NO_ADDITIONAL_SAS, &w);
	/* a refused CREATE_CHILD_SA is answered too, with its Notify */
	if (e != IKE_OK && w.len > 0) {
		log_debug("%s: request %u: %s: refused", t->name, msgid,
		    ike_strerror(e));
		e = IKE_OK;
	}
	if (e != IKE_OK) {
		*ctr = want;
		log_debug("%s: request %u: %s, dropped", t->name, msgid,
		    ike_strerror(e));
		return false;
	}
	if (!req.delete_ike)
		record_answer(t, l, out, w.len, h_ispi == t->ike.ispi,
		    gone_child(t, &req) != NULL);
	send_ike(t, out, w.len);
	memcpy(t->cached, out, w.len);
	t->cached_len = w.len;
	t->cached_msgid = msgid;
	t->cached_ispi = h_ispi;
	wipe(out, w.len);
	t->last_rx_ms = net_now_ms();
	log_debug("%s: request %u%s: answered", t->name, msgid,
	    req.delete_ike ? " (Delete of the IKE SA)" : req.n_del > 0 ?
	    " (Delete of a Child SA)" : req.empty ? " (liveness check)" : "");
	if (!req.delete_ike && req.n_del > 0)
		child_deleted(t, l, &req);
	/* the peer's SA lost the collision and ike-rekey, still at work
	 * (.ike-rekey held), is to record its own: the tunnel goes on */
	if (req.delete_ike && crossed_ispi == t->ike.ispi &&
	    crossed_rspi == t->ike.rspi && sd_held(l->dirfd, ".ike-rekey")) {
		log_debug("%s: the peer deleted its IKE SA of a simultaneous "
		    "rekey: ike-rekey's stays", t->name);
		crossed_ispi = crossed_rspi = 0;
		return false;
	}
	return req.delete_ike;
}

/* forward hands a response of the peer to the program that sent the
 * request through our port (ike-rekey(8)): its socket DIR/SA/.ike.sock. */
static void
forward(struct tunnel *t, const uint8_t *msg, size_t len)
{
	struct sockaddr_un	 sun;
	int			 n;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s/.ike.sock",
	    t->dir, t->name);
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path))
		return;
	if (t->fwd_fd < 0 &&
	    (t->fwd_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	if (sendto(t->fwd_fd, msg, len, MSG_DONTWAIT, (struct sockaddr *)&sun,
	    sizeof(sun)) < 0)
		log_debug("%s: a response, and nobody waits for it (%s): "
		    "dropped", t->name, strerror(errno));
}

/* old_answer answers a request on the IKE SA that a rekey replaced: the
 * peer's Delete of it (RFC 7296 2.18), after which it is forgotten. */
static void
old_answer(struct tunnel *t, const uint8_t *msg, size_t len)
{
	uint8_t		 out[XCHG_OUT_MAX];
	struct wr	 w = wr_init(out, sizeof(out));
	struct info_req	 req;

	if (info_respond(&t->old_ike, rd_init(msg, len), &w, &req) != IKE_OK) {
		log_debug("%s: a message on the old IKE SA: dropped", t->name);
		return;
	}
	send_ike(t, out, w.len);
	wipe(out, w.len);
	if (req.delete_ike) {
		log_debug("%s: the old IKE SA deleted", t->name);
		ike_sa_wipe(&t->old_ike);
	}
}

bool
ike_answer(struct tunnel *t, const uint8_t *msg, size_t len)
{
	struct sd_lock	 l;
	struct rd	 hr = rd_init(msg, len);
	struct ike_hdr	 h;
	bool		 gone;

	if (hdr_parse(&hr, &h) != IKE_OK) {
		log_debug("%s: dropped a malformed IKE message", t->name);
		return false;
	}
	if (t->old_ike.state == SA_ESTABLISHED && h.ispi == t->old_ike.ispi &&
	    h.rspi == t->old_ike.rspi) {
		/* a response there answers ike-rekey's Delete of it */
		if ((h.flags & IKEV2_FLAG_RESPONSE) != 0)
			forward(t, msg, len);
		else if (t->cached_len > 0 && h.msgid == t->cached_msgid &&
		    h.ispi == t->cached_ispi)
			/* the peer's rekey of it again, its answer lost (RFC
			 * 7296 2.1; strongSwan drops a response whose message
			 * ID is that of the request it is busy with) */
			send_ike(t, t->cached, t->cached_len);
		else
			old_answer(t, msg, len);
		return false;
	}
	if (h.ispi != t->ike.ispi || h.rspi != t->ike.rspi) {
		/* a response on an SA we no longer carry answers ike-rekey's
		 * Delete of it (of the SA a rekey replaced, or of its own new
		 * SA that lost a collision, RFC 7296 2.8.2) */
		if ((h.flags & IKEV2_FLAG_RESPONSE) != 0) {
			forward(t, msg, len);
			return false;
		}
		log_debug("%s: dropped an IKE message not on our SA", t->name);
		return false;
	}
	if ((h.flags & IKEV2_FLAG_RESPONSE) != 0) {
		if (!dpd_answer(t, msg, len, h.msgid))
			forward(t, msg, len);
		return false;
	}
	/* RFC 7296 2.1: a retransmitted request gets the same response */
	/* (of this SA: a rekeyed one starts again at message ID 0) */
	if (t->cached_len > 0 && h.msgid == t->cached_msgid &&
	    h.ispi == t->cached_ispi) {
		send_ike(t, t->cached, t->cached_len);
		return false;
	}
	if (sd_lock_sa_timeout(&t->sd, t->name, false, 1000, &l) != IKE_OK) {
		log_debug("%s: lock: %s: request %u dropped (the peer will "
		    "retransmit)", t->name, strerror(errno), h.msgid);
		return false;
	}
	gone = respond(t, &l, msg, len, h.msgid, h.exch);
	sd_unlock(&l);
	if (gone) {
		if (sd_remove_sa(&t->sd, t->name) != IKE_OK)
			log_warn("%s: removing the SA: %s", t->name,
			    strerror(errno));
		event(t, "deleted", NULL);
	}
	return gone;
}

void
ike_relay(struct tunnel *t)
{
	uint8_t	 buf[XCHG_OUT_MAX];
	ssize_t	 n;

	/* ike-rekey's requests, sent from our port (the answers come back
	 * to us and forward() hands them over) */
	while ((n = recv(t->ctl_fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		send_ike(t, buf, (size_t)n);
}
