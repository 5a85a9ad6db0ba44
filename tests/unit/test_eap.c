/* SPDX-License-Identifier: ISC */
/* Unit tests for EAP in IKE_AUTH: initiator (EAP peer) <-> responder (EAP server, certificate) in memory, each method, refusals, Nak, the secrets file. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "xchg_cfg.h"
#include "buf/buf.h"
#include "codec/eap.h"
#include "crypto/sig.h"
#include "exchange/eap_auth.h"
#include "exchange/xchg.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"

#define VEC "tests/vectors/certs/"

struct epair {
	struct xchg_cfg	 ci, cr;
	struct sig_cred	*ki, *kr;	/* ki: the CA only */
	struct eap_users ui, ur;
	struct eap_cfg	 ei, er;
	struct ike_sa	 i, r;
	enum ike_err	 r_err;		/* the responder's last result */
	enum ike_err	 i_err;
	unsigned	 n_msgs;	/* requests the initiator sent */
};

static int
pem(struct sig_cred *c, const char *path, int what)
{
	static char	 buf[16384];
	FILE		*f;
	size_t		 n;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return (what == 0 ? sig_cred_key(c, buf, n) : what == 1 ?
	    sig_cred_certs(c, buf, n) : sig_cred_ca(c, buf, n)) == IKE_OK;
}

/* epair_new: the initiator 192.0.2.1 is the EAP peer with the account
 * client ("NAME : PASSWORD") and methods mi; the responder 192.0.2.2
 * (certificate ec256) the server with the accounts server and methods mr. */
static int
epair_new(struct epair *p, const char *client, const char *mi,
    const char *server, const char *mr)
{
	char	 err[128];

	memset(p, 0, sizeof(*p));
	if (sig_cred_new(&p->ki) != IKE_OK || sig_cred_new(&p->kr) != IKE_OK ||
	    !pem(p->ki, VEC "ca.crt.pem", 2) ||
	    !pem(p->kr, VEC "ec256.key.pem", 0) ||
	    !pem(p->kr, VEC "ec256.crt.pem", 1) ||
	    !pem(p->kr, VEC "ca.crt.pem", 2) ||
	    !cfg(&p->ci, "192.0.2.1", "192.0.2.2", "10.1.0.0/16", "10.2.0.0/16") ||
	    !cfg(&p->cr, "192.0.2.2", "192.0.2.1", "10.2.0.0/16", "10.1.0.0/16"))
		return 0;
	if (eap_users_parse(&p->ui, client, strlen(client), err, sizeof(err)) !=
	    IKE_OK || eap_users_parse(&p->ur, server, strlen(server), err,
	    sizeof(err)) != IKE_OK || eap_methods_parse(&p->ei, mi) != IKE_OK ||
	    eap_methods_parse(&p->er, mr) != IKE_OK)
		return 0;
	p->ei.users = &p->ui;
	p->er.users = &p->ur;
	p->ci.cred = p->ki;
	p->cr.cred = p->kr;
	p->ci.eap = &p->ei;
	p->cr.eap = &p->er;
	ike_sa_init(&p->i, ROLE_INITIATOR);
	ike_sa_init(&p->r, ROLE_RESPONDER);
	return 1;
}

static void
epair_free(struct epair *p)
{
	ike_sa_wipe(&p->i);
	ike_sa_wipe(&p->r);
	sig_cred_free(p->ki);
	sig_cred_free(p->kr);
	eap_users_free(&p->ui);
	eap_users_free(&p->ur);
}

/* run drives the initiator with xchg_step and answers each request with
 * the responder, at most 16 requests; XCHG_DONE or XCHG_FAIL. */
