/* SPDX-License-Identifier: MIT */
/*
 * rvbench_floor.c: `rvbench floor`, the machine's floor: the work of the
 * restart and start benches done by the smallest possible supervisor, a
 * loop that spawns `sleep 100000` by fork or vfork and reads the kernel's
 * exec events, with no event loop and no bookkeeping. Also the cost of a
 * page fault here, which every spawn pays many times over.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/cn_proc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rvbench.h"

/* ---- floor: the same work done by the smallest possible supervisor ---- */

static char *sleep_argv[] = { "sleep", "100000", NULL };
static char *empty_env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", NULL };

/* Starts `sleep 100000` by fork or vfork; the child only execs. */
static pid_t floor_spawn(bool use_vfork)
{
	pid_t p = use_vfork ? vfork() : fork();
	if (p == 0) {
		execve("/bin/sleep", sleep_argv, empty_env);
		execve("/usr/bin/sleep", sleep_argv, empty_env);
		_exit(127);
	}
	return p;
}

struct floor_ctx {
	uint8_t *mine;
	long execd;
	uint64_t last_exec_ns;
};

static bool floor_ev(const struct proc_event *ev, void *vctx)
{
	struct floor_ctx *c = vctx;
	if (ev->what == PROC_EVENT_EXEC) {
		pid_t t = ev->event_data.exec.process_tgid;
		if ((unsigned)t < PID_BITMAP_MAX && BIT_GET(c->mine, t)) {
			BIT_CLR(c->mine, t);
			c->execd++;
			c->last_exec_ns = ev->timestamp_ns;
		}
	}
	return false;
}

/* Reads events until `want` of our children have exec'd (or 30 s). */
static int floor_wait(int nl, struct floor_ctx *c, long want)
{
	uint64_t deadline = mono_ns() + 30ULL * 1000000000ULL;
	bool stop = false;
	while (c->execd < want && mono_ns() < deadline)
		if (nl_read(nl, 100, floor_ev, c, &stop) < 0)
			return -1;
	return c->execd >= want ? 0 : -1;
}

static void floor_kill(pid_t p)
{
	kill(p, SIGKILL);
	while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
		;
}

/* The machine's page-fault cost: every spawn pays it many times over. */
static double floor_fault_us(void)
{
	size_t npages = 4096;
	char *mem = mmap(NULL, npages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	uint64_t tf = mono_ns();
	for (size_t i = 0; i < npages; i++)
		mem[i * 4096] = 1;
	double fault_us = ((double)mono_ns() - (double)tf) / 1e3 / (double)npages;
	munmap(mem, npages * 4096);
	return fault_us;
}

/* Bulk: opt_count sleeps spawned back to back into kids (*ret_spawned of
 * them); the ms until the last one exec'd, or -1. All but kids[0] are
 * killed again. */
static double floor_bulk(int nl, struct floor_ctx *c, bool use_vfork, pid_t *kids, long *ret_spawned)
{
	uint64_t t0 = mono_ns();
	long spawned = 0;
	for (; spawned < opt_count; spawned++) {
		kids[spawned] = floor_spawn(use_vfork);
		if (kids[spawned] < 0)
			break;
		BIT_SET(c->mine, kids[spawned]);
	}
	int r = floor_wait(nl, c, spawned);
	double bulk_ms = r == 0 && spawned > 1 ? ((double)c->last_exec_ns - (double)t0) / 1e6 : -1;
	for (long i = 1; i < spawned; i++)
		floor_kill(kids[i]);
	*ret_spawned = spawned;
	return bulk_ms;
}

/* Restart: one child, killed and replaced again and again; kill() to the
 * replacement's exec into lat (the first opt_warmup dropped). How many. */
static long floor_restarts(int nl, struct floor_ctx *c, bool use_vfork, pid_t child, uint64_t *lat)
{
	long n = 0;
	for (long i = 0; child > 0 && i < opt_samples + opt_warmup; i++) {
		sleep_ms(5);
		uint64_t t_kill = mono_ns();
		floor_kill(child);
		c->execd = 0;
		child = floor_spawn(use_vfork);
		if (child < 0)
			break;
		BIT_SET(c->mine, child);
		if (floor_wait(nl, c, 1) < 0)
			break;
		if (i >= opt_warmup)
			lat[n++] = c->last_exec_ns - t_kill;
	}
	if (child > 0)
		floor_kill(child);
	return n;
}

/*
 * rvbench floor --method fork|vfork --count N --samples S
 *   bulk: N sleeps spawned back to back; time until the last one exec'd.
 *   restart: S times: kill the child, reap it, spawn its replacement; time
 *   from kill() to the replacement's exec event. No event loop, no
 *   bookkeeping: what the machine allows at best.
 */
int cmd_floor(void)
{
	bool use_vfork = strcmp(opt_method, "vfork") == 0;
	int nl = nl_open();
	if (nl < 0) {
		printf("error=proc-connector-unavailable\n");
		return 1;
	}
	struct floor_ctx c = { .mine = pid_bitmap() };
	pid_t *kids = calloc((size_t)opt_count, sizeof(*kids));
	uint64_t *lat = calloc((size_t)opt_samples, 8);
	if (!kids || !lat)
		die("calloc");

	double fault_us = floor_fault_us();
	long spawned;
	double bulk_ms = floor_bulk(nl, &c, use_vfork, kids, &spawned);
	long n = floor_restarts(nl, &c, use_vfork, spawned > 0 ? kids[0] : -1, lat);
	printf("fault_us=%.2f bulk_ms=%.1f spawned=%ld samples=%ld median_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f\n",
	       fault_us, bulk_ms, spawned, n, pct_us(lat, n, 50), pct_us(lat, n, 90), pct_us(lat, n, 99), pct_us(lat, n, 100));
	return 0;
}
