/* SPDX-License-Identifier: ISC */
/* MS-CHAPv2 (RFC 2759 8) and the MPPE master keys of RFC 3079 3 that EAP-MSCHAPv2's MSK is made of. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "crypto/hash.h"
#include "crypto/internal.h"
#include "crypto/mschap.h"
#include "crypto/secret.h"

/* RFC 2759 8.7 and RFC 3079 3.4: the constants hashed in */
static const char magic_sign[] = "Magic server to client signing constant";
static const char magic_pad[] = "Pad to make it do more than one iteration";
static const char magic_master[] = "This is the MPPE Master Key";
static const char magic_client_send[] = "On the client side, this is the send "
    "key; on the server side, it is the receive key.";
static const char magic_client_recv[] = "On the client side, this is the "
    "receive key; on the server side, it is the send key.";

/* legacy returns a library context with OpenSSL's legacy provider (MD4,
 * DES) beside the default one, made once; NULL if it cannot be loaded.
 * A context of its own keeps legacy algorithms out of every other fetch. */
static OSSL_LIB_CTX *
legacy(void)
{
	static OSSL_LIB_CTX	*ctx;
	static bool		 tried;

	if (!tried) {
		tried = true;
		if ((ctx = OSSL_LIB_CTX_new()) != NULL &&
		    (OSSL_PROVIDER_load(ctx, "legacy") == NULL ||
		    OSSL_PROVIDER_load(ctx, "default") == NULL)) {
			OSSL_LIB_CTX_free(ctx);
			ctx = NULL;
		}
	}
	return ctx;
}

/* digest hashes the n parts (pointer, length pairs) with algorithm alg of
 * ctx (NULL: the default context) into out. */
static enum ike_err
digest(OSSL_LIB_CTX *ctx, const char *alg, uint8_t *out, size_t n, ...)
{
	EVP_MD		*md;
	EVP_MD_CTX	*c;
	va_list		 ap;
	const void	*p;
	size_t		 i, len;
	bool		 ok;

	if ((md = EVP_MD_fetch(ctx, alg, NULL)) == NULL)
		return ctx != NULL ? IKE_EUNSUPP : crypto_fail(alg);
	if ((c = EVP_MD_CTX_new()) == NULL) {
		EVP_MD_free(md);
		return IKE_ENOMEM;
	}
	ok = EVP_DigestInit_ex(c, md, NULL) == 1;
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		p = va_arg(ap, const void *);
		len = va_arg(ap, size_t);
		ok = ok && EVP_DigestUpdate(c, p, len) == 1;
	}
	va_end(ap);
	ok = ok && EVP_DigestFinal_ex(c, out, NULL) == 1;
	EVP_MD_CTX_free(c);
	EVP_MD_free(md);
	return ok ? IKE_OK : crypto_fail(alg);
}

/* nt_hash is NtPasswordHash: MD4 of the password in UTF-16LE (RFC 2759
 * 8.3); the password is UTF-8 of the Basic Multilingual Plane. */
static enum ike_err
nt_hash(const char *password, uint8_t out[MSCHAP_HASH_LEN])
{
	uint8_t		 u16[2 * MSCHAP_PASSWORD_MAX];
	const uint8_t	*s = (const uint8_t *)password;
	size_t		 n = 0;
	uint32_t	 c;
	int		 more;
	enum ike_err	 e;

	while (*s != '\0') {
		if (n == sizeof(u16))
			return IKE_EINVAL;
		c = *s++;
		more = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 :
		    (c & 0xf0) == 0xe0 ? 2 : -1;
		if (more < 0)
			return IKE_EINVAL;	/* past the BMP, or not UTF-8 */
		c &= more == 0 ? 0x7f : more == 1 ? 0x1f : 0x0f;
		for (; more > 0; more--) {
			if ((*s & 0xc0) != 0x80)
				return IKE_EINVAL;
			c = c << 6 | (*s++ & 0x3f);
		}
		u16[n++] = (uint8_t)c;
		u16[n++] = (uint8_t)(c >> 8);
	}
	if (legacy() == NULL)
		return IKE_EUNSUPP;
	e = digest(legacy(), "MD4", out, 1, u16, n);
	wipe(u16, sizeof(u16));
	return e;
}

