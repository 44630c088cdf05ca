/* SPDX-License-Identifier: MIT */
/*
 * probe_bench.c: one probe pass by bpf against one by procfs, over the same
 * processes: PROBE_BENCH_N (1000) children in one cgroup of their own, each
 * holding PROBE_BENCH_FDS (100) fds (/dev/null on 0-2 and dups of it, a
 * pipe end to say it is ready, and pipes), paused. The figure is the CPU
 * time of the calling thread (CLOCK_THREAD_CPUTIME_ID, which includes the
 * iterators' kernel time), the median of PROBE_BENCH_REPS (9) passes after
 * one warm-up pass; both sources must report every child with all its fds.
 *
 * Everything started here is killed by its pid, and the cgroup removed, on
 * the way out, also on SIGINT/SIGTERM; children die with us (PDEATHSIG).
 * Exit 77 when it cannot run here (no cgroup2, not root, no bpf), saying why.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tests/probe_fixture.h"
#include "basic/macro.h"
#include "kernel/cgroup.h"
#include "probe/probe.h"

#define MAX_KIDS 20000

static pid_t kids[MAX_KIDS];
static volatile sig_atomic_t nkids;
static char cg_path[600];

/* Async-signal-safe: also the SIGINT/SIGTERM handler's body. */
static void cleanup(void)
{
	for (sig_atomic_t i = 0; i < nkids; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	for (sig_atomic_t i = 0; i < nkids; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
	nkids = 0;
	if (cg_path[0])
		rmdir(cg_path);
}

static void on_signal(int sig)
{
	cleanup();
	_exit(128 + sig);
}

static long env_long(const char *name, long def, long max)
{
	const char *s = getenv(name);
	long v = s ? strtol(s, NULL, 10) : def;

	return v > 0 && v <= max ? v : def;
}

static _Noreturn void kid_main(int cg_fd, int ready, int nfds)
{
	int fd, p[2];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (cgroup_join(cg_fd) < 0)
		_exit(2);
	if (dup2(ready, 3) < 0 || close_range(4, ~0U, 0) < 0)
		_exit(3);
	fd = open("/dev/null", O_RDWR);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(4);
	for (int i = 0; i < nfds / 5 && fd < nfds - 2; i++) {
		if (pipe(p) < 0)
			_exit(5);
		fd = p[1];
	}
	while (fd < nfds - 1)
		if ((fd = dup(0)) < 0)
			_exit(6);
	if (write(3, "x", 1) != 1)
		_exit(7);
	for (;;)
		pause();
}

static int start_kids(int cg_fd, int n, int nfds)
{
	struct pollfd pfd;
	char buf[256];
	int ready[2], got = 0;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			kid_main(cg_fd, ready[1], nfds);
		if (pid < 0) {
			close(ready[0]);
			close(ready[1]);
			return -errno;
		}
		kids[nkids] = pid;
		nkids = nkids + 1;
	}
	close(ready[1]);
	pfd = (struct pollfd){ .fd = ready[0], .events = POLLIN };
	while (got < n && poll(&pfd, 1, 30000) == 1) {
		ssize_t k = read(ready[0], buf, sizeof(buf));

		if (k <= 0)
			break;
		got += (int)k;
	}
	close(ready[0]);
	return got == n ? 0 : -ETIMEDOUT;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median CPU time of reps passes, in ns; -errno, or -EPROTO when a
 * pass missed a process or an fd. */
static int64_t time_passes(struct probe *p, const struct probe_target *t, int n, int nfds,
			   int reps)
{
	_cleanup_(probe_result_done) struct probe_result res = {};
	_cleanup_free_ uint64_t *ns = calloc((size_t)reps, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (int i = -1; i < reps; i++) {       /* pass -1 warms up */
		int r = probe_run(p, t, 1, &res);

		if (r < 0)
			return r;
		if (res.n != (size_t)n)
			return -EPROTO;
		for (size_t j = 0; j < res.n; j++)
			if (res.procs[j].nr_fds != (uint32_t)nfds || res.procs[j].threads != 1)
				return -EPROTO;
		if (i >= 0)
			ns[i] = res.cpu_ns;
	}
	qsort(ns, (size_t)reps, sizeof(*ns), cmp_u64);
	return (int64_t)ns[reps / 2];
}

/* Each bpf walk (cgroups, then tasks: the fallback), then procfs. */
static int bench(int cg_fd, int n, int nfds, int reps)
{
	const struct probe_target t = { cgroup_id_of_fd(cg_fd), cg_fd };
	struct probe *bpf = NULL, *tasks = NULL, *procfs = NULL;
	char why[256] = "";
	int64_t b = -EOPNOTSUPP, k = -EOPNOTSUPP, f;
	const char *walk = "?";

	if (probe_new(PROBE_PROCFS, &procfs, NULL, 0) < 0)
		return -ENOMEM;
	if (probe_new(PROBE_BPF, &bpf, why, sizeof(why)) >= 0) {
		walk = probe_walk(bpf);
		b = time_passes(bpf, &t, n, nfds, reps);
	}
	if (b >= 0 && strcmp(walk, "tasks") != 0 && probe_new(PROBE_BPF_TASKS, &tasks, NULL, 0) >= 0)
		k = time_passes(tasks, &t, n, nfds, reps);
	f = time_passes(procfs, &t, n, nfds, reps);
	if (f < 0 || (b < 0 && b != -EOPNOTSUPP) || (k < 0 && k != -EOPNOTSUPP)) {
		fprintf(stderr, "probe_bench: a pass failed: %s\n",
			strerror((int)-(f < 0 ? f : b < 0 ? b : k)));
		b = -EPROTO;
	} else if (b < 0)
		printf("probe: bpf unavailable (%s), procfs %.2f ms per pass over %d processes x %d fds\n",
		       why, f / 1e6, n, nfds);
	else {
		printf("probe: bpf (%s walk) %.2f ms, procfs %.2f ms per pass over %d processes x %d fds "
		       "(%.1f x cheaper)\n", walk, b / 1e6, f / 1e6, n, nfds, b > 0 ? (double)f / (double)b : 0.0);
		if (k >= 0)
			printf("probe: bpf (tasks walk, the fallback) %.2f ms: every task of the host\n", k / 1e6);
	}
	probe_free(tasks);
	probe_free(bpf);
	probe_free(procfs);
	return b < 0 ? (int)b : 0;
}

int main(void)
{
	int n = (int)env_long("PROBE_BENCH_N", 1000, MAX_KIDS);
	int nfds = (int)env_long("PROBE_BENCH_FDS", 100, 10000);
	int reps = (int)env_long("PROBE_BENCH_REPS", 9, 1000);
	struct sigaction sa = { .sa_handler = on_signal };
	_cleanup_close_ int cg_fd = -EBADF;
	char mnt[512];
	int r;

	if (nfds < 10)
		nfds = 10;
	r = cgroup2_mount(mnt, sizeof(mnt));
	if (r < 0) {
		printf("probe: skipped, no cgroup2 mount (%s)\n", strerror(-r));
		return 77;
	}
	snprintf(cg_path, sizeof(cg_path), "%s/probe-bench-%d", mnt, (int)getpid());
	if (mkdir(cg_path, 0755) < 0) {
		printf("probe: skipped, cannot make %s (%s)\n", cg_path, strerror(errno));
		cg_path[0] = '\0';
		return 77;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	cg_fd = open(cg_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	r = cg_fd < 0 ? -errno : start_kids(cg_fd, n, nfds);
	if (r < 0)
		fprintf(stderr, "probe_bench: cannot start %d processes: %s\n", n, strerror(-r));
	else
		r = bench(cg_fd, n, nfds, reps);
	cleanup();
	return r == -EOPNOTSUPP ? 77 : r < 0 ? 1 : 0;
}
