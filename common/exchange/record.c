/* SPDX-License-Identifier: ISC */
/* The state-file records of an IKE SA and its Child SA, for both roles. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "names/names.h"
#include "exchange/cp.h"
#include "exchange/record.h"

static const char *
nz(const char *s)
{
	return s != NULL ? s : "UNKNOWN";
}

/* addr_list writes vip= or dns= as a comma-separated list when there are
 * any addresses. */
static void
addr_list(struct kvbuf *b, const char *key, const struct cp_addr *a, int n)
{
	char	 list[CP_DNS_MAX * 48], s[48];
	size_t	 len;
	int	 k;

	list[0] = '\0';
	for (k = 0; k < n; k++) {
		cp_addr_format(&a[k], s, sizeof(s));
		len = strlen(list);
		if (s[0] != '\0')
			snprintf(list + len, sizeof(list) - len, "%s%s",
			    len ? "," : "", s);
	}
	if (list[0] != '\0')
		kv_str(b, key, list);
}

static void
id_kv(struct kvbuf *b, const char *key, const struct ike_id *id)
{
	char buf[300];

	ike_id_format(id, buf, sizeof(buf));
	if (buf[0] != '\0' && buf[0] != ' ')
		kv_str(b, key, buf);
}

void
ike_sa_record(struct kvbuf *b, const struct ike_sa *sa, const struct sa_where *w)
{
	const struct ike_keys	*k = &sa->keys;
	bool			 up = sa->state == SA_ESTABLISHED;

	kv_str(b, "version", "1");
	kv_str(b, "name", w->name);
	kv_str(b, "state", up ? "established" : "sa-init");
	kv_str(b, "role", sa->role == ROLE_INITIATOR ? "initiator" : "responder");
	kv_spi64(b, "ispi", sa->ispi);
	kv_spi64(b, "rspi", sa->rspi);
	kv_str(b, "local", w->local);
	kv_str(b, "remote", w->remote);
	kv_str(b, "encr", nz(ikev2_encr_name(sa->suite.encr)));
	kv_u64(b, "encr_keybits", sa->suite.encr_keybits);
	kv_str(b, "integ", nz(ikev2_integ_name(sa->suite.integ)));
	kv_str(b, "prf", nz(ikev2_prf_name(sa->suite.prf)));
	kv_str(b, "dh", nz(ikev2_dh_name(sa->suite.dh)));
	kv_str(b, "nat", xchg_nat(sa) ? "yes" : "no");
	id_kv(b, "local_id", sa->local_id.type != 0 ? &sa->local_id : w->cfg_local_id);
	if (sa->peer_id.type != 0)
		id_kv(b, "remote_id", &sa->peer_id);
	addr_list(b, "vip", sa->vip.addr, 2);
	addr_list(b, "dns", sa->vip.dns, sa->vip.n_dns);
	kv_hex(b, "sk_d", k->sk_d, k->d_len);
	kv_hex(b, "sk_ai", k->sk_ai, k->a_len);
	kv_hex(b, "sk_ar", k->sk_ar, k->a_len);
	kv_hex(b, "sk_ei", k->sk_ei, k->e_len);
	kv_hex(b, "sk_er", k->sk_er, k->e_len);
	kv_hex(b, "sk_pi", k->sk_pi, k->p_len);
	kv_hex(b, "sk_pr", k->sk_pr, k->p_len);
	if (up && sa->child.spi_in != 0)
		kv_str(b, "child", w->child_name);	/* none once deleted */
	msgid_record(b, sa);
}

void
msgid_record(struct kvbuf *b, const struct ike_sa *sa)
{
	bool	 ini = sa->role == ROLE_INITIATOR;

	/* each end counts its own requests (RFC 7296 2.2) */
	kv_u64(b, "msgid_out", ini ? sa->msgid : sa->peer_msgid);
	kv_u64(b, "msgid_in", ini ? sa->peer_msgid : sa->msgid);
}

void
child_sa_record(struct kvbuf *b, const struct ike_sa *sa, const struct sa_where *w)
{
	child_record(b, &sa->child, sa->role == ROLE_INITIATOR, w);
}

void
child_record(struct kvbuf *b, const struct child_sa *c, bool ini,
    const struct sa_where *w)
{
	const struct child_keys	*k = &c->keys;
	char			 ts[1024];

	kv_str(b, "version", "1");
	kv_str(b, "name", w->child_name);
	kv_str(b, "ike", w->name);
	kv_spi32(b, "spi_in", c->spi_in);
	kv_spi32(b, "spi_out", c->spi_out);
	kv_str(b, "encr", nz(ikev2_encr_name(c->encr)));
	kv_u64(b, "encr_keybits", c->keybits);
	kv_str(b, "integ", nz(ikev2_integ_name(c->integ)));
	kv_u64(b, "esn", c->esn ? 1 : 0);
	/* what we receive is protected with the keys of the other end */
	kv_hex(b, "key_in_e", ini ? k->er : k->ei, k->e_len);
	kv_hex(b, "key_in_a", ini ? k->ar : k->ai, k->a_len);
	kv_hex(b, "key_out_e", ini ? k->ei : k->er, k->e_len);
	kv_hex(b, "key_out_a", ini ? k->ai : k->ar, k->a_len);
	kv_str(b, "local", w->local_addr);
	kv_str(b, "remote", w->remote_addr);
	ts_format_list(ini ? &c->tsi : &c->tsr, ts, sizeof(ts));
	kv_str(b, "local_ts", ts);
	ts_format_list(ini ? &c->tsr : &c->tsi, ts, sizeof(ts));
	kv_str(b, "remote_ts", ts);
	kv_str(b, "mode", "tunnel");
	kv_str(b, "encap", w->encap ? "udp" : "none");
	kv_u64(b, "created", (uint64_t)time(NULL));
}
