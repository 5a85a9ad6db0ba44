/* SPDX-License-Identifier: ISC */
/* The data path: TUN packets out as ESP in batches, ESP in to the TUN, and the timers and signals around them. */
#include <sys/inotify.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/udp.h>
#include <net/if.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "crypto/secret.h"
#include "exchange/mobike.h"
#include "io/net.h"
#include "rtnl.h"
#include "esptun.h"

enum {
	TICK_MS		= 250,
	IPPROTO_NONE_NH	= 59,		/* a dummy packet (RFC 4303 2.6) */
	ESP_OVERHEAD_MAX = ESP_SPI_SEQ_LEN + ESP_IV_MAX_LEN + 15 +
	    ESP_TRAILER_LEN + 32,	/* header, IV, padding, trailer, ICV */
	GSO_SEGS_MAX	= 64,		/* datagrams per UDP_SEGMENT send */
	GSO_BYTES_MAX	= 65000,	/* and their bytes, under 64 KiB */
	MOVE_DRAIN_MS	= 10000,	/* the socket moved from still takes
					 * what the peer sends there */
};

static volatile sig_atomic_t	 stop_sig, hup_sig;
static int64_t			 moved_ms;	/* of the last MOBIKE move */

/* Packets to send: runs of equal-sized ESP packets, each one message
 * that UDP GSO cuts into datagrams (RFC 3948 over UDP_SEGMENT), or one
 * packet per message without it. One sendmmsg sends them all. */
struct txq {
	uint8_t		*buf;
	size_t		 cap, used;
	struct mmsghdr	 msg[BATCH];
	struct iovec	 iov[BATCH];
	union {
		char		 b[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr	 align;
	}		 ctl[BATCH];
	unsigned	 n;		/* messages */
	size_t		 seg;		/* the open run's datagram size */
	unsigned	 segs;		/* and how many it holds */
	bool		 open, gso;
};

/* Received datagrams: with UDP GRO one buffer may hold several of one size. */
struct rxq {
	uint8_t		*buf;
	size_t		 slot;
	struct mmsghdr	 msg[BATCH];
	struct iovec	 iov[BATCH];
	union {
		char		 b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	 align;
	}		 ctl[BATCH];
};

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		hup_sig = 1;
	else
		stop_sig = sig;
}

static void
signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
}

static bool
txq_init(struct txq *q, size_t cap, bool gso)
{
	memset(q, 0, sizeof(*q));
	q->cap = cap;
	q->gso = gso;
	return (q->buf = malloc(cap)) != NULL;
}

static bool
rxq_init(struct rxq *q, size_t slot)
{
	memset(q, 0, sizeof(*q));
	q->slot = slot;
	return (q->buf = malloc(BATCH * slot)) != NULL;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

#ifndef ESPTUN_NULL
static size_t
sealed_len(const struct child *c, size_t len)
{
	return esp_sealed_len(&c->out, len);
}

static enum ike_err
seal(struct child *c, uint8_t nh, const uint8_t *in, size_t len, uint8_t *out,
    size_t cap, size_t *out_len)
{
	return esp_seal(&c->out, c->seq, nh, in, len, out, cap, out_len);
}

static enum ike_err
unseal(struct child *c, uint64_t seq, uint8_t *pkt, size_t len,
    uint8_t **inner, size_t *inner_len, uint8_t *nh)
{
	*inner = pkt + ESP_SPI_SEQ_LEN + c->in.iv_len;
	return esp_open(&c->in, pkt, len, (uint32_t)(seq >> 32), *inner,
	    len - ESP_SPI_SEQ_LEN - c->in.iv_len, inner_len, nh);
}
#else
/* The null tunnel of the benchmarks: ESP framing, no crypto, same I/O. */
static size_t
sealed_len(const struct child *c, size_t len)
{
	(void)c;
	return ESP_SPI_SEQ_LEN + len + 2;
}

static enum ike_err
seal(struct child *c, uint8_t nh, const uint8_t *in, size_t len, uint8_t *out,
    size_t cap, size_t *out_len)
{
	size_t	 total = ESP_SPI_SEQ_LEN + len + 2;

	if (total > cap)
		return IKE_ETOOBIG;
	memmove(out + ESP_SPI_SEQ_LEN, in, len);
	out[0] = (uint8_t)(c->spi_out >> 24);
	out[1] = (uint8_t)(c->spi_out >> 16);
	out[2] = (uint8_t)(c->spi_out >> 8);
	out[3] = (uint8_t)c->spi_out;
	out[4] = (uint8_t)(c->seq >> 24);
	out[5] = (uint8_t)(c->seq >> 16);
	out[6] = (uint8_t)(c->seq >> 8);
	out[7] = (uint8_t)c->seq;
	out[total - 2] = 0;
	out[total - 1] = nh;
	*out_len = total;
	return IKE_OK;
}

static enum ike_err
unseal(struct child *c, uint64_t seq, uint8_t *pkt, size_t len,
    uint8_t **inner, size_t *inner_len, uint8_t *nh)
{
	(void)c;
	(void)seq;
	if (len < ESP_SPI_SEQ_LEN + 2)
		return IKE_ETRUNC;
	*inner = pkt + ESP_SPI_SEQ_LEN;
	*inner_len = len - ESP_SPI_SEQ_LEN - 2;
	*nh = pkt[len - 1];
	return IKE_OK;
}
#endif

/* flush sends q on fd; what the socket refuses is lost, as on a congested
 * link (the inner TCP retransmits). */
static void
flush(struct tunnel *t, int fd, struct txq *q)
{
	unsigned	 done = 0;
	int		 r;

	while (done < q->n) {
		r = sendmmsg(fd, q->msg + done, q->n - done, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EIO && q->gso) {
				/* no GSO on this path (RFC 3948 keeps working
				 * one datagram at a time) */
				log_debug("%s: UDP GSO refused: off", t->name);
				q->gso = false;
			}
			/* ICMP errors of earlier packets come back here on a
			 * connected socket: the message at hand is gone */
			log_debug("%s: send: %s", t->name, strerror(errno));
			done++;
			continue;
		}
		done += (unsigned)r;
	}
	if (q->n > 0)
		t->last_sent_ms = net_now_ms();
	q->n = 0;
	q->used = 0;
	q->open = false;
}

