/* SPDX-License-Identifier: MIT */
/*
 * probe.c: choosing the source (bpf, else procfs), one pass over a set of
 * cgroups, and the helpers both sources share. See probe.h.
 *
 * The result array belongs to the caller's struct probe_result and is kept
 * across passes: it grows by doubling as a pass needs it, never beyond
 * PROBE_MAX_PROCS entries; processes beyond that are counted in `dropped`.
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
#include "probe/probe.h"

#define RESULT_MIN_CAP 64

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

	if (!ret || mode > PROBE_PROCFS)
		return -EINVAL;
	set_why(why, whylen, "");
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->source = PROBE_SOURCE_PROCFS;
	if (mode != PROBE_PROCFS) {
		r = probe_bpf_new(&p->bpf, why, whylen);
		if (r >= 0)
			p->source = PROBE_SOURCE_BPF;
		else if (mode == PROBE_BPF)
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

const char *probe_source_name(enum probe_source s)
{
	return s == PROBE_SOURCE_BPF ? "bpf" : "procfs";
}

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
		if (u[m].cgroup_id == 0)
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
	if (m > 0) {
		r = p->bpf ? probe_bpf_run(p->bpf, u, m, res) : probe_procfs_run(u, m, res);
		if (r < 0) {
			res->n = 0;
			return r;
		}
		if (res->n > 1)
			qsort(res->procs, res->n, sizeof(*res->procs), cmp_counts);
	}
	res->cpu_ns = thread_cpu_ns() - start;
	return 0;
}

void probe_result_done(struct probe_result *res)
{
	if (!res)
		return;
	free(res->procs);
	*res = (struct probe_result){};
}

struct proc_counts *probe_result_add(struct probe_result *res, int *err)
{
	if (res->n == res->cap) {
		size_t cap = res->cap ? MIN(res->cap * 2, (size_t)PROBE_MAX_PROCS) : RESULT_MIN_CAP;
		struct proc_counts *a;

		if (cap <= res->cap) {
			res->dropped++;
			return NULL;
		}
		a = realloc(res->procs, cap * sizeof(*a));
		if (!a) {
			*err = -ENOMEM;
			return NULL;
		}
		res->procs = a;
		res->cap = cap;
	}
	memset(&res->procs[res->n], 0, sizeof(res->procs[res->n]));
	return &res->procs[res->n++];
}

uint64_t cgroup_id_of_fd(int cgroup_fd)
{
	struct stat st;

	if (cgroup_fd < 0 || fstat(cgroup_fd, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	return st.st_ino;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

enum fd_kind fd_kind_classify(const char *target, const struct stat *st)
{
	struct stat buf;

	if (!target)
		return FD_OTHER;
	if (has_prefix(target, "socket:["))
		return FD_SOCKET;
	if (has_prefix(target, "pipe:["))
		return FD_PIPE;
	if (has_prefix(target, "anon_inode:"))
		return FD_ANON;
	/* Anything else not a path ("net:[…]", nsfs) is other, whatever its mode. */
	if (target[0] != '/')
		return FD_OTHER;
	if (!st) {
		if (stat(target, &buf) < 0)
			return FD_OTHER;
		st = &buf;
	}
	return S_ISREG(st->st_mode) ? FD_REGULAR : FD_OTHER;
}

enum fd_kind fd_kind_from_link(const char *target) { return fd_kind_classify(target, NULL); }

const char *fd_kind_name(enum fd_kind k)
{
	static const char *const names[_FD_KIND_MAX] = {
		[FD_SOCKET] = "socket", [FD_PIPE] = "pipe",   [FD_REGULAR] = "regular",
		[FD_ANON] = "anon",     [FD_OTHER] = "other",
	};

	return (unsigned)k < _FD_KIND_MAX ? names[k] : "invalid";
}
