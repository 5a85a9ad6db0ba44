/* SPDX-License-Identifier: ISC */
/* IKE_SA_INIT and IKE_AUTH for both roles with a PSK: bytes in, bytes out, no sockets, no clock. */
#ifndef IKEKIT_EXCHANGE_XCHG_H
#define IKEKIT_EXCHANGE_XCHG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"
#include "codec/nonce.h"
#include "codec/notify.h"
#include "codec/sa_pld.h"
#include "codec/ts.h"
#include "crypto/keys.h"
#include "crypto/sig.h"
#include "exchange/cp.h"
#include "exchange/eap_auth.h"

enum {
	XCHG_MSG_MAX	= 2048,		/* an IKE_SA_INIT message we keep for AUTH */
	XCHG_OUT_MAX	= 65536,	/* room a caller gives for any message:
					 * a UDP datagram, or an SK payload
					 * (16-bit length) joined from
					 * fragments, is never longer (chains
					 * of certificates exceed 4 KiB). For
					 * stack and static buffers only */
	PSK_MAX_LEN	= 256,
	IKE_ID_MAX_LEN	= 255,
	IKE_NONCE_LEN	= 32,		/* what we send: at least half the PRF key */
};

enum ike_role { ROLE_INITIATOR, ROLE_RESPONDER };

/* Where an IKE SA is; every create, consume and respond checks it first. */
enum ike_sa_state {
	SA_IDLE,		/* nothing sent (or about to resend IKE_SA_INIT) */
	SA_INIT_SENT,		/* initiator: IKE_SA_INIT request out */
	SA_INIT_DONE,		/* keys derived, IKE_AUTH not yet done */
	SA_AUTH_SENT,		/* initiator: IKE_AUTH request out */
	SA_ESTABLISHED,		/* IKE_AUTH done, Child SA keys derived */
	SA_FAILED,
	SA_EAP,			/* IKE_AUTH with EAP (RFC 7296 2.16) under
				 * way: initiator, a later request is out;
				 * responder, the next one is awaited */
};

/* An identity as the ID payload carries it (RFC 7296 3.5). type 0: none. */
struct ike_id {
	uint8_t		 type;		/* IKEV2_ID_* */
	uint8_t		 data[IKE_ID_MAX_LEN];
	size_t		 len;
};

/* A pre-shared key; psk_wipe() on every path that drops it. */
struct psk {
	uint8_t		 key[PSK_MAX_LEN];
	size_t		 len;
};

/* What one side wants. Addresses and ports are those of the IKE_SA_INIT
 * datagram (NAT detection hashes them). */
struct xchg_cfg {
	struct sa_pld	 ike;		/* IKE proposals: offered, or acceptable */
	struct sa_pld	 esp;		/* ESP proposals (no DH: IKE_AUTH) */
	const struct psk *psk;
	const struct sig_cred *cred;	/* non-NULL: certificates and signatures
					 * (RFC 7427) both ways instead of psk */
	struct ike_id	 local_id;
	struct ike_id	 peer_id;	/* type 0: accept any (initiator sends no IDr) */
	struct ts_pld	 ts_local;	/* initiator: TSi; responder: what it allows */
	struct ts_pld	 ts_remote;	/* initiator: TSr; responder: what it allows */
	int		 af;		/* AF_INET or AF_INET6 */
	uint8_t		 local_addr[16], peer_addr[16];
	uint16_t	 local_port, peer_port;
	bool		 fake_natd;	/* send a NAT_DETECTION_SOURCE_IP that can
					 * never match, so the peer sees a NAT and
					 * encapsulates (strongSwan's encap = yes) */
	bool		 frag;		/* send IKEV2_FRAGMENTATION_SUPPORTED */
	bool		 mobike;	/* send MOBIKE_SUPPORTED in IKE_AUTH
					 * (RFC 4555 4.1) */
	const uint8_t	*cookie;	/* responder: demand this COOKIE (tests) */
	size_t		 cookie_len;
	uint8_t		 vip_req;	/* initiator: VIP_REQ_*: CP(CFG_REQUEST) */
	struct cp_cfg	*cp;		/* responder: pools for CP, or NULL */
	struct dh_reuse	*dh_reuse;	/* responder: key pairs used for many
					 * IKE_SA_INIT (NULL: fresh each) */
	const struct eap_cfg *eap;	/* initiator: authenticate by EAP (no
					 * AUTH of ours: cred holds only the
					 * anchors for the responder's
					 * certificate); responder: peers that
					 * send no AUTH are asked for EAP */
};

