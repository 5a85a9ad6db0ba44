/* SPDX-License-Identifier: ISC */
/* ike-rekey --ike: rekey the IKE SA from our side (RFC 7296 1.3.2, 2.18): the new IKE SA recorded in ike.sa, then the old one deleted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exits.h"
#include "base/log.h"
#include "crypto/dh.h"
#include "crypto/secret.h"
#include "exchange/rekey_journal.h"
#include "names/ikev2.h"
#include "names/names.h"
#include "rekey.h"

/* One rekey of the IKE SA name. */
struct ikr {
	struct sd	*sd;
	const char	*name;
	struct link	*link;
	int		 timeout;
	struct ike_sa	 sa, nsa;	/* the old IKE SA, the new one */
	struct ike_rekey k;
	uint8_t		 req[XCHG_OUT_MAX];
	size_t		 req_len;
	struct pending	 p;		/* a journal an earlier run left */
	struct old_delete d;		/* our Delete of the old SA */
	enum collide_verdict v;		/* against the peer's rekey */
};

static bool
lock_sa(struct ikr *r, struct sd_lock *l)
{
	return sa_lock(r->sd, r->name, l);
}

static int
exit_of(const struct ikr *r, const char *exch, enum ike_err e)
{
	return exchange_exit(r->name, &r->sa, r->timeout, exch, e);
}

/* kept maps an answer that does not decrypt to "keep waiting": it may be
 * forged or damaged, and the real one may still come. */
static enum ike_err
kept(enum ike_err e)
{
	if (e != IKE_EINTEG)
		return e;
	log_debug("an answer that does not decrypt: dropped");
	return IKE_ESYNTAX;
}

static enum ike_err
rekey_answer(void *arg, struct rd in)
{
	struct ikr	*r = arg;

	return kept(ike_rekey_consume(&r->sa, &r->k, in, &r->nsa));
}

/* old_answer takes the answer to the Delete an earlier run journaled:
 * by its header alone (rekey_journal.h) */
static enum ike_err
old_answer(void *arg, struct rd in)
{
	struct ikr	*r = arg;

	return old_delete_answers(&r->d, in) ? IKE_OK : IKE_ESYNTAX;
}

static enum ike_err
delete_answer(void *arg, struct rd in)
{
	struct ikr	*r = arg;

	return kept(info_consume(&r->sa, in));
}

/* start reads the IKE SA under l and makes our request, with our KE of
 * group (0: the SA's), its message ID reserved in ike.sa (msgid_out)
 * before it leaves, in the update that journals it with what finishes
 * the exchange (rekey_journal.h): esp-tun may answer the peer meanwhile,
 * and counts its requests, not ours; and a run killed before the new SA
 * is recorded leaves it for the next one to record. */
static int
start(struct ikr *r, struct sd_lock *l, uint16_t group)
{
	struct ike_sa_file	 f;
	struct wr		 w = wr_init(r->req, sizeof(r->req));
	char			 err[512];
	enum ike_err		 e;

	ike_sa_wipe(&r->sa);
	ike_rekey_wipe(&r->k);
	if (ike_sa_load(l, &r->sa, &f, err, sizeof(err)) != IKE_OK) {
		log_warn("%s", err);
		return EXIT_FAIL;
	}
	if ((e = ike_rekey_create(&r->sa, &r->k, group, &w)) != IKE_OK) {
		log_warn("%s: CREATE_CHILD_SA: %s", r->name, ike_strerror(e));
		return EXIT_FAIL;
	}
	r->req_len = w.len;
	if ((e = ike_rekey_journal(l, &r->k, r->req, r->req_len)) != IKE_OK) {
		log_warn("%s/ike.sa: %s", r->name, e == IKE_EIO ?
		    strerror(errno) : ike_strerror(e));
		return EXIT_LOCAL;
	}
	return EXIT_OK;
}

/* unjournal drops the journal: the peer refused, no new SA was made. */
static void
unjournal(struct ikr *r)
{
	struct sd_lock	 l;
	struct kvbuf	 b;

	if (!lock_sa(r, &l))
		return;
	kv_init(&b);
	if (sd_update(&l, "ike.sa", &b, pending_keys) != IKE_OK)
		log_warn("%s/ike.sa: %s", r->name, strerror(errno));
	sd_unlock(&l);
}

/* exchange runs the CREATE_CHILD_SA exchange, once more with the group
 * the peer asks for in an INVALID_KE_PAYLOAD if we have it. */
