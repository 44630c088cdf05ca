/* SPDX-License-Identifier: MIT */
/*
 * config.h: the parsed, validated, immutable configuration.
 *
 * config_load() reads a YAML file against libcyaml's schema (unknown keys are
 * errors), then validates every value against the bounds below and resolves
 * names (user, group, admin_group, signals, capabilities) to numbers. Every
 * problem found is appended to `errs` with the file name, its line:column
 * where known, and the key path ("FILE:7:7: services.web.restart.backoff_max:
 * ..."), so `ringvisor check` can print all of them at once, unknown and
 * duplicate keys included (config_tree.h). On any error nothing is returned.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "basic/netaddr.h"

/* Bounds: every number in the config is checked against one of these. */
#define CONFIG_MAX_SERVICES 10000
#define CONFIG_MAX_INSTANCES 10000         /* per service */
#define CONFIG_MAX_INSTANCES_TOTAL 100000  /* over all services, also for scale */
#define CONFIG_MAX_ARGV 256
#define CONFIG_MAX_ARG_LEN 4096
#define CONFIG_MAX_ENV 256                 /* variables a service sets (env_file + env + user's) */
#define CONFIG_MAX_ENV_FILES 8
#define CONFIG_MAX_ENV_FILE_SIZE (1U << 20) /* bytes of one env_file */
#define CONFIG_MAX_NAME_LEN 64             /* service names: [A-Za-z0-9_-] */
#define CONFIG_MAX_TIMEOUT_MS (3600ULL * 1000)  /* every timeout and backoff <= 1h */
#define CONFIG_MAX_WINDOW_MS (24ULL * 3600 * 1000)
#define CONFIG_MAX_RESTARTS 10000
#define CONFIG_MAX_NOFILE (1U << 20)
#define CONFIG_MAX_CAPS 64
#define CONFIG_MAX_PATH 4096
#define CONFIG_MAX_ERRORS 64               /* beyond that: "... and N more" */
/* The PATH of a service whose environment sets none (instance_env.c), and
 * where check looks for its command. */
#define CONFIG_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define CONFIG_MAX_FILE_SIZE (4U << 20)    /* bytes; a larger file is -EFBIG */

enum restart_policy { RESTART_ALWAYS, RESTART_ON_FAILURE, RESTART_NEVER, _RESTART_POLICY_MAX, _RESTART_POLICY_INVALID = -EINVAL };

/* on_violation: what happens when a limit is hit (an OOM kill, pids.max,
 * memory.high) or a leak is found. One set of actions for every kind; each
 * key accepts the subset that makes sense for it (docs/config.md). log and
 * ignore both count and log the violation and do nothing else. */
enum violation_action {
	VIOLATION_LOG, VIOLATION_IGNORE, VIOLATION_RESTART, VIOLATION_STOP, VIOLATION_FREEZE,
	_VIOLATION_ACTION_MAX, _VIOLATION_ACTION_INVALID = -EINVAL,
};

#define CONFIG_MAX_IO_RULES 16
#define CONFIG_MAX_PIDS 4194304            /* pids_max, the kernel's PID_MAX_LIMIT */
#define CONFIG_MAX_CPU_PERIOD_US 1000000   /* cpu.max period: 1ms..1s */
#define CONFIG_MIN_CPU_PERIOD_US 1000
#define CONFIG_MAX_CPU_PERCENT 100000      /* cpu_max: 1000 CPUs; quota <= 1000 periods */
#define CONFIG_MAX_CPU_WEIGHT 10000
#define CONFIG_MAX_MEMORY (1ULL << 40)     /* memory_max, memory_high, memory_swap_max: 1T */

/* leak: fd and thread counts sampled per instance, their trend judged over a
 * window (docs/leaks.md). */
/* supervisor.probe: how fds and threads are counted. */
enum probe_choice { PROBE_CHOICE_AUTO, PROBE_CHOICE_BPF, PROBE_CHOICE_PROCFS };

#define CONFIG_MIN_LEAK_SAMPLE_MS 1000ULL               /* leak.sample_every: 1s..1h */
#define CONFIG_MAX_LEAK_SAMPLE_MS (3600ULL * 1000)
#define CONFIG_MIN_LEAK_WINDOW_SAMPLES 6                /* leak.window >= 6 * sample_every */
#define CONFIG_MAX_LEAK_WINDOW_MS (24ULL * 3600 * 1000) /* leak.window <= 24h */
#define CONFIG_MAX_LEAK_FDS (1U << 20)                  /* leak.fds_max */
#define CONFIG_MAX_LEAK_THREADS 4194304                 /* leak.threads_max: PID_MAX_LIMIT */
#define CONFIG_MAX_LEAK_GROWTH 1e6                      /* leak.min_growth, per hour */

