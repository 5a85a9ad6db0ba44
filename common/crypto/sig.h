/* SPDX-License-Identifier: ISC */
/* Public-key AUTH (RFC 7296 2.15, RFC 7427): our key and certificates, the trust anchors, the peer's certificate. */
#ifndef IKEKIT_CRYPTO_SIG_H
#define IKEKIT_CRYPTO_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum {
	SIG_MAX_LEN	= 1024,		/* RSA-8192 */
	SIG_ALG_MAX_LEN	= 80,		/* largest AlgorithmIdentifier we know */
	SIG_CERTS_MAX	= 8,		/* a chain: leaf + intermediates */
	SIG_CA_MAX	= 16,		/* trust anchors, for CERTREQ */
	SIG_WHY_LEN	= 256,		/* room for a reason a check failed */
	SIG_DN_MAX_LEN	= 255,
};

/* RFC 7427 hash algorithm identifiers (SIGNATURE_HASH_ALGORITHMS, RFC 8420). */
enum sig_hash {
	SIG_HASH_SHA1		= 1,
	SIG_HASH_SHA2_256	= 2,
	SIG_HASH_SHA2_384	= 3,
	SIG_HASH_SHA2_512	= 4,
	SIG_HASH_IDENTITY	= 5,
};

/* sig_hash_mask returns bit (1 << id) of each supported hash id of a
 * SIGNATURE_HASH_ALGORITHMS notify body (2-byte ids; a trailing odd byte is
 * ignored). sig_hash_put writes the ids we support (4 of 2 bytes) to out
 * and returns their length. */
uint16_t	 sig_hash_mask(const uint8_t *p, size_t len);
size_t		 sig_hash_put(uint8_t out[8]);

/* The AlgorithmIdentifier blobs of RFC 7427 appendix A (and RFC 8420 for
 * Ed25519) that we sign with or accept. */
enum sig_alg {
	SIG_ALG_NONE,
	SIG_ALG_RSA_SHA256,	/* sha256WithRSAEncryption */
	SIG_ALG_RSA_SHA384,
	SIG_ALG_RSA_SHA512,
	SIG_ALG_RSA_PSS_SHA256,	/* RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32 */
	SIG_ALG_ECDSA_SHA256,	/* ecdsa-with-SHA256 */
	SIG_ALG_ECDSA_SHA384,
	SIG_ALG_ECDSA_SHA512,
	SIG_ALG_ED25519,
	SIG_ALG_COUNT
};

/* sig_alg_der returns the DER AlgorithmIdentifier of a and its length. */
const uint8_t	*sig_alg_der(enum sig_alg a, size_t *out_len);
/* sig_alg_find returns the algorithm whose DER is exactly p, or SIG_ALG_NONE. */
enum sig_alg	 sig_alg_find(const uint8_t *p, size_t len);

/*
 * Our credentials and trust anchors: sig_cred_new() one, fill it from PEM
 * text, sig_cred_free() it (which frees the private key). A cred with only
 * a CA verifies peers; with a key and certificate it also signs.
 */
struct sig_cred;

enum ike_err	 sig_cred_new(struct sig_cred **out);
void		 sig_cred_free(struct sig_cred *c);

/* sig_cred_key reads a PEM private key (RSA, ECDSA P-256/P-384, Ed25519;
 * unencrypted). IKE_ESYNTAX if there is none, IKE_EUNSUPP for another
 * type or curve. */
enum ike_err	 sig_cred_key(struct sig_cred *c, const char *pem, size_t len);
/* sig_cred_certs reads PEM certificates, ours first, then intermediates.
 * IKE_ESYNTAX if there is none, IKE_ETOOBIG past SIG_CERTS_MAX. */
enum ike_err	 sig_cred_certs(struct sig_cred *c, const char *pem, size_t len);
/* sig_cred_ca reads PEM trust anchors. IKE_ESYNTAX if there is none. */
enum ike_err	 sig_cred_ca(struct sig_cred *c, const char *pem, size_t len);
/* sig_cred_check returns IKE_OK when the key and the first certificate
 * (if both are there) hold the same public key, else IKE_EINVAL. */
enum ike_err	 sig_cred_check(const struct sig_cred *c);

/*
 * Revocation of the peer's certificates (sig_peer_revocation): CRLs we are
 * given, an OCSP responder, and what to do when the status is unknown
 * (strongSwan's terms).
 */
enum sig_revocation {
	SIG_REV_IFURI,		/* unknown fails when a CRL or a responder was
				 * there for the certificate (the default) */
	SIG_REV_STRICT,		/* unknown fails */
	SIG_REV_RELAXED,	/* only a known revoked certificate fails */
};

/* sig_cred_crl_file adds the CRLs of a file (PEM, one or more, or DER);
 * load the anchors (sig_cred_ca) first: a CRL issued in an anchor's name
 * must verify with its key. IKE_EIO (cannot read), IKE_ESYNTAX (no CRL),
 * IKE_EUNSUPP (delta CRL), IKE_EINVAL (not signed by that anchor),
 * IKE_ETOOBIG; why says it in words. sig_cred_crl does it on p. */
enum ike_err	 sig_cred_crl_file(struct sig_cred *c, const char *path,
		    char *why, size_t why_len);
enum ike_err	 sig_cred_crl(struct sig_cred *c, const uint8_t *p, size_t len,
		    char *why, size_t why_len);
/* sig_cred_ocsp sets the OCSP responder asked about the peer's end-entity
 * certificate (url: http:// only, or NULL) and, with aia, the one its
 * Authority Information Access names first. IKE_EINVAL (with why) for a
 * URL we cannot use. */
