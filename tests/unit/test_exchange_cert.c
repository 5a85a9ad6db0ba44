/* SPDX-License-Identifier: ISC */
/* Unit tests for exchange/ with certificates: initiator <-> responder in memory, CERT/CERTREQ/RFC 7427 AUTH, refusals. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "xchg_cfg.h"
#include "buf/buf.h"
#include "crypto/sig.h"
#include "exchange/xchg.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"

#define VEC "tests/vectors/certs/"

struct cpair {
	struct xchg_cfg	 ci, cr;
	struct sig_cred	*ki, *kr;
	struct ike_sa	 i, r;
	uint8_t		 req[XCHG_OUT_MAX], resp[XCHG_OUT_MAX];
	size_t		 req_len, resp_len;
};

static int
load(struct sig_cred **c, const char *name, const char *ca)
{
	static char	 buf[16384];
	char		 path[256];
	const char	*what[3] = { "key", "crt", NULL };
	FILE		*f;
	size_t		 n, i;
	enum ike_err	 e;

	if (sig_cred_new(c) != IKE_OK)
		return 0;
	for (i = 0; i < 3; i++) {
		if (i < 2)
			snprintf(path, sizeof(path), VEC "%s.%s.pem", name, what[i]);
		else
			snprintf(path, sizeof(path), VEC "%s.crt.pem", ca);
		if ((f = fopen(path, "r")) == NULL)
			return 0;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		e = i == 0 ? sig_cred_key(*c, buf, n) : i == 1 ?
		    sig_cred_certs(*c, buf, n) : sig_cred_ca(*c, buf, n);
		if (e != IKE_OK)
			return 0;
	}
	return 1;
}

/* cpair_new: initiator 192.0.2.1 with cert name_i, responder 192.0.2.2
 * with name_r; both trust ca. */
static int
cpair_new(struct cpair *p, const char *name_i, const char *name_r)
{
	memset(p, 0, sizeof(*p));
	if (!load(&p->ki, name_i, "ca") || !load(&p->kr, name_r, "ca") ||
	    !cfg(&p->ci, "192.0.2.1", "192.0.2.2", "10.1.0.0/16", "10.2.0.0/16") ||
	    !cfg(&p->cr, "192.0.2.2", "192.0.2.1", "10.2.0.0/16", "10.1.0.0/16"))
		return 0;
	p->ci.cred = p->ki;
	p->cr.cred = p->kr;
	ike_sa_init(&p->i, ROLE_INITIATOR);
	ike_sa_init(&p->r, ROLE_RESPONDER);
	return 1;
}

static void
cpair_free(struct cpair *p)
{
	ike_sa_wipe(&p->i);
	ike_sa_wipe(&p->r);
	sig_cred_free(p->ki);
	sig_cred_free(p->kr);
}

/* has_payload returns whether the cleartext message m has payload type t
 * (IKE_SA_INIT only: walks the chain from the header). */
static int
has_payload(const uint8_t *m, size_t len, uint8_t t)
{
	size_t	 off = 28;
	uint8_t	 next = m[16];

	while (next != 0 && off + 4 <= len) {
		if (next == t)
			return 1;
		next = m[off];
		off += (size_t)(m[off + 2] << 8 | m[off + 3]);
	}
	return 0;
}

/* run_init runs IKE_SA_INIT both ways. */
static int
run_init(struct cpair *p)
{
	struct wr	 w = wr_init(p->req, sizeof(p->req));
	struct wr	 w2 = wr_init(p->resp, sizeof(p->resp));

	if (sa_init_create(&p->i, &p->ci, &w) != IKE_OK)
		return 0;
	p->req_len = w.len;
	if (sa_init_respond(&p->r, &p->cr, rd_init(p->req, p->req_len), &w2) != IKE_OK)
		return 0;
	p->resp_len = w2.len;
	return sa_init_consume(&p->i, &p->ci, rd_init(p->resp, p->resp_len)) == IKE_OK;
}

/* run_auth: the initiator's request and the responder's answer. */
static enum ike_err
run_auth(struct cpair *p)
{
	struct wr	 w = wr_init(p->req, sizeof(p->req));
	struct wr	 w2 = wr_init(p->resp, sizeof(p->resp));
	enum ike_err	 e;

	if ((e = auth_create(&p->i, &p->ci, &w)) != IKE_OK)
		return e;
	p->req_len = w.len;
	e = auth_respond(&p->r, &p->cr, rd_init(p->req, p->req_len), &w2);
	p->resp_len = w2.len;
	return e;
}

