/* SPDX-License-Identifier: MIT */
/*
 * config_tree.h: the config source as a YAML tree, built from libyaml's
 * events, walked against the known keys before anything else reads it.
 *
 * libcyaml stops at the first unknown or duplicate key, so three typos would
 * take three runs of `check`. The tree pass reports every one, with its
 * line:column, and records where each such pair starts: the rewrite leaves
 * those pairs out, so the later stages still run and report the file's
 * other errors in the same run. The tree then stays for the rest of the
 * load, to give a value error the position of its key path.
 *
 * The tree is ours, not libyaml's document (yaml_parser_load()): that one
 * leaks a mapping's pair stack when an allocation fails (libyaml 0.2.5),
 * and resolves aliases, which would let a small file walk a huge tree.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "config/config.h"

/* One node of the tree; ids are 1-based, 0 is none. A mapping's children
 * are its keys and values in turn, linked by `next`. */
struct config_tnode {
	char *key;                 /* a scalar that is a mapping key: its text */
	uint32_t key_len;
	uint32_t index;            /* libyaml's start mark: offset (at most the */
	uint32_t line, column;     /* file's 4 MiB), line and column from 1 */
	uint32_t first, next;      /* 32 bits: a node takes at least a byte */
	uint8_t type;              /* yaml_node_type_t; YAML_NO_NODE: an alias */
};

/* The children kept of one collection: `services` may hold
 * CONFIG_MAX_SERVICES pairs, every other list far fewer. A longer one is
 * an error anyway (libcyaml's "more than N entries"); one huge list must
 * not make the tree the largest thing the load allocates. */
#define CONFIG_TREE_CHILDREN_MAX (2 * CONFIG_MAX_SERVICES + 2)

struct config_tree {
	struct config_tnode *nodes;
	size_t n_nodes, cap;
	bool loaded;  /* false: libyaml could not parse it (the rewrite says why) */
	size_t *drop; /* start (mark index) of each key left out, ascending */
	size_t n_drop;
};

/* Loads src and reports every unknown and duplicate key. Returns how many
 * it reported, or -ENOMEM. A YAML syntax error is not reported here: the
 * rewrite stops at it and names its key path. */
int config_tree_load(struct config_tree *t, const char *file, const char *src, size_t len,
		     struct config_errors *errs);
void config_tree_done(struct config_tree *t);
/* Is the key starting at mark index `index` one the rewrite leaves out? */
bool config_tree_dropped(const struct config_tree *t, size_t index);
/* The position of the node at `path` ("services.web.command[0]", as in an
 * error line): its key's in a mapping (an error may be about the key, as an
 * env name, and shape errors point at keys too), a list entry's own; for a
 * path not in the file, that of its nearest ancestor that is. Line 0 when
 * none is. */
struct config_mark config_tree_find(const struct config_tree *t, const char *path);
