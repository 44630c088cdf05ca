/* SPDX-License-Identifier: MIT */
/*
 * config_resolve.h: names of users, groups and capabilities to numbers.
 */
#pragma once

#include <sys/types.h>

#include "config/config_check.h"
#include "config/config_raw.h"

/* 1 resolved; 0 not, an error recorded; -ENOMEM. */
int config_resolve_group(struct config_vctx *v, const char *key, const char *name, gid_t *ret);
/* What the passwd entry of `user` gives a service's environment. */
struct user_env {
	char *home, *shell;             /* copies; NULL without `user` */
};
void user_env_done(struct user_env *u);

/* user, group -> uid, gid, supplementary groups; *ue: the user's home and
 * shell. 0 or -ENOMEM. */
int config_resolve_identity(struct config_vctx *v, const struct raw_service *rs,
			    struct service_config *s, struct user_env *ue);
/* capabilities -> CAP_* numbers. 0 or -ENOMEM. */
int config_resolve_caps(struct config_vctx *v, const struct raw_service *rs,
			struct service_config *s);
