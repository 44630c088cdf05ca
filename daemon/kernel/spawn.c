/* SPDX-License-Identifier: MIT */
/*
 * spawn.c: clone3(CLONE_PIDFD) (or fork + pidfd_open) and the child's setup.
 *
 * The child is a copy of the daemon (no CLONE_VM), so it may call libcap and
 * allocate; it must not touch the parent's event loop, and it never returns:
 * it either execs or reports {step, errno} on the error pipe and _exit(127)s.
 * The daemon's RSS stays small, so the copy is cheap (see docs/performance.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/string_table.h"
#include "kernel/spawn.h"

static const char *const spawn_step_table[] = {
	[SPAWN_STEP_NONE] = "none",
	[SPAWN_STEP_SIGNALS] = "signals",
	[SPAWN_STEP_SETSID] = "setsid",
	[SPAWN_STEP_STDIO] = "stdio",
	[SPAWN_STEP_CWD] = "cwd",
	[SPAWN_STEP_RLIMIT] = "rlimit",
	[SPAWN_STEP_CAPS] = "capabilities",
	[SPAWN_STEP_GROUPS] = "groups",
	[SPAWN_STEP_UID] = "uid",
	[SPAWN_STEP_NO_NEW_PRIVS] = "no_new_privs",
	[SPAWN_STEP_EXEC] = "exec",
	[SPAWN_STEP_CGROUP] = "cgroup",
};

DEFINE_STRING_TABLE_LOOKUP(spawn_step, enum spawn_step)

static const char *const spawn_method_table[] = {
	[SPAWN_AUTO] = "auto",
	[SPAWN_CLONE3] = "clone3",
	[SPAWN_FORK] = "fork",
};

DEFINE_STRING_TABLE_LOOKUP(spawn_method, enum spawn_method)

enum spawn_method spawn_probe(enum spawn_method wanted)
{
	if (wanted != SPAWN_AUTO)
		return wanted;
	/* A NULL argument with size 0 is EINVAL where clone3 exists; seccomp
	 * filters that refuse it answer ENOSYS (or EPERM). */
	long r = syscall(SYS_clone3, NULL, 0);
	return r < 0 && errno == EINVAL ? SPAWN_CLONE3 : SPAWN_FORK;
}

static _Noreturn void child_fail(int errfd, enum spawn_step step, int err)
{
	struct spawn_error e = { .step = (int32_t)step, .err = err > 0 ? err : EIO };
	(void)!write(errfd, &e, sizeof(e));
	_exit(127);
}

/* Dispositions are already default: the daemon reset them at start
 * (sigfd_open) and sets no handler, and CLONE_CLEAR_SIGHAND covers any. The
 * mask is inherited, so it is emptied here. */
static int child_reset_signals(void)
{
	sigset_t empty;

	sigemptyset(&empty);
	return RET_NERRNO(sigprocmask(SIG_SETMASK, &empty, NULL));
}

static int child_stdio(const struct spawn_params *p)
{
	int in = p->stdin_fd;
	if (in < 0) {
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (in < 0)
			return -errno;
	}
	if (dup2(in, STDIN_FILENO) < 0)
		return -errno;
	if (p->stdout_fd >= 0 && dup2(p->stdout_fd, STDOUT_FILENO) < 0)
		return -errno;
	if (p->stderr_fd >= 0 && dup2(p->stderr_fd, STDERR_FILENO) < 0)
		return -errno;
	return 0;
}

/* The fd the program inherits (readiness.fd), at the number it expects.
 * The error pipe may sit at that number: it moves out of the way. */
static int child_pass_fd(const struct spawn_params *p, int *errfd)
{
	if (p->pass_fd_as < 3)
		return 0;
	if (*errfd == p->pass_fd_as) {
		int moved = fcntl(*errfd, F_DUPFD_CLOEXEC, p->pass_fd_as + 1);
		if (moved < 0)
			return -errno;
		*errfd = moved;
	}
	if (p->pass_fd != p->pass_fd_as && dup2(p->pass_fd, p->pass_fd_as) < 0)
		return -errno;
	return 0;
}

