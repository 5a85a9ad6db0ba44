/* SPDX-License-Identifier: ISC */
/*
 * state-check: validate a state directory (ike-state(5)) as the programs
 * would read it, for the crash tests (tests/interop/crash-safety.bats).
 *
 *   state-check [-s] DIR
 *
 * For every SA directory: mode 0700 and ours; ike.sa loads with ike_sa_load;
 * the Child SA it names (child=) exists; every child.NAME.sa parses as
 * esp-tun reads it (selectors, transforms, keys that fit them) and belongs
 * to this IKE SA (ike=, name=); every child.NAME.stats parses as esp-tun
 * reads it (seq_out, counters); files are mode 0600. A directory without
 * ike.sa (readers skip it) must hold no Child SA file. Each SA is checked
 * under its lock, so the files are seen as one writer left them.
 *
 * Each problem is one line "state-check: FILE: why" on stderr, and the exit
 * status is 1. What the format allows a killed writer to leave (FILE.tmp.PID,
 * .del.* and .new.* directories, sockets, a stats file whose Child SA is gone) is
 * reported as "state-check: FILE: leftover: why" on stdout and, unless -s,
 * is not a failure. Exit 2: usage or the directory cannot be opened.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/esp.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "sa/kvget.h"
#include "exchange/xchg.h"

enum {
	LOCK_MS		= 5000,
	VAL_MAX		= 1100,
	FILES_MAX	= 256,
};

static int	 n_bad, n_left;
static bool	 strict;

static void __attribute__((format(printf, 2, 3)))
bad(const char *file, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "state-check: %s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	n_bad++;
}

static void __attribute__((format(printf, 2, 3)))
leftover(const char *file, const char *fmt, ...)
{
	va_list	 ap;

	printf("state-check: %s: leftover: ", file);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	n_left++;
}

static bool
ends_with(const char *s, const char *end)
{
	size_t	 n = strlen(s), m = strlen(end);

	return n >= m && strcmp(s + n - m, end) == 0;
}

/* child_name puts NAME of "child.NAME.<ext>" in out; false if s is not one. */
static bool
child_name(const char *s, const char *ext, char *out, size_t cap)
{
	size_t	 n = strlen(s), m = strlen(ext);

	if (n <= 6 + m || strncmp(s, "child.", 6) != 0 || !ends_with(s, ext) ||
	    n - 6 - m >= cap)
		return false;
	memcpy(out, s + 6, n - 6 - m);
	out[n - 6 - m] = '\0';
	return sd_name_ok(out);
}

/* tmp_pid returns the PID of "FILE.tmp.PID", 0 if name is not one. */
static long
tmp_pid(const char *name)
{
	const char	*p = strstr(name, ".tmp.");
	char		*end;
	long		 pid;

	if (p == NULL || p[5] == '\0')
		return 0;
	pid = strtol(p + 5, &end, 10);
	return *end == '\0' && pid > 0 ? pid : 0;
}

/* check_mode: files 0600 and directories 0700 at most, and ours. */
static void
check_mode(const char *path, const struct stat *st)
{
	if (st->st_uid != geteuid())
		bad(path, "owned by uid %ju, not by us", (uintmax_t)st->st_uid);
	if ((st->st_mode & 077) != 0)
		bad(path, "mode %04o: group or others have access",
		    (unsigned)(st->st_mode & 07777));
}

static const char *const child_keys[] = {
	"name", "ike", "spi_in", "spi_out", "encr", "encr_keybits", "integ",
	"esn", "key_in_e", "key_in_a", "key_out_e", "key_out_a", "local_ts",
	"remote_ts", "mode", "encap", "ready", "created", "lifetime_secs",
	"lifetime_bytes", "lifetime_packets", "soft_secs", "soft_bytes",
	"soft_packets",
};
enum { N_CHILD = sizeof(child_keys) / sizeof(child_keys[0]) };

/* why returns err without its leading "path: " (bad() prints the path). */
static const char *
why(const char *err, const char *path)
{
	size_t	 n = strlen(path);

	return strncmp(err, path, n) == 0 && err[n] == ':' && err[n + 1] == ' ' ?
	    err + n + 2 : err;
}

/* sd_err writes sd_read's error e as text. */
static const char *
sd_err(enum ike_err e)
{
	return e == IKE_EIO ? strerror(errno) : e == IKE_EUNSUPP ?
	    "format version not supported (only 1)" : e == IKE_EINVAL ?
	    "malformed (a line without '=', a repeated or too long value, "
	    "or no version)" : ike_strerror(e);
}

