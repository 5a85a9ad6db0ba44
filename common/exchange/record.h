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
};

/* ike_sa_record appends sa's ike.sa lines (keys included) to b. */
void	 ike_sa_record(struct kvbuf *b, const struct ike_sa *sa,
	    const struct sa_where *w);
/* msgid_record appends the message IDs of sa's next requests, ours
 * (msgid_out) and the peer's (msgid_in), which ike_sa_record includes: what
 * a program that answers or sends a request on a loaded SA updates. */
void	 msgid_record(struct kvbuf *b, const struct ike_sa *sa);
/* child_sa_record appends the lines of sa's Child SA file to b; in and out
 * keys and local/remote selectors follow sa->role. */
void	 child_sa_record(struct kvbuf *b, const struct ike_sa *sa,
	    const struct sa_where *w);
/* child_record is child_sa_record for any Child SA c whose keys and
 * selectors are in the direction of an exchange that we initiated (ini)
 * or answered: IKE_AUTH's, or CREATE_CHILD_SA's. */
void	 child_record(struct kvbuf *b, const struct child_sa *c, bool ini,
	    const struct sa_where *w);

#endif
