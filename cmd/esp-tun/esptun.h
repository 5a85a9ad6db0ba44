/* SPDX-License-Identifier: ISC */
/* esp-tun: the state shared by its files (options, the SA being carried, its Child SAs, sockets). */
#ifndef ESPTUN_H
#define ESPTUN_H

#include <net/if.h>

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "codec/ts.h"
#include "crypto/esp.h"
#include "crypto/replay.h"
#include "exchange/record.h"
#include "exchange/retx.h"
#include "exchange/xchg.h"
#include "sa/statedir.h"

enum {
	CHILD_MAX	= 8,		/* Child SAs of one IKE SA carried at once */
	BATCH		= 64,		/* packets per sendmmsg / recvmmsg */
	SEQ_RESERVE	= 1 << 20,	/* sequence numbers reserved per write */
	DRAIN_MS	= 2000,		/* a removed Child SA still takes what
					 * the peer sent before it switched */
};

/* Counters of one Child SA, as child.NAME.stats records them. */
struct counters {
	uint64_t	 in_packets, in_bytes, out_packets, out_bytes;
	uint64_t	 drop_replay, drop_integ, drop_spi, drop_policy;
	uint64_t	 drop_nosa, drop_malformed, drop_seq, drop_expired;
};

/* Limits of a Child SA's life (RFC 4301 4.4.2.1): 0 is none. */
struct lifetime {
	uint64_t	 secs, bytes, packets;
};

enum expiry { LIVE, SOFT_EXPIRED, HARD_EXPIRED };

struct child {
	char		 name[SD_NAME_MAX + 1];
	uint32_t	 spi_in, spi_out;
	uint16_t	 encr, keybits, integ;
	bool		 esn, encap;	/* encap: UDP (RFC 3948), else proto 50 */
	struct esp_sa	 in, out;
	struct replay	 win;
	uint64_t	 seq;		/* last sequence number sent */
	uint64_t	 seq_saved;	/* numbers below it may have been used
					 * (what child.NAME.stats says) */
	struct ts_pld	 local_ts, remote_ts;
	struct counters	 cnt;
	struct lifetime	 soft, hard;
	int64_t		 born_ms;	/* when it was installed (created=) */
	enum expiry	 expiry;
	unsigned	 gen;		/* load order: the newest sends */
	bool		 seen;		/* still in the state dir (reload) */
	bool		 warm;		/* the peer has it: it may send */
	bool		 ready;		/* ready=yes: the peer had it already */
	int64_t		 drain_ms;	/* its file gone: dropped at this time */
};

struct opts {
	const char	*statedir, *sa, *child, *dev;
	int		 mtu, window, keepalive, stats_secs;
	int		 dpd_delay, dpd_timeout;
	int		 n_addr;
	const char	*addr[8];
	bool		 no_config, no_offload, json, stats;
};

/* Our request in flight (dpd.c): a liveness check, or the request that
 * an earlier program left in the journal (exchange/record.h), sent again.
 * While it is out we hold .ike-rekey: one request at a time on the SA
 * (RFC 7296 2.3), and its answer is ours, not ike-rekey's. */
struct dpd {
	bool		 out;
	bool		 left;		/* an earlier program's request */
	int		 hold;		/* .ike-rekey, or -1 */
	struct pending	 p;
	struct retx	 rt;		/* its resends, its end */
};

struct tunnel {
	struct opts	 o;
	struct sd	 sd;
	char		 dir[4096];
	char		 name[SD_NAME_MAX + 1];
	struct ike_sa	 ike;
	struct ike_sa	 old_ike;	/* rekeyed away, until its Delete */
	struct ike_sa_file ikf;
	int		 af;
	uint8_t		 local[16], remote[16];
	uint16_t	 lport, rport;
	int		 tun_fd, udp_fd, raw_fd, ino_fd;
	int		 carry_fd;	/* .esp-tun, locked while we run */
	int		 fwd_fd;	/* to .ike.sock: responses for ike-rekey */
	int		 ctl_fd;	/* .esp-tun.sock: ike-rekey's requests */
	bool		 offload;	/* UDP GSO and GRO on the UDP socket */
	bool		 running;	/* past setup: new Child SAs start cold */
	bool		 reload_pending; /* the directory to read again */
	char		 dev[IFNAMSIZ];
	struct child	*child[CHILD_MAX];
	size_t		 n_child;
	unsigned	 gen;
	int64_t		 last_sent_ms;	/* for NAT keepalives */
	int64_t		 last_rx_ms;	/* the peer's last authenticated word */
	int64_t		 now_ms;	/* of this round of the loop */
	struct dpd	 dpd;
	uint8_t		 cached[XCHG_OUT_MAX];	/* our last IKE response */
	size_t		 cached_len;
	uint32_t	 cached_msgid;
	uint64_t	 cached_ispi;	/* the SA it was on */
};