/* The Child SA made in IKE_AUTH. spi_in is ours (we receive with it),
 * spi_out the peer's. The keys are in wire order: ei/ai protect what the
 * IKE initiator sends. */
struct child_sa {
	uint32_t	 spi_in, spi_out;
	struct sa_prop	 chosen;
	uint16_t	 encr, keybits, integ;
	bool		 esn;
	struct child_keys keys;
	struct ts_pld	 tsi, tsr;	/* as agreed (TSi is the initiator's side) */
};

struct dh;
struct dh_reuse;

/* EAP in an IKE SA. Most SAs never run it and an established one no longer
 * needs it (it holds the MSK and TLS secrets), so st is allocated when EAP
 * starts and wiped and freed when IKE_AUTH ends, either way (xchg_set to
 * SA_ESTABLISHED or SA_FAILED, ike_sa_wipe). phase is st's, kept after:
 * EAP_PH_FAILED tells that EAP refused us. */
struct ike_eap {
	enum eap_phase	 phase;
	struct eap_state *st;		/* NULL unless EAP is under way */
};

/* One IKE SA in memory. ike_sa_init() it, ike_sa_wipe() it on every path. */
struct ike_sa {
	enum ike_role	 role;
	enum ike_sa_state state;
	uint64_t	 ispi, rspi;
	struct sa_prop	 chosen;	/* the IKE proposal in force */
	struct ike_suite suite;
	struct dh	*dh;
	uint16_t	 dh_group;	/* group of our KE (set by a retry too) */
	uint8_t		 ni[NONCE_MAX_LEN], nr[NONCE_MAX_LEN];
	size_t		 ni_len, nr_len;
	uint8_t		 cookie[COOKIE_MAX_LEN];
	size_t		 cookie_len;
	struct ike_keys	 keys;
	uint32_t	 msgid;		/* of the request in flight / expected */
	uint32_t	 peer_msgid;	/* initiator: of the next request the
					 * responder sends (RFC 7296 2.2: each
					 * end counts its own requests);
					 * responder: of its own next request */
	uint8_t		*init_req, *init_resp;	/* RealMessage1, 2: XCHG_MSG_MAX
					 * bytes each, one allocation made by
					 * sa_init_*, freed by ike_sa_drop_init */
	size_t		 init_req_len, init_resp_len;
	struct ike_id	 local_id, peer_id;
	bool		 nat_local;	/* our address is translated (or faked) */
	bool		 nat_remote;	/* the peer's is */
	bool		 peer_frag;	/* peer sent IKEV2_FRAGMENTATION_SUPPORTED */
	bool		 mobike;	/* both ends sent MOBIKE_SUPPORTED */
	uint16_t	 peer_notify;	/* the error Notify the peer sent, or 0 */
	uint16_t	 want_group;	/* INVALID_KE_PAYLOAD: the group asked for */
	uint16_t	 peer_hash_algs; /* its SIGNATURE_HASH_ALGORITHMS: bit 1 << id */
	char		 auth_why[SIG_WHY_LEN];	/* why the peer's certificate
					 * or signature was refused (local logs) */
	struct child_sa	 child;
	struct cp_vip	 vip;		/* CP: leased (responder) or assigned
					 * to us (initiator) */
	struct ike_eap	 eap;		/* EAP in IKE_AUTH (eap_auth.c) */
};

/* ike_sa_own_msgid and ike_sa_peer_msgid return the counter of our own
 * requests and of the peer's on sa (RFC 7296 2.2: each end counts its
 * own): msgid and peer_msgid, by sa's role in the IKE SA. */
uint32_t	*ike_sa_own_msgid(struct ike_sa *sa);
uint32_t	*ike_sa_peer_msgid(struct ike_sa *sa);

/* psk_wipe zeroes p. */
void		 psk_wipe(struct psk *p);

/* ike_sa_init zeroes sa and sets its role; ike_sa_wipe frees the DH key and
 * wipes every secret (then sa is as after ike_sa_init with role 0). */
void		 ike_sa_init(struct ike_sa *sa, enum ike_role role);
void		 ike_sa_wipe(struct ike_sa *sa);

