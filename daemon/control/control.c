/* SPDX-License-Identifier: MIT */
/*
 * control.c: the listening socket and its clients. Each client has a fixed
 * input buffer (one request line), a reply queue capped at CONTROL_MAX_REPLY,
 * and an idle timer: a client that does not finish its request, or does not
 * read its reply, within CONTROL_IDLE_TIMEOUT_MS is disconnected. Requests are
 * handled one at a time per client, in order.
 */
#include <errno.h>
#include <grp.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/commands.h"
#include "control/control_socket.h"
#include "control/control.h"
#include "basic/log.h"
#include "control/logs_reply.h"
#include "control/protocol.h"
#include "policy/supervisor.h"

#define CONTROL_TRIM_AFTER (64U << 10)

struct client {
	struct control *ctl;
	int fd;
	loop_id source;
	struct loop_timer idle;
	bool admin;
	bool closing;              /* close once the reply queue is flushed */
	char in[RV_PROTO_MAX_REQUEST];
	size_t in_len;
	char *out;
	size_t out_len, out_off, out_cap;
	/* `logs -f`: one follower per stream followed; new lines are queued up
	 * to CONTROL_FOLLOW_MAX, the rest counted and reported as skipped. */
	struct log_follower *followers;
	size_t n_followers;
	uint64_t skipped;
};

struct control {
	struct supervisor *sup;
	int fd;
	loop_id source;                /* LOOP_ID_NONE while accepting is paused */
	struct loop_timer accept_retry;
	uint64_t accept_retry_ms;
	int accept_error;              /* logged once per change */
	char *path;
	bool bound;                /* we created the socket file: unlink it at exit */
	struct client *clients[CONTROL_MAX_CLIENTS];
	size_t n_clients;
	uint64_t rejected;
};

static void client_free(struct client *cl)
{
	struct control *ctl = cl->ctl;
	struct loop *l = ctl->sup->loop;

	loop_remove(l, cl->source);
	loop_timer_stop(l, &cl->idle);
	for (size_t i = 0; i < cl->n_followers; i++)
		logstream_unfollow(&cl->followers[i]);
	free(cl->followers);
	safe_close(cl->fd);
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (ctl->clients[i] == cl) {
			ctl->clients[i] = NULL;
			ctl->n_clients--;
		}
	free(cl->out);
	free(cl);
}

static void client_touch(struct client *cl)
{
	(void)loop_timer_start(cl->ctl->sup->loop, &cl->idle,
			       now_ns() + CONTROL_IDLE_TIMEOUT_MS * NSEC_PER_MSEC);
}

/* Returns false when the client was freed. */
static bool client_flush(struct client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			(void)loop_modify(cl->ctl->sup->loop, cl->source, POLLIN | POLLOUT);
			return true;
		}
		if (n <= 0) {
			client_free(cl);
			return false;
		}
		cl->out_off += (size_t)n;
	}
	/* A big reply (status of 1000 instances is ~500 KiB, built from many
	 * small json-c objects) leaves the heap high: give it back, so the
	 * daemon's footprint does not keep the high-water mark of the largest
	 * request ever served. */
	if (cl->out_len > CONTROL_TRIM_AFTER && !cl->followers) {
		free(cl->out);
		cl->out = NULL;
		cl->out_cap = 0;
		(void)malloc_trim(0);
	}
	cl->out_len = cl->out_off = 0;
	if (cl->closing) {
		client_free(cl);
		return false;
	}
	(void)loop_modify(cl->ctl->sup->loop, cl->source, POLLIN);
	return true;
}

static int client_queue(struct client *cl, const char *s, size_t n)
{
	size_t max = cl->followers ? CONTROL_FOLLOW_MAX : CONTROL_MAX_REPLY;

	if (cl->out_len + n + 1 > max)
		return -ENOBUFS;
	if (cl->out_len + n + 1 > cl->out_cap) {
		size_t cap = MIN(MAX(cl->out_len + n + 1, 2 * cl->out_cap), (size_t)CONTROL_MAX_REPLY);
		char *o = realloc(cl->out, cap);
		if (!o)
			return -ENOMEM;
		cl->out = o;
		cl->out_cap = cap;
	}
	memcpy(cl->out + cl->out_len, s, n);
	cl->out[cl->out_len + n] = '\n';
	cl->out_len += n + 1;
	return 0;
}

