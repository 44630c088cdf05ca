/* SPDX-License-Identifier: MIT */
/*
 * config_diff.h: what changed between two definitions of one service, by
 * key group, for `reload`. Some groups apply to running instances (live:
 * read where they are used, or written to the live cgroup); any other
 * change means the instances restart with the new definition. The table
 * of which is which is in docs/reload.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

enum config_key_group {
	CK_COMMAND, CK_INSTANCES, CK_ENV, CK_CWD, CK_USER, CK_UMASK, CK_RESTART, CK_STOP,
	CK_NOFILE, CK_CAPABILITIES, CK_LIMITS, CK_ON_VIOLATION, CK_LEAK, CK_LOG, CK_TYPE,
	CK_READINESS, CK_WATCHDOG, CK_HEALTH, CK_DEPENDS_ON, CK_ON_EXIT,
	_CK_MAX,
};

#define CK_BIT(g) (1U << (g))
/* Applied without a restart. */
#define CK_LIVE (CK_BIT(CK_INSTANCES) | CK_BIT(CK_RESTART) | CK_BIT(CK_STOP) | CK_BIT(CK_LIMITS) | \
		 CK_BIT(CK_ON_VIOLATION) | CK_BIT(CK_LEAK) | CK_BIT(CK_DEPENDS_ON) | CK_BIT(CK_ON_EXIT))

/* The groups that differ (CK_BIT each); 0: the same definition. Dependencies
 * are compared by name and condition (their index in the file may move). */
unsigned config_service_diff(const struct service_config *a, const struct service_config *b);
/* A 64-bit digest of every key that is not live (~CK_LIVE): equal
 * digests, no restart needed. What an adopted instance is checked against
 * (policy/instance_record.h), as diff's restart groups are at reload. */
uint64_t config_service_digest(const struct service_config *c);
/* "limits", "instances", ... */
const char *config_key_group_name(enum config_key_group g);
/* Names of the groups in mask, comma-separated, into buf. */
void config_key_groups_format(unsigned mask, char *buf, size_t len);
