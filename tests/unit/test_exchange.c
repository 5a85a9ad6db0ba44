/* SPDX-License-Identifier: ISC */
/* Unit tests for exchange/: initiator <-> responder in memory, errors, retries, AUTH against an independent computation. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "test.h"
#include "buf/buf.h"
#include "codec/chain.h"
#include "codec/msg.h"
#include "crypto/sk.h"
#include "codec/delete.h"
#include "exchange/internal.h"
#include "exchange/record.h"
#include "exchange/xchg.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"
#include "sa/statedir.h"

struct pair {
	struct xchg_cfg	 ci, cr;
	struct psk	 pi, pr;
	struct ike_sa	 i, r;
	uint8_t		 req[XCHG_OUT_MAX], resp[XCHG_OUT_MAX];
	size_t		 req_len, resp_len;
};

static int
cfg_set(struct xchg_cfg *c, struct psk *p, const char *ike, const char *esp,
    const char *psk, const char *me, const char *peer, const char *ts_l,
    const char *ts_r)
{
	char	 err[PROPOSAL_ERR_MAX];

	memset(c, 0, sizeof(*c));
	memset(p, 0, sizeof(*p));
	p->len = strlen(psk);
	memcpy(p->key, psk, p->len);
	c->psk = p;
	if (proposal_parse(&c->ike, IKEV2_PROTO_IKE, ike, err, sizeof(err)) != IKE_OK ||
	    proposal_parse(&c->esp, IKEV2_PROTO_ESP, esp, err, sizeof(err)) != IKE_OK) {
		fprintf(stderr, "  %s\n", err);
		return 0;
	}
	c->af = AF_INET;
	inet_pton(AF_INET, me, c->local_addr);
	inet_pton(AF_INET, peer, c->peer_addr);
	c->local_port = c->peer_port = 500;
	if (ike_id_parse(&c->local_id, me) != IKE_OK)
		return 0;
	if (ts_parse_list(&c->ts_local, ts_l, err, sizeof(err)) != IKE_OK ||
	    ts_parse_list(&c->ts_remote, ts_r, err, sizeof(err)) != IKE_OK)
		return 0;
	return 1;
}

/* pair_new sets up an initiator (192.0.2.1) and a responder (192.0.2.2). */
static int
pair_new(struct pair *p, const char *ike_i, const char *ike_r, const char *esp_i,
    const char *esp_r, const char *psk_i, const char *psk_r)
{
	memset(p, 0, sizeof(*p));
	if (!cfg_set(&p->ci, &p->pi, ike_i, esp_i, psk_i, "192.0.2.1", "192.0.2.2",
	    "10.1.0.0/16", "10.2.0.0/16") ||
	    !cfg_set(&p->cr, &p->pr, ike_r, esp_r, psk_r, "192.0.2.2", "192.0.2.1",
	    "10.2.0.0/16", "10.1.0.0/16"))
		return 0;
	ike_sa_init(&p->i, ROLE_INITIATOR);
	ike_sa_init(&p->r, ROLE_RESPONDER);
	return 1;
}

static void
pair_free(struct pair *p)
{
	ike_sa_wipe(&p->i);
	ike_sa_wipe(&p->r);
}

/* init_round: initiator request, responder answer; returns the responder's result. */
static enum ike_err
init_round(struct pair *p, enum ike_err *e_create)
{
	struct wr	 w = wr_init(p->req, sizeof(p->req));
	struct wr	 w2 = wr_init(p->resp, sizeof(p->resp));
	enum ike_err	 e;

	*e_create = sa_init_create(&p->i, &p->ci, &w);
	p->req_len = w.len;
	e = sa_init_respond(&p->r, &p->cr, rd_init(p->req, p->req_len), &w2);
	p->resp_len = w2.len;
	return e;
}

static enum ike_err
auth_round(struct pair *p, enum ike_err *e_create)
{
	struct wr	 w = wr_init(p->req, sizeof(p->req));
	struct wr	 w2 = wr_init(p->resp, sizeof(p->resp));
	enum ike_err	 e;

	*e_create = auth_create(&p->i, &p->ci, &w);
	p->req_len = w.len;
	e = auth_respond(&p->r, &p->cr, rd_init(p->req, p->req_len), &w2);
	p->resp_len = w2.len;
	return e;
}

static int
keys_equal(const struct pair *p)
{
	const struct ike_keys *a = &p->i.keys, *b = &p->r.keys;
	const struct child_keys *c = &p->i.child.keys, *d = &p->r.child.keys;

	return a->e_len != 0 && a->e_len == b->e_len && a->a_len == b->a_len &&
	    a->d_len == b->d_len && memcmp(a, b, sizeof(*a)) == 0 &&
	    c->e_len != 0 && memcmp(c, d, sizeof(*c)) == 0;
}

