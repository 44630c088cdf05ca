/* SPDX-License-Identifier: MIT */
/*
 * client_events.c: `events` and its subscribers (client_events.h). The
 * ring is the shared buffer: a subscriber holds a cursor into it, not a
 * copy of every event, so a slow one costs the daemon at most one chunk of
 * queued bytes, and its lag is bounded by the ring (CONTROL_EVENTS_KEPT
 * events, CONTROL_EVENTS_KEPT_BYTES bytes), past which it is cut off.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "basic/event_ring.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/time_util.h"
#include "control/client_events.h"
#include "control/client_queue.h"
#include "policy/supervisor.h"

/* Like the daemon's own dropped log lines (log_dropped()), a count over
 * the process: metrics and status read it without a handle on the control. */
static uint64_t dropped_total;
static size_t subscribers_now;

uint64_t client_events_dropped_total(void)
{
	return dropped_total;
}

void client_events_done(struct client *cl)
{
	if (cl->subscriber)
		subscribers_now--;
	cl->subscriber = false;
}

static struct event_filter filter_of(const struct client *cl)
{
	return (struct event_filter){ .service = cl->ev_service[0] ? cl->ev_service : NULL, .index = cl->ev_index };
}

static int count_one(const struct event_entry *e, void *userdata)
{
	(void)e;
	++*(uint64_t *)userdata;
	return 0;
}

/* A reply queues whole, within the reply bound (the ring is smaller). */
static int queue_all(const struct event_entry *e, void *userdata)
{
	return client_queue(userdata, e->line, e->len) < 0;
}

/* A subscriber gets more only while little is waiting to be sent. */
static int queue_chunk(const struct event_entry *e, void *userdata)
{
	struct client *cl = userdata;

	if (client_unsent(cl) >= CONTROL_EVENTS_CHUNK)
		return 1;
	return client_queue(cl, e->line, e->len) < 0;
}

/* The last line: from which event on it missed, and how many there were
 * then (every service's: the ones a target would skip are gone too). */
static void cut_off(struct client *cl, const struct event_ring *r)
{
	bool full;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string("dropped"));
	json_object_object_add(o, "reason", json_object_new_string("subscriber too slow"));
	json_object_object_add(o, "dropped", json_object_new_int64((int64_t)(r->next_seq - cl->ev_cursor)));
	json_object_object_add(o, "next_seq", json_object_new_int64((int64_t)cl->ev_cursor));
	client_queue_json(cl, o, &full);
	dropped_total++;
	cl->closing = true;
	/* It gets its idle time to read that line, then goes regardless. */
	(void)loop_timer_start(cl->loop, &cl->idle, now_ns() + CONTROL_IDLE_TIMEOUT_MS * NSEC_PER_MSEC);
	log_info("control: an events subscriber fell %llu events behind (the ring keeps %u): cut off",
		 (unsigned long long)(r->next_seq - cl->ev_cursor), CONTROL_EVENTS_KEPT);
}

void client_events_pump(struct client *cl)
{
	const struct event_ring *r = log_events();
	struct event_filter f = filter_of(cl);

	if (!cl->subscriber || cl->closing || !r)
		return;
	/* Something unsent means POLLOUT is asked for already (client.c):
	 * one loop_modify per subscriber per event would be a syscall each. */
	bool was_waiting = client_unsent(cl) > 0;
	if (event_ring_walk(r, &cl->ev_cursor, UINT64_MAX, &f, queue_chunk, cl) == EVENT_WALK_BEHIND)
		cut_off(cl, r);
	if (!was_waiting && client_unsent(cl))
		(void)loop_modify(cl->loop, cl->source, POLLIN | POLLOUT);
}

/* The ring's fill and bounds: one list for both replies that show it. */
static const char *const kept_keys[] = { "events", "max_events", "bytes", "max_bytes", "evicted", "next_seq" };

static void kept_figures(const struct event_ring *r, int64_t v[ELEMENTSOF(kept_keys)])
{
	v[0] = (int64_t)r->n;
	v[1] = (int64_t)r->cap;
	v[2] = (int64_t)r->bytes;
	v[3] = (int64_t)r->max_bytes;
	v[4] = (int64_t)r->evicted;
	v[5] = (int64_t)r->next_seq;
}

static json_object *kept_json(const struct event_ring *r)
{
	json_object *k = json_object_new_object();
	int64_t v[ELEMENTSOF(kept_keys)];

	kept_figures(r, v);
	for (size_t i = 0; i < ELEMENTSOF(kept_keys); i++)
		json_object_object_add(k, kept_keys[i], json_object_new_int64(v[i]));
	return k;
}

