/* SPDX-License-Identifier: ISC */
/* Decoding one IKE message: header, payload chain, SK decryption and SKF reassembly. */
#include <stdio.h>
#include <string.h>

#include "codec/codec.h"
#include "crypto/secret.h"
#include "names/names.h"
#include "decode.h"

enum {
	PLAIN_CAP	= 65536,
	FRAG_SLOTS	= 16,		/* messages being reassembled at once */
	FRAG_CAP	= 65536,	/* bytes of plaintext per message */
};

/* One message being reassembled, keyed by SPIs, message ID and direction. */
struct frag_slot {
	bool			 used;
	uint64_t		 ispi, rspi, age;
	uint32_t		 msgid;
	uint8_t			 dir;		/* initiator and response flags */
	struct skf_reasm	 r;
	uint8_t			 buf[FRAG_CAP];
};

static uint8_t			 plain[PLAIN_CAP];	/* one SK/SKF plaintext */
static size_t			 plain_len;
static uint8_t			 joined[FRAG_CAP];	/* a reassembled message */
static size_t			 joined_len;
static struct frag_slot		 frags[FRAG_SLOTS];
static uint64_t			 frag_clock;
static struct dike		 cur;

const char *
pld_name(uint8_t type)
{
	return ikev2_payload_abbr(type);
}

const char *
sk_why(enum ike_err e)
{
	switch (e) {
	case IKE_ENOKEY:
		return "no key for this SA";
	case IKE_EINTEG:
		return "integrity check failed";
	case IKE_EUNSUPP:
		return "cipher not supported";
	case IKE_ETRUNC:
		return "encrypted payload too short";
	case IKE_ESYNTAX:
		return "bad padding or length";
	case IKE_ETOOBIG:
		return "too many or too large fragments";
	default:
		return ike_strerror(e);
	}
}

/* pld_check runs the payload's own parser over a copy of its body, so that a
 * malformed payload is found whatever the verbosity; *ntype gets a Notify's
 * type. Printers parse again for details. */
static enum ike_err
pld_check(const struct pld *p, uint16_t *ntype)
{
	static struct sa_pld	 sa;
	static struct cp_pld	 cp;
	static struct ts_pld	 ts;
	struct rd		 b = p->body, v;
	struct ke_pld		 ke;
	struct id_pld		 id;
	struct cert_pld		 cert;
	struct auth_pld		 auth;
	struct notify_pld	 n;
	struct delete_pld	 d;
	struct eap_pld		 eap;
	enum ike_err		 e;

	switch (p->type) {
	case IKEV2_PAYLOAD_SA:
		e = sa_pld_parse(&b, &sa);
		break;
	case IKEV2_PAYLOAD_KE:
		e = ke_parse(&b, &ke);
		break;
	case IKEV2_PAYLOAD_IDI:
	case IKEV2_PAYLOAD_IDR:
		e = id_parse(&b, &id);
		break;
	case IKEV2_PAYLOAD_CERT:
		e = cert_parse(&b, &cert);
		break;
	case IKEV2_PAYLOAD_CERTREQ:
		e = certreq_parse(&b, &cert);
		break;
	case IKEV2_PAYLOAD_AUTH:
		e = auth_parse(&b, &auth);
		break;
	case IKEV2_PAYLOAD_NONCE:
		e = nonce_parse(&b, &v);
		break;
	case IKEV2_PAYLOAD_NOTIFY:
		if ((e = notify_parse(&b, &n)) == IKE_OK)
			*ntype = n.type;
		else if (p->body.len >= 4)	/* name the notify even if its data is bad */
			*ntype = (uint16_t)(p->body.p[2] << 8 | p->body.p[3]);
		break;
	case IKEV2_PAYLOAD_DELETE:
		e = delete_parse(&b, &d);
		break;
	case IKEV2_PAYLOAD_VENDOR:
		e = vendor_parse(&b, &v);
		break;
	case IKEV2_PAYLOAD_TSI:
	case IKEV2_PAYLOAD_TSR:
		e = ts_parse(&b, &ts);
		break;
	case IKEV2_PAYLOAD_CP:
		e = cp_parse(&b, &cp);
		break;
	case IKEV2_PAYLOAD_EAP:
		e = eap_parse(&b, &eap);
		break;
	default:
		return IKE_OK;	/* SK, SKF (framed by msg_parse) and unknown types */
	}
	if (e == IKE_OK && b.len != 0)
		e = IKE_ESYNTAX;
	return e;
}

