/* SPDX-License-Identifier: ISC */
/* Unit tests for IKE messages longer than 4 KiB: IKE_AUTH with a chain of RSA-4096 certificates, whole and in RFC 7383 fragments, in memory; what an SA keeps stays small. */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "xchg_cfg.h"
#include "buf/buf.h"
#include "crypto/sig.h"
#include "exchange/frag.h"
#include "exchange/xchg.h"
#include "names/ikev2.h"

enum { N_INTER = 3, DAY = 86400, PEM_MAX = 32768 };

/* The lab: one RSA-4096 key for the CAs, one for both ends (making keys
 * is what takes time), a root, N_INTER intermediates below it, and the
 * two end certificates below the last one. */
static struct {
	bool		 ok;
	EVP_PKEY	*k_ca, *k_end;
	X509		*root, *inter[N_INTER], *end[2];
	char		 chain[2][PEM_MAX], anchor[PEM_MAX], key[PEM_MAX];
	size_t		 chain_len[2], anchor_len, key_len;
} lab;

static EVP_PKEY *
mkkey(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
}

static bool
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;
	bool		 ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)) == NULL)
		return false;
	ok = X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/* mkcert makes cn's certificate (san NULL: a CA) with key, issued by
 * issuer (NULL: self-signed) with ikey. */
static X509 *
mkcert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey,
    long serial, const char *san)
{
	X509		*x = X509_new();
	X509_NAME	*n;
	bool		 ok;

	if (x == NULL)
		return NULL;
	n = X509_get_subject_name(x);
	ok = X509_set_version(x, 2) == 1 &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1 &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -DAY) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 30 * DAY) != NULL &&
	    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
	    (const unsigned char *)"ikekit long chain lab", -1, -1, 0) == 1 &&
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) == 1 &&
	    X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : n) == 1 &&
	    X509_set_pubkey(x, key) == 1;
	if (ok && san == NULL)
		ok = add_ext(x, issuer != NULL ? issuer : x,
		    NID_basic_constraints, "critical,CA:TRUE") &&
		    add_ext(x, issuer != NULL ? issuer : x, NID_key_usage,
		    "critical,keyCertSign,cRLSign");
	if (ok && san != NULL)
		ok = add_ext(x, issuer, NID_subject_alt_name, san);
	if (ok)
		ok = X509_sign(x, ikey != NULL ? ikey : key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* pem appends x (or the private key k) as PEM to buf. */
static bool
pem(char *buf, size_t cap, size_t *len, X509 *x, EVP_PKEY *k)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*p;
	long	 n;
	bool	 ok;

	if (b == NULL)
		return false;
	ok = x != NULL ? PEM_write_bio_X509(b, x) == 1 :
	    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1;
	n = BIO_get_mem_data(b, &p);
	if (ok && n > 0 && (size_t)n < cap - *len) {
		memcpy(buf + *len, p, (size_t)n);
		*len += (size_t)n;
	} else
		ok = false;
	BIO_free(b);
	return ok;
}

static void
lab_init(void)
{
	static const char *const san[2] = { "IP:192.0.2.1", "IP:192.0.2.2" };
	char	 cn[32];
	X509	*up;
	int	 i, j;

	if (lab.ok)
		return;
	if ((lab.k_ca = mkkey()) == NULL || (lab.k_end = mkkey()) == NULL ||
	    (lab.root = mkcert("root", lab.k_ca, NULL, NULL, 1, NULL)) == NULL)
		return;
	for (i = 0, up = lab.root; i < N_INTER; i++, up = lab.inter[i - 1]) {
		snprintf(cn, sizeof(cn), "intermediate %d", i + 1);
		if ((lab.inter[i] = mkcert(cn, lab.k_ca, up, lab.k_ca, 10 + i,
		    NULL)) == NULL)
			return;
	}
	for (j = 0; j < 2; j++) {
		lab.end[j] = mkcert(j == 0 ? "initiator" : "responder",
		    lab.k_end, lab.inter[N_INTER - 1], lab.k_ca, 20 + j, san[j]);
		if (lab.end[j] == NULL || !pem(lab.chain[j], PEM_MAX,
		    &lab.chain_len[j], lab.end[j], NULL))
			return;
		for (i = N_INTER - 1; i >= 0; i--)	/* leaf first, up */
			if (!pem(lab.chain[j], PEM_MAX, &lab.chain_len[j],
			    lab.inter[i], NULL))
				return;
	}
	lab.ok = pem(lab.anchor, PEM_MAX, &lab.anchor_len, lab.root, NULL) &&
	    pem(lab.key, PEM_MAX, &lab.key_len, NULL, lab.k_end);
}

