/* SPDX-License-Identifier: ISC */
/* Unit tests for crypto/mschap: the worked examples of RFC 2759 9.2 and RFC 3079 3.5.3. */
#include <string.h>

#include "test.h"
#include "crypto/mschap.h"

/* RFC 2759 9.2 (RFC 3079 3.5 uses the same) */
static const uint8_t auth_challenge[16] = {
	0x5b, 0x5d, 0x7c, 0x7d, 0x7b, 0x3f, 0x2f, 0x3e,
	0x3c, 0x2c, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28,
};
static const uint8_t peer_challenge[16] = {
	0x21, 0x40, 0x23, 0x24, 0x25, 0x5e, 0x26, 0x2a,
	0x28, 0x29, 0x5f, 0x2b, 0x3a, 0x33, 0x7c, 0x7e,
};
static const uint8_t nt_response[24] = {
	0x82, 0x30, 0x9e, 0xcd, 0x8d, 0x70, 0x8b, 0x5e,
	0xa0, 0x8f, 0xaa, 0x39, 0x81, 0xcd, 0x83, 0x54,
	0x42, 0x33, 0x11, 0x4a, 0x3d, 0x85, 0xd6, 0xdf,
};

TEST(mschap_rfc2759_nt_response)
{
	uint8_t	 out[MSCHAP_NT_RESPONSE_LEN];

	ASSERT_EQ(mschap_nt_response(auth_challenge, peer_challenge, "User",
	    "clientPass", out), IKE_OK);
	ASSERT_MEM(out, nt_response, sizeof(out));
}

TEST(mschap_rfc2759_authenticator_response)
{
	char	 out[MSCHAP_AUTH_RESP_LEN + 1];

	ASSERT_EQ(mschap_auth_response("clientPass", nt_response,
	    peer_challenge, auth_challenge, "User", out), IKE_OK);
	ASSERT(strcmp(out, "S=407A5589115FD0D6209F510FE9C04566932CDA56") == 0);
}

/* RFC 3079 3.5.3: MasterKey; SendStartKey128 is the authenticator's send
 * key (the MSK's second half); the first half, its receive key, is the
 * same derivation with the other constant */
TEST(mschap_rfc3079_keys)
{
	static const uint8_t master_kat[16] = {
		0xfd, 0xec, 0xe3, 0x71, 0x7a, 0x8c, 0x83, 0x8c,
		0xb3, 0x88, 0xe5, 0x27, 0xae, 0x3c, 0xdd, 0x31,
	};
	static const uint8_t send_kat[16] = {
		0x8b, 0x7c, 0xdc, 0x14, 0x9b, 0x99, 0x3a, 0x1b,
		0xa1, 0x18, 0xcb, 0x15, 0x3f, 0x56, 0xdc, 0xcb,
	};
	static const uint8_t recv_kat[16] = {
		0xd5, 0xf0, 0xe9, 0x52, 0x1e, 0x3e, 0xa9, 0x58,
		0x96, 0x45, 0xe8, 0x60, 0x51, 0xc8, 0x22, 0x26,
	};
	static const uint8_t zero[32];
	uint8_t	 master[16], msk[MSCHAP_MSK_LEN];

	ASSERT_EQ(mschap_master_key("clientPass", nt_response, master), IKE_OK);
	ASSERT_MEM(master, master_kat, sizeof(master));
	ASSERT_EQ(mschap_msk("clientPass", nt_response, msk), IKE_OK);
	ASSERT_MEM(msk, recv_kat, 16);
	ASSERT_MEM(msk + 16, send_kat, 16);
	ASSERT_MEM(msk + 32, zero, 32);
}

/* UTF-8 passwords: the BMP is taken, anything else refused */
TEST(mschap_password_utf8)
{
	uint8_t	 a[MSCHAP_NT_RESPONSE_LEN], b[MSCHAP_NT_RESPONSE_LEN];
	char	 long_pw[300];

	ASSERT_EQ(mschap_nt_response(auth_challenge, peer_challenge, "User",
	    "p\xc3\xa4ss\xe2\x82\xac", a), IKE_OK);
	ASSERT_EQ(mschap_nt_response(auth_challenge, peer_challenge, "User",
	    "pass", b), IKE_OK);
	ASSERT(memcmp(a, b, sizeof(a)) != 0);
	ASSERT_EQ(mschap_nt_response(auth_challenge, peer_challenge, "User",
	    "\xf0\x9f\x94\x91", a), IKE_EINVAL);	/* outside the BMP */
	ASSERT_EQ(mschap_nt_response(auth_challenge, peer_challenge, "User",
	    "\xc3", a), IKE_EINVAL);			/* cut short */
	memset(long_pw, 'x', sizeof(long_pw) - 1);
	long_pw[sizeof(long_pw) - 1] = '\0';
	ASSERT_EQ(mschap_nt_response(auth_challenge, peer_challenge, "User",
	    long_pw, a), IKE_EINVAL);
	long_pw[256] = '\0';
	ASSERT_EQ(mschap_nt_response(auth_challenge, peer_challenge, "User",
	    long_pw, a), IKE_OK);
}
