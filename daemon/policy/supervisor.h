/* SPDX-License-Identifier: MIT */
/*
 * supervisor.h: the set of services and their instances, and the daemon's
 * whole state. Passed explicitly everywhere; there is no global instance.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "policy/backoff.h"
#include "kernel/cgroup_root.h"
#include "config/config.h"
#include "policy/leak.h"
#include "logs/logstream.h"
#include "kernel/loop.h"
#include "kernel/pidref.h"
#include "probe/probe.h"
#include "kernel/spawn.h"
#include "policy/state.h"

#define EXIT_CAUSE_MAX 96

struct exit_info {
	bool valid;
	bool has_code;         /* exited with a code, else killed by `signal` */
	int code;
	int signal;
	char cause[EXIT_CAUSE_MAX];   /* "exited", "killed", "stopped", or the exec error text */
	uint64_t at_ns;
};

/* Counters read from memory.events / pids.events, to see what changed. */
struct cg_seen {
	uint64_t oom_kill, high, pids_max;
};

struct violations {
	uint32_t oom, pids, memory_high, leak;
};

/* What the last probe pass saw of one instance (leakwatch.c). */
struct leak_state {
	struct leak_history hist;       /* cap set from the service's window / sample_every */
	struct leak_trend trend;
	uint32_t fds, threads;          /* sums over every process of the cgroup */
	uint32_t fds_by_kind[_FD_KIND_MAX];
	struct proc_counts *procs;      /* the processes of the last pass, n_procs */
	size_t n_procs;
	uint64_t sampled_ns;            /* 0 = never */
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
	bool start_pending;             /* queued for the batched start (boot, scale) */
	uint32_t restarts;              /* automatic restarts since the daemon began */
	unsigned backoff_n;
	uint64_t started_ns;
	struct exit_info last_exit;
	struct breaker breaker;
	/* cgroup (instance_cgroup.c); cg_fd < 0 when running without cgroups */
	int cg_fd;
	int wd_events, wd_memory, wd_pids;   /* inotify watches, -1 = none */
	struct cg_seen seen;
	struct violations violations;
	bool awaiting_empty;            /* main exited; waiting for populated 0 */
	bool cg_killed;                 /* cgroup.kill was used: recreate before reuse */
	uint64_t cg_id;                 /* inode of the cgroup directory, the probe's key */
	struct leak_state leak;
	bool exit_was_stop;             /* that exit came from a stop */
	bool freeze_wanted;             /* operator or policy asked to freeze */
	const char *pending_cause;      /* violation that explains the coming exit */
	int pending_action;             /* enum violation_action applied at that exit */
	uint64_t last_violation_log_ns;
	const char *last_violation;     /* "oom-kill", "pids-max", "memory-high" */
	uint64_t last_violation_ns;
	uint64_t last_oom_ns;           /* when an OOM kill was last counted */
	/* stdout (and stderr with it, merged) and stderr when separate: the
	 * pipes live as long as the instance, across its restarts. */
	struct logstream *log_out, *log_err;
};

struct service {
	const struct service_config *cfg;
	struct supervisor *sup;
	uint64_t next_sample_ns;        /* leak probe schedule */
	int cg_fd;                      /* <root>/services/<name>, -EBADF without cgroups */
	struct instance **instances;    /* n_instances used, cap allocated, <= CONFIG_MAX_INSTANCES */
	uint32_t n_instances, cap;
};

struct supervisor_options {
	const char *config_path;
	const char *cgroup_root;        /* --cgroup-root: overrides the config */
	const char *probe;              /* --probe: auto|bpf|procfs, overrides the config */
	const char *state_dir;          /* --state-dir: overrides the config */
	bool cgroup_kill_fallback;      /* --cgroup-kill=fallback: the < 5.14 path */
	const char *socket_path;        /* resolved: --socket, env, config, default */
	enum loop_backend backend;
	enum spawn_method spawn;
	size_t front_sources;           /* loop sources and timers the front (control) may hold */
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
	struct logsys logs;             /* capture of every instance's output */
	bool logs_ready;
	const char *socket_path;
	struct cgroup_root cg;          /* cg.fd < 0: running without cgroups */
	char cg_reason[160];            /* why not, shown with each unenforced limit */
	int inotify_fd;
	loop_id inotify_source;
	struct probe *probe;            /* NULL until the first service needs one */
	char probe_why[160];            /* why BPF is not used, when it is not */
	struct loop_timer sample_timer;
	struct probe_target *targets;   /* scratch for one pass, cap_targets */
	struct instance **target_insts; /* the instance of each target */
	size_t cap_targets;
	struct probe_result probe_res;
	uint64_t probe_passes;
	uint64_t probe_cpu_ns_last;
	int state_dir_fd;               /* <state_dir>/snapshots, opened on first use */
	const char *state_dir;          /* NULL = /var/lib/ringvisor */
	bool shutting_down;
	bool shutdown_done;
	struct loop_timer start_timer;  /* runs queued starts, a batch per loop turn */
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
/* instance_cgroup.c: the instance's cgroup, its events and its figures. */
int supervisor_cgroup_setup(struct supervisor *s, const char *root_opt, bool kill_fallback);
void supervisor_cgroup_done(struct supervisor *s);
int instance_cgroup_prepare(struct instance *inst);     /* fd for CLONE_INTO_CGROUP, or -1 */
/* After the main process exited: true if the tree still has processes (they
 * have been killed; instance_tree_gone() follows on populated 0). */
bool instance_cgroup_drain(struct instance *inst);
void instance_cgroup_kill(struct instance *inst);
int instance_cgroup_freeze(struct instance *inst, bool frozen);
void instance_cgroup_release(struct instance *inst);
void instance_cgroup_check_violations(struct instance *inst);
json_object *instance_cgroup_status(const struct instance *inst);
json_object *service_limits_status(const struct service *svc);
/* Logs every limit that cannot be enforced; an error with strict_limits. */
int supervisor_check_limits(struct supervisor *s);
void instance_tree_gone(struct instance *inst);          /* service.c */
enum violation_action { VIOLATION_LOG, VIOLATION_IGNORE, VIOLATION_RESTART, VIOLATION_STOP, VIOLATION_FREEZE };
void instance_violation(struct instance *inst, const char *cause, enum violation_action action); /* service.c */

/* leakwatch.c: sampling fds/threads per instance, verdicts, the leak policy. */
int supervisor_leak_setup(struct supervisor *s, const struct supervisor_options *o);
void supervisor_leak_done(struct supervisor *s);
void instance_leak_done(struct instance *inst);
json_object *leaks_json(struct supervisor *s, const char *service, int index);
/* snapshot.c: freeze, save the evidence as JSON, thaw unless keep_frozen. */
int instance_snapshot(struct instance *inst, bool keep_frozen, char *path, size_t len);
json_object *snapshots_json(struct supervisor *s, const char *service);

/* Called by service.c when an instance has no process any more: frees a
 * retired instance, and ends the loop once a shutdown has nothing left. */
void supervisor_instance_settled(struct instance *inst);
