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
#include "exchange/collide.h"
#include "exchange/record.h"
#include "exchange/xchg.h"
#include "sa/statedir.h"

/* How long ike-rekey waits for a lock another program holds: an SA's, or
 * the state directory's .ike-rekey serial. */
enum { LOCK_MS = 5000 };

/* The way to the peer: the IKE SA's own port. When esp-tun carries the SA
 * it owns that port: it sends what we write to its .esp-tun.sock and hands
 * us the responses through our .ike.sock. */
struct answerer;
struct link {
	int		 udp, unx;
	bool		 natt;		/* the NAT-T port: non-ESP marker */
	struct sockaddr_un esptun;	/* esp-tun's .esp-tun.sock */
	char		 sock_path[108];
	/* on our own socket (beside ike-respond), the peer's requests come
	 * to us while we wait: answered (answer.c) when set */
	struct answerer	*ans;
};

/* Who answers the peer's requests on the link: the SA name of sd; gone
 * once the peer deleted the IKE SA (removed from sd). */
struct answerer {
	struct sd	*sd;
	const char	*name;
	bool		 gone;
};

/* answer_request answers the peer's request in, come on k's socket, for
 * the IKE SA of an as ike.sa has it (answer.c): a rekey of a Child SA
 * (recorded as esp-tun records it: peer_rekey_of, rekey_nonce, collide.h;
 * TEMPORARY_FAILURE where RFC 7296 2.25 says, and for other CREATE_CHILD_SA
 * requests), an INFORMATIONAL (Delete of Child SAs or of the IKE SA,
 * liveness check), or its retransmission (last_resp). False when it was
 * no request of the SA, or dropped. */
bool	 answer_request(struct answerer *an, struct link *k, struct rd in);

/* link_send sends msg to the peer on k (the marker added on the NAT-T
 * port); false on a socket error other than an ICMP one. */
bool	 link_send(struct link *k, const uint8_t *msg, size_t len);

/* link_open opens the link of SA dir (a path) from local:lport to
 * remote:rport; via_esptun when esp-tun carries the SA. False (logged) on
 * a socket error. */
bool	 link_open(struct link *k, const char *dir, int af, const uint8_t *local,
	    uint16_t lport, const uint8_t *remote, uint16_t rport, bool via_esptun);
void	 link_close(struct link *k);

/* link_exchange sends req and waits for the answer that answer() takes
 * (IKE_ESYNTAX: not it, keep waiting), retransmitting after 0.5 s, 1 s,
 * 2 s... for at most timeout_ms. The peer's requests that come meanwhile
 * go to answer_request (k->ans set). Returns answer()'s result,
 * IKE_ETIMEOUT, or IKE_EIO (ECONNRESET: the peer deleted the IKE SA). */
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
/* each_child calls fn(l, NAME, arg) for each child.NAME.sa of l, until fn
 * returns false (move.c); false if it did or the directory cannot be
 * read (logged). */
bool	 each_child(struct sd_lock *l,
	    bool (*fn)(struct sd_lock *, const char *, void *), void *arg);

/* ike_rekey rekeys the IKE SA name of sd through k (ike.c): --ike without
 * --delete. Returns the exit status. */
int	 ike_rekey(struct sd *sd, const char *name, struct link *k,
	    int timeout, bool json);

/* ike_rekey_finish finishes the rekey of the IKE SA name that an earlier
 * run left in the journal (exchange/rekey_journal.h), if there is one: its
 * request again, and once answered, the new IKE SA recorded as ike_rekey
 * does and the old one deleted; refused, the journal goes; unanswered, it
 * stays (exit 4). Returns the exit status. */
int	 ike_rekey_finish(struct sd *sd, const char *name, struct link *k,
	    int timeout);

/* ike_old_delete_finish sends again the Delete of the IKE SA a rekey
 * replaced that an earlier run journaled (old_ike_delete in ike.sa) and
 * drops the journal once answered or timed out (ike.c). */
int	 ike_old_delete_finish(struct sd *sd, const char *name,
	    struct link *k, int timeout);

/* move_run moves the IKE SA name of sd (in the state directory dir) to
 * our address addr (--move-to, move.c: RFC 4555 MOBIKE). Returns the exit
 * status. */
int	 move_run(struct sd *sd, const char *dir, const char *name,
	    const char *addr, int timeout, bool json);

/* What --auto (auto.c) runs with: the SA name, its state directory, and
 * the options passed on to each rekey. */
struct auto_opts {
	const char	*dir, *name;
	const char	*esp, *pfs;	/* as given, or NULL */
	int		 timeout, verbose;
	bool		 json;
};

/* auto_run watches SA a->name's current Child SA (ike.sa's child=): at
 * its soft limit it rekeys it (this program, run again), retrying with a
 * growing pause until the hard limit, at which it deletes it; one event
 * line for each. It returns EXIT_OK once the SA is gone or on SIGTERM or
 * SIGINT, EXIT_LOCAL if it cannot start. */
