/* SPDX-License-Identifier: ISC */
/* What ike-respond writes: ike.sa and child.NAME.sa per SA (ike-state(5), role=responder), as the peer's rekeys and Deletes change them; --keys-out lines. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "names/names.h"
#include "exchange/collide.h"
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
	    addr[2], addr[3], sl->sock == 1, &s->cfg.local_id, s->o.life };
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

/* create_sa writes sl's new SA, its IKE SA and Child SA at once;
 * IKE_EIO when it must be written under the lock instead (errno EEXIST: the
 * name is taken) or cannot be written at all. */
static enum ike_err
create_sa(struct srv *s, struct slot *sl, const struct sa_where *w)
{
	static struct kvbuf	 ike, child;
	char			 file[SD_FILE_MAX + 1];
	const char		*files[2] = { "ike.sa", file };
	const struct kvbuf	*bufs[2] = { &ike, &child };
	enum ike_err		 e;

	kv_init(&ike);
	ike_sa_record(&ike, &sl->sa, w);
	kv_init(&child);
	if (sl->sa.child.spi_in != 0) {
		child_sa_record(&child, &sl->sa, w);
		snprintf(file, sizeof(file), "child.%s.sa", sl->child_name);
	}
	e = sd_create_sa(&s->sd, sl->name, files, bufs,
	    sl->sa.child.spi_in != 0 ? 2 : 1);
	kv_wipe(&ike);
	kv_wipe(&child);
	if (e != IKE_OK && e != IKE_EIO)	/* IKE_EIO: tried again locked */
		log_warn("%s/%s: %s", s->dir, sl->name,
		    ike_strerror(e));
	return e;
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

	where_for(s, sl, &w, addr);
	if (!sl->saved && (e = create_sa(s, sl, &w)) != IKE_EIO)
		return e == IKE_OK;
	e = IKE_OK;
	if (!lock(s, sl->name, true, &l))
		return false;
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

/* sync makes what was just written durable as --sync batch wants it
 * (always: sd_write did; none: never). */
static void
sync_now(struct srv *s)
{
	if (s->o.sync == SYNC_BATCH && sd_sync(&s->sd) != IKE_OK)
		log_warn("%s: sync: %s", s->dir, strerror(errno));
}

/* record_answer updates ike.sa under l with the message IDs of sl's SA
 * and our answer out (len bytes), as esp-tun does (a later esp-tun answers
 * the peer's retransmission of that request from it), less the keys drop
 * (NULL-terminated, at most 2). An answer too long for the file is left
 * out (and the one kept before it dropped). */
static void
record_answer(struct srv *s, struct slot *sl, struct sd_lock *l,
    const uint8_t *out, size_t len, const char *const *drop)
{
	static struct kvbuf	 b;
	const char		*d[4] = { NULL, NULL, NULL, NULL };
	size_t			 i;
	enum ike_err		 e;

	for (i = 0; drop != NULL && drop[i] != NULL && i < 2; i++)
		d[i] = drop[i];
	kv_init(&b);
	msgid_record(&b, &sl->sa);
	kv_hex(&b, "last_resp", out, len);
	if ((e = sd_update(l, "ike.sa", &b, d)) == IKE_ETOOBIG) {
		d[i] = "last_resp";
		kv_init(&b);
		msgid_record(&b, &sl->sa);
		e = sd_update(l, "ike.sa", &b, d);
	}
	kv_wipe(&b);
	if (e != IKE_OK)
		log_warn("%s/%s/ike.sa: message IDs: %s", s->dir, sl->name,
		    e == IKE_EIO ? strerror(errno) : ike_strerror(e));
}

bool
save_child(struct srv *s, struct slot *sl, const struct ccsa *cc,
    const char *name, const char *rekeys, bool *named, const uint8_t *out,
    size_t len)
{
	static struct kvbuf	 b;
	char			 file[SD_FILE_MAX + 1];
	struct sd_lock		 l;
	enum ike_err		 e = IKE_OK;
	struct sa_where		 w;
	char			 addr[4][64];

	if (!lock(s, sl->name, true, &l))
		return false;
	where_for(s, sl, &w, addr);
	w.child_name = name;
	if (!sl->saved) {
		/* its first Child SA was refused in IKE_AUTH: no files yet
		 * (ike.sa first, without child=, as save_sa does) */
		kv_init(&b);
		ike_sa_record(&b, &sl->sa, &w);
		e = sd_write(&l, "ike.sa", &b);
		kv_wipe(&b);
	}
	if (e == IKE_OK) {
		sl->saved = true;
		kv_init(&b);
		child_record(&b, &cc->child, false, &w);
		/* for ike-rekey, if its rekey of rekeys crossed this one */
		if (rekeys != NULL)
			collide_child_record(&b, rekeys, cc);
		snprintf(file, sizeof(file), "child.%s.sa", name);
		e = sd_write(&l, file, &b);
		kv_wipe(&b);
	}
	*named = false;
	if (e == IKE_OK && rekeys != NULL)
		e = child_follow(&l, rekeys, name, named);
	if (e == IKE_OK)
		record_answer(s, sl, &l, out, len, NULL);
	else
		log_warn("%s/%s: the new Child SA: %s", s->dir, sl->name,
		    e == IKE_EIO ? strerror(errno) : ike_strerror(e));
	sd_unlock(&l);
	sync_now(s);
	return e == IKE_OK;
}

bool
save_ike_rekey(struct srv *s, struct slot *sl, const struct ike_sa *nsa)
{
	static struct kvbuf	 b;
	struct sd_lock		 l;
	enum ike_err		 e;

	if (!sl->saved)
		return true;		/* no files: memory only */
	if (!lock(s, sl->name, false, &l))
		return false;
	/* the name, endpoints, identities and Child SAs stay */
	kv_init(&b);
	ike_rekey_record(&b, nsa);
	e = sd_update(&l, "ike.sa", &b, ike_rekey_drop);
	kv_wipe(&b);
	if (e != IKE_OK)
		log_warn("%s/%s/ike.sa: the rekeyed IKE SA: %s", s->dir, sl->name,
		    e == IKE_EIO ? strerror(errno) : ike_strerror(e));
	sd_unlock(&l);
	sync_now(s);
	return e == IKE_OK;
}

void
drop_children(struct srv *s, struct slot *sl, const uint32_t *spi_in,
    size_t n, bool gone_named, const uint8_t *out, size_t len)
{
	static const char *const child[] = { "child", NULL };
	char		 file[SD_FILE_MAX + 1];
	struct sd_lock	 l;
	size_t		 i;

	if (!sl->saved || !lock(s, sl->name, false, &l))
		return;
	record_answer(s, sl, &l, out, len, gone_named ? child : NULL);
	for (i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "child.%08x.sa", spi_in[i]);
		if (sd_remove(&l, file) != IKE_OK && errno != ENOENT)
			log_warn("%s/%s/%s: %s", s->dir, sl->name, file,
			    strerror(errno));
		/* what an esp-tun that carried it counted */
		snprintf(file, sizeof(file), "child.%08x.stats", spi_in[i]);
		(void)sd_remove(&l, file);
	}
	sd_unlock(&l);
	sync_now(s);
}

