/* SPDX-License-Identifier: ISC */
/* Simultaneous rekeys (collide.h): the nonce order, which SA is redundant, the Notifies of RFC 7296 2.25, and the verdict read from a state dir. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "crypto/secret.h"
#include "exchange/collide.h"
#include "exchange/rekey_journal.h"
#include "names/ikev2.h"
#include "sa/statedir.h"

/* Octet strings, compared over the shorter length; a prefix is lower. */
TEST(collide_nonce_order)
{
	const uint8_t	 a[] = { 0x01, 0x02, 0x03 }, b[] = { 0x01, 0x02, 0x04 };
	const uint8_t	 c[] = { 0x01, 0x02 }, d[] = { 0x80 };

	ASSERT(collide_nonce_cmp(a, 3, b, 3) < 0);
	ASSERT(collide_nonce_cmp(b, 3, a, 3) > 0);
	ASSERT_EQ(collide_nonce_cmp(a, 3, a, 3), 0);
	ASSERT(collide_nonce_cmp(c, 2, a, 3) < 0);	/* a prefix */
	ASSERT(collide_nonce_cmp(a, 3, c, 2) > 0);
	/* unsigned octets: 0x80 is above 0x01 */
	ASSERT(collide_nonce_cmp(d, 1, a, 3) > 0);
	/* the first octet decides, whatever the lengths */
	ASSERT(collide_nonce_cmp(d, 1, b, 3) > 0);
}

TEST(collide_lower_of_two)
{
	const uint8_t	 lo[] = { 0x10, 0xff }, hi[] = { 0x11, 0x00 };
	const uint8_t	*p;
	size_t		 n;

	collide_lower(lo, 2, hi, 2, &p, &n);
	ASSERT(p == lo && n == 2);
	collide_lower(hi, 2, lo, 2, &p, &n);
	ASSERT(p == lo && n == 2);
}

/* RFC 7296 2.8.1: the SA made with the lowest of the four nonces is
 * redundant, whichever of its exchange's two that nonce is. */
TEST(collide_lost_lowest_of_four)
{
	uint8_t	 n1[32], n2[32], n3[32], n4[32];

	memset(n1, 0x11, sizeof(n1));
	memset(n2, 0x22, sizeof(n2));
	memset(n3, 0x33, sizeof(n3));
	memset(n4, 0x44, sizeof(n4));
	/* ours {n1, n3}, theirs {n2, n4}: ours has the lowest (our Ni) */
	ASSERT(collide_lost(n1, 32, n3, 32, n2, 32));
	/* ours {n3, n1}: the lowest is our Nr: still ours */
	ASSERT(collide_lost(n3, 32, n1, 32, n2, 32));
	/* ours {n2, n3}, theirs' lower n1: theirs goes */
	ASSERT(!collide_lost(n2, 32, n3, 32, n1, 32));
	ASSERT(!collide_lost(n4, 32, n2, 32, n1, 32));
	/* the higher nonces do not matter */
	ASSERT(!collide_lost(n2, 32, n4, 32, n1, 32));
	/* a 16-octet nonce against a 32-octet one, same first octets */
	ASSERT(collide_lost(n1, 16, n4, 32, n1, 32));
}

