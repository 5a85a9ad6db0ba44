/* SPDX-License-Identifier: ISC */
/*
 * gen-ike-pcap [-n SAS] [-e ESP_PER_SA] [-s SEED] OUT.pcap KEYDIR
 *
 * Writes a large raw-IP capture of IKEv2 and ESP traffic for the decode
 * benchmark (tests/bench/run.sh), and its keys in Wireshark's formats:
 * KEYDIR/ikev2_decryption_table and KEYDIR/esp_sa.
 *
 * Each of SAS IKE SAs (default 2000) has its own SPIs and address pair
 * (192.0.2.x -> 198.51.100.y) and suite: even SAs AES-GCM-16-256, odd ones
 * AES-CBC-256 + HMAC-SHA2-256-128, for IKE and ESP alike (PRF HMAC-SHA2-256,
 * x25519). Per SA, built with the codec's writers:
 *   IKE_SA_INIT request/response on 500: SA (2 proposals / the chosen one),
 *     KE (31, 32 random bytes), Nonce, N(NAT_DETECTION_SOURCE_IP),
 *     N(NAT_DETECTION_DESTINATION_IP), N(IKEV2_FRAGMENTATION_SUPPORTED),
 *     N(SIGNATURE_HASH_ALGORITHMS)
 *   IKE_AUTH request/response on 4500 after the non-ESP marker, SK holding
 *     IDi [N(INITIAL_CONTACT)] IDr AUTH N(ESP_TFC_PADDING_NOT_SUPPORTED) SA
 *     TSi TSr / IDr AUTH N(ESP_TFC_PADDING_NOT_SUPPORTED) SA TSi TSr
 *   ESP_PER_SA (default 100) ESP-in-UDP packets, alternately each way, each
 *     sealed with esp_seal: tunnel mode, inner IPv4 ICMP echo or TCP of
 *     64..1400 bytes
 *   halfway through the ESP packets an INFORMATIONAL request/response with
 *     an empty SK (a liveness check); every fourth SA also one from the
 *     responder.
 * SAs come in groups of CONCURRENT whose packets are interleaved (handshakes,
 * then their ESP round-robin), so every prefix of the file has about the same
 * mix of packets: the benchmark may time tshark on a prefix.
 *
 * Everything, keys and IVs included, comes from a PRNG seeded with SEED, so a
 * seed gives the same file. Prints the packet counts on standard output.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/dlt.h>

#include "base/err.h"
#include "buf/buf.h"
#include "codec/codec.h"
#include "crypto/esp.h"
#include "crypto/keys.h"
#include "crypto/sk.h"
#include "io/pkt.h"
#include "keys/keys.h"
#include "names/ikev2.h"

enum {
	CONCURRENT	= 64,		/* SAs whose packets are interleaved */
	MSG_MAX		= 2048,
	FRAME_MAX	= 2048,
	INNER_MIN	= 64,
	INNER_MAX	= 1400,
	X25519_LEN	= 32,
	NONCE_LEN	= 32,
	PSK_AUTH_LEN	= 32,		/* prf HMAC-SHA2-256 output */
	IP4_HDR_LEN	= 20,
	TCP_HDR_LEN	= 20,
	ICMP_HDR_LEN	= 8,
	IPPROTO_IPIP_	= 4,		/* ESP next header for tunnel mode */
	IPPROTO_ICMP_	= 1,
	IPPROTO_TCP_	= 6,
};

/* -------- PRNG: xoshiro256** seeded by splitmix64 -------- */

static uint64_t rng_s[4];

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		rng_s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng64(void)
{
	uint64_t r = rotl(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;

	rng_s[2] ^= rng_s[0];
	rng_s[3] ^= rng_s[1];
	rng_s[1] ^= rng_s[2];
	rng_s[0] ^= rng_s[3];
	rng_s[2] ^= t;
	rng_s[3] = rotl(rng_s[3], 45);
	return r;
}

/* rng_below returns a number in [0, n). */
static uint32_t
rng_below(uint32_t n)
{
	return (uint32_t)((rng64() >> 32) * n >> 32);
}

static void
rng_bytes(void *out, size_t n)
{
	uint8_t		*p = out;
	uint64_t	 r = 0;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (i % 8 == 0)
			r = rng64();
		p[i] = (uint8_t)(r >> (8 * (i % 8)));
	}
}

