/* SPDX-License-Identifier: ISC */
/*
 * ike-flood: the load generator of the handshake benchmark
 * (tests/bench/handshake.sh). Runs many IKEv2 initiators at once from one
 * process, each with its own pair of non-blocking UDP sockets (so its own
 * source ports), driving common/exchange's initiator (xchg_step: IKE_SA_INIT
 * then IKE_AUTH with a PSK and one Child SA). Usage:
 *
 *   ike-flood --peer ADDR[:PORT] --psk-file FILE --ike P --esp P
 *             --ts LOCAL=REMOTE [--local ADDR] [-c CONCURRENT] [-n COUNT]
 *             [-t SECS] [--keep] [--timeout SECS] [--max-timeouts N] [--encap]
 *   ike-flood --ceiling SECS
 *   ike-flood --state-ceiling SECS DIR
 *
 * Each initiator, once its SA is up, deletes it (INFORMATIONAL with a Delete
 * of the IKE SA, waits for the response) and starts the next handshake, so
 * the responder's tables stay small; --keep leaves the SAs up instead (for
 * memory per SA: stop with -n). It stops starting handshakes after -n COUNT
 * established or -t SECS, lets the ones in flight finish, and prints one
 * line of key=value: established, failed, timeouts, retransmits, the rate
 * (established / seconds from the first request to the last IKE_AUTH
 * response), the median and 99th percentile handshake time, and its own CPU
 * seconds. A request is retransmitted after 0.5 s, doubling; an initiator
 * gives up after --timeout (default 5 s) and starts over; after
 * --max-timeouts N such give-ups no new handshake is started (a responder
 * whose table is full stops answering: this ends the run).
 *
 * --ceiling SECS: loops dh_new(X25519) + dh_public + dh_shared + dh_free for
 * SECS seconds (what a responder's key exchange costs per handshake) and
 * prints the rate per wall second and per CPU second.
 *
 * --state-ceiling SECS DIR: loops what the state directory DIR costs a
 * responder per SA that comes up and is deleted (sd_create_sa of ike.sa and
 * one Child SA file, of the sizes ike-respond writes, then sd_remove_sa; no
 * fsync, as ike-respond's default --sync batch on tmpfs) for SECS seconds, and
 * prints the rate as --ceiling does: with the X25519 ceiling it bounds the
 * handshake rate of any responder that keeps its SAs there.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "base/log.h"
#include "codec/chain.h"
#include "codec/delete.h"
#include "codec/hdr.h"
#include "crypto/dh.h"
#include "crypto/secret.h"
#include "sa/statedir.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"
#include "io/net.h"
#include "names/ikev2.h"
#include "names/names.h"
#include "proposal/proposal.h"

enum {
	RTO_FIRST_MS	= 500,
	RTO_MAX_MS	= 4000,
};

enum phase { PH_IDLE, PH_HANDSHAKE, PH_DELETE, PH_DONE };

struct unit {
	struct net	 net;
	struct xchg_cfg	 cfg;
	struct ike_sa	 sa;
	struct xchg	 x;
	enum phase	 ph;
	int		 sock;
	uint8_t		 last[XCHG_OUT_MAX];
	size_t		 last_len;
	int64_t		 start_ns, give_up_ms, resend_ms;
	int		 rto;
};

static struct {
	unsigned long	 started, established, failed, timeouts, retrans,
			 deleted, del_lost;
	double		*lat;		/* ms, per established */
	size_t		 n_lat, cap_lat;
	int64_t		 t0_ns, t_last_ns;
	enum ike_err	 first_err;
	uint16_t	 first_notify;
} st;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: ike-flood --peer addr[:port] --psk-file file --ike p "
	    "--esp p --ts local=remote\n"
	    "                 [--local addr] [-c concurrent] [-n count] [-t secs] "
	    "[--keep] [--timeout secs]\n"
	    "                 [--max-timeouts n] [--encap]\n"
	    "       ike-flood --ceiling secs\n"
	    "       ike-flood --state-ceiling secs dir\n");
	exit(2);
}