/* check_child parses child.NAME.sa of l as esp-tun does; its SPI in *spi. */
static void
check_child(struct sd_lock *l, const char *file, const char *name,
    uint32_t *spi)
{
	static char	 vals[N_CHILD][VAL_MAX];
	static const char *const modes[] = { "tunnel", NULL };
	static const char *const encaps[] = { "none", "udp", NULL };
	static const char *const yesno[] = { "no", "yes", NULL };
	struct sd_kv	 kv[N_CHILD];
	struct kvget	 g;
	struct ts_pld	 ts;
	struct esp_sa	 in, out;
	uint8_t		 ein[ENCR_KEY_MAX_LEN], eout[ENCR_KEY_MAX_LEN];
	uint8_t		 ain[INTEG_KEY_MAX_LEN], aout[INTEG_KEY_MAX_LEN];
	size_t		 ein_len = 0, eout_len = 0, ain_len = 0, aout_len = 0;
	char		 path[SD_NAME_MAX + SD_FILE_MAX + 2], err[512];
	const char	*s = NULL, *ike = NULL;
	uint64_t	 bits = 0, esn = 0, v;
	uint32_t	 spi_out = 0;
	uint16_t	 encr = 0, integ = 0;
	int		 w = 0;
	size_t		 i;
	enum ike_err	 e;

	for (i = 0; i < N_CHILD; i++)
		kv[i] = (struct sd_kv){ child_keys[i], vals[i], VAL_MAX, 0 };
	snprintf(path, sizeof(path), "%s/%s", l->name, file);
	g = (struct kvget){ path, kv, N_CHILD, err, sizeof(err) };
	err[0] = '\0';
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	if ((e = sd_read(l, file, kv, N_CHILD)) != IKE_OK) {
		bad(path, "%s", sd_err(e));
		return;
	}
	if ((e = kvg_str(&g, "name", false, &s)) != IKE_OK ||
	    (e = kvg_str(&g, "ike", false, &ike)) != IKE_OK ||
	    (e = kvg_spi32(&g, "spi_in", spi)) != IKE_OK ||
	    (e = kvg_spi32(&g, "spi_out", &spi_out)) != IKE_OK ||
	    (e = kvg_xform(&g, "encr", IKEV2_XFORM_ENCR, &encr)) != IKE_OK ||
	    (e = kvg_u64(&g, "encr_keybits", true, 512, &bits)) != IKE_OK ||
	    (e = kvg_xform(&g, "integ", IKEV2_XFORM_INTEG, &integ)) != IKE_OK ||
	    (e = kvg_u64(&g, "esn", true, 1, &esn)) != IKE_OK ||
	    (e = kvg_word(&g, "mode", modes, &w)) != IKE_OK ||
	    (e = kvg_word(&g, "encap", encaps, &w)) != IKE_OK ||
	    (kvg_find(&g, "ready") != NULL &&
	    (e = kvg_word(&g, "ready", yesno, &w)) != IKE_OK) ||
	    (e = kvg_ts(&g, "local_ts", &ts)) != IKE_OK ||
	    (e = kvg_ts(&g, "remote_ts", &ts)) != IKE_OK)
		goto out;
	for (i = N_CHILD - 7; i < N_CHILD; i++)	/* created, lifetimes */
		if ((e = kvg_u64(&g, child_keys[i], true, UINT64_MAX, &v)) !=
		    IKE_OK)
			goto out;
	if (strcmp(s, name) != 0) {
		snprintf(err, sizeof(err), "%s: name=%.64s, not %s", path, s,
		    name);
		e = IKE_EINVAL;
		goto out;
	}
	if (strcmp(ike, l->name) != 0) {
		snprintf(err, sizeof(err), "%s: ike=%.64s, not its directory's "
		    "name", path, ike);
		e = IKE_EINVAL;
		goto out;
	}
	if ((e = kvg_hex(&g, "key_in_e", ein, sizeof(ein), &ein_len)) != IKE_OK ||
	    (e = kvg_hex(&g, "key_out_e", eout, sizeof(eout), &eout_len)) != IKE_OK ||
	    (e = kvg_hex(&g, "key_in_a", ain, sizeof(ain), &ain_len)) != IKE_OK ||
	    (e = kvg_hex(&g, "key_out_a", aout, sizeof(aout), &aout_len)) != IKE_OK)
		goto out;
	if (esp_sa_init(&in, *spi, encr, (uint16_t)bits, integ, ein, ein_len,
	    ain, ain_len, esn == 1) != IKE_OK ||
	    esp_sa_init(&out, spi_out, encr, (uint16_t)bits, integ, eout,
	    eout_len, aout, aout_len, esn == 1) != IKE_OK) {
		snprintf(err, sizeof(err), "%s: the keys do not fit the "
		    "transforms", path);
		e = IKE_EINVAL;
	}
out:
	if (e != IKE_OK)
		bad(path, "%s", why(err, path));
	esp_sa_free(&in);
	esp_sa_free(&out);
	wipe(vals, sizeof(vals));
	wipe(ein, sizeof(ein));
	wipe(eout, sizeof(eout));
	wipe(ain, sizeof(ain));
	wipe(aout, sizeof(aout));
}

