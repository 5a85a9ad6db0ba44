/* SPDX-License-Identifier: ISC */
/* The established SAs ike-respond takes from the state directory instead of making them: at its start, those an earlier run left (so a restart leaves no peer unanswered), and an SA whose IKE SA an esp-tun rekeyed while it carried it, once the peer's requests come with the new SPIs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "crypto/secret.h"
#include "exchange/record.h"
#include "io/net.h"
#include "respond.h"

enum {
	FIND_PER_SEC	= 10,	/* state dir lookups for unknown SPIs */
	FIND_READS_MAX	= 8,	/* SAs of the sender's address read in one */
};

/* ours tells whether "addr:port" local is our address and one of our
 * ports; *sock which. */
static bool
ours(const struct srv *s, const char *local, int *sock)
{
	uint8_t		 a[16];
	uint16_t	 port = 0;
	bool		 has_port;
	int		 af;

	memset(a, 0, sizeof(a));
	if (!net_parse_hostport(local, &af, a, &port, &has_port) ||
	    af != s->af || !ct_eq(a, s->local, sizeof(a)))
		return false;
	*sock = port == s->lport[1];
	return port == s->lport[0] || port == s->lport[1];
}

/* load reads SA name's ike.sa into sl (its IKE SA, peer, socket, last
 * answer; the Child SAs come from load_children). false, said why at -v,
 * when that is not an established IKE SA of a responder on our address:
 * ike-initiate's, or another ike-respond's, are not ours to answer. */
static bool
load(struct srv *s, const char *name, struct slot *sl)
{
	static uint8_t		 last[XCHG_OUT_MAX];
	static struct ike_sa	 sa;
	struct ike_sa_file	 f;
	struct sd_lock		 l;
	char			 err[256] = "";
	size_t			 len = 0;
	uint32_t		 msgid;
	int			 af, sock = 0;
	bool			 has_port, ok;

	if (sd_lock_sa(&s->sd, name, false, &l) != IKE_OK) {
		log_debug("%s: not taken: %s", name, strerror(errno));
		return false;
	}
	ok = ike_sa_load(&l, &sa, &f, err, sizeof(err)) == IKE_OK;
	memset(sl->peer, 0, sizeof(sl->peer));
	if (ok && (sa.role != ROLE_RESPONDER || !ours(s, f.local, &sock) ||
	    !net_parse_hostport(f.remote, &af, sl->peer, &sl->pport,
	    &has_port) || af != s->af || !has_port)) {
		snprintf(err, sizeof(err), "%s/ike.sa: not a responder's IKE SA "
		    "on %s", name, s->o.local);
		ok = false;
	}
	if (ok && (last_resp_load(&l, &sa, last, sizeof(last), &len,
	    &msgid) != IKE_OK || !slot_keep(sl, last, len)))
		sl->last_len = 0;	/* a retransmission is then dropped */
	sd_unlock(&l);
	wipe(last, len);
	if (!ok) {
		log_debug("%s: not taken: %s", name, err);
		ike_sa_wipe(&sa);
		return false;
	}
	sa.nat_remote = f.nat;		/* so that ike.sa says it again */
	sa.vip = sl->sa.vip;		/* the lease stays the slot's */
	ike_sa_wipe(&sl->sa);
	sl->sa = sa;
	wipe(&sa, sizeof(sa));
	sl->sock = sock;
	sl->saved = true;
	snprintf(sl->name, sizeof(sl->name), "%s", name);
	snprintf(sl->child_name, sizeof(sl->child_name), "%s", f.child);
	return true;
}

/* kids_read reads sl's Child SAs, and names in sl->sa.child the one
 * ike.sa's child= names (for the events). */
static void
kids_read(struct srv *s, struct slot *sl)
{
	size_t	 i;

	load_children(s, sl);
	for (i = 0; i < sl->n_kids; i++) {
		char	 hex[9];

		snprintf(hex, sizeof(hex), "%08x", sl->kids[i].spi_in);
		if (strcmp(hex, sl->child_name) == 0) {
			sl->sa.child.spi_in = sl->kids[i].spi_in;
			sl->sa.child.spi_out = sl->kids[i].spi_out;
		}
	}
}

/* lease_see gives sl the address leases_load found in its files, for
 * the selectors of its Child SAs; the lease stays held for the files
 * (leases_check gives it back when they go), as before the restart. */
