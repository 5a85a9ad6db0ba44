/* SPDX-License-Identifier: ISC */
/* Unit tests for the journal of our request in flight and the kept answer in ike.sa (exchange/record.h): written, read back, answers told apart, what follows an answer. */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "buf/buf.h"
#include "codec/chain.h"
#include "codec/notify.h"
#include "codec/sa_pld.h"
#include "crypto/secret.h"
#include "exchange/internal.h"
#include "exchange/record.h"
#include "exchange/xchg.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"
#include "sa/statedir.h"

/* Both ends of one established IKE SA (AES-GCM-16/256, PRF SHA-256),
 * with random keys, and a state directory holding the initiator's ike.sa
 * and one Child SA file. */
struct fix {
	char		 top[64];
	struct sd	 sd;
	struct sd_lock	 l;
	struct ike_sa	 i, r;
};

static void
sa_fill(struct ike_sa *sa, enum ike_role role, const struct ike_keys *k)
{
	ike_sa_init(sa, role);
	sa->state = SA_ESTABLISHED;
	sa->ispi = 0x1122334455667788ULL;
	sa->rspi = 0x99aabbccddeeff00ULL;
	sa->suite.encr = IKEV2_ENCR_AES_GCM_16;
	sa->suite.encr_keybits = 256;
	sa->suite.integ = IKEV2_AUTH_NONE;
	sa->suite.prf = IKEV2_PRF_HMAC_SHA2_256;
	sa->suite.dh = IKEV2_DH_CURVE25519;
	sa->keys = *k;
	sa->msgid = role == ROLE_INITIATOR ? 2 : 0;
	sa->peer_msgid = role == ROLE_INITIATOR ? 0 : 2;
}

/* child_file writes child.NAME.sa with spi_in spi (only what is read). */
static int
child_file(struct fix *f, const char *name, uint32_t spi)
{
	struct kvbuf	 b;
	char		 file[SD_FILE_MAX];

	kv_init(&b);
	kv_str(&b, "version", "1");
	kv_str(&b, "name", name);
	kv_spi32(&b, "spi_in", spi);
	snprintf(file, sizeof(file), "child.%s.sa", name);
	return sd_write(&f->l, file, &b) == IKE_OK;
}

static int
fix_new(struct fix *f)
{
	struct ike_keys	 k;
	struct sa_where	 w = { "s", "net", "192.0.2.1:4500", "192.0.2.2:4500",
	    "192.0.2.1", "192.0.2.2", true, NULL, NULL };
	struct kvbuf	 b;

	memset(f, 0, sizeof(*f));
	f->l.dirfd = -1;
	snprintf(f->top, sizeof(f->top), "/tmp/test_record.XXXXXX");
	if (mkdtemp(f->top) == NULL)
		return 0;
	memset(&k, 0, sizeof(k));
	k.e_len = 36;
	k.d_len = k.p_len = 32;
	rand_bytes(k.sk_ei, k.e_len);
	rand_bytes(k.sk_er, k.e_len);
	rand_bytes(k.sk_d, k.d_len);
	rand_bytes(k.sk_pi, k.p_len);
	rand_bytes(k.sk_pr, k.p_len);
	sa_fill(&f->i, ROLE_INITIATOR, &k);
	sa_fill(&f->r, ROLE_RESPONDER, &k);
	wipe(&k, sizeof(k));
	f->i.child.spi_in = 0xc0ffee01;
	if (ike_id_parse(&f->i.local_id, "192.0.2.1") != IKE_OK)
		return 0;
	if (sd_open(&f->sd, f->top, false) != IKE_OK ||
	    sd_lock_sa(&f->sd, "s", true, &f->l) != IKE_OK)
		return 0;
	kv_init(&b);
	ike_sa_record(&b, &f->i, &w);
	if (sd_write(&f->l, "ike.sa", &b) != IKE_OK)
		return 0;
	kv_wipe(&b);
	return child_file(f, "net", 0xc0ffee01);
}

static void
fix_free(struct fix *f)
{
	char	 cmd[96];

	sd_unlock(&f->l);
	sd_close(&f->sd);
	ike_sa_wipe(&f->i);
	ike_sa_wipe(&f->r);
	if (strncmp(f->top, "/tmp/test_record.", 17) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", f->top);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", f->top);
	}
}

