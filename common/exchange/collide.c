/* SPDX-License-Identifier: ISC */
/* Simultaneous rekeys (collide.h): which new SA survives, and what answers a request that crosses ours. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto/secret.h"
#include "names/ikev2.h"
#include "sa/kvget.h"
#include "exchange/collide.h"

enum { NONCE_HEX = 2 * NONCE_MAX_LEN + 1 };

const char *const collide_ike_keys[] = {
	"rekeyed_ispi", "rekeyed_rspi", "rekey_nonce", NULL,
};

int
collide_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t	 i, n = alen < blen ? alen : blen;

	/* nonces are public once sent: no constant time needed */
	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

void
collide_lower(const uint8_t *ni, size_t ni_len, const uint8_t *nr,
    size_t nr_len, const uint8_t **lo, size_t *lo_len)
{
	if (collide_nonce_cmp(ni, ni_len, nr, nr_len) <= 0) {
		*lo = ni;
		*lo_len = ni_len;
	} else {
		*lo = nr;
		*lo_len = nr_len;
	}
}

bool
collide_lost(const uint8_t *ni, size_t ni_len, const uint8_t *nr,
    size_t nr_len, const uint8_t *theirs, size_t theirs_len)
{
	const uint8_t	*lo;
	size_t		 lo_len;

	collide_lower(ni, ni_len, nr, nr_len, &lo, &lo_len);
	/* equal lower nonces: both would lose; a fresh nonce repeating the
	 * peer's is not a case to design for, and ours going is safe */
	return collide_nonce_cmp(lo, lo_len, theirs, theirs_len) <= 0;
}

uint16_t
collide_refusal(enum collide_req theirs, uint32_t their_spi_in,
    enum pending_what ours, uint32_t spi)
{
	switch (ours) {
	case PENDING_DELETE:
		/* 2.25.1: a rekey of the Child SA we are closing */
		if (theirs == COLLIDE_REQ_REKEY_CHILD && their_spi_in != 0 &&
		    their_spi_in == spi)
			return IKEV2_N_TEMPORARY_FAILURE;
		return 0;
	case PENDING_DELETE_IKE:
		/* 2.25.2: a rekey of the IKE SA we are closing */
		return theirs == COLLIDE_REQ_REKEY_IKE ?
		    IKEV2_N_TEMPORARY_FAILURE : 0;
	case PENDING_REKEY_IKE:
		/* 2.25.2: a Child SA, new or rekeyed, while we rekey the IKE
		 * SA; its own rekey of the IKE SA is answered (2.8.2) */
		return theirs != COLLIDE_REQ_REKEY_IKE ?
		    IKEV2_N_TEMPORARY_FAILURE : 0;
	default:
		/* a rekey of the Child SA we rekey is answered (2.8.1) */
		return 0;
	}
}

uint16_t
collide_crossing(struct sd_lock *l, const struct ike_sa *sa, struct rd in,
    const struct child_pair *pairs, size_t n, enum pending_what *ours)
{
	static struct pending	 p;
	enum collide_req	 kind;
	uint32_t		 rspi = 0, rspi_in = 0;
	uint16_t		 refusal;
	char			 err[512];
	size_t			 i;

	*ours = PENDING_NONE;
	if (ccsa_peek(sa, in, &kind, &rspi) != IKE_OK ||
	    pending_load(l, sa, &p, NULL, err, sizeof(err)) != IKE_OK)
		return 0;
	for (i = 0; rspi != 0 && i < n; i++)
		if (pairs[i].spi_out == rspi)
			rspi_in = pairs[i].spi_in;
	*ours = p.what;
	refusal = collide_refusal(kind, rspi_in, p.what, p.spi);
	wipe(&p, sizeof(p));
	return refusal;
}

void
collide_child_record(struct kvbuf *b, const char *old, const struct ccsa *c)
{
	const uint8_t	*lo;
	size_t		 lo_len;

	collide_lower(c->ni, c->ni_len, c->nr, c->nr_len, &lo, &lo_len);
	kv_str(b, "peer_rekey_of", old);
	kv_hex(b, "rekey_nonce", lo, lo_len);
}

void
collide_ike_record(struct kvbuf *b, const struct ike_sa *old,
    const struct ike_sa *nsa)
{
	const uint8_t	*lo;
	size_t		 lo_len;

	collide_lower(nsa->ni, nsa->ni_len, nsa->nr, nsa->nr_len, &lo, &lo_len);
	kv_spi64(b, "rekeyed_ispi", old->ispi);
	kv_spi64(b, "rekeyed_rspi", old->rspi);
	kv_hex(b, "rekey_nonce", lo, lo_len);
}

