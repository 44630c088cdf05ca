/* SPDX-License-Identifier: MIT */
/*
 * leakwatch.c: the leak probe on the daemon's deadline heap. One timer for
 * all services: when it fires, every service whose sample is due is counted
 * in ONE probe pass (BPF iterators, or /proc as a fallback), each instance's
 * sums go into its history ring, the trend is evaluated (leak.c), and an
 * instance that turns `leaking` gets its service's on_violation.leak.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "policy/supervisor.h"

static struct leak_config leak_cfg(const struct service_config *c)
{
	return (struct leak_config){
		.window_ms = c->leak.window_ms,
		.min_growth_per_hour = c->leak.min_growth_per_hour,
		.fds_max = c->leak.fds_max,
		.threads_max = c->leak.threads_max,
	};
}

static void arm(struct supervisor *s)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < s->n_services; i++)
		next = MIN(next, s->services[i].next_sample_ns);
	if (next != UINT64_MAX)
		(void)loop_timer_start(s->loop, &s->sample_timer, next);
}

void instance_leak_done(struct instance *inst)
{
	leak_history_done(&inst->leak.hist);
	free(inst->leak.procs);
	inst->leak = (struct leak_state){ 0 };
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

static void on_leak_verdict(struct instance *inst)
{
	static const enum violation_action map[] = {
		[LEAK_ACTION_LOG] = VIOLATION_LOG, [LEAK_ACTION_FREEZE] = VIOLATION_FREEZE,
		[LEAK_ACTION_RESTART] = VIOLATION_RESTART, [LEAK_ACTION_STOP] = VIOLATION_STOP,
	};
	enum leak_action a = inst->svc->cfg->on_violation.leak;
	char path[512] = "", rate[64];

	inst->violations.leak++;
	snprintf(rate, sizeof(rate), "%.0f fds/h, %.0f threads/h", inst->leak.trend.fds_per_hour,
		 inst->leak.trend.threads_per_hour);
	/* The evidence first, while the tree is as it was: with the freeze
	 * policy it stays frozen after the snapshot. */
	int r = instance_snapshot(inst, a == LEAK_ACTION_FREEZE, path, sizeof(path));
	log_event("leak", inst->svc->cfg->name, (int)inst->index, "reason", inst->leak.trend.reason,
		  "rate", rate, "snapshot", r < 0 ? strerror(-r) : path, NULL);
	if (a == LEAK_ACTION_FREEZE) {
		/* The snapshot froze it; record the wish so cgroup.events moves
		 * the state to frozen. */
		instance_violation(inst, "leak", VIOLATION_FREEZE);
		return;
	}
	instance_violation(inst, "leak", map[a]);
}

static void account(struct instance *inst, const struct probe_result *res, uint64_t now)
{
	struct leak_state *ls = &inst->leak;
	const struct service_config *c = inst->svc->cfg;
	size_t first, end = find_range(res, inst->cg_id, &first);

	if (!ls->hist.s) {
		uint64_t cap = c->leak.window_ms / MAX(c->leak.sample_every_ms, 1) + 2;
		if (leak_history_init(&ls->hist, (uint32_t)MIN(cap, (uint64_t)LEAK_HISTORY_MAX)) < 0)
			return;
	}
	ls->fds = ls->threads = 0;
	memset(ls->fds_by_kind, 0, sizeof(ls->fds_by_kind));
	for (size_t i = first; i < end; i++) {
		ls->fds += res->procs[i].nr_fds;
		ls->threads += res->procs[i].threads;
		for (int k = 0; k < _FD_KIND_MAX; k++)
			ls->fds_by_kind[k] += res->procs[i].fds[k];
	}
	/* Keep the per-process view of this pass for `leaks` and snapshots. */
	size_t n = end - first;
	struct proc_counts *p = n ? reallocarray(ls->procs, n, sizeof(*p)) : NULL;
	if (n && !p)
		n = 0;
	else if (n) {
		memcpy(p, res->procs + first, n * sizeof(*p));
		ls->procs = p;
	}
	ls->n_procs = n;
	ls->sampled_ns = now;

	struct leak_sample smp = { .t_ms = now / NSEC_PER_MSEC, .fds = ls->fds, .threads = ls->threads };
	leak_history_add(&ls->hist, &smp);
	enum leak_verdict was = ls->trend.verdict;
	struct leak_config lc = leak_cfg(c);
	leak_evaluate(&ls->hist, &lc, smp.t_ms, &ls->trend);
	if (ls->trend.verdict == LEAK_LEAKING && was != LEAK_LEAKING)
		on_leak_verdict(inst);
}

