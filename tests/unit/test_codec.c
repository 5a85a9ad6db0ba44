/* SPDX-License-Identifier: ISC */
/* Unit tests for codec/: header, payload chain and whole messages, on golden bytes. */
#include <string.h>

#include "test.h"
#include "codec/codec.h"
#include "names/ikev2.h"

/* A hand-assembled IKE_SA_INIT request, one line per field (RFC 7296 1.2). */
static const char sa_init_hex[] =
	/* IKE header */
	"0102030405060708"	/* IKE SA Initiator's SPI */
	"0000000000000000"	/* IKE SA Responder's SPI */
	"21"			/* Next Payload: SA */
	"20"			/* MjVer 2, MnVer 0 */
	"22"			/* Exchange Type: IKE_SA_INIT */
	"08"			/* Flags: Initiator */
	"00000000"		/* Message ID */
	"000000a4"		/* Length: 164 */
	/* SA payload */
	"22 00 0028"		/* next KE, C=0, length 40 */
	"00 00 0024"		/* proposal: last, length 36 */
	"01 01 00 03"		/* num 1, IKE, SPI size 0, 3 transforms */
	"03 00 000c 01 00 0014"	/* ENCR_AES_GCM_16 ... */
	"800e 0100"		/* ... Key Length (TV) 256 */
	"03 00 0008 02 00 0005"	/* PRF_HMAC_SHA2_256 */
	"00 00 0008 04 00 001f"	/* last: DH CURVE25519 */
	/* KE payload */
	"28 00 0028"		/* next Nonce, length 40 */
	"001f 0000"		/* group 31, reserved */
	"000102030405060708090a0b0c0d0e0f"
	"101112131415161718191a1b1c1d1e1f"	/* 32-byte public value */
	/* Nonce payload */
	"29 00 0014"		/* next Notify, length 20 */
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"	/* Ni */
	/* Notify NAT_DETECTION_SOURCE_IP */
	"29 00 001c"		/* next Notify, length 28 */
	"00 00 4004"		/* protocol 0, SPI size 0, type 16388 */
	"b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3"	/* SHA-1 */
	/* Notify IKEV2_FRAGMENTATION_SUPPORTED */
	"00 00 0008"		/* last, length 8 */
	"00 00 402e";		/* protocol 0, SPI size 0, type 16430 */

static uint8_t	 buf[4096];
static size_t	 buf_len;

static struct rd
load(const char *hex)
{
	buf_len = test_unhex(buf, sizeof(buf), hex);
	return rd_init(buf, buf_len);
}

