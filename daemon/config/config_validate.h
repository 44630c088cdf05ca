/* SPDX-License-Identifier: MIT */
/*
 * config_validate.h: the last stage of config_load(): strings to numbers,
 * every bound checked, every error collected.
 */
#pragma once

#include "config/config_raw.h"

/* Fills c from raw. Returns the number of errors recorded, or -ENOMEM. */
int config_validate(const char *file, const struct raw_config *raw, struct config *c,
		    struct config_errors *errs);