/* targets[] and target_insts[] grow together, doubling: bounded by the
 * instance capacity, since each instance is a target at most once. */
static int grow_targets(struct supervisor *s)
{
	size_t cap = s->cap_targets ? s->cap_targets * 2 : 64;
	struct probe_target *t = reallocarray(s->targets, cap, sizeof(*t));
	if (!t)
		return -ENOMEM;
	s->targets = t;
	struct instance **ti = reallocarray(s->target_insts, cap, sizeof(*ti));
	if (!ti)
		return -ENOMEM;
	s->target_insts = ti;
	s->cap_targets = cap;
	return 0;
}

static void on_sample(struct loop *l, void *userdata)
{
	struct supervisor *s = userdata;
	uint64_t now = now_ns();
	size_t n = 0;
	(void)l;

	/* Who is due (a little early is fine: batch rather than wake twice). */
	for (size_t i = 0; i < s->n_services; i++) {
		struct service *svc = &s->services[i];
		if (svc->next_sample_ns > now + 50 * NSEC_PER_MSEC)
			continue;
		svc->next_sample_ns = now + svc->cfg->leak.sample_every_ms * NSEC_PER_MSEC;
		for (uint32_t j = 0; j < svc->n_instances; j++) {
			struct instance *inst = svc->instances[j];
			if (!inst || inst->cg_fd < 0 || !state_has_process(inst->state))
				continue;
			if (n == s->cap_targets && grow_targets(s) < 0)
				break;
			s->target_insts[n] = inst;
			s->targets[n++] = (struct probe_target){ .cgroup_id = inst->cg_id, .cgroup_fd = inst->cg_fd };
		}
	}
	if (n > 0) {
		int r = probe_run(s->probe, s->targets, n, &s->probe_res);
		if (r < 0) {
			log_warn_errno(r, "leak probe pass failed");
		} else {
			s->probe_passes++;
			s->probe_cpu_ns_last = s->probe_res.cpu_ns;
			for (size_t i = 0; i < n; i++)
				account(s->target_insts[i], &s->probe_res, now);
		}
	}
	arm(s);
}

int supervisor_leak_setup(struct supervisor *s, const struct supervisor_options *o)
{
	enum probe_mode mode = PROBE_AUTO;
	const char *choice = o->probe;

	loop_timer_init(&s->sample_timer, on_sample, s);
	s->state_dir_fd = -EBADF;
	if (s->cg.fd < 0) {
		log_warn("leak probe off: it tells instances apart by cgroup, and %s", s->cg_reason);
		return 0;
	}
	if (choice ? !strcmp(choice, "bpf") : s->config->supervisor.probe == PROBE_CHOICE_BPF)
		mode = PROBE_BPF;
	else if (choice ? !strcmp(choice, "procfs") : s->config->supervisor.probe == PROBE_CHOICE_PROCFS)
		mode = PROBE_PROCFS;
	int r = probe_new(mode, &s->probe, s->probe_why, sizeof(s->probe_why));
	if (r < 0)
		return log_error_errno(r, "leak probe: %s", s->probe_why[0] ? s->probe_why : "cannot start");
	if (probe_source(s->probe) == PROBE_SOURCE_PROCFS && mode == PROBE_AUTO)
		log_warn("leak probe: counting from /proc (source: procfs): %s", s->probe_why);
	log_event("probe", NULL, -1, "source", probe_source_to_string(probe_source(s->probe)), NULL);
	uint64_t now = now_ns();
	for (size_t i = 0; i < s->n_services; i++)
		s->services[i].next_sample_ns = now + s->services[i].cfg->leak.sample_every_ms * NSEC_PER_MSEC;
	arm(s);
	return 0;
}

void supervisor_leak_done(struct supervisor *s)
{
	if (s->loop)
		loop_timer_stop(s->loop, &s->sample_timer);
	probe_result_done(&s->probe_res);
	s->probe = probe_free(s->probe);
	free(s->targets);
	free(s->target_insts);
	s->targets = NULL;
	s->target_insts = NULL;
	s->state_dir_fd = safe_close(s->state_dir_fd);
}