/* measure calls op(arg, n) for n = 0, 1, ... for secs seconds (the clock
 * read every 64 calls) and prints "WHAT ops= secs= cpu= rate= rate_cpu=". */
static int
measure(const char *what, double secs, void (*op)(void *, unsigned long),
    void *arg)
{
	unsigned long	 n = 0;
	int64_t		 t0, t1, end;
	double		 c0, c1;
	int		 k;

	t0 = now_ns();
	c0 = cpu_secs();
	end = t0 + (int64_t)(secs * 1e9);
	do {
		for (k = 0; k < 64; k++, n++)
			op(arg, n);
		t1 = now_ns();
	} while (t1 < end);
	c1 = cpu_secs();
	printf("%s ops=%lu secs=%.3f cpu=%.3f rate=%.0f rate_cpu=%.0f\n", what,
	    n, (double)(t1 - t0) / 1e9, c1 - c0,
	    (double)n * 1e9 / (double)(t1 - t0),
	    c1 - c0 > 0 ? (double)n / (c1 - c0) : 0.0);
	return 0;
}

/* A peer's X25519 public value, for the key exchanges of the ceiling. */
struct peer_pub {
	uint8_t	 pub[DH_PUB_MAX_LEN];
	size_t	 len;
};

/* key_exchange is one responder's X25519: a key pair, its public value,
 * the shared secret with the peer's. */
static void
key_exchange(void *arg, unsigned long n)
{
	const struct peer_pub	*pp = arg;
	struct dh		*d = NULL;
	uint8_t			 pub[DH_PUB_MAX_LEN], sh[DH_SHARED_MAX_LEN];
	size_t			 len, slen;

	(void)n;
	if (dh_new(&d, IKEV2_DH_CURVE25519) != IKE_OK ||
	    dh_public(d, pub, sizeof(pub), &len) != IKE_OK ||
	    dh_shared(d, pp->pub, pp->len, sh, sizeof(sh), &slen) != IKE_OK)
		die(1, "X25519 failed");
	dh_free(d);
}

static int
ceiling(double secs)
{
	struct dh	*peer = NULL;
	struct peer_pub	 pp;

	if (dh_new(&peer, IKEV2_DH_CURVE25519) != IKE_OK ||
	    dh_public(peer, pp.pub, sizeof(pp.pub), &pp.len) != IKE_OK)
		die(1, "X25519 unavailable");
	measure("ceiling", secs, key_exchange, &pp);
	dh_free(peer);
	return 0;
}

/* What an SA costs the state directory, as ike-respond writes it for
 * X25519, AES-256-GCM and PSK: ike.sa of 729 bytes, child.SPI.sa of 462. */
struct sa_files {
	struct sd	 sd;
	const char	*dir;
	struct kvbuf	 ike, child;
};

/* fill appends key=value lines to b until it holds about len bytes. */
static void
fill(struct kvbuf *b, size_t len)
{
	char	 key[16];
	int	 i;

	kv_init(b);
	kv_str(b, "version", "1");
	for (i = 0; b->len + 80 < len; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		kv_str(b, key, "000102030405060708090a0b0c0d0e0f"
		    "101112131415161718191a1b1c1d1e1f");
	}
}

/* sa_up_down makes SA number n in the state directory and removes it. */
static void
sa_up_down(void *arg, unsigned long n)
{
	struct sa_files		*f = arg;
	const struct kvbuf	*bufs[2] = { &f->ike, &f->child };
	const char		*files[2] = { "ike.sa", "child.6ed84377.sa" };
	char			 name[SD_NAME_MAX + 1];

	snprintf(name, sizeof(name), "%016lx-740f6f1a455cbed8", n);
	if (sd_create_sa(&f->sd, name, files, bufs, 2) != IKE_OK ||
	    sd_remove_sa(&f->sd, name) != IKE_OK)
		die(1, "%s: %s: %s", f->dir, name, strerror(errno));
}

