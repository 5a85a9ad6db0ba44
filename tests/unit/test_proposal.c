/* SPDX-License-Identifier: ISC */
/* Unit tests for proposal/: strings <-> SA payloads, selection, checks of a reply. */
#include <string.h>

#include "test.h"
#include "buf/buf.h"
#include "codec/sa_pld.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"

enum { I = IKEV2_PROTO_IKE, E = IKEV2_PROTO_ESP };

/* parse_ok parses s or reports why not; a test helper. */
static int
parse_ok(struct sa_pld *out, uint8_t proto, const char *s)
{
	char		 err[PROPOSAL_ERR_MAX];
	enum ike_err	 e = proposal_parse(out, proto, s, err, sizeof(err));

	if (e != IKE_OK)
		fprintf(stderr, "  parse %s: %s\n", s, err);
	return e == IKE_OK;
}

/* xf compares transform i of p with type, id, key_len. */
static int
xf(const struct sa_prop *p, uint8_t i, uint8_t type, uint16_t id,
    uint16_t key_len)
{
	if (i >= p->n_xforms)
		return 0;
	return p->xforms[i].type == type && p->xforms[i].id == id &&
	    p->xforms[i].key_len == key_len;
}

/* same_prop compares two proposals field by field. */
static int
same_prop(const struct sa_prop *a, const struct sa_prop *b)
{
	uint8_t i;

	if (a->num != b->num || a->proto != b->proto ||
	    a->spi_len != b->spi_len || a->n_xforms != b->n_xforms ||
	    memcmp(a->spi, b->spi, a->spi_len) != 0)
		return 0;
	for (i = 0; i < a->n_xforms; i++)
		if (!xf(b, i, a->xforms[i].type, a->xforms[i].id,
		    a->xforms[i].key_len) ||
		    a->xforms[i].unknown_attr != b->xforms[i].unknown_attr)
			return 0;
	return 1;
}

/* ---- keywords --------------------------------------------------------- */

static const struct {
	const char	*kw;
	uint8_t		 type;
	uint16_t	 id, key_len;
} kws[] = {
	{ "null",		IKEV2_XFORM_ENCR, IKEV2_ENCR_NULL, 0 },
	{ "aes128",		IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 128 },
	{ "aes192",		IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 192 },
	{ "aes256",		IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 256 },
	{ "aes128ctr",		IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CTR, 128 },
	{ "aes192ctr",		IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CTR, 192 },
	{ "aes256ctr",		IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CTR, 256 },
	{ "aes128gcm8",		IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_8, 128 },
	{ "aes192gcm8",		IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_8, 192 },
	{ "aes256gcm8",		IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_8, 256 },
	{ "aes128gcm12",	IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_12, 128 },
	{ "aes192gcm12",	IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_12, 192 },
	{ "aes256gcm12",	IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_12, 256 },
	{ "aes128gcm16",	IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 128 },
	{ "aes192gcm16",	IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 192 },
	{ "aes256gcm16",	IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 256 },
	{ "aes128gcm64",	IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_8, 128 },
	{ "aes256gcm96",	IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_12, 256 },
	{ "aes128gcm128",	IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 128 },
	{ "aes256gcm128",	IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 256 },
	{ "chacha20poly1305",	IKEV2_XFORM_ENCR, IKEV2_ENCR_CHACHA20_POLY1305, 0 },
	{ "AES128",		IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 128 },
	{ "sha1",		IKEV2_XFORM_INTEG, IKEV2_AUTH_HMAC_SHA1_96, 0 },
	{ "sha",		IKEV2_XFORM_INTEG, IKEV2_AUTH_HMAC_SHA1_96, 0 },
	{ "sha256",		IKEV2_XFORM_INTEG, IKEV2_AUTH_HMAC_SHA2_256_128, 0 },
	{ "sha2_256",		IKEV2_XFORM_INTEG, IKEV2_AUTH_HMAC_SHA2_256_128, 0 },
	{ "sha384",		IKEV2_XFORM_INTEG, IKEV2_AUTH_HMAC_SHA2_384_192, 0 },
	{ "sha512",		IKEV2_XFORM_INTEG, IKEV2_AUTH_HMAC_SHA2_512_256, 0 },
	{ "aesxcbc",		IKEV2_XFORM_INTEG, IKEV2_AUTH_AES_XCBC_96, 0 },
	{ "prfsha1",		IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA1, 0 },
	{ "prfsha256",		IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_256, 0 },
	{ "prfsha384",		IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_384, 0 },
	{ "prfsha512",		IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_512, 0 },
	{ "prfaesxcbc",		IKEV2_XFORM_PRF, IKEV2_PRF_AES128_XCBC, 0 },
	{ "prfaescmac",		IKEV2_XFORM_PRF, IKEV2_PRF_AES128_CMAC, 0 },
	{ "modp2048",		IKEV2_XFORM_DH, IKEV2_DH_MODP_2048, 0 },
	{ "modp3072",		IKEV2_XFORM_DH, IKEV2_DH_MODP_3072, 0 },
	{ "modp4096",		IKEV2_XFORM_DH, IKEV2_DH_MODP_4096, 0 },
	{ "ecp256",		IKEV2_XFORM_DH, IKEV2_DH_ECP_256, 0 },
	{ "ecp384",		IKEV2_XFORM_DH, IKEV2_DH_ECP_384, 0 },
	{ "ecp521",		IKEV2_XFORM_DH, IKEV2_DH_ECP_521, 0 },
	{ "x25519",		IKEV2_XFORM_DH, IKEV2_DH_CURVE25519, 0 },
	{ "curve25519",		IKEV2_XFORM_DH, IKEV2_DH_CURVE25519, 0 },
	{ "x448",		IKEV2_XFORM_DH, IKEV2_DH_CURVE448, 0 },
	{ "curve448",		IKEV2_XFORM_DH, IKEV2_DH_CURVE448, 0 },
	{ "esn",		IKEV2_XFORM_ESN, IKEV2_ESN_YES, 0 },
	{ "noesn",		IKEV2_XFORM_ESN, IKEV2_ESN_NO, 0 },
};

