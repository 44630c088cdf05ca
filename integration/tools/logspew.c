/* SPDX-License-Identifier: MIT */
/*
 * logspew: writes a deterministic stream of lines to stdout, and tells a
 * test exactly what it wrote, across restarts. Each start is a new run R
 * (1, 2, ...; the state directory remembers the count): it writes lines
 * "run R line N <pad>\n", N from 0, in bursts, until every run together
 * wrote TOTAL bytes (and at least MINRUNS runs happened), then records its
 * byte count and does what -a says. SIGTERM or SIGINT: it finishes the line
 * in progress (never more than the current 64 KiB write), records the exact
 * number of bytes it wrote, and exits 0. The same options with -x print
 * the concatenation of what every recorded run wrote, for a test to compare
 * with the log.
 *
 *   logspew -s DIR [-t TOTAL] [-m MAXPAD] [-L] [-f LEN] [-b BURST] [-p MS]
 *           [-r MINRUNS] [-a pause|exit|tick] [-k MS]
 *   logspew -s DIR -x [-m MAXPAD] [-L] [-f LEN]
 *
 * -t: bytes over all runs (K, M, G suffixes; default 1M). -m: pad length
 * 0..MAXPAD (default 200). -L: every 1000th line has 70000..210000 bytes of
 * pad. -f LEN: every line is exactly LEN bytes before its '\n'. -b: burst
 * size, up to this many bytes (default 1M) written back to back, then a
 * pause of -p MS (default 0). -a: after the total, pause until signalled
 * (default), exit 0, or write "run R tick K\n" every -k MS (default 50).
 *
 * State files in DIR: next (the next run number), run.R (bytes run R wrote,
 * written when it stops), done (the run that reached the total), ticks.R.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536
#define LONG_MAX_PAD 210000

static volatile sig_atomic_t stop;
static const char *dir;
static unsigned long long maxpad = 200, fixed_len;
static int long_lines;

static void on_signal(int sig) { (void)sig; stop = 1; }

static void die(const char *what)
{
	fprintf(stderr, "logspew: %s: %s\n", what, strerror(errno));
	exit(2);
}

static unsigned long long parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	switch (*end) {
	case 'K': v <<= 10; end++; break;
	case 'M': v <<= 20; end++; break;
	case 'G': v <<= 30; end++; break;
	}
	if (*end || end == s) {
		fprintf(stderr, "logspew: bad size '%s'\n", s);
		exit(100);
	}
	return v;
}

/* read_num NAME: the number in DIR/NAME, or -1 when it does not exist. */
static long long read_num(const char *name)
{
	char path[4200], buf[64];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -1;
		die(path);
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtoll(buf, NULL, 10);
}

static void write_num(const char *name, long long v)
{
	char path[4200], tmp[4300], buf[64];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(tmp);
	int n = snprintf(buf, sizeof(buf), "%lld\n", v);
	if (write(fd, buf, (size_t)n) != n)
		die(tmp);
	close(fd);
	if (rename(tmp, path) < 0)
		die(path);
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* gen_line: line N of run R into buf (room for any line), returns its length with '\n'. */
static size_t gen_line(unsigned r, unsigned long long n, char *buf)
{
	uint64_t h = mix(((uint64_t)r << 40) ^ n ^ 0x9e3779b97f4a7c15ULL);
	size_t len = (size_t)sprintf(buf, "run %u line %llu ", r, n);
	size_t pad;
	if (fixed_len)
		pad = fixed_len > len ? fixed_len - len : 0;
	else if (long_lines && n % 1000 == 999)
		pad = 70000 + h % (LONG_MAX_PAD - 70000);
	else
		pad = h % (maxpad + 1);
	uint64_t x = h | 1;
	for (size_t i = 0; i < pad; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		buf[len + i] = (char)('a' + x % 26);
	}
	len += pad;
	buf[len++] = '\n';
	return len;
}

static size_t line_room(void)
{
	unsigned long long m = fixed_len > maxpad ? fixed_len : maxpad;
	if (m < LONG_MAX_PAD)
		m = LONG_MAX_PAD;
	return (size_t)m + 128;
}

/* expect: every recorded run's bytes, in run order, to stdout. */
static int expect(void)
{
	long long next = read_num("next");
	char *line = malloc(line_room());
	if (!line)
		die("malloc");
	for (long long r = 1; r < next; r++) {
		char name[64];
		snprintf(name, sizeof(name), "run.%lld", r);
		long long left = read_num(name);
		if (left < 0) {
			fprintf(stderr, "logspew: run %lld has no record of what it wrote (killed?)\n", r);
			return 2;
		}
		for (unsigned long long n = 0; left > 0; n++) {
			size_t len = gen_line((unsigned)r, n, line);
			size_t k = (long long)len < left ? len : (size_t)left;
			if (fwrite(line, 1, k, stdout) != k)
				die("stdout");
			left -= (long long)k;
		}
	}
	return fflush(stdout) ? 2 : 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL); /* EINTR: the caller checks stop */
}

