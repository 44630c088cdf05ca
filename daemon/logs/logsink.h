/* SPDX-License-Identifier: MIT */
/*
 * logsink.h: `forward: stdout`, whole prefixed lines on the daemon's
 * stdout (logsink.c says how it never blocks). It knows nothing of
 * streams: a stream that finds no room registers a waiter, whose wake()
 * the sink calls from the loop once it has drained.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/loop.h"

#define LOGSINK_CAP (256u * 1024)

struct logsink_waiter {
	struct logsink_waiter *next;
	bool queued;
	void (*wake)(struct logsink_waiter *w);   /* set by the owner */
};

struct logsink {
	struct loop *loop;
	int fd;                        /* our stdout */
	bool async;                    /* io_uring writes (stdout not a regular file) */
	bool gated;                    /* a pipe or socket on epoll: write on POLLOUT only */
	loop_id source;
	char *buf;                     /* LOGSINK_CAP bytes of whole lines */
	size_t len;
	bool in_flight;
	int error;                     /* logged once; forwarding drops until it works */
	uint64_t dropped_lines;
	struct logsink_waiter *waiting;
	struct loop_timer wake;        /* wakes the waiters, from the loop, once it drained */
	/* Called (if set) each time the sink becomes empty with no write in
	 * flight: how a shutdown learns that the last forwarded lines are out. */
	void (*drained)(struct logsink *k, void *userdata);
	void *drained_userdata;
};

/* async: the loop can write asynchronously (io_uring). */
int logsink_init(struct logsink *k, struct loop *l, bool async);
void logsink_done(struct logsink *k);
/* Room for a piece of n bytes from `service` (with prefix and marker)? */
bool logsink_has_room(const struct logsink *k, const char *service, size_t n);
/* Appends one forward line (the caller checked the room); logsink_flush()
 * starts its write. */
void logsink_put(struct logsink *k, const char *service, unsigned index, const char *line,
		 size_t n, bool split);
void logsink_flush(struct logsink *k);
/* Nothing queued and nothing in flight. */
bool logsink_idle(const struct logsink *k);
/* Wake w once there is room again (once: it must wait again if need be). */
void logsink_wait(struct logsink *k, struct logsink_waiter *w);
void logsink_unwait(struct logsink *k, struct logsink_waiter *w);
