/* SPDX-License-Identifier: ISC */
/* ike-respond's datagrams in batches: up to RX_BATCH read with one recvmmsg, the answers to them queued and sent with one sendmmsg; under load two system calls per batch instead of two per message. */
#include <sys/socket.h>

#include <errno.h>
#include <string.h>

#include "base/log.h"
#include "respond.h"

struct rxq {
	struct mmsghdr		 m[RX_BATCH];
	struct iovec		 iov[RX_BATCH];
	struct sockaddr_storage	 from[RX_BATCH];
	uint8_t			 buf[RX_BATCH][XCHG_OUT_MAX + 4];
};

/* Answers are queued end to end in buf, so that the memory a round
 * touches follows the bytes it sends, not how many answers it has. */
struct txq {
	unsigned		 n;
	size_t			 used;		/* of buf */
	struct mmsghdr		 m[TX_BATCH];
	struct iovec		 iov[TX_BATCH];
	struct sockaddr_storage	 to[TX_BATCH];
	uint8_t			 buf[TX_BATCH * (XCHG_OUT_MAX + 4)];
};

static struct rxq	 rx;
static struct txq	 tx[2];		/* per socket: 500, 4500 */

int
dgram_read(struct srv *s, int i, dgram_fn *fn)
{
	static bool	 touched;
	int		 n, k;

	/* a datagram lands at the start of its slot: the first page of each
	 * is taken now, so that memory does not grow with the longest batch
	 * a burst brings (64 pages; a larger datagram takes more) */
	for (k = 0; !touched && k < RX_BATCH; k++)
		((volatile uint8_t *)rx.buf[k])[0] = 0;
	touched = true;
	for (k = 0; k < RX_BATCH; k++) {
		rx.iov[k] = (struct iovec){ rx.buf[k], sizeof(rx.buf[k]) };
		memset(&rx.m[k], 0, sizeof(rx.m[k]));
		rx.m[k].msg_hdr.msg_iov = &rx.iov[k];
		rx.m[k].msg_hdr.msg_iovlen = 1;
		rx.m[k].msg_hdr.msg_name = &rx.from[k];
		rx.m[k].msg_hdr.msg_namelen = sizeof(rx.from[k]);
	}
	/* MSG_TRUNC: msg_len is a datagram's length even when it did not fit */
	if ((n = recvmmsg(s->fd[i], rx.m, RX_BATCH, MSG_DONTWAIT | MSG_TRUNC,
	    NULL)) <= 0)
		return 0;
	for (k = 0; k < n; k++)
		fn(s, i, &rx.from[k], rx.buf[k], rx.m[k].msg_len);
	return n;
}

/* flush_one sends socket i's queue; a datagram the kernel refuses is
 * logged and skipped, as a failed sendto was. */
static void
flush_one(struct srv *s, int i)
{
	struct txq	*q = &tx[i];
	unsigned	 at = 0;
	int		 n;

	while (at < q->n) {
		n = sendmmsg(s->fd[i], q->m + at, q->n - at, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_debug("sendmmsg: %s", strerror(errno));
			n = 1;
		}
		at += (unsigned)n;
	}
	q->n = 0;
	q->used = 0;
}

void
dgram_flush(struct srv *s)
{
	flush_one(s, 0);
	flush_one(s, 1);
}

void
dgram_queue(struct srv *s, int i, const struct sockaddr_storage *to,
    socklen_t to_len, const uint8_t *msg, size_t len)
{
	struct txq	*q = &tx[i];
	size_t		 off = i == 1 ? 4 : 0;	/* non-ESP marker on 4500 */
	unsigned	 k;
	uint8_t		*p;

	if (len > XCHG_OUT_MAX)
		return;
	if (q->n == TX_BATCH || q->used + off + len > sizeof(q->buf))
		flush_one(s, i);
	k = q->n++;
	p = q->buf + q->used;
	q->used += off + len;
	memset(p, 0, off);
	memcpy(p + off, msg, len);
	memcpy(&q->to[k], to, to_len);
	q->iov[k] = (struct iovec){ p, len + off };
	memset(&q->m[k], 0, sizeof(q->m[k]));
	q->m[k].msg_hdr.msg_iov = &q->iov[k];
	q->m[k].msg_hdr.msg_iovlen = 1;
	q->m[k].msg_hdr.msg_name = &q->to[k];
	q->m[k].msg_hdr.msg_namelen = to_len;
}
