/* SPDX-License-Identifier: ISC */
/* Dead peer detection (RFC 7296 2.4): a liveness check after --dpd-delay without a word from the peer; no answer within --dpd-timeout and the SA is gone. */
#include <errno.h>
#include <string.h>

#include "base/log.h"
#include "codec/hdr.h"
#include "crypto/secret.h"
#include "exchange/record.h"
#include "io/net.h"
#include "names/ikev2.h"
#include "esptun.h"

enum {
	RTO_FIRST_MS	= 500,
	RTO_MAX_MS	= 8000,
};

/* start makes and sends the liveness check, its message ID recorded
 * first; false when it cannot now (the next round tries again). */
static bool
start(struct tunnel *t, int64_t now)
{
	struct dpd	*d = &t->dpd;
	struct sd_lock	 l;
	struct ike_sa	 fresh;
	struct ike_sa_file f;
	struct wr	 w = wr_init(d->req, sizeof(d->req));
	struct kvbuf	 b;
	char		 err[256];
	uint32_t	*own;
	bool		 ok = false;

	if (sd_lock_sa_timeout(&t->sd, t->name, false, 0, &l) != IKE_OK)
		return false;
	/* one request at a time (RFC 7296 2.3, a window of one): none
	 * while an ike-rekey has one out */
	if (sd_held(l.dirfd, ".ike-rekey") ||
	    ike_sa_load(&l, &fresh, &f, err, sizeof(err)) != IKE_OK)
		goto out;
	t->ike.msgid = fresh.msgid;
	t->ike.peer_msgid = fresh.peer_msgid;
	ike_sa_wipe(&fresh);
	own = ike_sa_own_msgid(&t->ike);
	if (info_create(&t->ike, false, &w) != IKE_OK)
		goto out;
	d->msgid = *own;
	(*own)++;			/* recorded as used, then taken back for */
	kv_init(&b);			/* info_consume, which moves it */
	msgid_record(&b, &t->ike);
	(*own)--;
	if (sd_update(&l, "ike.sa", &b, NULL) != IKE_OK) {
		log_warn("%s/ike.sa: %s", t->name, strerror(errno));
		goto out;
	}
	d->len = w.len;
	d->out = true;
	d->rto = RTO_FIRST_MS;
	d->next_ms = now + d->rto;
	d->end_ms = now + (int64_t)t->o.dpd_timeout * 1000;
	send_ike(t, d->req, d->len);
	log_debug("%s: no word from the peer for %d s: liveness check %u",
	    t->name, t->o.dpd_delay, d->msgid);
	ok = true;
out:
	sd_unlock(&l);
	return ok;
}

bool
dpd_tick(struct tunnel *t, int64_t now)
{
	struct dpd	*d = &t->dpd;

	if (t->o.dpd_delay == 0)
		return false;
	if (!d->out) {
		if (now - t->last_rx_ms >= (int64_t)t->o.dpd_delay * 1000)
			(void)start(t, now);
		return false;
	}
	if (now >= d->end_ms) {
		log_warn("%s: no answer to a liveness check within %d s: the "
		    "peer is dead", t->name, t->o.dpd_timeout);
		return true;
	}
	if (now >= d->next_ms) {
		send_ike(t, d->req, d->len);
		d->rto = d->rto * 2 < RTO_MAX_MS ? d->rto * 2 : RTO_MAX_MS;
		d->next_ms = now + d->rto;
	}
	return false;
}

bool
dpd_answer(struct tunnel *t, const uint8_t *msg, size_t len, uint32_t msgid)
{
	struct dpd	*d = &t->dpd;

	uint32_t	*own = ike_sa_own_msgid(&t->ike);

	if (!d->out || msgid != d->msgid)
		return false;
	/* the counter may have been read back from ike.sa, which has the
	 * check's ID as used already */
	*own = d->msgid;
	if (info_consume(&t->ike, rd_init(msg, len)) != IKE_OK) {
		*own = d->msgid + 1;
		return true;		/* ours, but not verified: dropped */
	}
	d->out = false;
	t->last_rx_ms = net_now_ms();
	log_debug("%s: liveness check %u answered", t->name, msgid);
	return true;
}
