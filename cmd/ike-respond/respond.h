/* SPDX-License-Identifier: ISC */
/* ike-respond's parts: options, the SA table and its UDP loop, what it writes (state dir, keys, stdout). */
#ifndef IKEKIT_CMD_IKE_RESPOND_H
#define IKEKIT_CMD_IKE_RESPOND_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stdint.h>

#include "crypto/dh_reuse.h"
#include "exchange/cookie.h"
#include "exchange/cp.h"
#include "exchange/xchg.h"
#include "io/net.h"
#include "io/pkt.h"
#include "sa/statedir.h"

enum {
	COUNT_MAX	= 1024,		/* --cookie-threshold, --half-open-max */
	MAX_SAS		= 65536,	/* IKE SAs at once, half-open included
					 * (default of --max-sas) */
	MAX_SAS_MAX	= 1 << 24,	/* largest --max-sas */
	DH_REUSE_MAX	= 300,		/* longest --dh-reuse, seconds */
	RX_BATCH	= 64,		/* datagrams read per socket per round */
	TX_BATCH	= 64,		/* answers queued per socket at most */
	CRL_FILES_MAX	= 16,		/* --crl files */
	HALF_OPEN_MAX	= 64,		/* half-open IKE SAs at once (default) */
	COOKIE_THRESHOLD = 10,		/* half-open SAs before cookies (default) */
	HALF_OPEN_MS	= 30000,	/* a half-open SA lives this long */
	SLOT_CHILD_MAX	= 8,		/* Child SAs of one IKE SA at once (a
					 * rekey holds two until the Delete) */
};

/* --sync: when state files reach the disk (see writer.c). */
enum sync_mode { SYNC_BATCH, SYNC_ALWAYS, SYNC_NONE };

struct opts {
	const char	*local;
	const char	*psk_file;
	const char	*cert, *key, *ca;	/* --cert, --key, --ca */
	const char	*eap_secrets, *eap_method;	/* EAP (RFC 7296 2.16) */
	const char	*eap_tls_max;	/* --eap-tls-max 1.2 | 1.3 */
	const char	*crls[CRL_FILES_MAX];	/* --crl */
	unsigned	 n_crls;
	const char	*ocsp;		/* --ocsp */
	bool		 ocsp_aia;	/* --ocsp-aia */
	int		 revocation;	/* --revocation: enum sig_revocation,
					 * -1 when not given */
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
	long		 max_sas;
	long		 dh_reuse;	/* --dh-reuse: seconds, 0 none */
	unsigned	 frag_mtu;	/* --frag-mtu: 0 none (RFC 7383) */
	enum sync_mode	 sync;
	bool		 json;
	uint64_t	 life[3];	/* --lifetime, -bytes, -packets: 0 none */
};

/* What the writer has queued for a slot (writer.c). */
enum wjob { WJOB_NONE, WJOB_SAVE, WJOB_DROP };

/* One IKE SA of the table, with where its peer is and our last response
 * (resent as is when the peer retransmits its request). Allocated by
 * table_new, freed by table_remove. */
struct slot {
	struct slot	*next_spi, *next_half;	/* hash chains (table.c) */
	struct slot	*older, *newer;		/* half-open ones, by age */
	size_t		 hb;			/* its half-open bucket (the
						 * peer may move before AUTH) */
	struct slot	*wnext;			/* writer queue */
	enum wjob	 wjob;
	bool		 linked;	/* in the SPI index */
	bool		 half;		/* in the half-open index */
	bool		 rekeyed;	/* an IKE SA the peer rekeyed: it only
					 * answers until its Delete */
	struct slot	*old, *heir;	/* the IKE SA it replaced (until that
					 * one's Delete), or its successor */
	struct ike_sa	 sa;
	struct child_pair kids[SLOT_CHILD_MAX];	/* its Child SAs (the
					 * peer's SPI, ours) */
	size_t		 n_kids;
	uint8_t		 peer[16];
	uint16_t	 pport;
	int		 sock;		/* 0: IKE port, 1: NAT-T port */
	int64_t		 born_ms;	/* half-open: when made; else when
					 * its Child SAs were last read */
	uint8_t		*last;		/* malloc'd, last_len bytes */
	size_t		 last_len;
	bool		 saved;		/* in the state dir */
	bool		 lease_kept;	/* taken back after a restart: its
					 * address is held for its files
					 * (struct old_lease), not by it */
	char		 name[65];
	char		 child_name[65];	/* ike.sa's child=; "" once
						 * that Child SA is gone */
};

