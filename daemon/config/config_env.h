/* SPDX-License-Identifier: MIT */
/*
 * config_env.h: a service's env_file, env, user variables and inherit_env
 * (config_env.c says in which order they win).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config/config_check.h"
#include "config/config_raw.h"
#include "config/config_resolve.h"

#define CONFIG_ENV_NAME_MAX 256

/* k[0..n) is a variable name: A-Z, a-z, 0-9, _, not starting with a digit. */
bool config_env_name_ok(const char *k, size_t n);
/* s->env, s->n_env, s->inherit_env; user variables from ue (s->user set
 * already). 0, or -ENOMEM; bad values recorded. */
int config_validate_service_env(struct config_vctx *v, const struct raw_service *rs,
				const struct user_env *ue, struct service_config *s);
