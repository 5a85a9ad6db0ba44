/* SPDX-License-Identifier: ISC */
/* The state-file records of an IKE SA and its Child SA, for both roles, and the journal of our request in flight. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec/hdr.h"
#include "codec/msg.h"
#include "codec/notify.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "names/names.h"
#include "sa/kvget.h"
#include "exchange/cp.h"
#include "exchange/internal.h"
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
	bool			 up = sa->state == SA_ESTABLISHED;

	kv_str(b, "version", "1");
	kv_str(b, "name", w->name);
	kv_str(b, "state", up ? "established" : "sa-init");
	kv_str(b, "role", sa->role == ROLE_INITIATOR ? "initiator" : "responder");
	kv_spi64(b, "ispi", sa->ispi);
	kv_spi64(b, "rspi", sa->rspi);
	kv_str(b, "local", w->local);
	kv_str(b, "remote", w->remote);
	suite_record(b, &sa->suite);
	kv_str(b, "nat", xchg_nat(sa) ? "yes" : "no");
	if (sa->mobike)
		kv_str(b, "mobike", "yes");	/* RFC 4555: both sent it */
	id_kv(b, "local_id", sa->local_id.type != 0 ? &sa->local_id : w->cfg_local_id);
	if (sa->peer_id.type != 0)
		id_kv(b, "remote_id", &sa->peer_id);
	addr_list(b, "vip", sa->vip.addr, 2);
	addr_list(b, "dns", sa->vip.dns, sa->vip.n_dns);
	sk_record(b, &sa->keys);
	if (up && sa->child.spi_in != 0)
		kv_str(b, "child", w->child_name);	/* none once deleted */
	msgid_record(b, sa);
}

void
suite_record(struct kvbuf *b, const struct ike_suite *s)
{
	kv_str(b, "encr", nz(ikev2_encr_name(s->encr)));
	kv_u64(b, "encr_keybits", s->encr_keybits);
	kv_str(b, "integ", nz(ikev2_integ_name(s->integ)));
	kv_str(b, "prf", nz(ikev2_prf_name(s->prf)));
	kv_str(b, "dh", nz(ikev2_dh_name(s->dh)));
}

void
sk_record(struct kvbuf *b, const struct ike_keys *k)
{
	kv_hex(b, "sk_d", k->sk_d, k->d_len);
	kv_hex(b, "sk_ai", k->sk_ai, k->a_len);
	kv_hex(b, "sk_ar", k->sk_ar, k->a_len);
	kv_hex(b, "sk_ei", k->sk_ei, k->e_len);
	kv_hex(b, "sk_er", k->sk_er, k->e_len);
	kv_hex(b, "sk_pi", k->sk_pi, k->p_len);
	kv_hex(b, "sk_pr", k->sk_pr, k->p_len);
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
	if (w->life != NULL)
		child_life_record(b, w->life);
}

/* jittered is a soft limit for hard: 90% of it less a random part of up
 * to another 10%, so that the two ends (and the Child SAs of one run) do
 * not all rekey at the same moment (RFC 7296 2.8). */
static uint64_t
jittered(uint64_t hard)
{
	uint64_t	 tenth = hard / 10, r;

	if (hard == 0)
		return 0;
	rand_bytes(&r, sizeof(r));
	/* hard / 10 * 9 without overflow, then down by [0, tenth] */
	return hard / 10 * 9 + hard % 10 * 9 / 10 - (r % (tenth + 1));
}

void
child_life_record(struct kvbuf *b, const uint64_t hard[3])
{
	static const char *const keys[3][2] = {
		{ "lifetime_secs", "soft_secs" },
		{ "lifetime_bytes", "soft_bytes" },
		{ "lifetime_packets", "soft_packets" },
	};
	uint64_t	 soft;
	size_t		 i;

	for (i = 0; i < 3; i++)
		if (hard[i] != 0)
			kv_u64(b, keys[i][0], hard[i]);
	for (i = 0; i < 3; i++)
		if (hard[i] != 0 && (soft = jittered(hard[i])) != 0)
			kv_u64(b, keys[i][1], soft);
}

bool
child_life_parse(const char *s, uint64_t max, uint64_t *v)
{
	unsigned long long	 n;
	char			*end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0 || n < 1 || n > max)
		return false;
	*v = n;
	return true;
}

