/* SPDX-License-Identifier: MIT */
/*
 * instance_spawn.c: making an instance's process: its cgroup, environment
 * and parameters, the clone, and the loop watches on its pidfd and its
 * exec-error pipe (whose callbacks instance.c gives in struct
 * instance_hooks); and signals to that process.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "basic/log.h"
#include "policy/instance_env.h"
#include "policy/instance_ready.h"
#include "policy/instance_spawn.h"

#define LOG_INST(inst, event, ...) log_event(event, (inst)->cfg->name, (int)(inst)->index, __VA_ARGS__)

struct instance_cgroup_place instance_place(struct instance *inst, const struct instance_hooks *h)
{
	const struct runtime *rt = inst->rt;
	return (struct instance_cgroup_place){
		.parent_fd = inst->parent_cg_fd, .service = inst->cfg->name, .index = inst->index,
		.controllers = rt->cg ? rt->cg->controllers : 0, .has_kill = rt->cg && rt->cg->has_kill,
		.watch = rt->watch, .on_change = h ? h->on_cgroup_change : NULL, .userdata = inst,
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
	(void)idmap_remove(&inst->rt->pids, (uint64_t)inst->pid.pid, inst);
	pidref_done(&inst->pid);
	inst->rt->live_processes--;
}

/*
 * Never clone into a frozen cgroup: the child stops at birth (the freezer
 * traps it on its way to user space), and with CLONE_VFORK the daemon waits
 * for its exec, so the whole daemon would hang until a thaw (the chaos soak
 * found it: a frozen instance's process killed, its restart cloned into
 * the cgroup still frozen). The freeze of the last process is ours to undo;
 * one that stays (an ancestor's cgroup.freeze, set by hand) fails the
 * start, through the restart policy, until it is lifted. What was seen is
 * what the events watch last read: a freeze set by hand in the instant
 * before the clone is not seen (docs/cgroups.md).
 */
static int unfreeze(struct instance *inst)
{
	if (!inst->freeze_wanted && !inst->cg.frozen_seen)
		return 0;
	inst->freeze_wanted = false;
	(void)instance_cgroup_freeze(&inst->cg, false);
	if (instance_cgroup_frozen(&inst->cg) != 1)
		return 0;
	return log_error_errno(-EBUSY, "%s.%u: its cgroup stays frozen (an ancestor's cgroup.freeze?): "
			       "not starting a process there", inst->cfg->name, inst->index);
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
		return unfreeze(inst);
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

	instance_env(inst, &p, &buf);
	r = place(inst, h, &p.cgroup_fd);
	/* Outside its cgroup no later daemon could find it again. */
	p.die_with_parent = rt->children_die || p.cgroup_fd < 0;
	if (r >= 0 && inst->rd)
		r = instance_ready_prepare(inst, &p, &buf);
	if (r < 0)
		return r;
	/* Before the clone: the child's own clock starts after it, so a
	 * time counted from here (uptime, ready_after_ms) never comes out
	 * short of one the child counts, however late the daemon runs on. */
	uint64_t spawned_ns = now_ns();
	r = spawn_process(rt->spawn_method, &p, &inst->pid, &errpipe);
	if (inst->rd)
		instance_ready_spawned(inst);   /* the child has its end of the fd pipe, or failed */
	if (r < 0)
		return r;
	rt->live_processes++;
	/* A new process: the old one's fd and thread trend says nothing of it. */
	leak_history_reset(&inst->leak.hist);
	inst->leak.last = (struct leak_verdicts){ 0 };
	inst->errpipe = errpipe;
	inst->exec_error = (struct spawn_error){ 0 };
	inst->started_ns = spawned_ns;
	inst->kill_sent = false;
	inst->adopted = false;
	r = idmap_put(&rt->pids, (uint64_t)inst->pid.pid, inst);
	if (r >= 0)
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
	/* Its record for a later daemon is written once the exec is seen
	 * (on_errpipe): reading the start time now would wait on the child's
	 * exec (its exec_update_lock) while the child waits for the CPU. */
	LOG_INST(inst, "start", LOG_NUM("pid", inst->pid.pid), NULL);
	return 0;
}

int instance_signal(struct instance *inst, int sig)
{
	return pidref_kill(&inst->pid, sig);
}

void instance_kill(struct instance *inst)
{
	if (!pidref_is_set(&inst->pid) && !inst->awaiting_empty)
		return;
	inst->kill_sent = true;
	(void)pidref_kill_group(&inst->pid, SIGKILL);
	int r = instance_cgroup_kill(&inst->cg, inst->rt->cg && inst->rt->cg->has_kill);
	if (r < 0)
		log_warn_errno(r, "%s.%u: cgroup kill", inst->cfg->name, inst->index);
}
