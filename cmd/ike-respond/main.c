/* SPDX-License-Identifier: ISC */
/* ike-respond: answer IKEv2 peers (PSK): new IKE and Child SAs, liveness checks and deletes on SAs it owns. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/dlt.h>

#include "base/exits.h"
#include "base/log.h"
#include "crypto/secret.h"
#include "crypto/sig.h"
#include "exchange/frag.h"
#include "exchange/record.h"
#include "io/credfile.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"
#include "sa/statedir.h"
#include "respond.h"

enum {
	OPT_CA = 240,
	OPT_CERT,
	OPT_KEY,
	OPT_CRL,
	OPT_OCSP,
	OPT_OCSP_AIA,
	OPT_REVOCATION,
	OPT_COOKIE_THRESHOLD = 256,
	OPT_DH_REUSE,
	OPT_DNS,
	OPT_ESP,
	OPT_FRAG_MTU,
	OPT_HALF_OPEN_MAX,
	OPT_ID,
	OPT_IKE,
	OPT_JSON,
	OPT_KEYS_OUT,
	OPT_LOCAL,
	OPT_MAX_SAS,
	OPT_PCAP,
	OPT_POOL,
	OPT_PSK_FILE,
	OPT_SYNC,
	OPT_TS,
	OPT_EAP_METHOD,
	OPT_EAP_SECRETS,
	OPT_EAP_TLS_MAX,
	OPT_LIFETIME,
	OPT_LIFETIME_BYTES,
	OPT_LIFETIME_PACKETS,
	OPT_NO_MOBIKE,
};

/* --no-mobike: no MOBIKE_SUPPORTED in IKE_AUTH (RFC 4555) */
static bool	 no_mobike;

/* Each socket's receive queue: a flood of IKE_SA_INIT requests fills the
 * default (rmem_default, about 200 kB: some 150 requests) whenever we are
 * off the CPU for a moment, and a peer's request lost there waits for its
 * retransmission (4 s for strongSwan); this holds a few thousand. */
enum { RCVBUF_BYTES = 4 << 20 };

static const char synopsis[] =
    "usage: ike-respond --local addr[:port] --psk-file file | --cert file --key file\n"
    "                   --ca file --ike proposals\n"
    "                   --esp proposals --ts local-ts [-hv]\n"
    "                   [--cookie-threshold n] [--crl file] [--dh-reuse secs]\n"
    "                   [--dns addr]\n"
    "                   [--eap-method methods] [--eap-secrets file]\n"
    "                   [--eap-tls-max 1.2 | 1.3]\n"
    "                   [--frag-mtu bytes] [--half-open-max n]\n"
    "                   [--id id] [--json] [--keys-out dir] [--lifetime secs]\n"
    "                   [--lifetime-bytes n] [--lifetime-packets n] [--max-sas n]\n"
    "                   [--no-mobike]\n"
    "                   [--ocsp url] [--ocsp-aia] [--pcap file] [--pool addr/prefix]\n"
    "                   [--revocation strict | ifuri | relaxed]\n"
    "                   [--sync always | batch | none] [-S dir]\n";

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

/* count_arg reads optarg as a number from min to max for opt. */
static long
count_arg(const char *opt, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(optarg, &end, 10);
	if (errno != 0 || *end != '\0' || optarg[0] < '0' || optarg[0] > '9' ||
	    v < min || v > max) {
		fprintf(stderr, "%s: %s: '%s': not a number from %ld to %ld\n",
		    log_progname(), opt, optarg, min, max);
		usage(stderr, EXIT_USAGE);
	}
	return v;
}

