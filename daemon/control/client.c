/* SPDX-License-Identifier: MIT */
/*
 * client.c: one control connection. Fair by construction: a client gets at
 * most one request served per loop turn, and its reply must have been read
 * before its next request is taken, so pipelining requests, or sending them
 * and never reading, stalls no one but that client. Its input is one
 * request line at most (RV_PROTO_MAX_REQUEST); its reply queue is bounded
 * per client (CONTROL_MAX_REPLY) and across all (CONTROL_MAX_QUEUED). A
 * client that does not finish its request, or read its reply, within
 * CONTROL_IDLE_TIMEOUT_MS of connecting or of its last reply is dropped; a
 * byte now and then does not keep it.
 */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "control/client.h"
#include "control/client_events.h"
#include "control/client_queue.h"
#include "control/commands.h"
#include "control/logs_reply.h"
#include "control/metrics.h"
#include "control/status_stream.h"

#define CONTROL_TRIM_AFTER (64U << 10)

static void on_client(struct loop *l, int fd, uint32_t revents, void *userdata);
static void on_idle(struct loop *l, void *userdata);
static void on_kick(struct loop *l, void *userdata);

int client_new(const struct client_params *p, int fd, struct client **ret)
{
	struct client *cl = calloc(1, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	*cl = (struct client){ .loop = p->loop, .sup = p->sup, .fd = fd, .admin = p->admin, .uid = p->uid,
			       .queued_total = p->queued_total, .n_clients = p->n_clients, .metrics = p->metrics,
			       .gone = p->gone, .subscribe = p->subscribe, .userdata = p->userdata };
	loop_timer_init(&cl->idle, on_idle, cl);
	loop_timer_init(&cl->kick, on_kick, cl);
	cl->source = LOOP_ID_NONE;   /* client_start adds it */
	(void)loop_timer_start(cl->loop, &cl->idle, now_ns() + CONTROL_IDLE_TIMEOUT_MS * NSEC_PER_MSEC);
	*ret = cl;
	return 0;
}

/* Frees the reply buffer, or gives it back to the metrics store when it
 * came from there (its pages stay mapped for the next scrape). */
static void drop_out(struct client *cl)
{
	if (cl->out_metrics && cl->metrics)
		metrics_store_put(cl->metrics, cl->out, cl->out_cap);
	else
		free(cl->out);
	cl->out = NULL;
	cl->out_cap = 0;
	cl->out_metrics = false;
}

void client_free(struct client *cl)
{
	loop_remove(cl->loop, cl->source);
	loop_timer_stop(cl->loop, &cl->idle);
	loop_timer_stop(cl->loop, &cl->kick);
	for (size_t i = 0; i < cl->n_followers; i++)
		logstream_unfollow(&cl->followers[i]);
	client_events_done(cl);
	status_stream_free(cl->status);
	free(cl->followers);
	safe_close(cl->fd);
	*cl->queued_total -= cl->out_len;
	if (cl->gone)
		cl->gone(cl, cl->userdata);
	drop_out(cl);
	free(cl);
}

/* Returns false when the client was freed. */
static bool client_flush(struct client *cl)
{
again:
	while (cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			(void)loop_modify(cl->loop, cl->source, POLLIN | POLLOUT);
			return true;
		}
		if (n <= 0) {
			client_free(cl);
			return false;
		}
		cl->out_off += (size_t)n;
	}
	*cl->queued_total -= cl->out_len;
	/* A big reply (status of 1000 instances is ~500 KiB, built from many
	 * small json-c objects) leaves the heap high: give it back, so the
	 * daemon's footprint does not keep the high-water mark of the largest
	 * request ever served. */
	if (cl->out_len > CONTROL_TRIM_AFTER && !cl->followers && !cl->subscriber && !cl->status) {
		bool metrics = cl->out_metrics;
		drop_out(cl);
		if (!metrics)
			(void)malloc_trim(0);
	}
	cl->out_len = cl->out_off = 0;
	if (cl->closing) {
		client_free(cl);
		return false;
	}
	/* A subscriber read what it had: the next events, if any. */
	client_events_pump(cl);
	if (cl->out_len)
		goto again;
	if (cl->status) {
		/* A status reply's next chunk: next turn, after the others. */
		(void)loop_timer_start(cl->loop, &cl->kick, 0);
		(void)loop_modify(cl->loop, cl->source, POLLIN);
		return true;
	}
	/* The reply is read: the next request has its own time. */
	if (!cl->followers && !cl->subscriber)
		(void)loop_timer_start(cl->loop, &cl->idle, now_ns() + CONTROL_IDLE_TIMEOUT_MS * NSEC_PER_MSEC);
	(void)loop_modify(cl->loop, cl->source, POLLIN);
	return true;
}

/*
 * A new line for a follower: queued, never sent from here (this runs inside
 * the stream's framing loop, where freeing the client would pull the
 * follower list from under it); POLLOUT sends it. A client that does not
 * read loses lines, never slows the service.
 */
