/* SPDX-License-Identifier: ISC */
/* ike-initiate's parts: options, the UDP driver, and what it writes (state dir, keys, stdout). */
#ifndef IKEKIT_CMD_IKE_INITIATE_H
#define IKEKIT_CMD_IKE_INITIATE_H

#include <stdbool.h>

#include "exchange/xchg.h"
#include "io/net.h"
#include "io/pkt.h"

struct opts {
	const char	*peer;		/* as given, for messages */
	const char	*local;
	const char	*psk_file;
	const char	*cert, *key, *ca;	/* --cert, --key, --ca */
	const char	*id, *peer_id;
	const char	*ike, *esp, *ts;
	const char	*name;
	const char	*statedir;
	const char	*pcap;
	const char	*keys_out;
	bool		 encap, json, until_init;
	uint8_t		 vip;		/* --vip, --vip6: VIP_REQ_* */
	int		 timeout;	/* seconds */
};

/* One run: the configuration, the SA, the sockets and the capture. */
struct run {
	struct opts	 o;
	struct xchg_cfg	 cfg;
	struct psk	 psk;
	struct sig_cred	*cred;		/* --cert/--key/--ca, or NULL */
	struct ike_sa	 sa;
	struct net	 net;
	struct pcapw	*pcap;
	int		 sock;		/* socket IKE uses now: 0 (500) or 1 (4500) */
	char		 name[65];
	char		 child_name[65];
};

/* run_exchanges drives IKE_SA_INIT and IKE_AUTH (or only the first) over
 * r->net with retransmissions; it dies with the right exit status on
 * failure. */
void	 run_exchanges(struct run *r);

/* save_state writes ike.sa (and child.NAME.sa when established) under the
 * state directory; save_keys writes --keys-out files; print_result writes
 * stdout. Each dies on failure. */
void	 save_state(struct run *r);
void	 save_keys(struct run *r);
void	 print_result(const struct run *r);

#endif
