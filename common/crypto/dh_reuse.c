/* SPDX-License-Identifier: ISC */
/* A responder's DH key pairs, each used for many IKE_SA_INIT exchanges for a short while (RFC 7296 2.12). */
#include "base/clock.h"
#include "crypto/dh.h"
#include "crypto/dh_reuse.h"

enum ike_err
dh_reuse_get(struct dh_reuse *r, uint16_t group, struct dh **out)
{
	int64_t		 now;
	enum ike_err	 e;
	int		 i, free_i = -1;

	if (r == NULL || r->max_ms <= 0)
		return dh_new(out, group);
	now = mono_ms();
	for (i = 0; i < DH_REUSE_GROUPS; i++) {
		if (r->pair[i].d == NULL) {
			if (free_i < 0)
				free_i = i;
			continue;
		}
		if (dh_group(r->pair[i].d) != group)
			continue;
		if (now - r->pair[i].born_ms < r->max_ms) {
			*out = dh_ref(r->pair[i].d);
			return IKE_OK;
		}
		dh_free(r->pair[i].d);	/* too old: SAs using it keep it */
		r->pair[i].d = NULL;
		free_i = i;
		break;
	}
	if ((e = dh_new(out, group)) != IKE_OK || free_i < 0)
		return e;
	r->pair[free_i].d = dh_ref(*out);
	r->pair[free_i].born_ms = now;
	return IKE_OK;
}

void
dh_reuse_expire(struct dh_reuse *r)
{
	int64_t	 now = mono_ms();
	int	 i;

	for (i = 0; i < DH_REUSE_GROUPS; i++)
		if (r->pair[i].d != NULL &&
		    now - r->pair[i].born_ms >= r->max_ms) {
			dh_free(r->pair[i].d);
			r->pair[i].d = NULL;
		}
}

void
dh_reuse_clear(struct dh_reuse *r)
{
	int	 i;

	for (i = 0; i < DH_REUSE_GROUPS; i++) {
		dh_free(r->pair[i].d);
		r->pair[i].d = NULL;
	}
}
