/* SPDX-License-Identifier: MIT */
/*
 * status_ready.c: see status_ready.h.
 */
#include <stddef.h>

#include "basic/units.h"
#include "config/config_deps.h"
#include "config/config_names.h"
#include "control/status_ready.h"
#include "policy/instance_ready.h"

static const char *const kind_names[_CHECK_KIND_MAX] = {
	[CHECK_NONE] = "none", [CHECK_NOTIFY] = "notify", [CHECK_FD] = "fd",
	[CHECK_TCP] = "tcp",   [CHECK_HTTP] = "http",     [CHECK_EXEC] = "exec",
};

static int64_t ms_since(uint64_t then, uint64_t now)
{
	return then && now > then ? (int64_t)((now - then) / NSEC_PER_MSEC) : 0;
}

/* The check's last run as a value: null before the first. */
static void last_check(struct json_out *j, const struct check *c, uint64_t now)
{
	if (!c || !c->runs) {
		json_out_null(j);
		return;
	}
	json_out_object(j);
	json_out_kbool(j, "ok", c->last_ok);
	json_out_kstring(j, "detail", c->last_detail);
	json_out_kint(j, "took_ms", (int64_t)c->last_duration_ms);
	json_out_kint(j, "ago_ms", ms_since(c->last_ns, now));
	json_out_end(j);
}

static void readiness(struct json_out *j, const struct instance *inst, uint64_t now)
{
	const struct instance_ready *rd = inst->rd;
	const struct readiness_config *rc = &inst->cfg->readiness;

	json_out_object(j);
	json_out_kstring(j, "kind", kind_names[rc->check.kind]);
	json_out_kbool(j, "ready", rd->ready_ns != 0);
	json_out_key(j, "ready_after_ms");
	if (rd->ready_ns)
		json_out_int(j, ms_since(rd->exec_ns, rd->ready_ns));
	else
		json_out_null(j);
	json_out_kstring(j, "status_text", rd->status_text[0] ? rd->status_text : NULL);
	json_out_key(j, "last_check");
	last_check(j, rd->ready_check, now);
	if (inst->cfg->watchdog_ms) {
		json_out_kobject(j, "watchdog");
		json_out_kint(j, "usec", (int64_t)rd->watchdog_usec);
		json_out_key(j, "last_ping_ago_ms");
		if (rd->last_ping_ns)
			json_out_int(j, ms_since(rd->last_ping_ns, now));
		else
			json_out_null(j);
		json_out_end(j);
	}
	json_out_end(j);
}

static void health(struct json_out *j, const struct instance *inst, uint64_t now)
{
	static const char *const states[] = { [HEALTH_UNKNOWN] = "unknown", [HEALTH_HEALTHY] = "healthy",
					      [HEALTH_UNHEALTHY] = "unhealthy" };
	const struct instance_ready *rd = inst->rd;

	json_out_object(j);
	json_out_kstring(j, "kind", kind_names[inst->cfg->health.check.kind]);
	json_out_kstring(j, "state", states[rd->health]);
	json_out_kint(j, "failures_in_row", rd->fails_in_row);
	json_out_kint(j, "checks", (int64_t)rd->health_check->runs);
	json_out_key(j, "last_check");
	last_check(j, rd->health_check, now);
	json_out_end(j);
}

void status_instance_ready(struct json_out *j, const struct instance *inst)
{
	uint64_t now = now_ns();

	if (!inst->rd)
		return;
	if (inst->cfg->readiness.check.kind != CHECK_NONE || inst->cfg->watchdog_ms) {
		json_out_key(j, "readiness");
		readiness(j, inst, now);
	}
	if (inst->cfg->health.check.kind != CHECK_NONE) {
		json_out_key(j, "health");
		health(j, inst, now);
	}
}

void status_service_deps(struct json_out *j, const struct service *svc)
{
	const struct service_config *c = svc->cfg;

	json_out_kstring(j, "type", c->type == SERVICE_ONESHOT ? "oneshot" : "simple");
	if (c->n_deps) {
		json_out_kobject(j, "depends_on");
		for (size_t i = 0; i < c->n_deps; i++)
			json_out_kstring(j, c->deps[i].name, dep_condition_to_string(c->deps[i].condition));
		json_out_end(j);
	}
	if (svc->waiting) {
		json_out_kobject(j, "waiting");
		json_out_kstring(j, "for", svc->wait_reason);
		json_out_kbool(j, "blocked", svc->blocked);
		json_out_end(j);
	}
}

void status_notify(struct json_out *j, const struct supervisor *s)
{
	const struct supervisor_notify *n = &s->notify;

	json_out_object(j);
	json_out_kstring(j, "socket", n->fd >= 0 ? n->path : NULL);
	json_out_kint(j, "received", (int64_t)n->received);
	json_out_kint(j, "accepted", (int64_t)n->accepted);
	json_out_kint(j, "dropped", (int64_t)n->dropped);
	json_out_kstring(j, "last_drop", n->last_drop[0] ? n->last_drop : NULL);
	json_out_kbool(j, "ready_sent", s->ready_sent);
	json_out_end(j);
}

void status_checks(struct json_out *j, const struct supervisor *s)
{
	const struct check_pool *p = &s->rt.checks;

	json_out_object(j);
	json_out_kint(j, "net_in_flight", p->running[0]);
	json_out_kint(j, "net_in_flight_max", p->max[0]);
	json_out_kint(j, "exec_in_flight", p->running[1]);
	json_out_kint(j, "exec_in_flight_max", p->max[1]);
	json_out_kint(j, "deferred", (int64_t)p->deferred);
	json_out_end(j);
}
