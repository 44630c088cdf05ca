/* SPDX-License-Identifier: MIT */
/*
 * top_draw.h: private to top.c and top_draw.c. The state of `ringvisor top`
 * (struct top), one refresh's replies and rows (struct snapshot), the JSON
 * getters every part reads them with, and top_render(), which draws one
 * frame. top_rows.h collects, sorts and filters the rows; top_keys.h reads
 * the keys.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>
#include <time.h>

#include <json-c/json.h>

#include "cli/top_sort.h"

struct buf {
	char *p;
	size_t len, cap;
};

#define TOP_FILTER_MAX 64   /* bytes of the / filter, with the NUL */

/* One instance, as collected once per refresh (top_rows.c): what a frame
 * draws and sorts by, so that a key redraws without a new fetch. Strings
 * and li point into the snapshot's replies. -1 (or cpu < 0): unknown. */
struct top_row {
	char key[96];                /* "svc.idx" */
	const char *svc, *state;
	int64_t index, pid, mem, fds, threads, restarts;
	double cpu;                  /* percent of one CPU since the previous refresh */
	json_object *li;             /* its entry in the leaks reply, or NULL */
};

struct snapshot {
	json_object *status, *leaks; /* leaks: NULL when the daemon refused it */
	char leaks_err[128];
	uint64_t at_ns;
	time_t at_wall;              /* when it was fetched: the header's time */
	struct top_row *rows;        /* every instance, in the order of the current sort */
	size_t n_rows;
	size_t *view;                /* indexes into rows that pass the filter (n_rows room) */
	size_t n_view;
	enum top_sort sorted_by;     /* the order rows are in */
	/* Where the figures come from, for the header. */
	bool cpu_cgroup, mem_cgroup, mem_rss;
	int64_t usage_ago_ms;        /* the oldest leak pass of any instance; -1: none */
};

struct top {
	const char *socket;
	uint64_t interval_ms;
	uint64_t frames;             /* -n; 0: no limit */
	bool live;                   /* refresh in place on the terminal (not batch) */
	bool keys;                   /* stdin is a terminal, read for keys */
	bool term_on;                /* alternate screen entered, termios changed */
	bool clear;                  /* clear the whole screen before the next frame */
	struct termios saved;
	int sigfd;
	sigset_t oldmask;
	int width, height;           /* INT32_MAX when not live */
	json_object *prev_cpu;       /* "svc.idx" -> cpu_usage_usec at prev_ns */
	uint64_t prev_ns;
	struct snapshot snap;        /* the last good refresh, drawn again on a key */
	char err[512];               /* the last refresh failed: this instead */
	enum top_sort sort;
	char filter[TOP_FILTER_MAX]; /* instance names must contain it (any case) */
	char edit[TOP_FILTER_MAX];   /* the filter being typed after / */
	bool editing;
	size_t offset;               /* the first row of the view shown */
	size_t page;                 /* rows shown by the last frame: PgUp/PgDn move this far */
	struct buf out;              /* the frame being built */
	int cols, lines;             /* of the current line, of the frame */
	bool hidden;                 /* the current line is below the screen */
};

static inline json_object *jget(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static inline const char *jstr(json_object *o, const char *k)
{
	json_object *v = jget(o, k);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static inline bool jnum(json_object *o, const char *k, int64_t *ret)
{
	json_object *v = jget(o, k);
	if (!json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

static inline json_object *jarr(json_object *o, const char *k)
{
	json_object *v = jget(o, k);
	return json_object_is_type(v, json_type_array) ? v : NULL;
}

/* Draws one frame into t->out: of t->snap (or of t->err when set): the
 * header, the column titles and the rows of the view from t->offset,
 * every line cut at t->width and the rows cut at t->height when live.
 * Reads no clock but the header's time and fetches nothing: a key redraws
 * the same snapshot with the same figures. */
void top_render(struct top *t);
