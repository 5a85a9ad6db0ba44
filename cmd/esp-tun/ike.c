/* SPDX-License-Identifier: ISC */
/* The peer's IKE requests on the SA that esp-tun carries: liveness checks and Deletes, as ike-initiate --stay answers them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "codec/hdr.h"
#include "crypto/secret.h"
#include "exchange/record.h"
#include "names/ikev2.h"
#include "names/names.h"
#include "esptun.h"

static const uint8_t	 non_esp_marker[4];

/* send_ike sends an IKE message on the SA's UDP socket, behind the non-ESP
 * marker on the NAT-T port (RFC 3948 2.2). */
static void
send_ike(struct tunnel *t, const uint8_t *msg, size_t len)
{
	struct iovec	 iov[2] = {
		{ (void *)non_esp_marker, sizeof(non_esp_marker) },
		{ (void *)msg, len },
	};
	struct msghdr	 mh;
	bool		 natt = t->lport != 500 && t->rport != 500;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = natt ? iov : iov + 1;
	mh.msg_iovlen = natt ? 2 : 1;
	if (sendmsg(t->udp_fd, &mh, 0) < 0)
		log_debug("%s: send: %s", t->name, strerror(errno));
}

/* refresh reads the message IDs again under l: another program (ike-rekey)
 * may have used some since we loaded the SA. */
static bool
refresh(struct tunnel *t, struct sd_lock *l)
{
	struct ike_sa		 sa;
	struct ike_sa_file	 f;
	char			 err[512];

	if (ike_sa_load(l, &sa, &f, err, sizeof(err)) != IKE_OK) {
		log_warn("%s", err);
		return false;
	}
	t->ike.msgid = sa.msgid;
	t->ike.peer_msgid = sa.peer_msgid;
	ike_sa_wipe(&sa);
	return true;
}

/* child_deleted drops the Child SAs whose outbound SPIs the peer deleted,
 * with their files. */
static void
child_deleted(struct tunnel *t, struct sd_lock *l, const struct info_req *req)
{
	struct child	*c;
	char		 file[SD_FILE_MAX];
	size_t		 i, k;

	for (i = 0; i < req->n_del; i++)
		for (k = 0; k < t->n_child; k++) {
			c = t->child[k];
			if (c->spi_out != req->del_spi[i])
				continue;
			event(t, "deleted-child", c->name);
			snprintf(file, sizeof(file), "child.%s.sa", c->name);
			(void)sd_remove(l, file);
			snprintf(file, sizeof(file), "child.%s.stats", c->name);
			(void)sd_remove(l, file);
			child_forget(t, c);
			break;
		}
}

/* gone_child returns the keys to drop from ike.sa: "child" when the peer
 * deletes the Child SA it names (the one made with the IKE SA). */
static const char *const *
gone_child(const struct tunnel *t, const struct info_req *req)
{
	static const char *const child[] = { "child", NULL };
	size_t			 i, k;

	for (i = 0; i < req->n_del; i++)
		for (k = 0; k < t->n_child; k++)
			if (t->child[k]->spi_out == req->del_spi[i] &&
			    strcmp(t->child[k]->name, t->ikf.child) == 0)
				return child;
	return NULL;
}

/* respond answers one request under the SA's lock; true when the peer
 * deleted the IKE SA. */
static bool
respond(struct tunnel *t, struct sd_lock *l, const uint8_t *msg, size_t len,
    uint32_t msgid, uint8_t exch)
{
	struct ike_sa	*sa = &t->ike;
	uint8_t		 out[XCHG_OUT_MAX];
	struct wr	 w = wr_init(out, sizeof(out));
	struct info_req	 req;
	struct child_pair pairs[CHILD_MAX];
	struct kvbuf	 b;
	size_t		 i;
	uint32_t	 want, *ctr;
	enum ike_err	 e;

	if (!refresh(t, l))
		return false;
	ctr = sa->role == ROLE_INITIATOR ? &sa->peer_msgid : &sa->msgid;
	want = *ctr;
	if (msgid < want) {
		log_debug("%s: request %u: expected message ID %u, dropped",
		    t->name, msgid, want);
		return false;
	}
	/* ahead: the program that answered before us did not record them
	 * all (ike-respond keeps them in memory); only a request that
	 * verifies moves the counter */
	*ctr = msgid;
	memset(&req, 0, sizeof(req));
	for (i = 0; i < t->n_child; i++)
		pairs[i] = (struct child_pair){ t->child[i]->spi_out,
		    t->child[i]->spi_in };
	if (exch == IKEV2_EXCH_INFORMATIONAL)
		e = info_respond_pairs(sa, rd_init(msg, len), &w, &req, pairs,
		    t->n_child);
	else	/* no rekeying here: that is ike-rekey's (RFC 7296 1.3) */
		e = info_refuse(sa, rd_init(msg, len),
		    IKEV2_N_NO_ADDITIONAL_SAS, &w);
	if (e != IKE_OK) {
		*ctr = want;
		log_debug("%s: request %u: %s, dropped", t->name, msgid,
		    ike_strerror(e));
		return false;
	}
	kv_init(&b);
	msgid_record(&b, sa);
	if (!req.delete_ike && sd_update(l, "ike.sa", &b, gone_child(t, &req)) !=
	    IKE_OK)
		log_warn("%s/ike.sa: message IDs: %s", t->name, strerror(errno));
	send_ike(t, out, w.len);
	memcpy(t->cached, out, w.len);
	t->cached_len = w.len;
	t->cached_msgid = msgid;
	wipe(out, sizeof(out));
	log_debug("%s: request %u%s: answered", t->name, msgid,
	    req.delete_ike ? " (Delete of the IKE SA)" : req.n_del > 0 ?
	    " (Delete of a Child SA)" : req.empty ? " (liveness check)" : "");
	if (!req.delete_ike && req.n_del > 0)
		child_deleted(t, l, &req);
	return req.delete_ike;
}

bool
ike_answer(struct tunnel *t, const uint8_t *msg, size_t len)
{
	struct sd_lock	 l;
	struct rd	 hr = rd_init(msg, len);
	struct ike_hdr	 h;
	bool		 gone;

	if (hdr_parse(&hr, &h) != IKE_OK || h.ispi != t->ike.ispi ||
	    h.rspi != t->ike.rspi || (h.flags & IKEV2_FLAG_RESPONSE) != 0) {
		log_debug("%s: dropped an IKE message that is not a request on "
		    "our SA", t->name);
		return false;
	}
	/* RFC 7296 2.1: a retransmitted request gets the same response */
	if (t->cached_len > 0 && h.msgid == t->cached_msgid) {
		send_ike(t, t->cached, t->cached_len);
		return false;
	}
	if (sd_lock_sa_timeout(&t->sd, t->name, false, 1000, &l) != IKE_OK) {
		log_debug("%s: lock: %s: request %u dropped (the peer will "
		    "retransmit)", t->name, strerror(errno), h.msgid);
		return false;
	}
	gone = respond(t, &l, msg, len, h.msgid, h.exch);
	sd_unlock(&l);
	if (gone) {
		if (sd_remove_sa(&t->sd, t->name) != IKE_OK)
			log_warn("%s: removing the SA: %s", t->name,
			    strerror(errno));
		event(t, "deleted", NULL);
	}
	return gone;
}
