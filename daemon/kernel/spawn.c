/* SPDX-License-Identifier: MIT */
/*
 * spawn.c: the parent's side of a spawn, by one of three methods:
 *
 * - vfork: clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD): no copy of the
 *   daemon's page tables to make, nor to tear down at exec; the daemon is
 *   suspended until the child has exec'd (or failed), the child runs on a
 *   stack lent from the daemon's own and shares its memory, so it does only
 *   raw system calls on data prepared here (kernel/spawn_child.h);
 * - clone3: the same without CLONE_VM, the child a copy of the daemon;
 * - fork: fork + pidfd_open, where seccomp refuses clone3 (and the child
 *   joins its cgroup itself: no CLONE_INTO_CGROUP).
 *
 * The child never returns: it execs or reports {step, errno} on the error
 * pipe and _exit(127)s. It must not touch the parent's event loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sanitizer/asan_interface.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/string_table.h"
#include "kernel/clone3_vm.h"
#include "kernel/spawn_slots.h"
#include "kernel/spawn.h"
#include "kernel/spawn_child.h"

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
	[SPAWN_VFORK] = "vfork",
};

DEFINE_STRING_TABLE_LOOKUP(spawn_method, enum spawn_method)

/* The stack a vfork child runs on: a frame of the daemon's own stack, which
 * nothing else uses while the daemon is suspended (CLONE_VFORK, every signal
 * blocked), and whose pages stay warm from one spawn to the next. The
 * child's deepest need is a PATH_MAX buffer and a script's argv. */
#define SPAWN_CHILD_STACK (64 * 1024)

/* Under ASan, shadow memory is shared with a CLONE_VM child: instrumented
 * code it runs on the lent stack (an interceptor, a test's wrapper) marks
 * its frames there and never unmarks them, since it never returns. The
 * region is made clean for the child, and again for the daemon. */
static void lent_stack_clean(void *stack _unused_, size_t size _unused_)
{
	ASAN_UNPOISON_MEMORY_REGION(stack, size);
}

static struct clone_args clone_args_for(int cgroup_fd, uint64_t flags, int *ret_pidfd)
{
	struct clone_args args = {
		.flags = flags | CLONE_PIDFD | CLONE_CLEAR_SIGHAND,
		.pidfd = (uint64_t)(uintptr_t)ret_pidfd,
		.exit_signal = SIGCHLD,
	};
	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
	}
	return args;
}

_no_sanitize_address_ static int probe_child(void *arg _unused_)
{
	return 0;
}

/* clone3 with CLONE_VM works here (the architecture has clone3_vm, the
 * kernel takes the flags): a child that exits at once, reaped by its
 * pidfd. 0 or -errno. */
_no_sanitize_address_ static int probe_vfork(void)
{
	_Alignas(16) char stack[4096];
	siginfo_t si;
	int pidfd = -EBADF, r;

	struct clone_args args = clone_args_for(-EBADF, CLONE_VM | CLONE_VFORK, &pidfd);
	args.stack = (uint64_t)(uintptr_t)stack;
	args.stack_size = sizeof(stack);
	lent_stack_clean(stack, sizeof(stack));
	long pid = clone3_vm(&args, sizeof(args), probe_child, NULL);
	lent_stack_clean(stack, sizeof(stack));
	if (pid < 0)
		return (int)pid;
	do
		r = waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED);
	while (r < 0 && errno == EINTR);
	(void)close(pidfd);
	return 0;
}

/* A vfork child that shares the fd table can unshare it (close_range's
 * CLOSE_RANGE_UNSHARE, 5.9+, else unshare(CLONE_FILES)): a seccomp
 * profile may refuse both, and a child that cannot would be stuck with the
 * daemon's table. Tried once, by a child that only unshares and exits;
 * until it says yes, vfork children copy the table as clone3's do. */
_no_sanitize_address_ static int unshare_child(void *arg)
{
	unsigned from = *(const unsigned *)arg;

	if (syscall(SYS_close_range, from, ~0U, CLOSE_RANGE_UNSHARE) == 0 || syscall(SYS_unshare, CLONE_FILES) == 0)
		return 0;
	return 1;
}

_no_sanitize_address_ static bool vfork_can_unshare(int top)
{
	_Alignas(16) char stack[4096];
	unsigned from = (unsigned)top + 1;
	siginfo_t si = { 0 };
	int pidfd = -EBADF, r;

	struct clone_args args = clone_args_for(-EBADF, CLONE_VM | CLONE_VFORK | CLONE_FILES, &pidfd);
	args.stack = (uint64_t)(uintptr_t)stack;
	args.stack_size = sizeof(stack);
	lent_stack_clean(stack, sizeof(stack));
	long pid = clone3_vm(&args, sizeof(args), unshare_child, &from);
	lent_stack_clean(stack, sizeof(stack));
	if (pid < 0)
		return false;
	do
		r = waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED);
	while (r < 0 && errno == EINTR);
	(void)close(pidfd);
	return r == 0 && si.si_code == CLD_EXITED && si.si_status == 0;
}