/* -------- state -------- */

struct sa {
	unsigned	 idx;
	bool		 gcm;
	uint64_t	 ispi, rspi;
	uint8_t		 iaddr[4], raddr[4];	/* outer: initiator, responder */
	uint8_t		 ihost[4], rnet[4];	/* inner: initiator's host, a host behind R */
	struct ike_sa_key ike;
	struct esp_sa_key esp_ir, esp_ri;	/* I->R uses the responder's SPI */
	struct esp_sa	 seal_ir, seal_ri;
	uint64_t	 seq_ir, seq_ri;
	uint32_t	 tcp_seq_i, tcp_seq_r;
	uint16_t	 tcp_sport, icmp_id, icmp_seq;
	uint32_t	 imsgid, rmsgid;	/* next request ID of each side */
};

struct gen {
	struct pcapw	*pw;
	FILE		*ikef, *espf;
	struct timeval	 ts;
	uint64_t	 n_pkts, n_ike, n_esp;
	const char	*prog;
};

static void
die(const struct gen *g, const char *what, enum ike_err e)
{
	fprintf(stderr, "%s: %s: %s\n", g->prog, what, ike_strerror(e));
	exit(1);
}

static void
tick(struct gen *g)
{
	g->ts.tv_usec += 20 + (long)rng_below(200);
	while (g->ts.tv_usec >= 1000000) {
		g->ts.tv_usec -= 1000000;
		g->ts.tv_sec++;
	}
}

/* emit writes one UDP datagram from src:sport to dst:dport. */
static void
emit(struct gen *g, const uint8_t *src, const uint8_t *dst, uint16_t sport,
    uint16_t dport, const uint8_t *payload, size_t len)
{
	uint8_t		 frame[FRAME_MAX];
	struct wr	 w = wr_init(frame, sizeof(frame));
	enum ike_err	 e;

	tick(g);
	if ((e = pkt_build_udp(&w, AF_INET, src, dst, sport, dport, payload,
	    len)) != IKE_OK)
		die(g, "building a UDP packet", e);
	if ((e = pcapw_write(g->pw, &g->ts, frame, w.len)) != IKE_OK)
		die(g, "writing a packet", e);
	g->n_pkts++;
}

/* emit_ike sends the IKE message msg from I (from_i) or R: SA_INIT on 500,
 * the rest on 4500 after the non-ESP marker. */
static void
emit_ike(struct gen *g, const struct sa *s, bool from_i, const struct wr *msg,
    bool natt)
{
	uint8_t		 udp[MSG_MAX + NON_ESP_MARKER_LEN];
	struct wr	 w = wr_init(udp, sizeof(udp));
	uint16_t	 port = natt ? IKE_NATT_PORT : IKE_PORT;

	if (!wr_ok(msg))
		die(g, "writing an IKE message", IKE_ETOOBIG);
	if (natt)
		natt_put_marker(&w);
	wr_bytes(&w, msg->buf, msg->len);
	if (!wr_ok(&w))
		die(g, "writing an IKE message", IKE_ETOOBIG);
	emit(g, from_i ? s->iaddr : s->raddr, from_i ? s->raddr : s->iaddr,
	    port, port, udp, w.len);
	g->n_ike++;
}

/* -------- IKE messages -------- */

static void
ike_prop(struct sa_prop *p, uint8_t num, bool gcm)
{
	memset(p, 0, sizeof(*p));
	p->num = num;
	p->proto = IKEV2_PROTO_IKE;
	if (gcm) {
		sa_prop_add_xform(p, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 256);
	} else {
		sa_prop_add_xform(p, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 256);
		sa_prop_add_xform(p, IKEV2_XFORM_INTEG,
		    IKEV2_AUTH_HMAC_SHA2_256_128, 0);
	}
	sa_prop_add_xform(p, IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_256, 0);
	sa_prop_add_xform(p, IKEV2_XFORM_DH, IKEV2_DH_CURVE25519, 0);
}

