/* SPDX-License-Identifier: ISC */
/* Fuzzes the key table loaders (Wireshark UAT files, state directory) with a write/reload oracle. */
#include <sys/socket.h>
#include <sys/stat.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "keys/keys.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

enum { N_STATE_FILES = 3 };

/* One directory per process, made once and removed at exit. */
static char	 dir[64], in_path[128], out_path[128], sd[128], sa_dir[160];
static char	 state_paths[N_STATE_FILES][200];

static void
cleanup(void)
{
	size_t i;

	for (i = 0; i < N_STATE_FILES; i++)
		(void)unlink(state_paths[i]);
	(void)rmdir(sa_dir);
	(void)rmdir(sd);
	(void)unlink(in_path);
	(void)unlink(out_path);
	(void)rmdir(dir);
}

static void
init_dir(void)
{
	static const char *const names[N_STATE_FILES] = {
		"ike.sa", "child.a.sa", "child.b.sa",
	};
	size_t i;

	if (dir[0] != '\0')
		return;
	/* tmpfs if there is one: files per input are the cost here */
	snprintf(dir, sizeof(dir), "%s/fuzz_keys.%ld.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (long)getpid());
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(in_path, sizeof(in_path), "%s/in", dir);
	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	snprintf(sd, sizeof(sd), "%s/state", dir);
	snprintf(sa_dir, sizeof(sa_dir), "%s/sa", sd);
	FUZZ_CHECK(mkdir(sd, 0700) == 0 && mkdir(sa_dir, 0700) == 0);
	for (i = 0; i < N_STATE_FILES; i++)
		snprintf(state_paths[i], sizeof(state_paths[i]), "%s/%s",
		    sa_dir, names[i]);
	atexit(cleanup);
}

static void
write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "w");

	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(n == 0 || fwrite(p, 1, n, f) == n);
	FUZZ_CHECK(fclose(f) == 0);
}

static bool
ike_eq(const struct ike_sa_key *a, const struct ike_sa_key *b)
{
	return a->ispi == b->ispi && a->rspi == b->rspi &&
	    a->encr == b->encr && a->encr_keybits == b->encr_keybits &&
	    a->integ == b->integ && a->e_len == b->e_len &&
	    a->a_len == b->a_len &&
	    memcmp(a->sk_ei, b->sk_ei, a->e_len) == 0 &&
	    memcmp(a->sk_er, b->sk_er, a->e_len) == 0 &&
	    memcmp(a->sk_ai, b->sk_ai, a->a_len) == 0 &&
	    memcmp(a->sk_ar, b->sk_ar, a->a_len) == 0;
}

static bool
esp_eq(const struct esp_sa_key *a, const struct esp_sa_key *b)
{
	size_t alen = a->af == b->af && a->af == AF_INET6 ? 16 : 4;

	if (a->af != b->af || a->any_addr != b->any_addr ||
	    a->any_src != b->any_src || a->any_dst != b->any_dst ||
	    a->spi != b->spi || a->encr != b->encr ||
	    a->encr_keybits != b->encr_keybits || a->integ != b->integ ||
	    a->e_len != b->e_len || a->a_len != b->a_len ||
	    memcmp(a->ekey, b->ekey, a->e_len) != 0 ||
	    memcmp(a->akey, b->akey, a->a_len) != 0)
		return false;
	if (!a->any_src && memcmp(a->src, b->src, alen) != 0)
		return false;
	if (!a->any_dst && memcmp(a->dst, b->dst, alen) != 0)
		return false;
	return true;
}

/* reload_ike writes t's IKE entries in Wireshark's format and reads them
 * back: the same entries must come out. */
static void
reload_ike(const struct keytab *t)
{
	struct keytab	 t2;
	char		 err[512];
	FILE		*f;
	size_t		 i;
	bool		 ok = true;

	if (t->n_ike == 0)
		return;
	FUZZ_CHECK((f = fopen(out_path, "w")) != NULL);
	for (i = 0; i < t->n_ike && ok; i++)
		ok = keytab_write_ikev2(f, &t->ike[i]) == 0;
	FUZZ_CHECK(fclose(f) == 0);
	if (!ok)
		return;			/* an algorithm without a name */
	keytab_init(&t2);
	if (keytab_load_ikev2(&t2, out_path, err, sizeof(err)) != IKE_OK) {
		fprintf(stderr, "reload: %s\n", err);
		FUZZ_CHECK(!"written IKE keys do not load");
	}
	FUZZ_CHECK(t2.n_ike == t->n_ike);
	for (i = 0; i < t->n_ike; i++)
		FUZZ_CHECK(ike_eq(&t->ike[i], &t2.ike[i]));
	keytab_free(&t2);
}

static void
reload_esp(const struct keytab *t)
{
	struct keytab	 t2;
	char		 err[512];
	FILE		*f;
	size_t		 i;
	bool		 ok = true;

	if (t->n_esp == 0)
		return;
	FUZZ_CHECK((f = fopen(out_path, "w")) != NULL);
	for (i = 0; i < t->n_esp && ok; i++)
		ok = keytab_write_esp(f, &t->esp[i]) == 0;
	FUZZ_CHECK(fclose(f) == 0);
	if (!ok)
		return;
	keytab_init(&t2);
	if (keytab_load_esp(&t2, out_path, err, sizeof(err)) != IKE_OK) {
		fprintf(stderr, "reload: %s\n", err);
		FUZZ_CHECK(!"written ESP keys do not load");
	}
	FUZZ_CHECK(t2.n_esp == t->n_esp);
	for (i = 0; i < t->n_esp; i++)
		FUZZ_CHECK(esp_eq(&t->esp[i], &t2.esp[i]));
	keytab_free(&t2);
}

/* lookups finds every loaded entry again. */
static void
lookups(const struct keytab *t)
{
	size_t i;

	for (i = 0; i < t->n_ike; i++)
		FUZZ_CHECK(keytab_find_ike(t, t->ike[i].ispi,
		    t->ike[i].rspi) != NULL);
	for (i = 0; i < t->n_esp; i++)
		FUZZ_CHECK(keytab_find_esp(t, t->esp[i].spi, t->esp[i].af,
		    t->esp[i].src, t->esp[i].dst) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keytab	 t;
	char		 err[512];
	const uint8_t	*sep;
	size_t		 i, off = 0, n;
	bool		 more = true;

	init_dir();
	write_file(in_path, data, size);

	keytab_init(&t);
	err[0] = '\0';
	(void)keytab_load_ikev2(&t, in_path, err, sizeof(err));
	FUZZ_CHECK(t.n_esp == 0);
	lookups(&t);
	reload_ike(&t);
	keytab_free(&t);

	keytab_init(&t);
	(void)keytab_load_esp(&t, in_path, err, sizeof(err));
	FUZZ_CHECK(t.n_ike == 0);
	lookups(&t);
	reload_esp(&t);
	keytab_free(&t);

	/* ike.sa, child.a.sa, child.b.sa: the input split at NUL bytes */
	for (i = 0; i < N_STATE_FILES; i++) {
		if (!more) {
			(void)unlink(state_paths[i]);
			continue;
		}
		sep = memchr(data + off, '\0', size - off);
		n = sep == NULL ? size - off : (size_t)(sep - (data + off));
		write_file(state_paths[i], data + off, n);
		more = sep != NULL;
		off += n + (more ? 1 : 0);
	}
	keytab_init(&t);
	(void)keytab_load_statedir(&t, sd, err, sizeof(err));
	lookups(&t);
	keytab_free(&t);
	return 0;
}
