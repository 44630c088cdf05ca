/* SPDX-License-Identifier: MIT */
/*
 * status_stream.c: see status_stream.h. The stream keeps positions, not
 * pointers: between two chunks a reload may replace the services' array
 * and a scale free instances, so each chunk finds its service again (by
 * name when one was asked for) and checks every index against the count.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "control/control.h"
#include "control/status.h"
#include "control/status_stream.h"
#include "kernel/cgroup.h"
#include "policy/state.h"

struct status_stream {
	struct rv_request req;
	int state;                  /* -1: any */
	bool started;               /* the daemon's object is written */
	size_t svc;                 /* the service being written, by position */
	uint32_t inst;              /* its next instance slot */
	bool in_service;            /* its object is open (head and "instances":[ written) */
	uint64_t matched, returned;
	/* Every cgroup's CPU and cgroup.events from one pass at the start
	 * (where the cpu controller is off), instead of two files read per
	 * instance; an instance started since is read from its files. */
	struct cgstat_usage *cg;
	size_t n_cg;
	/* The reply's text of this turn, emitted at its end; the writer
	 * keeps which brackets are open from one turn to the next. */
	struct json_out out;
};

const char *status_stream_refused(const struct rv_request *req, char *buf, size_t len)
{
	if (!req->state[0] || instance_state_from_string(req->state) >= 0)
		return NULL;
	snprintf(buf, len, "unknown state \"%s\": one of", req->state);
	for (int i = 0; i < _STATE_MAX; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s %s", i ? "," : "",
			 instance_state_to_string((enum instance_state)i));
	return buf;
}

struct status_stream *status_stream_new(const struct rv_request *req)
{
	struct status_stream *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->req = *req;
	json_out_init(&st->out, CONTROL_MAX_REPLY);
	st->state = req->state[0] ? (int)instance_state_from_string(req->state) : -1;
	return st;
}

void status_stream_free(struct status_stream *st)
{
	if (!st)
		return;
	free(st->cg);
	json_out_done(&st->out);
	free(st);
}

/* A pass pays for itself past a few instances (one status of an
 * instance reads its two files, a pass walks every cgroup). */
#define STATUS_PASS_FROM 16

/* At most this many instances can be in the reply. */
static size_t most_shown(const struct status_stream *st, struct supervisor *s)
{
	const struct service *one = st->req.service[0] ? supervisor_find_service(s, st->req.service) : NULL;
	size_t n = one ? one->n_instances : s->rt.total_instances;

	if (st->req.index >= 0)
		n = MIN(n, (size_t)1);   /* status NAME.INDEX */
	if (st->req.paged && st->req.limit)
		n = MIN(n, (size_t)st->req.limit);
	return n;
}

static void take_cgroup_pass(struct status_stream *st, struct supervisor *s)
{
	size_t n = 0;

	if ((s->cg.root.controllers & CGROUP_CTRL_CPU) || most_shown(st, s) < STATUS_PASS_FROM)
		return;
	const struct cgstat_usage *u = supervisor_cgroup_cpu(&s->cg, s->rt.instance_capacity + CONFIG_MAX_SERVICES + 16,
							      &n);
	if (!u || !n || !(st->cg = malloc(n * sizeof(*u))))
		return;
	memcpy(st->cg, u, n * sizeof(*u));
	st->n_cg = n;
}

/* The service at the stream's position, or NULL past the last. */
static struct service *current(const struct status_stream *st, struct supervisor *s)
{
	if (st->req.service[0])
		return st->svc == 0 ? supervisor_find_service(s, st->req.service) : NULL;
	return st->svc < s->n_services ? &s->services[st->svc] : NULL;
}

/* The service's object up to its instances' array, opened. */
static void open_service(struct status_stream *st, const struct service *svc)
{
	json_out_object(&st->out);
	status_service_head(&st->out, svc);
	json_out_karray(&st->out, "instances");
	st->in_service = true;
}

