/* SPDX-License-Identifier: MIT */
/*
 * instance_cgroup.c: see instance_cgroup.h. Mechanism for one instance:
 * returns -errno, logs at debug at most; instance.c decides.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/time_util.h"
#include "kernel/cgroup.h"
#include "policy/instance_cgroup.h"

static void read_seen(const struct instance_cgroup *cg, struct cg_seen *ret)
{
	*ret = cg->seen;
	(void)cgroup_read_key(cg->fd, "memory.events", "oom_kill", &ret->oom_kill);
	(void)cgroup_read_key(cg->fd, "memory.events", "high", &ret->high);
	(void)cgroup_read_key(cg->fd, "pids.events", "max", &ret->pids_max);
}

static int fail(struct instance_cgroup *cg, const struct instance_cgroup_place *p, int r,
		enum instance_cgroup_step step, enum limit_kind limit)
{
	cg->error = r;
	cg->error_step = step;
	cg->error_limit = limit;
	instance_cgroup_release(cg, p);
	return r;
}

const char *instance_cgroup_error_what(const struct instance_cgroup *cg, const char *service,
				       unsigned index, char *buf, size_t len)
{
	if (cg->error_step == INSTANCE_CGROUP_STEP_LIMIT)
		snprintf(buf, len, "%s", limit_desc(cg->error_limit)->file);
	else
		snprintf(buf, len, "mkdir services/%s/%u", service, index);
	return buf;
}

static int watch(struct instance_cgroup *cg, const struct instance_cgroup_place *p,
		 const char *file, int *wd)
{
	return cgroup_watch_add(p->watch, cg->fd, file, p->on_change, p->userdata, wd);
}

int instance_cgroup_prepare(struct instance_cgroup *cg, const struct instance_cgroup_place *p,
			    const struct limits_config *limits)
{
	char name[16];
	enum limit_kind failed;
	int r;

	/* Never clone into a cgroup that cgroup.kill has hit: on this kernel
	 * (6.18) such a child is SIGKILLed at birth, every time. A fresh
	 * cgroup also starts memory.peak and the event counters afresh. */
	if (cg->fd >= 0 && cg->killed)
		instance_cgroup_release(cg, p);
	if (cg->fd >= 0)
		return 0;
	*cg = INSTANCE_CGROUP_NULL;
	snprintf(name, sizeof(name), "%u", p->index);
	r = cgroup_mkdir_open(p->parent_fd, name, &cg->fd);
	if (r < 0)
		return fail(cg, p, r, INSTANCE_CGROUP_STEP_MKDIR, 0);
	cg->id = cgroup_id_of_fd(cg->fd);
	r = limits_apply(cg->fd, limits, p->controllers, &failed);
	if (r < 0)
		return fail(cg, p, r, INSTANCE_CGROUP_STEP_LIMIT, failed);
	/* The limits hold without the watches; what is lost is news (the end
	 * of a tree, a violation), and the caller says so. */
	r = watch(cg, p, "cgroup.events", &cg->wd_events);
	if (r >= 0 && (p->controllers & CGROUP_CTRL_MEMORY))
		r = watch(cg, p, "memory.events", &cg->wd_memory);
	if (r >= 0 && (p->controllers & CGROUP_CTRL_PIDS))
		r = watch(cg, p, "pids.events", &cg->wd_pids);
	cg->watch_error = r < 0 ? r : 0;
	read_seen(cg, &cg->seen);
	/* Born frozen under a frozen ancestor: the spawn must know. */
	(void)instance_cgroup_frozen(cg);
	return 0;
}

void instance_cgroup_release(struct instance_cgroup *cg, const struct instance_cgroup_place *p)
{
	char name[16];
	int *wds[] = { &cg->wd_events, &cg->wd_memory, &cg->wd_pids };

	for (size_t i = 0; i < ELEMENTSOF(wds); i++) {
		cgroup_watch_remove(p->watch, *wds[i]);
		*wds[i] = -1;
	}
	if (cg->fd < 0)
		return;
	cg->fd = safe_close(cg->fd);
	cg->id = 0;
	snprintf(name, sizeof(name), "%u", p->index);
	/* ENOENT: already gone; EBUSY: processes are still dying (only at
	 * teardown, after the shutdown deadline); the next start sweeps it. */
	(void)cgroup_rmdir(p->parent_fd, name);
}

int instance_cgroup_kill(struct instance_cgroup *cg, bool has_kill)
{
	if (cg->fd < 0)
		return 0;
	cg->killed = true;
	return cgroup_kill(cg->fd, has_kill);
}

bool instance_cgroup_drain(struct instance_cgroup *cg, bool has_kill)
{
	if (cg->fd < 0 || cgroup_populated(cg->fd) != 1)
		return false;
	(void)instance_cgroup_kill(cg, has_kill);
	/* The kill may already be complete: then no event will come. */
	return cgroup_populated(cg->fd) == 1;
}

int instance_cgroup_freeze(struct instance_cgroup *cg, bool frozen)
{
	return cg->fd < 0 ? -EOPNOTSUPP : cgroup_freeze(cg->fd, frozen);
}

int instance_cgroup_populated(const struct instance_cgroup *cg)
{
	return cg->fd < 0 ? -EBADF : cgroup_populated(cg->fd);
}

int instance_cgroup_events(struct instance_cgroup *cg, struct cgroup_events *ret)
{
	int r = cg->fd < 0 ? -EBADF : cgroup_read_events(cg->fd, ret);

	if (r < 0)
		return r;
	cg->frozen_seen = ret->frozen == 1;
	cg->populated_seen = ret->populated == 1;
	return 0;
}

int instance_cgroup_frozen(struct instance_cgroup *cg)
{
	struct cgroup_events ev;
	int r = instance_cgroup_events(cg, &ev);

	return r < 0 ? r : cgroup_events_value(ev.frozen);
}

unsigned instance_cgroup_new_violations(struct instance_cgroup *cg, unsigned controllers,
					enum violation_kind out[3])
{
	struct cg_seen now;
	unsigned n = 0;

	if (cg->fd < 0 || !(controllers & (CGROUP_CTRL_MEMORY | CGROUP_CTRL_PIDS)))
		return 0;
	read_seen(cg, &now);
	struct cg_seen was = cg->seen;
	cg->seen = now;
	uint64_t t = now_ns();
	if (now.oom_kill > was.oom_kill && cg->last_oom_ns && t - cg->last_oom_ns < NSEC_PER_SEC)
		was.oom_kill = now.oom_kill;
	if (now.oom_kill > was.oom_kill) {
		cg->last_oom_ns = t;
		out[n++] = VIOLATION_OOM_KILL;
	}
	if (now.pids_max > was.pids_max)
		out[n++] = VIOLATION_PIDS_MAX;
	if (now.high > was.high)
		out[n++] = VIOLATION_MEMORY_HIGH;
	return n;
}
