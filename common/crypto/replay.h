/* SPDX-License-Identifier: ISC */
/* ESP anti-replay window (RFC 4303 3.4.3) with extended sequence numbers (RFC 4303 A2) on an RFC 6479 ring. */
#ifndef IKEKIT_CRYPTO_REPLAY_H
#define IKEKIT_CRYPTO_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

enum {
	REPLAY_SIZE_MAX = 65536,	/* packets; sizes are multiples of 64 */
};

enum replay_verdict {
	REPLAY_OK = 0,		/* right of top, or in the window and not seen */
	REPLAY_DUP,		/* in the window and already seen */
	REPLAY_OLD,		/* left of the window (or sequence number 0) */
};

/* The window of one inbound ESP SA. Bit (seq & 63) of ring[(seq >> 6) &
 * mask] says seq was seen, for seq in the window [top - size + 1, top]; the
 * ring has one word more than the window spans (rounded up to a power of
 * two) so that moving top clears whole words and never shifts bits: the cost
 * per packet does not depend on how far top moves (RFC 6479). */
struct replay {
	uint64_t	 top;	/* highest authenticated number; 0: none yet */
	uint64_t	*ring;	/* NULL when size is 0 */
	uint32_t	 size;	/* window in packets; 0: no replay check */
	uint32_t	 mask;	/* ring words - 1 */
	bool		 esn;
};

/* replay_init sets w up for a window of size packets: a multiple of 64 up to
 * REPLAY_SIZE_MAX, or 0 to accept every packet (RFC 4303 3.4.3: anti-replay
 * off; with ESN the high half is still inferred, from the highest number
 * seen). esn selects 64-bit extended sequence numbers. Returns IKE_EINVAL
 * for another size, IKE_ENOMEM. Free with replay_free, also on error. */
enum ike_err	 replay_init(struct replay *w, uint32_t size, bool esn);

/* replay_free frees the ring and wipes w; w may be all zero. */
void	 replay_free(struct replay *w);

/* replay_check looks at the low 32 bits seq_lo from the wire before the ICV
 * is verified, and changes nothing. It writes the full number to *seq:
 * without ESN seq_lo itself; with ESN the one that falls in
 * [top - size + 1, top - size + 2^32], that is in the window or ahead of it
 * (RFC 4303 A2.2). The caller verifies the ICV with the high half, seq >> 32
 * (esp_open's seq_hi), so a wrong guess only fails the ICV. With size 0 the
 * guess is the number nearest top (as for a window of 2^31), and a number
 * below 1 at the start of the SA counts as epoch 0. Returns REPLAY_OK (may
 * be new: verify the ICV, then replay_update), REPLAY_DUP (seen; drop) or
 * REPLAY_OLD (left of the window, or 0, or with ESN a number before the
 * first one of the SA; drop). With size 0 it always returns REPLAY_OK, even
 * for 0: RFC 4303 3.4.3 makes no inbound check then. *seq is only for
 * replay_update when the verdict is REPLAY_OK. */
enum replay_verdict	 replay_check(const struct replay *w, uint32_t seq_lo,
			    uint64_t *seq);

/* replay_update records seq, as replay_check gave it, once the ICV verified:
 * top moves to it if it is higher. It returns the verdict again, which can
 * now be REPLAY_DUP: a copy of the packet may have been checked, verified
 * and recorded in between; the caller drops the packet then. It costs at
 * most a clear of size / 64 + 1 words, when top jumps a whole window.
 * replay_check and replay_update on one window need the caller's lock (or
 * one thread): check and update under it, the ICV outside it. */
enum replay_verdict	 replay_update(struct replay *w, uint64_t seq);

#endif
