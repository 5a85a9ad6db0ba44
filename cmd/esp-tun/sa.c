/* SPDX-License-Identifier: ISC */
/* The IKE SA and its Child SAs, read from the state directory and read again when it changes. */
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "crypto/secret.h"
#include "io/net.h"
#include "names/ikev2.h"
#include "sa/kvget.h"
#include "esptun.h"

enum { VAL_MAX = 1100 };

static const char *const child_keys[] = {
	"name", "spi_in", "spi_out", "encr", "encr_keybits", "integ", "esn",
	"key_in_e", "key_in_a", "key_out_e", "key_out_a", "local_ts",
	"remote_ts", "mode", "encap", "ready", "created", "lifetime_secs",
	"lifetime_bytes", "lifetime_packets", "soft_secs", "soft_bytes",
	"soft_packets",
};
enum { N_CHILD_KEYS = sizeof(child_keys) / sizeof(child_keys[0]) };

static const char *const modes[] = { "tunnel", NULL };
static const char *const encaps[] = { "none", "udp", NULL };
static const char *const yesno[] = { "no", "yes", NULL };

void
child_free(struct child *c)
{
	if (c == NULL)
		return;
	esp_sa_free(&c->in);
	esp_sa_free(&c->out);
	replay_free(&c->win);
	wipe(c, sizeof(*c));
	free(c);
}

struct child *
child_by_spi(struct tunnel *t, uint32_t spi)
{
	size_t	 i;

	for (i = 0; i < t->n_child; i++)
		if (t->child[i]->spi_in == spi)
			return t->child[i];
	return NULL;
}

void
child_forget(struct tunnel *t, struct child *c)
{
	size_t	 i;

	for (i = 0; i < t->n_child; i++)
		if (t->child[i] == c) {
			t->child[i] = t->child[--t->n_child];
			child_free(c);
			return;
		}
}

/* lifetimes reads the optional limits; a soft limit not given is 90% of
 * the hard one, so that a rekey has time to finish. */
static enum ike_err
lifetimes(const struct kvget *g, struct child *c)
{
	uint64_t	 created = 0;
	struct timespec	 now, mono;
	enum ike_err	 e;

	if ((e = kvg_u64(g, "created", true, INT64_MAX / 1000, &created)) != IKE_OK ||
	    (e = kvg_u64(g, "lifetime_secs", true, UINT32_MAX, &c->hard.secs)) != IKE_OK ||
	    (e = kvg_u64(g, "lifetime_bytes", true, UINT64_MAX, &c->hard.bytes)) != IKE_OK ||
	    (e = kvg_u64(g, "lifetime_packets", true, UINT64_MAX, &c->hard.packets)) != IKE_OK)
		return e;
	c->soft.secs = c->hard.secs / 10 * 9;
	c->soft.bytes = c->hard.bytes / 10 * 9;
	c->soft.packets = c->hard.packets / 10 * 9;
	if ((e = kvg_u64(g, "soft_secs", true, UINT32_MAX, &c->soft.secs)) != IKE_OK ||
	    (e = kvg_u64(g, "soft_bytes", true, UINT64_MAX, &c->soft.bytes)) != IKE_OK ||
	    (e = kvg_u64(g, "soft_packets", true, UINT64_MAX, &c->soft.packets)) != IKE_OK)
		return e;
	/* created= is wall-clock seconds; the timers run on the monotonic
	 * clock, so place its birth on that clock */
	clock_gettime(CLOCK_REALTIME, &now);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	c->born_ms = (int64_t)mono.tv_sec * 1000 + mono.tv_nsec / 1000000;
	if (created != 0 && (int64_t)created <= now.tv_sec)
		c->born_ms -= ((int64_t)now.tv_sec - (int64_t)created) * 1000;
	return IKE_OK;
}

/* over tells whether the counters or the age reach limit l. */
static bool
over(const struct child *c, const struct lifetime *l, int64_t now_ms)
{
	uint64_t	 bytes = c->cnt.in_bytes > c->cnt.out_bytes ?
			    c->cnt.in_bytes : c->cnt.out_bytes;
	uint64_t	 pkts = c->cnt.in_packets > c->cnt.out_packets ?
			    c->cnt.in_packets : c->cnt.out_packets;

	return (l->secs != 0 && now_ms - c->born_ms >= (int64_t)l->secs * 1000) ||
	    (l->bytes != 0 && bytes >= l->bytes) ||
	    (l->packets != 0 && pkts >= l->packets);
}

