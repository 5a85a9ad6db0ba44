/* SPDX-License-Identifier: ISC */
/* The loop: UDP 500 and 4500, a table of IKE SAs by SPIs, IKE_SA_INIT and IKE_AUTH (requests on established SAs: requests.c), retransmissions, signals. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "codec/chain.h"
#include "codec/hdr.h"
#include "codec/msg.h"
#include "codec/notify.h"
#include "crypto/secret.h"
#include "exchange/frag.h"
#include "exchange/record.h"
#include "io/net.h"
#include "names/ikev2.h"
#include "names/names.h"
#include "respond.h"

static volatile sig_atomic_t	 got_stop, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = 1;
}

void
signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* peer_name writes a peer's ADDR:PORT into buf (n bytes) and returns buf. */
static const char *
peer_name(const struct srv *s, const uint8_t *peer, uint16_t pport, char *buf,
    size_t n)
{
	if (log_verbose() < 1)		/* only trace() reads it */
		buf[0] = '\0';
	else
		net_format_hostport(s->af, peer, pport, true, buf, n);
	return buf;
}

/* exch_name returns the exchange's name, or "exchange N" in buf. */
static const char *
exch_name(uint8_t exch, char *buf, size_t n)
{
	const char *name = ikev2_exchange_name(exch);

	if (name != NULL)
		return name;
	snprintf(buf, n, "exchange %u", exch);
	return buf;
}

void
free_slot(struct srv *s, struct slot *sl)
{
	/* the IKE SA it replaced, never deleted by the peer, goes with it */
	if (sl->old != NULL) {
		sl->old->heir = NULL;
		free_slot(s, sl->old);
	}
	if (sl->heir != NULL)
		sl->heir->old = NULL;
	if (sl->sa.state != SA_ESTABLISHED && s->n_half > 0)
		s->n_half--;
	if (!sl->lease_kept)			/* the address goes back */
		cp_lease_release(&s->cp, &sl->sa.vip);
	table_remove(&s->tab, sl);		/* wipes and frees it */
}

/* record appends one datagram to --pcap. */
static void
record(struct srv *s, const struct slot *sl, bool sent, int sock,
    const uint8_t *msg, size_t len)
{
	static uint8_t	 payload[XCHG_OUT_MAX + 4], frame[XCHG_OUT_MAX + 64];
	struct wr	 w = wr_init(frame, sizeof(frame));
	size_t		 off = sock == 1 ? 4 : 0;

	if (s->pcap == NULL || len > XCHG_OUT_MAX)
		return;
	memset(payload, 0, off);
	memcpy(payload + off, msg, len);
	if (pkt_build_udp(&w, s->af, sent ? s->local : sl->peer,
	    sent ? sl->peer : s->local, sent ? s->lport[sock] : sl->pport,
	    sent ? sl->pport : s->lport[sock], payload, len + off) != IKE_OK ||
	    pcapw_write(s->pcap, NULL, frame, w.len) != IKE_OK)
		log_warn("%s: cannot write the packet", s->o.pcap);
}

void
send_to(struct srv *s, struct slot *sl, const uint8_t *msg, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl_len;

	if (len == 0 || len > XCHG_OUT_MAX)
		return;
	memset(&ss, 0, sizeof(ss));
	if (s->af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(sl->pport);
		memcpy(&sin->sin_addr, sl->peer, 4);
		sl_len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(sl->pport);
		memcpy(&sin6->sin6_addr, sl->peer, 16);
		sl_len = sizeof(*sin6);
	}
	dgram_queue(s, sl->sock, &ss, sl_len, msg, len);
	record(s, sl, true, sl->sock, msg, len);
}

/* send_msg sends a message of sl's SA: whole, or in fragments when the
 * peer supports them and it exceeds --frag-mtu (RFC 7383). The response is
 * kept whole and fragmented again (same plaintext, fresh IVs) when resent. */
static void
send_msg(struct srv *s, struct slot *sl, const uint8_t *msg, size_t len)
{
	static struct frag_set	 fs;
	size_t			 k;

	if (frag_split(&sl->sa, s->af, s->o.frag_mtu, sl->sock == 1, msg, len,
	    &fs) != IKE_OK) {
		log_debug("%s: cannot fragment the response, sent whole", sl->name);
		send_to(s, sl, msg, len);
		return;
	}
	for (k = 0; k < fs.n; k++)
		send_to(s, sl, fs.buf + fs.off[k], fs.len[k]);
}

