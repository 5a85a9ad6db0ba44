/* SPDX-License-Identifier: ISC */
/* Unit tests for EAP-TLS (RFC 5216, RFC 9190): the EAP machines face to face with the lab certificates, fragments and their ACKs, refusals (untrusted chain, wrong name, damaged or lying fragments), the MSK, TLS 1.3 and its commitment message; then the whole IKE_AUTH in memory. */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "xchg_cfg.h"
#include "buf/buf.h"
#include "codec/eap.h"
#include "crypto/sig.h"
#include "exchange/eap_auth.h"
#include "exchange/eap_tls.h"
#include "exchange/xchg.h"
#include "names/ikev2.h"

#define VEC "tests/vectors/certs/"

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

/* cred: key and certificate NAME (with the CA cert appended as an
 * intermediate when long), trusting anchor CA. */
static struct sig_cred *
cred(const char *name, const char *ca, int long_chain)
{
	static char	 both[16384];
	struct sig_cred	*c;
	char		 path[128];
	FILE		*f;
	size_t		 n = 0;
	int		 i;

	if (sig_cred_new(&c) != IKE_OK)
		return NULL;
	snprintf(path, sizeof(path), VEC "%s.key.pem", name);
	if (!pem(c, path, 0))
		goto fail;
	for (i = 0; i < 1 + long_chain; i++) {
		snprintf(path, sizeof(path), VEC "%s.crt.pem", i == 0 ? name :
		    "ca");
		if ((f = fopen(path, "r")) == NULL)
			goto fail;
		n += fread(both + n, 1, sizeof(both) - n, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), VEC "%s.crt.pem", ca);
	if (sig_cred_certs(c, both, n) != IKE_OK || !pem(c, path, 2))
		goto fail;
	return c;
fail:
	sig_cred_free(c);
	return NULL;
}

struct conv {
	struct eap_users u;
	struct eap_cfg	 cfg, cfg_c;	/* server's, peer's */
	struct eap_state s, c;		/* server, peer */
	struct sig_cred	*ks, *kc;
	enum ike_err	 peer_err;
	unsigned	 n_srv;		/* server messages */
	unsigned	 n_frag;	/* of them and the peer's: with M */
	unsigned	 n_ack;		/* empty EAP-TLS messages */
};

/* T_FLIP, T_LIE: the server's first fragment damaged or its L a lie;
 * T_NO_COMMIT: once the server's TLS is done, the peer gets EAP-Success
 * instead of the server's next message (as from strongSwan 5.9.8 with TLS
 * 1.3, which sends no commitment message) */
enum tamper { T_NONE, T_FLIP, T_LIE, T_NO_COMMIT };

/* which ends allow TLS 1.3: 1 the server, 2 the peer (0 for most tests) */
static int tls13_ends;

static void
count(struct conv *v, const uint8_t *m, size_t len)
{
	if (len < 6 || m[4] != EAP_TYPE_TLS)
		return;
	if (m[5] & EAP_TLS_F_M)
		v->n_frag++;
	if (len == 6 && m[5] == 0)
		v->n_ack++;
}

/* converse runs server (ks) and peer (kc) with the EAP identity id; the
 * peer's IKE ID is 192.0.2.1, the server's 192.0.2.2. tamper changes the
 * server's first fragment. */
static int
converse(struct conv *v, const char *id, struct sig_cred *ks,
    struct sig_cred *kc, enum tamper tamper)
{
	struct eap_pld	 e;
	struct rd	 r;
	char		 line[300], err[64];
	int		 i, flipped = 0;