TEST(each_keyword)
{
	size_t i;

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		struct sa_pld		 sa;
		const struct sa_xform	*x;
		char			 s[64];
		uint8_t			 proto = E;

		/* wrap each keyword in the smallest valid proposal */
		switch (kws[i].type) {
		case IKEV2_XFORM_ENCR:
			snprintf(s, sizeof(s), "%s%s", kws[i].kw,
			    strstr(kws[i].kw, "gcm") != NULL ||
			    strstr(kws[i].kw, "chacha") != NULL ? "" : "-sha256");
			break;
		case IKEV2_XFORM_INTEG:
			snprintf(s, sizeof(s), "aes128-%s", kws[i].kw);
			break;
		case IKEV2_XFORM_PRF:
			proto = I;
			snprintf(s, sizeof(s), "aes128gcm16-%s-x25519",
			    kws[i].kw);
			break;
		default:
			snprintf(s, sizeof(s), "aes128gcm16-%s", kws[i].kw);
			break;
		}
		if (!parse_ok(&sa, proto, s))
			ASSERT(!"keyword parses");
		ASSERT_EQ(sa.n_props, 1);
		ASSERT((x = sa_prop_find(&sa.props[0], kws[i].type)) != NULL);
		if (x->id != kws[i].id || x->key_len != kws[i].key_len)
			fprintf(stderr, "  keyword %s\n", kws[i].kw);
		ASSERT_EQ(x->id, kws[i].id);
		ASSERT_EQ(x->key_len, kws[i].key_len);
		ASSERT_EQ(sa.props[0].num, 1);
		ASSERT_EQ(sa.props[0].proto, proto);
		ASSERT_EQ(sa.props[0].spi_len, 0);
	}
}

/* ---- the interop matrix's four suites --------------------------------- */

TEST(suite_aes256gcm16_prfsha256_x25519)
{
	struct sa_pld sa;

	ASSERT(parse_ok(&sa, I, "aes256gcm16-prfsha256-x25519"));
	ASSERT_EQ(sa.n_props, 1);
	ASSERT_EQ(sa.props[0].n_xforms, 3);
	ASSERT(xf(&sa.props[0], 0, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 256));
	ASSERT(xf(&sa.props[0], 1, IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_256, 0));
	ASSERT(xf(&sa.props[0], 2, IKEV2_XFORM_DH, IKEV2_DH_CURVE25519, 0));
	ASSERT(proposal_supported(&sa.props[0]));
}

TEST(suite_aes128_sha256_modp2048)
{
	struct sa_pld sa;

	/* no prf keyword: the PRF follows the integrity algorithm */
	ASSERT(parse_ok(&sa, I, "aes128-sha256-modp2048"));
	ASSERT_EQ(sa.props[0].n_xforms, 4);
	ASSERT(xf(&sa.props[0], 0, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 128));
	ASSERT(xf(&sa.props[0], 1, IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_256, 0));
	ASSERT(xf(&sa.props[0], 2, IKEV2_XFORM_INTEG,
	    IKEV2_AUTH_HMAC_SHA2_256_128, 0));
	ASSERT(xf(&sa.props[0], 3, IKEV2_XFORM_DH, IKEV2_DH_MODP_2048, 0));
	ASSERT(proposal_supported(&sa.props[0]));

	/* as ESP: no PRF, ESN NO added */
	ASSERT(parse_ok(&sa, E, "aes128-sha256-modp2048"));
	ASSERT_EQ(sa.props[0].n_xforms, 4);
	ASSERT(xf(&sa.props[0], 0, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 128));
	ASSERT(xf(&sa.props[0], 1, IKEV2_XFORM_INTEG,
	    IKEV2_AUTH_HMAC_SHA2_256_128, 0));
	ASSERT(xf(&sa.props[0], 2, IKEV2_XFORM_DH, IKEV2_DH_MODP_2048, 0));
	ASSERT(xf(&sa.props[0], 3, IKEV2_XFORM_ESN, IKEV2_ESN_NO, 0));
}

TEST(suite_chacha20poly1305_prfsha256_ecp256)
{
	struct sa_pld sa;

	ASSERT(parse_ok(&sa, I, "chacha20poly1305-prfsha256-ecp256"));
	ASSERT_EQ(sa.props[0].n_xforms, 3);
	ASSERT(xf(&sa.props[0], 0, IKEV2_XFORM_ENCR,
	    IKEV2_ENCR_CHACHA20_POLY1305, 0));
	ASSERT(xf(&sa.props[0], 1, IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_256, 0));
	ASSERT(xf(&sa.props[0], 2, IKEV2_XFORM_DH, IKEV2_DH_ECP_256, 0));
	ASSERT(proposal_supported(&sa.props[0]));
}

TEST(suite_aes256gcm16_prfsha384_ecp384)
{
	struct sa_pld sa;

	ASSERT(parse_ok(&sa, I, "aes256gcm16-prfsha384-ecp384"));
	ASSERT_EQ(sa.props[0].n_xforms, 3);
	ASSERT(xf(&sa.props[0], 0, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 256));
	ASSERT(xf(&sa.props[0], 1, IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_384, 0));
	ASSERT(xf(&sa.props[0], 2, IKEV2_XFORM_DH, IKEV2_DH_ECP_384, 0));
	ASSERT(proposal_supported(&sa.props[0]));
}

/* ---- several algorithms, several proposals ---------------------------- */

TEST(several_of_a_kind)
{
	struct sa_pld		 sa;
	const struct sa_prop	*p = &sa.props[0];

	/* order within a kind is kept; kinds are stored in type order */
	ASSERT(parse_ok(&sa, I, "aes128-aes256-sha256-sha384-ecp256-x25519"));
	ASSERT_EQ(p->n_xforms, 8);
	ASSERT(xf(p, 0, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 128));
	ASSERT(xf(p, 1, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 256));
	ASSERT(xf(p, 2, IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_256, 0));
	ASSERT(xf(p, 3, IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_384, 0));
	ASSERT(xf(p, 4, IKEV2_XFORM_INTEG, IKEV2_AUTH_HMAC_SHA2_256_128, 0));
	ASSERT(xf(p, 5, IKEV2_XFORM_INTEG, IKEV2_AUTH_HMAC_SHA2_384_192, 0));
	ASSERT(xf(p, 6, IKEV2_XFORM_DH, IKEV2_DH_ECP_256, 0));
	ASSERT(xf(p, 7, IKEV2_XFORM_DH, IKEV2_DH_CURVE25519, 0));
	/* several of a kind is an offer, not a choice */
	ASSERT(!proposal_supported(p));

	/* the order of kinds in the string does not matter */
	ASSERT(parse_ok(&sa, I, "x25519-sha256-aes128-ecp256-aes256-sha384"));
	ASSERT(xf(p, 0, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 128));
	ASSERT(xf(p, 6, IKEV2_XFORM_DH, IKEV2_DH_CURVE25519, 0));
	ASSERT(xf(p, 7, IKEV2_XFORM_DH, IKEV2_DH_ECP_256, 0));

	/* an explicit PRF stops the PRFs implied by integrity */
	ASSERT(parse_ok(&sa, I, "aes128-sha256-sha384-prfsha512-modp3072"));
	ASSERT_EQ(p->n_xforms, 5);
	ASSERT(xf(p, 1, IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_512, 0));
}

