/* SPDX-License-Identifier: MIT */
/*
 * control_test_util.h: the client end of a control-socket connection for
 * tests that run the daemon's loop themselves (test_control.c): connect,
 * send request lines, and run the loop until a reply line (or the close)
 * arrives, read without blocking; replies parsed with json-c. Header-only,
 * static inline, on top of loop_until_util.h.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "loop_until_util.h"

struct conn {
	int fd;                    /* -1: none */
	char buf[16384];           /* what arrived and was not taken as a reply yet */
	size_t n;
	bool closed;               /* EOF or reset seen */
};

/* Takes what has arrived, without blocking. */
static inline void conn_read(struct conn *c)
{
	while (!c->closed) {
		assert_true(c->n < sizeof(c->buf) - 1);
		ssize_t r = recv(c->fd, c->buf + c->n, sizeof(c->buf) - 1 - c->n, MSG_DONTWAIT);
		if (r > 0)
			c->n += (size_t)r;
		else if (r == 0 || errno != EAGAIN)
			c->closed = true;   /* EOF, or ECONNRESET: the daemon left bytes unread */
		else
			break;
	}
	c->buf[c->n] = '\0';
}

static inline bool has_line(void *ud)
{
	struct conn *c = ud;
	conn_read(c);
	return memchr(c->buf, '\n', c->n) || c->closed;
}

static inline bool is_closed(void *ud)
{
	struct conn *c = ud;
	conn_read(c);
	return c->closed;
}

/* Connects c (closing what it held) to the socket at path. */
static inline void conn_connect(struct conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (c->fd >= 0)
		close(c->fd);
	*c = (struct conn){ .fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) };
	assert_true(c->fd >= 0);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
}

static inline void conn_send(struct conn *c, const char *data, size_t n)
{
	assert_int_equal(send(c->fd, data, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Runs l until c has a whole line, parses and consumes it. The object
 * replaces *keep (freed by the next call, or by the caller's teardown). */
static inline json_object *conn_next_reply(struct loop *l, struct conn *c, json_object **keep)
{
	run_until(l, has_line, c);
	char *nl = memchr(c->buf, '\n', c->n);
	if (!nl)
		fail_msg("connection closed without a reply; got \"%s\"", c->buf);
	*nl = '\0';
	json_object_put(*keep);
	*keep = json_tokener_parse(c->buf);
	if (!*keep)
		fail_msg("not JSON: \"%s\"", c->buf);
	c->n -= (size_t)(nl + 1 - c->buf);
	memmove(c->buf, nl + 1, c->n + 1);
	return *keep;
}

static inline json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	return v;
}

static inline bool is_ok(json_object *o)
{
	return json_object_get_boolean(get(o, "ok"));
}

/* {"ok":false,"error":msg} */
static inline void assert_error(json_object *o, const char *msg)
{
	if (is_ok(o))
		fail_msg("expected the error \"%s\", got %s", msg, json_object_to_json_string(o));
	assert_string_equal(json_object_get_string(get(o, "error")), msg);
}
