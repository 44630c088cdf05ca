/* SPDX-License-Identifier: MIT */
/*
 * metrics_instance.c: see metrics_instance.h. One table row per family:
 * its name, type, help and a function that writes the samples of one
 * instance; the table is walked family by family, so each family is
 * written once, as the format requires. A sample whose value is not known
 * (no cgroup file, not sampled yet, no process) is left out, never 0.
 */
#include <string.h>

#include "basic/macro.h"
#include "config/config_names.h"
#include "control/metrics_instance.h"
#include "kernel/cgroup.h"
#include "policy/instance_ready.h"

static void format_labels(struct metrics_inst *m, struct mtext *labels)
{
	size_t start = labels->len;

	labels->in_labels = false;
	mtext_label(labels, "service", m->inst->cfg->name);
	mtext_label_u64(labels, "index", m->inst->index);
	/* Without its '{': a label set (mtext_label_set). */
	m->labels_off = labels->overflow ? 0 : (uint32_t)start + 1;
	m->labels_len = labels->overflow ? 0 : (uint32_t)(labels->len - start - 1);
}

void metrics_inst_read(struct metrics_inst *m, struct mtext *labels)
{
	const struct instance *inst = m->inst;
	unsigned ctrl = inst->rt->cg->controllers;
	char buf[1024];

	format_labels(m, labels);
	if (inst->cg.fd < 0)
		return;
	/* cpu.stat is there without the cpu controller (usage_usec); the
	 * throttling keys only with it. Its usage may have come from the
	 * one BPF pass (metrics.c): then the file only for throttling. */
	if ((!m->has_cpu || (ctrl & CGROUP_CTRL_CPU)) && cgroup_read(inst->cg.fd, "cpu.stat", buf, sizeof(buf)) >= 0) {
		m->has_cpu = cgroup_parse_key(buf, "usage_usec", &m->cpu_usec) >= 0;
		if (cgroup_parse_key(buf, "throttled_usec", &m->throttled_usec) < 0)
			m->throttled_usec = UINT64_MAX;
	}
	if (ctrl & CGROUP_CTRL_MEMORY)
		m->has_memory = cgroup_read_u64(inst->cg.fd, "memory.current", &m->memory) >= 0;
	if (ctrl & CGROUP_CTRL_PIDS)
		m->has_pids = cgroup_read_u64(inst->cg.fd, "pids.current", &m->pids) >= 0;
}

struct ctx {
	struct mtext *t;
	const char *name;
	const char *labels;
	uint64_t wall_offset_ns;
};

/* name{service="S",index="I" (the caller may add labels, then a value):
 * the labels as formatted once for the instance. */
static void begin(const struct ctx *c, const struct metrics_inst *m)
{
	mtext_sample(c->t, c->name);
	mtext_label_set(c->t, c->labels + m->labels_off, m->labels_len);
}

/* The leak watch's last pass is about the process it saw: none now, none shown. */
static bool sampled(const struct instance *inst)
{
	return inst->leak.sampled_ns && state_has_process(inst->state);
}

static void put_state(const struct ctx *c, const struct metrics_inst *m)
{
	for (enum instance_state s = 0; s < _STATE_MAX; s++) {
		begin(c, m);
		mtext_label(c->t, "state", instance_state_to_string(s));
		mtext_value_u64(c->t, m->inst->state == s);
	}
}

static void put_restarts(const struct ctx *c, const struct metrics_inst *m)
{
	begin(c, m);
	mtext_value_u64(c->t, m->inst->restarts);
}

static void put_start_time(const struct ctx *c, const struct metrics_inst *m)
{
	if (!state_has_process(m->inst->state) || !m->inst->started_ns)
		return;
	begin(c, m);
	mtext_value_fixed(c->t, (m->inst->started_ns + c->wall_offset_ns) / 1000000, 3);
}

static void put_exit_code(const struct ctx *c, const struct metrics_inst *m)
{
	const struct exit_info *x = &m->inst->last_exit;
	if (!x->valid || !x->has_code)
		return;
	begin(c, m);
	mtext_value_i64(c->t, x->code);
}

static void put_exit_signal(const struct ctx *c, const struct metrics_inst *m)
{
	const struct exit_info *x = &m->inst->last_exit;
	if (!x->valid || x->has_code || !x->signal)
		return;
	begin(c, m);
	mtext_value_i64(c->t, x->signal);
}