/* check_stats parses child.NAME.stats as esp-tun does; a stats file left
 * by a Child SA that is gone (none of that name, or another SPI) is what
 * ike-rekey or a killed writer leaves, and readers ignore it. */
static void
check_stats(struct sd_lock *l, const char *file, bool have_child,
    uint32_t child_spi)
{
	static const char *const keys[] = {
		"name", "ike", "spi_in", "spi_out", "seq_out", "in_packets",
		"in_bytes", "out_packets", "out_bytes", "drop_replay",
		"drop_integ", "drop_spi", "drop_policy", "drop_nosa",
		"drop_malformed", "drop_seq", "drop_expired", "pid",
	};
	enum { N = sizeof(keys) / sizeof(keys[0]) };
	char		 vals[N][80], path[SD_NAME_MAX + SD_FILE_MAX + 2];
	char		 err[256];
	struct sd_kv	 kv[N];
	struct kvget	 g;
	uint64_t	 v;
	uint32_t	 spi = 0;
	size_t		 i;
	enum ike_err	 e;

	for (i = 0; i < N; i++)
		kv[i] = (struct sd_kv){ keys[i], vals[i], sizeof(vals[i]), 0 };
	snprintf(path, sizeof(path), "%s/%s", l->name, file);
	g = (struct kvget){ path, kv, N, err, sizeof(err) };
	if ((e = sd_read(l, file, kv, N)) != IKE_OK) {
		bad(path, "%s", sd_err(e));
		return;
	}
	e = kvg_spi32(&g, "spi_in", &spi);
	if (e == IKE_OK)
		e = kvg_spi32(&g, "spi_out", &spi);
	if (e == IKE_OK)
		e = kvg_u64(&g, "seq_out", false, UINT64_MAX, &v);
	for (i = 5; e == IKE_OK && i < N; i++)
		e = kvg_u64(&g, keys[i], true, UINT64_MAX, &v);
	if (e != IKE_OK) {
		bad(path, "%s", why(err, path));
		return;
	}
	(void)kvg_spi32(&g, "spi_in", &spi);
	if (!have_child)
		leftover(path, "counters of a Child SA that is gone");
	else if (spi != child_spi)
		leftover(path, "counters of an older Child SA of that name");
}

/* The files of one SA directory, as readdir gave them. */
struct files {
	char	*name[FILES_MAX];
	size_t	 n;
};

static void
files_free(struct files *f)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		free(f->name[i]);
	f->n = 0;
}

