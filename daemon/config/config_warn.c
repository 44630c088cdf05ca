/* SPDX-License-Identifier: MIT */
/*
 * config_warn.c: warnings about a valid config (config_warn.h).
 *
 * Warnings, not errors: a file is often checked where, when or as whom it
 * does not run (a program installed later, a mount not there yet, a build
 * host), and the daemon says at exec what failed. What can be told from
 * here is said early: the mode bits, not access(), decide "executable",
 * because the checking user is seldom the service's; a path we may not
 * look at (EACCES) is not warned about.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config_errors.h"
#include "config/config_tree.h"
#include "config/config_warn.h"

struct warn_ctx {
	const struct config *c;
	const struct config_tree *t;
	struct config_errors *warns;
	char prefix[CONFIG_PATH_PART_MAX + 16];
	int n;
};

static void warn(struct warn_ctx *w, const char *key, const char *fmt, ...) _printf_(3, 4);
static void warn(struct warn_ctx *w, const char *key, const char *fmt, ...)
{
	char path[sizeof(w->prefix) + 32], msg[CONFIG_MAX_PATH + 128];
	struct config_mark m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s.%s", w->prefix, key);
	m = config_tree_find(w->t, path);
	config_error_at(w->warns, w->c->path, &m, path, "%s", msg);
	w->n++;
}

enum found { FOUND_EXEC, FOUND_NONE, FOUND_NOT_EXEC, FOUND_DIR, FOUND_UNKNOWN };

static enum found probe(const char *file)
{
	struct stat st;

	if (stat(file, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? FOUND_NONE : FOUND_UNKNOWN;
	if (S_ISDIR(st.st_mode))
		return FOUND_DIR;
	return S_ISREG(st.st_mode) && (st.st_mode & 0111) ? FOUND_EXEC : FOUND_NOT_EXEC;
}

/* The PATH the service's exec searches: its own, else the daemon's when it
 * inherits PATH (ours: check runs with the environment the daemon would
 * have, as far as it can tell), else the default (instance_env.c). */
static const char *service_path(const struct service_config *s)
{
	const char *own = getenv("PATH");
	bool inherits = s->inherit_env == INHERIT_ENV_ALL;

	for (size_t i = 0; i < s->n_env; i++)
		if (strncmp(s->env[i], "PATH=", 5) == 0)
			return s->env[i] + 5;
	for (size_t i = 0; s->inherit_env == INHERIT_ENV_NAMES && i < s->n_inherit_names; i++)
		inherits |= strcmp(s->inherit_names[i], "PATH") == 0;
	return inherits && own ? own : CONFIG_DEFAULT_PATH;
}

/* A bare name, looked up as execvp does: the first executable wins; an
 * empty PATH entry is the current directory (the service's cwd). */
static void warn_search(struct warn_ctx *w, const struct service_config *s, const char *cwd)
{
	const char *path = service_path(s), *name = s->argv[0], *p = path, *not_exec = NULL;
	char file[CONFIG_MAX_PATH * 2 + 2];
	size_t not_exec_len = 0;

	while (p) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		enum found f;

		snprintf(file, sizeof(file), "%.*s/%s", len ? (int)len : (int)strlen(cwd),
			 len ? p : cwd, name);
		f = probe(file);
		if (f == FOUND_EXEC || f == FOUND_UNKNOWN)
			return;
		if ((f == FOUND_NOT_EXEC || f == FOUND_DIR) && !not_exec) {
			not_exec = len ? p : cwd;
			not_exec_len = len ? len : strlen(cwd);
		}
		p = end ? end + 1 : NULL;
	}
	if (not_exec)
		warn(w, "command[0]", "\"%s\" is in %.*s but is not an executable file", name,
		     (int)not_exec_len, not_exec);
	else
		warn(w, "command[0]", "\"%s\" is not found in PATH (%s)", name, path);
}

static void warn_command(struct warn_ctx *w, const struct service_config *s, bool cwd_ok)
{
	const char *cwd = s->cwd ? s->cwd : "/", *name = s->argv[0];
	char file[CONFIG_MAX_PATH * 2 + 2];

	if (!name || !*name)
		return; /* an error already */
	if (!strchr(name, '/')) {
		warn_search(w, s, cwd);
		return;
	}
	/* Relative to the cwd the service starts in; nothing to tell when
	 * that directory itself is missing (warned about). */
	if (name[0] != '/' && !cwd_ok)
		return;
	while (name[0] == '.' && name[1] == '/') /* shown as the file it is */
		name += 2;
	snprintf(file, sizeof(file), "%s%s%s", name[0] == '/' ? "" : cwd,
		 name[0] == '/' || cwd[strlen(cwd) - 1] == '/' ? "" : "/", name);
	switch (probe(file)) {
	case FOUND_NONE:
		warn(w, "command[0]", "\"%s\" does not exist", file);
		break;
	case FOUND_DIR:
		warn(w, "command[0]", "\"%s\" is a directory, not a program", file);
		break;
	case FOUND_NOT_EXEC:
		warn(w, "command[0]", "\"%s\" is not an executable file", file);
		break;
	default:
		break;
	}
}

/* Returns whether the cwd is a directory, or cannot be told. */
static bool warn_cwd(struct warn_ctx *w, const struct service_config *s)
{
	switch (s->cwd ? probe(s->cwd) : FOUND_DIR) {
	case FOUND_NONE:
		warn(w, "cwd", "\"%s\" does not exist", s->cwd);
		return false;
	case FOUND_EXEC:
	case FOUND_NOT_EXEC:
		warn(w, "cwd", "\"%s\" is not a directory", s->cwd);
		return false;
	default:
		return true;
	}
}

int config_warn(const struct config *c, const struct config_tree *t, struct config_errors *warns)
{
	struct warn_ctx w = { .c = c, .t = t, .warns = warns };
	char part[CONFIG_PATH_PART_MAX + 8];

	for (size_t i = 0; i < c->n_services; i++) {
		const struct service_config *s = &c->services[i];

		snprintf(w.prefix, sizeof(w.prefix), "services.%s",
			 config_path_part(part, sizeof(part), s->name, strlen(s->name)));
		warn_command(&w, s, warn_cwd(&w, s));
	}
	return w.n;
}
