/* SPDX-License-Identifier: ISC */
/* Simultaneous rekeys and other exchange collisions (RFC 7296 2.8.1, 2.8.2, 2.25). */
#ifndef IKEKIT_EXCHANGE_COLLIDE_H
#define IKEKIT_EXCHANGE_COLLIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exchange/record.h"
#include "exchange/xchg.h"
#include "sa/statedir.h"

/*
 * When both ends rekey the same SA at once, each answers the other's
 * request as usual and two new SAs come up where one is wanted. The one
 * whose exchange used the lowest of the four nonces is redundant; the end
 * that initiated that exchange deletes it, and the end that initiated the
 * surviving one deletes the SA both replaced (RFC 7296 2.8.1, 2.8.2).
 * Nonces are compared as octet strings over the shorter length, the
 * shorter one being the lower when one is a prefix of the other.
 *
 * What lets the program that gets the answer to our request see the
 * other exchange, which esp-tun answered: the file of the SA the peer's
 * rekey made holds the lower of that exchange's two nonces, rekey_nonce,
 * and what it replaced: peer_rekey_of=NAME in a Child SA's file,
 * rekeyed_ispi and rekeyed_rspi in ike.sa (ike-state(5)).
 */

/* collide_nonce_cmp orders two nonces: <0, 0 or >0 as a is lower, the
 * same, or higher than b. */
int	 collide_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b,
	    size_t blen);

/* collide_lower points *lo at the lower of one exchange's two nonces. */
void	 collide_lower(const uint8_t *ni, size_t ni_len, const uint8_t *nr,
	    size_t nr_len, const uint8_t **lo, size_t *lo_len);

/* collide_lost: whether the SA of our exchange (nonces ni, nr) is the
 * redundant one against the other exchange whose lower nonce is theirs:
 * ours holds the lowest of the four. */
bool	 collide_lost(const uint8_t *ni, size_t ni_len, const uint8_t *nr,
	    size_t nr_len, const uint8_t *theirs, size_t theirs_len);

/* What the peer's CREATE_CHILD_SA request asks for. */
enum collide_req {
	COLLIDE_REQ_CHILD,		/* a new Child SA */
	COLLIDE_REQ_REKEY_CHILD,	/* a rekey of a Child SA */
	COLLIDE_REQ_REKEY_IKE,		/* a rekey of the IKE SA */
};

/* collide_refusal is the Notify that answers the peer's request theirs
 * while our request ours (the journal's, spi its pending_spi) is out, or
 * 0 to answer it as usual (RFC 7296 2.25): TEMPORARY_FAILURE for a rekey
 * of the Child SA we are deleting (their_spi_in: our inbound SPI of the
 * Child SA it rekeys, 0 if none), for a rekey of the IKE SA we are
 * deleting, and for a new or rekeyed Child SA while we rekey the IKE SA.
 * A rekey of what we rekey ourselves is answered (2.8.1, 2.8.2). */
uint16_t collide_refusal(enum collide_req theirs, uint32_t their_spi_in,
	    enum pending_what ours, uint32_t spi);

/* collide_crossing is the Notify that answers the peer's CREATE_CHILD_SA
 * request in on sa while the request of ours journaled in ike.sa of l is
 * out (collide_refusal), or 0; pairs (n of them) are sa's Child SAs, to
 * find the one a rekey names. *ours: the journal's kind, PENDING_NONE
 * without one or when in does not decrypt. */
uint16_t collide_crossing(struct sd_lock *l, const struct ike_sa *sa,
	    struct rd in, const struct child_pair *pairs, size_t n,
	    enum pending_what *ours);

/* ccsa_peek decrypts the peer's CREATE_CHILD_SA request in on sa and says
 * what it asks for, and for a Child SA rekey the REKEY_SA SPI (our
 * outbound SPI of that SA); sa is unchanged. IKE_EINTEG when it does not
 * decrypt, IKE_ESYNTAX when it is no such request (ccsa_respond answers
 * it as it does). */
enum ike_err	 ccsa_peek(const struct ike_sa *sa, struct rd in,
		    enum collide_req *kind, uint32_t *rekey_spi);

/* collide_refuse answers the peer's request (sa's next one from the peer)
 * with the error Notify type, as ccsa_respond refuses one. */
enum ike_err	 collide_refuse(struct ike_sa *sa, uint16_t type,
		    struct wr *out);

/* collide_child_record appends to b the lines of the Child SA file that
 * the peer's rekey of old made (c: that exchange): peer_rekey_of=old and
 * rekey_nonce. */
void	 collide_child_record(struct kvbuf *b, const char *old,
	    const struct ccsa *c);

/* collide_ike_record appends to b the lines of ike.sa that the peer's
 * rekey of old into nsa adds: rekeyed_ispi, rekeyed_rspi, rekey_nonce. */
void	 collide_ike_record(struct kvbuf *b, const struct ike_sa *old,
	    const struct ike_sa *nsa);

/* The keys collide_ike_record writes: ike.sa drops them when the IKE SA
 * changes otherwise (NULL-terminated). */
extern const char *const collide_ike_keys[];

enum collide_verdict {
	COLLIDE_NONE,		/* no collision */
	COLLIDE_WON,		/* ours survives; we delete what it replaced */
	COLLIDE_LOST,		/* ours is redundant: we delete it */
	COLLIDE_MOVED,		/* the SA changed some other way */
};

/* collide_child_check looks in l, once our rekey of the Child SA old is
 * answered (c: our exchange), for a Child SA that the peer made by
 * rekeying old meanwhile: COLLIDE_NONE, or COLLIDE_WON or COLLIDE_LOST
 * with its name in theirs (n bytes). *old_gone: old's file is gone (the
 * peer deleted it). */
enum collide_verdict collide_child_check(struct sd_lock *l, const char *old,
	    const struct ccsa *c, char *theirs, size_t n, bool *old_gone);

/* collide_child_check_lo is collide_child_check knowing only the lower of
 * our exchange's nonces, lo (as our new Child SA's file keeps it). */
enum collide_verdict collide_child_check_lo(struct sd_lock *l,
	    const char *old, const uint8_t *lo, size_t lo_len, char *theirs,
	    size_t n, bool *old_gone);

/* collide_ike_check says, from ike.sa of l as cur holds it (ike_sa_load),
 * whether our rekey of old into nsa met the peer's rekey of old: ike.sa
 * still old, COLLIDE_NONE; ike.sa holding the peer's SA made from old
 * (rekeyed_ispi, rekeyed_rspi, rekey_nonce), COLLIDE_WON or COLLIDE_LOST;
 * else COLLIDE_MOVED. */
enum collide_verdict collide_ike_check(struct sd_lock *l,
	    const struct ike_sa *cur, const struct ike_sa *old,
	    const struct ike_sa *nsa);

#endif