TEST(several_proposals)
{
	struct sa_pld sa;

	ASSERT(parse_ok(&sa, I, " aes256gcm16-prfsha256-x25519 , "
	    "AES128 - SHA256 - MODP2048,aes128-sha1-aesxcbc-ecp521"));
	ASSERT_EQ(sa.n_props, 3);
	ASSERT_EQ(sa.props[0].num, 1);
	ASSERT_EQ(sa.props[1].num, 2);
	ASSERT_EQ(sa.props[2].num, 3);
	ASSERT(xf(&sa.props[0], 0, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 256));
	ASSERT(xf(&sa.props[1], 0, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 128));
	ASSERT(xf(&sa.props[1], 3, IKEV2_XFORM_DH, IKEV2_DH_MODP_2048, 0));
	/* sha1 -> prfsha1, aesxcbc -> prfaesxcbc */
	ASSERT_EQ(sa.props[2].n_xforms, 6);
	ASSERT(xf(&sa.props[2], 1, IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA1, 0));
	ASSERT(xf(&sa.props[2], 2, IKEV2_XFORM_PRF, IKEV2_PRF_AES128_XCBC, 0));
	ASSERT(xf(&sa.props[2], 3, IKEV2_XFORM_INTEG, IKEV2_AUTH_HMAC_SHA1_96, 0));
	ASSERT(xf(&sa.props[2], 4, IKEV2_XFORM_INTEG, IKEV2_AUTH_AES_XCBC_96, 0));
	ASSERT(xf(&sa.props[2], 5, IKEV2_XFORM_DH, IKEV2_DH_ECP_521, 0));
	ASSERT(proposal_supported(&sa.props[0]));
	ASSERT(proposal_supported(&sa.props[1]));
}

TEST(esp_proposals)
{
	struct sa_pld		 sa;
	const struct sa_prop	*p = &sa.props[0];

	ASSERT(parse_ok(&sa, E, "aes256gcm16"));
	ASSERT_EQ(p->proto, E);
	ASSERT_EQ(p->n_xforms, 2);
	ASSERT(xf(p, 0, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 256));
	ASSERT(xf(p, 1, IKEV2_XFORM_ESN, IKEV2_ESN_NO, 0));
	ASSERT(proposal_supported(p));
	ASSERT(!proposal_esn(p));
	ASSERT_EQ(proposal_dh_group(p), 0);

	/* a DH group in ESP: PFS for CREATE_CHILD_SA */
	ASSERT(parse_ok(&sa, E, "aes256gcm16-x25519"));
	ASSERT_EQ(proposal_dh_group(p), IKEV2_DH_CURVE25519);
	ASSERT(proposal_supported(p));

	ASSERT(parse_ok(&sa, E, "aes128-sha256-esn"));
	ASSERT_EQ(p->n_xforms, 3);
	ASSERT(xf(p, 2, IKEV2_XFORM_ESN, IKEV2_ESN_YES, 0));
	ASSERT(proposal_esn(p));

	ASSERT(parse_ok(&sa, E, "aes128-sha256-esn-noesn"));
	ASSERT_EQ(p->n_xforms, 4);
	ASSERT(xf(p, 2, IKEV2_XFORM_ESN, IKEV2_ESN_YES, 0));
	ASSERT(xf(p, 3, IKEV2_XFORM_ESN, IKEV2_ESN_NO, 0));

	ASSERT(parse_ok(&sa, E, "aes128-sha256-noesn"));
	ASSERT_EQ(p->n_xforms, 3);
	ASSERT(xf(p, 2, IKEV2_XFORM_ESN, IKEV2_ESN_NO, 0));

	ASSERT(parse_ok(&sa, E, "null-sha256"));
	ASSERT(xf(p, 0, IKEV2_XFORM_ENCR, IKEV2_ENCR_NULL, 0));
	ASSERT(proposal_supported(p));
}

/* ---- errors ----------------------------------------------------------- */

