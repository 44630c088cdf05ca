/* SPDX-License-Identifier: MIT */
/*
 * instance.h: one instance of a service and its whole life: spawn, exit,
 * restart and backoff, stop and escalation, freeze, violations. Every
 * change of state goes through the table in state.c; the only news that
 * leaves an instance goes through the hooks in struct runtime.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "kernel/loop.h"
#include "kernel/pidref.h"
#include "kernel/spawn.h"
#include "logs/logstream.h"
#include "policy/backoff.h"
#include "policy/instance_cgroup.h"
#include "policy/instance_record.h"
#include "policy/leak.h"
#include "policy/runtime.h"
#include "policy/state.h"
#include "policy/violation.h"
#include "probe/probe_result.h"

struct service;
struct instance_ready;

struct exit_info {
	bool valid;
	bool has_code;         /* exited with a code, else killed by `signal` */
	int code;
	int signal;
	const char *cause;     /* "exited", "killed", "stopped", a violation: static text; or
	                        * the error, in cause_buf (instance_exit.h), not an array in
	                        * every instance (docs/design.md, "Memory per instance") */
	char *cause_buf;       /* owned; NULL: the cause is static */
	uint64_t at_ns;
};

/* What the last probe pass saw of one instance (leakwatch.c). */
struct leak_state {
	struct leak_history hist;       /* cap set from the service's window / sample_every */
	struct leak_verdicts last;      /* of the last sample; the figures: leak_evaluate_again() */
	uint32_t fds, threads;          /* sums over every process of the cgroup */
	uint64_t memory;                /* bytes: memory.current, or the processes' RSS */
	const char *memory_source;      /* "memory.current", "rss" */
	bool no_memory_current;         /* the first read found none: RSS from then on */
	uint32_t leaks;                 /* times it turned leaking, kept across restarts */
	uint64_t leaked_ns;             /* when it last turned leaking, 0: never */
	uint32_t fds_by_kind[_FD_KIND_MAX];
	struct proc_counts *procs;      /* the processes of the last pass, n_procs */
	size_t n_procs;
	uint64_t sampled_ns;            /* 0 = never */
};

struct instance {
	struct runtime *rt;
	uint64_t serial;                /* unique over the daemon's life: this instance, not its slot */
	struct service *svc;            /* the owner's; never looked into here */
	const struct service_config *cfg;
	int parent_cg_fd;               /* services/<svc>, -EBADF without cgroups */
	unsigned index;
	enum instance_state state;      /* assigned in instance.c's enter() only */
	uint64_t state_since_ns;
	struct pidref pid;
	loop_id pid_source;
	int errpipe;
	loop_id err_source;
	struct spawn_error exec_error;  /* step == 0: none seen */
	struct loop_timer timer;        /* backoff, grace, or half-open */
	bool restart_pending;           /* start again once the stop completes */
	bool end_asked;                 /* an operator, scale or shutdown decides how this process
	                                 * ends: stopped, or started again if restart_pending */
	bool kill_sent;
	bool retiring;                  /* scaled down: freed once stopped */
	bool adopted;                   /* its process was started by a previous daemon: not
	                                 * our child, its exit status is not ours to read */
	bool record_warned;             /* its record for a later daemon could not be written */
	bool start_pending;             /* queued for the batched start (boot, scale) */
	uint32_t restarts;              /* automatic restarts since the daemon began */
	unsigned backoff_n;
	uint64_t started_ns;
	struct exit_info last_exit;
	struct breaker breaker;
	struct instance_cgroup cg;      /* cg.fd < 0: not in a cgroup (see cg.error) */
	bool awaiting_empty;            /* main exited; waiting for populated 0 */
	bool exit_was_stop;             /* that exit came from a stop */
	bool freeze_wanted;             /* operator or policy asked to freeze */
	enum violation_kind pending_violation;   /* explains the coming exit; _INVALID: none */
	enum violation_action pending_action;    /* applied at that exit */
	uint32_t violations[_VIOLATION_KIND_MAX];
	enum violation_kind last_violation;      /* _INVALID: none yet */
	uint64_t last_violation_ns, last_violation_log_ns;
	struct leak_state leak;
	struct instance_ready *rd;      /* readiness, watchdog, health; NULL: none configured */
	enum exit_verdict last_verdict; /* of the last end that was judged */
	bool judge_stop;                /* the daemon stopped it for a failed start (readiness):
	                                 * its end is judged by the restart policy, as a failure */
	/* stdout (and stderr with it, merged) and stderr when separate: the
	 * pipes live as long as the instance, across its restarts. */
	struct logstream *log_out, *log_err;
};

int instance_new(struct runtime *rt, struct service *svc, const struct service_config *cfg,
		 int parent_cg_fd, unsigned index, struct instance **ret);
/* An operator's or the scheduler's wish: EV_START, EV_STOP, EV_RESTART. */
void instance_event(struct instance *inst, enum instance_event e, const char *why);
/* The main process may have exited: reap it through its pidfd and act. */
void instance_handle_exit(struct instance *inst);
/* Takes back a process a previous daemon started (supervisor_adopt.c
 * checked it is the one rec describes): running (ready if it was) from
 * now on, supervised as if started here. -errno: pid left to the caller. */
int instance_adopt(struct instance *inst, struct pidref *pid, const struct instance_record *rec);
/* Freeze or thaw its cgroup; -EOPNOTSUPP without one. */
int instance_freeze(struct instance *inst, bool frozen);
/* Counts a violation of `kind` and applies the service's action for it. */
void instance_violation(struct instance *inst, enum violation_kind kind);

