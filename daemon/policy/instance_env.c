/* SPDX-License-Identifier: MIT */
/*
 * instance_env.c: how an instance's programs run: its own process and its
 * exec checks alike.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "policy/instance_env.h"

#define DEFAULT_PATH "PATH=" CONFIG_DEFAULT_PATH /* config.h: check looks there too */

/* The daemon's own protocol variables never pass to a service: a service
 * that inherited NOTIFY_SOCKET would tell systemd it is ready on the
 * daemon's behalf; ringvisor sets its own where readiness asks for them. */
static const char *const never_inherited[] = {
	"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID",
	"LISTEN_FDNAMES", "RINGVISOR_SERVICE", "RINGVISOR_INDEX", "RINGVISOR_REEXEC",
};

static bool var_named(const char *var, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(var, name, n) && var[n] == '=';
}

/* var is in c's inherit_env and not one the config sets itself. */
static bool inherited(const struct service_config *c, const char *var)
{
	bool listed = c->inherit_env == INHERIT_ENV_ALL;

	for (size_t i = 0; i < c->n_inherit_names && !listed; i++)
		listed = var_named(var, c->inherit_names[i]);
	for (size_t i = 0; i < ELEMENTSOF(never_inherited) && listed; i++)
		listed = !var_named(var, never_inherited[i]);
	for (size_t i = 0; i < c->n_env && listed; i++) {
		const char *eq = strchr(c->env[i], '=');
		listed = strncmp(var, c->env[i], (size_t)(eq - c->env[i]) + 1) != 0;
	}
	return listed;
}

/* The daemon's variables that c inherits, at most CONFIG_MAX_ENV. */
static size_t add_inherited(const struct instance *inst, struct env_buf *b, size_t n)
{
	const struct service_config *c = inst->cfg;
	size_t added = 0, skipped = 0;

	if (c->inherit_env == INHERIT_ENV_NONE)
		return n;
	for (char **e = environ; *e; e++) {
		if (!strchr(*e, '=') || !inherited(c, *e))
			continue;
		if (added == CONFIG_MAX_ENV) {
			skipped++;
			continue;
		}
		b->envp[n++] = *e;
		added++;
	}
	if (skipped)
		log_warn("%s.%u: inherit_env: the daemon has more than %d variables to pass, %zu left out",
			 c->name, inst->index, CONFIG_MAX_ENV, skipped);
	return n;
}

void instance_env(const struct instance *inst, struct spawn_params *p, struct env_buf *b)
{
	const struct service_config *c = inst->cfg;
	bool has_path = false;
	size_t n = add_inherited(inst, b, 0);

	for (size_t i = 0; i < n && !has_path; i++)
		has_path = !strncmp(b->envp[i], "PATH=", 5);
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

