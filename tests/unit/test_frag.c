/* SPDX-License-Identifier: ISC */
/* Unit tests for exchange/frag.c: split and reassembly (RFC 7383) for several MTUs and ciphers, shuffled, corrupted, and an IKE_AUTH with certificates in fragments. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "buf/buf.h"
#include "codec/msg.h"
#include "crypto/sig.h"
#include "crypto/sk.h"
#include "exchange/frag.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"

#define VEC "tests/vectors/certs/"

struct fpair {
	struct xchg_cfg	 ci, cr;
	struct sig_cred	*ki, *kr;
	struct ike_sa	 i, r;
	uint8_t		 req[XCHG_OUT_MAX], resp[XCHG_OUT_MAX];
	size_t		 req_len, resp_len;
};

static struct frag_set	 fs;
static struct frag_pool	 pool;
static uint8_t		 joined[XCHG_OUT_MAX];

static int
load(struct sig_cred **c, const char *name)
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
			snprintf(path, sizeof(path), VEC "ca.crt.pem");
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

static int
cfg(struct xchg_cfg *c, const char *ike, const char *me, const char *peer,
    const char *tl, const char *tr)
{
	char	 err[PROPOSAL_ERR_MAX];

	c->af = AF_INET;
	c->frag = true;
	inet_pton(AF_INET, me, c->local_addr);
	inet_pton(AF_INET, peer, c->peer_addr);
	c->local_port = c->peer_port = 500;
	return proposal_parse(&c->ike, IKEV2_PROTO_IKE, ike, err, sizeof(err)) ==
	    IKE_OK &&
	    proposal_parse(&c->esp, IKEV2_PROTO_ESP, "aes256gcm16", err,
	    sizeof(err)) == IKE_OK &&
	    ike_id_parse(&c->local_id, me) == IKE_OK &&
	    ts_parse_list(&c->ts_local, tl, err, sizeof(err)) == IKE_OK &&
	    ts_parse_list(&c->ts_remote, tr, err, sizeof(err)) == IKE_OK;
}

/* fpair_init: certificates (the initiator's RSA, the largest), IKE_SA_INIT
 * done. */
static int
fpair_init(struct fpair *p, const char *ike)
{
	struct wr	 w = wr_init(p->req, sizeof(p->req));
	struct wr	 w2 = wr_init(p->resp, sizeof(p->resp));

	memset(p, 0, sizeof(*p));
	if (!load(&p->ki, "rsa") || !load(&p->kr, "ec256") ||
	    !cfg(&p->ci, ike, "192.0.2.1", "192.0.2.2", "10.1.0.0/16",
	    "10.2.0.0/16") ||
	    !cfg(&p->cr, ike, "192.0.2.2", "192.0.2.1", "10.2.0.0/16",
	    "10.1.0.0/16"))
		return 0;
	p->ci.cred = p->ki;
	p->cr.cred = p->kr;
	ike_sa_init(&p->i, ROLE_INITIATOR);
	ike_sa_init(&p->r, ROLE_RESPONDER);
	if (sa_init_create(&p->i, &p->ci, &w) != IKE_OK)
		return 0;
	if (sa_init_respond(&p->r, &p->cr, rd_init(p->req, w.len), &w2) != IKE_OK)
		return 0;
	return sa_init_consume(&p->i, &p->ci, rd_init(p->resp, w2.len)) == IKE_OK &&
	    p->i.peer_frag && p->r.peer_frag;
}

static void
fpair_free(struct fpair *p)
{
	ike_sa_wipe(&p->i);
	ike_sa_wipe(&p->r);
	sig_cred_free(p->ki);
	sig_cred_free(p->kr);
}

/* plain decrypts the whole SK message msg sent by from_i into out. */
static size_t
plain(const struct ike_sa *sa, bool from_i, const uint8_t *msg, size_t len,
    uint8_t *out, size_t cap)
{
	static struct ike_msg m;
	struct sk_cipher c;
	size_t		 n = 0;

	if (msg_parse(rd_init(msg, len), &m) != IKE_OK || m.sk < 0)
		return 0;
	sk_dir(sa, from_i, &c);
	if (sk_decrypt(&c, msg, len, m.sk_off, out, cap, &n) != IKE_OK)
		return 0;
	return n;
}

/* deliver feeds fs to pool in the order given; returns the last result. */
static enum frag_res
deliver(const struct ike_sa *to, const size_t *order, struct wr *out)
{
	enum frag_res	 r = FRAG_BAD;
	size_t		 i;

	for (i = 0; i < fs.n; i++) {
		size_t	 k = order != NULL ? order[i] : i;

		r = frag_input(&pool, to, rd_init(fs.buf + fs.off[k], fs.len[k]),
		    out);
		if (i + 1 < fs.n && r != FRAG_MORE)
			return FRAG_BAD;
	}
	return r;
}

