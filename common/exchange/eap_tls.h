/* SPDX-License-Identifier: ISC */
/* EAP-TLS (RFC 5216, RFC 9190) on OpenSSL with memory BIOs: framing (L, M, S flags), fragments and their ACKs, the peer's certificate checked with our anchors, the MSK. */
#ifndef IKEKIT_EXCHANGE_EAP_TLS_H
#define IKEKIT_EXCHANGE_EAP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/sig.h"

enum {
	EAP_TLS_FRAG		= 1000,		/* TLS bytes per EAP message we send */
	EAP_TLS_HDR		= 5,		/* Flags, TLS Message Length */
	EAP_TLS_IN_MAX		= 32768,	/* a reassembled TLS message */
	EAP_TLS_ROUNDS_MAX	= 96,		/* EAP-TLS messages per conversation */
	EAP_TLS_MSK_LEN		= 64,
	EAP_TLS_WHY_LEN		= 160,
};

/* Flags (RFC 5216 3.1) */
#define EAP_TLS_F_L	0x80	/* TLS Message Length included */
#define EAP_TLS_F_M	0x40	/* more fragments */
#define EAP_TLS_F_S	0x20	/* EAP-TLS Start */

/* An identity the other end's certificate must name: an ID payload's type
 * (RFC 7296 3.5) and body. type 0: none. */
struct eap_tls_id {
	uint8_t		 type;
	uint8_t		 data[255];
	size_t		 len;
};

struct eap_tls;

/*
 * eap_tls_new makes one end of a conversation: server (the EAP server,
 * IKE responder) or peer. cred holds our key and certificates (sent in
 * TLS; the server asks the peer for one) and the anchors the other end's
 * chain must lead to (its revocation settings apply as in IKE). The other
 * end's certificate must name each of ids[0..n_ids) (sig_peer_id_match).
 * TLS 1.2, and 1.3 (RFC 9190) too when tls13 (see eap_tls.c). IKE_EINVAL
 * with why when cred has no key.
 */
enum ike_err	 eap_tls_new(struct eap_tls **out, bool server, bool tls13,
		    const struct sig_cred *cred, const struct eap_tls_id *ids,
		    size_t n_ids, char *why, size_t why_len);
void		 eap_tls_free(struct eap_tls *t);

/* eap_tls_cred points t at cred again (ike-respond may load new
 * credentials between two messages; t keeps its key and chain). */
void		 eap_tls_cred(struct eap_tls *t, const struct sig_cred *cred);

/* eap_tls_start writes the server's EAP-TLS Start (the type data: Flags
 * with S) into out; its length. */
size_t		 eap_tls_start(struct eap_tls *t, uint8_t *out, size_t cap);

/*
 * eap_tls_input reads the type data of one EAP-TLS message of the other
 * end (Flags, [Length], TLS bytes) and writes the type data of our answer
 * into out (*out_len; cap at least EAP_TLS_HDR + EAP_TLS_FRAG): the next
 * fragment of our TLS flight, an ACK (Flags 0, no data) of a fragment
 * received, or an ACK once our handshake is done with nothing to send.
 * *over is set on the server when the peer acknowledged our last flight
 * of a finished, verified handshake: EAP-Success is next.
 * IKE_ESYNTAX: the framing is broken (why says how); IKE_EAUTH: TLS failed
 * (why: the peer's certificate refused, an alert...), *out_len > 0 when a
 * TLS alert is to be sent still.
 */
enum ike_err	 eap_tls_input(struct eap_tls *t, const uint8_t *in, size_t len,
		    uint8_t *out, size_t cap, size_t *out_len, bool *over);

/* eap_tls_done: the handshake finished and the other end's certificate
 * passed. eap_tls_msk writes the MSK, the first 64 bytes of the TLS
 * exporter: RFC 5216 2.3's with TLS 1.2, RFC 9190 2.3's with TLS 1.3 (its
 * early draft's when no commitment message came); IKE_EINVAL before done. */
bool		 eap_tls_done(const struct eap_tls *t);
enum ike_err	 eap_tls_msk(struct eap_tls *t, uint8_t msk[EAP_TLS_MSK_LEN]);

/* eap_tls_why: why the conversation failed ("" if it did not). */
const char	*eap_tls_why(const struct eap_tls *t);

/*
 * eap_tls_id_text writes an ID as text an EAP identity carries (a DN as
 * strongSwan writes it, an address, the FQDN or e-mail address as is);
 * false if it does not fit. eap_tls_id_parse reads such text back the way
 * strongSwan reads an identity: with '=' a DN, an IPv4/IPv6 address, with
 * '@' inside an e-mail address, else an FQDN (one leading '@' dropped).
 */
bool		 eap_tls_id_text(uint8_t type, const uint8_t *data, size_t len,
		    char *out, size_t n);
bool		 eap_tls_id_parse(const char *s, struct eap_tls_id *out);

#endif
