/* SPDX-License-Identifier: ISC */
/* Revocation of the peer's certificates: CRLs from files (RFC 5280 5), OCSP (RFC 6960) over plain HTTP with a short timeout, strongSwan's strict/ifuri/relaxed policies. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bioerr.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/http.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/clock.h"
#include "base/log.h"
#include "crypto/internal.h"
#include "crypto/revoke.h"
#include "crypto/secret.h"

enum {
	CRL_FILE_MAX	= 16 << 20,	/* a CRL file larger than this is refused */
	KEY_LEN		= 32,		/* SHA-256 of a certificate: cache key */
	LABEL_LEN	= 80,
};

struct cache_ent {
	uint8_t			 key[KEY_LEN];
	time_t			 expires;	/* 0: a free entry */
	struct revoke_answer	 a;
};

struct revoke {
	STACK_OF(X509_CRL)	*crls;
	char			*url;		/* --ocsp as given, or NULL */
	char			*host, *port, *path;
	bool			 aia;		/* --ocsp-aia */
	enum sig_revocation	 pol;
	struct cache_ent	 cache[REVOKE_CACHE_MAX];
};

/* The part of a URL we send a request to. */
struct http_target {
	char	*host, *port, *path;
};

static const char *const pol_names[] = {
	[SIG_REV_IFURI] = "ifuri",
	[SIG_REV_STRICT] = "strict",
	[SIG_REV_RELAXED] = "relaxed",
};

static void
say(char *why, size_t n, const char *fmt, ...)
{
	va_list	 ap;

	if (why == NULL || n == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

/* unknown marks a as of unknown status, with why. */
static void __attribute__((format(printf, 2, 3)))
unknown(struct revoke_answer *a, const char *fmt, ...)
{
	va_list	 ap;

	a->status = REVOKE_UNKNOWN;
	va_start(ap, fmt);
	vsnprintf(a->note, sizeof(a->note), fmt, ap);
	va_end(ap);
}

static void
answer_init(struct revoke_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->status = REVOKE_UNKNOWN;
	a->reason = -1;
}

static bool
asn1_time(const ASN1_TIME *t, time_t *out)
{
	struct tm	 tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		ERR_clear_error();
		return false;
	}
	*out = timegm(&tm);
	return true;
}

static const char *
fmt_time(time_t t, char *buf, size_t n)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, n, "?");
	return buf;
}

static const char *
reason_str(int r)
{
	return r < 0 ? "no reason given" : OCSP_crl_reason_str(r);
}

/* name_str writes a DN as sig_dn_format does ("O=lab, CN=ca"). */
static void
name_str(const X509_NAME *nm, char *buf, size_t n)
{
	const unsigned char	*der = NULL;
	size_t			 len = 0;

	if (X509_NAME_get0_der(nm, &der, &len) != 1) {
		ERR_clear_error();
		snprintf(buf, n, "(bad DN)");
		return;
	}
	sig_dn_format(der, len, buf, n);
}

/* cert_label names x for a log line: "CN=carol", or its whole subject DN
 * when it has no CN; bytes a terminal would act on become '?'. */
static void
cert_label(X509 *x, char *buf, size_t n)
{
	X509_NAME	*nm = X509_get_subject_name(x);
	unsigned char	*u = NULL;
	int		 i, l = -1;
	size_t		 k;

	i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
	if (i >= 0)
		l = ASN1_STRING_to_UTF8(&u,
		    X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i)));
	if (l >= 0)
		snprintf(buf, n, "CN=%.*s", l, (const char *)u);
	else
		name_str(nm, buf, n);
	OPENSSL_free(u);
	ERR_clear_error();
	for (k = 0; buf[k] != '\0'; k++)
		if ((unsigned char)buf[k] < 0x20 || buf[k] == 0x7f)
			buf[k] = '?';
}

enum ike_err
revoke_new(struct revoke **out)
{
	struct revoke	*rv;

	*out = NULL;
	if ((rv = calloc(1, sizeof(*rv))) == NULL)
		return IKE_ENOMEM;
	if ((rv->crls = sk_X509_CRL_new_null()) == NULL) {
		free(rv);
		return IKE_ENOMEM;
	}
	rv->pol = SIG_REV_IFURI;
	*out = rv;
	return IKE_OK;
}

