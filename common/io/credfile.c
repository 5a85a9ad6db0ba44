/* SPDX-License-Identifier: ISC */
/* Reading --cert, --key and --ca PEM files into a sig_cred. */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/secret.h"
#include "io/credfile.h"

/* slurp reads path into a new buffer (*out, *len); IKE_EIO with errno. */
static enum ike_err
slurp(const char *path, char **out, size_t *len, struct stat *st)
{
	char	*buf;
	ssize_t	 n;
	size_t	 got = 0;
	int	 fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return IKE_EIO;
	if (fstat(fd, st) != 0) {
		e = errno;
		close(fd);
		errno = e;
		return IKE_EIO;
	}
	if (S_ISDIR(st->st_mode)) {
		close(fd);
		errno = EISDIR;
		return IKE_EIO;
	}
	if ((buf = malloc(CREDFILE_MAX)) == NULL) {
		close(fd);
		return IKE_ENOMEM;
	}
	while (got < CREDFILE_MAX &&
	    (n = read(fd, buf + got, CREDFILE_MAX - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(fd);
			wipe(buf, CREDFILE_MAX);
			free(buf);
			errno = e;
			return IKE_EIO;
		}
		got += (size_t)n;
	}
	close(fd);
	if (got == CREDFILE_MAX) {
		wipe(buf, CREDFILE_MAX);
		free(buf);
		return IKE_ETOOBIG;
	}
	*out = buf;
	*len = got;
	return IKE_OK;
}

static enum ike_err
fail(struct credfile_err *err, const char *path, enum ike_err e,
    const char *why)
{
	err->path = path;
	snprintf(err->why, sizeof(err->why), "%s", why);
	return e;
}

/* load_one reads path and hands it to fn; says what went wrong. */
static enum ike_err
load_one(struct sig_cred *c, const char *path, bool secret,
    enum ike_err (*fn)(struct sig_cred *, const char *, size_t),
    const char *none, struct credfile_err *err)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	enum ike_err	 e;

	if ((e = slurp(path, &buf, &len, &st)) != IKE_OK)
		return fail(err, path, e, e == IKE_EIO ? strerror(errno) :
		    e == IKE_ETOOBIG ? "file too large" : ike_strerror(e));
	if (secret && (st.st_mode & 077) != 0)
		err->key_loose = true;
	e = fn(c, buf, len);
	wipe(buf, CREDFILE_MAX);
	free(buf);
	switch (e) {
	case IKE_OK:
		return IKE_OK;
	case IKE_ESYNTAX:
		return fail(err, path, e, none);
	case IKE_EUNSUPP:
		return fail(err, path, e, "key type not supported (RSA, ECDSA "
		    "P-256 or P-384, Ed25519)");
	case IKE_ETOOBIG:
		return fail(err, path, e, "too many certificates");
	default:
		return fail(err, path, e, ike_strerror(e));
	}
}

enum ike_err
credfile_load(struct sig_cred **out, const char *cert, const char *key,
    const char *ca, struct credfile_err *err)
{
	struct sig_cred	*c = NULL;
	enum ike_err	 e;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	if ((cert == NULL) != (key == NULL))
		return fail(err, cert != NULL ? cert : key, IKE_EINVAL,
		    "--cert and --key go together");
	if ((e = sig_cred_new(&c)) != IKE_OK)
		return fail(err, "credentials", e, ike_strerror(e));
	if ((cert != NULL && ((e = load_one(c, cert, false, sig_cred_certs,
	    "no PEM certificate in it", err)) != IKE_OK ||
	    (e = load_one(c, key, true, sig_cred_key,
	    "no PEM private key in it (unencrypted PKCS#8 or traditional)",
	    err)) != IKE_OK)) ||
	    (ca != NULL && (e = load_one(c, ca, false, sig_cred_ca,
	    "no PEM certificate in it", err)) != IKE_OK))
		goto out;
	if ((e = sig_cred_check(c)) != IKE_OK) {
		e = fail(err, key, IKE_EINVAL, "key does not match the "
		    "certificate's public key");
		goto out;
	}
	*out = c;
	return IKE_OK;
out:
	sig_cred_free(c);
	return e;
}
