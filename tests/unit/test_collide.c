/* SPDX-License-Identifier: ISC */
/* Simultaneous rekeys (collide.h): the nonce order, which SA is redundant, the Notifies of RFC 7296 2.25, and the verdict read from a state dir. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "exchange/collide.h"
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
