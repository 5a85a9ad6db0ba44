/* SPDX-License-Identifier: ISC */
/* MOBIKE (RFC 4555): the INFORMATIONAL exchange that moves an IKE SA to other addresses, both roles, bytes in and bytes out. */
#ifndef IKEKIT_EXCHANGE_MOBIKE_H
#define IKEKIT_EXCHANGE_MOBIKE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"
#include "exchange/xchg.h"

enum {
	MOBIKE_COOKIE2_LEN	= 16,	/* what we send */
	MOBIKE_COOKIE2_MIN	= 8,	/* what we take (RFC 4555 3.7) */
	MOBIKE_COOKIE2_MAX	= 64,
};

/* The addresses and ports an IKE datagram goes between, ours first:
 * what the NAT detection hashes cover (RFC 7296 2.23). */
struct mobike_path {
	int		 af;		/* AF_INET or AF_INET6 */
	uint8_t		 local[16], remote[16];
	uint16_t	 lport, rport;
};

/*
 * Our move, as the original initiator (RFC 4555 3.5).
 *
 * mobike_update_create writes SK{ N(UPDATE_SA_ADDRESSES),
 * N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP),
 * N(COOKIE2) } with our next message ID (u->msgid), the hashes over the
 * new path u->path (the source one never matching with u->fake_natd, so
 * that the peer keeps UDP encapsulation) and a fresh random COOKIE2
 * (u->cookie2). IKE_EINVAL unless sa is established with MOBIKE.
 *
 * mobike_update_consume reads the answer: IKE_ESYNTAX for another message
 * and IKE_EINTEG for one that does not decrypt (keep waiting); else the
 * exchange is over and our counter past it: IKE_EREFUSED with
 * sa->peer_notify for an error Notify (UNACCEPTABLE_ADDRESSES,
 * UNEXPECTED_NAT_DETECTED...), IKE_EPROTO when COOKIE2 is missing or not
 * ours, or IKE_OK with u->nat_local and u->nat_remote as the peer's NAT
 * detection shows them (no NAT detection: none).
 */
struct mobike_update {
	struct mobike_path path;	/* the new one */
	bool		 fake_natd;
	uint32_t	 msgid;
	uint8_t		 cookie2[MOBIKE_COOKIE2_LEN];
	bool		 nat_local, nat_remote;
};

enum ike_err	 mobike_update_create(struct ike_sa *sa, struct mobike_update *u,
		    struct wr *out);
enum ike_err	 mobike_update_consume(struct ike_sa *sa,
		    struct mobike_update *u, struct rd in);

/*
 * The peer's MOBIKE request, as responder of the exchange.
 *
 * mobike_respond looks at the peer's INFORMATIONAL request in, received on
 * path p (p->remote: where it came from). When it carries none of RFC
 * 4555's notifies (UPDATE_SA_ADDRESSES, COOKIE2, NAT_DETECTION_*,
 * ADDITIONAL_*_ADDRESS, NO_ADDITIONAL_ADDRESSES) it returns IKE_OK with
 * r->mobike false and out empty, the counter untouched: an ordinary
 * INFORMATIONAL for info_respond. Otherwise it answers SK{ [N(NAT_DETECTION_SOURCE_IP)
 * N(NAT_DETECTION_DESTINATION_IP)] [N(COOKIE2)] } (NAT detection when the
 * request had it, over p, the source hash faked with fake_natd; COOKIE2
 * echoed), moves the peer's counter, and fills r: r->update for
 * UPDATE_SA_ADDRESSES (the caller moves the SA to p only then, and only
 * after this check: the request decrypted, so it is authentic, and it is
 * the peer's next message ID, not an older one), r->nat_local and
 * r->nat_remote from its hashes. Errors as info_respond's (out empty,
 * nothing answered). IKE_EINVAL when sa is not established with MOBIKE.
 *
 * A request that verified and is the peer's next one, but whose notifies
 * are malformed (two COOKIE2, a COOKIE2 shorter than 8 or longer than 64
 * bytes, NAT detection data of another size than 20, a Notify that does
 * not parse), is answered SK{ N(INVALID_SYNTAX) } (RFC 7296 3.10.1: an
 * authenticated request is answered, not dropped): IKE_ESYNTAX with out
 * filled, the counter moved, r->mobike and r->invalid set, nothing else
 * in r (no update).
 *
 * mobike_info_respond is mobike_respond with the request decrypted once:
 * one that is no MOBIKE request is answered as info_respond_pairs answers
 * it, with req filled (r->mobike false). IKE_EINVAL when sa is not
 * established (MOBIKE or not).
 */
