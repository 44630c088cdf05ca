/* SPDX-License-Identifier: MIT */
/*
 * client_queue.c: appending to a client's reply queue, within its bounds
 * (client_queue.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "control/client_queue.h"

/* Appends s, and a newline when asked. */
static int append(struct client *cl, const char *s, size_t n, bool newline)
{
	size_t max = cl->followers ? CONTROL_FOLLOW_MAX : CONTROL_MAX_REPLY, add = n + newline;

	if (cl->out_len + add > max)
		return -ENOBUFS;
	/* Every client's replies together are bounded too: one reply each
	 * (see client_serve), and this much at most. */
	if (*cl->queued_total + add > CONTROL_MAX_QUEUED)
		return -EBUSY;
	if (cl->out_len + add > cl->out_cap) {
		size_t cap = MIN(MAX(cl->out_len + add, 2 * cl->out_cap), (size_t)CONTROL_MAX_REPLY);
		char *o = realloc(cl->out, cap);
		if (!o)
			return -ENOMEM;
		cl->out = o;
		cl->out_cap = cap;
	}
	memcpy(cl->out + cl->out_len, s, n);
	if (newline)
		cl->out[cl->out_len + n] = '\n';
	cl->out_len += add;
	*cl->queued_total += add;
	return 0;
}

int client_queue(struct client *cl, const char *s, size_t n)
{
	return append(cl, s, n, true);
}

int client_queue_part(struct client *cl, const char *s, size_t n)
{
	return append(cl, s, n, false);
}

void client_reply_error(struct client *cl, const char *msg)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	size_t n;
	const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
	(void)client_queue(cl, s, n);
	json_object_put(o);
}

void client_queue_json(struct client *cl, json_object *o, bool *ret_full)
{
	size_t n;
	const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);

	*ret_full = client_queue(cl, s, n) < 0;
	json_object_put(o);
}
