/* SPDX-License-Identifier: MIT */
/*
 * config_tree.c: the tree pass (config_tree.h).
 *
 * The known keys are the schema's (config_schema.c), not a second list:
 * a mapping in the source is walked against the schema value in its place.
 * Two differences come from the rewrite (config_rewrite.c): a mapping in
 * the source where the schema has a list of mappings is a keyed list;
 * when the entries have a `key` field (env, depends_on) its keys are data
 * (config_validate() checks them), otherwise (services) each value is an
 * entry, its key the entry's `name`. And `name` and `inherit_env_all` are
 * keys the rewrite writes, never the user's.
 *
 * An alias is a leaf here, never followed (the rewrite refuses aliases,
 * with their line): the walk costs no more than the file's size.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <cyaml/cyaml.h>

#include "config/config_errors.h"
#include "config/config_schema.h"
#include "config/config_tree.h"
#include "config/config_yaml.h"

#define FIELDS_MAX 64 /* keys of one schema mapping; a service has 28 */

struct tree_walk {
	struct config_tree *t;
	const char *file;
	struct config_errors *errs;
	size_t drop_cap;
	int n_reported;
	char path[CONFIG_PATH_MAX];
};

static const struct config_tnode *node_at(const struct config_tree *t, size_t id)
{
	return id > 0 && id <= t->n_nodes ? &t->nodes[id - 1] : NULL;
}

static struct config_mark mark_of(const struct config_tnode *n)
{
	return (struct config_mark){ n->line, n->column };
}

/* The pairs of mapping m: k is a key, the value follows it. */
#define FOREACH_PAIR(t, m, k, v)                                                           \
	for (const struct config_tnode *k = node_at(t, (m)->first), *v = k ? node_at(t, k->next) : NULL; \
	     k && v; k = node_at(t, v->next), v = k ? node_at(t, k->next) : NULL)

static bool is_rewrite_key(const char *key)
{
	return strcmp(key, "name") == 0 || strcmp(key, "inherit_env_all") == 0;
}

/* The field of `fields` named by the scalar k; its index in *ret_i. */
static const cyaml_schema_field_t *find_field(const cyaml_schema_field_t *fields,
					      const struct config_tnode *k, size_t *ret_i)
{
	const char *key = k->key;
	size_t len = k->key_len;

	for (size_t i = 0; fields[i].key && i < FIELDS_MAX; i++)
		if (strlen(fields[i].key) == len && memcmp(fields[i].key, key, len) == 0 &&
		    !is_rewrite_key(fields[i].key)) {
			*ret_i = i;
			return &fields[i];
		}
	return NULL;
}

/* Edits to turn a into b, up to 3 (more is "not close"). */
static unsigned distance(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b);
	unsigned row[FIELDS_MAX], prev;

	if (na >= FIELDS_MAX || nb >= FIELDS_MAX || (na > nb ? na - nb : nb - na) > 2)
		return 3;
	for (size_t j = 0; j <= nb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= na; i++) {
		prev = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= nb; j++) {
			unsigned cur = row[j], sub = prev + (a[i - 1] != b[j - 1]);

			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), sub);
			prev = cur;
		}
	}
	return MIN(row[nb], 3U);
}

/* The known key closest to a typo (at most 2 edits), or NULL. */
static const char *suggest(const cyaml_schema_field_t *fields, const struct config_tnode *k)
{
	const char *best = NULL;
	unsigned best_d = 3;

	for (size_t i = 0; fields[i].key && i < FIELDS_MAX; i++) {
		unsigned d = distance(k->key, k->key_len, fields[i].key);

		if (d < best_d && !is_rewrite_key(fields[i].key)) {
			best = fields[i].key;
			best_d = d;
		}
	}
	return best;
}

/* Appends one part to w->path; returns the old length, to cut back to. */
static size_t path_push(struct tree_walk *w, const struct config_tnode *k, size_t index)
{
	char part[CONFIG_PATH_PART_MAX + 8];
	size_t used = strlen(w->path);

	if (k)
		snprintf(w->path + used, sizeof(w->path) - used, "%s%s", used ? "." : "",
			 config_path_part(part, sizeof(part), k->key, k->key_len));
	else
		snprintf(w->path + used, sizeof(w->path) - used, "[%zu]", index);
	return used;
}

