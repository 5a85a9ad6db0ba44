/* SPDX-License-Identifier: ISC */
/* Unit tests for crypto/revoke: CRL loading and lookup, OCSP response checks, the strict/ifuri/relaxed verdicts, whole chains, over a PKI made here in memory. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "test.h"
#include "crypto/revoke.h"
#include "crypto/sig.h"

enum { DAY = 86400, KIND_CA, KIND_LEAF, KIND_OCSP };

/* The lab: ca issues alice (good), carol (revoked, serial 3), ocsp (an OCSP
 * signer), noeku (no OCSPSigning) and inter (a CA) which issues dave;
 * other is another CA, with a certificate named like ca. */
static struct {
	EVP_PKEY	*k_ca, *k_alice, *k_carol, *k_ocsp, *k_inter, *k_dave,
			*k_other;
	X509		*ca, *alice, *carol, *ocsp, *noeku, *inter, *dave, *other,
			*fake_ca;
	X509_STORE	*store;
	bool		 ok;
} lab;

static EVP_PKEY *
mkkey(void)
{
	return EVP_EC_gen("P-256");
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

/* mkcert makes a certificate for cn with key, issued by issuer (NULL:
 * self-signed) with ikey. */
static X509 *
mkcert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey,
    long serial, int kind)
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
	    (const unsigned char *)"unit lab", -1, -1, 0) == 1 &&
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) == 1 &&
	    X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : n) == 1 &&
	    X509_set_pubkey(x, key) == 1;
	if (ok && kind == KIND_CA)
		ok = add_ext(x, issuer != NULL ? issuer : x,
		    NID_basic_constraints, "critical,CA:TRUE") &&
		    add_ext(x, issuer != NULL ? issuer : x, NID_key_usage,
		    "critical,keyCertSign,cRLSign");
	if (ok && kind == KIND_OCSP)
		ok = add_ext(x, issuer, NID_ext_key_usage, "OCSPSigning");
	if (ok)
		ok = X509_sign(x, ikey != NULL ? ikey : key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static void
lab_init(void)
{
	if (lab.ok)
		return;
	lab.k_ca = mkkey();
	lab.k_alice = mkkey();
	lab.k_carol = mkkey();
	lab.k_ocsp = mkkey();
	lab.k_inter = mkkey();
	lab.k_dave = mkkey();
	lab.k_other = mkkey();
	lab.ca = mkcert("lab ca", lab.k_ca, NULL, NULL, 1, KIND_CA);
	lab.alice = mkcert("alice", lab.k_alice, lab.ca, lab.k_ca, 2, KIND_LEAF);
	lab.carol = mkcert("carol", lab.k_carol, lab.ca, lab.k_ca, 3, KIND_LEAF);
	lab.ocsp = mkcert("ocsp", lab.k_ocsp, lab.ca, lab.k_ca, 4, KIND_OCSP);
	lab.noeku = mkcert("noeku", lab.k_ocsp, lab.ca, lab.k_ca, 5, KIND_LEAF);
	lab.inter = mkcert("inter", lab.k_inter, lab.ca, lab.k_ca, 6, KIND_CA);
	lab.dave = mkcert("dave", lab.k_dave, lab.inter, lab.k_inter, 7,
	    KIND_LEAF);
	lab.other = mkcert("other ca", lab.k_other, NULL, NULL, 1, KIND_CA);
	/* named "lab ca", another key: what a forger would sign with */
	lab.fake_ca = mkcert("lab ca", lab.k_other, NULL, NULL, 9, KIND_CA);
	lab.store = X509_STORE_new();
	lab.ok = lab.ca != NULL && lab.alice != NULL && lab.carol != NULL &&
	    lab.ocsp != NULL && lab.noeku != NULL && lab.inter != NULL &&
	    lab.dave != NULL && lab.other != NULL && lab.fake_ca != NULL &&
	    lab.store != NULL && X509_STORE_add_cert(lab.store, lab.ca) == 1;
}

static long
serial_of(X509 *x)
{
	return ASN1_INTEGER_get(X509_get0_serialNumber(x));
}

/* mkcrl makes a CRL of issuer listing certificate serials (reason
 * keyCompromise, revoked an hour ago), lastUpdate and nextUpdate at now +
 * the offsets (next 0: none). */
static X509_CRL *
mkcrl(X509 *issuer, EVP_PKEY *ikey, const long *serials, size_t n,
    long last, long next, bool delta)
{
	X509_CRL	*c = X509_CRL_new();
	X509_REVOKED	*r;
	ASN1_INTEGER	*s;
	ASN1_ENUMERATED	*why;
	ASN1_TIME	*t = ASN1_TIME_new();
	size_t		 i;
	bool		 ok;

	ok = c != NULL && t != NULL && X509_CRL_set_version(c, 1) == 1 &&
	    X509_CRL_set_issuer_name(c, X509_get_subject_name(issuer)) == 1 &&
	    X509_gmtime_adj(t, last) != NULL &&
	    X509_CRL_set1_lastUpdate(c, t) == 1 &&
	    (next == 0 || (X509_gmtime_adj(t, next) != NULL &&
	    X509_CRL_set1_nextUpdate(c, t) == 1));
	for (i = 0; ok && i < n; i++) {
		r = X509_REVOKED_new();
		s = ASN1_INTEGER_new();
		why = ASN1_ENUMERATED_new();
		ok = r != NULL && s != NULL && why != NULL &&
		    ASN1_INTEGER_set(s, serials[i]) == 1 &&
		    X509_REVOKED_set_serialNumber(r, s) == 1 &&
		    X509_gmtime_adj(t, -3600) != NULL &&
		    X509_REVOKED_set_revocationDate(r, t) == 1 &&
		    ASN1_ENUMERATED_set(why, 1) == 1 &&
		    X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, why, 0, 0) == 1 &&
		    X509_CRL_add0_revoked(c, r) == 1;
		if (!ok)
			X509_REVOKED_free(r);
		ASN1_INTEGER_free(s);
		ASN1_ENUMERATED_free(why);
	}
	if (ok && delta) {
		s = ASN1_INTEGER_new();
		ok = s != NULL && ASN1_INTEGER_set(s, 1) == 1 &&
		    X509_CRL_add1_ext_i2d(c, NID_delta_crl, s, 1, 0) == 1;
		ASN1_INTEGER_free(s);
	}
	ok = ok && X509_CRL_sort(c) == 1 && X509_CRL_sign(c, ikey, EVP_sha256()) > 0;
	ASN1_TIME_free(t);
	if (!ok) {
		X509_CRL_free(c);
		return NULL;
	}
	return c;
}

