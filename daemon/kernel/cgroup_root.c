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

int cgroup_root_open(const char *path, struct cgroup_root *ret)
{
	char mnt[512], self[1024], full[2048];
	bool create = false;
	int r;

	if (path) {
		snprintf(full, sizeof(full), "%s", path);
		create = true;
	} else {
		if ((r = cgroup2_mount_point(mnt, sizeof(mnt))) < 0)
			return r;
		if ((r = cgroup_self_path(self, sizeof(self))) < 0)
			return r;
		if (!strcmp(self, "/")) {
			/* The hierarchy's root (a fresh container, or this kind of
			 * host): our own subtree below it. */
			snprintf(full, sizeof(full), "%s/" CGROUP_DEFAULT_NAME, mnt);
			create = true;
		} else {
			size_t n = strlen(self);
			/* Restarted inside the root we made last time. */
			if (n > 11 && !strcmp(self + n - 11, "/supervisor"))
				self[n - 11] = '\0';
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
	if (sup >= 0 && cgroup_count_procs(sup) > 0) {
		char me[1024];
		if (cgroup_self_path(me, sizeof(me)) < 0 || !strstr(full, me) ||
		    strcmp(me + strlen(me) - 11, "/supervisor")) {
			safe_close(root.fd);
			return -EBUSY;
		}
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

static int remove_instance(int svc_fd, const char *name, bool has_kill, unsigned *ret_npids)
{
	_cleanup_close_ int inst = openat(svc_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int n = inst >= 0 ? cgroup_count_procs(inst) : 0;

	*ret_npids = n > 0 ? (unsigned)n : 0;
	if (n > 0) {
		(void)cgroup_kill(inst, has_kill);
		(void)cgroup_wait_empty(inst, SWEEP_WAIT_MS);
	}
	int r = cgroup_rmdir(svc_fd, name);
	return r == -ENOENT ? 0 : r;
}

static void sweep_service(struct cgroup_root *root, const char *svc,
			  void (*report)(const char *svc, const char *idx, unsigned npids, void *ud),
			  void *ud, int *found)
{
	_cleanup_close_ int fd = openat(root->services_fd, svc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = fd >= 0 ? opendir_dup(fd) : NULL;
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		unsigned npids;
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		(void)remove_instance(fd, e->d_name, root->has_kill, &npids);
		if (npids > 0) {
			++*found;
			report(svc, e->d_name, npids, ud);
		}
	}
}

int cgroup_root_sweep(struct cgroup_root *root,
		      void (*report)(const char *svc, const char *idx, unsigned npids, void *ud), void *ud)
{
	int found = 0;
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
		sweep_service(root, e->d_name, report, ud, &found);
		(void)cgroup_rmdir(root->services_fd, e->d_name);
	}
	return found;
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