	memset(v, 0, sizeof(*v));
	snprintf(line, sizeof(line), "%s : -", id);
	if (ks == NULL || kc == NULL || eap_users_parse(&v->u, line,
	    strlen(line), err, sizeof(err)) != IKE_OK ||
	    eap_methods_parse(&v->cfg, "tls") != IKE_OK)
		return 0;
	v->cfg.users = &v->u;
	v->cfg_c = v->cfg;
	v->cfg.tls13 = (tls13_ends & 1) != 0;
	v->cfg_c.tls13 = (tls13_ends & 2) != 0;
	v->ks = ks;
	v->kc = kc;
	v->s.cred = ks;
	v->c.cred = kc;
	v->s.other.type = v->c.other.type = IKEV2_ID_IPV4_ADDR;
	v->s.other.len = v->c.other.len = 4;
	memcpy(v->s.other.data, "\xc0\x00\x02\x01", 4);
	memcpy(v->c.other.data, "\xc0\x00\x02\x02", 4);
	eap_server_start(&v->s, &v->cfg);
	for (i = 0; i < 64; i++) {
		if (v->s.out_len > 500 && !flipped && (tamper == T_FLIP ||
		    tamper == T_LIE)) {
			if (tamper == T_FLIP)
				v->s.out[400] ^= 0x40;
			else {	/* L (bytes 6-9) one more than what comes */
				uint32_t l = (uint32_t)v->s.out[6] << 24 |
				    (uint32_t)v->s.out[7] << 16 |
				    (uint32_t)v->s.out[8] << 8 | v->s.out[9];

				l++;
				v->s.out[6] = (uint8_t)(l >> 24);
				v->s.out[7] = (uint8_t)(l >> 16);
				v->s.out[8] = (uint8_t)(l >> 8);
				v->s.out[9] = (uint8_t)l;
			}
			flipped = 1;
		}
		if (tamper == T_NO_COMMIT && eap_tls_done(v->s.tls) &&
		    v->s.phase == EAP_PH_RUN) {
			v->s.out[0] = IKEV2_EAP_SUCCESS;
			v->s.out[2] = 0;
			v->s.out[3] = 4;
			v->s.out_len = 4;
		}
		v->n_srv++;
		count(v, v->s.out, v->s.out_len);
		r = rd_init(v->s.out, v->s.out_len);
		if (eap_parse(&r, &e) != IKE_OK ||
		    (v->peer_err = eap_peer_input(&v->c, &v->cfg_c, &e)) !=
		    IKE_OK || v->c.phase == EAP_PH_SUCCESS)
			return 1;
		count(v, v->c.out, v->c.out_len);
		r = rd_init(v->c.out, v->c.out_len);
		if (eap_parse(&r, &e) != IKE_OK ||
		    eap_server_input(&v->s, &v->cfg, &e) != IKE_OK)
			return 1;
	}
	return 1;
}

static void
conv_free(struct conv *v)
{
	eap_state_wipe(&v->s);
	eap_state_wipe(&v->c);
	eap_users_free(&v->u);
	sig_cred_free(v->ks);
	sig_cred_free(v->kc);
}

/* Both ends finish, with the same MSK; the server's flight and the peer's
 * are cut in fragments, each acknowledged. */
TEST(eap_tls_both_roles_msk)
{
	struct conv	 v;
	uint8_t		 zero[EAP_MSK_LEN];

	ASSERT(converse(&v, "192.0.2.1", cred("ec256", "ca", 0),
	    cred("rsa", "ca", 0), T_NONE));
	ASSERT_EQ(v.peer_err, IKE_OK);
	ASSERT_EQ(v.s.phase, EAP_PH_SUCCESS);
	ASSERT_EQ(v.c.phase, EAP_PH_SUCCESS);
	ASSERT(v.s.has_msk && v.c.has_msk);
	ASSERT_MEM(v.s.msk, v.c.msk, EAP_MSK_LEN);
	memset(zero, 0, sizeof(zero));
	ASSERT(memcmp(v.s.msk, zero, sizeof(zero)) != 0);
	/* the peer's flight (RSA certificate and signature) is one fragment
	 * and an ACK more than 1000 bytes */
	ASSERT(v.n_frag >= 1);
	ASSERT(v.n_ack >= v.n_frag + 1);	/* and the peer's final ACK */
	conv_free(&v);

	/* two runs: two MSKs */
	{
		struct conv	 w;
		uint8_t		 first[EAP_MSK_LEN];

		ASSERT(converse(&v, "192.0.2.1", cred("ec256", "ca", 0),
		    cred("rsa", "ca", 0), T_NONE));
		memcpy(first, v.c.msk, sizeof(first));
		ASSERT(converse(&w, "192.0.2.1", cred("ec256", "ca", 0),
		    cred("rsa", "ca", 0), T_NONE));
		ASSERT_EQ(w.c.phase, EAP_PH_SUCCESS);
		ASSERT(memcmp(first, w.c.msk, sizeof(first)) != 0);
		conv_free(&v);
		conv_free(&w);
	}
}

/* A long chain (leaf and CA on both sides): more fragments, each with
 * at most EAP_TLS_FRAG bytes of TLS, and still the same MSK. */
TEST(eap_tls_long_chain_fragments)
{
	struct conv	 v;
	unsigned	 short_frags;

	ASSERT(converse(&v, "192.0.2.1", cred("ec256", "ca", 0),
	    cred("rsa", "ca", 0), T_NONE));
	short_frags = v.n_frag;
	conv_free(&v);
	ASSERT(converse(&v, "192.0.2.1", cred("ec256", "ca", 1),
	    cred("rsa", "ca", 1), T_NONE));
	ASSERT_EQ(v.c.phase, EAP_PH_SUCCESS);
	ASSERT_MEM(v.s.msk, v.c.msk, EAP_MSK_LEN);
	ASSERT(v.n_frag > short_frags);
	ASSERT(v.n_frag >= 2);
	conv_free(&v);
}

