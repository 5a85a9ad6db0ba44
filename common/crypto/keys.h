/* SPDX-License-Identifier: ISC */
/* IKE SA keys (SKEYSEED, SK_*) and Child SA KEYMAT (RFC 7296 2.13-2.18). */
#ifndef IKEKIT_CRYPTO_KEYS_H
#define IKEKIT_CRYPTO_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum {
	ENCR_KEY_MAX_LEN = 36,		/* AES-256 + 4-byte salt, ChaCha20 + salt */
	INTEG_KEY_MAX_LEN = 64,		/* HMAC-SHA2-512-256 */
	INTEG_ICV_MAX_LEN = 32,
	AEAD_SALT_LEN = 4,
};

/* The transforms of an IKE SA, as IANA numbers (IKEV2_ENCR_*, ...); encr_keybits
 * is the Key Length attribute (0 when the cipher has none, as ChaCha20). */
struct ike_suite {
	uint16_t	 encr, encr_keybits, integ, prf, dh;
};

/* encr_key_len returns how many bytes of keying material cipher encr takes
 * with a key of keybits bits: the key, plus the 4-byte salt for AES-GCM
 * (RFC 5282, 4106) and ChaCha20-Poly1305 (RFC 7634), plus the 4-byte nonce
 * for AES-CTR (RFC 5930, 3686). Returns 0 for ENCR_NULL (no key) and for an
 * unsupported cipher or key size; encr_supported() tells them apart. */
size_t	 encr_key_len(uint16_t encr, uint16_t keybits);

/* encr_supported returns whether encr with keybits is implemented. */
bool	 encr_supported(uint16_t encr, uint16_t keybits);

/* encr_is_aead returns whether encr is a combined-mode cipher (AES-GCM,
 * ChaCha20-Poly1305), used with integrity transform NONE. */
bool	 encr_is_aead(uint16_t encr);

/* integ_key_len and integ_icv_len return the key and ICV lengths of an
 * integrity transform (IKEV2_AUTH_*); 0 for NONE and unsupported ones. */
size_t	 integ_key_len(uint16_t integ);
size_t	 integ_icv_len(uint16_t integ);

/* The keys of one IKE SA. Wipe with ike_keys_wipe() on every free path. */
struct ike_keys {
	uint8_t		 sk_d[64], sk_ai[64], sk_ar[64];
	uint8_t		 sk_ei[ENCR_KEY_MAX_LEN], sk_er[ENCR_KEY_MAX_LEN];
	uint8_t		 sk_pi[64], sk_pr[64];
	size_t		 d_len, a_len, e_len, p_len;
};

/* ike_keys_derive computes an IKE SA's keys (RFC 7296 2.14):
 *   SKEYSEED = prf(Ni | Nr, g^ir)
 *   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *            = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
 * For PRFs with a fixed key size (AES-XCBC, AES-CMAC) the SKEYSEED key is the
 * first half-key of Ni and of Nr. Nonces are at most 256 bytes and g^ir at
 * most 512. Returns IKE_EUNSUPP for an unknown transform or combination (AEAD
 * with integrity, non-AEAD without), IKE_EINVAL for bad lengths; on error
 * out is wiped. */
enum ike_err	 ike_keys_derive(struct ike_keys *out, const struct ike_suite *s,
		    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		    const uint8_t *g_ir, size_t g_ir_len, uint64_t ispi, uint64_t rspi);

/* ike_keys_derive_rekey computes the keys of a new IKE SA made by rekeying
 * (RFC 7296 2.18): SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the
 * new SA's PRF, then the SK_* as in ike_keys_derive with the new SPIs. g_ir
 * may be NULL (g_ir_len 0). */
enum ike_err	 ike_keys_derive_rekey(struct ike_keys *out,
		    const struct ike_suite *s, const uint8_t *old_sk_d, size_t old_d_len,
		    const uint8_t *g_ir, size_t g_ir_len, const uint8_t *ni, size_t ni_len,
		    const uint8_t *nr, size_t nr_len, uint64_t ispi, uint64_t rspi);

/* ike_keys_skeyseed computes only SKEYSEED = prf(Ni | Nr, g^ir) into out
 * (prf_len(prf_id) bytes); exposed for known-answer tests and key logs. */
enum ike_err	 ike_keys_skeyseed(uint8_t *out, uint16_t prf_id,
		    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		    const uint8_t *g_ir, size_t g_ir_len);

/* ike_keys_wipe zeroes every key and length in k. */
void	 ike_keys_wipe(struct ike_keys *k);

/* The keys of one Child SA: ei/ai protect initiator-to-responder traffic. */
struct child_keys {
	uint8_t		 ei[ENCR_KEY_MAX_LEN], ai[INTEG_KEY_MAX_LEN];
	uint8_t		 er[ENCR_KEY_MAX_LEN], ar[INTEG_KEY_MAX_LEN];
	size_t		 e_len, a_len;
};

/* child_keys_derive computes a Child SA's keys (RFC 7296 2.17):
 *   KEYMAT = prf+(SK_d, Ni | Nr)            without PFS (g_ir NULL)
 *   KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr) with PFS
 * taken in the order encr key I->R, integ key I->R, encr key R->I, integ key
 * R->I. Errors as ike_keys_derive; on error out is wiped. */
enum ike_err	 child_keys_derive(struct child_keys *out, uint16_t prf_id,
		    const uint8_t *sk_d, size_t d_len, const uint8_t *g_ir,
		    size_t g_ir_len, const uint8_t *ni, size_t ni_len,
		    const uint8_t *nr, size_t nr_len, uint16_t encr, uint16_t keybits,
		    uint16_t integ);

/* child_keys_wipe zeroes every key and length in k. */
void	 child_keys_wipe(struct child_keys *k);

#endif