/* respond sends out and keeps it for retransmitted requests. */
void
respond(struct srv *s, struct slot *sl, const struct wr *out)
{
	if (!slot_keep(sl, out->buf, out->len))
		log_debug("%s: response not kept: out of memory", sl->name);
	send_msg(s, sl, out->buf, out->len);
}

static struct slot *
find(struct srv *s, uint64_t ispi, uint64_t rspi)
{
	return table_find(&s->tab, ispi, rspi);
}

/* find_half finds a half-open SA by the initiator's SPI and address. */
static struct slot *
find_half(struct srv *s, uint64_t ispi, const uint8_t *peer, uint16_t pport)
{
	return table_find_half(&s->tab, ispi, peer, pport);
}

/* send_unauth sends an answer that belongs to no SA (N(COOKIE), an
 * IKE_SA_INIT error, INVALID_MAJOR_VERSION): nothing is kept. */
static void
send_unauth(struct srv *s, int sock, const uint8_t *peer, uint16_t pport,
    const struct wr *out)
{
	static struct slot	 tmp;

	memset(&tmp, 0, sizeof(tmp));
	memcpy(tmp.peer, peer, sizeof(tmp.peer));
	tmp.pport = pport;
	tmp.sock = sock;
	send_to(s, &tmp, out->buf, out->len);
}

static void
on_sa_init(struct srv *s, int sock, const uint8_t *peer, uint16_t pport,
    struct rd in)
{
	static uint8_t	 obuf[XCHG_OUT_MAX];
	struct wr	 out = wr_init(obuf, sizeof(obuf));
	struct slot	*sl = NULL;
	struct ike_hdr	 h;
	struct rd	 r = in;
	char		 detail[64], who[64];
	const char	*grp;
	enum ike_err	 e;

	peer_name(s, peer, pport, who, sizeof(who));
	if (hdr_parse(&r, &h) != IKE_OK)
		return;		/* on_message parsed it */
	if ((sl = find_half(s, h.ispi, peer, pport)) != NULL) {
		s->cnt.retransmits++;
		trace(who, "IKE_SA_INIT %016llx retransmitted: response resent",
		    (unsigned long long)h.ispi);
		send_to(s, sl, sl->last, sl->last_len);
		return;
	}
	/* RFC 7296 2.6: past the threshold, no state without a valid cookie */
	if ((long)s->n_half >= s->o.cookie_threshold) {
		e = cookie_check(&s->cookies, in, s->af, peer, &out);
		if (e == IKE_EREFUSED) {
			s->cnt.cookies_sent++;
			trace(who, "IKE_SA_INIT %016llx: %u half-open, asking "
			    "for a cookie", (unsigned long long)h.ispi, s->n_half);
			send_unauth(s, sock, peer, pport, &out);
			return;
		}
		if (e != IKE_OK) {
			s->cnt.dropped++;
			trace(who, "IKE_SA_INIT %016llx dropped: cookie check: %s",
			    (unsigned long long)h.ispi, ike_strerror(e));
			return;
		}
		out.len = 0;
	}
	if ((long)s->n_half >= s->o.half_open_max) {
		s->cnt.half_open_full++;
		trace(who, "IKE_SA_INIT %016llx dropped: %u half-open SAs "
		    "(--half-open-max)", (unsigned long long)h.ispi, s->n_half);
		return;
	}
	if ((sl = table_new(&s->tab)) == NULL) {	/* --max-sas */
		s->cnt.half_open_full++;
		trace(who, "IKE_SA_INIT %016llx dropped: table full (--max-sas)",
		    (unsigned long long)h.ispi);
		return;
	}
	s->n_half++;
	ike_sa_init(&sl->sa, ROLE_RESPONDER);
	memcpy(sl->peer, peer, sizeof(sl->peer));
	sl->pport = pport;
	sl->sock = sock;
	sl->born_ms = net_now_ms();
	memcpy(s->cfg.peer_addr, peer, sizeof(s->cfg.peer_addr));
	s->cfg.peer_port = pport;
	s->cfg.local_port = s->lport[sock];
	e = sa_init_respond(&sl->sa, &s->cfg, in, &out);
	snprintf(sl->name, sizeof(sl->name), "%016llx-%016llx",
	    (unsigned long long)sl->sa.ispi, (unsigned long long)sl->sa.rspi);
	if (e == IKE_OK) {
		table_add(&s->tab, sl);
		respond(s, sl, &out);
		log_debug("%s: IKE_SA_INIT answered", sl->name);
		return;
	}
	if (out.len == 0) {
		/* RFC 7296 3.10.1: INVALID_SYNTAX only encrypted: dropped */
		s->cnt.dropped++;
		trace(who, "IKE_SA_INIT %016llx dropped: %s%s%s",
		    (unsigned long long)h.ispi, ike_strerror(e),
		    sl->sa.auth_why[0] != '\0' ? ": " : "", sl->sa.auth_why);
		free_slot(s, sl);
		return;
	}
	/* an error Notify, unauthenticated: sent, and the slot freed */
	send_to(s, sl, out.buf, out.len);
	grp = ikev2_dh_name(sl->sa.dh_group);
	if (e == IKE_EBADKE)
		snprintf(detail, sizeof(detail), "INVALID_KE_PAYLOAD %s",
		    grp != NULL ? grp : "");
	else if (e == IKE_ENOPROP)
		snprintf(detail, sizeof(detail), "NO_PROPOSAL_CHOSEN");
	else if (e == IKE_EUNSUPP_CRIT)
		snprintf(detail, sizeof(detail), "UNSUPPORTED_CRITICAL_PAYLOAD");
	else
		snprintf(detail, sizeof(detail), "%s", ike_strerror(e));
	trace(who, "IKE_SA_INIT %016llx refused: %s%s%s",
	    (unsigned long long)h.ispi, detail,
	    sl->sa.auth_why[0] != '\0' ? ": " : "", sl->sa.auth_why);
	/* unauthenticated: anyone can have one sent at will */
	if (event_refused_ok())
		event(s, sl, "refused", detail);
	free_slot(s, sl);
}

