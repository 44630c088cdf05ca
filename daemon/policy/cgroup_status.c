/* SPDX-License-Identifier: MIT */
/*
 * cgroup_status.c: what `status` shows of cgroups: each limit and whether it
 * is enforced (with the reason when not), and each instance's figures read
 * from its cgroup files at the time of the request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/limits.h"
#include "basic/log.h"
#include "policy/supervisor.h"

/* Why limit k cannot be enforced here, or NULL when it can. */
static const char *unenforced_reason(const struct supervisor *s, enum limit_kind k, char *buf, size_t len)
{
	const struct limit_desc *d = limit_desc(k);
	char avail[128] = "";

	if (s->cg.fd < 0) {
		snprintf(buf, len, "no cgroups: %s", s->cg_reason);
		return buf;
	}
	if (s->cg.controllers & d->controller)
		return NULL;
	if (cgroup_read(s->cg.fd, "cgroup.controllers", avail, sizeof(avail)) > 0)
		avail[strcspn(avail, "\n")] = '\0';
	snprintf(buf, len, "the %s controller is not available in %s (cgroup.controllers: %s)",
		 cgroup_controller_name(d->controller), s->cg.path, avail[0] ? avail : "empty");
	return buf;
}

json_object *service_limits_status(const struct service *svc)
{
	const struct limits_config *l = &svc->cfg->limits;
	json_object *a = json_object_new_array();
	char v[256], why[512];

	for (enum limit_kind k = 0; k < _LIMIT_MAX; k++) {
		if (!limit_is_set(l, k))
			continue;
		json_object *o = json_object_new_object();
		limit_format(l, k, v, sizeof(v));
		const char *reason = unenforced_reason(svc->sup, k, why, sizeof(why));
		json_object_object_add(o, "name", json_object_new_string(limit_desc(k)->key));
		json_object_object_add(o, "file", json_object_new_string(limit_desc(k)->file));
		json_object_object_add(o, "value", json_object_new_string(v));
		json_object_object_add(o, "enforced", json_object_new_boolean(!reason));
		if (reason)
			json_object_object_add(o, "reason", json_object_new_string(reason));
		json_object_array_add(a, o);
	}
	if (svc->cfg->nofile > 0) {
		json_object *o = json_object_new_object();
		snprintf(v, sizeof(v), "%llu", (unsigned long long)svc->cfg->nofile);
		json_object_object_add(o, "name", json_object_new_string("nofile"));
		json_object_object_add(o, "file", json_object_new_string("RLIMIT_NOFILE"));
		json_object_object_add(o, "value", json_object_new_string(v));
		json_object_object_add(o, "enforced", json_object_new_boolean(1));
		json_object_array_add(a, o);
	}
	return a;
}

int supervisor_check_limits(struct supervisor *s)
{
	char why[512];
	int unenforced = 0;

	for (size_t i = 0; i < s->n_services; i++)
		for (enum limit_kind k = 0; k < _LIMIT_MAX; k++) {
			const struct service_config *c = s->services[i].cfg;
			if (!limit_is_set(&c->limits, k) || !unenforced_reason(s, k, why, sizeof(why)))
				continue;
			unenforced++;
			if (s->config->supervisor.strict_limits)
				log_error("%s: services.%s.limits.%s cannot be enforced: %s", s->config->path,
					  c->name, limit_desc(k)->key, why);
			else
				log_warn("services.%s.limits.%s is not enforced: %s", c->name,
					 limit_desc(k)->key, why);
		}
	if (unenforced && s->config->supervisor.strict_limits)
		return log_error_errno(-EOPNOTSUPP, "strict_limits: refusing to start with %d unenforceable limits",
				       unenforced);
	return 0;
}

/* A figure as JSON, or null where it cannot be read. */
static json_object *file_u64(int fd, const char *file)
{
	uint64_t v;
	return cgroup_read_u64(fd, file, &v) < 0 ? NULL : json_object_new_uint64(v);
}

static json_object *key_u64(const char *buf, const char *key)
{
	uint64_t v;
	return !buf || cgroup_parse_key(buf, key, &v) < 0 ? NULL : json_object_new_uint64(v);
}

static json_object *key_bool(const char *buf, const char *key)
{
	uint64_t v;
	return !buf || cgroup_parse_key(buf, key, &v) < 0 ? NULL : json_object_new_boolean(v != 0);
}

json_object *instance_cgroup_status(const struct instance *inst)
{
	json_object *o = json_object_new_object(), *v = json_object_new_object();
	const struct supervisor *s = inst->svc->sup;
	unsigned ctrl = s->cg.controllers;
	int fd = inst->cg_fd;
	char buf[1024];

	/* Each file is read once, and only where its controller is enabled:
	 * this runs for every instance of every status request. */
	if (fd >= 0) {
		char path[512];
		snprintf(path, sizeof(path), "%s/services/%s/%u", s->cg.path, inst->svc->cfg->name, inst->index);
		json_object_object_add(o, "path", json_object_new_string(path));
		bool mem = ctrl & CGROUP_CTRL_MEMORY, pids = ctrl & CGROUP_CTRL_PIDS;
		json_object_object_add(o, "memory_current", mem ? file_u64(fd, "memory.current") : NULL);
		json_object_object_add(o, "memory_peak", mem ? file_u64(fd, "memory.peak") : NULL);
		json_object_object_add(o, "pids_current", pids ? file_u64(fd, "pids.current") : NULL);
		const char *b = cgroup_read(fd, "cpu.stat", buf, sizeof(buf)) < 0 ? NULL : buf;
		json_object_object_add(o, "cpu_usage_usec", key_u64(b, "usage_usec"));
		json_object_object_add(o, "cpu_nr_throttled", key_u64(b, "nr_throttled"));
		json_object_object_add(o, "cpu_throttled_usec", key_u64(b, "throttled_usec"));
		b = cgroup_read(fd, "cgroup.events", buf, sizeof(buf)) < 0 ? NULL : buf;
		json_object_object_add(o, "populated", key_bool(b, "populated"));
		json_object_object_add(o, "frozen", key_bool(b, "frozen"));
	}
	json_object_object_add(v, "oom", json_object_new_int64(inst->violations.oom));
	json_object_object_add(v, "pids", json_object_new_int64(inst->violations.pids));
	json_object_object_add(v, "memory_high", json_object_new_int64(inst->violations.memory_high));
	json_object_object_add(o, "violations", v);
	if (inst->last_violation) {
		json_object *lv = json_object_new_object();
		json_object_object_add(lv, "cause", json_object_new_string(inst->last_violation));
		json_object_object_add(lv, "ago_ms", json_object_new_int64(
			(int64_t)((now_ns() - inst->last_violation_ns) / NSEC_PER_MSEC)));
		json_object_object_add(o, "last_violation", lv);
	}
	return o;
}