/* refused: the server ends with EAP-Failure saying why, the peer fails. */
static int
refused(const char *id, struct sig_cred *ks, struct sig_cred *kc,
    enum tamper t, const char *srv_why, const char *peer_why)
{
	struct conv	 v;
	int		 ok;

	if (!converse(&v, id, ks, kc, t))
		return 0;
	ok = v.s.phase == EAP_PH_FAILED && v.c.phase == EAP_PH_FAILED &&
	    v.peer_err == IKE_EAUTH && !v.s.has_msk && !v.c.has_msk &&
	    strstr(v.s.why, srv_why) != NULL &&
	    strstr(v.c.why, peer_why) != NULL;
	if (!ok)
		fprintf(stderr, "  server %d: %s; peer %d: %s\n", v.s.phase,
		    v.s.why, v.c.phase, v.c.why);
	conv_free(&v);
	return ok;
}

TEST(eap_tls_untrusted_refused)
{
	/* the client's certificate is of another CA */
	ASSERT(refused("192.0.2.2", cred("ec256", "ca", 0),
	    cred("stranger", "ca", 0), T_NONE, "client certificate",
	    "EAP-Failure"));
	/* the peer trusts another CA than the server's */
	ASSERT(refused("192.0.2.1", cred("ec256", "ca", 0),
	    cred("rsa", "otherca", 0), T_NONE, "alert", "server certificate"));
	/* an expired client certificate */
	ASSERT(refused("192.0.2.1", cred("ec256", "ca", 0),
	    cred("expired", "ca", 0), T_NONE, "client certificate", ""));
}

TEST(eap_tls_identity_checked)
{
	/* rsa names 192.0.2.1 and rsa.lab.example, not this address */
	ASSERT(refused("192.0.2.9", cred("ec256", "ca", 0),
	    cred("rsa", "ca", 0), T_NONE, "client certificate", ""));
	ASSERT(refused("ec256@lab.example", cred("ec256", "ca", 0),
	    cred("rsa", "ca", 0), T_NONE, "client certificate", ""));
	/* its DNS name as the EAP identity: fine (IDi is its address) */
	{
		struct conv	 v;

		ASSERT(converse(&v, "rsa.lab.example", cred("ec256", "ca", 0),
		    cred("rsa", "ca", 0), T_NONE));
		ASSERT_EQ(v.s.phase, EAP_PH_SUCCESS);
		ASSERT_EQ(v.c.phase, EAP_PH_SUCCESS);
		conv_free(&v);
	}
	/* the DN of the certificate, as text */
	{
		struct conv	 v;

		ASSERT(converse(&v, "O=ikekit unit-test lab (not secret), CN=rsa",
		    cred("ec256", "ca", 0), cred("rsa", "ca", 0), T_NONE));
		ASSERT_EQ(v.s.phase, EAP_PH_SUCCESS);
		conv_free(&v);
	}
}

TEST(eap_tls_damaged_fragment_refused)
{
	/* a bit of the server's certificate flipped: its signature (or the
	 * TLS parse) fails at the peer */
	ASSERT(refused("192.0.2.1", cred("ec256", "ca", 0),
	    cred("rsa", "ca", 1), T_FLIP, "", "EAP-TLS"));
	/* a TLS Message Length one more than the fragments carry */
	ASSERT(refused("192.0.2.1", cred("ec256", "ca", 1),
	    cred("rsa", "ca", 0), T_LIE, "", "L said"));
}

/* TLS 1.3 when both ends allow it: the same MSK at both ends; 1.2 when one
 * does not. The MSK of a peer that got no commitment message (the early
 * draft of RFC 9190 that strongSwan 5.9.8 follows) is another: the peer
 * reaches success only if TLS 1.3 was spoken (with 1.2, the server's done
 * before its Finished reached the peer), and keys by that draft. */
