/* SPDX-License-Identifier: ISC */
/* Error codes of common/: one table gives each its message, Notify and exit status. */
#ifndef IKEKIT_BASE_ERR_H
#define IKEKIT_BASE_ERR_H

#include <stdint.h>

enum ike_err {
	IKE_OK = 0,
	IKE_ETRUNC,		/* input ends before a length says it should */
	IKE_ESYNTAX,		/* a field or length is invalid */
	IKE_EUNSUPP_CRIT,	/* unknown payload with the critical bit set */
	IKE_ENOPROP,		/* no acceptable proposal */
	IKE_EBADKE,		/* KE group or length not acceptable */
	IKE_EUNSUPP,		/* algorithm, version or feature not supported */
	IKE_EINTEG,		/* ICV/MAC/AUTH check failed (wrong key or tampering) */
	IKE_ECRYPTO,		/* the crypto library failed */
	IKE_ENOKEY,		/* no key known for this SA */
	IKE_ETOOBIG,		/* output does not fit the buffer */
	IKE_ENOMEM,		/* allocation failed */
	IKE_EIO,		/* file or socket I/O failed (errno is set) */
	IKE_EINVAL,		/* bad argument: option value, key file line, proposal string */
	IKE_ELOOP,		/* payload chain or fragment set never ends */
	IKE_EAUTH,		/* the peer's AUTH does not verify (wrong PSK) */
	IKE_ETS,		/* traffic selectors not acceptable */
	IKE_EREFUSED,		/* the peer answered with an error Notify */
	IKE_ETIMEOUT,		/* no answer after every retransmission */
	IKE_EPROTO,		/* the peer's answer breaks the protocol */
	IKE_ERR_COUNT
};

/* ike_strerror returns a static lower-case message for e (never NULL). */
const char	*ike_strerror(enum ike_err e);

/* ike_err_notify returns the IKEv2 Notify type to send to a peer for e, or 0
 * when e is not the peer's fault or calls for a silent drop. */
uint16_t	 ike_err_notify(enum ike_err e);

/* ike_err_exit returns the process exit status (enum ike_exit) for e. */
int		 ike_err_exit(enum ike_err e);

#endif
