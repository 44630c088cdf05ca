/* SPDX-License-Identifier: MIT */
/*
 * top_draw.c: the frames of `ringvisor top`. A frame is built in t->out
 * from the last snapshot alone (a key redraws without fetching): three
 * header lines (daemon, backend, probe source, time; where CPU, memory,
 * fds and threads come from; the sort, the filter and the keys), the
 * column titles and the rows of the view (top_rows.c sorts and filters
 * them) from the scroll offset: state, pid, CPU%, memory, fds, threads,
 * verdict, fds and threads sparklines. Every string from the daemon is
 * sanitized (no control characters reach the terminal) and every line is
 * cut at the terminal's width; rows that do not fit the height become
 * "... N more: A above, B below".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "basic/macro.h"
#include "cli/top_draw.h"
#include "cli/top_rows.h"
#include "basic/units.h"

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->cap - b->len < n + 1) {
		size_t cap = MAX(b->cap * 2, b->len + n + 4096);
		char *p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* One character of s, sanitized: printable ASCII, or a well-formed UTF-8
 * sequence of a code point from U+00A0 up (no C1 controls); anything else
 * becomes '?'. Writes it to out, returns the bytes consumed. */
static size_t u8_char(const char *s, char out[4], size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = u[0] < 0xC2 ? 1 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : u[0] < 0xF5 ? 4 : 1;
	uint32_t cp = n == 4 ? u[0] & 0x07 : n == 3 ? u[0] & 0x0F : u[0] & 0x1F;

	if (n == 1) {
		out[0] = u[0] >= 0x20 && u[0] < 0x7F ? s[0] : '?';
		*outlen = 1;
		return 1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xC0) != 0x80) {
			out[0] = '?';
			*outlen = 1;
			return i;
		}
		cp = cp << 6 | (u[i] & 0x3F);
	}
	bool ok = cp >= 0xA0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) &&
		  !(n == 3 && cp < 0x800) && !(n == 4 && cp < 0x10000);
	memcpy(out, ok ? s : "?", ok ? n : 1);
	*outlen = ok ? n : 1;
	return n;
}

/* Display columns of s: one per character (names are ASCII, sparklines
 * are block characters U+2581..U+2588, one column each). */
static int text_cols(const char *s)
{
	int c = 0;
	char tmp[4];
	size_t tl;
	while (*s) {
		s += u8_char(s, tmp, &tl);
		c++;
	}
	return c;
}

static void line_begin(struct top *t)
{
	t->cols = 0;
	t->hidden = t->lines >= t->height;
	if (t->hidden)
		return;
	if (t->live)
		(void)buf_add(&t->out, t->lines ? "\r\n\033[2K" : "\033[2K", t->lines ? 6 : 4);
}

static void line_end(struct top *t)
{
	if (t->hidden)
		return;
	if (!t->live)
		(void)buf_add(&t->out, "\n", 1);
	t->lines++;
}

/* Appends s to the current line, sanitized, cut at the width. */
static void put(struct top *t, const char *s)
{
	char c[4];
	size_t cl;
	while (*s && !t->hidden && t->cols < t->width) {
		s += u8_char(s, c, &cl);
		(void)buf_add(&t->out, c, cl);
		t->cols++;
	}
}

