/* SPDX-License-Identifier: ISC */
/* Tests of the key tables: Wireshark UAT files, state directories, lookup, wiping. */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <stdlib.h>
#include <unistd.h>

#include "keys/keys.h"
#include "names/ikev2.h"
#include "test.h"

static char	tmpdir[64];
static char	err[512];

static const char *
tmp_path(const char *name)
{
	static char path[256];

	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_keys.XXXXXX");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			exit(2);
		}
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

__attribute__((destructor)) static void
tmp_cleanup(void)
{
	char cmd[128];

	if (tmpdir[0] != '\0' && strncmp(tmpdir, "/tmp/test_keys.", 15) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
	}
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0 ||
	    chmod(path, mode) != 0) {
		perror(path);
		exit(2);
	}
}

/* seq returns the bytes start, start+1, ... as a static buffer. */
static const uint8_t *
seq(uint8_t start, size_t n)
{
	static uint8_t	b[4][64];
	static int	i;
	size_t		j;

	i = (i + 1) % 4;
	for (j = 0; j < n; j++)
		b[i][j] = (uint8_t)(start + j);
	return b[i];
}

TEST(ikev2_table_good_lines)
{
	struct keytab		 t;
	const struct ike_sa_key	*k;

	keytab_init(&t);
	ASSERT_EQ(keytab_load_ikev2(&t, "tests/vectors/keys/ikev2_decryption_table",
	    err, sizeof(err)), IKE_OK);
	ASSERT_EQ(t.n_ike, 3);
	k = &t.ike[0];
	ASSERT(k->ispi == 0x0123456789abcdefULL && k->rspi == 0xfedcba9876543210ULL);
	ASSERT_EQ(k->encr, IKEV2_ENCR_AES_GCM_16);
	ASSERT_EQ(k->encr_keybits, 256);
	ASSERT_EQ(k->integ, IKEV2_AUTH_NONE);
	ASSERT_EQ(k->e_len, 36);
	ASSERT_EQ(k->a_len, 0);
	ASSERT_MEM(k->sk_ei, seq(0, 36), 36);
	ASSERT_MEM(k->sk_er, seq(0x20, 36), 36);
	k = &t.ike[1];			/* every field quoted */
	ASSERT_EQ(k->ispi, 0x1111111111111111ULL);
	ASSERT_EQ(k->encr, IKEV2_ENCR_AES_CBC);
	ASSERT_EQ(k->encr_keybits, 128);
	ASSERT_EQ(k->integ, IKEV2_AUTH_HMAC_SHA2_256_128);
	ASSERT_EQ(k->e_len, 16);
	ASSERT_EQ(k->a_len, 32);
	ASSERT_MEM(k->sk_er, seq(0x10, 16), 16);
	ASSERT_MEM(k->sk_ar, seq(0x20, 32), 32);
	k = &t.ike[2];			/* blanks around fields, our ChaCha name */
	ASSERT_EQ(k->encr, IKEV2_ENCR_CHACHA20_POLY1305);
	ASSERT_EQ(k->e_len, 36);
	ASSERT(keytab_find_ike(&t, 0x3333333333333333ULL,
	    0x4444444444444444ULL) == k);
	ASSERT(keytab_find_ike(&t, 0x3333333333333333ULL, 0) == NULL);
	keytab_free(&t);
	ASSERT(t.ike == NULL && t.n_ike == 0 && t.cap_ike == 0);
}

TEST(ikev2_lookup_last_wins)
{
	struct keytab t;

	keytab_init(&t);
	ASSERT_EQ(keytab_load_ikev2(&t, "tests/vectors/keys/ikev2_decryption_table",
	    err, sizeof(err)), IKE_OK);
	ASSERT_EQ(keytab_load_ikev2(&t, "tests/vectors/keys/ikev2_decryption_table",
	    err, sizeof(err)), IKE_OK);
	ASSERT_EQ(t.n_ike, 6);
	ASSERT(keytab_find_ike(&t, 0x1111111111111111ULL,
	    0x2222222222222222ULL) == &t.ike[4]);
	keytab_free(&t);
}

struct bad {
	const char	*text;
	const char	*msg;		/* after "<path>:" */
};

