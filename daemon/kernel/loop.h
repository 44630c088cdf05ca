/* SPDX-License-Identifier: MIT */
/*
 * loop.h: the one event loop. It owns the io_uring (or epoll) fd, a fixed
 * table of sources and a deadline heap on one timerfd.
 *
 * A source is an fd watched for poll events. It stays armed until removed
 * (multishot poll on io_uring, level-triggered on epoll), so its callback must
 * consume the readiness (read the fd) or remove the source. Sources are named
 * by a loop_id that carries the slot and a generation: a completion that
 * arrives for a slot already removed, or reused, is dropped. It is therefore
 * always safe to remove a source, and free what its callback pointed to,
 * from inside any callback.
 *
 * Timers are intrusive (struct loop_timer lives in its owner); the heap holds
 * pointers, bounded by max_timers. The timerfd is armed only to the earliest
 * deadline, so an idle loop with no timer never wakes.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/time_util.h"

struct loop;

enum loop_backend {
	LOOP_BACKEND_AUTO, LOOP_BACKEND_URING, LOOP_BACKEND_EPOLL,
	_LOOP_BACKEND_MAX, _LOOP_BACKEND_INVALID = -EINVAL,
};

typedef uint64_t loop_id;        /* 0 = none */
#define LOOP_ID_NONE ((loop_id)0)

/* revents are poll(2) bits: POLLIN, POLLOUT, POLLHUP, POLLERR, POLLPRI. */
typedef void (*loop_io_fn)(struct loop *l, int fd, uint32_t revents, void *userdata);
typedef void (*loop_timer_fn)(struct loop *l, void *userdata);

struct loop_timer {
	uint64_t due_ns;          /* CLOCK_MONOTONIC */
	size_t heap_index;        /* SIZE_MAX when not armed */
	loop_timer_fn fn;
	void *userdata;
};

/*
 * max_sources and max_timers bound the tables; loop_add/loop_timer_start fail
 * with -ENOSPC beyond them. With LOOP_BACKEND_AUTO, io_uring is tried first and
 * epoll is used when the ring is refused (EPERM, ENOSYS, ENOMEM).
 */
int loop_new(enum loop_backend backend, size_t max_sources, size_t max_timers, struct loop **ret);
struct loop *loop_free(struct loop *l);
const char *loop_backend_name(const struct loop *l);   /* "uring" or "epoll" */
/* Why auto chose epoll (-EPERM under a runtime's seccomp profile, -ENOSYS,
 * -ENOMEM); 0 when io_uring runs or epoll was asked for. */
int loop_uring_error(const struct loop *l);
const char *loop_backend_to_string(enum loop_backend b);   /* auto uring epoll */
enum loop_backend loop_backend_from_string(const char *s);

int loop_add(struct loop *l, int fd, uint32_t events, loop_io_fn fn, void *userdata, loop_id *ret);
/* Change the watched events (e.g. add POLLOUT while a reply is pending). */
int loop_modify(struct loop *l, loop_id id, uint32_t events);
/* Idempotent; LOOP_ID_NONE is a no-op. Does not close the fd. */
void loop_remove(struct loop *l, loop_id id);
size_t loop_n_sources(const struct loop *l);

/*
 * One write(2) through the ring, for writers that must never block on a disk
 * or a full pipe: io_uring queues IORING_OP_WRITE at the file position (an
 * O_APPEND file or a pipe; one write in flight per fd keeps the order) and
 * calls fn once with the bytes written or -errno. buf must stay valid and
 * unchanged until then; the write holds a source slot. It cannot be
 * cancelled. epoll has no asynchronous write: -EOPNOTSUPP, and the caller
 * writes itself.
 */
typedef void (*loop_write_fn)(struct loop *l, int64_t res, void *userdata);
int loop_write(struct loop *l, int fd, const void *buf, size_t n, loop_write_fn fn, void *userdata);
/* The same for splice(2) from a pipe in_fd to out_fd (IORING_OP_SPLICE at
 * out_fd's file position, which must not be O_APPEND): fn gets the bytes
 * moved (0: every writer of the pipe is gone) or -errno. in_fd must stay
 * open until then. epoll: -EOPNOTSUPP. */
int loop_splice(struct loop *l, int in_fd, int out_fd, size_t n, loop_write_fn fn, void *userdata);

void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *userdata);
int loop_timer_start(struct loop *l, struct loop_timer *t, uint64_t due_ns);  /* re-arms if armed */
void loop_timer_stop(struct loop *l, struct loop_timer *t);                   /* idempotent */
static inline bool loop_timer_armed(const struct loop_timer *t) { return t->heap_index != (size_t)-1; }

/* Runs until loop_quit(); returns 0 or a fatal -errno of the backend. */
int loop_run(struct loop *l);
void loop_quit(struct loop *l);
/* Counts wakeups (returns from the kernel wait), for `status` and benchmarks. */
uint64_t loop_wakeups(const struct loop *l);

