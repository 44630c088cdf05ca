/* SPDX-License-Identifier: MIT */
/*
 * cgroup_watch.c: see cgroup_watch.h. A watch on a file reached through
 * /proc/self/fd/N/FILE, so the caller's directory fd is all it needs.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "basic/macro.h"
#include "kernel/cgroup_watch.h"
#include "kernel/loop.h"

struct watch {
	int wd;
	cgroup_watch_fn fn;
	void *userdata;
};

struct cgroup_watch {
	struct loop *loop;
	int fd;
	loop_id source;
	struct watch *w;     /* sorted by wd */
	size_t n, cap;
};

/* The index of wd, or where it would go. */
static size_t find(const struct cgroup_watch *cw, int wd)
{
	size_t lo = 0, hi = cw->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cw->w[mid].wd < wd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void on_inotify(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct cgroup_watch *cw = userdata;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	(void)l, (void)revents;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return;   /* EAGAIN: drained */
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;
			p += sizeof(*e) + e->len;
			if (!(e->mask & IN_MODIFY))
				continue;
			/* Looked up for each event: a callback may remove
			 * watches, its own and others'. */
			size_t i = find(cw, e->wd);
			if (i < cw->n && cw->w[i].wd == e->wd)
				cw->w[i].fn(cw->w[i].userdata, e->wd);
		}
	}
}

int cgroup_watch_new(struct loop *l, size_t max_watches, struct cgroup_watch **ret)
{
	struct cgroup_watch *cw = calloc(1, sizeof(*cw));
	int r;

	if (!cw)
		return -ENOMEM;
	cw->loop = l;
	cw->cap = max_watches;
	cw->w = calloc(max_watches ? max_watches : 1, sizeof(*cw->w));
	cw->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (!cw->w || cw->fd < 0) {
		r = cw->w ? -errno : -ENOMEM;
		goto fail;
	}
	r = loop_add(l, cw->fd, POLLIN, on_inotify, cw, &cw->source);
	if (r < 0)
		goto fail;
	*ret = cw;
	return 0;
fail:
	cgroup_watch_free(cw);
	return r;
}

struct cgroup_watch *cgroup_watch_free(struct cgroup_watch *cw)
{
	if (!cw)
		return NULL;
	if (cw->source)
		loop_remove(cw->loop, cw->source);
	safe_close(cw->fd);
	free(cw->w);
	free(cw);
	return NULL;
}

int cgroup_watch_add(struct cgroup_watch *cw, int dir_fd, const char *file, cgroup_watch_fn fn,
		     void *userdata, int *ret_wd)
{
	char path[64 + 256];

	if (cw->n == cw->cap)
		return -ENOSPC;
	if ((size_t)snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dir_fd, file) >= sizeof(path))
		return -ENAMETOOLONG;
	int wd = inotify_add_watch(cw->fd, path, IN_MODIFY);
	if (wd < 0)
		return -errno;
	size_t i = find(cw, wd);
	if (i < cw->n && cw->w[i].wd == wd) {
		/* The same file watched twice: inotify gives the same wd. */
		cw->w[i] = (struct watch){ wd, fn, userdata };
	} else {
		memmove(&cw->w[i + 1], &cw->w[i], (cw->n - i) * sizeof(*cw->w));
		cw->w[i] = (struct watch){ wd, fn, userdata };
		cw->n++;
	}
	*ret_wd = wd;
	return 0;
}

void cgroup_watch_remove(struct cgroup_watch *cw, int wd)
{
	if (!cw || wd < 0)
		return;
	size_t i = find(cw, wd);
	if (i >= cw->n || cw->w[i].wd != wd)
		return;
	(void)inotify_rm_watch(cw->fd, wd);
	memmove(&cw->w[i], &cw->w[i + 1], (cw->n - i - 1) * sizeof(*cw->w));
	cw->n--;
}

size_t cgroup_watch_count(const struct cgroup_watch *cw)
{
	return cw ? cw->n : 0;
}
