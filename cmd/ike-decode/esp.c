/* SPDX-License-Identifier: ISC */
/* Decoding one ESP packet: header, and with keys the IP packet it carries. */
#include <string.h>

#include "codec/esp.h"
#include "crypto/secret.h"
#include "decode.h"

enum { ESP_PLAIN_CAP = 65536 };

static uint8_t		 plain[ESP_PLAIN_CAP];
static size_t		 plain_len;
static struct desp	 cur;

void
esp_wipe(void)
{
	if (plain_len > 0)
		wipe(plain, plain_len);
	plain_len = 0;
}

void
esp_decode(const struct pkt *pk, struct rec *r)
{
	struct rd	 b = pk->data;
	struct esp_hdr	 h;
	uint8_t		 nh;
	enum ike_err	 e;

	esp_wipe();
	memset(&cur, 0, sizeof(cur));
	r->esp = &cur;
	if ((e = esp_hdr_parse(&b, &h)) != IKE_OK) {
		r->kind = REC_MALFORMED;
		strcpy(r->why, e == IKE_ETRUNC ? "ESP: truncated header" :
		    "ESP: reserved SPI");
		return;
	}
	r->kind = REC_ESP;
	cur.spi = h.spi;
	cur.seq = h.seq;
	cur.len = pk->data.len;
	if (!keys_any())
		return;
	e = keys_esp_open(pk, h.spi, pk->data.p, pk->data.len, plain, sizeof(plain),
	    &plain_len, &nh);
	if (e != IKE_OK) {
		cur.st = SK_FAIL;
		cur.err = e;
		plain_len = 0;
		return;
	}
	cur.st = SK_OK;
	inner_parse(plain, plain_len, nh, &cur.in);
}