int	 auto_run(const struct auto_opts *a);

/* What a run of ike-rekey was asked to do (main.c). */
struct opts {
	const char	*statedir, *child, *esp;
	const char	*pfs_arg;	/* --pfs as given, for --auto */
	const char	*move_to;	/* --move-to ADDR (move.c) */
	const char	*add;		/* --add-child LOCAL=REMOTE */
	struct ts_pld	 add_l, add_r;	/* its selectors */
	uint16_t	 pfs;
	int		 timeout, verbose;
	bool		 del, ike, json, autom;
};

/* One SA being worked on. */
struct job {
	const struct opts *o;
	struct sd	*sd;
	char		 dir[4096];	/* the state directory */
	char		 name[SD_NAME_MAX + 1];
	struct ike_sa	 sa;
	struct ike_sa_file f;
	struct child_file old;
	int		 af;
	uint8_t		 local[16], remote[16];
	uint16_t	 lport, rport;
	struct link	 link;
	int		 serial;	/* .ike-rekey, locked while we run */
};

/* What our rekey of a Child SA came to (child_rekey_settle). */
struct settled {
	struct pending	 p;		/* the Delete owed, or PENDING_NONE */
	enum collide_verdict v;
	char		 theirs[SD_NAME_MAX + 1];	/* the peer's new SA */
	char		 del[SD_NAME_MAX + 1];		/* the one to delete */
};

/* What pending_answer waits with (link_exchange's arg). */
struct pending_wait {
	struct ike_sa		*sa;
	const struct pending	*p;
	bool			 made;
};

/* job.c: load reads the SA under l (and, with child, the Child SA to work
 * on); journal and job_unjournal keep our request out in ike.sa;
 * job_exit_of maps an exchange's result to an exit status (logged);
 * job_lock takes the SA's lock (logged if not); test_stop stops where
 * IKEKIT_TEST_STOP says (tests only). */
int	 load(struct job *j, struct sd_lock *l, bool child);
bool	 journal(struct job *j, struct sd_lock *l, const struct pending *p);
bool	 job_unjournal(struct job *j, struct sd_lock *l);
int	 job_exit_of(const struct job *j, const char *exch, enum ike_err e);
bool	 job_lock(struct job *j, struct sd_lock *l);
/* job.c, for every kind of run: exchange_exit is job_exit_of for SA name
 * (sa's peer_notify, the --timeout it waited); sa_lock takes SA name's
 * lock within LOCK_MS, saying why not (no such SA, held) on stderr. */
int	 exchange_exit(const char *name, const struct ike_sa *sa, int timeout,
	    const char *exch, enum ike_err e);
bool	 sa_lock(struct sd *sd, const char *name, struct sd_lock *l);
void	 test_stop(const struct job *j, const char *at);

/* job.c: waiting maps an answer that does not decrypt to IKE_ESYNTAX
 * (keep waiting), for the answer callbacks of link_exchange;
 * pending_answer is the one for a journaled request (arg a struct
 * pending_wait). */
enum ike_err	 waiting(enum ike_err e);
enum ike_err	 pending_answer(void *arg, struct rd in);

/* create.c: rekey rekeys j->old (RFC 7296 2.8); add_child makes one more
 * Child SA (--add-child), modelled on the one load_model reads. They
 * return the exit status. */
int	 rekey(struct job *j);
int	 load_model(struct job *j, struct sd_lock *l);
int	 add_child(struct job *j);

/* delete.c: our Deletes; owed_delete sends the one a settled rekey owes;
 * deleted prints the --json event (child NULL: the IKE SA). They return
 * the exit status. */
int	 owed_delete(struct job *j, struct settled *st);
void	 deleted(const struct job *j, const char *child);
int	 delete_child(struct job *j, const struct child_file *c);
int	 delete_ike(struct job *j);

/* recover.c: what a killed run left. recover finishes its journaled
 * request (*gone: the IKE SA was deleted); rekeyed_olds finds the Child
 * SAs its rekeys replaced but did not delete, finish_rekey deletes one;
 * journaled says whether ike.sa holds a request of an earlier run. */
enum { OLDS_MAX = 8 };
int	 recover(struct job *j, bool *gone);
size_t	 rekeyed_olds(struct sd_lock *l, char olds[][SD_NAME_MAX + 1],
	    char news[][SD_NAME_MAX + 1]);
int	 finish_rekey(struct job *j, const char *old, const char *new);
bool	 journaled(struct sd_lock *l);

/* sa_of names in out the SA that arg designates: its name, or ISPI:RSPI
 * (lookup.c). Returns the exit status. */
int	 sa_of(struct sd *sd, const char *arg, char *out, size_t n);

#endif
