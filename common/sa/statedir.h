/* SPDX-License-Identifier: ISC */
/* Writing the state directory (ike-state(5)): SA directories, locks, atomic file replacement. */
#ifndef IKEKIT_SA_STATEDIR_H
#define IKEKIT_SA_STATEDIR_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum {
	SD_NAME_MAX	= 64,		/* longest SA name */
	SD_FILE_MAX	= 128,		/* longest file name in an SA directory */
	SD_KEY_MAX	= 32,		/* longest key of a key=value line */
	SD_KV_BUF	= 16384,	/* longest state file we write: ike.sa
					 * may hold a request and an answer
					 * in hex (ike-state(5)) */
	SD_READ_MAX	= 65536,	/* longest state file we read */
};

/*
 * Errors: every function returns IKE_OK, IKE_EINVAL for a bad name, key or
 * value (errno EINVAL), IKE_ETOOBIG when something does not fit, or IKE_EIO
 * with errno set by the failing system call. Messages never hold a value.
 */

/* An open state directory. why holds a sentence for the caller to print
 * after the path when sd_open refuses the directory (see sd_open). */
struct sd {
	int	 fd;			/* O_DIRECTORY, O_CLOEXEC; -1 when closed */
	uid_t	 uid;			/* its owner, who must own each SA's */
	bool	 nosync;		/* false after sd_open; see sd_write */
	char	 why[128];
};

/* A held per-SA lock: the SA's directory, flock()ed. */
struct sd_lock {
	int	 dirfd;			/* -1 when not held */
	bool	 nosync;		/* the sd's, when taken */
	bool	 swept;			/* dead writers' temp files gone */
	char	 name[SD_NAME_MAX + 1];
};

/* A state file being built: key=value lines with a sticky error. Values may
 * be keys in hex, so kv_wipe it on every path once written. */
struct kvbuf {
	char		 buf[SD_KV_BUF];
	size_t		 len;
	enum ike_err	 err;		/* first error of a kv_* call */
};

/* One key for sd_read to look for: its value is copied to val (cap bytes
 * with the NUL) and line set to its line number, 0 when absent. */
struct sd_kv {
	const char	*key;
	char		*val;
	size_t		 cap;
	unsigned	 line;
};

/* sd_name_ok returns whether name is a valid SA name: 1 to 64 of
 * [A-Za-z0-9._-], not starting with '.'. Such a name is never a path. */
bool	 sd_name_ok(const char *name);

/* sd_default_dir writes the default state directory to out (n bytes):
 * $IKE_STATE_DIR if set and not empty, else /run/ikekit when the effective
 * uid is 0, else $XDG_RUNTIME_DIR/ikekit. IKE_EINVAL when that is needed
 * and unset, IKE_ETOOBIG when it does not fit. */
enum ike_err	 sd_default_dir(char *out, size_t n);

/* sd_open opens the state directory statedir into out; with create it first
 * makes it (mode 0700; not its parents) if missing. It refuses, with IKE_EIO,
 * errno EPERM and a sentence in out->why, a directory that is not owned by
 * the effective uid or that group or others may write. On failure out->fd is
 * -1 and there is nothing to close. */
enum ike_err	 sd_open(struct sd *out, const char *statedir, bool create);

/* sd_close closes sd (idempotent). */
void	 sd_close(struct sd *sd);

/* sd_sync flushes everything written on sd's file system to stable storage
 * (syncfs): what a caller that set sd->nosync calls once for a batch of
 * writes. IKE_EIO with errno on failure. */
enum ike_err	 sd_sync(struct sd *sd);

/* sd_lock_sa takes the exclusive lock of SA sa_name, waiting as long as it
 * takes: it opens the SA directory (with create, first making it mode 0700)
 * and flock()s it (flock(1) on the directory takes the same lock, for
 * scripts). The lock serialises every program that
 * touches the SA; it is released by sd_unlock or when the holder dies.
 * Without create a missing SA is IKE_EIO with errno ENOENT. An SA directory
 * not owned by us or writable by group or others is IKE_EIO, errno EPERM. */
enum ike_err	 sd_lock_sa(struct sd *sd, const char *sa_name, bool create,
		    struct sd_lock *out);

/* sd_lock_sa_timeout is sd_lock_sa waiting at most ms milliseconds (0: try
 * once, negative: forever); then IKE_EIO with errno EWOULDBLOCK. */
enum ike_err	 sd_lock_sa_timeout(struct sd *sd, const char *sa_name,
		    bool create, int ms, struct sd_lock *out);

/* sd_hold opens file (created mode 0600) in directory dirfd and takes an
 * exclusive flock on it, waiting at most ms milliseconds (0: try once,
 * negative: forever), for a program that must be the only one of its kind
 * on an SA or a state directory while it runs. Returns the descriptor,
 * kept open while the hold lasts (the kernel drops it at exit), or -1 with
 * errno (EWOULDBLOCK: another holds it). */
int	 sd_hold(int dirfd, const char *file, int ms);

/* sd_held tells whether another process holds file of dirfd (sd_hold). */
bool	 sd_held(int dirfd, const char *file);

/* sd_unlock releases l and closes its descriptors (idempotent). */
void	 sd_unlock(struct sd_lock *l);

