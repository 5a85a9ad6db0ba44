/* SPDX-License-Identifier: ISC */
/* What ike-respond writes: ike.sa and child.NAME.sa per SA (ike-state(5), role=responder), --keys-out lines. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/exits.h"
#include "base/log.h"
#include "names/ikev2.h"
#include "names/names.h"
#include "exchange/record.h"
#include "sa/statedir.h"
#include "respond.h"





/* where_for fills w (and the address buffers it points to) for sl. */
static void
where_for(const struct srv *s, const struct slot *sl, struct sa_where *w,
    char addr[4][64])
{
	net_format_hostport(s->af, s->local, s->lport[sl->sock], true, addr[0], 64);
	net_format_hostport(s->af, sl->peer, sl->pport, true, addr[1], 64);
	net_format_hostport(s->af, s->local, 0, false, addr[2], 64);
	net_format_hostport(s->af, sl->peer, 0, false, addr[3], 64);
	*w = (struct sa_where){ sl->name, sl->child_name, addr[0], addr[1],
	    addr[2], addr[3], sl->sock == 1, &s->cfg.local_id };
}

/* lock takes the SA's lock in the state directory, kept open in s->sd. */
static bool
lock(struct srv *s, const char *name, bool create, struct sd_lock *l)
{
	if (sd_lock_sa(&s->sd, name, create, l) != IKE_OK) {
		log_warn("%s/%s: %s", s->dir, name, strerror(errno));
		return false;
	}
	return true;
}

bool
save_sa(struct srv *s, struct slot *sl)
{
	static struct kvbuf	 b;
	char			 file[SD_FILE_MAX + 1];
	struct sd_lock		 l;
	enum ike_err		 e = IKE_OK;
	struct sa_where		 w;
	char			 addr[4][64];
	uint32_t		 spi;

	if (!lock(s, sl->name, true, &l))
		return false;
	where_for(s, sl, &w, addr);
	/* a new SA killed at any point leaves an IKE SA with or without its
	 * Child SA, never a Child SA without ike.sa: ike.sa first (without
	 * child=), then the Child SA, then ike.sa naming it */
	if (!sl->saved && (spi = sl->sa.child.spi_in) != 0) {
		sl->sa.child.spi_in = 0;
		kv_init(&b);
		ike_sa_record(&b, &sl->sa, &w);
		sl->sa.child.spi_in = spi;
		e = sd_write(&l, "ike.sa", &b);
		kv_wipe(&b);
	}
	if (e == IKE_OK && sl->sa.child.spi_in != 0) {
		kv_init(&b);
		child_sa_record(&b, &sl->sa, &w);
		snprintf(file, sizeof(file), "child.%s.sa", sl->child_name);
		e = sd_write(&l, file, &b);
		kv_wipe(&b);
	}
	if (e == IKE_OK) {
		kv_init(&b);
		ike_sa_record(&b, &sl->sa, &w);
		e = sd_write(&l, "ike.sa", &b);
		kv_wipe(&b);
	}
	if (e != IKE_OK)
		log_warn("%s/%s: %s", s->dir, sl->name,
		    e == IKE_EIO ? strerror(errno) : ike_strerror(e));
	sd_unlock(&l);
	return e == IKE_OK;
}

void
drop_sa(struct srv *s, struct slot *sl)
{
	if (!sl->saved)
		return;
	if (sd_remove_sa(&s->sd, sl->name) != IKE_OK)
		log_warn("%s/%s: %s", s->dir, sl->name, strerror(errno));
	sl->saved = false;
}

void
drop_child(struct srv *s, struct slot *sl)
{
	char		 file[SD_FILE_MAX + 1];
	struct sd_lock	 l;

	if (!sl->saved || !lock(s, sl->name, false, &l))
		return;
	snprintf(file, sizeof(file), "child.%s.sa", sl->child_name);
	if (sd_remove(&l, file) != IKE_OK)
		log_warn("%s/%s/%s: %s", s->dir, sl->name, file, strerror(errno));
	sd_unlock(&l);
	sl->sa.child.spi_in = 0;
	(void)save_sa(s, sl);		/* ike.sa without child= */
	if (s->o.sync == SYNC_BATCH && sd_sync(&s->sd) != IKE_OK)
		log_warn("%s: sync: %s", s->dir, strerror(errno));
}

void
save_keys(struct srv *s, const struct slot *sl)
{
	if (s->o.keys_out != NULL && keys_export(s->o.keys_out, &sl->sa, s->af,
	    sl->peer, s->local, true) != IKE_OK)
		log_warn("%s: cannot write the key files: %s", s->o.keys_out,
		    strerror(errno));
}
