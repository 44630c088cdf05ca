/* SPDX-License-Identifier: MIT */
/*
 * logblock.c: see logblock.h. Why: at 100-byte lines the per-line path
 * (a room check, two copies, a tail record, calls for followers and the
 * sink) cost more than the bytes; here the file gets one copy of the
 * block, the tail only the lines it would keep (logtail_push_lines), and
 * the only work per line left is finding its end.
 */
#include <string.h>

#include "basic/macro.h"
#include "basic/time_util.h"
#include "logs/logblock.h"

static bool per_line_work(const struct logstream *s)
{
	return s->cfg->timestamps || s->cfg->rate_bytes_per_s > 0 || s->cfg->forward == LOG_FORWARD_STDOUT ||
	       s->followers || s->pend_drop_bytes || s->mid_line;
}

bool logblock_frame(struct logstream *s, uint64_t *rt)
{
	const char *p;
	size_t n, end = 0, lines = 0, limit = linebuf_piece_max(&s->in);

	if (!s->out || per_line_work(s))
		return false;
	n = MIN(linebuf_peek(&s->in, &p), LOGSTREAM_STAGING - s->out_len);
	/* Whole lines only, none longer than the slow path's piece (which
	 * would split it): the block ends before such a line. */
	for (const char *q = p, *nl; q < p + n && (nl = memchr(q, '\n', (size_t)(p + n - q))); q = nl + 1) {
		if ((size_t)(nl - q) > limit)
			break;
		lines++;
		end = (size_t)(nl + 1 - p);
	}
	if (lines == 0)
		return false;
	if (!*rt)
		*rt = realtime_ns();
	memcpy(s->out + s->out_len, p, end);
	s->out_len += end;
	logtail_push_lines(&s->tail, p, end, lines, *rt / NSEC_PER_MSEC);
	s->c.lines_in += lines;
	linebuf_consume(&s->in, end);
	return true;
}
