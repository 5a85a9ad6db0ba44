/* SPDX-License-Identifier: ISC */
/* Writing the state directory (ike-state(5)): SA directories, locks, atomic file replacement. */
#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "crypto/secret.h"
#include "sa/statedir.h"

enum {
	LOCK_POLL_MS	= 10,		/* sd_lock_sa_timeout retries this often */
	REMOVE_TRIES	= 8,		/* remove_dir: rmdir raced by a writer */
};

static pid_t	 pid_cached;

static void
pid_forget(void)
{
	pid_cached = 0;
}

/* self_pid is getpid(), a system call each time, for the names of our
 * temporary files: a child of fork() asks again. */
static long
self_pid(void)
{
	static bool	 hooked;

	if (!hooked)
		hooked = pthread_atfork(NULL, NULL, pid_forget) == 0;
	if (pid_cached == 0 || !hooked)
		pid_cached = getpid();
	return (long)pid_cached;
}

/* einval sets errno and returns IKE_EINVAL. */
static enum ike_err
einval(void)
{
	errno = EINVAL;
	return IKE_EINVAL;
}

static bool
name_chars_ok(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= max)
			return false;
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	}
	return i > 0 && s[0] != '.';
}

bool
sd_name_ok(const char *name)
{
	return name != NULL && name_chars_ok(name, SD_NAME_MAX);
}

/* file_ok: a file name in an SA directory; the SA name rules, longer. */
static bool
file_ok(const char *file)
{
	return file != NULL && name_chars_ok(file, SD_FILE_MAX);
}

enum ike_err
sd_default_dir(char *out, size_t n)
{
	const char	*s;
	int		 r;

	if ((s = getenv("IKE_STATE_DIR")) != NULL && s[0] != '\0')
		r = snprintf(out, n, "%s", s);
	else if (geteuid() == 0)
		r = snprintf(out, n, "/run/ikekit");
	else if ((s = getenv("XDG_RUNTIME_DIR")) != NULL && s[0] != '\0')
		r = snprintf(out, n, "%s/ikekit", s);
	else
		return einval();
	if (r < 0 || (size_t)r >= n) {
		errno = ENAMETOOLONG;
		return IKE_ETOOBIG;
	}
	return IKE_OK;
}

/* dir_safe checks that st is a directory owned by uid that only its owner
 * may write; otherwise it writes why (if not NULL) and returns IKE_EIO,
 * errno EPERM. */
static enum ike_err
dir_safe(const struct stat *st, uid_t uid, char *why, size_t why_len)
{
	if (!S_ISDIR(st->st_mode)) {
		errno = ENOTDIR;
		return IKE_EIO;
	}
	if (st->st_uid != uid) {
		if (why != NULL)
			snprintf(why, why_len, "owned by uid %ju, not by us "
			    "(uid %ju)", (uintmax_t)st->st_uid,
			    (uintmax_t)uid);
		errno = EPERM;
		return IKE_EIO;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		if (why != NULL)
			snprintf(why, why_len, "writable by group or others "
			    "(mode %04o); chmod 700 it",
			    (unsigned)(st->st_mode & 07777));
		errno = EPERM;
		return IKE_EIO;
	}
	return IKE_OK;
}

