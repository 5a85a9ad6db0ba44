/* SPDX-License-Identifier: ISC */
/* ESP seal/open on per-SA EVP contexts, allocation-free per packet. */
#include <string.h>

#include "base/log.h"
#include "crypto/esp.h"
#include "crypto/keys.h"
#include "crypto/secret.h"
#include "names/ikev2.h"

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

enum ike_err
esp_sa_init(struct esp_sa *sa, uint32_t spi, uint16_t encr, uint16_t keybits,
    uint16_t integ, const uint8_t *ekey, size_t ekey_len, const uint8_t *akey,
    size_t akey_len, bool esn)
{
	enum ike_err	 e;

	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	sa->encr = encr;
	sa->keybits = keybits;
	sa->integ = integ;
	sa->esn = esn;
	sa->aead = encr_is_aead(encr);
	if (keybits != 0 && !encr_supported(encr, keybits))
		return IKE_EUNSUPP;
	if (keybits != 0 && encr_key_len(encr, keybits) != ekey_len)
		return IKE_EINVAL;
	if (sa->aead) {
		if (integ != IKEV2_AUTH_NONE)
			return IKE_EUNSUPP;
		sa->iv_len = AEAD_IV_LEN;
		sa->block_len = 4;
		if ((e = aead_init(&sa->seal_aead, encr, ekey, ekey_len, true)) !=
		    IKE_OK ||
		    (e = aead_init(&sa->open_aead, encr, ekey, ekey_len, false)) !=
		    IKE_OK)
			return e;
		sa->icv_len = sa->seal_aead.icv_len;
		return IKE_OK;
	}
	/* RFC 4303 3.2: ESP without integrity is not offered here */
	if (integ_icv_len(integ) == 0)
		return IKE_EUNSUPP;
	switch (encr) {
	case IKEV2_ENCR_NULL:
		if (ekey_len != 0)
			return IKE_EINVAL;
		sa->block_len = 4;
		break;
	case IKEV2_ENCR_AES_CBC:
	case IKEV2_ENCR_AES_CTR:
		if ((e = cipher_init(&sa->seal_cipher, encr, ekey, ekey_len,
		    true)) != IKE_OK ||
		    (e = cipher_init(&sa->open_cipher, encr, ekey, ekey_len,
		    false)) != IKE_OK)
			return e;
		sa->iv_len = sa->seal_cipher.iv_len;
		sa->block_len = encr == IKEV2_ENCR_AES_CBC ? 16 : 4;
		break;
	default:
		return IKE_EUNSUPP;
	}
	if ((e = integ_init(&sa->mac, integ, akey, akey_len)) != IKE_OK)
		return e;
	sa->icv_len = sa->mac.icv_len;
	return IKE_OK;
}

void
esp_sa_free(struct esp_sa *sa)
{
	aead_free(&sa->seal_aead);
	aead_free(&sa->open_aead);
	cipher_free(&sa->seal_cipher);
	cipher_free(&sa->open_cipher);
	integ_free(&sa->mac);
	wipe(sa, sizeof(*sa));
}

/* ct_len returns the ciphertext length for in_len bytes: payload, padding
 * to block_len, Pad Length and Next Header (RFC 4303 2.4). */
static size_t
esp_ct_len(const struct esp_sa *sa, size_t in_len)
{
	size_t	 n = in_len + ESP_TRAILER_LEN;

	return n + (sa->block_len - n % sa->block_len) % sa->block_len;
}

size_t
esp_sealed_len(const struct esp_sa *sa, size_t in_len)
{
	return ESP_SPI_SEQ_LEN + sa->iv_len + esp_ct_len(sa, in_len) +
	    sa->icv_len;
}

/* esp_aad builds SPI | [seq_hi |] seq_lo (RFC 4106 5, RFC 7634 2.1). */
static size_t
esp_aad(const struct esp_sa *sa, uint32_t seq_hi, uint32_t seq_lo,
    uint8_t aad[12])
{
	put_be32(aad, sa->spi);
	if (!sa->esn) {
		put_be32(aad + 4, seq_lo);
		return 8;
	}
	put_be32(aad + 4, seq_hi);
	put_be32(aad + 8, seq_lo);
	return 12;
}

