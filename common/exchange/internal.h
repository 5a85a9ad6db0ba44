/* SPDX-License-Identifier: ISC */
/* Helpers shared by the files of exchange/ only: state changes, SK messages, NAT-D, Child SA. */
#ifndef IKEKIT_EXCHANGE_INTERNAL_H
#define IKEKIT_EXCHANGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"
#include "codec/auth_pld.h"
#include "codec/chain.h"
#include "codec/cp.h"
#include "codec/eap.h"
#include "codec/id.h"
#include "codec/msg.h"
#include "crypto/sig.h"
#include "exchange/xchg.h"

/* xchg_set moves sa to state s, logging "old -> new" at debug level. */
void		 xchg_set(struct ike_sa *sa, enum ike_sa_state s);

/* The inner payloads of an SK message being built: a plaintext buffer whose
 * byte 0 receives the first payload's type. */
struct skb {
	uint8_t		 buf[XCHG_OUT_MAX];
	struct wr	 w;
	struct chain	 c;
};

/* skb_init starts an empty inner chain in b. */
void		 skb_init(struct skb *b);
/* skb_seal closes b's chain and writes HDR, SK{ b } to out, encrypted with
 * the keys of the direction sa's role sends; it wipes b. */
enum ike_err	 skb_seal(const struct ike_sa *sa, struct skb *b, uint8_t exch,
		    bool response, uint32_t msgid, struct wr *out);
/* sk_dir sets c to the keys of messages sent by the original initiator
 * (from_i) or by the responder. */
struct sk_cipher;
void		 sk_dir(const struct ike_sa *sa, bool from_i, struct sk_cipher *c);
/* sk_open parses in into m and decrypts its SK payload (sent by the peer)
 * into pt (cap bytes), setting *pt_len and *first (the first inner type).
 * IKE_ESYNTAX if there is no SK payload, IKE_EUNSUPP for SKF fragments,
 * sk_decrypt's errors. */
enum ike_err	 sk_open(const struct ike_sa *sa, struct rd in, struct ike_msg *m,
		    uint8_t *pt, size_t cap, size_t *pt_len, uint8_t *first);

/* natd_hash computes SHA-1(SPIi | SPIr | IP | Port) (RFC 7296 2.23). */
enum ike_err	 natd_hash(uint64_t ispi, uint64_t rspi, int af,
		    const uint8_t *addr, uint16_t port, uint8_t out[NATD_HASH_LEN]);

/* hdr_init fills h for a message of sa: SPIs, version 2.0, I and R flags. */
void		 xchg_hdr(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exch,
		    bool response, uint32_t msgid, uint8_t next);

/* child_offer copies cfg's ESP proposals, without DH, with spi (ours). */
void		 child_offer(struct sa_pld *out, const struct xchg_cfg *cfg,
		    uint32_t spi);
/* child_derive takes the chosen ESP proposal and the peer's SPI into
 * sa->child and derives its keys: KEYMAT = prf+(SK_d, Ni | Nr). */
enum ike_err	 child_derive(struct ike_sa *sa, const struct sa_prop *chosen);
/* ts_within returns whether every selector of t lies inside one of allowed
 * (an empty allowed allows anything). */
bool		 ts_within(const struct ts_pld *t, const struct ts_pld *allowed);

/* ts_narrow writes to out the parts of t's selectors that lie within one of
 * allowed (all of t when allowed is empty); false when nothing is left. */
bool		 ts_narrow(const struct ts_pld *t, const struct ts_pld *allowed,
		    struct ts_pld *out);

/* ccsa_refuse answers the peer's CREATE_CHILD_SA request with SK{ N(type) }
 * (group: INVALID_KE_PAYLOAD's data; spi: CHILD_SA_NOT_FOUND's SPI; 0 for
 * none) at its message ID, and moves the counter. */
enum ike_err	 ccsa_refuse(struct ike_sa *sa, uint16_t type, uint16_t group,
		    uint32_t spi, struct wr *out);
/* ccsa_seal writes b as our response to the peer's CREATE_CHILD_SA request
 * and moves the counter. */
enum ike_err	 ccsa_seal(struct ike_sa *sa, struct skb *b, struct wr *out);

/* What an IKE_AUTH message carries (inside SK) that we look at. */
struct auth_msg {
	struct ike_hdr	 hdr;
	struct rd	 idi, idr;	/* whole ID bodies (RestOfIDPayload) */
	struct id_pld	 idi_p, idr_p;
	struct auth_pld	 auth;
	struct sa_pld	 sa;
	struct ts_pld	 tsi, tsr;
	struct cp_pld	 cp;
	struct eap_pld	 eap;
	bool		 has_idi, has_idr, has_auth, has_sa, has_tsi, has_tsr;
	bool		 has_cp, has_eap;
	bool		 mobike;	/* N(MOBIKE_SUPPORTED) */
	uint16_t	 error;		/* first error Notify */
	struct rd	 certs[SIG_CERTS_MAX];	/* X.509 CERT data, in order */
	size_t		 n_certs;
	unsigned	 bad_n;		/* auth_inner's error: which payload */
	uint8_t		 bad_type;
};


