/* SPDX-License-Identifier: MIT */
/*
 * leakwatch.c: see leakwatch.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/units.h"
#include "kernel/cgroup.h"
#include "policy/leakwatch.h"

static void arm(struct leakwatch *lw)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < lw->n_services; i++)
		next = MIN(next, lw->services[i].next_sample_ns);
	if (next != UINT64_MAX)
		(void)loop_timer_start(lw->loop, &lw->timer, next);
}

const char *leakwatch_source(const struct leakwatch *lw)
{
	return lw->probe ? probe_source_to_string(probe_source(lw->probe)) : "none";
}

/* What the probe knows an instance by: its cgroup's id, or without
 * cgroups a key of our own (never a cgroup id: those are inode numbers). */
#define TREE_KEY (1ULL << 63)
static uint64_t key_of(const struct leakwatch *lw, const struct instance *inst)
{
	return lw->tree ? TREE_KEY | inst->serial : inst->cg.id;
}

/* Whether the instance can be counted now: a cgroup, or a main process. */
static bool countable(const struct leakwatch *lw, const struct instance *inst)
{
	return lw->tree ? pidref_is_set(&inst->pid) : inst->cg.fd >= 0;
}

/* The processes of cgroup `id` in the sorted result: [*first, return). */
static size_t find_range(const struct probe_result *r, uint64_t id, size_t *first)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->procs[mid].cgroup_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (hi < r->n && r->procs[hi].cgroup_id == id)
		hi++;
	return hi;
}

static void log_leak(const struct instance *inst, const char *snapshot)
{
	struct leak_trend trend, *t = &trend;
	char rate[64], horizon[32];

	leak_evaluate_again(&inst->leak.hist, &inst->cfg->leak, &inst->leak.last,
			    inst->leak.sampled_ns / NSEC_PER_MSEC, t);
	const struct leak_series_trend *st = &t->series[t->worst];
	leak_format_rate(t->worst, st->per_hour, rate, sizeof(rate));
	format_duration_ms(st->horizon_ms, horizon, sizeof(horizon));
	log_event("leak", inst->cfg->name, (int)inst->index, "reason", t->reason, "rate", rate,
		  "over", horizon, LOG_NUM("times", inst->leak.leaks), "snapshot", snapshot, NULL);
}

/* The snapshot is written (or not): now the policy acts. */
static void on_snapshot(struct snapshot_job *j, struct instance *inst, int result, const char *path,
			void *userdata)
{
	(void)j, (void)userdata;
	if (!inst)
		return;   /* gone meanwhile: nothing left to act on */
	log_leak(inst, result < 0 ? strerror(-result) : path);
	instance_violation(inst, VIOLATION_LEAK);
}

static void on_leak_verdict(struct leakwatch *lw, struct instance *inst)
{
	enum violation_action action = inst->cfg->on_violation.leak;

	if (action == VIOLATION_LOG || action == VIOLATION_IGNORE) {
		log_leak(inst, "none (policy log)");
		instance_violation(inst, VIOLATION_LEAK);
		return;
	}
	/* The evidence first, while the tree is as it was (frozen meanwhile;
	 * with the freeze policy it stays frozen, and the violation records
	 * the wish so cgroup.events moves the state to frozen). */
	for (size_t i = 0; i < LEAKWATCH_SNAPSHOT_JOBS; i++)
		if (!snapshot_job_busy(&lw->jobs[i]) &&
		    snapshot_job_start(&lw->jobs[i], inst->svc, inst, leakwatch_source(lw),
				       action == VIOLATION_FREEZE, on_snapshot, lw) >= 0)
			return;
	lw->snapshots_skipped++;
	log_leak(inst, "skipped (snapshots already being written)");
	instance_violation(inst, VIOLATION_LEAK);
}

bool leakwatch_owns_pid(const struct leakwatch *lw, pid_t pid)
{
	for (size_t i = 0; i < LEAKWATCH_SNAPSHOT_JOBS; i++)
		if (snapshot_job_owns(&lw->jobs[i], pid))
			return true;
	return false;
}