/* full runs both exchanges and checks what both sides end with. */
static int
full(const char *ike, const char *esp, int *failed_)
{
	struct pair	 p;
	enum ike_err	 ec;
	int		 ok = 0;

	if (!pair_new(&p, ike, ike, esp, esp, "lab-psk", "lab-psk"))
		goto out;
	if (init_round(&p, &ec) != IKE_OK || ec != IKE_OK)
		goto out;
	if (sa_init_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)) != IKE_OK)
		goto out;
	if (p.i.state != SA_INIT_DONE || p.r.state != SA_INIT_DONE ||
	    p.i.rspi != p.r.rspi || p.i.ispi != p.r.ispi || p.i.rspi == 0)
		goto out;
	if (memcmp(&p.i.keys, &p.r.keys, sizeof(p.i.keys)) != 0)
		goto out;
	if (auth_round(&p, &ec) != IKE_OK || ec != IKE_OK)
		goto out;
	if (auth_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)) != IKE_OK)
		goto out;
	ok = p.i.state == SA_ESTABLISHED && p.r.state == SA_ESTABLISHED &&
	    keys_equal(&p) && p.i.child.spi_in == p.r.child.spi_out &&
	    p.i.child.spi_out == p.r.child.spi_in && p.i.child.spi_in != 0 &&
	    p.i.child.encr == p.r.child.encr && p.i.peer_id.type == IKEV2_ID_IPV4_ADDR &&
	    !xchg_nat(&p.i);
out:
	pair_free(&p);
	(void)failed_;
	return ok;
}

TEST(exchange_gcm_x25519)
{
	ASSERT(full("aes256gcm16-prfsha256-x25519", "aes256gcm16", failed_));
}

TEST(exchange_cbc_modp2048)
{
	ASSERT(full("aes128-sha256-modp2048", "aes128-sha256", failed_));
}

/* open_req decrypts the IKE_AUTH request in p->req with the responder's keys. */
static int
open_req(const struct pair *p, uint8_t *pt, size_t cap, size_t *pt_len,
    uint8_t *first)
{
	struct ike_msg	 m;
	struct sk_cipher c;

	if (msg_parse(rd_init(p->req, p->req_len), &m) != IKE_OK || m.sk < 0)
		return 0;
	memset(&c, 0, sizeof(c));
	c.encr = p->r.suite.encr;
	c.keybits = p->r.suite.encr_keybits;
	c.integ = p->r.suite.integ;
	c.ekey = p->r.keys.sk_ei;
	c.ekey_len = p->r.keys.e_len;
	c.akey = p->r.keys.a_len ? p->r.keys.sk_ai : NULL;
	c.akey_len = p->r.keys.a_len;
	*first = m.sk_next;
	return sk_decrypt(&c, p->req, p->req_len, m.sk_off, pt, cap, pt_len) == IKE_OK;
}

static int
hmac256(const uint8_t *key, size_t key_len, const uint8_t *d, size_t n,
    uint8_t out[32])
{
	size_t	 len = 0;

	return EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len, d, n,
	    out, 32, &len) != NULL && len == 32;
}

/* The IKE_AUTH request decrypts with the responder's keys, and its AUTH is
 * prf(prf(PSK, "Key Pad for IKEv2"), RealMessage1 | Nr | prf(SK_pi, IDi'))
 * computed here with OpenSSL's HMAC alone. */
TEST(exchange_auth_golden)
{
	struct pair	 p;
	enum ike_err	 ec;
	uint8_t		 pt[XCHG_OUT_MAX], first = 0, kpad[32], maced[32], want[32];
	uint8_t		 octets[XCHG_MSG_MAX + 300];
	size_t		 pt_len = 0, n = 0;
	struct pld_iter	 it;
	struct pld	 pl;
	struct rd	 idi = { 0 }, auth = { 0 };

	ASSERT(pair_new(&p, "aes256gcm16-prfsha256-x25519",
	    "aes256gcm16-prfsha256-x25519", "aes256gcm16", "aes256gcm16",
	    "golden-psk", "golden-psk"));
	ASSERT_EQ(init_round(&p, &ec), IKE_OK);
	ASSERT_EQ(sa_init_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_OK);
	{
		struct wr w = wr_init(p.req, sizeof(p.req));

		ASSERT_EQ(auth_create(&p.i, &p.ci, &w), IKE_OK);
		p.req_len = w.len;
	}
	ASSERT(open_req(&p, pt, sizeof(pt), &pt_len, &first));
	ASSERT_EQ(first, IKEV2_PAYLOAD_IDI);
	pld_iter_init_inner(&it, rd_init(pt, pt_len), first);
	while (pld_next(&it, &pl)) {
		if (pl.type == IKEV2_PAYLOAD_IDI)
			idi = pl.body;
		if (pl.type == IKEV2_PAYLOAD_AUTH)
			auth = pl.body;
	}
	ASSERT_EQ(it.err, IKE_OK);
	ASSERT_EQ(idi.len, 8);			/* ID_IPV4_ADDR 192.0.2.1 */
	ASSERT_MEM(idi.p, "\x01\x00\x00\x00\xc0\x00\x02\x01", 8);
	ASSERT_EQ(auth.len, 4 + 32);
	ASSERT_EQ(auth.p[0], IKEV2_AUTHM_SHARED_KEY);

	ASSERT(hmac256((const uint8_t *)"golden-psk", 10,
	    (const uint8_t *)"Key Pad for IKEv2", 17, kpad));
	ASSERT(hmac256(p.r.keys.sk_pi, p.r.keys.p_len, idi.p, idi.len, maced));
	memcpy(octets, p.r.init_req, p.r.init_req_len);
	n = p.r.init_req_len;
	memcpy(octets + n, p.r.nr, p.r.nr_len);
	n += p.r.nr_len;
	memcpy(octets + n, maced, 32);
	n += 32;
	ASSERT(hmac256(kpad, 32, octets, n, want));
	ASSERT_MEM(auth.p + 4, want, 32);
	/* the request the initiator kept is the one on the wire */
	ASSERT_EQ(p.i.init_req_len, p.r.init_req_len);
	ASSERT_MEM(p.i.init_req, p.r.init_req, p.i.init_req_len);
	pair_free(&p);
}

