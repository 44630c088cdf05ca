/* SPDX-License-Identifier: MIT */
/*
 * config_validate.h: the last stage of config_load(): strings to numbers,
 * every bound checked, every error collected.
 */
#pragma once

#include "config/config_raw.h"

struct config_tree;

/* Fills c from raw. Returns the number of errors recorded, or -ENOMEM. Each
 * error gets the position of its key path in tree (which may be NULL). */
int config_validate(const char *file, const struct raw_config *raw,
		    const struct config_tree *tree, struct config *c, struct config_errors *errs);