TEST(sa_init_decode)
{
	struct ike_msg		 m;
	struct sa_pld		 sa;
	struct ke_pld		 ke;
	struct notify_pld	 n;
	struct rd		 b, no;

	ASSERT_EQ(msg_parse(load(sa_init_hex), &m), IKE_OK);
	ASSERT_EQ(buf_len, 164);
	ASSERT(m.hdr.ispi == 0x0102030405060708ULL);
	ASSERT(m.hdr.rspi == 0);
	ASSERT_EQ(m.hdr.next, IKEV2_PAYLOAD_SA);
	ASSERT_EQ(m.hdr.major, 2);
	ASSERT_EQ(m.hdr.minor, 0);
	ASSERT_EQ(m.hdr.exch, IKEV2_EXCH_IKE_SA_INIT);
	ASSERT_EQ(m.hdr.flags, IKEV2_FLAG_INITIATOR);
	ASSERT_EQ(m.hdr.msgid, 0);
	ASSERT_EQ(m.hdr.len, 164);
	ASSERT_EQ(m.n_pld, 5);
	ASSERT_EQ(m.sk, -1);
	ASSERT_EQ(m.pld[0].type, IKEV2_PAYLOAD_SA);
	ASSERT_EQ(m.pld[0].off, 32);
	ASSERT_EQ(m.pld[1].type, IKEV2_PAYLOAD_KE);
	ASSERT_EQ(m.pld[1].off, 72);
	ASSERT_EQ(m.pld[2].type, IKEV2_PAYLOAD_NONCE);
	ASSERT_EQ(m.pld[3].type, IKEV2_PAYLOAD_NOTIFY);
	ASSERT_EQ(m.pld[4].type, IKEV2_PAYLOAD_NOTIFY);
	ASSERT_EQ(m.pld[4].next, IKEV2_PAYLOAD_NONE);

	b = m.pld[0].body;
	ASSERT_EQ(sa_pld_parse(&b, &sa), IKE_OK);
	ASSERT_EQ(b.len, 0);
	ASSERT_EQ(sa.n_props, 1);
	ASSERT_EQ(sa.props[0].num, 1);
	ASSERT_EQ(sa.props[0].proto, IKEV2_PROTO_IKE);
	ASSERT_EQ(sa.props[0].spi_len, 0);
	ASSERT_EQ(sa.props[0].n_xforms, 3);
	ASSERT_EQ(sa.props[0].xforms[0].type, IKEV2_XFORM_ENCR);
	ASSERT_EQ(sa.props[0].xforms[0].id, IKEV2_ENCR_AES_GCM_16);
	ASSERT_EQ(sa.props[0].xforms[0].key_len, 256);
	ASSERT_EQ(sa.props[0].xforms[1].id, IKEV2_PRF_HMAC_SHA2_256);
	ASSERT_EQ(sa.props[0].xforms[1].key_len, 0);
	ASSERT(sa_prop_find(&sa.props[0], IKEV2_XFORM_DH)->id ==
	    IKEV2_DH_CURVE25519);
	ASSERT(sa_prop_find(&sa.props[0], IKEV2_XFORM_INTEG) == NULL);

	b = m.pld[1].body;
	ASSERT_EQ(ke_parse(&b, &ke), IKE_OK);
	ASSERT_EQ(ke.group, IKEV2_DH_CURVE25519);
	ASSERT_EQ(ke.data.len, 32);
	ASSERT_EQ(ke.data.p[31], 0x1f);

	b = m.pld[2].body;
	ASSERT_EQ(nonce_parse(&b, &no), IKE_OK);
	ASSERT_EQ(no.len, 16);
	ASSERT_EQ(no.p[0], 0xa0);

	b = m.pld[3].body;
	ASSERT_EQ(notify_parse(&b, &n), IKE_OK);
	ASSERT_EQ(n.type, IKEV2_N_NAT_DETECTION_SOURCE_IP);
	ASSERT_EQ(n.spi_len, 0);
	ASSERT_EQ(n.data.len, 20);
	b = m.pld[4].body;
	ASSERT_EQ(notify_parse(&b, &n), IKE_OK);
	ASSERT_EQ(n.type, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED);
	ASSERT_EQ(n.data.len, 0);
	ASSERT(!notify_is_error(n.type));
}

TEST(sa_init_encode)
{
	uint8_t		 out[512], pub[32], ni[16], natd[20];
	struct wr	 w = wr_init(out, sizeof(out));
	struct ike_hdr	 h = { 0x0102030405060708ULL, 0, 0, 2, 0,
	    IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_INITIATOR, 0, 0 };
	struct sa_pld	 sa;
	struct chain	 c;
	size_t		 off, i;

	for (i = 0; i < sizeof(pub); i++)
		pub[i] = (uint8_t)i;
	for (i = 0; i < sizeof(ni); i++)
		ni[i] = (uint8_t)(0xa0 + i);
	for (i = 0; i < sizeof(natd); i++)
		natd[i] = (uint8_t)(0xb0 + i);
	memset(&sa, 0, sizeof(sa));
	sa.n_props = 1;
	sa.props[0].num = 1;
	sa.props[0].proto = IKEV2_PROTO_IKE;
	ASSERT(sa_prop_add_xform(&sa.props[0], IKEV2_XFORM_ENCR,
	    IKEV2_ENCR_AES_GCM_16, 256));
	ASSERT(sa_prop_add_xform(&sa.props[0], IKEV2_XFORM_PRF,
	    IKEV2_PRF_HMAC_SHA2_256, 0));
	ASSERT(sa_prop_add_xform(&sa.props[0], IKEV2_XFORM_DH,
	    IKEV2_DH_CURVE25519, 0));

	off = hdr_put(&w, &h);
	chain_init(&c, &w, off + HDR_NEXT_AT);
	chain_open(&c, IKEV2_PAYLOAD_SA, false);
	sa_pld_put(&w, &sa);
	chain_open(&c, IKEV2_PAYLOAD_KE, false);
	ke_put(&w, IKEV2_DH_CURVE25519, pub, sizeof(pub));
	chain_open(&c, IKEV2_PAYLOAD_NONCE, false);
	nonce_put(&w, ni, sizeof(ni));
	chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&w, 0, NULL, 0, IKEV2_N_NAT_DETECTION_SOURCE_IP, natd,
	    sizeof(natd));
	chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&w, 0, NULL, 0, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED,
	    NULL, 0);
	chain_close(&c);
	hdr_finish(&w, off);
	ASSERT(wr_ok(&w));
	(void)load(sa_init_hex);
	ASSERT_EQ(w.len, buf_len);
	ASSERT_MEM(out, buf, buf_len);
}

