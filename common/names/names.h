/* SPDX-License-Identifier: ISC */
/* Value -> name tables for the IANA IKEv2 registries, and name -> value for CLIs. */
#ifndef IKEKIT_NAMES_NAMES_H
#define IKEKIT_NAMES_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "names/ikev2.h"

/*
 * Naming rule: a name is the constant of ikev2.h without its prefix, so it is
 * also the IANA name where IANA has a token:
 *	exchange	IKEV2_EXCH_IKE_SA_INIT		"IKE_SA_INIT"
 *	notify		IKEV2_N_NO_PROPOSAL_CHOSEN	"NO_PROPOSAL_CHOSEN"
 *	ENCR		IKEV2_ENCR_AES_GCM_16		"ENCR_AES_GCM_16"
 *	PRF		IKEV2_PRF_HMAC_SHA2_256		"PRF_HMAC_SHA2_256"
 *	INTEG		IKEV2_AUTH_HMAC_SHA2_256_128	"AUTH_HMAC_SHA2_256_128"
 *	DH		IKEV2_DH_MODP_2048		"MODP_2048" (also "ECP_256",
 *			"CURVE25519", "MODP_2048_256", "BRAINPOOL_P256R1", "NONE")
 *	ESN		IKEV2_ESN_YES			"ESN_YES" ("ESN_NO")
 *	xform type	IKEV2_XFORM_INTEG		"INTEG" ("ENCR" "PRF" "DH" "ESN")
 *	ID type		IKEV2_ID_FQDN			"ID_FQDN"
 *	TS type		IKEV2_TS_IPV4_ADDR_RANGE	"TS_IPV4_ADDR_RANGE"
 *	auth method	IKEV2_AUTHM_SHARED_KEY		"SHARED_KEY"
 *	protocol	IKEV2_PROTO_ESP			"ESP"
 *	cert encoding	IKEV2_CERT_X509_CERT_SIGNATURE	"X509_CERT_SIGNATURE"
 *	CFG type	IKEV2_CFG_REQUEST		"CFG_REQUEST"
 *	CP attribute	IKEV2_CP_INTERNAL_IP4_ADDRESS	"INTERNAL_IP4_ADDRESS"
 *	EAP code	IKEV2_EAP_REQUEST		"REQUEST"
 * Payloads have two names: ikev2_payload_name() gives the IANA long form
 * ("Security Association", "Nonce"), ikev2_payload_abbr() the short tag of RFC
 * 7296, strongSwan and tcpdump ("SA", "KE", "IDi", "No", "N", "SK", "SKF").
 */

struct name_ent {
	unsigned	 v;
	const char	*name;
};

/* A registry: entries sorted by value. */
struct names {
	const struct name_ent	*ent;
	size_t			 n;
};

extern const struct names ikev2_exchange_names;
extern const struct names ikev2_payload_names;	/* IANA long form */
extern const struct names ikev2_payload_abbrs;	/* SA KE IDi IDr ... SKF */
extern const struct names ikev2_xform_type_names;
extern const struct names ikev2_encr_names;
extern const struct names ikev2_prf_names;
extern const struct names ikev2_integ_names;
extern const struct names ikev2_dh_names;
extern const struct names ikev2_esn_names;
extern const struct names ikev2_notify_names;
extern const struct names ikev2_id_type_names;
extern const struct names ikev2_ts_type_names;
extern const struct names ikev2_auth_method_names;
extern const struct names ikev2_proto_names;
extern const struct names ikev2_cert_encoding_names;
extern const struct names ikev2_cfg_type_names;
extern const struct names ikev2_cp_attr_names;
extern const struct names ikev2_eap_code_names;

/* names_get returns the name of v in t, or NULL if t has none (or t is NULL). */
const char	*names_get(const struct names *t, unsigned v);

/* ikev2_name_lookup sets out to the value whose name in t equals name, ignoring
 * case; it returns false and leaves out alone if there is none (or t is NULL).
 * Only names are accepted: parsing numbers is the caller's choice. */
bool		 ikev2_name_lookup(const struct names *t, const char *name,
		    unsigned *out);

/* ikev2_xform_id_names returns the registry of transform IDs for transform type
 * type (ENCR, PRF, INTEG, DH and ADDKE1-7, ESN), or NULL for other types. */
const struct names *ikev2_xform_id_names(unsigned type);

/* ikev2_xform_id_lookup sets out to the ID named name within transform type
 * type; false if type or name is unknown. */
bool		 ikev2_xform_id_lookup(unsigned type, const char *name,
		    unsigned *out);

/* Each of these returns a static name for v, or NULL when v is not in the
 * registry (callers then print the number). */
const char	*ikev2_exchange_name(unsigned v);
const char	*ikev2_payload_name(unsigned v);
const char	*ikev2_payload_abbr(unsigned v);
const char	*ikev2_xform_type_name(unsigned v);
const char	*ikev2_xform_id_name(unsigned type, unsigned id);
const char	*ikev2_encr_name(unsigned v);
const char	*ikev2_prf_name(unsigned v);
const char	*ikev2_integ_name(unsigned v);
const char	*ikev2_dh_name(unsigned v);
const char	*ikev2_notify_name(unsigned v);
const char	*ikev2_id_type_name(unsigned v);
const char	*ikev2_ts_type_name(unsigned v);
const char	*ikev2_auth_method_name(unsigned v);
const char	*ikev2_proto_name(unsigned v);
const char	*ikev2_cert_encoding_name(unsigned v);
const char	*ikev2_cfg_type_name(unsigned v);
const char	*ikev2_cp_attr_name(unsigned v);
const char	*ikev2_eap_code_name(unsigned v);

#endif
