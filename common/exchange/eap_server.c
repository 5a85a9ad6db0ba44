/* SPDX-License-Identifier: ISC */
/* The EAP server (IKE responder; RFC 3748): Identity, then the configured methods in order (MD5-Challenge, MS-CHAPv2, TLS through eap_tls.c), the peer's Nak, EAP-Success or EAP-Failure. */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "codec/eap.h"
#include "crypto/hash.h"
#include "crypto/mschap.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "exchange/eap_auth.h"
#include "exchange/internal.h"

static const char server_name[] = "ikekit";

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
server_tls_start(struct eap_state *st, const struct eap_cfg *cfg)
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
	if (eap_tls_new(&st->tls, true, cfg->tls13, st->cred, ids, n, why,
	    sizeof(why)) != IKE_OK) {
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
			server_tls_start(st, cfg);
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
