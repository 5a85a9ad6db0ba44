/* SPDX-License-Identifier: ISC */
/* EAP in IKE_AUTH (RFC 7296 2.16, RFC 3748): Identity, MD5-Challenge, MS-CHAPv2 and TLS (eap_tls.c) for both roles, AUTH with the MSK, and the users' secrets file. */
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "codec/auth_pld.h"
#include "codec/cert.h"
#include "codec/eap.h"
#include "codec/id.h"
#include "codec/notify.h"
#include "crypto/hash.h"
#include "crypto/mschap.h"
#include "crypto/prf.h"
#include "crypto/secret.h"
#include "crypto/sig.h"
#include "names/ikev2.h"
#include "exchange/eap_auth.h"
#include "exchange/internal.h"
#include "exchange/xchg.h"

/* MS-CHAPv2 in EAP (draft-kamath-pppext-eap-mschapv2-02): OpCodes, sizes. */
enum {
	MS_CHALLENGE	= 1,
	MS_RESPONSE	= 2,
	MS_SUCCESS	= 3,
	MS_FAILURE	= 4,
	MS_VALUE_LEN	= 49,	/* Peer-Challenge, 8 reserved, NT-Response, Flags */
	USERS_FILE_MAX	= 1 << 20,
};

static const char server_name[] = "ikekit";

void
eap_state_wipe(struct eap_state *st)
{
	free(st->first);
	eap_tls_free(st->tls);
	wipe(st, sizeof(*st));
}

/* eap_out writes one EAP message into st->out. */
static void
eap_out(struct eap_state *st, uint8_t code, uint8_t id, uint8_t type,
    const uint8_t *data, size_t len)
{
	struct eap_pld	 e;
	struct wr	 w = wr_init(st->out, sizeof(st->out));

	memset(&e, 0, sizeof(e));
	e.code = code;
	e.id = id;
	e.type = type;
	e.data = rd_init(data, len);
	eap_put(&w, &e);
	st->out_len = wr_ok(&w) ? w.len : 0;
}

/* ms_user returns the user name MS-CHAPv2 hashes: without a "DOMAIN\"
 * prefix (RFC 2759 4). */
static const char *
ms_user(const char *name)
{
	const char	*bs = strrchr(name, '\\');

	return bs != NULL ? bs + 1 : name;
}

/* name_copy copies a name of the wire into out (NUL-terminated); false if
 * it is empty, too long or holds a NUL. */
static bool
name_copy(char out[EAP_NAME_MAX + 1], struct rd r)
{
	if (r.len == 0 || r.len > EAP_NAME_MAX || memchr(r.p, '\0', r.len) != NULL)
		return false;
	memcpy(out, r.p, r.len);
	out[r.len] = '\0';
	return true;
}

enum ike_err
eap_md5_value(uint8_t id, const char *pass, const uint8_t *chal,
    size_t chal_len, uint8_t out[16])
{
	uint8_t		 buf[1 + EAP_PASS_MAX + 255];
	struct wr	 w = wr_init(buf, sizeof(buf));
	enum ike_err	 e;

	/* RFC 1994 4.1: MD5(Identifier | secret | Challenge) */
	wr_u8(&w, id);
	wr_bytes(&w, pass, strlen(pass));
	wr_bytes(&w, chal, chal_len);
	e = wr_ok(&w) ? hash_md5(buf, w.len, out) : IKE_ETOOBIG;
	wipe(buf, sizeof(buf));
	return e;
}

/* ---- the server (IKE responder) ---- */

/* server_end sends EAP-Success or EAP-Failure (why: for local logs), with
 * the Identifier of the Response it answers (RFC 3748 4.2). */
static void
server_end(struct eap_state *st, bool ok, const char *why)
{
	st->phase = ok ? EAP_PH_SUCCESS : EAP_PH_FAILED;
	if (!ok)
		snprintf(st->why, sizeof(st->why), "%s", why);
	eap_out(st, ok ? IKEV2_EAP_SUCCESS : IKEV2_EAP_FAILURE, st->id, 0,
	    NULL, 0);
	if (!ok)
		wipe(st->msk, sizeof(st->msk));
}

/* server_tls_start makes the TLS server for the identity given and sends
 * EAP-TLS Start, or EAP-Failure. */
static void
server_tls_start(struct eap_state *st)
{
	struct eap_tls_id	 ids[2];
	uint8_t			 b[1];
	size_t			 n = 0;
	char			 why[EAP_TLS_WHY_LEN];

	if (!eap_tls_id_parse(st->user, &ids[n++])) {
		server_end(st, false, "EAP-TLS: the EAP identity is no name a "
		    "certificate can hold");
		return;
	}
	if (st->other.type != 0)
		ids[n++] = st->other;
	eap_tls_free(st->tls);
	st->tls = NULL;
	st->tls_failing = false;
	if (eap_tls_new(&st->tls, true, st->cred, ids, n, why, sizeof(why)) !=
	    IKE_OK) {
		server_end(st, false, why);
		return;
	}
	eap_out(st, IKEV2_EAP_REQUEST, st->id, EAP_TYPE_TLS, b,
	    eap_tls_start(st->tls, b, sizeof(b)));
	log_debug("EAP: offering method %u", EAP_TYPE_TLS);
}

/* server_tls reads an EAP-TLS Response: the next Request (a fragment, an
 * ACK, our flight), EAP-Success with the MSK after the peer's last ACK, or
 * EAP-Failure at once when TLS fails. Not the alert TLS wrote first (RFC
 * 5216 2.1.3 says SHOULD): strongSwan answers one by ending the IKE SA
 * with an INFORMATIONAL, and the refusal would go unlogged here. */
