/* SPDX-License-Identifier: MIT */
/*
 * pidref.h: the only way the daemon refers to a process: its pid together
 * with a pidfd obtained atomically at clone time (or by pidfd_open while the
 * child cannot yet have been reaped). Signals go through pidfd_send_signal,
 * exit status through waitid(P_PIDFD), so a recycled pid can never be hit.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct pidref {
	pid_t pid;   /* 0 = none */
	int fd;      /* -EBADF = none */
};

#define PIDREF_NULL ((struct pidref){ .pid = 0, .fd = -EBADF })

static inline bool pidref_is_set(const struct pidref *p) { return p->pid > 0 && p->fd >= 0; }

void pidref_done(struct pidref *p);                         /* closes the pidfd */
int pidref_kill(const struct pidref *p, int sig);           /* -ESRCH once reaped */
/* Also signals the process group led by the process (pgid == pid after
 * setsid), but only while the leader is not reaped, so the number is ours. */
int pidref_kill_group(const struct pidref *p, int sig);
/* Reaps without blocking: 1 and *ret filled when it exited, 0 when still
 * running, -ECHILD when already reaped by someone else. */
int pidref_reap(const struct pidref *p, siginfo_t *ret);
/* A pidfd for a process that is not our child (adoption): the number is
 * pinned once the pidfd exists, so the caller checks, after this, that it
 * is still the process it means (pidref_start_time, its cgroup). */
int pidref_open(pid_t pid, struct pidref *ret);
/* The process's start time (clock ticks since boot, /proc/PID/stat field
 * 22): with the pid, what tells it from a later process given the same pid. */
int pidref_start_time(pid_t pid, uint64_t *ret);
/* Its parent, start time and state letter ('Z': a zombie); each may be NULL. */
int pidref_stat(pid_t pid, pid_t *ret_ppid, uint64_t *ret_start, char *ret_state);
/* fork(), with the child's pidfd: 0 in the child, 1 in the parent (*ret
 * set), -errno. The child is a copy that must not touch the loop and must
 * end with _exit(). */
int pidref_fork(struct pidref *ret);
