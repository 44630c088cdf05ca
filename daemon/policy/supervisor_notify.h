/* SPDX-License-Identifier: MIT */
/*
 * supervisor_notify.h: the daemon's one sd_notify socket, for every
 * service with readiness: {notify: true}, and the routing of each message
 * to the instance that sent it.
 *
 * The socket is "<control socket>.notify" (0666: services run as their own
 * users), opened only when some service asks for it. A message counts only
 * when its sender (SCM_CREDENTIALS) is a process of the instance: in the
 * instance's cgroup, read from /proc/<pid>/cgroup, or, without cgroups, in
 * the session its main process leads. Anything else (another instance's
 * cgroup, a probe, a stranger, a message without credentials, a malformed
 * one) is dropped and counted: a service can only speak for itself.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/loop.h"
#include "policy/service.h"

#define NOTIFY_PER_TURN 64   /* datagrams read per wakeup: a flood waits its turn */

struct supervisor_notify {
	int fd;                         /* -EBADF: no socket */
	loop_id source;
	char path[108];
	char cg_prefix[512];            /* "<root, as /proc/PID/cgroup shows it>/services/"; "" without cgroups */
	struct service *services;
	size_t n_services;
	uint64_t received, accepted, dropped;
	char last_drop[128];            /* why the last one was dropped */
};

bool supervisor_notify_wanted(const struct config *c);
/* Opens the socket at socket_path + ".notify". -errno, said. */
int supervisor_notify_open(struct supervisor_notify *n, struct loop *l, const char *socket_path,
			   bool have_cgroups, struct service *services, size_t n_services);
void supervisor_notify_close(struct supervisor_notify *n, struct loop *l);