static int
check_bad(const struct bad *b, size_t n, enum ike_err (*load)(struct keytab *,
    const char *, char *, size_t))
{
	struct keytab	 t;
	const char	*path = tmp_path("keys.txt");
	char		 want[512];
	size_t		 i;
	int		 bad = 0;

	for (i = 0; i < n; i++) {
		write_file(path, b[i].text, 0600);
		keytab_init(&t);
		snprintf(want, sizeof(want), "%s:%s", path, b[i].msg);
		if (load(&t, path, err, sizeof(err)) != IKE_EINVAL ||
		    strcmp(err, want) != 0) {
			fprintf(stderr, "case %zu:\n  want %s\n  got  %s\n", i,
			    want, err);
			bad = 1;
		}
		keytab_free(&t);
	}
	return bad;
}

#define GCM_LINE(ei) "0123456789abcdef,fedcba9876543210," ei "," ei \
	",\"AES-GCM-256 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\"\n"
#define K36 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
#define K32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define K16 "000102030405060708090a0b0c0d0e0f"

TEST(ikev2_table_errors)
{
	static const struct bad b[] = {
		{ "# keys\n\n" "0123456789abcdef,fedcba9876543210,"
		  "000,00,\"NULL [RFC2410]\",,,\"NONE [RFC4306]\"\n",
		  "3: SK_ei: odd number of hex digits" },
		{ GCM_LINE(K36) "0123456789abcdef,fedcba9876543210,,,\"FOO\",,,"
		  "\"NONE [RFC4306]\"\n",
		  "2: unknown encryption algorithm \"FOO\"" },
		{ GCM_LINE(K16),
		  "1: SK_ei is 16 bytes, AES-GCM-256 with 16 octet ICV needs 36" },
		{ "0123456789abcdef,fedcba9876543210," K36 "," K16
		  ",\"AES-GCM-256 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\"\n",
		  "1: SK_er is 16 bytes, AES-GCM-256 with 16 octet ICV needs 36" },
		{ "0123456789abcdef,fedcba9876543210,,,\"NULL [RFC2410]\",,\n",
		  "1: expected 8 fields, found 7" },
		{ "0123456789abcde,fedcba9876543210,,,\"NULL [RFC2410]\",,,"
		  "\"NONE [RFC4306]\"\n",
		  "1: ISPI: not 16 hex digits" },
		{ "0123456789abcdef,fedcba98765432,,,\"NULL [RFC2410]\",,,"
		  "\"NONE [RFC4306]\"\n",
		  "1: RSPI: not 16 hex digits" },
		{ "0123456789abcdef,fedcba9876543210," K16 "," K16
		  ",\"AES-CBC-128 [RFC3602]\",00010203," K32
		  ",\"HMAC_SHA2_256_128 [RFC4868]\"\n",
		  "1: SK_ai is 4 bytes, HMAC_SHA2_256_128 needs 32" },
		{ "0123456789abcdef,fedcba9876543210," K16 "," K16
		  ",\"AES-CBC-128 [RFC3602]\",,,\"HMAC_SHA3\"\n",
		  "1: unknown integrity algorithm \"HMAC_SHA3\"" },
		{ "0123456789abcdef,fedcba9876543210," K16 "," K16
		  ",\"AES-CBC-128 [RFC3602]\",,,"
		  "\"ANY 96-bits of Authentication [No Checking]\"\n",
		  "1: integrity algorithm \"ANY 96-bits of Authentication "
		  "[No Checking]\" is not supported" },
		{ "0123456789abcdef,fedcba9876543210," K36 "," K36
		  ",\"AES-GCM-256 with 16 octet ICV [RFC5282]\"," K32 "," K32
		  ",\"HMAC_SHA2_256_128 [RFC4868]\"\n",
		  "1: AES-GCM-256 with 16 octet ICV takes integrity NONE, not "
		  "HMAC_SHA2_256_128" },
		{ "0123456789abcdef,fedcba9876543210,00,0g,\"NULL [RFC2410]\",,,"
		  "\"NONE [RFC4306]\"\n",
		  "1: SK_er: not a hex digit" },
		{ "0123456789abcdef,fedcba9876543210,,,\"NULL [RFC2410],,,"
		  "\"NONE [RFC4306]\"\n",
		  "1: text after a quoted string" },
		{ "0123456789abcdef,fedcba9876543210,,,\"NULL [RFC2410]\",,,"
		  "\"NONE [RFC4306]\n",
		  "1: unterminated quoted string" },
	};

	ASSERT(!check_bad(b, sizeof(b) / sizeof(b[0]), keytab_load_ikev2));
}