static void put_exit_cause(const struct ctx *c, const struct metrics_inst *m)
{
	const struct exit_info *x = &m->inst->last_exit;
	if (!x->valid)
		return;
	begin(c, m);
	mtext_label(c->t, "cause", x->cause);
	mtext_value_fixed(c->t, (x->at_ns + c->wall_offset_ns) / 1000000, 3);
}

/* memory.current now, else what the leak watch's last pass counted
 * (memory.current then, or the processes' RSS): `source` says which. */
static void put_memory(const struct ctx *c, const struct metrics_inst *m)
{
	const struct leak_state *ls = &m->inst->leak;
	if (m->has_memory) {
		begin(c, m);
		mtext_label(c->t, "source", "memory.current");
		mtext_value_u64(c->t, m->memory);
	} else if (sampled(m->inst) && ls->memory_source) {
		begin(c, m);
		mtext_label(c->t, "source", ls->memory_source);
		mtext_value_u64(c->t, ls->memory);
	}
}

static void put_cpu(const struct ctx *c, const struct metrics_inst *m)
{
	if (!m->has_cpu)
		return;
	begin(c, m);
	mtext_value_fixed(c->t, m->cpu_usec, 6);
}

static void put_throttled(const struct ctx *c, const struct metrics_inst *m)
{
	if (!m->has_cpu || m->throttled_usec == UINT64_MAX)
		return;
	begin(c, m);
	mtext_value_fixed(c->t, m->throttled_usec, 6);
}

static void put_pids(const struct ctx *c, const struct metrics_inst *m)
{
	if (!m->has_pids)
		return;
	begin(c, m);
	mtext_value_u64(c->t, m->pids);
}

static void put_fds(const struct ctx *c, const struct metrics_inst *m)
{
	if (!sampled(m->inst))
		return;
	for (enum fd_kind k = 0; k < _FD_KIND_MAX; k++) {
		begin(c, m);
		mtext_label(c->t, "kind", fd_kind_to_string(k));
		mtext_value_u64(c->t, m->inst->leak.fds_by_kind[k]);
	}
}

static void put_threads(const struct ctx *c, const struct metrics_inst *m)
{
	if (!sampled(m->inst))
		return;
	begin(c, m);
	mtext_value_u64(c->t, m->inst->leak.threads);
}

/* A state set, like the state, once the watch has counted the instance:
 * "unknown" until it has judged it (in grace, too few samples). */
static void put_verdict(const struct ctx *c, const struct metrics_inst *m)
{
	enum leak_verdict now = m->inst->leak.last.reason ? m->inst->leak.last.verdict : LEAK_UNKNOWN;
	if (!m->inst->leak.sampled_ns)
		return;
	for (enum leak_verdict v = 0; v < _LEAK_VERDICT_MAX; v++) {
		begin(c, m);
		mtext_label(c->t, "verdict", leak_verdict_to_string(v));
		mtext_value_u64(c->t, now == v);
	}
}

/* action: what the service's on_violation does about it; a readiness
 * timeout has no action of its own, the restart policy judges it. */
static void put_violations(const struct ctx *c, const struct metrics_inst *m)
{
	for (enum violation_kind k = 0; k < _VIOLATION_KIND_MAX; k++) {
		begin(c, m);
		mtext_label(c->t, "kind", violation_kind_to_string(k));
		mtext_label(c->t, "action", k == VIOLATION_READINESS ? "restart-policy" :
			    violation_action_to_string(violation_action_for(&m->inst->cfg->on_violation, k)));
		mtext_value_u64(c->t, m->inst->violations[k]);
	}
}

/* Each stream the instance has: stdout (which carries stderr too when
 * merged) and stderr when separate. */
static void put_log(const struct ctx *c, const struct metrics_inst *m, bool dropped)
{
	const struct logstream *s[2] = { m->inst->log_out, m->inst->log_err };
	static const char *const names[2] = { "stdout", "stderr" };
	for (int i = 0; i < 2; i++) {
		if (!s[i])
			continue;
		begin(c, m);
		mtext_label(c->t, "stream", names[i]);
		mtext_value_u64(c->t, dropped ? s[i]->c.dropped_bytes : s[i]->c.bytes_in);
	}
}

static void put_log_bytes(const struct ctx *c, const struct metrics_inst *m)
{
	put_log(c, m, false);
}

static void put_log_dropped(const struct ctx *c, const struct metrics_inst *m)
{
	put_log(c, m, true);
}

