/* SPDX-License-Identifier: ISC */
/* EAP in IKE_AUTH (RFC 7296 2.16): EAP-Identity, EAP-MD5, EAP-MSCHAPv2 and EAP-TLS as the peer (IKE initiator) and the server (IKE responder); users' secrets. */
#ifndef IKEKIT_EXCHANGE_EAP_AUTH_H
#define IKEKIT_EXCHANGE_EAP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"
#include "codec/eap.h"
#include "crypto/mschap.h"
#include "crypto/sig.h"
#include "exchange/eap_tls.h"

/* EAP method types (RFC 3748 5; IANA "Method Types"). */
enum eap_type {
	EAP_TYPE_IDENTITY	= 1,
	EAP_TYPE_NOTIFICATION	= 2,
	EAP_TYPE_NAK		= 3,
	EAP_TYPE_MD5		= 4,
	EAP_TYPE_TLS		= 13,	/* RFC 5216 */
	EAP_TYPE_MSCHAPV2	= 26,
};

enum {
	EAP_NAME_MAX	= 255,		/* identity, user name: bytes */
	EAP_PASS_MAX	= 256,		/* password: bytes */
	EAP_METHODS_MAX	= 4,
	EAP_MSG_MAX	= 1100,		/* an EAP message we send (EAP-TLS:
					 * EAP_TLS_FRAG bytes of TLS) */
	EAP_MSK_LEN	= MSCHAP_MSK_LEN,
	EAP_USERS_MAX	= 65536,	/* lines of a secrets file */
};

/* One account: the name as the peer sends it, its password (UTF-8). */
struct eap_user {
	char		 name[EAP_NAME_MAX + 1];
	char		 pass[EAP_PASS_MAX + 1];
};

struct eap_users {
	struct eap_user	*u;		/* malloc'd; eap_users_free wipes it */
	size_t		 n;
};

/* What one side does with EAP. The peer (initiator) is users->u[0] and
 * answers a method it does not list with a Nak naming the ones it does;
 * the server (responder) offers its methods in order and looks users up. */
struct eap_cfg {
	const struct eap_users	*users;
	uint8_t			 methods[EAP_METHODS_MAX];	/* EAP_TYPE_* */
	size_t			 n_methods;
	bool			 tls13;	/* EAP-TLS may be TLS 1.3 (RFC 9190) */
};

/* Where EAP is, kept in the IKE SA while it runs (sa->eap.st). */
enum eap_phase {
	EAP_PH_NONE,		/* no EAP */
	EAP_PH_RUN,		/* methods going on */
	EAP_PH_SUCCESS,		/* EAP-Success sent / received: AUTH next */
	EAP_PH_AUTH_SENT,	/* initiator: its AUTH with the MSK is out */
	EAP_PH_FAILED,		/* EAP-Failure sent / received */
};

struct eap_state {
	enum eap_phase	 phase;
	uint8_t		 method;	/* running: EAP_TYPE_*, 0 for none */
	uint8_t		 id;		/* Identifier: server, of our last
					 * Request; peer, of the last answered */
	uint8_t		 ms_id;		/* MS-CHAPv2-ID */
	uint8_t		 next;		/* server: methods[] index to offer */
	bool		 verified;	/* peer: the server's MS-CHAPv2
					 * authenticator response was right */
	bool		 ok;		/* server: the peer's answer was right */
	bool		 has_msk;
	uint8_t		 msk[EAP_MSK_LEN];
	uint8_t		 chal[MSCHAP_CHALLENGE_LEN];	/* server: ours */
	uint8_t		 nt_resp[MSCHAP_NT_RESPONSE_LEN];
	char		 auth_resp[MSCHAP_AUTH_RESP_LEN + 1];
	char		 user[EAP_NAME_MAX + 1];	/* the identity given */
	uint8_t		 out[EAP_MSG_MAX];	/* next EAP message to send */
	size_t		 out_len;
	uint8_t		*first;		/* responder: the first IKE_AUTH
					 * request (its SA, TS, CP are answered
					 * last), malloc'd */
	size_t		 first_len;
	char		 why[176];	/* why EAP failed (local logs) */
	/* EAP-TLS: the IKE_AUTH glue (or a test) sets cred (our key, chain
	 * and anchors) and other (the other end's IKE ID: IDi on the server,
	 * IDr on the peer), which its certificate must name */
	const struct sig_cred *cred;
	struct eap_tls_id other;
	struct eap_tls	*tls;		/* eap_state_wipe frees it */
	bool		 tls_failing;	/* peer: our alert (or an ACK of the
					 * server's) is out: EAP-Failure next */
};

