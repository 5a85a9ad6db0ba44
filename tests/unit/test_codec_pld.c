/* SPDX-License-Identifier: ISC */
/* Unit tests for codec/: each payload body's decode, validation failures and encoder. */
#include <string.h>

#include "test.h"
#include "codec/codec.h"
#include "names/ikev2.h"

static uint8_t	 buf[2048];
static size_t	 buf_len;

static struct rd
load(const char *hex)
{
	buf_len = test_unhex(buf, sizeof(buf), hex);
	return rd_init(buf, buf_len);
}

static enum ike_err
sa_err(const char *hex)
{
	struct sa_pld	 sa;
	struct rd	 r = load(hex);

	return sa_pld_parse(&r, &sa);
}

/* Two ESP proposals: AES-GCM-16/128 + ESN; AES-CBC/256 + SHA2-256 + ESN. */
static const char esp_sa_hex[] =
	"02 00 0020"		/* proposal, more follow, length 32 */
	"01 03 04 02"		/* num 1, ESP, SPI size 4, 2 transforms */
	"c0a80001"		/* SPI */
	"03 00 000c 01 00 0014 800e 0080"	/* ENCR_AES_GCM_16, 128 */
	"00 00 0008 05 00 0001"			/* ESN_YES */
	"00 00 0030"		/* proposal, last, length 48 */
	"02 03 04 03"		/* num 2, ESP, SPI size 4, 3 transforms */
	"c0a80001"
	"03 00 000c 01 00 000c 800e 0100"	/* ENCR_AES_CBC, 256 */
	"03 00 0008 03 00 000c"			/* AUTH_HMAC_SHA2_256_128 */
	"00 00 0010 05 00 0000 0001 0004 01020304"; /* ESN_NO + TLV attr */

TEST(sa_esp_decode_encode)
{
	struct sa_pld	 sa;
	struct rd	 r = load(esp_sa_hex);
	uint8_t		 out[256];
	struct wr	 w = wr_init(out, sizeof(out));

	ASSERT_EQ(sa_pld_parse(&r, &sa), IKE_OK);
	ASSERT_EQ(r.len, 0);
	ASSERT_EQ(sa.n_props, 2);
	ASSERT_EQ(sa.props[0].spi_len, 4);
	ASSERT_MEM(sa.props[0].spi, "\xc0\xa8\x00\x01", 4);
	ASSERT_EQ(sa.props[0].xforms[0].key_len, 128);
	ASSERT_EQ(sa.props[1].num, 2);
	ASSERT_EQ(sa.props[1].n_xforms, 3);
	ASSERT_EQ(sa.props[1].xforms[1].id, IKEV2_AUTH_HMAC_SHA2_256_128);
	ASSERT(!sa.props[1].xforms[1].unknown_attr);
	ASSERT(sa.props[1].xforms[2].unknown_attr);
	/* the encoder writes what it knows: drop the unknown attribute */
	sa.props[1].xforms[2].unknown_attr = false;
	sa_pld_put(&w, &sa);
	ASSERT(wr_ok(&w));
	(void)load("02 00 0020 01 03 04 02 c0a80001"
	    "03 00 000c 01 00 0014 800e 0080 00 00 0008 05 00 0001"
	    "00 00 0028 02 03 04 03 c0a80001"
	    "03 00 000c 01 00 000c 800e 0100 03 00 0008 03 00 000c"
	    "00 00 0008 05 00 0000");
	ASSERT_EQ(w.len, buf_len);
	ASSERT_MEM(out, buf, buf_len);
}

