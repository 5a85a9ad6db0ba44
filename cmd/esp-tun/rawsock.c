/* SPDX-License-Identifier: ISC */
/* esp-tun: raw ESP sockets for new addresses after the privileges are gone. */
#include <sys/prctl.h>
#include <sys/socket.h>

#include <linux/capability.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "io/net.h"
#include "privs.h"
#include "rawsock.h"

enum { ANSWER_MS = 2000 };

/* What esp-tun asks and what the keeper answers (with the socket as
 * SCM_RIGHTS when err is 0). */
struct rawsock_req {
	uint32_t	 af;
	uint8_t		 local[16], remote[16];
};

struct rawsock_ans {
	int32_t		 err;
};

static int	 keeper_fd = -1;	/* esp-tun's end */

/* make answers one request: a raw ESP socket bound and connected as
 * asked, or -1 with errno. */
static int
make(const struct rawsock_req *r)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, saved;

	if (r->af != AF_INET && r->af != AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if ((fd = socket((int)r->af, SOCK_RAW | SOCK_CLOEXEC,
	    IPPROTO_ESP)) < 0)
		return -1;
	len = net_sockaddr(&ss, (int)r->af, r->local, 0);
	if (bind(fd, (struct sockaddr *)&ss, len) == 0) {
		len = net_sockaddr(&ss, (int)r->af, r->remote, 0);
		if (connect(fd, (struct sockaddr *)&ss, len) == 0)
			return fd;
	}
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* answer sends ans, with fd when it is not -1. */
static void
answer(int sock, struct rawsock_ans ans, int fd)
{
	union {
		char		 b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	 align;
	}		 u;
	struct iovec	 iov = { &ans, sizeof(ans) };
	struct msghdr	 m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr	*c;

	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		m.msg_control = u.b;
		m.msg_controllen = sizeof(u.b);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	(void)sendmsg(sock, &m, MSG_NOSIGNAL);
}

/* keeper is the child's whole life: nothing open but sock (moved to 3)
 * and stderr, no capability but CAP_NET_RAW, dead with its parent. */
static void __attribute__((noreturn))
keeper(int sock, pid_t parent)
{
	static const int	 quiet[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT,
				     SIGUSR1, SIGUSR2, SIGPIPE };
	struct rawsock_req	 r;
	struct rawsock_ans	 a;
	sigset_t		 none;
	ssize_t			 n;
	size_t			 i;
	int			 fd, null;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(0);
	if ((sock != 3 && dup2(sock, 3) != 3) ||
	    (null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    dup2(null, 0) != 0 || dup2(null, 1) != 1)
		_exit(1);
	if (close_range(4, ~0U, 0) != 0)
		_exit(1);
	/* signals meant for esp-tun (a terminal's, a script's) are not ours */
	for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		(void)signal(quiet[i], SIG_IGN);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)prctl(PR_SET_NAME, "esp-tun-raw");
	if (privs_keep_only(CAP_NET_RAW) != 0)
		_exit(1);
	for (;;) {
		n = recv(3, &r, sizeof(r), 0);
		if (n == 0)
			_exit(0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		fd = n == (ssize_t)sizeof(r) ? make(&r) : (errno = EINVAL, -1);
		a.err = fd >= 0 ? 0 : errno;
		answer(3, a, fd);
		if (fd >= 0)
			close(fd);
	}
}

int
rawsock_keeper_start(void)
{
	pid_t	 parent = getpid(), pid;
	int	 sv[2], saved;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	if ((pid = fork()) < 0) {
		saved = errno;
		close(sv[0]);
		close(sv[1]);
		errno = saved;
		return -1;
	}
	if (pid == 0)
		keeper(sv[1], parent);
	close(sv[1]);
	keeper_fd = sv[0];
	return 0;
}

int
rawsock_get(int af, const uint8_t *local, const uint8_t *remote)
{
	union {
		char		 b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	 align;
	}			 u;
	struct rawsock_req	 r;
	struct rawsock_ans	 a;
	struct iovec		 iov = { &a, sizeof(a) };
	struct msghdr		 m = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = u.b,
				     .msg_controllen = sizeof(u.b) };
	struct pollfd		 p = { keeper_fd, POLLIN, 0 };
	struct cmsghdr		*c;
	int			 fd = -1;

	if (keeper_fd < 0) {
		errno = ENOTCONN;
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.af = (uint32_t)af;
	memcpy(r.local, local, sizeof(r.local));
	memcpy(r.remote, remote, sizeof(r.remote));
	if (send(keeper_fd, &r, sizeof(r), MSG_NOSIGNAL) != (ssize_t)sizeof(r))
		return -1;
	if (poll(&p, 1, ANSWER_MS) != 1) {
		/* a late answer would be taken for the next one's: no more */
		close(keeper_fd);
		keeper_fd = -1;
		errno = ETIMEDOUT;
		return -1;
	}
	if (recvmsg(keeper_fd, &m, MSG_CMSG_CLOEXEC) != (ssize_t)sizeof(a)) {
		errno = EPROTO;
		return -1;
	}
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd < 0)
		errno = a.err != 0 ? a.err : EPROTO;
	return fd;
}
