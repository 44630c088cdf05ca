/* SPDX-License-Identifier: MIT */
/*
 * top_sort.c: the names of top's orders, as --sort takes them and the
 * header shows them.
 */
#include <string.h>

#include "cli/top_sort.h"

static const char *const sort_names[_TOP_SORT_MAX] = {
	[TOP_SORT_NAME] = "name", [TOP_SORT_CPU] = "cpu", [TOP_SORT_MEMORY] = "memory",
	[TOP_SORT_FDS] = "fds", [TOP_SORT_THREADS] = "threads", [TOP_SORT_RESTARTS] = "restarts",
};

const char *top_sort_to_string(enum top_sort s)
{
	return s >= 0 && s < _TOP_SORT_MAX ? sort_names[s] : NULL;
}

enum top_sort top_sort_from_string(const char *s)
{
	for (int i = 0; s && i < _TOP_SORT_MAX; i++)
		if (!strcmp(sort_names[i], s))
			return (enum top_sort)i;
	return _TOP_SORT_INVALID;
}
