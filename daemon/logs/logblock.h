/* SPDX-License-Identifier: MIT */
/*
 * logblock.h: the framer's fast path. A stream with no work per line (no
 * timestamps, rate limit, forward or follower, no drop to mark, not in
 * the middle of a line) moves every whole line at the ring's head that
 * fits the staging buffer in one copy; the slow path (logpump.c's frame)
 * takes what is left: a line longer than a piece, the part of the ring
 * past its wrap, the stream's last bytes at EOF.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "logs/logstream.h"

/* Moves a block of whole lines from the ring to the staging buffer and
 * the tail, counting them; false when it moved nothing. *rt is the
 * framing pass's receive time (read here if still 0). */
bool logblock_frame(struct logstream *s, uint64_t *rt);
