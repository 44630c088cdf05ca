/* SPDX-License-Identifier: MIT */
/*
 * loop.c: the backend-independent half of the event loop: adding and
 * removing sources, the deadline heap on one timerfd, and loop_run. The
 * source table itself (lookup by id, dispatch) is loop_source.c, which the
 * backends call.
 *
 * Why generations: a callback may remove any source (its own included) and
 * the caller may then close the fd and free the userdata at once, while the
 * kernel may already have queued an event for it (a CQE in the ring, an entry
 * later in the same epoll_wait batch). Every event carries the loop_id it was
 * registered with, and loop_dispatch() runs a callback only when that id
 * still names a live slot. Reusing the slot bumps the generation, so even a
 * new source on the same fd number never sees its predecessor's events.
 *
 * Why one timerfd: every deadline of the daemon (backoff, grace, probes)
 * lives in one heap; the timerfd is set, absolute, to the earliest one and
 * disarmed when there is none, so an idle loop never wakes up.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "basic/log.h"
#include "kernel/loop_epoll.h"
#include "kernel/loop_source.h"
#include "kernel/loop_uring.h"
#include "basic/macro.h"
#include "basic/pages.h"
#include "basic/string_table.h"

static const char *const loop_backend_table[_LOOP_BACKEND_MAX] = {
	[LOOP_BACKEND_AUTO] = "auto",
	[LOOP_BACKEND_URING] = "uring",
	[LOOP_BACKEND_EPOLL] = "epoll",
};

DEFINE_STRING_TABLE_LOOKUP(loop_backend, enum loop_backend)

const char *loop_backend_name(const struct loop *l)
{
	return l->ops->name;
}

int loop_uring_error(const struct loop *l)
{
	return l->uring_error;
}

/*
 * The next caller slot: the last released, else the lowest never used
 * (slot 0 first). The table is sized for every source of the instance
 * capacity (twice the configured instances) and calloc'd, so the slots
 * never reached are pages never touched: no memory until used (docs/
 * design.md, "Memory per instance"). False: none left.
 */
static bool slot_peek(const struct loop *l, size_t *ret)
{
	if (l->n_free > 0)
		*ret = l->free_slots[l->n_free - 1];
	else if (l->n_fresh < l->n_slots - 1)
		*ret = l->n_fresh;
	else
		return false;
	return true;
}

/* The slot slot_peek() gave is live now. */
static void slot_taken(struct loop *l)
{
	if (l->n_free > 0)
		l->n_free--;
	else
		l->n_fresh++;
	l->n_sources++;
}

/* Fills a slot and asks the backend to watch it; the slot is live on success. */
static int slot_attach(struct loop *l, size_t slot, int fd, uint32_t events, loop_io_fn fn,
		       void *userdata)
{
	struct loop_source *s = &l->sources[slot];

	s->fd = fd;
	s->events = events;
	s->fn = fn;
	s->userdata = userdata;
	s->generation++;
	s->live = true;
	int r = l->ops->add(l, slot);
	if (r < 0) {
		s->live = false;
		s->fn = NULL;
		s->userdata = NULL;
	}
	return r;
}