/* ike_sa_drop_init wipes and frees the IKE_SA_INIT messages kept for the AUTH
 * payloads (a responder calls it once the SA is up: they are no longer
 * needed, and an established SA then costs less). Idempotent. */
void		 ike_sa_drop_init(struct ike_sa *sa);

/* ike_sa_state_name returns "idle", "sa-init", ... for logs and state files. */
const char	*ike_sa_state_name(enum ike_sa_state s);

/* xchg_nat returns whether IKE must move to UDP 4500 after IKE_SA_INIT (a
 * NAT on either side, real or faked: RFC 7296 2.23). */
bool		 xchg_nat(const struct ike_sa *sa);

/* xchg_match returns whether in is a response to our request in flight (our
 * SPI, the message ID, the R flag): anything else a driver drops. */
bool		 xchg_match(const struct ike_sa *sa, struct rd in);

/*
 * IKE_SA_INIT (RFC 7296 1.2).
 *
 * sa_init_create writes the initiator's request HDR, [N(COOKIE)], SA, KE, Ni,
 * N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP),
 * [N(IKEV2_FRAGMENTATION_SUPPORTED)] to out and keeps a copy for AUTH. Called
 * again after a COOKIE or INVALID_KE_PAYLOAD answer, it resends with the
 * cookie or with a new KE of sa->want_group. IKE_ETOOBIG if out is small.
 *
 * sa_init_consume reads the response. IKE_OK with state SA_INIT_DONE: keys
 * derived. IKE_OK with state SA_IDLE: the peer sent a COOKIE; call
 * sa_init_create again. IKE_EBADKE: INVALID_KE_PAYLOAD, sa->want_group is
 * the group asked for (a group none of our proposals has is IKE_ENOPROP).
 * IKE_ENOPROP with sa->peer_notify NO_PROPOSAL_CHOSEN; IKE_EREFUSED with
 * peer_notify for any other error Notify; IKE_ESYNTAX/IKE_ENOPROP for a
 * reply that breaks the protocol (a proposal we did not offer, a KE of
 * another group).
 *
 * sa_init_respond answers a request (responder): on success the response
 * SA, KE, Nr, N(NAT_DETECTION_*) and IKE_OK (state SA_INIT_DONE). On failure
 * it writes the error response it sends, if any (out->len 0 if none), and
 * returns IKE_ENOPROP (N(NO_PROPOSAL_CHOSEN)), IKE_EBADKE
 * (N(INVALID_KE_PAYLOAD) with our group), IKE_EREFUSED (N(COOKIE): the
 * initiator should retry), or a parse error.
 */
enum ike_err	 sa_init_create(struct ike_sa *sa, const struct xchg_cfg *cfg,
		    struct wr *out);
enum ike_err	 sa_init_consume(struct ike_sa *sa, const struct xchg_cfg *cfg,
		    struct rd in);
enum ike_err	 sa_init_respond(struct ike_sa *sa, const struct xchg_cfg *cfg,
		    struct rd in, struct wr *out);

/*
 * IKE_AUTH with a PSK (RFC 7296 1.2, 2.15).
 *
 * auth_create writes SK{ IDi [IDr] AUTH SA TSi TSr } (the Child SA's ESP
 * proposals with our new SPI, no DH).
 *
 * auth_consume reads the response: the responder's AUTH is checked in
 * constant time (IKE_EAUTH), IDr against cfg->peer_id, the SA against what
 * we offered, the TS against what we asked; then the Child SA keys are
 * derived (state SA_ESTABLISHED). An error Notify from the peer gives
 * IKE_EREFUSED (IKE_ENOPROP for NO_PROPOSAL_CHOSEN, IKE_ETS for
 * TS_UNACCEPTABLE) with sa->peer_notify set. A message that does not decrypt
 * is IKE_EINTEG.
 *
 * auth_respond checks the request and writes the response SK{ IDr AUTH SA
 * TSi TSr } (IKE_OK, SA_ESTABLISHED), or SK{ N(AUTHENTICATION_FAILED) } with
 * IKE_EAUTH, or SK{ IDr AUTH N(NO_PROPOSAL_CHOSEN | TS_UNACCEPTABLE) } with
 * IKE_ENOPROP / IKE_ETS. The responder narrows the initiator's TSi to
 * cfg->ts_remote and TSr to cfg->ts_local (RFC 7296 2.9: each selector is
 * cut to its overlap with ours; empty cfg TS: anything); TS_UNACCEPTABLE
 * when nothing is left of either.
 *
 * Configuration payload (RFC 7296 2.19): with cfg->vip_req, auth_create adds
 * CP(CFG_REQUEST) after AUTH and auth_consume records the CFG_REPLY's
 * addresses and DNS servers in sa->vip (the caller decides whether no
 * address is an error). auth_respond answers a CFG_REQUEST asking for an
 * address from cfg->cp (cp_assign, leases kept in sa->vip: release them
 * with cp_lease_release), narrows TSi to the leased addresses and adds
 * CP(CFG_REPLY); with no address to give it answers SK{ IDr AUTH
 * N(INTERNAL_ADDRESS_FAILURE) } and returns IKE_EREFUSED.
 */
