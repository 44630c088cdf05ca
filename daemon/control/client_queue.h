/* SPDX-License-Identifier: MIT */
/*
 * client_queue.h: a client's reply queue (client.h says who holds what):
 * lines are appended here and sent by client.c as the socket takes them.
 * Bounded per client (CONTROL_MAX_REPLY, CONTROL_FOLLOW_MAX for a `logs
 * -f` follower) and over every client (CONTROL_MAX_QUEUED). Nothing here
 * sends or frees the client, so it may be called from inside a callback.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "control/client.h"

/* Appends s and a newline: 0, -ENOBUFS (the client's bound), -EBUSY (every
 * client's), -ENOMEM. */
int client_queue(struct client *cl, const char *s, size_t n);
/* Appends a part of a line (a streamed reply: status_stream.h), as above. */
int client_queue_part(struct client *cl, const char *s, size_t n);
/* Queues o as one line and drops the reference; *ret_full when it did not fit. */
void client_queue_json(struct client *cl, json_object *o, bool *ret_full);
/* {"ok":false,"error":msg} */
void client_reply_error(struct client *cl, const char *msg);
/* Bytes queued and not sent yet. */
static inline size_t client_unsent(const struct client *cl) { return cl->out_len - cl->out_off; }
