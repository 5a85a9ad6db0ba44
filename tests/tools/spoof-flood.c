/* SPDX-License-Identifier: ISC */
/*
 * spoof-flood: a bounded IKE_SA_INIT flood from spoofed IPv4 sources, for
 * the flood tests (tests/interop/flood-respond.bats, tests/bench/flood.sh).
 * Root only (a raw socket with IP_HDRINCL; AF_PACKET to listen). Usage:
 *
 *   spoof-flood --peer ADDR[:PORT] --prefix A.B.C.D/LEN [--ike PROPOSALS]
 *               [--rate PPS] [-n COUNT] [-t SECS] [--listen IFNAME]
 *               [--wait SECS] [--echo-cookies] [--natd]
 *
 * Each request is a well-formed IKE_SA_INIT: HDR (random SPIi), SA (the
 * proposals of --ike, default aes256gcm16-prfsha256-x25519), KE (the first
 * proposal's group, random data of its length: a valid X25519/X448 value,
 * not a valid ECP point), Nonce (32 bytes), and with --natd both
 * NAT_DETECTION notifies computed for the spoofed source. The source is a
 * random host of --prefix, the port random from 1024 up. It sends --rate
 * packets a second (0: as fast as it can) until -n COUNT are sent or -t SECS
 * have passed (one of them is required; at most 10^8 packets and 3600 s).
 *
 * --listen IFNAME: the responder's answers to the prefix are routed back
 * to this namespace, where nothing takes them; a packet socket on IFNAME
 * sees them first. They are counted by kind: COOKIE, normal (SA payload,
 * SPIr set), other (a notify such as INVALID_KE_PAYLOAD); "none" is what was
 * sent and not answered. After the last request it listens --wait SECS
 * (default 1) more. --echo-cookies (needs --listen): an on-path attacker,
 * who sees the answers: each COOKIE is returned in the request again
 * (nonce and KE data are derived from SPIi under a run key, so nothing is
 * kept per request), at most once per request sent.
 *
 * Prints one line of key=value: sent, secs (first to last request),
 * rate_sent; with --listen answered, rate_answered (answers / secs),
 * cookie, normal, other, none, normal_before_cookie (normal answers seen
 * before the first COOKIE), echoed, recv_drops (kernel drops on the packet
 * socket); then send_errors and cpu (this process's CPU seconds).
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "base/log.h"
#include "codec/chain.h"
#include "codec/hdr.h"
#include "codec/ke.h"
#include "codec/msg.h"
#include "codec/nonce.h"
#include "codec/notify.h"
#include "codec/sa_pld.h"
#include "crypto/dh.h"
#include "crypto/secret.h"
#include "exchange/internal.h"
#include "io/net.h"
#include "io/pkt.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"

enum {
	NONCE_LEN	= 32,
	BATCH		= 64,		/* requests sent per round at most */
	MAX_COUNT	= 100000000,
	MAX_SECS	= 3600,
	PKT_MAX		= 2048,
	RCVBUF		= 8 << 20,
};

static struct {
	struct sa_pld	 sa;
	uint16_t	 group;
	size_t		 ke_len;
	uint8_t		 peer[4], net[4], mask[4];
	uint16_t	 pport;
	bool		 natd;
	uint8_t		 key[crypto_generichash_KEYBYTES];	/* run key */
	int		 raw;
} g;

static struct {
	unsigned long	 sent, answered, cookie, normal, other, nbc, echoed,
			 send_err, drops;
	bool		 seen_cookie;
} st;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: spoof-flood --peer addr[:port] --prefix a.b.c.d/len "
	    "[--ike proposals]\n"
	    "                   [--rate pps] [-n count] [-t secs] [--listen ifname] "
	    "[--wait secs]\n"
	    "                   [--echo-cookies] [--natd]\n");
	exit(2);
}

/* derive fills out with n bytes that depend only on ispi and what (the
 * nonce and the KE data of a request, made again for --echo-cookies). */
static void
derive(uint64_t ispi, uint8_t what, uint8_t *out, size_t n)
{
	uint8_t	 in[9];

	memcpy(in, &ispi, 8);
	in[8] = what;
	while (n > 0) {
		size_t	 k = n > crypto_generichash_BYTES_MAX ?
		    crypto_generichash_BYTES_MAX : n;

		crypto_generichash(out, k, in, sizeof(in), g.key, sizeof(g.key));
		in[8] += 0x10;
		out += k;
		n -= k;
	}
}

/* build writes the IKE_SA_INIT request of ispi from src:sport into w, with
 * the cookie first when there is one. */
