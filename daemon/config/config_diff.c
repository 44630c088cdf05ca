/* SPDX-License-Identifier: MIT */
/*
 * config_diff.c: see config_diff.h. Field by field: a new field of
 * service_config must be added here (the size check below says so).
 */
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "config/config_diff.h"

/* A field added to service_config changes its size: compare it below,
 * then update this figure. */
_Static_assert(sizeof(struct service_config) == 712, "config_diff.c: compare the new field of service_config");

_Static_assert(sizeof(struct violation_config) == 5 * sizeof(enum violation_action), "no padding");
_Static_assert(sizeof(struct service_leak_config) == 3 * 8 + 2 * 4 + 2 * CONFIG_LEAK_SERIES * 8, "no padding");

static const char *const group_names[_CK_MAX] = {
	[CK_COMMAND] = "command", [CK_INSTANCES] = "instances", [CK_ENV] = "env", [CK_CWD] = "cwd",
	[CK_USER] = "user", [CK_UMASK] = "umask", [CK_RESTART] = "restart", [CK_STOP] = "stop",
	[CK_NOFILE] = "nofile", [CK_CAPABILITIES] = "capabilities", [CK_LIMITS] = "limits",
	[CK_ON_VIOLATION] = "on_violation", [CK_LEAK] = "leak", [CK_LOG] = "log", [CK_TYPE] = "type",
	[CK_READINESS] = "readiness", [CK_WATCHDOG] = "watchdog", [CK_HEALTH] = "health",
	[CK_DEPENDS_ON] = "depends_on", [CK_ON_EXIT] = "on_exit",
};

const char *config_key_group_name(enum config_key_group g)
{
	return (unsigned)g < _CK_MAX ? group_names[g] : NULL;
}

void config_key_groups_format(unsigned mask, char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (int g = 0; g < _CK_MAX && n < len; g++)
		if (mask & CK_BIT(g))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", group_names[g]);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool strv_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_eq(a[i], b[i]))
			return false;
	return true;
}

static bool check_eq(const struct check_config *a, const struct check_config *b)
{
	return a->kind == b->kind && a->fd == b->fd && str_eq(a->target, b->target) &&
	       str_eq(a->path, b->path) && strv_eq(a->argv, a->argc, b->argv, b->argc) &&
	       a->interval_ms == b->interval_ms && a->timeout_ms == b->timeout_ms;
}

static bool log_eq(const struct log_config *a, const struct log_config *b)
{
	return str_eq(a->dir, b->dir) && a->max_bytes == b->max_bytes && a->backups == b->backups &&
	       a->timestamps == b->timestamps && a->stderr_mode == b->stderr_mode &&
	       a->forward == b->forward && a->rate_bytes_per_s == b->rate_bytes_per_s &&
	       a->rate_burst == b->rate_burst && a->tail_bytes == b->tail_bytes;
}

static bool limits_eq(const struct limits_config *a, const struct limits_config *b)
{
	return a->memory_max == b->memory_max && a->memory_high == b->memory_high &&
	       a->memory_swap_max == b->memory_swap_max && a->has_memory_swap_max == b->has_memory_swap_max &&
	       a->pids_max == b->pids_max && a->cpu_quota_us == b->cpu_quota_us &&
	       a->cpu_period_us == b->cpu_period_us && a->cpu_weight == b->cpu_weight &&
	       strv_eq(a->io_max, a->n_io_max, b->io_max, b->n_io_max) &&
	       a->memory_oom_group == b->memory_oom_group;
}

static bool user_eq(const struct service_config *a, const struct service_config *b)
{
	return str_eq(a->user, b->user) && str_eq(a->group, b->group) && a->has_uid == b->has_uid &&
	       a->has_gid == b->has_gid && a->uid == b->uid && a->gid == b->gid && a->n_groups == b->n_groups &&
	       (a->n_groups == 0 || !memcmp(a->groups, b->groups, a->n_groups * sizeof(*a->groups)));
}

static bool restart_eq(const struct restart_config *a, const struct restart_config *b)
{
	return a->policy == b->policy && a->backoff_initial_ms == b->backoff_initial_ms &&
	       a->backoff_max_ms == b->backoff_max_ms && a->reset_after_ms == b->reset_after_ms &&
	       a->max_restarts == b->max_restarts && a->window_ms == b->window_ms &&
	       a->half_open_after_ms == b->half_open_after_ms;
}

static bool deps_eq(const struct service_config *a, const struct service_config *b)
{
	if (a->n_deps != b->n_deps)
		return false;
	for (size_t i = 0; i < a->n_deps; i++)
		if (!str_eq(a->deps[i].name, b->deps[i].name) || a->deps[i].condition != b->deps[i].condition)
			return false;
	return true;
}