/* crl_der writes c as DER into buf; its length, or 0. */
static size_t
crl_der(X509_CRL *c, uint8_t *buf, size_t cap)
{
	unsigned char	*p = NULL;
	int		 l;

	if (c == NULL || (l = i2d_X509_CRL(c, &p)) <= 0 || (size_t)l > cap) {
		OPENSSL_free(p);
		return 0;
	}
	memcpy(buf, p, (size_t)l);
	OPENSSL_free(p);
	return (size_t)l;
}

/* add_crl hands rv the CRL (DER) and frees it. */
static enum ike_err
add_crl(struct revoke *rv, X509_CRL *c, char *why, size_t why_len)
{
	uint8_t		 buf[4096];
	size_t		 n = crl_der(c, buf, sizeof(buf));

	X509_CRL_free(c);
	if (n == 0)
		return IKE_ENOMEM;
	return revoke_crl_add(rv, lab.store, buf, n, why, why_len);
}

enum { NONCE_COPY, NONCE_NONE, NONCE_OTHER };

/* mkresp answers req about cert (of issuer) with status, signed by signer
 * (key skey), thisUpdate/nextUpdate at now + the offsets (next 0: none). */
static OCSP_RESPONSE *
mkresp(OCSP_REQUEST *req, X509 *cert, X509 *issuer, int status, X509 *signer,
    EVP_PKEY *skey, int nonce, long this_off, long next_off)
{
	OCSP_BASICRESP	*bs = OCSP_BASICRESP_new();
	OCSP_CERTID	*id = OCSP_cert_to_id(EVP_sha1(), cert, issuer);
	ASN1_TIME	*thisu = X509_gmtime_adj(NULL, this_off);
	ASN1_TIME	*nextu = next_off != 0 ? X509_gmtime_adj(NULL, next_off) : NULL;
	ASN1_TIME	*rev = X509_gmtime_adj(NULL, -3600);
	OCSP_RESPONSE	*r = NULL;
	bool		 ok;

	ok = bs != NULL && id != NULL && thisu != NULL && rev != NULL &&
	    OCSP_basic_add1_status(bs, id, status,
	    status == V_OCSP_CERTSTATUS_REVOKED ? OCSP_REVOKED_STATUS_KEYCOMPROMISE :
	    0, status == V_OCSP_CERTSTATUS_REVOKED ? rev : NULL, thisu,
	    nextu) != NULL;
	if (ok && nonce == NONCE_COPY)
		ok = OCSP_copy_nonce(bs, req) == 1;
	if (ok && nonce == NONCE_OTHER)
		ok = OCSP_basic_add1_nonce(bs, NULL, -1) == 1;
	if (ok)
		ok = OCSP_basic_sign(bs, signer, skey, EVP_sha256(), NULL, 0) == 1;
	if (ok)
		r = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	ASN1_TIME_free(thisu);
	ASN1_TIME_free(nextu);
	ASN1_TIME_free(rev);
	return r;
}

