/* SPDX-License-Identifier: ISC */
/* esp-tun's TUN device: create it, or attach to one that exists. */
#include <sys/ioctl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "dev.h"

int
tun_open(const char *name, char out[IFNAMSIZ])
{
	struct ifreq	 ifr;
	size_t		 len;
	int		 fd, saved;

	if (name == NULL || (len = strlen(name)) == 0) {
		errno = EINVAL;
		return -1;
	}
	/* The kernel would cut a long name short and make a device the
	 * caller did not ask for. */
	if (len >= IFNAMSIZ) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, len);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
		saved = errno;
		/* EINVAL also means "that name is taken by a device of another
		 * kind"; say so, or the caller blames the name's spelling. */
		if (saved == EINVAL && if_nametoindex(name) != 0)
			saved = EEXIST;
		close(fd);
		errno = saved;
		return -1;
	}
	memcpy(out, ifr.ifr_name, IFNAMSIZ);
	out[IFNAMSIZ - 1] = '\0';
	return fd;
}
