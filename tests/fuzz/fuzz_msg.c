/* SPDX-License-Identifier: ISC */
/* Fuzzes msg_parse, natt_classify and every typed payload parser, with re-encoding oracles. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "codec/auth_pld.h"
#include "codec/cert.h"
#include "codec/chain.h"
#include "codec/cp.h"
#include "codec/delete.h"
#include "codec/eap.h"
#include "codec/hdr.h"
#include "codec/id.h"
#include "codec/ke.h"
#include "codec/msg.h"
#include "codec/natt.h"
#include "codec/nonce.h"
#include "codec/notify.h"
#include "codec/sa_pld.h"
#include "codec/sk.h"
#include "codec/ts.h"
#include "codec/vendor.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

enum { BUF_MAX = 70000 };

static uint8_t	 ebuf[BUF_MAX];		/* one payload body, re-encoded */
static uint8_t	 mbuf[2 * BUF_MAX];	/* a whole message, re-encoded */

static bool
sa_eq(const struct sa_pld *a, const struct sa_pld *b)
{
	uint8_t i, j;

	if (a->n_props != b->n_props)
		return false;
	for (i = 0; i < a->n_props; i++) {
		const struct sa_prop *p = &a->props[i], *q = &b->props[i];

		if (p->num != q->num || p->proto != q->proto ||
		    p->spi_len != q->spi_len || p->n_xforms != q->n_xforms ||
		    memcmp(p->spi, q->spi, p->spi_len) != 0)
			return false;
		for (j = 0; j < p->n_xforms; j++)
			if (p->xforms[j].type != q->xforms[j].type ||
			    p->xforms[j].id != q->xforms[j].id ||
			    p->xforms[j].key_len != q->xforms[j].key_len ||
			    q->xforms[j].unknown_attr)
				return false;
	}
	return true;
}

static bool
sa_has_unknown_attr(const struct sa_pld *sa)
{
	uint8_t i, j;

	for (i = 0; i < sa->n_props; i++)
		for (j = 0; j < sa->props[i].n_xforms; j++)
			if (sa->props[i].xforms[j].unknown_attr)
				return true;
	return false;
}

static bool
ts_eq(const struct ts_pld *a, const struct ts_pld *b)
{
	uint8_t i;

	if (a->n_ts != b->n_ts)
		return false;
	for (i = 0; i < a->n_ts; i++) {
		const struct ts *s = &a->ts[i], *t = &b->ts[i];

		if (s->type != t->type || s->ipproto != t->ipproto ||
		    s->start_port != t->start_port ||
		    s->end_port != t->end_port || s->addr_len != t->addr_len ||
		    memcmp(s->start, t->start, s->addr_len) != 0 ||
		    memcmp(s->end, t->end, s->addr_len) != 0)
			return false;
	}
	return true;
}

static bool
cp_eq(const struct cp_pld *a, const struct cp_pld *b)
{
	uint8_t i;

	if (a->cfg_type != b->cfg_type || a->n_attrs != b->n_attrs)
		return false;
	for (i = 0; i < a->n_attrs; i++)
		if (a->attrs[i].type != b->attrs[i].type ||
		    !rd_eq(a->attrs[i].value, b->attrs[i].value))
			return false;
	return true;
}

/* The typed parsers and their oracles: what parses, re-encoded, parses again
 * to the same struct and consumes the whole re-encoded body. */

static void
check_sa(struct rd body)
{
	static struct sa_pld	 a, b;
	struct rd		 r = body;
	struct wr		 w;

	if (sa_pld_parse(&r, &a) != IKE_OK)
		return;
	FUZZ_CHECK(r.len == 0);
	if (sa_has_unknown_attr(&a))
		return;			/* the encoder cannot write those */
	w = wr_init(ebuf, sizeof(ebuf));
	sa_pld_put(&w, &a);
	FUZZ_CHECK(wr_ok(&w));
	r = rd_init(ebuf, w.len);
	FUZZ_CHECK(sa_pld_parse(&r, &b) == IKE_OK);
	FUZZ_CHECK(r.len == 0);
	FUZZ_CHECK(sa_eq(&a, &b));
}

static void
check_ke(struct rd body)
{
	struct ke_pld	 a, b;
	struct rd	 r = body;
	struct wr	 w;

	if (ke_parse(&r, &a) != IKE_OK)
		return;
	w = wr_init(ebuf, sizeof(ebuf));
	ke_put(&w, a.group, a.data.p, a.data.len);
	FUZZ_CHECK(wr_ok(&w));
	r = rd_init(ebuf, w.len);
	FUZZ_CHECK(ke_parse(&r, &b) == IKE_OK);
	FUZZ_CHECK(a.group == b.group && rd_eq(a.data, b.data));
}

