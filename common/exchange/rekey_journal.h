/* SPDX-License-Identifier: ISC */
/* The journal of our rekey of the IKE SA: what finishes it after a restart. */
#ifndef IKEKIT_EXCHANGE_REKEY_JOURNAL_H
#define IKEKIT_EXCHANGE_REKEY_JOURNAL_H

#include <stdbool.h>

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

#endif
