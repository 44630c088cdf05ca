/* SPDX-License-Identifier: MIT */
/*
 * config_validate.c: struct raw_config (strings) -> struct config (numbers).
 *
 * Every value is parsed strictly and checked against its CONFIG_MAX_* bound;
 * names of users, groups and capabilities are resolved by config_resolve.c.
 * A bad value is recorded and the walk goes on with the default in its
 * place, so one run reports every problem in the file. Only allocation
 * failure stops it.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "config_internal.h"
#include "units.h"

#define ENV_KEY_MAX 256
#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
#define ENV_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
#define DURATION_HINT "a whole number with ms, s, m or h, e.g. 250ms, 10s, 5m, 1h"
#define SIZE_HINT "a whole number of bytes, optionally with K, M, G or T, e.g. 64M"
#define CPU_MAX_HINT "a percentage (\"50%\") or a quota/period (\"20ms/100ms\")"
#define CPU_PERIOD_DEFAULT_US 100000
#define IO_LIMIT_HINT "rbps=N, wbps=N, riops=N or wiops=N (N a whole number or max)"

static const struct restart_config restart_defaults = {
	.policy = RESTART_ALWAYS,
	.backoff_initial_ms = 100,
	.backoff_max_ms = 30 * 1000,
	.reset_after_ms = 10 * 1000,
	.max_restarts = 10,
	.window_ms = 60 * 1000,
	.half_open_after_ms = 0,
};

const char *config_show(struct config_shown *b, const char *s)
{
	if (!*s) /* quoted by the message: "" */
		return "";
	return config_path_part(b->s, sizeof(b->s), s, strlen(s));
}

void config_verr(struct config_vctx *v, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config_error(v->errs, v->file, "%s%s%s: %s", v->prefix, key ? "." : "", key ? key : "",
		     msg);
	v->n_errors++;
}

int config_dup_str(char **ret, const char *s)
{
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static int parse_uint(const char *s, uint64_t *ret)
{
	uint64_t n = 0;

	if (!*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (n > (UINT64_MAX - d) / 10)
			return -ERANGE;
		n = n * 10 + d;
	}
	*ret = n;
	return 0;
}

/* 1: given and valid, *ret set; 0: not given; -EINVAL: invalid, recorded. */
static int check_count(struct config_vctx *v, const char *key, const char *s, uint64_t min,
		       uint64_t max, uint64_t *ret)
{
	struct config_shown b;
	uint64_t n = 0;
	int r;

	if (!s)
		return 0;
	r = parse_uint(s, &n);
	if (r == -EINVAL)
		config_verr(v, key, "\"%s\" is not a whole number", config_show(&b, s));
	else if (r == -ERANGE || n > max)
		config_verr(v, key, "%s exceeds the maximum of %" PRIu64, config_show(&b, s), max);
	else if (n < min)
		config_verr(v, key, "%s is below the minimum of %" PRIu64, config_show(&b, s), min);
	else {
		*ret = n;
		return 1;
	}
	return -EINVAL;
}

static int check_duration(struct config_vctx *v, const char *key, const char *s, uint64_t min_ms,
			  uint64_t max_ms, uint64_t *ret)
{
	char limit[32];
	struct config_shown b;
	uint64_t ms;
	int r;

	if (!s)
		return 0;
	r = parse_duration_ms(s, &ms);
	if (r == -EINVAL)
		config_verr(v, key, "\"%s\" is not a duration (%s)", config_show(&b, s),
			    DURATION_HINT);
	else if (r == -ERANGE || ms > max_ms)
		config_verr(v, key, "%s exceeds the maximum of %s", config_show(&b, s),
			    format_duration_ms(max_ms, limit, sizeof(limit)));
	else if (ms < min_ms)
		config_verr(v, key, "must be greater than 0");
	else {
		*ret = ms;
		return 1;
	}
	return -EINVAL;
}

/* s is one of names[0..n): its index in *ret. Otherwise recorded. */
static void check_choice(struct config_vctx *v, const char *key, const char *s,
			 const char *const *names, size_t n, int *ret)
{
	char list[128] = "";
	struct config_shown b;

	if (!s)
		return;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0) {
			*ret = (int)i;
			return;
		}
	for (size_t i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 names[i]);
	config_verr(v, key, "\"%s\" is not one of %s", config_show(&b, s), list);
}

