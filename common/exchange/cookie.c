/* SPDX-License-Identifier: ISC */
/* Stateless cookies (RFC 7296 2.6): HMAC of (Ni | IPi | SPIi) under a secret rotated every few minutes. */
#include <sys/socket.h>
#include <string.h>

#include "codec/chain.h"
#include "codec/hdr.h"
#include "codec/msg.h"
#include "codec/nonce.h"
#include "codec/notify.h"
#include "crypto/prf.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "exchange/cookie.h"

void
cookie_gen_init(struct cookie_gen *g, int64_t now_ms)
{
	memset(g, 0, sizeof(*g));
	rand_bytes(g->secret[0], COOKIE_SECRET_LEN);
	rand_bytes(g->secret[1], COOKIE_SECRET_LEN);
	g->born_ms = now_ms;
}

void
cookie_gen_tick(struct cookie_gen *g, int64_t now_ms)
{
	if (now_ms - g->born_ms < COOKIE_ROTATE_MS)
		return;
	g->ver++;
	rand_bytes(g->secret[g->ver & 1], COOKIE_SECRET_LEN);
	g->born_ms = now_ms;
}

void
cookie_gen_wipe(struct cookie_gen *g)
{
	wipe(g, sizeof(*g));
}

/* make computes the cookie of version ver into out (COOKIE_LEN bytes). */
static enum ike_err
make(const struct cookie_gen *g, uint8_t ver, struct rd ni, int af,
    const uint8_t *addr, uint64_t ispi, uint8_t out[COOKIE_LEN])
{
	uint8_t		 data[NONCE_MAX_LEN + 16 + 8];
	struct wr	 w = wr_init(data, sizeof(data));
	enum ike_err	 e;

	/* Ni | IPi | SPIi */
	wr_bytes(&w, ni.p, ni.len);
	wr_bytes(&w, addr, af == AF_INET6 ? 16 : 4);
	wr_u64(&w, ispi);
	if (!wr_ok(&w))
		return IKE_ETOOBIG;
	out[0] = ver;
	e = prf(IKEV2_PRF_HMAC_SHA2_256, g->secret[ver & 1], COOKIE_SECRET_LEN,
	    data, w.len, out + 1);
	wipe(data, sizeof(data));
	return e;
}

enum ike_err
cookie_check(const struct cookie_gen *g, struct rd in, int af,
    const uint8_t *addr, struct wr *out)
{
	struct ike_msg		 m;
	struct notify_pld	 n;
	struct rd		 body, ni = { NULL, 0 }, got = { NULL, 0 };
	struct ike_hdr		 h;
	struct chain		 c;
	uint8_t			 want[COOKIE_LEN];
	bool			 has_ni = false, has_cookie = false;
	size_t			 i, off;
	enum ike_err		 e;

	out->len = 0;
	if ((e = msg_parse(in, &m)) != IKE_OK)
		return e;
	for (i = 0; i < m.n_pld; i++) {
		body = m.pld[i].body;
		if (m.pld[i].type == IKEV2_PAYLOAD_NONCE && !has_ni) {
			if ((e = nonce_parse(&body, &ni)) != IKE_OK)
				return e;
			has_ni = true;
		} else if (m.pld[i].type == IKEV2_PAYLOAD_NOTIFY && !has_cookie &&
		    notify_parse(&body, &n) == IKE_OK && n.type == IKEV2_N_COOKIE) {
			got = n.data;
			has_cookie = true;
		}
	}
	if (!has_ni)
		return IKE_ESYNTAX;
	if (has_cookie && got.len == COOKIE_LEN &&
	    (got.p[0] == g->ver || got.p[0] == (uint8_t)(g->ver - 1)) &&
	    make(g, got.p[0], ni, af, addr, m.hdr.ispi, want) == IKE_OK &&
	    ct_eq(got.p, want, COOKIE_LEN)) {
		wipe(want, sizeof(want));
		return IKE_OK;
	}
	if ((e = make(g, g->ver, ni, af, addr, m.hdr.ispi, want)) != IKE_OK)
		return e;
	/* HDR(A, 0), N(COOKIE) */
	memset(&h, 0, sizeof(h));
	h.ispi = m.hdr.ispi;
	h.major = 2;
	h.exch = IKEV2_EXCH_IKE_SA_INIT;
	h.flags = IKEV2_FLAG_RESPONSE;
	off = hdr_put(out, &h);
	chain_init(&c, out, off + HDR_NEXT_AT);
	chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(out, 0, NULL, 0, IKEV2_N_COOKIE, want, sizeof(want));
	chain_close(&c);
	hdr_finish(out, off);
	wipe(want, sizeof(want));
	return wr_ok(out) ? IKE_EREFUSED : IKE_ETOOBIG;
}
