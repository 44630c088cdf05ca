/* SPDX-License-Identifier: MIT */
/*
 * supervisor_lookup.c: a service by name, an instance by its main pid, in
 * O(1) whatever the count: every command names a service, every child
 * event is routed by pid, and an adoption or a reload looks each service
 * up once (a linear search there was O(n^2) at 10 000).
 */
#include <string.h>

#include "basic/idmap.h"
#include "policy/supervisor.h"
#include "policy/supervisor_lookup.h"

struct service *supervisor_find_service(struct supervisor *s, const char *name)
{
	if (s->names_collide) {
		for (size_t i = 0; i < s->n_services; i++)
			if (!s->services[i].removed && !strcmp(s->services[i].cfg->name, name))
				return &s->services[i];
		return NULL;
	}
	struct service *svc = idmap_get(&s->by_name, idmap_hash_string(name));
	return svc && !strcmp(svc->cfg->name, name) ? svc : NULL;
}

int supervisor_index_services(struct supervisor *s)
{
	idmap_clear(&s->by_name);
	s->names_collide = false;
	for (size_t i = 0; i < s->n_services; i++) {
		struct service *svc = &s->services[i];
		uint64_t h = idmap_hash_string(svc->cfg->name);
		if (svc->removed)
			continue;
		if (idmap_get(&s->by_name, h))
			s->names_collide = true;   /* kept correct, not fast */
		int r = idmap_put(&s->by_name, h, svc);
		if (r < 0) {
			s->names_collide = true;   /* the plain search needs no memory */
			return r;
		}
	}
	return 0;
}

struct instance *supervisor_find_pid(struct supervisor *s, pid_t pid)
{
	struct instance *inst = idmap_get(&s->rt.pids, (uint64_t)pid);
	return inst && pidref_is_set(&inst->pid) ? inst : NULL;
}
