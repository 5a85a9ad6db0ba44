/* SPDX-License-Identifier: ISC */
/* Key tables: storage, lookup, wiping, and the line-file helpers of the readers. */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/hex.h"
#include "crypto/secret.h"
#include "keys/internal.h"
#include "keys/keys.h"

enum { KEYTAB_FIRST_CAP = 8 };

void
keytab_init(struct keytab *t)
{
	memset(t, 0, sizeof(*t));
}

void
keytab_clear(struct keytab *t)
{
	wipe(t->ike, t->cap_ike * sizeof(*t->ike));
	wipe(t->esp, t->cap_esp * sizeof(*t->esp));
	t->n_ike = 0;
	t->n_esp = 0;
}

void
keytab_free(struct keytab *t)
{
	keytab_clear(t);
	free(t->ike);
	free(t->esp);
	keytab_init(t);
}

/* grow makes room for one more element of size sz in *arr (n used, *cap
 * allocated). The old array is wiped before it is freed. */
static bool
grow(void **arr, size_t n, size_t *cap, size_t sz)
{
	size_t	 ncap;
	void	*p;

	if (n < *cap)
		return true;
	ncap = *cap == 0 ? KEYTAB_FIRST_CAP : *cap * 2;
	if (ncap > SIZE_MAX / sz || (p = calloc(ncap, sz)) == NULL)
		return false;
	if (*arr != NULL) {
		memcpy(p, *arr, n * sz);
		wipe(*arr, *cap * sz);
		free(*arr);
	}
	*arr = p;
	*cap = ncap;
	return true;
}

enum ike_err
keytab_add_ike(struct keytab *t, const struct ike_sa_key *k)
{
	void *arr = t->ike;

	if (!grow(&arr, t->n_ike, &t->cap_ike, sizeof(*t->ike)))
		return IKE_ENOMEM;
	t->ike = arr;
	t->ike[t->n_ike++] = *k;
	return IKE_OK;
}

enum ike_err
keytab_add_esp(struct keytab *t, const struct esp_sa_key *k)
{
	void *arr = t->esp;

	if (!grow(&arr, t->n_esp, &t->cap_esp, sizeof(*t->esp)))
		return IKE_ENOMEM;
	t->esp = arr;
	t->esp[t->n_esp] = *k;
	t->esp[t->n_esp].any_addr = k->any_src && k->any_dst;
	t->n_esp++;
	return IKE_OK;
}

const struct ike_sa_key *
keytab_find_ike(const struct keytab *t, uint64_t ispi, uint64_t rspi)
{
	size_t i;

	for (i = t->n_ike; i-- > 0;)
		if (t->ike[i].ispi == ispi && t->ike[i].rspi == rspi)
			return &t->ike[i];
	return NULL;
}

const struct esp_sa_key *
keytab_find_esp(const struct keytab *t, uint32_t spi, int af,
    const uint8_t *src, const uint8_t *dst)
{
	const struct esp_sa_key	*k, *wild = NULL;
	size_t			 i, alen = af == AF_INET6 ? 16 : 4;

	for (i = t->n_esp; i-- > 0;) {
		k = &t->esp[i];
		if (k->spi != spi)
			continue;
		if (k->any_src && k->any_dst) {
			if (wild == NULL)
				wild = k;
			continue;
		}
		if (k->af != af)
			continue;
		if (!k->any_src && (src == NULL || memcmp(k->src, src, alen) != 0))
			continue;
		if (!k->any_dst && (dst == NULL || memcmp(k->dst, dst, alen) != 0))
			continue;
		if (k->any_src || k->any_dst) {
			if (wild == NULL)
				wild = k;
			continue;
		}
		return k;
	}
	return wild;
}

enum ike_err
keytab_load_dir(struct keytab *t, const char *dir, char *err, size_t errlen)
{
	struct stat	 st;
	enum ike_err	 e;
	char		 path[4096];
	bool		 any = false;

	if (stat(dir, &st) != 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return IKE_EIO;
	}
	if ((e = path_join(path, sizeof(path), dir, "ikev2_decryption_table",
	    err, errlen)) != IKE_OK)
		return e;
	if (access(path, F_OK) == 0) {
		if ((e = keytab_load_ikev2(t, path, err, errlen)) != IKE_OK)
			return e;
		any = true;
	}
	if ((e = path_join(path, sizeof(path), dir, "esp_sa", err, errlen)) !=
	    IKE_OK)
		return e;
	if (access(path, F_OK) == 0) {
		if ((e = keytab_load_esp(t, path, err, errlen)) != IKE_OK)
			return e;
		any = true;
	}
	if (!any) {
		snprintf(err, errlen, "%s: no ikev2_decryption_table or esp_sa",
		    dir);
		errno = ENOENT;
		return IKE_EIO;
	}
	return IKE_OK;
}

enum ike_err
kfile_open(struct kfile *kf, const char *path, char *err, size_t errlen)
{
	memset(kf, 0, sizeof(*kf));
	kf->path = path;
	if ((kf->f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return IKE_EIO;
	}
	return IKE_OK;
}

int
kfile_next(struct kfile *kf, char **out, char *err, size_t errlen)
{
	ssize_t n;

	errno = 0;
	if ((n = getline(&kf->buf, &kf->cap, kf->f)) < 0) {
		if (ferror(kf->f)) {
			snprintf(err, errlen, "%s: %s", kf->path,
			    strerror(errno != 0 ? errno : EIO));
			return -1;
		}
		return 0;
	}
	kf->line++;
	while (n > 0 && (kf->buf[n - 1] == '\n' || kf->buf[n - 1] == '\r'))
		kf->buf[--n] = '\0';
	*out = kf->buf;
	return 1;
}

void
kfile_close(struct kfile *kf)
{
	wipe(kf->buf, kf->cap);
	free(kf->buf);
	kf->buf = NULL;
	kf->cap = 0;
	if (kf->f != NULL)
		fclose(kf->f);
	kf->f = NULL;
}

enum ike_err
kerr(char *err, size_t errlen, const char *path, unsigned line,
    const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (line != 0)
		n = snprintf(err, errlen, "%s:%u: ", path, line);
	else
		n = snprintf(err, errlen, "%s: ", path);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return IKE_EINVAL;
}

bool
hex_decode(const char *s, size_t n, uint8_t *out, size_t cap,
    size_t *out_len, const char **why)
{
	size_t	i;
	int	hi, lo;

	for (i = 0; i < n; i++)
		if (hex_digit(s[i]) < 0) {
			*why = "not a hex digit";
			return false;
		}
	if (n % 2 != 0) {
		*why = "odd number of hex digits";
		return false;
	}
	if (n / 2 > cap) {
		*why = "too long";
		return false;
	}
	for (i = 0; i < n / 2; i++) {
		hi = hex_digit(s[2 * i]);
		lo = hex_digit(s[2 * i + 1]);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*out_len = n / 2;
	return true;
}

enum ike_err
path_join(char *out, size_t cap, const char *dir, const char *name,
    char *err, size_t errlen)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return IKE_EIO;
	}
	return IKE_OK;
}

bool
blank_or_comment(const char *line)
{
	line += strspn(line, " \t");
	return *line == '\0' || *line == '#';
}
