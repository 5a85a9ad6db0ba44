/* SPDX-License-Identifier: ISC */
/* Fuzzes the capture reader: the input as a whole pcap or pcapng file, read to its end. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "codec/msg.h"
#include "fuzz.h"
#include "io/pkt.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

enum { MAX_PKTS = 10000 };

static char	 path[64];

static void
cleanup(void)
{
	(void)unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike_msg	 m;
	struct pkt_src		*src = NULL;
	struct pkt		 pkt;
	char			 err[512];
	FILE			*f;
	uint64_t		 last = 0;
	int			 fd, rc, n;

	if (path[0] == '\0') {
		/* tmpfs if there is one: a file per input is the cost here */
		snprintf(path, sizeof(path), "%s/fuzz_pcap.%ld.XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
		    (long)getpid());
		FUZZ_CHECK((fd = mkstemp(path)) >= 0);
		(void)close(fd);
		atexit(cleanup);
	}
	FUZZ_CHECK((f = fopen(path, "w")) != NULL);
	FUZZ_CHECK(size == 0 || fwrite(data, 1, size, f) == size);
	FUZZ_CHECK(fclose(f) == 0);

	if (pkt_open_file(&src, path, NULL, err, sizeof(err)) != IKE_OK)
		return 0;
	FUZZ_CHECK(pkt_dlt_supported(pkt_dlt(src)));
	for (n = 0; n < MAX_PKTS; n++) {
		if ((rc = pkt_next(src, &pkt, err, sizeof(err))) <= 0)
			break;
		FUZZ_CHECK(pkt.frame == last + 1);
		last = pkt.frame;
		if (pkt.kind == PKT_IKE)
			(void)msg_parse(pkt.data, &m);
	}
	pkt_close(src);
	return 0;
}
