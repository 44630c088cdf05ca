/* SPDX-License-Identifier: MIT */
/*
 * xorshift.h: the seeded generator of the tests and benches (Marsaglia's
 * xorshift64): series that are noisy yet the same on every run. Not for
 * anything that needs secrecy.
 */
#pragma once

#include <stdint.h>

static inline uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}
