/* SPDX-License-Identifier: MIT */
/*
 * config_rewrite.c: the source YAML rewritten for libcyaml's schema.
 *
 * libcyaml's schemas describe mappings with fixed keys only, but `services:`,
 * `env:` and `depends_on:` are mappings whose keys are data.
 * config_rewrite_yaml() streams the source through libyaml's parser into its
 * emitter and turns exactly those mappings into sequences the schema can
 * describe:
 *
 *   services: {web: {command: [x]}}  ->  services: [{name: web, command: [x]}]
 *   env: {HOME: /root}               ->  env: [{key: HOME, value: /root}]
 *   depends_on: {db: ready}          ->  depends_on: [{key: db, value: ready}]
 *
 * and two keys of a service that take a value or a list, which a schema
 * field cannot either:
 *
 *   env_file: a.env                  ->  env_file: [a.env]
 *   inherit_env: true                ->  inherit_env_all: true  (a list stays)
 *
 * Everything else passes through event for event, so libcyaml still checks
 * every other key. What the schema cannot express about those mappings
 * (their shape, string keys) and what libcyaml would get wrong (aliases, a
 * NUL inside a value, a quoted "~" taken for null) is rejected here, with
 * the key path and line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "config/config_errors.h"
#include "config/config_rewrite.h"
#include "config/config_tree.h"
#include "config/config_yaml.h"

/* The rewrite grows the text: "- {key: K, value: V}" for "K: V", "name: K"
 * for each service. Sixteen times the largest file is far beyond any real
 * growth and still a bound. */
#define REWRITE_MAX ((size_t)CONFIG_MAX_FILE_SIZE * 16)

struct outbuf {
	char *data;
	size_t len, cap;
	bool overflow;
};

static int out_write(void *userdata, unsigned char *buffer, size_t size)
{
	struct outbuf *o = userdata;

	if (size > REWRITE_MAX - o->len) {
		o->overflow = true;
		return 0;
	}
	if (o->len + size > o->cap) {
		size_t cap = MAX(o->cap * 2, MAX(o->len + size, (size_t)4096));
		char *p = realloc(o->data, MIN(cap, REWRITE_MAX));

		if (!p)
			return 0;
		o->data = p;
		o->cap = MIN(cap, REWRITE_MAX);
	}
	memcpy(o->data + o->len, buffer, size);
	o->len += size;
	return 1;
}

struct rewriter {
	struct config_walk w;
	yaml_emitter_t emitter;
	bool emitter_ready;
	struct outbuf out;
	yaml_event_t held; /* a mapping key, emitted once its value is seen */
	bool have_held;
	unsigned n_docs;
	const struct config_tree *tree;
	bool skipping;     /* in a pair the tree pass reported */
	size_t skip_depth; /* collections open inside it */
	const char *file;
	struct config_errors *errs;
};

static int rw_fail(struct rewriter *rw, const yaml_mark_t *mark, const char *fmt, ...)
	_printf_(3, 4);
static int rw_fail(struct rewriter *rw, const yaml_mark_t *mark, const char *fmt, ...)
{
	char path[CONFIG_PATH_MAX], msg[256];
	struct config_mark m = { 0, 0 };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config_walk_path(&rw->w, NULL, path, sizeof(path));
	if (mark) /* libyaml counts from 0, editors from 1 */
		m = (struct config_mark){ mark->line + 1, mark->column + 1 };
	config_error_at(rw->errs, rw->file, &m, path, "%s", msg);
	return -EINVAL;
}

/* Hands ev to the emitter, which owns it from then on, even on failure. */
static int rw_emit(struct rewriter *rw, yaml_event_t *ev)
{
	int ok = yaml_emitter_emit(&rw->emitter, ev);

	memset(ev, 0, sizeof(*ev));
	if (ok)
		return 0;
	if (rw->out.overflow) {
		config_error(rw->errs, rw->file, "the file grows beyond %zu MiB once rewritten",
			     REWRITE_MAX >> 20);
		return -EFBIG;
	}
	if (rw->emitter.error == YAML_MEMORY_ERROR || rw->emitter.error == YAML_WRITER_ERROR)
		return -ENOMEM;
	config_error(rw->errs, rw->file, "internal error: YAML emitter: %s",
		     rw->emitter.problem ? rw->emitter.problem : "unknown");
	return -EINVAL;
}

