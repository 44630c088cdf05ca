/* SPDX-License-Identifier: MIT */
/*
 * snapshot.h: the evidence an on-call engineer needs, saved before
 * anything changes (snapshot.c says what goes in). Files live in
 * <state_dir>/snapshots, opened on first use.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "policy/instance.h"

#define SNAPSHOTS_DEFAULT_STATE_DIR "/var/lib/ringvisor"

struct snapshots {
	int dir_fd;                /* <state_dir>/snapshots, -EBADF until first used */
	const char *state_dir;     /* never NULL after snapshots_init() */
};

void snapshots_init(struct snapshots *sn, const char *state_dir);   /* NULL: the default */
void snapshots_done(struct snapshots *sn);
/* The directory's fd, made and opened on first use (O_NOFOLLOW), or -errno. */
int snapshots_dir(struct snapshots *sn);
/* "<service>.<index>-<time>.json", for now. */
void snapshot_name(const struct instance *inst, char *name, size_t len);
/* Writes the snapshot `name` of the (frozen, by the caller) instance,
 * bounded (snapshot.c); whole or not at all. 0 or -errno. */
int snapshot_write(struct snapshots *sn, const struct instance *inst, const char *source, const char *name);
/* Freezes the instance's cgroup, writes <service>.<index>-<time>.json with
 * its processes, fds, threads and counts history, thaws it unless
 * keep_frozen. `source` is the probe's name. The file's path in path. */
int snapshot_take(struct snapshots *sn, const struct instance *inst, const char *source,
		  bool keep_frozen, char *path, size_t len);
