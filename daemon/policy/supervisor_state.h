/* SPDX-License-Identifier: MIT */
/*
 * supervisor_state.h: what the operator changed that a restarted daemon
 * must not undo: a service's scale (when it differs from the config's
 * `instances`) and which of its instances are stopped. Kept as
 * trusted.ringvisor.service on services/<name> ("v1 config=2 scale=5
 * stopped=0,3"), written (debounced) when a state changes, read back by
 * the sweep before anything is removed. A clean shutdown removes the
 * cgroup and with it the state: the next start follows the config.
 * docs/adoption.md.
 */
#pragma once

#include <stdint.h>

#include "policy/service.h"

#define SERVICE_STATE_XATTR "trusted.ringvisor.service"
#define SERVICE_STATE_MAX_STOPPED 4096   /* beyond: not kept (said) */
#define SERVICE_STATE_FLUSH_MS 50

struct supervisor;

void supervisor_state_init(struct supervisor *s);
/* An instance's state changed: its service is written out soon. */
void supervisor_state_note(struct supervisor *s, struct instance *inst);
/* Reads services/<name>'s state (fd) into the service of that name. */
void supervisor_state_read(struct supervisor *s, const char *name, int fd);
/* The scale to start with: the restored one when the config's instances
 * did not change since it was written, else the config's. */
uint32_t supervisor_state_scale(const struct service *svc);
/* After the instances exist: those that were stopped stay stopped. */
void supervisor_state_restore_stopped(struct supervisor *s, struct service *svc);
