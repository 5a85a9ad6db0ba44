/* SPDX-License-Identifier: ISC */
/* ike-decode: decode IKEv2 and ESP packets from captures, interfaces or stdin, decrypting with known keys. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "crypto/secret.h"
#include "io/pkt.h"
#include "decode.h"
#include "out.h"
#include "stdin.h"

#ifndef IKEKIT_VERSION
#define IKEKIT_VERSION "0.1"
#endif

enum {
	OPT_DECRYPT = 256,
	OPT_ESP_KEYS,
	OPT_IKE_KEYS,
	OPT_JSON,
	OPT_KEYS,
	OPT_VERSION,
	ERR_LEN = 512,
};

static const char synopsis[] =
    "usage: ike-decode [-htv] [-c count] [--decrypt] [--esp-keys file]\n"
    "                  [--ike-keys file] [--json] [--keys dir] [-S dir]\n"
    "                  [file | - | -r file | -i interface] [expression]\n"
    "       ike-decode --version\n";

static struct pkt_src	*live_src;

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

static uint64_t
parse_count(const char *s)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	if (*s < '0' || *s > '9')
		usage_err("-c: '%s': not a positive number", s);
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0)
		usage_err("-c: '%s': not a positive number", s);
	return v;
}

/* join_filter makes one BPF expression of the remaining arguments, as tcpdump does. */
static char *
join_filter(int argc, char *argv[])
{
	size_t	 n = 0;
	char	*f;

	if (argc == 0)
		return NULL;
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	if ((f = malloc(n + 1)) == NULL)
		die(EXIT_LOCAL, "out of memory");
	f[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			strcat(f, " ");
		strcat(f, argv[i]);
	}
	return f;
}

static void
parse_opts(struct opts *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "count",	required_argument,	NULL, 'c' },
		{ "decrypt",	no_argument,		NULL, OPT_DECRYPT },
		{ "esp-keys",	required_argument,	NULL, OPT_ESP_KEYS },
		{ "help",	no_argument,		NULL, 'h' },
		{ "ike-keys",	required_argument,	NULL, OPT_IKE_KEYS },
		{ "interface",	required_argument,	NULL, 'i' },
		{ "json",	no_argument,		NULL, OPT_JSON },
		{ "keys",	required_argument,	NULL, OPT_KEYS },
		{ "no-time",	no_argument,		NULL, 't' },
		{ "read",	required_argument,	NULL, 'r' },
		{ "state-dir",	required_argument,	NULL, 'S' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "version",	no_argument,		NULL, OPT_VERSION },
		{ NULL,		0,			NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "+c:hi:r:S:tv", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->count = parse_count(optarg);
			break;
		case OPT_DECRYPT:
			o->decrypt = true;
			break;
		case OPT_ESP_KEYS:
			o->esp_keys = optarg;
			break;
		case 'h':
			usage(stdout, EXIT_OK);
		case OPT_IKE_KEYS:
			o->ike_keys = optarg;
			break;
		case 'i':
			o->iface = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_KEYS:
			o->keys_dir = optarg;
			break;
		case 't':
			o->no_time = true;
			break;
		case 'r':
			o->file = optarg;
			break;
		case 'S':
			o->state_dir = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case OPT_VERSION:
			printf("ike-decode (ikekit) %s\n", IKEKIT_VERSION);
			exit(EXIT_OK);
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (o->iface != NULL && o->file != NULL)
		usage_err("%s", "-i and -r: give one input");
	if (o->iface == NULL && o->file == NULL) {
		if (argc == 0)
			usage_err("%s", "no input: give a file, '-' or -i interface");
		o->file = argv[0];
		argc--;
		argv++;
	}
	o->filter = join_filter(argc, argv);
	if (o->file != NULL && strcmp(o->file, "-") == 0 && o->filter != NULL)
		usage_err("%s: a filter needs a capture (a file or -i)", o->filter);
}

/* ---- the loop ---- */

static void
print(const struct opts *o, const struct rec *r)
{
	if (o->json)
		json_print(o, r);
	else
		text_print(o, r);
}

