/* SPDX-License-Identifier: ISC */
/* Dead peer detection (RFC 7296 2.4): a liveness check after --dpd-delay without a word from the peer; no answer within --dpd-timeout and the SA is gone. And the request an earlier program left in the journal, sent again. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "codec/hdr.h"
#include "crypto/secret.h"
#include "exchange/record.h"
#include "exchange/retx.h"
#include "exchange/rekey_journal.h"
#include "io/net.h"
#include "names/ikev2.h"
#include "esptun.h"

enum {
	LOCK_MS		= 1000,
};

/* release lets .ike-rekey go: no request of ours is out. */
static void
release(struct tunnel *t)
{
	if (t->dpd.hold >= 0)
		close(t->dpd.hold);
	t->dpd.hold = -1;
	t->dpd.out = false;
	t->dpd.left = false;
}

void
dpd_drop(struct tunnel *t)
{
	release(t);
}

/* launch sends d->p, its retransmissions timed from now. */
static void
launch(struct tunnel *t, int64_t now)
{
	struct dpd	*d = &t->dpd;

	d->out = true;
	retx_start(&d->rt, now, (int64_t)t->o.dpd_timeout * 1000);
	send_ike(t, d->p.req, d->p.len);
}

/* refresh takes the message IDs of ike.sa under l: another program
 * (ike-rekey) may have used some since we loaded the SA. */
static bool
refresh(struct tunnel *t, struct sd_lock *l)
{
	struct ike_sa		 fresh;
	struct ike_sa_file	 f;
	char			 err[512];

	if (ike_sa_load(l, &fresh, &f, err, sizeof(err)) != IKE_OK) {
		log_warn("%s", err);
		return false;
	}
	t->ike.msgid = fresh.msgid;
	t->ike.peer_msgid = fresh.peer_msgid;
	ike_sa_wipe(&fresh);
	return true;
}

enum found { NONE, FOUND, BROKEN };

/* adopt reads the journal under l into d->p: FOUND when an earlier
 * program left a request whose exchange is not over. */
static enum found
adopt(struct tunnel *t, struct sd_lock *l)
{
	struct dpd	*d = &t->dpd;
	struct kvbuf	 b;
	char		 err[512], name[SD_NAME_MAX + 1];
	bool		 stale = false;

	if (pending_load(l, &t->ike, &d->p, &stale, err, sizeof(err)) !=
	    IKE_OK) {
		log_warn("%s", err);
		return BROKEN;
	}
	/* one not of this SA, or a Child SA that its program saved before
	 * it was killed (that answer was processed): nothing to do */
	if (stale || (d->p.what == PENDING_CHILD &&
	    pending_child_name(l, d->p.spi, name, sizeof(name)))) {
		kv_init(&b);
		if (sd_update(l, "ike.sa", &b, pending_keys) != IKE_OK) {
			log_warn("%s/ike.sa: %s", t->name, strerror(errno));
			return BROKEN;
		}
		return NONE;
	}
	return d->p.what == PENDING_NONE ? NONE : FOUND;
}

void
dpd_resume(struct tunnel *t)
{
	struct sd_lock	 l;
	enum found	 f = NONE;

	if (sd_lock_sa_timeout(&t->sd, t->name, false, LOCK_MS, &l) != IKE_OK)
		return;
	/* an ike-rekey at work sends it itself */
	if ((t->dpd.hold = sd_hold(l.dirfd, ".ike-rekey", 0)) >= 0 &&
	    refresh(t, &l))
		f = adopt(t, &l);
	sd_unlock(&l);
	if (f != FOUND) {
		release(t);
		return;
	}
	t->dpd.left = true;
	log_debug("%s: request %u of an earlier program: sending it again",
	    t->name, t->dpd.p.msgid);
	launch(t, net_now_ms());
}

/* start makes and sends the liveness check, journaled first, or sends
 * again the request an earlier program left; false when it cannot now
 * (the next round tries again). */
