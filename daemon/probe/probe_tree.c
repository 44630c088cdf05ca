/* SPDX-License-Identifier: MIT */
/*
 * probe_tree.c: the procfs probe without cgroups (a container without a
 * writable cgroup2, cgroup_root: none). An instance is then its main
 * process and what descends from it: a process belongs to the target
 * whose root is the process itself, an ancestor (by ppid, at most
 * TREE_MAX_DEPTH up), or its session (each service starts in a session of
 * its own, so a child that double-forked but kept the session is still
 * found). One read of /proc/PID/stat per process of the system per pass,
 * then the usual scan of each member. What neither links to its root
 * (setsid and re-parented to the daemon, the subreaper) is not counted:
 * only a cgroup holds a tree whole.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/macro.h"
#include "probe/probe_procfs.h"
#include "probe/probe_tree.h"

#define TREE_MAX_DEPTH 64

struct pinfo {
	pid_t pid, ppid, sid;
};

static int cmp_pinfo(const void *a, const void *b)
{
	const struct pinfo *x = a, *y = b;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int cmp_root(const void *a, const void *b)
{
	const struct probe_target *x = a, *y = b;
	return x->root_pid < y->root_pid ? -1 : x->root_pid > y->root_pid;
}

/* "PID (comm) S PPID PGRP SID ...": comm may hold spaces and parentheses,
 * so parse after the last ')'. 0, or -errno (gone: -ENOENT/-ESRCH). */
static int read_stat(pid_t pid, struct pinfo *p)
{
	char path[32], buf[512];
	int fd, pgrp;
	ssize_t k;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (k <= 0)
		return k < 0 ? -errno : -ESRCH;
	buf[k] = '\0';
	const char *rp = strrchr(buf, ')');
	char state;
	if (!rp || sscanf(rp + 1, " %c %d %d %d", &state, &p->ppid, &pgrp, &p->sid) != 4)
		return -EBADMSG;
	p->pid = pid;
	return 0;
}

/* Every process of the system with its parent and session, sorted by pid;
 * at most PROBE_MAX_PROCS (beyond: counted in res->dropped). */
static int list_processes(struct pinfo **ret, size_t *ret_n, struct probe_result *res)
{
	DIR *d = opendir("/proc");
	struct pinfo *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int r = 0;

	if (!d)
		return -errno;
	while (r >= 0 && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (n == PROBE_MAX_PROCS) {
			res->dropped++;
			continue;
		}
		if (n == cap) {
			size_t c = cap ? cap * 2 : 512;
			struct pinfo *nv = reallocarray(v, c, sizeof(*v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = c;
		}
		int k = read_stat((pid_t)atoi(de->d_name), &v[n]);
		if (k >= 0)
			n++;
		else if (k != -ENOENT && k != -ESRCH)
			r = k;
	}
	closedir(d);
	if (r < 0) {
		free(v);
		return r;
	}
	qsort(v, n, sizeof(*v), cmp_pinfo);
	*ret = v;
	*ret_n = n;
	return 0;
}

static const struct probe_target *root_of(const struct probe_target *roots, size_t n, pid_t pid)
{
	struct probe_target key = { .root_pid = pid };
	return pid > 0 ? bsearch(&key, roots, n, sizeof(*roots), cmp_root) : NULL;
}

/* The target p belongs to, or NULL. */
static const struct probe_target *owner(const struct pinfo *all, size_t n_all,
					const struct probe_target *roots, size_t n_roots,
					const struct pinfo *p)
{
	const struct probe_target *t = root_of(roots, n_roots, p->pid);

	if (!t)
		t = root_of(roots, n_roots, p->sid);
	for (int depth = 0; !t && p && depth < TREE_MAX_DEPTH; depth++) {
		pid_t up = p->ppid;
		if (up <= 1)
			break;
		t = root_of(roots, n_roots, up);
		p = bsearch(&(struct pinfo){ .pid = up }, all, n_all, sizeof(*all), cmp_pinfo);
	}
	return t;
}

int probe_tree_run(const struct probe_target *t, size_t n, struct probe_result *res)
{
	_cleanup_free_ struct probe_target *roots = NULL;
	_cleanup_free_ struct pinfo *all = NULL;
	size_t n_roots = 0, n_all = 0;
	int r;

	/* The cgroup passes call this too: nothing to allocate for them. */
	for (size_t i = 0; i < n; i++)
		n_roots += t[i].cgroup_fd < 0 && t[i].root_pid > 1;
	if (n_roots == 0)
		return 0;
	roots = malloc(n_roots * sizeof(*roots));
	if (!roots)
		return -ENOMEM;
	n_roots = 0;
	for (size_t i = 0; i < n; i++)
		if (t[i].cgroup_fd < 0 && t[i].root_pid > 1)
			roots[n_roots++] = t[i];
	qsort(roots, n_roots, sizeof(*roots), cmp_root);
	r = list_processes(&all, &n_all, res);
	for (size_t i = 0; r >= 0 && i < n_all; i++) {
		const struct probe_target *o = owner(all, n_all, roots, n_roots, &all[i]);
		if (o)
			r = probe_procfs_scan_process(all[i].pid, o->cgroup_id, res);
	}
	return r;
}