/* on_auth answers IKE_AUTH; false when the request did not verify (then
 * nothing changed: it is dropped). */
static bool
on_auth(struct srv *s, struct slot *sl, struct rd in)
{
	static uint8_t	 obuf[XCHG_OUT_MAX];
	struct wr	 out = wr_init(obuf, sizeof(obuf));
	enum ike_err	 e;

	memcpy(s->cfg.peer_addr, sl->peer, sizeof(s->cfg.peer_addr));
	e = auth_respond(&sl->sa, &s->cfg, in, &out);
	if (out.len == 0) {
		/* did not decrypt, or not for us: dropped */
		s->cnt.dropped++;
		trace(sl->name, "IKE_AUTH dropped: %s%s%s", ike_strerror(e),
		    sl->sa.auth_why[0] != '\0' ? ": " : "", sl->sa.auth_why);
		return false;
	}
	if (e != IKE_OK) {
		send_msg(s, sl, out.buf, out.len);
		trace(sl->name, "IKE_AUTH refused: %s%s%s", ike_strerror(e),
		    sl->sa.auth_why[0] != '\0' && e != IKE_EAUTH ? ": " : "",
		    e != IKE_EAUTH ? sl->sa.auth_why : "");
		if (e == IKE_EREFUSED)
			log_warn("%s: IKE_AUTH: no address for the peer's "
			    "CFG_REQUEST (%s): INTERNAL_ADDRESS_FAILURE", sl->name,
			    s->cp.pool[0].fam || s->cp.pool[1].fam ?
			    "pool exhausted" : "no --pool");
		if (e == IKE_EAUTH && sl->sa.auth_why[0] != '\0')
			log_warn("%s: IKE_AUTH: peer not authenticated: %s",
			    sl->name, sl->sa.auth_why);
		event(s, sl, "refused", e == IKE_EAUTH ? "AUTHENTICATION_FAILED" :
		    e == IKE_ETS ? "TS_UNACCEPTABLE" : e == IKE_ENOPROP ?
		    "NO_PROPOSAL_CHOSEN" : e == IKE_EREFUSED ?
		    "INTERNAL_ADDRESS_FAILURE" : e == IKE_ESYNTAX ?
		    "INVALID_SYNTAX" : e == IKE_EUNSUPP_CRIT ?
		    "UNSUPPORTED_CRITICAL_PAYLOAD" : ike_strerror(e));
		if (sl->sa.state != SA_ESTABLISHED) {
			free_slot(s, sl);
			return true;
		}
		/* only the Child SA was refused: the IKE SA stays up, with no
		 * files, to answer the peer's liveness checks and its Delete */
		s->n_half--;
		table_up(&s->tab, sl);
		ike_sa_drop_init(&sl->sa);
		sl->n_kids = 0;
		if (!slot_keep(sl, out.buf, out.len))
			log_debug("%s: response not kept: out of memory", sl->name);
		return true;
	}
	if (sl->sa.state == SA_EAP) {	/* an EAP round (RFC 7296 2.16) */
		respond(s, sl, &out);
		return true;
	}
	s->n_half--;
	table_up(&s->tab, sl);
	ike_sa_drop_init(&sl->sa);	/* needed for AUTH only */
	respond(s, sl, &out);
	snprintf(sl->child_name, sizeof(sl->child_name), "%08x",
	    sl->sa.child.spi_in);
	sl->kids[0] = (struct child_pair){ sl->sa.child.spi_out,
	    sl->sa.child.spi_in };
	sl->n_kids = 1;
	writer_save(s, sl);		/* files, then the event: flushed() */
	return true;
}