/* ts_why finds what is wrong in a TS body the codec refused. */
static bool
ts_why(struct rd b, char *why, size_t n)
{
	uint8_t		 count, type;
	uint16_t	 len;

	if (!rd_u8(&b, &count) || !rd_skip(&b, 3))
		return snprintf(why, n, "truncated header") > 0;
	if (count == 0)
		return snprintf(why, n, "no traffic selectors") > 0;
	if (count > TS_MAX)
		return snprintf(why, n, "%u selectors, more than %d", count, TS_MAX) > 0;
	for (unsigned i = 1; i <= count; i++) {
		struct rd sel = b;

		if (!rd_u8(&sel, &type) || !rd_skip(&sel, 1) || !rd_u16(&sel, &len))
			return snprintf(why, n, "selector %u: truncated", i) > 0;
		if (type == IKEV2_TS_IPV4_ADDR_RANGE && len != TS_IPV4_LEN)
			return snprintf(why, n, "selector %u: length %u != %d", i, len,
			    TS_IPV4_LEN) > 0;
		if (type == IKEV2_TS_IPV6_ADDR_RANGE && len != TS_IPV6_LEN)
			return snprintf(why, n, "selector %u: length %u != %d", i, len,
			    TS_IPV6_LEN) > 0;
		if (len < 8 || !rd_skip(&b, len))
			return snprintf(why, n, "selector %u: length %u, %zu bytes left", i,
			    len, b.len) > 0;
	}
	if (b.len != 0)
		return snprintf(why, n, "%zu bytes after %u selectors", b.len, count) > 0;
	return false;
}

/* pld_why writes a precise reason for the payload parsing error e where it can
 * tell one, else the error's own text. */
static void
pld_why(const struct pld *p, enum ike_err e, char *why, size_t n)
{
	switch (p->type) {
	case IKEV2_PAYLOAD_TSI:
	case IKEV2_PAYLOAD_TSR:
		if (ts_why(p->body, why, n))
			return;
		break;
	case IKEV2_PAYLOAD_CERTREQ:
		if (p->body.len > 1 && p->body.p[0] == IKEV2_CERT_X509_CERT_SIGNATURE &&
		    (p->body.len - 1) % CERTREQ_HASH_LEN != 0) {
			snprintf(why, n, "%zu bytes of CA hashes, not a multiple of %d",
			    p->body.len - 1, CERTREQ_HASH_LEN);
			return;
		}
		break;
	case IKEV2_PAYLOAD_NONCE:
		if (p->body.len < NONCE_MIN_LEN || p->body.len > NONCE_MAX_LEN) {
			snprintf(why, n, "nonce length %zu is not %d..%d", p->body.len,
			    NONCE_MIN_LEN, NONCE_MAX_LEN);
			return;
		}
		break;
	}
	snprintf(why, n, "%s", ike_strerror(e));
}

static void
set_malformed(const char *where, size_t idx, uint8_t type, const char *why)
{
	const char *name = pld_name(type);

	if (name != NULL)
		snprintf(cur.malformed, sizeof(cur.malformed), "%spayload %zu (%s): %s",
		    where, idx, name, why);
	else
		snprintf(cur.malformed, sizeof(cur.malformed), "%spayload %zu (type %u): %s",
		    where, idx, type, why);
}

/* chain_error explains why the chain base stopped at the payload number idx
 * (1-based) of type type, whose generic header should be at offset off. */
static void
chain_error(const char *where, struct rd base, size_t off, size_t idx, uint8_t type,
    enum ike_err e)
{
	struct rd	 r;
	uint16_t	 len = 0;
	char		 why[96];

