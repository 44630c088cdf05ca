/* SPDX-License-Identifier: MIT */
/*
 * config_schema.c: the libcyaml schema of the (rewritten) config, and the
 * translation of libcyaml's first error into "FILE: KEY.PATH: message".
 *
 * Every scalar is loaded as a string: libcyaml checks the shape of the
 * document (known keys, mapping vs list vs value, counts and lengths, which
 * also bound its allocations), and config_validate() parses the values
 * strictly, so that all bad values are reported together. libcyaml's own
 * integer parsing would also accept "3x" as 3.
 *
 * libcyaml reports an error only through its log callback: a message line,
 * then a backtrace from the innermost node outwards. The backtrace names
 * fields and 1-based sequence entries of the rewritten buffer; they are
 * turned back into source steps (entry N of services is the N-th service
 * key) and config_yaml_locate() finds the real key path and line.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cyaml/cyaml.h>

#include "config/config_errors.h"
#include "config/config_schema.h"
#include "config/config_yaml.h"

#define NAME_LEN_MAX 256  /* user and group names (LOGIN_NAME_MAX) */
#define NUMBER_LEN_MAX 32 /* numbers, durations, signals, policies */
#define CAP_LEN_MAX 64
#define BACKTRACE_MAX (CONFIG_YAML_MAX_DEPTH * 2)

#define OPT CYAML_FLAG_OPTIONAL
#define STR(key, flags, type, member, max) CYAML_FIELD_STRING_PTR(key, flags, type, member, 0, max)

static const cyaml_schema_value_t arg_schema = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CONFIG_MAX_ARG_LEN),
};
static const cyaml_schema_value_t path_schema = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CONFIG_MAX_PATH),
};
static const cyaml_schema_value_t cap_schema = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CAP_LEN_MAX),
};

static const cyaml_schema_field_t env_fields[] = {
	/* Keys come from the source mapping: bounded by the file size,
	 * checked by config_validate() with the other names. */
	STR("key", CYAML_FLAG_DEFAULT, struct raw_env, key, CYAML_UNLIMITED),
	STR("value", CYAML_FLAG_DEFAULT, struct raw_env, value, CONFIG_MAX_ARG_LEN),
	CYAML_FIELD_END,
};
static const cyaml_schema_value_t env_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_env, env_fields),
};

static const cyaml_schema_field_t restart_fields[] = {
	STR("policy", OPT, struct raw_restart, policy, NUMBER_LEN_MAX),
	STR("backoff_initial", OPT, struct raw_restart, backoff_initial, NUMBER_LEN_MAX),
	STR("backoff_max", OPT, struct raw_restart, backoff_max, NUMBER_LEN_MAX),
	STR("reset_after", OPT, struct raw_restart, reset_after, NUMBER_LEN_MAX),
	STR("max_restarts", OPT, struct raw_restart, max_restarts, NUMBER_LEN_MAX),
	STR("window", OPT, struct raw_restart, window, NUMBER_LEN_MAX),
	STR("half_open_after", OPT, struct raw_restart, half_open_after, NUMBER_LEN_MAX),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t stop_fields[] = {
	STR("signal", OPT, struct raw_stop, signal, NUMBER_LEN_MAX),
	STR("timeout", OPT, struct raw_stop, timeout, NUMBER_LEN_MAX),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t io_rule_schema = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CONFIG_IO_RULE_LEN_MAX),
};

