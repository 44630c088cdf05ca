/* SPDX-License-Identifier: MIT */
/*
 * test_logstream.c: the log capture as a whole (logsys, logstream, logpump,
 * logsink), on both loop backends, against real pipes, files and a real
 * loop: what a service writes to its pipe reaches the file as whole lines,
 * the tail and the followers; a partial last line is written at close and
 * at shutdown; shutdown leaves no fd behind; timestamps; a planted symlink
 * is refused while the stream keeps working and counts what it dropped;
 * pipe2 and fcntl failing make logstream_new fail without leaking; and
 * `forward: stdout` with fd 1 a pipe of the test's. How the pieces are
 * wired; the pieces have tests of their own (test_linebuf, test_logfile).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fault.h"
#include "loop_until_util.h"
#include "logs/logstream.h"
#include "logs/logsys.h"
#include "basic/macro.h"

#include "logstream_test_util.h"

/* ---- what the tail and a follower saw ---- */

struct seen {
	char lines[16][64];
	uint64_t seq[16];
	size_t n;
};

static int tail_cb(const char *line, size_t n, unsigned flags, uint64_t seq, uint64_t ts_ms, void *ud)
{
	struct seen *sn = ud;
	uint64_t now_ms = realtime_ns() / NSEC_PER_MSEC;

	assert_int_equal(flags, 0);
	/* The receive time: the wall clock when the daemon read it, just now. */
	assert_true(ts_ms <= now_ms && ts_ms + 60 * 1000 > now_ms);
	assert_true(sn->n < 16 && n < 64);
	memcpy(sn->lines[sn->n], line, n);
	sn->lines[sn->n][n] = '\0';
	sn->seq[sn->n++] = seq;
	return 0;
}

static void follow_cb(struct log_follower *f, const char *line, size_t n, bool split, uint64_t seq,
		      uint64_t ts_ms)
{
	assert_false(split);
	assert_int_equal(tail_cb(line, n, 0, seq, ts_ms, f->userdata), 0);
}

static struct seen *tail_of(struct logstream *s)
{
	static struct seen sn;

	memset(&sn, 0, sizeof(sn));
	int r = logtail_foreach_last(&s->tail, 16, tail_cb, &sn);
	assert_int_equal(r, (int)sn.n);
	return &sn;
}

static bool tail_has_two(void *ud)
{
	return ((struct logstream *)ud)->tail.count >= 2;
}

/* ---- tests ---- */

static void test_lines_reach_file_tail_follower(void **state)
{
	struct fx *fx = *state;
	struct seen fol = { .n = 0 };
	struct log_follower f = { .push = follow_cb, .userdata = &fol };
	struct stat st;

	start(fx);
	struct logstream *s = new_stream(fx, "web", 0, false);
	assert_true(s->file_ok);
	assert_true(stat(log_path(fx, "web.0.log"), &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 07777) == 0640);
	assert_true(fcntl(s->rfd, F_GETFL) & O_NONBLOCK);
	assert_false(fcntl(s->wfd, F_GETFL) & O_NONBLOCK);   /* the child's end blocks */
	assert_true(fcntl(s->wfd, F_GETFD) & FD_CLOEXEC);
	logstream_follow(s, &f);

	/* Only whole lines go out; the partial one waits for its '\n'. */
	put(s->wfd, "one\ntwo\nthr");
	wait_file(fx, s, "web.0.log", "one\ntwo\n");
	assert_int_equal(s->c.bytes_in, 11);
	assert_int_equal(s->c.lines_in, 2);
	put(s->wfd, "ee\n");
	wait_file(fx, s, "web.0.log", "one\ntwo\nthree\n");
	assert_int_equal(s->c.lines_in, 3);

	struct seen *t = tail_of(s);
	assert_int_equal(t->n, 3);
	assert_string_equal(t->lines[0], "one");
	assert_string_equal(t->lines[2], "three");
	assert_true(t->seq[0] == 0 && t->seq[2] == 2);
	assert_int_equal(fol.n, 3);
	assert_string_equal(fol.lines[2], "three");
	assert_int_equal(fol.seq[2], 2);

	logstream_unfollow(&f);   /* hears nothing more */
	assert_null(f.stream);
	put(s->wfd, "four\n");
	wait_file(fx, s, "web.0.log", "one\ntwo\nthree\nfour\n");
	assert_int_equal(fol.n, 3);
	assert_int_equal(s->c.bytes_written, 19);
	assert_true(s->c.dropped_lines == 0 && s->c.write_errors == 0 && s->c.last_error == 0);
	finish(fx);
}

static bool no_streams(void *ud)
{
	return ((struct logsys *)ud)->streams == NULL;
}

/* Scale-down while the daemon runs: the stream is closed, what is in the
 * pipe is read, the unterminated rest written as it is, then it is freed. */
