/* SPDX-License-Identifier: ISC */
/* What the exchange targets share: sealing a peer's message, opening ours, and the oracles on what an exchange made. */
#ifndef IKEKIT_TESTS_FUZZ_IKE_H
#define IKEKIT_TESTS_FUZZ_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "codec/codec.h"
#include "crypto/keys.h"
#include "crypto/sk.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"

/* fz_seal writes the message HDR, SK{ p } that from sends to dst (cap
 * bytes) and returns its length (0 when it does not fit). flip is XORed
 * into the header's flags; first is the first inner payload's type. */
static inline size_t
fz_seal(const struct ike_sa *from, uint8_t exch, bool response,
    uint32_t msgid, uint8_t flip, uint8_t first, const uint8_t *p, size_t len,
    uint8_t *dst, size_t cap)
{
	static const uint8_t	 iv[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	struct ike_hdr		 h;
	struct sk_cipher	 c;
	struct wr		 w = wr_init(dst, cap);
	size_t			 sealed;

	sk_dir(from, from->role == ROLE_INITIATOR, &c);
	sealed = sk_sealed_len(&c, len);
	FUZZ_CHECK(sealed > len);
	if (IKE_HDR_LEN + PLD_HDR_LEN + sealed > cap ||
	    PLD_HDR_LEN + sealed > UINT16_MAX)
		return 0;
	xchg_hdr(from, &h, exch, response, msgid, IKEV2_PAYLOAD_SK);
	h.flags ^= flip;
	h.len = (uint32_t)(IKE_HDR_LEN + PLD_HDR_LEN + sealed);
	(void)hdr_put(&w, &h);
	wr_u8(&w, first);
	wr_u8(&w, 0);
	wr_u16(&w, (uint16_t)(PLD_HDR_LEN + sealed));
	FUZZ_CHECK(sk_encrypt_iv(&c, &w, iv, p, len) == IKE_OK);
	FUZZ_CHECK(wr_ok(&w) && w.len == h.len);
	return w.len;
}

/* fz_open decrypts the message o (o_len bytes) that from sent to its peer
 * to, checks its header (exch, a response or not, msgid) and that its
 * inner chain parses, and returns that chain (in pt, cap bytes) and its
 * first type. */
static inline struct rd
fz_open(const struct ike_sa *from, const struct ike_sa *to, const uint8_t *o,
    size_t o_len, uint8_t exch, bool response, uint32_t msgid, uint8_t *pt,
    size_t cap, uint8_t *first)
{
	static struct ike_msg	 m;
	static struct pld	 all[PLD_MAX];
	size_t			 n = 0, n_pld = 0;

	FUZZ_CHECK(sk_open(to, rd_init(o, o_len), &m, pt, cap, &n,
	    first) == IKE_OK);
	FUZZ_CHECK(m.hdr.ispi == from->ispi && m.hdr.rspi == from->rspi);
	FUZZ_CHECK(m.hdr.exch == exch && m.hdr.msgid == msgid);
	FUZZ_CHECK(((m.hdr.flags & IKEV2_FLAG_RESPONSE) != 0) == response);
	FUZZ_CHECK(((m.hdr.flags & IKEV2_FLAG_INITIATOR) != 0) ==
	    (from->role == ROLE_INITIATOR));
	FUZZ_CHECK(m.n_pld == 1 && m.sk == 0);
	FUZZ_CHECK(chain_parse(rd_init(pt, n), *first, true, all, PLD_MAX,
	    &n_pld) == IKE_OK);
	return rd_init(pt, n);
}

/* fz_only_notify checks that chain holds exactly one Notify, returns it in
 * n and what notify_parse said of it. */
static inline enum ike_err
fz_only_notify(struct rd chain, uint8_t first, struct notify_pld *n)
{
	struct pld_iter		 it;
	struct pld		 p;
	struct rd		 body;
	size_t			 k = 0;
	enum ike_err		 e = IKE_OK;

	memset(n, 0, sizeof(*n));
	pld_iter_init_inner(&it, chain, first);
	while (pld_next(&it, &p)) {
		FUZZ_CHECK(p.type == IKEV2_PAYLOAD_NOTIFY && k++ == 0);
		body = p.body;
		e = notify_parse(&body, n);
	}
	FUZZ_CHECK(it.err == IKE_OK && k == 1);
	return e;
}

static inline uint32_t
fz_spi32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* fz_child_ok checks a Child SA an exchange made: an SPI of ours, and keys
 * of the lengths of the transforms it chose. */
static inline void
fz_child_ok(const struct child_sa *ch)
{
	uint16_t	 bits = 0;

	FUZZ_CHECK(ch->spi_in >= 256);
	FUZZ_CHECK(proposal_supported(&ch->chosen));
	FUZZ_CHECK(ch->chosen.proto == IKEV2_PROTO_ESP);
	FUZZ_CHECK(ch->encr == proposal_encr(&ch->chosen, &bits) &&
	    ch->keybits == bits);
	FUZZ_CHECK(ch->integ == proposal_integ(&ch->chosen));
	FUZZ_CHECK(ch->esn == proposal_esn(&ch->chosen));
	FUZZ_CHECK(encr_supported(ch->encr, ch->keybits));
	FUZZ_CHECK(ch->keys.e_len == encr_key_len(ch->encr, ch->keybits));
	FUZZ_CHECK(ch->keys.a_len == integ_key_len(ch->integ));
	FUZZ_CHECK(encr_is_aead(ch->encr) == (ch->integ == IKEV2_AUTH_NONE));
	FUZZ_CHECK(ch->chosen.spi_len == 4 &&
	    ch->spi_out == fz_spi32(ch->chosen.spi));
	FUZZ_CHECK(ch->tsi.n_ts > 0 && ch->tsr.n_ts > 0);
}

/* fz_zero returns whether the n bytes at p are all zero. */
static inline bool
fz_zero(const void *p, size_t n)
{
	const uint8_t	*b = p;
	size_t		 i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

#endif
