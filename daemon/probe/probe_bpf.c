/* SPDX-License-Identifier: MIT */
/*
 * probe_bpf.c: the probe's bpf source, bpf/leak.bpf.c through its skeleton.
 *
 * Loaded and attached once in probe_bpf_new(), kept for the life of the
 * probe, one of two walks (bpf/leak.bpf.c says how they differ):
 *   cgroups: one iter/cgroup link over the hierarchy, each watched cgroup
 *            walking its own processes (needs the css_task kfuncs, 6.7+);
 *   tasks:   two links, iter/task then iter/task_file, over every task of
 *            our pid namespace: the fallback where the first cannot load.
 * A pass then:
 *   1. writes the target ids to `want` (only when the set changed);
 *   2. reads an iterator of each link to its end (the programs print
 *      nothing): the cgroup walk writes a record per watched process into
 *      `out` (in the .bss, mapped here), then into `counts` once `out` is
 *      full; the task walk fills `counts`;
 *   3. takes the records of `out`, empties `counts` into the result as it
 *      reads it (lookup-and-delete in batches) where it may hold any, and
 *      takes `dropped`.
 * If a pass fails half-way the maps are marked stale and emptied at the start
 * of the next one. libbpf's messages go to log_debug only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rv_probe.h"     /* before the skeleton: its .bss holds rv_probe.h's types */
#include "leak.skel.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "probe/probe_bpf.h"

_Static_assert(FD_SOCKET == RV_FD_SOCKET && FD_PIPE == RV_FD_PIPE && FD_REGULAR == RV_FD_REGULAR &&
		       FD_ANON == RV_FD_ANON && FD_OTHER == RV_FD_OTHER && _FD_KIND_MAX == RV_FD_KINDS,
	       "enum fd_kind and rv_probe.h disagree");
_Static_assert(PROBE_MAX_PROCS == RV_PROBE_MAX_PROCS && PROBE_MAX_CGROUPS == RV_PROBE_MAX_CGROUPS,
	       "probe.h and rv_probe.h disagree on the map sizes");

#define BATCH 1024              /* map entries per batch syscall */
#define BTF_PATH "/sys/kernel/btf/vmlinux"

struct probe_bpf {
	struct leak_bpf *skel;
	enum probe_bpf_walk walk;   /* CGROUPS or TASKS, never AUTO */
	struct bpf_link *cgroups;   /* the cgroups walk's link (attached by hand) */
	uint64_t *want;             /* the ids in `want`, sorted */
	size_t n_want;
	bool want_stale;            /* `want` may hold anything */
	bool counts_stale;          /* `counts` may hold a failed pass's entries */
	uint64_t page_size;         /* rss_pages to bytes */
	union {
		uint64_t u64[BATCH];
		uint32_t u32[BATCH];
	} keys;
	union {
		struct rv_proc_counts counts[BATCH];
		uint8_t u8[BATCH];
	} vals;
};

static void _printf_(3, 4) say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* libbpf's warnings (a verifier log among them, cut at 8 KiB), a debug line
 * each; its messages already start with "libbpf: ". */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[8192];

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (char *l = buf, *nl; *l; l = nl) {
		nl = l + strcspn(l, "\n");
		if (*nl)
			*nl++ = '\0';
		if (*l)
			log_debug("%s", l);
	}
	return 0;
}

struct probe_bpf *probe_bpf_free(struct probe_bpf *b)
{
	if (!b)
		return NULL;
	bpf_link__destroy(b->cgroups);
	leak_bpf__destroy(b->skel);     /* links first, then programs and maps */
	free(b->want);
	free(b);
	return NULL;
}

static void probe_bpf_freep(struct probe_bpf **b) { probe_bpf_free(*b); }

/* The iter/cgroup link over cgroup_fd's descendants, parents before
 * children; with -1 (no fd, no id) over the whole hierarchy. */
static struct bpf_link *cgroups_link(struct probe_bpf *b, int cgroup_fd)
{
	union bpf_iter_link_info info = { 0 };
	LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &info, .link_info_len = sizeof(info));

	info.cgroup.order = BPF_CGROUP_ITER_DESCENDANTS_PRE;
	info.cgroup.cgroup_fd = cgroup_fd >= 0 ? (__u32)cgroup_fd : 0;
	return bpf_program__attach_iter(b->skel->progs.count_cgroups, &opts);
}

static int attach_cgroups(struct probe_bpf *b)
{
	b->cgroups = cgroups_link(b, -1);
	return b->cgroups ? 0 : -errno;
}

/* Why: the walk visits every cgroup it is given (a map lookup each) to find
 * the watched ones; over the whole hierarchy that is every container and
 * slice of the host, over ours only what the daemon made. */
int probe_bpf_set_scope(struct probe_bpf *b, int cgroup_fd)
{
	if (b->walk != PROBE_BPF_WALK_CGROUPS)
		return 0;
	struct bpf_link *l = cgroups_link(b, cgroup_fd);
	if (!l)
		return -errno;
	bpf_link__destroy(b->cgroups);
	b->cgroups = l;
	return 0;
}

