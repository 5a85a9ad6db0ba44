/* SPDX-License-Identifier: ISC */
/* Known answers and peer-value checks for the DH groups (RFC 5903, 5114, 7748, 3526, 6989). */
#include "crypto/dh.h"
#include "names/ikev2.h"
#include "test.h"
#include "test_crypto_vec.h"

static struct vec	 v[VEC_MAX];

/* kat runs one two-party known answer: both publics and both shared secrets. */
static int
kat(uint16_t group, const uint8_t *ip, size_t ip_len, const uint8_t *rp,
    size_t rp_len, const uint8_t *ipub, const uint8_t *rpub, size_t pub_len,
    const uint8_t *shared, size_t shared_len)
{
	struct dh	*i = NULL, *r = NULL;
	uint8_t		 out[DH_PUB_MAX_LEN];
	size_t		 n;
	int		 bad = 0;

	if (dh_new_from_private(&i, group, ip, ip_len) != IKE_OK ||
	    dh_new_from_private(&r, group, rp, rp_len) != IKE_OK) {
		bad = 1;
		goto out;
	}
	if (dh_pub_len(group) != pub_len || dh_shared_len(group) != shared_len)
		bad = 2;
	else if (dh_public(i, out, sizeof(out), &n) != IKE_OK || n != pub_len ||
	    memcmp(out, ipub, n) != 0)
		bad = 3;
	else if (dh_public(r, out, sizeof(out), &n) != IKE_OK || n != pub_len ||
	    memcmp(out, rpub, n) != 0)
		bad = 4;
	else if (dh_shared(i, rpub, pub_len, out, sizeof(out), &n) != IKE_OK ||
	    n != shared_len || memcmp(out, shared, n) != 0)
		bad = 5;
	else if (dh_shared(r, ipub, pub_len, out, sizeof(out), &n) != IKE_OK ||
	    n != shared_len || memcmp(out, shared, n) != 0)
		bad = 6;
out:
	dh_free(i);
	dh_free(r);
	if (bad)
		fprintf(stderr, "group %u: known answer fails at step %d\n", group, bad);
	return bad;
}

TEST(rfc5903_ecp256)
{
	uint8_t	 i[32], r[32], gi[64], gr[64], gir[32];
	int	 n;
	size_t	 l;
	uint8_t	*p;

	ASSERT_EQ(n = vec_load("rfc5903-ecp256-ikev2.txt", v, VEC_MAX), 1);
	p = vec_get(&v[0], "i", &l); memcpy(i, p, 32); free(p);
	p = vec_get(&v[0], "r", &l); memcpy(r, p, 32); free(p);
	p = vec_get(&v[0], "gix", &l); memcpy(gi, p, 32); free(p);
	p = vec_get(&v[0], "giy", &l); memcpy(gi + 32, p, 32); free(p);
	p = vec_get(&v[0], "grx", &l); memcpy(gr, p, 32); free(p);
	p = vec_get(&v[0], "gry", &l); memcpy(gr + 32, p, 32); free(p);
	p = vec_get(&v[0], "girx", &l); memcpy(gir, p, 32); free(p);
	vec_free(v, n);
	ASSERT_EQ(kat(IKEV2_DH_ECP_256, i, 32, r, 32, gi, gr, 64, gir, 32), 0);
}

