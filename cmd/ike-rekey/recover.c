/* SPDX-License-Identifier: ISC */
/* ike-rekey: finishing what a run killed midway left: its journaled
 * request, and the Delete its rekey owed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "exchange/collide.h"
#include "exchange/record.h"
#include "exchange/rekey_journal.h"
#include "rekey.h"

/* recover finishes the exchange that a run killed with a request out left
 * in the journal (record.h), before we send one of our own: the same
 * request again, then what its answer asks for (the Delete of a Child SA
 * that the peer made and nobody here can use), until the journal is
 * empty. *gone: the request was the Delete of the IKE SA, now removed. */
int
recover(struct job *j, bool *gone)
{
	struct sd_lock		 l;
	struct pending		 p;
	struct pending_wait	 pw = { &j->sa, &p, false };
	enum pending_next	 next;
	char			 err[512], name[SD_NAME_MAX + 1], what[64];
	struct settled		 st;
	bool			 stale = false;
	int			 status;
	enum ike_err		 e;

	*gone = false;
	for (;;) {
		if (!job_lock(j, &l))
			return EXIT_LOCAL;
		if ((status = load(j, &l, false)) == EXIT_OK &&
		    pending_load(&l, &j->sa, &p, &stale, err, sizeof(err)) !=
		    IKE_OK) {
			log_warn("%s", err);
			status = EXIT_FAIL;
		}
		if (status == EXIT_OK && stale) {
			log_debug("%s: a journal not of this SA: dropped",
			    j->name);
			status = job_unjournal(j, &l) ? EXIT_OK : EXIT_LOCAL;
		}
		/* a Child SA saved by the run killed before it settled the
		 * rekey: that answer was processed; the journal becomes the
		 * Delete that the rekey owes, if any (child_rekey_settle) */
		if (status == EXIT_OK && p.what == PENDING_CHILD &&
		    pending_child_name(&l, p.spi, name, sizeof(name))) {
			if ((e = child_rekey_settle(&l, &j->sa, name, &p,
			    &st.v, st.theirs, sizeof(st.theirs), st.del,
			    sizeof(st.del))) != IKE_OK) {
				log_warn("%s/ike.sa: %s", j->name, e == IKE_EIO ?
				    strerror(errno) : ike_strerror(e));
				status = EXIT_LOCAL;
			} else if (p.what == PENDING_DELETE)
				log_debug("%s: the rekey by %s of an earlier run "
				    "owes the Delete of %s", j->name, name,
				    st.del);
		}
		sd_unlock(&l);
		if (status != EXIT_OK || p.what == PENDING_NONE)
			return status;
		/* a rekey of the IKE SA: ike.c finishes it (its secrets) */
		if (p.what == PENDING_REKEY_IKE) {
			if ((status = ike_rekey_finish(j->sd, j->name, &j->link,
			    j->o->timeout)) != EXIT_OK)
				return status;
			continue;
		}
		log_debug("%s: request %u of an earlier run: sending it again",
		    j->name, p.msgid);
		snprintf(what, sizeof(what), "request %u of an earlier run",
		    p.msgid);
		if ((e = link_exchange(&j->link, p.req, p.len, j->o->timeout *
		    1000, pending_answer, &pw)) != IKE_OK)
			return job_exit_of(j, what, e);	/* the journal stays */
		if (!job_lock(j, &l))
			return EXIT_LOCAL;
		e = pending_after(&l, &j->sa, &p, pw.made, &next);
		sd_unlock(&l);
		if (e != IKE_OK) {
			log_warn("%s/ike.sa: %s", j->name, strerror(errno));
			return EXIT_LOCAL;
		}
		if (next == PENDING_SA_GONE) {
			if (sd_remove_sa(j->sd, j->name) != IKE_OK &&
			    errno != ENOENT) {
				log_warn("%s: removing the SA: %s", j->name,
				    strerror(errno));
				return EXIT_LOCAL;
			}
			*gone = true;
			return EXIT_OK;
		}
		/* PENDING_AGAIN: the next round sends the new request */
	}
}

/* rekeyed_olds finds the Child SAs of l that a rekey replaced but whose
 * Delete a killed run did not finish: olds[i] named by the rekey_of= of
 * news[i], both still there. Returns how many (at most OLDS_MAX). */
size_t
rekeyed_olds(struct sd_lock *l, char olds[][SD_NAME_MAX + 1],
    char news[][SD_NAME_MAX + 1])
{
	struct dirent	*d;
	DIR		*dir;
	char		 val[SD_NAME_MAX + 1], file[SD_FILE_MAX];
	struct sd_kv	 kv = { "rekey_of", val, sizeof(val), 0 };
	size_t		 len, n = 0;
	int		 fd;

	if ((fd = dup(l->dirfd)) < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(dir);
	while ((d = readdir(dir)) != NULL && n < OLDS_MAX) {
		len = strlen(d->d_name);
		if (len < 10 || len - 9 > SD_NAME_MAX ||
		    strncmp(d->d_name, "child.", 6) != 0 ||
		    strcmp(d->d_name + len - 3, ".sa") != 0 ||
		    sd_read(l, d->d_name, &kv, 1) != IKE_OK || kv.line == 0 ||
		    !sd_name_ok(val))
			continue;
		snprintf(file, sizeof(file), "child.%s.sa", val);
		if (faccessat(l->dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		snprintf(olds[n], SD_NAME_MAX + 1, "%s", val);
		snprintf(news[n], SD_NAME_MAX + 1, "%.*s", (int)(len - 9),
		    d->d_name + 6);
		n++;
	}
	closedir(dir);
	return n;
}

/* finish_rekey does what a run killed after its rekey did not: ike.sa's
 * child= follows the new Child SA, and the old one is deleted. */
int
finish_rekey(struct job *j, const char *old, const char *new)
{
	struct sd_lock	 l;
	struct child_file c;
	struct kvbuf	 b;
	bool		 ok;

	log_debug("%s: finishing the rekey of %s by %s", j->name, old, new);
	if (!job_lock(j, &l))
		return EXIT_LOCAL;
	ok = load(j, &l, false) == EXIT_OK;
	if (ok && strcmp(j->f.child, old) == 0) {
		kv_init(&b);
		kv_str(&b, "child", new);
		if (sd_update(&l, "ike.sa", &b, NULL) != IKE_OK) {
			log_warn("%s/ike.sa: %s", j->name, strerror(errno));
			ok = false;
		}
	}
	ok = ok && child_file_read(&l, old, &c);
	sd_unlock(&l);
	return ok ? delete_child(j, &c) : EXIT_LOCAL;
}

/* journaled: whether ike.sa of l holds the journal of a request that an
 * earlier run left (recover settles it, and may change the Child SAs). */
bool
journaled(struct sd_lock *l)
{
	char		 val[32];
	struct sd_kv	 kv = { "pending_what", val, sizeof(val), 0 };

	return sd_read(l, "ike.sa", &kv, 1) == IKE_OK && kv.line != 0;
}
