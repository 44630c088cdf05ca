/* SPDX-License-Identifier: MIT */
/*
 * kernel_test_util.h: what the kernel-layer tests (test_spawn.c,
 * test_cgroup.c, test_cgroup_watch.c) share: a cgroup of the test's own
 * under the cgroup2 mount (its name carries the test's pid, so concurrent
 * runs never meet), children of the test's own that sleep inside a given
 * cgroup, and a teardown that kills exactly those children (by pidfd),
 * moves the test back to the cgroup it started in and removes the whole
 * tree bottom-up, also after a failed assertion. Header-only, static
 * inline: each test is one translation unit.
 *
 * These helpers use plain libc; the fault seam also wraps the test's own
 * calls (openat, write, pipe2...), so teardowns call fault_reset() first.
 */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/cgroup.h"
#include "kernel/pidref.h"

#define KT_MAX_KIDS 8

/* A cgroup tree of the test's own, and the children it started. */
struct kt {
	char skip[512];             /* set: the cgroup tests cannot run here, and why */
	char mount[256];
	char orig[512];             /* the test's own cgroup at start, absolute */
	char dir[512];              /* <mount>/rv-kt-<what>-<pid> */
	int fd;                     /* O_PATH fd of dir */
	struct pidref kids[KT_MAX_KIDS];
};

/* Reads the "0::" line of /proc/<pid>/cgroup (pid 0: self) into buf. */
static inline int kt_cgroup_of(pid_t pid, char *buf, size_t len)
{
	char p[64], line[1024];
	FILE *f;
	int r = -ENOENT;

	snprintf(p, sizeof(p), pid ? "/proc/%d/cgroup" : "/proc/self/cgroup", (int)pid);
	f = fopen(p, "re");
	if (!f)
		return -errno;
	while (r < 0 && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			r = (size_t)snprintf(buf, len, "%s", line + 3) < len ? 0 : -ENAMETOOLONG;
		}
	fclose(f);
	return r;
}