static void
esp_prop(struct sa_prop *p, uint8_t num, bool gcm, uint32_t spi)
{
	memset(p, 0, sizeof(*p));
	p->num = num;
	p->proto = IKEV2_PROTO_ESP;
	p->spi_len = 4;
	p->spi[0] = (uint8_t)(spi >> 24);
	p->spi[1] = (uint8_t)(spi >> 16);
	p->spi[2] = (uint8_t)(spi >> 8);
	p->spi[3] = (uint8_t)spi;
	if (gcm) {
		sa_prop_add_xform(p, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 256);
	} else {
		sa_prop_add_xform(p, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 256);
		sa_prop_add_xform(p, IKEV2_XFORM_INTEG,
		    IKEV2_AUTH_HMAC_SHA2_256_128, 0);
	}
	sa_prop_add_xform(p, IKEV2_XFORM_ESN, IKEV2_ESN_NO, 0);
}

static void
hdr_of(struct ike_hdr *h, const struct sa *s, uint8_t exch, bool from_i,
    bool response, uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	h->ispi = s->ispi;
	h->rspi = exch == IKEV2_EXCH_IKE_SA_INIT && !response ? 0 : s->rspi;
	h->major = IKEV2_MAJOR;
	h->minor = IKEV2_MINOR;
	h->exch = exch;
	h->flags = (uint8_t)((from_i ? IKEV2_FLAG_INITIATOR : 0) |
	    (response ? IKEV2_FLAG_RESPONSE : 0));
	h->msgid = msgid;
}

static void
sa_init_msg(struct gen *g, const struct sa *s, bool response)
{
	uint8_t		 buf[MSG_MAX], ke[X25519_LEN], nonce[NONCE_LEN];
	uint8_t		 natd[NATD_HASH_LEN];
	static const uint8_t sig_hashes[] = { 0, 2, 0, 3, 0, 4 };
	struct wr	 w = wr_init(buf, sizeof(buf));
	struct ike_hdr	 h;
	struct chain	 c;
	struct sa_pld	 sa;
	size_t		 off;

	memset(&sa, 0, sizeof(sa));
	if (response) {
		/* the responder takes the SA's suite: proposal 1 GCM, 2 CBC */
		sa.n_props = 1;
		ike_prop(&sa.props[0], s->gcm ? 1 : 2, s->gcm);
	} else {
		sa.n_props = 2;
		ike_prop(&sa.props[0], 1, true);
		ike_prop(&sa.props[1], 2, false);
	}
	rng_bytes(ke, sizeof(ke));
	rng_bytes(nonce, sizeof(nonce));
	hdr_of(&h, s, IKEV2_EXCH_IKE_SA_INIT, !response, response, 0);
	off = hdr_put(&w, &h);
	chain_init(&c, &w, off + HDR_NEXT_AT);
	chain_open(&c, IKEV2_PAYLOAD_SA, false);
	sa_pld_put(&w, &sa);
	chain_open(&c, IKEV2_PAYLOAD_KE, false);
	ke_put(&w, IKEV2_DH_CURVE25519, ke, sizeof(ke));
	chain_open(&c, IKEV2_PAYLOAD_NONCE, false);
	nonce_put(&w, nonce, sizeof(nonce));
	chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
	rng_bytes(natd, sizeof(natd));
	notify_put(&w, IKEV2_PROTO_NONE, NULL, 0,
	    IKEV2_N_NAT_DETECTION_SOURCE_IP, natd, sizeof(natd));
	chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
	rng_bytes(natd, sizeof(natd));
	notify_put(&w, IKEV2_PROTO_NONE, NULL, 0,
	    IKEV2_N_NAT_DETECTION_DESTINATION_IP, natd, sizeof(natd));
	chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&w, IKEV2_PROTO_NONE, NULL, 0,
	    IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&w, IKEV2_PROTO_NONE, NULL, 0,
	    IKEV2_N_SIGNATURE_HASH_ALGORITHMS, sig_hashes, sizeof(sig_hashes));
	chain_close(&c);
	hdr_finish(&w, off);
	emit_ike(g, s, !response, &w, false);
}