_printf_(2, 3) static void putf(struct top *t, const char *fmt, ...)
{
	char b[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	put(t, b);
}

/* A column: a space after the previous one, then s padded to w. */
static void cell(struct top *t, const char *s, int w, bool right)
{
	int pad = MAX(0, w - text_cols(s));
	if (t->cols > 0)
		put(t, " ");
	if (!right)
		put(t, s);
	for (int i = 0; i < pad; i++)
		put(t, " ");
	if (right)
		put(t, s);
}

static void fmt_bytes(uint64_t b, char *buf, size_t n)
{
	static const char units[] = "BKMGTP";
	double v = (double)b;
	int u = 0;
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%lluB", (unsigned long long)b);
	else
		snprintf(buf, n, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

static const char *sparkline(json_object *li, const char *k)
{
	const char *s = jstr(jget(li, "sparkline"), k);
	return s && *s ? s : "-";
}

/* The probe source: each service's, "bpf+procfs" when they differ; the
 * reply's own without services; "-" without a leaks reply. */
static void probe_sources(const struct snapshot *s, char *probe, size_t len)
{
	json_object *leak_svcs = jarr(s->leaks, "services");
	const char *srcs[4] = { jstr(s->leaks, "source") };
	size_t nsrc = 0;

	probe[0] = '\0';
	for (size_t i = 0; leak_svcs && i < json_object_array_length(leak_svcs); i++) {
		const char *src = jstr(json_object_array_get_idx(leak_svcs, i), "source");
		size_t k = 0;
		while (src && k < nsrc && strcmp(srcs[k], src))
			k++;
		if (src && k == nsrc && nsrc < ELEMENTSOF(srcs))
			srcs[nsrc++] = src;
	}
	nsrc = nsrc ? nsrc : srcs[0] ? 1 : 0;
	for (size_t k = 0; k < nsrc; k++)
		snprintf(probe + strlen(probe), len - strlen(probe), "%s%s", k ? "+" : "", srcs[k]);
	if (!probe[0])
		snprintf(probe, len, "-");
}

/* Line 1: the daemon, the instances, the probe, the time of the refresh
 * (not of the drawing: a key redraws the same refresh). */
static void header_daemon(struct top *t, const struct snapshot *s)
{
	json_object *sup = jget(s->status, "supervisor");
	char now[16], probe[64];
	int64_t pid = -1, n = -1;

	probe_sources(s, probe, sizeof(probe));
	strftime(now, sizeof(now), "%H:%M:%S", localtime(&s->at_wall));
	(void)jnum(sup, "pid", &pid);
	(void)jnum(sup, "instances", &n);
	line_begin(t);
	putf(t, "ringvisor pid %lld, backend %s, %lld instances, probe %s, %s", (long long)pid,
	     jstr(sup, "event_backend") ? jstr(sup, "event_backend") : "?", (long long)n, probe, now);
	line_end(t);
}

/* Line 2: where CPU, MEM, FDS and THREADS come from (docs/protocol.md:
 * the instances' cgroup counters and usage, supervisor.usage_source). */
static void header_sources(struct top *t, const struct snapshot *s)
{
	const char *use = jstr(jget(s->status, "supervisor"), "usage_source");
	char ago[32];

	line_begin(t);
	putf(t, "cpu: %s; memory: %s%s%s; fds, threads: %s", s->cpu_cgroup ? "cgroup cpu.stat" : "- (no cgroup)",
	     s->mem_cgroup ? "memory.current" : "", s->mem_cgroup && s->mem_rss ? "+" : "",
	     s->mem_rss ? "rss" : s->mem_cgroup ? "" : "-", use ? use : s->leaks ? "leaks" : "-");
	if (s->usage_ago_ms >= 0)
		putf(t, ", leak pass %s ago", format_duration_ms((uint64_t)s->usage_ago_ms / 100 * 100, ago, sizeof(ago)));
	else if (use && strcmp(use, "none"))
		put(t, ", no leak pass yet");
	if (!s->leaks)
		putf(t, "; verdicts: - (leaks: %s)", s->leaks_err);
	line_end(t);
}

/* Line 3: the order, the filter and (live) the keys. */
static void header_view(struct top *t)
{
	char every[32];

	line_begin(t);
	if (t->editing) {
		putf(t, "filter: %s_  (Enter applies, Esc clears)", t->edit);
		line_end(t);
		return;
	}
	putf(t, "sort: %s", top_sort_to_string(t->sort));
	if (t->filter[0])
		putf(t, "; filter: \"%s\"", t->filter);
	putf(t, "; refresh every %s", format_duration_ms(t->interval_ms, every, sizeof(every)));
	if (t->live)
		put(t, "; keys: q quits, c m f t r n sort (cpu mem fds threads restarts name), / filter, "
		       "arrows PgUp PgDn Home End j k scroll");   /* q first: a narrow terminal cuts the rest */
	line_end(t);
}

#define N_COLS 10

/* A clear screen or the home position (t->width and t->height are top.c's
 * to keep: at start and on SIGWINCH). */
static void frame_begin(struct top *t)
{
	t->out.len = 0;
	t->lines = 0;
	if (!t->live)
		return;
	(void)buf_add(&t->out, t->clear ? "\033[H\033[2J" : "\033[H", t->clear ? 7 : 3);
	t->clear = false;
}

/* Column widths, over every instance, filtered out or not (so that they
 * do not jump as rows scroll or the filter changes). */
static void measure(const struct snapshot *s, int w[N_COLS])
{
	for (size_t i = 0; i < s->n_rows; i++) {
		w[0] = MAX(w[0], text_cols(s->rows[i].key));
		w[8] = MAX(w[8], text_cols(sparkline(s->rows[i].li, "fds")));
	}
}

static void num_cell(int64_t v, char *buf, size_t len)
{
	if (v >= 0)
		snprintf(buf, len, "%lld", (long long)v);
}

static void row(struct top *t, const struct top_row *r, const int w[N_COLS])
{
	char pid[24] = "-", cpu[24] = "-", mem[24] = "-", fds[24] = "-", thr[24] = "-";

	if (r->pid > 0)
		num_cell(r->pid, pid, sizeof(pid));
	if (r->cpu >= 0)
		snprintf(cpu, sizeof(cpu), "%.1f", r->cpu);
	if (r->mem >= 0)
		fmt_bytes((uint64_t)r->mem, mem, sizeof(mem));
	num_cell(r->fds, fds, sizeof(fds));
	num_cell(r->threads, thr, sizeof(thr));
	const char *cells[N_COLS] = { r->key, r->state, pid, cpu, mem, fds, thr,
				      jstr(r->li, "verdict") ? jstr(r->li, "verdict") : "-",
				      sparkline(r->li, "fds"), sparkline(r->li, "threads") };
	line_begin(t);
	for (size_t c = 0; c < N_COLS; c++)
		cell(t, cells[c], w[c], c >= 2 && c <= 6);
	line_end(t);
}

/* The rows of the view from t->offset, as many as fit in room lines; the
 * last line says how many are above and below when not all fit. */
static void rows(struct top *t, const struct snapshot *s, const int w[N_COLS], size_t room)
{
	size_t n = s->n_view, fit = n <= room ? n : room > 0 ? room - 1 : 0;

	t->offset = MIN(t->offset, n - fit);   /* End, or a view that shrank */
	t->page = MAX(fit, (size_t)1);
	for (size_t i = t->offset; i < t->offset + fit; i++)
		row(t, &s->rows[s->view[i]], w);
	if (n == 0 && t->filter[0]) {
		line_begin(t);
		putf(t, "(no instance name contains \"%s\")", t->filter);
		line_end(t);
	} else if (fit < n && room > 0) {
		line_begin(t);
		putf(t, "... %zu more: %zu above, %zu below", n - fit, t->offset, n - fit - t->offset);
		line_end(t);
	}
}

void top_render(struct top *t)
{
	static const char *const titles[N_COLS] = { "INSTANCE", "STATE", "PID", "CPU%", "MEM", "FDS",
						    "THREADS", "VERDICT", "FDS HISTORY", "THREADS HISTORY" };
	int w[N_COLS] = { 8, 9, 7, 6, 6, 6, 7, 8, 11, 0 };
	struct snapshot *s = &t->snap;

	frame_begin(t);
	if (t->err[0] || !s->status) {
		line_begin(t);
		putf(t, "ringvisor: %s", t->err[0] ? t->err : "no reply yet");
		line_end(t);
	} else {
		top_rows_view(t, s);
		measure(s, w);
		header_daemon(t, s);
		header_sources(t, s);
		header_view(t);
		line_begin(t);
		for (size_t c = 0; c < N_COLS; c++)
			cell(t, titles[c], w[c], c >= 2 && c <= 6);
		line_end(t);
		rows(t, s, w, t->live ? (size_t)MAX(0, t->height - t->lines) : SIZE_MAX);
	}
	if (t->live && t->lines < t->height)
		(void)buf_add(&t->out, "\r\n\033[J", 5);   /* what the previous frame left below */
}