static const struct {
	uint8_t		 proto;
	const char	*s;
	const char	*msg;
} bad[] = {
	{ I, "", "empty proposal string" },
	{ I, " \t", "empty proposal string" },
	{ IKEV2_PROTO_AH, "sha256",
	  "protocol 2: only IKE and ESP proposals are supported" },
	{ I, "aes128-sha256-modp2048,", "proposal 2: empty proposal" },
	{ I, ",aes128-sha256-modp2048", "proposal 1: empty proposal" },
	{ I, "aes128--sha256-modp2048",
	  "proposal 1, algorithm 2: empty algorithm name" },
	{ I, "aes128-sha256-modp2048-",
	  "proposal 1, algorithm 4: empty algorithm name" },
	{ I, "aes128-sha256-foo",
	  "proposal 1, algorithm 3: foo: unknown algorithm" },
	{ I, "aes128-sha256-modp2048,aes256gcm16-prfsha256-x25519-blowfish",
	  "proposal 2, algorithm 4: blowfish: unknown algorithm" },
	{ E, "aes256gcm16-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "proposal 1, algorithm 2: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...: "
	  "unknown algorithm" },
	{ I, "aes128-sha256-modp1024",
	  "proposal 1, algorithm 3: modp1024: weak algorithm, refused "
	  "(RFC 8247)" },
	{ I, "aes128-sha256-modp1536",
	  "proposal 1, algorithm 3: modp1536: weak algorithm, refused "
	  "(RFC 8247)" },
	{ E, "3des-sha1", "proposal 1, algorithm 1: 3des: weak algorithm, "
	  "refused (RFC 8247)" },
	{ E, "aes128-md5", "proposal 1, algorithm 2: md5: weak algorithm, "
	  "refused (RFC 8247)" },
	{ I, "aes128-sha256-modp8192",
	  "proposal 1, algorithm 3: modp8192: not implemented" },
	{ E, "aes128-sha256-prfsha256",
	  "proposal 1, algorithm 3: prfsha256: a PRF belongs in IKE "
	  "proposals only" },
	{ I, "aes128-sha256-modp2048-esn",
	  "proposal 1, algorithm 4: esn: ESN belongs in ESP proposals only" },
	{ I, "null-sha256-modp2048",
	  "proposal 1, algorithm 1: null: IKE proposals need real encryption" },
	{ I, "aes128-sha256-aes128-modp2048",
	  "proposal 1, algorithm 3: aes128: given twice" },
	{ E, "aes256gcm16-x25519-curve25519",
	  "proposal 1, algorithm 3: curve25519: given twice" },
	{ I, "sha256-modp2048", "proposal 1: no encryption algorithm" },
	{ I, "aes256gcm16-aes128-sha256-x25519",
	  "proposal 1: aes256gcm16 is AEAD and aes128 is not: give them "
	  "separate proposals" },
	{ I, "aes256gcm16-sha256-x25519",
	  "proposal 1: sha256: no integrity algorithm with AEAD aes256gcm16: "
	  "give them separate proposals" },
	{ E, "chacha20poly1305-sha1",
	  "proposal 1: sha1: no integrity algorithm with AEAD "
	  "chacha20poly1305: give them separate proposals" },
	{ E, "aes128", "proposal 1: aes128 needs an integrity algorithm" },
	{ I, "aes256gcm16-x25519",
	  "proposal 1: AEAD aes256gcm16 needs a PRF in an IKE proposal "
	  "(such as prfsha256)" },
	{ I, "aes128-sha256", "proposal 1: no DH group (IKE needs one, "
	  "such as x25519)" },
	{ I, "aes128-sha256-modp2048,aes128-sha256-modp2048,"
	  "aes128-sha256-modp2048,aes128-sha256-modp2048,"
	  "aes128-sha256-modp2048,aes128-sha256-modp2048,"
	  "aes128-sha256-modp2048,aes128-sha256-modp2048,"
	  "aes128-sha256-modp2048,aes128-sha256-modp2048,"
	  "aes128-sha256-modp2048,aes128-sha256-modp2048,"
	  "aes128-sha256-modp2048,aes128-sha256-modp2048,"
	  "aes128-sha256-modp2048,aes128-sha256-modp2048,"
	  "aes128-sha256-modp2048", "too many proposals (at most 16)" },
};

TEST(every_error_message)
{
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sa_pld	 sa;
		char		 err[PROPOSAL_ERR_MAX];
		enum ike_err	 e;

		sa.n_props = 9;
		e = proposal_parse(&sa, bad[i].proto, bad[i].s, err, sizeof(err));
		if (e != IKE_EINVAL || strcmp(err, bad[i].msg) != 0)
			fprintf(stderr, "  %s\n  got  %s\n  want %s\n", bad[i].s,
			    err, bad[i].msg);
		ASSERT_EQ(e, IKE_EINVAL);
		ASSERT(strcmp(err, bad[i].msg) == 0);
		ASSERT_EQ(sa.n_props, 0);	/* nothing half-parsed */
	}
}

TEST(error_buffer_edges)
{
	struct sa_pld	 sa;
	char		 err[8];

	/* NULL string, small buffer (cut, terminated), no buffer at all */
	ASSERT_EQ(proposal_parse(&sa, I, NULL, err, sizeof(err)), IKE_EINVAL);
	ASSERT(strcmp(err, "empty p") == 0);
	ASSERT_EQ(proposal_parse(&sa, I, "foo", NULL, 0), IKE_EINVAL);
	memset(err, 'x', sizeof(err));
	ASSERT_EQ(proposal_parse(&sa, I, "foo", err, 0), IKE_EINVAL);
	ASSERT_EQ(err[0], 'x');
	/* success clears the message */
	ASSERT_EQ(proposal_parse(&sa, I, "aes128-sha1-modp2048", err,
	    sizeof(err)), IKE_OK);
	ASSERT_EQ(err[0], '\0');
}

/* ---- printing --------------------------------------------------------- */

TEST(format_round_trips)
{
	static const struct {
		uint8_t		 proto;
		const char	*in, *out;
	} rt[] = {
		{ I, "aes256gcm16-prfsha256-x25519",
		  "aes256gcm16-prfsha256-x25519" },
		{ I, "aes128-sha256-modp2048",
		  "aes128-sha256-prfsha256-modp2048" },
		{ I, "chacha20poly1305-prfsha256-ecp256",
		  "chacha20poly1305-prfsha256-ecp256" },
		{ I, "aes256gcm16-prfsha384-ecp384",
		  "aes256gcm16-prfsha384-ecp384" },
		{ I, "prfsha256-curve25519-aes256gcm128",
		  "aes256gcm16-prfsha256-x25519" },
		{ I, "aes128-aes256-sha256-sha384-ecp256-x25519",
		  "aes128-aes256-sha256-sha384-prfsha256-prfsha384-ecp256-x25519" },
		{ I, "aes192ctr-aesxcbc-prfaescmac-x448,aes128gcm8-prfsha512-ecp521",
		  "aes192ctr-aesxcbc-prfaescmac-x448,aes128gcm8-prfsha512-ecp521" },
		{ E, "aes256gcm16", "aes256gcm16-noesn" },
		{ E, "aes128-sha256", "aes128-sha256-noesn" },
		{ E, "aes256gcm16-x25519", "aes256gcm16-x25519-noesn" },
		{ E, "esn-aes128gcm12-noesn,null-sha512",
		  "aes128gcm12-esn-noesn,null-sha512-noesn" },
	};
	size_t i;

	for (i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
		struct sa_pld	 a, b;
		char		 s[PROPOSAL_STR_MAX];
		size_t		 n;

		ASSERT(parse_ok(&a, rt[i].proto, rt[i].in));
		n = proposal_format_pld(&a, s, sizeof(s));
		if (strcmp(s, rt[i].out) != 0)
			fprintf(stderr, "  got %s want %s\n", s, rt[i].out);
		ASSERT(strcmp(s, rt[i].out) == 0);
		ASSERT_EQ(n, strlen(rt[i].out));
		/* and the printed form parses to the same proposals */
		ASSERT(parse_ok(&b, rt[i].proto, s));
		ASSERT_EQ(b.n_props, a.n_props);
		for (n = 0; n < a.n_props; n++)
			ASSERT(same_prop(&b.props[n], &a.props[n]));
	}
}

