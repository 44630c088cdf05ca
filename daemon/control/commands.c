/* SPDX-License-Identifier: MIT */
/*
 * commands.c: the command table. Each row names what a command needs (a
 * service that exists, a daemon not shutting down, cgroups) and what it
 * does; the per-instance commands share one walk over the instances, each
 * with its own action. `logs` is control.c's (it may follow).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/commands.h"
#include "control/status_leaks.h"
#include "control/status_snapshots.h"
#include "control/status_stream.h"
#include "config/config_diff.h"
#include "policy/instance_spawn.h"
#include "policy/supervisor_reexec.h"
#include "policy/supervisor_reload.h"
#include "policy/supervisor_start.h"

enum service_need { SERVICE_NONE, SERVICE_OPTIONAL, SERVICE_REQUIRED };

struct command_ctx {
	struct supervisor *sup;
	const struct rv_request *req;
	struct service *svc;            /* when the command names one */
	size_t control_clients;
	json_object *paths;             /* snapshot: the files written */
	char waiting[160];              /* start: what depends_on still waits for */
};

/* One instance: 0 when done, -errno when it could not be (not running). */
typedef int (*instance_action_fn)(struct command_ctx *c, struct instance *inst);

struct command {
	json_object *(*run)(struct command_ctx *c);
	instance_action_fn each;        /* the per-instance commands */
	enum service_need service;
	bool during_shutdown;           /* allowed while the daemon shuts down */
	bool needs_cgroups;
	bool counts_not_running;        /* the reply says how many were not running */
};

static json_object *reply_error(const char *fmt, const char *arg)
{
	char msg[256];
	json_object *o = json_object_new_object();
	snprintf(msg, sizeof(msg), fmt, arg);
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

/* A target that names nothing: the CLI exits 4 (LSB's "unknown"), not 1. */
static json_object *reply_unknown(const char *fmt, const char *arg)
{
	json_object *o = reply_error(fmt, arg);
	json_object_object_add(o, "unknown_target", json_object_new_boolean(1));
	return o;
}

static json_object *reply_ok(void)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

/* The client streams status itself (client.c); this is the same reply in
 * one piece, for a caller of command_run. */
static json_object *run_status(struct command_ctx *c)
{
	return status_stream_reply(c->sup, c->req, c->control_clients);
}

static json_object *run_leaks(struct command_ctx *c)
{
	return status_leaks(c->sup, c->req->service, c->req->index);
}

static json_object *run_snapshots(struct command_ctx *c)
{
	return status_snapshots(&c->sup->snapshots, c->req->service);
}

/* control.c starts the shutdown once this reply is queued. */
static json_object *run_shutdown(struct command_ctx *c)
{
	(void)c;
	return reply_ok();
}

/* The instances that stay (not retiring): scale's "from". */
static uint32_t staying(const struct service *svc)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < svc->n_instances; i++)
		n += svc->instances[i] && !svc->instances[i]->retiring;
	return n;
}

static json_object *run_scale(struct command_ctx *c)
{
	uint32_t from = staying(c->svc);
	int r = service_scale(c->svc, c->req->count);
	if (r == -ERANGE)
		return reply_error("scale: more than %s instances per service", "10000");
	if (r == -ENOSPC)
		return reply_error("scale: over the instance capacity fixed at start (%s)",
				   "twice the configured total, +1024 at least");
	if (r == -EMFILE) {
		const struct fd_budget *b = &c->svc->last_budget;
		char why[200];
		snprintf(why, sizeof(why), "%llu needed, %llu left (RLIMIT_NOFILE %llu, %llu open, %u kept in reserve)",
			 (unsigned long long)b->need, (unsigned long long)b->left, (unsigned long long)b->limit,
			 (unsigned long long)b->in_use, FD_BUDGET_RESERVE);
		return reply_error("scale: not enough file descriptors: %s", why);
	}
	if (r < 0)
		return reply_error("scale: %s", strerror(-r));
	json_object *o = reply_ok();
	json_object_object_add(o, "from", json_object_new_int64(from));
	return o;
}

