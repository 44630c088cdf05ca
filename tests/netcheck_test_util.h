/* SPDX-License-Identifier: MIT */
/*
 * netcheck_test_util.h: what test_netcheck.c runs its checks against: a
 * recording callback, listening sockets on 127.0.0.1 and ::1 with ports
 * the kernel chooses, and a small HTTP server served by the test's own
 * loop (no child process), which reads a request whole and then answers,
 * answers in two parts, stays silent or closes, as the test asks.
 * Header-only, static inline, on top of loop_until_util.h.
 */
#pragma once

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "basic/netaddr.h"
#include "kernel/netcheck.h"
#include "loop_until_util.h"

struct result {
	int calls, result;
	char detail[NETCHECK_DETAIL_MAX];
	uint64_t at_ns;
};

static inline void record_cb(struct netcheck *c, int result, const char *detail, void *userdata)
{
	struct result *res = userdata;

	assert_false(netcheck_busy(c));
	assert_true(strlen(detail) < NETCHECK_DETAIL_MAX);
	res->calls++;
	res->result = result;
	snprintf(res->detail, sizeof(res->detail), "%s", detail);
	res->at_ns = now_ns();
}

static inline bool called(void *userdata)
{
	return ((struct result *)userdata)->calls > 0;
}

/* A listening TCP socket on the loopback address of family, port chosen by
 * the kernel; -1 when that family cannot be used here. */
static inline int listen_on(int family, int backlog, struct netcheck_target *t, enum netcheck_kind kind)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	socklen_t len = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	char text[64], err[128];
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	else
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0) {
		assert_true(family == AF_INET6);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (family == AF_INET6)
		snprintf(text, sizeof(text), "[::1]:%u", ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	else
		snprintf(text, sizeof(text), "127.0.0.1:%u", ntohs(((struct sockaddr_in *)&ss)->sin_port));
	*t = (struct netcheck_target){ .kind = kind, .path = "/healthz" };
	assert_int_equal(netaddr_parse_hostport(text, &t->addr, err, sizeof(err)), 0);
	return fd;
}

/* 224.0.0.1:80: connect() to a multicast address fails at once
 * (ENETUNREACH), inside netcheck_start(), whatever the routes: the path
 * where the timer delivers the failure. */
static inline void unreachable_target(struct netcheck_target *t, enum netcheck_kind kind)
{
	char err[128];

	*t = (struct netcheck_target){ .kind = kind, .path = "/" };
	assert_int_equal(netaddr_parse_hostport("224.0.0.1:80", &t->addr, err, sizeof(err)), 0);
}

enum serve_mode {
	SERVE_REPLY,     /* answer the request, then close */
	SERVE_SPLIT,     /* answer in two parts 20 ms apart, then close */
	SERVE_SILENT,    /* read the request, never answer */
	SERVE_CLOSE,     /* read the request, close without a word */
};

struct server {
	struct loop *loop;
	enum serve_mode mode;
	const char *reply;
	int lfd, cfd;
	loop_id lsrc, csrc;
	struct loop_timer later;   /* SERVE_SPLIT's second part */
	char request[4096];
	size_t n;
	int accepted;
};

static inline void drop_conn(struct server *s)
{
	loop_remove(s->loop, s->csrc);
	s->csrc = LOOP_ID_NONE;
	s->cfd = safe_close(s->cfd);
	loop_timer_stop(s->loop, &s->later);
}

static inline void say(struct server *s, const char *text)
{
	assert_int_equal(send(s->cfd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

static inline void second_part_cb(struct loop *l _unused_, void *userdata)
{
	struct server *s = userdata;

	say(s, s->reply + strlen(s->reply) / 2);
	drop_conn(s);
}

static inline void answer(struct server *s)
{
	static char first[256];

	switch (s->mode) {
	case SERVE_REPLY:
		say(s, s->reply);
		drop_conn(s);
		break;
	case SERVE_SPLIT:
		snprintf(first, sizeof(first), "%.*s", (int)(strlen(s->reply) / 2), s->reply);
		say(s, first);
		assert_int_equal(loop_timer_start(s->loop, &s->later, now_ns() + 20 * MS), 0);
		break;
	case SERVE_CLOSE:
		drop_conn(s);
		break;
	case SERVE_SILENT:
		break;
	}
}

static inline void on_conn(struct loop *l _unused_, int fd, uint32_t revents _unused_, void *userdata)
{
	struct server *s = userdata;

	for (;;) {
		ssize_t r = read(fd, s->request + s->n, sizeof(s->request) - 1 - s->n);
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {    /* the check closed its end */
			drop_conn(s);
			return;
		}
		s->n += (size_t)r;
		s->request[s->n] = '\0';
		if (strstr(s->request, "\r\n\r\n")) {
			answer(s);
			return;
		}
	}
}

static inline void on_accept(struct loop *l, int fd, uint32_t revents _unused_, void *userdata)
{
	struct server *s = userdata;
	int c;

	while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		drop_conn(s);   /* one connection at a time: the previous one is done */
		s->cfd = c;
		s->n = 0;
		s->accepted++;
		assert_int_equal(loop_add(l, c, POLLIN, on_conn, s, &s->csrc), 0);
	}
}

/* Serves HTTP on the loopback address of family; false when unusable. */
static inline bool serve(struct server *s, struct loop *l, int family, enum serve_mode mode, const char *reply,
		  struct netcheck_target *t)
{
	*s = (struct server){ .loop = l, .mode = mode, .reply = reply, .cfd = -EBADF };
	loop_timer_init(&s->later, second_part_cb, s);
	s->lfd = listen_on(family, 16, t, NETCHECK_HTTP);
	if (s->lfd < 0)
		return false;
	assert_int_equal(loop_add(l, s->lfd, POLLIN, on_accept, s, &s->lsrc), 0);
	return true;
}

static inline void server_close(struct server *s)
{
	drop_conn(s);
	loop_remove(s->loop, s->lsrc);
	s->lfd = safe_close(s->lfd);
}

/* Starts one check, which must not call back before the loop runs, and
 * runs the loop until it does; then a while longer: once only. */
static inline void check_once(struct loop *l, struct netcheck *c, const struct netcheck_target *t,
		       uint64_t timeout_ms, struct result *res)
{
	*res = (struct result){};
	assert_int_equal(netcheck_start(c, l, t, timeout_ms, record_cb, res), 0);
	assert_true(netcheck_busy(c));
	assert_int_equal(res->calls, 0);
	run_until(l, called, res);
	run_for(l, 10);
	assert_int_equal(res->calls, 1);
	assert_false(netcheck_busy(c));
}