TEST(eap_tls13)
{
	struct conv	 v;
	int		 ends;

	for (ends = 0; ends <= 3; ends++) {
		tls13_ends = ends;
		ASSERT(converse(&v, "192.0.2.1", cred("ec256", "ca", 0),
		    cred("rsa", "ca", 1), T_NONE));
		ASSERT_EQ(v.s.phase, EAP_PH_SUCCESS);
		ASSERT_EQ(v.c.phase, EAP_PH_SUCCESS);
		ASSERT_MEM(v.s.msk, v.c.msk, EAP_MSK_LEN);
		conv_free(&v);
		/* the peer keys by the draft only when 1.3 was spoken */
		ASSERT(converse(&v, "192.0.2.1", cred("ec256", "ca", 0),
		    cred("rsa", "ca", 0), T_NO_COMMIT));
		ASSERT_EQ(v.c.phase, (ends == 3 ? EAP_PH_SUCCESS :
		    EAP_PH_FAILED));
		if (ends == 3) {
			uint8_t	 msk[EAP_MSK_LEN];

			ASSERT(v.c.has_msk);
			ASSERT_EQ(eap_tls_msk(v.s.tls, msk), IKE_OK);
			ASSERT(memcmp(msk, v.c.msk, EAP_MSK_LEN) != 0);
		}
		conv_free(&v);
	}
	tls13_ends = 0;
}

/* Framing, one end alone: a Start twice, data while our fragments wait. */
TEST(eap_tls_framing)
{
	struct eap_tls	*t;
	struct sig_cred	*k = cred("rsa", "ca", 1);
	uint8_t		 out[EAP_TLS_HDR + EAP_TLS_FRAG], big[EAP_TLS_HDR + 8];
	size_t		 n;
	bool		 over;
	char		 why[160];

	ASSERT(k != NULL);
	ASSERT_EQ(eap_tls_new(&t, false, false, k, NULL, 0, why, sizeof(why)), IKE_OK);
	/* data before the Start */
	ASSERT_EQ(eap_tls_input(t, (const uint8_t *)"\x00\x16", 2, out,
	    sizeof(out), &n, &over), IKE_ESYNTAX);
	ASSERT(strstr(eap_tls_why(t), "Start") != NULL);
	eap_tls_free(t);

	ASSERT_EQ(eap_tls_new(&t, false, false, k, NULL, 0, why, sizeof(why)), IKE_OK);
	ASSERT_EQ(eap_tls_input(t, (const uint8_t *)"\x20", 1, out, sizeof(out),
	    &n, &over), IKE_OK);
	ASSERT(n > 6 && out[1] == 0x16);	/* a ClientHello, whole */
	ASSERT_EQ(out[0], 0);
	/* a length past the limit */
	big[0] = EAP_TLS_F_L | EAP_TLS_F_M;
	big[1] = 0x7f; big[2] = big[3] = big[4] = 0xff;
	memset(big + 5, 0x16, 8);
	ASSERT_EQ(eap_tls_input(t, big, sizeof(big), out, sizeof(out), &n,
	    &over), IKE_ESYNTAX);
	ASSERT(strstr(eap_tls_why(t), "at most") != NULL);
	/* failed: stays failed */
	ASSERT_EQ(eap_tls_input(t, (const uint8_t *)"\x00", 1, out, sizeof(out),
	    &n, &over), IKE_EAUTH);
	eap_tls_free(t);

	/* no key: refused at once */
	{
		struct sig_cred	*ca;

		ASSERT_EQ(sig_cred_new(&ca), IKE_OK);
		ASSERT(pem(ca, VEC "ca.crt.pem", 2));
		ASSERT_EQ(eap_tls_new(&t, true, false, ca, NULL, 0, why, sizeof(why)),
		    IKE_EINVAL);
		ASSERT(strstr(why, "key") != NULL);
		sig_cred_free(ca);
	}
	sig_cred_free(k);
}

TEST(eap_tls_id_text_parse)
{
	struct eap_tls_id id;
	char		 s[256];

	ASSERT(eap_tls_id_parse("192.0.2.1", &id));
	ASSERT_EQ(id.type, IKEV2_ID_IPV4_ADDR);
	ASSERT(eap_tls_id_text(id.type, id.data, id.len, s, sizeof(s)));
	ASSERT(strcmp(s, "192.0.2.1") == 0);
	ASSERT(eap_tls_id_parse("2001:db8::1", &id));
	ASSERT_EQ(id.type, IKEV2_ID_IPV6_ADDR);
	ASSERT(eap_tls_id_parse("carol@lab.example", &id));
	ASSERT_EQ(id.type, IKEV2_ID_RFC822_ADDR);
	ASSERT(eap_tls_id_parse("@moon.lab.example", &id));
	ASSERT_EQ(id.type, IKEV2_ID_FQDN);
	ASSERT_EQ(id.len, strlen("moon.lab.example"));
	ASSERT(eap_tls_id_parse("carol", &id));
	ASSERT_EQ(id.type, IKEV2_ID_FQDN);
	ASSERT(eap_tls_id_parse("C=CH, O=lab, CN=carol", &id));
	ASSERT_EQ(id.type, IKEV2_ID_DER_ASN1_DN);
	ASSERT(eap_tls_id_text(id.type, id.data, id.len, s, sizeof(s)));
	ASSERT(strcmp(s, "C=CH, O=lab, CN=carol") == 0);
	ASSERT(!eap_tls_id_parse("", &id));
	ASSERT(!eap_tls_id_parse("=bad", &id));
}

