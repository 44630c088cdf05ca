/* SPDX-License-Identifier: MIT */
/*
 * netcheck.c: see netcheck.h. The phases, each waiting on the loop:
 *
 *   connect() -> EINPROGRESS -> POLLOUT -> SO_ERROR      (tcp ends here)
 *   -> send the request (POLLOUT again if it went out in part)
 *   -> POLLIN, recv until http_status_parse() decides
 *
 * The one timer bounds the whole check; when connect() fails at once the
 * same timer, due now, carries the failure to the loop, so the callback
 * never runs inside netcheck_start(). finish() releases everything before
 * calling back, so the callback owns an idle struct.
 *
 * Multishot poll on io_uring fires on wakeups, not on levels: every
 * callback here reads or writes until EAGAIN, or finishes.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/string_table.h"
#include "basic/time_util.h"
#include "kernel/netcheck.h"

static const char *const netcheck_kind_table[_NETCHECK_KIND_MAX] = {
	[NETCHECK_TCP] = "tcp",
	[NETCHECK_HTTP] = "http",
};
DEFINE_STRING_TABLE_LOOKUP(netcheck_kind, enum netcheck_kind)

void netcheck_init(struct netcheck *c)
{
	*c = (struct netcheck){ .phase = NETCHECK_IDLE, .fd = -EBADF, .source = LOOP_ID_NONE };
	loop_timer_init(&c->timer, NULL, NULL);
}

bool netcheck_busy(const struct netcheck *c)
{
	return c->phase != NETCHECK_IDLE;
}

void netcheck_cancel(struct netcheck *c)
{
	if (!netcheck_busy(c))
		return;
	loop_remove(c->loop, c->source);
	c->source = LOOP_ID_NONE;
	loop_timer_stop(c->loop, &c->timer);
	c->fd = safe_close(c->fd);
	c->phase = NETCHECK_IDLE;
	c->loop = NULL;
}

/* Releases the check, then calls back with a copy of detail: the callback
 * may start the next check on c (which reuses its buffers) or free c. */
static void finish(struct netcheck *c, int result, const char *detail)
{
	netcheck_done_fn fn = c->fn;
	void *userdata = c->userdata;
	char text[NETCHECK_DETAIL_MAX];

	snprintf(text, sizeof(text), "%s", detail);
	netcheck_cancel(c);
	fn(c, result, text, userdata);
}

/* "connection refused", from strerror, lower-cased for status output. */
static void finish_errno(struct netcheck *c, int r)
{
	char text[NETCHECK_DETAIL_MAX];

	snprintf(text, sizeof(text), "%s", strerror(-r));
	if (text[0] >= 'A' && text[0] <= 'Z')
		text[0] = (char)(text[0] - 'A' + 'a');
	finish(c, r, text);
}

static void finish_status(struct netcheck *c, int status)
{
	char text[NETCHECK_DETAIL_MAX];

	snprintf(text, sizeof(text), "HTTP %d", status);
	finish(c, status >= 200 && status <= 299 ? 0 : -EPROTO, text);
}

/* -EBADMSG, quoting the start of what came instead of a status line
 * (an SSH banner, a TLS alert...), non-printable bytes as '?'. */
static void finish_not_http(struct netcheck *c)
{
	char text[NETCHECK_DETAIL_MAX], start[33];
	size_t n = MIN(c->len, sizeof(start) - 1);

	for (size_t i = 0; i < n; i++) {
		char ch = c->buf.reply[i];
		start[i] = ch >= 0x20 && ch < 0x7f && ch != '"' ? ch : '?';
	}
	start[n] = '\0';
	if (c->len >= HTTP_STATUS_LINE_MAX)
		snprintf(text, sizeof(text), "no status line within %d bytes", HTTP_STATUS_LINE_MAX);
	else
		snprintf(text, sizeof(text), "not an HTTP/1.x status line: \"%s\"", start);
	finish(c, -EBADMSG, text);
}

static void on_timer(struct loop *l, void *userdata)
{
	struct netcheck *c = userdata;
	char text[NETCHECK_DETAIL_MAX];
	(void)l;

	if (c->phase == NETCHECK_FAILED) {
		finish_errno(c, c->failed_result);
		return;
	}
	snprintf(text, sizeof(text), "timed out after %llu ms", (unsigned long long)c->timeout_ms);
	finish(c, -ETIMEDOUT, text);
}

static void read_reply(struct netcheck *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->buf.reply + c->len, sizeof(c->buf.reply) - c->len, MSG_DONTWAIT);
		int status = 0, r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;   /* more on the next POLLIN */
		if (n <= 0) {
			if (n < 0)
				finish_errno(c, -errno);
			else
				finish(c, -EBADMSG, "connection closed before a status line");
			return;
		}
		c->len += (size_t)n;
		/* Never 0 with a full buffer: the parser's bound is its size. */
		r = http_status_parse(c->buf.reply, c->len, &status);
		if (r > 0)
			finish_status(c, status);
		else if (r < 0)
			finish_not_http(c);
		if (r != 0)
			return;
	}
}

