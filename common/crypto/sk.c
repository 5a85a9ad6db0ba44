/* SPDX-License-Identifier: ISC */
/* SK payload encryption and decryption for AEADs and for AES-CBC/CTR + HMAC/XCBC. */
#include <string.h>

#include "base/log.h"
#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/integ.h"
#include "crypto/keys.h"
#include "crypto/secret.h"
#include "crypto/sk.h"
#include "names/ikev2.h"

/* The shape of an SK body for one transform set. */
struct sk_shape {
	size_t	 iv_len, block_len, icv_len;
	bool	 aead;
};

static enum ike_err
sk_shape(const struct sk_cipher *c, struct sk_shape *s)
{
	switch (c->encr) {
	case IKEV2_ENCR_AES_CBC:
	case IKEV2_ENCR_AES_CTR:
	case IKEV2_ENCR_AES_GCM_8:
	case IKEV2_ENCR_AES_GCM_12:
	case IKEV2_ENCR_AES_GCM_16:
	case IKEV2_ENCR_CHACHA20_POLY1305:
		break;
	default:
		return IKE_EUNSUPP;
	}
	/* with keybits 0, aead_init/cipher_init judge ekey_len alone */
	if (c->keybits != 0 && !encr_supported(c->encr, c->keybits))
		return IKE_EUNSUPP;
	if (c->keybits != 0 && encr_key_len(c->encr, c->keybits) != c->ekey_len)
		return IKE_EINVAL;
	s->aead = encr_is_aead(c->encr);
	if (s->aead) {
		if (c->integ != IKEV2_AUTH_NONE)
			return IKE_EUNSUPP;
		s->iv_len = AEAD_IV_LEN;
		s->block_len = 1;
		s->icv_len = c->encr == IKEV2_ENCR_AES_GCM_8 ? 8 :
		    c->encr == IKEV2_ENCR_AES_GCM_12 ? 12 : 16;
	} else {
		if ((s->icv_len = integ_icv_len(c->integ)) == 0)
			return IKE_EUNSUPP;
		s->iv_len = c->encr == IKEV2_ENCR_AES_CBC ? CBC_IV_LEN : CTR_IV_LEN;
		s->block_len = c->encr == IKEV2_ENCR_AES_CBC ? 16 : 1;
	}
	return IKE_OK;
}

/* pad_len returns the padding after pt_len bytes and the pad-length byte. */
static size_t
pad_len(const struct sk_shape *s, size_t pt_len)
{
	return (s->block_len - (pt_len + 1) % s->block_len) % s->block_len;
}

size_t
sk_sealed_len(const struct sk_cipher *c, size_t pt_len)
{
	struct sk_shape	 s;

	if (sk_shape(c, &s) != IKE_OK)
		return 0;
	return s.iv_len + pt_len + pad_len(&s, pt_len) + 1 + s.icv_len;
}

enum ike_err
sk_encrypt(const struct sk_cipher *c, struct wr *w, const uint8_t *pt,
    size_t pt_len)
{
	uint8_t	 iv[CBC_IV_LEN];

	/* RFC 7296 3.14: the IV MUST be unpredictable for CBC; RFC 5282 and
	 * RFC 7634 only need it unique per key: 64 random bits do both. */
	rand_bytes(iv, sizeof(iv));
	return sk_encrypt_iv(c, w, iv, pt, pt_len);
}

