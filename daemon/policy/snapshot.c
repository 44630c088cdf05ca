/* SPDX-License-Identifier: MIT */
/*
 * snapshot.c: the evidence an on-call engineer needs, saved before anything
 * changes. The instance's cgroup is frozen, then for each of its processes
 * the fd table (kind and target), the thread list, /proc status and
 * smaps_rollup, plus the counts history, go into one JSON file in
 * <state_dir>/snapshots (opened once, files created O_EXCL|O_NOFOLLOW), and
 * the cgroup is thawed unless the policy keeps it frozen. At most
 * SNAPSHOTS_MAX files are kept: the oldest go first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "basic/fd_util.h"
#include "basic/macro.h"
#include "kernel/cgroup.h"
#include "policy/snapshot.h"

#define SNAPSHOTS_MAX 100
#define SNAP_MAX_PROCS 4096
#define SNAP_MAX_FDS 65536      /* per process; the rest are counted, not listed */
#define SNAP_TEXT_MAX 65536     /* bytes of a /proc text file */

static int mkdir_p(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	return mkdir(buf, 0750) < 0 && errno != EEXIST ? -errno : 0;
}

void snapshots_init(struct snapshots *sn, const char *state_dir)
{
	*sn = (struct snapshots){ .dir_fd = -EBADF, .state_dir = state_dir ? state_dir : SNAPSHOTS_DEFAULT_STATE_DIR };
}

void snapshots_done(struct snapshots *sn)
{
	sn->dir_fd = safe_close(sn->dir_fd);
}

int snapshots_dir(struct snapshots *sn)
{
	if (sn->dir_fd >= 0)
		return sn->dir_fd;
	char path[4096];
	snprintf(path, sizeof(path), "%s/snapshots", sn->state_dir);
	int r = mkdir_p(path);
	if (r < 0)
		return r;
	/* O_NOFOLLOW on the last component: a symlink planted there is refused. */
	sn->dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return sn->dir_fd < 0 ? -errno : sn->dir_fd;
}

static json_object *read_text(const char *path)
{
	char *buf = malloc(SNAP_TEXT_MAX);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 || !buf ? -1 : read(fd, buf, SNAP_TEXT_MAX - 1);
	json_object *o = n < 0 ? NULL : json_object_new_string_len(buf, (int)n);
	safe_close(fd);
	free(buf);
	return o;
}

static json_object *fd_table(pid_t pid)
{
	char dir[64], link[PATH_MAX], target[PATH_MAX];
	json_object *a = json_object_new_array();
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	size_t listed = 0;
	if (!d)
		return a;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || listed++ >= SNAP_MAX_FDS)
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		json_object *f = json_object_new_object();
		json_object_object_add(f, "fd", json_object_new_int(atoi(e->d_name)));
		json_object_object_add(f, "kind", json_object_new_string(fd_kind_to_string(fd_kind_from_link(target))));
		json_object_object_add(f, "target", json_object_new_string(target));
		json_object_array_add(a, f);
	}
	closedir(d);
	return a;
}

static json_object *thread_list(pid_t pid)
{
	char dir[64], path[PATH_MAX], comm[32];
	json_object *a = json_object_new_array();
	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	DIR *d = opendir(dir);
	if (!d)
		return a;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", dir, e->d_name);
		FILE *f = fopen(path, "re");
		comm[0] = '\0';
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		json_object *t = json_object_new_object();
		json_object_object_add(t, "tid", json_object_new_int(atoi(e->d_name)));
		json_object_object_add(t, "comm", json_object_new_string(comm));
		json_object_array_add(a, t);
	}
	closedir(d);
	return a;
}