static int
state_ceiling(double secs, const char *dir)
{
	static struct sa_files	 f;

	f.dir = dir;
	if (sd_open(&f.sd, dir, true) != IKE_OK)
		die(1, "%s: %s", dir, f.sd.why[0] != '\0' ? f.sd.why :
		    strerror(errno));
	f.sd.nosync = true;
	fill(&f.ike, 729);
	fill(&f.child, 462);
	measure("state", secs, sa_up_down, &f);
	sd_close(&f.sd);
	return 0;
}

static void
nonblock(int fd)
{
	int	 fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die(1, "fcntl: %s", strerror(errno));
}

static void
send_last(struct unit *u)
{
	if (net_send(&u->net, u->sock, u->last, u->last_len) != IKE_OK &&
	    errno != EAGAIN && errno != ECONNREFUSED)
		log_warn("send: %s", strerror(errno));
}

/* arm sends the message in out as this unit's new request. */
static void
arm(struct unit *u, const struct wr *out, int64_t now_ms)
{
	memcpy(u->last, out->buf, out->len);
	u->last_len = out->len;
	u->rto = RTO_FIRST_MS;
	u->resend_ms = now_ms + u->rto;
	send_last(u);
}

static void
lat_add(double ms)
{
	if (st.n_lat == st.cap_lat) {
		st.cap_lat = st.cap_lat ? st.cap_lat * 2 : 4096;
		if ((st.lat = realloc(st.lat, st.cap_lat * sizeof(*st.lat))) == NULL)
			die(1, "out of memory");
	}
	st.lat[st.n_lat++] = ms;
}

static void
begin(struct unit *u, int64_t now_ms, int timeout_ms)
{
	uint8_t		 buf[XCHG_OUT_MAX];
	struct wr	 out = wr_init(buf, sizeof(buf));
	enum xchg_wait	 w;

	ike_sa_init(&u->sa, ROLE_INITIATOR);
	memset(&u->x, 0, sizeof(u->x));
	u->x.sa = &u->sa;
	u->x.cfg = &u->cfg;
	u->sock = 0;
	u->start_ns = now_ns();
	u->give_up_ms = now_ms + timeout_ms;
	w = xchg_step(&u->x, rd_init(NULL, 0), &out);
	if (w != XCHG_SEND)
		die(1, "cannot make IKE_SA_INIT: %s", ike_strerror(u->x.err));
	u->ph = PH_HANDSHAKE;
	st.started++;
	arm(u, &out, now_ms);
}

/* send_delete sends INFORMATIONAL { D(IKE) } on the established SA. */
static void
send_delete(struct unit *u, int64_t now_ms, int timeout_ms)
{
	uint8_t		 buf[XCHG_OUT_MAX];
	struct wr	 out = wr_init(buf, sizeof(buf));
	struct skb	 b;

	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_DELETE, false);
	delete_put(&b.w, IKEV2_PROTO_IKE, NULL, 0);
	if (skb_seal(&u->sa, &b, IKEV2_EXCH_INFORMATIONAL, false, u->sa.msgid,
	    &out) != IKE_OK)
		die(1, "cannot make the Delete");
	u->ph = PH_DELETE;
	u->give_up_ms = now_ms + timeout_ms;
	arm(u, &out, now_ms);
}

static void
finish(struct unit *u)
{
	ike_sa_wipe(&u->sa);
	u->ph = PH_IDLE;
}

