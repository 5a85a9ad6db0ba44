/* SPDX-License-Identifier: ISC */
/* ike-initiate: set up an IKE SA and its first Child SA with a peer (PSK), and record them in the state directory. */
#include <sys/socket.h>
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
#include "crypto/sig.h"
#include "exchange/frag.h"
#include "exchange/record.h"
#include "io/credfile.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"
#include "sa/statedir.h"
#include "initiate.h"

enum {
	OPT_CA = 240,
	OPT_CERT,
	OPT_KEY,
	OPT_CRL,
	OPT_OCSP,
	OPT_OCSP_AIA,
	OPT_REVOCATION,
	OPT_ENCAP = 256,
	OPT_ESP,
	OPT_FRAG_MTU,
	OPT_ID,
	OPT_IKE,
	OPT_JSON,
	OPT_KEYS_OUT,
	OPT_LOCAL,
	OPT_NAME,
	OPT_PCAP,
	OPT_PEER,
	OPT_PEER_ID,
	OPT_PSK_FILE,
	OPT_STAY,
	OPT_TIMEOUT,
	OPT_TS,
	OPT_UNTIL,
	OPT_VIP,
	OPT_VIP6,
	OPT_EAP_ID,
	OPT_EAP_METHOD,
	OPT_EAP_PASSWORD_FILE,
	OPT_EAP_SECRETS,
	OPT_EAP_TLS_MAX,
	OPT_LIFETIME,
	OPT_LIFETIME_BYTES,
	OPT_LIFETIME_PACKETS,
	OPT_NO_MOBIKE,
};

/* --no-mobike: no MOBIKE_SUPPORTED in IKE_AUTH (RFC 4555) */
static bool	 no_mobike;

enum { CRL_FILES_MAX = 16 };

/* --eap-method (default: both, MS-CHAPv2 first) */
static struct eap_cfg	 eap_methods;

/* eap_tls: --eap-method names tls (it then goes alone) */
static bool
eap_tls(void)
{
	return memchr(eap_methods.methods, EAP_TYPE_TLS,
	    eap_methods.n_methods) != NULL;
}

/* --crl, --ocsp, --ocsp-aia, --revocation: set on the credentials once
 * they are read (load_revocation) */
static struct {
	const char		*crl[CRL_FILES_MAX];
	size_t			 n_crl;
	const char		*ocsp;
	bool			 aia, set;
	enum sig_revocation	 pol;
} rev;

static const char synopsis[] =
    "usage: ike-initiate --peer addr[:port] --psk-file file | --cert file --key file\n"
    "                    --ca file | --eap-id user --eap-secrets file --ca file\n"
    "                    --ike proposals\n"
    "                    --esp proposals --ts local=remote [-hv] [--encap]\n"
    "                    [--crl file] [--eap-method methods]\n"
    "                    [--eap-password-file file] [--eap-tls-max 1.2 | 1.3]\n"
    "                    [--frag-mtu bytes] [--id id] [--json]\n"
    "                    [--keys-out dir] [--lifetime secs] [--lifetime-bytes n]\n"
    "                    [--lifetime-packets n] [--local addr[:port]]\n"
    "                    [--name name] [--no-mobike] [--ocsp url] [--ocsp-aia]\n"
    "                    [--pcap file]\n"
    "                    [--peer-id id] [--revocation strict | ifuri | relaxed]\n"
    "                    [-S dir] [--stay] [--timeout secs]\n"
    "                    [--until sa-init | auth] [--vip] [--vip6]\n";

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

