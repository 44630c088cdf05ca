/* SPDX-License-Identifier: MIT */
/*
 * notify_socket.c: the sd_notify socket (see notify_socket.h). The payload
 * is parsed elsewhere (basic/notify_msg.c); this file moves datagrams and
 * credentials, and closes the fds senders pass.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "basic/macro.h"
#include "kernel/notify_socket.h"
#include "kernel/unix_path.h"

#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04          /* Linux 6.5; Debian 12's headers are 6.1 */
#endif

/* The kernel passes at most this many fds in one message (SCM_MAX_FD). */
#define NOTIFY_RECV_FDS_MAX 253

int notify_socket_open(const char *path, int *ret_fd)
{
	static const int one = 1, rcvbuf = NOTIFY_SOCKET_RCVBUF;
	struct sockaddr_un sa;
	int r;

	if ((r = unix_path_address(path, &sa)) < 0)
		return r;
	if ((r = unix_path_make_parent(path)) < 0)
		return r;
	if ((r = unix_path_reclaim(&sa, SOCK_DGRAM)) < 0)
		return r;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Before the bind: no datagram may be queued without credentials. */
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		return -errno;
	if ((r = unix_path_bind(fd, &sa, 0666)) < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Closes every fd in one SCM_RIGHTS or SCM_PIDFD message. */
static void close_passed_fds(const struct cmsghdr *c)
{
	size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	const unsigned char *data = CMSG_DATA(c);

	for (size_t i = 0; i < n; i++) {
		int fd;
		memcpy(&fd, data + i * sizeof(int), sizeof(int));
		safe_close(fd);
	}
}

/* Walks all the ancillary data: closes the fds, copies the credentials.
 * True when SCM_CREDENTIALS was there. */
static bool take_control(struct msghdr *mh, struct ucred *ret_cred)
{
	bool has_cred = false;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS || c->cmsg_type == SCM_PIDFD)
			close_passed_fds(c);
		else if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
			memcpy(ret_cred, CMSG_DATA(c), sizeof(struct ucred));
			has_cred = true;
		}
	}
	return has_cred;
}

int notify_socket_recv(int fd, char *buf, size_t len, struct ucred *ret_cred)
{
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * NOTIFY_RECV_FDS_MAX)];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = &control, .msg_controllen = sizeof(control),
	};
	struct ucred cred;

	/* MSG_TRUNC: the datagram's real length, to tell a truncated one. */
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	bool has_cred = take_control(&mh, &cred);
	if ((mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) || (size_t)n > len)
		return -EMSGSIZE;
	if (!has_cred)
		return -EPERM;
	*ret_cred = cred;
	return (int)n;
}

/* $NOTIFY_SOCKET as an address: "/path", or "@name" (abstract: the '@'
 * stands for the leading NUL, and the name is not NUL-terminated). */
static int notify_address(const char *s, struct sockaddr_un *ret, socklen_t *ret_len)
{
	size_t n = strlen(s);
	int r;

	if (s[0] == '/') {
		if ((r = unix_path_address(s, ret)) < 0)
			return r;
		*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
		return 0;
	}
	if (s[0] != '@')
		return -EAFNOSUPPORT;
	if (n < 2)
		return -EINVAL;
	if (n > sizeof(ret->sun_path))
		return -ENAMETOOLONG;
	*ret = (struct sockaddr_un){ .sun_family = AF_UNIX };
	memcpy(ret->sun_path + 1, s + 1, n - 1);
	*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 0;
}

int notify_send(const char *socket_env, const char *msg)
{
	struct sockaddr_un sa;
	socklen_t salen;
	int r;

	if (!socket_env || !socket_env[0])
		return 0;
	if ((r = notify_address(socket_env, &sa, &salen)) < 0)
		return r;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&sa, salen) < 0)
		return -errno;
	return 0;
}
