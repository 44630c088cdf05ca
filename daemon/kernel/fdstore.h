/* SPDX-License-Identifier: MIT */
/*
 * fdstore.h: a small helper process that holds a duplicate of every
 * instance's output pipe read end (the idea of systemd's fd store), so
 * that when the daemon dies the pipes keep a reader: a service writing its
 * output then fills the pipe and waits instead of dying of SIGPIPE, and
 * the next daemon reads what it wrote. It is `ringvisor fdhold`, exec'd
 * from the daemon, in <cgroup root>/fdhold, talking over a SOCK_SEQPACKET
 * pair: "+INODE" with the fd attached, "-INODE", "q" (quit: the daemon
 * stops cleanly). At EOF without "q" the daemon died: it holds on until
 * the next daemon, having taken the pipes back, kills it. docs/adoption.md.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kernel/pidref.h"

#define FDSTORE_CGROUP "fdhold"

struct loop;

/* A message that did not fit the socket yet: an add (fd borrowed: the
 * stream's read end, checked to be pipe `ino` still when it goes) or a
 * drop (fd -1), sent in order once the helper has read. */
struct fdstore_op {
	uint64_t ino;
	int fd;
};

struct fdstore {
	int sock;                       /* -EBADF: no store */
	struct pidref pid;
	uint64_t held, failed;          /* fds handed over; sends that failed (not held) */
	uint64_t gone;                  /* queued adds whose pipe was closed before they went */
	struct loop *loop;              /* where to wait for room (fdstore_set_loop) */
	uint64_t watch;                 /* loop_id of the POLLOUT watch while queued */
	struct fdstore_op *queue;       /* at most one add and one drop per pipe */
	size_t n_queue, cap_queue;
};

#define FDSTORE_NULL ((struct fdstore){ .sock = -EBADF, .pid = PIDREF_NULL })

/* Starts the helper (exe fdhold: the daemon's own binary, never
 * /proc/self/exe of whatever links this, e.g. a test), placed in
 * cgroup_fd's cgroup.procs when cgroup_fd >= 0. */
int fdstore_start(struct fdstore *st, const char *exe, int cgroup_fd);
/* The loop that sends what a full socket queued (before the first add). */
void fdstore_set_loop(struct fdstore *st, struct loop *loop);
/* Never blocks: where the socket is full (the helper's queue holds only
 * net.unix.max_dgram_qlen messages, 10 here, and a start burst sends one
 * per pipe), the message waits in order and goes when the socket has room.
 * An add's fd stays the caller's: it must stay open until the caller's
 * fdstore_drop() of the same ino (a pipe closed before its add went is
 * skipped, counted in gone); no fd is duplicated. failed counts what could
 * not be queued or sent at all. Without a loop a full socket counts in
 * failed. */
void fdstore_add(struct fdstore *st, uint64_t ino, int fd);
void fdstore_drop(struct fdstore *st, uint64_t ino);
size_t fdstore_queued(const struct fdstore *st);
/* "q", then waits (bounded) for the helper to exit, and reaps it. */
void fdstore_stop(struct fdstore *st);
bool fdstore_owns_pid(const struct fdstore *st, pid_t pid);
/* The helper's main: fd 3 is its end of the pair. */
int fdhold_main(void);
