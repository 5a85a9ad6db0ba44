/* SPDX-License-Identifier: ISC */
/* EAP-TLS (RFC 5216, and RFC 9190 for TLS 1.3) on OpenSSL with memory BIOs: TLS flights cut into EAP messages and put together again, the other end's chain checked by sig_peer_*, the MSK from the TLS exporter. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/log.h"
#include "crypto/secret.h"
#include "crypto/sig.h"
#include "names/ikev2.h"
#include "exchange/eap_tls.h"

/*
 * TLS 1.3 (RFC 9190) when both ends allow it: after the handshake the
 * server sends the commitment message, one byte 0x00 of application data,
 * and the MSK comes from the exporter with RFC 9190's label and the EAP
 * type as context. strongSwan 5.9.8 allowed 1.3 follows an early draft of
 * it (measured): no commitment, EAP-Success straight after the client's
 * Finished, and the MSK from RFC 5216's label with no context. So a client
 * that gets EAP-Success without the commitment keys as that draft did; a
 * server always commits (strongSwan 5.9.8's client then dies: ike-respond
 * stays at 1.2 unless told).
 */
enum { CHAIN_MAX = 8 };

static const char msk_label[] = "client EAP encryption";	/* RFC 5216 */
static const char msk_label13[] = "EXPORTER_EAP_TLS_Key_Material";
static const uint8_t type_code[] = { 13 };	/* EAP-TLS: RFC 9190 2.3 */

struct eap_tls {
	SSL_CTX			*ctx;
	SSL			*ssl;
	BIO			*rbio, *wbio;	/* ssl's: it frees them */
	const struct sig_cred	*cred;
	struct eap_tls_id	 ids[2];
	size_t			 n_ids;
	bool			 server;
	bool			 started;	/* Start sent / received */
	bool			 done;		/* handshake finished */
	bool			 checked;	/* the other end's chain passed */
	bool			 committed;	/* TLS 1.3: the commitment message
						 * sent (server) or received */
	bool			 failed;
	uint8_t			*in;		/* TLS message put together */
	size_t			 in_len;
	uint32_t		 in_want;	/* its L, 0 when none came */
	bool			 in_frag;	/* fragments of it are missing */
	uint8_t			*out;		/* our TLS flight */
	size_t			 out_len, out_off;
	unsigned		 rounds;
	char			 why[EAP_TLS_WHY_LEN];
};

static void
why_set(struct eap_tls *t, const char *fmt, const char *detail, size_t a,
    size_t b)
{
	char	 msg[EAP_TLS_WHY_LEN];

	if (t->why[0] != '\0')		/* the first reason is the real one */
		return;
	snprintf(msg, sizeof(msg), fmt, a, b);
	if (snprintf(t->why, sizeof(t->why), "EAP-TLS: %s%s%s", msg,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "") < 0)
		t->why[0] = '\0';
}

/* frame_err: the other end's EAP-TLS framing is broken. */
static enum ike_err
frame_err(struct eap_tls *t, const char *fmt, size_t a, size_t b)
{
	why_set(t, fmt, NULL, a, b);
	t->failed = true;
	return IKE_ESYNTAX;
}

/* verify_chain replaces OpenSSL's chain check: the other end's
 * certificates (end entity first) go through sig_peer_* as in IKE. */
static int
verify_chain(X509_STORE_CTX *xs, void *arg)
{
	struct eap_tls		*t = arg;
	STACK_OF(X509)		*sk = X509_STORE_CTX_get0_untrusted(xs);
	X509			*leaf = X509_STORE_CTX_get0_cert(xs), *x;
	uint8_t			*der[CHAIN_MAX];
	const uint8_t		*cder[CHAIN_MAX];
	size_t			 len[CHAIN_MAX], n = 0, i;
	struct sig_peer		*p = NULL;
	char			 why[SIG_WHY_LEN] = "";
	const char		*who = t->server ? "client certificate" :
				    "server certificate";
	int			 l, ok = 0;

	memset(der, 0, sizeof(der));
	for (i = 0; leaf != NULL && i <= (size_t)(sk != NULL ?
	    sk_X509_num(sk) : 0) && n < CHAIN_MAX; i++) {
		x = i == 0 ? leaf : sk_X509_value(sk, (int)i - 1);
		if (i > 0 && X509_cmp(x, leaf) == 0)
			continue;	/* the untrusted list holds the leaf */
		if ((l = i2d_X509(x, &der[n])) <= 0)
			goto out;
		cder[n] = der[n];
		len[n++] = (size_t)l;
	}
	if (n == 0) {
		snprintf(why, sizeof(why), "none sent");
		goto out;
	}
	if (sig_peer_new(&p, cder, len, n, why, sizeof(why)) != IKE_OK ||
	    sig_peer_validate(p, t->cred, why, sizeof(why)) != IKE_OK ||
	    sig_peer_revocation(p, t->cred, why, sizeof(why)) != IKE_OK)
		goto out;
	for (i = 0; i < t->n_ids; i++)
		if (sig_peer_id_match(p, t->ids[i].type, t->ids[i].data,
		    t->ids[i].len, why, sizeof(why)) != IKE_OK)
			goto out;
	ok = 1;
	t->checked = true;
out:
	if (!ok) {
		if (snprintf(t->why, sizeof(t->why), "EAP-TLS: %s: %s", who,
		    why[0] != '\0' ? why : "not usable") < 0)
			t->why[0] = '\0';
		X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
	}
	sig_peer_free(p);
	for (i = 0; i < n; i++)
		OPENSSL_free(der[i]);
	return ok;
}

