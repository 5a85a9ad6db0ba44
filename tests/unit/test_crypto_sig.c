/* SPDX-License-Identifier: ISC */
/* Unit tests for crypto/sig: RFC 7427 AlgorithmIdentifiers, RFC 8032 Ed25519, sign/verify per key type, chains, IDs. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "test.h"
#include "crypto/sig.h"
#include "names/ikev2.h"

#define VEC "tests/vectors/certs/"

/* slurp reads a file into a static buffer (NUL-terminated) or returns NULL. */
static char *
slurp(const char *path, size_t *len)
{
	static char	 buf[4][16384];
	static int	 k;
	char		*b = buf[k++ % 4];
	FILE		*f = fopen(path, "r");
	size_t		 n;

	if (f == NULL)
		return NULL;
	n = fread(b, 1, sizeof(buf[0]) - 1, f);
	fclose(f);
	b[n] = '\0';
	*len = n;
	return b;
}

/* cred builds a cred from NAME.key.pem / NAME.crt.pem (NULL: none) and ca. */
static struct sig_cred *
cred(const char *name, const char *ca)
{
	struct sig_cred	*c = NULL;
	char		 path[256], *t;
	size_t		 n = 0;

	if (sig_cred_new(&c) != IKE_OK)
		return NULL;
	if (name != NULL) {
		snprintf(path, sizeof(path), VEC "%s.key.pem", name);
		if ((t = slurp(path, &n)) == NULL || sig_cred_key(c, t, n) != IKE_OK)
			goto fail;
		snprintf(path, sizeof(path), VEC "%s.crt.pem", name);
		if ((t = slurp(path, &n)) == NULL || sig_cred_certs(c, t, n) != IKE_OK)
			goto fail;
	}
	if (ca != NULL) {
		snprintf(path, sizeof(path), VEC "%s.crt.pem", ca);
		if ((t = slurp(path, &n)) == NULL || sig_cred_ca(c, t, n) != IKE_OK)
			goto fail;
	}
	return c;
fail:
	sig_cred_free(c);
	return NULL;
}

/* peer_of makes a sig_peer from c's own certificate. */
static struct sig_peer *
peer_of(const struct sig_cred *c)
{
	struct sig_peer	*p = NULL;
	const uint8_t	*der;
	size_t		 len = 0;
	char		 why[SIG_WHY_LEN];

	der = sig_cred_cert(c, 0, &len);
	if (der == NULL || sig_peer_new(&p, &der, &len, 1, why, sizeof(why)) != IKE_OK)
		return NULL;
	return p;
}

static int
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t	 i, n = strlen(s) / 2;
	unsigned v;

	if (n > cap)
		return -1;
	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)n;
}

/* RFC 7427 appendix A (A.1.1-A.1.3, A.3.1-A.3.3, A.4.3) and RFC 8420 3,
 * typed in from the RFCs, not from sig.c. */
TEST(sig_alg_table_rfc7427)
{
	static const struct { enum sig_alg a; const char *hex; } v[] = {
		{ SIG_ALG_RSA_SHA256, "300d06092a864886f70d01010b0500" },
		{ SIG_ALG_RSA_SHA384, "300d06092a864886f70d01010c0500" },
		{ SIG_ALG_RSA_SHA512, "300d06092a864886f70d01010d0500" },
		{ SIG_ALG_ECDSA_SHA256, "300a06082a8648ce3d040302" },
		{ SIG_ALG_ECDSA_SHA384, "300a06082a8648ce3d040303" },
		{ SIG_ALG_ECDSA_SHA512, "300a06082a8648ce3d040304" },
		{ SIG_ALG_RSA_PSS_SHA256, "304106092a864886f70d01010a3034a00f300d"
		    "06096086480165030402010500a11c301a06092a864886f70d010108300d"
		    "06096086480165030402010500a203020120" },
		{ SIG_ALG_ED25519, "300506032b6570" },
	};
	uint8_t		 want[96];
	const uint8_t	*der;
	size_t		 i, len;
	int		 n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = unhex(v[i].hex, want, sizeof(want));
		der = sig_alg_der(v[i].a, &len);
		ASSERT(der != NULL);
		ASSERT_EQ(len, n);
		ASSERT_MEM(der, want, len);
		ASSERT_EQ(sig_alg_find(want, (size_t)n), v[i].a);
	}
	/* sha1WithRSAEncryption is not signed with nor accepted */
	n = unhex("300d06092a864886f70d0101050500", want, sizeof(want));
	ASSERT_EQ(sig_alg_find(want, (size_t)n), SIG_ALG_NONE);
	ASSERT(sig_alg_der(SIG_ALG_NONE, &len) == NULL);
}

