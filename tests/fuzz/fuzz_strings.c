/* SPDX-License-Identifier: ISC */
/* libFuzzer target: the strings users give on command lines and in state files: proposal strings, selector lists, identities, address pools; each one that parses is formatted and parsed again to the same value. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "exchange/cp.h"
#include "exchange/xchg.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: [kind][string]. kind % 5: 0 IKE proposals, 1 ESP proposals, 2 a
 * selector list, 3 an identity, 4 an address pool. The string stops at
 * the first NUL, as on a command line.
 *
 * Oracles: a parse that fails leaves an error message (and, for
 * proposals, no proposal); one that succeeds formats to a string that
 * parses again to the same value and formats to the same string.
 */
enum { STR_MAX = 4096 };

static char	 s[STR_MAX + 1], f1[8192], f2[8192], err[256];

static void
proposals(uint8_t proto)
{
	static struct sa_pld	 a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (proposal_parse(&a, proto, s, err, sizeof(err)) != IKE_OK) {
		FUZZ_CHECK(a.n_props == 0 && err[0] != '\0');
		return;
	}
	FUZZ_CHECK(a.n_props > 0);
	if (proposal_format_pld(&a, f1, sizeof(f1)) >= sizeof(f1))
		return;
	if (proposal_parse(&b, proto, f1, err, sizeof(err)) != IKE_OK) {
		fprintf(stderr, "'%s' formats as '%s': %s\n", s, f1, err);
		FUZZ_CHECK(!"a formatted proposal does not parse");
	}
	FUZZ_CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	(void)proposal_format_pld(&b, f2, sizeof(f2));
	FUZZ_CHECK(strcmp(f1, f2) == 0);
}

static void
selectors(void)
{
	static struct ts_pld	 a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (ts_parse_list(&a, s, err, sizeof(err)) != IKE_OK) {
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	ts_format_list(&a, f1, sizeof(f1));
	if (ts_parse_list(&b, f1, err, sizeof(err)) != IKE_OK) {
		fprintf(stderr, "'%s' formats as '%s': %s\n", s, f1, err);
		FUZZ_CHECK(!"a formatted selector list does not parse");
	}
	FUZZ_CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	ts_format_list(&b, f2, sizeof(f2));
	FUZZ_CHECK(strcmp(f1, f2) == 0);
}

static void
identity(void)
{
	static struct ike_id	 a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (ike_id_parse(&a, s) != IKE_OK)
		return;
	FUZZ_CHECK(a.type != 0 && a.len > 0 && a.len <= IKE_ID_MAX_LEN);
	ike_id_format(&a, f1, sizeof(f1));
	/* a name formats without the '@' that makes any string one */
	if (a.type == IKEV2_ID_FQDN) {
		FUZZ_CHECK(snprintf(f2, sizeof(f2), "@%s", f1) < (int)sizeof(f2));
		memcpy(f1, f2, strlen(f2) + 1);
	}
	if (ike_id_parse(&b, f1) != IKE_OK) {
		fprintf(stderr, "'%s' formats as '%s'\n", s, f1);
		FUZZ_CHECK(!"a formatted identity does not parse");
	}
	FUZZ_CHECK(a.type == b.type && a.len == b.len &&
	    memcmp(a.data, b.data, a.len) == 0);
}

static void
pool(void)
{
	static struct cp_cfg	 c;
	size_t			 i;

	memset(&c, 0, sizeof(c));
	if (cp_pool_parse(&c, s, err, sizeof(err)) != IKE_OK) {
		FUZZ_CHECK(err[0] != '\0');
	} else {
		for (i = 0; i < 2; i++)
			FUZZ_CHECK(c.pool[i].fam == 0 || (c.pool[i].size > 0 &&
			    c.pool[i].size <= CP_POOL_MAX &&
			    c.pool[i].used != NULL));
		FUZZ_CHECK(c.pool[0].fam != 0 || c.pool[1].fam != 0);
	}
	cp_cfg_free(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	 n;

	if (size < 1 || size - 1 > STR_MAX)
		return 0;
	n = size - 1;
	memcpy(s, data + 1, n);
	s[n] = '\0';		/* stops at the first NUL, as argv does */
	err[0] = '\0';
	switch (data[0] % 5) {
	case 0:
		proposals(IKEV2_PROTO_IKE);
		break;
	case 1:
		proposals(IKEV2_PROTO_ESP);
		break;
	case 2:
		selectors();
		break;
	case 3:
		identity();
		break;
	case 4:
		pool();
		break;
	}
	return 0;
}