/* ocsp_check runs revoke_ocsp_answer on resp to a request about cert. */
static enum revoke_status
ocsp_check(X509 *cert, X509 *issuer, int status, X509 *signer, EVP_PKEY *skey,
    int nonce, long this_off, long next_off, struct revoke_answer *a)
{
	OCSP_REQUEST	*req = NULL;
	OCSP_CERTID	*id = NULL;
	OCSP_RESPONSE	*resp;
	STACK_OF(X509)	*certs = sk_X509_new_null();

	a->status = REVOKE_GOOD;
	snprintf(a->note, sizeof(a->note), "(not run)");
	if (certs == NULL || sk_X509_push(certs, cert) <= 0 ||
	    sk_X509_push(certs, issuer) <= 0 ||
	    revoke_ocsp_request(cert, issuer, &req, &id) != IKE_OK ||
	    (resp = mkresp(req, cert, issuer, status, signer, skey, nonce,
	    this_off, next_off)) == NULL) {
		sk_X509_free(certs);
		OCSP_REQUEST_free(req);
		OCSP_CERTID_free(id);
		return (enum revoke_status)-1;
	}
	revoke_ocsp_answer(req, id, resp, lab.store, certs, time(NULL), a);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
	OCSP_CERTID_free(id);
	sk_X509_free(certs);
	return a->status;
}

/* chain makes the stack [leaf, ..., anchor] (NULL-terminated arguments). */
static STACK_OF(X509) *
chain(X509 *a, X509 *b, X509 *c)
{
	STACK_OF(X509)	*s = sk_X509_new_null();

	if (s != NULL && a != NULL)
		(void)sk_X509_push(s, a);
	if (s != NULL && b != NULL)
		(void)sk_X509_push(s, b);
	if (s != NULL && c != NULL)
		(void)sk_X509_push(s, c);
	return s;
}

TEST(verdict_policies)
{
	/* strongSwan's terms: strict needs good; ifuri refuses unknown only
	 * when a source was there; relaxed refuses only revoked */
	static const struct {
		enum sig_revocation	 pol;
		enum revoke_status	 st;
		bool			 src, pass;
	} v[] = {
		{ SIG_REV_STRICT, REVOKE_GOOD, true, true },
		{ SIG_REV_STRICT, REVOKE_REVOKED, true, false },
		{ SIG_REV_STRICT, REVOKE_UNKNOWN, true, false },
		{ SIG_REV_STRICT, REVOKE_UNKNOWN, false, false },
		{ SIG_REV_IFURI, REVOKE_GOOD, true, true },
		{ SIG_REV_IFURI, REVOKE_REVOKED, true, false },
		{ SIG_REV_IFURI, REVOKE_UNKNOWN, true, false },
		{ SIG_REV_IFURI, REVOKE_UNKNOWN, false, true },
		{ SIG_REV_RELAXED, REVOKE_GOOD, true, true },
		{ SIG_REV_RELAXED, REVOKE_REVOKED, true, false },
		{ SIG_REV_RELAXED, REVOKE_UNKNOWN, true, true },
		{ SIG_REV_RELAXED, REVOKE_UNKNOWN, false, true },
	};
	size_t	 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (revoke_verdict(v[i].pol, v[i].st, v[i].src) != v[i].pass) {
			fprintf(stderr, "case %zu\n", i);
			ASSERT(0);
		}
}