TEST(sig_hash_notify)
{
	static const uint8_t body[] = { 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 9, 0 };
	uint8_t		 ours[8];

	ASSERT_EQ(sig_hash_mask(body, sizeof(body)), (1 << 2) | (1 << 3) | (1 << 4) |
	    (1 << 5));
	ASSERT_EQ(sig_hash_put(ours), 8);
	ASSERT_EQ(sig_hash_mask(ours, 8), (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5));
}

/* RFC 8032 7.1 TEST 1 through the raw private key: empty message. */
TEST(sig_ed25519_rfc8032_test1)
{
	uint8_t		 sk[32], want[64], sig[SIG_MAX_LEN], method = 0;
	char		*pem, *crt;
	size_t		 sig_len = 0, pem_len, crt_len = 0;
	enum sig_alg	 a;
	struct sig_cred	*c = NULL;
	EVP_PKEY	*k;
	BIO		*b;

	ASSERT_EQ(unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	    sk, sizeof(sk)), 32);
	ASSERT_EQ(unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
	    want, sizeof(want)), 64);
	ASSERT((k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32)) != NULL);
	ASSERT((b = BIO_new(BIO_s_mem())) != NULL);
	ASSERT(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1);
	EVP_PKEY_free(k);
	pem_len = (size_t)BIO_get_mem_data(b, &pem);
	ASSERT_EQ(sig_cred_new(&c), IKE_OK);
	ASSERT_EQ(sig_cred_key(c, pem, pem_len), IKE_OK);
	BIO_free(b);
	/* any certificate makes the cred a signer; this one is not its key */
	ASSERT((crt = slurp(VEC "ed25519.crt.pem", &crt_len)) != NULL);
	ASSERT_EQ(sig_cred_certs(c, crt, crt_len), IKE_OK);
	ASSERT_EQ(sig_cred_check(c), IKE_EINVAL);
	ASSERT_EQ(sig_sign(c, 0, (const uint8_t *)"", 0, &method, &a, sig,
	    sizeof(sig), &sig_len), IKE_OK);
	ASSERT_EQ(method, IKEV2_AUTHM_DIGITAL_SIG);
	ASSERT_EQ(a, SIG_ALG_ED25519);
	ASSERT_EQ(sig_len, 64);
	ASSERT_MEM(sig, want, 64);
	sig_cred_free(c);
}

/* sign_verify signs with name's key for hash mask m, expects method and
 * alg, verifies with its certificate, then fails a flipped bit. */
static int
sign_verify(const char *name, uint16_t m, uint8_t want_method,
    enum sig_alg want_alg)
{
	static const uint8_t data[] = "RealMessage1 | NonceRData | MACedIDForI";
	struct sig_cred	*c = cred(name, NULL);
	struct sig_peer	*p = NULL;
	uint8_t		 sig[SIG_MAX_LEN], method = 0;
	const uint8_t	*alg;
	size_t		 sig_len = 0, alg_len = 0;
	enum sig_alg	 a;
	char		 why[SIG_WHY_LEN];
	int		 ok = 0;