TEST(exchange_wrong_psk)
{
	struct pair	 p;
	enum ike_err	 ec;

	ASSERT(pair_new(&p, "aes256gcm16-prfsha256-x25519",
	    "aes256gcm16-prfsha256-x25519", "aes256gcm16", "aes256gcm16",
	    "psk-one", "psk-two"));
	ASSERT_EQ(init_round(&p, &ec), IKE_OK);
	ASSERT_EQ(sa_init_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_OK);
	/* the responder finds the initiator's AUTH wrong and says so */
	ASSERT_EQ(auth_round(&p, &ec), IKE_EAUTH);
	ASSERT_EQ(ec, IKE_OK);
	ASSERT(p.resp_len > 0);
	ASSERT_EQ(auth_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_EREFUSED);
	ASSERT_EQ(p.i.peer_notify, IKEV2_N_AUTHENTICATION_FAILED);
	pair_free(&p);
}

/* The initiator finds the responder's AUTH wrong (it knows another PSK
 * when it checks): IKE_EAUTH. */
TEST(exchange_wrong_psk_responder_auth)
{
	struct pair	 p;
	struct psk	 other = { .key = "not-the-psk", .len = 11 };
	enum ike_err	 ec;

	ASSERT(pair_new(&p, "aes128-sha256-modp2048", "aes128-sha256-modp2048",
	    "aes128-sha256", "aes128-sha256", "same", "same"));
	ASSERT_EQ(init_round(&p, &ec), IKE_OK);
	ASSERT_EQ(sa_init_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_OK);
	ASSERT_EQ(auth_round(&p, &ec), IKE_OK);
	p.ci.psk = &other;
	ASSERT_EQ(auth_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_EAUTH);
	ASSERT_EQ(p.i.peer_notify, 0);
	pair_free(&p);
}

TEST(exchange_no_proposal)
{
	struct pair	 p;
	enum ike_err	 ec;

	ASSERT(pair_new(&p, "aes256gcm16-prfsha256-x25519", "aes128-sha256-modp2048",
	    "aes256gcm16", "aes128-sha256", "k", "k"));
	ASSERT_EQ(init_round(&p, &ec), IKE_ENOPROP);
	ASSERT(p.resp_len > 0);
	ASSERT_EQ(sa_init_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_ENOPROP);
	ASSERT_EQ(p.i.peer_notify, IKEV2_N_NO_PROPOSAL_CHOSEN);
	pair_free(&p);
}

TEST(exchange_no_esp_proposal)
{
	struct pair	 p;
	enum ike_err	 ec;

	ASSERT(pair_new(&p, "aes256gcm16-prfsha256-x25519",
	    "aes256gcm16-prfsha256-x25519", "aes256gcm16", "aes128-sha256", "k", "k"));
	ASSERT_EQ(init_round(&p, &ec), IKE_OK);
	ASSERT_EQ(sa_init_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_OK);
	ASSERT_EQ(auth_round(&p, &ec), IKE_ENOPROP);
	ASSERT_EQ(auth_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_ENOPROP);
	ASSERT_EQ(p.i.peer_notify, IKEV2_N_NO_PROPOSAL_CHOSEN);
	pair_free(&p);
}

TEST(exchange_ts_unacceptable)
{
	struct pair	 p;
	enum ike_err	 ec;
	char		 err[128];

	ASSERT(pair_new(&p, "aes256gcm16-prfsha256-x25519",
	    "aes256gcm16-prfsha256-x25519", "aes256gcm16", "aes256gcm16", "k", "k"));
	ASSERT_EQ(ts_parse_list(&p.cr.ts_local, "10.3.0.0/16", err, sizeof(err)), IKE_OK);
	ASSERT_EQ(init_round(&p, &ec), IKE_OK);
	ASSERT_EQ(sa_init_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_OK);
	ASSERT_EQ(auth_round(&p, &ec), IKE_ETS);
	ASSERT_EQ(auth_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_ETS);
	ASSERT_EQ(p.i.peer_notify, IKEV2_N_TS_UNACCEPTABLE);
	pair_free(&p);
}

/* step drives the initiator with xchg_step and a fresh responder SA for
 * every IKE_SA_INIT request (as a stateless responder would). */