TEST(crl_load)
{
	struct revoke	*rv = NULL;
	char		 why[SIG_WHY_LEN];
	long		 s = 3;
	BIO		*b;
	char		*pem;
	long		 pem_len;
	X509_CRL	*c1, *c2;

	lab_init();
	ASSERT(lab.ok);
	ASSERT_EQ(revoke_new(&rv), IKE_OK);
	ASSERT(!revoke_has_source(rv));
	/* garbage, and an empty file */
	ASSERT_EQ(revoke_crl_add(rv, lab.store, (const uint8_t *)"hello\n", 6,
	    why, sizeof(why)), IKE_ESYNTAX);
	ASSERT(strcmp(why, "no CRL in it (PEM or DER)") == 0);
	ASSERT_EQ(revoke_crl_add(rv, lab.store, (const uint8_t *)"", 0, why,
	    sizeof(why)), IKE_ESYNTAX);
	/* named like our anchor, signed by another key */
	ASSERT_EQ(add_crl(rv, mkcrl(lab.fake_ca, lab.k_other, &s, 1, -60, DAY,
	    false), why, sizeof(why)), IKE_EINVAL);
	ASSERT(strcmp(why, "CRL of O=unit lab, CN=lab ca: not signed by that "
	    "--ca certificate") == 0);
	/* a delta CRL */
	ASSERT_EQ(add_crl(rv, mkcrl(lab.ca, lab.k_ca, &s, 1, -60, DAY, true),
	    why, sizeof(why)), IKE_EUNSUPP);
	ASSERT(!revoke_has_source(rv));
	/* DER: fine; an intermediate's (no anchor of its name): fine */
	ASSERT_EQ(add_crl(rv, mkcrl(lab.ca, lab.k_ca, &s, 1, -60, DAY, false),
	    why, sizeof(why)), IKE_OK);
	ASSERT(revoke_has_source(rv));
	ASSERT_EQ(add_crl(rv, mkcrl(lab.inter, lab.k_inter, NULL, 0, -60, DAY,
	    false), why, sizeof(why)), IKE_OK);
	/* two PEM CRLs in one file, the second bad: nothing of it is kept */
	c1 = mkcrl(lab.ca, lab.k_ca, NULL, 0, -60, DAY, false);
	c2 = mkcrl(lab.fake_ca, lab.k_other, NULL, 0, -60, DAY, false);
	ASSERT(c1 != NULL && c2 != NULL && (b = BIO_new(BIO_s_mem())) != NULL);
	ASSERT(PEM_write_bio_X509_CRL(b, c1) == 1 && PEM_write_bio_X509_CRL(b, c2) == 1);
	pem_len = BIO_get_mem_data(b, &pem);
	ASSERT_EQ(revoke_crl_add(rv, lab.store, (const uint8_t *)pem,
	    (size_t)pem_len, why, sizeof(why)), IKE_EINVAL);
	BIO_free(b);
	b = BIO_new(BIO_s_mem());
	ASSERT(b != NULL && PEM_write_bio_X509_CRL(b, c1) == 1 &&
	    PEM_write_bio_X509_CRL(b, c1) == 1);
	pem_len = BIO_get_mem_data(b, &pem);
	ASSERT_EQ(revoke_crl_add(rv, lab.store, (const uint8_t *)pem,
	    (size_t)pem_len, why, sizeof(why)), IKE_OK);
	BIO_free(b);
	X509_CRL_free(c1);
	X509_CRL_free(c2);
	/* a file that is not there */
	ASSERT_EQ(revoke_crl_file(rv, lab.store, "/nonexistent/x.crl", why,
	    sizeof(why)), IKE_EIO);
	ASSERT(strcmp(why, "No such file or directory") == 0);
	ASSERT_EQ(revoke_crl_file(rv, lab.store, "/", why, sizeof(why)),
	    IKE_EIO);
	ASSERT(strcmp(why, "Is a directory") == 0);
	revoke_free(rv);
}

