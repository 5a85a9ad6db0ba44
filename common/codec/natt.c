/* SPDX-License-Identifier: ISC */
/* UDP 4500 classification (RFC 3948 2.2, 2.3): keepalive, marker + IKE, or ESP. */
#include "codec/natt.h"
#include "names/ikev2.h"

enum natt_kind
natt_classify(struct rd udp, struct rd *out)
{
	uint8_t		 b;
	uint32_t	 first;

	*out = rd_init(NULL, 0);
	/* 2.3: NAT-keepalive is the single byte 0xFF */
	if (udp.len == 1 && rd_peek_u8(&udp, &b) && b == 0xff)
		return NATT_KEEPALIVE;
	if (!rd_peek_u32(&udp, &first))
		return NATT_BAD;
	if (first == 0) {
		/* 2.2: non-ESP marker, then the IKE message */
		(void)rd_skip(&udp, NON_ESP_MARKER_LEN);
		if (udp.len < IKE_HDR_LEN)
			return NATT_BAD;
		*out = udp;
		return NATT_IKE;
	}
	if (udp.len < ESP_HDR_LEN)
		return NATT_BAD;
	*out = udp;
	return NATT_ESP;
}

void
natt_put_marker(struct wr *w)
{
	wr_u32(w, 0);
}
