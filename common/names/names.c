/* SPDX-License-Identifier: ISC */
/* One static table per IANA registry; names are the ikev2.h constants unprefixed. */
#include <strings.h>

#include "names/names.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define TABLE(t)	{ t, NELEM(t) }
/* E(IKEV2_EXCH_, IKE_AUTH) is { IKEV2_EXCH_IKE_AUTH, "IKE_AUTH" }. */
#define E(pfx, n)	{ pfx##n, #n }

static const struct name_ent exchange[] = {
	E(IKEV2_EXCH_, IKE_SA_INIT),
	E(IKEV2_EXCH_, IKE_AUTH),
	E(IKEV2_EXCH_, CREATE_CHILD_SA),
	E(IKEV2_EXCH_, INFORMATIONAL),
	E(IKEV2_EXCH_, IKE_SESSION_RESUME),
	E(IKEV2_EXCH_, GSA_AUTH),
	E(IKEV2_EXCH_, GSA_REGISTRATION),
	E(IKEV2_EXCH_, GSA_REKEY),
	E(IKEV2_EXCH_, IKE_INTERMEDIATE),
	E(IKEV2_EXCH_, IKE_FOLLOWUP_KE),
};

static const struct name_ent payload[] = {
	{ IKEV2_PAYLOAD_NONE,		"No Next Payload" },
	{ IKEV2_PAYLOAD_SA,		"Security Association" },
	{ IKEV2_PAYLOAD_KE,		"Key Exchange" },
	{ IKEV2_PAYLOAD_IDI,		"Identification - Initiator" },
	{ IKEV2_PAYLOAD_IDR,		"Identification - Responder" },
	{ IKEV2_PAYLOAD_CERT,		"Certificate" },
	{ IKEV2_PAYLOAD_CERTREQ,	"Certificate Request" },
	{ IKEV2_PAYLOAD_AUTH,		"Authentication" },
	{ IKEV2_PAYLOAD_NONCE,		"Nonce" },
	{ IKEV2_PAYLOAD_NOTIFY,		"Notify" },
	{ IKEV2_PAYLOAD_DELETE,		"Delete" },
	{ IKEV2_PAYLOAD_VENDOR,		"Vendor ID" },
	{ IKEV2_PAYLOAD_TSI,		"Traffic Selector - Initiator" },
	{ IKEV2_PAYLOAD_TSR,		"Traffic Selector - Responder" },
	{ IKEV2_PAYLOAD_SK,		"Encrypted and Authenticated" },
	{ IKEV2_PAYLOAD_CP,		"Configuration" },
	{ IKEV2_PAYLOAD_EAP,		"Extensible Authentication" },
	{ IKEV2_PAYLOAD_GSPM,		"Generic Secure Password Methods" },
	{ IKEV2_PAYLOAD_IDG,		"Group Identification" },
	{ IKEV2_PAYLOAD_GSA,		"Group Security Association" },
	{ IKEV2_PAYLOAD_KD,		"Key Download" },
	{ IKEV2_PAYLOAD_SKF,		"Encrypted and Authenticated Fragment" },
	{ IKEV2_PAYLOAD_PS,		"Puzzle Solution" },
};

static const struct name_ent payload_abbr[] = {
	{ IKEV2_PAYLOAD_NONE,		"NONE" },
	{ IKEV2_PAYLOAD_SA,		"SA" },
	{ IKEV2_PAYLOAD_KE,		"KE" },
	{ IKEV2_PAYLOAD_IDI,		"IDi" },
	{ IKEV2_PAYLOAD_IDR,		"IDr" },
	{ IKEV2_PAYLOAD_CERT,		"CERT" },
	{ IKEV2_PAYLOAD_CERTREQ,	"CERTREQ" },
	{ IKEV2_PAYLOAD_AUTH,		"AUTH" },
	{ IKEV2_PAYLOAD_NONCE,		"No" },
	{ IKEV2_PAYLOAD_NOTIFY,		"N" },
	{ IKEV2_PAYLOAD_DELETE,		"D" },
	{ IKEV2_PAYLOAD_VENDOR,		"V" },
	{ IKEV2_PAYLOAD_TSI,		"TSi" },
	{ IKEV2_PAYLOAD_TSR,		"TSr" },
	{ IKEV2_PAYLOAD_SK,		"SK" },
	{ IKEV2_PAYLOAD_CP,		"CP" },
	{ IKEV2_PAYLOAD_EAP,		"EAP" },
	{ IKEV2_PAYLOAD_GSPM,		"GSPM" },
	{ IKEV2_PAYLOAD_IDG,		"IDg" },
	{ IKEV2_PAYLOAD_GSA,		"GSA" },
	{ IKEV2_PAYLOAD_KD,		"KD" },
	{ IKEV2_PAYLOAD_SKF,		"SKF" },
	{ IKEV2_PAYLOAD_PS,		"PS" },
};

