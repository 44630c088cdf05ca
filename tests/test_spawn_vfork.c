/* SPDX-License-Identifier: MIT */
/*
 * test_spawn_vfork.c: how a spawn method is chosen, and what is particular
 * to the vfork one (clone3 with CLONE_VM|CLONE_VFORK).
 *
 * Why: AUTO must pick vfork where clone3 takes CLONE_VM, a copy by clone3
 * where only CLONE_VM is refused, fork where clone3 is (the fault seam
 * plays the refusals). A vfork child shares the daemon's memory until its
 * exec, so the daemon must get back exactly what it lent: its signal mask
 * (every signal is blocked around the clone), its environment, its errno
 * not relied upon. And spawn_process() returns only once the child has
 * exec'd or failed (CLONE_VFORK): a failed step's record is readable at
 * once, which is true of no other method.
 *
 * The group reserves the spawn slots first, as the daemon does at start
 * (spawn_slots.h), so every vfork here moves its fds into them and
 * unshares a small table; test_spawn runs the same methods without slots.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "kernel/pidref.h"
#include "kernel/spawn.h"
#include "kernel/spawn_slots.h"
#include "fault.h"
#include "kernel_test_util.h"

#define A(s) ((char *)(s))
static char *env_plain[] = { A("PATH=/usr/bin:/bin"), NULL };

static void skip_without_vfork(void)
{
	if (spawn_probe(SPAWN_AUTO) != SPAWN_VFORK) {
		print_message("skip: clone3 with CLONE_VM is refused here\n");
		skip();
	}
}

static void test_probe(void **state _unused_)
{
	enum spawn_method real = spawn_probe(SPAWN_AUTO);

	assert_true(real == SPAWN_VFORK || real == SPAWN_CLONE3 || real == SPAWN_FORK);
#ifdef __x86_64__
	if (real != SPAWN_FORK)   /* where clone3 is there, it takes CLONE_VM */
		assert_int_equal(real, SPAWN_VFORK);
#endif
	/* clone3 is there, CLONE_VM refused (the second clone3): a copy. */
	fault_arm(FAULT_CLONE3, NULL, 1, 1, EINVAL);
	assert_int_equal(spawn_probe(SPAWN_AUTO), SPAWN_CLONE3);
	assert_int_equal(fault_hits(FAULT_CLONE3), 1);
	fault_reset();
	fault_arm(FAULT_CLONE3, NULL, 0, 0, ENOSYS);   /* seccomp's answer */
	assert_int_equal(spawn_probe(SPAWN_AUTO), SPAWN_FORK);
	fault_arm(FAULT_CLONE3, NULL, 0, 0, EPERM);
	assert_int_equal(spawn_probe(SPAWN_AUTO), SPAWN_FORK);
	assert_int_equal(fault_hits(FAULT_CLONE3), 2);
	/* A method asked for explicitly is taken as it is, without a probe. */
	fault_reset();
	assert_int_equal(spawn_probe(SPAWN_CLONE3), SPAWN_CLONE3);
	assert_int_equal(spawn_probe(SPAWN_FORK), SPAWN_FORK);
	assert_int_equal(spawn_probe(SPAWN_VFORK), SPAWN_VFORK);
	assert_int_equal(fault_calls(FAULT_CLONE3), 0);
}

/* Spawns argv by vfork; checks the error pipe is readable at once (the
 * child exec'd or failed before spawn_process returned) and reaps. */
static void spawn_returns_after_exec(char *const *argv, const char *cwd, int want_status)
{
	struct spawn_params p = {
		.argv = argv, .envp = env_plain, .umask = -1, .cwd = cwd,
		.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .cgroup_fd = -1,
	};
	struct pidref ref = PIDREF_NULL;
	struct spawn_error e;
	siginfo_t si = { 0 };
	int errpipe = -1;

	assert_int_equal(spawn_process(SPAWN_VFORK, &p, &ref, &errpipe), 0);
	/* A failed child wrote its record before the daemon went on; the EOF
	 * of an exec may trail it a little (the kernel lets the parent go when
	 * the old memory is released, then closes the O_CLOEXEC fds). */
	assert_true(kt_readable(errpipe, want_status == 0 ? 5000 : 0));
	assert_int_equal(spawn_read_error(errpipe, &e), want_status == 0 ? 0 : 1);
	assert_true(kt_readable(ref.fd, 5000));
	assert_int_equal(pidref_reap(&ref, &si), 1);
	assert_int_equal(si.si_status, want_status);
	close(errpipe);
}

