/* SPDX-License-Identifier: MIT */
/*
 * rvbench: the measuring half of bench/run.sh. It talks to either supervisor
 * (ringvisor's JSON-line socket, "rv", or supervisord's XML-RPC over HTTP on
 * its unix socket, "sv") and watches the kernel's process events through the
 * proc connector (netlink NETLINK_CONNECTOR, CN_IDX_PROC, needs
 * CAP_NET_ADMIN), whose timestamps are CLOCK_MONOTONIC nanoseconds taken by
 * the kernel at fork, exec and exit. Watching those events costs the measured
 * daemon nothing: it is not asked anything while the clock runs.
 *
 *   rvbench launch --proto rv|sv --socket PATH --count N --result FILE
 *                  [--interval-ms MS] [--timeout-s S] -- CMD ARGS...
 *       Becomes CMD (same pid: the caller's $! is the daemon) after forking
 *       a detached watcher. t0 is taken just before execve. The watcher
 *       counts fork and exec events of the daemon's children; once N have
 *       been forked it polls status every MS until N are running. It writes
 *       "forked_ms= exec_ms= running_ms= polls= netlink=" to FILE.
 *
 *   rvbench restart --proto rv|sv --socket PATH --target NAME --parent PID
 *                   --samples N --method exec|status [--warmup W]
 *       SIGKILLs NAME's process (through a pidfd) N times and measures how
 *       long until it is back:
 *         exec:   kill() -> the kernel's exec event of the replacement child
 *                 of PID (no status request while the clock runs); also the
 *                 breakdown kill->exit, exit->fork, fork->exec.
 *         status: kill() -> a status reply naming a new pid in state running,
 *                 status requested back to back on one connection; the
 *                 kernel events read afterwards give kill->exec under
 *                 that load (what the polling itself costs).
 *       W first samples (default 3) are dropped.
 *       Prints one line of key=value pairs (microseconds).
 *
 *       With RVBENCH_TRACE set, one line per sample on stderr.
 *
 *   rvbench status-cost --proto rv|sv --socket PATH --target NAME
 *       Round-trip time of a status of one instance (median of 20) and of
 *       everything (median of 3), and the size of the latter.
 *
 *   rvbench floor --method fork|vfork --count N --samples S
 *       The same work without a supervisor: see cmd_floor.
 *
 * This file has the options, the clock and main; the rest is in
 * rvbench_ctl.c (control sockets, proc connector), rvbench_launch.c,
 * rvbench_restart.c (restart, status-cost) and rvbench_floor.c, with
 * rvbench.h between them. bench/run.sh compiles them together.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rvbench.h"

const char *opt_proto = "rv", *opt_socket, *opt_target, *opt_result, *opt_method = "exec";
long opt_count = 1, opt_interval_ms = 10, opt_timeout_s = 60, opt_samples = 200, opt_parent;
long opt_warmup = 3;

void die(const char *what)
{
	fprintf(stderr, "rvbench: %s: %s\n", what, strerror(errno));
	exit(2);
}

uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile, in microseconds. */
double pct_us(uint64_t *v, long n, double p)
{
	if (n <= 0)
		return -1;
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	long k = (long)((p / 100.0) * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (double)v[k - 1] / 1e3;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: rvbench launch|restart|status-cost|floor [options]\n");
		return 100;
	}
	const char *cmd = argv[1];
	int i;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "rvbench: %s needs a value\n", a);
			return 100;
		}
		const char *v = argv[++i];
		if (!strcmp(a, "--proto")) opt_proto = v;
		else if (!strcmp(a, "--socket")) opt_socket = v;
		else if (!strcmp(a, "--target")) opt_target = v;
		else if (!strcmp(a, "--result")) opt_result = v;
		else if (!strcmp(a, "--method")) opt_method = v;
		else if (!strcmp(a, "--count")) opt_count = atol(v);
		else if (!strcmp(a, "--interval-ms")) opt_interval_ms = atol(v);
		else if (!strcmp(a, "--timeout-s")) opt_timeout_s = atol(v);
		else if (!strcmp(a, "--samples")) opt_samples = atol(v);
		else if (!strcmp(a, "--parent")) opt_parent = atol(v);
		else if (!strcmp(a, "--warmup")) opt_warmup = atol(v);
		else {
			fprintf(stderr, "rvbench: unknown option %s\n", a);
			return 100;
		}
	}
	if (!strcmp(cmd, "launch"))
		return cmd_launch(argv + i);
	if (!strcmp(cmd, "restart"))
		return cmd_restart();
	if (!strcmp(cmd, "floor"))
		return cmd_floor();
	if (!strcmp(cmd, "status-cost"))
		return cmd_status_cost();
	fprintf(stderr, "rvbench: unknown command %s\n", cmd);
	return 100;
}
