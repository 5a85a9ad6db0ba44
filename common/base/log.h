/* SPDX-License-Identifier: ISC */
/* Messages to stderr as "program: object: what happened"; only cmd/ calls die_*(). */
#ifndef IKEKIT_BASE_LOG_H
#define IKEKIT_BASE_LOG_H

#include <stdarg.h>
#include "err.h"

/* log_init remembers the program name (basename of argv0) for every message. */
void	 log_init(const char *argv0);
/* log_progname returns that name ("ikekit" before log_init). */
const char *log_progname(void);
/* log_set_verbose sets the tracing level; log_debug prints when level >= 1. */
void	 log_set_verbose(int level);
int	 log_verbose(void);

void	 log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* die prints "prog: <fmt>" and exits with status. */
void	 die(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
/* die_err prints "prog: <fmt>: <ike_strerror(e)>" and exits ike_err_exit(e). */
void	 die_err(enum ike_err e, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif
