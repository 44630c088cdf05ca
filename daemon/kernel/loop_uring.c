/* SPDX-License-Identifier: MIT */
/*
 * loop_uring.c: the io_uring backend (liburing 2.3).
 *
 * Each source is one multishot POLL_ADD. Its user_data ("tag") is the
 * source's loop_id with two private fields in bits the id leaves at zero:
 *
 *   63..32 generation | 31 cancel | 30..24 arm sequence | 23..0 slot + 1
 *
 * The arm sequence names one poll request of a source. It matters because a
 * source can be re-armed under the same loop_id (loop_modify, or the kernel
 * ending a multishot poll), and the old request's CQEs, including the
 * -ECANCELED one our own cancel provokes, must then be told apart from the
 * new one's: armed[slot] holds the one tag that may still reach a callback,
 * every other CQE for the slot is stale and dropped. The cancel bit marks
 * the cancel requests themselves, whose CQEs carry no event.
 *
 * Why ASYNC_CANCEL and not POLL_REMOVE: POLL_REMOVE answers -EALREADY and
 * leaves the poll armed when a wakeup for it is pending (task work not yet
 * run, which under DEFER_TASKRUN is the normal state between two waits), so
 * a source removed right after its fd became ready would keep its poll, and
 * the file, until the ring goes away (seen on 6.18). ASYNC_CANCEL marks the
 * poll cancelled and the pending task work completes it with -ECANCELED.
 * A cancel answered -EALREADY anyway is sent again.
 *
 * Multishot poll fires on wakeups (like EPOLLET): a callback that leaves data
 * unread hears about it again only when more arrives. The loop contract
 * (consume the readiness or remove the source) covers this.
 *
 * SQEs are submitted lazily by the next io_uring_submit_and_wait(), so after
 * loop_remove() the kernel drops its reference to the file only then; the
 * loop gets there right after the current batch of callbacks.
 *
 * Children: the ring fd is close-on-exec (io_uring_setup always sets it) and
 * spawn.c creates children with clone3 without CLONE_VM that exec at once,
 * or with CLONE_VM|CLONE_VFORK that share our memory anyway; no child runs
 * code that touches the ring, so io_uring_ring_dontfork() is not needed.
 * With SINGLE_ISSUER|DEFER_TASKRUN the ring also belongs to the thread that
 * created it: any other task gets -EEXIST from io_uring_enter, so the loop
 * must be created after a daemonizing fork, never before.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <liburing.h>

#include "basic/log.h"
#include "kernel/loop_uring.h"
#include "basic/macro.h"
#include "basic/pages.h"

#define URING_SQ_ENTRIES 256u
/* The kernel's own ceiling on CQ entries (IORING_MAX_CQ_ENTRIES). */
#define URING_CQ_MAX 65536u
#define URING_CQ_MIN 1024u
/* CQEs copied out per pass, so callbacks may submit while the CQ is free. */
#define URING_BATCH 64u
/* Submits tried to make room in a full SQ before giving up. */
#define URING_SUBMIT_TRIES 8
/* Seconds loop_free() waits for writes in flight to end. */
#define URING_DRAIN_S 2

#define TAG_SEQ_SHIFT 24
#define TAG_SEQ_MASK 0x7fu
#define TAG_CANCEL (UINT64_C(1) << 31)
#define TAG_PRIVATE (TAG_CANCEL | ((uint64_t)TAG_SEQ_MASK << TAG_SEQ_SHIFT))

struct uring_state {
	struct io_uring ring;
	size_t n_slots;   /* of armed and seq: mapped per page (basic/pages.h) */
	uint64_t *armed;  /* per slot: tag of the poll in flight, 0 = none */
	uint8_t *seq;     /* per slot: last arm sequence used */
};

/* Makes room for n SQEs, submitting what is queued if the SQ is full. */
static int uring_reserve(struct uring_state *u, unsigned n)
{
	for (int i = 0; io_uring_sq_space_left(&u->ring) < n; i++) {
		if (i == URING_SUBMIT_TRIES)
			return -EBUSY;
		int r = io_uring_submit(&u->ring);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY)
			return r;
	}
	return 0;
}

