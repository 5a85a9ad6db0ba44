/* SPDX-License-Identifier: ISC */
/* UDP sockets for IKE: port 500, and port 4500 with the non-ESP marker (RFC 3948 2.2). */
#ifndef IKEKIT_IO_NET_H
#define IKEKIT_IO_NET_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* The two sockets of one IKE SA, each connected to the peer. Addresses are
 * 4 or 16 bytes in network order; ports are host order. */
struct net {
	int		 fd[2];		/* [0]: IKE port, [1]: NAT-T port */
	int		 af;
	uint8_t		 local[16], peer[16];
	uint16_t	 lport[2], pport[2];
};

/* net_open makes both sockets for peer (af) and connects them to
 * peer_port[0] and peer_port[1]. local may be NULL (the route's source
 * address). Each socket is bound to local_port[i]; if that fails with
 * EACCES or EADDRINUSE and strict is false, to a port the kernel picks.
 * Fills n's addresses and ports from getsockname. IKE_EIO (errno set). */
enum ike_err	 net_open(struct net *n, int af, const uint8_t *local,
		    const uint16_t local_port[2], const uint8_t *peer,
		    const uint16_t peer_port[2], bool strict);
/* net_close closes both sockets (idempotent). */
void		 net_close(struct net *n);
/* net_send sends msg (an IKE message) on socket i; on the NAT-T socket
 * (i == 1) it puts the 4-byte non-ESP marker first. IKE_EIO. */
enum ike_err	 net_send(struct net *n, int i, const uint8_t *msg, size_t len);
/* net_recv waits at most ms milliseconds for an IKE message on either
 * socket, copies it (without the marker) to buf and sets *len and *which.
 * Keepalives, ESP and runts are skipped. IKE_ETIMEOUT when the time is up,
 * IKE_EIO on a socket error (ICMP port unreachable is not an error: the
 * wait goes on). */
enum ike_err	 net_recv(struct net *n, int ms, uint8_t *buf, size_t cap,
		    size_t *len, int *which);
/* net_parse_hostport reads "ADDR", "ADDR:PORT" (IPv4) or "[ADDR]:PORT" into
 * *af, addr (4 or 16 bytes) and, when given, *port with *has_port set; false
 * on anything else. */
bool		 net_parse_hostport(const char *s, int *af, uint8_t *addr,
		    uint16_t *port, bool *has_port);
/* net_format_hostport writes "ADDR", or "ADDR:PORT" / "[ADDR]:PORT" with
 * with_port, to buf (n bytes), as ike-state(5) records addresses. */
void		 net_format_hostport(int af, const uint8_t *a, uint16_t port,
		    bool with_port, char *buf, size_t n);
/* net_sockaddr fills ss with af's address addr (4 or 16 bytes; NULL: the
 * wildcard) and port, and returns its length. */
struct sockaddr_storage;
socklen_t	 net_sockaddr(struct sockaddr_storage *ss, int af,
		    const uint8_t *addr, uint16_t port);
/* net_now_ms returns a monotonic clock in milliseconds. */
int64_t		 net_now_ms(void);

#endif