static int
exchange(struct ikr *r)
{
	struct sd_lock	 l;
	uint16_t	 group = 0, want;
	int		 tries, status;
	enum ike_err	 e = IKE_OK;

	for (tries = 0; tries < 2; tries++) {
		if (!lock_sa(r, &l))
			return EXIT_LOCAL;
		status = start(r, &l, group);
		sd_unlock(&l);
		if (status != EXIT_OK)
			return status;
		log_debug("%s: rekeying the IKE SA, KE %s, message ID %u",
		    r->name, ikev2_dh_name(r->k.group), r->k.msgid);
		e = link_exchange(r->link, r->req, r->req_len, r->timeout *
		    1000, rekey_answer, r);
		want = r->sa.want_group;
		if (e != IKE_EREFUSED ||
		    r->sa.peer_notify != IKEV2_N_INVALID_KE_PAYLOAD ||
		    want == 0 || want == r->k.group || dh_pub_len(want) == 0)
			break;
		log_debug("%s: the peer asks for a KE of %s", r->name,
		    ikev2_dh_name(want));
		group = want;
	}
	/* answered but no SA made (or none we can use): nothing to finish */
	if (e == IKE_EREFUSED || e == IKE_EPROTO)
		unjournal(r);
	return exit_of(r, "CREATE_CHILD_SA", e);
}

/* record puts the new IKE SA in ike.sa in place of the old one, in one
 * write: its SPIs, transforms, keys and message IDs (from 0); the name,
 * endpoints and Child SAs stay (they now belong to the new SA, RFC 7296
 * 2.18). Our Delete of the old SA, made now under its keys, goes in the
 * same write (old_ike_delete, rekey_journal.h): a run killed before it is
 * answered leaves it to the next. When the peer rekeyed the SA at the
 * same time (esp-tun answered it), the nonces say whose new SA stays
 * (RFC 7296 2.8.2, r->v): ours is written only if it wins. */
static int
record(struct ikr *r)
{
	struct sd_lock		 l;
	struct wr		 w = wr_init(r->d.req, sizeof(r->d.req));
	char			 err[512];
	enum ike_err		 e;

	r->d.ispi = r->sa.ispi;
	r->d.rspi = r->sa.rspi;
	r->d.msgid = *ike_sa_own_msgid(&r->sa);
	if (info_create(&r->sa, true, &w) != IKE_OK) {
		log_warn("%s: INFORMATIONAL: cannot make the Delete of the old "
		    "IKE SA", r->name);
		return EXIT_FAIL;
	}
	r->d.len = w.len;
	if (!lock_sa(r, &l))
		return EXIT_LOCAL;
	e = ike_rekey_save_collide(&l, &r->sa, &r->nsa, r->d.req, r->d.len,
	    r->d.msgid, &r->v, err, sizeof(err));
	sd_unlock(&l);
	if (e == IKE_EINVAL) {
		log_warn("%s", err);
		return EXIT_FAIL;
	}
	if (e != IKE_OK) {
		log_warn("%s/ike.sa: the new IKE SA: %s", r->name, e == IKE_EIO ?
		    strerror(errno) : ike_strerror(e));
		return EXIT_LOCAL;
	}
	if (r->v == COLLIDE_MOVED) {
		log_warn("%s: the IKE SA was rekeyed by the peer meanwhile: "
		    "ours is not recorded", r->name);
		return EXIT_FAIL;
	}
	if (r->v != COLLIDE_NONE)
		log_warn("%s: the peer rekeyed the IKE SA at the same time: "
		    "%s new IKE SA stays", r->name, r->v == COLLIDE_WON ?
		    "our" : "its");
	return EXIT_OK;
}

/* drop_delete drops the journal of our Delete of the old SA. */
static void
drop_delete(struct sd *sd, const char *name)
{
	struct sd_lock	 l;
	struct kvbuf	 b;

	if (sd_lock_sa_timeout(sd, name, false, LOCK_MS, &l) != IKE_OK) {
		log_warn("%s: %s", name, strerror(errno));
		return;
	}
	kv_init(&b);
	if (sd_update(&l, "ike.sa", &b, old_delete_keys) != IKE_OK)
		log_warn("%s/ike.sa: %s", name, strerror(errno));
	sd_unlock(&l);
}

/* delete_old deletes the old IKE SA, now that the new one is in use,
 * under its own keys and its next message ID (RFC 7296 1.3.2), with the
 * Delete record() journaled; its Child SAs do not go with it, they moved
 * to the new SA. Unanswered, the peer is gone or has dropped it: the
 * journal goes all the same (no run after us would do better). */
