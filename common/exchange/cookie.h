/* SPDX-License-Identifier: ISC */
/* Stateless cookies for the responder (RFC 7296 2.6): make, check, rotate the secret. */
#ifndef IKEKIT_EXCHANGE_COOKIE_H
#define IKEKIT_EXCHANGE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

enum {
	COOKIE_SECRET_LEN	= 32,
	COOKIE_LEN		= 1 + 32,	/* VersionIDofSecret | HMAC-SHA-256 */
	COOKIE_ROTATE_MS	= 120000,	/* a new secret every 2 minutes */
};

/* The secrets: the current one and the one before (cookies made just
 * before a rotation still verify). cookie_gen_wipe() on every free path. */
struct cookie_gen {
	uint8_t		 secret[2][COOKIE_SECRET_LEN];	/* [ver & 1] */
	uint8_t		 ver;		/* VersionIDofSecret of the current one */
	int64_t		 born_ms;
};

/* cookie_gen_init picks a random secret at time now_ms. */
void		 cookie_gen_init(struct cookie_gen *g, int64_t now_ms);
/* cookie_gen_tick replaces the secret when it is older than
 * COOKIE_ROTATE_MS, keeping the previous one. */
void		 cookie_gen_tick(struct cookie_gen *g, int64_t now_ms);
void		 cookie_gen_wipe(struct cookie_gen *g);

/*
 * cookie_check looks at an IKE_SA_INIT request in from peer (af AF_INET or
 * AF_INET6, addr 4 or 16 bytes). IKE_OK: it carries a valid cookie,
 *   Cookie = <VersionIDofSecret> | HMAC-SHA-256(<secret>, Ni | IPi | SPIi)
 * compared in constant time. IKE_EREFUSED: it does not; out holds the
 * response HDR, N(COOKIE) to send. IKE_ESYNTAX/IKE_ETRUNC for a request
 * without a nonce or that does not parse (dropped, nothing in out).
 */
enum ike_err	 cookie_check(const struct cookie_gen *g, struct rd in, int af,
		    const uint8_t *addr, struct wr *out);

#endif