/* Strict on purpose: YAML 1.1 would also read yes, on, y as true. */
static void check_bool(struct config_vctx *v, const char *key, const char *s, bool *ret)
{
	struct config_shown b;

	if (!s)
		return;
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
		*ret = s[0] == 't';
	else
		config_verr(v, key, "\"%s\" is not true or false", config_show(&b, s));
}

static const char *show_size(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "", "K", "M", "G", "T" };
	size_t u = 0;

	while (u + 1 < ELEMENTSOF(units) && n >= 1024 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 "%s", n, units[u]);
	return buf;
}

/* A memory size, min..CONFIG_MAX_MEMORY; returns as check_count(). */
static int check_size(struct config_vctx *v, const char *key, const char *s, uint64_t min,
		      uint64_t *ret)
{
	struct config_shown b;
	char limit[32];
	uint64_t n = 0;
	int r;

	if (!s)
		return 0;
	r = parse_size_bytes(s, &n);
	if (r == -EINVAL)
		config_verr(v, key, "\"%s\" is not a size (%s)", config_show(&b, s), SIZE_HINT);
	else if (r == -ERANGE || n > CONFIG_MAX_MEMORY)
		config_verr(v, key, "%s exceeds the maximum of %s", config_show(&b, s),
			    show_size(CONFIG_MAX_MEMORY, limit, sizeof(limit)));
	else if (n < min)
		config_verr(v, key, "must be greater than 0");
	else {
		*ret = n;
		return 1;
	}
	return -EINVAL;
}

static int validate_command(struct config_vctx *v, const struct raw_service *rs,
			    struct service_config *s)
{
	s->argv = calloc((size_t)rs->n_command + 1, sizeof(char *));
	if (!s->argv)
		return -ENOMEM;
	for (size_t i = 0; i < rs->n_command; i++)
		if (config_dup_str(&s->argv[i], rs->command[i]) < 0)
			return -ENOMEM;
	s->argc = rs->n_command;
	if (s->argc > 0 && s->argv[0][0] == '\0')
		config_verr(v, "command[0]", "the program must not be empty");
	return 0;
}

static bool env_name_ok(const char *k)
{
	size_t n = strlen(k);

	return n > 0 && n <= ENV_KEY_MAX && !(k[0] >= '0' && k[0] <= '9') &&
	       strspn(k, ENV_CHARS) == n;
}

static int validate_env(struct config_vctx *v, const struct raw_service *rs,
			struct service_config *s)
{
	s->env = calloc((size_t)rs->n_env + 1, sizeof(char *));
	if (!s->env)
		return -ENOMEM;
	for (size_t i = 0; i < rs->n_env; i++) {
		const struct raw_env *e = &rs->env[i];
		char key[CONFIG_PATH_PART_MAX + 16];
		struct config_shown b;

		snprintf(key, sizeof(key), "env.%s", config_show(&b, e->key));
		if (!env_name_ok(e->key))
			config_verr(v, key,
				    "invalid variable name: use up to %d of A-Z, a-z, 0-9 and _, "
				    "not starting with a digit",
				    ENV_KEY_MAX);
		for (size_t j = 0; j < i; j++)
			if (strcmp(rs->env[j].key, e->key) == 0) {
				config_verr(v, key, "defined more than once");
				break;
			}
		if (asprintf(&s->env[i], "%s=%s", e->key, e->value) < 0) {
			s->env[i] = NULL;
			return -ENOMEM;
		}
	}
	s->n_env = rs->n_env;
	return 0;
}

static void validate_umask(struct config_vctx *v, const char *s, struct service_config *sc)
{
	size_t n = s ? strlen(s) : 0;
	unsigned long m = 0;
	struct config_shown b;

	if (!s)
		return;
	for (size_t i = 0; i < n && m <= 0777; i++)
		m = m * 8 + (unsigned long)(s[i] - '0');
	if (n == 0 || strspn(s, "01234567") != n || m > 0777) {
		config_verr(v, "umask", "\"%s\" is not an octal mode from 0 to 0777, e.g. \"0022\"",
			    config_show(&b, s));
		return;
	}
	sc->umask = (mode_t)m;
	sc->has_umask = true;
}

