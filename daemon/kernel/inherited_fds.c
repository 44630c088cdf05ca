/* SPDX-License-Identifier: MIT */
/*
 * inherited_fds.c: see inherited_fds.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fd_util.h"
#include "basic/macro.h"
#include "kernel/inherited_fds.h"

int inherited_fds_collect(struct inherited_fds *ret)
{
	*ret = (struct inherited_fds){ 0 };
	_cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	int self = dirfd(d);
	for (struct dirent *e; (e = readdir(d));) {
		int fd = atoi(e->d_name);
		struct stat st;
		if (e->d_name[0] == '.' || fd <= 2 || fd == self)
			continue;
		if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
			(void)close(fd);
			continue;
		}
		struct inherited_fd *v = reallocarray(ret->v, ret->n + 1, sizeof(*v));
		if (!v) {
			(void)close(fd);
			continue;
		}
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		ret->v = v;
		ret->v[ret->n++] = (struct inherited_fd){ .ino = (uint64_t)st.st_ino, .fd = fd };
	}
	return 0;
}

int inherited_fds_take(struct inherited_fds *f, uint64_t ino)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (f->v[i].ino == ino && f->v[i].fd >= 0) {
			int fd = f->v[i].fd;
			f->v[i].fd = -EBADF;
			return fd;
		}
	return -ENOENT;
}

void inherited_fds_done(struct inherited_fds *f)
{
	for (size_t i = 0; i < f->n; i++)
		safe_close(f->v[i].fd);
	free(f->v);
	*f = (struct inherited_fds){ 0 };
}
