/* SPDX-License-Identifier: ISC */
/* Unit tests for exchange/cp.c (virtual IPs: pools, CFG_REQUEST/REPLY, IKE_AUTH with CP) and exchange/cookie.c. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <string.h>

#include <openssl/evp.h>

#include "test.h"
#include "buf/buf.h"
#include "codec/chain.h"
#include "codec/cp.h"
#include "codec/msg.h"
#include "codec/notify.h"
#include "exchange/cookie.h"
#include "exchange/cp.h"
#include "exchange/xchg.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"

static const char *
fmt(const struct cp_addr *a)
{
	static char	 buf[4][48];
	static int	 n;

	n = (n + 1) % 4;
	cp_addr_format(a, buf[n], sizeof(buf[n]));
	return buf[n];
}

TEST(cp_pool_parse_and_errors)
{
	struct cp_cfg	 c;
	char		 err[128];

	memset(&c, 0, sizeof(c));
	ASSERT_EQ(cp_pool_parse(&c, "10.3.7.0/28", err, sizeof(err)), IKE_OK);
	ASSERT_EQ(c.pool[0].size, 14);		/* .0 and .15 left out */
	ASSERT_EQ(c.pool[0].prefix, 28);
	ASSERT_EQ(cp_pool_parse(&c, "10.4.0.0/16", err, sizeof(err)), IKE_EINVAL);
	ASSERT(strstr(err, "only one IPv4 pool") != NULL);
	ASSERT_EQ(cp_pool_parse(&c, "fd00::/120", err, sizeof(err)), IKE_OK);
	ASSERT_EQ(c.pool[1].size, 255);
	cp_cfg_free(&c);
	ASSERT_EQ(cp_pool_parse(&c, "10.3.7.1/28", err, sizeof(err)), IKE_EINVAL);
	ASSERT(strcmp(err, "'10.3.7.1/28': host bits set") == 0);
	ASSERT_EQ(cp_pool_parse(&c, "10.3.7.0/33", err, sizeof(err)), IKE_EINVAL);
	ASSERT(strcmp(err, "'10.3.7.0/33': not ADDRESS/PREFIX") == 0);
	ASSERT_EQ(cp_pool_parse(&c, "10.3.7.0", err, sizeof(err)), IKE_EINVAL);
	ASSERT_EQ(cp_pool_parse(&c, "nowhere/24", err, sizeof(err)), IKE_EINVAL);
	ASSERT_EQ(cp_pool_parse(&c, "10.0.0.0/8", err, sizeof(err)), IKE_OK);
	ASSERT_EQ(c.pool[0].size, CP_POOL_MAX);
	cp_cfg_free(&c);
	ASSERT_EQ(cp_pool_parse(&c, "10.9.9.9/32", err, sizeof(err)), IKE_OK);
	ASSERT_EQ(c.pool[0].size, 1);
	cp_cfg_free(&c);
	ASSERT_EQ(cp_dns_add(&c, "10.3.0.53"), IKE_OK);
	ASSERT_EQ(cp_dns_add(&c, "fd00::53"), IKE_OK);
	ASSERT_EQ(cp_dns_add(&c, "dns.example"), IKE_EINVAL);
	ASSERT_EQ(c.n_dns, 2);
}

/* A request for an address, answered, read back: the initiator sees what
 * the responder leased; leases are next-fit and come back on release. */