static void
parse_opts(struct opts *o, int argc, char *argv[])
{
	struct eap_cfg	 eap_given;
	bool		 tls;
	static const struct option longopts[] = {
		{ "cookie-threshold", required_argument, NULL, OPT_COOKIE_THRESHOLD },
		{ "dh-reuse",	required_argument,	NULL, OPT_DH_REUSE },
		{ "dns",	required_argument,	NULL, OPT_DNS },
		{ "eap-method",	required_argument,	NULL, OPT_EAP_METHOD },
		{ "eap-secrets", required_argument,	NULL, OPT_EAP_SECRETS },
		{ "eap-tls-max", required_argument,	NULL, OPT_EAP_TLS_MAX },
		{ "ca",		required_argument,	NULL, OPT_CA },
		{ "cert",	required_argument,	NULL, OPT_CERT },
		{ "crl",	required_argument,	NULL, OPT_CRL },
		{ "esp",	required_argument,	NULL, OPT_ESP },
		{ "frag-mtu",	required_argument,	NULL, OPT_FRAG_MTU },
		{ "half-open-max", required_argument,	NULL, OPT_HALF_OPEN_MAX },
		{ "help",	no_argument,		NULL, 'h' },
		{ "id",		required_argument,	NULL, OPT_ID },
		{ "ike",	required_argument,	NULL, OPT_IKE },
		{ "json",	no_argument,		NULL, OPT_JSON },
		{ "no-mobike",	no_argument,		NULL, OPT_NO_MOBIKE },
		{ "key",	required_argument,	NULL, OPT_KEY },
		{ "keys-out",	required_argument,	NULL, OPT_KEYS_OUT },
		{ "lifetime",	required_argument,	NULL, OPT_LIFETIME },
		{ "lifetime-bytes", required_argument,	NULL, OPT_LIFETIME_BYTES },
		{ "lifetime-packets", required_argument, NULL,
		    OPT_LIFETIME_PACKETS },
		{ "local",	required_argument,	NULL, OPT_LOCAL },
		{ "max-sas",	required_argument,	NULL, OPT_MAX_SAS },
		{ "ocsp",	required_argument,	NULL, OPT_OCSP },
		{ "ocsp-aia",	no_argument,		NULL, OPT_OCSP_AIA },
		{ "pcap",	required_argument,	NULL, OPT_PCAP },
		{ "pool",	required_argument,	NULL, OPT_POOL },
		{ "psk-file",	required_argument,	NULL, OPT_PSK_FILE },
		{ "revocation",	required_argument,	NULL, OPT_REVOCATION },
		{ "state-dir",	required_argument,	NULL, 'S' },
		{ "sync",	required_argument,	NULL, OPT_SYNC },
		{ "ts",		required_argument,	NULL, OPT_TS },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	char	 err[96];
	int	 c, verbose = 0;

	memset(o, 0, sizeof(*o));
	o->cookie_threshold = COOKIE_THRESHOLD;
	o->half_open_max = HALF_OPEN_MAX;
	o->max_sas = MAX_SAS;
	o->frag_mtu = FRAG_MTU_DEFAULT;
	o->sync = SYNC_BATCH;
	o->revocation = -1;
	while ((c = getopt_long(argc, argv, "hS:v", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_COOKIE_THRESHOLD:
			o->cookie_threshold = count_arg("--cookie-threshold", 0,
			    COUNT_MAX);
			break;
		case OPT_DNS:
			if (o->n_dns == CP_DNS_MAX)
				usage_err("--dns: at most %s servers", "4");
			o->dns[o->n_dns++] = optarg;
			break;
		case OPT_CA:		o->ca = optarg; break;
		case OPT_EAP_METHOD:	o->eap_method = optarg; break;
		case OPT_EAP_SECRETS:	o->eap_secrets = optarg; break;
		case OPT_EAP_TLS_MAX:	o->eap_tls_max = optarg; break;
		case OPT_CERT:		o->cert = optarg; break;
		case OPT_CRL:
			if (o->n_crls == CRL_FILES_MAX)
				usage_err("--crl: '%s': at most 16 files", optarg);
			o->crls[o->n_crls++] = optarg;
			break;
		case OPT_OCSP:		o->ocsp = optarg; break;
		case OPT_OCSP_AIA:	o->ocsp_aia = true; break;
		case OPT_REVOCATION:
			if (strcmp(optarg, "strict") == 0)
				o->revocation = SIG_REV_STRICT;
			else if (strcmp(optarg, "ifuri") == 0)
				o->revocation = SIG_REV_IFURI;
			else if (strcmp(optarg, "relaxed") == 0)
				o->revocation = SIG_REV_RELAXED;
			else
				usage_err("--revocation: '%s': not strict, ifuri or "
				    "relaxed", optarg);
			break;
		case OPT_ESP:		o->esp = optarg; break;
		case OPT_FRAG_MTU:
			o->frag_mtu = (unsigned)count_arg("--frag-mtu", 0,
			    FRAG_MTU_MAX);
			if (o->frag_mtu != 0 && o->frag_mtu < FRAG_MTU_MIN)
				usage_err("--frag-mtu: '%s': not 0 or a size from "
				    "256 to 65535", optarg);
			break;
		case OPT_KEY:		o->key = optarg; break;
		case OPT_LIFETIME:
		case OPT_LIFETIME_BYTES:
		case OPT_LIFETIME_PACKETS:
			if (!child_life_option(c == OPT_LIFETIME ? 0 :
			    c == OPT_LIFETIME_BYTES ? 1 : 2, optarg, o->life,
			    err, sizeof(err)))
				usage_err("%s", err);
			break;
		case OPT_HALF_OPEN_MAX:
			o->half_open_max = count_arg("--half-open-max", 1,
			    COUNT_MAX);
			break;
		case 'h':		usage(stdout, EXIT_OK);
		case OPT_ID:		o->id = optarg; break;
		case OPT_IKE:		o->ike = optarg; break;
		case OPT_JSON:		o->json = true; break;
		case OPT_NO_MOBIKE:	no_mobike = true; break;
		case OPT_KEYS_OUT:	o->keys_out = optarg; break;
		case OPT_LOCAL:		o->local = optarg; break;
		case OPT_DH_REUSE:
			o->dh_reuse = count_arg("--dh-reuse", 0, DH_REUSE_MAX);
			break;
		case OPT_MAX_SAS:
			o->max_sas = count_arg("--max-sas", 1, MAX_SAS_MAX);
			break;
		case OPT_PCAP:		o->pcap = optarg; break;
		case OPT_POOL:
			if (o->n_pools == 2)
				usage_err("--pool: '%s': one IPv4 and one IPv6 pool "
				    "at most", optarg);
			o->pools[o->n_pools++] = optarg;
			break;
		case OPT_PSK_FILE:	o->psk_file = optarg; break;
		case 'S':		o->statedir = optarg; break;
		case OPT_SYNC:
			if (strcmp(optarg, "always") == 0)
				o->sync = SYNC_ALWAYS;
			else if (strcmp(optarg, "batch") == 0)
				o->sync = SYNC_BATCH;
			else if (strcmp(optarg, "none") == 0)
				o->sync = SYNC_NONE;
			else
				usage_err("--sync: '%s': not always, batch or none",
				    optarg);
			break;
		case OPT_TS:		o->ts = optarg; break;
		case 'v':		verbose++; break;
		default:		usage(stderr, EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage_err("unexpected argument '%s'", argv[optind]);
	log_set_verbose(verbose);
	if (o->local == NULL)
		usage_err("%s", "missing --local");
	if (o->psk_file == NULL && o->cert == NULL && o->key == NULL)
		usage_err("%s", "missing --psk-file or --cert");
	if (o->psk_file != NULL && (o->cert != NULL || o->key != NULL))
		usage_err("%s", "--psk-file and --cert/--key: choose one");
	if (o->cert != NULL && o->key == NULL)
		usage_err("%s", "missing --key (the private key of --cert)");
	if (o->key != NULL && o->cert == NULL)
		usage_err("%s", "missing --cert (the certificate of --key)");
	if (o->cert != NULL && o->ca == NULL && o->eap_secrets == NULL)
		usage_err("%s", "missing --ca (to check the peer's certificate)");
	if (o->eap_secrets != NULL && o->cert == NULL)
		usage_err("%s", "--eap-secrets: missing --cert (RFC 7296 2.16: "
		    "we authenticate by certificate)");
	memset(&eap_given, 0, sizeof(eap_given));
	if (o->eap_method != NULL && eap_methods_parse(&eap_given,
	    o->eap_method) != IKE_OK)
		usage_err("--eap-method: '%s': not a list of mschapv2, md5, tls",
		    o->eap_method);
	/* EAP-TLS needs no secrets: the peer's certificate and our --ca */
	tls = memchr(eap_given.methods, EAP_TYPE_TLS, eap_given.n_methods) !=
	    NULL;
	if (o->eap_method != NULL && o->eap_secrets == NULL &&
	    (!tls || eap_given.n_methods != 1))
		usage_err("%s", "--eap-method goes with --eap-secrets (tls "
		    "alone does not)");
	if (tls && (o->cert == NULL || o->ca == NULL))
		usage_err("%s", "--eap-method tls: missing --cert or --ca (we "
		    "authenticate by certificate and check the peer's)");
	if (o->eap_tls_max != NULL && !tls)
		usage_err("%s", "--eap-tls-max goes with --eap-method tls");
	if (o->eap_tls_max != NULL && !eap_tls_max_parse(&eap_given,
	    o->eap_tls_max))
		usage_err("--eap-tls-max: '%s': not 1.2 or 1.3", o->eap_tls_max);
	if (o->cert == NULL && (o->n_crls != 0 || o->ocsp != NULL ||
	    o->ocsp_aia || o->revocation != -1))
		usage_err("%s", "--crl, --ocsp, --ocsp-aia and --revocation go "
		    "with --cert");
	if (o->ike == NULL)
		usage_err("%s", "missing --ike");
	if (o->esp == NULL)
		usage_err("%s", "missing --esp");
	if (o->ts == NULL)
		usage_err("%s", "missing --ts");
}

/* read_psk reads the key file (less one trailing newline) into out; on
 * failure it says why, leaves out alone and returns false. */
static bool
read_psk(struct psk *out, const char *path, int *status)
{
	struct stat	 st;
	uint8_t		 buf[PSK_MAX_LEN + 2];
	ssize_t		 n;
	int		 fd;

	*status = EXIT_LOCAL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		log_warn("%s: %s", path, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("%s: warning: key file is readable by group or others",
		    path);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		log_warn("%s: %s", path, strerror(errno));
		return false;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	*status = EXIT_FAIL;
	if (n == 0 || (size_t)n > PSK_MAX_LEN) {
		wipe(buf, sizeof(buf));
		if (n == 0)
			log_warn("%s: empty key file", path);
		else
			log_warn("%s: key longer than %d bytes", path, PSK_MAX_LEN);
		return false;
	}
	psk_wipe(out);
	memcpy(out->key, buf, (size_t)n);
	out->len = (size_t)n;
	wipe(buf, sizeof(buf));
	return true;
}

bool
reload_psk(struct srv *s)
{
	int	 status;

	return read_psk(&s->psk, s->o.psk_file, &status);
}

/* reload_cred makes a new credential from --cert, --key, --ca, --crl,
 * --ocsp and --revocation; on any failure the old one stays, whole. The
 * old one is freed: no SA keeps it past the message it answers. */
static void
reload_cred(struct srv *s)
{
	const struct opts	*o = &s->o;
	struct credfile_err	 err;
	struct sig_cred		*nc = NULL;
	struct ike_id		 id = s->cfg.local_id;
	char			 why[SIG_WHY_LEN] = "";
	const char		*bad = NULL;
	enum ike_err		 e;
	unsigned		 i;

	memset(&err, 0, sizeof(err));
	if (credfile_load(&nc, o->cert, o->key, o->ca, &err) != IKE_OK) {
		bad = err.path;
		snprintf(why, sizeof(why), "%s", err.why);
	}
	for (i = 0; bad == NULL && i < o->n_crls; i++)
		if ((e = sig_cred_crl_file(nc, o->crls[i], why,
		    sizeof(why))) != IKE_OK) {
			bad = o->crls[i];
			if (why[0] == '\0')
				snprintf(why, sizeof(why), "%s", ike_strerror(e));
		}
	if (bad == NULL && (o->ocsp != NULL || o->ocsp_aia) &&
	    sig_cred_ocsp(nc, o->ocsp, o->ocsp_aia, why, sizeof(why)) != IKE_OK)
		bad = "--ocsp";
	if (bad == NULL && o->revocation != -1 && sig_cred_revocation(nc,
	    (enum sig_revocation)o->revocation) != IKE_OK) {
		bad = "--revocation";
		snprintf(why, sizeof(why), "out of memory");
	}
	if (bad == NULL && o->id == NULL) {	/* our ID is the subject DN */
		id.type = IKEV2_ID_DER_ASN1_DN;
		if (sig_cred_subject(nc, id.data, sizeof(id.data),
		    &id.len) != IKE_OK) {
			bad = o->cert;
			snprintf(why, sizeof(why), "subject DN longer than %d "
			    "bytes", IKE_ID_MAX_LEN);
		}
	}
	if (bad != NULL) {
		sig_cred_free(nc);
		log_warn("%s: %s; certificates not re-read: the old ones stay",
		    bad, why);
		return;
	}
	if (err.key_loose)
		log_warn("%s: warning: key file is readable by group or others",
		    o->key);
	sig_cred_free(s->cred);
	s->cred = nc;
	s->cfg.cred = nc;
	s->cfg.local_id = id;
	log_warn("%s: certificates, key%s re-read", o->cert,
	    o->n_crls > 0 ? ", CA and CRLs" : " and CA");
}

/* reload_eap reads --eap-secrets again; on failure the old users stay. */
static void
reload_eap(struct srv *s)
{
	struct eap_users	 nu;
	char			 why[128] = "";
	bool			 loose = false;
	enum ike_err		 e;

	memset(&nu, 0, sizeof(nu));
	e = eap_users_load(&nu, s->o.eap_secrets, &loose, why, sizeof(why));
	if (e != IKE_OK) {
		eap_users_free(&nu);
		log_warn("%s: %s; users not re-read: the old ones stay",
		    s->o.eap_secrets, e == IKE_EIO ? strerror(errno) : why);
		return;
	}
	if (loose)
		log_warn("%s: warning: secrets file is readable by group or "
		    "others", s->o.eap_secrets);
	eap_users_free(&s->eap_users);
	s->eap_users = nu;		/* s->eap.users points to it */
	log_warn("%s: %zu users re-read", s->o.eap_secrets, s->eap_users.n);
}

void
reload(struct srv *s)
{
	if (s->o.psk_file != NULL && s->o.cert == NULL) {
		if (reload_psk(s))
			log_warn("%s: key re-read", s->o.psk_file);
		else
			log_warn("%s: key not re-read; the old one stays",
			    s->o.psk_file);
	}
	if (s->o.cert != NULL)
		reload_cred(s);
	if (s->o.eap_secrets != NULL)
		reload_eap(s);
}

/* bind_udp makes a UDP socket bound to addr:port; -1 with errno. */
static int
bind_udp(int af, const uint8_t *addr, uint16_t port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, e, one = 1, rcvbuf = RCVBUF_BYTES;

	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr, 16);
		len = sizeof(*sin6);
	}
	if ((fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	/* esp-tun binds beside us, connected to its peer, and so takes that
	 * peer's datagrams (esp-tun(8)); a second ike-respond is kept out by
	 * the state directory's lock instead of by bind */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	/* past rmem_max needs CAP_NET_ADMIN; else as much as rmem_max allows */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* lock_serving takes the state directory's .ike-respond.lock for as long
 * as we run: one ike-respond per state directory, since SO_REUSEPORT would
 * let a second one bind our ports and take half of our peers. */
static void
lock_serving(struct srv *s)
{
	/* kept open: the kernel drops the lock when we exit */
	if (sd_hold(s->sd.fd, ".ike-respond.lock", 0) >= 0)
		return;
	if (errno == EWOULDBLOCK)
		die(EXIT_LOCAL, "%s: another ike-respond serves this state "
		    "directory", s->dir);
	die(EXIT_LOCAL, "%s/.ike-respond.lock: %s", s->dir, strerror(errno));
}

/* load_revocation gives s->cred the --crl files, --ocsp and --revocation. */
static void
load_revocation(struct srv *s)
{
	const struct opts	*o = &s->o;
	char			 why[SIG_WHY_LEN] = "";
	enum ike_err		 e;
	unsigned		 i;

	for (i = 0; i < o->n_crls; i++)
		if ((e = sig_cred_crl_file(s->cred, o->crls[i], why,
		    sizeof(why))) != IKE_OK)
			die(e == IKE_EINVAL ? EXIT_USAGE : EXIT_LOCAL, "%s: %s",
			    o->crls[i], why[0] != '\0' ? why : ike_strerror(e));
	if ((o->ocsp != NULL || o->ocsp_aia) && (e = sig_cred_ocsp(s->cred,
	    o->ocsp, o->ocsp_aia, why, sizeof(why))) != IKE_OK) {
		if (e != IKE_EINVAL)
			die(EXIT_LOCAL, "--ocsp: %s", ike_strerror(e));
		fprintf(stderr, "%s: --ocsp: '%s': %s\n", log_progname(),
		    o->ocsp, why);
		usage(stderr, EXIT_USAGE);
	}
	if (o->revocation != -1 && sig_cred_revocation(s->cred,
	    (enum sig_revocation)o->revocation) != IKE_OK)
		die(EXIT_LOCAL, "out of memory");
	if (o->revocation == SIG_REV_STRICT &&
	    !sig_cred_revocation_source(s->cred))
		log_warn("warning: --revocation strict without --crl, --ocsp or "
		    "--ocsp-aia refuses every peer");
}

/* load_eap reads --eap-secrets and --eap-method (default mschapv2) into
 * s->eap: peers that send no AUTH are asked for EAP. */
static void
load_eap(struct srv *s)
{
	char		 why[128] = "";
	bool		 loose = false;
	enum ike_err	 e;

	if (eap_methods_parse(&s->eap, s->o.eap_method != NULL ?
	    s->o.eap_method : "mschapv2") != IKE_OK)
		usage_err("--eap-method: '%s': not a list of mschapv2, md5, tls",
		    s->o.eap_method);
	/* TLS 1.2 unless told: strongSwan 5.9.8 allowed 1.3 dies on RFC
	 * 9190's commitment message (eap_tls.c) */
	s->eap.tls13 = false;
	if (s->o.eap_tls_max != NULL)
		(void)eap_tls_max_parse(&s->eap, s->o.eap_tls_max); /* checked */
	if (s->o.eap_secrets == NULL) {		/* tls alone */
		s->cfg.eap = &s->eap;
		return;
	}
	e = eap_users_load(&s->eap_users, s->o.eap_secrets, &loose, why,
	    sizeof(why));
	if (e == IKE_EIO)
		die(EXIT_LOCAL, "%s: %s", s->o.eap_secrets, strerror(errno));
	if (loose)
		log_warn("%s: warning: secrets file is readable by group or "
		    "others", s->o.eap_secrets);
	if (e != IKE_OK)
		die(EXIT_USAGE, "%s: %s", s->o.eap_secrets, why);
	if (s->eap_users.n == 0)
		log_warn("%s: warning: no user: every EAP peer is refused",
		    s->o.eap_secrets);
	s->eap.users = &s->eap_users;
	s->cfg.eap = &s->eap;
}

/* load_cred reads --cert, --key and --ca into s->cred and, without --id,
 * takes the certificate's subject DN as our ID (ID_DER_ASN1_DN). */
static void
load_cred(struct srv *s)
{
	struct credfile_err	 err;
	struct xchg_cfg		*c = &s->cfg;
	enum ike_err		 e;

	e = credfile_load(&s->cred, s->o.cert, s->o.key, s->o.ca, &err);
	if (err.key_loose)
		log_warn("%s: warning: key file is readable by group or others",
		    s->o.key);
	if (e != IKE_OK)
		die(e == IKE_EINVAL ? EXIT_USAGE : EXIT_LOCAL, "%s: %s", err.path,
		    err.why);
	load_revocation(s);
	c->cred = s->cred;
	if (c->local_id.type == 0) {
		c->local_id.type = IKEV2_ID_DER_ASN1_DN;
		if (sig_cred_subject(s->cred, c->local_id.data,
		    sizeof(c->local_id.data), &c->local_id.len) != IKE_OK)
			die(EXIT_USAGE, "%s: subject DN longer than %d bytes: use --id",
			    s->o.cert, IKE_ID_MAX_LEN);
	}
}

static void
setup(struct srv *s)
{
	struct opts	*o = &s->o;
	struct xchg_cfg	*c = &s->cfg;
	char		 err[PROPOSAL_ERR_MAX];
	uint16_t	 port = 0;
	bool		 has_port;
	enum ike_err	 e;
	int		 i, status;

	if (!net_parse_hostport(o->local, &s->af, s->local, &port, &has_port))
		usage_err("--local: '%s': not an address", o->local);
	s->lport[0] = has_port ? port : IKE_PORT;
	s->lport[1] = has_port ? (uint16_t)(port + 1) : IKE_NATT_PORT;
	if (proposal_parse(&c->ike, IKEV2_PROTO_IKE, o->ike, err, sizeof(err)) != IKE_OK)
		usage_err("--ike: %s", err);
	if (proposal_parse(&c->esp, IKEV2_PROTO_ESP, o->esp, err, sizeof(err)) != IKE_OK)
		usage_err("--esp: %s", err);
	if (strchr(o->ts, '=') != NULL)
		usage_err("--ts: '%s': ike-respond takes the local side only", o->ts);
	if (ts_parse_list(&c->ts_local, o->ts, err, sizeof(err)) != IKE_OK)
		usage_err("--ts: %s", err);
	if (o->id != NULL && ike_id_parse(&c->local_id, o->id) != IKE_OK)
		usage_err("--id: '%s': not an identity", o->id);
	if (c->local_id.type == 0 && o->cert == NULL) {	/* else the DN */
		c->local_id.type = s->af == AF_INET6 ? IKEV2_ID_IPV6_ADDR :
		    IKEV2_ID_IPV4_ADDR;
		c->local_id.len = s->af == AF_INET6 ? 16 : 4;
		memcpy(c->local_id.data, s->local, c->local_id.len);
	}
	for (i = 0; i < (int)o->n_pools; i++)
		if (cp_pool_parse(&s->cp, o->pools[i], err, sizeof(err)) != IKE_OK)
			usage_err("--pool: %s", err);
	for (i = 0; i < (int)o->n_dns; i++)
		if (cp_dns_add(&s->cp, o->dns[i]) != IKE_OK)
			usage_err("--dns: '%s': not an address", o->dns[i]);
	c->cp = &s->cp;
	cookie_gen_init(&s->cookies, net_now_ms());
	if (o->eap_secrets != NULL || o->eap_method != NULL)
		load_eap(s);
	if (o->cert != NULL)
		load_cred(s);
	else if (!read_psk(&s->psk, o->psk_file, &status))
		exit(status);
	else
		c->psk = &s->psk;
	c->af = s->af;
	c->frag = o->frag_mtu != 0;
	c->mobike = !no_mobike;
	s->dh_reuse.max_ms = o->dh_reuse * 1000;
	c->dh_reuse = &s->dh_reuse;
	memcpy(c->local_addr, s->local, sizeof(c->local_addr));
	c->local_port = s->lport[0];

	if (o->statedir != NULL)
		snprintf(s->dir, sizeof(s->dir), "%s", o->statedir);
	else if ((e = sd_default_dir(s->dir, sizeof(s->dir))) != IKE_OK)
		die(EXIT_LOCAL, "state directory: %s (set IKE_STATE_DIR or use -S)",
		    ike_strerror(e));
	if (sd_open(&s->sd, s->dir, true) != IKE_OK)
		die(EXIT_LOCAL, "%s: %s%s%s", s->dir, strerror(errno),
		    s->sd.why[0] ? ": " : "", s->sd.why);
	s->sd.nosync = o->sync != SYNC_ALWAYS;	/* batch: one sd_sync a round */
	if (o->keys_out != NULL && mkdir(o->keys_out, 0700) != 0 && errno != EEXIST)
		die(EXIT_LOCAL, "%s: %s", o->keys_out, strerror(errno));
	if (o->pcap != NULL && pcapw_open(&s->pcap, o->pcap, DLT_RAW) != IKE_OK)
		die(EXIT_LOCAL, "%s: %s", o->pcap, strerror(errno));
	lock_serving(s);
	if (sd_sweep_hidden(&s->sd) > 0)	/* after the lock: ours alone */
		log_warn("%s: removed what killed programs left", s->dir);
	leases_load(s);
	for (i = 0; i < 2; i++)
		if ((s->fd[i] = bind_udp(s->af, s->local, s->lport[i])) < 0)
			die(EXIT_LOCAL, "%s port %u: bind: %s", o->local,
			    s->lport[i], strerror(errno));
	if (!table_init(&s->tab, (size_t)o->max_sas))
		die(EXIT_LOCAL, "out of memory");
	adopt_all(s);		/* what an earlier run left */
	s->wq_tail = &s->wq;
}

int
main(int argc, char *argv[])
{
	static struct srv	 s;

	log_init(argv[0]);
	(void)secret_nodump();		/* no core file with the keys in it */
	umask(077);
	parse_opts(&s.o, argc, argv);
	if (!crypto_init())
		die(EXIT_FAIL, "cannot initialise libsodium");
	signals();
	setup(&s);
	serve(&s);			/* until SIGTERM or SIGINT */
	close(s.fd[0]);
	close(s.fd[1]);
	(void)pcapw_close(s.pcap);
	psk_wipe(&s.psk);
	eap_users_free(&s.eap_users);
	sig_cred_free(s.cred);
	cookie_gen_wipe(&s.cookies);
	leases_free(&s);
	dh_reuse_clear(&s.dh_reuse);
	cp_cfg_free(&s.cp);
	table_free(&s.tab);
	sd_close(&s.sd);
	return EXIT_OK;
}
