/* SPDX-License-Identifier: ISC */
/* IKE fragmentation (RFC 7383): SK message -> SKF datagrams, SKF datagrams (checked one by one) -> SK message. */
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "codec/chain.h"
#include "codec/hdr.h"
#include "codec/msg.h"
#include "crypto/secret.h"
#include "crypto/sk.h"
#include "names/ikev2.h"
#include "exchange/frag.h"
#include "exchange/internal.h"

enum {
	IPV4_HDR_LEN	= 20,
	IPV6_HDR_LEN	= 40,
	UDP_HDR_LEN	= 8,
	MARKER_LEN	= 4,
	SKF_OVERHEAD	= IKE_HDR_LEN + PLD_HDR_LEN + SKF_HDR_LEN,
};

static uint8_t	 pt[XCHG_OUT_MAX];	/* a decrypted message or fragment */

size_t
frag_room(unsigned mtu, int af, bool encap)
{
	size_t	 over = (af == AF_INET6 ? IPV6_HDR_LEN : IPV4_HDR_LEN) +
	    UDP_HDR_LEN + (encap ? MARKER_LEN : 0);

	return mtu > over ? mtu - over : 0;
}

/* one_msg puts msg alone into out. */
static enum ike_err
one_msg(struct frag_set *out, const uint8_t *msg, size_t len)
{
	if (len > sizeof(out->buf))
		return IKE_ETOOBIG;
	memcpy(out->buf, msg, len);
	out->n = 1;
	out->off[0] = 0;
	out->len[0] = len;
	return IKE_OK;
}

enum ike_err
frag_split(const struct ike_sa *sa, int af, unsigned mtu, bool encap,
    const uint8_t *msg, size_t len, struct frag_set *out)
{
	static struct ike_msg m;
	struct sk_cipher c;
	struct ike_hdr	 h;
	struct wr	 w;
	size_t		 room, chunk, pt_len, used = 0, at, n, i, sealed, hoff;
	enum ike_err	 e;

	memset(out, 0, sizeof(*out) - sizeof(out->buf));
	room = frag_room(mtu, af, encap);
	if (mtu == 0 || !sa->peer_frag || len <= room ||
	    msg_parse(rd_init(msg, len), &m) != IKE_OK ||
	    m.hdr.exch == IKEV2_EXCH_IKE_SA_INIT || m.n_pld != 1 || m.sk != 0 ||
	    m.pld[0].type != IKEV2_PAYLOAD_SK)
		return one_msg(out, msg, len);
	sk_dir(sa, sa->role == ROLE_INITIATOR, &c);
	if ((e = sk_decrypt(&c, msg, len, m.sk_off, pt, sizeof(pt), &pt_len)) !=
	    IKE_OK) {
		pt_wipe(pt, sizeof(pt), len);
		return e;
	}
	/* the most plaintext a fragment of room bytes can carry */
	if (room <= SKF_OVERHEAD) {
		e = IKE_EINVAL;
		goto out;
	}
	for (chunk = room - SKF_OVERHEAD; chunk > 0; chunk--)
		if (SKF_OVERHEAD + sk_sealed_len(&c, chunk) <= room)
			break;
	if (chunk == 0) {
		e = IKE_EINVAL;
		goto out;
	}
	n = (pt_len + chunk - 1) / chunk;
	if (n == 0)
		n = 1;
	if (n > SKF_MAX_FRAGS) {
		e = IKE_ETOOBIG;
		goto out;
	}
	h = m.hdr;
	h.next = IKEV2_PAYLOAD_SKF;
	for (i = 0, at = 0; i < n; i++, at += chunk) {
		size_t	 this = pt_len - at < chunk ? pt_len - at : chunk;

		sealed = sk_sealed_len(&c, this);
		/* each fragment is its own message: the associated data
		 * starts at its header */
		w = wr_init(out->buf + used, sizeof(out->buf) - used);
		hoff = hdr_put(&w, &h);
		wr_u8(&w, i == 0 ? m.sk_next : IKEV2_PAYLOAD_NONE);
		wr_u8(&w, 0);
		wr_u16(&w, (uint16_t)(PLD_HDR_LEN + SKF_HDR_LEN + sealed));
		skf_put(&w, (uint16_t)(i + 1), (uint16_t)n);
		if (!wr_ok(&w)) {
			e = IKE_ETOOBIG;
			goto out;
		}
		wr_u32_at(&w, hoff + HDR_LEN_AT, (uint32_t)(w.len - hoff + sealed));
		if ((e = sk_encrypt(&c, &w, pt + at, this)) != IKE_OK)
			goto out;
		out->off[i] = used;
		out->len[i] = w.len;
		used += w.len;
	}
	out->n = n;
	log_debug("IKE SA %016llx: message %u of %zu bytes sent as %zu fragments",
	    (unsigned long long)sa->ispi, m.hdr.msgid, len, n);
out:
	pt_wipe(pt, sizeof(pt), len);
	if (e != IKE_OK)
		out->n = 0;
	return e;
}

