/* SPDX-License-Identifier: MIT */
/*
 * probe_fixture.h: what tests/test_probe.c and bench/probe_bench.c share to
 * put children of their own in a cgroup of their own: where cgroup2 is
 * mounted (the test cgroup is made below it), and the child's step that
 * moves itself into that cgroup. Header-only, static inline: each user is
 * one translation unit.
 */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The cgroup2 mount point, from /proc/self/mountinfo, into buf: 0, -ENOENT
 * when there is none, or -errno. */
static inline int cgroup2_mount(char *buf, size_t len)
{
	char line[1024], mnt[512], type[64];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (r < 0 && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (sep && sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 &&
		    sscanf(sep, " - %63s", type) == 1 && strcmp(type, "cgroup2") == 0) {
			snprintf(buf, len, "%s", mnt);
			r = 0;
		}
	}
	fclose(f);
	return r;
}

/* In a child: moves the calling process into the cgroup open at cg_fd (by
 * writing its pid to cgroup.procs). 0, or -1 when it could not: the caller
 * then exits. */
static inline int cgroup_join(int cg_fd)
{
	char buf[32];
	int fd = openat(cg_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC), r;

	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (fd < 0)
		return -1;
	r = write(fd, buf, strlen(buf)) < 0 ? -1 : 0;
	close(fd);
	return r;
}
