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

struct fdstore {
	int sock;                       /* -EBADF: no store */
	struct pidref pid;
	uint64_t held, failed;          /* fds handed over; sends that failed (not held) */
};

#define FDSTORE_NULL ((struct fdstore){ .sock = -EBADF, .pid = PIDREF_NULL })

/* Starts the helper (exe fdhold: the daemon's own binary, never
 * /proc/self/exe of whatever links this, e.g. a test), placed in
 * cgroup_fd's cgroup.procs when cgroup_fd >= 0. */
int fdstore_start(struct fdstore *st, const char *exe, int cgroup_fd);
/* Never blocks: a full socket counts in failed and that pipe is not held. */
void fdstore_add(struct fdstore *st, uint64_t ino, int fd);
void fdstore_drop(struct fdstore *st, uint64_t ino);
/* "q", then waits (bounded) for the helper to exit, and reaps it. */
void fdstore_stop(struct fdstore *st);
bool fdstore_owns_pid(const struct fdstore *st, pid_t pid);
/* The helper's main: fd 3 is its end of the pair. */
int fdhold_main(void);
