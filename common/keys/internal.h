/* SPDX-License-Identifier: ISC */
/* Helpers shared by the key-table readers: line files, hex, error messages. */
#ifndef IKEKIT_KEYS_INTERNAL_H
#define IKEKIT_KEYS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

/* A text file read line by line; the line buffer is wiped on close, since
 * key files hold secrets. */
struct kfile {
	FILE		*f;
	const char	*path;
	unsigned	 line;		/* number of the line last returned */
	char		*buf;
	size_t		 cap;
};

/* kfile_open opens path; IKE_EIO with "<path>: <strerror>" in err. */
enum ike_err	 kfile_open(struct kfile *kf, const char *path, char *err,
		    size_t errlen);

/* kfile_next sets *out to the next line without its line ending; it returns
 * 1, 0 at the end, -1 on a read error (message in err). */
int	 kfile_next(struct kfile *kf, char **out, char *err, size_t errlen);

/* kfile_close wipes the line buffer and closes the file. */
void	 kfile_close(struct kfile *kf);

/* kerr writes "<path>:<line>: <fmt>" (or "<path>: <fmt>" when line is 0) to
 * err and returns IKE_EINVAL. */
enum ike_err	 kerr(char *err, size_t errlen, const char *path, unsigned line,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* hex_decode decodes the n hex digits at s into out (at most cap bytes),
 * setting *out_len; on failure it sets *why ("odd number of hex digits", "not
 * a hex digit", "too long") and returns false. */
bool	 hex_decode(const char *s, size_t n, uint8_t *out, size_t cap,
	    size_t *out_len, const char **why);

/* path_join writes dir/name to out; if that does not fit in cap bytes it
 * writes "<dir>: File name too long" to err, sets errno and returns IKE_EIO. */
enum ike_err	 path_join(char *out, size_t cap, const char *dir,
		    const char *name, char *err, size_t errlen);

/* blank_or_comment returns whether line is empty, blanks, or a # comment. */
bool	 blank_or_comment(const char *line);

/* keys_encr_len returns the bytes of keying material (key + salt or nonce)
 * cipher encr takes with keybits-bit keys, and keys_integ_len the key length
 * of an integrity transform; -1 when the transform is unknown here. The
 * numbers agree with crypto/keys.h, which knows fewer transforms. */
int	 keys_encr_len(uint16_t encr, uint16_t keybits);
int	 keys_integ_len(uint16_t integ);

#endif
