/* SPDX-License-Identifier: MIT */
/*
 * rvbench.h: what the parts of rvbench (bench/rvbench.c, the measuring half
 * of bench/run.sh) share: the options, the clock, the status requests to
 * either supervisor (rvbench_ctl.c), the proc connector's events
 * (rvbench_ctl.c) and the commands, one file each: launch
 * (rvbench_launch.c), restart and status-cost (rvbench_restart.c), floor
 * (rvbench_floor.c). Every part defines _GNU_SOURCE before any include.
 */
#pragma once

#include <linux/cn_proc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PID_BITMAP_MAX (1U << 22) /* PID_MAX_LIMIT on 64-bit */

#define BIT_SET(m, p) ((m)[(unsigned)(p) / 8] |= (uint8_t)(1U << ((unsigned)(p) % 8)))
#define BIT_CLR(m, p) ((m)[(unsigned)(p) / 8] &= (uint8_t)~(1U << ((unsigned)(p) % 8)))
#define BIT_GET(m, p) ((m)[(unsigned)(p) / 8] & (1U << ((unsigned)(p) % 8)))

/* The options (rvbench.c), as given on the command line. */
extern const char *opt_proto, *opt_socket, *opt_target, *opt_result, *opt_method;
extern long opt_count, opt_interval_ms, opt_timeout_s, opt_samples, opt_parent;
extern long opt_warmup;

/* rvbench.c: errors, the clock, percentiles. */
_Noreturn void die(const char *what);
uint64_t mono_ns(void);
void sleep_ms(long ms);
/* Nearest-rank percentile, in microseconds (sorts v). */
double pct_us(uint64_t *v, long n, double p);

/* ---- rvbench_ctl.c: control sockets ---- */

struct buf {
	char *p;
	size_t len, cap;
};

/* Number of instances (rv) or programs (sv) running; -1 if unreachable. */
long running_count(struct buf *b);
/* pid of target if it is running, 0 if not, -1 if unreachable. */
long target_running_pid(const char *target, struct buf *b);

/* ---- rvbench_ctl.c: proc connector ---- */

/* Calls fn for each event; returns 0, or -1 on overflow or error. timeout_ms < 0 blocks. */
typedef bool (*ev_fn)(const struct proc_event *ev, void *ctx);   /* true: stop */

int nl_open(void);
int nl_read(int fd, int timeout_ms, ev_fn fn, void *ctx, bool *stop);
uint8_t *pid_bitmap(void);

/* ---- the commands ---- */

int cmd_launch(char **cmd);
int cmd_restart(void);
int cmd_status_cost(void);
int cmd_floor(void);
