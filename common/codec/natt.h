/* SPDX-License-Identifier: ISC */
/* UDP 4500 payloads (RFC 3948 2): NAT keepalive, non-ESP marker + IKE, or ESP. */
#ifndef IKEKIT_CODEC_NATT_H
#define IKEKIT_CODEC_NATT_H

#include "buf/buf.h"

enum natt_kind {
	NATT_BAD,		/* none of the below: drop */
	NATT_KEEPALIVE,		/* the single byte 0xFF */
	NATT_IKE,		/* 4 zero bytes, then an IKE message */
	NATT_ESP,		/* an ESP packet (SPI != 0) */
};

/* natt_classify says what the UDP payload udp is and sets out to the IKE
 * message (after the marker) or the ESP packet; out is empty otherwise. ESP
 * shorter than its 8-byte header and IKE shorter than 28 bytes are NATT_BAD. */
enum natt_kind	 natt_classify(struct rd udp, struct rd *out);

/* natt_put_marker writes the 4-byte non-ESP marker. */
void		 natt_put_marker(struct wr *w);

#endif
