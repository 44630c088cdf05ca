/* SPDX-License-Identifier: MIT */
/*
 * pages.h: zeroed tables that cost memory only where they are written.
 * A table sized for a capacity fixed at start (the loop's source slots,
 * twice the configured instances) is mostly never reached; from calloc it
 * may come out of the heap (glibc raises its mmap threshold up to 32 MiB
 * once a large block is freed), and calloc then writes every byte of it.
 * Mapped on its own, anonymous and private, a page is only backed once
 * touched (docs/design.md, "Memory per instance").
 */
#pragma once

#include <stddef.h>

/* n * size bytes of zeroes, page-aligned; NULL on overflow or -ENOMEM. */
void *pages_alloc(size_t n, size_t size);
/* The same n and size as pages_alloc; NULL is a no-op. Returns NULL. */
void *pages_free(void *p, size_t n, size_t size);
