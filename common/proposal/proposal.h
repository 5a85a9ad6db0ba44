/* SPDX-License-Identifier: ISC */
/* strongSwan-style proposal strings <-> SA payload proposals, and proposal selection (RFC 7296 2.7, 3.3). */
#ifndef IKEKIT_PROPOSAL_PROPOSAL_H
#define IKEKIT_PROPOSAL_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/sa_pld.h"
#include "crypto/keys.h"

/*
 * Proposal strings, as strongSwan's swanctl.conf spells them:
 *
 *	aes256gcm16-prfsha256-x25519,aes128-sha256-modp2048
 *
 * A comma separates proposals (most preferred first); a dash separates the
 * algorithms of one proposal, in any order, several of one kind allowed (the
 * first of a kind is preferred). Blanks around names are ignored, case too.
 *
 *	encryption	aes128 aes192 aes256 (CBC), aes128ctr aes192ctr aes256ctr,
 *			aes{128,192,256}gcm{8,12,16} (also gcm64/96/128),
 *			chacha20poly1305, null (ESP only)
 *	integrity	sha1 (HMAC-SHA1-96), sha256 sha384 sha512 (HMAC-SHA2,
 *			RFC 4868; also sha2_256 ...), aesxcbc (AES-XCBC-96)
 *	PRF (IKE only)	prfsha1 prfsha256 prfsha384 prfsha512 prfaesxcbc
 *			prfaescmac
 *	DH		modp2048 modp3072 modp4096 ecp256 ecp384 ecp521
 *			x25519 (curve25519) x448 (curve448); in ESP: PFS for
 *			CREATE_CHILD_SA
 *	ESN (ESP only)	esn noesn; noesn when neither is given
 *
 * Rules, following strongSwan's check_proposal() where it has one:
 * - IKE needs encryption, a PRF and a DH group; ESP needs encryption.
 * - Without a prf keyword an IKE proposal takes the PRF of each integrity
 *   algorithm (sha256 -> prfsha256, aesxcbc -> prfaesxcbc); an AEAD-only IKE
 *   proposal has no integrity, so it needs an explicit prf keyword, as in
 *   strongSwan ("a PRF algorithm is mandatory in IKE proposals"): there is
 *   no silent default.
 * - AEAD and classic encryption may not share a proposal (strongSwan's rule),
 *   and neither may AEAD and an integrity algorithm (stricter: strongSwan
 *   drops the integrity silently; we say so, so that the string means what
 *   goes on the wire). Classic encryption needs an integrity algorithm, in
 *   ESP too (no encryption-only ESP).
 * - Weak algorithms are known but refused, naming RFC 8247: modp768,
 *   modp1024, modp1536, des, 3des, md5, prfmd5. Known but not implemented by
 *   crypto/: modp6144, modp8192.
 * Every accepted keyword is implemented by crypto/, so whatever
 * proposal_select() picks from parsed proposals passes proposal_supported().
 * "Too many algorithms" cannot happen with distinct keywords (at most 25 fit
 * one proposal); it is checked all the same.
 *
 * Transforms are stored in type order (ENCR, PRF, INTEG, DH, ESN), each type
 * in the order given; proposals are numbered from 1; SPIs are the caller's.
 */

enum {
	PROPOSAL_STR_MAX = 512,		/* enough for any one proposal */
	PROPOSAL_ERR_MAX = 160,		/* enough for any parse message */
};

/* proposal_parse fills out with the proposals in s for protocol proto
 * (IKEV2_PROTO_IKE or IKEV2_PROTO_ESP), numbered from 1, SPI size 0. On
 * failure it returns IKE_EINVAL and writes a message naming the proposal,
 * the algorithm's place and the keyword to err (errlen bytes, may be 0),
 * e.g. "proposal 2, algorithm 3: foo: unknown algorithm"; out is then left
 * empty (n_props 0). */
enum ike_err	 proposal_parse(struct sa_pld *out, uint8_t proto, const char *s,
		    char *err, size_t errlen);