TEST(sa_errors)
{
	/* empty SA payload */
	ASSERT_EQ(sa_err(""), IKE_ESYNTAX);
	/* declares 2 transforms, holds 1 */
	ASSERT_EQ(sa_err("00 00 0010 01 01 00 02 00 00 0008 01 00 000c"),
	    IKE_ESYNTAX);
	/* declares 1 transform, holds 2 */
	ASSERT_EQ(sa_err("00 00 0018 01 01 00 01 03 00 0008 01 00 000c"
	    "00 00 0008 02 00 0005"), IKE_ESYNTAX);
	/* "last" on a proposal that is followed by another */
	ASSERT_EQ(sa_err("00 00 0008 01 01 00 00 00 00 0008 02 01 00 00"),
	    IKE_ESYNTAX);
	/* "more" on the last proposal */
	ASSERT_EQ(sa_err("02 00 0008 01 01 00 00"), IKE_ESYNTAX);
	/* "more" on the last transform */
	ASSERT_EQ(sa_err("00 00 0010 01 01 00 01 03 00 0008 01 00 000c"),
	    IKE_ESYNTAX);
	/* a proposal's "last" byte of 3 (that is the transform value) */
	ASSERT_EQ(sa_err("03 00 0008 01 01 00 00 00 00 0008 02 01 00 00"),
	    IKE_ESYNTAX);
	/* proposal numbers 1 then 3; and a first proposal numbered 0 */
	ASSERT_EQ(sa_err("02 00 0008 01 01 00 00 00 00 0008 03 01 00 00"),
	    IKE_ESYNTAX);
	ASSERT_EQ(sa_err("00 00 0008 00 01 00 00"), IKE_ESYNTAX);
	/* a reply's one proposal may carry any number */
	ASSERT_EQ(sa_err("00 00 0008 03 01 00 00"), IKE_OK);
	/* SPI size 0 for ESP; 4 for IKE; unknown protocol 9 */
	ASSERT_EQ(sa_err("00 00 0008 01 03 00 00"), IKE_ESYNTAX);
	ASSERT_EQ(sa_err("00 00 000c 01 01 04 00 01020304"), IKE_ESYNTAX);
	ASSERT_EQ(sa_err("00 00 0008 01 09 00 00"), IKE_ESYNTAX);
	/* IKE rekey: SPI size 8 */
	ASSERT_EQ(sa_err("00 00 0010 01 01 08 00 0102030405060708"), IKE_OK);
	/* SPI runs past the proposal */
	ASSERT_EQ(sa_err("00 00 000a 01 03 04 00 0102"), IKE_ETRUNC);
	/* proposal length past the payload; and below 8 */
	ASSERT_EQ(sa_err("00 00 0010 01 01 00 00"), IKE_ETRUNC);
	ASSERT_EQ(sa_err("00 00 0004"), IKE_ESYNTAX);
	/* transform length 4 */
	ASSERT_EQ(sa_err("00 00 000c 01 01 00 01 00 00 0004"), IKE_ESYNTAX);
	/* Key Length in TLV format */
	ASSERT_EQ(sa_err("00 00 0014 01 01 00 01 00 00 000c 01 00 000c"
	    "000e 0000"), IKE_ESYNTAX);
	/* Key Length twice */
	ASSERT_EQ(sa_err("00 00 0018 01 01 00 01 00 00 0010 01 00 000c"
	    "800e 0080 800e 0080"), IKE_ESYNTAX);
	/* TLV attribute running past the transform */
	ASSERT_EQ(sa_err("00 00 0014 01 01 00 01 00 00 000c 01 00 000c"
	    "0001 0004"), IKE_ETRUNC);
	/* attribute header cut short */
	ASSERT_EQ(sa_err("00 00 0012 01 01 00 01 00 00 000a 01 00 000c 800e"),
	    IKE_ETRUNC);
}

TEST(sa_limits)
{
	char	 hex[4096];
	int	 k = 0, i;

	/* 17 proposals: more than SA_MAX_PROPS */
	for (i = 1; i <= SA_MAX_PROPS + 1; i++)
		k += snprintf(hex + k, sizeof(hex) - (size_t)k,
		    "%s 00 0008 %02x 01 00 00 ",
		    i == SA_MAX_PROPS + 1 ? "00" : "02", i);
	ASSERT_EQ(sa_err(hex), IKE_ETOOBIG);
	/* 33 transforms declared */
	ASSERT_EQ(sa_err("00 00 0008 01 01 00 21"), IKE_ETOOBIG);
}

TEST(ke)
{
	struct ke_pld	 ke;
	struct rd	 r;
	uint8_t		 out[16];
	struct wr	 w = wr_init(out, sizeof(out));

	r = load("0013 0000 04 0102");
	ASSERT_EQ(ke_parse(&r, &ke), IKE_OK);
	ASSERT_EQ(ke.group, IKEV2_DH_ECP_256);
	ASSERT_EQ(ke.data.len, 3);
	r = load("0013 0000");
	ASSERT_EQ(ke_parse(&r, &ke), IKE_ESYNTAX);
	r = load("0013 00");
	ASSERT_EQ(ke_parse(&r, &ke), IKE_ETRUNC);
	ASSERT_EQ(r.len, 3);
	ke_put(&w, IKEV2_DH_MODP_2048, "\xaa\xbb", 2);
	ASSERT_EQ(w.len, 6);
	ASSERT_MEM(out, "\x00\x0e\x00\x00\xaa\xbb", 6);
}

