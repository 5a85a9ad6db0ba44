/* SPDX-License-Identifier: ISC */
/* One end's exchange configuration for the in-memory handshake tests (AES-GCM, X25519, IPv4). */
#ifndef IKEKIT_TESTS_UNIT_XCHG_CFG_H
#define IKEKIT_TESTS_UNIT_XCHG_CFG_H

#include <arpa/inet.h>
#include <sys/socket.h>

#include "exchange/xchg.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"

/* cfg sets c for the end at me talking to peer, its selectors tl and tr. */
static inline int
cfg(struct xchg_cfg *c, const char *me, const char *peer, const char *tl,
    const char *tr)
{
	char	 err[PROPOSAL_ERR_MAX];

	c->af = AF_INET;
	inet_pton(AF_INET, me, c->local_addr);
	inet_pton(AF_INET, peer, c->peer_addr);
	c->local_port = c->peer_port = 500;
	return proposal_parse(&c->ike, IKEV2_PROTO_IKE, "aes256gcm16-prfsha256-x25519",
	    err, sizeof(err)) == IKE_OK &&
	    proposal_parse(&c->esp, IKEV2_PROTO_ESP, "aes256gcm16", err,
	    sizeof(err)) == IKE_OK &&
	    ike_id_parse(&c->local_id, me) == IKE_OK &&
	    ts_parse_list(&c->ts_local, tl, err, sizeof(err)) == IKE_OK &&
	    ts_parse_list(&c->ts_remote, tr, err, sizeof(err)) == IKE_OK;
}


#endif
