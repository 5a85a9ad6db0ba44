/* SPDX-License-Identifier: ISC */
/* Revocation of the peer's certificates for crypto/sig.c only: CRLs we are given (RFC 5280 5), OCSP over HTTP (RFC 6960), the --revocation policy. */
#ifndef IKEKIT_CRYPTO_REVOKE_H
#define IKEKIT_CRYPTO_REVOKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "crypto/sig.h"

enum {
	REVOKE_CRL_MAX		= 64,		/* CRLs held at once */
	REVOKE_OCSP_TIMEOUT	= 3,		/* seconds for one OCSP exchange */
	REVOKE_OCSP_RESP_MAX	= 65536,	/* bytes of an OCSP response */
	REVOKE_SKEW		= 300,		/* seconds of clock skew allowed */
	REVOKE_CACHE_MAX	= 64,		/* OCSP answers remembered */
	REVOKE_CACHE_GOOD	= 3600,		/* longest an answer is reused */
	REVOKE_CACHE_FAIL	= 10,		/* a failed query is not retried
						 * for so long (seconds) */
	REVOKE_NOTE_LEN		= 128,
};

/* What one source says about one certificate. */
enum revoke_status { REVOKE_UNKNOWN, REVOKE_GOOD, REVOKE_REVOKED };

struct revoke_answer {
	enum revoke_status status;
	int		 reason;	/* CRLReason (RFC 5280 5.3.1), -1: none */
	time_t		 when;		/* REVOKE_REVOKED: the revocation date */
	time_t		 until;		/* the source's nextUpdate, 0: none */
	char		 note[REVOKE_NOTE_LEN];	/* REVOKE_UNKNOWN: why */
};

/* The revocation settings of a sig_cred: CRLs, OCSP responder, policy,
 * and a small cache of OCSP answers. */
struct revoke;

enum ike_err	 revoke_new(struct revoke **out);
void		 revoke_free(struct revoke *rv);

/* revoke_crl_add adds the CRLs of p (PEM, one or more, or one DER). A CRL
 * issued in the name of an anchor of store must verify with its key (one
 * of another issuer, an intermediate CA, is checked when it is used).
 * IKE_ESYNTAX: no CRL in it; IKE_EUNSUPP: a delta CRL; IKE_EINVAL: not
 * signed by the anchor it names; IKE_ETOOBIG: past REVOKE_CRL_MAX. why
 * says which. */
enum ike_err	 revoke_crl_add(struct revoke *rv, X509_STORE *store,
		    const uint8_t *p, size_t len, char *why, size_t why_len);
/* revoke_crl_file is revoke_crl_add on the bytes of a file (IKE_EIO with
 * errno's words in why when it cannot be read). */
enum ike_err	 revoke_crl_file(struct revoke *rv, X509_STORE *store,
		    const char *path, char *why, size_t why_len);
/* revoke_ocsp_set sets the default responder (url NULL: none; http://
 * only) and whether a certificate's own AIA responder comes first.
 * IKE_EINVAL (with why) for a URL we cannot use. */
enum ike_err	 revoke_ocsp_set(struct revoke *rv, const char *url, bool aia,
		    char *why, size_t why_len);
void		 revoke_policy_set(struct revoke *rv, enum sig_revocation pol);
/* revoke_has_source: a CRL, an OCSP URL or --ocsp-aia is set. */
bool		 revoke_has_source(const struct revoke *rv);

/* revoke_crl_status says what rv's CRLs from cert's issuer say about it
 * at now: REVOKED if one lists it (even an expired one), GOOD if a current
 * one does not, else UNKNOWN with the note (expired, not yet valid, bad
 * signature). It returns whether any CRL from that issuer is held. */
bool		 revoke_crl_status(const struct revoke *rv, X509 *cert,
		    X509 *issuer, time_t now, struct revoke_answer *out);

/* revoke_ocsp_request makes an OCSP request for cert (SHA-1 CertID) with a
 * nonce; *out_id is its CertID (free both). */
enum ike_err	 revoke_ocsp_request(X509 *cert, X509 *issuer,
		    OCSP_REQUEST **out_req, OCSP_CERTID **out_id);
/* revoke_ocsp_answer reads resp to req: it must be successful, echo the
 * nonce if it has one, be signed by the certificate's issuer or by a
 * certificate it issued for OCSP signing (chained to store; certs helps
 * find them), answer for id, and be current at now (thisUpdate, nextUpdate,
 * REVOKE_SKEW). Anything else is UNKNOWN with the reason in out->note. */
void		 revoke_ocsp_answer(OCSP_REQUEST *req, OCSP_CERTID *id,
		    OCSP_RESPONSE *resp, X509_STORE *store, STACK_OF(X509) *certs,
		    time_t now, struct revoke_answer *out);

/* revoke_verdict: whether a certificate with status st passes policy pol,
 * had_source saying whether a CRL or an OCSP responder was there for it. */
bool		 revoke_verdict(enum sig_revocation pol, enum revoke_status st,
		    bool had_source);

/* revoke_chain checks each certificate of a verified chain (end entity
 * first) but the anchor at its end: OCSP for the end entity when set, then
 * the CRLs. IKE_EAUTH with why ("peer certificate CN=x: revoked (reason,
 * date) by CRL") when one is revoked or, as the policy says, of unknown
 * status. */
enum ike_err	 revoke_chain(struct revoke *rv, X509_STORE *store,
		    STACK_OF(X509) *chain, time_t now, char *why, size_t why_len);

#endif
