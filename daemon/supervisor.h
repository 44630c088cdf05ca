/* SPDX-License-Identifier: MIT */
/*
 * supervisor.h: the set of services and their instances, and the daemon's
 * whole state. Passed explicitly everywhere; there is no global instance.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "backoff.h"
#include "config.h"
#include "loop.h"
#include "pidref.h"
#include "spawn.h"
#include "state.h"

struct control;

#define EXIT_CAUSE_MAX 96

struct exit_info {
	bool valid;
	bool has_code;         /* exited with a code, else killed by `signal` */
	int code;
	int signal;
	char cause[EXIT_CAUSE_MAX];   /* "exited", "killed", "stopped", or the exec error text */
	uint64_t at_ns;
};

struct instance {
	struct service *svc;
	unsigned index;
	enum instance_state state;
	uint64_t state_since_ns;
	struct pidref pid;
	loop_id pid_source;
	int errpipe;
	loop_id err_source;
	struct spawn_error exec_error;  /* step == 0: none seen */
	struct loop_timer timer;        /* backoff, grace, or half-open */
	bool restart_pending;           /* start again once the stop completes */
	bool kill_sent;
	bool retiring;                  /* scaled down: freed once stopped */
	uint32_t restarts;              /* automatic restarts since the daemon began */
	unsigned backoff_n;
	uint64_t started_ns;
	struct exit_info last_exit;
	struct breaker breaker;
};

struct service {
	const struct service_config *cfg;
	struct supervisor *sup;
	struct instance **instances;    /* n_instances used, cap allocated, <= CONFIG_MAX_INSTANCES */
	uint32_t n_instances, cap;
};

struct supervisor_options {
	const char *config_path;
	const char *socket_path;        /* resolved: --socket, env, config, default */
	enum loop_backend backend;
	enum spawn_method spawn;
};

struct supervisor {
	struct config *config;
	struct loop *loop;
	struct service *services;
	size_t n_services;
	uint64_t total_instances;       /* current, <= CONFIG_MAX_INSTANCES_TOTAL */
	uint64_t live_processes;        /* instances with an unreaped main process */
	enum spawn_method spawn_method;
	int sigfd;
	loop_id sig_source;
	struct control *control;
	const char *socket_path;
	bool shutting_down;
	struct loop_timer shutdown_kill_timer;
	struct loop_timer shutdown_deadline_timer;
	uint64_t started_ns;
	uint64_t orphans_reaped;
	uint32_t rnd_state;
	int exit_code;
};

int supervisor_new(const struct supervisor_options *o, struct config *c, struct supervisor **ret);
struct supervisor *supervisor_free(struct supervisor *s);
int supervisor_run(struct supervisor *s);   /* returns the daemon's exit code */
void supervisor_shutdown(struct supervisor *s, const char *why);

struct service *supervisor_find_service(struct supervisor *s, const char *name);
int service_scale(struct service *svc, uint32_t n);   /* -ERANGE beyond the bounds */
uint32_t supervisor_random(struct supervisor *s);

/* service.c: one instance's life. */
int instance_new(struct service *svc, unsigned index, struct instance **ret);
void instance_free(struct instance *inst);
void instance_event(struct instance *inst, enum instance_event e, const char *why);
void instance_handle_exit(struct instance *inst);   /* reap via the pidfd and act */
int instance_signal(struct instance *inst, int sig);
struct instance *supervisor_find_pid(struct supervisor *s, pid_t pid);
/* Called by service.c when an instance has no process any more: frees a
 * retired instance, and ends the loop once a shutdown has nothing left. */
void supervisor_instance_settled(struct instance *inst);
