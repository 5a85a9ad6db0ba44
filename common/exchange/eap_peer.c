/* SPDX-License-Identifier: ISC */
/* The EAP peer (IKE initiator; RFC 3748): answers Identity, Notification, MD5-Challenge, MS-CHAPv2 and TLS (eap_tls.c), a Nak naming our methods for any other, and reads EAP-Success or EAP-Failure. */
#include <ctype.h>
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
peer_tls(struct eap_state *st, const struct eap_cfg *cfg, struct rd d)
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
		if (eap_tls_new(&st->tls, false, cfg->tls13, st->cred, ids, n,
		    st->why, sizeof(st->why)) != IKE_OK) {
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
			return peer_tls(st, cfg, e->data);
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
