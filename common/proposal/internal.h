/* SPDX-License-Identifier: ISC */
/* Private to proposal/: the table of strongSwan algorithm keywords. */
#ifndef IKEKIT_PROPOSAL_INTERNAL_H
#define IKEKIT_PROPOSAL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

enum {
	KW_ALIAS	= 0x01,	/* accepted, but another name prints */
	KW_WEAK		= 0x02,	/* known, refused as weak (RFC 8247) */
	KW_UNIMPL	= 0x04,	/* known, not implemented by crypto/ */
	KW_NAME_MAX	= 32,	/* longest keyword plus one */
};

/* One keyword: the transform it stands for. */
struct prop_kw {
	const char	*name;
	uint8_t		 type;		/* IKEV2_XFORM_* */
	uint16_t	 id;
	uint16_t	 key_len;	/* Key Length attribute in bits, 0 = none */
	uint8_t		 flags;		/* KW_* */
};

/* prop_kw_find returns the keyword spelled name[0..len), ignoring case, or
 * NULL. */
const struct prop_kw	*prop_kw_find(const char *name, size_t len);

/* prop_kw_name returns the keyword that prints for a transform, or NULL
 * when none has it. */
const char	*prop_kw_name(uint8_t type, uint16_t id, uint16_t key_len);

#endif
