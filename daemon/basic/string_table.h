/* SPDX-License-Identifier: MIT */
/*
 * string_table.h: one macro for enum <-> string, as systemd's
 * string-table.h. Given `static const char *const NAME_table[] = {...}`
 * indexed by the enum,
 *
 *   DEFINE_STRING_TABLE_LOOKUP(NAME, enum TYPE)
 *
 * defines NAME_to_string(), NULL for a value outside the table, and
 * NAME_from_string(), the value or -EINVAL for an unknown (or NULL) string.
 * The enum needs a negative member (`_X_INVALID = -EINVAL`) so that it can
 * hold the error.
 */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "basic/macro.h"

#define DEFINE_STRING_TABLE_LOOKUP(name, type)                                         \
	const char *name##_to_string(type i)                                           \
	{                                                                              \
		if ((size_t)i >= ELEMENTSOF(name##_table))                             \
			return NULL;                                                   \
		return name##_table[i];                                                \
	}                                                                              \
	type name##_from_string(const char *s)                                         \
	{                                                                              \
		for (size_t i = 0; s && i < ELEMENTSOF(name##_table); i++)             \
			if (name##_table[i] && !strcmp(name##_table[i], s))           \
				return (type)i;                                        \
		return (type)-EINVAL;                                                  \
	}
