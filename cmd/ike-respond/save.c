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
#include "sa/statedir.h"
#include "respond.h"

static const char *
nz(const char *s)
{
	return s != NULL ? s : "UNKNOWN";
}

/* vip_kv writes vip= (the CP addresses, comma-separated) and dns= when
 * there are any. */
static void
vip_kv(struct kvbuf *b, const struct cp_vip *v)
{
	char	 list[CP_DNS_MAX * 48], a[48];
	size_t	 n;
	int	 k;

	list[0] = '\0';
	for (k = 0; k < 2; k++) {
		cp_addr_format(&v->addr[k], a, sizeof(a));
		n = strlen(list);
		if (a[0] != '\0')
			snprintf(list + n, sizeof(list) - n, "%s%s", n ? "," : "", a);
	}
	if (list[0] != '\0')
		kv_str(b, "vip", list);
	list[0] = '\0';
	for (k = 0; k < v->n_dns; k++) {
		cp_addr_format(&v->dns[k], a, sizeof(a));
		n = strlen(list);
		if (a[0] != '\0')
			snprintf(list + n, sizeof(list) - n, "%s%s", n ? "," : "", a);
	}
	if (list[0] != '\0')
		kv_str(b, "dns", list);
}

static void
ike_file(const struct srv *s, const struct slot *sl, struct kvbuf *b)
{
	const struct ike_sa	*sa = &sl->sa;
	const struct ike_keys	*k = &sa->keys;
	char			 a[64], id[300];

	kv_str(b, "version", "1");
	kv_str(b, "name", sl->name);
	kv_str(b, "state", "established");
	kv_str(b, "role", "responder");
	kv_spi64(b, "ispi", sa->ispi);
	kv_spi64(b, "rspi", sa->rspi);
	net_format_hostport(s->af, s->local, s->lport[sl->sock], true, a, sizeof(a));
	kv_str(b, "local", a);
	net_format_hostport(s->af, sl->peer, sl->pport, true, a, sizeof(a));
	kv_str(b, "remote", a);
	kv_str(b, "encr", nz(ikev2_encr_name(sa->suite.encr)));
	kv_u64(b, "encr_keybits", sa->suite.encr_keybits);
	kv_str(b, "integ", nz(ikev2_integ_name(sa->suite.integ)));
	kv_str(b, "prf", nz(ikev2_prf_name(sa->suite.prf)));
	kv_str(b, "dh", nz(ikev2_dh_name(sa->suite.dh)));
	kv_str(b, "nat", xchg_nat(sa) ? "yes" : "no");
	ike_id_format(sa->local_id.type != 0 ? &sa->local_id : &s->cfg.local_id,
	    id, sizeof(id));
	if (id[0] != '\0' && id[0] != ' ')
		kv_str(b, "local_id", id);
	if (sa->peer_id.type != 0) {
		ike_id_format(&sa->peer_id, id, sizeof(id));
		if (id[0] != '\0' && id[0] != ' ')
			kv_str(b, "remote_id", id);
	}
	vip_kv(b, &sl->sa.vip);
	kv_hex(b, "sk_d", k->sk_d, k->d_len);
	kv_hex(b, "sk_ai", k->sk_ai, k->a_len);
	kv_hex(b, "sk_ar", k->sk_ar, k->a_len);
	kv_hex(b, "sk_ei", k->sk_ei, k->e_len);
	kv_hex(b, "sk_er", k->sk_er, k->e_len);
	kv_hex(b, "sk_pi", k->sk_pi, k->p_len);
	kv_hex(b, "sk_pr", k->sk_pr, k->p_len);
	if (sa->child.spi_in != 0)
		kv_str(b, "child", sl->child_name);
}

static void
child_file(const struct srv *s, const struct slot *sl, struct kvbuf *b)
{
	const struct child_sa	*c = &sl->sa.child;
	char			 a[64], ts[1024];

	kv_str(b, "version", "1");
	kv_str(b, "name", sl->child_name);
	kv_str(b, "ike", sl->name);
	kv_spi32(b, "spi_in", c->spi_in);
	kv_spi32(b, "spi_out", c->spi_out);
	kv_str(b, "encr", nz(ikev2_encr_name(c->encr)));
	kv_u64(b, "encr_keybits", c->keybits);
	kv_str(b, "integ", nz(ikev2_integ_name(c->integ)));
	kv_u64(b, "esn", c->esn ? 1 : 0);
	/* we responded: inbound is protected with the I->R keys */
	kv_hex(b, "key_in_e", c->keys.ei, c->keys.e_len);
	kv_hex(b, "key_in_a", c->keys.ai, c->keys.a_len);
	kv_hex(b, "key_out_e", c->keys.er, c->keys.e_len);
	kv_hex(b, "key_out_a", c->keys.ar, c->keys.a_len);
	net_format_hostport(s->af, s->local, 0, false, a, sizeof(a));
	kv_str(b, "local", a);
	net_format_hostport(s->af, sl->peer, 0, false, a, sizeof(a));
	kv_str(b, "remote", a);
	ts_format_list(&c->tsr, ts, sizeof(ts));
	kv_str(b, "local_ts", ts);
	ts_format_list(&c->tsi, ts, sizeof(ts));
	kv_str(b, "remote_ts", ts);
	kv_str(b, "mode", "tunnel");
	kv_str(b, "encap", sl->sock == 1 ? "udp" : "none");
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

	if (!lock(s, sl->name, true, &l))
		return false;
	if (sl->sa.child.spi_in != 0) {
		kv_init(&b);
		child_file(s, sl, &b);
		snprintf(file, sizeof(file), "child.%s.sa", sl->child_name);
		e = sd_write(&l, file, &b);
		kv_wipe(&b);
	}
	if (e == IKE_OK) {
		kv_init(&b);
		ike_file(s, sl, &b);
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
