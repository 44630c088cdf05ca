/* SPDX-License-Identifier: MIT */
/*
 * test_logdirect.c: the log capture's direct path (logs/logdirect.h) on
 * both loop backends, against a real pipe, file and loop: a flood (its
 * pipe filled before a turn) is spliced to the file once the framed bytes
 * are out, byte for byte, its unfinished last line included; its pipe
 * grows; the framed path takes over mid-line when a line-level need
 * appears (timestamps) and knows it is mid-line (no timestamp cut into
 * the line); a follower that comes while an io_uring splice is in flight
 * gets that splice's bytes; --log-splice=off never splices.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "logs/logdirect.h"
#include "logstream_test_util.h"

#define FLOOD (192 * 1024)   /* the file stays within what slurp_len reads */

/* Numbered 64-byte lines, FLOOD bytes, then an unfinished "part". */
static char *flood_text(size_t *ret_n)
{
	char *buf = malloc(FLOOD + 8);
	size_t n = 0;

	assert_non_null(buf);
	for (unsigned i = 0; n + 64 <= FLOOD; i++, n += 64)
		snprintf(buf + n, 65, "%010u %052u", i, 0u), buf[n + 63] = '\n';
	memcpy(buf + n, "part", 4);
	*ret_n = n + 4;
	return buf;
}

static size_t flood_len;

static bool took_all(void *ud)
{
	struct logstream *s = ud;
	return s->c.bytes_in == flood_len && !s->write_in_flight;
}

/* The first 64 KiB fill the pipe before the loop runs: that turn finds it
 * full, so the stream is a flood from there on. */
static struct logstream *flood(struct fx *fx, const char *buf, size_t n, struct feeder *fe)
{
	struct logstream *s = new_stream(fx, "web", 0, false);

	assert_int_equal(fcntl(s->wfd, F_SETFL, fcntl(s->wfd, F_GETFL) | O_NONBLOCK), 0);
	assert_int_equal(write(s->wfd, buf, 64 * 1024), 64 * 1024);
	run_until(fx->l, written_out, s);
	feed_start(fx->l, fe, s->wfd, buf + 64 * 1024, n - 64 * 1024);
	flood_len = n;
	if (!run_until_for(fx->l, took_all, s, 5000))
		fail_msg("took %" PRIu64 " of %zu bytes, wrote %" PRIu64 ", spliced %" PRIu64 ", fed %zu",
			 s->c.bytes_in, n, s->c.bytes_written, s->c.spliced_bytes, fe->off + 64 * 1024);
	return s;
}

static void test_flood_spliced_then_framed_mid_line(void **state)
{
	struct fx *fx = *state;
	struct feeder fe;
	size_t n;
	char *buf = flood_text(&n);

	start(fx);
	struct logstream *s = flood(fx, buf, n, &fe);
	struct file_is f = { log_path(fx, "web.0.log"), NULL };
	char *want = strndup(buf, n);
	f.want = want;
	if (!run_until_for(fx->l, file_is_pred, &f, 1000)) {   /* every byte, "part" included */
		size_t have;
		free(slurp_len(f.path, &have));
		fail_msg("the file has %zu bytes of %zu; spliced %" PRIu64 ", written %" PRIu64 ", in ring %zu, bulk %d",
			 have, n, s->c.spliced_bytes, s->c.bytes_written, linebuf_len(&s->in), s->bulk);
	}
	assert_true(s->bulk);
	assert_true(s->c.spliced_bytes > 0 && s->c.spliced_bytes <= n - 64 * 1024);
	assert_int_equal(s->c.bytes_in, n);
	assert_int_equal(fcntl(s->rfd, F_GETPIPE_SZ), LOGSTREAM_PIPE_MAX);
	assert_int_equal(s->tail.count, 0);   /* cleared as bytes went by */

	/* Timestamps from now on: the framer takes over inside "part...". */
	struct log_config ts = fx->cfg;
	ts.timestamps = true;
	logstream_use_config(s, &ts, "web");
	put(s->wfd, "rest\nnext\n");
	flood_len = n + 10;
	run_until(fx->l, took_all, s);
	char *got = slurp_len(log_path(fx, "web.0.log"), NULL);
	/* The end of the cut line gets no time; the next line does. */
	size_t len = strlen(got);
	assert_true(len == n + 5 + LOG_TIMESTAMP_LEN + 5);
	assert_memory_equal(got, buf, n);
	assert_memory_equal(got + n, "rest\n", 5);
	assert_memory_equal(got + len - 5, "next\n", 5);
	assert_true(got[n + 5 + 4] == '-' && got[n + 5 + LOG_TIMESTAMP_LEN - 1] == ' ');
	assert_false(s->mid_line);
	free(got);
	logstream_use_config(s, &fx->cfg, "web");
	finish(fx);
	free(want);
	free(buf);
}