TEST(encode_too_small)
{
	uint8_t		 out[40];
	struct wr	 w = wr_init(out, sizeof(out));
	struct ike_hdr	 h = { 1, 0, 0, 2, 0, IKEV2_EXCH_INFORMATIONAL, 0, 1, 0 };
	struct chain	 c;
	uint8_t		 ni[32] = { 0 };
	size_t		 off;

	off = hdr_put(&w, &h);
	chain_init(&c, &w, off + HDR_NEXT_AT);
	chain_open(&c, IKEV2_PAYLOAD_NONCE, false);
	nonce_put(&w, ni, sizeof(ni));
	chain_close(&c);
	hdr_finish(&w, off);
	ASSERT(!wr_ok(&w));
}

TEST(hdr_errors)
{
	struct rd	 r;
	struct ike_hdr	 h;

	/* 27 bytes: truncated header */
	r = load("0102030405060708 0000000000000000 00 20 22 08 00000000 000000");
	ASSERT_EQ(hdr_parse(&r, &h), IKE_ETRUNC);
	ASSERT_EQ(r.len, 27);
	/* IKEv1 (version 0x10): reported distinctly, fields still filled */
	r = load("0102030405060708 0000000000000000 01 10 02 00 00000000 0000001c");
	ASSERT_EQ(hdr_parse(&r, &h), IKE_EUNSUPP);
	ASSERT_EQ(h.major, 1);
	ASSERT_EQ(h.exch, 2);
	ASSERT_EQ(r.len, 28);
	/* major version 3 */
	r = load("0102030405060708 0000000000000000 00 30 22 08 00000000 0000001c");
	ASSERT_EQ(hdr_parse(&r, &h), IKE_EUNSUPP);
	/* length field past the end of the datagram */
	r = load("0102030405060708 0000000000000000 00 20 22 08 00000000 0000001d");
	ASSERT_EQ(hdr_parse(&r, &h), IKE_ETRUNC);
	/* length field shorter than the datagram */
	r = load("0102030405060708 0000000000000000 00 20 22 08 00000000 0000001c 00");
	ASSERT_EQ(hdr_parse(&r, &h), IKE_ESYNTAX);
	/* minor version and unknown flags are ignored (RFC 7296 2.5) */
	r = load("0102030405060708 0000000000000000 00 2f 25 29 00000007 0000001c");
	ASSERT_EQ(hdr_parse(&r, &h), IKE_OK);
	ASSERT_EQ(h.minor, 15);
	ASSERT_EQ(h.flags, 0x29);
	ASSERT_EQ(h.msgid, 7);
	ASSERT_EQ(r.len, 0);
}

/* HDR(next, len) is a header with Next Payload next and Length len. */
#define HDR(next, len) \
	"0102030405060708 1112131415161718 " next " 20 25 20 00000001 " len

static enum ike_err
parse_err(const char *hex, size_t *n)
{
	struct ike_msg	 m;
	enum ike_err	 e;

	e = msg_parse(load(hex), &m);
	if (n != NULL)
		*n = m.n_pld;
	return e;
}