/* kid_of reads the SPIs of Child SA file of l into p: false when it is not
 * named as ike-respond and esp-tun name them (child.SPI_IN.sa). */
static bool
kid_of(struct sd_lock *l, const char *file, struct child_pair *p)
{
	char		 in[16], out[16], want[SD_FILE_MAX + 1], *end;
	struct sd_kv	 kv[2] = {
		{ "spi_in", in, sizeof(in), 0 },
		{ "spi_out", out, sizeof(out), 0 },
	};
	unsigned long	 a, b;

	if (sd_read(l, file, kv, 2) != IKE_OK || kv[0].line == 0 ||
	    kv[1].line == 0)
		return false;
	a = strtoul(in, &end, 16);
	if (*end != '\0' || a == 0 || a > UINT32_MAX)
		return false;
	b = strtoul(out, &end, 16);
	if (*end != '\0' || b == 0 || b > UINT32_MAX)
		return false;
	snprintf(want, sizeof(want), "child.%08lx.sa", a);
	if (strcmp(want, file) != 0)
		return false;
	*p = (struct child_pair){ (uint32_t)b, (uint32_t)a };
	return true;
}

void
load_children(struct srv *s, struct slot *sl)
{
	struct child_pair	 kids[SLOT_CHILD_MAX], p;
	char			 val[SD_NAME_MAX + 1] = "";
	struct sd_kv		 kv = { "child", val, sizeof(val), 0 };
	struct sd_lock		 l;
	struct dirent		*d;
	DIR			*dir;
	size_t			 n = 0;
	int			 fd;

	if (!sl->saved || !lock(s, sl->name, false, &l))
		return;
	if ((fd = dup(l.dirfd)) < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		sd_unlock(&l);
		return;
	}
	while ((d = readdir(dir)) != NULL && n < SLOT_CHILD_MAX)
		if (fnmatch("child.?*.sa", d->d_name, 0) == 0 &&
		    kid_of(&l, d->d_name, &p))
			kids[n++] = p;
	closedir(dir);
	if (sd_read(&l, "ike.sa", &kv, 1) != IKE_OK || kv.line == 0)
		val[0] = '\0';
	sd_unlock(&l);
	memcpy(sl->kids, kids, n * sizeof(kids[0]));
	sl->n_kids = n;
	if (strcmp(val, sl->child_name) != 0) {
		/* esp-tun dropped child= (the peer deleted that one) */
		snprintf(sl->child_name, sizeof(sl->child_name), "%s", val);
		if (val[0] == '\0')
			wipe(&sl->sa.child, sizeof(sl->sa.child));
	}
	log_debug("%s: %zu Child SAs read again from the state directory",
	    sl->name, n);
}