void
revoke_free(struct revoke *rv)
{
	if (rv == NULL)
		return;
	sk_X509_CRL_pop_free(rv->crls, X509_CRL_free);
	OPENSSL_free(rv->host);
	OPENSSL_free(rv->port);
	free(rv->path);
	free(rv->url);
	free(rv);
}

/* anchor_signed returns 1 when an anchor of store named as crl's issuer
 * verifies it, 0 when such anchors exist but none does, -1 when there is
 * none (an intermediate CA's CRL). */
static int
anchor_signed(X509_STORE *store, X509_CRL *crl)
{
	STACK_OF(X509_OBJECT)	*objs;
	X509			*x;
	int			 i, r = -1;

	if (store == NULL || (objs = X509_STORE_get0_objects(store)) == NULL)
		return -1;
	for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
		x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		if (x == NULL || X509_NAME_cmp(X509_get_subject_name(x),
		    X509_CRL_get_issuer(crl)) != 0)
			continue;
		if (X509_CRL_verify(crl, X509_get0_pubkey(x)) == 1)
			return 1;
		r = 0;
	}
	ERR_clear_error();
	return r;
}

/* read_crls reads every CRL of p (PEM) or p as one DER CRL into got. */
static void
read_crls(const uint8_t *p, size_t len, STACK_OF(X509_CRL) *got)
{
	const unsigned char	*q = p;
	X509_CRL		*crl;
	BIO			*b;

	if (memmem(p, len, "-----BEGIN", 10) != NULL) {
		if ((b = BIO_new_mem_buf(p, (int)len)) == NULL)
			return;
		while ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL)
			if (sk_X509_CRL_push(got, crl) <= 0)
				X509_CRL_free(crl);
		BIO_free(b);
	} else if ((crl = d2i_X509_CRL(NULL, &q, (long)len)) != NULL) {
		if (q != p + len || sk_X509_CRL_push(got, crl) <= 0)
			X509_CRL_free(crl);
	}
	ERR_clear_error();		/* the end of the text */
}

enum ike_err
revoke_crl_add(struct revoke *rv, X509_STORE *store, const uint8_t *p,
    size_t len, char *why, size_t why_len)
{
	STACK_OF(X509_CRL)	*got;
	X509_CRL		*crl;
	char			 dn[SIG_DN_MAX_LEN + 1];
	enum ike_err		 e = IKE_OK;
	int			 i;

	if (len > INT32_MAX) {
		say(why, why_len, "file too large");
		return IKE_ETOOBIG;
	}
	if ((got = sk_X509_CRL_new_null()) == NULL)
		return IKE_ENOMEM;
	read_crls(p, len, got);
	if (sk_X509_CRL_num(got) == 0) {
		say(why, why_len, "no CRL in it (PEM or DER)");
		e = IKE_ESYNTAX;
	}
	for (i = 0; e == IKE_OK && i < sk_X509_CRL_num(got); i++) {
		crl = sk_X509_CRL_value(got, i);
		name_str(X509_CRL_get_issuer(crl), dn, sizeof(dn));
		if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0) {
			say(why, why_len, "CRL of %s: delta CRLs are not supported", dn);
			e = IKE_EUNSUPP;
		} else if (anchor_signed(store, crl) == 0) {
			say(why, why_len, "CRL of %s: not signed by that --ca "
			    "certificate", dn);
			e = IKE_EINVAL;
		} else if (sk_X509_CRL_num(rv->crls) + i >= REVOKE_CRL_MAX) {
			say(why, why_len, "more than %d CRLs", REVOKE_CRL_MAX);
			e = IKE_ETOOBIG;
		}
	}
	while (e == IKE_OK && (crl = sk_X509_CRL_shift(got)) != NULL)
		if (sk_X509_CRL_push(rv->crls, crl) <= 0) {
			X509_CRL_free(crl);
			e = IKE_ENOMEM;
		}
	sk_X509_CRL_pop_free(got, X509_CRL_free);
	return e;
}

