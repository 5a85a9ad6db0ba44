/* SPDX-License-Identifier: ISC */
/* esp-tun: interface, address and route configuration over rtnetlink. */
#include <sys/socket.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "crypto/secret.h"
#include "rtnl.h"

enum {
	REQ_MAX		= 256,		/* our longest request is under 100 */
	RECV_MAX	= 32768,	/* the kernel's largest dump message */
};

/* One request: the netlink header, the family's header, attributes. */
struct req {
	union {
		struct nlmsghdr	 nh;
		uint32_t	 words[REQ_MAX / 4];
	};
};

/* What rtnl_route_get wants from the kernel's answer. */
struct route_get {
	size_t		 alen;
	uint8_t		*gw;
	bool		*has_gw;
	int		*oif;
	uint8_t		*prefsrc;
};

/* What rtnl_addr_each passes on to its caller. */
struct addr_each {
	int		 af;
	size_t		 alen;
	int		(*fn)(int, const uint8_t *, int, void *);
	void		*arg;
};

/* addr_len returns the address length of af (4 or 16), or 0 with errno
 * EINVAL for another af. */
static size_t
addr_len(int af)
{
	if (af == AF_INET)
		return 4;
	if (af == AF_INET6)
		return 16;
	errno = EINVAL;
	return 0;
}

/* prefix_ok returns whether prefixlen fits addresses of alen bytes; errno
 * EINVAL when not. */
static bool
prefix_ok(size_t alen, int prefixlen)
{
	if (prefixlen < 0 || prefixlen > (int)alen * 8) {
		errno = EINVAL;
		return false;
	}
	return true;
}

/* ifindex returns the index of ifname, or -1 with errno ENODEV. */
static int
ifindex(const char *ifname)
{
	unsigned int	 i;

	if ((i = if_nametoindex(ifname)) == 0)
		return -1;
	return (int)i;
}

/* req_init starts r as a request of type with flags and returns its family
 * header of hdrlen bytes, zeroed. */
static void *
req_init(struct req *r, uint16_t type, uint16_t flags, size_t hdrlen)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(hdrlen);
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	return NLMSG_DATA(&r->nh);
}

/* req_attr appends attribute type holding len bytes of data. The requests
 * of this file are fixed and far below REQ_MAX, so it cannot overflow. */
static void
req_attr(struct req *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr	*rta;

	rta = (struct rtattr *)((char *)&r->nh + NLMSG_ALIGN(r->nh.nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* req_prefix appends attribute type holding the first alen bytes of addr
 * with the bits past prefixlen cleared: IPv4 refuses a route to 10.0.0.1/24
 * where IPv6 takes it, and ranges give such prefixes. */
static void
req_prefix(struct req *r, unsigned short type, const uint8_t *addr,
    size_t alen, int prefixlen)
{
	uint8_t	 a[16];
	size_t	 i;

	memcpy(a, addr, alen);
	for (i = 0; i < alen; i++) {
		if ((int)i * 8 >= prefixlen)
			a[i] = 0;
		else if ((int)i * 8 + 8 > prefixlen)
			a[i] &= 0xff << (8 - prefixlen % 8);
	}
	req_attr(r, type, a, alen);
}

/*
 * rtnl_talk sends req on a new NETLINK_ROUTE socket and reads the answer up
 * to the kernel's ack or, for a dump, NLMSG_DONE, calling fn (unless NULL)
 * for every other message of the answer. Returns 0 at the end, what fn
 * returned when that was not 0, or -1 with errno (the kernel's error).
 */
static int
rtnl_talk(struct req *req, int (*fn)(const struct nlmsghdr *, void *),
    void *arg)
{
	struct sockaddr_nl	 sa;
	struct iovec		 iov;
	struct msghdr		 mh;
	struct nlmsghdr		*nh;
	struct nlmsgerr		*e;
	uint32_t		 buf[RECV_MAX / 4];
	ssize_t			 n;
	int			 fd, ret = -1, v, saved;

	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	req->nh.nlmsg_seq = 1;
	if (sendto(fd, &req->nh, req->nh.nlmsg_len, 0, (struct sockaddr *)&sa,
	    sizeof(sa)) < 0)
		goto out;
	for (;;) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		mh.msg_name = &sa;
		mh.msg_namelen = sizeof(sa);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if ((n = recvmsg(fd, &mh, 0)) < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			errno = EMSGSIZE;
			goto out;
		}
		/* Only the kernel answers: anything else is not ours. */
		if (sa.nl_pid != 0)
			continue;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, n);
		    nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != req->nh.nlmsg_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				e = NLMSG_DATA(nh);
				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
					errno = EBADMSG;
					goto out;
				}
				/* An error of 0 is the ack. */
				if (e->error != 0) {
					errno = -e->error;
					goto out;
				}
				ret = 0;
				goto out;
			}
			if (nh->nlmsg_type == NLMSG_DONE) {
				/* A dump that failed part way says so here. */
				if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(v))) {
					memcpy(&v, NLMSG_DATA(nh), sizeof(v));
					if (v < 0) {
						errno = -v;
						goto out;
					}
				}
				ret = 0;
				goto out;
			}
			if (fn != NULL && (v = fn(nh, arg)) != 0) {
				ret = v;
				goto out;
			}
		}
	}