TEST(chain_errors)
{
	size_t n;

	/* payload length past the end */
	ASSERT_EQ(parse_err(HDR("2b", "00000024") "00 00 0009 01020304", &n),
	    IKE_ETRUNC);
	ASSERT_EQ(n, 0);
	/* payload header cut short */
	ASSERT_EQ(parse_err(HDR("2b", "0000001e") "00 00", NULL), IKE_ETRUNC);
	/* payload length zero, and three */
	ASSERT_EQ(parse_err(HDR("2b", "00000020") "00 00 0000", NULL),
	    IKE_ESYNTAX);
	ASSERT_EQ(parse_err(HDR("2b", "00000020") "00 00 0003", NULL),
	    IKE_ESYNTAX);
	/* bytes after the last payload */
	ASSERT_EQ(parse_err(HDR("2b", "00000024") "00 00 0005 aa 000000",
	    &n), IKE_ESYNTAX);
	ASSERT_EQ(n, 1);
	/* next says more but the message ends */
	ASSERT_EQ(parse_err(HDR("2b", "00000021") "2b 00 0005 aa", &n),
	    IKE_ETRUNC);
	ASSERT_EQ(n, 1);
	/* SK not last: a Vendor ID follows it */
	ASSERT_EQ(parse_err(HDR("2e", "00000028") "2b 00 0004 2b 00 0005 aa"
	    "000000", NULL), IKE_ESYNTAX);
	ASSERT_EQ(parse_err(HDR("2e", "00000024") "2b 00 0004 2b 00 0004",
	    NULL), IKE_ESYNTAX);
	/* unknown type 0x7f with the critical bit */
	ASSERT_EQ(parse_err(HDR("2b", "00000025") "7f 00 0005 aa 00 80 0004",
	    &n), IKE_EUNSUPP_CRIT);
	ASSERT_EQ(n, 1);
	/* GSPM is registered but not understood here: critical is refused */
	ASSERT_EQ(parse_err(HDR("31", "00000020") "00 80 0004", NULL),
	    IKE_EUNSUPP_CRIT);
}

TEST(chain_unknown_skipped)
{
	struct ike_msg	m;

	/* V, unknown 0x7f (not critical), N: all three returned in order */
	ASSERT_EQ(msg_parse(load(HDR("2b", "0000002f")
	    "7f 00 0005 aa"
	    "29 00 0006 bbbb"
	    "00 00 0008 00 00 4000"), &m), IKE_OK);
	ASSERT_EQ(m.n_pld, 3);
	ASSERT_EQ(m.pld[0].type, IKEV2_PAYLOAD_VENDOR);
	ASSERT_EQ(m.pld[1].type, 0x7f);
	ASSERT(!m.pld[1].critical);
	ASSERT_EQ(m.pld[1].body.len, 2);
	ASSERT_EQ(m.pld[2].type, IKEV2_PAYLOAD_NOTIFY);
	/* a known payload with the critical bit set is fine (2.5) */
	ASSERT_EQ(msg_parse(load(HDR("2b", "00000021") "00 80 0005 aa"), &m),
	    IKE_OK);
	ASSERT(m.pld[0].critical);
}

TEST(chain_loop_bound)
{
	char	 hex[2048];
	size_t	 i, len = IKE_HDR_LEN + 4 * (PLD_MAX + 1);
	int	 k;

	/* PLD_MAX + 1 empty unknown payloads: IKE_ELOOP, not a long walk */
	k = snprintf(hex, sizeof(hex), "0102030405060708 1112131415161718 "
	    "7f 20 25 20 00000001 %08zx", len);
	for (i = 0; i < PLD_MAX + 1; i++)
		k += snprintf(hex + k, sizeof(hex) - (size_t)k, "%s 00 0004 ",
		    i == PLD_MAX ? "00" : "7f");
	ASSERT_EQ(parse_err(hex, NULL), IKE_ELOOP);
}

TEST(chain_iter_sticky)
{
	struct pld_iter	 it;
	struct pld	 p;
	struct rd	 r = load("2b 00 0005 aa 00 00 0002");

	pld_iter_init(&it, r, IKEV2_PAYLOAD_VENDOR);
	ASSERT(pld_next(&it, &p));
	ASSERT_EQ(p.off, 4);
	ASSERT(!pld_next(&it, &p));
	ASSERT_EQ(it.err, IKE_ESYNTAX);
	ASSERT(!pld_next(&it, &p));
	ASSERT_EQ(it.err, IKE_ESYNTAX);
	/* SK inside a decrypted SK body */
	r = load("2e 00 0004 00 00 0004");
	pld_iter_init_inner(&it, r, IKEV2_PAYLOAD_NONCE);
	ASSERT(pld_next(&it, &p));
	ASSERT(!pld_next(&it, &p));
	ASSERT_EQ(it.err, IKE_ESYNTAX);
}

