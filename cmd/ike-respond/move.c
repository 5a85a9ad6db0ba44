/* SPDX-License-Identifier: ISC */
/* ike-respond and the peer's move (RFC 4555): the return routability check of its new address. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "crypto/secret.h"
#include "exchange/mobike.h"
#include "exchange/record.h"
#include "exchange/retx.h"
#include "io/net.h"
#include "respond.h"

/*
 * The return routability check (RFC 4555 3.5): the peer's authentic
 * UPDATE_SA_ADDRESSES from another address than the SA's is answered
 * there, but the SA moves (ike.sa's remote=, which a running esp-tun
 * follows) only once our own INFORMATIONAL request with a fresh COOKIE2,
 * sent to that address, has its answer from there. The request takes our
 * next message ID as ike.sa has it, journaled there (pending_what=check)
 * under .ike-rekey as every request of ours (record.h); it is sent again
 * (retx.h) for RR_TIMEOUT_MS, then given up: the SA stays where it was, a
 * move-failed event, and the journal stays for the next program that
 * sends a request on the SA (it sends those bytes again first).
 */
enum {
	RR_MAX		= 16,		/* checks in flight at once */
	RR_TIMEOUT_MS	= 8000,
};

static struct rr {
	bool		 used;
	uint64_t	 ispi, rspi;	/* the SA's, found again by them */
	struct mobike_path p;	/* the peer's new path */
	int		 sock;
	bool		 nat;
	int		 hold;		/* .ike-rekey, or -1 */
	struct mobike_check c;
	struct retx	 rt;
	uint8_t		 req[XCHG_OUT_MAX];
	size_t		 len;
} rrs[RR_MAX];

/* Where the request being handled came from (on_message). */
struct came	 came;

static struct rr *
rr_of(const struct slot *sl)
{
	size_t	 k;

	for (k = 0; k < RR_MAX; k++)
		if (rrs[k].used && rrs[k].ispi == sl->sa.ispi &&
		    rrs[k].rspi == sl->sa.rspi)
			return &rrs[k];
	return NULL;
}

/* rr_send sends c's request to the peer's new path. */
static void
rr_send(struct srv *s, const struct rr *c)
{
	static struct slot	 tmp;

	memset(&tmp, 0, sizeof(tmp));
	memcpy(tmp.peer, c->p.remote, sizeof(tmp.peer));
	tmp.pport = c->p.rport;
	tmp.sock = c->sock;
	send_to(s, &tmp, c->req, c->len);
}

static void
rr_release(struct rr *c)
{
	if (c->hold >= 0)
		close(c->hold);
	wipe(c, sizeof(*c));
	c->hold = -1;
}

/* rr_failed prints the move-failed event of sl (why: the detail). */
static void
rr_failed(struct srv *s, struct slot *sl, const char *why)
{
	log_debug("%s: the peer's new address not taken: %s", sl->name, why);
	event(s, sl, "move-failed", why);
}

/* rr_start starts the check of the peer's new path p (nat: what its NAT
 * detection said), or points the one in flight there (a newer move). */
