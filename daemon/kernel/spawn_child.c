/* SPDX-License-Identifier: MIT */
/*
 * spawn_child.c: the child's setup, in raw system calls (see spawn_child.h).
 *
 * Every function the child runs is _no_sanitize_address_: with CLONE_VM the
 * child's frames live on a stack the daemon lent it, and ASan's stack
 * bookkeeping (redzones in shadow memory, fake frames) is the daemon's own
 * state. The child writes nothing of the daemon's but errno (syscall(2)
 * sets it; the parent reads none after the clone).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <linux/close_range.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/macro.h"
#include "kernel/spawn_child.h"
#include "kernel/spawn_slots.h"

/* glibc's execvpe() searches this where the environment has no PATH. */
#define SPAWN_DEFAULT_PATH "/bin:/usr/bin"
/* A script without #! runs under /bin/sh with an argv built on the child's
 * small stack: longer argvs fail with E2BIG instead. */
#define SPAWN_SCRIPT_ARGV_MAX 1024

static void caps_keep_inheritable(struct spawn_child *c, const struct spawn_params *p)
{
	c->caps[0].inheritable = c->caps[1].inheritable = 0;
	for (size_t i = 0; i < p->n_keep_caps; i++) {
		int cap = p->keep_caps[i];
		if (cap >= 0 && cap < 64)
			c->caps[cap / 32].inheritable |= 1U << (cap % 32);
	}
}

/* What the daemon's RLIMIT_NOFILE becomes for the service: soft = hard =
 * limits.nofile, or the soft limit the daemon raised for itself given back
 * (select() needs <= 1024). */
static void nofile_for(struct spawn_child *c, const struct spawn_params *p)
{
	struct rlimit rl;

	if (p->nofile > 0) {
		c->set_nofile = true;
		c->nofile = (struct rlimit64){ .rlim_cur = p->nofile, .rlim_max = p->nofile };
	} else if (p->nofile_soft > 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0 && p->nofile_soft < rl.rlim_cur) {
		c->set_nofile = true;
		c->nofile = (struct rlimit64){ .rlim_cur = p->nofile_soft, .rlim_max = rl.rlim_max };
	}
}

int spawn_child_prepare(struct spawn_child *c, const struct spawn_params *p, int errfd, int syncfd)
{
	*c = (struct spawn_child){
		.p = p, .errfd = errfd, .syncfd = syncfd, .path = SPAWN_DEFAULT_PATH,
		.cap_header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 },
	};
	/* The child's sets are the daemon's at the clone: read them here. */
	if (syscall(SYS_capget, &c->cap_header, c->caps) < 0)
		return -errno;
	c->drop_bound = c->caps[0].effective & (1U << CAP_SETPCAP);
	caps_keep_inheritable(c, p);
	/* As libcap's cap_setgroups() and cap_setuid() did: CAP_SETGID and
	 * CAP_SETUID effective where permitted (root has them already). */
	c->caps[0].effective |= c->caps[0].permitted & ((1U << CAP_SETGID) | (1U << CAP_SETUID));
	nofile_for(c, p);
	for (char *const *e = p->envp; e && *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			c->path = *e + 5;
	while (p->argv[c->argc])
		c->argc++;
	return 0;
}

/* syscall(2)'s -1/errno as -errno. */
_no_sanitize_address_ static int raw(long r)
{
	return r < 0 ? -errno : 0;
}

_no_sanitize_address_ static _Noreturn void child_fail(int errfd, enum spawn_step step, int err)
{
	struct spawn_error e = { .step = (int32_t)step, .err = err > 0 ? err : EIO };
	(void)syscall(SYS_write, errfd, &e, sizeof(e));
	for (;;)   /* not _exit(): sanitizers intercept it */
		(void)syscall(SYS_exit_group, 127);
}

/* The fork path has no CLONE_INTO_CGROUP: the child joins its cgroup
 * itself, first of all, so nothing it does runs outside it, then closes
 * syncfd, which the parent waits for. */
