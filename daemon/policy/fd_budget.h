/* SPDX-License-Identifier: MIT */
/*
 * fd_budget.h: the daemon's file descriptors against RLIMIT_NOFILE. Every
 * running instance holds a few (fd_budget_per_instance); FD_BUDGET_RESERVE
 * more are kept for what must keep working when services crowd the table:
 * the control socket's clients, log files, the loop's own. Starting or
 * scaling past the budget is refused up front, with the figures, instead
 * of failing one spawn or accept at a time later.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

/* 64 control clients, log files, loop, signalfd, inotify, BPF; and 4 metrics
 * listeners of 11 each (socket, MHD epoll and eventfd, 8 connections). */
#define FD_BUDGET_RESERVE 176

struct fd_budget {
	uint64_t limit;            /* RLIMIT_NOFILE, soft */
	uint64_t in_use;           /* open now */
	uint64_t need;             /* asked for */
	uint64_t left;             /* what the asker may still take: limit - in_use - reserve */
};

/* The fds one running instance of c holds: its pidfd, exec-error pipe
 * (until exec), cgroup directory, output pipes and log files. */
unsigned fd_budget_per_instance(const struct service_config *c, bool cgroups);
/* 0 when `need` more fds fit with the reserve kept, else -EMFILE; the
 * figures in *ret either way. */
int fd_budget_check(uint64_t need, struct fd_budget *ret);
/* Raises this process's soft RLIMIT_NOFILE to its hard limit (what a
 * service does not set, it gets back as it was: *ret_soft). */
int fd_budget_raise(uint64_t *ret_soft);