TEST(cp_request_assign_reply)
{
	static const uint8_t want_req[] = {
		0x01, 0, 0, 0,			/* CFG_REQUEST */
		0x00, 0x01, 0x00, 0x00,		/* INTERNAL_IP4_ADDRESS, empty */
		0x00, 0x03, 0x00, 0x00,		/* INTERNAL_IP4_DNS, empty */
	};
	uint8_t		 buf[256];
	struct wr	 w = wr_init(buf, sizeof(buf));
	struct chain	 ch;
	struct cp_cfg	 c;
	struct cp_pld	 req, rep;
	struct cp_vip	 v[4], got;
	struct rd	 body;
	struct ts_pld	 ts;
	char		 err[128];

	memset(&c, 0, sizeof(c));
	ASSERT_EQ(cp_pool_parse(&c, "10.3.7.0/30", err, sizeof(err)), IKE_OK);
	ASSERT_EQ(cp_dns_add(&c, "10.3.0.53"), IKE_OK);
	ASSERT_EQ(cp_dns_add(&c, "fd00::53"), IKE_OK);
	wr_u8(&w, 0);			/* stands for the previous next byte */
	chain_init(&ch, &w, 0);
	cp_request_put(&ch, &w, VIP_REQ_4);
	chain_close(&ch);
	ASSERT(wr_ok(&w));
	ASSERT_EQ(buf[0], IKEV2_PAYLOAD_CP);
	ASSERT_EQ(w.len, 1 + 4 + sizeof(want_req));
	ASSERT_MEM(buf + 5, want_req, sizeof(want_req));
	body = rd_init(buf + 5, sizeof(want_req));
	ASSERT_EQ(cp_parse(&body, &req), IKE_OK);
	ASSERT(cp_wants_addr(&req));

	ASSERT_EQ(cp_assign(&c, &req, &v[0]), IKE_OK);
	ASSERT(strcmp(fmt(&v[0].addr[0]), "10.3.7.1") == 0);
	ASSERT_EQ(v[0].n_dns, 1);		/* IPv4 DNS only: that was asked */
	ASSERT_EQ(cp_assign(&c, &req, &v[1]), IKE_OK);
	ASSERT(strcmp(fmt(&v[1].addr[0]), "10.3.7.2") == 0);
	ASSERT_EQ(cp_assign(&c, &req, &v[2]), IKE_EREFUSED);	/* exhausted */
	cp_lease_release(&c, &v[0]);
	ASSERT_EQ(v[0].addr[0].fam, 0);
	ASSERT_EQ(cp_assign(&c, &req, &v[3]), IKE_OK);
	ASSERT(strcmp(fmt(&v[3].addr[0]), "10.3.7.1") == 0);

	ASSERT(!v[1].mask);	/* not asked for: not sent (strongSwan) */
	v[1].mask = true;
	w = wr_init(buf, sizeof(buf));
	wr_u8(&w, 0);
	chain_init(&ch, &w, 0);
	cp_reply_put(&ch, &w, &v[1]);
	chain_close(&ch);
	ASSERT(wr_ok(&w));
	body = rd_init(buf + 5, w.len - 5);
	ASSERT_EQ(cp_parse(&body, &rep), IKE_OK);
	ASSERT_EQ(rep.cfg_type, IKEV2_CFG_REPLY);
	cp_reply_read(&rep, &got);
	ASSERT(strcmp(fmt(&got.addr[0]), "10.3.7.2") == 0);
	ASSERT_EQ(got.addr[0].prefix, 30);	/* from INTERNAL_IP4_NETMASK */
	ASSERT_EQ(got.n_dns, 1);
	ASSERT(strcmp(fmt(&got.dns[0]), "10.3.0.53") == 0);
	cp_vip_ts(&got, &ts);
	ASSERT_EQ(ts.n_ts, 1);
	ASSERT_EQ(ts.ts[0].addr_len, 4);
	ASSERT_MEM(ts.ts[0].start, got.addr[0].addr, 4);
	ASSERT_MEM(ts.ts[0].end, got.addr[0].addr, 4);
	cp_cfg_free(&c);
	cp_lease_release(NULL, &v[1]);		/* pool gone: only clears */
}

struct side {
	struct xchg_cfg	 c;
	struct psk	 p;
	struct ike_sa	 sa;
};

static int
side_set(struct side *s, enum ike_role role, const char *me, const char *peer,
    const char *ts_l, const char *ts_r)
{
	char	 err[PROPOSAL_ERR_MAX];

	memset(s, 0, sizeof(*s));
	s->p.len = 3;
	memcpy(s->p.key, "psk", 3);
	s->c.psk = &s->p;
	if (proposal_parse(&s->c.ike, IKEV2_PROTO_IKE, "aes128gcm16-prfsha256-x25519",
	    err, sizeof(err)) != IKE_OK ||
	    proposal_parse(&s->c.esp, IKEV2_PROTO_ESP, "aes128gcm16", err,
	    sizeof(err)) != IKE_OK)
		return 0;
	s->c.af = AF_INET;
	inet_pton(AF_INET, me, s->c.local_addr);
	inet_pton(AF_INET, peer, s->c.peer_addr);
	s->c.local_port = s->c.peer_port = 500;
	if (ike_id_parse(&s->c.local_id, me) != IKE_OK ||
	    ts_parse_list(&s->c.ts_local, ts_l, err, sizeof(err)) != IKE_OK ||
	    (ts_r[0] != '\0' &&
	    ts_parse_list(&s->c.ts_remote, ts_r, err, sizeof(err)) != IKE_OK))
		return 0;
	ike_sa_init(&s->sa, role);
	return 1;
}