static json_object *reload_keys(unsigned keys)
{
	json_object *a = json_object_new_array();
	for (int g = 0; g < _CK_MAX; g++)
		if (keys & CK_BIT(g))
			json_object_array_add(a, json_object_new_string(config_key_group_name(g)));
	return a;
}

static json_object *reload_reply(const struct reload_report *rep)
{
	json_object *o = reply_ok(), *lists[_RELOAD_ACTION_MAX];

	json_object_object_add(o, "config", json_object_new_string(rep->path));
	for (int a = 0; a < _RELOAD_ACTION_MAX; a++) {
		lists[a] = json_object_new_array();
		json_object_object_add(o, reload_action_to_string(a), lists[a]);
	}
	for (size_t i = 0; i < rep->n; i++) {
		const struct reload_entry *e = &rep->entries[i];
		if (e->action != RELOAD_UPDATED) {
			json_object_array_add(lists[e->action], json_object_new_string(e->name));
			continue;
		}
		json_object *u = json_object_new_object();
		json_object_object_add(u, "service", json_object_new_string(e->name));
		json_object_object_add(u, "keys", reload_keys(e->keys));
		json_object_array_add(lists[e->action], u);
	}
	return o;
}

/* The file's errors come back whole, as `check` would print them. */
static json_object *run_reload(struct command_ctx *c)
{
	struct reload_report rep;
	int r = supervisor_reload(c->sup, c->req->path[0] ? c->req->path : NULL, &rep);
	json_object *o;

	if (r >= 0) {
		o = reload_reply(&rep);
	} else {
		o = reply_error("%s", rep.why);
		if (rep.errs.n) {
			json_object *a = json_object_new_array();
			for (size_t i = 0; i < rep.errs.n; i++)
				json_object_array_add(a, json_object_new_string(rep.errs.lines[i]));
			json_object_object_add(o, "errors", a);
			json_object_object_add(o, "errors_dropped", json_object_new_int64((int64_t)rep.errs.dropped));
		}
	}
	reload_report_done(&rep);
	return o;
}

/* The exec follows once this reply is written (supervisor_reexec.h). */
static json_object *run_reexec(struct command_ctx *c)
{
	char why[256];

	if (supervisor_reexec(c->sup, "control", why, sizeof(why)) < 0)
		return reply_error("reexec: %s", why);
	return reply_ok();
}

static int act_event(struct command_ctx *c, struct instance *inst)
{
	enum rv_cmd cmd = c->req->cmd;

	/* A start waits for depends_on, and says what for. */
	if (cmd == RV_CMD_START) {
		(void)supervisor_start_or_queue(c->sup, inst, c->waiting, sizeof(c->waiting));
		return 0;
	}
	instance_event(inst, cmd == RV_CMD_STOP ? EV_STOP : EV_RESTART, "operator");
	return 0;   /* inst may be freed from here on */
}

static int act_signal(struct command_ctx *c, struct instance *inst)
{
	return instance_signal(inst, c->req->signal);
}

static int act_freeze(struct command_ctx *c, struct instance *inst)
{
	if (!state_has_process(inst->state) || inst->state == STATE_STOPPING)
		return -ESRCH;
	return instance_freeze(inst, c->req->cmd == RV_CMD_FREEZE);
}

static int act_snapshot(struct command_ctx *c, struct instance *inst)
{
	char path[1024];

	if (!state_has_process(inst->state))
		return -ESRCH;
	int r = snapshot_take(&c->sup->snapshots, inst, leakwatch_source(&c->sup->leaks),
			      inst->freeze_wanted, path, sizeof(path));
	if (r < 0)
		return r;
	if (!c->paths)
		c->paths = json_object_new_array();
	json_object_array_add(c->paths, json_object_new_string(path));
	return 0;
}