static enum xchg_wait
drive(struct pair *p, struct xchg *x)
{
	struct wr	 out = wr_init(p->req, sizeof(p->req)), w2;
	enum xchg_wait	 wt;
	struct rd	 in = rd_init(NULL, 0);
	int		 rounds;

	for (rounds = 0; rounds < 10; rounds++) {
		out = wr_init(p->req, sizeof(p->req));
		wt = xchg_step(x, in, &out);
		if (wt != XCHG_SEND)
			return wt;
		w2 = wr_init(p->resp, sizeof(p->resp));
		if (p->i.state == SA_INIT_SENT) {
			ike_sa_wipe(&p->r);
			ike_sa_init(&p->r, ROLE_RESPONDER);
			(void)sa_init_respond(&p->r, &p->cr, rd_init(p->req, out.len), &w2);
		} else
			(void)auth_respond(&p->r, &p->cr, rd_init(p->req, out.len), &w2);
		in = rd_init(p->resp, w2.len);
	}
	return XCHG_FAIL;
}

TEST(exchange_invalid_ke_retry)
{
	struct pair	 p;
	struct xchg	 x;

	ASSERT(pair_new(&p, "aes256gcm16-prfsha256-x25519-modp2048",
	    "aes256gcm16-prfsha256-modp2048", "aes256gcm16", "aes256gcm16", "k", "k"));
	memset(&x, 0, sizeof(x));
	x.sa = &p.i;
	x.cfg = &p.ci;
	ASSERT_EQ(drive(&p, &x), XCHG_DONE);
	ASSERT_EQ(x.n_retry, 1);
	ASSERT_EQ(p.i.dh_group, IKEV2_DH_MODP_2048);
	ASSERT_EQ(p.i.suite.dh, IKEV2_DH_MODP_2048);
	ASSERT_EQ(p.i.state, SA_ESTABLISHED);
	ASSERT(keys_equal(&p));
	pair_free(&p);
}

TEST(exchange_no_common_group)
{
	struct pair	 p;
	enum ike_err	 ec;
	struct xchg	 x;

	/* the responder takes the initiator's group when it has it */
	ASSERT(pair_new(&p, "aes256gcm16-prfsha256-x25519",
	    "aes256gcm16-prfsha256-modp2048-x25519", "aes256gcm16", "aes256gcm16",
	    "k", "k"));
	/* the responder picks by the initiator's proposal: x25519 matches */
	ASSERT_EQ(init_round(&p, &ec), IKE_OK);
	pair_free(&p);
	/* no common group: NO_PROPOSAL_CHOSEN, no retry */
	ASSERT(pair_new(&p, "aes256gcm16-prfsha256-x25519",
	    "aes256gcm16-prfsha256-modp2048", "aes256gcm16", "aes256gcm16", "k", "k"));
	memset(&x, 0, sizeof(x));
	x.sa = &p.i;
	x.cfg = &p.ci;
	ASSERT_EQ(drive(&p, &x), XCHG_FAIL);
	ASSERT_EQ(x.err, IKE_ENOPROP);
	ASSERT_EQ(x.n_retry, 0);
	pair_free(&p);
}

TEST(exchange_cookie_retry)
{
	struct pair	 p;
	struct xchg	 x;
	static const uint8_t cookie[] = "0123456789abcdef";

	ASSERT(pair_new(&p, "aes128-sha256-modp2048", "aes128-sha256-modp2048",
	    "aes128-sha256", "aes128-sha256", "k", "k"));
	p.cr.cookie = cookie;
	p.cr.cookie_len = 16;
	memset(&x, 0, sizeof(x));
	x.sa = &p.i;
	x.cfg = &p.ci;
	ASSERT_EQ(drive(&p, &x), XCHG_DONE);
	ASSERT_EQ(x.n_retry, 1);
	ASSERT_EQ(p.i.cookie_len, 16);
	ASSERT(keys_equal(&p));
	pair_free(&p);
}

TEST(exchange_fake_natd)
{
	struct pair	 p;
	enum ike_err	 ec;

	ASSERT(pair_new(&p, "aes256gcm16-prfsha256-x25519",
	    "aes256gcm16-prfsha256-x25519", "aes256gcm16", "aes256gcm16", "k", "k"));
	p.ci.fake_natd = true;
	ASSERT_EQ(init_round(&p, &ec), IKE_OK);
	/* the responder sees the initiator behind a NAT */
	ASSERT(p.r.nat_remote);
	ASSERT(!p.r.nat_local);
	ASSERT_EQ(sa_init_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_OK);
	ASSERT(p.i.nat_local);
	ASSERT(!p.i.nat_remote);
	ASSERT(xchg_nat(&p.i));
	pair_free(&p);
}

TEST(exchange_stray_response_ignored)
{
	struct pair	 p;
	enum ike_err	 ec;

	ASSERT(pair_new(&p, "aes256gcm16-prfsha256-x25519",
	    "aes256gcm16-prfsha256-x25519", "aes256gcm16", "aes256gcm16", "k", "k"));
	ASSERT_EQ(init_round(&p, &ec), IKE_OK);
	ASSERT(xchg_match(&p.i, rd_init(p.resp, p.resp_len)));
	ASSERT(!xchg_match(&p.i, rd_init(p.req, p.req_len)));	/* a request */
	p.resp[0] ^= 1;						/* another SPI */
	ASSERT(!xchg_match(&p.i, rd_init(p.resp, p.resp_len)));
	pair_free(&p);
}