static void client_reply_error(struct client *cl, const char *msg)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	size_t n;
	const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
	(void)client_queue(cl, s, n);
	json_object_put(o);
}

static void client_queue_json(struct client *cl, json_object *o, bool *ret_full)
{
	size_t n;
	const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);

	*ret_full = client_queue(cl, s, n) < 0;
	json_object_put(o);
}

/*
 * A new line for a follower: queued, never sent from here (this runs inside
 * the stream's framing loop, where freeing the client would pull the
 * follower list from under it); POLLOUT sends it. A client that does not
 * read loses lines, never slows the service.
 */
static void on_follow_line(struct log_follower *f, const char *line, size_t n, bool split,
			   uint64_t seq)
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
	client_queue_json(cl, logs_line_json(f->stream, line, n, split, false, seq), &full);
	cl->skipped += full;
	(void)loop_modify(cl->ctl->sup->loop, cl->source, POLLIN | POLLOUT);
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
	struct supervisor *sup = cl->ctl->sup;
	json_object *reply = logs_reply(sup, req);
	json_object *ok;
	bool full;
	size_t n = 0;

	bool good = json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok);
	client_queue_json(cl, reply, &full);
	if (full) {
		client_reply_error(cl, "reply too large: ask for fewer lines");
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
	loop_timer_stop(sup->loop, &cl->idle);
}

static void client_handle_line(struct client *cl, const char *line, size_t len)
{
	struct control *ctl = cl->ctl;
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
	json_object *reply = command_run(ctl->sup, &req, ctl->n_clients);
	size_t n;
	const char *s = json_object_to_json_string_length(reply, JSON_C_TO_STRING_PLAIN, &n);
	if (client_queue(cl, s, n) < 0)
		client_reply_error(cl, "reply too large");
	json_object_put(reply);
	if (req.cmd == RV_CMD_SHUTDOWN)
		supervisor_shutdown(ctl->sup, "control");
}

/*
 * Reads and answers requests until the socket is drained or a reply is still
 * queued. The io_uring backend's poll is edge-triggered, so returning with
 * data left in the socket would strand it: we only ever stop on EAGAIN, or
 * with a reply pending, in which case POLLOUT brings us back here.
 */
static void client_read(struct client *cl)
{
	while (!cl->closing && cl->out_len == 0) {
		ssize_t n = recv(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			client_free(cl);
			return;
		}
		if (cl->followers) {
			/* Following: the client only reads; what it sends is ignored. */
			cl->in_len = 0;
			continue;
		}
		cl->in_len += (size_t)n;
		client_touch(cl);
		size_t start = 0;
		for (char *nl; (nl = memchr(cl->in + start, '\n', cl->in_len - start));) {
			client_handle_line(cl, cl->in + start, (size_t)(nl - (cl->in + start)));
			start = (size_t)(nl - cl->in) + 1;
		}
		memmove(cl->in, cl->in + start, cl->in_len - start);
		cl->in_len -= start;
		if (cl->in_len == sizeof(cl->in)) {
			client_reply_error(cl, "request too large");
			cl->closing = true;
		}
		if (cl->out_len > 0 && !client_flush(cl))
			return;
	}
}

static void on_client(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct client *cl = userdata;
	(void)l, (void)fd;

	if ((revents & POLLOUT) && !client_flush(cl))
		return;
	client_read(cl);
}

static void on_client_idle(struct loop *l, void *userdata)
{
	(void)l;
	log_debug("control: closing idle client");
	client_free(userdata);
}

static void on_listen(struct loop *l, int fd, uint32_t revents, void *userdata);

