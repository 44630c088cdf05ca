/* SPDX-License-Identifier: MIT */
/*
 * cgroup_root.c: finding, entering, sweeping and removing the delegated root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/cgroup_root.h"
#include "basic/fd_util.h"
#include "basic/macro.h"

#define CGROUP_DEFAULT_NAME "ringvisor"

/* Is this process in <root>/supervisor already (restarted in place)? */
static bool in_supervisor_of(const char *root)
{
	char mnt[512], me[1024], mine[2048];
	size_t n = strlen(root);

	if (cgroup_self_in_mount(mnt, sizeof(mnt), me, sizeof(me)) < 0)
		return false;
	snprintf(mine, sizeof(mine), "%s%s", mnt, strcmp(me, "/") ? me : "");
	return !strncmp(mine, root, n) && !strcmp(mine + n, "/supervisor");
}

int cgroup_root_open(const char *path, struct cgroup_root *ret)
{
	char mnt[512], self[1024], full[2048];
	bool create = false;
	int r;

	if (path) {
		snprintf(full, sizeof(full), "%s", path);
		create = true;
	} else {
		if ((r = cgroup_self_in_mount(mnt, sizeof(mnt), self, sizeof(self))) < 0)
			return r;
		if (!strcmp(self, "/")) {
			/* The hierarchy's root (a fresh container, or this kind of
			 * host): our own subtree below it. */
			snprintf(full, sizeof(full), "%s/" CGROUP_DEFAULT_NAME, mnt);
			create = true;
		} else {
			size_t n = strlen(self), k = strlen("/supervisor");
			/* Restarted inside the root we made last time. */
			if (n > k && !strcmp(self + n - k, "/supervisor"))
				self[n - k] = '\0';
			snprintf(full, sizeof(full), "%s%s", mnt, self);
		}
	}
	struct cgroup_root root = CGROUP_ROOT_NULL;
	if (create) {
		if (mkdir(full, 0755) == 0)
			root.created = true;
		else if (errno != EEXIST)
			return -errno;
	}
	root.fd = open(full, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root.fd < 0)
		return -errno;
	/* A live daemon in <root>/supervisor (not us) owns this root. */
	_cleanup_close_ int sup = openat(root.fd, "supervisor", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sup >= 0 && cgroup_count_procs(sup) > 0 && !in_supervisor_of(full)) {
		safe_close(root.fd);
		return -EBUSY;
	}
	struct stat st;
	root.has_kill = fstatat(root.fd, "cgroup.kill", &st, 0) == 0;
	root.path = strdup(full);
	if (!root.path) {
		safe_close(root.fd);
		return -ENOMEM;
	}
	*ret = root;
	return 0;
}

