/* SPDX-License-Identifier: ISC */
/* The one table of error messages, Notify types and exit statuses. */
#include "err.h"
#include "exits.h"

static const struct {
	const char	*msg;
	uint16_t	 notify;	/* RFC 7296 3.10.1 numbers */
	int		 exit;
} errs[IKE_ERR_COUNT] = {
	[IKE_OK]		= { "success", 0, EXIT_OK },
	[IKE_ETRUNC]		= { "truncated", 7 /* INVALID_SYNTAX */, EXIT_FAIL },
	[IKE_ESYNTAX]		= { "invalid syntax", 7 /* INVALID_SYNTAX */, EXIT_FAIL },
	[IKE_EUNSUPP_CRIT]	= { "unsupported critical payload", 1 /* UNSUPPORTED_CRITICAL_PAYLOAD */, EXIT_FAIL },
	[IKE_ENOPROP]		= { "no proposal chosen", 14 /* NO_PROPOSAL_CHOSEN */, EXIT_REFUSED },
	[IKE_EBADKE]		= { "invalid KE payload", 17 /* INVALID_KE_PAYLOAD */, EXIT_REFUSED },
	[IKE_EUNSUPP]		= { "not supported", 0, EXIT_FAIL },
	[IKE_EINTEG]		= { "integrity check failed", 0, EXIT_FAIL },
	[IKE_ECRYPTO]		= { "crypto library error", 0, EXIT_FAIL },
	[IKE_ENOKEY]		= { "no key", 0, EXIT_FAIL },
	[IKE_ETOOBIG]		= { "too big", 0, EXIT_FAIL },
	[IKE_ENOMEM]		= { "out of memory", 0, EXIT_LOCAL },
	[IKE_EIO]		= { "I/O error", 0, EXIT_LOCAL },
	[IKE_EINVAL]		= { "invalid argument", 0, EXIT_USAGE },
	[IKE_ELOOP]		= { "payload chain does not end", 7 /* INVALID_SYNTAX */, EXIT_FAIL },
	[IKE_EAUTH]		= { "authentication failed", 24 /* AUTHENTICATION_FAILED */, EXIT_REFUSED },
	[IKE_ETS]		= { "traffic selectors unacceptable", 38 /* TS_UNACCEPTABLE */, EXIT_REFUSED },
	[IKE_EREFUSED]		= { "refused by the peer", 0, EXIT_REFUSED },
	[IKE_ETIMEOUT]		= { "no answer", 0, EXIT_TIMEOUT },
	[IKE_EPROTO]		= { "the answer breaks the protocol", 0, EXIT_FAIL },
};

const char *
ike_strerror(enum ike_err e)
{
	if ((unsigned)e >= IKE_ERR_COUNT)
		return "unknown error";
	return errs[e].msg;
}

uint16_t
ike_err_notify(enum ike_err e)
{
	if ((unsigned)e >= IKE_ERR_COUNT)
		return 0;
	return errs[e].notify;
}

int
ike_err_exit(enum ike_err e)
{
	if ((unsigned)e >= IKE_ERR_COUNT)
		return EXIT_FAIL;
	return errs[e].exit;
}
