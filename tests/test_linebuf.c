/* SPDX-License-Identifier: MIT */
/*
 * test_linebuf.c: the byte ring (wrap, full, contiguous areas), the line
 * framer (lines across appends, a 200 KiB line in marked 64 KiB pieces, the
 * exact limits, EOF, and a randomized round trip against the input), the
 * forward format, the token bucket (burst, refill, fractions, clock), and
 * the tail (last N lines within its byte bound, randomized).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logs/linebuf.h"
#include "basic/macro.h"

static char piece[LINE_MAX_BYTES];

static void test_ring(void **state)
{
	(void)state;
	struct linebuf lb;
	const char *p;
	char *w;

	assert_int_equal(linebuf_init(&lb, 0), -EINVAL);
	assert_int_equal(linebuf_init(&lb, LINEBUF_MAX + 1), -EINVAL);
	assert_int_equal(linebuf_init(&lb, LINEBUF_MAX), 0);
	linebuf_done(&lb);
	linebuf_done(&lb);

	assert_int_equal(linebuf_init(&lb, 8), 0);
	assert_int_equal(linebuf_append(&lb, "abcdef", 6), 6);
	linebuf_consume(&lb, 4);
	assert_int_equal(linebuf_append(&lb, "ghijklmn", 8), 6);   /* wraps; 2 left over */
	assert_true(linebuf_full(&lb));
	assert_int_equal(linebuf_append(&lb, "x", 1), 0);
	assert_int_equal(linebuf_write_area(&lb, &w), 0);
	assert_int_equal(linebuf_peek(&lb, &p), 4);
	assert_memory_equal(p, "efgh", 4);
	linebuf_consume(&lb, 4);
	assert_int_equal(linebuf_space(&lb), 4);
	assert_int_equal(linebuf_write_area(&lb, &w), 4);   /* after the data */
	memcpy(w, "mn", 2);
	linebuf_commit(&lb, 2);
	assert_int_equal(linebuf_peek(&lb, &p), 6);
	assert_memory_equal(p, "ijklmn", 6);
	linebuf_consume(&lb, 100);   /* clamped */
	assert_int_equal(linebuf_len(&lb), 0);
	assert_int_equal(lb.head, 0);   /* empty restarts at 0 */
	assert_int_equal(linebuf_write_area(&lb, &w), 8);
	linebuf_done(&lb);
}

/* Pulls one piece, asserting what it is. */
static void expect_piece(struct linebuf *lb, const char *want, size_t n, bool split)
{
	size_t got;
	bool s;

	assert_int_equal(linebuf_next_line(lb, piece, sizeof(piece), &got, &s), 1);
	assert_int_equal(got, n);
	assert_int_equal(s, split);
	if (want)
		assert_memory_equal(piece, want, n);
}

static void expect_none(struct linebuf *lb)
{
	size_t got;
	bool s;
	assert_int_equal(linebuf_next_line(lb, piece, sizeof(piece), &got, &s), 0);
}

static void test_lines_across_appends(void **state)
{
	(void)state;
	struct linebuf lb;
	size_t n;
	bool s;

	assert_int_equal(linebuf_init(&lb, 64), 0);
	linebuf_append(&lb, "hel", 3);
	expect_none(&lb);
	linebuf_append(&lb, "lo\nwor", 6);
	expect_piece(&lb, "hello", 5, false);
	expect_none(&lb);
	linebuf_append(&lb, "ld\n\nx", 5);
	expect_piece(&lb, "world", 5, false);
	expect_piece(&lb, "", 0, false);
	expect_none(&lb);
	/* EOF: complete lines first, then the unterminated rest, then 0. */
	linebuf_append(&lb, "y\nzz", 4);
	assert_int_equal(linebuf_flush_partial(&lb, piece, sizeof(piece), &n, &s), 1);
	assert_int_equal(n, 2);
	assert_memory_equal(piece, "xy", 2);
	assert_int_equal(linebuf_flush_partial(&lb, piece, sizeof(piece), &n, &s), 1);
	assert_int_equal(n, 2);
	assert_false(s);
	assert_memory_equal(piece, "zz", 2);
	assert_int_equal(linebuf_flush_partial(&lb, piece, sizeof(piece), &n, &s), 0);
	assert_int_equal(linebuf_len(&lb), 0);
	/* out must hold a whole piece. */
	linebuf_append(&lb, "a\n", 2);
	assert_int_equal(linebuf_next_line(&lb, piece, 63, &n, &s), -EINVAL);
	linebuf_done(&lb);
}