TEST(id)
{
	struct id_pld	 id;
	struct rd	 r;
	uint8_t		 out[32];
	struct wr	 w = wr_init(out, sizeof(out));

	r = load("01 000000 c0000201");
	ASSERT_EQ(id_parse(&r, &id), IKE_OK);
	ASSERT_EQ(id.type, IKEV2_ID_IPV4_ADDR);
	ASSERT_EQ(id.data.len, 4);
	r = load("02 000000 766f6e2e6578616d706c65");	/* "von.example" */
	ASSERT_EQ(id_parse(&r, &id), IKE_OK);
	ASSERT_EQ(id.data.len, 11);
	r = load("0d 000000");					/* ID_NULL */
	ASSERT_EQ(id_parse(&r, &id), IKE_OK);
	r = load("01 000000 c000020101");			/* 5-byte IPv4 */
	ASSERT_EQ(id_parse(&r, &id), IKE_ESYNTAX);
	r = load("05 000000 20010db8");				/* 4-byte IPv6 */
	ASSERT_EQ(id_parse(&r, &id), IKE_ESYNTAX);
	r = load("02 000000");					/* empty FQDN */
	ASSERT_EQ(id_parse(&r, &id), IKE_ESYNTAX);
	r = load("0d 000000 00");				/* ID_NULL + data */
	ASSERT_EQ(id_parse(&r, &id), IKE_ESYNTAX);
	r = load("02 0000");
	ASSERT_EQ(id_parse(&r, &id), IKE_ETRUNC);
	id_put(&w, IKEV2_ID_FQDN, "a.b", 3);
	ASSERT_EQ(w.len, 7);
	ASSERT_MEM(out, "\x02\x00\x00\x00" "a.b", 7);
}

TEST(cert_certreq)
{
	struct cert_pld	 c;
	struct rd	 r;
	uint8_t		 out[8];
	struct wr	 w = wr_init(out, sizeof(out));

	r = load("04 3082");
	ASSERT_EQ(cert_parse(&r, &c), IKE_OK);
	ASSERT_EQ(c.enc, IKEV2_CERT_X509_CERT_SIGNATURE);
	ASSERT_EQ(c.data.len, 2);
	r = load("04");
	ASSERT_EQ(cert_parse(&r, &c), IKE_ESYNTAX);
	r = load("");
	ASSERT_EQ(cert_parse(&r, &c), IKE_ETRUNC);
	/* two SHA-1 CA hashes; then 21 bytes; then empty */
	r = load("04 0000000000000000000000000000000000000000"
	    "1111111111111111111111111111111111111111");
	ASSERT_EQ(certreq_parse(&r, &c), IKE_OK);
	ASSERT_EQ(c.data.len / CERTREQ_HASH_LEN, 2);
	r = load("04 000000000000000000000000000000000000000000");
	ASSERT_EQ(certreq_parse(&r, &c), IKE_ESYNTAX);
	r = load("04");
	ASSERT_EQ(certreq_parse(&r, &c), IKE_OK);
	cert_put(&w, IKEV2_CERT_X509_CERT_SIGNATURE, "\x30\x82", 2);
	ASSERT_MEM(out, "\x04\x30\x82", 3);
}

