/* SPDX-License-Identifier: MIT */
/*
 * instance_spawn.c: making an instance's process: its cgroup, environment
 * and parameters, the clone, and the loop watches on its pidfd and its
 * exec-error pipe (whose callbacks instance.c gives in struct
 * instance_hooks).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "basic/log.h"
#include "policy/instance_spawn.h"

#define LOG_INST(inst, event, ...) log_event(event, (inst)->cfg->name, (int)(inst)->index, __VA_ARGS__)
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct instance_cgroup_place instance_place(struct instance *inst, const struct instance_hooks *h)
{
	const struct runtime *rt = inst->rt;
	return (struct instance_cgroup_place){
		.parent_fd = inst->parent_cg_fd, .service = inst->cfg->name, .index = inst->index,
		.controllers = rt->cg ? rt->cg->controllers : 0, .has_kill = rt->cg && rt->cg->has_kill,
		.watch = rt->watch, .on_change = h->on_cgroup_change, .userdata = inst,
	};
}

/* The child's environment: the service's `env`, a default PATH unless it
 * sets one, and RINGVISOR_SERVICE / RINGVISOR_INDEX. */
struct env_buf {
	char svc_var[32 + CONFIG_MAX_NAME_LEN];
	char idx_var[40];
	char *envp[CONFIG_MAX_ENV + 4];
};

static void spawn_params(const struct instance *inst, struct spawn_params *p, struct env_buf *b)
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

void instance_close_errpipe(struct instance *inst)
{
	loop_remove(inst->rt->loop, inst->err_source);
	inst->err_source = LOOP_ID_NONE;
	inst->errpipe = safe_close(inst->errpipe);
}

/* Forget the main process (already reaped, or about to be abandoned). */
void instance_drop_process(struct instance *inst)
{
	if (!pidref_is_set(&inst->pid))
		return;
	loop_remove(inst->rt->loop, inst->pid_source);
	inst->pid_source = LOOP_ID_NONE;
	pidref_done(&inst->pid);
	inst->rt->live_processes--;
}

/*
 * The cgroup the child is cloned into, or -1 for none. Not being placed is
 * never silent: with strict_limits it fails the start; without, the
 * instance runs outside its cgroup, said here and in its status.
 */
static int place(struct instance *inst, const struct instance_hooks *h, int *ret_cg_fd)
{
	struct instance_cgroup_place p = instance_place(inst, h);

	*ret_cg_fd = -1;
	if (!runtime_has_cgroups(inst->rt))
		return 0;
	int r = instance_cgroup_prepare(&inst->cg, &p, &inst->cfg->limits);
	if (r >= 0) {
		if (inst->cg.watch_error)
			log_warn_errno(inst->cg.watch_error, "%s.%u: cannot watch its cgroup's events: "
				       "the end of its tree and its violations will not be seen",
				       inst->cfg->name, inst->index);
		*ret_cg_fd = inst->cg.fd;
		return 0;
	}
	char what[128];
	instance_cgroup_error_what(&inst->cg, inst->cfg->name, inst->index, what, sizeof(what));
	if (inst->rt->strict_limits)
		return log_error_errno(r, "%s.%u: cannot set up its cgroup (%s), strict_limits: not starting it",
				       inst->cfg->name, inst->index, what);
	log_warn_errno(r, "%s.%u: cannot set up its cgroup (%s): running it outside, its limits not "
		       "enforced", inst->cfg->name, inst->index, what);
	return 0;
}

int instance_spawn(struct instance *inst, const struct instance_hooks *h)
{
	struct runtime *rt = inst->rt;
	struct env_buf buf;
	struct spawn_params p;
	int errpipe, r;

	spawn_params(inst, &p, &buf);
	r = place(inst, h, &p.cgroup_fd);
	if (r < 0)
		return r;
	r = spawn_process(rt->spawn_method, &p, &inst->pid, &errpipe);
	if (r < 0)
		return r;
	rt->live_processes++;
	/* A new process: the old one's fd and thread trend says nothing of it. */
	leak_history_reset(&inst->leak.hist);
	inst->leak.trend = (struct leak_trend){ 0 };
	inst->errpipe = errpipe;
	inst->exec_error = (struct spawn_error){ 0 };
	inst->started_ns = now_ns();
	inst->kill_sent = false;
	r = loop_add(rt->loop, inst->pid.fd, POLLIN, h->on_exit, inst, &inst->pid_source);
	if (r >= 0)
		r = loop_add(rt->loop, errpipe, POLLIN, h->on_errpipe, inst, &inst->err_source);
	if (r < 0) {
		/* Without a watch we could never reap it: kill and reap now. */
		siginfo_t si;
		(void)pidref_kill_group(&inst->pid, SIGKILL);
		(void)waitid((idtype_t)P_PIDFD, (id_t)inst->pid.fd, &si, WEXITED);
		instance_close_errpipe(inst);
		instance_drop_process(inst);
		return r;
	}
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)inst->pid.pid);
	LOG_INST(inst, "start", "pid", pid, NULL);
	return 0;
}