void
lifetimes_check(struct tunnel *t, int64_t now_ms)
{
	struct child	*c;
	size_t		 i;

	for (i = 0; i < t->n_child; i++) {
		c = t->child[i];
		/* the soft limit asks for a rekey (ike-rekey); the hard one
		 * ends the SA's use (RFC 4301 4.4.2.1) */
		if (c->expiry < HARD_EXPIRED && over(c, &c->hard, now_ms)) {
			c->expiry = HARD_EXPIRED;
			event(t, "expired", c->name);
		} else if (c->expiry == LIVE && over(c, &c->soft, now_ms)) {
			c->expiry = SOFT_EXPIRED;
			event(t, "soft-expired", c->name);
		}
	}
}

/* child_parse builds c from a Child SA file's lines. */
static enum ike_err
child_parse(const struct kvget *g, const struct opts *o, struct child *c)
{
	uint8_t		 ein[ENCR_KEY_MAX_LEN], eout[ENCR_KEY_MAX_LEN];
	uint8_t		 ain[INTEG_KEY_MAX_LEN], aout[INTEG_KEY_MAX_LEN];
	size_t		 ein_len = 0, eout_len = 0, ain_len = 0, aout_len = 0;
	uint64_t	 bits = 0, esn = 0;
	const char	*name = NULL;
	int		 mode = 0, encap = 0, ready = 0;
	enum ike_err	 e;

	if ((e = kvg_str(g, "name", false, &name)) != IKE_OK ||
	    (e = kvg_spi32(g, "spi_in", &c->spi_in)) != IKE_OK ||
	    (e = kvg_spi32(g, "spi_out", &c->spi_out)) != IKE_OK ||
	    (e = kvg_xform(g, "encr", IKEV2_XFORM_ENCR, &c->encr)) != IKE_OK ||
	    (e = kvg_u64(g, "encr_keybits", true, 512, &bits)) != IKE_OK ||
	    (e = kvg_xform(g, "integ", IKEV2_XFORM_INTEG, &c->integ)) != IKE_OK ||
	    (e = kvg_u64(g, "esn", true, 1, &esn)) != IKE_OK ||
	    (e = kvg_word(g, "mode", modes, &mode)) != IKE_OK ||
	    (e = kvg_word(g, "encap", encaps, &encap)) != IKE_OK ||
	    (kvg_find(g, "ready") != NULL &&
	    (e = kvg_word(g, "ready", yesno, &ready)) != IKE_OK) ||
	    (e = kvg_ts(g, "local_ts", &c->local_ts)) != IKE_OK ||
	    (e = kvg_ts(g, "remote_ts", &c->remote_ts)) != IKE_OK)
		return e;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->keybits = (uint16_t)bits;
	c->esn = esn == 1;
	c->encap = encap == 1;
	c->ready = ready == 1;
	if ((e = lifetimes(g, c)) != IKE_OK)
		return e;
	if ((e = kvg_hex(g, "key_in_e", ein, sizeof(ein), &ein_len)) != IKE_OK ||
	    (e = kvg_hex(g, "key_out_e", eout, sizeof(eout), &eout_len)) != IKE_OK ||
	    (e = kvg_hex(g, "key_in_a", ain, sizeof(ain), &ain_len)) != IKE_OK ||
	    (e = kvg_hex(g, "key_out_a", aout, sizeof(aout), &aout_len)) != IKE_OK)
		goto out;
	if ((e = esp_sa_init(&c->in, c->spi_in, c->encr, c->keybits, c->integ,
	    ein, ein_len, ain, ain_len, c->esn)) != IKE_OK ||
	    (e = esp_sa_init(&c->out, c->spi_out, c->encr, c->keybits, c->integ,
	    eout, eout_len, aout, aout_len, c->esn)) != IKE_OK) {
		snprintf(g->err, g->errlen, "%s: %s: the keys do not fit the "
		    "transforms (%s)", g->file, c->name, e == IKE_EUNSUPP ?
		    "combination not supported" : "wrong key length");
		e = IKE_EINVAL;
		goto out;
	}
	if (c->esn && o->window == 0) {
		snprintf(g->err, g->errlen, "%s: extended sequence numbers need "
		    "a replay window", g->file);
		e = IKE_EINVAL;
		goto out;
	}
	e = replay_init(&c->win, (uint32_t)o->window, c->esn);
out:
	wipe(ein, sizeof(ein));
	wipe(eout, sizeof(eout));
	wipe(ain, sizeof(ain));
	wipe(aout, sizeof(aout));
	return e;
}

