/* SPDX-License-Identifier: MIT */
/*
 * metrics.c: the `metrics` reply (docs/metrics.md): the daemon's own
 * families, then every instance's (metrics_instance.c), as Prometheus
 * text; then that text as one JSON string in the reply line, escaped here
 * rather than through a json-c object (one copy fewer of a text of
 * megabytes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/time_util.h"
#include "control/client_events.h"
#include "control/metrics.h"
#include "control/metrics_instance.h"

/* About what one instance with leak sampling on writes (t_metrics.sh,
 * bench/metrics.sh: ~2400 bytes), so that the buffer seldom grows. */
#define METRICS_BYTES_PER_INSTANCE 2560

/* One family of one sample without labels. */
static void single(struct mtext *t, const char *name, const char *type, const char *help, uint64_t v)
{
	mtext_family(t, name, type, help);
	mtext_sample(t, name);
	mtext_value_u64(t, v);
}

/* An info gauge: the value is 1, the labels are the news. */
static void info(struct mtext *t, const char *name, const char *help, const char *key, const char *value)
{
	mtext_family(t, name, "gauge", help);
	mtext_sample(t, name);
	mtext_label(t, key, value);
	mtext_value_u64(t, 1);
}

static void daemon_families(struct supervisor *s, struct mtext *t, uint64_t wall_offset_ns)
{
	long fds = self_stat_fds(&s->self), rss_kib = self_stat_rss_kib(&s->self);

	info(t, "ringvisor_config_info", "The config file the daemon runs.", "path",
	     s->config->path ? s->config->path : "");
	mtext_family(t, "ringvisor_start_time_seconds", "gauge", "When the daemon started, in unix time.");
	mtext_sample(t, "ringvisor_start_time_seconds");
	mtext_value_fixed(t, (s->started_ns + wall_offset_ns) / 1000000, 3);
	if (fds >= 0)
		single(t, "ringvisor_open_fds", "gauge", "Open fds of the daemon.", (uint64_t)fds);
	if (rss_kib >= 0)
		single(t, "ringvisor_resident_memory_bytes", "gauge", "Resident memory of the daemon.",
		       (uint64_t)rss_kib * 1024);
	single(t, "ringvisor_loop_wakeups_total", "counter", "Times the event loop woke up.", loop_wakeups(s->loop));
	info(t, "ringvisor_event_loop_info", "The event loop's backend.", "backend", loop_backend_name(s->loop));
	single(t, "ringvisor_services", "gauge", "Services configured.", s->n_services);
	single(t, "ringvisor_instances", "gauge", "Instances, retiring ones included.", s->rt.total_instances);
	single(t, "ringvisor_orphans_reaped_total", "counter", "Processes the daemon reaped that were not its "
	       "instances' main processes.", s->orphans_reaped);
	single(t, "ringvisor_event_subscribers_dropped_total", "counter", "Event subscribers cut off for reading too slowly.", client_events_dropped_total());
	single(t, "ringvisor_own_log_dropped_lines_total", "counter",
	       "Lines of the daemon's own log dropped because its stderr would have blocked.", log_dropped());
	info(t, "ringvisor_cgroup_cpu_info", "Where the instances' CPU comes from (bpf: one cgroup iterator "
	     "pass; cpu.stat: a file each; none: no cgroups).", "source",
	     s->cg.cpu ? "bpf" : s->cg.root.fd >= 0 ? "cpu.stat" : "none");
	info(t, "ringvisor_leak_probe_info", "How the leak watch counts (bpf, procfs, tree, none).", "source",
	     s->leaks.tree ? "tree" : leakwatch_source(&s->leaks));
	single(t, "ringvisor_leak_probe_passes_total", "counter", "Passes of the leak probe.", s->leaks.passes);
	if (s->leaks.passes) {
		mtext_family(t, "ringvisor_leak_probe_last_pass_cpu_seconds", "gauge",
			     "CPU time the daemon spent on the leak probe's last pass.");
		mtext_sample(t, "ringvisor_leak_probe_last_pass_cpu_seconds");
		mtext_value_fixed(t, s->leaks.cpu_ns_last, 9);
		mtext_family(t, "ringvisor_leak_probe_last_pass_duration_seconds", "gauge",
			     "Wall time of the leak probe's last pass, its slices together.");
		mtext_sample(t, "ringvisor_leak_probe_last_pass_duration_seconds");
		mtext_value_fixed(t, s->leaks.wall_ns_last, 9);
	}
}