/* Feeds `len` bytes of a long line ('0' + i % 10), then "\ntail\n", in
 * `chunk`-byte appends, draining after each, and checks the pieces. */
static void feed_long_line(size_t cap, size_t len, size_t chunk)
{
	struct linebuf lb;
	char *in = malloc(len + 6);
	size_t off = 0, seen = 0, npieces = 0, n;
	bool s;

	assert_non_null(in);
	for (size_t i = 0; i < len; i++)
		in[i] = (char)('0' + i % 10);
	memcpy(in + len, "\ntail\n", 6);
	assert_int_equal(linebuf_init(&lb, cap), 0);
	while (off < len + 6) {
		off += linebuf_append(&lb, in + off, MIN(chunk, len + 6 - off));
		while (seen < len && linebuf_next_line(&lb, piece, sizeof(piece), &n, &s) == 1) {
			size_t left = len - seen;
			assert_int_equal(n, MIN(left, LINE_MAX_BYTES));
			assert_int_equal(s, left > LINE_MAX_BYTES);
			assert_memory_equal(piece, in + seen, n);
			seen += n;
			npieces++;
		}
	}
	assert_int_equal(seen, len);
	assert_int_equal(npieces, (len + LINE_MAX_BYTES - 1) / LINE_MAX_BYTES);
	expect_piece(&lb, "tail", 4, false);
	expect_none(&lb);
	linebuf_done(&lb);
	free(in);
}

static void test_long_line(void **state)
{
	(void)state;
	/* 200 KiB: 64, 64, 64 KiB marked split, then 8 KiB unmarked. */
	feed_long_line(64 * 1024, 200 * 1024, 1000);
	feed_long_line(LINEBUF_MAX, 200 * 1024, 200 * 1024 + 6);
	feed_long_line(100 * 1024, 200 * 1024, 4096);
	/* The limits: exactly 64 KiB is one line; one byte more is two. */
	feed_long_line(LINEBUF_MAX, LINE_MAX_BYTES, 7777);
	feed_long_line(LINEBUF_MAX, LINE_MAX_BYTES + 1, 65536);
}

static void test_limits_of_small_rings(void **state)
{
	(void)state;
	struct linebuf lb;
	char line[41];

	/* A ring of exactly 64 KiB full of one 64 KiB line cannot wait for its
	 * '\n': the piece goes out split, and the '\n' ends an empty piece. */
	assert_int_equal(linebuf_init(&lb, LINE_MAX_BYTES), 0);
	char *big = malloc(LINE_MAX_BYTES);
	assert_non_null(big);
	memset(big, 'q', LINE_MAX_BYTES);
	assert_int_equal(linebuf_append(&lb, big, LINE_MAX_BYTES), LINE_MAX_BYTES);
	expect_piece(&lb, big, LINE_MAX_BYTES, true);
	linebuf_append(&lb, "\n", 1);
	expect_piece(&lb, "", 0, false);
	free(big);
	linebuf_done(&lb);

	/* A ring smaller than LINE_MAX_BYTES cuts at its capacity. */
	assert_int_equal(linebuf_init(&lb, 16), 0);
	assert_int_equal(linebuf_piece_max(&lb), 16);
	memset(line, 'a', 40);
	line[40] = '\n';
	size_t off = 0;
	off += linebuf_append(&lb, line, sizeof(line));
	expect_piece(&lb, line, 16, true);
	off += linebuf_append(&lb, line + off, sizeof(line) - off);
	expect_piece(&lb, line, 16, true);
	off += linebuf_append(&lb, line + off, sizeof(line) - off);
	assert_int_equal(off, sizeof(line));
	expect_piece(&lb, line, 8, false);
	expect_none(&lb);
	linebuf_done(&lb);
}

/* Random text, random appends (through both entry points), random ring
 * sizes: the pieces, joined back with '\n' after every unsplit one, are the
 * input; every split piece is exactly the piece limit. */
