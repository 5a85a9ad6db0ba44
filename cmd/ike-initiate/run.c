/* SPDX-License-Identifier: ISC */
/* The UDP driver: send each request, retransmit with back-off, feed answers to xchg_step, move to 4500. */
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pcap/dlt.h>

#include "base/exits.h"
#include "base/log.h"
#include "crypto/secret.h"
#include "exchange/frag.h"
#include "exchange/retx.h"
#include "names/names.h"
#include "initiate.h"

static uint8_t	 last[XCHG_OUT_MAX], next[XCHG_OUT_MAX], in[XCHG_OUT_MAX];
static uint8_t	 joined[XCHG_OUT_MAX];	/* a reassembled response */
static struct frag_set	 frags;		/* the request as sent (RFC 7383) */
static struct frag_pool	 frx;

static const char *
exch_name(const struct ike_sa *sa)
{
	return sa->state == SA_AUTH_SENT || sa->state == SA_EAP ? "IKE_AUTH" :
	    "IKE_SA_INIT";
}

/* record appends one datagram of this run to --pcap. */
static void
record(struct run *r, bool sent, int sock, const uint8_t *msg, size_t len)
{
	static uint8_t	 payload[XCHG_OUT_MAX + 4], frame[XCHG_OUT_MAX + 64];
	struct wr	 w = wr_init(frame, sizeof(frame));
	const uint8_t	*src = sent ? r->net.local : r->net.peer;
	const uint8_t	*dst = sent ? r->net.peer : r->net.local;
	uint16_t	 sport = sent ? r->net.lport[sock] : r->net.pport[sock];
	uint16_t	 dport = sent ? r->net.pport[sock] : r->net.lport[sock];
	size_t		 off = sock == 1 ? 4 : 0;

	if (r->pcap == NULL || len > XCHG_OUT_MAX)
		return;
	memset(payload, 0, off);
	memcpy(payload + off, msg, len);
	/* flushed each time: a --stay may run for days */
	if (pkt_build_udp(&w, r->net.af, src, dst, sport, dport, payload,
	    len + off) != IKE_OK || pcapw_write(r->pcap, NULL, frame, w.len) !=
	    IKE_OK || pcapw_flush(r->pcap) != IKE_OK)
		die(EXIT_LOCAL, "%s: cannot write the packet", r->o.pcap);
}

enum ike_err
run_send(struct run *r, int sock, const uint8_t *msg, size_t len)
{
	enum ike_err	 e;

	if ((e = net_send(&r->net, sock, msg, len)) == IKE_OK)
		record(r, true, sock, msg, len);
	return e;
}

enum ike_err
run_recv(struct run *r, int ms, uint8_t *buf, size_t cap, size_t *len,
    int *which)
{
	enum ike_err	 e;

	if ((e = net_recv(&r->net, ms, buf, cap, len, which)) == IKE_OK)
		record(r, false, *which, buf, *len);
	return e;
}

void
run_pcap_close(struct run *r)
{
	if (pcapw_close(r->pcap) != IKE_OK) {
		r->pcap = NULL;
		die(EXIT_LOCAL, "%s: write failed", r->o.pcap);
	}
	r->pcap = NULL;
}

static void __attribute__((noreturn))
fail(struct run *r, const char *exch, enum ike_err e)
{
	const char	*n;

	stay_end_refused(r, e);		/* IKE SA up, Child SA refused */
	(void)pcapw_close(r->pcap);
	r->pcap = NULL;
	if (r->sa.eap.phase == EAP_PH_FAILED)	/* the peer refused us */
		die(EXIT_REFUSED, "%s: %s: EAP: %s: AUTHENTICATION_FAILED",
		    r->o.peer, exch, r->sa.auth_why);
	if (r->sa.peer_notify != 0) {
		n = ikev2_notify_name(r->sa.peer_notify);
		if (n != NULL)
			die(EXIT_REFUSED, "%s: %s: peer sent %s", r->o.peer, exch, n);
		die(EXIT_REFUSED, "%s: %s: peer sent error notify %u", r->o.peer,
		    exch, r->sa.peer_notify);
	}
	if (e == IKE_EAUTH && r->sa.auth_why[0] != '\0')
		die(EXIT_REFUSED, "%s: %s: peer not authenticated: %s", r->o.peer,
		    exch, r->sa.auth_why);
	if (e == IKE_EAUTH)
		die(EXIT_REFUSED, "%s: %s: peer's AUTH does not verify (wrong PSK?)",
		    r->o.peer, exch);
	die_err(e, "%s: %s", r->o.peer, exch);
}