/* RFC 5114 appendix A ECDH data for the curves of groups 19, 20, 21. */
TEST(rfc5114_ecp_256_384_521)
{
	static const struct { const char *title; uint16_t group; } g[] = {
		{ "ecp256", IKEV2_DH_ECP_256 },
		{ "ecp384", IKEV2_DH_ECP_384 },
		{ "ecp521", IKEV2_DH_ECP_521 },
	};
	int	 n, i, done = 0;
	size_t	 j;

	n = vec_load("rfc5114-ecp-test-data.txt", v, VEC_MAX);
	ASSERT_EQ(n, 5);
	for (i = 0; i < n; i++) {
		for (j = 0; j < sizeof(g) / sizeof(g[0]); j++) {
			size_t	 a, b, c, d, e;
			uint8_t	*pi, *pr, *ui, *ur, *s;
			int	 bad;

			if (strncmp(v[i].title, g[j].title, 6) != 0)
				continue;
			pi = vec_get(&v[i], "PRIV_I", &a);
			pr = vec_get(&v[i], "PRIV_R", &b);
			ui = vec_get(&v[i], "PUB_I(x|y)", &c);
			ur = vec_get(&v[i], "PUB_R(x|y)", &d);
			s = vec_get(&v[i], "SHARED(x)", &e);
			bad = kat(g[j].group, pi, a, pr, b, ui, ur, c, s, e);
			free(pi); free(pr); free(ui); free(ur); free(s);
			ASSERT_EQ(bad, 0);
			done++;
		}
	}
	vec_free(v, n);
	ASSERT_EQ(done, 3);
}

static int
x_kat(const char *file, uint16_t group)
{
	size_t	 a, b, c, d, e;
	uint8_t	*pa, *pb, *ua, *ub, *s;
	int	 n, bad;

	if ((n = vec_load(file, v, VEC_MAX)) != 1)
		return -1;
	pa = vec_get(&v[0], "ALICE_PRIV", &a);
	pb = vec_get(&v[0], "BOB_PRIV", &b);
	ua = vec_get(&v[0], "ALICE_PUB", &c);
	ub = vec_get(&v[0], "BOB_PUB", &d);
	s = vec_get(&v[0], "SHARED", &e);
	bad = kat(group, pa, a, pb, b, ua, ub, c, s, e);
	free(pa); free(pb); free(ua); free(ub); free(s);
	vec_free(v, n);
	return bad;
}

TEST(rfc7748_x25519_dh)
{
	ASSERT_EQ(x_kat("rfc7748-x25519-dh.txt", IKEV2_DH_CURVE25519), 0);
}

TEST(rfc7748_x448_dh)
{
	ASSERT_EQ(x_kat("rfc7748-x448-dh.txt", IKEV2_DH_CURVE448), 0);
}

/* RFC 7748 5.2: X25519(scalar, u) as dh_shared of a fixed private value. */
TEST(rfc7748_x25519_scalar_mult)
{
	int	 n, i;

	ASSERT_EQ(n = vec_load("x25519-rfc7748.txt", v, VEC_MAX), 3);
	for (i = 0; i < n; i++) {
		size_t		 a, b, c, l;
		uint8_t		*k = vec_get(&v[i], "INPUT_SCALAR", &a);
		uint8_t		*u = vec_get(&v[i], "INPUT_U", &b);
		uint8_t		*want = vec_get(&v[i], "OUTPUT_U", &c), out[32];
		struct dh	*d = NULL;
		int		 ok;

		ok = dh_new_from_private(&d, IKEV2_DH_CURVE25519, k, a) == IKE_OK &&
		    dh_shared(d, u, b, out, sizeof(out), &l) == IKE_OK && l == 32 &&
		    memcmp(out, want, 32) == 0;
		dh_free(d);
		free(k); free(u); free(want);
		ASSERT(ok);
	}
	vec_free(v, n);
}

