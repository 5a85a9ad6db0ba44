/* SPDX-License-Identifier: ISC */
/* An SA's keys as Wireshark key table lines (--keys-out): the IKE SA's SK_e and SK_a, its Child SA's ESP keys both ways. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto/secret.h"
#include "exchange/xchg.h"
#include "keys/keys.h"

/* open_table opens DIR/name for writing (appending or not): 0600 even if
 * it was there with a looser mode, never through a symlink. */
static FILE *
open_table(const char *dir, const char *name, bool append)
{
	char	 path[4096];
	FILE	*f;
	int	 fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
	    (append ? O_APPEND : O_TRUNC), 0600)) < 0)
		return NULL;
	if (fchmod(fd, 0600) != 0 || (f = fdopen(fd, append ? "a" : "w")) ==
	    NULL) {
		(void)close(fd);
		return NULL;
	}
	return f;
}

/* write_ike writes the IKE SA's line. */
static int
write_ike(FILE *f, const struct ike_sa *sa)
{
	struct ike_sa_key	 k;
	int			 rc;

	memset(&k, 0, sizeof(k));
	k.ispi = sa->ispi;
	k.rspi = sa->rspi;
	k.encr = sa->suite.encr;
	k.encr_keybits = sa->suite.encr_keybits;
	k.integ = sa->suite.integ;
	k.e_len = sa->keys.e_len;
	k.a_len = sa->keys.a_len;
	memcpy(k.sk_ei, sa->keys.sk_ei, k.e_len);
	memcpy(k.sk_er, sa->keys.sk_er, k.e_len);
	memcpy(k.sk_ai, sa->keys.sk_ai, k.a_len);
	memcpy(k.sk_ar, sa->keys.sk_ar, k.a_len);
	rc = keytab_write_ikev2(f, &k);
	wipe(&k, sizeof(k));
	return rc;
}

/* write_esp writes the Child SA's line for one direction: from the IKE
 * initiator (keys ei/ai) or to it. */
static int
write_esp(FILE *f, const struct ike_sa *sa, bool from_i, int af,
    const uint8_t *i_addr, const uint8_t *r_addr)
{
	const struct child_sa	*c = &sa->child;
	struct esp_sa_key	 k;
	size_t			 alen = af == AF_INET6 ? 16 : 4;
	/* our inbound SPI is what the peer sends to */
	bool			 to_us = from_i == (sa->role == ROLE_RESPONDER);
	int			 rc;

	memset(&k, 0, sizeof(k));
	k.af = af;
	memcpy(k.src, from_i ? i_addr : r_addr, alen);
	memcpy(k.dst, from_i ? r_addr : i_addr, alen);
	k.spi = to_us ? c->spi_in : c->spi_out;
	k.encr = c->encr;
	k.encr_keybits = c->keybits;
	k.integ = c->integ;
	k.e_len = c->keys.e_len;
	k.a_len = c->keys.a_len;
	memcpy(k.ekey, from_i ? c->keys.ei : c->keys.er, k.e_len);
	memcpy(k.akey, from_i ? c->keys.ai : c->keys.ar, k.a_len);
	k.esn = c->esn;
	rc = keytab_write_esp(f, &k);
	wipe(&k, sizeof(k));
	return rc;
}

enum ike_err
keys_export(const char *dir, const struct ike_sa *sa, int af,
    const uint8_t *i_addr, const uint8_t *r_addr, bool append)
{
	FILE	*f;
	int	 bad = 0;

	if ((f = open_table(dir, "ikev2_decryption_table", append)) == NULL)
		return IKE_EIO;
	bad |= write_ike(f, sa);
	bad |= fclose(f);
	if ((f = open_table(dir, "esp_sa", append)) == NULL)
		return IKE_EIO;
	if (sa->state == SA_ESTABLISHED && sa->child.spi_in != 0) {
		bad |= write_esp(f, sa, true, af, i_addr, r_addr);
		bad |= write_esp(f, sa, false, af, i_addr, r_addr);
	}
	bad |= fclose(f);
	return bad ? IKE_EIO : IKE_OK;
}