/* Queues a new multishot poll for the slot; the caller reserved the SQE. */
static void uring_arm(struct loop *l, size_t slot)
{
	struct uring_state *u = l->backend;
	const struct loop_source *s = &l->sources[slot];
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	u->seq[slot] = (uint8_t)((u->seq[slot] + 1) & TAG_SEQ_MASK);
	uint64_t tag = loop_slot_id(l, slot) | (uint64_t)u->seq[slot] << TAG_SEQ_SHIFT;
	io_uring_prep_poll_multishot(sqe, s->fd, s->events);
	io_uring_sqe_set_data64(sqe, tag);
	u->armed[slot] = tag;
}

static void uring_prep_cancel(struct uring_state *u, uint64_t tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	io_uring_prep_cancel64(sqe, tag, 0);
	io_uring_sqe_set_data64(sqe, tag | TAG_CANCEL);
}

/* Queues removal of the slot's poll in flight, if any; the caller reserved the SQE. */
static void uring_cancel(struct uring_state *u, size_t slot)
{
	uint64_t tag = u->armed[slot];

	if (tag == 0)
		return;
	u->armed[slot] = 0;
	uring_prep_cancel(u, tag);
}

static int uring_add(struct loop *l, size_t slot)
{
	int r = uring_reserve(l->backend, 1);

	if (r < 0)
		return r;
	uring_arm(l, slot);
	return 0;
}

static int uring_modify(struct loop *l, size_t slot)
{
	/* Both SQEs or neither: a cancel without its re-arm would go deaf. */
	int r = uring_reserve(l->backend, 2);

	if (r < 0)
		return r;
	uring_cancel(l->backend, slot);
	uring_arm(l, slot);
	return 0;
}

/* An sqe for slot's write or splice, tagged so its completion finds it. */
static int io_sqe(struct loop *l, size_t slot, struct io_uring_sqe **ret)
{
	struct uring_state *u = l->backend;
	int r = uring_reserve(u, 1);

	if (r < 0)
		return r;
	struct io_uring_sqe *sqe = *ret = io_uring_get_sqe(&u->ring);
	u->seq[slot] = (uint8_t)((u->seq[slot] + 1) & TAG_SEQ_MASK);
	uint64_t tag = loop_slot_id(l, slot) | (uint64_t)u->seq[slot] << TAG_SEQ_SHIFT;
	io_uring_sqe_set_data64(sqe, tag);
	u->armed[slot] = tag;
	return 0;
}

static int uring_write(struct loop *l, size_t slot, const void *buf, int in_fd, size_t n)
{
	struct io_uring_sqe *sqe;
	int r = io_sqe(l, slot, &sqe);

	(void)in_fd;
	if (r < 0)
		return r;
	/* Offset -1: at the file position, which O_APPEND and pipes need. */
	io_uring_prep_write(sqe, l->sources[slot].fd, buf, (unsigned)MIN(n, (size_t)INT32_MAX),
			    (uint64_t)-1);
	return 0;
}

