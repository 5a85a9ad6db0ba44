/* SPDX-License-Identifier: ISC */
/* ike-rekey: what its files share. */
#ifndef IKE_REKEY_H
#define IKE_REKEY_H

#include <stdbool.h>
#include <stdint.h>

#include <sys/socket.h>
#include <sys/un.h>

#include "buf/buf.h"
#include "codec/ts.h"
#include "exchange/xchg.h"
#include "sa/statedir.h"

/* The way to the peer: the IKE SA's own port. When esp-tun carries the SA
 * it owns that port: it sends what we write to its .esp-tun.sock and hands
 * us the responses through our .ike.sock. */
struct link {
	int		 udp, unx;
	bool		 natt;		/* the NAT-T port: non-ESP marker */
	struct sockaddr_un esptun;	/* esp-tun's .esp-tun.sock */
	char		 sock_path[108];
};

/* link_open opens the link of SA dir (a path) from local:lport to
 * remote:rport; via_esptun when esp-tun carries the SA. False (logged) on
 * a socket error. */
bool	 link_open(struct link *k, const char *dir, int af, const uint8_t *local,
	    uint16_t lport, const uint8_t *remote, uint16_t rport, bool via_esptun);
void	 link_close(struct link *k);

/* link_exchange sends req and waits for the answer that answer() takes
 * (IKE_ESYNTAX: not it, keep waiting), retransmitting after 0.5 s, 1 s,
 * 2 s... for at most timeout_ms. Returns answer()'s result, IKE_ETIMEOUT,
 * or IKE_EIO. */
enum ike_err	 link_exchange(struct link *k, const uint8_t *req, size_t len,
		    int timeout_ms, enum ike_err (*answer)(void *arg, struct rd in),
		    void *arg);

/* The lifetime lines a rekey carries over, in child_life_keys' order. */
enum { LIFE_KEYS = 6 };
extern const char *const child_life_keys[LIFE_KEYS];

/* A Child SA file, as much of it as a rekey or a Delete needs. */
struct child_file {
	uint64_t	 life[LIFE_KEYS];
	char		 name[SD_NAME_MAX + 1];
	uint32_t	 spi_in, spi_out;
	uint16_t	 encr, keybits, integ;
	bool		 esn, encap;
	struct ts_pld	 local_ts, remote_ts;
};

/* child_file_read reads child.NAME.sa of l's SA; false (logged) if bad. */
bool	 child_file_read(struct sd_lock *l, const char *name,
	    struct child_file *out);

/* ike_rekey rekeys the IKE SA name of sd through k (ike.c): --ike without
 * --delete. Returns the exit status. */
int	 ike_rekey(struct sd *sd, const char *name, struct link *k,
	    int timeout, bool json);

#endif