/* flushed is called by writer_flush once an SA's files are written. */
void
flushed(struct srv *s, struct slot *sl, enum wjob job)
{
	if (job == WJOB_SAVE)
		event(s, sl, "established", NULL);
	else if (job == WJOB_DROP) {
		/* the old IKE SA of a rekey goes without an event */
		if (!sl->rekeyed)
			event(s, sl, "deleted", NULL);
		free_slot(s, sl);
	}
}

/* ahead answers a request with fn whose message ID may be ahead of ours:
 * esp-tun answered the peer while it carried the SA (esp-tun(8)), maybe
 * rekeying or deleting Child SAs too, whose files say what they are now
 * (read at most once a second: the request is not verified yet). Only a
 * request that verifies moves our counter; false for one that does not. */
static bool
ahead(struct srv *s, struct slot *sl, struct rd in, uint32_t msgid,
    bool (*fn)(struct srv *, struct slot *, struct rd))
{
	uint32_t	 ours = sl->sa.msgid;
	int64_t		 now;

	if (msgid > ours && !sl->rekeyed &&
	    (now = net_now_ms()) - sl->born_ms >= 1000) {
		sl->born_ms = now;
		load_children(s, sl);
	}
	sl->sa.msgid = msgid;
	if (fn(s, sl, in))
		return true;
	sl->sa.msgid = ours;
	if (msgid != ours)
		s->cnt.bad_msgid++;
	return false;
}

/* resend sends sl's last response again to where the retransmitted
 * request came from (RFC 7296 2.11), which need not be where the SA's peer
 * is: the request is not authenticated, so the SA does not move. */
static void
resend(struct srv *s, struct slot *sl, int sock, const uint8_t *peer,
    uint16_t pport)
{
	uint8_t		 was_peer[16];
	uint16_t	 was_pport = sl->pport;
	int		 was_sock = sl->sock;

	memcpy(was_peer, sl->peer, sizeof(was_peer));
	memcpy(sl->peer, peer, sizeof(sl->peer));
	sl->pport = pport;
	sl->sock = sock;
	send_msg(s, sl, sl->last, sl->last_len);
	memcpy(sl->peer, was_peer, sizeof(sl->peer));
	sl->pport = was_pport;
	sl->sock = was_sock;
}

/* on_version answers a request of a major version above ours with
 * INVALID_MAJOR_VERSION, our version in the header (RFC 7296 2.5, 1.5:
 * SPIs, exchange and message ID copied, no state); anything else of
 * another version (IKEv1, responses) is dropped. */