TEST(format_one_and_cut)
{
	struct sa_pld	 sa;
	struct sa_prop	 p;
	char		 s[12];

	ASSERT(parse_ok(&sa, I, "aes256gcm16-prfsha256-x25519"));
	/* the length it needs, as snprintf, and a terminated cut */
	ASSERT_EQ(proposal_format(&sa.props[0], s, sizeof(s)), 28);
	ASSERT(strcmp(s, "aes256gcm16") == 0);
	ASSERT_EQ(proposal_format(&sa.props[0], NULL, 0), 28);
	ASSERT_EQ(proposal_format(&sa.props[0], s, 1), 28);
	ASSERT_EQ(s[0], '\0');

	/* transforms without a keyword, and unknown types last */
	memset(&p, 0, sizeof(p));
	p.proto = I;
	ASSERT(sa_prop_add_xform(&p, IKEV2_XFORM_ADDKE1, 36, 0));
	ASSERT(sa_prop_add_xform(&p, IKEV2_XFORM_ENCR,
	    IKEV2_ENCR_CAMELLIA_CBC, 128));
	ASSERT(sa_prop_add_xform(&p, IKEV2_XFORM_DH, IKEV2_DH_MODP_1024, 0));
	{
		char l[128];

		ASSERT_EQ(proposal_format(&p, l, sizeof(l)), strlen(l));
		ASSERT(strcmp(l, "UNKNOWN_1_23_128-modp1024-UNKNOWN_6_36") == 0);
		proposal_format_long(&p, l, sizeof(l));
		ASSERT(strcmp(l, "IKE:ENCR_CAMELLIA_CBC_128/MODP_1024/"
		    "ML_KEM_768") == 0);
	}
}

TEST(format_long)
{
	struct sa_pld	 sa;
	char		 s[PROPOSAL_STR_MAX];

	ASSERT(parse_ok(&sa, I, "aes256gcm16-prfsha256-x25519"));
	ASSERT_EQ(proposal_format_long(&sa.props[0], s, sizeof(s)), strlen(s));
	ASSERT(strcmp(s, "IKE:ENCR_AES_GCM_16_256/PRF_HMAC_SHA2_256/"
	    "CURVE25519") == 0);
	ASSERT(parse_ok(&sa, E, "aes128-sha256-modp2048"));
	proposal_format_long(&sa.props[0], s, sizeof(s));
	ASSERT(strcmp(s, "ESP:ENCR_AES_CBC_128/AUTH_HMAC_SHA2_256_128/"
	    "MODP_2048/ESN_NO") == 0);
}

/* ---- wire bytes ------------------------------------------------------- */

TEST(sa_payload_golden_bytes)
{
	/* RFC 7296 3.3: the SA payload body for aes256gcm16-prfsha256-x25519
	 * in IKE_SA_INIT (generic payload header not included) */
	static const uint8_t want[] = {
		/* 3.3.1 Proposal Substructure */
		0x00,			/* Last Substruc: 0, the last proposal */
		0x00,			/* RESERVED */
		0x00, 0x24,		/* Proposal Length: 8 + 12 + 8 + 8 = 36 */
		0x01,			/* Proposal Num: 1 */
		0x01,			/* Protocol ID: IKE */
		0x00,			/* SPI Size: 0 in IKE_SA_INIT */
		0x03,			/* Num Transforms: 3 */
		/* 3.3.2 Transform Substructure: ENCR */
		0x03,			/* Last Substruc: 3, more follow */
		0x00,			/* RESERVED */
		0x00, 0x0c,		/* Transform Length: 8 + 4 */
		0x01,			/* Transform Type: 1 (ENCR) */
		0x00,			/* RESERVED */
		0x00, 0x14,		/* Transform ID: 20 ENCR_AES_GCM_16 */
		/* 3.3.5 Transform Attribute, TV format */
		0x80, 0x0e,		/* AF=1 | Attribute Type 14 (Key Length) */
		0x01, 0x00,		/* Attribute Value: 256 bits */
		/* PRF */
		0x03,			/* Last Substruc: 3, more follow */
		0x00,			/* RESERVED */
		0x00, 0x08,		/* Transform Length: 8 */
		0x02,			/* Transform Type: 2 (PRF) */
		0x00,			/* RESERVED */
		0x00, 0x05,		/* Transform ID: 5 PRF_HMAC_SHA2_256 */
		/* DH */
		0x00,			/* Last Substruc: 0, the last transform */
		0x00,			/* RESERVED */
		0x00, 0x08,		/* Transform Length: 8 */
		0x04,			/* Transform Type: 4 (D-H) */
		0x00,			/* RESERVED */
		0x00, 0x1f,		/* Transform ID: 31 Curve25519 (RFC 8031) */
	};
	struct sa_pld	 sa, back;
	uint8_t		 buf[256];
	struct wr	 w = { buf, sizeof(buf), 0, false };
	struct rd	 r;

	ASSERT(parse_ok(&sa, I, "aes256gcm16-prfsha256-x25519"));
	sa_pld_put(&w, &sa);
	ASSERT(wr_ok(&w));
	ASSERT_EQ(w.len, sizeof(want));
	ASSERT_MEM(buf, want, sizeof(want));

	/* the codec reads it back to the same proposal */
	r.p = buf;
	r.len = w.len;
	ASSERT_EQ(sa_pld_parse(&r, &back), IKE_OK);
	ASSERT_EQ(back.n_props, 1);
	ASSERT(same_prop(&back.props[0], &sa.props[0]));
}

/* ---- selection -------------------------------------------------------- */