/* their_nonce reads rekey_nonce of file in l into out. */
static bool
their_nonce(struct sd_lock *l, const char *file, uint8_t *out, size_t *len)
{
	char		 val[NONCE_HEX], path[SD_NAME_MAX + SD_FILE_MAX + 2];
	char		 err[256];
	struct sd_kv	 kv = { "rekey_nonce", val, sizeof(val), 0 };
	struct kvget	 g = { path, &kv, 1, err, sizeof(err) };

	snprintf(path, sizeof(path), "%s/%s", l->name, file);
	return sd_read(l, file, &kv, 1) == IKE_OK && kv.line != 0 &&
	    kvg_hex(&g, "rekey_nonce", out, NONCE_MAX_LEN, len) == IKE_OK &&
	    *len > 0;
}

enum collide_verdict
collide_child_check(struct sd_lock *l, const char *old, const struct ccsa *c,
    char *theirs, size_t n, bool *old_gone)
{
	const uint8_t	*lo;
	size_t		 lo_len;

	collide_lower(c->ni, c->ni_len, c->nr, c->nr_len, &lo, &lo_len);
	return collide_child_check_lo(l, old, lo, lo_len, theirs, n, old_gone);
}

enum collide_verdict
collide_child_check_lo(struct sd_lock *l, const char *old, const uint8_t *lo,
    size_t lo_len, char *theirs, size_t n, bool *old_gone)
{
	struct dirent	*d;
	DIR		*dir;
	char		 val[SD_NAME_MAX + 1], file[SD_FILE_MAX];
	struct sd_kv	 kv = { "peer_rekey_of", val, sizeof(val), 0 };
	uint8_t		 nonce[NONCE_MAX_LEN];
	size_t		 len, nlen = 0;
	int		 fd;
	bool		 found = false;

	snprintf(file, sizeof(file), "child.%s.sa", old);
	*old_gone = faccessat(l->dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) != 0;
	if ((fd = dup(l->dirfd)) < 0)
		return COLLIDE_NONE;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return COLLIDE_NONE;
	}
	rewinddir(dir);
	while (!found && (d = readdir(dir)) != NULL) {
		len = strlen(d->d_name);
		kv.line = 0;
		if (len < 10 || len - 9 > SD_NAME_MAX ||
		    strncmp(d->d_name, "child.", 6) != 0 ||
		    strcmp(d->d_name + len - 3, ".sa") != 0 ||
		    sd_read(l, d->d_name, &kv, 1) != IKE_OK || kv.line == 0 ||
		    strcmp(val, old) != 0 ||
		    !their_nonce(l, d->d_name, nonce, &nlen))
			continue;
		snprintf(theirs, n, "%.*s", (int)(len - 9), d->d_name + 6);
		found = true;
	}
	closedir(dir);
	if (!found)
		return COLLIDE_NONE;
	return collide_lost(lo, lo_len, lo, lo_len, nonce, nlen) ?
	    COLLIDE_LOST : COLLIDE_WON;
}

enum collide_verdict
collide_ike_check(struct sd_lock *l, const struct ike_sa *cur,
    const struct ike_sa *old, const struct ike_sa *nsa)
{
	char		 vals[2][32], path[SD_NAME_MAX + 16], err[256];
	struct sd_kv	 kv[2] = {
		{ "rekeyed_ispi", vals[0], sizeof(vals[0]), 0 },
		{ "rekeyed_rspi", vals[1], sizeof(vals[1]), 0 },
	};
	struct kvget	 g = { path, kv, 2, err, sizeof(err) };
	uint8_t		 nonce[NONCE_MAX_LEN];
	uint64_t	 ispi = 0, rspi = 0;
	size_t		 nlen = 0;

	if (cur->ispi == old->ispi && cur->rspi == old->rspi)
		return COLLIDE_NONE;
	snprintf(path, sizeof(path), "%s/ike.sa", l->name);
	if (sd_read(l, "ike.sa", kv, 2) != IKE_OK || kv[0].line == 0 ||
	    kv[1].line == 0 || kvg_spi64(&g, "rekeyed_ispi", &ispi) != IKE_OK ||
	    kvg_spi64(&g, "rekeyed_rspi", &rspi) != IKE_OK ||
	    ispi != old->ispi || rspi != old->rspi ||
	    !their_nonce(l, "ike.sa", nonce, &nlen))
		return COLLIDE_MOVED;
	return collide_lost(nsa->ni, nsa->ni_len, nsa->nr, nsa->nr_len, nonce,
	    nlen) ? COLLIDE_LOST : COLLIDE_WON;
}
