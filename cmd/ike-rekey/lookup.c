/* SPDX-License-Identifier: ISC */
/* ike-rekey: the SA that a name or the SPIs of its IKE SA designate. */
#include <stdio.h>
#include <string.h>

#include "base/exits.h"
#include "base/log.h"
#include "rekey.h"

/* An SA looked for by the SPIs of its IKE SA (ike.sa's ispi=, rspi=). */
struct by_spis {
	struct sd	*sd;
	char		 ispi[17], rspi[17];
	char		 name[SD_NAME_MAX + 1];
};

static int
same_spis(const char *sa, void *arg)
{
	struct by_spis	*b = arg;
	struct sd_lock	 l;
	char		 ispi[24], rspi[24];
	struct sd_kv	 kv[2] = { { "ispi", ispi, sizeof(ispi), 0 },
			    { "rspi", rspi, sizeof(rspi), 0 } };
	bool		 same;

	if (sd_lock_sa_timeout(b->sd, sa, false, LOCK_MS, &l) != IKE_OK)
		return 0;
	same = sd_read(&l, "ike.sa", kv, 2) == IKE_OK && kv[0].line != 0 &&
	    kv[1].line != 0 && strcasecmp(ispi, b->ispi) == 0 &&
	    strcasecmp(rspi, b->rspi) == 0;
	sd_unlock(&l);
	if (same)
		snprintf(b->name, sizeof(b->name), "%s", sa);
	return same;
}

/* sa_of names in out (n bytes) the SA that arg designates: an SA name as
 * it is, or "ISPI:RSPI", the SPIs of its IKE SA in hexadecimal (16 digits
 * each), as ike.sa has them now. EXIT_OK, else (logged) EXIT_USAGE for
 * neither, EXIT_LOCAL for no such SA. */
int
sa_of(struct sd *sd, const char *arg, char *out, size_t n)
{
	struct by_spis	 b = { .sd = sd };
	const char	*colon = strchr(arg, ':');

	if (colon == NULL) {
		if (!sd_name_ok(arg)) {
			log_warn("\"%.64s\" is not an SA name", arg);
			return EXIT_USAGE;
		}
		snprintf(out, n, "%s", arg);
		return EXIT_OK;
	}
	if (colon - arg != 16 || strlen(colon + 1) != 16 ||
	    strspn(arg, "0123456789abcdefABCDEF") != 16 ||
	    strspn(colon + 1, "0123456789abcdefABCDEF") != 16) {
		log_warn("\"%.64s\" is not ISPI:RSPI (16 hexadecimal digits "
		    "each)", arg);
		return EXIT_USAGE;
	}
	memcpy(b.ispi, arg, 16);
	memcpy(b.rspi, colon + 1, 16);
	if (sd_list(sd, same_spis, &b) != IKE_OK || b.name[0] == '\0') {
		log_warn("%s: no SA with these SPIs in the state directory",
		    arg);
		return EXIT_LOCAL;
	}
	snprintf(out, n, "%s", b.name);
	return EXIT_OK;
}