TEST(auth)
{
	struct auth_pld	 a;
	struct rd	 r;
	uint8_t		 out[32];
	struct wr	 w = wr_init(out, sizeof(out));

	r = load("02 000000 00112233445566778899aabbccddeeff");
	ASSERT_EQ(auth_parse(&r, &a), IKE_OK);
	ASSERT_EQ(a.method, IKEV2_AUTHM_SHARED_KEY);
	ASSERT_EQ(a.data.len, 16);
	ASSERT_EQ(a.sig.len, 0);
	/* RFC 7427: length 7, AlgorithmIdentifier, signature */
	r = load("0e 000000 07 3005 0603 2b6570 deadbeef");
	ASSERT_EQ(auth_parse(&r, &a), IKE_OK);
	ASSERT_EQ(a.sig_alg.len, 7);
	ASSERT_EQ(a.sig_alg.p[0], 0x30);
	ASSERT_EQ(a.sig.len, 4);
	r = load("0e 000000 08 3005 0603 2b6570");	/* alg past the end */
	ASSERT_EQ(auth_parse(&r, &a), IKE_ETRUNC);
	r = load("0e 000000 07 3005 0603 2b6570");	/* no signature */
	ASSERT_EQ(auth_parse(&r, &a), IKE_ESYNTAX);
	r = load("0e 000000 00 aa");			/* empty alg */
	ASSERT_EQ(auth_parse(&r, &a), IKE_ESYNTAX);
	r = load("02 000000");				/* no data */
	ASSERT_EQ(auth_parse(&r, &a), IKE_ESYNTAX);
	auth_put_sig(&w, "\x30\x05\x06\x03\x2b\x65\x70", 7, "\xde\xad", 2);
	(void)load("0e 000000 07 3005 0603 2b6570 dead");
	ASSERT_EQ(w.len, buf_len);
	ASSERT_MEM(out, buf, buf_len);
}

TEST(nonce_vendor)
{
	struct rd	 r, n;
	uint8_t		 big[300] = { 0 };

	r = rd_init(big, 16);
	ASSERT_EQ(nonce_parse(&r, &n), IKE_OK);
	ASSERT_EQ(n.len, 16);
	ASSERT_EQ(r.len, 0);
	r = rd_init(big, 15);
	ASSERT_EQ(nonce_parse(&r, &n), IKE_ESYNTAX);
	r = rd_init(big, 256);
	ASSERT_EQ(nonce_parse(&r, &n), IKE_OK);
	r = rd_init(big, 257);
	ASSERT_EQ(nonce_parse(&r, &n), IKE_ESYNTAX);
	r = load("882fe56d6fd20dbc2251613b2ebe5beb");	/* strongSwan VID */
	ASSERT_EQ(vendor_parse(&r, &n), IKE_OK);
	ASSERT_EQ(n.len, 16);
	r = rd_init(big, 0);
	ASSERT_EQ(vendor_parse(&r, &n), IKE_ESYNTAX);
}

static enum ike_err
notify_err(const char *hex)
{
	struct notify_pld	 n;
	struct rd		 r = load(hex);

	return notify_parse(&r, &n);
}

TEST(notify)
{
	struct notify_pld	 n;
	struct rd		 r;
	uint32_t		 spi;
	uint8_t			 out[32];
	struct wr		 w = wr_init(out, sizeof(out));

	/* REKEY_SA for ESP SPI 0x12345678 */
	r = load("03 04 4009 12345678");
	ASSERT_EQ(notify_parse(&r, &n), IKE_OK);
	ASSERT_EQ(n.type, IKEV2_N_REKEY_SA);
	ASSERT(notify_spi32(&n, &spi));
	ASSERT(spi == 0x12345678);
	/* INVALID_KE_PAYLOAD carries the wanted group */
	r = load("00 00 0011 000e");
	ASSERT_EQ(notify_parse(&r, &n), IKE_OK);
	ASSERT(notify_is_error(n.type));
	ASSERT(!notify_spi32(&n, &spi));
	ASSERT_EQ(n.data.len, 2);
	/* without an SPI the protocol byte is ignored, and reads as 0 */
	r = load("2f 00 4000");
	ASSERT_EQ(notify_parse(&r, &n), IKE_OK);
	ASSERT_EQ(n.proto, 0);
	/* an unlisted type takes any data */
	ASSERT_EQ(notify_err("00 00 5000 0102030405"), IKE_OK);
	/* SPI size 3; 4 with protocol IKE; 8 with ESP */
	ASSERT_EQ(notify_err("03 03 4009 123456"), IKE_ESYNTAX);
	ASSERT_EQ(notify_err("01 04 4009 12345678"), IKE_ESYNTAX);
	ASSERT_EQ(notify_err("03 08 0018 0102030405060708"), IKE_ESYNTAX);
	ASSERT_EQ(notify_err("01 08 0018 0102030405060708"), IKE_OK);
	/* SPI past the end */
	ASSERT_EQ(notify_err("03 04 4009 1234"), IKE_ETRUNC);
	/* REKEY_SA without an SPI */
	ASSERT_EQ(notify_err("00 00 4009"), IKE_ESYNTAX);
	/* NAT_DETECTION_SOURCE_IP with 19 bytes */
	ASSERT_EQ(notify_err("00 00 4004 00000000000000000000000000000000000000"),
	    IKE_ESYNTAX);
	/* COOKIE: empty, and 65 bytes */
	ASSERT_EQ(notify_err("00 00 4006"), IKE_ESYNTAX);
	buf_len = test_unhex(buf, sizeof(buf), "00 00 4006");
	memset(buf + buf_len, 0x55, 65);
	r = rd_init(buf, buf_len + 65);
	ASSERT_EQ(notify_parse(&r, &n), IKE_ESYNTAX);
	r = rd_init(buf, buf_len + 64);
	ASSERT_EQ(notify_parse(&r, &n), IKE_OK);
	/* SIGNATURE_HASH_ALGORITHMS: SHA2-256, SHA2-384; and an odd length */
	ASSERT_EQ(notify_err("00 00 402f 0002 0003"), IKE_OK);
	ASSERT_EQ(notify_err("00 00 402f 0002 00"), IKE_ESYNTAX);
	/* flag notify with data */
	ASSERT_EQ(notify_err("00 00 402e 00"), IKE_ESYNTAX);
	ASSERT_EQ(notify_err("00 00"), IKE_ETRUNC);

	notify_put(&w, IKEV2_PROTO_ESP, "\x12\x34\x56\x78", 4,
	    IKEV2_N_REKEY_SA, NULL, 0);
	ASSERT_EQ(w.len, 8);
	ASSERT_MEM(out, "\x03\x04\x40\x09\x12\x34\x56\x78", 8);
}

