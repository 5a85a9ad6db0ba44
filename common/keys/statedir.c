/* SPDX-License-Identifier: ISC */
/* Reading the keys of every SA in a state directory (ike-state(5), format version 1). */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/secret.h"
#include "keys/internal.h"
#include "keys/keys.h"
#include "names/names.h"

enum {
	KV_VAL_MAX	= 256,		/* longest value we keep: 64-byte keys in hex */
	STATE_VERSION	= 1,
};

/* The keys of a state file that the key table needs; others are ignored. */
enum kv_key {
	KV_VERSION, KV_ISPI, KV_RSPI, KV_ENCR, KV_ENCR_KEYBITS, KV_INTEG,
	KV_SK_EI, KV_SK_ER, KV_SK_AI, KV_SK_AR, KV_LOCAL, KV_REMOTE,
	KV_SPI_IN, KV_SPI_OUT, KV_ESN, KV_KEY_IN_E, KV_KEY_IN_A, KV_KEY_OUT_E,
	KV_KEY_OUT_A, KV_COUNT
};

static const char *const kv_names[KV_COUNT] = {
	[KV_VERSION] = "version", [KV_ISPI] = "ispi", [KV_RSPI] = "rspi",
	[KV_ENCR] = "encr", [KV_ENCR_KEYBITS] = "encr_keybits",
	[KV_INTEG] = "integ", [KV_SK_EI] = "sk_ei", [KV_SK_ER] = "sk_er",
	[KV_SK_AI] = "sk_ai", [KV_SK_AR] = "sk_ar", [KV_LOCAL] = "local",
	[KV_REMOTE] = "remote", [KV_SPI_IN] = "spi_in",
	[KV_SPI_OUT] = "spi_out", [KV_ESN] = "esn",
	[KV_KEY_IN_E] = "key_in_e", [KV_KEY_IN_A] = "key_in_a",
	[KV_KEY_OUT_E] = "key_out_e", [KV_KEY_OUT_A] = "key_out_a",
};

/* One parsed file: the value and line of each key we know. */
struct kvfile {
	const char	*path;
	char		 val[KV_COUNT][KV_VAL_MAX];
	unsigned	 line[KV_COUNT];	/* 0: not present */
};

static void
kv_wipe(struct kvfile *kv)
{
	wipe(kv, sizeof(*kv));
}

/* kv_read parses path's key=value lines into kv. */
static enum ike_err
kv_read(struct kvfile *kv, const char *path, char *err, size_t errlen)
{
	struct kfile	 kf;
	enum ike_err	 e = IKE_OK;
	char		*line, *eq, *k, *v, *end;
	size_t		 i, vlen;
	int		 rc;

	memset(kv, 0, sizeof(*kv));
	kv->path = path;
	if ((e = kfile_open(&kf, path, err, errlen)) != IKE_OK)
		return e;
	while ((rc = kfile_next(&kf, &line, err, errlen)) == 1) {
		if (blank_or_comment(line))
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			e = kerr(err, errlen, path, kf.line, "expected key=value");
			break;
		}
		k = line + strspn(line, " \t");
		for (end = eq; end > k && (end[-1] == ' ' || end[-1] == '\t');)
			end--;
		*end = '\0';
		v = eq + 1 + strspn(eq + 1, " \t");
		vlen = strlen(v);
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			v[--vlen] = '\0';
		for (i = 0; i < KV_COUNT; i++)
			if (strcmp(k, kv_names[i]) == 0)
				break;
		if (i == KV_COUNT)
			continue;		/* a key we do not need */
		if (kv->line[i] != 0) {
			e = kerr(err, errlen, path, kf.line,
			    "%s: duplicate (first on line %u)", kv_names[i],
			    kv->line[i]);
			break;
		}
		if (vlen >= KV_VAL_MAX) {
			e = kerr(err, errlen, path, kf.line, "%s: value too long",
			    kv_names[i]);
			break;
		}
		memcpy(kv->val[i], v, vlen + 1);
		kv->line[i] = kf.line;
	}
	if (rc < 0)
		e = IKE_EIO;
	kfile_close(&kf);
	if (e == IKE_OK && kv->line[KV_VERSION] == 0)
		e = kerr(err, errlen, path, 0, "missing version");
	else if (e == IKE_OK && strcmp(kv->val[KV_VERSION], "1") != 0)
		e = kerr(err, errlen, path, kv->line[KV_VERSION],
		    "version %.16s is not supported (only 1)",
		    kv->val[KV_VERSION]);
	return e;
}

static enum ike_err
kv_need(const struct kvfile *kv, enum kv_key k, char *err, size_t errlen)
{
	if (kv->line[k] == 0)
		return kerr(err, errlen, kv->path, 0, "missing %s", kv_names[k]);
	return IKE_OK;
}

