/* SPDX-License-Identifier: ISC */
/* Messages to stderr with the program's name in front. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char	*progname = "ikekit";
static int		 verbose;

void
log_init(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL)
		return;
	slash = strrchr(argv0, '/');
	progname = slash != NULL ? slash + 1 : argv0;
}

const char *
log_progname(void)
{
	return progname;
}

void
log_set_verbose(int level)
{
	verbose = level;
}

int
log_verbose(void)
{
	return verbose;
}

static void
vlog(const char *fmt, va_list ap, const char *suffix)
{
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	if (suffix != NULL)
		fprintf(stderr, ": %s", suffix);
	fputc('\n', stderr);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
	exit(status);
}

void
die_err(enum ike_err e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, ike_strerror(e));
	va_end(ap);
	exit(ike_err_exit(e));
}
