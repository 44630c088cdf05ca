/* SPDX-License-Identifier: MIT */
/*
 * unix_path.c: the filesystem side of binding an AF_UNIX socket (see
 * unix_path.h for the invariant). Moved here from control/control_socket.c
 * so the sd_notify socket replaces a stale file by the same rule.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "basic/macro.h"
#include "kernel/unix_path.h"

int unix_path_address(const char *path, struct sockaddr_un *ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);

	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n + 1);
	*ret = sa;
	return 0;
}

int unix_path_make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* A socket file whose owner is gone answers ECONNREFUSED: safe to replace.
 * A socket of another type bound there answers EPROTOTYPE: alive. */
int unix_path_reclaim(const struct sockaddr_un *sa, int type)
{
	struct stat st;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	int r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int e = errno;
	safe_close(fd);
	if (r == 0 || e == EPROTOTYPE || e == EAGAIN)
		return -EADDRINUSE;
	if (e == ECONNREFUSED)
		return unlink(sa->sun_path) < 0 && errno != ENOENT ? -errno : 0;
	return e == ENOENT ? 0 : -e;
}

int unix_path_bind(int fd, const struct sockaddr_un *sa, mode_t mode)
{
	mode_t old = umask(~mode & 0777);
	int r = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int e = errno;
	umask(old);
	return r < 0 ? -e : 0;
}