TEST(crl_status)
{
	struct revoke		*rv = NULL;
	struct revoke_answer	 a;
	char			 why[SIG_WHY_LEN];
	long			 s;
	time_t			 now = time(NULL);

	lab_init();
	ASSERT(lab.ok);
	ASSERT_EQ(revoke_new(&rv), IKE_OK);
	/* no CRL: no source */
	ASSERT(!revoke_crl_status(rv, lab.alice, lab.ca, now, &a));
	ASSERT_EQ(a.status, REVOKE_UNKNOWN);
	s = serial_of(lab.carol);
	ASSERT_EQ(add_crl(rv, mkcrl(lab.ca, lab.k_ca, &s, 1, -60, DAY, false),
	    why, sizeof(why)), IKE_OK);
	ASSERT(revoke_crl_status(rv, lab.carol, lab.ca, now, &a));
	ASSERT_EQ(a.status, REVOKE_REVOKED);
	ASSERT_EQ(a.reason, 1);				/* keyCompromise */
	ASSERT(a.when > now - 3700 && a.when < now - 3500);
	ASSERT(revoke_crl_status(rv, lab.alice, lab.ca, now, &a));
	ASSERT_EQ(a.status, REVOKE_GOOD);
	ASSERT(a.until > now + DAY - 100 && a.until < now + DAY + 100);
	/* dave's issuer is inter: ca's CRL says nothing of him */
	ASSERT(!revoke_crl_status(rv, lab.dave, lab.inter, now, &a));
	/* a day later the CRL is past its nextUpdate: unknown, but carol
	 * stays revoked */
	ASSERT(revoke_crl_status(rv, lab.alice, lab.ca, now + 2 * DAY, &a));
	ASSERT_EQ(a.status, REVOKE_UNKNOWN);
	ASSERT(strncmp(a.note, "CRL of O=unit lab, CN=lab ca expired ", 37) == 0);
	ASSERT(revoke_crl_status(rv, lab.carol, lab.ca, now + 2 * DAY, &a));
	ASSERT_EQ(a.status, REVOKE_REVOKED);
	/* before its lastUpdate (past the allowed skew) */
	ASSERT(revoke_crl_status(rv, lab.alice, lab.ca, now - 3600, &a));
	ASSERT_EQ(a.status, REVOKE_UNKNOWN);
	ASSERT(strstr(a.note, "not valid yet") != NULL);
	/* within the skew: still good */
	ASSERT(revoke_crl_status(rv, lab.alice, lab.ca, now + DAY + 200, &a));
	ASSERT_EQ(a.status, REVOKE_GOOD);
	revoke_free(rv);

	/* an intermediate's CRL: loaded unchecked, so checked when used */
	ASSERT_EQ(revoke_new(&rv), IKE_OK);
	s = serial_of(lab.dave);
	ASSERT_EQ(add_crl(rv, mkcrl(lab.inter, lab.k_other, &s, 1, -60, DAY,
	    false), why, sizeof(why)), IKE_OK);
	ASSERT(revoke_crl_status(rv, lab.dave, lab.inter, now, &a));
	ASSERT_EQ(a.status, REVOKE_UNKNOWN);	/* the forged listing is ignored */
	ASSERT(strstr(a.note, "does not verify with the issuer's key") != NULL);
	ASSERT_EQ(add_crl(rv, mkcrl(lab.inter, lab.k_inter, &s, 1, -60, 0,
	    false), why, sizeof(why)), IKE_OK);
	ASSERT(revoke_crl_status(rv, lab.dave, lab.inter, now, &a));
	ASSERT_EQ(a.status, REVOKE_REVOKED);
	revoke_free(rv);
}