/* Sums the instance's processes of this pass and judges the trend. */
/* The instance's sums over its processes of this pass; keeps the
 * per-process view for `leaks` and snapshots. Returns their resident bytes. */
static uint64_t sum_pass(struct leak_state *ls, const struct probe_result *res, size_t first, size_t end)
{
	uint64_t rss = 0;

	ls->fds = ls->threads = 0;
	memset(ls->fds_by_kind, 0, sizeof(ls->fds_by_kind));
	for (size_t i = first; i < end; i++) {
		ls->fds += res->procs[i].nr_fds;
		ls->threads += res->procs[i].threads;
		rss += res->procs[i].rss;
		for (int k = 0; k < _FD_KIND_MAX; k++)
			ls->fds_by_kind[k] += res->procs[i].fds[k];
	}
	size_t n = end - first;
	/* Most passes find as many processes as the last: no realloc then. */
	struct proc_counts *p = n == ls->n_procs ? ls->procs : n ? reallocarray(ls->procs, n, sizeof(*p)) : NULL;
	if (n && !p)
		n = 0;
	else if (n) {
		memcpy(p, res->procs + first, n * sizeof(*p));
		ls->procs = p;
	}
	ls->n_procs = n;
	return rss;
}

/* The new sample into the history, the verdict, and what it calls for. */
static void judge(struct leakwatch *lw, struct instance *inst, uint64_t now)
{
	struct leak_state *ls = &inst->leak;
	const struct service_config *c = inst->cfg;
	struct leak_point pt = { .t_ms = now / NSEC_PER_MSEC, .fds = ls->fds, .threads = ls->threads,
				 .memory = ls->memory };
	struct leak_verdicts prev = ls->last;
	struct leak_config lc;

	leak_history_add(&ls->hist, &pt);
	leak_config_from(&lc, &c->leak);
	leak_judge(&ls->hist, &lc, pt.t_ms, &prev, &ls->last);
	if (ls->last.verdict == LEAK_LEAKING && prev.verdict != LEAK_LEAKING) {
		ls->leaks++;
		ls->leaked_ns = now;
		on_leak_verdict(lw, inst);
	} else if (prev.verdict == LEAK_LEAKING && ls->last.verdict == LEAK_OK) {
		/* Stopped growing: said, so the on-call engineer knows it is over. */
		log_event("leak-over", c->name, (int)inst->index, "reason", "no new high",
			  "series", leak_series_to_string(prev.worst), NULL);
	}
}

/* Sums the instance's processes of this pass and judges the trend. */
static void account(struct leakwatch *lw, struct instance *inst, uint64_t now)
{
	struct leak_state *ls = &inst->leak;
	const struct service_config *c = inst->cfg;
	size_t first, end = find_range(&lw->res, key_of(lw, inst), &first);

	if (!ls->hist.s) {
		uint64_t cap = c->leak.window_ms / MAX(c->leak.sample_every_ms, 1) + 2;
		if (leak_history_init(&ls->hist, (uint32_t)MIN(cap, (uint64_t)LEAK_HISTORY_MAX)) < 0)
			return;
	}
	uint64_t rss = sum_pass(ls, &lw->res, first, end);
	ls->sampled_ns = now;
	/* Memory: the cgroup's own count where the memory controller is on
	 * (page cache and kernel memory too), else what the processes hold
	 * resident, summed (shared pages counted in each). */
	if (!ls->no_memory_current && cgroup_read_u64(inst->cg.fd, "memory.current", &ls->memory) >= 0) {
		ls->memory_source = "memory.current";
	} else {
		/* No memory controller in this cgroup: it does not come later
		 * (subtree_control is set before the instance starts), so the
		 * failed openat is not repeated every pass. */
		if (!ls->memory_source)
			ls->no_memory_current = true;
		ls->memory = rss;
		ls->memory_source = "rss";
	}
	judge(lw, inst, now);
}

