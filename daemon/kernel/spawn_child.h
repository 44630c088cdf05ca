/* SPDX-License-Identifier: MIT */
/*
 * spawn_child.h: what a new child does between clone and exec.
 *
 * The same code runs in a copy of the daemon (fork, clone3) and in a child
 * that shares the daemon's memory (clone3 with CLONE_VM|CLONE_VFORK, the
 * daemon suspended until the exec). So the child only makes raw system
 * calls through syscall(2), which is async-signal-safe and touches nothing
 * of libc's state but errno: no libcap, no malloc, no stdio, no set*id()
 * wrappers (glibc's would signal every thread of the shared process), no
 * write to the daemon's memory. Everything it needs is worked out by
 * spawn_child_prepare() in the parent: the capability sets as the kernel
 * takes them, RLIMIT_NOFILE, the PATH to search.
 *
 * On a failed step the child writes {step, errno} to errfd and _exit(127)s;
 * errfd is O_CLOEXEC, so its EOF tells the parent the exec happened.
 */
#pragma once

#include <linux/capability.h>
#include <stdbool.h>
#include <sys/resource.h>

#include "kernel/spawn.h"

struct spawn_child {
	const struct spawn_params *p;
	int errfd;             /* the error pipe's write end */
	int syncfd;            /* fork: closed once in the cgroup; else -1 */
	const int *slots;      /* vfork with CLONE_FILES: spawn_slots(), else NULL */
	int slots_top;         /* the highest of them */
	struct __user_cap_header_struct cap_header;
	struct __user_cap_data_struct caps[2];   /* the daemon's, inheritable = kept */
	bool drop_bound;       /* the daemon holds CAP_SETPCAP */
	bool set_nofile;
	struct rlimit64 nofile;   /* as prlimit64 takes it */
	const char *path;      /* the service's PATH, for a bare command name */
	size_t argc;
};

/* In the parent, before the clone: 0 or -errno (capget). */
int spawn_child_prepare(struct spawn_child *c, const struct spawn_params *p, int errfd, int syncfd);
/* In the child: execs or reports and _exit(127)s. */
_Noreturn void spawn_child_run(const struct spawn_child *c);
/* The slots a vfork child with slots writes for p (bit i: slot i), for
 * spawn_slots_reset(). */
unsigned spawn_child_slots_used(const struct spawn_params *p);
