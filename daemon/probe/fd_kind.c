/* SPDX-License-Identifier: MIT */
/*
 * fd_kind.c: what kind of file an fd is, from the target /proc/PID/fd/N
 * links to ("socket:[123]", "pipe:[4]", "anon_inode:[eventfd]", a path).
 */
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/string_table.h"
#include "probe/fd_kind.h"

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

enum fd_kind fd_kind_classify(const char *target, const struct stat *st)
{
	struct stat buf;

	if (!target)
		return FD_OTHER;
	if (has_prefix(target, "socket:["))
		return FD_SOCKET;
	if (has_prefix(target, "pipe:["))
		return FD_PIPE;
	if (has_prefix(target, "anon_inode:"))
		return FD_ANON;
	/* Anything else not a path ("net:[…]", nsfs) is other, whatever its mode. */
	if (target[0] != '/')
		return FD_OTHER;
	if (!st) {
		if (stat(target, &buf) < 0)
			return FD_OTHER;
		st = &buf;
	}
	return S_ISREG(st->st_mode) ? FD_REGULAR : FD_OTHER;
}

enum fd_kind fd_kind_from_link(const char *target) { return fd_kind_classify(target, NULL); }

static const char *const fd_kind_table[_FD_KIND_MAX] = {
	[FD_SOCKET] = "socket", [FD_PIPE] = "pipe",   [FD_REGULAR] = "regular",
	[FD_ANON] = "anon",     [FD_OTHER] = "other",
};

DEFINE_STRING_TABLE_LOOKUP(fd_kind, enum fd_kind)
