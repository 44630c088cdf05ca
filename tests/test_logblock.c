/* SPDX-License-Identifier: MIT */
/*
 * test_logblock.c: the framer's fast path keeps what the per-line path
 * keeps. logtail_push_lines of a block against logtail_push of each of its
 * lines, into two tails of the same size: the same next sequence number,
 * at least as many lines held, and the lines the per-line tail holds are
 * the newest of the block tail's, byte for byte, with their numbers.
 * Random line lengths (empty ones, lines longer than the tail) and tail
 * sizes from the smallest up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "logs/linebuf.h"
#include "basic/macro.h"

#define RND() (rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL, (size_t)(rnd >> 33))

struct held {
	size_t n;
	uint64_t seq[4096];
	size_t len[4096];
	char *text[4096];
};

static int collect(const char *line, size_t n, unsigned flags, uint64_t seq, uint64_t ts_ms, void *userdata)
{
	struct held *h = userdata;

	assert_true(h->n < ELEMENTSOF(h->seq));
	assert_int_equal(ts_ms, 42);
	h->seq[h->n] = seq;
	h->len[h->n] = n;
	h->text[h->n] = malloc(n + 1);
	memcpy(h->text[h->n], line, n);
	h->n++;
	(void)flags;
	return 0;
}

static void held_free(struct held *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->text[i]);
	h->n = 0;
}

static void test_push_lines_equals_push(void **state)
{
	static struct held a, b;
	static const size_t caps[] = { LOGTAIL_MIN, 100, 512, 4096, 16384 };
	uint64_t rnd = 11;
	char block[65536];

	(void)state;
	for (size_t c = 0; c < ELEMENTSOF(caps); c++) {
		struct logtail one, many;

		assert_int_equal(logtail_init(&one, caps[c]), 0);
		assert_int_equal(logtail_init(&many, caps[c]), 0);
		for (int round = 0; round < 300; round++) {
			size_t n = 0, lines = 0, want = RND() % 8 == 0 ? 1 : RND() % 400;

			while (lines < want) {
				size_t len = RND() % 16 == 0 ? RND() % 20000 : RND() % 120;
				if (n + len + 1 > sizeof(block))
					break;
				for (size_t k = 0; k < len; k++)
					block[n + k] = (char)('a' + (round + lines + k) % 26);
				/* one line at a time into the per-line tail */
				logtail_push(&one, block + n, len, false, 42);
				n += len;
				block[n++] = '\n';
				lines++;
			}
			logtail_push_lines(&many, block, n, lines, 42);

			assert_int_equal(many.next_seq, one.next_seq);
			assert_true(many.count >= one.count);
			assert_true(many.len <= many.cap);
			assert_true(logtail_foreach_last(&one, SIZE_MAX, collect, &a) >= 0);
			assert_true(logtail_foreach_last(&many, SIZE_MAX, collect, &b) >= 0);
			assert_int_equal(b.n, many.count);
			for (size_t i = 0; i < a.n; i++) {
				size_t j = b.n - a.n + i;
				assert_int_equal(a.seq[i], b.seq[j]);
				assert_int_equal(a.len[i], b.len[j]);
				assert_memory_equal(a.text[i], b.text[j], a.len[i]);
			}
			held_free(&a);
			held_free(&b);
		}
		logtail_done(&one);
		logtail_done(&many);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_lines_equals_push),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
