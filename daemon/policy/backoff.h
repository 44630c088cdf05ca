/* SPDX-License-Identifier: MIT */
/*
 * backoff.h: restart delay and the crash-loop breaker (DESIGN.md section 4).
 * Pure functions over plain data, no clock and no randomness of their own,
 * so that they can be tested exactly.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * delay = min(max, initial * 2^n), then "equal jitter": the result lies in
 * [delay/2, delay], chosen by `rnd`, so that instances that crashed together
 * do not restart in lock-step. Saturates instead of overflowing.
 */
uint64_t backoff_delay_ms(uint64_t initial_ms, uint64_t max_ms, unsigned n, uint32_t rnd);

/*
 * The breaker remembers the times of the last (max_restarts + 1) restarts in
 * a ring allocated on first use (so an instance that never crashes costs
 * nothing). It opens when more than max_restarts restarts fall inside the
 * window. max_restarts == 0 disables it.
 */
#define BREAKER_MAX_RESTARTS 10000   /* = CONFIG_MAX_RESTARTS */

struct breaker {
	uint64_t *times;
	uint32_t cap, n, head;
};

/* Records a restart at `now_ms`; returns 1 if the breaker is now open, 0 if
 * not, -ENOMEM, or -ERANGE above BREAKER_MAX_RESTARTS. */
int breaker_record(struct breaker *b, uint32_t max_restarts, uint64_t window_ms, uint64_t now_ms);
void breaker_reset(struct breaker *b);   /* forget the history, keep the ring */
void breaker_done(struct breaker *b);