static bool
build(struct wr *w, uint64_t ispi, const uint8_t *src, uint16_t sport,
    const uint8_t *cookie, size_t cookie_len)
{
	uint8_t		 ike[PKT_MAX], nonce[NONCE_LEN], ke[DH_PUB_MAX_LEN],
			 h[NATD_HASH_LEN];
	struct wr	 m = wr_init(ike, sizeof(ike));
	struct ike_hdr	 hd;
	struct chain	 c;
	size_t		 off;

	memset(&hd, 0, sizeof(hd));
	hd.ispi = ispi;
	hd.major = 2;
	hd.exch = IKEV2_EXCH_IKE_SA_INIT;
	hd.flags = IKEV2_FLAG_INITIATOR;
	off = hdr_put(&m, &hd);
	chain_init(&c, &m, off + HDR_NEXT_AT);
	if (cookie != NULL) {
		chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
		notify_put(&m, 0, NULL, 0, IKEV2_N_COOKIE, cookie, cookie_len);
	}
	chain_open(&c, IKEV2_PAYLOAD_SA, false);
	sa_pld_put(&m, &g.sa);
	derive(ispi, 'k', ke, g.ke_len);
	chain_open(&c, IKEV2_PAYLOAD_KE, false);
	ke_put(&m, g.group, ke, g.ke_len);
	derive(ispi, 'n', nonce, sizeof(nonce));
	chain_open(&c, IKEV2_PAYLOAD_NONCE, false);
	nonce_put(&m, nonce, sizeof(nonce));
	if (g.natd) {
		if (natd_hash(ispi, 0, AF_INET, src, sport, h) != IKE_OK)
			return false;
		chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
		notify_put(&m, 0, NULL, 0, IKEV2_N_NAT_DETECTION_SOURCE_IP, h,
		    sizeof(h));
		if (natd_hash(ispi, 0, AF_INET, g.peer, g.pport, h) != IKE_OK)
			return false;
		chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
		notify_put(&m, 0, NULL, 0, IKEV2_N_NAT_DETECTION_DESTINATION_IP,
		    h, sizeof(h));
	}
	chain_close(&c);
	hdr_finish(&m, off);
	if (!wr_ok(&m))
		return false;
	return pkt_build_udp(w, AF_INET, src, g.peer, sport, g.pport, m.buf,
	    m.len) == IKE_OK;
}

static void
send_one(uint64_t ispi, const uint8_t *src, uint16_t sport,
    const uint8_t *cookie, size_t cookie_len)
{
	static uint8_t		 buf[PKT_MAX];
	struct wr		 w = wr_init(buf, sizeof(buf));
	struct sockaddr_in	 sin;

	if (!build(&w, ispi, src, sport, cookie, cookie_len))
		die(1, "cannot build a request");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memcpy(&sin.sin_addr, g.peer, 4);
	if (sendto(g.raw, w.buf, w.len, 0, (struct sockaddr *)&sin,
	    sizeof(sin)) < 0)
		st.send_err++;
}

/* send_new sends a request from a random host of the prefix. */
static void
send_new(void)
{
	struct {
		uint64_t	 ispi;
		uint8_t		 host[4];
		uint16_t	 port;
	}		 r;
	uint8_t		 src[4];
	int		 k;

	do
		rand_bytes(&r, sizeof(r));
	while (r.ispi == 0);
	for (k = 0; k < 4; k++)
		src[k] = (uint8_t)((g.net[k] & g.mask[k]) | (r.host[k] & ~g.mask[k]));
	send_one(r.ispi, src, (uint16_t)(1024 + r.port % (65536 - 1024)), NULL, 0);
	st.sent++;
}

/* in_prefix: addr is a host of --prefix. */
static bool
in_prefix(const uint8_t *addr)
{
	int	 k;

	for (k = 0; k < 4; k++)
		if ((addr[k] & g.mask[k]) != (g.net[k] & g.mask[k]))
			return false;
	return true;
}

/* on_answer classifies one IKE message from the peer to dst:dport. */
static void
on_answer(struct rd in, const uint8_t *dst, uint16_t dport, bool echo)
{
	struct ike_msg		 m;
	struct notify_pld	 n;
	struct rd		 body;
	size_t			 i;
	bool			 has_sa = false;

	if (msg_parse(in, &m) != IKE_OK || m.hdr.exch != IKEV2_EXCH_IKE_SA_INIT ||
	    (m.hdr.flags & IKEV2_FLAG_RESPONSE) == 0)
		return;
	st.answered++;
	for (i = 0; i < m.n_pld; i++)
		if (m.pld[i].type == IKEV2_PAYLOAD_SA)
			has_sa = true;
	body = m.n_pld > 0 ? m.pld[0].body : rd_init(NULL, 0);
	if (m.n_pld > 0 && m.pld[0].type == IKEV2_PAYLOAD_NOTIFY &&
	    notify_parse(&body, &n) == IKE_OK && n.type == IKEV2_N_COOKIE) {
		st.cookie++;
		st.seen_cookie = true;
		if (echo && st.echoed < st.sent) {
			send_one(m.hdr.ispi, dst, dport, n.data.p, n.data.len);
			st.echoed++;
		}
	} else if (has_sa && m.hdr.rspi != 0) {
		st.normal++;
		if (!st.seen_cookie)
			st.nbc++;
	} else
		st.other++;
}

