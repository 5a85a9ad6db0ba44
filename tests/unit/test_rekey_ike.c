/* SPDX-License-Identifier: ISC */
/* Unit tests for our rekey of the IKE SA (ike_rekey_create / ike_rekey_consume) against ike_rekey_respond, its keys against an independent computation, refusals, the INVALID_KE_PAYLOAD retry and the new SA in use. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "test.h"
#include "buf/buf.h"
#include "codec/chain.h"
#include "codec/ke.h"
#include "codec/msg.h"
#include "codec/nonce.h"
#include "crypto/dh.h"
#include "exchange/internal.h"
#include "exchange/record.h"
#include "exchange/collide.h"
#include "exchange/rekey_journal.h"
#include "exchange/xchg.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"
#include "sa/statedir.h"

/* Two ends of an established IKE SA, i its initiator. */
struct ends {
	struct xchg_cfg	 ci, cr;
	struct psk	 psk;
	struct ike_sa	 i, r;
	uint8_t		 req[XCHG_OUT_MAX], resp[XCHG_OUT_MAX];
	size_t		 req_len, resp_len;
};

static int
cfg(struct xchg_cfg *c, const struct psk *psk, const char *ike, const char *me,
    const char *peer, const char *ts_l, const char *ts_r)
{
	char	 err[PROPOSAL_ERR_MAX];

	memset(c, 0, sizeof(*c));
	c->psk = psk;
	if (proposal_parse(&c->ike, IKEV2_PROTO_IKE, ike, err, sizeof(err)) !=
	    IKE_OK || proposal_parse(&c->esp, IKEV2_PROTO_ESP, "aes256gcm16",
	    err, sizeof(err)) != IKE_OK)
		return 0;
	c->af = AF_INET;
	inet_pton(AF_INET, me, c->local_addr);
	inet_pton(AF_INET, peer, c->peer_addr);
	c->local_port = c->peer_port = 500;
	return ike_id_parse(&c->local_id, me) == IKE_OK &&
	    ts_parse_list(&c->ts_local, ts_l, err, sizeof(err)) == IKE_OK &&
	    ts_parse_list(&c->ts_remote, ts_r, err, sizeof(err)) == IKE_OK;
}

/* up runs IKE_SA_INIT and IKE_AUTH between e's ends with suite ike. */
static int
up(struct ends *e, const char *ike)
{
	struct wr	 w, w2;

	memset(e, 0, sizeof(*e));
	e->psk.len = 7;
	memcpy(e->psk.key, "lab-psk", 7);
	if (!cfg(&e->ci, &e->psk, ike, "192.0.2.1", "192.0.2.2", "10.1.0.0/16",
	    "10.2.0.0/16") || !cfg(&e->cr, &e->psk, ike, "192.0.2.2",
	    "192.0.2.1", "10.2.0.0/16", "10.1.0.0/16"))
		return 0;
	ike_sa_init(&e->i, ROLE_INITIATOR);
	ike_sa_init(&e->r, ROLE_RESPONDER);
	w = wr_init(e->req, sizeof(e->req));
	w2 = wr_init(e->resp, sizeof(e->resp));
	if (sa_init_create(&e->i, &e->ci, &w) != IKE_OK ||
	    sa_init_respond(&e->r, &e->cr, rd_init(e->req, w.len), &w2) !=
	    IKE_OK || sa_init_consume(&e->i, &e->ci, rd_init(e->resp, w2.len)) !=
	    IKE_OK)
		return 0;
	w = wr_init(e->req, sizeof(e->req));
	w2 = wr_init(e->resp, sizeof(e->resp));
	return auth_create(&e->i, &e->ci, &w) == IKE_OK &&
	    auth_respond(&e->r, &e->cr, rd_init(e->req, w.len), &w2) ==
	    IKE_OK && auth_consume(&e->i, &e->ci, rd_init(e->resp, w2.len)) ==
	    IKE_OK && e->i.state == SA_ESTABLISHED;
}

static void
down(struct ends *e)
{
	ike_sa_wipe(&e->i);
	ike_sa_wipe(&e->r);
}

/* answer has the responder r answer e->req (req_len) as esp-tun does:
 * ccsa_respond with room for a new IKE SA in rn. */
static enum ike_err
answer(struct ends *e, struct ike_sa *r, struct ike_sa *rn, struct ccsa *c)
{
	struct xchg_cfg		*rc = r == &e->r ? &e->cr : &e->ci;
	struct child_pair	 pair = { r->child.spi_out, r->child.spi_in };
	struct ccsa_policy	 pol = { &rc->esp, &rc->ts_local, &rc->ts_remote,
	    &pair, 1, rn };
	struct wr		 w = wr_init(e->resp, sizeof(e->resp));
	enum ike_err		 err;

	ike_sa_init(rn, ROLE_RESPONDER);
	err = ccsa_respond(r, &pol, rd_init(e->req, e->req_len), &w, c);
	e->resp_len = w.len;
	return err;
}