/* proposal_format writes p as a proposal string into buf (n bytes, always
 * NUL-terminated when n > 0): transforms in type order ENCR, INTEG, PRF, DH,
 * ESN, each by its canonical keyword ("aes256gcm16-prfsha256-x25519",
 * "aes128-sha256-noesn"); a transform with no keyword prints as
 * UNKNOWN_<type>_<id>[_<keylen>]. Returns the length the full string needs,
 * as snprintf does, so a result >= n means it was cut. */
size_t		 proposal_format(const struct sa_prop *p, char *buf, size_t n);

/* proposal_format_pld writes every proposal of sa, comma-separated (the
 * inverse of proposal_parse); returns as proposal_format. */
size_t		 proposal_format_pld(const struct sa_pld *sa, char *buf, size_t n);

/* proposal_format_long writes p with IANA names, as strongSwan logs it:
 * "IKE:ENCR_AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE25519"; numbers for
 * values without a name. Returns as proposal_format. */
size_t		 proposal_format_long(const struct sa_prop *p, char *buf, size_t n);

/* proposal_select picks, as responder, the proposal to answer offered with
 * (RFC 7296 2.7): the first of the peer's proposals (its order is its
 * preference) acceptable under one of ours (ours tried in our order), and in
 * it, for each transform type, the peer's first transform that our proposal
 * also has (same ID and Key Length). A transform type absent from a proposal
 * counts as INTEG NONE / DH NONE / ESN NO for those types, so an AEAD offer
 * with or without an explicit INTEG NONE matches alike. A peer proposal with
 * a transform type we do not know (RFC 9370 ADDKE, ...) is unacceptable; a
 * transform with an unknown attribute is skipped (3.3.6). chosen gets one
 * transform per type, the peer's proposal number, protocol and SPI (the
 * caller puts its own SPI in the reply); *chosen_num the number too (may be
 * NULL). Returns IKE_ENOPROP when nothing is acceptable. */
enum ike_err	 proposal_select(const struct sa_pld *mine,
		    const struct sa_pld *offered, struct sa_prop *chosen,
		    uint8_t *chosen_num);

/* proposal_accept_reply checks, as initiator, the responder's one proposal
 * against what we offered: it must carry the number and protocol of one of
 * our proposals, exactly one transform of each type that proposal has (an
 * omitted INTEG NONE, DH NONE or ESN NO excepted), each present in it with
 * the same Key Length, and no unknown attribute. false means the peer broke
 * the protocol: the caller fails the exchange. */
bool		 proposal_accept_reply(const struct sa_pld *offered,
		    const struct sa_prop *reply);

/* Getters for a chosen proposal (one transform per type). Each returns the
 * first transform of its type, or 0 / false when there is none. */
uint16_t	 proposal_encr(const struct sa_prop *p, uint16_t *out_keybits);
uint16_t	 proposal_prf(const struct sa_prop *p);
uint16_t	 proposal_integ(const struct sa_prop *p);
uint16_t	 proposal_dh_group(const struct sa_prop *p);
bool		 proposal_esn(const struct sa_prop *p);

/* proposal_supported returns whether p is a complete chosen proposal whose
 * every transform crypto/ implements: exactly one transform of each type
 * present; encryption (encr_supported, not NULL for IKE); for IKE a PRF
 * (prf_len) and a DH group (dh_pub_len); integrity (integ_key_len) exactly
 * when the cipher is not AEAD; for ESP a DH group only if supported (or
 * NONE) and ESN YES or NO; no unknown attribute or transform type. */
bool		 proposal_supported(const struct sa_prop *p);

/* proposal_ike_suite fills out from a chosen IKE proposal for the key
 * derivation of crypto/keys.h; IKE_ENOPROP if !proposal_supported(p) or p
 * is not IKE. */
enum ike_err	 proposal_ike_suite(const struct sa_prop *p, struct ike_suite *out);

/* proposal_strip_dh removes every DH transform from the proposals of sa
 * (RFC 7296 1.2: a Child SA made in IKE_AUTH takes its keys from the IKE SA,
 * so the ESP proposals sent there carry no DH group). */
void		 proposal_strip_dh(struct sa_pld *sa);

#endif
