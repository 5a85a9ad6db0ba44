/* SPDX-License-Identifier: ISC */
/* Decoding one captured frame down to its IKE message or ESP packet, and building UDP/ESP packets. */
#include <sys/socket.h>

#include <string.h>

#include <pcap/dlt.h>

#include "io/pkt.h"

enum {
	ETHERTYPE_IPV4		= 0x0800,
	ETHERTYPE_IPV6		= 0x86dd,
	ETHERTYPE_8021Q		= 0x8100,
	ETHERTYPE_8021AD	= 0x88a8,
	ETHERTYPE_QINQ_OLD	= 0x9100,
	ETH_ADDRS_LEN		= 12,
	VLAN_TAG_MAX		= 8,
	SLL_HDR_LEN		= 16,
	SLL_PROTO_AT		= 14,
	SLL2_HDR_LEN		= 20,
	IPV4_HDR_LEN		= 20,
	IPV6_HDR_LEN		= 40,
	IPV6_EXT_MAX		= 16,
	IPV6_NH_HOPOPTS		= 0,
	IPV6_NH_ROUTING		= 43,
	IPV6_NH_FRAGMENT	= 44,
	IPV6_NH_DSTOPTS		= 60,
	UDP_HDR_LEN		= 8,
	IP_MAX_LEN		= 65535,
	/* Address families in DLT_NULL/DLT_LOOP headers: Linux, the BSDs, macOS. */
	LOOP_AF_INET		= 2,
	LOOP_AF_INET6_LINUX	= 10,
	LOOP_AF_INET6_BSD	= 24,	/* NetBSD, OpenBSD, BSD/OS */
	LOOP_AF_INET6_FREEBSD	= 28,
	LOOP_AF_INET6_DARWIN	= 30,
	NATT_KEEPALIVE		= 0xff,
};

static void
pkt_set(struct pkt *out, enum pkt_kind kind, const char *why)
{
	out->kind = kind;
	out->why = why;
}

/* esp takes an ESP packet from its SPI on (RFC 4303 2: SPI, sequence number). */
static void
esp(struct rd body, struct pkt *out, const char *short_why)
{
	uint32_t spi;

	if (!rd_peek_u32(&body, &spi) || body.len < PKT_ESP_HDR_LEN) {
		pkt_set(out, PKT_MALFORMED, short_why);
		return;
	}
	if (spi == 0) {
		pkt_set(out, PKT_MALFORMED, "ESP: SPI 0 is reserved");
		return;
	}
	out->data = body;
	pkt_set(out, PKT_ESP, NULL);
}

/* natt splits UDP 4500 traffic (RFC 3948 2): a single 0xff byte is a NAT
 * keepalive, a zero non-ESP marker precedes IKE, anything else is ESP. */
static void
natt(struct rd payload, struct pkt *out)
{
	uint32_t	marker;
	uint8_t		b;

	if (payload.len == 1 && rd_peek_u8(&payload, &b) && b == NATT_KEEPALIVE) {
		out->data = payload;
		pkt_set(out, PKT_KEEPALIVE, NULL);
		return;
	}
	if (rd_peek_u32(&payload, &marker) && marker == 0) {
		(void)rd_skip(&payload, PKT_NON_ESP_MARKER_LEN);
		out->natt = true;
		out->data = payload;
		pkt_set(out, PKT_IKE, NULL);
		return;
	}
	esp(payload, out,
	    "UDP-encapsulated ESP: shorter than SPI and sequence number");
}

static void
udp(struct rd body, struct pkt *out)
{
	struct rd	hdr, payload;
	uint16_t	sport = 0, dport = 0, ulen = 0;

	if (!rd_split(&body, &hdr, UDP_HDR_LEN)) {
		pkt_set(out, PKT_MALFORMED, "UDP: truncated header");
		return;
	}
	(void)rd_u16(&hdr, &sport);
	(void)rd_u16(&hdr, &dport);
	(void)rd_u16(&hdr, &ulen);
	out->sport = sport;
	out->dport = dport;
	if (ulen < UDP_HDR_LEN) {
		pkt_set(out, PKT_MALFORMED, "UDP: length below 8");
		return;
	}
	if (!rd_split(&body, &payload, ulen - UDP_HDR_LEN)) {
		pkt_set(out, PKT_MALFORMED,
		    "UDP: length goes past the captured bytes");
		return;
	}
	if (dport == PKT_NATT_PORT ||
	    (sport == PKT_NATT_PORT && dport != PKT_IKE_PORT))
		natt(payload, out);
	else if (dport == PKT_IKE_PORT || sport == PKT_IKE_PORT) {
		out->data = payload;
		pkt_set(out, PKT_IKE, NULL);
	} else
		pkt_set(out, PKT_OTHER, "UDP: not port 500 or 4500");
}