static int
create(struct ends *e, struct ike_sa *a, struct ike_rekey *k, uint16_t group)
{
	struct wr	 w = wr_init(e->req, sizeof(e->req));

	if (ike_rekey_create(a, k, group, &w) != IKE_OK)
		return 0;
	e->req_len = w.len;
	return 1;
}

static int
hmac256(const uint8_t *key, size_t key_len, const uint8_t *d, size_t n,
    uint8_t out[32])
{
	size_t	 len = 0;

	return EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len, d, n,
	    out, 32, &len) != NULL && len == 32;
}

/* plus is prf+ (RFC 7296 2.13) with HMAC-SHA-256, here by hand:
 * T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n). */
static int
plus(const uint8_t *key, size_t key_len, const uint8_t *s, size_t s_len,
    uint8_t *out, size_t n)
{
	uint8_t		 in[32 + 512 + 1], t[32];
	size_t		 at = 0, len;
	unsigned	 i;

	for (i = 1; at < n; i++) {
		len = 0;
		if (i > 1) {
			memcpy(in, t, 32);
			len = 32;
		}
		memcpy(in + len, s, s_len);
		len += s_len;
		in[len++] = (uint8_t)i;
		if (!hmac256(key, key_len, in, len, t))
			return 0;
		memcpy(out + at, t, n - at < 32 ? n - at : 32);
		at += 32;
	}
	return 1;
}

