/* SPDX-License-Identifier: ISC */
/* Notify payload (RFC 7296 3.10) with the data shape of each common type checked. */
#include <string.h>

#include "codec/notify.h"
#include "names/ikev2.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* What a notify of a given type must look like; unlisted types are free. */
static const struct shape {
	uint16_t	 type;
	uint8_t		 spi_len;	/* required SPI size; 0xff = any */
	uint16_t	 min, max;	/* data length */
	uint8_t		 mult;		/* data is whole units of this; 0 = any */
} shapes[] = {
	/* 3.10.1 */
	{ IKEV2_N_INVALID_KE_PAYLOAD,		 0,  2,  2, 0 },
	{ IKEV2_N_INVALID_SELECTORS,		 4,  0, 0xffff, 0 },
	{ IKEV2_N_CHILD_SA_NOT_FOUND,		 4,  0,  0, 0 },
	{ IKEV2_N_INITIAL_CONTACT,		 0,  0,  0, 0 },
	{ IKEV2_N_SET_WINDOW_SIZE,		 0,  4,  4, 0 },
	{ IKEV2_N_NAT_DETECTION_SOURCE_IP,	 0, NATD_HASH_LEN, NATD_HASH_LEN, 0 },
	{ IKEV2_N_NAT_DETECTION_DESTINATION_IP,	 0, NATD_HASH_LEN, NATD_HASH_LEN, 0 },
	{ IKEV2_N_COOKIE,			 0,  1, COOKIE_MAX_LEN, 0 },
	{ IKEV2_N_USE_TRANSPORT_MODE,		 0,  0,  0, 0 },
	{ IKEV2_N_REKEY_SA,			 4,  0,  0, 0 },
	{ IKEV2_N_ESP_TFC_PADDING_NOT_SUPPORTED, 0,  0,  0, 0 },
	{ IKEV2_N_NON_FIRST_FRAGMENTS_ALSO,	 0,  0,  0, 0 },
	/* RFC 4555 */
	{ IKEV2_N_MOBIKE_SUPPORTED,		 0,  0,  0, 0 },
	{ IKEV2_N_ADDITIONAL_IP4_ADDRESS,	 0,  4,  4, 0 },
	{ IKEV2_N_ADDITIONAL_IP6_ADDRESS,	 0, 16, 16, 0 },
	{ IKEV2_N_NO_ADDITIONAL_ADDRESSES,	 0,  0,  0, 0 },
	{ IKEV2_N_UPDATE_SA_ADDRESSES,		 0,  0,  0, 0 },
	{ IKEV2_N_NO_NATS_ALLOWED,		 0,  0, 0xffff, 0 },
	/* RFC 4478, 4739 */
	{ IKEV2_N_AUTH_LIFETIME,		 0,  4,  4, 0 },
	{ IKEV2_N_MULTIPLE_AUTH_SUPPORTED,	 0,  0,  0, 0 },
	{ IKEV2_N_ANOTHER_AUTH_FOLLOWS,		 0,  0,  0, 0 },
	/* RFC 5685 */
	{ IKEV2_N_REDIRECT_SUPPORTED,		 0,  0,  0, 0 },
	/* RFC 6023, 7383, 7427, 9242 */
	{ IKEV2_N_CHILDLESS_IKEV2_SUPPORTED,	 0,  0,  0, 0 },
	{ IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, 0,  0,  0, 0 },
	{ IKEV2_N_SIGNATURE_HASH_ALGORITHMS,	 0,  2, 0xffff, 2 },
	{ IKEV2_N_INTERMEDIATE_EXCHANGE_SUPPORTED, 0, 0,  0, 0 },
};

static const struct shape *
shape_of(uint16_t type)
{
	size_t i;

	for (i = 0; i < NELEM(shapes); i++)
		if (shapes[i].type == type)
			return &shapes[i];
	return NULL;
}

enum ike_err
notify_parse(struct rd *body, struct notify_pld *out)
{
	struct rd		 r = *body;
	const struct shape	*s;

	/* Protocol ID | SPI Size | Notify Message Type | SPI | Data */
	if (!rd_u8(&r, &out->proto) || !rd_u8(&r, &out->spi_len) ||
	    !rd_u16(&r, &out->type))
		return IKE_ETRUNC;
	switch (out->spi_len) {
	case 0:
		out->proto = 0;	/* RFC 7296 3.10: then ignored on receipt */
		break;
	case 4:
		if (out->proto != IKEV2_PROTO_AH &&
		    out->proto != IKEV2_PROTO_ESP)
			return IKE_ESYNTAX;
		break;
	case 8:
		if (out->proto != IKEV2_PROTO_IKE)
			return IKE_ESYNTAX;
		break;
	default:
		return IKE_ESYNTAX;
	}
	if (!rd_copy(&r, out->spi, out->spi_len))
		return IKE_ETRUNC;
	if ((s = shape_of(out->type)) != NULL) {
		if (s->spi_len != 0xff && out->spi_len != s->spi_len)
			return IKE_ESYNTAX;
		if (r.len < s->min || r.len > s->max)
			return IKE_ESYNTAX;
		if (s->mult != 0 && r.len % s->mult != 0)
			return IKE_ESYNTAX;
	}
	rd_rest(&r, &out->data);
	*body = r;
	return IKE_OK;
}

bool
notify_is_error(uint16_t type)
{
	return type != 0 && type <= IKEV2_N_ERROR_MAX;
}

bool
notify_spi32(const struct notify_pld *n, uint32_t *out)
{
	struct rd r = rd_init(n->spi, n->spi_len);

	if (n->spi_len != 4)
		return false;
	return rd_u32(&r, out);
}

void
notify_put(struct wr *w, uint8_t proto, const void *spi, uint8_t spi_len,
    uint16_t type, const void *data, size_t data_len)
{
	wr_u8(w, spi_len == 0 ? 0 : proto);
	wr_u8(w, spi_len);
	wr_u16(w, type);
	wr_bytes(w, spi, spi_len);
	wr_bytes(w, data, data_len);
}
