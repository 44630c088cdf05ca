/* SPDX-License-Identifier: MIT */
/*
 * instance_cgroup.c: each instance's cgroup: created with its limits before
 * the first spawn, watched through one inotify fd (cgroup.events,
 * memory.events, pids.events: the kernel notifies on change, so nothing is
 * polled), emptied with cgroup.kill, frozen with cgroup.freeze, removed when
 * the instance goes away.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "basic/log.h"
#include "policy/limits.h"
#include "policy/supervisor.h"

static bool cg_enabled(const struct supervisor *s) { return s->cg.fd >= 0; }

static struct instance *find_wd(struct supervisor *s, int wd)
{
	/* Linear, like supervisor_find_pid: cgroup events are rare (a start,
	 * an exit, a limit hit), and 1000 instances cost about a microsecond. */
	for (size_t i = 0; i < s->n_services; i++)
		for (uint32_t j = 0; j < s->services[i].n_instances; j++) {
			struct instance *inst = s->services[i].instances[j];
			if (inst && (inst->wd_events == wd || inst->wd_memory == wd || inst->wd_pids == wd))
				return inst;
		}
	return NULL;
}

static void on_cgroup_events(struct instance *inst)
{
	int populated = cgroup_populated(inst->cg_fd);
	int frozen = cgroup_frozen(inst->cg_fd);

	if (inst->awaiting_empty && populated == 0) {
		instance_tree_gone(inst);   /* may free inst */
		return;
	}
	if (frozen == 1 && inst->freeze_wanted)
		instance_event(inst, EV_FROZEN, "cgroup.events");
	else if (frozen == 0 && !inst->freeze_wanted && inst->state == STATE_FROZEN)
		instance_event(inst, EV_THAWED, "cgroup.events");
}

static void on_inotify(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct supervisor *s = userdata;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	(void)l, (void)revents;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return;   /* EAGAIN: drained */
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;
			p += sizeof(*e) + e->len;
			if (!(e->mask & IN_MODIFY))
				continue;
			struct instance *inst = find_wd(s, e->wd);
			if (!inst || inst->cg_fd < 0)
				continue;
			if (e->wd == inst->wd_events)
				on_cgroup_events(inst);
			else
				instance_cgroup_check_violations(inst);
		}
	}
}

static void report_leftover(const char *svc, const char *idx, unsigned npids, void *ud)
{
	char n[16];
	(void)ud;
	snprintf(n, sizeof(n), "%u", npids);
	log_warn("leftover cgroup services/%s/%s from a previous run held %u processes: killed",
		 svc, idx, npids);
	log_event("leftover-killed", svc, atoi(idx), "processes", n, NULL);
}

static void disable(struct supervisor *s, const char *fmt, const char *arg, int err)
{
	snprintf(s->cg_reason, sizeof(s->cg_reason), fmt, arg, strerror(-err));
	log_warn("running without cgroups: %s", s->cg_reason);
	cgroup_root_done(&s->cg);
}

int supervisor_cgroup_setup(struct supervisor *s, const char *root_opt, bool kill_fallback)
{
	const char *opt = root_opt ? root_opt : s->config->supervisor.cgroup_root;
	char mnt[512];
	int r;

	s->cg = CGROUP_ROOT_NULL;
	s->inotify_fd = -EBADF;
	if (opt && !strcmp(opt, "none")) {
		snprintf(s->cg_reason, sizeof(s->cg_reason), "cgroup_root is none");
		log_info("cgroups disabled by cgroup_root: none");
		return 0;
	}
	if (cgroup2_mount_point(mnt, sizeof(mnt)) < 0) {
		snprintf(s->cg_reason, sizeof(s->cg_reason), "cgroup2 is not mounted");
		log_warn("running without cgroups: cgroup2 is not mounted");
		return 0;
	}
	r = cgroup_root_open(opt && strcmp(opt, "auto") ? opt : NULL, &s->cg);
	if (r == -EBUSY)
		return log_error_errno(r, "cgroup root %s is used by another running ringvisor; "
				       "give this one its own supervisor.cgroup_root (or --cgroup-root)",
				       opt ? opt : "(auto)");
	if (r < 0) {
		disable(s, "cannot open the cgroup root %s: %s", opt ? opt : "(auto)", r);
		return 0;
	}
	if (kill_fallback)
		s->cg.has_kill = false;   /* exercise what kernels < 5.14 get */
	r = cgroup_root_enter(&s->cg, CGROUP_CTRL_ALL);
	if (r < 0) {
		disable(s, "cannot set up %s: %s", s->cg.path, r);
		return 0;
	}
	r = cgroup_root_sweep(&s->cg, report_leftover, s);
	if (r < 0)
		log_warn_errno(r, "Failed to look for leftover cgroups in %s", s->cg.path);

	s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->inotify_fd < 0)
		return log_error_errno(-errno, "inotify_init1");
	r = loop_add(s->loop, s->inotify_fd, POLLIN, on_inotify, s, &s->inotify_source);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n_services; i++) {
		struct service *svc = &s->services[i];
		r = cgroup_mkdir_open(s->cg.services_fd, svc->cfg->name, &svc->cg_fd);
		if (r < 0)
			return log_error_errno(r, "Failed to create the cgroup of %s", svc->cfg->name);
		if (s->cg.controllers)
			(void)cgroup_enable(svc->cg_fd, s->cg.controllers);
	}
	char ctrl[64] = "";
	for (unsigned bit = 1; bit <= CGROUP_CTRL_IO; bit <<= 1)
		if (s->cg.controllers & bit)
			snprintf(ctrl + strlen(ctrl), sizeof(ctrl) - strlen(ctrl), "%s%s",
				 ctrl[0] ? "," : "", cgroup_controller_name(bit));
	log_event("cgroups", NULL, -1, "root", s->cg.path, "controllers", ctrl[0] ? ctrl : "none",
		  "kill", s->cg.has_kill ? "cgroup.kill" : "freeze+kill", NULL);
	return 0;
}

