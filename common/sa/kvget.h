/* SPDX-License-Identifier: ISC */
/* Typed values of state-file lines read by sd_read, with file:line errors. */
#ifndef IKEKIT_SA_KVGET_H
#define IKEKIT_SA_KVGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "sa/statedir.h"

/* A file's lines as sd_read filled them, and where errors go. Messages read
 * "FILE:LINE: KEY: why" and never hold a key's value when it may be secret. */
struct kvget {
	const char	*file;		/* for messages: "site-b/child.net.sa" */
	struct sd_kv	*kv;
	size_t		 n;
	char		*err;
	size_t		 errlen;
};

/* kvg_find returns the entry of key, or NULL when the file lacks it (or it
 * was not asked for). */
const struct sd_kv	*kvg_find(const struct kvget *g, const char *key);

/* Each getter returns IKE_OK, or IKE_EINVAL with a message in g->err for a
 * missing key (unless optional: then out is left alone) or a bad value. */
enum ike_err	 kvg_str(const struct kvget *g, const char *key, bool optional,
		    const char **out);
enum ike_err	 kvg_u64(const struct kvget *g, const char *key, bool optional,
		    uint64_t max, uint64_t *out);
/* kvg_spi64 reads 16 hex digits, kvg_spi32 "0x" and 8 hex digits. */
enum ike_err	 kvg_spi64(const struct kvget *g, const char *key, uint64_t *out);
enum ike_err	 kvg_spi32(const struct kvget *g, const char *key, uint32_t *out);
/* kvg_hex decodes a hex byte string (a key) of at most cap bytes; an empty
 * value gives *len 0. */
enum ike_err	 kvg_hex(const struct kvget *g, const char *key, uint8_t *out,
		    size_t cap, size_t *len);
/* kvg_xform reads a transform name of type IKEV2_XFORM_* (ENCR_AES_GCM_16). */
enum ike_err	 kvg_xform(const struct kvget *g, const char *key, unsigned type,
		    uint16_t *out);
/* kvg_word reads one of the words (NULL-terminated) and sets *index. */
enum ike_err	 kvg_word(const struct kvget *g, const char *key,
		    const char *const *words, int *index);

#endif