static void validate_restart(struct config_vctx *v, const struct raw_restart *rr,
			     struct restart_config *rc)
{
	static const char *const policies[] = {
		[RESTART_ALWAYS] = "always",
		[RESTART_ON_FAILURE] = "on-failure",
		[RESTART_NEVER] = "never",
	};
	int a, b, m, w, policy = RESTART_ALWAYS;
	uint64_t n = 0;
	char t1[32], t2[32];

	*rc = restart_defaults;
	if (!rr)
		return;
	check_choice(v, "restart.policy", rr->policy, policies, ELEMENTSOF(policies), &policy);
	rc->policy = (enum restart_policy)policy;
	a = check_duration(v, "restart.backoff_initial", rr->backoff_initial, 0,
			   CONFIG_MAX_TIMEOUT_MS, &rc->backoff_initial_ms);
	b = check_duration(v, "restart.backoff_max", rr->backoff_max, 0, CONFIG_MAX_TIMEOUT_MS,
			   &rc->backoff_max_ms);
	if (a >= 0 && b >= 0 && rc->backoff_max_ms < rc->backoff_initial_ms)
		config_verr(v, "restart.backoff_max", "%s%s is below backoff_initial (%s)",
			    format_duration_ms(rc->backoff_max_ms, t1, sizeof(t1)),
			    rr->backoff_max ? "" : " (the default)",
			    format_duration_ms(rc->backoff_initial_ms, t2, sizeof(t2)));
	check_duration(v, "restart.reset_after", rr->reset_after, 0, CONFIG_MAX_TIMEOUT_MS,
		       &rc->reset_after_ms);
	m = check_count(v, "restart.max_restarts", rr->max_restarts, 0, CONFIG_MAX_RESTARTS, &n);
	if (m > 0)
		rc->max_restarts = (uint32_t)n;
	w = check_duration(v, "restart.window", rr->window, 0, CONFIG_MAX_WINDOW_MS,
			   &rc->window_ms);
	if (m >= 0 && w >= 0 && rc->max_restarts > 0 && rc->window_ms == 0)
		config_verr(v, "restart.window",
			    "must be greater than 0 while max_restarts is not 0");
	check_duration(v, "restart.half_open_after", rr->half_open_after, 0, CONFIG_MAX_TIMEOUT_MS,
		       &rc->half_open_after_ms);
}

static void validate_stop(struct config_vctx *v, const struct raw_stop *rs, struct stop_config *sc)
{
	struct config_shown b;

	sc->signal = SIGTERM;
	sc->timeout_ms = 10 * 1000;
	if (!rs)
		return;
	if (rs->signal && parse_signal(rs->signal, &sc->signal) < 0)
		config_verr(v, "stop.signal", "\"%s\" is not a signal name or number",
			    config_show(&b, rs->signal));
	check_duration(v, "stop.timeout", rs->timeout, 0, CONFIG_MAX_TIMEOUT_MS, &sc->timeout_ms);
}

/* "50%": of the default period. false when s is not a percentage at all. */
static bool cpu_max_percent(struct config_vctx *v, const char *s, size_t n,
			    struct limits_config *l)
{
	struct config_shown b;
	char num[48];
	uint64_t q = 0;
	int r;

	snprintf(num, sizeof(num), "%.*s", (int)(n - 1), s);
	r = parse_uint(num, &q);
	if (r == -EINVAL)
		return false;
	if (r == -ERANGE || q > CONFIG_MAX_CPU_PERCENT)
		config_verr(v, "limits.cpu_max", "%s exceeds the maximum of %d%%",
			    config_show(&b, s), CONFIG_MAX_CPU_PERCENT);
	else if (q == 0)
		config_verr(v, "limits.cpu_max", "%s is below the minimum of 1%%",
			    config_show(&b, s));
	else {
		l->cpu_period_us = CPU_PERIOD_DEFAULT_US;
		l->cpu_quota_us = q * CPU_PERIOD_DEFAULT_US / 100;
	}
	return true;
}