/* The whole IKE_AUTH in memory: an initiator (rsa, 192.0.2.1) by
 * EAP-TLS, the responder (ec256, 192.0.2.2) by its certificate; AUTH
 * with the TLS MSK both ways. */
TEST(eap_tls_ike_established)
{
	static uint8_t	 req[XCHG_OUT_MAX], resp[XCHG_OUT_MAX];
	struct xchg_cfg	 ci, cr;
	struct eap_users ui;
	struct eap_cfg	 ei, er;
	struct ike_sa	 i, r;
	struct xchg	 x;
	struct wr	 w = wr_init(req, sizeof(req)), w2;
	enum xchg_wait	 st;
	char		 err[64];
	unsigned	 n;
	int		 pass;

	for (pass = 0; pass < 2; pass++) {
		memset(&ci, 0, sizeof(ci));
		memset(&cr, 0, sizeof(cr));
		memset(&ei, 0, sizeof(ei));
		memset(&er, 0, sizeof(er));
		ASSERT(cfg(&ci, "192.0.2.1", "192.0.2.2", "10.1.0.0/16",
		    "10.2.0.0/16"));
		ASSERT(cfg(&cr, "192.0.2.2", "192.0.2.1", "10.2.0.0/16",
		    "10.1.0.0/16"));
		ASSERT_EQ(eap_users_parse(&ui, "192.0.2.1 : -", 13, err,
		    sizeof(err)), IKE_OK);
		ASSERT_EQ(eap_methods_parse(&ei, "tls"), IKE_OK);
		ASSERT_EQ(eap_methods_parse(&er, "mschapv2,tls"), IKE_OK);
		ei.users = &ui;
		ci.eap = &ei;
		cr.eap = &er;
		/* pass 1: the initiator's certificate is of another CA */
		ci.cred = cred(pass == 0 ? "rsa" : "stranger", "ca", 1);
		cr.cred = cred("ec256", "ca", 0);
		ASSERT(ci.cred != NULL && cr.cred != NULL);
		ike_sa_init(&i, ROLE_INITIATOR);
		ike_sa_init(&r, ROLE_RESPONDER);
		memset(&x, 0, sizeof(x));
		x.sa = &i;
		x.cfg = &ci;
		w = wr_init(req, sizeof(req));
		st = xchg_step(&x, rd_init(NULL, 0), &w);
		for (n = 0; st == XCHG_SEND && n < 32; n++) {
			ASSERT(w.len < 1400);	/* each IKE message small */
			w2 = wr_init(resp, sizeof(resp));
			if (n == 0)
				sa_init_respond(&r, &cr, rd_init(req, w.len), &w2);
			else
				auth_respond(&r, &cr, rd_init(req, w.len), &w2);
			if (w2.len == 0)
				break;
			ASSERT(w2.len < 1400);
			w = wr_init(req, sizeof(req));
			st = xchg_step(&x, rd_init(resp, w2.len), &w);
		}
		if (pass == 0) {
			ASSERT_EQ(st, XCHG_DONE);
			ASSERT_EQ(i.state, SA_ESTABLISHED);
			ASSERT_EQ(r.state, SA_ESTABLISHED);
			ASSERT_EQ(i.child.spi_out, r.child.spi_in);
			ASSERT_EQ(r.child.spi_out, i.child.spi_in);
			ASSERT_MEM(&i.child.keys, &r.child.keys,
			    sizeof(i.child.keys));
			ASSERT(r.eap.st == NULL && i.eap.st == NULL);
			ASSERT(n > 8);	/* the fragments took rounds */
		} else {
			ASSERT_EQ(st, XCHG_FAIL);
			ASSERT_EQ(x.err, IKE_EAUTH);
			ASSERT_EQ(r.state, SA_FAILED);
			ASSERT(strstr(r.auth_why, "client certificate") != NULL);
			ASSERT(r.eap.st == NULL && i.eap.st == NULL);
		}
		ike_sa_wipe(&i);
		ike_sa_wipe(&r);
		sig_cred_free((struct sig_cred *)ci.cred);
		sig_cred_free((struct sig_cred *)cr.cred);
		eap_users_free(&ui);
	}
}