unsigned config_service_diff(const struct service_config *a, const struct service_config *b)
{
	unsigned m = 0;

#define DIFF(group, same) do { if (!(same)) m |= CK_BIT(group); } while (0)
	DIFF(CK_COMMAND, strv_eq(a->argv, a->argc, b->argv, b->argc));
	DIFF(CK_INSTANCES, a->instances == b->instances);
	DIFF(CK_ENV, strv_eq(a->env, a->n_env, b->env, b->n_env) && a->inherit_env == b->inherit_env &&
	     strv_eq(a->inherit_names, a->n_inherit_names, b->inherit_names, b->n_inherit_names));
	DIFF(CK_CWD, str_eq(a->cwd, b->cwd));
	DIFF(CK_USER, user_eq(a, b));
	DIFF(CK_UMASK, a->has_umask == b->has_umask && a->umask == b->umask);
	DIFF(CK_RESTART, restart_eq(&a->restart, &b->restart));
	DIFF(CK_STOP, a->stop.signal == b->stop.signal && a->stop.timeout_ms == b->stop.timeout_ms);
	DIFF(CK_NOFILE, a->nofile == b->nofile);
	DIFF(CK_CAPABILITIES, a->n_caps == b->n_caps &&
	     (a->n_caps == 0 || !memcmp(a->caps, b->caps, a->n_caps * sizeof(*a->caps))));
	DIFF(CK_LIMITS, limits_eq(&a->limits, &b->limits));
	DIFF(CK_ON_VIOLATION, !memcmp(&a->on_violation, &b->on_violation, sizeof(a->on_violation)));
	/* Both without padding (asserted below): compared whole. */
	DIFF(CK_LEAK, !memcmp(&a->leak, &b->leak, sizeof(a->leak)));
	DIFF(CK_LOG, log_eq(&a->log, &b->log));
	DIFF(CK_TYPE, a->type == b->type);
	DIFF(CK_READINESS, check_eq(&a->readiness.check, &b->readiness.check) &&
	     a->readiness.start_timeout_ms == b->readiness.start_timeout_ms);
	DIFF(CK_WATCHDOG, a->watchdog_ms == b->watchdog_ms);
	DIFF(CK_HEALTH, check_eq(&a->health.check, &b->health.check) && a->health.failures == b->health.failures &&
	     a->health.successes == b->health.successes);
	DIFF(CK_DEPENDS_ON, deps_eq(a, b));
	DIFF(CK_ON_EXIT, a->on_exit == b->on_exit);
#undef DIFF
	return m;
}

/* FNV-1a, 64 bits: a digest to compare with, not a defence against anyone. */
struct digest { uint64_t h; };

static void d_bytes(struct digest *d, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		d->h ^= b[i];
		d->h *= 0x100000001b3ULL;
	}
}

static void d_u64(struct digest *d, uint64_t v)
{
	d_bytes(d, &v, sizeof(v));
}

/* With its length, so ["ab","c"] and ["a","bc"] differ; NULL is not "". */
static void d_str(struct digest *d, const char *s)
{
	d_u64(d, s ? strlen(s) + 1 : 0);
	if (s)
		d_bytes(d, s, strlen(s));
}

static void d_strv(struct digest *d, char *const *v, size_t n)
{
	d_u64(d, n);
	for (size_t i = 0; i < n; i++)
		d_str(d, v[i]);
}

static void d_check(struct digest *d, const struct check_config *c)
{
	d_u64(d, (uint64_t)c->kind);
	d_u64(d, (uint64_t)c->fd);
	d_str(d, c->target);
	d_str(d, c->path);
	d_strv(d, c->argv, c->argc);
	d_u64(d, c->interval_ms);
	d_u64(d, c->timeout_ms);
}

static void d_log(struct digest *d, const struct log_config *l)
{
	d_str(d, l->dir);
	d_u64(d, l->max_bytes);
	d_u64(d, l->backups);
	d_u64(d, l->timestamps);
	d_u64(d, (uint64_t)l->stderr_mode);
	d_u64(d, (uint64_t)l->forward);
	d_u64(d, l->rate_bytes_per_s);
	d_u64(d, l->rate_burst);
	d_u64(d, l->tail_bytes);
}

/* The groups of config_service_diff that are not in CK_LIVE, in its order. */
uint64_t config_service_digest(const struct service_config *c)
{
	struct digest d = { 0xcbf29ce484222325ULL };

	d_strv(&d, c->argv, c->argc);
	d_strv(&d, c->env, c->n_env);
	/* Only when set: a service that does not use it keeps the digest an
	 * earlier version wrote, so an upgrade (reexec) adopts it. */
	if (c->inherit_env != INHERIT_ENV_NONE) {
		d_u64(&d, (uint64_t)c->inherit_env);
		d_strv(&d, c->inherit_names, c->n_inherit_names);
	}
	d_str(&d, c->cwd);
	d_str(&d, c->user);
	d_str(&d, c->group);
	d_u64(&d, (uint64_t)c->has_uid << 1 | c->has_gid);
	d_u64(&d, c->uid);
	d_u64(&d, c->gid);
	d_u64(&d, c->n_groups);
	for (size_t i = 0; i < c->n_groups; i++)
		d_u64(&d, c->groups[i]);
	d_u64(&d, c->has_umask ? 0x10000U | c->umask : 0);
	d_u64(&d, c->nofile);
	d_u64(&d, c->n_caps);
	for (size_t i = 0; i < c->n_caps; i++)
		d_u64(&d, (uint64_t)c->caps[i]);
	d_log(&d, &c->log);
	d_u64(&d, (uint64_t)c->type);
	d_check(&d, &c->readiness.check);
	d_u64(&d, c->readiness.start_timeout_ms);
	d_u64(&d, c->watchdog_ms);
	d_check(&d, &c->health.check);
	d_u64(&d, c->health.failures);
	d_u64(&d, c->health.successes);
	return d.h;
}