/* eap_state_wipe frees st->first and st->tls and wipes st (eap_end, in
 * xchg_set and ike_sa_wipe, calls it). */
void		 eap_state_wipe(struct eap_state *st);

/*
 * The EAP conversation itself, one EAP message in (as eap_parse reads
 * it), the next one out in st->out (st->out_len 0: nothing to send).
 *
 * eap_server_start writes the first Request (Identity) and sets phase RUN.
 * eap_server_input reads the peer's Response to our last Request: the next
 * Request (the method, after Identity or a Nak), EAP-Success (phase
 * SUCCESS, st->has_msk for MS-CHAPv2) or EAP-Failure (phase FAILED, the
 * reason in st->why: wrong password, unknown user, no common method).
 * IKE_ESYNTAX for a message that is not the answer (not a Response, another
 * Identifier, a malformed method message).
 *
 * eap_peer_input reads a server's Request, Success or Failure: a Response
 * in st->out (Identity, the method's answer, a Nak naming our methods),
 * phase SUCCESS on an EAP-Success after a method we finished (and with
 * MS-CHAPv2 a verified authenticator response), IKE_EAUTH with phase
 * FAILED on an EAP-Failure (or a Success we cannot trust) and st->why set.
 * IKE_ESYNTAX for a malformed message.
 *
 * EAP-TLS (eap_tls.c): the server starts TLS once it has the identity;
 * the peer's certificate must chain to cred's anchors (revocation as
 * configured) and name both the EAP identity (read as strongSwan reads an
 * identity: eap_tls_id_parse) and st->other (its IDi). The peer checks
 * the server's chain the same way and that it names st->other (IDr).
 * Both take the MSK from TLS; a failed handshake ends in EAP-Failure.
 */
void		 eap_server_start(struct eap_state *st, const struct eap_cfg *cfg);
enum ike_err	 eap_server_input(struct eap_state *st, const struct eap_cfg *cfg,
		    const struct eap_pld *msg);
enum ike_err	 eap_peer_input(struct eap_state *st, const struct eap_cfg *cfg,
		    const struct eap_pld *msg);

/* eap_md5_value computes MD5(id | password | challenge) (RFC 1994 4.1). */
enum ike_err	 eap_md5_value(uint8_t id, const char *pass,
		    const uint8_t *chal, size_t chal_len, uint8_t out[16]);

/* eap_methods_parse reads "mschapv2,md5,tls" (in order of preference) into
 * cfg. IKE_EINVAL for an unknown or repeated name, or none. */
enum ike_err	 eap_methods_parse(struct eap_cfg *cfg, const char *s);
/* eap_tls_max_parse reads "1.2" or "1.3", the highest TLS version EAP-TLS
 * offers and accepts, into cfg->tls13; false for anything else. */
bool		 eap_tls_max_parse(struct eap_cfg *cfg, const char *s);

/*
 * Secrets file: one account per line, "NAME : PASSWORD". The name ends at
 * the first ':', blanks around it and around the password are dropped; a
 * password in double quotes is taken as is between them (blanks kept).
 * Empty lines and lines starting with '#' are comments. The name must
 * not be empty nor longer than 255 bytes, the password 1 to 256 bytes.
 *
 * eap_users_parse reads such text; IKE_EINVAL with "line N: why" in err
 * (never the password). eap_users_load reads the file at path (at most 1
 * MiB); *loose tells that it is readable by group or others. IKE_EIO with
 * errno set when it cannot be read. eap_user_find returns the account of
 * name (n bytes), or NULL. eap_users_free wipes and frees the list.
 */
enum ike_err	 eap_users_parse(struct eap_users *out, const char *text,
		    size_t len, char *err, size_t errlen);
enum ike_err	 eap_users_load(struct eap_users *out, const char *path,
		    bool *loose, char *err, size_t errlen);
const struct eap_user *eap_user_find(const struct eap_users *u,
		    const char *name, size_t n);
void		 eap_users_free(struct eap_users *u);

#endif