/*
 * EAP (RFC 7296 2.16; eap_auth.c): with cfg->eap the initiator's first
 * request carries no AUTH; auth_consume checks the responder's IDr, CERT
 * and AUTH and answers its EAP Request (state SA_EAP, msgid moved on);
 * then each auth_create writes the next SK{ EAP } request, or after
 * EAP-Success SK{ AUTH } keyed by the MSK (SK_pi/SK_pr for a method
 * without one), and each auth_consume reads its answer, the last one
 * with the responder's AUTH and the Child SA. EAP-Failure is IKE_EAUTH
 * with sa->eap.phase EAP_PH_FAILED and sa->auth_why set (sa->eap.st is
 * freed). xchg_step drives all of it. A responder with cfg->eap answers
 * a request without AUTH with SK{ IDr CERT AUTH EAP(Request/Identity) }
 * (IKE_OK, SA_EAP), every later request with the next EAP message (IKE_OK, still SA_EAP;
 * IKE_EAUTH with SK{ EAP(Failure) } when EAP fails), and the request
 * with the initiator's AUTH as above with SK{ AUTH SA TSi TSr [CP] }
 * for the SA, TS and CP of its first request.
 */
enum ike_err	 auth_create(struct ike_sa *sa, const struct xchg_cfg *cfg,
		    struct wr *out);
enum ike_err	 auth_consume(struct ike_sa *sa, const struct xchg_cfg *cfg,
		    struct rd in);
enum ike_err	 auth_respond(struct ike_sa *sa, const struct xchg_cfg *cfg,
		    struct rd in, struct wr *out);

/*
 * INFORMATIONAL (RFC 7296 1.4), responder of the exchange, on an
 * established SA: info_respond decrypts the request with the message ID the
 * peer's requests are at (sa->msgid for the responder of the IKE SA,
 * sa->peer_msgid for its initiator) and writes the response to out: empty,
 * or with a Delete of our inbound SPI when the peer deletes the Child SA
 * whose outbound SPI it names. It fills req (what the request asked;
 * delete_ike: the SA is to go) and increments that counter. IKE_ESYNTAX for
 * another exchange, a response or another msgid; sk_decrypt's errors for a
 * message that does not decrypt.
 *
 * info_refuse answers any other request of the peer on an established SA
 * (e.g. CREATE_CHILD_SA) with SK{ N(notify) } in the same exchange, under
 * the same checks and counter as info_respond.
 *
 * info_create writes our INFORMATIONAL request with our next message ID:
 * SK{ D(IKE) } with delete_ike, else empty (a liveness check). It needs the
 * SK keys only (so it also ends an SA whose IKE_AUTH failed after the peer
 * set it up). info_consume reads the response to it (IKE_ESYNTAX for any
 * other message: keep waiting) and increments that counter.
 */
enum { INFO_DEL_MAX = 16 };

struct info_req {
	bool		 empty;		/* no payloads: a liveness check */
	bool		 delete_ike;
	bool		 child_gone;	/* our Child SA was deleted */
	size_t		 n_del;		/* ESP SPIs in the peer's Deletes */
	uint32_t	 del_spi[INFO_DEL_MAX];
};

enum ike_err	 info_respond(struct ike_sa *sa, struct rd in, struct wr *out,
		    struct info_req *req);
/* info_respond_pairs is info_respond for an IKE SA with several Child SAs:
 * pairs lists each one's outbound and inbound SPI (info_respond passes
 * sa->child's). */