	if (e == IKE_ELOOP) {
		snprintf(why, sizeof(why), "more than %d payloads", PLD_MAX);
	} else if (e == IKE_EUNSUPP_CRIT) {
		snprintf(why, sizeof(why), "%s", ike_strerror(e));
	} else if (!rd_sub(&base, &r, off, off <= base.len ? base.len - off : 0)) {
		snprintf(why, sizeof(why), "%s", ike_strerror(e));
	} else if (type == IKEV2_PAYLOAD_NONE) {
		snprintf(cur.malformed, sizeof(cur.malformed),
		    "%s%zu bytes after the last payload", where, r.len);
		return;
	} else if (r.len < PLD_HDR_LEN) {
		snprintf(why, sizeof(why), "header truncated: %zu of %d bytes", r.len,
		    PLD_HDR_LEN);
	} else if (!rd_skip(&r, 2) || !rd_u16(&r, &len) || len < PLD_HDR_LEN) {
		snprintf(why, sizeof(why), "payload length %u is less than %d", len,
		    PLD_HDR_LEN);
	} else if ((size_t)len > r.len + PLD_HDR_LEN) {
		snprintf(why, sizeof(why), "payload length %u exceeds the %zu bytes left",
		    len, r.len + PLD_HDR_LEN);
	} else if (*where != '\0' &&
	    (type == IKEV2_PAYLOAD_SK || type == IKEV2_PAYLOAD_SKF)) {
		snprintf(why, sizeof(why), "encrypted payload inside an encrypted payload");
	} else if ((type == IKEV2_PAYLOAD_SK || type == IKEV2_PAYLOAD_SKF) &&
	    (size_t)len != r.len + PLD_HDR_LEN) {
		snprintf(why, sizeof(why), "not the last payload");
	} else if (type == IKEV2_PAYLOAD_SKF) {
		uint16_t num = 0, total = 0;

		if (rd_u16(&r, &num) && rd_u16(&r, &total))
			snprintf(why, sizeof(why), "fragment number %u of %u", num, total);
		else
			snprintf(why, sizeof(why), "truncated fragment header");
	} else {
		snprintf(why, sizeof(why), "%s", ike_strerror(e));
	}
	set_malformed(where, idx, type, why);
}

/* inner_decode parses the decrypted chain plain (first type first) into sk,
 * checking each payload like a clear one. */
static void
inner_decode(struct dsk *sk, struct rd in, uint8_t first)
{
	struct pld_iter	 it;
	struct pld	 p;
	enum ike_err	 e;

	sk->st = SK_OK;
	sk->plain = in;
	sk->n_in = 0;
	pld_iter_init_inner(&it, in, first);
	while (sk->n_in < PLD_MAX && pld_next(&it, &p)) {
		sk->ntype[sk->n_in] = 0;
		if ((e = pld_check(&p, &sk->ntype[sk->n_in])) != IKE_OK) {
			char why[96];

			pld_why(&p, e, why, sizeof(why));
			set_malformed("SK ", sk->n_in + 1, p.type, why);
			return;
		}
		sk->in[sk->n_in++] = p;
	}
	if (it.err != IKE_OK) {
		const struct pld	*last = sk->n_in > 0 ? &sk->in[sk->n_in - 1] : NULL;

		chain_error("SK ", in, last != NULL ? last->off + last->body.len : 0,
		    sk->n_in + 1, last != NULL ? last->next : first, it.err);
	}
}

static struct frag_slot *
frag_find(const struct ike_hdr *h, bool create)
{
	struct frag_slot	*s, *old = &frags[0];
	uint8_t			 dir = h->flags & (IKEV2_FLAG_INITIATOR | IKEV2_FLAG_RESPONSE);

	for (size_t i = 0; i < FRAG_SLOTS; i++) {
		s = &frags[i];
		if (s->used && s->ispi == h->ispi && s->rspi == h->rspi &&
		    s->msgid == h->msgid && s->dir == dir)
			return s;
		if (!s->used || (old->used && s->age < old->age))
			old = s;
	}
	if (!create)
		return NULL;
	/* the oldest message still incomplete makes room */
	s = old;
	wipe(s->buf, sizeof(s->buf));
	s->used = true;
	s->ispi = h->ispi;
	s->rspi = h->rspi;
	s->msgid = h->msgid;
	s->dir = dir;
	s->age = ++frag_clock;
	skf_reasm_init(&s->r, s->buf, sizeof(s->buf));
	return s;
}

static void
frag_drop(struct frag_slot *s)
{
	wipe(s->buf, s->r.used);
	s->used = false;
}