/* The SA table: slots made on demand, up to max, found by hash (keyed
 * SipHash of the SPIs; of the initiator's SPI and address for half-open
 * ones), half-open ones also listed oldest first for expiry. */
struct table {
	struct slot	**by_spi, **by_half;
	size_t		 mask;		/* buckets - 1 */
	size_t		 n, max;
	struct slot	*oldest, *newest;
	uint8_t		 key[16];
};

struct counters {
	unsigned long	 esp, keepalive, unknown_spi, bad_msgid, dropped,
			 half_open_full, retransmits, cookies_sent;
};

/* A lease a restarted ike-respond took back from the state directory: held
 * until the SA's ike.sa is gone (leases_check). */
struct old_lease {
	char		 name[65];	/* the SA directory */
	struct cp_vip	 vip;
};

struct srv {
	struct opts	 o;
	struct xchg_cfg	 cfg;		/* peer address filled per message */
	struct psk	 psk;
	struct sig_cred	*cred;		/* --cert/--key/--ca, or NULL */
	struct eap_users eap_users;	/* --eap-secrets */
	struct eap_cfg	 eap;		/* --eap-method */
	int		 af;
	uint8_t		 local[16];
	uint16_t	 lport[2];
	int		 fd[2];
	struct table	 tab;
	struct sd	 sd;		/* the state directory, open */
	struct slot	*wq, **wq_tail;	/* writer queue, oldest first */
	unsigned	 n_half;
	struct pcapw	*pcap;
	struct counters	 cnt;
	struct cp_cfg	 cp;		/* --pool, --dns */
	struct old_lease *old;		/* leases of SAs before a restart */
	size_t		 n_old;
	int64_t		 old_checked_ms;
	struct cookie_gen cookies;
	struct dh_reuse	 dh_reuse;	/* --dh-reuse */
	char		 dir[4096];	/* the state directory */
};

/* dgram_fn handles datagram buf of n bytes (its real length: more than
 * the buffer when it was cut) from socket i. */
typedef void dgram_fn(struct srv *s, int i, const struct sockaddr_storage *from,
    uint8_t *buf, size_t n);

/* dgram_read reads up to RX_BATCH datagrams of socket i at once and calls
 * fn on each; returns how many (0: none waiting). dgram_queue queues one
 * datagram to send from socket i (with the non-ESP marker on socket 1);
 * dgram_flush sends what is queued. */
int	 dgram_read(struct srv *s, int i, dgram_fn *fn);
void	 dgram_queue(struct srv *s, int i, const struct sockaddr_storage *to,
	    socklen_t to_len, const uint8_t *msg, size_t len);
void	 dgram_flush(struct srv *s);

/* What an event line says beside the SA: a Child SA (spi_out, spi_in) and
 * the one it replaces, or the IKE SA that a rekey replaced. */
struct ev {
	const struct child_pair	*child, *rekeys;
	bool			 old;
	uint64_t		 old_ispi, old_rspi;
	const char		*detail;
};

/* events.c: event_x writes one event line about sl (text, or JSON with
 * --json); event one with at most a detail (established: the Child SA of
 * IKE_AUTH); event_refused_ok whether a refused event of IKE_SA_INIT fits
 * this second's budget (anyone can cause one); trace a -v line about what
 * a peer's datagram made us do, at most 100 a second; budgets_report how
 * many lines the budgets left out, at most once a second. */
void	 event_x(struct srv *s, const struct slot *sl, const char *what,
	    const struct ev *x);
void	 event(struct srv *s, const struct slot *sl, const char *what,
	    const char *extra);