enum ike_err
sk_encrypt_iv(const struct sk_cipher *c, struct wr *w, const uint8_t *iv,
    const uint8_t *pt, size_t pt_len)
{
	struct sk_shape	 s;
	struct aead	 a;
	struct cipher	 ci;
	struct integ	 in;
	enum ike_err	 e;
	size_t		 start, total, ct_len, pad;
	uint8_t		*body, *ct;

	if ((e = sk_shape(c, &s)) != IKE_OK)
		return e;
	if (pt == NULL && pt_len != 0)
		return IKE_EINVAL;
	pad = pad_len(&s, pt_len);
	ct_len = pt_len + pad + 1;
	total = s.iv_len + ct_len + s.icv_len;
	start = w->len;
	(void)wr_hole(w, total);
	if (!wr_ok(w) || (body = wr_ptr(w, start, total)) == NULL)
		return IKE_ETOOBIG;
	memcpy(body, iv, s.iv_len);
	ct = body + s.iv_len;
	if (pt_len != 0)
		memmove(ct, pt, pt_len);
	/* RFC 7296 3.14: padding of any value, then the Pad Length octet */
	memset(ct + pt_len, 0, pad);
	ct[pt_len + pad] = (uint8_t)pad;

	if (s.aead) {
		if ((e = aead_init(&a, c->encr, c->ekey, c->ekey_len, true)) ==
		    IKE_OK) {
			/* AAD = IKE header | SK header (RFC 5282 5.1) */
			e = aead_seal(&a, iv, w->buf, start, ct, ct_len, ct,
			    ct + ct_len);
			aead_free(&a);
		}
	} else {
		if ((e = cipher_init(&ci, c->encr, c->ekey, c->ekey_len, true)) ==
		    IKE_OK) {
			e = cipher_run(&ci, iv, ct, ct_len, ct);
			cipher_free(&ci);
		}
		/* ICV over the whole message up to the ICV itself */
		if (e == IKE_OK && (e = integ_init(&in, c->integ, c->akey,
		    c->akey_len)) == IKE_OK) {
			e = integ_run(&in, w->buf, start + s.iv_len + ct_len, NULL,
			    0, ct + ct_len);
			integ_free(&in);
		}
	}
	if (e != IKE_OK) {
		wipe(body, total);
		w->len = start;
	}
	return e;
}

enum ike_err
sk_decrypt(const struct sk_cipher *c, const uint8_t *msg, size_t msg_len,
    size_t body_off, uint8_t *out, size_t out_cap, size_t *out_len)
{
	struct sk_shape	 s;
	struct aead	 a;
	struct cipher	 ci;
	struct integ	 in;
	uint8_t		 icv[INTEG_ICV_MAX_LEN];
	const uint8_t	*iv, *ct, *want;
	size_t		 body_len, ct_len, pad;
	enum ike_err	 e;

	if ((e = sk_shape(c, &s)) != IKE_OK)
		return e;
	if (msg == NULL || body_off > msg_len)
		return IKE_EINVAL;
	body_len = msg_len - body_off;
	if (body_len < s.iv_len + 1 + s.icv_len)
		return IKE_ETRUNC;
	ct_len = body_len - s.iv_len - s.icv_len;
	if (ct_len % s.block_len != 0)
		return IKE_ESYNTAX;
	if (out_cap < ct_len)
		return IKE_ETOOBIG;
	iv = msg + body_off;
	ct = iv + s.iv_len;
	want = ct + ct_len;

	if (s.aead) {
		if ((e = aead_init(&a, c->encr, c->ekey, c->ekey_len, false)) !=
		    IKE_OK)
			return e;
		e = aead_open(&a, iv, msg, body_off, ct, ct_len, want, out);
		aead_free(&a);
	} else {
		/* encrypt-then-MAC: check the ICV before decrypting */
		if ((e = integ_init(&in, c->integ, c->akey, c->akey_len)) != IKE_OK)
			return e;
		e = integ_run(&in, msg, msg_len - s.icv_len, NULL, 0, icv);
		integ_free(&in);
		if (e == IKE_OK && !ct_eq(icv, want, s.icv_len))
			e = IKE_EINTEG;
		if (e == IKE_OK && (e = cipher_init(&ci, c->encr, c->ekey,
		    c->ekey_len, false)) == IKE_OK) {
			e = cipher_run(&ci, iv, ct, ct_len, out);
			cipher_free(&ci);
		}
	}
	if (e == IKE_EINTEG)
		log_debug("sk: ICV mismatch");
	if (e == IKE_OK) {
		pad = out[ct_len - 1];
		if (pad + 1 > ct_len) {
			log_debug("sk: pad length %zu > %zu", pad, ct_len - 1);
			e = IKE_ESYNTAX;
		} else
			*out_len = ct_len - pad - 1;
	}
	if (e != IKE_OK)
		wipe(out, ct_len);
	return e;
}
