/* SPDX-License-Identifier: ISC */
/* ike-rekey: rekey a Child SA (CREATE_CHILD_SA), or delete a Child SA or the IKE SA, of an SA in the state directory. */
#include <sys/stat.h>

#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "crypto/secret.h"
#include "exchange/collide.h"
#include "exchange/record.h"
#include "exchange/rekey_journal.h"
#include "io/net.h"
#include "names/ikev2.h"
#include "names/names.h"
#include "proposal/proposal.h"
#include "rekey.h"

enum {
	OPT_ADD_CHILD = 254,
	OPT_AUTO = 255,
	OPT_CHILD = 256,
	OPT_DELETE,
	OPT_ESP,
	OPT_IKE,
	OPT_JSON,
	OPT_MOVE_TO,
	OPT_PFS,
	OPT_TIMEOUT,
	LOCK_MS = 5000,
};

struct opts {
	const char	*statedir, *child, *esp;
	const char	*pfs_arg;	/* --pfs as given, for --auto */
	const char	*move_to;	/* --move-to ADDR (move.c) */
	const char	*add;		/* --add-child LOCAL=REMOTE */
	struct ts_pld	 add_l, add_r;	/* its selectors */
	uint16_t	 pfs;
	int		 timeout, verbose;
	bool		 del, ike, json, autom;
};

/* One SA being worked on. */
struct job {
	const struct opts *o;
	struct sd	*sd;
	char		 dir[4096];	/* the state directory */
	char		 name[SD_NAME_MAX + 1];
	struct ike_sa	 sa;
	struct ike_sa_file f;
	struct child_file old;
	int		 af;
	uint8_t		 local[16], remote[16];
	uint16_t	 lport, rport;
	struct link	 link;
	int		 serial;	/* .ike-rekey, locked while we run */
};

static const char synopsis[] =
    "usage: ike-rekey [-hv] [--child name] [--esp proposals] [--json]\n"
    "                 [--pfs group] [-S dir] [--timeout secs] name | -\n"
    "       ike-rekey --ike [-hv] [--json] [-S dir] [--timeout secs] name | -\n"
    "       ike-rekey --delete [-hv] [--child name | --ike] [--json] [-S dir]\n"
    "                 [--timeout secs] name | -\n"
    "       ike-rekey --auto [-hv] [--esp proposals] [--json] [--pfs group]\n"
    "                 [-S dir] [--timeout secs] name\n"
    "       ike-rekey --move-to addr [-hv] [--json] [-S dir] [--timeout secs]\n"
    "                 name | -\n"
    "       ike-rekey --add-child local=remote [-hv] [--child name]\n"
    "                 [--esp proposals] [--json] [--pfs group] [-S dir]\n"
    "                 [--timeout secs] name | -\n";

static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fputs(synopsis, f);
	exit(status);
}

static void __attribute__((noreturn))
usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", log_progname());
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage(stderr, EXIT_USAGE);
}

/* pfs_group reads a group keyword of the proposal syntax (x25519,
 * ecp256, modp2048, ...). */
static uint16_t
pfs_group(const char *s)
{
	struct sa_pld	 p;
	char		 buf[64];

	if (strlen(s) > 40 || strchr(s, '-') != NULL)
		return 0;
	snprintf(buf, sizeof(buf), "aes128-sha256-%s", s);
	if (proposal_parse(&p, IKEV2_PROTO_IKE, buf, NULL, 0) != IKE_OK ||
	    p.n_props != 1)
		return 0;
	return proposal_dh_group(&p.props[0]);
}

/* add_ts reads --add-child's LOCAL=REMOTE selectors (ike-initiate's --ts:
 * lists of ADDR/PREFIX, ADDR or ADDR-ADDR) into o, or exits 2. */
static void
add_ts(struct opts *o, const char *arg)
{
	char	 l[512], err[256], *eq;

	if (strlen(arg) >= sizeof(l) || (eq = strchr(arg, '=')) == NULL)
		usage_err("--add-child: \"%s\": not LOCAL=REMOTE", arg);
	snprintf(l, sizeof(l), "%.*s", (int)(eq - arg), arg);
	if (ts_parse_list(&o->add_l, l, err, sizeof(err)) != IKE_OK ||
	    ts_parse_list(&o->add_r, eq + 1, err, sizeof(err)) != IKE_OK)
		usage_err("--add-child: %s", err);
	o->add = arg;
}