static int
established(const char *name_i, const char *name_r, int *failed_)
{
	struct cpair	 p;
	int		 ok = 0;

	if (!cpair_new(&p, name_i, name_r) || !run_init(&p))
		goto out;
	/* N(SIGNATURE_HASH_ALGORITHMS) both ways; CERTREQ from the responder */
	if (p.i.peer_hash_algs != p.r.peer_hash_algs || p.i.peer_hash_algs == 0 ||
	    !has_payload(p.resp, p.resp_len, IKEV2_PAYLOAD_CERTREQ) ||
	    has_payload(p.req, p.req_len, IKEV2_PAYLOAD_CERTREQ))
		goto out;
	if (run_auth(&p) != IKE_OK || p.r.state != SA_ESTABLISHED)
		goto out;
	if (auth_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)) != IKE_OK ||
	    p.i.state != SA_ESTABLISHED)
		goto out;
	ok = p.i.child.spi_out == p.r.child.spi_in &&
	    p.r.child.spi_out == p.i.child.spi_in &&
	    memcmp(&p.i.child.keys, &p.r.child.keys, sizeof(p.i.child.keys)) == 0 &&
	    p.i.peer_id.type == IKEV2_ID_IPV4_ADDR;
out:
	if (!ok)
		fprintf(stderr, "  %s -> %s: i %s, r %s\n", name_i, name_r,
		    p.i.auth_why, p.r.auth_why);
	cpair_free(&p);
	(void)failed_;
	return ok;
}

TEST(exchange_cert_each_key_type)
{
	ASSERT(established("rsa", "ec256", failed_));
	ASSERT(established("rsa", "ec384", failed_));
	ASSERT(established("rsa", "ed25519", failed_));
}

/* The subject DN as ID (ID_DER_ASN1_DN), as ike-initiate defaults to. */
TEST(exchange_cert_dn_id)
{
	struct cpair	 p;

	ASSERT(cpair_new(&p, "rsa", "ec256"));
	p.ci.local_id.type = IKEV2_ID_DER_ASN1_DN;
	ASSERT_EQ(sig_cred_subject(p.ki, p.ci.local_id.data,
	    sizeof(p.ci.local_id.data), &p.ci.local_id.len), IKE_OK);
	ASSERT(run_init(&p));
	ASSERT_EQ(run_auth(&p), IKE_OK);
	ASSERT_EQ(p.r.peer_id.type, IKEV2_ID_DER_ASN1_DN);
	ASSERT_EQ(auth_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_OK);
	cpair_free(&p);
}

/* refused: the responder answers AUTHENTICATION_FAILED and says why. */
static int
refused(struct cpair *p, const char *why)
{
	return run_init(p) && run_auth(p) == IKE_EAUTH && p->resp_len > 0 &&
	    strstr(p->r.auth_why, why) != NULL &&
	    auth_consume(&p->i, &p->ci, rd_init(p->resp, p->resp_len)) ==
	    IKE_EREFUSED && p->i.peer_notify == IKEV2_N_AUTHENTICATION_FAILED;
}

TEST(exchange_cert_refused)
{
	struct cpair	 p;

	ASSERT(cpair_new(&p, "stranger", "ec256"));
	ASSERT(refused(&p, "unable to get local issuer certificate"));
	cpair_free(&p);

	ASSERT(cpair_new(&p, "expired", "ec256"));
	ASSERT(refused(&p, "certificate has expired"));
	cpair_free(&p);

	/* rsa's SAN is 192.0.2.1: claiming another address is refused */
	ASSERT(cpair_new(&p, "rsa", "ec256"));
	ASSERT_EQ(ike_id_parse(&p.ci.local_id, "192.0.2.7"), IKE_OK);
	ASSERT(refused(&p, "subjectAltName"));
	cpair_free(&p);
}

/* The initiator refuses a responder whose certificate does not name it. */
TEST(exchange_cert_initiator_refuses)
{
	struct cpair	 p;

	ASSERT(cpair_new(&p, "rsa", "ec256"));
	ASSERT_EQ(ike_id_parse(&p.cr.local_id, "@ec256.lab.example"), IKE_OK);
	ASSERT(run_init(&p));
	ASSERT_EQ(run_auth(&p), IKE_OK);
	ASSERT_EQ(auth_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_EAUTH);
	ASSERT(strstr(p.i.auth_why, "subjectAltName") != NULL);
	cpair_free(&p);

	/* a PSK initiator against a certificate responder */
	ASSERT(cpair_new(&p, "rsa", "ec256"));
	{
		struct psk k = { .key = "k", .len = 1 };

		p.ci.cred = NULL;
		p.ci.psk = &k;
		ASSERT(refused(&p, "pre-shared key"));
	}
	cpair_free(&p);
}
