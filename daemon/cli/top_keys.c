/* SPDX-License-Identifier: MIT */
/*
 * top_keys.c: what a key does in `ringvisor top`'s live view. The
 * terminal is in cbreak mode without keypad transmit mode, so arrows come
 * as CSI (ESC [ A) or, from some terminals, SS3 (ESC O A) sequences;
 * Home and End in either form or as ESC [ 1~ / 4~ (7~ / 8~ from rxvt).
 * Keys only change the sort, the filter or the scroll offset; the offset
 * is clamped by the next frame, which knows how many rows fit.
 */
#include <string.h>

#include "basic/macro.h"
#include "cli/top_keys.h"

enum key {
	KEY_NONE,
	KEY_UP,
	KEY_DOWN,
	KEY_PGUP,
	KEY_PGDN,
	KEY_HOME,
	KEY_END,
	KEY_ESC,
};

static const struct {
	const char *seq;
	enum key key;
} seqs[] = {
	{ "\033[A", KEY_UP },    { "\033OA", KEY_UP },    { "\033[B", KEY_DOWN },  { "\033OB", KEY_DOWN },
	{ "\033[5~", KEY_PGUP }, { "\033[6~", KEY_PGDN }, { "\033[H", KEY_HOME },  { "\033OH", KEY_HOME },
	{ "\033[1~", KEY_HOME }, { "\033[7~", KEY_HOME }, { "\033[F", KEY_END },   { "\033OF", KEY_END },
	{ "\033[4~", KEY_END },  { "\033[8~", KEY_END },
};

/* The escape sequence at k[0] (k[0] is ESC): its key (KEY_NONE for one
 * we do not use, e.g. a function key) and its length. */
static size_t escape_seq(const char *k, size_t n, enum key *ret)
{
	size_t len = 1;

	if (n >= 2 && k[1] == '[') {
		/* CSI: parameters, then a final byte in 0x40..0x7E */
		for (len = 2; len < n && !(k[len] >= 0x40 && k[len] <= 0x7E); len++)
			;
		len = MIN(len + 1, n);
	} else if (n >= 3 && k[1] == 'O') {
		len = 3;
	} else {
		*ret = KEY_ESC;
		return 1;
	}
	*ret = KEY_NONE;
	for (size_t i = 0; i < ELEMENTSOF(seqs); i++)
		if (strlen(seqs[i].seq) == len && !memcmp(seqs[i].seq, k, len))
			*ret = seqs[i].key;
	return len;
}

static int move(struct top *t, enum key key)
{
	switch (key) {
	case KEY_UP:
		t->offset -= t->offset > 0;
		return 1;
	case KEY_DOWN:
		t->offset++;   /* the frame clamps it to the last page */
		return 1;
	case KEY_PGUP:
		t->offset -= MIN(t->offset, t->page);
		return 1;
	case KEY_PGDN:
		t->offset += t->page;
		return 1;
	case KEY_HOME:
		t->offset = 0;
		return 1;
	case KEY_END:
		t->offset = SIZE_MAX / 2;
		return 1;
	case KEY_ESC:
		t->filter[0] = '\0';
		t->offset = 0;
		return 1;
	case KEY_NONE:
		break;
	}
	return 0;
}

/* A byte typed at the filter prompt (after /). */
static void edit(struct top *t, char c, enum key key)
{
	size_t len = strlen(t->edit);

	if (key == KEY_ESC) {
		t->editing = false;   /* Esc: no filter at all */
		t->filter[0] = '\0';
		t->offset = 0;
	} else if (key != KEY_NONE) {
		return;   /* arrows and the like: not text */
	} else if (c == '\r' || c == '\n') {
		t->editing = false;   /* an empty filter clears it */
		memcpy(t->filter, t->edit, len + 1);
		t->offset = 0;
	} else if ((c == 0x7F || c == '\b') && len > 0) {
		t->edit[len - 1] = '\0';
	} else if (c >= 0x20 && c < 0x7F && len + 1 < sizeof(t->edit)) {
		t->edit[len] = c;
		t->edit[len + 1] = '\0';
	}
}

static enum top_sort sort_key(char c)
{
	static const char keys[_TOP_SORT_MAX] = {
		[TOP_SORT_NAME] = 'n', [TOP_SORT_CPU] = 'c', [TOP_SORT_MEMORY] = 'm',
		[TOP_SORT_FDS] = 'f', [TOP_SORT_THREADS] = 't', [TOP_SORT_RESTARTS] = 'r',
	};
	const char *p = memchr(keys, c | 0x20, sizeof(keys));   /* any case */
	return p ? (enum top_sort)(p - keys) : _TOP_SORT_INVALID;
}

/* A key outside the prompt: -1 quit, 1 redraw, 0 nothing. */
static int command(struct top *t, char c)
{
	enum top_sort s = sort_key(c);

	if (c == 'q' || c == 'Q')
		return -1;
	if (s >= 0) {
		t->sort = s;
		t->offset = 0;
		return 1;
	}
	switch (c) {
	case '/':
		t->editing = true;
		t->edit[0] = '\0';
		return 1;
	case 'j':
		return move(t, KEY_DOWN);
	case 'k':
		return move(t, KEY_UP);
	case 0x0C:   /* Ctrl-L: the whole screen again */
		t->clear = true;
		return 1;
	}
	return 0;
}

int top_keys_feed(struct top *t, const char *k, size_t n)
{
	int redraw = 0;

	for (size_t i = 0; i < n;) {
		enum key key = KEY_NONE;
		size_t len = k[i] == '\033' ? escape_seq(k + i, n - i, &key) : 1;
		char c = k[i];

		i += len;
		if (t->editing) {
			edit(t, c, key);
			redraw = 1;
			continue;
		}
		int r = key != KEY_NONE || c == '\033' ? move(t, key) : command(t, c);
		if (r < 0)
			return -1;
		redraw |= r;
	}
	return redraw;
}