enum ike_err
revoke_crl_file(struct revoke *rv, X509_STORE *store, const char *path,
    char *why, size_t why_len)
{
	struct stat	 st;
	uint8_t		*buf = NULL;
	size_t		 got = 0;
	ssize_t		 n;
	enum ike_err	 e;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		say(why, why_len, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return IKE_EIO;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		say(why, why_len, "%s", strerror(EISDIR));
		return IKE_EIO;
	}
	if ((buf = malloc(CRL_FILE_MAX)) == NULL) {
		close(fd);
		return IKE_ENOMEM;
	}
	while (got < CRL_FILE_MAX &&
	    (n = read(fd, buf + got, CRL_FILE_MAX - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			say(why, why_len, "%s", strerror(errno));
			close(fd);
			free(buf);
			return IKE_EIO;
		}
		got += (size_t)n;
	}
	close(fd);
	if (got == CRL_FILE_MAX) {
		say(why, why_len, "file too large");
		e = IKE_ETOOBIG;
	} else
		e = revoke_crl_add(rv, store, buf, got, why, why_len);
	free(buf);
	return e;
}

/* target_parse splits an http:// URL; IKE_EINVAL (with why) if it is not
 * one we can use. */
static enum ike_err
target_parse(const char *url, struct http_target *t, char *why, size_t why_len)
{
	char	*path = NULL, *query = NULL;
	int	 ssl = 0;
	size_t	 n;

	memset(t, 0, sizeof(*t));
	if (OSSL_HTTP_parse_url(url, &ssl, NULL, &t->host, &t->port, NULL,
	    &path, &query, NULL) != 1) {
		ERR_clear_error();
		say(why, why_len, "not an http:// URL");
		return IKE_EINVAL;
	}
	if (ssl) {
		say(why, why_len, "https is not supported (OCSP is signed: "
		    "use http://)");
		goto fail;
	}
	if (query != NULL && query[0] == '\0') {
		OPENSSL_free(query);
		query = NULL;
	}
	n = strlen(path) + (query != NULL ? strlen(query) + 1 : 0) + 1;
	if ((t->path = malloc(n)) == NULL)
		goto fail;
	snprintf(t->path, n, "%s%s%s", path, query != NULL ? "?" : "",
	    query != NULL ? query : "");
	OPENSSL_free(path);
	OPENSSL_free(query);
	return IKE_OK;
fail:
	OPENSSL_free(t->host);
	OPENSSL_free(t->port);
	OPENSSL_free(path);
	OPENSSL_free(query);
	memset(t, 0, sizeof(*t));
	return ssl ? IKE_EINVAL : IKE_ENOMEM;
}

static void
target_free(struct http_target *t)
{
	OPENSSL_free(t->host);
	OPENSSL_free(t->port);
	free(t->path);
}

enum ike_err
revoke_ocsp_set(struct revoke *rv, const char *url, bool aia, char *why,
    size_t why_len)
{
	struct http_target	 t;
	enum ike_err		 e;

	rv->aia = aia;
	if (url == NULL)
		return IKE_OK;
	if ((e = target_parse(url, &t, why, why_len)) != IKE_OK)
		return e;
	if ((rv->url = strdup(url)) == NULL) {
		target_free(&t);
		return IKE_ENOMEM;
	}
	OPENSSL_free(rv->host);
	OPENSSL_free(rv->port);
	free(rv->path);
	rv->host = t.host;
	rv->port = t.port;
	rv->path = t.path;
	return IKE_OK;
}

void
revoke_policy_set(struct revoke *rv, enum sig_revocation pol)
{
	rv->pol = pol;
}

bool
revoke_has_source(const struct revoke *rv)
{
	return rv != NULL && (sk_X509_CRL_num(rv->crls) > 0 || rv->url != NULL ||
	    rv->aia);
}

bool
revoke_crl_status(const struct revoke *rv, X509 *cert, X509 *issuer,
    time_t now, struct revoke_answer *out)
{
	X509_CRL	*crl;
	X509_REVOKED	*rev;
	ASN1_ENUMERATED	*r;
	time_t		 t, next, good_until = 0;
	bool		 any = false, good = false;
	char		 date[40], dn[SIG_DN_MAX_LEN + 1];
	int		 i;

	answer_init(out);
	unknown(out, "no CRL from its issuer");
	for (i = 0; i < sk_X509_CRL_num(rv->crls); i++) {
		crl = sk_X509_CRL_value(rv->crls, i);
		if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
		    X509_get_issuer_name(cert)) != 0)
			continue;
		any = true;
		name_str(X509_CRL_get_issuer(crl), dn, sizeof(dn));
		if (X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1) {
			ERR_clear_error();
			unknown(out, "CRL of %s does not verify with the issuer's "
			    "key", dn);
			continue;
		}
		/* listed: revoked, even by a CRL past its nextUpdate */
		if (X509_CRL_get0_by_cert(crl, &rev, cert) == 1) {
			out->status = REVOKE_REVOKED;
			r = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL,
			    NULL);
			out->reason = r != NULL ? (int)ASN1_ENUMERATED_get(r) : -1;
			ASN1_ENUMERATED_free(r);
			if (!asn1_time(X509_REVOKED_get0_revocationDate(rev),
			    &out->when))
				out->when = 0;
			out->note[0] = '\0';
			ERR_clear_error();
			return true;
		}
		if (!asn1_time(X509_CRL_get0_lastUpdate(crl), &t) ||
		    t > now + REVOKE_SKEW) {
			unknown(out, "CRL of %s is not valid yet", dn);
			continue;
		}
		next = 0;
		if (X509_CRL_get0_nextUpdate(crl) != NULL &&
		    (!asn1_time(X509_CRL_get0_nextUpdate(crl), &next) ||
		    next + REVOKE_SKEW < now)) {
			unknown(out, "CRL of %s expired %s", dn, next == 0 ? "?" :
			    fmt_time(next, date, sizeof(date)));
			continue;
		}
		if (!good || (next != 0 && next > good_until))
			good_until = next;
		good = true;
	}
	ERR_clear_error();
	if (good) {
		out->status = REVOKE_GOOD;
		out->until = good_until;
		out->note[0] = '\0';
	}
	return any;
}