static int grow_due(struct leakwatch *lw)
{
	size_t cap = lw->cap_due ? lw->cap_due * 2 : 64;
	struct leak_due *d = reallocarray(lw->due, cap, sizeof(*d));
	if (!d)
		return -ENOMEM;
	lw->due = d;
	lw->cap_due = cap;
	return 0;
}

/* The instances of every service whose sample is due (a little early is
 * fine: batch rather than wake twice). Bounded by the instance capacity:
 * each instance is due at most once. */
static size_t collect_due(struct leakwatch *lw, uint64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < lw->n_services; i++) {
		struct service *svc = &lw->services[i];
		if (svc->next_sample_ns > now + 50 * NSEC_PER_MSEC)
			continue;
		svc->next_sample_ns = now + svc->cfg->leak.sample_every_ms * NSEC_PER_MSEC;
		for (uint32_t j = 0; j < svc->n_instances; j++) {
			struct instance *inst = svc->instances[j];
			if (!inst || !countable(lw, inst) || !state_has_process(inst->state))
				continue;
			if (n == lw->cap_due && grow_due(lw) < 0)
				return n;
			lw->due[n++] = (struct leak_due){ svc, inst->index, inst->serial };
		}
	}
	return n;
}

/* The due instance, if it is still the one (and can still be counted). */
static struct instance *resolve(const struct leakwatch *lw, const struct leak_due *d)
{
	struct instance *inst = d->index < d->svc->n_instances ? d->svc->instances[d->index] : NULL;
	return inst && inst->serial == d->serial && countable(lw, inst) ? inst : NULL;
}

/* One slice of the pass: the next due instances, counted in one probe run. */
static void run_slice(struct leakwatch *lw)
{
	/* A tree pass reads all of /proc anyway, as BPF walks every task. */
	size_t max = probe_source(lw->probe) == PROBE_SOURCE_PROCFS && !lw->tree ? LEAKWATCH_SLICE
										: LEAKWATCH_SLICE_MAX;
	size_t n = 0;

	while (lw->next_due < lw->n_due && n < max) {
		struct instance *inst = resolve(lw, &lw->due[lw->next_due++]);
		if (!inst)
			continue;
		lw->target_insts[n] = inst;
		lw->targets[n++] = lw->tree ? (struct probe_target){ .cgroup_id = key_of(lw, inst), .cgroup_fd = -1,
								     .root_pid = inst->pid.pid }
					    : (struct probe_target){ .cgroup_id = inst->cg.id, .cgroup_fd = inst->cg.fd };
	}
	if (n > 0) {
		int r = probe_run(lw->probe, lw->targets, n, &lw->res);
		if (r < 0) {
			log_warn_errno(r, "leak probe pass failed");
		} else {
			lw->cpu_ns_last += lw->res.cpu_ns;
			for (size_t i = 0; i < n; i++)
				account(lw, lw->target_insts[i], lw->due_ns);
		}
	}
	if (lw->next_due < lw->n_due) {
		(void)loop_timer_start(lw->loop, &lw->slice_timer, 0);
		return;
	}
	lw->passes++;
	lw->wall_ns_last = now_ns() - lw->due_ns;
	arm(lw);
}

static void on_slice(struct loop *l, void *userdata)
{
	(void)l;
	run_slice(userdata);
}

static void on_sample(struct loop *l, void *userdata)
{
	struct leakwatch *lw = userdata;
	(void)l;

	if (!lw->probe) {   /* leakwatch_open_probe_later() */
		if (leakwatch_open_probe(lw) < 0)
			log_error("leak watch off: no probe could start");
		return;
	}

	if (lw->next_due < lw->n_due)
		return;   /* the last pass is still being sliced */
	lw->due_ns = now_ns();
	lw->n_due = collect_due(lw, lw->due_ns);
	lw->next_due = 0;
	lw->cpu_ns_last = 0;
	run_slice(lw);
}

