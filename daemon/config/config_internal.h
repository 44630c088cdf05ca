/* SPDX-License-Identifier: MIT */
/*
 * config_internal.h: the stages of config_load(), private to config*.c.
 *
 *   file ──read (bounded)──▶ source YAML
 *        ──config_yaml_rewrite()──▶ schema YAML: `services:` and `env:`
 *          mappings (arbitrary keys, which libcyaml cannot describe) become
 *          sequences of {name: KEY, ...} and {key: K, value: V}
 *        ──config_schema_load()──▶ struct raw_config: every scalar a string,
 *          unknown keys, shapes and lengths checked by libcyaml
 *        ──config_validate()──▶ struct config: numbers, bounds, names
 *
 * The first two stages stop at the first error (the document's shape is
 * wrong, nothing after it can be trusted); validation collects every error.
 * A schema error is reported against the source file: its libcyaml path is
 * mapped back through config_yaml_locate(), so a service is named by its key
 * and the line number is the user's line, not the rewritten buffer's.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "config/config.h"
#include "basic/macro.h"

#define CONFIG_YAML_MAX_DEPTH 16   /* a valid config nests 5 deep (limits.io_max, log.rate_limit) */
#define CONFIG_PATH_MAX 512        /* a key path as shown in an error */
#define CONFIG_PATH_PART_MAX 64    /* one key of it, longer ones are cut */
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
	char *oom, *pids, *memory_high, *leak;
};

struct raw_leak {
	char *sample_every, *window, *fds_max, *threads_max, *min_growth;
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
};

struct raw_supervisor {
	char *control_socket, *shutdown_timeout, *admin_group;
	char *cgroup_root, *strict_limits;
	char *probe, *state_dir;
	struct raw_log *log;
};

struct raw_config {
	struct raw_supervisor *supervisor;
	struct raw_service *services;
	unsigned n_services;
};

/* config.c */
/* Appends "FILE: <message>"; past CONFIG_MAX_ERRORS (or without memory) the
 * line is only counted in errs->dropped. errs may be NULL. */
void config_error(struct config_errors *errs, const char *file, const char *fmt, ...)
	_printf_(3, 4);
/* Copies s for display in a key path: at most CONFIG_PATH_PART_MAX bytes,
 * control characters as '?', "..." when cut. Returns buf. */
char *config_path_part(char *buf, size_t len, const char *s, size_t n);

/* config_yaml.c: a libyaml parser plus the key path of the current node. */
enum config_role { /* what the rewrite makes of a collection */
	CONFIG_ROLE_OTHER,
	CONFIG_ROLE_TOP,
	CONFIG_ROLE_SERVICES,
	CONFIG_ROLE_SERVICE,
	CONFIG_ROLE_ENV,
};

struct config_frame {
	bool is_map;
	bool at_value; /* map: a key was read, its value comes next */
	enum config_role role;
	size_t n;      /* map: keys finished before the current one; seq: index */
	char *key;     /* map: the current key */
};

struct config_walk {
	yaml_parser_t parser;
	bool parser_ready;
	struct config_frame frames[CONFIG_YAML_MAX_DEPTH];
	size_t depth;
};

int config_walk_init(struct config_walk *w, const char *src, size_t len);
void config_walk_done(struct config_walk *w);
struct config_frame *config_walk_top(struct config_walk *w); /* NULL at the root */
bool config_walk_at_key(struct config_walk *w);
/* Call for each event: a key scalar, a finished value, a collection. */
int config_walk_set_key(struct config_walk *w, const yaml_event_t *ev);
void config_walk_node_done(struct config_walk *w);
int config_walk_push(struct config_walk *w, bool is_map, enum config_role role); /* -E2BIG */
void config_walk_pop(struct config_walk *w);
/* "services.web.command[2]": the path of the node about to start, ending in
 * `last_key` when that node is a key of the top mapping. */
char *config_walk_path(const struct config_walk *w, const char *last_key, char *buf, size_t len);

struct config_mark {
	size_t line, column; /* 1-based; line 0 = unknown */
};

enum yaml_step_kind {
	YAML_STEP_KEY,     /* the value of mapping key `key` */
	YAML_STEP_NTH_KEY, /* the value of the n-th key of a mapping */
	YAML_STEP_INDEX,   /* the n-th entry of a sequence */
};

struct yaml_step {
	enum yaml_step_kind kind;
	const char *key;
	size_t n;
};

/* Finds the node at `steps` in the source: the key of a mapping step, the
 * entry of a sequence step; `skip` earlier matches are passed over (for a
 * duplicate key). Writes the path with real keys ("services.web.env.HOME").
 * Returns 1 when found, 0 when not, -errno. */
int config_yaml_locate(const char *src, size_t len, const struct yaml_step *steps, size_t n_steps,
		       unsigned skip, char *path, size_t path_len, struct config_mark *ret_mark);

/* config_rewrite.c */
/* Returns 0 and a malloc'ed buffer, or -EINVAL after recording the error
 * (YAML syntax, wrong shape of services/env, aliases, ...), -EFBIG, -ENOMEM. */