static void
check_id(struct rd body)
{
	struct id_pld	 a, b;
	struct rd	 r = body;
	struct wr	 w;

	if (id_parse(&r, &a) != IKE_OK)
		return;
	w = wr_init(ebuf, sizeof(ebuf));
	id_put(&w, a.type, a.data.p, a.data.len);
	FUZZ_CHECK(wr_ok(&w));
	r = rd_init(ebuf, w.len);
	FUZZ_CHECK(id_parse(&r, &b) == IKE_OK);
	FUZZ_CHECK(a.type == b.type && rd_eq(a.data, b.data));
}

static void
check_cert(struct rd body, bool req)
{
	struct cert_pld	 a, b;
	struct rd	 r = body;
	struct wr	 w;
	enum ike_err	 e;

	e = req ? certreq_parse(&r, &a) : cert_parse(&r, &a);
	if (e != IKE_OK)
		return;
	w = wr_init(ebuf, sizeof(ebuf));
	cert_put(&w, a.enc, a.data.p, a.data.len);
	FUZZ_CHECK(wr_ok(&w));
	r = rd_init(ebuf, w.len);
	e = req ? certreq_parse(&r, &b) : cert_parse(&r, &b);
	FUZZ_CHECK(e == IKE_OK);
	FUZZ_CHECK(a.enc == b.enc && rd_eq(a.data, b.data));
}

static void
check_auth(struct rd body)
{
	struct auth_pld	 a, b;
	struct rd	 r = body;
	struct wr	 w;

	if (auth_parse(&r, &a) != IKE_OK)
		return;
	w = wr_init(ebuf, sizeof(ebuf));
	if (a.method == IKEV2_AUTHM_DIGITAL_SIG)
		auth_put_sig(&w, a.sig_alg.p, a.sig_alg.len, a.sig.p,
		    a.sig.len);
	else
		auth_put(&w, a.method, a.data.p, a.data.len);
	FUZZ_CHECK(wr_ok(&w));
	r = rd_init(ebuf, w.len);
	FUZZ_CHECK(auth_parse(&r, &b) == IKE_OK);
	FUZZ_CHECK(a.method == b.method && rd_eq(a.data, b.data) &&
	    rd_eq(a.sig_alg, b.sig_alg) && rd_eq(a.sig, b.sig));
}

static void
check_nonce(struct rd body)
{
	struct rd	 r = body, a, b;
	struct wr	 w;

	if (nonce_parse(&r, &a) != IKE_OK)
		return;
	FUZZ_CHECK(r.len == 0);
	w = wr_init(ebuf, sizeof(ebuf));
	nonce_put(&w, a.p, a.len);
	FUZZ_CHECK(wr_ok(&w));
	r = rd_init(ebuf, w.len);
	FUZZ_CHECK(nonce_parse(&r, &b) == IKE_OK);
	FUZZ_CHECK(rd_eq(a, b));
}

static void
check_notify(struct rd body)
{
	struct notify_pld	 a, b;
	struct rd		 r = body;
	struct wr		 w;
	uint32_t		 spi;

	if (notify_parse(&r, &a) != IKE_OK)
		return;
	(void)notify_is_error(a.type);
	(void)notify_spi32(&a, &spi);
	w = wr_init(ebuf, sizeof(ebuf));
	notify_put(&w, a.proto, a.spi, a.spi_len, a.type, a.data.p,
	    a.data.len);
	FUZZ_CHECK(wr_ok(&w));
	r = rd_init(ebuf, w.len);
	FUZZ_CHECK(notify_parse(&r, &b) == IKE_OK);
	/* without an SPI the protocol is ignored, and written as 0 */
	FUZZ_CHECK((a.spi_len == 0 || a.proto == b.proto) &&
	    a.spi_len == b.spi_len &&
	    memcmp(a.spi, b.spi, a.spi_len) == 0 && a.type == b.type &&
	    rd_eq(a.data, b.data));
}

static void
check_delete(struct rd body)
{
	static uint32_t		 spis[UINT16_MAX];
	struct delete_pld	 a, b;
	struct rd		 r = body;
	struct wr		 w;
	size_t			 i;

	if (delete_parse(&r, &a) != IKE_OK)
		return;
	for (i = 0; i < a.n_spi; i++)
		FUZZ_CHECK(delete_spi32(&a, i, &spis[i]));
	FUZZ_CHECK(!delete_spi32(&a, a.n_spi, &spis[0]) ||
	    a.n_spi == UINT16_MAX);
	w = wr_init(ebuf, sizeof(ebuf));
	delete_put(&w, a.proto, spis, a.n_spi);
	FUZZ_CHECK(wr_ok(&w));
	r = rd_init(ebuf, w.len);
	FUZZ_CHECK(delete_parse(&r, &b) == IKE_OK);
	FUZZ_CHECK(a.proto == b.proto && a.spi_len == b.spi_len &&
	    a.n_spi == b.n_spi && rd_eq(a.spis, b.spis));
}

