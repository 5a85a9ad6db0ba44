/* SPDX-License-Identifier: ISC */
/* Tests of frame decoding for every link type, packet building, and pcap reading and writing. */
#include <sys/socket.h>
#include <sys/stat.h>

#include <stdlib.h>
#include <unistd.h>

#include <pcap/dlt.h>

#include "io/pkt.h"
#include "test.h"

/* An IKE_SA_INIT header with nothing after it: 28 bytes. */
#define IKE_HDR	"0102030405060708 0000000000000000 21202208 00000000 0000001c"
/* IPv4 192.0.2.1 -> 192.0.2.2 carrying UDP 500 -> 500 with IKE_HDR. */
#define IP4_UDP500 \
	"4500 0038 0000 4000 4011 b6b1 c0000201 c0000202" \
	"01f4 01f4 0024 2462" IKE_HDR

static uint8_t	frame[2048];

static size_t
hex(const char *h)
{
	return test_unhex(frame, sizeof(frame), h);
}

static size_t
ike_at(const struct pkt *p)
{
	static uint8_t	want[28];

	test_unhex(want, sizeof(want), IKE_HDR);
	if (p->data.len != sizeof(want) || memcmp(p->data.p, want, 28) != 0)
		return 0;
	return p->data.len;
}

TEST(ethernet_vlan_ipv4_udp500_ike)
{
	struct pkt	p;
	size_t		n;

	/* dst, src, 802.1Q TCI 100, IPv4, then two bytes of padding */
	n = hex("020000000002 020000000001 8100 0064 0800" IP4_UDP500 "0000");
	p.frame = 7;
	pkt_frame(DLT_EN10MB, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_IKE);
	ASSERT_EQ(p.frame, 7);
	ASSERT(p.has_addr);
	ASSERT_EQ(p.af, AF_INET);
	ASSERT_MEM(p.src, "\xc0\x00\x02\x01", 4);
	ASSERT_MEM(p.dst, "\xc0\x00\x02\x02", 4);
	ASSERT_EQ(p.sport, 500);
	ASSERT_EQ(p.dport, 500);
	ASSERT_EQ(p.ipproto, 17);
	ASSERT(!p.natt);
	ASSERT(p.why == NULL);
	ASSERT_EQ(ike_at(&p), 28);
}

TEST(ethernet_qinq)
{
	struct pkt	p;
	size_t		n;

	n = hex("020000000002 020000000001 88a8 0010 8100 0064 0800" IP4_UDP500);
	pkt_frame(DLT_EN10MB, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_IKE);
	ASSERT_EQ(ike_at(&p), 28);
}

TEST(ethernet_not_ip)
{
	struct pkt	p;
	size_t		n;

	n = hex("ffffffffffff 020000000001 0806 0001080006040001");
	pkt_frame(DLT_EN10MB, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_OTHER);
	ASSERT(strcmp(p.why, "link layer: not IPv4 or IPv6") == 0);
	ASSERT(!p.has_addr);
}

TEST(linux_sll)
{
	struct pkt	p;
	size_t		n;

	/* packet type 0 (to us), ARPHRD_ETHER, address length 6, address */
	n = hex("0000 0001 0006 020000000001 0000 0800" IP4_UDP500);
	pkt_frame(DLT_LINUX_SLL, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_IKE);
	ASSERT_EQ(ike_at(&p), 28);
}

TEST(linux_sll2)
{
	struct pkt	p;
	size_t		n;

	/* protocol, reserved, ifindex 2, ARPHRD_ETHER, type, address */
	n = hex("0800 0000 00000002 0001 00 06 020000000001 0000" IP4_UDP500);
	pkt_frame(DLT_LINUX_SLL2, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_IKE);
	ASSERT_EQ(ike_at(&p), 28);
	pkt_frame(DLT_LINUX_SLL2, frame, 19, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why, "Linux cooked v2: truncated header") == 0);
}