enum ike_err
revoke_ocsp_request(X509 *cert, X509 *issuer, OCSP_REQUEST **out_req,
    OCSP_CERTID **out_id)
{
	OCSP_CERTID	*id, *id2 = NULL;
	OCSP_REQUEST	*req = NULL;

	*out_req = NULL;
	*out_id = NULL;
	if ((id = OCSP_cert_to_id(EVP_sha1(), cert, issuer)) == NULL ||
	    (id2 = OCSP_CERTID_dup(id)) == NULL ||
	    (req = OCSP_REQUEST_new()) == NULL)
		goto fail;
	if (OCSP_request_add0_id(req, id2) == NULL)
		goto fail;
	id2 = NULL;			/* req has it */
	/* a nonce (RFC 6960 4.4.1): an old answer cannot be replayed */
	if (OCSP_request_add1_nonce(req, NULL, -1) != 1)
		goto fail;
	*out_req = req;
	*out_id = id;
	return IKE_OK;
fail:
	OCSP_CERTID_free(id);
	OCSP_CERTID_free(id2);
	OCSP_REQUEST_free(req);
	return crypto_fail("OCSP request");
}

void
revoke_ocsp_answer(OCSP_REQUEST *req, OCSP_CERTID *id, OCSP_RESPONSE *resp,
    X509_STORE *store, STACK_OF(X509) *certs, time_t now,
    struct revoke_answer *out)
{
	OCSP_BASICRESP		*bs = NULL;
	ASN1_GENERALIZEDTIME	*rev = NULL, *thisupd = NULL, *nextupd = NULL;
	char			 date[40];
	time_t			 t;
	int			 st, nonce, status = -1, reason = -1;

	answer_init(out);
	if ((st = OCSP_response_status(resp)) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		unknown(out, "responder said %s", OCSP_response_status_str(st));
		goto out;
	}
	if ((bs = OCSP_response_get1_basic(resp)) == NULL) {
		unknown(out, "not a basic OCSP response");
		goto out;
	}
	/* 1: echoed; -1: none in the answer (many responders send none,
	 * RFC 8954), then it must be fresh (below); 0: another one */
	if ((nonce = OCSP_check_nonce(req, bs)) != 1 && nonce != -1) {
		unknown(out, "response nonce does not match ours");
		goto out;
	}
	/* signed by the issuer itself or by a certificate it issued with
	 * id-kp-OCSPSigning (RFC 6960 4.2.2.2), chained to an anchor */
	if (OCSP_basic_verify(bs, certs, store, 0) <= 0) {
		unknown(out, "response not signed by the issuer or its OCSP "
		    "signer");
		goto out;
	}
	if (OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisupd,
	    &nextupd) != 1) {
		unknown(out, "no answer for this certificate in the response");
		goto out;
	}
	if (!asn1_time(thisupd, &t) || t > now + REVOKE_SKEW) {
		unknown(out, "response thisUpdate is in the future");
		goto out;
	}
	if (nextupd == NULL && nonce != 1 && t + REVOKE_SKEW < now) {
		unknown(out, "response without nonce or nextUpdate is old (%s)",
		    fmt_time(t, date, sizeof(date)));
		goto out;
	}
	if (nextupd != NULL) {
		if (!asn1_time(nextupd, &t) || t + REVOKE_SKEW < now) {
			unknown(out, "response out of date (nextUpdate %s)",
			    fmt_time(t, date, sizeof(date)));
			goto out;
		}
		out->until = t;
	}
	switch (status) {
	case V_OCSP_CERTSTATUS_GOOD:
		out->status = REVOKE_GOOD;
		break;
	case V_OCSP_CERTSTATUS_REVOKED:
		out->status = REVOKE_REVOKED;
		out->reason = reason;
		if (!asn1_time(rev, &out->when))
			out->when = 0;
		break;
	default:
		unknown(out, "responder does not know the certificate");
		break;
	}