static void
parse_opts(struct opts *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "ca",		required_argument,	NULL, OPT_CA },
		{ "cert",	required_argument,	NULL, OPT_CERT },
		{ "crl",	required_argument,	NULL, OPT_CRL },
		{ "eap-id",	required_argument,	NULL, OPT_EAP_ID },
		{ "eap-method",	required_argument,	NULL, OPT_EAP_METHOD },
		{ "eap-password-file", required_argument, NULL,
		    OPT_EAP_PASSWORD_FILE },
		{ "eap-secrets", required_argument,	NULL, OPT_EAP_SECRETS },
		{ "eap-tls-max", required_argument,	NULL, OPT_EAP_TLS_MAX },
		{ "encap",	no_argument,		NULL, OPT_ENCAP },
		{ "esp",	required_argument,	NULL, OPT_ESP },
		{ "frag-mtu",	required_argument,	NULL, OPT_FRAG_MTU },
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
		{ "name",	required_argument,	NULL, OPT_NAME },
		{ "ocsp",	required_argument,	NULL, OPT_OCSP },
		{ "ocsp-aia",	no_argument,		NULL, OPT_OCSP_AIA },
		{ "pcap",	required_argument,	NULL, OPT_PCAP },
		{ "peer",	required_argument,	NULL, OPT_PEER },
		{ "peer-id",	required_argument,	NULL, OPT_PEER_ID },
		{ "psk-file",	required_argument,	NULL, OPT_PSK_FILE },
		{ "revocation",	required_argument,	NULL, OPT_REVOCATION },
		{ "state-dir",	required_argument,	NULL, 'S' },
		{ "stay",	no_argument,		NULL, OPT_STAY },
		{ "timeout",	required_argument,	NULL, OPT_TIMEOUT },
		{ "ts",		required_argument,	NULL, OPT_TS },
		{ "until",	required_argument,	NULL, OPT_UNTIL },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "vip",	no_argument,		NULL, OPT_VIP },
		{ "vip6",	no_argument,		NULL, OPT_VIP6 },
		{ NULL, 0, NULL, 0 }
	};
	char	*end;
	long	 v;
	char	 err[96];
	int	 c, verbose = 0;
	bool	 until = false;

	memset(o, 0, sizeof(*o));
	o->timeout = 10;
	o->frag_mtu = FRAG_MTU_DEFAULT;
	while ((c = getopt_long(argc, argv, "hS:v", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CA:		o->ca = optarg; break;
		case OPT_CERT:		o->cert = optarg; break;
		case OPT_CRL:
			if (rev.n_crl == CRL_FILES_MAX)
				usage_err("--crl: '%s': at most 16 files", optarg);
			rev.crl[rev.n_crl++] = optarg;
			break;
		case OPT_OCSP:		rev.ocsp = optarg; break;
		case OPT_OCSP_AIA:	rev.aia = true; break;
		case OPT_REVOCATION:
			rev.set = true;
			if (strcmp(optarg, "strict") == 0)
				rev.pol = SIG_REV_STRICT;
			else if (strcmp(optarg, "ifuri") == 0)
				rev.pol = SIG_REV_IFURI;
			else if (strcmp(optarg, "relaxed") == 0)
				rev.pol = SIG_REV_RELAXED;
			else
				usage_err("--revocation: '%s': not strict, ifuri or "
				    "relaxed", optarg);
			break;
		case OPT_EAP_ID:	o->eap_id = optarg; break;
		case OPT_EAP_METHOD:	o->eap_method = optarg; break;
		case OPT_EAP_PASSWORD_FILE: o->eap_password_file = optarg; break;
		case OPT_EAP_SECRETS:	o->eap_secrets = optarg; break;
		case OPT_EAP_TLS_MAX:	o->eap_tls_max = optarg; break;
		case OPT_ENCAP:		o->encap = true; break;
		case OPT_NO_MOBIKE:	no_mobike = true; break;
		case OPT_KEY:		o->key = optarg; break;
		case OPT_ESP:		o->esp = optarg; break;
		case OPT_FRAG_MTU:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] < '0' ||
			    optarg[0] > '9' || (v != 0 && (v < FRAG_MTU_MIN ||
			    v > FRAG_MTU_MAX)))
				usage_err("--frag-mtu: '%s': not 0 or a size from "
				    "256 to 65535", optarg);
			o->frag_mtu = (unsigned)v;
			break;
		case 'h':		usage(stdout, EXIT_OK);
		case OPT_ID:		o->id = optarg; break;
		case OPT_IKE:		o->ike = optarg; break;
		case OPT_JSON:		o->json = true; break;
		case OPT_KEYS_OUT:	o->keys_out = optarg; break;
		case OPT_LIFETIME:
		case OPT_LIFETIME_BYTES:
		case OPT_LIFETIME_PACKETS:
			if (!child_life_option(c == OPT_LIFETIME ? 0 :
			    c == OPT_LIFETIME_BYTES ? 1 : 2, optarg, o->life,
			    err, sizeof(err)))
				usage_err("%s", err);
			break;
		case OPT_LOCAL:		o->local = optarg; break;
		case OPT_NAME:		o->name = optarg; break;
		case OPT_PCAP:		o->pcap = optarg; break;
		case OPT_PEER:		o->peer = optarg; break;
		case OPT_PEER_ID:	o->peer_id = optarg; break;
		case OPT_PSK_FILE:	o->psk_file = optarg; break;
		case 'S':		o->statedir = optarg; break;
		case OPT_STAY:		o->stay = true; break;
		case OPT_TIMEOUT:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] < '0' ||
			    optarg[0] > '9' || v < 1 || v > 3600)
				usage_err("--timeout: '%s': not a number of seconds "
				    "from 1 to 3600", optarg);
			o->timeout = (int)v;
			break;
		case OPT_TS:		o->ts = optarg; break;
		case OPT_UNTIL:
			until = true;
			if (strcmp(optarg, "sa-init") == 0)
				o->until_init = true;
			else if (strcmp(optarg, "auth") != 0)
				usage_err("--until: '%s': not sa-init or auth", optarg);
			break;
		case 'v':		verbose++; break;
		case OPT_VIP:		o->vip |= VIP_REQ_4; break;
		case OPT_VIP6:		o->vip |= VIP_REQ_6; break;
		default:		usage(stderr, EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage_err("unexpected argument '%s'", argv[optind]);
	log_set_verbose(verbose);
	if (o->peer == NULL)
		usage_err("%s", "missing --peer");
	if (o->eap_method != NULL && eap_methods_parse(&eap_methods,
	    o->eap_method) != IKE_OK)
		usage_err("--eap-method: '%s': not a list of mschapv2, md5, tls",
		    o->eap_method);
	/* TLS 1.3 offered unless told: a server of RFC 9190 or of its draft
	 * (strongSwan 5.9) takes it, any other answers 1.2 */
	eap_methods.tls13 = true;
	if (o->eap_tls_max != NULL && !eap_tls())
		usage_err("%s", "--eap-tls-max goes with --eap-method tls");
	if (o->eap_tls_max != NULL && !eap_tls_max_parse(&eap_methods,
	    o->eap_tls_max))
		usage_err("--eap-tls-max: '%s': not 1.2 or 1.3", o->eap_tls_max);
	if (eap_tls()) {
		/* EAP-TLS: our certificate inside EAP; --eap-id optional */
		if (eap_methods.n_methods != 1)
			usage_err("%s", "--eap-method tls goes alone");
		if (o->cert == NULL || o->key == NULL || o->psk_file != NULL ||
		    o->eap_secrets != NULL || o->eap_password_file != NULL)
			usage_err("%s", "--eap-method tls: give --cert and --key "
			    "(no --psk-file, --eap-secrets, --eap-password-file)");
	} else if (o->eap_id != NULL && (o->psk_file != NULL ||
	    o->cert != NULL || o->key != NULL))
		usage_err("%s", "--eap-id and --psk-file or --cert: choose one");
	else if (o->eap_id == NULL && (o->eap_secrets != NULL ||
	    o->eap_password_file != NULL || o->eap_method != NULL))
		usage_err("%s", "--eap-secrets, --eap-password-file and "
		    "--eap-method go with --eap-id");
	else if (o->eap_id != NULL && (o->eap_secrets == NULL) ==
	    (o->eap_password_file == NULL))
		usage_err("%s", "--eap-id: give --eap-secrets or "
		    "--eap-password-file (one)");
	if (o->eap_id != NULL && o->ca == NULL)
		usage_err("%s", "missing --ca (to check the peer's certificate)");
	if (o->eap_id != NULL && (o->eap_id[0] == '\0' ||
	    strlen(o->eap_id) > EAP_NAME_MAX))
		usage_err("--eap-id: '%s': empty or longer than 255 bytes",
		    o->eap_id);
	if (o->psk_file == NULL && o->cert == NULL && o->key == NULL &&
	    o->eap_id == NULL)
		usage_err("%s", "missing --psk-file or --cert");
	if (o->psk_file != NULL && (o->cert != NULL || o->key != NULL))
		usage_err("%s", "--psk-file and --cert/--key: choose one");
	if (o->cert != NULL && o->key == NULL)
		usage_err("%s", "missing --key (the private key of --cert)");
	if (o->key != NULL && o->cert == NULL)
		usage_err("%s", "missing --cert (the certificate of --key)");
	if (o->cert != NULL && o->ca == NULL)
		usage_err("%s", "missing --ca (to check the peer's certificate)");
	if (o->cert == NULL && o->eap_id == NULL && (rev.n_crl != 0 ||
	    rev.ocsp != NULL || rev.aia || rev.set))
		usage_err("%s", "--crl, --ocsp, --ocsp-aia and --revocation go "
		    "with --cert");
	if (o->stay && until)
		usage_err("%s", "--stay and --until: choose one");
	if (o->ike == NULL)
		usage_err("%s", "missing --ike");
	if (!o->until_init && o->esp == NULL)
		usage_err("%s", "missing --esp");
	if (!o->until_init && o->ts == NULL)
		usage_err("%s", "missing --ts");
	if (o->name != NULL && !sd_name_ok(o->name))
		usage_err("--name: '%s': 1 to 64 of A-Z a-z 0-9 . _ - not starting "
		    "with '.'", o->name);
}