static bool
start(struct tunnel *t, int64_t now)
{
	struct dpd	*d = &t->dpd;
	struct sd_lock	 l;
	uint8_t		 req[XCHG_OUT_MAX];
	struct wr	 w = wr_init(req, sizeof(req));
	enum found	 f = BROKEN;

	if (sd_lock_sa_timeout(&t->sd, t->name, false, 0, &l) != IKE_OK)
		return false;
	/* one request at a time (RFC 7296 2.3, a window of one): none
	 * while an ike-rekey has one out */
	if ((d->hold = sd_hold(l.dirfd, ".ike-rekey", 0)) < 0 ||
	    !refresh(t, &l) || (f = adopt(t, &l)) == BROKEN)
		goto out;
	if (f == FOUND) {
		d->left = true;
		log_debug("%s: request %u of an earlier program: sending it "
		    "again", t->name, d->p.msgid);
		goto out;
	}
	if (info_create(&t->ike, false, &w) != IKE_OK ||
	    !pending_set(&d->p, PENDING_CHECK, *ike_sa_own_msgid(&t->ike), 0,
	    req, w.len)) {
		f = BROKEN;
		goto out;
	}
	if (pending_save(&l, &d->p) != IKE_OK) {
		log_warn("%s/ike.sa: %s", t->name, strerror(errno));
		f = BROKEN;
		goto out;
	}
	log_debug("%s: no word from the peer for %d s: liveness check %u",
	    t->name, t->o.dpd_delay, d->p.msgid);
out:
	sd_unlock(&l);
	if (f == BROKEN) {
		release(t);
		return false;
	}
	launch(t, now);
	return true;
}

bool
dpd_tick(struct tunnel *t, int64_t now)
{
	struct dpd	*d = &t->dpd;

	if (d->out && retx_over(&d->rt, now)) {
		if (d->left && t->o.dpd_delay == 0) {
			/* no liveness checks asked for: the next program
			 * tries again */
			log_warn("%s: no answer within %d s to request %u of "
			    "an earlier program: left for the next one",
			    t->name, t->o.dpd_timeout, d->p.msgid);
			release(t);
			return false;
		}
		log_warn("%s: no answer to a liveness check within %d s: the "
		    "peer is dead", t->name, t->o.dpd_timeout);
		return true;
	}
	if (d->out) {
		if (retx_due(&d->rt, now))
			send_ike(t, d->p.req, d->p.len);
		return false;
	}
	if (t->o.dpd_delay != 0 &&
	    now - t->last_rx_ms >= (int64_t)t->o.dpd_delay * 1000)
		(void)start(t, now);
	return false;
}

/* rekeyed finishes the rekey of the IKE SA an earlier program (a killed
 * ike-rekey --ike) left, with the answer msg: the new IKE SA recorded in
 * ike.sa as ike-rekey records it, followed, and the old one's Delete sent
 * (once: its answer, or none, changes nothing here). Refused, the journal
 * goes. False when msg is not the answer. */