/* Opens, loads and attaches the programs of one walk. */
static int load_walk(struct probe_bpf *b, enum probe_bpf_walk walk, char *why, size_t whylen)
{
	bool by_cgroup = walk == PROBE_BPF_WALK_CGROUPS;
	int r;

	b->skel = leak_bpf__open();
	if (!b->skel) {
		r = errno > 0 ? -errno : -EINVAL;
		say(why, whylen, "bpf: open: %s", strerror(-r));
		return r;
	}
	bpf_program__set_autoload(b->skel->progs.count_cgroups, by_cgroup);
	bpf_program__set_autoattach(b->skel->progs.count_cgroups, false);
	bpf_program__set_autoload(b->skel->progs.count_threads, !by_cgroup);
	bpf_program__set_autoload(b->skel->progs.count_fds, !by_cgroup);
	r = leak_bpf__load(b->skel);
	if (r < 0) {
		say(why, whylen, "bpf: load%s: %s%s", by_cgroup ? " (cgroup walk)" : "", strerror(-r),
		    r == -EPERM ? " (needs CAP_BPF and CAP_PERFMON)" : "");
		return r;
	}
	r = by_cgroup ? attach_cgroups(b) : leak_bpf__attach(b->skel);
	if (r < 0) {
		say(why, whylen, "bpf: attach%s: %s", by_cgroup ? " (cgroup walk)" : "", strerror(-r));
		return r;
	}
	b->walk = walk;
	return 0;
}

int probe_bpf_new(enum probe_bpf_walk walk, struct probe_bpf **ret, char *why, size_t whylen)
{
	_cleanup_(probe_bpf_freep) struct probe_bpf *b = NULL;
	char first[160] = "";
	int r;

	libbpf_set_print(libbpf_log);
	if (access(BTF_PATH, R_OK) < 0) {
		r = -errno;
		say(why, whylen, "bpf: no kernel BTF (%s: %s)", BTF_PATH, strerror(-r));
		return r;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	r = load_walk(b, walk == PROBE_BPF_WALK_TASKS ? walk : PROBE_BPF_WALK_CGROUPS, first, sizeof(first));
	if (r < 0 && walk == PROBE_BPF_WALK_AUTO && r != -EPERM) {
		/* An older kernel (no css_task kfuncs): every task then. */
		bpf_link__destroy(TAKE_PTR(b->cgroups));
		leak_bpf__destroy(TAKE_PTR(b->skel));
		log_info("leak probe: %s; walking every task instead", first);
		r = load_walk(b, PROBE_BPF_WALK_TASKS, why, whylen);
	} else if (r < 0)
		say(why, whylen, "%s", first);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(b);
	return 0;
}

void probe_bpf_limit_out(struct probe_bpf *b, uint32_t records)
{
	b->skel->data->out_max = MIN(records, (uint32_t)RV_PROBE_OUT_RECORDS);
}

const char *probe_bpf_walk_name(const struct probe_bpf *b)
{
	return b->walk == PROBE_BPF_WALK_CGROUPS ? "cgroups" : "tasks";
}

/* One process's counts into the result (full: counted in res->dropped). */
static int take_one(const struct probe_bpf *b, uint32_t tgid, const struct rv_proc_counts *v,
		    struct probe_result *res)
{
	int err = 0;
	struct proc_counts *c = probe_result_add(res, &err);

	if (!c)
		return err;
	c->tgid = (pid_t)tgid;
	c->cgroup_id = v->cgroup_id;
	c->rss = v->rss_pages * b->page_size;
	for (int k = 0; k < RV_FD_KINDS; k++) {
		c->fds[k] = v->fds[k];
		c->nr_fds += v->fds[k];
	}
	c->threads = v->threads;
	memcpy(c->comm, v->comm, sizeof(c->comm));
	c->comm[sizeof(c->comm) - 1] = '\0';
	return 0;
}

static int take_counts(struct probe_bpf *b, uint32_t count, struct probe_result *res)
{
	for (uint32_t i = 0; i < count; i++) {
		int r = take_one(b, b->keys.u32[i], &b->vals.counts[i], res);

		if (r < 0)
			return r;
	}
	return 0;
}

/* The cgroup walk's records, read where libbpf mapped the object's .bss
 * (written by the read() that ran the walk, in this thread). */
static int take_out(struct probe_bpf *b, struct probe_result *res)
{
	uint32_t n = MIN(b->skel->bss->n_out, (uint32_t)RV_PROBE_OUT_RECORDS);

	for (uint32_t i = 0; i < n; i++) {
		const struct rv_proc_record *rec = &b->skel->bss->out[i];
		int r = take_one(b, rec->tgid, &rec->c, res);

		if (r < 0)
			return r;
	}
	return 0;
}

/* Empties the map, BATCH entries a call, handing each batch of `counts`
 * entries to the result when res is given. */
static int map_drain(struct probe_bpf *b, int fd, struct probe_result *res)
{
	uint64_t token = 0;

	for (bool first = true;; first = false) {
		__u32 count = BATCH;
		int r = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &token, &token, &b->keys,
							&b->vals, &count, NULL);

		if (r < 0 && r != -ENOENT)
			return r;
		if (res && count > 0) {
			int q = take_counts(b, count, res);

			if (q < 0)
				return q;
		}
		if (r == -ENOENT)       /* the end; count has the last entries */
			return 0;
	}
}