static void test_random_roundtrip(void **state)
{
	(void)state;
	const size_t caps[] = { 16, 100, 4096, LINE_MAX_BYTES, 3 * LINE_MAX_BYTES };
	const size_t len = 400 * 1024;
	char *in = malloc(len), *out = malloc(len + LINE_MAX_BYTES);
	uint64_t rnd = 42;

	assert_non_null(in);
	assert_non_null(out);
#define RND() (rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL, rnd >> 33)
	for (size_t c = 0; c < ELEMENTSOF(caps); c++) {
		struct linebuf lb;
		size_t off = 0, o = 0, n;
		bool s;

		/* Mostly short lines, sometimes one of up to 150 KiB. */
		for (size_t i = 0, next_nl = 0; i < len; i++) {
			if (i == next_nl)
				next_nl = i + 1 + (RND() % 50 ? RND() % 120 : RND() % 150000);
			in[i] = i + 1 == next_nl ? '\n' : (char)(' ' + RND() % 90);
		}
		in[len - 1] = 'E';   /* ends without '\n' */
		assert_int_equal(linebuf_init(&lb, caps[c]), 0);
		while (off < len) {
			size_t want = MIN(len - off, 1 + RND() % 9000);
			if (RND() % 2) {
				char *w;
				size_t k = MIN(want, linebuf_write_area(&lb, &w));
				memcpy(w, in + off, k);
				linebuf_commit(&lb, k);
				off += k;
			} else {
				off += linebuf_append(&lb, in + off, want);
			}
			while (linebuf_next_line(&lb, piece, sizeof(piece), &n, &s) == 1) {
				assert_true(n <= linebuf_piece_max(&lb));
				assert_true(!s || n == linebuf_piece_max(&lb));
				memcpy(out + o, piece, n);
				o += n;
				if (!s)
					out[o++] = '\n';
			}
		}
		/* Drained: what flush yields now is the unterminated rest (none
		 * if a forced split took it all). */
		if (linebuf_flush_partial(&lb, piece, sizeof(piece), &n, &s) == 1) {
			assert_false(s);
			memcpy(out + o, piece, n);
			o += n;
		}
		assert_int_equal(linebuf_flush_partial(&lb, piece, sizeof(piece), &n, &s), 0);
		assert_int_equal(o, len);
		assert_memory_equal(out, in, len);
		linebuf_done(&lb);
	}
	free(in);
	free(out);
}

static void test_forward_format(void **state)
{
	(void)state;
	char out[64];
	char *big;
	size_t bigmax = FORWARD_LINE_MAX(strlen("service-name"));

	assert_int_equal(format_forward_line(out, sizeof(out), "web", 0, "hello", 5, false), 13);
	assert_string_equal(out, "web.0| hello\n");
	assert_int_equal(format_forward_line(out, sizeof(out), "web", 12, "abc", 3, true), 20);
	assert_string_equal(out, "web.12| abc [split]\n");
	assert_int_equal(format_forward_line(out, sizeof(out), "db", 1, "", 0, false), 7);
	assert_string_equal(out, "db.1| \n");
	/* Exactly enough room: whole line, no NUL; one byte less: refused. */
	assert_int_equal(format_forward_line(out, 13, "web", 0, "hello", 5, false), 13);
	assert_memory_equal(out, "web.0| hello\n", 13);
	assert_int_equal(format_forward_line(out, 12, "web", 0, "hello", 5, false), -ENOBUFS);
	assert_int_equal(format_forward_line(out, 4, "web", 0, "hello", 5, false), -ENOBUFS);

	/* The documented bound holds the worst case, NUL included. */
	big = malloc(bigmax);
	assert_non_null(big);
	memset(piece, 'x', sizeof(piece));
	int r = format_forward_line(big, bigmax, "service-name", UINT32_MAX, piece, LINE_MAX_BYTES, true);
	assert_int_equal(r, (int)bigmax - 1);
	assert_int_equal(big[r], '\0');
	assert_memory_equal(big + r - 9, " [split]\n", 9);
	free(big);

	assert_int_equal(format_drop_marker(out, sizeof(out), 1234, 5, "rate limit"), 55);
	assert_string_equal(out, "[ringvisor: dropped 1234 bytes in 5 lines (rate limit)]");
	assert_int_equal(format_drop_marker(out, 10, 1, 1, "rate limit"), -ENOBUFS);
}

