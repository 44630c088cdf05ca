/* SPDX-License-Identifier: MIT */
/*
 * supervisor_reload.h: `reload` and SIGHUP. The file is read and validated
 * whole; any error changes nothing. Then, service by service (by name):
 * kept (same definition), updated (only keys applied live: instances,
 * restart, stop, limits, on_violation, leak, depends_on), restarted (any
 * other key: its instances stop, then start with the new definition),
 * stopped (gone from the file), started (new). docs/reload.md.
 */
#pragma once

#include <stddef.h>

#include "config/config.h"
#include "policy/supervisor.h"

enum reload_action { RELOAD_KEPT, RELOAD_UPDATED, RELOAD_RESTARTED, RELOAD_STOPPED, RELOAD_STARTED,
		     _RELOAD_ACTION_MAX };

struct reload_entry {
	char name[CONFIG_MAX_NAME_LEN + 1];
	enum reload_action action;
	unsigned keys;                  /* CK_BIT() of the key groups that changed */
};

struct reload_report {
	struct reload_entry *entries;   /* n, in the new file's order, then the stopped */
	size_t n;
	size_t count[_RELOAD_ACTION_MAX];
	struct config_errors errs;      /* the file's errors, as `check` prints them */
	char why[512];                  /* a refusal, or the file's error when errs is empty */
	char path[4096];                /* the file read */
};

const char *reload_action_to_string(enum reload_action a);   /* kept updated restarted stopped started */

/* path: NULL for the daemon's own file (a given one becomes it). 0: applied;
 * -EINVAL: the file has errors (errs, or why); -EBUSY, -EPERM, -ENOSPC,
 * -EMFILE: refused (why). rep is filled either way; reload_report_done()
 * frees it. */
int supervisor_reload(struct supervisor *s, const char *path, struct reload_report *rep);
void reload_report_done(struct reload_report *rep);
/* The loop's turn after instances settled: a changed service whose old
 * instances are gone starts its new ones; removed services that stopped
 * leave; configs nothing points into any more are freed. */
void supervisor_reload_settle(struct supervisor *s);
/* Whether a reload is still being applied (instances stopping). */
bool supervisor_reload_busy(const struct supervisor *s);