struct mobike_req {
	bool		 mobike;	/* a MOBIKE request: answered here */
	bool		 update;	/* N(UPDATE_SA_ADDRESSES) */
	bool		 natd;		/* it had NAT detection */
	bool		 nat_local, nat_remote;
	bool		 invalid;	/* answered N(INVALID_SYNTAX) */
};

enum ike_err	 mobike_respond(struct ike_sa *sa, struct rd in,
		    const struct mobike_path *p, bool fake_natd, struct wr *out,
		    struct mobike_req *r);
enum ike_err	 mobike_info_respond(struct ike_sa *sa, struct rd in,
		    const struct mobike_path *p, bool fake_natd, struct wr *out,
		    struct mobike_req *r, struct info_req *req,
		    const struct child_pair *pairs, size_t n_pairs);

/*
 * The return routability check (RFC 4555 3.5) of the peer's new address,
 * sent by the side that answered its UPDATE_SA_ADDRESSES before it moves
 * the SA there.
 *
 * mobike_check_create writes SK{ N(COOKIE2) }, an INFORMATIONAL request
 * with our next message ID (c->msgid; the caller reserves it) and a fresh
 * random COOKIE2 (c->cookie2). IKE_EINVAL unless sa is established with
 * MOBIKE.
 *
 * mobike_check_consume reads the answer as mobike_update_consume does:
 * IKE_ESYNTAX for another message, IKE_EINTEG for one that does not
 * decrypt (keep waiting); else our counter is past c->msgid and the result
 * is IKE_OK when it echoes c->cookie2 (the peer is reachable there),
 * IKE_EREFUSED (sa->peer_notify) for an error Notify, IKE_EPROTO for
 * another or no COOKIE2 or malformed notifies.
 */
struct mobike_check {
	uint32_t	 msgid;
	uint8_t		 cookie2[MOBIKE_COOKIE2_LEN];
};

enum ike_err	 mobike_check_create(struct ike_sa *sa, struct mobike_check *c,
		    struct wr *out);
enum ike_err	 mobike_check_consume(struct ike_sa *sa,
		    const struct mobike_check *c, struct rd in);

/*
 * Shared by info.c and mobike.c (exchange/ only; their place is
 * exchange/internal.h).
 *
 * info_open checks in's header against sa (its SPIs, INFORMATIONAL,
 * a response or a request as response says, message ID msgid) before it
 * decrypts its SK payload into pt (cap bytes, *pt_len, *first as sk_open):
 * IKE_ESYNTAX for another message, sk_open's errors.
 *
 * info_answer answers the peer's INFORMATIONAL request whose decrypted
 * inner payloads are pt (pt_len bytes from first) as info_respond_pairs
 * does, once it was opened.
 */
enum ike_err	 info_open(const struct ike_sa *sa, struct rd in, bool response,
		    uint32_t msgid, uint8_t *pt, size_t cap, size_t *pt_len,
		    uint8_t *first);
enum ike_err	 info_answer(struct ike_sa *sa, const uint8_t *pt,
		    size_t pt_len, uint8_t first, struct wr *out,
		    struct info_req *req, const struct child_pair *pairs,
		    size_t n_pairs);

/* mobike_record writes the path p (and nat) to ike.sa of l's SA as
 * local=, remote= and nat=, dropping the keys of drop (NULL-terminated, or
 * NULL) in the same atomic update, then the Child SA files' local= and
 * remote=: what a move changes (ike-state(5)). sd_update's errors (errno
 * set); ike.sa is then as it was. */
struct sd_lock;
enum ike_err	 mobike_record(struct sd_lock *l, const struct mobike_path *p,
		    bool nat, const char *const *drop);

/* mobike_natd computes the NAT detection hash of sa's SPIs with addr and
 * port (RFC 7296 2.23): SHA-1(SPIi | SPIr | IP | Port). */
enum ike_err	 mobike_natd(const struct ike_sa *sa, int af,
		    const uint8_t *addr, uint16_t port, uint8_t out[20]);

#endif
