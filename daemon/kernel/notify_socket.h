/* SPDX-License-Identifier: MIT */
/*
 * notify_socket.h: the sd_notify datagram socket (KERNEL-NOTES.md section
 * 7), both ends. As receiver, the daemon binds one AF_UNIX SOCK_DGRAM
 * socket that every service is given as $NOTIFY_SOCKET; as a client, it
 * tells a systemd above it that it is ready or stopping.
 *
 * Invariants: SO_PASSCRED is on before the bind, so every datagram that is
 * returned carries the kernel's word on its sender (pid, uid, gid), which
 * is all the caller may trust: the payload is the sender's word. No fd a
 * sender passes (SCM_RIGHTS: FDSTORE=1, BARRIER=1) outlives the receive
 * call: the daemon stores no fds, and closing a barrier's fd is what tells
 * the sender its earlier messages were processed. Nothing here blocks.
 */
#pragma once

#include <stddef.h>
#include <sys/socket.h>

/* Kernel receive buffer asked for: a burst of a few hundred small
 * messages (every service's READY=1 at boot) waits here; beyond it senders
 * block or fail rather than the daemon's memory growing. The kernel caps
 * it at net.core.rmem_max. */
#define NOTIFY_SOCKET_RCVBUF (256 * 1024)

/*
 * Binds a SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC socket at path (creating
 * its directory, 0755), file mode 0666: services run as other users, and
 * every message is judged by its sender's credentials, not by who could
 * reach the file. A stale socket file (nobody bound) is replaced; a live
 * socket is -EADDRINUSE, anything else at path -EEXIST, both left alone
 * (kernel/unix_path.h). A path longer than sun_path holds: -ENAMETOOLONG.
 */
int notify_socket_open(const char *path, int *ret_fd);

/*
 * Receives one datagram into buf and its sender's credentials into
 * *ret_cred. Returns the byte count (0..len), or
 *   -EAGAIN   nothing is queued;
 *   -EMSGSIZE the datagram was longer than len, or its ancillary data did
 *             not fit (MSG_CTRUNC); either way it is consumed;
 *   -EPERM    it carried no SCM_CREDENTIALS (cannot be judged; dropped);
 *   -errno    recvmsg failed.
 * Passed fds are closed in every case. *ret_cred is set only on success.
 */
int notify_socket_recv(int fd, char *buf, size_t len, struct ucred *ret_cred);

/*
 * The client side: sends msg (e.g. "READY=1") to socket_env, the value of
 * $NOTIFY_SOCKET: an absolute path, or "@name" for an abstract address.
 * NULL or "" means nobody listens: 0, nothing sent. One sendto on a fresh
 * socket, never blocking (a full receiver is -EAGAIN). -EAFNOSUPPORT for
 * another kind of address (systemd's vsock: is not supported),
 * -ENAMETOOLONG when it does not fit, else -errno of socket/sendto.
 */
int notify_send(const char *socket_env, const char *msg);
