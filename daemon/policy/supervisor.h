/* SPDX-License-Identifier: MIT */
/*
 * supervisor.h: the daemon's whole state: the services and their
 * instances, the loop, signals and reaping, the cgroup subtree, the leak
 * watch, log capture, and shutdown. Passed explicitly everywhere; there is
 * no global instance. The front (control/) is built on top of it by
 * main.c; nothing here calls it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "basic/self_stat.h"
#include "config/config.h"
#include "kernel/fdstore.h"
#include "kernel/inherited_fds.h"
#include "kernel/loop.h"
#include "kernel/spawn.h"
#include "logs/logsys.h"
#include "policy/leakwatch.h"
#include "policy/runtime.h"
#include "policy/service.h"
#include "policy/snapshot.h"
#include "policy/supervisor_adopt.h"
#include "policy/supervisor_cgroup.h"
#include "policy/supervisor_notify.h"

struct supervisor_options {
	const char *config_path;
	const char *cgroup_root;        /* --cgroup-root: overrides the config */
	const char *probe;              /* --probe: auto|bpf|procfs, overrides the config */
	const char *state_dir;          /* --state-dir: overrides the config */
	bool cgroup_kill_fallback;      /* --cgroup-kill=fallback: the < 5.14 path */
	const char *socket_path;        /* resolved: --socket, env, config, default */
	enum loop_backend backend;
	enum spawn_method spawn;
	bool no_log_splice;             /* --log-splice=off: every byte through the framer */
	size_t front_sources;           /* loop sources and timers the front (control) may hold */
	char **argv;                    /* the daemon's own, for reexec */
	const char *self_exe;           /* the daemon's binary, for its fd store; NULL: no store
	                                 * (a test linking the daemon's code) */
	struct inherited_fds *inherited;   /* output pipes our previous image passed (reexec) */
};

struct supervisor {
	struct config *config;
	struct loop *loop;
	struct runtime rt;              /* what instances share; hooks point back here */
	/* n_services: the config's, in its order, then those a reload removed
	 * while they stop (service.removed); rebuilt by reload. */
	struct service *services;
	size_t n_services;
	/* The live services by name (supervisor_index_services): a command
	 * names one, and 10 000 strcmp()s a request would be the daemon's
	 * largest cost per command. Two names of one hash: a plain search. */
	struct idmap by_name;
	bool names_collide;
	int sigfd;
	loop_id sig_source;
	struct logsys logs;             /* capture of every instance's output */
	bool logs_ready;
	const char *socket_path;
	struct supervisor_cgroup cg;
	struct leakwatch leaks;
	struct snapshots snapshots;
	bool shutdown_done;
	struct loop_timer shutdown_kill_timer;
	struct loop_timer shutdown_deadline_timer;
	uint64_t started_ns;
	uint64_t orphans_reaped;
	int exit_code;
	bool exit_code_set;             /* by on_exit: shutdown (supervisor_exit.c): it wins */
	char exit_why[128 + CONFIG_MAX_NAME_LEN];
	struct loop_timer exit_timer;
	bool has_checks;                /* some service has readiness, a watchdog or health */
	bool has_deps;                  /* some service has depends_on: starts and stops in order */
	unsigned n_waiting;             /* services whose queued starts wait for depends_on */
	struct supervisor_notify notify;
	char *own_notify;               /* $NOTIFY_SOCKET of the daemon itself; NULL: none */
	bool ready_sent;
	char *config_path;              /* what reload reads by default */
	/* Configs replaced by a reload, kept while something points into them
	 * (stopping instances, log streams still writing). */
	struct config *retired[4];
	size_t n_retired;
	uint64_t reloads;
	/* Leftovers of a previous daemon kept at the sweep, taken back once
	 * the instances exist (supervisor_adopt.c). */
	struct adoptee *adoptees;
	size_t n_adoptees, cap_adoptees;
	struct fdstore fdstore;         /* holds the output pipes beyond our death */
	const char *self_exe;
	struct pidref old_holders[4];   /* a previous daemon's fd stores: killed once adopted */
	size_t n_old_holders;
	struct loop_timer state_timer;  /* supervisor_state.c: the debounced write */
	char **argv;                    /* the daemon's, for reexec */
	bool reexec;                    /* the loop ends to exec the binary again */
	struct loop_timer reexec_timer;
	struct self_stat self;          /* the daemon's own fds and memory, for status and metrics */
};

int supervisor_new(const struct supervisor_options *o, struct config *c, struct supervisor **ret);
struct supervisor *supervisor_free(struct supervisor *s);
int supervisor_run(struct supervisor *s);   /* returns the daemon's exit code */
void supervisor_shutdown(struct supervisor *s, const char *why);

#include "policy/supervisor_lookup.h"   /* supervisor_find_service, supervisor_find_pid */
