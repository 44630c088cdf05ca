/* SPDX-License-Identifier: MIT */
/*
 * cgroup.h: one cgroup v2 directory and its files. Directories are held as
 * O_PATH fds and every file is reached with openat, so a path is resolved
 * once. Mechanism only: functions return -errno and log at debug at most;
 * the caller decides what a failure means. The subtree the daemon owns is
 * kernel/cgroup_root.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum {
	CGROUP_CTRL_CPU = 1 << 0,
	CGROUP_CTRL_MEMORY = 1 << 1,
	CGROUP_CTRL_PIDS = 1 << 2,
	CGROUP_CTRL_IO = 1 << 3,
};
#define CGROUP_CTRL_ALL (CGROUP_CTRL_CPU | CGROUP_CTRL_MEMORY | CGROUP_CTRL_PIDS | CGROUP_CTRL_IO)

/* Where cgroup2 is mounted (from /proc/self/mountinfo), -ENOENT if nowhere. */
int cgroup2_mount_point(char *buf, size_t len);
/* This process's cgroup v2 path ("/..." from the "0::" line of /proc/self/cgroup). */
int cgroup_self_path(char *buf, size_t len);
/* Where our own cgroup is in the cgroup2 mount: *mnt the mount point, *rel
 * our cgroup relative to it ("/" at its top). -EXDEV when the mount does
 * not show our cgroup (a mount from outside our cgroup namespace, or a
 * bind mount of a subtree we are not in); -ENOENT without cgroup2. */
int cgroup_self_in_mount(char *mnt, size_t mnt_len, char *rel, size_t rel_len);

/* mkdir (EEXIST is fine) and open as O_PATH. */
int cgroup_mkdir_open(int parent_fd, const char *name, int *ret_fd);
int cgroup_rmdir(int parent_fd, const char *name);
int cgroup_enable(int fd, unsigned controllers);
unsigned cgroup_available(int fd);   /* from cgroup.controllers */
const char *cgroup_controller_name(unsigned one);

int cgroup_write(int fd, const char *file, const char *value);
/* A file of one record (cpu.stat, cgroup.events, memory.current; not
 * cgroup.procs, which the kernel may cut at a page whatever the room),
 * NUL-terminated: read until a read comes back short. */
int cgroup_read(int fd, const char *file, char *buf, size_t len);
/* The value of `key` in a flat keyed text ("key value\n" lines). */
int cgroup_parse_key(const char *buf, const char *key, uint64_t *ret);
/* The same, read from a file. */
int cgroup_read_key(int fd, const char *file, const char *key, uint64_t *ret);
int cgroup_read_u64(int fd, const char *file, uint64_t *ret);       /* "max" -> UINT64_MAX */

/* SIGKILL to every process in fd's cgroup and below: cgroup.kill, or on
 * kernels without it, rounds of freeze, kill every listed pid (of every
 * cgroup below too), thaw, until a round finds no new pid (-EBUSY after
 * CGROUP_KILL_ROUNDS). Returns once signalled, not once gone: wait for
 * populated 0 (cgroup.events) for that. */
int cgroup_kill(int fd, bool has_kill);
int cgroup_freeze(int fd, bool frozen);
/* From cgroup.events: 1/0, or -errno. */
int cgroup_populated(int fd);
int cgroup_frozen(int fd);
/* Both in one read of cgroup.events: 0/1 each, -1 for a key the file
 * lacks; 0 or -errno. */
struct cgroup_events {
	int populated, frozen;
};
int cgroup_read_events(int fd, struct cgroup_events *ret);
/* One of its fields as cgroup_populated() says it: 1/0, -ENOENT if absent. */
int cgroup_events_value(int value);
int cgroup_count_procs(int fd);
/* 1 when pid is listed in fd's cgroup.procs, 0 when not, -errno. */
int cgroup_has_pid(int fd, pid_t pid);
/* Extended attributes of the cgroup's directory (trusted.* needs
 * CAP_SYS_ADMIN: a service cannot forge them). -errno; -ENODATA: none. */
int cgroup_set_xattr(int fd, const char *name, const void *value, size_t len);
ssize_t cgroup_get_xattr(int fd, const char *name, void *buf, size_t len);
/* Waits, up to timeout_ms, for cgroup.events to say populated 0 (the kernel
 * notifies the change: poll(POLLPRI), no sleeping); -ETIMEDOUT otherwise. */
int cgroup_wait_empty(int fd, int timeout_ms);
/* The cgroup id the kernel gives the directory (its inode), 0 on error. */
uint64_t cgroup_id_of_fd(int cgroup_fd);