	if (c == NULL || sig_cred_check(c) != IKE_OK || (p = peer_of(c)) == NULL)
		goto out;
	if (sig_sign(c, m, data, sizeof(data), &method, &a, sig, sizeof(sig),
	    &sig_len) != IKE_OK || method != want_method || a != want_alg)
		goto out;
	alg = sig_alg_der(a, &alg_len);
	if (sig_peer_verify(p, method, alg, alg_len, sig, sig_len, data,
	    sizeof(data), why, sizeof(why)) != IKE_OK)
		goto out;
	sig[sig_len / 2] ^= 1;
	if (sig_peer_verify(p, method, alg, alg_len, sig, sig_len, data,
	    sizeof(data), why, sizeof(why)) != IKE_EAUTH ||
	    strstr(why, "does not verify") == NULL)
		goto out;
	ok = 1;
out:
	if (!ok)
		fprintf(stderr, "  %s: mask %#x\n", name, m);
	sig_peer_free(p);
	sig_cred_free(c);
	return ok;
}

TEST(sig_sign_verify_each_key)
{
	uint16_t all = (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5);

	ASSERT(sign_verify("rsa", all, IKEV2_AUTHM_DIGITAL_SIG, SIG_ALG_RSA_SHA256));
	ASSERT(sign_verify("rsa", 1 << 4, IKEV2_AUTHM_DIGITAL_SIG, SIG_ALG_RSA_SHA512));
	ASSERT(sign_verify("rsa", 0, IKEV2_AUTHM_RSA_SIG, SIG_ALG_NONE));
	ASSERT(sign_verify("ec256", all, IKEV2_AUTHM_DIGITAL_SIG, SIG_ALG_ECDSA_SHA256));
	ASSERT(sign_verify("ec256", 0, IKEV2_AUTHM_ECDSA_256, SIG_ALG_NONE));
	ASSERT(sign_verify("ec384", all, IKEV2_AUTHM_DIGITAL_SIG, SIG_ALG_ECDSA_SHA384));
	ASSERT(sign_verify("ec384", 0, IKEV2_AUTHM_ECDSA_384, SIG_ALG_NONE));
	ASSERT(sign_verify("ed25519", all, IKEV2_AUTHM_DIGITAL_SIG, SIG_ALG_ED25519));
	ASSERT(sign_verify("ed25519", 0, IKEV2_AUTHM_DIGITAL_SIG, SIG_ALG_ED25519));
}

/* RSASSA-PSS is accepted on receipt: sign with OpenSSL directly. */
TEST(sig_verify_rsa_pss)
{
	static const uint8_t data[] = "signed octets";
	struct sig_cred	*c = cred("rsa", NULL);
	struct sig_peer	*p;
	EVP_PKEY	*k;
	EVP_MD_CTX	*ctx;
	EVP_PKEY_CTX	*pctx = NULL;
	uint8_t		 sig[512];
	size_t		 sig_len = sizeof(sig), alg_len = 0, n = 0;
	const uint8_t	*alg;
	char		*pem, why[SIG_WHY_LEN];
	BIO		*b;

	ASSERT(c != NULL && (p = peer_of(c)) != NULL);
	ASSERT((pem = slurp(VEC "rsa.key.pem", &n)) != NULL);
	ASSERT((b = BIO_new_mem_buf(pem, (int)n)) != NULL);
	ASSERT((k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) != NULL);
	BIO_free(b);
	ASSERT((ctx = EVP_MD_CTX_new()) != NULL);
	ASSERT(EVP_DigestSignInit_ex(ctx, &pctx, "SHA256", NULL, NULL, k, NULL) == 1);
	ASSERT(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1);
	ASSERT(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1);
	ASSERT(EVP_DigestSign(ctx, sig, &sig_len, data, sizeof(data)) == 1);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	alg = sig_alg_der(SIG_ALG_RSA_PSS_SHA256, &alg_len);
	ASSERT_EQ(sig_peer_verify(p, IKEV2_AUTHM_DIGITAL_SIG, alg, alg_len, sig,
	    sig_len, data, sizeof(data), why, sizeof(why)), IKE_OK);
	/* the same bytes as PKCS#1 v1.5 do not verify */
	alg = sig_alg_der(SIG_ALG_RSA_SHA256, &alg_len);
	ASSERT_EQ(sig_peer_verify(p, IKEV2_AUTHM_DIGITAL_SIG, alg, alg_len, sig,
	    sig_len, data, sizeof(data), why, sizeof(why)), IKE_EAUTH);
	/* an ECDSA algorithm with an RSA certificate */
	alg = sig_alg_der(SIG_ALG_ECDSA_SHA256, &alg_len);
	ASSERT_EQ(sig_peer_verify(p, IKEV2_AUTHM_DIGITAL_SIG, alg, alg_len, sig,
	    sig_len, data, sizeof(data), why, sizeof(why)), IKE_EAUTH);
	ASSERT(strstr(why, "does not fit") != NULL);
	sig_peer_free(p);
	sig_cred_free(c);
}