/* close_run ends q's open message, telling GSO its datagram size. */
static void
close_run(struct txq *q)
{
	struct msghdr	*mh = &q->msg[q->n - 1].msg_hdr;
	struct cmsghdr	*cm;

	q->open = false;
	if (q->segs < 2)
		return;
	mh->msg_control = q->ctl[q->n - 1].b;
	mh->msg_controllen = sizeof(q->ctl[q->n - 1].b);
	cm = CMSG_FIRSTHDR(mh);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	memcpy(CMSG_DATA(cm), &(uint16_t){ (uint16_t)q->seg }, sizeof(uint16_t));
}

/* place returns where in q a packet of len bytes goes, flushing q on fd
 * when it is full. A run grows while the packets have its size; a shorter
 * one ends it (GSO: only the last datagram may be shorter). */
static uint8_t *
place(struct tunnel *t, int fd, struct txq *q, size_t len)
{
	struct msghdr	*mh;
	uint8_t		*p;

	if (q->open && len <= q->seg && q->segs < GSO_SEGS_MAX &&
	    q->iov[q->n - 1].iov_len + len <= GSO_BYTES_MAX) {
		p = q->buf + q->used;
		q->iov[q->n - 1].iov_len += len;
		q->segs++;
		if (len < q->seg)
			close_run(q);
	} else {
		if (q->open)
			close_run(q);
		if (q->n == BATCH || q->used + len > q->cap)
			flush(t, fd, q);
		p = q->buf + q->used;
		q->iov[q->n] = (struct iovec){ p, len };
		mh = &q->msg[q->n].msg_hdr;
		memset(mh, 0, sizeof(*mh));
		mh->msg_iov = &q->iov[q->n];
		mh->msg_iovlen = 1;
		q->n++;
		q->seg = len;
		q->segs = 1;
		q->open = q->gso;
	}
	q->used += len;
	return p;
}

static void
send_all(struct tunnel *t, int fd, struct txq *q)
{
	if (q->open)
		close_run(q);
	flush(t, fd, q);
}

/* outbound reads up to BATCH packets from the TUN, seals each with the
 * Child SA its selectors pick and sends them in one or two batches. */
static void
outbound(struct tunnel *t, uint8_t *in, size_t in_cap, struct txq *udp,
    struct txq *raw)
{
	struct child	*c;
	uint8_t		*out;
	size_t		 out_len, len;
	ssize_t		 n;
	unsigned	 i;
	uint64_t	 max;

