/* SPDX-License-Identifier: MIT */
/*
 * control.c: the listening socket and its slots. CONTROL_MAX_CLIENTS
 * connections at once; the last CONTROL_ADMIN_SLOTS of them only for root
 * and the admin group, and at most CONTROL_MAX_PER_UID for any other user,
 * so no local user can take every slot and shut root out. A connection
 * past those gets one error line and is closed. What a connection may do,
 * and how it is kept fair, is client.c.
 *
 * An `events -f` subscriber leaves its client slot for one of
 * CONTROL_MAX_SUBSCRIBERS subscriber slots (kept for root and the admin
 * group, and per user, the same way), so that subscribers never take the
 * slots commands need. The control is the event log's sink: each new
 * event is offered to every subscriber (client_events.c).
 */
#include <errno.h>
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
#include "control/control.h"
#include "control/control_socket.h"
#include "control/metrics.h"
#include "control/metrics_http.h"
#include "policy/supervisor.h"

struct control {
	struct supervisor *sup;
	int fd;
	loop_id source;                /* LOOP_ID_NONE while accepting is paused */
	struct loop_timer accept_retry;
	uint64_t accept_retry_ms;
	int accept_error;              /* logged once per change */
	char *path;
	bool bound;                    /* we created the socket file: unlink it at exit */
	struct client *clients[CONTROL_MAX_CLIENTS];
	size_t n_clients;
	struct client *subscribers[CONTROL_MAX_SUBSCRIBERS];
	size_t n_subscribers;
	size_t queued;                 /* reply bytes queued over all clients */
	struct metrics_store metrics;  /* buffers kept from one metrics reply to the next */
	uint64_t rejected;
	struct metrics_http *http;     /* supervisor.metrics.listen's HTTP listeners */
};

static void on_client_gone(struct client *cl, void *userdata)
{
	struct control *ctl = userdata;
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (ctl->clients[i] == cl) {
			ctl->clients[i] = NULL;
			ctl->n_clients--;
		}
	for (size_t i = 0; i < CONTROL_MAX_SUBSCRIBERS; i++)
		if (ctl->subscribers[i] == cl) {
			ctl->subscribers[i] = NULL;
			ctl->n_subscribers--;
		}
}

/* A slot among the subscribers, with the same rules as the clients': NULL
 * when cl may take one (it then leaves its client slot), else why not. */
static const char *on_subscribe(struct client *cl, void *userdata)
{
	struct control *ctl = userdata;
	size_t mine = 0, slot = 0;

	if (ctl->n_subscribers >= CONTROL_MAX_SUBSCRIBERS)
		return "too many event subscribers";
	if (!cl->admin && ctl->n_subscribers >= CONTROL_MAX_SUBSCRIBERS - CONTROL_SUBSCRIBER_ADMIN_SLOTS)
		return "too many event subscribers (the rest are kept for root and the admin group)";
	for (size_t i = 0; i < CONTROL_MAX_SUBSCRIBERS; i++)
		mine += ctl->subscribers[i] && ctl->subscribers[i]->uid == cl->uid;
	if (!cl->admin && mine >= CONTROL_SUBSCRIBERS_PER_UID)
		return "too many event subscribers of this user";
	on_client_gone(cl, ctl);   /* out of the clients' slots */
	while (ctl->subscribers[slot])
		slot++;
	ctl->subscribers[slot] = cl;
	ctl->n_subscribers++;
	return NULL;
}

/* A new event (basic/log.c): each subscriber takes what concerns it. */
static void on_event(void *userdata)
{
	struct control *ctl = userdata;
	for (size_t i = 0; i < CONTROL_MAX_SUBSCRIBERS; i++)
		if (ctl->subscribers[i])
			client_events_pump(ctl->subscribers[i]);
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

/* NULL when this peer may take a slot, else why not. */
static const char *refusal(const struct control *ctl, bool admin, uid_t uid)
{
	size_t mine = 0;

	if (ctl->n_clients >= CONTROL_MAX_CLIENTS)
		return "too many clients";
	if (admin)
		return NULL;
	if (ctl->n_clients >= CONTROL_MAX_CLIENTS - CONTROL_ADMIN_SLOTS)
		return "too many clients (the rest are kept for root and the admin group)";
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		mine += ctl->clients[i] && ctl->clients[i]->uid == uid;
	return mine >= CONTROL_MAX_PER_UID ? "too many clients of this user" : NULL;
}

static void reject(struct control *ctl, int cfd, const char *why)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "{\"ok\":false,\"error\":\"%s\"}\n", why);
	(void)!send(cfd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	safe_close(cfd);
	ctl->rejected++;
}

/* A slot for a new connection, or a refusal. */
static void admit(struct control *ctl, int cfd)
{
	uid_t uid;
	bool admin = control_peer_is_admin(cfd, &ctl->sup->config->supervisor, &uid);
	const char *why = refusal(ctl, admin, uid);
	size_t slot = 0;

	if (why) {
		reject(ctl, cfd, why);
		return;
	}
	while (ctl->clients[slot])
		slot++;
	struct client_params p = {
		.loop = ctl->sup->loop, .sup = ctl->sup, .admin = admin, .uid = uid,
		.queued_total = &ctl->queued, .n_clients = &ctl->n_clients, .metrics = &ctl->metrics,
		.gone = on_client_gone, .subscribe = on_subscribe, .userdata = ctl,
	};
	if (client_new(&p, cfd, &ctl->clients[slot]) < 0) {
		reject(ctl, cfd, "out of memory");
		return;
	}
	ctl->n_clients++;
	client_start(ctl->clients[slot]);   /* may free it */
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
		admit(ctl, cfd);
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
	r = metrics_http_new(sup, &sup->config->supervisor.metrics, &c->http);
	if (r < 0)
		goto fail;
	log_set_event_sink(on_event, c);
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
	log_set_event_sink(NULL, NULL);
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i])
			client_free(c->clients[i]);
	for (size_t i = 0; i < CONTROL_MAX_SUBSCRIBERS; i++)
		if (c->subscribers[i])
			client_free(c->subscribers[i]);
	metrics_http_free(c->http);
	loop_remove(c->sup->loop, c->source);
	loop_timer_stop(c->sup->loop, &c->accept_retry);
	safe_close(c->fd);
	if (c->bound)
		(void)unlink(c->path);
	metrics_store_done(&c->metrics);
	free(c->path);
	free(c);
	return NULL;
}
