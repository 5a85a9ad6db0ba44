/* SPDX-License-Identifier: ISC */
/* Unit tests for names/: IANA numbers, value -> name, name -> value. */
#include <string.h>

#include "test.h"
#include "names/names.h"

static const struct names *const all[] = {
	&ikev2_exchange_names, &ikev2_payload_names, &ikev2_payload_abbrs,
	&ikev2_xform_type_names, &ikev2_encr_names, &ikev2_prf_names,
	&ikev2_integ_names, &ikev2_dh_names, &ikev2_esn_names,
	&ikev2_notify_names, &ikev2_id_type_names, &ikev2_ts_type_names,
	&ikev2_auth_method_names, &ikev2_proto_names,
	&ikev2_cert_encoding_names, &ikev2_cfg_type_names,
	&ikev2_cp_attr_names, &ikev2_eap_code_names,
};

TEST(tables_sorted_and_unique)
{
	size_t i, j, k;

	/* names_get does a binary search: every table must be sorted */
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		ASSERT(all[i]->n > 0);
		for (j = 1; j < all[i]->n; j++)
			ASSERT(all[i]->ent[j - 1].v < all[i]->ent[j].v);
		for (j = 0; j < all[i]->n; j++) {
			ASSERT(all[i]->ent[j].name != NULL);
			for (k = j + 1; k < all[i]->n; k++)
				ASSERT(strcmp(all[i]->ent[j].name,
				    all[i]->ent[k].name) != 0);
			ASSERT(names_get(all[i], all[i]->ent[j].v) ==
			    all[i]->ent[j].name);
		}
	}
}

TEST(iana_numbers)
{
	/* spot checks against the IANA registries */
	ASSERT_EQ(IKEV2_EXCH_IKE_SA_INIT, 34);
	ASSERT_EQ(IKEV2_EXCH_INFORMATIONAL, 37);
	ASSERT_EQ(IKEV2_EXCH_IKE_INTERMEDIATE, 43);
	ASSERT_EQ(IKEV2_PAYLOAD_SA, 33);
	ASSERT_EQ(IKEV2_PAYLOAD_NONCE, 40);
	ASSERT_EQ(IKEV2_PAYLOAD_TSR, 45);
	ASSERT_EQ(IKEV2_PAYLOAD_SK, 46);
	ASSERT_EQ(IKEV2_PAYLOAD_GSPM, 49);
	ASSERT_EQ(IKEV2_PAYLOAD_SKF, 53);
	ASSERT_EQ(IKEV2_ENCR_AES_CBC, 12);
	ASSERT_EQ(IKEV2_ENCR_AES_GCM_16, 20);
	ASSERT_EQ(IKEV2_ENCR_CAMELLIA_CBC, 23);
	ASSERT_EQ(IKEV2_ENCR_CHACHA20_POLY1305, 28);
	ASSERT_EQ(IKEV2_PRF_AES128_CMAC, 8);
	ASSERT_EQ(IKEV2_AUTH_HMAC_SHA2_512_256, 14);
	ASSERT_EQ(IKEV2_DH_MODP_6144, 17);
	ASSERT_EQ(IKEV2_DH_ECP_521, 21);
	ASSERT_EQ(IKEV2_DH_ECP_224, 26);
	ASSERT_EQ(IKEV2_DH_BRAINPOOL_P512R1, 30);
	ASSERT_EQ(IKEV2_DH_CURVE448, 32);
	ASSERT_EQ(IKEV2_AUTHM_DIGITAL_SIG, 14);
	ASSERT_EQ(IKEV2_ID_KEY_ID, 11);
	ASSERT_EQ(IKEV2_ID_NULL, 13);
	ASSERT_EQ(IKEV2_N_TS_UNACCEPTABLE, 38);
	ASSERT_EQ(IKEV2_N_CHILD_SA_NOT_FOUND, 44);
	ASSERT_EQ(IKEV2_N_REKEY_SA, 16393);
	ASSERT_EQ(IKEV2_N_MOBIKE_SUPPORTED, 16396);
	ASSERT_EQ(IKEV2_N_REDIRECTED_FROM, 16408);
	ASSERT_EQ(IKEV2_N_EAP_ONLY_AUTHENTICATION, 16417);
	ASSERT_EQ(IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, 16430);
	ASSERT_EQ(IKEV2_N_INTERMEDIATE_EXCHANGE_SUPPORTED, 16438);
	ASSERT_EQ(IKEV2_N_USE_AGGFRAG, 16442);
	ASSERT_EQ(IKEV2_CP_INTERNAL_IP6_ADDRESS, 8);
	ASSERT_EQ(IKEV2_CP_INTERNAL_IP4_SUBNET, 13);
	ASSERT_EQ(IKEV2_CERT_X509_CERT_SIGNATURE, 4);
	ASSERT_EQ(IKE_HDR_LEN, 28);
	ASSERT_EQ(IKE_NATT_PORT, 4500);
}

