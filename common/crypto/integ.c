/* SPDX-License-Identifier: ISC */
/* Truncated HMAC and AES-XCBC-MAC-96 for the SK payload and ESP. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/integ.h"
#include "crypto/internal.h"
#include "crypto/keys.h"
#include "crypto/secret.h"
#include "names/ikev2.h"

const char *
integ_digest_name(uint16_t integ, size_t *out_len)
{
	switch (integ) {
	case IKEV2_AUTH_HMAC_SHA1_96:		*out_len = 20; return "SHA1";
	case IKEV2_AUTH_HMAC_SHA2_256_128:	*out_len = 32; return "SHA2-256";
	case IKEV2_AUTH_HMAC_SHA2_384_192:	*out_len = 48; return "SHA2-384";
	case IKEV2_AUTH_HMAC_SHA2_512_256:	*out_len = 64; return "SHA2-512";
	default:				*out_len = 0; return NULL;
	}
}

enum ike_err
integ_init(struct integ *i, uint16_t id, const uint8_t *key, size_t key_len)
{
	const char	*md;
	OSSL_PARAM	 params[2];
	EVP_MAC		*alg;
	size_t		 n;

	memset(i, 0, sizeof(*i));
	if ((i->icv_len = integ_icv_len(id)) == 0)
		return IKE_EUNSUPP;
	if (key == NULL || key_len != integ_key_len(id))
		return IKE_EINVAL;
	i->id = id;
	if (id == IKEV2_AUTH_AES_XCBC_96) {
		memcpy(i->xcbc_key, key, sizeof(i->xcbc_key));
		return IKE_OK;
	}
	md = integ_digest_name(id, &n);
	if ((alg = mac_hmac()) == NULL)
		return crypto_fail("HMAC fetch");
	if ((i->mac = EVP_MAC_CTX_new(alg)) == NULL)
		return IKE_ENOMEM;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(i->mac, key, key_len, params)) {
		integ_free(i);
		return crypto_fail("HMAC init");
	}
	return IKE_OK;
}

enum ike_err
integ_run(struct integ *i, const uint8_t *a, size_t a_len, const uint8_t *b,
    size_t b_len, uint8_t *icv)
{
	uint8_t		 full[64];
	struct iov	 v[2] = { { a, a_len }, { b, b_len } };
	size_t		 n;
	enum ike_err	 e = IKE_OK;

	if (i->icv_len == 0)
		return IKE_EINVAL;
	if (i->id == IKEV2_AUTH_AES_XCBC_96) {
		e = xcbc_mac_v(i->xcbc_key, v, b != NULL ? 2 : 1, full);
	} else if (!EVP_MAC_init(i->mac, NULL, 0, NULL) ||
	    (a_len != 0 && !EVP_MAC_update(i->mac, a, a_len)) ||
	    (b_len != 0 && !EVP_MAC_update(i->mac, b, b_len)) ||
	    !EVP_MAC_final(i->mac, full, &n, sizeof(full)))
		e = crypto_fail("HMAC");
	if (e == IKE_OK)
		memcpy(icv, full, i->icv_len);	/* RFC 4868 2.3: truncate */
	wipe(full, sizeof(full));
	return e;
}

void
integ_free(struct integ *i)
{
	EVP_MAC_CTX_free(i->mac);
	wipe(i, sizeof(*i));
}

enum ike_err
integ_mac(uint16_t id, const uint8_t *key, size_t key_len, const uint8_t *data,
    size_t data_len, uint8_t *icv)
{
	struct integ	 i;
	enum ike_err	 e;

	if ((e = integ_init(&i, id, key, key_len)) != IKE_OK)
		return e;
	e = integ_run(&i, data, data_len, NULL, 0, icv);
	integ_free(&i);
	return e;
}