struct bpair {
	struct xchg_cfg	 ci, cr;
	struct sig_cred	*ki, *kr;
	struct ike_sa	 i, r;
};

static int
cred(struct sig_cred **c, int end)
{
	return sig_cred_new(c) == IKE_OK &&
	    sig_cred_key(*c, lab.key, lab.key_len) == IKE_OK &&
	    sig_cred_certs(*c, lab.chain[end], lab.chain_len[end]) == IKE_OK &&
	    sig_cred_ca(*c, lab.anchor, lab.anchor_len) == IKE_OK;
}

static int
bpair_new(struct bpair *p, bool frag)
{
	memset(p, 0, sizeof(*p));
	lab_init();
	if (!lab.ok || !cred(&p->ki, 0) || !cred(&p->kr, 1) ||
	    !cfg(&p->ci, "192.0.2.1", "192.0.2.2", "10.1.0.0/16", "10.2.0.0/16") ||
	    !cfg(&p->cr, "192.0.2.2", "192.0.2.1", "10.2.0.0/16", "10.1.0.0/16"))
		return 0;
	p->ci.cred = p->ki;
	p->cr.cred = p->kr;
	p->ci.frag = p->cr.frag = frag;
	ike_sa_init(&p->i, ROLE_INITIATOR);
	ike_sa_init(&p->r, ROLE_RESPONDER);
	return 1;
}

static void
bpair_free(struct bpair *p)
{
	ike_sa_wipe(&p->i);
	ike_sa_wipe(&p->r);
	sig_cred_free(p->ki);
	sig_cred_free(p->kr);
}

static uint8_t	 req[XCHG_OUT_MAX], resp[XCHG_OUT_MAX], joined[XCHG_OUT_MAX];
static struct frag_set	 fs;
static struct frag_pool	 pool_i, pool_r;

/* carry sends msg (len bytes) from sa to its peer (peer, with pool) as
 * frag_split cuts it with mtu (0: whole), in reverse order with rev, and
 * writes what the peer gets to joined (*out_len bytes): *n_frags
 * datagrams, each within the MTU, the last one completing the message. */
static bool
carry(const struct ike_sa *sa, const struct ike_sa *peer,
    struct frag_pool *pool, unsigned mtu, bool rev, const uint8_t *msg,
    size_t len, size_t *out_len, size_t *n_frags)
{
	struct wr	 w = wr_init(joined, sizeof(joined));
	enum frag_res	 res = FRAG_BAD;
	size_t		 i, k;

	if (frag_split(sa, AF_INET, mtu, true, msg, len, &fs) != IKE_OK)
		return false;
	*n_frags = fs.n;
	if (fs.n == 1) {
		if (fs.len[0] != len || frag_input(pool, peer,
		    rd_init(fs.buf, fs.len[0]), &w) != FRAG_WHOLE)
			return false;
		memcpy(joined, fs.buf, len);
		*out_len = len;
		return true;
	}
	for (i = 0; i < fs.n; i++) {
		k = rev ? fs.n - 1 - i : i;
		if (fs.len[k] > frag_room(mtu, AF_INET, true))
			return false;
		w = wr_init(joined, sizeof(joined));
		res = frag_input(pool, peer, rd_init(fs.buf + fs.off[k],
		    fs.len[k]), &w);
		if (i + 1 < fs.n && res != FRAG_MORE)
			return false;
	}
	*out_len = w.len;
	return res == FRAG_DONE;
}

/* handshake runs IKE_SA_INIT and IKE_AUTH with the long chains; with mtu
 * each IKE_AUTH message goes in fragments (rev: the last one first). The
 * request and the answer, whole, are longer than the 4 KiB the limit
 * once was. */
