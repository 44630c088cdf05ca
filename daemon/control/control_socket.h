/* SPDX-License-Identifier: MIT */
/*
 * control_socket.h: the control socket's file and its peers' identity.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "config/config.h"

/* Binds and listens on `path` (creating its directory, 0755), mode 0666.
 * Refuses with -EADDRINUSE when another daemon answers on it; a stale
 * socket file left by a dead daemon is replaced. Says why on failure. */
int control_socket_listen(const char *path, int *ret_fd);
/* The same for any unix listener; `what` names it in errors ("metrics
 * socket"). */
int unix_socket_listen(const char *what, const char *path, int *ret_fd);
/* Root, or a member of the configured admin group (primary or
 * supplementary): may change things. The peer's uid in *ret_uid. */
bool control_peer_is_admin(int fd, const struct supervisor_config *sc, uid_t *ret_uid);