TEST(delete)
{
	struct delete_pld	 d;
	struct rd		 r;
	uint32_t		 spi, spis[2] = { 0x11111111, 0x22222222 };
	uint8_t			 out[32];
	struct wr		 w = wr_init(out, sizeof(out));

	r = load("03 04 0002 11111111 22222222");
	ASSERT_EQ(delete_parse(&r, &d), IKE_OK);
	ASSERT_EQ(d.n_spi, 2);
	ASSERT(delete_spi32(&d, 1, &spi));
	ASSERT(spi == 0x22222222);
	ASSERT(!delete_spi32(&d, 2, &spi));
	r = load("01 00 0000");
	ASSERT_EQ(delete_parse(&r, &d), IKE_OK);
	ASSERT(!delete_spi32(&d, 0, &spi));
	r = load("01 08 0001 0102030405060708");	/* IKE with an SPI */
	ASSERT_EQ(delete_parse(&r, &d), IKE_ESYNTAX);
	r = load("03 08 0001 0102030405060708");	/* ESP SPI size 8 */
	ASSERT_EQ(delete_parse(&r, &d), IKE_ESYNTAX);
	r = load("03 04 0003 11111111 22222222");	/* 3 declared, 2 */
	ASSERT_EQ(delete_parse(&r, &d), IKE_ETRUNC);
	r = load("03 04 0001 11111111 22222222");	/* 1 declared, 2 */
	ASSERT_EQ(delete_parse(&r, &d), IKE_ESYNTAX);
	r = load("03 04 0000");				/* ESP, none */
	ASSERT_EQ(delete_parse(&r, &d), IKE_ESYNTAX);
	delete_put(&w, IKEV2_PROTO_ESP, spis, 2);
	(void)load("03 04 0002 11111111 22222222");
	ASSERT_EQ(w.len, buf_len);
	ASSERT_MEM(out, buf, buf_len);
}

static const char ts_hex[] =
	"02 000000"			/* 2 TSs */
	"07 00 0010 0000 ffff"		/* IPv4, any protocol, all ports */
	"0a010000 0a01ffff"		/* 10.1.0.0 - 10.1.255.255 */
	"08 06 0028 01bb 01bb"		/* IPv6, TCP, port 443 */
	"20010db8000000000000000000000000"
	"20010db8ffffffffffffffffffffffff";

