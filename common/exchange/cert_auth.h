/* SPDX-License-Identifier: ISC */
/* Certificate AUTH for exchange/ only (RFC 7296 2.15, 3.6, 3.7; RFC 7427): what ike_auth.c and sa_init.c call when cfg->cred is set. */
#ifndef IKEKIT_EXCHANGE_CERT_AUTH_H
#define IKEKIT_EXCHANGE_CERT_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"
#include "codec/auth_pld.h"
#include "codec/chain.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"

/* cert_init_put adds N(SIGNATURE_HASH_ALGORITHMS) (RFC 7427 4) to an
 * IKE_SA_INIT message, and for the responder CERTREQ with the SHA-1 hashes
 * of cfg->cred's anchors (RFC 7296 3.7). Nothing without cfg->cred. */
void		 cert_init_put(const struct ike_sa *sa, const struct xchg_cfg *cfg,
		    struct chain *c, struct wr *w);

/* cert_id_auth adds our ID (type IDi or IDr), CERT for each certificate of
 * our chain, CERTREQ (initiator), IDr naming the peer when idr is not NULL,
 * and AUTH: our signature over our signed octets, with the hash the peer
 * announced (sa->peer_hash_algs). */
enum ike_err	 cert_id_auth(struct ike_sa *sa, const struct xchg_cfg *cfg,
		    struct skb *b, uint8_t type, const struct ike_id *idr);

/* cert_check checks the peer: its end-entity certificate (certs[0], the
 * rest intermediates) chains to one of cfg->cred's anchors, names the ID of
 * id_body (its payload body), its key verifies auth over the peer's
 * signed octets, and then that no certificate of its chain is revoked (as
 * cfg->cred's revocation settings say; this may wait for an OCSP
 * responder). IKE_EAUTH (or IKE_EUNSUPP, IKE_ESYNTAX) with the reason in
 * sa->auth_why. */
enum ike_err	 cert_check(struct ike_sa *sa, const struct xchg_cfg *cfg,
		    const struct auth_pld *auth, struct rd id_body,
		    const struct rd *certs, size_t n_certs);

#endif
