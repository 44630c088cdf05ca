/* SPDX-License-Identifier: MIT */
/*
 * logfile_test_util.h: the fixture of test_logfile.c and test_logdir.c: a
 * temp directory (and a tmpfs for the full-disk case), and small file
 * helpers.
 */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "logs/logfile.h"
#include "basic/macro.h"

struct fx {
	char tmp[64];
	char path[128];   /* tmp/logs */
	char mnt[128];    /* tmp/mnt when a tmpfs is mounted there */
	bool mounted;
	int dirfd;
};

static inline int rm_one(const char *p, _unused_ const struct stat *st, _unused_ int flag,
		  _unused_ struct FTW *ftw)
{
	return remove(p);
}

static inline int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	strcpy(fx->tmp, "/tmp/rv-logfile-XXXXXX");
	assert_non_null(mkdtemp(fx->tmp));
	snprintf(fx->path, sizeof(fx->path), "%s/logs", fx->tmp);
	assert_int_equal(logdir_open(fx->path, &fx->dirfd), 0);
	*state = fx;
	return 0;
}

static inline int teardown(void **state)
{
	struct fx *fx = *state;

	safe_close(fx->dirfd);
	if (fx->mounted)
		(void)umount2(fx->mnt, MNT_DETACH);
	(void)nftw(fx->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* Contents of dirfd/name as a string ("" up to 4095 bytes), NULL if absent. */
static inline char *slurp(int dirfd, const char *name)
{
	static char buf[4096];
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static inline bool exists(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static inline void put_file(int dirfd, const char *name, const char *text)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

static inline void write_str(struct logfile *lf, const char *s)
{
	assert_int_equal(logfile_write(lf, s, strlen(s)), (ssize_t)strlen(s));
}