static int
parse_opts(struct opts *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "add-child",	required_argument,	NULL, OPT_ADD_CHILD },
		{ "auto",	no_argument,		NULL, OPT_AUTO },
		{ "child",	required_argument,	NULL, OPT_CHILD },
		{ "delete",	no_argument,		NULL, OPT_DELETE },
		{ "esp",	required_argument,	NULL, OPT_ESP },
		{ "help",	no_argument,		NULL, 'h' },
		{ "ike",	no_argument,		NULL, OPT_IKE },
		{ "json",	no_argument,		NULL, OPT_JSON },
		{ "move-to",	required_argument,	NULL, OPT_MOVE_TO },
		{ "pfs",	required_argument,	NULL, OPT_PFS },
		{ "state-dir",	required_argument,	NULL, 'S' },
		{ "timeout",	required_argument,	NULL, OPT_TIMEOUT },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ NULL,		0,			NULL, 0 },
	};
	struct sa_pld	 p;
	char		 err[256], *end;
	long		 v;
	int		 c, verbose = 0;

	memset(o, 0, sizeof(*o));
	o->timeout = 10;
	while ((c = getopt_long(argc, argv, "hS:v", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ADD_CHILD:
			add_ts(o, optarg);
			break;
		case OPT_AUTO:		o->autom = true; break;
		case OPT_CHILD:
			if (!sd_name_ok(optarg))
				usage_err("--child: \"%s\" is not a Child SA name",
				    optarg);
			o->child = optarg;
			break;
		case OPT_DELETE:	o->del = true; break;
		case OPT_ESP:
			if (proposal_parse(&p, IKEV2_PROTO_ESP, optarg, err,
			    sizeof(err)) != IKE_OK)
				usage_err("--esp: %s", err);
			o->esp = optarg;
			break;
		case 'h':
			usage(stdout, EXIT_OK);
		case OPT_IKE:		o->ike = true; break;
		case OPT_JSON:		o->json = true; break;
		case OPT_MOVE_TO:
			if (inet_pton(AF_INET, optarg, &(struct in6_addr){ 0 })
			    != 1 && inet_pton(AF_INET6, optarg,
			    &(struct in6_addr){ 0 }) != 1)
				usage_err("--move-to: \"%s\" is not an IPv4 or "
				    "IPv6 address", optarg);
			o->move_to = optarg;
			break;
		case OPT_PFS:
			if ((o->pfs = pfs_group(optarg)) == 0)
				usage_err("--pfs: \"%s\" is not a key exchange "
				    "group (x25519, ecp256, modp2048, ...)", optarg);
			o->pfs_arg = optarg;
			break;
		case 'S':		o->statedir = optarg; break;
		case OPT_TIMEOUT:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    v < 1 || v > 3600)
				usage_err("--timeout: \"%s\" is not a number of "
				    "seconds from 1 to 3600", optarg);
			o->timeout = (int)v;
			break;
		case 'v':		verbose++; break;
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	log_set_verbose(verbose);
	o->verbose = verbose;
	if (o->autom && (o->del || o->ike || o->child != NULL))
		usage_err("--auto takes no --delete, --ike or --child (it "
		    "follows the SA's current Child SA)%s", "");
	if (o->autom && optind == argc - 1 && strcmp(argv[optind], "-") == 0)
		usage_err("--auto: one SA name, not -%s", "");
	if (o->ike && !o->del && (o->esp != NULL || o->pfs != 0))
		usage_err("--ike takes no --esp or --pfs (the IKE SA keeps its "
		    "transforms and group)%s", "");
	if (o->ike && o->child != NULL)
		usage_err("--ike and --child: one or the other%s", "");
	if (o->move_to != NULL && (o->autom || o->del || o->ike ||
	    o->child != NULL || o->esp != NULL || o->pfs != 0))
		usage_err("--move-to takes no --auto, --delete, --ike, --child, "
		    "--esp or --pfs (it moves the IKE SA with all it carries)%s",
		    "");
	if (o->del && (o->esp != NULL || o->pfs != 0))
		usage_err("--delete takes no --esp or --pfs%s", "");
	if (o->add != NULL && (o->autom || o->del || o->ike ||
	    o->move_to != NULL))
		usage_err("--add-child takes no --auto, --delete, --ike or "
		    "--move-to%s", "");
	if (optind != argc - 1)
		usage_err("%s", optind == argc ? "an SA name (or -) is needed" :
		    "one SA name (or -)");
	return optind;
}

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
static int
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
static bool
journal(struct job *j, struct sd_lock *l, const struct pending *p)
{
	if (pending_save(l, p) != IKE_OK) {
		log_warn("%s/ike.sa: %s", j->name, strerror(errno));
		return false;
	}
	return true;
}

/* unjournal drops the journal of the SA: the answer is in. */
static bool
unjournal(struct job *j, struct sd_lock *l)
{
	struct kvbuf	 b;

	kv_init(&b);
	if (sd_update(l, "ike.sa", &b, pending_keys) != IKE_OK) {
		log_warn("%s/ike.sa: %s", j->name, strerror(errno));
		return false;
	}
	return true;
}

/* exit_of maps the result of an exchange to an exit status, saying why. */
static int
exit_of(const struct job *j, const char *exch, enum ike_err e)
{
	const char	*n;

	switch (e) {
	case IKE_OK:
		return EXIT_OK;
	case IKE_ETIMEOUT:
		log_warn("%s: %s: no answer within %d s", j->name, exch,
		    j->o->timeout);
		return EXIT_TIMEOUT;
	case IKE_EREFUSED:
		n = ikev2_notify_name(j->sa.peer_notify);
		if (n != NULL)
			log_warn("%s: %s: peer sent %s", j->name, exch, n);
		else
			log_warn("%s: %s: peer sent Notify %u", j->name, exch,
			    j->sa.peer_notify);
		return EXIT_REFUSED;
	case IKE_EIO:
		log_warn("%s: %s: %s", j->name, exch, strerror(errno));
		return EXIT_LOCAL;
	case IKE_EPROTO:
	case IKE_ETS:
		log_warn("%s: %s: %s", j->name, exch, e == IKE_ETS ?
		    "the peer widened the traffic selectors" :
		    "the peer's answer breaks the protocol");
		return EXIT_FAIL;
	default:
		log_warn("%s: %s: %s", j->name, exch, ike_strerror(e));
		return EXIT_FAIL;
	}
}

struct ccsa_wait {
	struct ike_sa	*sa;
	struct ccsa	*c;
};

/* waiting maps an answer that does not decrypt to "keep waiting": it may
 * be forged or damaged, and the real one may still come. */
static enum ike_err
waiting(enum ike_err e)
{
	if (e != IKE_EINTEG)
		return e;
	log_debug("an answer that does not decrypt: dropped");
	return IKE_ESYNTAX;
}

static enum ike_err
ccsa_answer(void *arg, struct rd in)
{
	struct ccsa_wait	*w = arg;

	return waiting(ccsa_consume(w->sa, w->c, in));
}

static enum ike_err
info_answer(void *arg, struct rd in)
{
	return waiting(info_consume(arg, in));
}

struct pending_wait {
	struct ike_sa		*sa;
	const struct pending	*p;
	bool			 made;
};

static enum ike_err
pending_answer(void *arg, struct rd in)
{
	struct pending_wait	*w = arg;

	return waiting(pending_consume(w->sa, w->p, in, &w->made));
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

/* lock_sa takes the SA's lock (at most LOCK_MS); false (logged) if not. */
static bool
lock_sa(struct job *j, struct sd_lock *l)
{
	if (sd_lock_sa_timeout(j->sd, j->name, false, LOCK_MS, l) == IKE_OK)
		return true;
	log_warn("%s: %s", j->name, errno == ENOENT ?
	    "no such SA in the state directory" : errno == EWOULDBLOCK ?
	    "its lock is held (another program is working on it)" :
	    strerror(errno));
	return false;
}

static void	 deleted(const struct job *, const char *);
static int	 recover(struct job *, bool *);

/* What our rekey of a Child SA came to (child_rekey_settle). */
struct settled {
	struct pending	 p;		/* the Delete owed, or PENDING_NONE */
	enum collide_verdict v;
	char		 theirs[SD_NAME_MAX + 1];	/* the peer's new SA */
	char		 del[SD_NAME_MAX + 1];		/* the one to delete */
};

/* test_stop stops the process where a test wants to kill it (-v and
 * IKEKIT_TEST_STOP=at only: tests/interop/collide-strongswan.bats). */
static void
test_stop(const struct job *j, const char *at)
{
	const char	*s;

	if (j->o->verbose > 0 && (s = getenv("IKEKIT_TEST_STOP")) != NULL &&
	    strcmp(s, at) == 0) {
		log_debug("IKEKIT_TEST_STOP=%s: stopped", at);
		(void)raise(SIGSTOP);
	}
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

	if (e == IKE_EREFUSED && lock_sa(j, &l)) {
		(void)unjournal(j, &l);
		sd_unlock(&l);
	} else if ((e == IKE_EPROTO || e == IKE_ETS) && lock_sa(j, &l)) {
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

	if (!lock_sa(j, &l))
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

/* owed_delete sends the Delete that settling our rekey journaled (st)
 * and, answered, forgets that Child SA (pending_after); unanswered, it
 * forgets it too, as delete_child does, and the journal stays for the
 * next run to send again. */
static int
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
	status = exit_of(j, "INFORMATIONAL", e);
	if (!lock_sa(j, &l))
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
static void
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
static int
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

	if (!lock_sa(j, &l))
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
	status = exit_of(j, "INFORMATIONAL", e);
	if (!lock_sa(j, &l))
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

static int
delete_ike(struct job *j)
{
	struct sd_lock	 l;
	struct pending	 p;
	uint8_t		 req[XCHG_OUT_MAX];
	struct wr	 w = wr_init(req, sizeof(req));
	int		 status;

	if (!lock_sa(j, &l))
		return EXIT_LOCAL;
	if ((status = load(j, &l, false)) == EXIT_OK &&
	    (info_create_delete(&j->sa, true, NULL, 0, &w) != IKE_OK ||
	    !pending_set(&p, PENDING_DELETE_IKE, *ike_sa_own_msgid(&j->sa), 0,
	    req, w.len) || !journal(j, &l, &p)))
		status = EXIT_LOCAL;
	sd_unlock(&l);
	if (status != EXIT_OK)
		return status;
	status = exit_of(j, "INFORMATIONAL", link_exchange(&j->link, req,
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

/* recover finishes the exchange that a run killed with a request out left
 * in the journal (record.h), before we send one of our own: the same
 * request again, then what its answer asks for (the Delete of a Child SA
 * that the peer made and nobody here can use), until the journal is
 * empty. *gone: the request was the Delete of the IKE SA, now removed. */
static int
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
		if (!lock_sa(j, &l))
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
			status = unjournal(j, &l) ? EXIT_OK : EXIT_LOCAL;
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
			return exit_of(j, what, e);	/* the journal stays */
		if (!lock_sa(j, &l))
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

/* rekey makes the new Child SA (RFC 7296 2.8), records it, then deletes
 * the old one; or, when the peer's rekey of the same Child SA crossed ours
 * and ours is the redundant one (2.8.1), ours. */
static int
rekey(struct job *j)
{
	struct sd_lock	 l;
	struct sa_pld	 esp;
	struct ccsa	 c;
	struct ccsa_wait w8 = { &j->sa, &c };
	struct pending	 p;
	struct settled	 st;
	uint8_t		 req[XCHG_OUT_MAX];
	struct wr	 w = wr_init(req, sizeof(req));
	char		 name[16], file[SD_FILE_MAX];
	const char	*cw[] = { "", ",\"collision\":\"won\"",
			    ",\"collision\":\"lost\"" };
	int		 status;
	enum collide_verdict v;
	enum ike_err	 e;

	memset(&c, 0, sizeof(c));
	memset(&st, 0, sizeof(st));
	if (!lock_sa(j, &l))
		return EXIT_LOCAL;
	if ((status = load(j, &l, false)) == EXIT_OK) {
		offer(j, &esp);
		e = ccsa_create(&j->sa, &c, &esp, j->o->pfs, j->old.spi_in,
		    &j->old.local_ts, &j->old.remote_ts, &w);
		if (e != IKE_OK || !pending_set(&p, PENDING_CHILD, c.msgid,
		    c.child.spi_in, req, w.len) || !journal(j, &l, &p)) {
			log_warn("%s: CREATE_CHILD_SA: %s", j->name,
			    ike_strerror(e));
			status = e == IKE_OK ? EXIT_LOCAL : EXIT_FAIL;
		}
	}
	sd_unlock(&l);
	e = IKE_OK;
	if (status == EXIT_OK)
		status = exit_of(j, "CREATE_CHILD_SA", e = link_exchange(
		    &j->link, req, w.len, j->o->timeout * 1000, ccsa_answer, &w8));
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
	if (status != EXIT_OK && lock_sa(j, &l)) {
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
static int
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

	if (!lock_sa(j, &l))
		return EXIT_LOCAL;
	new_child_lines(j, c, name, n, &b);
	snprintf(file, sizeof(file), "child.%s.sa", name);
	e = sd_write(&l, file, &b);
	kv_wipe(&b);
	if (e != IKE_OK)
		log_warn("%s/%s: %s", j->name, file, strerror(errno));
	else if (!unjournal(j, &l))
		e = IKE_EIO;
	sd_unlock(&l);
	return e == IKE_OK ? EXIT_OK : EXIT_LOCAL;
}

/* add_child makes one more Child SA on the IKE SA (RFC 7296 1.3.1), with
 * --add-child's selectors and the model Child SA's transforms (or --esp),
 * and records it beside the others. */
static int
add_child(struct job *j)
{
	struct sd_lock	 l;
	struct sa_pld	 esp;
	struct ccsa	 c;
	struct ccsa_wait w8 = { &j->sa, &c };
	struct pending	 p;
	uint8_t		 req[XCHG_OUT_MAX];
	struct wr	 w = wr_init(req, sizeof(req));
	char		 name[16];
	int		 status = EXIT_OK;
	enum ike_err	 e;

	memset(&c, 0, sizeof(c));
	if (!lock_sa(j, &l))
		return EXIT_LOCAL;
	offer(j, &esp);
	e = ccsa_create(&j->sa, &c, &esp, j->o->pfs, 0, &j->o->add_l,
	    &j->o->add_r, &w);
	if (e != IKE_OK || !pending_set(&p, PENDING_CHILD, c.msgid,
	    c.child.spi_in, req, w.len) || !journal(j, &l, &p)) {
		log_warn("%s: CREATE_CHILD_SA: %s", j->name, ike_strerror(e));
		status = e == IKE_OK ? EXIT_LOCAL : EXIT_FAIL;
	}
	sd_unlock(&l);
	e = IKE_OK;
	if (status == EXIT_OK)
		status = exit_of(j, "CREATE_CHILD_SA", e = link_exchange(
		    &j->link, req, w.len, j->o->timeout * 1000, ccsa_answer, &w8));
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

enum { OLDS_MAX = 8 };

/* rekeyed_olds finds the Child SAs of l that a rekey replaced but whose
 * Delete a killed run did not finish: olds[i] named by the rekey_of= of
 * news[i], both still there. Returns how many (at most OLDS_MAX). */
static size_t
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
static int
finish_rekey(struct job *j, const char *old, const char *new)
{
	struct sd_lock	 l;
	struct child_file c;
	struct kvbuf	 b;
	bool		 ok;

	log_debug("%s: finishing the rekey of %s by %s", j->name, old, new);
	if (!lock_sa(j, &l))
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
static bool
journaled(struct sd_lock *l)
{
	char		 val[32];
	struct sd_kv	 kv = { "pending_what", val, sizeof(val), 0 };

	return sd_read(l, "ike.sa", &kv, 1) == IKE_OK && kv.line != 0;
}

/* one_at_a_time takes the SA's .ike-rekey lock for the whole run: two
 * ike-rekey would each take the other's answers (one .ike.sock) and each
 * expect the same message ID window of one request (RFC 7296 2.3); esp-tun
 * takes it too while its own request is out. It waits without the SA's
 * lock, which the one at work needs. */
static bool
one_at_a_time(struct job *j)
{
	int	 dirfd;

	if ((dirfd = openat(j->sd->fd, j->name, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | O_NOFOLLOW)) < 0) {
		log_warn("%s: %s", j->name, errno == ENOENT ?
		    "no such SA in the state directory" : strerror(errno));
		return false;
	}
	j->serial = sd_hold(dirfd, ".ike-rekey", LOCK_MS);
	close(dirfd);
	if (j->serial >= 0)
		return true;
	if (errno == EWOULDBLOCK)
		log_warn("%s: another program has a request out on it "
		    "(ike-rekey, or esp-tun's liveness check)", j->name);
	else
		log_warn("%s/.ike-rekey: %s", j->name, strerror(errno));
	return false;
}

static int
run(const struct opts *o, struct sd *sd, const char *dir, const char *name)
{
	struct job	 j;
	struct answerer	 an;
	struct sd_lock	 l;
	char		 path[4200];
	char		 olds[OLDS_MAX][SD_NAME_MAX + 1];
	char		 news[OLDS_MAX][SD_NAME_MAX + 1];
	size_t		 i, n = 0;
	int		 status;
	bool		 gone = false;

	if (o->move_to != NULL)
		return move_run(sd, dir, name, o->move_to, o->timeout, o->json);
	memset(&j, 0, sizeof(j));
	j.serial = -1;
	j.o = o;
	j.sd = sd;
	snprintf(j.dir, sizeof(j.dir), "%s", dir);
	snprintf(j.name, sizeof(j.name), "%s", name);
	if (!one_at_a_time(&j) || !lock_sa(&j, &l)) {
		if (j.serial >= 0)
			close(j.serial);
		return EXIT_LOCAL;
	}
	status = load(&j, &l, false);
	/* the Child SA's file checked before any socket, unless a killed
	 * rekey left two that the run settles first */
	if (status == EXIT_OK && !o->ike && !journaled(&l) &&
	    (o->del || rekeyed_olds(&l, olds, news) == 0))
		status = load(&j, &l, true);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (status == EXIT_OK && !link_open(&j.link, path, j.af, j.local,
	    j.lport, j.remote, j.rport, sd_held(l.dirfd, ".esp-tun")))
		status = EXIT_LOCAL;
	/* beside ike-respond, the peer's requests reach our socket while we
	 * run: we answer them (answer.c), esp-tun does when it has the port */
	an = (struct answerer){ sd, name, false };
	j.link.ans = &an;
	sd_unlock(&l);
	/* first the request a killed run left out, so that the peer's
	 * message IDs go on from it (RFC 7296 2.3: a window of one) */
	if (status == EXIT_OK)
		status = recover(&j, &gone);
	/* and the Delete of an IKE SA a rekey replaced, if a killed run
	 * left it unanswered */
	if (status == EXIT_OK && !gone)
		status = ike_old_delete_finish(sd, name, &j.link, o->timeout);
	/* a Delete of the IKE SA goes all the same: the SA is over */
	if (status == EXIT_TIMEOUT && o->ike && o->del)
		status = EXIT_OK;
	if (gone) {
		if (o->ike && o->del) {
			if (o->json)
				deleted(&j, NULL);
		} else {
			log_warn("%s: deleted by the Delete of the IKE SA that "
			    "an earlier run left", name);
			status = EXIT_FAIL;
		}
		goto done;
	}
	/* a rekey then finishes the rekeys of killed runs */
	if (status == EXIT_OK && !o->del) {
		if (!lock_sa(&j, &l))
			status = EXIT_LOCAL;
		else {
			n = rekeyed_olds(&l, olds, news);
			sd_unlock(&l);
		}
	}
	for (i = 0; status == EXIT_OK && i < n; i++)
		status = finish_rekey(&j, olds[i], news[i]);
	if (status == EXIT_OK && !o->ike) {
		if (!lock_sa(&j, &l))
			status = EXIT_LOCAL;
		else {
			status = o->add != NULL ? load_model(&j, &l) :
			    load(&j, &l, true);
			sd_unlock(&l);
		}
	}
	if (status == EXIT_OK)
		status = o->add != NULL ? add_child(&j) :
		    o->ike && o->del ? delete_ike(&j) : o->ike ?
		    ike_rekey(sd, name, &j.link, o->timeout, o->json) :
		    o->del ? delete_child(&j, &j.old) : rekey(&j);
done:
	link_close(&j.link);
	if (j.serial >= 0)
		close(j.serial);	/* the next ike-rekey may go */
	ike_sa_wipe(&j.sa);
	return status;
}

/* An SA looked for by the SPIs of its IKE SA (ike.sa's ispi=, rspi=). */
struct by_spis {
	struct sd	*sd;
	char		 ispi[17], rspi[17];
	char		 name[SD_NAME_MAX + 1];
};

static int
same_spis(const char *sa, void *arg)
{
	struct by_spis	*b = arg;
	struct sd_lock	 l;
	char		 ispi[24], rspi[24];
	struct sd_kv	 kv[2] = { { "ispi", ispi, sizeof(ispi), 0 },
			    { "rspi", rspi, sizeof(rspi), 0 } };
	bool		 same;

	if (sd_lock_sa_timeout(b->sd, sa, false, LOCK_MS, &l) != IKE_OK)
		return 0;
	same = sd_read(&l, "ike.sa", kv, 2) == IKE_OK && kv[0].line != 0 &&
	    kv[1].line != 0 && strcasecmp(ispi, b->ispi) == 0 &&
	    strcasecmp(rspi, b->rspi) == 0;
	sd_unlock(&l);
	if (same)
		snprintf(b->name, sizeof(b->name), "%s", sa);
	return same;
}

/* sa_of names in out (n bytes) the SA that arg designates: an SA name as
 * it is, or "ISPI:RSPI", the SPIs of its IKE SA in hexadecimal (16 digits
 * each), as ike.sa has them now. EXIT_OK, else (logged) EXIT_USAGE for
 * neither, EXIT_LOCAL for no such SA. */
static int
sa_of(struct sd *sd, const char *arg, char *out, size_t n)
{
	struct by_spis	 b = { .sd = sd };
	const char	*colon = strchr(arg, ':');

	if (colon == NULL) {
		if (!sd_name_ok(arg)) {
			log_warn("\"%.64s\" is not an SA name", arg);
			return EXIT_USAGE;
		}
		snprintf(out, n, "%s", arg);
		return EXIT_OK;
	}
	if (colon - arg != 16 || strlen(colon + 1) != 16 ||
	    strspn(arg, "0123456789abcdefABCDEF") != 16 ||
	    strspn(colon + 1, "0123456789abcdefABCDEF") != 16) {
		log_warn("\"%.64s\" is not ISPI:RSPI (16 hexadecimal digits "
		    "each)", arg);
		return EXIT_USAGE;
	}
	memcpy(b.ispi, arg, 16);
	memcpy(b.rspi, colon + 1, 16);
	if (sd_list(sd, same_spis, &b) != IKE_OK || b.name[0] == '\0') {
		log_warn("%s: no SA with these SPIs in the state directory",
		    arg);
		return EXIT_LOCAL;
	}
	snprintf(out, n, "%s", b.name);
	return EXIT_OK;
}

int
main(int argc, char *argv[])
{
	struct opts	 o;
	struct sd	 sd;
	char		 dir[4096], line[256], sa[SD_NAME_MAX + 1];
	const char	*name;
	size_t		 len;
	int		 i, status = EXIT_OK, s;

	log_init(argv[0]);
	(void)secret_nodump();		/* no core file with the keys in it */
	umask(077);
	i = parse_opts(&o, argc, argv);
	if (!crypto_init())
		die(EXIT_FAIL, "cannot initialise libsodium");
	name = argv[i];
	if (strcmp(name, "-") != 0 && strchr(name, ':') == NULL &&
	    !sd_name_ok(name))
		usage_err("\"%s\" is not an SA name", name);
	if (o.statedir != NULL)
		snprintf(dir, sizeof(dir), "%s", o.statedir);
	else if (sd_default_dir(dir, sizeof(dir)) != IKE_OK)
		die(EXIT_USAGE, "state directory: not set (IKE_STATE_DIR or -S)");
	if (sd_open(&sd, dir, false) != IKE_OK)
		die(EXIT_LOCAL, "%s: %s", dir, sd.why[0] ? sd.why :
		    strerror(errno));
	if (strcmp(name, "-") != 0) {
		if ((status = sa_of(&sd, name, sa, sizeof(sa))) != EXIT_OK) {
			sd_close(&sd);
			return status;
		}
		name = sa;
	}
	if (o.autom) {
		sd_close(&sd);
		return auto_run(&(struct auto_opts){ dir, name, o.esp,
		    o.pfs_arg, o.timeout, o.verbose, o.json });
	}
	if (strcmp(name, "-") != 0)
		status = run(&o, &sd, dir, name);
	else
		/* names on standard input, one a line (ike-initiate's) */
		while (fgets(line, sizeof(line), stdin) != NULL) {
			len = strcspn(line, " \t\r\n");
			line[len] = '\0';
			if (len == 0)
				continue;
			if ((s = sa_of(&sd, line, sa, sizeof(sa))) != EXIT_OK ||
			    (s = run(&o, &sd, dir, sa)) != EXIT_OK)
				status = s;
		}
	sd_close(&sd);
	return status;
}