/* RFC 7296 2.25: which request crossing ours is put off. */
TEST(collide_refusals)
{
	const uint16_t	 tf = IKEV2_N_TEMPORARY_FAILURE;

	/* rekeying the Child SA we delete: TEMPORARY_FAILURE; another one:
	 * answered */
	ASSERT_EQ(collide_refusal(COLLIDE_REQ_REKEY_CHILD, 0x1234,
	    PENDING_DELETE, 0x1234), tf);
	ASSERT_EQ(collide_refusal(COLLIDE_REQ_REKEY_CHILD, 0x1235,
	    PENDING_DELETE, 0x1234), 0);
	ASSERT_EQ(collide_refusal(COLLIDE_REQ_REKEY_CHILD, 0, PENDING_DELETE,
	    0), 0);
	ASSERT_EQ(collide_refusal(COLLIDE_REQ_CHILD, 0, PENDING_DELETE,
	    0x1234), 0);
	/* rekeying the IKE SA we delete */
	ASSERT_EQ(collide_refusal(COLLIDE_REQ_REKEY_IKE, 0, PENDING_DELETE_IKE,
	    0), tf);
	ASSERT_EQ(collide_refusal(COLLIDE_REQ_REKEY_CHILD, 7, PENDING_DELETE_IKE,
	    0), 0);
	/* a Child SA, new or rekeyed, while we rekey the IKE SA */
	ASSERT_EQ(collide_refusal(COLLIDE_REQ_CHILD, 0, PENDING_REKEY_IKE, 0),
	    tf);
	ASSERT_EQ(collide_refusal(COLLIDE_REQ_REKEY_CHILD, 7, PENDING_REKEY_IKE,
	    0), tf);
	/* simultaneous rekeys of the same SA: answered (2.8.1, 2.8.2) */
	ASSERT_EQ(collide_refusal(COLLIDE_REQ_REKEY_IKE, 0, PENDING_REKEY_IKE,
	    0), 0);
	ASSERT_EQ(collide_refusal(COLLIDE_REQ_REKEY_CHILD, 7, PENDING_CHILD,
	    9), 0);
	/* nothing of ours out, or a liveness check */
	ASSERT_EQ(collide_refusal(COLLIDE_REQ_REKEY_IKE, 0, PENDING_NONE, 0), 0);
	ASSERT_EQ(collide_refusal(COLLIDE_REQ_REKEY_CHILD, 7, PENDING_CHECK,
	    0), 0);
}

/* put writes file in l with the lines of b (a version line first). */
static int
put(struct sd_lock *l, const char *file, struct kvbuf *b)
{
	return sd_write(l, file, b) == IKE_OK;
}

/* The verdict of ike-rekey once its answer is in, from what esp-tun wrote
 * when it answered the peer's rekey of the same Child SA. */