/* round trips the initiator's IKE_AUTH request through fragments of mtu
 * for ike, in order or reversed and interleaved. */
static int
round_trip(const char *ike, unsigned mtu, bool shuffle)
{
	static uint8_t	 a[XCHG_OUT_MAX], b[XCHG_OUT_MAX];
	static struct fpair p;
	struct wr	 w = wr_init(p.req, sizeof(p.req));
	struct wr	 j = wr_init(joined, sizeof(joined));
	size_t		 order[SKF_MAX_FRAGS], i, na, nb;
	int		 ok = 0;

	frag_pool_wipe(&pool);
	if (!fpair_init(&p, ike) || auth_create(&p.i, &p.ci, &w) != IKE_OK)
		goto out;
	if (frag_split(&p.i, AF_INET, mtu, false, p.req, w.len, &fs) != IKE_OK ||
	    fs.n < 2)
		goto out;
	for (i = 0; i < fs.n; i++) {
		if (fs.len[i] > frag_room(mtu, AF_INET, false))
			goto out;
		/* odd ones first, backwards, then the even ones */
		order[i] = shuffle ? (i < fs.n / 2 ? fs.n - 1 - 2 * i : 2 *
		    (i - fs.n / 2)) : i;
	}
	if (shuffle && fs.n % 2 != 0)
		for (i = 0; i < fs.n; i++)
			order[i] = (i * 2 + 1) % fs.n;
	if (deliver(&p.r, shuffle ? order : NULL, &j) != FRAG_DONE)
		goto out;
	na = plain(&p.i, true, p.req, w.len, a, sizeof(a));
	nb = plain(&p.r, true, joined, j.len, b, sizeof(b));
	ok = na > 0 && na == nb && memcmp(a, b, na) == 0 &&
	    memcmp(joined, p.req, 16) == 0;	/* SPIs */
	/* and the responder takes it as its IKE_AUTH request */
	w = wr_init(p.resp, sizeof(p.resp));
	ok = ok && auth_respond(&p.r, &p.cr, rd_init(joined, j.len), &w) == IKE_OK;
out:
	if (!ok)
		fprintf(stderr, "  %s mtu %u shuffle %d: %zu fragments\n", ike, mtu,
		    shuffle, fs.n);
	fpair_free(&p);
	return ok;
}

TEST(frag_round_trip_mtus_ciphers)
{
	static const char *const ikes[] = {
		"aes256gcm16-prfsha256-x25519",
		"aes128-sha256-x25519",
		"aes256-sha384-x25519",
		"chacha20poly1305-prfsha256-x25519",
	};
	static const unsigned mtus[] = { 256, 400, 576, 1000 };
	size_t	 i, k;

	for (i = 0; i < sizeof(ikes) / sizeof(ikes[0]); i++)
		for (k = 0; k < sizeof(mtus) / sizeof(mtus[0]); k++) {
			ASSERT(round_trip(ikes[i], mtus[k], false));
			ASSERT(round_trip(ikes[i], mtus[k], true));
		}
}

/* A message that fits, or a peer without fragmentation: sent whole. */
TEST(frag_not_needed)
{
	static struct fpair p;
	struct wr	 w = wr_init(p.req, sizeof(p.req));

	ASSERT(fpair_init(&p, "aes256gcm16-prfsha256-x25519"));
	ASSERT_EQ(auth_create(&p.i, &p.ci, &w), IKE_OK);
	ASSERT_EQ(frag_split(&p.i, AF_INET, 8000, false, p.req, w.len, &fs), IKE_OK);
	ASSERT_EQ(fs.n, 1);
	ASSERT_EQ(fs.len[0], w.len);
	ASSERT_EQ(frag_split(&p.i, AF_INET, 0, false, p.req, w.len, &fs), IKE_OK);
	ASSERT_EQ(fs.n, 1);
	p.i.peer_frag = false;
	ASSERT_EQ(frag_split(&p.i, AF_INET, 576, false, p.req, w.len, &fs), IKE_OK);
	ASSERT_EQ(fs.n, 1);
	ASSERT_EQ(frag_input(&pool, &p.r, rd_init(p.req, w.len), NULL), FRAG_WHOLE);
	/* IPv6 and the non-ESP marker leave less room */
	ASSERT_EQ(frag_room(1280, AF_INET, false), 1252);
	ASSERT_EQ(frag_room(1280, AF_INET6, true), 1228);
	fpair_free(&p);
}

