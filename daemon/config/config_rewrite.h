/* SPDX-License-Identifier: MIT */
/*
 * config_rewrite.h: the first stage of config_load(): `services:` and
 * `env:` mappings (arbitrary keys, which libcyaml cannot describe) become
 * sequences of {name: KEY, ...} and {key: K, value: V}.
 */
#pragma once

#include <stddef.h>

#include "config/config.h"

struct config_tree;

/* Returns 0 and a malloc'ed buffer, or -EINVAL after recording the error
 * (YAML syntax, wrong shape of services/env, aliases, ...), -EFBIG, -ENOMEM.
 * The pairs the tree pass reported (tree may be NULL) are left out. */
int config_rewrite_yaml(const char *file, const char *src, size_t len,
			const struct config_tree *tree, char **ret_yaml, size_t *ret_len,
			struct config_errors *errs);

