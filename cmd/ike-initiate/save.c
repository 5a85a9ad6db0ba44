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
#include "names/ikev2.h"
#include "names/names.h"
#include "proposal/proposal.h"
#include "exchange/record.h"
#include "sa/statedir.h"
#include "initiate.h"


/* names_for picks the SA and Child SA names. */
/* where_for fills w (and the address buffers it points to) for r's SA. */
static void
where_for(const struct run *r, struct sa_where *w, char addr[4][64])
{
	const struct net *n = &r->net;

	net_format_hostport(n->af, n->local, n->lport[r->sock], true, addr[0], 64);
	net_format_hostport(n->af, n->peer, n->pport[r->sock], true, addr[1], 64);
	net_format_hostport(n->af, n->local, 0, false, addr[2], 64);
	net_format_hostport(n->af, n->peer, 0, false, addr[3], 64);
	*w = (struct sa_where){ r->name, r->child_name, addr[0], addr[1], addr[2],
	    addr[3], r->sock == 1, &r->cfg.local_id, r->o.life };
}

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




void
save_state(struct run *r)
{
	static struct kvbuf	 b;
	static bool		 saved;		/* this run's SA is in the dir */
	char			 dir[4096], file[SD_FILE_MAX + 1];
	struct sd		 sd;
	struct sd_lock		 l;
	enum ike_err		 e;
	struct sa_where		 w;
	char			 addr[4][64];
	uint32_t		 spi;
	bool			 child;

	names_for(r);
	where_for(r, &w, addr);
	if (r->o.statedir != NULL)
		snprintf(dir, sizeof(dir), "%s", r->o.statedir);
	else if ((e = sd_default_dir(dir, sizeof(dir))) != IKE_OK)
		die(EXIT_LOCAL, "state directory: %s (set IKE_STATE_DIR or use -S)",
		    ike_strerror(e));
	if (sd_open(&sd, dir, true) != IKE_OK)
		die(EXIT_LOCAL, "%s: %s%s%s", dir, strerror(errno),
		    sd.why[0] ? ": " : "", sd.why);
	/* a new IKE SA under a name in use replaces that SA whole: the old
	 * one's Child SA and stats files are not this one's */
	if (!saved && sd_remove_sa(&sd, r->name) != IKE_OK && errno != ENOENT)
		die(EXIT_LOCAL, "%s/%s: %s", dir, r->name, strerror(errno));
	saved = true;
	if (sd_lock_sa(&sd, r->name, true, &l) != IKE_OK)
		die(EXIT_LOCAL, "%s/%s: %s", dir, r->name, strerror(errno));
	child = r->sa.state == SA_ESTABLISHED && r->sa.child.spi_in != 0;
	/* Killed at any point, we leave an IKE SA with or without its Child
	 * SA, never a Child SA without an IKE SA or ike.sa naming a missing
	 * file: ike.sa first (without child=), then the Child SA, then ike.sa
	 * naming it. */
	if (child) {
		spi = r->sa.child.spi_in;
		r->sa.child.spi_in = 0;
		kv_init(&b);
		ike_sa_record(&b, &r->sa, &w);
		r->sa.child.spi_in = spi;
		e = sd_write(&l, "ike.sa", &b);
		kv_wipe(&b);
		if (e != IKE_OK)
			die(EXIT_LOCAL, "%s/%s/ike.sa: %s", dir, r->name,
			    e == IKE_EIO ? strerror(errno) : ike_strerror(e));
		kv_init(&b);
		child_sa_record(&b, &r->sa, &w);
		snprintf(file, sizeof(file), "child.%s.sa", r->child_name);
		e = sd_write(&l, file, &b);
		kv_wipe(&b);
		if (e != IKE_OK)
			die(EXIT_LOCAL, "%s/%s/%s: %s", dir, r->name, file,
			    e == IKE_EIO ? strerror(errno) : ike_strerror(e));
	}
	kv_init(&b);
	ike_sa_record(&b, &r->sa, &w);
	e = sd_write(&l, "ike.sa", &b);
	kv_wipe(&b);
	if (e != IKE_OK)
		die(EXIT_LOCAL, "%s/%s/ike.sa: %s", dir, r->name,
		    e == IKE_EIO ? strerror(errno) : ike_strerror(e));
	sd_unlock(&l);
	sd_close(&sd);
}

void
save_keys(struct run *r)
{
	if (r->o.keys_out == NULL)
		return;
	if (mkdir(r->o.keys_out, 0700) != 0 && errno != EEXIST)
		die(EXIT_LOCAL, "%s: %s", r->o.keys_out, strerror(errno));
	if (keys_export(r->o.keys_out, &r->sa, r->net.af, r->net.local,
	    r->net.peer, false) != IKE_OK)
		die(EXIT_LOCAL, "%s: cannot write the key files: %s",
		    r->o.keys_out, strerror(errno));
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
