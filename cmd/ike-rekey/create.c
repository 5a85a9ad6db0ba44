/* SPDX-License-Identifier: ISC */
/* ike-rekey: a new Child SA by CREATE_CHILD_SA: the rekey of one
 * (RFC 7296 2.8), or one more (--add-child, 1.3.1). */
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
#include "io/net.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"
#include "rekey.h"

/* What ccsa_answer waits with. */
struct ccsa_wait {
	struct ike_sa	*sa;
	struct ccsa	*c;
};

static enum ike_err
ccsa_answer(void *arg, struct rd in)
{
	struct ccsa_wait	*w = arg;

	return waiting(ccsa_consume(w->sa, w->c, in));
}

/* offer is --esp, else the old Child SA's transforms. */
static void
offer(const struct job *j, struct sa_pld *esp)
{
	struct sa_prop	*p;

	if (j->o->esp != NULL) {
		(void)proposal_parse(esp, IKEV2_PROTO_ESP, j->o->esp, NULL, 0);
		return;
	}
	memset(esp, 0, sizeof(*esp));
	esp->n_props = 1;
	p = &esp->props[0];
	p->num = 1;
	p->proto = IKEV2_PROTO_ESP;
	(void)sa_prop_add_xform(p, IKEV2_XFORM_ENCR, j->old.encr, j->old.keybits);
	if (j->old.integ != IKEV2_AUTH_NONE)
		(void)sa_prop_add_xform(p, IKEV2_XFORM_INTEG, j->old.integ, 0);
	(void)sa_prop_add_xform(p, IKEV2_XFORM_ESN, j->old.esn ? 1 : 0, 0);
}

/* new_child_lines puts in b the file of the Child SA c that our request
 * made, named by its inbound SPI into name (n bytes): it lives as long as
 * the model Child SA j->old was to (RFC 4301 4.4.2.1), from now, with
 * soft limits of its own (life[0..2]: the hard ones), and keeps its
 * encapsulation; the peer answered, so it has the SA and esp-tun may send
 * on it at once. */
static void
new_child_lines(const struct job *j, const struct ccsa *c, char *name,
    size_t n, struct kvbuf *b)
{
	struct sa_where	 w;
	char		 la[64], ra[64];

	snprintf(name, n, "%08x", c->child.spi_in);
	net_format_hostport(j->af, j->local, 0, false, la, sizeof(la));
	net_format_hostport(j->af, j->remote, 0, false, ra, sizeof(ra));
	w = (struct sa_where){ j->name, name, NULL, NULL, la, ra, j->old.encap,
	    NULL, j->old.life };
	kv_init(b);
	child_record(b, &c->child, true, &w);
	kv_str(b, "ready", "yes");
}

/* ccsa_failed tidies up after our CREATE_CHILD_SA (journaled as p) ended
 * in e: refused, no Child SA was made and the journal goes; an answer we
 * cannot take may still have made the Child SA at the peer, which is then
 * deleted there. */
static void
ccsa_failed(struct job *j, enum ike_err e, struct pending *p)
{
	struct sd_lock		 l;
	enum pending_next	 next;
	bool			 gone;

	if (e == IKE_EREFUSED && job_lock(j, &l)) {
		(void)job_unjournal(j, &l);
		sd_unlock(&l);
	} else if ((e == IKE_EPROTO || e == IKE_ETS) && job_lock(j, &l)) {
		e = pending_after(&l, &j->sa, p, true, &next);
		sd_unlock(&l);
		if (e == IKE_OK && next == PENDING_AGAIN)
			(void)recover(j, &gone);
	}
}

/* save_new writes the new Child SA's file, then, under the same lock,
 * settles the rekey (child_rekey_settle): the Delete it owes, of the old
 * Child SA or, when the peer's rekey of it crossed ours and ours lost, of
 * the new one, journaled in the update of ike.sa that drops the
 * CREATE_CHILD_SA's journal and makes child= follow the one that stays. */
static int
save_new(struct job *j, struct ccsa *c, char *name, size_t n,
    struct settled *st)
{
	struct sd_lock	 l;
	struct kvbuf	 b;
	char		 file[SD_FILE_MAX];
	const uint8_t	*lo;
	size_t		 lo_len;
	enum ike_err	 e;

