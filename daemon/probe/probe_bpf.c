/* SPDX-License-Identifier: MIT */
/*
 * probe_bpf.c: the probe's bpf source, bpf/leak.bpf.c through its skeleton.
 *
 * Loaded and attached once in probe_bpf_new(): two iterator links (iter/task,
 * iter/task_file) over every task of our pid namespace, kept for the life of
 * the probe. A pass then:
 *   1. writes the target ids to `want` (only when the set changed);
 *   2. reads an iterator of each link to its end: task first, which makes an
 *      entry per watched process and counts its threads, then task_file,
 *      which adds the fds; the programs print nothing;
 *   3. empties `counts` into the result as it reads it (lookup-and-delete in
 *      batches), and takes `dropped`.
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

#include "leak.skel.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "probe/probe_bpf.h"
#include "rv_probe.h"

_Static_assert(FD_SOCKET == RV_FD_SOCKET && FD_PIPE == RV_FD_PIPE && FD_REGULAR == RV_FD_REGULAR &&
		       FD_ANON == RV_FD_ANON && FD_OTHER == RV_FD_OTHER && _FD_KIND_MAX == RV_FD_KINDS,
	       "enum fd_kind and rv_probe.h disagree");
_Static_assert(PROBE_MAX_PROCS == RV_PROBE_MAX_PROCS && PROBE_MAX_CGROUPS == RV_PROBE_MAX_CGROUPS,
	       "probe.h and rv_probe.h disagree on the map sizes");

#define BATCH 1024              /* map entries per batch syscall */
#define BTF_PATH "/sys/kernel/btf/vmlinux"

struct probe_bpf {
	struct leak_bpf *skel;
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
	leak_bpf__destroy(b->skel);     /* links first, then programs and maps */
	free(b->want);
	free(b);
	return NULL;
}

static void probe_bpf_freep(struct probe_bpf **b) { probe_bpf_free(*b); }

int probe_bpf_new(struct probe_bpf **ret, char *why, size_t whylen)
{
	_cleanup_(probe_bpf_freep) struct probe_bpf *b = NULL;
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
	b->skel = leak_bpf__open();
	if (!b->skel) {
		r = errno > 0 ? -errno : -EINVAL;
		say(why, whylen, "bpf: open: %s", strerror(-r));
		return r;
	}
	r = leak_bpf__load(b->skel);
	if (r < 0) {
		say(why, whylen, "bpf: load: %s%s", strerror(-r),
		    r == -EPERM ? " (needs CAP_BPF and CAP_PERFMON)" : "");
		return r;
	}
	r = leak_bpf__attach(b->skel);
	if (r < 0) {
		say(why, whylen, "bpf: attach: %s", strerror(-r));
		return r;
	}
	*ret = TAKE_PTR(b);
	return 0;
}

static int take_counts(struct probe_bpf *b, uint32_t count, struct probe_result *res)
{
	for (uint32_t i = 0; i < count; i++) {
		const struct rv_proc_counts *v = &b->vals.counts[i];
		int err = 0;
		struct proc_counts *c = probe_result_add(res, &err);

		if (!c) {
			if (err < 0)
				return err;
			continue;       /* full: counted in res->dropped */
		}
		c->tgid = (pid_t)b->keys.u32[i];
		c->cgroup_id = v->cgroup_id;
		c->rss = v->rss_pages * b->page_size;
		for (int k = 0; k < RV_FD_KINDS; k++) {
			c->fds[k] = v->fds[k];
			c->nr_fds += v->fds[k];
		}
		c->threads = v->threads;
		memcpy(c->comm, v->comm, sizeof(c->comm));
		c->comm[sizeof(c->comm) - 1] = '\0';
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

static int want_set(struct probe_bpf *b, const struct probe_target *t, size_t n)
{
	_cleanup_free_ uint64_t *ids = NULL;
	_cleanup_free_ uint8_t *ones = NULL;
	int fd = bpf_map__fd(b->skel->maps.want), r;
	bool same = !b->want_stale && n == b->n_want;
	__u32 count = (__u32)n;

	for (size_t i = 0; same && i < n; i++)
		same = b->want[i] == t[i].cgroup_id;
	if (same)
		return 0;
	ids = malloc(n * sizeof(*ids));
	ones = malloc(n);
	if (!ids || !ones)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		ids[i] = t[i].cgroup_id;
	memset(ones, 1, n);

	b->want_stale = true;
	r = map_drain(b, fd, NULL);
	if (r < 0)
		return r;
	r = bpf_map_update_batch(fd, ids, ones, &count, NULL);
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
	b->counts_stale = true;
	r = iter_run(b->skel->links.count_threads);
	if (r >= 0)
		r = iter_run(b->skel->links.count_fds);
	if (r >= 0)
		r = map_drain(b, counts_fd, res);
	if (r < 0)
		return r;
	b->counts_stale = false;
	res->dropped += b->skel->bss->dropped;
	return 0;
}
