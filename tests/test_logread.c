/* SPDX-License-Identifier: MIT */
/*
 * test_logread.c: reading a stream's last lines back from its files
 * (logs/logread.c): order across name.N .. name.1, the live file and the
 * bytes not yet written; the live file's unaccounted end left out; the
 * time prefix taken off and used for `since`; every bound (lines, bytes
 * read, the caller's budget) with no partial line handed out; planted
 * files refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "basic/time_util.h"
#include "logs/logread.h"

struct fx {
	char dir[64];
	int dirfd;
	char got[64][80];
	uint64_t ts[64];
	size_t n;
};

static int rm_one(const char *p, _unused_ const struct stat *st, _unused_ int flag,
		  _unused_ struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	strcpy(fx->dir, "/tmp/rv-logread-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->dirfd = open(fx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fx->dirfd >= 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	close(fx->dirfd);
	nftw(fx->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static void put(struct fx *fx, const char *name, const char *text)
{
	int fd = openat(fx->dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int collect(const char *line, size_t n, uint64_t ts_ms, void *userdata)
{
	struct fx *fx = userdata;

	assert_true(fx->n < 64 && n < 80);
	memcpy(fx->got[fx->n], line, n);
	fx->got[fx->n][n] = '\0';
	fx->ts[fx->n++] = ts_ms;
	return 0;
}

/* Reads with r, returns the lines as one string "a|b|c". */
static const char *lines(struct fx *fx, const struct logread_req *r, struct logread_result *res)
{
	static char out[2048];
	struct logread_result dummy;

	fx->n = 0;
	assert_int_equal(logread_last(r, collect, fx, res ?: &dummy), 0);
	out[0] = '\0';
	for (size_t i = 0; i < fx->n; i++) {
		strcat(out, i ? "|" : "");
		strcat(out, fx->got[i]);
	}
	return out;
}

static struct logread_req base(const struct fx *fx)
{
	return (struct logread_req){ .dirfd = fx->dirfd, .name = "web.log", .backups = 3, .live_fd = -1,
				     .live_size = UINT64_MAX, .want = 100, .max_bytes = 1 << 20 };
}

