/* SPDX-License-Identifier: MIT */
/*
 * config_schema.h: the second stage of config_load(): the rewritten YAML
 * loaded by libcyaml against the schema into struct raw_config.
 */
#pragma once

#include <stddef.h>

#include "config/config_raw.h"

/* Returns 0, -EINVAL after recording the (first) schema error, or -ENOMEM. */
int config_schema_load(const char *file, const char *src, size_t src_len, const char *yaml,
		       size_t yaml_len, struct raw_config **ret, struct config_errors *errs);
struct raw_config *config_schema_free(struct raw_config *raw);
/* The schema itself: its keys are the known keys of the tree pass too. */
extern const struct cyaml_schema_value config_top_schema;

