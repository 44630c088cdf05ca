/* SPDX-License-Identifier: MIT */
/*
 * self_stat.h: the daemon's own open fds and resident memory, as `status`
 * and `metrics` show them, from two files of /proc/self held open: an
 * fstat and a pread a question, where a path walk, an open, a read and a
 * close each were a tenth of what `status NAME` cost the daemon. Both fds
 * are O_CLOEXEC and count among the fds they count.
 */
#pragma once

#include <errno.h>

struct self_stat {
	int fd_dir;     /* /proc/self/fd: its size is the count (Linux >= 6.2) */
	int statm;      /* /proc/self/statm: read again from offset 0 each time */
};

#define SELF_STAT_NULL ((struct self_stat){ .fd_dir = -EBADF, .statm = -EBADF })

/* Best effort: what cannot be opened is asked the old way. */
void self_stat_open(struct self_stat *ss);
void self_stat_close(struct self_stat *ss);
/* Open fds, or -errno. */
long self_stat_fds(const struct self_stat *ss);
/* Resident memory in KiB, or -1. */
long self_stat_rss_kib(const struct self_stat *ss);
