/* SPDX-License-Identifier: ISC */
/* The 28-byte IKE header (RFC 7296 3.1): parse, write, and patch its length. */
#ifndef IKEKIT_CODEC_HDR_H
#define IKEKIT_CODEC_HDR_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"
#include "names/ikev2.h"

/* Offsets inside the header, for holes and for the SK associated data. */
enum {
	HDR_NEXT_AT	= 16,
	HDR_VER_AT	= 17,
	HDR_FLAGS_AT	= 19,
	HDR_MSGID_AT	= 20,
	HDR_LEN_AT	= 24,
};

struct ike_hdr {
	uint64_t	 ispi, rspi;
	uint8_t		 next;		/* first payload type */
	uint8_t		 major, minor;
	uint8_t		 exch;
	uint8_t		 flags;		/* IKEV2_FLAG_* */
	uint32_t	 msgid, len;
};

/* hdr_parse reads the IKE header at the start of r, where r holds exactly one
 * whole message, and advances r to the first payload. It fills out whenever 28
 * bytes are there, even on failure, so a decoder can show what it saw.
 * Returns IKE_ETRUNC (under 28 bytes), IKE_EUNSUPP (major version is not 2:
 * out->major == 1 is an IKEv1 message, RFC 7296 2.5), IKE_ESYNTAX (length field
 * is less than the message length), IKE_ETRUNC also when the length field
 * is more. r moves only on IKE_OK. */
enum ike_err	 hdr_parse(struct rd *r, struct ike_hdr *out);

/* hdr_put writes h (version from h->major and h->minor) and returns the
 * header's offset in w, for chain_init(w, off + HDR_NEXT_AT) and hdr_finish. */
size_t		 hdr_put(struct wr *w, const struct ike_hdr *h);

/* hdr_finish sets the length field of the header at hdr_off to everything
 * written since it (w->len - hdr_off). */
void		 hdr_finish(struct wr *w, size_t hdr_off);

#endif
