/* SPDX-License-Identifier: MIT */
/*
 * fault.c: the wrappers behind tests/fault.h. Each one asks should_fail()
 * and either sets errno and returns failure as libc would, or calls the
 * real function (__real_X, resolved by the linker's --wrap).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fault.h"

struct fault {
	bool armed;
	char suffix[256];
	bool any_path;
	unsigned skip, count, seen_matching;
	int err;
	unsigned hits, calls;
};

static struct fault faults[_FAULT_CALL_MAX];

void fault_arm(enum fault_call call, const char *suffix, unsigned skip, unsigned count, int err)
{
	struct fault *f = &faults[call];
	*f = (struct fault){ .armed = true, .any_path = !suffix, .skip = skip, .count = count,
			     .err = err < 0 ? -err : err, .calls = f->calls, .hits = f->hits };
	if (suffix)
		snprintf(f->suffix, sizeof(f->suffix), "%s", suffix);
}

void fault_reset(void)
{
	memset(faults, 0, sizeof(faults));
}

unsigned fault_hits(enum fault_call call) { return faults[call].hits; }
unsigned fault_calls(enum fault_call call) { return faults[call].calls; }

static bool matches(const struct fault *f, const char *path)
{
	if (f->any_path)
		return true;
	if (!path)
		return false;
	size_t n = strlen(path), m = strlen(f->suffix);
	return n >= m && !strcmp(path + n - m, f->suffix);
}

/* True when this call is to fail (errno is then set). */
static bool should_fail(enum fault_call call, const char *path)
{
	struct fault *f = &faults[call];
	f->calls++;
	if (!f->armed || !matches(f, path))
		return false;
	if (f->seen_matching++ < f->skip)
		return false;
	if (f->count && f->seen_matching > f->skip + f->count)
		return false;
	f->hits++;
	errno = f->err;
	return true;
}

int fault_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3;   /* ".", ".." and the directory's own fd */
}

int __real_pipe2(int fds[2], int flags);
int __wrap_pipe2(int fds[2], int flags)
{
	return should_fail(FAULT_PIPE2, NULL) ? -1 : __real_pipe2(fds, flags);
}

FILE *__real_fdopen(int fd, const char *mode);
FILE *__wrap_fdopen(int fd, const char *mode)
{
	return should_fail(FAULT_FDOPEN, NULL) ? NULL : __real_fdopen(fd, mode);
}

DIR *__real_fdopendir(int fd);
DIR *__wrap_fdopendir(int fd)
{
	return should_fail(FAULT_FDOPENDIR, NULL) ? NULL : __real_fdopendir(fd);
}

int __real_mkdirat(int dirfd, const char *path, mode_t mode);
int __wrap_mkdirat(int dirfd, const char *path, mode_t mode)
{
	return should_fail(FAULT_MKDIRAT, path) ? -1 : __real_mkdirat(dirfd, path, mode);
}

int __real_openat(int dirfd, const char *path, int flags, ...);
int __wrap_openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return should_fail(FAULT_OPENAT, path) ? -1 : __real_openat(dirfd, path, flags, mode);
}

ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	return should_fail(FAULT_WRITE, NULL) ? -1 : __real_write(fd, buf, n);
}

int __real_inotify_add_watch(int fd, const char *path, uint32_t mask);
int __wrap_inotify_add_watch(int fd, const char *path, uint32_t mask)
{
	return should_fail(FAULT_INOTIFY_ADD_WATCH, path) ? -1 : __real_inotify_add_watch(fd, path, mask);
}

/* syscall(2) is variadic; every syscall takes at most six word-sized
 * arguments, so six are passed on whatever the caller gave. */
long __real_syscall(long nr, ...);
long __wrap_syscall(long nr, ...)
{
	va_list ap;
	long a[6];
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_clone3 && should_fail(FAULT_CLONE3, NULL))
		return -1;
	return __real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* The clone3 of CLONE_VM children (kernel/clone3_vm.h) answers -errno.
 * Weak: the tests of layers below kernel link no clone3_vm. */
struct clone_args;
long __real_clone3_vm(struct clone_args *args, size_t size, int (*fn)(void *), void *arg) __attribute__((weak));
long __wrap_clone3_vm(struct clone_args *args, size_t size, int (*fn)(void *), void *arg)
{
	if (should_fail(FAULT_CLONE3, NULL))
		return -errno;
	return __real_clone3_vm(args, size, fn, arg);
}

int __real_fcntl(int fd, int cmd, ...);
int __wrap_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);   /* an int or a pointer: passed on as a word */
	va_end(ap);
	return should_fail(FAULT_FCNTL, NULL) ? -1 : __real_fcntl(fd, cmd, arg);
}

int __real_socket(int domain, int type, int protocol);
int __wrap_socket(int domain, int type, int protocol)
{
	return should_fail(FAULT_SOCKET, NULL) ? -1 : __real_socket(domain, type, protocol);
}

int __real_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int __wrap_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	return should_fail(FAULT_ACCEPT4, NULL) ? -1 : __real_accept4(fd, addr, len, flags);
}

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return should_fail(FAULT_OPEN, path) ? -1 : __real_open(path, flags, mode);
}
