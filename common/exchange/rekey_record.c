/* SPDX-License-Identifier: ISC */
/* What ike.sa changes to when its IKE SA is rekeyed (RFC 7296 2.18), whoever rekeyed it. */
#include <stddef.h>

#include "names/ikev2.h"
#include "names/names.h"
#include "sa/statedir.h"
#include "exchange/record.h"
#include "exchange/xchg.h"

static const char *
nz(const char *s)
{
	return s != NULL ? s : "UNKNOWN";
}

const char *const ike_rekey_drop[] = {
	/* our request in flight and our last answer were of the old SA */
	"pending_msgid", "pending_what", "pending_spi", "pending_req",
	"pending_ike_spi", "pending_ni", "pending_group", "pending_dh_priv",
	"last_resp", NULL,
};

void
ike_rekey_record(struct kvbuf *b, const struct ike_sa *nsa)
{
	const struct ike_keys	*k = &nsa->keys;

	kv_str(b, "role", nsa->role == ROLE_INITIATOR ? "initiator" :
	    "responder");
	kv_spi64(b, "ispi", nsa->ispi);
	kv_spi64(b, "rspi", nsa->rspi);
	kv_str(b, "encr", nz(ikev2_encr_name(nsa->suite.encr)));
	kv_u64(b, "encr_keybits", nsa->suite.encr_keybits);
	kv_str(b, "integ", nz(ikev2_integ_name(nsa->suite.integ)));
	kv_str(b, "prf", nz(ikev2_prf_name(nsa->suite.prf)));
	kv_str(b, "dh", nz(ikev2_dh_name(nsa->suite.dh)));
	kv_hex(b, "sk_d", k->sk_d, k->d_len);
	kv_hex(b, "sk_ai", k->sk_ai, k->a_len);
	kv_hex(b, "sk_ar", k->sk_ar, k->a_len);
	kv_hex(b, "sk_ei", k->sk_ei, k->e_len);
	kv_hex(b, "sk_er", k->sk_er, k->e_len);
	kv_hex(b, "sk_pi", k->sk_pi, k->p_len);
	kv_hex(b, "sk_pr", k->sk_pr, k->p_len);
	msgid_record(b, nsa);
}