static void
check_vendor(struct rd body)
{
	struct rd	 r = body, a, b;
	struct wr	 w;

	if (vendor_parse(&r, &a) != IKE_OK)
		return;
	w = wr_init(ebuf, sizeof(ebuf));
	vendor_put(&w, a.p, a.len);
	FUZZ_CHECK(wr_ok(&w));
	r = rd_init(ebuf, w.len);
	FUZZ_CHECK(vendor_parse(&r, &b) == IKE_OK);
	FUZZ_CHECK(rd_eq(a, b));
}

static void
check_ts(struct rd body)
{
	static struct ts_pld	 a, b;
	struct rd		 r = body;
	struct wr		 w;
	uint8_t			 i;

	if (ts_parse(&r, &a) != IKE_OK)
		return;
	for (i = 0; i < a.n_ts; i++)
		if (a.ts[i].addr_len == 0)
			return;		/* other types: not writable */
	w = wr_init(ebuf, sizeof(ebuf));
	ts_put(&w, &a);
	FUZZ_CHECK(wr_ok(&w));
	r = rd_init(ebuf, w.len);
	FUZZ_CHECK(ts_parse(&r, &b) == IKE_OK);
	FUZZ_CHECK(ts_eq(&a, &b));
}

static void
check_cp(struct rd body)
{
	static struct cp_pld	 a, b;
	struct rd		 r = body;
	struct wr		 w;

	if (cp_parse(&r, &a) != IKE_OK)
		return;
	w = wr_init(ebuf, sizeof(ebuf));
	cp_put(&w, &a);
	FUZZ_CHECK(wr_ok(&w));
	r = rd_init(ebuf, w.len);
	FUZZ_CHECK(cp_parse(&r, &b) == IKE_OK);
	FUZZ_CHECK(cp_eq(&a, &b));
}

static void
check_eap(struct rd body)
{
	struct eap_pld	 a, b;
	struct rd	 r = body;
	struct wr	 w;

	if (eap_parse(&r, &a) != IKE_OK)
		return;
	FUZZ_CHECK(a.len == body.len);
	w = wr_init(ebuf, sizeof(ebuf));
	eap_put(&w, &a);
	FUZZ_CHECK(wr_ok(&w));
	r = rd_init(ebuf, w.len);
	FUZZ_CHECK(eap_parse(&r, &b) == IKE_OK);
	FUZZ_CHECK(a.code == b.code && a.id == b.id && a.len == b.len &&
	    a.type == b.type && rd_eq(a.data, b.data));
}

static void
check_skf(struct rd body)
{
	struct skf_pld	 a, b;
	struct rd	 r = body;
	struct wr	 w;

	if (skf_parse(&r, &a) != IKE_OK)
		return;
	FUZZ_CHECK(a.num >= 1 && a.num <= a.total);
	w = wr_init(ebuf, sizeof(ebuf));
	skf_put(&w, a.num, a.total);
	wr_bytes(&w, a.enc.p, a.enc.len);
	FUZZ_CHECK(wr_ok(&w));
	r = rd_init(ebuf, w.len);
	FUZZ_CHECK(skf_parse(&r, &b) == IKE_OK);
	FUZZ_CHECK(a.num == b.num && a.total == b.total && rd_eq(a.enc, b.enc));
}

static void
check_pld(uint8_t type, struct rd body)
{
	switch (type) {
	case IKEV2_PAYLOAD_SA:
		check_sa(body);
		break;
	case IKEV2_PAYLOAD_KE:
		check_ke(body);
		break;
	case IKEV2_PAYLOAD_IDI:
	case IKEV2_PAYLOAD_IDR:
		check_id(body);
		break;
	case IKEV2_PAYLOAD_CERT:
		check_cert(body, false);
		break;
	case IKEV2_PAYLOAD_CERTREQ:
		check_cert(body, true);
		break;
	case IKEV2_PAYLOAD_AUTH:
		check_auth(body);
		break;
	case IKEV2_PAYLOAD_NONCE:
		check_nonce(body);
		break;
	case IKEV2_PAYLOAD_NOTIFY:
		check_notify(body);
		break;
	case IKEV2_PAYLOAD_DELETE:
		check_delete(body);
		break;
	case IKEV2_PAYLOAD_VENDOR:
		check_vendor(body);
		break;
	case IKEV2_PAYLOAD_TSI:
	case IKEV2_PAYLOAD_TSR:
		check_ts(body);
		break;
	case IKEV2_PAYLOAD_CP:
		check_cp(body);
		break;
	case IKEV2_PAYLOAD_EAP:
		check_eap(body);
		break;
	case IKEV2_PAYLOAD_SKF:
		check_skf(body);
		break;
	default:
		break;
	}
}