bool
child_life_option(int which, const char *arg, uint64_t life[3], char *err,
    size_t errlen)
{
	static const char *const opts[3][2] = {
		{ "--lifetime", "a number of seconds from 1 to 4294967295" },
		{ "--lifetime-bytes", "a count from 1" },
		{ "--lifetime-packets", "a count from 1" },
	};

	if (child_life_parse(arg, which == 0 ? UINT32_MAX : UINT64_MAX,
	    &life[which]))
		return true;
	snprintf(err, errlen, "%s: '%s': not %s", opts[which][0], arg,
	    opts[which][1]);
	return false;
}

/* The journal of our request in flight (record.h, ike-state(5)). */

const char *const pending_keys[] = {
	"pending_msgid", "pending_what", "pending_spi", "pending_req",
	/* a rekey of the IKE SA's (xchg.h, ike_rekey_journal) */
	"pending_ike_spi", "pending_ni", "pending_group", "pending_dh_priv",
	NULL,
};

static const char *const whats[] = {
	"", "check", "child", "delete", "delete-ike", "rekey-ike",
};

bool
pending_set(struct pending *p, enum pending_what what, uint32_t msgid,
    uint32_t spi, const uint8_t *req, size_t len)
{
	if (len > sizeof(p->req))
		return false;
	p->what = what;
	p->msgid = msgid;
	p->spi = spi;
	memcpy(p->req, req, len);
	p->len = len;
	return true;
}

void
pending_record(struct kvbuf *b, const struct pending *p)
{
	kv_u64(b, "msgid_out", (uint64_t)p->msgid + 1);
	kv_u64(b, "pending_msgid", p->msgid);
	kv_str(b, "pending_what", whats[p->what]);
	if (p->spi != 0)
		kv_spi32(b, "pending_spi", p->spi);
	kv_hex(b, "pending_req", p->req, p->len);
}

enum ike_err
pending_save(struct sd_lock *l, const struct pending *p)
{
	struct kvbuf	*b;
	enum ike_err	 e;

	/* 16 KiB: not on the stack of a caller that has a message there */
	if ((b = malloc(sizeof(*b))) == NULL)
		return IKE_ENOMEM;
	kv_init(b);
	pending_record(b, p);
	/* a Delete's journal has no SPI line when the request had none */
	e = sd_update(l, "ike.sa", b, p->spi == 0 ? pending_keys + 2 : NULL);
	kv_wipe(b);
	free(b);
	return e;
}

enum ike_err
pending_consume(struct ike_sa *sa, const struct pending *p, struct rd in,
    bool *made)
{
	uint8_t			 pt[XCHG_OUT_MAX];
	struct ike_msg		 m;
	struct ike_hdr		 h, rq;
	struct pld_iter		 it;
	struct pld		 pl;
	struct notify_pld	 n;
	struct rd		 hr = in, body, qr = rd_init(p->req, p->len);
	size_t			 pt_len = 0;
	uint8_t			 first = 0;
	bool			 has_sa = false, refused = false;

	*made = false;
	if (hdr_parse(&qr, &rq) != IKE_OK)
		return IKE_EINVAL;
	if (hdr_parse(&hr, &h) != IKE_OK || h.ispi != sa->ispi ||
	    h.rspi != sa->rspi || h.exch != rq.exch ||
	    (h.flags & IKEV2_FLAG_RESPONSE) == 0 || h.msgid != p->msgid)
		return IKE_ESYNTAX;
	if (sk_open(sa, in, &m, pt, sizeof(pt), &pt_len, &first) != IKE_OK) {
		pt_wipe(pt, sizeof(pt), in.len);
		return IKE_EINTEG;
	}
	*ike_sa_own_msgid(sa) = p->msgid + 1;
	pld_iter_init_inner(&it, rd_init(pt, pt_len), first);
	while (pld_next(&it, &pl)) {
		body = pl.body;
		if (pl.type == IKEV2_PAYLOAD_SA)
			has_sa = true;
		else if (pl.type == IKEV2_PAYLOAD_NOTIFY &&
		    notify_parse(&body, &n) == IKE_OK &&
		    notify_is_error(n.type))
			refused = true;
	}
	/* a malformed answer may still have made the SA: a Delete of an SPI
	 * the peer does not have costs nothing */
	*made = p->what == PENDING_CHILD && !refused &&
	    (has_sa || it.err != IKE_OK);
	pt_wipe(pt, sizeof(pt), in.len);
	return IKE_OK;
}

