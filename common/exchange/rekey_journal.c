/* SPDX-License-Identifier: ISC */
/* The journal of our rekey of the IKE SA (rekey_journal.h): written with the request, read back to finish it, and the new SA recorded. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec/hdr.h"
#include "crypto/dh.h"
#include "crypto/secret.h"
#include "sa/kvget.h"
#include "names/ikev2.h"
#include "exchange/rekey_journal.h"

static const char *const no_spi[] = { "pending_spi", NULL };

enum ike_err
ike_rekey_journal(struct sd_lock *l, const struct ike_rekey *k,
    const uint8_t *req, size_t len)
{
	struct pending	*p;
	struct kvbuf	*b;
	uint8_t		 priv[DH_PUB_MAX_LEN];
	size_t		 priv_len = 0;
	enum ike_err	 e;

	/* 16 KiB and 4 KiB: not on the stack of a caller that has a message
	 * there */
	p = malloc(sizeof(*p));
	b = malloc(sizeof(*b));
	if (p == NULL || b == NULL) {
		free(p);
		free(b);
		return IKE_ENOMEM;
	}
	if (!pending_set(p, PENDING_REKEY_IKE, k->msgid, 0, req, len))
		e = IKE_ETOOBIG;
	else
		e = dh_export_private(k->dh, priv, sizeof(priv), &priv_len);
	if (e == IKE_OK) {
		kv_init(b);
		pending_record(b, p);
		kv_spi64(b, "pending_ike_spi", k->spi);
		kv_hex(b, "pending_ni", k->ni, k->ni_len);
		kv_u64(b, "pending_group", k->group);
		kv_hex(b, "pending_dh_priv", priv, priv_len);
		/* the msgid_out of pending_record, and the journal, at once */
		e = sd_update(l, "ike.sa", b, no_spi);
		kv_wipe(b);
	}
	wipe(priv, sizeof(priv));
	free(b);
	free(p);
	return e;
}

enum ike_err
ike_rekey_resume(struct sd_lock *l, struct ike_sa *sa, const struct pending *p,
    struct ike_rekey *k, char *err, size_t errlen)
{
	enum { PRIV_HEX = 2 * DH_PUB_MAX_LEN + 1, NI_HEX = 2 * NONCE_MAX_LEN + 1 };
	struct sd_kv	 kv[4];
	struct kvget	 g;
	char		*vals, file[SD_NAME_MAX + 16];
	uint8_t		 priv[DH_PUB_MAX_LEN], ni[NONCE_MAX_LEN];
	size_t		 priv_len = 0, ni_len = 0;
	uint64_t	 spi = 0, group = 0;
	enum ike_err	 e;

	memset(k, 0, sizeof(*k));
	if ((vals = calloc(1, PRIV_HEX + NI_HEX + 64)) == NULL)
		return IKE_ENOMEM;
	kv[0] = (struct sd_kv){ "pending_ike_spi", vals, 32, 0 };
	kv[1] = (struct sd_kv){ "pending_group", vals + 32, 32, 0 };
	kv[2] = (struct sd_kv){ "pending_ni", vals + 64, NI_HEX, 0 };
	kv[3] = (struct sd_kv){ "pending_dh_priv", vals + 64 + NI_HEX,
	    PRIV_HEX, 0 };
	snprintf(file, sizeof(file), "%s/ike.sa", l->name);
	g = (struct kvget){ file, kv, 4, err, errlen };
	if ((e = sd_read(l, "ike.sa", kv, 4)) != IKE_OK)
		snprintf(err, errlen, "%s: %s", file, "cannot read it");
	else if ((e = kvg_spi64(&g, "pending_ike_spi", &spi)) != IKE_OK ||
	    (e = kvg_u64(&g, "pending_group", false, UINT16_MAX, &group)) !=
	    IKE_OK || (e = kvg_hex(&g, "pending_ni", ni, sizeof(ni),
	    &ni_len)) != IKE_OK || (e = kvg_hex(&g, "pending_dh_priv", priv,
	    sizeof(priv), &priv_len)) != IKE_OK)
		;
	else if ((e = ike_rekey_restore(sa, k, p->msgid, spi, (uint16_t)group,
	    priv, priv_len, ni, ni_len)) != IKE_OK)
		snprintf(err, errlen, "%s: pending_dh_priv, pending_ni: not a "
		    "key and nonce of group %llu", file,
		    (unsigned long long)group);
	else
		*ike_sa_own_msgid(sa) = p->msgid;	/* the answer is to come */
	wipe(priv, sizeof(priv));
	wipe(ni, sizeof(ni));
	wipe(vals, PRIV_HEX + NI_HEX + 64);
	free(vals);
	if (e != IKE_OK)
		ike_rekey_wipe(k);
	return e;
}