static enum ike_err
server_tls(struct eap_state *st, struct rd d)
{
	uint8_t		 buf[EAP_TLS_HDR + EAP_TLS_FRAG];
	size_t		 n = 0;
	bool		 over;
	enum ike_err	 e;

	if (st->tls == NULL)
		return IKE_ESYNTAX;
	eap_tls_cred(st->tls, st->cred);
	e = eap_tls_input(st->tls, d.p, d.len, buf, sizeof(buf), &n, &over);
	if (e == IKE_OK && over) {
		if (eap_tls_msk(st->tls, st->msk) != IKE_OK) {
			server_end(st, false, "EAP-TLS: no MSK from TLS");
			return IKE_OK;
		}
		st->has_msk = true;
		server_end(st, true, NULL);
		return IKE_OK;
	}
	if (e == IKE_OK) {
		st->id++;
		eap_out(st, IKEV2_EAP_REQUEST, st->id, EAP_TYPE_TLS, buf, n);
		wipe(buf, sizeof(buf));
		return IKE_OK;
	}
	server_end(st, false, eap_tls_why(st->tls)[0] != '\0' ?
	    eap_tls_why(st->tls) : ike_strerror(e));
	return IKE_OK;
}

/* server_offer sends the Request of the next of cfg's methods the peer
 * may take (want: a Nak's list; NULL: any), or EAP-Failure if none. */
static void
server_offer(struct eap_state *st, const struct eap_cfg *cfg,
    const struct rd *want)
{
	uint8_t		 buf[8 + MSCHAP_CHALLENGE_LEN + sizeof(server_name)];
	struct wr	 w = wr_init(buf, sizeof(buf));
	uint8_t		 m;

	while (st->next < cfg->n_methods) {
		m = cfg->methods[st->next++];
		if (want != NULL && (want->len == 0 ||
		    memchr(want->p, m, want->len) == NULL))
			continue;
		st->method = m;
		st->id++;
		if (m == EAP_TYPE_TLS) {
			server_tls_start(st);
			return;
		}
		rand_bytes(st->chal, sizeof(st->chal));
		if (m == EAP_TYPE_MD5) {
			/* Value-Size, Value (RFC 3748 5.4) */
			wr_u8(&w, MSCHAP_CHALLENGE_LEN);
			wr_bytes(&w, st->chal, sizeof(st->chal));
		} else {
			/* OpCode, MS-CHAPv2-ID, MS-Length, Value-Size,
			 * Challenge, Name */
			rand_bytes(&st->ms_id, 1);
			wr_u8(&w, MS_CHALLENGE);
			wr_u8(&w, st->ms_id);
			wr_u16(&w, (uint16_t)(4 + 1 + sizeof(st->chal) +
			    strlen(server_name)));
			wr_u8(&w, MSCHAP_CHALLENGE_LEN);
			wr_bytes(&w, st->chal, sizeof(st->chal));
			wr_bytes(&w, server_name, strlen(server_name));
		}
		eap_out(st, IKEV2_EAP_REQUEST, st->id, m, buf, w.len);
		log_debug("EAP: offering method %u", m);
		return;
	}
	server_end(st, false, want != NULL ? "the peer's EAP methods are not "
	    "ours (Nak)" : "no EAP method configured");
}

/* server_md5 checks an MD5-Challenge Response (Value-Size, Value, Name). */
static enum ike_err
server_md5(struct eap_state *st, const struct eap_cfg *cfg, struct rd d)
{
	const struct eap_user	*u;
	uint8_t			 vs, want[MD5_LEN];
	struct rd		 val;
	enum ike_err		 e;

	if (!rd_u8(&d, &vs) || vs != MD5_LEN || !rd_split(&d, &val, MD5_LEN))
		return IKE_ESYNTAX;
	if ((u = eap_user_find(cfg->users, st->user, strlen(st->user))) == NULL) {
		server_end(st, false, "unknown user");
		return IKE_OK;
	}
	if ((e = eap_md5_value(st->id, u->pass, st->chal, sizeof(st->chal),
	    want)) != IKE_OK)
		return e;
	if (!ct_eq(val.p, want, MD5_LEN))
		server_end(st, false, "wrong password (EAP-MD5)");
	else
		server_end(st, true, NULL);	/* no MSK: SK_p keys AUTH */
	wipe(want, sizeof(want));
	return IKE_OK;
}

/* server_mschap reads the peer's MS-CHAPv2 Response (then sends Success
 * with our authenticator response) or its Success Response (then
 * EAP-Success and the MSK). */
