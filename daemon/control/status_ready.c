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

static json_object *last_check(const struct check *c, uint64_t now)
{
	if (!c || !c->runs)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(c->last_ok));
	json_object_object_add(o, "detail", json_object_new_string(c->last_detail));
	json_object_object_add(o, "took_ms", json_object_new_int64((int64_t)c->last_duration_ms));
	json_object_object_add(o, "ago_ms", json_object_new_int64(ms_since(c->last_ns, now)));
	return o;
}

static json_object *readiness(const struct instance *inst, uint64_t now)
{
	const struct instance_ready *rd = inst->rd;
	const struct readiness_config *rc = &inst->cfg->readiness;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "kind", json_object_new_string(kind_names[rc->check.kind]));
	json_object_object_add(o, "ready", json_object_new_boolean(rd->ready_ns != 0));
	json_object_object_add(o, "ready_after_ms", rd->ready_ns ?
			       json_object_new_int64(ms_since(rd->exec_ns, rd->ready_ns)) : NULL);
	json_object_object_add(o, "status_text", rd->status_text[0] ?
			       json_object_new_string(rd->status_text) : NULL);
	json_object_object_add(o, "last_check", rd->ready_check ? last_check(rd->ready_check, now) : NULL);
	if (inst->cfg->watchdog_ms) {
		json_object *w = json_object_new_object();
		json_object_object_add(w, "usec", json_object_new_int64((int64_t)rd->watchdog_usec));
		json_object_object_add(w, "last_ping_ago_ms", rd->last_ping_ns ?
				       json_object_new_int64(ms_since(rd->last_ping_ns, now)) : NULL);
		json_object_object_add(o, "watchdog", w);
	}
	return o;
}

static json_object *health(const struct instance *inst, uint64_t now)
{
	static const char *const states[] = { [HEALTH_UNKNOWN] = "unknown", [HEALTH_HEALTHY] = "healthy",
					      [HEALTH_UNHEALTHY] = "unhealthy" };
	const struct instance_ready *rd = inst->rd;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "kind", json_object_new_string(kind_names[inst->cfg->health.check.kind]));
	json_object_object_add(o, "state", json_object_new_string(states[rd->health]));
	json_object_object_add(o, "failures_in_row", json_object_new_int64(rd->fails_in_row));
	json_object_object_add(o, "checks", json_object_new_int64((int64_t)rd->health_check->runs));
	json_object_object_add(o, "last_check", last_check(rd->health_check, now));
	return o;
}

void status_instance_ready(json_object *o, const struct instance *inst)
{
	uint64_t now = now_ns();

	if (!inst->rd)
		return;
	if (inst->cfg->readiness.check.kind != CHECK_NONE || inst->cfg->watchdog_ms)
		json_object_object_add(o, "readiness", readiness(inst, now));
	if (inst->cfg->health.check.kind != CHECK_NONE)
		json_object_object_add(o, "health", health(inst, now));
}

void status_service_deps(json_object *o, const struct service *svc)
{
	const struct service_config *c = svc->cfg;

	json_object_object_add(o, "type", json_object_new_string(c->type == SERVICE_ONESHOT ? "oneshot" : "simple"));
	if (c->n_deps) {
		json_object *d = json_object_new_object();
		for (size_t i = 0; i < c->n_deps; i++)
			json_object_object_add(d, c->deps[i].name,
					       json_object_new_string(dep_condition_to_string(c->deps[i].condition)));
		json_object_object_add(o, "depends_on", d);
	}
	if (svc->waiting) {
		json_object *w = json_object_new_object();
		json_object_object_add(w, "for", json_object_new_string(svc->wait_reason));
		json_object_object_add(w, "blocked", json_object_new_boolean(svc->blocked));
		json_object_object_add(o, "waiting", w);
	}
}

json_object *status_notify(const struct supervisor *s)
{
	const struct supervisor_notify *n = &s->notify;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "socket", n->fd >= 0 ? json_object_new_string(n->path) : NULL);
	json_object_object_add(o, "received", json_object_new_int64((int64_t)n->received));
	json_object_object_add(o, "accepted", json_object_new_int64((int64_t)n->accepted));
	json_object_object_add(o, "dropped", json_object_new_int64((int64_t)n->dropped));
	json_object_object_add(o, "last_drop", n->last_drop[0] ? json_object_new_string(n->last_drop) : NULL);
	json_object_object_add(o, "ready_sent", json_object_new_boolean(s->ready_sent));
	return o;
}

json_object *status_checks(const struct supervisor *s)
{
	const struct check_pool *p = &s->rt.checks;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "net_in_flight", json_object_new_int64(p->running[0]));
	json_object_object_add(o, "net_in_flight_max", json_object_new_int64(p->max[0]));
	json_object_object_add(o, "exec_in_flight", json_object_new_int64(p->running[1]));
	json_object_object_add(o, "exec_in_flight_max", json_object_new_int64(p->max[1]));
	json_object_object_add(o, "deferred", json_object_new_int64((int64_t)p->deferred));
	return o;
}