/* "50%" or "20ms/100ms" (quota/period). */
static void validate_cpu_max(struct config_vctx *v, const char *s, struct limits_config *l)
{
	const uint64_t min_ms = CONFIG_MIN_CPU_PERIOD_US / USEC_PER_MSEC;
	const uint64_t max_ms = CONFIG_MAX_CPU_PERIOD_US / USEC_PER_MSEC;
	char num[48], period[48];
	size_t n = s ? strlen(s) : 0, cut = s ? strcspn(s, "/") : 0;
	struct config_shown b;
	uint64_t q = 0, p = 0;
	int rq, rp;

	if (!s)
		return;
	if (n >= sizeof(num) || n < 2) /* the schema allows 32 */
		goto bad;
	if (s[n - 1] == '%' && cut == n) {
		if (!cpu_max_percent(v, s, n, l))
			goto bad;
		return;
	}
	if (cut == n)
		goto bad;
	snprintf(num, sizeof(num), "%.*s", (int)cut, s);
	snprintf(period, sizeof(period), "%s", s + cut + 1);
	rq = parse_duration_ms(num, &q);
	rp = parse_duration_ms(period, &p);
	if (rq == -EINVAL || rp == -EINVAL)
		goto bad;
	if (rp == -ERANGE || p > max_ms)
		config_verr(v, "limits.cpu_max", "the period %s exceeds the maximum of 1s",
			    config_show(&b, period));
	else if (p < min_ms)
		config_verr(v, "limits.cpu_max", "the period %s is below the minimum of 1ms",
			    config_show(&b, period));
	else if (rq == -ERANGE || q > p * (CONFIG_MAX_CPU_PERCENT / 100))
		config_verr(v, "limits.cpu_max",
			    "the quota %s is more than %d times the period (%d%%)",
			    config_show(&b, num), CONFIG_MAX_CPU_PERCENT / 100,
			    CONFIG_MAX_CPU_PERCENT);
	else if (q < min_ms)
		config_verr(v, "limits.cpu_max", "the quota %s is below the minimum of 1ms",
			    config_show(&b, num));
	else {
		l->cpu_quota_us = q * USEC_PER_MSEC;
		l->cpu_period_us = p * USEC_PER_MSEC;
	}
	return;
bad:
	config_verr(v, "limits.cpu_max", "\"%s\" is not %s", config_show(&b, s), CPU_MAX_HINT);
}

/* "MAJ:MIN", both decimal, as the kernel's io.max reads them. */
static bool parse_dev(const char *t, uint64_t *ret_major, uint64_t *ret_minor)
{
	char major[24];
	size_t n = strcspn(t, ":");

	if (t[n] != ':' || n >= sizeof(major))
		return false;
	snprintf(major, sizeof(major), "%.*s", (int)n, t);
	return parse_uint(major, ret_major) == 0 && *ret_major <= UINT32_MAX &&
	       parse_uint(t + n + 1, ret_minor) == 0 && *ret_minor <= UINT32_MAX;
}

/* "rbps=N" and the like: its bit in *seen, or -EINVAL, -EEXIST. */
static int parse_io_limit(const char *t, unsigned *seen)
{
	static const char *const keys[] = { "rbps", "wbps", "riops", "wiops" };
	size_t n = strcspn(t, "=");
	uint64_t val;

	if (t[n] != '=' || (strcmp(t + n + 1, "max") != 0 && parse_uint(t + n + 1, &val) < 0))
		return -EINVAL;
	for (unsigned i = 0; i < ELEMENTSOF(keys); i++)
		if (strlen(keys[i]) == n && strncmp(t, keys[i], n) == 0) {
			if (*seen & (1U << i))
				return -EEXIST;
			*seen |= 1U << i;
			return 0;
		}
	return -EINVAL;
}

struct io_dev {
	uint64_t major, minor;
	size_t index; /* in io_max */
};

/* One io_max rule, written to out (strlen(rule) + 1 bytes) with single
 * spaces. devs[0..n_devs) are the devices of the valid rules before it, its
 * own goes to devs[n_devs]. One rule per device: the kernel would merge two,
 * and status shows the first one only. */
static bool check_io_rule(struct config_vctx *v, const char *key, const char *rule, char *out,
			  struct io_dev *devs, size_t n_devs)
{
	struct io_dev *d = &devs[n_devs];
	struct config_shown b;
	unsigned seen = 0, n_tok = 0;
	char tok[CONFIG_IO_RULE_LEN_MAX + 1];
	int r;