/* sk_msg writes an IKE message whose only payload is SK, protecting the
 * inner chain in plain (plain->buf[0] is the first inner type, the chain
 * follows), and sends it on 4500. */
static void
sk_msg(struct gen *g, const struct sa *s, uint8_t exch, bool from_i,
    bool response, uint32_t msgid, const struct wr *plain)
{
	uint8_t		 buf[MSG_MAX], iv[CBC_IV_LEN];
	struct wr	 w = wr_init(buf, sizeof(buf));
	struct sk_cipher k;
	struct ike_hdr	 h;
	struct chain	 c;
	size_t		 off, pt_len, sealed;
	enum ike_err	 e;

	if (!wr_ok(plain) || plain->len < 1)
		die(g, "writing SK payloads", IKE_ETOOBIG);
	pt_len = plain->len - 1;
	memset(&k, 0, sizeof(k));
	k.encr = s->ike.encr;
	k.keybits = s->ike.encr_keybits;
	k.integ = s->ike.integ;
	k.ekey = from_i ? s->ike.sk_ei : s->ike.sk_er;
	k.ekey_len = s->ike.e_len;
	if (s->ike.a_len != 0) {
		k.akey = from_i ? s->ike.sk_ai : s->ike.sk_ar;
		k.akey_len = s->ike.a_len;
	}
	if ((sealed = sk_sealed_len(&k, pt_len)) == 0)
		die(g, "SK cipher", IKE_EUNSUPP);

	hdr_of(&h, s, exch, from_i, response, msgid);
	off = hdr_put(&w, &h);
	chain_init(&c, &w, off + HDR_NEXT_AT);
	chain_open(&c, IKEV2_PAYLOAD_SK, false);
	/* the SK header's next byte is the first inner type; the lengths are
	 * final before sealing, as the AAD (or the ICV) covers them */
	wr_u8_at(&w, c.start, pt_len != 0 ? plain->buf[0] : IKEV2_PAYLOAD_NONE);
	wr_u16_at(&w, c.start + 2, (uint16_t)(PLD_HDR_LEN + sealed));
	wr_u32_at(&w, off + HDR_LEN_AT, (uint32_t)(w.len - off + sealed));
	rng_bytes(iv, sizeof(iv));
	if (!wr_ok(&w))
		die(g, "writing an SK message", IKE_ETOOBIG);
	if ((e = sk_encrypt_iv(&k, &w, iv, plain->buf + 1, pt_len)) != IKE_OK)
		die(g, "sk_encrypt", e);
	chain_close(&c);
	hdr_finish(&w, off);
	emit_ike(g, s, from_i, &w, true);
}

