/* SPDX-License-Identifier: ISC */
/* What ike.sa changes to when its IKE SA is rekeyed (RFC 7296 2.18), whoever rekeyed it. */
#include <stddef.h>

#include "sa/statedir.h"
#include "exchange/record.h"
#include "exchange/xchg.h"

const char *const ike_rekey_drop[] = {
	/* our request in flight and our last answer were of the old SA */
	"pending_msgid", "pending_what", "pending_spi", "pending_req",
	"pending_ike_spi", "pending_ni", "pending_group", "pending_dh_priv",
	"last_resp",
	/* what the peer's rekey of the old SA left for a collision
	 * (collide.h): not of the new one */
	"rekeyed_ispi", "rekeyed_rspi", "rekey_nonce", NULL,
};

void
ike_rekey_record(struct kvbuf *b, const struct ike_sa *nsa)
{
	kv_str(b, "role", nsa->role == ROLE_INITIATOR ? "initiator" :
	    "responder");
	kv_spi64(b, "ispi", nsa->ispi);
	kv_spi64(b, "rspi", nsa->rspi);
	suite_record(b, &nsa->suite);
	sk_record(b, &nsa->keys);
	msgid_record(b, nsa);
}
