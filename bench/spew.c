// SPDX-License-Identifier: MIT
// spew [-g GATE] [-t STAMPFILE] [-p] BYTES [LINE_LEN]: writes exactly BYTES bytes to
// stdout as fast as it can, for the log-capture bench (bench/logs.sh).
//
// The output is lines of LINE_LEN bytes (default 100, the '\n' included):
// a 16-digit line number from 0, a space, then a fixed pattern, so that
// the same arguments always give the same bytes (a checksum of a captured
// log can be compared with one of `spew BYTES`). When BYTES is not a
// multiple of LINE_LEN the last line is shorter, and still ends in '\n'
// (a line-based logger would otherwise hold it back).
//
// Lines go out in buffers of whole lines of about 64 KiB, one write(2)
// each, short writes and EINTR handled. -t writes "START_NS END_NS\n"
// (CLOCK_REALTIME: before the first write, after the last one returned)
// to STAMPFILE at the end. -g waits, before anything else, for a line on
// the FIFO GATE (the bench starts every supervisor with its service waiting
// there, reads the supervisor's CPU time, then opens the gate). -p pauses after writing instead of exiting, for
// a supervisor that cannot be told not to restart a program that exits.
// Exit status: 0, 1 on a write error, 2 on a usage error.
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BUF_TARGET (64 * 1024)
#define LINE_MAX_LEN (1024 * 1024)
#define DIGITS 16

static const char pattern[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";

static void usage(void)
{
	fprintf(stderr, "usage: spew [-g GATE] [-t STAMPFILE] [-p] BYTES [LINE_LEN]\n"
			"  LINE_LEN: 2..%d, default 100 (the newline included)\n", LINE_MAX_LEN);
	exit(2);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

// The line number in ASCII, incremented in place (a printf per line would
// cost more than the rest of the line together).
static char counter[DIGITS];

static void counter_next(void)
{
	int i;

	for (i = DIGITS - 1; i >= 0; i--) {
		if (counter[i] != '9') {
			counter[i]++;
			return;
		}
		counter[i] = '0';
	}
}

// One line of `len` bytes (len >= 1) into dst: the line number's last
// digits fill what room there is before the pattern.
static void fill_line(char *dst, const char *tmpl, size_t len)
{
	size_t body = len - 1, nd = body < DIGITS ? body : DIGITS;

	memcpy(dst, tmpl, body);
	memcpy(dst, counter + DIGITS - nd, nd);
	dst[body] = '\n';
	counter_next();
}

struct spew_opts {
	const char *stamp, *gate;
	int pause_after;
	uint64_t bytes, line_len;
};

// The options and arguments into o (usage() on a bad one).
static void parse_args(int argc, char **argv, struct spew_opts *o)
{
	int opt;

	while ((opt = getopt(argc, argv, "g:t:ph")) != -1) {
		switch (opt) {
		case 'g': o->gate = optarg; break;
		case 't': o->stamp = optarg; break;
		case 'p': o->pause_after = 1; break;
		default: usage();
		}
	}
	if (argc - optind < 1 || argc - optind > 2 || parse_u64(argv[optind], &o->bytes) < 0)
		usage();
	if (argc - optind == 2 && (parse_u64(argv[optind + 1], &o->line_len) < 0 ||
				   o->line_len < 2 || o->line_len > LINE_MAX_LEN))
		usage();
}

// Waits for a line on the FIFO gate: 0, or -1 (said) when it cannot be opened.
static int wait_gate(const char *gate)
{
	char c;
	int fd = open(gate, O_RDONLY | O_CLOEXEC); // blocks until a writer opens it
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr, "spew: %s: %s\n", gate, strerror(errno));
		return -1;
	}
	while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	close(fd);
	return 0;
}

// Writes the bytes to stdout: lines of line_len made from tmpl, per_buf of
// them to a write(2) through buf. 0, or -1 (said) on a write error.
static int write_lines(const char *tmpl, char *buf, size_t per_buf, uint64_t bytes, uint64_t line_len)
{
	uint64_t left = bytes;
	size_t buf_len, i;

	while (left > 0) {
		buf_len = 0;
		for (i = 0; i < per_buf && left > 0; i++) {
			size_t len = left < line_len ? (size_t)left : (size_t)line_len;

			fill_line(buf + buf_len, tmpl, len);
			buf_len += len;
			left -= len;
		}
		if (write_all(STDOUT_FILENO, buf, buf_len) < 0) {
			fprintf(stderr, "spew: write after %" PRIu64 " bytes: %s\n",
				bytes - left - buf_len, strerror(errno));
			return -1;
		}
	}
	return 0;
}

// "START_NS END_NS\n" to stamp, written aside and renamed, so a reader
// never sees half of it. 0, or -1 (said).
static int write_stamp(const char *stamp, uint64_t t0, uint64_t t1)
{
	char line[64], tmp[4096];
	int fd, n = snprintf(line, sizeof(line), "%" PRIu64 " %" PRIu64 "\n", t0, t1);

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", stamp) >= (int)sizeof(tmp)) {
		fprintf(stderr, "spew: %s: name too long\n", stamp);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, line, (size_t)n) < 0 || close(fd) < 0 ||
	    rename(tmp, stamp) < 0) {
		fprintf(stderr, "spew: %s: %s\n", stamp, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct spew_opts o = { .line_len = 100 };
	uint64_t t0, t1;
	size_t per_buf, i;
	char *tmpl, *buf;

	parse_args(argc, argv, &o);

	// The template: DIGITS places for the number, a space, the pattern.
	tmpl = malloc(o.line_len);
	per_buf = BUF_TARGET / o.line_len ? BUF_TARGET / o.line_len : 1;
	buf = malloc(per_buf * o.line_len);
	if (!tmpl || !buf) {
		perror("spew: malloc");
		return 1;
	}
	for (i = 0; i < o.line_len; i++)
		tmpl[i] = i == DIGITS ? ' ' : pattern[i % (sizeof(pattern) - 1)];
	memset(counter, '0', sizeof(counter));

	if (o.gate && wait_gate(o.gate) < 0)
		return 1;

	t0 = now_ns();
	if (write_lines(tmpl, buf, per_buf, o.bytes, o.line_len) < 0)
		return 1;
	t1 = now_ns();

	if (o.stamp && write_stamp(o.stamp, t0, t1) < 0)
		return 1;
	free(buf);
	free(tmpl);
	if (o.pause_after) {
		close(STDOUT_FILENO);
		for (;;)
			pause();
	}
	return 0;
}