/* sa.c: the IKE SA and its Child SAs from the state directory */
int	 sa_load(struct tunnel *t);
bool	 children_reload(struct tunnel *t);
bool	 children_scan(struct tunnel *t, struct sd_lock *l);
size_t	 children_drained(struct tunnel *t);
void	 lifetimes_check(struct tunnel *t, int64_t now_ms);
void	 child_free(struct child *c);
struct child	*child_by_spi(struct tunnel *t, uint32_t spi);
void	 child_forget(struct tunnel *t, struct child *c);

/* policy.c: traffic selectors against packets */
struct child	*policy_out(struct tunnel *t, const uint8_t *pkt, size_t len);
bool	 policy_in(const struct child *c, const uint8_t *pkt, size_t len);
bool	 ts_contains(const struct ts_pld *ts, int af, const uint8_t *addr,
	    uint8_t proto, uint16_t port);

/* stats.c: counters and reserved sequence numbers in the state dir */
bool	 stats_load(struct tunnel *t, struct sd_lock *l, struct child *c);
bool	 stats_save(struct tunnel *t, bool must);
bool	 stats_seq_reserve(struct tunnel *t, struct child *c);
int	 stats_print(const struct opts *o);

/* ike.c: the peer's IKE requests on the SA */
bool	 ike_answer(struct tunnel *t, const uint8_t *msg, size_t len);
void	 send_ike(struct tunnel *t, const uint8_t *msg, size_t len);
void	 ike_relay(struct tunnel *t);
void	 ike_follow(struct tunnel *t, struct sd_lock *l);

/* dpd.c: our liveness checks and the requests earlier programs left;
 * dpd_tick true when the peer is dead, dpd_answer true when msg (a
 * response) was for our request; dpd_resume sends the request an earlier
 * program left, if any; dpd_drop forgets ours (the IKE SA was rekeyed) */
bool	 dpd_tick(struct tunnel *t, int64_t now);
bool	 dpd_answer(struct tunnel *t, const uint8_t *msg, size_t len,
	    uint32_t msgid);
void	 dpd_resume(struct tunnel *t);
void	 dpd_drop(struct tunnel *t);

/* path.c: the data path; esp_in takes one ESP packet from the peer */
int	 path_run(struct tunnel *t);
void	 esp_in(struct tunnel *t, uint8_t *pkt, size_t len);

/* move.c: MOBIKE (RFC 4555). move_respond answers the peer's
 * INFORMATIONAL request in on sa under l into w, decrypted once: a MOBIKE
 * request as RFC 4555 says (on the SA's current IKE SA with mobike=yes),
 * any other as info_respond_pairs does (req filled, pairs our Child SAs).
 * move_follow rebinds the UDP socket where ike.sa now says the IKE SA is
 * (the old one to *old, drained by move_drain); move_watch reads
 * rtnetlink (fd) and starts or resends our own move, whose socket is
 * move_fd() and whose answers move_input reads; move_release ends it. */
enum ike_err move_respond(struct tunnel *t, struct sd_lock *l,
	    struct ike_sa *sa, struct rd in, struct wr *w, struct info_req *req,
	    const struct child_pair *pairs, size_t n_pairs);
void	 move_follow(struct tunnel *t, struct pollfd *udp, struct pollfd *old);
void	 move_drain(struct pollfd *old, int64_t now);
void	 move_watch(struct tunnel *t, int fd, bool readable, int64_t now);
void	 move_input(struct tunnel *t, struct pollfd *udp, struct pollfd *old);
int	 move_fd(void);
void	 move_release(void);

/* setup.c: sockets, TUN, privileges */
void	 sockets_open(struct tunnel *t);
int	 sockets_move_raw(struct tunnel *t);
int	 sockets_move(struct tunnel *t, int af, const uint8_t *local,
	    uint16_t lport, const uint8_t *remote, uint16_t rport);
int	 sockets_bound(struct tunnel *t, int af, const uint8_t *local,
	    uint16_t lport, const uint8_t *remote, uint16_t rport);
int	 sockets_adopt(struct tunnel *t, int fd, int af, const uint8_t *local,
	    uint16_t lport, const uint8_t *remote, uint16_t rport);
void	 tun_setup(struct tunnel *t);
void	 watch_and_drop(struct tunnel *t);
void	 relay_close(struct tunnel *t);
bool	 addr_ok(const char *s);

/* main.c */
void	 event(const struct tunnel *t, const char *what, const char *child);

#endif