	if (!job_lock(j, &l))
		return EXIT_LOCAL;
	new_child_lines(j, c, name, n, &b);
	/* until the old one is gone: a run killed before its Delete leaves
	 * both, and the next run finishes the job (finish_rekeys); with our
	 * lower nonce, to settle a collision then (RFC 7296 2.8.1) */
	kv_str(&b, "rekey_of", j->old.name);
	collide_lower(c->ni, c->ni_len, c->nr, c->nr_len, &lo, &lo_len);
	kv_hex(&b, "rekey_nonce", lo, lo_len);
	snprintf(file, sizeof(file), "child.%s.sa", name);
	e = sd_write(&l, file, &b);
	kv_wipe(&b);
	/* the answer is in: the journal becomes the Delete owed (a run
	 * killed before this finds the Child SA's file, and settles then) */
	if (e == IKE_OK) {
		test_stop(j, "recorded");
		snprintf(file, sizeof(file), "ike.sa");
		e = child_rekey_settle(&l, &j->sa, name, &st->p, &st->v,
		    st->theirs, sizeof(st->theirs), st->del, sizeof(st->del));
	}
	sd_unlock(&l);
	if (e != IKE_OK) {
		log_warn("%s/%s: %s", j->name, file, e == IKE_EIO ?
		    strerror(errno) : ike_strerror(e));
		return EXIT_LOCAL;
	}
	return EXIT_OK;
}

/* ccsa_send journals under l (then unlocks it) and sends our
 * CREATE_CHILD_SA for a new Child SA with selectors lts, rts, rekeying
 * the one of rekey_spi (0: none), and waits for the answer into c. It
 * returns the exit status; *e is the exchange's result and p its journal
 * entry, for ccsa_failed. */
static int
ccsa_send(struct job *j, struct sd_lock *l, struct ccsa *c,
    uint32_t rekey_spi, const struct ts_pld *lts, const struct ts_pld *rts,
    struct pending *p, enum ike_err *e)
{
	struct sa_pld	 esp;
	struct ccsa_wait w8 = { &j->sa, c };
	uint8_t		 req[XCHG_OUT_MAX];
	struct wr	 w = wr_init(req, sizeof(req));
	int		 status = EXIT_OK;

	offer(j, &esp);
	*e = ccsa_create(&j->sa, c, &esp, j->o->pfs, rekey_spi, lts, rts, &w);
	if (*e != IKE_OK || !pending_set(p, PENDING_CHILD, c->msgid,
	    c->child.spi_in, req, w.len) || !journal(j, l, p)) {
		log_warn("%s: CREATE_CHILD_SA: %s", j->name, ike_strerror(*e));
		status = *e == IKE_OK ? EXIT_LOCAL : EXIT_FAIL;
	}
	sd_unlock(l);
	*e = IKE_OK;
	if (status == EXIT_OK)
		status = job_exit_of(j, "CREATE_CHILD_SA", *e = link_exchange(
		    &j->link, req, w.len, j->o->timeout * 1000, ccsa_answer, &w8));
	return status;
}

/* rekey makes the new Child SA (RFC 7296 2.8), records it, then deletes
 * the old one; or, when the peer's rekey of the same Child SA crossed ours
 * and ours is the redundant one (2.8.1), ours. */
