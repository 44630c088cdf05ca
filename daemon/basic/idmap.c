/* SPDX-License-Identifier: MIT */
/*
 * idmap.c: see idmap.h. The slot of a key is its Fibonacci hash (the
 * golden-ratio multiply spreads sequential pids over the table); a run of
 * occupied slots is searched until an empty one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/idmap.h"

#define IDMAP_MIN_CAP 64

static size_t slot_of(const struct idmap *m, uint64_t key)
{
	return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (m->cap - 1);
}

static struct idmap_slot *find(const struct idmap *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(m, key);; i = (i + 1) & (m->cap - 1)) {
		struct idmap_slot *sl = &m->slots[i];
		if (!sl->value)
			return NULL;
		if (sl->key == key)
			return sl;
	}
}

static void insert_new(struct idmap *m, uint64_t key, void *value)
{
	size_t i = slot_of(m, key);

	while (m->slots[i].value)
		i = (i + 1) & (m->cap - 1);
	m->slots[i] = (struct idmap_slot){ .key = key, .value = value };
	m->n++;
}

static int grow(struct idmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : IDMAP_MIN_CAP;
	struct idmap_slot *old = m->slots, *slots = calloc(cap, sizeof(*slots));
	size_t old_cap = m->cap;

	if (!slots)
		return -ENOMEM;
	m->slots = slots;
	m->cap = cap;
	m->n = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].value)
			insert_new(m, old[i].key, old[i].value);
	free(old);
	return 0;
}

int idmap_put(struct idmap *m, uint64_t key, void *value)
{
	struct idmap_slot *sl = find(m, key);

	if (sl) {
		sl->value = value;
		return 0;
	}
	/* At most half full: probe runs stay short. */
	if ((m->n + 1) * 2 > m->cap) {
		int r = grow(m);
		if (r < 0)
			return r;
	}
	insert_new(m, key, value);
	return 0;
}

void *idmap_get(const struct idmap *m, uint64_t key)
{
	struct idmap_slot *sl = find(m, key);
	return sl ? sl->value : NULL;
}

void *idmap_remove(struct idmap *m, uint64_t key, const void *value)
{
	struct idmap_slot *sl = find(m, key);

	if (!sl || (value && sl->value != value))
		return NULL;
	void *was = sl->value;
	size_t hole = (size_t)(sl - m->slots), mask = m->cap - 1;
	/* Backward shift: each later slot of the run whose home is not
	 * between the hole and itself moves into the hole. */
	for (size_t i = (hole + 1) & mask; m->slots[i].value; i = (i + 1) & mask) {
		size_t home = slot_of(m, m->slots[i].key);
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			m->slots[hole] = m->slots[i];
			hole = i;
		}
	}
	m->slots[hole] = (struct idmap_slot){ 0 };
	m->n--;
	return was;
}

void idmap_clear(struct idmap *m)
{
	if (m->cap)
		memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->n = 0;
}

void idmap_done(struct idmap *m)
{
	free(m->slots);
	*m = (struct idmap){ 0 };
}

uint64_t idmap_hash_string(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
	return h;
}