static void close_service(struct status_stream *st)
{
	json_out_end(&st->out);
	json_out_end(&st->out);
	st->in_service = false;
}

static bool wanted(const struct status_stream *st, const struct instance *inst)
{
	return inst && (st->req.index < 0 || (unsigned)st->req.index == inst->index) &&
	       (st->state < 0 || (int)inst->state == st->state);
}

/* Instances of svc from the stream's position, within the turn's
 * budgets: true when the service is done, false when the budget ran out. */
static bool write_instances(struct status_stream *st, const struct service *svc, unsigned *written,
			    unsigned *scanned)
{
	for (; st->inst < svc->n_instances; st->inst++) {
		if (*written >= STATUS_CHUNK_INSTANCES || *scanned >= STATUS_CHUNK_SCANNED)
			return false;
		const struct instance *inst = svc->instances[st->inst];
		++*scanned;
		if (!wanted(st, inst) || ++st->matched <= st->req.offset ||
		    (st->req.limit && st->returned >= st->req.limit))
			continue;
		if (!st->in_service)
			open_service(st, svc);
		status_instance(&st->out, inst, st->cg && inst->cg.fd >= 0 ?
						cgstat_find(st->cg, st->n_cg, inst->cg.id) : NULL);
		st->returned++;
		++*written;
	}
	return true;
}

/* Past the last service: the array closed, the page. A service that went
 * away while it was written (a reload) is closed first. */
static void finish(struct status_stream *st)
{
	struct json_out *j = &st->out;

	if (st->in_service)
		close_service(st);
	json_out_end(j);   /* services */
	if (st->req.paged) {
		json_out_kobject(j, "page");
		json_out_kuint(j, "offset", st->req.offset);
		json_out_kuint(j, "limit", st->req.limit);
		json_out_kuint(j, "returned", st->returned);
		json_out_kuint(j, "matched", st->matched);
		json_out_end(j);
	}
	json_out_end(j);
}

/* The turn's text out, in one piece (and the line's end after the last). */
static int emit_turn(struct status_stream *st, bool last, status_emit_fn emit, void *userdata)
{
	int r = json_out_error(&st->out);

	if (r == 0 && st->out.len)
		r = emit(st->out.buf, st->out.len, userdata);
	if (r == 0 && last)
		r = emit("\n", 1, userdata);
	json_out_take_text(&st->out);
	return r < 0 ? r : last;
}

int status_stream_next(struct status_stream *st, struct supervisor *s, size_t control_clients,
		       status_emit_fn emit, void *userdata)
{
	unsigned written = 0, scanned = 0;
	struct service *svc;

	if (!st->started) {
		st->started = true;
		take_cgroup_pass(st, s);
		json_out_object(&st->out);
		json_out_kbool(&st->out, "ok", true);
		json_out_key(&st->out, "supervisor");
		status_supervisor(&st->out, s, control_clients);
		json_out_karray(&st->out, "services");
	}
	while ((svc = current(st, s))) {
		if (!write_instances(st, svc, &written, &scanned))
			return emit_turn(st, false, emit, userdata);
		/* Unfiltered, every service shows, those with no instance too. */
		if (!st->in_service && st->state < 0 && !st->req.paged)
			open_service(st, svc);
		if (st->in_service)
			close_service(st);
		st->svc++;
		st->inst = 0;
	}
	finish(st);
	return emit_turn(st, true, emit, userdata);
}

static int to_file(const char *s, size_t n, void *userdata)
{
	return fwrite(s, 1, n, userdata) == n ? 0 : -ENOMEM;
}

json_object *status_stream_reply(struct supervisor *s, const struct rv_request *req, size_t control_clients)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct status_stream *st = f ? status_stream_new(req) : NULL;
	int r = st ? 0 : -ENOMEM;

	while (r == 0)
		r = status_stream_next(st, s, control_clients, to_file, f);
	status_stream_free(st);
	if (f && fclose(f) != 0)
		r = -ENOMEM;
	return r > 0 ? json_tokener_parse(text) : NULL;
}