static enum xchg_wait
run(struct epair *p)
{
	static uint8_t	 req[XCHG_OUT_MAX], resp[XCHG_OUT_MAX];
	struct xchg	 x;
	struct wr	 w = wr_init(req, sizeof(req)), w2;
	enum xchg_wait	 st;

	memset(&x, 0, sizeof(x));
	x.sa = &p->i;
	x.cfg = &p->ci;
	st = xchg_step(&x, rd_init(NULL, 0), &w);
	for (p->n_msgs = 0; st == XCHG_SEND && p->n_msgs < 16; p->n_msgs++) {
		w2 = wr_init(resp, sizeof(resp));
		if (p->n_msgs == 0)
			p->r_err = sa_init_respond(&p->r, &p->cr,
			    rd_init(req, w.len), &w2);
		else
			p->r_err = auth_respond(&p->r, &p->cr, rd_init(req, w.len),
			    &w2);
		if (w2.len == 0)
			return XCHG_FAIL;
		w = wr_init(req, sizeof(req));
		st = xchg_step(&x, rd_init(resp, w2.len), &w);
	}
	p->i_err = x.err;
	return st;
}

/* up: both ends established with the same Child SA. */
static int
up(const struct epair *p)
{
	return p->i.state == SA_ESTABLISHED && p->r.state == SA_ESTABLISHED &&
	    p->i.child.spi_out == p->r.child.spi_in &&
	    p->r.child.spi_out == p->i.child.spi_in &&
	    memcmp(&p->i.child.keys, &p->r.child.keys,
	    sizeof(p->i.child.keys)) == 0 &&
	    p->i.msgid == p->r.msgid && p->r.peer_id.type == IKEV2_ID_IPV4_ADDR &&
	    p->i.peer_id.type == IKEV2_ID_IPV4_ADDR &&
	    p->r.eap.st == NULL && p->i.eap.st == NULL &&
	    p->r.eap.phase == EAP_PH_SUCCESS &&
	    p->i.eap.phase == EAP_PH_AUTH_SENT;
}

TEST(eap_mschapv2_established)
{
	struct epair	 p;

	ASSERT(epair_new(&p, "carol : s3cret pass", "mschapv2,md5",
	    "# accounts\ndave:x\n carol :  s3cret pass \n", "mschapv2"));
	ASSERT_EQ(run(&p), XCHG_DONE);
	ASSERT(up(&p));
	/* SA_INIT, IKE_AUTH (IDi), Identity, MS-CHAPv2 Response, its
	 * Success Response, AUTH */
	ASSERT_EQ(p.n_msgs, 6);
	ASSERT_EQ(p.i.msgid, 6);
	epair_free(&p);
}

TEST(eap_md5_established)
{
	struct epair	 p;

	ASSERT(epair_new(&p, "carol : \"  spaced  \"", "md5",
	    "carol : \"  spaced  \"", "md5"));
	ASSERT_EQ(run(&p), XCHG_DONE);
	ASSERT(up(&p));
	/* SA_INIT, IKE_AUTH (IDi), Identity, MD5 Response, AUTH (SK_p) */
	ASSERT_EQ(p.n_msgs, 5);
	epair_free(&p);
}

/* The server offers MS-CHAPv2 first; a peer that takes only MD5 answers
 * with a Nak naming it (RFC 3748 5.3.1) and gets MD5. */
TEST(eap_nak_other_method)
{
	struct epair	 p;

	ASSERT(epair_new(&p, "carol : pw", "md5", "carol : pw", "mschapv2,md5"));
	ASSERT_EQ(run(&p), XCHG_DONE);
	ASSERT(up(&p));
	ASSERT_EQ(p.n_msgs, 6);		/* one more: the Nak */
	epair_free(&p);

	/* no method in common: EAP-Failure */
	ASSERT(epair_new(&p, "carol : pw", "md5", "carol : pw", "mschapv2"));
	ASSERT_EQ(run(&p), XCHG_FAIL);
	ASSERT_EQ(p.i_err, IKE_EAUTH);
	ASSERT_EQ(p.i.eap.phase, EAP_PH_FAILED);
	ASSERT_EQ(p.r_err, IKE_EAUTH);
	ASSERT(strstr(p.r.auth_why, "Nak") != NULL);
	epair_free(&p);
}

/* refused: the initiator fails on EAP-Failure, the responder says why. */
static int
refused(const char *client, const char *methods, const char *why)
{
	struct epair	 p;
	int		 ok;

	if (!epair_new(&p, client, methods, "carol : right\ndave : other\n",
	    methods))
		return 0;
	ok = run(&p) == XCHG_FAIL && p.i_err == IKE_EAUTH &&
	    p.i.eap.phase == EAP_PH_FAILED && p.r_err == IKE_EAUTH &&
	    p.r.state == SA_FAILED && p.i.state == SA_FAILED &&
	    p.i.eap.st == NULL && p.r.eap.st == NULL &&
	    strstr(p.r.auth_why, why) != NULL;
	if (!ok)
		fprintf(stderr, "  i: %s; r: %s\n", p.i.auth_why, p.r.auth_why);
	epair_free(&p);
	return ok;
}

