/* SPDX-License-Identifier: MIT */
/*
 * linebuf.h: what sits between one instance's output pipe and its log:
 * a bounded byte ring, the line framer on top of it, the `forward: stdout`
 * line format, a token-bucket rate limiter and the in-memory tail.
 * Pure data structures: no syscalls, no clock (callers pass now_ns), no
 * logging. Every buffer is allocated once, at init, and never grows.
 *
 * Ring: a fixed-capacity byte ring (cap <= LINEBUF_MAX). linebuf_append()
 * copies what fits and returns how much that was: when it returns less than
 * asked, the ring is full and the caller stops reading the pipe (the child
 * then blocks in write(2), nothing is lost) until lines are consumed. For a
 * read straight into the ring, linebuf_write_area() + linebuf_commit().
 *
 * Framer: linebuf_next_line() copies out the oldest complete line without its
 * '\n' and consumes it. A line longer than the piece limit (LINE_MAX_BYTES,
 * or the ring's capacity if smaller) comes out as pieces of exactly that
 * many bytes with *ret_split = true, meaning "this line continues in the
 * next piece"; the last piece has split = false. A 200 KiB line is pieces
 * of 64, 64, 64 (split) and 8 KiB. When the ring is full with exactly the
 * piece limit and no '\n' yet, the piece is cut as split before the '\n' is
 * seen; if the '\n' comes next, an empty piece ends the line. Pieces are cut
 * at byte counts, which may fall inside a UTF-8 sequence.
 *
 * Forward format: format_forward_line() builds one whole output line,
 *   "<service>.<index>| <line>[ [split]]\n"
 * e.g. "web.0| GET / 200\n"; a split piece ends in LINEBUF_SPLIT_MARKER,
 * " [split]", just before the '\n'. One output line = one write(2): a
 * regular file (O_APPEND) or terminal gets it whole. A pipe gets it
 * atomically only up to PIPE_BUF (4096) bytes; above that the kernel may
 * interleave it with another writer's data or, non-blocking, write only part.
 * The daemon is the only writer of its stdout and is single-threaded, so
 * lines are serialized by construction, provided it finishes a partly written
 * line (keeping its remainder) before it starts the next one.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINEBUF_MAX (1u << 20)
#define LINE_MAX_BYTES (64u * 1024)
#define LINEBUF_SPLIT_MARKER " [split]"
/* Room format_forward_line() may need for one piece: prefix, line, marker,
 * '\n' and the NUL. */
#define FORWARD_LINE_MAX(service_len) \
	((service_len) + sizeof(".4294967295| ") - 1 + LINE_MAX_BYTES + \
	 sizeof(LINEBUF_SPLIT_MARKER) - 1 + 2)

struct linebuf {
	char *buf;
	size_t cap;
	size_t head;      /* offset of the oldest byte */
	size_t len;       /* bytes held */
	size_t scanned;   /* bytes from head already known to hold no '\n' */
};

int linebuf_init(struct linebuf *lb, size_t cap);    /* -EINVAL outside 1..LINEBUF_MAX, -ENOMEM */
void linebuf_done(struct linebuf *lb);               /* idempotent */

static inline size_t linebuf_len(const struct linebuf *lb) { return lb->len; }
static inline size_t linebuf_space(const struct linebuf *lb) { return lb->cap - lb->len; }
static inline bool linebuf_full(const struct linebuf *lb) { return lb->len == lb->cap; }
/* The longest piece the framer yields: MIN(LINE_MAX_BYTES, cap). */
static inline size_t linebuf_piece_max(const struct linebuf *lb)
{
	return lb->cap < LINE_MAX_BYTES ? lb->cap : LINE_MAX_BYTES;
}

size_t linebuf_append(struct linebuf *lb, const void *p, size_t n);  /* bytes taken */
/* Contiguous free space at the write end (0 when full); commit n <= that. */
size_t linebuf_write_area(struct linebuf *lb, char **ret);
void linebuf_commit(struct linebuf *lb, size_t n);
/* Contiguous bytes at the read end, for writing raw bytes out; then consume. */
size_t linebuf_peek(const struct linebuf *lb, const char **ret);
void linebuf_consume(struct linebuf *lb, size_t n);

/*
 * 1 and the piece in out[0..*ret_n) when a complete line (or a full piece of
 * a long one) is there, 0 when not yet, -EINVAL when outlen is below
 * linebuf_piece_max(). Call until 0 after every append.
 */