out:
	OCSP_BASICRESP_free(bs);
	ERR_clear_error();
}

/* http_err words the last error of an OSSL_HTTP_transfer: the system's
 * (connection refused) if there is one, else OpenSSL's. */
static void
http_err(char *buf, size_t n)
{
	unsigned long	 e, last = 0, sys = 0;
	const char	*s;

	while ((e = ERR_get_error()) != 0) {
		if (ERR_SYSTEM_ERROR(e))
			sys = e;
		last = e;
	}
	if (ERR_GET_LIB(last) == ERR_LIB_BIO &&
	    ERR_GET_REASON(last) == BIO_R_TRANSFER_TIMEOUT)
		snprintf(buf, n, "no answer within %d s", REVOKE_OCSP_TIMEOUT);
	else if (sys != 0)
		snprintf(buf, n, "%s", strerror(ERR_GET_REASON(sys)));
	else if (last != 0 && (s = ERR_reason_error_string(last)) != NULL)
		snprintf(buf, n, "%s", s);
	else
		snprintf(buf, n, "no response");
}

/* tcp_connect connects to host:port by the deadline (CLOCK_MONOTONIC ms)
 * and returns the socket, non-blocking, or -1 with why. OpenSSL's own
 * connect would retry a refused connection until its timeout. */
static int
tcp_connect(const char *host, const char *port, int64_t deadline, char *why,
    size_t why_len)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	struct pollfd	 pfd;
	socklen_t	 sl;
	int		 fd = -1, r, err = 0;
	int64_t		 left;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		say(why, why_len, "%s", gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol)) < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		if (err == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			do {
				left = deadline - mono_ms();
				r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
			} while (r < 0 && errno == EINTR);
			sl = sizeof(err);
			if (r == 0)
				err = ETIMEDOUT;
			else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &sl) != 0)
				err = errno;
			if (err == 0)
				break;
		}
		close(fd);
		fd = -1;
		if (err == ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0)
		say(why, why_len, "%s", strerror(err != 0 ? err : ECONNREFUSED));
	return fd;
}

/* ocsp_post sends req to t and reads the response (NULL, with why in a). */
static OCSP_RESPONSE *
ocsp_post(const struct http_target *t, OCSP_REQUEST *req,
    struct revoke_answer *a)
{
	OCSP_RESPONSE	*resp = NULL;
	BIO		*in, *rsp, *sock;
	char		 err[96];
	int64_t		 deadline = mono_ms() + REVOKE_OCSP_TIMEOUT * 1000, left;
	int		 fd;

	if ((fd = tcp_connect(t->host, t->port, deadline, err, sizeof(err))) < 0) {
		unknown(a, "%s", err);
		return NULL;
	}
	if ((sock = BIO_new_socket(fd, BIO_CLOSE)) == NULL) {
		close(fd);
		unknown(a, "out of memory");
		return NULL;
	}
	if ((in = ASN1_item_i2d_mem_bio(ASN1_ITEM_rptr(OCSP_REQUEST),
	    (const ASN1_VALUE *)req)) == NULL) {
		(void)crypto_fail("OCSP request");
		unknown(a, "cannot encode the request");
		BIO_free_all(sock);
		return NULL;
	}
	/* on our connected socket (given as both BIOs: OpenSSL connects
	 * nothing itself, and no proxy is used); what is left of the time (a
	 * second at least) for the request and its answer */
	left = (deadline - mono_ms() + 999) / 1000;
	rsp = OSSL_HTTP_transfer(NULL, t->host, t->port, t->path, 0, NULL, NULL,
	    sock, sock, NULL, NULL, 0, NULL, "application/ocsp-request", in,
	    "application/ocsp-response", 1, REVOKE_OCSP_RESP_MAX,
	    left < 1 ? 1 : (int)left, 0);
	BIO_free_all(sock);
	if (rsp == NULL) {
		http_err(err, sizeof(err));
		unknown(a, "%s", err);
	} else if ((resp = ASN1_item_d2i_bio(ASN1_ITEM_rptr(OCSP_RESPONSE), rsp,
	    NULL)) == NULL)
		unknown(a, "not an OCSP response");
	BIO_free(in);
	BIO_free(rsp);
	ERR_clear_error();
	return resp;
}

