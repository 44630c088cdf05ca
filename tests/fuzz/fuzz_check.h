/* SPDX-License-Identifier: MIT */
/*
 * fuzz_check.h: what the fuzz targets share. CHECK() is an assertion that
 * NDEBUG cannot turn off: a failed one prints what failed and aborts, which
 * libFuzzer reports as a crash and saves the input.
 *
 * CHECK_KNOWN_BUG() is a check that a known, reported and not yet fixed bug
 * fails (the inputs are in tests/fuzz/crashes/, see its README): it would
 * stop every fuzzing run at the same place, so it only runs with
 * FUZZ_STRICT=1 in the environment (`make fuzz FUZZ_STRICT=1`, or
 * `FUZZ_STRICT=1 build/fuzz/fuzz_NAME tests/fuzz/crashes/NAME-N`). Once
 * the bug is fixed, it becomes a CHECK() and the input joins the corpus.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: %s: CHECK failed: %s\n", __FILE__,     \
				__LINE__, __func__, #cond);                            \
			abort();                                                       \
		}                                                                      \
	} while (0)

static inline bool fuzz_strict(void)
{
	static int strict = -1;

	if (strict < 0) {
		const char *e = getenv("FUZZ_STRICT");
		strict = e && *e && strcmp(e, "0") != 0;
	}
	return strict;
}

#define CHECK_KNOWN_BUG(cond)                                                          \
	do {                                                                           \
		if (fuzz_strict())                                                     \
			CHECK(cond);                                                   \
	} while (0)