static int rw_emit_scalar(struct rewriter *rw, const char *s)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (const yaml_char_t *)s, (int)strlen(s),
					  1, 1, YAML_PLAIN_SCALAR_STYLE))
		return -ENOMEM;
	return rw_emit(rw, &ev);
}

static int rw_emit_held(struct rewriter *rw)
{
	rw->have_held = false;
	return rw_emit(rw, &rw->held);
}

static const char *const expected_mapping[] = {
	[CONFIG_ROLE_TOP] = "the top level must be a mapping",
	[CONFIG_ROLE_SERVICES] = "expected a mapping of service names to services",
	[CONFIG_ROLE_SERVICE] = "expected a mapping of settings (a service needs at least `command`)",
	[CONFIG_ROLE_ENV] = "expected a mapping of variable names to values",
	[CONFIG_ROLE_DEPENDS] = "expected a mapping of service names to conditions, e.g. {db: ready}",
};

/* env: and depends_on: are both mappings of data keys to strings. */
static bool is_keyed(enum config_role role)
{
	return role == CONFIG_ROLE_ENV || role == CONFIG_ROLE_DEPENDS;
}

/* What the node about to start must be, from where it is. */
static enum config_role child_role(struct config_walk *w)
{
	struct config_frame *f = config_walk_top(w);

	if (!f)
		return CONFIG_ROLE_TOP;
	if (!f->is_map || !f->at_value)
		return CONFIG_ROLE_OTHER;
	switch (f->role) {
	case CONFIG_ROLE_TOP:
		return strcmp(f->key, "services") == 0 ? CONFIG_ROLE_SERVICES : CONFIG_ROLE_OTHER;
	case CONFIG_ROLE_SERVICES:
		return CONFIG_ROLE_SERVICE;
	case CONFIG_ROLE_SERVICE:
		if (strcmp(f->key, "env") == 0)
			return CONFIG_ROLE_ENV;
		return strcmp(f->key, "depends_on") == 0 ? CONFIG_ROLE_DEPENDS : CONFIG_ROLE_OTHER;
	default:
		return CONFIG_ROLE_OTHER;
	}
}

/* A plain `key:`, `key: ~` or `key: null` means the key is not set, as in
 * YAML; the pair is dropped so the schema sees an absent optional key. The
 * two required keys keep their value, to be rejected with a clear message.
 * libcyaml's own null handling would also take a quoted "~" for null. */
static bool is_null(const yaml_event_t *ev)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(nulls); i++)
		if (strcmp((const char *)ev->data.scalar.value, nulls[i]) == 0)
			return true;
	return false;
}

static bool drop_null_value(struct rewriter *rw, const yaml_event_t *ev)
{
	struct config_frame *f = config_walk_top(&rw->w);

	return is_null(ev) && f->is_map &&
	       !(f->role == CONFIG_ROLE_TOP && strcmp(f->key, "services") == 0) &&
	       !(f->role == CONFIG_ROLE_SERVICE && strcmp(f->key, "command") == 0);
}

static int rw_env_entry(struct rewriter *rw, yaml_event_t *value)
{
	yaml_event_t ev;
	int r;

	if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_FLOW_MAPPING_STYLE))
		return -ENOMEM;
	r = rw_emit(rw, &ev);
	if (r >= 0)
		r = rw_emit_scalar(rw, "key");
	if (r >= 0)
		r = rw_emit_held(rw);
	if (r >= 0)
		r = rw_emit_scalar(rw, "value");
	if (r >= 0) /* a variable set to null is set to "" */
		r = is_null(value) ? rw_emit_scalar(rw, "") : rw_emit(rw, value);
	if (r >= 0 && !yaml_mapping_end_event_initialize(&ev))
		r = -ENOMEM;
	if (r >= 0)
		r = rw_emit(rw, &ev);
	return r;
}

/* The value of a service's key `key` is a scalar; the held key is that key. */
static int rw_service_scalar(struct rewriter *rw, const char *key, yaml_event_t *ev)
{
	yaml_event_t seq;
	int r;

	if (strcmp(key, "inherit_env") == 0) {
		yaml_event_delete(&rw->held);
		rw->have_held = false;
		r = rw_emit_scalar(rw, "inherit_env_all");
		return r < 0 ? r : rw_emit(rw, ev);
	}
	r = rw_emit_held(rw);
	if (r < 0 || strcmp(key, "env_file") != 0)
		return r < 0 ? r : rw_emit(rw, ev);
	if (!yaml_sequence_start_event_initialize(&seq, NULL, NULL, 1, YAML_FLOW_SEQUENCE_STYLE))
		return -ENOMEM;
	r = rw_emit(rw, &seq);
	if (r >= 0)
		r = rw_emit(rw, ev);
	if (r >= 0 && !yaml_sequence_end_event_initialize(&seq))
		r = -ENOMEM;
	return r < 0 ? r : rw_emit(rw, &seq);
}