/*
 * accept4 failed with the connection still queued (EMFILE, ENFILE,
 * ENOBUFS, ENOMEM): the kernel will not say so again (io_uring's poll fires
 * on new connections only) and epoll would say so at every turn, spinning.
 * Stop watching the socket and try again from a timer, 100 ms doubling to
 * 1 s, until an accept works.
 */
static void pause_accepting(struct control *ctl, int err)
{
	struct loop *l = ctl->sup->loop;

	if (err != ctl->accept_error)
		log_warn_errno(err, "control: cannot accept connections, retrying");
	ctl->accept_error = err;
	loop_remove(l, ctl->source);
	ctl->source = LOOP_ID_NONE;
	ctl->accept_retry_ms = ctl->accept_retry_ms ? MIN(ctl->accept_retry_ms * 2, 1000u) : 100;
	(void)loop_timer_start(l, &ctl->accept_retry, now_ns() + ctl->accept_retry_ms * NSEC_PER_MSEC);
}

static void on_accept_retry(struct loop *l, void *userdata)
{
	struct control *ctl = userdata;

	if (ctl->source == LOOP_ID_NONE &&
	    loop_add(l, ctl->fd, POLLIN, on_listen, ctl, &ctl->source) < 0) {
		ctl->source = LOOP_ID_NONE;
		pause_accepting(ctl, -ENOSPC);
		return;
	}
	on_listen(l, ctl->fd, POLLIN, ctl);
}

/* A new client, or NULL when every slot is taken. */
static struct client *client_new(struct control *ctl, int cfd)
{
	size_t slot = 0;
	while (slot < CONTROL_MAX_CLIENTS && ctl->clients[slot])
		slot++;
	struct client *cl = slot < CONTROL_MAX_CLIENTS ? calloc(1, sizeof(*cl)) : NULL;
	if (!cl)
		return NULL;
	cl->ctl = ctl;
	cl->fd = cfd;
	cl->admin = control_peer_is_admin(cfd, &ctl->sup->config->supervisor);
	loop_timer_init(&cl->idle, on_client_idle, cl);
	if (loop_add(ctl->sup->loop, cfd, POLLIN, on_client, cl, &cl->source) < 0) {
		free(cl);
		return NULL;
	}
	ctl->clients[slot] = cl;
	ctl->n_clients++;
	client_touch(cl);
	return cl;
}

static void on_listen(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct control *ctl = userdata;
	(void)l, (void)revents;

	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (cfd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (cfd < 0 && errno == EAGAIN)
			break;
		if (cfd < 0) {
			pause_accepting(ctl, -errno);
			return;
		}
		if (!client_new(ctl, cfd)) {
			static const char busy[] = "{\"ok\":false,\"error\":\"too many clients\"}\n";
			(void)!send(cfd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			safe_close(cfd);
			ctl->rejected++;
		}
	}
	/* Accepting works (again). */
	if (ctl->accept_error)
		log_info("control: accepting connections again");
	ctl->accept_error = 0;
	ctl->accept_retry_ms = 0;
}

int control_new(struct supervisor *sup, const char *path, struct control **ret)
{
	int r;
	struct control *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->sup = sup;
	c->fd = -EBADF;
	loop_timer_init(&c->accept_retry, on_accept_retry, c);
	c->path = strdup(path);
	if (!c->path) {
		r = -ENOMEM;
		goto fail;
	}
	r = control_socket_listen(path, &c->fd);
	if (r < 0)
		goto fail;
	c->bound = true;
	r = loop_add(sup->loop, c->fd, POLLIN, on_listen, c, &c->source);
	if (r < 0)
		goto fail;
	*ret = c;
	return 0;
fail:
	control_free(c);
	return r;
}

struct control *control_free(struct control *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i])
			client_free(c->clients[i]);
	loop_remove(c->sup->loop, c->source);
	loop_timer_stop(c->sup->loop, &c->accept_retry);
	safe_close(c->fd);
	if (c->bound)
		(void)unlink(c->path);
	free(c->path);
	free(c);
	return NULL;
}
