/* SPDX-License-Identifier: MIT */
/*
 * probe_result.c: the array one probe pass fills. It belongs to the
 * caller's struct probe_result and is kept across passes: it grows by
 * doubling as a pass needs it, never beyond PROBE_MAX_PROCS entries;
 * processes beyond that are counted in `dropped`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "probe/probe_result.h"

#define RESULT_MIN_CAP 64

void probe_result_done(struct probe_result *res)
{
	if (!res)
		return;
	free(res->procs);
	*res = (struct probe_result){};
}

struct proc_counts *probe_result_add(struct probe_result *res, int *err)
{
	if (res->n == res->cap) {
		size_t cap = res->cap ? MIN(res->cap * 2, (size_t)PROBE_MAX_PROCS) : RESULT_MIN_CAP;
		struct proc_counts *a;

		if (cap <= res->cap) {
			res->dropped++;
			return NULL;
		}
		a = realloc(res->procs, cap * sizeof(*a));
		if (!a) {
			*err = -ENOMEM;
			return NULL;
		}
		res->procs = a;
		res->cap = cap;
	}
	memset(&res->procs[res->n], 0, sizeof(res->procs[res->n]));
	return &res->procs[res->n++];
}