/* drain reads what the packet socket holds. */
static void
drain(int ps, bool echo)
{
	static uint8_t		 buf[PKT_MAX + 64];
	struct sockaddr_ll	 sll;
	socklen_t		 len;
	struct pkt		 p;
	struct rd		 ike;
	ssize_t			 n;

	for (;;) {
		len = sizeof(sll);
		n = recvfrom(ps, buf, sizeof(buf), 0, (struct sockaddr *)&sll, &len);
		if (n < 0)
			return;
		if (sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		pkt_frame(PKT_LINKTYPE_RAW, buf, (size_t)n, &p);
		if (p.af != AF_INET || p.ipproto != PKT_IPPROTO_UDP ||
		    memcmp(p.src, g.peer, 4) != 0 || !in_prefix(p.dst))
			continue;
		if (p.kind != PKT_IKE)
			continue;
		ike = p.data;
		on_answer(ike, p.dst, p.dport, echo);
	}
}

static int
listen_on(const char *ifname)
{
	struct sockaddr_ll	 sll;
	unsigned		 idx;
	int			 fd, sz = RCVBUF;

	if ((idx = if_nametoindex(ifname)) == 0)
		die(1, "--listen: %s: %s", ifname, strerror(errno));
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_IP));
	if (fd < 0)
		die(1, "packet socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		die(1, "--listen: %s: bind: %s", ifname, strerror(errno));
	return fd;
}

static unsigned long
drops(int ps)
{
	struct tpacket_stats	 ts;
	socklen_t		 len = sizeof(ts);

	if (getsockopt(ps, SOL_PACKET, PACKET_STATISTICS, &ts, &len) != 0)
		return 0;
	return ts.tp_drops;
}

static void
parse_prefix(const char *s)
{
	char		 a[INET_ADDRSTRLEN + 4], *slash, *end;
	unsigned long	 len;
	uint32_t	 m;

	if (strlen(s) >= sizeof(a))
		die(2, "--prefix: '%s': not A.B.C.D/LEN", s);
	strcpy(a, s);
	if ((slash = strchr(a, '/')) == NULL)
		die(2, "--prefix: '%s': not A.B.C.D/LEN", s);
	*slash++ = '\0';
	errno = 0;
	len = strtoul(slash, &end, 10);
	if (inet_pton(AF_INET, a, g.net) != 1 || errno != 0 || *end != '\0' ||
	    *slash == '\0' || len < 8 || len > 32)
		die(2, "--prefix: '%s': not A.B.C.D/LEN with LEN from 8 to 32", s);
	m = len == 32 ? 0xffffffffu : ~(0xffffffffu >> len);
	g.mask[0] = (uint8_t)(m >> 24);
	g.mask[1] = (uint8_t)(m >> 16);
	g.mask[2] = (uint8_t)(m >> 8);
	g.mask[3] = (uint8_t)m;
}

static double
num_arg(const char *opt, double max)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(optarg, &end);
	if (errno != 0 || *end != '\0' || optarg[0] == '\0' || !(v >= 0) ||
	    v > max)
		die(2, "%s: '%s': not a number from 0 to %.0f", opt, optarg, max);
	return v;
}

