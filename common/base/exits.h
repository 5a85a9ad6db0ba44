/* SPDX-License-Identifier: ISC */
/* Exit statuses shared by every ikekit program (see EXIT STATUS in each man page). */
#ifndef IKEKIT_BASE_EXITS_H
#define IKEKIT_BASE_EXITS_H

enum ike_exit {
	EXIT_OK = 0,		/* success */
	EXIT_FAIL = 1,		/* malformed input, crypto failure, internal error */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_REFUSED = 3,	/* the peer refused with an error Notify */
	EXIT_TIMEOUT = 4,	/* no answer after all retransmissions */
	EXIT_LOCAL = 5,		/* local I/O or system error: file, socket, TUN, state dir */
};

#endif
