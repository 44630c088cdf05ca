/* SPDX-License-Identifier: MIT */
/*
 * logfile.c: a size-rotated log file relative to a directory fd.
 *
 * Invariants: lf->fd is either -EBADF or a fd on a regular file with one
 * link that was, when opened, dirfd/name, O_APPEND unless lf->spliced
 * (splice(2) refuses an O_APPEND file); lf->size counts the bytes
 * in it as far as this process knows (fstat at open, then every commit).
 * The live file is renamed only as the last step of a rotation, after every
 * older file moved, so a rotation that fails part-way never loses data.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs/logfile.h"
#include "basic/macro.h"

#define LOGFILE_OPEN_FLAGS \
	(O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)

/* A symlink seen where a directory or file was wanted: -ELOOP, else r. */
static int refine_error(int dirfd, const char *name, int r)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return -ELOOP;
	return r;
}

/* The directory `name` in dirfd, made when missing, never through a
 * symlink: -ELOOP for one. */
static int open_component(int dirfd, const char *name, int flags, int *ret)
{
	if (mkdirat(dirfd, name, 0750) < 0 && errno != EEXIST)
		return -errno;
	int fd = openat(dirfd, name, flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		/* With O_DIRECTORY the kernel reports a symlink as ENOTDIR. */
		return refine_error(dirfd, name, -errno);
	*ret = fd;
	return 0;
}

int logdir_open(const char *path, int *ret_dirfd)
{
	char buf[PATH_MAX];
	size_t len = strnlen(path, PATH_MAX);

	if (len == 0 || path[0] != '/')
		return -EINVAL;
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);

	/* mkdir -p, one component at a time from "/", each opened with
	 * O_NOFOLLOW: a symlink anywhere in the path (not only the last
	 * component) is refused, so a writable directory on the way cannot
	 * point the logs elsewhere. */
	_cleanup_close_ int dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	char *save = NULL;
	const char *last = NULL;
	for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (last) {
			int next = -EBADF;
			int r = open_component(dir, last, O_PATH, &next);
			if (r < 0)
				return r;
			safe_close(dir);
			dir = next;
		}
		last = c;
	}
	if (!last)
		return -EINVAL;   /* "/" itself */
	return open_component(dir, last, O_RDONLY, ret_dirfd);
}