static enum ike_err
server_mschap(struct eap_state *st, const struct eap_cfg *cfg, struct rd d)
{
	const struct eap_user	*u;
	uint8_t			 op, ms_id, vs, want[MSCHAP_NT_RESPONSE_LEN];
	uint8_t			 buf[4 + MSCHAP_AUTH_RESP_LEN + 8];
	uint16_t		 ms_len;
	struct rd		 val;
	struct wr		 w = wr_init(buf, sizeof(buf));
	char			 name[EAP_NAME_MAX + 1];
	const uint8_t		*peer_chal, *nt;
	enum ike_err		 e;

	if (!rd_u8(&d, &op))
		return IKE_ESYNTAX;
	if (st->ok) {		/* our Success Request is answered */
		if (op != MS_SUCCESS) {
			server_end(st, false, "peer refused our MS-CHAPv2 "
			    "authenticator response");
			return IKE_OK;
		}
		st->has_msk = true;
		server_end(st, true, NULL);
		return IKE_OK;
	}
	if (op != MS_RESPONSE || !rd_u8(&d, &ms_id) || !rd_u16(&d, &ms_len) ||
	    !rd_u8(&d, &vs) || vs != MS_VALUE_LEN || ms_id != st->ms_id ||
	    !rd_split(&d, &val, MS_VALUE_LEN) || ms_len != 4 + 1 +
	    MS_VALUE_LEN + d.len)
		return IKE_ESYNTAX;
	peer_chal = val.p;
	nt = val.p + MSCHAP_CHALLENGE_LEN + 8;
	if (!name_copy(name, d)) {
		server_end(st, false, "MS-CHAPv2 user name empty or too long");
		return IKE_OK;
	}
	if ((u = eap_user_find(cfg->users, ms_user(name),
	    strlen(ms_user(name)))) == NULL) {
		server_end(st, false, "unknown user");
		return IKE_OK;
	}
	if ((e = mschap_nt_response(st->chal, peer_chal, ms_user(name),
	    u->pass, want)) != IKE_OK) {
		server_end(st, false, e == IKE_EUNSUPP ? "MS-CHAPv2: no MD4/DES "
		    "(OpenSSL legacy provider)" : "MS-CHAPv2: password not usable");
		return IKE_OK;
	}
	if (!ct_eq(want, nt, MSCHAP_NT_RESPONSE_LEN)) {
		server_end(st, false, "wrong password (EAP-MSCHAPv2)");
		wipe(want, sizeof(want));
		return IKE_OK;
	}
	wipe(want, sizeof(want));
	memcpy(st->nt_resp, nt, sizeof(st->nt_resp));
	if ((e = mschap_auth_response(u->pass, nt, peer_chal, st->chal,
	    ms_user(name), st->auth_resp)) != IKE_OK ||
	    (e = mschap_msk(u->pass, nt, st->msk)) != IKE_OK) {
		server_end(st, false, "MS-CHAPv2: cannot derive the keys");
		return IKE_OK;
	}
	st->ok = true;
	/* Success Request: OpCode, MS-CHAPv2-ID, MS-Length, "S=<hex> M=OK" */
	wr_u8(&w, MS_SUCCESS);
	wr_u8(&w, st->ms_id);
	wr_u16(&w, (uint16_t)(4 + MSCHAP_AUTH_RESP_LEN + 5));
	wr_bytes(&w, st->auth_resp, MSCHAP_AUTH_RESP_LEN);
	wr_bytes(&w, " M=OK", 5);
	st->id++;
	eap_out(st, IKEV2_EAP_REQUEST, st->id, EAP_TYPE_MSCHAPV2, buf, w.len);
	return IKE_OK;
}

/* tls_identity takes an EAP identity that is no text for EAP-TLS, as
 * strongSwan sends its IKE ID's encoding: the body of IDi (4 bytes for an
 * IPv4 address) stands for IDi, a DER DN for that DN. st->user gets it
 * as text (eap_tls_id_parse reads it back). */
static bool
tls_identity(struct eap_state *st, const struct eap_cfg *cfg, struct rd r)
{
	if (memchr(cfg->methods, EAP_TYPE_TLS, cfg->n_methods) == NULL ||
	    r.len == 0 || r.len > EAP_NAME_MAX)
		return false;
	if (st->other.type != 0 && r.len == st->other.len &&
	    ct_eq(r.p, st->other.data, r.len))
		return eap_tls_id_text(st->other.type, st->other.data,
		    st->other.len, st->user, sizeof(st->user));
	return r.p[0] == 0x30 && eap_tls_id_text(IKEV2_ID_DER_ASN1_DN, r.p,
	    r.len, st->user, sizeof(st->user));
}

void
eap_server_start(struct eap_state *st, const struct eap_cfg *cfg)
{
	(void)cfg;
	rand_bytes(&st->id, 1);
	st->phase = EAP_PH_RUN;
	st->method = EAP_TYPE_IDENTITY;
	st->next = 0;
	st->ok = st->has_msk = false;
	eap_out(st, IKEV2_EAP_REQUEST, st->id, EAP_TYPE_IDENTITY, NULL, 0);
}

enum ike_err
eap_server_input(struct eap_state *st, const struct eap_cfg *cfg,
    const struct eap_pld *e)
{
	st->out_len = 0;
	if (st->phase != EAP_PH_RUN || e->code != IKEV2_EAP_RESPONSE ||
	    e->id != st->id)
		return IKE_ESYNTAX;
	if (e->type == EAP_TYPE_NAK) {
		/* RFC 3748 5.3.1: only to a method's Request; it lists the
		 * methods the peer would take instead */
		if (st->method == EAP_TYPE_IDENTITY || st->ok)
			return IKE_ESYNTAX;
		log_debug("EAP: the peer refused method %u (Nak)", st->method);
		server_offer(st, cfg, &e->data);
		return IKE_OK;
	}
	if (e->type != st->method)
		return IKE_ESYNTAX;
	switch (st->method) {
	case EAP_TYPE_IDENTITY:
		if (!name_copy(st->user, e->data) && !tls_identity(st, cfg,
		    e->data)) {
			server_end(st, false, "EAP identity empty or too long");
			return IKE_OK;
		}
		server_offer(st, cfg, NULL);
		return IKE_OK;
	case EAP_TYPE_MD5:
		return server_md5(st, cfg, e->data);
	case EAP_TYPE_MSCHAPV2:
		return server_mschap(st, cfg, e->data);
	case EAP_TYPE_TLS:
		return server_tls(st, e->data);
	default:
		return IKE_ESYNTAX;
	}
}

/* ---- the peer (IKE initiator) ---- */

static bool
allowed(const struct eap_cfg *cfg, uint8_t m)
{
	return memchr(cfg->methods, m, cfg->n_methods) != NULL;
}

