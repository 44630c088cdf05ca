/* SPDX-License-Identifier: MIT */
/*
 * probe.c: choosing the source (bpf, else procfs) and one pass over a set
 * of cgroups: unique targets in, a sorted result out. See probe.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/string_table.h"
#include "kernel/cgroup.h"
#include "probe/probe.h"
#include "probe/probe_bpf.h"
#include "probe/probe_procfs.h"
#include "probe/probe_tree.h"

struct probe {
	enum probe_source source;
	struct probe_bpf *bpf;          /* NULL for procfs */
};

static void set_why(char *why, size_t whylen, const char *s)
{
	if (why && whylen > 0)
		snprintf(why, whylen, "%s", s);
}

int probe_new(enum probe_mode mode, struct probe **ret, char *why, size_t whylen)
{
	_cleanup_free_ struct probe *p = NULL;
	int r;

	if (!ret || mode > PROBE_BPF_TASKS)
		return -EINVAL;
	set_why(why, whylen, "");
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->source = PROBE_SOURCE_PROCFS;
	if (mode != PROBE_PROCFS) {
		r = probe_bpf_new(mode == PROBE_BPF_TASKS ? PROBE_BPF_WALK_TASKS : PROBE_BPF_WALK_AUTO,
				  &p->bpf, why, whylen);
		if (r >= 0)
			p->source = PROBE_SOURCE_BPF;
		else if (mode != PROBE_AUTO)
			return r;
	}
	*ret = TAKE_PTR(p);
	return 0;
}

struct probe *probe_free(struct probe *p)
{
	if (!p)
		return NULL;
	probe_bpf_free(p->bpf);
	free(p);
	return NULL;
}

enum probe_source probe_source(const struct probe *p) { return p->source; }

const char *probe_walk(const struct probe *p) { return p->bpf ? probe_bpf_walk_name(p->bpf) : NULL; }

int probe_set_scope(struct probe *p, int cgroup_fd)
{
	return p->bpf ? probe_bpf_set_scope(p->bpf, cgroup_fd) : 0;
}

void probe_limit_out(struct probe *p, uint32_t records)
{
	if (p->bpf)
		probe_bpf_limit_out(p->bpf, records);
}

static const char *const probe_source_table[_PROBE_SOURCE_MAX] = {
	[PROBE_SOURCE_BPF] = "bpf",
	[PROBE_SOURCE_PROCFS] = "procfs",
};

DEFINE_STRING_TABLE_LOOKUP(probe_source, enum probe_source)

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static int cmp_target(const void *a, const void *b)
{
	const struct probe_target *x = a, *y = b;

	return x->cgroup_id < y->cgroup_id ? -1 : x->cgroup_id > y->cgroup_id;
}

static int cmp_counts(const void *a, const void *b)
{
	const struct proc_counts *x = a, *y = b;

	if (x->cgroup_id != y->cgroup_id)
		return x->cgroup_id < y->cgroup_id ? -1 : 1;
	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/* The BPF cgroup walk finds cgroups in creation order, mostly the order
 * of their ids: then there is nothing to sort. */
static bool sorted(const struct probe_result *res)
{
	for (size_t i = 1; i < res->n; i++)
		if (cmp_counts(&res->procs[i - 1], &res->procs[i]) > 0)
			return false;
	return true;
}

/* The targets sorted by id, each once; an id of 0 is taken from the fd.
 * Targets whose id cannot be known are left out. */
static int unique_targets(const struct probe_target *t, size_t n, struct probe_target **ret,
			  size_t *ret_n)
{
	_cleanup_free_ struct probe_target *u = NULL;
	size_t m = 0;

	u = malloc(n * sizeof(*u));
	if (!u)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		u[m] = t[i];
		if (u[m].cgroup_id == 0 && t[i].cgroup_fd >= 0)
			u[m].cgroup_id = cgroup_id_of_fd(t[i].cgroup_fd);
		if (u[m].cgroup_id != 0)
			m++;
	}
	if (m > 1)
		qsort(u, m, sizeof(*u), cmp_target);
	size_t k = 0;
	for (size_t i = 0; i < m; i++)
		if (k == 0 || u[k - 1].cgroup_id != u[i].cgroup_id)
			u[k++] = u[i];
	*ret_n = k;
	*ret = TAKE_PTR(u);
	return 0;
}

int probe_run(struct probe *p, const struct probe_target *t, size_t n, struct probe_result *res)
{
	_cleanup_free_ struct probe_target *u = NULL;
	uint64_t start = thread_cpu_ns();
	size_t m = 0;
	int r;

	if (!p || !res || (n > 0 && !t))
		return -EINVAL;
	if (n > PROBE_MAX_CGROUPS)
		return -E2BIG;
	res->n = 0;
	res->dropped = 0;
	res->cpu_ns = 0;
	if (n > 0) {
		r = unique_targets(t, n, &u, &m);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < m; i++)
		if (u[i].cgroup_fd < 0 && p->bpf)
			return -EOPNOTSUPP;   /* a tree is told apart by /proc only */
	if (m > 0) {
		r = p->bpf ? probe_bpf_run(p->bpf, u, m, res) : probe_procfs_run(u, m, res);
		if (r >= 0 && !p->bpf)
			r = probe_tree_run(u, m, res);
		if (r < 0) {
			res->n = 0;
			return r;
		}
		if (res->n > 1 && !sorted(res))
			qsort(res->procs, res->n, sizeof(*res->procs), cmp_counts);
	}
	res->cpu_ns = thread_cpu_ns() - start;
	return 0;
}