TEST(raw_ipv6_hopopts_natt_marker)
{
	struct pkt	p;
	size_t		n;

	/* payload length 48, next header hop-by-hop; hop-by-hop: next UDP,
	 * length 0, PadN of 4; UDP 4500 -> 4500 length 40; marker; IKE */
	n = hex("6000 0000 0030 00 40"
	    "20010db8000000000000000000000001"
	    "20010db8000000000000000000000002"
	    "11 00 01 04 00000000"
	    "1194 1194 0028 0000"
	    "00000000" IKE_HDR);
	pkt_frame(DLT_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_IKE);
	ASSERT(p.natt);
	ASSERT_EQ(p.af, AF_INET6);
	ASSERT_EQ(p.ipproto, 17);
	ASSERT_EQ(p.sport, 4500);
	ASSERT_MEM(p.dst, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	ASSERT_EQ(ike_at(&p), 28);
	/* the same as LINKTYPE_RAW (101) and LINKTYPE_IPV6 (229) */
	pkt_frame(PKT_LINKTYPE_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_IKE);
	pkt_frame(DLT_IPV6, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_IKE);
	/* the extension header cut short */
	pkt_frame(DLT_RAW, frame, 40 + 4, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why,
	    "IPv6: payload length goes past the captured bytes") == 0);
	frame[5] = 4;		/* payload length 4: inside the ext header */
	pkt_frame(DLT_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why, "IPv6: truncated extension header") == 0);
}

TEST(ipv6_fragment_is_other)
{
	struct pkt	p;
	size_t		n;

	n = hex("6000 0000 0010 2c 40"
	    "20010db8000000000000000000000001"
	    "20010db8000000000000000000000002"
	    "11 00 0001 12345678"
	    "01f4 01f4 0024 0000");
	pkt_frame(DLT_IPV6, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_OTHER);
	ASSERT(strcmp(p.why, "IPv6: fragment") == 0);
	ASSERT(p.has_addr);
}

TEST(null_and_loop_both_byte_orders)
{
	struct pkt	p;
	size_t		n;

	n = hex("02000000" IP4_UDP500);		/* DLT_NULL, little-endian host */
	pkt_frame(DLT_NULL, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_IKE);
	ASSERT_EQ(ike_at(&p), 28);
	n = hex("00000002" IP4_UDP500);		/* big-endian host */
	pkt_frame(DLT_NULL, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_IKE);
	pkt_frame(DLT_LOOP, frame, n, &p);	/* DLT_LOOP: network order */
	ASSERT_EQ(p.kind, PKT_IKE);
	n = hex("02000000" IP4_UDP500);		/* ...written the other way */
	pkt_frame(DLT_LOOP, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_IKE);
	/* BSD AF_INET6 values 24, 28 (FreeBSD), 30 (macOS) */
	n = hex("1e000000 6000 0000 0024 11 40"
	    "20010db8000000000000000000000001"
	    "20010db8000000000000000000000002"
	    "01f4 01f4 0024 0000" IKE_HDR);
	pkt_frame(DLT_NULL, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_IKE);
	ASSERT_EQ(p.af, AF_INET6);
	frame[0] = 0; frame[3] = 28;
	pkt_frame(DLT_LOOP, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_IKE);
	frame[3] = 24;
	pkt_frame(DLT_LOOP, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_IKE);
	frame[3] = 7;
	pkt_frame(DLT_LOOP, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_OTHER);
	ASSERT(strcmp(p.why, "loopback: address family not IPv4 or IPv6") == 0);
	pkt_frame(DLT_NULL, frame, 3, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why, "loopback: truncated header") == 0);
}

TEST(natt_keepalive)
{
	struct pkt	p;
	size_t		n;

	n = hex("4500 001d 0000 4000 4011 0000 c0000201 c0000202"
	    "1194 1194 0009 0000 ff");
	pkt_frame(DLT_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_KEEPALIVE);
	ASSERT_EQ(p.data.len, 1);
}

