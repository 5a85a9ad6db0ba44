/* SPDX-License-Identifier: ISC */
/* IKE fragmentation (RFC 7383): split an SK message into SKF datagrams, collect and check the peer's. */
#ifndef IKEKIT_EXCHANGE_FRAG_H
#define IKEKIT_EXCHANGE_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"
#include "codec/sk.h"
#include "exchange/xchg.h"

enum {
	FRAG_MTU_DEFAULT = 1280,	/* as strongSwan's charon.fragment_size */
	FRAG_MTU_MIN	= 256,
	FRAG_MTU_MAX	= 65535,
	FRAG_OVERHEAD	= 128,		/* per fragment, at most: IKE, SK and
					 * SKF headers, IV, padding, ICV */
	FRAG_SET_MAX	= XCHG_OUT_MAX + SKF_MAX_FRAGS * FRAG_OVERHEAD,
					/* bytes of all fragments of one
					 * message (a driver's, static) */
	FRAG_RX_SLOTS	= 4,		/* messages being reassembled at once */
};

/* The datagrams (IKE messages, no non-ESP marker) of one message we send:
 * the message itself (n 1) or its fragments, in order. */
struct frag_set {
	size_t		 n;
	size_t		 off[SKF_MAX_FRAGS], len[SKF_MAX_FRAGS];
	uint8_t		 buf[FRAG_SET_MAX];
};

/* frag_room returns the largest IKE message that fits an IP datagram of
 * mtu bytes for af (IPv4 20 / IPv6 40 bytes, UDP 8, non-ESP marker 4 with
 * encap), or 0 if none does. */
size_t		 frag_room(unsigned mtu, int af, bool encap);

/* frag_split puts the message msg that sa sends into out. It is split into
 * SKF fragments (RFC 7383 2.5: each encrypted on its own with a fresh IV,
 * fragment 1 naming the inner first payload, same message ID) when mtu is
 * not 0 (we offered fragmentation), the peer supports it (sa->peer_frag),
 * msg is an SK message other than IKE_SA_INIT and it does not fit
 * frag_room(mtu, af, encap). Otherwise out holds msg alone. IKE_ETOOBIG
 * when more than SKF_MAX_FRAGS fragments would be needed or out is full;
 * sk_decrypt's errors if msg is not ours. */
enum ike_err	 frag_split(const struct ike_sa *sa, int af, unsigned mtu,
		    bool encap, const uint8_t *msg, size_t len,
		    struct frag_set *out);

/* One message being reassembled: (SPIs, message ID, direction). */
struct frag_rx {
	bool		 used;
	uint64_t	 ispi, rspi;
	uint32_t	 msgid;
	uint8_t		 exch, flags;
	uint64_t	 age;
	struct skf_reasm r;		/* r.buf: the decrypted fragments,
					 * malloc'd as they come (up to
					 * XCHG_OUT_MAX bytes), freed with
					 * the slot */
};

/* The reassembly state of a driver: a few messages at once, the oldest
 * dropped for a new one. Zero it to start; frag_pool_wipe at the end (it
 * frees what the slots hold; a finished message frees its own). */
struct frag_pool {
	struct frag_rx	 rx[FRAG_RX_SLOTS];
	uint64_t	 clock;
};

enum frag_res {
	FRAG_WHOLE,	/* not a fragment: process in as it is */
	FRAG_MORE,	/* a fragment, kept: wait for the others */
	FRAG_DONE,	/* the last one: the whole message is in out */
	FRAG_BAD,	/* drop it (silently: RFC 7383 2.6) */
};

/* frag_input takes a message in from sa's peer, already matched to sa by
 * the caller (SPIs, message ID). An SKF fragment is decrypted with the
 * peer's keys, its ICV checked before it is kept (RFC 7383 2.6), then
 * stored by (SPIs, message ID, direction). With the last one the
 * plaintext is joined and written to out as one SK message (header as the
 * fragments', sealed again in memory with the peer's keys), which the
 * exchange functions open as any other. */
enum frag_res	 frag_input(struct frag_pool *p, const struct ike_sa *sa,
		    struct rd in, struct wr *out);

/* frag_num returns the Fragment Number of an SKF message, 0 for any other:
 * a responder answers a retransmitted fragmented request only once, on
 * fragment 1. */
uint16_t	 frag_num(struct rd in);

/* frag_pool_wipe forgets (and wipes) every message being reassembled. */
void		 frag_pool_wipe(struct frag_pool *p);

#endif