	for (i = 0; i < BATCH; i++) {
		n = read(t->tun_fd, in, in_cap);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("%s: read: %s", t->dev, strerror(errno));
			break;
		}
		if ((c = policy_out(t, in, (size_t)n)) == NULL) {
			/* never in clear (RFC 4301 5.1); counted on the newest */
			if (t->n_child > 0)
				t->child[t->n_child - 1]->cnt.drop_nosa++;
			continue;
		}
		if (c->expiry == HARD_EXPIRED) {
			c->cnt.drop_expired++;
			continue;
		}
		/* RFC 4303 3.3.3: a sequence number never comes twice */
		max = c->esn ? UINT64_MAX : UINT32_MAX;
		/* numbers not yet reserved: reserve, unless the lock is
		 * busy (then drop, as a congested link would) */
		if (c->seq == max ||
		    (c->seq + 1 >= c->seq_saved && (!stats_save(t, false) ||
		    c->seq + 1 >= c->seq_saved))) {
			c->cnt.drop_seq++;
			continue;
		}
		c->seq++;
		len = sealed_len(c, (size_t)n);
		out = c->encap ? place(t, t->udp_fd, udp, len) :
		    place(t, t->raw_fd, raw, len);
		if (seal(c, (in[0] >> 4) == 6 ? IPPROTO_IPV6 : IPPROTO_IPIP,
		    in, (size_t)n, out, len, &out_len) != IKE_OK) {
			/* cannot happen with the length from sealed_len */
			c->cnt.drop_malformed++;
			continue;
		}
		c->cnt.out_packets++;
		c->cnt.out_bytes += (uint64_t)n;
	}
	send_all(t, t->udp_fd, udp);
	if (t->raw_fd >= 0)
		send_all(t, t->raw_fd, raw);
}

/* esp_in checks and decrypts one ESP packet and writes it to the TUN. */
static void
esp_in(struct tunnel *t, uint8_t *pkt, size_t len)
{
	struct child	*c;
	uint8_t		*inner, nh;
	size_t		 inner_len;
	uint64_t	 seq;
	enum ike_err	 e;

	if (len < ESP_SPI_SEQ_LEN) {
		if (t->n_child > 0)
			t->child[0]->cnt.drop_malformed++;
		return;
	}
	if ((c = child_by_spi(t, be32(pkt))) == NULL) {
		if (t->n_child > 0)
			t->child[0]->cnt.drop_spi++;
		return;
	}
	if (c->expiry == HARD_EXPIRED) {
		c->cnt.drop_expired++;
		return;
	}
	/* the window first: a replay costs no decryption */
	if (replay_check(&c->win, be32(pkt + 4), &seq) != REPLAY_OK) {
		c->cnt.drop_replay++;
		return;
	}
	if ((e = unseal(c, seq, pkt, len, &inner, &inner_len, &nh)) != IKE_OK) {
		if (e == IKE_EINTEG)
			c->cnt.drop_integ++;
		else
			c->cnt.drop_malformed++;
		return;
	}
	if (replay_update(&c->win, seq) != REPLAY_OK) {
		c->cnt.drop_replay++;
		return;
	}
	c->warm = true;		/* the peer sends on it: it has it */
	t->last_rx_ms = t->now_ms;
	if (nh == IPPROTO_NONE_NH)
		return;
	if ((nh != IPPROTO_IPIP && nh != IPPROTO_IPV6) ||
	    (inner_len > 0 && (inner[0] >> 4) != (nh == IPPROTO_IPIP ? 4 : 6))) {
		c->cnt.drop_malformed++;
		return;
	}
	/* RFC 4301 5.2: what the SA carries must fit its selectors */
	if (!policy_in(c, inner, inner_len)) {
		c->cnt.drop_policy++;
		return;
	}
	if (write(t->tun_fd, inner, inner_len) < 0) {
		log_debug("%s: write: %s", t->dev, strerror(errno));
		return;
	}
	c->cnt.in_packets++;
	c->cnt.in_bytes += inner_len;
}

/* rx_arm makes q's messages ready for recvmmsg. */
static void
rx_arm(struct rxq *q)
{
	struct msghdr	*mh;
	int		 i;

	for (i = 0; i < BATCH; i++) {
		q->iov[i] = (struct iovec){ q->buf + (size_t)i * q->slot, q->slot };
		mh = &q->msg[i].msg_hdr;
		memset(mh, 0, sizeof(*mh));
		mh->msg_iov = &q->iov[i];
		mh->msg_iovlen = 1;
		mh->msg_control = q->ctl[i].b;
		mh->msg_controllen = sizeof(q->ctl[i].b);
	}
}

/* gro_size returns the datagram size UDP GRO joined message i with, or
 * its whole length. */
static size_t
gro_size(struct rxq *q, int i)
{
	struct msghdr	*mh = &q->msg[i].msg_hdr;
	struct cmsghdr	*cm;
	int		 size;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm))
		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
			memcpy(&size, CMSG_DATA(cm), sizeof(size));
			if (size > 0)
				return (size_t)size;
		}
	return q->msg[i].msg_len;
}

/* datagram handles one datagram of the SA's UDP socket: ESP, IKE behind
 * the non-ESP marker, a keepalive. True when the peer deleted the IKE SA. */
