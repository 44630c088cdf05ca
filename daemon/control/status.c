/* SPDX-License-Identifier: MIT */
/*
 * status.c: the `status` reply (docs/protocol.md): the daemon, then each
 * service with its limits and instances.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fd_util.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/units.h"
#include "control/status.h"
#include "control/status_cgroup.h"
#include "control/client_events.h"
#include "control/status_log.h"
#include "control/status_ready.h"
#include "config/config_names.h"

static long rss_kib(void)
{
	long pages = -1;
	FILE *f = fopen("/proc/self/statm", "re");
	if (!f)
		return -1;
	if (fscanf(f, "%*s %ld", &pages) != 1)
		pages = -1;
	fclose(f);
	return pages < 0 ? -1 : pages * (sysconf(_SC_PAGESIZE) / 1024);
}

static json_object *status_cgroups(const struct supervisor_cgroup *sc)
{
	const struct cgroup_root *root = &sc->root;
	json_object *cg = json_object_new_object();

	json_object_object_add(cg, "enabled", json_object_new_boolean(root->fd >= 0));
	if (root->fd >= 0) {
		char ctrl[64] = "";
		for (unsigned bit = 1; bit <= CGROUP_CTRL_IO; bit <<= 1)
			if (root->controllers & bit)
				snprintf(ctrl + strlen(ctrl), sizeof(ctrl) - strlen(ctrl), "%s%s",
					 ctrl[0] ? " " : "", cgroup_controller_name(bit));
		json_object_object_add(cg, "root", json_object_new_string(root->path));
		json_object_object_add(cg, "controllers", json_object_new_string(ctrl));
		json_object_object_add(cg, "kill", json_object_new_string(root->has_kill ? "cgroup.kill" : "freeze+kill"));
	} else {
		json_object_object_add(cg, "reason", json_object_new_string(sc->reason));
	}
	return cg;
}

/* What this daemon cannot do here, in words, for `status` to print above
 * the table (a container without cgroup2, a probe without BPF). */
static json_object *status_degraded(struct supervisor *s)
{
	json_object *a = json_object_new_array();
	char line[512];

	if (s->cg.root.fd < 0) {
		snprintf(line, sizeof(line), "no cgroups (%s): no limits, violation policies, freeze, "
			 "snapshots or adoption after a crash; stop kills each instance's process group; "
			 "the leak probe tells instances apart by process tree", s->cg.reason);
		json_object_array_add(a, json_object_new_string(line));
	}
	/* (A probe that cannot start stops the daemon's start: it is there.) */
	if (s->leaks.probe && probe_source(s->leaks.probe) == PROBE_SOURCE_PROCFS && !s->leaks.tree &&
	    s->leaks.probe_why[0]) {
		snprintf(line, sizeof(line), "leak probe counts from /proc: %s", s->leaks.probe_why);
		json_object_array_add(a, json_object_new_string(line));
	}
	return a;
}

json_object *status_supervisor(struct supervisor *s, size_t control_clients)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "pid", json_object_new_int(getpid()));
	json_object_object_add(o, "event_backend", json_object_new_string(loop_backend_name(s->loop)));
	if (loop_uring_error(s->loop)) {
		char why[96];
		snprintf(why, sizeof(why), "io_uring unavailable: %s", strerror(-loop_uring_error(s->loop)));
		json_object_object_add(o, "event_backend_reason", json_object_new_string(why));
	}
	json_object_object_add(o, "spawn", json_object_new_string(spawn_method_to_string(s->rt.spawn_method)));
	json_object_object_add(o, "fds", json_object_new_int64(fd_count()));
	json_object_object_add(o, "rss_kib", json_object_new_int64(rss_kib()));
	json_object_object_add(o, "uptime_ms", json_object_new_int64((int64_t)((now_ns() - s->started_ns) / NSEC_PER_MSEC)));
	json_object_object_add(o, "services", json_object_new_int64((int64_t)s->n_services));
	json_object_object_add(o, "instances", json_object_new_int64((int64_t)s->rt.total_instances));
	json_object_object_add(o, "live_processes", json_object_new_int64((int64_t)s->rt.live_processes));
	json_object_object_add(o, "orphans_reaped", json_object_new_int64((int64_t)s->orphans_reaped));
	json_object *fs = NULL;
	if (s->fdstore.sock >= 0) {
		fs = json_object_new_object();
		json_object_object_add(fs, "pid", json_object_new_int(s->fdstore.pid.pid));
		json_object_object_add(fs, "held", json_object_new_int64((int64_t)s->fdstore.held));
		json_object_object_add(fs, "failed", json_object_new_int64((int64_t)s->fdstore.failed));
	}
	json_object_object_add(o, "fdstore", fs);
	json_object_object_add(o, "wakeups", json_object_new_int64((int64_t)loop_wakeups(s->loop)));
	json_object_object_add(o, "control_clients", json_object_new_int64((int64_t)control_clients));
	json_object_object_add(o, "shutting_down", json_object_new_boolean(s->rt.shutting_down));
	json_object_object_add(o, "config", json_object_new_string(s->config->path ? s->config->path : ""));
	json_object_object_add(o, "cgroups", status_cgroups(&s->cg));
	json_object_object_add(o, "usage_source", 
			       json_object_new_string(s->leaks.tree ? "tree" : leakwatch_source(&s->leaks)));
	json_object_object_add(o, "degraded", status_degraded(s));
	json_object *lg = json_object_new_object();
	json_object_object_add(lg, "own_dropped_lines", json_object_new_int64((int64_t)log_dropped()));
	json_object_object_add(lg, "forward_dropped_lines",
			       json_object_new_int64((int64_t)s->logs.ctx.sink.dropped_lines));
	json_object_object_add(o, "log", lg);
	json_object_object_add(o, "events", client_events_status());
	json_object_object_add(o, "notify", status_notify(s));
	json_object_object_add(o, "checks", status_checks(s));
	return o;
}