/* run_vip does IKE_SA_INIT and IKE_AUTH with a --vip initiator against a
 * responder with pool (NULL: no pool); returns auth_respond's result. */
static enum ike_err
run_vip(struct side *i, struct side *r, struct cp_cfg *pool, enum ike_err *e_i)
{
	static uint8_t	 a[XCHG_OUT_MAX], b[XCHG_OUT_MAX];
	struct wr	 wa = wr_init(a, sizeof(a)), wb = wr_init(b, sizeof(b));
	enum ike_err	 e;

	*e_i = IKE_EINVAL;
	if (!side_set(i, ROLE_INITIATOR, "192.0.2.1", "192.0.2.2", "0.0.0.0/0",
	    "10.2.0.0/16") ||
	    !side_set(r, ROLE_RESPONDER, "192.0.2.2", "192.0.2.1", "10.2.0.0/16", ""))
		return IKE_EINVAL;
	i->c.vip_req = VIP_REQ_4;
	r->c.cp = pool;
	if (sa_init_create(&i->sa, &i->c, &wa) != IKE_OK ||
	    sa_init_respond(&r->sa, &r->c, rd_init(a, wa.len), &wb) != IKE_OK ||
	    sa_init_consume(&i->sa, &i->c, rd_init(b, wb.len)) != IKE_OK)
		return IKE_EINVAL;
	wa = wr_init(a, sizeof(a));
	wb = wr_init(b, sizeof(b));
	if (auth_create(&i->sa, &i->c, &wa) != IKE_OK)
		return IKE_EINVAL;
	e = auth_respond(&r->sa, &r->c, rd_init(a, wa.len), &wb);
	*e_i = auth_consume(&i->sa, &i->c, rd_init(b, wb.len));
	return e;
}

TEST(cp_ike_auth_vip)
{
	struct side	 i, r;
	struct cp_cfg	 c;
	enum ike_err	 ei;
	char		 err[128], ts[128];

	memset(&c, 0, sizeof(c));
	ASSERT_EQ(cp_pool_parse(&c, "10.3.7.0/28", err, sizeof(err)), IKE_OK);
	ASSERT_EQ(run_vip(&i, &r, &c, &ei), IKE_OK);
	ASSERT_EQ(ei, IKE_OK);
	ASSERT_EQ(i.sa.state, SA_ESTABLISHED);
	ASSERT(strcmp(fmt(&i.sa.vip.addr[0]), "10.3.7.1") == 0);
	ASSERT(strcmp(fmt(&r.sa.vip.addr[0]), "10.3.7.1") == 0);
	ts_format_list(&i.sa.child.tsi, ts, sizeof(ts));
	ASSERT(strcmp(ts, "10.3.7.1/32") == 0);		/* TSi narrowed to it */
	ts_format_list(&r.sa.child.tsi, ts, sizeof(ts));
	ASSERT(strcmp(ts, "10.3.7.1/32") == 0);
	ASSERT_EQ(c.pool[0].n_used, 1);
	cp_lease_release(&c, &r.sa.vip);
	ASSERT_EQ(c.pool[0].n_used, 0);
	ike_sa_wipe(&i.sa);
	ike_sa_wipe(&r.sa);
	cp_cfg_free(&c);

	/* no pool: INTERNAL_ADDRESS_FAILURE, RFC 7296 3.15.4 */
	ASSERT_EQ(run_vip(&i, &r, NULL, &ei), IKE_EREFUSED);
	ASSERT_EQ(ei, IKE_EREFUSED);
	ASSERT_EQ(i.sa.peer_notify, IKEV2_N_INTERNAL_ADDRESS_FAILURE);
	ike_sa_wipe(&i.sa);
	ike_sa_wipe(&r.sa);
}

/* find_cookie returns the COOKIE data of a response, or an empty view. */
static struct rd
find_cookie(const uint8_t *msg, size_t len)
{
	struct ike_msg		 m;
	struct notify_pld	 n;
	struct rd		 body, none = { NULL, 0 };
	size_t			 i;

	if (msg_parse(rd_init(msg, len), &m) != IKE_OK)
		return none;
	for (i = 0; i < m.n_pld; i++) {
		body = m.pld[i].body;
		if (m.pld[i].type == IKEV2_PAYLOAD_NOTIFY &&
		    notify_parse(&body, &n) == IKE_OK && n.type == IKEV2_N_COOKIE)
			return n.data;
	}
	return none;
}

