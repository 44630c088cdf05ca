/* SPDX-License-Identifier: MIT */
/*
 * config_env.c: a service's environment as the config gives it.
 *
 * service_config.env is the whole list the service sets, built once at
 * load so that reload and adoption compare it like any other key:
 *
 *   env_file: lines, file after file (a later file wins)
 *   env:      wins over env_file
 *   user:     HOME, USER, LOGNAME, SHELL from its passwd entry, where
 *             neither of the above set them (as systemd's User= does)
 *
 * inherit_env (true, or a list of names) only records which of the
 * daemon's own variables pass through: instance_env() adds them at spawn,
 * under everything above, from the daemon's environment, which never
 * changes after it starts. Without it a service starts from an empty
 * environment plus a default PATH.
 *
 * An env_file is read when the config is loaded (and so again on reload):
 * NAME=VALUE lines, `export ` allowed before NAME, `#` comments and blank
 * lines skipped, one pair of quotes around VALUE removed, nothing else
 * interpreted. A path without a leading / is relative to the config file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_env.h"

#define ENV_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"

/* The list being built: at most CONFIG_MAX_ENV entries, each "K=V". */
struct env_list {
	char **v;
	size_t n;
	bool full;                      /* an entry was refused: said once */
};

bool config_env_name_ok(const char *k, size_t n)
{
	return n > 0 && n <= CONFIG_ENV_NAME_MAX && !(k[0] >= '0' && k[0] <= '9') &&
	       strspn(k, ENV_CHARS) >= n;
}

static ssize_t env_find(const struct env_list *l, const char *k, size_t klen)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strncmp(l->v[i], k, klen) && l->v[i][klen] == '=')
			return (ssize_t)i;
	return -1;
}

/* Sets k=value, replacing an earlier k. 0, or -ENOMEM; past the bound the
 * error is recorded under `key`. */
static int env_set(struct config_vctx *v, const char *key, struct env_list *l, const char *k,
		   size_t klen, const char *value, bool replace)
{
	ssize_t at = env_find(l, k, klen);
	char *e;

	if (at >= 0 && !replace)
		return 0;
	if (at < 0 && l->n >= CONFIG_MAX_ENV) {
		if (!l->full)
			config_verr(v, key, "more than %d variables in all (env_file, env and user's)",
				    CONFIG_MAX_ENV);
		l->full = true;
		return 0;
	}
	if (asprintf(&e, "%.*s=%s", (int)klen, k, value) < 0)
		return -ENOMEM;
	if (at >= 0) {
		free(l->v[at]);
		l->v[at] = e;
	} else
		l->v[l->n++] = e;
	return 0;
}

/* path as given, or joined to the config file's directory. */
static char *env_file_path(const char *config_file, const char *path)
{
	const char *slash = strrchr(config_file, '/');
	char *p;

	if (path[0] == '/' || !slash)
		return strdup(path);
	if (asprintf(&p, "%.*s/%s", (int)(slash - config_file), config_file, path) < 0)
		return NULL;
	return p;
}

/* The whole file, NUL-terminated, or NULL with *err set (-errno, -EFBIG,
 * -EINVAL for a NUL byte or a non-regular file). */
static char *read_env_file(const char *path, int *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	char *buf = NULL;
	size_t n = 0;

	*err = 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		*err = -errno;
	else if (!S_ISREG(st.st_mode))
		*err = -EINVAL;
	else if (st.st_size > CONFIG_MAX_ENV_FILE_SIZE)
		*err = -EFBIG;
	else if (!(buf = malloc((size_t)st.st_size + 1)))
		*err = -ENOMEM;
	while (!*err && n < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + n, (size_t)st.st_size - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) { /* a file that shrank while read: what was there */
			*err = k < 0 ? -errno : 0;
			break;
		}
		n += (size_t)k;
	}
	if (fd >= 0)
		close(fd);
	if (!*err && memchr(buf, '\0', n))
		*err = -EINVAL;
	if (*err) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* One line (NUL-terminated, no newline). 0, or -ENOMEM. */
static int env_file_line(struct config_vctx *v, const char *key, const char *path, unsigned lineno,
			 char *line, struct env_list *l)
{
	size_t len = strlen(line);
	char *eq, *val;

	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	line += strspn(line, " \t");
	if (!*line || *line == '#')
		return 0;
	if (!strncmp(line, "export ", 7))
		line += 7 + strspn(line + 7, " \t");
	eq = strchr(line, '=');
	if (!eq || !config_env_name_ok(line, (size_t)(eq - line))) {
		config_verr(v, key, "%s:%u: expected NAME=VALUE with NAME of A-Z, a-z, 0-9 and _", path,
			    lineno);
		return 0;
	}
	val = eq + 1;
	len = strlen(val);
	if (len >= 2 && (val[0] == '"' || val[0] == '\'') && val[len - 1] == val[0]) {
		val[len - 1] = '\0';
		val++;
	}
	return env_set(v, key, l, line, (size_t)(eq - line), val, true);
}