static int name_check(const char *name)
{
	size_t len = strnlen(name, LOGFILE_NAME_MAX + 1);

	if (len == 0 || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	if (len > LOGFILE_NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* name.k; k <= LOGFILE_BACKUPS_MAX + 1 always fits by LOGFILE_NAME_MAX. */
static void suffixed(char out[static NAME_MAX + 1], const char *name, unsigned k)
{
	size_t len = strnlen(name, LOGFILE_NAME_MAX);

	memcpy(out, name, len);
	(void)snprintf(out + len, NAME_MAX + 1 - len, ".%u", k);
}

static int stat_check(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return -ELOOP;
	if (S_ISDIR(st->st_mode))
		return -EISDIR;
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	/* A hard link planted here would let us append to a file elsewhere. */
	if (st->st_nlink > 1)
		return -EMLINK;
	return 0;
}

/*
 * Opens dirfd/name for appending and checks what was opened. The fstatat
 * first spares a planted device the side effects of an open; the fstat after
 * closes the race. Truncation happens only after the checks, never by
 * O_TRUNC, which would act on whatever was planted before we could look.
 */
static int open_checked(int dirfd, const char *name, bool truncate, uint64_t *ret_size)
{
	struct stat st;
	int r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (r = stat_check(&st)) < 0)
		return r;

	_cleanup_close_ int fd = openat(dirfd, name, LOGFILE_OPEN_FLAGS, 0640);
	if (fd < 0) {
		/* ENXIO: a FIFO without reader, a socket, a missing device; never
		 * a regular file. */
		if (errno == ENXIO)
			return -EINVAL;
		return errno == ENOTDIR ? refine_error(dirfd, name, -ENOTDIR) : -errno;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((r = stat_check(&st)) < 0)
		return r;

	/* O_NONBLOCK only guarded the open. Left on, io_uring on older kernels
	 * fails a write with -EAGAIN instead of completing it from its workers. */
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return -errno;
	if (truncate && st.st_size > 0 && ftruncate(fd, 0) < 0)
		return -errno;

	*ret_size = truncate ? 0 : (uint64_t)st.st_size;
	return TAKE_FD(fd);
}

/* Replaces lf->fd with a fresh open of name; on failure lf->fd is -EBADF. */
static int reopen(struct logfile *lf, bool truncate)
{
	uint64_t size = 0;
	int fd = open_checked(lf->dirfd, lf->name, truncate, &size);

	lf->fd = safe_close(lf->fd);
	if (fd < 0)
		return fd;
	lf->fd = fd;
	lf->spliced = false;
	lf->size = size;
	return 0;
}

int logfile_open(int dirfd, const char *name, uint64_t max_bytes, unsigned backups,
		 struct logfile *ret)
{
	struct logfile lf = LOGFILE_NULL;
	int r;

	if ((r = name_check(name)) < 0)
		return r;
	if (dirfd < 0 || backups > LOGFILE_BACKUPS_MAX)
		return -EINVAL;

	lf.dirfd = dirfd;
	lf.name = strdup(name);
	if (!lf.name)
		return -ENOMEM;
	lf.max_bytes = max_bytes;
	lf.backups = backups;
	if ((r = reopen(&lf, /* truncate= */ false)) < 0) {
		free(lf.name);
		return r;
	}
	*ret = lf;
	return 0;
}

/*
 * Moves name.backups-1 .. name.1 up by one and name to name.1, oldest first.
 * A missing file is a gap, not an error. The first real failure stops the
 * shift before the live file is touched.
 */
static int shift(struct logfile *lf)
{
	char from[NAME_MAX + 1], to[NAME_MAX + 1];

	/* Leftovers of an earlier, larger `backups`: gone, so exactly
	 * `backups` old files remain. Normally one ENOENT. */
	for (unsigned k = lf->backups + 1; k <= LOGFILE_BACKUPS_MAX + 1; k++) {
		suffixed(to, lf->name, k);
		if (unlinkat(lf->dirfd, to, 0) < 0)
			break;
	}
	for (unsigned k = lf->backups - 1; k >= 1; k--) {
		suffixed(from, lf->name, k);
		suffixed(to, lf->name, k + 1);
		if (renameat(lf->dirfd, from, lf->dirfd, to) < 0 && errno != ENOENT)
			return -errno;
	}
	suffixed(to, lf->name, 1);
	/* ENOENT: someone deleted the live file; a fresh one is opened below. */
	if (renameat(lf->dirfd, lf->name, lf->dirfd, to) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int logfile_rotate(struct logfile *lf)
{
	int r;

	if (lf->backups > 0 && (r = shift(lf)) < 0) {
		/* Nothing moved that matters: keep appending to the live file,
		 * and try again only after it grew by another max_bytes. */
		lf->rotate_error = r;
		lf->retry_size = lf->size + MAX(lf->max_bytes, 1u);
		return r;
	}
	r = reopen(lf, /* truncate= */ lf->backups == 0);
	lf->rotate_error = r;
	lf->retry_size = 0;
	if (r < 0)
		return r;
	lf->rotations++;
	return 0;
}

static bool needs_rotation(const struct logfile *lf, size_t n)
{
	if (lf->max_bytes == 0 || lf->size == 0)
		return false;
	if (lf->size < lf->max_bytes && n <= lf->max_bytes - lf->size)
		return false;
	return lf->retry_size == 0 || lf->size >= lf->retry_size;
}

static int prepare_fd(struct logfile *lf, size_t n)
{
	int r;

	/* After a failed reopen: nothing was shifted since, so just reopen. */
	if (lf->fd < 0) {
		if ((r = reopen(lf, /* truncate= */ false)) < 0)
			return r;
		lf->rotate_error = 0;
	}
	if (needs_rotation(lf, n) && (r = logfile_rotate(lf)) < 0 && lf->fd < 0)
		return r;
	return lf->fd;
}

/* O_APPEND on or off; -errno when fcntl refuses. */
static int set_append(struct logfile *lf, bool on)
{
	int fl = fcntl(lf->fd, F_GETFL);

	if (fl < 0 || fcntl(lf->fd, F_SETFL, on ? fl | O_APPEND : fl & ~O_APPEND) < 0)
		return -errno;
	lf->spliced = !on;
	return 0;
}

int logfile_prepare(struct logfile *lf, size_t n)
{
	int fd = prepare_fd(lf, n), r;

	if (fd >= 0 && lf->spliced && (r = set_append(lf, true)) < 0)
		return r;
	return fd;
}

int logfile_prepare_splice(struct logfile *lf, size_t n)
{
	int fd = prepare_fd(lf, n), r;

	if (fd < 0)
		return fd;
	if (!lf->spliced && (r = set_append(lf, false)) < 0)
		return r;
	/* As O_APPEND would: at the end, even if someone truncated it. */
	if (lseek(fd, 0, SEEK_END) < 0)
		return -errno;
	return fd;
}

/* Bytes of buf[0..n) up to and with its last '\n', 0 if none. */
static size_t whole_lines(const char *buf, size_t n)
{
	const char *nl = n ? memrchr(buf, '\n', n) : NULL;
	return nl ? (size_t)(nl - buf) + 1 : 0;
}

size_t logfile_write_size(const struct logfile *lf, const char *buf, size_t n)
{
	uint64_t max = lf->max_bytes, size = lf->size;
	size_t cut;

	if (max == 0 || size + n <= max)
		return n;
	cut = size < max ? whole_lines(buf, (size_t)MIN((uint64_t)n, max - size)) : 0;
	if (cut == 0)
		cut = whole_lines(buf, (size_t)MIN((uint64_t)n, max));
	if (cut == 0) {
		const char *nl = memchr(buf, '\n', n);
		cut = nl ? (size_t)(nl - buf) + 1 : n;
	}
	return cut;
}

void logfile_commit(struct logfile *lf, ssize_t written)
{
	if (written > 0)
		lf->size += (uint64_t)written;
}

ssize_t logfile_write(struct logfile *lf, const void *buf, size_t n)
{
	ssize_t w;
	int fd;

	if (n == 0)
		return 0;
	fd = logfile_prepare(lf, n);
	if (fd < 0)
		return fd;
	do
		w = write(fd, buf, MIN(n, SIZE_MAX / 2 /* SSIZE_MAX */));
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	logfile_commit(lf, w);
	return w;
}

void logfile_close(struct logfile *lf)
{
	lf->fd = safe_close(lf->fd);
	free(lf->name);
	lf->name = NULL;
}
