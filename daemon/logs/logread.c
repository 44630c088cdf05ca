/* SPDX-License-Identifier: MIT */
/*
 * logread.c: a stream's last lines, read back from its files (logread.h).
 * One buffer, filled from its end towards its start, newest source first;
 * the lines are then picked from the end and handed out oldest first.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/time_util.h"
#include "logs/logread.h"

struct reader {
	const struct logread_req *r;
	char *buf;
	size_t cap;             /* the buffer's size; the data is buf[pos..cap) */
	size_t pos;
	size_t nl;              /* newlines in the data */
	bool at_start;          /* the data begins where the stream does */
	bool capped;
};

/* The time prefix of a line: its time and length, or 0 for none. */
static size_t line_ts(const struct logread_req *r, const char *s, size_t n, uint64_t *ret_ms)
{
	*ret_ms = 0;
	if (!r->timestamps || n < TIMESTAMP_MS_LEN + 1 || s[TIMESTAMP_MS_LEN] != ' ' ||
	    parse_timestamp_ms(s, n, ret_ms) < 0)
		return 0;
	return TIMESTAMP_MS_LEN + 1;
}

/* Enough read: `want` whole lines (the first, partial line not counted),
 * or the oldest whole line is older than `since`. */
static bool enough(const struct reader *rd)
{
	const struct logread_req *r = rd->r;
	bool ends_nl = rd->pos < rd->cap && rd->buf[rd->cap - 1] == '\n';
	size_t whole = rd->nl - (ends_nl ? 1 : 0);
	uint64_t ts;

	if (whole >= r->want)
		return true;
	if (!r->since_ms)
		return false;
	const char *p = memchr(rd->buf + rd->pos, '\n', rd->cap - rd->pos);
	if (!p)
		return false;
	p++;
	(void)line_ts(r, p, (size_t)(rd->buf + rd->cap - p), &ts);
	return ts && ts < r->since_ms;
}

/* Puts the last `size` bytes of a source (memory, or fd) before the data,
 * newest chunk first: 1 once enough is read (or the buffer is full), 0
 * when the source is used up, -errno. */
static int prepend(struct reader *rd, const char *mem, int fd, uint64_t size)
{
	while (size > 0) {
		if (rd->pos == 0) {
			rd->capped = true;
			return 1;
		}
		size_t k = (size_t)MIN(MIN(size, (uint64_t)LOGREAD_CHUNK), (uint64_t)rd->pos);
		uint64_t off = size - k;
		char *dst = rd->buf + rd->pos - k;
		if (mem) {
			memcpy(dst, mem + off, k);
		} else {
			ssize_t got = pread(fd, dst, k, (off_t)off);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				return -errno;
			if ((size_t)got != k)
				return -EIO;   /* the file shrank under us */
		}
		for (size_t i = 0; i < k; i++)
			rd->nl += dst[i] == '\n';
		rd->pos -= k;
		size = off;
		if (enough(rd))
			return 1;
	}
	return 0;
}

/* An open file's first `limit` bytes (UINT64_MAX: all): 1 for enough, 0
 * to go on. Closes fd. */
static int prepend_fd(struct reader *rd, int fd, uint64_t limit)
{
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;   /* a planted FIFO or device is not read */
	else
		r = prepend(rd, NULL, fd, MIN((uint64_t)st.st_size, limit));
	close(fd);
	return r;
}

/* One file of the directory, by name; -ENOENT when there is none. */
static int prepend_file(struct reader *rd, const char *name, uint64_t limit)
{
	int fd = openat(rd->r->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	return fd < 0 ? -errno : prepend_fd(rd, fd, limit);
}

/* The live file: through the writer's fd (the file it writes, whatever
 * happened to the name), else by name. */
static int prepend_live(struct reader *rd)
{
	const struct logread_req *r = rd->r;
	char path[64];
	int fd = -1;

	if (r->live_fd >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", r->live_fd);
		fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	}
	return fd >= 0 ? prepend_fd(rd, fd, r->live_size) : prepend_file(rd, r->name, r->live_size);
}

/* Every source, newest first, until enough is read. */
static int fill(struct reader *rd)
{
	const struct logread_req *r = rd->r;
	char name[NAME_MAX + 1];
	int k;

	k = prepend(rd, r->pending, -EBADF, r->pending ? r->pending_len : 0);
	if (k == 0)
		k = prepend_live(rd);
	if (k == -ENOENT)
		k = 0;   /* the live file deleted: its backups are still there */
	for (unsigned i = 1; k == 0 && i <= r->backups; i++) {
		snprintf(name, sizeof(name), "%s.%u", r->name, i);
		k = prepend_file(rd, name, UINT64_MAX);
		if (k == -ENOENT)
			k = 1;   /* backups are consecutive: nothing older */
	}
	if (k == 1 && !rd->capped && !enough(rd))
		k = 0;   /* stopped by a missing backup: the data is all there is */
	if (k == 0)
		rd->at_start = true;
	return k < 0 ? k : 0;
}

/* The newest lines that qualify, from the end: where the oldest of them
 * starts, and how many. */
static size_t pick(struct reader *rd, struct logread_result *res, size_t *ret_first)
{
	const struct logread_req *r = rd->r;
	size_t e = rd->cap, kept = 0, spent = 0;
	uint64_t ts;

	*ret_first = rd->cap;
	if (rd->pos == rd->cap)
		return 0;
	if (rd->buf[e - 1] == '\n')
		e--;   /* a final newline ends the last line; no empty line after it */
	while (kept < r->want) {
		const char *nlp = memrchr(rd->buf + rd->pos, '\n', e - rd->pos);
		size_t s = nlp ? (size_t)(nlp - rd->buf) + 1 : rd->pos;
		if (!nlp && !rd->at_start)
			break;   /* the first line read is a line's end only */
		size_t skip = line_ts(r, rd->buf + s, e - s, &ts);
		if (r->since_ms && ts && ts < r->since_ms)
			break;
		size_t c = r->cost ? r->cost(rd->buf + s + skip, e - s - skip, r->cost_userdata) : 0;
		if (r->cost && spent + c > r->budget) {
			res->budget_capped = true;
			break;
		}
		spent += c;
		kept++;
		*ret_first = s;
		if (!nlp)
			break;
		e = s - 1;
	}
	return kept;
}

int logread_last(const struct logread_req *r, logread_fn fn, void *userdata,
		 struct logread_result *ret)
{
	struct logread_result res = {};
	struct reader rd = { .r = r, .cap = MIN(r->max_bytes, (size_t)LOGREAD_MAX_BYTES) };
	size_t first;
	uint64_t ts;
	int k;

	if (r->want == 0 || rd.cap == 0) {
		*ret = res;
		return 0;
	}
	/* Only the pages written to are touched (a large malloc is an mmap). */
	_cleanup_free_ char *buf = rd.buf = malloc(rd.cap);
	if (!buf)
		return -ENOMEM;
	rd.pos = rd.cap;
	k = fill(&rd);
	if (k < 0)
		return k;
	res.bytes_capped = rd.capped;
	res.bytes_read = rd.cap - rd.pos;
	size_t n = pick(&rd, &res, &first);
	for (size_t i = 0, s = first; i < n; i++) {
		const char *nlp = memchr(rd.buf + s, '\n', rd.cap - s);
		size_t e = nlp ? (size_t)(nlp - rd.buf) : rd.cap;
		size_t skip = line_ts(r, rd.buf + s, e - s, &ts);
		k = fn(rd.buf + s + skip, e - s - skip, ts, userdata);
		if (k < 0)
			return k;
		res.lines++;
		s = e + 1;
	}
	*ret = res;
	return 0;
}
