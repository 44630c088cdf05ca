/* SPDX-License-Identifier: MIT */
/*
 * spawn_slots.c: see spawn_slots.h. The slots hold /dev/null between
 * spawns, so no other fd of the daemon ever takes those numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "kernel/spawn_slots.h"

static int slots[SPAWN_SLOTS] = { -1, -1, -1, -1, -1 };
static int null_fd = -1;
static int slots_top = -1;

/* Open 0, 1 and 2 first, so that no pipe or socket of ours takes those
 * numbers: a service's stdout pipe numbered 1 would be dup2'ed onto itself
 * and keep its close-on-exec flag. */
int spawn_slots_prepare(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", O_RDWR | O_CLOEXEC);   /* the lowest free number: fd */
			if (n >= 0 && n != fd)
				close(n);
			else if (n == fd)
				(void)fcntl(fd, F_SETFD, 0);
		}
	return spawn_slots_reserve();
}

int spawn_slots_reserve(void)
{
	int fds[SPAWN_SLOTS + 1];

	if (slots_top >= 0)
		return 0;
	for (int i = 0; i <= SPAWN_SLOTS; i++) {
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);   /* the lowest free number */
		if (fds[i] < 0) {
			int r = -errno;
			while (i-- > 0)
				close(fds[i]);
			return r;
		}
	}
	for (int i = 0; i < SPAWN_SLOTS; i++) {
		slots[i] = fds[i];
		slots_top = fds[i] > slots_top ? fds[i] : slots_top;
	}
	null_fd = fds[SPAWN_SLOTS];
	return 0;
}

const int *spawn_slots(int *top)
{
	*top = slots_top;
	return slots_top >= 0 ? slots : NULL;
}

void spawn_slots_reset(unsigned used)
{
	for (int i = 0; slots_top >= 0 && i < SPAWN_SLOTS; i++)
		if (used & (1U << i))
			(void)dup3(null_fd, slots[i], O_CLOEXEC);
}
