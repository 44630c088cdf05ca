/* SPDX-License-Identifier: MIT */
/*
 * instance_adopt.c: see instance_adopt.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "basic/log.h"
#include "config/config_diff.h"
#include "logs/logstream.h"
#include "policy/instance_adopt.h"
#include "policy/instance_ready.h"

/* Its stdout (and stderr when separate) pipes, where they are still the
 * ones it was given; else it keeps writing into a pipe nobody reads. */
static const char *adopt_pipes(struct instance *inst, const struct instance_record *rec)
{
	int r = logstream_adopt_pipe(inst->log_out, rec->pid, 1, rec->out_ino);
	if (r >= 0 && inst->log_err)
		r = logstream_adopt_pipe(inst->log_err, rec->pid, 2, rec->err_ino);
	if (r >= 0)
		return "recovered";
	log_warn_errno(r, "%s.%u: its output pipe could not be taken back: its output is lost from now on",
		       inst->cfg->name, inst->index);
	return "lost";
}

int instance_adopt_process(struct instance *inst, struct pidref *pid, const struct instance_record *rec,
			   const struct instance_hooks *h)
{
	struct instance_cgroup_place p = instance_place(inst, h);
	struct runtime *rt = inst->rt;

	/* The cgroup exists: opened, the current limits written, watched. */
	int r = instance_cgroup_prepare(&inst->cg, &p, &inst->cfg->limits);
	if (r < 0)
		return r;
	r = idmap_put(&rt->pids, (uint64_t)pid->pid, inst);
	if (r < 0)
		return r;
	r = loop_add(rt->loop, pid->fd, POLLIN, h->on_exit, inst, &inst->pid_source);
	if (r < 0) {
		(void)idmap_remove(&rt->pids, (uint64_t)pid->pid, inst);
		return r;
	}
	inst->pid = *pid;
	*pid = PIDREF_NULL;
	rt->live_processes++;
	/* After a reexec it is still our child (its status is ours to read);
	 * after a crash it was re-parented to init or a subreaper. */
	pid_t ppid = 0;
	inst->adopted = pidref_stat(inst->pid.pid, &ppid, NULL, NULL) < 0 || ppid != getpid();
	inst->restarts = rec->restarts;
	inst->backoff_n = rec->backoff_n;
	inst->started_ns = rec->started_ns;
	if (inst->rd && rec->ready)
		inst->rd->ready_seen = true;   /* ready again at once, not waiting for a READY=1 sent long ago */
	const char *pipes = adopt_pipes(inst, rec);
	log_event("adopted", inst->cfg->name, (int)inst->index, LOG_NUM("pid", inst->pid.pid),
		  LOG_NUM("restarts", inst->restarts), "output", pipes, NULL);
	return 0;
}