int
rekey(struct job *j)
{
	struct sd_lock	 l;
	struct ccsa	 c;
	struct pending	 p;
	struct settled	 st;
	char		 name[16], file[SD_FILE_MAX];
	const char	*cw[] = { "", ",\"collision\":\"won\"",
			    ",\"collision\":\"lost\"" };
	int		 status;
	enum collide_verdict v;
	enum ike_err	 e = IKE_OK;

	memset(&c, 0, sizeof(c));
	memset(&st, 0, sizeof(st));
	if (!job_lock(j, &l))
		return EXIT_LOCAL;
	if ((status = load(j, &l, false)) != EXIT_OK)
		sd_unlock(&l);
	else
		status = ccsa_send(j, &l, &c, j->old.spi_in, &j->old.local_ts,
		    &j->old.remote_ts, &p, &e);
	/* recorded with the Delete it owes; the peer's rekey of the same
	 * Child SA crossing ours (RFC 7296 2.8.1), answered meanwhile, says
	 * which new SA stays */
	if (status == EXIT_OK)
		status = save_new(j, &c, name, sizeof(name), &st);
	v = status == EXIT_OK ? st.v : COLLIDE_NONE;
	if (v == COLLIDE_WON || v == COLLIDE_LOST)
		log_warn("%s: the peer rekeyed %s at the same time (%s): %s "
		    "stays, %s goes", j->name, j->old.name, st.theirs,
		    v == COLLIDE_WON ? name : st.theirs,
		    v == COLLIDE_WON ? st.theirs : name);
	/* the peer's Delete of it crossed our rekey (RFC 7296 2.25.1):
	 * esp-tun answered it, and the peer refuses the rekey */
	if (status != EXIT_OK && job_lock(j, &l)) {
		snprintf(file, sizeof(file), "child.%s.sa", j->old.name);
		if (faccessat(l.dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
			log_warn("%s: %s: deleted by the peer meanwhile",
			    j->name, j->old.name);
		sd_unlock(&l);
	}
	if (status != EXIT_OK)
		ccsa_failed(j, e, &p);
	/* the Child SA that stays; its SPIs when it is ours */
	if (status == EXIT_OK && j->o->json && v == COLLIDE_LOST)
		printf("{\"event\":\"rekeyed\",\"name\":\"%s\",\"old\":\"%s\","
		    "\"child\":\"%s\",\"redundant\":\"%s\"%s}\n", j->name,
		    j->old.name, st.theirs, name, cw[2]);
	else if (status == EXIT_OK && j->o->json)
		printf("{\"event\":\"rekeyed\",\"name\":\"%s\",\"old\":\"%s\","
		    "\"child\":\"%s\",\"spi_in\":\"0x%08x\",\"spi_out\":"
		    "\"0x%08x\"%s}\n", j->name, j->old.name, name,
		    c.child.spi_in, c.child.spi_out, cw[v == COLLIDE_WON]);
	else if (status == EXIT_OK)
		printf("%s\n", v == COLLIDE_LOST ? st.theirs : name);
	fflush(stdout);
	ccsa_wipe(&c);
	if (status != EXIT_OK)
		return status;
	/* the new SA is in use: the old one goes (RFC 7296 2.8); ours lost,
	 * ours goes, and the peer, whose SA stays, deletes the old one; the
	 * peer deleted the old one already: nothing owed */
	return st.p.what == PENDING_DELETE ? owed_delete(j, &st) : EXIT_OK;
}

/* load_model reads the SA under l and, into j->old, the Child SA whose
 * transforms, encapsulation and lifetimes a new one takes: --child, else
 * ike.sa's child=, else the only one. */
int
load_model(struct job *j, struct sd_lock *l)
{
	int	 status;

	if ((status = load(j, l, false)) != EXIT_OK)
		return status;
	if (j->o->child == NULL && j->f.child[0] != '\0' &&
	    child_file_read(l, j->f.child, &j->old))
		return EXIT_OK;
	return load(j, l, true);
}

/* save_added records the new Child SA (c) as its own file, named by its
 * inbound SPI into name, and drops the journal, in one hold of the lock. */
static int
save_added(struct job *j, const struct ccsa *c, char *name, size_t n)
{
	struct sd_lock	 l;
	struct kvbuf	 b;
	char		 file[SD_FILE_MAX];
	enum ike_err	 e;

	if (!job_lock(j, &l))
		return EXIT_LOCAL;
	new_child_lines(j, c, name, n, &b);
	snprintf(file, sizeof(file), "child.%s.sa", name);
	e = sd_write(&l, file, &b);
	kv_wipe(&b);
	if (e != IKE_OK)
		log_warn("%s/%s: %s", j->name, file, strerror(errno));
	else if (!job_unjournal(j, &l))
		e = IKE_EIO;
	sd_unlock(&l);
	return e == IKE_OK ? EXIT_OK : EXIT_LOCAL;
}

/* add_child makes one more Child SA on the IKE SA (RFC 7296 1.3.1), with
 * --add-child's selectors and the model Child SA's transforms (or --esp),
 * and records it beside the others. */
int
add_child(struct job *j)
{
	struct sd_lock	 l;
	struct ccsa	 c;
	struct pending	 p;
	char		 name[16];
	int		 status;
	enum ike_err	 e;

	memset(&c, 0, sizeof(c));
	if (!job_lock(j, &l))
		return EXIT_LOCAL;
	status = ccsa_send(j, &l, &c, 0, &j->o->add_l, &j->o->add_r, &p, &e);
	if (status == EXIT_OK)
		status = save_added(j, &c, name, sizeof(name));
	else
		ccsa_failed(j, e, &p);
	if (status == EXIT_OK && j->o->json)
		printf("{\"event\":\"added\",\"name\":\"%s\",\"child\":\"%s\","
		    "\"spi_in\":\"0x%08x\",\"spi_out\":\"0x%08x\"}\n", j->name,
		    name, c.child.spi_in, c.child.spi_out);
	else if (status == EXIT_OK)
		printf("%s\n", name);
	fflush(stdout);
	ccsa_wipe(&c);
	return status;
}