/* The leak series, in this order in min_growth and fast_growth (policy/leak.h
 * names them). */
#define CONFIG_LEAK_SERIES 3    /* fds, threads, memory */
#define CONFIG_MAX_LEAK_GRACE_MS (3600ULL * 1000)       /* leak.grace <= 1h */

struct service_leak_config {
	uint64_t sample_every_ms;        /* default 5s; 1s..1h */
	uint64_t window_ms;              /* default 10m; >= 6 * sample_every, <= 24h */
	uint64_t grace_ms;               /* default 2m; no verdict before; <= 1h */
	uint32_t fds_max;                /* 0 = none; <= CONFIG_MAX_LEAK_FDS */
	uint32_t threads_max;            /* 0 = none; <= CONFIG_MAX_LEAK_THREADS */
	/* Per hour (memory: bytes per hour), 0 < x <= 1e6 (memory: <= 1T):
	 * the rise over the window (min_growth: 60/h, 60/h, 64MiB/h) and over
	 * the fast horizon (fast_growth: 0.6/s, 0.3/s, 1.2MiB/s). */
	double min_growth[CONFIG_LEAK_SERIES];
	double fast_growth[CONFIG_LEAK_SERIES];
};

/* log: where an instance's stdout and stderr go (docs/logs.md). The
 * supervisor's `log:` gives the defaults, a service's `log:` overrides them
 * key by key; service_config.log is the merged result. */
enum log_stderr_mode { LOG_STDERR_MERGE, LOG_STDERR_SEPARATE };
enum log_forward { LOG_FORWARD_NONE, LOG_FORWARD_STDOUT };

#define CONFIG_MIN_LOG_MAX_BYTES 4096ULL           /* log.max_bytes: 0, or 4K..1T */
#define CONFIG_MAX_LOG_MAX_BYTES (1ULL << 40)
#define CONFIG_MAX_LOG_BACKUPS 1000                /* log.backups: 0..1000 */
#define CONFIG_MAX_LOG_RATE (1ULL << 30)           /* rate_limit.bytes_per_s, burst: 0..1G */
#define CONFIG_MIN_LOG_TAIL 1024ULL                /* log.tail: 1K..1M */
#define CONFIG_MAX_LOG_TAIL (1ULL << 20)

struct log_config {
	char *dir;                       /* NULL = no files; else absolute, no "..", <= 4096 */
	uint64_t max_bytes;              /* default 16M; 0 = never rotate */
	uint32_t backups;                /* default 5 */
	bool timestamps;                 /* default false: RFC 3339 UTC prefix per line */
	enum log_stderr_mode stderr_mode;/* default merge */
	enum log_forward forward;        /* default: stdout without dir, none with one */
	uint64_t rate_bytes_per_s;       /* rate_limit.bytes_per_s; 0 = unlimited */
	uint64_t rate_burst;             /* rate_limit.burst; 0 = one second's worth */
	uint64_t tail_bytes;             /* in-memory tail for `logs`; default 16K */
};

/* limits: cgroup v2 files written on the instance's cgroup before the child
 * is cloned into it. 0 means "not set" (the file is left alone). */
struct limits_config {
	uint64_t memory_max;             /* bytes */
	uint64_t memory_high;
	uint64_t memory_swap_max;
	bool has_memory_swap_max;        /* 0 is a meaningful swap limit */
	uint64_t pids_max;
	uint64_t cpu_quota_us;           /* cpu_max "50%" or "20ms/100ms" */
	uint64_t cpu_period_us;          /* default 100000 */
	uint32_t cpu_weight;             /* 1..10000 */
	char **io_max;                   /* "MAJ:MIN rbps=N wbps=N riops=N wiops=N", n_io_max */
	size_t n_io_max;
	bool memory_oom_group;           /* default true */
};

struct violation_config {
	enum violation_action oom;         /* restart (default), stop, ignore */
	enum violation_action pids;        /* log (default), restart, stop, freeze */
	enum violation_action memory_high; /* log (default), freeze, restart */
	enum violation_action leak;        /* log (default), freeze, restart, stop */
	enum violation_action health;      /* restart (default), log, stop, freeze */
};

