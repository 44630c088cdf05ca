/* SPDX-License-Identifier: MIT */
/*
 * commands.c: the control commands. `status` builds the JSON documented in
 * docs/protocol.md; the others translate into instance events.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/commands.h"
#include "kernel/loop.h"
#include "basic/macro.h"
#include "policy/supervisor.h"
#include "basic/units.h"

static json_object *reply_error(const char *fmt, const char *arg)
{
	char msg[256];
	json_object *o = json_object_new_object();
	snprintf(msg, sizeof(msg), fmt, arg);
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

static json_object *reply_ok(void)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

static long count_fds(void)
{
	/* Linux >= 6.2 gives the count as the directory's size; listing 3000
	 * entries for every status call was 1 ms here. */
	struct stat st;
	if (stat("/proc/self/fd", &st) == 0 && st.st_size > 0)
		return (long)st.st_size;
	DIR *d = opendir("/proc/self/fd");
	long n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3;   /* ".", ".." and the directory's own fd */
}

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

static json_object *status_supervisor(struct supervisor *s, size_t control_clients)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "pid", json_object_new_int(getpid()));
	json_object_object_add(o, "event_backend", json_object_new_string(loop_backend_name(s->loop)));
	json_object_object_add(o, "spawn", json_object_new_string(spawn_method_name(s->spawn_method)));
	json_object_object_add(o, "fds", json_object_new_int64(count_fds()));
	json_object_object_add(o, "rss_kib", json_object_new_int64(rss_kib()));
	json_object_object_add(o, "uptime_ms", json_object_new_int64((int64_t)((now_ns() - s->started_ns) / NSEC_PER_MSEC)));
	json_object_object_add(o, "services", json_object_new_int64((int64_t)s->n_services));
	json_object_object_add(o, "instances", json_object_new_int64((int64_t)s->total_instances));
	json_object_object_add(o, "live_processes", json_object_new_int64((int64_t)s->live_processes));
	json_object_object_add(o, "orphans_reaped", json_object_new_int64((int64_t)s->orphans_reaped));
	json_object_object_add(o, "wakeups", json_object_new_int64((int64_t)loop_wakeups(s->loop)));
	json_object_object_add(o, "control_clients", json_object_new_int64((int64_t)control_clients));
	json_object_object_add(o, "shutting_down", json_object_new_boolean(s->shutting_down));
	json_object_object_add(o, "config", json_object_new_string(s->config->path ? s->config->path : ""));
	json_object *cg = json_object_new_object();
	json_object_object_add(cg, "enabled", json_object_new_boolean(s->cg.fd >= 0));
	if (s->cg.fd >= 0) {
		char ctrl[64] = "";
		for (unsigned bit = 1; bit <= CGROUP_CTRL_IO; bit <<= 1)
			if (s->cg.controllers & bit)
				snprintf(ctrl + strlen(ctrl), sizeof(ctrl) - strlen(ctrl), "%s%s",
					 ctrl[0] ? " " : "", cgroup_controller_name(bit));
		json_object_object_add(cg, "root", json_object_new_string(s->cg.path));
		json_object_object_add(cg, "controllers", json_object_new_string(ctrl));
		json_object_object_add(cg, "kill", json_object_new_string(s->cg.has_kill ? "cgroup.kill" : "freeze+kill"));
	} else {
		json_object_object_add(cg, "reason", json_object_new_string(s->cg_reason));
	}
	json_object_object_add(o, "cgroups", cg);
	return o;
}

static json_object *status_instance(const struct instance *inst)
{
	json_object *o = json_object_new_object();
	uint64_t now = now_ns();
	bool up = state_has_process(inst->state);

	json_object_object_add(o, "index", json_object_new_int((int)inst->index));
	json_object_object_add(o, "state", json_object_new_string(state_to_string(inst->state)));
	json_object_object_add(o, "pid", up ? json_object_new_int(inst->pid.pid) : NULL);
	json_object_object_add(o, "restarts", json_object_new_int64(inst->restarts));
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
	json_object_object_add(o, "cgroup", instance_cgroup_status(inst));
	json_object *lg = json_object_new_object();
	json_object_object_add(lg, "stdout", logstream_status(inst->log_out));
	if (inst->log_err)
		json_object_object_add(lg, "stderr", logstream_status(inst->log_err));
	json_object_object_add(o, "log", lg);
	if (inst->state == STATE_BACKOFF && loop_timer_armed(&inst->timer))
		json_object_object_add(o, "restart_in_ms", json_object_new_int64(
			inst->timer.due_ns > now ? (int64_t)((inst->timer.due_ns - now) / NSEC_PER_MSEC) : 0));
	return o;
}

static json_object *status_service(const struct service *svc, int index)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	json_object_object_add(o, "name", json_object_new_string(svc->cfg->name));
	json_object_object_add(o, "restart_policy", json_object_new_string(
		restart_policy_to_string(svc->cfg->restart.policy)));
	for (uint32_t i = 0; i < svc->n_instances; i++) {
		const struct instance *inst = svc->instances[i];
		if (inst && (index < 0 || (unsigned)index == inst->index))
			json_object_array_add(a, status_instance(inst));
	}
	json_object_object_add(o, "limits", service_limits_status(svc));
	json_object_object_add(o, "instances", a);
	return o;
}

