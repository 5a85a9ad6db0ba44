/* SPDX-License-Identifier: ISC */
/* Per-Child-SA counters and reserved sequence numbers in child.NAME.stats, and --stats. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "sa/kvget.h"
#include "esptun.h"

enum { LOCK_WAIT_MS = 2000 };

/* The counters in file order, with their places in struct counters. */
static const struct {
	const char	*key;
	size_t		 off;
} fields[] = {
#define F(n) { #n, offsetof(struct counters, n) }
	F(in_packets), F(in_bytes), F(out_packets), F(out_bytes),
	F(drop_replay), F(drop_integ), F(drop_spi), F(drop_policy),
	F(drop_nosa), F(drop_malformed), F(drop_seq), F(drop_expired),
#undef F
};
enum { N_FIELDS = sizeof(fields) / sizeof(fields[0]) };

static uint64_t *
field(struct counters *c, size_t i)
{
	return (uint64_t *)(void *)((char *)c + fields[i].off);
}

static void
stats_file(char *buf, size_t n, const char *child)
{
	snprintf(buf, n, "child.%s.stats", child);
}

/* The lines of a stats file we read: counters, seq_out, SPIs. */
struct statlines {
	char		 val[N_FIELDS + 3][32];
	struct sd_kv	 kv[N_FIELDS + 3];
};

static void
statlines_init(struct statlines *s)
{
	size_t	 i;

	for (i = 0; i < N_FIELDS; i++)
		s->kv[i] = (struct sd_kv){ fields[i].key, s->val[i], 32, 0 };
	s->kv[N_FIELDS] = (struct sd_kv){ "seq_out", s->val[N_FIELDS], 32, 0 };
	s->kv[N_FIELDS + 1] = (struct sd_kv){ "spi_in", s->val[N_FIELDS + 1], 32, 0 };
	s->kv[N_FIELDS + 2] = (struct sd_kv){ "spi_out", s->val[N_FIELDS + 2], 32, 0 };
}

bool
stats_load(struct tunnel *t, struct sd_lock *l, struct child *c)
{
	struct statlines s;
	struct kvget	 g;
	char		 file[SD_FILE_MAX], path[SD_NAME_MAX + SD_FILE_MAX + 2];
	char		 err[256];
	uint64_t	 seq = 0;
	uint32_t	 spi = 0;
	size_t		 i;
	enum ike_err	 e;

	stats_file(file, sizeof(file), c->name);
	snprintf(path, sizeof(path), "%s/%s", t->name, file);
	statlines_init(&s);
	if ((e = sd_read(l, file, s.kv, N_FIELDS + 3)) != IKE_OK) {
		if (e == IKE_EIO && errno == ENOENT)
			return true;		/* never carried before */
		log_warn("%s: %s", path, e == IKE_EIO ? strerror(errno) :
		    "malformed");
		return false;
	}
	g = (struct kvget){ path, s.kv, N_FIELDS + 3, err, sizeof(err) };
	/* counters of another SA of the same name are not ours */
	if (kvg_spi32(&g, "spi_in", &spi) != IKE_OK || spi != c->spi_in)
		return true;
	for (i = 0; i < N_FIELDS; i++)
		if (kvg_u64(&g, fields[i].key, true, UINT64_MAX,
		    field(&c->cnt, i)) != IKE_OK)
			goto bad;
	if (kvg_u64(&g, "seq_out", false, UINT64_MAX, &seq) != IKE_OK)
		goto bad;
	/* RFC 4303 3.3.3: never send a sequence number twice with one key;
	 * what an earlier run reserved may have been sent */
	c->seq = c->seq_saved = seq;
	return true;
bad:
	log_warn("%s", err);
	return false;
}

static enum ike_err
save_child(struct sd_lock *l, const struct tunnel *t, const struct child *c)
{
	struct kvbuf	 b;
	char		 file[SD_FILE_MAX];
	size_t		 i;

	kv_init(&b);
	kv_str(&b, "version", "1");
	kv_str(&b, "name", c->name);
	kv_str(&b, "ike", t->name);
	kv_spi32(&b, "spi_in", c->spi_in);
	kv_spi32(&b, "spi_out", c->spi_out);
	kv_u64(&b, "seq_out", c->seq_saved);
	for (i = 0; i < N_FIELDS; i++)
		kv_u64(&b, fields[i].key, *field((struct counters *)&c->cnt, i));
	if (c->expiry != LIVE)
		kv_str(&b, "expired", c->expiry == HARD_EXPIRED ? "hard" : "soft");
	kv_u64(&b, "pid", (uint64_t)getpid());
	stats_file(file, sizeof(file), c->name);
	return sd_write(l, file, &b);
}

bool
stats_save(struct tunnel *t, bool must)
{
	struct sd_lock	 l;
	struct child	*c;
	uint64_t	 saved;
	size_t		 i;
	bool		 ok = true;

	/* a program holding the lock (ike-rekey waiting for the peer) must
	 * not stall the data path: try once unless a write is a must */
	if (sd_lock_sa_timeout(&t->sd, t->name, false, must ? -1 : 0, &l) !=
	    IKE_OK) {
		if (must)
			log_warn("%s: lock: %s", t->name, strerror(errno));
		return false;
	}
	for (i = 0; i < t->n_child; i++) {
		c = t->child[i];
		if (c->drain_ms != 0)
			continue;	/* its files are gone: keep them so */
		saved = c->seq_saved;
		if (c->seq + SEQ_RESERVE / 2 >= c->seq_saved)
			c->seq_saved = c->seq + SEQ_RESERVE;
		if (save_child(&l, t, c) != IKE_OK) {
			log_warn("%s: %s counters: %s", t->name, c->name,
			    strerror(errno));
			/* not reserved: the file's limit stays ours, and
			 * the data path sends nothing past it unwritten */
			c->seq_saved = saved;
			ok = false;
		}
	}
	sd_unlock(&l);
	return ok;
}

