/* SPDX-License-Identifier: MIT */
/*
 * cgroup_watch.h: change notification for cgroup files (cgroup.events,
 * memory.events, pids.events) through one inotify fd on the loop: the
 * kernel signals a change, nothing is polled. Each watch has its own
 * callback, so the owner of a cgroup hears of its own files only. Watches
 * are kept sorted by descriptor in a table sized at start.
 */
#pragma once

#include <stddef.h>

struct loop;
struct cgroup_watch;

typedef void (*cgroup_watch_fn)(void *userdata, int wd);

int cgroup_watch_new(struct loop *l, size_t max_watches, struct cgroup_watch **ret);
struct cgroup_watch *cgroup_watch_free(struct cgroup_watch *w);
/* Watches `file` in the directory dir_fd (an O_PATH fd is fine); fn is
 * called from the loop on every change. The watch descriptor in *ret_wd.
 * -ENOSPC past max_watches. */
int cgroup_watch_add(struct cgroup_watch *w, int dir_fd, const char *file, cgroup_watch_fn fn,
		     void *userdata, int *ret_wd);
/* Idempotent; wd < 0 is a no-op. */
void cgroup_watch_remove(struct cgroup_watch *w, int wd);
size_t cgroup_watch_count(const struct cgroup_watch *w);
