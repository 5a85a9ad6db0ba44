/* SPDX-License-Identifier: ISC */
/* Keys for ike-decode: loading the key sources, and cached ciphers per SA. */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "codec/hdr.h"
#include "crypto/esp.h"
#include "crypto/secret.h"
#include "crypto/sk.h"
#include "keys/keys.h"
#include "sa/statedir.h"
#include "names/ikev2.h"
#include "decode.h"

enum {
	IKE_CACHE	= 64,	/* IKE SAs looked up recently */
	ESP_CACHE_BITS	= 12,
	ESP_CACHE	= 1 << ESP_CACHE_BITS,	/* ESP SAs with a ready cipher */
	ERR_LEN		= 512,
};

struct ike_slot {
	bool			 used;
	uint64_t		 ispi, rspi;
	const struct ike_sa_key	*k;		/* NULL: no key */
};

/* An ESP SA as seen on the wire (SPI and addresses), with its cipher made
 * once, or the reason there is none. */
struct esp_slot {
	bool		 used, ready;
	enum ike_err	 err;			/* when not ready */
	uint32_t	 spi;
	int		 af;
	uint8_t		 src[16], dst[16];
	uint32_t	 hi, last_lo;		/* ESN: inferred high half */
	struct esp_sa	 sa;
};

static struct keytab	 kt;
static bool		 loaded, any;
static struct ike_slot	 ike_cache[IKE_CACHE];
static struct esp_slot	 esp_cache[ESP_CACHE];

static const char *
default_state_dir(void)
{
	static char	 buf[4096];
	enum ike_err	 e;

	if ((e = sd_default_dir(buf, sizeof(buf))) == IKE_EINVAL)
		die(EXIT_USAGE, "--decrypt: no state directory: give -S DIR or set "
		    "IKE_STATE_DIR");
	if (e != IKE_OK)
		die_err(e, "--decrypt: state directory");
	return buf;
}

static void
check(enum ike_err e, const char *err)
{
	if (e != IKE_OK)
		die(ike_err_exit(e), "%s", err);
}

void
keys_load(const struct opts *o)
{
	char err[ERR_LEN];

	keytab_init(&kt);
	loaded = true;
	atexit(keys_free);
	if (o->keys_dir != NULL)
		check(keytab_load_dir(&kt, o->keys_dir, err, sizeof(err)), err);
	if (o->ike_keys != NULL)
		check(keytab_load_ikev2(&kt, o->ike_keys, err, sizeof(err)), err);
	if (o->esp_keys != NULL)
		check(keytab_load_esp(&kt, o->esp_keys, err, sizeof(err)), err);
	if (o->decrypt) {
		const char *sd = o->state_dir != NULL ? o->state_dir : default_state_dir();

		check(keytab_load_statedir(&kt, sd, err, sizeof(err)), err);
	}
	any = o->decrypt || o->keys_dir != NULL || o->ike_keys != NULL ||
	    o->esp_keys != NULL;
	if (any && !crypto_init())
		die(EXIT_FAIL, "cannot initialise libsodium");
}

bool
keys_any(void)
{
	return any;
}

void
keys_free(void)
{
	if (!loaded)
		return;
	for (size_t i = 0; i < ESP_CACHE; i++) {
		if (esp_cache[i].used && esp_cache[i].ready)
			esp_sa_free(&esp_cache[i].sa);
		esp_cache[i].used = esp_cache[i].ready = false;
	}
	memset(ike_cache, 0, sizeof(ike_cache));
	keytab_free(&kt);
	ike_wipe();
	esp_wipe();
	loaded = false;
}

static const struct ike_sa_key *
find_ike(uint64_t ispi, uint64_t rspi)
{
	struct ike_slot *s = &ike_cache[(ispi ^ rspi ^ (ispi >> 29)) % IKE_CACHE];

	if (!s->used || s->ispi != ispi || s->rspi != rspi) {
		s->used = true;
		s->ispi = ispi;
		s->rspi = rspi;
		s->k = keytab_find_ike(&kt, ispi, rspi);
	}
	return s->k;
}