TEST(ocsp_answers)
{
	struct revoke_answer	 a;
	time_t			 now = time(NULL);

	lab_init();
	ASSERT(lab.ok);
	/* signed by the CA itself */
	ASSERT_EQ(ocsp_check(lab.alice, lab.ca, V_OCSP_CERTSTATUS_GOOD, lab.ca,
	    lab.k_ca, NONCE_COPY, -60, 3600, &a), REVOKE_GOOD);
	ASSERT(a.until > now + 3500 && a.until < now + 3700);
	ASSERT_EQ(ocsp_check(lab.carol, lab.ca, V_OCSP_CERTSTATUS_REVOKED, lab.ca,
	    lab.k_ca, NONCE_COPY, -60, 3600, &a), REVOKE_REVOKED);
	ASSERT_EQ(a.reason, OCSP_REVOKED_STATUS_KEYCOMPROMISE);
	ASSERT(a.when > now - 3700 && a.when < now - 3500);
	ASSERT_EQ(ocsp_check(lab.alice, lab.ca, V_OCSP_CERTSTATUS_UNKNOWN, lab.ca,
	    lab.k_ca, NONCE_COPY, -60, 3600, &a), REVOKE_UNKNOWN);
	ASSERT(strcmp(a.note, "responder does not know the certificate") == 0);
	/* a delegated signer: with id-kp-OCSPSigning, not without */
	ASSERT_EQ(ocsp_check(lab.carol, lab.ca, V_OCSP_CERTSTATUS_REVOKED,
	    lab.ocsp, lab.k_ocsp, NONCE_COPY, -60, 3600, &a), REVOKE_REVOKED);
	ASSERT_EQ(ocsp_check(lab.alice, lab.ca, V_OCSP_CERTSTATUS_GOOD,
	    lab.noeku, lab.k_ocsp, NONCE_COPY, -60, 3600, &a), REVOKE_UNKNOWN);
	ASSERT(strcmp(a.note, "response not signed by the issuer or its OCSP "
	    "signer") == 0);
	/* another CA's, and one named like ours */
	ASSERT_EQ(ocsp_check(lab.alice, lab.ca, V_OCSP_CERTSTATUS_GOOD,
	    lab.other, lab.k_other, NONCE_COPY, -60, 3600, &a), REVOKE_UNKNOWN);
	ASSERT_EQ(ocsp_check(lab.alice, lab.ca, V_OCSP_CERTSTATUS_GOOD,
	    lab.fake_ca, lab.k_other, NONCE_COPY, -60, 3600, &a), REVOKE_UNKNOWN);
	/* dave is inter's: ca's own signature does not answer for him */
	ASSERT_EQ(ocsp_check(lab.dave, lab.inter, V_OCSP_CERTSTATUS_GOOD,
	    lab.ca, lab.k_ca, NONCE_COPY, -60, 3600, &a), REVOKE_UNKNOWN);
	/* nonces: another is refused; none is fine while nextUpdate holds */
	ASSERT_EQ(ocsp_check(lab.alice, lab.ca, V_OCSP_CERTSTATUS_GOOD, lab.ca,
	    lab.k_ca, NONCE_OTHER, -60, 3600, &a), REVOKE_UNKNOWN);
	ASSERT(strcmp(a.note, "response nonce does not match ours") == 0);
	ASSERT_EQ(ocsp_check(lab.alice, lab.ca, V_OCSP_CERTSTATUS_GOOD, lab.ca,
	    lab.k_ca, NONCE_NONE, -60, 3600, &a), REVOKE_GOOD);
	/* neither nonce nor nextUpdate: only a fresh one */
	ASSERT_EQ(ocsp_check(lab.alice, lab.ca, V_OCSP_CERTSTATUS_GOOD, lab.ca,
	    lab.k_ca, NONCE_NONE, -60, 0, &a), REVOKE_GOOD);
	ASSERT_EQ(ocsp_check(lab.alice, lab.ca, V_OCSP_CERTSTATUS_GOOD, lab.ca,
	    lab.k_ca, NONCE_NONE, -DAY, 0, &a), REVOKE_UNKNOWN);
	/* out of date, and from the future */
	ASSERT_EQ(ocsp_check(lab.alice, lab.ca, V_OCSP_CERTSTATUS_GOOD, lab.ca,
	    lab.k_ca, NONCE_COPY, -2 * DAY, -DAY, &a), REVOKE_UNKNOWN);
	ASSERT(strncmp(a.note, "response out of date", 20) == 0);
	ASSERT_EQ(ocsp_check(lab.alice, lab.ca, V_OCSP_CERTSTATUS_GOOD, lab.ca,
	    lab.k_ca, NONCE_COPY, 3600, 7200, &a), REVOKE_UNKNOWN);
	ASSERT(strcmp(a.note, "response thisUpdate is in the future") == 0);
}