	out[0] = '\0';
	if (strlen(rule) >= sizeof(tok)) { /* the schema's bound */
		config_verr(v, key, "is longer than %d bytes", CONFIG_IO_RULE_LEN_MAX);
		return false;
	}
	for (const char *p = rule + strspn(rule, " \t"); *p; p += strspn(p, " \t"), n_tok++) {
		size_t n = strcspn(p, " \t");

		snprintf(tok, sizeof(tok), "%.*s", (int)n, p);
		p += n;
		if (n_tok == 0 && !parse_dev(tok, &d->major, &d->minor)) {
			config_verr(v, key, "\"%s\" is not a device number MAJ:MIN, e.g. 8:0",
				    config_show(&b, tok));
			return false;
		}
		r = n_tok == 0 ? 0 : parse_io_limit(tok, &seen);
		if (r < 0) {
			config_verr(v, key, r == -EEXIST ? "\"%s\": that limit is already set" :
				    "\"%s\" is not " IO_LIMIT_HINT, config_show(&b, tok));
			return false;
		}
		strcat(strcat(out, n_tok ? " " : ""), tok);
	}
	if (n_tok == 0) {
		config_verr(v, key, "is empty: write \"MAJ:MIN\" and one or more of " IO_LIMIT_HINT);
		return false;
	}
	if (seen == 0) {
		config_verr(v, key, "\"%s\" sets no limit: add one or more of " IO_LIMIT_HINT,
			    config_show(&b, rule));
		return false;
	}
	for (size_t i = 0; i < n_devs; i++)
		if (devs[i].major == d->major && devs[i].minor == d->minor) {
			config_verr(v, key,
				    "device %" PRIu64 ":%" PRIu64 " already has a rule in io_max[%zu]",
				    d->major, d->minor, devs[i].index);
			return false;
		}
	return true;
}

static int validate_io_max(struct config_vctx *v, const struct raw_limits *rl,
			   struct limits_config *l)
{
	struct io_dev devs[CONFIG_MAX_IO_RULES];

	if (rl->n_io_max == 0)
		return 0;
	l->io_max = calloc((size_t)rl->n_io_max + 1, sizeof(char *));
	if (!l->io_max)
		return -ENOMEM;
	for (size_t i = 0; i < rl->n_io_max && i < CONFIG_MAX_IO_RULES; i++) {
		_cleanup_free_ char *out = malloc(strlen(rl->io_max[i]) + 1);
		char key[32];

		if (!out)
			return -ENOMEM;
		snprintf(key, sizeof(key), "limits.io_max[%zu]", i);
		devs[l->n_io_max].index = i;
		if (check_io_rule(v, key, rl->io_max[i], out, devs, l->n_io_max))
			l->io_max[l->n_io_max++] = TAKE_PTR(out);
	}
	return 0;
}

static int validate_limits(struct config_vctx *v, const struct raw_limits *rl,
			   struct service_config *s)
{
	struct limits_config *l = &s->limits;
	char t1[32], t2[32];
	uint64_t n = 0;
	int a, b;

	l->cpu_period_us = CPU_PERIOD_DEFAULT_US;
	if (!rl)
		return 0;
	if (check_count(v, "limits.nofile", rl->nofile, 1, CONFIG_MAX_NOFILE, &n) > 0)
		s->nofile = n;
	a = check_size(v, "limits.memory_max", rl->memory_max, 1, &l->memory_max);
	b = check_size(v, "limits.memory_high", rl->memory_high, 1, &l->memory_high);
	if (a > 0 && b > 0 && l->memory_high > l->memory_max)
		config_verr(v, "limits.memory_high", "%s is above memory_max (%s)",
			    show_size(l->memory_high, t1, sizeof(t1)),
			    show_size(l->memory_max, t2, sizeof(t2)));
	if (check_size(v, "limits.memory_swap_max", rl->memory_swap_max, 0,
		       &l->memory_swap_max) > 0)
		l->has_memory_swap_max = true;
	check_count(v, "limits.pids_max", rl->pids_max, 1, CONFIG_MAX_PIDS, &l->pids_max);
	validate_cpu_max(v, rl->cpu_max, l);
	if (check_count(v, "limits.cpu_weight", rl->cpu_weight, 1, CONFIG_MAX_CPU_WEIGHT, &n) > 0)
		l->cpu_weight = (uint32_t)n;
	return validate_io_max(v, rl, l);
}

