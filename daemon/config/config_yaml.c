/* SPDX-License-Identifier: MIT */
/*
 * config_yaml.c: walking the libyaml event stream of the config source.
 *
 * The walk keeps one frame per open mapping or sequence with the current key
 * or index, so at every event the key path of the node is known. The rewrite
 * (config_rewrite.c) uses it to name what it rejects; config_yaml_locate()
 * uses it to find, in the source, the node libcyaml rejected in the rewritten
 * buffer, for its real key path and line.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "config/config_errors.h"
#include "config/config_yaml.h"

int config_walk_init(struct config_walk *w, const char *src, size_t len)
{
	*w = (struct config_walk){ .depth = 0 };
	if (!yaml_parser_initialize(&w->parser))
		return -ENOMEM;
	w->parser_ready = true;
	yaml_parser_set_input_string(&w->parser, (const unsigned char *)src, len);
	return 0;
}

void config_walk_done(struct config_walk *w)
{
	while (w->depth > 0)
		free(w->frames[--w->depth].key);
	if (w->parser_ready)
		yaml_parser_delete(&w->parser);
	w->parser_ready = false;
}

struct config_frame *config_walk_top(struct config_walk *w)
{
	return w->depth > 0 ? &w->frames[w->depth - 1] : NULL;
}

bool config_walk_at_key(struct config_walk *w)
{
	struct config_frame *f = config_walk_top(w);

	return f && f->is_map && !f->at_value;
}

/* A value (scalar or whole collection) of the top frame is complete. */
void config_walk_node_done(struct config_walk *w)
{
	struct config_frame *f = config_walk_top(w);

	if (!f)
		return;
	if (f->is_map)
		f->at_value = false;
	f->n++;
}

int config_walk_set_key(struct config_walk *w, const yaml_event_t *ev)
{
	struct config_frame *f = config_walk_top(w);
	char *k = strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);

	if (!k)
		return -ENOMEM;
	free(f->key);
	f->key = k;
	f->at_value = true;
	return 0;
}

int config_walk_push(struct config_walk *w, bool is_map, enum config_role role)
{
	if (w->depth >= CONFIG_YAML_MAX_DEPTH)
		return -E2BIG;
	w->frames[w->depth++] = (struct config_frame){ .is_map = is_map, .role = role };
	return 0;
}

void config_walk_pop(struct config_walk *w)
{
	free(w->frames[--w->depth].key);
	config_walk_node_done(w);
}

static void path_add(char *buf, size_t len, const char *key, size_t index)
{
	char part[CONFIG_PATH_PART_MAX + 8];
	size_t used = strlen(buf);

	if (used + 1 >= len)
		return;
	if (key)
		snprintf(buf + used, len - used, "%s%s", used ? "." : "",
			 config_path_part(part, sizeof(part), key, strlen(key)));
	else
		snprintf(buf + used, len - used, "[%zu]", index);
}

/* The path of the node about to start: the frames' current keys and indexes,
 * plus `last_key` when the node is that key of the top mapping. */
char *config_walk_path(const struct config_walk *w, const char *last_key, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < w->depth; i++) {
		const struct config_frame *f = &w->frames[i];

		if (!f->is_map)
			path_add(buf, len, NULL, f->n);
		else if (f->at_value)
			path_add(buf, len, f->key, 0);
		else if (last_key && i + 1 == w->depth)
			path_add(buf, len, last_key, 0);
	}
	return buf;
}
/* Does the node starting with ev sit at `steps`? */
static bool step_match(const struct config_walk *w, const yaml_event_t *ev,
		       const struct yaml_step *steps, size_t n_steps)
{
	if (w->depth != n_steps)
		return false;
	for (size_t i = 0; i < n_steps; i++) {
		const struct config_frame *f = &w->frames[i];
		const struct yaml_step *s = &steps[i];
		bool last = i + 1 == n_steps;
		const char *key;
		size_t klen;

		if (!f->is_map) {
			if (s->kind != YAML_STEP_INDEX || f->n != s->n)
				return false;
			continue;
		}
		if (last) {
			/* A mapping step is found at its key. */
			if (f->at_value || ev->type != YAML_SCALAR_EVENT)
				return false;
			key = (const char *)ev->data.scalar.value;
			klen = ev->data.scalar.length;
		} else {
			if (!f->at_value)
				return false;
			key = f->key;
			klen = strlen(key);
		}
		if (s->kind == YAML_STEP_KEY &&
		    (strlen(s->key) != klen || memcmp(s->key, key, klen) != 0))
			return false;
		if (s->kind == YAML_STEP_NTH_KEY && f->n != s->n)
			return false;
		if (s->kind == YAML_STEP_INDEX)
			return false;
	}
	return true;
}

static int locate_event(struct config_walk *w, yaml_event_t *ev, const struct yaml_step *steps,
			size_t n_steps, unsigned *skip, char *path, size_t path_len,
			struct config_mark *ret_mark)
{
	const char *key;
	int r;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
	case YAML_ALIAS_EVENT:
		if (!step_match(w, ev, steps, n_steps))
			break;
		if (*skip > 0) {
			(*skip)--;
			break;
		}
		/* A match at a key is a scalar: step_match() made sure. */
		key = config_walk_at_key(w) ? (const char *)ev->data.scalar.value : NULL;
		config_walk_path(w, key, path, path_len);
		ret_mark->line = ev->start_mark.line + 1;
		ret_mark->column = ev->start_mark.column + 1;
		return 1;
	default:
		break;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (config_walk_at_key(w))
			return config_walk_set_key(w, ev);
		config_walk_node_done(w);
		return 0;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		/* Too deep was rejected by the rewrite; here it means "absent". */
		r = config_walk_push(w, ev->type == YAML_MAPPING_START_EVENT, CONFIG_ROLE_OTHER);
		return r < 0 ? -ENOENT : 0;
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		config_walk_pop(w);
		return 0;
	default:
		return 0;
	}
}

int config_yaml_locate(const char *src, size_t len, const struct yaml_step *steps, size_t n_steps,
		       unsigned skip, char *path, size_t path_len, struct config_mark *ret_mark)
{
	struct config_walk w;
	int r;

	r = config_walk_init(&w, src, len);
	while (r == 0) {
		yaml_event_t ev;
		bool end;

		if (!yaml_parser_parse(&w.parser, &ev))
			break;
		end = ev.type == YAML_STREAM_END_EVENT;
		r = locate_event(&w, &ev, steps, n_steps, &skip, path, path_len, ret_mark);
		yaml_event_delete(&ev);
		if (end)
			break;
	}
	config_walk_done(&w);
	return r == -ENOENT ? 0 : r;
}
