/* SPDX-License-Identifier: MIT */
/*
 * config_check.h: checking one value of the raw config and recording what
 * is wrong with it, as every validation stage does.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/macro.h"
#include "config/config_errors.h"

#define CONFIG_DURATION_HINT "a whole number with ms, s, m or h, e.g. 250ms, 10s, 5m, 1h"
#define CONFIG_SIZE_HINT "a whole number of bytes, optionally with K, M, G or T, e.g. 64M"

struct config_tree;

/* One validation pass: errors go to "FILE:LINE:COL: PREFIX.KEY: message",
 * the position that of PREFIX.KEY in tree (config_tree_find()). */
struct config_vctx {
	const char *file;
	struct config_errors *errs;
	const struct config_tree *tree; /* NULL: no positions */
	int n_errors;
	char prefix[CONFIG_PATH_PART_MAX + 32]; /* "supervisor", "services.web" */
};

/* A user's value as quoted in a message: cut, no control characters. */
struct config_shown {
	char s[CONFIG_PATH_PART_MAX + 8];
};

void config_verr(struct config_vctx *v, const char *key, const char *fmt, ...) _printf_(3, 4);
const char *config_show(struct config_shown *b, const char *s);
int config_dup_str(char **ret, const char *s); /* NULL stays NULL; -ENOMEM */
/* Digits only, no sign or space: 0, -EINVAL or -ERANGE. */
int config_parse_uint(const char *s, uint64_t *ret);
/* A whole number, min..max. 1: given and valid, *ret set; 0: not given (s
 * NULL); -EINVAL: invalid, recorded. */
int config_check_count(struct config_vctx *v, const char *key, const char *s, uint64_t min,
		       uint64_t max, uint64_t *ret);
/* A size (units.h), min..max bytes; returns as config_check_count(). */
int config_check_size(struct config_vctx *v, const char *key, const char *s, uint64_t min,
		      uint64_t max, uint64_t *ret);
/* "64M" for 64 << 20: the largest unit that divides n. Returns buf. */
const char *config_format_size(uint64_t n, char *buf, size_t len);
/* An absolute path, at most CONFIG_MAX_PATH bytes, without a ".." component
 * (state_dir, log.dir). 1: given and valid, a copy in *ret; 0: not given;
 * -EINVAL: invalid, recorded; -ENOMEM. */
int config_check_path(struct config_vctx *v, const char *key, const char *s, char **ret);
/* A duration, min_ms..max_ms; returns as config_check_count(). */
int config_check_duration(struct config_vctx *v, const char *key, const char *s, uint64_t min_ms,
			  uint64_t max_ms, uint64_t *ret);
/* s is one of names[0..n): its index in *ret. Otherwise recorded. */
void config_check_choice(struct config_vctx *v, const char *key, const char *s,
			 const char *const *names, size_t n, int *ret);
/* s names one of allowed[0..n): that action in *ret. Otherwise recorded,
 * the message listing the allowed names in their order. */
void config_check_action(struct config_vctx *v, const char *key, const char *s,
			 const enum violation_action *allowed, size_t n, enum violation_action *ret);
/* Exactly true or false: *ret set. Otherwise recorded. */
void config_check_bool(struct config_vctx *v, const char *key, const char *s, bool *ret);