static bool cap_is_kept(const struct spawn_params *p, int cap)
{
	for (size_t i = 0; i < p->n_keep_caps; i++)
		if (p->keep_caps[i] == cap)
			return true;
	return false;
}

/* Drop every capability not kept from the bounding set, so not even root
 * regains it at exec; make the kept ones inheritable, so that they can
 * become ambient after the uid change. */
static int child_caps_before_uid(const struct spawn_params *p)
{
	cap_t cur = cap_get_proc();
	cap_flag_value_t setpcap = CAP_CLEAR;

	if (!cur)
		return -errno;
	(void)cap_get_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap);
	if (setpcap == CAP_SET)
		for (int c = 0; c <= CAP_LAST_CAP; c++)
			if (!cap_is_kept(p, c) && CAP_IS_SUPPORTED(c) && cap_drop_bound((cap_value_t)c) < 0) {
				cap_free(cur);
				return -errno;
			}
	(void)cap_clear_flag(cur, CAP_INHERITABLE);
	for (size_t i = 0; i < p->n_keep_caps; i++) {
		cap_value_t v = (cap_value_t)p->keep_caps[i];
		(void)cap_set_flag(cur, CAP_INHERITABLE, 1, &v, CAP_SET);
	}
	int r = RET_NERRNO(cap_set_proc(cur));
	cap_free(cur);
	return r;
}

static int child_caps_after_uid(const struct spawn_params *p)
{
	/* uid 0 gets its (bounded) permitted set back at exec by itself. */
	if (!p->has_uid || p->uid == 0)
		return 0;
	for (size_t i = 0; i < p->n_keep_caps; i++)
		if (cap_set_ambient((cap_value_t)p->keep_caps[i], CAP_SET) < 0)
			return -errno;
	return 0;
}

/* The fork path has no CLONE_INTO_CGROUP: the child joins its cgroup
 * itself, first of all, so nothing it does runs outside it, then closes
 * syncfd, which the parent waits for: when spawn_process() returns the
 * child is in its cgroup (or failed to join, and says so on the error pipe). */
static int child_join_cgroup(int cgroup_fd, int syncfd)
{
	int fd = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	int r = fd < 0 ? -errno : write(fd, "0", 1) == 1 ? 0 : -errno;
	if (fd >= 0)
		(void)close(fd);
	(void)close(syncfd);
	return r;
}

static _Noreturn void child_run(const struct spawn_params *p, int syncfd, int errfd)
{
	int r;

	if (syncfd >= 0 && (r = child_join_cgroup(p->cgroup_fd, syncfd)) < 0)
		child_fail(errfd, SPAWN_STEP_CGROUP, -r);
	if ((r = child_reset_signals()) < 0)
		child_fail(errfd, SPAWN_STEP_SIGNALS, -r);
	if (setsid() < 0)
		child_fail(errfd, SPAWN_STEP_SETSID, errno);
	if ((r = child_stdio(p)) < 0 || (r = child_pass_fd(p, &errfd)) < 0)
		child_fail(errfd, SPAWN_STEP_STDIO, -r);
	if (p->umask >= 0)
		umask((mode_t)p->umask);
	if (p->nofile > 0) {
		struct rlimit rl = { .rlim_cur = p->nofile, .rlim_max = p->nofile };
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			child_fail(errfd, SPAWN_STEP_RLIMIT, errno);
	} else if (p->nofile_soft > 0) {
		/* The daemon raised its own soft limit; the service gets back
		 * the one it would have had (select() needs <= 1024). */
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && p->nofile_soft < rl.rlim_cur) {
			rl.rlim_cur = p->nofile_soft;
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				child_fail(errfd, SPAWN_STEP_RLIMIT, errno);
		}
	}
	if ((r = child_caps_before_uid(p)) < 0)
		child_fail(errfd, SPAWN_STEP_CAPS, -r);
	if (p->has_gid && cap_setgroups(p->gid, p->n_groups, p->groups) < 0)
		child_fail(errfd, SPAWN_STEP_GROUPS, errno);
	if (p->has_uid && cap_setuid(p->uid) < 0)
		child_fail(errfd, SPAWN_STEP_UID, errno);
	if ((r = child_caps_after_uid(p)) < 0)
		child_fail(errfd, SPAWN_STEP_CAPS, -r);
	/* With the service's own identity: a directory it may not enter is
	 * an error, not something root does for it. */
	if (chdir(p->cwd ? p->cwd : "/") < 0)
		child_fail(errfd, SPAWN_STEP_CWD, errno);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(errfd, SPAWN_STEP_NO_NEW_PRIVS, errno);
	/* Die with the daemon, where asked (or where no later daemon could
	 * find it again: without cgroups). Set after the uid change, which
	 * would clear it. */
	if (p->die_with_parent)
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Every inherited fd above stderr closes at exec, the error pipe too:
	 * its EOF is how the parent learns that exec succeeded. */
	(void)syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	if (p->pass_fd_as >= 3 && fcntl(p->pass_fd_as, F_SETFD, 0) < 0)
		child_fail(errfd, SPAWN_STEP_STDIO, errno);
	/* execvpe searches the PATH of `environ`, which is the daemon's: a
	 * bare command name must be found in the service's own PATH. This is
	 * the child's copy of memory, so the daemon's environ is untouched. */
	environ = (char **)p->envp;
	execvpe(p->argv[0], p->argv, p->envp);
	child_fail(errfd, SPAWN_STEP_EXEC, errno);
}