/* A fragment with one bit flipped is dropped; the good copy completes. */
TEST(frag_corrupted_dropped)
{
	static struct fpair p;
	static uint8_t	 bad[XCHG_OUT_MAX];
	struct wr	 w = wr_init(p.req, sizeof(p.req));
	struct wr	 j = wr_init(joined, sizeof(joined));
	size_t		 i;

	frag_pool_wipe(&pool);
	ASSERT(fpair_init(&p, "aes128-sha256-x25519"));
	ASSERT_EQ(auth_create(&p.i, &p.ci, &w), IKE_OK);
	ASSERT_EQ(frag_split(&p.i, AF_INET, 576, false, p.req, w.len, &fs), IKE_OK);
	ASSERT(fs.n >= 3);
	for (i = 0; i + 1 < fs.n; i++)
		ASSERT_EQ(frag_input(&pool, &p.r, rd_init(fs.buf + fs.off[i],
		    fs.len[i]), &j), FRAG_MORE);
	memcpy(bad, fs.buf + fs.off[i], fs.len[i]);
	bad[fs.len[i] - 20] ^= 0x01;		/* ciphertext */
	ASSERT_EQ(frag_input(&pool, &p.r, rd_init(bad, fs.len[i]), &j), FRAG_BAD);
	memcpy(bad, fs.buf + fs.off[i], fs.len[i]);
	bad[35] = (uint8_t)(fs.n + 1);		/* Total: authenticated */
	ASSERT_EQ(frag_input(&pool, &p.r, rd_init(bad, fs.len[i]), &j), FRAG_BAD);
	/* a duplicate changes nothing */
	ASSERT_EQ(frag_input(&pool, &p.r, rd_init(fs.buf, fs.len[0]), &j), FRAG_MORE);
	ASSERT_EQ(frag_input(&pool, &p.r, rd_init(fs.buf + fs.off[i], fs.len[i]),
	    &j), FRAG_DONE);
	w = wr_init(p.resp, sizeof(p.resp));
	ASSERT_EQ(auth_respond(&p.r, &p.cr, rd_init(joined, j.len), &w), IKE_OK);
	fpair_free(&p);
}

/* IKE_AUTH both ways in fragments of 576 bytes, responses too. */
TEST(frag_exchange_cert)
{
	static struct fpair p;
	static struct frag_pool ipool;
	struct wr	 w = wr_init(p.req, sizeof(p.req));
	struct wr	 j = wr_init(joined, sizeof(joined));
	size_t		 i, n_req;
	enum frag_res	 r = FRAG_BAD;

	frag_pool_wipe(&pool);
	ASSERT(fpair_init(&p, "aes256gcm16-prfsha256-x25519"));
	ASSERT_EQ(auth_create(&p.i, &p.ci, &w), IKE_OK);
	ASSERT(w.len > 1000);
	ASSERT_EQ(frag_split(&p.i, AF_INET, 576, false, p.req, w.len, &fs), IKE_OK);
	n_req = fs.n;
	ASSERT(n_req >= 2);
	ASSERT_EQ(deliver(&p.r, NULL, &j), FRAG_DONE);
	w = wr_init(p.resp, sizeof(p.resp));
	ASSERT_EQ(auth_respond(&p.r, &p.cr, rd_init(joined, j.len), &w), IKE_OK);
	ASSERT_EQ(p.r.state, SA_ESTABLISHED);
	ASSERT_EQ(frag_split(&p.r, AF_INET, 576, false, p.resp, w.len, &fs), IKE_OK);
	ASSERT(fs.n >= 2);
	j = wr_init(joined, sizeof(joined));
	for (i = fs.n; i-- > 0;) {
		r = frag_input(&ipool, &p.i, rd_init(fs.buf + fs.off[i], fs.len[i]),
		    &j);
		ASSERT(xchg_match(&p.i, rd_init(fs.buf + fs.off[i], fs.len[i])));
	}
	ASSERT_EQ(r, FRAG_DONE);
	ASSERT(xchg_match(&p.i, rd_init(joined, j.len)));
	ASSERT_EQ(auth_consume(&p.i, &p.ci, rd_init(joined, j.len)), IKE_OK);
	ASSERT_EQ(p.i.state, SA_ESTABLISHED);
	ASSERT_EQ(p.i.child.spi_out, p.r.child.spi_in);
	frag_pool_wipe(&ipool);
	fpair_free(&p);
}
