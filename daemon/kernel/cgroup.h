/* SPDX-License-Identifier: MIT */
/*
 * cgroup.h: the cgroup v2 subtree the daemon owns (DESIGN.md section 3).
 *
 *   <root>/supervisor               the daemon itself (no-internal-process rule)
 *   <root>/services/<svc>/<index>   one per instance; children are cloned
 *                                   straight into it (CLONE_INTO_CGROUP)
 *
 * Directories are held as O_PATH fds and every file is reached with openat,
 * so a path is resolved once. Mechanism only: functions return -errno and log
 * at debug at most; the caller decides what a failure means.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	CGROUP_CTRL_CPU = 1 << 0,
	CGROUP_CTRL_MEMORY = 1 << 1,
	CGROUP_CTRL_PIDS = 1 << 2,
	CGROUP_CTRL_IO = 1 << 3,
};
#define CGROUP_CTRL_ALL (CGROUP_CTRL_CPU | CGROUP_CTRL_MEMORY | CGROUP_CTRL_PIDS | CGROUP_CTRL_IO)

struct cgroup_root {
	char *path;            /* absolute path of the delegated root */
	int fd;                /* O_PATH directory fd of the root */
	int services_fd;       /* <root>/services */
	int orig_fd;           /* the cgroup we started in, to go back to at exit */
	unsigned controllers;  /* enabled for the services' subtree */
	bool created;          /* we made the root directory: remove it at exit */
	bool has_kill;         /* cgroup.kill exists (kernel >= 5.14) */
};

#define CGROUP_ROOT_NULL ((struct cgroup_root){ .fd = -EBADF, .services_fd = -EBADF, .orig_fd = -EBADF })

/* Where cgroup2 is mounted (from /proc/self/mountinfo), -ENOENT if nowhere. */
int cgroup2_mount_point(char *buf, size_t len);
/* This process's cgroup v2 path ("/..." from the "0::" line of /proc/self/cgroup). */
int cgroup_self_path(char *buf, size_t len);

/*
 * Opens the delegated root: `path` when given, else the daemon's own cgroup,
 * or `<mount>/ringvisor` when that is the hierarchy's root. Returns -EBUSY
 * when another live daemon sits in <root>/supervisor.
 */
int cgroup_root_open(const char *path, struct cgroup_root *ret);
/* Moves this process into <root>/supervisor, enables every available
 * controller of `wanted` for the services, creates <root>/services. */
int cgroup_root_enter(struct cgroup_root *root, unsigned wanted);
/* Kills and removes whatever a previous daemon left below <root>/services;
 * returns how many cgroups held processes (each reported to `report`). */
int cgroup_root_sweep(struct cgroup_root *root,
		      void (*report)(const char *svc, const char *idx, unsigned npids, void *ud), void *ud);
/* Removes services/, then moves this process back to the cgroup it started
 * in and removes supervisor/ and (if we made it) the root. Where moving back
 * is refused (a delegated root), supervisor/ stays for the next run. */
void cgroup_root_done(struct cgroup_root *root);

/* mkdir (EEXIST is fine) and open as O_PATH. */
int cgroup_mkdir_open(int parent_fd, const char *name, int *ret_fd);
int cgroup_rmdir(int parent_fd, const char *name);
int cgroup_enable(int fd, unsigned controllers);
unsigned cgroup_available(int fd);   /* from cgroup.controllers */
const char *cgroup_controller_name(unsigned one);

int cgroup_write(int fd, const char *file, const char *value);
int cgroup_read(int fd, const char *file, char *buf, size_t len);   /* NUL-terminated */
/* The value of `key` in a flat keyed text ("key value\n" lines). */
int cgroup_parse_key(const char *buf, const char *key, uint64_t *ret);
/* The same, read from a file. */
int cgroup_read_key(int fd, const char *file, const char *key, uint64_t *ret);
int cgroup_read_u64(int fd, const char *file, uint64_t *ret);       /* "max" -> UINT64_MAX */

/* SIGKILL every process below fd: cgroup.kill, or on kernels without it,
 * freeze + kill each pid in cgroup.procs + thaw until empty. */
int cgroup_kill(int fd, bool has_kill);
int cgroup_freeze(int fd, bool frozen);
/* From cgroup.events: 1/0, or -errno. */
int cgroup_populated(int fd);
int cgroup_frozen(int fd);
int cgroup_count_procs(int fd);