/* read_psk reads the key file: its bytes, less one trailing newline. */
static void
read_psk(struct psk *out, const char *path)
{
	struct stat	 st;
	uint8_t		 buf[PSK_MAX_LEN + 2];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		die(EXIT_LOCAL, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("%s: warning: key file is readable by group or others",
		    path);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		die(EXIT_LOCAL, "%s: %s", path, strerror(errno));
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n == 0) {
		wipe(buf, sizeof(buf));
		die(EXIT_FAIL, "%s: empty key file", path);
	}
	if ((size_t)n > PSK_MAX_LEN) {
		wipe(buf, sizeof(buf));
		die(EXIT_FAIL, "%s: key longer than %d bytes", path, PSK_MAX_LEN);
	}
	memcpy(out->key, buf, (size_t)n);
	out->len = (size_t)n;
	wipe(buf, sizeof(buf));
}

/* load_revocation gives cred the --crl files, --ocsp and --revocation. */
static void
load_revocation(struct sig_cred *cred)
{
	char		 why[SIG_WHY_LEN] = "";
	enum ike_err	 e;
	size_t		 i;

	for (i = 0; i < rev.n_crl; i++)
		if ((e = sig_cred_crl_file(cred, rev.crl[i], why, sizeof(why))) !=
		    IKE_OK)
			die(e == IKE_EINVAL ? EXIT_USAGE : EXIT_LOCAL, "%s: %s",
			    rev.crl[i], why[0] != '\0' ? why : ike_strerror(e));
	if ((rev.ocsp != NULL || rev.aia) && (e = sig_cred_ocsp(cred, rev.ocsp,
	    rev.aia, why, sizeof(why))) != IKE_OK) {
		if (e != IKE_EINVAL)
			die(EXIT_LOCAL, "--ocsp: %s", ike_strerror(e));
		fprintf(stderr, "%s: --ocsp: '%s': %s\n", log_progname(),
		    rev.ocsp, why);
		usage(stderr, EXIT_USAGE);
	}
	if (rev.set && sig_cred_revocation(cred, rev.pol) != IKE_OK)
		die(EXIT_LOCAL, "out of memory");
	if (rev.set && rev.pol == SIG_REV_STRICT &&
	    !sig_cred_revocation_source(cred))
		log_warn("warning: --revocation strict without --crl, --ocsp or "
		    "--ocsp-aia refuses every peer");
}

