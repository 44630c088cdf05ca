/* SPDX-License-Identifier: MIT */
/*
 * unix_path.h: the file an AF_UNIX socket is bound at. Shared by the
 * control socket and the sd_notify socket, which both bind at a path given
 * by the configuration and must not harm what they find there.
 *
 * Invariant: only a socket file nobody is bound to (connect() refused) is
 * ever removed. A live socket, a regular file, a directory or a symlink at
 * the path is left alone, and the bind is refused.
 */
#pragma once

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

/* *ret = path as a filesystem address, or -ENAMETOOLONG when path and its
 * NUL do not fit sun_path (-EINVAL for an empty path). */
int unix_path_address(const char *path, struct sockaddr_un *ret);
/* Creates path's directory (0755) unless it exists; its parent must. */
int unix_path_make_parent(const char *path);
/*
 * Makes the path free for a bind: 0 when nothing is there or a stale socket
 * file (connect() with `type` refused) was removed; -EADDRINUSE when a
 * socket is bound there (of any type); -EEXIST when something that is not
 * a socket is there (not followed, not removed); else -errno.
 */
int unix_path_reclaim(const struct sockaddr_un *sa, int type);
/* bind(2) at sa with the file created `mode` (umask set around the call:
 * one thread, so nothing else sees it). */
int unix_path_bind(int fd, const struct sockaddr_un *sa, mode_t mode);
