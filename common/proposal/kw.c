/* SPDX-License-Identifier: ISC */
/* strongSwan's algorithm keywords (docs.strongswan.org "IKEv2 Cipher Suites") as IKEv2 transforms. */
#include <stdbool.h>
#include <strings.h>

#include "names/ikev2.h"
#include "proposal/internal.h"

#define E(n, id, kl, f)	{ n, IKEV2_XFORM_ENCR, id, kl, f }
#define P(n, id, f)	{ n, IKEV2_XFORM_PRF, id, 0, f }
#define I(n, id, f)	{ n, IKEV2_XFORM_INTEG, id, 0, f }
#define D(n, id, f)	{ n, IKEV2_XFORM_DH, id, 0, f }
#define S(n, id)	{ n, IKEV2_XFORM_ESN, id, 0, 0 }

/* The first keyword of a transform is the one proposal_format prints. */
static const struct prop_kw kws[] = {
	/* encryption: CBC, CTR (RFC 3686, 5930), GCM (RFC 4106, 5282) */
	E("null",		IKEV2_ENCR_NULL,		0,   0),
	E("aes128",		IKEV2_ENCR_AES_CBC,		128, 0),
	E("aes192",		IKEV2_ENCR_AES_CBC,		192, 0),
	E("aes256",		IKEV2_ENCR_AES_CBC,		256, 0),
	E("aes128ctr",		IKEV2_ENCR_AES_CTR,		128, 0),
	E("aes192ctr",		IKEV2_ENCR_AES_CTR,		192, 0),
	E("aes256ctr",		IKEV2_ENCR_AES_CTR,		256, 0),
	E("aes128gcm8",		IKEV2_ENCR_AES_GCM_8,		128, 0),
	E("aes192gcm8",		IKEV2_ENCR_AES_GCM_8,		192, 0),
	E("aes256gcm8",		IKEV2_ENCR_AES_GCM_8,		256, 0),
	E("aes128gcm12",	IKEV2_ENCR_AES_GCM_12,		128, 0),
	E("aes192gcm12",	IKEV2_ENCR_AES_GCM_12,		192, 0),
	E("aes256gcm12",	IKEV2_ENCR_AES_GCM_12,		256, 0),
	E("aes128gcm16",	IKEV2_ENCR_AES_GCM_16,		128, 0),
	E("aes192gcm16",	IKEV2_ENCR_AES_GCM_16,		192, 0),
	E("aes256gcm16",	IKEV2_ENCR_AES_GCM_16,		256, 0),
	E("aes128gcm64",	IKEV2_ENCR_AES_GCM_8,		128, KW_ALIAS),
	E("aes192gcm64",	IKEV2_ENCR_AES_GCM_8,		192, KW_ALIAS),
	E("aes256gcm64",	IKEV2_ENCR_AES_GCM_8,		256, KW_ALIAS),
	E("aes128gcm96",	IKEV2_ENCR_AES_GCM_12,		128, KW_ALIAS),
	E("aes192gcm96",	IKEV2_ENCR_AES_GCM_12,		192, KW_ALIAS),
	E("aes256gcm96",	IKEV2_ENCR_AES_GCM_12,		256, KW_ALIAS),
	E("aes128gcm128",	IKEV2_ENCR_AES_GCM_16,		128, KW_ALIAS),
	E("aes192gcm128",	IKEV2_ENCR_AES_GCM_16,		192, KW_ALIAS),
	E("aes256gcm128",	IKEV2_ENCR_AES_GCM_16,		256, KW_ALIAS),
	/* RFC 7634: no Key Length attribute */
	E("chacha20poly1305",	IKEV2_ENCR_CHACHA20_POLY1305,	0,   0),
	E("des",		IKEV2_ENCR_DES,			0,   KW_WEAK),
	E("3des",		IKEV2_ENCR_3DES,		0,   KW_WEAK),

	/* integrity: HMAC-SHA1-96 (RFC 2404), HMAC-SHA2 (RFC 4868), XCBC */
	I("sha1",		IKEV2_AUTH_HMAC_SHA1_96,	0),
	I("sha",		IKEV2_AUTH_HMAC_SHA1_96,	KW_ALIAS),
	I("sha256",		IKEV2_AUTH_HMAC_SHA2_256_128,	0),
	I("sha2_256",		IKEV2_AUTH_HMAC_SHA2_256_128,	KW_ALIAS),
	I("sha384",		IKEV2_AUTH_HMAC_SHA2_384_192,	0),
	I("sha2_384",		IKEV2_AUTH_HMAC_SHA2_384_192,	KW_ALIAS),
	I("sha512",		IKEV2_AUTH_HMAC_SHA2_512_256,	0),
	I("sha2_512",		IKEV2_AUTH_HMAC_SHA2_512_256,	KW_ALIAS),
	I("aesxcbc",		IKEV2_AUTH_AES_XCBC_96,		0),
	I("md5",		IKEV2_AUTH_HMAC_MD5_96,		KW_WEAK),

	/* PRF */
	P("prfsha1",		IKEV2_PRF_HMAC_SHA1,		0),
	P("prfsha256",		IKEV2_PRF_HMAC_SHA2_256,	0),
	P("prfsha384",		IKEV2_PRF_HMAC_SHA2_384,	0),
	P("prfsha512",		IKEV2_PRF_HMAC_SHA2_512,	0),
	P("prfaesxcbc",		IKEV2_PRF_AES128_XCBC,		0),
	P("prfaescmac",		IKEV2_PRF_AES128_CMAC,		0),
	P("prfmd5",		IKEV2_PRF_HMAC_MD5,		KW_WEAK),

	/* DH: MODP (RFC 3526), ECP (RFC 5903), Curve25519/448 (RFC 8031) */
	D("modp2048",		IKEV2_DH_MODP_2048,		0),
	D("modp3072",		IKEV2_DH_MODP_3072,		0),
	D("modp4096",		IKEV2_DH_MODP_4096,		0),
	D("ecp256",		IKEV2_DH_ECP_256,		0),
	D("ecp384",		IKEV2_DH_ECP_384,		0),
	D("ecp521",		IKEV2_DH_ECP_521,		0),
	D("x25519",		IKEV2_DH_CURVE25519,		0),
	D("curve25519",		IKEV2_DH_CURVE25519,		KW_ALIAS),
	D("x448",		IKEV2_DH_CURVE448,		0),
	D("curve448",		IKEV2_DH_CURVE448,		KW_ALIAS),
	D("modp768",		IKEV2_DH_MODP_768,		KW_WEAK),
	D("modp1024",		IKEV2_DH_MODP_1024,		KW_WEAK),
	D("modp1536",		IKEV2_DH_MODP_1536,		KW_WEAK),
	D("modp6144",		IKEV2_DH_MODP_6144,		KW_UNIMPL),
	D("modp8192",		IKEV2_DH_MODP_8192,		KW_UNIMPL),

	/* Extended Sequence Numbers (RFC 4303 2.2.1) */
	S("esn",		IKEV2_ESN_YES),
	S("noesn",		IKEV2_ESN_NO),
};

const struct prop_kw *
prop_kw_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (strncasecmp(kws[i].name, name, len) == 0 &&
		    kws[i].name[len] == '\0')
			return &kws[i];
	return NULL;
}

const char *
prop_kw_name(uint8_t type, uint16_t id, uint16_t key_len)
{
	size_t i;

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (kws[i].type == type && kws[i].id == id &&
		    kws[i].key_len == key_len && !(kws[i].flags & KW_ALIAS))
			return kws[i].name;
	return NULL;
}