/* child_read reads file (child.NAME.sa) of l's directory into a new child. */
static struct child *
child_read(struct tunnel *t, struct sd_lock *l, const char *file)
{
	static char	 vals[N_CHILD_KEYS][VAL_MAX];
	struct sd_kv	 kv[N_CHILD_KEYS];
	struct kvget	 g;
	struct child	*c;
	char		 path[SD_NAME_MAX + SD_FILE_MAX + 2], err[512];
	size_t		 i;
	enum ike_err	 e;

	for (i = 0; i < N_CHILD_KEYS; i++)
		kv[i] = (struct sd_kv){ child_keys[i], vals[i], VAL_MAX, 0 };
	snprintf(path, sizeof(path), "%s/%s", t->name, file);
	g = (struct kvget){ path, kv, N_CHILD_KEYS, err, sizeof(err) };
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((e = sd_read(l, file, kv, N_CHILD_KEYS)) != IKE_OK)
		snprintf(err, sizeof(err), "%s: %s", path, e == IKE_EIO ?
		    strerror(errno) : e == IKE_EUNSUPP ? "format version not "
		    "supported (only 1)" : "malformed");
	else
		e = child_parse(&g, &t->o, c);
	wipe(vals, sizeof(vals));
	if (e != IKE_OK) {
		log_warn("%s", err);
		child_free(c);
		return NULL;
	}
	return c;
}

/* is_child_file tells whether name is child.NAME.sa and, with only set,
 * names that Child SA. */
static bool
is_child_file(const char *name, const char *only)
{
	size_t	 n = strlen(name);

	if (n < 10 || strncmp(name, "child.", 6) != 0 ||
	    strcmp(name + n - 3, ".sa") != 0)
		return false;
	return only == NULL || (n - 9 == strlen(only) &&
	    strncmp(name + 6, only, n - 9) == 0);
}

/* children_scan reads every Child SA file of l's directory that t does not carry
 * yet, and marks those it still finds. False when a file is bad. */
