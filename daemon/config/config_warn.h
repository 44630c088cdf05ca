/* SPDX-License-Identifier: MIT */
/*
 * config_warn.h: what a valid config would still fail at when a service
 * starts, found at load and said as warnings.
 */
#pragma once

#include "config/config.h"

struct config_tree;

/* A command that is not an executable file (argv[0] resolved as execvp
 * will: with a slash, from the service's cwd; without, in the PATH the
 * service gets), a cwd that is not a directory. Returns the number of
 * warnings (one that cannot be recorded is counted as dropped). */
int config_warn(const struct config *c, const struct config_tree *t, struct config_errors *warns);