enum ike_err
sd_open(struct sd *out, const char *statedir, bool create)
{
	struct stat	st;
	enum ike_err	e = IKE_EIO;
	int		saved;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (statedir == NULL || statedir[0] == '\0')
		return einval();
	if (create && mkdir(statedir, 0700) != 0 && errno != EEXIST)
		return IKE_EIO;
	if ((out->fd = open(statedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return IKE_EIO;
	if (fstat(out->fd, &st) == 0 && (e = dir_safe(&st, geteuid(),
	    out->why, sizeof(out->why))) == IKE_OK) {
		out->uid = st.st_uid;
		return IKE_OK;
	}
	saved = errno;
	close(out->fd);
	out->fd = -1;
	errno = saved;
	return e;
}

void
sd_close(struct sd *sd)
{
	if (sd->fd >= 0)
		close(sd->fd);
	sd->fd = -1;
}

enum ike_err
sd_sync(struct sd *sd)
{
	if (sd->fd < 0) {
		errno = EBADF;
		return IKE_EIO;
	}
	return syncfs(sd->fd) == 0 ? IKE_OK : IKE_EIO;
}

void
sd_unlock(struct sd_lock *l)
{
	/* closing the last descriptor of the open file releases the flock */
	if (l->dirfd >= 0)
		close(l->dirfd);
	l->dirfd = -1;
}

/* flock_wait takes an exclusive flock on fd within ms (see sd_lock_sa_timeout). */
static enum ike_err
flock_wait(int fd, int ms)
{
	struct timespec	 nap = { 0, LOCK_POLL_MS * 1000000L };
	int64_t		 end = mono_ms() + (ms > 0 ? ms : 0);

	if (ms < 0) {
		while (flock(fd, LOCK_EX) != 0)
			if (errno != EINTR)
				return IKE_EIO;
		return IKE_OK;
	}
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return IKE_OK;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return IKE_EIO;
		if (mono_ms() >= end)
			break;
		nanosleep(&nap, NULL);
	}
	errno = EWOULDBLOCK;
	return IKE_EIO;
}

/* still_current tells whether the locked SA directory, whose status is a,
 * is the one the name leads to now: sd_remove_sa may have moved it away
 * while we waited. */
static bool
still_current(const struct sd *sd, const struct sd_lock *l,
    const struct stat *a)
{
	struct stat	b;

	if (fstatat(sd->fd, l->name, &b, AT_SYMLINK_NOFOLLOW) != 0)
		return false;
	return a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

int
sd_hold(int dirfd, const char *file, int ms)
{
	int	 fd, saved;

	/* lock files are dot files: a name, never a path */
	if (file[0] == '\0' || strchr(file, '/') != NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = openat(dirfd, file, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0)
		return -1;
	if (flock_wait(fd, ms) != IKE_OK) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

bool
sd_held(int dirfd, const char *file)
{
	int	 fd;
	bool	 held;

	if ((fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return false;
	held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

enum ike_err
sd_lock_sa_timeout(struct sd *sd, const char *sa_name, bool create, int ms,
    struct sd_lock *out)
{
	struct stat	 st;
	int64_t		 start = mono_ms();
	int		 left = ms, saved;
	enum ike_err	 e;

	out->dirfd = -1;
	if (!sd_name_ok(sa_name))
		return einval();
	if (sd->fd < 0) {
		errno = EBADF;
		return IKE_EIO;
	}
	memcpy(out->name, sa_name, strlen(sa_name) + 1);
	out->nosync = sd->nosync;
	out->swept = false;
	for (;;) {
		if (create && mkdirat(sd->fd, sa_name, 0700) != 0 &&
		    errno != EEXIST)
			return IKE_EIO;
		if ((out->dirfd = openat(sd->fd, sa_name, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			return IKE_EIO;
		if (ms >= 0) {
			left = ms - (int)(mono_ms() - start);
			if (left < 0)
				left = 0;
		}
		/* the lock is the directory's own flock: no lock file to
		 * open, to check, or to remove with the SA */
		if ((e = flock_wait(out->dirfd, left)) != IKE_OK)
			goto fail;
		e = IKE_EIO;
		if (fstat(out->dirfd, &st) != 0 ||
		    (e = dir_safe(&st, sd->uid, NULL, 0)) != IKE_OK)
			goto fail;
		if (still_current(sd, out, &st))
			return IKE_OK;
		/* removed while we waited: start again (or find it gone) */
		sd_unlock(out);
	}
fail:
	saved = errno;
	sd_unlock(out);
	errno = saved;
	return e;
}

enum ike_err
sd_lock_sa(struct sd *sd, const char *sa_name, bool create,
    struct sd_lock *out)
{
	return sd_lock_sa_timeout(sd, sa_name, create, -1, out);
}

/* write_all writes n bytes to fd, retrying short writes. */
static bool
write_all(int fd, const char *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		if ((r = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += r;
		n -= (size_t)r;
	}
	return true;
}

static bool
held(const struct sd_lock *l)
{
	if (l->dirfd < 0) {
		errno = EBADF;
		return false;
	}
	return true;
}

/* tmp_dead returns whether name is "FILE.tmp.PID" of a process that is
 * no more. */
static bool
tmp_dead(const char *name)
{
	const char	*p = strstr(name, ".tmp."), *q;
	long		 pid = 0;

	if (p == NULL || p == name)
		return false;
	for (q = p + 5; *q >= '0' && *q <= '9' && pid < 1L << 30; q++)
		pid = pid * 10 + (*q - '0');
	if (q == p + 5 || *q != '\0' || pid <= 0 || pid >= 1L << 30 ||
	    pid == self_pid())
		return false;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int
sd_sweep(struct sd_lock *l)
{
	struct dirent	*d;
	DIR		*dir;
	int		 fd, saved = errno, n = 0;

	if (!held(l))
		return -1;
	l->swept = true;
	if ((fd = dup(l->dirfd)) < 0)
		return -1;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(dir);
	while ((d = readdir(dir)) != NULL)
		if (tmp_dead(d->d_name) &&
		    unlinkat(l->dirfd, d->d_name, 0) == 0)
			n++;
	closedir(dir);
	errno = saved;
	return n;
}

enum ike_err
sd_write(struct sd_lock *l, const char *file, const struct kvbuf *b)
{
	char	tmp[SD_FILE_MAX + 32];
	int	fd, saved, tries;

	if (!file_ok(file))
		return einval();
	if (b->err != IKE_OK) {
		errno = b->err == IKE_EINVAL ? EINVAL : EFBIG;
		return b->err;
	}
	if (!held(l))
		return IKE_EIO;
	/* a writer killed between its create and its rename left its temp
	 * file: once per lock, before we leave ours */
	if (!l->swept)
		(void)sd_sweep(l);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", file, self_pid());
	for (tries = 0;; tries++) {
		fd = openat(l->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST || tries > 0)
			break;
		/* We hold the lock and this is our pid: it is left over by
		 * an earlier process with our pid that died mid-write. */
		if (unlinkat(l->dirfd, tmp, 0) != 0)
			return IKE_EIO;
	}
	if (fd < 0)
		return IKE_EIO;
	if (!write_all(fd, b->buf, b->len) || (!l->nosync && fsync(fd) != 0))
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(l->dirfd, tmp, l->dirfd, file) != 0)
		goto fail;
	/* the rename is durable only once the directory is */
	if (!l->nosync && fsync(l->dirfd) != 0)
		return IKE_EIO;
	return IKE_OK;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(l->dirfd, tmp, 0);
	errno = saved;
	return IKE_EIO;
}

/* read_small reads all of file (at most SD_READ_MAX - 1 bytes) into a
 * malloc'd NUL-terminated buffer of SD_READ_MAX bytes. */
static enum ike_err
read_small(int dirfd, const char *file, char **out, size_t *out_len)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 r = 0;
	int	 fd, saved;

	if ((fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return IKE_EIO;
	if ((buf = malloc(SD_READ_MAX)) == NULL) {
		close(fd);
		return IKE_ENOMEM;
	}
	for (;;) {
		r = read(fd, buf + len, SD_READ_MAX - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == SD_READ_MAX - 1)
			break;
	}
	saved = errno;
	close(fd);
	if (r < 0 || len == SD_READ_MAX - 1) {
		wipe(buf, SD_READ_MAX);
		free(buf);
		errno = r < 0 ? saved : EFBIG;
		return r < 0 ? IKE_EIO : IKE_ETOOBIG;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return IKE_OK;
}

/* trim strips blanks at both ends of s in place. */
static char *
trim(char *s)
{
	size_t n;

	while (isblank((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isblank((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* parse_lines splits buf into key=value lines as common/keys/statedir.c does
 * (ike-state(5) "File syntax") and fills kv; version is checked by the
 * caller from the "version" value saved in ver. */
static enum ike_err
parse_lines(char *buf, struct sd_kv *kv, size_t n_kv, char *ver,
    size_t ver_cap, unsigned *ver_line)
{
	char		*line, *next, *eq, *k, *v;
	unsigned	 lineno = 0;
	size_t		 i;

	for (line = buf; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((eq = strchr(line, '\r')) != NULL && eq[1] == '\0')
			*eq = '\0';
		k = trim(line);
		if (k[0] == '\0' || k[0] == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL)
			return einval();
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if (strcmp(k, "version") == 0) {
			if (*ver_line != 0 || strlen(v) >= ver_cap)
				return einval();
			memcpy(ver, v, strlen(v) + 1);
			*ver_line = lineno;
		}
		for (i = 0; i < n_kv; i++) {
			if (strcmp(k, kv[i].key) != 0)
				continue;
			if (kv[i].line != 0 || strlen(v) >= kv[i].cap)
				return einval();
			memcpy(kv[i].val, v, strlen(v) + 1);
			kv[i].line = lineno;
		}
	}
	return IKE_OK;
}

enum ike_err
sd_read(struct sd_lock *l, const char *file, struct sd_kv *kv, size_t n_kv)
{
	char		*buf = NULL, ver[16];
	size_t		 len, i;
	unsigned	 ver_line = 0;
	enum ike_err	 e;

	for (i = 0; i < n_kv; i++) {
		kv[i].line = 0;
		if (kv[i].cap > 0)
			kv[i].val[0] = '\0';
	}
	if (!file_ok(file))
		return einval();
	if (!held(l))
		return IKE_EIO;
	if ((e = read_small(l->dirfd, file, &buf, &len)) != IKE_OK)
		return e;
	e = parse_lines(buf, kv, n_kv, ver, sizeof(ver), &ver_line);
	wipe(buf, len);
	free(buf);
	if (e == IKE_OK && ver_line == 0)
		e = einval();
	else if (e == IKE_OK && strcmp(ver, "1") != 0) {
		errno = EINVAL;
		e = IKE_EUNSUPP;
	}
	if (e != IKE_OK)
		for (i = 0; i < n_kv; i++)
			if (kv[i].line != 0)
				wipe(kv[i].val, kv[i].cap);
	return e;
}

/* line_key copies the key of line (n bytes, no newline) to key; false for
 * a blank line, a comment or a line without '='. */
static bool
line_key(const char *line, size_t n, char *key, size_t cap)
{
	const char	*eq = memchr(line, '=', n), *k = line, *end;

	while (k < line + n && isblank((unsigned char)*k))
		k++;
	if (eq == NULL || *k == '#')
		return false;
	for (end = eq; end > k && isblank((unsigned char)end[-1]);)
		end--;
	if ((size_t)(end - k) >= cap)
		return false;
	memcpy(key, k, (size_t)(end - k));
	key[end - k] = '\0';
	return true;
}

static bool
listed(const char *const *keys, const char *key)
{
	for (; keys != NULL && *keys != NULL; keys++)
		if (strcmp(*keys, key) == 0)
			return true;
	return false;
}

enum ike_err
sd_update(struct sd_lock *l, const char *file, const struct kvbuf *changes,
    const char *const *drop)
{
	struct kvbuf	*b;
	char		*buf = NULL, *line, *nl, key[SD_KEY_MAX + 1];
	size_t		 len, n;
	enum ike_err	 e;

	if (!file_ok(file))
		return einval();
	if (changes->err != IKE_OK)
		return changes->err;
	if (!held(l))
		return IKE_EIO;
	if ((b = malloc(sizeof(*b))) == NULL)
		return IKE_ENOMEM;
	if ((e = read_small(l->dirfd, file, &buf, &len)) != IKE_OK) {
		free(b);
		return e;
	}
	kv_init(b);
	for (line = buf; *line != '\0'; line = nl) {
		nl = strchr(line, '\n');
		n = nl != NULL ? (size_t)(nl - line) : strlen(line);
		nl = nl != NULL ? nl + 1 : line + n;
		if (line_key(line, n, key, sizeof(key)) &&
		    (kv_has(changes, key) || listed(drop, key)))
			continue;
		if (b->len + n + 1 > sizeof(b->buf)) {
			b->err = IKE_ETOOBIG;
			break;
		}
		memcpy(b->buf + b->len, line, n);
		b->len += n;
		b->buf[b->len++] = '\n';
	}
	if (b->err == IKE_OK && b->len + changes->len > sizeof(b->buf))
		b->err = IKE_ETOOBIG;
	if (b->err == IKE_OK) {
		memcpy(b->buf + b->len, changes->buf, changes->len);
		b->len += changes->len;
	}
	e = sd_write(l, file, b);
	wipe(buf, len);
	free(buf);
	kv_wipe(b);
	free(b);
	return e;
}

enum ike_err
sd_remove(struct sd_lock *l, const char *file)
{
	if (!file_ok(file))
		return einval();
	if (!held(l))
		return IKE_EIO;
	if (unlinkat(l->dirfd, file, 0) != 0 ||
	    (!l->nosync && fsync(l->dirfd) != 0))
		return IKE_EIO;
	return IKE_OK;
}

/* remove_dir removes directory name of parent, open as dirfd, with its
 * files. It reads dirfd itself (getdents64: no DIR stream, no dup), and a
 * read that leaves room for another entry is the last; a file that read
 * missed, or that a writer made meanwhile, fails the rmdir and the listing
 * starts again. One of the costs of every Delete ike-respond answers. */
static enum ike_err
remove_dir(int parent, const char *name, int dirfd)
{
	union {
		char		 b[4096];
		struct dirent64	 align;
	}			 u;
	struct dirent64		*d;
	ssize_t			 n, at;
	int			 tries;

	for (tries = 0; tries < REMOVE_TRIES; tries++) {
		if (tries > 0 && lseek(dirfd, 0, SEEK_SET) != 0)
			return IKE_EIO;
		while ((n = getdents64(dirfd, u.b, sizeof(u.b))) > 0) {
			for (at = 0; at < n; at += d->d_reclen) {
				d = (struct dirent64 *)(void *)(u.b + at);
				if (strcmp(d->d_name, ".") == 0 ||
				    strcmp(d->d_name, "..") == 0)
					continue;
				if (unlinkat(dirfd, d->d_name, 0) != 0 &&
				    errno != ENOENT)
					return IKE_EIO;
			}
			if ((size_t)n + sizeof(*d) + NAME_MAX < sizeof(u.b))
				break;
		}
		if (n < 0)
			return IKE_EIO;
		if (unlinkat(parent, name, AT_REMOVEDIR) == 0)
			return IKE_OK;
		if (errno != ENOTEMPTY && errno != EEXIST)
			return IKE_EIO;
	}
	return IKE_EIO;
}

enum ike_err
sd_remove_sa(struct sd *sd, const char *sa_name)
{
	struct sd_lock	 l;
	char		 hidden[SD_NAME_MAX + 32];
	enum ike_err	 e;
	int		 saved;

	if ((e = sd_lock_sa(sd, sa_name, false, &l)) != IKE_OK)
		return e;
	/* Move it out of sight first: waiters for the lock see that the name
	 * no longer leads to their directory, and readers skip dot names. */
	snprintf(hidden, sizeof(hidden), ".del.%s.%ld", sa_name,
	    self_pid());
	if (renameat(sd->fd, sa_name, sd->fd, hidden) != 0 ||
	    (!sd->nosync && fsync(sd->fd) != 0)) {
		saved = errno;
		sd_unlock(&l);
		errno = saved;
		return IKE_EIO;
	}
	e = remove_dir(sd->fd, hidden, l.dirfd);
	saved = errno;
	sd_unlock(&l);
	if (e == IKE_OK && !sd->nosync && fsync(sd->fd) != 0)
		return IKE_EIO;
	errno = saved;
	return e;
}

/* sync_dir fsyncs directory name of parent. */
static bool
sync_dir(int parent, const char *name)
{
	int	 fd, saved;
	bool	 ok;

	if ((fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return false;
	ok = fsync(fd) == 0;
	saved = errno;
	close(fd);
	errno = saved;
	return ok;
}

/* remove_hidden empties and removes directory name of sd (a ".new." or
 * ".del." one), keeping errno. */
static void
remove_hidden(struct sd *sd, const char *name)
{
	int	 fd, saved = errno;

	if ((fd = openat(sd->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) >= 0) {
		(void)remove_dir(sd->fd, name, fd);
		close(fd);
	}
	errno = saved;
}

enum ike_err
sd_create_sa(struct sd *sd, const char *sa_name, const char *const *files,
    const struct kvbuf *const *bufs, size_t n)
{
	char	 hidden[SD_NAME_MAX + 32], path[sizeof(hidden) + SD_FILE_MAX];
	int	 fd = -1;
	size_t	 i;

	if (!sd_name_ok(sa_name))
		return einval();
	for (i = 0; i < n; i++) {
		if (!file_ok(files[i]))
			return einval();
		if (bufs[i]->err != IKE_OK) {
			errno = bufs[i]->err == IKE_EINVAL ? EINVAL : EFBIG;
			return bufs[i]->err;
		}
	}
	if (sd->fd < 0) {
		errno = EBADF;
		return IKE_EIO;
	}
	/* built out of sight, then renamed in whole: a reader or a locker
	 * finds no SA or all of it, and a new SA costs no lock and no
	 * per-file rename; its files are opened by path, which saves
	 * opening the directory */
	snprintf(hidden, sizeof(hidden), ".new.%s.%ld", sa_name,
	    self_pid());
	if (mkdirat(sd->fd, hidden, 0700) != 0) {
		if (errno != EEXIST)	/* else left by a dead namesake */
			return IKE_EIO;
		remove_hidden(sd, hidden);
		if (mkdirat(sd->fd, hidden, 0700) != 0)
			return IKE_EIO;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", hidden, files[i]);
		if ((fd = openat(sd->fd, path, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 ||
		    !write_all(fd, bufs[i]->buf, bufs[i]->len) ||
		    (!sd->nosync && fsync(fd) != 0))
			goto fail;
		if (close(fd) != 0) {
			fd = -1;
			goto fail;
		}
		fd = -1;
	}
	if ((!sd->nosync && !sync_dir(sd->fd, hidden)) ||
	    renameat2(sd->fd, hidden, sd->fd, sa_name, RENAME_NOREPLACE) != 0)
		goto fail;
	if (!sd->nosync && fsync(sd->fd) != 0)
		return IKE_EIO;
	return IKE_OK;
fail:
	if (fd >= 0)
		close(fd);
	remove_hidden(sd, hidden);
	return IKE_EIO;
}

/* hidden_pid returns the PID ending ".new.SA.PID" or ".del.SA.PID", 0 if
 * name is not one. */
static long
hidden_pid(const char *name)
{
	const char	*p;
	long		 pid = 0;

	if (strncmp(name, ".new.", 5) != 0 && strncmp(name, ".del.", 5) != 0)
		return 0;
	if ((p = strrchr(name, '.')) == name + 4)
		return 0;
	for (p++; *p >= '0' && *p <= '9' && pid < 1L << 30; p++)
		pid = pid * 10 + (*p - '0');
	return *p == '\0' ? pid : 0;
}

int
sd_sweep_hidden(struct sd *sd)
{
	struct dirent	*d;
	DIR		*dir;
	int		 fd, saved = errno, n = 0;
	long		 pid;

	if (sd->fd < 0 || (fd = openat(sd->fd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return -1;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((d = readdir(dir)) != NULL) {
		if ((pid = hidden_pid(d->d_name)) <= 0 ||
		    pid >= 1L << 30 || pid == self_pid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		remove_hidden(sd, d->d_name);
		n++;
	}
	closedir(dir);
	errno = saved;
	return n;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* is_sa tells whether entry name of directory fd is an SA directory. */
static bool
is_sa(int fd, const char *name)
{
	char		path[SD_NAME_MAX + sizeof("/ike.sa")];
	struct stat	st;
	size_t		n;

	if (!sd_name_ok(name) ||
	    fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISDIR(st.st_mode))
		return false;
	n = strlen(name);		/* at most SD_NAME_MAX: sd_name_ok */
	memcpy(path, name, n);
	memcpy(path + n, "/ike.sa", sizeof("/ike.sa"));
	return fstatat(fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode);
}

enum ike_err
sd_list(struct sd *sd, int (*fn)(const char *sa_name, void *arg), void *arg)
{
	struct dirent	 *d;
	DIR		 *dir;
	char		**names = NULL, **grown;
	size_t		  n = 0, cap = 0, i;
	enum ike_err	  e = IKE_OK;
	int		  fd, saved;

	if ((fd = dup(sd->fd)) < 0)
		return IKE_EIO;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return IKE_EIO;
	}
	rewinddir(dir);
	while ((errno = 0, d = readdir(dir)) != NULL) {
		if (!is_sa(sd->fd, d->d_name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			if ((grown = realloc(names, cap * sizeof(*names))) ==
			    NULL) {
				e = IKE_ENOMEM;
				break;
			}
			names = grown;
		}
		if ((names[n] = strdup(d->d_name)) == NULL) {
			e = IKE_ENOMEM;
			break;
		}
		n++;
	}
	if (e == IKE_OK && d == NULL && errno != 0)
		e = IKE_EIO;
	saved = errno;
	closedir(dir);
	if (e == IKE_OK) {
		if (n > 0)
			qsort(names, n, sizeof(*names), cmp_names);
		for (i = 0; i < n; i++)
			if (fn(names[i], arg) != 0)
				break;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	errno = saved;
	return e;
}