/* Changes `want` from b->want to ids (both sorted, unique): deletes the
 * ids gone and adds the new ones, each in one batch. A pass of several
 * slices changes the whole set every slice; emptying the map instead
 * walked all its buckets (RV_PROBE_MAX_CGROUPS of them, rounded up), a
 * lock each, every slice. */
static int want_change(struct probe_bpf *b, int fd, const uint64_t *ids, size_t n)
{
	_cleanup_free_ uint64_t *gone = malloc(MAX(b->n_want, (size_t)1) * sizeof(*gone));
	_cleanup_free_ uint64_t *added = malloc(MAX(n, (size_t)1) * sizeof(*added));
	_cleanup_free_ uint8_t *ones = malloc(MAX(n, (size_t)1));
	size_t i = 0, j = 0, n_gone = 0, n_added = 0;
	__u32 count;
	int r;

	if (!gone || !added || !ones)
		return -ENOMEM;
	while (i < b->n_want || j < n) {
		if (j == n || (i < b->n_want && b->want[i] < ids[j]))
			gone[n_gone++] = b->want[i++];
		else if (i == b->n_want || ids[j] < b->want[i])
			added[n_added++] = ids[j++];
		else
			i++, j++;
	}
	count = (__u32)n_gone;
	r = n_gone ? bpf_map_delete_batch(fd, gone, &count, NULL) : 0;
	if (r < 0)
		return r;
	memset(ones, 1, n_added);
	count = (__u32)n_added;
	return n_added ? bpf_map_update_batch(fd, added, ones, &count, NULL) : 0;
}

static int want_set(struct probe_bpf *b, const struct probe_target *t, size_t n)
{
	_cleanup_free_ uint64_t *ids = NULL;
	int fd = bpf_map__fd(b->skel->maps.want), r;
	bool same = !b->want_stale && n == b->n_want;

	for (size_t i = 0; same && i < n; i++)
		same = b->want[i] == t[i].cgroup_id;
	if (same)
		return 0;
	ids = malloc(n * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		ids[i] = t[i].cgroup_id;

	if (b->want_stale) {    /* a failed change: start from empty */
		r = map_drain(b, fd, NULL);
		if (r < 0)
			return r;
		b->n_want = 0;
	}
	b->want_stale = true;
	r = want_change(b, fd, ids, n);
	if (r < 0)
		return r;
	free(b->want);
	b->want = TAKE_PTR(ids);
	b->n_want = n;
	b->want_stale = false;
	return 0;
}

/* Reads a new iterator of link to its end. The programs print nothing: one
 * read() walks every task (or file) and returns 0, or EAGAIN after a million
 * objects, where the next read() goes on. */
static int iter_run(struct bpf_link *link)
{
	_cleanup_close_ int fd = bpf_iter_create(bpf_link__fd(link));
	char buf[64];

	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t k = read(fd, buf, sizeof(buf));

		if (k == 0)
			return 0;
		if (k < 0 && errno != EINTR && errno != EAGAIN)
			return -errno;
	}
}

int probe_bpf_run(struct probe_bpf *b, const struct probe_target *t, size_t n,
		  struct probe_result *res)
{
	int counts_fd = bpf_map__fd(b->skel->maps.counts), r;

	if (b->counts_stale) {
		r = map_drain(b, counts_fd, NULL);
		if (r < 0)
			return r;
		b->counts_stale = false;
	}
	r = want_set(b, t, n);
	if (r < 0)
		return r;
	b->skel->bss->dropped = 0;
	b->skel->bss->n_out = 0;
	b->skel->bss->spilled = 0;
	b->counts_stale = true;
	if (b->walk == PROBE_BPF_WALK_CGROUPS) {
		r = iter_run(b->cgroups);
		if (r >= 0)
			r = take_out(b, res);
		/* `counts` has entries only once `out` is full. */
		if (r >= 0 && b->skel->bss->spilled)
			r = map_drain(b, counts_fd, res);
	} else {
		r = iter_run(b->skel->links.count_threads);
		if (r >= 0)
			r = iter_run(b->skel->links.count_fds);
		if (r >= 0)
			r = map_drain(b, counts_fd, res);
	}
	if (r < 0)
		return r;
	b->counts_stale = false;
	res->dropped += b->skel->bss->dropped;
	return 0;
}