struct child_pair {
	uint32_t	 spi_out, spi_in;
};
enum ike_err	 info_respond_pairs(struct ike_sa *sa, struct rd in,
		    struct wr *out, struct info_req *req,
		    const struct child_pair *pairs, size_t n_pairs);
enum ike_err	 info_refuse(struct ike_sa *sa, struct rd in, uint16_t notify,
		    struct wr *out);
enum ike_err	 info_create(struct ike_sa *sa, bool delete_ike, struct wr *out);
/* info_create_delete is info_create with, unless delete_ike, a Delete of
 * the n_spis (at most INFO_DEL_MAX) ESP SPIs: ours, inbound (RFC 7296
 * 1.4.1). Both take our own counter: sa->msgid for the IKE SA's
 * initiator, sa->peer_msgid for its responder; so does info_consume. */
enum ike_err	 info_create_delete(struct ike_sa *sa, bool delete_ike,
		    const uint32_t *spis, size_t n_spis, struct wr *out);
enum ike_err	 info_consume(struct ike_sa *sa, struct rd in);

/*
 * CREATE_CHILD_SA for Child SAs (RFC 7296 1.3.1, 1.3.3). The new Child SA
 * is c->child: spi_in ours, spi_out the peer's, tsi/tsr and the keys (ei/ai
 * first) in the direction of this exchange's initiator (RFC 7296 2.17),
 * who is we_initiated.
 *
 * ccsa_create writes our request with our next message ID: a new Child SA
 * with selectors tsi (ours) and tsr, the ESP proposals esp (their DH groups
 * dropped) and, with pfs_group, that group and a KE; with rekey_spi (our
 * inbound SPI of the SA it replaces), N(REKEY_SA). ccsa_consume reads the
 * answer: IKE_ESYNTAX for another message and IKE_EINTEG for one that
 * does not decrypt (forged or damaged: keep waiting); else the exchange
 * is over: IKE_EREFUSED with sa->peer_notify (and sa->want_group for
 * INVALID_KE_PAYLOAD), IKE_EPROTO for an answer that breaks the protocol
 * (IKE_ETS: selectors wider than ours), or IKE_OK with c->child ready.
 *
 * ccsa_respond answers the peer's request at its next message ID under pol:
 * ESP proposals esp (without DH: a KE of a group we implement is accepted
 * for PFS), the selectors it may have (ts_local ours, ts_remote the
 * peer's; narrowed into them), and the Child SAs it may rekey (pairs: a
 * REKEY_SA naming no spi_out there gets CHILD_SA_NOT_FOUND). An IKE SA
 * rekey is answered into pol->new_ike (c->ike_rekeyed), or refused with
 * NO_ADDITIONAL_SAS (IKE_EUNSUPP) when it is NULL. Errors that were
 * answered with a Notify still write out (send it): IKE_ENOPROP, IKE_ETS,
 * IKE_EBADKE, IKE_ENOKEY, IKE_EUNSUPP, IKE_ESYNTAX (INVALID_SYNTAX); with
 * out->len 0 the request was dropped (it did not decrypt, or was not the
 * next one). c->rekey_spi is the peer's REKEY_SA SPI (our spi_out of the
 * old SA), or 0.
 */
struct ccsa {
	bool		 we_initiated;
	bool		 ike_rekeyed;	/* responder: pol->new_ike is the new
					 * IKE SA; c->child is unused */
	uint32_t	 msgid;		/* of our request */
	uint32_t	 rekey_spi;
	struct dh	*dh;
	uint8_t		 ni[NONCE_MAX_LEN], nr[NONCE_MAX_LEN];
	size_t		 ni_len, nr_len;
	struct sa_pld	 offered;
	struct child_sa	 child;
};

struct ccsa_policy {
	const struct sa_pld	*esp;
	const struct ts_pld	*ts_local, *ts_remote;
	const struct child_pair	*pairs;
	size_t			 n_pairs;
	struct ike_sa		*new_ike;	/* NULL: IKE SA rekeys refused */
};

/* What ike_rekey_respond needs of the peer's request (views into it). */
struct ike_rekey_req {
	struct sa_pld	 sa;
	struct rd	 nonce;
	bool		 has_ke;
	uint16_t	 ke_group;
	struct rd	 ke;
};