static enum ike_err
kv_u64(const struct kvfile *kv, enum kv_key k, uint64_t max, uint64_t *out,
    char *err, size_t errlen)
{
	const char		*s = kv->val[k];
	char			*end;
	unsigned long long	 v;
	enum ike_err		 e;

	if ((e = kv_need(kv, k, err, errlen)) != IKE_OK)
		return e;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (s[0] == '\0' || s[0] == '-' || *end != '\0' || errno != 0 || v > max)
		return kerr(err, errlen, kv->path, kv->line[k],
		    "%s: \"%.32s\" is not a valid number", kv_names[k], s);
	*out = v;
	return IKE_OK;
}

/* kv_spi64 reads an IKE SPI: exactly 16 hex digits. */
static enum ike_err
kv_spi64(const struct kvfile *kv, enum kv_key k, uint64_t *out, char *err,
    size_t errlen)
{
	uint8_t		 b[8];
	const char	*why;
	size_t		 n, i;
	enum ike_err	 e;

	if ((e = kv_need(kv, k, err, errlen)) != IKE_OK)
		return e;
	if (strlen(kv->val[k]) != 16 ||
	    !hex_decode(kv->val[k], 16, b, sizeof(b), &n, &why))
		return kerr(err, errlen, kv->path, kv->line[k],
		    "%s: not 16 hex digits", kv_names[k]);
	*out = 0;
	for (i = 0; i < n; i++)
		*out = *out << 8 | b[i];
	return IKE_OK;
}

/* kv_key reads a hex key of exactly want bytes. */
static enum ike_err
kv_key(const struct kvfile *kv, enum kv_key k, uint8_t *out, size_t cap,
    size_t want, const char *alg, char *err, size_t errlen)
{
	const char	*why;
	size_t		 n = 0;
	enum ike_err	 e;

	if (want == 0 && kv->line[k] == 0)
		return IKE_OK;		/* AEAD: no integrity key */
	if ((e = kv_need(kv, k, err, errlen)) != IKE_OK)
		return e;
	if (!hex_decode(kv->val[k], strlen(kv->val[k]), out, cap, &n, &why))
		return kerr(err, errlen, kv->path, kv->line[k], "%s: %s",
		    kv_names[k], why);
	if (n != want)
		return kerr(err, errlen, kv->path, kv->line[k],
		    "%s is %zu bytes, %s needs %zu", kv_names[k], n, alg, want);
	return IKE_OK;
}

/* kv_suite reads encr, encr_keybits and integ and the key lengths they take. */
static enum ike_err
kv_suite(const struct kvfile *kv, uint16_t *encr, uint16_t *keybits,
    uint16_t *integ, size_t *e_len, size_t *a_len, char *err, size_t errlen)
{
	unsigned	 v;
	uint64_t	 bits = 0;
	int		 n;
	enum ike_err	 e;

	if ((e = kv_need(kv, KV_ENCR, err, errlen)) != IKE_OK)
		return e;
	if (!ikev2_xform_id_lookup(IKEV2_XFORM_ENCR, kv->val[KV_ENCR], &v))
		return kerr(err, errlen, kv->path, kv->line[KV_ENCR],
		    "encr: unknown algorithm \"%.64s\"", kv->val[KV_ENCR]);
	*encr = (uint16_t)v;
	if (kv->line[KV_ENCR_KEYBITS] != 0 && (e = kv_u64(kv, KV_ENCR_KEYBITS,
	    UINT16_MAX, &bits, err, errlen)) != IKE_OK)
		return e;
	*keybits = (uint16_t)bits;
	if ((n = keys_encr_len(*encr, *keybits)) < 0)
		return kerr(err, errlen, kv->path, kv->line[KV_ENCR],
		    "encr: %s with %u-bit keys is not supported",
		    kv->val[KV_ENCR], *keybits);
	*e_len = (size_t)n;
	if ((e = kv_need(kv, KV_INTEG, err, errlen)) != IKE_OK)
		return e;
	if (!ikev2_xform_id_lookup(IKEV2_XFORM_INTEG, kv->val[KV_INTEG], &v))
		return kerr(err, errlen, kv->path, kv->line[KV_INTEG],
		    "integ: unknown algorithm \"%.64s\"", kv->val[KV_INTEG]);
	*integ = (uint16_t)v;
	if ((n = keys_integ_len(*integ)) < 0)
		return kerr(err, errlen, kv->path, kv->line[KV_INTEG],
		    "integ: %s is not supported", kv->val[KV_INTEG]);
	*a_len = (size_t)n;
	return IKE_OK;
}