TEST(eap_refused)
{
	ASSERT(refused("carol : wrong", "mschapv2", "wrong password"));
	ASSERT(refused("carol : wrong", "md5", "wrong password"));
	ASSERT(refused("carol : other", "mschapv2", "wrong password"));
	ASSERT(refused("erin : right", "mschapv2", "unknown user"));
	ASSERT(refused("erin : right", "md5", "unknown user"));
}

/* drive the EAP machines directly: server and peer, n rounds. */
static void
exch(struct eap_state *s, const struct eap_cfg *sc, struct eap_state *c,
    const struct eap_cfg *cc, int tamper, enum ike_err *peer_err)
{
	struct eap_pld	 e;
	struct rd	 r;
	int		 i;

	eap_server_start(s, sc);
	*peer_err = IKE_OK;
	for (i = 0; i < 8; i++) {
		if (tamper && s->out_len > 10 && s->out[5] == 3)
			s->out[12] ^= 1;	/* a digit of "S=..." */
		r = rd_init(s->out, s->out_len);
		if (eap_parse(&r, &e) != IKE_OK ||
		    (*peer_err = eap_peer_input(c, cc, &e)) != IKE_OK ||
		    c->phase == EAP_PH_SUCCESS)
			return;
		r = rd_init(c->out, c->out_len);
		if (eap_parse(&r, &e) != IKE_OK ||
		    eap_server_input(s, sc, &e) != IKE_OK)
			return;
	}
}

/* The peer checks the server's MS-CHAPv2 authenticator response: one
 * changed digit and it stops; both ends derive the same MSK otherwise. */
