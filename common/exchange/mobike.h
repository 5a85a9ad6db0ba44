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
 * r->nat_remote from its hashes. Errors as info_respond's; IKE_ESYNTAX
 * also for a COOKIE2 of a bad length. IKE_EINVAL when sa is not
 * established with MOBIKE. IKE_ESYNTAX also for a second COOKIE2.
 */
struct mobike_req {
	bool		 mobike;	/* a MOBIKE request: answered here */
	bool		 update;	/* N(UPDATE_SA_ADDRESSES) */
	bool		 natd;		/* it had NAT detection */
	bool		 nat_local, nat_remote;
};

enum ike_err	 mobike_respond(struct ike_sa *sa, struct rd in,
		    const struct mobike_path *p, bool fake_natd, struct wr *out,
		    struct mobike_req *r);

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
