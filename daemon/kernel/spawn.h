/* SPDX-License-Identifier: MIT */
/*
 * spawn.h: start one process with everything set up before exec.
 *
 * clone3(CLONE_PIDFD) gives the pidfd atomically; with CLONE_VM|CLONE_VFORK
 * (SPAWN_VFORK, what AUTO picks where it works) the child borrows the
 * daemon's memory instead of copying its page tables. When clone3 is refused
 * (ENOSYS under seccomp, or forced with SPAWN_FORK), fork + pidfd_open is
 * used, race-free because reaping only happens in the event loop, never
 * between the two calls.
 *
 * The child resets signal dispositions and mask, starts a new session, sets
 * env/cwd/umask/RLIMIT_NOFILE/groups/gid/uid, drops capabilities to the kept
 * set, sets no_new_privs, and execs. If any step fails it writes
 * {step, errno} to a CLOEXEC pipe and _exits(127); the parent watches the read
 * end: EOF without data means the exec happened.
 */
#pragma once

#include <errno.h>

#include <stdint.h>
#include <sys/types.h>

#include "kernel/pidref.h"

enum spawn_method {
	SPAWN_AUTO, SPAWN_CLONE3, SPAWN_FORK, SPAWN_VFORK,
	_SPAWN_METHOD_MAX, _SPAWN_METHOD_INVALID = -EINVAL,
};

enum spawn_step {
	SPAWN_STEP_NONE, SPAWN_STEP_SIGNALS, SPAWN_STEP_SETSID, SPAWN_STEP_STDIO,
	SPAWN_STEP_CWD, SPAWN_STEP_RLIMIT, SPAWN_STEP_CAPS, SPAWN_STEP_GROUPS,
	SPAWN_STEP_UID, SPAWN_STEP_NO_NEW_PRIVS, SPAWN_STEP_EXEC, SPAWN_STEP_CGROUP,
	_SPAWN_STEP_MAX, _SPAWN_STEP_INVALID = -EINVAL,
};

/* What the child writes to the error pipe before _exit(127). */
struct spawn_error {
	int32_t step;   /* enum spawn_step */
	int32_t err;    /* positive errno */
};

struct spawn_params {
	char *const *argv;
	char *const *envp;
	const char *cwd;          /* NULL = "/" */
	int umask;                /* -1 = inherit */
	uint64_t nofile;          /* soft = hard = this; 0 = inherit */
	uint64_t nofile_soft;     /* without nofile: the soft limit only; 0 = inherit */
	int has_uid, has_gid;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t n_groups;
	const int *keep_caps;     /* capabilities kept; all others dropped */
	size_t n_keep_caps;
	int stdin_fd, stdout_fd, stderr_fd;   /* -1 = /dev/null for stdin, inherit for out/err */
	int cgroup_fd;            /* -1 = none (CLONE_INTO_CGROUP when set) */
	int pass_fd;              /* given to the program as fd pass_fd_as ... */
	int pass_fd_as;           /* ... when >= 3 (0: none): the s6 readiness convention,
	                           * "write a newline on fd 3" */
	bool die_with_parent;     /* PR_SET_PDEATHSIG(SIGKILL) */
};

const char *spawn_method_to_string(enum spawn_method m);   /* auto clone3 fork vfork */
enum spawn_method spawn_method_from_string(const char *s);
/* Resolves AUTO once and returns the method used: vfork where clone3 takes
 * CLONE_VM (a child is made and reaped to find out), clone3 where it is
 * there without (an architecture without clone3_vm), fork where it is
 * refused. A method asked for is returned as it is. */
enum spawn_method spawn_probe(enum spawn_method wanted);
/* Why AUTO picked a method other than vfork, and what it does instead. */
const char *spawn_fallback_reason(enum spawn_method got);

/* On success: *ret holds the child, *ret_errpipe the read end of the error
 * pipe (O_CLOEXEC|O_NONBLOCK), to be watched by the caller. */
int spawn_process(enum spawn_method method, const struct spawn_params *p,
		  struct pidref *ret, int *ret_errpipe);
/* Reads a struct spawn_error from the pipe: 1 = got one, 0 = EOF (exec
 * happened), -EAGAIN = nothing yet. */
int spawn_read_error(int errpipe, struct spawn_error *ret);
const char *spawn_step_to_string(enum spawn_step step);
enum spawn_step spawn_step_from_string(const char *s);
