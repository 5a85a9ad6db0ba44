/* SPDX-License-Identifier: ISC */
/* esp-tun: carry the ESP traffic of an IKE SA's Child SAs between a TUN device and the peer. */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "crypto/secret.h"
#include "esptun.h"

enum {
	OPT_ADDR = 256,
	OPT_CHILD,
	OPT_DEV,
	OPT_DPD_DELAY,
	OPT_DPD_TIMEOUT,
	OPT_JSON,
	OPT_KEEPALIVE,
	OPT_MTU,
	OPT_NO_CONFIG,
	OPT_NO_OFFLOAD,
	OPT_REPLAY_WINDOW,
	OPT_SA,
	OPT_STATS,
	OPT_STATS_INTERVAL,
};

static const char synopsis[] =
    "usage: esp-tun --sa name | - [-hv] [--addr addr[/len]] [--child name]\n"
    "               [--dev name] [--dpd-delay secs] [--dpd-timeout secs]\n"
    "               [--json] [--keepalive secs] [--mtu bytes]\n"
    "               [--no-config] [--no-offload] [--replay-window packets]\n"
    "               [--stats-interval secs] [-S dir]\n"
    "       esp-tun --stats [--json] [--sa name] [-S dir]\n";

static struct tunnel	 tunnel;

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

/* number reads a whole decimal number in [min, max] for option what. */
static int
number(const char *s, long min, long max, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "%s: %s: \"%s\" is not a number from %ld to %ld\n",
		    log_progname(), what, s, min, max);
		usage(stderr, EXIT_USAGE);
	}
	return (int)v;
}