/* peer_md5 answers an MD5-Challenge Request: Value-Size, Value. */
static enum ike_err
peer_md5(struct eap_state *st, const struct eap_user *u, struct rd d)
{
	uint8_t		 vs, buf[1 + MD5_LEN];
	struct rd	 chal;
	enum ike_err	 e;

	if (!rd_u8(&d, &vs) || vs == 0 || !rd_split(&d, &chal, vs))
		return IKE_ESYNTAX;
	buf[0] = MD5_LEN;
	if ((e = eap_md5_value(st->id, u->pass, chal.p, chal.len, buf + 1)) !=
	    IKE_OK)
		return e;
	st->method = EAP_TYPE_MD5;
	st->ok = true;
	eap_out(st, IKEV2_EAP_RESPONSE, st->id, EAP_TYPE_MD5, buf, sizeof(buf));
	wipe(buf, sizeof(buf));
	return IKE_OK;
}

/* peer_mschap answers an MS-CHAPv2 Challenge, Success or Failure. */
static enum ike_err
peer_mschap(struct eap_state *st, const struct eap_user *u, struct rd d)
{
	uint8_t		 op, ms_id, vs, peer_chal[MSCHAP_CHALLENGE_LEN];
	uint8_t		 buf[5 + MS_VALUE_LEN + EAP_NAME_MAX];
	char		 got[MSCHAP_AUTH_RESP_LEN], msg[16];
	uint16_t	 ms_len;
	struct rd	 chal;
	struct wr	 w = wr_init(buf, sizeof(buf));
	const char	*user = ms_user(u->name);
	size_t		 i;
	enum ike_err	 e;

	if (!rd_u8(&d, &op) || !rd_u8(&d, &ms_id) || !rd_u16(&d, &ms_len))
		return IKE_ESYNTAX;
	switch (op) {
	case MS_CHALLENGE:
		if (!rd_u8(&d, &vs) || vs != MSCHAP_CHALLENGE_LEN ||
		    !rd_split(&d, &chal, vs))
			return IKE_ESYNTAX;
		rand_bytes(peer_chal, sizeof(peer_chal));
		memcpy(st->chal, chal.p, sizeof(st->chal));
		if ((e = mschap_nt_response(st->chal, peer_chal, user, u->pass,
		    st->nt_resp)) != IKE_OK ||
		    (e = mschap_auth_response(u->pass, st->nt_resp, peer_chal,
		    st->chal, user, st->auth_resp)) != IKE_OK ||
		    (e = mschap_msk(u->pass, st->nt_resp, st->msk)) != IKE_OK)
			return e;
		st->method = EAP_TYPE_MSCHAPV2;
		st->ms_id = ms_id;
		st->verified = false;
		/* Response: OpCode, MS-CHAPv2-ID, MS-Length, Value-Size,
		 * Peer-Challenge, 8 reserved, NT-Response, Flags, Name */
		wr_u8(&w, MS_RESPONSE);
		wr_u8(&w, ms_id);
		wr_u16(&w, (uint16_t)(4 + 1 + MS_VALUE_LEN + strlen(u->name)));
		wr_u8(&w, MS_VALUE_LEN);
		wr_bytes(&w, peer_chal, sizeof(peer_chal));
		for (i = 0; i < 8; i++)
			wr_u8(&w, 0);
		wr_bytes(&w, st->nt_resp, sizeof(st->nt_resp));
		wr_u8(&w, 0);
		wr_bytes(&w, u->name, strlen(u->name));
		if (!wr_ok(&w))
			return IKE_ETOOBIG;
		eap_out(st, IKEV2_EAP_RESPONSE, st->id, EAP_TYPE_MSCHAPV2, buf,
		    w.len);
		return IKE_OK;
	case MS_SUCCESS:
		/* "S=<40 hex digits>": the server knows our password */
		if (st->method != EAP_TYPE_MSCHAPV2 ||
		    d.len < MSCHAP_AUTH_RESP_LEN)
			return IKE_ESYNTAX;
		for (i = 0; i < MSCHAP_AUTH_RESP_LEN; i++)
			got[i] = (char)toupper(d.p[i]);
		if (!ct_eq(got, st->auth_resp, MSCHAP_AUTH_RESP_LEN)) {
			st->phase = EAP_PH_FAILED;
			snprintf(st->why, sizeof(st->why), "the server's "
			    "MS-CHAPv2 authenticator response is wrong");
			return IKE_EAUTH;
		}
		st->verified = st->has_msk = true;
		buf[0] = MS_SUCCESS;
		eap_out(st, IKEV2_EAP_RESPONSE, st->id, EAP_TYPE_MSCHAPV2, buf, 1);
		return IKE_OK;
	case MS_FAILURE:
		/* "E=691 R=0 C=... V=3 M=...": we do not retry */
		for (i = 0; i < d.len && i + 1 < sizeof(msg) && d.p[i] != ' '; i++)
			msg[i] = isprint(d.p[i]) ? (char)d.p[i] : '?';
		msg[i] = '\0';
		snprintf(st->why, sizeof(st->why), "server sent MS-CHAPv2 "
		    "Failure %s%s", msg, strcmp(msg, "E=691") == 0 ?
		    " (wrong user name or password)" : "");
		st->verified = false;
		buf[0] = MS_FAILURE;
		eap_out(st, IKEV2_EAP_RESPONSE, st->id, EAP_TYPE_MSCHAPV2, buf, 1);
		return IKE_OK;
	default:
		return IKE_ESYNTAX;
	}
}

/* peer_tls answers an EAP-TLS Request: TLS is made on the Start. On a
 * failure the alert (or an ACK) goes out once so that the server can end
 * with EAP-Failure; a later Request fails here. */