TEST(exchange_ts_and_id_text)
{
	struct ts_pld	 t;
	struct ike_id	 id;
	char		 buf[128], err[128];

	ASSERT_EQ(ts_parse_list(&t, "10.1.0.0/16,10.3.0.1-10.3.0.9,192.0.2.7", err,
	    sizeof(err)), IKE_OK);
	ASSERT_EQ(t.n_ts, 3);
	ts_format_list(&t, buf, sizeof(buf));
	ASSERT(strcmp(buf, "10.1.0.0/16,10.3.0.1-10.3.0.9,192.0.2.7/32") == 0);
	ASSERT_EQ(ts_parse_list(&t, "10.1.0.0/33", err, sizeof(err)), IKE_EINVAL);
	ASSERT_EQ(ts_parse_list(&t, "nope", err, sizeof(err)), IKE_EINVAL);
	ASSERT_EQ(ike_id_parse(&id, "192.0.2.1"), IKE_OK);
	ASSERT_EQ(id.type, IKEV2_ID_IPV4_ADDR);
	ASSERT_EQ(ike_id_parse(&id, "@host.example"), IKE_OK);
	ASSERT_EQ(id.type, IKEV2_ID_FQDN);
	ASSERT_EQ(id.len, 12);
	ASSERT_EQ(ike_id_parse(&id, "me@host.example"), IKE_OK);
	ASSERT_EQ(id.type, IKEV2_ID_RFC822_ADDR);
	ike_id_format(&id, buf, sizeof(buf));
	ASSERT(strcmp(buf, "me@host.example") == 0);
}

TEST(exchange_responder_narrows_ts)
{
	struct pair	 p;
	enum ike_err	 ec;
	char		 err[128], buf[128];

	ASSERT(pair_new(&p, "aes256gcm16-prfsha256-x25519",
	    "aes256gcm16-prfsha256-x25519", "aes256gcm16", "aes256gcm16", "k", "k"));
	ASSERT_EQ(ts_parse_list(&p.ci.ts_remote, "10.0.0.0/8", err, sizeof(err)), IKE_OK);
	ASSERT_EQ(init_round(&p, &ec), IKE_OK);
	ASSERT_EQ(sa_init_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_OK);
	ASSERT_EQ(auth_round(&p, &ec), IKE_OK);
	ASSERT_EQ(auth_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_OK);
	ts_format_list(&p.r.child.tsr, buf, sizeof(buf));
	ASSERT(strcmp(buf, "10.2.0.0/16") == 0);
	ts_format_list(&p.i.child.tsr, buf, sizeof(buf));
	ASSERT(strcmp(buf, "10.2.0.0/16") == 0);
	pair_free(&p);
}

TEST(exchange_informational_respond)
{
	struct pair	 p;
	struct info_req	 req;
	struct skb	 b;
	enum ike_err	 ec;
	uint8_t		 req_buf[XCHG_OUT_MAX], resp[XCHG_OUT_MAX];
	struct wr	 w = wr_init(req_buf, sizeof(req_buf));
	struct wr	 o = wr_init(resp, sizeof(resp));
	uint32_t	 spi;

	ASSERT(pair_new(&p, "aes256gcm16-prfsha256-x25519",
	    "aes256gcm16-prfsha256-x25519", "aes256gcm16", "aes256gcm16", "k", "k"));
	ASSERT_EQ(init_round(&p, &ec), IKE_OK);
	ASSERT_EQ(sa_init_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_OK);
	ASSERT_EQ(auth_round(&p, &ec), IKE_OK);
	ASSERT_EQ(p.r.msgid, 2);
	/* an empty request: liveness check */
	skb_init(&b);
	ASSERT_EQ(skb_seal(&p.i, &b, IKEV2_EXCH_INFORMATIONAL, false, 2, &w), IKE_OK);
	ASSERT_EQ(info_respond(&p.r, rd_init(req_buf, w.len), &o, &req), IKE_OK);
	ASSERT(req.empty && !req.delete_ike && !req.child_gone);
	ASSERT(o.len > 0);
	ASSERT_EQ(p.r.msgid, 3);
	/* the same message again is not the expected msgid */
	ASSERT_EQ(info_respond(&p.r, rd_init(req_buf, w.len), &o, &req), IKE_ESYNTAX);
	/* a Delete of the Child SA by its SPI on the peer's side */
	w = wr_init(req_buf, sizeof(req_buf));
	o = wr_init(resp, sizeof(resp));
	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_DELETE, false);
	spi = p.r.child.spi_out;
	delete_put(&b.w, IKEV2_PROTO_ESP, &spi, 1);
	ASSERT_EQ(skb_seal(&p.i, &b, IKEV2_EXCH_INFORMATIONAL, false, 3, &w), IKE_OK);
	ASSERT_EQ(info_respond(&p.r, rd_init(req_buf, w.len), &o, &req), IKE_OK);
	ASSERT(req.child_gone && !req.delete_ike);
	ASSERT_EQ(req.n_del, 1);
	/* a Delete of the IKE SA */
	w = wr_init(req_buf, sizeof(req_buf));
	o = wr_init(resp, sizeof(resp));
	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_DELETE, false);
	delete_put(&b.w, IKEV2_PROTO_IKE, NULL, 0);
	ASSERT_EQ(skb_seal(&p.i, &b, IKEV2_EXCH_INFORMATIONAL, false, 4, &w), IKE_OK);
	ASSERT_EQ(info_respond(&p.r, rd_init(req_buf, w.len), &o, &req), IKE_OK);
	ASSERT(req.delete_ike);
	/* a tampered message does not decrypt */
	req_buf[w.len - 1] ^= 1;
	ASSERT(info_respond(&p.r, rd_init(req_buf, w.len), &o, &req) != IKE_OK);
	pair_free(&p);
}