static const struct name_ent xform_type[] = {
	E(IKEV2_XFORM_, ENCR),
	E(IKEV2_XFORM_, PRF),
	E(IKEV2_XFORM_, INTEG),
	E(IKEV2_XFORM_, DH),
	E(IKEV2_XFORM_, ESN),
	E(IKEV2_XFORM_, ADDKE1),
	E(IKEV2_XFORM_, ADDKE2),
	E(IKEV2_XFORM_, ADDKE3),
	E(IKEV2_XFORM_, ADDKE4),
	E(IKEV2_XFORM_, ADDKE5),
	E(IKEV2_XFORM_, ADDKE6),
	E(IKEV2_XFORM_, ADDKE7),
};

static const struct name_ent encr[] = {
	E(IKEV2_, ENCR_DES_IV64),
	E(IKEV2_, ENCR_DES),
	E(IKEV2_, ENCR_3DES),
	E(IKEV2_, ENCR_RC5),
	E(IKEV2_, ENCR_IDEA),
	E(IKEV2_, ENCR_CAST),
	E(IKEV2_, ENCR_BLOWFISH),
	E(IKEV2_, ENCR_3IDEA),
	E(IKEV2_, ENCR_DES_IV32),
	E(IKEV2_, ENCR_NULL),
	E(IKEV2_, ENCR_AES_CBC),
	E(IKEV2_, ENCR_AES_CTR),
	E(IKEV2_, ENCR_AES_CCM_8),
	E(IKEV2_, ENCR_AES_CCM_12),
	E(IKEV2_, ENCR_AES_CCM_16),
	E(IKEV2_, ENCR_AES_GCM_8),
	E(IKEV2_, ENCR_AES_GCM_12),
	E(IKEV2_, ENCR_AES_GCM_16),
	E(IKEV2_, ENCR_NULL_AUTH_AES_GMAC),
	E(IKEV2_, ENCR_CAMELLIA_CBC),
	E(IKEV2_, ENCR_CAMELLIA_CTR),
	E(IKEV2_, ENCR_CAMELLIA_CCM_8),
	E(IKEV2_, ENCR_CAMELLIA_CCM_12),
	E(IKEV2_, ENCR_CAMELLIA_CCM_16),
	E(IKEV2_, ENCR_CHACHA20_POLY1305),
	E(IKEV2_, ENCR_AES_CCM_8_IIV),
	E(IKEV2_, ENCR_AES_GCM_16_IIV),
	E(IKEV2_, ENCR_CHACHA20_POLY1305_IIV),
	E(IKEV2_, ENCR_KUZNYECHIK_MGM_KTREE),
	E(IKEV2_, ENCR_MAGMA_MGM_KTREE),
	E(IKEV2_, ENCR_KUZNYECHIK_MGM_MAC_KTREE),
	E(IKEV2_, ENCR_MAGMA_MGM_MAC_KTREE),
};

static const struct name_ent prf[] = {
	E(IKEV2_, PRF_HMAC_MD5),
	E(IKEV2_, PRF_HMAC_SHA1),
	E(IKEV2_, PRF_HMAC_TIGER),
	E(IKEV2_, PRF_AES128_XCBC),
	E(IKEV2_, PRF_HMAC_SHA2_256),
	E(IKEV2_, PRF_HMAC_SHA2_384),
	E(IKEV2_, PRF_HMAC_SHA2_512),
	E(IKEV2_, PRF_AES128_CMAC),
	E(IKEV2_, PRF_HMAC_STREEBOG_512),
};