/* parse_addr reads "ADDR", "IPv4:PORT" or "[IPv6]:PORT" into out. */
static bool
parse_addr(const char *s, int *af, uint8_t *out)
{
	char		 buf[INET6_ADDRSTRLEN + 8];
	const char	*colon;
	size_t		 n;

	if (s[0] == '[') {
		if ((colon = strchr(s, ']')) == NULL ||
		    (n = (size_t)(colon - s - 1)) >= sizeof(buf))
			return false;
		memcpy(buf, s + 1, n);
		buf[n] = '\0';
		*af = AF_INET6;
		return inet_pton(AF_INET6, buf, out) == 1;
	}
	if ((colon = strchr(s, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
		/* one colon: IPv4 with a port */
		if ((n = (size_t)(colon - s)) >= sizeof(buf))
			return false;
		memcpy(buf, s, n);
		buf[n] = '\0';
		*af = AF_INET;
		return inet_pton(AF_INET, buf, out) == 1;
	}
	if (inet_pton(AF_INET, s, out) == 1) {
		*af = AF_INET;
		return true;
	}
	*af = AF_INET6;
	return inet_pton(AF_INET6, s, out) == 1;
}

/* The endpoints of an SA, for the ESP entries of its children. */
struct ends {
	bool	 known;
	int	 af;
	uint8_t	 local[16], remote[16];
};

static enum ike_err
kv_ends(const struct kvfile *kv, struct ends *out, char *err, size_t errlen)
{
	int af_l, af_r;

	if (kv->line[KV_LOCAL] == 0 && kv->line[KV_REMOTE] == 0)
		return IKE_OK;
	if (kv->line[KV_LOCAL] == 0 || kv->line[KV_REMOTE] == 0)
		return kerr(err, errlen, kv->path, 0, "missing %s",
		    kv->line[KV_LOCAL] == 0 ? "local" : "remote");
	if (!parse_addr(kv->val[KV_LOCAL], &af_l, out->local))
		return kerr(err, errlen, kv->path, kv->line[KV_LOCAL],
		    "local: \"%.64s\" is not an address", kv->val[KV_LOCAL]);
	if (!parse_addr(kv->val[KV_REMOTE], &af_r, out->remote))
		return kerr(err, errlen, kv->path, kv->line[KV_REMOTE],
		    "remote: \"%.64s\" is not an address", kv->val[KV_REMOTE]);
	if (af_l != af_r)
		return kerr(err, errlen, kv->path, kv->line[KV_REMOTE],
		    "remote: not the address family of local");
	out->af = af_l;
	out->known = true;
	return IKE_OK;
}

static enum ike_err
load_ike(struct keytab *t, const char *path, struct ends *ends, char *err,
    size_t errlen)
{
	struct kvfile		*kv;
	struct ike_sa_key	 k;
	const char		*encr;
	enum ike_err		 e;

	if ((kv = malloc(sizeof(*kv))) == NULL)
		return IKE_ENOMEM;
	memset(&k, 0, sizeof(k));
	if ((e = kv_read(kv, path, err, errlen)) != IKE_OK ||
	    (e = kv_spi64(kv, KV_ISPI, &k.ispi, err, errlen)) != IKE_OK ||
	    (e = kv_spi64(kv, KV_RSPI, &k.rspi, err, errlen)) != IKE_OK ||
	    (e = kv_suite(kv, &k.encr, &k.encr_keybits, &k.integ, &k.e_len,
	    &k.a_len, err, errlen)) != IKE_OK)
		goto out;
	encr = kv->val[KV_ENCR];
	if ((e = kv_key(kv, KV_SK_EI, k.sk_ei, sizeof(k.sk_ei), k.e_len, encr,
	    err, errlen)) != IKE_OK ||
	    (e = kv_key(kv, KV_SK_ER, k.sk_er, sizeof(k.sk_er), k.e_len, encr,
	    err, errlen)) != IKE_OK ||
	    (e = kv_key(kv, KV_SK_AI, k.sk_ai, sizeof(k.sk_ai), k.a_len,
	    kv->val[KV_INTEG], err, errlen)) != IKE_OK ||
	    (e = kv_key(kv, KV_SK_AR, k.sk_ar, sizeof(k.sk_ar), k.a_len,
	    kv->val[KV_INTEG], err, errlen)) != IKE_OK ||
	    (e = kv_ends(kv, ends, err, errlen)) != IKE_OK)
		goto out;
	e = keytab_add_ike(t, &k);
out:
	wipe(&k, sizeof(k));
	kv_wipe(kv);
	free(kv);
	return e;
}

/* esp_dir fills one direction of a Child SA. */
static enum ike_err
esp_dir(struct esp_sa_key *k, const struct kvfile *kv, enum kv_key spi,
    enum kv_key ek, enum kv_key ak, char *err, size_t errlen)
{
	uint64_t	v;
	enum ike_err	e;

	if ((e = kv_u64(kv, spi, UINT32_MAX, &v, err, errlen)) != IKE_OK)
		return e;
	k->spi = (uint32_t)v;
	if ((e = kv_key(kv, ek, k->ekey, sizeof(k->ekey), k->e_len,
	    kv->val[KV_ENCR], err, errlen)) != IKE_OK)
		return e;
	return kv_key(kv, ak, k->akey, sizeof(k->akey), k->a_len,
	    kv->val[KV_INTEG], err, errlen);
}

static enum ike_err
load_child(struct keytab *t, const char *path, const struct ends *ike_ends,
    char *err, size_t errlen)
{
	struct kvfile		*kv;
	struct esp_sa_key	 in, out;
	struct ends		 ends;
	uint64_t		 esn = 0;
	enum ike_err		 e;

	if ((kv = malloc(sizeof(*kv))) == NULL)
		return IKE_ENOMEM;
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	memset(&ends, 0, sizeof(ends));
	if ((e = kv_read(kv, path, err, errlen)) != IKE_OK ||
	    (e = kv_suite(kv, &in.encr, &in.encr_keybits, &in.integ, &in.e_len,
	    &in.a_len, err, errlen)) != IKE_OK)
		goto done;
	if (kv->line[KV_ESN] != 0 &&
	    (e = kv_u64(kv, KV_ESN, 1, &esn, err, errlen)) != IKE_OK)
		goto done;
	in.esn = esn != 0;
	if ((e = kv_ends(kv, &ends, err, errlen)) != IKE_OK)
		goto done;
	if (!ends.known)
		ends = *ike_ends;
	out = in;
	if ((e = esp_dir(&in, kv, KV_SPI_IN, KV_KEY_IN_E, KV_KEY_IN_A, err,
	    errlen)) != IKE_OK || (e = esp_dir(&out, kv, KV_SPI_OUT,
	    KV_KEY_OUT_E, KV_KEY_OUT_A, err, errlen)) != IKE_OK)
		goto done;
	if (ends.known) {
		/* inbound: remote -> local; outbound: local -> remote */
		in.af = out.af = ends.af;
		memcpy(in.src, ends.remote, sizeof(in.src));
		memcpy(in.dst, ends.local, sizeof(in.dst));
		memcpy(out.src, ends.local, sizeof(out.src));
		memcpy(out.dst, ends.remote, sizeof(out.dst));
	} else
		in.any_src = in.any_dst = out.any_src = out.any_dst = true;
	if ((e = keytab_add_esp(t, &in)) == IKE_OK)
		e = keytab_add_esp(t, &out);
done:
	wipe(&in, sizeof(in));
	wipe(&out, sizeof(out));
	kv_wipe(kv);
	free(kv);
	return e;
}

static int
is_child_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > strlen("child..sa") && strncmp(d->d_name, "child.", 6) == 0 &&
	    strcmp(d->d_name + n - 3, ".sa") == 0;
}

static int
is_sa_dir(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static enum ike_err
load_sa_dir(struct keytab *t, const char *dir, char *err, size_t errlen)
{
	struct dirent	**ents = NULL;
	struct ends	  ends;
	char		  path[4096];
	enum ike_err	  e;
	int		  n, i;

	memset(&ends, 0, sizeof(ends));
	if ((e = path_join(path, sizeof(path), dir, "ike.sa", err, errlen)) !=
	    IKE_OK)
		return e;
	if (access(path, F_OK) != 0)
		return IKE_OK;		/* a lock or scratch directory */
	if ((e = load_ike(t, path, &ends, err, errlen)) != IKE_OK)
		return e;
	if ((n = scandir(dir, &ents, is_child_file, alphasort)) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return IKE_EIO;
	}
	for (i = 0; i < n; i++) {
		if (e == IKE_OK)
			e = path_join(path, sizeof(path), dir, ents[i]->d_name,
			    err, errlen);
		if (e == IKE_OK)
			e = load_child(t, path, &ends, err, errlen);
		free(ents[i]);
	}
	free(ents);
	return e;
}

enum ike_err
keytab_load_statedir(struct keytab *t, const char *statedir, char *err,
    size_t errlen)
{
	struct dirent	**ents = NULL;
	struct stat	  st;
	char		  path[4096];
	enum ike_err	  e = IKE_OK;
	int		  n, i;

	if ((n = scandir(statedir, &ents, is_sa_dir, alphasort)) < 0) {
		snprintf(err, errlen, "%s: %s", statedir, strerror(errno));
		return IKE_EIO;
	}
	for (i = 0; i < n; i++) {
		if (e == IKE_OK)
			e = path_join(path, sizeof(path), statedir,
			    ents[i]->d_name, err, errlen);
		if (e == IKE_OK && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			e = load_sa_dir(t, path, err, errlen);
		free(ents[i]);
	}
	free(ents);
	return e;
}