static void
parse_opts(struct opts *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "addr",		required_argument,	NULL, OPT_ADDR },
		{ "child",		required_argument,	NULL, OPT_CHILD },
		{ "dev",		required_argument,	NULL, OPT_DEV },
		{ "dpd-delay",		required_argument,	NULL, OPT_DPD_DELAY },
		{ "dpd-timeout",	required_argument,	NULL, OPT_DPD_TIMEOUT },
		{ "help",		no_argument,		NULL, 'h' },
		{ "json",		no_argument,		NULL, OPT_JSON },
		{ "keepalive",		required_argument,	NULL, OPT_KEEPALIVE },
		{ "mtu",		required_argument,	NULL, OPT_MTU },
		{ "no-config",		no_argument,		NULL, OPT_NO_CONFIG },
		{ "no-offload",		no_argument,		NULL, OPT_NO_OFFLOAD },
		{ "replay-window",	required_argument,	NULL, OPT_REPLAY_WINDOW },
		{ "sa",			required_argument,	NULL, OPT_SA },
		{ "state-dir",		required_argument,	NULL, 'S' },
		{ "stats",		no_argument,		NULL, OPT_STATS },
		{ "stats-interval",	required_argument,	NULL, OPT_STATS_INTERVAL },
		{ "verbose",		no_argument,		NULL, 'v' },
		{ NULL,			0,			NULL, 0 },
	};
	int	 c, verbose = 0;

	memset(o, 0, sizeof(*o));
	o->dev = "esp%d";
	o->mtu = 1400;
	o->window = 1024;
	o->keepalive = 20;
	o->stats_secs = 1;
	o->dpd_timeout = 30;
	while ((c = getopt_long(argc, argv, "hS:v", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ADDR:
			if (o->n_addr == (int)(sizeof(o->addr) / sizeof(o->addr[0])))
				usage_err("--addr: at most 8 addresses%s", "");
			if (!addr_ok(optarg))
				usage_err("--addr: \"%s\" is not ADDRESS[/LENGTH]",
				    optarg);
			o->addr[o->n_addr++] = optarg;
			break;
		case OPT_CHILD:
			if (!sd_name_ok(optarg))
				usage_err("--child: \"%s\" is not a Child SA name",
				    optarg);
			o->child = optarg;
			break;
		case OPT_DEV:
			if (optarg[0] == '\0' || strlen(optarg) >= IFNAMSIZ ||
			    strchr(optarg, '/') != NULL ||
			    strpbrk(optarg, " \t\n:") != NULL)
				usage_err("--dev: \"%s\" is not an interface name",
				    optarg);
			o->dev = optarg;
			break;
		case OPT_DPD_DELAY:
			o->dpd_delay = number(optarg, 0, 86400, "--dpd-delay");
			break;
		case OPT_DPD_TIMEOUT:
			o->dpd_timeout = number(optarg, 1, 3600, "--dpd-timeout");
			break;
		case 'h':
			usage(stdout, EXIT_OK);
		case OPT_JSON:		o->json = true; break;
		case OPT_KEEPALIVE:
			o->keepalive = number(optarg, 0, 3600, "--keepalive");
			break;
		case OPT_MTU:
			o->mtu = number(optarg, 576, 9000, "--mtu");
			break;
		case OPT_NO_CONFIG:	o->no_config = true; break;
		case OPT_NO_OFFLOAD:	o->no_offload = true; break;
		case OPT_REPLAY_WINDOW:
			o->window = number(optarg, 0, REPLAY_SIZE_MAX,
			    "--replay-window");
			if (o->window % 64 != 0 || (o->window > 0 && o->window < 64))
				usage_err("--replay-window: \"%s\" is not 0 or a "
				    "multiple of 64 from 64 to 65536", optarg);
			break;
		case OPT_SA:
			if (strcmp(optarg, "-") != 0 && !sd_name_ok(optarg))
				usage_err("--sa: \"%s\" is not an SA name", optarg);
			o->sa = optarg;
			break;
		case 'S':		o->statedir = optarg; break;
		case OPT_STATS:		o->stats = true; break;
		case OPT_STATS_INTERVAL:
			o->stats_secs = number(optarg, 1, 3600,
			    "--stats-interval");
			break;
		case 'v':		verbose++; break;
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage_err("unexpected argument \"%s\"", argv[optind]);
	log_set_verbose(verbose);
	if (!o->stats && o->sa == NULL)
		usage_err("--sa is required%s", "");
	if (o->stats && o->sa != NULL && strcmp(o->sa, "-") == 0)
		usage_err("--stats: --sa needs a name, not \"%s\"", o->sa);
}

/* name_from_stdin reads the SA name from the first line of standard input,
 * as ike-initiate prints it (a name, or with --json a record with one). */
static void
name_from_stdin(char *out, size_t n)
{
	char	 line[256], *p;
	size_t	 len;

	if (fgets(line, sizeof(line), stdin) == NULL)
		die(EXIT_USAGE, "--sa -: no SA name on standard input");
	/* ike-initiate --json prints a record: take its name */
	if (line[0] == '{' && (p = strstr(line, "\"name\":\"")) != NULL)
		p += strlen("\"name\":\"");
	else
		p = line;
	len = strcspn(p, " \t\r\n\"");
	p[len] = '\0';
	if (!sd_name_ok(p) || len >= n)
		die(EXIT_USAGE, "--sa -: \"%.64s\" is not an SA name", p);
	memcpy(out, p, len + 1);
}

void
event(const struct tunnel *t, const char *what, const char *child)
{
	size_t	 i;

	if (t->o.json) {
		printf("{\"event\":\"%s\",\"name\":\"%s\"", what, t->name);
		if (strcmp(what, "up") == 0) {
			printf(",\"dev\":\"%s\",\"children\":[", t->dev);
			for (i = 0; i < t->n_child; i++)
				printf("%s\"%s\"", i ? "," : "", t->child[i]->name);
			printf("]");
		}
		if (child != NULL)
			printf(",\"child\":\"%s\"", child);
		printf("}\n");
		fflush(stdout);
		return;
	}
	if (strcmp(what, "up") == 0)
		log_warn("%s: up on %s (%zu Child SA%s)", t->name, t->dev,
		    t->n_child, t->n_child == 1 ? "" : "s");
	else if (strcmp(what, "dead") == 0)
		log_warn("%s: the peer is dead: SA removed", t->name);
	else if (strcmp(what, "ike-rekeyed") == 0)
		log_warn("%s: IKE SA rekeyed", t->name);
	else if (strcmp(what, "child-up") == 0)
		log_warn("%s: Child SA %s up", t->name, child);
	else if (strcmp(what, "soft-expired") == 0)
		log_warn("%s: Child SA %s: soft lifetime reached: time to rekey",
		    t->name, child);
	else if (strcmp(what, "expired") == 0)
		log_warn("%s: Child SA %s: hard lifetime reached: no longer used",
		    t->name, child);
	else if (child != NULL)
		log_warn("%s: Child SA %s deleted by the peer", t->name, child);
	else
		log_warn("%s: IKE SA deleted", t->name);
}

int
main(int argc, char *argv[])
{
	struct tunnel	*t = &tunnel;
	size_t		 i;
	int		 status;

	log_init(argv[0]);
	(void)secret_nodump();		/* no core file with the keys in it */
	umask(077);
	parse_opts(&t->o, argc, argv);
	if (t->o.stats)
		return stats_print(&t->o);
	if (strcmp(t->o.sa, "-") == 0)
		name_from_stdin(t->name, sizeof(t->name));
	else
		snprintf(t->name, sizeof(t->name), "%s", t->o.sa);
	if (t->o.statedir != NULL)
		snprintf(t->dir, sizeof(t->dir), "%s", t->o.statedir);
	else if (sd_default_dir(t->dir, sizeof(t->dir)) != IKE_OK)
		die(EXIT_USAGE, "state directory: not set (IKE_STATE_DIR or -S)");
	if (sd_open(&t->sd, t->dir, false) != IKE_OK)
		die(EXIT_LOCAL, "%s: %s", t->dir, t->sd.why[0] ? t->sd.why :
		    strerror(errno));
	t->tun_fd = t->udp_fd = t->raw_fd = t->ino_fd = t->carry_fd = -1;
	t->fwd_fd = t->ctl_fd = t->dpd.hold = -1;
	if ((status = sa_load(t)) != EXIT_OK)
		exit(status);
	sockets_open(t);
	tun_setup(t);
	watch_and_drop(t);
	/* reserve sequence numbers before the first packet goes out */
	if (!stats_save(t, true))
		die(EXIT_LOCAL, "%s: cannot record the sequence numbers it will "
		    "use", t->name);
	event(t, "up", NULL);
	/* the request a killed program left out goes first (RFC 7296 2.3) */
	dpd_resume(t);
	status = path_run(t);
	for (i = 0; i < t->n_child; i++)
		child_free(t->child[i]);
	ike_sa_wipe(&t->ike);
	ike_sa_wipe(&t->old_ike);
	relay_close(t);
	sd_close(&t->sd);
	close(t->tun_fd);
	return status;
}