bool	 event_refused_ok(void);
void	 trace(const char *who, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 budgets_report(void);

/* serve runs the loop until SIGTERM or SIGINT; SIGHUP calls reload.
 * send_to sends msg (len bytes) to sl's peer, as is. */
void	 serve(struct srv *s);
/* signals sets what SIGTERM, SIGINT and SIGHUP do for serve (before the
 * sockets are bound: one who waits for them may signal at once). */
void	 signals(void);
void	 send_to(struct srv *s, struct slot *sl, const uint8_t *msg,
	    size_t len);
/* respond sends sl's response out (in fragments if need be) and keeps it
 * for retransmitted requests; free_slot forgets sl (and the IKE SA it
 * replaced), giving back its address; flushed is writer_flush's callback:
 * the event of an SA whose files are written, or the end of a dropped one. */
void	 respond(struct srv *s, struct slot *sl, const struct wr *out);
void	 free_slot(struct srv *s, struct slot *sl);
void	 flushed(struct srv *s, struct slot *sl, enum wjob job);

/* adopt.c: adopt_all takes the established IKE SAs of responders on our
 * address from the state directory, at the start (a "resumed" event each);
 * adopt_rekeyed looks, for a request from peer with SPIs we do not know,
 * for the SA of that peer whose ike.sa has them now (an esp-tun answered
 * the peer's IKE SA rekey) and takes it again: the slot, or NULL. */
void	 adopt_all(struct srv *s);
struct slot *adopt_rekeyed(struct srv *s, const uint8_t *peer,
	    uint64_t ispi, uint64_t rspi);

/* requests.c: the peer's INFORMATIONAL and CREATE_CHILD_SA requests on
 * sl's established SA, in (already past the retransmission check); true
 * when the request verified (sl's message ID counter moved). */
bool	 on_info(struct srv *s, struct slot *sl, struct rd in);
bool	 on_ccsa(struct srv *s, struct slot *sl, struct rd in);

/* move.c: the peer's move (RFC 4555 3.5). came: where the request being
 * handled came from, and where its SA's peer was before it (serve.c puts
 * the SA back there unless the request verified and keep stays false).
 * on_moved follows the peer's answered MOBIKE request r, which came on
 * path p: UPDATE_SA_ADDRESSES from where ike.sa has the peer changes at
 * most its NAT state; from another address it starts the return
 * routability check, and the SA moves only once that is answered from
 * there. rr_input takes a response on sl's SA: true when it was the
 * answer to a check (used or dropped). rr_tick sends checks again, gives
 * up late ones; it returns how long the loop may wait (ms). */
struct came {
	uint8_t		 peer[16];
	uint16_t	 pport;
	int		 sock;
	bool		 keep;		/* a check started: the SA stays */
};
extern struct came came;
struct mobike_path;
struct mobike_req;
void	 on_moved(struct srv *s, struct slot *sl, const struct mobike_path *p,
	    const struct mobike_req *r);
bool	 rr_input(struct srv *s, struct slot *sl, const uint8_t *peer,
	    uint16_t pport, struct rd in);
int	 rr_tick(struct srv *s);
/* rr_stop drops the checks in flight (their journals stay). */
void	 rr_stop(void);
/* reload_psk re-reads --psk-file; false (old key kept) on failure. reload
 * re-reads every file given (--psk-file; --cert, --key, --ca, --crl;
 * --eap-secrets), each keeping what it had when its file no longer loads,
 * with a line on stderr either way. */
bool	 reload_psk(struct srv *s);
void	 reload(struct srv *s);

/* table_init sizes t for max slots (no slot is made yet); false when out
 * of memory. table_free frees what is left, wiping it. */
bool	 table_init(struct table *t, size_t max);
void	 table_free(struct table *t);
/* table_new returns a zeroed slot, not yet findable, or NULL when the
 * table is full or memory is short. */
struct slot *table_new(struct table *t);
/* table_add makes sl findable by its SPIs and, as a half-open SA, by its
 * initiator SPI and peer; table_up takes it off the half-open index;
 * table_unlink off both (it stays allocated); table_remove unlinks, wipes
 * and frees it. */
void	 table_add(struct table *t, struct slot *sl);
/* table_link makes an established sl findable by its SPIs only (an IKE SA
 * rekey moves a slot to new SPIs: unlink it, change them, link it). */
void	 table_link(struct table *t, struct slot *sl);
void	 table_up(struct table *t, struct slot *sl);
void	 table_unlink(struct table *t, struct slot *sl);
void	 table_remove(struct table *t, struct slot *sl);
/* table_find returns the SA with these SPIs; table_find_half the half-open
 * SA of this initiator SPI and peer; table_oldest_half the oldest half-open
 * SA. NULL if none. */
struct slot *table_find(const struct table *t, uint64_t ispi, uint64_t rspi);
struct slot *table_find_half(const struct table *t, uint64_t ispi,
	    const uint8_t *peer, uint16_t pport);
struct slot *table_oldest_half(const struct table *t);
/* table_first returns one of the SAs findable by their SPIs (NULL if none);
 * with table_next it walks them all (none may be linked or unlinked
 * meanwhile). */
struct slot *table_first(const struct table *t);
struct slot *table_next(const struct table *t, const struct slot *sl);
/* slot_keep keeps a copy of the response for retransmissions; false (and
 * nothing kept) when out of memory. */
bool	 slot_keep(struct slot *sl, const uint8_t *msg, size_t len);

/* writer_save queues the writing of an established SA (state files,
 * --keys-out), writer_drop the removal of a deleted one (already
 * unlinked from the table). writer_flush does what is queued, syncs as
 * --sync says, then calls done(s, sl, job) for each, in order (the events
 * are printed once the files are written). */
void	 writer_save(struct srv *s, struct slot *sl);
void	 writer_drop(struct srv *s, struct slot *sl);
void	 writer_flush(struct srv *s,
	    void (*done)(struct srv *, struct slot *, enum wjob));

/* save_sa writes the slot's ike.sa and child file; drop_sa removes the SA
 * directory. Each logs failures. */
bool	 save_sa(struct srv *s, struct slot *sl);
void	 drop_sa(struct srv *s, struct slot *sl);
/* After a CREATE_CHILD_SA or INFORMATIONAL answer out (len bytes), before
 * it is sent: save_child writes the new Child SA of exchange cc (named
 * name, with what a crossing rekey of ours needs, ike-rekey(8); ike.sa
 * first when the SA has no files yet; *named: it became ike.sa's child=,
 * as the one it rekeys, rekeys, was); save_ike_rekey puts the new IKE SA
 * nsa in ike.sa (its Child SAs stay); drop_children removes the files of
 * the Child SAs gone (ours: spi_in) and ike.sa's child= when it names one
 * (gone_named). Each records the message IDs and the answer in ike.sa as
 * esp-tun does, syncs as --sync says and logs failures; false when
 * nothing was written (then the request is not answered: the peer sends
 * it again). */
bool	 save_child(struct srv *s, struct slot *sl, const struct ccsa *cc,
	    const char *name, const char *rekeys, bool *named,
	    const uint8_t *out, size_t len);
bool	 save_ike_rekey(struct srv *s, struct slot *sl, const struct ike_sa *nsa);
void	 drop_children(struct srv *s, struct slot *sl, const uint32_t *spi_in,
	    size_t n, bool gone_named, const uint8_t *out, size_t len);
/* load_children reads the slot's Child SAs (and ike.sa's child=) again
 * from the state directory: an esp-tun that carried the SA answered the
 * peer's rekeys and Deletes meanwhile. */
void	 load_children(struct srv *s, struct slot *sl);
/* leases_load marks leased in s->cp the vip= of every role=responder
 * ike.sa of the state directory (SAs of an ike-respond that ran before);
 * leases_check gives back those whose ike.sa is gone (at most once a
 * second); leases_free forgets them all. */
void	 leases_load(struct srv *s);
void	 leases_check(struct srv *s);
void	 leases_free(struct srv *s);
/* save_keys appends the SA's key table lines under --keys-out;
 * save_keys_of those of sa (a Child SA or IKE SA the peer made since). */
void	 save_keys(struct srv *s, const struct slot *sl);
void	 save_keys_of(struct srv *s, const struct slot *sl,
	    const struct ike_sa *sa);

#endif