TEST(ocsp_not_successful)
{
	struct revoke_answer	 a;
	OCSP_REQUEST		*req = NULL;
	OCSP_CERTID		*id = NULL;
	OCSP_RESPONSE		*resp;

	lab_init();
	ASSERT(lab.ok);
	ASSERT_EQ(revoke_ocsp_request(lab.alice, lab.ca, &req, &id), IKE_OK);
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_TRYLATER, NULL);
	ASSERT(resp != NULL);
	revoke_ocsp_answer(req, id, resp, lab.store, NULL, time(NULL), &a);
	ASSERT_EQ(a.status, REVOKE_UNKNOWN);
	ASSERT(strcmp(a.note, "responder said trylater") == 0);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
	OCSP_CERTID_free(id);
}

TEST(chain_verdicts)
{
	struct revoke	*rv = NULL;
	STACK_OF(X509)	*good, *bad, *deep;
	char		 why[SIG_WHY_LEN];
	long		 s[2];
	time_t		 now = time(NULL);

	lab_init();
	ASSERT(lab.ok);
	good = chain(lab.alice, lab.ca, NULL);
	bad = chain(lab.carol, lab.ca, NULL);
	deep = chain(lab.dave, lab.inter, lab.ca);
	ASSERT(good != NULL && bad != NULL && deep != NULL);

	/* nothing set: ifuri passes all, strict none */
	ASSERT_EQ(revoke_new(&rv), IKE_OK);
	ASSERT_EQ(revoke_chain(rv, lab.store, bad, now, why, sizeof(why)), IKE_OK);
	revoke_policy_set(rv, SIG_REV_STRICT);
	ASSERT_EQ(revoke_chain(rv, lab.store, good, now, why, sizeof(why)),
	    IKE_EAUTH);
	ASSERT(strcmp(why, "peer certificate CN=alice: revocation status unknown "
	    "(no CRL or OCSP responder for it), refused by --revocation strict")
	    == 0);

	/* ca's CRL revokes carol and inter */
	s[0] = serial_of(lab.carol);
	s[1] = serial_of(lab.inter);
	ASSERT_EQ(add_crl(rv, mkcrl(lab.ca, lab.k_ca, s, 2, -60, DAY, false),
	    why, sizeof(why)), IKE_OK);
	ASSERT_EQ(revoke_chain(rv, lab.store, good, now, why, sizeof(why)), IKE_OK);
	ASSERT_EQ(revoke_chain(rv, lab.store, bad, now, why, sizeof(why)),
	    IKE_EAUTH);
	ASSERT(strncmp(why, "peer certificate CN=carol: revoked (keyCompromise, ",
	    51) == 0);
	ASSERT(strstr(why, " UTC) by CRL") != NULL);
	/* dave's CA is revoked (and dave has no CRL: strict refuses that first) */
	ASSERT_EQ(revoke_chain(rv, lab.store, deep, now, why, sizeof(why)),
	    IKE_EAUTH);
	ASSERT(strstr(why, "peer certificate CN=dave: revocation status unknown") ==
	    why);
	revoke_policy_set(rv, SIG_REV_IFURI);
	ASSERT_EQ(revoke_chain(rv, lab.store, deep, now, why, sizeof(why)),
	    IKE_EAUTH);
	ASSERT(strncmp(why, "peer certificate CN=inter: revoked (keyCompromise, ",
	    51) == 0);

	/* the CRL expired: ifuri and strict refuse, relaxed lets alice in;
	 * carol stays revoked under each */
	ASSERT_EQ(revoke_chain(rv, lab.store, good, now + 2 * DAY, why,
	    sizeof(why)), IKE_EAUTH);
	ASSERT(strstr(why, "expired") != NULL &&
	    strstr(why, "refused by --revocation ifuri") != NULL);
	revoke_policy_set(rv, SIG_REV_RELAXED);
	ASSERT_EQ(revoke_chain(rv, lab.store, good, now + 2 * DAY, why,
	    sizeof(why)), IKE_OK);
	ASSERT_EQ(revoke_chain(rv, lab.store, bad, now + 2 * DAY, why,
	    sizeof(why)), IKE_EAUTH);
	revoke_free(rv);

	/* a responder that is not there: the CRL answers in its place, and
	 * without one strict refuses saying why */
	ASSERT_EQ(revoke_new(&rv), IKE_OK);
	ASSERT_EQ(revoke_ocsp_set(rv, "ftp://127.0.0.1/", false, why,
	    sizeof(why)), IKE_EINVAL);
	ASSERT_EQ(revoke_ocsp_set(rv, "https://127.0.0.1/", false, why,
	    sizeof(why)), IKE_EINVAL);
	ASSERT(strncmp(why, "https is not supported", 22) == 0);
	ASSERT_EQ(revoke_ocsp_set(rv, "http://127.0.0.1:1/ocsp", false, why,
	    sizeof(why)), IKE_OK);
	ASSERT(revoke_has_source(rv));
	revoke_policy_set(rv, SIG_REV_STRICT);
	ASSERT_EQ(revoke_chain(rv, lab.store, good, now, why, sizeof(why)),
	    IKE_EAUTH);
	ASSERT(strcmp(why, "peer certificate CN=alice: revocation status unknown "
	    "(OCSP http://127.0.0.1:1/ocsp: Connection refused), refused by "
	    "--revocation strict") == 0);
	s[0] = serial_of(lab.carol);
	ASSERT_EQ(add_crl(rv, mkcrl(lab.ca, lab.k_ca, s, 1, -60, DAY, false),
	    why, sizeof(why)), IKE_OK);
	ASSERT_EQ(revoke_chain(rv, lab.store, good, now, why, sizeof(why)), IKE_OK);
	ASSERT_EQ(revoke_chain(rv, lab.store, bad, now, why, sizeof(why)),
	    IKE_EAUTH);
	ASSERT(strstr(why, "by CRL") != NULL);
	revoke_free(rv);

	sk_X509_free(good);
	sk_X509_free(bad);
	sk_X509_free(deep);
}