static void validate_violation(struct config_vctx *v, const struct raw_violation *rv,
			       struct violation_config *vc)
{
	static const char *const oom[] = {
		[OOM_ACTION_RESTART] = "restart",
		[OOM_ACTION_STOP] = "stop",
		[OOM_ACTION_IGNORE] = "ignore",
	};
	static const char *const pids[] = {
		[PIDS_ACTION_LOG] = "log",
		[PIDS_ACTION_RESTART] = "restart",
		[PIDS_ACTION_STOP] = "stop",
		[PIDS_ACTION_FREEZE] = "freeze",
	};
	static const char *const memhigh[] = {
		[MEMHIGH_ACTION_LOG] = "log",
		[MEMHIGH_ACTION_FREEZE] = "freeze",
		[MEMHIGH_ACTION_RESTART] = "restart",
	};
	int o = OOM_ACTION_RESTART, p = PIDS_ACTION_LOG, m = MEMHIGH_ACTION_LOG;

	if (rv) {
		check_choice(v, "on_violation.oom", rv->oom, oom, ELEMENTSOF(oom), &o);
		check_choice(v, "on_violation.pids", rv->pids, pids, ELEMENTSOF(pids), &p);
		check_choice(v, "on_violation.memory_high", rv->memory_high, memhigh,
			     ELEMENTSOF(memhigh), &m);
	}
	*vc = (struct violation_config){
		.oom = (enum oom_action)o,
		.pids = (enum pids_action)p,
		.memory_high = (enum memhigh_action)m,
	};
}

static int validate_service(struct config_vctx *v, const struct raw_service *rs,
			    struct service_config *s)
{
	size_t n_name = strlen(rs->name);
	uint64_t n = 0;
	struct config_shown b;
	int r;

	snprintf(v->prefix, sizeof(v->prefix), "services.%s",
		 config_path_part(b.s, sizeof(b.s), rs->name, n_name));
	if (config_dup_str(&s->name, rs->name) < 0)
		return -ENOMEM;
	if (n_name < 1 || n_name > CONFIG_MAX_NAME_LEN || strspn(rs->name, NAME_CHARS) != n_name)
		config_verr(v, NULL, "invalid service name: use 1 to %d of A-Z, a-z, 0-9, _ and -",
			    CONFIG_MAX_NAME_LEN);
	r = validate_command(v, rs, s);
	if (r < 0)
		return r;
	s->instances = 1;
	if (check_count(v, "instances", rs->instances, 1, CONFIG_MAX_INSTANCES, &n) > 0)
		s->instances = (uint32_t)n;
	r = validate_env(v, rs, s);
	if (r < 0)
		return r;
	if (config_dup_str(&s->cwd, rs->cwd) < 0)
		return -ENOMEM;
	if (s->cwd && s->cwd[0] != '/')
		config_verr(v, "cwd", "\"%s\" is not an absolute path", config_show(&b, s->cwd));
	r = config_resolve_identity(v, rs, s);
	if (r < 0)
		return r;
	validate_umask(v, rs->umask, s);
	r = config_resolve_caps(v, rs, s);
	if (r < 0)
		return r;
	validate_restart(v, rs->restart, &s->restart);
	validate_stop(v, rs->stop, &s->stop);
	r = validate_limits(v, rs->limits, s);
	if (r < 0)
		return r;
	s->limits.memory_oom_group = true;
	check_bool(v, "memory_oom_group", rs->memory_oom_group, &s->limits.memory_oom_group);
	validate_violation(v, rs->on_violation, &s->on_violation);
	return 0;
}

/* auto (stored as NULL), none, or an absolute path without "..". */
static int validate_cgroup_root(struct config_vctx *v, const char *s, char **ret)
{
	struct config_shown b;

	if (!s || strcmp(s, "auto") == 0)
		return 0;
	if (strcmp(s, "none") != 0 && s[0] != '/') {
		config_verr(v, "cgroup_root", "\"%s\" is not auto, none or an absolute path",
			    config_show(&b, s));
		return 0;
	}
	for (const char *p = s; *p; p += strspn(p, "/")) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			config_verr(v, "cgroup_root", "\"%s\" must not contain \"..\"",
				    config_show(&b, s));
			return 0;
		}
		p += n;
	}
	return config_dup_str(ret, s);
}

