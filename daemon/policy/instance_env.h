/* SPDX-License-Identifier: MIT */
/*
 * instance_env.h: the parameters a service's programs run with: its
 * identity, cwd, limits and output, and its environment: what it inherits
 * of the daemon's (inherit_env), the service's env_file, env and user
 * variables (config_env.c), a default PATH unless one of those sets it, RINGVISOR_SERVICE and
 * RINGVISOR_INDEX (and, added by instance_ready.c, NOTIFY_SOCKET and
 * WATCHDOG_USEC).
 */
#pragma once

#include <stddef.h>

#include "kernel/spawn.h"
#include "policy/instance.h"

struct env_buf {
	char svc_var[32 + CONFIG_MAX_NAME_LEN];
	char idx_var[40];
	char notify_var[160];           /* NOTIFY_SOCKET=<path> */
	char watchdog_var[48];          /* WATCHDOG_USEC=<n> */
	char *envp[2 * CONFIG_MAX_ENV + 6]; /* inherited, the config's, ours */
	size_t n;                       /* entries in envp, NULL excluded */
};

/* p and b filled in; p->argv is the service's command, p->cgroup_fd -1. */
void instance_env(const struct instance *inst, struct spawn_params *p, struct env_buf *b);