/* Makes <mount>/rv-kt-<what>-<pid>, or fills kt->skip with the reason. */
static inline void kt_init(struct kt *kt, const char *what)
{
	char self[256];
	int r;

	memset(kt, 0, sizeof(*kt));
	kt->fd = -EBADF;
	for (size_t i = 0; i < KT_MAX_KIDS; i++)
		kt->kids[i] = PIDREF_NULL;
	r = cgroup2_mount_point(kt->mount, sizeof(kt->mount));
	if (r < 0) {
		snprintf(kt->skip, sizeof(kt->skip), "no cgroup2 mount: %s", strerror(-r));
		return;
	}
	r = kt_cgroup_of(0, self, sizeof(self));
	if (r < 0) {
		snprintf(kt->skip, sizeof(kt->skip), "no cgroup v2 line in /proc/self/cgroup");
		return;
	}
	snprintf(kt->orig, sizeof(kt->orig), "%s%s", kt->mount, strcmp(self, "/") ? self : "");
	if ((size_t)snprintf(kt->dir, sizeof(kt->dir), "%s/rv-kt-%s-%d", kt->mount, what,
			     (int)getpid()) >= sizeof(kt->dir)) {
		snprintf(kt->skip, sizeof(kt->skip), "the cgroup2 mount's path is too long");
		return;
	}
	if (mkdir(kt->dir, 0755) < 0 && errno != EEXIST) {
		snprintf(kt->skip, sizeof(kt->skip), "cannot make a cgroup under the cgroup2 mount: %m");
		return;
	}
	kt->fd = open(kt->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (kt->fd < 0)
		snprintf(kt->skip, sizeof(kt->skip), "cannot open the test cgroup: %m");
	else if (faccessat(kt->fd, "cgroup.kill", F_OK, 0) < 0 ||
		 faccessat(kt->fd, "cgroup.freeze", F_OK, 0) < 0)
		snprintf(kt->skip, sizeof(kt->skip), "no cgroup.kill or cgroup.freeze (kernel < 5.14)");
}

#define KT_SKIP_IF_NEEDED(kt)                                                  \
	do {                                                                   \
		if ((kt)->skip[0]) {                                           \
			print_message("skip: %s\n", (kt)->skip);               \
			skip();                                                \
		}                                                              \
	} while (0)

/* Makes <kt->dir>/<rel> (parents first, "a/b/c") and opens it as O_PATH. */
static inline int kt_mkdir(struct kt *kt, const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", kt->dir, rel);
	for (char *s = path + strlen(kt->dir) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static inline bool kt_exists(const struct kt *kt, const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", kt->dir, rel);
	return access(path, F_OK) == 0;
}

/* True when fd becomes readable within ms. */
static inline bool kt_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms) == 1;
}

/* Kills (SIGKILL through the pidfd) and reaps one child of ours. */
static inline void kt_kill_reap(struct pidref *p)
{
	siginfo_t si;

	if (p->fd >= 0) {
		(void)pidfd_send_signal(p->fd, SIGKILL, NULL, 0);
		(void)waitid((idtype_t)P_PIDFD, (id_t)p->fd, &si, WEXITED);
		close(p->fd);
	}
	*p = PIDREF_NULL;
}

/* Forgets a child that the test reaped itself. */
static inline void kt_forget(struct kt *kt, pid_t pid)
{
	for (size_t i = 0; i < KT_MAX_KIDS; i++)
		if (kt->kids[i].pid == pid) {
			if (kt->kids[i].fd >= 0)
				close(kt->kids[i].fd);
			kt->kids[i] = PIDREF_NULL;
		}
}

/* Records a child for the teardown; returns its slot. */
static inline struct pidref *kt_track(struct kt *kt, struct pidref p)
{
	for (size_t i = 0; i < KT_MAX_KIDS; i++)
		if (kt->kids[i].pid == 0) {
			kt->kids[i] = p;
			return &kt->kids[i];
		}
	fail_msg("more than %d children", KT_MAX_KIDS);
	return NULL;
}

/*
 * Forks a child that joins the cgroup open at cg_fd (cg_fd < 0: stays
 * where the test is) and sleeps: until killed (ms < 0), or ms milliseconds
 * and then exits 0. Returns once the child is in place; it is killed in
 * kt_done() at the latest.
 */
static inline struct pidref *kt_sleeper(struct kt *kt, int cg_fd, int ms)
{
	int ready[2];
	char c;

	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ok = 1;
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		close(ready[0]);
		if (cg_fd >= 0) {
			int f = openat(cg_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
			ok = f >= 0 && write(f, "0", 1) == 1;
		}
		if (!ok || write(ready[1], "r", 1) != 1)
			_exit(1);
		if (ms >= 0) {
			(void)poll(NULL, 0, ms);
			_exit(0);
		}
		for (;;)
			pause();
	}
	close(ready[1]);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pidref *p = kt_track(kt, (struct pidref){ .pid = pid, .fd = pidfd });
	assert_true(pidfd >= 0);
	ssize_t n = read(ready[0], &c, 1);
	close(ready[0]);
	assert_int_equal(n, 1);
	return p;
}

/* Writes our pid to <abs>/cgroup.procs. */
static inline int kt_move_self(const char *abs)
{
	char path[1024], pid[32];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", abs);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, pid, strlen(pid)) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* True when the test process itself sits in the cgroup `path` or below. */
static inline bool kt_self_below(const char *mount, const char *path)
{
	char self[512], abs[1024];
	size_t n = strlen(path);

	if (kt_cgroup_of(0, self, sizeof(self)) < 0)
		return true;
	snprintf(abs, sizeof(abs), "%s%s", mount, strcmp(self, "/") ? self : "");
	return !strncmp(abs, path, n) && (abs[n] == '/' || abs[n] == '\0');
}

/* rmdir of a cgroup tree, bottom-up; what is still inside is the test's
 * own (every process there was started by it), so cgroup.kill empties it,
 * unless the test itself is in there. */
static inline void kt_rmtree(const char *mount, const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			char sub[1024];
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			kt_rmtree(mount, sub);
		}
	closedir(d);
	for (int i = 0; i < 200 && rmdir(path) < 0 && errno == EBUSY; i++) {
		if (kt_self_below(mount, path))
			break;
		int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			(void)cgroup_write(fd, "cgroup.freeze", "0");
			(void)cgroup_write(fd, "cgroup.kill", "1");
			(void)cgroup_wait_empty(fd, 10);
			close(fd);
		}
	}
}

/* Kills the children, goes back to the cgroup we started in, removes the tree. */
static inline void kt_done(struct kt *kt)
{
	for (size_t i = 0; i < KT_MAX_KIDS; i++)
		kt_kill_reap(&kt->kids[i]);
	if (kt->orig[0]) {
		char self[512], want[512];
		snprintf(want, sizeof(want), "%s", kt->orig + strlen(kt->mount));
		if (kt_cgroup_of(0, self, sizeof(self)) == 0 && strcmp(self, want[0] ? want : "/"))
			(void)kt_move_self(kt->orig);
	}
	if (kt->fd >= 0)
		close(kt->fd);
	kt->fd = -EBADF;
	if (kt->dir[0])
		kt_rmtree(kt->mount, kt->dir);
}
