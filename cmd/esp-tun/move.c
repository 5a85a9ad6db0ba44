/* SPDX-License-Identifier: ISC */
/* esp-tun and MOBIKE (RFC 4555): following ike.sa after a move, answering the peer's UPDATE_SA_ADDRESSES, and moving the IKE SA itself when its address goes away. */
#include <sys/socket.h>

#include <net/if.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "crypto/secret.h"
#include "exchange/mobike.h"
#include "exchange/retx.h"
#include "io/net.h"
#include "rtnl.h"
#include "esptun.h"

enum {
	MOVE_DRAIN_MS	= 10000,	/* the socket moved from still takes
					 * what the peer sends there */
	MOVE_TIMEOUT_MS	= 30000,	/* a move unanswered: another later */
};

static int64_t		 moved_ms;	/* of the last move */

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

/* move_follow moves the SA's UDP socket where ike.sa now says the IKE SA is:
 * ike-rekey --move-to, or the peer's move (RFC 4555), recorded by whoever
 * ran the exchange. The Child SAs, counters and sequence numbers stay. */
void
move_follow(struct tunnel *t, struct pollfd *udp, struct pollfd *old)
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
	if (old->fd >= 0)
		close(old->fd);
	/* the old socket still takes, for a while, what the peer sent
	 * before it switched (or, as kernel-libipsec does, until it has
	 * rekeyed the Child SA for the new addresses) */
	if ((old->fd = sockets_move(t, af, local, lport, remote, rport)) < 0)
		return;
	if (t->raw_fd >= 0)
		(void)sockets_move_raw(t);
	moved_ms = t->now_ms;
	udp->fd = t->udp_fd;
	t->ikf.nat = f.nat;
	memcpy(t->ikf.local, f.local, sizeof(t->ikf.local));
	memcpy(t->ikf.remote, f.remote, sizeof(t->ikf.remote));
	moved(t);
}

enum ike_err
move_respond(struct tunnel *t, struct sd_lock *l, struct ike_sa *sa,
    struct rd in, struct wr *w, struct info_req *req,
    const struct child_pair *pairs, size_t n_pairs)
{
	struct mobike_path	 p;
	struct mobike_req	 r;
	enum ike_err		 e;
	size_t			 i;
	bool			 encap = false, nat;

	if (sa != &t->ike || !t->ike.mobike)
		return info_respond_pairs(sa, in, w, req, pairs, n_pairs);
	for (i = 0; i < t->n_child; i++)
		encap |= t->child[i]->encap;
	memset(&p, 0, sizeof(p));
	p.af = t->af;
	memcpy(p.local, t->local, sizeof(p.local));
	memcpy(p.remote, t->remote, sizeof(p.remote));
	p.lport = t->lport;
	p.rport = t->rport;
	/* UDP-encapsulated Child SAs stay so: the peer must see a NAT */
	e = mobike_info_respond(sa, in, &p, encap, w, &r, req, pairs,
	    n_pairs);
	if (!r.mobike)
		return e;
	/* Our socket is connected, so the request came from the peer's
	 * endpoint in ike.sa: an UPDATE_SA_ADDRESSES from there changes at
	 * most the NAT state, recorded once it verified. A peer that moves
	 * to another address reaches ike-respond's socket instead. */
	if (r.invalid)		/* authentic: answered, nothing updated */
		log_warn("%s: a malformed MOBIKE request: answered "
		    "INVALID_SYNTAX", t->name);
	if (e != IKE_OK || !r.update)
		return e;
	nat = r.nat_local || r.nat_remote;
	log_debug("%s: UPDATE_SA_ADDRESSES from %s, NAT %s", t->name,
	    t->ikf.remote, nat ? "yes" : "no");
	if (nat != t->ikf.nat && mobike_record(l, &p, nat, NULL) != IKE_OK)
		log_warn("%s/ike.sa: %s", t->name, strerror(errno));
	else
		t->ikf.nat = nat;
	return e;
}

/*
 * Our own move (RFC 4555 3.5) when the address the IKE SA is on goes away
 * (rtnetlink tells): UPDATE_SA_ADDRESSES from a socket on the address the
 * kernel would now use toward the peer, journaled and under .ike-rekey as
 * every request of ours; answered, ike.sa is updated and that socket
 * becomes the SA's. Unanswered it is sent again (retx.h) for
 * MOVE_TIMEOUT_MS, then given up and started again, maybe from another
 * address.
 */
static struct mover {
	int		 fd;		/* on the new address: a move out */
	int		 hold;		/* .ike-rekey while it is */
	bool		 lost;		/* the IKE SA's address is gone */
	struct retx	 rt;
	int64_t		 retry_ms;
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

void
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
	retx_start(&mv.rt, now, MOVE_TIMEOUT_MS);
}

/* move_done takes the answer's result e: the new path recorded, its
 * socket the SA's (the old one to pfd old, still taking what comes), or
 * the journal dropped and another try later (udp and old are only used
 * when e is IKE_OK). */
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
void
move_input(struct tunnel *t, struct pollfd *udp, struct pollfd *old)
{
	uint8_t		 buf[XCHG_OUT_MAX + 64];
	ssize_t		 n;
	enum ike_err	 e;

	while (mv.fd >= 0 && (n = recv(mv.fd, buf, sizeof(buf),
	    MSG_DONTWAIT)) > 0) {
		if (n == 1 && buf[0] == 0xff)
			continue;
		if (n < 4 || (buf[0] | buf[1] | buf[2] | buf[3]) != 0) {
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
void
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
	if (mv.fd >= 0 && retx_over(&mv.rt, now))
		move_done(t, IKE_ETIMEOUT, NULL, NULL);
	else if (mv.fd >= 0 && retx_due(&mv.rt, now))
		move_send(t);
}

int
move_fd(void)
{
	return mv.fd;
}

void
move_drain(struct pollfd *old, int64_t now)
{
	if (old->fd >= 0 && now >= moved_ms + MOVE_DRAIN_MS) {
		close(old->fd);
		old->fd = -1;
	}
}
