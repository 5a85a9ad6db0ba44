/* SPDX-License-Identifier: ISC */
/* UDP 500/4500 sockets for an initiator: connect, send with the non-ESP marker, wait with a deadline. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "buf/buf.h"
#include "codec/natt.h"
#include "io/net.h"

enum { NET_DGRAM_MAX = 65536 };

socklen_t
net_sockaddr(struct sockaddr_storage *ss, int af, const uint8_t *addr,
    uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (af == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (addr != NULL)
			memcpy(&s6->sin6_addr, addr, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	if (addr != NULL)
		memcpy(&s4->sin_addr, addr, 4);
	return sizeof(*s4);
}

static void
sockaddr_get(const struct sockaddr_storage *ss, uint8_t *addr, uint16_t *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		memcpy(addr, &s6->sin6_addr, 16);
		*port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		memcpy(addr, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
	}
}

int64_t
net_now_ms(void)
{
	return mono_ms();
}

static enum ike_err
open_one(struct net *n, int i, const uint8_t *local, uint16_t lport,
    const uint8_t *peer, uint16_t pport, bool strict)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 one = 1, fd;

	if ((fd = socket(n->af, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP)) < 0)
		return IKE_EIO;
	n->fd[i] = fd;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	len = net_sockaddr(&ss, n->af, local, lport);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
		if (strict || (errno != EACCES && errno != EADDRINUSE))
			return IKE_EIO;
		log_debug("bind to port %u: %s; using any port", lport,
		    strerror(errno));
		len = net_sockaddr(&ss, n->af, local, 0);
		if (bind(fd, (struct sockaddr *)&ss, len) != 0)
			return IKE_EIO;
	}
	len = net_sockaddr(&ss, n->af, peer, pport);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0)
		return IKE_EIO;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return IKE_EIO;
	sockaddr_get(&ss, n->local, &n->lport[i]);
	n->pport[i] = pport;
	return IKE_OK;
}

enum ike_err
net_open(struct net *n, int af, const uint8_t *local,
    const uint16_t local_port[2], const uint8_t *peer,
    const uint16_t peer_port[2], bool strict)
{
	enum ike_err	 e;
	int		 i, saved;

	memset(n, 0, sizeof(*n));
	n->fd[0] = n->fd[1] = -1;
	n->af = af;
	memcpy(n->peer, peer, af == AF_INET6 ? 16 : 4);
	for (i = 0; i < 2; i++) {
		if ((e = open_one(n, i, local, local_port[i], peer, peer_port[i],
		    strict)) != IKE_OK) {
			saved = errno;
			net_close(n);
			errno = saved;
			return e;
		}
	}
	return IKE_OK;
}

void
net_close(struct net *n)
{
	int	 i;

	for (i = 0; i < 2; i++) {
		if (n->fd[i] >= 0)
			close(n->fd[i]);
		n->fd[i] = -1;
	}
}

enum ike_err
net_send(struct net *n, int i, const uint8_t *msg, size_t len)
{
	static const uint8_t	 marker[4];
	struct iovec		 iov[2];
	struct msghdr		 mh;
	ssize_t			 r;

	memset(&mh, 0, sizeof(mh));
	iov[0].iov_base = (void *)marker;
	iov[0].iov_len = sizeof(marker);
	iov[1].iov_base = (void *)msg;
	iov[1].iov_len = len;
	mh.msg_iov = i == 1 ? iov : iov + 1;
	mh.msg_iovlen = i == 1 ? 2 : 1;
	do
		r = sendmsg(n->fd[i], &mh, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno != ECONNREFUSED)
		return IKE_EIO;
	return IKE_OK;
}

enum ike_err
net_recv(struct net *n, int ms, uint8_t *buf, size_t cap, size_t *len,
    int *which)
{
	static uint8_t	 dgram[NET_DGRAM_MAX];
	struct pollfd	 pfd[2];
	struct rd	 ike;
	int64_t		 end = net_now_ms() + ms, left;
	ssize_t		 r;
	int		 i, k;

	for (;;) {
		if ((left = end - net_now_ms()) <= 0)
			return IKE_ETIMEOUT;
		for (i = 0; i < 2; i++) {
			pfd[i].fd = n->fd[i];
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		k = poll(pfd, 2, (int)left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return IKE_EIO;
		for (i = 0; i < 2; i++) {
			if ((pfd[i].revents & (POLLIN | POLLERR)) == 0)
				continue;
			r = recv(n->fd[i], dgram, sizeof(dgram), 0);
			if (r < 0) {
				if (errno == ECONNREFUSED || errno == EINTR ||
				    errno == EAGAIN)
					continue;
				return IKE_EIO;
			}
			if (i == 1) {
				if (natt_classify(rd_init(dgram, (size_t)r), &ike) !=
				    NATT_IKE)
					continue;
			} else
				ike = rd_init(dgram, (size_t)r);
			if (ike.len > cap || ike.len < 28)
				continue;
			memcpy(buf, ike.p, ike.len);
			*len = ike.len;
			*which = i;
			return IKE_OK;
		}
	}
}

/* net_parse_hostport reads "ADDR", "ADDR:PORT" (IPv4) or "[ADDR]:PORT". */
bool
net_parse_hostport(const char *s, int *af, uint8_t *addr, uint16_t *port,
    bool *has_port)
{
	char		 buf[INET6_ADDRSTRLEN + 1];
	const char	*p = NULL, *colon;
	size_t		 n;
	char		*end;
	long		 v;

	*has_port = false;
	if (s[0] == '[') {
		if ((colon = strchr(s, ']')) == NULL)
			return false;
		n = (size_t)(colon - s - 1);
		if (colon[1] == ':')
			p = colon + 2;
		else if (colon[1] != '\0')
			return false;
		s++;
	} else if ((colon = strchr(s, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
		n = (size_t)(colon - s);
		p = colon + 1;
	} else
		n = strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		*af = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*af = AF_INET6;
	else
		return false;
	if (p != NULL) {
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno != 0 || *end != '\0' || *p < '0' || *p > '9' || v < 1 ||
		    v > 65535)
			return false;
		*port = (uint16_t)v;
		*has_port = true;
	}
	return true;
}

void
net_format_hostport(int af, const uint8_t *a, uint16_t port, bool with_port,
    char *buf, size_t n)
{
	char	 s[INET6_ADDRSTRLEN];

	inet_ntop(af, a, s, sizeof(s));
	if (!with_port)
		snprintf(buf, n, "%s", s);
	else if (af == AF_INET6)
		snprintf(buf, n, "[%s]:%u", s, port);
	else
		snprintf(buf, n, "%s:%u", s, port);
}
