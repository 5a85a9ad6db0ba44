/* SPDX-License-Identifier: ISC */
/* EAP configuration: the list of methods and the users' secrets file ("NAME : PASSWORD" lines). */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/secret.h"
#include "exchange/eap_auth.h"

enum {
	USERS_FILE_MAX	= 1 << 20,
};

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

bool
eap_tls_max_parse(struct eap_cfg *cfg, const char *s)
{
	if (strcmp(s, "1.2") != 0 && strcmp(s, "1.3") != 0)
		return false;
	cfg->tls13 = strcmp(s, "1.3") == 0;
	return true;
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
