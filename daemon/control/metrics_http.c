/* SPDX-License-Identifier: MIT */
/*
 * metrics_http.c: GET /metrics on the listeners of supervisor.metrics.
 *
 * Why libmicrohttpd: a maintained HTTP/1.1 server (Debian's, with its
 * parser fuzzed upstream) that runs without threads of its own. Each
 * listener is one MHD daemon started with MHD_USE_EPOLL on a socket we
 * opened (MHD_OPTION_LISTEN_SOCKET): its epoll fd goes into our loop, and
 * when it is readable MHD_run() accepts, reads and writes only what is
 * ready, never blocking. MHD_get_timeout() says when an idle connection
 * must be closed: a timer of our loop. The text is made when a request
 * comes (metrics.c) and handed to MHD without a copy; MHD frees it when
 * sent. The library is dlopen()ed with the first listener (mhd_lib.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "basic/fd_util.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/time_util.h"
#include "config/config_metrics.h"
#include "control/control.h"
#include "control/control_socket.h"
#include "control/metrics.h"
#include "control/metrics_http.h"
#include "control/mhd_lib.h"
#include "kernel/loop.h"
#include "policy/supervisor.h"

_Static_assert(CONTROL_LOOP_SOURCES >= 2 * (CONTROL_MAX_CLIENTS + CONTROL_MAX_SUBSCRIBERS) + METRICS_HTTP_SOURCES,
	       "the loop has a source and a timer for each metrics listener");

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct listener {
	struct metrics_http *owner;
	struct MHD_Daemon *mhd;
	loop_id source;
	struct loop_timer timer;
	struct metrics_listen_config conf;
	bool bound;                   /* a unix socket file of ours is there */
	char name[sizeof("unix:") + CONFIG_UNIX_PATH_MAX + 1];
};

struct metrics_http {
	struct supervisor *sup;
	const struct mhd_lib *lib;    /* loaded with the first listener */
	struct listener listeners[CONFIG_METRICS_LISTEN_MAX];
	size_t n_listeners;
	size_t inflight;              /* bytes of texts MHD still holds */
	struct metrics_store store;   /* buffers kept from one scrape to the next */
	bool starting;                /* MHD's own words are errors now */
};

/* One text handed to MHD, counted until MHD frees it. */
struct sent_text {
	struct metrics_http *owner;
	char *buf;
	size_t len, cap;
};

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct listener *l = cls;
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	/* Past the start, MHD speaks of clients (a bad request, a reset):
	 * any host that reaches the port could fill our log with those. */
	log_msg(l->owner->starting ? LOG_LVL_ERROR : LOG_LVL_DEBUG, "metrics %s: %s", l->name, msg);
}

static void free_sent_text(void *cls)
{
	struct sent_text *t = cls;

	t->owner->inflight -= t->len;
	metrics_store_put(&t->owner->store, t->buf, t->cap);
	free(t);
}

static enum MHD_Result reply_plain(const struct mhd_lib *lib, struct MHD_Connection *c, unsigned status,
				   const char *body, const char *allow)
{
	struct MHD_Response *r =
	    lib->response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	(void)lib->add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		(void)lib->add_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	enum MHD_Result ret = lib->queue_response(c, status, r);
	lib->destroy_response(r);
	return ret;
}

/* The text, owned by the response from here on. */
static enum MHD_Result reply_metrics(struct metrics_http *h, struct MHD_Connection *c)
{
	struct mtext text;
	struct sent_text *t;
	struct MHD_Response *r;

