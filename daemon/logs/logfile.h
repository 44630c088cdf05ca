/* SPDX-License-Identifier: MIT */
/*
 * logfile.h: one size-rotated log file inside a log directory the daemon
 * opened itself.
 *
 * The kernel objects: a directory fd (from logdir_open, owned by the caller
 * and shared by every log file in it) and one O_APPEND file fd per logfile.
 * Every name is resolved relative to the directory fd, never by path, and
 * nothing in the directory is ever followed:
 *  - the file is opened with O_NOFOLLOW (a planted symlink: -ELOOP) and
 *    O_NONBLOCK (a planted FIFO cannot block the open), then fstat must show
 *    a regular file with one link (a FIFO, socket or device: -EINVAL; a hard
 *    link to a file elsewhere: -EMLINK); O_NONBLOCK is cleared afterwards;
 *  - rotation uses renameat/unlinkat, which act on the names themselves and
 *    never follow a symlink in the last component.
 *
 * Rotation: before a write that would take the file past max_bytes, name.N-1
 * becomes name.N, ..., name becomes name.1 (.1 is the newest), and a fresh
 * name is opened, so exactly `backups` old files exist afterwards (leftovers
 * name.backups+1... from a larger earlier setting are deleted). backups == 0
 * truncates the file in place. A single write larger than max_bytes is written
 * whole into a fresh file (the file then exceeds max_bytes until the next
 * write rotates it); lines are never cut by rotation. max_bytes == 0 never
 * rotates.
 *
 * Writes are plain write(2) on a regular file: they can block on a slow disk.
 * logfile_write() is the synchronous path; an io_uring caller uses
 * logfile_prepare() (rotates if needed, returns the fd), submits
 * IORING_OP_WRITE itself, one at a time per file, and reports the result with
 * logfile_commit(). See docs/logs.md.
 *
 * Mechanism only: no logging; -errno returns, the caller reports them with the
 * file name.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LOGFILE_BACKUPS_MAX 1000u
/* NAME_MAX less room for the longest suffix, ".1001". */
#define LOGFILE_NAME_MAX (255u - 5u)

struct logfile {
	int dirfd;                 /* borrowed: stays open while the logfile is */
	char *name;                /* owned, at most LOGFILE_NAME_MAX: a stream without a file
	                            * carries no room for one (docs/design.md, "Memory per
	                            * instance") */
	int fd;                    /* -EBADF when closed or when a reopen failed */
	uint64_t size;             /* bytes in the current file */
	uint64_t max_bytes;        /* 0 = never rotate */
	unsigned backups;          /* old files kept: name.1 .. name.backups */
	uint64_t rotations;        /* completed rotations (and truncations) */
	int rotate_error;          /* last rotation failure (-errno), 0 if none */
	uint64_t retry_size;       /* after a failed shift: retry at this size */
	bool spliced;              /* fd is not O_APPEND now: logfile_prepare_splice */
};

#define LOGFILE_NULL ((struct logfile){ .dirfd = -EBADF, .fd = -EBADF })

/*
 * mkdir -p path (new directories 0750, less the umask), then opens it
 * O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC. A symlink as the last component
 * is refused with -ELOOP (trailing slashes are ignored, so "dir/" cannot be
 * used to follow one); symlinks in earlier components are followed, as the
 * administrator put them there. -ENOTDIR when the path is something else.
 */
int logdir_open(const char *path, int *ret_dirfd);

/*
 * Opens (creating, 0640 less the umask) `name` in dirfd for appending. name is
 * one path component: -EINVAL for "", ".", ".." or a name with '/',
 * -ENAMETOOLONG above LOGFILE_NAME_MAX; -EINVAL when backups exceeds
 * LOGFILE_BACKUPS_MAX. Refusals as above: -ELOOP, -EINVAL, -EMLINK,
 * -EISDIR. *ret is set only on success.
 */
int logfile_open(int dirfd, const char *name, uint64_t max_bytes, unsigned backups,
		 struct logfile *ret);

/*
 * Appends buf with one write(2) (retried on EINTR only), rotating first if
 * the write would pass max_bytes, and reopening first if an earlier reopen
 * failed. Returns the bytes written (a partial count when the disk filled
 * mid-write) or -errno: -ENOSPC and -EDQUOT pass through for the caller to
 * count as drops. A failed rotation (rename refused) does not lose the write:
 * it goes to the current file, and lf->rotate_error says why the file grew
 * past max_bytes; rotation is tried again before the next write.
 */
ssize_t logfile_write(struct logfile *lf, const void *buf, size_t n);

/*
 * The two halves of logfile_write for asynchronous writers: prepare rotates
 * (or reopens) when an n-byte append needs it and returns the fd to append to,
 * or -errno when there is none; commit accounts a finished write's result
 * (bytes written, or -errno which changes nothing).
 */
int logfile_prepare(struct logfile *lf, size_t n);
void logfile_commit(struct logfile *lf, ssize_t written);
/* prepare for splice(2), which refuses an O_APPEND file: the fd loses
 * O_APPEND (until the next logfile_prepare or reopen) and is positioned
 * at the end of the file, as O_APPEND would. One splicer, one writer: the
 * caller never has a write and a splice in flight at once. */
int logfile_prepare_splice(struct logfile *lf, size_t n);

/*
 * How much of buf[0..n), whole lines as they go to the file, the next
 * write takes: all of it, unless that would pass max_bytes; then the whole
 * lines that still fit, or, when none does, the whole lines that fit a
 * fresh file (logfile_prepare rotates first). A line longer than max_bytes
 * goes whole into a fresh file. So a rotation never cuts a line the buffer
 * holds whole.
 */
size_t logfile_write_size(const struct logfile *lf, const char *buf, size_t n);

/* Rotates now, whatever the size (for an operator's "rotate" command). */
int logfile_rotate(struct logfile *lf);

/* Closes the file fd (not dirfd) and frees the name. Idempotent. */
void logfile_close(struct logfile *lf);
