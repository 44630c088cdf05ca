/* SPDX-License-Identifier: MIT */
/*
 * self_stat.c: see self_stat.h.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fd_util.h"
#include "basic/macro.h"
#include "basic/self_stat.h"

void self_stat_open(struct self_stat *ss)
{
	*ss = SELF_STAT_NULL;
	ss->fd_dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ss->fd_dir < 0)
		ss->fd_dir = -errno;
	ss->statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (ss->statm < 0)
		ss->statm = -errno;
}

void self_stat_close(struct self_stat *ss)
{
	ss->fd_dir = safe_close(ss->fd_dir);
	ss->statm = safe_close(ss->statm);
}

long self_stat_fds(const struct self_stat *ss)
{
	struct stat st;

	/* A kernel before 6.2 says 0: counted by listing, as fd_count() does. */
	if (ss->fd_dir >= 0 && fstat(ss->fd_dir, &st) == 0 && st.st_size > 0)
		return (long)st.st_size;
	return fd_count();
}

long self_stat_rss_kib(const struct self_stat *ss)
{
	char buf[128];
	ssize_t n = -1;

	if (ss->statm >= 0)
		n = pread(ss->statm, buf, sizeof(buf) - 1, 0);
	if (n < 0) {
		/* Not held (or the read failed): opened for this question. */
		_cleanup_close_ int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	}
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "size resident shared ...", in pages */
	char *p = buf, *end;
	(void)strtol(p, &end, 10);
	long pages = end == p ? -1 : strtol(end, &p, 10);
	if (p == end || pages < 0)
		return -1;
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}