/* val reads key of ike.sa into out (cap); 0 when absent. */
static int
val(struct fix *f, const char *key, char *out, size_t cap)
{
	struct sd_kv	 kv = { key, out, cap, 0 };

	return sd_read(&f->l, "ike.sa", &kv, 1) == IKE_OK && kv.line != 0;
}

/* answer seals the responder's answer to request msgid of exchange exch:
 * with an SA payload (sa), an error Notify (notify), or empty. */
static size_t
answer(struct fix *f, uint8_t exch, uint32_t msgid, int sa, uint16_t notify,
    uint8_t *out, size_t cap)
{
	struct skb	 b;
	struct sa_pld	 esp;
	struct wr	 w = wr_init(out, cap);

	skb_init(&b);
	if (sa) {
		if (proposal_parse(&esp, IKEV2_PROTO_ESP, "aes256gcm16", NULL,
		    0) != IKE_OK)
			return 0;
		chain_open(&b.c, IKEV2_PAYLOAD_SA, false);
		sa_pld_put(&b.w, &esp);
	}
	if (notify != 0) {
		chain_open(&b.c, IKEV2_PAYLOAD_NOTIFY, false);
		notify_put(&b.w, 0, NULL, 0, notify, NULL, 0);
	}
	return skb_seal(&f->r, &b, exch, true, msgid, &w) == IKE_OK ? w.len : 0;
}

/* A CREATE_CHILD_SA journaled: msgid_out and the four lines in one
 * update, read back as written; a journal of another SA is stale. */