/* print_child prints one stats file of l's SA; false when it is bad. */
static bool
print_child(const struct opts *o, struct sd_lock *l, const char *file)
{
	struct statlines s;
	struct kvget	 g;
	struct counters	 cnt;
	char		 name[SD_NAME_MAX + 1], path[SD_NAME_MAX + SD_FILE_MAX + 2];
	char		 err[256];
	uint32_t	 spi_in = 0, spi_out = 0;
	size_t		 i, n = strlen(file) - strlen("child.") - strlen(".stats");
	enum ike_err	 e;

	statlines_init(&s);
	snprintf(path, sizeof(path), "%s/%s", l->name, file);
	if ((e = sd_read(l, file, s.kv, N_FIELDS + 3)) != IKE_OK) {
		log_warn("%s: %s", path, e == IKE_EIO ? strerror(errno) :
		    "malformed");
		return false;
	}
	g = (struct kvget){ path, s.kv, N_FIELDS + 3, err, sizeof(err) };
	memset(&cnt, 0, sizeof(cnt));
	for (i = 0; i < N_FIELDS; i++)
		if (kvg_u64(&g, fields[i].key, true, UINT64_MAX,
		    field(&cnt, i)) != IKE_OK)
			goto bad;
	if (kvg_spi32(&g, "spi_in", &spi_in) != IKE_OK ||
	    kvg_spi32(&g, "spi_out", &spi_out) != IKE_OK)
		goto bad;
	snprintf(name, sizeof(name), "%.*s", (int)n, file + strlen("child."));
	if (o->json) {
		printf("{\"name\":\"%s\",\"child\":\"%s\",\"spi_in\":\"0x%08x\","
		    "\"spi_out\":\"0x%08x\"", l->name, name, spi_in, spi_out);
		for (i = 0; i < N_FIELDS; i++)
			printf(",\"%s\":%" PRIu64, fields[i].key, *field(&cnt, i));
		printf("}\n");
		return true;
	}
	printf("%s/%s in %" PRIu64 " pkts %" PRIu64 " B out %" PRIu64 " pkts %"
	    PRIu64 " B drops", l->name, name, cnt.in_packets, cnt.in_bytes,
	    cnt.out_packets, cnt.out_bytes);
	for (i = 4; i < N_FIELDS; i++)
		printf(" %s %" PRIu64, fields[i].key + strlen("drop_"),
		    *field(&cnt, i));
	printf("\n");
	return true;
bad:
	log_warn("%s", err);
	return false;
}

/* What print_sa needs: the options, the state dir, and whether all went. */
struct printing {
	const struct opts	*o;
	struct sd		*sd;
	bool			 failed;
};

static int
print_sa(const char *sa, void *arg)
{
	struct printing		*p = arg;
	struct sd_lock		 l;
	struct dirent		*d;
	DIR			*dir;
	size_t			 n;
	int			 fd;

	if (sd_lock_sa_timeout(p->sd, sa, false, LOCK_WAIT_MS, &l) != IKE_OK) {
		log_warn("%s: %s", sa, errno == ENOENT ?
		    "no such SA in the state directory" : strerror(errno));
		p->failed = true;
		return 0;
	}
	if ((fd = dup(l.dirfd)) >= 0 && (dir = fdopendir(fd)) != NULL) {
		while ((d = readdir(dir)) != NULL) {
			n = strlen(d->d_name);
			if (n > 12 && strncmp(d->d_name, "child.", 6) == 0 &&
			    strcmp(d->d_name + n - 6, ".stats") == 0 &&
			    !print_child(p->o, &l, d->d_name))
				p->failed = true;
		}
		closedir(dir);
	} else {
		if (fd >= 0)
			close(fd);
		log_warn("%s: %s", sa, strerror(errno));
		p->failed = true;
	}
	sd_unlock(&l);
	return 0;
}

int
stats_print(const struct opts *o)
{
	struct sd	 sd;
	struct printing	 p = { o, &sd, false };
	char		 dir[4096];

	if (o->statedir != NULL)
		snprintf(dir, sizeof(dir), "%s", o->statedir);
	else if (sd_default_dir(dir, sizeof(dir)) != IKE_OK)
		die(EXIT_USAGE, "state directory: not set (IKE_STATE_DIR or -S)");
	if (sd_open(&sd, dir, false) != IKE_OK)
		die(EXIT_LOCAL, "%s: %s", dir, sd.why[0] ? sd.why :
		    strerror(errno));
	if (o->sa != NULL)
		print_sa(o->sa, &p);
	else if (sd_list(&sd, print_sa, &p) != IKE_OK)
		die(EXIT_LOCAL, "%s: %s", dir, strerror(errno));
	sd_close(&sd);
	fflush(stdout);
	/* a file we could not read is damage; an SA we could not find is
	 * not there (exit 5 both: nothing to report) */
	return p.failed ? EXIT_LOCAL : EXIT_OK;
}