enum ike_err
esp_seal_iv(struct esp_sa *sa, uint64_t seq, uint8_t next_hdr,
    const uint8_t *iv, const uint8_t *in, size_t in_len, uint8_t *out,
    size_t cap, size_t *out_len)
{
	uint8_t		 aad[12], hi[4], *ct;
	size_t		 ct_len, pad, i, aad_len, total;
	enum ike_err	 e;

	if (sa->icv_len == 0)
		return IKE_EINVAL;
	if (in_len > cap)
		return IKE_ETOOBIG;
	ct_len = esp_ct_len(sa, in_len);
	total = ESP_SPI_SEQ_LEN + sa->iv_len + ct_len + sa->icv_len;
	if (total > cap)
		return IKE_ETOOBIG;
	ct = out + ESP_SPI_SEQ_LEN + sa->iv_len;
	if (in_len != 0)
		memmove(ct, in, in_len);
	put_be32(out, sa->spi);
	put_be32(out + 4, (uint32_t)seq);
	if (sa->iv_len != 0)
		memcpy(out + ESP_SPI_SEQ_LEN, iv, sa->iv_len);
	/* RFC 4303 2.4: default padding 1, 2, 3, ... */
	pad = ct_len - in_len - ESP_TRAILER_LEN;
	for (i = 0; i < pad; i++)
		ct[in_len + i] = (uint8_t)(i + 1);
	ct[ct_len - 2] = (uint8_t)pad;
	ct[ct_len - 1] = next_hdr;

	if (sa->aead) {
		aad_len = esp_aad(sa, (uint32_t)(seq >> 32), (uint32_t)seq, aad);
		e = aead_seal(&sa->seal_aead, iv, aad, aad_len, ct, ct_len, ct,
		    ct + ct_len);
	} else {
		e = IKE_OK;
		if (sa->encr != IKEV2_ENCR_NULL)
			e = cipher_run(&sa->seal_cipher, iv, ct, ct_len, ct);
		/* ICV over SPI | seq | IV | ciphertext [| seq_hi] (RFC 4303 2.2.1) */
		put_be32(hi, (uint32_t)(seq >> 32));
		if (e == IKE_OK)
			e = integ_run(&sa->mac, out, total - sa->icv_len,
			    sa->esn ? hi : NULL, sa->esn ? 4 : 0, ct + ct_len);
	}
	if (e != IKE_OK) {
		wipe(out, total);
		return e;
	}
	*out_len = total;
	return IKE_OK;
}

enum ike_err
esp_seal(struct esp_sa *sa, uint64_t seq, uint8_t next_hdr, const uint8_t *in,
    size_t in_len, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t		 iv[ESP_IV_MAX_LEN];
	uint64_t	 v = seq;
	int		 i;

	if (sa->encr == IKEV2_ENCR_AES_CBC)
		rand_bytes(iv, CBC_IV_LEN);
	else
		for (i = 7; i >= 0; i--, v >>= 8)
			iv[i] = (uint8_t)v;
	return esp_seal_iv(sa, seq, next_hdr, iv, in, in_len, out, cap, out_len);
}

enum ike_err
esp_open(struct esp_sa *sa, const uint8_t *pkt, size_t len, uint32_t seq_hi,
    uint8_t *out, size_t cap, size_t *out_len, uint8_t *next_hdr)
{
	uint8_t		 aad[12], hi[4], icv[INTEG_ICV_MAX_LEN];
	const uint8_t	*iv, *ct, *want;
	size_t		 ct_len, pad, aad_len;
	enum ike_err	 e;

	if (sa->icv_len == 0)
		return IKE_EINVAL;
	if (len < ESP_SPI_SEQ_LEN + sa->iv_len + ESP_TRAILER_LEN + sa->icv_len)
		return IKE_ETRUNC;
	if (get_be32(pkt) != sa->spi)
		return IKE_ENOKEY;
	ct_len = len - ESP_SPI_SEQ_LEN - sa->iv_len - sa->icv_len;
	if (sa->encr == IKEV2_ENCR_AES_CBC && ct_len % 16 != 0)
		return IKE_ESYNTAX;
	if (cap < ct_len)
		return IKE_ETOOBIG;
	iv = pkt + ESP_SPI_SEQ_LEN;
	ct = iv + sa->iv_len;
	want = ct + ct_len;

	if (sa->aead) {
		aad_len = esp_aad(sa, seq_hi, get_be32(pkt + 4), aad);
		e = aead_open(&sa->open_aead, iv, aad, aad_len, ct, ct_len, want,
		    out);
	} else {
		put_be32(hi, seq_hi);
		e = integ_run(&sa->mac, pkt, len - sa->icv_len,
		    sa->esn ? hi : NULL, sa->esn ? 4 : 0, icv);
		if (e == IKE_OK && !ct_eq(icv, want, sa->icv_len))
			e = IKE_EINTEG;
		if (e == IKE_OK) {
			if (sa->encr == IKEV2_ENCR_NULL)
				memmove(out, ct, ct_len);
			else
				e = cipher_run(&sa->open_cipher, iv, ct, ct_len,
				    out);
		}
	}
	if (e == IKE_OK) {
		/* Padding contents are not checked: the ICV covers them, and
		 * senders differ (RFC 4303 2.4 allows other schemes). */
		pad = out[ct_len - 2];
		if (pad + ESP_TRAILER_LEN > ct_len)
			e = IKE_ESYNTAX;
		else {
			*out_len = ct_len - pad - ESP_TRAILER_LEN;
			*next_hdr = out[ct_len - 1];
		}
	}
	if (e != IKE_OK)
		wipe(out, ct_len);
	return e;
}
