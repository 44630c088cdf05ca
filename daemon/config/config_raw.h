/* SPDX-License-Identifier: MIT */
/*
 * config_raw.h: the config as libcyaml loads it, between the stages of
 * config_load(), private to config/.
 *
 *   file ──read (bounded)──▶ source YAML
 *        ──config_tree_load()──▶ every unknown and duplicate key reported,
 *          its pair marked to be left out; the tree kept for positions
 *        ──config_yaml_rewrite()──▶ schema YAML: `services:` and `env:`
 *          mappings (arbitrary keys, which libcyaml cannot describe) become
 *          sequences of {name: KEY, ...} and {key: K, value: V}
 *        ──config_schema_load()──▶ struct raw_config: every scalar a string,
 *          unknown keys, shapes and lengths checked by libcyaml
 *        ──config_validate()──▶ struct config: numbers, bounds, names
 *
 * The tree pass reports every unknown and duplicate key; the rewrite and
 * libcyaml then stop at the first other shape error (nothing after it can
 * be trusted); validation collects every error, each at its key's position.
 * A schema error is reported against the source file: its libcyaml path is
 * mapped back through config_yaml_locate(), so a service is named by its key
 * and the line number is the user's line, not the rewritten buffer's.
 */
#pragma once

#include "config/config.h"

#define CONFIG_IO_RULE_LEN_MAX 256 /* "MAJ:MIN" and four key=N need about 130 */

/* The config as libcyaml loads it: all scalars are strings, so that numbers
 * are parsed strictly here and every bad value can be reported at once. */
struct raw_env {
	char *key;
	char *value;
};

struct raw_restart {
	char *policy, *backoff_initial, *backoff_max, *reset_after;
	char *max_restarts, *window, *half_open_after;
};

struct raw_stop {
	char *signal, *timeout;
};

struct raw_limits {
	char *nofile, *memory_max, *memory_high, *memory_swap_max, *pids_max;
	char *cpu_max, *cpu_weight;
	char **io_max;
	unsigned n_io_max;
};

struct raw_violation {
	char *oom, *pids, *memory_high, *leak, *health;
};

/* readiness: and health: share one shape; each schema allows its keys. */
struct raw_check {
	char *notify, *fd, *tcp, *http;
	char **exec;
	unsigned n_exec;
	char *interval, *timeout, *start_timeout, *failures, *successes;
};

struct raw_leak {
	char *sample_every, *window, *grace, *fds_max, *threads_max;
	char *min_growth, *min_growth_threads, *min_growth_memory;
	char *fast_growth, *fast_growth_threads, *fast_growth_memory;
};

struct raw_rate_limit {
	char *bytes_per_s, *burst;
};

/* supervisor.log and services.NAME.log: the same keys. `stderr` is a
 * macro of <stdio.h>, hence stderr_mode. */
struct raw_log {
	char *dir, *max_bytes, *backups, *timestamps, *stderr_mode, *forward, *tail;
	struct raw_rate_limit *rate_limit;
};

struct raw_service {
	char *name;
	char **command;
	unsigned n_command;
	char *instances;
	struct raw_env *env;
	unsigned n_env;
	char **env_file;                 /* a scalar is rewritten to a one-item list */
	unsigned n_env_file;
	char *inherit_env_all;           /* inherit_env: true|false, renamed by the rewrite */
	char **inherit_env;              /* inherit_env: [NAMES] */
	unsigned n_inherit_env;
	char *on_exit;
	char *cwd, *user, *group, *umask;
	char **capabilities;
	unsigned n_capabilities;
	struct raw_restart *restart;
	struct raw_stop *stop;
	struct raw_limits *limits;
	char *memory_oom_group;
	struct raw_violation *on_violation;
	struct raw_leak *leak;
	struct raw_log *log;
	char *type;
	struct raw_check *readiness;
	char *watchdog;
	struct raw_check *health;
	struct raw_env *depends_on;      /* {key: service, value: condition} */
	unsigned n_depends_on;
};

struct raw_metrics {
	char **listen;
	unsigned n_listen;
};

struct raw_supervisor {
	char *control_socket, *shutdown_timeout, *admin_group;
	char *cgroup_root, *strict_limits, *children_die_with_daemon;
	char *probe, *state_dir;
	struct raw_log *log;
	struct raw_metrics *metrics;
};

struct raw_config {
	struct raw_supervisor *supervisor;
	struct raw_service *services;
	unsigned n_services;
};

