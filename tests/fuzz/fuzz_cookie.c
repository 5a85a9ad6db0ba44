/* SPDX-License-Identifier: ISC */
/* Fuzzes what a responder does before any state: cookie_check on an IKE_SA_INIT request, and CP requests against a pool. */
#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "codec/cp.h"
#include "codec/msg.h"
#include "exchange/cookie.h"
#include "exchange/cp.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t	 obuf[4096];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cookie_gen	 g;
	static struct cp_cfg		 c;
	static bool			 init;
	static const uint8_t		 ip[16] = { 192, 0, 2, 1 };
	struct wr			 out = wr_init(obuf, sizeof(obuf));
	struct ike_msg			 m;
	struct cp_pld			 cp;
	struct cp_vip			 v[3];
	struct rd			 body;
	enum ike_err			 e;
	char				 err[128];
	int				 k;

	if (!init) {
		memset(&g, 0, sizeof(g));	/* a fixed secret: reproducible */
		FUZZ_CHECK(cp_pool_parse(&c, "10.3.7.0/30", err, sizeof(err)) == IKE_OK);
		FUZZ_CHECK(cp_pool_parse(&c, "fd00::/127", err, sizeof(err)) == IKE_OK);
		FUZZ_CHECK(cp_dns_add(&c, "10.3.0.53") == IKE_OK);
		init = true;
	}
	/* oracle: a refusal is exactly one well-formed N(COOKIE) response;
	 * any other error answers nothing */
	e = cookie_check(&g, rd_init(data, size), AF_INET, ip, &out);
	if (e == IKE_EREFUSED) {
		FUZZ_CHECK(msg_parse(rd_init(obuf, out.len), &m) == IKE_OK);
		FUZZ_CHECK(m.n_pld == 1);
	} else
		FUZZ_CHECK(out.len == 0);

	/* the input as a CP body: leases stay within the pools and go back */
	body = rd_init(data, size);
	if (cp_parse(&body, &cp) != IKE_OK)
		return 0;
	for (k = 0; k < 3; k++)
		(void)cp_assign(&c, &cp, &v[k]);
	FUZZ_CHECK(c.pool[0].n_used <= c.pool[0].size);
	FUZZ_CHECK(c.pool[1].n_used <= c.pool[1].size);
	for (k = 0; k < 3; k++)
		cp_lease_release(&c, &v[k]);
	FUZZ_CHECK(c.pool[0].n_used == 0 && c.pool[1].n_used == 0);
	return 0;
}