TEST(esp_in_udp)
{
	struct pkt	p;
	size_t		n;

	n = hex("4500 002c 0000 4000 4011 0000 c0000201 c0000202"
	    "d431 1194 0018 0000 c0ffee01 00000005 0102030405060708");
	pkt_frame(DLT_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_ESP);
	ASSERT_EQ(p.sport, 54321);
	ASSERT(!p.natt);
	ASSERT_EQ(p.data.len, 16);
	ASSERT_MEM(p.data.p, "\xc0\xff\xee\x01\0\0\0\x05", 8);
	/* 5 bytes on 4500 that are neither keepalive nor marker */
	n = hex("4500 0021 0000 4000 4011 0000 c0000201 c0000202"
	    "1194 1194 000d 0000 c0ffee0100");
	pkt_frame(DLT_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why,
	    "UDP-encapsulated ESP: shorter than SPI and sequence number") == 0);
}

TEST(raw_esp_proto50)
{
	struct pkt	p;
	size_t		n;

	n = hex("4500 0020 0000 4000 4032 0000 c0000201 c0000202"
	    "c0ffee01 00000001 aabbccdd");
	pkt_frame(DLT_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_ESP);
	ASSERT_EQ(p.ipproto, 50);
	ASSERT_EQ(p.sport, 0);
	ASSERT_EQ(p.dport, 0);
	ASSERT_EQ(p.data.len, 12);
	frame[20] = frame[21] = frame[22] = frame[23] = 0;
	pkt_frame(DLT_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why, "ESP: SPI 0 is reserved") == 0);
}

TEST(ipv4_options_skipped)
{
	struct pkt	p;
	size_t		n;

	/* IHL 6: one word of options (NOP NOP NOP EOL) */
	n = hex("4600 003c 0000 4000 4011 0000 c0000201 c0000202 01010100"
	    "01f4 01f4 0024 0000" IKE_HDR);
	pkt_frame(DLT_IPV4, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_IKE);
	ASSERT_EQ(ike_at(&p), 28);
}

TEST(truncated_frames_are_malformed)
{
	struct pkt	p;
	size_t		n;

	n = hex("020000000002 020000000001 8100 0064 0800" IP4_UDP500);
	pkt_frame(DLT_EN10MB, frame, 10, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why, "Ethernet: truncated header") == 0);
	pkt_frame(DLT_EN10MB, frame, 16, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why, "802.1Q: truncated tag") == 0);
	pkt_frame(DLT_EN10MB, frame, 18 + 12, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why, "IPv4: truncated header") == 0);
	/* snap length cut the IKE message: total length says more */
	pkt_frame(DLT_EN10MB, frame, n - 10, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why,
	    "IPv4: total length goes past the captured bytes") == 0);
	ASSERT(p.has_addr);
	/* UDP length larger than the IP payload */
	n = hex(IP4_UDP500);
	frame[25] = 0x40;
	pkt_frame(DLT_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why, "UDP: length goes past the captured bytes") == 0);
	frame[25] = 0x04;
	pkt_frame(DLT_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why, "UDP: length below 8") == 0);
	/* IP total length that ends inside the UDP header */
	n = hex(IP4_UDP500);
	frame[3] = 24;
	pkt_frame(DLT_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why, "UDP: truncated header") == 0);
	pkt_frame(DLT_RAW, frame, 0, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why, "raw IP: empty frame") == 0);
	pkt_frame(DLT_IPV6, frame, 39, &p);
	ASSERT_EQ(p.kind, PKT_MALFORMED);
	ASSERT(strcmp(p.why, "IPv6: truncated header") == 0);
}

TEST(ipv4_fragments_are_other)
{
	struct pkt	p;
	size_t		n;

	n = hex(IP4_UDP500);
	frame[6] = 0x20;			/* MF: first fragment */
	pkt_frame(DLT_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_OTHER);
	ASSERT(strcmp(p.why, "IPv4: fragment") == 0);
	ASSERT(p.has_addr);
	frame[6] = 0x00; frame[7] = 0xb9;	/* offset 1480, last fragment */
	pkt_frame(DLT_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_OTHER);
	ASSERT(strcmp(p.why, "IPv4: fragment") == 0);
}

