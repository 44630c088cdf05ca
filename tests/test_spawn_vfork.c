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
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "kernel/pidref.h"
#include "kernel/spawn.h"
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
	};

	alarm(60);
	return cmocka_run_group_tests_name("spawn_vfork", tests, NULL, NULL);
}