TEST(select_initiator_order_wins)
{
	struct sa_pld	 mine, off;
	struct sa_prop	 c;
	uint8_t		 num = 0;
	char		 s[PROPOSAL_STR_MAX];

	/* we prefer GCM, the peer prefers CBC: the peer's order decides */
	ASSERT(parse_ok(&mine, I, "aes256gcm16-prfsha256-x25519,"
	    "aes128-sha256-modp2048"));
	ASSERT(parse_ok(&off, I, "aes128-sha256-modp2048,"
	    "aes256gcm16-prfsha256-x25519"));
	ASSERT_EQ(proposal_select(&mine, &off, &c, &num), IKE_OK);
	ASSERT_EQ(num, 1);
	ASSERT_EQ(c.num, 1);
	ASSERT_EQ(c.proto, I);
	proposal_format(&c, s, sizeof(s));
	ASSERT(strcmp(s, "aes128-sha256-prfsha256-modp2048") == 0);
	ASSERT(proposal_supported(&c));
	ASSERT(proposal_accept_reply(&off, &c));

	/* the first acceptable one: the peer's first is not acceptable */
	ASSERT(parse_ok(&mine, I, "aes256gcm16-prfsha256-x25519"));
	ASSERT_EQ(proposal_select(&mine, &off, &c, &num), IKE_OK);
	ASSERT_EQ(num, 2);
	proposal_format(&c, s, sizeof(s));
	ASSERT(strcmp(s, "aes256gcm16-prfsha256-x25519") == 0);
}

TEST(select_within_a_proposal)
{
	struct sa_pld	 mine, off;
	struct sa_prop	 c;
	char		 s[PROPOSAL_STR_MAX];

	/* one of each type, the peer's first that we also have */
	ASSERT(parse_ok(&mine, I, "aes128-aes256-sha256-sha384-modp2048-"
	    "ecp256"));
	ASSERT(parse_ok(&off, I, "aes192-aes256-aes128-sha512-sha384-sha256-"
	    "x25519-ecp256-modp2048"));
	ASSERT_EQ(proposal_select(&mine, &off, &c, NULL), IKE_OK);
	ASSERT_EQ(c.n_xforms, 4);
	proposal_format(&c, s, sizeof(s));
	ASSERT(strcmp(s, "aes256-sha384-prfsha384-ecp256") == 0);
	ASSERT(proposal_supported(&c));
	ASSERT(proposal_accept_reply(&off, &c));
}

TEST(select_key_length_must_match)
{
	struct sa_pld	 mine, off;
	struct sa_prop	 c;
	uint8_t		 num = 0;

	ASSERT(parse_ok(&mine, I, "aes128-sha256-modp2048"));
	/* same ENCR ID, other key length: skipped */
	ASSERT(parse_ok(&off, I, "aes256-sha256-modp2048,"
	    "aes128-sha256-modp2048"));
	ASSERT_EQ(proposal_select(&mine, &off, &c, &num), IKE_OK);
	ASSERT_EQ(num, 2);
	ASSERT_EQ(proposal_encr(&c, NULL), IKEV2_ENCR_AES_CBC);
	ASSERT(xf(&c, 0, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 128));

	ASSERT(parse_ok(&off, I, "aes256-aes192-sha256-modp2048"));
	ASSERT_EQ(proposal_select(&mine, &off, &c, &num), IKE_ENOPROP);

	/* a missing Key Length is not a match either */
	off.props[0].xforms[0].key_len = 0;
	ASSERT_EQ(proposal_select(&mine, &off, &c, &num), IKE_ENOPROP);
}

TEST(select_no_proposal)
{
	struct sa_pld	 mine, off;
	struct sa_prop	 c;
	uint8_t		 num = 77;

	ASSERT(parse_ok(&mine, I, "aes256gcm16-prfsha256-x25519"));
	ASSERT(parse_ok(&off, I, "aes128-sha256-modp2048,"
	    "aes256gcm16-prfsha384-x25519,aes256gcm16-prfsha256-ecp256"));
	ASSERT_EQ(proposal_select(&mine, &off, &c, &num), IKE_ENOPROP);
	ASSERT_EQ(num, 77);			/* untouched */
	ASSERT_EQ(ike_err_notify(IKE_ENOPROP), IKEV2_N_NO_PROPOSAL_CHOSEN);

	/* another protocol */
	ASSERT(parse_ok(&off, E, "aes256gcm16"));
	ASSERT_EQ(proposal_select(&mine, &off, &c, &num), IKE_ENOPROP);

	/* nothing offered */
	off.n_props = 0;
	ASSERT_EQ(proposal_select(&mine, &off, &c, &num), IKE_ENOPROP);
}

TEST(select_esn)
{
	struct sa_pld	 mine, off;
	struct sa_prop	 c;

	/* we take either, the peer prefers ESN */
	ASSERT(parse_ok(&mine, E, "aes256gcm16-noesn-esn"));
	ASSERT(parse_ok(&off, E, "aes256gcm16-esn-noesn"));
	ASSERT_EQ(proposal_select(&mine, &off, &c, NULL), IKE_OK);
	ASSERT(proposal_esn(&c));
	ASSERT_EQ(c.n_xforms, 2);

	/* we take only no-ESN */
	ASSERT(parse_ok(&mine, E, "aes256gcm16"));
	ASSERT_EQ(proposal_select(&mine, &off, &c, NULL), IKE_OK);
	ASSERT(!proposal_esn(&c));
	ASSERT(xf(&c, 1, IKEV2_XFORM_ESN, IKEV2_ESN_NO, 0));

	/* the peer wants ESN only */
	ASSERT(parse_ok(&off, E, "aes256gcm16-esn"));
	ASSERT_EQ(proposal_select(&mine, &off, &c, NULL), IKE_ENOPROP);

	/* the peer leaves ESN out: read as ESN NO */
	ASSERT(parse_ok(&off, E, "aes256gcm16"));
	off.props[0].n_xforms = 1;
	ASSERT_EQ(proposal_select(&mine, &off, &c, NULL), IKE_OK);
	ASSERT_EQ(c.n_xforms, 1);
	ASSERT(proposal_supported(&c));
}