enum ike_err	 sig_cred_ocsp(struct sig_cred *c, const char *url, bool aia,
		    char *why, size_t why_len);
/* sig_cred_revocation sets the policy (SIG_REV_IFURI if never called).
 * sig_cred_revocation_source: a CRL or a responder is configured. */
enum ike_err	 sig_cred_revocation(struct sig_cred *c, enum sig_revocation pol);
bool		 sig_cred_revocation_source(const struct sig_cred *c);

/* sig_cred_has_key: a private key and a certificate are loaded.
 * sig_cred_cert returns certificate i of our chain as DER (NULL past the
 * end). sig_cred_ca_hashes returns the SHA-1 hashes of the anchors'
 * SubjectPublicKeyInfo (RFC 7296 3.7), 20 bytes each, and their length. */
bool		 sig_cred_has_key(const struct sig_cred *c);
/* sig_cred_pkey returns our private key (OpenSSL's EVP_PKEY, still c's)
 * for a TLS stack (EAP-TLS), or NULL. */
struct evp_pkey_st;
struct evp_pkey_st *sig_cred_pkey(const struct sig_cred *c);
const uint8_t	*sig_cred_cert(const struct sig_cred *c, size_t i, size_t *out_len);
const uint8_t	*sig_cred_ca_hashes(const struct sig_cred *c, size_t *out_len);

/* sig_cred_subject writes our certificate's subject DN (DER) to out (for
 * ID_DER_ASN1_DN) and sets *out_len. IKE_ETOOBIG past cap. */
enum ike_err	 sig_cred_subject(const struct sig_cred *c, uint8_t *out,
		    size_t cap, size_t *out_len);

/* sig_sign signs data with our key. hash_mask is the peer's
 * SIGNATURE_HASH_ALGORITHMS (sig_hash_mask), 0 if it sent none. With a
 * mask it uses DIGITAL_SIG (14) and sets *out_alg to the algorithm; without
 * one the classic method of the key (RSA_SIG with SHA-1, ECDSA_256/384;
 * Ed25519 has none and uses 14 anyway). *out_method gets the AUTH method.
 * IKE_EUNSUPP when the mask has no hash the key can use. */
enum ike_err	 sig_sign(const struct sig_cred *c, uint16_t hash_mask,
		    const uint8_t *data, size_t len, uint8_t *out_method,
		    enum sig_alg *out_alg, uint8_t *sig, size_t cap,
		    size_t *sig_len);

/*
 * The peer's certificate, from CERT payloads (DER): sig_peer_new(), check
 * it, sig_peer_free(). Each check writes why it failed to why (why_len
 * bytes) in words for a local log.
 */
struct sig_peer;

/* sig_peer_new parses the end-entity certificate (certs[0]) and the others
 * as untrusted intermediates. IKE_ESYNTAX (with why) for bad DER. */
enum ike_err	 sig_peer_new(struct sig_peer **out, const uint8_t *const *certs,
		    const size_t *lens, size_t n, char *why, size_t why_len);
void		 sig_peer_free(struct sig_peer *p);

/* sig_peer_validate builds the chain to one of c's anchors (any purpose,
 * validity period checked now). IKE_EAUTH when it fails. */
enum ike_err	 sig_peer_validate(const struct sig_peer *p,
		    const struct sig_cred *c, char *why, size_t why_len);

/* sig_peer_revocation checks, once sig_peer_validate passed, that no
 * certificate of the peer's chain but the anchor is revoked: OCSP for the
 * end entity (when set), else the CRLs, the policy deciding an unknown
 * status. It may wait REVOKE_OCSP_TIMEOUT seconds for a responder (a
 * recent answer is reused). IKE_EAUTH with why, "peer certificate CN=x:
 * revoked (keyCompromise, DATE) by CRL" or "...: revocation status unknown
 * (...), refused by --revocation strict". IKE_OK without settings. */
enum ike_err	 sig_peer_revocation(const struct sig_peer *p,
		    const struct sig_cred *c, char *why, size_t why_len);

/* sig_peer_id_match checks that the certificate names an ID (RFC 7296
 * 3.5 types): ID_DER_ASN1_DN against its subject, ID_IPV4/IPV6_ADDR,
 * ID_FQDN and ID_RFC822_ADDR against its subjectAltName. IKE_EAUTH if not. */
enum ike_err	 sig_peer_id_match(const struct sig_peer *p, uint8_t id_type,
		    const uint8_t *id, size_t id_len, char *why, size_t why_len);

/* sig_peer_verify checks an AUTH value with the certificate's key: method
 * DIGITAL_SIG with alg (DER) and sig, or RSA_SIG / ECDSA_256 / ECDSA_384
 * with sig (alg empty). IKE_EAUTH when it does not verify, IKE_EUNSUPP for
 * another method or algorithm. */
enum ike_err	 sig_peer_verify(const struct sig_peer *p, uint8_t method,
		    const uint8_t *alg, size_t alg_len, const uint8_t *sig,
		    size_t sig_len, const uint8_t *data, size_t len, char *why,
		    size_t why_len);

/* sig_dn_parse turns a DN as strongSwan writes it ("C=CH, O=lab, CN=moon",
 * RDNs in that order) into DER for ID_DER_ASN1_DN; a value holding ',' is
 * "quoted" or has it escaped (\,), and \XX is a byte in hex. IKE_EINVAL if
 * it is not one. sig_dn_format writes DER DN as such text, which parses back
 * to the same DER ("(bad DN)" if it is not one). */
enum ike_err	 sig_dn_parse(const char *s, uint8_t *out, size_t cap,
		    size_t *out_len);
void		 sig_dn_format(const uint8_t *der, size_t len, char *buf, size_t n);

#endif