TEST(fresh_pairs_agree_every_group)
{
	static const uint16_t groups[] = {
		IKEV2_DH_MODP_2048, IKEV2_DH_MODP_3072, IKEV2_DH_MODP_4096,
		IKEV2_DH_ECP_256, IKEV2_DH_ECP_384, IKEV2_DH_ECP_521,
		IKEV2_DH_CURVE25519, IKEV2_DH_CURVE448,
	};
	static uint8_t	 pa[DH_PUB_MAX_LEN], pb[DH_PUB_MAX_LEN];
	static uint8_t	 sa[DH_SHARED_MAX_LEN], sb[DH_SHARED_MAX_LEN];
	size_t		 i, la, lb, na, nb;

	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		struct dh	*a = NULL, *b = NULL;
		int		 ok;

		ok = dh_new(&a, groups[i]) == IKE_OK &&
		    dh_new(&b, groups[i]) == IKE_OK &&
		    dh_group(a) == groups[i] &&
		    dh_public(a, pa, sizeof(pa), &la) == IKE_OK &&
		    dh_public(b, pb, sizeof(pb), &lb) == IKE_OK &&
		    la == dh_pub_len(groups[i]) && lb == la &&
		    memcmp(pa, pb, la) != 0 &&
		    dh_shared(a, pb, lb, sa, sizeof(sa), &na) == IKE_OK &&
		    dh_shared(b, pa, la, sb, sizeof(sb), &nb) == IKE_OK &&
		    na == dh_shared_len(groups[i]) && nb == na &&
		    memcmp(sa, sb, na) == 0;
		dh_free(a);
		dh_free(b);
		if (!ok)
			fprintf(stderr, "group %u fails\n", groups[i]);
		ASSERT(ok);
	}
}

/* MODP with tiny exponents gives known answers: g^3 = 8, (2^5)^3 = 2^15,
 * both zero-padded to the prime's 256 bytes (RFC 7296 3.4, 2.14). */
TEST(modp_padding_known_answer)
{
	static uint8_t	 pub[256], peer[256], out[256], want[256];
	struct dh	*d = NULL;
	uint8_t		 x = 3;
	size_t		 n;

	ASSERT_EQ(dh_new_from_private(&d, IKEV2_DH_MODP_2048, &x, 1), IKE_OK);
	ASSERT_EQ(dh_public(d, pub, sizeof(pub), &n), IKE_OK);
	ASSERT_EQ(n, 256);
	memset(want, 0, sizeof(want));
	want[255] = 8;
	ASSERT_MEM(pub, want, 256);
	memset(peer, 0, sizeof(peer));
	peer[255] = 32;
	ASSERT_EQ(dh_shared(d, peer, 256, out, sizeof(out), &n), IKE_OK);
	ASSERT_EQ(n, 256);
	memset(want, 0, sizeof(want));
	want[254] = 0x80;
	ASSERT_MEM(out, want, 256);
	dh_free(d);
}

/* RFC 6989 2.1: 1 < y < p-1 for MODP; every other value is IKE_EBADKE. */
TEST(modp_range_check)
{
	static uint8_t	 y[256], out[256], p[256];
	struct dh	*d = NULL;
	size_t		 n;

	/* p is 2^2048 - 2^1984 - 1 + 2^64 * (...): read it from the vector
	 * file and test p-1, p, p+1 and all-ones. */
	ASSERT_EQ(dh_new(&d, IKEV2_DH_MODP_2048), IKE_OK);
	memset(y, 0, sizeof(y));
	ASSERT_EQ(dh_shared(d, y, 256, out, sizeof(out), &n), IKE_EBADKE);	/* 0 */
	y[255] = 1;
	ASSERT_EQ(dh_shared(d, y, 256, out, sizeof(out), &n), IKE_EBADKE);	/* 1 */
	y[255] = 2;
	ASSERT_EQ(dh_shared(d, y, 256, out, sizeof(out), &n), IKE_OK);		/* 2 */
	test_unhex(p, sizeof(p),
	    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	    "3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF");
	memcpy(y, p, 256);
	y[255] = 0xfd;								/* p-2 */
	ASSERT_EQ(dh_shared(d, y, 256, out, sizeof(out), &n), IKE_OK);
	y[255] = 0xfe;								/* p-1 */
	ASSERT_EQ(dh_shared(d, y, 256, out, sizeof(out), &n), IKE_EBADKE);
	y[255] = 0xff;								/* p */
	ASSERT_EQ(dh_shared(d, y, 256, out, sizeof(out), &n), IKE_EBADKE);
	memset(y, 0xff, sizeof(y));						/* > p */
	ASSERT_EQ(dh_shared(d, y, 256, out, sizeof(out), &n), IKE_EBADKE);
	/* wrong lengths */
	ASSERT_EQ(dh_shared(d, y, 255, out, sizeof(out), &n), IKE_EBADKE);
	ASSERT_EQ(dh_shared(d, y, 257, out, sizeof(out), &n), IKE_EBADKE);
	ASSERT_EQ(dh_shared(d, NULL, 0, out, sizeof(out), &n), IKE_EBADKE);
	y[0] = 0;
	ASSERT_EQ(dh_shared(d, y, 256, out, 100, &n), IKE_ETOOBIG);
	ASSERT_EQ(dh_public(d, out, 100, &n), IKE_ETOOBIG);
	dh_free(d);
}