static json_object *cmd_status(struct supervisor *s, const struct rv_request *req, size_t control_clients)
{
	json_object *o = reply_ok(), *a = json_object_new_array();
	json_object_object_add(o, "supervisor", status_supervisor(s, control_clients));
	for (size_t i = 0; i < s->n_services; i++)
		if (!req->service[0] || !strcmp(req->service, s->services[i].cfg->name))
			json_object_array_add(a, status_service(&s->services[i], req->index));
	json_object_object_add(o, "services", a);
	return o;
}

static json_object *cmd_each(struct supervisor *s, const struct rv_request *req, struct service *svc)
{
	enum instance_event ev = req->cmd == RV_CMD_START ? EV_START :
				 req->cmd == RV_CMD_STOP ? EV_STOP : EV_RESTART;
	int sent = 0, failed = 0;
	json_object *paths = NULL;
	(void)s;

	for (uint32_t i = 0; i < svc->n_instances; i++) {
		struct instance *inst = svc->instances[i];
		if (!inst || inst->retiring || (req->index >= 0 && (unsigned)req->index != inst->index))
			continue;
		if (req->cmd == RV_CMD_SIGNAL) {
			if (instance_signal(inst, req->signal) < 0)
				failed++;
			else
				sent++;
			continue;
		}
		if (req->cmd == RV_CMD_SNAPSHOT) {
			char path[1024];
			int r = state_has_process(inst->state) ? instance_snapshot(inst, inst->freeze_wanted, path, sizeof(path)) : -ESRCH;
			if (r < 0) {
				failed++;
				continue;
			}
			if (!paths)
				paths = json_object_new_array();
			json_object_array_add(paths, json_object_new_string(path));
			sent++;
			continue;
		}
		if (req->cmd == RV_CMD_FREEZE || req->cmd == RV_CMD_THAW) {
			bool freeze = req->cmd == RV_CMD_FREEZE;
			if (!state_has_process(inst->state) || inst->state == STATE_STOPPING ||
			    instance_cgroup_freeze(inst, freeze) < 0)
				failed++;
			else
				sent++;
			continue;
		}
		instance_event(inst, ev, "operator");
		sent++;   /* inst may be freed from here on */
	}
	if (sent + failed == 0)
		return reply_error("no such instance: %s", req->service);
	if (req->cmd == RV_CMD_SNAPSHOT && sent == 0) {
		json_object_put(paths);
		return reply_error("snapshot of %s failed: not running, or the state directory is not writable", req->service);
	}
	json_object *o = reply_ok();
	if (paths)
		json_object_object_add(o, "paths", paths);
	json_object_object_add(o, "instances", json_object_new_int(sent));
	if (req->cmd != RV_CMD_START && req->cmd != RV_CMD_STOP && req->cmd != RV_CMD_RESTART)
		json_object_object_add(o, "not_running", json_object_new_int(failed));
	return o;
}

json_object *command_run(struct supervisor *s, const struct rv_request *req, size_t control_clients)
{
	struct service *svc = NULL;

	if (req->cmd == RV_CMD_STATUS) {
		if (req->service[0] && !supervisor_find_service(s, req->service))
			return reply_error("no such service: %s", req->service);
		return cmd_status(s, req, control_clients);
	}
	if (req->cmd == RV_CMD_SHUTDOWN)
		return reply_ok();   /* control.c starts it once the reply is queued */
	if (req->cmd == RV_CMD_LEAKS || req->cmd == RV_CMD_SNAPSHOTS) {
		if (req->service[0] && !supervisor_find_service(s, req->service))
			return reply_error("no such service: %s", req->service);
		return req->cmd == RV_CMD_LEAKS ? leaks_json(s, req->service, req->index)
						: snapshots_json(s, req->service);
	}
	if (s->shutting_down)
		return reply_error("%s", "the supervisor is shutting down");
	svc = supervisor_find_service(s, req->service);
	if (!svc)
		return reply_error("no such service: %s", req->service);
	if (req->cmd == RV_CMD_SCALE) {
		int r = service_scale(svc, req->count);
		if (r == -ERANGE)
			return reply_error("scale: more than %s instances per service", "10000");
		if (r == -ENOSPC)
			return reply_error("scale: over the instance capacity fixed at start (%s)",
					   "twice the configured total, +1024 at least");
		if (r < 0)
			return reply_error("scale: %s", strerror(-r));
		return reply_ok();
	}
	if ((req->cmd == RV_CMD_FREEZE || req->cmd == RV_CMD_THAW || req->cmd == RV_CMD_SNAPSHOT) && s->cg.fd < 0)
		return reply_error("%s needs cgroups, and this daemon runs without them", rv_cmd_to_string(req->cmd));
	return cmd_each(s, req, svc);
}
