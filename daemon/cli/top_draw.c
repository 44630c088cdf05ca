/* SPDX-License-Identifier: MIT */
/*
 * top_draw.c: the frames of `ringvisor top`. A frame is built in t->out:
 * the header (daemon, backend, probe source, time), the column titles and
 * one row per instance (state, pid, CPU%, memory, fds, threads, verdict,
 * fds and threads sparklines). Every string from the daemon is sanitized
 * (no control characters reach the terminal) and every line is cut at the
 * terminal's width; rows that do not fit the height become "... N more".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "basic/macro.h"
#include "cli/top_draw.h"
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

/* The leaks entry of instance (index, at position pos in status). */
static json_object *leaks_instance(json_object *by_name, const char *svc, size_t pos, int64_t index)
{
	json_object *insts = jarr(jget(by_name, svc), "instances");
	int64_t i;
	if (!insts)
		return NULL;
	size_t n = json_object_array_length(insts);
	if (pos < n && jnum(json_object_array_get_idx(insts, pos), "index", &i) && i == index)
		return json_object_array_get_idx(insts, pos);
	for (size_t k = 0; k < n; k++)
		if (jnum(json_object_array_get_idx(insts, k), "index", &i) && i == index)
			return json_object_array_get_idx(insts, k);
	return NULL;
}

static const char *sparkline(json_object *li, const char *k)
{
	const char *s = jstr(jget(li, "sparkline"), k);
	return s && *s ? s : "-";
}

static void header(struct top *t, const struct snapshot *s, json_object *leak_svcs)
{
	json_object *sup = jget(s->status, "supervisor");
	const char *srcs[4] = { jstr(s->leaks, "source") };
	size_t nsrc = 0;
	char now[16], probe[64] = "";
	time_t tt = time(NULL);
	int64_t pid = -1, n = -1;

	/* The probe source: each service's, "bpf+procfs" when they differ;
	 * the reply's own without services; "-" without a leaks reply. */
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
		snprintf(probe + strlen(probe), sizeof(probe) - strlen(probe), "%s%s", k ? "+" : "", srcs[k]);
	strftime(now, sizeof(now), "%H:%M:%S", localtime(&tt));
	(void)jnum(sup, "pid", &pid);
	(void)jnum(sup, "instances", &n);
	line_begin(t);
	putf(t, "ringvisor pid %lld, backend %s, %lld instances, probe %s, %s", (long long)pid,
	     jstr(sup, "event_backend") ? jstr(sup, "event_backend") : "?", (long long)n,
	     probe[0] ? probe : "-", now);
	line_end(t);
	line_begin(t);
	if (!s->leaks)
		putf(t, "fds, threads: - (leaks: %s)", s->leaks_err);
	if (t->live)
		putf(t, "%sq quits, refresh every %s", s->leaks ? "" : "; ",
		     format_duration_ms(t->interval_ms, now, sizeof(now)));
	line_end(t);
}

#define N_COLS 10

/* The terminal's size, and a clear screen or home position. */
static void frame_begin(struct top *t)
{
	t->out.len = 0;
	t->lines = 0;
	if (!t->live)
		return;
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		t->width = ws.ws_col;
		t->height = ws.ws_row;
	}
	(void)buf_add(&t->out, t->clear ? "\033[H\033[2J" : "\033[H", t->clear ? 7 : 3);
	t->clear = false;
}

/* The `leaks` reply's services, by name. */
static json_object *index_leaks(json_object *leak_svcs)
{
	json_object *by_name = json_object_new_object();
	for (size_t i = 0; leak_svcs && i < json_object_array_length(leak_svcs); i++) {
		json_object *ls = json_object_array_get_idx(leak_svcs, i);
		if (jstr(ls, "name"))
			json_object_object_add(by_name, jstr(ls, "name"), json_object_get(ls));
	}
	return by_name;
}

/* Column widths, over every instance (so they do not jump as rows
 * scroll); the number of instances. */
static size_t measure(json_object *svcs, json_object *by_name, int w[N_COLS])
{
	size_t total = 0;

	for (size_t i = 0; svcs && i < json_object_array_length(svcs); i++) {
		json_object *svc = json_object_array_get_idx(svcs, i), *insts = jarr(svc, "instances");
		const char *name = jstr(svc, "name") ? jstr(svc, "name") : "?";
		for (size_t j = 0; insts && j < json_object_array_length(insts); j++) {
			int64_t idx = -1;
			(void)jnum(json_object_array_get_idx(insts, j), "index", &idx);
			json_object *li = leaks_instance(by_name, name, j, idx);
			w[0] = MAX(w[0], (int)strlen(name) + 1 + snprintf(NULL, 0, "%lld", (long long)idx));
			w[8] = MAX(w[8], text_cols(sparkline(li, "fds")));
			total++;
		}
	}
	return total;
}

