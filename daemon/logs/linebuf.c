/* SPDX-License-Identifier: MIT */
/*
 * linebuf.c: byte ring, line framer, forward format, rate limiter, tail.
 *
 * Ring invariants: 0 <= len <= cap, head < cap; byte i (0 <= i < len) of the
 * held data is buf[(head + i) % cap]; scanned <= len. An empty ring restarts
 * at offset 0 so that reads into it get the largest contiguous area.
 *
 * Tail invariants: the same ring shape over records [hdr][bytes] that may
 * wrap: count records fill exactly len bytes from head. Packed without
 * gaps, the records held (the newest included) always fill more than cap
 * less one record; records kept contiguous would waste up to a record at
 * the end of the array and, at worst, evict every older line for a new one.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/linebuf.h"
#include "basic/macro.h"
#include "basic/time_util.h"

int linebuf_init(struct linebuf *lb, size_t cap)
{
	if (cap == 0 || cap > LINEBUF_MAX)
		return -EINVAL;
	*lb = (struct linebuf){ .buf = malloc(cap), .cap = cap };
	return lb->buf ? 0 : -ENOMEM;
}

void linebuf_done(struct linebuf *lb)
{
	free(lb->buf);
	*lb = (struct linebuf){};
}

size_t linebuf_append(struct linebuf *lb, const void *p, size_t n)
{
	size_t taken = 0;
	char *area;

	/* At most two rounds: up to the end of the array, then from 0. */
	for (size_t k; taken < n && (k = linebuf_write_area(lb, &area)) > 0; taken += k) {
		k = MIN(k, n - taken);
		memcpy(area, (const char *)p + taken, k);
		linebuf_commit(lb, k);
	}
	return taken;
}

size_t linebuf_write_area(struct linebuf *lb, char **ret)
{
	size_t end = (lb->head + lb->len) % lb->cap;

	*ret = lb->buf + end;
	if (lb->len == lb->cap)
		return 0;
	return end < lb->head ? lb->head - end : lb->cap - end;
}

void linebuf_commit(struct linebuf *lb, size_t n)
{
	lb->len += MIN(n, lb->cap - lb->len);
}

size_t linebuf_peek(const struct linebuf *lb, const char **ret)
{
	*ret = lb->buf + lb->head;
	return MIN(lb->len, lb->cap - lb->head);
}

void linebuf_consume(struct linebuf *lb, size_t n)
{
	n = MIN(n, lb->len);
	lb->head = (lb->head + n) % lb->cap;
	lb->len -= n;
	lb->scanned = lb->scanned > n ? lb->scanned - n : 0;
	if (lb->len == 0)
		lb->head = 0;
}

/* Logical index of the first '\n' in [from, to), or SIZE_MAX. */
static size_t find_newline(const struct linebuf *lb, size_t from, size_t to)
{
	while (from < to) {
		size_t pos = (lb->head + from) % lb->cap;
		size_t run = MIN(to - from, lb->cap - pos);
		const char *hit = memchr(lb->buf + pos, '\n', run);
		if (hit)
			return from + (size_t)(hit - (lb->buf + pos));
		from += run;
	}
	return SIZE_MAX;
}

int linebuf_next_piece(struct linebuf *lb, size_t *ret_n, bool *ret_split)
{
	size_t limit = linebuf_piece_max(lb);
	size_t window = MIN(lb->len, limit + 1);
	size_t nl;

	/* A '\n' at index `limit` still ends a line of exactly `limit` bytes. */
	nl = find_newline(lb, MIN(lb->scanned, window), window);
	if (nl != SIZE_MAX) {
		lb->scanned = nl;   /* the '\n' itself is at index nl */
		*ret_n = nl;
		*ret_split = false;
		return 1;
	}
	lb->scanned = window;
	/* Too long for one piece; or the ring is full with no '\n' in it, and
	 * waiting for one would stall the pipe forever. */
	if (lb->len > limit || (lb->len == limit && lb->len == lb->cap)) {
		*ret_n = limit;
		*ret_split = true;
		return 1;
	}
	return 0;
}

void linebuf_take_piece(struct linebuf *lb, char *out, size_t n, bool split)
{
	size_t first = MIN(n, lb->cap - lb->head);

	memcpy(out, lb->buf + lb->head, first);
	memcpy(out + first, lb->buf, n - first);
	/* A whole line also takes its '\n'. */
	linebuf_consume(lb, n + (split || n == lb->len ? 0 : 1));
}

