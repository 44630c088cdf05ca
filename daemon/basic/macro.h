/* SPDX-License-Identifier: MIT */
/*
 * macro.h: cleanup attributes and small helpers shared by every module.
 *
 * Ownership rule: a variable declared with a _cleanup_ attribute owns what it
 * holds; TAKE_PTR()/TAKE_FD() hand that ownership on and leave the variable
 * empty, so the cleanup becomes a no-op. The empty fd is -EBADF.
 */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _no_sanitize_address_ __attribute__((no_sanitize_address))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static inline void freep(void *p) { free(*(void **)p); }
#define _cleanup_free_ _cleanup_(freep)

static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		(void)close(fd);
		errno = saved;
	}
	return -EBADF;
}
static inline void closep(int *fd) { *fd = safe_close(*fd); }
#define _cleanup_close_ _cleanup_(closep)

#define TAKE_PTR(p)                                                            \
	({                                                                     \
		__typeof__(p) _p_ = (p);                                       \
		(p) = NULL;                                                    \
		_p_;                                                           \
	})
#define TAKE_FD(fd)                                                            \
	({                                                                     \
		int _fd_ = (fd);                                               \
		(fd) = -EBADF;                                                 \
		_fd_;                                                          \
	})

/* Wrap a libc call that returns -1/errno into the -errno convention. */
#define RET_NERRNO(expr)                                                       \
	({                                                                     \
		long _r_ = (long)(expr);                                       \
		_r_ < 0 ? -errno : (int)_r_;                                   \
	})

#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL
#define USEC_PER_MSEC 1000ULL