static int rw_scalar(struct rewriter *rw, yaml_event_t *ev)
{
	struct config_frame *f = config_walk_top(&rw->w);
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	enum config_role role;
	int r;

	if (!f) /* the document is one scalar; an empty one is an empty file */
		return rw_fail(rw, n == 0 ? NULL : &ev->start_mark, "%s",
			       n == 0 ? "the file is empty" : expected_mapping[CONFIG_ROLE_TOP]);
	if (memchr(v, '\0', n))
		return rw_fail(rw, &ev->start_mark, "a value contains a NUL byte");
	if (config_walk_at_key(&rw->w)) {
		r = config_walk_set_key(&rw->w, ev);
		if (r < 0)
			return r;
		/* "name" is how the rewrite passes the service's key. */
		if (f->role == CONFIG_ROLE_SERVICE &&
		    (strcmp(f->key, "name") == 0 || strcmp(f->key, "inherit_env_all") == 0))
			return rw_fail(rw, &ev->start_mark, "unknown key");
		/* Every key waits for its value: see drop_null_value(). */
		rw->held = *ev;
		rw->have_held = true;
		memset(ev, 0, sizeof(*ev));
		return 0;
	}
	role = child_role(&rw->w);
	if (role != CONFIG_ROLE_OTHER && !(is_keyed(role) && drop_null_value(rw, ev)))
		return rw_fail(rw, &ev->start_mark, "%s", expected_mapping[role]);
	if (is_keyed(f->role))
		r = rw_env_entry(rw, ev);
	else if (rw->have_held && drop_null_value(rw, ev)) {
		yaml_event_delete(&rw->held);
		rw->have_held = false;
		r = 0;
	} else if (rw->have_held && f->role == CONFIG_ROLE_SERVICE) {
		r = rw_service_scalar(rw, f->key, ev);
	} else {
		r = rw->have_held ? rw_emit_held(rw) : 0;
		if (r >= 0)
			r = rw_emit(rw, ev);
	}
	config_walk_node_done(&rw->w);
	return r;
}

static int rw_start(struct rewriter *rw, yaml_event_t *ev)
{
	bool is_map = ev->type == YAML_MAPPING_START_EVENT;
	const char *what = is_map ? "mapping" : "list";
	struct config_frame *f = config_walk_top(&rw->w);
	yaml_event_t seq;
	enum config_role role;
	int r = 0;

	if (config_walk_at_key(&rw->w))
		return rw_fail(rw, &ev->start_mark, "a key must be a string, not a %s", what);
	if (f && is_keyed(f->role))
		return rw_fail(rw, &ev->start_mark, "expected a string, not a %s", what);
	role = child_role(&rw->w);
	if (role != CONFIG_ROLE_OTHER && !is_map)
		return rw_fail(rw, &ev->start_mark, "%s", expected_mapping[role]);
	if (config_walk_push(&rw->w, is_map, role) < 0)
		return rw_fail(rw, &ev->start_mark, "nested more than %d levels deep",
			       CONFIG_YAML_MAX_DEPTH);
	if (role == CONFIG_ROLE_SERVICE) { /* the held key is the service's name */
		r = rw_emit(rw, ev);
		if (r >= 0)
			r = rw_emit_scalar(rw, "name");
		return r < 0 ? r : rw_emit_held(rw);
	}
	if (rw->have_held)
		r = rw_emit_held(rw);
	if (r < 0 || (role != CONFIG_ROLE_SERVICES && !is_keyed(role)))
		return r < 0 ? r : rw_emit(rw, ev);
	if (!yaml_sequence_start_event_initialize(&seq, NULL, NULL, 1,
						  ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
							  ? YAML_FLOW_SEQUENCE_STYLE
							  : YAML_BLOCK_SEQUENCE_STYLE))
		return -ENOMEM;
	return rw_emit(rw, &seq);
}

