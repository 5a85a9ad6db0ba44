/* SPDX-License-Identifier: ISC */
/* esp-tun: interface, address and route configuration over rtnetlink. */
#ifndef IKEKIT_CMD_ESP_TUN_RTNL_H
#define IKEKIT_CMD_ESP_TUN_RTNL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Each call opens its own NETLINK_ROUTE socket, sends one request, waits for
 * the kernel's answer and closes the socket. Addresses are 4 (af AF_INET) or
 * 16 (AF_INET6) bytes in network order. Every function returns 0, or -1 with
 * errno: the kernel's error for the request (EPERM without CAP_NET_ADMIN,
 * ENODEV for an unknown interface, ...), EINVAL for an af other than the two
 * or a prefix length past 32 or 128, or that of a failing system call.
 *
 * Order on a new device: rtnl_link_set up first (IPv4 refuses routes on a
 * device that is down: ENETDOWN), with an MTU of 1280 or more for IPv6
 * (IPv6 addresses on a smaller one: EINVAL), then addresses, then routes
 * with a src (the src must be an address of this host: EINVAL otherwise).
 */

/* rtnl_link_set sets the MTU of ifname (mtu 0 leaves it) and brings it up
 * (up) or down. */
int	 rtnl_link_set(const char *ifname, int mtu, bool up);

/* rtnl_addr_add puts addr/prefixlen on ifname. An IPv6 address is added
 * with IFA_F_NODAD, so it can be a source at once (no tentative state). The
 * address being there already (for IPv6 with any prefix length) is not an
 * error. */
int	 rtnl_addr_add(const char *ifname, int af, const uint8_t *addr,
	    int prefixlen);

/* rtnl_route_add routes dst/prefixlen through ifname, in the main table
 * with scope link (no gateway: the device is point to point), and with
 * src as the preferred source address unless src is NULL. A route to the
 * same prefix (same metric) is replaced, wherever it went: a route for
 * 0.0.0.0/0 or ::/0 replaces the default route, which is then gone for good
 * when the device goes (0.0.0.0/1 and 128.0.0.0/1 leave it in place). */
int	 rtnl_route_add(const char *ifname, int af, const uint8_t *dst,
	    int prefixlen, const uint8_t *src);

/* rtnl_route_get asks the kernel how it would send to the address dst now
 * (RTM_GETROUTE). Sets *has_gw, and gw_out to the next hop when there is
 * one (zeroes otherwise); *oif_out to the outgoing interface's index; and
 * prefsrc_out to the source address it would pick, zeroes when it has none.
 * Any of the out pointers may be NULL. errno ENETUNREACH (or EHOSTUNREACH)
 * when there is no route. */
int	 rtnl_route_get(int af, const uint8_t *dst, uint8_t *gw_out,
	    bool *has_gw, int *oif_out, uint8_t *prefsrc_out);

/* rtnl_route_add_via routes dst/prefixlen through gateway gw, or straight
 * on the link when gw is NULL, out of interface index oif (0: the kernel
 * picks it from gw), in the main table; a route to the same prefix is
 * replaced. With rtnl_route_get, the peer's host route that keeps ESP off
 * the TUN when the remote traffic selectors cover the peer. */
int	 rtnl_route_add_via(int af, const uint8_t *dst, int prefixlen,
	    const uint8_t *gw, int oif);

/* rtnl_addr_each calls fn for each address of family af on this host that
 * can be a source beyond its own link: addresses of host scope (127.0.0.1,
 * ::1) and link scope (fe80::/10), tentative or failed duplicate address
 * detection are left out. addr is the local address (valid only during the
 * call). fn returning non-zero stops the walk. Returns 0 once every address
 * went to fn, the value fn returned when it stopped the walk, or -1 with
 * errno. */
int	 rtnl_addr_each(int af, int (*fn)(int ifindex, const uint8_t *addr,
	    int prefixlen, void *arg), void *arg);

/* rtnl_watch_open opens a socket that hears of addresses added and removed
 * on this host (RTM_NEWADDR, RTM_DELADDR; IPv4 and IPv6), non-blocking; -1
 * with errno. It needs no privilege. rtnl_watch_read reads everything it
 * heard: 1 when the address addr (af's) was removed, else 0 (-1, errno
 * EINVAL, for another af); *added when an address of af came (or events
 * were lost). */
int	 rtnl_watch_open(void);
int	 rtnl_watch_read(int fd, int af, const uint8_t *addr, bool *added);

#endif