TEST(ts)
{
	struct ts_pld	 t;
	struct rd	 r = load(ts_hex);
	uint8_t		 out[128];
	struct wr	 w = wr_init(out, sizeof(out));

	ASSERT_EQ(ts_parse(&r, &t), IKE_OK);
	ASSERT_EQ(t.n_ts, 2);
	ASSERT_EQ(t.ts[0].type, IKEV2_TS_IPV4_ADDR_RANGE);
	ASSERT_EQ(t.ts[0].addr_len, 4);
	ASSERT_EQ(t.ts[0].end_port, 65535);
	ASSERT_MEM(t.ts[0].end, "\x0a\x01\xff\xff", 4);
	ASSERT_EQ(t.ts[1].ipproto, 6);
	ASSERT_EQ(t.ts[1].start_port, 443);
	ASSERT_EQ(t.ts[1].addr_len, 16);
	ts_put(&w, &t);
	ASSERT(wr_ok(&w));
	(void)load(ts_hex);
	ASSERT_EQ(w.len, buf_len);
	ASSERT_MEM(out, buf, buf_len);

	/* IPv4 selector with length 40; IPv6 with 16 */
	r = load("01 000000 07 00 0028 0000 ffff 0a010000 0a01ffff"
	    "0000000000000000000000000000000000000000000000");
	ASSERT_EQ(ts_parse(&r, &t), IKE_ESYNTAX);
	r = load("01 000000 08 00 0010 0000 ffff 0a010000 0a01ffff");
	ASSERT_EQ(ts_parse(&r, &t), IKE_ESYNTAX);
	/* count 2, one selector; count 1, two selectors; count 0 */
	r = load("02 000000 07 00 0010 0000 ffff 0a010000 0a01ffff");
	ASSERT_EQ(ts_parse(&r, &t), IKE_ETRUNC);
	r = load("01 000000 07 00 0010 0000 ffff 0a010000 0a01ffff"
	    "07 00 0010 0000 ffff 0a010000 0a01ffff");
	ASSERT_EQ(ts_parse(&r, &t), IKE_ESYNTAX);
	r = load("00 000000");
	ASSERT_EQ(ts_parse(&r, &t), IKE_ESYNTAX);
	/* selector cut short */
	r = load("01 000000 07 00 0010 0000 ffff 0a010000");
	ASSERT_EQ(ts_parse(&r, &t), IKE_ETRUNC);
	/* an unknown type (SECLABEL) is kept, without addresses */
	r = load("01 000000 0a 00 0008 01020304");
	ASSERT_EQ(ts_parse(&r, &t), IKE_OK);
	ASSERT_EQ(t.ts[0].type, IKEV2_TS_SECLABEL);
	ASSERT_EQ(t.ts[0].addr_len, 0);
	r = load("01 000000 0a 00 0003");
	ASSERT_EQ(ts_parse(&r, &t), IKE_ESYNTAX);
}

TEST(cp)
{
	struct cp_pld	 cp;
	struct rd	 r;
	uint8_t		 out[64];
	struct wr	 w = wr_init(out, sizeof(out));

	/* RFC 7296 3.15 example: a CFG_REQUEST asking for an address, and
	 * a CFG_REPLY giving 10.1.1.7/24 and a DNS server */
	r = load("01 000000 0001 0000 0008 0000 0003 0000");
	ASSERT_EQ(cp_parse(&r, &cp), IKE_OK);
	ASSERT_EQ(cp.cfg_type, IKEV2_CFG_REQUEST);
	ASSERT_EQ(cp.n_attrs, 3);
	ASSERT_EQ(cp.attrs[1].type, IKEV2_CP_INTERNAL_IP6_ADDRESS);
	ASSERT_EQ(cp.attrs[1].value.len, 0);
	r = load("02 000000 0001 0004 0a010107 0002 0004 ffffff00"
	    "8003 0004 0a010101");			/* R bit set: ignored */
	ASSERT_EQ(cp_parse(&r, &cp), IKE_OK);
	ASSERT_EQ(cp.n_attrs, 3);
	ASSERT_EQ(cp.attrs[2].type, IKEV2_CP_INTERNAL_IP4_DNS);
	ASSERT_EQ(cp.attrs[0].value.p[3], 7);
	cp_put(&w, &cp);
	(void)load("02 000000 0001 0004 0a010107 0002 0004 ffffff00"
	    "0003 0004 0a010101");
	ASSERT_EQ(w.len, buf_len);
	ASSERT_MEM(out, buf, buf_len);
	/* a 5-byte IPv4 address; a 16-byte IPv6 one (needs the prefix) */
	r = load("02 000000 0001 0005 0a01010700");
	ASSERT_EQ(cp_parse(&r, &cp), IKE_ESYNTAX);
	r = load("02 000000 0008 0010 20010db8000000000000000000000001");
	ASSERT_EQ(cp_parse(&r, &cp), IKE_ESYNTAX);
	r = load("02 000000 0008 0011 20010db8000000000000000000000001 40");
	ASSERT_EQ(cp_parse(&r, &cp), IKE_OK);
	/* an attribute running past the end */
	r = load("02 000000 0001 0004 0a01");
	ASSERT_EQ(cp_parse(&r, &cp), IKE_ETRUNC);
}