static void
handshake(unsigned mtu, bool rev, int *failed_)
{
	struct bpair	 p;
	struct wr	 w = wr_init(req, sizeof(req)), w2;
	size_t		 req_len, resp_len, got = 0, nf_req = 0, nf_resp = 0;
	enum ike_err	 e;

	ASSERT(bpair_new(&p, mtu != 0));
	ASSERT_EQ(sa_init_create(&p.i, &p.ci, &w), IKE_OK);
	w2 = wr_init(resp, sizeof(resp));
	ASSERT_EQ(sa_init_respond(&p.r, &p.cr, rd_init(req, w.len), &w2),
	    IKE_OK);
	ASSERT_EQ(sa_init_consume(&p.i, &p.ci, rd_init(resp, w2.len)), IKE_OK);
	ASSERT(p.i.peer_frag == (mtu != 0) && p.r.peer_frag == (mtu != 0));

	w = wr_init(req, sizeof(req));
	ASSERT_EQ(auth_create(&p.i, &p.ci, &w), IKE_OK);
	req_len = w.len;
	fprintf(stderr, "  mtu %u: IKE_AUTH request %zu bytes", mtu, req_len);
	ASSERT(req_len > 4096);
	ASSERT(carry(&p.i, &p.r, &pool_r, mtu, rev, req, req_len, &got,
	    &nf_req));
	ASSERT(mtu == 0 ? nf_req == 1 : nf_req > 4);
	w2 = wr_init(resp, sizeof(resp));
	e = auth_respond(&p.r, &p.cr, rd_init(joined, got), &w2);
	if (e != IKE_OK)
		fprintf(stderr, "  responder: %s: %s\n", ike_strerror(e),
		    p.r.auth_why);
	ASSERT_EQ(e, IKE_OK);
	ASSERT_EQ(p.r.state, SA_ESTABLISHED);
	resp_len = w2.len;
	fprintf(stderr, ", response %zu bytes, %zu and ", resp_len, nf_req);
	ASSERT(resp_len > 4096);
	ASSERT(carry(&p.r, &p.i, &pool_i, mtu, rev, resp, resp_len, &got,
	    &nf_resp));
	fprintf(stderr, "%zu datagrams\n", nf_resp);
	ASSERT(mtu == 0 ? nf_resp == 1 : nf_resp > 4);
	e = auth_consume(&p.i, &p.ci, rd_init(joined, got));
	if (e != IKE_OK)
		fprintf(stderr, "  initiator: %s: %s\n", ike_strerror(e),
		    p.i.auth_why);
	ASSERT_EQ(e, IKE_OK);
	ASSERT_EQ(p.i.state, SA_ESTABLISHED);
	ASSERT_EQ(p.i.child.spi_out, p.r.child.spi_in);
	ASSERT_EQ(p.r.child.spi_out, p.i.child.spi_in);
	ASSERT_MEM(&p.i.child.keys, &p.r.child.keys, sizeof(p.i.child.keys));
	/* a certificate SA never had EAP state */
	ASSERT(p.i.eap.st == NULL && p.r.eap.st == NULL);
	/* a finished message leaves no reassembly buffer behind */
	ASSERT(pool_r.rx[0].r.buf == NULL && pool_i.rx[0].r.buf == NULL);
	bpair_free(&p);
	frag_pool_wipe(&pool_i);
	frag_pool_wipe(&pool_r);
}

TEST(bigmsg_auth_whole)
{
	handshake(0, false, failed_);
}

TEST(bigmsg_auth_fragments)
{
	handshake(1280, false, failed_);
	if (*failed_ == 0)
		handshake(576, false, failed_);
}

/* The buffer grows however the fragments come: the last one first. */
TEST(bigmsg_auth_fragments_reversed)
{
	handshake(576, true, failed_);
}

/* What an IKE SA and a reassembly pool cost does not grow with the
 * message limit: their buffers are malloc'd at need. */
TEST(bigmsg_sa_small)
{
	ASSERT(sizeof(struct ike_sa) < XCHG_OUT_MAX / 8);
	ASSERT(sizeof(struct frag_pool) < XCHG_OUT_MAX / 8);
	ASSERT(sizeof(((struct ike_sa *)0)->eap) <= 2 * sizeof(void *));
}