void
save_keys(struct srv *s, const struct slot *sl)
{
	save_keys_of(s, sl, &sl->sa);
}

void
save_keys_of(struct srv *s, const struct slot *sl, const struct ike_sa *sa)
{
	if (s->o.keys_out != NULL && keys_export(s->o.keys_out, sa, s->af,
	    sl->peer, s->local, true) != IKE_OK)
		log_warn("%s: cannot write the key files: %s", s->o.keys_out,
		    strerror(errno));
}

/* sa_vip reads role=, vip= and remote_id= of name's ike.sa (atomically
 * replaced: no lock needed to read it) into vip and who (cap bytes each;
 * who "" when none): false when there is no ike.sa, it is not a
 * responder's, or it has no vip=. */
static bool
sa_vip(struct srv *s, const char *name, char *vip, char *who, size_t cap)
{
	char	 path[SD_NAME_MAX + 16], *line = NULL, *v, *e;
	size_t	 n = 0;
	bool	 responder = false;
	FILE	*f;
	int	 fd;

	vip[0] = who[0] = '\0';
	snprintf(path, sizeof(path), "%.64s/ike.sa", name);
	if ((fd = openat(s->sd.fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return false;
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return false;
	}
	while (getline(&line, &n, f) > 0) {
		if ((v = strchr(line, '=')) == NULL)
			continue;
		*v++ = '\0';
		v += strspn(v, " \t");
		for (e = v + strlen(v); e > v && strchr(" \t\r\n", e[-1]); e--)
			;
		*e = '\0';
		if (strcmp(line, "role") == 0)
			responder = strcmp(v, "responder") == 0;
		else if (strcmp(line, "vip") == 0)
			snprintf(vip, cap, "%s", v);
		else if (strcmp(line, "remote_id") == 0)
			snprintf(who, cap, "%s", v);
	}
	free(line);
	fclose(f);
	return responder && vip[0] != '\0';
}

void
leases_load(struct srv *s)
{
	struct old_lease	*o;
	struct dirent		*d;
	char			 vip[300], who[300];
	DIR			*dir;
	size_t			 cap = 0;
	int			 fd, n;

	if (s->cp.pool[0].fam == 0 && s->cp.pool[1].fam == 0)
		return;
	if ((fd = dup(s->sd.fd)) < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		log_warn("%s: leases not read: %s", s->dir, strerror(errno));
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		if (!sd_name_ok(d->d_name) ||
		    !sa_vip(s, d->d_name, vip, who, sizeof(vip)))
			continue;
		if (s->n_old == cap) {
			cap = cap ? cap * 2 : 16;
			if ((o = reallocarray(s->old, cap, sizeof(*o))) == NULL) {
				log_warn("%s: leases not read: out of memory",
				    s->dir);
				break;
			}
			s->old = o;
		}
		o = &s->old[s->n_old];
		snprintf(o->name, sizeof(o->name), "%.64s", d->d_name);
		/* who owns them: it gets them back once they are free */
		if ((n = cp_lease_mark_id(&s->cp, vip, who, &o->vip)) < 0)
			log_warn("%s/%s/ike.sa: vip: not addresses", s->dir,
			    d->d_name);
		else if (n > 0) {
			log_debug("%s: lease %s taken back", o->name, vip);
			s->n_old++;
		}
	}
	closedir(dir);
	if (s->n_old > 0)
		log_warn("%zu leases of SAs in %s kept until their files go",
		    s->n_old, s->dir);
	s->old_checked_ms = net_now_ms();
}

void
leases_check(struct srv *s)
{
	char		 path[SD_NAME_MAX + 16];
	int64_t		 now = net_now_ms();
	size_t		 i;

	if (s->n_old == 0 || now - s->old_checked_ms < 1000)
		return;
	s->old_checked_ms = now;
	for (i = 0; i < s->n_old; ) {
		snprintf(path, sizeof(path), "%s/ike.sa", s->old[i].name);
		if (faccessat(s->sd.fd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
		    errno != ENOENT) {
			i++;
			continue;
		}
		log_debug("%s: files gone: its lease goes back", s->old[i].name);
		cp_lease_release(&s->cp, &s->old[i].vip);
		s->old[i] = s->old[--s->n_old];
	}
}

void
leases_free(struct srv *s)
{
	free(s->old);
	s->old = NULL;
	s->n_old = 0;
}