/* ---- a follower that comes while a splice is in flight (io_uring) ---- */

struct caught {
	char text[64];
	size_t len;
	unsigned pieces, split;
};

static void catch_push(struct log_follower *f, const char *line, size_t n, bool split, uint64_t seq,
		       uint64_t ts_ms)
{
	struct caught *c = f->userdata;

	(void)seq, (void)ts_ms;
	assert_true(c->len + n + 1 < sizeof(c->text));
	memcpy(c->text + c->len, line, n);
	c->len += n;
	if (!split)
		c->text[c->len++] = '|';
	c->pieces++;
	c->split += split;
}

/* As logpump's completion: the splice is over, its result accounted. */
static void spliced_cb(struct loop *l, int64_t res, void *ud)
{
	struct logstream *s = ud;

	(void)l;
	s->write_in_flight = s->splicing = false;
	logdirect_spliced(s, res);
}

static bool not_splicing(void *ud)
{
	return !((struct logstream *)ud)->splicing;
}

static void test_follower_during_splice(void **state)
{
	struct fx *fx = *state;
	struct caught c = { .len = 0 };
	struct log_follower f = { .push = catch_push, .userdata = &c };
	struct feeder fe;
	size_t n, budget = LOGSTREAM_READ_BUDGET;
	char *buf = flood_text(&n);

	start(fx);
	struct logstream *s = flood(fx, buf, n, &fe);
	assert_true(s->c.spliced_bytes > 0);
	put(s->wfd, "\nx1\nx2\nx3");
	assert_int_equal(logdirect_move(s, &budget, spliced_cb), 1);
	assert_true(s->splicing);
	logstream_follow(s, &f);   /* the bytes on their way are in no tail it was shown */
	run_until(fx->l, not_splicing, s);
	/* The end of "part", two lines, and "x3" split (its line goes on). */
	c.text[c.len] = '\0';
	assert_string_equal(c.text, "|x1|x2|x3");
	assert_int_equal(c.pieces, 4);
	assert_int_equal(c.split, 1);
	assert_int_equal(s->tail.count, 4);
	logstream_unfollow(&f);
	finish(fx);
	free(buf);
}

/* --log-splice=off: the same flood, every byte framed and counted. */
static void test_splice_off(void **state)
{
	struct fx *fx = *state;
	struct feeder fe;
	size_t n;
	char *buf = flood_text(&n);

	start(fx);
	fx->sys.ctx.splice = false;
	struct logstream *s = flood(fx, buf, n, &fe);
	assert_int_equal(s->c.spliced_bytes, 0);
	assert_int_equal(s->c.lines_in, FLOOD / 64);
	assert_true(s->bulk);   /* still a flood, its pipe grown: only not spliced */
	assert_int_equal(fcntl(s->rfd, F_GETPIPE_SZ), LOGSTREAM_PIPE_MAX);
	finish(fx);
	free(buf);
}

#define BOTH(fn)                                                                              \
	{ #fn "/uring", fn, setup, teardown, &env_uring },                                    \
	{ #fn "/epoll", fn, setup, teardown, &env_epoll }

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_flood_spliced_then_framed_mid_line),
		BOTH(test_splice_off),
		{ "test_follower_during_splice/uring", test_follower_during_splice, setup, teardown, &env_uring },
	};

	signal(SIGPIPE, SIG_IGN);
	alarm(120);
	return cmocka_run_group_tests_name("logdirect", tests, NULL, NULL);
}