TEST(eap_mschapv2_mutual)
{
	struct eap_users u;
	struct eap_cfg	 cfg;
	struct eap_state s, c;
	enum ike_err	 e;
	char		 err[64];

	memset(&cfg, 0, sizeof(cfg));
	ASSERT_EQ(eap_users_parse(&u, "carol:pw", 8, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(eap_methods_parse(&cfg, "mschapv2"), IKE_OK);
	cfg.users = &u;
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	exch(&s, &cfg, &c, &cfg, 0, &e);
	ASSERT_EQ(e, IKE_OK);
	ASSERT_EQ(c.phase, EAP_PH_SUCCESS);
	ASSERT_EQ(s.phase, EAP_PH_SUCCESS);
	ASSERT(s.has_msk && c.has_msk);
	ASSERT_MEM(s.msk, c.msk, EAP_MSK_LEN);

	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	exch(&s, &cfg, &c, &cfg, 1, &e);
	ASSERT_EQ(e, IKE_EAUTH);
	ASSERT_EQ(c.phase, EAP_PH_FAILED);
	ASSERT(strstr(c.why, "authenticator response") != NULL);

	/* an EAP-Success before the method: not trusted */
	{
		struct eap_pld	 ok = { IKEV2_EAP_SUCCESS, 1, 4, 0, { NULL, 0 } };

		memset(&c, 0, sizeof(c));
		ASSERT_EQ(eap_peer_input(&c, &cfg, &ok), IKE_EAUTH);
	}
	eap_users_free(&u);
}

/* The responder answers the final AUTH with the wrong MSK with
 * AUTHENTICATION_FAILED. */
TEST(eap_final_auth_checked)
{
	static uint8_t	 req[XCHG_OUT_MAX], resp[XCHG_OUT_MAX];
	struct epair	 p;
	struct xchg	 x;
	struct wr	 w = wr_init(req, sizeof(req)), w2;
	enum xchg_wait	 st;
	int		 n;

	ASSERT(epair_new(&p, "carol : pw", "mschapv2", "carol : pw", "mschapv2"));
	memset(&x, 0, sizeof(x));
	x.sa = &p.i;
	x.cfg = &p.ci;
	st = xchg_step(&x, rd_init(NULL, 0), &w);
	for (n = 0; st == XCHG_SEND && n < 16; n++) {
		w2 = wr_init(resp, sizeof(resp));
		if (p.i.eap.phase == EAP_PH_AUTH_SENT)
			break;
		if (n == 0)
			ASSERT_EQ(sa_init_respond(&p.r, &p.cr, rd_init(req, w.len),
			    &w2), IKE_OK);
		else
			ASSERT_EQ(auth_respond(&p.r, &p.cr, rd_init(req, w.len),
			    &w2), IKE_OK);
		/* EAP's state lives while EAP runs, and only then */
		ASSERT((p.r.state == SA_EAP) == (p.r.eap.st != NULL));
		w = wr_init(req, sizeof(req));
		/* the peer's MSK changed before it signs its AUTH */
		if (p.i.eap.phase == EAP_PH_RUN && p.i.eap.st != NULL &&
		    p.i.eap.st->has_msk)
			p.i.eap.st->msk[0] ^= 1;
		st = xchg_step(&x, rd_init(resp, w2.len), &w);
	}
	ASSERT_EQ(p.i.eap.phase, EAP_PH_AUTH_SENT);
	w2 = wr_init(resp, sizeof(resp));
	ASSERT_EQ(auth_respond(&p.r, &p.cr, rd_init(req, w.len), &w2), IKE_EAUTH);
	ASSERT(strstr(p.r.auth_why, "MSK") != NULL);
	ASSERT(w2.len > 0);
	w = wr_init(req, sizeof(req));
	ASSERT_EQ(xchg_step(&x, rd_init(resp, w2.len), &w), XCHG_FAIL);
	ASSERT_EQ(p.i.peer_notify, IKEV2_N_AUTHENTICATION_FAILED);
	ASSERT(p.i.eap.st == NULL && p.r.eap.st == NULL);
	epair_free(&p);
}

TEST(eap_users_file)
{
	struct eap_users u;
	struct eap_cfg	 c;
	char		 err[128];
	const char	*t = "# comment\n\n  alice\t:  p w  \r\nbob:\"x:y \"\n"
	    "c\\d : z\n";

	ASSERT_EQ(eap_users_parse(&u, t, strlen(t), err, sizeof(err)), IKE_OK);
	ASSERT_EQ(u.n, 3);
	ASSERT(eap_user_find(&u, "alice", 5) != NULL);
	ASSERT(strcmp(eap_user_find(&u, "alice", 5)->pass, "p w") == 0);
	ASSERT(strcmp(eap_user_find(&u, "bob", 3)->pass, "x:y ") == 0);
	ASSERT(eap_user_find(&u, "c\\d", 3) != NULL);
	ASSERT(eap_user_find(&u, "ali", 3) == NULL);
	eap_users_free(&u);

	ASSERT_EQ(eap_users_parse(&u, "a:b\nnocolon\n", 12, err, sizeof(err)),
	    IKE_EINVAL);
	ASSERT(strcmp(err, "line 2: not NAME : PASSWORD") == 0);
	ASSERT(u.u == NULL && u.n == 0);
	ASSERT_EQ(eap_users_parse(&u, " : pw", 5, err, sizeof(err)), IKE_EINVAL);
	ASSERT(strstr(err, "user name") != NULL);
	ASSERT_EQ(eap_users_parse(&u, "a :  ", 5, err, sizeof(err)), IKE_EINVAL);
	ASSERT(strstr(err, "password") != NULL);
	/* many lines: the list grows */
	{
		static char	 big[64 * 20];
		size_t		 n = 0;
		int		 i;

		for (i = 0; i < 64; i++)
			n += (size_t)snprintf(big + n, sizeof(big) - n,
			    "user%d : pw%d\n", i, i);
		ASSERT_EQ(eap_users_parse(&u, big, n, err, sizeof(err)), IKE_OK);
		ASSERT_EQ(u.n, 64);
		ASSERT(strcmp(eap_user_find(&u, "user63", 6)->pass, "pw63") == 0);
		eap_users_free(&u);
	}

	memset(&c, 0, sizeof(c));
	ASSERT_EQ(eap_methods_parse(&c, "md5,mschapv2"), IKE_OK);
	ASSERT_EQ(c.n_methods, 2);
	ASSERT_EQ(c.methods[0], EAP_TYPE_MD5);
	ASSERT_EQ(eap_methods_parse(&c, "md5,md5"), IKE_EINVAL);
	ASSERT_EQ(eap_methods_parse(&c, "ttls"), IKE_EINVAL);
	ASSERT_EQ(eap_methods_parse(&c, "tls,md5,mschapv2"), IKE_OK);
	ASSERT_EQ(c.methods[0], EAP_TYPE_TLS);
	ASSERT_EQ(eap_methods_parse(&c, "tls,tls"), IKE_EINVAL);
	ASSERT_EQ(eap_methods_parse(&c, ""), IKE_EINVAL);
}

/* RFC 1994 4.1 / RFC 3748 5.4: MD5(Identifier | secret | Challenge). */
TEST(eap_md5_value_known)
{
	uint8_t		 out[16], chal[16];
	/* MD5 of 0x01 "pw" 0x00*16, from python3 hashlib */
	static const uint8_t want[16] = {
		0x0c, 0x5d, 0xd9, 0x5d, 0x36, 0xf3, 0xe3, 0xe6,
		0x00, 0x78, 0xa5, 0x3e, 0x8c, 0x8b, 0x57, 0x94,
	};

	memset(chal, 0, sizeof(chal));
	ASSERT_EQ(eap_md5_value(1, "pw", chal, sizeof(chal), out), IKE_OK);
	ASSERT_MEM(out, want, 16);
}

/* A peer that skips EAP (its AUTH before the server's EAP-Success) is
 * refused: the responder never takes an AUTH while EAP runs. */
TEST(eap_auth_before_success_refused)
{
	static uint8_t	 req[XCHG_OUT_MAX], resp[XCHG_OUT_MAX];
	struct epair	 p;
	struct xchg	 x;
	struct wr	 w = wr_init(req, sizeof(req)), w2;
	int		 n;

	ASSERT(epair_new(&p, "carol : pw", "mschapv2", "carol : pw", "mschapv2"));
	memset(&x, 0, sizeof(x));
	x.sa = &p.i;
	x.cfg = &p.ci;
	ASSERT_EQ(xchg_step(&x, rd_init(NULL, 0), &w), XCHG_SEND);
	for (n = 0; n < 2; n++) {	/* IKE_SA_INIT, the first IKE_AUTH */
		w2 = wr_init(resp, sizeof(resp));
		ASSERT_EQ(n == 0 ? sa_init_respond(&p.r, &p.cr, rd_init(req, w.len),
		    &w2) : auth_respond(&p.r, &p.cr, rd_init(req, w.len), &w2),
		    IKE_OK);
		w = wr_init(req, sizeof(req));
		ASSERT_EQ(xchg_step(&x, rd_init(resp, w2.len), &w), XCHG_SEND);
	}
	/* instead of its Identity Response, as if EAP-Success came: AUTH */
	ASSERT(p.i.eap.st != NULL && p.r.eap.st != NULL);
	p.i.eap.st->phase = EAP_PH_SUCCESS;
	w = wr_init(req, sizeof(req));
	ASSERT_EQ(auth_create(&p.i, &p.ci, &w), IKE_OK);
	ASSERT_EQ(p.r.state, SA_EAP);
	ASSERT_EQ(p.i.eap.phase, EAP_PH_AUTH_SENT);
	w2 = wr_init(resp, sizeof(resp));
	ASSERT_EQ(auth_respond(&p.r, &p.cr, rd_init(req, w.len), &w2), IKE_EAUTH);
	ASSERT(w2.len > 0);
	ASSERT_EQ(p.r.state, SA_FAILED);
	w = wr_init(req, sizeof(req));
	ASSERT_EQ(xchg_step(&x, rd_init(resp, w2.len), &w), XCHG_FAIL);
	ASSERT_EQ(p.i.peer_notify, IKEV2_N_AUTHENTICATION_FAILED);
	ASSERT(p.i.eap.st == NULL && p.r.eap.st == NULL);
	epair_free(&p);
}