void supervisor_cgroup_done(struct supervisor *s)
{
	for (size_t i = 0; s->services && i < s->n_services; i++)
		if (s->services[i].cg_fd >= 0) {
			s->services[i].cg_fd = safe_close(s->services[i].cg_fd);
			if (s->cg.services_fd >= 0)
				(void)cgroup_rmdir(s->cg.services_fd, s->services[i].cfg->name);
		}
	if (s->loop)
		loop_remove(s->loop, s->inotify_source);
	s->inotify_fd = safe_close(s->inotify_fd);
	cgroup_root_done(&s->cg);
}

static int add_watch(struct supervisor *s, const struct instance *inst, const char *file)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/services/%s/%u/%s", s->cg.path, inst->svc->cfg->name,
		 inst->index, file);
	int wd = inotify_add_watch(s->inotify_fd, path, IN_MODIFY);
	return wd < 0 ? -1 : wd;
}

static void read_seen(struct instance *inst, struct cg_seen *ret)
{
	*ret = inst->seen;
	(void)cgroup_read_key(inst->cg_fd, "memory.events", "oom_kill", &ret->oom_kill);
	(void)cgroup_read_key(inst->cg_fd, "memory.events", "high", &ret->high);
	(void)cgroup_read_key(inst->cg_fd, "pids.events", "max", &ret->pids_max);
}

int instance_cgroup_prepare(struct instance *inst)
{
	struct service *svc = inst->svc;
	struct supervisor *s = svc->sup;
	char name[16];
	int r;

	if (!cg_enabled(s))
		return -1;
	/* Never clone into a cgroup that cgroup.kill has hit: on this kernel
	 * (6.18) such a child is SIGKILLed at birth, every time. A fresh
	 * cgroup also starts memory.peak and the event counters afresh. */
	if (inst->cg_fd >= 0 && inst->cg_killed)
		instance_cgroup_release(inst);
	if (inst->cg_fd >= 0)
		return inst->cg_fd;
	inst->cg_killed = false;
	snprintf(name, sizeof(name), "%u", inst->index);
	r = cgroup_mkdir_open(svc->cg_fd, name, &inst->cg_fd);
	if (r < 0)
		return r;
	inst->cg_id = cgroup_id_of_fd(inst->cg_fd);
	enum limit_kind failed;
	r = limits_apply(inst->cg_fd, &svc->cfg->limits, s->cg.controllers, &failed);
	if (r < 0) {
		log_error_errno(r, "%s.%u: cannot write %s", svc->cfg->name, inst->index,
				limit_desc(failed)->file);
		instance_cgroup_release(inst);
		return r;
	}
	inst->wd_events = add_watch(s, inst, "cgroup.events");
	if (s->cg.controllers & CGROUP_CTRL_MEMORY)
		inst->wd_memory = add_watch(s, inst, "memory.events");
	if (s->cg.controllers & CGROUP_CTRL_PIDS)
		inst->wd_pids = add_watch(s, inst, "pids.events");
	if (inst->wd_events < 0)
		log_warn("%s.%u: cannot watch cgroup.events: the end of its tree will not be seen",
			 svc->cfg->name, inst->index);
	read_seen(inst, &inst->seen);
	return inst->cg_fd;
}

