/* SPDX-License-Identifier: ISC */
/* The Notify payload (RFC 7296 3.10) and the data shapes of common notifies. */
#ifndef IKEKIT_CODEC_NOTIFY_H
#define IKEKIT_CODEC_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

enum {
	NOTIFY_MAX_SPI	= 8,
	NATD_HASH_LEN	= 20,	/* SHA-1 (RFC 7296 2.23) */
	COOKIE_MAX_LEN	= 64,	/* RFC 7296 2.6 */
};

struct notify_pld {
	uint8_t		 proto;		/* IKEV2_PROTO_*, 0 when no SPI */
	uint8_t		 spi_len;
	uint8_t		 spi[NOTIFY_MAX_SPI];
	uint16_t	 type;		/* IKEV2_N_* */
	struct rd	 data;		/* notification data, not copied */
};

/* notify_parse reads a Notify body. SPI size must be 0, 4 with protocol AH or
 * ESP, or 8 with protocol IKE. Notifies with a fixed shape are checked too:
 * INVALID_KE_PAYLOAD (2-byte group), NAT_DETECTION_* (20 bytes), COOKIE
 * (1..64), REKEY_SA, CHILD_SA_NOT_FOUND and INVALID_SELECTORS
 * (4-byte SPI), SET_WINDOW_SIZE (4), SIGNATURE_HASH_ALGORITHMS (pairs),
 * and the empty flags (IKEV2_FRAGMENTATION_SUPPORTED, MOBIKE_SUPPORTED,
 * INITIAL_CONTACT, ...). Returns IKE_ETRUNC or IKE_ESYNTAX. */
enum ike_err	 notify_parse(struct rd *body, struct notify_pld *out);

/* notify_is_error returns true for the error types (1..16383). */
bool		 notify_is_error(uint16_t type);

/* notify_spi32 returns the 4-byte SPI of n in *out; false if it has none. */
bool		 notify_spi32(const struct notify_pld *n, uint32_t *out);

/* notify_put writes a Notify body; spi may be NULL when spi_len is 0. */
void		 notify_put(struct wr *w, uint8_t proto, const void *spi,
		    uint8_t spi_len, uint16_t type, const void *data,
		    size_t data_len);

#endif