static const struct name_ent integ[] = {
	E(IKEV2_, AUTH_NONE),
	E(IKEV2_, AUTH_HMAC_MD5_96),
	E(IKEV2_, AUTH_HMAC_SHA1_96),
	E(IKEV2_, AUTH_DES_MAC),
	E(IKEV2_, AUTH_KPDK_MD5),
	E(IKEV2_, AUTH_AES_XCBC_96),
	E(IKEV2_, AUTH_HMAC_MD5_128),
	E(IKEV2_, AUTH_HMAC_SHA1_160),
	E(IKEV2_, AUTH_AES_CMAC_96),
	E(IKEV2_, AUTH_AES_128_GMAC),
	E(IKEV2_, AUTH_AES_192_GMAC),
	E(IKEV2_, AUTH_AES_256_GMAC),
	E(IKEV2_, AUTH_HMAC_SHA2_256_128),
	E(IKEV2_, AUTH_HMAC_SHA2_384_192),
	E(IKEV2_, AUTH_HMAC_SHA2_512_256),
};

static const struct name_ent dh[] = {
	E(IKEV2_DH_, NONE),
	E(IKEV2_DH_, MODP_768),
	E(IKEV2_DH_, MODP_1024),
	E(IKEV2_DH_, MODP_1536),
	E(IKEV2_DH_, MODP_2048),
	E(IKEV2_DH_, MODP_3072),
	E(IKEV2_DH_, MODP_4096),
	E(IKEV2_DH_, MODP_6144),
	E(IKEV2_DH_, MODP_8192),
	E(IKEV2_DH_, ECP_256),
	E(IKEV2_DH_, ECP_384),
	E(IKEV2_DH_, ECP_521),
	E(IKEV2_DH_, MODP_1024_160),
	E(IKEV2_DH_, MODP_2048_224),
	E(IKEV2_DH_, MODP_2048_256),
	E(IKEV2_DH_, ECP_192),
	E(IKEV2_DH_, ECP_224),
	E(IKEV2_DH_, BRAINPOOL_P224R1),
	E(IKEV2_DH_, BRAINPOOL_P256R1),
	E(IKEV2_DH_, BRAINPOOL_P384R1),
	E(IKEV2_DH_, BRAINPOOL_P512R1),
	E(IKEV2_DH_, CURVE25519),
	E(IKEV2_DH_, CURVE448),
	E(IKEV2_DH_, GOST3410_2012_256),
	E(IKEV2_DH_, GOST3410_2012_512),
	E(IKEV2_DH_, ML_KEM_512),
	E(IKEV2_DH_, ML_KEM_768),
	E(IKEV2_DH_, ML_KEM_1024),
};

static const struct name_ent esn[] = {
	E(IKEV2_, ESN_NO),
	E(IKEV2_, ESN_YES),
};

