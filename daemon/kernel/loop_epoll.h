/* SPDX-License-Identifier: MIT */
/*
 * loop_epoll.h: the epoll backend of the loop (loop_epoll.c), used where
 * io_uring is refused.
 */
#pragma once

#include "kernel/loop_source.h"

extern const struct loop_ops loop_epoll_ops;
