/* SPDX-License-Identifier: ISC */
/* ike-rekey: the SA a run works on: reading it, locking it, journaling
 * our requests in it, and what an exchange's result means. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "exchange/record.h"
#include "io/net.h"
#include "names/names.h"
#include "rekey.h"

/* only_child names the Child SA of l to work on: --child, else the only
 * child.*.sa; NULL (logged) if there is none or several. */
static bool
pick_child(struct job *j, struct sd_lock *l, char *out, size_t n)
{
	struct dirent	*d;
	DIR		*dir;
	size_t		 len, count = 0;
	int		 fd;

	if (j->o->child != NULL) {
		snprintf(out, n, "%s", j->o->child);
		return true;
	}
	if ((fd = dup(l->dirfd)) < 0 || (dir = fdopendir(fd)) == NULL) {
		log_warn("%s: %s", j->name, strerror(errno));
		return false;
	}
	rewinddir(dir);
	while ((d = readdir(dir)) != NULL) {
		len = strlen(d->d_name);
		if (len < 10 || strncmp(d->d_name, "child.", 6) != 0 ||
		    strcmp(d->d_name + len - 3, ".sa") != 0)
			continue;
		if (count++ == 0)
			snprintf(out, n, "%.*s", (int)(len - 9), d->d_name + 6);
	}
	closedir(dir);
	if (count != 1)
		log_warn("%s: %s", j->name, count == 0 ? "no Child SA" :
		    "several Child SAs: say which with --child");
	return count == 1;
}

/* load reads the SA under l: the IKE SA and, with child, the Child SA to
 * work on (unless --ike). The IKE SA is read again before each exchange:
 * esp-tun may have answered the peer in between. */
int
load(struct job *j, struct sd_lock *l, bool child)
{
	char	 err[512], which[SD_NAME_MAX + 1];
	int	 af2 = 0;
	bool	 hp;

	ike_sa_wipe(&j->sa);
	if (ike_sa_load(l, &j->sa, &j->f, err, sizeof(err)) != IKE_OK) {
		log_warn("%s", err);
		return EXIT_FAIL;
	}
	if (!net_parse_hostport(j->f.local, &j->af, j->local, &j->lport, &hp) ||
	    !hp || !net_parse_hostport(j->f.remote, &af2, j->remote,
	    &j->rport, &hp) || !hp || af2 != j->af) {
		log_warn("%s/ike.sa: local, remote: not ADDRESS:PORT of one "
		    "family", j->name);
		return EXIT_FAIL;
	}
	if (j->o->ike || !child)
		return EXIT_OK;
	if (!pick_child(j, l, which, sizeof(which)) ||
	    !child_file_read(l, which, &j->old))
		return EXIT_FAIL;
	return EXIT_OK;
}

/* journal reserves the message ID of our next request p and journals p
 * in ike.sa, in one update (record.h): a program answering the peer
 * beside us (esp-tun) keeps its own counter, and a run killed before the
 * answer is in leaves what the next one needs to finish the exchange. */
bool
journal(struct job *j, struct sd_lock *l, const struct pending *p)
{
	if (pending_save(l, p) != IKE_OK) {
		log_warn("%s/ike.sa: %s", j->name, strerror(errno));
		return false;
	}
	return true;
}

/* job_unjournal drops the journal of the SA: the answer is in. */
bool
job_unjournal(struct job *j, struct sd_lock *l)
{
	struct kvbuf	 b;

	kv_init(&b);
	if (sd_update(l, "ike.sa", &b, pending_keys) != IKE_OK) {
		log_warn("%s/ike.sa: %s", j->name, strerror(errno));
		return false;
	}
	return true;
}

int
exchange_exit(const char *name, const struct ike_sa *sa, int timeout,
    const char *exch, enum ike_err e)
{
	const char	*n;

	switch (e) {
	case IKE_OK:
		return EXIT_OK;
	case IKE_ETIMEOUT:
		log_warn("%s: %s: no answer within %d s", name, exch, timeout);
		return EXIT_TIMEOUT;
	case IKE_EREFUSED:
		n = ikev2_notify_name(sa->peer_notify);
		if (n != NULL)
			log_warn("%s: %s: peer sent %s", name, exch, n);
		else
			log_warn("%s: %s: peer sent Notify %u", name, exch,
			    sa->peer_notify);
		return EXIT_REFUSED;
	case IKE_EIO:
		log_warn("%s: %s: %s", name, exch, strerror(errno));
		return EXIT_LOCAL;
	case IKE_EPROTO:
	case IKE_ETS:
		log_warn("%s: %s: %s", name, exch, e == IKE_ETS ?
		    "the peer widened the traffic selectors" :
		    "the peer's answer breaks the protocol");
		return EXIT_FAIL;
	default:
		log_warn("%s: %s: %s", name, exch, ike_strerror(e));
		return EXIT_FAIL;
	}
}

int
job_exit_of(const struct job *j, const char *exch, enum ike_err e)
{
	return exchange_exit(j->name, &j->sa, j->o->timeout, exch, e);
}

/* waiting maps an answer that does not decrypt to "keep waiting": it may
 * be forged or damaged, and the real one may still come. */
enum ike_err
waiting(enum ike_err e)
{
	if (e != IKE_EINTEG)
		return e;
	log_debug("an answer that does not decrypt: dropped");
	return IKE_ESYNTAX;
}

enum ike_err
pending_answer(void *arg, struct rd in)
{
	struct pending_wait	*w = arg;

	return waiting(pending_consume(w->sa, w->p, in, &w->made));
}

bool
sa_lock(struct sd *sd, const char *name, struct sd_lock *l)
{
	if (sd_lock_sa_timeout(sd, name, false, LOCK_MS, l) == IKE_OK)
		return true;
	log_warn("%s: %s", name, errno == ENOENT ?
	    "no such SA in the state directory" : errno == EWOULDBLOCK ?
	    "its lock is held (another program is working on it)" :
	    strerror(errno));
	return false;
}

bool
job_lock(struct job *j, struct sd_lock *l)
{
	return sa_lock(j->sd, j->name, l);
}

/* test_stop stops the process where a test wants to kill it (-v and
 * IKEKIT_TEST_STOP=at only: tests/interop/collide-strongswan.bats). */
void
test_stop(const struct job *j, const char *at)
{
	const char	*s;

	if (j->o->verbose > 0 && (s = getenv("IKEKIT_TEST_STOP")) != NULL &&
	    strcmp(s, at) == 0) {
		log_debug("IKEKIT_TEST_STOP=%s: stopped", at);
		(void)raise(SIGSTOP);
	}
}