TEST(select_esp_pfs_and_spi)
{
	struct sa_pld	 mine, off;
	struct sa_prop	 c;
	static const uint8_t spi[4] = { 0xc0, 0xff, 0xee, 0x01 };

	/* we want PFS, the peer offers none */
	ASSERT(parse_ok(&mine, E, "aes256gcm16-x25519"));
	ASSERT(parse_ok(&off, E, "aes256gcm16"));
	ASSERT_EQ(proposal_select(&mine, &off, &c, NULL), IKE_ENOPROP);

	/* the peer wants PFS, we do not */
	ASSERT(parse_ok(&mine, E, "aes256gcm16"));
	ASSERT(parse_ok(&off, E, "aes256gcm16-x25519"));
	ASSERT_EQ(proposal_select(&mine, &off, &c, NULL), IKE_ENOPROP);

	/* the peer offers PFS or NONE: NONE it is */
	ASSERT(sa_prop_add_xform(&off.props[0], IKEV2_XFORM_DH,
	    IKEV2_DH_NONE, 0));
	off.props[0].spi_len = 4;
	memcpy(off.props[0].spi, spi, 4);
	ASSERT_EQ(proposal_select(&mine, &off, &c, NULL), IKE_OK);
	ASSERT_EQ(c.n_xforms, 3);
	ASSERT_EQ(proposal_dh_group(&c), IKEV2_DH_NONE);
	ASSERT(sa_prop_find(&c, IKEV2_XFORM_DH) != NULL);
	ASSERT(proposal_supported(&c));
	/* the peer's SPI is kept for the caller */
	ASSERT_EQ(c.spi_len, 4);
	ASSERT_MEM(c.spi, spi, 4);
	ASSERT(proposal_accept_reply(&off, &c));

	/* both want PFS with x25519 */
	ASSERT(parse_ok(&mine, E, "aes256gcm16-ecp256-x25519"));
	ASSERT_EQ(proposal_select(&mine, &off, &c, NULL), IKE_OK);
	ASSERT_EQ(proposal_dh_group(&c), IKEV2_DH_CURVE25519);

	/* IKE_AUTH: DH stripped from both sides */
	ASSERT(parse_ok(&mine, E, "aes256gcm16-x25519"));
	ASSERT(parse_ok(&off, E, "aes256gcm16-ecp256"));
	ASSERT_EQ(proposal_select(&mine, &off, &c, NULL), IKE_ENOPROP);
	proposal_strip_dh(&mine);
	proposal_strip_dh(&off);
	ASSERT_EQ(mine.props[0].n_xforms, 2);
	ASSERT_EQ(proposal_select(&mine, &off, &c, NULL), IKE_OK);
	ASSERT_EQ(proposal_dh_group(&c), 0);
}

TEST(select_explicit_integ_none)
{
	struct sa_pld	 mine, off;
	struct sa_prop	 c;

	/* some peers send INTEG NONE with AEAD: it goes into the reply */
	ASSERT(parse_ok(&mine, I, "aes256gcm16-prfsha256-x25519"));
	ASSERT(parse_ok(&off, I, "aes256gcm16-prfsha256-x25519"));
	ASSERT(sa_prop_add_xform(&off.props[0], IKEV2_XFORM_INTEG,
	    IKEV2_AUTH_NONE, 0));
	ASSERT_EQ(proposal_select(&mine, &off, &c, NULL), IKE_OK);
	ASSERT_EQ(c.n_xforms, 4);
	ASSERT(sa_prop_find(&c, IKEV2_XFORM_INTEG) != NULL);
	ASSERT(proposal_supported(&c));
	ASSERT(proposal_accept_reply(&off, &c));

	/* and a reply that leaves it out is fine too */
	ASSERT(parse_ok(&mine, I, "aes256gcm16-prfsha256-x25519"));
	ASSERT(proposal_accept_reply(&off, &mine.props[0]));
}

TEST(select_skips_unknown)
{
	struct sa_pld	 mine, off;
	struct sa_prop	 c;
	uint8_t		 num = 0;

	/* 3.3.6: an unknown transform type voids the whole proposal */
	ASSERT(parse_ok(&mine, I, "aes256gcm16-aes128gcm16-prfsha256-x25519"));
	ASSERT(parse_ok(&off, I, "aes256gcm16-prfsha256-x25519,"
	    "aes128gcm16-aes256gcm16-prfsha256-x25519"));
	ASSERT(sa_prop_add_xform(&off.props[0], IKEV2_XFORM_ADDKE1,
	    IKEV2_DH_ML_KEM_768, 0));
	ASSERT_EQ(proposal_select(&mine, &off, &c, &num), IKE_OK);
	ASSERT_EQ(num, 2);
	/* ... and an unknown attribute only that transform */
	off.props[1].xforms[0].unknown_attr = true;
	ASSERT_EQ(proposal_select(&mine, &off, &c, &num), IKE_OK);
	ASSERT_EQ(num, 2);
	ASSERT(xf(&c, 0, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 256));
}

/* ---- the initiator's check of the reply ------------------------------- */

TEST(accept_reply)
{
	struct sa_pld	 off, r;
	struct sa_prop	 c;

	ASSERT(parse_ok(&off, I, "aes256gcm16-prfsha256-x25519-ecp256,"
	    "aes128-sha256-modp2048"));

	/* a subset of proposal 1, numbered 1 */
	ASSERT(parse_ok(&r, I, "aes256gcm16-prfsha256-ecp256"));
	ASSERT(proposal_accept_reply(&off, &r.props[0]));

	/* proposal 2's suite under number 2, and under number 1 */
	ASSERT(parse_ok(&r, I, "aes128-sha256-modp2048"));
	c = r.props[0];
	c.num = 2;
	ASSERT(proposal_accept_reply(&off, &c));
	ASSERT(!proposal_accept_reply(&off, &r.props[0]));
	c.num = 3;
	ASSERT(!proposal_accept_reply(&off, &c));

	/* a transform we did not offer */
	ASSERT(parse_ok(&r, I, "aes256gcm16-prfsha256-ecp384"));
	ASSERT(!proposal_accept_reply(&off, &r.props[0]));
	/* the right ID with another key length */
	ASSERT(parse_ok(&r, I, "aes128gcm16-prfsha256-x25519"));
	ASSERT(!proposal_accept_reply(&off, &r.props[0]));

	/* two transforms of one type, though both were offered */
	ASSERT(parse_ok(&r, I, "aes256gcm16-prfsha256-x25519-ecp256"));
	ASSERT(!proposal_accept_reply(&off, &r.props[0]));

	/* a type we offered left out */
	ASSERT(parse_ok(&r, I, "aes256gcm16-prfsha256-x25519"));
	c = r.props[0];
	c.n_xforms = 2;			/* no DH */
	ASSERT(!proposal_accept_reply(&off, &c));

	/* an unknown attribute, another protocol, nothing at all */
	c = r.props[0];
	c.xforms[0].unknown_attr = true;
	ASSERT(!proposal_accept_reply(&off, &c));
	c = r.props[0];
	c.proto = E;
	ASSERT(!proposal_accept_reply(&off, &c));
	c = r.props[0];
	c.n_xforms = 0;
	ASSERT(!proposal_accept_reply(&off, &c));
	ASSERT(proposal_accept_reply(&off, &r.props[0]));
}