static void
on_version(struct srv *s, int sock, const uint8_t *peer, uint16_t pport,
    const struct ike_hdr *h)
{
	static uint8_t	 obuf[64];
	struct wr	 out = wr_init(obuf, sizeof(obuf));
	struct ike_hdr	 o;
	struct chain	 c;
	size_t		 off;
	char		 who[64];

	peer_name(s, peer, pport, who, sizeof(who));
	if (h->major < IKEV2_MAJOR || (h->flags & IKEV2_FLAG_RESPONSE) != 0) {
		s->cnt.dropped++;
		trace(who, "IKE version %u.%u %s dropped: %s", h->major, h->minor,
		    (h->flags & IKEV2_FLAG_RESPONSE) ? "response" : "message",
		    h->major == 1 ? "IKEv1 is not spoken here" :
		    "not a request of a higher version");
		return;
	}
	memset(&o, 0, sizeof(o));
	o.ispi = h->ispi;
	o.rspi = h->rspi;
	o.major = IKEV2_MAJOR;
	o.exch = h->exch;
	o.flags = IKEV2_FLAG_RESPONSE;
	o.msgid = h->msgid;
	off = hdr_put(&out, &o);
	chain_init(&c, &out, off + HDR_NEXT_AT);
	chain_open(&c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&out, 0, NULL, 0, IKEV2_N_INVALID_MAJOR_VERSION, NULL, 0);
	chain_close(&c);
	hdr_finish(&out, off);
	s->cnt.dropped++;
	if (!wr_ok(&out))
		return;
	send_unauth(s, sock, peer, pport, &out);
	trace(who, "IKE version %u.%u request dropped: INVALID_MAJOR_VERSION sent",
	    h->major, h->minor);
}

/* frag_trace says what became of a fragment kept back (at -v only). */
static void
frag_trace(const struct slot *sl, struct rd in, uint32_t msgid)
{
	static struct ike_msg	 m;

	if (log_verbose() < 1 || msg_parse(in, &m) != IKE_OK)
		return;
	trace(sl->name, "fragment %u/%u of request %u: message not complete",
	    m.frag_num, m.frag_total, msgid);
}

static void
on_message(struct srv *s, int sock, const uint8_t *peer, uint16_t pport,
    struct rd in)
{
	static uint8_t	 joined[XCHG_OUT_MAX];	/* a reassembled request */
	static struct frag_pool frx;
	struct ike_hdr	 h;
	struct rd	 r = in;
	struct slot	*sl;
	struct wr	 jw;
	char		 who[64], xn[24];
	const char	*x;
	enum ike_err	 e;
	bool		 verified = false;

