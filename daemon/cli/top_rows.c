/* SPDX-License-Identifier: MIT */
/*
 * top_rows.c: `ringvisor top`'s rows. One refresh's status reply gives an
 * instance's state, pid, restarts, cgroup counters (cpu_usage_usec,
 * memory_current) and the leak watch's last pass (usage: fds, threads,
 * memory); the leaks reply gives the verdict and the sparklines (and fds
 * and threads from a daemon whose status has no usage). CPU% is the
 * difference of cpu_usage_usec between two refreshes over the time
 * between them: it is computed here, once per refresh, and kept in the
 * row, so that drawing the same snapshot again gives the same figures.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "basic/macro.h"
#include "cli/top_rows.h"

/* The leaks entry of instance (index, at position pos in status). */
static json_object *leaks_instance(json_object *by_name, const char *svc, size_t pos, int64_t index)
{
	json_object *insts = jarr(jget(by_name, svc), "instances");
	int64_t i;
	if (!insts)
		return NULL;
	size_t n = json_object_array_length(insts);
	if (pos < n && jnum(json_object_array_get_idx(insts, pos), "index", &i) && i == index)
		return json_object_array_get_idx(insts, pos);
	for (size_t k = 0; k < n; k++)
		if (jnum(json_object_array_get_idx(insts, k), "index", &i) && i == index)
			return json_object_array_get_idx(insts, k);
	return NULL;
}

/* The `leaks` reply's services, by name. */
static json_object *index_leaks(json_object *leak_svcs)
{
	json_object *by_name = json_object_new_object();
	for (size_t i = 0; by_name && leak_svcs && i < json_object_array_length(leak_svcs); i++) {
		json_object *ls = json_object_array_get_idx(leak_svcs, i);
		if (jstr(ls, "name"))
			json_object_object_add(by_name, jstr(ls, "name"), json_object_get(ls));
	}
	return by_name;
}

static int64_t num_or(json_object *o, const char *k, int64_t dflt)
{
	int64_t v;
	return jnum(o, k, &v) && v >= 0 ? v : dflt;
}

/* CPU% of one instance since the previous refresh; its sample goes into
 * cpu for the next. */
static double cpu_percent(const struct top *t, const struct snapshot *s, json_object *in, const char *key,
			  json_object *cpu)
{
	int64_t v, usec;

	if (!jnum(jget(in, "cgroup"), "cpu_usage_usec", &usec))
		return -1;
	json_object_object_add(cpu, key, json_object_new_int64(usec));
	if (jnum(t->prev_cpu, key, &v) && usec >= v && s->at_ns > t->prev_ns)
		return (double)(usec - v) * 1e5 / (double)(s->at_ns - t->prev_ns);
	return -1;
}

/* One row from its status entry (in), its leaks entry (li). */
static void row_fill(struct top *t, struct snapshot *s, struct top_row *r, json_object *in, json_object *cpu)
{
	json_object *cg = jget(in, "cgroup"), *use = jget(in, "usage");
	int64_t v;

	snprintf(r->key, sizeof(r->key), "%s.%lld", r->svc, (long long)r->index);
	r->state = jstr(in, "state") ? jstr(in, "state") : "?";
	r->pid = num_or(in, "pid", -1);
	r->restarts = num_or(in, "restarts", -1);
	r->cpu = cpu_percent(t, s, in, r->key, cpu);
	s->cpu_cgroup |= jnum(cg, "cpu_usage_usec", &v);
	/* memory.current where the memory controller is on, else the leak
	 * pass's resident memory (docs/protocol.md, usage). */
	r->mem = num_or(cg, "memory_current", -1);
	s->mem_cgroup |= r->mem >= 0;
	if (r->mem < 0 && (r->mem = num_or(use, "memory", -1)) >= 0)
		s->mem_rss = true;
	/* fds and threads: status's usage; from leaks for a daemon without it. */
	r->fds = num_or(use, "fds", num_or(r->li, "fds", -1));
	r->threads = num_or(use, "threads", num_or(r->li, "threads", -1));
	if ((v = num_or(use, "ago_ms", -1)) > s->usage_ago_ms)
		s->usage_ago_ms = v;
}