uint16_t
frag_num(struct rd in)
{
	static struct ike_msg m;

	if (msg_parse(in, &m) != IKE_OK || m.sk < 0 ||
	    m.pld[m.sk].type != IKEV2_PAYLOAD_SKF)
		return 0;
	return m.frag_num;
}

static void
rx_free(struct frag_rx *x)
{
	if (x->r.buf != NULL) {
		wipe(x->r.buf, x->r.cap);
		free(x->r.buf);
	}
	wipe(x, sizeof(*x));
}

/* rx_room makes x's buffer hold n more bytes (at most XCHG_OUT_MAX in
 * all: skf_reasm_add refuses what does not fit). It grows as fragments
 * come, so a message costs what it is long; a secret never stays in a
 * freed block. */
static void
rx_room(struct frag_rx *x, size_t n)
{
	size_t	 want = x->r.used + n, cap;
	uint8_t	*nb;

	if (want <= x->r.cap || x->r.cap >= XCHG_OUT_MAX)
		return;
	cap = x->r.cap * 2 > want ? x->r.cap * 2 : want;
	if (cap > XCHG_OUT_MAX)
		cap = XCHG_OUT_MAX;
	if ((nb = malloc(cap)) == NULL)
		return;
	if (x->r.buf != NULL) {
		memcpy(nb, x->r.buf, x->r.used);
		wipe(x->r.buf, x->r.cap);
		free(x->r.buf);
	}
	x->r.buf = nb;
	x->r.cap = cap;
}

/* rx_find returns the slot of h's message, or a new one (free or the
 * oldest, whose fragments are dropped). */
static struct frag_rx *
rx_find(struct frag_pool *p, const struct ike_hdr *h)
{
	struct frag_rx	*x, *old = &p->rx[0];
	uint8_t		 dir = h->flags & (IKEV2_FLAG_INITIATOR | IKEV2_FLAG_RESPONSE);
	size_t		 i;

	for (i = 0; i < FRAG_RX_SLOTS; i++) {
		x = &p->rx[i];
		if (x->used && x->ispi == h->ispi && x->rspi == h->rspi &&
		    x->msgid == h->msgid && x->flags == dir && x->exch == h->exch) {
			x->age = ++p->clock;
			return x;
		}
		if (!x->used || (old->used && x->age < old->age))
			old = x;
	}
	rx_free(old);
	old->used = true;
	old->ispi = h->ispi;
	old->rspi = h->rspi;
	old->msgid = h->msgid;
	old->flags = dir;
	old->exch = h->exch;
	old->age = ++p->clock;
	skf_reasm_init(&old->r, NULL, 0);	/* rx_room gives it room */
	return old;
}

/* rx_peek returns the slot of h's message if there is one. */
static struct frag_rx *
rx_peek(struct frag_pool *p, const struct ike_hdr *h)
{
	uint8_t	 dir = h->flags & (IKEV2_FLAG_INITIATOR | IKEV2_FLAG_RESPONSE);
	size_t	 i;

	for (i = 0; i < FRAG_RX_SLOTS; i++)
		if (p->rx[i].used && p->rx[i].ispi == h->ispi &&
		    p->rx[i].rspi == h->rspi && p->rx[i].msgid == h->msgid &&
		    p->rx[i].flags == dir && p->rx[i].exch == h->exch)
			return &p->rx[i];
	return NULL;
}

/* rx_seal writes the joined message of x: h's header, SK{ plaintext }. */
static enum ike_err
rx_seal(const struct ike_sa *sa, struct frag_rx *x, const struct ike_hdr *fh,
    struct wr *out)
{
	static uint8_t	 joined[XCHG_OUT_MAX];
	struct wr	 jw = wr_init(joined, sizeof(joined));
	struct sk_cipher c;
	struct ike_hdr	 h = *fh;
	uint8_t		 first;
	size_t		 sealed, hoff;
	enum ike_err	 e;