static int drop(struct tree_walk *w, const struct config_tnode *k)
{
	if (w->t->n_drop == w->drop_cap) {
		size_t cap = MAX(w->drop_cap * 2, (size_t)16);
		size_t *p = realloc(w->t->drop, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		w->t->drop = p;
		w->drop_cap = cap;
	}
	w->t->drop[w->t->n_drop++] = k->index;
	return 0;
}

/* An unknown or a duplicate key: reported, and its pair left out. */
static int reject(struct tree_walk *w, const struct config_tnode *k, const char *fmt, const char *arg,
		  size_t line)
{
	size_t used = path_push(w, k, 0);
	struct config_mark m = mark_of(k);

	config_error_at(w->errs, w->file, &m, w->path, fmt, arg, line);
	w->path[used] = '\0';
	w->n_reported++;
	return drop(w, k);
}

static int walk_value(struct tree_walk *w, const struct config_tnode *n,
		      const cyaml_schema_value_t *schema, size_t depth);

static int walk_mapping(struct tree_walk *w, const struct config_tnode *n,
			const cyaml_schema_field_t *fields, size_t depth)
{
	size_t first_line[FIELDS_MAX] = { 0 }; /* of each known key seen: 1-based */

	FOREACH_PAIR(w->t, n, k, v) {
		const cyaml_schema_field_t *f;
		const char *hint;
		size_t i = 0, used;
		int r;

		if (!k->key)
			continue; /* the rewrite refuses a key that is not a string */
		f = find_field(fields, k, &i);
		if (!f) {
			hint = suggest(fields, k);
			r = hint ? reject(w, k, "unknown key (did you mean %s?)", hint, 0)
				 : reject(w, k, "unknown key%s", "", 0);
		} else if (first_line[i]) {
			r = reject(w, k, "duplicate key%s (first at line %zu)", "", first_line[i]);
		} else {
			first_line[i] = k->line;
			used = path_push(w, k, 0);
			r = walk_value(w, v, &f->value, depth + 1);
			w->path[used] = '\0';
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* A mapping where the schema has a list of mappings without a `key` field
 * (services): each value is one entry. */
static int walk_keyed_list(struct tree_walk *w, const struct config_tnode *n,
			   const cyaml_schema_value_t *entry, size_t depth)
{
	for (const cyaml_schema_field_t *f = entry->mapping.fields; f->key; f++)
		if (strcmp(f->key, "key") == 0)
			return 0; /* env, depends_on: the keys are data */
	FOREACH_PAIR(w->t, n, k, v) {
		size_t used;
		int r;

		if (!k->key)
			continue;
		used = path_push(w, k, 0);
		r = walk_value(w, v, entry, depth + 1);
		w->path[used] = '\0';
		if (r < 0)
			return r;
	}
	return 0;
}

/* Shapes that do not fit the schema are the rewrite's and libcyaml's to
 * report. */
static int walk_value(struct tree_walk *w, const struct config_tnode *n,
		      const cyaml_schema_value_t *schema, size_t depth)
{
	size_t i = 0, used;
	int r;

	if (n->type == YAML_MAPPING_NODE && schema->type == CYAML_MAPPING)
		return walk_mapping(w, n, schema->mapping.fields, depth);
	if (schema->type != CYAML_SEQUENCE || schema->sequence.entry->type != CYAML_MAPPING)
		return 0;
	if (n->type == YAML_MAPPING_NODE)
		return walk_keyed_list(w, n, schema->sequence.entry, depth);
	if (n->type != YAML_SEQUENCE_NODE)
		return 0;
	for (const struct config_tnode *it = node_at(w->t, n->first); it;
	     it = node_at(w->t, it->next), i++) {
		used = path_push(w, NULL, i);
		r = walk_value(w, it, schema->sequence.entry, depth + 1);
		w->path[used] = '\0';
		if (r < 0)
			return r;
	}
	return 0;
}

/* Building the tree from the event stream. */
struct builder {
	struct config_tree *t;
	uint32_t open[CONFIG_YAML_MAX_DEPTH]; /* ids of the open collections kept */
	uint32_t last[CONFIG_YAML_MAX_DEPTH]; /* their last child kept */
	size_t n_children[CONFIG_YAML_MAX_DEPTH]; /* kept or not: a mapping's parity */
	size_t depth;
	size_t skip; /* collections open inside one not kept */
};

/* 1: ev is a node of the tree now, 0: not kept, -ENOMEM. */
static int add_node(struct builder *b, const yaml_event_t *ev, yaml_node_type_t type)
{
	struct config_tree *t = b->t;
	size_t d = b->depth;
	bool is_key = d > 0 && t->nodes[b->open[d - 1] - 1].type == YAML_MAPPING_NODE &&
		      b->n_children[d - 1] % 2 == 0;
	struct config_tnode *n;

	if (b->skip > 0 || (d > 0 && b->n_children[d - 1]++ >= CONFIG_TREE_CHILDREN_MAX))
		return 0;
	if (t->n_nodes == t->cap) {
		size_t cap = MAX(t->cap * 2, (size_t)64);
		struct config_tnode *p = realloc(t->nodes, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->nodes = p;
		t->cap = cap;
	}
	n = &t->nodes[t->n_nodes];
	*n = (struct config_tnode){ .type = (uint8_t)type, .index = (uint32_t)ev->start_mark.index,
				    .line = (uint32_t)ev->start_mark.line + 1,
				    .column = (uint32_t)ev->start_mark.column + 1 };
	if (is_key && type == YAML_SCALAR_NODE) {
		/* All its bytes: a key may hold a NUL ("a\0b"), which strndup()
		 * would stop at, short of key_len. */
		n->key = malloc(ev->data.scalar.length + 1);
		if (!n->key)
			return -ENOMEM;
		memcpy(n->key, ev->data.scalar.value, ev->data.scalar.length + 1);
		n->key_len = (uint32_t)ev->data.scalar.length;
	}
	t->n_nodes++;
	if (d > 0) {
		if (b->last[d - 1])
			t->nodes[b->last[d - 1] - 1].next = (uint32_t)t->n_nodes;
		else
			t->nodes[b->open[d - 1] - 1].first = (uint32_t)t->n_nodes;
		b->last[d - 1] = (uint32_t)t->n_nodes;
	}
	return 1;
}

/* 1: the document is complete; 0: go on; -E2BIG: too deep (the rewrite
 * says so); -ENOMEM. */
static int build_event(struct builder *b, const yaml_event_t *ev)
{
	int r;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return MIN(add_node(b, ev, YAML_SCALAR_NODE), 0);
	case YAML_ALIAS_EVENT:
		return MIN(add_node(b, ev, YAML_NO_NODE), 0);
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if (b->depth + b->skip >= CONFIG_YAML_MAX_DEPTH)
			return -E2BIG;
		r = add_node(b, ev, ev->type == YAML_MAPPING_START_EVENT ? YAML_MAPPING_NODE
									 : YAML_SEQUENCE_NODE);
		if (r <= 0) {
			b->skip += r == 0;
			return r;
		}
		b->open[b->depth] = (uint32_t)b->t->n_nodes;
		b->last[b->depth] = 0;
		b->n_children[b->depth++] = 0;
		return 0;
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		if (b->skip > 0)
			b->skip--;
		else
			b->depth--;
		return 0;
	case YAML_DOCUMENT_END_EVENT:
	case YAML_STREAM_END_EVENT:
		return 1;
	default:
		return 0;
	}
}

/* 1 when the first document is in t, 0 when it cannot be (a syntax error,
 * too deep: the rewrite reports it), -ENOMEM. */
static int build(struct config_tree *t, const char *src, size_t len)
{
	struct builder b = { .t = t };
	yaml_parser_t parser;
	int r = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)src, len);
	while (r == 0) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&parser, &ev)) {
			r = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
			break;
		}
		r = build_event(&b, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return r == -ENOMEM ? r : r > 0;
}

int config_tree_load(struct config_tree *t, const char *file, const char *src, size_t len,
		     struct config_errors *errs)
{
	struct tree_walk w = { .t = t, .file = file, .errs = errs };
	int r;

	*t = (struct config_tree){ .loaded = false };
	r = build(t, src, len);
	if (r <= 0 || t->n_nodes == 0) {
		t->loaded = false;
		return r;
	}
	t->loaded = true;
	r = walk_value(&w, &t->nodes[0], &config_top_schema, 0);
	return r < 0 ? r : w.n_reported;
}

void config_tree_done(struct config_tree *t)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		free(t->nodes[i].key);
	free(t->nodes);
	free(t->drop);
	*t = (struct config_tree){ .loaded = false };
}

