/* SPDX-License-Identifier: MIT */
/*
 * config_test_util.h: what the config_load() tests share. Each test binary
 * writes its files to a private temp dir (made and removed by group_setup()
 * and group_teardown()), loads them and checks the struct or the error lines.
 * Header-only, static inline: each test is one translation unit.
 *
 * A test that defines CONFIG_TEST_ALLOC_FAILURES before including this also
 * gets the allocation-failure harness at the end: check_allocation_failures(),
 * with malloc and friends replaced for the whole binary (in the ASan build,
 * a check_allocation_failures() that skips the test).
 */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "config/config_errors.h"
#include "basic/macro.h"

/* A service with the one required key, then `extra` at the service's level. */
#define WEB(extra) "services:\n  web:\n    command: [/bin/true]\n" extra

/* mkdtemp() template of the temp dir; a test may name its own. */
#ifndef CONFIG_TEST_TMPDIR
#define CONFIG_TEST_TMPDIR "/tmp/test_config.XXXXXX"
#endif

static char tmpdir[64];

struct loaded {
	char path[256];
	struct config *c;
	struct config_errors errs;
	int r;
};

static inline void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static inline void load_text(struct loaded *l, const char *name, const char *text)
{
	*l = (struct loaded){ .r = 1 };
	snprintf(l->path, sizeof(l->path), "%s/%s.yaml", tmpdir, name);
	write_file(l->path, text, strlen(text));
	l->r = config_load(l->path, &l->c, &l->errs);
}

static inline void loaded_done(struct loaded *l)
{
	l->c = config_free(l->c);
	config_errors_done(&l->errs);
}

static inline void print_errors(const struct loaded *l)
{
	for (size_t i = 0; i < l->errs.n; i++)
		print_message("  %s\n", l->errs.lines[i]);
}

/* Does a line read "PATH: ...<needle>..." or "PATH:LINE:COL: ...<needle>..."?
 * A needle may start with the position: "4:5: services.web.x: ...". */
static inline bool has_error(const struct loaded *l, const char *needle)
{
	size_t plen = strlen(l->path);

	for (size_t i = 0; i < l->errs.n; i++) {
		const char *line = l->errs.lines[i], *rest = line + plen;

		if (strncmp(line, l->path, plen) != 0)
			continue;
		if (rest[0] == ':' && rest[1] >= '1' && rest[1] <= '9')
			rest++; /* "LINE:COL: ..." */
		else if (strncmp(rest, ": ", 2) == 0)
			rest += 2;
		else
			continue;
		if (strstr(rest, needle))
			return true;
	}
	return false;
}

static inline void assert_has_error(const struct loaded *l, const char *needle)
{
	if (!has_error(l, needle)) {
		print_message("no error containing \"%s\" in:\n", needle);
		print_errors(l);
		fail();
	}
}

/* The file is rejected with -EINVAL and an error line containing needle. */
static inline void expect_error(const char *name, const char *text, const char *needle)
{
	struct loaded l;

	load_text(&l, name, text);
	assert_int_equal(l.r, -EINVAL);
	assert_null(l.c);
	assert_has_error(&l, needle);
	loaded_done(&l);
}

/* The file is rejected with -EINVAL, no struct, and exactly n error lines,
 * one containing each of want[] (in any order). l stays loaded for more
 * checks; the caller ends it with loaded_done(). */
static inline void expect_errors(struct loaded *l, const char *name, const char *text,
				 const char *const *want, size_t n)
{
	load_text(l, name, text);
	assert_int_equal(l->r, -EINVAL);
	assert_null(l->c);
	for (size_t i = 0; i < n; i++)
		assert_has_error(l, want[i]);
	assert_int_equal(l->errs.n, n);
}

static inline struct config *expect_valid(struct loaded *l, const char *name, const char *text)
{
	load_text(l, name, text);
	if (l->r != 0) {
		print_message("load failed with %d:\n", l->r);
		print_errors(l);
		fail();
	}
	assert_int_equal(l->errs.n, 0);
	assert_non_null(l->c);
	return l->c;
}