static const struct name_ent notify[] = {
	E(IKEV2_N_, UNSUPPORTED_CRITICAL_PAYLOAD),
	E(IKEV2_N_, INVALID_IKE_SPI),
	E(IKEV2_N_, INVALID_MAJOR_VERSION),
	E(IKEV2_N_, INVALID_SYNTAX),
	E(IKEV2_N_, INVALID_MESSAGE_ID),
	E(IKEV2_N_, INVALID_SPI),
	E(IKEV2_N_, NO_PROPOSAL_CHOSEN),
	E(IKEV2_N_, INVALID_KE_PAYLOAD),
	E(IKEV2_N_, AUTHENTICATION_FAILED),
	E(IKEV2_N_, SINGLE_PAIR_REQUIRED),
	E(IKEV2_N_, NO_ADDITIONAL_SAS),
	E(IKEV2_N_, INTERNAL_ADDRESS_FAILURE),
	E(IKEV2_N_, FAILED_CP_REQUIRED),
	E(IKEV2_N_, TS_UNACCEPTABLE),
	E(IKEV2_N_, INVALID_SELECTORS),
	E(IKEV2_N_, UNACCEPTABLE_ADDRESSES),
	E(IKEV2_N_, UNEXPECTED_NAT_DETECTED),
	E(IKEV2_N_, USE_ASSIGNED_HOA),
	E(IKEV2_N_, TEMPORARY_FAILURE),
	E(IKEV2_N_, CHILD_SA_NOT_FOUND),
	E(IKEV2_N_, INVALID_GROUP_ID),
	E(IKEV2_N_, AUTHORIZATION_FAILED),
	E(IKEV2_N_, STATE_NOT_FOUND),
	E(IKEV2_N_, INITIAL_CONTACT),
	E(IKEV2_N_, SET_WINDOW_SIZE),
	E(IKEV2_N_, ADDITIONAL_TS_POSSIBLE),
	E(IKEV2_N_, IPCOMP_SUPPORTED),
	E(IKEV2_N_, NAT_DETECTION_SOURCE_IP),
	E(IKEV2_N_, NAT_DETECTION_DESTINATION_IP),
	E(IKEV2_N_, COOKIE),
	E(IKEV2_N_, USE_TRANSPORT_MODE),
	E(IKEV2_N_, HTTP_CERT_LOOKUP_SUPPORTED),
	E(IKEV2_N_, REKEY_SA),
	E(IKEV2_N_, ESP_TFC_PADDING_NOT_SUPPORTED),
	E(IKEV2_N_, NON_FIRST_FRAGMENTS_ALSO),
	E(IKEV2_N_, MOBIKE_SUPPORTED),
	E(IKEV2_N_, ADDITIONAL_IP4_ADDRESS),
	E(IKEV2_N_, ADDITIONAL_IP6_ADDRESS),
	E(IKEV2_N_, NO_ADDITIONAL_ADDRESSES),
	E(IKEV2_N_, UPDATE_SA_ADDRESSES),
	E(IKEV2_N_, COOKIE2),
	E(IKEV2_N_, NO_NATS_ALLOWED),
	E(IKEV2_N_, AUTH_LIFETIME),
	E(IKEV2_N_, MULTIPLE_AUTH_SUPPORTED),
	E(IKEV2_N_, ANOTHER_AUTH_FOLLOWS),
	E(IKEV2_N_, REDIRECT_SUPPORTED),
	E(IKEV2_N_, REDIRECT),
	E(IKEV2_N_, REDIRECTED_FROM),
	E(IKEV2_N_, TICKET_LT_OPAQUE),
	E(IKEV2_N_, TICKET_REQUEST),
	E(IKEV2_N_, TICKET_ACK),
	E(IKEV2_N_, TICKET_NACK),
	E(IKEV2_N_, TICKET_OPAQUE),
	E(IKEV2_N_, LINK_ID),
	E(IKEV2_N_, USE_WESP_MODE),
	E(IKEV2_N_, ROHC_SUPPORTED),
	E(IKEV2_N_, EAP_ONLY_AUTHENTICATION),
	E(IKEV2_N_, CHILDLESS_IKEV2_SUPPORTED),
	E(IKEV2_N_, QUICK_CRASH_DETECTION),
	E(IKEV2_N_, IKEV2_MESSAGE_ID_SYNC_SUPPORTED),
	E(IKEV2_N_, IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED),
	E(IKEV2_N_, IKEV2_MESSAGE_ID_SYNC),
	E(IKEV2_N_, IPSEC_REPLAY_COUNTER_SYNC),
	E(IKEV2_N_, SECURE_PASSWORD_METHODS),
	E(IKEV2_N_, PSK_PERSIST),
	E(IKEV2_N_, PSK_CONFIRM),
	E(IKEV2_N_, ERX_SUPPORTED),
	E(IKEV2_N_, IFOM_CAPABILITY),
	E(IKEV2_N_, SENDER_REQUEST_ID),
	E(IKEV2_N_, IKEV2_FRAGMENTATION_SUPPORTED),
	E(IKEV2_N_, SIGNATURE_HASH_ALGORITHMS),
	E(IKEV2_N_, CLONE_IKE_SA_SUPPORTED),
	E(IKEV2_N_, CLONE_IKE_SA),
	E(IKEV2_N_, PUZZLE),
	E(IKEV2_N_, USE_PPK),
	E(IKEV2_N_, PPK_IDENTITY),
	E(IKEV2_N_, NO_PPK_AUTH),
	E(IKEV2_N_, INTERMEDIATE_EXCHANGE_SUPPORTED),
	E(IKEV2_N_, IP4_ALLOWED),
	E(IKEV2_N_, IP6_ALLOWED),
	E(IKEV2_N_, ADDITIONAL_KEY_EXCHANGE),
	E(IKEV2_N_, USE_AGGFRAG),
};

static const struct name_ent id_type[] = {
	E(IKEV2_, ID_IPV4_ADDR),
	E(IKEV2_, ID_FQDN),
	E(IKEV2_, ID_RFC822_ADDR),
	E(IKEV2_, ID_IPV6_ADDR),
	E(IKEV2_, ID_DER_ASN1_DN),
	E(IKEV2_, ID_DER_ASN1_GN),
	E(IKEV2_, ID_KEY_ID),
	E(IKEV2_, ID_FC_NAME),
	E(IKEV2_, ID_NULL),
};

static const struct name_ent ts_type[] = {
	E(IKEV2_, TS_IPV4_ADDR_RANGE),
	E(IKEV2_, TS_IPV6_ADDR_RANGE),
	E(IKEV2_, TS_FC_ADDR_RANGE),
	E(IKEV2_, TS_SECLABEL),
};

