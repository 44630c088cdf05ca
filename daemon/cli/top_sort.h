/* SPDX-License-Identifier: MIT */
/*
 * top_sort.h: the orders of `ringvisor top`'s rows (--sort and the keys
 * c m f t r n) and their names.
 */
#pragma once

#include <errno.h>

/* By name ascending, by a figure descending. */
enum top_sort {
	TOP_SORT_NAME,
	TOP_SORT_CPU,
	TOP_SORT_MEMORY,
	TOP_SORT_FDS,
	TOP_SORT_THREADS,
	TOP_SORT_RESTARTS,
	_TOP_SORT_MAX,
	_TOP_SORT_INVALID = -EINVAL,
};

const char *top_sort_to_string(enum top_sort s);
enum top_sort top_sort_from_string(const char *s);