/* CPU% of one instance since the previous frame; its usage is recorded in
 * cpu for the next. */
static void cpu_percent(struct top *t, const struct snapshot *s, json_object *in, const char *key,
			json_object *cpu, char *pct, size_t len)
{
	int64_t v, usec;

	if (!jnum(jget(in, "cgroup"), "cpu_usage_usec", &usec))
		return;
	json_object_object_add(cpu, key, json_object_new_int64(usec));
	if (jnum(t->prev_cpu, key, &v) && usec >= v && s->at_ns > t->prev_ns)
		snprintf(pct, len, "%.1f", (double)(usec - v) * 1e5 / (double)(s->at_ns - t->prev_ns));
}

static void row(struct top *t, const char *key, const char *pct, json_object *in, json_object *li,
		const int w[N_COLS])
{
	char pid[24] = "-", mem[24] = "-", fds[24] = "-", thr[24] = "-";
	int64_t v;

	if (jnum(in, "pid", &v) && v > 0)
		snprintf(pid, sizeof(pid), "%lld", (long long)v);
	if (jnum(jget(in, "cgroup"), "memory_current", &v) && v >= 0)
		fmt_bytes((uint64_t)v, mem, sizeof(mem));
	if (jnum(li, "fds", &v))
		snprintf(fds, sizeof(fds), "%lld", (long long)v);
	if (jnum(li, "threads", &v))
		snprintf(thr, sizeof(thr), "%lld", (long long)v);
	const char *cells[N_COLS] = { key, jstr(in, "state") ? jstr(in, "state") : "?", pid, pct, mem,
				      fds, thr, jstr(li, "verdict") ? jstr(li, "verdict") : "-",
				      sparkline(li, "fds"), sparkline(li, "threads") };
	line_begin(t);
	for (size_t c = 0; c < N_COLS; c++)
		cell(t, cells[c], w[c], c >= 2 && c <= 6);
	line_end(t);
}

/* Every instance's row, as many as fit; the CPU sample of every one. */
static size_t rows(struct top *t, const struct snapshot *s, json_object *svcs, json_object *by_name,
		   json_object *cpu, const int w[N_COLS], size_t max)
{
	size_t shown = 0;

	for (size_t i = 0; svcs && i < json_object_array_length(svcs); i++) {
		json_object *svc = json_object_array_get_idx(svcs, i), *insts = jarr(svc, "instances");
		const char *name = jstr(svc, "name") ? jstr(svc, "name") : "?";
		for (size_t j = 0; insts && j < json_object_array_length(insts); j++) {
			json_object *in = json_object_array_get_idx(insts, j);
			char key[96], pct[24] = "-";
			int64_t idx = -1;

			(void)jnum(in, "index", &idx);
			snprintf(key, sizeof(key), "%s.%lld", name, (long long)idx);
			cpu_percent(t, s, in, key, cpu, pct, sizeof(pct));
			if (shown >= max)
				continue;   /* still recorded the CPU sample above */
			shown++;
			row(t, key, pct, in, leaks_instance(by_name, name, j, idx), w);
		}
	}
	return shown;
}

/* Draws one frame of s (or of the error err when s is NULL) into t->out. */
void top_render(struct top *t, const struct snapshot *s, const char *err)
{
	static const char *const titles[N_COLS] = { "INSTANCE", "STATE", "PID", "CPU%", "MEM", "FDS",
						    "THREADS", "VERDICT", "FDS HISTORY", "THREADS HISTORY" };
	int w[N_COLS] = { 8, 9, 7, 6, 6, 6, 7, 8, 11, 0 };

	frame_begin(t);
	if (!s) {
		line_begin(t);
		putf(t, "ringvisor: %s", err);
		line_end(t);
	} else {
		json_object *svcs = jarr(s->status, "services"), *leak_svcs = jarr(s->leaks, "services");
		json_object *by_name = index_leaks(leak_svcs), *cpu = json_object_new_object();
		size_t total = measure(svcs, by_name, w);

		header(t, s, leak_svcs);
		line_begin(t);
		for (size_t c = 0; c < N_COLS; c++)
			cell(t, titles[c], w[c], c >= 2 && c <= 6);
		line_end(t);
		size_t room = t->live ? (size_t)MAX(0, t->height - t->lines) : SIZE_MAX;
		size_t shown = rows(t, s, svcs, by_name, cpu, w, total <= room ? total : room > 0 ? room - 1 : 0);
		if (shown < total) {
			line_begin(t);
			putf(t, "... %zu more", total - shown);
			line_end(t);
		}
		json_object_put(t->prev_cpu);
		t->prev_cpu = cpu;
		t->prev_ns = s->at_ns;
		json_object_put(by_name);
	}
	if (t->live && t->lines < t->height)
		(void)buf_add(&t->out, "\r\n\033[J", 5);   /* what the previous frame left below */
}