static void test_ratelimit(void **state)
{
	(void)state;
	struct ratelimit rl;
	uint64_t passed = 0;

	ratelimit_init(&rl, 1000, 500, 0);
	assert_int_equal(ratelimit_take(&rl, 300, 0), 300);   /* starts full */
	assert_int_equal(ratelimit_take(&rl, 300, 0), 200);
	assert_int_equal(ratelimit_take(&rl, 1, 0), 0);
	assert_int_equal(ratelimit_take(&rl, 1000, NSEC_PER_SEC / 10), 100);
	assert_int_equal(ratelimit_take(&rl, 1000, 10 * NSEC_PER_SEC), 500);   /* burst caps */
	assert_int_equal(ratelimit_take(&rl, 0, 11 * NSEC_PER_SEC), 0);
	assert_int_equal(rl.tokens, 500);

	/* A slow rate polled every millisecond: fractions carry, exactly 100. */
	ratelimit_init(&rl, 100, 100, 0);
	assert_int_equal(ratelimit_take(&rl, 1000, 0), 100);
	for (uint64_t t = 1; t <= 1000; t++)
		passed += ratelimit_take(&rl, 1000, t * NSEC_PER_MSEC);
	assert_int_equal(passed, 100);

	/* A clock that goes back refills nothing and breaks nothing. */
	assert_int_equal(ratelimit_take(&rl, 1000, NSEC_PER_SEC / 2), 0);
	assert_int_equal(ratelimit_take(&rl, 1000, NSEC_PER_SEC / 2 + NSEC_PER_SEC / 10), 10);

	/* Unlimited; burst 0 = one second; huge numbers do not overflow. */
	ratelimit_init(&rl, 0, 0, 0);
	assert_int_equal(ratelimit_take(&rl, UINT64_MAX, 5), UINT64_MAX);
	ratelimit_init(&rl, 4096, 0, 0);
	assert_int_equal(rl.burst, 4096);
	ratelimit_init(&rl, UINT64_MAX / 2, UINT64_MAX / 2, 0);
	assert_int_equal(ratelimit_take(&rl, UINT64_MAX, 0), UINT64_MAX / 2);
	assert_int_equal(ratelimit_take(&rl, UINT64_MAX, UINT64_MAX), UINT64_MAX / 2);
}

struct seen {
	char lines[64][64];
	unsigned flags[64];
	uint64_t seqs[64];
	uint64_t ts[64];
	size_t n;
};

static int collect(const char *line, size_t n, unsigned flags, uint64_t seq, uint64_t ts_ms, void *userdata)
{
	struct seen *s = userdata;

	if (s->n == ELEMENTSOF(s->lines))
		return -E2BIG;
	snprintf(s->lines[s->n], sizeof(s->lines[0]), "%.*s", (int)MIN(n, 63u), line);
	s->flags[s->n] = flags;
	s->ts[s->n] = ts_ms;
	s->seqs[s->n++] = seq;
	return 0;
}

static void test_tail(void **state)
{
	(void)state;
	struct logtail t;
	struct seen s = {};
	char line[300];

	assert_int_equal(logtail_init(&t, LOGTAIL_MIN - 1), -EINVAL);
	assert_int_equal(logtail_init(&t, LOGTAIL_MAX + 1), -EINVAL);
	assert_int_equal(logtail_init(&t, 256), 0);
	assert_int_equal(logtail_foreach_last(&t, 10, collect, &s), 0);
	assert_int_equal(logtail_oldest_ts(&t), 0);
	for (int i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "line %03d", i);   /* 16 + 8 bytes each */
		logtail_push(&t, line, 8, i == 99, 1700000000000ULL + (uint64_t)i);
	}
	assert_int_equal(t.count, 10);   /* 10 * 24 = 240 of 256 */
	assert_int_equal(logtail_first_seq(&t), 90);
	assert_int_equal(logtail_oldest_ts(&t), 1700000000090ULL);
	assert_int_equal(logtail_foreach_last(&t, 3, collect, &s), 3);
	assert_string_equal(s.lines[0], "line 097");
	assert_string_equal(s.lines[2], "line 099");
	assert_int_equal(s.seqs[2], 99);
	assert_int_equal(s.ts[2], 1700000000099ULL);   /* each keeps its receive time */
	assert_int_equal(s.flags[1], 0);
	assert_int_equal(s.flags[2], LOGTAIL_SPLIT);
	s.n = 0;
	assert_int_equal(logtail_foreach_last(&t, 1000, collect, &s), 10);
	assert_string_equal(s.lines[0], "line 090");
	assert_int_equal(logtail_foreach_last(&t, 0, collect, &s), 0);
	s.n = ELEMENTSOF(s.lines);
	assert_int_equal(logtail_foreach_last(&t, 5, collect, &s), -E2BIG);

	/* Longer than the whole tail: keeps its start, marked, alone. */
	memset(line, 'L', sizeof(line));
	logtail_push(&t, line, sizeof(line), false, 5);
	s.n = 0;
	assert_int_equal(logtail_foreach_last(&t, 10, collect, &s), 1);
	assert_int_equal(s.flags[0], LOGTAIL_TRUNCATED);
	assert_int_equal(s.seqs[0], 100);
	logtail_push(&t, "after", 5, false, 6);
	s.n = 0;
	assert_int_equal(logtail_foreach_last(&t, 10, collect, &s), 1);
	assert_string_equal(s.lines[0], "after");
	logtail_done(&t);
	logtail_done(&t);
}