static const cyaml_schema_field_t limits_fields[] = {
	STR("nofile", OPT, struct raw_limits, nofile, NUMBER_LEN_MAX),
	STR("memory_max", OPT, struct raw_limits, memory_max, NUMBER_LEN_MAX),
	STR("memory_high", OPT, struct raw_limits, memory_high, NUMBER_LEN_MAX),
	STR("memory_swap_max", OPT, struct raw_limits, memory_swap_max, NUMBER_LEN_MAX),
	STR("pids_max", OPT, struct raw_limits, pids_max, NUMBER_LEN_MAX),
	STR("cpu_max", OPT, struct raw_limits, cpu_max, NUMBER_LEN_MAX),
	STR("cpu_weight", OPT, struct raw_limits, cpu_weight, NUMBER_LEN_MAX),
	CYAML_FIELD_SEQUENCE_COUNT("io_max", CYAML_FLAG_POINTER | OPT, struct raw_limits, io_max,
				   n_io_max, &io_rule_schema, 0, CONFIG_MAX_IO_RULES),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t violation_fields[] = {
	STR("oom", OPT, struct raw_violation, oom, NUMBER_LEN_MAX),
	STR("pids", OPT, struct raw_violation, pids, NUMBER_LEN_MAX),
	STR("memory_high", OPT, struct raw_violation, memory_high, NUMBER_LEN_MAX),
	STR("leak", OPT, struct raw_violation, leak, NUMBER_LEN_MAX),
	STR("health", OPT, struct raw_violation, health, NUMBER_LEN_MAX),
	CYAML_FIELD_END,
};

#define CHECK_FIELDS                                                                           \
	STR("tcp", OPT, struct raw_check, tcp, NAME_LEN_MAX),                                  \
	STR("http", OPT, struct raw_check, http, CONFIG_MAX_URL_PATH + NAME_LEN_MAX),          \
	CYAML_FIELD_SEQUENCE_COUNT("exec", CYAML_FLAG_POINTER | OPT, struct raw_check, exec, n_exec, \
				   &arg_schema, 1, CONFIG_MAX_ARGV),                           \
	STR("interval", OPT, struct raw_check, interval, NUMBER_LEN_MAX),                      \
	STR("timeout", OPT, struct raw_check, timeout, NUMBER_LEN_MAX)

static const cyaml_schema_field_t readiness_fields[] = {
	STR("notify", OPT, struct raw_check, notify, NUMBER_LEN_MAX),
	STR("fd", OPT, struct raw_check, fd, NUMBER_LEN_MAX),
	CHECK_FIELDS,
	STR("start_timeout", OPT, struct raw_check, start_timeout, NUMBER_LEN_MAX),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t health_fields[] = {
	CHECK_FIELDS,
	STR("failures", OPT, struct raw_check, failures, NUMBER_LEN_MAX),
	STR("successes", OPT, struct raw_check, successes, NUMBER_LEN_MAX),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t leak_fields[] = {
	STR("sample_every", OPT, struct raw_leak, sample_every, NUMBER_LEN_MAX),
	STR("window", OPT, struct raw_leak, window, NUMBER_LEN_MAX),
	STR("fds_max", OPT, struct raw_leak, fds_max, NUMBER_LEN_MAX),
	STR("threads_max", OPT, struct raw_leak, threads_max, NUMBER_LEN_MAX),
	STR("grace", OPT, struct raw_leak, grace, NUMBER_LEN_MAX),
	STR("min_growth", OPT, struct raw_leak, min_growth, NUMBER_LEN_MAX),
	STR("min_growth_threads", OPT, struct raw_leak, min_growth_threads, NUMBER_LEN_MAX),
	STR("min_growth_memory", OPT, struct raw_leak, min_growth_memory, NUMBER_LEN_MAX),
	STR("fast_growth", OPT, struct raw_leak, fast_growth, NUMBER_LEN_MAX),
	STR("fast_growth_threads", OPT, struct raw_leak, fast_growth_threads, NUMBER_LEN_MAX),
	STR("fast_growth_memory", OPT, struct raw_leak, fast_growth_memory, NUMBER_LEN_MAX),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t rate_limit_fields[] = {
	STR("bytes_per_s", OPT, struct raw_rate_limit, bytes_per_s, NUMBER_LEN_MAX),
	STR("burst", OPT, struct raw_rate_limit, burst, NUMBER_LEN_MAX),
	CYAML_FIELD_END,
};

/* The same keys under supervisor.log and services.NAME.log. */
static const cyaml_schema_field_t log_fields[] = {
	STR("dir", OPT, struct raw_log, dir, CONFIG_MAX_PATH),
	STR("max_bytes", OPT, struct raw_log, max_bytes, NUMBER_LEN_MAX),
	STR("backups", OPT, struct raw_log, backups, NUMBER_LEN_MAX),
	STR("timestamps", OPT, struct raw_log, timestamps, NUMBER_LEN_MAX),
	STR("stderr", OPT, struct raw_log, stderr_mode, NUMBER_LEN_MAX),
	STR("forward", OPT, struct raw_log, forward, NUMBER_LEN_MAX),
	CYAML_FIELD_MAPPING_PTR("rate_limit", OPT, struct raw_log, rate_limit, rate_limit_fields),
	STR("tail", OPT, struct raw_log, tail, NUMBER_LEN_MAX),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t service_fields[] = {
	STR("name", CYAML_FLAG_DEFAULT, struct raw_service, name, CYAML_UNLIMITED),
	CYAML_FIELD_SEQUENCE_COUNT("command", CYAML_FLAG_POINTER, struct raw_service, command,
				   n_command, &arg_schema, 1, CONFIG_MAX_ARGV),
	STR("instances", OPT, struct raw_service, instances, NUMBER_LEN_MAX),
	CYAML_FIELD_SEQUENCE_COUNT("env", CYAML_FLAG_POINTER | OPT, struct raw_service, env, n_env,
				   &env_schema, 0, CONFIG_MAX_ENV),
	CYAML_FIELD_SEQUENCE_COUNT("env_file", CYAML_FLAG_POINTER | OPT, struct raw_service, env_file,
				   n_env_file, &path_schema, 0, CONFIG_MAX_ENV_FILES),
	STR("inherit_env_all", OPT, struct raw_service, inherit_env_all, NUMBER_LEN_MAX),
	CYAML_FIELD_SEQUENCE_COUNT("inherit_env", CYAML_FLAG_POINTER | OPT, struct raw_service,
				   inherit_env, n_inherit_env, &arg_schema, 0, CONFIG_MAX_ENV),
	STR("on_exit", OPT, struct raw_service, on_exit, NUMBER_LEN_MAX),
	STR("cwd", OPT, struct raw_service, cwd, CONFIG_MAX_PATH),
	STR("user", OPT, struct raw_service, user, NAME_LEN_MAX),
	STR("group", OPT, struct raw_service, group, NAME_LEN_MAX),
	STR("umask", OPT, struct raw_service, umask, NUMBER_LEN_MAX),
	CYAML_FIELD_SEQUENCE_COUNT("capabilities", CYAML_FLAG_POINTER | OPT, struct raw_service,
				   capabilities, n_capabilities, &cap_schema, 0, CONFIG_MAX_CAPS),
	CYAML_FIELD_MAPPING_PTR("restart", OPT, struct raw_service, restart, restart_fields),
	CYAML_FIELD_MAPPING_PTR("stop", OPT, struct raw_service, stop, stop_fields),
	CYAML_FIELD_MAPPING_PTR("limits", OPT, struct raw_service, limits, limits_fields),
	STR("memory_oom_group", OPT, struct raw_service, memory_oom_group, NUMBER_LEN_MAX),
	CYAML_FIELD_MAPPING_PTR("on_violation", OPT, struct raw_service, on_violation,
				violation_fields),
	CYAML_FIELD_MAPPING_PTR("leak", OPT, struct raw_service, leak, leak_fields),
	CYAML_FIELD_MAPPING_PTR("log", OPT, struct raw_service, log, log_fields),
	STR("type", OPT, struct raw_service, type, NUMBER_LEN_MAX),
	CYAML_FIELD_MAPPING_PTR("readiness", OPT, struct raw_service, readiness, readiness_fields),
	STR("watchdog", OPT, struct raw_service, watchdog, NUMBER_LEN_MAX),
	CYAML_FIELD_MAPPING_PTR("health", OPT, struct raw_service, health, health_fields),
	/* Rewritten from a mapping like env: {key: service, value: condition}. */
	CYAML_FIELD_SEQUENCE_COUNT("depends_on", CYAML_FLAG_POINTER | OPT, struct raw_service,
				   depends_on, n_depends_on, &env_schema, 0, CONFIG_MAX_DEPENDS),
	CYAML_FIELD_END,
};
static const cyaml_schema_value_t service_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_service, service_fields),
};

static const cyaml_schema_field_t metrics_fields[] = {   /* +1: validation says the bound */
	CYAML_FIELD_SEQUENCE_COUNT("listen", CYAML_FLAG_POINTER | OPT, struct raw_metrics, listen,
				   n_listen, &path_schema, 0, CONFIG_METRICS_LISTEN_MAX + 1),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t supervisor_fields[] = {
	STR("control_socket", OPT, struct raw_supervisor, control_socket, CONFIG_MAX_PATH),
	STR("shutdown_timeout", OPT, struct raw_supervisor, shutdown_timeout, NUMBER_LEN_MAX),
	STR("admin_group", OPT, struct raw_supervisor, admin_group, NAME_LEN_MAX),
	STR("cgroup_root", OPT, struct raw_supervisor, cgroup_root, CONFIG_MAX_PATH),
	STR("strict_limits", OPT, struct raw_supervisor, strict_limits, NUMBER_LEN_MAX),
	STR("children_die_with_daemon", OPT, struct raw_supervisor, children_die_with_daemon, NUMBER_LEN_MAX),
	STR("probe", OPT, struct raw_supervisor, probe, NUMBER_LEN_MAX),
	STR("state_dir", OPT, struct raw_supervisor, state_dir, CONFIG_MAX_PATH),
	CYAML_FIELD_MAPPING_PTR("log", OPT, struct raw_supervisor, log, log_fields),
	CYAML_FIELD_MAPPING_PTR("metrics", OPT, struct raw_supervisor, metrics, metrics_fields),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t top_fields[] = {
	CYAML_FIELD_MAPPING_PTR("supervisor", OPT, struct raw_config, supervisor,
				supervisor_fields),
	CYAML_FIELD_SEQUENCE_COUNT("services", CYAML_FLAG_POINTER, struct raw_config, services,
				   n_services, &service_schema, 1, CONFIG_MAX_SERVICES),
	CYAML_FIELD_END,
};
const cyaml_schema_value_t config_top_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_config, top_fields),
};

enum bt_kind { BT_FIELD, BT_ENTRY, BT_MAPPING };

/* What libcyaml logged about its first error. */
struct capture {
	char msg[CONFIG_MAX_PATH + 128]; /* without the "Load: " prefix */
	bool have_msg, in_backtrace;
	struct {
		enum bt_kind kind;
		char field[64];
		unsigned entry;
	} bt[BACKTRACE_MAX];
	size_t n_bt;
};

static bool startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Copies s, cut to fit; snprintf("%s") would be flagged for truncation. */
static void copy_cut(char *dst, size_t len, const char *s)
{
	size_t n = MIN(strlen(s), len - 1);

	memcpy(dst, s, n);
	dst[n] = '\0';
}

static void capture_frame(struct capture *c, const char *line)
{
	const char *p;

	if (c->n_bt >= BACKTRACE_MAX)
		return;
	if (startswith(line, "  in mapping field '")) {
		p = line + strlen("  in mapping field '");
		snprintf(c->bt[c->n_bt].field, sizeof(c->bt[0].field), "%.*s", (int)strcspn(p, "'"),
			 p);
		c->bt[c->n_bt++].kind = BT_FIELD;
	} else if (startswith(line, "  in sequence entry '")) {
		c->bt[c->n_bt].entry =
		    (unsigned)strtoul(line + strlen("  in sequence entry '"), NULL, 10);
		c->bt[c->n_bt++].kind = BT_ENTRY;
	} else if (startswith(line, "  in mapping")) {
		c->bt[c->n_bt++].kind = BT_MAPPING;
	}
}

static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
	struct capture *c = ctx;
	char line[sizeof(c->msg) + 16];

	if (level < CYAML_LOG_ERROR)
		return;
	vsnprintf(line, sizeof(line), fmt, args);
	line[strcspn(line, "\n")] = '\0';
	if (startswith(line, "Load: Backtrace:"))
		c->in_backtrace = true;
	else if (c->in_backtrace)
		capture_frame(c, line);
	else if (!c->have_msg) {
		copy_cut(c->msg, sizeof(c->msg),
			 startswith(line, "Load: ") ? line + strlen("Load: ") : line);
		c->have_msg = true;
	}
}

static const cyaml_config_t cyaml_config_base = {
	.log_fn = capture_log,
	.mem_fn = cyaml_mem,
	.log_level = CYAML_LOG_ERROR,
	.flags = CYAML_CFG_NO_ALIAS, /* the rewrite already refused aliases */
};

/* An error about a key of a mapping (rather than a value) is raised while
 * the mapping waits for its next key: its innermost frame is that mapping,
 * showing no field or a stale one. An error about the length of a list has
 * the list's last entry as its innermost frame. Both frames are dropped, so
 * that the path names the mapping or the list. */
static size_t innermost_frame(const struct capture *c)
{
	if (startswith(c->msg, "Unexpected key: ") ||
	    startswith(c->msg, "Mapping field already seen: ") ||
	    startswith(c->msg, "Missing required mapping field: "))
		return 1;
	if ((startswith(c->msg, "Excessive entries") ||
	     startswith(c->msg, "Insufficient entries")) &&
	    c->n_bt > 0 && c->bt[0].kind == BT_ENTRY)
		return 1;
	return 0;
}

/* env: and depends_on: are mappings in the source, lists after the rewrite. */
static bool is_keyed_list(const char *key)
{
	return strcmp(key, "env") == 0 || strcmp(key, "depends_on") == 0;
}

/* The backtrace, outermost first, as steps through the source document. */
static size_t capture_steps(const struct capture *c, struct yaml_step *steps)
{
	size_t n = 0, innermost = innermost_frame(c);

	for (size_t i = c->n_bt; i-- > innermost;) {
		const char *parent =
		    n > 0 && steps[n - 1].kind == YAML_STEP_KEY ? steps[n - 1].key : NULL;
		bool in_env_entry = n >= 2 && steps[n - 1].kind == YAML_STEP_NTH_KEY &&
				    steps[n - 2].kind == YAML_STEP_KEY && is_keyed_list(steps[n - 2].key);

		if (c->bt[i].kind == BT_FIELD && !in_env_entry) {
			/* "key" and "value" of an env entry are the entry itself. */
			steps[n++] = (struct yaml_step){ YAML_STEP_KEY, c->bt[i].field, 0 };
		} else if (c->bt[i].kind == BT_ENTRY && c->bt[i].entry > 0) {
			bool keyed = parent && ((n == 1 && strcmp(parent, "services") == 0) ||
						is_keyed_list(parent));

			steps[n++] =
			    (struct yaml_step){ keyed ? YAML_STEP_NTH_KEY : YAML_STEP_INDEX, NULL,
						c->bt[i].entry - 1 };
		}
	}
	return n;
}

/* Without a match in the source, the path is spelled from the steps. */
static void steps_path(const struct yaml_step *steps, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used + 1 < len; i++) {
		if (steps[i].kind == YAML_STEP_KEY)
			snprintf(buf + used, len - used, "%s%s", used ? "." : "", steps[i].key);
		else
			snprintf(buf + used, len - used, "[%zu]", steps[i].n);
		used = strlen(buf);
	}
}

static const char *event_noun(const char *s)
{
	if (strstr(s, "MAPPING"))
		return "a mapping";
	if (strstr(s, "SEQUENCE"))
		return "a list";
	return "a single value";
}

/* libcyaml's message as ours; sets the extra key step it names, if any. */
static void translate(const struct capture *c, const struct yaml_step *steps, size_t n,
		      struct yaml_step *key_step, unsigned *skip, const char **missing, char *out,
		      size_t len)
{
	const char *m = c->msg;
	unsigned a, b;
	char want[32], got[32];

	*missing = NULL;
	if (startswith(m, "Unexpected key: ")) {
		*key_step = (struct yaml_step){ YAML_STEP_KEY, m + strlen("Unexpected key: "), 0 };
		snprintf(out, len, "unknown key");
	} else if (startswith(m, "Mapping field already seen: ")) {
		*key_step = (struct yaml_step){ YAML_STEP_KEY,
						m + strlen("Mapping field already seen: "), 0 };
		*skip = 1;
		snprintf(out, len, "duplicate key");
	} else if (startswith(m, "Missing required mapping field: ")) {
		*missing = m + strlen("Missing required mapping field: ");
		snprintf(out, len, "required key is missing");
	} else if (sscanf(m, "STRING length > %u", &a) == 1) {
		snprintf(out, len, "is longer than %u bytes", a);
	} else if (sscanf(m, "Insufficient entries (%u of %u min)", &a, &b) == 2) {
		bool services = n == 1 && steps[0].kind == YAML_STEP_KEY &&
				strcmp(steps[0].key, "services") == 0;

		snprintf(out, len, "%s",
			 services ? "needs at least one service" : "must not be empty");
	} else if (sscanf(m, "Excessive entries (%u max)", &a) == 1) {
		snprintf(out, len, "has more than %u entries", a);
	} else if (sscanf(m, "Expecting %31[A-Za-z_], got event: %31s", want, got) == 2) {
		snprintf(out, len, "expected %s, not %s", event_noun(want), event_noun(got));
	} else {
		copy_cut(out, len, c->have_msg ? m : "rejected by the schema");
	}
}

static int report(const char *file, const char *src, size_t src_len, const struct capture *c,
		  struct config_errors *errs)
{
	struct yaml_step steps[BACKTRACE_MAX + 1];
	struct config_mark mark = { 0, 0 };
	char path[CONFIG_PATH_MAX], msg[CONFIG_PATH_MAX];
	char part[CONFIG_PATH_PART_MAX + 8];
	const char *missing;
	unsigned skip = 0;
	size_t n = capture_steps(c, steps);
	struct yaml_step key = { .key = NULL };
	int r;

	translate(c, steps, n, &key, &skip, &missing, msg, sizeof(msg));
	if (key.key)
		steps[n++] = key;
	r = config_yaml_locate(src, src_len, steps, n, skip, path, sizeof(path), &mark);
	if (r < 0)
		return r;
	if (r == 0)
		steps_path(steps, n, path, sizeof(path));
	if (missing)
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s%s", *path ? "." : "",
			 config_path_part(part, sizeof(part), missing, strlen(missing)));
	config_error_at(errs, file, &mark, path, "%s", msg);
	return -EINVAL;
}