int linebuf_next_line(struct linebuf *lb, char *out, size_t outlen, size_t *ret_n, bool *ret_split)
{
	if (outlen < linebuf_piece_max(lb))
		return -EINVAL;
	if (linebuf_next_piece(lb, ret_n, ret_split) == 0)
		return 0;
	linebuf_take_piece(lb, out, *ret_n, *ret_split);
	return 1;
}

int linebuf_flush_partial(struct linebuf *lb, char *out, size_t outlen, size_t *ret_n,
			  bool *ret_split)
{
	int r = linebuf_next_line(lb, out, outlen, ret_n, ret_split);

	if (r != 0 || lb->len == 0)
		return r;
	/* next_line left the rest: no '\n' and at most one piece long. */
	*ret_n = lb->len;
	*ret_split = false;
	linebuf_take_piece(lb, out, lb->len, false);
	return 1;
}

int format_forward_line(char *out, size_t outlen, const char *service, unsigned index,
			const char *line, size_t n, bool split)
{
	size_t mark = split ? strlen(LINEBUF_SPLIT_MARKER) : 0;
	int p = snprintf(out, outlen, "%s.%u| ", service, index);
	size_t total;

	if (p < 0 || (size_t)p >= outlen)
		return -ENOBUFS;
	total = (size_t)p + n + mark + 1;
	if (n > outlen || total > outlen || total > INT32_MAX)
		return -ENOBUFS;
	memcpy(out + p, line, n);
	memcpy(out + p + n, LINEBUF_SPLIT_MARKER, mark);
	out[total - 1] = '\n';
	if (total < outlen)
		out[total] = '\0';
	return (int)total;
}

size_t format_line_timestamp(char out[LOG_TIMESTAMP_LEN], uint64_t ts_ms)
{
	char b[TIMESTAMP_MS_LEN + 1];

	format_timestamp_ms(b, ts_ms);
	memcpy(out, b, TIMESTAMP_MS_LEN);
	out[TIMESTAMP_MS_LEN] = ' ';
	return LOG_TIMESTAMP_LEN;
}

int format_drop_marker(char *out, size_t outlen, uint64_t bytes, uint64_t lines, const char *why)
{
	int r = snprintf(out, outlen, "[ringvisor: dropped %" PRIu64 " bytes in %" PRIu64
			 " lines (%s)]", bytes, lines, why);

	return r < 0 || (size_t)r >= outlen ? -ENOBUFS : r;
}

void ratelimit_init(struct ratelimit *rl, uint64_t bytes_per_s, uint64_t burst, uint64_t now_ns)
{
	burst = burst ? burst : bytes_per_s;
	*rl = (struct ratelimit){ .bytes_per_s = bytes_per_s, .burst = burst, .tokens = burst,
				  .last_ns = now_ns };
}

static void ratelimit_refill(struct ratelimit *rl, uint64_t now_ns)
{
	unsigned __int128 add;

	if (now_ns <= rl->last_ns) {
		rl->last_ns = now_ns;   /* a clock that went back refills nothing */
		return;
	}
	add = (unsigned __int128)(now_ns - rl->last_ns) * rl->bytes_per_s / NSEC_PER_SEC;
	if (rl->tokens >= rl->burst || add >= rl->burst - rl->tokens) {
		rl->tokens = MAX(rl->tokens, rl->burst);
		rl->last_ns = now_ns;
		return;
	}
	rl->tokens += (uint64_t)add;
	/* Advance only by the time the whole tokens took; the rest carries. */
	rl->last_ns += (uint64_t)(add * NSEC_PER_SEC / rl->bytes_per_s);
}

uint64_t ratelimit_take(struct ratelimit *rl, uint64_t n, uint64_t now_ns)
{
	uint64_t pass;

	if (rl->bytes_per_s == 0)
		return n;
	ratelimit_refill(rl, now_ns);
	pass = MIN(n, rl->tokens);
	rl->tokens -= pass;
	return pass;
}

struct tail_hdr {
	uint32_t len;
	uint32_t flags;
	uint64_t ts_ms;
};
#define TAIL_HDR sizeof(struct tail_hdr)
_Static_assert(TAIL_HDR == LOGTAIL_HDR, "LOGTAIL_HDR is the header's size");

int logtail_init(struct logtail *t, size_t cap)
{
	if (cap < LOGTAIL_MIN || cap > LOGTAIL_MAX)
		return -EINVAL;
	*t = (struct logtail){ .buf = malloc(cap), .cap = cap };
	return t->buf ? 0 : -ENOMEM;
}

void logtail_done(struct logtail *t)
{
	free(t->buf);
	*t = (struct logtail){};
}