int config_yaml_rewrite(const char *file, const char *src, size_t len, char **ret_yaml,
			size_t *ret_len, struct config_errors *errs);

/* config_schema.c */
/* Returns 0, -EINVAL after recording the (first) schema error, or -ENOMEM. */
int config_schema_load(const char *file, const char *src, size_t src_len, const char *yaml,
		       size_t yaml_len, struct raw_config **ret, struct config_errors *errs);
struct raw_config *config_schema_free(struct raw_config *raw);

/* config_validate.c */
/* Fills c from raw. Returns the number of errors recorded, or -ENOMEM. */
int config_validate(const char *file, const struct raw_config *raw, struct config *c,
		    struct config_errors *errs);

/* One validation pass: errors go to "FILE: PREFIX.KEY: message". */
struct config_vctx {
	const char *file;
	struct config_errors *errs;
	int n_errors;
	char prefix[CONFIG_PATH_PART_MAX + 32]; /* "supervisor", "services.web" */
};

/* A user's value as quoted in a message: cut, no control characters. */
struct config_shown {
	char s[CONFIG_PATH_PART_MAX + 8];
};

void config_verr(struct config_vctx *v, const char *key, const char *fmt, ...) _printf_(3, 4);
const char *config_show(struct config_shown *b, const char *s);
int config_dup_str(char **ret, const char *s); /* NULL stays NULL; -ENOMEM */
/* Digits only, no sign or space: 0, -EINVAL or -ERANGE. */
int config_parse_uint(const char *s, uint64_t *ret);
/* A whole number, min..max. 1: given and valid, *ret set; 0: not given (s
 * NULL); -EINVAL: invalid, recorded. */
int config_check_count(struct config_vctx *v, const char *key, const char *s, uint64_t min,
		       uint64_t max, uint64_t *ret);
/* A size (units.h), min..max bytes; returns as config_check_count(). */
int config_check_size(struct config_vctx *v, const char *key, const char *s, uint64_t min,
		      uint64_t max, uint64_t *ret);
/* "64M" for 64 << 20: the largest unit that divides n. Returns buf. */
const char *config_format_size(uint64_t n, char *buf, size_t len);
/* An absolute path, at most CONFIG_MAX_PATH bytes, without a ".." component
 * (state_dir, log.dir). 1: given and valid, a copy in *ret; 0: not given;
 * -EINVAL: invalid, recorded; -ENOMEM. */
int config_check_path(struct config_vctx *v, const char *key, const char *s, char **ret);
/* A duration, min_ms..max_ms; returns as config_check_count(). */
int config_check_duration(struct config_vctx *v, const char *key, const char *s, uint64_t min_ms,
			  uint64_t max_ms, uint64_t *ret);
/* s is one of names[0..n): its index in *ret. Otherwise recorded. */
void config_check_choice(struct config_vctx *v, const char *key, const char *s,
			 const char *const *names, size_t n, int *ret);
/* Exactly true or false: *ret set. Otherwise recorded. */
void config_check_bool(struct config_vctx *v, const char *key, const char *s, bool *ret);

/* config_limits.c: 0 or -ENOMEM; bad values are recorded. */
/* limits:, memory_oom_group and on_violation of one service. */
int config_validate_service_limits(struct config_vctx *v, const struct raw_service *rs,
				   struct service_config *s);
/* The supervisor's cgroup_root and strict_limits. */
int config_validate_supervisor_limits(struct config_vctx *v, const struct raw_supervisor *rs,
				      struct supervisor_config *sc);

/* config_leak.c: 0 or -ENOMEM; bad values are recorded. */
/* leak: and on_violation.leak of one service; after
 * config_validate_service_limits(), which sets the rest of on_violation. */
int config_validate_service_leak(struct config_vctx *v, const struct raw_service *rs,
				 struct service_config *s);
/* The supervisor's probe and state_dir. */
int config_validate_supervisor_leak(struct config_vctx *v, const struct raw_supervisor *rs,
				    struct supervisor_config *sc);

/* config_log.c: 0 or -ENOMEM; bad values are recorded. */
/* supervisor.log: the defaults of every service's log. */
int config_validate_supervisor_log(struct config_vctx *v, const struct raw_supervisor *rs,
				   struct supervisor_config *sc);
/* services.NAME.log merged over supervisor.log (rsup may be NULL); after
 * config_validate_supervisor_log(). s->log.dir is a copy of its own. */
int config_validate_service_log(struct config_vctx *v, const struct raw_supervisor *rsup,
				const struct supervisor_config *sc, const struct raw_service *rs,
				struct service_config *s);

/* config_resolve.c: 1 resolved; 0 not, an error recorded; -ENOMEM. */
int config_resolve_group(struct config_vctx *v, const char *key, const char *name, gid_t *ret);
/* user, group -> uid, gid, supplementary groups. 0 or -ENOMEM. */
int config_resolve_identity(struct config_vctx *v, const struct raw_service *rs,
			    struct service_config *s);
/* capabilities -> CAP_* numbers. 0 or -ENOMEM. */
int config_resolve_caps(struct config_vctx *v, const struct raw_service *rs,
			struct service_config *s);
