/* SPDX-License-Identifier: ISC */
/* The data path: TUN packets out as ESP in batches, ESP in to the TUN, and the timers and signals around them. */
#include <sys/inotify.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
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
};

static volatile sig_atomic_t	 stop_sig, hup_sig;

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
void
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
		pfd[7].fd = move_fd();
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
				move_follow(t, &pfd[1], &pfd[5]);
		}
		move_drain(&pfd[5], now);
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
