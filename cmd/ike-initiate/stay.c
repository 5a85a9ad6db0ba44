/* SPDX-License-Identifier: ISC */
/* After the SA is up: answer the peer's requests (--stay), and end the IKE SA with an INFORMATIONAL Delete. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/exits.h"
#include "base/log.h"
#include "codec/hdr.h"
#include "crypto/secret.h"
#include "exchange/retx.h"
#include "names/ikev2.h"
#include "names/names.h"
#include "sa/statedir.h"
#include "initiate.h"

enum {
	TICK_MS		= 250,		/* how often the loop looks at signals */
};

static volatile sig_atomic_t	 stop_sig;
static uint8_t			 in[XCHG_OUT_MAX], out_buf[XCHG_OUT_MAX];
/* RFC 7296 2.1: a retransmitted request gets the same response again */
static uint8_t			 cached[XCHG_OUT_MAX];
static size_t			 cached_len;
static uint32_t			 cached_msgid;

static void
on_signal(int sig)
{
	stop_sig = sig;
}

void
stay_signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	/* a reader of stdout that went away must not kill the SA's owner */
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
}

/* event reports what happened to the SA: a JSON line on stdout with
 * --json, else a line on stderr (stdout carries only the SA's name). */
static void
event(const struct run *r, const char *what, const char *by, const char *child)
{
	if (r->o.json) {
		printf("{\"event\":\"%s\",\"name\":\"%s\",\"by\":\"%s\"", what,
		    r->name, by);
		if (child != NULL)
			printf(",\"child\":\"%s\"", child);
		printf("}\n");
		fflush(stdout);
		return;
	}
	if (child != NULL)
		log_warn("%s: Child SA %s deleted by the peer", r->name, child);
	else
		log_warn("%s: IKE SA deleted %s", r->name, strcmp(by, "peer") == 0 ?
		    "by the peer" : "on a signal");
}

/* open_sa takes the lock of r's SA directory; false (logged) if it cannot. */
static bool
open_sa(const struct run *r, struct sd *sd, struct sd_lock *l, char *dir,
    size_t n)
{
	if (r->o.statedir != NULL)
		snprintf(dir, n, "%s", r->o.statedir);
	else if (sd_default_dir(dir, n) != IKE_OK) {
		log_warn("state directory: not set (IKE_STATE_DIR or -S)");
		return false;
	}
	if (sd_open(sd, dir, false) != IKE_OK) {
		log_warn("%s: %s", dir, strerror(errno));
		return false;
	}
	if (l != NULL && sd_lock_sa(sd, r->name, false, l) != IKE_OK) {
		log_warn("%s/%s: %s", dir, r->name, strerror(errno));
		sd_close(sd);
		return false;
	}
	return true;
}

void
stay_forget(const struct run *r)
{
	char		 dir[4096];
	struct sd	 sd;

	if (r->name[0] == '\0' || !open_sa(r, &sd, NULL, dir, sizeof(dir)))
		return;
	if (sd_remove_sa(&sd, r->name) != IKE_OK && errno != ENOENT)
		log_warn("%s/%s: %s", dir, r->name, strerror(errno));
	sd_close(&sd);
}

/* forget_child drops the Child SA the peer deleted: ike.sa loses its
 * child= line, then child.NAME.sa goes. */
static void
forget_child(struct run *r)
{
	char		 dir[4096], file[SD_FILE_MAX + 1], child[sizeof(r->child_name)];
	struct sd	 sd;
	struct sd_lock	 l;

	memcpy(child, r->child_name, sizeof(child));
	child_keys_wipe(&r->sa.child.keys);
	wipe(&r->sa.child, sizeof(r->sa.child));
	save_state(r);
	if (!open_sa(r, &sd, &l, dir, sizeof(dir)))
		return;
	snprintf(file, sizeof(file), "child.%s.sa", child);
	if (sd_remove(&l, file) != IKE_OK && errno != ENOENT)
		log_warn("%s/%s/%s: %s", dir, r->name, file, strerror(errno));
	sd_unlock(&l);
	sd_close(&sd);
	event(r, "deleted-child", "peer", child);
}

bool
stay_delete(struct run *r)
{
	struct wr	 w = wr_init(out_buf, sizeof(out_buf));
	struct retx	 rt;
	int64_t		 now;
	size_t		 in_len = 0, len;
	int		 which;
	enum ike_err	 e;
	bool		 ok = false;

	if (info_create(&r->sa, true, &w) != IKE_OK)
		return false;
	len = w.len;
	log_debug("%s: sending INFORMATIONAL request %u: Delete of the IKE SA",
	    r->o.peer, r->sa.msgid);
	retx_start(&rt, net_now_ms(), (int64_t)r->o.timeout * 1000);
	for (e = run_send(r, r->sock, out_buf, len); e == IKE_OK;) {
		now = net_now_ms();
		if (retx_over(&rt, now))
			break;
		if (retx_due(&rt, now) &&
		    (e = run_send(r, r->sock, out_buf, len)) != IKE_OK)
			break;
		e = run_recv(r, retx_wait(&rt, now), in, sizeof(in), &in_len,
		    &which);
		if (e == IKE_ETIMEOUT) {
			e = IKE_OK;
			continue;
		}
		if (e != IKE_OK)
			break;
		if (info_consume(&r->sa, rd_init(in, in_len)) == IKE_OK) {
			ok = true;
			break;
		}
		log_debug("%s: dropped a message that is not the answer", r->o.peer);
	}
	if (e != IKE_OK)
		log_debug("%s: INFORMATIONAL: %s", r->o.peer, strerror(errno));
	wipe(out_buf, sizeof(out_buf));
	wipe(in, sizeof(in));
	if (ok)
		log_debug("%s: INFORMATIONAL: the peer deleted the IKE SA", r->o.peer);
	return ok;
}

