/* SPDX-License-Identifier: ISC */
/* Rendering an ID_DER_ASN1_DN identity as RFC 4514 text, with OpenSSL. */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

#include "decode.h"

bool
dn_render(const uint8_t *der, size_t len, char *out, size_t cap)
{
	const unsigned char	*p = der;
	X509_NAME		*name;
	BIO			*bio;
	int			 n;
	bool			 ok = false;

	if (cap == 0 || len > LONG_MAX_DER)
		return false;
	if ((name = d2i_X509_NAME(NULL, &p, (long)len)) == NULL)
		return false;
	if (p != der + len || (bio = BIO_new(BIO_s_mem())) == NULL) {
		X509_NAME_free(name);
		return false;
	}
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (n = BIO_read(bio, out, (int)(cap - 1))) >= 0) {
		out[n] = '\0';
		ok = BIO_pending(bio) == 0;
	}
	BIO_free(bio);
	X509_NAME_free(name);
	return ok;
}
