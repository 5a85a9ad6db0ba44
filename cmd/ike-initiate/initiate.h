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
	const char	*eap_id;	/* --eap-id: authenticate by EAP */
	const char	*eap_secrets, *eap_password_file, *eap_method;
	const char	*eap_tls_max;	/* --eap-tls-max 1.2 | 1.3 */
	bool		 encap, json, until_init;
	bool		 stay;		/* --stay: answer the peer until deleted */
	uint8_t		 vip;		/* --vip, --vip6: VIP_REQ_* */
	int		 timeout;	/* seconds */
	unsigned	 frag_mtu;	/* --frag-mtu: 0 none (RFC 7383) */
	uint64_t	 life[3];	/* --lifetime, -bytes, -packets: 0 none */
};

/* One run: the configuration, the SA, the sockets and the capture. */
struct run {
	struct opts	 o;
	struct xchg_cfg	 cfg;
	struct psk	 psk;
	struct sig_cred	*cred;		/* --cert/--key/--ca, or NULL */
	struct eap_users eap_users;	/* --eap-id: our account, alone */
	struct eap_cfg	 eap;
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

/* run_send and run_recv are net_send and net_recv that also write what
 * went through to --pcap, open from run_exchanges until run_pcap_close
 * (which dies if the file could not be written). */
enum ike_err	 run_send(struct run *r, int sock, const uint8_t *msg,
		    size_t len);
enum ike_err	 run_recv(struct run *r, int ms, uint8_t *buf, size_t cap,
		    size_t *len, int *which);
void	 run_pcap_close(struct run *r);

/* save_state writes ike.sa (and child.NAME.sa when established) under the
 * state directory; save_keys writes --keys-out files; print_result writes
 * stdout. Each dies on failure. */
void	 save_state(struct run *r);
void	 save_keys(struct run *r);
void	 print_result(const struct run *r);

/* stay_signals makes SIGTERM and SIGINT end stay() (and ignores SIGPIPE).
 * stay answers the peer's requests on the IKE SA (liveness checks, Deletes;
 * CREATE_CHILD_SA gets NO_ADDITIONAL_SAS) until the peer deletes it or a
 * signal comes, when it sends our Delete; either way the SA leaves the state
 * directory. It returns the exit status: EXIT_OK, or EXIT_TIMEOUT when our
 * Delete got no answer within --timeout. */
void	 stay_signals(void);
int	 stay(struct run *r);

/* stay_delete sends INFORMATIONAL SK{ D(IKE) } and waits, retransmitting,
 * at most --timeout for the answer; false when none came (or it could not
 * be sent). stay_forget removes the SA from the state directory, if there
 * (failures are logged). */
bool	 stay_delete(struct run *r);
void	 stay_forget(const struct run *r);

/* stay_end_refused sends our Delete (stay_delete) when IKE_AUTH failed with
 * e after the peer set up the IKE SA: it refused only the Child SA (RFC 7296
 * 2.21.2: NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE, INTERNAL_ADDRESS_FAILURE,
 * FAILED_CP_REQUIRED, SINGLE_PAIR_REQUIRED), or we refused its choice. */
void	 stay_end_refused(struct run *r, enum ike_err e);

#endif
