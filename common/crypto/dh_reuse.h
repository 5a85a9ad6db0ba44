/* SPDX-License-Identifier: ISC */
/* A responder's DH key pairs, each used for many IKE_SA_INIT exchanges for a short while (RFC 7296 2.12). */
#ifndef IKEKIT_CRYPTO_DH_REUSE_H
#define IKEKIT_CRYPTO_DH_REUSE_H

#include <stdint.h>

#include "base/err.h"

struct dh;

enum { DH_REUSE_GROUPS = 8 };		/* every group dh.c has */

/* Zero it, set max_ms, and dh_reuse_clear it at the end. With max_ms 0
 * every dh_reuse_get is a fresh key pair. */
struct dh_reuse {
	int64_t		 max_ms;	/* how long one key pair serves */
	struct {
		struct dh	*d;
		int64_t		 born_ms;
	}		 pair[DH_REUSE_GROUPS];
};

/* dh_reuse_get sets *out to a key pair of group (dh_free it when done):
 * the one made less than max_ms ago, or a fresh one that the next calls
 * get until it is max_ms old. Errors are dh_new's. Forward secrecy then
 * holds only once a key pair is gone: at most max_ms after it was made if
 * dh_reuse_expire runs often enough, and when the SAs using it let go. */
enum ike_err	 dh_reuse_get(struct dh_reuse *r, uint16_t group,
		    struct dh **out);

/* dh_reuse_expire lets go of the key pairs older than max_ms; call it
 * from a timer so that an idle responder keeps none for long. */
void	 dh_reuse_expire(struct dh_reuse *r);

/* dh_reuse_clear lets go of every key pair. */
void	 dh_reuse_clear(struct dh_reuse *r);

#endif
