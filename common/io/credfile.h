/* SPDX-License-Identifier: ISC */
/* --cert, --key and --ca files: read them into a sig_cred and say which file is wrong and why. */
#ifndef IKEKIT_IO_CREDFILE_H
#define IKEKIT_IO_CREDFILE_H

#include <stdbool.h>

#include "base/err.h"
#include "crypto/sig.h"

enum { CREDFILE_MAX = 65536 };	/* a PEM file larger than this is refused */

struct credfile_err {
	const char	*path;		/* the file at fault */
	char		 why[128];	/* "No such file or directory", ... */
	bool		 key_loose;	/* the key file is group/other-readable */
};

/* credfile_load makes *out from PEM files: cert (ours first, then
 * intermediates) and key together or both NULL, ca (trust anchors) or
 * NULL. The key's bytes are wiped after parsing. Errors, with err->path and
 * err->why set: IKE_EIO (cannot read; errno's words), IKE_ESYNTAX (no PEM
 * key or certificate in it), IKE_EUNSUPP (key type), IKE_ETOOBIG (file or
 * chain too large), IKE_EINVAL (the key is not the certificate's: path is
 * the key). *out is NULL on failure. err->key_loose is set either way. */
enum ike_err	 credfile_load(struct sig_cred **out, const char *cert,
		    const char *key, const char *ca, struct credfile_err *err);

#endif