static bool
datagram(struct tunnel *t, uint8_t *p, size_t len)
{
	if (t->lport == 500 || t->rport == 500)
		return ike_answer(t, p, len);
	if (len == 1 && p[0] == 0xff)
		return false;		/* NAT keepalive (RFC 3948 2.3) */
	if (len >= 4 && be32(p) == 0)
		return ike_answer(t, p + 4, len - 4);
	esp_in(t, p, len);
	return false;
}

/* inbound_udp receives a batch on the SA's UDP socket fd (or the one it
 * moved from). True when the peer deleted the IKE SA. */
static bool
inbound_udp(struct tunnel *t, int fd, struct rxq *q)
{
	uint8_t		*p;
	size_t		 len, seg, at;
	int		 n, i;

	rx_arm(q);
	if ((n = recvmmsg(fd, q->msg, BATCH, MSG_DONTWAIT, NULL)) <= 0) {
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			log_debug("%s: receive: %s", t->name, strerror(errno));
		return false;
	}
	for (i = 0; i < n; i++) {
		p = q->iov[i].iov_base;
		len = q->msg[i].msg_len;
		seg = gro_size(q, i);
		for (at = 0; at < len; at += seg)
			if (datagram(t, p + at, len - at < seg ? len - at : seg))
				return true;
	}
	return false;
}

/* inbound_raw receives a batch of IP protocol 50 packets. */
static void
inbound_raw(struct tunnel *t, struct rxq *q)
{
	uint8_t		*p;
	size_t		 len, hl;
	int		 n, i;

	rx_arm(q);
	if ((n = recvmmsg(t->raw_fd, q->msg, BATCH, MSG_DONTWAIT, NULL)) <= 0)
		return;
	for (i = 0; i < n; i++) {
		p = q->iov[i].iov_base;
		len = q->msg[i].msg_len;
		/* IPv4 raw sockets hand over the IP header, IPv6 ones do not */
		if (t->af == AF_INET) {
			hl = len > 0 ? (size_t)(p[0] & 0x0f) * 4 : 0;
			if (hl < 20 || hl > len)
				continue;
			p += hl;
			len -= hl;
		}
		esp_in(t, p, len);
	}
}

/* changed reads the inotify events of the SA directory; true when the SA
 * itself left the state directory. */
static bool
changed(struct tunnel *t, bool *reload)
{
	char				 buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event	*ev;
	ssize_t				 n;
	size_t				 at, len;

	while ((n = read(t->ino_fd, buf, sizeof(buf))) > 0)
		for (at = 0; at < (size_t)n; at += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(void *)(buf + at);
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
				return true;
			if (ev->mask & IN_Q_OVERFLOW) {
				*reload = true;	/* events lost: read it all */
				continue;
			}
			len = ev->len > 0 ? strlen(ev->name) : 0;
			if (len > 3 && strcmp(ev->name + len - 3, ".sa") == 0) {
				if (strcmp(ev->name, "ike.sa") == 0 &&
				    (ev->mask & (IN_DELETE | IN_MOVED_FROM)))
					return true;
				*reload = true;
			}
		}
	return false;
}

/* moved prints the event of a move: the endpoints t->ikf now has. */
static void
moved(const struct tunnel *t)
{
	if (t->o.json) {
		printf("{\"event\":\"moved\",\"name\":\"%s\",\"local\":"
		    "\"%s\",\"remote\":\"%s\"}\n", t->name, t->ikf.local,
		    t->ikf.remote);
		fflush(stdout);
	} else
		log_warn("%s: moved: %s <-> %s", t->name, t->ikf.local,
		    t->ikf.remote);
}

/* follow moves the SA's UDP socket where ike.sa now says the IKE SA is:
 * ike-rekey --move-to, or the peer's move (RFC 4555), recorded by whoever
 * ran the exchange. The Child SAs, counters and sequence numbers stay. */
