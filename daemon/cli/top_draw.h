/* SPDX-License-Identifier: MIT */
/*
 * top_draw.h: private to top.c and top_draw.c. The state of `ringvisor top`
 * (struct top), one refresh's replies (struct snapshot), the JSON getters
 * both sides read them with, and top_render(), which draws one frame.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include <json-c/json.h>

struct buf {
	char *p;
	size_t len, cap;
};

struct top {
	const char *socket;
	uint64_t interval_ms;
	bool live;                   /* stdout is a terminal: refresh in place */
	bool keys;                   /* stdin is a terminal, read for q */
	bool term_on;                /* alternate screen entered, termios changed */
	bool clear;                  /* clear the whole screen before the next frame */
	struct termios saved;
	int sigfd;
	sigset_t oldmask;
	int width, height;           /* INT32_MAX when not live */
	json_object *prev_cpu;       /* "svc.idx" -> cpu_usage_usec at prev_ns */
	uint64_t prev_ns;
	struct buf out;              /* the frame being built */
	int cols, lines;             /* of the current line, of the frame */
	bool hidden;                 /* the current line is below the screen */
};

struct snapshot {
	json_object *status, *leaks; /* leaks: NULL when the daemon refused it */
	char leaks_err[128];
	uint64_t at_ns;
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

/* Draws one frame of s (or of the error err when s is NULL) into t->out:
 * the header, the column titles and one row per instance, every line cut
 * at t->width and the rows cut at t->height when live. Keeps each
 * instance's CPU sample in t->prev_cpu for the next frame's CPU%. */
void top_render(struct top *t, const struct snapshot *s, const char *err);