int leakwatch_start(struct leakwatch *lw, struct loop *l, struct service *services, size_t n,
		    struct snapshots *sn, bool have_cgroups, const char *no_cgroups_reason,
		    enum probe_mode mode, int scope_fd)
{
	*lw = (struct leakwatch){ .loop = l, .services = services, .n_services = n, .snapshots = sn,
				  .mode = mode, .scope_fd = scope_fd };
	loop_timer_init(&lw->timer, on_sample, lw);
	loop_timer_init(&lw->slice_timer, on_slice, lw);
	for (size_t i = 0; i < LEAKWATCH_SNAPSHOT_JOBS; i++)
		snapshot_job_init(&lw->jobs[i], l, sn);
	/* BPF tells processes apart by cgroup id: without cgroups, /proc
	 * by process tree. */
	lw->tree = !have_cgroups;
	if (lw->tree)
		snprintf(lw->no_cgroups_reason, sizeof(lw->no_cgroups_reason), "%s", no_cgroups_reason);
	/* auto can always fall back to /proc: its probe is opened once the
	 * first spawns are done (leakwatch_open_probe_later), so loading BPF
	 * (~100 ms and more) is not on the path to the first child. A probe
	 * asked for by name must fail the start, so it is opened now. */
	return mode == PROBE_AUTO ? 0 : leakwatch_open_probe(lw);
}

void leakwatch_open_probe_later(struct leakwatch *lw)
{
	if (!lw->probe)
		(void)loop_timer_start(lw->loop, &lw->timer, now_ns());
}

int leakwatch_open_probe(struct leakwatch *lw)
{
	if (lw->probe)
		return 0;
	int r = probe_new(lw->tree ? PROBE_PROCFS : lw->mode, &lw->probe, lw->probe_why, sizeof(lw->probe_why));
	if (r < 0)
		return log_error_errno(r, "leak probe: %s", lw->probe_why[0] ? lw->probe_why : "cannot start");
	if (lw->scope_fd >= 0 && (r = probe_set_scope(lw->probe, lw->scope_fd)) < 0)
		log_warn_errno(r, "leak probe: cannot walk only the services' cgroups: walking them all");
	if (lw->tree) {
		snprintf(lw->probe_why, sizeof(lw->probe_why), "no cgroups (%s): instances told apart by "
			 "process tree", lw->no_cgroups_reason);
		log_warn("leak probe: counting from /proc (source: procfs): %s", lw->probe_why);
	} else if (probe_source(lw->probe) == PROBE_SOURCE_PROCFS && lw->mode == PROBE_AUTO)
		log_warn("leak probe: counting from /proc (source: procfs): %s", lw->probe_why);
	const char *walk = probe_walk(lw->probe);   /* bpf only: which walk */
	log_event("probe", NULL, -1, "source", leakwatch_source(lw), walk ? "walk" : NULL, walk, NULL);
	uint64_t now = now_ns();
	for (size_t i = 0; i < lw->n_services; i++)
		if (!lw->services[i].next_sample_ns)
			lw->services[i].next_sample_ns = now + lw->services[i].cfg->leak.sample_every_ms * NSEC_PER_MSEC;
	arm(lw);
	return 0;
}

void leakwatch_set_services(struct leakwatch *lw, struct service *services, size_t n)
{
	uint64_t now = now_ns();

	/* Slots of a pass in progress name services by pointer: drop them
	 * (the pass resumes with the next sample). */
	lw->n_due = lw->next_due = 0;
	lw->services = services;
	lw->n_services = n;
	for (size_t i = 0; i < n; i++)
		if (!services[i].next_sample_ns)
			services[i].next_sample_ns = now + services[i].cfg->leak.sample_every_ms * NSEC_PER_MSEC;
}

void leakwatch_stop(struct leakwatch *lw)
{
	if (lw->loop) {
		loop_timer_stop(lw->loop, &lw->timer);
		loop_timer_stop(lw->loop, &lw->slice_timer);
		for (size_t i = 0; i < LEAKWATCH_SNAPSHOT_JOBS; i++)
			snapshot_job_cancel(&lw->jobs[i]);
	}
	probe_result_done(&lw->res);
	lw->probe = probe_free(lw->probe);
	free(lw->due);
	lw->due = NULL;
	lw->n_due = lw->next_due = lw->cap_due = 0;
}
