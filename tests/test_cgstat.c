/* SPDX-License-Identifier: MIT */
/*
 * test_cgstat.c: probe/cgstat.c against the kernel's own cpu.stat. A
 * cgroup of the test's own with three children; a child process burns
 * CPU in one of them. One pass must find the root and the three children
 * (sorted, each once), and give each the usage_usec its cpu.stat shows
 * (read right after the pass: never less, and no more than the burner's
 * share of the few ms in between). With room for 2, a pass says 2 were
 * left out. Skipped, saying why, without cgroup2, root or BPF.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/cgroup.h"
#include "probe/cgstat.h"
#include "rv_probe.h"
#include "probe_fixture.h"

static char root_path[560];
static int root_fd = -1;
static const char *const kids[] = { "a", "b", "c" };
static pid_t burner;

static uint64_t file_usage(const char *kid)
{
	char path[640], buf[1024];
	uint64_t v = UINT64_MAX;

	snprintf(path, sizeof(path), "%s%s%s/cpu.stat", root_path, kid ? "/" : "", kid ? kid : "");
	FILE *f = fopen(path, "re");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_int_equal(cgroup_parse_key(buf, "usage_usec", &v), 0);
	return v;
}

static uint64_t id_of(const char *kid)
{
	char path[600];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s%s", root_path, kid ? "/" : "", kid ? kid : "");
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;   /* a cgroup's id is its directory's inode (kernfs) */
}

static int setup(void **state)
{
	char mnt[512], path[600];

	(void)state;
	if (geteuid() != 0 || cgroup2_mount(mnt, sizeof(mnt)) < 0)
		return 0;   /* each test skips, saying why */
	snprintf(root_path, sizeof(root_path), "%s/rv-test-cgstat-%d", mnt, (int)getpid());
	if (mkdir(root_path, 0755) < 0)
		return 0;
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", root_path, kids[i]);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	root_fd = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/b", root_path);
	int b = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	burner = fork();
	assert_true(burner >= 0);
	if (burner == 0) {
		if (cgroup_join(b) < 0)
			_exit(1);
		for (;;)
			;
	}
	close(b);
	usleep(200 * 1000);   /* some CPU in b */
	return 0;
}

static int teardown(void **state)
{
	char path[600];

	(void)state;
	if (burner > 0) {
		kill(burner, SIGKILL);
		waitpid(burner, NULL, 0);
	}
	if (root_fd >= 0)
		close(root_fd);
	for (size_t i = 0; root_path[0] && i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", root_path, kids[i]);
		rmdir(path);
	}
	if (root_path[0])
		rmdir(root_path);
	return 0;
}

/* A cgstat on the test's cgroup, or the test skips with the reason. */
static struct cgstat *open_or_skip(size_t max)
{
	struct cgstat *c = NULL;
	char why[256] = "";

	if (root_fd < 0) {
		print_message("skipped: needs root and cgroup2\n");
		skip();
	}
	int r = cgstat_new(root_fd, max, &c, why, sizeof(why));
	if (r == -EPERM || r == -EACCES || r == -EINVAL || r == -ENOENT || r == -EOPNOTSUPP) {
		print_message("skipped: %s\n", why);
		skip();
	}
	assert_int_equal(r, 0);
	return c;
}

static void test_pass_equals_cpu_stat(void **state)
{
	const struct cgstat_usage *u;
	size_t n, truncated;
	struct cgstat *c = open_or_skip(16);

	(void)state;
	assert_int_equal(cgstat_pass(c, &u, &n, &truncated), 0);
	uint64_t after_b = file_usage("b");
	assert_int_equal(n, 4);
	assert_int_equal(truncated, 0);
	for (size_t i = 1; i < n; i++)
		assert_true(u[i - 1].cgroup_id < u[i].cgroup_id);
	const struct cgstat_usage *b = cgstat_find(u, n, id_of("b"));
	assert_non_null(b);
	assert_true(b->usage_usec > 50 * 1000);     /* it burned for 200 ms */
	assert_true(b->usage_usec <= after_b);
	assert_true(after_b - b->usage_usec < 100 * 1000);
	for (size_t i = 0; i < 3; i++)
		if (i != 1) {
			const struct cgstat_usage *k = cgstat_find(u, n, id_of(kids[i]));
			assert_non_null(k);
			assert_int_equal(k->usage_usec, file_usage(kids[i]));   /* nothing ran there */
		}
	assert_non_null(cgstat_find(u, n, id_of(NULL)));
	assert_null(cgstat_find(u, n, 12345));
	/* A second pass moves with the burner. */
	usleep(50 * 1000);
	assert_int_equal(cgstat_pass(c, &u, &n, &truncated), 0);
	assert_true(cgstat_find(u, n, id_of("b"))->usage_usec > after_b);
	cgstat_free(c);
}

/* cgroup.events of kid (NULL: the root) as RV_CG_* flags. */
static uint32_t file_events(const char *kid)
{
	char path[640], buf[256];
	uint64_t populated = 9, frozen = 9;

	snprintf(path, sizeof(path), "%s%s%s/cgroup.events", root_path, kid ? "/" : "", kid ? kid : "");
	FILE *f = fopen(path, "re");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_int_equal(cgroup_parse_key(buf, "populated", &populated), 0);
	assert_int_equal(cgroup_parse_key(buf, "frozen", &frozen), 0);
	return (populated ? RV_CG_POPULATED : 0) | (frozen ? RV_CG_FROZEN : 0);
}

static void write_freeze(const char *kid, const char *v)
{
	char path[640];

	snprintf(path, sizeof(path), "%s/%s/cgroup.freeze", root_path, kid);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(v, f);
	assert_int_equal(fclose(f), 0);
}

/* What status shows as populated and frozen comes from the pass: it must
 * say what each cgroup.events says (an empty frozen one, a busy one, the
 * root populated through its child). */
static void test_flags_equal_cgroup_events(void **state)
{
	const struct cgstat_usage *u;
	size_t n, truncated;
	struct cgstat *c = open_or_skip(16);

	(void)state;
	write_freeze(kids[2], "1");
	assert_int_equal(cgstat_pass(c, &u, &n, &truncated), 0);
	assert_int_equal(cgstat_find(u, n, id_of(kids[1]))->flags, RV_CG_POPULATED);
	assert_int_equal(cgstat_find(u, n, id_of(kids[2]))->flags, RV_CG_FROZEN);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(cgstat_find(u, n, id_of(kids[i]))->flags, file_events(kids[i]));
	assert_int_equal(cgstat_find(u, n, id_of(NULL))->flags, file_events(NULL));
	write_freeze(kids[2], "0");
	assert_int_equal(cgstat_pass(c, &u, &n, &truncated), 0);
	assert_int_equal(cgstat_find(u, n, id_of(kids[2]))->flags, 0);
	cgstat_free(c);
}

static void test_room_is_bounded(void **state)
{
	const struct cgstat_usage *u;
	size_t n, truncated;
	struct cgstat *c = open_or_skip(2);

	(void)state;
	assert_int_equal(cgstat_pass(c, &u, &n, &truncated), 0);
	assert_int_equal(n, 2);
	assert_int_equal(truncated, 2);
	cgstat_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_equals_cpu_stat),
		cmocka_unit_test(test_flags_equal_cgroup_events),
		cmocka_unit_test(test_room_is_bounded),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
