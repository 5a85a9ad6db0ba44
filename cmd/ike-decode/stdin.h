/* SPDX-License-Identifier: ISC */
/* Raw IKE messages from a stream: binary back to back, or hex text one per line. */
#ifndef IKEKIT_IKE_DECODE_STDIN_H
#define IKEKIT_IKE_DECODE_STDIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf/buf.h"

enum {
	RAW_BUF_CAP	= 1 << 19,	/* room for one hex line of the largest message */
	RAW_MSG_CAP	= 65536,	/* an IKE message in one UDP datagram */
};

/* A stream of raw messages. The format is decided from the first 256 bytes:
 * text (no NUL, nothing above 0x7f) is hex, one message per line, anything
 * else binary. A message may start with the 4-byte
 * non-ESP marker of RFC 3948; it is skipped and reported as natt. */
struct stdin_src {
	int		 fd;
	bool		 decided, hex, eof;
	unsigned long	 lineno;		/* hex: line of the last message */
	size_t		 off, len;		/* unread bytes are buf[off..len) */
	uint8_t		 buf[RAW_BUF_CAP];
	uint8_t		 msg[RAW_MSG_CAP];	/* hex: the decoded message */
};

enum stdin_res {
	RAW_MSG = 1,		/* *out is the next message */
	RAW_EOF = 0,
	RAW_FATAL = -1,		/* err says why; nothing more can be read */
	RAW_SKIP = -2,		/* hex: this line was skipped, err says why */
	RAW_IOERR = -3,		/* read(2) failed, err says why */
};

/* stdin_open prepares s to read fd (not closed by stdin_*). */
void		 stdin_open(struct stdin_src *s, int fd);
/* stdin_next sets out to the next message (valid until the next call) and natt
 * when it came after a non-ESP marker. Errors are "what" texts without the
 * object; hex errors start with the line number ("3: odd number of hex digits"). */
enum stdin_res	 stdin_next(struct stdin_src *s, struct rd *out, bool *natt, char *err,
		    size_t errlen);
/* stdin_is_hex tells which format was detected (after the first stdin_next). */
bool		 stdin_is_hex(const struct stdin_src *s);

#endif