TEST(sk_message)
{
	struct ike_msg		 m;
	struct pld		 in[4];
	size_t			 n;

	/* IKE_AUTH request: SK with IDi as the first inner payload; body is
	 * 8-byte IV, 8 bytes of ciphertext, 4-byte ICV */
	ASSERT_EQ(msg_parse(load(HDR("2e", "00000034")
	    "23 00 0018"
	    "1011121314151617 2021222324252627 30313233"), &m), IKE_OK);
	ASSERT_EQ(m.n_pld, 1);
	ASSERT_EQ(m.sk, 0);
	ASSERT_EQ(m.sk_next, IKEV2_PAYLOAD_IDI);
	ASSERT_EQ(m.sk_off, 32);	/* header + SK header are the AAD */
	ASSERT_EQ(m.sk_body.len, 20);
	ASSERT_EQ(m.sk_body.p[0], 0x10);
	ASSERT_EQ(m.frag_num, 0);

	/* a decrypted inner chain: IDi then AUTH */
	ASSERT_EQ(chain_parse(load("27 00 000c 01 000000 c0000201"
	    "00 00 000c 02 000000 aabbccdd"), IKEV2_PAYLOAD_IDI, true, in, 4,
	    &n), IKE_OK);
	ASSERT_EQ(n, 2);
	ASSERT_EQ(in[1].type, IKEV2_PAYLOAD_AUTH);
	ASSERT_EQ(in[1].off, 16);
	ASSERT_EQ(chain_parse(load("27 00 000c 01 000000 c0000201"
	    "00 00 000c 02 000000 aabbccdd"), IKEV2_PAYLOAD_IDI, true, in, 1,
	    &n), IKE_ELOOP);
}

TEST(skf_message)
{
	struct ike_msg m;

	/* fragment 2 of 3: next payload 0, the fragment fields are in the
	 * associated data */
	ASSERT_EQ(msg_parse(load(HDR("35", "00000030")
	    "00 00 0014 0002 0003 aaaaaaaa bbbbbbbb cccccccc"), &m), IKE_OK);
	ASSERT_EQ(m.sk, 0);
	ASSERT_EQ(m.frag_num, 2);
	ASSERT_EQ(m.frag_total, 3);
	ASSERT_EQ(m.sk_off, 36);
	ASSERT_EQ(m.sk_body.len, 12);
	/* fragment 0, and 4 of 3 */
	ASSERT_EQ(parse_err(HDR("35", "00000024") "00 00 0008 0000 0003",
	    NULL), IKE_ESYNTAX);
	ASSERT_EQ(parse_err(HDR("35", "00000024") "00 00 0008 0004 0003",
	    NULL), IKE_ESYNTAX);
	ASSERT_EQ(parse_err(HDR("35", "00000022") "00 00 0006 0001",
	    NULL), IKE_ETRUNC);
}

TEST(sk_encode)
{
	uint8_t		 out[128], iv[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t		 want[128];
	size_t		 want_len;
	struct wr	 w = wr_init(out, sizeof(out));
	struct ike_hdr	 h = { 0x0102030405060708ULL, 0x1112131415161718ULL,
	    0, 2, 0, IKEV2_EXCH_INFORMATIONAL, IKEV2_FLAG_RESPONSE, 1, 0 };
	struct chain	 c, in;
	size_t		 off;

	/* outer chain: SK; inner chain (plaintext here): Delete IKE */
	off = hdr_put(&w, &h);
	chain_init(&c, &w, off + HDR_NEXT_AT);
	chain_open(&c, IKEV2_PAYLOAD_SK, false);
	wr_bytes(&w, iv, sizeof(iv));
	chain_init(&in, &w, c.next_at);
	chain_open(&in, IKEV2_PAYLOAD_DELETE, false);
	delete_put(&w, IKEV2_PROTO_IKE, NULL, 0);
	chain_close(&in);
	chain_close(&c);
	hdr_finish(&w, off);
	ASSERT(wr_ok(&w));
	want_len = test_unhex(want, sizeof(want),
	    "0102030405060708 1112131415161718 2e 20 25 20 00000001 00000030"
	    "2a 00 0014 0102030405060708"	/* SK: next D, IV */
	    "00 00 0008 01 00 0000");		/* D: IKE, no SPIs */
	ASSERT_EQ(w.len, want_len);
	ASSERT_MEM(out, want, want_len);
}