static struct cache_ent *
cache_get(struct revoke *rv, const uint8_t *key, time_t now)
{
	size_t	 i;

	for (i = 0; i < REVOKE_CACHE_MAX; i++)
		if (rv->cache[i].expires > now &&
		    ct_eq(rv->cache[i].key, key, KEY_LEN))
			return &rv->cache[i];
	return NULL;
}

/* cache_put keeps a until its nextUpdate (REVOKE_CACHE_GOOD at most), a
 * failure for REVOKE_CACHE_FAIL: a responder that is down costs its
 * timeout once, not on every IKE_AUTH. The entry expiring first goes. */
static void
cache_put(struct revoke *rv, const uint8_t *key, time_t now,
    const struct revoke_answer *a)
{
	struct cache_ent	*ce = &rv->cache[0];
	time_t			 exp;
	size_t			 i;

	if (a->status == REVOKE_UNKNOWN)
		exp = now + REVOKE_CACHE_FAIL;
	else {
		exp = now + REVOKE_CACHE_GOOD;
		if (a->until != 0 && a->until < exp)
			exp = a->until;
	}
	if (exp <= now)
		return;
	for (i = 0; i < REVOKE_CACHE_MAX; i++) {
		if (rv->cache[i].expires <= now ||
		    ct_eq(rv->cache[i].key, key, KEY_LEN)) {
			ce = &rv->cache[i];
			break;
		}
		if (rv->cache[i].expires < ce->expires)
			ce = &rv->cache[i];
	}
	memcpy(ce->key, key, KEY_LEN);
	ce->expires = exp;
	ce->a = *a;
}

/* ocsp_status asks t about cert (or takes a recent answer). */
static void
ocsp_status(struct revoke *rv, const struct http_target *t, X509_STORE *store,
    STACK_OF(X509) *chain, X509 *cert, X509 *issuer, time_t now,
    struct revoke_answer *a)
{
	OCSP_REQUEST		*req = NULL;
	OCSP_CERTID		*id = NULL;
	OCSP_RESPONSE		*resp;
	struct cache_ent	*ce;
	uint8_t			 key[EVP_MAX_MD_SIZE];
	unsigned int		 key_len = 0;
	bool			 keyed;

	answer_init(a);
	keyed = X509_digest(cert, EVP_sha256(), key, &key_len) == 1 &&
	    key_len == KEY_LEN;
	if (keyed && (ce = cache_get(rv, key, now)) != NULL) {
		*a = ce->a;
		log_debug("OCSP: answer of %s:%s reused", t->host, t->port);
		return;
	}
	if (revoke_ocsp_request(cert, issuer, &req, &id) != IKE_OK) {
		unknown(a, "cannot make the request");
		return;
	}
	log_debug("OCSP: asking %s:%s%s", t->host, t->port, t->path);
	if ((resp = ocsp_post(t, req, a)) != NULL)
		revoke_ocsp_answer(req, id, resp, store, chain, now, a);
	if (keyed)
		cache_put(rv, key, now, a);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
	OCSP_CERTID_free(id);
	ERR_clear_error();
}

/* aia_target finds the first http:// OCSP responder in cert's AIA. */
static bool
aia_target(X509 *cert, struct http_target *t, char *url, size_t url_len)
{
	STACK_OF(OPENSSL_STRING)	*urls;
	const char			*u;
	bool				 ok = false;
	int				 i;

	if ((urls = X509_get1_ocsp(cert)) == NULL)
		return false;
	for (i = 0; !ok && i < sk_OPENSSL_STRING_num(urls); i++) {
		u = sk_OPENSSL_STRING_value(urls, i);
		if (target_parse(u, t, NULL, 0) == IKE_OK) {
			snprintf(url, url_len, "%s", u);
			ok = true;
		}
	}
	X509_email_free(urls);
	ERR_clear_error();
	return ok;
}

