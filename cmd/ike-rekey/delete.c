/* SPDX-License-Identifier: ISC */
/* ike-rekey: our Deletes (INFORMATIONAL) of a Child SA or the IKE SA. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/exits.h"
#include "base/log.h"
#include "exchange/record.h"
#include "rekey.h"

static enum ike_err
info_answer(void *arg, struct rd in)
{
	return waiting(info_consume(arg, in));
}

/* owed_delete sends the Delete that settling our rekey journaled (st)
 * and, answered, forgets that Child SA (pending_after); unanswered, it
 * forgets it too, as delete_child does, and the journal stays for the
 * next run to send again. */
int
owed_delete(struct job *j, struct settled *st)
{
	struct sd_lock		 l;
	struct pending_wait	 pw = { &j->sa, &st->p, false };
	enum pending_next	 next;
	char			 file[SD_FILE_MAX];
	const char		*drop[2] = { NULL, NULL };
	struct kvbuf		 b;
	int			 status;
	enum ike_err		 e;

	test_stop(j, "delete-owed");
	e = link_exchange(&j->link, st->p.req, st->p.len, j->o->timeout * 1000,
	    pending_answer, &pw);
	status = job_exit_of(j, "INFORMATIONAL", e);
	if (!job_lock(j, &l))
		return EXIT_LOCAL;
	if (e == IKE_OK)
		e = pending_after(&l, &j->sa, &st->p, pw.made, &next);
	else {
		snprintf(file, sizeof(file), "child.%s.sa", st->del);
		(void)sd_remove(&l, file);
		snprintf(file, sizeof(file), "child.%s.stats", st->del);
		(void)sd_remove(&l, file);
		if (load(j, &l, false) == EXIT_OK &&
		    strcmp(j->f.child, st->del) == 0) {
			drop[0] = "child";
			kv_init(&b);
			(void)sd_update(&l, "ike.sa", &b, drop);
		}
		e = IKE_OK;
	}
	sd_unlock(&l);
	if (e != IKE_OK) {
		log_warn("%s/ike.sa: %s", j->name, strerror(errno));
		return EXIT_LOCAL;
	}
	if (j->o->json)
		deleted(j, st->del);
	return status;
}

/* deleted prints the --json event of a Delete (child NULL: the IKE SA). */
void
deleted(const struct job *j, const char *child)
{
	printf("{\"event\":\"deleted\",\"name\":\"%s\"", j->name);
	if (child != NULL)
		printf(",\"child\":\"%s\"", child);
	printf("}\n");
	fflush(stdout);
}

/* delete_child sends our Delete of the Child SA (our inbound SPI) and,
 * answered or not, forgets it: the peer that does not answer is gone. */
int
delete_child(struct job *j, const struct child_file *c)
{
	struct sd_lock	 l;
	struct pending	 p;
	uint8_t		 req[XCHG_OUT_MAX];
	struct wr	 w = wr_init(req, sizeof(req));
	char		 file[SD_FILE_MAX];
	const char	*drop[12];
	struct kvbuf	 b;
	size_t		 i = 0, k;
	int		 status;
	enum ike_err	 e;

	if (!job_lock(j, &l))
		return EXIT_LOCAL;
	if ((status = load(j, &l, false)) == EXIT_OK &&
	    ((e = info_create_delete(&j->sa, false, &c->spi_in, 1, &w)) !=
	    IKE_OK || !pending_set(&p, PENDING_DELETE, *ike_sa_own_msgid(&j->sa),
	    c->spi_in, req, w.len) || !journal(j, &l, &p)))
		status = EXIT_LOCAL;
	sd_unlock(&l);
	if (status != EXIT_OK)
		return status;
	e = link_exchange(&j->link, req, w.len, j->o->timeout * 1000,
	    info_answer, &j->sa);
	status = job_exit_of(j, "INFORMATIONAL", e);
	if (!job_lock(j, &l))
		return EXIT_LOCAL;
	snprintf(file, sizeof(file), "child.%s.sa", c->name);
	(void)sd_remove(&l, file);
	snprintf(file, sizeof(file), "child.%s.stats", c->name);
	(void)sd_remove(&l, file);
	if (strcmp(j->f.child, c->name) == 0)
		drop[i++] = "child";
	/* unanswered, the journal stays: the next run sends it again */
	if (e != IKE_ETIMEOUT && e != IKE_EIO)
		for (k = 0; pending_keys[k] != NULL; k++)
			drop[i++] = pending_keys[k];
	drop[i] = NULL;
	kv_init(&b);
	if (i > 0)
		(void)sd_update(&l, "ike.sa", &b, drop);
	sd_unlock(&l);
	if (j->o->json)
		deleted(j, c->name);
	return status;
}

int
delete_ike(struct job *j)
{
	struct sd_lock	 l;
	struct pending	 p;
	uint8_t		 req[XCHG_OUT_MAX];
	struct wr	 w = wr_init(req, sizeof(req));
	int		 status;

	if (!job_lock(j, &l))
		return EXIT_LOCAL;
	if ((status = load(j, &l, false)) == EXIT_OK &&
	    (info_create_delete(&j->sa, true, NULL, 0, &w) != IKE_OK ||
	    !pending_set(&p, PENDING_DELETE_IKE, *ike_sa_own_msgid(&j->sa), 0,
	    req, w.len) || !journal(j, &l, &p)))
		status = EXIT_LOCAL;
	sd_unlock(&l);
	if (status != EXIT_OK)
		return status;
	status = job_exit_of(j, "INFORMATIONAL", link_exchange(&j->link, req,
	    w.len, j->o->timeout * 1000, info_answer, &j->sa));
	/* gone at both ends, or the peer is: either way it is over */
	if (sd_remove_sa(j->sd, j->name) != IKE_OK && errno != ENOENT) {
		log_warn("%s: removing the SA: %s", j->name, strerror(errno));
		return EXIT_LOCAL;
	}
	if (j->o->json)
		deleted(j, NULL);
	return status;
}