static int uring_splice(struct loop *l, size_t slot, const void *buf, int in_fd, size_t n)
{
	struct io_uring_sqe *sqe;
	int r = io_sqe(l, slot, &sqe);

	(void)buf;
	if (r < 0)
		return r;
	/* Offsets -1: the pipe has none, the file is written at its position. */
	io_uring_prep_splice(sqe, in_fd, -1, l->sources[slot].fd, -1,
			     (unsigned)MIN(n, (size_t)INT32_MAX), SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	return 0;
}

static void uring_remove(struct loop *l, size_t slot)
{
	struct uring_state *u = l->backend;

	if (u->armed[slot] == 0)
		return;
	if (uring_reserve(u, 1) < 0) {
		/*
		 * The poll stays in the kernel until the ring goes away; its
		 * CQEs no longer match armed[] and are dropped. Only the file
		 * reference outlives the source.
		 */
		u->armed[slot] = 0;
		log_debug("io_uring: no SQE to remove poll on fd %d, ignoring", l->sources[slot].fd);
		return;
	}
	uring_cancel(u, slot);
}

static void uring_handle(struct loop *l, const struct io_uring_cqe *cqe)
{
	struct uring_state *u = l->backend;
	uint64_t tag = cqe->user_data;
	uint64_t slot1 = tag & LOOP_ID_SLOT_MASK;

	if (tag & TAG_CANCEL) {
		/* 0, or -ENOENT if the poll had already ended: done either way. */
		if (cqe->res == -EALREADY && uring_reserve(u, 1) >= 0)
			uring_prep_cancel(u, tag & ~TAG_CANCEL);
		return;
	}
	if (slot1 == 0 || slot1 > l->n_slots)
		return;
	size_t slot = slot1 - 1;
	if (u->armed[slot] != tag)
		return;   /* an earlier poll of this slot: removed or replaced */
	if (l->sources[slot].is_write) {
		u->armed[slot] = 0;
		loop_complete_write(l, tag & ~TAG_PRIVATE, cqe->res);
		return;
	}

	uint32_t revents = cqe->res > 0 ? (uint32_t)cqe->res : 0;
	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		/*
		 * The kernel ended the multishot poll (it could not post a CQE,
		 * or it was cancelled behind our back) while the source is
		 * live: re-arm before the callback, which may remove it. An
		 * error such as -EBADF would only repeat, so it is reported as
		 * POLLERR and the source stays quiet until removed.
		 */
		u->armed[slot] = 0;
		if (cqe->res >= 0 || cqe->res == -ECANCELED) {
			int r = uring_reserve(u, 1);
			if (r >= 0)
				uring_arm(l, slot);
			else
				revents |= POLLERR;
		} else {
			log_debug("io_uring: poll on fd %d failed: %s",
				  l->sources[slot].fd, strerror(-cqe->res));
			revents = POLLERR;
		}
	}
	loop_dispatch(l, tag & ~TAG_PRIVATE, revents);
}

static int uring_wait(struct loop *l)
{
	struct uring_state *u = l->backend;
	struct io_uring_cqe batch[URING_BATCH];

	/* No timeout: deadlines arrive through the timerfd's poll. */
	int r = io_uring_submit_and_wait(&u->ring, 1);
	l->wakeups++;
	/* -EBUSY: CQEs overflowed (kept, IORING_FEAT_NODROP); draining makes room. */
	if (r < 0 && r != -EINTR && r != -EBUSY && r != -EAGAIN)
		return r;

	for (;;) {
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;

		io_uring_for_each_cqe(&u->ring, head, cqe) {
			batch[n++] = *cqe;
			if (n == URING_BATCH)
				break;
		}
		if (n == 0)
			return 0;
		io_uring_cq_advance(&u->ring, n);
		for (unsigned i = 0; i < n; i++)
			uring_handle(l, &batch[i]);
		if (n < URING_BATCH)
			return 0;
	}
}

static unsigned cq_entries_for(size_t n_slots)
{
	/* Two CQEs per source per pass (an event, or a cancel and its answer).
	 * n_slots already has room for every source of twice the configured
	 * instances, and an overflow loses nothing (IORING_FEAT_NODROP, drained
	 * at -EBUSY): four per slot made the ring 1 MiB at 1000 instances,
	 * half a KiB of Pss per instance (docs/design.md, "Memory per instance"). */
	size_t want = MIN(MAX(2 * n_slots, (size_t)URING_CQ_MIN), (size_t)URING_CQ_MAX);
	unsigned cq = URING_CQ_MIN;

	while (cq < want)
		cq <<= 1;
	return cq;
}

static int uring_setup(struct uring_state *u, size_t n_slots)
{
	/* Newest first; each step is what an older kernel refuses with EINVAL. */
	static const unsigned flag_sets[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,   /* 6.1 */
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,       /* 6.1 */
		IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,           /* 5.19 */
		0,
	};
	struct io_uring_params p;
	int r = -EINVAL;

	for (size_t i = 0; i < ELEMENTSOF(flag_sets) && r == -EINVAL; i++) {
		p = (struct io_uring_params){
			.flags = flag_sets[i] | IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP,
			.cq_entries = cq_entries_for(n_slots),
		};
		r = io_uring_queue_init_params(URING_SQ_ENTRIES, &u->ring, &p);
	}
	if (r < 0)
		return r;
	/*
	 * Multishot poll came in 5.13 with IORING_FEAT_RSRC_TAGS; without it
	 * every poll would fail, so report the ring as unusable (epoll takes
	 * over under LOOP_BACKEND_AUTO).
	 */
	if (!(p.features & IORING_FEAT_RSRC_TAGS)) {
		io_uring_queue_exit(&u->ring);
		return -ENOSYS;
	}
	if (!(p.features & IORING_FEAT_NODROP))
		log_debug("io_uring: no IORING_FEAT_NODROP, CQ overflow would lose events");
	log_debug("io_uring: flags 0x%x, sq %u, cq %u", p.flags, p.sq_entries, p.cq_entries);
	return 0;
}