/* auth_parse_msg decrypts the IKE_AUTH message in into pt (cap bytes) and
 * collects its inner payloads into out (views into pt): sk_open's errors,
 * IKE_ESYNTAX for another exchange, the payload parsers' errors. */
enum ike_err	 auth_parse_msg(const struct ike_sa *sa, struct rd in, uint8_t *pt,
		    size_t cap, struct auth_msg *out);

/*
 * EAP in IKE_AUTH (eap_auth.c), called by ike_auth.c.
 *
 * eap_put_auth adds AUTH to b: ours over our ID with the MSK as the shared
 * secret, or SK_pi / SK_pr for a method with no MSK (RFC 7296 2.16).
 * eap_check_auth checks the peer's, over its ID body id (IKE_EAUTH).
 *
 * Initiator: eap_first reads the EAP payload of the first IKE_AUTH
 * response (whose IDr and AUTH were checked) and moves to SA_EAP;
 * eap_create writes the next request, SK{ EAP } or, after EAP-Success,
 * SK{ AUTH }; eap_consume reads the answer to an SK{ EAP } request
 * (auth_consume reads the one to SK{ AUTH }).
 *
 * Responder: eap_start keeps the first request in (no AUTH: the peer
 * asks for EAP) and adds EAP(Request/Identity) to the answer b;
 * eap_respond answers a later request m: SK{ EAP } to out (IKE_OK, or
 * IKE_EAUTH after EAP-Failure), or with *done, out untouched, an AUTH
 * after EAP-Success that auth_respond checks with the first request.
 */
enum ike_err	 eap_put_auth(const struct ike_sa *sa, struct skb *b);
/* eap_put_id adds IDi, CERTREQ naming cfg->cred's anchors and IDr when
 * idr is not NULL: the first request of an initiator using EAP. */
enum ike_err	 eap_put_id(struct ike_sa *sa, const struct xchg_cfg *cfg,
		    struct skb *b, const struct ike_id *idr);
enum ike_err	 eap_check_auth(struct ike_sa *sa, const struct auth_pld *auth,
		    struct rd id);
enum ike_err	 eap_first(struct ike_sa *sa, const struct xchg_cfg *cfg,
		    const struct auth_msg *m);
enum ike_err	 eap_create(struct ike_sa *sa, const struct xchg_cfg *cfg,
		    struct wr *out);
enum ike_err	 eap_consume(struct ike_sa *sa, const struct xchg_cfg *cfg,
		    struct rd in);
enum ike_err	 eap_start(struct ike_sa *sa, const struct xchg_cfg *cfg,
		    struct rd in, struct skb *b);
enum ike_err	 eap_respond(struct ike_sa *sa, const struct xchg_cfg *cfg,
		    const struct auth_msg *m, struct wr *out, bool *done);
/* eap_end keeps st's phase in sa->eap.phase, then wipes and frees st
 * (xchg_set calls it when IKE_AUTH ends, ike_sa_wipe always). */
void		 eap_end(struct ike_sa *sa);

/* What the EAP server (eap_server.c) and peer (eap_peer.c) share. */

/* MS-CHAPv2 in EAP (draft-kamath-pppext-eap-mschapv2-02): OpCodes, sizes. */
enum {
	MS_CHALLENGE	= 1,
	MS_RESPONSE	= 2,
	MS_SUCCESS	= 3,
	MS_FAILURE	= 4,
	MS_VALUE_LEN	= 49,	/* Peer-Challenge, 8 reserved, NT-Response, Flags */
};

struct eap_state;
/* eap_out writes one EAP message into st->out (eap_auth.c); st->out_len
 * is 0 if it does not fit. */
void		 eap_out(struct eap_state *st, uint8_t code, uint8_t id,
		    uint8_t type, const uint8_t *data, size_t len);
/* ms_user returns the user name MS-CHAPv2 hashes: without a "DOMAIN\"
 * prefix (RFC 2759 4). */
const char	*ms_user(const char *name);

/* pt_wipe wipes what decrypting a message of len bytes wrote to pt (cap
 * bytes): its plaintext and padding are shorter than the message. */
void		 pt_wipe(uint8_t *pt, size_t cap, size_t len);

#endif