	peer_name(s, peer, pport, who, sizeof(who));
	memset(&h, 0, sizeof(h));
	e = hdr_parse(&r, &h);
	if (in.len < IKE_HDR_LEN) {
		s->cnt.dropped++;
		trace(who, "datagram dropped: %zu bytes, shorter than an IKE "
		    "header", in.len);
		return;
	}
	if (e == IKE_EUNSUPP) {
		on_version(s, sock, peer, pport, &h);
		return;
	}
	x = exch_name(h.exch, xn, sizeof(xn));
	if (e != IKE_OK) {
		s->cnt.dropped++;
		trace(who, "%s message dropped: length field %u, datagram %zu "
		    "bytes", x, h.len, in.len);
		return;
	}
	if (h.exch == IKEV2_EXCH_IKE_SA_INIT && h.rspi == 0) {
		/* RFC 7296 3.1: a request from the original initiator, ID 0 */
		if ((h.flags & IKEV2_FLAG_RESPONSE) != 0) {
			s->cnt.dropped++;
			trace(who, "IKE_SA_INIT response dropped: we sent no "
			    "request");
		} else if ((h.flags & IKEV2_FLAG_INITIATOR) == 0) {
			s->cnt.dropped++;
			trace(who, "IKE_SA_INIT request dropped: Initiator flag "
			    "not set");
		} else if (h.msgid != 0) {
			s->cnt.dropped++;
			trace(who, "IKE_SA_INIT request dropped: message ID %u, "
			    "not 0", h.msgid);
		} else
			on_sa_init(s, sock, peer, pport, in);
		return;
	}
	if ((sl = find(s, h.ispi, h.rspi)) == NULL &&
	    (h.flags & IKEV2_FLAG_RESPONSE) == 0 &&
	    (h.exch == IKEV2_EXCH_INFORMATIONAL ||
	    h.exch == IKEV2_EXCH_CREATE_CHILD_SA))
		sl = adopt_rekeyed(s, peer, h.ispi, h.rspi);
	if (sl == NULL) {
		s->cnt.unknown_spi++;
		trace(who, "%s %s dropped: unknown SPIs %016llx/%016llx%s", x,
		    (h.flags & IKEV2_FLAG_RESPONSE) ? "response" : "request",
		    (unsigned long long)h.ispi, (unsigned long long)h.rspi,
		    h.exch == IKEV2_EXCH_IKE_SA_INIT ?
		    " (an IKE_SA_INIT request has SPIr 0)" : "");
		return;
	}
	if ((h.flags & IKEV2_FLAG_RESPONSE) != 0) {
		/* our only requests: return routability checks */
		if (h.exch == IKEV2_EXCH_INFORMATIONAL && !sl->rekeyed &&
		    rr_input(s, sl, peer, pport, in))
			return;
		s->cnt.dropped++;
		trace(sl->name, "%s response %u dropped: we sent no request", x,
		    h.msgid);
		return;
	}
	if ((h.flags & IKEV2_FLAG_INITIATOR) == 0) {
		s->cnt.dropped++;	/* the peer is the original initiator */
		trace(sl->name, "%s request %u dropped: Initiator flag not set",
		    x, h.msgid);
		return;
	}
	if (sl->sa.msgid > 0 && h.msgid == sl->sa.msgid - 1 && sl->last_len > 0) {
		/* RFC 7383 2.6.1: a fragmented request is answered once */
		if (frag_num(in) > 1) {
			trace(sl->name, "%s request %u: a fragment of a "
			    "retransmission, answered on fragment 1", x, h.msgid);
			return;
		}
		s->cnt.retransmits++;
		trace(sl->name, "%s request %u retransmitted: response resent",
		    x, h.msgid);
		resend(s, sl, sock, peer, pport);
		return;
	}
	if (h.msgid != sl->sa.msgid && !(sl->sa.state == SA_ESTABLISHED &&
	    (h.exch == IKEV2_EXCH_INFORMATIONAL ||
	    h.exch == IKEV2_EXCH_CREATE_CHILD_SA) && h.msgid > sl->sa.msgid)) {
		s->cnt.bad_msgid++;
		trace(sl->name, "%s request %u dropped: message ID %u expected",
		    x, h.msgid, sl->sa.msgid);
		return;
	}
	jw = wr_init(joined, sizeof(joined));
	switch (frag_input(&frx, &sl->sa, in, &jw)) {
	case FRAG_MORE:
		frag_trace(sl, in, h.msgid);
		return;
	case FRAG_BAD:
		s->cnt.dropped++;
		trace(sl->name, "%s request %u: fragment dropped", x, h.msgid);
		return;
	case FRAG_DONE:
		in = rd_init(joined, jw.len);
		break;
	case FRAG_WHOLE:
		break;
	}
	/* the peer may move (to 4500, or behind a NAT: RFC 7296 2.23): the
	 * answer goes where the request came from, and the SA stays there if
	 * the request verifies; one that does not must not redirect it */
	if (sl->wjob != WJOB_NONE)	/* its files first, in order */
		writer_flush(s, flushed);
	memcpy(came.peer, sl->peer, sizeof(came.peer));
	came.pport = sl->pport;
	came.sock = sl->sock;
	came.keep = false;
	memcpy(sl->peer, peer, sizeof(sl->peer));
	sl->pport = pport;
	sl->sock = sock;
	if ((sl->sa.state == SA_INIT_DONE || sl->sa.state == SA_EAP) &&
	    h.exch == IKEV2_EXCH_IKE_AUTH)
		verified = on_auth(s, sl, in);	/* may free sl if true */
	else if (sl->sa.state == SA_ESTABLISHED &&
	    h.exch == IKEV2_EXCH_INFORMATIONAL)
		verified = ahead(s, sl, in, h.msgid, on_info);
	else if (sl->sa.state == SA_ESTABLISHED && !sl->rekeyed &&
	    h.exch == IKEV2_EXCH_CREATE_CHILD_SA)
		verified = ahead(s, sl, in, h.msgid, on_ccsa);
	else {
		s->cnt.dropped++;
		trace(sl->name, "%s request %u dropped: %s", x, h.msgid,
		    sl->sa.state == SA_INIT_DONE ? "IKE_AUTH not done yet" :
		    sl->rekeyed ? "the IKE SA was rekeyed: only INFORMATIONAL "
		    "until its Delete" : "exchange not handled here");
	}
	if (!verified || came.keep) {
		memcpy(sl->peer, came.peer, sizeof(sl->peer));
		sl->pport = came.pport;
		sl->sock = came.sock;
	}
}