static void
skf_decode(struct rd msg)
{
	struct ike_msg		*m = &cur.m;
	struct frag_slot	*s;
	struct skf_pld		 f;
	struct wr		 w;
	bool			 complete = false;
	uint8_t			 first;
	enum ike_err		 e;

	f.num = m->frag_num;
	f.total = m->frag_total;
	f.enc = m->sk_body;
	e = keys_sk_open(&m->hdr, msg.p, msg.len, m->sk_off, plain, sizeof(plain),
	    &plain_len);
	if (e != IKE_OK) {
		cur.sk.st = SK_FAIL;
		cur.sk.err = e;
		return;
	}
	s = frag_find(&m->hdr, true);
	e = skf_reasm_add(&s->r, &f, m->sk_next, rd_init(plain, plain_len), &complete);
	if (e != IKE_OK) {
		frag_drop(s);
		cur.sk.st = SK_FAIL;
		cur.sk.err = e;
		return;
	}
	if (!complete) {
		cur.sk.st = SK_PART;
		return;
	}
	w = wr_init(joined, sizeof(joined));
	e = skf_reasm_join(&s->r, &w, &first);
	frag_drop(s);
	if (e != IKE_OK) {
		cur.sk.st = SK_FAIL;
		cur.sk.err = e;
		return;
	}
	joined_len = w.len;
	cur.sk.reassembled = true;
	inner_decode(&cur.sk, rd_init(joined, joined_len), first);
}

static void
sk_decode(struct rd msg)
{
	struct ike_msg	*m = &cur.m;
	enum ike_err	 e;

	if (!keys_any()) {
		cur.sk.st = SK_NONE;
		return;
	}
	if (m->pld[m->sk].type == IKEV2_PAYLOAD_SKF) {
		skf_decode(msg);
		return;
	}
	e = keys_sk_open(&m->hdr, msg.p, msg.len, m->sk_off, plain, sizeof(plain),
	    &plain_len);
	if (e != IKE_OK) {
		cur.sk.st = SK_FAIL;
		cur.sk.err = e;
		return;
	}
	inner_decode(&cur.sk, rd_init(plain, plain_len), m->sk_next);
}

void
ike_wipe(void)
{
	if (plain_len > 0)
		wipe(plain, plain_len);
	if (joined_len > 0)
		wipe(joined, joined_len);
	plain_len = joined_len = 0;
}

void
ike_decode(struct rd msg, struct rec *r)
{
	struct ike_msg	*m = &cur.m;
	struct rd	 h = msg;
	enum ike_err	 e;

	ike_wipe();
	cur.n_ok = 0;
	cur.malformed[0] = '\0';
	cur.sk.st = SK_NONE;
	cur.sk.err = IKE_OK;
	cur.sk.reassembled = false;
	cur.sk.n_in = 0;
	r->ike = &cur;
	r->kind = REC_IKE;

	e = hdr_parse(&h, &m->hdr);
	if (msg.len < IKE_HDR_LEN) {
		r->kind = REC_MALFORMED;
		snprintf(r->why, sizeof(r->why), "IKE header: truncated: %zu of %d bytes",
		    msg.len, IKE_HDR_LEN);
		return;
	}
	if (e == IKE_EUNSUPP && m->hdr.major == 1) {
		r->kind = REC_IKEV1;
		return;
	}
	if (e == IKE_EUNSUPP) {
		r->kind = REC_MALFORMED;
		snprintf(r->why, sizeof(r->why), "IKE header: unsupported version %u.%u",
		    m->hdr.major, m->hdr.minor);
		return;
	}
	m->n_pld = 0;
	m->sk = -1;
	if (e != IKE_OK) {
		snprintf(cur.malformed, sizeof(cur.malformed),
		    "IKE header: length %u, but the message has %zu bytes", m->hdr.len,
		    msg.len);
		return;
	}
	e = msg_parse(msg, m);
	for (size_t i = 0; i < m->n_pld; i++) {
		enum ike_err pe;

		cur.ntype[i] = 0;
		if ((pe = pld_check(&m->pld[i], &cur.ntype[i])) != IKE_OK) {
			char why[96];

			pld_why(&m->pld[i], pe, why, sizeof(why));
			set_malformed("", i + 1, m->pld[i].type, why);
			return;
		}
		cur.n_ok = i + 1;
	}
	if (e != IKE_OK) {
		const struct pld *last = m->n_pld > 0 ? &m->pld[m->n_pld - 1] : NULL;

		chain_error("", msg, last != NULL ? last->off + last->body.len : IKE_HDR_LEN,
		    m->n_pld + 1, last != NULL ? last->next : m->hdr.next, e);
		m->sk = -1;
		return;
	}
	if (m->sk >= 0)
		sk_decode(msg);
}