_no_sanitize_address_ static int child_join_cgroup(int cgroup_fd, int syncfd)
{
	long fd = syscall(SYS_openat, cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	int r = fd < 0 ? -errno : syscall(SYS_write, (int)fd, "0", 1) == 1 ? 0 : -errno;
	if (fd >= 0)
		(void)syscall(SYS_close, (int)fd);
	(void)syscall(SYS_close, syncfd);
	return r;
}

/* dup2(), which leaves an fd already in place as it is. */
_no_sanitize_address_ static int child_dup2(int from, int to)
{
	return from == to ? 0 : raw(syscall(SYS_dup3, from, to, 0));
}

_no_sanitize_address_ static int child_stdio(const struct spawn_params *p)
{
	int r, in = p->stdin_fd;
	if (in < 0) {
		long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		in = (int)fd;
	}
	if ((r = child_dup2(in, STDIN_FILENO)) < 0)
		return r;
	if (p->stdout_fd >= 0 && (r = child_dup2(p->stdout_fd, STDOUT_FILENO)) < 0)
		return r;
	if (p->stderr_fd >= 0 && (r = child_dup2(p->stderr_fd, STDERR_FILENO)) < 0)
		return r;
	return 0;
}

/* The fd the program inherits (readiness.fd), at the number it expects.
 * The error pipe may sit at that number: it moves out of the way. */
_no_sanitize_address_ static int child_pass_fd(const struct spawn_params *p, int *errfd)
{
	if (p->pass_fd_as < 3)
		return 0;
	if (*errfd == p->pass_fd_as) {
		long moved = syscall(SYS_fcntl, *errfd, F_DUPFD_CLOEXEC, p->pass_fd_as + 1);
		if (moved < 0)
			return -errno;
		*errfd = (int)moved;
	}
	return p->pass_fd == p->pass_fd_as ? 0 : child_dup2(p->pass_fd, p->pass_fd_as);
}

_no_sanitize_address_ static bool cap_is_kept(const struct spawn_params *p, int cap)
{
	for (size_t i = 0; i < p->n_keep_caps; i++)
		if (p->keep_caps[i] == cap)
			return true;
	return false;
}

/* Drop every capability not kept from the bounding set, so not even root
 * regains it at exec (PR_CAPBSET_DROP says EINVAL past the kernel's last
 * one); make the kept ones inheritable, so that they can become ambient
 * after the uid change. */
_no_sanitize_address_ static int child_caps_before_uid(const struct spawn_child *c)
{
	for (int cap = 0; c->drop_bound && cap < 64; cap++) {
		if (cap_is_kept(c->p, cap))
			continue;
		if (syscall(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;
			return -errno;
		}
	}
	return raw(syscall(SYS_capset, &c->cap_header, c->caps));
}

/* cap_setuid()'s way: the permitted set survives the change (KEEPCAPS),
 * the effective one is cleared by the kernel. */
_no_sanitize_address_ static int child_setuid(uid_t uid)
{
	if (syscall(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	int r = raw(syscall(SYS_setuid, uid));
	(void)syscall(SYS_prctl, PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return r;
}

_no_sanitize_address_ static int child_caps_after_uid(const struct spawn_params *p)
{
	/* uid 0 gets its (bounded) permitted set back at exec by itself. */
	if (!p->has_uid || p->uid == 0)
		return 0;
	for (size_t i = 0; i < p->n_keep_caps; i++)
		if (syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, p->keep_caps[i], 0, 0) < 0)
			return -errno;
	return 0;
}

/* A file execve() refuses as ENOEXEC (a script without #!) runs under
 * /bin/sh, as execvpe() does: sh FILE ARGS... */
_no_sanitize_address_ static void child_exec_script(const struct spawn_child *c, const char *file)
{
	if (c->argc + 2 > SPAWN_SCRIPT_ARGV_MAX) {
		errno = E2BIG;
		return;
	}
	char *argv[c->argc + 2];
	argv[0] = (char *)"/bin/sh";
	argv[1] = (char *)file;
	for (size_t i = 1; i <= c->argc; i++)   /* argv[argc], the NULL, too */
		argv[i + 1] = c->p->argv[i];
	(void)syscall(SYS_execve, argv[0], argv, c->p->envp);
	errno = ENOEXEC;   /* what the caller reports: the file's own refusal */
}

/* execve() of one candidate; true when the PATH search may go on. */
_no_sanitize_address_ static bool child_try_exec(const struct spawn_child *c, const char *file, bool *eacces)
{
	(void)syscall(SYS_execve, file, c->p->argv, c->p->envp);
	if (errno == ENOEXEC)
		child_exec_script(c, file);
	switch (errno) {
	case EACCES:
		*eacces = true;
		return true;
	case ENOENT: case ESTALE: case ENOTDIR: case ENODEV: case ETIMEDOUT:
		return true;
	default:
		return false;
	}
}

/* execvpe() without its getenv("PATH"), which reads the daemon's
 * environment: the service's own PATH is searched. Returns -errno. */
_no_sanitize_address_ static int child_exec(const struct spawn_child *c)
{
	const char *name = c->p->argv[0];
	size_t len = strlen(name);
	bool eacces = false;
	char buf[PATH_MAX];

	if (len == 0)
		return -ENOENT;
	if (strchr(name, '/')) {
		(void)child_try_exec(c, name, &eacces);
		return -errno;
	}
	for (const char *dir = c->path;; dir++) {
		const char *end = strchrnul(dir, ':');
		size_t n = (size_t)(end - dir);
		errno = ENAMETOOLONG;
		if (n + 1 + len < sizeof(buf)) {
			memcpy(buf, dir, n);   /* an empty entry is the cwd: "NAME" */
			buf[n] = '/';
			memcpy(buf + n + (n > 0), name, len + 1);
			if (!child_try_exec(c, buf, &eacces))
				return -errno;
		}
		if (*(dir = end) == '\0')
			break;
	}
	return eacces ? -EACCES : -errno;
}

_no_sanitize_address_ static void child_process(const struct spawn_params *p, int *errfd)
{
	char none[_NSIG / 8] = { 0 };
	int r;

	/* Dispositions are default already (CLONE_CLEAR_SIGHAND, or the
	 * daemon's own, which sets no handler); the mask is the parent's,
	 * everything blocked: the service starts with none. */
	if ((r = raw(syscall(SYS_rt_sigprocmask, SIG_SETMASK, none, NULL, sizeof(none)))) < 0)
		child_fail(*errfd, SPAWN_STEP_SIGNALS, -r);
	if (syscall(SYS_setsid) < 0)
		child_fail(*errfd, SPAWN_STEP_SETSID, errno);
	if ((r = child_stdio(p)) < 0 || (r = child_pass_fd(p, errfd)) < 0)
		child_fail(*errfd, SPAWN_STEP_STDIO, -r);
	if (p->umask >= 0)
		(void)syscall(SYS_umask, p->umask);
}

_no_sanitize_address_ static void child_identity(const struct spawn_child *c, int errfd)
{
	const struct spawn_params *p = c->p;
	int r;

	if (c->set_nofile && (r = raw(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &c->nofile, NULL))) < 0)
		child_fail(errfd, SPAWN_STEP_RLIMIT, -r);
	if ((r = child_caps_before_uid(c)) < 0)
		child_fail(errfd, SPAWN_STEP_CAPS, -r);
	if (p->has_gid && ((r = raw(syscall(SYS_setgroups, p->n_groups, p->groups))) < 0 ||
			   (r = raw(syscall(SYS_setgid, p->gid))) < 0))
		child_fail(errfd, SPAWN_STEP_GROUPS, -r);
	if (p->has_uid && (r = child_setuid(p->uid)) < 0)
		child_fail(errfd, SPAWN_STEP_UID, -r);
	if ((r = child_caps_after_uid(p)) < 0)
		child_fail(errfd, SPAWN_STEP_CAPS, -r);
}

/* vfork with CLONE_FILES (spawn.c): the fds the child needs go into the
 * slots of the table it still shares with the suspended daemon, then the
 * table is unshared keeping the fds up to the highest slot only. Where
 * close_range cannot unshare (before 5.9, a filter), unshare() copies all. */
_no_sanitize_address_ static int child_own_table(const struct spawn_child *c, struct spawn_params *q, int *errfd)
{
	int *fds[SPAWN_SLOTS] = { &q->stdin_fd, &q->stdout_fd, &q->stderr_fd, &q->pass_fd, errfd };

	/* No stdin given: the stdin slot holds /dev/null already (between
	 * spawns every slot does), no open of our own. */
	if (q->stdin_fd < 0)
		q->stdin_fd = c->slots[0];
	if (q->pass_fd_as < 3)   /* none passed (child_pass_fd) */
		q->pass_fd = -1;
	for (int i = 0; i < SPAWN_SLOTS; i++) {
		if (*fds[i] < 0 || *fds[i] == c->slots[i])
			continue;
		if (syscall(SYS_dup3, *fds[i], c->slots[i], O_CLOEXEC) < 0)
			return -errno;
		*fds[i] = c->slots[i];
	}
	if (syscall(SYS_close_range, (unsigned)c->slots_top + 1, ~0U, CLOSE_RANGE_UNSHARE) < 0 &&
	    syscall(SYS_unshare, CLONE_FILES) < 0)
		return -errno;
	return 0;
}

unsigned spawn_child_slots_used(const struct spawn_params *p)
{
	/* child_own_table's order; the error pipe always. */
	return (p->stdin_fd >= 0) | (p->stdout_fd >= 0) << 1 | (p->stderr_fd >= 0) << 2 |
	       (p->pass_fd >= 0 && p->pass_fd_as >= 3) << 3 | 1U << 4;
}

_no_sanitize_address_ _Noreturn void spawn_child_run(const struct spawn_child *c)
{
	const struct spawn_params *p = c->p;
	struct spawn_params own;   /* with the fds where child_own_table put them */
	int r, errfd = c->errfd;   /* a copy: the child may move it, not c */

	if (c->slots) {
		own = *c->p;
		if ((r = child_own_table(c, &own, &errfd)) < 0)
			child_fail(errfd, SPAWN_STEP_STDIO, -r);
		p = &own;
	}
	if (c->syncfd >= 0 && (r = child_join_cgroup(p->cgroup_fd, c->syncfd)) < 0)
		child_fail(errfd, SPAWN_STEP_CGROUP, -r);
	child_process(p, &errfd);
	child_identity(c, errfd);
	/* With the service's own identity: a directory it may not enter is
	 * an error, not something root does for it. */
	if (syscall(SYS_chdir, p->cwd ? p->cwd : "/") < 0)
		child_fail(errfd, SPAWN_STEP_CWD, errno);
	if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(errfd, SPAWN_STEP_NO_NEW_PRIVS, errno);
	/* Die with the daemon, where asked (or where no later daemon could
	 * find it again: without cgroups). Set after the uid change, which
	 * would clear it. */
	if (p->die_with_parent)
		(void)syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Every inherited fd above stderr closes at exec, the error pipe too:
	 * its EOF is how the parent learns that exec succeeded. */
	(void)syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	if (p->pass_fd_as >= 3 && syscall(SYS_fcntl, p->pass_fd_as, F_SETFD, 0) < 0)
		child_fail(errfd, SPAWN_STEP_STDIO, errno);
	child_fail(errfd, SPAWN_STEP_EXEC, -child_exec(c));
}