static void
rr_start(struct srv *s, struct slot *sl, const struct mobike_path *p, bool nat)
{
	static struct ike_sa	 sa;
	static struct pending	 pj;
	struct ike_sa_file	 f;
	struct sd_lock		 l;
	struct wr		 w;
	struct rr		*c;
	char			 err[512], a[64];
	size_t			 k;
	bool			 stale, ok = false;

	if ((c = rr_of(sl)) != NULL) {
		c->p = *p;
		c->sock = sl->sock;
		c->nat = nat;
		rr_send(s, c);
		return;
	}
	for (k = 0; k < RR_MAX && rrs[k].used; k++)
		;
	if (k == RR_MAX) {
		rr_failed(s, sl, "busy");
		return;
	}
	c = &rrs[k];
	memset(c, 0, sizeof(*c));
	c->hold = -1;
	memset(&l, 0, sizeof(l));
	l.dirfd = -1;	/* not held */
	if (sl->saved) {
		if (sd_lock_sa_timeout(&s->sd, sl->name, false, 1000, &l) !=
		    IKE_OK) {
			log_warn("%s: %s", sl->name, strerror(errno));
			rr_failed(s, sl, "busy");
			return;
		}
		/* one request of ours at a time on the SA */
		if ((c->hold = sd_hold(l.dirfd, ".ike-rekey", 0)) < 0 ||
		    ike_sa_load(&l, &sa, &f, err, sizeof(err)) != IKE_OK)
			goto out;
		if (sa.ispi != sl->sa.ispi || sa.rspi != sl->sa.rspi) {
			ike_sa_wipe(&sa);
			goto out;
		}
		/* esp-tun and ike-rekey send requests on it too */
		*ike_sa_own_msgid(&sl->sa) = *ike_sa_own_msgid(&sa);
		ike_sa_wipe(&sa);
		if (pending_load(&l, &sl->sa, &pj, &stale, err, sizeof(err)) !=
		    IKE_OK || pj.what != PENDING_NONE)
			goto out;
	}
	w = wr_init(c->req, sizeof(c->req));
	if (mobike_check_create(&sl->sa, &c->c, &w) != IKE_OK)
		goto out;
	c->len = w.len;
	if (sl->saved && (!pending_set(&pj, PENDING_CHECK, c->c.msgid, 0,
	    c->req, c->len) || pending_save(&l, &pj) != IKE_OK)) {
		log_warn("%s/ike.sa: %s", sl->name, strerror(errno));
		goto out;
	}
	ok = true;
out:
	sd_unlock(&l);
	wipe(&pj, sizeof(pj));
	if (!ok) {
		rr_release(c);
		rr_failed(s, sl, "busy");
		return;
	}
	c->used = true;
	c->ispi = sl->sa.ispi;
	c->rspi = sl->sa.rspi;
	c->p = *p;
	c->sock = sl->sock;
	c->nat = nat;
	net_format_hostport(s->af, p->remote, p->rport, true, a, sizeof(a));
	log_debug("%s: the peer moves to %s: return routability check, "
	    "request %u", sl->name, a, c->c.msgid);
	rr_send(s, c);
	retx_start(&c->rt, net_now_ms(), RR_TIMEOUT_MS);
	came.keep = true;
}

/* rr_done ends sl's check c with e, the answer's result (IKE_ETIMEOUT:
 * none): the SA moves to the new path, or stays. */
static void
rr_done(struct srv *s, struct slot *sl, struct rr *c, enum ike_err e)
{
	struct sd_lock	 l;
	struct kvbuf	 b;
	bool		 locked = false;

	if (sl->saved && sd_lock_sa_timeout(&s->sd, sl->name, false, 2000,
	    &l) == IKE_OK)
		locked = true;
	else if (sl->saved)
		log_warn("%s: %s", sl->name, strerror(errno));
	if (e == IKE_OK && sl->saved && (!locked ||
	    mobike_record(&l, &c->p, c->nat, pending_keys) != IKE_OK)) {
		if (locked)
			log_warn("%s/ike.sa: %s", sl->name, strerror(errno));
		e = IKE_EIO;
	} else if (e != IKE_OK && e != IKE_ETIMEOUT && locked) {
		/* answered: the exchange is over, its journal goes */
		kv_init(&b);
		(void)sd_update(&l, "ike.sa", &b, pending_keys);
	}
	if (locked)
		sd_unlock(&l);
	if (e == IKE_OK) {
		memcpy(sl->peer, c->p.remote, sizeof(sl->peer));
		sl->pport = c->p.rport;
		sl->sock = c->sock;
		log_debug("%s: return routability check %u answered", sl->name,
		    c->c.msgid);
		event(s, sl, "moved", NULL);
	} else
		rr_failed(s, sl, e == IKE_ETIMEOUT ? "unanswered" :
		    e == IKE_EREFUSED ? "refused" : e == IKE_EPROTO ?
		    "cookie2" : "state");
	rr_release(c);
}

/* rr_input takes a response on sl's SA: the answer to its check, if it
 * comes from where the check went and verifies; true when it was that. */
bool
rr_input(struct srv *s, struct slot *sl, const uint8_t *peer, uint16_t pport,
    struct rd in)
{
	struct rr	*c;
	enum ike_err	 e;