TEST(value_to_name)
{
	ASSERT(strcmp(ikev2_exchange_name(34), "IKE_SA_INIT") == 0);
	ASSERT(strcmp(ikev2_exchange_name(43), "IKE_INTERMEDIATE") == 0);
	ASSERT(ikev2_exchange_name(42) == NULL);
	ASSERT(strcmp(ikev2_payload_name(33), "Security Association") == 0);
	ASSERT(strcmp(ikev2_payload_abbr(40), "No") == 0);
	ASSERT(strcmp(ikev2_payload_abbr(41), "N") == 0);
	ASSERT(strcmp(ikev2_payload_abbr(35), "IDi") == 0);
	ASSERT(strcmp(ikev2_payload_abbr(53), "SKF") == 0);
	ASSERT(ikev2_payload_abbr(55) == NULL);
	ASSERT(strcmp(ikev2_xform_type_name(3), "INTEG") == 0);
	ASSERT(strcmp(ikev2_xform_id_name(IKEV2_XFORM_ENCR, 20),
	    "ENCR_AES_GCM_16") == 0);
	ASSERT(strcmp(ikev2_xform_id_name(IKEV2_XFORM_PRF, 5),
	    "PRF_HMAC_SHA2_256") == 0);
	ASSERT(strcmp(ikev2_xform_id_name(IKEV2_XFORM_INTEG, 12),
	    "AUTH_HMAC_SHA2_256_128") == 0);
	ASSERT(strcmp(ikev2_xform_id_name(IKEV2_XFORM_DH, 14), "MODP_2048") == 0);
	ASSERT(strcmp(ikev2_xform_id_name(IKEV2_XFORM_ADDKE1, 36),
	    "ML_KEM_768") == 0);
	ASSERT(strcmp(ikev2_xform_id_name(IKEV2_XFORM_ESN, 1), "ESN_YES") == 0);
	ASSERT(ikev2_xform_id_name(IKEV2_XFORM_ENCR, 17) == NULL);
	ASSERT(ikev2_xform_id_name(99, 1) == NULL);
	ASSERT(strcmp(ikev2_dh_name(19), "ECP_256") == 0);
	ASSERT(strcmp(ikev2_dh_name(31), "CURVE25519") == 0);
	ASSERT(strcmp(ikev2_notify_name(14), "NO_PROPOSAL_CHOSEN") == 0);
	ASSERT(strcmp(ikev2_notify_name(16390), "COOKIE") == 0);
	ASSERT(ikev2_notify_name(2) == NULL);
	ASSERT(strcmp(ikev2_id_type_name(2), "ID_FQDN") == 0);
	ASSERT(strcmp(ikev2_ts_type_name(8), "TS_IPV6_ADDR_RANGE") == 0);
	ASSERT(strcmp(ikev2_auth_method_name(2), "SHARED_KEY") == 0);
	ASSERT(strcmp(ikev2_proto_name(3), "ESP") == 0);
	ASSERT(ikev2_proto_name(0) == NULL);
	ASSERT(strcmp(ikev2_cert_encoding_name(4), "X509_CERT_SIGNATURE") == 0);
	ASSERT(strcmp(ikev2_cfg_type_name(2), "CFG_REPLY") == 0);
	ASSERT(strcmp(ikev2_cp_attr_name(1), "INTERNAL_IP4_ADDRESS") == 0);
	ASSERT(strcmp(ikev2_eap_code_name(3), "SUCCESS") == 0);
	ASSERT(names_get(NULL, 1) == NULL);
}

TEST(name_to_value)
{
	unsigned v = 12345;

	ASSERT(ikev2_name_lookup(&ikev2_exchange_names, "ike_auth", &v));
	ASSERT_EQ(v, 35);
	ASSERT(ikev2_name_lookup(&ikev2_payload_abbrs, "TSr", &v));
	ASSERT_EQ(v, 45);
	ASSERT(ikev2_name_lookup(&ikev2_notify_names, "REKEY_SA", &v));
	ASSERT_EQ(v, 16393);
	ASSERT(ikev2_xform_id_lookup(IKEV2_XFORM_DH, "curve25519", &v));
	ASSERT_EQ(v, 31);
	ASSERT(ikev2_xform_id_lookup(IKEV2_XFORM_ENCR, "ENCR_CHACHA20_POLY1305",
	    &v));
	ASSERT_EQ(v, 28);
	v = 7;
	ASSERT(!ikev2_name_lookup(&ikev2_dh_names, "MODP_1000", &v));
	ASSERT(!ikev2_xform_id_lookup(42, "NONE", &v));
	ASSERT(!ikev2_name_lookup(NULL, "X", &v));
	ASSERT_EQ(v, 7);
}