/* list reads dir's entries (not . and ..) into f; false on error. */
static bool
list(int dirfd, const char *path, struct files *f)
{
	struct dirent	*d;
	DIR		*dir;
	int		 fd;

	f->n = 0;
	if ((fd = dup(dirfd)) < 0 || (dir = fdopendir(fd)) == NULL) {
		bad(path, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (f->n == FILES_MAX) {
			bad(path, "more than %d entries", FILES_MAX);
			break;
		}
		if ((f->name[f->n] = strdup(d->d_name)) == NULL) {
			bad(path, "%s", strerror(errno));
			break;
		}
		f->n++;
	}
	closedir(dir);
	return true;
}

/* check_files checks modes and leftovers of l's directory; has_ike: it
 * holds ike.sa (else it must hold no Child SA file). */
static void
check_files(struct sd_lock *l, const struct files *f, bool has_ike)
{
	struct stat	 st;
	char		 path[SD_NAME_MAX + SD_FILE_MAX + 2], name[SD_FILE_MAX];
	const char	*fn;
	long		 pid;
	size_t		 i;

	for (i = 0; i < f->n; i++) {
		fn = f->name[i];
		snprintf(path, sizeof(path), "%s/%s", l->name, fn);
		if (fstatat(l->dirfd, fn, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			bad(path, "%s", strerror(errno));
			continue;
		}
		if (S_ISSOCK(st.st_mode)) {
			/* bound by esp-tun or ike-rekey; a killed one leaves
			 * it, and the next unlinks it before binding */
			leftover(path, "socket");
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			bad(path, "not a regular file");
			continue;
		}
		check_mode(path, &st);
		if ((pid = tmp_pid(fn)) != 0) {
			leftover(path, "temporary file of %s pid %ld", kill(
			    (pid_t)pid, 0) == 0 ? "running" : "dead", pid);
			continue;
		}
		if (!has_ike && (child_name(fn, ".sa", name, sizeof(name)) ||
		    child_name(fn, ".stats", name, sizeof(name))))
			bad(path, "a Child SA file without ike.sa");
	}
}

/* check_sa checks SA directory sa of sd under its lock. */
static void
check_sa(struct sd *sd, const char *sa)
{
	struct sd_lock	 l;
	struct ike_sa	 ike;
	struct ike_sa_file ikf;
	struct files	 f;
	struct stat	 st;
	char		 err[512], name[SD_FILE_MAX], path[SD_NAME_MAX + 80];
	uint32_t	 spi[FILES_MAX];
	bool		 has_ike = false, named = false;
	size_t		 i, j;

	if (sd_lock_sa_timeout(sd, sa, false, LOCK_MS, &l) != IKE_OK) {
		bad(sa, "%s", errno == EWOULDBLOCK ? "its lock is held" :
		    strerror(errno));
		return;
	}
	if (fstat(l.dirfd, &st) == 0)
		check_mode(sa, &st);
	if (!list(l.dirfd, sa, &f)) {
		sd_unlock(&l);
		return;
	}
	for (i = 0; i < f.n; i++)
		has_ike |= strcmp(f.name[i], "ike.sa") == 0;
	check_files(&l, &f, has_ike);
	if (!has_ike)
		goto done;
	if (ike_sa_load(&l, &ike, &ikf, err, sizeof(err)) != IKE_OK) {
		snprintf(path, sizeof(path), "%s/ike.sa", sa);
		bad(path, "%s", why(err, path));
	} else if (strcmp(ikf.name, sa) != 0) {
		snprintf(path, sizeof(path), "%s/ike.sa", sa);
		bad(path, "name=%s, not its directory's name", ikf.name);
	}
	ike_sa_wipe(&ike);
	for (i = 0; i < f.n; i++) {
		spi[i] = 0;
		if (!child_name(f.name[i], ".sa", name, sizeof(name)))
			continue;
		named |= strcmp(name, ikf.child) == 0;
		check_child(&l, f.name[i], name, &spi[i]);
	}
	if (ikf.child[0] != '\0' && !named) {
		snprintf(path, sizeof(path), "%s/ike.sa", sa);
		bad(path, "child=%s: no such Child SA file", ikf.child);
	}
	for (i = 0; i < f.n; i++) {
		if (!child_name(f.name[i], ".stats", name, sizeof(name)))
			continue;
		snprintf(path, sizeof(path), "child.%s.sa", name);
		for (j = 0; j < f.n && strcmp(f.name[j], path) != 0; j++)
			;
		check_stats(&l, f.name[i], j < f.n, j < f.n ? spi[j] : 0);
	}
done:
	files_free(&f);
	sd_unlock(&l);
}

int
main(int argc, char *argv[])
{
	struct sd	 sd;
	struct files	 f;
	struct stat	 st;
	const char	*fn;
	size_t		 i;
	int		 c;

	while ((c = getopt(argc, argv, "s")) != -1) {
		if (c != 's')
			goto usage;
		strict = true;
	}
	if (optind != argc - 1)
		goto usage;
	if (!crypto_init()) {
		fprintf(stderr, "state-check: cannot initialise libsodium\n");
		return 2;
	}
	if (sd_open(&sd, argv[optind], false) != IKE_OK) {
		fprintf(stderr, "state-check: %s: %s\n", argv[optind],
		    sd.why[0] ? sd.why : strerror(errno));
		return 2;
	}
	if (fstat(sd.fd, &st) == 0)
		check_mode(argv[optind], &st);
	if (list(sd.fd, argv[optind], &f)) {
		for (i = 0; i < f.n; i++) {
			fn = f.name[i];
			if (fstatat(sd.fd, fn, &st, AT_SYMLINK_NOFOLLOW) != 0) {
				bad(fn, "%s", strerror(errno));
				continue;
			}
			if (strncmp(fn, ".del.", 5) == 0 && S_ISDIR(st.st_mode))
				leftover(fn, "an SA being removed");
			else if (strncmp(fn, ".new.", 5) == 0 &&
			    S_ISDIR(st.st_mode))
				leftover(fn, "an SA being made");
			else if (fn[0] == '.' && S_ISREG(st.st_mode))
				check_mode(fn, &st);	/* .ike-respond.lock */
			else if (fn[0] == '.')
				bad(fn, "not a regular file");
			else if (!S_ISDIR(st.st_mode) || !sd_name_ok(fn))
				bad(fn, "not an SA directory");
			else
				check_sa(&sd, fn);
		}
		files_free(&f);
	}
	sd_close(&sd);
	fflush(stdout);
	return n_bad > 0 || (strict && n_left > 0) ? 1 : 0;
usage:
	fprintf(stderr, "usage: state-check [-s] dir\n");
	return 2;
}
