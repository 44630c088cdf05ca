/* SPDX-License-Identifier: MIT */
/*
 * metrics_http.h: the metrics served over HTTP on the listeners of
 * supervisor.metrics.listen (docs/metrics.md): GET /metrics answers the
 * same text as `ringvisor metrics`, made when asked.
 *
 * libmicrohttpd runs in its external mode on our one thread: each listener
 * is one MHD daemon whose epoll fd is a source of our loop, and whose
 * timeouts are a timer of our loop; MHD_run() only does what is ready, so
 * a slow or silent client never holds the loop. Every bound is here.
 */
#pragma once

#include "config/config.h"

struct supervisor;
struct metrics_http;

#define METRICS_HTTP_MAX_CLIENTS 8           /* connections at once, per listener */
#define METRICS_HTTP_TIMEOUT_S 10            /* a connection idle this long is closed */
#define METRICS_HTTP_MAX_REQUEST (16U << 10) /* request line and headers */
#define METRICS_HTTP_MAX_INFLIGHT (128U << 20) /* texts being sent, together; one text
                                                * is at most METRICS_MAX_TEXT (32 MiB) */
/* What the listeners add to the loop: one source and one timer each. */
#define METRICS_HTTP_SOURCES CONFIG_METRICS_LISTEN_MAX

/* Starts a listener for each entry of mc. One that cannot be opened (a
 * port in use, a path refused) is said in the log and left out: the
 * services matter more than their metrics. Fails only without memory. */
int metrics_http_new(struct supervisor *sup, const struct metrics_config *mc, struct metrics_http **ret);
/* Closes every listener and connection (unix socket files removed). */
struct metrics_http *metrics_http_free(struct metrics_http *h);
/* Listeners that run. */
size_t metrics_http_listening(const struct metrics_http *h);
