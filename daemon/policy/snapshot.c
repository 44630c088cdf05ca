/* SPDX-License-Identifier: MIT */
/*
 * snapshot.c: the evidence an on-call engineer needs, saved before anything
 * changes. The instance's cgroup is frozen, then for each of its processes
 * the fd table (kind and target), the thread list, /proc status and
 * smaps_rollup, plus the counts history, go into one JSON file in
 * <state_dir>/snapshots (opened once, files created O_EXCL|O_NOFOLLOW), and
 * the cgroup is thawed unless the policy keeps it frozen. At most
 * SNAPSHOTS_MAX files are kept: the oldest go first.
 *
 * Bounded: SNAP_MAX_PROCS processes, SNAP_MAX_FDS fds each and
 * SNAP_MAX_FDS_TOTAL in all are listed, for SNAP_TIME_MS at most; what is
 * left out is counted in "truncated". An fd's kind comes from its link text
 * or from the file the fd refers to, never from stat() of the path the
 * service chose. The automatic snapshots of the leak watch run this in a
 * child process, off the loop (snapshot_job.c).
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
#include "basic/time_util.h"
#include "basic/utf8.h"
#include "kernel/cgroup.h"
#include "policy/leak_json.h"
#include "policy/snapshot.h"

#define SNAPSHOTS_MAX 100
#define SNAP_MAX_PROCS 256            /* processes listed; the rest counted */
#define SNAP_MAX_FDS 1024             /* fds listed per process; the rest counted */
#define SNAP_MAX_FDS_TOTAL 16384      /* fds listed over all processes */
#define SNAP_TEXT_MAX 65536           /* bytes of a /proc text file */
#define SNAP_TIME_MS 2000             /* listing stops here; what was seen is written */

/* What one snapshot may still list. */
struct budget {
	size_t fds_left;
	uint64_t deadline_ns;
	uint64_t procs_not_listed, fds_not_listed;
	const char *cut;              /* why the listing stopped early, or NULL */
	bool fds_capped;              /* a process had more than SNAP_MAX_FDS */
};

static bool out_of_time(struct budget *b)
{
	if (now_ns() < b->deadline_ns)
		return false;
	b->cut = "time";
	return true;
}

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
	json_object *o = n < 0 ? NULL : json_string_utf8(buf, (size_t)n);
	safe_close(fd);
	free(buf);
	return o;
}

/* The kind of an fd from its link text, and for a path from the file the
 * fd itself refers to (stat through /proc/PID/fd/N): never a stat of the
 * path the service chose, which may lead anywhere. */
static enum fd_kind kind_of(const char *link, const char *target)
{
	struct stat st;
	if (target[0] != '/')
		return fd_kind_classify(target, &(struct stat){ 0 });
	return stat(link, &st) == 0 ? fd_kind_classify(target, &st) : FD_OTHER;
}

static json_object *fd_table(pid_t pid, struct budget *b)
{
	char dir[64], link[PATH_MAX], target[PATH_MAX];
	json_object *a = json_object_new_array();
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	_cleanup_closedir_ DIR *d = opendir(dir);
	size_t listed = 0;
	if (!d)
		return a;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		if (listed >= SNAP_MAX_FDS || b->fds_left == 0 || b->cut || out_of_time(b)) {
			b->fds_capped |= listed >= SNAP_MAX_FDS;
			b->fds_not_listed++;
			continue;
		}
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		listed++;
		b->fds_left--;
		json_object *f = json_object_new_object();
		json_object_object_add(f, "fd", json_object_new_int(atoi(e->d_name)));
		json_object_object_add(f, "kind", json_object_new_string(fd_kind_to_string(kind_of(link, target))));
		json_object_object_add(f, "target", json_string_utf8(target, strlen(target)));
		json_object_array_add(a, f);
	}
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
		json_object_object_add(t, "comm", json_string_utf8(comm, strlen(comm)));
		json_object_array_add(a, t);
	}
	closedir(d);
	return a;
}

static json_object *process(pid_t pid, struct budget *b)
{
	char path[64];
	json_object *o = json_object_new_object();
	json_object_object_add(o, "pid", json_object_new_int(pid));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	json_object_object_add(o, "status", read_text(path));
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	json_object_object_add(o, "smaps_rollup", read_text(path));
	json_object_object_add(o, "threads", thread_list(pid));
	json_object_object_add(o, "fds", fd_table(pid, b));
	return o;
}

/* Every process of the cgroup, read whole from cgroup.procs (a pid is
 * never cut in two), SNAP_MAX_PROCS of them listed. */
