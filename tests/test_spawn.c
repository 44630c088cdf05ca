/* SPDX-License-Identifier: MIT */
/*
 * test_spawn.c: spawn_process() and the pidref it returns, against real
 * children (/bin/sh -c, sleep), once with clone3 and CLONE_VM|CLONE_VFORK,
 * once with clone3 making a copy, and once with fork + pidfd_open (the
 * fallback used where seccomp refuses clone3).
 *
 * Why: every service the daemon runs goes through here, and what the child
 * sees (cwd, umask, env, stdio, an empty signal mask, its own session, no
 * inherited fd, uid/gid, the kept capabilities only) is only visible from
 * inside the child; so each child prints what it sees to a pipe the test
 * reads. An exec or setup failure must come back as {step, errno} on the
 * error pipe with exit 127; an exit code or a signal through pidref_reap.
 * CLONE_INTO_CGROUP is checked in /proc/PID/cgroup and cgroup.procs. The
 * fault seam makes pipe2 and clone3 fail: the error comes back as -errno,
 * no fd leaks, and the ret_* arguments are left alone.
 *
 * Children are tracked in the fixture and killed by pidfd in the teardown,
 * so a failed assertion leaves nothing behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "kernel/pidref.h"
#include "kernel/spawn.h"
#include "fault.h"
#include "kernel_test_util.h"

static struct kt fx;
#define A(s) ((char *)(s))   /* argv and envp are char *const *: literals cast */
static char *env_plain[] = { A("PATH=/usr/bin:/bin"), NULL };

static int group_setup(void **state _unused_)
{
	kt_init(&fx, "spawn");
	/* Orphaned grandchildren (test_kill_group) come back to us to be reaped. */
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? -1 : 0;
}

static int group_teardown(void **state _unused_)
{
	fault_reset();
	kt_done(&fx);
	return 0;
}

static int teardown(void **state _unused_)
{
	fault_reset();
	for (size_t i = 0; i < KT_MAX_KIDS; i++)
		kt_kill_reap(&fx.kids[i]);
	return 0;
}

static void skip_without(enum spawn_method m)
{
	enum spawn_method here = spawn_probe(SPAWN_AUTO);
	if (m == SPAWN_VFORK && here != SPAWN_VFORK) {
		print_message("skip: clone3 with CLONE_VM is refused here\n");
		skip();
	}
	if (m == SPAWN_CLONE3 && here == SPAWN_FORK) {
		print_message("skip: clone3 is refused here\n");
		skip();
	}
}

