/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "logs/logdirs.h"
#include "logs/logfile.h"

int logdirs_get(struct logdirs *d, const char *path)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->dirs[i].path, path) == 0)
			return d->dirs[i].fd >= 0 ? d->dirs[i].fd : d->dirs[i].error;
	if (d->n == LOG_MAX_DIRS)
		return -EMFILE;
	int fd = -EBADF, r = logdir_open(path, &fd);
	char *copy = strdup(path);
	if (!copy) {
		safe_close(fd);
		return -ENOMEM;
	}
	if (r < 0)
		log_error_errno(r, "log directory %s: %s", path,
				r == -ELOOP ? "is a symlink, refusing it" : "cannot open it");
	d->dirs[d->n++] = (typeof(d->dirs[0])){ copy, r < 0 ? -EBADF : fd, r };
	return r < 0 ? r : fd;
}

void logdirs_done(struct logdirs *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->dirs[i].path);
		safe_close(d->dirs[i].fd);
	}
	d->n = 0;
}