/* RFC 6989 2.3: an ECP peer value must be a point on the curve. */
TEST(ecp_peer_off_curve)
{
	static uint8_t	 pub[132], out[66];
	static const uint16_t groups[] = {
		IKEV2_DH_ECP_256, IKEV2_DH_ECP_384, IKEV2_DH_ECP_521,
	};
	size_t		 i, n, l;

	for (i = 0; i < 3; i++) {
		struct dh	*a = NULL, *b = NULL;

		ASSERT_EQ(dh_new(&a, groups[i]), IKE_OK);
		ASSERT_EQ(dh_new(&b, groups[i]), IKE_OK);
		ASSERT_EQ(dh_public(b, pub, sizeof(pub), &l), IKE_OK);
		pub[l - 1] ^= 1;					/* y + 1 */
		ASSERT_EQ(dh_shared(a, pub, l, out, sizeof(out), &n), IKE_EBADKE);
		memset(pub, 0, l);					/* (0, 0) */
		ASSERT_EQ(dh_shared(a, pub, l, out, sizeof(out), &n), IKE_EBADKE);
		memset(pub, 0xff, l);					/* x, y >= p */
		ASSERT_EQ(dh_shared(a, pub, l, out, sizeof(out), &n), IKE_EBADKE);
		ASSERT_EQ(dh_shared(a, pub, l - 1, out, sizeof(out), &n),
		    IKE_EBADKE);
		dh_free(a);
		dh_free(b);
	}
}

/* RFC 8031 2: an all-zero X25519/X448 result is rejected. */
TEST(x25519_x448_zero_result)
{
	static const uint8_t zero[56];
	uint8_t		 one[56], out[56];
	struct dh	*d = NULL;
	size_t		 n;

	memset(one, 0, sizeof(one));
	one[0] = 1;	/* u = 1 (little-endian) has small order too */
	ASSERT_EQ(dh_new(&d, IKEV2_DH_CURVE25519), IKE_OK);
	ASSERT_EQ(dh_shared(d, zero, 32, out, sizeof(out), &n), IKE_EBADKE);
	ASSERT_EQ(dh_shared(d, one, 32, out, sizeof(out), &n), IKE_EBADKE);
	ASSERT_EQ(dh_shared(d, zero, 31, out, sizeof(out), &n), IKE_EBADKE);
	dh_free(d);
	ASSERT_EQ(dh_new(&d, IKEV2_DH_CURVE448), IKE_OK);
	ASSERT_EQ(dh_shared(d, zero, 56, out, sizeof(out), &n), IKE_EBADKE);
	ASSERT_EQ(dh_shared(d, one, 56, out, sizeof(out), &n), IKE_EBADKE);
	ASSERT_EQ(dh_shared(d, zero, 32, out, sizeof(out), &n), IKE_EBADKE);
	dh_free(d);
}

