/* SPDX-License-Identifier: ISC */
/* libFuzzer target: the IKE_SA_INIT and IKE_AUTH state machine in each state, both roles: sa_init_respond, sa_init_consume, auth_respond, auth_consume fed fuzzed messages, the IKE_AUTH ones sealed under the keys of a real in-memory handshake. */
#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ike.h"
#include "crypto/dh.h"
#include "crypto/prf.h"
#include "exchange/cp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: [op][tweak][first payload type][bytes...]
 * (the key exchanges are X25519 first: cheap, so the fuzzer runs fast; the
 * second proposals' groups are reached through INVALID_KE_PAYLOAD)
 *
 * op	 bits 0-1: 0 sa_init_respond, 1 sa_init_create + sa_init_consume,
 *	 2 auth_respond, 3 auth_consume (each in the state it is called in)
 *	 bits 2-3: suite (IKE and ESP proposals of both ends; suites 1 and 3
 *	 ask for a virtual IP from the responder's pool)
 *	 bit 5: the responder demands a COOKIE (sa_init_respond)
 *	 bit 6: edit: the bytes are edits of the genuine message of that
 *	 step (the responder's answer, the initiator's IKE_AUTH request or
 *	 the responder's IKE_AUTH answer), not a payload chain
 *	 bit 7: raw: the bytes are the whole message (its SPIs patched to
 *	 the SA's so the fuzzer gets past the SPI checks)
 * tweak bit 0: flip the R flag; bit 1: message ID + 1; bit 2: another
 *	 exchange type (INFORMATIONAL)
 * An edit is [offset hi][offset lo][n][n bytes]: the n bytes overwrite
 * the chain at offset (mod its length + 1), growing it if needed.
 *
 * Oracles: an answer is a response at the request's message ID that the
 * other end's keys open; an error answered carries the Notify xchg.h
 * gives it and a message dropped changes nothing; an SA set up has keys of
 * its transforms' lengths, a Child SA an SPI of ours and selectors within
 * both ends'; the genuine messages (no edit) always complete, and when
 * both ends accept an exchange they derive the same keys.
 */
enum {
	OP_INIT_RESPOND, OP_INIT_CONSUME, OP_AUTH_RESPOND, OP_AUTH_CONSUME,
	N_SUITES	= 4,
	IN_MAX		= 4096,
};

enum {
	T_FLIP_R	= 1 << 0,
	T_MSGID		= 1 << 1,
	T_EXCH		= 1 << 2,
};

static const struct {
	const char	*ike, *esp;
	uint8_t		 vip;
} suites[N_SUITES] = {
	{ "aes256gcm16-prfsha256-x25519", "aes256gcm16", 0 },
	{ "aes128-sha256-x25519,aes256gcm16-prfsha384-ecp256",
	  "aes128-sha256,aes256gcm16", VIP_REQ_4 },
	{ "chacha20poly1305-prfsha512-x25519", "chacha20poly1305-noesn-esn", 0 },
	{ "aes256-sha384-prfsha384-x25519,aes128gcm16-prfsha256-ecp384",
	  "aes128ctr-sha1-esn,aes256-sha512", VIP_REQ_4 | VIP_REQ_6 },
};

static const uint8_t cookie[16] = "fuzz-cookie-0123";

/* The two ends of each suite and the genuine messages of their handshake:
 * the initiator with its IKE_AUTH request out (ini), the responder before
 * (res) and after (est) answering it, and the payload chains. */
static struct xchg_cfg	 cfg_i[N_SUITES], cfg_r[N_SUITES];
static struct cp_cfg	 pools;
static struct psk	 psk;
static struct ike_sa	 ini[N_SUITES], res[N_SUITES], est[N_SUITES];
struct chain_buf {
	uint8_t		 b[XCHG_OUT_MAX];
	size_t		 len;
	uint8_t		 first;
};
static struct chain_buf	 auth_req[N_SUITES], auth_resp[N_SUITES];

static uint8_t		 msg[IN_MAX + 512], out[XCHG_OUT_MAX],
			 pt[XCHG_OUT_MAX], edited[XCHG_OUT_MAX];

static void
cfg_set(struct xchg_cfg *c, const char *ike, const char *esp, const char *me,
    const char *peer, const char *ts_l, const char *ts_r)
{
	char	 err[PROPOSAL_ERR_MAX];

	memset(c, 0, sizeof(*c));
	c->psk = &psk;
	FUZZ_CHECK(proposal_parse(&c->ike, IKEV2_PROTO_IKE, ike, err,
	    sizeof(err)) == IKE_OK);
	FUZZ_CHECK(proposal_parse(&c->esp, IKEV2_PROTO_ESP, esp, err,
	    sizeof(err)) == IKE_OK);
	c->af = AF_INET;
	FUZZ_CHECK(inet_pton(AF_INET, me, c->local_addr) == 1);
	FUZZ_CHECK(inet_pton(AF_INET, peer, c->peer_addr) == 1);
	c->local_port = c->peer_port = 500;
	FUZZ_CHECK(ike_id_parse(&c->local_id, me) == IKE_OK);
	FUZZ_CHECK(ts_parse_list(&c->ts_local, ts_l, err, sizeof(err)) ==
	    IKE_OK);
	FUZZ_CHECK(ts_parse_list(&c->ts_remote, ts_r, err, sizeof(err)) ==
	    IKE_OK);
}

/* clone copies the IKE SA src (no DH key in flight) with its own copy of
 * the IKE_SA_INIT messages; ike_sa_wipe frees it. */
static void
clone(struct ike_sa *dst, const struct ike_sa *src)
{
	FUZZ_CHECK(src->dh == NULL);
	*dst = *src;
	if (src->init_req == NULL)
		return;
	dst->init_req = malloc(2 * XCHG_MSG_MAX);
	FUZZ_CHECK(dst->init_req != NULL);
	memcpy(dst->init_req, src->init_req, 2 * XCHG_MSG_MAX);
	dst->init_resp = dst->init_req + XCHG_MSG_MAX;
}

/* handshake runs suite s between its two ends in memory and keeps what
 * the targets start from. */
static void
handshake(unsigned s)
{
	struct ike_sa	 i, r;
	struct wr	 w;
	struct rd	 chain;
	uint8_t		 f = 0;

	ike_sa_init(&i, ROLE_INITIATOR);
	ike_sa_init(&r, ROLE_RESPONDER);
	w = wr_init(msg, sizeof(msg));
	FUZZ_CHECK(sa_init_create(&i, &cfg_i[s], &w) == IKE_OK);
	FUZZ_CHECK(sa_init_respond(&r, &cfg_r[s], rd_init(msg, w.len),
	    (w = wr_init(out, sizeof(out)), &w)) == IKE_OK);
	FUZZ_CHECK(sa_init_consume(&i, &cfg_i[s], rd_init(out, w.len)) ==
	    IKE_OK);
	w = wr_init(msg, sizeof(msg));
	FUZZ_CHECK(auth_create(&i, &cfg_i[s], &w) == IKE_OK);
	clone(&ini[s], &i);
	clone(&res[s], &r);
	chain = fz_open(&i, &r, msg, w.len, IKEV2_EXCH_IKE_AUTH, false, 1, pt,
	    sizeof(pt), &f);
	auth_req[s].first = f;
	auth_req[s].len = chain.len;
	memcpy(auth_req[s].b, chain.p, chain.len);
	FUZZ_CHECK(auth_respond(&r, &cfg_r[s], rd_init(msg, w.len),
	    (w = wr_init(out, sizeof(out)), &w)) == IKE_OK);
	chain = fz_open(&r, &i, out, w.len, IKEV2_EXCH_IKE_AUTH, true, 1, pt,
	    sizeof(pt), &f);
	auth_resp[s].first = f;
	auth_resp[s].len = chain.len;
	memcpy(auth_resp[s].b, chain.p, chain.len);
	FUZZ_CHECK(auth_consume(&i, &cfg_i[s], rd_init(out, w.len)) == IKE_OK);
	FUZZ_CHECK(i.state == SA_ESTABLISHED && r.state == SA_ESTABLISHED);
	cp_lease_release(&pools, &r.vip);
	ike_sa_drop_init(&r);
	clone(&est[s], &r);
	ike_sa_wipe(&i);
	ike_sa_wipe(&r);
}

static void
init_once(void)
{
	static bool	 done;
	char		 err[128];
	unsigned	 s;

	if (done)
		return;
	done = true;
	psk.len = strlen("fuzz-psk");
	memcpy(psk.key, "fuzz-psk", psk.len);
	FUZZ_CHECK(cp_pool_parse(&pools, "10.3.0.0/30", err, sizeof(err)) ==
	    IKE_OK);
	FUZZ_CHECK(cp_pool_parse(&pools, "fd00:3::/126", err, sizeof(err)) ==
	    IKE_OK);
	for (s = 0; s < N_SUITES; s++) {
		cfg_set(&cfg_i[s], suites[s].ike, suites[s].esp, "192.0.2.1",
		    "192.0.2.2", "10.1.0.0/16,fd00:1::/48", "10.2.0.0/16");
		cfg_set(&cfg_r[s], suites[s].ike, suites[s].esp, "192.0.2.2",
		    "192.0.2.1", "10.2.0.0/16", "10.1.0.0/16,fd00:1::/48");
		if (suites[s].vip != 0) {
			cfg_i[s].vip_req = suites[s].vip;
			FUZZ_CHECK(ts_parse_list(&cfg_i[s].ts_local,
			    "0.0.0.0/0,::/0", err, sizeof(err)) == IKE_OK);
			FUZZ_CHECK(ts_parse_list(&cfg_r[s].ts_remote,
			    "10.3.0.0/30,fd00:3::/126", err, sizeof(err)) ==
			    IKE_OK);
		}
		cfg_r[s].cp = &pools;
		handshake(s);
	}
}

/* edit applies the edits in p (len bytes) to the chain k into edited and
 * returns its length. */
static size_t
edit(const struct chain_buf *k, const uint8_t *p, size_t len)
{
	size_t		 n = k->len, off, m;

	memcpy(edited, k->b, n);
	while (len >= 3) {
		off = ((size_t)p[0] << 8 | p[1]) % (n + 1);
		m = p[2];
		p += 3;
		len -= 3;
		if (m > len)
			m = len;
		if (off + m > sizeof(edited))
			break;
		memcpy(edited + off, p, m);
		if (off + m > n)
			n = off + m;
		p += m;
		len -= m;
	}
	return n;
}

/* clear writes a clear message with header h and the chain p to msg and
 * returns its length (0 if it does not fit). */
static size_t
clear(struct ike_hdr *h, const uint8_t *p, size_t len)
{
	struct wr	 w = wr_init(msg, sizeof(msg));

	h->len = (uint32_t)(IKE_HDR_LEN + len);
	(void)hdr_put(&w, h);
	wr_bytes(&w, p, len);
	return wr_ok(&w) ? w.len : 0;
}

/* patch_spis puts ispi (and rspi) into a raw message's header. */
static void
patch_spis(uint8_t *m, size_t len, uint64_t ispi, uint64_t rspi)
{
	int	 i;

	for (i = 0; i < 8 && (size_t)i < len; i++)
		m[i] = (uint8_t)(ispi >> (56 - 8 * i));
	for (i = 0; i < 8 && (size_t)(8 + i) < len; i++)
		m[8 + i] = (uint8_t)(rspi >> (56 - 8 * i));
}

/* the Notify an error of sa_init_respond is answered with */
static uint16_t
init_notify(enum ike_err e)
{
	switch (e) {
	case IKE_EREFUSED:	return IKEV2_N_COOKIE;
	case IKE_ENOPROP:	return IKEV2_N_NO_PROPOSAL_CHOSEN;
	case IKE_EBADKE:	return IKEV2_N_INVALID_KE_PAYLOAD;
	default:		return ike_err_notify(e);
	}
}

/* only_clear_notify checks that the clear message o is a response to the
 * request header rq with exactly one Notify, and returns it in n. */
static void
only_clear_notify(const uint8_t *o, size_t len, const struct ike_hdr *rq,
    struct notify_pld *n)
{
	static struct ike_msg	 m;
	struct rd		 body;

	FUZZ_CHECK(msg_parse(rd_init(o, len), &m) == IKE_OK);
	FUZZ_CHECK(m.hdr.ispi == rq->ispi && m.hdr.rspi == 0 &&
	    m.hdr.msgid == 0 && m.hdr.exch == IKEV2_EXCH_IKE_SA_INIT);
	FUZZ_CHECK(m.hdr.flags == IKEV2_FLAG_RESPONSE);
	FUZZ_CHECK(m.n_pld == 1 && m.pld[0].type == IKEV2_PAYLOAD_NOTIFY);
	body = m.pld[0].body;
	FUZZ_CHECK(notify_parse(&body, n) == IKE_OK);
}

/* init_keys_ok checks the keys of an IKE SA that IKE_SA_INIT set up. */
static void
init_keys_ok(const struct ike_sa *sa)
{
	const struct ike_keys	*k = &sa->keys;

	FUZZ_CHECK(sa->state == SA_INIT_DONE && sa->dh == NULL);
	FUZZ_CHECK(sa->ispi != 0 && sa->rspi != 0);
	FUZZ_CHECK(k->e_len == encr_key_len(sa->suite.encr,
	    sa->suite.encr_keybits) && k->e_len != 0);
	FUZZ_CHECK(k->a_len == integ_key_len(sa->suite.integ));
	FUZZ_CHECK(k->d_len == prf_len(sa->suite.prf) && k->p_len == k->d_len);
	FUZZ_CHECK(sa->ni_len >= 16 && sa->nr_len >= 16);
}

static void
init_respond(unsigned s, uint8_t op, uint8_t tweak, uint8_t first,
    const uint8_t *p, size_t len)
{
	static struct ike_sa	 sa;
	struct xchg_cfg		 cfg = cfg_r[s];
	struct ike_hdr		 h = { .ispi = 0x0102030405060708ULL,
	    .major = 2, .exch = IKEV2_EXCH_IKE_SA_INIT,
	    .flags = IKEV2_FLAG_INITIATOR };
	struct wr		 w = wr_init(out, sizeof(out));
	struct notify_pld	 n;
	struct rd		 r;
	size_t			 mlen;
	enum ike_err		 e;

	if (op & 0x20) {
		cfg.cookie = cookie;
		cfg.cookie_len = sizeof(cookie);
	}
	if (op & 0x80) {
		memcpy(msg, p, len);
		mlen = len;
	} else {
		h.next = first;
		h.flags ^= tweak & T_FLIP_R ? IKEV2_FLAG_RESPONSE : 0;
		h.msgid = tweak & T_MSGID ? 1 : 0;
		if (tweak & T_EXCH)
			h.exch = IKEV2_EXCH_INFORMATIONAL;
		if ((mlen = clear(&h, p, len)) == 0)
			return;
	}
	r = rd_init(msg, mlen);
	if (hdr_parse(&r, &h) != IKE_OK)
		memset(&h, 0, sizeof(h));
	ike_sa_init(&sa, ROLE_RESPONDER);
	e = sa_init_respond(&sa, &cfg, rd_init(msg, mlen), &w);
	if (e == IKE_OK) {
		init_keys_ok(&sa);
		FUZZ_CHECK(sa.ispi == h.ispi && h.msgid == 0 &&
		    h.exch == IKEV2_EXCH_IKE_SA_INIT);
		FUZZ_CHECK(sa.init_req_len == mlen && sa.init_resp_len == w.len);
		FUZZ_CHECK(proposal_dh_group(&sa.chosen) == sa.dh_group);
	} else {
		FUZZ_CHECK(sa.state == SA_IDLE && fz_zero(&sa.keys,
		    sizeof(sa.keys)));
		if (w.len > 0) {
			/* an error answered: one Notify, no state */
			only_clear_notify(out, w.len, &h, &n);
			FUZZ_CHECK(n.type == init_notify(e));
			if (n.type == IKEV2_N_COOKIE)
				FUZZ_CHECK(n.data.len == sizeof(cookie) &&
				    memcmp(n.data.p, cookie, n.data.len) == 0);
			if (n.type == IKEV2_N_INVALID_KE_PAYLOAD)
				FUZZ_CHECK(n.data.len == 2 &&
				    dh_pub_len((uint16_t)(n.data.p[0] << 8 |
				    n.data.p[1])) != 0);
		}
	}
	ike_sa_wipe(&sa);
}

static void
init_consume(unsigned s, uint8_t op, uint8_t tweak, uint8_t first,
    const uint8_t *p, size_t len)
{
	static struct ike_sa	 sa, peer;
	static struct chain_buf	 k;
	struct ike_hdr		 h = { .rspi = 0x5a5a5a5a5a5a5a5aULL,
	    .major = 2, .exch = IKEV2_EXCH_IKE_SA_INIT,
	    .flags = IKEV2_FLAG_RESPONSE };
	struct wr		 w = wr_init(out, sizeof(out));
	size_t			 mlen = 0;
	bool			 genuine = false;
	enum ike_err		 e;

	ike_sa_init(&sa, ROLE_INITIATOR);
	FUZZ_CHECK(sa_init_create(&sa, &cfg_i[s], &w) == IKE_OK);
	if (op & 0x40) {
		/* the responder's genuine answer to this request, edited */
		ike_sa_init(&peer, ROLE_RESPONDER);
		FUZZ_CHECK(sa_init_respond(&peer, &cfg_r[s], rd_init(out,
		    w.len), (w = wr_init(msg, sizeof(msg)), &w)) == IKE_OK);
		h.rspi = peer.rspi;
		k.first = msg[HDR_NEXT_AT];
		k.len = w.len - IKE_HDR_LEN;
		memcpy(k.b, msg + IKE_HDR_LEN, k.len);
		genuine = len < 3 && tweak == 0 && (op & 0x80) == 0;
		mlen = edit(&k, p, len);
		p = edited;
		len = mlen;
		first = k.first;
	}
	if (op & 0x80) {
		memcpy(msg, p, len);
		mlen = len;
		patch_spis(msg, mlen, sa.ispi, h.rspi);
	} else {
		h.ispi = sa.ispi;
		h.next = first;
		h.flags ^= tweak & T_FLIP_R ? IKEV2_FLAG_RESPONSE : 0;
		h.msgid = tweak & T_MSGID ? 1 : 0;
		if ((mlen = clear(&h, p, len)) == 0)
			goto out;
	}
	e = sa_init_consume(&sa, &cfg_i[s], rd_init(msg, mlen));
	FUZZ_CHECK(!genuine || (e == IKE_OK &&
	    memcmp(&sa.keys, &peer.keys, sizeof(sa.keys)) == 0));
	if (e == IKE_OK) {
		if (sa.state == SA_IDLE)	/* a COOKIE: ask again */
			FUZZ_CHECK(sa.cookie_len > 0);
		else
			init_keys_ok(&sa);
	} else {
		/* an INVALID_KE_PAYLOAD's group is the driver's to check
		 * (xchg_step retries only with a group it offered) */
		FUZZ_CHECK(sa.state != SA_INIT_DONE);
		FUZZ_CHECK(fz_zero(&sa.keys, sizeof(sa.keys)));
	}
out:
	if (op & 0x40)
		ike_sa_wipe(&peer);
	ike_sa_wipe(&sa);
}

/* has_notify returns whether the chain holds a Notify of type t. */
static bool
has_notify(struct rd chain, uint8_t first, uint16_t t)
{
	struct pld_iter		 it;
	struct pld		 p;
	struct notify_pld	 n;
	struct rd		 body;
	bool			 found = false;

	pld_iter_init_inner(&it, chain, first);
	while (pld_next(&it, &p)) {
		body = p.body;
		if (p.type == IKEV2_PAYLOAD_NOTIFY &&
		    notify_parse(&body, &n) == IKE_OK && n.type == t)
			found = true;
	}
	return found;
}

/* fuzzed_auth writes to msg the IKE_AUTH message from sends (a request, or
 * a response): the genuine chain g edited, the bytes as a chain, or as
 * they are; returns its length (0: none) and whether it is genuine. */
static size_t
fuzzed_auth(const struct ike_sa *from, bool response, uint8_t op,
    uint8_t tweak, uint8_t first, const uint8_t *p, size_t len,
    const struct chain_buf *g, bool *genuine)
{
	size_t	 mlen;

	*genuine = false;
	if (op & 0x80) {
		memcpy(msg, p, len);
		patch_spis(msg, len, from->ispi, from->rspi);
		return len;
	}
	if (op & 0x40) {
		*genuine = len < 3 && tweak == 0;
		mlen = edit(g, p, len);
		p = edited;
		len = mlen;
		first = g->first;
	}
	return fz_seal(from, tweak & T_EXCH ? IKEV2_EXCH_INFORMATIONAL :
	    IKEV2_EXCH_IKE_AUTH, response, 1 + (tweak & T_MSGID ? 1 : 0),
	    tweak & T_FLIP_R ? IKEV2_FLAG_RESPONSE : 0, first, p, len, msg,
	    sizeof(msg));
}

/* the Notify auth_respond answers an error with */
static uint16_t
auth_notify(enum ike_err e)
{
	switch (e) {
	case IKE_EAUTH:		return IKEV2_N_AUTHENTICATION_FAILED;
	case IKE_ENOPROP:	return IKEV2_N_NO_PROPOSAL_CHOSEN;
	case IKE_ETS:		return IKEV2_N_TS_UNACCEPTABLE;
	case IKE_EREFUSED:	return IKEV2_N_INTERNAL_ADDRESS_FAILURE;
	default:		return ike_err_notify(e);
	}
}

static void
auth_resp_check(unsigned s, struct ike_sa *sa, enum ike_err e, size_t olen,
    bool genuine)
{
	static struct ike_sa	 i;
	struct rd		 chain;
	uint8_t			 f = 0;
	enum ike_err		 ie;

	if (olen == 0) {
		/* dropped: nothing moved */
		FUZZ_CHECK(e != IKE_OK && !genuine);
		FUZZ_CHECK(sa->state == SA_INIT_DONE && sa->msgid == 1);
		FUZZ_CHECK(fz_zero(&sa->child, sizeof(sa->child)));
		return;
	}
	chain = fz_open(sa, &ini[s], out, olen, IKEV2_EXCH_IKE_AUTH, true, 1,
	    pt, sizeof(pt), &f);
	FUZZ_CHECK(e == IKE_OK || has_notify(chain, f, auth_notify(e)));
	FUZZ_CHECK(!genuine || e == IKE_OK);
	if (e == IKE_OK) {
		FUZZ_CHECK(sa->state == SA_ESTABLISHED && sa->msgid == 2);
		fz_child_ok(&sa->child);
		FUZZ_CHECK(ts_within(&sa->child.tsr, &cfg_r[s].ts_local));
		FUZZ_CHECK(ts_within(&sa->child.tsi, &cfg_r[s].ts_remote));
	} else if (sa->state == SA_ESTABLISHED) {
		/* the peer authenticated, its Child SA refused */
		FUZZ_CHECK(e == IKE_ENOPROP || e == IKE_ETS ||
		    e == IKE_EREFUSED);
		FUZZ_CHECK(sa->msgid == 2);
	} else
		FUZZ_CHECK(sa->state == SA_FAILED);
	/* no Child SA: no keys of one kept */
	FUZZ_CHECK(e == IKE_OK || fz_zero(&sa->child.keys,
	    sizeof(sa->child.keys)));
	/* what the initiator makes of our answer */
	clone(&i, &ini[s]);
	ie = auth_consume(&i, &cfg_i[s], rd_init(out, olen));
	FUZZ_CHECK(!genuine || ie == IKE_OK);
	if (ie == IKE_OK) {
		FUZZ_CHECK(e == IKE_OK);
		/* (the SPI the request offered may be an edit's) */
		FUZZ_CHECK(i.child.spi_out == sa->child.spi_in);
		FUZZ_CHECK(memcmp(&i.child.keys, &sa->child.keys,
		    sizeof(i.child.keys)) == 0);
	}
	ike_sa_wipe(&i);
}

static void
auth_responder(unsigned s, uint8_t op, uint8_t tweak, uint8_t first,
    const uint8_t *p, size_t len)
{
	static struct ike_sa	 sa;
	struct wr		 w = wr_init(out, sizeof(out));
	size_t			 mlen;
	bool			 genuine;
	enum ike_err		 e;

	if ((mlen = fuzzed_auth(&ini[s], false, op, tweak, first, p, len,
	    &auth_req[s], &genuine)) == 0)
		return;
	clone(&sa, &res[s]);
	e = auth_respond(&sa, &cfg_r[s], rd_init(msg, mlen), &w);
	auth_resp_check(s, &sa, e, w.len, genuine);
	cp_lease_release(&pools, &sa.vip);
	ike_sa_wipe(&sa);
}

static void
auth_initiator(unsigned s, uint8_t op, uint8_t tweak, uint8_t first,
    const uint8_t *p, size_t len)
{
	static struct ike_sa	 sa;
	size_t			 mlen;
	bool			 genuine;
	enum ike_err		 e;

	if ((mlen = fuzzed_auth(&est[s], true, op, tweak, first, p, len,
	    &auth_resp[s], &genuine)) == 0)
		return;
	clone(&sa, &ini[s]);
	e = auth_consume(&sa, &cfg_i[s], rd_init(msg, mlen));
	FUZZ_CHECK(!genuine || e == IKE_OK);
	if (e == IKE_OK) {
		FUZZ_CHECK(sa.state == SA_ESTABLISHED && sa.msgid == 2);
		fz_child_ok(&sa.child);
		/* the responder may narrow, never widen */
		FUZZ_CHECK(ts_within(&sa.child.tsi, &cfg_i[s].ts_local) &&
		    ts_within(&sa.child.tsr, &cfg_i[s].ts_remote));
		FUZZ_CHECK(!genuine || memcmp(&sa.child.keys, &est[s].child.keys,
		    sizeof(sa.child.keys)) == 0);
	} else {
		FUZZ_CHECK(sa.state == SA_AUTH_SENT && sa.msgid == 1);
		FUZZ_CHECK(fz_zero(&sa.child.keys, sizeof(sa.child.keys)));
		FUZZ_CHECK(e != IKE_EREFUSED || notify_is_error(sa.peer_notify));
	}
	ike_sa_wipe(&sa);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned	 s;

	if (size < 3 || size - 3 > IN_MAX)
		return 0;
	init_once();
	s = data[0] >> 2 & 3;
	switch (data[0] & 3) {
	case OP_INIT_RESPOND:
		init_respond(s, data[0], data[1], data[2], data + 3, size - 3);
		break;
	case OP_INIT_CONSUME:
		init_consume(s, data[0], data[1], data[2], data + 3, size - 3);
		break;
	case OP_AUTH_RESPOND:
		auth_responder(s, data[0], data[1], data[2], data + 3, size - 3);
		break;
	case OP_AUTH_CONSUME:
		auth_initiator(s, data[0], data[1], data[2], data + 3, size - 3);
		break;
	}
	return 0;
}