static void
lease_see(struct srv *s, struct slot *sl)
{
	size_t	 i;

	for (i = 0; i < s->n_old; i++)
		if (strcmp(s->old[i].name, sl->name) == 0) {
			sl->sa.vip = s->old[i].vip;
			sl->lease_kept = true;
			return;
		}
}

/* take_one is sd_list's callback for adopt_all: arg counts. */
static int
take_one(const char *name, void *arg)
{
	struct srv	*s = ((void **)arg)[0];
	size_t		*n = ((void **)arg)[1];
	struct slot	*sl;

	if ((sl = table_new(&s->tab)) == NULL) {
		log_warn("%s: not taken: --max-sas reached, or out of memory",
		    name);
		return 1;
	}
	if (!load(s, name, sl) || table_find(&s->tab, sl->sa.ispi,
	    sl->sa.rspi) != NULL) {
		table_remove(&s->tab, sl);
		return 0;
	}
	sl->born_ms = net_now_ms();
	kids_read(s, sl);
	lease_see(s, sl);
	table_link(&s->tab, sl);
	event(s, sl, "resumed", NULL);
	(*n)++;
	return 0;
}

void
adopt_all(struct srv *s)
{
	size_t	 n = 0;
	void	*arg[2] = { s, &n };

	if (sd_list(&s->sd, take_one, arg) != IKE_OK)
		log_warn("%s: SAs not read: %s", s->dir, strerror(errno));
	if (n > 0)
		log_warn("%zu SAs taken back from %s", n, s->dir);
	fflush(stdout);			/* their events, before the loop */
}

/* budget_ok tells whether one more lookup fits this second's budget. */
static bool
budget_ok(void)
{
	static int64_t	 since;
	static int	 n;
	int64_t		 now = net_now_ms();

	if (now - since >= 1000) {
		since = now;
		n = 0;
	}
	return n++ < FIND_PER_SEC;
}

/* spis_are reads ispi= and rspi= of name's ike.sa and tells whether they
 * are these: two lines of the file, where load reads it all, because most
 * of the SAs read here are not the one looked for. */
static bool
spis_are(struct srv *s, const char *name, uint64_t ispi, uint64_t rspi)
{
	char		 v[2][20], want[2][20];
	struct sd_kv	 kv[2] = { { "ispi", v[0], sizeof(v[0]), 0 },
			    { "rspi", v[1], sizeof(v[1]), 0 } };
	struct sd_lock	 l;
	bool		 same;

	if (sd_lock_sa(&s->sd, name, false, &l) != IKE_OK)
		return false;
	same = sd_read(&l, "ike.sa", kv, 2) == IKE_OK && kv[0].line != 0 &&
	    kv[1].line != 0;
	sd_unlock(&l);
	snprintf(want[0], sizeof(want[0]), "%016llx", (unsigned long long)ispi);
	snprintf(want[1], sizeof(want[1]), "%016llx", (unsigned long long)rspi);
	return same && strcasecmp(v[0], want[0]) == 0 &&
	    strcasecmp(v[1], want[1]) == 0;
}

struct slot *
adopt_rekeyed(struct srv *s, const uint8_t *peer, uint64_t ispi,
    uint64_t rspi)
{
	struct slot	*sl, *found = NULL;
	uint64_t	 old_ispi, old_rspi;
	struct ev	 x = { NULL, NULL, true, 0, 0, NULL };
	int		 reads = 0;

	if (!budget_ok())
		return NULL;
	for (sl = table_first(&s->tab); sl != NULL && found == NULL &&
	    reads < FIND_READS_MAX; sl = table_next(&s->tab, sl)) {
		if (!sl->saved || sl->rekeyed || sl->sa.state != SA_ESTABLISHED ||
		    !ct_eq(sl->peer, peer, sizeof(sl->peer)))
			continue;
		reads++;
		if (spis_are(s, sl->name, ispi, rspi))
			found = sl;
	}
	if (found == NULL)
		return NULL;
	sl = found;
	old_ispi = sl->sa.ispi;
	old_rspi = sl->sa.rspi;
	table_unlink(&s->tab, sl);
	if (!load(s, sl->name, sl) || sl->sa.ispi != ispi ||
	    sl->sa.rspi != rspi) {
		free_slot(s, sl);	/* the old SPIs are gone for the peer */
		return NULL;
	}
	kids_read(s, sl);
	table_link(&s->tab, sl);
	x.old_ispi = old_ispi;
	x.old_rspi = old_rspi;
	event_x(s, sl, "resumed", &x);
	return sl;
}
