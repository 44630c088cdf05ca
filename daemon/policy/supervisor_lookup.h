/* SPDX-License-Identifier: MIT */
/*
 * supervisor_lookup.h: a service by name, an instance by its main pid.
 */
#pragma once

#include <sys/types.h>

struct supervisor;
struct service;
struct instance;

struct service *supervisor_find_service(struct supervisor *s, const char *name);
/* After s->services changed (start, reload): the name index anew. */
int supervisor_index_services(struct supervisor *s);
/* The instance whose main process is pid (a reaped child is routed to it). */
struct instance *supervisor_find_pid(struct supervisor *s, pid_t pid);