static void
put_u32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
ike_auth_msg(struct gen *g, const struct sa *s, bool response)
{
	uint8_t		 pbuf[MSG_MAX], auth[PSK_AUTH_LEN];
	char		 id[64];
	struct wr	 p = wr_init(pbuf, sizeof(pbuf));
	struct chain	 c;
	struct sa_pld	 sa;
	struct ts_pld	 tsi, tsr;

	memset(&sa, 0, sizeof(sa));
	if (response) {
		sa.n_props = 1;
		esp_prop(&sa.props[0], s->gcm ? 1 : 2, s->gcm, s->esp_ir.spi);
	} else {
		sa.n_props = 2;
		esp_prop(&sa.props[0], 1, true, s->esp_ri.spi);
		esp_prop(&sa.props[1], 2, false, s->esp_ri.spi);
	}
	memset(&tsi, 0, sizeof(tsi));
	memset(&tsr, 0, sizeof(tsr));
	tsi.n_ts = tsr.n_ts = 1;
	tsi.ts[0].type = tsr.ts[0].type = IKEV2_TS_IPV4_ADDR_RANGE;
	tsi.ts[0].addr_len = tsr.ts[0].addr_len = 4;
	tsi.ts[0].end_port = tsr.ts[0].end_port = 65535;
	memcpy(tsi.ts[0].start, s->ihost, 4);
	memcpy(tsi.ts[0].end, s->ihost, 4);
	memcpy(tsr.ts[0].start, s->rnet, 4);
	memcpy(tsr.ts[0].end, s->rnet, 4);
	tsr.ts[0].start[2] = tsr.ts[0].start[3] = 0;
	tsr.ts[0].end[2] = tsr.ts[0].end[3] = 255;
	rng_bytes(auth, sizeof(auth));

	(void)wr_hole(&p, 1);			/* first inner type */
	chain_init(&c, &p, 0);
	if (!response) {
		chain_open(&c, IKEV2_PAYLOAD_IDI, false);
		if (s->idx % 2 == 0) {
			snprintf(id, sizeof(id), "client%u.example.org", s->idx);
			id_put(&p, IKEV2_ID_FQDN, id, strlen(id));
		} else {
			snprintf(id, sizeof(id), "user%u@example.org", s->idx);
			id_put(&p, IKEV2_ID_RFC822_ADDR, id, strlen(id));
		}
		chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
		notify_put(&p, IKEV2_PROTO_NONE, NULL, 0,
		    IKEV2_N_INITIAL_CONTACT, NULL, 0);
	}
	chain_open(&c, IKEV2_PAYLOAD_IDR, false);
	if (s->idx % 2 == 0)
		id_put(&p, IKEV2_ID_FQDN, "vpn.example.net", 15);
	else
		id_put(&p, IKEV2_ID_IPV4_ADDR, s->raddr, 4);
	chain_open(&c, IKEV2_PAYLOAD_AUTH, false);
	auth_put(&p, IKEV2_AUTHM_SHARED_KEY, auth, sizeof(auth));
	chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&p, IKEV2_PROTO_NONE, NULL, 0,
	    IKEV2_N_ESP_TFC_PADDING_NOT_SUPPORTED, NULL, 0);
	chain_open(&c, IKEV2_PAYLOAD_SA, false);
	sa_pld_put(&p, &sa);
	chain_open(&c, IKEV2_PAYLOAD_TSI, false);
	ts_put(&p, &tsi);
	chain_open(&c, IKEV2_PAYLOAD_TSR, false);
	ts_put(&p, &tsr);
	chain_close(&c);
	sk_msg(g, s, IKEV2_EXCH_IKE_AUTH, !response, response, 1, &p);
}

/* informational sends an empty-SK request from I (from_i) or R and its
 * response. */
static void
informational(struct gen *g, struct sa *s, bool from_i)
{
	uint8_t		 pbuf[1] = { IKEV2_PAYLOAD_NONE };
	struct wr	 p = wr_init(pbuf, sizeof(pbuf));
	uint32_t	*id = from_i ? &s->imsgid : &s->rmsgid;

	(void)wr_hole(&p, 1);
	sk_msg(g, s, IKEV2_EXCH_INFORMATIONAL, from_i, false, *id, &p);
	sk_msg(g, s, IKEV2_EXCH_INFORMATIONAL, !from_i, true, *id, &p);
	(*id)++;
}

/* -------- ESP -------- */

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n % 2 != 0)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

