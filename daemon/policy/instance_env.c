/* SPDX-License-Identifier: MIT */
/*
 * instance_env.c: how an instance's programs run: its own process and its
 * exec checks alike.
 */
#include <stdio.h>
#include <string.h>

#include "policy/instance_env.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void instance_env(const struct instance *inst, struct spawn_params *p, struct env_buf *b)
{
	const struct service_config *c = inst->cfg;
	bool has_path = false;
	size_t n = 0;

	for (size_t i = 0; i < c->n_env; i++) {
		has_path |= !strncmp(c->env[i], "PATH=", 5);
		b->envp[n++] = c->env[i];
	}
	if (!has_path)
		b->envp[n++] = (char *)DEFAULT_PATH;
	snprintf(b->svc_var, sizeof(b->svc_var), "RINGVISOR_SERVICE=%s", c->name);
	snprintf(b->idx_var, sizeof(b->idx_var), "RINGVISOR_INDEX=%u", inst->index);
	b->envp[n++] = b->svc_var;
	b->envp[n++] = b->idx_var;
	b->envp[n] = NULL;
	b->n = n;
	*p = (struct spawn_params){
		.argv = c->argv, .envp = b->envp, .cwd = c->cwd,
		.umask = c->has_umask ? (int)c->umask : -1, .nofile = c->nofile,
		.nofile_soft = inst->rt->child_nofile_soft,
		.has_uid = c->has_uid, .has_gid = c->has_gid, .uid = c->uid, .gid = c->gid,
		.groups = c->groups, .n_groups = c->n_groups,
		.keep_caps = c->caps, .n_keep_caps = c->n_caps,
		.stdin_fd = -1, .stdout_fd = inst->log_out->wfd,
		.stderr_fd = inst->log_err ? inst->log_err->wfd : inst->log_out->wfd,
		.cgroup_fd = -1,
	};
}

