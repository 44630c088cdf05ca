/* SPDX-License-Identifier: MIT */
/*
 * config_yaml.h: a libyaml parser plus the key path of the current node,
 * and finding a node of the source again (for an error's line number).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "config/config.h"

#define CONFIG_YAML_MAX_DEPTH 16   /* a valid config nests 5 deep (limits.io_max, log.rate_limit) */

enum config_role { /* what the rewrite makes of a collection */
	CONFIG_ROLE_OTHER,
	CONFIG_ROLE_TOP,
	CONFIG_ROLE_SERVICES,
	CONFIG_ROLE_SERVICE,
	CONFIG_ROLE_ENV,
	CONFIG_ROLE_DEPENDS,
};

struct config_frame {
	bool is_map;
	bool at_value; /* map: a key was read, its value comes next */
	enum config_role role;
	size_t n;      /* map: keys finished before the current one; seq: index */
	char *key;     /* map: the current key */
};

struct config_walk {
	yaml_parser_t parser;
	bool parser_ready;
	struct config_frame frames[CONFIG_YAML_MAX_DEPTH];
	size_t depth;
};

int config_walk_init(struct config_walk *w, const char *src, size_t len);
void config_walk_done(struct config_walk *w);
struct config_frame *config_walk_top(struct config_walk *w); /* NULL at the root */
bool config_walk_at_key(struct config_walk *w);
/* Call for each event: a key scalar, a finished value, a collection. */
int config_walk_set_key(struct config_walk *w, const yaml_event_t *ev);
void config_walk_node_done(struct config_walk *w);
int config_walk_push(struct config_walk *w, bool is_map, enum config_role role); /* -E2BIG */
void config_walk_pop(struct config_walk *w);
/* "services.web.command[2]": the path of the node about to start, ending in
 * `last_key` when that node is a key of the top mapping. */
char *config_walk_path(const struct config_walk *w, const char *last_key, char *buf, size_t len);

enum yaml_step_kind {
	YAML_STEP_KEY,     /* the value of mapping key `key` */
	YAML_STEP_NTH_KEY, /* the value of the n-th key of a mapping */
	YAML_STEP_INDEX,   /* the n-th entry of a sequence */
};

struct yaml_step {
	enum yaml_step_kind kind;
	const char *key;
	size_t n;
};

/* Finds the node at `steps` in the source: the key of a mapping step, the
 * entry of a sequence step; `skip` earlier matches are passed over (for a
 * duplicate key). Writes the path with real keys ("services.web.env.HOME").
 * Returns 1 when found, 0 when not, -errno. */
int config_yaml_locate(const char *src, size_t len, const struct yaml_step *steps, size_t n_steps,
		       unsigned skip, char *path, size_t path_len, struct config_mark *ret_mark);

