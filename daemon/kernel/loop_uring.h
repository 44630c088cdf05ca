/* SPDX-License-Identifier: MIT */
/*
 * loop_uring.h: the io_uring backend of the loop (loop_uring.c).
 */
#pragma once

#include "kernel/loop_source.h"

extern const struct loop_ops loop_uring_ops;

/*
 * Test hook (io_uring only): cancels the poll in flight for id behind the
 * loop's back, as the kernel may end a multishot poll on its own, so tests can
 * check that the loop re-arms it. -EOPNOTSUPP on epoll, -ENOENT if stale.
 */
int loop_uring_cancel_poll(struct loop *l, loop_id id);
