/* SPDX-License-Identifier: MIT */
/*
 * loop_epoll.c: the epoll backend, used where io_uring is refused (seccomp,
 * kernel.io_uring_disabled) or asked for with --event-backend=epoll.
 *
 * One epoll fd, level-triggered, each registration tagged with its loop_id in
 * data.u64. Registration changes are synchronous (epoll_ctl), so the only
 * stale events are those later in the batch that epoll_wait already returned;
 * loop_dispatch() drops them by generation.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "basic/log.h"
#include "kernel/loop_epoll.h"
#include "basic/macro.h"

/* Events taken per epoll_wait; more ready fds are simply returned next time. */
#define EPOLL_BATCH 64

struct epoll_state {
	int fd;
};

static const struct {
	uint32_t poll, epoll;
} bit_map[] = {
	{ POLLIN, EPOLLIN },   { POLLOUT, EPOLLOUT }, { POLLPRI, EPOLLPRI },
	{ POLLERR, EPOLLERR }, { POLLHUP, EPOLLHUP },
};

static uint32_t poll_to_epoll(uint32_t events)
{
	uint32_t r = 0;

	for (size_t i = 0; i < ELEMENTSOF(bit_map); i++)
		if (events & bit_map[i].poll)
			r |= bit_map[i].epoll;
	return r;
}

static uint32_t epoll_to_poll(uint32_t events)
{
	uint32_t r = 0;

	for (size_t i = 0; i < ELEMENTSOF(bit_map); i++)
		if (events & bit_map[i].epoll)
			r |= bit_map[i].poll;
	return r;
}

static int epoll_init(struct loop *l)
{
	struct epoll_state *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fd = RET_NERRNO(epoll_create1(EPOLL_CLOEXEC));
	if (e->fd < 0) {
		int r = e->fd;
		free(e);
		return r;
	}
	l->backend = e;
	return 0;
}

static void epoll_done(struct loop *l)
{
	struct epoll_state *e = l->backend;

	safe_close(e->fd);
	free(e);
	l->backend = NULL;
}

static int epoll_ctl_slot(struct loop *l, int op, size_t slot)
{
	struct epoll_state *e = l->backend;
	const struct loop_source *s = &l->sources[slot];
	struct epoll_event ev = {
		.events = poll_to_epoll(s->events),
		.data.u64 = loop_slot_id(l, slot),
	};

	return RET_NERRNO(epoll_ctl(e->fd, op, s->fd, &ev));
}

static int epoll_add(struct loop *l, size_t slot)
{
	return epoll_ctl_slot(l, EPOLL_CTL_ADD, slot);
}

static int epoll_modify(struct loop *l, size_t slot)
{
	return epoll_ctl_slot(l, EPOLL_CTL_MOD, slot);
}

static void epoll_remove(struct loop *l, size_t slot)
{
	struct epoll_state *e = l->backend;
	int r = RET_NERRNO(epoll_ctl(e->fd, EPOLL_CTL_DEL, l->sources[slot].fd, NULL));

	/*
	 * EBADF/ENOENT: the caller closed the fd first, which already dropped
	 * the registration (unless the file lives on in a dup; its events then
	 * carry a dead id and are dropped).
	 */
	if (r < 0)
		log_debug("epoll: removing fd %d: %s, ignoring", l->sources[slot].fd, strerror(-r));
}

static int epoll_wait_once(struct loop *l)
{
	struct epoll_state *e = l->backend;
	struct epoll_event evs[EPOLL_BATCH];

	/* No timeout: deadlines arrive through the timerfd like any other fd. */
	int n = epoll_wait(e->fd, evs, EPOLL_BATCH, -1);
	l->wakeups++;
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++)
		loop_dispatch(l, evs[i].data.u64, epoll_to_poll(evs[i].events));
	return 0;
}

const struct loop_ops loop_epoll_ops = {
	.name = "epoll",
	.init = epoll_init,
	.done = epoll_done,
	.add = epoll_add,
	.modify = epoll_modify,
	.remove = epoll_remove,
	.wait = epoll_wait_once,
};