/* inner_pkt writes an IPv4 ICMP echo or TCP segment of len bytes into out. */
static void
inner_pkt(struct sa *s, bool from_i, uint8_t *out, size_t len)
{
	const uint8_t	*src = from_i ? s->ihost : s->rnet;
	const uint8_t	*dst = from_i ? s->rnet : s->ihost;
	uint8_t		*l4 = out + IP4_HDR_LEN, pseudo[12];
	size_t		 l4_len = len - IP4_HDR_LEN;
	uint16_t	 sum;
	bool		 icmp = rng_below(3) == 0;

	memset(out, 0, len);
	out[0] = 0x45;
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	rng_bytes(out + 4, 2);			/* identification */
	out[6] = 0x40;				/* DF */
	out[8] = 64;
	out[9] = icmp ? IPPROTO_ICMP_ : IPPROTO_TCP_;
	memcpy(out + 12, src, 4);
	memcpy(out + 16, dst, 4);
	sum = csum_fold(csum_add(0, out, IP4_HDR_LEN));
	out[10] = (uint8_t)(sum >> 8);
	out[11] = (uint8_t)sum;

	if (icmp) {
		l4[0] = from_i ? 8 : 0;		/* echo request / reply */
		l4[4] = (uint8_t)(s->icmp_id >> 8);
		l4[5] = (uint8_t)s->icmp_id;
		l4[6] = (uint8_t)(s->icmp_seq >> 8);
		l4[7] = (uint8_t)s->icmp_seq;
		if (!from_i)
			s->icmp_seq++;
		rng_bytes(l4 + ICMP_HDR_LEN, l4_len - ICMP_HDR_LEN);
		sum = csum_fold(csum_add(0, l4, l4_len));
		l4[2] = (uint8_t)(sum >> 8);
		l4[3] = (uint8_t)sum;
		return;
	}
	/* TCP, a flow from the initiator's host to port 5201 behind R */
	l4[0] = (uint8_t)((from_i ? s->tcp_sport : 5201) >> 8);
	l4[1] = (uint8_t)(from_i ? s->tcp_sport : 5201);
	l4[2] = (uint8_t)((from_i ? 5201 : s->tcp_sport) >> 8);
	l4[3] = (uint8_t)(from_i ? 5201 : s->tcp_sport);
	put_u32be(l4 + 4, from_i ? s->tcp_seq_i : s->tcp_seq_r);
	put_u32be(l4 + 8, from_i ? s->tcp_seq_r : s->tcp_seq_i);
	l4[12] = 5 << 4;			/* data offset */
	l4[13] = 0x18;				/* PSH ACK */
	l4[14] = 0x01;				/* window 502 */
	l4[15] = 0xf6;
	rng_bytes(l4 + TCP_HDR_LEN, l4_len - TCP_HDR_LEN);
	if (from_i)
		s->tcp_seq_i += (uint32_t)(l4_len - TCP_HDR_LEN);
	else
		s->tcp_seq_r += (uint32_t)(l4_len - TCP_HDR_LEN);
	memcpy(pseudo, src, 4);
	memcpy(pseudo + 4, dst, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP_;
	pseudo[10] = (uint8_t)(l4_len >> 8);
	pseudo[11] = (uint8_t)l4_len;
	sum = csum_fold(csum_add(csum_add(0, pseudo, sizeof(pseudo)), l4,
	    l4_len));
	l4[16] = (uint8_t)(sum >> 8);
	l4[17] = (uint8_t)sum;
}

/* inner_len picks a size: many small, some medium, many near the MTU. */
static size_t
inner_len(void)
{
	uint32_t r = rng_below(10);

	if (r < 4)
		return INNER_MIN + rng_below(137);		/* 64..200 */
	if (r < 6)
		return 201 + rng_below(600);			/* 201..800 */
	return 1200 + rng_below(INNER_MAX - 1200 + 1);		/* 1200..1400 */
}

static void
esp_pkt(struct gen *g, struct sa *s, bool from_i)
{
	uint8_t		 inner[INNER_MAX], out[FRAME_MAX], iv[ESP_IV_MAX_LEN];
	struct esp_sa	*sa = from_i ? &s->seal_ir : &s->seal_ri;
	uint64_t	*seq = from_i ? &s->seq_ir : &s->seq_ri;
	size_t		 len = inner_len(), out_len;
	enum ike_err	 e;

	inner_pkt(s, from_i, inner, len);
	++*seq;
	if (sa->aead) {
		e = esp_seal(sa, *seq, IPPROTO_IPIP_, inner, len, out,
		    sizeof(out), &out_len);
	} else {
		rng_bytes(iv, sa->iv_len);
		e = esp_seal_iv(sa, *seq, IPPROTO_IPIP_, iv, inner, len, out,
		    sizeof(out), &out_len);
	}
	if (e != IKE_OK)
		die(g, "esp_seal", e);
	emit(g, from_i ? s->iaddr : s->raddr, from_i ? s->raddr : s->iaddr,
	    IKE_NATT_PORT, IKE_NATT_PORT, out, out_len);
	g->n_esp++;
}

/* -------- SAs -------- */

static void
esp_key(struct esp_sa_key *k, const struct sa *s, const uint8_t *src,
    const uint8_t *dst, uint32_t spi)
{
	memset(k, 0, sizeof(*k));
	k->af = AF_INET;
	memcpy(k->src, src, 4);
	memcpy(k->dst, dst, 4);
	k->spi = spi;
	k->encr = s->ike.encr;
	k->encr_keybits = 256;
	k->integ = s->ike.integ;
	k->e_len = s->ike.e_len;
	k->a_len = s->ike.a_len;
	rng_bytes(k->ekey, k->e_len);
	rng_bytes(k->akey, k->a_len);
}

static void
sa_make(struct gen *g, struct sa *s, unsigned idx)
{
	enum ike_err e;

	memset(s, 0, sizeof(*s));
	s->idx = idx;
	s->gcm = idx % 2 == 0;
	/* the low 32 bits make the SPIs distinct, the high ones look random */
	s->ispi = (rng64() & 0xffffffff00000000ULL) | (2 * (uint64_t)idx + 1);
	s->rspi = (rng64() & 0xffffffff00000000ULL) | (2 * (uint64_t)idx + 2);
	s->iaddr[0] = 192, s->iaddr[1] = 0, s->iaddr[2] = 2;
	s->iaddr[3] = (uint8_t)(1 + idx % 254);
	s->raddr[0] = 198, s->raddr[1] = 51, s->raddr[2] = 100;
	s->raddr[3] = (uint8_t)(1 + idx / 254 % 254);
	s->ihost[0] = 10, s->ihost[1] = 1;
	s->ihost[2] = (uint8_t)(idx >> 8), s->ihost[3] = (uint8_t)idx;
	s->rnet[0] = 10, s->rnet[1] = (uint8_t)(128 + idx % 64);
	s->rnet[2] = (uint8_t)rng_below(256), s->rnet[3] = 10;

	s->ike.ispi = s->ispi;
	s->ike.rspi = s->rspi;
	s->ike.encr = s->gcm ? IKEV2_ENCR_AES_GCM_16 : IKEV2_ENCR_AES_CBC;
	s->ike.encr_keybits = 256;
	s->ike.integ = s->gcm ? IKEV2_AUTH_NONE : IKEV2_AUTH_HMAC_SHA2_256_128;
	s->ike.e_len = encr_key_len(s->ike.encr, 256);
	s->ike.a_len = integ_key_len(s->ike.integ);
	rng_bytes(s->ike.sk_ei, s->ike.e_len);
	rng_bytes(s->ike.sk_er, s->ike.e_len);
	rng_bytes(s->ike.sk_ai, s->ike.a_len);
	rng_bytes(s->ike.sk_ar, s->ike.a_len);

	/* ESP SPIs: 0xc... initiator's inbound, 0xd... responder's */
	esp_key(&s->esp_ir, s, s->iaddr, s->raddr, 0xd0000000u | idx);
	esp_key(&s->esp_ri, s, s->raddr, s->iaddr, 0xc0000000u | idx);
	if ((e = esp_sa_init(&s->seal_ir, s->esp_ir.spi, s->esp_ir.encr, 256,
	    s->esp_ir.integ, s->esp_ir.ekey, s->esp_ir.e_len, s->esp_ir.akey,
	    s->esp_ir.a_len, false)) != IKE_OK ||
	    (e = esp_sa_init(&s->seal_ri, s->esp_ri.spi, s->esp_ri.encr, 256,
	    s->esp_ri.integ, s->esp_ri.ekey, s->esp_ri.e_len, s->esp_ri.akey,
	    s->esp_ri.a_len, false)) != IKE_OK)
		die(g, "esp_sa_init", e);
	s->tcp_sport = (uint16_t)(40000 + rng_below(20000));
	s->tcp_seq_i = (uint32_t)rng64();
	s->tcp_seq_r = (uint32_t)rng64();
	s->icmp_id = (uint16_t)rng64();
	s->imsgid = 2;

	if (keytab_write_ikev2(g->ikef, &s->ike) != 0 ||
	    keytab_write_esp(g->espf, &s->esp_ir) != 0 ||
	    keytab_write_esp(g->espf, &s->esp_ri) != 0) {
		fprintf(stderr, "%s: writing keys: %s\n", g->prog,
		    strerror(errno));
		exit(1);
	}
}

/* group generates SAs [first, first + n): their handshakes, then their ESP
 * round-robin with the INFORMATIONAL exchanges halfway. */
static void
group(struct gen *g, struct sa *sas, unsigned first, unsigned n,
    unsigned n_esp)
{
	unsigned i, r;

	for (i = 0; i < n; i++) {
		sa_make(g, &sas[i], first + i);
		sa_init_msg(g, &sas[i], false);
		sa_init_msg(g, &sas[i], true);
		ike_auth_msg(g, &sas[i], false);
		ike_auth_msg(g, &sas[i], true);
	}
	for (r = 0; r < n_esp || r == n_esp / 2; r++) {
		for (i = 0; i < n; i++) {
			if (r == n_esp / 2) {
				informational(g, &sas[i], true);
				if (sas[i].idx % 4 == 0)
					informational(g, &sas[i], false);
			}
			if (r < n_esp)
				esp_pkt(g, &sas[i], r % 2 == 0);
		}
	}
	for (i = 0; i < n; i++) {
		esp_sa_free(&sas[i].seal_ir);
		esp_sa_free(&sas[i].seal_ri);
	}
}

static FILE *
open_key_file(const struct gen *g, const char *dir, const char *name)
{
	char	 path[4096];
	FILE	*f;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "%s: %s/%s: %s\n", g->prog, dir, name,
		    strerror(errno));
		exit(1);
	}
	return f;
}