static void
transport(uint8_t proto, struct rd body, struct pkt *out)
{
	out->ipproto = proto;
	switch (proto) {
	case PKT_IPPROTO_UDP:
		udp(body, out);
		break;
	case PKT_IPPROTO_ESP:
		esp(body, out, "ESP: shorter than SPI and sequence number");
		break;
	default:
		pkt_set(out, PKT_OTHER, "IP: not UDP or ESP");
		break;
	}
}

static void
ipv4(struct rd r, struct pkt *out)
{
	struct rd	hdr, body;
	uint16_t	total = 0, frag = 0;
	uint8_t		vihl, proto = 0;
	size_t		ihl;

	if (!rd_peek_u8(&r, &vihl)) {
		pkt_set(out, PKT_MALFORMED, "IPv4: truncated header");
		return;
	}
	if (vihl >> 4 != 4) {
		pkt_set(out, PKT_MALFORMED, "IPv4: version is not 4");
		return;
	}
	ihl = (size_t)(vihl & 0x0f) * 4;
	if (ihl < IPV4_HDR_LEN) {
		pkt_set(out, PKT_MALFORMED, "IPv4: header length below 20");
		return;
	}
	if (!rd_split(&r, &hdr, ihl)) {
		pkt_set(out, PKT_MALFORMED, "IPv4: truncated header");
		return;
	}
	/* version/IHL, TOS, total length, ID, flags/offset, TTL, protocol,
	 * checksum (not checked), source, destination, options (skipped) */
	(void)rd_skip(&hdr, 2);
	(void)rd_u16(&hdr, &total);
	(void)rd_skip(&hdr, 2);
	(void)rd_u16(&hdr, &frag);
	(void)rd_skip(&hdr, 1);
	(void)rd_u8(&hdr, &proto);
	(void)rd_skip(&hdr, 2);
	(void)rd_copy(&hdr, out->src, 4);
	(void)rd_copy(&hdr, out->dst, 4);
	out->has_addr = true;
	out->af = AF_INET;
	out->ipproto = proto;
	if (total < ihl) {
		pkt_set(out, PKT_MALFORMED,
		    "IPv4: total length below header length");
		return;
	}
	/* Trailing bytes past the total length (Ethernet padding) are dropped. */
	if (!rd_split(&r, &body, total - ihl)) {
		pkt_set(out, PKT_MALFORMED,
		    "IPv4: total length goes past the captured bytes");
		return;
	}
	/* MF set or a non-zero offset: the UDP payload is incomplete either way. */
	if ((frag & 0x3fff) != 0) {
		pkt_set(out, PKT_OTHER, "IPv4: fragment");
		return;
	}
	transport(proto, body, out);
}

static void
ipv6(struct rd r, struct pkt *out)
{
	struct rd	hdr, body, ext;
	uint32_t	vtf = 0;
	uint16_t	plen = 0;
	uint8_t		nh = 0, next, hlen;
	int		i;

	if (!rd_split(&r, &hdr, IPV6_HDR_LEN)) {
		pkt_set(out, PKT_MALFORMED, "IPv6: truncated header");
		return;
	}
	(void)rd_u32(&hdr, &vtf);
	if (vtf >> 28 != 6) {
		pkt_set(out, PKT_MALFORMED, "IPv6: version is not 6");
		return;
	}
	(void)rd_u16(&hdr, &plen);
	(void)rd_u8(&hdr, &nh);
	(void)rd_skip(&hdr, 1);
	(void)rd_copy(&hdr, out->src, 16);
	(void)rd_copy(&hdr, out->dst, 16);
	out->has_addr = true;
	out->af = AF_INET6;
	out->ipproto = nh;
	if (plen == 0) {
		pkt_set(out, PKT_OTHER, "IPv6: no payload or jumbogram");
		return;
	}
	if (!rd_split(&r, &body, plen)) {
		pkt_set(out, PKT_MALFORMED,
		    "IPv6: payload length goes past the captured bytes");
		return;
	}
	for (i = 0; i < IPV6_EXT_MAX; i++) {
		switch (nh) {
		case IPV6_NH_HOPOPTS:
		case IPV6_NH_ROUTING:
		case IPV6_NH_DSTOPTS:
			/* RFC 8200 4.3-4.6: next header, length in 8-octet
			 * units not counting the first 8 */
			ext = body;
			if (!rd_u8(&ext, &next) || !rd_u8(&ext, &hlen) ||
			    !rd_skip(&body, ((size_t)hlen + 1) * 8)) {
				out->ipproto = nh;
				pkt_set(out, PKT_MALFORMED,
				    "IPv6: truncated extension header");
				return;
			}
			nh = next;
			break;
		case IPV6_NH_FRAGMENT:
			out->ipproto = nh;
			pkt_set(out, PKT_OTHER, "IPv6: fragment");
			return;
		default:
			transport(nh, body, out);
			return;
		}
	}
	out->ipproto = nh;
	pkt_set(out, PKT_OTHER, "IPv6: too many extension headers");
}