/* A test body run once per method: test_<name>_vfork, _clone3, _fork. */
#define BOTH_METHODS(name)                                                                 \
	static void test_##name##_vfork(void **state _unused_)                             \
	{ skip_without(SPAWN_VFORK); do_##name(SPAWN_VFORK); }                             \
	static void test_##name##_clone3(void **state _unused_)                            \
	{ skip_without(SPAWN_CLONE3); do_##name(SPAWN_CLONE3); }                           \
	static void test_##name##_fork(void **state _unused_) { do_##name(SPAWN_FORK); }

static struct spawn_params params(char *const *argv, int out_fd)
{
	return (struct spawn_params){
		.argv = argv, .envp = env_plain, .umask = -1,
		.stdin_fd = -1, .stdout_fd = out_fd, .stderr_fd = -1, .cgroup_fd = -1,
	};
}

/* Spawns, asserts success, tracks the child; *errpipe is the caller's. */
static struct pidref *spawn_ok(enum spawn_method m, const struct spawn_params *p, int *errpipe)
{
	struct pidref ref = PIDREF_NULL;
	int r = spawn_process(m, p, &ref, errpipe);

	assert_int_equal(r, 0);
	assert_true(pidref_is_set(&ref));
	return kt_track(&fx, ref);
}

/* Waits (at most 5 s) for the child to end and reaps it through the pidref. */
static siginfo_t wait_reap(struct pidref *p)
{
	siginfo_t si = { 0 };

	assert_true(kt_readable(p->fd, 5000));
	assert_int_equal(pidref_reap(p, &si), 1);
	assert_int_equal(si.si_pid, p->pid);
	return si;
}

/* Runs `sh -c script` with stdout on a pipe; returns what it printed. */
static void run_sh(enum spawn_method m, struct spawn_params *p, const char *script,
		   char *out, size_t len)
{
	char *argv[] = { A("/bin/sh"), A("-c"), A(script), NULL };
	int pfd[2], errpipe = -1;
	size_t n = 0;
	ssize_t r;

	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	p->argv = argv;
	p->stdout_fd = pfd[1];
	struct pidref *ref = spawn_ok(m, p, &errpipe);
	close(pfd[1]);
	while (n < len - 1 && kt_readable(pfd[0], 5000) && (r = read(pfd[0], out + n, len - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(pfd[0]);
	siginfo_t si = wait_reap(ref);
	struct spawn_error e;
	assert_int_equal(spawn_read_error(errpipe, &e), 0);   /* EOF: exec happened */
	close(errpipe);
	kt_forget(&fx, si.si_pid);
	if (si.si_code != CLD_EXITED || si.si_status != 0)
		fail_msg("sh exited %d/%d; output: %s", si.si_code, si.si_status, out);
}

static void test_names(void **state)
{
	(void)state;

	assert_int_equal(spawn_method_from_string("fork"), SPAWN_FORK);
	assert_int_equal(spawn_method_from_string("clone3"), SPAWN_CLONE3);
	assert_int_equal(spawn_method_from_string("auto"), SPAWN_AUTO);
	assert_int_equal(spawn_method_from_string("vfork"), SPAWN_VFORK);
	assert_int_equal(spawn_method_from_string("posix_spawn"), _SPAWN_METHOD_INVALID);
	assert_string_equal(spawn_method_to_string(SPAWN_VFORK), "vfork");
	assert_string_equal(spawn_method_to_string(SPAWN_FORK), "fork");
	assert_string_equal(spawn_method_to_string(SPAWN_CLONE3), "clone3");
	assert_string_equal(spawn_step_to_string(SPAWN_STEP_EXEC), "exec");
	assert_string_equal(spawn_step_to_string(SPAWN_STEP_CWD), "cwd");
	assert_null(spawn_step_to_string((enum spawn_step)99));
}

/* The error pipe's three answers, on a pipe of our own. */
static void test_read_error(void **state)
{
	struct spawn_error e = { 0 }, in = { .step = SPAWN_STEP_UID, .err = EPERM };
	int p[2];
	(void)state;

	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(spawn_read_error(p[0], &e), -EAGAIN);
	assert_int_equal(write(p[1], &in, sizeof(in)), sizeof(in));
	assert_int_equal(spawn_read_error(p[0], &e), 1);
	assert_int_equal(e.step, SPAWN_STEP_UID);
	assert_int_equal(e.err, EPERM);
	assert_int_equal(write(p[1], &in, 3), 3);   /* a torn record */
	assert_int_equal(spawn_read_error(p[0], &e), -EIO);
	close(p[1]);
	assert_int_equal(spawn_read_error(p[0], &e), 0);
	close(p[0]);
}

static void do_exit_code(enum spawn_method m)
{
	char *argv[] = { A("/bin/sh"), A("-c"), A("exit 7"), NULL };
	struct spawn_params p = params(argv, -1);
	int errpipe = -1;

	struct pidref *ref = spawn_ok(m, &p, &errpipe);
	siginfo_t si = wait_reap(ref);
	assert_int_equal(si.si_code, CLD_EXITED);
	assert_int_equal(si.si_status, 7);
	assert_int_equal(pidref_reap(ref, &si), -ECHILD);   /* reaped once only */
	close(errpipe);
}
BOTH_METHODS(exit_code)

static void do_signal(enum spawn_method m)
{
	char *argv[] = { A("sleep"), A("100"), NULL };   /* found through PATH */
	struct spawn_params p = params(argv, -1);
	struct spawn_error e;
	siginfo_t si;
	int errpipe = -1;

	struct pidref *ref = spawn_ok(m, &p, &errpipe);
	assert_true(fcntl(ref->fd, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(errpipe, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(errpipe, F_GETFL) & O_NONBLOCK);
	assert_true(kt_readable(errpipe, 5000));
	assert_int_equal(spawn_read_error(errpipe, &e), 0);   /* exec'd */
	close(errpipe);
	assert_int_equal(pidref_reap(ref, &si), 0);           /* still running */
	assert_int_equal(pidref_kill(ref, SIGTERM), 0);
	si = wait_reap(ref);
	assert_int_equal(si.si_code, CLD_KILLED);
	assert_int_equal(si.si_status, SIGTERM);
	assert_int_equal(pidref_kill(ref, SIGTERM), -ESRCH);  /* gone, and nobody else hit */
	pidref_done(ref);
	assert_int_equal(ref->pid, 0);
	assert_int_equal(ref->fd, -EBADF);
	assert_int_equal(pidref_kill(ref, 0), -ESRCH);
}
BOTH_METHODS(signal)

/* A step that fails in the child: {step, errno} on the pipe, then exit 127. */
static void expect_child_error(enum spawn_method m, struct spawn_params *p, enum spawn_step step, int err)
{
	struct spawn_error e = { 0 };
	int errpipe = -1;

	struct pidref *ref = spawn_ok(m, p, &errpipe);
	assert_true(kt_readable(errpipe, 5000));
	assert_int_equal(spawn_read_error(errpipe, &e), 1);
	assert_string_equal(spawn_step_to_string((enum spawn_step)e.step), spawn_step_to_string(step));
	assert_int_equal(e.err, err);
	siginfo_t si = wait_reap(ref);
	assert_int_equal(si.si_code, CLD_EXITED);
	assert_int_equal(si.si_status, 127);
	assert_int_equal(spawn_read_error(errpipe, &e), 0);   /* nothing more, EOF */
	close(errpipe);
}

/* exec of a missing binary (a path, a name searched in PATH), a missing
 * cwd, and RLIMIT_NOFILE past the hard limit (needs CAP_SYS_RESOURCE). */
static void do_child_errors(enum spawn_method m)
{
	char *abs[] = { A("/nonexistent/rv-missing"), NULL };
	char *rel[] = { A("rv-missing-binary"), NULL };
	char *argv[] = { A("/bin/true"), NULL };
	struct spawn_params p = params(abs, -1);
	struct rlimit rl, up;

	expect_child_error(m, &p, SPAWN_STEP_EXEC, ENOENT);
	p.argv = rel;
	expect_child_error(m, &p, SPAWN_STEP_EXEC, ENOENT);
	p.argv = argv;
	p.cwd = "/nonexistent-rv-cwd";
	expect_child_error(m, &p, SPAWN_STEP_CWD, ENOENT);
	p.cwd = NULL;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	up = (struct rlimit){ rl.rlim_max + 1, rl.rlim_max + 1 };
	if (setrlimit(RLIMIT_NOFILE, &up) == 0) {
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		print_message("not checked: this process may raise its hard RLIMIT_NOFILE\n");
		return;
	}
	p.nofile = rl.rlim_max + 1;
	expect_child_error(m, &p, SPAWN_STEP_RLIMIT, EPERM);
}
BOTH_METHODS(child_errors)

/* cwd, umask, env (built, not inherited), stdin /dev/null, stdout, its own
 * session, an empty signal mask, no inherited fd, RLIMIT_NOFILE. */
static void do_setup_applied(enum spawn_method m)
{
	char dir[] = "/tmp/rv-kt-spawn-XXXXXX", script[512], out[1024], want[1024];
	char *env[] = { A("FOO=bar baz"), A("PATH=/usr/bin:/bin"), NULL };
	struct spawn_params p = params(NULL, -1);
	sigset_t usr1, old;

	assert_non_null(mkdtemp(dir));
	int leak = open("/dev/null", O_RDONLY);   /* no O_CLOEXEC: must not reach the child */
	assert_true(leak > 2);
	snprintf(script, sizeof(script),
		 "pwd; umask; echo \"FOO=$FOO HOME=${HOME-unset}\"; readlink /proc/self/fd/0; "
		 "set -- $(cat /proc/$$/stat); [ \"$6\" = $$ ] && echo own-session; "
		 "[ -e /proc/$$/fd/%d ] && echo fd-leaked; ulimit -n; exec grep SigBlk /proc/self/status",
		 leak);
	p.envp = env;
	p.cwd = dir;
	p.umask = 027;
	p.nofile = 64;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	assert_int_equal(sigprocmask(SIG_BLOCK, &usr1, &old), 0);
	run_sh(m, &p, script, out, sizeof(out));
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(leak);
	rmdir(dir);
	snprintf(want, sizeof(want), "%s\n0027\nFOO=bar baz HOME=unset\n/dev/null\nown-session\n"
		 "64\nSigBlk:\t0000000000000000\n", dir);
	assert_string_equal(out, want);
}
BOTH_METHODS(setup_applied)

/* uid, gid and groups; every capability but the kept one dropped from the
 * bounding set; the kept one ambient for the new uid; no_new_privs. */
static void do_credentials(enum spawn_method m)
{
	static const gid_t groups[] = { 65534 };
	static const int keep[] = { CAP_NET_BIND_SERVICE };
	struct spawn_params p = params(NULL, -1);
	char out[512];

	if (geteuid() != 0) {
		print_message("skip: needs root to change uid\n");
		skip();
	}
	p.has_uid = p.has_gid = 1;
	p.uid = 65534;
	p.gid = 65534;
	p.groups = groups;
	p.n_groups = 1;
	p.keep_caps = keep;
	p.n_keep_caps = 1;
	run_sh(m, &p, "id -u; id -g; id -G; grep -E '^(CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/$$/status",
	       out, sizeof(out));
	assert_string_equal(out, "65534\n65534\n65534\nCapEff:\t0000000000000400\n"
			    "CapBnd:\t0000000000000400\nCapAmb:\t0000000000000400\nNoNewPrivs:\t1\n");
}
BOTH_METHODS(credentials)

/* The child is in the cgroup: /proc/PID/cgroup and cgroup.procs agree.
 * Refusing a cgroup_fd would be acceptable; running elsewhere silently is not. */
static void do_into_cgroup(enum spawn_method m)
{
	char *argv[] = { A("sleep"), A("100"), NULL };
	char rel[32], have[512], want[512], procs[256], line[32];
	struct spawn_params p = params(argv, -1);
	struct pidref ref = PIDREF_NULL;
	int errpipe = -1;

	KT_SKIP_IF_NEEDED(&fx);
	snprintf(rel, sizeof(rel), "placed-%s", spawn_method_to_string(m));
	int cg = kt_mkdir(&fx, rel);
	assert_true(cg >= 0);
	p.cgroup_fd = cg;
	int r = spawn_process(m, &p, &ref, &errpipe);
	if (r < 0) {
		close(cg);
		print_message("%s refused a cgroup_fd: %s\n", spawn_method_to_string(m), strerror(-r));
		return;
	}
	kt_track(&fx, ref);
	close(errpipe);
	snprintf(want, sizeof(want), "%s/%s", fx.dir + strlen(fx.mount), rel);
	assert_int_equal(kt_cgroup_of(ref.pid, have, sizeof(have)), 0);
	if (strcmp(have, want))
		fail_msg("spawn with %s returned 0 but the child runs in %s, not in its cgroup_fd %s",
			 spawn_method_to_string(m), have, want);
	assert_true(cgroup_read(cg, "cgroup.procs", procs, sizeof(procs)) > 0);
	snprintf(line, sizeof(line), "%d\n", (int)ref.pid);
	assert_string_equal(procs, line);
	assert_int_equal(cgroup_populated(cg), 1);
	close(cg);
}
BOTH_METHODS(into_cgroup)

/* A cgroup_fd that is no cgroup: clone3 says EBADF, nothing leaks. */
static void test_cgroup_fd_not_cgroup(void **state)
{
	(void)state;
	char *argv[] = { A("sleep"), A("100"), NULL };
	struct spawn_params p = params(argv, -1);
	struct pidref ref = PIDREF_NULL;
	int errpipe = -1;

	skip_without(SPAWN_CLONE3);
	p.cgroup_fd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(p.cgroup_fd >= 0);
	int before = fault_count_fds();
	assert_int_equal(spawn_process(SPAWN_CLONE3, &p, &ref, &errpipe), -EBADF);
	assert_int_equal(fault_count_fds(), before);
	assert_int_equal(ref.pid, 0);
	assert_int_equal(errpipe, -1);
	close(p.cgroup_fd);
}

/* A failure before the child exists: -errno, no fd left, no child made,
 * ret_* untouched. */
static void expect_spawn_fails(enum spawn_method m, enum fault_call call, int err)
{
	char *argv[] = { A("/bin/true"), NULL };
	struct spawn_params p = params(argv, -1);
	struct pidref ref = { .pid = 4242, .fd = -7 };
	siginfo_t si;
	int errpipe = -7;

	int before = fault_count_fds();
	fault_reset();
	fault_arm(call, NULL, 0, 1, err);
	assert_int_equal(spawn_process(m, &p, &ref, &errpipe), -err);
	assert_int_equal(fault_hits(call), 1);
	assert_int_equal(fault_count_fds(), before);
	assert_int_equal(waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(ref.pid, 4242);
	assert_int_equal(ref.fd, -7);
	assert_int_equal(errpipe, -7);
}

static void do_spawn_fails(enum spawn_method m)
{
	expect_spawn_fails(m, FAULT_PIPE2, EMFILE);
	if (m != SPAWN_FORK) {
		expect_spawn_fails(m, FAULT_CLONE3, EPERM);
		expect_spawn_fails(m, FAULT_CLONE3, ENOSPC);   /* pids.max, a dying cgroup */
		expect_spawn_fails(m, FAULT_CLONE3, EAGAIN);
	}
}
BOTH_METHODS(spawn_fails)

/* The whole process group (a shell and its two background sleeps) gets the
 * signal while the leader is unreaped; after the reap, nothing is sent. */
static void do_kill_group(enum spawn_method m)
{
	char *argv[] = { A("/bin/sh"), A("-c"), A("sleep 100 & echo $!; sleep 100 & echo $!; wait"), NULL };
	int pfd[2], errpipe = -1, kid[2];
	char buf[64] = "";
	size_t n = 0;
	ssize_t r;

	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	struct spawn_params p = params(argv, pfd[1]);
	struct pidref *ref = spawn_ok(m, &p, &errpipe);
	close(pfd[1]);
	close(errpipe);
	/* Two lines; no EOF to wait for, the sleeps hold the pipe. */
	for (int lines = 0; lines < 2 && n < sizeof(buf) - 1 && kt_readable(pfd[0], 5000) &&
	     (r = read(pfd[0], buf + n, sizeof(buf) - 1 - n)) > 0;) {
		for (ssize_t i = 0; i < r; i++)
			lines += buf[n + (size_t)i] == '\n';
		buf[n += (size_t)r] = '\0';
	}
	close(pfd[0]);
	assert_int_equal(sscanf(buf, "%d %d", &kid[0], &kid[1]), 2);
	int fd0 = (int)syscall(SYS_pidfd_open, kid[0], 0), fd1 = (int)syscall(SYS_pidfd_open, kid[1], 0);
	kt_track(&fx, (struct pidref){ .pid = kid[0], .fd = fd0 });
	kt_track(&fx, (struct pidref){ .pid = kid[1], .fd = fd1 });
	assert_true(fd0 >= 0 && fd1 >= 0);

	assert_int_equal(pidref_kill_group(ref, SIGKILL), 0);
	siginfo_t si = wait_reap(ref);
	assert_int_equal(si.si_status, SIGKILL);
	assert_true(kt_readable(fd0, 5000));
	assert_true(kt_readable(fd1, 5000));
	assert_true(pidref_kill_group(ref, SIGKILL) < 0);
}
BOTH_METHODS(kill_group)

int main(void)
{
#define BOTH(t) cmocka_unit_test_teardown(test_##t##_vfork, teardown), \
		cmocka_unit_test_teardown(test_##t##_clone3, teardown), \
		cmocka_unit_test_teardown(test_##t##_fork, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_read_error),
		BOTH(exit_code),
		BOTH(signal),
		BOTH(child_errors),
		BOTH(setup_applied),
		BOTH(credentials),
		BOTH(into_cgroup),
		cmocka_unit_test_teardown(test_cgroup_fd_not_cgroup, teardown),
		BOTH(spawn_fails),
		BOTH(kill_group),
	};

	alarm(120);
	return cmocka_run_group_tests_name("spawn", tests, group_setup, group_teardown);
}