/* answer handles one message from the peer while we stay; true when the
 * peer deleted the IKE SA. */
static bool
answer(struct run *r, size_t len, int which)
{
	struct ike_sa	*sa = &r->sa;
	struct rd	 hr = rd_init(in, len);
	struct ike_hdr	 h;
	struct info_req	 req;
	struct wr	 w = wr_init(out_buf, sizeof(out_buf));
	const char	*exch;
	enum ike_err	 e;

	memset(&req, 0, sizeof(req));
	if (hdr_parse(&hr, &h) != IKE_OK || h.ispi != sa->ispi ||
	    h.rspi != sa->rspi || (h.flags & IKEV2_FLAG_RESPONSE) != 0) {
		log_debug("%s: dropped a message that is not a request on our SA",
		    r->o.peer);
		return false;
	}
	exch = ikev2_exchange_name(h.exch) != NULL ? ikev2_exchange_name(h.exch) : "?";
	if (cached_len > 0 && h.msgid == cached_msgid) {
		log_debug("%s: %s request %u again: resending our response",
		    r->o.peer, exch, h.msgid);
		if (run_send(r, which, cached, cached_len) != IKE_OK)
			log_debug("%s: send: %s", r->o.peer, strerror(errno));
		return false;
	}
	if (h.msgid != sa->peer_msgid) {
		log_debug("%s: %s request %u: expected message ID %u, dropped",
		    r->o.peer, exch, h.msgid, sa->peer_msgid);
		return false;
	}
	switch (h.exch) {
	case IKEV2_EXCH_INFORMATIONAL:
		e = info_respond(sa, rd_init(in, len), &w, &req);
		break;
	case IKEV2_EXCH_CREATE_CHILD_SA:
		/* no rekeying nor new Child SAs here yet: RFC 7296 1.3 */
		e = info_refuse(sa, rd_init(in, len), IKEV2_N_NO_ADDITIONAL_SAS, &w);
		break;
	default:
		e = IKE_EUNSUPP;
		break;
	}
	if (e != IKE_OK) {
		log_debug("%s: %s request %u: %s, dropped", r->o.peer, exch, h.msgid,
		    ike_strerror(e));
		return false;
	}
	log_debug("%s: %s request %u%s: answered", r->o.peer, exch, h.msgid,
	    req.delete_ike ? " (Delete of the IKE SA)" : req.child_gone ?
	    " (Delete of the Child SA)" : req.empty ? " (liveness check)" :
	    h.exch == IKEV2_EXCH_CREATE_CHILD_SA ? " (NO_ADDITIONAL_SAS)" : "");
	if (run_send(r, which, out_buf, w.len) != IKE_OK)
		log_debug("%s: send: %s", r->o.peer, strerror(errno));
	memcpy(cached, out_buf, w.len);
	cached_len = w.len;
	cached_msgid = h.msgid;
	wipe(out_buf, sizeof(out_buf));
	if (req.child_gone)
		forget_child(r);
	return req.delete_ike;
}

int
stay(struct run *r)
{
	size_t		 len = 0;
	int		 which, status = EXIT_OK;
	enum ike_err	 e;

	while (stop_sig == 0) {
		e = run_recv(r, TICK_MS, in, sizeof(in), &len, &which);
		if (e == IKE_ETIMEOUT)
			continue;
		if (e != IKE_OK)
			die(EXIT_LOCAL, "%s: receive: %s", r->o.peer, strerror(errno));
		if (answer(r, len, which)) {
			stay_forget(r);
			event(r, "deleted", "peer", NULL);
			goto out;
		}
	}
	log_debug("%s: signal %d: deleting the IKE SA", r->o.peer, (int)stop_sig);
	if (!stay_delete(r)) {
		log_warn("%s: INFORMATIONAL: no answer to our Delete within %d s",
		    r->o.peer, r->o.timeout);
		status = EXIT_TIMEOUT;
	}
	stay_forget(r);
	event(r, "deleted", "us", NULL);
out:
	wipe(in, sizeof(in));
	wipe(cached, sizeof(cached));
	return status;
}

void
stay_end_refused(struct run *r, enum ike_err e)
{
	bool	 up;

	if (r->sa.keys.e_len == 0 || r->sa.rspi == 0)
		return;			/* IKE_SA_INIT did not finish */
	switch (r->sa.peer_notify) {
	case IKEV2_N_NO_PROPOSAL_CHOSEN:
	case IKEV2_N_TS_UNACCEPTABLE:
	case IKEV2_N_INTERNAL_ADDRESS_FAILURE:
	case IKEV2_N_FAILED_CP_REQUIRED:
	case IKEV2_N_SINGLE_PAIR_REQUIRED:
		up = true;
		break;
	case 0:			/* its AUTH verified, its SA or TS not ours */
		up = e == IKE_ENOPROP || e == IKE_ETS;
		break;
	default:
		up = false;
		break;
	}
	if (!up)
		return;
	/* the IKE_AUTH exchange (message ID 1) is over: ours is the next */
	r->sa.msgid++;
	if (!stay_delete(r))
		log_debug("%s: INFORMATIONAL: no answer to our Delete", r->o.peer);
}