int main(int argc, char **argv)
{
	unsigned long long total = 1 << 20, burst = 1 << 20;
	long pause_ms = 0, tick_ms = 50, minruns = 1;
	const char *after = "pause";
	int opt, xmode = 0;

	while ((opt = getopt(argc, argv, "s:t:m:Lf:b:p:r:a:k:x")) != -1) {
		switch (opt) {
		case 's': dir = optarg; break;
		case 't': total = parse_size(optarg); break;
		case 'm': maxpad = parse_size(optarg); break;
		case 'L': long_lines = 1; break;
		case 'f': fixed_len = parse_size(optarg); break;
		case 'b': burst = parse_size(optarg); break;
		case 'p': pause_ms = atol(optarg); break;
		case 'r': minruns = atol(optarg); break;
		case 'a': after = optarg; break;
		case 'k': tick_ms = atol(optarg); break;
		case 'x': xmode = 1; break;
		default:
			fprintf(stderr, "usage: logspew -s DIR [-t TOTAL] [-m MAXPAD] [-L] [-f LEN] [-b BURST] [-p MS] [-r MINRUNS] [-a pause|exit|tick] [-k MS] [-x]\n");
			return 100;
		}
	}
	if (!dir || burst == 0) {
		fprintf(stderr, "logspew: -s DIR is required, -b must be > 0\n");
		return 100;
	}
	if (xmode)
		return expect();

	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	long long r = read_num("next");
	if (r < 1)
		r = 1;
	write_num("next", r + 1);
	unsigned long long before = 0;
	for (long long i = 1; i < r; i++) {
		char name[64];
		snprintf(name, sizeof(name), "run.%lld", i);
		long long v = read_num(name);
		before += v > 0 ? (unsigned long long)v : 0;
	}

	char name[64];
	snprintf(name, sizeof(name), "run.%lld", r);
	size_t room = (size_t)burst + line_room();
	char *buf = malloc(room);
	if (!buf)
		die("malloc");
	unsigned long long written = 0, n = 0;
	int reached = 0;
	while (!stop && !reached) {
		size_t len = 0;
		while (len < burst) {
			if (before + written + len >= total && r >= minruns) {
				reached = 1;
				break;
			}
			len += gen_line((unsigned)r, n++, buf + len);
		}
		size_t off = 0;
		while (off < len) {
			size_t lim = len;
			if (stop) { /* finish the line in progress, then stop */
				if (off == 0 || buf[off - 1] == '\n')
					break;
				lim = (size_t)((char *)memchr(buf + off, '\n', len - off) - buf) + 1;
			}
			size_t k = lim - off < CHUNK ? lim - off : CHUNK;
			ssize_t w = write(STDOUT_FILENO, buf + off, k);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				write_num(name, (long long)written);
				die("write");
			}
			off += (size_t)w;
			written += (unsigned long long)w;
		}
		if (off < len) { /* stopped inside the burst */
			reached = 0;
			break;
		}
		if (pause_ms && !stop && !reached)
			sleep_ms(pause_ms);
	}
	write_num(name, (long long)written);
	if (!reached)
		return 0; /* signalled */
	write_num("done", r);
	if (!strcmp(after, "exit"))
		return 0;
	char tickname[64];
	snprintf(tickname, sizeof(tickname), "ticks.%lld", r);
	for (unsigned long long k = 0; !stop; k++) {
		if (!strcmp(after, "tick")) {
			char t[96];
			int tl = snprintf(t, sizeof(t), "run %lld tick %llu\n", r, k);
			if (write(STDOUT_FILENO, t, (size_t)tl) == tl)
				write_num(tickname, (long long)k + 1);
			sleep_ms(tick_ms);
		} else {
			sleep_ms(20);
		}
	}
	return 0;
}
