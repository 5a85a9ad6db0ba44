/* SPDX-License-Identifier: ISC */
/* esp-tun: raw ESP sockets for new addresses after the privileges are gone. */
#ifndef IKEKIT_CMD_ESP_TUN_RAWSOCK_H
#define IKEKIT_CMD_ESP_TUN_RAWSOCK_H

#include <stdint.h>

/* rawsock_keeper_start forks the keeper: a process holding CAP_NET_RAW and
 * nothing else (no other capability, no descriptor but its end of a socket
 * pair), which makes IP protocol 50 sockets for esp-tun once esp-tun has
 * given up its own privileges, so that raw ESP can follow a MOBIKE move.
 * It reads only fixed-size requests from its parent and dies with it.
 * Call before privs_drop. 0, or -1 with errno. */
int	 rawsock_keeper_start(void);

/* rawsock_get returns a new IP protocol 50 socket of family af (AF_INET or
 * AF_INET6) bound to local and connected to remote (16 bytes each, IPv4 in
 * the first 4), made by the keeper; -1 with errno (ENOTCONN: no keeper,
 * ETIMEDOUT: no answer within 2 s, else the keeper's error). */
int	 rawsock_get(int af, const uint8_t *local, const uint8_t *remote);

#endif
