/* SPDX-License-Identifier: MIT */
/*
 * test_snapshot.c: a snapshot is bounded whatever the service does (issue
 * 12, finding 3), on a real instance in a cgroup of the test's own:
 *  - a process with more fds than SNAP_MAX_FDS (1024) gets 1024 listed and
 *    the rest counted, never all of them;
 *  - a cgroup with more processes than SNAP_MAX_PROCS (256) gets 256
 *    listed and the rest counted: cgroup.procs is read whole, so a pid is
 *    never cut in two (the old 8 KiB read could turn "12345" into "123");
 *  - the file appears whole (written as .NAME.tmp, then renamed) and the
 *    instance is thawed afterwards;
 *  - taken before any leak sample, its verdict part (series, history,
 *    memory, memory_source) is there and empty.
 */
#include <json-c/json.h>

#include "policy/snapshot.h"
#include "policy_test_util.h"

/* bash opens 1500 fds (on /dev/null), then sleeps. */
#define FDHOG "  hog:\n    command: [/bin/bash, -c, \"for i in $(seq 1500); do exec {fd}</dev/null; done; exec sleep 1000\"]\n" \
	      "    limits: {nofile: 4096}\n"
/* 300 processes. */
#define CROWD "  crowd:\n    command: [/bin/sh, -c, \"for i in $(seq 299); do sleep 1000 & done; exec sleep 1000\"]\n"

static size_t proc_fds(pid_t pid)
{
	char path[64];
	size_t n = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static json_object *take(struct fixture *fx, struct instance *inst)
{
	struct snapshots sn;
	char path[512];

	snapshots_init(&sn, fx->tmpdir);
	assert_int_equal(snapshot_take(&sn, inst, "procfs", false, path, sizeof(path)), 0);
	snapshots_done(&sn);
	assert_int_equal(instance_cgroup_frozen(&inst->cg), 0);
	json_object *o = json_object_from_file(path);
	assert_non_null(o);
	return o;
}

/* The hog has reached `exec sleep`: its fd count no longer moves (bash
 * holds a helper fd or two while its loop still runs). */
static bool is_sleep(pid_t pid)
{
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool ok = fgets(comm, sizeof(comm), f) && strcmp(comm, "sleep\n") == 0;
	fclose(f);
	return ok;
}

static int64_t get_int(json_object *o, const char *a, const char *b)
{
	json_object *v;
	assert_true(json_object_object_get_ex(o, a, &v));
	if (b)
		assert_true(json_object_object_get_ex(v, b, &v));
	return json_object_get_int64(v);
}

/* Taken by hand, before any sample: the verdict's part is there, empty. */
static void check_unsampled(json_object *o)
{
	json_object *v, *series;
	assert_true(json_object_object_get_ex(o, "history", &v));
	assert_int_equal(json_object_array_length(v), 0);
	assert_true(json_object_object_get_ex(o, "memory", &v));
	assert_int_equal(json_object_get_int64(v), 0);
	assert_true(json_object_object_get_ex(o, "memory_source", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "series", &series));
	static const char *const names[] = { "fds", "threads", "memory" };
	for (size_t i = 0; i < 3; i++) {
		assert_true(json_object_object_get_ex(series, names[i], &v));
		assert_true(json_object_object_get_ex(v, "verdict", &v));
		assert_string_equal(json_object_get_string(v), "unknown");
	}
}

static void test_many_fds(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = fx_instance(fx, fx_load(fx, FDHOG), 0);

	fx_start_running(fx, inst);
	assert_true(RUN_UNTIL(fx->loop, is_sleep(inst->pid.pid) && proc_fds(inst->pid.pid) >= 1500, 5000));
	size_t have = proc_fds(inst->pid.pid);
	json_object *o = take(fx, inst), *procs, *fds, *why;
	assert_true(json_object_object_get_ex(o, "processes", &procs));
	assert_int_equal(json_object_array_length(procs), 1);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(procs, 0), "fds", &fds));
	assert_int_equal(json_object_array_length(fds), 1024);
	assert_int_equal(get_int(o, "truncated", "fds_not_listed"), (int64_t)(have - 1024));
	assert_true(json_object_object_get_ex(json_object_object_get(o, "truncated"), "reason", &why));
	assert_string_equal(json_object_get_string(why), "fds of one process");
	check_unsampled(o);
	json_object_put(o);
}

static void test_many_processes(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = fx_instance(fx, fx_load(fx, CROWD), 0);

	/* 300 forks by one shell: 4.5 s on this 2-CPU host under a soak's load. */
	fx_start_running(fx, inst);
	assert_true(RUN_UNTIL(fx->loop, cgroup_count_procs(inst->cg.fd) == 300, 30000));
	json_object *o = take(fx, inst), *procs;
	assert_true(json_object_object_get_ex(o, "processes", &procs));
	assert_int_equal(json_object_array_length(procs), 256);
	assert_int_equal(get_int(o, "truncated", "processes_not_listed"), 44);
	/* Every pid listed is one of the cgroup's, whole. */
	char all[8192];
	assert_true(cgroup_read(inst->cg.fd, "cgroup.procs", all, sizeof(all)) > 0);
	for (size_t i = 0; i < 256; i++) {
		char needle[24];
		snprintf(needle, sizeof(needle), "\n%lld\n",
			 (long long)get_int(json_object_array_get_idx(procs, i), "pid", NULL));
		char hay[sizeof(all) + 2];
		snprintf(hay, sizeof(hay), "\n%s", all);
		assert_non_null(strstr(hay, needle));
	}
	json_object_put(o);
}

#define T(f, e) cmocka_unit_test_prestate_setup_teardown(f, fx_setup, fx_teardown, &(e))

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_many_fds, env_epoll_cg),
		T(test_many_processes, env_uring_cg),
	};
	return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