/* challenge_hash is ChallengeHash (RFC 2759 8.2): the first 8 bytes of
 * SHA-1(peer challenge | authenticator challenge | user name). */
static enum ike_err
challenge_hash(const uint8_t *peer, const uint8_t *auth, const char *user,
    uint8_t out[8])
{
	uint8_t		 d[SHA1_LEN];
	enum ike_err	 e;

	if ((e = digest(NULL, "SHA1", d, 3, peer, (size_t)MSCHAP_CHALLENGE_LEN,
	    auth, (size_t)MSCHAP_CHALLENGE_LEN, user, strlen(user))) == IKE_OK)
		memcpy(out, d, 8);
	return e;
}

/* des_block encrypts the 8-byte block in under the 7 key bytes k (a DES
 * key without its parity bits, RFC 2759 8.6) into out. */
static enum ike_err
des_block(const uint8_t k[7], const uint8_t in[8], uint8_t out[8])
{
	uint8_t		 key[8];
	EVP_CIPHER	*des;
	EVP_CIPHER_CTX	*c;
	uint64_t	 bits = 0;
	int		 i, len = 0;
	bool		 ok;

	/* 56 bits, 7 to a byte above its (unused) parity bit */
	for (i = 0; i < 7; i++)
		bits = bits << 8 | k[i];
	for (i = 0; i < 8; i++)
		key[i] = (uint8_t)((bits >> (49 - 7 * i) & 0x7f) << 1);
	if (legacy() == NULL || (des = EVP_CIPHER_fetch(legacy(), "DES-ECB",
	    NULL)) == NULL)
		return IKE_EUNSUPP;
	if ((c = EVP_CIPHER_CTX_new()) == NULL) {
		EVP_CIPHER_free(des);
		return IKE_ENOMEM;
	}
	ok = EVP_EncryptInit_ex(c, des, NULL, key, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
	    EVP_EncryptUpdate(c, out, &len, in, 8) == 1 && len == 8;
	EVP_CIPHER_CTX_free(c);
	EVP_CIPHER_free(des);
	wipe(key, sizeof(key));
	return ok ? IKE_OK : crypto_fail("DES-ECB");
}

/* challenge_response is ChallengeResponse (RFC 2759 8.5): the challenge
 * encrypted under the three 7-byte thirds of the zero-padded hash. */
static enum ike_err
challenge_response(const uint8_t challenge[8],
    const uint8_t hash[MSCHAP_HASH_LEN], uint8_t out[MSCHAP_NT_RESPONSE_LEN])
{
	uint8_t		 z[21];
	enum ike_err	 e = IKE_OK;
	int		 i;

	memset(z, 0, sizeof(z));
	memcpy(z, hash, MSCHAP_HASH_LEN);
	for (i = 0; i < 3 && e == IKE_OK; i++)
		e = des_block(z + 7 * i, challenge, out + 8 * i);
	wipe(z, sizeof(z));
	return e;
}

enum ike_err
mschap_nt_response(const uint8_t *auth_challenge, const uint8_t *peer_challenge,
    const char *user, const char *password, uint8_t out[MSCHAP_NT_RESPONSE_LEN])
{
	uint8_t		 ch[8], h[MSCHAP_HASH_LEN];
	enum ike_err	 e;

	if ((e = challenge_hash(peer_challenge, auth_challenge, user, ch)) ==
	    IKE_OK && (e = nt_hash(password, h)) == IKE_OK)
		e = challenge_response(ch, h, out);
	wipe(h, sizeof(h));
	return e;
}

/* hash_hash is HashNtPasswordHash: MD4(NtPasswordHash(password)). */
static enum ike_err
hash_hash(const char *password, uint8_t out[MSCHAP_HASH_LEN])
{
	uint8_t		 h[MSCHAP_HASH_LEN];
	enum ike_err	 e;

	if ((e = nt_hash(password, h)) == IKE_OK)
		e = digest(legacy(), "MD4", out, 1, h, sizeof(h));
	wipe(h, sizeof(h));
	return e;
}

enum ike_err
mschap_auth_response(const char *password, const uint8_t *nt_response,
    const uint8_t *peer_challenge, const uint8_t *auth_challenge,
    const char *user, char out[MSCHAP_AUTH_RESP_LEN + 1])
{
	uint8_t		 hh[MSCHAP_HASH_LEN], d[SHA1_LEN], ch[8];
	enum ike_err	 e;
	size_t		 i;

	if ((e = hash_hash(password, hh)) == IKE_OK &&
	    (e = digest(NULL, "SHA1", d, 3, hh, sizeof(hh), nt_response,
	    (size_t)MSCHAP_NT_RESPONSE_LEN, magic_sign,
	    sizeof(magic_sign) - 1)) == IKE_OK &&
	    (e = challenge_hash(peer_challenge, auth_challenge, user, ch)) ==
	    IKE_OK &&
	    (e = digest(NULL, "SHA1", d, 3, d, sizeof(d), ch, sizeof(ch),
	    magic_pad, sizeof(magic_pad) - 1)) == IKE_OK) {
		out[0] = 'S';
		out[1] = '=';
		for (i = 0; i < sizeof(d); i++)
			snprintf(out + 2 + 2 * i, 3, "%02X", d[i]);
	}
	wipe(hh, sizeof(hh));
	return e;
}

enum ike_err
mschap_master_key(const char *password, const uint8_t *nt_response,
    uint8_t out[16])
{
	uint8_t		 hh[MSCHAP_HASH_LEN], d[SHA1_LEN];
	enum ike_err	 e;

	if ((e = hash_hash(password, hh)) == IKE_OK &&
	    (e = digest(NULL, "SHA1", d, 3, hh, sizeof(hh), nt_response,
	    (size_t)MSCHAP_NT_RESPONSE_LEN, magic_master,
	    sizeof(magic_master) - 1)) == IKE_OK)
		memcpy(out, d, 16);
	wipe(hh, sizeof(hh));
	wipe(d, sizeof(d));
	return e;
}

/* start_key is GetAsymmetricStartKey (RFC 3079 3.4) for a 128-bit key:
 * SHA-1(master | 40 x 0x00 | magic | 40 x 0xf2), its first 16 bytes. */
static enum ike_err
start_key(const uint8_t master[16], const char *magic, uint8_t out[16])
{
	uint8_t		 pad1[40], pad2[40], d[SHA1_LEN];
	enum ike_err	 e;

	memset(pad1, 0x00, sizeof(pad1));
	memset(pad2, 0xf2, sizeof(pad2));
	if ((e = digest(NULL, "SHA1", d, 4, master, (size_t)16, pad1,
	    sizeof(pad1), magic, strlen(magic), pad2, sizeof(pad2))) == IKE_OK)
		memcpy(out, d, 16);
	wipe(d, sizeof(d));
	return e;
}

enum ike_err
mschap_msk(const char *password, const uint8_t *nt_response,
    uint8_t out[MSCHAP_MSK_LEN])
{
	uint8_t		 master[16];
	enum ike_err	 e;

	memset(out, 0, MSCHAP_MSK_LEN);
	/* the authenticator's receive key (the client's send key), then its
	 * send key */
	if ((e = mschap_master_key(password, nt_response, master)) == IKE_OK &&
	    (e = start_key(master, magic_client_send, out)) == IKE_OK)
		e = start_key(master, magic_client_recv, out + 16);
	if (e != IKE_OK)
		wipe(out, MSCHAP_MSK_LEN);
	wipe(master, sizeof(master));
	return e;
}
