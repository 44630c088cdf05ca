/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kernel/cgroup.h"
#include "basic/fd_util.h"
#include "basic/macro.h"
#include "basic/time_util.h"

#define CGROUP_KILL_ROUNDS 8      /* freeze/kill/thaw rounds that find new tasks, at most */
#define CGROUP_KILL_SEEN 4096     /* pids remembered as killed; beyond, they are signalled again */
#define CGROUP_KILL_DEPTH 32      /* nested cgroups below an instance's */

static const struct { unsigned bit; const char *name; } controllers[] = {
	{ CGROUP_CTRL_CPU, "cpu" },
	{ CGROUP_CTRL_MEMORY, "memory" },
	{ CGROUP_CTRL_PIDS, "pids" },
	{ CGROUP_CTRL_IO, "io" },
};

const char *cgroup_controller_name(unsigned one)
{
	for (size_t i = 0; i < ELEMENTSOF(controllers); i++)
		if (controllers[i].bit == one)
			return controllers[i].name;
	return "?";
}

/* The first cgroup2 mount: its mount point and the cgroup it shows at its
 * top (mountinfo's 4th field: "/" normally, a path for a bind mount of a
 * subtree, "/../.." for a mount from outside our cgroup namespace). */
static int cgroup2_mount(char *buf, size_t len, char *root, size_t root_len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	int r = -ENOENT;

	if (!f)
		return -errno;
	/* "36 25 0:30 / /sys/fs/cgroup rw,... - cgroup2 cgroup2 rw,..." */
	while (fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");
		char mnt[512], top[512];
		if (!dash || strncmp(dash + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %511s %511s", top, mnt) != 2)
			continue;
		r = (size_t)snprintf(buf, len, "%s", mnt) < len ? 0 : -ENAMETOOLONG;
		if (r == 0 && root)
			r = (size_t)snprintf(root, root_len, "%s", top) < root_len ? 0 : -ENAMETOOLONG;
		break;
	}
	fclose(f);
	return r;
}

int cgroup2_mount_point(char *buf, size_t len)
{
	return cgroup2_mount(buf, len, NULL, 0);
}

int cgroup_self_path(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			r = (size_t)snprintf(buf, len, "%s", line + 3) < len ? 0 : -ENAMETOOLONG;
			break;
		}
	fclose(f);
	return r;
}

int cgroup_self_in_mount(char *mnt, size_t mnt_len, char *rel, size_t rel_len)
{
	char top[512], self[1024];
	size_t n;
	int r = cgroup2_mount(mnt, mnt_len, top, sizeof(top));

	if (r >= 0)
		r = cgroup_self_path(self, sizeof(self));
	if (r < 0)
		return r;
	/* A mount from outside our namespace shows cgroups we cannot name:
	 * "/" there is not our "/" (podman --cgroupns=private with the host's
	 * tree bound in). Writing there would put services outside our tree. */
	if (!strncmp(top, "/..", 3))
		return -EXDEV;
	n = strcmp(top, "/") ? strlen(top) : 0;
	if (strncmp(self, top, n) || (self[n] != '/' && self[n] != '\0'))
		return -EXDEV;   /* a bind mount of a subtree we are not in */
	return (size_t)snprintf(rel, rel_len, "%s", self[n] ? self + n : "/") < rel_len ? 0 : -ENAMETOOLONG;
}

int cgroup_write(int fd, const char *file, const char *value)
{
	_cleanup_close_ int f = openat(fd, file, O_WRONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	size_t n = strlen(value);
	ssize_t w = write(f, value, n);
	if (w < 0)
		return -errno;
	return (size_t)w == n ? 0 : -EIO;
}

int cgroup_read(int fd, const char *file, char *buf, size_t len)
{
	_cleanup_close_ int f = openat(fd, file, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	size_t n = 0;
	/* A one-record cgroup file (kernfs, seq_file) gives all its text to
	 * the first read that has room for it: a short read is the end, no
	 * read of 0 after it (a syscall saved per file; `status` reads two to
	 * five a call). */
	for (;;) {
		ssize_t r = read(f, buf + n, len - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		size_t want = len - 1 - n;
		n += (size_t)r;
		if ((size_t)r < want || n == len - 1)
			break;
	}
	buf[n] = '\0';
	return (int)n;
}

int cgroup_parse_key(const char *buf, const char *key, uint64_t *ret)
{
	size_t n = strlen(key);
	for (const char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, n) && l[n] == ' ') {
			*ret = strtoull(l + n + 1, NULL, 10);
			return 0;
		}
	return -ENOENT;
}

int cgroup_read_key(int fd, const char *file, const char *key, uint64_t *ret)
{
	char buf[4096];
	int r = cgroup_read(fd, file, buf, sizeof(buf));
	return r < 0 ? r : cgroup_parse_key(buf, key, ret);
}

int cgroup_read_u64(int fd, const char *file, uint64_t *ret)
{
	char buf[64];
	int r = cgroup_read(fd, file, buf, sizeof(buf));
	if (r < 0)
		return r;
	*ret = !strncmp(buf, "max", 3) ? UINT64_MAX : strtoull(buf, NULL, 10);
	return 0;
}

int cgroup_mkdir_open(int parent_fd, const char *name, int *ret_fd)
{
	if (mkdirat(parent_fd, name, 0755) < 0 && errno != EEXIST)
		return -errno;
	int fd = openat(parent_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int cgroup_rmdir(int parent_fd, const char *name)
{
	return RET_NERRNO(unlinkat(parent_fd, name, AT_REMOVEDIR));
}

unsigned cgroup_available(int fd)
{
	char buf[512];
	unsigned mask = 0;
	if (cgroup_read(fd, "cgroup.controllers", buf, sizeof(buf)) < 0)
		return 0;
	for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n"))
		for (size_t i = 0; i < ELEMENTSOF(controllers); i++)
			if (!strcmp(tok, controllers[i].name))
				mask |= controllers[i].bit;
	return mask;
}

int cgroup_enable(int fd, unsigned mask)
{
	char buf[64] = "";
	size_t n = 0;
	for (size_t i = 0; i < ELEMENTSOF(controllers); i++)
		if (mask & controllers[i].bit)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s+%s", n ? " " : "", controllers[i].name);
	return n ? cgroup_write(fd, "cgroup.subtree_control", buf) : 0;
}

int cgroup_read_events(int fd, struct cgroup_events *ret)
{
	char buf[256];
	uint64_t v;
	int r = cgroup_read(fd, "cgroup.events", buf, sizeof(buf));

	if (r < 0)
		return r;
	ret->populated = cgroup_parse_key(buf, "populated", &v) < 0 ? -1 : v != 0;
	ret->frozen = cgroup_parse_key(buf, "frozen", &v) < 0 ? -1 : v != 0;
	return 0;
}

int cgroup_events_value(int value)
{
	return value < 0 ? -ENOENT : value;
}

int cgroup_populated(int fd)
{
	struct cgroup_events e;
	int r = cgroup_read_events(fd, &e);
	return r < 0 ? r : cgroup_events_value(e.populated);
}

int cgroup_frozen(int fd)
{
	struct cgroup_events e;
	int r = cgroup_read_events(fd, &e);
	return r < 0 ? r : cgroup_events_value(e.frozen);
}

int cgroup_freeze(int fd, bool frozen)
{
	return cgroup_write(fd, "cgroup.freeze", frozen ? "1" : "0");
}

/* Calls fn on every pid in fd's cgroup.procs; how many there were. */
static int for_each_proc(int fd, void (*fn)(pid_t pid, void *ud), void *ud)
{
	_cleanup_close_ int f = openat(fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	_cleanup_fclose_ FILE *s = take_fdopen(&f, "re");
	if (!s)
		return -errno;
	int n = 0;
	for (long pid; fscanf(s, "%ld", &pid) == 1; n++)
		if (fn)
			fn((pid_t)pid, ud);
	return n;
}

int cgroup_count_procs(int fd)
{
	return for_each_proc(fd, NULL, NULL);
}

struct find_pid { pid_t pid; bool found; };

static void match_pid(pid_t pid, void *ud)
{
	struct find_pid *f = ud;
	f->found |= pid == f->pid;
}

int cgroup_has_pid(int fd, pid_t pid)
{
	struct find_pid f = { .pid = pid };
	int r = for_each_proc(fd, match_pid, &f);
	return r < 0 ? r : f.found;
}

/* fd is O_PATH (as every cgroup fd here), which f*xattr() refuse: go
 * through its /proc/self/fd link, which the kernel resolves to the inode. */
int cgroup_set_xattr(int fd, const char *name, const void *value, size_t len)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	return RET_NERRNO(setxattr(p, name, value, len, 0));
}

ssize_t cgroup_get_xattr(int fd, const char *name, void *buf, size_t len)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	ssize_t n = getxattr(p, name, buf, len);
	return n < 0 ? -errno : n;
}

/* The pids the fallback kill has signalled: a killed task stays listed in
 * cgroup.procs until it has finished exiting, and must not count as new. */
struct kill_round {
	pid_t seen[CGROUP_KILL_SEEN];
	size_t n_seen;
	size_t n_new;
};

static void kill_one(pid_t pid, void *ud)
{
	struct kill_round *k = ud;
	for (size_t i = 0; i < k->n_seen; i++)
		if (k->seen[i] == pid)
			return;
	(void)kill(pid, SIGKILL);
	k->n_new++;
	if (k->n_seen < CGROUP_KILL_SEEN)
		k->seen[k->n_seen++] = pid;
}

/* SIGKILL to every process of fd's cgroup and of every cgroup below it. */
static int kill_subtree(int fd, unsigned depth, struct kill_round *k)
{
	int r = for_each_proc(fd, kill_one, k);
	if (r < 0)
		return r;
	if (depth >= CGROUP_KILL_DEPTH)
		return -ELOOP;
	_cleanup_close_ int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	_cleanup_closedir_ DIR *d = take_fdopendir(&dfd);
	if (!d)
		return -errno;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		_cleanup_close_ int child = openat(fd, e->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (child < 0)
			continue;   /* removed meanwhile */
		r = kill_subtree(child, depth + 1, k);
		if (r < 0)
			return r;
	}
	return 0;
}

int cgroup_kill(int fd, bool has_kill)
{
	if (has_kill)
		return cgroup_write(fd, "cgroup.kill", "1");
	/* Before 5.14: freeze the subtree (a frozen task cannot fork), SIGKILL
	 * every process in it (SIGKILL reaches frozen tasks), thaw. A task
	 * forked just before the freeze took is caught by the next round; a
	 * round that finds nothing new ends it. Nothing here waits for the
	 * tasks to be gone: the caller waits for populated 0. */
	struct kill_round *k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	int r = -EBUSY;
	for (int round = 0; round < CGROUP_KILL_ROUNDS; round++) {
		k->n_new = 0;
		(void)cgroup_freeze(fd, true);
		int kr = kill_subtree(fd, 0, k);
		(void)cgroup_freeze(fd, false);
		if (kr < 0 || k->n_new == 0) {
			r = kr < 0 ? kr : 0;
			break;
		}
	}
	free(k);
	return r;
}

int cgroup_wait_empty(int fd, int timeout_ms)
{
	_cleanup_close_ int ev = openat(fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NSEC_PER_MSEC;
	char buf[256];

	if (ev < 0)
		return -errno;
	for (;;) {
		/* Reading it re-arms the notification: read, then wait. */
		ssize_t n = pread(ev, buf, sizeof(buf) - 1, 0);
		uint64_t v;
		if (n < 0)
			return -errno;
		buf[n] = '\0';
		if (cgroup_parse_key(buf, "populated", &v) == 0 && v == 0)
			return 0;
		uint64_t now = now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = ev, .events = POLLPRI };
		int left = (int)((deadline - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return -errno;
	}
}

uint64_t cgroup_id_of_fd(int cgroup_fd)
{
	struct stat st;

	if (cgroup_fd < 0 || fstat(cgroup_fd, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	return st.st_ino;
}
