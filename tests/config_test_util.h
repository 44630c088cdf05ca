/* SPDX-License-Identifier: MIT */
/*
 * config_test_util.h: what the config_load() tests share. Each test binary
 * writes its files to a private temp dir (made and removed by group_setup()
 * and group_teardown()), loads them and checks the struct or the error lines.
 * Header-only, static inline: each test is one translation unit.
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

#include "config.h"
#include "macro.h"

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

/* Does a line read "PATH: <needle>..."? */
static inline bool has_error(const struct loaded *l, const char *needle)
{
	size_t plen = strlen(l->path);

	for (size_t i = 0; i < l->errs.n; i++) {
		const char *line = l->errs.lines[i];

		if (strncmp(line, l->path, plen) == 0 && strncmp(line + plen, ": ", 2) == 0 &&
		    strstr(line + plen + 2, needle))
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

static struct config *expect_valid(struct loaded *l, const char *name, const char *text)
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