/* validate returns the chain result of name's certificate against ca. */
static enum ike_err
validate(const char *name, const char *ca, char *why, size_t n)
{
	struct sig_cred	*c = cred(name, NULL), *anchors = cred(NULL, ca);
	struct sig_peer	*p = c != NULL ? peer_of(c) : NULL;
	enum ike_err	 e = p == NULL || anchors == NULL ? IKE_EINVAL :
			    sig_peer_validate(p, anchors, why, n);

	sig_peer_free(p);
	sig_cred_free(c);
	sig_cred_free(anchors);
	return e;
}

TEST(sig_chain_validation)
{
	char	 why[SIG_WHY_LEN];

	ASSERT_EQ(validate("rsa", "ca", why, sizeof(why)), IKE_OK);
	ASSERT_EQ(validate("ed25519", "ca", why, sizeof(why)), IKE_OK);
	ASSERT_EQ(validate("stranger", "ca", why, sizeof(why)), IKE_EAUTH);
	ASSERT(strstr(why, "unable to get local issuer certificate") != NULL);
	ASSERT_EQ(validate("stranger", "otherca", why, sizeof(why)), IKE_OK);
	ASSERT_EQ(validate("expired", "ca", why, sizeof(why)), IKE_EAUTH);
	ASSERT(strstr(why, "certificate has expired") != NULL);
}

TEST(sig_id_match)
{
	struct sig_cred	*c = cred("rsa", NULL), *e = cred("ec256", NULL);
	struct sig_peer	*p, *q;
	uint8_t		 ip[4], dn[SIG_DN_MAX_LEN], dn2[SIG_DN_MAX_LEN];
	size_t		 dn_len = 0, dn2_len = 0;
	char		 why[SIG_WHY_LEN];

	ASSERT(c != NULL && e != NULL);
	ASSERT((p = peer_of(c)) != NULL && (q = peer_of(e)) != NULL);
	inet_pton(AF_INET, "192.0.2.1", ip);
	ASSERT_EQ(sig_peer_id_match(p, IKEV2_ID_IPV4_ADDR, ip, 4, why, sizeof(why)), IKE_OK);
	ip[3] = 9;
	ASSERT_EQ(sig_peer_id_match(p, IKEV2_ID_IPV4_ADDR, ip, 4, why, sizeof(why)), IKE_EAUTH);
	ASSERT(strstr(why, "subjectAltName") != NULL);
	ASSERT_EQ(sig_peer_id_match(p, IKEV2_ID_FQDN, (const uint8_t *)"rsa.lab.example",
	    15, why, sizeof(why)), IKE_OK);
	ASSERT_EQ(sig_peer_id_match(p, IKEV2_ID_FQDN, (const uint8_t *)"ec256.lab.example",
	    17, why, sizeof(why)), IKE_EAUTH);
	ASSERT_EQ(sig_peer_id_match(q, IKEV2_ID_RFC822_ADDR,
	    (const uint8_t *)"ec256@lab.example", 17, why, sizeof(why)), IKE_OK);
	/* the subject DN: ours matches, the other certificate's does not */
	ASSERT_EQ(sig_cred_subject(c, dn, sizeof(dn), &dn_len), IKE_OK);
	ASSERT_EQ(sig_cred_subject(e, dn2, sizeof(dn2), &dn2_len), IKE_OK);
	ASSERT_EQ(sig_peer_id_match(p, IKEV2_ID_DER_ASN1_DN, dn, dn_len, why,
	    sizeof(why)), IKE_OK);
	ASSERT_EQ(sig_peer_id_match(p, IKEV2_ID_DER_ASN1_DN, dn2, dn2_len, why,
	    sizeof(why)), IKE_EAUTH);
	ASSERT(strstr(why, "subject") != NULL);
	ASSERT_EQ(sig_peer_id_match(p, IKEV2_ID_KEY_ID, dn, 4, why, sizeof(why)),
	    IKE_EAUTH);
	sig_peer_free(p);
	sig_peer_free(q);
	sig_cred_free(c);
	sig_cred_free(e);
}

