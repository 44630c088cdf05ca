/* SPDX-License-Identifier: MIT */
/*
 * snapshot_job.c: see snapshot_job.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/macro.h"
#include "kernel/cgroup.h"
#include "policy/snapshot_job.h"

static void on_child(struct loop *l, int fd, uint32_t revents, void *userdata);
static void on_deadline(struct loop *l, void *userdata);

void snapshot_job_init(struct snapshot_job *j, struct loop *l, struct snapshots *sn)
{
	*j = (struct snapshot_job){ .loop = l, .sn = sn, .child = PIDREF_NULL, .result_fd = -EBADF };
	loop_timer_init(&j->deadline, on_deadline, j);
}

bool snapshot_job_busy(const struct snapshot_job *j)
{
	return pidref_is_set(&j->child);
}

bool snapshot_job_owns(const struct snapshot_job *j, pid_t pid)
{
	return pidref_is_set(&j->child) && j->child.pid == pid;
}

static struct instance *instance_of(const struct snapshot_job *j)
{
	struct instance *inst = j->index < j->svc->n_instances ? j->svc->instances[j->index] : NULL;
	return inst && inst->serial == j->serial ? inst : NULL;
}

/* The child: write, and say how it went on the result pipe (the exit
 * status may be taken by the daemon's reaper first). It never returns. */
static _Noreturn void child_main(struct snapshot_job *j, const struct instance *inst, const char *source,
				 int result_wr)
{
	int32_t r = snapshot_write(j->sn, inst, source, j->name);
	_exit(write(result_wr, &r, sizeof(r)) == sizeof(r) ? 0 : 1);
}

int snapshot_job_start(struct snapshot_job *j, struct service *svc, struct instance *inst,
		       const char *source, bool keep_frozen, snapshot_job_done_fn done, void *userdata)
{
	int r;

	if (snapshot_job_busy(j))
		return -EBUSY;
	if (!inst || inst->cg.fd < 0)
		return -EOPNOTSUPP;
	if ((r = snapshots_dir(j->sn)) < 0)   /* made here, once: the child must not race it */
		return r;
	int p[2];
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	_cleanup_close_ int result_wr = p[1];
	*j = (struct snapshot_job){ .loop = j->loop, .sn = j->sn, .child = PIDREF_NULL, .result_fd = p[0],
				    .deadline = j->deadline, .svc = svc, .index = inst->index,
				    .serial = inst->serial, .keep_frozen = keep_frozen, .done = done,
				    .userdata = userdata };
	snapshot_name(inst, j->name, sizeof(j->name));
	(void)cgroup_freeze(inst->cg.fd, true);
	r = pidref_fork(&j->child);
	if (r == 0)
		child_main(j, inst, source, result_wr);
	if (r > 0)
		r = loop_add(j->loop, j->child.fd, POLLIN, on_child, j, &j->source);
	if (r < 0) {
		j->result_fd = safe_close(j->result_fd);
		if (pidref_is_set(&j->child)) {
			(void)pidref_kill(&j->child, SIGKILL);
			pidref_done(&j->child);
		}
		if (!keep_frozen)
			(void)cgroup_freeze(inst->cg.fd, false);
		return r;
	}
	(void)loop_timer_start(j->loop, &j->deadline, now_ns() + SNAPSHOT_JOB_TIMEOUT_MS * NSEC_PER_MSEC);
	return 0;
}

/* The child ended (or was killed at the deadline): reap it, thaw, report. */
static void finish(struct snapshot_job *j, int timed_out)
{
	siginfo_t si;
	int32_t res;
	int r = read(j->result_fd, &res, sizeof(res)) == sizeof(res) ? res : -EINTR;
	char path[512];

	if (timed_out)
		r = -ETIMEDOUT;
	(void)pidref_reap(&j->child, &si);   /* unless the daemon's reaper did */
	j->result_fd = safe_close(j->result_fd);
	loop_remove(j->loop, j->source);
	j->source = LOOP_ID_NONE;
	loop_timer_stop(j->loop, &j->deadline);
	pidref_done(&j->child);
	struct instance *inst = instance_of(j);
	if (inst && !j->keep_frozen && inst->cg.fd >= 0)
		(void)cgroup_freeze(inst->cg.fd, false);
	snprintf(path, sizeof(path), "%s/snapshots/%s", j->sn->state_dir, j->name);
	if (r < 0 && j->sn->dir_fd >= 0) {
		char tmp[160];
		snprintf(tmp, sizeof(tmp), ".%s.tmp", j->name);
		(void)unlinkat(j->sn->dir_fd, tmp, 0);
	}
	if (j->done)
		j->done(j, inst, r, r == 0 ? path : NULL, j->userdata);
}

static void on_child(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	(void)l, (void)fd, (void)revents;
	/* A pidfd is readable once the process has exited (reaped or not). */
	finish(userdata, 0);
}

static void on_deadline(struct loop *l, void *userdata)
{
	struct snapshot_job *j = userdata;
	(void)l;

	/* Not waited for: a child stuck in the kernel (a hung file system)
	 * may take its time to die; the daemon's reaper takes it then. */
	(void)pidref_kill(&j->child, SIGKILL);
	finish(j, 1);
}

void snapshot_job_cancel(struct snapshot_job *j)
{
	if (!snapshot_job_busy(j))
		return;
	j->done = NULL;
	on_deadline(j->loop, j);
}