/* The initiator of the IKE SA answers the responder's requests at the
 * responder's own message IDs (0, 1, ...), refuses CREATE_CHILD_SA, and its
 * Delete of the IKE SA is answered and consumed at its own counter. */
TEST(exchange_informational_initiator_role)
{
	struct pair	 p;
	struct info_req	 req;
	struct skb	 b;
	struct ike_msg	 m;
	enum ike_err	 ec;
	uint8_t		 req_buf[XCHG_OUT_MAX], resp[XCHG_OUT_MAX], pt[XCHG_OUT_MAX];
	struct wr	 w = wr_init(req_buf, sizeof(req_buf));
	struct wr	 o = wr_init(resp, sizeof(resp));
	size_t		 pt_len = 0;
	uint8_t		 first = 0;

	ASSERT(pair_new(&p, "aes256gcm16-prfsha256-x25519",
	    "aes256gcm16-prfsha256-x25519", "aes256gcm16", "aes256gcm16", "k", "k"));
	ASSERT_EQ(init_round(&p, &ec), IKE_OK);
	ASSERT_EQ(sa_init_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_OK);
	ASSERT_EQ(auth_round(&p, &ec), IKE_OK);
	ASSERT_EQ(auth_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_OK);
	ASSERT_EQ(p.i.msgid, 2);
	ASSERT_EQ(p.i.peer_msgid, 0);
	/* the responder's DPD: its request 0, answered as a response 0 */
	skb_init(&b);
	ASSERT_EQ(skb_seal(&p.r, &b, IKEV2_EXCH_INFORMATIONAL, false, 0, &w), IKE_OK);
	ASSERT_EQ(info_respond(&p.i, rd_init(req_buf, w.len), &o, &req), IKE_OK);
	ASSERT(req.empty && !req.delete_ike);
	ASSERT_EQ(p.i.peer_msgid, 1);
	ASSERT_EQ(p.i.msgid, 2);
	ASSERT_EQ(sk_open(&p.r, rd_init(resp, o.len), &m, pt, sizeof(pt), &pt_len,
	    &first), IKE_OK);
	ASSERT_EQ(m.hdr.msgid, 0);
	ASSERT_EQ(m.hdr.flags, IKEV2_FLAG_INITIATOR | IKEV2_FLAG_RESPONSE);
	/* a retransmission of request 0 is not answered again here */
	ASSERT_EQ(info_respond(&p.i, rd_init(req_buf, w.len), &o, &req), IKE_ESYNTAX);
	/* CREATE_CHILD_SA 1: N(NO_ADDITIONAL_SAS) */
	w = wr_init(req_buf, sizeof(req_buf));
	o = wr_init(resp, sizeof(resp));
	skb_init(&b);
	ASSERT_EQ(skb_seal(&p.r, &b, IKEV2_EXCH_CREATE_CHILD_SA, false, 1, &w), IKE_OK);
	ASSERT_EQ(info_refuse(&p.i, rd_init(req_buf, w.len), IKEV2_N_NO_ADDITIONAL_SAS,
	    &o), IKE_OK);
	ASSERT_EQ(p.i.peer_msgid, 2);
	ASSERT_EQ(sk_open(&p.r, rd_init(resp, o.len), &m, pt, sizeof(pt), &pt_len,
	    &first), IKE_OK);
	ASSERT_EQ(m.hdr.exch, IKEV2_EXCH_CREATE_CHILD_SA);
	ASSERT_EQ(first, IKEV2_PAYLOAD_NOTIFY);
	/* notify body: proto, spi size, type */
	ASSERT(pt_len >= 8 && pt[6] == 0 && pt[7] == IKEV2_N_NO_ADDITIONAL_SAS);
	/* our Delete of the IKE SA: request 2, answered by the responder */
	w = wr_init(req_buf, sizeof(req_buf));
	o = wr_init(resp, sizeof(resp));
	ASSERT_EQ(info_create(&p.i, true, &w), IKE_OK);
	ASSERT_EQ(p.r.msgid, 2);
	ASSERT_EQ(info_respond(&p.r, rd_init(req_buf, w.len), &o, &req), IKE_OK);
	ASSERT(req.delete_ike);
	/* not the answer: our own request */
	ASSERT_EQ(info_consume(&p.i, rd_init(req_buf, w.len)), IKE_ESYNTAX);
	ASSERT_EQ(info_consume(&p.i, rd_init(resp, o.len)), IKE_OK);
	ASSERT_EQ(p.i.msgid, 3);
	pair_free(&p);
}

/* save_load records sa as ike-state(5) does, reads it back with
 * ike_sa_load into out, and rewrites its message IDs with sd_update. */