static json_object *processes(const struct instance *inst, struct budget *b)
{
	json_object *a = json_object_new_array();
	_cleanup_close_ int fd = openat(inst->cg.fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	_cleanup_fclose_ FILE *f = fd >= 0 ? take_fdopen(&fd, "re") : NULL;
	size_t count = 0;

	for (long pid; f && fscanf(f, "%ld", &pid) == 1;) {
		if (count >= SNAP_MAX_PROCS || b->cut || out_of_time(b)) {
			b->procs_not_listed++;
			continue;
		}
		count++;
		json_object_array_add(a, process((pid_t)pid, b));
	}
	if (count >= SNAP_MAX_PROCS && b->procs_not_listed && !b->cut)
		b->cut = "processes";
	if (b->fds_left == 0 && b->fds_not_listed && !b->cut)
		b->cut = "fds";
	if (b->fds_capped && !b->cut)
		b->cut = "fds of one process";
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
			if (e->d_type != DT_REG || e->d_name[0] == '.' ||
			    fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
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

void snapshot_name(const struct instance *inst, char *name, size_t len)
{
	struct timespec now;
	struct tm tm;
	char ts[32];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%S", &tm);
	snprintf(name, len, "%s.%u-%s.%03ldZ.json", inst->cfg->name, inst->index, ts, now.tv_nsec / 1000000);
}

static json_object *document(const struct instance *inst, const char *source, const char *name,
			     struct budget *b)
{
	json_object *o = json_object_new_object();
	char ts[32];

	snprintf(ts, sizeof(ts), "%.15s", strchr(name, '-') ? strrchr(name, '-') + 1 : "");
	json_object_object_add(o, "service", json_object_new_string(inst->cfg->name));
	json_object_object_add(o, "index", json_object_new_int((int)inst->index));
	json_object_object_add(o, "time", json_object_new_string(ts));
	json_object_object_add(o, "state", json_object_new_string(instance_state_to_string(inst->state)));
	json_object_object_add(o, "main_pid", json_object_new_int(inst->pid.pid));
	json_object_object_add(o, "source", json_object_new_string(source));
	struct leak_trend t;
	leak_evaluate_again(&inst->leak.hist, &inst->cfg->leak, &inst->leak.last,
			    inst->leak.sampled_ns / 1000000, &t);
	json_object_object_add(o, "verdict", json_object_new_string(leak_verdict_to_string(t.verdict)));
	json_object_object_add(o, "reason", json_object_new_string(t.reason ? t.reason : ""));
	json_object_object_add(o, "growing", json_object_new_string(leak_series_to_string(t.worst)));
	json_object_object_add(o, "fds_per_hour", json_object_new_double(t.series[LEAK_FDS].per_hour));
	json_object_object_add(o, "threads_per_hour", json_object_new_double(t.series[LEAK_THREADS].per_hour));
	json_object_object_add(o, "memory", json_object_new_int64((int64_t)inst->leak.memory));
	json_object_object_add(o, "memory_source", inst->leak.memory_source ? json_object_new_string(inst->leak.memory_source) : NULL);
	json_object_object_add(o, "series", leak_series_json(&t, inst->leak.sampled_ns / 1000000));
	json_object_object_add(o, "history", leak_history_json(&inst->leak.hist));
	json_object_object_add(o, "processes", processes(inst, b));
	json_object *cut = json_object_new_object();
	json_object_object_add(cut, "reason", b->cut ? json_object_new_string(b->cut) : NULL);
	json_object_object_add(cut, "processes_not_listed", json_object_new_int64((int64_t)b->procs_not_listed));
	json_object_object_add(cut, "fds_not_listed", json_object_new_int64((int64_t)b->fds_not_listed));
	json_object_object_add(o, "truncated", cut);
	return o;
}

int snapshot_write(struct snapshots *sn, const struct instance *inst, const char *source, const char *name)
{
	struct budget b = { .fds_left = SNAP_MAX_FDS_TOTAL, .deadline_ns = now_ns() + SNAP_TIME_MS * NSEC_PER_MSEC };
	char tmp[160];
	int r = 0;

	if (inst->cg.fd < 0)
		return -EOPNOTSUPP;
	int dfd = snapshots_dir(sn);
	if (dfd < 0)
		return dfd;
	json_object *o = document(inst, source, name, &b);
	/* Written under a temporary name and renamed: a snapshot file is
	 * whole or absent, never half written. */
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0) {
		r = -errno;
	} else {
		size_t n;
		const char *txt = json_object_to_json_string_length(o, JSON_C_TO_STRING_PRETTY, &n);
		if (write(fd, txt, n) != (ssize_t)n)
			r = -EIO;
		safe_close(fd);
		if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
			r = -errno;
		if (r < 0)
			(void)unlinkat(dfd, tmp, 0);
	}
	json_object_put(o);
	if (r == 0)
		prune(dfd);
	return r;
}

int snapshot_take(struct snapshots *sn, const struct instance *inst, const char *source,
		  bool keep_frozen, char *path, size_t len)
{
	char name[128];

	if (inst->cg.fd < 0)
		return -EOPNOTSUPP;
	(void)cgroup_freeze(inst->cg.fd, true);
	snapshot_name(inst, name, sizeof(name));
	int r = snapshot_write(sn, inst, source, name);
	if (!keep_frozen)
		(void)cgroup_freeze(inst->cg.fd, false);
	if (r < 0)
		return r;
	snprintf(path, len, "%s/snapshots/%s", sn->state_dir, name);
	return 0;
}