static const struct name_ent auth_method[] = {
	E(IKEV2_AUTHM_, RSA_SIG),
	E(IKEV2_AUTHM_, SHARED_KEY),
	E(IKEV2_AUTHM_, DSS_SIG),
	E(IKEV2_AUTHM_, ECDSA_256),
	E(IKEV2_AUTHM_, ECDSA_384),
	E(IKEV2_AUTHM_, ECDSA_521),
	E(IKEV2_AUTHM_, GSPAM),
	E(IKEV2_AUTHM_, NULL),
	E(IKEV2_AUTHM_, DIGITAL_SIG),
};

static const struct name_ent proto[] = {
	E(IKEV2_PROTO_, IKE),
	E(IKEV2_PROTO_, AH),
	E(IKEV2_PROTO_, ESP),
	E(IKEV2_PROTO_, FC_ESP_HDR),
	E(IKEV2_PROTO_, FC_CT_AUTH),
};

static const struct name_ent cert_enc[] = {
	E(IKEV2_CERT_, PKCS7_WRAPPED_X509),
	E(IKEV2_CERT_, PGP),
	E(IKEV2_CERT_, DNS_SIGNED_KEY),
	E(IKEV2_CERT_, X509_CERT_SIGNATURE),
	E(IKEV2_CERT_, KERBEROS_TOKEN),
	E(IKEV2_CERT_, CRL),
	E(IKEV2_CERT_, ARL),
	E(IKEV2_CERT_, SPKI),
	E(IKEV2_CERT_, X509_CERT_ATTRIBUTE),
	E(IKEV2_CERT_, RAW_RSA_KEY),
	E(IKEV2_CERT_, HASH_URL_X509_CERT),
	E(IKEV2_CERT_, HASH_URL_X509_BUNDLE),
	E(IKEV2_CERT_, OCSP_CONTENT),
	E(IKEV2_CERT_, RAW_PUBLIC_KEY),
};

static const struct name_ent cfg_type[] = {
	E(IKEV2_, CFG_REQUEST),
	E(IKEV2_, CFG_REPLY),
	E(IKEV2_, CFG_SET),
	E(IKEV2_, CFG_ACK),
};

static const struct name_ent cp_attr[] = {
	E(IKEV2_CP_, INTERNAL_IP4_ADDRESS),
	E(IKEV2_CP_, INTERNAL_IP4_NETMASK),
	E(IKEV2_CP_, INTERNAL_IP4_DNS),
	E(IKEV2_CP_, INTERNAL_IP4_NBNS),
	E(IKEV2_CP_, INTERNAL_IP4_DHCP),
	E(IKEV2_CP_, APPLICATION_VERSION),
	E(IKEV2_CP_, INTERNAL_IP6_ADDRESS),
	E(IKEV2_CP_, INTERNAL_IP6_DNS),
	E(IKEV2_CP_, INTERNAL_IP6_DHCP),
	E(IKEV2_CP_, INTERNAL_IP4_SUBNET),
	E(IKEV2_CP_, SUPPORTED_ATTRIBUTES),
	E(IKEV2_CP_, INTERNAL_IP6_SUBNET),
	E(IKEV2_CP_, MIP6_HOME_PREFIX),
	E(IKEV2_CP_, INTERNAL_IP6_LINK),
	E(IKEV2_CP_, INTERNAL_IP6_PREFIX),
	E(IKEV2_CP_, HOME_AGENT_ADDRESS),
	E(IKEV2_CP_, P_CSCF_IP4_ADDRESS),
	E(IKEV2_CP_, P_CSCF_IP6_ADDRESS),
	E(IKEV2_CP_, FTT_KAT),
	E(IKEV2_CP_, EXTERNAL_SOURCE_IP4_NAT_INFO),
	E(IKEV2_CP_, TIMEOUT_PERIOD_FOR_LIVENESS_CHECK),
	E(IKEV2_CP_, INTERNAL_DNS_DOMAIN),
	E(IKEV2_CP_, INTERNAL_DNSSEC_TA),
	E(IKEV2_CP_, ENCDNS_IP4),
	E(IKEV2_CP_, ENCDNS_IP6),
	E(IKEV2_CP_, ENCDNS_DIGEST_INFO),
};