enum ike_err
ike_rekey_save(struct sd_lock *l, const struct ike_sa *old,
    const struct ike_sa *nsa, bool *moved, char *err, size_t errlen)
{
	struct ike_sa		*cur;
	struct ike_sa_file	 f;
	struct kvbuf		*b;
	enum ike_err		 e;

	*moved = false;
	cur = malloc(sizeof(*cur));
	b = malloc(sizeof(*b));
	if (cur == NULL || b == NULL) {
		free(cur);
		free(b);
		return IKE_ENOMEM;
	}
	if ((e = ike_sa_load(l, cur, &f, err, errlen)) != IKE_OK)
		goto out;
	*moved = cur->ispi != old->ispi || cur->rspi != old->rspi;
	ike_sa_wipe(cur);
	if (*moved)
		goto out;
	kv_init(b);
	ike_rekey_record(b, nsa);
	e = sd_update(l, "ike.sa", b, ike_rekey_drop);
	kv_wipe(b);
out:
	free(cur);
	free(b);
	return e;
}

const char *const old_delete_keys[] = {
	"old_ike_ispi", "old_ike_rspi", "old_ike_msgid", "old_ike_delete", NULL,
};

enum ike_err
ike_rekey_save_collide(struct sd_lock *l, const struct ike_sa *old,
    const struct ike_sa *nsa, const uint8_t *del, size_t del_len,
    uint32_t del_msgid, enum collide_verdict *v, char *err, size_t errlen)
{
	struct ike_sa		*cur;
	struct ike_sa_file	 f;
	struct kvbuf		*b;
	enum ike_err		 e;

	*v = COLLIDE_MOVED;
	if (del_len > OLD_DELETE_MAX)
		return IKE_ETOOBIG;
	cur = malloc(sizeof(*cur));
	b = malloc(sizeof(*b));
	if (cur == NULL || b == NULL) {
		free(cur);
		free(b);
		return IKE_ENOMEM;
	}
	if ((e = ike_sa_load(l, cur, &f, err, errlen)) != IKE_OK)
		goto out;
	*v = collide_ike_check(l, cur, old, nsa);
	ike_sa_wipe(cur);
	if (*v != COLLIDE_NONE && *v != COLLIDE_WON)
		goto out;
	kv_init(b);
	ike_rekey_record(b, nsa);
	if (del_len > 0) {
		kv_spi64(b, "old_ike_ispi", old->ispi);
		kv_spi64(b, "old_ike_rspi", old->rspi);
		kv_u64(b, "old_ike_msgid", del_msgid);
		kv_hex(b, "old_ike_delete", del, del_len);
	}
	e = sd_update(l, "ike.sa", b, ike_rekey_drop);
	kv_wipe(b);
out:
	free(cur);
	free(b);
	return e;
}

enum ike_err
old_delete_load(struct sd_lock *l, struct old_delete *d, bool *found,
    char *err, size_t errlen)
{
	enum { HEX = 2 * OLD_DELETE_MAX + 1 };
	struct sd_kv	 kv[4];
	struct kvget	 g;
	char		*vals, file[SD_NAME_MAX + 16];
	uint64_t	 msgid = 0;
	enum ike_err	 e;

	memset(d, 0, sizeof(*d));
	*found = false;
	if ((vals = calloc(1, HEX + 96)) == NULL)
		return IKE_ENOMEM;
	kv[0] = (struct sd_kv){ "old_ike_ispi", vals, 32, 0 };
	kv[1] = (struct sd_kv){ "old_ike_rspi", vals + 32, 32, 0 };
	kv[2] = (struct sd_kv){ "old_ike_msgid", vals + 64, 32, 0 };
	kv[3] = (struct sd_kv){ "old_ike_delete", vals + 96, HEX, 0 };
	snprintf(file, sizeof(file), "%s/ike.sa", l->name);
	g = (struct kvget){ file, kv, 4, err, errlen };
	if ((e = sd_read(l, "ike.sa", kv, 4)) != IKE_OK)
		snprintf(err, errlen, "%s: cannot read it", file);
	else if (kv[3].line == 0)
		;				/* none */
	else if ((e = kvg_spi64(&g, "old_ike_ispi", &d->ispi)) == IKE_OK &&
	    (e = kvg_spi64(&g, "old_ike_rspi", &d->rspi)) == IKE_OK &&
	    (e = kvg_u64(&g, "old_ike_msgid", false, UINT32_MAX, &msgid)) ==
	    IKE_OK && (e = kvg_hex(&g, "old_ike_delete", d->req,
	    sizeof(d->req), &d->len)) == IKE_OK) {
		d->msgid = (uint32_t)msgid;
		*found = d->len > 0;
	}
	free(vals);
	return e;
}

bool
old_delete_answers(const struct old_delete *d, struct rd in)
{
	struct ike_hdr	 h;

	return hdr_parse(&in, &h) == IKE_OK && h.ispi == d->ispi &&
	    h.rspi == d->rspi && h.msgid == d->msgid &&
	    h.exch == IKEV2_EXCH_INFORMATIONAL &&
	    (h.flags & IKEV2_FLAG_RESPONSE) != 0;
}

