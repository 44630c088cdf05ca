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

void status_service_limits(struct json_out *j, const struct service *svc)
{
	const struct limits_config *l = &svc->cfg->limits;
	char v[256], why[512];

	json_out_array(j);
	for (enum limit_kind k = 0; k < _LIMIT_MAX; k++) {
		if (!limit_is_set(l, k))
			continue;
		limit_format(l, k, v, sizeof(v));
		const char *reason = limit_unenforced_reason(svc->rt->cg, svc->rt->cg_reason, k, why, sizeof(why));
		json_out_object(j);
		json_out_kstring(j, "name", limit_desc(k)->key);
		json_out_kstring(j, "file", limit_desc(k)->file);
		json_out_kstring(j, "value", v);
		json_out_kbool(j, "enforced", !reason);
		if (reason)
			json_out_kstring(j, "reason", reason);
		json_out_end(j);
	}
	if (svc->cfg->nofile > 0) {
		json_out_object(j);
		json_out_kstring(j, "name", "nofile");
		json_out_kstring(j, "file", "RLIMIT_NOFILE");
		json_out_key(j, "value");
		snprintf(v, sizeof(v), "%llu", (unsigned long long)svc->cfg->nofile);
		json_out_string(j, v);
		json_out_kbool(j, "enforced", true);
		json_out_end(j);
	}
	json_out_end(j);
}

/* A figure, or null where it cannot be read (or, !read, is not asked). */
static void file_u64(struct json_out *j, const char *key, bool read, int fd, const char *file)
{
	uint64_t v;

	json_out_key(j, key);
	if (read && cgroup_read_u64(fd, file, &v) >= 0)
		json_out_uint(j, v);
	else
		json_out_null(j);
}

static void key_u64(struct json_out *j, const char *k, const char *buf, const char *key)
{
	uint64_t v;

	json_out_key(j, k);
	if (buf && cgroup_parse_key(buf, key, &v) >= 0)
		json_out_uint(j, v);
	else
		json_out_null(j);
}

static void key_bool(struct json_out *j, const char *k, const char *buf, const char *key)
{
	uint64_t v;

	json_out_key(j, k);
	if (buf && cgroup_parse_key(buf, key, &v) >= 0)
		json_out_bool(j, v != 0);
	else
		json_out_null(j);
}

/* An instance not in its cgroup: why, and every limit that is therefore
 * not enforced on it. */
static void add_unplaced(struct json_out *j, const struct instance *inst)
{
	const struct limits_config *l = &inst->cfg->limits;
	char err[256], what[128];

	snprintf(err, sizeof(err), "%s: %s",
		 instance_cgroup_error_what(&inst->cg, inst->cfg->name, inst->index, what, sizeof(what)),
		 strerror(-inst->cg.error));
	json_out_kbool(j, "placed", false);
	json_out_kstring(j, "error", err);
	json_out_karray(j, "unenforced_limits");
	for (enum limit_kind k = 0; k < _LIMIT_MAX; k++)
		if (limit_is_set(l, k))
			json_out_string(j, limit_desc(k)->key);
	json_out_end(j);
}

/* cpu.stat's figures and cgroup.events', from the files, or from a
 * cgroup pass (cg, taken where the cpu controller is off: no throttling
 * figures then, as the file would have none). cgroup.events is what the
 * daemon last read of it where its watch is set (every change is read
 * there): one open, read and close fewer for a `status NAME`. */
static void add_usage(struct json_out *j, const struct instance_cgroup *icg, const struct cgstat_usage *cg)
{
	char buf[1024];
	int fd = icg->fd;

	if (cg) {
		json_out_kuint(j, "cpu_usage_usec", cg->usage_usec);
		json_out_knull(j, "cpu_nr_throttled");
		json_out_knull(j, "cpu_throttled_usec");
		json_out_kbool(j, "populated", cg->flags & RV_CG_POPULATED);
		json_out_kbool(j, "frozen", cg->flags & RV_CG_FROZEN);
		return;
	}
	const char *b = cgroup_read(fd, "cpu.stat", buf, sizeof(buf)) < 0 ? NULL : buf;
	key_u64(j, "cpu_usage_usec", b, "usage_usec");
	key_u64(j, "cpu_nr_throttled", b, "nr_throttled");
	key_u64(j, "cpu_throttled_usec", b, "throttled_usec");
	if (icg->wd_events >= 0) {
		json_out_kbool(j, "populated", icg->populated_seen);
		json_out_kbool(j, "frozen", icg->frozen_seen);
		return;
	}
	b = cgroup_read(fd, "cgroup.events", buf, sizeof(buf)) < 0 ? NULL : buf;
	key_bool(j, "populated", b, "populated");
	key_bool(j, "frozen", b, "frozen");
}

static void add_figures(struct json_out *j, const struct instance *inst, const struct cgstat_usage *cg)
{
	const struct cgroup_root *root = inst->rt->cg;
	unsigned ctrl = root->controllers;
	int fd = inst->cg.fd;
	char path[512];

	/* Each file is read once, and only where its controller is enabled:
	 * this runs for every instance of every status request. */
	snprintf(path, sizeof(path), "%s/services/%s/%u", root->path, inst->cfg->name, inst->index);
	json_out_kstring(j, "path", path);
	bool mem = ctrl & CGROUP_CTRL_MEMORY, pids = ctrl & CGROUP_CTRL_PIDS;
	file_u64(j, "memory_current", mem, fd, "memory.current");
	file_u64(j, "memory_peak", mem, fd, "memory.peak");
	file_u64(j, "pids_current", pids, fd, "pids.current");
	add_usage(j, &inst->cg, cg);
}

void status_instance_cgroup(struct json_out *j, const struct instance *inst, const struct cgstat_usage *cg)
{
	json_out_object(j);
	if (inst->cg.fd >= 0)
		add_figures(j, inst, cg);
	else if (inst->cg.error)
		add_unplaced(j, inst);
	json_out_kobject(j, "violations");
	json_out_kint(j, "oom", inst->violations[VIOLATION_OOM_KILL]);
	json_out_kint(j, "pids", inst->violations[VIOLATION_PIDS_MAX]);
	json_out_kint(j, "memory_high", inst->violations[VIOLATION_MEMORY_HIGH]);
	json_out_end(j);
	if (inst->last_violation >= 0) {
		json_out_kobject(j, "last_violation");
		json_out_kstring(j, "cause", violation_kind_to_string(inst->last_violation));
		json_out_kint(j, "ago_ms", (int64_t)((now_ns() - inst->last_violation_ns) / NSEC_PER_MSEC));
		json_out_end(j);
	}
	json_out_end(j);
}