enum ike_err
keys_sk_open(const struct ike_hdr *h, const uint8_t *msg, size_t len, size_t body_off,
    uint8_t *out, size_t cap, size_t *out_len)
{
	const struct ike_sa_key	*k;
	struct sk_cipher	 c;
	bool			 from_i = (h->flags & IKEV2_FLAG_INITIATOR) != 0;

	if ((k = find_ike(h->ispi, h->rspi)) == NULL)
		return IKE_ENOKEY;
	c.encr = k->encr;
	c.keybits = k->encr_keybits;
	c.integ = k->integ;
	c.ekey = from_i ? k->sk_ei : k->sk_er;
	c.ekey_len = k->e_len;
	c.akey = k->a_len > 0 ? (from_i ? k->sk_ai : k->sk_ar) : NULL;
	c.akey_len = k->a_len;
	return sk_decrypt(&c, msg, len, body_off, out, cap, out_len);
}

static size_t
addr_len(int af)
{
	return af == AF_INET6 ? 16 : 4;
}

/* esp_slot_for returns the cache slot of this SA, making its cipher the
 * first time it is seen (or when another SA had the slot). */
static struct esp_slot *
esp_slot_for(const struct pkt *pk, uint32_t spi)
{
	size_t			 n = addr_len(pk->af);
	/* Fibonacci hashing: the product's top bits depend on every SPI bit */
	size_t			 i = (uint32_t)(spi * 2654435761u) >> (32 - ESP_CACHE_BITS);
	struct esp_slot		*s = NULL;
	const struct esp_sa_key	*k;

	for (size_t probe = 0; probe < 4; probe++) {
		struct esp_slot *t = &esp_cache[(i + probe) % ESP_CACHE];

		if (t->used && t->spi == spi && t->af == pk->af &&
		    memcmp(t->src, pk->src, n) == 0 && memcmp(t->dst, pk->dst, n) == 0)
			return t;
		if (s == NULL && !t->used)
			s = t;
	}
	if (s == NULL)
		s = &esp_cache[i];		/* evict the home slot */
	if (s->used && s->ready)
		esp_sa_free(&s->sa);
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->spi = spi;
	s->af = pk->af;
	memcpy(s->src, pk->src, n);
	memcpy(s->dst, pk->dst, n);
	k = keytab_find_esp(&kt, spi, pk->af, pk->src, pk->dst);
	if (k == NULL) {
		s->err = IKE_ENOKEY;
		return s;
	}
	s->err = esp_sa_init(&s->sa, spi, k->encr, k->encr_keybits, k->integ, k->ekey,
	    k->e_len, k->a_len > 0 ? k->akey : NULL, k->a_len, k->esn);
	s->ready = s->err == IKE_OK;
	if (!s->ready)
		esp_sa_free(&s->sa);
	return s;
}

enum ike_err
keys_esp_open(const struct pkt *pk, uint32_t spi, const uint8_t *esp, size_t len,
    uint8_t *out, size_t cap, size_t *out_len, uint8_t *next_hdr)
{
	struct esp_slot	*s = esp_slot_for(pk, spi);
	uint32_t	 lo, hi;
	enum ike_err	 e;

	if (!s->ready)
		return s->err;
	lo = (uint32_t)esp[4] << 24 | (uint32_t)esp[5] << 16 | (uint32_t)esp[6] << 8 |
	    esp[7];
	/* RFC 4303 A2, simplified: a low half far below the last one wrapped */
	hi = s->hi;
	if (s->sa.esn && lo < s->last_lo && s->last_lo - lo > 0x80000000u)
		hi++;
	e = esp_open(&s->sa, esp, len, hi, out, cap, out_len, next_hdr);
	if (e == IKE_OK && s->sa.esn) {
		s->hi = hi;
		s->last_lo = lo;
	}
	return e;
}
