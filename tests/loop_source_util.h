/* SPDX-License-Identifier: MIT */
/*
 * loop_source_util.h: the plain fd source of the event-loop tests
 * (test_loop.c, test_loop_remove.c): a callback that counts its calls,
 * keeps the last revents, and as asked drains the fd, removes itself and
 * quits the loop. Header-only, static inline, on top of loop_test_util.h.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/loop.h"
#include "loop_test_util.h"

struct src {
	loop_id id;
	int fd;
	int calls;
	uint32_t revents;
	bool read_it, remove_it, quit_it;
};

static inline void src_cb(struct loop *l, int fd, uint32_t revents, void *u)
{
	struct src *s = u;

	assert_int_equal(fd, s->fd);
	s->calls++;
	s->revents = revents;
	if (s->read_it)
		drain(fd);
	if (s->remove_it)
		loop_remove(l, s->id);
	if (s->quit_it)
		loop_quit(l);
}
