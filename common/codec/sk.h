/* SPDX-License-Identifier: ISC */
/* SK and SKF framing (RFC 7296 3.14, RFC 7383 2.5) and fragment reassembly. */
#ifndef IKEKIT_CODEC_SK_H
#define IKEKIT_CODEC_SK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

enum {
	SKF_HDR_LEN	= 4,	/* Fragment Number, Total Fragments */
	SKF_MAX_FRAGS	= 64,
};

/* The body of SK is IV | ciphertext | ICV; sizes depend on the cipher, so the
 * codec only frames it. The decryptor authenticates every message byte before
 * the body (IKE header, SK header and, for SKF, the fragment fields). */
struct skf_pld {
	uint16_t	 num, total;
	struct rd	 enc;		/* IV | ciphertext | ICV */
};

/* skf_parse reads an SKF body: 1 <= num <= total, then the encrypted part.
 * Returns IKE_ETRUNC or IKE_ESYNTAX. */
enum ike_err	 skf_parse(struct rd *body, struct skf_pld *out);

/* skf_put writes the fragment fields; the caller writes the encrypted part. */
void		 skf_put(struct wr *w, uint16_t num, uint16_t total);

/* Reassembly of one message's decrypted fragments (RFC 7383 2.6). The caller
 * owns the struct and the storage buf; fragments are copied in. */
struct skf_reasm {
	uint8_t		*buf;
	size_t		 cap, used;
	uint16_t	 total;		/* 0 until the first fragment */
	uint16_t	 n_have;
	uint8_t		 first_next;	/* next payload of fragment 1 */
	bool		 have[SKF_MAX_FRAGS];
	size_t		 off[SKF_MAX_FRAGS], len[SKF_MAX_FRAGS];
};

/* skf_reasm_init resets s to collect into buf (cap bytes). */
void		 skf_reasm_init(struct skf_reasm *s, void *buf, size_t cap);

/* skf_reasm_add stores decrypted fragment f->num of f->total, whose SKF header
 * had next payload next and whose plaintext (padding removed) is plain;
 * *complete tells whether every fragment is there. Fragment 1 must carry the
 * inner first payload type, the others 0 (IKE_ESYNTAX). A duplicate is
 * ignored; a larger total than before discards what was stored and starts
 * again; a smaller one is ignored (RFC 7383 2.6). Returns IKE_ETOOBIG when
 * total > SKF_MAX_FRAGS or buf is full. */
enum ike_err	 skf_reasm_add(struct skf_reasm *s, const struct skf_pld *f,
		    uint8_t next, struct rd plain, bool *complete);

/* skf_reasm_join writes the fragments in order to w and sets *out_next to
 * the inner first payload type; IKE_ESYNTAX if not complete, IKE_ETOOBIG if w
 * overflows. */
enum ike_err	 skf_reasm_join(const struct skf_reasm *s, struct wr *w,
		    uint8_t *out_next);

#endif