TEST(other_traffic)
{
	struct pkt	p;
	size_t		n;

	n = hex("4500 001c 0000 4000 4011 0000 c0000201 c0000202"
	    "0035 0035 0008 0000");
	pkt_frame(DLT_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_OTHER);
	ASSERT(strcmp(p.why, "UDP: not port 500 or 4500") == 0);
	ASSERT_EQ(p.dport, 53);
	frame[9] = 6;				/* TCP */
	pkt_frame(DLT_RAW, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_OTHER);
	ASSERT(strcmp(p.why, "IP: not UDP or ESP") == 0);
	ASSERT_EQ(p.ipproto, 6);
	pkt_frame(147, frame, n, &p);
	ASSERT_EQ(p.kind, PKT_OTHER);
	ASSERT(!pkt_dlt_supported(147));
	ASSERT(pkt_dlt_supported(DLT_LINUX_SLL2));
}

static const uint8_t a4[] = { 192, 0, 2, 1 }, b4[] = { 192, 0, 2, 2 };
static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

TEST(build_udp_golden)
{
	uint8_t		ike[28], out[128], want[128];
	uint8_t		natt[32];
	struct wr	w = wr_init(out, sizeof(out));
	size_t		n;

	test_unhex(ike, sizeof(ike), IKE_HDR);
	ASSERT_EQ(pkt_build_udp(&w, AF_INET, a4, b4, 500, 500, ike, 28), IKE_OK);
	n = test_unhex(want, sizeof(want), IP4_UDP500);
	ASSERT_EQ(w.len, n);
	ASSERT_MEM(out, want, n);

	memset(natt, 0, 4);
	memcpy(natt + 4, ike, 28);
	w = wr_init(out, sizeof(out));
	ASSERT_EQ(pkt_build_udp(&w, AF_INET6, a6, b6, 4500, 4500, natt, 32),
	    IKE_OK);
	n = test_unhex(want, sizeof(want), "6000 0000 0028 11 40"
	    "20010db8000000000000000000000001"
	    "20010db8000000000000000000000002"
	    "1194 1194 0028 2da9 00000000" IKE_HDR);
	ASSERT_EQ(w.len, n);
	ASSERT_MEM(out, want, n);

	w = wr_init(out, 30);
	ASSERT_EQ(pkt_build_udp(&w, AF_INET, a4, b4, 500, 500, ike, 28),
	    IKE_ETOOBIG);
	w = wr_init(out, sizeof(out));
	ASSERT_EQ(pkt_build_udp(&w, 99, a4, b4, 500, 500, ike, 28), IKE_EINVAL);
}

TEST(build_esp_raw_decodes)
{
	static const uint8_t esp[] = { 0xc0, 0xff, 0xee, 0x01, 0, 0, 0, 9, 1, 2 };
	uint8_t		out[128];
	struct wr	w = wr_init(out, sizeof(out));
	struct pkt	p;

	ASSERT_EQ(pkt_build_esp_raw(&w, AF_INET6, a6, b6, esp, sizeof(esp)),
	    IKE_OK);
	pkt_frame(DLT_RAW, out, w.len, &p);
	ASSERT_EQ(p.kind, PKT_ESP);
	ASSERT_EQ(p.ipproto, 50);
	ASSERT_EQ(p.data.len, sizeof(esp));
	ASSERT_MEM(p.data.p, esp, sizeof(esp));
}

static char	tmpdir[64];

static const char *
tmp_path(const char *name)
{
	static char path[128];

	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_pkt.XXXXXX");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			exit(2);
		}
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

__attribute__((destructor)) static void
tmp_cleanup(void)
{
	static const char *names[] = { "rt.pcap", "usb.pcap", "trunc.pcap" };
	size_t i;

	if (tmpdir[0] == '\0')
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		(void)unlink(tmp_path(names[i]));
	(void)rmdir(tmpdir);
}