/* ike_rekey_respond answers the peer's rekey of the IKE SA sa (RFC 7296
 * 1.3.2, 2.18) with the old SA's keys and message ID: it accepts sa's own
 * transforms with the group of the peer's KE (INVALID_KE_PAYLOAD naming
 * sa's group without a KE, NO_PROPOSAL_CHOSEN otherwise), and makes nsa:
 * the new IKE SA, established, with the peer as its initiator, the SPIs
 * of the exchange, SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) and
 * message IDs from 0. Errors answered with a Notify write out as
 * ccsa_respond's do. ccsa_respond calls it when pol->new_ike is set. */
enum ike_err	 ike_rekey_respond(struct ike_sa *sa,
		    const struct ike_rekey_req *r, struct wr *out,
		    struct ike_sa *nsa);

/*
 * Our rekey of the IKE SA sa (RFC 7296 1.3.2, 2.18), its other half.
 *
 * ike_rekey_create writes our request with our next message ID (k->msgid):
 * SK{ SA, Ni, KEi }, the SA payload being sa's own transforms (as
 * ike_rekey_respond takes them) with group (0: sa's, else X25519) under
 * our new 8-byte SPI (k->spi). ike_rekey_consume reads the answer:
 * IKE_ESYNTAX for another message and IKE_EINTEG for one that does not
 * decrypt (keep waiting); else the exchange is over and our counter past
 * it: IKE_EREFUSED with sa->peer_notify (and sa->want_group for
 * INVALID_KE_PAYLOAD: the caller may try again with it), IKE_EPROTO for an
 * answer that breaks the protocol, or IKE_OK with nsa the new IKE SA,
 * established, with us as its initiator, SPIi k->spi and SPIr the peer's,
 * SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) and message IDs from
 * 0 (nsa is ike_sa_init'ed on every call; wiped unless IKE_OK). sa itself
 * is unchanged but for its counter: the caller deletes it (its Delete,
 * under the old keys, with info_create). ike_rekey_wipe frees k's DH key
 * and wipes it.
 */
struct ike_rekey {
	uint32_t	 msgid;		/* of our request */
	uint64_t	 spi;		/* ours in the new IKE SA */
	uint16_t	 group;		/* of our KE */
	struct dh	*dh;
	uint8_t		 ni[NONCE_MAX_LEN];
	size_t		 ni_len;
	struct sa_pld	 offered;
};

enum ike_err	 ike_rekey_create(struct ike_sa *sa, struct ike_rekey *k,
		    uint16_t group, struct wr *out);
enum ike_err	 ike_rekey_consume(struct ike_sa *sa, struct ike_rekey *k,
		    struct rd in, struct ike_sa *nsa);
void		 ike_rekey_wipe(struct ike_rekey *k);
/* ike_rekey_restore makes k again as ike_rekey_create made it for sa at
 * message ID msgid, from what a journal kept of it (rekey_journal.h): our
 * SPI, our DH private value priv of group, and Ni; the request is not
 * written again (the journal has its bytes). IKE_EINVAL for values that
 * ike_rekey_create would not have made; dh_import_private's errors. */
enum ike_err	 ike_rekey_restore(const struct ike_sa *sa, struct ike_rekey *k,
		    uint32_t msgid, uint64_t spi, uint16_t group,
		    const uint8_t *priv, size_t priv_len, const uint8_t *ni,
		    size_t ni_len);

/* ike_rekey_record appends to b the lines of ike.sa that a rekey of its
 * IKE SA changes (rekey_record.c): role, SPIs, transforms, SK_* keys and
 * message IDs of the new SA nsa; the name, endpoints, identities and
 * Child SAs stay. sd_update ike.sa with them, dropping ike_rekey_drop
 * (NULL-terminated: the journal and the kept answer of the old SA). */
struct kvbuf;
extern const char *const ike_rekey_drop[];
void		 ike_rekey_record(struct kvbuf *b, const struct ike_sa *nsa);

enum ike_err	 ccsa_create(struct ike_sa *sa, struct ccsa *c,
		    const struct sa_pld *esp, uint16_t pfs_group,
		    uint32_t rekey_spi, const struct ts_pld *tsi,
		    const struct ts_pld *tsr, struct wr *out);
enum ike_err	 ccsa_consume(struct ike_sa *sa, struct ccsa *c, struct rd in);
enum ike_err	 ccsa_respond(struct ike_sa *sa, const struct ccsa_policy *pol,
		    struct rd in, struct wr *out, struct ccsa *c);