bool
revoke_verdict(enum sig_revocation pol, enum revoke_status st, bool had_source)
{
	switch (st) {
	case REVOKE_GOOD:
		return true;
	case REVOKE_REVOKED:
		return false;
	default:
		return pol == SIG_REV_RELAXED || (pol == SIG_REV_IFURI && !had_source);
	}
}

/* check_one checks certificate i of chain (its issuer is i + 1). */
static enum ike_err
check_one(struct revoke *rv, X509_STORE *store, STACK_OF(X509) *chain, int i,
    time_t now, char *why, size_t why_len)
{
	X509			*x = sk_X509_value(chain, i);
	X509			*iss = sk_X509_value(chain, i + 1);
	struct revoke_answer	 a, crl;
	struct http_target	 t = { NULL, NULL, NULL }, aia;
	char			 label[LABEL_LEN], url[128], date[40];
	char			 notes[2 * REVOKE_NOTE_LEN + 160] = "";
	const char		*by = NULL, *pol = pol_names[rv->pol];
	bool			 src = false;

	cert_label(x, label, sizeof(label));
	answer_init(&a);
	/* OCSP first, for the end entity: its own responder (--ocsp-aia),
	 * else --ocsp */
	if (i == 0 && rv->aia && aia_target(x, &aia, url, sizeof(url)))
		t = aia;
	else if (i == 0 && rv->url != NULL) {
		t.host = rv->host;
		t.port = rv->port;
		t.path = rv->path;
		snprintf(url, sizeof(url), "%s", rv->url);
	}
	if (t.host != NULL) {
		src = true;
		ocsp_status(rv, &t, store, chain, x, iss, now, &a);
		if (a.status != REVOKE_UNKNOWN)
			by = "OCSP";
		else
			snprintf(notes, sizeof(notes), "OCSP %s: %s", url, a.note);
		if (t.host != rv->host)
			target_free(&t);
	}
	/* then the CRLs, when OCSP gave no answer */
	if (by == NULL) {
		if (revoke_crl_status(rv, x, iss, now, &crl)) {
			src = true;
			if (crl.status == REVOKE_UNKNOWN)
				snprintf(notes + strlen(notes), sizeof(notes) -
				    strlen(notes), "%s%s", notes[0] ? "; " : "",
				    crl.note);
		}
		if (crl.status != REVOKE_UNKNOWN) {
			a = crl;
			by = "CRL";
		}
	}
	if (a.status == REVOKE_REVOKED) {
		say(why, why_len, "peer certificate %s: revoked (%s, %s) by %s",
		    label, reason_str(a.reason), a.when != 0 ?
		    fmt_time(a.when, date, sizeof(date)) : "date unknown", by);
		return IKE_EAUTH;
	}
	if (a.status == REVOKE_GOOD) {
		log_debug("peer certificate %s: not revoked (%s)", label, by);
		return IKE_OK;
	}
	if (!src)
		snprintf(notes, sizeof(notes), "no CRL or OCSP responder for it");
	if (!revoke_verdict(rv->pol, REVOKE_UNKNOWN, src)) {
		say(why, why_len, "peer certificate %s: revocation status unknown "
		    "(%s), refused by --revocation %s", label, notes, pol);
		return IKE_EAUTH;
	}
	if (src)
		log_warn("peer certificate %s: revocation status unknown (%s), "
		    "accepted by --revocation %s", label, notes, pol);
	else
		log_debug("peer certificate %s: %s, accepted by --revocation %s",
		    label, notes, pol);
	return IKE_OK;
}

enum ike_err
revoke_chain(struct revoke *rv, X509_STORE *store, STACK_OF(X509) *chain,
    time_t now, char *why, size_t why_len)
{
	enum ike_err	 e;
	int		 i;

	/* the last is the anchor: trusted as configured, not checked */
	for (i = 0; i + 1 < sk_X509_num(chain); i++)
		if ((e = check_one(rv, store, chain, i, now, why, why_len)) !=
		    IKE_OK)
			return e;
	return IKE_OK;
}
