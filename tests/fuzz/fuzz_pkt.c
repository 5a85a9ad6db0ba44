/* SPDX-License-Identifier: ISC */
/* Fuzzes pkt_frame for every supported link type, and msg_parse on the IKE it finds. */
#include <pcap/dlt.h>

#include <stddef.h>
#include <stdint.h>

#include "codec/msg.h"
#include "fuzz.h"
#include "io/pkt.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const int dlts[] = {
	DLT_NULL, DLT_EN10MB, DLT_RAW, PKT_LINKTYPE_RAW, DLT_LOOP,
	DLT_LINUX_SLL, DLT_LINUX_SLL2, PKT_LINKTYPE_IPV4, PKT_LINKTYPE_IPV6,
	189,	/* LINKTYPE_USB_LINUX: not supported */
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike_msg	 m;
	struct pkt		 pkt;
	int			 dlt;

	if (size < 1)
		return 0;
	dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	pkt_frame(dlt, data + 1, size - 1, &pkt);
	if (!pkt_dlt_supported(dlt))
		FUZZ_CHECK(pkt.kind == PKT_OTHER);
	/* data always lies inside the frame */
	FUZZ_CHECK(pkt.data.len == 0 || (pkt.data.p >= data + 1 &&
	    pkt.data.p + pkt.data.len <= data + size));
	switch (pkt.kind) {
	case PKT_IKE:
		FUZZ_CHECK(pkt.has_addr);
		(void)msg_parse(pkt.data, &m);
		break;
	case PKT_ESP:
		FUZZ_CHECK(pkt.data.len >= PKT_ESP_HDR_LEN);
		break;
	case PKT_OTHER:
	case PKT_MALFORMED:
		FUZZ_CHECK(pkt.why != NULL);
		break;
	case PKT_KEEPALIVE:
		break;
	}
	return 0;
}