	if ((c = rr_of(sl)) == NULL)
		return false;
	if (pport != c->p.rport || !ct_eq(peer, c->p.remote, 16)) {
		trace(sl->name, "INFORMATIONAL response dropped: not from the "
		    "address being checked");
		return true;
	}
	e = mobike_check_consume(&sl->sa, &c->c, in);
	if (e == IKE_ESYNTAX || e == IKE_EINTEG) {
		s->cnt.dropped++;
		trace(sl->name, "INFORMATIONAL response dropped: %s",
		    ike_strerror(e));
		return true;
	}
	rr_done(s, sl, c, e);
	return true;
}

/* rr_tick sends checks again, gives up those past RR_TIMEOUT_MS and
 * forgets those whose SA is gone; returns how long to wait at most (ms)
 * for the next one to be due. */
int
rr_tick(struct srv *s)
{
	struct slot	*sl;
	int64_t		 now = net_now_ms();
	int		 wait = 1000, t;
	size_t		 k;

	for (k = 0; k < RR_MAX; k++) {
		if (!rrs[k].used)
			continue;
		if ((sl = table_find(&s->tab, rrs[k].ispi, rrs[k].rspi)) == NULL ||
		    sl->rekeyed) {
			rr_release(&rrs[k]);
			continue;
		}
		if (retx_over(&rrs[k].rt, now)) {
			rr_done(s, sl, &rrs[k], IKE_ETIMEOUT);
			continue;
		}
		if (retx_due(&rrs[k].rt, now))
			rr_send(s, &rrs[k]);
		if ((t = retx_wait(&rrs[k].rt, now)) < wait)
			wait = t;
	}
	return wait;
}

/* recorded_at tells whether ike.sa of sl (under l) has the peer at p
 * already; without files, whether the SA's peer was there in memory. */
static bool
recorded_at(struct srv *s, struct slot *sl, struct sd_lock *l,
    const struct mobike_path *p)
{
	static struct ike_sa	 sa;
	struct ike_sa_file	 f;
	uint8_t			 a[16];
	uint16_t		 port;
	char			 err[512];
	int			 af = 0;
	bool			 hp, same;

	if (!sl->saved)
		return ct_eq(came.peer, p->remote, sizeof(came.peer)) &&
		    came.pport == p->rport;
	if (ike_sa_load(l, &sa, &f, err, sizeof(err)) != IKE_OK) {
		log_warn("%s", err);
		return false;
	}
	ike_sa_wipe(&sa);
	memset(a, 0, sizeof(a));
	same = net_parse_hostport(f.remote, &af, a, &port, &hp) && hp &&
	    af == s->af && port == p->rport && ct_eq(a, p->remote, 16);
	return same;
}

/* on_moved follows the peer's MOBIKE request r, answered, that came on
 * path p: UPDATE_SA_ADDRESSES from where ike.sa has the peer changes at
 * most its NAT state, recorded at once; from another address it starts
 * the check (a request that merely came from there before does not make
 * it the SA's: only ike.sa's remote= counts). */
void
on_moved(struct srv *s, struct slot *sl, const struct mobike_path *p,
    const struct mobike_req *r)
{
	struct sd_lock		 l;
	bool			 nat = r->nat_local || r->nat_remote;

	if (!r->update)
		return;
	l.dirfd = -1;
	if (sl->saved && sd_lock_sa_timeout(&s->sd, sl->name, false, 1000,
	    &l) != IKE_OK) {
		log_warn("%s: %s", sl->name, strerror(errno));
		rr_failed(s, sl, "busy");
		came.keep = true;
		return;
	}
	if (rr_of(sl) != NULL || !recorded_at(s, sl, &l, p)) {
		sd_unlock(&l);
		rr_start(s, sl, p, nat);
		came.keep = true;	/* until the check is answered */
		return;
	}
	if (sl->saved && mobike_record(&l, p, nat, NULL) != IKE_OK)
		log_warn("%s/ike.sa: %s", sl->name, strerror(errno));
	sd_unlock(&l);
	event(s, sl, "moved", NULL);
}

void
rr_stop(void)
{
	size_t	 k;

	for (k = 0; k < RR_MAX; k++)
		if (rrs[k].used)
			rr_release(&rrs[k]);
}
