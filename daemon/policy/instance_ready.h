/* SPDX-License-Identifier: MIT */
/*
 * instance_ready.h: an instance's readiness, watchdog and health
 * (docs/readiness.md). instance.c calls in at each step of a process's
 * life; what follows from a check (ready, a failed start, a violation)
 * goes back through the hooks it gave, never by calling it.
 *
 *   spawn      readiness.fd: a pipe, its write end given as fd N;
 *              notify: NOTIFY_SOCKET (and WATCHDOG_USEC) in the env
 *   exec ok    the start_timeout runs; the check starts (tcp, http and
 *              exec every interval; fd and notify wait for their news)
 *   ready      the check stops; the watchdog and the health check start
 *   frozen     everything pauses (a frozen process answers nothing)
 *   ended      everything stops
 *
 * Only a service with readiness, a watchdog or a health check has one of
 * these (allocated at its first start): the others pay nothing.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "basic/notify_msg.h"
#include "kernel/spawn.h"
#include "policy/check.h"
#include "policy/instance_env.h"
#include "policy/state.h"
#include "policy/violation.h"

struct instance;

struct instance_ready_hooks {
	void (*ready)(struct instance *inst);                    /* passed: EV_READY */
	void (*not_ready)(struct instance *inst);                /* start_timeout: a failed start */
	void (*violation)(struct instance *inst, enum violation_kind kind);   /* watchdog, health */
};

/* Health as status shows it. */
enum health_state { HEALTH_UNKNOWN, HEALTH_HEALTHY, HEALTH_UNHEALTHY };

struct instance_ready {
	struct check *ready_check;      /* tcp, http, exec; NULL for the other kinds */
	struct check *health_check;     /* NULL without health */
	struct loop_timer deadline;     /* start_timeout until ready, then the watchdog */
	int fd_read;                    /* readiness.fd: the pipe's read end */
	int fd_write;                   /* its write end, until the child has it */
	loop_id fd_source;
	uint64_t exec_ns;               /* the process was spawned: ready_after_ms counts from here */
	uint64_t ready_ns;              /* it became ready; 0: not (yet) */
	uint64_t watchdog_usec;         /* the period now (WATCHDOG_USEC= may change it) */
	uint64_t last_ping_ns;
	uint64_t notify_messages;
	bool reloading, stopping;       /* what the service said (RELOADING=1, STOPPING=1) */
	bool ready_seen;                /* READY=1 received for this process */
	char status_text[NOTIFY_STATUS_MAX + 1];   /* the last STATUS= */
	enum health_state health;
	uint32_t fails_in_row, oks_in_row;
	bool paused;
	const struct instance_ready_hooks *hooks;
};

/* A service that needs one: readiness, watchdog or health configured. */
bool instance_ready_wanted(const struct service_config *cfg);
/* Before spawn: the fd to pass (readiness.fd), NOTIFY_SOCKET and
 * WATCHDOG_USEC in b. -errno: a failed start. */
int instance_ready_prepare(struct instance *inst, struct spawn_params *p, struct env_buf *b);
void instance_ready_spawned(struct instance *inst);   /* after spawn: the write end closes */
/* The hooks for what follows from the checks; before the first spawn. */
int instance_ready_new(struct instance *inst, const struct instance_ready_hooks *h);
void instance_ready_exec(struct instance *inst);
void instance_ready_became_ready(struct instance *inst);
void instance_ready_pause(struct instance *inst, bool paused);
/* Called at every change of state: starts, pauses and ends what runs. */
void instance_ready_follow(struct instance *inst, enum instance_state prev, enum instance_state next);
void instance_ready_end(struct instance *inst);
void instance_ready_free(struct instance *inst);
/* An sd_notify message from the instance's cgroup (or session). */
void instance_ready_notify(struct instance *inst, const struct notify_msg *m);
/* The reaper found pid exited: true when it was one of the instance's
 * exec checks (now reaped and judged). */
bool instance_ready_reap(struct instance *inst, pid_t pid);
