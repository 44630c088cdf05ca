/* SPDX-License-Identifier: MIT */
/*
 * status_cgroup.c: what `status` shows of cgroups: each limit and whether it
 * is enforced (with the reason when not), and each instance's figures read
 * from its cgroup files at the time of the request, or why it is not in its
 * cgroup.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "control/status_cgroup.h"
#include "kernel/cgroup.h"
#include "policy/limits.h"
#include "rv_probe.h"

json_object *status_service_limits(const struct service *svc)
{
	const struct limits_config *l = &svc->cfg->limits;
	json_object *a = json_object_new_array();
	char v[256], why[512];

	for (enum limit_kind k = 0; k < _LIMIT_MAX; k++) {
		if (!limit_is_set(l, k))
			continue;
		json_object *o = json_object_new_object();
		limit_format(l, k, v, sizeof(v));
		const char *reason = limit_unenforced_reason(svc->rt->cg, svc->rt->cg_reason, k, why, sizeof(why));
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

/* An instance not in its cgroup: why, and every limit that is therefore
 * not enforced on it. */
static void add_unplaced(json_object *o, const struct instance *inst)
{
	const struct limits_config *l = &inst->cfg->limits;
	json_object *u = json_object_new_array();
	char err[256];

	char what[128];
	snprintf(err, sizeof(err), "%s: %s",
		 instance_cgroup_error_what(&inst->cg, inst->cfg->name, inst->index, what, sizeof(what)),
		 strerror(-inst->cg.error));
	json_object_object_add(o, "placed", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(err));
	for (enum limit_kind k = 0; k < _LIMIT_MAX; k++)
		if (limit_is_set(l, k))
			json_object_array_add(u, json_object_new_string(limit_desc(k)->key));
	json_object_object_add(o, "unenforced_limits", u);
}

/* cpu.stat's figures and cgroup.events', from the files, or from a
 * cgroup pass (cg, taken where the cpu controller is off: no throttling
 * figures then, as the file would have none). */
static void add_usage(json_object *o, int fd, const struct cgstat_usage *cg)
{
	char buf[1024];

	if (cg) {
		json_object_object_add(o, "cpu_usage_usec", json_object_new_uint64(cg->usage_usec));
		json_object_object_add(o, "cpu_nr_throttled", NULL);
		json_object_object_add(o, "cpu_throttled_usec", NULL);
		json_object_object_add(o, "populated", json_object_new_boolean(cg->flags & RV_CG_POPULATED));
		json_object_object_add(o, "frozen", json_object_new_boolean(cg->flags & RV_CG_FROZEN));
		return;
	}
	const char *b = cgroup_read(fd, "cpu.stat", buf, sizeof(buf)) < 0 ? NULL : buf;
	json_object_object_add(o, "cpu_usage_usec", key_u64(b, "usage_usec"));
	json_object_object_add(o, "cpu_nr_throttled", key_u64(b, "nr_throttled"));
	json_object_object_add(o, "cpu_throttled_usec", key_u64(b, "throttled_usec"));
	b = cgroup_read(fd, "cgroup.events", buf, sizeof(buf)) < 0 ? NULL : buf;
	json_object_object_add(o, "populated", key_bool(b, "populated"));
	json_object_object_add(o, "frozen", key_bool(b, "frozen"));
}

static void add_figures(json_object *o, const struct instance *inst, const struct cgstat_usage *cg)
{
	const struct cgroup_root *root = inst->rt->cg;
	unsigned ctrl = root->controllers;
	int fd = inst->cg.fd;
	char path[512];

	/* Each file is read once, and only where its controller is enabled:
	 * this runs for every instance of every status request. */
	snprintf(path, sizeof(path), "%s/services/%s/%u", root->path, inst->cfg->name, inst->index);
	json_object_object_add(o, "path", json_object_new_string(path));
	bool mem = ctrl & CGROUP_CTRL_MEMORY, pids = ctrl & CGROUP_CTRL_PIDS;
	json_object_object_add(o, "memory_current", mem ? file_u64(fd, "memory.current") : NULL);
	json_object_object_add(o, "memory_peak", mem ? file_u64(fd, "memory.peak") : NULL);
	json_object_object_add(o, "pids_current", pids ? file_u64(fd, "pids.current") : NULL);
	add_usage(o, fd, cg);
}

json_object *status_instance_cgroup(const struct instance *inst, const struct cgstat_usage *cg)
{
	json_object *o = json_object_new_object(), *v = json_object_new_object();

	if (inst->cg.fd >= 0)
		add_figures(o, inst, cg);
	else if (inst->cg.error)
		add_unplaced(o, inst);
	json_object_object_add(v, "oom", json_object_new_int64(inst->violations[VIOLATION_OOM_KILL]));
	json_object_object_add(v, "pids", json_object_new_int64(inst->violations[VIOLATION_PIDS_MAX]));
	json_object_object_add(v, "memory_high", json_object_new_int64(inst->violations[VIOLATION_MEMORY_HIGH]));
	json_object_object_add(o, "violations", v);
	if (inst->last_violation >= 0) {
		json_object *lv = json_object_new_object();
		json_object_object_add(lv, "cause", json_object_new_string(violation_kind_to_string(inst->last_violation)));
		json_object_object_add(lv, "ago_ms", json_object_new_int64(
			(int64_t)((now_ns() - inst->last_violation_ns) / NSEC_PER_MSEC)));
		json_object_object_add(o, "last_violation", lv);
	}
	return o;
}
