/* SPDX-License-Identifier: MIT */
/*
 * loop_source.h: what loop.c shares with its two backends (loop_uring.c,
 * loop_epoll.c) and with tests/test_loop.c. Nothing else includes it.
 *
 * The source table has n_slots = max_sources + 1 entries; the last one is
 * reserved for the loop's own timerfd, so the timerfd never takes a slot a
 * caller asked for and is not counted by loop_n_sources().
 *
 * A loop_id is (generation << 32 | (slot + 1)). A slot's generation is bumped
 * each time the slot is handed out, so an id names one registration only.
 * Backends tag their kernel requests with the id (epoll: data.u64; io_uring:
 * the id plus a few private bits, see loop_uring.c) and hand every event to
 * loop_dispatch(), which drops it unless the id still names a live source.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/heap.h"
#include "kernel/loop.h"

/*
 * Hard ceiling on max_sources: slot + 1 must fit in the low 24 bits of an id,
 * because the io_uring backend keeps bits 24..31 of its user_data for itself.
 */
#define LOOP_SOURCES_MAX (1u << 20)
#define LOOP_TIMERS_MAX (1u << 20)
#define LOOP_ID_SLOT_MASK 0xffffffu

struct loop_source {
	int fd;
	uint32_t events;        /* poll(2) bits asked for */
	uint32_t generation;
	bool live;
	bool is_write;          /* a loop_write() or loop_splice() in flight, not a poll */
	loop_write_fn write_fn;
	loop_io_fn fn;
	void *userdata;
};

struct loop_ops {
	const char *name;
	/* Sets l->backend; -errno on failure (l->backend left NULL). */
	int (*init)(struct loop *l);
	void (*done)(struct loop *l);
	/* Start watching l->sources[slot] (fd, events already filled in). */
	int (*add)(struct loop *l, size_t slot);
	/* l->sources[slot].events changed; the id stays the same. */
	int (*modify)(struct loop *l, size_t slot);
	/* Stop watching; the slot is still filled in when this is called. */
	void (*remove)(struct loop *l, size_t slot);
	/* Queue a write of buf, or a splice from in_fd, to l->sources[slot]'s
	 * fd (is_write); NULL: not supported. */
	int (*write)(struct loop *l, size_t slot, const void *buf, int in_fd, size_t n);
	int (*splice)(struct loop *l, size_t slot, const void *buf, int in_fd, size_t n);
	/* Block once until something is ready, dispatch it; 0 or fatal -errno. */
	int (*wait)(struct loop *l);
};

struct loop {
	const struct loop_ops *ops;
	void *backend;

	struct loop_source *sources;
	size_t n_slots;          /* max_sources + 1: the last slot is the timerfd's */
	size_t n_sources;        /* live caller sources */
	uint32_t *free_slots;    /* stack of released caller slots, LIFO */
	size_t n_free;
	size_t n_fresh;          /* slots n_fresh.. were never used: taken in order once
	                          * the stack is empty, so untouched pages stay unmapped */

	struct deadline_heap timers;
	int timer_fd;
	uint64_t timer_armed_ns;  /* what the timerfd is set to; 0 = disarmed */
	bool timers_running;
	uint64_t timer_cutoff_ns; /* "now" of the expiry being run */

	bool quit;
	uint64_t wakeups;
	int uring_error;          /* -errno: why auto fell back to epoll; 0 otherwise */
};

static inline loop_id loop_slot_id(const struct loop *l, size_t slot)
{
	return (uint64_t)l->sources[slot].generation << 32 | (uint64_t)(slot + 1);
}

/* Slot of a live source named by id, or -ENOENT (stale, removed or bogus). */
int loop_lookup(const struct loop *l, loop_id id, size_t *ret_slot);

/* Backends call this for every event; stale ids are dropped here. */
void loop_dispatch(struct loop *l, loop_id id, uint32_t revents);

/* Backends call this when a loop_write() finished: frees its slot, then
 * calls its fn. Stale ids are dropped. */
void loop_complete_write(struct loop *l, loop_id id, int64_t res);

/* Frees a caller slot; the backend has already let go of it. */
void loop_slot_release(struct loop *l, size_t slot);
