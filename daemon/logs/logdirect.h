/* SPDX-License-Identifier: MIT */
/*
 * logdirect.h: a stream's direct path, from its pipe to its file by
 * splice(2), for a flood (a stream whose pump found its pipe nearly full)
 * whose lines nothing needs (docs/logs.md, "The direct path"): no
 * timestamps, rate limit, forward or follower, a file that takes bytes,
 * and nothing of the framed path's still on its way. A service that writes
 * a line now and then never takes it, and keeps its tail and line count. The
 * file then gets exactly the bytes the framed path would have written (it
 * adds nothing to a line without timestamps), so the two paths can take
 * turns at any byte: the framed path takes over when a line-level need
 * appears, near max_bytes (so a rotation still falls between lines), at
 * close, and after a failed write.
 *
 * What the direct path does not do: count lines (lines_in counts the
 * framed ones; spliced_bytes the rest) or keep the in-memory tail (it is
 * cleared, so `logs` reads the file back, where every byte is).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "logs/logstream.h"

/* Should the stream's next bytes go by splice? Then the framer hands
 * over: it passes the ring's unfinished line on as a split piece, and the
 * pump reads no more until the framed bytes are written (drained). */
bool logdirect_wanted(const struct logstream *s);
/* Nothing of the framed path's left on its way to the file. */
bool logdirect_drained(const struct logstream *s);

/* Moves at most *budget bytes (less what a rotation needs) from the pipe
 * to the file: 1 when it moved some (or, on io_uring, queued a splice:
 * s->splicing and write_in_flight until done(), which hands the result to
 * logdirect_spliced()), 0 when the pipe is empty, -errno when the framed
 * path must read instead (EOF, a write error it then reports; a file that
 * refuses splice sets direct_off). */
int logdirect_move(struct logstream *s, size_t *budget, loop_write_fn done);
/* A queued splice's result: bytes moved, or -errno. */
void logdirect_spliced(struct logstream *s, int64_t res);

/* The end of a pump's turn (the pipe empty, or the turn's budget spent):
 * a turn that took LOGSTREAM_PIPE_FULL found the pipe nearly full, so the
 * service writes faster than a 64 KiB pipe a turn: the stream is `bulk`
 * (the direct path's condition) and its pipe grows to LOGSTREAM_PIPE_MAX
 * (once; refused by the per-user pipe limit, it stays). After
 * LOGSTREAM_BULK_QUIET_TURNS turns in a row below LOGSTREAM_BULK_MIN it
 * is not bulk any more. */
void logdirect_turn_end(struct logstream *s);

/* After spliced bytes, before the framer appends: whether the file ends
 * inside a line (s->mid_line), from its last byte. */
void logdirect_settle(struct logstream *s);