static enum ike_err
peer_tls(struct eap_state *st, struct rd d)
{
	uint8_t			 buf[EAP_TLS_HDR + EAP_TLS_FRAG];
	struct eap_tls_id	 ids[1];
	size_t			 n = 0;
	bool			 over;
	enum ike_err		 e;

	if (st->tls_failing) {
		st->phase = EAP_PH_FAILED;
		return IKE_EAUTH;
	}
	if (st->tls == NULL) {
		if (d.len < 1 || (d.p[0] & EAP_TLS_F_S) == 0)
			return IKE_ESYNTAX;
		if (st->other.type != 0)
			ids[n++] = st->other;
		if (eap_tls_new(&st->tls, false, st->cred, ids, n, st->why,
		    sizeof(st->why)) != IKE_OK) {
			st->phase = EAP_PH_FAILED;
			return IKE_EAUTH;
		}
		st->method = EAP_TYPE_TLS;
		n = 0;
	}
	eap_tls_cred(st->tls, st->cred);
	e = eap_tls_input(st->tls, d.p, d.len, buf, sizeof(buf), &n, &over);
	if (e != IKE_OK) {
		if (e != IKE_EAUTH && e != IKE_ESYNTAX)
			return e;
		snprintf(st->why, sizeof(st->why), "%s", eap_tls_why(st->tls));
		st->tls_failing = true;
		if (n == 0) {
			buf[0] = 0;	/* an ACK: the server ends it */
			n = 1;
		}
	}
	eap_out(st, IKEV2_EAP_RESPONSE, st->id, EAP_TYPE_TLS, buf, n);
	wipe(buf, sizeof(buf));
	return IKE_OK;
}

enum ike_err
eap_peer_input(struct eap_state *st, const struct eap_cfg *cfg,
    const struct eap_pld *e)
{
	const struct eap_user	*u;
	uint8_t			 nak[EAP_METHODS_MAX];
	size_t			 i, n = 0;

	st->out_len = 0;
	if (cfg->users == NULL || cfg->users->n == 0)
		return IKE_EINVAL;
	u = &cfg->users->u[0];
	switch (e->code) {
	case IKEV2_EAP_SUCCESS:
		/* only after a method we finished (RFC 3748 4.2) */
		if ((st->method == EAP_TYPE_MD5 && st->ok) ||
		    (st->method == EAP_TYPE_MSCHAPV2 && st->verified)) {
			st->phase = EAP_PH_SUCCESS;
			return IKE_OK;
		}
		if (st->method == EAP_TYPE_TLS && !st->tls_failing &&
		    eap_tls_done(st->tls) &&
		    eap_tls_msk(st->tls, st->msk) == IKE_OK) {
			st->has_msk = true;
			st->phase = EAP_PH_SUCCESS;
			return IKE_OK;
		}
		st->phase = EAP_PH_FAILED;
		snprintf(st->why, sizeof(st->why), "EAP-Success before the "
		    "method was done");
		return IKE_EAUTH;
	case IKEV2_EAP_FAILURE:
		st->phase = EAP_PH_FAILED;
		if (st->why[0] == '\0')
			snprintf(st->why, sizeof(st->why), "peer sent "
			    "EAP-Failure");
		return IKE_EAUTH;
	case IKEV2_EAP_REQUEST:
		break;
	default:
		return IKE_ESYNTAX;
	}
	st->phase = EAP_PH_RUN;
	st->id = e->id;
	switch (e->type) {
	case EAP_TYPE_IDENTITY:
		eap_out(st, IKEV2_EAP_RESPONSE, st->id, EAP_TYPE_IDENTITY,
		    (const uint8_t *)u->name, strlen(u->name));
		return IKE_OK;
	case EAP_TYPE_NOTIFICATION:	/* RFC 3748 5.2: acknowledged */
		eap_out(st, IKEV2_EAP_RESPONSE, st->id, EAP_TYPE_NOTIFICATION,
		    NULL, 0);
		return IKE_OK;
	case EAP_TYPE_MD5:
		if (allowed(cfg, EAP_TYPE_MD5))
			return peer_md5(st, u, e->data);
		break;
	case EAP_TYPE_MSCHAPV2:
		if (allowed(cfg, EAP_TYPE_MSCHAPV2))
			return peer_mschap(st, u, e->data);
		break;
	case EAP_TYPE_TLS:
		if (allowed(cfg, EAP_TYPE_TLS))
			return peer_tls(st, e->data);
		break;
	case EAP_TYPE_NAK:
		return IKE_ESYNTAX;	/* a Response type */
	default:
		break;
	}
	/* RFC 3748 5.3.1: a Nak with the methods we take (0: none) */
	for (i = 0; i < cfg->n_methods; i++)
		if (cfg->methods[i] != e->type)
			nak[n++] = cfg->methods[i];
	if (n == 0)
		nak[n++] = 0;
	log_debug("EAP: method %u not ours: Nak", e->type);
	eap_out(st, IKEV2_EAP_RESPONSE, st->id, EAP_TYPE_NAK, nak, n);
	return IKE_OK;
}

/* ---- in IKE_AUTH ---- */

/* auth_key is AUTH's shared secret: the MSK, or SK_pi / SK_pr (by_i: the
 * initiator's AUTH) for a method without one (RFC 7296 2.16). */
static void
auth_key(const struct ike_sa *sa, bool by_i, struct psk *k)
{
	memset(k, 0, sizeof(*k));
	if (sa->eap.st != NULL && sa->eap.st->has_msk) {
		memcpy(k->key, sa->eap.st->msk, EAP_MSK_LEN);
		k->len = EAP_MSK_LEN;
	} else {
		memcpy(k->key, by_i ? sa->keys.sk_pi : sa->keys.sk_pr,
		    sa->keys.p_len);
		k->len = sa->keys.p_len;
	}
}

