/* SPDX-License-Identifier: ISC */
/* ike-respond's deferred state writes: SAs established or deleted during a loop round are written once, after it, then synced as --sync says. */
#include <errno.h>
#include <string.h>

#include "base/log.h"
#include "respond.h"

static void
queue(struct srv *s, struct slot *sl, enum wjob job)
{
	if (sl->wjob != WJOB_NONE) {	/* cannot happen: on_info, on_ccsa flush */
		sl->wjob = job;
		return;
	}
	sl->wjob = job;
	sl->wnext = NULL;
	if (s->wq == NULL)
		s->wq_tail = &s->wq;
	*s->wq_tail = sl;
	s->wq_tail = &sl->wnext;
}

void
writer_save(struct srv *s, struct slot *sl)
{
	queue(s, sl, WJOB_SAVE);
}

void
writer_drop(struct srv *s, struct slot *sl)
{
	queue(s, sl, WJOB_DROP);
}

void
writer_flush(struct srv *s, void (*done)(struct srv *, struct slot *, enum wjob))
{
	struct slot	*sl, *next;
	bool		 wrote = false;
	enum wjob	 job;

	if (s->wq == NULL)
		return;
	/* first the files of every SA of the round ... */
	for (sl = s->wq; sl != NULL; sl = sl->wnext) {
		if (sl->wjob == WJOB_SAVE) {
			sl->saved = save_sa(s, sl);
			save_keys(s, sl);
			wrote = true;
		} else if (sl->wjob == WJOB_DROP && sl->saved) {
			drop_sa(s, sl);
			wrote = true;
		}
	}
	/* ... then one sync for them all (--sync batch) ... */
	if (wrote && s->o.sync == SYNC_BATCH && sd_sync(&s->sd) != IKE_OK)
		log_warn("%s: sync: %s", s->dir, strerror(errno));
	/* ... and only then the events (done may free the slot) */
	for (sl = s->wq, s->wq = NULL; sl != NULL; sl = next) {
		next = sl->wnext;
		job = sl->wjob;
		sl->wnext = NULL;
		sl->wjob = WJOB_NONE;
		done(s, sl, job);
	}
	s->wq_tail = &s->wq;
}