struct restart_config {
	enum restart_policy policy;      /* default always */
	uint64_t backoff_initial_ms;     /* default 100ms; 0 allowed */
	uint64_t backoff_max_ms;         /* default 30s; >= backoff_initial */
	uint64_t reset_after_ms;         /* default 10s: up that long resets the backoff */
	uint32_t max_restarts;           /* default 10; 0 = breaker disabled */
	uint64_t window_ms;              /* default 1m */
	uint64_t half_open_after_ms;     /* default 0 = stay failed until `start` */
};

struct stop_config {
	int signal;                      /* default SIGTERM */
	uint64_t timeout_ms;             /* default 10s */
};

/* type: simple (the default: up while its process runs) or oneshot (runs
 * to completion: `completed` after exit 0; docs/readiness.md). */
enum service_type { SERVICE_SIMPLE, SERVICE_ONESHOT, _SERVICE_TYPE_MAX, _SERVICE_TYPE_INVALID = -EINVAL };

/* readiness: and health: name one check each (docs/readiness.md). */
enum check_kind {
	CHECK_NONE,    /* not configured */
	CHECK_NOTIFY,  /* sd_notify READY=1 on NOTIFY_SOCKET (readiness only) */
	CHECK_FD,      /* a newline written on fd N, the s6 convention (readiness only) */
	CHECK_TCP,     /* a connect to host:port succeeds */
	CHECK_HTTP,    /* GET answers 2xx */
	CHECK_EXEC,    /* a command exits 0 */
	_CHECK_KIND_MAX,
	_CHECK_KIND_INVALID = -EINVAL,
};

#define CONFIG_MIN_CHECK_MS 10ULL            /* interval and timeout of a check: 10ms..1h */
#define CONFIG_MIN_READY_FD 3                /* readiness.fd: 3..255 (0-2 are the stdio) */
#define CONFIG_MAX_READY_FD 255
#define CONFIG_MAX_CHECK_COUNT 100           /* health.failures, health.successes */
#define CONFIG_MIN_WATCHDOG_MS 100ULL        /* watchdog: 100ms..1h */
#define CONFIG_MAX_DEPENDS 64                /* depends_on entries per service */
#define CONFIG_MAX_URL_PATH 1024

struct check_config {
	enum check_kind kind;
	int fd;                          /* CHECK_FD */
	char *target;                    /* CHECK_TCP "host:port", CHECK_HTTP the URL, as written */
	union {                          /* CHECK_TCP, CHECK_HTTP: parsed (addresses only, no DNS) */
		struct sockaddr sa;      /* AF_INET or AF_INET6 only (netaddr.h): room for those, */
		struct sockaddr_in in;   /* not a sockaddr_storage's 128 bytes in every service's */
		struct sockaddr_in6 in6; /* readiness and health (docs/design.md, "Memory per instance") */
	} addr;
	uint32_t addr_len;
	char *path;                      /* CHECK_HTTP: "/health" */
	char **argv;                     /* CHECK_EXEC: NULL-terminated, argc >= 1 */
	size_t argc;
	uint64_t interval_ms;            /* between the end of one check and the next */
	uint64_t timeout_ms;             /* one check */
};

struct readiness_config {
	struct check_config check;       /* kind CHECK_NONE: ready as soon as it runs */
	uint64_t start_timeout_ms;       /* default 60s: not ready by then is a failed start */
};

struct health_config {
	struct check_config check;       /* tcp, http or exec; CHECK_NONE: no health check */
	uint32_t failures;               /* default 3 in a row: unhealthy */
	uint32_t successes;              /* default 1 in a row: healthy again */
};

/* depends_on: {db: ready}: what another service must have reached. */
enum dep_condition { DEP_STARTED, DEP_READY, DEP_HEALTHY, DEP_COMPLETED,
		     _DEP_CONDITION_MAX, _DEP_CONDITION_INVALID = -EINVAL };

struct dependency {
	char *name;                      /* the service depended on */
	size_t service;                  /* its index in config.services */
	enum dep_condition condition;
};

/* inherit_env: which of the daemon's own variables a service gets. */
enum inherit_env { INHERIT_ENV_NONE, INHERIT_ENV_ALL, INHERIT_ENV_NAMES };

/* on_exit: what an instance's own exit (not one the daemon asked for) does
 * beyond its restart policy. */
enum on_exit_action { ON_EXIT_NONE, ON_EXIT_SHUTDOWN, _ON_EXIT_MAX, _ON_EXIT_INVALID = -EINVAL };