TEST(accept_reply_esp)
{
	struct sa_pld	 off, r;

	ASSERT(parse_ok(&off, E, "aes256gcm16-esn-noesn"));
	ASSERT(parse_ok(&r, E, "aes256gcm16-esn"));
	ASSERT(proposal_accept_reply(&off, &r.props[0]));
	ASSERT(parse_ok(&r, E, "aes256gcm16-esn-noesn"));
	ASSERT(!proposal_accept_reply(&off, &r.props[0]));
	/* ESN NO offered and left out of the reply */
	ASSERT(parse_ok(&r, E, "aes256gcm16"));
	r.props[0].n_xforms = 1;
	ASSERT(proposal_accept_reply(&off, &r.props[0]));
	/* ESN YES only, and left out: not what we offered */
	ASSERT(parse_ok(&off, E, "aes256gcm16-esn"));
	ASSERT(!proposal_accept_reply(&off, &r.props[0]));
}

/* ---- getters and checks of a chosen proposal -------------------------- */

TEST(getters_and_suite)
{
	struct sa_pld		 sa;
	struct ike_suite	 s;
	uint16_t		 kb = 1;

	ASSERT(parse_ok(&sa, I, "aes256gcm16-prfsha256-x25519"));
	ASSERT_EQ(proposal_encr(&sa.props[0], &kb), IKEV2_ENCR_AES_GCM_16);
	ASSERT_EQ(kb, 256);
	ASSERT_EQ(proposal_prf(&sa.props[0]), IKEV2_PRF_HMAC_SHA2_256);
	ASSERT_EQ(proposal_integ(&sa.props[0]), IKEV2_AUTH_NONE);
	ASSERT_EQ(proposal_dh_group(&sa.props[0]), IKEV2_DH_CURVE25519);
	ASSERT_EQ(proposal_ike_suite(&sa.props[0], &s), IKE_OK);
	ASSERT_EQ(s.encr, IKEV2_ENCR_AES_GCM_16);
	ASSERT_EQ(s.encr_keybits, 256);
	ASSERT_EQ(s.integ, IKEV2_AUTH_NONE);
	ASSERT_EQ(s.prf, IKEV2_PRF_HMAC_SHA2_256);
	ASSERT_EQ(s.dh, IKEV2_DH_CURVE25519);

	ASSERT(parse_ok(&sa, I, "aes128-sha1-modp3072"));
	ASSERT_EQ(proposal_ike_suite(&sa.props[0], &s), IKE_OK);
	ASSERT_EQ(s.integ, IKEV2_AUTH_HMAC_SHA1_96);
	ASSERT_EQ(s.prf, IKEV2_PRF_HMAC_SHA1);
	ASSERT_EQ(s.encr_keybits, 128);

	/* not a choice, not IKE */
	ASSERT(parse_ok(&sa, I, "aes128-sha1-modp3072-ecp256"));
	ASSERT_EQ(proposal_ike_suite(&sa.props[0], &s), IKE_ENOPROP);
	ASSERT(parse_ok(&sa, E, "aes128-sha1"));
	ASSERT_EQ(proposal_ike_suite(&sa.props[0], &s), IKE_ENOPROP);

	memset(&sa.props[0], 0, sizeof(sa.props[0]));
	ASSERT_EQ(proposal_encr(&sa.props[0], &kb), 0);
	ASSERT_EQ(kb, 0);
	ASSERT_EQ(proposal_dh_group(&sa.props[0]), 0);
	ASSERT(!proposal_esn(&sa.props[0]));
}

TEST(supported_checks)
{
	struct sa_pld	 sa;
	struct sa_prop	 p;

	/* a peer's choice crypto/ lacks: Camellia, MODP-1024, HMAC-MD5 */
	ASSERT(parse_ok(&sa, I, "aes128-sha256-modp2048"));
	p = sa.props[0];
	ASSERT(proposal_supported(&p));
	p.xforms[0].id = IKEV2_ENCR_CAMELLIA_CBC;
	ASSERT(!proposal_supported(&p));
	p = sa.props[0];
	p.xforms[0].key_len = 0;		/* AES without a key length */
	ASSERT(!proposal_supported(&p));
	p = sa.props[0];
	p.xforms[3].id = IKEV2_DH_MODP_1024;
	ASSERT(!proposal_supported(&p));
	p = sa.props[0];
	p.xforms[2].id = IKEV2_AUTH_HMAC_MD5_96;
	ASSERT(!proposal_supported(&p));
	p = sa.props[0];
	p.n_xforms = 3;				/* IKE without DH */
	ASSERT(!proposal_supported(&p));
	p = sa.props[0];
	p.xforms[1] = p.xforms[2];		/* no PRF, two INTEG */
	ASSERT(!proposal_supported(&p));
	p = sa.props[0];
	p.xforms[3].unknown_attr = true;
	ASSERT(!proposal_supported(&p));
	p = sa.props[0];
	ASSERT(sa_prop_add_xform(&p, IKEV2_XFORM_ESN, IKEV2_ESN_NO, 0));
	ASSERT(!proposal_supported(&p));	/* ESN in IKE */
	p = sa.props[0];
	p.proto = IKEV2_PROTO_AH;
	ASSERT(!proposal_supported(&p));

	/* AEAD with integrity, classic without */
	ASSERT(parse_ok(&sa, E, "aes256gcm16"));
	p = sa.props[0];
	ASSERT(sa_prop_add_xform(&p, IKEV2_XFORM_INTEG,
	    IKEV2_AUTH_HMAC_SHA2_256_128, 0));
	ASSERT(!proposal_supported(&p));
	p = sa.props[0];
	p.xforms[0].id = IKEV2_ENCR_AES_CBC;
	ASSERT(!proposal_supported(&p));
	/* ESP with a PRF, with a bad ESN */
	p = sa.props[0];
	ASSERT(sa_prop_add_xform(&p, IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_256, 0));
	ASSERT(!proposal_supported(&p));
	p = sa.props[0];
	p.xforms[1].id = 7;
	ASSERT(!proposal_supported(&p));
}