int config_schema_load(const char *file, const char *src, size_t src_len, const char *yaml,
		       size_t yaml_len, struct raw_config **ret, struct config_errors *errs)
{
	_cleanup_free_ struct capture *c = calloc(1, sizeof(*c));
	cyaml_config_t cfg = cyaml_config_base;
	struct raw_config *raw = NULL;
	cyaml_err_t e;

	if (!c)
		return -ENOMEM;
	cfg.log_ctx = c;
	e = cyaml_load_data((const uint8_t *)yaml, yaml_len, &cfg, &config_top_schema,
			    (cyaml_data_t **)&raw, NULL);
	switch (e) {
	case CYAML_OK:
		break;
	case CYAML_ERR_OOM:
	case CYAML_ERR_LIBYAML_PARSER_INIT:
	case CYAML_ERR_LIBYAML_EVENT_INIT:
	case CYAML_ERR_LIBYAML_PARSER:
		/* The buffer is libyaml's own output: parsing it again can
		 * only fail when allocating does. */
		return -ENOMEM;
	case CYAML_ERR_ALIAS:
	case CYAML_ERR_INVALID_ALIAS:
	case CYAML_ERR_INVALID_KEY:
	case CYAML_ERR_INVALID_VALUE:
	case CYAML_ERR_UNEXPECTED_EVENT:
	case CYAML_ERR_STRING_LENGTH_MIN:
	case CYAML_ERR_STRING_LENGTH_MAX:
	case CYAML_ERR_SEQUENCE_ENTRIES_MIN:
	case CYAML_ERR_SEQUENCE_ENTRIES_MAX:
	case CYAML_ERR_MAPPING_FIELD_MISSING:
		return report(file, src, src_len, c, errs);
	default:
		config_error(errs, file, "internal error: libcyaml: %s", cyaml_strerror(e));
		return -EINVAL;
	}
	if (!raw) {
		/* Not expected: `services` is required. */
		config_error_at(errs, file, NULL, "services", "required key is missing");
		return -EINVAL;
	}
	*ret = raw;
	return 0;
}

struct raw_config *config_schema_free(struct raw_config *raw)
{
	cyaml_config_t cfg = cyaml_config_base;

	cfg.log_fn = NULL;
	if (raw)
		cyaml_free(&cfg, &config_top_schema, raw, 0);
	return NULL;
}