static void on_follow_line(struct log_follower *f, const char *line, size_t n, bool split,
			   uint64_t seq, uint64_t ts_ms)
{
	struct client *cl = f->userdata;
	bool full = false;

	if (cl->closing)
		return;
	if (cl->skipped) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "skipped", json_object_new_int64((int64_t)cl->skipped));
		client_queue_json(cl, o, &full);
		if (full) {
			cl->skipped++;
			return;
		}
		cl->skipped = 0;
	}
	client_queue_json(cl, logs_line_json(f->stream, line, n, split, false, seq, ts_ms), &full);
	cl->skipped += full;
	(void)loop_modify(cl->loop, cl->source, POLLIN | POLLOUT);
}

static int count_stream(struct logstream *s, void *userdata)
{
	(void)s;
	++*(size_t *)userdata;
	return 0;
}

static int follow_stream(struct logstream *s, void *userdata)
{
	struct client *cl = userdata;
	struct log_follower *f = &cl->followers[cl->n_followers++];

	*f = (struct log_follower){ .push = on_follow_line, .userdata = cl };
	logstream_follow(s, f);
	return 0;
}

/* The tail first; with follow, the client then stays to get new lines and
 * is no longer subject to the idle timeout. */
static void client_logs(struct client *cl, const struct rv_request *req)
{
	struct supervisor *sup = cl->sup;
	json_object *reply = req->rotate ? logs_rotate_reply(sup, req) :
					    logs_reply(sup, req, CONTROL_MAX_REPLY);
	json_object *ok;
	bool full;
	size_t n = 0;

	bool good = json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok);
	client_queue_json(cl, reply, &full);
	if (full) {
		client_reply_error(cl, "reply too large (or the daemon's reply queue is full): ask for fewer lines");
		return;
	}
	if (!good || !req->follow || cl->followers)
		return;
	(void)logs_for_each_stream(sup, req, count_stream, &n);
	cl->followers = calloc(n, sizeof(*cl->followers));
	if (!cl->followers) {
		client_reply_error(cl, "out of memory");
		cl->closing = true;
		return;
	}
	(void)logs_for_each_stream(sup, req, follow_stream, cl);
	loop_timer_stop(cl->loop, &cl->idle);
}

/* The text is built and escaped into its reply line directly: no json-c
 * object of megabytes (metrics.h). */
static void client_metrics(struct client *cl)
{
	struct mtext line;

	metrics_reply_line(cl->metrics, cl->sup, &line);
	int r = line.overflow ? -ENOBUFS : 0;
	if (r == 0 && *cl->queued_total + line.len + 1 > CONTROL_MAX_QUEUED)
		r = -EBUSY;
	if (r == 0 && cl->out_len == 0) {
		/* The queue is empty (a reply is read before the next request
		 * is taken): the line becomes it, megabytes not copied again.
		 * Its NUL's place takes the newline. */
		drop_out(cl);
		line.buf[line.len] = '\n';
		cl->out = TAKE_PTR(line.buf);
		cl->out_cap = line.cap;
		cl->out_metrics = true;
		cl->out_len = line.len + 1;
		*cl->queued_total += cl->out_len;
	} else if (r == 0) {
		r = client_queue(cl, line.buf, line.len);
	}
	metrics_store_put(cl->metrics, TAKE_PTR(line.buf), line.cap);
	mtext_done(&line);
	if (r == -EBUSY)
		client_reply_error(cl, "busy: the daemon's reply queue is full, retry");
	else if (r < 0)
		client_reply_error(cl, "metrics: the text is larger than the reply bound (docs/metrics.md)");
}

static int status_emit(const char *s, size_t n, void *userdata)
{
	return client_queue_part(userdata, s, n);
}

/* The next chunk of a status reply into the queue (not sent from here). */
static void status_pump(struct client *cl)
{
	int r = status_stream_next(cl->status, cl->sup, *cl->n_clients, status_emit, cl);

	if (r == 0)
		return;
	cl->status = (status_stream_free(cl->status), NULL);
	if (r < 0) {
		/* Half a line is out: the client can only be told by a close. */
		log_warn("control: a status reply was cut: %s", strerror(-r));
		cl->closing = true;
	}
}

/* status, streamed (status_stream.h); false: command_run answers (an
 * unknown service, as every command answers it). */
static bool client_status(struct client *cl, const struct rv_request *req)
{
	char why[256];
	const char *no = status_stream_refused(req, why, sizeof(why));

	if (no) {
		client_reply_error(cl, no);
		return true;
	}
	if (req->service[0] && !supervisor_find_service(cl->sup, req->service))
		return false;
	cl->status = status_stream_new(req);
	if (!cl->status)
		client_reply_error(cl, "out of memory");
	else
		status_pump(cl);
	return true;
}