static const struct command table[_RV_CMD_MAX] = {
	[RV_CMD_STATUS] = { .run = run_status, .service = SERVICE_OPTIONAL, .during_shutdown = true },
	[RV_CMD_LEAKS] = { .run = run_leaks, .service = SERVICE_OPTIONAL, .during_shutdown = true },
	[RV_CMD_SNAPSHOTS] = { .run = run_snapshots, .service = SERVICE_OPTIONAL, .during_shutdown = true },
	[RV_CMD_SHUTDOWN] = { .run = run_shutdown, .during_shutdown = true },
	[RV_CMD_RELOAD] = { .run = run_reload },
	[RV_CMD_REEXEC] = { .run = run_reexec },
	[RV_CMD_SCALE] = { .run = run_scale, .service = SERVICE_REQUIRED },
	[RV_CMD_START] = { .each = act_event, .service = SERVICE_REQUIRED },
	[RV_CMD_STOP] = { .each = act_event, .service = SERVICE_REQUIRED },
	[RV_CMD_RESTART] = { .each = act_event, .service = SERVICE_REQUIRED },
	[RV_CMD_SIGNAL] = { .each = act_signal, .service = SERVICE_REQUIRED, .counts_not_running = true },
	[RV_CMD_FREEZE] = { .each = act_freeze, .service = SERVICE_REQUIRED, .needs_cgroups = true,
			    .counts_not_running = true },
	[RV_CMD_THAW] = { .each = act_freeze, .service = SERVICE_REQUIRED, .needs_cgroups = true,
			  .counts_not_running = true },
	[RV_CMD_SNAPSHOT] = { .each = act_snapshot, .service = SERVICE_REQUIRED, .needs_cgroups = true,
			      .counts_not_running = true },
};

/* The command's action on each instance the request names. */
static json_object *run_each(const struct command *cmd, struct command_ctx *c)
{
	const struct rv_request *req = c->req;
	struct service *svc = c->svc;
	int done = 0, failed = 0;

	for (uint32_t i = 0; i < svc->n_instances; i++) {
		struct instance *inst = svc->instances[i];
		if (!inst || inst->retiring || (req->index >= 0 && (unsigned)req->index != inst->index))
			continue;
		if (cmd->each(c, inst) < 0)
			failed++;
		else
			done++;
	}
	if (done + failed == 0)
		return reply_unknown("no such instance: %s", req->service);
	if (req->cmd == RV_CMD_SNAPSHOT && done == 0)
		return reply_error("snapshot of %s failed: not running, or the state directory is not writable",
				   req->service);
	json_object *o = reply_ok();
	if (c->paths)
		json_object_object_add(o, "paths", json_object_get(c->paths));
	if (c->waiting[0])
		json_object_object_add(o, "waiting", json_object_new_string(c->waiting));
	json_object_object_add(o, "instances", json_object_new_int(done));
	if (cmd->counts_not_running)
		json_object_object_add(o, "not_running", json_object_new_int(failed));
	return o;
}

json_object *command_run(struct supervisor *s, const struct rv_request *req, size_t control_clients)
{
	const struct command *cmd = (unsigned)req->cmd < _RV_CMD_MAX ? &table[req->cmd] : NULL;
	struct command_ctx c = { .sup = s, .req = req, .control_clients = control_clients };

	if (!cmd || (!cmd->run && !cmd->each))
		return reply_error("%s: not a command of this socket", rv_cmd_to_string(req->cmd));
	if (cmd->service != SERVICE_NONE && (req->service[0] || cmd->service == SERVICE_REQUIRED)) {
		/* Refused during shutdown before the name is looked at. */
		if (!cmd->during_shutdown && s->rt.shutting_down)
			return reply_error("%s", "the supervisor is shutting down");
		c.svc = supervisor_find_service(s, req->service);
		if (!c.svc)
			return reply_unknown("no such service: %s", req->service);
	}
	if (cmd->needs_cgroups && s->cg.root.fd < 0)
		return reply_error("%s needs cgroups, and this daemon runs without them",
				   rv_cmd_to_string(req->cmd));
	json_object *o = cmd->run ? cmd->run(&c) : run_each(cmd, &c);
	json_object_put(c.paths);
	return o;
}