struct check {
	const size_t *lens;
	uint64_t expect_seq;
	size_t bytes;
};

static int check_line(const char *line, size_t n, unsigned flags, uint64_t seq, uint64_t ts_ms,
		      void *userdata)
{
	struct check *c = userdata;

	assert_int_equal(ts_ms, seq * 3);
	assert_int_equal(seq, c->expect_seq++);
	assert_int_equal(n, c->lens[seq]);
	assert_int_equal(flags, 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(line[i], (char)('a' + (seq + i) % 26));
	c->bytes += LOGTAIL_HDR + n;
	return 0;
}

/* Random lengths through a 512-byte tail: after every push, what it holds
 * is a run of consecutive lines ending with the newest, intact, in bound. */
static void test_tail_random(void **state)
{
	(void)state;
	enum { PUSHES = 20000 };
	static size_t lens[PUSHES];
	struct logtail t;
	char line[200];
	uint64_t rnd = 7;

	assert_int_equal(logtail_init(&t, 512), 0);
	for (size_t i = 0; i < PUSHES; i++) {
		lens[i] = RND() % 8 ? RND() % 40 : RND() % 200;
		for (size_t k = 0; k < lens[i]; k++)
			line[k] = (char)('a' + (i + k) % 26);
		logtail_push(&t, line, lens[i], false, i * 3);

		struct check c = { .lens = lens, .expect_seq = logtail_first_seq(&t) };
		int r = logtail_foreach_last(&t, SIZE_MAX, check_line, &c);
		assert_int_equal(r, (int)t.count);
		assert_true(r >= 1);
		assert_int_equal(c.expect_seq, i + 1);
		assert_true(c.bytes <= 512);
		/* Packed: all lines so far, or the bound less at most one
		 * evicted record's worth of room. */
		assert_true(t.count == i + 1 || c.bytes + (LOGTAIL_HDR + 200) > 512);
		assert_int_equal(c.bytes, t.len);
	}
	logtail_done(&t);
}

/* next_piece tells the size and consumes nothing, however often asked;
 * take_piece then takes exactly that piece (and the '\n' of a whole line). */
static void test_piece_in_two_steps(void **state)
{
	struct linebuf lb;
	char out[16];
	size_t n;
	bool split;

	(void)state;
	assert_int_equal(linebuf_init(&lb, 16), 0);
	assert_int_equal(linebuf_append(&lb, "abc\nde", 6), 6);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(linebuf_next_piece(&lb, &n, &split), 1);
		assert_int_equal(n, 3);
		assert_false(split);
		assert_int_equal(linebuf_len(&lb), 6);
	}
	linebuf_take_piece(&lb, out, n, split);
	assert_memory_equal(out, "abc", 3);
	assert_int_equal(linebuf_len(&lb), 2);        /* the '\n' went too */
	assert_int_equal(linebuf_next_piece(&lb, &n, &split), 0);
	/* A full ring without '\n': one split piece of the whole ring. */
	assert_int_equal(linebuf_append(&lb, "fghijklmnopqrs", 14), 14);
	assert_int_equal(linebuf_next_piece(&lb, &n, &split), 1);
	assert_int_equal(n, 16);
	assert_true(split);
	linebuf_take_piece(&lb, out, n, split);
	assert_memory_equal(out, "defghijklmnopqrs", 16);
	assert_int_equal(linebuf_len(&lb), 0);        /* nothing else consumed */
	linebuf_done(&lb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_lines_across_appends),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_limits_of_small_rings),
		cmocka_unit_test(test_random_roundtrip),
		cmocka_unit_test(test_piece_in_two_steps),
		cmocka_unit_test(test_forward_format),
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_tail_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