/* The slots a vfork child moves its fds into, once known to work. */
static const int *vfork_slots(int *top)
{
	static int usable = -1;   /* not tried yet */
	const int *slots = spawn_slots(top);

	if (slots && usable < 0) {
		usable = vfork_can_unshare(*top);
		if (!usable)
			log_info("a vfork child cannot unshare its fd table here (close_range and unshare "
				 "refused): each start copies the daemon's whole table");
	}
	return slots && usable > 0 ? slots : NULL;
}

enum spawn_method spawn_probe(enum spawn_method wanted)
{
	if (wanted != SPAWN_AUTO)
		return wanted;
	/* A NULL argument with size 0 is EINVAL where clone3 exists; seccomp
	 * filters that refuse it answer ENOSYS (or EPERM). */
	long r = syscall(SYS_clone3, NULL, 0);
	if (r >= 0 || errno != EINVAL)
		return SPAWN_FORK;
	return probe_vfork() == 0 ? SPAWN_VFORK : SPAWN_CLONE3;
}

const char *spawn_fallback_reason(enum spawn_method got)
{
	return got == SPAWN_FORK ? "clone3 is refused here; spawning with fork + pidfd_open"
	       : "clone3 with CLONE_VM|CLONE_VFORK is refused here; spawning with clone3, a copy of the daemon";
}

_no_sanitize_address_ static int vfork_child(void *child)
{
	spawn_child_run(child);
}

/* Every signal blocked around the clone, as glibc's posix_spawn does: no
 * handler of the daemon's may run in the child, on memory it shares (the
 * child unblocks them once CLONE_CLEAR_SIGHAND has made them default), and
 * none in the daemon while its stack is lent. pid or -errno. */
_no_sanitize_address_ static long clone_vfork(const struct spawn_child *c, int *ret_pidfd)
{
	_Alignas(16) char stack[SPAWN_CHILD_STACK];
	char all[_NSIG / 8], old[_NSIG / 8];

	/* With slots, the child shares the table until it has moved its fds
	 * (spawn_slots.h): the daemon is suspended meanwhile. */
	struct clone_args args = clone_args_for(c->p->cgroup_fd, CLONE_VM | CLONE_VFORK | (c->slots ? CLONE_FILES : 0),
						ret_pidfd);
	args.stack = (uint64_t)(uintptr_t)stack;
	args.stack_size = sizeof(stack);
	memset(all, 0xff, sizeof(all));
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, all, old, sizeof(all)) < 0)
		return -errno;
	lent_stack_clean(stack, sizeof(stack));
	long pid = clone3_vm(&args, sizeof(args), vfork_child, (void *)c);
	lent_stack_clean(stack, sizeof(stack));
	if (c->slots)
		spawn_slots_reset(spawn_child_slots_used(c->p));
	(void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, old, NULL, sizeof(old));
	return pid;
}

/* In the parent: the child's pid, or -errno. A copy's child runs its setup
 * here and never returns. */
static long start_child(enum spawn_method method, const struct spawn_child *c, int *ret_pidfd)
{
	long pid;

	if (method == SPAWN_VFORK)
		return clone_vfork(c, ret_pidfd);
	if (method == SPAWN_FORK) {
		pid = fork();
	} else {
		struct clone_args args = clone_args_for(c->p->cgroup_fd, 0, ret_pidfd);
		pid = syscall(SYS_clone3, &args, sizeof(args));
	}
	if (pid == 0)
		spawn_child_run(c);
	return pid < 0 ? -errno : pid;
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
	struct spawn_child child;
	int fds[2], pidfd = -EBADF, r;

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
	r = spawn_child_prepare(&child, p, wr, join ? sync_wr : -EBADF);
	if (r < 0)
		return r;
	if (method == SPAWN_VFORK)
		child.slots = vfork_slots(&child.slots_top);

	long pid = start_child(method, &child, &pidfd);
	if (pid < 0)
		return (int)pid;
	if (join) {
		sync_wr = safe_close(sync_wr);
		wait_joined(sync_rd);
	}

	if (method == SPAWN_FORK) {
		/* Safe: nothing reaps between fork() and here, and the daemon
		 * never sets SIGCHLD to SIG_IGN or SA_NOCLDWAIT. */
		pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
		if (pidfd < 0) {
			r = -errno;
			(void)kill((pid_t)pid, SIGKILL);
			return r;
		}
	}
	wr = safe_close(wr);
	/* Cannot fail on a pipe we own; and the caller reads it only once
	 * poll says it is readable, so even a blocking read would not wait. */
	(void)fcntl(rd, F_SETFL, O_NONBLOCK);
	*ret = (struct pidref){ .pid = (pid_t)pid, .fd = pidfd };
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