static bool
rekeyed(struct tunnel *t, const uint8_t *msg, size_t len)
{
	struct dpd	*d = &t->dpd;
	struct sd_lock	 l;
	struct ike_sa	*old, *nsa;
	struct ike_rekey k;
	struct ike_sa_file f;
	struct kvbuf	 b;
	uint8_t		 req[XCHG_OUT_MAX];
	struct wr	 w = wr_init(req, sizeof(req));
	char		 err[512];
	bool		 moved = false, ours = true;
	enum ike_err	 e;

	memset(&k, 0, sizeof(k));
	old = calloc(1, sizeof(*old));
	nsa = calloc(1, sizeof(*nsa));
	if (old == NULL || nsa == NULL ||
	    sd_lock_sa_timeout(&t->sd, t->name, false, LOCK_MS, &l) != IKE_OK) {
		/* the next retransmission gets it again */
		free(old);
		free(nsa);
		return true;
	}
	/* the SA as the journal's writer had it (no pointers shared) */
	if (ike_sa_load(&l, old, &f, err, sizeof(err)) != IKE_OK) {
		log_warn("%s", err);
		goto out;
	}
	if ((e = ike_rekey_resume(&l, old, &d->p, &k, err, sizeof(err))) !=
	    IKE_OK) {
		log_warn("%s: the rekey of the IKE SA an earlier program left "
		    "cannot be finished (%s): dropped", t->name, err);
		goto drop;
	}
	e = ike_rekey_consume(old, &k, rd_init(msg, len), nsa);
	if (e == IKE_ESYNTAX || e == IKE_EINTEG) {
		ours = e == IKE_EINTEG;		/* forged or damaged: dropped */
		goto out;
	}
	t->last_rx_ms = net_now_ms();
	if (e != IKE_OK) {
		log_debug("%s: the rekey of the IKE SA an earlier program left: "
		    "%s", t->name, ike_strerror(e));
		goto drop;
	}
	if ((e = ike_rekey_save(&l, old, nsa, &moved, err, sizeof(err))) !=
	    IKE_OK) {
		log_warn("%s/ike.sa: the new IKE SA: %s", t->name,
		    e == IKE_EINVAL ? err : strerror(errno));
		goto out;
	}
	release(t);
	if (!moved) {
		ike_follow(t, &l);	/* t->old_ike: the old SA, past msgid */
		*ike_sa_own_msgid(&t->old_ike) = *ike_sa_own_msgid(old);
		if (info_create(&t->old_ike, true, &w) == IKE_OK)
			send_ike(t, req, w.len);
	}
	goto out;
drop:
	kv_init(&b);
	if (sd_update(&l, "ike.sa", &b, pending_keys) != IKE_OK)
		log_warn("%s/ike.sa: %s", t->name, strerror(errno));
	release(t);
out:
	sd_unlock(&l);
	ike_rekey_wipe(&k);
	ike_sa_wipe(old);
	ike_sa_wipe(nsa);
	free(old);
	free(nsa);
	wipe(req, sizeof(req));
	return ours;
}

bool
dpd_answer(struct tunnel *t, const uint8_t *msg, size_t len, uint32_t msgid)
{
	struct dpd		*d = &t->dpd;
	struct sd_lock		 l;
	enum pending_next	 next;
	bool			 made = false;
	enum ike_err		 e;

	if (!d->out || msgid != d->p.msgid)
		return false;
	if (d->p.what == PENDING_REKEY_IKE)
		return rekeyed(t, msg, len);
	e = pending_consume(&t->ike, &d->p, rd_init(msg, len), &made);
	if (e == IKE_ESYNTAX)
		return false;		/* not the answer: ike-rekey's? */
	if (e != IKE_OK)
		return true;		/* ours, but not verified: dropped */
	t->last_rx_ms = net_now_ms();
	/* the answer is in: the journal goes, or says what follows */
	if (sd_lock_sa_timeout(&t->sd, t->name, false, LOCK_MS, &l) != IKE_OK) {
		log_debug("%s: lock: %s: the answer to %u dropped (the next "
		    "retransmission gets it again)", t->name, strerror(errno),
		    msgid);
		return true;
	}
	e = pending_after(&l, &t->ike, &d->p, made, &next);
	sd_unlock(&l);
	if (e != IKE_OK) {
		log_warn("%s/ike.sa: %s", t->name, strerror(errno));
		return true;
	}
	log_debug("%s: %s %u answered", t->name, d->left ? "request" :
	    "liveness check", msgid);
	if (next == PENDING_AGAIN) {
		/* a Child SA the peer made for a program that is gone */
		log_debug("%s: deleting Child SA 0x%08x at the peer", t->name,
		    d->p.spi);
		launch(t, t->last_rx_ms);
		return true;
	}
	release(t);
	/* the Delete of the IKE SA: the SA leaves the state directory,
	 * which ends us as any Delete does */
	if (next == PENDING_SA_GONE && sd_remove_sa(&t->sd, t->name) !=
	    IKE_OK && errno != ENOENT)
		log_warn("%s: removing the SA: %s", t->name, strerror(errno));
	return true;
}
