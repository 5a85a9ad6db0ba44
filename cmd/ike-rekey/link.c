/* SPDX-License-Identifier: ISC */
/* ike-rekey's way to the peer: its own socket on the IKE SA's port, or beside esp-tun with the responses handed over through .ike.sock. */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "exchange/retx.h"
#include "io/net.h"
#include "rekey.h"

enum {
	MSG_MAX		= XCHG_OUT_MAX + 4,
};

/* unix_addr fills sun with dir/name; false if the path does not fit. */
static bool
unix_addr(struct sockaddr_un *sun, const char *dir, const char *name)
{
	int	 n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(sun->sun_path)) {
		log_warn("%s/%s: path too long for a socket", dir, name);
		return false;
	}
	return true;
}

bool
link_open(struct link *k, const char *dir, int af, const uint8_t *local,
    uint16_t lport, const uint8_t *remote, uint16_t rport, bool via_esptun)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_un	 sun;
	socklen_t		 len;

	memset(k, 0, sizeof(*k));
	k->udp = k->unx = -1;
	k->natt = lport != 500 && rport != 500;
	if (via_esptun) {
		/* esp-tun owns the port: it sends what we give it and hands
		 * us the peer's responses */
		if (!unix_addr(&sun, dir, ".ike.sock") ||
		    !unix_addr(&k->esptun, dir, ".esp-tun.sock"))
			return false;
		if ((k->unx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
			log_warn("socket: %s", strerror(errno));
			return false;
		}
		(void)unlink(sun.sun_path);	/* left by a killed ike-rekey */
		if (bind(k->unx, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
			log_warn("%s: %s", sun.sun_path, strerror(errno));
			return false;
		}
		snprintf(k->sock_path, sizeof(k->sock_path), "%s", sun.sun_path);
		return true;
	}
	if ((k->udp = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		log_warn("socket: %s", strerror(errno));
		return false;
	}
	/* beside ike-respond, connected: the peer's datagrams are ours
	 * while we run (as esp-tun's are) */
	(void)setsockopt(k->udp, SOL_SOCKET, SO_REUSEPORT, &(int){ 1 },
	    sizeof(int));
	len = net_sockaddr(&ss, af, local, lport);
	if (bind(k->udp, (struct sockaddr *)&ss, len) != 0) {
		log_warn("bind port %u: %s%s", lport, strerror(errno),
		    errno == EADDRINUSE ? " (ike-initiate --stay?)" : "");
		return false;
	}
	len = net_sockaddr(&ss, af, remote, rport);
	if (connect(k->udp, (struct sockaddr *)&ss, len) != 0) {
		log_warn("connect: %s", strerror(errno));
		return false;
	}
	return true;
}

void
link_close(struct link *k)
{
	if (k->udp >= 0)
		close(k->udp);
	if (k->unx >= 0)
		close(k->unx);
	if (k->sock_path[0] != '\0')
		(void)unlink(k->sock_path);
	k->udp = k->unx = -1;
	k->sock_path[0] = '\0';
}

bool
link_send(struct link *k, const uint8_t *req, size_t len)
{
	static const uint8_t	 marker[4];
	struct iovec		 iov[2] = {
		{ (void *)marker, sizeof(marker) }, { (void *)req, len } };
	struct msghdr		 mh;

	memset(&mh, 0, sizeof(mh));
	if (k->unx >= 0) {
		/* esp-tun puts the marker itself */
		mh.msg_name = &k->esptun;
		mh.msg_namelen = sizeof(k->esptun);
		mh.msg_iov = iov + 1;
		mh.msg_iovlen = 1;
	} else {
		mh.msg_iov = k->natt ? iov : iov + 1;
		mh.msg_iovlen = k->natt ? 2 : 1;
	}
	if (sendmsg(k->unx >= 0 ? k->unx : k->udp, &mh, 0) < 0) {
		log_debug("send: %s", strerror(errno));
		return errno == ECONNREFUSED;	/* an ICMP error: retry */
	}
	return true;
}

enum ike_err
link_exchange(struct link *k, const uint8_t *req, size_t len, int timeout_ms,
    enum ike_err (*answer)(void *arg, struct rd in), void *arg)
{
	uint8_t		 buf[MSG_MAX];
	struct pollfd	 pfd;
	struct retx	 rt;
	ssize_t		 n;
	size_t		 off;
	enum ike_err	 e;

	pfd.fd = k->unx >= 0 ? k->unx : k->udp;
	pfd.events = POLLIN;
	if (!link_send(k, req, len))
		return IKE_EIO;
	retx_start(&rt, net_now_ms(), timeout_ms);
	for (;;) {
		pfd.revents = 0;
		if (poll(&pfd, 1, retx_wait(&rt, net_now_ms())) < 0 &&
		    errno != EINTR)
			return IKE_EIO;
		if (pfd.revents & (POLLIN | POLLERR)) {
			n = recv(pfd.fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0) {
				/* esp-tun hands over the message alone */
				off = k->unx < 0 && k->natt ? 4 : 0;
				if ((size_t)n > off && (off == 0 ||
				    memcmp(buf, "\0\0\0\0", 4) == 0)) {
					e = answer(arg, rd_init(buf + off,
					    (size_t)n - off));
					if (e != IKE_ESYNTAX)
						return e;
					/* the peer's request, crossing ours */
					if (k->ans != NULL && k->unx < 0 &&
					    answer_request(k->ans, k, rd_init(
					    buf + off, (size_t)n - off)) &&
					    k->ans->gone) {
						errno = ECONNRESET;
						return IKE_EIO;
					}
				}
			}
		}
		if (retx_over(&rt, net_now_ms()))
			return IKE_ETIMEOUT;
		if (retx_due(&rt, net_now_ms())) {
			log_debug("no answer: sending again");
			if (!link_send(k, req, len))
				return IKE_EIO;
		}
	}
}
