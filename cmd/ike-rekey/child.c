/* SPDX-License-Identifier: ISC */
/* The Child SA files ike-rekey rekeys or deletes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "sa/kvget.h"
#include "rekey.h"

enum { VAL_MAX = 1100 };

const char *const child_life_keys[LIFE_KEYS] = {
	"lifetime_secs", "lifetime_bytes", "lifetime_packets", "soft_secs",
	"soft_bytes", "soft_packets",
};

static const char *const keys[] = {
	"name", "spi_in", "spi_out", "encr", "encr_keybits", "integ", "esn",
	"local_ts", "remote_ts", "encap", "lifetime_secs", "lifetime_bytes",
	"lifetime_packets", "soft_secs", "soft_bytes", "soft_packets",
};
enum { N_KEYS = sizeof(keys) / sizeof(keys[0]) };

static const char *const encaps[] = { "none", "udp", NULL };

bool
child_file_read(struct sd_lock *l, const char *name, struct child_file *out)
{
	static char	 vals[N_KEYS][VAL_MAX];
	struct sd_kv	 kv[N_KEYS];
	struct kvget	 g;
	char		 file[SD_FILE_MAX], path[SD_NAME_MAX + SD_FILE_MAX + 2];
	char		 err[512];
	uint64_t	 bits = 0, esn = 0;
	int		 encap = 0;
	size_t		 i;
	enum ike_err	 e;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < N_KEYS; i++)
		kv[i] = (struct sd_kv){ keys[i], vals[i], VAL_MAX, 0 };
	snprintf(file, sizeof(file), "child.%s.sa", name);
	snprintf(path, sizeof(path), "%s/%s", l->name, file);
	g = (struct kvget){ path, kv, N_KEYS, err, sizeof(err) };
	if ((e = sd_read(l, file, kv, N_KEYS)) != IKE_OK)
		snprintf(err, sizeof(err), "%s: %s", path, e == IKE_EIO ?
		    (errno == ENOENT ? "no such Child SA" : strerror(errno)) :
		    "malformed");
	else if ((e = kvg_spi32(&g, "spi_in", &out->spi_in)) == IKE_OK &&
	    (e = kvg_spi32(&g, "spi_out", &out->spi_out)) == IKE_OK &&
	    (e = kvg_xform(&g, "encr", IKEV2_XFORM_ENCR, &out->encr)) == IKE_OK &&
	    (e = kvg_u64(&g, "encr_keybits", true, 512, &bits)) == IKE_OK &&
	    (e = kvg_xform(&g, "integ", IKEV2_XFORM_INTEG, &out->integ)) == IKE_OK &&
	    (e = kvg_u64(&g, "esn", true, 1, &esn)) == IKE_OK &&
	    (e = kvg_word(&g, "encap", encaps, &encap)) == IKE_OK &&
	    (e = kvg_ts(&g, "local_ts", &out->local_ts)) == IKE_OK &&
	    (e = kvg_ts(&g, "remote_ts", &out->remote_ts)) == IKE_OK)
		for (i = 0; e == IKE_OK && i < LIFE_KEYS; i++)
			e = kvg_u64(&g, child_life_keys[i], true, UINT64_MAX,
			    &out->life[i]);
	wipe(vals, sizeof(vals));
	if (e != IKE_OK) {
		log_warn("%s", err);
		return false;
	}
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->keybits = (uint16_t)bits;
	out->esn = esn == 1;
	out->encap = encap == 1;
	return true;
}