static int
delete_old(struct ikr *r)
{
	int	 status;
	enum ike_err e;

	log_debug("%s: deleting the old IKE SA, message ID %u", r->name,
	    r->d.msgid);
	e = link_exchange(r->link, r->d.req, r->d.len, r->timeout * 1000,
	    delete_answer, r);
	status = exit_of(r, "INFORMATIONAL", e);
	if (e != IKE_EIO)
		drop_delete(r->sd, r->name);
	return status;
}

/* delete_ours deletes our new IKE SA that lost a collision (RFC 7296
 * 2.8.2): it is redundant, and we made it. */
static enum ike_err
lost_answer(void *arg, struct rd in)
{
	struct ikr	*r = arg;

	return kept(info_consume(&r->nsa, in));
}

static int
delete_ours(struct ikr *r)
{
	struct wr	 w = wr_init(r->req, sizeof(r->req));

	if (info_create(&r->nsa, true, &w) != IKE_OK) {
		log_warn("%s: INFORMATIONAL: cannot make the Delete of our "
		    "redundant IKE SA", r->name);
		return EXIT_FAIL;
	}
	log_debug("%s: deleting our redundant IKE SA %016llx_%016llx",
	    r->name, (unsigned long long)r->nsa.ispi,
	    (unsigned long long)r->nsa.rspi);
	return exit_of(r, "INFORMATIONAL", link_exchange(r->link, r->req, w.len,
	    r->timeout * 1000, lost_answer, r));
}

static struct ikr *
ikr_new(struct sd *sd, const char *name, struct link *k, int timeout)
{
	struct ikr	*r;

	/* two IKE SAs and our request: not on a small stack */
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_warn("%s: %s", name, strerror(errno));
		return NULL;
	}
	r->sd = sd;
	r->name = name;
	r->link = k;
	r->timeout = timeout;
	ike_sa_init(&r->sa, ROLE_INITIATOR);
	ike_sa_init(&r->nsa, ROLE_INITIATOR);
	return r;
}

static void
ikr_free(struct ikr *r)
{
	ike_rekey_wipe(&r->k);
	ike_sa_wipe(&r->sa);
	ike_sa_wipe(&r->nsa);
	wipe(r, sizeof(*r));
	free(r);
}

/* survivor reads the SPIs of the IKE SA in ike.sa (the peer's, when ours
 * lost a collision). */
static void
survivor(struct ikr *r, uint64_t *ispi, uint64_t *rspi)
{
	struct sd_lock		 l;
	struct ike_sa		*cur;
	struct ike_sa_file	 f;
	char			 err[512];

	*ispi = r->nsa.ispi;
	*rspi = r->nsa.rspi;
	if ((cur = calloc(1, sizeof(*cur))) == NULL)
		return;
	if (lock_sa(r, &l)) {
		if (ike_sa_load(&l, cur, &f, err, sizeof(err)) == IKE_OK) {
			*ispi = cur->ispi;
			*rspi = cur->rspi;
		}
		sd_unlock(&l);
	}
	ike_sa_wipe(cur);
	free(cur);
}

int
ike_rekey(struct sd *sd, const char *name, struct link *k, int timeout,
    bool json)
{
	struct ikr	*r;
	uint64_t	 ispi, rspi;
	int		 status;

	if ((r = ikr_new(sd, name, k, timeout)) == NULL)
		return EXIT_LOCAL;
	if ((status = exchange(r)) != EXIT_OK ||
	    (status = record(r)) != EXIT_OK)
		goto out;
	survivor(r, &ispi, &rspi);
	if (json)
		printf("{\"event\":\"ike-rekeyed\",\"name\":\"%s\",\"ispi\":"
		    "\"%016llx\",\"rspi\":\"%016llx\",\"old_ispi\":\"%016llx\","
		    "\"old_rspi\":\"%016llx\"%s}\n", name,
		    (unsigned long long)ispi, (unsigned long long)rspi,
		    (unsigned long long)r->sa.ispi,
		    (unsigned long long)r->sa.rspi, r->v == COLLIDE_WON ?
		    ",\"collision\":\"won\"" : r->v == COLLIDE_LOST ?
		    ",\"collision\":\"lost\"" : "");
	else
		printf("%s\n", name);
	fflush(stdout);
	/* the winner's maker deletes the old SA, the loser's its own */
	status = r->v == COLLIDE_LOST ? delete_ours(r) : delete_old(r);
out:
	ikr_free(r);
	return status;
}

