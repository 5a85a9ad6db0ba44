/* SPDX-License-Identifier: ISC */
/* An IKE SA and its Child SA as the key=value records of ike-state(5). */
#ifndef IKEKIT_EXCHANGE_RECORD_H
#define IKEKIT_EXCHANGE_RECORD_H

#include <stdbool.h>

#include "exchange/xchg.h"
#include "sa/statedir.h"

/* Where an SA lives: what the program knows beside struct ike_sa. */
struct sa_where {
	const char		*name, *child_name;
	const char		*local, *remote;	/* "addr:port" of the IKE SA */
	const char		*local_addr, *remote_addr; /* no port, for the child */
	bool			 encap;			/* on UDP 4500 */
	const struct ike_id	*cfg_local_id;		/* when sa has none yet */
	const uint64_t		*life;	/* hard secs, bytes, packets, or NULL */
};

/* ike_sa_record appends sa's ike.sa lines (keys included) to b. */
void	 ike_sa_record(struct kvbuf *b, const struct ike_sa *sa,
	    const struct sa_where *w);
/* msgid_record appends the message IDs of sa's next requests, ours
 * (msgid_out) and the peer's (msgid_in), which ike_sa_record includes: what
 * a program that answers or sends a request on a loaded SA updates. */
void	 msgid_record(struct kvbuf *b, const struct ike_sa *sa);
/* suite_record appends an IKE SA's transforms (encr, encr_keybits, integ,
 * prf, dh) and sk_record its SK_* keys, as ike.sa holds them. */
void	 suite_record(struct kvbuf *b, const struct ike_suite *s);
void	 sk_record(struct kvbuf *b, const struct ike_keys *k);
/* child_sa_record appends the lines of sa's Child SA file to b; in and out
 * keys and local/remote selectors follow sa->role. */
void	 child_sa_record(struct kvbuf *b, const struct ike_sa *sa,
	    const struct sa_where *w);
/* child_record is child_sa_record for any Child SA c whose keys and
 * selectors are in the direction of an exchange that we initiated (ini)
 * or answered: IKE_AUTH's, or CREATE_CHILD_SA's. */
void	 child_record(struct kvbuf *b, const struct child_sa *c, bool ini,
	    const struct sa_where *w);

/* child_life_record appends the hard limits of hard (seconds, bytes,
 * packets; 0: none) as lifetime_*, and soft_* limits freshly drawn for
 * each: 90% of the hard one less a random jitter of up to 10% of it.
 * child_record calls it with w->life; a rekey calls it with the old Child
 * SA's hard limits, so that the new one gets its own soft ones. */
void	 child_life_record(struct kvbuf *b, const uint64_t hard[3]);
/* child_life_parse reads a decimal limit from 1 to max (an option's
 * argument); false if s is not one. */
bool	 child_life_parse(const char *s, uint64_t max, uint64_t *v);
/* child_life_option reads the argument of --lifetime (which 0),
 * --lifetime-bytes (1) or --lifetime-packets (2) into life[which]; false
 * with the usage error ("--lifetime: 'x': not ...") in err. */
bool	 child_life_option(int which, const char *arg, uint64_t life[3],
	    char *err, size_t errlen);

/*
 * The journal of our request in flight on an IKE SA (ike-state(5),
 * "Message IDs"). A program that sends a request writes it to ike.sa in
 * the one update that reserves its message ID N (msgid_out=N+1), before
 * it sends: pending_msgid=N, pending_what, pending_spi and pending_req,
 * the sealed request as sent. Once the answer is processed the lines go,
 * in the update that records the result when there is one. A program
 * killed in between leaves them; the next one to send a request on the SA
 * first sends those bytes again (a retransmission: a peer that never got
 * N takes it now, one that did answers again, RFC 7296 2.1) and finishes
 * the exchange with pending_after.
 */
enum pending_what {
	PENDING_NONE,
	PENDING_CHECK,		/* INFORMATIONAL, empty: a liveness check */
	PENDING_CHILD,		/* CREATE_CHILD_SA of a Child SA; spi: ours */
	PENDING_DELETE,		/* Delete of our inbound ESP SPI spi */
	PENDING_DELETE_IKE,	/* Delete of the IKE SA */
	PENDING_REKEY_IKE,	/* CREATE_CHILD_SA rekeying the IKE SA, its
				 * secrets beside it (ike_rekey_journal) */
};

