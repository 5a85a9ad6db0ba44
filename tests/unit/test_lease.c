/* SPDX-License-Identifier: ISC */
/* Unit tests for sticky pool leases: an identity gets the address it held last while that is free, others get addresses nobody held first, and leases taken back after a restart keep their owner. */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "buf/buf.h"
#include "codec/chain.h"
#include "codec/cp.h"
#include "exchange/cp.h"
#include "names/ikev2.h"

/* request: a CFG_REQUEST for an IPv4 address. */
static int
request(struct cp_pld *req)
{
	static uint8_t	 buf[128];
	struct wr	 w = wr_init(buf, sizeof(buf));
	struct chain	 ch;
	struct rd	 body;

	wr_u8(&w, 0);
	chain_init(&ch, &w, 0);
	cp_request_put(&ch, &w, VIP_REQ_4);
	chain_close(&ch);
	body = rd_init(buf + 5, w.len - 5);
	return wr_ok(&w) && cp_parse(&body, req) == IKE_OK;
}

static unsigned
last(const struct cp_vip *v)
{
	return v->addr[0].fam == 4 ? v->addr[0].addr[3] : 0;
}

TEST(lease_same_identity_same_address)
{
	struct cp_cfg	 c;
	struct cp_pld	 req;
	struct cp_vip	 a, b, x, y;
	char		 err[128];

	memset(&c, 0, sizeof(c));
	ASSERT(request(&req));
	/* /29: .1 to .6 */
	ASSERT_EQ(cp_pool_parse(&c, "10.3.7.0/29", err, sizeof(err)), IKE_OK);
	ASSERT_EQ(cp_assign_id(&c, &req, &a, "carol@lab.example"), IKE_OK);
	ASSERT_EQ(last(&a), 1);
	ASSERT_EQ(cp_assign_id(&c, &req, &b, "dave@lab.example"), IKE_OK);
	ASSERT_EQ(last(&b), 2);
	cp_lease_release(&c, &a);
	/* someone else: not carol's .1, the next nobody held */
	ASSERT_EQ(cp_assign_id(&c, &req, &x, "erin@lab.example"), IKE_OK);
	ASSERT_EQ(last(&x), 3);
	/* an anonymous peer neither */
	ASSERT_EQ(cp_assign(&c, &req, &y), IKE_OK);
	ASSERT_EQ(last(&y), 4);
	/* carol is back: .1 again */
	ASSERT_EQ(cp_assign_id(&c, &req, &a, "carol@lab.example"), IKE_OK);
	ASSERT_EQ(last(&a), 1);
	/* while carol holds .1, a second SA of hers gets another one */
	{
		struct cp_vip	 a2;

		ASSERT_EQ(cp_assign_id(&c, &req, &a2, "carol@lab.example"),
		    IKE_OK);
		ASSERT_EQ(last(&a2), 5);
		cp_lease_release(&c, &a2);
	}
	/* the pool full of owned addresses: the others' are given out */
	cp_lease_release(&c, &b);		/* dave's .2 free */
	ASSERT_EQ(cp_assign_id(&c, &req, &b, "frank@lab.example"), IKE_OK);
	ASSERT_EQ(last(&b), 6);			/* nobody held .6 */
	ASSERT_EQ(cp_assign_id(&c, &req, &x, "gina@lab.example"), IKE_OK);
	ASSERT(last(&x) == 2 || last(&x) == 5);	/* owned, but free */
	cp_cfg_free(&c);
}

TEST(lease_owner_kept_across_restart)
{
	struct cp_cfg	 c;
	struct cp_pld	 req;
	struct cp_vip	 old, v;
	char		 err[128];

	memset(&c, 0, sizeof(c));
	ASSERT(request(&req));
	ASSERT_EQ(cp_pool_parse(&c, "10.3.7.0/29", err, sizeof(err)), IKE_OK);
	/* a restarted responder takes back carol's .3 from her ike.sa */
	ASSERT_EQ(cp_lease_mark_id(&c, "10.3.7.3", "carol@lab.example", &old),
	    1);
	ASSERT_EQ(last(&old), 3);
	/* her files go: the address is free, still hers */
	cp_lease_release(&c, &old);
	ASSERT_EQ(cp_assign_id(&c, &req, &v, "dave@lab.example"), IKE_OK);
	ASSERT_EQ(last(&v), 1);
	ASSERT_EQ(cp_assign_id(&c, &req, &v, "x"), IKE_OK);
	ASSERT_EQ(last(&v), 2);
	ASSERT_EQ(cp_assign_id(&c, &req, &v, "y"), IKE_OK);
	ASSERT_EQ(last(&v), 4);
	ASSERT_EQ(cp_assign_id(&c, &req, &v, "carol@lab.example"), IKE_OK);
	ASSERT_EQ(last(&v), 3);
	/* an address already leased is not taken back twice */
	ASSERT_EQ(cp_lease_mark_id(&c, "10.3.7.3", "erin", &old), 0);
	ASSERT_EQ(cp_lease_mark_id(&c, "not an address", "erin", &old), -1);
	cp_cfg_free(&c);
}
