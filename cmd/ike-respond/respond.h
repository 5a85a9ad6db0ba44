/* SPDX-License-Identifier: ISC */
/* ike-respond's parts: options, the SA table and its UDP loop, what it writes (state dir, keys, stdout). */
#ifndef IKEKIT_CMD_IKE_RESPOND_H
#define IKEKIT_CMD_IKE_RESPOND_H

#include <stdbool.h>
#include <stdint.h>

#include "exchange/cookie.h"
#include "exchange/cp.h"
#include "exchange/xchg.h"
#include "io/net.h"
#include "io/pkt.h"

enum {
	SA_TABLE_MAX	= 1024,		/* IKE SAs at once, half-open included */
	HALF_OPEN_MAX	= 64,		/* half-open IKE SAs at once (default) */
	COOKIE_THRESHOLD = 10,		/* half-open SAs before cookies (default) */
	HALF_OPEN_MS	= 30000,	/* a half-open SA lives this long */
};

struct opts {
	const char	*local;
	const char	*psk_file;
	const char	*cert, *key, *ca;	/* --cert, --key, --ca */
	const char	*id;
	const char	*ike, *esp, *ts;
	const char	*statedir;
	const char	*pcap;
	const char	*keys_out;
	const char	*pools[2];	/* --pool, at most one per family */
	const char	*dns[CP_DNS_MAX];
	unsigned	 n_pools, n_dns;
	long		 cookie_threshold;	/* 0: always */
	long		 half_open_max;
	bool		 json;
};

/* One IKE SA of the table, with where its peer is and our last response
 * (resent as is when the peer retransmits its request). */
struct slot {
	bool		 used;
	struct ike_sa	 sa;
	uint8_t		 peer[16];
	uint16_t	 pport;
	int		 sock;		/* 0: IKE port, 1: NAT-T port */
	int64_t		 born_ms;
	uint8_t		 last[XCHG_OUT_MAX];
	size_t		 last_len;
	bool		 saved;		/* in the state dir */
	char		 name[65];
	char		 child_name[65];
};

struct counters {
	unsigned long	 esp, keepalive, unknown_spi, bad_msgid, dropped,
			 half_open_full, retransmits, cookies_sent;
};

struct srv {
	struct opts	 o;
	struct xchg_cfg	 cfg;		/* peer address filled per message */
	struct psk	 psk;
	struct sig_cred	*cred;		/* --cert/--key/--ca, or NULL */
	int		 af;
	uint8_t		 local[16];
	uint16_t	 lport[2];
	int		 fd[2];
	struct slot	*slots;		/* SA_TABLE_MAX */
	unsigned	 n_half;
	struct pcapw	*pcap;
	struct counters	 cnt;
	struct cp_cfg	 cp;		/* --pool, --dns */
	struct cookie_gen cookies;
	char		 dir[4096];	/* the state directory */
};

/* serve runs the loop until SIGTERM or SIGINT; SIGHUP calls reload_psk. */
void	 serve(struct srv *s);
/* reload_psk re-reads --psk-file; false (old key kept) on failure. */
bool	 reload_psk(struct srv *s);

/* save_sa writes the slot's ike.sa and child file; drop_sa removes the SA
 * directory; drop_child removes its child file. Each logs failures. */
bool	 save_sa(struct srv *s, struct slot *sl);
void	 drop_sa(struct srv *s, struct slot *sl);
void	 drop_child(struct srv *s, struct slot *sl);
/* save_keys appends the SA's key table lines under --keys-out. */
void	 save_keys(struct srv *s, const struct slot *sl);

#endif
