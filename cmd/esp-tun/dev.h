/* SPDX-License-Identifier: ISC */
/* esp-tun's TUN device: create it, or attach to one that exists. */
#ifndef IKEKIT_CMD_ESP_TUN_DEV_H
#define IKEKIT_CMD_ESP_TUN_DEV_H

#include <net/if.h>

/* tun_open creates the TUN device name, or attaches to it if a TUN device of
 * that name exists and is free, in IFF_TUN | IFF_NO_PI mode (each read or
 * write is one bare IP packet). A name with "%d" (e.g. "esp%d") lets the
 * kernel pick the number. The device lives as long as the returned fd
 * (unless someone made it persistent), which is O_NONBLOCK and O_CLOEXEC.
 * Writes the device's actual name, NUL-terminated, to out (IFNAMSIZ bytes).
 * Returns the fd, or -1 with errno: EINVAL for an empty name or one the
 * kernel refuses ('/', ':', white space, more than one "%d"), ENAMETOOLONG
 * for one of IFNAMSIZ bytes or more, EEXIST when a device of that name
 * exists but is not a TUN device in this mode (a TAP device, "lo", a
 * multi-queue TUN), EBUSY when another process has it open, EPERM without
 * CAP_NET_ADMIN (or for a persistent device owned by another user), ENOENT
 * without /dev/net/tun. */
int	 tun_open(const char *name, char out[IFNAMSIZ]);

#endif