/* decode_pkt turns one captured packet into a record and prints it. */
static void
decode_pkt(const struct opts *o, const struct pkt *pk)
{
	struct rec r;

	r.pk = pk;
	r.natt = pk->natt;
	r.why[0] = '\0';
	switch (pk->kind) {
	case PKT_IKE:
		ike_decode(pk->data, &r);
		break;
	case PKT_ESP:
		esp_decode(pk, &r);
		break;
	case PKT_KEEPALIVE:
		r.kind = REC_KEEPALIVE;
		break;
	case PKT_MALFORMED:
		r.kind = REC_MALFORMED;
		snprintf(r.why, sizeof(r.why), "%s", pk->why != NULL ? pk->why : "?");
		break;
	case PKT_OTHER:
	default:
		r.kind = REC_OTHER;
		if (pk->why != NULL)
			snprintf(r.why, sizeof(r.why), "%s", pk->why);
		break;
	}
	print(o, &r);
	ike_wipe();
	esp_wipe();
}

static void
on_signal(int sig)
{
	(void)sig;
	if (live_src != NULL)
		pkt_break(live_src);
}

static int
run_capture(const struct opts *o)
{
	struct pkt_src	*src;
	struct pkt	 pk;
	char		 err[ERR_LEN];
	const char	*name = o->iface != NULL ? o->iface : o->file;
	enum ike_err	 e;
	struct stat	 st;
	uint64_t	 n = 0;
	int		 rc = 0;
	bool		 streaming = o->iface != NULL;

	/* a live capture, or a capture from a pipe, is printed packet by packet */
	if (o->iface == NULL && stat(o->file, &st) == 0 && !S_ISREG(st.st_mode))
		streaming = true;
	if (o->iface != NULL)
		e = pkt_open_live(&src, o->iface, o->filter, err, sizeof(err));
	else
		e = pkt_open_file(&src, o->file, o->filter, err, sizeof(err));
	if (e != IKE_OK)
		die(ike_err_exit(e), "%s", err);
	if (o->iface != NULL) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		live_src = src;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	while ((o->count == 0 || n < o->count) &&
	    (rc = pkt_next(src, &pk, err, sizeof(err))) == 1) {
		decode_pkt(o, &pk);
		n++;
		if (streaming)
			out_flush();
	}
	out_flush();
	live_src = NULL;
	pkt_close(src);
	if (rc < 0) {
		if (strstr(err, "truncated") != NULL)
			die(EXIT_FAIL, "%s: truncated capture: %s", name, err);
		die(EXIT_LOCAL, "%s: %s", name, err);
	}
	return EXIT_OK;
}

static int
run_stdin(const struct opts *o)
{
	static struct stdin_src	 s;
	struct pkt		 pk;
	struct rec		 r;
	char			 err[ERR_LEN];
	enum stdin_res		 res;
	int			 status = EXIT_OK;
	bool			 natt;

	stdin_open(&s, STDIN_FILENO);
	memset(&pk, 0, sizeof(pk));
	pk.has_addr = false;
	while (o->count == 0 || pk.frame < o->count) {
		res = stdin_next(&s, &pk.data, &natt, err, sizeof(err));
		if (res == RAW_EOF)
			break;
		if (res == RAW_SKIP) {
			out_flush();
			log_warn("stdin:%s", err);
			status = EXIT_FAIL;
			continue;
		}
		if (res == RAW_FATAL || res == RAW_IOERR) {
			out_flush();
			die(res == RAW_IOERR ? EXIT_LOCAL : EXIT_FAIL, "stdin: %s", err);
		}
		pk.frame++;
		pk.natt = natt;
		r.pk = &pk;
		r.natt = natt;
		r.why[0] = '\0';
		ike_decode(pk.data, &r);
		print(o, &r);
		ike_wipe();
	}
	out_flush();
	return status;
}

int
main(int argc, char *argv[])
{
	struct opts	 o = { 0 };
	int		 status;

	log_init(argv[0]);
	(void)secret_nodump();		/* no core file with the keys in it */
	umask(077);
	parse_opts(&o, argc, argv);
	if (o.verbose >= 3)		/* -vvv: the library's debug lines on stderr */
		log_set_verbose(o.verbose - 2);
	keys_load(&o);			/* exits 2 for a bad line, 5 if unreadable */
	if (o.file != NULL && strcmp(o.file, "-") == 0)
		status = run_stdin(&o);
	else
		status = run_capture(&o);
	free(o.filter);
	return status;			/* keys_free runs at exit */
}