static int
save_load(const struct ike_sa *sa, struct ike_sa *out, struct ike_sa_file *f,
    int *failed_)
{
	char		 dir[] = "/tmp/test_exchange.XXXXXX", err[256], cmd[64];
	struct sd	 sd;
	struct sd_lock	 l;
	struct kvbuf	 b;
	struct sa_where	 w = { "site-b", "net", "192.0.2.1:4500",
	    "192.0.2.2:4500", "192.0.2.1", "192.0.2.2", true, NULL, NULL };
	char		 state[16], in[16], child[16];
	struct sd_kv	 kv[] = { { "state", state, sizeof(state), 0 },
	    { "msgid_in", in, sizeof(in), 0 },
	    { "child", child, sizeof(child), 0 } };
	int		 ok = 0;

	if (mkdtemp(dir) == NULL)
		return 0;
	if (sd_open(&sd, dir, false) != IKE_OK ||
	    sd_lock_sa(&sd, "site-b", true, &l) != IKE_OK)
		goto out;
	kv_init(&b);
	ike_sa_record(&b, sa, &w);
	if (sd_write(&l, "ike.sa", &b) != IKE_OK)
		goto unlock;
	kv_wipe(&b);
	if (ike_sa_load(&l, out, f, err, sizeof(err)) != IKE_OK) {
		fprintf(stderr, "ike_sa_load: %s\n", err);
		goto unlock;
	}
	/* sd_update replaces the lines it names, drops those it is told to,
	 * and keeps every other one */
	kv_init(&b);
	kv_u64(&b, "msgid_in", 7);
	if (sd_update(&l, "ike.sa", &b, (const char *const[]){ "child", NULL }) !=
	    IKE_OK || sd_read(&l, "ike.sa", kv, 3) != IKE_OK)
		goto unlock;
	ok = strcmp(state, "established") == 0 && strcmp(in, "7") == 0 &&
	    kv[1].line > kv[0].line && kv[2].line == 0;
unlock:
	sd_unlock(&l);
	sd_close(&sd);
out:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	(void)failed_;
	return ok;
}

/* An SA read back from its file is the SA: the other end's liveness check
 * decrypts and is answered with it, and the message IDs go on. */
TEST(exchange_state_file_round_trip)
{
	struct pair		 p;
	struct ike_sa		 r;
	struct ike_sa_file	 f;
	struct info_req		 req;
	struct child_pair	 cp;
	struct wr		 w, w2;
	enum ike_err		 ec;

	ASSERT(pair_new(&p, "aes256gcm16-prfsha256-x25519",
	    "aes256gcm16-prfsha256-x25519", "aes256gcm16", "aes256gcm16",
	    "lab-psk", "lab-psk"));
	ASSERT_EQ(init_round(&p, &ec), IKE_OK);
	ASSERT_EQ(sa_init_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_OK);
	ASSERT_EQ(auth_round(&p, &ec), IKE_OK);
	ASSERT_EQ(auth_consume(&p.i, &p.ci, rd_init(p.resp, p.resp_len)), IKE_OK);
	p.r.msgid = 5;			/* it answered three requests */
	ASSERT(save_load(&p.r, &r, &f, failed_));
	ASSERT_EQ(r.role, ROLE_RESPONDER);
	ASSERT(r.ispi == p.r.ispi && r.rspi == p.r.rspi);
	ASSERT_EQ(r.msgid, 5);
	ASSERT_EQ(r.suite.encr, IKEV2_ENCR_AES_GCM_16);
	ASSERT_EQ(r.suite.encr_keybits, 256);
	ASSERT(memcmp(&r.keys, &p.r.keys, sizeof(r.keys)) == 0);
	ASSERT(strcmp(f.local, "192.0.2.1:4500") == 0 && f.nat == false);
	ASSERT(strcmp(f.child, "net") == 0);

	/* the initiator checks liveness at message ID 5 */
	p.i.msgid = 5;
	w = wr_init(p.req, sizeof(p.req));
	ASSERT_EQ(info_create(&p.i, false, &w), IKE_OK);
	w2 = wr_init(p.resp, sizeof(p.resp));
	cp = (struct child_pair){ 0x1234, 0x5678 };
	ASSERT_EQ(info_respond_pairs(&r, rd_init(p.req, w.len), &w2, &req,
	    &cp, 1), IKE_OK);
	ASSERT(req.empty && !req.delete_ike);
	ASSERT_EQ(r.msgid, 6);
	ASSERT_EQ(info_consume(&p.i, rd_init(p.resp, w2.len)), IKE_OK);
	/* the same request again is not answered twice by the protocol */
	ASSERT(info_respond_pairs(&r, rd_init(p.req, w.len), &w2, &req, &cp,
	    1) != IKE_OK);
	ike_sa_wipe(&r);
	pair_free(&p);
}

/* established makes p's two ends go through IKE_SA_INIT and IKE_AUTH. */
static int
established(struct pair *p)
{
	enum ike_err	 ec;

	return pair_new(p, "aes256gcm16-prfsha256-x25519",
	    "aes256gcm16-prfsha256-x25519", "aes256gcm16,aes128-sha256",
	    "aes128-sha256,aes256gcm16", "lab-psk", "lab-psk") &&
	    init_round(p, &ec) == IKE_OK &&
	    sa_init_consume(&p->i, &p->ci, rd_init(p->resp, p->resp_len)) == IKE_OK &&
	    auth_round(p, &ec) == IKE_OK &&
	    auth_consume(&p->i, &p->ci, rd_init(p->resp, p->resp_len)) == IKE_OK;
}

