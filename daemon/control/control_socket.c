/* SPDX-License-Identifier: MIT */
/*
 * control_socket.c: the listening socket (its directory, a stale file left
 * by a dead daemon, bind with mode 0666) and who a peer is (SO_PEERCRED,
 * SO_PEERGROUPS).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "control/control_socket.h"

static int make_parent_dir(const char *path)
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

/* A socket file whose daemon is gone answers ECONNREFUSED: safe to
 * replace. Anything else at the path (a file, a directory, a symlink) is
 * not ours to remove. */
static int check_stale(const struct sockaddr_un *sa)
{
	struct stat st;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int e = errno;
	safe_close(fd);
	if (r == 0)
		return -EADDRINUSE;
	if (e == ECONNREFUSED)
		return unlink(sa->sun_path) < 0 && errno != ENOENT ? -errno : 0;
	return e == ENOENT ? 0 : -e;
}

int control_socket_listen(const char *path, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return log_error_errno(-ENAMETOOLONG, "control socket path %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((r = make_parent_dir(path)) < 0)
		return log_error_errno(r, "Failed to create the directory of %s", path);
	if ((r = check_stale(&sa)) == -EEXIST)
		return log_error_errno(r, "control socket %s: something else than a socket is there; "
				       "not removing it", path);
	if (r < 0)
		return log_error_errno(r, "control socket %s", path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return log_error_errno(-errno, "control socket %s", path);
	/* Mode 0666: anyone may connect and read; who may change things is
	 * decided per request from SO_PEERCRED (docs/protocol.md). */
	mode_t old = umask(0111);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return log_error_errno(-errno, "Failed to bind %s", path);
	if (listen(fd, 128) < 0) {
		r = log_error_errno(-errno, "Failed to listen on %s", path);
		(void)unlink(path);
		return r;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

bool control_peer_is_admin(int fd, const struct supervisor_config *sc, uid_t *ret_uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	*ret_uid = (uid_t)-1;   /* unknown: counted together */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	*ret_uid = cred.uid;
	if (cred.uid == 0)
		return true;
	if (!sc->has_admin_gid)
		return false;
	if (cred.gid == sc->admin_gid)
		return true;
	/* The kernel answers ERANGE with the size it needs (up to 65536 groups). */
	len = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, NULL, &len) < 0 && errno != ERANGE)
		return false;
	_cleanup_free_ gid_t *groups = malloc(len ? len : 1);
	if (!groups || getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == sc->admin_gid)
			return true;
	return false;
}
