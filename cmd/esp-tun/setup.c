/* SPDX-License-Identifier: ISC */
/* Setting up: the SA's sockets, the TUN device with its addresses and routes, then dropping privileges. */
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "io/net.h"
#include "cidr.h"
#include "dev.h"
#include "privs.h"
#include "rawsock.h"
#include "rtnl.h"
#include "esptun.h"

/* room for bursts: a GRO receive is one 64 KiB buffer against the limit */
enum { SOCK_BUF = 16 << 20 };

/* bind_connect binds fd to our end and connects it to the peer's: the
 * kernel then hands this socket every datagram of that peer, ahead of an
 * unconnected socket on the same port (ike-respond's). */
static void
bind_connect(struct tunnel *t, int fd, uint16_t lport, uint16_t rport,
    const char *what)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 a[64];
	int			 one = 1, size = SOCK_BUF;

	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	len = net_sockaddr(&ss, t->af, t->local, lport);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
		net_format_hostport(t->af, t->local, lport, lport != 0, a,
		    sizeof(a));
		die(EXIT_LOCAL, "%s: %s: bind %s: %s%s", t->name, what, a,
		    strerror(errno), errno == EADDRINUSE ? " (another program "
		    "holds it without SO_REUSEPORT: ike-initiate --stay?)" : "");
	}
	len = net_sockaddr(&ss, t->af, t->remote, rport);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0)
		die(EXIT_LOCAL, "%s: %s: connect: %s", t->name, what,
		    strerror(errno));
}

