/* SPDX-License-Identifier: MIT */
/*
 * check.h: one instance's periodic check, for readiness or health: a tcp or
 * http check through kernel/netcheck, or a command (exec). Nothing here
 * blocks the loop: sockets are non-blocking, a command is a child like any
 * other, watched through its pidfd.
 *
 * A command runs as the service runs (its user, env, cwd, output), in a
 * cgroup of its own beside the instance, services/<svc>/probe-<index>-<n>
 * (or, without cgroups, in a session of its own), and is killed whole at
 * its timeout: its cgroup is killed, so a probe that forks, hangs or leaves
 * a setsid grandchild leaves nothing behind. Leftovers of a probe that
 * exited on time are killed the same way. A cgroup that cgroup.kill has hit
 * is never reused (a child cloned into it dies at birth on this kernel): the
 * next run takes the other of two names while the old one is removed.
 *
 * One run at a time; the next is scheduled by the owner, after the result,
 * so a slow check never overlaps itself.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "kernel/loop.h"
#include "kernel/netcheck.h"
#include "basic/idmap.h"
#include "kernel/pidref.h"
#include "kernel/spawn.h"

#define CHECK_DETAIL_MAX 128
/* Checks in flight at once, over the whole daemon: probe processes, and
 * sockets of tcp/http checks. A check due while its kind is full waits a
 * short random moment (CHECK_DEFER_MIN_MS..+CHECK_DEFER_SPREAD_MS) and
 * tries again; each wait is counted. */
#define CHECK_EXEC_IN_FLIGHT_MAX 32
#define CHECK_NET_IN_FLIGHT_MAX 256
#define CHECK_DEFER_MIN_MS 20
#define CHECK_DEFER_SPREAD_MS 80

/* Shared by every check of the daemon (the runtime holds it). */
struct check_pool {
	unsigned running[2];            /* [0]: tcp/http sockets, [1]: probe processes */
	unsigned max[2];
	uint64_t deferred;              /* runs put off because their kind was full */
	uint32_t rnd;                   /* xorshift32 for the wait, never 0 */
	struct idmap children;          /* pid -> struct check running it, for the reaper */
};

void check_pool_init(struct check_pool *pool);
void check_pool_done(struct check_pool *pool);

struct check;
/* ok, and a short text for status ("HTTP 200", "exit 1", "timed out after 1s"). */
typedef void (*check_done_fn)(struct check *c, bool ok, const char *detail, void *userdata);
/* exec: the owner fills in how its service runs (identity, env, output). */
typedef void (*check_params_fn)(struct check *c, struct spawn_params *p, void *userdata);

struct check {
	struct loop *loop;
	const struct check_config *cfg;
	enum spawn_method method;
	check_done_fn done;
	check_params_fn params;
	void *userdata;
	struct check_pool *pool;        /* NULL: unbounded (tests) */
	bool in_pool;                   /* this run holds a place in pool->running */
	struct loop_timer timer;        /* the next run, or the running command's timeout */
	struct netcheck net;            /* tcp, http */
	struct netcheck_target target;
	/* exec */
	int parent_cg_fd;               /* services/<svc>; -EBADF without cgroups */
	bool has_kill;                  /* cgroup.kill exists */
	unsigned index;
	unsigned generation;            /* which of the two cgroup names is next */
	int cg_fd;                      /* the running command's cgroup, or -EBADF */
	char cg_name[32];
	bool stale[2];                  /* a killed cgroup of that name still to remove */
	struct pidref child;
	loop_id child_source;
	int errpipe;
	bool timed_out;
	uint64_t started_ns;
	/* The last result, for status. */
	uint64_t runs;
	bool last_ok;
	char last_detail[CHECK_DETAIL_MAX];
	uint64_t last_ns;               /* when it ended; 0: never */
	uint64_t last_duration_ms;
};

/* parent_cg_fd: where exec probes get their cgroups (-EBADF: none). */
void check_init(struct check *c, struct loop *l, const struct check_config *cfg, enum spawn_method method,
		int parent_cg_fd, bool has_kill, unsigned index, check_done_fn done, check_params_fn params,
		void *userdata);
/* Stops what runs (a command is killed whole and reaped), no callback;
 * removes its cgroups. */
void check_done(struct check *c);
/* The next run, delay_ms from now. -errno when the timer cannot be armed. */
int check_schedule(struct check *c, uint64_t delay_ms);
/* Stops the run in flight and the timer, no callback (the instance ended). */
void check_cancel(struct check *c);
bool check_running(const struct check *c);
/* The check of pool whose command is pid; NULL: none. */
struct check *check_pool_find(const struct check_pool *pool, pid_t pid);
/* The running command's pid, for the daemon's reaper; 0: none. */
pid_t check_child_pid(const struct check *c);
/* The command may have exited (its pidfd, or the reaper saw it). */
void check_child_exited(struct check *c);
