/* SPDX-License-Identifier: ISC */
/* What ike-initiate leaves behind: ike.sa and child.NAME.sa (ike-state(5)), --keys-out files, stdout. */
#include <sys/socket.h>
#include <sys/stat.h>
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
#include "proposal/proposal.h"
#include "sa/statedir.h"
#include "initiate.h"

static const char *
nz(const char *s)
{
	return s != NULL ? s : "UNKNOWN";
}

/* names_for picks the SA and Child SA names. */
static void
names_for(struct run *r)
{
	if (r->o.name != NULL)
		snprintf(r->name, sizeof(r->name), "%s", r->o.name);
	else
		snprintf(r->name, sizeof(r->name), "%016llx-%016llx",
		    (unsigned long long)r->sa.ispi, (unsigned long long)r->sa.rspi);
	snprintf(r->child_name, sizeof(r->child_name), "%08x", r->sa.child.spi_in);
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
ike_file(const struct run *r, struct kvbuf *b)
{
	const struct ike_sa	*sa = &r->sa;
	const struct ike_keys	*k = &sa->keys;
	char			 a[64], id[300];

	kv_str(b, "version", "1");
	kv_str(b, "name", r->name);
	kv_str(b, "state", sa->state == SA_ESTABLISHED ? "established" : "sa-init");
	kv_str(b, "role", "initiator");
	kv_spi64(b, "ispi", sa->ispi);
	kv_spi64(b, "rspi", sa->rspi);
	net_format_hostport(r->net.af, r->net.local, r->net.lport[r->sock], true, a, sizeof(a));
	kv_str(b, "local", a);
	net_format_hostport(r->net.af, r->net.peer, r->net.pport[r->sock], true, a, sizeof(a));
	kv_str(b, "remote", a);
	kv_str(b, "encr", nz(ikev2_encr_name(sa->suite.encr)));
	kv_u64(b, "encr_keybits", sa->suite.encr_keybits);
	kv_str(b, "integ", nz(ikev2_integ_name(sa->suite.integ)));
	kv_str(b, "prf", nz(ikev2_prf_name(sa->suite.prf)));
	kv_str(b, "dh", nz(ikev2_dh_name(sa->suite.dh)));
	kv_str(b, "nat", xchg_nat(sa) ? "yes" : "no");
	ike_id_format(sa->local_id.type != 0 ? &sa->local_id : &r->cfg.local_id, id,
	    sizeof(id));
	if (id[0] != '\0' && id[0] != ' ')
		kv_str(b, "local_id", id);
	if (sa->peer_id.type != 0) {
		ike_id_format(&sa->peer_id, id, sizeof(id));
		if (id[0] != '\0' && id[0] != ' ')
			kv_str(b, "remote_id", id);
	}
	vip_kv(b, &r->sa.vip);
	kv_hex(b, "sk_d", k->sk_d, k->d_len);
	kv_hex(b, "sk_ai", k->sk_ai, k->a_len);
	kv_hex(b, "sk_ar", k->sk_ar, k->a_len);
	kv_hex(b, "sk_ei", k->sk_ei, k->e_len);
	kv_hex(b, "sk_er", k->sk_er, k->e_len);
	kv_hex(b, "sk_pi", k->sk_pi, k->p_len);
	kv_hex(b, "sk_pr", k->sk_pr, k->p_len);
	if (sa->state == SA_ESTABLISHED && sa->child.spi_in != 0)
		kv_str(b, "child", r->child_name);	/* none once deleted */
}

static void
child_file(const struct run *r, struct kvbuf *b)
{
	const struct child_sa	*c = &r->sa.child;
	char			 a[64], ts[1024];

	kv_str(b, "version", "1");
	kv_str(b, "name", r->child_name);
	kv_str(b, "ike", r->name);
	kv_spi32(b, "spi_in", c->spi_in);
	kv_spi32(b, "spi_out", c->spi_out);
	kv_str(b, "encr", nz(ikev2_encr_name(c->encr)));
	kv_u64(b, "encr_keybits", c->keybits);
	kv_str(b, "integ", nz(ikev2_integ_name(c->integ)));
	kv_u64(b, "esn", c->esn ? 1 : 0);
	/* we initiated: inbound is protected with the R->I keys */
	kv_hex(b, "key_in_e", c->keys.er, c->keys.e_len);
	kv_hex(b, "key_in_a", c->keys.ar, c->keys.a_len);
	kv_hex(b, "key_out_e", c->keys.ei, c->keys.e_len);
	kv_hex(b, "key_out_a", c->keys.ai, c->keys.a_len);
	net_format_hostport(r->net.af, r->net.local, 0, false, a, sizeof(a));
	kv_str(b, "local", a);
	net_format_hostport(r->net.af, r->net.peer, 0, false, a, sizeof(a));
	kv_str(b, "remote", a);
	ts_format_list(&c->tsi, ts, sizeof(ts));
	kv_str(b, "local_ts", ts);
	ts_format_list(&c->tsr, ts, sizeof(ts));
	kv_str(b, "remote_ts", ts);
	kv_str(b, "mode", "tunnel");
	kv_str(b, "encap", r->sock == 1 ? "udp" : "none");
}

void
save_state(struct run *r)
{
	static struct kvbuf	 b;
	char			 dir[4096], file[SD_FILE_MAX + 1];
	struct sd		 sd;
	struct sd_lock		 l;
	enum ike_err		 e;

	names_for(r);
	if (r->o.statedir != NULL)
		snprintf(dir, sizeof(dir), "%s", r->o.statedir);
	else if ((e = sd_default_dir(dir, sizeof(dir))) != IKE_OK)
		die(EXIT_LOCAL, "state directory: %s (set IKE_STATE_DIR or use -S)",
		    ike_strerror(e));
	if (sd_open(&sd, dir, true) != IKE_OK)
		die(EXIT_LOCAL, "%s: %s%s%s", dir, strerror(errno),
		    sd.why[0] ? ": " : "", sd.why);
	if (sd_lock_sa(&sd, r->name, true, &l) != IKE_OK)
		die(EXIT_LOCAL, "%s/%s: %s", dir, r->name, strerror(errno));
	if (r->sa.state == SA_ESTABLISHED && r->sa.child.spi_in != 0) {
		kv_init(&b);
		child_file(r, &b);
		snprintf(file, sizeof(file), "child.%s.sa", r->child_name);
		e = sd_write(&l, file, &b);
		kv_wipe(&b);
		if (e != IKE_OK)
			die(EXIT_LOCAL, "%s/%s/%s: %s", dir, r->name, file,
			    e == IKE_EIO ? strerror(errno) : ike_strerror(e));
	}
	kv_init(&b);
	ike_file(r, &b);
	e = sd_write(&l, "ike.sa", &b);
	kv_wipe(&b);
	if (e != IKE_OK)
		die(EXIT_LOCAL, "%s/%s/ike.sa: %s", dir, r->name,
		    e == IKE_EIO ? strerror(errno) : ike_strerror(e));
	sd_unlock(&l);
	sd_close(&sd);
}

static FILE *
open_keys(const char *dir, const char *name)
{
	char	 path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		die(EXIT_LOCAL, "%s: %s", path, strerror(errno));
	return f;
}

void
save_keys(struct run *r)
{
	const struct ike_sa	*sa = &r->sa;
	struct ike_sa_key	 ik;
	struct esp_sa_key	 ek;
	FILE			*f;
	int			 bad = 0;

	if (r->o.keys_out == NULL)
		return;
	if (mkdir(r->o.keys_out, 0700) != 0 && errno != EEXIST)
		die(EXIT_LOCAL, "%s: %s", r->o.keys_out, strerror(errno));
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
	f = open_keys(r->o.keys_out, "ikev2_decryption_table");
	bad |= keytab_write_ikev2(f, &ik);
	bad |= fclose(f);
	wipe(&ik, sizeof(ik));
	f = open_keys(r->o.keys_out, "esp_sa");
	if (sa->state == SA_ESTABLISHED) {
		const struct child_sa *c = &sa->child;
		size_t	 alen = r->net.af == AF_INET6 ? 16 : 4;
		int	 dir;

		for (dir = 0; dir < 2; dir++) {	/* 0: out (I->R), 1: in */
			memset(&ek, 0, sizeof(ek));
			ek.af = r->net.af;
			memcpy(ek.src, dir ? r->net.peer : r->net.local, alen);
			memcpy(ek.dst, dir ? r->net.local : r->net.peer, alen);
			ek.spi = dir ? c->spi_in : c->spi_out;
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
	}
	bad |= fclose(f);
	if (bad)
		die(EXIT_LOCAL, "%s: cannot write the key files", r->o.keys_out);
}

void
print_result(const struct run *r)
{
	const struct ike_sa	*sa = &r->sa;
	const struct child_sa	*c = &sa->child;
	char			 l[64], p[64], ike[PROPOSAL_STR_MAX], esp[PROPOSAL_STR_MAX];
	char			 tl[1024], tr[1024], a[48];
	int			 k;

	if (!r->o.json) {
		printf("%s\n", r->name);
		/* --vip: a second line, vip=ADDR[,ADDR6] as in ike.sa */
		for (k = 0, tl[0] = '\0'; k < 2; k++) {
			cp_addr_format(&sa->vip.addr[k], a, sizeof(a));
			if (a[0] != '\0')
				snprintf(tl + strlen(tl), sizeof(tl) - strlen(tl),
				    "%s%s", tl[0] ? "," : "vip=", a);
		}
		if (tl[0] != '\0')
			printf("%s\n", tl);
		fflush(stdout);
		return;
	}
	net_format_hostport(r->net.af, r->net.local, r->net.lport[r->sock], true, l, sizeof(l));
	net_format_hostport(r->net.af, r->net.peer, r->net.pport[r->sock], true, p, sizeof(p));
	proposal_format(&sa->chosen, ike, sizeof(ike));
	printf("{\"name\":\"%s\",\"state\":\"%s\",\"ispi\":\"%016llx\","
	    "\"rspi\":\"%016llx\",\"local\":\"%s\",\"remote\":\"%s\","
	    "\"ike\":\"%s\",\"nat\":%s", r->name,
	    sa->state == SA_ESTABLISHED ? "established" : "sa-init",
	    (unsigned long long)sa->ispi, (unsigned long long)sa->rspi, l, p, ike,
	    xchg_nat(sa) ? "true" : "false");
	if (sa->state == SA_ESTABLISHED) {
		proposal_format(&c->chosen, esp, sizeof(esp));
		ts_format_list(&c->tsi, tl, sizeof(tl));
		ts_format_list(&c->tsr, tr, sizeof(tr));
		printf(",\"child\":{\"name\":\"%s\",\"spi_in\":\"0x%08x\","
		    "\"spi_out\":\"0x%08x\",\"esp\":\"%s\",\"local_ts\":\"%s\","
		    "\"remote_ts\":\"%s\",\"encap\":\"%s\"}", r->child_name,
		    c->spi_in, c->spi_out, esp, tl, tr, r->sock == 1 ? "udp" : "none");
		for (k = 0; k < 2; k++) {
			cp_addr_format(&sa->vip.addr[k], a, sizeof(a));
			if (a[0] != '\0')
				printf(",\"vip%s\":\"%s\"", k ? "6" : "", a);
		}
		for (k = 0; k < sa->vip.n_dns; k++) {
			cp_addr_format(&sa->vip.dns[k], a, sizeof(a));
			printf("%s\"%s\"", k ? "," : ",\"dns\":[", a);
		}
		if (sa->vip.n_dns > 0)
			printf("]");
	}
	printf("}\n");
	fflush(stdout);
}
