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

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/units.h"
#include "control/status.h"
#include "control/status_cgroup.h"
#include "control/client_events.h"
#include "control/status_log.h"
#include "control/status_ready.h"
#include "config/config_names.h"

static void status_cgroups(struct json_out *j, const struct supervisor_cgroup *sc)
{
	const struct cgroup_root *root = &sc->root;

	json_out_object(j);
	json_out_kbool(j, "enabled", root->fd >= 0);
	if (root->fd >= 0) {
		char ctrl[64] = "";
		for (unsigned bit = 1; bit <= CGROUP_CTRL_IO; bit <<= 1)
			if (root->controllers & bit)
				snprintf(ctrl + strlen(ctrl), sizeof(ctrl) - strlen(ctrl), "%s%s",
					 ctrl[0] ? " " : "", cgroup_controller_name(bit));
		json_out_kstring(j, "root", root->path);
		json_out_kstring(j, "controllers", ctrl);
		json_out_kstring(j, "kill", root->has_kill ? "cgroup.kill" : "freeze+kill");
	} else {
		json_out_kstring(j, "reason", sc->reason);
	}
	json_out_end(j);
}

/* What this daemon cannot do here, in words, for `status` to print above
 * the table (a container without cgroup2, a probe without BPF). */
static void status_degraded(struct json_out *j, struct supervisor *s)
{
	char line[512];

	json_out_array(j);
	if (s->cg.root.fd < 0) {
		snprintf(line, sizeof(line), "no cgroups (%s): no limits, violation policies, freeze, "
			 "snapshots or adoption after a crash; stop kills each instance's process group; "
			 "the leak probe tells instances apart by process tree", s->cg.reason);
		json_out_string(j, line);
	}
	/* (A probe that cannot start stops the daemon's start: it is there.) */
	if (s->leaks.probe && probe_source(s->leaks.probe) == PROBE_SOURCE_PROCFS && !s->leaks.tree &&
	    s->leaks.probe_why[0]) {
		snprintf(line, sizeof(line), "leak probe counts from /proc: %s", s->leaks.probe_why);
		json_out_string(j, line);
	}
	json_out_end(j);
}

/* What the daemon is and holds; the counters of its parts. */
static void status_daemon(struct json_out *j, struct supervisor *s, size_t control_clients)
{
	static pid_t self;   /* a syscall per status otherwise; a reexec starts afresh */

	if (!self)
		self = getpid();
	json_out_kint(j, "pid", self);
	json_out_kstring(j, "event_backend", loop_backend_name(s->loop));
	if (loop_uring_error(s->loop)) {
		char why[96];
		snprintf(why, sizeof(why), "io_uring unavailable: %s", strerror(-loop_uring_error(s->loop)));
		json_out_kstring(j, "event_backend_reason", why);
	}
	json_out_kstring(j, "spawn", spawn_method_to_string(s->rt.spawn_method));
	json_out_kint(j, "fds", self_stat_fds(&s->self));
	json_out_kint(j, "rss_kib", self_stat_rss_kib(&s->self));
	json_out_kint(j, "uptime_ms", (int64_t)((now_ns() - s->started_ns) / NSEC_PER_MSEC));
	json_out_kint(j, "services", (int64_t)s->n_services);
	json_out_kint(j, "instances", (int64_t)s->rt.total_instances);
	json_out_kint(j, "live_processes", (int64_t)s->rt.live_processes);
	json_out_kint(j, "orphans_reaped", (int64_t)s->orphans_reaped);
	json_out_key(j, "fdstore");
	if (s->fdstore.sock >= 0) {
		json_out_object(j);
		json_out_kint(j, "pid", s->fdstore.pid.pid);
		json_out_kint(j, "held", (int64_t)s->fdstore.held);
		json_out_kint(j, "failed", (int64_t)s->fdstore.failed);
		json_out_kint(j, "queued", (int64_t)fdstore_queued(&s->fdstore));
		json_out_kint(j, "gone", (int64_t)s->fdstore.gone);
		json_out_end(j);
	} else {
		json_out_null(j);
	}
	json_out_kint(j, "wakeups", (int64_t)loop_wakeups(s->loop));
	json_out_kint(j, "control_clients", (int64_t)control_clients);
	json_out_kbool(j, "shutting_down", s->rt.shutting_down);
	json_out_kstring(j, "config", s->config->path ? s->config->path : "");
}