static const struct name_ent eap_code[] = {
	E(IKEV2_EAP_, REQUEST),
	E(IKEV2_EAP_, RESPONSE),
	E(IKEV2_EAP_, SUCCESS),
	E(IKEV2_EAP_, FAILURE),
	E(IKEV2_EAP_, INITIATE),
	E(IKEV2_EAP_, FINISH),
};

const struct names ikev2_exchange_names = TABLE(exchange);
const struct names ikev2_payload_names = TABLE(payload);
const struct names ikev2_payload_abbrs = TABLE(payload_abbr);
const struct names ikev2_xform_type_names = TABLE(xform_type);
const struct names ikev2_encr_names = TABLE(encr);
const struct names ikev2_prf_names = TABLE(prf);
const struct names ikev2_integ_names = TABLE(integ);
const struct names ikev2_dh_names = TABLE(dh);
const struct names ikev2_esn_names = TABLE(esn);
const struct names ikev2_notify_names = TABLE(notify);
const struct names ikev2_id_type_names = TABLE(id_type);
const struct names ikev2_ts_type_names = TABLE(ts_type);
const struct names ikev2_auth_method_names = TABLE(auth_method);
const struct names ikev2_proto_names = TABLE(proto);
const struct names ikev2_cert_encoding_names = TABLE(cert_enc);
const struct names ikev2_cfg_type_names = TABLE(cfg_type);
const struct names ikev2_cp_attr_names = TABLE(cp_attr);
const struct names ikev2_eap_code_names = TABLE(eap_code);

const char *
names_get(const struct names *t, unsigned v)
{
	size_t lo = 0, hi;

	if (t == NULL)
		return NULL;
	/* binary search: every table is sorted by value (test_names checks) */
	hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->ent[mid].v == v)
			return t->ent[mid].name;
		if (t->ent[mid].v < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool
ikev2_name_lookup(const struct names *t, const char *name, unsigned *out)
{
	size_t i;

	if (t == NULL || name == NULL)
		return false;
	for (i = 0; i < t->n; i++) {
		if (strcasecmp(t->ent[i].name, name) == 0) {
			*out = t->ent[i].v;
			return true;
		}
	}
	return false;
}

const struct names *
ikev2_xform_id_names(unsigned type)
{
	switch (type) {
	case IKEV2_XFORM_ENCR:
		return &ikev2_encr_names;
	case IKEV2_XFORM_PRF:
		return &ikev2_prf_names;
	case IKEV2_XFORM_INTEG:
		return &ikev2_integ_names;
	case IKEV2_XFORM_ESN:
		return &ikev2_esn_names;
	default:
		if (type == IKEV2_XFORM_DH ||
		    (type >= IKEV2_XFORM_ADDKE1 && type <= IKEV2_XFORM_ADDKE7))
			return &ikev2_dh_names;
		return NULL;
	}
}

bool
ikev2_xform_id_lookup(unsigned type, const char *name, unsigned *out)
{
	return ikev2_name_lookup(ikev2_xform_id_names(type), name, out);
}

const char *
ikev2_xform_id_name(unsigned type, unsigned id)
{
	return names_get(ikev2_xform_id_names(type), id);
}

#define GETTER(fn, tab)							\
const char *								\
fn(unsigned v)								\
{									\
	return names_get(&tab, v);					\
}

GETTER(ikev2_exchange_name, ikev2_exchange_names)
GETTER(ikev2_payload_name, ikev2_payload_names)
GETTER(ikev2_payload_abbr, ikev2_payload_abbrs)
GETTER(ikev2_xform_type_name, ikev2_xform_type_names)
GETTER(ikev2_encr_name, ikev2_encr_names)
GETTER(ikev2_prf_name, ikev2_prf_names)
GETTER(ikev2_integ_name, ikev2_integ_names)
GETTER(ikev2_dh_name, ikev2_dh_names)
GETTER(ikev2_notify_name, ikev2_notify_names)
GETTER(ikev2_id_type_name, ikev2_id_type_names)
GETTER(ikev2_ts_type_name, ikev2_ts_type_names)
GETTER(ikev2_auth_method_name, ikev2_auth_method_names)
GETTER(ikev2_proto_name, ikev2_proto_names)
GETTER(ikev2_cert_encoding_name, ikev2_cert_encoding_names)
GETTER(ikev2_cfg_type_name, ikev2_cfg_type_names)
GETTER(ikev2_cp_attr_name, ikev2_cp_attr_names)
GETTER(ikev2_eap_code_name, ikev2_eap_code_names)