static void
follow(struct tunnel *t, struct pollfd *udp, struct pollfd *old)
{
	struct sd_lock		 l;
	struct ike_sa		 sa;
	struct ike_sa_file	 f;
	uint8_t			 local[16], remote[16];
	uint16_t		 lport, rport;
	char			 err[512];
	int			 af = 0, af2 = 0;
	bool			 hp;

	if (sd_lock_sa_timeout(&t->sd, t->name, false, 0, &l) != IKE_OK) {
		t->reload_pending = true;	/* busy: the next round */
		return;
	}
	if (ike_sa_load(&l, &sa, &f, err, sizeof(err)) != IKE_OK) {
		sd_unlock(&l);
		log_debug("%s", err);
		return;
	}
	sd_unlock(&l);
	ike_sa_wipe(&sa);
	memset(local, 0, sizeof(local));
	memset(remote, 0, sizeof(remote));
	if (!net_parse_hostport(f.local, &af, local, &lport, &hp) || !hp ||
	    !net_parse_hostport(f.remote, &af2, remote, &rport, &hp) || !hp ||
	    af != af2)
		return;
	if (af == t->af && lport == t->lport && rport == t->rport &&
	    ct_eq(local, t->local, sizeof(local)) &&
	    ct_eq(remote, t->remote, sizeof(remote)))
		return;
	if (t->raw_fd >= 0)
		log_warn("%s: moving: ESP in IP protocol 50 stays on the old "
		    "addresses (no UDP encapsulation)", t->name);
	if (old->fd >= 0)
		close(old->fd);
	/* the old socket still takes, for a while, what the peer sent
	 * before it switched (or, as kernel-libipsec does, until it has
	 * rekeyed the Child SA for the new addresses) */
	if ((old->fd = sockets_move(t, af, local, lport, remote, rport)) < 0)
		return;
	moved_ms = t->now_ms;
	udp->fd = t->udp_fd;
	t->ikf.nat = f.nat;
	memcpy(t->ikf.local, f.local, sizeof(t->ikf.local));
	memcpy(t->ikf.remote, f.remote, sizeof(t->ikf.remote));
	moved(t);
}

/* path_mobike answers the peer's MOBIKE request in (RFC 4555) under l:
 * true when it was one, answered into w with *e the result; false for an
 * ordinary INFORMATIONAL. Our socket is connected, so the request came
 * from the peer's endpoint in ike.sa: an UPDATE_SA_ADDRESSES from there
 * changes at most the NAT state, recorded once it verified. A peer that
 * moves to another address reaches ike-respond's socket instead. */
bool
path_mobike(struct tunnel *t, struct sd_lock *l, struct rd in, struct wr *w,
    enum ike_err *e)
{
	struct mobike_path	 p;
	struct mobike_req	 r;
	size_t			 i;
	bool			 encap = false, nat;

	if (!t->ike.mobike)
		return false;
	for (i = 0; i < t->n_child; i++)
		encap |= t->child[i]->encap;
	memset(&p, 0, sizeof(p));
	p.af = t->af;
	memcpy(p.local, t->local, sizeof(p.local));
	memcpy(p.remote, t->remote, sizeof(p.remote));
	p.lport = t->lport;
	p.rport = t->rport;
	/* UDP-encapsulated Child SAs stay so: the peer must see a NAT */
	*e = mobike_respond(&t->ike, in, &p, encap, w, &r);
	if (*e == IKE_OK && !r.mobike)
		return false;
	if (*e != IKE_OK || !r.update)
		return true;
	nat = r.nat_local || r.nat_remote;
	log_debug("%s: UPDATE_SA_ADDRESSES from %s, NAT %s", t->name,
	    t->ikf.remote, nat ? "yes" : "no");
	if (nat != t->ikf.nat && mobike_record(l, &p, nat, NULL) != IKE_OK)
		log_warn("%s/ike.sa: %s", t->name, strerror(errno));
	else
		t->ikf.nat = nat;
	return true;
}

static void
keepalive(struct tunnel *t, int64_t now)
{
	static const uint8_t	 ka = 0xff;
	size_t			 i;
	bool			 encap = false;

	for (i = 0; i < t->n_child; i++)
		encap |= t->child[i]->encap;
	if (!encap || !t->ikf.nat || t->o.keepalive == 0 ||
	    now - t->last_sent_ms < (int64_t)t->o.keepalive * 1000)
		return;
	if (send(t->udp_fd, &ka, 1, 0) < 0)
		log_debug("%s: keepalive: %s", t->name, strerror(errno));
	t->last_sent_ms = now;
}

/*
 * Our own move (RFC 4555 3.5) when the address the IKE SA is on goes away
 * (rtnetlink tells): UPDATE_SA_ADDRESSES from a socket on the address the
 * kernel would now use toward the peer, journaled and under .ike-rekey as
 * every request of ours; answered, ike.sa is updated and that socket
 * becomes the SA's. Unanswered it is sent again, at most every 8 s.
 */
static struct mover {
	int		 fd;		/* on the new address: a move out */
	int		 hold;		/* .ike-rekey while it is */
	bool		 lost;		/* the IKE SA's address is gone */
	int		 rto;
	int64_t		 next_ms, retry_ms;
	struct mobike_update u;
	struct pending	 p;
} mv = { .fd = -1, .hold = -1 };

/* The address to move to: the kernel's source toward the peer, else the
 * first address of the family on no loopback and not on our TUN device. */
struct pick {
	int		 skip[2];
	const uint8_t	*old;
	size_t		 alen;
	uint8_t		 addr[16];
};

