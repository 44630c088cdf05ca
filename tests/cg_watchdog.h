/* SPDX-License-Identifier: MIT */
/*
 * cg_watchdog.h: turns a daemon hung in a vfork clone into a test failure.
 * A child cloned into a frozen cgroup stops at birth and, with CLONE_VFORK,
 * holds its parent in clone3; the parent blocks its signals around the
 * clone, so nothing but killing the frozen child ends the wait. The
 * watchdog, a forked process, writes 1 to <root>/services/cgroup.kill after
 * secs unless stopped first; watchdog_fired says which. Not to the root:
 * the test itself is in supervisor/.
 */
#pragma once

#include "policy_test_util.h"

static inline pid_t watchdog_start(const struct fixture *fx, unsigned secs)
{
	char path[600];
	pid_t p = fork();

	assert_true(p >= 0);
	if (p > 0)
		return p;
	snprintf(path, sizeof(path), "%s/services/cgroup.kill", fx->root_path);
	sleep(secs);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, "1", 1) == 1)
		fprintf(stderr, "watchdog: the daemon hung in the clone; killed the tree\n");
	_exit(0);
}

static inline bool watchdog_fired(pid_t p)
{
	int st;

	(void)kill(p, SIGKILL);
	assert_int_equal(waitpid(p, &st, 0), p);
	return WIFEXITED(st);
}
