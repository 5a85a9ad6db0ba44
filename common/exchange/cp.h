/* SPDX-License-Identifier: ISC */
/* Virtual IPs over the Configuration payload (RFC 7296 2.19, 3.15): requests, pools, leases, replies. */
#ifndef IKEKIT_EXCHANGE_CP_H
#define IKEKIT_EXCHANGE_CP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"
#include "codec/chain.h"
#include "codec/cp.h"
#include "codec/ts.h"

enum {
	CP_DNS_MAX	= 4,
	CP_POOL_MAX	= 65536,	/* addresses a pool hands out at most */
	VIP_REQ_4	= 1,		/* xchg_cfg.vip_req: ask for an IPv4 address */
	VIP_REQ_6	= 2,		/* and for an IPv6 one */
	CP_OWNER_LEN	= 16,		/* a digest of the identity of a lease */
};

/* One address: ours from a pool (responder, index set) or the peer's
 * answer (initiator). fam is 4 or 6 (0: none). */
struct cp_addr {
	uint8_t		 fam;
	uint8_t		 prefix;	/* of the pool (or the reply's mask/prefix) */
	uint8_t		 addr[16];
	uint32_t	 index;		/* responder: the lease in its pool */
};

/* What CP gave one IKE SA: [0] IPv4, [1] IPv6 addresses, and DNS servers. */
struct cp_vip {
	struct cp_addr	 addr[2];
	bool		 mask;		/* responder: INTERNAL_IP4_NETMASK asked for */
	uint8_t		 n_dns;
	struct cp_addr	 dns[CP_DNS_MAX];
};

/* A pool of addresses, next-fit so a released address is handed out again
 * only after the others. The network and broadcast addresses of IPv4
 * prefixes up to /30 are left out, as strongSwan does. Each address
 * remembers the identity that held it last (owner): that identity gets it
 * again while it is free, and others get it only when no address that
 * nobody held is left. */
struct cp_pool {
	uint8_t		 fam;		/* 0: no pool */
	uint8_t		 prefix;
	uint8_t		 base[16];	/* the first address handed out */
	uint32_t	 size, next, n_used;
	uint8_t		*used;		/* bitmap of size bits */
	uint8_t		(*owner)[CP_OWNER_LEN];	/* size digests (all zero:
					 * nobody), made on first use */
};

/* The responder's CP configuration: one pool per family, DNS servers. */
struct cp_cfg {
	struct cp_pool	 pool[2];	/* [0] IPv4, [1] IPv6 */
	uint8_t		 n_dns;
	struct cp_addr	 dns[CP_DNS_MAX];
};

/* cp_pool_parse reads "ADDR/PREFIX" into the pool of its family in c
 * (allocating its bitmap). IKE_EINVAL with a message in err: not a prefix,
 * host bits set, no address left, or that family's pool given twice. */
enum ike_err	 cp_pool_parse(struct cp_cfg *c, const char *s, char *err,
		    size_t errlen);
/* cp_dns_add reads an IPv4 or IPv6 address into c's DNS list; IKE_EINVAL if
 * it is not one or the list is full. */
enum ike_err	 cp_dns_add(struct cp_cfg *c, const char *s);
/* cp_cfg_free frees the pools' bitmaps. */
void		 cp_cfg_free(struct cp_cfg *c);

/* cp_lease_release gives v's pool addresses back to c (NULL c: nothing to
 * do) and clears them from v. */
void		 cp_lease_release(struct cp_cfg *c, struct cp_vip *v);

/* cp_lease_mark marks the addresses of list (vip= of ike.sa: "10.3.7.1",
 * "10.3.7.1,fd00::1") leased in c's pools, as a restarted responder takes
 * back the leases of the SAs its state directory still has, and records
 * them in out (for cp_lease_release). Addresses outside the pools or
 * already leased are skipped. Returns how many were marked, -1 when list
 * is not a list of addresses. */
int		 cp_lease_mark(struct cp_cfg *c, const char *list,
		    struct cp_vip *out);
/* cp_lease_mark_id is cp_lease_mark for the SA of identity who (its ID as
 * ike_id_format writes it; NULL: none), who then owns those addresses. */
int		 cp_lease_mark_id(struct cp_cfg *c, const char *list,
		    const char *who, struct cp_vip *out);

/* cp_addr_format writes a's address ("10.3.7.1", "fd00::1") to buf. */
void		 cp_addr_format(const struct cp_addr *a, char *buf, size_t n);

/* cp_request_put adds CP(CFG_REQUEST) asking for the families in vip_req
 * (VIP_REQ_*) and their DNS servers to chain c over w. */
void		 cp_request_put(struct chain *c, struct wr *w, uint8_t vip_req);

/* cp_reply_read records the addresses and DNS servers of a CFG_REPLY in
 * out; other CFG types and attributes are ignored. */
void		 cp_reply_read(const struct cp_pld *cp, struct cp_vip *out);

/* cp_assign answers a CFG_REQUEST: for each address family asked for whose
 * pool c has, it leases an address into out, and out->dns gets c's DNS
 * servers of the families asked for. IKE_EREFUSED (send
 * INTERNAL_ADDRESS_FAILURE, RFC 7296 3.15.4) when an address was asked for
 * and none could be given: no pool of any family asked for, or the pools
 * are exhausted; what was leased is in out either way. Families without a
 * pool are ignored when another was given. */
enum ike_err	 cp_assign(struct cp_cfg *c, const struct cp_pld *req,
		    struct cp_vip *out);
/* cp_assign_id is cp_assign for the peer of identity who (its ID as
 * ike_id_format writes it; NULL: anonymous): the address it held last is
 * given again when free, and who owns what it gets. */
enum ike_err	 cp_assign_id(struct cp_cfg *c, const struct cp_pld *req,
		    struct cp_vip *out, const char *who);

/* cp_wants_addr returns whether req asks for an address. */
bool		 cp_wants_addr(const struct cp_pld *req);

/* cp_reply_put adds CP(CFG_REPLY) with v's addresses (IPv4: address and
 * netmask when asked for; IPv6: address | prefix) and DNS servers to
 * chain c over w. */
void		 cp_reply_put(struct chain *c, struct wr *w, const struct cp_vip *v);

/* cp_vip_ts writes to out one selector per address of v (ADDR/32, ADDR/128,
 * any protocol and port): what TSi is narrowed to. */
void		 cp_vip_ts(const struct cp_vip *v, struct ts_pld *out);

#endif