/* Every instance, in service order then index order, into st->m. */
static struct metrics_inst *gather(struct metrics_store *st, struct supervisor *s, bool json, size_t *ret_n)
{
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < s->n_services; i++)
		cap += s->services[i].n_instances;
	if (cap > st->m_cap || !st->m) {
		struct metrics_inst *m = reallocarray(st->m, MAX(cap, (size_t)1), sizeof(*m));
		if (!m)
			return NULL;
		st->m = m;
		st->m_cap = MAX(cap, (size_t)1);
	}
	/* A service name is [A-Za-z0-9_-]{1,64}: ~100 bytes of labels. */
	st->labels.len = 0;
	st->labels.max = (cap + 1) * 512;
	st->labels.overflow = false;
	st->labels.json = json;
	/* Every cgroup's CPU in one BPF pass where it runs: cpu.stat files
	 * cost an open, read and close each (most of a scrape's time). With
	 * the cpu controller each cpu.stat is read anyway (throttled_usec):
	 * no pass then. */
	size_t n_cpu = 0;
	const struct cgstat_usage *cpu = s->cg.root.controllers & CGROUP_CTRL_CPU ? NULL :
		supervisor_cgroup_cpu(&s->cg, s->rt.instance_capacity + CONFIG_MAX_SERVICES + 16, &n_cpu);
	for (size_t i = 0; i < s->n_services; i++)
		for (uint32_t j = 0; j < s->services[i].n_instances; j++)
			if (s->services[i].instances[j]) {
				const struct instance *inst = s->services[i].instances[j];
				const struct cgstat_usage *u = cpu && inst->cg.fd >= 0 ?
							       cgstat_find(cpu, n_cpu, inst->cg.id) : NULL;
				st->m[n] = (struct metrics_inst){ .inst = inst, .has_cpu = u != NULL,
								  .cpu_usec = u ? u->usage_usec : 0 };
				metrics_inst_read(&st->m[n++], &st->labels);
			}
	*ret_n = n;
	return st->labels.overflow ? NULL : st->m;
}

void metrics_text_store(struct metrics_store *st, struct supervisor *s, struct mtext *t)
{
	uint64_t wall_offset_ns = realtime_ns() - now_ns();
	size_t n = 0;
	struct metrics_inst *m;

	if (!t->buf && st->spare) {
		t->buf = TAKE_PTR(st->spare);
		t->cap = st->spare_cap;
		t->len = 0;
		t->buf[0] = '\0';
	}
	if (!(m = gather(st, s, t->json, &n))) {
		t->overflow = true;
		return;
	}
	/* JSON adds a backslash to every quote and newline: ~1/8. */
	(void)mtext_reserve(t, 4096 + n * (t->json ? METRICS_BYTES_PER_INSTANCE * 9 / 8 : METRICS_BYTES_PER_INSTANCE));
	daemon_families(s, t, wall_offset_ns);
	metrics_instances(t, m, n, st->labels.buf, wall_offset_ns);
}

void metrics_text(struct supervisor *s, struct mtext *t)
{
	struct metrics_store st = { 0 };

	metrics_text_store(&st, s, t);
	metrics_store_done(&st);
}

void metrics_store_put(struct metrics_store *st, char *buf, size_t cap)
{
	if (buf && !st->spare && cap <= METRICS_KEEP_MAX) {
		st->spare = buf;
		st->spare_cap = cap;
	} else {
		free(buf);
	}
}

void metrics_store_done(struct metrics_store *st)
{
	free(st->m);
	mtext_done(&st->labels);
	free(st->spare);
	*st = (struct metrics_store){ 0 };
}

void metrics_reply_line(struct metrics_store *st, struct supervisor *s, struct mtext *out)
{
	static const char head[] = "{\"ok\":true,\"text\":\"", tail[] = "\"}";

	mtext_init(out, METRICS_MAX_REPLY);
	if (st->spare) {
		out->buf = TAKE_PTR(st->spare);
		out->cap = st->spare_cap;
		out->buf[0] = '\0';
	}
	mtext_raw(out, head, sizeof(head) - 1);
	out->json = true;
	metrics_text_store(st, s, out);
	out->json = false;
	mtext_raw(out, tail, sizeof(tail) - 1);
}
