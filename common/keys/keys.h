/* SPDX-License-Identifier: ISC */
/* Key tables for decrypting captures: Wireshark's UAT files and the state directory. */
#ifndef IKEKIT_KEYS_KEYS_H
#define IKEKIT_KEYS_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

/* The keys of one IKE SA, both directions, as IANA transform numbers
 * (IKEV2_ENCR_*, IKEV2_AUTH_*). Encryption keys include the salt or nonce
 * (4 bytes for AES-GCM, AES-CTR and ChaCha20-Poly1305, 3 for AES-CCM). */
struct ike_sa_key {
	uint64_t	 ispi, rspi;
	uint16_t	 encr, encr_keybits, integ;
	uint8_t		 sk_ei[36], sk_er[36], sk_ai[64], sk_ar[64];
	size_t		 e_len, a_len;
};

/* The keys of one direction of an ESP SA. any_src/any_dst mark a "*"
 * address; any_addr is set when both are. */
struct esp_sa_key {
	int		 af;		/* AF_INET or AF_INET6 */
	bool		 any_addr;
	uint8_t		 src[16], dst[16];
	uint32_t	 spi;
	uint16_t	 encr, encr_keybits, integ;
	uint8_t		 ekey[36], akey[64];
	size_t		 e_len, a_len;
	bool		 esn;
	bool		 any_src, any_dst;
};

/* A key table owns its arrays; keytab_free wipes and frees them. */
struct keytab {
	struct ike_sa_key	*ike;
	size_t			 n_ike, cap_ike;
	struct esp_sa_key	*esp;
	size_t			 n_esp, cap_esp;
};

/* keytab_init makes t an empty table. */
void	 keytab_init(struct keytab *t);

/* keytab_clear wipes every key in t and empties it, keeping its arrays. */
void	 keytab_clear(struct keytab *t);

/* keytab_free wipes every key in t (keytab_clear), frees the arrays and leaves
 * t empty, as after keytab_init. */
void	 keytab_free(struct keytab *t);

/* keytab_add_ike and keytab_add_esp append a copy of k; IKE_ENOMEM if the
 * table cannot grow. */
enum ike_err	 keytab_add_ike(struct keytab *t, const struct ike_sa_key *k);
enum ike_err	 keytab_add_esp(struct keytab *t, const struct esp_sa_key *k);

/*
 * The loaders append to t. On the first bad line they stop and return
 * IKE_EINVAL with "<path>:<line>: <what is wrong>" in err (keys never appear
 * in messages); IKE_EIO with "<path>: <strerror>" if a file cannot be read;
 * IKE_ENOMEM. Entries read before the error stay in t. Blank lines and lines
 * whose first non-blank character is '#' are skipped.
 */

/* keytab_load_ikev2 reads a Wireshark "ikev2_decryption_table" file: records
 *	ISPI,RSPI,SK_ei,SK_er,"ENCR name",SK_ai,SK_ar,"INTEG name"
 * with hex fields quoted or not and names as Wireshark 4.0 spells them
 * ("AES-GCM-256 with 16 octet ICV [RFC5282]", "HMAC_SHA2_256_128 [RFC4868]"),
 * plus our extension "CHACHA20-POLY1305 [RFC7634]". Fields past the eighth
 * are ignored. */
enum ike_err	 keytab_load_ikev2(struct keytab *t, const char *path, char *err,
		    size_t errlen);

/* keytab_load_esp reads a Wireshark "esp_sa" file: records
 *	"IPv4","SRC","DST","0xSPI","ENCR name","0xKEY","INTEG name","0xKEY"
 * where SRC and DST are addresses or "*", keys are "0x" + hex (or, as in
 * Wireshark, the bytes of the string itself without "0x"), and the key
 * length picks AES-128/192/256. Fields past the eighth (added by Wireshark
 * after 4.0) are ignored. */
enum ike_err	 keytab_load_esp(struct keytab *t, const char *path, char *err,
		    size_t errlen);

/* keytab_load_dir reads DIR/ikev2_decryption_table and DIR/esp_sa (what
 * strongSwan's save-keys plugin and Wireshark's profile directories hold);
 * either may be missing, not both (IKE_EIO, "<dir>: no ikev2_decryption_table
 * or esp_sa"). */
enum ike_err	 keytab_load_dir(struct keytab *t, const char *dir, char *err,
		    size_t errlen);

/* keytab_load_statedir reads every SA directory of a state directory
 * (ike-state(5)): the IKE SA of each ike.sa and, for each child.NAME.sa, an
 * inbound ESP entry (remote -> local, spi_in, key_in_*) and an outbound one
 * (local -> remote, spi_out, key_out_*). Directories without ike.sa are
 * skipped. Errors name the file and line. */
enum ike_err	 keytab_load_statedir(struct keytab *t, const char *statedir,
		    char *err, size_t errlen);

/* keytab_find_ike returns the IKE SA with these SPIs, or NULL. When several
 * match, the one added last wins. */
const struct ike_sa_key	*keytab_find_ike(const struct keytab *t, uint64_t ispi,
		    uint64_t rspi);

/* keytab_find_esp returns the ESP SA with this SPI whose addresses match
 * (an entry's "*" matches any address, and af must match unless both are
 * wildcards), or NULL. An entry with exact addresses beats a wildcard one;
 * among equals the one added last wins. src/dst are 4 or 16 bytes by af. */
const struct esp_sa_key	*keytab_find_esp(const struct keytab *t, uint32_t spi,
		    int af, const uint8_t *src, const uint8_t *dst);

/* keytab_write_ikev2 and keytab_write_esp write k as one line of the formats
 * above (what Wireshark 4.0 writes itself); they return 0, or -1 if the
 * algorithm has no name in the format (errno EINVAL) or the write fails. */
int	 keytab_write_ikev2(FILE *f, const struct ike_sa_key *k);
int	 keytab_write_esp(FILE *f, const struct esp_sa_key *k);

#endif
