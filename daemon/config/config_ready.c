/* SPDX-License-Identifier: MIT */
/*
 * config_ready.c: type, readiness, watchdog, health and on_violation.health
 * of one service, validated (docs/readiness.md says what they do).
 *
 * A check names exactly one kind (notify, fd, tcp, http, exec); interval
 * and timeout only mean something for the kinds the daemon polls. tcp and
 * http targets are addresses, parsed here once: a probe must never wait on
 * a resolver, so a name other than localhost is refused with the reason.
 * Part of config_validate(): a bad value is recorded, the walk goes on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/netaddr.h"
#include "config/config_ready.h"

static const struct readiness_config readiness_defaults = {
	.check = { .interval_ms = 250, .timeout_ms = 1000 },
	.start_timeout_ms = 60 * 1000,
};

static const struct health_config health_defaults = {
	.check = { .interval_ms = 10 * 1000, .timeout_ms = 2000 },
	.failures = 3,
	.successes = 1,
};

/* The kinds given, as "tcp and http", for the message. */
static size_t kinds_given(const struct raw_check *rc, bool readiness, char *buf, size_t len)
{
	const char *names[] = { "notify", "fd", "tcp", "http", "exec" };
	bool given[] = { readiness && rc->notify, readiness && rc->fd, rc->tcp, rc->http, rc->exec };
	size_t n = 0, used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		if (!given[i])
			continue;
		int w = snprintf(buf + used, len - used, "%s%s", n ? " and " : "", names[i]);
		if (w > 0 && (size_t)w < len - used)
			used += (size_t)w;
		n++;
	}
	return n;
}

static int dup_argv(const struct raw_check *rc, struct check_config *c)
{
	c->argv = calloc((size_t)rc->n_exec + 1, sizeof(char *));
	if (!c->argv)
		return -ENOMEM;
	for (size_t i = 0; i < rc->n_exec; i++)
		if (config_dup_str(&c->argv[i], rc->exec[i]) < 0)
			return -ENOMEM;
	c->argc = rc->n_exec;
	return 0;
}

/* The target, parsed once here: -ENOMEM or 0 (a bad one is recorded). */
static int check_address(struct config_vctx *v, const char *key, const char *target,
			 struct check_config *c)
{
	char err[160], path[CONFIG_MAX_URL_PATH + 1];
	struct config_shown b;
	struct netaddr a;
	int r = c->kind == CHECK_TCP ? netaddr_parse_hostport(target, &a, err, sizeof(err))
				     : netaddr_parse_http_url(target, &a, path, sizeof(path), err, sizeof(err));

	if (r < 0) {
		config_verr(v, key, "\"%s\": %s", config_show(&b, target), err);
		return 0;
	}
	memcpy(&c->addr, &a.sa, sizeof(c->addr));
	c->addr_len = (uint32_t)a.len;
	return c->kind == CHECK_HTTP ? config_dup_str(&c->path, path) : 0;
}

/* The kind, and its own value. Returns -ENOMEM or 0. */
static int check_kind(struct config_vctx *v, const char *what, const struct raw_check *rc,
		      bool readiness, struct check_config *c)
{
	char key[64], given[64];
	uint64_t n = 0;

	if (kinds_given(rc, readiness, given, sizeof(given)) > 1) {
		config_verr(v, what, "give one check, not %s", given);
		return 0;
	}
	if (readiness && rc->notify) {
		bool on = false;
		snprintf(key, sizeof(key), "%s.notify", what);
		config_check_bool(v, key, rc->notify, &on);
		c->kind = on ? CHECK_NOTIFY : CHECK_NONE;
	} else if (readiness && rc->fd) {
		snprintf(key, sizeof(key), "%s.fd", what);
		if (config_check_count(v, key, rc->fd, CONFIG_MIN_READY_FD, CONFIG_MAX_READY_FD, &n) > 0)
			c->fd = (int)n;
		c->kind = CHECK_FD;
	} else if (rc->tcp || rc->http) {
		c->kind = rc->tcp ? CHECK_TCP : CHECK_HTTP;
		snprintf(key, sizeof(key), "%s.%s", what, rc->tcp ? "tcp" : "http");
		if (config_dup_str(&c->target, rc->tcp ? rc->tcp : rc->http) < 0 ||
		    check_address(v, key, c->target, c) < 0)
			return -ENOMEM;
	} else if (rc->exec) {
		c->kind = CHECK_EXEC;
		if (dup_argv(rc, c) < 0)
			return -ENOMEM;
		if (c->argv[0][0] == '\0') {
			snprintf(key, sizeof(key), "%s.exec[0]", what);
			config_verr(v, key, "the program must not be empty");
		}
	}
	if (c->kind == CHECK_NONE)
		config_verr(v, what, readiness ? "needs one of notify: true, fd, tcp, http or exec"
						  : "needs one of tcp, http or exec");
	return 0;
}