/* rekey runs one CREATE_CHILD_SA from a to b (either end of the IKE SA)
 * and returns b's result; a's is in *ea. */
static enum ike_err
rekey(struct pair *p, struct ike_sa *a, struct ike_sa *b, struct ccsa *ca,
    struct ccsa *cb, uint16_t pfs, uint32_t rekey_spi,
    const struct child_pair *pairs, enum ike_err *ea)
{
	struct xchg_cfg		*ac = a == &p->i ? &p->ci : &p->cr;
	struct xchg_cfg		*bc = b == &p->i ? &p->ci : &p->cr;
	struct ccsa_policy	 pol = { &bc->esp, &bc->ts_local, &bc->ts_remote,
	    pairs, 1, NULL };
	struct wr		 w = wr_init(p->req, sizeof(p->req));
	struct wr		 w2 = wr_init(p->resp, sizeof(p->resp));
	enum ike_err		 e;

	if ((*ea = ccsa_create(a, ca, &ac->esp, pfs, rekey_spi, &ac->ts_local,
	    &ac->ts_remote, &w)) != IKE_OK)
		return IKE_EINVAL;
	e = ccsa_respond(b, &pol, rd_init(p->req, w.len), &w2, cb);
	if (w2.len > 0)
		*ea = ccsa_consume(a, ca, rd_init(p->resp, w2.len));
	return e;
}

static int
same_child(const struct ccsa *a, const struct ccsa *b)
{
	return a->child.spi_in == b->child.spi_out &&
	    a->child.spi_out == b->child.spi_in && a->child.spi_in != 0 &&
	    a->child.encr == b->child.encr && a->child.keys.e_len != 0 &&
	    memcmp(&a->child.keys, &b->child.keys, sizeof(a->child.keys)) == 0;
}

/* A Child SA rekey both ways, with and without PFS: both ends derive the
 * same keys, the SPIs cross, and each end's own request counter moves. */
TEST(exchange_create_child_rekey)
{
	struct pair		 p;
	struct ccsa		 a, b;
	struct child_pair	 r_pairs, i_pairs;
	enum ike_err		 ea;

	ASSERT(established(&p));
	r_pairs = (struct child_pair){ p.r.child.spi_out, p.r.child.spi_in };
	i_pairs = (struct child_pair){ p.i.child.spi_out, p.i.child.spi_in };
	/* the initiator rekeys, no PFS */
	ASSERT_EQ(rekey(&p, &p.i, &p.r, &a, &b, 0, p.i.child.spi_in, &r_pairs,
	    &ea), IKE_OK);
	ASSERT_EQ(ea, IKE_OK);
	ASSERT(same_child(&a, &b));
	ASSERT_EQ(b.rekey_spi, p.i.child.spi_in);
	ASSERT_EQ(p.i.msgid, 3);
	ASSERT_EQ(p.r.msgid, 3);
	ASSERT(a.child.encr == IKEV2_ENCR_AES_GCM_16);
	ccsa_wipe(&a);
	ccsa_wipe(&b);
	/* the responder of the IKE SA rekeys with PFS (curve25519): its own
	 * counter (peer_msgid) starts at 0 */
	ASSERT_EQ(rekey(&p, &p.r, &p.i, &a, &b, IKEV2_DH_CURVE25519,
	    p.r.child.spi_in, &i_pairs, &ea), IKE_OK);
	ASSERT_EQ(ea, IKE_OK);
	ASSERT(same_child(&a, &b));
	ASSERT(a.dh != NULL && b.dh != NULL);
	ASSERT_EQ(p.r.peer_msgid, 1);
	ASSERT_EQ(p.i.peer_msgid, 1);
	ccsa_wipe(&a);
	ccsa_wipe(&b);
	pair_free(&p);
}

/* What the responder refuses, each with the Notify the initiator reads. */
TEST(exchange_create_child_refused)
{
	struct pair		 p;
	struct ccsa		 a, b;
	struct child_pair	 none = { 0x11111111, 0x22222222 };
	enum ike_err		 ea;

	ASSERT(established(&p));
	/* a rekey of an SA the responder does not have */
	ASSERT_EQ(rekey(&p, &p.i, &p.r, &a, &b, 0, p.i.child.spi_in, &none,
	    &ea), IKE_ENOKEY);
	ASSERT_EQ(ea, IKE_EREFUSED);
	ASSERT_EQ(p.i.peer_notify, IKEV2_N_CHILD_SA_NOT_FOUND);
	ccsa_wipe(&a);
	ccsa_wipe(&b);
	/* selectors outside the responder's */
	p.ci.ts_local.ts[0].start[0] = 172;
	p.ci.ts_local.ts[0].end[0] = 172;
	ASSERT_EQ(rekey(&p, &p.i, &p.r, &a, &b, 0, 0, &none, &ea), IKE_ETS);
	ASSERT_EQ(ea, IKE_EREFUSED);
	ASSERT_EQ(p.i.peer_notify, IKEV2_N_TS_UNACCEPTABLE);
	ASSERT_EQ(p.i.msgid, 4);
	ASSERT_EQ(p.r.msgid, 4);
	ccsa_wipe(&a);
	ccsa_wipe(&b);
	pair_free(&p);
}
