/* SPDX-License-Identifier: ISC */
/* The journal of our rekey of the IKE SA: what finishes it after a restart. */
#ifndef IKEKIT_EXCHANGE_REKEY_JOURNAL_H
#define IKEKIT_EXCHANGE_REKEY_JOURNAL_H

#include <stdbool.h>

#include "exchange/collide.h"
#include "exchange/record.h"
#include "exchange/xchg.h"
#include "sa/statedir.h"

/*
 * A rekey of the IKE SA whose request is out has made, at the peer, the
 * new IKE SA that the Child SAs moved to (RFC 7296 2.18): a run killed
 * before it records that SA would leave the peer with an SA nobody here
 * can use. So its journal (record.h, pending_what=rekey-ike) also keeps
 * what ike_rekey_consume needs to finish it: our new SPI
 * (pending_ike_spi), Ni (pending_ni), the group and our DH private value
 * (pending_group, pending_dh_priv). ike.sa is 0600 and holds the SK_*
 * keys already; these lines go as soon as the exchange is over
 * (pending_keys, ike_rekey_drop), and no message ever holds them.
 */

/* ike_rekey_journal reserves k->msgid and journals req (len bytes, as
 * ike_rekey_create wrote it for k) with k's secrets in ike.sa of l, in one
 * atomic update; sd_update's errors, IKE_ETOOBIG for a request too long. */
enum ike_err	 ike_rekey_journal(struct sd_lock *l, const struct ike_rekey *k,
		    const uint8_t *req, size_t len);

/* ike_rekey_resume makes k again from the journal of ike.sa of l, p
 * (PENDING_REKEY_IKE, read by pending_load for sa), and sets sa's counter
 * back to p->msgid: ike_rekey_consume then takes the answer to p->req.
 * IKE_EINVAL with "NAME/ike.sa: key: why" in err (never a value) for a bad
 * journal; sd_read's errors. k is ike_rekey_wipe'd by the caller. */
enum ike_err	 ike_rekey_resume(struct sd_lock *l, struct ike_sa *sa,
		    const struct pending *p, struct ike_rekey *k, char *err,
		    size_t errlen);

/* ike_rekey_save puts nsa, the new IKE SA of our rekey of old, in ike.sa
 * of l in place of old, in one write (ike_rekey_record, dropping
 * ike_rekey_drop: the journal goes with it). *moved, and nothing written,
 * when ike.sa no longer holds old (the peer rekeyed it meanwhile, and
 * esp-tun took that). IKE_EINVAL with err for an unreadable ike.sa;
 * sd_update's errors. */
enum ike_err	 ike_rekey_save(struct sd_lock *l, const struct ike_sa *old,
		    const struct ike_sa *nsa, bool *moved, char *err,
		    size_t errlen);

/* ike_rekey_save_collide is ike_rekey_save knowing of collisions (RFC 7296
 * 2.8.2, collide.h): ike.sa holding the peer's new SA of a rekey of old
 * that crossed ours, *v says which survives (collide_ike_check); nsa is
 * written in place of what ike.sa holds for COLLIDE_NONE and COLLIDE_WON
 * only, and with it, when del_len is not 0, the journal of our Delete of
 * old (del: sealed, as it will be sent): old_ike_ispi, old_ike_rspi,
 * old_ike_msgid and old_ike_delete, kept until that Delete is answered
 * (a run killed before leaves them to the next, old_delete_load).
 * IKE_ETOOBIG for a Delete too long to keep; else as ike_rekey_save. */
enum ike_err	 ike_rekey_save_collide(struct sd_lock *l,
		    const struct ike_sa *old, const struct ike_sa *nsa,
		    const uint8_t *del, size_t del_len, uint32_t del_msgid,
		    enum collide_verdict *v, char *err, size_t errlen);

/* Our Delete of the IKE SA a rekey replaced, journaled in ike.sa. */
enum { OLD_DELETE_MAX = 1024 };
struct old_delete {
	uint64_t	 ispi, rspi;
	uint32_t	 msgid;
	uint8_t		 req[OLD_DELETE_MAX];
	size_t		 len;
};

/* The keys of that journal, NULL-terminated (sd_update drops them once
 * the Delete is answered). */
extern const char *const old_delete_keys[];

/* old_delete_load reads that journal of ike.sa of l into d: *found false
 * when there is none. IKE_EINVAL with err for a malformed one (the caller
 * drops it); sd_read's errors. */
enum ike_err	 old_delete_load(struct sd_lock *l, struct old_delete *d,
		    bool *found, char *err, size_t errlen);

/* old_delete_answers: whether in is the peer's answer to d (the header:
 * the old SA's keys are gone, so nothing more can be checked; a forged
 * one only stops the Delete being sent again). */
bool	 old_delete_answers(const struct old_delete *d, struct rd in);

/*
 * Our rekey of a Child SA answered, its new SA recorded in
 * child.NAME.sa with rekey_of=OLD and rekey_nonce (the lower of our
 * exchange's two nonces), a Delete is owed: of OLD (RFC 7296 2.8), or of
 * NAME when the peer's rekey of OLD crossed ours and ours holds the
 * lowest nonce (2.8.1, collide_child_check_lo). child_rekey_settle
 * journals that Delete as our next request (p: PENDING_DELETE of its
 * inbound SPI, at sa's counter, which it takes) in the one update of
 * ike.sa that drops the CREATE_CHILD_SA's journal and makes child= name
 * the Child SA that stays (unless it names another one that is there). A
 * run killed after it leaves the Delete to the next run, which sends it
 * before anything else; killed before it, the CREATE_CHILD_SA's journal is left with
 * NAME's file, and the next run settles it here. p->what is PENDING_NONE
 * when nothing is owed (NAME no rekey, or OLD deleted and ours stays).
 * *v: the verdict, with the peer's new SA in theirs (n bytes); del (dn
 * bytes): the Child SA whose Delete is owed. Errors: sd_read's or
 * sd_update's, IKE_EINVAL for a NAME file without spi_in. */
enum ike_err	 child_rekey_settle(struct sd_lock *l, struct ike_sa *sa,
		    const char *name, struct pending *p, enum collide_verdict *v,
		    char *theirs, size_t n, char *del, size_t dn);

#endif