static int rw_end(struct rewriter *rw, yaml_event_t *ev)
{
	enum config_role role = config_walk_top(&rw->w)->role;
	yaml_event_t seq;

	config_walk_pop(&rw->w);
	if (role != CONFIG_ROLE_SERVICES && !is_keyed(role))
		return rw_emit(rw, ev);
	if (!yaml_sequence_end_event_initialize(&seq))
		return -ENOMEM;
	return rw_emit(rw, &seq);
}

static int rw_event(struct rewriter *rw, yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (rw->n_docs++ > 0)
			return rw_fail(rw, &ev->start_mark, "only one YAML document is allowed");
		return rw_emit(rw, ev);
	case YAML_STREAM_END_EVENT:
		if (rw->n_docs == 0)
			return rw_fail(rw, NULL, "the file is empty");
		return rw_emit(rw, ev);
	case YAML_ALIAS_EVENT:
		return rw_fail(rw, &ev->start_mark, "aliases (*%s) are not supported",
			       (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		return rw_scalar(rw, ev);
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		return rw_start(rw, ev);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		return rw_end(rw, ev);
	default:
		return rw_emit(rw, ev);
	}
}

static int rw_syntax_error(struct rewriter *rw)
{
	const yaml_parser_t *p = &rw->w.parser;
	const char *problem = p->problem ? p->problem : "unknown error";

	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (p->error == YAML_READER_ERROR)
		return rw_fail(rw, NULL, "not valid UTF-8 or UTF-16 text: %s (at byte %zu)",
			       problem, p->problem_offset);
	if (p->context)
		return rw_fail(rw, &p->problem_mark, "YAML syntax error: %s, %s started at line %zu",
			       problem, p->context, p->context_mark.line + 1);
	return rw_fail(rw, &p->problem_mark, "YAML syntax error: %s", problem);
}

/* A pair the tree pass reported (an unknown or a duplicate key) is left
 * out whole, the key and then its value however deep, so that libcyaml does
 * not stop at it and the later stages report the rest of the file. */
static bool rw_skip(struct rewriter *rw, const yaml_event_t *ev)
{
	if (!rw->skipping) {
		if (ev->type != YAML_SCALAR_EVENT || !config_walk_at_key(&rw->w) ||
		    !config_tree_dropped(rw->tree, ev->start_mark.index))
			return false;
		rw->skipping = true; /* the key: its value follows */
		rw->skip_depth = 0;
		return true;
	}
	if (ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT)
		rw->skip_depth++;
	else if (ev->type == YAML_MAPPING_END_EVENT || ev->type == YAML_SEQUENCE_END_EVENT)
		rw->skip_depth--;
	rw->skipping = rw->skip_depth > 0;
	return true;
}

static int rw_run(struct rewriter *rw)
{
	for (;;) {
		yaml_event_t ev;
		yaml_event_type_t type;
		int r;

		if (!yaml_parser_parse(&rw->w.parser, &ev))
			return rw_syntax_error(rw);
		type = ev.type;
		r = rw_skip(rw, &ev) ? 0 : rw_event(rw, &ev);
		yaml_event_delete(&ev);
		if (r < 0)
			return r;
		if (type == YAML_STREAM_END_EVENT)
			return 0;
	}
}

int config_rewrite_yaml(const char *file, const char *src, size_t len,
			const struct config_tree *tree, char **ret_yaml, size_t *ret_len,
			struct config_errors *errs)
{
	struct rewriter rw = { .file = file, .errs = errs, .tree = tree };
	int r;

	r = config_walk_init(&rw.w, src, len);
	if (r >= 0 && !yaml_emitter_initialize(&rw.emitter))
		r = -ENOMEM;
	if (r >= 0) {
		rw.emitter_ready = true;
		yaml_emitter_set_output(&rw.emitter, out_write, &rw.out);
		yaml_emitter_set_encoding(&rw.emitter, YAML_UTF8_ENCODING);
		yaml_emitter_set_unicode(&rw.emitter, 1);
		yaml_emitter_set_width(&rw.emitter, -1); /* never fold long values */
		r = rw_run(&rw);
	}
	if (rw.have_held)
		yaml_event_delete(&rw.held);
	if (rw.emitter_ready)
		yaml_emitter_delete(&rw.emitter);
	config_walk_done(&rw.w);
	if (r < 0) {
		free(rw.out.data);
		return r;
	}
	*ret_yaml = rw.out.data;
	*ret_len = rw.out.len;
	return 0;
}