bool instance_cgroup_drain(struct instance *inst)
{
	if (inst->cg_fd < 0 || cgroup_populated(inst->cg_fd) != 1)
		return false;
	instance_cgroup_kill(inst);
	/* The kill may already be complete: then no event will come. */
	return cgroup_populated(inst->cg_fd) == 1;
}

void instance_cgroup_kill(struct instance *inst)
{
	if (inst->cg_fd < 0)
		return;
	/* A frozen task dies of SIGKILL too, but thaw so that nothing is left
	 * waiting for a thaw that never comes. */
	inst->cg_killed = true;
	int r = cgroup_kill(inst->cg_fd, inst->svc->sup->cg.has_kill);
	if (r < 0)
		log_warn_errno(r, "%s.%u: cgroup kill", inst->svc->cfg->name, inst->index);
}

int instance_cgroup_freeze(struct instance *inst, bool frozen)
{
	if (inst->cg_fd < 0)
		return -EOPNOTSUPP;
	inst->freeze_wanted = frozen;
	int r = cgroup_freeze(inst->cg_fd, frozen);
	if (r < 0)
		return r;
	/* Already in the wanted state: cgroup.events will not change again. */
	int now = cgroup_frozen(inst->cg_fd);
	if (now == 1 && frozen)
		instance_event(inst, EV_FROZEN, "cgroup.freeze");
	else if (now == 0 && !frozen)
		instance_event(inst, EV_THAWED, "cgroup.freeze");
	return 0;
}

void instance_cgroup_release(struct instance *inst)
{
	struct supervisor *s = inst->svc->sup;
	char name[16];

	if (inst->cg_fd < 0)
		return;
	int *wds[] = { &inst->wd_events, &inst->wd_memory, &inst->wd_pids };
	for (size_t i = 0; i < ELEMENTSOF(wds); i++)
		if (*wds[i] >= 0) {
			(void)inotify_rm_watch(s->inotify_fd, *wds[i]);
			*wds[i] = -1;
		}
	inst->cg_fd = safe_close(inst->cg_fd);
	inst->cg_id = 0;
	snprintf(name, sizeof(name), "%u", inst->index);
	int r = cgroup_rmdir(inst->svc->cg_fd, name);
	if (r < 0 && r != -ENOENT)
		log_warn_errno(r, "%s.%u: cannot remove its cgroup", inst->svc->cfg->name, inst->index);
}

void instance_cgroup_check_violations(struct instance *inst)
{
	const struct violation_config *v = &inst->svc->cfg->on_violation;
	struct cg_seen now;

	if (inst->cg_fd < 0)
		return;
	read_seen(inst, &now);
	struct cg_seen was = inst->seen;
	inst->seen = now;
	/* A group OOM kill (memory.oom.group) adds one to oom_kill per process
	 * it kills, and the increments may reach us in more than one event:
	 * those within a second of a counted one are the same kill. */
	uint64_t t = now_ns();
	if (now.oom_kill > was.oom_kill && inst->last_oom_ns &&
	    t - inst->last_oom_ns < NSEC_PER_SEC)
		was.oom_kill = now.oom_kill;
	if (now.oom_kill > was.oom_kill) {
		inst->last_oom_ns = t;
		inst->violations.oom++;
		instance_violation(inst, "oom-kill", v->oom == OOM_ACTION_RESTART ? VIOLATION_RESTART :
				   v->oom == OOM_ACTION_STOP ? VIOLATION_STOP : VIOLATION_IGNORE);
	}
	if (now.pids_max > was.pids_max) {
		inst->violations.pids++;
		instance_violation(inst, "pids-max", v->pids == PIDS_ACTION_RESTART ? VIOLATION_RESTART :
				   v->pids == PIDS_ACTION_STOP ? VIOLATION_STOP :
				   v->pids == PIDS_ACTION_FREEZE ? VIOLATION_FREEZE : VIOLATION_LOG);
	}
	if (now.high > was.high) {
		inst->violations.memory_high++;
		instance_violation(inst, "memory-high", v->memory_high == MEMHIGH_ACTION_RESTART ? VIOLATION_RESTART :
				   v->memory_high == MEMHIGH_ACTION_FREEZE ? VIOLATION_FREEZE : VIOLATION_LOG);
	}
}