/* use_cred gives ctx our key and chain. */
static bool
use_cred(SSL_CTX *ctx, const struct sig_cred *c)
{
	const uint8_t	*der, *q;
	size_t		 len, i;
	X509		*x;
	bool		 ok;

	if (!sig_cred_has_key(c) ||
	    SSL_CTX_use_PrivateKey(ctx, sig_cred_pkey(c)) != 1)
		return false;
	for (i = 0; (der = sig_cred_cert(c, i, &len)) != NULL; i++) {
		q = der;
		if ((x = d2i_X509(NULL, &q, (long)len)) == NULL)
			return false;
		ok = i == 0 ? SSL_CTX_use_certificate(ctx, x) == 1 :
		    SSL_CTX_add1_chain_cert(ctx, x) == 1;
		X509_free(x);
		if (!ok)
			return false;
	}
	return i > 0 && SSL_CTX_check_private_key(ctx) == 1;
}

enum ike_err
eap_tls_new(struct eap_tls **out, bool server, bool tls13,
    const struct sig_cred *cred, const struct eap_tls_id *ids, size_t n_ids,
    char *why, size_t why_len)
{
	struct eap_tls	*t;

	*out = NULL;
	if (n_ids > 2) {
		snprintf(why, why_len, "EAP-TLS: too many identities");
		return IKE_EINVAL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return IKE_ENOMEM;
	t->server = server;
	t->cred = cred;
	if (n_ids > 0)
		memcpy(t->ids, ids, n_ids * sizeof(*ids));
	t->n_ids = n_ids;
	if ((t->ctx = SSL_CTX_new(TLS_method())) == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(t->ctx, tls13 ? TLS1_3_VERSION :
	    TLS1_2_VERSION);
	SSL_CTX_set_num_tickets(t->ctx, 0);	/* TLS 1.3: none sent */
	/* one full handshake: no tickets, no cache, no renegotiation. So a
	 * server without the renegotiation_info extension (RFC 5746; strongSwan's
	 * libtls sends none) is safe to talk to: the attack it stops needs a
	 * renegotiation */
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_LEGACY_SERVER_CONNECT);
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER | (server ?
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
	SSL_CTX_set_cert_verify_callback(t->ctx, verify_chain, t);
	if (cred == NULL || !use_cred(t->ctx, cred)) {
		snprintf(why, why_len, "EAP-TLS: no usable key and certificate "
		    "of ours");
		ERR_clear_error();
		eap_tls_free(t);
		return IKE_EINVAL;
	}
	if ((t->ssl = SSL_new(t->ctx)) == NULL ||
	    (t->rbio = BIO_new(BIO_s_mem())) == NULL)
		goto fail;
	if ((t->wbio = BIO_new(BIO_s_mem())) == NULL) {
		BIO_free(t->rbio);
		t->rbio = NULL;
		goto fail;
	}
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	if (server)
		SSL_set_accept_state(t->ssl);
	else
		SSL_set_connect_state(t->ssl);
	*out = t;
	return IKE_OK;
fail:
	snprintf(why, why_len, "EAP-TLS: OpenSSL could not set up TLS");
	ERR_clear_error();
	eap_tls_free(t);
	return IKE_ECRYPTO;
}

void
eap_tls_free(struct eap_tls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);	/* and its BIOs */
	SSL_CTX_free(t->ctx);
	if (t->in != NULL) {
		wipe(t->in, EAP_TLS_IN_MAX);
		free(t->in);
	}
	if (t->out != NULL) {
		wipe(t->out, t->out_len);
		free(t->out);
	}
	wipe(t, sizeof(*t));
	free(t);
}

void
eap_tls_cred(struct eap_tls *t, const struct sig_cred *cred)
{
	if (cred != NULL)
		t->cred = cred;
}

size_t
eap_tls_start(struct eap_tls *t, uint8_t *out, size_t cap)
{
	if (cap < 1)
		return 0;
	t->started = true;
	out[0] = EAP_TLS_F_S;
	return 1;
}

/* send_next writes the next fragment of our flight: L (and the whole
 * length) on the first, M on all but the last. */
static enum ike_err
send_next(struct eap_tls *t, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t	 left = t->out_len - t->out_off, n, h = 1;
	bool	 first = t->out_off == 0, more;

	n = left > EAP_TLS_FRAG ? EAP_TLS_FRAG : left;
	more = n < left;
	if (cap < EAP_TLS_HDR + n)
		return IKE_ETOOBIG;
	out[0] = 0;
	if (first && more) {
		out[0] |= EAP_TLS_F_L;
		out[1] = (uint8_t)(t->out_len >> 24);
		out[2] = (uint8_t)(t->out_len >> 16);
		out[3] = (uint8_t)(t->out_len >> 8);
		out[4] = (uint8_t)t->out_len;
		h = EAP_TLS_HDR;
	}
	if (more)
		out[0] |= EAP_TLS_F_M;
	memcpy(out + h, t->out + t->out_off, n);
	t->out_off += n;
	*out_len = h + n;
	return IKE_OK;
}

/* ack writes an empty EAP-TLS message (Flags 0). */
static enum ike_err
ack(uint8_t *out, size_t cap, size_t *out_len)
{
	if (cap < 1)
		return IKE_ETOOBIG;
	out[0] = 0;
	*out_len = 1;
	return IKE_OK;
}

/* tls_fail notes why the handshake stopped (OpenSSL's reason unless the
 * chain check gave one). */
static void
tls_fail(struct eap_tls *t)
{
	unsigned long	 e = ERR_peek_last_error();
	const char	*r = e != 0 ? ERR_reason_error_string(e) : NULL;

	why_set(t, "TLS handshake failed", r != NULL ? r : "no reason given",
	    0, 0);
	ERR_clear_error();
	t->failed = true;
}

/* commitment reads what a TLS 1.3 server sent after the handshake: the
 * commitment message (RFC 9190 2.1.1), perhaps after tickets, which
 * OpenSSL takes by itself. Anything else is a failure. */
static void
commitment(struct eap_tls *t)
{
	uint8_t	 b[16];
	int	 r;

	if (t->server || t->committed ||
	    SSL_version(t->ssl) != TLS1_3_VERSION) {
		why_set(t, "TLS data after the handshake", NULL, 0, 0);
		t->failed = true;
		return;
	}
	if ((r = SSL_read(t->ssl, b, sizeof(b))) == 1 && b[0] == 0)
		t->committed = true;
	else if (r > 0) {
		why_set(t, "application data other than the commitment "
		    "message", NULL, 0, 0);
		t->failed = true;
	} else if (SSL_get_error(t->ssl, r) != SSL_ERROR_WANT_READ)
		tls_fail(t);
	wipe(b, sizeof(b));
}

/* handshake runs it on what came in; once it is over, a TLS 1.3 server
 * commits to it (RFC 9190 2.1.1: one byte 0x00 of application data). */
static void
handshake(struct eap_tls *t)
{
	int	 r;

	if ((r = SSL_do_handshake(t->ssl)) != 1) {
		if (SSL_get_error(t->ssl, r) != SSL_ERROR_WANT_READ)
			tls_fail(t);
		return;
	}
	t->done = true;
	if (!t->checked) {	/* cannot be: the server asks, and the
				 * client always checks */
		why_set(t, "no certificate checked", NULL, 0, 0);
		t->failed = true;
	} else if (t->server && SSL_version(t->ssl) == TLS1_3_VERSION) {
		if (SSL_write(t->ssl, "", 1) == 1)
			t->committed = true;
		else
			tls_fail(t);
	}
}

/* step runs the handshake on what came in, or reads what comes after it,
 * and sends what TLS wrote. */
static enum ike_err
step(struct eap_tls *t, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t	 n;

	ERR_clear_error();
	if (t->done)
		commitment(t);
	else
		handshake(t);
	n = BIO_ctrl_pending(t->wbio);
	if (n > EAP_TLS_IN_MAX) {
		why_set(t, "our TLS flight is too long", NULL, 0, 0);
		t->failed = true;
		return IKE_EAUTH;
	}
	if (t->out != NULL) {
		wipe(t->out, t->out_len);
		free(t->out);
		t->out = NULL;
	}
	t->out_len = t->out_off = 0;
	if (n > 0) {
		if ((t->out = malloc(n)) == NULL)
			return IKE_ENOMEM;
		if (BIO_read(t->wbio, t->out, (int)n) != (int)n) {
			why_set(t, "cannot read the TLS output", NULL, 0, 0);
			t->failed = true;
			return IKE_EAUTH;
		}
		t->out_len = n;
	}
	if (t->failed) {
		if (n > 0 && send_next(t, out, cap, out_len) != IKE_OK)
			*out_len = 0;
		return IKE_EAUTH;
	}
	return n > 0 ? send_next(t, out, cap, out_len) : ack(out, cap, out_len);
}

enum ike_err
eap_tls_input(struct eap_tls *t, const uint8_t *in, size_t len, uint8_t *out,
    size_t cap, size_t *out_len, bool *over)
{
	const uint8_t	*p;
	uint32_t	 tot = 0;
	uint8_t		 flags;
	size_t		 n;

	*out_len = 0;
	*over = false;
	if (t->failed)
		return IKE_EAUTH;
	if (++t->rounds > EAP_TLS_ROUNDS_MAX)
		return frame_err(t, "more than %zu messages", EAP_TLS_ROUNDS_MAX,
		    0);
	if (len < 1)
		return frame_err(t, "no Flags", 0, 0);
	flags = in[0];
	p = in + 1;
	n = len - 1;
	if (flags & EAP_TLS_F_S) {
		/* RFC 5216 2.1.1: the server starts, once; its data is
		 * ignored */
		if (t->server || t->started)
			return frame_err(t, "a Start where none is due", 0, 0);
		t->started = true;
		return step(t, out, cap, out_len);
	}
	if (!t->started)
		return frame_err(t, "no Start first", 0, 0);
	if (flags & EAP_TLS_F_L) {
		if (n < 4)
			return frame_err(t, "L set but no length", 0, 0);
		tot = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
		p += 4;
		n -= 4;
		if (tot == 0 || tot > EAP_TLS_IN_MAX)
			return frame_err(t, "TLS message length %zu (at most "
			    "%zu)", tot, EAP_TLS_IN_MAX);
		if (t->in_frag && tot != t->in_want)
			return frame_err(t, "TLS message length %zu changed to "
			    "%zu", t->in_want, tot);
	}
	if (n == 0 && (flags & (EAP_TLS_F_L | EAP_TLS_F_M)) == 0) {
		/* an ACK: of a fragment of ours, or of our last flight */
		if (t->in_frag)
			return frame_err(t, "an empty message amid fragments",
			    0, 0);
		if (t->out_off < t->out_len)
			return send_next(t, out, cap, out_len);
		if (t->server && t->done) {
			*over = true;
			return IKE_OK;
		}
		return frame_err(t, "an acknowledgement of nothing", 0, 0);
	}
	if (t->out_off < t->out_len)
		return frame_err(t, "TLS data before our fragments were "
		    "acknowledged", 0, 0);
	if (!t->in_frag) {
		if ((flags & EAP_TLS_F_M) && !(flags & EAP_TLS_F_L))
			return frame_err(t, "first fragment without L", 0, 0);
		t->in_want = tot;
		t->in_len = 0;
	}
	if (n > EAP_TLS_IN_MAX - t->in_len || (t->in_want != 0 &&
	    t->in_len + n > t->in_want))
		return frame_err(t, "fragments longer than their TLS message "
		    "length %zu", t->in_want != 0 ? t->in_want : EAP_TLS_IN_MAX,
		    0);
	if (t->in == NULL && (t->in = malloc(EAP_TLS_IN_MAX)) == NULL)
		return IKE_ENOMEM;
	memcpy(t->in + t->in_len, p, n);
	t->in_len += n;
	if (flags & EAP_TLS_F_M) {
		t->in_frag = true;
		return ack(out, cap, out_len);
	}
	t->in_frag = false;
	if (t->in_want != 0 && t->in_len != t->in_want)
		return frame_err(t, "TLS message of %zu bytes, L said %zu",
		    t->in_len, t->in_want);
	if (BIO_write(t->rbio, t->in, (int)t->in_len) != (int)t->in_len) {
		why_set(t, "cannot feed TLS", NULL, 0, 0);
		t->failed = true;
		return IKE_EAUTH;
	}
	t->in_len = 0;
	t->in_want = 0;
	return step(t, out, cap, out_len);
}

bool
eap_tls_done(const struct eap_tls *t)
{
	return t != NULL && t->done && t->checked && !t->failed;
}

enum ike_err
eap_tls_msk(struct eap_tls *t, uint8_t msk[EAP_TLS_MSK_LEN])
{
	uint8_t		 km[2 * EAP_TLS_MSK_LEN];	/* MSK, EMSK */
	enum ike_err	 e = IKE_OK;

	if (!eap_tls_done(t))
		return IKE_EINVAL;
	/* RFC 5216 2.3: TLS-PRF-128(master, "client EAP encryption",
	 * client.random || server.random), which is the TLS 1.2 exporter
	 * without a context. RFC 9190 2.3: TLS-Exporter(its label, Type-Code,
	 * 128), where the early draft strongSwan 5.9.8 follows had RFC 5216's
	 * label and no context. Both take 128 bytes: with TLS 1.3 the first
	 * 64 of a shorter export would differ. */
	if (t->committed ? SSL_export_keying_material(t->ssl, km, sizeof(km),
	    msk_label13, strlen(msk_label13), type_code, sizeof(type_code),
	    1) != 1 : SSL_export_keying_material(t->ssl, km, sizeof(km),
	    msk_label, strlen(msk_label), NULL, 0, 0) != 1) {
		ERR_clear_error();
		e = IKE_ECRYPTO;
	} else {
		memcpy(msk, km, EAP_TLS_MSK_LEN);
		log_debug("EAP-TLS: %s, the MSK as in %s", SSL_get_version(t->ssl),
		    t->committed ? "RFC 9190" : SSL_version(t->ssl) ==
		    TLS1_3_VERSION ? "RFC 9190's early draft (no commitment "
		    "message came)" : "RFC 5216");
	}
	wipe(km, sizeof(km));
	return e;
}

const char *
eap_tls_why(const struct eap_tls *t)
{
	return t != NULL ? t->why : "";
}

bool
eap_tls_id_text(uint8_t type, const uint8_t *data, size_t len, char *out,
    size_t n)
{
	switch (type) {
	case IKEV2_ID_IPV4_ADDR:
		return len == 4 && inet_ntop(AF_INET, data, out, (socklen_t)n) !=
		    NULL;
	case IKEV2_ID_IPV6_ADDR:
		return len == 16 && inet_ntop(AF_INET6, data, out,
		    (socklen_t)n) != NULL;
	case IKEV2_ID_FQDN:
	case IKEV2_ID_RFC822_ADDR:
		if (len == 0 || len >= n || memchr(data, '\0', len) != NULL)
			return false;
		memcpy(out, data, len);
		out[len] = '\0';
		return true;
	case IKEV2_ID_DER_ASN1_DN:
		/* a DN's text starts with an attribute, "(bad DN)" does not */
		sig_dn_format(data, len, out, n);
		return out[0] != '\0' && out[0] != '(' && strlen(out) + 1 < n;
	default:
		return false;
	}
}

bool
eap_tls_id_parse(const char *s, struct eap_tls_id *out)
{
	size_t	 n = strlen(s);

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return false;
	if (strchr(s, '=') != NULL) {
		out->type = IKEV2_ID_DER_ASN1_DN;
		return sig_dn_parse(s, out->data, sizeof(out->data),
		    &out->len) == IKE_OK;
	}
	if (inet_pton(AF_INET, s, out->data) == 1) {
		out->type = IKEV2_ID_IPV4_ADDR;
		out->len = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, out->data) == 1) {
		out->type = IKEV2_ID_IPV6_ADDR;
		out->len = 16;
		return true;
	}
	out->type = IKEV2_ID_FQDN;
	if (s[0] == '@') {
		s++;
		n--;
	} else if (strchr(s, '@') != NULL)
		out->type = IKEV2_ID_RFC822_ADDR;
	if (n == 0 || n > sizeof(out->data))
		return false;
	memcpy(out->data, s, n);
	out->len = n;
	return true;
}