int linebuf_next_line(struct linebuf *lb, char *out, size_t outlen, size_t *ret_n, bool *ret_split);
/* The same in two steps, for a caller that must know the size before it
 * has room: next_piece says whether a piece is ready and how long it is
 * (consuming nothing); take_piece copies exactly that piece out and
 * consumes it (and the '\n' that ends a whole line). */
int linebuf_next_piece(struct linebuf *lb, size_t *ret_n, bool *ret_split);
void linebuf_take_piece(struct linebuf *lb, char *out, size_t n, bool split);
/* At EOF: like next_line, but the unterminated rest comes out as a last
 * line. Call until 0; the ring is then empty. */
int linebuf_flush_partial(struct linebuf *lb, char *out, size_t outlen, size_t *ret_n,
			  bool *ret_split);

/* Length written (NUL-terminated too when there is room), or -ENOBUFS. The
 * service name is a validated config name (no '\n'). */
int format_forward_line(char *out, size_t outlen, const char *service, unsigned index,
			const char *line, size_t n, bool split);
#define LOG_TIMESTAMP_LEN 25               /* "2026-11-24T12:00:00.123Z " */
/* A file line's prefix, the receive time and a space: LOG_TIMESTAMP_LEN. */
size_t format_line_timestamp(char out[LOG_TIMESTAMP_LEN], uint64_t ts_ms);

/* "[ringvisor: dropped N bytes in M lines (WHY)]", no '\n': written as a
 * line of its own where lines were dropped. Length or -ENOBUFS. */
int format_drop_marker(char *out, size_t outlen, uint64_t bytes, uint64_t lines, const char *why);

/*
 * Token bucket: bytes_per_s tokens a second, at most `burst` saved up
 * (burst 0 at init means one second's worth); starts full. bytes_per_s 0
 * means unlimited. The fractional token is kept across calls, so a slow rate
 * polled often still refills exactly. Drop counters are the caller's.
 */
struct ratelimit {
	uint64_t bytes_per_s, burst, tokens;
	uint64_t last_ns;
};

void ratelimit_init(struct ratelimit *rl, uint64_t bytes_per_s, uint64_t burst, uint64_t now_ns);
/* How many of n bytes may pass now (0..n); those are spent. */
uint64_t ratelimit_take(struct ratelimit *rl, uint64_t n, uint64_t now_ns);

/*
 * Tail: the newest lines that fit in cap bytes (cap <= LOGTAIL_MAX), each
 * stored with a LOGTAIL_HDR-byte header (length, flags, receive time),
 * packed in a ring, oldest evicted first. A line longer than cap -
 * LOGTAIL_HDR keeps its first bytes and LOGTAIL_TRUNCATED. Every line gets
 * a sequence number (first_seq .. next_seq-1 are held) so a follower can
 * tell what it has already seen, and keeps the wall-clock time (ms since
 * the epoch) the caller says it was read at, for `logs -t` and `--since`.
 */
#define LOGTAIL_MAX (1u << 20)
#define LOGTAIL_MIN 64u
#define LOGTAIL_SPLIT 1u
#define LOGTAIL_TRUNCATED 2u
#define LOGTAIL_HDR 16u

struct logtail {
	char *buf;
	size_t cap;
	size_t head;        /* offset of the oldest record */
	size_t len;         /* bytes held, headers included */
	size_t count;       /* records held */
	uint64_t next_seq;  /* what the next pushed line gets */
};

typedef int (*logtail_fn)(const char *line, size_t n, unsigned flags, uint64_t seq, uint64_t ts_ms,
			  void *userdata);

int logtail_init(struct logtail *t, size_t cap);     /* -EINVAL outside LOGTAIL_MIN..MAX */
void logtail_done(struct logtail *t);                /* idempotent */
/* Forgets every line held; sequence numbers go on from next_seq. */
void logtail_clear(struct logtail *t);
void logtail_push(struct logtail *t, const char *line, size_t n, bool split, uint64_t ts_ms);
/* count whole lines, p[0..n) ending in '\n': as logtail_push of each. */
void logtail_push_lines(struct logtail *t, const char *p, size_t n, size_t count, uint64_t ts_ms);
/* The receive time of the oldest line held; 0 when empty. */
uint64_t logtail_oldest_ts(const struct logtail *t);
/* Calls fn on the last MIN(n, count) lines, oldest first, each contiguous
 * (so the tail is first rotated in place: not const, O(cap)); stops at and
 * returns fn's first negative return, else the number of lines visited.
 * fn must not push to the same tail. */
int logtail_foreach_last(struct logtail *t, size_t n, logtail_fn fn, void *userdata);
static inline uint64_t logtail_first_seq(const struct logtail *t) { return t->next_seq - t->count; }
