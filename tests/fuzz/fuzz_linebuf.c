/* SPDX-License-Identifier: MIT */
/*
 * fuzz_linebuf.c: the log line framer and what sits on it
 * (daemon/logs/linebuf.c): the byte ring, next_piece/take_piece,
 * next_line, flush_partial, format_forward_line() and the tail.
 *
 * The input is a small program. Its first bytes pick the ring's capacity
 * (tiny, small, exactly LINE_MAX_BYTES as the daemon's, or above it) and
 * the tail's; then each op byte appends bytes of the input (with
 * linebuf_append(), or write_area + commit as a read(2) into the ring does),
 * appends a run of one byte (long lines from a few input bytes), takes
 * pieces out (next_piece + take_piece, or next_line), consumes raw bytes
 * (peek + consume), or checks the tail. At the end the rest is drained and
 * flushed with linebuf_flush_partial().
 *
 * The bytes (what the seeds in tests/fuzz/corpus/linebuf/ are made of; u16
 * little-endian, missing bytes read as 0):
 *   ring:  m = byte & 3: 0 -> cap 1 + byte % 32, 1 -> 1 + u16 % 4096,
 *          2 -> LINE_MAX_BYTES, 3 -> LINE_MAX_BYTES + 1 + u16
 *   tail:  byte odd -> cap 64 + u16 % 4096, even -> 64 + 2 * u16
 *   ops, by op & 7:
 *     0, 1  append n = (op & 0x80 ? u16 : byte) bytes that follow (op 1
 *           through write_area + commit)
 *     2     append a run of byte c, 1 + u16 (+ 65535 if op & 0x80) long,
 *           through write_area if op & 0x40, then a '\n' if op & 0x20
 *     3     drain: every piece out (next_piece + take_piece)
 *     4     one next_line
 *     5     up to 1 + byte % 4 pieces out
 *     6     peek, and consume u16 % (held + 1) raw bytes
 *     7     check the tail: foreach_last(byte, 255 = all), stopping at
 *           visit byte % 8 (0 = never)
 *   then EOF: drain, flush_partial until 0.
 *
 * A model keeps every byte appended, and every piece is checked against it:
 *  - bytes out (pieces, the '\n' each whole line consumes, raw consumes)
 *    equal bytes in, in order: each piece is the next bytes of the input;
 *  - no piece holds a '\n' or is longer than linebuf_piece_max() <=
 *    LINE_MAX_BYTES;
 *  - a piece is split only when its line is longer than the piece limit
 *    (the next limit + 1 bytes hold no '\n'), or in the one case linebuf.h
 *    documents: the ring full with exactly the limit and no '\n' yet. An
 *    empty piece ends a line only after such a forced split;
 *  - a whole (unsplit) piece ends at a '\n', or at EOF in flush_partial;
 *  - after a drain (next_piece says 0) no '\n' is held and the ring is not
 *    full: a full ring always yields a piece, or the pipe would stall;
 *  - format_forward_line() gives exactly "web.<i>| <piece>[ [split]]\n",
 *    fits a buffer of that size and refuses one a byte shorter;
 *  - the tail holds exactly the newest pieces that fit its bytes (each cut
 *    to cap - LOGTAIL_HDR and flagged truncated when longer), in order, with
 *    consecutive sequence numbers; foreach_last visits the last n, oldest
 *    first, and stops at the callback's first negative return.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/linebuf.h"
#include "basic/macro.h"
#include "fuzz_check.h"

#define STREAM_MAX (1u << 20)   /* bytes appended per input, at most */
#define RUN_MAX (2u * 65536)    /* one run op */
/* What bounds the pieces, and so the work, per input: at most this many
 * '\n' appended (a run of them would otherwise make 128K pieces), and at
 * most this many piece limits' worth of bytes (a 1-byte ring makes a piece
 * of every byte). */
#define NEWLINE_BUDGET 8192u
#define LIMIT_BUDGET 1024u
#define SERVICE "web"

static char stream[STREAM_MAX]; /* every byte appended, in order */
static char run[RUN_MAX];
static char piece[LINE_MAX_BYTES];

struct input {
	const uint8_t *p;
	size_t n;
};