static void
ip_by_ethertype(uint16_t type, struct rd r, struct pkt *out)
{
	if (type == ETHERTYPE_IPV4)
		ipv4(r, out);
	else if (type == ETHERTYPE_IPV6)
		ipv6(r, out);
	else
		pkt_set(out, PKT_OTHER, "link layer: not IPv4 or IPv6");
}

static void
ip_by_version(struct rd r, struct pkt *out)
{
	uint8_t v;

	if (!rd_peek_u8(&r, &v))
		pkt_set(out, PKT_MALFORMED, "raw IP: empty frame");
	else if (v >> 4 == 4)
		ipv4(r, out);
	else if (v >> 4 == 6)
		ipv6(r, out);
	else
		pkt_set(out, PKT_OTHER, "raw IP: version not 4 or 6");
}

static void
ether(struct rd r, struct pkt *out)
{
	uint16_t	type;
	int		n;

	if (!rd_skip(&r, ETH_ADDRS_LEN) || !rd_u16(&r, &type)) {
		pkt_set(out, PKT_MALFORMED, "Ethernet: truncated header");
		return;
	}
	/* 802.1Q and 802.1ad (QinQ) tags: TCI, then the next EtherType */
	for (n = 0; type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
	    type == ETHERTYPE_QINQ_OLD; n++) {
		if (n == VLAN_TAG_MAX) {
			pkt_set(out, PKT_OTHER, "Ethernet: too many VLAN tags");
			return;
		}
		if (!rd_skip(&r, 2) || !rd_u16(&r, &type)) {
			pkt_set(out, PKT_MALFORMED, "802.1Q: truncated tag");
			return;
		}
	}
	ip_by_ethertype(type, r, out);
}

static void
loopback(struct rd r, struct pkt *out)
{
	uint32_t af;

	if (!rd_u32(&r, &af)) {
		pkt_set(out, PKT_MALFORMED, "loopback: truncated header");
		return;
	}
	/* DLT_NULL is in the capturing host's byte order, DLT_LOOP in network
	 * order, and captures travel: take whichever reading is small. */
	if (af > 0xffff)
		af = (af >> 24) | (af >> 8 & 0xff00) | (af << 8 & 0xff0000) |
		    (af << 24);
	switch (af) {
	case LOOP_AF_INET:
		ipv4(r, out);
		break;
	case LOOP_AF_INET6_LINUX:
	case LOOP_AF_INET6_BSD:
	case LOOP_AF_INET6_FREEBSD:
	case LOOP_AF_INET6_DARWIN:
		ipv6(r, out);
		break;
	default:
		pkt_set(out, PKT_OTHER,
		    "loopback: address family not IPv4 or IPv6");
		break;
	}
}

bool
pkt_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_NULL:
	case DLT_EN10MB:
	case DLT_RAW:
	case PKT_LINKTYPE_RAW:
	case DLT_LOOP:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_IPV4:
	case DLT_IPV6:
		return true;
	default:
		return false;
	}
}

void
pkt_frame(int dlt, const uint8_t *frame, size_t caplen, struct pkt *out)
{
	struct rd	r = rd_init(frame, caplen);
	uint16_t	type;

	out->has_addr = false;
	out->af = 0;
	memset(out->src, 0, sizeof(out->src));
	memset(out->dst, 0, sizeof(out->dst));
	out->sport = out->dport = 0;
	out->ipproto = 0;
	out->kind = PKT_OTHER;
	out->natt = false;
	out->data = rd_init(NULL, 0);
	out->why = NULL;

	switch (dlt) {
	case DLT_EN10MB:
		ether(r, out);
		break;
	case DLT_LINUX_SLL:
		/* packet type, ARPHRD, address length, address[8], protocol */
		if (!rd_skip(&r, SLL_PROTO_AT) || !rd_u16(&r, &type)) {
			pkt_set(out, PKT_MALFORMED,
			    "Linux cooked: truncated header");
			break;
		}
		ip_by_ethertype(type, r, out);
		break;
	case DLT_LINUX_SLL2:
		/* protocol, reserved, ifindex, ARPHRD, packet type,
		 * address length, address[8] */
		if (!rd_u16(&r, &type) ||
		    !rd_skip(&r, SLL2_HDR_LEN - 2)) {
			pkt_set(out, PKT_MALFORMED,
			    "Linux cooked v2: truncated header");
			break;
		}
		ip_by_ethertype(type, r, out);
		break;
	case DLT_RAW:
	case PKT_LINKTYPE_RAW:
		ip_by_version(r, out);
		break;
	case DLT_IPV4:
		ipv4(r, out);
		break;
	case DLT_IPV6:
		ipv6(r, out);
		break;
	case DLT_NULL:
	case DLT_LOOP:
		loopback(r, out);
		break;
	default:
		pkt_set(out, PKT_OTHER, "link layer: unsupported link type");
		break;
	}
}

