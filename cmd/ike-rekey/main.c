/* SPDX-License-Identifier: ISC */
/* ike-rekey: rekey a Child SA (CREATE_CHILD_SA), or delete a Child SA or the IKE SA, of an SA in the state directory. */
/* Here: the options and the run over one SA; the work is in job.c (the SA
 * at hand), create.c, delete.c, recover.c, ike.c, move.c, lookup.c. */
#include <sys/stat.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
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
	if (!one_at_a_time(&j) || !job_lock(&j, &l)) {
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
		if (!job_lock(&j, &l))
			status = EXIT_LOCAL;
		else {
			n = rekeyed_olds(&l, olds, news);
			sd_unlock(&l);
		}
	}
	for (i = 0; status == EXIT_OK && i < n; i++)
		status = finish_rekey(&j, olds[i], news[i]);
	if (status == EXIT_OK && !o->ike) {
		if (!job_lock(&j, &l))
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