/* The leak watch's last pass over the instance (every process of its
 * cgroup, or of its process tree without cgroups): what `status` and `top`
 * show as fds, threads and memory when no controller says more. */
static json_object *status_usage(const struct instance *inst, uint64_t now)
{
	const struct leak_state *ls = &inst->leak;
	json_object *o = json_object_new_object();

	if (!ls->sampled_ns || !state_has_process(inst->state)) {
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(o, "fds", json_object_new_int64(ls->fds));
	json_object_object_add(o, "threads", json_object_new_int64(ls->threads));
	json_object_object_add(o, "memory", json_object_new_int64((int64_t)ls->memory));
	json_object_object_add(o, "memory_source", ls->memory_source ? json_object_new_string(ls->memory_source) : NULL);
	json_object_object_add(o, "ago_ms", json_object_new_int64(
		now > ls->sampled_ns ? (int64_t)((now - ls->sampled_ns) / NSEC_PER_MSEC) : 0));
	return o;
}

json_object *status_instance(const struct instance *inst, const struct cgstat_usage *cg)
{
	json_object *o = json_object_new_object();
	uint64_t now = now_ns();
	bool up = state_has_process(inst->state);

	json_object_object_add(o, "index", json_object_new_int((int)inst->index));
	json_object_object_add(o, "state", json_object_new_string(instance_state_to_string(inst->state)));
	json_object_object_add(o, "pid", up ? json_object_new_int(inst->pid.pid) : NULL);
	json_object_object_add(o, "restarts", json_object_new_int64(inst->restarts));
	json_object_object_add(o, "adopted", json_object_new_boolean(inst->adopted));
	if (inst->retiring)
		json_object_object_add(o, "retiring", json_object_new_boolean(1));
	json_object_object_add(o, "uptime_ms", json_object_new_int64(
		up && inst->started_ns ? (int64_t)((now - inst->started_ns) / NSEC_PER_MSEC) : 0));
	json_object_object_add(o, "state_ms", json_object_new_int64((int64_t)((now - inst->state_since_ns) / NSEC_PER_MSEC)));
	if (inst->last_exit.valid) {
		const struct exit_info *x = &inst->last_exit;
		json_object *e = json_object_new_object();
		if (x->has_code)
			json_object_object_add(e, "code", json_object_new_int(x->code));
		else if (x->signal)
			json_object_object_add(e, "signal", json_object_new_string(signal_name(x->signal)));
		json_object_object_add(e, "cause", json_object_new_string(x->cause));
		json_object_object_add(e, "ago_ms", json_object_new_int64((int64_t)((now - x->at_ns) / NSEC_PER_MSEC)));
		json_object_object_add(o, "last_exit", e);
	} else {
		json_object_object_add(o, "last_exit", NULL);
	}
	json_object_object_add(o, "cgroup", status_instance_cgroup(inst, cg));
	json_object_object_add(o, "usage", status_usage(inst, now));
	status_instance_ready(o, inst);
	json_object *lg = json_object_new_object();
	json_object_object_add(lg, "stdout", status_log_stream(inst->log_out));
	if (inst->log_err)
		json_object_object_add(lg, "stderr", status_log_stream(inst->log_err));
	json_object_object_add(o, "log", lg);
	if (inst->state == STATE_BACKOFF && loop_timer_armed(&inst->timer))
		json_object_object_add(o, "restart_in_ms", json_object_new_int64(
			inst->timer.due_ns > now ? (int64_t)((inst->timer.due_ns - now) / NSEC_PER_MSEC) : 0));
	return o;
}

json_object *status_service_head(const struct service *svc)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(svc->cfg->name));
	json_object_object_add(o, "restart_policy", json_object_new_string(
		restart_policy_to_string(svc->cfg->restart.policy)));
	status_service_deps(o, svc);
	json_object_object_add(o, "limits", status_service_limits(svc));
	return o;
}

static json_object *status_service(const struct service *svc, int index)
{
	json_object *o = status_service_head(svc), *a = json_object_new_array();
	for (uint32_t i = 0; i < svc->n_instances; i++) {
		const struct instance *inst = svc->instances[i];
		if (inst && (index < 0 || (unsigned)index == inst->index))
			json_object_array_add(a, status_instance(inst, NULL));
	}
	json_object_object_add(o, "instances", a);
	return o;
}

json_object *status_reply(struct supervisor *s, const struct rv_request *req, size_t control_clients)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "supervisor", status_supervisor(s, control_clients));
	for (size_t i = 0; i < s->n_services; i++)
		if (!req->service[0] || !strcmp(req->service, s->services[i].cfg->name))
			json_object_array_add(a, status_service(&s->services[i], req->index));
	json_object_object_add(o, "services", a);
	return o;
}

