/* SPDX-License-Identifier: MIT */
/*
 * fault.h: the fault-injection seam of the unit tests. Every test binary is
 * linked with -Wl,--wrap for the libc calls below (FAULT_WRAP in the
 * Makefile), so the daemon's own objects call these wrappers, which pass
 * through to libc until a test arms a fault: then the chosen call fails
 * with the chosen errno, the way the kernel would refuse it (a full fd
 * table, a cgroup directory we may not write, clone3 refused by seccomp).
 * Calls made inside libc itself are not wrapped.
 */
#pragma once

#include <stdbool.h>

enum fault_call {
	FAULT_PIPE2,
	FAULT_FDOPEN,
	FAULT_FDOPENDIR,
	FAULT_MKDIRAT,
	FAULT_OPENAT,
	FAULT_WRITE,
	FAULT_CLONE3,            /* syscall(SYS_clone3, ...), clone3_vm() */
	FAULT_INOTIFY_ADD_WATCH,
	FAULT_FCNTL,
	FAULT_SOCKET,
	FAULT_ACCEPT4,
	FAULT_OPEN,
	_FAULT_CALL_MAX,
};

/*
 * From now on, calls of `call` whose path ends with `suffix` (NULL: any
 * call; for write, fdopen, pipe2, fcntl, socket and accept4 the path is
 * not known and suffix must be NULL) fail with -err: the first `skip` matching calls pass, the next
 * `count` fail (0 = every one after the skipped).
 */
void fault_arm(enum fault_call call, const char *suffix, unsigned skip, unsigned count, int err);
void fault_reset(void);                   /* disarm everything, zero the counters */
unsigned fault_hits(enum fault_call call); /* calls that were made to fail */
unsigned fault_calls(enum fault_call call);/* calls seen, failed or not */

/* Open fds of this process (a leak check around a failing call). */
int fault_count_fds(void);