static unsigned u8(struct input *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static unsigned u16(struct input *in)
{
	unsigned lo = u8(in);
	return lo | u8(in) << 8;
}

struct record {
	uint64_t hash;
	uint64_t ts_ms;     /* the receive time pushed with it: comes back with it */
	uint32_t len, flags;
};

struct state {
	struct linebuf lb;
	struct logtail tail;
	size_t limit;
	size_t in, out;     /* bytes appended; bytes accounted for as out */
	size_t in_max;      /* MIN(STREAM_MAX, LIMIT_BUDGET * limit) */
	size_t newlines;    /* '\n' appended */
	bool line_split;    /* the current line has had a split piece */
	bool last_forced;   /* and the last one was the forced kind */
	unsigned pieces;
	struct record *recs;  /* every piece pushed to the tail */
	size_t n_recs, cap_recs;
};

static uint64_t hash(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 0x100000001b3ULL;
	return h;
}

static size_t pending(const struct state *st)
{
	CHECK(st->out <= st->in);
	CHECK(linebuf_len(&st->lb) == st->in - st->out);
	return st->in - st->out;
}

/* ---- in ---- */

static size_t count_newlines(const char *p, size_t n)
{
	size_t c = 0;

	for (const char *q = p; (q = memchr(q, '\n', n - (size_t)(q - p))); q++)
		c++;
	return c;
}

static void append(struct state *st, const char *p, size_t n, bool use_area)
{
	size_t space = linebuf_space(&st->lb), done = 0, before = st->in;

	n = MIN(n, st->in_max - st->in);
	/* Up to the first '\n' over the budget. */
	size_t left = NEWLINE_BUDGET - st->newlines;
	for (const char *q = p; (q = memchr(q, '\n', n - (size_t)(q - p))); q++)
		if (left-- == 0) {
			n = (size_t)(q - p);
			break;
		}
	if (!use_area) {
		done = linebuf_append(&st->lb, p, n);
		memcpy(stream + st->in, p, done);
		st->in += done;
	} else {
		/* As a read(2) straight into the ring: at most two areas. */
		for (int round = 0; round < 2 && done < n; round++) {
			char *area;
			size_t k = linebuf_write_area(&st->lb, &area);
			CHECK(k <= linebuf_space(&st->lb));
			CHECK((k == 0) == linebuf_full(&st->lb));
			if (k == 0)
				break;
			k = MIN(k, n - done);
			memcpy(area, p + done, k);
			linebuf_commit(&st->lb, k);
			memcpy(stream + st->in, p + done, k);
			st->in += k;
			done += k;
		}
	}
	CHECK(done == MIN(n, space));
	st->newlines += count_newlines(stream + before, done);
	CHECK(st->newlines <= NEWLINE_BUDGET);
	(void)pending(st);
}

/* ---- out ---- */

/* Formats into the last `len` bytes of fwd_buf, so that a write past `len`
 * is past the end of the allocation, where ASan sees it. */
static char *fwd_buf;
#define FWD_BUF_SIZE FORWARD_LINE_MAX(sizeof(SERVICE) - 1)

static int forward_into(size_t len, unsigned index, size_t n, bool split, char **ret)
{
	CHECK(len <= FWD_BUF_SIZE);
	*ret = fwd_buf + FWD_BUF_SIZE - len;
	return format_forward_line(*ret, len, SERVICE, index, piece, n, split);
}

static void check_forward(struct state *st, size_t n, bool split)
{
	size_t mark = split ? strlen(LINEBUF_SPLIT_MARKER) : 0;
	char prefix[32], *buf;
	int p = snprintf(prefix, sizeof(prefix), SERVICE ".%u| ", st->pieces);
	size_t total = (size_t)p + n + mark + 1;
	int r;

	/* Room for the NUL too, as FORWARD_LINE_MAX promises. */
	r = forward_into(total + 1, st->pieces, n, split, &buf);
	CHECK(r >= 0 && (size_t)r == total && buf[total] == '\0');
	CHECK(memcmp(buf, prefix, (size_t)p) == 0);
	CHECK(memcmp(buf + p, piece, n) == 0);
	CHECK(memcmp(buf + p + n, LINEBUF_SPLIT_MARKER, mark) == 0);
	CHECK(buf[total - 1] == '\n');
	/* Exactly the size (no room for the NUL), then a byte short. */
	CHECK(forward_into(total, st->pieces, n, split, &buf) == (int)total);
	CHECK(buf[total - 1] == '\n');
	CHECK(forward_into(total - 1, st->pieces, n, split, &buf) == -ENOBUFS);
}

static void push_tail(struct state *st, size_t n, bool split)
{
	size_t keep = MIN(n, st->tail.cap - LOGTAIL_HDR);

	if (st->n_recs == st->cap_recs) {
		st->cap_recs = st->cap_recs ? st->cap_recs * 2 : 64;
		st->recs = realloc(st->recs, st->cap_recs * sizeof(*st->recs));
		CHECK(st->recs);
	}
	st->recs[st->n_recs++] = (struct record){
		.hash = hash(piece, keep),
		.len = (uint32_t)keep,
		.flags = (split ? LOGTAIL_SPLIT : 0) | (keep < n ? LOGTAIL_TRUNCATED : 0),
		/* a time of its own per record, up to the largest a tail keeps */
		.ts_ms = (st->n_recs * 0x9E3779B97F4A7C15ULL) >> 20,
	};
	logtail_push(&st->tail, piece, n, split, st->recs[st->n_recs - 1].ts_ms);
}

/* Checks a piece against the model before it leaves it; returns whether
 * the piece's line ends at a '\n' that goes with it. */
static bool check_piece(struct state *st, size_t n, bool split, bool eof, bool *forced)
{
	size_t held = st->in - st->out;
	const char *s = stream + st->out;

	CHECK(st->limit <= LINE_MAX_BYTES && n <= st->limit);
	CHECK(n <= held);
	CHECK(memchr(s, '\n', n) == NULL);
	*forced = false;
	if (split) {
		bool longer = held > st->limit && s[st->limit] != '\n';
		*forced = held == st->limit && st->lb.cap == st->limit;
		CHECK(n == st->limit);
		CHECK(longer || *forced);
		return false;
	}
	bool nl = held > n && s[n] == '\n';
	CHECK(nl || (eof && n == held));
	if (n == 0 && st->line_split)
		CHECK(st->last_forced);
	return nl;
}

/* The piece is in piece[] and has left the ring. */
static void piece_out(struct state *st, size_t n, bool split, bool nl, bool forced)
{
	CHECK(memcmp(piece, stream + st->out, n) == 0);
	st->out += n + nl;
	(void)pending(st);
	st->line_split = split;
	st->last_forced = split && forced;
	check_forward(st, n, split);
	push_tail(st, n, split);
	st->pieces++;
}

/* One piece with next_piece + take_piece; false when none is ready. */
static bool take_one(struct state *st)
{
	size_t n = SIZE_MAX;
	bool split = false, forced, nl;
	int r;

	(void)pending(st);
	r = linebuf_next_piece(&st->lb, &n, &split);
	CHECK(r == 0 || r == 1);
	if (r == 0)
		return false;
	nl = check_piece(st, n, split, false, &forced);
	(void)pending(st);   /* next_piece consumed nothing */
	linebuf_take_piece(&st->lb, piece, n, split);
	piece_out(st, n, split, nl, forced);
	return true;
}

/* One piece with next_line (or flush_partial at EOF). */
static bool line_one(struct state *st, bool eof)
{
	size_t n = SIZE_MAX, before = pending(st);
	bool split = false, forced, nl;
	int r;

	if (st->limit > 1) {
		r = eof ? linebuf_flush_partial(&st->lb, piece, st->limit - 1, &n, &split)
			: linebuf_next_line(&st->lb, piece, st->limit - 1, &n, &split);
		CHECK(r == -EINVAL && linebuf_len(&st->lb) == before);
	}
	r = eof ? linebuf_flush_partial(&st->lb, piece, st->limit, &n, &split)
		: linebuf_next_line(&st->lb, piece, st->limit, &n, &split);
	CHECK(r == 0 || r == 1);
	if (r == 0) {
		CHECK(linebuf_len(&st->lb) == before);
		CHECK(!eof || before == 0);   /* flushed: the ring is empty */
		return false;
	}
	nl = check_piece(st, n, split, eof, &forced);
	CHECK(linebuf_len(&st->lb) == before - n - nl);
	piece_out(st, n, split, nl, forced);
	return true;
}

/* Every piece out; then what is left can never make one by itself. */
static void drain(struct state *st)
{
	size_t held;

	while (take_one(st))
		;
	held = pending(st);
	CHECK(memchr(stream + st->out, '\n', held) == NULL);
	CHECK(held <= st->limit);
	CHECK(!linebuf_full(&st->lb));
}

static void raw_consume(struct state *st, struct input *in)
{
	size_t held = pending(st), k = u16(in) % (held + 1), m;
	const char *p;

	m = linebuf_peek(&st->lb, &p);
	CHECK(m <= held && (held == 0 || m > 0));
	CHECK(memcmp(p, stream + st->out, m) == 0);
	linebuf_consume(&st->lb, k);
	st->out += k;
	(void)pending(st);
	st->line_split = st->last_forced = false;   /* the framing starts over */
}

/* ---- the tail ---- */

struct visit {
	const struct state *st;
	uint64_t next;
	unsigned visited, stop_at;
};

static int visit_fn(const char *line, size_t n, unsigned flags, uint64_t seq, uint64_t ts_ms, void *userdata)
{
	struct visit *v = userdata;
	const struct record *rec;

	CHECK(seq == v->next && seq < v->st->n_recs);
	rec = &v->st->recs[seq];
	CHECK(n == rec->len && flags == rec->flags && hash(line, n) == rec->hash && ts_ms == rec->ts_ms);
	v->next++;
	if (++v->visited == v->stop_at)
		return -42;
	return 0;
}

static void check_tail(struct state *st, size_t k, unsigned stop_at)
{
	const struct logtail *t = &st->tail;
	size_t count = t->count, first, bytes = 0, want;
	struct visit v = { .st = st, .stop_at = stop_at };
	int r;

	CHECK(t->next_seq == st->n_recs);
	CHECK(count <= st->n_recs && (count > 0 || st->n_recs == 0));
	first = st->n_recs - count;
	CHECK(logtail_first_seq(t) == first);
	for (size_t i = first; i < st->n_recs; i++)
		bytes += LOGTAIL_HDR + st->recs[i].len;
	CHECK(bytes == t->len && bytes <= t->cap);
	/* The newest that fit: the next older one would not have. */
	if (first > 0)
		CHECK(bytes + LOGTAIL_HDR + st->recs[first - 1].len > t->cap);
	want = MIN(k, count);
	v.next = st->n_recs - want;
	r = logtail_foreach_last(&st->tail, k, visit_fn, &v);
	if (stop_at && stop_at <= want) {
		CHECK(r == -42 && v.visited == stop_at);
	} else {
		CHECK(r >= 0 && (size_t)r == want && v.visited == want);
		CHECK(v.next == st->n_recs);
	}
	CHECK(st->tail.count == count && st->tail.len == bytes);
}

/* ---- the program ---- */

static size_t pick_cap(struct input *in)
{
	switch (u8(in) & 3) {
	case 0: return 1 + u8(in) % 32;
	case 1: return 1 + u16(in) % 4096;
	case 2: return LINE_MAX_BYTES;
	default: return LINE_MAX_BYTES + 1 + u16(in);
	}
}

/* One op of the program (see the top of the file). */
static void run_op(struct state *st, struct input *in)
{
	unsigned op = u8(in), k;
	size_t n;

	switch (op & 7) {
	case 0:
	case 1:   /* bytes of the input */
		n = op & 0x80 ? u16(in) : u8(in);
		n = MIN(n, in->n);
		append(st, (const char *)in->p, n, op & 1);
		in->p += n;
		in->n -= n;
		break;
	case 2:   /* a run of one byte, maybe ended by a '\n' */
		k = u8(in);
		n = 1 + u16(in) + (op & 0x80 ? 65535 : 0);
		memset(run, (int)k, n);
		append(st, run, n, op & 0x40);
		if (op & 0x20)
			append(st, "\n", 1, false);
		break;
	case 3:
		drain(st);
		break;
	case 4:
		line_one(st, false);
		break;
	case 5:
		for (k = 1 + u8(in) % 4; k > 0 && take_one(st); k--)
			;
		break;
	case 6:
		raw_consume(st, in);
		break;
	default:
		k = u8(in);
		check_tail(st, k == 255 ? SIZE_MAX : k, u8(in) % 8);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct state st = { .n_recs = 0 };
	struct linebuf bad;
	struct logtail bad_tail;
	size_t tail_cap;

	if (!fwd_buf) {
		fwd_buf = malloc(FWD_BUF_SIZE);   /* for the whole run */
		CHECK(fwd_buf);
	}
	CHECK(linebuf_init(&bad, 0) == -EINVAL);
	CHECK(linebuf_init(&bad, LINEBUF_MAX + 1) == -EINVAL);
	CHECK(logtail_init(&bad_tail, LOGTAIL_MIN - 1) == -EINVAL);
	CHECK(logtail_init(&bad_tail, LOGTAIL_MAX + 1) == -EINVAL);

	CHECK(linebuf_init(&st.lb, pick_cap(&in)) == 0);
	st.limit = linebuf_piece_max(&st.lb);
	st.in_max = MIN((size_t)STREAM_MAX, LIMIT_BUDGET * st.limit);
	CHECK(st.limit == MIN(st.lb.cap, (size_t)LINE_MAX_BYTES));
	tail_cap = u8(&in) & 1 ? LOGTAIL_MIN + u16(&in) % 4096 : LOGTAIL_MIN + u16(&in) * 2u;
	CHECK(logtail_init(&st.tail, tail_cap) == 0);

	while (in.n > 0)
		run_op(&st, &in);

	/* EOF: everything out, the unterminated rest as a last line. */
	drain(&st);
	for (size_t i = 0; line_one(&st, true); i++)
		CHECK(i <= 2);
	CHECK(linebuf_len(&st.lb) == 0 && st.out == st.in);
	check_tail(&st, SIZE_MAX, 0);

	linebuf_done(&st.lb);
	linebuf_done(&st.lb);
	logtail_done(&st.tail);
	free(st.recs);
	return 0;
}