static void
on_recv(struct unit *u, const uint8_t *msg, size_t len, bool keep,
    int timeout_ms)
{
	uint8_t		 buf[XCHG_OUT_MAX];
	struct wr	 out = wr_init(buf, sizeof(buf));
	struct ike_hdr	 h;
	struct rd	 r = rd_init(msg, len);
	enum xchg_wait	 w;
	int64_t		 t, now_ms = net_now_ms();

	if (u->ph == PH_DELETE) {
		if (hdr_parse(&r, &h) == IKE_OK && h.ispi == u->sa.ispi &&
		    h.exch == IKEV2_EXCH_INFORMATIONAL &&
		    (h.flags & IKEV2_FLAG_RESPONSE) != 0 && h.msgid == u->sa.msgid) {
			st.deleted++;
			finish(u);
		}
		return;
	}
	if (u->ph != PH_HANDSHAKE)
		return;
	w = xchg_step(&u->x, rd_init(msg, len), &out);
	switch (w) {
	case XCHG_RECV:
		return;
	case XCHG_SEND:
		u->sock = u->sa.state == SA_AUTH_SENT &&
		    (xchg_nat(&u->sa) || u->cfg.fake_natd) ? 1 : 0;
		arm(u, &out, now_ms);
		return;
	case XCHG_DONE:
		t = now_ns();
		st.established++;
		st.t_last_ns = t;
		lat_add((double)(t - u->start_ns) / 1e6);
		if (keep) {
			ike_sa_wipe(&u->sa);
			u->ph = PH_IDLE;
		} else
			send_delete(u, now_ms, timeout_ms);
		return;
	case XCHG_FAIL:
		st.failed++;
		if (st.first_err == IKE_OK) {
			st.first_err = u->x.err;
			st.first_notify = u->sa.peer_notify;
		}
		finish(u);
		return;
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double p)
{
	size_t	 i;

	if (st.n_lat == 0)
		return 0;
	i = (size_t)(p * (double)(st.n_lat - 1) + 0.5);
	return st.lat[i];
}

static void
read_psk(struct psk *p, const char *path)
{
	FILE	*f = fopen(path, "rb");
	size_t	 n;

	if (f == NULL)
		die(1, "%s: %s", path, strerror(errno));
	n = fread(p->key, 1, sizeof(p->key), f);
	fclose(f);
	if (n > 0 && p->key[n - 1] == '\n')
		n--;
	if (n == 0)
		die(1, "%s: empty", path);
	p->len = n;
}

enum { O_PEER = 256, O_PSK, O_IKE, O_ESP, O_TS, O_LOCAL, O_KEEP, O_TIMEOUT,
	O_ENCAP, O_CEILING, O_MAXTO, O_STATE_CEILING };

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "peer", required_argument, NULL, O_PEER },
		{ "psk-file", required_argument, NULL, O_PSK },
		{ "ike", required_argument, NULL, O_IKE },
		{ "esp", required_argument, NULL, O_ESP },
		{ "ts", required_argument, NULL, O_TS },
		{ "local", required_argument, NULL, O_LOCAL },
		{ "keep", no_argument, NULL, O_KEEP },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "encap", no_argument, NULL, O_ENCAP },
		{ "ceiling", required_argument, NULL, O_CEILING },
		{ "state-ceiling", required_argument, NULL, O_STATE_CEILING },
		{ "max-timeouts", required_argument, NULL, O_MAXTO },
		{ NULL, 0, NULL, 0 }
	};
	static struct psk	 psk;
	static struct xchg_cfg	 cfg;
	static uint8_t		 rbuf[XCHG_OUT_MAX + 4];
	const char		*peer_s = NULL, *psk_s = NULL, *ike = NULL,
				*esp = NULL, *ts = NULL, *local_s = NULL;
	char			 err[PROPOSAL_ERR_MAX], *tsl, *eq;
	uint8_t			 peer[16], local[16];
	uint16_t		 pport[2] = { IKE_PORT, IKE_NATT_PORT }, lport[2] = { 0, 0 };
	uint16_t		 port;
	struct unit		*units;
	struct epoll_event	 ev, evs[256];
	unsigned long		 count = 0, max_to = 0;
	double			 secs = 0, c0, c1, elapsed;
	bool			 keep = false, has_port, encap = false, stopping = false;
	int			 c, conc = 64, timeout_ms = 5000, af = 0, laf, ep, i,
				 n, k, active;
	int64_t			 end_ns = 0, now_ms, last_tick = 0;

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "c:n:t:v", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': conc = atoi(optarg); break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 't': secs = atof(optarg); break;
		case 'v': log_set_verbose(1); break;
		case O_PEER: peer_s = optarg; break;
		case O_PSK: psk_s = optarg; break;
		case O_IKE: ike = optarg; break;
		case O_ESP: esp = optarg; break;
		case O_TS: ts = optarg; break;
		case O_LOCAL: local_s = optarg; break;
		case O_KEEP: keep = true; break;
		case O_TIMEOUT: timeout_ms = (int)(atof(optarg) * 1000); break;
		case O_ENCAP: encap = true; break;
		case O_MAXTO: max_to = strtoul(optarg, NULL, 10); break;
		case O_CEILING:
			if (!crypto_init())
				die(1, "crypto_init failed");
			return ceiling(atof(optarg));
		case O_STATE_CEILING:
			if (optind >= argc)
				usage();
			return state_ceiling(atof(optarg), argv[optind]);
		default: usage();
		}
	}
	if (peer_s == NULL || psk_s == NULL || ike == NULL || esp == NULL ||
	    ts == NULL || conc < 1 || (count == 0 && secs <= 0))
		usage();
	if (!crypto_init())
		die(1, "crypto_init failed");
	if (!net_parse_hostport(peer_s, &af, peer, &port, &has_port))
		die(1, "--peer: not an address");
	if (has_port) {
		pport[0] = port;
		pport[1] = (uint16_t)(port + 1);
	}
	if (local_s != NULL && (!net_parse_hostport(local_s, &laf, local, &port,
	    &has_port) || laf != af))
		die(1, "--local: not an address of the peer's family");
	if (proposal_parse(&cfg.ike, IKEV2_PROTO_IKE, ike, err, sizeof(err)) != IKE_OK)
		die(1, "--ike: %s", err);
	if (proposal_parse(&cfg.esp, IKEV2_PROTO_ESP, esp, err, sizeof(err)) != IKE_OK)
		die(1, "--esp: %s", err);
	if ((tsl = strdup(ts)) == NULL || (eq = strchr(tsl, '=')) == NULL)
		die(1, "--ts: not LOCAL=REMOTE");
	*eq = '\0';
	if (ts_parse_list(&cfg.ts_local, tsl, err, sizeof(err)) != IKE_OK ||
	    ts_parse_list(&cfg.ts_remote, eq + 1, err, sizeof(err)) != IKE_OK)
		die(1, "--ts: %s", err);
	free(tsl);
	read_psk(&psk, psk_s);
	cfg.psk = &psk;
	cfg.af = af;
	cfg.fake_natd = encap;

	if ((units = calloc((size_t)conc, sizeof(*units))) == NULL)
		die(1, "out of memory");
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die(1, "epoll: %s", strerror(errno));
	for (i = 0; i < conc; i++) {
		struct unit	*u = &units[i];

		if (net_open(&u->net, af, local_s != NULL ? local : NULL, lport,
		    peer, pport, false) != IKE_OK)
			die(1, "socket %d: %s", i, strerror(errno));
		u->cfg = cfg;
		memcpy(u->cfg.local_addr, u->net.local, sizeof(u->cfg.local_addr));
		memcpy(u->cfg.peer_addr, u->net.peer, sizeof(u->cfg.peer_addr));
		u->cfg.local_port = u->net.lport[0];
		u->cfg.peer_port = u->net.pport[0];
		u->cfg.local_id.type = af == AF_INET6 ? IKEV2_ID_IPV6_ADDR :
		    IKEV2_ID_IPV4_ADDR;
		u->cfg.local_id.len = af == AF_INET6 ? 16 : 4;
		memcpy(u->cfg.local_id.data, u->net.local, u->cfg.local_id.len);
		for (k = 0; k < 2; k++) {
			nonblock(u->net.fd[k]);
			ev.events = EPOLLIN;
			ev.data.u64 = (uint64_t)i * 2 + (uint64_t)k;
			if (epoll_ctl(ep, EPOLL_CTL_ADD, u->net.fd[k], &ev) != 0)
				die(1, "epoll_ctl: %s", strerror(errno));
		}
	}

	c0 = cpu_secs();
	st.t0_ns = now_ns();
	st.t_last_ns = st.t0_ns;
	if (secs > 0)
		end_ns = st.t0_ns + (int64_t)(secs * 1e9);
	now_ms = net_now_ms();
	for (i = 0; i < conc; i++)
		if (count == 0 || st.started < count)
			begin(&units[i], now_ms, timeout_ms);
	for (;;) {
		n = epoll_wait(ep, evs, 256, 10);
		if (n < 0 && errno != EINTR)
			die(1, "epoll_wait: %s", strerror(errno));
		now_ms = net_now_ms();
		if (!stopping && ((end_ns != 0 && now_ns() >= end_ns) ||
		    (count != 0 && st.started >= count) ||
		    (max_to != 0 && st.timeouts >= max_to)))
			stopping = true;
		for (k = 0; k < n; k++) {
			struct unit	*u = &units[evs[k].data.u64 / 2];
			int		 w = (int)(evs[k].data.u64 % 2);
			ssize_t		 got;

			for (;;) {
				got = recv(u->net.fd[w], rbuf, sizeof(rbuf), 0);
				if (got < 0)
					break;
				if (w == 1) {
					if (got < 4 || rbuf[0] || rbuf[1] || rbuf[2] ||
					    rbuf[3])
						continue;	/* ESP, keepalive */
					on_recv(u, rbuf + 4, (size_t)got - 4, keep,
					    timeout_ms);
				} else
					on_recv(u, rbuf, (size_t)got, keep, timeout_ms);
				if (u->ph == PH_IDLE && !stopping &&
				    (count == 0 || st.started < count))
					begin(u, now_ms, timeout_ms);
			}
		}
		/* retransmissions and give-ups, every 10 ms */
		if (now_ms - last_tick >= 10 || n == 0) {
			last_tick = now_ms;
			active = 0;
			for (i = 0; i < conc; i++) {
				struct unit	*u = &units[i];

				if (u->ph == PH_HANDSHAKE || u->ph == PH_DELETE) {
					if (now_ms >= u->give_up_ms) {
						if (u->ph == PH_HANDSHAKE)
							st.timeouts++;
						else
							st.del_lost++;
						finish(u);
					} else if (now_ms >= u->resend_ms) {
						st.retrans++;
						send_last(u);
						u->rto = u->rto * 2 > RTO_MAX_MS ?
						    RTO_MAX_MS : u->rto * 2;
						u->resend_ms = now_ms + u->rto;
					}
				}
				if (u->ph == PH_IDLE && !stopping &&
				    (count == 0 || st.started < count))
					begin(u, now_ms, timeout_ms);
				if (u->ph == PH_HANDSHAKE || u->ph == PH_DELETE)
					active++;
			}
			if (stopping && active == 0)
				break;
		}
	}
	c1 = cpu_secs();
	elapsed = (double)(st.t_last_ns - st.t0_ns) / 1e9;
	qsort(st.lat, st.n_lat, sizeof(*st.lat), cmp_double);
	printf("flood established=%lu started=%lu failed=%lu timeouts=%lu "
	    "retransmits=%lu deleted=%lu delete_lost=%lu secs=%.3f rate=%.0f "
	    "p50_ms=%.2f p99_ms=%.2f cpu=%.3f", st.established, st.started,
	    st.failed, st.timeouts, st.retrans, st.deleted, st.del_lost, elapsed,
	    elapsed > 0 ? (double)st.established / elapsed : 0.0, pct(0.5),
	    pct(0.99), c1 - c0);
	if (st.first_err != IKE_OK)
		printf(" first_error=\"%s%s%s\"", ike_strerror(st.first_err),
		    st.first_notify ? " notify " : "", st.first_notify ?
		    (ikev2_notify_name(st.first_notify) ?
		    ikev2_notify_name(st.first_notify) : "?") : "");
	printf("\n");
	for (i = 0; i < conc; i++) {
		ike_sa_wipe(&units[i].sa);
		net_close(&units[i].net);
	}
	free(units);
	free(st.lat);
	psk_wipe(&psk);
	return 0;
}