static void test_order(void **state)
{
	struct fx *fx = *state;
	struct logread_result res;
	struct logread_req r;

	r = base(fx);
	assert_string_equal(lines(fx, &r, &res), "");   /* no files at all */
	put(fx, "web.log.3", "a1\na2\n");
	put(fx, "web.log.2", "b1\n\nb2\n");   /* an empty line is a line */
	put(fx, "web.log.1", "c1\nc2\n");
	put(fx, "web.log", "d1\nd2\nin flight\n");
	put(fx, "web.log.4", "too old\n");    /* past `backups`: not read */
	/* The live file up to what the writer accounted for; what is not yet
	 * written (a write in flight included) from the staging buffer, its
	 * last piece still unterminated. */
	r = base(fx);
	r.live_size = 6;
	r.pending = "in flight\ne1\ne2 so far";
	r.pending_len = 22;
	assert_string_equal(lines(fx, &r, &res), "a1|a2|b1||b2|c1|c2|d1|d2|in flight|e1|e2 so far");
	assert_false(res.bytes_capped);
	assert_int_equal(res.lines, 12);
	r.want = 4;
	assert_string_equal(lines(fx, &r, NULL), "d2|in flight|e1|e2 so far");
	r.want = 0;
	assert_string_equal(lines(fx, &r, NULL), "");
	/* A gap in the backups: nothing past it is read. */
	assert_int_equal(unlinkat(fx->dirfd, "web.log.2", 0), 0);
	r = base(fx);
	assert_string_equal(lines(fx, &r, NULL), "c1|c2|d1|d2|in flight");
	/* The live file deleted or replaced: the writer's fd still reads what
	 * it wrote; without an fd, its backups still answer. */
	int wfd = openat(fx->dirfd, "web.log", O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(wfd >= 0);
	assert_int_equal(unlinkat(fx->dirfd, "web.log", 0), 0);
	put(fx, "web.log", "planted\n");
	r.live_fd = wfd;
	assert_string_equal(lines(fx, &r, NULL), "c1|c2|d1|d2|in flight");
	assert_int_equal(unlinkat(fx->dirfd, "web.log", 0), 0);
	assert_string_equal(lines(fx, &r, NULL), "c1|c2|d1|d2|in flight");
	r.live_fd = -1;
	assert_string_equal(lines(fx, &r, NULL), "c1|c2");
	close(wfd);
}

static void test_bounds(void **state)
{
	struct fx *fx = *state;
	struct logread_result res;
	struct logread_req r;
	char big[8192] = "";

	/* 400 numbered lines of 20 bytes. */
	for (int i = 0; i < 400; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "line %014d\n", i);
	put(fx, "web.log", big);
	/* 100 bytes read: the last 5 lines whole, never a line's end alone. */
	r = base(fx);
	r.max_bytes = 110;
	assert_string_equal(lines(fx, &r, &res), "line 00000000000395|line 00000000000396|"
			    "line 00000000000397|line 00000000000398|line 00000000000399");
	assert_true(res.bytes_capped);
	/* The number of lines asked for, read in chunks from the end. */
	r = base(fx);
	r.want = 2;
	assert_string_equal(lines(fx, &r, &res), "line 00000000000398|line 00000000000399");
	assert_false(res.bytes_capped);
	r.want = 60;
	lines(fx, &r, &res);
	assert_int_equal(res.lines, 60);
	assert_string_equal(fx->got[0], "line 00000000000340");
}

static size_t cost10(const char *line, size_t n, void *userdata)
{
	(void)line, (void)n;
	++*(int *)userdata;
	return 10;
}

static void test_budget(void **state)
{
	struct fx *fx = *state;
	struct logread_result res;
	int calls = 0;

	put(fx, "web.log", "a\nb\nc\nd\ne\n");
	struct logread_req r = base(fx);
	r.cost = cost10;
	r.budget = 35;
	r.cost_userdata = &calls;
	assert_string_equal(lines(fx, &r, &res), "c|d|e");   /* the newest that fit */
	assert_true(res.budget_capped);
	assert_false(res.bytes_capped);
	assert_int_equal(calls, 4);
}

static void test_timestamps(void **state)
{
	struct fx *fx = *state;
	char a[32], b[32], c[32], text[512];
	uint64_t t0 = 1796000000000ULL;   /* 2026-11-29 */

	format_timestamp_ms(a, t0);
	format_timestamp_ms(b, t0 + 60 * 1000);
	format_timestamp_ms(c, t0 + 120 * 1000);
	snprintf(text, sizeof(text), "%s old\n%s mid\n[ringvisor: dropped 1 bytes in 1 lines (rate limit)]\n%s new\n",
		 a, b, c);
	put(fx, "web.log.1", text);
	put(fx, "web.log", "");
	struct logread_req r = base(fx);
	r.timestamps = true;
	assert_string_equal(lines(fx, &r, NULL),
			    "old|mid|[ringvisor: dropped 1 bytes in 1 lines (rate limit)]|new");
	assert_int_equal(fx->ts[0], t0);
	assert_int_equal(fx->ts[2], 0);   /* no time: unknown */
	assert_int_equal(fx->ts[3], t0 + 120 * 1000);
	/* since: the lines from t0 + 30 s on (a line without a time between
	 * two that qualify is kept). */
	r.since_ms = t0 + 30 * 1000;
	assert_string_equal(lines(fx, &r, NULL), "mid|[ringvisor: dropped 1 bytes in 1 lines (rate limit)]|new");
	r.since_ms = t0 + 121 * 1000;
	assert_string_equal(lines(fx, &r, NULL), "");
	/* Without timestamps the prefix is the line's own text. */
	r = base(fx);
	lines(fx, &r, NULL);
	assert_int_equal(strncmp(fx->got[0], a, TIMESTAMP_MS_LEN), 0);
	assert_int_equal(fx->ts[0], 0);
}

static void test_planted(void **state)
{
	struct fx *fx = *state;
	struct logread_result res;

	put(fx, "web.log", "live\n");
	assert_int_equal(mkfifoat(fx->dirfd, "web.log.1", 0600), 0);
	struct logread_req r = base(fx);
	assert_int_equal(logread_last(&r, collect, fx, &res), -EINVAL);
	assert_int_equal(unlinkat(fx->dirfd, "web.log.1", 0), 0);
	put(fx, "target", "secret\n");
	assert_int_equal(symlinkat("target", fx->dirfd, "web.log.1"), 0);
	assert_int_equal(logread_last(&r, collect, fx, &res), -ELOOP);
}

static void test_timestamp_format(void **state)
{
	char b[TIMESTAMP_MS_LEN + 1];
	uint64_t ms;
	(void)state;

	assert_int_equal(format_timestamp_ms(b, 1796000000123ULL), TIMESTAMP_MS_LEN);
	assert_string_equal(b, "2026-11-30T00:53:20.123Z");
	assert_int_equal(parse_timestamp_ms(b, strlen(b), &ms), 0);
	assert_int_equal(ms, 1796000000123ULL);
	format_timestamp_ms(b, 0);
	assert_string_equal(b, "1970-01-01T00:00:00.000Z");
	assert_int_equal(parse_timestamp_ms("2026-11-30T01:33:20.123", 23, &ms), -EINVAL);
	assert_int_equal(parse_timestamp_ms("2026-11-30 01:33:20.123Z", 24, &ms), -EINVAL);
	assert_int_equal(parse_timestamp_ms("2026-13-30T01:33:20.123Z", 24, &ms), -EINVAL);
	assert_int_equal(parse_timestamp_ms("2026-11-30T01:3a:20.123Z", 24, &ms), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timestamps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_planted, setup, teardown),
		cmocka_unit_test(test_timestamp_format),
	};
	return cmocka_run_group_tests_name("logread", tests, NULL, NULL);
}