void client_events_status(struct json_out *j)
{
	const struct event_ring *r = log_events();
	int64_t v[ELEMENTSOF(kept_keys)];

	json_out_object(j);
	json_out_key(j, "kept");
	if (r) {
		kept_figures(r, v);
		json_out_object(j);
		for (size_t i = 0; i < ELEMENTSOF(kept_keys); i++)
			json_out_kint(j, kept_keys[i], v[i]);
		json_out_end(j);
	} else {
		json_out_null(j);
	}
	json_out_kint(j, "subscribers", (int64_t)subscribers_now);
	json_out_kint(j, "subscribers_max", CONTROL_MAX_SUBSCRIBERS);
	json_out_kint(j, "subscribers_dropped", (int64_t)dropped_total);
	json_out_end(j);
}

/* {"ok":true,"count":N,"first_seq":S,"next_seq":T,"kept":{...}} and, when
 * the ring no longer holds all that was asked for, a note saying so. */
static json_object *head(const struct event_ring *r, uint64_t start, uint64_t count, bool cut)
{
	char note[200];
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "count", json_object_new_int64((int64_t)count));
	json_object_object_add(o, "first_seq", json_object_new_int64((int64_t)start));
	json_object_object_add(o, "next_seq", json_object_new_int64((int64_t)r->next_seq));
	json_object_object_add(o, "kept", kept_json(r));
	if (cut) {
		snprintf(note, sizeof(note), "the daemon keeps its last %u events (%u KiB): %llu older ones are gone",
			 CONTROL_EVENTS_KEPT, CONTROL_EVENTS_KEPT_BYTES >> 10, (unsigned long long)r->evicted);
		json_object *a = json_object_new_array();
		json_object_array_add(a, json_object_new_string(note));
		json_object_object_add(o, "notes", a);
	}
	return o;
}

/* A target names a service, or one of its instances, that is there now
 * (as status would find it): else an error like status's, with
 * unknown_target (the CLI exits 4). */
static bool target_known(struct client *cl, const struct rv_request *req)
{
	struct service *svc = req->service[0] ? supervisor_find_service(cl->sup, req->service) : NULL;
	char msg[RV_PROTO_MAX_NAME + 64];
	bool full;

	if (!req->service[0])
		return true;
	if (svc && (req->index < 0 || ((uint32_t)req->index < svc->n_instances && svc->instances[req->index])))
		return true;
	if (svc)
		snprintf(msg, sizeof(msg), "no such instance: %s.%d", req->service, req->index);
	else
		snprintf(msg, sizeof(msg), "no such service: %s", req->service);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	json_object_object_add(o, "unknown_target", json_object_new_boolean(1));
	client_queue_json(cl, o, &full);
	return false;
}

void client_events(struct client *cl, const struct rv_request *req)
{
	const struct event_ring *r = log_events();
	uint64_t count = 0, cursor;
	bool full = false;

	if (!r) {
		client_reply_error(cl, "events: this daemon keeps no events");
		return;
	}
	if (!target_known(cl, req))
		return;
	snprintf(cl->ev_service, sizeof(cl->ev_service), "%s", req->service);
	cl->ev_index = req->index;
	struct event_filter f = filter_of(cl);
	uint64_t now = now_ns(), since_ns = req->since_ms * NSEC_PER_MSEC;
	uint64_t from_ns = req->since_ms && since_ns < now ? now - since_ns : 0;   /* 0: all */
	uint64_t start = event_ring_since(r, from_ns);
	/* Asked for more than is kept: a window that reaches past the oldest
	 * event kept, when older ones were let go. */
	const struct event_entry *oldest = event_ring_first(r);
	bool cut = r->evicted && (!oldest || from_ns < oldest->mono_ns);
	const char *refused = req->follow && cl->subscribe ? cl->subscribe(cl, cl->userdata) : NULL;

	if (refused) {
		client_reply_error(cl, refused);
		return;
	}
	cursor = start;
	(void)event_ring_walk(r, &cursor, r->next_seq, &f, count_one, &count);
	size_t mark = cl->out_len;
	client_queue_json(cl, head(r, start, count, cut), &full);
	if (full && req->follow) {
		/* Not even the head fits (every client's queue is full). */
		client_reply_error(cl, "busy: the daemon's reply queue is full, retry");
		cl->closing = true;
		return;
	}
	if (!req->follow) {
		cursor = start;
		if (!full && event_ring_walk(r, &cursor, r->next_seq, &f, queue_all, cl) == EVENT_WALK_DONE)
			return;
		/* All of it or nothing: a reply shorter than its count would
		 * leave the reader waiting. */
		*cl->queued_total -= cl->out_len - mark;
		cl->out_len = mark;
		client_reply_error(cl, "busy: the daemon's reply queue is full, retry");
		return;
	}
	cl->subscriber = true;
	subscribers_now++;
	cl->ev_cursor = start;
	loop_timer_stop(cl->loop, &cl->idle);
	client_events_pump(cl);
}