struct service_config {
	char *name;
	char **argv;                     /* NULL-terminated, argc >= 1, argv[0] absolute or found in PATH at exec */
	size_t argc;
	uint32_t instances;              /* default 1, 1..CONFIG_MAX_INSTANCES */
	char **env;                      /* NULL-terminated "KEY=VALUE" list, n_env entries: env_file
	                                  * lines, then env (wins), then HOME, USER, LOGNAME, SHELL of
	                                  * `user` where neither set them */
	size_t n_env;
	enum inherit_env inherit_env;    /* default none: the environment is built from scratch */
	char **inherit_names;            /* INHERIT_ENV_NAMES: n_inherit_names names */
	size_t n_inherit_names;
	enum on_exit_action on_exit;     /* default none */
	char *cwd;                       /* NULL = "/" */
	char *user;                      /* NULL = run as the daemon's user */
	char *group;                     /* NULL = the user's primary group */
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
	gid_t *groups;                   /* supplementary groups of `user`, n_groups */
	size_t n_groups;
	bool has_umask;
	mode_t umask;                    /* given as an octal string, "0022" */
	struct restart_config restart;
	struct stop_config stop;
	uint64_t nofile;                 /* limits.nofile; 0 = inherit */
	int *caps;                       /* capabilities to keep (CAP_* numbers), n_caps */
	size_t n_caps;
	struct limits_config limits;
	struct violation_config on_violation;
	struct service_leak_config leak;
	struct log_config log;           /* supervisor.log merged with the service's log */
	enum service_type type;          /* default simple */
	struct readiness_config readiness;
	uint64_t watchdog_ms;            /* 0 = none; needs readiness.notify */
	struct health_config health;
	struct dependency *deps;         /* n_deps, in file order */
	size_t n_deps;
};

/* supervisor.metrics (docs/metrics.md): where the daemon serves its
 * Prometheus text over HTTP. Off (n_listen 0) unless listed. */
#define CONFIG_METRICS_LISTEN_MAX 4
#define CONFIG_UNIX_PATH_MAX 107          /* sun_path less its NUL */
struct metrics_listen_config {
	bool is_unix;
	char path[CONFIG_UNIX_PATH_MAX + 1];  /* unix: the socket file */
	struct netaddr addr;                  /* tcp: a literal address and port */
};
struct metrics_config {
	struct metrics_listen_config listen[CONFIG_METRICS_LISTEN_MAX];
	size_t n_listen;
};

struct supervisor_config {
	char *control_socket;            /* NULL = not set in the file */
	uint64_t shutdown_timeout_ms;    /* default 8s: within docker's and podman's 10 s grace */
	char *admin_group;               /* NULL = only root may change things */
	char *cgroup_root;               /* NULL = "auto"; "none" = no cgroups; else a path */
	bool strict_limits;              /* an unenforceable limit is a start error */
	bool children_die_with_daemon;   /* PR_SET_PDEATHSIG(SIGKILL) on every service; default
	                                  * false: they outlive the daemon, the next one adopts them */
	bool has_admin_gid;
	gid_t admin_gid;
	enum probe_choice probe;         /* default auto */
	char *state_dir;                 /* NULL = /var/lib/ringvisor; else absolute, no ".." */
	struct log_config log;           /* defaults for every service's log */
	struct metrics_config metrics;
};

struct config {
	char *path;
	struct supervisor_config supervisor;
	struct service_config *services; /* n_services, in file order */
	size_t n_services;
	uint64_t total_instances;
};

/* Where a problem is in the file: 1-based; line 0 = not known. */
struct config_mark {
	size_t line, column;
};

/* One problem in parts, for `check --json`: path NULL when it is about the
 * file as a whole. */
struct config_note {
	char *path;
	char *message;
	struct config_mark mark;
};

/* A bounded list of error (or warning) lines, each "FILE: KEY.PATH: message",
 * "FILE:LINE:COL: KEY.PATH: message" where the node is known (the compiler
 * convention, which editors jump to), with "warning: " before the path in a
 * list of warnings. notes[i] is lines[i] in parts. */
struct config_errors {
	char *lines[CONFIG_MAX_ERRORS];
	struct config_note notes[CONFIG_MAX_ERRORS];
	size_t n;
	size_t dropped;
	bool warnings; /* set by the caller: a list of warnings */
};

int config_load(const char *path, struct config **ret, struct config_errors *errs);
/* config_load(), and with warns (.warnings = true) what would fail only
 * when the service starts: a command that is not an executable file, a cwd
 * that is not a directory (config_warn.c). A warning never fails the load. */
int config_load_warn(const char *path, struct config **ret, struct config_errors *errs,
		     struct config_errors *warns);
struct config *config_free(struct config *c);
const struct service_config *config_find_service(const struct config *c, const char *name);