enum ike_err
eap_put_auth(const struct ike_sa *sa, struct skb *b)
{
	uint8_t		 body[4 + IKE_ID_MAX_LEN], auth[PRF_MAX_LEN];
	struct wr	 w = wr_init(body, sizeof(body));
	size_t		 auth_len = 0;
	struct psk	 k;
	enum ike_err	 e;

	id_put(&w, sa->local_id.type, sa->local_id.data, sa->local_id.len);
	if (sa->local_id.type == 0 || !wr_ok(&w))
		return IKE_EINVAL;
	auth_key(sa, sa->role == ROLE_INITIATOR, &k);
	e = ike_auth_psk(sa, &k, true, body, w.len, auth, &auth_len);
	psk_wipe(&k);
	if (e == IKE_OK) {
		chain_open(&b->c, IKEV2_PAYLOAD_AUTH, false);
		auth_put(&b->w, IKEV2_AUTHM_SHARED_KEY, auth, auth_len);
	}
	wipe(auth, sizeof(auth));
	return e;
}

enum ike_err
eap_check_auth(struct ike_sa *sa, const struct auth_pld *auth, struct rd id)
{
	uint8_t		 want[PRF_MAX_LEN];
	size_t		 want_len = 0;
	struct psk	 k;
	enum ike_err	 e;

	if (auth->method != IKEV2_AUTHM_SHARED_KEY) {
		snprintf(sa->auth_why, sizeof(sa->auth_why), "AUTH method %u "
		    "after EAP, not a shared key MIC", auth->method);
		return IKE_EAUTH;
	}
	auth_key(sa, sa->role == ROLE_RESPONDER, &k);
	e = ike_auth_psk(sa, &k, false, id.p, id.len, want, &want_len);
	psk_wipe(&k);
	if (e == IKE_OK && (auth->data.len != want_len ||
	    !ct_eq(auth->data.p, want, want_len))) {
		snprintf(sa->auth_why, sizeof(sa->auth_why), "AUTH with the %s "
		    "does not verify", sa->eap.st != NULL && sa->eap.st->has_msk ?
		    "EAP MSK" : "SK_p key");
		e = IKE_EAUTH;
	}
	wipe(want, sizeof(want));
	return e;
}

enum ike_err
eap_put_id(struct ike_sa *sa, const struct xchg_cfg *cfg, struct skb *b,
    const struct ike_id *idr)
{
	const uint8_t	*h;
	size_t		 len = 0;

	if (cfg->local_id.type == 0)
		return IKE_EINVAL;
	/* IDi, CERTREQ (the responder then sends its CERT), [IDr] */
	chain_open(&b->c, IKEV2_PAYLOAD_IDI, false);
	id_put(&b->w, cfg->local_id.type, cfg->local_id.data, cfg->local_id.len);
	if (cfg->cred != NULL &&
	    (h = sig_cred_ca_hashes(cfg->cred, &len)) != NULL) {
		chain_open(&b->c, IKEV2_PAYLOAD_CERTREQ, false);
		cert_put(&b->w, IKEV2_CERT_X509_CERT_SIGNATURE, h, len);
	}
	if (idr != NULL) {
		chain_open(&b->c, IKEV2_PAYLOAD_IDR, false);
		id_put(&b->w, idr->type, idr->data, idr->len);
	}
	sa->local_id = cfg->local_id;
	return IKE_OK;
}

/* eap_new allocates sa's EAP state when EAP starts. */
static enum ike_err
eap_new(struct ike_sa *sa)
{
	eap_end(sa);
	if ((sa->eap.st = calloc(1, sizeof(*sa->eap.st))) == NULL)
		return IKE_ENOMEM;
	return IKE_OK;
}

void
eap_end(struct ike_sa *sa)
{
	if (sa->eap.st == NULL)
		return;
	sa->eap.phase = sa->eap.st->phase;
	eap_state_wipe(sa->eap.st);
	free(sa->eap.st);
	sa->eap.st = NULL;
}

/* peer_step feeds the server's EAP message to the peer; sa->auth_why says
 * why it failed (then EAP is over: its state is freed). */
static enum ike_err
peer_step(struct ike_sa *sa, const struct xchg_cfg *cfg,
    const struct eap_pld *m)
{
	struct eap_state	*st = sa->eap.st;
	enum ike_err		 e;

	e = eap_peer_input(st, cfg->eap, m);
	sa->eap.phase = st->phase;
	if (e != IKE_OK) {
		snprintf(sa->auth_why, sizeof(sa->auth_why), "%s",
		    st->why[0] != '\0' ? st->why : ike_strerror(e));
		log_debug("IKE_AUTH: EAP: %s", sa->auth_why);
		eap_end(sa);
		return e;
	}
	if (st->phase != EAP_PH_SUCCESS && st->out_len == 0)
		return IKE_ESYNTAX;
	sa->msgid++;
	xchg_set(sa, SA_EAP);
	return IKE_OK;
}

/* other_id copies the other end's IKE ID (for EAP-TLS) into st. */
static void
other_id(struct eap_state *st, const struct ike_sa *sa)
{
	st->other.type = sa->peer_id.type;
	st->other.len = sa->peer_id.len;
	memcpy(st->other.data, sa->peer_id.data, sizeof(st->other.data));
}