int cgroup_root_enter(struct cgroup_root *root, unsigned wanted)
{
	_cleanup_close_ int sup = -EBADF;
	char pid[32];
	int r;

	/* A cgroup.kill on supervisor/ or the root (clearing up after a
	 * SIGKILLed daemon) stays counted on it, and the kernel SIGKILLs at
	 * birth a child cloned into a cgroup (CLONE_INTO_CGROUP) whose count
	 * differs from its parent's cgroup's: every fresh instance cgroup's
	 * is 0. So ours is made afresh too (empty: cgroup_root_open checked),
	 * unless we are in it (reexec: nothing killed it, we live). */
	if (!in_supervisor_of(root->path))
		(void)cgroup_rmdir(root->fd, "supervisor");
	if ((r = cgroup_mkdir_open(root->fd, "supervisor", &sup)) < 0)
		return r;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (root->orig_fd < 0) {
		char mnt[512], self[1024], orig[2048];
		if (cgroup2_mount_point(mnt, sizeof(mnt)) == 0 && cgroup_self_path(self, sizeof(self)) == 0) {
			snprintf(orig, sizeof(orig), "%s%s", mnt, self);
			root->orig_fd = open(orig, O_PATH | O_DIRECTORY | O_CLOEXEC);
		}
	}
	if ((r = cgroup_write(sup, "cgroup.procs", pid)) < 0)
		return r;
	/* Controllers must be enabled from the top: the root's parent hands
	 * them to the root (allowed when the parent is the hierarchy root or a
	 * delegation gave us its subtree_control; failures just mean fewer). */
	_cleanup_close_ int parent = openat(root->fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (parent >= 0 && root->created)
		for (unsigned bit = 1; bit <= CGROUP_CTRL_IO; bit <<= 1)
			if ((wanted & bit) && (cgroup_available(parent) & bit))
				(void)cgroup_enable(parent, bit);
	unsigned avail = cgroup_available(root->fd) & wanted;
	for (unsigned bit = 1; bit <= CGROUP_CTRL_IO; bit <<= 1)
		if ((avail & bit) && cgroup_enable(root->fd, bit) < 0)
			avail &= ~bit;
	if ((r = cgroup_mkdir_open(root->fd, "services", &root->services_fd)) < 0)
		return r;
	if (avail && cgroup_enable(root->services_fd, avail) < 0)
		avail = 0;
	root->controllers = avail;
	return 0;
}

/* A leftover's processes are killed with cgroup.kill; the kernel takes a
 * moment to tear them down, and rmdir answers EBUSY until it has. */
#define SWEEP_WAIT_MS 2000

/* Kills what a leftover instance cgroup holds and removes it: 0, or what
 * failed. *ret_npids: how many processes it held. */
static int remove_instance(int svc_fd, const char *name, bool has_kill, unsigned *ret_npids)
{
	_cleanup_close_ int inst = openat(svc_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int n = inst >= 0 ? cgroup_count_procs(inst) : 0, r;

	*ret_npids = n > 0 ? (unsigned)n : 0;
	if (n > 0) {
		if ((r = cgroup_kill(inst, has_kill)) < 0)
			return r;
		if ((r = cgroup_wait_empty(inst, SWEEP_WAIT_MS)) < 0)
			return r;
	}
	r = cgroup_rmdir(svc_fd, name);
	return r == -ENOENT ? 0 : r;
}

/* The first error seen, kept. */
static void keep_first(int *err, int r)
{
	if (r < 0 && *err == 0)
		*err = r;
}

/* A populated leftover the caller takes back (adoption): left as it is. */
static bool kept(int svc_fd, const char *svc, const char *name, cgroup_sweep_keep_fn keep, void *ud)
{
	if (!keep)
		return false;
	_cleanup_close_ int fd = openat(svc_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd >= 0 && cgroup_count_procs(fd) > 0 && keep(svc, name, fd, ud);
}

static int sweep_service(struct cgroup_root *root, const char *svc, cgroup_sweep_report_fn report,
			 cgroup_sweep_keep_fn keep, void *ud, int *found, bool *any_kept)
{
	_cleanup_close_ int fd = openat(root->services_fd, svc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	_cleanup_closedir_ DIR *d = opendir_dup(fd);
	if (!d)
		return -errno;
	if (keep)
		(void)keep(svc, NULL, fd, ud);   /* the service's own directory first */
	int err = 0;
	for (struct dirent *e; (e = readdir(d));) {
		unsigned npids;
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if (kept(fd, svc, e->d_name, keep, ud)) {
			*any_kept = true;
			continue;
		}
		int r = remove_instance(fd, e->d_name, root->has_kill, &npids);
		if (npids > 0 || r < 0) {
			++*found;
			report(svc, e->d_name, npids, r, ud);
		}
		keep_first(&err, r);
	}
	return err;
}

int cgroup_root_sweep(struct cgroup_root *root, cgroup_sweep_report_fn report, cgroup_sweep_keep_fn keep,
		      void *ud)
{
	int found = 0, err = 0;
	/* services_fd is O_PATH, which cannot be read: open it for reading. */
	_cleanup_close_ int fd = openat(root->services_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	_cleanup_closedir_ DIR *d = take_fdopendir(&fd);
	if (!d)
		return -errno;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		bool any_kept = false;
		int r = sweep_service(root, e->d_name, report, keep, ud, &found, &any_kept);
		keep_first(&err, r);
		if (r >= 0 && !any_kept)
			keep_first(&err, cgroup_rmdir(root->services_fd, e->d_name));
	}
	return err < 0 ? err : found;
}

void cgroup_root_done(struct cgroup_root *root)
{
	if (root->fd < 0)
		return;
	if (root->services_fd >= 0)
		(void)cgroup_rmdir(root->fd, "services");
	root->services_fd = safe_close(root->services_fd);
	if (root->orig_fd >= 0) {
		char pid[32];
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		if (cgroup_write(root->orig_fd, "cgroup.procs", pid) == 0) {
			(void)cgroup_rmdir(root->fd, "supervisor");
			if (root->created) {
				_cleanup_close_ int parent = openat(root->fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
				const char *base = strrchr(root->path, '/');
				if (parent >= 0 && base)
					(void)cgroup_rmdir(parent, base + 1);
			}
		}
	}
	root->orig_fd = safe_close(root->orig_fd);
	root->fd = safe_close(root->fd);
	free(root->path);
	root->path = NULL;
}