/* datagram handles one datagram of n bytes from socket i (dgram_fn). */
static void
datagram(struct srv *s, int i, const struct sockaddr_storage *ss,
    uint8_t *buf, size_t n)
{
	uint8_t			 peer[16];
	uint16_t		 pport;
	size_t			 off = 0;
	struct slot		 tmp;
	char			 who[64];

	memset(peer, 0, sizeof(peer));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		memcpy(peer, &sin->sin_addr, 4);
		pport = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		memcpy(peer, &sin6->sin6_addr, 16);
		pport = ntohs(sin6->sin6_port);
	} else
		return;
	peer_name(s, peer, pport, who, sizeof(who));
	if (i == 1) {
		/* RFC 3948 2.2, 2.3: keepalive, non-ESP marker, or ESP */
		if (n == 1 && buf[0] == 0xff) {
			s->cnt.keepalive++;
			trace(who, "NAT-T keepalive ignored");
			return;
		}
		if (n < 4 || buf[0] || buf[1] || buf[2] || buf[3]) {
			s->cnt.esp++;
			if (n < 8)
				trace(who, "datagram dropped: %zu bytes on port "
				    "%u, neither IKE nor ESP", n, s->lport[1]);
			else
				trace(who, "ESP packet dropped: SPI 0x%02x%02x"
				    "%02x%02x, no data path here (esp-tun)",
				    buf[0], buf[1], buf[2], buf[3]);
			return;
		}
		off = 4;
	}
	if (n - off > XCHG_OUT_MAX) {
		s->cnt.dropped++;
		trace(who, "message dropped: %zu bytes, more than %u",
		    n - off, XCHG_OUT_MAX);
		return;
	}
	if (s->pcap != NULL) {
		memset(&tmp, 0, sizeof(tmp));
		memcpy(tmp.peer, peer, sizeof(peer));
		tmp.pport = pport;
		record(s, &tmp, false, i, buf + off, n - off);
	}
	on_message(s, i, peer, pport, rd_init(buf + off, n - off));
}

/* expire drops half-open SAs older than HALF_OPEN_MS. */
static void
expire(struct srv *s)
{
	int64_t		 now = net_now_ms();
	struct slot	*sl;

	while ((sl = table_oldest_half(&s->tab)) != NULL &&
	    now - sl->born_ms > HALF_OPEN_MS) {
		trace(sl->name, "half-open SA expired");
		free_slot(s, sl);
	}
}

void
serve(struct srv *s)
{
	struct pollfd	 p[2];
	struct slot	*sl;
	int		 n, k, wait = 1000;

	log_debug("listening on ports %u and %u", s->lport[0], s->lport[1]);
	while (!got_stop) {
		if (got_hup) {		/* established SAs are not touched */
			got_hup = 0;
			reload(s);
		}
		p[0].fd = s->fd[0];
		p[1].fd = s->fd[1];
		p[0].events = p[1].events = POLLIN;
		n = poll(p, 2, wait);
		if (n < 0 && errno != EINTR)
			die(EXIT_LOCAL, "poll: %s", strerror(errno));
		for (k = 0; n > 0 && k < 2; k++)
			if (p[k].revents & POLLIN) {
				(void)dgram_read(s, k, datagram);
				dgram_flush(s);	/* the answers */
			}
		writer_flush(s, flushed);	/* the round's state files */
		fflush(stdout);			/* and its events, at once */
		expire(s);
		budgets_report();
		dh_reuse_expire(&s->dh_reuse);
		leases_check(s);
		cookie_gen_tick(&s->cookies, net_now_ms());
		wait = rr_tick(s);		/* return routability checks */
		dgram_flush(s);
	}
	log_debug("stopping: %lu ESP, %lu keepalives, %lu unknown SPIs, %lu bad "
	    "message IDs, %lu dropped, %lu half-open refused, %lu retransmits, "
	    "%lu cookies asked", s->cnt.esp, s->cnt.keepalive, s->cnt.unknown_spi,
	    s->cnt.bad_msgid, s->cnt.dropped, s->cnt.half_open_full,
	    s->cnt.retransmits, s->cnt.cookies_sent);
	dgram_flush(s);
	writer_flush(s, flushed);
	while ((sl = table_first(&s->tab)) != NULL)
		free_slot(s, sl);
	rr_stop();
}
