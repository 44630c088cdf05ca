/* SPDX-License-Identifier: MIT */
/*
 * control_socket.c: the listening socket (its directory, a stale file left
 * by a dead daemon, bind with mode 0666: kernel/unix_path.c), also for the
 * metrics listener's unix sockets, and who a peer is (SO_PEERCRED,
 * SO_PEERGROUPS).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "control/control_socket.h"
#include "kernel/unix_path.h"

int unix_socket_listen(const char *what, const char *path, int *ret_fd)
{
	struct sockaddr_un sa;
	int r;

	if ((r = unix_path_address(path, &sa)) < 0)
		return log_error_errno(r, "%s path %s", what, path);
	if ((r = unix_path_make_parent(path)) < 0)
		return log_error_errno(r, "Failed to create the directory of %s", path);
	if ((r = unix_path_reclaim(&sa, SOCK_STREAM)) == -EEXIST)
		return log_error_errno(r, "%s %s: something else than a socket is there; "
				       "not removing it", what, path);
	if (r < 0)
		return log_error_errno(r, "%s %s", what, path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return log_error_errno(-errno, "%s %s", what, path);
	/* Mode 0666: anyone may connect and read (what `status` tells any
	 * local user); who may change things is decided per request from
	 * SO_PEERCRED (docs/protocol.md). */
	if ((r = unix_path_bind(fd, &sa, 0666)) < 0)
		return log_error_errno(r, "Failed to bind %s", path);
	if (listen(fd, 128) < 0) {
		r = log_error_errno(-errno, "Failed to listen on %s", path);
		(void)unlink(path);
		return r;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int control_socket_listen(const char *path, int *ret_fd)
{
	return unix_socket_listen("control socket", path, ret_fd);
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