/* The request is small, but a full send buffer may take part of it: the
 * rest goes on the next POLLOUT. */
static void send_request(struct netcheck *c)
{
	int r;

	while (c->done < c->len) {
		ssize_t w = send(c->fd, c->buf.request + c->done, c->len - c->done,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (w < 0) {
			finish_errno(c, -errno);
			return;
		}
		c->done += (size_t)w;
	}
	r = loop_modify(c->loop, c->source, POLLIN);
	if (r < 0) {
		finish_errno(c, r);
		return;
	}
	c->phase = NETCHECK_RECEIVING;
	c->len = 0;
	read_reply(c);   /* a reply may be there already; with io_uring no new wakeup would tell */
}

static void on_connect_ready(struct netcheck *c, uint32_t revents)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		finish_errno(c, -err);
		return;
	}
	if (!(revents & POLLOUT))
		return;   /* not connected yet; the timer bounds the wait */
	if (c->kind == NETCHECK_TCP) {
		finish(c, 0, "connected");
		return;
	}
	c->phase = NETCHECK_SENDING;
	send_request(c);
}

static void on_io(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct netcheck *c = userdata;
	(void)l, (void)fd;

	switch (c->phase) {
	case NETCHECK_CONNECTING:
		on_connect_ready(c, revents);
		break;
	case NETCHECK_SENDING:
		send_request(c);
		break;
	case NETCHECK_RECEIVING:
		read_reply(c);
		break;
	default:
		break;
	}
}

/* Non-empty, NUL-terminated within size, printable ASCII without spaces:
 * safe to put in a request line or a header as is. */
static bool token_ok(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size || n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* The target as the parsers of basic/netaddr.h make it; the http request
 * formatted into c. */
static int prepare(struct netcheck *c, const struct netcheck_target *t)
{
	sa_family_t family = t->addr.sa.ss_family;
	int n;

	c->len = 0;
	if ((family != AF_INET || t->addr.len != sizeof(struct sockaddr_in)) &&
	    (family != AF_INET6 || t->addr.len != sizeof(struct sockaddr_in6)))
		return -EAFNOSUPPORT;
	if (t->kind == NETCHECK_TCP)
		return 0;
	if (t->kind != NETCHECK_HTTP || !token_ok(t->path, sizeof(t->path)) || t->path[0] != '/' ||
	    !token_ok(t->addr.text, sizeof(t->addr.text)))
		return -EINVAL;
	n = snprintf(c->buf.request, sizeof(c->buf.request),
		     "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: ringvisor\r\nConnection: close\r\n\r\n",
		     t->path, t->addr.text);
	if (n < 0 || (size_t)n >= sizeof(c->buf.request))
		return -EINVAL;
	c->len = (size_t)n;
	return 0;
}

int netcheck_start(struct netcheck *c, struct loop *l, const struct netcheck_target *t,
		   uint64_t timeout_ms, netcheck_done_fn fn, void *userdata)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!c || !l || !t || !fn || timeout_ms == 0 || timeout_ms > NETCHECK_TIMEOUT_MAX_MS)
		return -EINVAL;
	if (netcheck_busy(c))
		return -EBUSY;
	r = prepare(c, t);
	if (r < 0)
		return r;
	fd = RET_NERRNO(socket(t->addr.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			       IPPROTO_TCP));
	if (fd < 0)
		return fd;
	loop_timer_init(&c->timer, on_timer, c);
	r = loop_timer_start(l, &c->timer, now_ns() + timeout_ms * NSEC_PER_MSEC);
	if (r < 0)
		return r;
	c->loop = l;
	c->fd = -EBADF;
	c->source = LOOP_ID_NONE;
	c->kind = t->kind;
	c->timeout_ms = timeout_ms;
	c->fn = fn;
	c->userdata = userdata;
	c->done = 0;
	if (connect(fd, (const struct sockaddr *)&t->addr.sa, t->addr.len) < 0 &&
	    errno != EINPROGRESS && errno != EINTR) {
		/* Failed at once (no route, a multicast address, no local
		 * port left): the timer, re-armed to now (re-arming cannot
		 * fail), reports it from the loop. */
		c->failed_result = -errno;
		c->phase = NETCHECK_FAILED;
		(void)loop_timer_start(l, &c->timer, now_ns());
		return 0;   /* fd closed by its cleanup */
	}
	r = loop_add(l, fd, POLLOUT, on_io, c, &c->source);
	if (r < 0) {
		loop_timer_stop(l, &c->timer);
		return r;
	}
	c->fd = TAKE_FD(fd);
	c->phase = NETCHECK_CONNECTING;
	return 0;
}