static size_t count_instances(json_object *svcs)
{
	size_t n = 0;
	for (size_t i = 0; svcs && i < json_object_array_length(svcs); i++) {
		json_object *insts = jarr(json_object_array_get_idx(svcs, i), "instances");
		n += insts ? json_object_array_length(insts) : 0;
	}
	return n;
}

int top_rows_collect(struct top *t, struct snapshot *s)
{
	json_object *svcs = jarr(s->status, "services");
	size_t n = count_instances(svcs), k = 0;

	s->usage_ago_ms = -1;
	s->rows = calloc(MAX(n, 1), sizeof(*s->rows));
	s->view = calloc(MAX(n, 1), sizeof(*s->view));
	json_object *by_name = index_leaks(jarr(s->leaks, "services")), *cpu = json_object_new_object();
	if (!s->rows || !s->view || !by_name || !cpu) {
		json_object_put(by_name);
		json_object_put(cpu);
		top_rows_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; svcs && i < json_object_array_length(svcs); i++) {
		json_object *svc = json_object_array_get_idx(svcs, i), *insts = jarr(svc, "instances");
		const char *name = jstr(svc, "name") ? jstr(svc, "name") : "?";
		for (size_t j = 0; insts && j < json_object_array_length(insts) && k < n; j++, k++) {
			json_object *in = json_object_array_get_idx(insts, j);
			struct top_row *r = &s->rows[k];
			r->svc = name;
			r->index = num_or(in, "index", -1);
			r->li = leaks_instance(by_name, name, j, r->index);
			row_fill(t, s, r, in, cpu);
		}
	}
	s->n_rows = k;
	s->sorted_by = _TOP_SORT_INVALID;   /* status order: sorted by the first view */
	json_object_put(by_name);
	json_object_put(t->prev_cpu);
	t->prev_cpu = cpu;
	t->prev_ns = s->at_ns;
	return 0;
}

void top_rows_free(struct snapshot *s)
{
	free(s->rows);
	free(s->view);
	s->rows = NULL;
	s->view = NULL;
	s->n_rows = s->n_view = 0;
}

static int cmp_name(const struct top_row *a, const struct top_row *b)
{
	int c = strcmp(a->svc, b->svc);
	return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* Descending, unknown (negative) last. */
static int cmp_figure(double a, double b)
{
	if (a < 0 || b < 0)
		return (a < 0) - (b < 0);
	return (a < b) - (a > b);
}

static int cmp_rows(const void *pa, const void *pb, void *arg)
{
	const struct top_row *a = pa, *b = pb;
	int c = 0;

	switch (*(const enum top_sort *)arg) {
	case TOP_SORT_CPU:
		c = cmp_figure(a->cpu, b->cpu);
		break;
	case TOP_SORT_MEMORY:
		c = cmp_figure((double)a->mem, (double)b->mem);
		break;
	case TOP_SORT_FDS:
		c = cmp_figure((double)a->fds, (double)b->fds);
		break;
	case TOP_SORT_THREADS:
		c = cmp_figure((double)a->threads, (double)b->threads);
		break;
	case TOP_SORT_RESTARTS:
		c = cmp_figure((double)a->restarts, (double)b->restarts);
		break;
	default:
		break;
	}
	return c ? c : cmp_name(a, b);
}

void top_rows_view(const struct top *t, struct snapshot *s)
{
	if (s->sorted_by != t->sort) {
		enum top_sort by = t->sort;
		qsort_r(s->rows, s->n_rows, sizeof(*s->rows), cmp_rows, &by);
		s->sorted_by = t->sort;
	}
	s->n_view = 0;
	for (size_t i = 0; i < s->n_rows; i++)
		if (!t->filter[0] || strcasestr(s->rows[i].key, t->filter))
			s->view[s->n_view++] = i;
}