static int
pick_one(int ifindex, const uint8_t *addr, int prefixlen, void *arg)
{
	struct pick	*k = arg;

	(void)prefixlen;
	if (ifindex == k->skip[0] || ifindex == k->skip[1] ||
	    ct_eq(addr, k->old, k->alen))
		return 0;
	memcpy(k->addr, addr, k->alen);
	return 1;
}

static bool
pick_addr(struct tunnel *t, uint8_t out[16])
{
	static const uint8_t	 zero[16];
	struct pick		 k;
	uint8_t			 src[16];
	int			 oif = 0;

	memset(&k, 0, sizeof(k));
	memset(src, 0, sizeof(src));
	k.skip[0] = (int)if_nametoindex(t->dev);
	k.skip[1] = (int)if_nametoindex("lo");
	k.old = t->local;
	k.alen = t->af == AF_INET ? 4 : 16;
	if (rtnl_route_get(t->af, t->remote, NULL, NULL, &oif, src) == 0 &&
	    oif != k.skip[0] && !ct_eq(src, zero, k.alen) &&
	    !ct_eq(src, t->local, k.alen)) {
		memset(out, 0, 16);
		memcpy(out, src, k.alen);
		return true;
	}
	if (rtnl_addr_each(t->af, pick_one, &k) != 1)
		return false;
	memset(out, 0, 16);
	memcpy(out, k.addr, k.alen);
	return true;
}

static void
move_send(struct tunnel *t)
{
	static const uint8_t	 marker[4];
	struct iovec		 iov[2] = {
		{ (void *)marker, sizeof(marker) }, { mv.p.req, mv.p.len } };
	struct msghdr		 mh;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	if (sendmsg(mv.fd, &mh, 0) < 0)
		log_debug("%s: moving: send: %s", t->name, strerror(errno));
}

static void
move_release(void)
{
	if (mv.fd >= 0)
		close(mv.fd);
	if (mv.hold >= 0)
		close(mv.hold);
	mv.fd = mv.hold = -1;
}

/* move_start sends UPDATE_SA_ADDRESSES from another address, if there is
 * one and the SA is free for our request (else a later round tries). */
static void
move_start(struct tunnel *t, int64_t now)
{
	struct sd_lock		 l;
	struct ike_sa		 sa;
	struct ike_sa_file	 f;
	struct pending		 left;
	uint8_t			 addr[16], req[XCHG_OUT_MAX];
	struct wr		 w = wr_init(req, sizeof(req));
	char			 err[512], a[64];
	size_t			 i;
	bool			 ok = false, stale;

	mv.retry_ms = now + 2000;
	if (mv.fd >= 0 || t->dpd.out || !pick_addr(t, addr))
		return;
	if (sd_lock_sa_timeout(&t->sd, t->name, false, 0, &l) != IKE_OK)
		return;
	if ((mv.hold = sd_hold(l.dirfd, ".ike-rekey", 0)) < 0 ||
	    ike_sa_load(&l, &sa, &f, err, sizeof(err)) != IKE_OK)
		goto out;
	if (sa.ispi != t->ike.ispi || sa.rspi != t->ike.rspi) {
		ike_sa_wipe(&sa);
		ike_follow(t, &l);	/* rekeyed: the next round */
		goto out;
	}
	t->ike.msgid = sa.msgid;
	t->ike.peer_msgid = sa.peer_msgid;
	ike_sa_wipe(&sa);
	/* an earlier program's request first (dpd.c sends it again) */
	if (pending_load(&l, &t->ike, &left, &stale, err, sizeof(err)) !=
	    IKE_OK || left.what != PENDING_NONE)
		goto out;
	memset(&mv.u, 0, sizeof(mv.u));
	mv.u.path.af = t->af;
	memcpy(mv.u.path.local, addr, sizeof(mv.u.path.local));
	memcpy(mv.u.path.remote, t->remote, sizeof(mv.u.path.remote));
	mv.u.path.lport = 4500;
	mv.u.path.rport = t->rport == 500 ? 4500 : t->rport;
	for (i = 0; i < t->n_child; i++)
		mv.u.fake_natd |= t->child[i]->encap;
	if ((mv.fd = sockets_bound(t, t->af, addr, mv.u.path.lport,
	    t->remote, mv.u.path.rport)) < 0 ||
	    mobike_update_create(&t->ike, &mv.u, &w) != IKE_OK ||
	    !pending_set(&mv.p, PENDING_CHECK, mv.u.msgid, 0, req, w.len))
		goto out;
	if (pending_save(&l, &mv.p) != IKE_OK) {
		log_warn("%s/ike.sa: %s", t->name, strerror(errno));
		goto out;
	}
	ok = true;
out:
	sd_unlock(&l);
	wipe(req, sizeof(req));
	if (!ok) {
		move_release();
		return;
	}
	net_format_hostport(t->af, addr, mv.u.path.lport, true, a, sizeof(a));
	log_debug("%s: our address is gone: UPDATE_SA_ADDRESSES %u from %s",
	    t->name, mv.u.msgid, a);
	move_send(t);
	mv.rto = 500;
	mv.next_ms = now + mv.rto;
}