/* kv_has tells whether b has a line "key=" (kvbuf.c, as the kv_* below). */
bool	 kv_has(const struct kvbuf *b, const char *key);

/* kv_init empties b. */
void	 kv_init(struct kvbuf *b);

/* kv_str, kv_u64 (decimal), kv_hex (len bytes as lower-case hex, nothing
 * when len is 0), kv_spi64 (16 hex digits, for IKE SPIs) and kv_spi32 ("0x"
 * and 8 hex digits, for ESP SPIs) append the line "key=value" to b. The key
 * must be 1 to 32 of [a-z0-9_] and not already in b; the value must hold no
 * CR or LF and not start or end with a blank (readers strip blanks), else
 * b->err becomes IKE_EINVAL; when b is full, IKE_ETOOBIG. After an error,
 * calls do nothing and b->err keeps the first error. */
void	 kv_str(struct kvbuf *b, const char *key, const char *value);
void	 kv_u64(struct kvbuf *b, const char *key, uint64_t v);
void	 kv_hex(struct kvbuf *b, const char *key, const uint8_t *bytes,
	    size_t len);
void	 kv_spi64(struct kvbuf *b, const char *key, uint64_t spi);
void	 kv_spi32(struct kvbuf *b, const char *key, uint32_t spi);

/* kv_wipe zeroes b, which leaves it empty as after kv_init. */
void	 kv_wipe(struct kvbuf *b);

/* sd_write replaces file (a name like ike.sa or child.NAME.sa, never a
 * path) in l's SA directory with the lines of b, atomically: it writes
 * file.tmp.PID (O_EXCL, mode 0600), fsyncs it, renames it over file and
 * fsyncs the directory. On any failure, including b->err (returned as is),
 * it removes its temporary file and file keeps its old contents. Call it
 * with the lock held. */
enum ike_err	 sd_write(struct sd_lock *l, const char *file,
		    const struct kvbuf *b);
/* sd_sweep removes the temporary files (FILE.tmp.PID) that writers killed
 * mid-write left in l's SA directory: those whose PID is no process
 * (kill(PID, 0) fails with ESRCH). sd_write calls it once per lock, before
 * its first write. Returns how many it removed, -1 (errno) if the
 * directory cannot be read. */
int	 sd_sweep(struct sd_lock *l);

/* With sd->nosync set (before sd_lock_sa), sd_write, sd_remove and
 * sd_remove_sa make no fsync: the replacement is still atomic for readers
 * (rename), but durable only after sd_sync, or whenever the kernel writes it
 * back; a crash before that may lose it, or leave the file empty. */

/* sd_read reads file of l's SA directory and fills each of the n_kv entries
 * of kv that the file has (others get line 0; keys not asked for are
 * ignored). IKE_EINVAL for a line without '=', a key asked for given twice, a
 * value longer than its cap, or a missing version; IKE_EUNSUPP for a version
 * other than 1; IKE_EIO (ENOENT for a missing file). The read buffer is
 * wiped, and so are the values filled when it fails. */
enum ike_err	 sd_read(struct sd_lock *l, const char *file, struct sd_kv *kv,
		    size_t n_kv);

/* sd_update rewrites file of l's SA directory (atomically, as sd_write)
 * with the lines of changes in place of the lines with the same keys, and
 * without the lines whose keys drop (NULL-terminated; or NULL) lists;
 * every other line stays as it was. Errors as sd_read and sd_write; on
 * error file keeps its old contents. */
enum ike_err	 sd_update(struct sd_lock *l, const char *file,
		    const struct kvbuf *changes, const char *const *drop);

/* sd_remove removes file from l's SA directory and fsyncs the directory;
 * IKE_EIO with errno ENOENT when it does not exist. */
enum ike_err	 sd_remove(struct sd_lock *l, const char *file);

/* sd_remove_sa removes SA sa_name: it takes the lock, renames the directory
 * to a hidden name (so waiters and readers no longer see it), removes its
 * files and the directory. IKE_EIO with errno ENOENT when there is no such
 * SA. */
enum ike_err	 sd_remove_sa(struct sd *sd, const char *sa_name);

/* sd_create_sa makes the new SA sa_name with its n files at once (files[i]
 * holding bufs[i]; names as sd_write takes): they
 * are written in the hidden directory ".new.SA.PID", then renamed to
 * sa_name, so no reader or locker ever sees it partly made. IKE_EIO with
 * errno EEXIST when sa_name exists: the caller then locks it and writes its
 * files one by one. Honours sd->nosync as sd_write does. */
enum ike_err	 sd_create_sa(struct sd *sd, const char *sa_name,
		    const char *const *files, const struct kvbuf *const *bufs,
		    size_t n);

/* sd_sweep_hidden removes the ".new.SA.PID" and ".del.SA.PID" directories
 * that processes no more running left in sd (killed while making or
 * removing an SA); for a program that serves the whole state directory,
 * at its start. Returns how many, or -1 with errno. */
int	 sd_sweep_hidden(struct sd *sd);

/* sd_list calls fn(sa_name, arg) for every SA directory of sd that holds an
 * ike.sa, in strcmp order, skipping names that are not valid SA names; a
 * non-zero return from fn stops the walk (still IKE_OK). */
enum ike_err	 sd_list(struct sd *sd,
		    int (*fn)(const char *sa_name, void *arg), void *arg);

#endif