int loop_add(struct loop *l, int fd, uint32_t events, loop_io_fn fn, void *userdata, loop_id *ret)
{
	if (fd < 0 || !fn || events == 0)
		return -EINVAL;
	/* The io_uring backend would only learn of a bad fd from a CQE. */
	if (fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	size_t slot;
	if (!slot_peek(l, &slot))
		return -ENOSPC;
	int r = slot_attach(l, slot, fd, events, fn, userdata);
	if (r < 0)
		return r;
	slot_taken(l);
	if (ret)
		*ret = loop_slot_id(l, slot);
	return 0;
}

int loop_modify(struct loop *l, loop_id id, uint32_t events)
{
	size_t slot;

	if (events == 0)
		return -EINVAL;
	int r = loop_lookup(l, id, &slot);
	if (r < 0)
		return r;
	uint32_t old = l->sources[slot].events;
	if (old == events)
		return 0;
	l->sources[slot].events = events;
	r = l->ops->modify(l, slot);
	if (r < 0)
		l->sources[slot].events = old;
	return r;
}

void loop_remove(struct loop *l, loop_id id)
{
	size_t slot;

	if (id == LOOP_ID_NONE || loop_lookup(l, id, &slot) < 0)
		return;
	/* The timerfd's slot is the loop's own, never a caller's to remove. */
	if (slot == l->n_slots - 1)
		return;
	l->ops->remove(l, slot);
	loop_slot_release(l, slot);
}

/* A slot for one write or splice in flight on fd: submit() queues it. */
static int start_io(struct loop *l, int fd, loop_write_fn fn, void *userdata,
		    int (*submit)(struct loop *l, size_t slot, const void *buf, int in_fd, size_t n),
		    const void *buf, int in_fd, size_t n)
{
	if (!submit)
		return -EOPNOTSUPP;
	if (fd < 0 || !fn)
		return -EINVAL;
	size_t slot;
	if (!slot_peek(l, &slot))
		return -ENOSPC;
	struct loop_source *s = &l->sources[slot];
	*s = (struct loop_source){ .fd = fd, .generation = s->generation + 1, .live = true,
				   .is_write = true, .write_fn = fn, .userdata = userdata };
	int r = submit(l, slot, buf, in_fd, n);
	if (r < 0) {
		*s = (struct loop_source){ .fd = -EBADF, .generation = s->generation };
		return r;
	}
	slot_taken(l);
	return 0;
}

int loop_write(struct loop *l, int fd, const void *buf, size_t n, loop_write_fn fn, void *userdata)
{
	return start_io(l, fd, fn, userdata, l->ops->write, buf, -EBADF, n);
}

int loop_splice(struct loop *l, int in_fd, int out_fd, size_t n, loop_write_fn fn, void *userdata)
{
	if (in_fd < 0)
		return -EINVAL;
	return start_io(l, out_fd, fn, userdata, l->ops->splice, NULL, in_fd, n);
}

size_t loop_n_sources(const struct loop *l)
{
	return l->n_sources;
}

/* ---- timers ---- */

void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *userdata)
{
	*t = (struct loop_timer){
		.heap_index = SIZE_MAX,
		.fn = fn,
		.userdata = userdata,
	};
}

int loop_timer_start(struct loop *l, struct loop_timer *t, uint64_t due_ns)
{
	if (!t->fn)
		return -EINVAL;
	/*
	 * While expired timers are being run, a timer (re)started at or before
	 * that expiry's "now" would be popped again in the same pass; a timer
	 * re-arming itself in the past would spin forever. Push it just past
	 * the cutoff: it fires on the next iteration, as a past deadline should.
	 */
	if (l->timers_running && due_ns <= l->timer_cutoff_ns)
		due_ns = l->timer_cutoff_ns + 1;
	if (loop_timer_armed(t)) {
		t->due_ns = due_ns;
		heap_update(&l->timers, t);
		return 0;
	}
	if (l->timers.n >= l->timers.cap)
		return -ENOSPC;
	t->due_ns = due_ns;
	return heap_push(&l->timers, t);
}

void loop_timer_stop(struct loop *l, struct loop_timer *t)
{
	heap_remove(&l->timers, t);
}

/* Sets the timerfd to the earliest deadline, or disarms it; lazily, once per wait. */
static int timerfd_sync(struct loop *l)
{
	struct loop_timer *top = heap_peek(&l->timers);
	/* it_value 0 would disarm, so a deadline of 0 is set as 1 ns. */
	uint64_t want = top ? MAX(top->due_ns, 1u) : 0;

	if (want == l->timer_armed_ns)
		return 0;
	struct itimerspec its = {
		.it_value = {
			.tv_sec = (time_t)(want / NSEC_PER_SEC),
			.tv_nsec = (long)(want % NSEC_PER_SEC),
		},
	};
	int r = RET_NERRNO(timerfd_settime(l->timer_fd, TFD_TIMER_ABSTIME, &its, NULL));
	if (r < 0)
		return r;
	l->timer_armed_ns = want;
	return 0;
}