static void uring_free(struct uring_state *u)
{
	pages_free(u->armed, u->n_slots, sizeof(*u->armed));
	pages_free(u->seq, u->n_slots, sizeof(*u->seq));
	free(u);
}

static int uring_init(struct loop *l)
{
	struct uring_state *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->n_slots = l->n_slots;
	u->armed = pages_alloc(l->n_slots, sizeof(*u->armed));
	u->seq = pages_alloc(l->n_slots, sizeof(*u->seq));
	int r = (!u->armed || !u->seq) ? -ENOMEM : uring_setup(u, l->n_slots);
	if (r < 0) {
		uring_free(u);
		return r;
	}
	l->backend = u;
	return 0;
}

/* Writes still in flight (loop_write), by their slots. */
static size_t writes_in_flight(const struct loop *l)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n_slots; i++)
		n += l->sources[i].live && l->sources[i].is_write;
	return n;
}

/*
 * Closing the ring returns before the kernel is done with what was in
 * flight: an io-wq worker may go on reading a write's buffer, which the
 * caller frees right after loop_free(). So writes are cancelled where they
 * can be, and their completions waited for (bounded), without calling
 * anyone back: nobody is left to hear it.
 */
static void drain_writes(struct loop *l, struct uring_state *u)
{
	size_t left = writes_in_flight(l);
	struct __kernel_timespec ts = { .tv_sec = URING_DRAIN_S };
	struct io_uring_cqe *cqe;

	if (left == 0)
		return;
	for (size_t i = 0; i < l->n_slots; i++)
		if (l->sources[i].live && l->sources[i].is_write && uring_reserve(u, 1) >= 0)
			uring_prep_cancel(u, u->armed[i]);
	(void)io_uring_submit(&u->ring);
	while (left > 0 && io_uring_wait_cqe_timeout(&u->ring, &cqe, &ts) == 0) {
		uint64_t tag = cqe->user_data;
		size_t slot = (tag & LOOP_ID_SLOT_MASK) - 1;
		if (!(tag & TAG_CANCEL) && slot < l->n_slots && l->sources[slot].is_write &&
		    u->armed[slot] == tag) {
			u->armed[slot] = 0;
			left--;
		}
		io_uring_cqe_seen(&u->ring, cqe);
	}
	if (left > 0)
		log_debug("io_uring: %zu writes still in flight at exit", left);
}

static void uring_done(struct loop *l)
{
	struct uring_state *u = l->backend;

	drain_writes(l, u);
	/* Exiting the ring cancels every poll still in flight. */
	io_uring_queue_exit(&u->ring);
	uring_free(u);
	l->backend = NULL;
}

int loop_uring_cancel_poll(struct loop *l, loop_id id)
{
	struct uring_state *u = l->backend;
	size_t slot;

	if (l->ops != &loop_uring_ops)
		return -EOPNOTSUPP;
	int r = loop_lookup(l, id, &slot);
	if (r < 0)
		return r;
	if (u->armed[slot] == 0)
		return -ENOENT;
	r = uring_reserve(u, 1);
	if (r < 0)
		return r;
	/* armed[] keeps the tag: the -ECANCELED looks like the kernel ending the poll. */
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	io_uring_prep_cancel64(sqe, u->armed[slot], 0);
	io_uring_sqe_set_data64(sqe, u->armed[slot] | TAG_CANCEL);
	return 0;
}

const struct loop_ops loop_uring_ops = {
	.name = "uring",
	.init = uring_init,
	.done = uring_done,
	.add = uring_add,
	.modify = uring_modify,
	.remove = uring_remove,
	.write = uring_write,
	.splice = uring_splice,
	.wait = uring_wait,
};