enum { O_PEER = 256, O_PREFIX, O_IKE, O_RATE, O_LISTEN, O_WAIT, O_ECHO,
	O_NATD };

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "peer", required_argument, NULL, O_PEER },
		{ "prefix", required_argument, NULL, O_PREFIX },
		{ "ike", required_argument, NULL, O_IKE },
		{ "rate", required_argument, NULL, O_RATE },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "wait", required_argument, NULL, O_WAIT },
		{ "echo-cookies", no_argument, NULL, O_ECHO },
		{ "natd", no_argument, NULL, O_NATD },
		{ NULL, 0, NULL, 0 }
	};
	const char	*peer_s = NULL, *prefix_s = NULL, *listen_s = NULL,
			*ike = "aes256gcm16-prfsha256-x25519";
	char		 err[PROPOSAL_ERR_MAX];
	const struct sa_xform *x;
	struct pollfd	 pf;
	unsigned long	 count = 0, due;
	double		 rate = 0, secs = 0, wait = 1, c0, elapsed;
	bool		 echo = false, has_port;
	int		 c, af, one = 1, ps = -1, k;
	int64_t		 t0, t_last, end_ns = 0, now, stop_listen;
	uint16_t	 port;

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "n:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': count = (unsigned long)num_arg("-n", MAX_COUNT); break;
		case 't': secs = num_arg("-t", MAX_SECS); break;
		case O_PEER: peer_s = optarg; break;
		case O_PREFIX: prefix_s = optarg; break;
		case O_IKE: ike = optarg; break;
		case O_RATE: rate = num_arg("--rate", 1e7); break;
		case O_LISTEN: listen_s = optarg; break;
		case O_WAIT: wait = num_arg("--wait", 60); break;
		case O_ECHO: echo = true; break;
		case O_NATD: g.natd = true; break;
		default: usage();
		}
	}
	if (optind != argc || peer_s == NULL || prefix_s == NULL ||
	    (count == 0 && secs <= 0) || (echo && listen_s == NULL))
		usage();
	if (!crypto_init())
		die(1, "crypto_init failed");
	if (!net_parse_hostport(peer_s, &af, g.peer, &port, &has_port) ||
	    af != AF_INET)
		die(2, "--peer: '%s': not an IPv4 address", peer_s);
	g.pport = has_port ? port : IKE_PORT;
	parse_prefix(prefix_s);
	if (proposal_parse(&g.sa, IKEV2_PROTO_IKE, ike, err, sizeof(err)) != IKE_OK)
		die(2, "--ike: %s", err);
	if ((x = sa_prop_find(&g.sa.props[0], IKEV2_XFORM_DH)) == NULL ||
	    (g.ke_len = dh_pub_len(x->id)) == 0)
		die(2, "--ike: no supported key exchange in the first proposal");
	g.group = x->id;
	rand_bytes(g.key, sizeof(g.key));

	if ((g.raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW)) < 0)
		die(1, "raw socket: %s", strerror(errno));
	if (setsockopt(g.raw, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) != 0)
		die(1, "IP_HDRINCL: %s", strerror(errno));
	if (listen_s != NULL)
		ps = listen_on(listen_s);

	c0 = cpu_secs();
	t0 = t_last = now_ns();
	if (secs > 0)
		end_ns = t0 + (int64_t)(secs * 1e9);
	for (;;) {
		now = now_ns();
		if ((count != 0 && st.sent >= count) ||
		    (end_ns != 0 && now >= end_ns))
			break;
		/* how many are due by now at --rate; a burst at most per round */
		due = rate > 0 ? (unsigned long)((double)(now - t0) * rate / 1e9) + 1 :
		    st.sent + BATCH;
		for (k = 0; st.sent < due && k < BATCH &&
		    (count == 0 || st.sent < count); k++)
			send_new();
		t_last = now_ns();
		if (ps >= 0)
			drain(ps, echo);
		if (rate > 0 && st.sent >= due) {
			/* until the next one is due (1 ms at most), answers read */
			int64_t		 wait_ns = t0 + (int64_t)((double)st.sent *
			    1e9 / rate) - now_ns();
			struct timespec	 ts;

			if (wait_ns > 1000000)
				wait_ns = 1000000;
			if (wait_ns > 0) {
				ts.tv_sec = 0;
				ts.tv_nsec = (long)wait_ns;
				pf.fd = ps;
				pf.events = POLLIN;
				if (ps >= 0)
					(void)ppoll(&pf, 1, &ts, NULL);
				else
					nanosleep(&ts, NULL);
			}
		}
	}
	stop_listen = now_ns() + (int64_t)(wait * 1e9);
	while (ps >= 0 && (now = now_ns()) < stop_listen) {
		pf.fd = ps;
		pf.events = POLLIN;
		(void)poll(&pf, 1, (int)((stop_listen - now) / 1000000) + 1);
		drain(ps, echo);
	}
	if (ps >= 0)
		st.drops = drops(ps);
	elapsed = (double)(t_last - t0) / 1e9;
	printf("spoof-flood sent=%lu secs=%.3f rate_sent=%.0f", st.sent, elapsed,
	    elapsed > 0 ? (double)st.sent / elapsed : 0.0);
	if (ps >= 0)
		printf(" answered=%lu rate_answered=%.0f cookie=%lu normal=%lu "
		    "other=%lu none=%lu normal_before_cookie=%lu echoed=%lu "
		    "recv_drops=%lu", st.answered, elapsed > 0 ?
		    (double)st.answered / elapsed : 0.0, st.cookie, st.normal,
		    st.other, st.sent + st.echoed > st.answered ?
		    st.sent + st.echoed - st.answered : 0, st.nbc, st.echoed,
		    st.drops);
	printf(" send_errors=%lu cpu=%.3f\n", st.send_err, cpu_secs() - c0);
	close(g.raw);
	if (ps >= 0)
		close(ps);
	return 0;
}
