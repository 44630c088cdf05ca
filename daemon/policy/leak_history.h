/* SPDX-License-Identifier: MIT */
/*
 * leak_history.h: the samples of one instance that leak verdicts read
 * (leak.h). Pure: no syscalls, no clock.
 *
 * A history is a ring of 16-byte samples whose capacity is set at creation
 * (window / sample period + 2, at most LEAK_HISTORY_MAX): the time is kept
 * relative to the history's origin, memory in KiB. The array behind it
 * starts at LEAK_HISTORY_FIRST samples and doubles as they come, up to
 * the capacity.
 */
#pragma once

#include <errno.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEAK_HISTORY_MAX 4096   /* samples per instance, whatever the config */
#define LEAK_HISTORY_FIRST 8    /* samples allocated at first; doubled as needed */

enum leak_series { LEAK_FDS, LEAK_THREADS, LEAK_MEMORY, _LEAK_SERIES_MAX, _LEAK_SERIES_INVALID = -EINVAL };

/* What the daemon measured at one time (memory in bytes). */
struct leak_point {
	uint64_t t_ms;
	uint32_t fds;
	uint32_t threads;
	uint64_t memory;
};

/* What the ring keeps of it: 16 bytes. */
struct leak_sample {
	uint32_t t;                          /* ms since the history's origin */
	uint32_t v[_LEAK_SERIES_MAX];        /* memory in KiB */
};

struct leak_history {
	struct leak_sample *s;               /* cap entries */
	uint32_t cap, head, n;               /* ring: the newest is s[(head + n - 1) % cap] */
	uint32_t alloc;                      /* entries allocated: < cap only while n <= alloc, head 0 */
	uint64_t origin_ms;                  /* t of the first sample (moved on, never past it, for the 32-bit offsets) */
	uint64_t start_ms;                   /* t of the first sample since the reset */
	bool evicted;                        /* samples fell out of the ring: evicted_max holds */
	uint32_t evicted_max[_LEAK_SERIES_MAX];
	uint32_t run[_LEAK_SERIES_MAX];      /* the newest samples equal to the newest, counting it (<= n) */
};

/* -ENOMEM, or -EINVAL for cap 0 or above LEAK_HISTORY_MAX. */
int leak_history_init(struct leak_history *h, uint32_t cap);
void leak_history_done(struct leak_history *h);
void leak_history_add(struct leak_history *h, const struct leak_point *p);
size_t leak_history_len(const struct leak_history *h);
/* The i-th oldest sample (0 = oldest), its absolute time and one value. */
const struct leak_sample *leak_history_at(const struct leak_history *h, size_t i);
uint64_t leak_history_t_ms(const struct leak_history *h, size_t i);
uint32_t leak_history_value(const struct leak_history *h, size_t i, enum leak_series k);
void leak_history_reset(struct leak_history *h);
/* Whether series k has one value over the whole history: every sample in
 * the ring is the newest, and nothing evicted was below it. Such a series
 * makes no new high, so its verdict needs no scan (leak_judge()). O(1). */
bool leak_history_flat(const struct leak_history *h, enum leak_series k);