void logtail_clear(struct logtail *t)
{
	t->head = t->len = t->count = 0;
}

/* Copies n bytes in or out at ring offset off, across the end if need be. */
static void tail_put(struct logtail *t, size_t off, const void *p, size_t n)
{
	size_t first = MIN(n, t->cap - off);

	memcpy(t->buf + off, p, first);
	memcpy(t->buf, (const char *)p + first, n - first);
}

static void tail_get(const struct logtail *t, size_t off, void *p, size_t n)
{
	size_t first = MIN(n, t->cap - off);

	memcpy(p, t->buf + off, first);
	memcpy((char *)p + first, t->buf, n - first);
}

static void evict_oldest(struct logtail *t)
{
	struct tail_hdr h;

	tail_get(t, t->head, &h, TAIL_HDR);
	t->head = (t->head + TAIL_HDR + h.len) % t->cap;
	t->len -= TAIL_HDR + h.len;
	if (--t->count == 0)
		t->head = t->len = 0;
}

void logtail_push(struct logtail *t, const char *line, size_t n, bool split, uint64_t ts_ms)
{
	struct tail_hdr h = { .flags = split ? LOGTAIL_SPLIT : 0, .ts_ms = ts_ms };
	size_t end;

	if (n > t->cap - TAIL_HDR) {
		n = t->cap - TAIL_HDR;
		h.flags |= LOGTAIL_TRUNCATED;
	}
	h.len = (uint32_t)n;
	while (t->cap - t->len < TAIL_HDR + n)
		evict_oldest(t);
	end = (t->head + t->len) % t->cap;
	tail_put(t, end, &h, TAIL_HDR);
	tail_put(t, (end + TAIL_HDR) % t->cap, line, n);
	t->len += TAIL_HDR + n;
	t->count++;
	t->next_seq++;
}

/* As logtail_push of each of the count lines of p[0..n) (each ending in
 * '\n', not kept), with one receive time; but the lines that the newest
 * would evict anyway are only numbered, never copied: from the end, the
 * newest lines whose records fit the tail are pushed; if any line is left
 * out, every older record would have gone too, so the tail starts empty. */
void logtail_push_lines(struct logtail *t, const char *p, size_t n, size_t count, uint64_t ts_ms)
{
	size_t keep = 0, bytes = 0, start = n;

	while (keep < count) {
		const char *prev = start >= 2 ? memrchr(p, '\n', start - 1) : NULL;
		size_t from = prev ? (size_t)(prev - p) + 1 : 0;
		size_t rec = TAIL_HDR + MIN(start - 1 - from, t->cap - TAIL_HDR);

		if (bytes + rec > t->cap)
			break;
		bytes += rec;
		keep++;
		start = from;
	}
	if (keep < count) {
		t->head = t->len = t->count = 0;
		t->next_seq += count - keep;
	}
	for (size_t off = start; off < n;) {
		const char *nl = memchr(p + off, '\n', n - off);
		size_t len = nl ? (size_t)(nl - (p + off)) : n - off;

		logtail_push(t, p + off, len, false, ts_ms);
		off += len + 1;
	}
}

uint64_t logtail_oldest_ts(const struct logtail *t)
{
	struct tail_hdr h;

	if (t->count == 0)
		return 0;
	tail_get(t, t->head, &h, TAIL_HDR);
	return h.ts_ms;
}

static void reverse(char *p, size_t n)
{
	for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
		char c = p[i];
		p[i] = p[j - 1];
		p[j - 1] = c;
	}
}

/* Rotates the array so the oldest record starts at 0: every record is then
 * contiguous. O(cap), once per query, none per push. */
static void linearize(struct logtail *t)
{
	if (t->head == 0)
		return;
	reverse(t->buf, t->head);
	reverse(t->buf + t->head, t->cap - t->head);
	reverse(t->buf, t->cap);
	t->head = 0;
}

int logtail_foreach_last(struct logtail *t, size_t n, logtail_fn fn, void *userdata)
{
	size_t skip = t->count > n ? t->count - n : 0;
	size_t off = 0;
	int visited = 0;

	linearize(t);
	for (size_t i = 0; i < t->count; i++) {
		struct tail_hdr h;
		memcpy(&h, t->buf + off, TAIL_HDR);
		if (i >= skip) {
			int r = fn(t->buf + off + TAIL_HDR, h.len, h.flags,
				   logtail_first_seq(t) + i, h.ts_ms, userdata);
			if (r < 0)
				return r;
			visited++;
		}
		off += TAIL_HDR + h.len;
	}
	return visited;
}
