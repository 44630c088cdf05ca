/* SPDX-License-Identifier: MIT */
/*
 * rvbench_restart.c: `rvbench restart` and `rvbench status-cost`. restart
 * SIGKILLs the target's process (through a pidfd) again and again and
 * measures how long until it is back: by the kernel's exec event of the
 * replacement (method exec, with the breakdown kill->exit, exit->fork,
 * fork->exec) or by a status reply naming a new pid in state running
 * (method status, which competes with what it measures); one line of
 * key=value pairs in microseconds. status-cost times a status of one
 * instance and of everything.
 */
#define _GNU_SOURCE
#include <linux/cn_proc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rvbench.h"

/* ---- restart ---- */

struct restart_ctx {
	pid_t parent, victim;
	pid_t child;
	uint64_t kill_ns, exit_ns, fork_ns, exec_ns;
};

static bool restart_ev(const struct proc_event *ev, void *vctx)
{
	struct restart_ctx *c = vctx;

	if (ev->timestamp_ns < c->kill_ns)   /* queued from an earlier sample */
		return false;
	switch (ev->what) {
	case PROC_EVENT_EXIT:
		if (ev->event_data.exit.process_pid == c->victim &&
		    ev->event_data.exit.process_tgid == c->victim)
			c->exit_ns = ev->timestamp_ns;
		break;
	case PROC_EVENT_FORK: {
		const struct fork_proc_event *f = &ev->event_data.fork;
		if (f->parent_tgid == c->parent && f->child_pid == f->child_tgid && !c->child) {
			c->child = f->child_tgid;
			c->fork_ns = ev->timestamp_ns;
		}
		break;
	}
	case PROC_EVENT_EXEC:
		if (c->child && ev->event_data.exec.process_tgid == c->child) {
			c->exec_ns = ev->timestamp_ns;
			return true;
		}
		break;
	default:
		break;
	}
	return false;
}

static long wait_running_pid(const char *target, long not_pid, struct buf *b, long tight)
{
	uint64_t deadline = mono_ns() + 10ULL * 1000000000ULL;
	while (mono_ns() < deadline) {
		long p = target_running_pid(target, b);
		if (p > 0 && p != not_pid)
			return p;
		if (!tight)
			sleep_ms(1);
	}
	return -1;
}

/* One run of samples: the method, the netlink socket (-1 if none), the
 * samples kept (n; the latencies and the breakdown, in ns) and the fails. */
struct restart_run {
	bool exec_method, overflow;
	int nl;
	struct buf b;
	long n, fails;
	uint64_t *lat, *k2x, *x2f, *f2e, *e2r;
};

/* Opens a pidfd of pid and SIGKILLs it through that, starting c's clock
 * (*t_kill); -1 when pid is gone already. */
static int restart_kill(long pid, struct restart_ctx *c, uint64_t *t_kill)
{
	int pfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pfd < 0)
		return -1;
	*c = (struct restart_ctx){ .parent = (pid_t)opt_parent, .victim = (pid_t)pid };
	*t_kill = mono_ns();
	c->kill_ns = *t_kill;
	if (syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) < 0)
		die("pidfd_send_signal");
	close(pfd);
	return 0;
}

/* Method exec: the replacement's exec event (nothing asked of the daemon
 * meanwhile) is *t_back; then the status naming it, for exec->running.
 * The new pid, or 0 without an exec event (r->overflow on an overflow). */
static long restart_wait_exec(struct restart_run *r, long pid, struct restart_ctx *c, uint64_t *t_back)
{
	bool stop = false;
	uint64_t deadline = c->kill_ns + 10ULL * 1000000000ULL;
	while (!stop && mono_ns() < deadline)
		if (nl_read(r->nl, 100, restart_ev, c, &stop) < 0) {
			r->overflow = true;
			return 0;
		}
	if (!stop)
		return 0;
	*t_back = c->exec_ns;
	long newpid = wait_running_pid(opt_target, pid, &r->b, 0);
	r->e2r[r->n] = mono_ns() - c->exec_ns;   /* kept only if the sample is */
	return newpid;
}

/* Method status: statuses back to back until a new pid runs (*t_back);
 * then the events queued meanwhile give kill->exec under that load. */
static long restart_wait_status(struct restart_run *r, long pid, struct restart_ctx *c, uint64_t *t_back)
{
	long newpid = wait_running_pid(opt_target, pid, &r->b, 1);
	*t_back = mono_ns();
	bool stop = false;
	for (int k = 0; r->nl >= 0 && !stop && k < 20; k++)
		if (nl_read(r->nl, 50, restart_ev, c, &stop) < 0)
			break;
	return newpid;
}

/* RVBENCH_TRACE: one line per sample on stderr. */
static void restart_trace(long i, long pid, long newpid, const struct restart_ctx *c, uint64_t t_kill,
			  uint64_t t_back)
{
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	fprintf(stderr, "sample %ld: old %ld new %ld latency_us %.0f (at %ld.%03ld) child %d exit %+.0f fork %+.0f exec %+.0f us\n",
		i, pid, newpid, ((double)t_back - (double)t_kill) / 1e3, (long)rt.tv_sec, rt.tv_nsec / 1000000,
		c->child, c->exit_ns ? ((double)c->exit_ns - (double)t_kill) / 1e3 : 0,
		c->fork_ns ? ((double)c->fork_ns - (double)t_kill) / 1e3 : 0,
		c->exec_ns ? ((double)c->exec_ns - (double)t_kill) / 1e3 : 0);
}