TEST(collide_child_verdict)
{
	static struct ccsa	 ours, theirs;
	static struct kvbuf	 b;
	struct sd		 sd;
	struct sd_lock		 l;
	char			 top[64], cmd[96], name[SD_NAME_MAX + 1];
	bool			 gone = true;

	snprintf(top, sizeof(top), "/tmp/test_collide.XXXXXX");
	ASSERT(mkdtemp(top) != NULL);
	ASSERT_EQ(sd_open(&sd, top, false), IKE_OK);
	ASSERT_EQ(sd_lock_sa(&sd, "s", true, &l), IKE_OK);
	kv_init(&b);
	kv_str(&b, "version", "1");
	kv_str(&b, "spi_in", "0x0000aaaa");
	ASSERT(put(&l, "child.0000aaaa.sa", &b));
	/* no rekey by the peer: no collision */
	ours.ni_len = ours.nr_len = 32;
	memset(ours.ni, 0x50, 32);
	memset(ours.nr, 0x60, 32);
	ASSERT_EQ(collide_child_check(&l, "0000aaaa", &ours, name, sizeof(name),
	    &gone), COLLIDE_NONE);
	ASSERT(!gone);
	/* the peer's rekey of another Child SA is no collision either */
	theirs.ni_len = theirs.nr_len = 32;
	memset(theirs.ni, 0x40, 32);
	memset(theirs.nr, 0x70, 32);
	kv_init(&b);
	kv_str(&b, "version", "1");
	collide_child_record(&b, "0000cccc", &theirs);
	ASSERT(put(&l, "child.0000dddd.sa", &b));
	ASSERT_EQ(collide_child_check(&l, "0000aaaa", &ours, name, sizeof(name),
	    &gone), COLLIDE_NONE);
	/* its rekey of ours, lower nonce 0x40.. < our 0x50..: theirs goes */
	kv_init(&b);
	kv_str(&b, "version", "1");
	collide_child_record(&b, "0000aaaa", &theirs);
	ASSERT(put(&l, "child.0000bbbb.sa", &b));
	ASSERT_EQ(collide_child_check(&l, "0000aaaa", &ours, name, sizeof(name),
	    &gone), COLLIDE_WON);
	ASSERT(strcmp(name, "0000bbbb") == 0);
	/* our Nr the lowest (0x30..): ours goes */
	memset(ours.nr, 0x30, 32);
	ASSERT_EQ(collide_child_check(&l, "0000aaaa", &ours, name, sizeof(name),
	    &gone), COLLIDE_LOST);
	ASSERT(strcmp(name, "0000bbbb") == 0);
	/* the peer deleted the old one meanwhile */
	ASSERT_EQ(sd_remove(&l, "child.0000aaaa.sa"), IKE_OK);
	ASSERT_EQ(collide_child_check(&l, "0000aaaa", &ours, name, sizeof(name),
	    &gone), COLLIDE_LOST);
	ASSERT(gone);
	sd_unlock(&l);
	sd_close(&sd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	ASSERT_EQ(system(cmd), 0);
}

/* The same for the IKE SA: ike.sa holds the peer's new SA and what it
 * replaced; ours wins or loses on the nonces, and an ike.sa changed some
 * other way is no collision to settle. */
TEST(collide_ike_verdict)
{
	static struct ike_sa	 old, cur, nsa, other;
	static struct kvbuf	 b;
	struct sd		 sd;
	struct sd_lock		 l;
	char			 top[64], cmd[96];

	snprintf(top, sizeof(top), "/tmp/test_collide.XXXXXX");
	ASSERT(mkdtemp(top) != NULL);
	ASSERT_EQ(sd_open(&sd, top, false), IKE_OK);
	ASSERT_EQ(sd_lock_sa(&sd, "s", true, &l), IKE_OK);
	old.ispi = 0x1111; old.rspi = 0x2222;
	cur.ispi = 0x3333; cur.rspi = 0x4444;
	cur.ni_len = cur.nr_len = 32;
	memset(cur.ni, 0x90, 32);
	memset(cur.nr, 0x45, 32);		/* theirs' lower: 0x45.. */
	nsa.ispi = 0x5555; nsa.rspi = 0x6666;
	nsa.ni_len = nsa.nr_len = 32;
	memset(nsa.ni, 0x46, 32);
	memset(nsa.nr, 0xa0, 32);
	kv_init(&b);
	kv_str(&b, "version", "1");
	collide_ike_record(&b, &old, &cur);
	ASSERT(put(&l, "ike.sa", &b));
	/* ike.sa still the old SA: no collision */
	ASSERT_EQ(collide_ike_check(&l, &old, &old, &nsa), COLLIDE_NONE);
	ASSERT_EQ(collide_ike_check(&l, &cur, &old, &nsa), COLLIDE_WON);
	memset(nsa.nr, 0x44, 32);
	ASSERT_EQ(collide_ike_check(&l, &cur, &old, &nsa), COLLIDE_LOST);
	/* made from another SA than ours */
	other.ispi = 0x7777; other.rspi = 0x2222;
	ASSERT_EQ(collide_ike_check(&l, &cur, &other, &nsa), COLLIDE_MOVED);
	/* no such lines (the peer rekeyed through ike-respond) */
	kv_init(&b);
	kv_str(&b, "version", "1");
	ASSERT(put(&l, "ike.sa", &b));
	ASSERT_EQ(collide_ike_check(&l, &cur, &old, &nsa), COLLIDE_MOVED);
	/* the keys an IKE SA's next rekey drops */
	ASSERT(strcmp(collide_ike_keys[2], "rekey_nonce") == 0);
	sd_unlock(&l);
	sd_close(&sd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	ASSERT_EQ(system(cmd), 0);
}

/* Both ends of an established IKE SA with random keys (AES-GCM-16/256). */
static void
settle_sa(struct ike_sa *sa, enum ike_role role, const struct ike_keys *k)
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
}

/* settle_file writes child.NAME.sa: spi_in, and with of, rekey_of=of
 * (ours: peer 0) or peer_rekey_of=of (peer 1) and rekey_nonce of 32
 * octets nonce. */
static int
settle_file(struct sd_lock *l, const char *name, uint32_t spi, const char *of,
    int peer, uint8_t nonce)
{
	struct kvbuf	 b;
	uint8_t		 n[32];
	char		 file[SD_FILE_MAX];

	memset(n, nonce, sizeof(n));
	kv_init(&b);
	kv_str(&b, "version", "1");
	kv_str(&b, "name", name);
	kv_spi32(&b, "spi_in", spi);
	if (of != NULL) {
		kv_str(&b, peer ? "peer_rekey_of" : "rekey_of", of);
		kv_hex(&b, "rekey_nonce", n, sizeof(n));
	}
	snprintf(file, sizeof(file), "child.%s.sa", name);
	return sd_write(l, file, &b) == IKE_OK;
}

/* settle_ike writes ike.sa with child=child and the journal of our
 * CREATE_CHILD_SA, message ID 2 (msgid_out=3). */
static int
settle_ike(struct sd_lock *l, const char *child)
{
	struct kvbuf	 b;

	kv_init(&b);
	kv_str(&b, "version", "1");
	if (child != NULL)
		kv_str(&b, "child", child);
	kv_u64(&b, "msgid_out", 3);
	kv_u64(&b, "pending_msgid", 2);
	kv_str(&b, "pending_what", "child");
	kv_str(&b, "pending_spi", "0x0000eeee");
	kv_str(&b, "pending_req", "00");
	return sd_write(l, "ike.sa", &b) == IKE_OK;
}

static int
ike_val(struct sd_lock *l, const char *key, const char *want)
{
	char		 v[64];
	struct sd_kv	 kv = { key, v, sizeof(v), 0 };

	if (sd_read(l, "ike.sa", &kv, 1) != IKE_OK)
		return 0;
	return want == NULL ? kv.line == 0 : kv.line != 0 && strcmp(v, want) == 0;
}

/* what the peer reads in the journaled request: a Delete of spi alone */
static int
deletes(struct ike_sa *r, const struct pending *p, uint32_t spi)
{
	uint8_t		 out[XCHG_OUT_MAX];
	struct wr	 o = wr_init(out, sizeof(out));
	struct info_req	 ir;

	r->msgid = p->msgid;
	return info_respond(r, rd_init(p->req, p->len), &o, &ir) == IKE_OK &&
	    ir.n_del == 1 && ir.del_spi[0] == spi && !ir.delete_ike;
}

/* Our rekey of old answered, its file (0000eeee) written: the Delete it
 * owes is journaled in ike.sa in the update that drops the
 * CREATE_CHILD_SA's journal and moves child=: of old, or, the peer's
 * crossing rekey (0000bbbb) having a higher lower nonce than ours, of
 * ours; nothing when the peer deleted old and ours stays. */
TEST(collide_child_settle)
{
	static struct ike_sa	 i, r;
	struct ike_keys		 k;
	struct sd		 sd;
	struct sd_lock		 l;
	struct pending		 p, q;
	enum collide_verdict	 v;
	char			 top[64], cmd[96], theirs[SD_NAME_MAX + 1];
	char			 del[SD_NAME_MAX + 1], err[256];

	memset(&k, 0, sizeof(k));
	k.e_len = 36;
	k.d_len = k.p_len = 32;
	rand_bytes(k.sk_ei, k.e_len);
	rand_bytes(k.sk_er, k.e_len);
	settle_sa(&i, ROLE_INITIATOR, &k);
	settle_sa(&r, ROLE_RESPONDER, &k);
	snprintf(top, sizeof(top), "/tmp/test_collide.XXXXXX");
	ASSERT(mkdtemp(top) != NULL);
	ASSERT_EQ(sd_open(&sd, top, false), IKE_OK);
	ASSERT_EQ(sd_lock_sa(&sd, "s", true, &l), IKE_OK);

	/* no collision: the old one goes, child= follows ours */
	ASSERT(settle_ike(&l, "0000aaaa"));
	ASSERT(settle_file(&l, "0000aaaa", 0xaaaa, NULL, 0, 0));
	ASSERT(settle_file(&l, "0000eeee", 0xeeee, "0000aaaa", 0, 0x50));
	i.msgid = 3;			/* past the CREATE_CHILD_SA */
	ASSERT_EQ(child_rekey_settle(&l, &i, "0000eeee", &p, &v, theirs,
	    sizeof(theirs), del, sizeof(del)), IKE_OK);
	ASSERT_EQ(v, COLLIDE_NONE);
	ASSERT_EQ(p.what, PENDING_DELETE);
	ASSERT_EQ(p.msgid, 3);
	ASSERT_EQ(p.spi, 0xaaaa);
	ASSERT(strcmp(del, "0000aaaa") == 0);
	ASSERT(ike_val(&l, "child", "0000eeee"));
	ASSERT(ike_val(&l, "msgid_out", "4"));
	ASSERT(ike_val(&l, "pending_what", "delete"));
	ASSERT(ike_val(&l, "pending_msgid", "3"));
	ASSERT(ike_val(&l, "pending_spi", "0x0000aaaa"));
	/* read back as the next run does, and sent, the peer reads it */
	i.msgid = 4;
	ASSERT_EQ(pending_load(&l, &i, &q, NULL, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(q.what, PENDING_DELETE);
	ASSERT_EQ(q.len, p.len);
	ASSERT_MEM(q.req, p.req, p.len);
	ASSERT(deletes(&r, &p, 0xaaaa));

	/* the peer's crossing rekey, its lower nonce 0x40 < ours 0x50: ours
	 * wins, the old one goes all the same */
	ASSERT(settle_ike(&l, "0000aaaa"));
	ASSERT(settle_file(&l, "0000bbbb", 0xbbbb, "0000aaaa", 1, 0x40));
	i.msgid = 3;
	ASSERT_EQ(child_rekey_settle(&l, &i, "0000eeee", &p, &v, theirs,
	    sizeof(theirs), del, sizeof(del)), IKE_OK);
	ASSERT_EQ(v, COLLIDE_WON);
	ASSERT(strcmp(theirs, "0000bbbb") == 0);
	ASSERT_EQ(p.what, PENDING_DELETE);
	ASSERT_EQ(p.spi, 0xaaaa);
	ASSERT(ike_val(&l, "child", "0000eeee"));
	ASSERT(deletes(&r, &p, 0xaaaa));

	/* ours 0x30, the lowest: ours lost and goes; child= names theirs
	 * (esp-tun may have moved it to theirs: it stays there) */
	ASSERT(settle_ike(&l, "0000bbbb"));
	ASSERT(settle_file(&l, "0000eeee", 0xeeee, "0000aaaa", 0, 0x30));
	i.msgid = 3;
	ASSERT_EQ(child_rekey_settle(&l, &i, "0000eeee", &p, &v, theirs,
	    sizeof(theirs), del, sizeof(del)), IKE_OK);
	ASSERT_EQ(v, COLLIDE_LOST);
	ASSERT_EQ(p.what, PENDING_DELETE);
	ASSERT_EQ(p.spi, 0xeeee);
	ASSERT(strcmp(del, "0000eeee") == 0);
	ASSERT(ike_val(&l, "child", "0000bbbb"));
	ASSERT(ike_val(&l, "pending_spi", "0x0000eeee"));
	ASSERT(deletes(&r, &p, 0xeeee));
	/* the same with child= still naming ours */
	ASSERT(settle_ike(&l, "0000eeee"));
	i.msgid = 3;
	ASSERT_EQ(child_rekey_settle(&l, &i, "0000eeee", &p, &v, theirs,
	    sizeof(theirs), del, sizeof(del)), IKE_OK);
	ASSERT_EQ(v, COLLIDE_LOST);
	ASSERT(ike_val(&l, "child", "0000bbbb"));

	/* the peer deleted the old one meanwhile: lost, ours still goes */
	ASSERT_EQ(sd_remove(&l, "child.0000aaaa.sa"), IKE_OK);
	ASSERT(settle_ike(&l, "0000eeee"));
	i.msgid = 3;
	ASSERT_EQ(child_rekey_settle(&l, &i, "0000eeee", &p, &v, theirs,
	    sizeof(theirs), del, sizeof(del)), IKE_OK);
	ASSERT_EQ(v, COLLIDE_LOST);
	ASSERT_EQ(p.spi, 0xeeee);
	/* won with the old one gone: nothing owed, the journal goes */
	ASSERT(settle_file(&l, "0000eeee", 0xeeee, "0000aaaa", 0, 0x50));
	ASSERT(settle_ike(&l, "0000aaaa"));
	ASSERT_EQ(child_rekey_settle(&l, &i, "0000eeee", &p, &v, theirs,
	    sizeof(theirs), del, sizeof(del)), IKE_OK);
	ASSERT_EQ(v, COLLIDE_WON);
	ASSERT_EQ(p.what, PENDING_NONE);
	ASSERT(del[0] == '\0');
	ASSERT(ike_val(&l, "pending_what", NULL));
	ASSERT(ike_val(&l, "pending_req", NULL));
	ASSERT(ike_val(&l, "msgid_out", "3"));
	ASSERT(ike_val(&l, "child", "0000eeee"));
	/* child= gone (esp-tun dropped it with the peer's redundant SA),
	 * or naming a file that is gone: it names ours again */
	ASSERT(settle_ike(&l, NULL));
	ASSERT_EQ(child_rekey_settle(&l, &i, "0000eeee", &p, &v, theirs,
	    sizeof(theirs), del, sizeof(del)), IKE_OK);
	ASSERT(ike_val(&l, "child", "0000eeee"));
	ASSERT(settle_ike(&l, "0000cccc"));
	ASSERT_EQ(child_rekey_settle(&l, &i, "0000eeee", &p, &v, theirs,
	    sizeof(theirs), del, sizeof(del)), IKE_OK);
	ASSERT(ike_val(&l, "child", "0000eeee"));
	/* another Child SA that is there: child= stays on it */
	ASSERT(settle_file(&l, "0000cccc", 0xcccc, NULL, 0, 0));
	ASSERT(settle_ike(&l, "0000cccc"));
	ASSERT_EQ(child_rekey_settle(&l, &i, "0000eeee", &p, &v, theirs,
	    sizeof(theirs), del, sizeof(del)), IKE_OK);
	ASSERT(ike_val(&l, "child", "0000cccc"));
	/* a Child SA that is no rekey: nothing owed either */
	ASSERT(settle_file(&l, "0000ffff", 0xffff, NULL, 0, 0));
	ASSERT(settle_ike(&l, "0000eeee"));
	ASSERT_EQ(child_rekey_settle(&l, &i, "0000ffff", &p, &v, theirs,
	    sizeof(theirs), del, sizeof(del)), IKE_OK);
	ASSERT_EQ(p.what, PENDING_NONE);
	ASSERT(ike_val(&l, "pending_what", NULL));
	ASSERT(ike_val(&l, "child", "0000eeee"));

	ike_sa_wipe(&i);
	ike_sa_wipe(&r);
	wipe(&k, sizeof(k));
	sd_unlock(&l);
	sd_close(&sd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	ASSERT_EQ(system(cmd), 0);
}
