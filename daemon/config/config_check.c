/* SPDX-License-Identifier: MIT */
/*
 * config_check.c: one value of the raw config checked against its bound,
 * and the error recorded with its key path when it is wrong.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/units.h"
#include "config/config_check.h"
#include "config/config_names.h"
#include "config/config_tree.h"


const char *config_show(struct config_shown *b, const char *s)
{
	if (!*s) /* quoted by the message: "" */
		return "";
	return config_path_part(b->s, sizeof(b->s), s, strlen(s));
}

void config_verr(struct config_vctx *v, const char *key, const char *fmt, ...)
{
	char msg[512], path[sizeof(v->prefix) + CONFIG_PATH_PART_MAX * 2];
	struct config_mark m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s%s%s", v->prefix, key ? "." : "", key ? key : "");
	m = config_tree_find(v->tree, path);
	config_error_at(v->errs, v->file, &m, path, "%s", msg);
	v->n_errors++;
}

int config_dup_str(char **ret, const char *s)
{
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int config_parse_uint(const char *s, uint64_t *ret)
{
	uint64_t n = 0;

	if (!*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (n > (UINT64_MAX - d) / 10)
			return -ERANGE;
		n = n * 10 + d;
	}
	*ret = n;
	return 0;
}

/* 1: given and valid, *ret set; 0: not given; -EINVAL: invalid, recorded. */
int config_check_count(struct config_vctx *v, const char *key, const char *s, uint64_t min,
		       uint64_t max, uint64_t *ret)
{
	struct config_shown b;
	uint64_t n = 0;
	int r;

	if (!s)
		return 0;
	r = config_parse_uint(s, &n);
	if (r == -EINVAL)
		config_verr(v, key, "\"%s\" is not a whole number", config_show(&b, s));
	else if (r == -ERANGE || n > max)
		config_verr(v, key, "%s exceeds the maximum of %" PRIu64, config_show(&b, s), max);
	else if (n < min)
		config_verr(v, key, "%s is below the minimum of %" PRIu64, config_show(&b, s), min);
	else {
		*ret = n;
		return 1;
	}
	return -EINVAL;
}

int config_check_duration(struct config_vctx *v, const char *key, const char *s, uint64_t min_ms,
			  uint64_t max_ms, uint64_t *ret)
{
	char limit[32];
	struct config_shown b;
	uint64_t ms;
	int r;

	if (!s)
		return 0;
	r = parse_duration_ms(s, &ms);
	if (r == -EINVAL)
		config_verr(v, key, "\"%s\" is not a duration (%s)", config_show(&b, s),
			    CONFIG_DURATION_HINT);
	else if (r == -ERANGE || ms > max_ms)
		config_verr(v, key, "%s exceeds the maximum of %s", config_show(&b, s),
			    format_duration_ms(max_ms, limit, sizeof(limit)));
	else if (ms < min_ms && min_ms <= 1)
		config_verr(v, key, "must be greater than 0");
	else if (ms < min_ms)
		config_verr(v, key, "%s is below the minimum of %s", config_show(&b, s),
			    format_duration_ms(min_ms, limit, sizeof(limit)));
	else {
		*ret = ms;
		return 1;
	}
	return -EINVAL;
}

const char *config_format_size(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "", "K", "M", "G", "T" };
	size_t u = 0;

	while (u + 1 < ELEMENTSOF(units) && n >= 1024 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 "%s", n, units[u]);
	return buf;
}

int config_check_size(struct config_vctx *v, const char *key, const char *s, uint64_t min,
		      uint64_t max, uint64_t *ret)
{
	struct config_shown b;
	char limit[32];
	uint64_t n = 0;
	int r;

	if (!s)
		return 0;
	r = parse_size_bytes(s, &n);
	if (r == -EINVAL)
		config_verr(v, key, "\"%s\" is not a size (%s)", config_show(&b, s), CONFIG_SIZE_HINT);
	else if (r == -ERANGE || n > max)
		config_verr(v, key, "%s exceeds the maximum of %s", config_show(&b, s),
			    config_format_size(max, limit, sizeof(limit)));
	else if (n < min && min <= 1)
		config_verr(v, key, "must be greater than 0");
	else if (n < min)
		config_verr(v, key, "%s is below the minimum of %s", config_show(&b, s),
			    config_format_size(min, limit, sizeof(limit)));
	else {
		*ret = n;
		return 1;
	}
	return -EINVAL;
}

int config_check_path(struct config_vctx *v, const char *key, const char *s, char **ret)
{
	struct config_shown b;

	if (!s)
		return 0;
	if (s[0] != '/') {
		config_verr(v, key, "\"%s\" is not an absolute path", config_show(&b, s));
		return -EINVAL;
	}
	if (strlen(s) > CONFIG_MAX_PATH) { /* the schema's bound */
		config_verr(v, key, "is longer than %d bytes", CONFIG_MAX_PATH);
		return -EINVAL;
	}
	for (const char *p = s; *p; p += strspn(p, "/")) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			config_verr(v, key, "\"%s\" must not contain \"..\"", config_show(&b, s));
			return -EINVAL;
		}
		p += n;
	}
	return config_dup_str(ret, s) < 0 ? -ENOMEM : 1;
}

/* s is one of names[0..n): its index in *ret. Otherwise recorded. */
void config_check_choice(struct config_vctx *v, const char *key, const char *s,
			 const char *const *names, size_t n, int *ret)
{
	char list[128] = "";
	struct config_shown b;

	if (!s)
		return;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0) {
			*ret = (int)i;
			return;
		}
	for (size_t i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 names[i]);
	config_verr(v, key, "\"%s\" is not one of %s", config_show(&b, s), list);
}

void config_check_action(struct config_vctx *v, const char *key, const char *s,
			 const enum violation_action *allowed, size_t n, enum violation_action *ret)
{
	const char *names[_VIOLATION_ACTION_MAX];
	int i = -1;

	for (size_t k = 0; k < n; k++)
		names[k] = violation_action_to_string(allowed[k]);
	config_check_choice(v, key, s, names, n, &i);
	if (i >= 0)
		*ret = allowed[i];
}

/* Strict on purpose: YAML 1.1 would also read yes, on, y as true. */
void config_check_bool(struct config_vctx *v, const char *key, const char *s, bool *ret)
{
	struct config_shown b;

	if (!s)
		return;
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
		*ret = s[0] == 't';
	else
		config_verr(v, key, "\"%s\" is not true or false", config_show(&b, s));
}