/* pem_of writes x as PEM into a static buffer. */
static const char *
pem_of(X509 *x, size_t *len)
{
	static char	 buf[4096];
	BIO		*b = BIO_new(BIO_s_mem());
	char		*p;
	long		 n;

	*len = 0;
	if (b == NULL || PEM_write_bio_X509(b, x) != 1 ||
	    (n = BIO_get_mem_data(b, &p)) <= 0 || (size_t)n >= sizeof(buf)) {
		BIO_free(b);
		return NULL;
	}
	memcpy(buf, p, (size_t)n);
	*len = (size_t)n;
	BIO_free(b);
	return buf;
}

TEST(sig_api)
{
	struct sig_cred	*c = NULL;
	struct sig_peer	*p = NULL;
	const char	*pem;
	unsigned char	*der = NULL;
	const uint8_t	*d;
	uint8_t		 buf[4096];
	size_t		 len = 0, n;
	long		 s;
	char		 why[SIG_WHY_LEN];
	int		 l;

	lab_init();
	ASSERT(lab.ok);
	ASSERT_EQ(sig_cred_new(&c), IKE_OK);
	ASSERT((pem = pem_of(lab.ca, &len)) != NULL);
	ASSERT_EQ(sig_cred_ca(c, pem, len), IKE_OK);
	ASSERT((l = i2d_X509(lab.carol, &der)) > 0);
	d = der;
	n = (size_t)l;
	ASSERT_EQ(sig_peer_new(&p, &d, &n, 1, why, sizeof(why)), IKE_OK);
	/* no settings: no check */
	ASSERT_EQ(sig_peer_revocation(p, c, why, sizeof(why)), IKE_OK);
	ASSERT(!sig_cred_revocation_source(c));
	s = serial_of(lab.carol);
	{
		X509_CRL *crl = mkcrl(lab.ca, lab.k_ca, &s, 1, -60, DAY, false);

		n = crl_der(crl, buf, sizeof(buf));
		X509_CRL_free(crl);
	}
	ASSERT(n > 0);
	ASSERT_EQ(sig_cred_crl(c, buf, n, why, sizeof(why)), IKE_OK);
	ASSERT(sig_cred_revocation_source(c));
	ASSERT_EQ(sig_cred_revocation(c, SIG_REV_STRICT), IKE_OK);
	ASSERT_EQ(sig_peer_validate(p, c, why, sizeof(why)), IKE_OK);
	ASSERT_EQ(sig_peer_revocation(p, c, why, sizeof(why)), IKE_EAUTH);
	ASSERT(strncmp(why, "peer certificate CN=carol: revoked (keyCompromise, ",
	    51) == 0);
	ASSERT_EQ(sig_cred_ocsp(c, "not a url at all://", false, why,
	    sizeof(why)), IKE_EINVAL);
	sig_peer_free(p);
	OPENSSL_free(der);
	sig_cred_free(c);
}