static void put_ready(const struct ctx *c, const struct metrics_inst *m)
{
	const struct instance *inst = m->inst;
	if (!inst->rd || (inst->cfg->readiness.check.kind == CHECK_NONE && !inst->cfg->watchdog_ms))
		return;
	begin(c, m);
	mtext_value_u64(c->t, inst->rd->ready_ns != 0);
}

static void put_health(const struct ctx *c, const struct metrics_inst *m)
{
	static const char *const states[] = { [HEALTH_UNKNOWN] = "unknown", [HEALTH_HEALTHY] = "healthy",
					      [HEALTH_UNHEALTHY] = "unhealthy" };
	const struct instance *inst = m->inst;
	if (!inst->rd || inst->cfg->health.check.kind == CHECK_NONE)
		return;
	for (size_t h = 0; h < ELEMENTSOF(states); h++) {
		begin(c, m);
		mtext_label(c->t, "state", states[h]);
		mtext_value_u64(c->t, inst->rd->health == (enum health_state)h);
	}
}

static void put_health_checks(const struct ctx *c, const struct metrics_inst *m)
{
	const struct instance *inst = m->inst;
	if (!inst->rd || inst->cfg->health.check.kind == CHECK_NONE || !inst->rd->health_check)
		return;
	begin(c, m);
	mtext_value_u64(c->t, inst->rd->health_check->runs);
}

struct family {
	const char *name, *type, *help;
	void (*put)(const struct ctx *c, const struct metrics_inst *m);
};

static const struct family families[] = {
	{ "ringvisor_instance_state", "gauge", "1 for the state the instance is in, 0 for every other.", put_state },
	{ "ringvisor_instance_restarts_total", "counter", "Automatic restarts since the daemon began.", put_restarts },
	{ "ringvisor_instance_start_time_seconds", "gauge",
	  "When the running process started, in unix time.", put_start_time },
	{ "ringvisor_instance_last_exit_code", "gauge", "Exit code of the last end, when it exited.", put_exit_code },
	{ "ringvisor_instance_last_exit_signal", "gauge",
	  "Number of the signal that ended the last process, when one did.", put_exit_signal },
	{ "ringvisor_instance_last_exit_time_seconds", "gauge",
	  "When the last process ended, in unix time; the cause label says why.", put_exit_cause },
	{ "ringvisor_instance_memory_bytes", "gauge",
	  "Memory of the instance: memory.current, else the processes' RSS (source).", put_memory },
	{ "ringvisor_instance_cpu_seconds_total", "counter", "CPU time of the cgroup (cpu.stat usage_usec).", put_cpu },
	{ "ringvisor_instance_cpu_throttled_seconds_total", "counter",
	  "Time the cgroup was throttled by cpu.max (cpu.stat throttled_usec).", put_throttled },
	{ "ringvisor_instance_pids", "gauge", "Tasks in the cgroup (pids.current).", put_pids },
	{ "ringvisor_instance_fds", "gauge", "Open fds of its processes at the leak watch's last pass, by kind.", put_fds },
	{ "ringvisor_instance_threads", "gauge", "Threads of its processes at the leak watch's last pass.", put_threads },
	{ "ringvisor_instance_leak_verdict", "gauge", "1 for the leak watch's current verdict, 0 for the others.",
	  put_verdict },
	{ "ringvisor_violations_total", "counter", "Violations the daemon saw, by kind.", put_violations },
	{ "ringvisor_log_bytes_total", "counter", "Bytes read from the instance's output pipe.", put_log_bytes },
	{ "ringvisor_log_dropped_bytes_total", "counter",
	  "Bytes of output dropped (rate limit, full disk, refused file).", put_log_dropped },
	{ "ringvisor_instance_ready", "gauge", "1 once the readiness check passed, where one is configured.", put_ready },
	{ "ringvisor_instance_health", "gauge", "1 for the health check's current state, where one is configured.",
	  put_health },
	{ "ringvisor_instance_health_checks_total", "counter", "Health checks run.", put_health_checks },
};

void metrics_instances(struct mtext *t, const struct metrics_inst *m, size_t n, const char *labels,
		       uint64_t wall_offset_ns)
{
	for (size_t f = 0; f < ELEMENTSOF(families); f++) {
		struct ctx c = { .t = t, .name = families[f].name, .labels = labels,
				 .wall_offset_ns = wall_offset_ns };
		mtext_family(t, families[f].name, families[f].type, families[f].help);
		for (size_t i = 0; i < n && !t->overflow; i++)
			families[f].put(&c, &m[i]);
	}
}