static inline int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s", CONFIG_TEST_TMPDIR);
	return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int group_teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;

	(void)state;
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	return rmdir(tmpdir);
}

/* The shipped example, loaded as it is (the test runs from the project root;
 * it is skipped where the file is missing). Any error line is printed, the
 * load must succeed; the caller ends l with loaded_done(). */
static inline struct config *load_example(struct loaded *l)
{
	*l = (struct loaded){ .r = 1 };
	if (access("configs/example.yaml", R_OK) < 0)
		skip();
	snprintf(l->path, sizeof(l->path), "%s", "configs/example.yaml");
	l->r = config_load(l->path, &l->c, &l->errs);
	print_errors(l);
	assert_int_equal(l->r, 0);
	return l->c;
}

#if defined(CONFIG_TEST_ALLOC_FAILURES) && defined(__SANITIZE_ADDRESS__)
/* ASan owns malloc in the sanitizer build: there the allocation-failure
 * test skips, and ASan checks the normal paths for leaks instead. */
static inline void check_allocation_failures(const char *name, const char *text)
{
	(void)name;
	(void)text;
	skip();
}
#elif defined(CONFIG_TEST_ALLOC_FAILURES)
/*
 * Allocation failure: malloc and friends are replaced for the whole binary
 * (glibc supports this; hence not static, and only for the test that asks)
 * and made to fail at the n-th call inside config_load(), for every n until
 * the load succeeds. Each run must end in -ENOMEM or the normal result, hand
 * out no struct on failure, and free all it allocated.
 */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static long fail_countdown = -1; /* < 0: never fail */
static bool fail_hit;
static long live_allocs;

static inline bool fail_now(void)
{
	if (fail_countdown < 0 || fail_countdown-- > 0)
		return false;
	fail_hit = true;
	return true;
}

void *malloc(size_t n)
{
	void *p = fail_now() ? NULL : __libc_malloc(n);

	live_allocs += p != NULL;
	return p;
}

void *calloc(size_t n, size_t size)
{
	void *p = fail_now() ? NULL : __libc_calloc(n, size);

	live_allocs += p != NULL;
	return p;
}

void *realloc(void *old, size_t n)
{
	void *p;

	if (n == 0) {
		live_allocs -= old != NULL;
		__libc_free(old);
		return NULL;
	}
	p = fail_now() ? NULL : __libc_realloc(old, n);
	live_allocs += p && !old;
	return p;
}

void free(void *p)
{
	live_allocs -= p != NULL;
	__libc_free(p);
}

/* Loads text (as name) once for the normal result, then again failing the
 * n-th allocation for n = 0, 1, ... until a load runs without a failure.
 * Keep users and groups out of text: NSS keeps caches of its own. */
static inline void check_allocation_failures(const char *name, const char *text)
{
	struct config_errors errs = { .n = 0 };
	struct config *c = NULL;
	struct loaded l;
	long base;
	int want, n;

	load_text(&l, name, text);
	want = l.r;
	loaded_done(&l);
	base = live_allocs;
	for (n = 0; n < 100000; n++) {
		int r;

		fail_hit = false;
		fail_countdown = n;
		r = config_load(l.path, &c, &errs);
		fail_countdown = -1;
		if (!fail_hit) {
			assert_int_equal(r, want);
			c = config_free(c);
			config_errors_done(&errs);
			break;
		}
		if (r != -ENOMEM && r != want) {
			print_message("allocation %d failed: %d, %s\n", n, r,
				      errs.n ? errs.lines[0] : "");
			fail();
		}
		if (r < 0)
			assert_null(c);
		c = config_free(c);
		config_errors_done(&errs);
		assert_int_equal(live_allocs, base);
	}
	assert_true(n > 10 && n < 100000);
	assert_int_equal(live_allocs, base);
}
#endif
