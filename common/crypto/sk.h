/* SPDX-License-Identifier: ISC */
/* Protection of the SK and SKF payloads (RFC 7296 3.14, RFC 5282, RFC 7634, RFC 7383). */
#ifndef IKEKIT_CRYPTO_SK_H
#define IKEKIT_CRYPTO_SK_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

/* The keys of one direction: SK_ei/SK_ai for messages from the original
 * initiator, SK_er/SK_ar for the responder's. ekey includes the 4-byte salt
 * for the AEADs (as Wireshark's tables and charon's logs give it) and the
 * 4-byte nonce for AES-CTR. keybits may be 0 for "whatever ekey_len says".
 * integ is IKEV2_AUTH_NONE (akey NULL) for the AEADs. */
struct sk_cipher {
	uint16_t	 encr, keybits, integ;
	const uint8_t	*ekey;
	size_t		 ekey_len;
	const uint8_t	*akey;
	size_t		 akey_len;
};

/* sk_sealed_len returns the length of the SK body (IV | ciphertext of the
 * payloads, padding and pad length | ICV) that sk_encrypt appends for pt_len
 * bytes of inner payloads, or 0 if c's transforms are unsupported. */
size_t	 sk_sealed_len(const struct sk_cipher *c, size_t pt_len);

/* sk_encrypt appends the SK body for the pt_len bytes of inner payloads at
 * pt to w. The caller has written the message up to the SK body with its
 * final lengths (from sk_sealed_len); the AEAD associated data, or the HMAC,
 * covers w->buf[0..w->len) plus what is appended. The IV is random. Returns
 * IKE_ETOOBIG if w has no room, IKE_EUNSUPP/IKE_EINVAL for bad transforms or
 * key lengths. */
enum ike_err	 sk_encrypt(const struct sk_cipher *c, struct wr *w,
		    const uint8_t *pt, size_t pt_len);

/* sk_encrypt_iv is sk_encrypt with the caller's IV (16 bytes for AES-CBC,
 * 8 otherwise), for known-answer tests. Never re-use an IV with a key. */
enum ike_err	 sk_encrypt_iv(const struct sk_cipher *c, struct wr *w,
		    const uint8_t *iv, const uint8_t *pt, size_t pt_len);

/* sk_decrypt opens the SK body at msg[body_off..msg_len) of a whole IKE
 * message (or SKF fragment message): the AEAD associated data is
 * msg[0..body_off) (IKE header, SK header and, for SKF, its 4 fragment
 * bytes), and an HMAC covers msg[0..msg_len - ICV). It checks the ICV in
 * constant time (IKE_EINTEG), then the pad length (IKE_ESYNTAX), and writes
 * the inner payloads without padding to out, which needs room for the whole
 * ciphertext (IKE_ETOOBIG otherwise). A body too short for IV and ICV gives
 * IKE_ETRUNC. On any error nothing decrypted is left in out. */
enum ike_err	 sk_decrypt(const struct sk_cipher *c, const uint8_t *msg,
		    size_t msg_len, size_t body_off, uint8_t *out, size_t out_cap,
		    size_t *out_len);

#endif
