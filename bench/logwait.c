// SPDX-License-Identifier: MIT
// logwait BYTES DIR TIMEOUT_S STALL_S [PID...]: the clock of the log-capture
// bench (bench/logs.sh). Polls, every 10 ms, the sum of the sizes of the
// regular files in DIR (a logger's directory: rotated files included) until
// it is exactly BYTES, then prints one line and exits 0:
//
//   result=done bytes=N t_ns=T ticks=A,B,... polls=P
//
// t_ns is CLOCK_REALTIME when the sum was first seen at BYTES; ticks are
// the utime+stime (clock ticks) each PID used from logwait's start until
// then (all threads; a PID gone meanwhile counts its last reading). A C
// loop and not a shell one: a shell forks for each poll, and on a 2-CPU
// machine that would take CPU from the programs being measured.
//
// result=timeout after TIMEOUT_S, result=stall when the sum did not move for
// STALL_S (exit 1 for both); a sum above BYTES is only a failure if it
// stays so for a second (a logger may link an archive before it unlinks
// the live name), result=over (exit 1).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 16
#define POLL_NS 10000000ull

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// utime + stime of the whole thread group, or -1 when PID is gone.
static long long ticks_of(const char *pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')'); // comm may hold spaces and parentheses
	if (!p)
		return -1;
	p += 2; // now at field 3 (state); utime and stime are fields 14, 15
	for (i = 3; i < 14 && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%llu %llu", &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

static int64_t dir_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	int64_t sum = 0;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		// A file renamed away between readdir and stat is simply missed:
		// the next poll sees it under its new name.
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			sum += st.st_size;
	}
	closedir(d);
	return sum;
}

// One wait: what for (want bytes in dir, within timeout_s, moving at least
// every stall_s), the pids watched with their first and last ticks, and
// what was seen (the last sum, the number of polls).
struct wait {
	int64_t want, got;
	const char *dir;
	double timeout_s, stall_s;
	char **pids;
	int npid;
	long long t0[MAX_PIDS], last[MAX_PIDS];
	uint64_t polls;
};

// Polls every 10 ms until the sum is w->want or the wait fails: the
// result's name (done, over, timeout, stall).
static const char *wait_bytes(struct wait *w)
{
	uint64_t start, now, moved_at, over_at = 0;
	int64_t prev = -1;
	int i;

	start = moved_at = clock_ns(CLOCK_MONOTONIC);
	for (;;) {
		struct timespec nap = {0, POLL_NS};

		w->got = dir_bytes(w->dir);
		now = clock_ns(CLOCK_MONOTONIC);
		w->polls++;
		for (i = 0; i < w->npid; i++) {
			long long t = ticks_of(w->pids[i]);

			if (t >= 0)
				w->last[i] = t;
		}
		if (w->got == w->want)
			return "done";
		if (w->got != prev) {
			prev = w->got;
			moved_at = now;
		}
		if (w->got > w->want) {
			if (!over_at)
				over_at = now;
			if (now - over_at > 1000000000ull)
				return "over";
		} else {
			over_at = 0;
		}
		if (now - start > (uint64_t)(w->timeout_s * 1e9))
			return "timeout";
		if (now - moved_at > (uint64_t)(w->stall_s * 1e9))
			return "stall";
		nanosleep(&nap, NULL);
	}
}

int main(int argc, char **argv)
{
	struct wait w = { 0 };
	const char *result;
	int i;

	if (argc < 5 || argc - 5 > MAX_PIDS) {
		fprintf(stderr, "usage: logwait BYTES DIR TIMEOUT_S STALL_S [PID...] (at most %d)\n", MAX_PIDS);
		return 2;
	}
	w.want = strtoll(argv[1], NULL, 10);
	w.dir = argv[2];
	w.timeout_s = strtod(argv[3], NULL);
	w.stall_s = strtod(argv[4], NULL);
	w.pids = argv + 5;
	w.npid = argc - 5;
	for (i = 0; i < w.npid; i++)
		w.last[i] = w.t0[i] = ticks_of(w.pids[i]);

	result = wait_bytes(&w);
	printf("result=%s bytes=%" PRId64 " t_ns=%" PRIu64 " ticks=", result, w.got, clock_ns(CLOCK_REALTIME));
	for (i = 0; i < w.npid; i++)
		printf("%s%lld", i ? "," : "", w.t0[i] < 0 ? -1 : w.last[i] - w.t0[i]);
	printf(" polls=%" PRIu64 "\n", w.polls);
	return strcmp(result, "done") == 0 ? 0 : 1;
}