/* child_spi reads spi_in of child file f of l; false if it has none. */
static bool
child_spi(struct sd_lock *l, const char *f, uint32_t *spi)
{
	char		 val[32], err[128];
	struct sd_kv	 kv = { "spi_in", val, sizeof(val), 0 };
	struct kvget	 g = { f, &kv, 1, err, sizeof(err) };

	return sd_read(l, f, &kv, 1) == IKE_OK &&
	    kvg_spi32(&g, "spi_in", spi) == IKE_OK;
}

bool
pending_child_name(struct sd_lock *l, uint32_t spi, char *name, size_t n)
{
	struct dirent	*d;
	DIR		*dir;
	size_t		 len;
	uint32_t	 v;
	int		 fd;
	bool		 found = false;

	if ((fd = dup(l->dirfd)) < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	rewinddir(dir);
	while (!found && (d = readdir(dir)) != NULL) {
		len = strlen(d->d_name);
		if (len - 9 >= n || fnmatch("child.?*.sa", d->d_name, 0) != 0 ||
		    !child_spi(l, d->d_name, &v) || v != spi)
			continue;
		snprintf(name, n, "%.*s", (int)(len - 9), d->d_name + 6);
		found = true;
	}
	closedir(dir);
	return found;
}

/* named tells whether ike.sa of l has child= naming the Child SA of
 * inbound SPI spi. */
static bool
named(struct sd_lock *l, uint32_t spi)
{
	char		 val[SD_NAME_MAX + 1], file[SD_FILE_MAX];
	struct sd_kv	 kv = { "child", val, sizeof(val), 0 };
	uint32_t	 v;

	if (sd_read(l, "ike.sa", &kv, 1) != IKE_OK || kv.line == 0)
		return false;
	snprintf(file, sizeof(file), "child.%s.sa", val);
	return child_spi(l, file, &v) && v == spi;
}

enum ike_err
pending_after(struct sd_lock *l, struct ike_sa *sa, struct pending *p,
    bool made, enum pending_next *next)
{
	const char	*drop[12];
	char		 name[SD_NAME_MAX + 1], file[SD_FILE_MAX];
	uint8_t		 req[XCHG_OUT_MAX];
	struct wr	 w = wr_init(req, sizeof(req));
	struct kvbuf	 b;
	size_t		 i;
	enum ike_err	 e;

	*next = PENDING_CLEARED;
	if (p->what == PENDING_DELETE_IKE) {
		*next = PENDING_SA_GONE;
		return IKE_OK;
	}
	if (p->what == PENDING_CHILD && made &&
	    !pending_child_name(l, p->spi, name, sizeof(name))) {
		if ((e = info_create_delete(sa, false, &p->spi, 1, &w)) != IKE_OK)
			return e;
		if (!pending_set(p, PENDING_DELETE, *ike_sa_own_msgid(sa), p->spi,
		    req, w.len))
			return IKE_ETOOBIG;
		if ((e = pending_save(l, p)) == IKE_OK)
			*next = PENDING_AGAIN;
		return e;
	}
	for (i = 0; pending_keys[i] != NULL; i++)
		drop[i] = pending_keys[i];
	drop[i] = NULL;
	if (p->what == PENDING_DELETE &&
	    pending_child_name(l, p->spi, name, sizeof(name))) {
		if (named(l, p->spi))
			drop[i++] = "child";
		drop[i] = NULL;
		snprintf(file, sizeof(file), "child.%s.sa", name);
		(void)sd_remove(l, file);
		snprintf(file, sizeof(file), "child.%s.stats", name);
		(void)sd_remove(l, file);
	}
	kv_init(&b);
	return sd_update(l, "ike.sa", &b, drop);
}

enum ike_err
child_follow(struct sd_lock *l, const char *old, const char *new, bool *moved)
{
	char		 val[SD_NAME_MAX + 1] = "";
	struct sd_kv	 kv = { "child", val, sizeof(val), 0 };
	struct kvbuf	 b;
	enum ike_err	 e;

	*moved = false;
	if ((e = sd_read(l, "ike.sa", &kv, 1)) != IKE_OK)
		return e;
	if (kv.line == 0 || strcmp(val, old) != 0)
		return IKE_OK;
	kv_init(&b);
	kv_str(&b, "child", new);
	if ((e = sd_update(l, "ike.sa", &b, NULL)) == IKE_OK)
		*moved = true;
	return e;
}