/* load_cred reads --cert, --key and --ca into r->cred and, without --id,
 * takes the certificate's subject DN as our ID (ID_DER_ASN1_DN). */
static void
load_cred(struct run *r)
{
	struct credfile_err	 err;
	struct xchg_cfg		*c = &r->cfg;
	enum ike_err		 e;

	e = credfile_load(&r->cred, r->o.cert, r->o.key, r->o.ca, &err);
	if (err.key_loose)
		log_warn("%s: warning: key file is readable by group or others",
		    r->o.key);
	if (e != IKE_OK)
		die(e == IKE_EINVAL ? EXIT_USAGE : EXIT_LOCAL, "%s: %s", err.path,
		    err.why);
	load_revocation(r->cred);
	c->cred = r->cred;
	if (c->local_id.type == 0) {
		c->local_id.type = IKEV2_ID_DER_ASN1_DN;
		if (sig_cred_subject(r->cred, c->local_id.data,
		    sizeof(c->local_id.data), &c->local_id.len) != IKE_OK)
			die(EXIT_USAGE, "%s: subject DN longer than %d bytes: use --id",
			    r->o.cert, IKE_ID_MAX_LEN);
	}
}

/* load_eap reads --ca (the anchors for the peer's certificate: we do
 * not sign) and our password: --eap-id's line of --eap-secrets or the
 * whole --eap-password-file. */
