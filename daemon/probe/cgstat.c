/* SPDX-License-Identifier: MIT */
/*
 * cgstat.c: bpf/cgstat.bpf.c through its skeleton (cgstat.h). The `usage`
 * array is mmap()ed read-only once and copied out sorted after each pass;
 * the iterator's link holds the root cgroup, the root's cpu.stat stays
 * open for the flush (with the program, maps and link: 6 fds for the life
 * of the daemon, once a scrape opened them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cgstat.skel.h"
#include "basic/fd_util.h"
#include "basic/macro.h"
#include "probe/cgstat.h"
#include "rv_probe.h"

_Static_assert(sizeof(struct rv_cg_usage) == sizeof(struct cgstat_usage), "one record each side");

struct cgstat {
	struct cgstat_bpf *skel;
	struct bpf_link *link;
	int cpu_stat_fd;                  /* the root's cpu.stat */
	const struct rv_cg_usage *map;    /* `usage`, mmap()ed */
	size_t map_len, max;
	struct cgstat_usage *sorted;      /* max of them */
};

static void say(char *why, size_t len, const char *what, int r)
{
	snprintf(why, len, "bpf cgroup iterator: %s: %s%s", what, strerror(-r),
		 r == -EPERM ? " (needs CAP_BPF and CAP_PERFMON)" : "");
}

struct cgstat *cgstat_free(struct cgstat *c)
{
	if (!c)
		return NULL;
	bpf_link__destroy(c->link);
	if (c->map)
		munmap((void *)c->map, c->map_len);
	cgstat_bpf__destroy(c->skel);
	safe_close(c->cpu_stat_fd);
	free(c->sorted);
	free(c);
	return NULL;
}

static void cgstat_freep(struct cgstat **c) { cgstat_free(*c); }

static int attach(struct cgstat *c, int root_fd)
{
	union bpf_iter_link_info info = { 0 };
	LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &info, .link_info_len = sizeof(info));
	/* The iterator takes a directory fd it can read (not O_PATH). */
	_cleanup_close_ int dir = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0)
		return -errno;
	info.cgroup.cgroup_fd = (__u32)dir;
	info.cgroup.order = BPF_CGROUP_ITER_DESCENDANTS_PRE;
	c->link = bpf_program__attach_iter(c->skel->progs.cg_usage, &opts);
	return c->link ? 0 : -errno;
}

int cgstat_new(int root_fd, size_t max, struct cgstat **ret, char *why, size_t whylen)
{
	_cleanup_(cgstat_freep) struct cgstat *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->cpu_stat_fd = openat(root_fd, "cpu.stat", O_RDONLY | O_CLOEXEC);
	if (c->cpu_stat_fd < 0) {
		r = -errno;   /* before say(), whose snprintf may set errno */
		return say(why, whylen, "the root's cpu.stat", r), r;
	}
	c->max = MAX(max, (size_t)1);
	c->sorted = calloc(c->max, sizeof(*c->sorted));
	c->skel = c->sorted ? cgstat_bpf__open() : NULL;
	if (!c->skel)
		return -ENOMEM;
	r = bpf_map__set_max_entries(c->skel->maps.usage, (uint32_t)c->max);
	if (r >= 0)
		r = cgstat_bpf__load(c->skel);
	if (r < 0)
		return say(why, whylen, "load", r), r;
	r = attach(c, root_fd);
	if (r < 0)
		return say(why, whylen, "attach", r), r;
	c->map_len = c->max * sizeof(struct rv_cg_usage);
	void *m = mmap(NULL, c->map_len, PROT_READ, MAP_SHARED, bpf_map__fd(c->skel->maps.usage), 0);
	if (m == MAP_FAILED) {
		r = -errno;
		return say(why, whylen, "mmap", r), r;
	}
	c->map = m;
	*ret = TAKE_PTR(c);
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct cgstat_usage *x = a, *y = b;
	return x->cgroup_id < y->cgroup_id ? -1 : x->cgroup_id > y->cgroup_id;
}

/* Reads an iterator to its end; the program prints nothing. */
static int walk(struct cgstat *c)
{
	char buf[64];
	ssize_t n;
	_cleanup_close_ int it = bpf_iter_create(bpf_link__fd(c->link));

	if (it < 0)
		return -errno;
	while ((n = read(it, buf, sizeof(buf))) > 0)
		;
	return n < 0 ? -errno : 0;
}

int cgstat_pass(struct cgstat *c, const struct cgstat_usage **ret, size_t *ret_n, size_t *ret_truncated)
{
	char flush[512];
	int r;

	/* Reading it is what flushes the subtree's per-cpu counters. */
	if (pread(c->cpu_stat_fd, flush, sizeof(flush), 0) < 0)
		return -errno;
	c->skel->bss->n_records = 0;
	c->skel->bss->truncated = 0;
	r = walk(c);
	if (r < 0)
		return r;
	size_t n = MIN((size_t)c->skel->bss->n_records, c->max);
	for (size_t i = 0; i < n; i++)
		c->sorted[i] = (struct cgstat_usage){ .cgroup_id = c->map[i].cgroup_id,
						      .usage_usec = c->map[i].usage_ns / 1000,
						      .flags = c->map[i].flags };
	qsort(c->sorted, n, sizeof(*c->sorted), by_id);
	*ret = c->sorted;
	*ret_n = n;
	*ret_truncated = c->skel->bss->truncated;
	return 0;
}

const struct cgstat_usage *cgstat_find(const struct cgstat_usage *u, size_t n, uint64_t id)
{
	struct cgstat_usage key = { .cgroup_id = id };
	return bsearch(&key, u, n, sizeof(*u), by_id);
}
