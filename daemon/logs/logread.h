/* SPDX-License-Identifier: MIT */
/*
 * logread.h: reading a stream's last lines back from its log files, for
 * `logs -n N` and `logs --since` past what the in-memory tail holds.
 *
 * The stream's text, oldest to newest, is name.backups ... name.1 (whole
 * files), then the live file up to the size the writer has accounted for
 * (a write still in flight may already be in the file: it is left out
 * there), then the bytes not yet written (the staging buffer, passed in).
 * It is read backwards, newest first, in LOGREAD_CHUNK reads, into one
 * buffer of at most max_bytes, until enough lines are in, a line is older
 * than `since`, or the bound is reached. Nothing is followed: every name is
 * opened relative to the directory fd with O_NOFOLLOW, and only regular
 * files are read. The live file is read through the writer's own fd
 * (reopened for reading by /proc/self/fd) when there is one: what was
 * written, even if the name was deleted or replaced since.
 *
 * With `timestamps` (the file's lines start with "2026-12-07T05:01:02.123Z ",
 * as logpump writes them) that prefix is taken off and becomes the line's
 * time; a line without it (a drop marker, a line from before timestamps
 * were on) has time 0, unknown.
 *
 * The reads are synchronous, on the daemon's loop: max_bytes (at most
 * LOGREAD_MAX_BYTES) bounds how long one request can hold it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOGREAD_MAX_BYTES (16u << 20)
#define LOGREAD_CHUNK (256u << 10)

struct logread_req {
	int dirfd;                 /* the log directory (borrowed) */
	const char *name;          /* the live file's name in it */
	unsigned backups;          /* name.1 .. name.backups may exist */
	uint64_t live_size;        /* bytes of the live file that are accounted for */
	int live_fd;               /* the writer's fd of the live file, or -1: read by name */
	const char *pending;       /* bytes not yet in the file (may be NULL) */
	size_t pending_len;
	bool timestamps;           /* lines carry the time prefix */
	size_t want;               /* at most this many lines (the newest) */
	uint64_t since_ms;         /* only lines at or after this time; 0 = any */
	size_t max_bytes;          /* bytes read at most, <= LOGREAD_MAX_BYTES */
	/* What a line costs the caller (say, in its reply), and how much it
	 * may spend in all: the newest lines that fit are kept. */
	size_t (*cost)(const char *line, size_t n, void *userdata);
	size_t budget;
	void *cost_userdata;
};

/* Called on each line kept, oldest first, without its '\n' (and without the
 * time prefix); ts_ms 0 when the line has no time. A negative return stops. */
typedef int (*logread_fn)(const char *line, size_t n, uint64_t ts_ms, void *userdata);

struct logread_result {
	size_t lines;              /* lines passed to fn */
	size_t bytes_read;         /* from the files and the staging buffer */
	bool bytes_capped;         /* stopped at max_bytes with older data left */
	bool budget_capped;        /* stopped at the caller's budget */
};

/* 0 and *ret on success (also when there are no files at all), -errno when
 * a file cannot be read or memory is short, or fn's negative return. */
int logread_last(const struct logread_req *r, logread_fn fn, void *userdata,
		 struct logread_result *ret);
