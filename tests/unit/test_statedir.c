/* SPDX-License-Identifier: ISC */
/* Tests of the state directory writer: modes, atomic replacement, locks, names, listing. */
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "keys/keys.h"
#include "names/ikev2.h"
#include "sa/statedir.h"
#include "test.h"

/* Each test works in its own mkdtemp directory, T.top, with the state
 * directory at T.state; tmp_done removes it all. */
struct tmp {
	char	top[64];
	char	state[96];
};

static void
tmp_make(struct tmp *t)
{
	snprintf(t->top, sizeof(t->top), "/tmp/test_statedir.XXXXXX");
	if (mkdtemp(t->top) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(t->state, sizeof(t->state), "%s/state", t->top);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	chmod(path, 0700);	/* for the read-only directory test */
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void
tmp_done(struct tmp *t)
{
	if (strncmp(t->top, "/tmp/test_statedir.", 19) == 0 &&
	    nftw(t->top, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "cannot remove %s\n", t->top);
}

/* RUN runs body(failed_, &t) in a fresh directory and removes it after,
 * whether or not an ASSERT returned early. */
#define RUN(body) do {							\
	struct tmp t_;							\
	tmp_make(&t_);							\
	body(failed_, &t_);						\
	tmp_done(&t_);							\
} while (0)

static int
mode_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -1;
	return (int)(st.st_mode & 07777);
}

/* slurp reads path into buf (cap bytes, NUL-terminated); -1 if missing. */
static ssize_t
slurp(const char *path, char *buf, size_t cap)
{
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* count_tmp counts the files of dir whose names hold ".tmp.". */
static int
count_tmp(const char *dir)
{
	struct dirent	*d;
	DIR		*dp;
	int		 n = 0;

	if ((dp = opendir(dir)) == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL)
		if (strstr(d->d_name, ".tmp.") != NULL)
			n++;
	closedir(dp);
	return n;
}

static int64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint8_t	 key_ei[36], key_er[36], key_in[36], key_out[36];

static void
fill(uint8_t *p, size_t n, uint8_t start)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

/* ike_sa builds an ike.sa as in ike-state(5) (AES-GCM-256, so no integrity
 * keys), with the given state. */
static void
ike_sa(struct kvbuf *b, const char *name, const char *state)
{
	fill(key_ei, sizeof(key_ei), 0x10);
	fill(key_er, sizeof(key_er), 0x80);
	kv_init(b);
	kv_u64(b, "version", 1);
	kv_str(b, "name", name);
	kv_str(b, "state", state);
	kv_str(b, "role", "initiator");
	kv_spi64(b, "ispi", 0x0123456789abcdefULL);
	kv_spi64(b, "rspi", 0x00000000000000feULL);
	kv_str(b, "local", "192.0.2.1:4500");
	kv_str(b, "remote", "192.0.2.2:4500");
	kv_str(b, "encr", "ENCR_AES_GCM_16");
	kv_u64(b, "encr_keybits", 256);
	kv_str(b, "integ", "AUTH_NONE");
	kv_str(b, "prf", "PRF_HMAC_SHA2_256");
	kv_str(b, "dh", "CURVE25519");
	kv_hex(b, "sk_d", key_ei, 32);
	kv_hex(b, "sk_ai", NULL, 0);
	kv_hex(b, "sk_ar", NULL, 0);
	kv_hex(b, "sk_ei", key_ei, sizeof(key_ei));
	kv_hex(b, "sk_er", key_er, sizeof(key_er));
	kv_hex(b, "sk_pi", key_er, 32);
	kv_hex(b, "sk_pr", key_ei, 32);
}

static void
child_sa(struct kvbuf *b)
{
	fill(key_in, sizeof(key_in), 0x40);
	fill(key_out, sizeof(key_out), 0xc0);
	kv_init(b);
	kv_u64(b, "version", 1);
	kv_str(b, "name", "net");
	kv_str(b, "ike", "site-b");
	kv_spi32(b, "spi_in", 0xc0ffee01);
	kv_spi32(b, "spi_out", 0x0000e4f5);
	kv_str(b, "encr", "ENCR_AES_GCM_16");
	kv_u64(b, "encr_keybits", 256);
	kv_str(b, "integ", "AUTH_NONE");
	kv_u64(b, "esn", 0);
	kv_hex(b, "key_in_e", key_in, sizeof(key_in));
	kv_hex(b, "key_in_a", NULL, 0);
	kv_hex(b, "key_out_e", key_out, sizeof(key_out));
	kv_hex(b, "key_out_a", NULL, 0);
	kv_str(b, "local_ts", "10.1.0.0/16");
	kv_str(b, "remote_ts", "10.2.0.0/16");
	kv_str(b, "mode", "tunnel");
	kv_str(b, "encap", "udp");
}

/* open_sa opens t->state (creating it) and locks SA name into l. */
static enum ike_err
open_sa(struct tmp *t, struct sd *sd, const char *name, struct sd_lock *l)
{
	enum ike_err e;

	if ((e = sd_open(sd, t->state, true)) != IKE_OK)
		return e;
	return sd_lock_sa(sd, name, true, l);
}

static void
modes_body(int *failed_, struct tmp *t)
{
	struct sd	sd;
	struct sd_lock	l;
	struct kvbuf	b;
	char		path[256];

	ASSERT_EQ(open_sa(t, &sd, "site-b", &l), IKE_OK);
	ASSERT_EQ(mode_of(t->state), 0700);
	snprintf(path, sizeof(path), "%s/site-b", t->state);
	ASSERT_EQ(mode_of(path), 0700);
	/* the lock is the directory's: no lock file */
	snprintf(path, sizeof(path), "%s/site-b/.lock", t->state);
	ASSERT(access(path, F_OK) != 0);
	ike_sa(&b, "site-b", "established");
	ASSERT_EQ(sd_write(&l, "ike.sa", &b), IKE_OK);
	kv_wipe(&b);
	ASSERT_EQ(b.len, 0);
	snprintf(path, sizeof(path), "%s/site-b/ike.sa", t->state);
	ASSERT_EQ(mode_of(path), 0600);
	snprintf(path, sizeof(path), "%s/site-b", t->state);
	ASSERT_EQ(count_tmp(path), 0);
	sd_unlock(&l);
	sd_unlock(&l);		/* idempotent */
	sd_close(&sd);
}

TEST(statedir_modes)
{
	mode_t old = umask(0);	/* our modes must not depend on the umask */

	RUN(modes_body);
	umask(old);
}

static void
roundtrip_body(int *failed_, struct tmp *t)
{
	struct sd			 sd;
	struct sd_lock			 l;
	struct kvbuf			 b;
	struct keytab			 kt;
	const struct ike_sa_key		*ik;
	const struct esp_sa_key		*in, *out;
	uint8_t				 a1[4] = { 192, 0, 2, 1 };
	uint8_t				 a2[4] = { 192, 0, 2, 2 };
	char				 err[256] = "";
	enum ike_err			 e;

	ASSERT_EQ(open_sa(t, &sd, "site-b", &l), IKE_OK);
	ike_sa(&b, "site-b", "established");
	ASSERT_EQ(b.err, IKE_OK);
	ASSERT_EQ(sd_write(&l, "ike.sa", &b), IKE_OK);
	child_sa(&b);
	ASSERT_EQ(sd_write(&l, "child.net.sa", &b), IKE_OK);
	kv_wipe(&b);
	sd_unlock(&l);
	sd_close(&sd);

	keytab_init(&kt);
	e = keytab_load_statedir(&kt, t->state, err, sizeof(err));
	if (e != IKE_OK)
		fprintf(stderr, "keytab_load_statedir: %s\n", err);
	ASSERT_EQ(e, IKE_OK);
	ASSERT_EQ(kt.n_ike, 1);
	ASSERT_EQ(kt.n_esp, 2);
	ik = keytab_find_ike(&kt, 0x0123456789abcdefULL, 0xfe);
	ASSERT(ik != NULL);
	ASSERT_EQ(ik->encr, IKEV2_ENCR_AES_GCM_16);
	ASSERT_EQ(ik->encr_keybits, 256);
	ASSERT_EQ(ik->e_len, 36);
	ASSERT_EQ(ik->a_len, 0);
	ASSERT_MEM(ik->sk_ei, key_ei, 36);
	ASSERT_MEM(ik->sk_er, key_er, 36);
	/* inbound: remote -> local with spi_in; outbound the other way */
	in = keytab_find_esp(&kt, 0xc0ffee01, AF_INET, a2, a1);
	out = keytab_find_esp(&kt, 0x0000e4f5, AF_INET, a1, a2);
	ASSERT(in != NULL && out != NULL);
	ASSERT_MEM(in->ekey, key_in, 36);
	ASSERT_MEM(out->ekey, key_out, 36);
	ASSERT_EQ(in->esn, false);
	keytab_free(&kt);
}

TEST(statedir_keys_reader_agrees)
{
	RUN(roundtrip_body);
}

static void
read_body(int *failed_, struct tmp *t)
{
	struct sd	 sd;
	struct sd_lock	 l;
	struct kvbuf	 b;
	char		 state[16], ispi[17], spi[11], tiny[4], path[256];
	struct sd_kv	 kv[] = {
		{ "state", state, sizeof(state), 0 },
		{ "ispi", ispi, sizeof(ispi), 0 },
		{ "nosuchkey", tiny, sizeof(tiny), 0 },
	};
	struct sd_kv	 kc[] = { { "spi_in", spi, sizeof(spi), 0 } };
	struct sd_kv	 ks[] = { { "name", tiny, sizeof(tiny), 0 } };
	int		 fd;

	ASSERT_EQ(open_sa(t, &sd, "site-b", &l), IKE_OK);
	ike_sa(&b, "site-b", "sa-init");
	ASSERT_EQ(sd_write(&l, "ike.sa", &b), IKE_OK);
	child_sa(&b);
	ASSERT_EQ(sd_write(&l, "child.net.sa", &b), IKE_OK);
	kv_wipe(&b);
	ASSERT_EQ(sd_read(&l, "ike.sa", kv, 3), IKE_OK);
	ASSERT(strcmp(state, "sa-init") == 0);
	ASSERT(strcmp(ispi, "0123456789abcdef") == 0);
	ASSERT(kv[0].line == 3 && kv[1].line == 5 && kv[2].line == 0);
	ASSERT_EQ(sd_read(&l, "child.net.sa", kc, 1), IKE_OK);
	ASSERT(strcmp(spi, "0xc0ffee01") == 0);
	/* a value longer than its buffer */
	ASSERT_EQ(sd_read(&l, "ike.sa", ks, 1), IKE_EINVAL);
	/* missing file, bad names */
	ASSERT_EQ(sd_read(&l, "child.x.sa", kc, 1), IKE_EIO);
	ASSERT_EQ(errno, ENOENT);
	ASSERT_EQ(sd_read(&l, "../site-b/ike.sa", kc, 1), IKE_EINVAL);

	/* hand-written files: blanks, comments, versions, duplicates */
	snprintf(path, sizeof(path), "%s/site-b/hand.sa", t->state);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT(fd >= 0);
	ASSERT(write(fd, "# c\n\n  version = 1 \r\n state= rekeyed\n", 37) ==
	    37);
	close(fd);
	ASSERT_EQ(sd_read(&l, "hand.sa", kv, 3), IKE_OK);
	ASSERT(strcmp(state, "rekeyed") == 0 && kv[0].line == 4);
	ASSERT_EQ(kv[1].line, 0);
	fd = open(path, O_WRONLY | O_TRUNC);
	ASSERT(write(fd, "version=2\nstate=x\n", 18) == 18);
	close(fd);
	ASSERT_EQ(sd_read(&l, "hand.sa", kv, 3), IKE_EUNSUPP);
	fd = open(path, O_WRONLY | O_TRUNC);
	ASSERT(write(fd, "state=x\n", 8) == 8);
	close(fd);
	ASSERT_EQ(sd_read(&l, "hand.sa", kv, 3), IKE_EINVAL);
	fd = open(path, O_WRONLY | O_TRUNC);
	ASSERT(write(fd, "version=1\nstate=x\nstate=y\n", 26) == 26);
	close(fd);
	ASSERT_EQ(sd_read(&l, "hand.sa", kv, 3), IKE_EINVAL);
	fd = open(path, O_WRONLY | O_TRUNC);
	ASSERT(write(fd, "version=1\nstate\n", 16) == 16);
	close(fd);
	ASSERT_EQ(sd_read(&l, "hand.sa", kv, 3), IKE_EINVAL);
	sd_unlock(&l);
	sd_close(&sd);
}

TEST(statedir_read)
{
	RUN(read_body);
}

TEST(statedir_kv_rules)
{
	struct kvbuf	b;
	size_t		i;

	kv_init(&b);
	kv_str(&b, "a_1", "x y");
	kv_spi32(&b, "s", 0xab);
	kv_spi64(&b, "t", 1);
	kv_u64(&b, "u", UINT64_MAX);
	kv_hex(&b, "h", (const uint8_t *)"\x00\xff\xA0", 3);
	kv_str(&b, "e", "");
	ASSERT_EQ(b.err, IKE_OK);
	ASSERT_EQ(b.len, strlen("a_1=x y\ns=0x000000ab\nt=0000000000000001\n"
	    "u=18446744073709551615\nh=00ffa0\ne=\n"));
	ASSERT_MEM(b.buf, "a_1=x y\ns=0x000000ab\nt=0000000000000001\n"
	    "u=18446744073709551615\nh=00ffa0\ne=\n", b.len);

	{
		static const char *const bad_keys[] = { "", "A", "a-b", "a b",
		    "a=b", "ab\n", "x23456789012345678901234567890123" };
		for (i = 0; i < sizeof(bad_keys) / sizeof(*bad_keys); i++) {
			kv_init(&b);
			kv_str(&b, bad_keys[i], "v");
			ASSERT_EQ(b.err, IKE_EINVAL);
			ASSERT_EQ(b.len, 0);
		}
	}
	{
		static const char *const bad_vals[] = { "a\nb", "a\rb", "\n",
		    " a", "a\t" };
		for (i = 0; i < sizeof(bad_vals) / sizeof(*bad_vals); i++) {
			kv_init(&b);
			kv_str(&b, "k", bad_vals[i]);
			ASSERT_EQ(b.err, IKE_EINVAL);
		}
	}
	/* duplicate keys, also one that prefixes another */
	kv_init(&b);
	kv_str(&b, "spi_in", "1");
	kv_str(&b, "spi", "2");
	ASSERT_EQ(b.err, IKE_OK);
	kv_u64(&b, "spi_in", 3);
	ASSERT_EQ(b.err, IKE_EINVAL);
	/* sticky: the first error stays and later calls do nothing */
	kv_str(&b, "ok", "v");
	ASSERT_EQ(b.err, IKE_EINVAL);
	ASSERT_EQ(b.len, strlen("spi_in=1\nspi=2\n"));
	/* overflow */
	kv_init(&b);
	for (i = 0; i < SD_KV_BUF && b.err == IKE_OK; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%zu", i);
		kv_hex(&b, k, (const uint8_t *)"0123456789abcdef", 16);
	}
	ASSERT_EQ(b.err, IKE_ETOOBIG);
	ASSERT(b.len < SD_KV_BUF);
}

/* atomic_body: whatever fails, ike.sa keeps its old bytes and no temp file
 * of ours stays. */
static void
atomic_body(int *failed_, struct tmp *t)
{
	struct sd	 sd;
	struct sd_lock	 l;
	struct kvbuf	 b;
	char		 path[512], dir[128], old[8192], now[8192], stale[512];
	ssize_t		 n_old, n;
	pid_t		 pid;
	int		 st, fd;

	ASSERT_EQ(open_sa(t, &sd, "s1", &l), IKE_OK);
	snprintf(dir, sizeof(dir), "%s/s1", t->state);
	snprintf(path, sizeof(path), "%s/ike.sa", dir);
	ike_sa(&b, "s1", "established");
	ASSERT_EQ(sd_write(&l, "ike.sa", &b), IKE_OK);
	n_old = slurp(path, old, sizeof(old));
	ASSERT(n_old > 0);

	/* a bad value: nothing is written at all */
	ike_sa(&b, "s1", "rekeyed\nstate=deleted");
	ASSERT_EQ(b.err, IKE_EINVAL);
	ASSERT_EQ(sd_write(&l, "ike.sa", &b), IKE_EINVAL);
	n = slurp(path, now, sizeof(now));
	ASSERT(n == n_old && memcmp(now, old, (size_t)n) == 0);
	ASSERT_EQ(count_tmp(dir), 0);

	/* bad file names are never paths */
	ike_sa(&b, "s1", "rekeyed");
	ASSERT_EQ(sd_write(&l, "../ike.sa", &b), IKE_EINVAL);
	ASSERT_EQ(sd_write(&l, "a/b", &b), IKE_EINVAL);
	ASSERT_EQ(sd_write(&l, ".lock", &b), IKE_EINVAL);
	ASSERT_EQ(sd_write(&l, "", &b), IKE_EINVAL);

	/* the write itself fails (file size limit): temp removed, old kept */
	fflush(NULL);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 100, 100 };

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		_exit(sd_write(&l, "ike.sa", &b) == IKE_EIO && errno == EFBIG ?
		    0 : 1);
	}
	ASSERT(waitpid(pid, &st, 0) == pid);
	ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	n = slurp(path, now, sizeof(now));
	ASSERT(n == n_old && memcmp(now, old, (size_t)n) == 0);
	ASSERT_EQ(count_tmp(dir), 0);

	/* a read-only directory (root ignores the mode: not testable there) */
	if (geteuid() != 0) {
		ASSERT(chmod(dir, 0500) == 0);
		ASSERT_EQ(sd_write(&l, "ike.sa", &b), IKE_EIO);
		ASSERT_EQ(errno, EACCES);
		ASSERT(chmod(dir, 0700) == 0);
		n = slurp(path, now, sizeof(now));
		ASSERT(n == n_old && memcmp(now, old, (size_t)n) == 0);
		ASSERT_EQ(count_tmp(dir), 0);
	}

	/* a crash between temp write and rename: another pid's temp file
	 * stays untouched, the real file is intact and the next write works */
	snprintf(stale, sizeof(stale), "%s/ike.sa.tmp.12345", dir);
	fd = open(stale, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ASSERT(fd >= 0);
	ASSERT(write(fd, "version=1\nstate=half", 20) == 20);
	close(fd);
	n = slurp(path, now, sizeof(now));
	ASSERT(n == n_old && memcmp(now, old, (size_t)n) == 0);
	ASSERT_EQ(sd_write(&l, "ike.sa", &b), IKE_OK);
	n = slurp(path, now, sizeof(now));
	ASSERT(n > 0 && strstr(now, "\nstate=rekeyed\n") != NULL);
	n = slurp(stale, now, sizeof(now));
	ASSERT(n == 20 && memcmp(now, "version=1\nstate=half", 20) == 0);
	ASSERT_EQ(count_tmp(dir), 1);
	/* a temp file with our own pid can only be left over: replaced */
	snprintf(stale, sizeof(stale), "%s/ike.sa.tmp.%ld", dir,
	    (long)getpid());
	fd = open(stale, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ASSERT(fd >= 0);
	close(fd);
	ike_sa(&b, "s1", "deleted");
	ASSERT_EQ(sd_write(&l, "ike.sa", &b), IKE_OK);
	ASSERT(access(stale, F_OK) != 0);
	ASSERT_EQ(mode_of(path), 0600);
	n = slurp(path, now, sizeof(now));
	ASSERT(n > 0 && strstr(now, "\nstate=deleted\n") != NULL);
	ASSERT_EQ(count_tmp(dir), 1);
	kv_wipe(&b);
	sd_unlock(&l);
	sd_close(&sd);
}

TEST(statedir_atomic)
{
	RUN(atomic_body);
}

static void
lock_body(int *failed_, struct tmp *t)
{
	struct sd	 sd;
	struct sd_lock	 l, l2;
	int		 p[2], st, fd;
	int64_t		 t0, dt;
	pid_t		 pid;
	char		 c, path[256];

	ASSERT_EQ(sd_open(&sd, t->state, true), IKE_OK);
	/* not contended: a zero timeout takes it at once */
	ASSERT_EQ(sd_lock_sa_timeout(&sd, "x", true, 0, &l), IKE_OK);
	sd_unlock(&l);
	/* without create a missing SA is ENOENT */
	ASSERT_EQ(sd_lock_sa(&sd, "nosuch", false, &l), IKE_EIO);
	ASSERT_EQ(errno, ENOENT);
	ASSERT_EQ(l.dirfd, -1);

	ASSERT(pipe(p) == 0);
	fflush(NULL);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		struct sd	 csd;
		struct sd_lock	 cl;

		close(p[0]);
		if (sd_open(&csd, t->state, false) != IKE_OK ||
		    sd_lock_sa(&csd, "x", false, &cl) != IKE_OK)
			_exit(1);
		if (write(p[1], "L", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	ASSERT(read(p[0], &c, 1) == 1);
	close(p[0]);

	t0 = ms_now();
	ASSERT_EQ(sd_lock_sa_timeout(&sd, "x", true, 100, &l), IKE_EIO);
	ASSERT_EQ(errno, EWOULDBLOCK);
	dt = ms_now() - t0;
	ASSERT(dt >= 90 && dt <= 300);
	ASSERT_EQ(l.dirfd, -1);
	ASSERT_EQ(sd_lock_sa_timeout(&sd, "x", true, 0, &l), IKE_EIO);
	/* the holder is killed with -9: the kernel drops its lock */
	ASSERT(kill(pid, SIGKILL) == 0);
	ASSERT(waitpid(pid, &st, 0) == pid);
	ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	t0 = ms_now();
	ASSERT_EQ(sd_lock_sa_timeout(&sd, "x", true, 1000, &l), IKE_OK);
	ASSERT(ms_now() - t0 < 100);
	/* one process, two opens: flock serialises those too */
	ASSERT_EQ(sd_lock_sa_timeout(&sd, "x", true, 20, &l2), IKE_EIO);
	sd_unlock(&l);
	ASSERT_EQ(sd_lock_sa_timeout(&sd, "x", true, 20, &l2), IKE_OK);
	sd_unlock(&l2);
	/* a script's flock(1) on the SA directory is the same lock */
	snprintf(path, sizeof(path), "%s/x", t->state);
	ASSERT((fd = open(path, O_RDONLY | O_DIRECTORY)) >= 0);
	ASSERT(flock(fd, LOCK_EX) == 0);
	ASSERT_EQ(sd_lock_sa_timeout(&sd, "x", false, 20, &l), IKE_EIO);
	ASSERT_EQ(errno, EWOULDBLOCK);
	close(fd);
	ASSERT_EQ(sd_lock_sa_timeout(&sd, "x", false, 20, &l), IKE_OK);
	sd_unlock(&l);
	sd_close(&sd);
}

TEST(statedir_lock)
{
	RUN(lock_body);
}

/* sd_hold: one holder at a time (even in one process: flock is per open
 * file), a dot file of the SA created 0600, released on close. */
static void
hold_body(int *failed_, struct tmp *t)
{
	struct sd	 sd;
	struct sd_lock	 l;
	struct stat	 st;
	int		 a, b;

	ASSERT_EQ(open_sa(t, &sd, "site-b", &l), IKE_OK);
	ASSERT(!sd_held(l.dirfd, ".esp-tun"));
	ASSERT((a = sd_hold(l.dirfd, ".esp-tun", 0)) >= 0);
	ASSERT(fstatat(l.dirfd, ".esp-tun", &st, 0) == 0);
	ASSERT_EQ(st.st_mode & 07777, 0600);
	ASSERT(sd_held(l.dirfd, ".esp-tun"));
	ASSERT_EQ(sd_hold(l.dirfd, ".esp-tun", 50), -1);
	ASSERT_EQ(errno, EWOULDBLOCK);
	ASSERT_EQ(sd_hold(l.dirfd, "../x", 0), -1);
	ASSERT_EQ(errno, EINVAL);
	close(a);
	ASSERT(!sd_held(l.dirfd, ".esp-tun"));
	ASSERT((b = sd_hold(l.dirfd, ".esp-tun", 0)) >= 0);
	close(b);
	sd_unlock(&l);
	sd_close(&sd);
}

TEST(statedir_hold)
{
	RUN(hold_body);
}

static void
names_body(int *failed_, struct tmp *t)
{
	static const char *const bad[] = { "../x", ".hidden", "", "a/b", "..",
	    ".", "x y", "é",
	    "12345678901234567890123456789012345678901234567890123456789012345",
	};
	struct sd	 sd;
	struct sd_lock	 l;
	size_t		 i;
	char		 path[256];

	ASSERT(sd_name_ok("a"));
	ASSERT(sd_name_ok("site-b.v2_x"));
	ASSERT(sd_name_ok("0123456789abcdef-fedcba9876543210"));
	ASSERT(sd_name_ok(
	    "1234567890123456789012345678901234567890123456789012345678901234"));
	ASSERT(!sd_name_ok(NULL));
	ASSERT_EQ(sd_open(&sd, t->state, true), IKE_OK);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ASSERT(!sd_name_ok(bad[i]));
		ASSERT_EQ(sd_lock_sa(&sd, bad[i], true, &l), IKE_EINVAL);
		ASSERT_EQ(errno, EINVAL);
		ASSERT_EQ(sd_remove_sa(&sd, bad[i]), IKE_EINVAL);
	}
	/* nothing was made outside or inside the state directory */
	snprintf(path, sizeof(path), "%s/x", t->top);
	ASSERT(access(path, F_OK) != 0);
	snprintf(path, sizeof(path), "%s/a", t->state);
	ASSERT(access(path, F_OK) != 0);
	sd_close(&sd);
}

TEST(statedir_names)
{
	RUN(names_body);
}

static void
refuse_body(int *failed_, struct tmp *t)
{
	struct sd	 sd;
	struct sd_lock	 l;
	char		 path[256];

	ASSERT_EQ(sd_open(&sd, t->state, false), IKE_EIO);
	ASSERT_EQ(errno, ENOENT);
	ASSERT_EQ(sd.fd, -1);
	ASSERT(mkdir(t->state, 0700) == 0);
	ASSERT(chmod(t->state, 0770) == 0);
	ASSERT_EQ(sd_open(&sd, t->state, true), IKE_EIO);
	ASSERT_EQ(errno, EPERM);
	ASSERT(strstr(sd.why, "writable by group or others (mode 0770)") !=
	    NULL);
	ASSERT(chmod(t->state, 0702) == 0);
	ASSERT_EQ(sd_open(&sd, t->state, false), IKE_EIO);
	ASSERT(chmod(t->state, 0755) == 0);	/* readable is fine */
	ASSERT_EQ(sd_open(&sd, t->state, false), IKE_OK);
	/* a group-writable SA directory is refused too */
	snprintf(path, sizeof(path), "%s/sa", t->state);
	ASSERT(mkdir(path, 0700) == 0 && chmod(path, 0770) == 0);
	ASSERT_EQ(sd_lock_sa(&sd, "sa", false, &l), IKE_EIO);
	ASSERT_EQ(errno, EPERM);
	/* a symlink is not an SA directory */
	snprintf(path, sizeof(path), "%s/ln", t->state);
	ASSERT(symlink(t->top, path) == 0);
	ASSERT_EQ(sd_lock_sa(&sd, "ln", true, &l), IKE_EIO);
	sd_close(&sd);
	/* owned by someone else (we can only give it away as root) */
	if (geteuid() == 0) {
		ASSERT(chmod(t->state, 0700) == 0);
		ASSERT(chown(t->state, 65534, 65534) == 0);
		ASSERT_EQ(sd_open(&sd, t->state, false), IKE_EIO);
		ASSERT_EQ(errno, EPERM);
		ASSERT(strstr(sd.why, "owned by uid 65534") != NULL);
	}
}

TEST(statedir_refuse_unsafe)
{
	RUN(refuse_body);
}

struct names {
	char	buf[256];
	int	n, stop;
};

static int
collect(const char *name, void *arg)
{
	struct names *c = arg;

	strcat(c->buf, name);
	strcat(c->buf, " ");
	return ++c->n == c->stop;
}

static void
list_body(int *failed_, struct tmp *t)
{
	static const char *const sas[] = { "b", "a-1", "C", "a", "0x" };
	struct sd	 sd;
	struct sd_lock	 l;
	struct kvbuf	 b;
	struct names	 c;
	char		 path[256];
	size_t		 i;

	ASSERT_EQ(sd_open(&sd, t->state, true), IKE_OK);
	memset(&c, 0, sizeof(c));
	ASSERT_EQ(sd_list(&sd, collect, &c), IKE_OK);
	ASSERT_EQ(c.n, 0);
	for (i = 0; i < sizeof(sas) / sizeof(*sas); i++) {
		ASSERT_EQ(sd_lock_sa(&sd, sas[i], true, &l), IKE_OK);
		ike_sa(&b, sas[i], "established");
		ASSERT_EQ(sd_write(&l, "ike.sa", &b), IKE_OK);
		sd_unlock(&l);
	}
	/* not SAs: no ike.sa, a hidden directory, a plain file */
	ASSERT_EQ(sd_lock_sa(&sd, "nosa", true, &l), IKE_OK);
	sd_unlock(&l);
	snprintf(path, sizeof(path), "%s/.hidden", t->state);
	ASSERT(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/.hidden/ike.sa", t->state);
	ASSERT(close(open(path, O_WRONLY | O_CREAT, 0600)) == 0);
	snprintf(path, sizeof(path), "%s/file", t->state);
	ASSERT(close(open(path, O_WRONLY | O_CREAT, 0600)) == 0);
	memset(&c, 0, sizeof(c));
	ASSERT_EQ(sd_list(&sd, collect, &c), IKE_OK);
	ASSERT(strcmp(c.buf, "0x C a a-1 b ") == 0);
	memset(&c, 0, sizeof(c));
	c.stop = 2;
	ASSERT_EQ(sd_list(&sd, collect, &c), IKE_OK);
	ASSERT(strcmp(c.buf, "0x C ") == 0);

	/* remove a file, then whole SAs */
	ASSERT_EQ(sd_lock_sa(&sd, "a", false, &l), IKE_OK);
	child_sa(&b);
	ASSERT_EQ(sd_write(&l, "child.net.sa", &b), IKE_OK);
	ASSERT_EQ(sd_remove(&l, "child.net.sa"), IKE_OK);
	ASSERT_EQ(sd_remove(&l, "child.net.sa"), IKE_EIO);
	ASSERT_EQ(errno, ENOENT);
	ASSERT_EQ(sd_remove(&l, "../file"), IKE_EINVAL);
	ASSERT_EQ(sd_write(&l, "child.net.sa", &b), IKE_OK);
	kv_wipe(&b);
	sd_unlock(&l);
	ASSERT_EQ(sd_remove_sa(&sd, "a"), IKE_OK);
	ASSERT_EQ(sd_remove_sa(&sd, "nosa"), IKE_OK);
	ASSERT_EQ(sd_remove_sa(&sd, "a"), IKE_EIO);
	ASSERT_EQ(errno, ENOENT);
	snprintf(path, sizeof(path), "%s/a", t->state);
	ASSERT(access(path, F_OK) != 0);
	memset(&c, 0, sizeof(c));
	ASSERT_EQ(sd_list(&sd, collect, &c), IKE_OK);
	ASSERT(strcmp(c.buf, "0x C a-1 b ") == 0);
	/* nothing left behind but the other SAs, .hidden and file */
	{
		DIR		*dp = opendir(t->state);
		struct dirent	*d;
		int		 n = 0;

		ASSERT(dp != NULL);
		while ((d = readdir(dp)) != NULL)
			if (strncmp(d->d_name, ".del.", 5) == 0 ||
			    strcmp(d->d_name, "nosa") == 0)
				n++;
		closedir(dp);
		ASSERT_EQ(n, 0);
	}
	sd_close(&sd);
}

TEST(statedir_list_remove)
{
	RUN(list_body);
}

/* default_dir_child runs the non-root cases; exit 0 when they pass. */
static int
default_dir_child(void)
{
	char out[256];

	unsetenv("IKE_STATE_DIR");
	setenv("XDG_RUNTIME_DIR", "/run/user/65534", 1);
	if (sd_default_dir(out, sizeof(out)) != IKE_OK ||
	    strcmp(out, "/run/user/65534/ikekit") != 0)
		return 1;
	unsetenv("XDG_RUNTIME_DIR");
	if (sd_default_dir(out, sizeof(out)) != IKE_EINVAL)
		return 2;
	setenv("XDG_RUNTIME_DIR", "", 1);
	if (sd_default_dir(out, sizeof(out)) != IKE_EINVAL)
		return 3;
	setenv("IKE_STATE_DIR", "/x", 1);
	if (sd_default_dir(out, sizeof(out)) != IKE_OK ||
	    strcmp(out, "/x") != 0)
		return 4;
	return 0;
}

TEST(statedir_default_dir)
{
	char	 out[256], *saved_ike, *saved_xdg;
	pid_t	 pid;
	int	 st;

	saved_ike = getenv("IKE_STATE_DIR");
	saved_ike = saved_ike ? strdup(saved_ike) : NULL;
	saved_xdg = getenv("XDG_RUNTIME_DIR");
	saved_xdg = saved_xdg ? strdup(saved_xdg) : NULL;

	setenv("IKE_STATE_DIR", "/srv/ike state", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	ASSERT_EQ(sd_default_dir(out, sizeof(out)), IKE_OK);
	ASSERT(strcmp(out, "/srv/ike state") == 0);
	ASSERT_EQ(sd_default_dir(out, 5), IKE_ETOOBIG);
	unsetenv("IKE_STATE_DIR");
	ASSERT_EQ(sd_default_dir(out, sizeof(out)), IKE_OK);
	if (geteuid() == 0)
		ASSERT(strcmp(out, "/run/ikekit") == 0);
	else
		ASSERT(strcmp(out, "/run/user/1000/ikekit") == 0);

	/* the non-root rules: as root in a child that drops to nobody */
	fflush(NULL);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && setuid(65534) != 0)
			_exit(9);
		_exit(default_dir_child());
	}
	ASSERT(waitpid(pid, &st, 0) == pid);
	ASSERT(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);

	if (saved_ike != NULL)
		setenv("IKE_STATE_DIR", saved_ike, 1);
	if (saved_xdg != NULL)
		setenv("XDG_RUNTIME_DIR", saved_xdg, 1);
	else
		unsetenv("XDG_RUNTIME_DIR");
	free(saved_ike);
	free(saved_xdg);
}

/* exists tells whether file is in SA directory sa of t. */
static bool
exists(const struct tmp *t, const char *sa, const char *file)
{
	char	 path[256];

	snprintf(path, sizeof(path), "%s/%s/%s", t->state, sa, file);
	return access(path, F_OK) == 0;
}

static void
touch(const struct tmp *t, const char *sa, const char *file)
{
	char	 path[256];
	int	 fd;

	snprintf(path, sizeof(path), "%s/%s/%s", t->state, sa, file);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0)
		close(fd);
}

/* sd_sweep, and sd_write once per lock: the temp files of writers that
 * are gone go; those of live processes (ours, pid 1) and names that are
 * not FILE.tmp.PID stay. */
static void
sweep_body(int *failed_, struct tmp *t)
{
	struct sd	 sd;
	struct sd_lock	 l;
	struct kvbuf	 b;
	char		 dead[64], dead2[64], mine[64];
	pid_t		 pid;
	int		 st;

	ASSERT_EQ(sd_open(&sd, t->state, true), IKE_OK);
	ASSERT_EQ(sd_lock_sa(&sd, "x", true, &l), IKE_OK);
	sd_unlock(&l);
	/* a dead PID: a child of ours, reaped */
	fflush(NULL);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0)
		_exit(0);
	ASSERT(waitpid(pid, &st, 0) == pid);
	ASSERT(kill(pid, 0) != 0 && errno == ESRCH);
	snprintf(dead, sizeof(dead), "ike.sa.tmp.%ld", (long)pid);
	snprintf(dead2, sizeof(dead2), "child.a.stats.tmp.%ld", (long)pid);
	snprintf(mine, sizeof(mine), "child.b.sa.tmp.%ld", (long)getpid());
	touch(t, "x", dead);
	touch(t, "x", mine);
	touch(t, "x", "child.a.sa.tmp.1");
	touch(t, "x", "notes.tmp.12x");
	touch(t, "x", ".tmp.99999999");
	touch(t, "x", "ike.sa.tmp.0");

	ASSERT_EQ(sd_lock_sa(&sd, "x", false, &l), IKE_OK);
	/* the lock alone sweeps nothing (state-check counts leftovers) */
	ASSERT(exists(t, "x", dead));
	kv_init(&b);
	kv_str(&b, "version", "1");
	ASSERT_EQ(sd_write(&l, "ike.sa", &b), IKE_OK);
	ASSERT(!exists(t, "x", dead));
	ASSERT(exists(t, "x", mine));
	ASSERT(exists(t, "x", "child.a.sa.tmp.1"));
	ASSERT(exists(t, "x", "notes.tmp.12x"));
	ASSERT(exists(t, "x", ".tmp.99999999"));
	ASSERT(exists(t, "x", "ike.sa.tmp.0"));
	ASSERT(exists(t, "x", "ike.sa"));
	/* once per lock: a second write does not look again */
	touch(t, "x", dead2);
	ASSERT_EQ(sd_write(&l, "ike.sa", &b), IKE_OK);
	ASSERT(exists(t, "x", dead2));
	ASSERT_EQ(sd_sweep(&l), 1);
	ASSERT(!exists(t, "x", dead2));
	ASSERT_EQ(sd_sweep(&l), 0);
	sd_unlock(&l);
	/* the next lock's first write sweeps again */
	touch(t, "x", dead2);
	ASSERT_EQ(sd_lock_sa(&sd, "x", false, &l), IKE_OK);
	ASSERT_EQ(sd_write(&l, "ike.sa", &b), IKE_OK);
	ASSERT(!exists(t, "x", dead2));
	ASSERT(exists(t, "x", mine));
	sd_unlock(&l);
	ASSERT_EQ(sd_sweep(&l), -1);
	sd_close(&sd);
}

TEST(statedir_sweep)
{
	RUN(sweep_body);
}

/* dead_pid forks a child that exits at once and reaps it: a PID that is
 * no process (until reused). */
static pid_t
dead_pid(void)
{
	pid_t	 pid;
	int	 st;

	fflush(NULL);
	if ((pid = fork()) == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return pid;
}

/* sd_create_sa: the SA appears whole with its files, 0600 in a 0700
 * directory, locks and removes like any other; a name taken is EEXIST
 * with the old SA untouched; bad names and failed buffers leave nothing;
 * sd_sweep_hidden removes the hidden directories of dead makers and
 * removers only. */
static void
create_body(int *failed_, struct tmp *t)
{
	struct sd		 sd;
	struct sd_lock		 l;
	struct kvbuf		 ike, child, bad;
	struct stat		 st;
	const char		*files[2] = { "ike.sa", "child.net.sa" };
	const struct kvbuf	*bufs[2] = { &ike, &child };
	char			 path[256], val[16], dead[64], dead2[64],
				 mine[64];
	struct sd_kv		 kv[] = { { "state", val, sizeof(val), 0 } };
	pid_t			 pid;

	ASSERT_EQ(sd_open(&sd, t->state, true), IKE_OK);
	sd.nosync = false;		/* the fsync path too */
	kv_init(&ike);
	ike_sa(&ike, "n1", "established");
	kv_init(&child);
	child_sa(&child);
	ASSERT_EQ(sd_create_sa(&sd, "n1", files, bufs, 2), IKE_OK);
	snprintf(path, sizeof(path), "%s/n1", t->state);
	ASSERT(stat(path, &st) == 0 && (st.st_mode & 07777) == 0700);
	snprintf(path, sizeof(path), "%s/n1/child.net.sa", t->state);
	ASSERT(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	ASSERT_EQ(sd_lock_sa(&sd, "n1", false, &l), IKE_OK);
	ASSERT_EQ(sd_read(&l, "ike.sa", kv, 1), IKE_OK);
	ASSERT(kv[0].line != 0 && strcmp(val, "established") == 0);
	ASSERT_EQ(sd_read(&l, "child.net.sa", kv, 1), IKE_OK);
	sd_unlock(&l);

	/* taken: EEXIST, the SA as it was */
	kv_init(&ike);
	ike_sa(&ike, "n1", "connecting");
	ASSERT_EQ(sd_create_sa(&sd, "n1", files, bufs, 1), IKE_EIO);
	ASSERT_EQ(errno, EEXIST);
	ASSERT_EQ(sd_lock_sa(&sd, "n1", false, &l), IKE_OK);
	ASSERT_EQ(sd_read(&l, "ike.sa", kv, 1), IKE_OK);
	ASSERT(strcmp(val, "established") == 0);
	sd_unlock(&l);

	/* refused before anything is made */
	ASSERT_EQ(sd_create_sa(&sd, ".n2", files, bufs, 1), IKE_EINVAL);
	files[1] = ".lock";
	ASSERT_EQ(sd_create_sa(&sd, "n2", files, bufs, 2), IKE_EINVAL);
	files[1] = "../x";
	ASSERT_EQ(sd_create_sa(&sd, "n2", files, bufs, 2), IKE_EINVAL);
	files[1] = "child.net.sa";
	kv_init(&bad);
	bad.err = IKE_ETOOBIG;
	bufs[1] = &bad;
	ASSERT_EQ(sd_create_sa(&sd, "n2", files, bufs, 2), IKE_ETOOBIG);
	/* a file given twice fails at its second create: nothing is left */
	files[1] = "ike.sa";
	bufs[1] = &ike;
	ASSERT_EQ(sd_create_sa(&sd, "n2", files, bufs, 2), IKE_EIO);
	ASSERT_EQ(errno, EEXIST);
	snprintf(path, sizeof(path), "%s/n2", t->state);
	ASSERT(access(path, F_OK) != 0);
	snprintf(path, sizeof(path), "%s/.new.n2.%ld", t->state,
	    (long)getpid());
	ASSERT(access(path, F_OK) != 0);

	/* removal as for any SA */
	ASSERT_EQ(sd_remove_sa(&sd, "n1"), IKE_OK);
	snprintf(path, sizeof(path), "%s/n1", t->state);
	ASSERT(access(path, F_OK) != 0);

	/* leftovers of killed makers and removers */
	ASSERT((pid = dead_pid()) > 0);
	snprintf(dead, sizeof(dead), ".new.a.%ld", (long)pid);
	snprintf(dead2, sizeof(dead2), ".del.b.c.%ld", (long)pid);
	snprintf(mine, sizeof(mine), ".new.c.%ld", (long)getpid());
	const char *keep[] = { mine, ".new.d.1", ".new.e", ".del.", "f" };
	const char *go[] = { dead, dead2 };
	for (size_t i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s", t->state, keep[i]);
		ASSERT(mkdir(path, 0700) == 0);
	}
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", t->state, go[i]);
		ASSERT(mkdir(path, 0700) == 0);
		touch(t, go[i], "ike.sa");
		touch(t, go[i], ".lock");
	}
	ASSERT_EQ(sd_sweep_hidden(&sd), 2);
	for (size_t i = 0; i < 2; i++)
		ASSERT(!exists(t, go[i], "."));
	for (size_t i = 0; i < 5; i++)
		ASSERT(exists(t, keep[i], "."));
	ASSERT_EQ(sd_sweep_hidden(&sd), 0);
	kv_wipe(&ike);
	kv_wipe(&child);
	sd_close(&sd);
	ASSERT_EQ(sd_sweep_hidden(&sd), -1);
}

TEST(statedir_create)
{
	RUN(create_body);
}