TEST(record_pending_round_trip)
{
	struct fix	 f;
	struct pending	 p, q;
	struct ccsa	 c;
	struct sa_pld	 esp;
	uint8_t		 req[XCHG_OUT_MAX];
	struct wr	 w = wr_init(req, sizeof(req));
	char		 v[16], err[256];
	bool		 stale = true;

	ASSERT(fix_new(&f));
	ASSERT_EQ(proposal_parse(&esp, IKEV2_PROTO_ESP, "aes256gcm16", NULL, 0),
	    IKE_OK);
	ASSERT_EQ(ccsa_create(&f.i, &c, &esp, 0, 0xc0ffee01, &f.i.child.tsi,
	    &f.i.child.tsr, &w), IKE_OK);
	ASSERT(pending_set(&p, PENDING_CHILD, c.msgid, c.child.spi_in, req,
	    w.len));
	ASSERT_EQ(pending_load(&f.l, &f.i, &q, &stale, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(q.what, PENDING_NONE);
	ASSERT(!stale);
	ASSERT_EQ(pending_save(&f.l, &p), IKE_OK);
	ASSERT(val(&f, "msgid_out", v, sizeof(v)) && strcmp(v, "3") == 0);
	ASSERT(val(&f, "pending_msgid", v, sizeof(v)) && strcmp(v, "2") == 0);
	ASSERT(val(&f, "pending_what", v, sizeof(v)) && strcmp(v, "child") == 0);
	ASSERT_EQ(pending_load(&f.l, &f.i, &q, &stale, err, sizeof(err)), IKE_OK);
	ASSERT(!stale);
	ASSERT_EQ(q.what, PENDING_CHILD);
	ASSERT_EQ(q.msgid, 2);
	ASSERT_EQ(q.spi, c.child.spi_in);
	ASSERT_EQ(q.len, w.len);
	ASSERT_MEM(q.req, req, w.len);
	/* other SPIs: not this SA's */
	f.i.rspi ^= 1;
	ASSERT_EQ(pending_load(&f.l, &f.i, &q, &stale, err, sizeof(err)), IKE_OK);
	ASSERT(stale);
	ASSERT_EQ(q.what, PENDING_NONE);
	f.i.rspi ^= 1;
	ccsa_wipe(&c);
	fix_free(&f);
}

/* pending_consume: only the answer of the request's exchange and message
 * ID that decrypts is it; "made" is an SA payload without an error. */
TEST(record_pending_consume)
{
	struct fix	 f;
	struct pending	 p;
	uint8_t		 req[XCHG_OUT_MAX], resp[XCHG_OUT_MAX];
	struct wr	 w = wr_init(req, sizeof(req));
	size_t		 n;
	bool		 made = true;

	ASSERT(fix_new(&f));
	/* any request of ours with the header of a CREATE_CHILD_SA */
	{
		struct skb	 b;

		skb_init(&b);
		ASSERT_EQ(skb_seal(&f.i, &b, IKEV2_EXCH_CREATE_CHILD_SA, false, 2,
		    &w), IKE_OK);
	}
	ASSERT(pending_set(&p, PENDING_CHILD, 2, 0xabcdef01, req, w.len));
	/* another message ID, another exchange, our own request */
	n = answer(&f, IKEV2_EXCH_CREATE_CHILD_SA, 3, 1, 0, resp, sizeof(resp));
	ASSERT_EQ(pending_consume(&f.i, &p, rd_init(resp, n), &made), IKE_ESYNTAX);
	n = answer(&f, IKEV2_EXCH_INFORMATIONAL, 2, 0, 0, resp, sizeof(resp));
	ASSERT_EQ(pending_consume(&f.i, &p, rd_init(resp, n), &made), IKE_ESYNTAX);
	ASSERT_EQ(pending_consume(&f.i, &p, rd_init(req, w.len), &made),
	    IKE_ESYNTAX);
	/* damaged */
	n = answer(&f, IKEV2_EXCH_CREATE_CHILD_SA, 2, 1, 0, resp, sizeof(resp));
	resp[n - 1] ^= 1;
	ASSERT_EQ(pending_consume(&f.i, &p, rd_init(resp, n), &made), IKE_EINTEG);
	/* refused: not made */
	n = answer(&f, IKEV2_EXCH_CREATE_CHILD_SA, 2, 0,
	    IKEV2_N_NO_PROPOSAL_CHOSEN, resp, sizeof(resp));
	ASSERT_EQ(pending_consume(&f.i, &p, rd_init(resp, n), &made), IKE_OK);
	ASSERT(!made);
	ASSERT_EQ(f.i.msgid, 3);
	/* accepted: made */
	f.i.msgid = 2;
	n = answer(&f, IKEV2_EXCH_CREATE_CHILD_SA, 2, 1, 0, resp, sizeof(resp));
	ASSERT(n > 0);
	ASSERT_EQ(pending_consume(&f.i, &p, rd_init(resp, n), &made), IKE_OK);
	ASSERT(made);
	ASSERT_EQ(f.i.msgid, 3);
	fix_free(&f);
}

/* pending_after: a Child SA made and not recorded becomes the Delete of
 * its SPI at the next message ID; that Delete answered clears the journal;
 * a Delete of a recorded Child SA takes its files and child= with it. */
TEST(record_pending_after)
{
	struct fix		 f;
	struct pending		 p, q;
	enum pending_next	 next;
	uint8_t			 req[XCHG_OUT_MAX], resp[XCHG_OUT_MAX];
	struct wr		 w = wr_init(req, sizeof(req));
	struct info_req		 ir;
	struct wr		 o = wr_init(resp, sizeof(resp));
	char			 v[16], err[256], name[SD_NAME_MAX + 1];
	struct skb		 b;

	ASSERT(fix_new(&f));
	skb_init(&b);
	ASSERT_EQ(skb_seal(&f.i, &b, IKEV2_EXCH_CREATE_CHILD_SA, false, 2, &w),
	    IKE_OK);
	ASSERT(pending_set(&p, PENDING_CHILD, 2, 0xabcdef01, req, w.len));
	ASSERT_EQ(pending_save(&f.l, &p), IKE_OK);
	f.i.msgid = 3;			/* as pending_consume leaves it */
	ASSERT_EQ(pending_after(&f.l, &f.i, &p, true, &next), IKE_OK);
	ASSERT_EQ(next, PENDING_AGAIN);
	ASSERT_EQ(p.what, PENDING_DELETE);
	ASSERT_EQ(p.msgid, 3);
	ASSERT_EQ(p.spi, 0xabcdef01);
	ASSERT(val(&f, "msgid_out", v, sizeof(v)) && strcmp(v, "4") == 0);
	ASSERT(val(&f, "pending_what", v, sizeof(v)) && strcmp(v, "delete") == 0);
	ASSERT_EQ(pending_load(&f.l, &f.i, &q, NULL, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(q.len, p.len);
	ASSERT_MEM(q.req, p.req, p.len);
	/* the peer reads a Delete of that SPI */
	f.r.msgid = 3;
	ASSERT_EQ(info_respond(&f.r, rd_init(p.req, p.len), &o, &ir), IKE_OK);
	ASSERT_EQ(ir.n_del, 1);
	ASSERT_EQ(ir.del_spi[0], 0xabcdef01);
	/* answered: no file of that SPI here, the journal goes */
	f.i.msgid = 4;
	ASSERT_EQ(pending_after(&f.l, &f.i, &p, false, &next), IKE_OK);
	ASSERT_EQ(next, PENDING_CLEARED);
	ASSERT(!val(&f, "pending_msgid", v, sizeof(v)));
	ASSERT(!val(&f, "pending_req", v, sizeof(v)));
	ASSERT(val(&f, "child", v, sizeof(v)) && strcmp(v, "net") == 0);
	/* a made Child SA with a file: nothing to delete */
	ASSERT(child_file(&f, "made", 0xabcdef02));
	ASSERT(pending_child_name(&f.l, 0xabcdef02, name, sizeof(name)));
	ASSERT(strcmp(name, "made") == 0);
	ASSERT(pending_set(&p, PENDING_CHILD, 4, 0xabcdef02, req, w.len));
	ASSERT_EQ(pending_after(&f.l, &f.i, &p, true, &next), IKE_OK);
	ASSERT_EQ(next, PENDING_CLEARED);
	/* the Delete of net answered: its files and child= go */
	ASSERT(pending_set(&p, PENDING_DELETE, 4, 0xc0ffee01, req, w.len));
	ASSERT_EQ(pending_after(&f.l, &f.i, &p, false, &next), IKE_OK);
	ASSERT_EQ(next, PENDING_CLEARED);
	ASSERT(!pending_child_name(&f.l, 0xc0ffee01, name, sizeof(name)));
	ASSERT(faccessat(f.l.dirfd, "child.net.sa", F_OK, 0) != 0);
	ASSERT(!val(&f, "child", v, sizeof(v)));
	ASSERT(faccessat(f.l.dirfd, "child.made.sa", F_OK, 0) == 0);
	/* the Delete of the IKE SA: it is gone */
	ASSERT(pending_set(&p, PENDING_DELETE_IKE, 4, 0, req, w.len));
	ASSERT_EQ(pending_after(&f.l, &f.i, &p, false, &next), IKE_OK);
	ASSERT_EQ(next, PENDING_SA_GONE);
	fix_free(&f);
}

/* last_resp: our answer kept with msgid_in is read back when it answers
 * the request before msgid_in on this SA, and not otherwise. */
TEST(record_last_resp)
{
	struct fix	 f;
	uint8_t		 resp[XCHG_OUT_MAX], got[XCHG_OUT_MAX];
	size_t		 n, len = 1;
	uint32_t	 id = 9;
	struct kvbuf	 b;
	struct skb	 sb;
	struct wr	 w = wr_init(resp, sizeof(resp));

	ASSERT(fix_new(&f));
	ASSERT_EQ(last_resp_load(&f.l, &f.i, got, sizeof(got), &len, &id),
	    IKE_OK);
	ASSERT_EQ(len, 0);
	skb_init(&sb);
	ASSERT_EQ(skb_seal(&f.i, &sb, IKEV2_EXCH_INFORMATIONAL, true, 4, &w),
	    IKE_OK);
	n = w.len;
	kv_init(&b);
	kv_u64(&b, "msgid_in", 5);
	kv_hex(&b, "last_resp", resp, n);
	ASSERT_EQ(sd_update(&f.l, "ike.sa", &b, NULL), IKE_OK);
	ASSERT_EQ(last_resp_load(&f.l, &f.i, got, sizeof(got), &len, &id),
	    IKE_OK);
	ASSERT_EQ(len, n);
	ASSERT_EQ(id, 4);
	ASSERT_MEM(got, resp, n);
	/* msgid_in moved on without it: not the answer to keep */
	kv_init(&b);
	kv_u64(&b, "msgid_in", 6);
	ASSERT_EQ(sd_update(&f.l, "ike.sa", &b, NULL), IKE_OK);
	ASSERT_EQ(last_resp_load(&f.l, &f.i, got, sizeof(got), &len, &id),
	    IKE_OK);
	ASSERT_EQ(len, 0);
	fix_free(&f);
}

/* life_val returns the value of key in the lines of b, -1 if absent. */
static long long
life_val(const struct kvbuf *b, const char *key)
{
	char		 pat[64];
	const char	*p;
	size_t		 n;

	n = (size_t)snprintf(pat, sizeof(pat), "%s=", key);
	for (p = b->buf; p != NULL && p < b->buf + b->len;
	    p = memchr(p, '\n', (size_t)(b->buf + b->len - p)),
	    p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, pat, n) == 0)
			return strtoll(p + n, NULL, 10);
	return -1;
}

/* child_life_record: the hard limits given, each soft one in [80%, 90%]
 * of its hard one and drawn afresh each time; none for an absent limit,
 * or for one too small to have a soft part; no overflow near 2^64. */
TEST(record_child_life)
{
	const uint64_t	 hard[3] = { 100, 1000, 0 };
	const uint64_t	 one[3] = { 1, 0, 0 }, big[3] = { 0, UINT64_MAX, 0 };
	struct kvbuf	 b;
	long long	 s, first = -1;
	bool		 varied = false;
	char		*end;
	unsigned long long big_soft;
	uint64_t	 v = 0;
	int		 k;
	const char	*p;

	ASSERT(crypto_init());
	for (k = 0; k < 100; k++) {
		kv_init(&b);
		child_life_record(&b, hard);
		ASSERT_EQ(b.err, IKE_OK);
		ASSERT_EQ(life_val(&b, "lifetime_secs"), 100);
		ASSERT_EQ(life_val(&b, "lifetime_bytes"), 1000);
		ASSERT_EQ(life_val(&b, "lifetime_packets"), -1);
		ASSERT_EQ(life_val(&b, "soft_packets"), -1);
		s = life_val(&b, "soft_secs");
		ASSERT(s >= 80 && s <= 90);
		s = life_val(&b, "soft_bytes");
		ASSERT(s >= 800 && s <= 900);
		if (first < 0)
			first = s;
		else if (s != first)
			varied = true;
	}
	ASSERT(varied);
	kv_init(&b);
	child_life_record(&b, one);
	ASSERT_EQ(life_val(&b, "lifetime_secs"), 1);
	ASSERT_EQ(life_val(&b, "soft_secs"), -1);
	kv_init(&b);
	child_life_record(&b, big);
	ASSERT((p = strstr(b.buf, "soft_bytes=")) != NULL);
	big_soft = strtoull(p + 11, &end, 10);
	ASSERT(big_soft <= UINT64_MAX / 10 * 9 + 9 && big_soft >= UINT64_MAX / 10 * 8);
	/* the options' parser */
	ASSERT(child_life_parse("8", UINT32_MAX, &v));
	ASSERT_EQ(v, 8);
	ASSERT(child_life_parse("4294967295", UINT32_MAX, &v));
	ASSERT_EQ(v, UINT32_MAX);
	ASSERT(!child_life_parse("4294967296", UINT32_MAX, &v));
	ASSERT(child_life_parse("18446744073709551615", UINT64_MAX, &v));
	ASSERT_EQ(v, UINT64_MAX);
	ASSERT(!child_life_parse("18446744073709551616", UINT64_MAX, &v));
	ASSERT(!child_life_parse("0", UINT32_MAX, &v));
	ASSERT(!child_life_parse("-1", UINT64_MAX, &v));
	ASSERT(!child_life_parse(" 5", UINT64_MAX, &v));
	ASSERT(!child_life_parse("5x", UINT64_MAX, &v));
	ASSERT(!child_life_parse("", UINT64_MAX, &v));
}
