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
	bool any_service, any_inst; /* a comma goes before the next */
	uint64_t matched, returned;
	/* Every cgroup's CPU and cgroup.events from one pass at the start
	 * (where the cpu controller is off), instead of two files read per
	 * instance; an instance started since is read from its files. */
	struct cgstat_usage *cg;
	size_t n_cg;
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
	st->state = req->state[0] ? (int)instance_state_from_string(req->state) : -1;
	return st;
}

void status_stream_free(struct status_stream *st)
{
	if (st)
		free(st->cg);
	free(st);
}

/* A pass pays for itself past a few instances (one status of an
 * instance reads its two files, a pass walks every cgroup). */
#define STATUS_PASS_FROM 16

static void take_cgroup_pass(struct status_stream *st, struct supervisor *s)
{
	const struct service *one = st->req.service[0] ? supervisor_find_service(s, st->req.service) : NULL;
	size_t n = 0;

	if ((s->cg.root.controllers & CGROUP_CTRL_CPU) || (one && one->n_instances < STATUS_PASS_FROM) ||
	    (!one && s->rt.total_instances < STATUS_PASS_FROM))
		return;
	const struct cgstat_usage *u = supervisor_cgroup_cpu(&s->cg, s->rt.instance_capacity + CONFIG_MAX_SERVICES + 16,
							      &n);
	if (!u || !n || !(st->cg = malloc(n * sizeof(*u))))
		return;
	memcpy(st->cg, u, n * sizeof(*u));
	st->n_cg = n;
}

static int emit_json(json_object *o, size_t cut, status_emit_fn emit, void *userdata)
{
	size_t n;
	const char *t = o ? json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n) : NULL;
	int r = t ? emit(t, n - cut, userdata) : -ENOMEM;

	json_object_put(o);
	return r;
}

#define EMIT(s) emit((s), sizeof(s) - 1, userdata)

/* The service at the stream's position, or NULL past the last. */
static struct service *current(const struct status_stream *st, struct supervisor *s)
{
	if (st->req.service[0])
		return st->svc == 0 ? supervisor_find_service(s, st->req.service) : NULL;
	return st->svc < s->n_services ? &s->services[st->svc] : NULL;
}

/* The service's object up to its instances' array, opened. */
static int open_service(struct status_stream *st, const struct service *svc, status_emit_fn emit,
			void *userdata)
{
	int r = st->any_service ? EMIT(",") : 0;

	/* Its head ends with '}': cut, the array follows inside. */
	if (r >= 0)
		r = emit_json(status_service_head(svc), 1, emit, userdata);
	if (r >= 0)
		r = EMIT(",\"instances\":[");
	st->in_service = st->any_service = true;
	st->any_inst = false;
	return r;
}

static bool wanted(const struct status_stream *st, const struct instance *inst)
{
	return inst && (st->req.index < 0 || (unsigned)st->req.index == inst->index) &&
	       (st->state < 0 || (int)inst->state == st->state);
}

/* Instances of svc from the stream's position, within the turn's
 * budgets: 1 when the service is done, 0 when the budget ran out. */
static int write_instances(struct status_stream *st, const struct service *svc, unsigned *written,
			   unsigned *scanned, status_emit_fn emit, void *userdata)
{
	for (; st->inst < svc->n_instances; st->inst++) {
		if (*written >= STATUS_CHUNK_INSTANCES || *scanned >= STATUS_CHUNK_SCANNED)
			return 0;
		const struct instance *inst = svc->instances[st->inst];
		++*scanned;
		if (!wanted(st, inst) || ++st->matched <= st->req.offset ||
		    (st->req.limit && st->returned >= st->req.limit))
			continue;
		int r = st->in_service ? 0 : open_service(st, svc, emit, userdata);
		if (r >= 0 && st->any_inst)
			r = EMIT(",");
		if (r >= 0)
			r = emit_json(status_instance(inst, st->cg && inst->cg.fd >= 0 ?
							 cgstat_find(st->cg, st->n_cg, inst->cg.id) : NULL),
				      0, emit, userdata);
		if (r < 0)
			return r;
		st->any_inst = true;
		st->returned++;
		++*written;
	}
	return 1;
}

/* Past the last service: the array closed, the page, the line's end. A
 * service that went away while it was written (a reload) is closed first. */
static int finish(const struct status_stream *st, status_emit_fn emit, void *userdata)
{
	char page[160];
	int r = st->in_service ? EMIT("]}]") : EMIT("]");

	if (r >= 0 && st->req.paged) {
		int n = snprintf(page, sizeof(page),
				 ",\"page\":{\"offset\":%u,\"limit\":%u,\"returned\":%llu,\"matched\":%llu}",
				 st->req.offset, st->req.limit, (unsigned long long)st->returned,
				 (unsigned long long)st->matched);
		r = emit(page, (size_t)n, userdata);
	}
	if (r >= 0)
		r = EMIT("}\n");
	return r < 0 ? r : 1;
}

int status_stream_next(struct status_stream *st, struct supervisor *s, size_t control_clients,
		       status_emit_fn emit, void *userdata)
{
	unsigned written = 0, scanned = 0;
	struct service *svc;
	int r;

	if (!st->started) {
		st->started = true;
		take_cgroup_pass(st, s);
		r = EMIT("{\"ok\":true,\"supervisor\":");
		if (r >= 0)
			r = emit_json(status_supervisor(s, control_clients), 0, emit, userdata);
		if (r >= 0)
			r = EMIT(",\"services\":[");
		if (r < 0)
			return r;
	}
	while ((svc = current(st, s))) {
		r = write_instances(st, svc, &written, &scanned, emit, userdata);
		if (r <= 0)
			return r;
		/* Unfiltered, every service shows, those with no instance too. */
		if (!st->in_service && st->state < 0 && !st->req.paged)
			r = open_service(st, svc, emit, userdata);
		if (r >= 0 && st->in_service)
			r = EMIT("]}");
		if (r < 0)
			return r;
		st->in_service = false;
		st->svc++;
		st->inst = 0;
	}
	return finish(st, emit, userdata);
}