static void client_handle_line(struct client *cl, const char *line, size_t len)
{
	struct rv_request req;
	char err[256];

	if (rv_request_parse(line, len, &req, err, sizeof(err)) < 0) {
		client_reply_error(cl, err);
		return;
	}
	if (rv_cmd_is_mutating(req.cmd) && !cl->admin) {
		snprintf(err, sizeof(err), "permission denied: \"%s\" needs root or the admin group",
			 rv_cmd_to_string(req.cmd));
		client_reply_error(cl, err);
		return;
	}
	if (req.cmd == RV_CMD_LOGS) {
		client_logs(cl, &req);
		return;
	}
	if (req.cmd == RV_CMD_METRICS) {
		client_metrics(cl);
		return;
	}
	if (req.cmd == RV_CMD_EVENTS) {
		client_events(cl, &req);
		return;
	}
	if (req.cmd == RV_CMD_STATUS && client_status(cl, &req))
		return;
	json_object *reply = command_run(cl->sup, &req, *cl->n_clients);
	size_t n;
	const char *s = json_object_to_json_string_length(reply, JSON_C_TO_STRING_PLAIN, &n);
	int r = client_queue(cl, s, n);
	json_object_put(reply);
	if (r == -EBUSY)
		client_reply_error(cl, "busy: the daemon's reply queue is full, retry");
	else if (r < 0)
		client_reply_error(cl, "reply too large");
	if (req.cmd == RV_CMD_SHUTDOWN)
		supervisor_shutdown(cl->sup, "control");
}

/* Serves the first whole request buffered, if any: true when one was. */
static bool serve_one(struct client *cl)
{
	char *nl = cl->followers || cl->subscriber ? NULL : memchr(cl->in, '\n', cl->in_len);
	if (!nl)
		return false;
	size_t len = (size_t)(nl - cl->in);
	client_handle_line(cl, cl->in, len);
	memmove(cl->in, nl + 1, cl->in_len - len - 1);
	cl->in_len -= len + 1;
	return true;
}

/* A whole request is buffered. */
static bool request_waits(const struct client *cl)
{
	return !cl->followers && !cl->subscriber && memchr(cl->in, '\n', cl->in_len);
}

/*
 * One step: a reply still queued must be read first; else one whole
 * request is served (the rest wait for the next loop turn); else the
 * socket is read until EAGAIN or a request is whole. io_uring's poll is
 * edge-triggered: whatever is left in the socket when this returns is
 * taken up by the kick (next turn) or by POLLOUT (reply read). After a
 * request is served the socket is read on, to EAGAIN: a kick only when
 * another request is there (a timer set and fired is two timerfd_settime
 * and a loop turn, a good part of what `status NAME` cost the daemon).
 */
static bool client_serve(struct client *cl)
{
	bool served = false;

	while (!cl->closing && cl->out_len == 0) {
		if (cl->status) {
			if (served)
				return true;   /* client_flush set the next chunk's kick */
			status_pump(cl);
			return cl->out_len == 0 || client_flush(cl);
		}
		if (served && request_waits(cl)) {
			(void)loop_timer_start(cl->loop, &cl->kick, 0);
			return true;
		}
		if (!served && serve_one(cl)) {
			if (cl->out_len > 0 && !client_flush(cl))
				return false;
			served = true;
			continue;
		}
		ssize_t n = recv(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0) {
			client_free(cl);
			return false;
		}
		if (cl->followers || cl->subscriber) {
			/* Following: the client only reads; what it sends is ignored. */
			continue;
		}
		cl->in_len += (size_t)n;
		if (cl->in_len == sizeof(cl->in) && !memchr(cl->in, '\n', cl->in_len)) {
			client_reply_error(cl, "request too large");
			cl->closing = true;
			return client_flush(cl);
		}
	}
	return true;
}

/* Watched by the loop only once the first serve could not finish: a CLI's
 * request, reply and close (it shuts its side after the request) take one
 * turn and no poll registration (a loop_add and its removal were a
 * fcntl, two SQEs and an io_uring_enter of their own per `status NAME`). */
void client_start(struct client *cl)
{
	if (!client_serve(cl))
		return;
	uint32_t events = POLLIN | (cl->out_len > 0 ? POLLOUT : 0);
	int r = loop_add(cl->loop, cl->fd, events, on_client, cl, &cl->source);
	if (r < 0) {
		log_warn_errno(r, "control: cannot watch a client");
		client_free(cl);
	}
}

static void on_client(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct client *cl = userdata;
	(void)l, (void)fd;

	/* A peer that hung up with a reply unread is seen by the send. */
	if ((revents & (POLLOUT | POLLHUP | POLLERR)) && cl->out_len > 0 && !client_flush(cl))
		return;
	(void)client_serve(cl);
}

static void on_kick(struct loop *l, void *userdata)
{
	(void)l;
	(void)client_serve(userdata);
}

static void on_idle(struct loop *l, void *userdata)
{
	(void)l;
	log_debug("control: closing idle client");
	client_free(userdata);
}
