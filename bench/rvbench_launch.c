/* SPDX-License-Identifier: MIT */
/*
 * rvbench_launch.c: `rvbench launch`, the start of every service. It opens
 * the proc connector before the daemon exists, forks a detached watcher
 * and becomes the daemon (same pid), taking t0 just before execve. The
 * watcher counts the daemon's children forked and exec'd from the kernel's
 * events, then polls status until all of them are running, and writes
 * "forked_ms= exec_ms= running_ms= polls= netlink=" to the result file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rvbench.h"

/* ---- launch ---- */

struct launch_ctx {
	pid_t daemon, skip;
	uint8_t *children;
	long forked, execd;
	uint64_t last_fork_ns, last_exec_ns;
};

static bool launch_ev(const struct proc_event *ev, void *vctx)
{
	struct launch_ctx *c = vctx;

	if (ev->what == PROC_EVENT_FORK) {
		const struct fork_proc_event *f = &ev->event_data.fork;
		if (f->parent_tgid == c->daemon && f->child_pid == f->child_tgid &&
		    f->child_tgid != c->skip && (unsigned)f->child_tgid < PID_BITMAP_MAX) {
			BIT_SET(c->children, f->child_tgid);
			c->forked++;
			c->last_fork_ns = ev->timestamp_ns;
		}
	} else if (ev->what == PROC_EVENT_EXEC) {
		const struct exec_proc_event *e = &ev->event_data.exec;
		if ((unsigned)e->process_tgid < PID_BITMAP_MAX && BIT_GET(c->children, e->process_tgid)) {
			BIT_CLR(c->children, e->process_tgid);
			c->execd++;
			c->last_exec_ns = ev->timestamp_ns;
		}
	}
	return c->forked >= opt_count && c->execd >= opt_count;
}

static void write_result(const char *text)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", opt_result);
	FILE *f = fopen(tmp, "w");
	if (!f)
		die("fopen result");
	fputs(text, f);
	fclose(f);
	if (rename(tmp, opt_result) < 0)
		die("rename result");
}

static void watcher(int nl, pid_t daemon, volatile uint64_t *t0, pid_t skip)
{
	struct launch_ctx c = { .daemon = daemon, .skip = skip, .children = pid_bitmap() };
	struct buf b = { 0 };
	uint64_t deadline;
	const char *netlink = "ok";
	long polls = 0;
	char out[512];

	while (*t0 == 0)   /* the daemon side sets t0 just before execve */
		sleep_ms(0);
	deadline = *t0 + (uint64_t)opt_timeout_s * 1000000000ULL;
	/* Phase 1, passive: wait until every child has been forked (and exec'd). */
	if (nl >= 0) {
		bool stop = false;
		while (!stop && mono_ns() < deadline) {
			if (nl_read(nl, 100, launch_ev, &c, &stop) < 0) {
				netlink = "overflow";
				break;
			}
			if (kill(daemon, 0) < 0 && errno == ESRCH)
				break;
		}
		close(nl);
	} else {
		netlink = "unavailable";
	}
	/* Phase 2: poll status until every one is running. */
	uint64_t running_ns = 0;
	while (mono_ns() < deadline) {
		long n = running_count(&b);
		polls++;
		if (n >= opt_count) {
			running_ns = mono_ns();
			break;
		}
		if (kill(daemon, 0) < 0 && errno == ESRCH)
			break;
		sleep_ms(opt_interval_ms);
	}
#define MS(t) ((t) ? ((double)(t) - (double)*t0) / 1e6 : -1.0)
	snprintf(out, sizeof(out), "forked_ms=%.1f exec_ms=%.1f running_ms=%.1f polls=%ld netlink=%s forked=%ld execd=%ld\n",
		 c.forked >= opt_count ? MS(c.last_fork_ns) : -1.0,
		 c.execd >= opt_count ? MS(c.last_exec_ns) : -1.0,
		 MS(running_ns), polls, netlink, c.forked, c.execd);
	write_result(out);
	exit(0);
}

int cmd_launch(char **cmd)
{
	if (!opt_result || !opt_socket || !cmd[0]) {
		fprintf(stderr, "rvbench launch: --result, --socket and a command are required\n");
		return 100;
	}
	volatile uint64_t *t0 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t0 == MAP_FAILED)
		die("mmap");
	*t0 = 0;
	int nl = nl_open();   /* before the daemon exists: no event is missed */
	pid_t self = getpid();
	pid_t a = fork();
	if (a < 0)
		die("fork");
	if (a == 0) {
		/* Double fork: the watcher must not be the daemon's child (it would
		 * be reaped as an orphan and show in the daemon's counters), nor
		 * hold the caller's stdout open. */
		setsid();
		pid_t middle = getpid();
		pid_t w = fork();
		if (w < 0)
			die("fork");
		if (w == 0) {
			char path[4096];
			int dn = open("/dev/null", O_RDWR | O_CLOEXEC);
			snprintf(path, sizeof(path), "%s.err", opt_result);
			int ef = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (dn >= 0) {
				dup2(dn, 0);
				dup2(dn, 1);
			}
			if (ef >= 0)
				dup2(ef, 2);
			snprintf(path, sizeof(path), "%s.pid", opt_result);
			FILE *f = fopen(path, "w");
			if (f) {
				fprintf(f, "%d\n", (int)getpid());
				fclose(f);
			}
			watcher(nl, self, t0, middle);
		}
		_exit(0);
	}
	while (waitpid(a, NULL, 0) < 0 && errno == EINTR)
		;
	if (nl >= 0)
		close(nl);
	*t0 = mono_ns();
	execvp(cmd[0], cmd);
	die("execvp");
	return 2;
}
