/* SPDX-License-Identifier: ISC */
/* ike-initiate: set up an IKE SA and its first Child SA with a peer. Not yet implemented: it says so and fails. */
#include <stdio.h>
#include <string.h>

#include "base/exits.h"
#include "base/log.h"

int
main(int argc, char *argv[])
{
	log_init(argv[0]);
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("usage: %s ...\n"
		    "%s will set up an IKE SA and its first Child SA with a peer.\n"
		    "It is not yet implemented; see README.md.\n", log_progname(), log_progname());
		return EXIT_OK;
	}
	die(EXIT_FAIL, "not yet implemented");
}