static void
load_eap(struct run *r)
{
	struct credfile_err	 err;
	struct eap_users	 all;
	const struct eap_user	*u;
	struct psk		 pw;
	char			 why[128];
	bool			 loose;
	enum ike_err		 e;

	memset(&err, 0, sizeof(err));
	if ((e = credfile_load(&r->cred, NULL, NULL, r->o.ca, &err)) != IKE_OK)
		die(e == IKE_EINVAL ? EXIT_USAGE : EXIT_LOCAL, "%s: %s", err.path,
		    err.why);
	load_revocation(r->cred);
	r->cfg.cred = r->cred;
	if ((r->eap_users.u = calloc(1, sizeof(*r->eap_users.u))) == NULL)
		die(EXIT_LOCAL, "out of memory");
	r->eap_users.n = 1;
	u = NULL;
	if (r->o.eap_secrets != NULL) {
		why[0] = '\0';
		e = eap_users_load(&all, r->o.eap_secrets, &loose, why,
		    sizeof(why));
		if (e == IKE_EIO)
			die(EXIT_LOCAL, "%s: %s", r->o.eap_secrets, strerror(errno));
		if (loose)
			log_warn("%s: warning: secrets file is readable by group "
			    "or others", r->o.eap_secrets);
		if (e != IKE_OK)
			die(EXIT_USAGE, "%s: %s", r->o.eap_secrets, why);
		if ((u = eap_user_find(&all, r->o.eap_id,
		    strlen(r->o.eap_id))) == NULL) {
			eap_users_free(&all);
			die(EXIT_USAGE, "%s: no line for user '%s'",
			    r->o.eap_secrets, r->o.eap_id);
		}
		r->eap_users.u[0] = *u;
		eap_users_free(&all);
	} else {
		read_psk(&pw, r->o.eap_password_file);
		if (memchr(pw.key, '\0', pw.len) != NULL) {
			psk_wipe(&pw);
			die(EXIT_USAGE, "%s: a NUL byte in the password",
			    r->o.eap_password_file);
		}
		memcpy(r->eap_users.u[0].pass, pw.key, pw.len);
		psk_wipe(&pw);
	}
	snprintf(r->eap_users.u[0].name, sizeof(r->eap_users.u[0].name), "%s",
	    r->o.eap_id);
	r->eap = eap_methods;
	if (r->eap.n_methods == 0 &&
	    eap_methods_parse(&r->eap, "mschapv2,md5") != IKE_OK)
		die(EXIT_FAIL, "EAP methods");
	r->eap.users = &r->eap_users;
	r->cfg.eap = &r->eap;
}

