/* SPDX-License-Identifier: MIT */
/*
 * config_resolve.c: names in the config resolved to numbers, once.
 *
 * Users and groups go through NSS (getpwnam_r, getgrnam_r, getgrouplist),
 * capabilities through libcap. Doing it while validating means `ringvisor
 * check` catches a typo, and the daemon never calls into NSS between fork
 * and exec, where it is not async-signal-safe. The ids are those of the
 * moment of loading: a user renumbered later needs a reload.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "config/config_resolve.h"

#define NSS_BUF_MAX (1U << 20) /* scratch space for getpwnam_r/getgrnam_r */
#define GROUPS_MAX 64 /* supplementary groups of one user */
#define CAP_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"

/* getpwnam_r and getgrnam_r report "no such name" as 0 or one of these. */
static bool nss_not_found(int r)
{
	return r == 0 || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM;
}

/* 1: found; 0: not found or failed, recorded; -ENOMEM. */
int config_resolve_group(struct config_vctx *v, const char *key, const char *name, gid_t *ret)
{
	_cleanup_free_ char *buf = NULL;
	struct group gr, *res = NULL;
	struct config_shown b;
	int r;

	if (!*name) {
		config_verr(v, key, "must not be empty");
		return 0;
	}
	for (size_t len = 1024;; len *= 2) {
		free(buf);
		buf = malloc(len);
		if (!buf)
			return -ENOMEM;
		r = getgrnam_r(name, &gr, buf, len, &res);
		if (r != ERANGE || len >= NSS_BUF_MAX)
			break;
	}
	if (res) {
		*ret = gr.gr_gid;
		return 1;
	}
	if (nss_not_found(r))
		config_verr(v, key, "unknown group \"%s\"", config_show(&b, name));
	else
		config_verr(v, key, "cannot look up group \"%s\": %s", config_show(&b, name),
			    strerror(r));
	return 0;
}

static int user_groups(struct config_vctx *v, const char *user, gid_t gid, struct service_config *s)
{
	gid_t groups[GROUPS_MAX];
	int n = GROUPS_MAX;
	struct config_shown b;

	if (getgrouplist(user, gid, groups, &n) < 0) {
		if (n > GROUPS_MAX)
			config_verr(v, "user", "\"%s\" is in %d groups, more than the %d supported",
				    config_show(&b, user), n, GROUPS_MAX);
		else /* glibc also returns -1 when NSS fails */
			config_verr(v, "user", "cannot list the groups of \"%s\"",
				    config_show(&b, user));
		return 0;
	}
	s->groups = calloc((size_t)MAX(n, 1), sizeof(gid_t));
	if (!s->groups)
		return -ENOMEM;
	memcpy(s->groups, groups, (size_t)n * sizeof(gid_t));
	s->n_groups = (size_t)n;
	return 1;
}

void user_env_done(struct user_env *u)
{
	free(u->home);
	free(u->shell);
	*u = (struct user_env){ 0 };
}

static int lookup_user(struct config_vctx *v, const char *name, struct service_config *s,
		       struct user_env *ue)
{
	_cleanup_free_ char *buf = NULL;
	struct passwd pw, *res = NULL;
	struct config_shown b;
	int r;

	if (!*name) {
		config_verr(v, "user", "must not be empty");
		return 0;
	}
	for (size_t len = 1024;; len *= 2) {
		free(buf);
		buf = malloc(len);
		if (!buf)
			return -ENOMEM;
		r = getpwnam_r(name, &pw, buf, len, &res);
		if (r != ERANGE || len >= NSS_BUF_MAX)
			break;
	}
	if (!res) {
		if (nss_not_found(r))
			config_verr(v, "user", "unknown user \"%s\"", config_show(&b, name));
		else
			config_verr(v, "user", "cannot look up user \"%s\": %s",
				    config_show(&b, name), strerror(r));
		return 0;
	}
	s->uid = pw.pw_uid;
	s->has_uid = true;
	if (config_dup_str(&ue->home, pw.pw_dir) < 0 || config_dup_str(&ue->shell, pw.pw_shell) < 0)
		return -ENOMEM;
	if (!s->has_gid) { /* an explicit group wins over the primary group */
		s->gid = pw.pw_gid;
		s->has_gid = true;
	}
	return user_groups(v, name, s->gid, s);
}

int config_resolve_identity(struct config_vctx *v, const struct raw_service *rs,
			    struct service_config *s, struct user_env *ue)
{
	int r;

	if (config_dup_str(&s->user, rs->user) < 0 || config_dup_str(&s->group, rs->group) < 0)
		return -ENOMEM;
	if (rs->group) {
		r = config_resolve_group(v, "group", rs->group, &s->gid);
		if (r < 0)
			return r;
		s->has_gid = r > 0;
	}
	if (rs->user) {
		r = lookup_user(v, rs->user, s, ue);
		if (r < 0)
			return r;
	}
	return 0;
}

int config_resolve_caps(struct config_vctx *v, const struct raw_service *rs,
			struct service_config *s)
{
	if (rs->n_capabilities == 0)
		return 0;
	s->caps = calloc(rs->n_capabilities, sizeof(int));
	if (!s->caps)
		return -ENOMEM;
	for (size_t i = 0; i < rs->n_capabilities; i++) {
		const char *name = rs->capabilities[i];
		char key[32], full[96];
		bool dup = false;
		cap_value_t cap;
		struct config_shown b;

		snprintf(key, sizeof(key), "capabilities[%zu]", i);
		/* cap_from_name() also takes numbers and stops at a comma. */
		snprintf(full, sizeof(full), "%s%s",
			 strncasecmp(name, "cap_", 4) == 0 ? "" : "cap_", name);
		if (strspn(name, CAP_CHARS) != strlen(name) || (name[0] >= '0' && name[0] <= '9') ||
		    cap_from_name(full, &cap) < 0) {
			config_verr(v, key, "unknown capability \"%s\"", config_show(&b, name));
			continue;
		}
		for (size_t j = 0; j < s->n_caps; j++)
			dup = dup || s->caps[j] == (int)cap;
		if (dup)
			config_verr(v, key, "%s is listed more than once", config_show(&b, name));
		else
			s->caps[s->n_caps++] = (int)cap;
	}
	return 0;
}