TEST(ikev2_table_missing_file)
{
	struct keytab	 t;
	const char	*path = tmp_path("absent");
	char		 want[300];

	keytab_init(&t);
	ASSERT_EQ(keytab_load_ikev2(&t, path, err, sizeof(err)), IKE_EIO);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	ASSERT(strcmp(err, want) == 0);
	keytab_free(&t);
}

TEST(ikev2_short_names_and_escapes)
{
	struct keytab	t;
	const char	*path = tmp_path("short.txt");

	/* names without the [RFC] suffix, any case; \x escapes in quotes */
	write_file(path, "0x0123456789abcdef,0XFEDCBA9876543210," K16 "," K16
	    ",\"aes-cbc-128\",\"" K32 "\",\"" K32 "\",\"HMAC_SHA2_256_128\"\n"
	    "0123456789abcdef,0000000000000001,,,\"NULL\\x20[RFC2410]\",,,"
	    "\"NONE\"\n", 0600);
	keytab_init(&t);
	ASSERT_EQ(keytab_load_ikev2(&t, path, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(t.n_ike, 2);
	ASSERT_EQ(t.ike[0].rspi, 0xfedcba9876543210ULL);
	ASSERT_EQ(t.ike[0].encr, IKEV2_ENCR_AES_CBC);
	ASSERT_EQ(t.ike[1].encr, IKEV2_ENCR_NULL);
	ASSERT_EQ(t.ike[1].e_len, 0);
	keytab_free(&t);
}

static const uint8_t ip_a[4] = { 192, 0, 2, 1 }, ip_b[4] = { 192, 0, 2, 2 };

TEST(esp_table_good_lines_and_lookup)
{
	struct keytab		 t;
	const struct esp_sa_key	*k;
	uint8_t			 v6a[16], v6b[16];

	inet_pton(AF_INET6, "2001:db8::1", v6a);
	inet_pton(AF_INET6, "2001:db8::9", v6b);
	keytab_init(&t);
	ASSERT_EQ(keytab_load_esp(&t, "tests/vectors/keys/esp_sa", err,
	    sizeof(err)), IKE_OK);
	ASSERT_EQ(t.n_esp, 4);
	k = &t.esp[0];
	ASSERT_EQ(k->af, AF_INET);
	ASSERT_EQ(k->spi, 0xc0ffee01);
	ASSERT_EQ(k->encr, IKEV2_ENCR_AES_GCM_16);
	ASSERT_EQ(k->encr_keybits, 128);
	ASSERT_EQ(k->e_len, 20);
	ASSERT_EQ(k->integ, IKEV2_AUTH_NONE);
	ASSERT_EQ(k->a_len, 0);
	ASSERT(!k->any_addr && !k->esn);
	ASSERT_MEM(k->src, ip_a, 4);
	ASSERT_MEM(k->ekey, seq(0, 20), 20);
	k = &t.esp[1];
	ASSERT_EQ(k->encr, IKEV2_ENCR_AES_CBC);
	ASSERT_EQ(k->encr_keybits, 192);		/* from the key length */
	ASSERT_EQ(k->integ, IKEV2_AUTH_HMAC_SHA2_256_128);
	ASSERT_EQ(k->a_len, 32);
	k = &t.esp[2];
	ASSERT_EQ(k->af, AF_INET6);
	ASSERT(k->any_addr && k->any_src && k->any_dst);
	ASSERT_EQ(k->encr, IKEV2_ENCR_CHACHA20_POLY1305);
	ASSERT_EQ(k->e_len, 36);
	k = &t.esp[3];
	ASSERT(!k->any_addr && !k->any_src && k->any_dst);
	ASSERT_EQ(k->encr, IKEV2_ENCR_NULL);
	ASSERT_EQ(k->integ, IKEV2_AUTH_HMAC_SHA1_96);

	ASSERT(keytab_find_esp(&t, 0xc0ffee01, AF_INET, ip_a, ip_b) == &t.esp[0]);
	ASSERT(keytab_find_esp(&t, 0xc0ffee01, AF_INET, ip_b, ip_a) == NULL);
	ASSERT(keytab_find_esp(&t, 0xc0ffee02, AF_INET, ip_b, ip_a) == &t.esp[1]);
	ASSERT(keytab_find_esp(&t, 0xc0ffee03, AF_INET, ip_b, ip_a) == NULL);
	/* exact source, any destination */
	ASSERT(keytab_find_esp(&t, 0x1234, AF_INET6, v6a, v6b) == &t.esp[3]);
	/* "*","*" matches anything with the SPI, even another family */
	ASSERT(keytab_find_esp(&t, 0x1234, AF_INET6, v6b, v6a) == &t.esp[2]);
	ASSERT(keytab_find_esp(&t, 0x1234, AF_INET, ip_a, ip_b) == &t.esp[2]);
	keytab_free(&t);
}

TEST(esp_exact_beats_wildcard)
{
	struct keytab		t;
	struct esp_sa_key	k;

	keytab_init(&t);
	memset(&k, 0, sizeof(k));
	k.af = AF_INET;
	k.spi = 7;
	memcpy(k.src, ip_a, 4);
	memcpy(k.dst, ip_b, 4);
	ASSERT_EQ(keytab_add_esp(&t, &k), IKE_OK);
	k.any_src = k.any_dst = true;
	ASSERT_EQ(keytab_add_esp(&t, &k), IKE_OK);	/* added later */
	ASSERT(t.esp[1].any_addr);
	ASSERT(keytab_find_esp(&t, 7, AF_INET, ip_a, ip_b) == &t.esp[0]);
	ASSERT(keytab_find_esp(&t, 7, AF_INET, ip_b, ip_a) == &t.esp[1]);
	keytab_free(&t);
}

#define ESP_V4 "\"IPv4\",\"192.0.2.1\",\"192.0.2.2\",\"0x00000001\","

TEST(esp_table_errors)
{
	static const struct bad b[] = {
		{ "\"IPv5\",\"*\",\"*\",\"0x1\",\"NULL\",\"\",\"NULL\",\"\"\n",
		  "1: protocol \"IPv5\" is not IPv4 or IPv6" },
		{ "\"IPv4\",\"192.0.2\",\"*\",\"0x1\",\"NULL\",\"\",\"NULL\",\"\"\n",
		  "1: source: \"192.0.2\" is not an IPv4 address" },
		{ "\"IPv6\",\"*\",\"192.0.2.1\",\"0x1\",\"NULL\",\"\",\"NULL\",\"\"\n",
		  "1: destination: \"192.0.2.1\" is not an IPv6 address" },
		{ "\"IPv4\",\"192.0.*.*\",\"*\",\"0x1\",\"NULL\",\"\",\"NULL\",\"\"\n",
		  "1: source: partial wildcards are not supported (only \"*\")" },
		{ ESP_V4 "\"AES-CBC [RFC3602]\",\"0x00010203040506070809\","
		  "\"NULL\",\"\"\n",
		  "1: encryption key is 10 bytes, AES-CBC needs 16, 24 or 32" },
		{ "# c\n" ESP_V4 "\"AES-CBC [RFC3602]\",\"0x" K16 "\","
		  "\"HMAC-SHA-1-96 [RFC2404]\",\"0x000102\"\n",
		  "2: authentication key is 3 bytes, HMAC-SHA-1-96 needs 20" },
		{ ESP_V4 "\"DES-CBC [RFC2405]\",\"0x0001020304050607\","
		  "\"NULL\",\"\"\n",
		  "1: encryption algorithm \"DES-CBC [RFC2405]\" is not supported" },
		{ ESP_V4 "\"ROT13\",\"\",\"NULL\",\"\"\n",
		  "1: unknown encryption algorithm \"ROT13\"" },
		{ ESP_V4 "\"NULL\",\"\",\"HMAC-SHA-3\",\"\"\n",
		  "1: unknown authentication algorithm \"HMAC-SHA-3\"" },
		{ "\"IPv4\",\"*\",\"*\",\"0xfoo\",\"NULL\",\"\",\"NULL\",\"\"\n",
		  "1: SPI: \"0xfoo\" is not a 32-bit number" },
		{ "\"IPv4\",\"*\",\"*\",\"0x100000000\",\"NULL\",\"\",\"NULL\",\"\"\n",
		  "1: SPI: \"0x100000000\" is not a 32-bit number" },
		{ "\"IPv4\",\"*\",\"*\",\"*\",\"NULL\",\"\",\"NULL\",\"\"\n",
		  "1: SPI: wildcard is not supported" },
		{ ESP_V4 "\"AES-CBC [RFC3602]\",\"0x0g\",\"NULL\",\"\"\n",
		  "1: encryption key: not a hex digit" },
		{ ESP_V4 "\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x" K16
		  "00010203\",\"HMAC-SHA-256-128 [RFC4868]\",\"0x" K32 "\"\n",
		  "1: AES-GCM with 16 octet ICV takes authentication NULL, not "
		  "HMAC-SHA-256-128" },
		{ ESP_V4 "\"NULL\"\n", "1: expected 8 fields, found 5" },
	};

	ASSERT(!check_bad(b, sizeof(b) / sizeof(b[0]), keytab_load_esp));
}

TEST(esp_ascii_keys_and_old_gcm_name)
{
	struct keytab	t;
	const char	*path = tmp_path("esp_ascii");

	/* no 0x: the string's bytes (Wireshark's compute_ascii_key);
	 * "AES-GCM [RFC4106]" (strongSwan's save-keys) is the 16-octet ICV */
	write_file(path, ESP_V4 "\"AES-CBC [RFC3602]\",\"0123456789abcdef\","
	    "\"NULL\",\"\"\n" ESP_V4 "\"AES-GCM [RFC4106]\",\"0x" K32
	    "00010203\",\"NULL\",\"\"\n", 0600);
	keytab_init(&t);
	ASSERT_EQ(keytab_load_esp(&t, path, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(t.esp[0].e_len, 16);
	ASSERT_MEM(t.esp[0].ekey, "0123456789abcdef", 16);
	ASSERT_EQ(t.esp[1].encr, IKEV2_ENCR_AES_GCM_16);
	ASSERT_EQ(t.esp[1].encr_keybits, 256);
	keytab_free(&t);
}

TEST(write_formats_round_trip)
{
	struct keytab	 t, u;
	const char	*path = tmp_path("out");
	char		 line[512];
	FILE		*f;
	size_t		 i;

	keytab_init(&t);
	keytab_init(&u);
	ASSERT_EQ(keytab_load_dir(&t, "tests/vectors/keys", err, sizeof(err)),
	    IKE_OK);
	ASSERT_EQ(t.n_ike, 3);
	ASSERT_EQ(t.n_esp, 4);

	ASSERT((f = fopen(path, "w")) != NULL);
	for (i = 0; i < t.n_ike; i++)
		ASSERT_EQ(keytab_write_ikev2(f, &t.ike[i]), 0);
	ASSERT_EQ(fclose(f), 0);
	ASSERT((f = fopen(path, "r")) != NULL);
	ASSERT(fgets(line, sizeof(line), f) != NULL);
	ASSERT(fgets(line, sizeof(line), f) != NULL);
	fclose(f);
	ASSERT(strcmp(line, "1111111111111111,2222222222222222," K16 ","
	    "101112131415161718191a1b1c1d1e1f,\"AES-CBC-128 [RFC3602]\"," K32
	    ",202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f,"
	    "\"HMAC_SHA2_256_128 [RFC4868]\"\n") == 0);
	ASSERT_EQ(keytab_load_ikev2(&u, path, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(u.n_ike, 3);
	ASSERT_MEM(u.ike, t.ike, 3 * sizeof(*t.ike));

	ASSERT((f = fopen(path, "w")) != NULL);
	for (i = 0; i < t.n_esp; i++)
		ASSERT_EQ(keytab_write_esp(f, &t.esp[i]), 0);
	ASSERT_EQ(fclose(f), 0);
	ASSERT((f = fopen(path, "r")) != NULL);
	ASSERT(fgets(line, sizeof(line), f) != NULL);
	fclose(f);
	ASSERT(strcmp(line, "\"IPv4\",\"192.0.2.1\",\"192.0.2.2\",\"0xc0ffee01\","
	    "\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x" K16 "10111213\","
	    "\"NULL\",\"0x\"\n") == 0);
	ASSERT_EQ(keytab_load_esp(&u, path, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(u.n_esp, 4);
	ASSERT_MEM(u.esp, t.esp, 4 * sizeof(*t.esp));

	t.ike[0].encr = 9999;
	ASSERT((f = fopen(path, "w")) != NULL);
	ASSERT_EQ(keytab_write_ikev2(f, &t.ike[0]), -1);
	fclose(f);
	keytab_free(&t);
	keytab_free(&u);
}

TEST(load_dir_needs_one_file)
{
	struct keytab	 t;
	const char	*dir = tmp_path("wsdir");
	char		 path[300], want[400];

	ASSERT_EQ(mkdir(dir, 0700), 0);
	keytab_init(&t);
	ASSERT_EQ(keytab_load_dir(&t, dir, err, sizeof(err)), IKE_EIO);
	snprintf(want, sizeof(want), "%s: no ikev2_decryption_table or esp_sa",
	    dir);
	ASSERT(strcmp(err, want) == 0);
	snprintf(path, sizeof(path), "%s/esp_sa", dir);
	write_file(path, "\"IPv4\",\"*\",\"*\",\"0x1\",\"NULL\",\"\",\"NULL\","
	    "\"\"\n", 0600);
	ASSERT_EQ(keytab_load_dir(&t, dir, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(t.n_esp, 1);
	ASSERT_EQ(t.n_ike, 0);
	write_file(path, "bogus\n", 0600);
	ASSERT_EQ(keytab_load_dir(&t, dir, err, sizeof(err)), IKE_EINVAL);
	snprintf(want, sizeof(want), "%s:1: expected 8 fields, found 1", path);
	ASSERT(strcmp(err, want) == 0);
	keytab_free(&t);
}

static const char ike_sa[] =
	"# ikekit state, format version 1\n"
	"version=1\n"
	"name=site-b\n"
	"state=established\n"
	"role=initiator\n"
	"ispi=0123456789abcdef\n"
	"rspi=fedcba9876543210\n"
	"local=192.0.2.1:4500\n"
	"remote=192.0.2.2:4500\n"
	"encr=ENCR_AES_CBC\n"
	"encr_keybits=256\n"
	"integ=AUTH_HMAC_SHA2_256_128\n"
	"prf=PRF_HMAC_SHA2_256\n"
	"dh=CURVE25519\n"
	"sk_d=" K32 "\n"
	"sk_ai=" K32 "\n"
	"sk_ar=" K32 "\n"
	"sk_ei=" K32 "\n"
	"sk_er=" K32 "\n"
	"sk_pi=" K32 "\n"
	"sk_pr=" K32 "\n";

static const char child_sa[] =
	"version=1\n"
	"name=net\n"
	"ike=site-b\n"
	"spi_in=0xc0ffee01\n"
	"spi_out=0xc0ffee02\n"
	"encr=ENCR_AES_GCM_16\n"
	"encr_keybits=128\n"
	"integ=AUTH_NONE\n"
	"esn=1\n"
	"key_in_e=" K16 "a0a1a2a3\n"
	"key_in_a=\n"
	"key_out_e=" K16 "b0b1b2b3\n"
	"key_out_a=\n"
	"local_ts=10.1.0.0/16\n"
	"remote_ts=10.2.0.0/16,10.3.0.1-10.3.0.9\n"
	"mode=tunnel\n"
	"encap=udp\n";

static const char *
make_statedir(const char *name, const char *ike, const char *child,
    const char *child2)
{
	static char	 sd[256];
	char		 path[400];

	snprintf(sd, sizeof(sd), "%s", tmp_path(name));
	if (mkdir(sd, 0700) != 0) {
		perror(sd);
		exit(2);
	}
	snprintf(path, sizeof(path), "%s/site-b", sd);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/site-b/ike.sa", sd);
	write_file(path, ike, 0600);
	snprintf(path, sizeof(path), "%s/site-b/child.net.sa", sd);
	write_file(path, child, 0600);
	if (child2 != NULL) {
		snprintf(path, sizeof(path), "%s/site-b/child.web.sa", sd);
		write_file(path, child2, 0600);
	}
	snprintf(path, sizeof(path), "%s/.lock", sd);	/* skipped */
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/scratch", sd);	/* no ike.sa */
	mkdir(path, 0700);
	return sd;
}

TEST(statedir_reads_ike_and_child)
{
	struct keytab		 t;
	const struct esp_sa_key	*in, *out;
	const char		*sd;
	char			 child2[2048];

	/* a second child with IPv6 endpoints of its own */
	snprintf(child2, sizeof(child2), "version=1\nname=web\nspi_in=0x10\n"
	    "spi_out=16\nencr=ENCR_CHACHA20_POLY1305\ninteg=AUTH_NONE\n"
	    "key_in_e=%s\nkey_out_e=%s\nlocal=2001:db8::1\nremote=2001:db8::2\n"
	    "future_key=ignored\n", K36, K36);
	sd = make_statedir("state", ike_sa, child_sa, child2);
	keytab_init(&t);
	ASSERT_EQ(keytab_load_statedir(&t, sd, err, sizeof(err)), IKE_OK);
	ASSERT_EQ(t.n_ike, 1);
	ASSERT_EQ(t.ike[0].ispi, 0x0123456789abcdefULL);
	ASSERT_EQ(t.ike[0].rspi, 0xfedcba9876543210ULL);
	ASSERT_EQ(t.ike[0].encr, IKEV2_ENCR_AES_CBC);
	ASSERT_EQ(t.ike[0].encr_keybits, 256);
	ASSERT_EQ(t.ike[0].integ, IKEV2_AUTH_HMAC_SHA2_256_128);
	ASSERT_EQ(t.ike[0].e_len, 32);
	ASSERT_EQ(t.ike[0].a_len, 32);
	ASSERT_MEM(t.ike[0].sk_ei, seq(0, 32), 32);
	ASSERT_EQ(t.n_esp, 4);
	/* inbound: remote -> local with spi_in and key_in_* */
	in = keytab_find_esp(&t, 0xc0ffee01, AF_INET, ip_b, ip_a);
	ASSERT(in != NULL);
	ASSERT_EQ(in->encr, IKEV2_ENCR_AES_GCM_16);
	ASSERT_EQ(in->encr_keybits, 128);
	ASSERT_EQ(in->e_len, 20);
	ASSERT(in->esn);
	ASSERT_MEM(in->ekey + 16, "\xa0\xa1\xa2\xa3", 4);
	out = keytab_find_esp(&t, 0xc0ffee02, AF_INET, ip_a, ip_b);
	ASSERT(out != NULL);
	ASSERT_MEM(out->ekey + 16, "\xb0\xb1\xb2\xb3", 4);
	ASSERT(keytab_find_esp(&t, 0xc0ffee01, AF_INET, ip_a, ip_b) == NULL);
	ASSERT_EQ(t.esp[2].af, AF_INET6);
	ASSERT_EQ(t.esp[2].spi, 16);
	ASSERT_EQ(t.esp[3].spi, 16);
	ASSERT_EQ(t.esp[2].encr, IKEV2_ENCR_CHACHA20_POLY1305);
	ASSERT_EQ(t.esp[2].e_len, 36);
	keytab_free(&t);
}

/* replace returns text with the line starting with key replaced by repl. */
static const char *
replace(const char *text, const char *key, const char *repl)
{
	static char	 out[4096];
	const char	*at = strstr(text, key), *nl;

	if (at == NULL)
		return text;
	nl = strchr(at, '\n') + 1;
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - text), text, repl, nl);
	return out;
}

TEST(statedir_errors)
{
	static const struct {
		const char	*file, *key, *repl, *msg;
	} c[] = {
		{ "ike.sa", "version=", "version=2\n", "2: version 2 is not supported (only 1)" },
		{ "ike.sa", "version=", "", " missing version" },
		{ "ike.sa", "sk_ei=", "", " missing sk_ei" },
		{ "ike.sa", "sk_er=", "sk_er=abc\n", "19: sk_er: odd number of hex digits" },
		{ "ike.sa", "sk_er=", "sk_er=" K16 "\n",
		  "19: sk_er is 16 bytes, ENCR_AES_CBC needs 32" },
		{ "ike.sa", "encr=", "encr=ENCR_ROT13\n",
		  "10: encr: unknown algorithm \"ENCR_ROT13\"" },
		{ "ike.sa", "encr_keybits=", "encr_keybits=100\n",
		  "10: encr: ENCR_AES_CBC with 100-bit keys is not supported" },
		{ "ike.sa", "ispi=", "ispi=12345\n", "6: ispi: not 16 hex digits" },
		{ "ike.sa", "name=", "name site-b\n", "3: expected key=value" },
		{ "ike.sa", "role=", "sk_d=00\nsk_ai=00\n",
		  "17: sk_ai: duplicate (first on line 6)" },
		{ "ike.sa", "remote=", "remote=[2001:db8::2]:500\n",
		  "9: remote: not the address family of local" },
		{ "ike.sa", "local=", "local=nowhere\n",
		  "8: local: \"nowhere\" is not an address" },
		{ "child.net.sa", "spi_in=", "spi_in=0x1c0ffee01\n",
		  "4: spi_in: \"0x1c0ffee01\" is not a valid number" },
		{ "child.net.sa", "esn=", "esn=2\n",
		  "9: esn: \"2\" is not a valid number" },
		{ "child.net.sa", "key_out_e=", "key_out_e=" K16 "\n",
		  "12: key_out_e is 16 bytes, ENCR_AES_GCM_16 needs 20" },
		{ "child.net.sa", "spi_out=", "", " missing spi_out" },
	};
	struct keytab	 t;
	const char	*sd;
	char		 name[32], want[512];
	size_t		 i;
	int		 bad = 0;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(name, sizeof(name), "state%zu", i);
		if (strcmp(c[i].file, "ike.sa") == 0)
			sd = make_statedir(name, replace(ike_sa, c[i].key,
			    c[i].repl), child_sa, NULL);
		else
			sd = make_statedir(name, ike_sa, replace(child_sa,
			    c[i].key, c[i].repl), NULL);
		/* msg is "LINE: what", or " what" where no line applies */
		snprintf(want, sizeof(want), "%s/site-b/%s:%s", sd, c[i].file,
		    c[i].msg);
		keytab_init(&t);
		if (keytab_load_statedir(&t, sd, err, sizeof(err)) != IKE_EINVAL ||
		    strcmp(err, want) != 0) {
			fprintf(stderr, "case %zu:\n  want %s\n  got  %s\n", i,
			    want, err);
			bad = 1;
		}
		keytab_free(&t);
	}
	ASSERT(!bad);
	keytab_init(&t);
	ASSERT_EQ(keytab_load_statedir(&t, tmp_path("no-such-dir"), err,
	    sizeof(err)), IKE_EIO);
	keytab_free(&t);
}

TEST(clear_wipes_every_key)
{
	static const uint8_t	zero[sizeof(struct ike_sa_key) +
				    sizeof(struct esp_sa_key)];
	struct keytab		t;
	size_t			i;

	keytab_init(&t);
	ASSERT_EQ(keytab_load_dir(&t, "tests/vectors/keys", err, sizeof(err)),
	    IKE_OK);
	ASSERT(t.n_ike > 0 && t.n_esp > 0);
	keytab_clear(&t);
	ASSERT_EQ(t.n_ike, 0);
	ASSERT_EQ(t.n_esp, 0);
	for (i = 0; i < t.cap_ike; i++)
		ASSERT_MEM(&t.ike[i], zero, sizeof(t.ike[i]));
	for (i = 0; i < t.cap_esp; i++)
		ASSERT_MEM(&t.esp[i], zero, sizeof(t.esp[i]));
	keytab_free(&t);
	ASSERT(t.ike == NULL && t.esp == NULL && t.cap_ike == 0);
}

TEST(growth_keeps_entries)
{
	struct keytab		t;
	struct ike_sa_key	k;
	uint64_t		i;

	keytab_init(&t);
	memset(&k, 0, sizeof(k));
	for (i = 0; i < 100; i++) {
		k.ispi = i;
		ASSERT_EQ(keytab_add_ike(&t, &k), IKE_OK);
	}
	ASSERT_EQ(t.n_ike, 100);
	for (i = 0; i < 100; i++)
		ASSERT(keytab_find_ike(&t, i, 0) == &t.ike[i]);
	keytab_free(&t);
}
