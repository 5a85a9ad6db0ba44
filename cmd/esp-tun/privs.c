/* SPDX-License-Identifier: ISC */
/* esp-tun: give up privileges once the TUN device, sockets and routes are set up. */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "privs.h"

enum { CAP_MAX_PROBE = 32 * _LINUX_CAPABILITY_U32S_3 };

int
privs_keep_only(int keep)
{
	struct __user_cap_header_struct	 hdr;
	struct __user_cap_data_struct	 data[_LINUX_CAPABILITY_U32S_3];
	int				 cap;

	/* The bounding set first: dropping from it takes CAP_SETPCAP, which
	 * capset below removes. Probe with PR_CAPBSET_READ rather than trust
	 * CAP_LAST_CAP, which may be older than the running kernel. Without
	 * CAP_SETPCAP it stays, and no_new_privs keeps execve from using it. */
	for (cap = 0; cap < CAP_MAX_PROBE; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break;
		if (cap == keep)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
			if (errno == EPERM)
				break;
			return -1;
		}
	}
	/* Ambient capabilities go with the permitted set anyway; clear them
	 * explicitly, but a kernel before 4.3 has none (EINVAL). */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
	    errno != EINVAL)
		return -1;
	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (keep >= 0 && keep < CAP_MAX_PROBE) {
		data[keep / 32].effective = 1U << (keep % 32);
		data[keep / 32].permitted = 1U << (keep % 32);
	}
	if (syscall(SYS_capset, &hdr, data) != 0)
		return -1;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 ? 0 : -1;
}

int
privs_drop(void)
{
	return privs_keep_only(-1);
}