/* move_done takes the answer's result e: the new path recorded, its
 * socket the SA's (the old one to pfd old, still taking what comes), or
 * the journal dropped and another try later. */
static void
move_done(struct tunnel *t, enum ike_err e, struct pollfd *udp,
    struct pollfd *old)
{
	struct sd_lock	 l;
	struct kvbuf	 b;
	bool		 nat = mv.u.nat_local || mv.u.nat_remote;
	int		 fd;

	if (sd_lock_sa_timeout(&t->sd, t->name, false, 2000, &l) != IKE_OK) {
		log_warn("%s: moving: %s", t->name, strerror(errno));
		move_release();
		return;
	}
	if (e == IKE_OK && mobike_record(&l, &mv.u.path, nat, pending_keys) ==
	    IKE_OK) {
		fd = sockets_adopt(t, mv.fd, mv.u.path.af, mv.u.path.local,
		    mv.u.path.lport, mv.u.path.remote, mv.u.path.rport);
		mv.fd = -1;
		if (old->fd >= 0)
			close(old->fd);
		old->fd = fd;
		udp->fd = t->udp_fd;
		moved_ms = t->now_ms;
		t->ikf.nat = nat;
		net_format_hostport(t->af, t->local, t->lport, true,
		    t->ikf.local, sizeof(t->ikf.local));
		net_format_hostport(t->af, t->remote, t->rport, true,
		    t->ikf.remote, sizeof(t->ikf.remote));
		mv.lost = false;
		moved(t);
	} else {
		if (e == IKE_OK)
			log_warn("%s/ike.sa: %s", t->name, strerror(errno));
		else
			log_warn("%s: moving: UPDATE_SA_ADDRESSES: %s", t->name,
			    e == IKE_EREFUSED ? "refused by the peer" :
			    e == IKE_EPROTO ? "the answer does not echo our "
			    "COOKIE2" : ike_strerror(e));
		kv_init(&b);
		(void)sd_update(&l, "ike.sa", &b, pending_keys);
	}
	sd_unlock(&l);
	move_release();
}

/* move_input reads the socket on the new address: the answer, or the
 * peer's ESP that already comes there. */
static void
move_input(struct tunnel *t, struct pollfd *udp, struct pollfd *old)
{
	uint8_t		 buf[XCHG_OUT_MAX + 64];
	ssize_t		 n;
	enum ike_err	 e;

	while (mv.fd >= 0 && (n = recv(mv.fd, buf, sizeof(buf),
	    MSG_DONTWAIT)) > 0) {
		if (n == 1 && buf[0] == 0xff)
			continue;
		if (n < 4 || be32(buf) != 0) {
			esp_in(t, buf, (size_t)n);
			continue;
		}
		e = mobike_update_consume(&t->ike, &mv.u, rd_init(buf + 4,
		    (size_t)n - 4));
		if (e != IKE_ESYNTAX && e != IKE_EINTEG)
			move_done(t, e, udp, old);
	}
}

/* move_watch reads rtnetlink's news: our address gone starts a move; an
 * address coming (or a retry due) tries again while it is gone. */
static void
move_watch(struct tunnel *t, int fd, bool readable, int64_t now)
{
	bool	 added = false;

	if (readable && rtnl_watch_read(fd, t->af, t->local, &added) == 1 &&
	    t->ike.mobike && !mv.lost) {
		mv.lost = true;
		log_debug("%s: %s is gone", t->name, t->ikf.local);
		move_start(t, now);
		return;
	}
	if (mv.lost && mv.fd < 0 && (added || now >= mv.retry_ms))
		move_start(t, now);
	if (mv.fd >= 0 && now >= mv.next_ms) {
		move_send(t);
		mv.rto = mv.rto * 2 < 8000 ? mv.rto * 2 : 8000;
		mv.next_ms = now + mv.rto;
	}
}