static void
put64(uint8_t *p, uint64_t v)
{
	int	 i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* Our rekey answered by our own responder: both ends get the same new IKE
 * SA (we its initiator, SPIs of the exchange, counters at 0), and its
 * keys are SKEYSEED = prf(SK_d (old), g^ir | Ni | Nr), then prf+(SKEYSEED,
 * Ni | Nr | SPIi | SPIr), computed here with OpenSSL's HMAC alone, from
 * the KEr and Nr read off the wire (the CAVS known answer of
 * ike_keys_derive_rekey itself is in test_crypto_keys.c). */
TEST(rekey_ike_both_ends_agree)
{
	static struct ends	 e;
	struct ike_rekey	 k;
	struct ike_sa		 in, rn;
	struct ccsa		 c;
	struct ike_msg		 m;
	struct pld_iter		 it;
	struct pld		 pl;
	struct ke_pld		 ke;
	struct rd		 body, kr = { 0 }, nr = { 0 };
	uint8_t			 pt[XCHG_OUT_MAX], first = 0, g[64], buf[600];
	uint8_t			 seed[32], km[32 + 36 + 36 + 32 + 32];
	size_t			 pt_len = 0, g_len = 0, n;
	uint32_t		 before;
	uint64_t		 old_ispi;

	ASSERT(up(&e, "aes256gcm16-prfsha256-x25519"));
	old_ispi = e.i.ispi;
	before = e.i.msgid;
	ASSERT(create(&e, &e.i, &k, 0));
	ASSERT_EQ(k.msgid, before);
	ASSERT_EQ(k.group, IKEV2_DH_CURVE25519);
	ASSERT(k.spi != 0);
	ASSERT_EQ(answer(&e, &e.r, &rn, &c), IKE_OK);
	ASSERT(c.ike_rekeyed);
	ASSERT_EQ(ike_rekey_consume(&e.i, &k, rd_init(e.resp, e.resp_len),
	    &in), IKE_OK);
	/* one exchange on the old SA at each end */
	ASSERT_EQ(e.i.msgid, before + 1);
	ASSERT_EQ(e.r.msgid, before + 1);
	ASSERT_EQ(e.i.ispi, old_ispi);
	/* the same new SA at both ends; we initiated it */
	ASSERT_EQ(in.role, ROLE_INITIATOR);
	ASSERT_EQ(rn.role, ROLE_RESPONDER);
	ASSERT_EQ(in.state, SA_ESTABLISHED);
	ASSERT(in.ispi == k.spi && rn.ispi == k.spi);
	ASSERT(in.rspi == rn.rspi && in.rspi != 0 && in.rspi != e.i.rspi);
	ASSERT_EQ(in.msgid, 0);
	ASSERT_EQ(in.peer_msgid, 0);
	ASSERT_EQ(rn.msgid, 0);
	ASSERT_EQ(in.suite.encr, IKEV2_ENCR_AES_GCM_16);
	ASSERT_EQ(in.suite.prf, rn.suite.prf);
	ASSERT_EQ(in.suite.dh, IKEV2_DH_CURVE25519);
	ASSERT(in.keys.d_len == 32 && in.keys.e_len == 36 &&
	    in.keys.a_len == 0 && in.keys.p_len == 32);
	ASSERT_MEM(&in.keys, &rn.keys, sizeof(in.keys));
	/* new keys, not the old ones */
	ASSERT(memcmp(in.keys.sk_d, e.i.keys.sk_d, 32) != 0);

	/* by hand: KEr and Nr from the answer, decrypted with the old keys */
	ASSERT_EQ(sk_open(&e.i, rd_init(e.resp, e.resp_len), &m, pt,
	    sizeof(pt), &pt_len, &first), IKE_OK);
	pld_iter_init_inner(&it, rd_init(pt, pt_len), first);
	while (pld_next(&it, &pl)) {
		body = pl.body;
		if (pl.type == IKEV2_PAYLOAD_KE) {
			ASSERT_EQ(ke_parse(&body, &ke), IKE_OK);
			kr = ke.data;
		} else if (pl.type == IKEV2_PAYLOAD_NONCE)
			ASSERT_EQ(nonce_parse(&body, &nr), IKE_OK);
	}
	ASSERT_EQ(it.err, IKE_OK);
	ASSERT_EQ(kr.len, 32);
	ASSERT(nr.len >= 16);
	ASSERT_EQ(dh_shared(k.dh, kr.p, kr.len, g, sizeof(g), &g_len), IKE_OK);
	ASSERT_EQ(g_len, 32);
	n = 0;
	memcpy(buf + n, g, g_len);
	n += g_len;
	memcpy(buf + n, k.ni, k.ni_len);
	n += k.ni_len;
	memcpy(buf + n, nr.p, nr.len);
	n += nr.len;
	ASSERT(hmac256(e.i.keys.sk_d, e.i.keys.d_len, buf, n, seed));
	n = 0;
	memcpy(buf + n, k.ni, k.ni_len);
	n += k.ni_len;
	memcpy(buf + n, nr.p, nr.len);
	n += nr.len;
	put64(buf + n, k.spi);
	put64(buf + n + 8, in.rspi);
	n += 16;
	ASSERT(plus(seed, 32, buf, n, km, sizeof(km)));
	ASSERT_MEM(in.keys.sk_d, km, 32);
	ASSERT_MEM(in.keys.sk_ei, km + 32, 36);
	ASSERT_MEM(in.keys.sk_er, km + 68, 36);
	ASSERT_MEM(in.keys.sk_pi, km + 104, 32);
	ASSERT_MEM(in.keys.sk_pr, km + 136, 32);

	/* the answer again is not taken twice: the counter moved */
	ASSERT_EQ(ike_rekey_consume(&e.i, &k, rd_init(e.resp, e.resp_len),
	    &in), IKE_ESYNTAX);
	ccsa_wipe(&c);
	ike_rekey_wipe(&k);
	ike_sa_wipe(&in);
	ike_sa_wipe(&rn);
	down(&e);
}

/* After the rekey: a liveness check on the new SA (message ID 0, its own
 * keys) goes both ways, and the old SA's Delete (its keys, its next
 * message ID) tells the responder to drop it. The IKE SA's responder may
 * rekey too (it then initiates the new SA). */
TEST(rekey_ike_new_sa_in_use)
{
	static struct ends	 e;
	struct ike_rekey	 k;
	struct ike_sa		 in, rn;
	struct ccsa		 c;
	struct info_req		 req;
	struct wr		 w, w2;

	ASSERT(up(&e, "aes128-sha256-prfsha256-ecp256"));
	/* the responder of the IKE SA rekeys it */
	ASSERT(create(&e, &e.r, &k, 0));
	ASSERT_EQ(k.group, IKEV2_DH_ECP_256);
	ASSERT_EQ(answer(&e, &e.i, &rn, &c), IKE_OK);
	ASSERT_EQ(ike_rekey_consume(&e.r, &k, rd_init(e.resp, e.resp_len),
	    &in), IKE_OK);
	ASSERT_EQ(in.role, ROLE_INITIATOR);
	ASSERT(in.keys.a_len == 32 && in.keys.e_len == 16);
	ASSERT_MEM(&in.keys, &rn.keys, sizeof(in.keys));
	/* the new SA: a liveness check from its initiator, at 0 */
	w = wr_init(e.req, sizeof(e.req));
	w2 = wr_init(e.resp, sizeof(e.resp));
	ASSERT_EQ(info_create(&in, false, &w), IKE_OK);
	ASSERT_EQ(info_respond(&rn, rd_init(e.req, w.len), &w2, &req), IKE_OK);
	ASSERT(req.empty);
	ASSERT_EQ(info_consume(&in, rd_init(e.resp, w2.len)), IKE_OK);
	ASSERT_EQ(in.msgid, 1);
	/* the old SA's Delete, from the end that rekeyed */
	w = wr_init(e.req, sizeof(e.req));
	w2 = wr_init(e.resp, sizeof(e.resp));
	ASSERT_EQ(info_create(&e.r, true, &w), IKE_OK);
	ASSERT_EQ(info_respond(&e.i, rd_init(e.req, w.len), &w2, &req), IKE_OK);
	ASSERT(req.delete_ike);
	ASSERT_EQ(info_consume(&e.r, rd_init(e.resp, w2.len)), IKE_OK);
	ccsa_wipe(&c);
	ike_rekey_wipe(&k);
	ike_sa_wipe(&in);
	ike_sa_wipe(&rn);
	down(&e);
}

/* INVALID_KE_PAYLOAD names the group the peer wants; the second request
 * with it is taken, and the new SA has that group. */
TEST(rekey_ike_invalid_ke_retry)
{
	static struct ends	 e;
	struct ike_rekey	 k;
	struct ike_sa		 in, rn;
	struct ccsa		 c;
	struct wr		 w;

	ASSERT(up(&e, "aes256gcm16-prfsha256-x25519"));
	ASSERT(create(&e, &e.i, &k, 0));
	/* the peer asks for ECP-256 (at the request's message ID) */
	w = wr_init(e.resp, sizeof(e.resp));
	ASSERT_EQ(ccsa_refuse(&e.r, IKEV2_N_INVALID_KE_PAYLOAD,
	    IKEV2_DH_ECP_256, 0, &w), IKE_OK);
	ASSERT_EQ(ike_rekey_consume(&e.i, &k, rd_init(e.resp, w.len), &in),
	    IKE_EREFUSED);
	ASSERT_EQ(e.i.peer_notify, IKEV2_N_INVALID_KE_PAYLOAD);
	ASSERT_EQ(e.i.want_group, IKEV2_DH_ECP_256);
	ASSERT_EQ(in.state, SA_IDLE);
	ike_rekey_wipe(&k);
	ASSERT(create(&e, &e.i, &k, e.i.want_group));
	ASSERT_EQ(k.msgid, 3);
	ASSERT_EQ(answer(&e, &e.r, &rn, &c), IKE_OK);
	ASSERT_EQ(ike_rekey_consume(&e.i, &k, rd_init(e.resp, e.resp_len),
	    &in), IKE_OK);
	ASSERT_EQ(in.suite.dh, IKEV2_DH_ECP_256);
	ASSERT_EQ(rn.suite.dh, IKEV2_DH_ECP_256);
	ASSERT_MEM(&in.keys, &rn.keys, sizeof(in.keys));
	ccsa_wipe(&c);
	ike_rekey_wipe(&k);
	ike_sa_wipe(&in);
	ike_sa_wipe(&rn);
	down(&e);
}

/* What is not the answer keeps us waiting (another message ID, a damaged
 * one); a refusal and an answer that breaks the protocol end the
 * exchange, and leave no new SA. */
TEST(rekey_ike_refusals_and_strays)
{
	static struct ends	 e;
	struct ike_rekey	 k;
	struct ike_sa		 in, rn;
	struct ccsa		 c;
	uint32_t		 before;

	ASSERT(up(&e, "aes256gcm16-prfsha256-x25519"));
	ASSERT(create(&e, &e.i, &k, 0));
	ASSERT_EQ(answer(&e, &e.r, &rn, &c), IKE_OK);
	ike_sa_wipe(&rn);
	ccsa_wipe(&c);
	before = e.i.msgid;
	/* damaged: dropped, the counter stays */
	e.resp[e.resp_len - 1] ^= 1;
	ASSERT_EQ(ike_rekey_consume(&e.i, &k, rd_init(e.resp, e.resp_len),
	    &in), IKE_EINTEG);
	e.resp[e.resp_len - 1] ^= 1;
	ASSERT_EQ(e.i.msgid, before);
	/* another message ID: not it */
	k.msgid++;
	ASSERT_EQ(ike_rekey_consume(&e.i, &k, rd_init(e.resp, e.resp_len),
	    &in), IKE_ESYNTAX);
	k.msgid--;
	/* a KE of another group than ours breaks the protocol */
	k.group = IKEV2_DH_ECP_256;
	ASSERT_EQ(ike_rekey_consume(&e.i, &k, rd_init(e.resp, e.resp_len),
	    &in), IKE_EPROTO);
	ASSERT_EQ(e.i.msgid, before + 1);
	ASSERT_EQ(in.state, SA_IDLE);
	ike_rekey_wipe(&k);
	/* a responder whose SA has another PRF takes nothing */
	ASSERT(create(&e, &e.i, &k, 0));
	e.r.suite.prf = IKEV2_PRF_HMAC_SHA2_384;
	ASSERT_EQ(answer(&e, &e.r, &rn, &c), IKE_ENOPROP);
	ASSERT(!c.ike_rekeyed);
	ASSERT_EQ(ike_rekey_consume(&e.i, &k, rd_init(e.resp, e.resp_len),
	    &in), IKE_EREFUSED);
	ASSERT_EQ(e.i.peer_notify, IKEV2_N_NO_PROPOSAL_CHOSEN);
	ASSERT_EQ(e.i.msgid, before + 2);
	ccsa_wipe(&c);
	ike_rekey_wipe(&k);
	ike_sa_wipe(&rn);
	down(&e);
}

/* The lines ike.sa takes for the new SA: its SPIs and keys, counters from
 * 0, the role; ike_rekey_drop takes the old SA's journal with it. */
TEST(rekey_ike_record)
{
	static struct ends	 e;
	static struct kvbuf	 b;
	struct ike_rekey	 k;
	struct ike_sa		 in, rn;
	struct ccsa		 c;
	char			 want[64];
	size_t			 i;
	int			 found = 0;

	ASSERT(up(&e, "aes256gcm16-prfsha256-x25519"));
	ASSERT(create(&e, &e.i, &k, 0));
	ASSERT_EQ(answer(&e, &e.r, &rn, &c), IKE_OK);
	ASSERT_EQ(ike_rekey_consume(&e.i, &k, rd_init(e.resp, e.resp_len),
	    &in), IKE_OK);
	kv_init(&b);
	ike_rekey_record(&b, &in);
	ASSERT_EQ(b.err, IKE_OK);
	b.buf[b.len < sizeof(b.buf) ? b.len : sizeof(b.buf) - 1] = '\0';
	snprintf(want, sizeof(want), "ispi=%016llx\n",
	    (unsigned long long)k.spi);
	ASSERT(strstr(b.buf, want) != NULL);
	snprintf(want, sizeof(want), "rspi=%016llx\n",
	    (unsigned long long)rn.rspi);
	ASSERT(strstr(b.buf, want) != NULL);
	ASSERT(strstr(b.buf, "role=initiator\n") != NULL);
	ASSERT(strstr(b.buf, "msgid_out=0\n") != NULL);
	ASSERT(strstr(b.buf, "msgid_in=0\n") != NULL);
	ASSERT(strstr(b.buf, "dh=") != NULL);
	ASSERT(strstr(b.buf, "name=") == NULL);
	for (i = 0; ike_rekey_drop[i] != NULL; i++)
		found += strcmp(ike_rekey_drop[i], "pending_req") == 0 ||
		    strcmp(ike_rekey_drop[i], "last_resp") == 0;
	ASSERT_EQ(found, 2);
	kv_wipe(&b);
	ccsa_wipe(&c);
	ike_rekey_wipe(&k);
	ike_sa_wipe(&in);
	ike_sa_wipe(&rn);
	down(&e);
}

/* has tells whether ike.sa of l has a line for key. */
static int
has(struct sd_lock *l, const char *key)
{
	static char	 v[2 * XCHG_OUT_MAX + 1];
	struct sd_kv	 kv = { key, v, sizeof(v), 0 };

	return sd_read(l, "ike.sa", &kv, 1) == IKE_OK && kv.line != 0;
}

/* The journal of a rekey of the IKE SA, as a killed ike-rekey leaves it:
 * read back from ike.sa by another program (nothing kept in memory), it
 * takes the peer's genuine answer to the request it holds, and makes the
 * IKE SA the peer made (the same keys); recorded, the journal and its
 * secrets are gone from ike.sa. */
TEST(rekey_ike_journal_resumed)
{
	static struct ends	 e;
	static struct ike_sa	 sa, in, rn;
	static struct pending	 p;
	struct sa_where		 where = { .name = "s", .child_name = "net",
	    .local = "192.0.2.1:500", .remote = "192.0.2.2:500",
	    .local_addr = "192.0.2.1", .remote_addr = "192.0.2.2" };
	struct ike_sa_file	 f;
	struct ike_rekey	 k, k2;
	struct kvbuf		*b;
	struct sd		 sd;
	struct sd_lock		 l;
	struct ccsa		 c;
	char			 top[64], cmd[96], err[256];
	bool			 stale = true, moved = true;

	ASSERT(up(&e, "aes256gcm16-prfsha256-x25519"));
	ASSERT((b = malloc(sizeof(*b))) != NULL);
	snprintf(top, sizeof(top), "/tmp/test_rekey_ike.XXXXXX");
	ASSERT(mkdtemp(top) != NULL);
	ASSERT_EQ(sd_open(&sd, top, false), IKE_OK);
	ASSERT_EQ(sd_lock_sa(&sd, "s", true, &l), IKE_OK);
	kv_init(b);
	ike_sa_record(b, &e.i, &where);
	ASSERT_EQ(sd_write(&l, "ike.sa", b), IKE_OK);
	/* what ike-rekey --ike does before it sends */
	ASSERT(create(&e, &e.i, &k, 0));
	ASSERT_EQ(ike_rekey_journal(&l, &k, e.req, e.req_len), IKE_OK);
	ASSERT(has(&l, "pending_dh_priv") && has(&l, "pending_ni") &&
	    has(&l, "pending_ike_spi") && !has(&l, "pending_spi"));
	/* the peer's answer, genuine, which the killed run never took */
	ASSERT_EQ(answer(&e, &e.r, &rn, &c), IKE_OK);
	ASSERT(c.ike_rekeyed);
	/* the next program: the SA and the journal from the file alone */
	ASSERT_EQ(ike_sa_load(&l, &sa, &f, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(*ike_sa_own_msgid(&sa), k.msgid + 1);
	ASSERT_EQ(pending_load(&l, &sa, &p, &stale, err, sizeof(err)), IKE_OK);
	ASSERT(!stale);
	ASSERT_EQ(p.what, PENDING_REKEY_IKE);
	ASSERT_EQ(p.msgid, k.msgid);
	ASSERT_EQ(p.len, e.req_len);
	ASSERT_MEM(p.req, e.req, p.len);
	ASSERT_EQ(ike_rekey_resume(&l, &sa, &p, &k2, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(k2.spi, k.spi);
	ASSERT_EQ(k2.group, k.group);
	ike_rekey_wipe(&k);
	ASSERT_EQ(ike_rekey_consume(&sa, &k2, rd_init(e.resp, e.resp_len),
	    &in), IKE_OK);
	ASSERT_EQ(in.ispi, rn.ispi);
	ASSERT_EQ(in.rspi, rn.rspi);
	ASSERT_EQ(in.keys.d_len, rn.keys.d_len);
	ASSERT_MEM(in.keys.sk_d, rn.keys.sk_d, in.keys.d_len);
	ASSERT_MEM(in.keys.sk_ei, rn.keys.sk_ei, in.keys.e_len);
	ASSERT_MEM(in.keys.sk_er, rn.keys.sk_er, in.keys.e_len);
	ASSERT_MEM(in.keys.sk_pi, rn.keys.sk_pi, in.keys.p_len);
	ASSERT_MEM(in.keys.sk_pr, rn.keys.sk_pr, in.keys.p_len);
	ASSERT_EQ(ike_rekey_save(&l, &sa, &in, &moved, err, sizeof(err)),
	    IKE_OK);
	ASSERT(!moved);
	ASSERT(!has(&l, "pending_msgid") && !has(&l, "pending_dh_priv") &&
	    !has(&l, "pending_ni") && !has(&l, "pending_ike_spi") &&
	    !has(&l, "pending_req"));
	ike_sa_wipe(&sa);
	ASSERT_EQ(ike_sa_load(&l, &sa, &f, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(sa.ispi, rn.ispi);
	ASSERT_MEM(sa.keys.sk_ei, rn.keys.sk_ei, sa.keys.e_len);
	/* the old SA is no longer there: a second save is refused */
	ASSERT_EQ(ike_rekey_save(&l, &e.i, &in, &moved, err, sizeof(err)),
	    IKE_OK);
	ASSERT(moved);
	ike_rekey_wipe(&k2);
	ike_sa_wipe(&sa);
	ike_sa_wipe(&in);
	ike_sa_wipe(&rn);
	ccsa_wipe(&c);
	kv_wipe(b);
	free(b);
	sd_unlock(&l);
	sd_close(&sd);
	down(&e);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	ASSERT_EQ(system(cmd), 0);
}

/* respond has r answer the request req (len bytes) into out as esp-tun
 * does, its new IKE SA in rn. */
static enum ike_err
respond(struct ends *e, struct ike_sa *r, const uint8_t *req, size_t len,
    uint8_t *out, size_t *out_len, struct ike_sa *rn)
{
	struct xchg_cfg		*rc = r == &e->r ? &e->cr : &e->ci;
	struct child_pair	 pair = { r->child.spi_out, r->child.spi_in };
	struct ccsa_policy	 pol = { &rc->esp, &rc->ts_local, &rc->ts_remote,
	    &pair, 1, rn };
	struct wr		 w = wr_init(out, XCHG_OUT_MAX);
	struct ccsa		 c;
	enum ike_err		 err;

	ike_sa_init(rn, ROLE_RESPONDER);
	err = ccsa_respond(r, &pol, rd_init(req, len), &w, &c);
	*out_len = w.len;
	ccsa_wipe(&c);
	return err;
}

/* Both ends rekey the IKE SA at once (RFC 7296 2.8.2): each answers the
 * other's request and takes its own answer; the two ends, each with the
 * nonces it has, pick the same survivor. Then our side as ike-rekey and
 * esp-tun leave it in a state dir: esp-tun recorded the peer's new SA,
 * ike_rekey_save_collide settles it from the file, and when ours stays,
 * the Delete of the old SA is journaled with it and its answer known by
 * its header. */
TEST(rekey_ike_collision)
{
	static struct ends	 e;
	static struct ike_sa	 a_at_r, b_at_i, a_at_i, b_at_r, cur;
	static uint8_t		 ra[XCHG_OUT_MAX], rb[XCHG_OUT_MAX];
	static uint8_t		 qa[XCHG_OUT_MAX], qb[XCHG_OUT_MAX];
	static struct old_delete d;
	struct sa_where		 where = { .name = "s", .child_name = "net",
	    .local = "192.0.2.1:500", .remote = "192.0.2.2:500",
	    .local_addr = "192.0.2.1", .remote_addr = "192.0.2.2" };
	struct ike_rekey	 ki, kr;
	struct ike_sa_file	 f;
	struct kvbuf		*b;
	struct info_req		 ir;
	struct sd		 sd;
	struct sd_lock		 l;
	struct wr		 w;
	enum collide_verdict	 v;
	char			 top[64], cmd[96], err[256];
	size_t			 qa_len, qb_len, ra_len, rb_len;
	uint32_t		 del_msgid;
	const uint8_t		*lo;
	size_t			 lo_len;
	bool			 i_lost, r_lost, found = false;
	int			 round, lost = 0;

	/* 16 rounds: both outcomes but with 2^-15 */
	for (round = 0; round < 16; round++) {
		ASSERT(up(&e, "aes256gcm16-prfsha256-x25519"));
		/* both requests out before either is answered */
		ASSERT(create(&e, &e.i, &ki, 0));
		memcpy(qa, e.req, e.req_len);
		qa_len = e.req_len;
		ASSERT(create(&e, &e.r, &kr, 0));
		memcpy(qb, e.req, e.req_len);
		qb_len = e.req_len;
		ASSERT_EQ(respond(&e, &e.r, qa, qa_len, ra, &ra_len, &a_at_r),
		    IKE_OK);
		ASSERT_EQ(respond(&e, &e.i, qb, qb_len, rb, &rb_len, &b_at_i),
		    IKE_OK);
		ASSERT_EQ(ike_rekey_consume(&e.i, &ki, rd_init(ra, ra_len),
		    &a_at_i), IKE_OK);
		ASSERT_EQ(ike_rekey_consume(&e.r, &kr, rd_init(rb, rb_len),
		    &b_at_r), IKE_OK);
		/* each end's view: its own new SA against the other's */
		collide_lower(b_at_i.ni, b_at_i.ni_len, b_at_i.nr,
		    b_at_i.nr_len, &lo, &lo_len);
		i_lost = collide_lost(a_at_i.ni, a_at_i.ni_len, a_at_i.nr,
		    a_at_i.nr_len, lo, lo_len);
		collide_lower(a_at_r.ni, a_at_r.ni_len, a_at_r.nr,
		    a_at_r.nr_len, &lo, &lo_len);
		r_lost = collide_lost(b_at_r.ni, b_at_r.ni_len, b_at_r.nr,
		    b_at_r.nr_len, lo, lo_len);
		ASSERT(i_lost != r_lost);
		lost += i_lost;
		/* the same SPIs for each new SA at both ends */
		ASSERT_EQ(a_at_i.ispi, a_at_r.ispi);
		ASSERT_EQ(b_at_i.rspi, b_at_r.rspi);

		/* the initiator's state dir: esp-tun took b, then ike-rekey
		 * settles it */
		ASSERT((b = malloc(sizeof(*b))) != NULL);
		snprintf(top, sizeof(top), "/tmp/test_rekey_ike.XXXXXX");
		ASSERT(mkdtemp(top) != NULL);
		ASSERT_EQ(sd_open(&sd, top, false), IKE_OK);
		ASSERT_EQ(sd_lock_sa(&sd, "s", true, &l), IKE_OK);
		kv_init(b);
		ike_sa_record(b, &e.i, &where);
		ASSERT_EQ(sd_write(&l, "ike.sa", b), IKE_OK);
		kv_init(b);
		ike_rekey_record(b, &b_at_i);
		collide_ike_record(b, &e.i, &b_at_i);
		ASSERT_EQ(sd_update(&l, "ike.sa", b, ike_rekey_drop), IKE_OK);
		del_msgid = *ike_sa_own_msgid(&e.i);
		w = wr_init(qa, sizeof(qa));
		ASSERT_EQ(info_create(&e.i, true, &w), IKE_OK);
		ASSERT_EQ(ike_rekey_save_collide(&l, &e.i, &a_at_i, qa, w.len,
		    del_msgid, &v, err, sizeof(err)), IKE_OK);
		ASSERT_EQ(v, i_lost ? COLLIDE_LOST : COLLIDE_WON);
		ASSERT_EQ(ike_sa_load(&l, &cur, &f, err, sizeof(err)), IKE_OK);
		ASSERT_EQ(cur.ispi, i_lost ? b_at_i.ispi : a_at_i.ispi);
		ASSERT(!has(&l, "rekey_nonce") == !i_lost);
		ASSERT_EQ(old_delete_load(&l, &d, &found, err, sizeof(err)),
		    IKE_OK);
		ASSERT(found == !i_lost);
		if (!i_lost) {
			/* the Delete as it will be sent, and its answer */
			ASSERT_EQ(d.len, w.len);
			ASSERT_MEM(d.req, qa, d.len);
			ASSERT_EQ(d.ispi, e.i.ispi);
			ASSERT_EQ(d.msgid, del_msgid);
			w = wr_init(ra, sizeof(ra));
			ASSERT_EQ(info_respond(&e.r, rd_init(qa, d.len), &w, &ir),
			    IKE_OK);
			ASSERT(ir.delete_ike);
			ASSERT(old_delete_answers(&d, rd_init(ra, w.len)));
			ASSERT(!old_delete_answers(&d, rd_init(qa, d.len)));
		}
		ike_sa_wipe(&cur);
		sd_unlock(&l);
		sd_close(&sd);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
		ASSERT_EQ(system(cmd), 0);
		kv_wipe(b);
		free(b);
		ike_rekey_wipe(&ki);
		ike_rekey_wipe(&kr);
		ike_sa_wipe(&a_at_r);
		ike_sa_wipe(&b_at_i);
		ike_sa_wipe(&a_at_i);
		ike_sa_wipe(&b_at_r);
		down(&e);
	}
	ASSERT(lost > 0 && lost < 16);
}

/* ccsa_peek tells the peer's CREATE_CHILD_SA requests apart as
 * ccsa_respond does, before esp-tun answers one (RFC 7296 2.25), and
 * leaves the SA as it was. */
TEST(rekey_ike_peek)
{
	static struct ends	 e;
	static struct ccsa	 c;
	struct ike_rekey	 k;
	struct wr		 w;
	enum collide_req	 kind;
	uint32_t		 spi = 1, msgid;

	ASSERT(up(&e, "aes256gcm16-prfsha256-x25519"));
	msgid = *ike_sa_peer_msgid(&e.r);
	ASSERT(create(&e, &e.i, &k, 0));
	ASSERT_EQ(ccsa_peek(&e.r, rd_init(e.req, e.req_len), &kind, &spi),
	    IKE_OK);
	ASSERT_EQ(kind, COLLIDE_REQ_REKEY_IKE);
	ASSERT_EQ(spi, 0);
	ASSERT_EQ(*ike_sa_peer_msgid(&e.r), msgid);
	ike_rekey_wipe(&k);
	/* a Child SA rekey, then a new Child SA */
	w = wr_init(e.req, sizeof(e.req));
	ASSERT_EQ(ccsa_create(&e.i, &c, &e.ci.esp, 0, 0x12345678,
	    &e.ci.ts_local, &e.ci.ts_remote, &w), IKE_OK);
	ASSERT_EQ(ccsa_peek(&e.r, rd_init(e.req, w.len), &kind, &spi), IKE_OK);
	ASSERT_EQ(kind, COLLIDE_REQ_REKEY_CHILD);
	ASSERT_EQ(spi, 0x12345678);
	ccsa_wipe(&c);
	w = wr_init(e.req, sizeof(e.req));
	ASSERT_EQ(ccsa_create(&e.i, &c, &e.ci.esp, 0, 0, &e.ci.ts_local,
	    &e.ci.ts_remote, &w), IKE_OK);
	ASSERT_EQ(ccsa_peek(&e.r, rd_init(e.req, w.len), &kind, &spi), IKE_OK);
	ASSERT_EQ(kind, COLLIDE_REQ_CHILD);
	ASSERT_EQ(spi, 0);
	/* damaged: not the peer's */
	e.req[w.len - 1] ^= 1;
	ASSERT_EQ(ccsa_peek(&e.r, rd_init(e.req, w.len), &kind, &spi),
	    IKE_EINTEG);
	ccsa_wipe(&c);
	down(&e);
}
