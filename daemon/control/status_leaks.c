/* SPDX-License-Identifier: MIT */
/*
 * status_leaks.c: the `leaks` reply (docs/leaks.md): per service and per
 * instance the fd and thread counts of the last pass, by kind and per
 * process, the growth per hour, the verdict and sparklines of the history.
 */
#include <string.h>

#include "basic/utf8.h"
#include "control/status_leaks.h"
#include "policy/leak_json.h"

#define SPARK_WIDTH 24

static json_object *by_kind(const uint32_t *fds)
{
	json_object *o = json_object_new_object();
	for (int k = 0; k < _FD_KIND_MAX; k++)
		json_object_object_add(o, fd_kind_to_string((enum fd_kind)k), json_object_new_int64(fds[k]));
	return o;
}

static json_object *proc_json(const struct proc_counts *p)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "pid", json_object_new_int(p->tgid));
	json_object_object_add(o, "comm", json_string_utf8(p->comm, strnlen(p->comm, sizeof(p->comm))));
	json_object_object_add(o, "fds", json_object_new_int64(p->nr_fds));
	json_object_object_add(o, "fds_by_kind", by_kind(p->fds));
	json_object_object_add(o, "threads", json_object_new_int64(p->threads));
	return o;
}

static json_object *instance_json(const struct instance *inst)
{
	const struct leak_state *ls = &inst->leak;
	json_object *o = json_object_new_object(), *procs = json_object_new_array();
	bool seen = ls->sampled_ns != 0;
	char spark[SPARK_WIDTH * 3 + 1];

	json_object_object_add(o, "index", json_object_new_int((int)inst->index));
	json_object_object_add(o, "state", json_object_new_string(instance_state_to_string(inst->state)));
	json_object_object_add(o, "fds", seen ? json_object_new_int64(ls->fds) : NULL);
	json_object_object_add(o, "fds_by_kind", seen ? by_kind(ls->fds_by_kind) : NULL);
	json_object_object_add(o, "threads", seen ? json_object_new_int64(ls->threads) : NULL);
	json_object_object_add(o, "memory", seen ? json_object_new_int64((int64_t)ls->memory) : NULL);
	json_object_object_add(o, "memory_source", ls->memory_source ? json_object_new_string(ls->memory_source) : NULL);
	struct leak_trend t;
	leak_evaluate_again(&ls->hist, &inst->cfg->leak, &ls->last, ls->sampled_ns / 1000000, &t);
	json_object_object_add(o, "fds_per_hour", json_object_new_double(t.series[LEAK_FDS].per_hour));
	json_object_object_add(o, "threads_per_hour", json_object_new_double(t.series[LEAK_THREADS].per_hour));
	json_object_object_add(o, "memory_per_hour", json_object_new_double(t.series[LEAK_MEMORY].per_hour));
	json_object_object_add(o, "verdict", json_object_new_string(leak_verdict_to_string(t.verdict)));
	json_object_object_add(o, "reason", json_object_new_string(t.reason ? t.reason : "not sampled yet"));
	json_object_object_add(o, "growing", t.verdict == LEAK_LEAKING ?
			       json_object_new_string(leak_series_to_string(t.worst)) : NULL);
	json_object_object_add(o, "series", leak_series_json(&t, ls->sampled_ns / 1000000));
	/* Kept across restarts: a leak that comes back after each is recurring. */
	json_object_object_add(o, "leaks", json_object_new_int64(ls->leaks));
	json_object_object_add(o, "recurring", json_object_new_boolean(ls->leaks > 1));
	json_object_object_add(o, "samples", json_object_new_int64((int64_t)leak_history_len(&ls->hist)));
	json_object_object_add(o, "leak_violations", json_object_new_int64(inst->violations[VIOLATION_LEAK]));
	json_object *sp = json_object_new_object();
	for (int k = 0; k < _LEAK_SERIES_MAX; k++)
		json_object_object_add(sp, leak_series_to_string((enum leak_series)k),
				       json_object_new_string(leak_sparkline(&ls->hist, (enum leak_series)k, SPARK_WIDTH,
									     spark, sizeof(spark))));
	json_object_object_add(o, "sparkline", sp);
	for (size_t i = 0; i < ls->n_procs; i++)
		json_object_array_add(procs, proc_json(&ls->procs[i]));
	json_object_object_add(o, "processes", procs);
	return o;
}

json_object *status_leaks(struct supervisor *s, const char *service, int index)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	const char *src = leakwatch_source(&s->leaks);

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "source", json_object_new_string(src));
	if (s->leaks.probe_why[0])
		json_object_object_add(o, "source_reason", json_object_new_string(s->leaks.probe_why));
	json_object_object_add(o, "passes", json_object_new_int64((int64_t)s->leaks.passes));
	json_object_object_add(o, "last_pass_cpu_us", json_object_new_int64((int64_t)(s->leaks.cpu_ns_last / 1000)));
	json_object_object_add(o, "snapshots_skipped", json_object_new_int64((int64_t)s->leaks.snapshots_skipped));
	for (size_t i = 0; i < s->n_services; i++) {
		const struct service *svc = &s->services[i];
		if (service && service[0] && strcmp(service, svc->cfg->name))
			continue;
		json_object *so = json_object_new_object(), *ia = json_object_new_array();
		json_object_object_add(so, "name", json_object_new_string(svc->cfg->name));
		json_object_object_add(so, "source", json_object_new_string(src));
		for (uint32_t j = 0; j < svc->n_instances; j++) {
			const struct instance *inst = svc->instances[j];
			if (inst && (index < 0 || (unsigned)index == inst->index))
				json_object_array_add(ia, instance_json(inst));
		}
		json_object_object_add(so, "instances", ia);
		json_object_array_add(a, so);
	}
	json_object_object_add(o, "services", a);
	return o;
}