/* load_eap_tls: EAP-TLS with --cert and --key (load_cred read them); the
 * EAP identity is --eap-id or our IKE ID as text. */
static void
load_eap_tls(struct run *r)
{
	struct eap_user	*u;

	if ((r->eap_users.u = calloc(1, sizeof(*r->eap_users.u))) == NULL)
		die(EXIT_LOCAL, "out of memory");
	r->eap_users.n = 1;
	u = &r->eap_users.u[0];
	if (r->o.eap_id != NULL)
		snprintf(u->name, sizeof(u->name), "%s", r->o.eap_id);
	else if (!eap_tls_id_text(r->cfg.local_id.type, r->cfg.local_id.data,
	    r->cfg.local_id.len, u->name, sizeof(u->name)))
		die(EXIT_USAGE, "--eap-method tls: our ID has no text form: "
		    "use --eap-id");
	r->eap = eap_methods;
	r->eap.users = &r->eap_users;
	r->cfg.eap = &r->eap;
}

/* setup turns the options into r->cfg and opens the sockets. */
static void
setup(struct run *r)
{
	struct opts	*o = &r->o;
	struct xchg_cfg	*c = &r->cfg;
	char		 err[PROPOSAL_ERR_MAX], *ts_l, *eq;
	uint8_t		 peer[16], local[16];
	uint16_t	 pport[2] = { IKE_PORT, IKE_NATT_PORT };
	uint16_t	 lport[2] = { IKE_PORT, IKE_NATT_PORT }, port = 0;
	int		 af = 0, laf = 0;
	bool		 has_port, strict = false;

	if (!net_parse_hostport(o->peer, &af, peer, &port, &has_port))
		usage_err("--peer: '%s': not an address", o->peer);
	if (has_port)
		pport[0] = port;
	if (o->local != NULL) {
		if (!net_parse_hostport(o->local, &laf, local, &port, &has_port))
			usage_err("--local: '%s': not an address", o->local);
		if (laf != af)
			usage_err("--local: '%s': not the address family of --peer",
			    o->local);
		if (has_port) {
			lport[0] = port;
			lport[1] = 0;
			strict = true;
		}
	}
	if (proposal_parse(&c->ike, IKEV2_PROTO_IKE, o->ike, err, sizeof(err)) != IKE_OK)
		usage_err("--ike: %s", err);
	if (o->esp != NULL &&
	    proposal_parse(&c->esp, IKEV2_PROTO_ESP, o->esp, err, sizeof(err)) != IKE_OK)
		usage_err("--esp: %s", err);
	if (o->ts != NULL) {
		if ((ts_l = strdup(o->ts)) == NULL)
			die(EXIT_LOCAL, "out of memory");
		if ((eq = strchr(ts_l, '=')) == NULL)
			usage_err("--ts: '%s': not LOCAL=REMOTE", o->ts);
		*eq = '\0';
		/* with --vip the local side is the address we are given */
		if ((o->vip == 0 || ts_l[0] != '\0') &&
		    ts_parse_list(&c->ts_local, ts_l, err, sizeof(err)) != IKE_OK)
			usage_err("--ts: %s", err);
		if (ts_parse_list(&c->ts_remote, eq + 1, err, sizeof(err)) != IKE_OK)
			usage_err("--ts: %s", err);
		free(ts_l);
	}
	if (o->vip != 0) {
		/* TSi 0.0.0.0/0 (::/0): the responder narrows it to our address */
		if (ts_parse_list(&c->ts_local, o->vip == VIP_REQ_4 ? "0.0.0.0/0" :
		    o->vip == VIP_REQ_6 ? "::/0" : "0.0.0.0/0,::/0", err,
		    sizeof(err)) != IKE_OK)
			usage_err("--vip: %s", err);
		c->vip_req = o->vip;
	}
	if (o->id != NULL && ike_id_parse(&c->local_id, o->id) != IKE_OK)
		usage_err("--id: '%s': not an identity", o->id);
	if (o->peer_id != NULL && ike_id_parse(&c->peer_id, o->peer_id) != IKE_OK)
		usage_err("--peer-id: '%s': not an identity", o->peer_id);

	if (eap_tls()) {
		load_cred(r);
		load_eap_tls(r);
	} else if (o->eap_id != NULL)
		load_eap(r);
	else if (o->cert != NULL)
		load_cred(r);
	else {
		read_psk(&r->psk, o->psk_file);
		c->psk = &r->psk;
	}
	if (net_open(&r->net, af, o->local != NULL ? local : NULL, lport, peer,
	    pport, strict) != IKE_OK)
		die(EXIT_LOCAL, "%s: socket: %s", o->peer, strerror(errno));
	c->af = af;
	memcpy(c->local_addr, r->net.local, sizeof(c->local_addr));
	memcpy(c->peer_addr, r->net.peer, sizeof(c->peer_addr));
	c->local_port = r->net.lport[0];
	c->peer_port = r->net.pport[0];
	if (c->local_id.type == 0) {
		c->local_id.type = af == AF_INET6 ? IKEV2_ID_IPV6_ADDR : IKEV2_ID_IPV4_ADDR;
		c->local_id.len = af == AF_INET6 ? 16 : 4;
		memcpy(c->local_id.data, r->net.local, c->local_id.len);
	}
	c->fake_natd = o->encap;
	c->frag = o->frag_mtu != 0;
	c->mobike = !no_mobike;
}

