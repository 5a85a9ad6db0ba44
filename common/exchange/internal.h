/* SPDX-License-Identifier: ISC */
/* Helpers shared by the files of exchange/ only: state changes, SK messages, NAT-D, Child SA. */
#ifndef IKEKIT_EXCHANGE_INTERNAL_H
#define IKEKIT_EXCHANGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"
#include "codec/chain.h"
#include "codec/msg.h"
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

#endif
