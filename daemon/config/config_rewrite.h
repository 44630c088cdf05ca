/* SPDX-License-Identifier: MIT */
/*
 * config_rewrite.h: the first stage of config_load(): `services:` and
 * `env:` mappings (arbitrary keys, which libcyaml cannot describe) become
 * sequences of {name: KEY, ...} and {key: K, value: V}.
 */
#pragma once

#include <stddef.h>

#include "config/config.h"

/* Returns 0 and a malloc'ed buffer, or -EINVAL after recording the error
 * (YAML syntax, wrong shape of services/env, aliases, ...), -EFBIG, -ENOMEM. */
int config_rewrite_yaml(const char *file, const char *src, size_t len, char **ret_yaml,
			size_t *ret_len, struct config_errors *errs);

