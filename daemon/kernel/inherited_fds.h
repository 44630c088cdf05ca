/* SPDX-License-Identifier: MIT */
/*
 * inherited_fds.h: the pipes a daemon passes to its own next image across
 * exec (`reexec`): every instance's output pipe, whose read end staying
 * open is what keeps a writing service from EPIPE while the new image
 * starts. Found by inode, which the instance's record names; whatever
 * else was inherited above stderr is closed.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct inherited_fd {
	uint64_t ino;
	int fd;
};

struct inherited_fds {
	struct inherited_fd *v;
	size_t n;
};

/* Keeps every pipe above stderr (close-on-exec from now on), closes the
 * rest. */
int inherited_fds_collect(struct inherited_fds *ret);
/* The pipe with this inode, handed over (-ENOENT: none). */
int inherited_fds_take(struct inherited_fds *f, uint64_t ino);
/* Closes what nobody took. */
void inherited_fds_done(struct inherited_fds *f);