TEST(unsupported_groups_and_bad_private)
{
	struct dh	*d = (struct dh *)1;
	uint8_t		 k[32] = { 1 };

	ASSERT_EQ(dh_new(&d, 2 /* MODP-1024 */), IKE_EUNSUPP);
	ASSERT(d == NULL);
	ASSERT_EQ(dh_new(&d, 24), IKE_EUNSUPP);
	ASSERT_EQ(dh_pub_len(5), 0);
	ASSERT_EQ(dh_pub_len(IKEV2_DH_ECP_521), 132);
	ASSERT_EQ(dh_pub_len(IKEV2_DH_MODP_4096), 512);
	ASSERT_EQ(dh_new_from_private(&d, IKEV2_DH_CURVE25519, k, 31), IKE_EINVAL);
	ASSERT_EQ(dh_new_from_private(&d, IKEV2_DH_ECP_256, k, 31), IKE_EINVAL);
	memset(k, 0, sizeof(k));
	ASSERT_EQ(dh_new_from_private(&d, IKEV2_DH_ECP_256, k, 32), IKE_EINVAL);
	ASSERT_EQ(dh_new_from_private(&d, IKEV2_DH_MODP_2048, k, 32), IKE_EINVAL);
	memset(k, 0xff, sizeof(k));	/* >= the group order */
	ASSERT_EQ(dh_new_from_private(&d, IKEV2_DH_ECP_256, k, 32), IKE_EINVAL);
	dh_free(NULL);
}

/* A private key exported and imported again is the same key: its public
 * value and the secret it shares with a peer are unchanged, in every
 * group (what a journaled IKE SA rekey relies on across a restart). */
TEST(export_import_round_trip)
{
	static const uint16_t g[] = {
		IKEV2_DH_MODP_2048, IKEV2_DH_MODP_3072, IKEV2_DH_MODP_4096,
		IKEV2_DH_ECP_256, IKEV2_DH_ECP_384, IKEV2_DH_ECP_521,
		IKEV2_DH_CURVE25519, IKEV2_DH_CURVE448,
	};
	struct dh	*a, *b, *peer;
	uint8_t		 priv[DH_PUB_MAX_LEN], pa[DH_PUB_MAX_LEN];
	uint8_t		 pb[DH_PUB_MAX_LEN], pp[DH_PUB_MAX_LEN];
	uint8_t		 s1[DH_SHARED_MAX_LEN], s2[DH_SHARED_MAX_LEN];
	size_t		 i, n, na, nb, np, n1, n2;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		a = b = peer = NULL;
		ASSERT_EQ(dh_new(&a, g[i]), IKE_OK);
		ASSERT_EQ(dh_new(&peer, g[i]), IKE_OK);
		ASSERT_EQ(dh_export_private(a, priv, 8, &n), IKE_ETOOBIG);
		ASSERT_EQ(dh_export_private(a, priv, sizeof(priv), &n), IKE_OK);
		ASSERT(n > 0 && n <= dh_pub_len(g[i]));
		ASSERT_EQ(dh_import_private(&b, g[i], priv, n), IKE_OK);
		ASSERT_EQ(dh_public(a, pa, sizeof(pa), &na), IKE_OK);
		ASSERT_EQ(dh_public(b, pb, sizeof(pb), &nb), IKE_OK);
		ASSERT_EQ(na, nb);
		ASSERT_MEM(pa, pb, na);
		ASSERT_EQ(dh_public(peer, pp, sizeof(pp), &np), IKE_OK);
		ASSERT_EQ(dh_shared(a, pp, np, s1, sizeof(s1), &n1), IKE_OK);
		ASSERT_EQ(dh_shared(b, pp, np, s2, sizeof(s2), &n2), IKE_OK);
		ASSERT_EQ(n1, n2);
		ASSERT_MEM(s1, s2, n1);
		/* and the peer's side agrees with the imported key */
		ASSERT_EQ(dh_shared(peer, pb, nb, s2, sizeof(s2), &n2), IKE_OK);
		ASSERT_MEM(s1, s2, n1);
		dh_free(a);
		dh_free(b);
		dh_free(peer);
	}
}