TEST(eap)
{
	struct eap_pld	 e;
	struct rd	 r;
	uint8_t		 out[16];
	struct wr	 w = wr_init(out, sizeof(out));

	/* Request, id 1, Identity */
	r = load("01 01 0005 01");
	ASSERT_EQ(eap_parse(&r, &e), IKE_OK);
	ASSERT_EQ(e.code, IKEV2_EAP_REQUEST);
	ASSERT_EQ(e.type, 1);
	ASSERT_EQ(e.data.len, 0);
	/* Response, MSCHAPv2 with data */
	r = load("02 07 0008 1a 020304");
	ASSERT_EQ(eap_parse(&r, &e), IKE_OK);
	ASSERT_EQ(e.type, 26);
	ASSERT_EQ(e.data.len, 3);
	r = load("03 07 0004");
	ASSERT_EQ(eap_parse(&r, &e), IKE_OK);
	ASSERT_EQ(e.type, 0);
	r = load("03 07 0005 00");		/* Success with a body */
	ASSERT_EQ(eap_parse(&r, &e), IKE_ESYNTAX);
	r = load("01 01 0004");			/* Request without a type */
	ASSERT_EQ(eap_parse(&r, &e), IKE_ESYNTAX);
	r = load("01 01 0006 01");		/* Length past the payload */
	ASSERT_EQ(eap_parse(&r, &e), IKE_ETRUNC);
	r = load("01 01 0005 01 00");		/* Length short of it */
	ASSERT_EQ(eap_parse(&r, &e), IKE_ESYNTAX);
	e.code = IKEV2_EAP_RESPONSE;
	e.id = 7;
	e.type = 26;
	e.data = rd_init("\x02\x03\x04", 3);
	eap_put(&w, &e);
	ASSERT_EQ(w.len, 8);
	ASSERT_MEM(out, "\x02\x07\x00\x08\x1a\x02\x03\x04", 8);
}

TEST(skf_reassembly)
{
	uint8_t			 store[64], out[64];
	struct skf_reasm	 s;
	struct skf_pld		 f;
	struct wr		 w = wr_init(out, sizeof(out));
	bool			 done;
	uint8_t			 next = 0;

	skf_reasm_init(&s, store, sizeof(store));
	/* fragment 2 of 3 first, then 3, a duplicate 3, then 1 */
	f.num = 2; f.total = 3;
	ASSERT_EQ(skf_reasm_add(&s, &f, 0, rd_init("BB", 2), &done), IKE_OK);
	ASSERT(!done);
	ASSERT_EQ(skf_reasm_join(&s, &w, &next), IKE_ESYNTAX);
	f.num = 3;
	ASSERT_EQ(skf_reasm_add(&s, &f, 0, rd_init("C", 1), &done), IKE_OK);
	ASSERT_EQ(skf_reasm_add(&s, &f, 0, rd_init("X", 1), &done), IKE_OK);
	ASSERT(!done);
	/* only fragment 1 names the first inner payload */
	f.num = 1;
	ASSERT_EQ(skf_reasm_add(&s, &f, 0, rd_init("AAA", 3), &done),
	    IKE_ESYNTAX);
	f.num = 2;
	ASSERT_EQ(skf_reasm_add(&s, &f, IKEV2_PAYLOAD_IDI, rd_init("B", 1),
	    &done), IKE_ESYNTAX);
	/* an older fragmentation (smaller total) is ignored */
	f.num = 1; f.total = 2;
	ASSERT_EQ(skf_reasm_add(&s, &f, IKEV2_PAYLOAD_IDI, rd_init("Z", 1),
	    &done), IKE_OK);
	ASSERT(!done);
	f.total = 3;
	ASSERT_EQ(skf_reasm_add(&s, &f, IKEV2_PAYLOAD_IDI, rd_init("AAA", 3),
	    &done), IKE_OK);
	ASSERT(done);
	ASSERT_EQ(skf_reasm_join(&s, &w, &next), IKE_OK);
	ASSERT_EQ(next, IKEV2_PAYLOAD_IDI);
	ASSERT_EQ(w.len, 6);
	ASSERT_MEM(out, "AAABBC", 6);

	/* a larger total restarts; too many fragments; storage full */
	skf_reasm_init(&s, store, 4);
	f.num = 1; f.total = 2;
	ASSERT_EQ(skf_reasm_add(&s, &f, IKEV2_PAYLOAD_SA, rd_init("AAA", 3),
	    &done), IKE_OK);
	f.num = 2; f.total = 3;
	ASSERT_EQ(skf_reasm_add(&s, &f, 0, rd_init("BBB", 3), &done), IKE_OK);
	ASSERT_EQ(s.n_have, 1);
	f.num = 3;
	ASSERT_EQ(skf_reasm_add(&s, &f, 0, rd_init("CC", 2), &done),
	    IKE_ETOOBIG);
	f.num = 1; f.total = SKF_MAX_FRAGS + 1;
	ASSERT_EQ(skf_reasm_add(&s, &f, IKEV2_PAYLOAD_SA, rd_init("A", 1),
	    &done), IKE_ETOOBIG);
	f.num = 0; f.total = 1;
	ASSERT_EQ(skf_reasm_add(&s, &f, 0, rd_init("A", 1), &done),
	    IKE_ESYNTAX);
}