int
ike_old_delete_finish(struct sd *sd, const char *name, struct link *k,
    int timeout)
{
	struct ikr	*r;
	struct sd_lock	 l;
	char		 err[512];
	bool		 found = false;
	enum ike_err	 e;

	if ((r = ikr_new(sd, name, k, timeout)) == NULL)
		return EXIT_LOCAL;
	if (!lock_sa(r, &l)) {
		ikr_free(r);
		return EXIT_LOCAL;
	}
	e = old_delete_load(&l, &r->d, &found, err, sizeof(err));
	sd_unlock(&l);
	if (e == IKE_EINVAL)
		log_warn("%s: dropped", err);
	if (e == IKE_EINVAL || (e == IKE_OK && found)) {
		if (found) {
			log_debug("%s: the Delete of the old IKE SA an earlier "
			    "run left: sending it again", name);
			e = link_exchange(k, r->d.req, r->d.len, timeout * 1000,
			    old_answer, r);
			if (e == IKE_ETIMEOUT)
				log_warn("%s: the Delete of the old IKE SA: no "
				    "answer within %d s: dropped", name,
				    timeout);
		}
		if (e != IKE_EIO)
			drop_delete(sd, name);
	}
	ikr_free(r);
	return e == IKE_EIO ? EXIT_LOCAL : EXIT_OK;
}

/* resume reads, under l, the IKE SA and the journal of our rekey of it
 * that an earlier run left into r: false when there is none (or it is
 * broken, and dropped). */
static bool
resume(struct ikr *r, struct sd_lock *l, int *status)
{
	struct ike_sa_file	 f;
	struct kvbuf		 b;
	char			 err[512];
	bool			 stale;

	*status = EXIT_OK;
	if (ike_sa_load(l, &r->sa, &f, err, sizeof(err)) != IKE_OK ||
	    pending_load(l, &r->sa, &r->p, &stale, err, sizeof(err)) !=
	    IKE_OK) {
		log_warn("%s", err);
		*status = EXIT_FAIL;
		return false;
	}
	if (r->p.what != PENDING_REKEY_IKE)
		return false;
	if (ike_rekey_resume(l, &r->sa, &r->p, &r->k, err, sizeof(err)) ==
	    IKE_OK)
		return true;
	/* without its secrets nobody can finish it: the peer's new SA
	 * expires unused there */
	log_warn("%s: the rekey of the IKE SA an earlier run left cannot be "
	    "finished (%s): dropped", r->name, err);
	kv_init(&b);
	if (sd_update(l, "ike.sa", &b, pending_keys) != IKE_OK) {
		log_warn("%s/ike.sa: %s", r->name, strerror(errno));
		*status = EXIT_LOCAL;
	}
	return false;
}

int
ike_rekey_finish(struct sd *sd, const char *name, struct link *k, int timeout)
{
	struct ikr	*r;
	struct sd_lock	 l;
	int		 status;
	bool		 found;
	enum ike_err	 e;

	if ((r = ikr_new(sd, name, k, timeout)) == NULL)
		return EXIT_LOCAL;
	if (!lock_sa(r, &l)) {
		ikr_free(r);
		return EXIT_LOCAL;
	}
	found = resume(r, &l, &status);
	sd_unlock(&l);
	if (!found)
		goto out;
	log_debug("%s: the rekey of the IKE SA by an earlier run, message ID "
	    "%u: sending it again", name, r->p.msgid);
	e = link_exchange(k, r->p.req, r->p.len, timeout * 1000, rekey_answer,
	    r);
	if (e == IKE_EREFUSED || e == IKE_EPROTO) {
		/* nothing made that we could use: the old SA goes on */
		log_debug("%s: that rekey of the IKE SA: %s", name,
		    ike_strerror(e));
		unjournal(r);
		goto out;
	}
	if ((status = exit_of(r, "the rekey of the IKE SA by an earlier run",
	    e)) != EXIT_OK)
		goto out;		/* unanswered: the journal stays */
	/* the old SA's Delete unanswered (warned) leaves the new one in
	 * use all the same: the run goes on */
	if ((status = record(r)) == EXIT_OK)
		(void)(r->v == COLLIDE_LOST ? delete_ours(r) : delete_old(r));
out:
	ikr_free(r);
	return status;
}