static pid_t do_clone3(const struct spawn_params *p, int *ret_pidfd)
{
	struct clone_args args = {
		.flags = CLONE_PIDFD | CLONE_CLEAR_SIGHAND,
		.pidfd = (uint64_t)(uintptr_t)ret_pidfd,
		.exit_signal = SIGCHLD,
	};
	if (p->cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)p->cgroup_fd;
	}
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* Until the child has closed its end: it joined its cgroup, or failed. */
static void wait_joined(int sync_rd)
{
	char c;
	ssize_t n;
	do
		n = read(sync_rd, &c, 1);
	while (n < 0 && errno == EINTR);
}

int spawn_process(enum spawn_method method, const struct spawn_params *p,
		  struct pidref *ret, int *ret_errpipe)
{
	_cleanup_close_ int rd = -EBADF, wr = -EBADF, sync_rd = -EBADF, sync_wr = -EBADF;
	bool join = method == SPAWN_FORK && p->cgroup_fd >= 0;
	int fds[2], pidfd = -EBADF;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	rd = fds[0];
	wr = fds[1];
	if (join) {
		if (pipe2(fds, O_CLOEXEC) < 0)
			return -errno;
		sync_rd = fds[0];
		sync_wr = fds[1];
	}

	if (method == SPAWN_FORK) {
		pid = fork();
	} else {
		pid = do_clone3(p, &pidfd);
	}
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		rd = safe_close(rd);
		sync_rd = safe_close(sync_rd);
		child_run(p, sync_wr, wr);
	}
	if (join) {
		sync_wr = safe_close(sync_wr);
		wait_joined(sync_rd);
	}

	if (method == SPAWN_FORK) {
		/* Safe: nothing reaps between fork() and here, and the daemon
		 * never sets SIGCHLD to SIG_IGN or SA_NOCLDWAIT. */
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pidfd < 0) {
			int r = -errno;
			(void)kill(pid, SIGKILL);
			return r;
		}
	}
	wr = safe_close(wr);
	/* Cannot fail on a pipe we own; and the caller reads it only once
	 * poll says it is readable, so even a blocking read would not wait. */
	(void)fcntl(rd, F_SETFL, O_NONBLOCK);
	*ret = (struct pidref){ .pid = pid, .fd = pidfd };
	*ret_errpipe = TAKE_FD(rd);
	return 0;
}

int spawn_read_error(int errpipe, struct spawn_error *ret)
{
	struct spawn_error e;
	ssize_t n;

	do
		n = read(errpipe, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if ((size_t)n != sizeof(e))   /* a write this small to a pipe is atomic */
		return -EIO;
	*ret = e;
	return 1;
}