/* check_vip dies (exit 3) when --vip/--vip6 got no address of a family
 * asked for: RFC 7296 3.15.4, a reply without one is an error to us. The
 * peer's IKE SA is up, so it is deleted first. */
static void
check_vip(struct run *r)
{
	if (r->sa.state != SA_ESTABLISHED || r->o.vip == 0)
		return;
	if (((r->o.vip & VIP_REQ_4) && r->sa.vip.addr[0].fam == 0) ||
	    ((r->o.vip & VIP_REQ_6) && r->sa.vip.addr[1].fam == 0)) {
		(void)stay_delete(r);
		die(EXIT_REFUSED, "%s: IKE_AUTH: peer assigned no virtual IP%s",
		    r->o.peer, r->o.vip == (VIP_REQ_4 | VIP_REQ_6) ? " of each family" : "");
	}
}

int
main(int argc, char *argv[])
{
	static struct run	 r;
	int			 status = EXIT_OK;

	log_init(argv[0]);
	(void)secret_nodump();		/* no core file with the keys in it */
	umask(077);
	parse_opts(&r.o, argc, argv);
	if (r.o.stay)
		stay_signals();		/* a signal from now on ends with a Delete */
	if (!crypto_init())
		die(EXIT_FAIL, "cannot initialise libsodium");
	setup(&r);
	ike_sa_init(&r.sa, ROLE_INITIATOR);
	run_exchanges(&r);			/* dies on failure */
	check_vip(&r);
	save_state(&r);
	save_keys(&r);
	/* without --stay our sockets go before the result is out: the
	 * program reading it (ike-initiate | esp-tun) binds the same ports */
	if (!r.o.stay)
		net_close(&r.net);
	print_result(&r);
	if (r.o.stay)
		status = stay(&r);	/* until the peer or a signal ends the SA */
	run_pcap_close(&r);		/* the stay's messages in it too */
	net_close(&r.net);
	ike_sa_wipe(&r.sa);
	psk_wipe(&r.psk);
	eap_users_free(&r.eap_users);
	sig_cred_free(r.cred);
	return status;
}