/* send_all sends every fragment of the request (all of them again when
 * it is retransmitted: RFC 7383 2.6). */
static void
send_all(struct run *r, const struct frag_set *f)
{
	size_t	 k;

	for (k = 0; k < f->n; k++)
		if (run_send(r, r->sock, f->buf + f->off[k], f->len[k]) != IKE_OK)
			die(EXIT_LOCAL, "%s: send: %s", r->o.peer,
			    strerror(errno));
}

void
run_exchanges(struct run *r)
{
	struct xchg	 x;
	struct wr	 out, jw;
	struct rd	 msg;
	enum xchg_wait	 w;
	enum ike_err	 e;
	struct retx	 rt;
	int64_t		 deadline, now;
	size_t		 last_len = 0, in_len = 0;
	int		 which;
	const char	*exch = "IKE_SA_INIT";

	if (r->o.pcap != NULL && pcapw_open(&r->pcap, r->o.pcap, DLT_RAW) != IKE_OK)
		die(EXIT_LOCAL, "%s: %s", r->o.pcap, strerror(errno));
	memset(&x, 0, sizeof(x));
	x.sa = &r->sa;
	x.cfg = &r->cfg;
	x.until_init = r->o.until_init;
	deadline = net_now_ms() + (int64_t)r->o.timeout * 1000;
	out = wr_init(next, sizeof(next));
	w = xchg_step(&x, rd_init(NULL, 0), &out);
	for (;;) {
		if (w == XCHG_FAIL)
			fail(r, exch, x.err);
		if (w == XCHG_DONE)
			break;
		/* XCHG_SEND: a new request */
		exch = exch_name(&r->sa);
		memcpy(last, next, out.len);
		last_len = out.len;
		wipe(next, sizeof(next));
		r->sock = (r->sa.state == SA_AUTH_SENT ||
		    r->sa.state == SA_EAP) && (xchg_nat(&r->sa) || r->o.encap) ?
		    1 : 0;
		log_debug("%s: sending %s request (%zu bytes) to port %u", r->o.peer,
		    exch, last_len, r->net.pport[r->sock]);
		if (frag_split(&r->sa, r->net.af, r->o.frag_mtu, r->sock == 1,
		    last, last_len, &frags) != IKE_OK) {
			log_debug("%s: %s: cannot fragment, sent whole", r->o.peer,
			    exch);
			memcpy(frags.buf, last, last_len);
			frags.n = 1;
			frags.off[0] = 0;
			frags.len[0] = last_len;
		}
		send_all(r, &frags);
		now = net_now_ms();
		retx_start(&rt, now, deadline - now);
		for (;;) {
			now = net_now_ms();
			if (retx_over(&rt, now)) {
				(void)pcapw_close(r->pcap);
				r->pcap = NULL;
				die(EXIT_TIMEOUT, "%s: %s: no answer within %d s",
				    r->o.peer, exch, r->o.timeout);
			}
			if (retx_due(&rt, now)) {
				log_debug("%s: %s: retransmitting", r->o.peer, exch);
				send_all(r, &frags);
			}
			e = run_recv(r, retx_wait(&rt, now), in, sizeof(in),
			    &in_len, &which);
			if (e == IKE_ETIMEOUT)
				continue;
			if (e != IKE_OK)
				die(EXIT_LOCAL, "%s: receive: %s", r->o.peer,
				    strerror(errno));
			msg = rd_init(in, in_len);
			jw = wr_init(joined, sizeof(joined));
			if (xchg_match(&r->sa, msg))
				switch (frag_input(&frx, &r->sa, msg, &jw)) {
				case FRAG_MORE:
				case FRAG_BAD:
					continue;
				case FRAG_DONE:
					msg = rd_init(joined, jw.len);
					break;
				case FRAG_WHOLE:
					break;
				}
			out = wr_init(next, sizeof(next));
			w = xchg_step(&x, msg, &out);
			if (w != XCHG_RECV)
				break;
			log_debug("%s: dropped a message that is not the answer",
			    r->o.peer);
		}
	}
	wipe(last, sizeof(last));
	wipe(in, sizeof(in));
	wipe(joined, sizeof(joined));
	frag_pool_wipe(&frx);
}