static void test_close_writes_partial_line(void **state)
{
	struct fx *fx = *state;
	struct log_follower f = { .push = follow_cb, .userdata = &(struct seen){ .n = 0 } };

	start(fx);
	struct logstream *s = new_stream(fx, "web", 1, false);
	logstream_follow(s, &f);
	put(s->wfd, "a\nb\npartial");
	logstream_close(s);
	assert_null(f.stream);   /* followers are let go at once */
	run_until(fx->l, no_streams, &fx->sys);
	char *got = slurp_len(log_path(fx, "web.1.log"), NULL);
	assert_string_equal(got, "a\nb\npartial");
	free(got);
	finish(fx);
}

/* Shutdown: finish writes out what every stream holds, partial lines
 * included, the loop ends by itself, and nothing is left open. */
static void test_shutdown_no_fd_leak(void **state)
{
	struct fx *fx = *state;
	int fds = fault_count_fds();

	fx->cfg.stderr_mode = LOG_STDERR_SEPARATE;
	start(fx);
	struct logstream *out = new_stream(fx, "api", 0, false);
	struct logstream *err = new_stream(fx, "api", 0, true);
	assert_false(out->merged);
	put(out->wfd, "out 1\nout 2\nout-rest");
	put(err->wfd, "err 1\nerr-rest");
	finish(fx);
	char *a = slurp_len(log_path(fx, "api.0.log"), NULL);
	char *b = slurp_len(log_path(fx, "api.0.err.log"), NULL);
	assert_string_equal(a, "out 1\nout 2\nout-rest");
	assert_string_equal(b, "err 1\nerr-rest");
	free(a), free(b);
	assert_int_equal(fault_count_fds(), fds);
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ " within a few seconds of now. */
static void check_stamp(const char *p, time_t lo, time_t hi)
{
	struct tm tm = { 0 };
	const char *end = strptime(p, "%Y-%m-%dT%H:%M:%S", &tm);

	assert_true(end == p + 19 && end[0] == '.' && isdigit(end[1]) && isdigit(end[2]) &&
		    isdigit(end[3]) && end[4] == 'Z' && end[5] == ' ');
	time_t t = timegm(&tm);
	assert_true(t >= lo - 1 && t <= hi + 1);
}

/* Each line (not each 64 KiB piece of a long one) has its stamp in the
 * file; the tail and followers get the line as it was written. */
static void test_timestamps(void **state)
{
	struct fx *fx = *state;
	size_t big = LINE_MAX_BYTES + 5000, n;
	char *long_line = malloc(big + 1);
	time_t lo = time(NULL);
	struct feeder fe;

	assert_non_null(long_line);
	memset(long_line, 'L', big);
	long_line[big] = '\n';
	fx->cfg.timestamps = true;
	start(fx);
	struct logstream *s = new_stream(fx, "ts", 0, false);
	put(s->wfd, "alpha\nbeta\n");
	run_until(fx->l, tail_has_two, s);
	struct seen *t = tail_of(s);
	assert_string_equal(t->lines[0], "alpha");
	assert_string_equal(t->lines[1], "beta");
	feed_start(fx->l, &fe, s->wfd, long_line, big + 1);
	struct file_size want = { log_path(fx, "ts.0.log"), 3 * LOG_TIMESTAMP_LEN + 6 + 5 + big + 1 };
	run_until(fx->l, file_size_pred, &want);
	finish(fx);
	time_t hi = time(NULL);

	char *got = slurp_len(want.path, &n);
	assert_int_equal(n, want.size);
	const char *p = got, *text[] = { "alpha\n", "beta\n", long_line };
	size_t len[] = { 6, 5, big + 1 };
	for (size_t i = 0; i < 3; p += LOG_TIMESTAMP_LEN + len[i], i++) {
		check_stamp(p, lo, hi);
		assert_memory_equal(p + LOG_TIMESTAMP_LEN, text[i], len[i]);
	}
	free(got), free(long_line);
}

/* A symlink planted as the log file: refused, its target untouched; the
 * stream still works, its tail gets the lines, the file's share is counted
 * as dropped. */
static void test_symlink_refused(void **state)
{
	struct fx *fx = *state;
	char target[128];
	struct stat st;

	snprintf(target, sizeof(target), "%s/target", fx->tmp);
	assert_int_equal(mkdir(fx->dir, 0750), 0);
	assert_int_equal(symlink(target, log_path(fx, "web.0.log")), 0);
	start(fx);
	struct logstream *s = new_stream(fx, "web", 0, false);
	assert_true(s->has_file && !s->file_ok);
	put(s->wfd, "x\nyy\n");
	run_until(fx->l, tail_has_two, s);
	struct seen *t = tail_of(s);
	assert_string_equal(t->lines[0], "x");
	assert_string_equal(t->lines[1], "yy");
	assert_int_equal(s->c.lines_in, 2);
	assert_int_equal(s->c.dropped_lines, 2);
	assert_int_equal(s->c.dropped_bytes, 5);
	assert_int_equal(s->c.bytes_written, 0);
	assert_int_equal(s->c.last_error, -ELOOP);
	finish(fx);
	assert_int_equal(lstat(target, &st), -1);   /* never created through the link */
	assert_true(lstat(log_path(fx, "web.0.log"), &st) == 0 && S_ISLNK(st.st_mode));
}

static void check_new_fails(struct fx *fx, enum fault_call call, int err)
{
	struct logstream *s = (struct logstream *)(uintptr_t)0x1;

	start(fx);
	int fds = fault_count_fds();
	fault_arm(call, NULL, 0, 1, err);
	assert_int_equal(logstream_new(&fx->sys, &fx->cfg, "web", 0, false, &s), -err);
	assert_int_equal(fault_hits(call), 1);
	assert_ptr_equal(s, (struct logstream *)(uintptr_t)0x1);   /* *ret untouched */
	assert_null(fx->sys.streams);
	assert_int_equal(fault_count_fds(), fds);
	s = new_stream(fx, "web", 0, false);   /* the next one works */
	assert_ptr_equal(fx->sys.streams, s);
	finish(fx);
}

/* pipe2 refused; then the fcntl that makes our end non-blocking, after
 * which both pipe fds must go (they once leaked). */
static void test_new_fails_without_leak(void **state)
{
	check_new_fails(*state, FAULT_PIPE2, EMFILE);
	check_new_fails(*state, FAULT_FCNTL, EBADF);
}

/* fd 1 becomes a pipe for the test (restored in teardown, also on failure). */
static void stdout_to_pipe(struct fx *fx)
{
	assert_int_equal(pipe2(fx->out, O_CLOEXEC), 0);
	assert_int_equal(fcntl(fx->out[0], F_SETFL, O_NONBLOCK), 0);
	fflush(stdout);
	fx->saved_stdout = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	assert_true(fx->saved_stdout >= 0);
	assert_int_equal(dup2(fx->out[1], STDOUT_FILENO), STDOUT_FILENO);
	fx->out[1] = safe_close(fx->out[1]);
}

static bool sink_idle(void *ud)
{
	return !((struct logsink *)ud)->in_flight;
}

/* `forward: stdout` and no file, with fd 1 a pipe we read. */
static struct logstream *forwarding(struct fx *fx, unsigned index)
{
	stdout_to_pipe(fx);
	fx->cfg.dir = NULL;
	fx->cfg.forward = LOG_FORWARD_STDOUT;
	start(fx);
	struct logstream *s = new_stream(fx, "web", index, false);
	assert_false(s->has_file);
	return s;
}

static void test_forward_stdout(void **state)
{
	struct fx *fx = *state;
	struct logstream *s = forwarding(fx, 3);
	struct fd_reads c = { .fd = fx->out[0], .want = "web.3| hello\nweb.3| world\n" };

	put(s->wfd, "hello\nworld\n");
	run_until(fx->l, fd_reads_pred, &c);
	assert_int_equal(s->c.dropped_lines, 0);   /* no file configured: nothing dropped */
	assert_int_equal(s->c.lines_in, 2);
	assert_int_equal(tail_of(s)->n, 2);
	/* Its write reaped before shutdown (see the next test for why). */
	run_until(fx->l, sink_idle, &fx->sys.ctx.sink);
	finish(fx);
}

/*
 * Shutdown with forwarding: what the service wrote last is forwarded
 * before the daemon exits, and the loop run for it ends by itself, as it
 * does with a file (test_shutdown_no_fd_leak). A 1 s timer stands in for
 * the daemon's 5 s deadline (supervisor_run, LOGS_FINISH_TIMEOUT_MS).
 */
static void test_forward_written_at_shutdown(void **state)
{
	struct fx *fx = *state;
	struct logstream *s = forwarding(fx, 0);
	struct fd_reads c = { .fd = fx->out[0], .want = "web.0| last words\n" };

	put(s->wfd, "last words\n");
	bool timed_out = logsys_finish(&fx->sys) && !run_until_quit(fx->l, 1000);
	logsys_stop(&fx->sys);
	bool got = fd_reads_pred(&c);
	restore_stdout(fx);
	if (!got || timed_out)
		print_message("%s: forwarded at shutdown: \"%s\", want \"web.0| last words\\n\"; the "
			      "loop %s\n", fx->env->name, c.buf,
			      timed_out ? "ran into the deadline" : "ended at once");
	assert_true(got);
	assert_false(timed_out);
}

#define BOTH(fn)                                                                              \
	{ #fn "/uring", fn, setup, teardown, &env_uring },                                    \
	{ #fn "/epoll", fn, setup, teardown, &env_epoll }

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_lines_reach_file_tail_follower),
		BOTH(test_close_writes_partial_line),
		BOTH(test_shutdown_no_fd_leak),
		BOTH(test_timestamps),
		BOTH(test_symlink_refused),
		BOTH(test_new_fails_without_leak),
		BOTH(test_forward_stdout),
		BOTH(test_forward_written_at_shutdown),
	};

	signal(SIGPIPE, SIG_IGN);
	alarm(120);
	return cmocka_run_group_tests_name("logstream", tests, NULL, NULL);
}