/* Cookie = VersionIDofSecret | HMAC-SHA-256(secret, Ni | IPi | SPIi):
 * checked against OpenSSL's HMAC; the initiator retries with it and
 * passes; another address, or two rotations later, does not. */
TEST(cookie_round)
{
	static uint8_t	 a[XCHG_OUT_MAX], b[XCHG_OUT_MAX], d[128];
	struct side	 i, r;
	struct cookie_gen g;
	struct wr	 wa = wr_init(a, sizeof(a)), wb = wr_init(b, sizeof(b));
	struct rd	 ck;
	uint8_t		 ip[16] = { 192, 0, 2, 1 }, other[16] = { 192, 0, 2, 9 };
	uint8_t		 mac[32];
	size_t		 mac_len = 0;
	struct wr	 wd = wr_init(d, sizeof(d));

	ASSERT(side_set(&i, ROLE_INITIATOR, "192.0.2.1", "192.0.2.2", "10.1.0.0/16",
	    "10.2.0.0/16"));
	ASSERT(side_set(&r, ROLE_RESPONDER, "192.0.2.2", "192.0.2.1", "10.2.0.0/16",
	    ""));
	cookie_gen_init(&g, 0);
	ASSERT_EQ(sa_init_create(&i.sa, &i.c, &wa), IKE_OK);
	ASSERT_EQ(cookie_check(&g, rd_init(a, wa.len), AF_INET, ip, &wb),
	    IKE_EREFUSED);
	ck = find_cookie(b, wb.len);
	ASSERT_EQ(ck.len, COOKIE_LEN);
	ASSERT_EQ(ck.p[0], 0);
	wr_bytes(&wd, i.sa.ni, i.sa.ni_len);
	wr_bytes(&wd, ip, 4);
	wr_u64(&wd, i.sa.ispi);
	ASSERT(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, g.secret[0],
	    COOKIE_SECRET_LEN, d, wd.len, mac, sizeof(mac), &mac_len) != NULL);
	ASSERT_MEM(ck.p + 1, mac, 32);

	/* the initiator takes the cookie and sends the request again */
	ASSERT_EQ(sa_init_consume(&i.sa, &i.c, rd_init(b, wb.len)), IKE_OK);
	ASSERT_EQ(i.sa.state, SA_IDLE);
	wa = wr_init(a, sizeof(a));
	ASSERT_EQ(sa_init_create(&i.sa, &i.c, &wa), IKE_OK);
	wb = wr_init(b, sizeof(b));
	ASSERT_EQ(cookie_check(&g, rd_init(a, wa.len), AF_INET, ip, &wb), IKE_OK);
	ASSERT_EQ(wb.len, 0);
	ASSERT_EQ(sa_init_respond(&r.sa, &r.c, rd_init(a, wa.len), &wb), IKE_OK);
	ASSERT_EQ(sa_init_consume(&i.sa, &i.c, rd_init(b, wb.len)), IKE_OK);
	ASSERT_EQ(i.sa.state, SA_INIT_DONE);
	/* from another address it is not valid */
	wb = wr_init(b, sizeof(b));
	ASSERT_EQ(cookie_check(&g, rd_init(a, wa.len), AF_INET, other, &wb),
	    IKE_EREFUSED);
	/* one rotation: still valid; two: not */
	cookie_gen_tick(&g, COOKIE_ROTATE_MS - 1);
	ASSERT_EQ(g.ver, 0);
	cookie_gen_tick(&g, COOKIE_ROTATE_MS);
	ASSERT_EQ(g.ver, 1);
	wb = wr_init(b, sizeof(b));
	ASSERT_EQ(cookie_check(&g, rd_init(a, wa.len), AF_INET, ip, &wb), IKE_OK);
	cookie_gen_tick(&g, 2 * COOKIE_ROTATE_MS);
	wb = wr_init(b, sizeof(b));
	ASSERT_EQ(cookie_check(&g, rd_init(a, wa.len), AF_INET, ip, &wb),
	    IKE_EREFUSED);
	/* no nonce, not a message: dropped without an answer */
	wb = wr_init(b, sizeof(b));
	ASSERT(cookie_check(&g, rd_init(a, 20), AF_INET, ip, &wb) != IKE_OK);
	ASSERT_EQ(wb.len, 0);
	cookie_gen_wipe(&g);
	ike_sa_wipe(&i.sa);
	ike_sa_wipe(&r.sa);
}