TEST(sig_cred_errors)
{
	struct sig_cred	*c;
	char		*k, *crt;
	size_t		 kn = 0, cn = 0, n = 0;
	uint8_t		 want[20];
	const uint8_t	*h;

	ASSERT_EQ(sig_cred_new(&c), IKE_OK);
	ASSERT_EQ(sig_cred_key(c, "not a key", 9), IKE_ESYNTAX);
	ASSERT_EQ(sig_cred_certs(c, "nothing", 7), IKE_ESYNTAX);
	ASSERT((k = slurp(VEC "rsa.key.pem", &kn)) != NULL);
	ASSERT((crt = slurp(VEC "ec256.crt.pem", &cn)) != NULL);
	/* a certificate where a key should be, and the other way round */
	ASSERT_EQ(sig_cred_key(c, crt, cn), IKE_ESYNTAX);
	ASSERT_EQ(sig_cred_key(c, k, kn), IKE_OK);
	ASSERT_EQ(sig_cred_certs(c, crt, cn), IKE_OK);
	ASSERT_EQ(sig_cred_check(c), IKE_EINVAL);	/* key of another cert */
	ASSERT(sig_cred_ca_hashes(c, &n) == NULL);
	ASSERT((crt = slurp(VEC "ca.crt.pem", &cn)) != NULL);
	ASSERT_EQ(sig_cred_ca(c, crt, cn), IKE_OK);
	/* SHA-1 of ca's SubjectPublicKeyInfo (openssl pkey -pubin -outform DER | sha1sum) */
	ASSERT_EQ(unhex("6d1615e23e64febced3526cedaffd380ec7a8877", want, 20), 20);
	ASSERT((h = sig_cred_ca_hashes(c, &n)) != NULL);
	ASSERT_EQ(n, 20);
	ASSERT_MEM(h, want, 20);
	sig_cred_free(c);
}

/* A chain of SIG_CERTS_MAX certificates is taken, one more refused. */
TEST(sig_cred_chain_length)
{
	struct sig_cred	*c;
	char		*crt, *pem;
	size_t		 cn = 0, i;

	ASSERT((crt = slurp(VEC "ec256.crt.pem", &cn)) != NULL);
	ASSERT((pem = malloc(cn * (SIG_CERTS_MAX + 1))) != NULL);
	for (i = 0; i <= SIG_CERTS_MAX; i++)
		memcpy(pem + i * cn, crt, cn);
	ASSERT_EQ(sig_cred_new(&c), IKE_OK);
	ASSERT_EQ(sig_cred_certs(c, pem, cn * SIG_CERTS_MAX), IKE_OK);
	sig_cred_free(c);
	ASSERT_EQ(sig_cred_new(&c), IKE_OK);
	ASSERT_EQ(sig_cred_certs(c, pem, cn * (SIG_CERTS_MAX + 1)), IKE_ETOOBIG);
	sig_cred_free(c);
	free(pem);
}