/* child_spi_in reads spi_in of child.NAME.sa of l. */
static bool
child_spi_in(struct sd_lock *l, const char *name, uint32_t *spi)
{
	char		 val[32], file[SD_FILE_MAX], err[128];
	struct sd_kv	 kv = { "spi_in", val, sizeof(val), 0 };
	struct kvget	 g = { file, &kv, 1, err, sizeof(err) };

	snprintf(file, sizeof(file), "child.%s.sa", name);
	return sd_read(l, file, &kv, 1) == IKE_OK &&
	    kvg_spi32(&g, "spi_in", spi) == IKE_OK;
}

enum ike_err
child_rekey_settle(struct sd_lock *l, struct ike_sa *sa, const char *name,
    struct pending *p, enum collide_verdict *v, char *theirs, size_t n,
    char *del, size_t dn)
{
	enum { NONCE_HEX = 2 * NONCE_MAX_LEN + 1 };
	static const char *const rekey_ike_keys[] = {
		"pending_ike_spi", "pending_ni", "pending_group",
		"pending_dh_priv", NULL,
	};
	char		 old[SD_NAME_MAX + 1], cur[SD_NAME_MAX + 1] = "";
	char		 nonce_hex[NONCE_HEX], file[SD_FILE_MAX], err[256];
	struct sd_kv	 kv[2] = {
		{ "rekey_of", old, sizeof(old), 0 },
		{ "rekey_nonce", nonce_hex, sizeof(nonce_hex), 0 },
	};
	struct sd_kv	 ck = { "child", cur, sizeof(cur), 0 };
	struct kvget	 g = { file, kv, 2, err, sizeof(err) };
	uint8_t		 lo[NONCE_MAX_LEN], req[XCHG_OUT_MAX];
	struct wr	 w = wr_init(req, sizeof(req));
	struct kvbuf	*b;
	const char	*stays = name;
	size_t		 lo_len = 0;
	uint32_t	 spi = 0;
	bool		 old_gone = true;
	enum ike_err	 e;

	p->what = PENDING_NONE;
	*v = COLLIDE_NONE;
	theirs[0] = del[0] = '\0';
	snprintf(file, sizeof(file), "child.%s.sa", name);
	if ((e = sd_read(l, file, kv, 2)) != IKE_OK ||
	    (e = sd_read(l, "ike.sa", &ck, 1)) != IKE_OK)
		return e;
	if (kv[0].line != 0) {
		/* a file of an earlier version has no nonce: no collision
		 * can be told, the old one goes */
		if (kv[1].line != 0 && kvg_hex(&g, "rekey_nonce", lo,
		    sizeof(lo), &lo_len) == IKE_OK && lo_len > 0)
			*v = collide_child_check_lo(l, old, lo, lo_len, theirs,
			    n, &old_gone);
		else {
			snprintf(file, sizeof(file), "child.%s.sa", old);
			old_gone = faccessat(l->dirfd, file, F_OK,
			    AT_SYMLINK_NOFOLLOW) != 0;
		}
		if (*v == COLLIDE_LOST) {
			stays = theirs;
			snprintf(del, dn, "%s", name);
		} else if (!old_gone)
			snprintf(del, dn, "%s", old);
	}
	if (del[0] != '\0' && !child_spi_in(l, del, &spi))
		return IKE_EINVAL;
	if ((b = malloc(sizeof(*b))) == NULL)
		return IKE_ENOMEM;
	kv_init(b);
	/* child= follows unless it names another Child SA that is there:
	 * esp-tun may have moved it to the peer's crossing SA, or dropped it
	 * with that one's Delete, before we got here */
	snprintf(file, sizeof(file), "child.%s.sa", cur);
	if (ck.line == 0 || strcmp(cur, name) == 0 ||
	    (kv[0].line != 0 && strcmp(cur, old) == 0) ||
	    (theirs[0] != '\0' && strcmp(cur, theirs) == 0) ||
	    faccessat(l->dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
		kv_str(b, "child", stays);
	if (spi != 0) {
		if ((e = info_create_delete(sa, false, &spi, 1, &w)) != IKE_OK ||
		    (!pending_set(p, PENDING_DELETE, *ike_sa_own_msgid(sa), spi,
		    req, w.len) && (e = IKE_ETOOBIG) != IKE_OK)) {
			p->what = PENDING_NONE;
			free(b);
			return e;
		}
		/* msgid_out past it, the Delete journaled, the
		 * CREATE_CHILD_SA's journal replaced: one write */
		pending_record(b, p);
		e = sd_update(l, "ike.sa", b, rekey_ike_keys);
	} else
		e = sd_update(l, "ike.sa", b, pending_keys);
	if (e != IKE_OK)
		p->what = PENDING_NONE;
	kv_wipe(b);
	free(b);
	return e;
}
