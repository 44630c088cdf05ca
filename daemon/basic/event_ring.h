/* SPDX-License-Identifier: MIT */
/*
 * event_ring.h: the recent events, bounded in count and in bytes (the
 * oldest go first), each as its JSON line with its sequence number, the
 * monotonic time it was kept (for `events --since`) and its service and
 * index (for a TARGET). Readers hold a cursor, the seq of the next event
 * they want, and walk from it; a cursor older than the oldest event kept
 * has fallen behind: what it pointed at is gone.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_entry {
	uint64_t seq;
	uint64_t mono_ns;
	char *service;            /* NULL: the daemon's own event; in the same block */
	int index;                /* -1: no instance */
	size_t len;               /* of line, without NUL or newline */
	char line[];              /* JSON, one line */
};

struct event_ring {
	struct event_entry **slots;
	size_t cap;               /* the count bound */
	size_t head;              /* slot of the oldest */
	size_t n;
	size_t bytes, max_bytes;  /* of the lines kept; the byte bound */
	uint64_t next_seq;        /* the seq the next push must bring */
	uint64_t evicted;         /* events that went to make room */
};

/* Who a reader wants: every event (service NULL), a service's (and the
 * service's own events), or one instance's. */
struct event_filter {
	const char *service;
	int index;                /* -1: every instance */
};

int event_ring_init(struct event_ring *r, size_t max_events, size_t max_bytes);
void event_ring_done(struct event_ring *r);
/*
 * Keeps a copy of line as event seq, evicting the oldest events until both
 * bounds hold. seqs are pushed in order, one after the other; a seq past
 * the next one (a push that failed in between) empties the ring first, so
 * that a cursor never skips a gap unnoticed. -E2BIG when the line alone
 * is over the byte bound, -ENOMEM, -EINVAL for a seq not past the last.
 */
int event_ring_push(struct event_ring *r, uint64_t seq, uint64_t mono_ns, const char *service, int index,
		    const char *line, size_t len);
/* The seq of the oldest event kept (r->next_seq when empty). */
uint64_t event_ring_oldest(const struct event_ring *r);
/* The oldest event kept, or NULL. */
const struct event_entry *event_ring_first(const struct event_ring *r);
/* The seq of the first event kept at or after mono_ns (r->next_seq when none). */
uint64_t event_ring_since(const struct event_ring *r, uint64_t mono_ns);
bool event_filter_match(const struct event_filter *f, const struct event_entry *e);

/* What event_ring_walk() ended on. */
enum event_walk {
	EVENT_WALK_DONE,          /* every event up to `end` was handed on */
	EVENT_WALK_STOPPED,       /* emit asked to stop; *cursor is the event it did not take */
	EVENT_WALK_BEHIND,        /* *cursor is older than the oldest event kept */
};
/*
 * Hands each event from *cursor up to (not including) end that the filter
 * takes to emit, oldest first, moving *cursor past each one taken or
 * skipped. emit returns 0 to go on, anything else to stop before that
 * event.
 */
enum event_walk event_ring_walk(const struct event_ring *r, uint64_t *cursor, uint64_t end,
				const struct event_filter *f,
				int (*emit)(const struct event_entry *e, void *userdata), void *userdata);
