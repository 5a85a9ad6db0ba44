/* SPDX-License-Identifier: ISC */
/* The Child SA made in IKE_AUTH: ESP proposals with our SPI, and KEYMAT (RFC 7296 2.17). */
#include <string.h>

#include "crypto/keys.h"
#include "names/ikev2.h"
#include "proposal/proposal.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"

void
child_offer(struct sa_pld *out, const struct xchg_cfg *cfg, uint32_t spi)
{
	size_t	 i;

	*out = cfg->esp;
	/* RFC 7296 1.2: the Child SA of IKE_AUTH takes no KE */
	proposal_strip_dh(out);
	for (i = 0; i < out->n_props; i++) {
		out->props[i].spi_len = 4;
		out->props[i].spi[0] = (uint8_t)(spi >> 24);
		out->props[i].spi[1] = (uint8_t)(spi >> 16);
		out->props[i].spi[2] = (uint8_t)(spi >> 8);
		out->props[i].spi[3] = (uint8_t)spi;
	}
}

enum ike_err
child_derive(struct ike_sa *sa, const struct sa_prop *chosen)
{
	struct child_sa	*c = &sa->child;

	if (chosen->proto != IKEV2_PROTO_ESP || chosen->spi_len != 4 ||
	    !proposal_supported(chosen))
		return IKE_ENOPROP;
	c->chosen = *chosen;
	c->spi_out = (uint32_t)chosen->spi[0] << 24 | (uint32_t)chosen->spi[1] << 16 |
	    (uint32_t)chosen->spi[2] << 8 | chosen->spi[3];
	c->encr = proposal_encr(chosen, &c->keybits);
	c->integ = proposal_integ(chosen);
	c->esn = proposal_esn(chosen);
	/* RFC 7296 2.17: KEYMAT = prf+(SK_d, Ni | Nr), taken as encr I->R,
	 * integ I->R, encr R->I, integ R->I */
	return child_keys_derive(&c->keys, sa->suite.prf, sa->keys.sk_d,
	    sa->keys.d_len, NULL, 0, sa->ni, sa->ni_len, sa->nr, sa->nr_len,
	    c->encr, c->keybits, c->integ);
}