	if ((e = skf_reasm_join(&x->r, &jw, &first)) != IKE_OK)
		goto out;
	sk_dir(sa, sa->role != ROLE_INITIATOR, &c);
	if ((sealed = sk_sealed_len(&c, jw.len)) == 0) {
		e = IKE_EUNSUPP;
		goto out;
	}
	h.next = IKEV2_PAYLOAD_SK;
	out->len = 0;
	hoff = hdr_put(out, &h);
	wr_u8(out, first);
	wr_u8(out, 0);
	wr_u16(out, (uint16_t)(PLD_HDR_LEN + sealed));
	if (!wr_ok(out) || PLD_HDR_LEN + sealed > UINT16_MAX ||
	    out->cap - out->len < sealed) {
		e = IKE_ETOOBIG;
		goto out;
	}
	wr_u32_at(out, hoff + HDR_LEN_AT, (uint32_t)(out->len - hoff + sealed));
	e = sk_encrypt(&c, out, joined, jw.len);
out:
	wipe(joined, jw.len);
	return e;
}

enum frag_res
frag_input(struct frag_pool *p, const struct ike_sa *sa, struct rd in,
    struct wr *out)
{
	static struct ike_msg m;
	struct sk_cipher c;
	struct skf_pld	 f;
	struct frag_rx	*x;
	size_t		 pt_len;
	bool		 complete;
	enum ike_err	 e;
	enum frag_res	 res = FRAG_BAD;

	if (msg_parse(in, &m) != IKE_OK || m.sk < 0 ||
	    m.pld[m.sk].type != IKEV2_PAYLOAD_SKF)
		return FRAG_WHOLE;
	/* RFC 7383 2.5: SKF alone; never before the keys */
	if (m.n_pld != 1 || m.hdr.exch == IKEV2_EXCH_IKE_SA_INIT ||
	    sa->keys.e_len == 0 || m.hdr.ispi != sa->ispi ||
	    m.hdr.rspi != sa->rspi)
		return FRAG_BAD;
	f.num = m.frag_num;
	f.total = m.frag_total;
	f.enc = m.sk_body;
	if (f.total > SKF_MAX_FRAGS)
		return FRAG_BAD;
	if ((x = rx_peek(p, &m.hdr)) != NULL && x->r.total != 0 &&
	    (x->r.have[f.num - 1] || f.total < x->r.total) &&
	    f.total <= x->r.total)
		return FRAG_MORE;	/* a duplicate, or of an older set */
	/* 2.6: the ICV of each fragment before it is kept */
	sk_dir(sa, sa->role != ROLE_INITIATOR, &c);
	e = sk_decrypt(&c, in.p, in.len, m.sk_off, pt, sizeof(pt), &pt_len);
	if (e != IKE_OK) {
		log_debug("IKE SA %016llx: fragment %u/%u of message %u dropped: %s",
		    (unsigned long long)sa->ispi, f.num, f.total, m.hdr.msgid,
		    ike_strerror(e));
		goto out;
	}
	x = rx_find(p, &m.hdr);
	rx_room(x, pt_len);	/* more than needed if a larger total
				 * starts the set over */
	e = skf_reasm_add(&x->r, &f, m.sk_next, rd_init(pt, pt_len), &complete);
	if (e != IKE_OK) {
		log_debug("IKE SA %016llx: fragment %u/%u of message %u dropped: %s",
		    (unsigned long long)sa->ispi, f.num, f.total, m.hdr.msgid,
		    ike_strerror(e));
		goto out;
	}
	if (!complete) {
		res = FRAG_MORE;
		goto out;
	}
	e = rx_seal(sa, x, &m.hdr, out);
	log_debug("IKE SA %016llx: message %u reassembled from %u fragments%s%s",
	    (unsigned long long)sa->ispi, m.hdr.msgid, f.total,
	    e != IKE_OK ? ": " : "", e != IKE_OK ? ike_strerror(e) : "");
	rx_free(x);
	res = e == IKE_OK ? FRAG_DONE : FRAG_BAD;
out:
	pt_wipe(pt, sizeof(pt), in.len);
	return res;
}

void
frag_pool_wipe(struct frag_pool *p)
{
	size_t	 i;

	for (i = 0; i < FRAG_RX_SLOTS; i++)
		rx_free(&p->rx[i]);
	wipe(p, sizeof(*p));
}
