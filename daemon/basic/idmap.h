/* SPDX-License-Identifier: MIT */
/*
 * idmap.h: a map from a 64-bit key (a pid, a name's hash) to a pointer:
 * open addressing, linear probing, deletion by backward shift (no
 * tombstones, so a map that churns never degrades). The table doubles at
 * half full and never shrinks; a lookup costs O(1) whatever the size, which
 * is the point: the daemon looks an instance up on every child event.
 * Pure data structure, no syscalls.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct idmap_slot {
	uint64_t key;
	void *value;        /* NULL: an empty slot */
};

struct idmap {
	struct idmap_slot *slots;
	size_t cap;         /* 0 or a power of two */
	size_t n;
};

/* Sets key's value (value != NULL), replacing one there; -ENOMEM. */
int idmap_put(struct idmap *m, uint64_t key, void *value);
void *idmap_get(const struct idmap *m, uint64_t key);
/* Removes key when it maps to value (NULL: whatever it maps to); returns
 * what was removed, or NULL. */
void *idmap_remove(struct idmap *m, uint64_t key, const void *value);
void idmap_clear(struct idmap *m);   /* empty, keeps the table */
void idmap_done(struct idmap *m);
/* FNV-1a: a name's key. Two names may share one: callers compare. */
uint64_t idmap_hash_string(const char *s);