/* check_rebuild writes m again with hdr_put and the chain writer (bodies
 * copied) and checks that it parses to the same header and payloads. */
static void
check_rebuild(const struct ike_msg *m)
{
	static struct ike_msg	 m2;
	struct chain		 c;
	struct wr		 w = wr_init(mbuf, sizeof(mbuf));
	size_t			 hoff, i;

	hoff = hdr_put(&w, &m->hdr);
	chain_init(&c, &w, hoff + HDR_NEXT_AT);
	for (i = 0; i < m->n_pld; i++) {
		chain_open(&c, m->pld[i].type, m->pld[i].critical);
		wr_bytes(&w, m->pld[i].body.p, m->pld[i].body.len);
	}
	chain_close(&c);
	if (m->sk >= 0)		/* SK/SKF is last: its next is the inner first */
		wr_u8_at(&w, c.next_at, m->sk_next);
	hdr_finish(&w, hoff);
	FUZZ_CHECK(wr_ok(&w));
	FUZZ_CHECK(w.len == m->hdr.len);
	FUZZ_CHECK(msg_parse(rd_init(mbuf, w.len), &m2) == IKE_OK);
	FUZZ_CHECK(memcmp(&m->hdr, &m2.hdr, sizeof(m->hdr)) == 0);
	FUZZ_CHECK(m2.n_pld == m->n_pld && m2.sk == m->sk &&
	    m2.sk_next == m->sk_next && m2.frag_num == m->frag_num &&
	    m2.frag_total == m->frag_total && m2.sk_off == m->sk_off &&
	    rd_eq(m2.sk_body, m->sk_body));
	for (i = 0; i < m->n_pld; i++)
		FUZZ_CHECK(m2.pld[i].type == m->pld[i].type &&
		    m2.pld[i].next == m->pld[i].next &&
		    m2.pld[i].critical == m->pld[i].critical &&
		    m2.pld[i].off == m->pld[i].off &&
		    rd_eq(m2.pld[i].body, m->pld[i].body));
}

static void
check_msg(struct rd msg)
{
	static struct ike_msg	 m;
	struct ike_hdr		 h;
	struct rd		 r = msg;
	enum ike_err		 e, he;
	size_t			 i;

	he = hdr_parse(&r, &h);
	FUZZ_CHECK(he == IKE_OK ? r.len == msg.len - IKE_HDR_LEN :
	    r.len == msg.len);
	e = msg_parse(msg, &m);
	FUZZ_CHECK(m.n_pld <= PLD_MAX);
	FUZZ_CHECK(he == IKE_OK || e == he);
	for (i = 0; i < m.n_pld; i++) {
		/* every body lies inside the message, at its offset */
		FUZZ_CHECK(m.pld[i].off + m.pld[i].body.len <= msg.len);
		FUZZ_CHECK(m.pld[i].body.len == 0 ||
		    m.pld[i].body.p == msg.p + m.pld[i].off);
		check_pld(m.pld[i].type, m.pld[i].body);
	}
	if (e != IKE_OK)
		return;
	FUZZ_CHECK(m.hdr.len == msg.len);
	if (m.sk >= 0) {
		FUZZ_CHECK((size_t)m.sk == m.n_pld - 1);
		FUZZ_CHECK(m.sk_off + m.sk_body.len == msg.len);
	}
	check_rebuild(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd	 in = rd_init(data, size), out;
	struct pld_iter	 it;
	struct pld	 p;

	check_msg(in);

	switch (natt_classify(in, &out)) {
	case NATT_IKE:
		FUZZ_CHECK(out.len + NON_ESP_MARKER_LEN == size &&
		    out.len >= IKE_HDR_LEN);
		check_msg(out);
		break;
	case NATT_ESP:
		FUZZ_CHECK(out.len == size && out.len >= ESP_HDR_LEN);
		break;
	case NATT_KEEPALIVE:
	case NATT_BAD:
		FUZZ_CHECK(out.len == 0);
		break;
	}

	/* the input as a decrypted inner chain: first byte is the first type */
	if (size > 0) {
		pld_iter_init_inner(&it, rd_init(data + 1, size - 1), data[0]);
		while (pld_next(&it, &p)) {
			FUZZ_CHECK(p.type != IKEV2_PAYLOAD_SK &&
			    p.type != IKEV2_PAYLOAD_SKF);
			check_pld(p.type, p.body);
		}
	}
	return 0;
}