TEST(skf_put_parse)
{
	struct skf_pld	 f;
	struct rd	 r;
	uint8_t		 out[8];
	struct wr	 w = wr_init(out, sizeof(out));

	skf_put(&w, 2, 5);
	ASSERT_MEM(out, "\x00\x02\x00\x05", 4);
	r = rd_init(out, w.len);
	ASSERT_EQ(skf_parse(&r, &f), IKE_OK);
	ASSERT_EQ(f.num, 2);
	ASSERT_EQ(f.total, 5);
	ASSERT_EQ(f.enc.len, 0);
}

TEST(natt_esp)
{
	struct rd	 r, out;
	struct esp_hdr	 h;
	uint8_t		 ob[16];
	struct wr	 w = wr_init(ob, sizeof(ob));

	ASSERT_EQ(natt_classify(load("ff"), &out), NATT_KEEPALIVE);
	ASSERT_EQ(out.len, 0);
	ASSERT_EQ(natt_classify(load("00000000 0102030405060708 0000000000000000"
	    "00 20 22 08 00000000 0000001c"), &out), NATT_IKE);
	ASSERT_EQ(out.len, 28);
	ASSERT_EQ(out.p[0], 0x01);
	ASSERT_EQ(natt_classify(load("00000000 0102"), &out), NATT_BAD);
	ASSERT_EQ(natt_classify(load("c0a80001 00000001 aabbcc"), &out),
	    NATT_ESP);
	ASSERT_EQ(out.len, 11);
	ASSERT_EQ(natt_classify(load("c0a80001 000000"), &out), NATT_BAD);
	ASSERT_EQ(natt_classify(load("fe"), &out), NATT_BAD);
	ASSERT_EQ(natt_classify(load("ffff"), &out), NATT_BAD);

	r = load("c0a80001 00000001 aabbcc");
	ASSERT_EQ(esp_hdr_parse(&r, &h), IKE_OK);
	ASSERT(h.spi == 0xc0a80001);
	ASSERT_EQ(h.seq, 1);
	ASSERT_EQ(r.len, 3);
	r = load("000000ff 00000001");
	ASSERT_EQ(esp_hdr_parse(&r, &h), IKE_ESYNTAX);
	r = load("c0a80001 000000");
	ASSERT_EQ(esp_hdr_parse(&r, &h), IKE_ETRUNC);
	natt_put_marker(&w);
	h.spi = 0x01020304;
	h.seq = 9;
	esp_hdr_put(&w, &h);
	ASSERT_EQ(w.len, 12);
	ASSERT_MEM(ob, "\0\0\0\0\x01\x02\x03\x04\0\0\0\x09", 12);
}