static void
write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

TEST(pcap_write_then_read)
{
	uint8_t		 ike[32], out[128];
	struct pcapw	*pw;
	struct pkt_src	*s;
	struct pkt	 p;
	struct timeval	 ts = { 1700000000, 123456 };
	struct wr	 w;
	char		 err[256];
	const char	*path = tmp_path("rt.pcap");
	static const uint8_t esp[] = { 0xc0, 0xff, 0xee, 0x01, 0, 0, 0, 1 };

	memset(ike, 0, 4);
	test_unhex(ike + 4, 28, IKE_HDR);
	ASSERT_EQ(pcapw_open(&pw, path, DLT_RAW), IKE_OK);
	w = wr_init(out, sizeof(out));
	ASSERT_EQ(pkt_build_udp(&w, AF_INET, a4, b4, 500, 500, ike + 4, 28), IKE_OK);
	ASSERT_EQ(pcapw_write(pw, &ts, out, w.len), IKE_OK);
	w = wr_init(out, sizeof(out));
	ASSERT_EQ(pkt_build_udp(&w, AF_INET6, a6, b6, 4500, 4500, ike, 32), IKE_OK);
	ts.tv_sec++;
	ASSERT_EQ(pcapw_write(pw, &ts, out, w.len), IKE_OK);
	w = wr_init(out, sizeof(out));
	ASSERT_EQ(pkt_build_esp_raw(&w, AF_INET, b4, a4, esp, sizeof(esp)), IKE_OK);
	ASSERT_EQ(pcapw_write(pw, NULL, out, w.len), IKE_OK);
	ASSERT_EQ(pcapw_close(pw), IKE_OK);

	ASSERT_EQ(pkt_open_file(&s, path, NULL, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(pkt_dlt(s), DLT_RAW);	/* libpcap maps LINKTYPE_RAW back */
	ASSERT_EQ(pkt_next(s, &p, err, sizeof(err)), 1);
	ASSERT_EQ(p.frame, 1);
	ASSERT_EQ(p.ts.tv_sec, 1700000000);
	ASSERT_EQ(p.ts.tv_usec, 123456);
	ASSERT_EQ(p.kind, PKT_IKE);
	ASSERT(!p.natt);
	ASSERT_EQ(ike_at(&p), 28);
	ASSERT_EQ(pkt_next(s, &p, err, sizeof(err)), 1);
	ASSERT_EQ(p.frame, 2);
	ASSERT_EQ(p.ts.tv_sec, 1700000001);
	ASSERT_EQ(p.kind, PKT_IKE);
	ASSERT(p.natt);
	ASSERT_EQ(p.af, AF_INET6);
	ASSERT_EQ(pkt_next(s, &p, err, sizeof(err)), 1);
	ASSERT_EQ(p.frame, 3);
	ASSERT_EQ(p.kind, PKT_ESP);
	ASSERT_EQ(pkt_next(s, &p, err, sizeof(err)), 0);
	pkt_close(s);

	/* a BPF filter: only the NAT-T packet */
	ASSERT_EQ(pkt_open_file(&s, path, "udp port 4500", err, sizeof(err)),
	    IKE_OK);
	ASSERT_EQ(pkt_next(s, &p, err, sizeof(err)), 1);
	ASSERT(p.natt);
	ASSERT_EQ(p.frame, 2);		/* the file's numbering, as Wireshark's */
	ASSERT_EQ(pkt_next(s, &p, err, sizeof(err)), 0);
	pkt_close(s);

	ASSERT_EQ(pkt_open_file(&s, path, "udp port", err, sizeof(err)),
	    IKE_EINVAL);
	ASSERT(strncmp(err, path, strlen(path)) == 0);
	ASSERT(strstr(err, ": filter: ") != NULL);
	pkt_close(NULL);
}

TEST(pcap_missing_file)
{
	struct pkt_src	*s = NULL;
	char		 err[256];
	const char	*path = tmp_path("nonexistent.pcap");

	ASSERT_EQ(pkt_open_file(&s, path, NULL, err, sizeof(err)), IKE_EIO);
	ASSERT(strncmp(err, path, strlen(path)) == 0);
	ASSERT(strstr(err, "No such file or directory") != NULL);
	ASSERT(strstr(err + strlen(path) + 1, path) == NULL);	/* named once */
	ASSERT_EQ(pcapw_open((struct pcapw **)&s,
	    tmp_path("no/such/dir.pcap"), DLT_RAW), IKE_EIO);
}

/* A pcap global header: magic (little-endian), 2.4, snaplen 65535, linktype. */
#define PCAP_HDR(linktype) \
	"d4c3b2a1 0200 0400 00000000 00000000 ffff0000" linktype

TEST(pcap_unknown_linktype_rejected)
{
	uint8_t		 b[64];
	struct pkt_src	*s = NULL;
	char		 err[256], want[256];
	const char	*path = tmp_path("usb.pcap");
	size_t		 n;

	n = test_unhex(b, sizeof(b), PCAP_HDR("bd000000"));	/* 189 */
	write_file(path, b, n);
	ASSERT_EQ(pkt_open_file(&s, path, NULL, err, sizeof(err)), IKE_EUNSUPP);
	snprintf(want, sizeof(want),
	    "%s: unsupported link type USB_LINUX (189)", path);
	ASSERT(strcmp(err, want) == 0);
	ASSERT(s == NULL);
	n = test_unhex(b, sizeof(b), PCAP_HDR("93000000"));	/* 147: no name */
	write_file(path, b, n);
	ASSERT_EQ(pkt_open_file(&s, path, NULL, err, sizeof(err)), IKE_EUNSUPP);
	snprintf(want, sizeof(want), "%s: unsupported link type 147", path);
	ASSERT(strcmp(err, want) == 0);
}

TEST(pcap_truncated_record)
{
	uint8_t		 b[512];
	struct pkt_src	*s;
	struct pkt	 p;
	char		 err[256];
	const char	*path = tmp_path("trunc.pcap");
	size_t		 n;

	/* one record header saying 1500 captured bytes, then only 200 */
	n = test_unhex(b, sizeof(b), PCAP_HDR("65000000")
	    "00f15365 00000000 dc050000 dc050000");
	memset(b + n, 0x45, 200);
	write_file(path, b, n + 200);
	ASSERT_EQ(pkt_open_file(&s, path, NULL, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(pkt_next(s, &p, err, sizeof(err)), -1);
	ASSERT(strcmp(err, "truncated dump file; tried to read 1500 captured "
	    "bytes, only got 200") == 0);
	pkt_close(s);
}

TEST(pcap_vectors)
{
	struct pkt_src	*s;
	struct pkt	 p;
	char		 err[256];

	/* the fixtures in tests/vectors/pcap (tests run from the top) */
	ASSERT_EQ(pkt_open_file(&s, "tests/vectors/pcap/ike-vlan.pcapng",
	    NULL, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(pkt_dlt(s), DLT_EN10MB);
	ASSERT_EQ(pkt_next(s, &p, err, sizeof(err)), 1);
	ASSERT_EQ(p.kind, PKT_IKE);
	ASSERT_EQ(p.ts.tv_sec, 1700000000);
	ASSERT_EQ(p.ts.tv_usec, 500);
	ASSERT_EQ(ike_at(&p), 28);
	ASSERT_EQ(pkt_next(s, &p, err, sizeof(err)), 0);
	pkt_close(s);
	ASSERT_EQ(pkt_open_file(&s, "tests/vectors/pcap/unknown-linktype.pcap",
	    NULL, err, sizeof(err)), IKE_EUNSUPP);
	ASSERT_EQ(pkt_open_file(&s, "tests/vectors/pcap/truncated.pcap",
	    NULL, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(pkt_next(s, &p, err, sizeof(err)), -1);
	ASSERT(strstr(err, "truncated dump file") != NULL);
	pkt_close(s);
}
