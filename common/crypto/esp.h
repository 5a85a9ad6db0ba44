/* SPDX-License-Identifier: ISC */
/* ESP packet protection (RFC 4303) with AES-GCM (RFC 4106), ChaCha20-Poly1305 (RFC 7634), AES-CBC/CTR + HMAC (RFC 4868). */
#ifndef IKEKIT_CRYPTO_ESP_H
#define IKEKIT_CRYPTO_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/integ.h"

enum {
	ESP_SPI_SEQ_LEN = 8,		/* SPI | sequence number */
	ESP_TRAILER_LEN = 2,		/* Pad Length | Next Header */
	ESP_IV_MAX_LEN = 16,
};

/* One ESP SA (one direction on the wire; it can both seal and open, which
 * tests and loopback use). The EVP contexts are made once by esp_sa_init so
 * that esp_seal/esp_open allocate nothing (except with AES-XCBC). */
struct esp_sa {
	uint32_t	 spi;
	uint16_t	 encr, keybits, integ;
	bool		 esn, aead;
	size_t		 iv_len, block_len, icv_len;
	struct aead	 seal_aead, open_aead;
	struct cipher	 seal_cipher, open_cipher;
	struct integ	 mac;
};

/* esp_sa_init sets sa up for spi with cipher encr (AES-GCM-8/12/16,
 * ChaCha20-Poly1305, AES-CBC, AES-CTR or NULL) and integrity integ (NONE for
 * the AEADs). ekey includes the 4-byte salt (AEADs) or nonce (CTR); keybits
 * 0 means "as ekey_len says". esn selects 64-bit extended sequence numbers
 * (RFC 4303 2.2.1). Returns IKE_EUNSUPP for an unsupported combination,
 * IKE_EINVAL for wrong key lengths. Free with esp_sa_free, also on error. */
enum ike_err	 esp_sa_init(struct esp_sa *sa, uint32_t spi, uint16_t encr,
		    uint16_t keybits, uint16_t integ, const uint8_t *ekey,
		    size_t ekey_len, const uint8_t *akey, size_t akey_len, bool esn);

/* esp_sa_free frees the contexts and wipes sa. */
void	 esp_sa_free(struct esp_sa *sa);

/* esp_sealed_len returns the length of the ESP packet (SPI to ICV) that
 * esp_seal makes of in_len bytes. */
size_t	 esp_sealed_len(const struct esp_sa *sa, size_t in_len);

/* esp_seal writes SPI | seq | IV | ciphertext | ICV for the in_len bytes at
 * in with Next Header next_hdr to out (esp_sealed_len bytes; IKE_ETOOBIG if
 * cap is smaller). Padding is 1, 2, 3, ... to a 4-byte (CBC: 16-byte)
 * boundary. The IV is the 64-bit sequence number for AES-GCM, ChaCha20 and
 * AES-CTR (RFC 4106 3.1, RFC 7634 2) and random for AES-CBC. seq is the
 * full (64-bit with ESN) sequence number; its low 32 bits go on the wire.
 * in may be out + ESP_SPI_SEQ_LEN + iv_len (sealing in place). */
enum ike_err	 esp_seal(struct esp_sa *sa, uint64_t seq, uint8_t next_hdr,
		    const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
		    size_t *out_len);

/* esp_seal_iv is esp_seal with a caller-chosen IV (iv_len bytes), for
 * known-answer tests and other IV schemes. */
enum ike_err	 esp_seal_iv(struct esp_sa *sa, uint64_t seq, uint8_t next_hdr,
		    const uint8_t *iv, const uint8_t *in, size_t in_len, uint8_t *out,
		    size_t cap, size_t *out_len);

/* esp_open checks and decrypts the ESP packet pkt (from the SPI on, len
 * bytes): IKE_ENOKEY if the SPI is not sa's, IKE_ETRUNC if too short,
 * IKE_EINTEG if the ICV (checked in constant time) does not match,
 * IKE_ESYNTAX for a bad length or pad length. With ESN, seq_hi is the high
 * half of the sequence number the caller infers (RFC 4303 A2); it is ignored
 * otherwise. Writes the inner packet (without padding and trailer) to out,
 * which needs room for the whole ciphertext, and its Next Header to
 * *next_hdr. On error nothing decrypted is left in out. */
enum ike_err	 esp_open(struct esp_sa *sa, const uint8_t *pkt, size_t len,
		    uint32_t seq_hi, uint8_t *out, size_t cap, size_t *out_len,
		    uint8_t *next_hdr);

#endif