static int validate_supervisor(struct config_vctx *v, const struct raw_supervisor *rs,
			       struct supervisor_config *sc)
{
	const size_t sun_max = sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1;
	struct config_shown b;
	int r;

	snprintf(v->prefix, sizeof(v->prefix), "supervisor");
	sc->shutdown_timeout_ms = 30 * 1000;
	if (!rs)
		return 0;
	if (config_dup_str(&sc->control_socket, rs->control_socket) < 0 ||
	    config_dup_str(&sc->admin_group, rs->admin_group) < 0 ||
	    validate_cgroup_root(v, rs->cgroup_root, &sc->cgroup_root) < 0)
		return -ENOMEM;
	check_bool(v, "strict_limits", rs->strict_limits, &sc->strict_limits);
	if (sc->control_socket && sc->control_socket[0] != '/')
		config_verr(v, "control_socket", "\"%s\" is not an absolute path",
			    config_show(&b, sc->control_socket));
	else if (sc->control_socket && strlen(sc->control_socket) > sun_max)
		config_verr(v, "control_socket",
			    "is %zu bytes long, a unix socket path holds at most %zu",
			    strlen(sc->control_socket), sun_max);
	check_duration(v, "shutdown_timeout", rs->shutdown_timeout, 1, CONFIG_MAX_TIMEOUT_MS,
		       &sc->shutdown_timeout_ms);
	if (sc->admin_group) {
		r = config_resolve_group(v, "admin_group", sc->admin_group, &sc->admin_gid);
		if (r < 0)
			return r;
		sc->has_admin_gid = r > 0;
	}
	return 0;
}

static int cmp_service_names(const void *a, const void *b)
{
	const struct service_config *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* Sorted, so that 10000 services cost n log n comparisons, not n^2. */
static int check_duplicates(struct config_vctx *v, const struct config *c)
{
	_cleanup_free_ const struct service_config **sorted = NULL;
	struct config_shown b;

	sorted = calloc(c->n_services, sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_services; i++)
		sorted[i] = &c->services[i];
	qsort(sorted, c->n_services, sizeof(*sorted), cmp_service_names);
	for (size_t i = 1; i < c->n_services; i++) {
		if (strcmp(sorted[i - 1]->name, sorted[i]->name) != 0)
			continue;
		if (i >= 2 && strcmp(sorted[i - 2]->name, sorted[i]->name) == 0)
			continue; /* reported at its second definition */
		const char *name = sorted[i]->name;

		snprintf(v->prefix, sizeof(v->prefix), "services.%s",
			 config_path_part(b.s, sizeof(b.s), name, strlen(name)));
		config_verr(v, NULL, "service defined more than once");
	}
	return 0;
}

int config_validate(const char *file, const struct raw_config *raw, struct config *c,
		    struct config_errors *errs)
{
	struct config_vctx v = { .file = file, .errs = errs };
	int r;

	r = validate_supervisor(&v, raw->supervisor, &c->supervisor);
	if (r < 0)
		return r;
	c->services = calloc(MAX(raw->n_services, 1U), sizeof(*c->services));
	if (!c->services)
		return -ENOMEM;
	c->n_services = raw->n_services; /* zeroed entries are safe to free */
	for (size_t i = 0; i < c->n_services; i++) {
		r = validate_service(&v, &raw->services[i], &c->services[i]);
		if (r < 0)
			return r;
		c->total_instances += c->services[i].instances;
	}
	if (c->total_instances > CONFIG_MAX_INSTANCES_TOTAL) {
		snprintf(v.prefix, sizeof(v.prefix), "services");
		config_verr(&v, NULL,
			    "the instances add up to %" PRIu64 ", more than the maximum of %d",
			    c->total_instances, CONFIG_MAX_INSTANCES_TOTAL);
	}
	r = check_duplicates(&v, c);
	if (r < 0)
		return r;
	return v.n_errors;
}