	if (h->inflight >= METRICS_HTTP_MAX_INFLIGHT)
		return reply_plain(h->lib, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "too many metrics texts still being sent; try again\n", NULL);
	mtext_init(&text, METRICS_MAX_TEXT);
	metrics_text_store(&h->store, h->sup, &text);
	if (text.overflow || !text.buf) {
		mtext_done(&text);
		return reply_plain(h->lib, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "the metrics text did not fit its bound (docs/metrics.md)\n", NULL);
	}
	t = malloc(sizeof(*t));
	r = t ? h->lib->response_with_free(text.len, text.buf, free_sent_text, t) : NULL;
	if (!r) {
		free(t);
		mtext_done(&text);
		return MHD_NO;
	}
	*t = (struct sent_text){ .owner = h, .buf = text.buf, .len = text.len, .cap = text.cap };
	h->inflight += text.len;
	(void)h->lib->add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	enum MHD_Result ret = h->lib->queue_response(c, MHD_HTTP_OK, r);
	h->lib->destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req)
{
	static int seen;
	struct listener *l = cls;

	(void)version, (void)upload;
	/* The first call comes with the headers: a reply queued then is an
	 * early reply, after which MHD closes the connection. The next call
	 * comes once the request is whole; then keep-alive holds. */
	if (!*req) {
		*req = &seen;
		return MHD_YES;
	}
	if (*upload_size) {   /* a body we do not want: read and dropped */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_plain(l->owner->lib, c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n",
				   "GET, HEAD");
	if (strcmp(url, "/metrics"))
		return reply_plain(l->owner->lib, c, MHD_HTTP_NOT_FOUND, "ringvisor serves /metrics\n", NULL);
	return reply_metrics(l->owner, c);
}

/* MHD's work, then its next deadline on our timer. */
static void run(struct listener *l)
{
	struct loop *lp = l->owner->sup->loop;
	MHD_UNSIGNED_LONG_LONG ms;

	(void)l->owner->lib->run(l->mhd);
	if (l->owner->lib->get_timeout(l->mhd, &ms) == MHD_YES)
		(void)loop_timer_start(lp, &l->timer, now_ns() + MIN(ms, (MHD_UNSIGNED_LONG_LONG)3600000) * 1000000ULL);
	else
		loop_timer_stop(lp, &l->timer);
}

static void on_ready(struct loop *lp, int fd, uint32_t revents, void *userdata)
{
	(void)lp, (void)fd, (void)revents;
	run(userdata);
}

static void on_timer(struct loop *lp, void *userdata)
{
	(void)lp;
	run(userdata);
}

static int tcp_listen(const struct netaddr *a, int *ret_fd)
{
	int one = 1;
	_cleanup_close_ int fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	/* A restarted daemon binds again while old connections linger. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return -errno;
	if (a->sa.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		return -errno;
	if (bind(fd, (const struct sockaddr *)&a->sa, a->len) < 0 || listen(fd, 64) < 0)
		return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int open_socket(struct listener *l, int *ret_fd)
{
	int r;

	if (l->conf.is_unix)
		return unix_socket_listen("metrics socket", l->conf.path, ret_fd);
	r = tcp_listen(&l->conf.addr, ret_fd);
	return r < 0 ? log_error_errno(r, "metrics %s: cannot listen", l->name) : 0;
}

/* MHD takes the socket (and closes it when stopped). */
static int start_mhd(struct listener *l, int fd)
{
	const union MHD_DaemonInfo *info;

	l->mhd = l->owner->lib->start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, l,
				  /* first, or MHD's own logger says the rest */
				  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, l,
				  MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_HTTP_MAX_CLIENTS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_HTTP_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_HTTP_MAX_REQUEST,
				  MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, /* blocked: kernel/sigfd.c */
				  MHD_OPTION_END);
	if (!l->mhd)
		return log_error_errno(-EINVAL, "metrics %s: libmicrohttpd refused to start", l->name);
	info = l->owner->lib->get_daemon_info(l->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info)
		return log_error_errno(-EINVAL, "metrics %s: libmicrohttpd has no epoll fd", l->name);
	return loop_add(l->owner->sup->loop, info->epoll_fd, POLLIN, on_ready, l, &l->source);
}

static void listener_stop(struct listener *l)
{
	loop_remove(l->owner->sup->loop, l->source);
	loop_timer_stop(l->owner->sup->loop, &l->timer);
	if (l->mhd)
		l->owner->lib->stop_daemon(l->mhd);   /* frees what is in flight, closes the socket */
	l->mhd = NULL;
	if (l->bound)
		(void)unlink(l->conf.path);
	l->bound = false;
}

static void listener_start(struct metrics_http *h, const struct metrics_listen_config *conf)
{
	struct listener *l = &h->listeners[h->n_listeners];
	int fd = -EBADF;

	*l = (struct listener){ .owner = h, .conf = *conf };
	snprintf(l->name, sizeof(l->name), "%s", config_metrics_listen_text(conf));
	loop_timer_init(&l->timer, on_timer, l);
	if (open_socket(l, &fd) < 0)
		goto fail;
	l->bound = conf->is_unix;
	if (start_mhd(l, fd) < 0) {
		/* Whether a failed start closed it is not documented: asked. */
		if (!l->mhd && fcntl(fd, F_GETFD) >= 0)
			safe_close(fd);
		listener_stop(l);
		goto fail;
	}
	log_info("metrics: serving /metrics on %s", l->name);
	h->n_listeners++;
	return;
fail:
	log_error("metrics %s: not served (the daemon goes on without it)", l->name);
}

int metrics_http_new(struct supervisor *sup, const struct metrics_config *mc, struct metrics_http **ret)
{
	struct metrics_http *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->sup = sup;
	if (mc->n_listen > 0) {
		char why[256];
		h->lib = mhd_lib_load(why, sizeof(why));
		if (!h->lib) {
			log_error("metrics: not served: %s", why);
			*ret = h;
			return 0;
		}
	}
	h->starting = true;
	for (size_t i = 0; i < mc->n_listen; i++)
		listener_start(h, &mc->listen[i]);
	h->starting = false;
	*ret = h;
	return 0;
}

struct metrics_http *metrics_http_free(struct metrics_http *h)
{
	if (!h)
		return NULL;
	for (size_t i = 0; i < h->n_listeners; i++)
		listener_stop(&h->listeners[i]);   /* texts in flight come back to the store */
	metrics_store_done(&h->store);
	free(h);
	return NULL;
}

size_t metrics_http_listening(const struct metrics_http *h)
{
	return h ? h->n_listeners : 0;
}