enum ike_err
eap_first(struct ike_sa *sa, const struct xchg_cfg *cfg,
    const struct auth_msg *m)
{
	enum ike_err	 e;

	if (sa->role != ROLE_INITIATOR || sa->state != SA_AUTH_SENT)
		return IKE_EINVAL;
	if ((e = eap_new(sa)) != IKE_OK)
		return e;
	sa->eap.st->phase = EAP_PH_RUN;
	sa->eap.st->cred = cfg->cred;
	other_id(sa->eap.st, sa);
	return peer_step(sa, cfg, &m->eap);
}

enum ike_err
eap_create(struct ike_sa *sa, const struct xchg_cfg *cfg, struct wr *out)
{
	struct eap_state	*st = sa->eap.st;
	struct skb		 b;
	enum ike_err		 e = IKE_OK;

	(void)cfg;
	if (st == NULL)
		return IKE_EINVAL;
	skb_init(&b);
	if (st->phase == EAP_PH_SUCCESS)	/* SK{ AUTH } with the MSK */
		e = eap_put_auth(sa, &b);
	else if (st->phase == EAP_PH_RUN && st->out_len > 0) {
		chain_open(&b.c, IKEV2_PAYLOAD_EAP, false);
		wr_bytes(&b.w, st->out, st->out_len);
	} else
		e = IKE_EINVAL;
	if (e != IKE_OK) {
		wipe(b.buf, sizeof(b.buf));
		return e;
	}
	if ((e = skb_seal(sa, &b, IKEV2_EXCH_IKE_AUTH, false, sa->msgid,
	    out)) != IKE_OK)
		return e;
	if (st->phase == EAP_PH_SUCCESS)
		sa->eap.phase = st->phase = EAP_PH_AUTH_SENT;
	return IKE_OK;
}

enum ike_err
eap_consume(struct ike_sa *sa, const struct xchg_cfg *cfg, struct rd in)
{
	uint8_t		 pt[XCHG_OUT_MAX];
	struct auth_msg	 m;
	enum ike_err	 e;

	if (sa->eap.st == NULL)
		return IKE_EINVAL;
	if ((e = auth_parse_msg(sa, in, pt, sizeof(pt), &m)) != IKE_OK)
		goto out;
	if ((m.hdr.flags & IKEV2_FLAG_RESPONSE) == 0 || m.hdr.msgid != sa->msgid) {
		e = IKE_ESYNTAX;
		goto out;
	}
	if (m.error != 0) {
		sa->peer_notify = m.error;
		e = IKE_EREFUSED;
		goto out;
	}
	sa->eap.st->cred = cfg->cred;
	e = m.has_eap ? peer_step(sa, cfg, &m.eap) : IKE_ESYNTAX;
out:
	pt_wipe(pt, sizeof(pt), in.len);
	return e;
}

/* refuse answers with SK{ N(type) } and ends the IKE SA. */
static enum ike_err
refuse(struct ike_sa *sa, struct wr *out, uint16_t type, enum ike_err err)
{
	struct skb	 b;
	enum ike_err	 e;

	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&b.w, 0, NULL, 0, type, NULL, 0);
	out->len = 0;
	if ((e = skb_seal(sa, &b, IKEV2_EXCH_IKE_AUTH, true, sa->msgid, out)) !=
	    IKE_OK)
		return e;
	xchg_set(sa, SA_FAILED);
	return err;
}

enum ike_err
eap_start(struct ike_sa *sa, const struct xchg_cfg *cfg, struct rd in,
    struct skb *b)
{
	struct eap_state	*st;
	enum ike_err		 e;

	if ((e = eap_new(sa)) != IKE_OK)
		return e;
	st = sa->eap.st;
	if ((st->first = malloc(in.len)) == NULL)
		return IKE_ENOMEM;
	memcpy(st->first, in.p, in.len);
	st->first_len = in.len;
	st->cred = cfg->cred;
	other_id(st, sa);
	eap_server_start(st, cfg->eap);
	sa->eap.phase = st->phase;
	chain_open(&b->c, IKEV2_PAYLOAD_EAP, false);
	wr_bytes(&b->w, st->out, st->out_len);
	return IKE_OK;
}

enum ike_err
eap_respond(struct ike_sa *sa, const struct xchg_cfg *cfg,
    const struct auth_msg *m, struct wr *out, bool *done)
{
	struct eap_state	*st = sa->eap.st;
	struct skb		 b;
	enum ike_err		 e;

	*done = false;
	if (st == NULL)
		return IKE_EINVAL;
	if (st->phase == EAP_PH_SUCCESS && m->has_auth && !m->has_eap) {
		*done = true;
		return IKE_OK;
	}
	st->cred = cfg->cred;
	e = st->phase != EAP_PH_RUN || !m->has_eap ? IKE_ESYNTAX :
	    eap_server_input(st, cfg->eap, &m->eap);
	sa->eap.phase = st->phase;
	if (e != IKE_OK) {
		snprintf(sa->auth_why, sizeof(sa->auth_why), "%s",
		    !m->has_eap ? "no EAP payload" : "not the EAP answer "
		    "expected");
		return refuse(sa, out, IKEV2_N_AUTHENTICATION_FAILED, IKE_EAUTH);
	}
	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_EAP, false);
	wr_bytes(&b.w, st->out, st->out_len);
	if ((e = skb_seal(sa, &b, IKEV2_EXCH_IKE_AUTH, true, sa->msgid, out)) !=
	    IKE_OK)
		return e;
	sa->msgid++;
	if (st->phase == EAP_PH_FAILED) {
		char	 user[65];
		size_t	 i;

		/* the name is the peer's: printable characters only */
		for (i = 0; st->user[i] != '\0' && i + 1 < sizeof(user); i++)
			user[i] = isprint((unsigned char)st->user[i]) ?
			    st->user[i] : '?';
		user[i] = '\0';
		snprintf(sa->auth_why, sizeof(sa->auth_why), "EAP: user '%s': %s",
		    user, st->why);
		xchg_set(sa, SA_FAILED);
		return IKE_EAUTH;
	}
	return IKE_OK;
}