void status_supervisor(struct json_out *j, struct supervisor *s, size_t control_clients)
{
	json_out_object(j);
	status_daemon(j, s, control_clients);
	json_out_key(j, "cgroups");
	status_cgroups(j, &s->cg);
	json_out_kstring(j, "usage_source", s->leaks.tree ? "tree" : leakwatch_source(&s->leaks));
	json_out_key(j, "degraded");
	status_degraded(j, s);
	json_out_kobject(j, "log");
	json_out_kint(j, "own_dropped_lines", (int64_t)log_dropped());
	json_out_kint(j, "forward_dropped_lines", (int64_t)s->logs.ctx.sink.dropped_lines);
	json_out_end(j);
	json_out_key(j, "events");
	client_events_status(j);
	json_out_key(j, "notify");
	status_notify(j, s);
	json_out_key(j, "checks");
	status_checks(j, s);
	json_out_end(j);
}

/* The leak watch's last pass over the instance (every process of its
 * cgroup, or of its process tree without cgroups): what `status` and `top`
 * show as fds, threads and memory when no controller says more; null
 * before one, or without a process. */
static void status_usage(struct json_out *j, const struct instance *inst, uint64_t now)
{
	const struct leak_state *ls = &inst->leak;

	if (!ls->sampled_ns || !state_has_process(inst->state)) {
		json_out_null(j);
		return;
	}
	json_out_object(j);
	json_out_kint(j, "fds", ls->fds);
	json_out_kint(j, "threads", ls->threads);
	json_out_kint(j, "memory", (int64_t)ls->memory);
	json_out_kstring(j, "memory_source", ls->memory_source);
	json_out_kint(j, "ago_ms", now > ls->sampled_ns ? (int64_t)((now - ls->sampled_ns) / NSEC_PER_MSEC) : 0);
	json_out_end(j);
}

static void status_last_exit(struct json_out *j, const struct instance *inst, uint64_t now)
{
	const struct exit_info *x = &inst->last_exit;

	if (!x->valid) {
		json_out_null(j);
		return;
	}
	json_out_object(j);
	if (x->has_code)
		json_out_kint(j, "code", x->code);
	else if (x->signal)
		json_out_kstring(j, "signal", signal_name(x->signal));
	json_out_kstring(j, "cause", x->cause);
	json_out_kint(j, "ago_ms", (int64_t)((now - x->at_ns) / NSEC_PER_MSEC));
	json_out_end(j);
}

void status_instance(struct json_out *j, const struct instance *inst, const struct cgstat_usage *cg)
{
	uint64_t now = now_ns();
	bool up = state_has_process(inst->state);

	json_out_object(j);
	json_out_kint(j, "index", (int)inst->index);
	json_out_kstring(j, "state", instance_state_to_string(inst->state));
	json_out_key(j, "pid");
	if (up)
		json_out_int(j, inst->pid.pid);
	else
		json_out_null(j);
	json_out_kint(j, "restarts", inst->restarts);
	json_out_kbool(j, "adopted", inst->adopted);
	if (inst->retiring)
		json_out_kbool(j, "retiring", true);
	/* Its start waits in the batch a loop turn starts (boot, scale, a
	 * reload): a CLI's wait takes it as still starting, not stopped. */
	if (inst->start_pending)
		json_out_kbool(j, "queued", true);
	json_out_kint(j, "uptime_ms", up && inst->started_ns ? (int64_t)((now - inst->started_ns) / NSEC_PER_MSEC) : 0);
	json_out_kint(j, "state_ms", (int64_t)((now - inst->state_since_ns) / NSEC_PER_MSEC));
	json_out_key(j, "last_exit");
	status_last_exit(j, inst, now);
	json_out_key(j, "cgroup");
	status_instance_cgroup(j, inst, cg);
	json_out_key(j, "usage");
	status_usage(j, inst, now);
	status_instance_ready(j, inst);
	json_out_kobject(j, "log");
	json_out_key(j, "stdout");
	status_log_stream(j, inst->log_out);
	if (inst->log_err) {
		json_out_key(j, "stderr");
		status_log_stream(j, inst->log_err);
	}
	json_out_end(j);
	if (inst->state == STATE_BACKOFF && loop_timer_armed(&inst->timer))
		json_out_kint(j, "restart_in_ms",
			      inst->timer.due_ns > now ? (int64_t)((inst->timer.due_ns - now) / NSEC_PER_MSEC) : 0);
	json_out_end(j);
}

void status_service_head(struct json_out *j, const struct service *svc)
{
	json_out_kstring(j, "name", svc->cfg->name);
	json_out_kstring(j, "restart_policy", restart_policy_to_string(svc->cfg->restart.policy));
	status_service_deps(j, svc);
	json_out_key(j, "limits");
	status_service_limits(j, svc);
}