int
path_run(struct tunnel *t)
{
	struct txq	 udp, raw;
	struct rxq	 rx;
	struct pollfd	 pfd[8];
	uint8_t		*in;
	int64_t		 now, next_stats;
	size_t		 in_cap = (size_t)t->o.mtu;
	size_t		 slot = (size_t)t->o.mtu + ESP_OVERHEAD_MAX;
	bool		 gone = false, deleted = false, reload;
	int		 status = EXIT_OK;

	signals();
	/* with GRO one receive may hold up to 64 KiB of datagrams */
	if (!txq_init(&udp, BATCH * slot, t->offload) ||
	    !txq_init(&raw, BATCH * slot, false) ||
	    !rxq_init(&rx, t->offload ? GSO_BYTES_MAX + 1024 : slot + 64) ||
	    (in = malloc(in_cap)) == NULL)
		die(EXIT_LOCAL, "memory: %s", strerror(errno));
	t->running = true;
	t->last_sent_ms = t->last_rx_ms = t->now_ms = now = net_now_ms();
	next_stats = now + (int64_t)t->o.stats_secs * 1000;
	pfd[0] = (struct pollfd){ t->tun_fd, POLLIN, 0 };
	pfd[1] = (struct pollfd){ t->udp_fd, POLLIN, 0 };
	pfd[2] = (struct pollfd){ t->raw_fd, POLLIN, 0 };
	pfd[3] = (struct pollfd){ t->ino_fd, POLLIN, 0 };
	pfd[4] = (struct pollfd){ t->ctl_fd, POLLIN, 0 };
	pfd[5] = (struct pollfd){ -1, POLLIN, 0 };	/* the socket moved from */
	/* addresses coming and going, for our own moves (MOBIKE) */
	pfd[6] = (struct pollfd){ t->ike.mobike ? rtnl_watch_open() : -1,
	    POLLIN, 0 };
	pfd[7] = (struct pollfd){ -1, POLLIN, 0 };	/* a move's socket */
	while (stop_sig == 0 && !gone) {
		pfd[7].fd = mv.fd;
		if (poll(pfd, 8, TICK_MS) < 0 && errno != EINTR)
			die(EXIT_LOCAL, "poll: %s", strerror(errno));
		if (pfd[0].revents & POLLIN)
			outbound(t, in, in_cap, &udp, &raw);
		/* a receive also clears a socket's pending ICMP error, which
		 * would keep poll waking us (POLLERR) */
		if (pfd[1].revents & (POLLIN | POLLERR))
			gone = deleted = inbound_udp(t, t->udp_fd, &rx);
		if (pfd[5].revents & (POLLIN | POLLERR))
			gone = deleted = inbound_udp(t, pfd[5].fd, &rx);
		if (pfd[7].revents & (POLLIN | POLLERR))
			move_input(t, &pfd[1], &pfd[5]);
		if (pfd[6].fd >= 0)
			move_watch(t, pfd[6].fd, pfd[6].revents & POLLIN,
			    net_now_ms());
		if (pfd[2].revents & (POLLIN | POLLERR))
			inbound_raw(t, &rx);
		if (pfd[4].revents & POLLIN)
			ike_relay(t);
		reload = hup_sig != 0;
		hup_sig = 0;
		if (!gone && (pfd[3].revents & POLLIN) && changed(t, &reload)) {
			event(t, "deleted", NULL);
			gone = deleted = true;
		}
		if (!gone && (reload || t->reload_pending)) {
			if (children_reload(t))
				(void)stats_save(t, false); /* reserve for new ones */
			if (!t->reload_pending)
				follow(t, &pfd[1], &pfd[5]);	/* MOBIKE */
		}
		if (pfd[5].fd >= 0 && now >= moved_ms + MOVE_DRAIN_MS) {
			close(pfd[5].fd);
			pfd[5].fd = -1;
		}
		if (!gone && children_drained(t) == 0) {
			log_debug("%s: no Child SA left", t->name);
			gone = true;
		}
		t->now_ms = now = net_now_ms();
		if (!gone && dpd_tick(t, now)) {
			event(t, "dead", NULL);
			if (sd_remove_sa(&t->sd, t->name) != IKE_OK)
				log_warn("%s: removing the SA: %s", t->name,
				    strerror(errno));
			gone = deleted = true;
			status = EXIT_TIMEOUT;
		}
		lifetimes_check(t, now);
		keepalive(t, now);
		if (now >= next_stats) {
			(void)stats_save(t, false);
			next_stats = now + (int64_t)t->o.stats_secs * 1000;
		}
	}
	if (stop_sig != 0)
		log_debug("%s: signal %d: stopping", t->name, (int)stop_sig);
	if (!deleted && t->n_child > 0 && !stats_save(t, true))
		status = EXIT_LOCAL;
	move_release();
	if (pfd[6].fd >= 0)
		close(pfd[6].fd);
	if (pfd[5].fd >= 0)
		close(pfd[5].fd);
	free(udp.buf);
	free(raw.buf);
	free(rx.buf);
	free(in);
	return status;
}