static void restart_keep(struct restart_run *r, const struct restart_ctx *c, uint64_t t_kill, uint64_t t_back)
{
	long n = r->n;

	r->lat[n] = t_back - t_kill;
	r->f2e[n] = c->exec_ns > t_kill ? c->exec_ns - t_kill : 0;   /* status: kill->exec */
	if (r->exec_method) {
		r->k2x[n] = c->exit_ns > t_kill ? c->exit_ns - t_kill : 0;
		r->x2f[n] = c->fork_ns > c->exit_ns && c->exit_ns ? c->fork_ns - c->exit_ns : 0;
		r->f2e[n] = c->exec_ns - c->fork_ns;
	}
	r->n++;
}

/* Sample i (the first opt_warmup are dropped): kills *pid and waits for
 * its replacement, which becomes *pid; after a fail, *pid is whatever runs
 * then. 0, or -1 on a netlink overflow. */
static int restart_sample(struct restart_run *r, long i, long *pid)
{
	struct restart_ctx c;
	uint64_t t_kill, t_back = 0;
	long newpid;

	if (*pid <= 0) {
		r->fails++;
		*pid = wait_running_pid(opt_target, 0, &r->b, 0);
		return 0;
	}
	sleep_ms(5);   /* let the supervisor settle: each sample starts from idle */
	if (restart_kill(*pid, &c, &t_kill) < 0)
		newpid = 0;
	else if (r->exec_method)
		newpid = restart_wait_exec(r, *pid, &c, &t_back);
	else
		newpid = restart_wait_status(r, *pid, &c, &t_back);
	if (r->overflow)
		return -1;
	if (newpid <= 0) {
		r->fails++;
		*pid = wait_running_pid(opt_target, *pid, &r->b, 0);
		return 0;
	}
	if (getenv("RVBENCH_TRACE"))
		restart_trace(i, *pid, newpid, &c, t_kill, t_back);
	if (i >= opt_warmup)
		restart_keep(r, &c, t_kill, t_back);
	*pid = newpid;
	return 0;
}

static void restart_report(struct restart_run *r)
{
	long n = r->n;
	double mean = 0;
	for (long i = 0; i < n; i++)
		mean += (double)r->lat[i] / 1e3;
	mean = n ? mean / (double)n : -1;
	printf("samples=%ld fails=%ld median_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f mean_us=%.0f",
	       n, r->fails, pct_us(r->lat, n, 50), pct_us(r->lat, n, 90), pct_us(r->lat, n, 99),
	       pct_us(r->lat, n, 100), mean);
	if (r->exec_method)
		printf(" kill_exit_med_us=%.0f exit_fork_med_us=%.0f exit_fork_p99_us=%.0f fork_exec_med_us=%.0f"
		       " exec_status_med_us=%.0f",
		       pct_us(r->k2x, n, 50), pct_us(r->x2f, n, 50), pct_us(r->x2f, n, 99), pct_us(r->f2e, n, 50),
		       pct_us(r->e2r, n, 50));
	else if (r->nl >= 0)
		printf(" kill_exec_while_polling_med_us=%.0f", pct_us(r->f2e, n, 50));
	printf("\n");
}

int cmd_restart(void)
{
	if (!opt_socket || !opt_target || !opt_parent) {
		fprintf(stderr, "rvbench restart: --socket, --target and --parent are required\n");
		return 100;
	}
	struct restart_run r = { .exec_method = strcmp(opt_method, "exec") == 0 };
	/* The status method listens too, to see what its own polling costs:
	 * the replacement's exec, read afterwards from the queued events. */
	r.nl = nl_open();
	if (r.exec_method && r.nl < 0) {
		printf("error=proc-connector-unavailable\n");
		return 1;
	}
	r.lat = calloc((size_t)opt_samples, 8);
	r.k2x = calloc((size_t)opt_samples, 8);
	r.x2f = calloc((size_t)opt_samples, 8);
	r.f2e = calloc((size_t)opt_samples, 8);
	r.e2r = calloc((size_t)opt_samples, 8);
	if (!r.lat || !r.k2x || !r.x2f || !r.f2e || !r.e2r)
		die("calloc");

	long pid = wait_running_pid(opt_target, 0, &r.b, 0);
	for (long i = 0; i < opt_samples + opt_warmup && r.fails < 5; i++)
		if (restart_sample(&r, i, &pid) < 0) {
			printf("error=netlink-overflow\n");
			return 1;
		}
	restart_report(&r);
	return r.n > 0 ? 0 : 1;
}

/* ---- status-cost ---- */

int cmd_status_cost(void)
{
	struct buf b = { 0 };
	uint64_t one[20], all[3];
	size_t bytes = 0;

	if (!opt_socket || !opt_target)
		return 100;
	for (int i = 0; i < 20; i++) {
		uint64_t t = mono_ns();
		if (target_running_pid(opt_target, &b) < 0)
			return 1;
		one[i] = mono_ns() - t;
	}
	for (int i = 0; i < 3; i++) {
		uint64_t t = mono_ns();
		if (running_count(&b) < 0)
			return 1;
		all[i] = mono_ns() - t;
		bytes = b.len;
	}
	printf("one_us=%.0f all_us=%.0f all_bytes=%zu\n", pct_us(one, 20, 50), pct_us(all, 3, 50), bytes);
	return 0;
}
