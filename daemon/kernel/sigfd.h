/* SPDX-License-Identifier: MIT */
/*
 * sigfd.h: the daemon's signals arrive as reads from one signalfd. They are
 * blocked before anything else runs (no thread, no child exists yet), so no
 * handler ever runs and no signal is lost between checks.
 */
#pragma once

#include <signal.h>

/* Resets every disposition to default, blocks SIGPIPE (never read), blocks
 * SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT and returns a signalfd for them
 * (O_NONBLOCK|O_CLOEXEC), or -errno. */
int sigfd_open(void);
/* 1 and *ret_signo set, 0 when nothing is pending, or -errno. */
int sigfd_read(int fd, int *ret_signo);