/* ---- configuration ---- */

enum ike_err
eap_methods_parse(struct eap_cfg *cfg, const char *s)
{
	const char	*p = s, *comma;
	size_t		 n;
	uint8_t		 m;

	cfg->n_methods = 0;
	do {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (n == 8 && strncmp(p, "mschapv2", 8) == 0)
			m = EAP_TYPE_MSCHAPV2;
		else if (n == 3 && strncmp(p, "md5", 3) == 0)
			m = EAP_TYPE_MD5;
		else if (n == 3 && strncmp(p, "tls", 3) == 0)
			m = EAP_TYPE_TLS;
		else
			return IKE_EINVAL;
		if (memchr(cfg->methods, m, cfg->n_methods) != NULL ||
		    cfg->n_methods == EAP_METHODS_MAX)
			return IKE_EINVAL;
		cfg->methods[cfg->n_methods++] = m;
		p = comma != NULL ? comma + 1 : NULL;
	} while (p != NULL);
	return IKE_OK;
}

/* trim drops blanks at both ends of [*p, *p + *n). */
static void
trim(const char **p, size_t *n)
{
	while (*n > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' ||
	    (*p)[*n - 1] == '\r'))
		(*n)--;
}

enum ike_err
eap_users_parse(struct eap_users *out, const char *text, size_t len,
    char *err, size_t errlen)
{
	const char	*p = text, *end = text + len, *nl, *colon, *name, *pass;
	size_t		 n_line = 0, cap = 0, ln, nn, pn, keep;
	struct eap_user	*u;

	memset(out, 0, sizeof(*out));
	for (; p < end; p = nl + 1) {
		n_line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		ln = (size_t)(nl - p);
		name = p;
		trim(&name, &ln);
		if (ln == 0 || name[0] == '#')
			continue;
		if (memchr(name, '\0', ln) != NULL ||
		    (colon = memchr(name, ':', ln)) == NULL) {
			snprintf(err, errlen, "line %zu: not NAME : PASSWORD",
			    n_line);
			goto fail;
		}
		nn = (size_t)(colon - name);
		pass = colon + 1;
		pn = ln - nn - 1;
		trim(&name, &nn);
		trim(&pass, &pn);
		if (pn >= 2 && pass[0] == '"' && pass[pn - 1] == '"') {
			pass++;
			pn -= 2;
		}
		if (nn == 0 || nn > EAP_NAME_MAX) {
			snprintf(err, errlen, "line %zu: user name empty or longer "
			    "than %d bytes", n_line, EAP_NAME_MAX);
			goto fail;
		}
		if (pn == 0 || pn > EAP_PASS_MAX) {
			snprintf(err, errlen, "line %zu: password empty or longer "
			    "than %d bytes", n_line, EAP_PASS_MAX);
			goto fail;
		}
		if (out->n == EAP_USERS_MAX) {
			snprintf(err, errlen, "line %zu: more than %d users",
			    n_line, EAP_USERS_MAX);
			goto fail;
		}
		if (out->n == cap) {
			cap = cap == 0 ? 4 : 2 * cap;
			if ((u = calloc(cap, sizeof(*u))) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			if ((keep = out->n) > 0)
				memcpy(u, out->u, keep * sizeof(*u));
			eap_users_free(out);	/* wipes the old array */
			out->u = u;
			out->n = keep;
		}
		memcpy(out->u[out->n].name, name, nn);
		memcpy(out->u[out->n].pass, pass, pn);
		out->n++;
	}
	return IKE_OK;
fail:
	eap_users_free(out);
	return IKE_EINVAL;
}

enum ike_err
eap_users_load(struct eap_users *out, const char *path, bool *loose,
    char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd, saved;
	enum ike_err	 e;

	memset(out, 0, sizeof(*out));
	*loose = false;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return IKE_EIO;
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		*loose = true;
	if ((buf = malloc(USERS_FILE_MAX + 1)) == NULL) {
		close(fd);
		errno = ENOMEM;
		return IKE_EIO;
	}
	while ((n = read(fd, buf + len, USERS_FILE_MAX + 1 - len)) > 0 &&
	    (len += (size_t)n) <= USERS_FILE_MAX)
		;
	saved = errno;
	close(fd);
	if (n < 0) {
		wipe(buf, USERS_FILE_MAX + 1);
		free(buf);
		errno = saved;
		return IKE_EIO;
	}
	if (len > USERS_FILE_MAX) {
		snprintf(err, errlen, "larger than %d bytes", USERS_FILE_MAX);
		e = IKE_EINVAL;
	} else
		e = eap_users_parse(out, buf, len, err, errlen);
	wipe(buf, USERS_FILE_MAX + 1);
	free(buf);
	return e;
}

const struct eap_user *
eap_user_find(const struct eap_users *u, const char *name, size_t n)
{
	size_t	 i;

	if (u == NULL || n > EAP_NAME_MAX)
		return NULL;
	for (i = 0; i < u->n; i++)	/* names are not secret */
		if (strlen(u->u[i].name) == n &&
		    strncmp(u->u[i].name, name, n) == 0)
			return &u->u[i];
	return NULL;
}

void
eap_users_free(struct eap_users *u)
{
	if (u->u != NULL) {
		wipe(u->u, u->n * sizeof(*u->u));
		free(u->u);
	}
	u->u = NULL;
	u->n = 0;
}
