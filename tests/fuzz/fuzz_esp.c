/* SPDX-License-Identifier: ISC */
/* Fuzzes esp_open on packets for several SA kinds, with an esp_seal/esp_open round trip. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/esp.h"
#include "fuzz.h"
#include "names/ikev2.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

enum {
	N_KINDS	= 5,
	PT_MAX	= 4096,
	PKT_MAX	= 70000,
};

/* The first inbound SAs of tests/vectors/decode/strongswan-{gcm,cbc,chacha},
 * the CBC one again with ESN, and NULL encryption with HMAC. */
static const struct kind_hex {
	uint32_t	 spi;
	uint16_t	 encr, keybits, integ;
	bool		 esn;
	const char	*ekey, *akey;
} kind_hex[N_KINDS] = {
	{ 0x5ea532ff, IKEV2_ENCR_AES_GCM_16, 256, IKEV2_AUTH_NONE, false,
	  "e9bea03a5b456d3027cd9d54e891eccf349d10734ed9d8aa0ce402361541f62a"
	  "2d6a5a14", "" },
	{ 0xea7c22bc, IKEV2_ENCR_AES_CBC, 256, IKEV2_AUTH_HMAC_SHA2_256_128,
	  false,
	  "d5713b66e0d0651dd15bdf7d13e795bd43d31661faf96b1d3ffe24bf4ddb6af4",
	  "bbe5b5ffcd7460276943356988c362eb914e189937fa56fb16a905e7d3559b05" },
	{ 0x5c95e956, IKEV2_ENCR_CHACHA20_POLY1305, 0, IKEV2_AUTH_NONE, false,
	  "2bce434117560e4d81d0cbd73519c0b0b54f0323ec8efe4bbaf4485a0999e081"
	  "0be8713f", "" },
	{ 0xea7c22bc, IKEV2_ENCR_AES_CBC, 256, IKEV2_AUTH_HMAC_SHA2_256_128,
	  true,
	  "d5713b66e0d0651dd15bdf7d13e795bd43d31661faf96b1d3ffe24bf4ddb6af4",
	  "bbe5b5ffcd7460276943356988c362eb914e189937fa56fb16a905e7d3559b05" },
	{ 0x00001234, IKEV2_ENCR_NULL, 0, IKEV2_AUTH_HMAC_SHA2_256_128, false,
	  "", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" },
};

static struct esp_sa	 sas[N_KINDS];
static uint8_t		 out[PKT_MAX], pkt[PKT_MAX], pt2[PKT_MAX];

static void
init_sas(void)
{
	static bool	 done;
	uint8_t		 ek[36], ak[64];
	size_t		 i, el, al;

	if (done)
		return;
	for (i = 0; i < N_KINDS; i++) {
		const struct kind_hex *k = &kind_hex[i];

		el = fuzz_hex(k->ekey, ek, sizeof(ek));
		al = fuzz_hex(k->akey, ak, sizeof(ak));
		FUZZ_CHECK(esp_sa_init(&sas[i], k->spi, k->encr, k->keybits,
		    k->integ, el == 0 ? NULL : ek, el, al == 0 ? NULL : ak, al,
		    k->esn) == IKE_OK);
	}
	done = true;
}

/* round_trip seals pt, opens it again, and checks that one flipped bit
 * anywhere in the packet makes esp_open fail. */
static void
round_trip(struct esp_sa *sa, uint64_t seq, uint8_t nh, const uint8_t *pt,
    size_t pt_len, size_t flip)
{
	size_t	 len = 0, n = 0;
	uint8_t	 nh2 = 0;

	FUZZ_CHECK(esp_seal(sa, seq, nh, pt, pt_len, pkt, sizeof(pkt), &len) ==
	    IKE_OK);
	FUZZ_CHECK(len == esp_sealed_len(sa, pt_len));
	FUZZ_CHECK(esp_open(sa, pkt, len, (uint32_t)(seq >> 32), pt2,
	    sizeof(pt2), &n, &nh2) == IKE_OK);
	FUZZ_CHECK(n == pt_len && nh2 == nh &&
	    (n == 0 || memcmp(pt2, pt, n) == 0));
	flip %= len * 8;
	pkt[flip / 8] ^= (uint8_t)(1u << (flip % 8));
	FUZZ_CHECK(esp_open(sa, pkt, len, (uint32_t)(seq >> 32), pt2,
	    sizeof(pt2), &n, &nh2) != IKE_OK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct esp_sa	*sa;
	size_t		 n = 0, flip, pt_len;
	uint64_t	 seq;
	uint8_t		 nh = 0;
	enum ike_err	 e;

	init_sas();
	if (size < 2)
		return 0;
	sa = &sas[data[0] % N_KINDS];

	/* [kind][seq_hi][ESP packet from the SPI] */
	e = esp_open(sa, data + 2, size - 2, data[1], out, sizeof(out), &n,
	    &nh);
	if (e == IKE_OK)
		FUZZ_CHECK(n + ESP_SPI_SEQ_LEN + ESP_TRAILER_LEN <= size - 2);

	/* round trip: the input after the kind is the inner packet */
	seq = (uint64_t)data[1] << 32 | (uint64_t)data[0] << 8 | 1;
	flip = (size_t)data[1] << 8 | data[size - 1];
	pt_len = size - 2 > PT_MAX ? PT_MAX : size - 2;
	round_trip(sa, seq, data[1], data + 2, pt_len, flip);
	return 0;
}