bool
children_scan(struct tunnel *t, struct sd_lock *l)
{
	struct dirent	*d;
	struct child	*c, *old;
	DIR		*dir;
	uint32_t	 spi;
	int		 fd;
	bool		 ok = true;

	if ((fd = dup(l->dirfd)) < 0 || (dir = fdopendir(fd)) == NULL) {
		log_warn("%s: %s", t->name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	/* the dup shares l->dirfd's offset, which sd_sweep (the first
	 * sd_write under l) leaves at the end */
	rewinddir(dir);
	while ((d = readdir(dir)) != NULL) {
		if (!is_child_file(d->d_name, t->o.child))
			continue;
		if ((c = child_read(t, l, d->d_name)) == NULL) {
			ok = false;
			continue;
		}
		spi = c->spi_in;
		if ((old = child_by_spi(t, spi)) != NULL) {
			old->seen = true;	/* keep its window and counters */
			old->drain_ms = 0;
			child_free(c);
			continue;
		}
		if (t->n_child == CHILD_MAX) {
			log_warn("%s: more than %d Child SAs: %s left out",
			    t->name, CHILD_MAX, d->d_name);
			child_free(c);
			continue;
		}
		if (!stats_load(t, l, c)) {
			ok = false;
			child_free(c);
			continue;
		}
		c->seen = true;
		/* one that comes while we run waits for the peer's first packet
		 * on it (or for the SAs it replaces to go) before it sends:
		 * the peer may not have it yet (RFC 7296 2.8) */
		c->warm = !t->running || c->ready;
		c->gen = ++t->gen;
		t->child[t->n_child++] = c;
		log_debug("%s: Child SA %s: in 0x%08x out 0x%08x, %s", t->name,
		    c->name, c->spi_in, c->spi_out, c->encap ? "UDP" : "ESP");
	}
	closedir(dir);
	return ok;
}

bool
children_reload(struct tunnel *t)
{
	struct child	*c;
	struct sd_lock	 l;
	size_t		 i;
	bool		 ok;

	/* a writer holding the lock must not stall the data path: try, and
	 * try again on the next round */
	if (sd_lock_sa_timeout(&t->sd, t->name, false, 0, &l) != IKE_OK) {
		if (errno != EWOULDBLOCK)
			log_warn("%s: %s", t->name, strerror(errno));
		t->reload_pending = true;
		return false;
	}
	t->reload_pending = false;
	ike_follow(t, &l);		/* ike.sa may hold a new IKE SA */
	for (i = 0; i < t->n_child; i++)
		t->child[i]->seen = false;
	ok = children_scan(t, &l);
	sd_unlock(&l);
	for (i = 0; i < t->n_child; i++) {
		c = t->child[i];
		if (c->seen || c->drain_ms != 0)
			continue;
		/* its packets still on the way are taken a little longer;
		 * nothing more goes out on it */
		log_debug("%s: Child SA %s left the state directory", t->name,
		    c->name);
		c->drain_ms = t->now_ms + DRAIN_MS;
	}
	return ok;
}

size_t
children_drained(struct tunnel *t)
{
	size_t	 i, live = 0;

	for (i = 0; i < t->n_child;) {
		if (t->child[i]->drain_ms != 0 &&
		    t->now_ms >= t->child[i]->drain_ms) {
			child_forget(t, t->child[i]);
			continue;
		}
		live += t->child[i]->drain_ms == 0;
		i++;
	}
	return live;
}

/* endpoint reads ike.sa's "addr:port". */
static bool
endpoint(const struct tunnel *t, const char *key, const char *s, int *af,
    uint8_t *addr, uint16_t *port)
{
	bool	 has_port = false;

	if (!net_parse_hostport(s, af, addr, port, &has_port) || !has_port) {
		log_warn("%s/ike.sa: %s: \"%.64s\" is not ADDRESS:PORT", t->name,
		    key, s);
		return false;
	}
	return true;
}

/* carry takes the SA's .esp-tun lock for as long as we run: two esp-tun
 * on one SA would each reserve sequence numbers and then send the other's
 * again with the same key (a reused AES-GCM nonce). */
static bool
carry(struct tunnel *t, struct sd_lock *l)
{
	if ((t->carry_fd = sd_hold(l->dirfd, ".esp-tun", 0)) >= 0)
		return true;
	if (errno == EWOULDBLOCK)
		log_warn("%s: another esp-tun carries this SA", t->name);
	else
		log_warn("%s/.esp-tun: %s", t->name, strerror(errno));
	return false;
}

int
sa_load(struct tunnel *t)
{
	struct sd_lock	 l;
	char		 err[512];
	int		 af2 = 0;
	bool		 ok;

	if (sd_lock_sa(&t->sd, t->name, false, &l) != IKE_OK) {
		log_warn("%s: %s", t->name, errno == ENOENT ?
		    "no such SA in the state directory" : errno == EPERM ?
		    "its directory is not ours or group or others may write it "
		    "(chmod 700 it)" : strerror(errno));
		return EXIT_LOCAL;
	}
	if (!carry(t, &l)) {
		sd_unlock(&l);
		return EXIT_LOCAL;
	}
	ok = ike_sa_load(&l, &t->ike, &t->ikf, err, sizeof(err)) == IKE_OK;
	if (!ok)
		log_warn("%s", err);
	/* our answer to the peer's last request, for its retransmission */
	if (ok && last_resp_load(&l, &t->ike, t->cached, sizeof(t->cached),
	    &t->cached_len, &t->cached_msgid) == IKE_OK && t->cached_len > 0)
		t->cached_ispi = t->ike.ispi;
	ok = ok && endpoint(t, "local", t->ikf.local, &t->af, t->local, &t->lport) &&
	    endpoint(t, "remote", t->ikf.remote, &af2, t->remote, &t->rport);
	if (ok && af2 != t->af) {
		log_warn("%s/ike.sa: local and remote are not of one family",
		    t->name);
		ok = false;
	}
	ok = ok && children_scan(t, &l);
	sd_unlock(&l);
	if (ok && t->n_child == 0) {
		log_warn("%s: %s", t->name, t->o.child != NULL ?
		    "no such Child SA" : "no Child SA");
		ok = false;
	}
	return ok ? EXIT_OK : EXIT_FAIL;
}
