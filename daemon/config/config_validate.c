/* SPDX-License-Identifier: MIT */
/*
 * config_validate.c: struct raw_config (strings) -> struct config (numbers).
 *
 * Every value is parsed strictly and checked against its CONFIG_MAX_* bound;
 * names of users, groups and capabilities are resolved by config_resolve.c,
 * the resource keys (limits:, on_violation, cgroup_root, ...) are checked by
 * config_limits.c, the leak keys by config_leak.c, the log keys (merged
 * over the supervisor's) by config_log.c, type, readiness, watchdog and health
 * by config_ready.c, depends_on (across services) by config_deps.c.
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

#include "basic/units.h"
#include "config/config_check.h"
#include "config/config_deps.h"
#include "config/config_env.h"
#include "config/config_leak.h"
#include "config/config_limits.h"
#include "config/config_metrics.h"
#include "config/config_log.h"
#include "config/config_ready.h"
#include "config/config_resolve.h"
#include "config/config_validate.h"

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

static const struct restart_config restart_defaults = {
	.policy = RESTART_ALWAYS,
	.backoff_initial_ms = 100,
	.backoff_max_ms = 30 * 1000,
	.reset_after_ms = 10 * 1000,
	.max_restarts = 10,
	.window_ms = 60 * 1000,
	.half_open_after_ms = 0,
};

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

static void validate_on_exit(struct config_vctx *v, const char *raw, struct service_config *s)
{
	static const char *const names[_ON_EXIT_MAX] = { [ON_EXIT_NONE] = "none",
							 [ON_EXIT_SHUTDOWN] = "shutdown" };
	int a = ON_EXIT_NONE;

	config_check_choice(v, "on_exit", raw, names, ELEMENTSOF(names), &a);
	s->on_exit = (enum on_exit_action)a;
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
	config_check_choice(v, "restart.policy", rr->policy, policies, ELEMENTSOF(policies),
			    &policy);
	rc->policy = (enum restart_policy)policy;
	a = config_check_duration(v, "restart.backoff_initial", rr->backoff_initial, 0,
				  CONFIG_MAX_TIMEOUT_MS, &rc->backoff_initial_ms);
	b = config_check_duration(v, "restart.backoff_max", rr->backoff_max, 0,
				  CONFIG_MAX_TIMEOUT_MS, &rc->backoff_max_ms);
	if (a >= 0 && b >= 0 && rc->backoff_max_ms < rc->backoff_initial_ms)
		config_verr(v, "restart.backoff_max", "%s%s is below backoff_initial (%s)",
			    format_duration_ms(rc->backoff_max_ms, t1, sizeof(t1)),
			    rr->backoff_max ? "" : " (the default)",
			    format_duration_ms(rc->backoff_initial_ms, t2, sizeof(t2)));
	config_check_duration(v, "restart.reset_after", rr->reset_after, 0, CONFIG_MAX_TIMEOUT_MS,
			      &rc->reset_after_ms);
	m = config_check_count(v, "restart.max_restarts", rr->max_restarts, 0, CONFIG_MAX_RESTARTS,
			       &n);
	if (m > 0)
		rc->max_restarts = (uint32_t)n;
	w = config_check_duration(v, "restart.window", rr->window, 0, CONFIG_MAX_WINDOW_MS,
				  &rc->window_ms);
	if (m >= 0 && w >= 0 && rc->max_restarts > 0 && rc->window_ms == 0)
		config_verr(v, "restart.window",
			    "must be greater than 0 while max_restarts is not 0");
	config_check_duration(v, "restart.half_open_after", rr->half_open_after, 0,
			      CONFIG_MAX_TIMEOUT_MS, &rc->half_open_after_ms);
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
	config_check_duration(v, "stop.timeout", rs->timeout, 0, CONFIG_MAX_TIMEOUT_MS,
			      &sc->timeout_ms);
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
	if (config_check_count(v, "instances", rs->instances, 1, CONFIG_MAX_INSTANCES, &n) > 0)
		s->instances = (uint32_t)n;
	if (config_dup_str(&s->cwd, rs->cwd) < 0)
		return -ENOMEM;
	if (s->cwd && s->cwd[0] != '/')
		config_verr(v, "cwd", "\"%s\" is not an absolute path", config_show(&b, s->cwd));
	struct user_env ue = { 0 };
	r = config_resolve_identity(v, rs, s, &ue);
	if (r >= 0)
		r = config_validate_service_env(v, rs, &ue, s);
	user_env_done(&ue);
	if (r < 0)
		return r;
	validate_on_exit(v, rs->on_exit, s);
	validate_umask(v, rs->umask, s);
	r = config_resolve_caps(v, rs, s);
	if (r < 0)
		return r;
	validate_restart(v, rs->restart, &s->restart);
	validate_stop(v, rs->stop, &s->stop);
	r = config_validate_service_limits(v, rs, s);
	if (r >= 0)
		r = config_validate_service_leak(v, rs, s);
	return r < 0 ? r : config_validate_service_ready(v, rs, s);
}

static int validate_supervisor(struct config_vctx *v, const struct raw_supervisor *rs,
			       struct supervisor_config *sc)
{
	const size_t sun_max = sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1;
	struct config_shown b;
	int r;

	snprintf(v->prefix, sizeof(v->prefix), "supervisor");
	sc->shutdown_timeout_ms = 8 * 1000;
	r = config_validate_supervisor_log(v, rs, sc); /* the defaults, with or without rs */
	if (r < 0 || !rs)
		return r;
	if (config_dup_str(&sc->control_socket, rs->control_socket) < 0 ||
	    config_dup_str(&sc->admin_group, rs->admin_group) < 0 ||
	    config_validate_supervisor_limits(v, rs, sc) < 0 ||
	    config_validate_supervisor_leak(v, rs, sc) < 0)
		return -ENOMEM;
	config_validate_supervisor_metrics(v, rs, sc);
	if (sc->control_socket && sc->control_socket[0] != '/')
		config_verr(v, "control_socket", "\"%s\" is not an absolute path",
			    config_show(&b, sc->control_socket));
	else if (sc->control_socket && strlen(sc->control_socket) > sun_max)
		config_verr(v, "control_socket",
			    "is %zu bytes long, a unix socket path holds at most %zu",
			    strlen(sc->control_socket), sun_max);
	config_check_duration(v, "shutdown_timeout", rs->shutdown_timeout, 1,
			      CONFIG_MAX_TIMEOUT_MS, &sc->shutdown_timeout_ms);
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

int config_validate(const char *file, const struct raw_config *raw,
		    const struct config_tree *tree, struct config *c, struct config_errors *errs)
{
	struct config_vctx v = { .file = file, .errs = errs, .tree = tree };
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
		if (r >= 0) /* over supervisor.log, validated above */
			r = config_validate_service_log(&v, raw->supervisor, &c->supervisor,
							&raw->services[i], &c->services[i]);
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
	if (r >= 0)
		r = config_validate_deps(&v, raw, c);
	return r < 0 ? r : v.n_errors;
}
