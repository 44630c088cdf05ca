/* SPDX-License-Identifier: MIT */
/*
 * client.h: one connection to the control socket (client.c says how it is
 * kept fair and bounded). The control (control.c) owns the slots; a client
 * tells it that it is gone through the callback it was given.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "control/control.h"
#include "kernel/loop.h"
#include "logs/logstream.h"
#include "rv_protocol.h"

struct supervisor;
struct client;
struct metrics_store;
struct status_stream;

struct client_params {
	struct loop *loop;
	struct supervisor *sup;
	bool admin;                  /* may change things (root, admin group) */
	uid_t uid;
	size_t *queued_total;        /* reply bytes queued over all clients */
	const size_t *n_clients;     /* shown by status */
	struct metrics_store *metrics;   /* the control's: buffers kept between scrapes */
	void (*gone)(struct client *cl, void *userdata);   /* just before it is freed */
	/* `events -f`: moves the client to a subscriber slot; NULL, or why not. */
	const char *(*subscribe)(struct client *cl, void *userdata);
	void *userdata;
};

struct client {
	struct loop *loop;
	struct supervisor *sup;
	int fd;
	loop_id source;
	struct loop_timer idle;      /* a request, or reading a reply, takes at most this */
	struct loop_timer kick;      /* the next buffered request, next loop turn */
	bool admin;
	uid_t uid;
	bool closing;                /* close once the reply queue is flushed */
	char in[RV_PROTO_MAX_REQUEST];
	size_t in_len;
	char *out;
	size_t out_len, out_off, out_cap;
	bool out_metrics;            /* out is the metrics store's buffer: given back once sent */
	struct status_stream *status;   /* a status reply being written, a chunk a turn */
	struct metrics_store *metrics;
	size_t *queued_total;
	const size_t *n_clients;
	/* `logs -f`: one follower per stream followed; new lines are queued up
	 * to CONTROL_FOLLOW_MAX, the rest counted and reported as skipped. */
	struct log_follower *followers;
	size_t n_followers;
	uint64_t skipped;
	/* `events -f` (client_events.c): the next event it gets, and which. */
	bool subscriber;
	uint64_t ev_cursor;
	char ev_service[RV_PROTO_MAX_NAME + 1];   /* "": every event */
	int ev_index;
	void (*gone)(struct client *cl, void *userdata);
	const char *(*subscribe)(struct client *cl, void *userdata);
	void *userdata;
};

/* Takes fd (which it then owns); client_start serves it and watches it. */
int client_new(const struct client_params *p, int fd, struct client **ret);
/* Serves what the peer sent with its connect (a CLI sends its request at
 * once, then shuts its side): answered, and closed on the EOF, in the turn
 * that accepted it. May free cl. */
void client_start(struct client *cl);
void client_free(struct client *cl);