bool config_tree_dropped(const struct config_tree *t, size_t index)
{
	size_t lo = 0, hi = t ? t->n_drop : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->drop[mid] == index)
			return true;
		if (t->drop[mid] < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* The value of key `name` (len bytes) in mapping m, and the key itself. */
static const struct config_tnode *map_get(const struct config_tree *t,
					  const struct config_tnode *m, const char *name,
					  size_t len, const struct config_tnode **ret_key)
{
	FOREACH_PAIR(t, m, k, v)
		if (k->key && k->key_len == len && memcmp(k->key, name, len) == 0) {
			*ret_key = k;
			return v;
		}
	return NULL;
}

/* One step of a path: ".name" or "[N]"; the next node, or NULL. */
static const struct config_tnode *step(const struct config_tree *t, const struct config_tnode *n,
				       const char **p, const struct config_tnode **ret_key)
{
	const struct config_tnode *it;
	const char *s = *p;
	char *end;

	if (*s == '.')
		s++;
	*ret_key = NULL;
	if (*s == '[') {
		unsigned long i = strtoul(s + 1, &end, 10);

		*p = *end == ']' ? end + 1 : end;
		if (n->type != YAML_SEQUENCE_NODE)
			return NULL;
		for (it = node_at(t, n->first); it && i > 0; i--)
			it = node_at(t, it->next);
		return it;
	}
	*p = s + strcspn(s, ".[");
	if (n->type != YAML_MAPPING_NODE)
		return NULL;
	return map_get(t, n, s, (size_t)(*p - s), ret_key);
}

struct config_mark config_tree_find(const struct config_tree *t, const char *path)
{
	struct config_mark m = { 0, 0 };
	const struct config_tnode *n;

	if (!t || !t->loaded || !path || !(n = node_at(t, 1)))
		return m;
	for (const char *p = path; *p && n;) {
		const struct config_tnode *key = NULL, *next = step(t, n, &p, &key);

		if (!next)
			break;
		m = mark_of(key ? key : next);
		n = next;
	}
	return m;
}
