/* SPDX-License-Identifier: MIT */
/*
 * config.c: config_load() and the lifetime of struct config.
 *
 * Loading reads the whole file (at most CONFIG_MAX_FILE_SIZE bytes) and runs
 * it through the stages described in config_raw.h. The result is only
 * handed out when every stage found nothing wrong, so a caller holding a
 * struct config can trust every field; a failed reload leaves the caller's
 * current config untouched because nothing of the new one escapes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_errors.h"
#include "config/config_raw.h"
#include "config/config_ready.h"
#include "config/config_rewrite.h"
#include "config/config_schema.h"
#include "config/config_tree.h"
#include "config/config_validate.h"
#include "config/config_warn.h"

/* Reads fd to its end into a buffer of at most CONFIG_MAX_FILE_SIZE + 1
 * bytes; *ret_len past the limit means the file is too large. st_size is
 * only a hint: the file may grow while it is read. */
static int read_bounded(int fd, size_t hint, char **ret, size_t *ret_len)
{
	size_t cap = MIN(hint, (size_t)CONFIG_MAX_FILE_SIZE) + 1, len = 0;
	_cleanup_free_ char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	while (len <= CONFIG_MAX_FILE_SIZE) {
		ssize_t n;

		if (len == cap) {
			char *p;

			cap = MIN(cap * 2, (size_t)CONFIG_MAX_FILE_SIZE + 1);
			p = realloc(buf, cap);
			if (!p)
				return -ENOMEM;
			buf = p;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int read_file(const char *path, char **ret, size_t *ret_len, struct config_errors *errs)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		config_error(errs, path, "cannot open: %s", strerror(-r));
		return r;
	}
	if (S_ISDIR(st.st_mode)) {
		config_error(errs, path, "is a directory, not a config file");
		return -EISDIR;
	}
	/* A fifo or a device could feed us without end, or block forever. */
	if (!S_ISREG(st.st_mode)) {
		config_error(errs, path, "is not a regular file");
		return -EINVAL;
	}
	r = read_bounded(fd, (size_t)st.st_size, &buf, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		config_error(errs, path, "cannot read: %s", strerror(-r));
		return r;
	}
	if (len > CONFIG_MAX_FILE_SIZE) {
		config_error(errs, path, "is larger than %u MiB, the limit for a config file",
			     CONFIG_MAX_FILE_SIZE >> 20);
		return -EFBIG;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static void config_freep(struct config **c)
{
	*c = config_free(*c);
}

static int load(const char *path, struct config **ret, struct config_errors *errs,
		struct config_errors *warns)
{
	_cleanup_(config_freep) struct config *c = NULL;
	_cleanup_(config_tree_done) struct config_tree tree = { .loaded = false };
	_cleanup_free_ char *src = NULL, *yaml = NULL;
	struct raw_config *raw = NULL;
	size_t src_len = 0, yaml_len = 0;
	int r, n_shape;

	r = read_file(path, &src, &src_len, errs);
	if (r < 0)
		return r;
	/* Every unknown and duplicate key, before the stages that stop at
	 * the first; the rewrite leaves them out, so those go on. */
	n_shape = config_tree_load(&tree, path, src, src_len, errs);
	if (n_shape < 0)
		return n_shape;
	r = config_rewrite_yaml(path, src, src_len, &tree, &yaml, &yaml_len, errs);
	if (r < 0)
		return r;
	r = config_schema_load(path, src, src_len, yaml, yaml_len, &raw, errs);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(path))) {
		config_schema_free(raw);
		return -ENOMEM;
	}
	r = config_validate(path, raw, &tree, c, errs);
	config_schema_free(raw);
	if (r < 0)
		return r;
	if (r > 0 || n_shape > 0)
		return -EINVAL;
	if (warns) {
		r = config_warn(c, &tree, warns);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

int config_load_warn(const char *path, struct config **ret, struct config_errors *errs,
		     struct config_errors *warns)
{
	size_t before = errs ? errs->n + errs->dropped : 0;
	int r;

	if (!path || !ret)
		return -EINVAL;
	r = load(path, ret, errs, warns);
	config_errors_sort(errs);
	config_errors_sort(warns);
	/* Every failure leaves at least one line for `ringvisor check`. */
	if (r < 0 && errs && errs->n + errs->dropped == before)
		config_error(errs, path, "cannot load: %s", strerror(-r));
	return r;
}

int config_load(const char *path, struct config **ret, struct config_errors *errs)
{
	return config_load_warn(path, ret, errs, NULL);
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

struct config *config_free(struct config *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n_services; i++) {
		struct service_config *s = &c->services[i];

		free(s->name);
		strv_free(s->argv);
		strv_free(s->env);
		strv_free(s->inherit_names);
		free(s->cwd);
		free(s->user);
		free(s->group);
		free(s->groups);
		free(s->caps);
		strv_free(s->limits.io_max);
		free(s->log.dir); /* a copy, also when inherited from supervisor.log */
		config_ready_free(s);
	}
	free(c->services);
	free(c->supervisor.control_socket);
	free(c->supervisor.admin_group);
	free(c->supervisor.cgroup_root);
	free(c->supervisor.state_dir);
	free(c->supervisor.log.dir);
	free(c->path);
	free(c);
	return NULL;
}

const struct service_config *config_find_service(const struct config *c, const char *name)
{
	if (!c || !name)
		return NULL;
	for (size_t i = 0; i < c->n_services; i++)
		if (strcmp(c->services[i].name, name) == 0)
			return &c->services[i];
	return NULL;
}