static unsigned long
num_arg(const struct gen *g, const char *s, unsigned long max)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > max) {
		fprintf(stderr, "%s: bad number: %s\n", g->prog, s);
		exit(2);
	}
	return v;
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen-ike-pcap [-n sas] [-e esp_per_sa] "
	    "[-s seed] out.pcap keydir\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct sa sas[CONCURRENT];
	struct gen	 g;
	unsigned long	 n_sas = 2000, n_esp = 100, seed = 1, first;
	int		 ch;
	enum ike_err	 e;

	memset(&g, 0, sizeof(g));
	g.prog = "gen-ike-pcap";
	while ((ch = getopt(argc, argv, "n:e:s:")) != -1) {
		switch (ch) {
		case 'n': n_sas = num_arg(&g, optarg, 1000000); break;
		case 'e': n_esp = num_arg(&g, optarg, 100000); break;
		case 's': seed = num_arg(&g, optarg, ULONG_MAX); break;
		default: usage();
		}
	}
	if (argc - optind != 2 || n_sas == 0)
		usage();
	rng_seed(seed);
	if (mkdir(argv[optind + 1], 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "%s: %s: %s\n", g.prog, argv[optind + 1],
		    strerror(errno));
		return 1;
	}
	g.ikef = open_key_file(&g, argv[optind + 1], "ikev2_decryption_table");
	g.espf = open_key_file(&g, argv[optind + 1], "esp_sa");
	if ((e = pcapw_open(&g.pw, argv[optind], DLT_RAW)) != IKE_OK) {
		fprintf(stderr, "%s: %s: %s\n", g.prog, argv[optind],
		    strerror(errno));
		return 1;
	}
	g.ts.tv_sec = 1767225600;		/* 2026-01-01T00:00:00Z */

	for (first = 0; first < n_sas; first += CONCURRENT)
		group(&g, sas, (unsigned)first, (unsigned)(n_sas - first <
		    CONCURRENT ? n_sas - first : CONCURRENT), (unsigned)n_esp);

	if (pcapw_close(g.pw) != IKE_OK || fclose(g.ikef) != 0 ||
	    fclose(g.espf) != 0) {
		fprintf(stderr, "%s: writing output: %s\n", g.prog,
		    strerror(errno));
		return 1;
	}
	printf("%" PRIu64 " packets: %" PRIu64 " IKE, %" PRIu64 " ESP; "
	    "%lu IKE SAs, %lu ESP SAs\n", g.n_pkts, g.n_ike, g.n_esp, n_sas,
	    2 * n_sas);
	return 0;
}