/* interval and timeout: for the kinds the daemon polls. */
static void check_timing(struct config_vctx *v, const char *what, const struct raw_check *rc,
			 struct check_config *c)
{
	bool polled = c->kind == CHECK_TCP || c->kind == CHECK_HTTP || c->kind == CHECK_EXEC;
	const char *keys[] = { "interval", "timeout" };
	const char *vals[] = { rc->interval, rc->timeout };
	uint64_t *dst[] = { &c->interval_ms, &c->timeout_ms };
	char key[64];

	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		snprintf(key, sizeof(key), "%s.%s", what, keys[i]);
		if (vals[i] && !polled && c->kind != CHECK_NONE)
			config_verr(v, key, "only for tcp, http and exec checks");
		else
			config_check_duration(v, key, vals[i], CONFIG_MIN_CHECK_MS, CONFIG_MAX_TIMEOUT_MS,
					      dst[i]);
	}
}

static int validate_readiness(struct config_vctx *v, const struct raw_check *rc, struct readiness_config *r)
{
	*r = readiness_defaults;
	if (!rc)
		return 0;
	if (check_kind(v, "readiness", rc, true, &r->check) < 0)
		return -ENOMEM;
	check_timing(v, "readiness", rc, &r->check);
	config_check_duration(v, "readiness.start_timeout", rc->start_timeout, 1, CONFIG_MAX_TIMEOUT_MS,
			      &r->start_timeout_ms);
	return 0;
}

static int validate_health(struct config_vctx *v, const struct raw_check *rc, struct health_config *h)
{
	uint64_t n = 0;

	*h = health_defaults;
	if (!rc)
		return 0;
	if (check_kind(v, "health", rc, false, &h->check) < 0)
		return -ENOMEM;
	check_timing(v, "health", rc, &h->check);
	if (config_check_count(v, "health.failures", rc->failures, 1, CONFIG_MAX_CHECK_COUNT, &n) > 0)
		h->failures = (uint32_t)n;
	if (config_check_count(v, "health.successes", rc->successes, 1, CONFIG_MAX_CHECK_COUNT, &n) > 0)
		h->successes = (uint32_t)n;
	return 0;
}

static void validate_type(struct config_vctx *v, const struct raw_service *rs, struct service_config *s)
{
	static const char *const types[] = { [SERVICE_SIMPLE] = "simple", [SERVICE_ONESHOT] = "oneshot" };
	int t = SERVICE_SIMPLE;

	config_check_choice(v, "type", rs->type, types, ELEMENTSOF(types), &t);
	s->type = (enum service_type)t;
	if (s->type != SERVICE_ONESHOT)
		return;
	/* A task that ran to completion is done; a failed one is not retried
	 * unless restart.policy asks for it. */
	if (!rs->restart || !rs->restart->policy)
		s->restart.policy = RESTART_NEVER;
	if (rs->readiness)
		config_verr(v, "readiness", "a oneshot service is done when it exits 0: no readiness check");
	if (rs->health)
		config_verr(v, "health", "a oneshot service has no health check");
	if (rs->watchdog)
		config_verr(v, "watchdog", "a oneshot service has no watchdog");
}

int config_validate_service_ready(struct config_vctx *v, const struct raw_service *rs,
				  struct service_config *s)
{
	static const enum violation_action health[] = { VIOLATION_RESTART, VIOLATION_LOG, VIOLATION_STOP,
							VIOLATION_FREEZE };

	validate_type(v, rs, s);
	if (validate_readiness(v, rs->readiness, &s->readiness) < 0 ||
	    validate_health(v, rs->health, &s->health) < 0)
		return -ENOMEM;
	if (config_check_duration(v, "watchdog", rs->watchdog, CONFIG_MIN_WATCHDOG_MS, CONFIG_MAX_TIMEOUT_MS,
				  &s->watchdog_ms) > 0 &&
	    s->readiness.check.kind != CHECK_NOTIFY)
		config_verr(v, "watchdog", "needs readiness: {notify: true} (the pings are sd_notify WATCHDOG=1)");
	s->on_violation.health = VIOLATION_RESTART;
	if (rs->on_violation)
		config_check_action(v, "on_violation.health", rs->on_violation->health, health,
				    ELEMENTSOF(health), &s->on_violation.health);
	return 0;
}

static void check_free(struct check_config *c)
{
	free(c->target);
	free(c->path);
	for (size_t i = 0; c->argv && c->argv[i]; i++)
		free(c->argv[i]);
	free(c->argv);
}

void config_ready_free(struct service_config *s)
{
	check_free(&s->readiness.check);
	check_free(&s->health.check);
	for (size_t i = 0; i < s->n_deps; i++)
		free(s->deps[i].name);
	free(s->deps);
}