static json_object *processes(const struct instance *inst)
{
	json_object *a = json_object_new_array();
	char buf[8192], path[64];
	int n = cgroup_read(inst->cg.fd, "cgroup.procs", buf, sizeof(buf));
	size_t count = 0;
	for (char *p = n > 0 ? buf : NULL; p && *p && count < SNAP_MAX_PROCS; count++) {
		pid_t pid = (pid_t)strtol(p, &p, 10);
		while (*p == '\n')
			p++;
		if (pid <= 0)
			break;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "pid", json_object_new_int(pid));
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
		json_object_object_add(o, "status", read_text(path));
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
		json_object_object_add(o, "smaps_rollup", read_text(path));
		json_object_object_add(o, "threads", thread_list(pid));
		json_object_object_add(o, "fds", fd_table(pid));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *history(const struct leak_history *h)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < leak_history_len(h); i++) {
		const struct leak_sample *smp = leak_history_at(h, i);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "t_ms", json_object_new_int64((int64_t)smp->t_ms));
		json_object_object_add(o, "fds", json_object_new_int64(smp->fds));
		json_object_object_add(o, "threads", json_object_new_int64(smp->threads));
		json_object_array_add(a, o);
	}
	return a;
}

/* Keeps the directory at SNAPSHOTS_MAX files: removes the oldest. */
static void prune(int dfd)
{
	for (;;) {
		DIR *d = opendir_dup(dfd);
		char oldest[256] = "";
		struct timespec ot = { 0 };
		int n = 0;
		if (!d)
			return;
		rewinddir(d);
		for (struct dirent *e; (e = readdir(d));) {
			struct stat st;
			if (e->d_type != DT_REG || fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			n++;
			if (!oldest[0] || st.st_mtim.tv_sec < ot.tv_sec ||
			    (st.st_mtim.tv_sec == ot.tv_sec && st.st_mtim.tv_nsec < ot.tv_nsec)) {
				snprintf(oldest, sizeof(oldest), "%s", e->d_name);
				ot = st.st_mtim;
			}
		}
		closedir(d);
		if (n <= SNAPSHOTS_MAX || !oldest[0] || unlinkat(dfd, oldest, 0) < 0)
			return;
	}
}

int snapshot_take(struct snapshots *sn, const struct instance *inst, const char *source,
		  bool keep_frozen, char *path, size_t len)
{
	char name[128], ts[32];
	struct timespec now;
	struct tm tm;

	if (inst->cg.fd < 0)
		return -EOPNOTSUPP;
	int dfd = snapshots_dir(sn);
	if (dfd < 0)
		return dfd;
	(void)cgroup_freeze(inst->cg.fd, true);

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%S", &tm);
	snprintf(name, sizeof(name), "%s.%u-%s.%03ldZ.json", inst->cfg->name, inst->index, ts,
		 now.tv_nsec / 1000000);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "service", json_object_new_string(inst->cfg->name));
	json_object_object_add(o, "index", json_object_new_int((int)inst->index));
	json_object_object_add(o, "time", json_object_new_string(ts));
	json_object_object_add(o, "state", json_object_new_string(instance_state_to_string(inst->state)));
	json_object_object_add(o, "main_pid", json_object_new_int(inst->pid.pid));
	json_object_object_add(o, "source", json_object_new_string(source));
	json_object_object_add(o, "verdict", json_object_new_string(leak_verdict_to_string(inst->leak.trend.verdict)));
	json_object_object_add(o, "reason", json_object_new_string(inst->leak.trend.reason ? inst->leak.trend.reason : ""));
	json_object_object_add(o, "fds_per_hour", json_object_new_double(inst->leak.trend.fds_per_hour));
	json_object_object_add(o, "threads_per_hour", json_object_new_double(inst->leak.trend.threads_per_hour));
	json_object_object_add(o, "history", history(&inst->leak.hist));
	json_object_object_add(o, "processes", processes(inst));
	if (!keep_frozen)
		(void)cgroup_freeze(inst->cg.fd, false);

	int r = 0;
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0) {
		r = -errno;
	} else {
		size_t n;
		const char *txt = json_object_to_json_string_length(o, JSON_C_TO_STRING_PRETTY, &n);
		if (write(fd, txt, n) != (ssize_t)n)
			r = -EIO;
		safe_close(fd);
	}
	json_object_put(o);
	if (r < 0)
		return r;
	prune(dfd);
	snprintf(path, len, "%s/snapshots/%s", sn->state_dir, name);
	return 0;
}