/* cksum_add adds r as 16-bit big-endian words (RFC 1071), an odd last byte
 * padded with zero. */
static uint32_t
cksum_add(uint32_t acc, struct rd r)
{
	uint16_t	v;
	uint8_t		b;

	while (rd_u16(&r, &v))
		acc += v;
	if (rd_u8(&r, &b))
		acc += (uint32_t)b << 8;
	return acc;
}

static uint16_t
cksum_fold(uint32_t acc)
{
	while (acc >> 16 != 0)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* ip_hdr writes an IPv4 or IPv6 header for l4_len bytes of protocol proto. */
static enum ike_err
ip_hdr(struct wr *w, int af, const uint8_t *src, const uint8_t *dst,
    uint8_t proto, size_t l4_len)
{
	size_t	 start = w->len, csum_at;
	uint8_t	*h;

	if (af == AF_INET) {
		if (l4_len > IP_MAX_LEN - IPV4_HDR_LEN)
			return IKE_ETOOBIG;
		wr_u8(w, 0x45);
		wr_u8(w, 0);
		wr_u16(w, (uint16_t)(IPV4_HDR_LEN + l4_len));
		wr_u16(w, 0);			/* ID */
		wr_u16(w, 0x4000);		/* DF */
		wr_u8(w, 64);			/* TTL */
		wr_u8(w, proto);
		csum_at = wr_hole(w, 2);
		wr_bytes(w, src, 4);
		wr_bytes(w, dst, 4);
		if ((h = wr_ptr(w, start, IPV4_HDR_LEN)) == NULL)
			return IKE_ETOOBIG;
		wr_u16_at(w, csum_at,
		    cksum_fold(cksum_add(0, rd_init(h, IPV4_HDR_LEN))));
	} else if (af == AF_INET6) {
		if (l4_len > IP_MAX_LEN)
			return IKE_ETOOBIG;
		wr_u32(w, 0x60000000);
		wr_u16(w, (uint16_t)l4_len);
		wr_u8(w, proto);
		wr_u8(w, 64);			/* hop limit */
		wr_bytes(w, src, 16);
		wr_bytes(w, dst, 16);
	} else
		return IKE_EINVAL;
	return wr_ok(w) ? IKE_OK : IKE_ETOOBIG;
}

enum ike_err
pkt_build_udp(struct wr *w, int af, const uint8_t *src, const uint8_t *dst,
    uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len)
{
	enum ike_err	e;
	size_t		alen = af == AF_INET6 ? 16 : 4;
	uint32_t	acc;
	uint16_t	ulen, csum;

	if (len > IP_MAX_LEN - UDP_HDR_LEN)
		return IKE_ETOOBIG;
	ulen = (uint16_t)(UDP_HDR_LEN + len);
	if ((e = ip_hdr(w, af, src, dst, PKT_IPPROTO_UDP, ulen)) != IKE_OK)
		return e;
	/* RFC 768 / RFC 8200 8.1: pseudo-header (addresses, protocol, UDP
	 * length), UDP header with a zero checksum, payload */
	acc = cksum_add(0, rd_init(src, alen));
	acc = cksum_add(acc, rd_init(dst, alen));
	acc += PKT_IPPROTO_UDP + ulen;
	acc += sport + dport + ulen;
	acc = cksum_add(acc, rd_init(payload, len));
	if ((csum = cksum_fold(acc)) == 0)
		csum = 0xffff;
	wr_u16(w, sport);
	wr_u16(w, dport);
	wr_u16(w, ulen);
	wr_u16(w, csum);
	wr_bytes(w, payload, len);
	return wr_ok(w) ? IKE_OK : IKE_ETOOBIG;
}

enum ike_err
pkt_build_esp_raw(struct wr *w, int af, const uint8_t *src,
    const uint8_t *dst, const uint8_t *esp_pkt, size_t len)
{
	enum ike_err e;

	if ((e = ip_hdr(w, af, src, dst, PKT_IPPROTO_ESP, len)) != IKE_OK)
		return e;
	wr_bytes(w, esp_pkt, len);
	return wr_ok(w) ? IKE_OK : IKE_ETOOBIG;
}