/* DN text as strongSwan writes it, both ways, against a certificate's subject. */
TEST(sig_dn_text)
{
	struct sig_cred	*c = cred("rsa", NULL);
	uint8_t		 dn[SIG_DN_MAX_LEN], subj[SIG_DN_MAX_LEN];
	size_t		 dn_len = 0, subj_len = 0;
	char		 txt[256];

	ASSERT(c != NULL);
	ASSERT_EQ(sig_cred_subject(c, subj, sizeof(subj), &subj_len), IKE_OK);
	ASSERT_EQ(sig_dn_parse("O=ikekit unit-test lab (not secret), CN=rsa", dn,
	    sizeof(dn), &dn_len), IKE_OK);
	ASSERT_EQ(dn_len, subj_len);
	ASSERT_MEM(dn, subj, dn_len);
	sig_dn_format(subj, subj_len, txt, sizeof(txt));
	ASSERT(strcmp(txt, "O=ikekit unit-test lab (not secret), CN=rsa") == 0);
	ASSERT_EQ(sig_dn_parse("CN", dn, sizeof(dn), &dn_len), IKE_EINVAL);
	ASSERT_EQ(sig_dn_parse("XX=1", dn, sizeof(dn), &dn_len), IKE_EINVAL);
	sig_cred_free(c);
}

/* Values with ',', '+', '"' or '\\' are written quoted or escaped, and such
 * text (as a log shows it) parses back to the same DN. */
TEST(sig_dn_text_quoted)
{
	static const char *const dns[][2] = {
		{ "O=\"Example, Inc.\", CN=moon", NULL },
		{ "CN=a\\, b", "CN=\"a, b\"" },
		{ "CN=a+b, O=x", "CN=\"a+b\", O=x" },
		{ "CN=\"say \\\"hi\\\"\"", "CN=say \\\"hi\\\"" },
		{ "CN=back\\\\slash", NULL },
		{ "CN=tab\\09here", "CN=tab\\09here" },
		{ "  O = lab ,CN=  moon  ", "O=lab, CN=moon" },
	};
	uint8_t		 dn[SIG_DN_MAX_LEN], again[SIG_DN_MAX_LEN];
	size_t		 dn_len = 0, again_len = 0, i;
	char		 txt[256];

	for (i = 0; i < sizeof(dns) / sizeof(dns[0]); i++) {
		ASSERT_EQ(sig_dn_parse(dns[i][0], dn, sizeof(dn), &dn_len),
		    IKE_OK);
		sig_dn_format(dn, dn_len, txt, sizeof(txt));
		if (strcmp(txt, dns[i][1] != NULL ? dns[i][1] : dns[i][0]) != 0)
			fprintf(stderr, "  %s formats as %s\n", dns[i][0], txt);
		ASSERT(strcmp(txt, dns[i][1] != NULL ? dns[i][1] :
		    dns[i][0]) == 0);
		ASSERT_EQ(sig_dn_parse(txt, again, sizeof(again), &again_len),
		    IKE_OK);
		ASSERT_EQ(again_len, dn_len);
		ASSERT_MEM(again, dn, dn_len);
	}
	ASSERT_EQ(sig_dn_parse("CN=\"open", dn, sizeof(dn), &dn_len),
	    IKE_EINVAL);
	ASSERT_EQ(sig_dn_parse("CN=\"a\" b", dn, sizeof(dn), &dn_len),
	    IKE_EINVAL);
	ASSERT_EQ(sig_dn_parse("CN=a\\", dn, sizeof(dn), &dn_len), IKE_EINVAL);
	ASSERT_EQ(sig_dn_parse("CN=", dn, sizeof(dn), &dn_len), IKE_EINVAL);
	/* names: keywords and dotted OIDs only */
	ASSERT_EQ(sig_dn_parse("2.5.4.3=moon", dn, sizeof(dn), &dn_len), IKE_OK);
	sig_dn_format(dn, dn_len, txt, sizeof(txt));
	ASSERT(strcmp(txt, "CN=moon") == 0);
	ASSERT_EQ(sig_dn_parse("0  2=x", dn, sizeof(dn), &dn_len), IKE_EINVAL);
	ASSERT_EQ(sig_dn_parse("2.5.=x", dn, sizeof(dn), &dn_len), IKE_EINVAL);
	ASSERT_EQ(sig_dn_parse("C N=x", dn, sizeof(dn), &dn_len), IKE_EINVAL);
}