static void timerfd_fired(struct loop *l, int fd, uint32_t revents _unused_,
			  void *userdata _unused_)
{
	uint64_t expirations;

	/*
	 * EAGAIN: the timerfd was re-set after it fired and before this read;
	 * the heap below is the truth either way. A successful read means the
	 * one-shot timer is spent, so the next sync must set it again.
	 */
	if (read(fd, &expirations, sizeof(expirations)) == (ssize_t)sizeof(expirations))
		l->timer_armed_ns = 0;

	l->timer_cutoff_ns = now_ns();
	l->timers_running = true;
	for (;;) {
		struct loop_timer *t = heap_peek(&l->timers);
		if (!t || t->due_ns > l->timer_cutoff_ns)
			break;
		heap_remove(&l->timers, t);
		/* t may be freed by its callback; it is not touched afterwards. */
		t->fn(l, t->userdata);
	}
	l->timers_running = false;
}

/* ---- life cycle ---- */

static int loop_setup(struct loop *l, enum loop_backend backend)
{
	int r;

	if (backend != LOOP_BACKEND_EPOLL) {
		l->ops = &loop_uring_ops;
		r = l->ops->init(l);
		if (r >= 0)
			return 0;
		if (backend == LOOP_BACKEND_URING ||
		    (r != -EPERM && r != -ENOSYS && r != -ENOMEM))
			return r;
		l->uring_error = r;
		log_info("io_uring unavailable (%s): the epoll backend", strerror(-r));
	}
	l->ops = &loop_epoll_ops;
	return l->ops->init(l);
}

int loop_new(enum loop_backend backend, size_t max_sources, size_t max_timers, struct loop **ret)
{
	if (max_sources == 0 || max_sources > LOOP_SOURCES_MAX || max_timers > LOOP_TIMERS_MAX)
		return -EINVAL;
	if (backend != LOOP_BACKEND_AUTO && backend != LOOP_BACKEND_URING &&
	    backend != LOOP_BACKEND_EPOLL)
		return -EINVAL;

	struct loop *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->timer_fd = -EBADF;
	l->n_slots = max_sources + 1;
	l->sources = pages_alloc(l->n_slots, sizeof(*l->sources));
	l->free_slots = pages_alloc(max_sources, sizeof(*l->free_slots));
	int r = (!l->sources || !l->free_slots) ? -ENOMEM : heap_init(&l->timers, max_timers);
	if (r < 0)
		goto fail;
	/* Slots are handed out from 0 up (slot_peek): none is touched here. */

	r = RET_NERRNO(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
	if (r < 0)
		goto fail;
	l->timer_fd = r;

	r = loop_setup(l, backend);
	if (r < 0)
		goto fail;
	r = slot_attach(l, l->n_slots - 1, l->timer_fd, POLLIN, timerfd_fired, NULL);
	if (r < 0)
		goto fail;
	*ret = l;
	return 0;
fail:
	loop_free(l);
	return r;
}

struct loop *loop_free(struct loop *l)
{
	if (!l)
		return NULL;
	/* The backend goes first: it may still reference the timerfd. */
	if (l->ops && l->backend)
		l->ops->done(l);
	safe_close(l->timer_fd);
	heap_done(&l->timers);
	pages_free(l->free_slots, l->n_slots - 1, sizeof(*l->free_slots));
	pages_free(l->sources, l->n_slots, sizeof(*l->sources));
	free(l);
	return NULL;
}

/* ---- running ---- */

int loop_run(struct loop *l)
{
	int r = 0;

	while (!l->quit) {
		r = timerfd_sync(l);
		if (r < 0)
			break;
		r = l->ops->wait(l);
		if (r < 0)
			break;
	}
	/* A quit requested before loop_run() ends it at once; then it is spent. */
	l->quit = false;
	return r;
}

void loop_quit(struct loop *l)
{
	l->quit = true;
}

uint64_t loop_wakeups(const struct loop *l)
{
	return l->wakeups;
}
