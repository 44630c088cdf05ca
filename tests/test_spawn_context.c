/* SPDX-License-Identifier: MIT */
/*
 * test_spawn_context.c: what a service's program runs in is the service's,
 * not the daemon's (issue 12, findings 4 and 10):
 *  - a bare command name is searched in the PATH of the service's env,
 *    never in the daemon's own (a root daemon started with a user-writable
 *    PATH entry would run that user's program as root);
 *  - the working directory is entered with the service's identity, after
 *    the uid change: a directory only root may enter is an error for a
 *    service running as nobody (step "cwd", EACCES).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/spawn.h"

static char dir[64];
static char true_path[] = "/bin/true", path_var[] = "PATH=/usr/bin:/bin";
static char *const argv[] = { true_path, NULL };
static char *const envp[] = { path_var, NULL };

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rv-cwd-XXXXXX");
	return mkdtemp(dir) && chmod(dir, 0700) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

/* Spawns /bin/true in dir, as uid (or as ourselves when uid < 0); the
 * error the child reported, or step NONE when it ran. */
static struct spawn_error run(int uid)
{
	struct spawn_params p = { .argv = argv, .envp = envp, .cwd = dir, .umask = -1,
				  .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .cgroup_fd = -1 };
	struct spawn_error e = { 0 };
	struct pidref ref = PIDREF_NULL;
	siginfo_t si;
	int errpipe;

	if (uid >= 0) {
		p.has_uid = p.has_gid = 1;
		p.uid = (uid_t)uid;
		p.gid = (gid_t)uid;
	}
	assert_int_equal(spawn_process(SPAWN_CLONE3, &p, &ref, &errpipe), 0);
	assert_int_equal(waitid((idtype_t)P_PIDFD, (id_t)ref.fd, &si, WEXITED), 0);
	if (spawn_read_error(errpipe, &e) != 1)
		e = (struct spawn_error){ 0 };
	close(errpipe);
	pidref_done(&ref);
	return e;
}

static void test_cwd_as_the_service(void **state)
{
	(void)state;
	struct spawn_error e = run(65534);
	assert_int_equal(e.step, SPAWN_STEP_CWD);
	assert_int_equal(e.err, EACCES);
	e = run(-1);
	assert_int_equal(e.step, SPAWN_STEP_NONE);
}

/* A program "rv-only-here" in dir: found through the service's PATH, and
 * only there (the daemon's PATH, this process's, does not have dir). */
static void test_path_of_the_service(void **state)
{
	char prog[128], env_path[160], name[] = "rv-only-here";
	char *const args[] = { name, NULL };
	(void)state;

	snprintf(prog, sizeof(prog), "%s/%s", dir, name);
	FILE *f = fopen(prog, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\nexit 7\n", f);
	fclose(f);
	assert_int_equal(chmod(prog, 0755), 0);
	assert_int_equal(setenv("PATH", "/usr/bin:/bin", 1), 0);   /* ours: without dir */
	snprintf(env_path, sizeof(env_path), "PATH=%s:/usr/bin:/bin", dir);
	char *const env[] = { env_path, NULL };
	struct spawn_params p = { .argv = args, .envp = env, .umask = -1, .stdin_fd = -1,
				  .stdout_fd = -1, .stderr_fd = -1, .cgroup_fd = -1 };
	struct pidref ref = PIDREF_NULL;
	struct spawn_error e = { 0 };
	siginfo_t si;
	int errpipe;
	assert_int_equal(spawn_process(SPAWN_CLONE3, &p, &ref, &errpipe), 0);
	assert_int_equal(waitid((idtype_t)P_PIDFD, (id_t)ref.fd, &si, WEXITED), 0);
	assert_int_equal(spawn_read_error(errpipe, &e), 0);   /* no exec error */
	assert_int_equal(si.si_code, CLD_EXITED);
	assert_int_equal(si.si_status, 7);
	close(errpipe);
	pidref_done(&ref);
	unlink(prog);
}

/* readiness.fd: the program gets the pipe's write end as fd `as` (3, the
 * s6 convention, or another), open across exec, and nothing else of ours;
 * with both spawn methods. */
static void pass_fd(enum spawn_method m, int as)
{
	char sh[] = "/bin/sh", c[] = "-c", script[160], buf[64] = "";
	char *const args[] = { sh, c, script, NULL };
	int pfd[2], errpipe;
	struct pidref ref = PIDREF_NULL;
	siginfo_t si;

	snprintf(script, sizeof(script), "echo ready >&%d; exec %d>&-; :", as, as);
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	struct spawn_params p = { .argv = args, .envp = envp, .umask = -1, .stdin_fd = -1,
				  .stdout_fd = -1, .stderr_fd = -1, .cgroup_fd = -1,
				  .pass_fd = pfd[1], .pass_fd_as = as };
	assert_int_equal(spawn_process(m, &p, &ref, &errpipe), 0);
	close(pfd[1]);
	assert_int_equal(waitid((idtype_t)P_PIDFD, (id_t)ref.fd, &si, WEXITED), 0);
	assert_int_equal(si.si_code, CLD_EXITED);
	assert_int_equal(si.si_status, 0);
	assert_true(read(pfd[0], buf, sizeof(buf) - 1) > 0);
	assert_string_equal(buf, "ready\n");
	close(pfd[0]);
	close(errpipe);
	pidref_done(&ref);
}

static void test_pass_fd(void **state)
{
	(void)state;
	pass_fd(SPAWN_CLONE3, 3);
	pass_fd(SPAWN_FORK, 3);
	pass_fd(SPAWN_CLONE3, 9);
	pass_fd(SPAWN_FORK, 7);   /* dash reads one digit */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cwd_as_the_service, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_of_the_service, setup, teardown),
		cmocka_unit_test(test_pass_fd),
	};
	if (geteuid() != 0) {
		printf("SKIP: needs root to change uid\n");
		return 0;
	}
	return cmocka_run_group_tests_name("spawn context", tests, NULL, NULL);
}
