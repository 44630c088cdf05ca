/* SPDX-License-Identifier: MIT */
/*
 * config_deps.c: depends_on of every service, validated once all services
 * are: each name must be another service, each condition one that service
 * can reach (healthy needs its health check, completed a oneshot), and the
 * graph must have no cycle. A cycle is named whole, from the first service
 * of the file on it: "services.a.depends_on: cycle a -> b -> a".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "config/config_deps.h"

static const char *const condition_names[_DEP_CONDITION_MAX] = {
	[DEP_STARTED] = "started",
	[DEP_READY] = "ready",
	[DEP_HEALTHY] = "healthy",
	[DEP_COMPLETED] = "completed",
};

const char *dep_condition_to_string(enum dep_condition c)
{
	return (unsigned)c < _DEP_CONDITION_MAX ? condition_names[c] : NULL;
}

struct by_name {
	const char *name;
	size_t index;
};

static int cmp_by_name(const void *a, const void *b)
{
	return strcmp(((const struct by_name *)a)->name, ((const struct by_name *)b)->name);
}

static void set_prefix(struct config_vctx *v, const char *service)
{
	struct config_shown b;

	snprintf(v->prefix, sizeof(v->prefix), "services.%s",
		 config_path_part(b.s, sizeof(b.s), service, strlen(service)));
}

/* One entry: 0, or -ENOMEM. */
static int check_entry(struct config_vctx *v, const struct config *c, const struct by_name *index,
		       size_t self, const struct raw_env *e, struct dependency *d)
{
	struct by_name key = { .name = e->key }, *found;
	char path[CONFIG_PATH_PART_MAX + 16];
	struct config_shown b;
	int cond = DEP_STARTED;

	snprintf(path, sizeof(path), "depends_on.%s", config_show(&b, e->key));
	if (config_dup_str(&d->name, e->key) < 0)
		return -ENOMEM;
	config_check_choice(v, path, e->value, condition_names, ELEMENTSOF(condition_names), &cond);
	d->condition = (enum dep_condition)cond;
	found = bsearch(&key, index, c->n_services, sizeof(*index), cmp_by_name);
	if (!found) {
		config_verr(v, path, "no service is named %s", config_show(&b, e->key));
		return 0;
	}
	d->service = found->index;
	const struct service_config *dep = &c->services[d->service];
	if (d->service == self)
		config_verr(v, path, "a service cannot depend on itself");
	else if (d->condition == DEP_HEALTHY && dep->health.check.kind == CHECK_NONE)
		config_verr(v, path, "healthy needs services.%s.health", dep->name);
	else if (d->condition == DEP_COMPLETED && dep->type != SERVICE_ONESHOT)
		config_verr(v, path, "completed needs services.%s.type: oneshot", dep->name);
	return 0;
}

/* The cycle is the stack from back_to up; named from its first service in
 * the file, round to it again. */
static void report_cycle(struct config_vctx *v, const struct config *c, const size_t *stack,
			 size_t depth, size_t back_to)
{
	char msg[512];
	size_t used = 0, from = 0, first;

	while (from < depth && stack[from] != back_to)
		from++;
	first = from;   /* the service of the cycle that comes first in the file */
	for (size_t i = from; i < depth; i++)
		if (stack[i] < stack[first])
			first = i;
	msg[0] = '\0';
	for (size_t k = 0; k <= depth - from; k++) {
		size_t i = from + (first - from + k) % (depth - from);
		int w = snprintf(msg + used, sizeof(msg) - used, "%s%s", k ? " -> " : "",
				 c->services[stack[i]].name);
		if (w < 0 || (size_t)w >= sizeof(msg) - used)
			break;
		used += (size_t)w;
	}
	set_prefix(v, c->services[stack[first]].name);
	config_verr(v, "depends_on", "cycle %s", msg);
}

/* Names each cycle once, as "a -> b -> a", from the first service of the
 * file on it. Iterative depth-first search: 10000 services must not
 * recurse 10000 deep. */
static int find_cycles(struct config_vctx *v, const struct config *c)
{
	enum { WHITE, GREY, BLACK };
	size_t n = c->n_services;
	_cleanup_free_ unsigned char *color = calloc(n, 1);
	_cleanup_free_ size_t *stack = calloc(n, sizeof(size_t)), *next = calloc(n, sizeof(size_t));

	if (!color || !stack || !next)
		return -ENOMEM;
	for (size_t root = 0; root < n; root++) {
		size_t depth = 0;
		if (color[root] != WHITE)
			continue;
		stack[depth++] = root;
		color[root] = GREY;
		next[root] = 0;
		while (depth > 0) {
			size_t u = stack[depth - 1];
			const struct service_config *s = &c->services[u];
			if (next[u] == s->n_deps) {
				color[u] = BLACK;
				depth--;
				continue;
			}
			const struct dependency *d = &s->deps[next[u]++];
			if (!d->name || d->service >= n || d->service == u)
				continue;   /* unknown or self: reported already */
			if (color[d->service] == WHITE) {
				color[d->service] = GREY;
				next[d->service] = 0;
				stack[depth++] = d->service;
			} else if (color[d->service] == GREY) {
				report_cycle(v, c, stack, depth, d->service);
			}
		}
	}
	return 0;
}

int config_validate_deps(struct config_vctx *v, const struct raw_config *raw, struct config *c)
{
	_cleanup_free_ struct by_name *index = calloc(MAX(c->n_services, 1U), sizeof(*index));
	int r;

	if (!index)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_services; i++)
		index[i] = (struct by_name){ c->services[i].name, i };
	qsort(index, c->n_services, sizeof(*index), cmp_by_name);
	for (size_t i = 0; i < c->n_services; i++) {
		const struct raw_service *rs = &raw->services[i];
		struct service_config *s = &c->services[i];
		if (rs->n_depends_on == 0)
			continue;
		s->deps = calloc(rs->n_depends_on, sizeof(*s->deps));
		if (!s->deps)
			return -ENOMEM;
		s->n_deps = rs->n_depends_on;
		set_prefix(v, s->name);
		for (size_t j = 0; j < s->n_deps; j++) {
			s->deps[j].service = SIZE_MAX;
			r = check_entry(v, c, index, i, &rs->depends_on[j], &s->deps[j]);
			if (r < 0)
				return r;
			for (size_t k = 0; k < j; k++)
				if (strcmp(rs->depends_on[k].key, rs->depends_on[j].key) == 0) {
					char path[CONFIG_PATH_PART_MAX + 16];
					struct config_shown b;
					snprintf(path, sizeof(path), "depends_on.%s",
						 config_show(&b, rs->depends_on[j].key));
					config_verr(v, path, "listed more than once");
					break;
				}
		}
	}
	return find_cycles(v, c);
}