/* ccsa_wipe frees c's DH key and wipes it. */
void		 ccsa_wipe(struct ccsa *c);

/* ike_auth_psk computes our (mine true) or the peer's expected AUTH value
 * for sa into out (prf_len bytes) and sets *out_len:
 *   prf(prf(PSK, "Key Pad for IKEv2"), RealMessage | Nonce | prf(SK_p, ID'))
 * id_body is the ID payload body (type, 3 reserved bytes, data). */
enum ike_err	 ike_auth_psk(const struct ike_sa *sa, const struct psk *psk,
		    bool mine, const uint8_t *id_body, size_t id_len, uint8_t *out,
		    size_t *out_len);

/*
 * The initiator's step function for a driver (STYLE.md 7): in is empty to
 * start; out gets the next message to send when the result is XCHG_SEND.
 * XCHG_RECV: wait for (another) message, e.g. in was not ours. XCHG_DONE:
 * the SA is up (or, with until_init, IKE_SA_INIT is done). XCHG_FAIL: err
 * says why (sa->peer_notify names a peer's Notify).
 */
enum xchg_wait { XCHG_SEND, XCHG_RECV, XCHG_DONE, XCHG_FAIL };

struct xchg {
	struct ike_sa		*sa;
	const struct xchg_cfg	*cfg;
	bool			 until_init;	/* stop after IKE_SA_INIT */
	unsigned		 n_retry;	/* COOKIE / INVALID_KE retries */
	enum ike_err		 err;
};

enum xchg_wait	 xchg_step(struct xchg *x, struct rd in, struct wr *out);

/* ike_id_parse reads an identity as strongSwan writes it: an IPv4 or IPv6
 * address (ID_IPV4_ADDR/ID_IPV6_ADDR), "@fqdn" or a name without '@'
 * (ID_FQDN), "user@host" (ID_RFC822_ADDR). IKE_EINVAL if empty or too long. */
enum ike_err	 ike_id_parse(struct ike_id *out, const char *s);
/* ike_id_format writes id as text ("192.0.2.1", "host.example") to buf. */
void		 ike_id_format(const struct ike_id *id, char *buf, size_t n);

/* What ike.sa records beside struct ike_sa (ike-state(5)). */
struct ike_sa_file {
	char		 name[65], child[65];
	char		 local[64], remote[64];	/* "addr:port", "[addr]:port" */
	char		 vip[128];
	bool		 nat;
};

/* ike_sa_load reads ike.sa of l's SA directory into sa (ike_sa_init'ed by
 * it; established, with its SPIs, suite, SK_* keys and message IDs) and f.
 * IKE_EINVAL with "NAME/ike.sa:LINE: key: why" in err for a bad file (keys
 * never appear in err), sd_read's errors otherwise. On error sa is wiped. */
struct sd_lock;
enum ike_err	 ike_sa_load(struct sd_lock *l, struct ike_sa *sa,
		    struct ike_sa_file *f, char *err, size_t errlen);

/* kvg_ts reads a state file's selector list (ts_parse_list's syntax),
 * with kvg_*'s errors. */
struct kvget;
enum ike_err	 kvg_ts(const struct kvget *g, const char *key,
		    struct ts_pld *out);

/* ts_parse_list reads comma-separated "ADDR/PREFIX", "ADDR" or "ADDR-ADDR"
 * (IPv4 or IPv6) into out. IKE_EINVAL with a message in err. */
enum ike_err	 ts_parse_list(struct ts_pld *out, const char *s, char *err,
		    size_t errlen);
/* ts_format_list writes t as such a list (prefixes where a range is one). */
void		 ts_format_list(const struct ts_pld *t, char *buf, size_t n);

/* keys_export writes sa's keys under dir as Wireshark key tables:
 * ikev2_decryption_table, and esp_sa with, once its Child SA is up, a line
 * from the IKE initiator's address i_addr to the responder's r_addr and
 * one back (af's length). Files are 0600, never followed through a
 * symlink, truncated or appended to. IKE_EIO (errno set) on failure. */
enum ike_err	 keys_export(const char *dir, const struct ike_sa *sa, int af,
		    const uint8_t *i_addr, const uint8_t *r_addr, bool append);

#endif