/* A journaled request is one of ours, INFORMATIONAL or CREATE_CHILD_SA
 * (never IKE_AUTH, whose certificates make messages long): PENDING_REQ_MAX
 * bounds it, so that ike.sa holds it in hex with room to spare
 * (SD_KV_BUF); pending_set refuses a longer one. */
enum { PENDING_REQ_MAX = 4096 };

struct pending {
	enum pending_what what;
	uint32_t	 msgid;
	uint32_t	 spi;
	uint8_t		 req[PENDING_REQ_MAX];
	size_t		 len;
};

/* The journal's keys, NULL-terminated: what an sd_update drops once the
 * answer is in. */
extern const char *const pending_keys[];

/* pending_set fills p with the request req (len bytes) of kind what, at
 * message ID msgid, about SPI spi (0 for none); false if it is too long. */
bool	 pending_set(struct pending *p, enum pending_what what, uint32_t msgid,
	    uint32_t spi, const uint8_t *req, size_t len);

/* pending_record appends msgid_out (p->msgid + 1) and p's journal lines. */
void	 pending_record(struct kvbuf *b, const struct pending *p);

/* pending_save reserves p's message ID and journals p in ike.sa of l, in
 * one atomic update; sd_update's errors. */
enum ike_err	 pending_save(struct sd_lock *l, const struct pending *p);

/* pending_load reads the journal of ike.sa of l into p for sa (as
 * ike_sa_load read it from that file): p->what is PENDING_NONE when there
 * is none. A journal that is not of sa (other SPIs, a message ID that
 * msgid_out does not follow) is stale: PENDING_NONE too, with *stale set
 * (stale may be NULL). IKE_EINVAL with "NAME/ike.sa: key: why" in err for
 * a malformed one; sd_read's errors. */
enum ike_err	 pending_load(struct sd_lock *l, const struct ike_sa *sa,
		    struct pending *p, bool *stale, char *err, size_t errlen);

/* pending_consume reads in as the answer to p on sa: IKE_ESYNTAX when it
 * is not (keep waiting), IKE_EINTEG when it does not decrypt (forged or
 * damaged: keep waiting), IKE_OK when it is, our counter then past
 * p->msgid. made: for PENDING_CHILD, whether the answer holds an SA
 * payload and no error Notify, i.e. the peer made the Child SA. */
enum ike_err	 pending_consume(struct ike_sa *sa, const struct pending *p,
		    struct rd in, bool *made);

/* pending_child_name finds the Child SA file of l whose spi_in is spi and
 * puts its name in name (n bytes); false when there is none. */
bool	 pending_child_name(struct sd_lock *l, uint32_t spi, char *name,
	    size_t n);

/* What follows an answered journal entry (pending_after). */
enum pending_next {
	PENDING_CLEARED,	/* done: the journal is empty */
	PENDING_AGAIN,		/* p is a new request, journaled: send it */
	PENDING_SA_GONE,	/* the IKE SA is deleted: remove it */
};

/* pending_after finishes the exchange of p under l once the answer is in
 * (made: pending_consume's; sa's counter past p->msgid): a Child SA that
 * the peer made but that has no file here (the run that sent the request
 * did not save it, and without its nonces nobody can) is deleted: p
 * becomes that Delete of our SPI (RFC 7296 1.4.1), journaled at the next
 * message ID (PENDING_AGAIN). A Delete answered takes the files of that
 * Child SA with it, and ike.sa's child= when it names it. Otherwise the
 * journal is cleared. On error (logged by the caller with errno) the
 * journal is as it was. */
enum ike_err	 pending_after(struct sd_lock *l, struct ike_sa *sa,
		    struct pending *p, bool made, enum pending_next *next);

/* child_follow makes ike.sa's child= (under l) name the Child SA new that
 * rekeyed old, if it named old: ike-rekey --auto and the next rekey follow
 * child=, and another program may have named another one meanwhile, so it
 * is read now. *moved says whether it did. IKE_EIO on a file error. */
enum ike_err	 child_follow(struct sd_lock *l, const char *old,
		    const char *new, bool *moved);

/* last_resp_load reads last_resp= of ike.sa of l: our answer to the peer's
 * last request on sa, kept so that a restarted program answers its
 * retransmission (RFC 7296 2.1). out (cap bytes) gets it and *len its
 * length, 0 when there is none or it is not an answer of sa to the
 * request before its msgid_in; *msgid its message ID. */
enum ike_err	 last_resp_load(struct sd_lock *l, const struct ike_sa *sa,
		    uint8_t *out, size_t cap, size_t *len, uint32_t *msgid);

#endif
