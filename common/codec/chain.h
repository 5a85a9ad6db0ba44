/* SPDX-License-Identifier: ISC */
/* The generic payload chain (RFC 7296 3.2): an iterator to read, a writer to build. */
#ifndef IKEKIT_CODEC_CHAIN_H
#define IKEKIT_CODEC_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"
#include "names/ikev2.h"

/* More payloads than this in one chain is IKE_ELOOP. */
enum { PLD_MAX = 64 };

struct pld {
	uint8_t		 type;
	uint8_t		 next;		/* this header's next-payload byte; for SK
					 * and SKF the first inner payload */
	bool		 critical;
	struct rd	 body;		/* the payload after its 4-byte header */
	size_t		 off;		/* offset of body from the iterator's base */
};

struct pld_iter {
	struct rd	 base;		/* offsets in struct pld are from here */
	struct rd	 rest;
	uint8_t		 next;
	bool		 inner;		/* inside SK: SK and SKF are errors */
	unsigned	 n;
	enum ike_err	 err;		/* sticky: set when pld_next stops early */
};

/* pld_known returns true for the payload types this codec understands (SA to
 * EAP, SKF); others are "unknown" for the critical bit (RFC 7296 2.5). */
bool		 pld_known(uint8_t type);

/* pld_iter_init starts iterating chain, whose first payload type is first
 * (the IKE header's or the SK payload's next byte). base is set to chain; set
 * it->base to the whole message to get message offsets in pld.off. */
void		 pld_iter_init(struct pld_iter *it, struct rd chain, uint8_t first);

/* pld_iter_init_inner is pld_iter_init for a decrypted SK body: an SK or SKF
 * inside is IKE_ESYNTAX. */
void		 pld_iter_init_inner(struct pld_iter *it, struct rd chain,
		    uint8_t first);

/* pld_next sets out to the next payload and returns true; at the end of the
 * chain or on error it returns false, with it->err IKE_OK at a clean end.
 * Errors: IKE_ETRUNC (header or length past the end), IKE_ESYNTAX (length < 4,
 * bytes after the last payload or after SK/SKF, SK inside SK), IKE_EUNSUPP_CRIT
 * (unknown type with the critical bit; out->type tells which), IKE_ELOOP (more
 * than PLD_MAX payloads). An unknown non-critical payload is returned like any
 * other: the caller skips it. */
bool		 pld_next(struct pld_iter *it, struct pld *out);

/* chain_parse collects the payloads of chain into out[0..max) and sets *out_n;
 * inner is as for pld_iter_init_inner. Offsets are from chain's start.
 * Errors are pld_next's; more than max payloads is IKE_ELOOP. */
enum ike_err	 chain_parse(struct rd chain, uint8_t first, bool inner,
		    struct pld *out, size_t max, size_t *out_n);

/* The chain writer back-patches the previous next-payload byte and length. */
struct chain {
	struct wr	*w;
	size_t		 next_at;	/* byte that gets the next payload's type */
	size_t		 start;		/* offset of the open payload's header */
	bool		 open;
};

/* chain_init starts a chain whose first type goes in the byte at next_at
 * (hdr_off + HDR_NEXT_AT, or an SK payload's c.next_at for the inner chain). */
void		 chain_init(struct chain *c, struct wr *w, size_t next_at);

/* chain_open ends the open payload and writes a generic header for type;
 * the caller then writes the body. */
void		 chain_open(struct chain *c, uint8_t type, bool critical);

/* chain_close ends the open payload (its next stays NONE). A payload over
 * 65535 bytes sets the writer's error. */
void		 chain_close(struct chain *c);

#endif