static void test_returns_after_exec(void **state _unused_)
{
	char *ok[] = { A("true"), NULL };   /* found in the service's PATH */
	char *missing[] = { A("/nonexistent/rv-missing"), NULL };

	skip_without_vfork();
	spawn_returns_after_exec(ok, NULL, 0);
	spawn_returns_after_exec(missing, NULL, 127);
	spawn_returns_after_exec(ok, "/nonexistent-rv-cwd", 127);
}

/* What the child changes in its own process (mask, environment for its
 * PATH search, errno) is not the daemon's after the spawn. */
static void test_daemon_state_kept(void **state _unused_)
{
	char *argv[] = { A("true"), NULL };
	sigset_t usr1, before, after;
	char **env = environ;

	skip_without_vfork();
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	assert_int_equal(sigprocmask(SIG_BLOCK, &usr1, &before), 0);
	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &before), 0);
	for (int i = 0; i < 20; i++)
		spawn_returns_after_exec(argv, NULL, 0);
	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &after), 0);
	for (int sig = 1; sig < NSIG; sig++)
		assert_int_equal(sigismember(&before, sig), sigismember(&after, sig));
	assert_ptr_equal(environ, env);
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
}

/* /proc/PID/status's FDSize: the size of the fd table the child has. */
static long fd_table_size(pid_t pid)
{
	char path[64], line[256];
	long size = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "FDSize: %ld", &size) == 1)
			break;
	fclose(f);
	return size;
}

/* A daemon holding thousands of fds: the child gets a table of the slots'
 * size, not a copy of the daemon's (which the child would also close one
 * by one at exec), and still its stdout pipe; the daemon's slots are
 * /dev/null again after. */
static void test_small_table(void **state _unused_)
{
	char *argv[] = { A("/bin/sh"), A("-c"), A("echo ok; exec sleep 5"), NULL };
	int top, pipefd[2], many[3000];
	const int *slots = spawn_slots(&top);
	struct pidref ref = PIDREF_NULL;
	char buf[16] = "", link[64], path[64];
	siginfo_t si = { 0 };
	int errpipe = -1;

	skip_without_vfork();
	assert_non_null(slots);
	for (size_t i = 0; i < ELEMENTSOF(many); i++)
		assert_true((many[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	assert_true(pipefd[1] > 3000);
	struct spawn_params p = {
		.argv = argv, .envp = env_plain, .umask = -1,
		.stdin_fd = -1, .stdout_fd = pipefd[1], .stderr_fd = -1, .cgroup_fd = -1,
	};
	assert_int_equal(spawn_process(SPAWN_VFORK, &p, &ref, &errpipe), 0);
	assert_true(kt_readable(pipefd[0], 5000));
	assert_int_equal(read(pipefd[0], buf, sizeof(buf) - 1), 3);
	assert_string_equal(buf, "ok\n");
	long size = fd_table_size(ref.pid);
	print_message("daemon's table %d+ fds, child's FDSize %ld\n", pipefd[1], size);
	assert_true(size > 0 && size <= 256);
	for (int i = 0; i < SPAWN_SLOTS; i++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", slots[i]);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		assert_true(n > 0);
		link[n] = '\0';
		assert_string_equal(link, "/dev/null");
	}
	assert_int_equal(pidref_kill(&ref, SIGKILL), 0);
	assert_true(kt_readable(ref.fd, 5000));
	assert_int_equal(pidref_reap(&ref, &si), 1);
	close(errpipe);
	close(pipefd[0]);
	close(pipefd[1]);
	for (size_t i = 0; i < ELEMENTSOF(many); i++)
		close(many[i]);
}

static int group_setup(void **state _unused_)
{
	struct rlimit rl;

	/* Room for test_small_table's 3000 fds. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096 && rl.rlim_max >= 4096) {
		rl.rlim_cur = 4096;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	return spawn_slots_reserve();
}

static int teardown(void **state _unused_)
{
	fault_reset();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_probe, teardown),
		cmocka_unit_test_teardown(test_returns_after_exec, teardown),
		cmocka_unit_test_teardown(test_daemon_state_kept, teardown),
		cmocka_unit_test_teardown(test_small_table, teardown),
	};

	alarm(60);
	return cmocka_run_group_tests_name("spawn_vfork", tests, group_setup, NULL);
}