out:
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

int
rtnl_link_set(const char *ifname, int mtu, bool up)
{
	struct req		 r;
	struct ifinfomsg	*ifi;
	uint32_t		 m;
	int			 idx;

	if (mtu < 0) {
		errno = EINVAL;
		return -1;
	}
	if ((idx = ifindex(ifname)) < 0)
		return -1;
	ifi = req_init(&r, RTM_SETLINK, NLM_F_ACK, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	if (mtu > 0) {
		m = (uint32_t)mtu;
		req_attr(&r, IFLA_MTU, &m, sizeof(m));
	}
	return rtnl_talk(&r, NULL, NULL);
}

int
rtnl_addr_add(const char *ifname, int af, const uint8_t *addr, int prefixlen)
{
	struct req		 r;
	struct ifaddrmsg	*ifa;
	size_t			 alen;
	int			 idx;

	if ((alen = addr_len(af)) == 0 || !prefix_ok(alen, prefixlen))
		return -1;
	if ((idx = ifindex(ifname)) < 0)
		return -1;
	ifa = req_init(&r, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
	    sizeof(*ifa));
	ifa->ifa_family = af;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = idx;
	/* Without it the address stays tentative for a second or more and
	 * the kernel refuses it as a route's src. Nothing else can be on the
	 * other end of a TUN device to be a duplicate. */
	if (af == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	req_attr(&r, IFA_LOCAL, addr, alen);
	req_attr(&r, IFA_ADDRESS, addr, alen);
	if (rtnl_talk(&r, NULL, NULL) != 0)
		return errno == EEXIST ? 0 : -1;
	return 0;
}

/* route_new sends RTM_NEWROUTE for dst/prefixlen in the main table, to
 * replace a route to the same prefix, with scope link when gw is NULL,
 * through oif unless it is 0, with src unless NULL. */
static int
route_new(int af, const uint8_t *dst, int prefixlen, const uint8_t *gw,
    int oif, const uint8_t *src)
{
	struct req	 r;
	struct rtmsg	*rtm;
	size_t		 alen;

	if ((alen = addr_len(af)) == 0 || !prefix_ok(alen, prefixlen))
		return -1;
	rtm = req_init(&r, RTM_NEWROUTE,
	    NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, sizeof(*rtm));
	rtm->rtm_family = af;
	rtm->rtm_dst_len = prefixlen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = gw != NULL ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (prefixlen > 0)
		req_prefix(&r, RTA_DST, dst, alen, prefixlen);
	if (gw != NULL)
		req_attr(&r, RTA_GATEWAY, gw, alen);
	if (oif > 0)
		req_attr(&r, RTA_OIF, &oif, sizeof(oif));
	if (src != NULL)
		req_attr(&r, RTA_PREFSRC, src, alen);
	return rtnl_talk(&r, NULL, NULL);
}

int
rtnl_route_add(const char *ifname, int af, const uint8_t *dst, int prefixlen,
    const uint8_t *src)
{
	int	 idx;

	if ((idx = ifindex(ifname)) < 0)
		return -1;
	return route_new(af, dst, prefixlen, NULL, idx, src);
}

int
rtnl_route_add_via(int af, const uint8_t *dst, int prefixlen,
    const uint8_t *gw, int oif)
{
	return route_new(af, dst, prefixlen, gw, oif, NULL);
}

static int
route_get_parse(const struct nlmsghdr *nh, void *arg)
{
	struct route_get	*g = arg;
	const struct rtmsg	*rtm;
	const struct rtattr	*rta;
	int			 len;

	if (nh->nlmsg_type != RTM_NEWROUTE ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return 0;
	rtm = NLMSG_DATA(nh);
	len = (int)RTM_PAYLOAD(nh);
	for (rta = RTM_RTA(rtm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		switch (rta->rta_type) {
		case RTA_GATEWAY:
			if (RTA_PAYLOAD(rta) != g->alen)
				break;
			if (g->gw != NULL)
				memcpy(g->gw, RTA_DATA(rta), g->alen);
			if (g->has_gw != NULL)
				*g->has_gw = true;
			break;
		case RTA_OIF:
			if (RTA_PAYLOAD(rta) == sizeof(int) && g->oif != NULL)
				memcpy(g->oif, RTA_DATA(rta), sizeof(int));
			break;
		case RTA_PREFSRC:
			if (RTA_PAYLOAD(rta) == g->alen && g->prefsrc != NULL)
				memcpy(g->prefsrc, RTA_DATA(rta), g->alen);
			break;
		}
	}
	return 0;
}

int
rtnl_route_get(int af, const uint8_t *dst, uint8_t *gw_out, bool *has_gw,
    int *oif_out, uint8_t *prefsrc_out)
{
	struct req		 r;
	struct rtmsg		*rtm;
	struct route_get	 g;

	if ((g.alen = addr_len(af)) == 0)
		return -1;
	g.gw = gw_out;
	g.has_gw = has_gw;
	g.oif = oif_out;
	g.prefsrc = prefsrc_out;
	if (gw_out != NULL)
		memset(gw_out, 0, g.alen);
	if (has_gw != NULL)
		*has_gw = false;
	if (oif_out != NULL)
		*oif_out = 0;
	if (prefsrc_out != NULL)
		memset(prefsrc_out, 0, g.alen);
	rtm = req_init(&r, RTM_GETROUTE, NLM_F_ACK, sizeof(*rtm));
	rtm->rtm_family = af;
	rtm->rtm_dst_len = g.alen * 8;
	req_attr(&r, RTA_DST, dst, g.alen);
	return rtnl_talk(&r, route_get_parse, &g);
}

static int
addr_each_parse(const struct nlmsghdr *nh, void *arg)
{
	struct addr_each	*a = arg;
	const struct ifaddrmsg	*ifa;
	const struct rtattr	*rta;
	const uint8_t		*local = NULL, *address = NULL;
	uint32_t		 flags;
	int			 len;

	if (nh->nlmsg_type != RTM_NEWADDR ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return 0;
	ifa = NLMSG_DATA(nh);
	if (ifa->ifa_family != a->af || ifa->ifa_scope >= RT_SCOPE_LINK)
		return 0;
	flags = ifa->ifa_flags;
	len = (int)IFA_PAYLOAD(nh);
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		switch (rta->rta_type) {
		case IFA_LOCAL:
			if (RTA_PAYLOAD(rta) == a->alen)
				local = RTA_DATA(rta);
			break;
		case IFA_ADDRESS:
			if (RTA_PAYLOAD(rta) == a->alen)
				address = RTA_DATA(rta);
			break;
		case IFA_FLAGS:
			/* The full flags; ifa_flags has only the low 8. */
			if (RTA_PAYLOAD(rta) == sizeof(flags))
				memcpy(&flags, RTA_DATA(rta), sizeof(flags));
			break;
		}
	}
	if (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
		return 0;
	/* On a point-to-point link IFA_ADDRESS is the peer's. */
	if (local == NULL)
		local = address;
	if (local == NULL)
		return 0;
	return a->fn((int)ifa->ifa_index, local, ifa->ifa_prefixlen, a->arg);
}

int
rtnl_addr_each(int af, int (*fn)(int ifindex, const uint8_t *addr,
    int prefixlen, void *arg), void *arg)
{
	struct req		 r;
	struct ifaddrmsg	*ifa;
	struct addr_each	 a;

	if ((a.alen = addr_len(af)) == 0)
		return -1;
	a.af = af;
	a.fn = fn;
	a.arg = arg;
	ifa = req_init(&r, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	ifa->ifa_family = af;
	return rtnl_talk(&r, addr_each_parse, &a);
}

int
rtnl_watch_open(void)
{
	struct sockaddr_nl	 sa;
	int			 fd;

	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    NETLINK_ROUTE)) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* What rtnl_watch_read looks for. */
struct watch {
	int		 af;
	size_t		 alen;
	const uint8_t	*addr;
	bool		 gone, added;
};

/* watch_parse notes the addresses of af added, and whether addr went. */
static void
watch_parse(const struct nlmsghdr *nh, struct watch *w)
{
	const struct ifaddrmsg	*ifa;
	const struct rtattr	*rta;
	int			 len;

	if ((nh->nlmsg_type != RTM_NEWADDR && nh->nlmsg_type != RTM_DELADDR) ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return;
	ifa = NLMSG_DATA(nh);
	if (ifa->ifa_family != w->af)
		return;
	if (nh->nlmsg_type == RTM_NEWADDR) {
		w->added = true;
		return;
	}
	len = (int)IFA_PAYLOAD(nh);
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if ((rta->rta_type == IFA_LOCAL ||
		    rta->rta_type == IFA_ADDRESS) &&
		    RTA_PAYLOAD(rta) == w->alen &&
		    ct_eq(RTA_DATA(rta), w->addr, w->alen))
			w->gone = true;
}

int
rtnl_watch_read(int fd, int af, const uint8_t *addr, bool *added)
{
	static uint8_t		 buf[RECV_MAX]
	    __attribute__((aligned(__alignof__(struct nlmsghdr))));
	const struct nlmsghdr	*nh;
	struct watch		 w = { af, 0, addr, false, false };
	ssize_t			 n;
	int			 len;

	if ((w.alen = addr_len(af)) == 0)
		return -1;
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		len = (int)n;
		for (nh = (const struct nlmsghdr *)(void *)buf;
		    NLMSG_OK(nh, (unsigned)len); nh = NLMSG_NEXT(nh, len))
			watch_parse(nh, &w);
	}
	/* ENOBUFS: events lost; the caller looks at the addresses itself */
	if (n < 0 && errno == ENOBUFS)
		w.added = true;
	*added = w.added;
	return w.gone ? 1 : 0;
}
