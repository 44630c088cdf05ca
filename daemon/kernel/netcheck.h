/* SPDX-License-Identifier: MIT */
/*
 * netcheck.h: one tcp or http check of a service's address, driven by the
 * loop and never blocking: the mechanism under readiness and health probes.
 *
 * tcp: a non-blocking connect; success when the handshake completes.
 * http: the same, then "GET <path> HTTP/1.0" with "Host: <address>" and
 * "Connection: close", then the status line of the reply (the rest is not
 * read); success for a 2xx status. No name is resolved (basic/netaddr.h),
 * there is no TLS.
 *
 * A struct netcheck runs one check at a time and holds at most one socket,
 * one loop source and one loop timer, all released before its callback
 * runs. The callback is called exactly once for each check that
 * netcheck_start() started, always from the loop, never from inside
 * netcheck_start() (an immediate failure such as a refused connect comes
 * through a timer due at once); netcheck_cancel() instead ends a check
 * without a callback. When the callback runs the check is idle, so the
 * callback may start the next check on the same struct, or free it.
 * A running check refers to its loop: cancel it before freeing the loop.
 *
 * Results: 0 (tcp: connected; http: a 2xx status), or -errno:
 *   -ECONNREFUSED, -ENETUNREACH, -ECONNRESET ...  as the kernel says
 *   -ETIMEDOUT    the check's timeout passed (connect, send or reply)
 *   -EBADMSG      http: the reply is not HTTP/1.x, is over
 *                 HTTP_STATUS_LINE_MAX without a line end, or the peer
 *                 closed before a status line
 *   -EPROTO       http: a status outside 2xx (detail "HTTP 503")
 * with a short text for status output in detail ("connected", "HTTP 200",
 * "connection refused", "timed out after 1000 ms"), valid during the
 * callback only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/http_status.h"
#include "basic/netaddr.h"
#include "kernel/loop.h"

#define NETCHECK_DETAIL_MAX 128   /* detail text, NUL included */
/* The longest request: "GET " path " HTTP/1.0\r\nHost: " address and the
 * fixed headers, with room to spare. */
#define NETCHECK_REQUEST_MAX (NETADDR_HTTP_PATH_MAX + 256)
/* Longest accepted check timeout: a day (keeps the deadline arithmetic far
 * from overflow). */
#define NETCHECK_TIMEOUT_MAX_MS (24ULL * 3600 * 1000)

enum netcheck_kind {
	NETCHECK_TCP,
	NETCHECK_HTTP,
	_NETCHECK_KIND_MAX,
	_NETCHECK_KIND_INVALID = -EINVAL,
};

struct netcheck_target {
	enum netcheck_kind kind;
	struct netaddr addr;
	char path[NETADDR_HTTP_PATH_MAX + 1];   /* http only: "/healthz", starts with '/' */
};

struct netcheck;
typedef void (*netcheck_done_fn)(struct netcheck *c, int result, const char *detail, void *userdata);

enum netcheck_phase {
	NETCHECK_IDLE,
	NETCHECK_CONNECTING,
	NETCHECK_SENDING,      /* http: the request, maybe over several POLLOUTs */
	NETCHECK_RECEIVING,    /* http: until a status line */
	NETCHECK_FAILED,       /* failed at once; the timer delivers the result */
};

/* Owned by the caller (embed it); the fields are private to netcheck.c. */
struct netcheck {
	enum netcheck_phase phase;
	enum netcheck_kind kind;
	struct loop *loop;
	int fd;                       /* -EBADF when idle */
	loop_id source;
	struct loop_timer timer;      /* the timeout; due at once in NETCHECK_FAILED */
	uint64_t timeout_ms;
	int failed_result;            /* NETCHECK_FAILED: what the timer delivers */
	netcheck_done_fn fn;
	void *userdata;
	size_t len, done;             /* request: bytes, sent; reply: bytes read */
	/* The request is all sent before the reply is read: one buffer. */
	union {
		char request[NETCHECK_REQUEST_MAX];
		char reply[HTTP_STATUS_LINE_MAX];
	} buf;
};

void netcheck_init(struct netcheck *c);
/*
 * Starts a check of t, due to end within timeout_ms (1..NETCHECK_TIMEOUT_MAX_MS).
 * -EBUSY while a check runs, -EINVAL for a bad target or timeout,
 * -EAFNOSUPPORT for an address that is not IPv4 or IPv6; socket() and loop
 * errors as they come (-EMFILE, -ENOSPC). On an error nothing is left open
 * and fn will not be called.
 */
int netcheck_start(struct netcheck *c, struct loop *l, const struct netcheck_target *t,
		   uint64_t timeout_ms, netcheck_done_fn fn, void *userdata);
/* Ends a running check without calling its callback: closes the socket,
 * removes the source and the timer. Idempotent; a no-op when idle, and so
 * from inside the callback. */
void netcheck_cancel(struct netcheck *c);
bool netcheck_busy(const struct netcheck *c);
const char *netcheck_kind_to_string(enum netcheck_kind k);   /* "tcp", "http" */
enum netcheck_kind netcheck_kind_from_string(const char *s);
