/* SPDX-License-Identifier: MIT */
/*
 * loop_source.c: the loop's source table: ids with generations, lookup,
 * dispatch of an event to its callback, and the end of a write. The
 * backends (loop_uring.c, loop_epoll.c) call in here with the id a kernel
 * event carries; see loop.c for why ids carry generations.
 */
#include <errno.h>
#include <poll.h>

#include "kernel/loop_source.h"

int loop_lookup(const struct loop *l, loop_id id, size_t *ret_slot)
{
	uint64_t slot1 = id & 0xffffffffu;

	if (slot1 == 0 || slot1 > l->n_slots)
		return -ENOENT;
	const struct loop_source *s = &l->sources[slot1 - 1];
	if (!s->live || s->generation != (uint32_t)(id >> 32))
		return -ENOENT;
	*ret_slot = slot1 - 1;
	return 0;
}

void loop_dispatch(struct loop *l, loop_id id, uint32_t revents)
{
	size_t slot;

	if (loop_lookup(l, id, &slot) < 0)
		return;
	struct loop_source *s = &l->sources[slot];
	if (s->is_write)
		return;
	/*
	 * An event produced before loop_modify() may report bits no longer
	 * asked for; errors and hangups are always of interest.
	 */
	revents &= s->events | POLLERR | POLLHUP | POLLNVAL;
	if (revents)
		s->fn(l, s->fd, revents, s->userdata);
}

/* Frees a caller slot; the backend has already let go of it. */
void loop_slot_release(struct loop *l, size_t slot)
{
	struct loop_source *s = &l->sources[slot];

	s->live = false;
	s->is_write = false;
	s->fn = NULL;
	s->write_fn = NULL;
	s->userdata = NULL;
	s->fd = -EBADF;
	l->free_slots[l->n_free++] = (uint32_t)slot;
	l->n_sources--;
}

void loop_complete_write(struct loop *l, loop_id id, int64_t res)
{
	size_t slot;

	if (loop_lookup(l, id, &slot) < 0 || !l->sources[slot].is_write)
		return;
	loop_write_fn fn = l->sources[slot].write_fn;
	void *userdata = l->sources[slot].userdata;
	loop_slot_release(l, slot);
	fn(l, res, userdata);
}
