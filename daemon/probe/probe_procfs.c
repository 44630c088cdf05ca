/* SPDX-License-Identifier: MIT */
/*
 * probe_procfs.c: the probe's fallback source, for when BPF cannot load.
 *
 * For each target: its cgroup.procs (opened through the cgroup's fd), then
 * for each pid: /proc/PID/fd (readdir, readlinkat, classified by
 * fd_kind_classify(); a path is stat'ed through the fd itself, so a deleted
 * file or a memfd still counts as regular), Threads: from /proc/PID/status,
 * and /proc/PID/comm. A process that exits during its scan is skipped; so is
 * one that became a zombie (cgroup.procs no longer lists those). Costs about
 * 100 µs per process; the bpf source is the one meant for every sample.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/macro.h"
#include "probe/probe_procfs.h"

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* The process is gone (or going): not an error for a pass. */
static bool vanished(int r) { return r == -ENOENT || r == -ESRCH; }

/* Reads up to len - 1 bytes of dirfd/name, NUL-terminated. */
static int read_small(int dirfd, const char *name, char *buf, size_t len)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return -errno;
	while (n < len - 1) {
		ssize_t k = read(fd, buf + n, len - 1 - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	return (int)n;
}

static int count_fds(int piddir, struct proc_counts *c)
{
	_cleanup_(closedirp) DIR *d = NULL;
	int fd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		safe_close(fd);
		return -ENOMEM;
	}
	for (errno = 0; (de = readdir(d)); errno = 0) {
		char link[PATH_MAX];
		struct stat st = {};
		ssize_t k;

		if (de->d_name[0] == '.')
			continue;
		k = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (k < 0 && errno == ENOENT)
			continue;       /* closed meanwhile */
		if (k < 0)
			return -errno;
		link[k] = '\0';
		/* Mode 0 (other) if the fd was closed between the two calls. */
		if (link[0] == '/')
			(void)fstatat(dirfd(d), de->d_name, &st, 0);
		c->fds[fd_kind_classify(link, &st)]++;
	}
	return errno ? -errno : 0;
}

/* "VmRSS:\t  1234 kB\n": absent for a kernel thread or a process whose mm
 * is gone (0 then). */
static uint64_t parse_rss(const char *s)
{
	const char *t = strstr(s, "\nVmRSS:");
	unsigned long long kb;

	if (!t || sscanf(t + strlen("\nVmRSS:"), "%llu", &kb) != 1 || kb > UINT64_MAX / 1024)
		return 0;
	return (uint64_t)kb * 1024;
}

/* "Threads:\t4\n" and "State:\tZ (zombie)\n" from /proc/PID/status. */
static int parse_status(const char *s, uint32_t *threads, bool *zombie)
{
	const char *t = strstr(s, "\nThreads:"), *st = strstr(s, "\nState:");
	char *end;
	unsigned long v;

	if (!t)
		return -EBADMSG;
	v = strtoul(t + strlen("\nThreads:"), &end, 10);
	if (end == t + strlen("\nThreads:") || v > UINT32_MAX)
		return -EBADMSG;
	*threads = (uint32_t)v;
	*zombie = false;
	if (st) {
		st += strlen("\nState:");
		while (*st == ' ' || *st == '\t')
			st++;
		*zombie = *st == 'Z';
	}
	return 0;
}

int probe_procfs_scan_process(pid_t pid, uint64_t cgroup_id, struct probe_result *res)
{
	_cleanup_close_ int dir = -EBADF;
	struct proc_counts c = { .tgid = pid, .cgroup_id = cgroup_id }, *slot;
	char path[32], buf[4096];
	bool zombie;
	int r, err = 0;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return vanished(-errno) ? 0 : -errno;
	r = count_fds(dir, &c);
	if (r >= 0)
		r = read_small(dir, "comm", buf, sizeof(buf));
	if (r >= 0) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(c.comm, sizeof(c.comm), "%.15s", buf);
		/* status last: it fails if the process went away during the scan. */
		r = read_small(dir, "status", buf, sizeof(buf));
	}
	if (r >= 0)
		r = parse_status(buf, &c.threads, &zombie);
	if (r >= 0)
		c.rss = parse_rss(buf);
	if (r < 0)
		return vanished(r) ? 0 : r;
	/* Only the zombie leader is left: the process has exited. */
	if (zombie && c.threads <= 1)
		return 0;
	for (int k = 0; k < _FD_KIND_MAX; k++)
		c.nr_fds += c.fds[k];
	slot = probe_result_add(res, &err);
	if (slot)
		*slot = c;
	return err;
}

static int scan_cgroup(const struct probe_target *t, struct probe_result *res)
{
	_cleanup_close_ int fd = openat(t->cgroup_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	unsigned long pid = 0;
	bool in_num = false;
	char buf[4096];

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;   /* the cgroup was removed */
	for (bool eof = false; !eof;) {
		ssize_t k = read(fd, buf, sizeof(buf));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno == ENODEV ? 0 : -errno;
		/* At the end, a newline closes a last number that had none. */
		if (k == 0) {
			eof = true;
			buf[k++] = '\n';
		}
		for (ssize_t i = 0; i < k; i++) {
			if (isdigit((unsigned char)buf[i])) {
				pid = pid * 10 + (unsigned long)(buf[i] - '0');
				if (pid > INT32_MAX)
					return -EBADMSG;
				in_num = true;
			} else if (in_num) {
				int r = probe_procfs_scan_process((pid_t)pid, t->cgroup_id, res);

				if (r < 0)
					return r;
				pid = 0;
				in_num = false;
			}
		}
	}
	return 0;
}

int probe_procfs_run(const struct probe_target *t, size_t n, struct probe_result *res)
{
	for (size_t i = 0; i < n; i++) {
		int r = t[i].cgroup_fd < 0 ? 0 : scan_cgroup(&t[i], res);

		if (r < 0)
			return r;
	}
	return 0;
}