static int env_file_read(struct config_vctx *v, size_t i, const char *given, struct env_list *l)
{
	_cleanup_free_ char *path = env_file_path(v->file, given);
	_cleanup_free_ char *text = NULL;
	char key[32], *line, *next;
	unsigned lineno = 0;
	int err = 0, r = 0;

	snprintf(key, sizeof(key), "env_file[%zu]", i);
	if (!path)
		return -ENOMEM;
	text = read_env_file(path, &err);
	if (err == -ENOMEM)
		return err;
	if (!text) {
		config_verr(v, key, "cannot read %s: %s", path,
			    err == -EFBIG ? "larger than 1 MiB" :
			    err == -EINVAL ? "not a regular text file" : strerror(-err));
		return 0;
	}
	for (line = text; line && r >= 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		r = env_file_line(v, key, path, ++lineno, line, l);
	}
	return r;
}

static int env_from_config(struct config_vctx *v, const struct raw_service *rs, struct env_list *l)
{
	int r = 0;

	for (size_t i = 0; i < rs->n_env_file && r >= 0; i++)
		r = env_file_read(v, i, rs->env_file[i], l);
	for (size_t i = 0; i < rs->n_env && r >= 0; i++) {
		const struct raw_env *e = &rs->env[i];
		char key[CONFIG_PATH_PART_MAX + 16];
		struct config_shown b;
		bool dup = false;

		snprintf(key, sizeof(key), "env.%s", config_show(&b, e->key));
		if (!config_env_name_ok(e->key, strlen(e->key)))
			config_verr(v, key, "invalid variable name: use up to %d of A-Z, a-z, 0-9 and _, "
				    "not starting with a digit", CONFIG_ENV_NAME_MAX);
		for (size_t j = 0; j < i && !dup; j++)
			dup = strcmp(rs->env[j].key, e->key) == 0;
		if (dup)
			config_verr(v, key, "defined more than once");
		r = env_set(v, "env", l, e->key, strlen(e->key), e->value, true);
	}
	return r;
}

static int env_from_user(struct config_vctx *v, const struct service_config *s,
			 const struct user_env *ue, struct env_list *l)
{
	const struct { const char *k, *val; } vars[] = {
		{ "HOME", ue->home }, { "USER", s->user }, { "LOGNAME", s->user }, { "SHELL", ue->shell },
	};
	int r = 0;

	if (!s->user)
		return 0;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]) && r >= 0; i++)
		if (vars[i].val && vars[i].val[0])
			r = env_set(v, "user", l, vars[i].k, strlen(vars[i].k), vars[i].val, false);
	return r;
}

static int inherit_from_config(struct config_vctx *v, const struct raw_service *rs,
			       struct service_config *s)
{
	bool all = false;

	if (rs->inherit_env_all) {
		config_check_bool(v, "inherit_env", rs->inherit_env_all, &all);
		s->inherit_env = all ? INHERIT_ENV_ALL : INHERIT_ENV_NONE;
		return 0;
	}
	if (!rs->inherit_env)
		return 0;
	s->inherit_names = calloc((size_t)rs->n_inherit_env + 1, sizeof(char *));
	if (!s->inherit_names)
		return -ENOMEM;
	s->inherit_env = INHERIT_ENV_NAMES;
	for (size_t i = 0; i < rs->n_inherit_env; i++) {
		struct config_shown b;

		if (!config_env_name_ok(rs->inherit_env[i], strlen(rs->inherit_env[i])))
			config_verr(v, "inherit_env", "\"%s\" is not a variable name (A-Z, a-z, 0-9 "
				    "and _, not starting with a digit)", config_show(&b, rs->inherit_env[i]));
		if (config_dup_str(&s->inherit_names[i], rs->inherit_env[i]) < 0)
			return -ENOMEM;
		s->n_inherit_names = i + 1;
	}
	return 0;
}

int config_validate_service_env(struct config_vctx *v, const struct raw_service *rs,
				const struct user_env *ue, struct service_config *s)
{
	struct env_list l = { .v = calloc(CONFIG_MAX_ENV + 1, sizeof(char *)) };
	int r;

	if (!l.v)
		return -ENOMEM;
	r = env_from_config(v, rs, &l);
	if (r >= 0)
		r = env_from_user(v, s, ue, &l);
	/* Shrunk to its size: a thousand services each with a full table
	 * would cost 2 MiB for nothing. */
	s->env = r >= 0 ? realloc(l.v, (l.n + 1) * sizeof(char *)) : NULL;
	if (!s->env) {
		for (size_t i = 0; i < l.n; i++)
			free(l.v[i]);
		free(l.v);
		return -ENOMEM;
	}
	s->n_env = l.n;
	return inherit_from_config(v, rs, s);
}
