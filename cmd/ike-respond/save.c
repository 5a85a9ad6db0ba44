/* SPDX-License-Identifier: ISC */
/* What ike-respond writes: ike.sa and child.NAME.sa per SA (ike-state(5), role=responder), --keys-out lines. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/exits.h"
#include "base/log.h"
#include "crypto/secret.h"
#include "keys/keys.h"
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

static FILE *
open_keys(const char *dir, const char *name)
{
	char	 path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "a")) == NULL)
		log_warn("%s: %s", path, strerror(errno));
	return f;
}

void
save_keys(struct srv *s, const struct slot *sl)
{
	const struct ike_sa	*sa = &sl->sa;
	const struct child_sa	*c = &sa->child;
	struct ike_sa_key	 ik;
	struct esp_sa_key	 ek;
	FILE			*f;
	size_t			 alen = s->af == AF_INET6 ? 16 : 4;
	int			 dir, bad = 0;

	if (s->o.keys_out == NULL)
		return;
	if ((f = open_keys(s->o.keys_out, "ikev2_decryption_table")) != NULL) {
		memset(&ik, 0, sizeof(ik));
		ik.ispi = sa->ispi;
		ik.rspi = sa->rspi;
		ik.encr = sa->suite.encr;
		ik.encr_keybits = sa->suite.encr_keybits;
		ik.integ = sa->suite.integ;
		ik.e_len = sa->keys.e_len;
		ik.a_len = sa->keys.a_len;
		memcpy(ik.sk_ei, sa->keys.sk_ei, ik.e_len);
		memcpy(ik.sk_er, sa->keys.sk_er, ik.e_len);
		memcpy(ik.sk_ai, sa->keys.sk_ai, ik.a_len);
		memcpy(ik.sk_ar, sa->keys.sk_ar, ik.a_len);
		bad |= keytab_write_ikev2(f, &ik);
		bad |= fclose(f);
		wipe(&ik, sizeof(ik));
	}
	if ((f = open_keys(s->o.keys_out, "esp_sa")) == NULL)
		return;
	for (dir = 0; dir < 2; dir++) {	/* 0: in (I->R), 1: out (R->I) */
		memset(&ek, 0, sizeof(ek));
		ek.af = s->af;
		memcpy(ek.src, dir ? s->local : sl->peer, alen);
		memcpy(ek.dst, dir ? sl->peer : s->local, alen);
		ek.spi = dir ? c->spi_out : c->spi_in;
		ek.encr = c->encr;
		ek.encr_keybits = c->keybits;
		ek.integ = c->integ;
		ek.e_len = c->keys.e_len;
		ek.a_len = c->keys.a_len;
		memcpy(ek.ekey, dir ? c->keys.er : c->keys.ei, ek.e_len);
		memcpy(ek.akey, dir ? c->keys.ar : c->keys.ai, ek.a_len);
		ek.esn = c->esn;
		bad |= keytab_write_esp(f, &ek);
		wipe(&ek, sizeof(ek));
	}
	bad |= fclose(f);
	if (bad)
		log_warn("%s: cannot write the key files", s->o.keys_out);
}
