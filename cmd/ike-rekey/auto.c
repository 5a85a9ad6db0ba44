/* SPDX-License-Identifier: ISC */
/* ike-rekey --auto: watch an SA's Child SA and act on its lifetimes, rekeying at the soft limit and deleting at the hard one. */
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "rekey.h"

enum {
	POLL_MS		= 1000,		/* the files are read this often */
	BACKOFF_MAX	= 30,		/* seconds between failed rekeys */
	VAL_LEN		= 32,
};

/* What one look at the SA finds: its current Child SA, its limits (hard
 * and soft: seconds, bytes, packets) and its counters. */
struct look {
	char		 child[SD_NAME_MAX + 1];	/* "": none */
	uint64_t	 created;
	uint64_t	 hard[3], soft[3];
	uint64_t	 bytes, packets;	/* the larger direction's */
};

static volatile sig_atomic_t	 stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
num(const struct sd_kv *kv)
{
	unsigned long long	 v;
	char			*end;

	if (kv->line == 0)
		return 0;
	errno = 0;
	v = strtoull(kv->val, &end, 10);
	return errno == 0 && *end == '\0' && end != kv->val ? v : 0;
}

static uint64_t
max2(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* look_at reads the SA under its lock into lk: 1 read, 0 the SA is gone,
 * -1 could not (logged; try again). */
static int
look_at(struct sd *sd, const char *name, struct look *lk)
{
	static const char *const ckeys[] = {
		"created", "lifetime_secs", "lifetime_bytes",
		"lifetime_packets", "soft_secs", "soft_bytes", "soft_packets",
	};
	static const char *const skeys[] = {
		"in_packets", "in_bytes", "out_packets", "out_bytes",
	};
	enum { NC = sizeof(ckeys) / sizeof(ckeys[0]),
	    NS = sizeof(skeys) / sizeof(skeys[0]) };
	char		 cv[NC][VAL_LEN], sv[NS][VAL_LEN];
	char		 file[SD_FILE_MAX];
	struct sd_kv	 kv = { "child", lk->child, sizeof(lk->child), 0 };
	struct sd_kv	 ck[NC], sk[NS];
	struct sd_lock	 l;
	size_t		 i;

	memset(lk, 0, sizeof(*lk));
	if (sd_lock_sa_timeout(sd, name, false, LOCK_MS, &l) != IKE_OK) {
		if (errno == ENOENT)
			return 0;
		log_warn("%s: %s", name, errno == EWOULDBLOCK ?
		    "its lock is held" : strerror(errno));
		return -1;
	}
	if (sd_read(&l, "ike.sa", &kv, 1) != IKE_OK) {
		sd_unlock(&l);
		if (errno == ENOENT)
			return 0;
		log_warn("%s/ike.sa: %s", name, strerror(errno));
		return -1;
	}
	if (kv.line == 0 || !sd_name_ok(lk->child)) {
		lk->child[0] = '\0';
		sd_unlock(&l);
		return 1;
	}
	for (i = 0; i < NC; i++)
		ck[i] = (struct sd_kv){ ckeys[i], cv[i], VAL_LEN, 0 };
	for (i = 0; i < NS; i++)
		sk[i] = (struct sd_kv){ skeys[i], sv[i], VAL_LEN, 0 };
	snprintf(file, sizeof(file), "child.%s.sa", lk->child);
	if (sd_read(&l, file, ck, NC) != IKE_OK) {
		/* named but not (or no longer) there: nothing to act on */
		lk->child[0] = '\0';
		sd_unlock(&l);
		return 1;
	}
	snprintf(file, sizeof(file), "child.%s.stats", lk->child);
	if (sd_read(&l, file, sk, NS) != IKE_OK)
		for (i = 0; i < NS; i++)
			sk[i].line = 0;		/* not carried yet: no traffic */
	sd_unlock(&l);
	lk->created = num(&ck[0]);
	for (i = 0; i < 3; i++) {
		lk->hard[i] = num(&ck[1 + i]);
		/* a soft limit not given is 90% of the hard one, as esp-tun
		 * has it */
		lk->soft[i] = ck[4 + i].line != 0 ? num(&ck[4 + i]) :
		    lk->hard[i] / 10 * 9;
	}
	lk->packets = max2(num(&sk[0]), num(&sk[2]));
	lk->bytes = max2(num(&sk[1]), num(&sk[3]));
	return 1;
}

/* reached names the first limit of lim (secs, bytes, packets) that the
 * Child SA has reached at age secs, NULL if none. */
static const char *
reached(const struct look *lk, const uint64_t lim[3], uint64_t age)
{
	if (lim[0] != 0 && age >= lim[0])
		return "secs";
	if (lim[1] != 0 && lk->bytes >= lim[1])
		return "bytes";
	if (lim[2] != 0 && lk->packets >= lim[2])
		return "packets";
	return NULL;
}

/* ev prints one event line: JSON, or "EVENT NAME CHILD [MORE]". */
static void
ev(const struct auto_opts *a, const char *what, const char *child,
    const char *k2, const char *v2)
{
	if (a->json) {
		printf("{\"event\":\"%s\",\"name\":\"%s\",\"child\":\"%s\"",
		    what, a->name, child);
		if (k2 != NULL)
			printf(",\"%s\":\"%s\"", k2, v2);
		printf("}\n");
	} else
		printf("%s %s %s%s%s\n", what, a->name, child,
		    k2 != NULL ? " " : "", k2 != NULL ? v2 : "");
	fflush(stdout);
}

/* spawn runs this program (exe) for one rekey or Delete of child, as the
 * user would, its standard output dropped (our events say what it did);
 * returns its exit status. */
static int
spawn(const struct auto_opts *a, const char *exe, const char *child, bool del)
{
	const char	*argv[20];
	char		 tmo[16];
	int		 n = 0, st, i;
	pid_t		 pid;

	snprintf(tmo, sizeof(tmo), "%d", a->timeout);
	argv[n++] = "ike-rekey";
	if (del)
		argv[n++] = "--delete";
	argv[n++] = "--child";
	argv[n++] = child;
	argv[n++] = "-S";
	argv[n++] = a->dir;
	argv[n++] = "--timeout";
	argv[n++] = tmo;
	if (!del && a->esp != NULL) {
		argv[n++] = "--esp";
		argv[n++] = a->esp;
	}
	if (!del && a->pfs != NULL) {
		argv[n++] = "--pfs";
		argv[n++] = a->pfs;
	}
	for (i = 0; i < a->verbose && i < 2; i++)
		argv[n++] = "-v";
	argv[n++] = a->name;
	argv[n] = NULL;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		log_warn("fork: %s", strerror(errno));
		return EXIT_LOCAL;
	}
	if (pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(EXIT_LOCAL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		execv(exe, (char *const *)argv);
		log_warn("%s: %s", exe, strerror(errno));
		_exit(EXIT_LOCAL);
	}
	/* the exchange is bounded by --timeout: a signal meanwhile ends
	 * the watch once it is over */
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return EXIT_LOCAL;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return EXIT_FAIL;
}

static void
nap(int ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	/* a signal cuts it short */
	(void)nanosleep(&ts, NULL);
}

int
auto_run(const struct auto_opts *a)
{
	struct sigaction sa;
	struct sd	 sd;
	struct look	 lk, after;
	char		 exe[PATH_MAX], cur[SD_NAME_MAX + 1] = "", num_s[24];
	const char	*why;
	time_t		 now, seen = 0, next_try = 0;
	uint64_t	 age;
	unsigned	 fails = 0, wait_s;
	ssize_t		 len;
	bool		 soft_told = false;
	int		 r, st;

	if ((len = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0) {
		log_warn("/proc/self/exe: %s", strerror(errno));
		return EXIT_LOCAL;
	}
	exe[len] = '\0';
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: the nap ends */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (sd_open(&sd, a->dir, false) != IKE_OK) {
		log_warn("%s: %s", a->dir, sd.why[0] ? sd.why : strerror(errno));
		return EXIT_LOCAL;
	}
	if (look_at(&sd, a->name, &lk) == 0) {
		log_warn("%s: no such SA in the state directory", a->name);
		sd_close(&sd);
		return EXIT_LOCAL;
	}
	while (!stop) {
		if ((r = look_at(&sd, a->name, &lk)) == 0)
			break;			/* the SA is gone: done */
		if (r < 0 || lk.child[0] == '\0') {
			nap(POLL_MS);
			continue;
		}
		now = time(NULL);
		if (strcmp(cur, lk.child) != 0) {
			snprintf(cur, sizeof(cur), "%s", lk.child);
			seen = now;
			soft_told = false;
			fails = 0;
			next_try = 0;
		}
		/* its age counts from created=, else from when we saw it */
		age = lk.created != 0 && (time_t)lk.created <= now ?
		    (uint64_t)(now - (time_t)lk.created) : (uint64_t)(now - seen);
		if ((why = reached(&lk, lk.hard, age)) != NULL) {
			/* not rekeyed in time: it may no longer be used
			 * (RFC 4301 4.4.2.1), so it goes at both ends */
			st = spawn(a, exe, cur, true);
			if (look_at(&sd, a->name, &after) == 0 ||
			    strcmp(after.child, cur) != 0)
				ev(a, "deleted", cur, "limit", why);
			else {
				snprintf(num_s, sizeof(num_s), "%d", st);
				ev(a, "failed", cur, "status", num_s);
				nap(POLL_MS);
			}
			continue;
		}
		if ((why = reached(&lk, lk.soft, age)) != NULL &&
		    now >= next_try) {
			if (!soft_told)
				ev(a, "soft-expired", cur, "limit", why);
			soft_told = true;
			st = spawn(a, exe, cur, false);
			r = look_at(&sd, a->name, &after);
			if (st == EXIT_OK && r == 1 && after.child[0] != '\0' &&
			    strcmp(after.child, cur) != 0) {
				ev(a, "rekeyed", cur, "new", after.child);
				continue;
			}
			if (r == 0)
				break;
			/* again later, each time waiting longer, until the
			 * hard limit */
			wait_s = fails < 5 ? 1u << fails : BACKOFF_MAX;
			if (wait_s > BACKOFF_MAX)
				wait_s = BACKOFF_MAX;
			fails++;
			next_try = time(NULL) + (time_t)wait_s;
			snprintf(num_s, sizeof(num_s), "%d", st);
			ev(a, "failed", cur, "status", num_s);
			continue;
		}
		nap(POLL_MS);
	}
	sd_close(&sd);
	return EXIT_OK;
}