void
sockets_open(struct tunnel *t)
{
	size_t	 i;
	bool	 raw = false, udp = false;

	for (i = 0; i < t->n_child; i++) {
		raw |= !t->child[i]->encap;
		udp |= t->child[i]->encap;
	}
	if (udp && (t->lport == 500 || t->rport == 500))
		die(EXIT_FAIL, "%s: a Child SA is UDP-encapsulated but the IKE SA "
		    "is on port 500, not the NAT-T port", t->name);
	/* the IKE SA's own port: ESP with encap=udp, and the peer's requests */
	if ((t->udp_fd = socket(t->af, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		die(EXIT_LOCAL, "%s: socket: %s", t->name, strerror(errno));
	bind_connect(t, t->udp_fd, t->lport, t->rport, "UDP");
	/* the kernel joins a burst of the peer's datagrams into one receive
	 * (UDP GRO), and cuts our runs of equal ones (UDP GSO) */
	t->offload = udp && !t->o.no_offload;
	if (t->offload && setsockopt(t->udp_fd, SOL_UDP, UDP_GRO, &(int){ 1 },
	    sizeof(int)) != 0) {
		log_debug("%s: UDP GRO: %s: offloads off", t->name,
		    strerror(errno));
		t->offload = false;
	}
	t->raw_fd = -1;
	if (!raw)
		return;
	if ((t->raw_fd = socket(t->af, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ESP)) < 0)
		die(EXIT_LOCAL, "%s: ESP socket: %s", t->name, strerror(errno));
	bind_connect(t, t->raw_fd, 0, 0, "ESP");
}

/* sockets_bound makes a UDP socket bound to local:lport and connected to
 * remote:rport (af's), as the SA's own is; -1 (logged) if it cannot. Port
 * 4500 takes no privilege, so this works after privs_drop. */
int
sockets_bound(struct tunnel *t, int af, const uint8_t *local, uint16_t lport,
    const uint8_t *remote, uint16_t rport)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, one = 1, size = SOCK_BUF;

	if ((fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		log_warn("%s: socket: %s", t->name, strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	len = net_sockaddr(&ss, af, local, lport);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
		log_warn("%s: moving: bind: %s", t->name, strerror(errno));
		close(fd);
		return -1;
	}
	len = net_sockaddr(&ss, af, remote, rport);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
		log_warn("%s: moving: connect: %s", t->name, strerror(errno));
		close(fd);
		return -1;
	}
	if (t->offload && setsockopt(fd, SOL_UDP, UDP_GRO, &one,
	    sizeof(one)) != 0)
		t->offload = false;
	return fd;
}

/* sockets_adopt makes fd (from sockets_bound) the SA's UDP socket, the
 * endpoints its own, and returns the old one: the caller closes it. */
int
sockets_adopt(struct tunnel *t, int fd, int af, const uint8_t *local,
    uint16_t lport, const uint8_t *remote, uint16_t rport)
{
	int	 old = t->udp_fd;

	t->udp_fd = fd;
	t->af = af;
	memcpy(t->local, local, sizeof(t->local));
	memcpy(t->remote, remote, sizeof(t->remote));
	t->lport = lport;
	t->rport = rport;
	return old;
}

/* sockets_move moves the SA's UDP socket to local:lport <-> remote:rport,
 * what ike.sa has after a MOBIKE move (RFC 4555): a new socket in place of
 * the old one, which it returns (the caller closes it); -1 (logged,
 * nothing changed) if the new one cannot be made. */
int
sockets_move(struct tunnel *t, int af, const uint8_t *local, uint16_t lport,
    const uint8_t *remote, uint16_t rport)
{
	int	 fd;

	if ((fd = sockets_bound(t, af, local, lport, remote, rport)) < 0)
		return -1;
	return sockets_adopt(t, fd, af, local, lport, remote, rport);
}

/* sockets_move_raw moves the SA's IP protocol 50 socket to the endpoints
 * t has now (after sockets_move). A new raw socket takes CAP_NET_RAW, gone
 * after privs_drop: the keeper makes it (rawsock.c), and it takes the old
 * one's descriptor number, so the data path's poll set stays as it is.
 * Packets the peer sent to the old address are lost from then on. 0, or
 * -1 (logged) with the old socket kept. */
int
sockets_move_raw(struct tunnel *t)
{
	int	 fd, size = SOCK_BUF;

	if ((fd = rawsock_get(t->af, t->local, t->remote)) < 0) {
		log_warn("%s: moving: ESP socket: %s", t->name,
		    strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (dup3(fd, t->raw_fd, O_CLOEXEC) < 0) {
		log_warn("%s: moving: ESP socket: %s", t->name,
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The routes of one Child SA's remote selectors. */
struct routes {
	struct tunnel	*t;
	int		 af;
	const uint8_t	*src;
	bool		 failed;
};

static void
add_route(const uint8_t *prefix, int len, void *arg)
{
	struct routes	*r = arg;
	uint8_t		 half[16];
	char		 a[INET6_ADDRSTRLEN];

	/* a default route would replace the host's: two halves instead */
	if (len == 0) {
		memset(half, 0, sizeof(half));
		add_route(half, 1, arg);
		half[0] = 0x80;
		add_route(half, 1, arg);
		return;
	}
	if (rtnl_route_add(r->t->dev, r->af, prefix, len, r->src) != 0) {
		inet_ntop(r->af, prefix, a, sizeof(a));
		log_warn("%s: route %s/%d: %s", r->t->dev, a, len,
		    strerror(errno));
		r->failed = true;
	}
}

/* The first address of this host inside a Child SA's local selectors. */
struct find_src {
	const struct ts_pld	*ts;
	int			 af;
	uint8_t			 addr[16];
	bool			 found;
};

static int
src_in_ts(int ifindex, const uint8_t *addr, int prefixlen, void *arg)
{
	struct find_src	*f = arg;

	(void)ifindex;
	(void)prefixlen;
	if (!ts_contains(f->ts, f->af, addr, 0, 0))
		return 0;
	memcpy(f->addr, addr, f->af == AF_INET ? 4 : 16);
	f->found = true;
	return 1;
}

/* peer_exception keeps the peer's own address off the tunnel when a remote
 * selector covers it: a host route through what the kernel uses now. */
static void
peer_exception(struct tunnel *t, const struct child *c)
{
	uint8_t		 gw[16], src[16];
	bool		 has_gw = false;
	int		 oif = 0;

	if (!ts_contains(&c->remote_ts, t->af, t->remote, 0, 0))
		return;
	if (rtnl_route_get(t->af, t->remote, gw, &has_gw, &oif, src) != 0 ||
	    rtnl_route_add_via(t->af, t->remote, t->af == AF_INET ? 32 : 128,
	    has_gw ? gw : NULL, oif) != 0)
		die(EXIT_LOCAL, "%s: a route for the peer outside the tunnel: %s",
		    t->name, strerror(errno));
}

static void
routes(struct tunnel *t, const uint8_t tun_addr[2][16], const bool has[2])
{
	struct routes	 r;
	struct find_src	 f;
	const struct ts	*s;
	struct child	*c;
	size_t		 i;
	int		 k, fam;

	for (i = 0; i < t->n_child; i++) {
		c = t->child[i];
		peer_exception(t, c);
		for (k = 0; k < c->remote_ts.n_ts; k++) {
			s = &c->remote_ts.ts[k];
			if (s->addr_len != 4 && s->addr_len != 16)
				continue;
			fam = s->addr_len == 4 ? 0 : 1;
			r = (struct routes){ t, fam ? AF_INET6 : AF_INET, NULL,
			    false };
			if (has[fam])
				r.src = tun_addr[fam];
			else {
				f = (struct find_src){ &c->local_ts, r.af, {0},
				    false };
				(void)rtnl_addr_each(r.af, src_in_ts, &f);
				if (f.found)
					r.src = f.addr;
			}
			(void)range_to_prefixes(r.af, s->start, s->end,
			    add_route, &r);
			if (r.failed)
				die(EXIT_LOCAL, "%s: cannot route the Child SA's "
				    "traffic into the tunnel", t->dev);
		}
	}
}

/* parse_addr reads ADDR[/LEN] (default a host prefix). */
static bool
parse_addr(const char *s, int *af, uint8_t *a, int *len)
{
	char	 buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long	 v;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		*af = AF_INET;
	else if (inet_pton(AF_INET6, buf, a) == 1)
		*af = AF_INET6;
	else
		return false;
	*len = *af == AF_INET ? 32 : 128;
	if (slash == NULL)
		return true;
	v = strtol(slash, &end, 10);
	if (*slash == '\0' || *end != '\0' || v < 0 || v > *len)
		return false;
	*len = (int)v;
	return true;
}

bool
addr_ok(const char *s)
{
	uint8_t	 a[16];
	int	 af, len;

	return parse_addr(s, &af, a, &len);
}

void
tun_setup(struct tunnel *t)
{
	uint8_t		 a[16], tun_addr[2][16];
	bool		 has[2] = { false, false };
	char		 vip[sizeof(t->ikf.vip)], *tok, *save = NULL;
	int		 af, len, i, fam;

	if ((t->tun_fd = tun_open(t->o.dev, t->dev)) < 0)
		die(EXIT_LOCAL, "TUN device %s: %s", t->o.dev, strerror(errno));
	if (t->o.no_config)
		return;
	if (rtnl_link_set(t->dev, t->o.mtu, true) != 0)
		die(EXIT_LOCAL, "%s: MTU %d, up: %s", t->dev, t->o.mtu,
		    strerror(errno));
	for (i = 0; i < t->o.n_addr; i++) {
		(void)parse_addr(t->o.addr[i], &af, a, &len);	/* checked */
		if (rtnl_addr_add(t->dev, af, a, len) != 0)
			die(EXIT_LOCAL, "%s: address %s: %s", t->dev,
			    t->o.addr[i], strerror(errno));
		fam = af == AF_INET ? 0 : 1;
		if (!has[fam])
			memcpy(tun_addr[fam], a, sizeof(a));
		has[fam] = true;
	}
	/* without --addr, the virtual IP the peer gave us (RFC 7296 2.19) */
	snprintf(vip, sizeof(vip), "%s", t->ikf.vip);
	for (tok = strtok_r(vip, ",", &save); t->o.n_addr == 0 && tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (!parse_addr(tok, &af, a, &len) ||
		    t->ike.role != ROLE_INITIATOR)
			continue;
		if (rtnl_addr_add(t->dev, af, a, len) != 0)
			die(EXIT_LOCAL, "%s: address %s: %s", t->dev, tok,
			    strerror(errno));
		fam = af == AF_INET ? 0 : 1;
		memcpy(tun_addr[fam], a, sizeof(a));
		has[fam] = true;
	}
	routes(t, (const uint8_t (*)[16])tun_addr, has);
}

/* relay_path writes DIR/SA/.esp-tun.sock to sun. */
static bool
relay_path(const struct tunnel *t, struct sockaddr_un *sun)
{
	int	 n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s/.esp-tun.sock",
	    t->dir, t->name);
	return n > 0 && (size_t)n < sizeof(sun->sun_path);
}

/* relay_open binds .esp-tun.sock, where ike-rekey hands us its requests
 * for the peer: we own the port (ike-rekey(8)). Without it (a path too
 * long) ike-rekey cannot reach the peer while we run; we go on. */
static void
relay_open(struct tunnel *t)
{
	struct sockaddr_un	 sun;

	if (!relay_path(t, &sun)) {
		log_warn("%s: state directory path too long for .esp-tun.sock: "
		    "ike-rekey cannot work through us", t->name);
		return;
	}
	if ((t->ctl_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0)
		die(EXIT_LOCAL, "socket: %s", strerror(errno));
	(void)unlink(sun.sun_path);	/* an earlier esp-tun's: we hold .esp-tun */
	if (bind(t->ctl_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		die(EXIT_LOCAL, "%s: %s", sun.sun_path, strerror(errno));
}

void
relay_close(struct tunnel *t)
{
	struct sockaddr_un	 sun;

	if (t->ctl_fd < 0)
		return;
	close(t->ctl_fd);
	t->ctl_fd = -1;
	if (relay_path(t, &sun))
		(void)unlink(sun.sun_path);
}

void
watch_and_drop(struct tunnel *t)
{
	char	 path[sizeof(t->dir) + SD_NAME_MAX + 2];

	if ((t->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		die(EXIT_LOCAL, "inotify: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", t->dir, t->name);
	if (inotify_add_watch(t->ino_fd, path, IN_MOVED_TO | IN_MOVED_FROM |
	    IN_DELETE | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF |
	    IN_ONLYDIR) < 0)
		die(EXIT_LOCAL, "%s: inotify: %s", path, strerror(errno));
	relay_open(t);
	/* raw ESP follows a move through the keeper: nothing else needs
	 * CAP_NET_ADMIN or CAP_NET_RAW */
	if (t->raw_fd >= 0 && rawsock_keeper_start() != 0)
		die(EXIT_LOCAL, "raw socket keeper: %s", strerror(errno));
	if (privs_drop() != 0)
		die(EXIT_LOCAL, "dropping privileges: %s", strerror(errno));
}
